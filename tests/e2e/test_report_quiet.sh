#!/usr/bin/env bash
# test_report_quiet.sh - windows in which a repository did not change are
# reported without listings, and their reports are those the listings give
# SPDX-License-Identifier: MIT
#
# The stand-in serves the busy hour (tests/data/busy) as acme/a, acme/b and
# acme/c. Nothing in them changed after 2025-12-15T11:57Z, so the hour
# 20:00-21:00 (UTC+8) is quiet in all three, while 14:00-15:00 is busy.
# With a token, devpulse learns that from one GraphQL query with an alias
# per repository (validated by the stand-in against GitHub's schema), and
# lists nothing; without GraphQL (GitHub Enterprise), from the repository
# events endpoint, with its ETag and X-Poll-Interval. Every report must be
# the one the listings give (DP_SKIP_QUIET=false), byte for byte apart from
# the footer's two lines on GitHub requests and rate limit, which say what
# was asked; a busy window is still listed in full. Most of it runs without
# the earlier windows' counts (DP_HISTORY=0), as quiet windows cost nothing
# then; with them, a quiet window lists the issues once, for the counts of
# the earlier windows, and nothing when none of those changed.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

e2e_busy_hours
DATA="$E2E_TMP/data"
mkdir -p "$DATA/acme"
for r in a b c; do
    cp -r "$BUSY" "$DATA/acme/$r"
    rm -f "$DATA/acme/$r/repo.json"
done
export DP_HISTORY=0
unset REDIS_URL

# run OUT FROM TO REPO...: devpulse report into OUT; paths in OUT.paths
run() {
    local out=$1 from=$2 to=$3
    shift 3
    "$R" report "$@" --from "$from" --to "$to" --out "$out" --timeout 120 \
        >"$out.paths" 2>"$out.err"
    echo $? >"$out.rc"
    check "$(basename "$out"): no service failed" \
        bash -c "! grep -qE 'exited with|Sanitizer|ERROR' '$out.err'"
}
# report OUT REPO: the path of REPO's report in OUT
report() { grep -F "/$2/_posts/" "$1.paths"; }
# same A B: the reports are equal but for the footer's request and rate
# limit lines
FOOT='^- (GitHub API 请求|GitHub API requests|速率限制余量|Rate limit remaining):'
same() {
    [ -s "$1" ] && cmp -s <(grep -vE "$FOOT" "$1") <(grep -vE "$FOOT" "$2")
}
stats() { curl -s "$STANDIN_URL/_standin/stats"; }
reset() { curl -s -X POST "$STANDIN_URL/_standin/reset" >/dev/null; }
stat_line() { grep -F '> 数据统计:' "$1"; }

# ==== GraphQL: one query for all ====
e2e_standin gql --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=e2e-token

DP_SKIP_QUIET=false run "$E2E_TMP/listed" $QUIET_FROM $QUIET_TO acme/a acme/b acme/c
check "listed: three reports (rc $(cat "$E2E_TMP/listed.rc"))" \
    [ "$(cat "$E2E_TMP/listed.rc")" = 0 -a "$(wc -l <"$E2E_TMP/listed.paths")" = 3 ]
listed=$(stats)
check "listed: the issue listings were asked" \
    jq -e '.by_path["/repos/acme/a/issues"] >= 1' <<<"$listed"

reset
run "$E2E_TMP/quiet" $QUIET_FROM $QUIET_TO acme/a acme/b acme/c
quiet=$(stats)
echo "quiet hour, three repositories: $(jq -c '{counted, graphql_points, by_path}' <<<"$quiet")"
check "quiet: three reports (rc $(cat "$E2E_TMP/quiet.rc"))" \
    [ "$(cat "$E2E_TMP/quiet.rc")" = 0 -a "$(wc -l <"$E2E_TMP/quiet.paths")" = 3 ]
check "quiet: no listing asked, GraphQL asked (one query per batch of requests)" \
    jq -e '([.by_path | keys[] | select(test("/issues"))] | length == 0)
        and .by_path["/graphql"] >= 1 and .by_path["/graphql"] <= 3' <<<"$quiet"
for r in a b c; do
    q=$(report "$E2E_TMP/quiet" acme/$r)
    l=$(report "$E2E_TMP/listed" acme/$r)
    check "acme/$r: the quiet report is the listed one" same "$q" "$l"
done
check "the quiet report says no request was made" \
    grep -qF 'GitHub API 请求: 0 次' "$(report "$E2E_TMP/quiet" acme/a)"

# A busy window is listed in full.
reset
run "$E2E_TMP/busy" $BUSY_FROM $BUSY_TO acme/a acme/b
busy=$(stats)
check "busy: the listings were asked for both" \
    jq -e '.by_path["/repos/acme/a/issues"] >= 1 and
        .by_path["/repos/acme/b/issues"] >= 1' <<<"$busy"
for r in a b; do
    p=$(report "$E2E_TMP/busy" acme/$r)
    check "busy: acme/$r has the expected counts" \
        [ -f "$p" -a "$(stat_line "$p" 2>/dev/null)" = "$STATS" ]
done

# A query GitHub would reject is rejected: a field Repository lacks.
bad='{"query":"query($o0: String!, $n0: String!) { r0: repository(owner: $o0, name: $n0) { issues(first: 1) { nodes { updatedAtX } } } }","variables":{"o0":"acme","n0":"a"}}'
ans=$(curl -s -H 'Authorization: Bearer e2e-token' -d "$bad" "$STANDIN_URL/graphql")
check "the stand-in refuses a query GitHub would refuse ($ans)" \
    jq -e '(.errors | length) > 0 and (.data == null)' <<<"$ans"
