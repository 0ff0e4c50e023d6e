#!/usr/bin/env bash
# test_report_input.sh - devpulse report refuses, where they enter, a
# repository name GitHub cannot have and an output directory that names
# no directory: one line on stderr, exit status 2, no report written
# SPDX-License-Identifier: MIT
#
# Runs against the GitHub stand-in, so a name that slipped through would
# reach a real stack, never the network.
set -u
. "$(dirname "$0")/lib.sh"

e2e_github vllm-hour
R="$DP_BIN_DIR/devpulse"
FROM=2025-12-10T18:29+08:00
TO=2025-12-10T19:29+08:00

# refused WHAT PATTERN ARGS... - one line matching PATTERN, exit 2, and
# nothing written under $E2E_TMP/out
refused() {
    local what=$1 pattern=$2
    shift 2
    local err rc
    err=$(cd "$E2E_TMP" && "$R" report "$@" --from $FROM --to $TO \
        --timeout 20 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
        printf '%s' "$err" | grep -q -- "$pattern" &&
        ! find "$E2E_TMP" -name '*.md' | grep -q .; then
        pass "$what"
    else
        fail "$what (rc=$rc): $err"
    fi
}

for repo in ./. ../x ../.. a/. a/.. a/b/c "a b/c" a_b/c \
    abcdefghijklmnopqrstuvwxyz0123456789abcd/r "ä/b"; do
    refused "repository \"$repo\" is refused" \
        "^devpulse report: give one repository as OWNER/REPO, not " \
        "$repo" --out "$E2E_TMP/out"
done

# A leading '-' is read as an option: one line too.
refused 'repository "-a/b" is refused' '^devpulse report: ' -a/b

refused '--out "" is refused' \
    '^devpulse report: --out: cannot create "": an empty path names no directory$' \
    vllm-project/vllm --out ""
: >"$E2E_TMP/file"
refused '--out naming a file is refused' \
    '^devpulse report: --out: cannot create .*file: Not a directory' \
    vllm-project/vllm --out "$E2E_TMP/file"

# A name at the edge of the rules, and slashes that mkdir -p takes.
path=$("$R" report vllm-project/vllm --from $FROM --to $TO --out \
    "$E2E_TMP/site//deep/" 2>"$E2E_TMP/ok.err")
check "a valid name with --out DIR//deep/ is reported (exit 0)" \
    [ $? -eq 0 -a -f "$path" ]
case "$path" in
"$E2E_TMP"/site/deep/*/_posts/*.md) pass "... under that directory" ;;
*) fail "... under that directory: $path $(cat "$E2E_TMP/ok.err")" ;;
esac
e2e_finish
