#!/usr/bin/env bash
# test_faults.sh - the pipeline under kills, restarts, API faults and hostile
# frames: every window still gets exactly one report, identical to the one a
# run without faults writes, apart from its health footer
# SPDX-License-Identifier: MIT
#
# Bounded and reproducible: kill moments come from seeded $RANDOM, every run
# has a timeout, all traffic stays on 127.0.0.1 and unix sockets.
set -u
. "$(dirname "$0")/../e2e/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }

# The busiest bundled window: the demo sample's hour (37 items, comments,
# reviews) behind 170 listed items.
DATA="$DP_SOURCE_DIR/demo/sample"
REPO=vllm-project/vllm
FROM=2025-12-11T10:00+08:00
TO=2025-12-11T11:00+08:00
export DP_WATCH_S=3 DP_RETRY_BASE_MS=20 DP_MAX_RETRIES=6 DP_LOG_LEVEL=error
export DP_HTTP_TIMEOUT_MS=2000 GITHUB_TOKEN=""
R="$DP_BIN_DIR/devpulse"

body() { sed '/^### 🩺/,$d' "$1"; }

# report NAME [ENV...]: one run into its own directory; sets OUT to the path.
report() {
    local name=$1
    shift
    mkdir -p "$E2E_TMP/run-$name"
    OUT=$(env "$@" TMPDIR="$E2E_TMP/run-$name" "$R" report "$REPO" \
        --from "$FROM" --to "$TO" --out "$E2E_TMP/site-$name" --name vLLM \
        --timeout 120 2>"$E2E_TMP/$name.err")
}

# The report of a run without faults.
e2e_standin clean --data "$DATA" --port 0
CLEAN_URL=$STANDIN_URL
report clean GITHUB_API_URL="$CLEAN_URL"
check "the run without faults writes a report" [ -f "$OUT" ]
[ -f "$OUT" ] || { e2e_finish; exit 1; }
body "$OUT" >"$E2E_TMP/clean.md"
check "the clean report has items" grep -q '^- \[#' "$E2E_TMP/clean.md"

same_as_clean() {
    local what=$1 path=$2
    if [ -f "$path" ] && diff -q <(body "$path") "$E2E_TMP/clean.md" >/dev/null; then
        pass "$what: the report equals the clean one apart from the footer"
    else
        fail "$what: the report differs or is missing ($path)"
        [ -f "$path" ] && diff <(body "$path") "$E2E_TMP/clean.md" | head -5
        tail -3 "$E2E_TMP/$what.err" 2>/dev/null
    fi
}

# 1. kill -9 each service at seeded random moments; the supervisor restarts
#    it and the watchdog replays what was lost.
for seed in 11 23 37; do
    RANDOM=$seed
    for svc in collector classifier summarizer renderer; do
        name="kill-$svc-$seed"
        mkdir -p "$E2E_TMP/run-$name"
        ( report "$name" GITHUB_API_URL="$CLEAN_URL"; echo "$OUT" >"$E2E_TMP/$name.path" ) &
        runner=$!
        delay_ms=$((RANDOM % 1500))
        sleep "$(printf '0.%03d' "$delay_ms")"
        pid=$(pgrep -f "dp-$svc .*$E2E_TMP/run-$name" | head -n 1)
        if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then
            echo "killed dp-$svc at ${delay_ms} ms (seed $seed)"
        else
            echo "dp-$svc was not running at ${delay_ms} ms (seed $seed)"
        fi
        wait "$runner"
        same_as_clean "$name" "$(cat "$E2E_TMP/$name.path")"
    done
done

# 2. Redis killed and restarted (append-only file, fsync every second).
rdir="$E2E_TMP/redis-aof"
mkdir -p "$rdir"
sock="$rdir/redis.sock"
start_redis() {
    redis-server --port 0 --unixsocket "$sock" --save "" --appendonly yes \
        --appendfsync everysec --dir "$rdir" --logfile redis.log &
    RPID=$!
    E2E_PIDS+=("$RPID")
    for _ in $(seq 1 100); do
        redis-cli -s "$sock" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    return 1
}
start_redis
( report redis-restart GITHUB_API_URL="$CLEAN_URL" REDIS_URL="unix://$sock"
  echo "$OUT" >"$E2E_TMP/redis-restart.path" ) &
runner=$!
sleep 0.4
kill -9 "$RPID"
wait "$RPID" 2>/dev/null
sleep 0.5
start_redis
wait "$runner"
same_as_clean redis-restart "$(cat "$E2E_TMP/redis-restart.path")"

# 3. GitHub faults: secondary limits, 5xx, a hanging request, truncated and
#    HTML bodies. The report is the same; the footer says what was retried.
e2e_standin faulty --data "$DATA" --port 0 \
    --fault issues:secondary:1:1 --fault issues:status:2:502 \
    --fault comments:hang:1:3000 --fault comments:truncate:1:short \
    --fault files:html503:1 --fault reviews:r429:1:1 --fault pulls:status:1:500
report faults GITHUB_API_URL="$STANDIN_URL"
same_as_clean faults "$OUT"
check "the footer says requests were retried" \
    grep -qE '重试 [1-9][0-9]* 次' "$OUT"
check "the footer lists the problems" grep -q '^- 问题: ' "$OUT"

# 4. Hostile frames to every service's sockets during a run: the services
#    stay up (no restart) and the report is the same.
name=frames
mkdir -p "$E2E_TMP/run-$name"
( report "$name" GITHUB_API_URL="$CLEAN_URL" DP_LOG_LEVEL=warn
  echo "$OUT" >"$E2E_TMP/$name.path" ) &
runner=$!
for _ in $(seq 1 200); do
    dir=$(ls -d "$E2E_TMP/run-$name"/devpulse-* 2>/dev/null | head -n 1)
    [ -n "$dir" ] && [ -S "$dir/collector.ctl" ] && break
    sleep 0.02
done
for sock in collector.ctl classifier.in summarizer.in renderer.in; do
    for kind in random huge array version type truncated empty multipart; do
        "$DP_BIN_DIR/dp-sendframe" ">ipc://$dir/$sock" "$kind" 5 7 || true
    done
done
wait "$runner"
same_as_clean frames "$(cat "$E2E_TMP/$name.path")"
check "no service restarted under hostile frames" \
    bash -c "! grep -q restarted '$E2E_TMP/frames.err'"

e2e_finish
