#!/usr/bin/env bash
# test_report_releases.sh - the releases published in the window: listed
# with one request (a free 304 on a rerun), in the report's section and
# appendix and in its JSON; drafts, releases outside the window and
# malformed entries are not; a window without releases is unchanged
# SPDX-License-Identifier: MIT
#
# The stand-in serves the busy hour (tests/data/busy) as acme/r with a
# releases.json, newest first: v2.0.1 published in the hour 20:00-21:00,
# in which nothing else happened; v2.0.0 and the prerelease v2.0.0rc1
# published in the hour 14:00-15:00 (UTC+8), v2.1.0 published at 15:00
# (the window's end, outside), a draft (no published_at) made in the hour
# and an entry without id or tag. The release's name is hostile text.
set -u
. "$(dirname "$0")/lib.sh"
e2e_busy_hours
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

DATA="$E2E_TMP/data"
PLAIN="$E2E_TMP/plain"
mkdir -p "$DATA/acme" "$PLAIN/acme"
cp -r "$BUSY" "$DATA/acme/r"
cp -r "$BUSY" "$PLAIN/acme/r"
cp -r "$BUSY" "$DATA/acme/s"
rm -f "$DATA/acme/r/repo.json" "$DATA/acme/s/repo.json" \
    "$PLAIN/acme/r/repo.json"
U=https://github.com/acme/r/releases/tag
# rel ID TAG NAME LOGIN CREATED PUBLISHED PRERELEASE: one release as GitHub
# lists it (PUBLISHED null: a draft)
rel() {
    jq -nc --argjson id "$1" --arg tag "$2" --arg name "$3" --arg login "$4" \
        --arg created "$5" --argjson published "$6" --argjson pre "$7" \
        --arg url "$U/$2" \
        '{id: $id, tag_name: $tag, name: $name, html_url: $url,
          author: {login: $login, type: "User"}, draft: ($published == null),
          prerelease: $pre, created_at: $created, published_at: $published}'
}
HOSTILE='Two <script>alert(1)</script> [x](javascript:alert(2))'
{
    rel 6 v2.0.1 "Two, fixed" carol 2025-12-15T12:25:00Z \
        '"2025-12-15T12:30:00Z"' false
    rel 5 v2.1.0 Later rel-bot 2025-12-15T06:59:00Z '"2025-12-15T07:00:00Z"' false
    rel 4 v3.0.0 Draft alice 2025-12-15T06:50:00Z null false
    echo '{"id": "x", "tag_name": 7}'
    rel 3 v2.0.0 "$HOSTILE" alice 2025-12-15T06:30:00Z \
        '"2025-12-15T06:40:00Z"' false | jq -c '.html_url = "javascript:alert(3)"'
    rel 2 v2.0.0rc1 "Two, candidate 1" bob 2025-12-15T06:05:00Z \
        '"2025-12-15T06:10:00Z"' true
    rel 1 v1.0.0 One bob 2025-12-01T00:00:00Z '"2025-12-01T00:00:00Z"' false
} | jq -s . >"$DATA/acme/r/releases.json"
e2e_redis
export REDIS_URL="$REDIS_TEST_URL"
# Without the earlier windows' counts, a quiet window is not listed at all:
# what is checked here is that releases alone decide it (test_report_quiet
# covers quiet windows with history).
export DP_HISTORY=0

# run OUT FROM TO [ARGS...]: devpulse report of acme/r into OUT
run() {
    local out=$1 from=$2 to=$3
    shift 3
    "$R" report acme/r "$@" --from "$from" --to "$to" --out "$out" \
        --timeout 120 >"$out.paths" 2>"$out.err"
    echo $? >"$out.rc"
    check "$(basename "$out"): rc 0, no service failed" \
        bash -c "[ \"\$(cat '$out.rc')\" = 0 ] &&
            ! grep -qE 'exited with|Sanitizer|ERROR' '$out.err'"
}
report() { grep -F "/acme/r/_posts/" "$1.paths" | grep '\.md$' | head -n 1; }
stats() { curl -s "$STANDIN_URL/_standin/stats"; }
reset() { curl -s -X POST "$STANDIN_URL/_standin/reset" >/dev/null; }
FOOT='^- (GitHub API 请求|GitHub API requests|速率限制余量|Rate limit remaining):'
same() {
    [ -s "$1" ] && cmp -s <(grep -vE "$FOOT" "$1") <(grep -vE "$FOOT" "$2")
}

