#!/usr/bin/env bash
# test_node_consumer.sh - examples/node-consumer receives a real window's
# report from the bus and prints its path and exact counts
# SPDX-License-Identifier: MIT
#
# `devpulse up` runs against the GitHub stand-in (CurveZMQ on its bus, as
# always under up); three Node consumers connect to its taps with the
# stack's key file: one to the renderer's and the summarizer's taps for
# vllm-project/vllm (counts from the DIGEST), one to the renderer's alone
# for every report (counts from the JSON file beside the report), and one
# for "report.vllm-project/vll", a prefix of the repository's subject that
# is not a whole subject, which must receive nothing. Then the busy hour is
# asked with `devpulse request`.
set -u
. "$(dirname "$0")/lib.sh"
NODE_DIR="$DP_SOURCE_DIR/examples/node-consumer"
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (scripts/deps.sh check installs it)"
    exit 77
fi
# As make check's deps step installs them; quiet when they are there.
bash "$NODE_DIR/install.sh" || {
    echo "FAIL: examples/node-consumer/install.sh"
    exit 1
}
e2e_busy_hours
e2e_standin busy --data "$DP_SOURCE_DIR/tests/data/busy" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=""
unset REDIS_URL DP_CURVE_PUBLIC_KEY DP_CURVE_SECRET_KEY DP_CURVE_KEY_FILE \
    DP_STATE_DIR DP_REPORTS

STATE="$E2E_TMP/state"
printf 'timezone: UTC\nwindows: [hourly]\nrepositories:\n  - %s\noutputs: {dir: %s}\n' \
    vllm-project/vllm "$E2E_TMP/site" >"$E2E_TMP/up.yml"
setsid "$R" up -c "$E2E_TMP/up.yml" --state "$STATE" 2>"$E2E_TMP/up.err" &
E2E_PIDS+=("$!")
check "up: starts" e2e_until 300 grep -q "watching" "$E2E_TMP/up.err"
E2E_PIDS+=("$(cat "$STATE/devpulse.pid" 2>/dev/null)")

B="ipc://$STATE/bus"
# consumer NAME ENDPOINTS ARGS... - starts a Node consumer with the stack's
# keys; its output goes to $E2E_TMP/node.NAME(.err)
consumer() {
    local name=$1 endpoints=$2
    shift 2
    DP_CURVE_KEY_FILE="$STATE/curve.key" node "$NODE_DIR/index.js" "$@" \
        --connect "$endpoints" >"$E2E_TMP/node.$name" \
        2>"$E2E_TMP/node.$name.err" &
    E2E_PIDS+=("$!")
    eval "PID_$name=$!"
}
consumer digest "$B/renderer.pub,$B/summarizer.pub" \
    report.vllm-project/vllm --count 1
consumer file "$B/renderer.pub" --count 1
consumer prefix "$B/renderer.pub" report.vllm-project/vll --verbose
check "consumer (digest): connected to both taps" e2e_until 300 \
    grep -q "connected (2 of 2)" "$E2E_TMP/node.digest.err"
for name in file prefix; do
    check "consumer ($name): connected" e2e_until 300 \
        grep -q "connected (1 of 1)" "$E2E_TMP/node.$name.err"
done

"$R" request vllm-project/vllm --from "$BUSY_FROM" --to "$BUSY_TO" \
    --state "$STATE" --timeout 120 >"$E2E_TMP/req.out" 2>"$E2E_TMP/req.err"
st=$?
path=$(cat "$E2E_TMP/req.out")
check "request: exit 0 (got $st: $(head -c 300 "$E2E_TMP/req.err"))" [ "$st" -eq 0 ]
check "request: the report exists" [ -n "$path" -a -f "$path" ]

# What the stats line of the report says, as the consumer names it.
COUNTS="new_issues=73 closed_issues=31 new_prs=91 merged_prs=40 closed_prs=12"
check "the expected counts are the report's" \
    grep -qF "新 Issue 73 | 关闭 Issue 31 | 新 PR 91 | 合并 PR 40 | 关闭未合并 PR 12" "$path"
for name in digest file; do
    e2e_wait_exit "$(eval echo "\$PID_$name")" 300
    check "consumer ($name): exits 0 after its report (got $ST)" [ "$ST" = 0 ]
    line=$(cat "$E2E_TMP/node.$name")
    check "consumer ($name): one line ($line)" \
        [ "$(wc -l <"$E2E_TMP/node.$name")" = 1 ]
    check "consumer ($name): the repository, window and revision" \
        grep -qF "vllm-project/vllm 2025-12-15T06:00:00Z..2025-12-15T07:00:00Z revision 1 " \
        "$E2E_TMP/node.$name"
    check "consumer ($name): the report's path" \
        grep -qF " $path " "$E2E_TMP/node.$name"
    check "consumer ($name): the exact counts" \
        grep -qF "$COUNTS" "$E2E_TMP/node.$name"
done
# The prefix consumer received the report (ZeroMQ matches by prefix) and
# skipped it: a subject it does not match whole prints nothing.
check "consumer (prefix): received vllm-project/vllm's report and skipped it" \
    e2e_until 100 grep -q "skipped report.vllm-project/vllm " "$E2E_TMP/node.prefix.err"
check "consumer (prefix): still runs" kill -0 "$PID_prefix"
check "consumer (prefix): printed nothing for vllm-project/vllm" \
    [ ! -s "$E2E_TMP/node.prefix" ]
kill -TERM "$PID_prefix"
e2e_wait_exit "$PID_prefix" 100
check "consumer (prefix): stops on SIGTERM (got $ST)" [ "$ST" = 0 ]

# Without the stack's keys, no publisher answers: the consumer says nothing
# of a connection.
node "$NODE_DIR/index.js" --connect "$B/renderer.pub" >/dev/null \
    2>"$E2E_TMP/node.nokey.err" &
E2E_PIDS+=("$!")
nokey=$!
sleep 2
check "consumer without keys: not connected" \
    bash -c "! grep -q connected '$E2E_TMP/node.nokey.err'"
kill -TERM "$nokey"
check "consumer: a bad flag exits 2" \
    bash -c "node '$NODE_DIR/index.js' --bogus 2>/dev/null; [ \$? = 2 ]"
e2e_finish
