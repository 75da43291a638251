#!/usr/bin/env bash
# Memory at N feeds (issue 12 point 11): `newshound run` against N feeds on 127.0.0.1
# (default 20,000; examples/feedfarm.rs), polled every INTERVAL seconds (default 120), 10%
# of them changing per interval. Waits until the first round has polled every feed (each
# one new then), then one more interval, and reads the daemon's VmRSS and VmHWM
# (/proc/PID/status): the steady state. Then sends RELOADS SIGHUPs (default 8), one every
# RELOAD_EVERY seconds (env, default 30), reading them after each, and once more an interval
# after the last.
#
#   bench/memory.sh [N] [INTERVAL_SECS] [RELOADS]
#
# NEWSHOUND_BIN=path measures another build; extra environment (MALLOC_ARENA_MAX=…) passes
# to the daemon. Not part of CI. Everything
# lands in target/memory (or $OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
interval=${2:-120}
reloads=${3:-8}
every=${RELOAD_EVERY:-30}
out=${OUT:-target/memory}
rm -rf "$out" && mkdir -p "$out"
cargo build --release --quiet --bin newshound --example feedfarm

./target/release/examples/feedfarm "$n" "$out/config.toml" "$PWD/$out/state" "$interval" 10 \
    > "$out/farm.txt" &
farm=$!
daemon=
trap 'kill $farm 2>/dev/null || true; [[ -n $daemon ]] && kill $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 900); do grep -q listening "$out/farm.txt" 2>/dev/null && break; sleep 0.1; done
grep listening "$out/farm.txt"

"${NEWSHOUND_BIN:-./target/release/newshound}" run -c "$out/config.toml" > "$out/daemon.out" 2> "$out/daemon.log" &
daemon=$!
began=$(date +%s)
mem() {
    kill -0 "$daemon" || { echo "bench/memory.sh: the daemon died, see $out/daemon.log" >&2; exit 1; }
    awk '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {printf "VmRSS %.1f MiB, VmHWM %.1f MiB", r / 1024, h / 1024}' \
        "/proc/$daemon/status"
}
rss() { awk '/^VmRSS/ {print $2}' "/proc/$daemon/status"; }
polls() { grep -c ' polled ' "$out/daemon.log" || true; }
until (( $(polls) >= n )); do
    sleep 10
    mem >/dev/null
    (( $(date +%s) - began < 3600 )) || { echo "bench/memory.sh: the first round took over an hour" >&2; exit 1; }
done
echo "first round (every feed new) done after $(( $(date +%s) - began )) s: $(mem)"
sleep "$interval"
steady=$(rss)
echo "steady state ($n feeds, an interval later): $(mem)"
for r in $(seq 1 "$reloads"); do
    kill -HUP "$daemon"
    sleep "$every"
    echo "after reload $r: $(mem)"
done
sleep "$interval"
last=$(rss)
echo "an interval after the last reload: $(mem)"
awk -v s="$steady" -v l="$last" -v r="$reloads" \
    'BEGIN {printf "VmRSS steady %.1f MiB, after %d reloads %.1f MiB (%.2fx)\n", s / 1024, r, l / 1024, l / s}'
echo "reloads logged: $(grep -c 'config reloaded' "$out/daemon.log"); polls: $(polls)"
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared)"
