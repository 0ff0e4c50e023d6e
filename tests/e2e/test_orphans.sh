#!/usr/bin/env bash
# test_orphans.sh - nothing outlives devpulse: kill -9 of `devpulse report`
# or `devpulse up` leaves no process behind, the next start cleans what the
# killed run left, `devpulse up` restarts a killed Redis without flooding
# the log, and a Ctrl-C stops the services gracefully
# SPDX-License-Identifier: MIT
#
# The processes of a run are found by the directory on their command lines
# (the services' ipc endpoints, Redis's socket): the private directory of
# `devpulse report` under $TMPDIR, the state directory of `devpulse up`.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
command -v redis-cli >/dev/null || { echo "SKIP: redis-cli not installed"; exit 77; }
command -v setsid >/dev/null || { echo "SKIP: setsid not installed"; exit 77; }

unset REDIS_URL # devpulse starts its own Redis
export TMPDIR="$E2E_TMP/tmp" DP_RETRY_BASE_MS=20
mkdir -p "$TMPDIR"
R="$DP_BIN_DIR/devpulse"
PRIVATE="$TMPDIR/devpulse-"
HOUR=(--from 2025-12-15T14:00+08:00 --to 2025-12-15T15:00+08:00)
report_running() { [ "$(e2e_count "$PRIVATE")" = 5 ]; } # Redis and four
standin_past() { [ "$(e2e_standin_requests)" -gt "$1" ]; }

# ==== devpulse report, killed while a GitHub request hangs ====
e2e_standin hang --data "$DP_SOURCE_DIR/tests/data/busy" --port 0 \
    --fault /repos/:hang:0:30000
export GITHUB_API_URL="$STANDIN_URL"
"$R" report vllm-project/vllm "${HOUR[@]}" --out "$E2E_TMP/site" \
    2>"$E2E_TMP/report1.err" &
pid=$!
E2E_PIDS+=("$pid")
check "report: the collector's request hangs in the stand-in" \
    e2e_until 200 e2e_standin_busy
check "report: Redis and four services run ($(e2e_count "$PRIVATE"))" \
    report_running
old_dir=$(ls -d "$PRIVATE"* | head -n 1)
check "report: the private directory names its owner" \
    [ "$(cat "$old_dir/devpulse.pid")" = "$pid" ]
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "report: nothing is left 5 s after kill -9" \
    e2e_until 50 e2e_none "$PRIVATE"
check "report: the killed run's directory stayed behind" [ -d "$old_dir" ]

# The next run removes it; SIGTERM stops it at once although the collector
# is inside a hanging request: every service stops by itself.
"$R" report vllm-project/vllm "${HOUR[@]}" --out "$E2E_TMP/site" \
    2>"$E2E_TMP/report2.err" &
pid=$!
E2E_PIDS+=("$pid")
busy=$(e2e_standin_requests)
check "report: a second run starts its services" e2e_until 200 report_running
check "report: the second run removed the killed run's directory" \
    [ ! -e "$old_dir" ]
check "report: its collector's request hangs too" \
    e2e_until 200 standin_past "$busy"
kill -TERM "$pid"
e2e_wait_exit "$pid" 100
check "report: SIGTERM ends devpulse report within 10 s (got $ST)" \
    [ "$ST" != timeout ]
check "report: every service stopped by itself, none was killed" \
    bash -c "! grep -q 'did not stop in time' '$E2E_TMP/report2.err'"
check "report: nothing is left after SIGTERM" e2e_none "$PRIVATE"
check "report: no private directory is left" \
    bash -c "! ls -d '$PRIVATE'* 2>/dev/null"

# ==== devpulse up ====
e2e_standin calm --data "$DP_SOURCE_DIR/tests/data/busy" --port 0
export GITHUB_API_URL="$STANDIN_URL"
STATE="$E2E_TMP/state"
SOCK="$STATE/redis.sock"
printf 'timezone: UTC\nwindows: [hourly]\nrepositories:\n  - %s\noutputs: {dir: %s}\n' \
    vllm-project/vllm "$E2E_TMP/site-up" >"$E2E_TMP/up.yml"
