#!/usr/bin/env bash
# test_k8s.sh - deploy/k8s builds with kustomize and its objects are valid
# SPDX-License-Identifier: MIT
#
# Offline, no cluster: `kubectl kustomize` (Debian 12's kubernetes-client,
# kustomize v2.0.3, or any later kubectl; DP_KUBECTL names another binary)
# builds deploy/k8s, deploy/k8s/external-redis, deploy/k8s with the
# optional consumers and an overlay that fills the Secret; check_k8s.js
# validates every object against the schema of its kind and checks probes,
# resources, security context, endpoints, secrets, Services, references and
# the NetworkPolicy. Then it breaks copies of the manifests (the table at
# the end: a probe removed, a field of the wrong type, a value in the
# Secret, uid 0, ...) and checks that each is caught, so the checks cannot
# pass vacuously.
# Exits 77 (ctest SKIP_RETURN_CODE) when kubectl or the npm packages of
# tests/deploy (scripts/deps.sh check installs both) are missing.
set -euo pipefail

src=${DP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
here="$src/tests/deploy"
kubectl=${DP_KUBECTL:-kubectl}

if ! command -v "$kubectl" >/dev/null 2>&1; then
    echo "SKIP: $kubectl not found (Debian: kubernetes-client)"
    exit 77
fi
if ! command -v node >/dev/null 2>&1 ||
    [ ! -f "$here/node_modules/kubernetes-models/package.json" ]; then
    echo "SKIP: node or tests/deploy/node_modules missing" \
        "(bash scripts/npm-ci.sh tests/deploy)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dp-k8s.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0

fail()
{
    echo "FAIL: $*"
    fails=$((fails + 1))
}

ok()
{
    echo "PASS: $*"
    passes=$((passes + 1))
}

# s_build DIR OUT - kubectl kustomize DIR into OUT; false on failure
s_build()
{
    "$kubectl" kustomize "$1" >"$2" 2>"$2.err" || {
        cat "$2.err"
        return 1
    }
}

# s_check VARIANT DIR - builds DIR and checks it as VARIANT
s_check()
{
    local out="$tmp/$1.yaml" label=${2#"$src"/}
    label=${label#"$tmp"/}
    if ! s_build "$2" "$out"; then
        fail "kubectl kustomize ${label} failed"
        return
    fi
    if node "$here/check_k8s.js" "$1" "$out" >"$out.log"; then
        ok "${label} ($1): $(tail -n 1 "$out.log" | sed 's/^PASS: //')"
    else
        cat "$out.log"
        fail "${label} ($1) does not pass check_k8s.js"
    fi
}

echo "kubectl: $("$kubectl" version --client 2>/dev/null | head -n 1)"

s_check full "$src/deploy/k8s"
s_check external "$src/deploy/k8s/external-redis"

# The optional consumers, as a user enables them: uncommented in app/.
cp -r "$src/deploy/k8s" "$tmp/consumers"
sed -i -E 's/^# - (notifier|publisher)\.yaml$/- \1.yaml/' \
    "$tmp/consumers/app/kustomization.yaml"
grep -q '^- notifier.yaml' "$tmp/consumers/app/kustomization.yaml" ||
    fail "app/kustomization.yaml lists no commented notifier.yaml"
s_check consumers "$tmp/consumers"

# The copies that kustomize needs inside deploy/k8s are the project's files.
cmp -s "$src/config/rules.yml" "$src/deploy/k8s/app/rules.yml" &&
    ok "app/rules.yml is config/rules.yml" ||
    fail "deploy/k8s/app/rules.yml differs from config/rules.yml"
cmp -s "$src/deploy/redis-entrypoint.sh" \
    "$src/deploy/k8s/redis/redis-entrypoint.sh" &&
    ok "redis/redis-entrypoint.sh is deploy/redis-entrypoint.sh" ||
    fail "deploy/k8s/redis/redis-entrypoint.sh differs from" \
        "deploy/redis-entrypoint.sh"

# A user's overlay that generates the Secret from an env file replaces the
# empty placeholders (the way docs/operations.md describes it; kustomize
# v2.0.3 wants a relative base, so the overlay sits beside a copy).
cp -r "$src/deploy/k8s" "$tmp/k8s"
mkdir -p "$tmp/overlay"
cat >"$tmp/overlay/kustomization.yaml" <<EOF
namespace: devpulse
bases:
- ../k8s
secretGenerator:
- name: devpulse-secrets
  behavior: replace
  env: secrets.env
EOF
printf 'REDIS_PASSWORD=pw-from-env-file\nDP_CURVE_PUBLIC_KEY=k\n' \
    >"$tmp/overlay/secrets.env"
printf 'DP_CURVE_SECRET_KEY=s\n' >>"$tmp/overlay/secrets.env"
s_check filled "$tmp/overlay"
# base64 of "pw-from-env-file"
grep -q 'REDIS_PASSWORD: cHctZnJvbS1lbnYtZmlsZQ==' "$tmp/filled.yaml" &&
    ok "the overlay's Secret carries the env file's values" ||
    fail "the overlay's Secret does not carry the env file's values"

# s_broken NAME EXPECT FILE OLD NEW - a copy of deploy/k8s whose FILE has
# its first OLD replaced by NEW must fail check_k8s.js with EXPECT
s_broken()
{
    local name=$1 expect=$2 dir="$tmp/broken-${1// /-}"
    cp -r "$src/deploy/k8s" "$dir"
    if ! python3 -c '
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
assert old in text
open(path, "w").write(text.replace(old, new, 1))
' "$dir/$3" "$4" "$5"; then
        fail "broken copy $name: \"$4\" not found in $3"
        return
    fi
    if ! s_build "$dir" "$dir.yaml"; then
        fail "broken copy $name does not build"
        return
    fi
    if node "$here/check_k8s.js" full "$dir.yaml" >"$dir.log"; then
        fail "check_k8s.js passed a copy with $name"
    elif grep -qF -- "$expect" "$dir.log"; then
        ok "a copy with $name is caught: $(grep -F -- "$expect" "$dir.log" |
            head -n 1)"
    else
        cat "$dir.log"
        fail "a copy with $name failed without \"$expect\""
    fi
}

# The breakages, one a line: NAME|EXPECT|FILE|OLD|NEW. A probe renamed to
# xProbe is an unknown field, which the schemas allow: the rule check is
# what catches it. A secret given to a service that does not use it
# (least privilege) is caught too.
while IFS='|' read -r name expect file old new; do
    s_broken "$name" "$expect" "$file" "$old" "$new"
done <<'EOF'
no readiness probe|Deployment classifier: no readinessProbe|app/classifier.yaml|        readinessProbe:|        xProbe:
no liveness probe|Deployment collector: no livenessProbe|app/collector.yaml|        livenessProbe:|        xProbe:
replicas of the wrong type|Deployment/summarizer: schema:|app/summarizer.yaml|  replicas: 1|  replicas: "one"
a value in the Secret|Secret devpulse-secrets: holds a value|app/secrets.yaml|REDIS_PASSWORD: ""|REDIS_PASSWORD: "hunter2"
root|Deployment renderer: runAsUser is 0|app/renderer.yaml|          runAsUser: 65534|          runAsUser: 0
a writable root|Deployment summarizer: readOnlyRootFilesystem|app/summarizer.yaml|readOnlyRootFilesystem: true|readOnlyRootFilesystem: false
a wrong endpoint|DP_CLASSIFIER_IN is|app/classifier.yaml|>tcp://collector:7102|>tcp://collector:7101
a token for the renderer|Deployment renderer: gets secrets it does not use: GITHUB_TOKEN|app/renderer.yaml|key: DP_CURVE_SECRET_KEY|key: GITHUB_TOKEN
no Redis volume|StatefulSet redis: no volumeClaimTemplates|redis/redis.yaml|  volumeClaimTemplates:|  xTemplates:
an open ingress|an ingress rule opens more than port 9100|app/networkpolicy.yaml|      port: 9100|      port: 7100
no network policy|no NetworkPolicy restricts its ingress|app/networkpolicy.yaml|  policyTypes: ["Ingress"]|  policyTypes: ["Egress"]
EOF

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
