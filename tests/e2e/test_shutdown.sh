#!/usr/bin/env bash
# test_shutdown.sh - SIGTERM stops each service cleanly (exit 0) within a
# bounded time, also while a GitHub request hangs or Redis is away; a
# second SIGINT exits at once
# SPDX-License-Identifier: MIT
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
e2e_redis
D="$E2E_TMP"
RULES="$DP_SOURCE_DIR/config/rules.yml"

# start SERVICE [ARGS...] - runs dp-SERVICE on the sockets of $D
start() {
    local svc=$1
    shift
    case $svc in
    collector) exec "$DP_BIN_DIR/dp-collector" --redis-url "$REDIS_TEST_URL" \
        --ctl "@ipc://$D/c.ctl" --pub "@ipc://$D/c.pub" --out ">ipc://$D/x.in" \
        --reports ">ipc://$D/r.pub" "$@" ;;
    classifier) exec "$DP_BIN_DIR/dp-classifier" --rules "$RULES" \
        --in "@ipc://$D/cl.in" --pub "@ipc://$D/cl.pub" --out ">ipc://$D/x.in" \
        "$@" ;;
    summarizer) exec "$DP_BIN_DIR/dp-summarizer" --rules "$RULES" \
        --redis-url "$REDIS_TEST_URL" --in "@ipc://$D/s.in" \
        --pub "@ipc://$D/s.pub" --out ">ipc://$D/x.in" "$@" ;;
    renderer) exec "$DP_BIN_DIR/dp-renderer" --out-dir "$D/site" \
        --in "@ipc://$D/r.in" --pub "@ipc://$D/r.pub" "$@" ;;
    esac
}

# waits until service $1 has bound its input socket: its signal handlers
# are in place by then (a background job starts with SIGINT ignored)
ready() {
    local sock
    case $1 in
    collector) sock=c.ctl ;;
    classifier) sock=cl.in ;;
    summarizer) sock=s.in ;;
    renderer) sock=r.in ;;
    esac
    for _ in $(seq 1 200); do
        [ -S "$D/$sock" ] && return 0
        sleep 0.05
    done
    return 1
}

for svc in collector classifier summarizer renderer; do
    DP_LOG_LEVEL=error start $svc &
    pid=$!
    ready $svc
    kill -TERM "$pid"
    e2e_wait_exit "$pid" 50
    check "dp-$svc exits 0 within 5 s of SIGTERM (got $ST)" [ "$ST" = 0 ]
    rm -f "$D"/*.in "$D"/*.pub "$D"/*.ctl

    DP_LOG_LEVEL=error start $svc 2>/dev/null &
    pid=$!
    ready $svc
    kill -INT "$pid"
    sleep 0.05 # two signals sent at once arrive as one
    kill -INT "$pid" 2>/dev/null
    e2e_wait_exit "$pid" 20
    check "dp-$svc exits at once on a second SIGINT (got $ST)" \
        [ "$ST" = 130 -o "$ST" = 0 ]
    rm -f "$D"/*.in "$D"/*.pub "$D"/*.ctl
done

# A stop is honoured at once whatever a service is doing (well within the
# 5 s bound, far less than the 30 s a request hangs).
# stop_within SERVICE PID WHAT - SIGTERM, then exit 0 within 5 s
stop_within() {
    kill -TERM "$2"
    e2e_wait_exit "$2" 50
    check "dp-$1 exits 0 within 5 s of SIGTERM $3 (got $ST)" [ "$ST" = 0 ]
    rm -f "$D"/*.in "$D"/*.pub "$D"/*.ctl
}

# The collector inside a GitHub request that hangs for 30 s: it collects
# the last closed hour of its schedule at start.
e2e_standin hang --data "$DP_SOURCE_DIR/tests/data/busy" --port 0 \
    --fault /repos/:hang:0:30000
printf 'timezone: UTC\nwindows: [hourly]\nrepositories:\n  - %s\n' \
    vllm-project/vllm >"$D/schedule.yml"
GITHUB_API_URL="$STANDIN_URL" DP_LOG_LEVEL=error \
    start collector -c "$D/schedule.yml" &
pid=$!
ready collector
check "the collector's request hangs in the stand-in" \
    e2e_until 100 e2e_standin_busy
stop_within collector "$pid" "while a GitHub request hangs"

# Redis away (killed): the summarizer holds on to a message, waiting for it.
kill -9 "$REDIS_TEST_PID"
wait "$REDIS_TEST_PID" 2>/dev/null
DP_LOG_LEVEL=warn start summarizer 2>"$D/summarizer.err" &
pid=$!
ready summarizer
"$DP_BIN_DIR/dp-sendframe" ">ipc://$D/s.in" window
check "the summarizer waits for Redis with a message in hand" \
    e2e_until 100 grep -q "redis unavailable: holding on" "$D/summarizer.err"
stop_within summarizer "$pid" "while Redis is away"

GITHUB_API_URL="$STANDIN_URL" DP_LOG_LEVEL=error \
    start collector -c "$D/schedule.yml" &
pid=$!
ready collector
sleep 1 # a scheduling pass against the missing Redis
stop_within collector "$pid" "while Redis is away"
e2e_finish