# up LOG - starts devpulse up in its own session, as from a terminal;
# sets UP_PID once it runs its services
up() {
    setsid "$R" up -c "$E2E_TMP/up.yml" --state "$STATE" 2>"$1" &
    E2E_PIDS+=("$!")
    UP_PID=
    e2e_until 300 grep -q "watching" "$1" || return 1
    UP_PID=$(cat "$STATE/devpulse.pid")
    E2E_PIDS+=("$UP_PID")
}
up_running() { [ "$(e2e_count "$STATE/")" = 5 ]; } # Redis and four services
redis_pid() { pgrep -f -- "redis-server.*$SOCK" | head -n 1; }
reaped() { [ -z "$(ps -o stat= -p "$1" 2>/dev/null)" ]; }
# the collector's log lines since line $1 of $2
collector_lines() { tail -n +"$(($1 + 1))" "$2" | grep -c ' collector\['; }

check "up: starts" up "$E2E_TMP/up1.err"
check "up: Redis and four services run ($(e2e_count "$STATE/"))" up_running
"$R" up -c "$E2E_TMP/up.yml" --state "$STATE" >"$E2E_TMP/up-second.out" \
    2>"$E2E_TMP/up-second.err"
st=$?
check "up: a second devpulse up on the same state is refused (got $st)" \
    [ "$st" != 0 ]
check "up: ... with one line naming the running one" \
    [ "$(wc -l <"$E2E_TMP/up-second.err")" = 1 -a \
    "$(grep -c "in use by another devpulse (pid $UP_PID)" \
        "$E2E_TMP/up-second.err")" = 1 ]
check "up: ... and the first one still runs" up_running

# Redis killed four times in a row: reaped, restarted on the same socket and
# append-only file with a growing backoff; the log stays short.
redis-cli -s "$SOCK" set dp-e2e-mark kept >/dev/null
lines=$(wc -l <"$E2E_TMP/up1.err")
for i in 1 2 3 4; do
    old=$(redis_pid)
    kill -9 "$old"
    e2e_until 150 bash -c "p=\$(pgrep -f -- 'redis-server.*$SOCK'); [ -n \"\$p\" ] && [ \"\$p\" != $old ]"
    check "up: killed Redis #$i is reaped, not a zombie" e2e_until 50 reaped "$old"
    check "up: Redis #$i is restarted on the same socket" \
        e2e_until 100 bash -c "[ \"\$(redis-cli -s '$SOCK' ping 2>/dev/null)\" = PONG ]"
done
check "up: what was written before is still there (append-only file)" \
    [ "$(redis-cli -s "$SOCK" get dp-e2e-mark)" = kept ]
# the collector polls Redis every second: it reconnects by itself
check "up: the collector is connected to the new Redis" \
    e2e_until 100 bash -c "[ \$(redis-cli -s '$SOCK' client list | wc -l) -ge 2 ]"
sleep 2
n=$(collector_lines "$lines" "$E2E_TMP/up1.err")
check "up: the collector logged $n lines through four Redis restarts (at most 40)" \
    [ "$n" -le 40 ]

kill -9 "$UP_PID"
check "up: nothing is left 5 s after kill -9" \
    e2e_until 50 e2e_none "$STATE/"
check "up: the killed run left its sockets" [ -S "$SOCK" ]

# The next start cleans the state directory (lock, pid, sockets); a Ctrl-C
# on its terminal reaches devpulse only, which stops everything gracefully.
# A stale socket of our own making: a server bound to it, killed.
redis-server --port 0 --unixsocket "$STATE/stale.sock" --save "" \
    --appendonly no --dir "$E2E_TMP" --logfile stale-redis.log &
stale_pid=$!
e2e_until 50 test -S "$STATE/stale.sock"
kill -9 "$stale_pid"
wait "$stale_pid" 2>/dev/null
check "up: a stale socket is in the state directory" [ -S "$STATE/stale.sock" ]
old_pid=$UP_PID
check "up: starts again on the state of the killed run" up "$E2E_TMP/up2.err"
check "up: ... and owns it now" [ -n "$UP_PID" -a "$UP_PID" != "$old_pid" ]
check "up: ... with Redis and four services" up_running
check "up: a stale socket in the state directory is removed" \
    [ ! -e "$STATE/stale.sock" ]
kill -INT -- "-$UP_PID" # the whole process group, as a terminal does
e2e_until 100 e2e_none "$STATE/"
check "up: Ctrl-C stops devpulse and everything it started" e2e_none "$STATE/"
check "up: every service stopped by itself, none was killed" \
    bash -c "! grep -q 'did not stop in time' '$E2E_TMP/up2.err'"
check "up: no socket is left in the state directory" \
    bash -c "! find '$STATE' -type s | grep -q ."
e2e_finish
