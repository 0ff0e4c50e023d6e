# lib.sh - shared helpers for the end-to-end tests (sourced, not run)
# SPDX-License-Identifier: MIT

: "${DP_BIN_DIR:?DP_BIN_DIR must point at build/bin}"
: "${DP_SOURCE_DIR:?DP_SOURCE_DIR must point at the source tree}"

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-e2e.XXXXXX")
E2E_PIDS=()
E2E_FAILS=0
E2E_PASSES=0

e2e_cleanup() {
    for pid in "${E2E_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

# e2e_standin NAME ARGS... - starts gh-standin; sets STANDIN_URL, STANDIN_PID
e2e_standin() {
    local out="$E2E_TMP/standin.$1.out"
    shift
    "$DP_BIN_DIR/gh-standin" "$@" >"$out" 2>"$out.err" &
    STANDIN_PID=$!
    E2E_PIDS+=("$STANDIN_PID")
    # Up to 30 s: an ASan build on a loaded machine starts slowly.
    for _ in $(seq 1 600); do
        STANDIN_URL=$(head -n 1 "$out" 2>/dev/null || true)
        [ -n "$STANDIN_URL" ] && return 0
        kill -0 "$STANDIN_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "gh-standin did not start: $(cat "$out.err")" >&2
    exit 1
}

# e2e_redis - starts a private redis-server; sets REDIS_TEST_URL and
# REDIS_TEST_PID
e2e_redis() {
    local sock="$E2E_TMP/redis.sock"
    redis-server --port 0 --unixsocket "$sock" --save "" --appendonly no \
        --dir "$E2E_TMP" --logfile redis.log &
    REDIS_TEST_PID=$!
    E2E_PIDS+=("$REDIS_TEST_PID")
    for _ in $(seq 1 200); do
        redis-cli -s "$sock" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    REDIS_TEST_URL="unix://$sock"
}

# e2e_github DATASET - serves tests/data/DATASET as GitHub and points
# devpulse at it (no token, fast retries, a private Redis); sets DATA
e2e_github() {
    DATA="$DP_SOURCE_DIR/tests/data/$1"
    e2e_standin "$1" --data "$DATA" --port 0
    export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_RETRY_BASE_MS=20
    unset REDIS_URL
}

# e2e_busy_hours - the repository of tests/data/busy, BUSY (a directory),
# and its hours: BUSY_FROM..BUSY_TO, its busy hour, whose stats line is
# STATS; QUIET_FROM..QUIET_TO, in which nothing changed; R, the devpulse
# command; fast retries
e2e_busy_hours() {
    BUSY="$DP_SOURCE_DIR/tests/data/busy/vllm-project/vllm"
    R="$DP_BIN_DIR/devpulse"
    STATS=$(cat "$DP_SOURCE_DIR/tests/data/busy/EXPECTED-stats.txt")
    BUSY_FROM=2025-12-15T14:00+08:00
    BUSY_TO=2025-12-15T15:00+08:00
    QUIET_FROM=2025-12-15T20:00+08:00
    QUIET_TO=2025-12-15T21:00+08:00
    export DP_RETRY_BASE_MS=20
}

# e2e_until TENTHS COMMAND... - runs COMMAND every tenth of a second until
# it succeeds, at most TENTHS times; fails when it never did
e2e_until() {
    local n=$1
    shift
    for _ in $(seq 1 "$n"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

# e2e_none PATTERN - true when no process has PATTERN in its command line
e2e_none() { ! pgrep -f -- "$1" >/dev/null; }

# e2e_count PATTERN - how many processes have PATTERN in their command line
e2e_count() { pgrep -f -- "$1" | wc -l; }

# e2e_wait_exit PID TENTHS - waits up to TENTHS tenths of a second for the
# child PID; sets ST to its exit status, or to "timeout" (it is then killed)
e2e_wait_exit() {
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

# e2e_standin_requests - requests the stand-in has taken so far
e2e_standin_requests() {
    curl -s "$STANDIN_URL/_standin/stats" | sed -n 's/.*"requests": *\([0-9]*\).*/\1/p'
}

# e2e_standin_busy - true once the stand-in has taken a request
e2e_standin_busy() { [ "$(e2e_standin_requests)" -gt 0 ] 2>/dev/null; }

pass() { echo "PASS: $*"; E2E_PASSES=$((E2E_PASSES + 1)); }
fail() { echo "FAIL: $*"; E2E_FAILS=$((E2E_FAILS + 1)); }

# check DESCRIPTION COMMAND... - runs a command, counts the result
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

e2e_finish() {
    echo "$E2E_PASSES passed, $E2E_FAILS failed"
    [ "$E2E_FAILS" -eq 0 ]
}
