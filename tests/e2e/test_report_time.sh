#!/usr/bin/env bash
# test_report_time.sh - devpulse report: zones, windows in progress, bounds
# SPDX-License-Identifier: MIT
#
# Runs the real executables against the GitHub stand-in: a daily window in
# America/New_York across the end of daylight saving time shows its start
# and its end each in its own offset, a window that has not ended is
# reported as partial, and bounds no window can have (before GitHub, far
# ahead, not started yet) are refused with one line and exit status 2.
set -u
. "$(dirname "$0")/lib.sh"

e2e_github vllm-hour
R="$DP_BIN_DIR/devpulse"

# A day of 25 hours: 2025-11-02, New York.
path=$("$R" report vllm-project/vllm --tz America/New_York \
    --from 2025-11-02T00:00-04:00 --to 2025-11-03T00:00-05:00 \
    --out "$E2E_TMP/site-ny" --name vLLM 2>"$E2E_TMP/ny.err")
check "the New York day exits 0" [ $? -eq 0 -a -f "$path" ]
case "$path" in
*/_posts/2025-11-02-vllm-project-vllm-0000-1d.md) pass "a 25-hour day is named 1d" ;;
*) fail "day file name: $path $(cat "$E2E_TMP/ny.err")" ;;
esac
check "start and end each in its own offset" grep -qxF \
    "> 时间窗口: 2025-11-02 00:00 (UTC-4) ~ 2025-11-03 00:00 (UTC-5)" "$path"
check "the footer's instant in the offset of its own" grep -qxF -- \
    "- 数据完整至: 2025-11-03 00:00 (UTC-5)" "$path"
check "front matter date is the local day" grep -qxF "date: 2025-11-02" "$path"
check "a past window is not partial" bash -c "! grep -q '部分数据' '$path'"

# A window in progress: from an hour ago to an hour ahead.
from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)
to=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%MZ)
live=$("$R" report vllm-project/vllm --from "$from" --to "$to" --lang en \
    --out "$E2E_TMP/site-live" --name vLLM 2>"$E2E_TMP/live.err")
check "a window in progress is reported" [ $? -eq 0 -a -f "$live" ]
check "its header says partial" grep -qE \
    '^> Partial: data up to [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \(UTC\)$' "$live"
check "its footer says partial" grep -qE '^- Partial: data up to ' "$live"
check "its footer does not say complete" \
    bash -c "! grep -q 'Data complete until' '$live'"

# Bounds no window can have: one line on stderr, exit 2, nothing started.
refused() {
    local what=$1 pattern=$2
    shift 2
    local err rc
    err=$("$R" report vllm-project/vllm --out "$E2E_TMP/x" "$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
        printf '%s' "$err" | grep -q -- "$pattern"; then
        pass "$what"
    else
        fail "$what (rc=$rc): $err"
    fi
}
refused "--from in 1970" '^devpulse report: --from: "1970-01-01T00:00Z" is before 2008' \
    --from 1970-01-01T00:00Z --to 2025-12-10T19:29+08:00
refused "--to in 1970" '^devpulse report: --to: .* is before 2008' \
    --from 2025-12-10T18:29+08:00 --to 1970-01-01T01:00Z
refused "--to in year 9999" '^devpulse report: --to: .* more than a year after now' \
    --from 2025-12-10T18:29+08:00 --to 9999-12-31T23:59Z
refused "--to in year 10000" '^devpulse report: --to: .* is not a time' \
    --from 2025-12-10T18:29+08:00 --to 10000-01-01T00:00Z
refused "a window that has not started" \
    '^devpulse report: --from: .* is later than now; the window has not started' \
    --from "$(date -u -d '+1 day' +%Y-%m-%dT%H:%MZ)" \
    --to "$(date -u -d '+2 days' +%Y-%m-%dT%H:%MZ)"
check "no report for refused windows" [ ! -e "$E2E_TMP/x/vllm-project" ]

e2e_finish
