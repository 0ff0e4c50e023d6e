#!/usr/bin/env bash
# test_compose_config.sh - docker-compose.yml (with .env.example) and
# deploy/compose.host.yml are valid, expose nothing and wire what the stack
# needs
# SPDX-License-Identifier: MIT
#
# Validates the compose files with `docker compose config` (the v2 plugin)
# or `docker-compose config` (Debian's docker-compose), neither of which
# needs a running Docker engine, and checks what `config` resolves: the
# services, no published port, the internal network, every service reading
# devpulse.yml, health checks through `devpulse health` and depends_on on
# health, the bus of the agreed topology (so classifiers scale), the GitHub
# and LLM variables passed, .env.example documenting every variable the
# file reads. Exits 77 (ctest SKIP_RETURN_CODE) when neither is installed.
set -euo pipefail

src=${DP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$src"

if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
else
    echo "SKIP: docker compose not installed"
    exit 77
fi

fail()
{
    echo "FAIL: $*"
    exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dp-compose.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# .env.example with its required secrets filled, as a user does after
# `cp .env.example .env`.
sed -e 's/^REDIS_PASSWORD=$/REDIS_PASSWORD=compose-config-test/' \
    -e 's/^DP_CURVE_PUBLIC_KEY=$/DP_CURVE_PUBLIC_KEY=compose-test-public/' \
    -e 's/^DP_CURVE_SECRET_KEY=$/DP_CURVE_SECRET_KEY=compose-test-secret/' \
    -e 's/^GITHUB_TOKENS=$/GITHUB_TOKENS=tok-a,tok-b/' \
    -e 's|^GITHUB_API_URL=.*|GITHUB_API_URL=https://ghe.example.com/api/v3|' \
    .env.example >"$tmp/env"
for v in $(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' .env.example); do
    unset "$v"
done

dc()
{
    "${compose[@]}" --env-file "$tmp/env" -f docker-compose.yml "$@"
}

dc config -q || fail "${compose[*]} config rejected docker-compose.yml"
echo "PASS: ${compose[*]} config -q with .env.example"
out=$(dc config)
printf '%s\n' "$out" >"$tmp/config.yml"

# section SERVICE - the resolved block of one service
section()
{
    awk -v s="  $1:" '$0 == s { on = 1; print; next }
        on && /^  [^ ]/ { on = 0 } on' "$tmp/config.yml"
}

for svc in redis collector classifier summarizer renderer; do
    [ -n "$(section "$svc")" ] || fail "service $svc missing"
done
echo "PASS: the five services are defined"

if grep -Eq '^ +(ports|published):' <<<"$out"; then
    fail "a port is published on the host"
fi
echo "PASS: no port is published on the host"

grep -Eq '^ +internal: true' <<<"$out" || fail "no internal network"
echo "PASS: the backend network is internal"

grep -q 'deploy/redis.conf:/usr/local/etc/redis/redis.conf:ro' \
    docker-compose.yml || fail "redis.conf is not mounted read-only"
echo "PASS: redis.conf is mounted read-only"

for svc in redis collector classifier summarizer renderer; do
    block=$(section "$svc")
    for want in 'read_only: true' '- ALL' 'no-new-privileges:true' \
        'restart: unless-stopped'; do
        grep -qF -- "$want" <<<"$block" || fail "$svc lacks '$want'"
    done
    grep -q 'image: devpulse-' <<<"$block" ||
        fail "$svc is not built here (image devpulse-$svc)"
    if [ "$svc" = redis ]; then
        continue
    fi
    grep -q 'DP_CONFIG: /etc/devpulse/devpulse.yml' <<<"$block" ||
        fail "$svc does not read devpulse.yml"
    grep -q ':/etc/devpulse/devpulse.yml:ro' <<<"$block" ||
        fail "$svc does not mount devpulse.yml read-only"
    grep -q 'DP_HTTP: 0.0.0.0:9100' <<<"$block" ||
        fail "$svc serves no /healthz on 9100"
    grep -q 'http://127.0.0.1:9100/healthz' <<<"$block" ||
        fail "$svc has no devpulse health check"
    if grep -q 'condition: service_started' <<<"$block"; then
        fail "$svc depends on a service merely started"
    fi
    grep -q 'condition: service_healthy' <<<"$block" ||
        fail "$svc does not wait for healthy dependencies"
done
echo "PASS: every service reads devpulse.yml, is hardened, has a health" \
    "check and waits for healthy dependencies"

# The bus: upstream binds its PUSH, downstream replicas connect.
bus()
{
    grep -q -- "$2: '$3'" <<<"$(section "$1")" ||
        grep -q -- "$2: $3" <<<"$(section "$1")" ||
        fail "$1: $2 is not $3"
}
bus collector DP_COLLECTOR_CTL '@tcp://0.0.0.0:7100'
bus collector DP_COLLECTOR_OUT '@tcp://0.0.0.0:7102'
bus collector DP_COLLECTOR_REPORTS '>tcp://renderer:7401'
bus classifier DP_CLASSIFIER_IN '>tcp://collector:7102'
bus classifier DP_CLASSIFIER_OUT '>tcp://summarizer:7300'
bus summarizer DP_SUMMARIZER_IN '@tcp://0.0.0.0:7300'
bus summarizer DP_SUMMARIZER_OUT '@tcp://0.0.0.0:7302'
bus renderer DP_RENDERER_IN '>tcp://summarizer:7302'
bus renderer DP_RENDERER_PUB '@tcp://0.0.0.0:7401'
if grep -q 'container_name:' <<<"$(section classifier)"; then
    fail "classifier has a container_name (no replicas)"
fi
echo "PASS: the bus of the agreed topology; classifiers connect (replicas)"

c=$(section collector)
for want in 'GITHUB_API_URL: https://ghe.example.com/api/v3' \
    'GITHUB_TOKENS: tok-a,tok-b' 'GITHUB_TOKEN:'; do
    grep -qF -- "$want" <<<"$c" || fail "collector lacks '$want'"
done
for want in LLM_BASE_URL LLM_MODEL LLM_API_KEY; do
    grep -q "$want:" <<<"$(section summarizer)" ||
        fail "summarizer lacks $want"
done
if grep -q 'GITHUB_TOKEN' <<<"$(section classifier)$(section renderer)"; then
    fail "a GitHub token reaches a service that does not call GitHub"
fi
echo "PASS: GitHub URL and token pool reach the collector, LLM settings the" \
    "summarizer, and nothing else"

# Every variable the file reads is documented in .env.example.
for v in $(grep -o '\${[A-Z_][A-Z0-9_]*' docker-compose.yml | cut -c3- |
    sort -u); do
    grep -q "^$v=" .env.example || fail ".env.example does not set $v"
done
echo "PASS: .env.example documents every variable of docker-compose.yml"
for v in REDIS_PASSWORD DP_CURVE_PUBLIC_KEY DP_CURVE_SECRET_KEY \
    GITHUB_TOKEN GITHUB_TOKENS LLM_API_KEY; do
    grep -qx "$v=" .env.example || fail ".env.example gives $v a value"
done
echo "PASS: .env.example leaves every secret empty"

# Three classifiers: compose accepts the scale (no fixed name or port).
# (Read whole first: grep -q in a pipe may close it while compose still
# writes, and with pipefail compose's broken pipe fails the check.)
services=$("${compose[@]}" --env-file "$tmp/env" -f docker-compose.yml \
    config --services) || fail "compose config --services failed"
grep -qx classifier <<<"$services" || fail "no classifier service"

# Out of the box: `cp .env.example .env; docker-compose up -d` needs no
# secret typed in. secrets-init (deploy/secrets-init.sh) makes what .env
# leaves empty into the secrets volume, before anything else starts; every
# service reads the files (a secret set in .env wins).
"${compose[@]}" --env-file .env.example -f docker-compose.yml config \
    >"$tmp/plain.yml" || fail "compose rejected the file with .env.example as is"
cp "$tmp/config.yml" "$tmp/filled.yml"
cp "$tmp/plain.yml" "$tmp/config.yml"
init=$(section secrets-init)
grep -q 'secrets-init.sh' <<<"$init" || fail "secrets-init runs no script"
grep -q 'target: devpulse' <<<"$init" || fail "secrets-init image"
grep -Eq 'source: secrets|secrets:/run/devpulse-secrets:rw' <<<"$init" ||
    fail "secrets-init does not write the secrets volume"
grep -q 'network_mode: none' <<<"$init" || fail "secrets-init has a network"
for svc in redis collector classifier summarizer renderer; do
    block=$(section "$svc")
    grep -q 'REDIS_PASSWORD_FILE: /run/devpulse-secrets/redis.password' \
        <<<"$block" || fail "$svc has no REDIS_PASSWORD_FILE"
    grep -q 'secrets:/run/devpulse-secrets:ro' <<<"$block" ||
        fail "$svc does not mount the secrets read-only"
    grep -q 'service_completed_successfully' <<<"$block" ||
        fail "$svc does not wait for secrets-init"
    [ "$svc" = redis ] && continue
    grep -q 'DP_CURVE_KEY_FILE: /run/devpulse-secrets/curve.key' \
        <<<"$block" || fail "$svc has no DP_CURVE_KEY_FILE"
done
echo "PASS: with .env.example as is, secrets-init makes the password and" \
    "the keys and every service reads them"
cp "$tmp/filled.yml" "$tmp/config.yml"
cp "$tmp/env" "$tmp/env.no"

# The host-network file of make e2e-docker.
REDIS_PASSWORD=x DP_CURVE_PUBLIC_KEY=p DP_CURVE_SECRET_KEY=s \
    GITHUB_API_URL=http://127.0.0.1:1 E2E_CONFIG=/dev/null E2E_SITE=/tmp \
    "${compose[@]}" --env-file "$tmp/env.no" -f deploy/compose.host.yml \
    config >"$tmp/host.yml" || fail "deploy/compose.host.yml is not valid"
n=$(grep -c 'network_mode: host' "$tmp/host.yml")
[ "$n" -eq 5 ] || fail "deploy/compose.host.yml: $n of 5 services on host"
if grep -q '0\.0\.0\.0' "$tmp/host.yml"; then
    fail "deploy/compose.host.yml binds beyond 127.0.0.1"
fi
ports=$(grep -o '127\.0\.0\.1:9[0-9]*' "$tmp/host.yml" | sort -u | wc -l)
[ "$ports" -eq 4 ] || fail "deploy/compose.host.yml: $ports HTTP ports, not 4"
echo "PASS: deploy/compose.host.yml: host network, 127.0.0.1 only, a" \
    "health port per service"
