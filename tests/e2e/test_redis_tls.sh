#!/usr/bin/env bash
# test_redis_tls.sh - Redis over TLS (rediss://): the certificate is
# verified against DP_REDIS_CA, and an untrusted one is refused
# SPDX-License-Identifier: MIT
set -u
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }

# A throwaway CA and a server certificate for 127.0.0.1 (and another CA
# that signed nothing, to prove verification happens).
cd "$E2E_TMP"
mkca() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
        -keyout "$1.key" -out "$1.crt" 2>/dev/null
}
mkca test-ca
mkca other-ca
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
openssl x509 -req -in server.csr -CA test-ca.crt -CAkey test-ca.key \
    -CAcreateserial -days 2 -extfile san.ext -out server.crt 2>/dev/null
[ -s server.crt ] || { echo "SKIP: could not make certificates"; exit 77; }

for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    redis-server --port 0 --tls-port "$port" --bind 127.0.0.1 \
        --tls-cert-file server.crt --tls-key-file server.key \
        --tls-ca-cert-file test-ca.crt --tls-auth-clients no \
        --save "" --appendonly no --dir "$E2E_TMP" --logfile redis.log &
    rpid=$!
    E2E_PIDS+=("$rpid")
    ok=0
    for _ in $(seq 1 100); do
        if redis-cli --tls --cacert test-ca.crt -p "$port" ping 2>/dev/null | grep -q PONG; then
            ok=1
            break
        fi
        kill -0 "$rpid" 2>/dev/null || break
        sleep 0.05
    done
    [ "$ok" -eq 1 ] && break
done
[ "$ok" -eq 1 ] || { echo "SKIP: redis-server without TLS support"; exit 77; }

e2e_standin tls --data "$DP_SOURCE_DIR/tests/data/vllm-hour" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=""
run() {
    "$DP_BIN_DIR/devpulse" report vllm-project/vllm --timeout 60 \
        --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
        --out "$E2E_TMP/$1" --name vLLM
}
plain=$(run plain 2>/dev/null)
tls=$(REDIS_URL="rediss://127.0.0.1:$port" DP_REDIS_CA="$E2E_TMP/test-ca.crt" run tls 2>"$E2E_TMP/tls.err")
check "a report through Redis over TLS" [ -n "$tls" -a -f "$tls" ]
[ -f "$tls" ] && check "it equals the report with a private Redis" \
    diff <(sed '/^### 🩺/,$d' "$plain") <(sed '/^### 🩺/,$d' "$tls")
REDIS_URL="rediss://127.0.0.1:$port" DP_REDIS_CA="$E2E_TMP/other-ca.crt" \
    run untrusted >/dev/null 2>"$E2E_TMP/untrusted.err"
rc=$?
check "a server certificate from another CA is refused" [ "$rc" -ne 0 ]
check "with a line that says so" grep -q "not trusted" "$E2E_TMP/untrusted.err"
e2e_finish
