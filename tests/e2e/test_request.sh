#!/usr/bin/env bash
# test_request.sh - asking and tapping a running stack from outside
# SPDX-License-Identifier: MIT
#
# `devpulse up` runs against the GitHub stand-in in a directory whose path
# has a space, with its default state directory (.devpulse) and so
# CurveZMQ on its bus. From outside it: the tap command that up prints is
# pasted into a shell, and `devpulse tap` with no flag is run in the same
# directory; `devpulse request` asks for the busy hour by the state
# directory, then by endpoints (--connect/--reports, keys from the
# environment), and `devpulse report --connect` for two repositories. Both
# taps must see the events and the report of the window. Then the errors:
# an unreachable stack, a stack asked without its keys, a repository that
# GitHub does not know, bad flags.
set -u
. "$(dirname "$0")/lib.sh"
e2e_busy_hours
e2e_standin busy --data "$DP_SOURCE_DIR/tests/data/busy" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=""
unset REDIS_URL DP_CURVE_PUBLIC_KEY DP_CURVE_SECRET_KEY DP_CURVE_KEY_FILE \
    DP_STATE_DIR DP_REQUEST_CTL DP_REQUEST_REPORTS DP_TAP_ENDPOINTS
export PATH="$DP_BIN_DIR:$PATH"

WORK="$E2E_TMP/a work dir"
mkdir -p "$WORK"
STATE="$WORK/.devpulse"
printf 'timezone: UTC\nwindows: [hourly]\nrepositories:\n  - %s\noutputs: {dir: %s}\n' \
    vllm-project/vllm "$E2E_TMP/site" >"$WORK/up.yml"
(cd "$WORK" && exec setsid "$R" up -c up.yml 2>"$E2E_TMP/up.err") &
E2E_PIDS+=("$!")
check "up: starts and says how to tap and ask it" \
    e2e_until 300 grep -q "watching" "$E2E_TMP/up.err"
E2E_PIDS+=("$(cat "$STATE/devpulse.pid" 2>/dev/null)")

# The tap hint, pasted into a shell run elsewhere.
hint=$(sed -n 's/.*; tap: \(.*\); ask: .*/\1/p' "$E2E_TMP/up.err")
check "up: the tap hint is a command ($hint)" [ -n "$hint" ]
(cd / && exec bash -c "$hint" >"$E2E_TMP/tap.hint" 2>"$E2E_TMP/tap.hint.err") &
E2E_PIDS+=("$!")
# devpulse tap with no flag, where up runs: it finds .devpulse itself.
(cd "$WORK" && exec "$R" tap >"$E2E_TMP/tap.default" 2>"$E2E_TMP/tap.default.err") &
E2E_PIDS+=("$!")
# Each tap says it listens once the four publishers answered it.
for t in hint default; do
    check "tap ($t): listens to the four publishers" e2e_until 300 \
        grep -q "listening to .*(4 of 4 answered)" "$E2E_TMP/tap.$t.err"
done

(cd "$WORK" && "$R" request vllm-project/vllm --from "$BUSY_FROM" \
    --to "$BUSY_TO" --timeout 120 >"$E2E_TMP/req1.out" 2>"$E2E_TMP/req1.err")
st=$?
path=$(cat "$E2E_TMP/req1.out")
check "request --state (default): exit 0 (got $st: $(head -c 300 "$E2E_TMP/req1.err"))" \
    [ "$st" -eq 0 ]
check "request: prints the path of one report, which exists" \
    [ "$(wc -l <"$E2E_TMP/req1.out")" = 1 -a -f "$path" ]
check "request: the report has the window's exact counts" \
    grep -qF -- "$STATS" "$path"
check "request: says nothing on stderr" [ ! -s "$E2E_TMP/req1.err" ]

for t in hint default; do
    check "tap ($t): sees the window's events" \
        e2e_until 50 grep -q '"type":"EVENT","repo":"vllm-project/vllm"' "$E2E_TMP/tap.$t"
    check "tap ($t): sees its report, with the path" \
        e2e_until 50 grep -qF "\"path\":\"$path\"" "$E2E_TMP/tap.$t"
done

