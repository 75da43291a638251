#!/usr/bin/env bash
# Soak test (issue 12): `newshound run` for DURATION seconds (default 600) against FEEDS
# (default 200) changing feeds on 127.0.0.1 and a receiver failing 30% of deliveries at
# random, with SIGHUPs and kill -9 at random moments; then a final drain with the feeds
# frozen. Reports alerts expected / delivered / duplicated and the daemon's memory over
# time. Not part of `cargo test`.
#   bench/soak.sh [DURATION] [FEEDS]     NEWSHOUND_BIN=target/release/newshound by default
set -euo pipefail
DURATION=${1:-600}
FEEDS=${2:-200}
BIN=${NEWSHOUND_BIN:-target/release/newshound}
EPOCH=${EPOCH:-20}
DRAIN=${DRAIN:-120}
[ -x "$BIN" ] || { echo "no $BIN: cargo build --release (or set NEWSHOUND_BIN)" >&2; exit 1; }
OUT=$(mktemp -d /tmp/newshound-soak.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$(dirname "$0")/soak_server.py" "$PORT" "$FEEDS" "$EPOCH" 0.3 "$OUT" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; [ -n "${DAEMON:-}" ] && kill -9 $DAEMON 2>/dev/null; true' EXIT
{
  printf '[daemon]\nstate_dir = "%s/state"\npoll_interval = "5s"\n' "$OUT"
  printf '[http]\ntimeout = "5s"\nallow_private_networks = true\n'
  for n in $(seq 0 $((FEEDS - 1))); do
    printf '[[feed]]\nname = "f%s"\nurl = "http://127.0.0.1:%s/feeds/%s.rss"\n' "$n" "$PORT" "$n"
  done
  printf '[[watchlist]]\nname = "harbour"\nkeywords = ["harbour"]\nsinks = ["hook"]\n'
  printf '[[sink]]\nname = "hook"\ntype = "webhook"\nurl = "http://127.0.0.1:%s/hook"\nbackoff = "1s"\nbackoff_max = "5s"\ngive_up_after = "1h"\n' "$PORT"
} > "$OUT/config.toml"
sleep 1
start_daemon() { RUST_LOG=warn "$BIN" run -c "$OUT/config.toml" 2>>"$OUT/daemon.log" & DAEMON=$!; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$DAEMON/status" 2>/dev/null || echo 0; }
echo "soak: $FEEDS feeds, ${DURATION}s, receiver failing 30%, output in $OUT"
echo "t_s rss_kib event" > "$OUT/memory.txt"
start_daemon
BEGIN=$(date +%s); KILLS=0; HUPS=0
while [ $(( $(date +%s) - BEGIN )) -lt "$DURATION" ]; do
  sleep $(( RANDOM % 15 + 5 ))
  T=$(( $(date +%s) - BEGIN ))
  case $(( RANDOM % 3 )) in
    0) kill -9 "$DAEMON"; wait "$DAEMON" 2>/dev/null || true; KILLS=$((KILLS + 1)); echo "$T 0 kill-9" >> "$OUT/memory.txt"; start_daemon ;;
    *) echo "$T $(rss) sighup" >> "$OUT/memory.txt"; kill -HUP "$DAEMON"; HUPS=$((HUPS + 1)) ;;
  esac
done
touch "$OUT/freeze"
echo "drain: feeds frozen, ${DRAIN}s for the outbox to empty"
for _ in $(seq 1 $((DRAIN / 5))); do sleep 5; echo "$(( $(date +%s) - BEGIN )) $(rss) drain" >> "$OUT/memory.txt"; done
kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=
python3 - "$OUT" "$KILLS" "$HUPS" <<'PY'
import hashlib, sys
out, kills, hups = sys.argv[1], sys.argv[2], sys.argv[3]
served = {l.strip() for l in open(f"{out}/served.log") if l.strip()}
expected = {hashlib.sha256(f"harbour\x1fguid:{g}".encode()).hexdigest()[:32] for g in served}
acks = [l.strip() for l in open(f"{out}/acked.log") if l.strip()]
got = set(acks)
print(f"kills: {kills}, SIGHUPs: {hups}")
print(f"alerts expected: {len(expected)}, delivered: {len(got & expected)}, missing: {len(expected - got)}, "
      f"unexpected: {len(got - expected)}, duplicated: {len(acks) - len(got)} (repeat deliveries)")
rows = [l.split() for l in open(f"{out}/memory.txt")][1:]
rss = [int(r[1]) for r in rows if r[1] != "0"]
if rss:
    print(f"memory (VmRSS KiB): first {rss[0]}, max {max(rss)}, last {rss[-1]}  (over time: {out}/memory.txt)")
PY
