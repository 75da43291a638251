#!/usr/bin/env bash
# Memory at N feeds (issue 12 point 11): `newshound run` against N feeds on 127.0.0.1
# (default 20,000; examples/feedfarm.rs), polled every INTERVAL seconds (default 120), 10%
# of them changing per interval. Waits until the first round has polled every feed (each
# one new then), then one more interval, and reads the daemon's VmRSS and VmHWM
# (/proc/PID/status) every 5 s over the next interval: the steady state, as the mean and the
# largest reading (RSS moves with the polls in flight, so one reading says little). Then
# sends RELOADS SIGHUPs (default 8), one every RELOAD_EVERY seconds (env, default 30),
# reading them after each, and over one more interval after the last, as before.
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
# The mean and largest VmRSS (KiB) over one interval, read every 5 s.
window() {
    local sum=0 count=0 top=0 now
    for _ in $(seq 1 $(( (interval + 4) / 5 ))); do
        sleep 5
        now=$(rss)
        sum=$(( sum + now )); count=$(( count + 1 )); (( now > top )) && top=$now
    done
    echo "$(( sum / count )) $top"
}
sleep "$interval"
read -r steady steady_top < <(window)
echo "steady state ($n feeds, over the interval after the next): $(mem)"
for r in $(seq 1 "$reloads"); do
    kill -HUP "$daemon"
    sleep "$every"
    echo "after reload $r: $(mem)"
done
read -r last last_top < <(window)
echo "over the interval after the last reload: $(mem)"
awk -v s="$steady" -v st="$steady_top" -v l="$last" -v lt="$last_top" -v r="$reloads" \
    'BEGIN {printf "VmRSS over an interval, mean (largest): steady %.1f MiB (%.1f), after %d reloads %.1f MiB (%.1f): %.2fx (%.2fx)\n", s / 1024, st / 1024, r, l / 1024, lt / 1024, l / s, lt / st}'
echo "reloads logged: $(grep -c 'config reloaded' "$out/daemon.log"); polls: $(polls)"
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared)"
