#!/usr/bin/env bash
# test_secrets.sh - tokens and passwords appear nowhere a run writes
# SPDX-License-Identifier: MIT
#
# A report run with a GitHub token, a Redis ACL user and password, debug
# logging and a tap listening to every service: the secrets must not appear
# in the logs, the report files, the bus messages or Redis' own data. Also
# checks that Redis AUTH with a user and a password works, and that a wrong
# password gives one clear line.
set -u
. "$(dirname "$0")/lib.sh"

TOKEN="ghp_S3cretTokenValue0123456789abcdef"
REDIS_PW="R3dis-Secret-Passw0rd"
USER_PW="Us3r-Secret-Passw0rd"

e2e_standin sec --data "$DP_SOURCE_DIR/tests/data/vllm-hour" --port 0 --token "$TOKEN"

# A Redis on a free loopback port with a password and an ACL user.
for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --requirepass "$REDIS_PW" --dir "$E2E_TMP" --logfile redis.log &
    rpid=$!
    E2E_PIDS+=("$rpid")
    ok=0
    for _ in $(seq 1 100); do
        if REDISCLI_AUTH="$REDIS_PW" redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
            ok=1
            break
        fi
        kill -0 "$rpid" 2>/dev/null || break
        sleep 0.05
    done
    [ "$ok" -eq 1 ] && break
done
[ "$ok" -eq 1 ] || { echo "redis-server did not start"; exit 1; }
REDISCLI_AUTH="$REDIS_PW" redis-cli -p "$port" ACL SETUSER dpuser on ">$USER_PW" '~*' '&*' '+@all' >/dev/null

mkdir -p "$E2E_TMP/run"
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="$TOKEN" DP_LOG_LEVEL=debug
export REDIS_URL="redis://dpuser:$USER_PW@127.0.0.1:$port"
TMPDIR="$E2E_TMP/run" "$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site" --name vLLM >"$E2E_TMP/stdout" 2>"$E2E_TMP/stderr" &
rep=$!
# Listen to every tap of the run's private bus while it works.
for _ in $(seq 1 200); do
    dir=$(ls -d "$E2E_TMP"/run/devpulse-* 2>/dev/null | head -n 1)
    [ -n "$dir" ] && [ -S "$dir/renderer.pub" ] && break
    sleep 0.02
done
if [ -n "${dir:-}" ]; then
    eps=">ipc://$dir/collector.pub,>ipc://$dir/classifier.pub,>ipc://$dir/summarizer.pub,>ipc://$dir/renderer.pub"
    "$DP_BIN_DIR/devpulse" tap --endpoints "$eps" >"$E2E_TMP/tap" 2>/dev/null &
    E2E_PIDS+=("$!")
fi
wait "$rep"
rc=$?
check "the report run with Redis AUTH (user and password) succeeds" [ "$rc" -eq 0 ]
sleep 0.5
check "the tap saw bus messages" [ -s "$E2E_TMP/tap" ]
check "debug logging wrote something" [ -s "$E2E_TMP/stderr" ]
REDISCLI_AUTH="$REDIS_PW" redis-cli -p "$port" SAVE >/dev/null
for secret in "$TOKEN" "$REDIS_PW" "$USER_PW"; do
    hits=$(grep -rlaF -- "$secret" "$E2E_TMP/stdout" "$E2E_TMP/stderr" \
        "$E2E_TMP/tap" "$E2E_TMP/site" "$E2E_TMP"/dump.rdb 2>/dev/null)
    check "secret ${secret:0:4}… appears in nothing written" [ -z "$hits" ]
    [ -z "$hits" ] || echo "found in: $hits"
done

# A wrong password: one clear line, non-zero.
REDIS_URL="redis://dpuser:wrong@127.0.0.1:$port" DP_LOG_LEVEL=warn \
    "$DP_BIN_DIR/devpulse" report vllm-project/vllm --timeout 20 \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/x" >/dev/null 2>"$E2E_TMP/wrong.err"
rc=$?
check "a wrong Redis password fails the run" [ "$rc" -ne 0 ]
check "and says so in one clear line" grep -q "refused the credentials" "$E2E_TMP/wrong.err"
check "without printing the password" bash -c "! grep -q 'dpuser:wrong' '$E2E_TMP/wrong.err'"

e2e_finish
