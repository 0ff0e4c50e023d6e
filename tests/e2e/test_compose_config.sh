#!/usr/bin/env bash
# test_compose_config.sh - docker-compose.yml is valid and exposes nothing
# SPDX-License-Identifier: MIT
#
# Validates the compose file with `docker compose config` (the v2 plugin) or
# `docker-compose config` (Debian's docker-compose), neither of which needs a
# running Docker engine. Exits 77 (ctest SKIP_RETURN_CODE) when neither is
# installed.
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

# compose refuses to run without a Redis password; a dummy one is enough to
# validate the file. GITHUB_TOKEN and the LLM settings are optional.
export REDIS_PASSWORD=${REDIS_PASSWORD:-compose-config-test}
export DP_CURVE_PUBLIC_KEY=${DP_CURVE_PUBLIC_KEY:-compose-config-test-public}
export DP_CURVE_SECRET_KEY=${DP_CURVE_SECRET_KEY:-compose-config-test-secret}

"${compose[@]}" -f docker-compose.yml config -q ||
    fail "${compose[*]} config rejected docker-compose.yml"
echo "PASS: ${compose[*]} config -q"

out=$("${compose[@]}" -f docker-compose.yml config)

for svc in redis collector classifier summarizer renderer; do
    grep -Eq "^  $svc:" <<<"$out" || fail "service $svc missing"
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

# Without a password, compose must refuse (Redis keeps protected mode on).
if env -u REDIS_PASSWORD "${compose[@]}" -f docker-compose.yml \
    --env-file /dev/null config -q >/dev/null 2>&1; then
    fail "compose accepted the file without REDIS_PASSWORD"
fi
echo "PASS: compose refuses to run without REDIS_PASSWORD"
