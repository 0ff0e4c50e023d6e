#!/usr/bin/env bash
# test_report_multi.sh - devpulse report of several repositories and of an
# organization for one window, through one stack
# SPDX-License-Identifier: MIT
#
# The stand-in serves the busy hour (tests/data/busy) under four names:
# vllm-project/vllm, and an organization multi-org with alpha, beta and
# gamma, gamma archived. One command reports them all; each report must
# count what the single-repository report counts (EXPECTED-stats.txt), the
# paths come one a line in the order given, the archived repository is
# left out, and a repository that does not exist fails the command (exit
# 1, named on stderr) without losing the others' reports.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }

BUSY="$DP_SOURCE_DIR/tests/data/busy/vllm-project/vllm"
DATA="$E2E_TMP/data"
mkdir -p "$DATA/vllm-project" "$DATA/multi-org"
cp -r "$BUSY" "$DATA/vllm-project/vllm"
# repo.json: the organization's names and ids (no file: the stand-in
# makes one from the directory's names).
for r in alpha beta gamma; do
    cp -r "$BUSY" "$DATA/multi-org/$r"
    rm -f "$DATA/multi-org/$r/repo.json"
done
cat >"$DATA/multi-org/gamma/repo.json" <<'EOF'
{"id": 9000003, "name": "gamma", "full_name": "multi-org/gamma",
 "private": false, "archived": true, "owner": {"login": "multi-org"}}
EOF
e2e_standin multi --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_RETRY_BASE_MS=20
unset REDIS_URL
R="$DP_BIN_DIR/devpulse"
FROM=2025-12-15T14:00+08:00
TO=2025-12-15T15:00+08:00
STATS=$(cat "$DP_SOURCE_DIR/tests/data/busy/EXPECTED-stats.txt")

# run OUT ARGS...: devpulse report ARGS for the hour into OUT; stdout to
# OUT.paths, stderr to OUT.err, exit status to OUT.rc
run() {
    local out=$1
    shift
    "$R" report "$@" --from $FROM --to $TO --out "$out" --timeout 120 \
        >"$out.paths" 2>"$out.err"
    echo $? >"$out.rc"
}
# stats FILE: the report's counts line
stats() { grep -F '> 数据统计:' "$1"; }

run "$E2E_TMP/one" vllm-project/vllm
one=$(cat "$E2E_TMP/one.paths")
check "the single-repository report is written" [ -f "$one" ]
check "... with the expected counts" [ "$(stats "$one")" = "$STATS" ]

# Several repositories and an organization in one command.
run "$E2E_TMP/many" vllm-project/vllm --org multi-org
mapfile -t paths <"$E2E_TMP/many.paths"
check "exit 0 when every report was written ($(cat "$E2E_TMP/many.rc"))" \
    [ "$(cat "$E2E_TMP/many.rc")" = 0 ]
check "three paths, one a line (${#paths[@]}): the repository, then the organization's two unarchived ones" \
    [ "${#paths[@]}" -eq 3 ]
expect=(vllm-project/vllm multi-org/alpha multi-org/beta)
for i in 0 1 2; do
    p=${paths[$i]:-}
    case "$p" in
    "$E2E_TMP/many/${expect[$i]}/_posts/"*.md) pass "line $((i + 1)) is the report of ${expect[$i]}" ;;
    *) fail "line $((i + 1)) is the report of ${expect[$i]}: $p" ;;
    esac
    check "${expect[$i]}: the same counts as the single-repository report" \
        [ -f "$p" -a "$(stats "$p" 2>/dev/null)" = "$(stats "$one")" ]
done
check "the archived repository is not reported" \
    bash -c "! grep -q gamma '$E2E_TMP/many.paths' && [ ! -d '$E2E_TMP/many/multi-org/gamma' ]"
check "nothing on stderr" [ ! -s "$E2E_TMP/many.err" ]

# The order given is the order printed, whatever order they finish in.
run "$E2E_TMP/order" multi-org/beta vllm-project/vllm multi-org/alpha --jobs 3
got=$(sed -E 's|.*/order/([^/]+/[^/]+)/_posts/.*|\1|' "$E2E_TMP/order.paths" | tr '\n' ' ')
check "paths in the order given ($got)" \
    [ "$got" = "multi-org/beta vllm-project/vllm multi-org/alpha " ]

# A repository that is not there: the others are still reported.
run "$E2E_TMP/miss" vllm-project/vllm nobody-here/none
check "a missing repository fails the command (exit $(cat "$E2E_TMP/miss.rc"))" \
    [ "$(cat "$E2E_TMP/miss.rc")" = 1 ]
miss=$(cat "$E2E_TMP/miss.paths")
check "... while the other report is written" \
    [ -f "$miss" -a "$(stats "$miss" 2>/dev/null)" = "$STATS" ]
check "... and the failure is listed by name" \
    grep -qE '^  nobody-here/none: ' "$E2E_TMP/miss.err"

# An organization that does not exist.
run "$E2E_TMP/noorg" --org no-such-org
check "an organization that cannot be listed fails (exit $(cat "$E2E_TMP/noorg.rc"))" \
    [ "$(cat "$E2E_TMP/noorg.rc")" = 1 ]
check "... saying so" \
    grep -qF 'organization no-such-org could not be listed' "$E2E_TMP/noorg.err"
check "... with nothing on stdout" [ ! -s "$E2E_TMP/noorg.paths" ]

# A name that is no organization is refused before anything starts.
run "$E2E_TMP/badorg" --org "../x"
check "--org ../x is refused as a bad flag (exit $(cat "$E2E_TMP/badorg.rc"))" \
    [ "$(cat "$E2E_TMP/badorg.rc")" = 2 ]

e2e_finish
