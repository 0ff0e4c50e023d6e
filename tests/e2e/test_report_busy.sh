#!/usr/bin/env bash
# test_report_busy.sh - devpulse report on a busy hour: topics with reasons,
# no bot among contributors, continuity, byte-identical reruns
# SPDX-License-Identifier: MIT
#
# Runs the real executables against the stand-in holding tests/data/busy
# (tests/standin/gen_datasets_busy.h): 260 items in 2025-12-15 14:00-15:00
# (UTC+8), six of them AMD work for different reasons, bots by login and by
# account type, PR files and reviews, and the two hours before it. The
# three hours are reported in order on one Redis, so the busy hour has
# trends and continuity; then the busy hour again, which must give the
# same bytes apart from the health footer.
set -u
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "SKIP: redis-server not installed"; exit 77; }

DATA="$DP_SOURCE_DIR/tests/data/busy"
e2e_standin busy --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_RETRY_BASE_MS=20
e2e_redis
export REDIS_URL="$REDIS_TEST_URL"
R="$DP_BIN_DIR/devpulse"
SITE="$E2E_TMP/site"

# hour H (local) [LANG] [OUT]: prints the report path
hour() {
    local h=$1 lang=${2:-zh} out=${3:-$SITE}
    "$R" report vllm-project/vllm --lang "$lang" \
        --from "2025-12-15T$h:00+08:00" --to "2025-12-15T$((h + 1)):00+08:00" \
        --out "$out" --name vLLM 2>>"$E2E_TMP/report.err"
}
body() { sed '/^### 🩺/,$d' "$1"; }
# section FILE START END: the lines from the heading START to the next END
section() { sed -n "/^### $2/,/^### $3/p" "$1" | sed '1d;$d'; }

h12=$(hour 12)
h13=$(hour 13)
busy=$(hour 14)
check "three reports written" [ -f "$h12" -a -f "$h13" -a -f "$busy" ]
[ -f "$busy" ] || { tail -5 "$E2E_TMP/report.err"; e2e_finish; exit 1; }
cp "$busy" "$E2E_TMP/busy-1.md"

# The counts and the appendix, exactly as the generator expects them.
check "stats line equals EXPECTED-stats.txt" \
    grep -qxF -- "$(cat "$DATA/EXPECTED-stats.txt")" "$busy"