# By endpoints, keys from the environment as the services take them.
D="$STATE/bus"
DP_CURVE_KEY_FILE="$STATE/curve.key" "$R" request vllm-project/vllm \
    --from "$BUSY_FROM" --to "$BUSY_TO" --lang en --timeout 120 \
    --connect "ipc://$D/collector.ctl" \
    --reports "ipc://$D/renderer.pub,ipc://$D/collector.pub" \
    >"$E2E_TMP/req2.out" 2>"$E2E_TMP/req2.err"
st=$?
check "request --connect --reports: exit 0 (got $st: $(head -c 300 "$E2E_TMP/req2.err"))" \
    [ "$st" -eq 0 ]
check "request --connect: prints the report's path" \
    [ -n "$path" -a "$(cat "$E2E_TMP/req2.out")" = "$path" ]
check "request --connect: the report is in English now" \
    grep -q "^> Stats" "$path"

# Several repositories: one known to GitHub, one not.
DP_REQUEST_REPORTS="ipc://$D/renderer.pub,ipc://$D/collector.pub" \
    DP_CURVE_KEY_FILE="$STATE/curve.key" "$R" report vllm-project/vllm \
    vllm-project/nope --from "$BUSY_FROM" --to "$BUSY_TO" --timeout 120 \
    --connect "ipc://$D/collector.ctl" >"$E2E_TMP/rep.out" 2>"$E2E_TMP/rep.err"
st=$?
check "report --connect: exit 1 when a repository failed (got $st)" [ "$st" -eq 1 ]
check "report --connect: prints the path of the one that worked" \
    [ -n "$path" -a "$(cat "$E2E_TMP/rep.out")" = "$path" ]
check "report --connect: names the one that failed and why" \
    grep -q "vllm-project/nope: repository not found" "$E2E_TMP/rep.err"

"$R" request vllm-project/nope --from "$BUSY_FROM" --to "$BUSY_TO" \
    --state "$STATE" --timeout 120 >"$E2E_TMP/nope.out" 2>"$E2E_TMP/nope.err"
st=$?
check "request: a window the collector cannot collect fails (got $st)" [ "$st" -eq 1 ]
check "request: ... in one line saying why, nothing on stdout" \
    [ "$(wc -l <"$E2E_TMP/nope.err")" = 1 -a ! -s "$E2E_TMP/nope.out" ]
grep -q "not found" "$E2E_TMP/nope.err" || fail "no reason: $(cat "$E2E_TMP/nope.err")"

# unanswered WHAT CTL PUB EXPECT... - a request to CTL and PUB fails
# (exit 1) within its 3 s, in one line that holds every EXPECT
unanswered() {
    local what=$1 ctl=$2 pub=$3 err="$E2E_TMP/unanswered.err" st
    shift 3
    "$R" request vllm-project/vllm --from "$BUSY_FROM" --to "$BUSY_TO" \
        --timeout 3 --connect "$ctl" --reports "$pub" >/dev/null 2>"$err"
    st=$?
    check "$what: exit 1 (got $st)" [ "$st" -eq 1 ]
    check "$what: one line" [ "$(wc -l <"$err")" = 1 ]
    for want in "$@"; do
        check "$what: says \"$want\" ($(cat "$err"))" grep -qF -- "$want" "$err"
    done
}
# The stack's bus wants its keys: asked without them, no tap answers.
unanswered "request without the stack's keys" "ipc://$D/collector.ctl" \
    "ipc://$D/renderer.pub" "no answer from ipc://$D/renderer.pub within 3 s" \
    "CurveZMQ off"
# Nobody there: free loopback ports.
port=$((20000 + RANDOM % 20000))
unanswered "request to an unreachable stack" "tcp://127.0.0.1:$port" \
    "tcp://127.0.0.1:$((port + 1))" \
    "no answer from tcp://127.0.0.1:$((port + 1)) within 3 s"

