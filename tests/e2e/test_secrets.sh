#!/usr/bin/env bash
# test_secrets.sh - tokens and passwords appear nowhere a run writes
# SPDX-License-Identifier: MIT
#
# A report run with a GitHub token, a Redis ACL user and password, debug
# logging and a tap listening to every service: the secrets must not appear
# in the logs, the report files, the bus messages or Redis' own data, nor
# on the command line of any process while the run works (any local user
# reads /proc/PID/cmdline). Also checks that Redis AUTH with a user and a
# password works, that the password-only URL form (redis://PASSWORD@host)
# is masked in debug logs too, and that a wrong password gives one clear
# line. Nothing here puts a secret on a command line either: the test's
# Redis reads its password from a 0600 file, grep its patterns from one.
set -u
. "$(dirname "$0")/lib.sh"

TOKEN="ghp_S3cretTokenValue0123456789abcdef"
REDIS_PW="R3dis-Secret-Passw0rd"
USER_PW="Us3r-Secret-Passw0rd"

e2e_standin sec --data "$DP_SOURCE_DIR/tests/data/vllm-hour" --port 0 --token "$TOKEN" \
    --fault "/issues/comments:hang:1:1500"

# A Redis on a free loopback port with a password and an ACL user.
(umask 077 && printf 'requirepass %s\n' "$REDIS_PW" >"$E2E_TMP/auth.conf" &&
    printf '%s\n' "$TOKEN" "$REDIS_PW" "$USER_PW" >"$E2E_TMP/secrets.pat")
for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    redis-server "$E2E_TMP/auth.conf" --port "$port" --bind 127.0.0.1 \
        --save "" --appendonly no --dir "$E2E_TMP" --logfile redis.log &
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
printf 'ACL SETUSER dpuser on >%s ~* &* +@all\n' "$USER_PW" |
    REDISCLI_AUTH="$REDIS_PW" redis-cli -p "$port" >/dev/null

# The comments listing of the first run hangs 1.5 s (--fault above), so
# the scan and the tap below see the services at work even on a slow host.
#
# scan_cmdlines PID OUT - while PID runs (at most 60 s), collects into OUT
# the command line of every process that holds a secret, and into OUT.seen
# those of the services, so the scan is known to have looked at them. The
# stand-in is left out: it plays GitHub, which knows the token.
scan_cmdlines() {
    : >"$2"
    : >"$2.seen"
    for _ in $(seq 1 1200); do
        kill -0 "$1" 2>/dev/null || break
        for f in /proc/[0-9]*/cmdline; do
            [ "$f" = "/proc/$STANDIN_PID/cmdline" ] && continue
            c=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
            case "$c" in *dp-collector* | *dp-summarizer*) echo "$c" >>"$2.seen" ;; esac
            if grep -qFf "$E2E_TMP/secrets.pat" <<<"$c"; then
                echo "$f: ${c:0:60}" >>"$2"
            fi
        done
        sleep 0.05
    done
}

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
scan_cmdlines "$rep" "$E2E_TMP/cmdlines"
wait "$rep"
rc=$?
check "the report run with Redis AUTH (user and password) succeeds" [ "$rc" -eq 0 ]
check "the scan saw the collector and the summarizer running" \
    bash -c "grep -q dp-collector '$E2E_TMP/cmdlines.seen' && grep -q dp-summarizer '$E2E_TMP/cmdlines.seen'"
check "no process had the token or a Redis password on its command line" \
    [ ! -s "$E2E_TMP/cmdlines" ]
[ -s "$E2E_TMP/cmdlines" ] && sed 's/^/  /' "$E2E_TMP/cmdlines" | head -n 5
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

# The password-only form, redis://PASSWORD@host, at debug level: the
# password is masked in every log line, and the run works.
REDIS_URL="redis://$REDIS_PW@127.0.0.1:$port" TMPDIR="$E2E_TMP/run" \
    "$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site2" --name vLLM >/dev/null 2>"$E2E_TMP/stderr2" &
rep=$!
scan_cmdlines "$rep" "$E2E_TMP/cmdlines2"
wait "$rep"
rc=$?
check "the report run with redis://PASSWORD@host succeeds" [ "$rc" -eq 0 ]
check "its debug log shows the masked URL" \
    grep -qF "redis://***@127.0.0.1:$port" "$E2E_TMP/stderr2"
check "its debug log holds no password" \
    bash -c "! grep -qFf '$E2E_TMP/secrets.pat' '$E2E_TMP/stderr2'"
check "no process had the password on its command line" \
    [ ! -s "$E2E_TMP/cmdlines2" ]

# A wrong password: one clear line, non-zero.
REDIS_URL="redis://dpuser:wrong@127.0.0.1:$port" DP_LOG_LEVEL=warn \
    "$DP_BIN_DIR/devpulse" report vllm-project/vllm --timeout 20 \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/x" >/dev/null 2>"$E2E_TMP/wrong.err"
rc=$?
check "a wrong Redis password fails the run" [ "$rc" -ne 0 ]
check "and says so in one clear line" grep -q "refused the credentials" "$E2E_TMP/wrong.err"
check "without printing the password" bash -c "! grep -q 'dpuser:wrong' '$E2E_TMP/wrong.err'"

# ==== Redis of docker-compose.yml ====
# Its password reaches Redis through a 0600 file (deploy/redis-entrypoint.sh),
# not --requirepass. The entrypoint runs here with a stand-in for the image's
# own entrypoint (which only drops privileges) and a loopback config.
check "docker-compose.yml passes no --requirepass" \
    bash -c "! grep -q -- '--requirepass' '$DP_SOURCE_DIR/docker-compose.yml'"
COMPOSE_PW='Compose "Pw" \with spaces'
printf '%s\n' "$COMPOSE_PW" >>"$E2E_TMP/secrets.pat"
printf '#!/bin/sh\nexec "$@"\n' >"$E2E_TMP/entry.sh"
chmod +x "$E2E_TMP/entry.sh"
cport=$((20000 + RANDOM % 20000))
printf 'port %s\nbind 127.0.0.1\nsave ""\nappendonly no\ndir %s\nlogfile compose-redis.log\n' \
    "$cport" "$E2E_TMP" >"$E2E_TMP/compose-redis.conf"
REDIS_PASSWORD="$COMPOSE_PW" DP_REDIS_CONF="$E2E_TMP/compose-redis.conf" \
    DP_REDIS_AUTH_DIR="$E2E_TMP/auth" DP_REDIS_ENTRYPOINT="$E2E_TMP/entry.sh" \
    sh "$DP_SOURCE_DIR/deploy/redis-entrypoint.sh" &
cpid=$!
E2E_PIDS+=("$cpid")
compose_up() { REDISCLI_AUTH="$COMPOSE_PW" redis-cli -p "$cport" ping 2>/dev/null | grep -q PONG; }
check "the compose Redis starts with its password from a file" e2e_until 100 compose_up
check "... and refuses a client without it" \
    bash -c "redis-cli -p $cport ping 2>&1 | grep -q NOAUTH"
check "... the file is mode 0600" \
    [ "$(stat -c %a "$E2E_TMP/auth/auth.conf")" = 600 ]
check "... and the password is on no command line" \
    bash -c "! grep -qaFf '$E2E_TMP/secrets.pat' /proc/$cpid/cmdline"
check "... nor in the entrypoint's environment once Redis runs" \
    bash -c "! tr '\\0' '\\n' </proc/$cpid/environ | grep -q '^REDIS_PASSWORD='"

e2e_finish