expected=$(cat "$DATA/EXPECTED.md")
actual=$(sed -n '/^## 📋 附录/,/^### 🩺/p' "$busy" | sed '$d' |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' | sed '${/^---$/d}' |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
if [ "$expected" = "$actual" ]; then
    pass "appendix equals EXPECTED.md (260 items)"
else
    fail "appendix differs from EXPECTED.md:"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | head -20
fi

# The AMD section: the six items, each with its reason, and nothing else.
amd=$(section "$busy" "🎯 AMD" "💬")
printf '%s\n' "$amd" >"$E2E_TMP/amd.txt"
got=$(grep -o '\[#[0-9]*\]' "$E2E_TMP/amd.txt" | tr -d '[]#' | sort -n | tr '\n' ' ')
check "the AMD section lists exactly the six AMD items ($got)" \
    [ "$got" = "30640 30655 31180 31195 31230 31260 " ]
check "it says six" grep -qF "本周期共有 6 项与 AMD/ROCm 相关" "$E2E_TMP/amd.txt"
amd_reason() {
    local n=$1 reason=$2
    check "#$n is there because of $reason" \
        grep -qF -- "$reason" <(grep -F "[#$n]" "$E2E_TMP/amd.txt")
}
amd_reason 31180 'label `rocm`'
amd_reason 31180 'body matches `gfx942`'
amd_reason 31195 'label `rocm`'
amd_reason 31230 'title matches `MI300X`'
amd_reason 30640 'title matches `ROCm`'
amd_reason 31260 'path `vllm/platforms/rocm.py`'
amd_reason 30655 'path `csrc/rocm/skinny_gemms.cu`'
check "lookalikes stay out (collect_env dump, docs path, CUDA chip fix)" \
    bash -c "! grep -qE '#(31200|31215|31240)\]' '$E2E_TMP/amd.txt'"
check "the AMD PR of the hour before is in that hour's report only" \
    bash -c "section() { sed -n \"/^### \$2/,/^### \$3/p\" \"\$1\"; };
             section '$h13' '🎯 AMD' '💬' | grep -qF '[#31140]' &&
             ! grep -qF '[#31140]' '$E2E_TMP/amd.txt'"

# Bots: in the lists, never among contributors.
activity=$(section "$busy" "📈" "💡")
for bot in 'dependabot' 'vllm-release-bot' 'github-actions' 'chatgpt-codex-connector'; do
    check "no $bot among contributors" \
        bash -c "! printf '%s' \"\$1\" | grep -qF '$bot'" _ "$activity"
done
check "bot accounts are counted apart" \
    grep -qE '^另有 [0-9]+ 个机器人账号的活动未计入。$' <(printf '%s\n' "$activity")
check "the bots' PRs are in the appendix" \
    bash -c "grep -qF 'by dependabot[bot]' '$busy' && grep -qF 'by vllm-release-bot' '$busy'"
check "no bot PR among the key changes" \
    bash -c "! grep -qE '#(31190|31250)\]' <(printf '%s' \"\$1\")" _ \
    "$(section "$busy" "🛠️" "📈")"

# Every section is filled from the data; continuity across the three hours.
check "hot discussions with a first response" \
    grep -qF -- '- **首次回复**：' <(section "$busy" "💬" "🔥")
check "trends against the two previous hours" \
    grep -qF "类别变化（本期与前 2 个周期相比" <(section "$busy" "🔥" "🛠️")
check "the AMD topic against the previous hours" \
    grep -qF "AMD 6（1、0）" <(section "$busy" "🔥" "🛠️")
check "key changes show size and labels" \
    grep -qE '规模：\+[0-9]+/−[0-9]+' <(section "$busy" "🛠️" "📈")
check "review states are counted" \
    grep -qE '^评审状态：APPROVED [0-9]+' <(printf '%s\n' "$activity")
check "response times are measured" \
    grep -qE '^响应时间：本周期新建的 [0-9]+ 个条目中 [0-9]+ 个已获得首次回复' \
    <(printf '%s\n' "$activity")
check "an item that waited through the last hour got its answer" \
    grep -qE '^此前一直无人回复的 2 个条目在本期获得首次回复' <(printf '%s\n' "$activity")
watch=$(section "$busy" "💡" "")
check "an issue unanswered for three days is worth watching" \
    bash -c "printf '%s' \"\$1\" | grep -qE '#30412\].*已等待 3\.1 天'" _ "$watch"
check "PRs without review are worth watching" \
    grep -qF "尚无评审或回复的 PR" <(printf '%s\n' "$watch")
check "a thread hot for three hours is worth watching" \
    bash -c "printf '%s' \"\$1\" | grep -qE '#31105\].*连续 3 个周期'" _ "$watch"

# The same input gives the same bytes apart from the footer.
again=$(hour 14)
check "a second run gives the same report apart from the footer" \
    cmp -s <(body "$E2E_TMP/busy-1.md") <(body "$again")
check "and the same digest facts" \
    bash -c "[ -s '$again.json' ]"
# The summarizer keeps an arriving window in memory; one read back from
# Redis at the end (none kept, so quotes and bodies are read by id) is the
# same report.
cold=$(DP_LIVE_EVENTS=0 hour 14)
check "a window read back from the store gives the same report" \
    cmp -s <(body "$E2E_TMP/busy-1.md") <(body "$cold")
# The services write what the golden reports say (tests/unit/test_golden.c
# builds them from the same data without the services).
check "the report equals tests/golden/busy.zh.md apart from the footer" \
    cmp -s <(body "$E2E_TMP/busy-1.md") "$DP_SOURCE_DIR/tests/golden/busy.zh.md"
en=$(hour 14 en "$E2E_TMP/site-en")
check "the English one equals tests/golden/busy.en.md" \
    cmp -s <(body "$en") "$DP_SOURCE_DIR/tests/golden/busy.en.md"
check "English: the AMD watch lists six" grep -qF "6 matched AMD/ROCm:" "$en"
check "English: the same appendix items" \
    [ "$(grep -c '^- \[#' "$en")" = "$(grep -c '^- \[#' "$busy")" ]

# PR files and reviews through GraphQL (GitHub answers GraphQL to a token
# only): the same report, from a few queries instead of two requests a PR.
curl -s -X POST "$STANDIN_URL/_standin/reset" >/dev/null
gql=$(GITHUB_TOKEN=e2e-token hour 14 en "$E2E_TMP/site-gql")
stats=$(curl -s "$STANDIN_URL/_standin/stats")
echo "busy hour through GraphQL: $(jq -c '{counted, graphql_points, by_path}' <<<"$stats")"
check "through GraphQL: the report equals tests/golden/busy.en.md" \
    cmp -s <(body "$gql") "$DP_SOURCE_DIR/tests/golden/busy.en.md"
check "through GraphQL: queries asked, no PR's files or reviews by REST" \
    jq -e '.by_path["/graphql"] >= 1 and ([.by_path | keys[] |
        select(test("/pulls/[0-9]+/(files|reviews)"))] | length == 0)' \
    <<<"$stats"
# 105 PRs shown: three queries of 50, one point each; every other counted
# request is a page of the two listings or the one of the releases.
check "through GraphQL: three queries, three points" \
    jq -e '.by_path["/graphql"] == 3 and .graphql_points == 3' <<<"$stats"
check "through GraphQL: the rest are listing pages" \
    jq -e '.counted == ([.by_path | to_entries[] |
        select(.key | test("/issues(/comments)?$|/releases$|/graphql$")) |
        .value] | add) and .by_path["/repos/vllm-project/vllm/releases"] == 1' \
    <<<"$stats"

e2e_finish