e2e_standin rel --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=e2e-token

# ==== The busy hour with its releases ====
run "$E2E_TMP/zh" $BUSY_FROM $BUSY_TO
first=$(stats)
md=$(report "$E2E_TMP/zh")
json="$md.json"
[ -f "$json" ] || json="${md%.md}.json"
echo "busy hour with releases: $(jq -c '{counted, by_path}' <<<"$first")"
check "one request for the releases" \
    jq -e '.by_path["/repos/acme/r/releases"] == 1' <<<"$first"
check "the counts of the items are unchanged" \
    [ "$(grep -F '> 数据统计:' "$md")" = "$STATS" ]
sec=$(sed -n '/^### 🚀 版本发布$/,/^$/p' "$md")
echo "$sec"
check "the section lists the two releases of the window" \
    [ "$(grep -c '^- ' <<<"$sec")" = 2 ]
check "... the newest first, its name neutralized, linked to its tag page" \
    grep -qF -- '- [Two &lt;script&gt;' <<<"$(sed -n 2p <<<"$sec")"
check "... no javascript: link anywhere in the report" \
    bash -c "! grep -qE 'javascript:alert\(3\)|[^\\]\]\(javascript' '$md'"
check "... the canonical link of v2.0.0 (its html_url was refused)" \
    grep -qF "($U/v2.0.0)" <<<"$sec"
check "... the prerelease flagged, with its author" \
    grep -qE '^- \[Two, candidate 1\]\(https://github.com/acme/r/releases/tag/v2.0.0rc1\) `v2.0.0rc1` \(预发布\) — by bob \(发布于: ' <<<"$sec"
check "neither the release at the window's end, the draft nor the others" \
    bash -c "! grep -qE 'v2\.1\.0|v3\.0\.0|v1\.0\.0|v2\.0\.1|Draft|Later' '$md'"
app=$(sed -n '/^### 版本发布$/,/^$/p' "$md")
check "the appendix lists them too" [ "$(grep -c '^- ' <<<"$app")" = 2 ]
check "the JSON carries them, newest first" \
    jq -e '.counts.releases == 2 and (.lists.releases | length) == 2 and
        .lists.releases[0].tag == "v2.0.0" and
        .lists.releases[0].prerelease == false and
        .lists.releases[0].author == "alice" and
        .lists.releases[1].tag == "v2.0.0rc1" and
        .lists.releases[1].prerelease == true and
        .lists.releases[1].at == 1765779000' "$json"
check "the malformed entry is skipped and named" \
    jq -e '[.health.problems[] | select(test("malformed release"))] | length == 1' "$json"

run "$E2E_TMP/en" $BUSY_FROM $BUSY_TO --lang en --format md,json,html
check "en: the section is \"### 🚀 Releases\"" \
    grep -qx '### 🚀 Releases' "$(report "$E2E_TMP/en")"
html=$(find "$E2E_TMP/en" -name '*-acme-r-1400-1h*.html' | head -n 1)
echo "html: ${html#"$E2E_TMP"/}"
check "en: the HTML page has the section, no script and no javascript: link" \
    bash -c "[ -f '$html' ] && grep -qF '🚀 Releases' '$html' &&
        grep -qF 'href=\"https://github.com/acme/r/releases/tag/v2.0.0rc1\"' \
            '$html' && ! grep -qiE '<script|href=\"javascript' '$html'"

# A rerun: the releases' ETag makes it a free 304.
reset
run "$E2E_TMP/again" $BUSY_FROM $BUSY_TO
again=$(stats)
echo "rerun: $(jq -c '{counted, not_modified, by_path}' <<<"$again")"
check "rerun: the releases answered 304: GraphQL's alone were counted" \
    jq -e '.by_path["/repos/acme/r/releases"] == 1 and
        .counted == .by_path["/graphql"]' <<<"$again"
