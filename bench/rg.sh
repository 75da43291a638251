#!/usr/bin/env bash
# The whole process against ripgrep, in CPU seconds, on the same file in the same run:
#
#   bench/rg.sh [MB] [TERMS]
#
# Builds one RSS feed of about MB megabytes (default 8) from the bundled corpus
# (bench/corpus/kagi-feeds.tar.xz, extracted into target/bench), one item per line, and a
# config of TERMS watch terms (default 10000; examples/bench_bigfeed.rs), then measures
#   newshound once -c config.toml --dry-run      (start-up, config, compile, parse, match,
#                                                  JSON alerts on stdout)
#   rg -i -F -w -f terms.txt feed.xml            (the same terms, fixed strings, words)
# with /usr/bin/time (user + sys CPU seconds), and prints both, the ratio, and how many
# stories (items) each finds. Needs ripgrep and GNU time (`apt-get install ripgrep time`).
# NEAR_DUPLICATE_WINDOW=0s (any duration) sets `daemon.near_duplicate_window` in the config:
# `NEAR_DUPLICATE_WINDOW=0s bench/rg.sh` measures the run without near-duplicate checks.
# NEWSHOUND_BIN=path measures another build (default target/release/newshound).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-8}
terms=${2:-10000}
for tool in rg /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/rg.sh: needs $tool (apt-get install ripgrep time)" >&2; exit 2; }
done
corpus=target/bench/kagi-benchmark-feeds
[[ -d $corpus ]] || { mkdir -p target/bench && tar -C target/bench -xJf bench/corpus/kagi-feeds.tar.xz; }
out=target/bench/rg
cargo build --release --quiet --bin newshound --example bench_bigfeed
./target/release/examples/bench_bigfeed "$corpus" "$out" "$mb" "$terms"
if [[ -n ${NEAR_DUPLICATE_WINDOW:-} ]]; then
    sed -i "s/^max_age = \"0s\"\$/&\nnear_duplicate_window = \"$NEAR_DUPLICATE_WINDOW\"/" "$out/config.toml"
fi
echo "config.toml: $(wc -c <"$out/config.toml") bytes; [daemon]: $(sed -n '/^\[daemon\]/,/^$/p' "$out/config.toml" | tail -n +2 | paste -sd' ')"

# A fresh state each time: the dry run reads what the state knows and records nothing.
rm -rf "$out/state"
/usr/bin/time -f "%U %S %M" -o "$out/newshound.time" \
    "${NEWSHOUND_BIN:-./target/release/newshound}" once -c "$out/config.toml" --dry-run >"$out/alerts.jsonl" 2>"$out/once.log"
# ripgrep treats a stdout of /dev/null as --quiet (it stops at the first match), so its
# matching lines go to a file, as a user would read them.
/usr/bin/time -f "%U %S %M" -o "$out/rg.time" \
    rg -i -F -w -f "$out/terms.txt" "$out/feed.xml" >"$out/rg.out"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def cpu(name):
    user, system, rss = open(f"{out}/{name}.time").read().split()[-3:]
    return float(user) + float(system), int(rss) / 1024
alerts = [json.loads(line) for line in open(f"{out}/alerts.jsonl")]
stories = {a["article"]["guid"] or a["article"]["url"] for a in alerts}
rg_stories = sum(1 for line in open(f"{out}/rg.out", encoding="utf-8", errors="replace") if "<item>" in line)
(ours, ours_rss), (rg, rg_rss) = cpu("newshound"), cpu("rg")
print(f"newshound once --dry-run: {ours:.2f} CPU s, peak RSS {ours_rss:.0f} MiB, "
      f"{len(alerts)} alerts, {len(stories)} stories")
print(f"rg -i -F -w -f:           {rg:.2f} CPU s, peak RSS {rg_rss:.0f} MiB, {rg_stories} stories")
print(f"ratio: newshound uses {rg / max(ours, 0.005):.1f}x less CPU than rg")
PY
