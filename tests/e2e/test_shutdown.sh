#!/usr/bin/env bash
# test_shutdown.sh - SIGTERM stops each service cleanly (exit 0) within a
# bounded time; a second SIGINT exits at once
# SPDX-License-Identifier: MIT
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
e2e_redis
D="$E2E_TMP"
RULES="$DP_SOURCE_DIR/config/rules.yml"

start() {
    case $1 in
    collector) exec "$DP_BIN_DIR/dp-collector" --redis-url "$REDIS_TEST_URL" \
        --ctl "@ipc://$D/c.ctl" --pub "@ipc://$D/c.pub" --out ">ipc://$D/x.in" \
        --reports ">ipc://$D/r.pub" ;;
    classifier) exec "$DP_BIN_DIR/dp-classifier" --rules "$RULES" \
        --in "@ipc://$D/cl.in" --pub "@ipc://$D/cl.pub" --out ">ipc://$D/x.in" ;;
    summarizer) exec "$DP_BIN_DIR/dp-summarizer" --rules "$RULES" \
        --redis-url "$REDIS_TEST_URL" --in "@ipc://$D/s.in" \
        --pub "@ipc://$D/s.pub" --out ">ipc://$D/x.in" ;;
    renderer) exec "$DP_BIN_DIR/dp-renderer" --out-dir "$D/site" \
        --in "@ipc://$D/r.in" --pub "@ipc://$D/r.pub" ;;
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

# waits up to $2 tenths of a second for pid $1; sets ST to its status
wait_exit() {
    ST=timeout
    for _ in $(seq 1 "$2"); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"
            ST=$?
            return
        fi
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

for svc in collector classifier summarizer renderer; do
    DP_LOG_LEVEL=error start $svc &
    pid=$!
    ready $svc
    kill -TERM "$pid"
    wait_exit "$pid" 50
    check "dp-$svc exits 0 within 5 s of SIGTERM (got $ST)" [ "$ST" = 0 ]
    rm -f "$D"/*.in "$D"/*.pub "$D"/*.ctl

    DP_LOG_LEVEL=error start $svc 2>/dev/null &
    pid=$!
    ready $svc
    kill -INT "$pid"
    sleep 0.05 # two signals sent at once arrive as one
    kill -INT "$pid" 2>/dev/null
    wait_exit "$pid" 20
    check "dp-$svc exits at once on a second SIGINT (got $ST)" \
        [ "$ST" = 130 -o "$ST" = 0 ]
    rm -f "$D"/*.in "$D"/*.pub "$D"/*.ctl
done
e2e_finish
