#!/usr/bin/env bash
# test_health.sh - /healthz and /metrics of a service, and devpulse health
# SPDX-License-Identifier: MIT
#
# A renderer with DP_HTTP=127.0.0.1:0 writes the port it got to
# DP_HTTP_PORT_FILE; its /healthz answers 200 while Redis answers and 503
# (with the reason) once Redis is gone, and 200 again when it is back;
# `devpulse health` exits 0 and 1 accordingly, with one line. Other paths
# get 404, other methods 405; a bad --http value is refused at start.
set -u
. "$(dirname "$0")/lib.sh"

R="$DP_BIN_DIR/devpulse"
e2e_redis
SOCK="$E2E_TMP/redis.sock"

start_renderer() {
    rm -f "$E2E_TMP/renderer.port"
    DP_HTTP=127.0.0.1:0 DP_HTTP_PORT_FILE="$E2E_TMP/renderer.port" \
        REDIS_URL="$REDIS_TEST_URL" "$DP_BIN_DIR/dp-renderer" \
        --in "@ipc://$E2E_TMP/r.in" --pub "@ipc://$E2E_TMP/r.pub" \
        --out-dir "$E2E_TMP/site" 2>"$E2E_TMP/renderer.log" &
    RENDERER_PID=$!
    E2E_PIDS+=("$RENDERER_PID")
    e2e_until 300 test -s "$E2E_TMP/renderer.port"
}

check "the renderer writes the port it got" start_renderer
PORT=$(cat "$E2E_TMP/renderer.port")
BASE="http://127.0.0.1:$PORT"
check "the port file holds a port" test "$PORT" -gt 0
check "the port is logged" grep -q "health and metrics on 127.0.0.1:0 (port $PORT)" \
    "$E2E_TMP/renderer.log"

healthy() { "$R" health "$BASE/healthz" 2>"$E2E_TMP/health.err"; }
unhealthy() { ! healthy; }

check "devpulse health exits 0 on a healthy service" e2e_until 100 healthy
BODY=$(curl -s "$BASE/healthz")
check "/healthz says ok in JSON" test "$BODY" = '{"status":"ok"}'
METRICS=$(curl -s -D "$E2E_TMP/metrics.head" "$BASE/metrics")
check "/metrics is Prometheus text 0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$E2E_TMP/metrics.head"
check "/metrics carries the service label" \
    grep -q '^devpulse_redis_errors_total{service="renderer"} 0$' <<<"$METRICS"
check "/metrics has HELP and TYPE lines" \
    grep -q '^# TYPE devpulse_messages_received_total counter$' <<<"$METRICS"

CODE=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/nothing")
check "another path is 404" test "$CODE" = 404
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data x "$BASE/metrics")
check "another method is 405" test "$CODE" = 405
"$R" health "$BASE/nothing" 2>"$E2E_TMP/h404.err"
ST=$?
check "devpulse health exits 1 on a 404" test "$ST" = 1
check "and says why in one line" \
    test "$(wc -l <"$E2E_TMP/h404.err")" = 1 -a -n "$(grep 'HTTP 404' "$E2E_TMP/h404.err")"

# Redis goes away: the renderer's keepalive notices within 10 s.
kill "$REDIS_TEST_PID"
wait "$REDIS_TEST_PID" 2>/dev/null
check "devpulse health exits 1 once Redis is gone" e2e_until 300 unhealthy
check "the reason names Redis" grep -q 'HTTP 503: .*redis unreachable' \
    "$E2E_TMP/health.err"
CODE=$(curl -s -o "$E2E_TMP/h503.json" -w '%{http_code}' "$BASE/healthz")
check "/healthz is 503" test "$CODE" = 503
check "its body is JSON with the reason" jq -e \
    '.status == "unhealthy" and (.reason | test("redis"))' "$E2E_TMP/h503.json"
ERRS=$(curl -s "$BASE/metrics" |
    sed -n 's/^devpulse_redis_errors_total{service="renderer"} //p')
check "the Redis errors are counted" test "${ERRS:-0}" -gt 0

redis-server --port 0 --unixsocket "$SOCK" --save "" --appendonly no \
    --dir "$E2E_TMP" --logfile redis.log &
E2E_PIDS+=($!)
check "healthy again once Redis is back" e2e_until 300 healthy

kill "$RENDERER_PID"
e2e_wait_exit "$RENDERER_PID" 100
check "the renderer stops cleanly" test "$ST" = 0
"$R" health "$BASE/healthz" 2>"$E2E_TMP/gone.err"
ST=$?
check "devpulse health exits 1 when nothing listens" test "$ST" = 1
check "with one line" test "$(wc -l <"$E2E_TMP/gone.err")" = 1

"$DP_BIN_DIR/dp-classifier" --http nonsense --in "@ipc://$E2E_TMP/c.in" \
    --pub "@ipc://$E2E_TMP/c.pub" --out ">ipc://$E2E_TMP/c.out" \
    2>"$E2E_TMP/bad.err" &
e2e_wait_exit $! 200
check "a bad --http is refused with status 2" test "$ST" = 2
check "naming the value" grep -q '"nonsense" is not ADDR:PORT' "$E2E_TMP/bad.err"

e2e_finish
