#!/usr/bin/env bash
# The scale-out benchmark: N `newshound run` instances (default 4) on one PostgreSQL share F
# feeds (default 25,000) served from 127.0.0.1; the instance holding the webhook's queue is
# `kill -9`ed mid-run. It is the fleet test (tests/shared/fleet.rs) at a larger size, built
# with --release, and reports what that test checks — every expected alert delivered, no
# alert twice beyond the attempt in flight at the kill, no feed polled twice within one
# interval, the killed instance's feeds polled again within one interval — with polls/s,
# webhook deliveries/s and the PostgreSQL server's CPU time (its processes, from /proc).
#
#   bench/scale.sh [FEEDS] [INSTANCES] [INTERVAL_SECONDS]
#
# PostgreSQL: a throwaway cluster started by the test support (tests/shared/pg.rs; needs
# Debian's postgresql, which .ci/run installs), or $NEWSHOUND_TEST_PG_URL. Takes a few
# minutes: about 5 intervals plus the release build. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEWSHOUND_FLEET_FEEDS=${1:-25000}
export NEWSHOUND_FLEET_INSTANCES=${2:-4}
export NEWSHOUND_FLEET_INTERVAL=${3:-120}
out=target/scale
mkdir -p "$out"
echo "== $NEWSHOUND_FLEET_FEEDS feeds x $NEWSHOUND_FLEET_INSTANCES instances, interval ${NEWSHOUND_FLEET_INTERVAL}s"
# Built first, so the CPU time below is the run's, not the compiler's.
cargo test --release --quiet --test shared --no-run
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
set +e
/usr/bin/env time -f "test process and its children (farm + instances): %U s user + %S s sys, %e s wall" \
    cargo test --release --quiet --test shared fleet -- --nocapture --test-threads 1 \
    > "$out/run.log" 2>&1
status=$?
set -e
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "^fleet:|test process|panicked|assert" "$out/run.log" || true
if [[ $status -eq 0 ]]; then
    echo "checks: all passed (every alert delivered, no duplicates, no feed polled twice within an interval, the killed instance's feeds re-polled within one)"
else
    echo "checks: FAILED (see $out/run.log)"
fi
exit $status
