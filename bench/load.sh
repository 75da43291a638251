#!/usr/bin/env bash
# The load benchmark: `newshound once` over N feeds served from 127.0.0.1 (default 10,000,
# ~55 realistic items each, see examples/feedfarm.rs), two rounds:
#   round 1: every feed is new (fetch, parse, match, record every article);
#   round 2: every feed answers 304 Not Modified to the ETag kept from round 1.
# Reports wall time, feeds/s, CPU seconds (user + sys) and peak RSS from /usr/bin/time -v,
# and the rate on two dedicated cores the CPU time gives (feeds / (CPU s / 2)): on a shared
# machine the wall-clock rate counts the time spent waiting for a core, and the feed server
# runs on the same cores.
#
#   bench/load.sh [N]
#
# The state goes to target/load/state (on disk, as in production: commits are fsynced).
# NEWSHOUND_BIN=path measures another build (default target/release/newshound). Not part
# of CI. Needs GNU time (Debian: apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
out=target/load
[[ -x /usr/bin/time ]] || { echo "bench/load.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out"
cargo build --release --quiet --bin newshound --example feedfarm

./target/release/examples/feedfarm "$n" "$out/config.toml" "$PWD/$out/state" > "$out/farm.txt" &
farm=$!
trap 'kill $farm 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q listening "$out/farm.txt" 2>/dev/null && break; sleep 0.1; done
grep listening "$out/farm.txt"

round() {
    local name=$1
    /usr/bin/time -v "${NEWSHOUND_BIN:-./target/release/newshound}" once -c "$out/config.toml" \
        > "$out/$name.out" 2> "$out/$name.err"
    python3 - "$out/$name.err" "$out/$name.out" "$n" "$name" <<'PY'
import re, sys
err, out, n, name = open(sys.argv[1]).read(), open(sys.argv[2]).read(), int(sys.argv[3]), sys.argv[4]
def field(label):
    return re.search(re.escape(label) + r":\s*(.+)", err).group(1).strip()
wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) / 1024
ok = len(re.findall(r": ok, ", out)); nm = len(re.findall(r": not modified", out))
failed = len(re.findall(r": FAILED", out))
summary = out.strip().splitlines()[-1] if out.strip() else ""
print(f"{name}: {secs:.2f} s wall, {n / secs:,.0f} feeds/s wall; {cpu:.2f} CPU s (user+sys) = "
      f"{1e3 * cpu / n:.2f} CPU ms per feed = {n / (cpu / 2):,.0f} feeds/s on 2 cores; "
      f"peak RSS {rss:.1f} MiB; {ok} ok, {nm} not modified, {failed} failed")
print(f"  {summary}")
PY
}

echo "== round 1: $n new feeds"
round round1
echo "== round 2: $n feeds answering 304"
round round2
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared)"
