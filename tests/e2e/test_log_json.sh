#!/usr/bin/env bash
# test_log_json.sh - DP_LOG_FORMAT=json: every record of a report's run is
# one JSON object a line, and the records about a window name it in ISO
# SPDX-License-Identifier: MIT
set -u
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "SKIP: no jq"; exit 77; }
e2e_github vllm-hour
export DP_LOG_FORMAT=json DP_LOG_LEVEL=info
path=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site" 2>"$E2E_TMP/log")
rc=$?
check "devpulse report exits 0" test "$rc" -eq 0 -a -f "$path"
LINES=$(wc -l <"$E2E_TMP/log")
check "the services logged" test "$LINES" -gt 10
# jq -e fails on the first line that is not a JSON object with the fields.
check "every line is a JSON record with time, level, service and msg" \
    jq -e -s 'all(.[]; type == "object" and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) and (.level | IN("debug", "info", "warn", "error")) and (.service | type == "string") and (.msg | type == "string"))' \
    "$E2E_TMP/log"
for svc in collector classifier summarizer renderer; do
    check "$svc logs JSON" jq -e -s --arg s "$svc" \
        'any(.[]; .service == $s)' "$E2E_TMP/log"
done
check "records about the window carry it in ISO, not epoch seconds" \
    jq -e -s 'any(.[]; .service == "collector" and .repo == "vllm-project/vllm" and .window_from == "2025-12-10T10:29:00Z" and .window_to == "2025-12-10T11:29:00Z")' \
    "$E2E_TMP/log"
check "the renderer's report record too" \
    jq -e -s 'any(.[]; .service == "renderer" and .repo == "vllm-project/vllm" and (.msg | startswith("report ")))' \
    "$E2E_TMP/log"
e2e_finish