good=$(sed 's/updatedAtX/updatedAt/' <<<"$bad")
ans=$(curl -s -H 'Authorization: Bearer e2e-token' -d "$good" "$STANDIN_URL/graphql")
check "... and answers the same query with a valid field ($ans)" \
    jq -e '.data.r0.issues.nodes[0].updatedAt == "2025-12-15T11:50:22Z" and
        .data.r0.pullRequests.nodes[0].updatedAt == "2025-12-15T11:56:25Z"' \
    <<<"$ans"
# With the earlier windows' counts: the issues listing alone, from the
# oldest of them, and the same report as the listed window's.
reset
DP_HISTORY=6 DP_SKIP_QUIET=false run "$E2E_TMP/hlisted" $QUIET_FROM $QUIET_TO acme/a
reset
DP_HISTORY=6 run "$E2E_TMP/hquiet" $QUIET_FROM $QUIET_TO acme/a
hquiet=$(stats)
echo "quiet hour with 6 earlier hours: $(jq -c '{counted, by_path}' <<<"$hquiet")"
check "history: a quiet window lists its issues, no comments" \
    jq -e '.by_path["/repos/acme/a/issues"] == 1 and
        ([.by_path | keys[] | select(test("/comments"))] | length == 0)' \
    <<<"$hquiet"
check "history: the quiet report is the listed one" \
    same "$(report "$E2E_TMP/hquiet" acme/a)" "$(report "$E2E_TMP/hlisted" acme/a)"
check "history: its trends compare with the 6 earlier hours" \
    grep -qF '与前 6 个周期相比' "$(report "$E2E_TMP/hquiet" acme/a)"
# A day later nothing changed in the 6 hours before: nothing is listed.
reset
DP_HISTORY=6 run "$E2E_TMP/hlater" 2025-12-16T20:00+08:00 2025-12-16T21:00+08:00 acme/a
hlater=$(stats)
echo "quiet hour a day later: $(jq -c '{counted, by_path}' <<<"$hlater")"
check "history: no change in the earlier hours, no listing" \
    jq -e '([.by_path | keys[] | select(test("/issues"))] | length == 0)' \
    <<<"$hlater"
check "history: ... and the report says nothing happened in those hours" \
    grep -qF '此前 6 个同长度周期内没有新建、关闭或合并的 Issue 与 PR' \
    "$(report "$E2E_TMP/hlater" acme/a)"
kill "$STANDIN_PID" 2>/dev/null

# ==== GitHub Enterprise without GraphQL: the events endpoint ====
# The feed lags up to 6 h on GitHub; the stand-in's does not, so the lag
# taken is 0 here.
e2e_redis
export REDIS_URL="$REDIS_TEST_URL" DP_EVENTS_LAG_S=0
e2e_standin ghes --data "$DATA" --port 0 --no-graphql --poll-interval 60
export GITHUB_API_URL="$STANDIN_URL"
run "$E2E_TMP/ev1" $QUIET_FROM $QUIET_TO acme/a
ev1=$(stats)
echo "quiet hour through events: $(jq -c '{counted, not_modified, by_path}' <<<"$ev1")"
check "events: one request to the events endpoint, no listing" \
    jq -e '.by_path["/repos/acme/a/events"] == 1 and
        ([.by_path | keys[] | select(test("/issues"))] | length == 0)' <<<"$ev1"
check "events: the report is the listed one" \
    same "$(report "$E2E_TMP/ev1" acme/a)" "$(report "$E2E_TMP/listed" acme/a)"
run "$E2E_TMP/ev2" $QUIET_FROM $QUIET_TO acme/a
ev2=$(stats)
check "X-Poll-Interval (60 s): no second request to the events endpoint" \
    jq -e '.by_path["/repos/acme/a/events"] == 1 and
        ([.by_path | keys[] | select(test("/issues"))] | length == 0)' <<<"$ev2"
check "... and the window is still reported as the listed one" \
    same "$(report "$E2E_TMP/ev2" acme/a)" "$(report "$E2E_TMP/listed" acme/a)"

# Busy: the events feed shows later events, so the window is listed.
reset
run "$E2E_TMP/evbusy" $BUSY_FROM $BUSY_TO acme/b
evbusy=$(stats)
p=$(report "$E2E_TMP/evbusy" acme/b)
check "events, busy window: listed, with the expected counts" \
    [ -f "$p" -a "$(stat_line "$p" 2>/dev/null)" = "$STATS" ]
check "... after one request to the events endpoint" \
    jq -e '.by_path["/repos/acme/b/events"] == 1 and
        .by_path["/repos/acme/b/issues"] >= 1' <<<"$evbusy"
kill "$STANDIN_PID" 2>/dev/null

# A poll interval of 1 s: the next poll is conditional and answered 304.
e2e_standin ghes304 --data "$DATA" --port 0 --no-graphql --poll-interval 1
export GITHUB_API_URL="$STANDIN_URL"
run "$E2E_TMP/ev3" $QUIET_FROM $QUIET_TO acme/c
sleep 1.2
run "$E2E_TMP/ev4" $QUIET_FROM $QUIET_TO acme/c
ev4=$(stats)
echo "quiet hour through events, polled twice: $(jq -c '{counted, not_modified, by_path}' <<<"$ev4")"
check "events 304: polled twice, the second answered 304, nothing listed" \
    jq -e '.by_path["/repos/acme/c/events"] == 2 and .not_modified == 1 and
        ([.by_path | keys[] | select(test("/issues"))] | length == 0)' <<<"$ev4"
check "events 304: the report is the listed one" \
    same "$(report "$E2E_TMP/ev4" acme/c)" "$(report "$E2E_TMP/listed" acme/c)"

e2e_finish