# ==== A stack on tcp, as compose runs it ====
# The four services started one by one on free loopback ports, their bus
# secured by a keypair in the environment (as compose's .env gives it);
# devpulse request asks them by plain tcp:// endpoints, with the same keys.
e2e_redis
"$R" keygen >"$E2E_TMP/keys"
DP_CURVE_PUBLIC_KEY=$(sed -n 's/^DP_CURVE_PUBLIC_KEY=//p' "$E2E_TMP/keys")
DP_CURVE_SECRET_KEY=$(sed -n 's/^DP_CURVE_SECRET_KEY=//p' "$E2E_TMP/keys")
export DP_CURVE_PUBLIC_KEY DP_CURVE_SECRET_KEY
P=$((20000 + RANDOM % 20000))
tcp() { echo "tcp://127.0.0.1:$((P + $1))"; }
svc() {
    local name=$1
    shift
    REDIS_URL="$REDIS_TEST_URL" "$DP_BIN_DIR/$name" "$@" \
        >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" &
    E2E_PIDS+=("$!")
}
RULES="$DP_SOURCE_DIR/config/rules.yml"
svc dp-renderer --in "@$(tcp 6)" --pub "@$(tcp 7)" \
    --out-dir "$E2E_TMP/tcp-site" --formats md,json
svc dp-summarizer --in "@$(tcp 4)" --pub "@$(tcp 5)" --out ">$(tcp 6)" \
    --rules "$RULES"
svc dp-classifier --in "@$(tcp 2)" --pub "@$(tcp 3)" --out ">$(tcp 4)" \
    --rules "$RULES"
svc dp-collector --ctl "@$(tcp 0)" --pub "@$(tcp 1)" --out ">$(tcp 2)" \
    --reports ">$(tcp 7)"
"$R" request vllm-project/vllm --from "$BUSY_FROM" --to "$BUSY_TO" \
    --timeout 120 --connect "$(tcp 0)" --reports "$(tcp 7),$(tcp 1)" \
    >"$E2E_TMP/tcp.out" 2>"$E2E_TMP/tcp.err"
st=$?
tpath=$(cat "$E2E_TMP/tcp.out")
check "request over tcp with keys: exit 0 (got $st: $(head -c 300 "$E2E_TMP/tcp.err"))" \
    [ "$st" -eq 0 ]
check "request over tcp: the path is the renderer's, and has the counts" \
    bash -c "[[ '$tpath' == '$E2E_TMP/tcp-site/'*.md ]] && grep -qF -- '$STATS' '$tpath'"
DP_REQUEST_CTL="$(tcp 0)" DP_REQUEST_REPORTS="$(tcp 7),$(tcp 1)" \
    "$R" request vllm-project/nope --from "$BUSY_FROM" --to "$BUSY_TO" \
    --timeout 120 >/dev/null 2>"$E2E_TMP/tcp-nope.err"
st=$?
check "request over tcp (endpoints from the environment): a repository GitHub does not know fails in one line (got $st)" \
    [ "$st" -eq 1 -a "$(grep -c "repository not found" "$E2E_TMP/tcp-nope.err")" = 1 ]
unset DP_CURVE_PUBLIC_KEY DP_CURVE_SECRET_KEY

# Bad flags and a state directory where nothing runs: exit 2, one line.
bad() {
    "$R" request "$@" >/dev/null 2>"$E2E_TMP/bad.err"
    local st=$?
    [ "$st" -eq 2 ] && [ "$(wc -l <"$E2E_TMP/bad.err")" = 1 ]
}
check "request: --connect without --reports" bad vllm-project/vllm \
    --from "$BUSY_FROM" --to "$BUSY_TO" --connect tcp://127.0.0.1:7100
check "request: two repositories" bad vllm-project/vllm a/b \
    --from "$BUSY_FROM" --to "$BUSY_TO" --state "$STATE"
check "request: no --to" bad vllm-project/vllm --from "$BUSY_FROM" \
    --state "$STATE"
check "request: a flag of report only (--out)" bad vllm-project/vllm \
    --from "$BUSY_FROM" --to "$BUSY_TO" --state "$STATE" --out x
check "request: a state directory where no devpulse up runs" bad \
    vllm-project/vllm --from "$BUSY_FROM" --to "$BUSY_TO" \
    --state "$E2E_TMP/none"
check "... says so" grep -q "no devpulse up runs on $E2E_TMP/none" "$E2E_TMP/bad.err"
"$R" tap --state "$E2E_TMP/none" >/dev/null 2>"$E2E_TMP/tapbad.err"
st=$?
check "tap --state where nothing runs: exit 2 (got $st), saying so" \
    [ "$st" -eq 2 -a "$(grep -c "no devpulse up runs" "$E2E_TMP/tapbad.err")" = 1 ]
e2e_finish
