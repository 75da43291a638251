#!/usr/bin/env bash
# The idle benchmark (issue 13 point 5): `newshound run` against N feeds on 127.0.0.1
# (default 10,000; examples/feedfarm.rs), every feed polled every INTERVAL seconds (default
# 300: `poll_interval` and `max_interval` both set to it), with PERCENT % of the feeds
# (default 10) publishing one new item per interval. After a warm-up of one interval (the
# first round fetches every feed new), it reads the daemon's CPU time (user + sys, from
# /proc/PID/stat) over ROUNDS intervals (default 3) and reports it as % of one core, with
# its memory (VmRSS, VmHWM from /proc/PID/status).
#
#   bench/idle.sh [N] [INTERVAL_SECS] [ROUNDS] [PERCENT]
#
# `bench/idle.sh 10000 30 2` is a quick check (the polls come ten times as often, so it
# costs about ten times the CPU share); the figure of issue 13 is the default, 5 minutes
# (about 20 minutes in all). Not part of CI. Everything lands in target/idle.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
interval=${2:-300}
rounds=${3:-3}
percent=${4:-10}
out=target/idle
rm -rf "$out" && mkdir -p "$out"
cargo build --release --quiet --bin newshound --example feedfarm

./target/release/examples/feedfarm "$n" "$out/config.toml" "$PWD/$out/state" "$interval" "$percent" \
    > "$out/farm.txt" &
farm=$!
daemon=
trap 'kill $farm 2>/dev/null || true; [[ -n $daemon ]] && kill $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q listening "$out/farm.txt" 2>/dev/null && break; sleep 0.1; done
grep listening "$out/farm.txt"

./target/release/newshound run -c "$out/config.toml" > "$out/daemon.out" 2> "$out/daemon.log" &
daemon=$!
tick=$(getconf CLK_TCK)
# user + sys CPU ticks of the daemon (fields 14 and 15 of /proc/PID/stat, after the name).
cpu() { sed 's/.*) //' "/proc/$daemon/stat" | awk '{print $12 + $13}'; }
mem() { awk '/^VmRSS|^VmHWM/ {printf "%s %.1f MiB  ", $1, $2 / 1024}' "/proc/$daemon/status"; }
now() { date +%s.%N; }

echo "warm-up: one interval (${interval}s), the first round fetches all $n feeds new"
sleep "$interval"
kill -0 "$daemon" || { echo "bench/idle.sh: the daemon died, see $out/daemon.log" >&2; exit 1; }
echo "after warm-up: $(awk -v t="$(cpu)" -v k="$tick" 'BEGIN {printf "%.2f", t / k}') CPU s so far; $(mem)"
c0=$(cpu); t0=$(now)
for r in $(seq 1 "$rounds"); do
    sleep "$interval"
    kill -0 "$daemon" || { echo "bench/idle.sh: the daemon died, see $out/daemon.log" >&2; exit 1; }
    c=$(cpu); t=$(now)
    awk -v c="$((c - c0))" -v k="$tick" -v w="$t" -v w0="$t0" -v r="$r" \
        'BEGIN {w -= w0; printf "round %d: %.2f CPU s in %.0f s wall = %.2f%% of one core; ", r, c / k, w, 100 * c / k / w}'
    echo "$(mem)"
done
c1=$(cpu); t1=$(now)
awk -v c="$((c1 - c0))" -v k="$tick" -v w="$t1" -v w0="$t0" -v n="$n" -v i="$interval" -v p="$percent" \
    'BEGIN {w -= w0; printf "idle: %d feeds every %ds, %d%% changing per round: %.2f CPU s over %.0f s = %.2f%% of one core\n", n, i, p, c / k, w, 100 * c / k / w}'
grep changed "$out/farm.txt" | tail -1
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared)"
