#!/usr/bin/env bash
# test_token_origin.sh - the GitHub token never leaves the API's origin
# SPDX-License-Identifier: MIT
#
# From outside, as a user runs it: `devpulse report` with a token against
# an API whose Link headers send the next page to another host (127.0.0.2),
# and against one that redirects to another origin. A second stand-in
# stands there and counts the requests that reached it and those that
# carried an Authorization header: both stay 0. The cut listing is named in
# the report's footer; the refused redirect fails the run with one line
# that says why.
set -u
. "$(dirname "$0")/lib.sh"

TOKEN="ghp_OriginTestToken0123456789abcdef"
DATA="$DP_SOURCE_DIR/tests/data/vllm-hour"
FROM=2025-12-10T18:29+08:00
TO=2025-12-10T19:29+08:00

# stats URL FIELD - a number from a stand-in's /_standin/stats
stats() {
    curl -s "$1/_standin/stats" | grep -o "\"$2\": *[0-9]*" | grep -o '[0-9]*$'
}

e2e_standin foreign --data "$DATA" --port 0 --host 127.0.0.2
FOREIGN=$STANDIN_URL
e2e_standin api --data "$DATA" --port 0 --token "$TOKEN" --link-base "$FOREIGN"
API=$STANDIN_URL

export GITHUB_API_URL="$API" GITHUB_TOKEN="$TOKEN" DP_RETRY_BASE_MS=20 \
    DP_PER_PAGE=5
unset REDIS_URL
path=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm --from "$FROM" \
    --to "$TO" --out "$E2E_TMP/site" --name vLLM 2>"$E2E_TMP/err")
rc=$?
check "a report with a foreign next link completes (rc=$rc)" [ "$rc" -eq 0 ]
check "the foreign host got no request" [ "$(stats "$FOREIGN" requests)" = 0 ]
check "the foreign host got no token" [ "$(stats "$FOREIGN" authorization)" = 0 ]
check "the footer names the refused origin" \
    grep -q "127.0.0.2.*outside the API's origin" "$path"
check "the footer says the listing is incomplete" \
    grep -q "listing incomplete" "$path"
check "the token is in no report file" \
    bash -c "! grep -rqF '$TOKEN' '$E2E_TMP/site'"
check "the token is in no log line" bash -c "! grep -qF '$TOKEN' '$E2E_TMP/err'"

# A redirect of the first page to the foreign origin: not followed.
e2e_standin redirect --data "$DATA" --port 0 --token "$TOKEN" \
    --redirect-to "$FOREIGN" --fault "/issues:redirect:0:302"
err=$(GITHUB_API_URL="$STANDIN_URL" "$DP_BIN_DIR/devpulse" report \
    vllm-project/vllm --from "$FROM" --to "$TO" --out "$E2E_TMP/site-r" \
    2>&1 >/dev/null)
rc=$?
check "a redirect to another origin fails the run (rc=$rc)" [ "$rc" -ne 0 ]
check "with a line that says why" \
    bash -c "printf '%s' \"\$1\" | grep -q 'outside its origin'" _ "$err"
check "the foreign host still got no request" \
    [ "$(stats "$FOREIGN" requests)" = 0 ]
check "the token is in no line of the failed run" \
    bash -c "! printf '%s' \"\$1\" | grep -qF '$TOKEN'" _ "$err"

e2e_finish