check "rerun: the same report" same "$(report "$E2E_TMP/again")" "$md"

# ==== A release alone: the window is not quiet ====
# Two repositories: their activity from one GraphQL query, which asks for
# the newest release too; acme/s, without releases, is quiet.
reset
run "$E2E_TMP/alone" $QUIET_FROM $QUIET_TO acme/s
alone=$(stats)
echo "a release alone: $(jq -c '{counted, by_path}' <<<"$alone")"
check "a release alone: the activity query saw it, the window was listed" \
    jq -e '.by_path["/graphql"] >= 1 and .by_path["/repos/acme/r/releases"] == 1
        and .by_path["/repos/acme/r/issues"] >= 1' <<<"$alone"
check "... while the quiet acme/s cost no request at all" \
    jq -e '([.by_path | keys[] | select(test("acme/s"))] | length) == 0' \
    <<<"$alone"
sec=$(sed -n '/^### 🚀 版本发布$/,/^$/p' "$(report "$E2E_TMP/alone")")
check "a release alone: it is the one release of the report" \
    bash -c "[ \"\$(grep -c '^- ' <<<'$sec')\" = 1 ] && grep -qF 'v2.0.1' <<<'$sec'"

# One repository: the events feed shows the ReleaseEvent.
reset
redis-cli -s "${REDIS_TEST_URL#unix://}" flushall >/dev/null
run "$E2E_TMP/evrel" $QUIET_FROM $QUIET_TO
evrel=$(stats)
echo "a release alone, events feed: $(jq -c '{counted, by_path}' <<<"$evrel")"
check "a release alone, events feed: the window was listed" \
    jq -e '.by_path["/repos/acme/r/events"] == 1 and
        .by_path["/repos/acme/r/releases"] == 1' <<<"$evrel"
check "... and shows it" grep -qF 'v2.0.1' "$(report "$E2E_TMP/evrel")"

# ==== A window without releases is the one it was without them ====
# (the releases without the malformed entry, which every window names)
CLEAN="$E2E_TMP/clean"
mkdir -p "$CLEAN/acme"
cp -r "$DATA/acme/r" "$CLEAN/acme/r"
jq 'map(select((.id | type == "number") and .tag_name != "v2.0.1"))' \
    "$DATA/acme/r/releases.json" \
    >"$CLEAN/acme/r/releases.json"
kill "$STANDIN_PID" 2>/dev/null
e2e_standin clean --data "$CLEAN" --port 0
export GITHUB_API_URL="$STANDIN_URL"
redis-cli -s "${REDIS_TEST_URL#unix://}" flushall >/dev/null
run "$E2E_TMP/quiet" $QUIET_FROM $QUIET_TO
quiet=$(stats)
echo "quiet, one repository: $(jq -c "{counted, by_path}" <<<"$quiet")"
check "one repository: the events feed (releases in it) calls it quiet" \
    jq -e '.by_path["/repos/acme/r/events"] == 1 and
        ([.by_path | keys[] | select(test("/issues|/releases"))] | length)
        == 0' <<<"$quiet"
kill "$STANDIN_PID" 2>/dev/null
e2e_standin plain --data "$PLAIN" --port 0
export GITHUB_API_URL="$STANDIN_URL"
redis-cli -s "${REDIS_TEST_URL#unix://}" flushall >/dev/null
run "$E2E_TMP/plainq" $QUIET_FROM $QUIET_TO
check "quiet window: the report is the one without releases.json" \
    same "$(report "$E2E_TMP/quiet")" "$(report "$E2E_TMP/plainq")"
check "... and has no releases section" \
    bash -c "! grep -q '版本发布' '$(report "$E2E_TMP/quiet")'"
check "... nor releases in its JSON" \
    jq -e '(.lists | has("releases") | not) and
        (.counts | has("releases") | not)' "$(report "$E2E_TMP/quiet").json"
e2e_finish
