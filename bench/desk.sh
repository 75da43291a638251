#!/usr/bin/env bash
# The desk benchmark: a state with N generated alerts (default 100,000: bench/gen_history.py,
# 200 file:// feeds of N/200 items, every item one alert), then the p50/p95 latency of the
# inbox and of search over HTTP from a real daemon on 127.0.0.1 (release build), one
# keep-alive client, each request repeated; goals: inbox < 100 ms, search < 200 ms at p95.
#
#   bench/desk.sh [N]
#   BIN=path/to/other/newshound bench/desk.sh [N]    # e.g. a baseline build, same state
#   PG_URL=postgres://… bench/desk.sh [N]            # the same history on PostgreSQL
#
# The state goes to target/desk-bench (kept between runs with the same N: delete it to
# regenerate). Not part of CI. Latencies are wall time on a shared machine: the load
# average is printed with them, and each line has the daemon's CPU time per request
# (user + system, from /proc), which the other agents' load disturbs less.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
out=target/desk-bench
feeds=200
per=$(( (n + feeds - 1) / feeds ))
if [[ -n ${BIN:-} ]]; then
    bin=$BIN
else
    cargo build --release --quiet --bin newshound
    bin=target/release/newshound
fi

if [[ ! -f $out/n ]] || [[ $(cat "$out/n") != "$n" ]]; then
    rm -rf "$out" && mkdir -p "$out"
    python3 bench/gen_history.py "$out" "$feeds" "$per"
    echo "== recording $((feeds * per)) alerts (newshound once)"
    /usr/bin/time -f "once: %e s wall, %U+%S s CPU, %M KiB peak RSS" \
        "$bin" once -c "$out/config.toml" > "$out/once.out" 2> "$out/once.err"
    tail -1 "$out/once.out"; tail -1 "$out/once.err"
    echo "$n" > "$out/n"
fi
if [[ -n ${PG_URL:-} ]]; then
    # The same history on a PostgreSQL database: copied once by migrate-state (the
    # database must be empty the first time), then the daemon runs on it.
    mark=$(printf '%s' "$PG_URL" | sha256sum | cut -c1-16)
    if [[ ! -f $out/pg ]] || [[ $(cat "$out/pg") != "$mark" ]]; then
        echo "== copying the state to PostgreSQL (migrate-state)"
        /usr/bin/time -f "migrate-state: %e s wall, %U+%S s CPU" \
            "$bin" migrate-state -c "$out/config.toml" --to "$PG_URL" > "$out/migrate.out"
        echo "$mark" > "$out/pg"
    fi
    export NEWSHOUND__STORE__URL=$PG_URL
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NEWSHOUND__DAEMON__ADMIN_LISTEN="127.0.0.1:$port" NEWSHOUND__DAEMON__POLL_INTERVAL=24h \
    "$bin" run -c "$out/config.toml" 2> "$out/daemon.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT

python3 - "$port" "$daemon" <<'PY'
import http.client, os, statistics, sys, time, urllib.parse
port, daemon = int(sys.argv[1]), sys.argv[2]
tick = os.sysconf("SC_CLK_TCK")

def cpu_ms():
    """The daemon's user + system CPU time so far, in ms."""
    with open(f"/proc/{daemon}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / tick
for _ in range(300):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/healthz"); c.getresponse().read(); break
    except OSError:
        time.sleep(0.1)

def timed(path, reps):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    for i in range(reps + 3):
        if i == 3:
            cpu = cpu_ms()
        t = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse(); body = r.read()
        if r.status != 200:
            sys.exit(f"{path}: {r.status} {body[:200]!r}")
        if i >= 3:                      # the first few warm the page cache
            out.append((time.perf_counter() - t) * 1000)
    return out, body, (cpu_ms() - cpu) / reps

def cursor_of_second_page():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/api/v1/alerts?limit=50"); import json
    return json.loads(c.getresponse().read())["next"]

q = urllib.parse.quote
cases = {
    "inbox": [
        "/", "/?watchlist=chinese-press", "/?feed=gen-0123", "/?feed=gen-0199", "/?severity=high",
        "/?feedback=none", "/?since=24h", "/?cursor=" + q(cursor_of_second_page()),
        "/api/v1/alerts", "/api/v1/alerts?watchlist=security-council&limit=100",
    ],
    "search": [
        "/search?q=" + q("Zürich"), "/search?q=" + q('"li shangfu"'), "/search?q=" + q("harb*"),
        "/search?q=" + q("李尚福"), "/search?q=" + q("שיחות"), "/search?q=" + q("declined tariff"),
        "/api/v1/search?q=" + q("volker turk inquiry"), "/?q=" + q("satellite"),
        "/?q=" + q("satellite") + "&feed=gen-0123",
    ],
}
goal = {"inbox": 100, "search": 200}
for kind, paths in cases.items():
    every, cpus = [], []
    for p in paths:
        lat, body, cpu = timed(p, 20)
        every += lat
        cpus.append(cpu)
        print(f"  {kind:6} {p[:56]:56} p50 {statistics.median(lat):7.1f} ms  "
              f"p95 {statistics.quantiles(lat, n=20)[18]:7.1f} ms  CPU {cpu:6.1f} ms  "
              f"({len(body)//1024} KiB)")
    p95 = statistics.quantiles(every, n=20)[18]
    print(f"{kind}: {len(every)} requests, p50 {statistics.median(every):.1f} ms, p95 {p95:.1f} ms, "
          f"CPU {statistics.mean(cpus):.1f} ms/request "
          f"(goal < {goal[kind]} ms: {'met' if p95 < goal[kind] else 'NOT met'})")
PY
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared)"
