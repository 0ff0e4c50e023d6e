#!/usr/bin/env bash
# test_report_capped.sh - a window past the list cap: a bounded digest, a
# report whose appendix links the complete lists, every item in the json
# SPDX-License-Identifier: MIT
#
# The busy hour of tests/data/busy (260 items: 73 new issues, 91 new PRs,
# ...) with DP_LIST_CAP=20, then again without a cap (DP_LIST_CAP=0). The
# capped digest keeps 20 items a list and leaves the rest in Redis; the
# renderer writes <report>.items.md with every item and a JSON file with
# every item. Checked: the counts are exact, the items file equals the
# generator's EXPECTED.md, the JSON lists, topics and people equal those of
# the uncapped run, and the Markdown's appendix says where the rest is.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }

DATA="$DP_SOURCE_DIR/tests/data/busy"
e2e_standin busy --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_RETRY_BASE_MS=20
e2e_redis
export REDIS_URL="$REDIS_TEST_URL"
R="$DP_BIN_DIR/devpulse"

# busy CAP OUT: prints the report path of the busy hour
busy() {
    DP_LIST_CAP=$1 "$R" report vllm-project/vllm --lang zh \
        --from "2025-12-15T14:00+08:00" --to "2025-12-15T15:00+08:00" \
        --out "$2" --name vLLM --format md,json 2>>"$E2E_TMP/report.err"
}
capped=$(busy 20 "$E2E_TMP/capped")
whole=$(busy 0 "$E2E_TMP/whole")
check "both reports written" [ -f "$capped" -a -f "$whole" ]
[ -f "$capped" ] && [ -f "$whole" ] || { tail -5 "$E2E_TMP/report.err"; e2e_finish; exit 1; }
# Beside the report's directory of posts, so it is no post of the site.
items="$(dirname "$(dirname "$capped")")/$(basename "${capped%.md}").items.md"
link="../$(basename "$items")"

check "capped: stats line equals EXPECTED-stats.txt" \
    grep -qxF -- "$(cat "$DATA/EXPECTED-stats.txt")" "$capped"
diff <(sed '/^## 📋/,$d' "$whole") <(sed '/^## 📋/,$d' "$capped") \
    >"$E2E_TMP/head.diff"
check "capped: the same text before the appendix as the uncapped report" \
    [ ! -s "$E2E_TMP/head.diff" ]
head -20 "$E2E_TMP/head.diff"
# The appendix: 20 items a list at most, each cut list followed by where
# the rest is.
for n in $(sed -n '/^## 📋/,/^### 🩺/p' "$capped" |
    awk '/^### /{if (h) print c; h=1; c=0} /^- \[#/{c++} END{}'); do
    check "capped: an appendix list holds $n <= 20 items" [ "$n" -le 20 ]
done
check "capped: new PRs: 71 more, in the items file" \
    grep -qxF -- "- …… 另有 71 项，完整列表见 [$link]($link)" "$capped"
check "capped: the items file is beside the report" [ -f "$items" ]
expected=$(cat "$DATA/EXPECTED.md")
actual=$(sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$items")
if [ "$expected" = "$actual" ]; then
    pass "items file equals EXPECTED.md (260 items)"
else
    fail "items file differs from EXPECTED.md:"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | head -20
fi
check "uncapped: no items file" \
    [ -z "$(find "$E2E_TMP/whole" -name '*.items.md')" ]
check "capped: the posts are the report only" \
    [ "$(find "$(dirname "$capped")" -name '*.md' | wc -l)" = 1 ]

# The JSON: every item, as without a cap, and no trace of the cut.
keep='{counts, lists, topics: [.topics[] | del(.total)], people: .facts.people,
       topic_counts: .facts.topic_counts}'
check "capped JSON: lists, topics, people and counts equal the uncapped" \
    cmp -s <(jq -S "$keep" "$capped.json") <(jq -S "$keep" "$whole.json")
check "capped JSON: every new PR (91)" \
    jq -e '(.lists.new_prs | length) == 91 and .counts.new_prs == 91' \
    "$capped.json"
check "capped JSON: no capped, total, people_total or first_timers member" \
    jq -e '(has("capped") | not) and
        (.facts | has("people_total") or has("first_timers") | not)
        and ([.topics[] | has("total")] | any | not)' "$capped.json"
check "capped JSON: what jq reads is what json_dumps writes (indent 2)" \
    cmp -s <(jq -S --indent 2 'del(.health, .sections)' "$capped.json") \
    <(jq -S --indent 2 'del(.health, .sections)' "$whole.json")

e2e_finish
