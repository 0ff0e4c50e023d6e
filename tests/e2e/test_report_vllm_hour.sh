#!/usr/bin/env bash
# test_report_vllm_hour.sh - devpulse report end to end on the example's hour
# SPDX-License-Identifier: MIT
#
# Runs the real executables (devpulse, the four services, a private
# redis-server) against the GitHub stand-in holding the vLLM activity of
# 2025-12-10 18:29-19:29 (UTC+8), distractors just outside the window and
# enough history to need pagination, and checks the report line by line
# against tests/data/vllm-hour/EXPECTED.md.
set -u
. "$(dirname "$0")/lib.sh"

DATA="$DP_SOURCE_DIR/tests/data/vllm-hour"
e2e_standin vllm --data "$DATA" --port 0
export GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" DP_RETRY_BASE_MS=20
unset REDIS_URL

out="$E2E_TMP/site"
path=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$out" --name vLLM 2>"$E2E_TMP/report.err")
rc=$?
check "devpulse report exits 0" [ "$rc" -eq 0 ]
check "it prints one path, of a file that exists" \
    [ "$(printf '%s\n' "$path" | wc -l)" -eq 1 -a -f "$path" ]
case "$path" in
*/_posts/2025-12-10-vllm-project-vllm-1829-1h.md) pass "report file name" ;;
*) fail "report file name: $path" ;;
esac
[ -f "$path" ] || { cat "$E2E_TMP/report.err"; e2e_finish; exit 1; }

# The header lines, exactly as the example has them.
for line in \
    "title: vLLM 开发动态报告 - 2025-12-10" \
    "# vLLM 开发动态报告 - 2025-12-10" \
    "> 时间窗口: 2025-12-10 18:29 (UTC+8) ~ 2025-12-10 19:29 (UTC+8)" \
    "> 数据统计: 新 Issue 0 | 关闭 Issue 1 | 新 PR 2 | 合并 PR 0 | 关闭未合并 PR 1"; do
    check "header line: $line" grep -qxF -- "$line" "$path"
done

# Every line of the expected appendix, in order, with nothing in between.
expected=$(sed -n '/^## 📋 附录/,$p' "$DATA/EXPECTED.md")
actual=$(sed -n '/^## 📋 附录/,/^### 🩺/p' "$path" | sed '$d' |
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' | sed '${/^---$/d}')
actual=$(printf '%s\n' "$actual" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
if [ "$expected" = "$(printf '%s' "$actual")" ]; then
    pass "appendix equals EXPECTED.md line by line"
else
    fail "appendix differs from EXPECTED.md:"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual")
fi

# Every section of the example is there, in the example's order.
sections=$(grep -E '^#{2,3} ' "$path" | tr '\n' '|')
want="### 📊 每日开发状态摘要|### 🎯 AMD/ROCm 生态相关动态|### 💬 高热度讨论分析|### 🔥 热门话题与趋势分析|### 🛠️ 重点技术变更|### 📈 开发活跃度观察|### 💡 值得关注的问题|## 📋 附录：详细数据列表|### 新增 Issue|### 已关闭 Issue|### 新增 PR|### 已合并 PR|### 关闭但未合并的 PR|### 🩺 数据与运行状态|"
check "sections in the example's order" [ "$sections" = "$want" ]
check "the AMD section says there is nothing" \
    grep -qF "**本周期无 AMD 相关更新**。" "$path"
check "the hot discussion is #30382" grep -qF "Issue #30382" "$path"
check "bots are not counted as contributors" \
    bash -c "! sed -n '/📈/,/💡/p' '$path' | grep -q 'chatgpt-codex-connector'"
check "the digest JSON is beside the report" [ -s "$path.json" ]

# English.
en=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm --lang en \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site-en" --name vLLM 2>/dev/null)
check "English report" grep -qxF \
    "> Stats: New issues 0 | Closed issues 1 | New PRs 2 | Merged PRs 0 | PRs closed unmerged 1" "$en"

# Same window twice on one Redis: the second run is all 304s, same report.
e2e_redis
curl -s -X POST "$STANDIN_URL/_standin/reset" >/dev/null
first=$(REDIS_URL=$REDIS_TEST_URL "$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site-r" --name vLLM 2>/dev/null)
cp "$first" "$E2E_TMP/first.md"
counted1=$(curl -s "$STANDIN_URL/_standin/stats" | grep -o '"counted": *[0-9]*' | grep -o '[0-9]*$')
second=$(REDIS_URL=$REDIS_TEST_URL "$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site-r" --name vLLM 2>/dev/null)
counted2=$(curl -s "$STANDIN_URL/_standin/stats" | grep -o '"counted": *[0-9]*' | grep -o '[0-9]*$')
check "a repeated run costs no counted request ($counted1 then $counted2)" \
    [ -n "$counted1" -a "$counted1" = "$counted2" ]
check "a repeated run gives the same report apart from the footer" \
    diff <(sed '/^### 🩺/,$d' "$E2E_TMP/first.md") <(sed '/^### 🩺/,$d' "$second")

# GitHub Enterprise: a base URL with a path prefix and a port.
e2e_standin ghe --data "$DATA" --port 0 --prefix /api/v3
case "$STANDIN_URL" in
*/api/v3) pass "the stand-in serves under /api/v3" ;;
*) fail "the stand-in serves under /api/v3: $STANDIN_URL" ;;
esac
ghe=$(GITHUB_API_URL="$STANDIN_URL" "$DP_BIN_DIR/devpulse" report vllm-project/vllm \
    --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 \
    --out "$E2E_TMP/site-ghe" --name vLLM 2>/dev/null)
check "a GitHub Enterprise base URL gives the same report" \
    diff <(sed '/^### 🩺/,$d' "$path") <(sed '/^### 🩺/,$d' "$ghe")

# Errors: one clear line and a non-zero exit.
expect_error() {
    local what=$1 pattern=$2
    shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q -- "$pattern"; then
        pass "$what"
    else
        fail "$what (rc=$rc): $err"
    fi
}
R="$DP_BIN_DIR/devpulse"
expect_error "bad --from" "from" \
    "$R" report vllm-project/vllm --from yesterday --to 2025-12-10T19:29+08:00
expect_error "--to before --from" "later" \
    "$R" report vllm-project/vllm --from 2025-12-10T19:29+08:00 --to 2025-12-10T18:29+08:00
expect_error "bad repository name" "OWNER/REPO" \
    "$R" report not-a-repo --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00
expect_error "bad --lang" "lang" \
    "$R" report vllm-project/vllm --lang fr --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00
expect_error "unknown repository" "not found" \
    "$R" report vllm-project/nope --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 --out "$E2E_TMP/x"
e2e_standin auth --data "$DATA" --port 0 --token right-token
GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN=wrong-token expect_error "bad token (401)" "credentials" \
    "$R" report vllm-project/vllm --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 --out "$E2E_TMP/x"
pool=$(GITHUB_API_URL="$STANDIN_URL" GITHUB_TOKEN="" GITHUB_TOKENS="wrong-token,right-token" \
    "$DP_BIN_DIR/devpulse" report vllm-project/vllm --from 2025-12-10T18:29+08:00 \
    --to 2025-12-10T19:29+08:00 --out "$E2E_TMP/site-pool" --name vLLM 2>/dev/null)
check "a token pool leaves a refused token out and goes on" \
    diff <(sed '/^### 🩺/,$d' "$path") <(sed '/^### 🩺/,$d' "$pool")
GITHUB_API_URL="http://127.0.0.1:9" DP_MAX_RETRIES=1 expect_error "unreachable API" "unreachable" \
    "$R" report vllm-project/vllm --from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 --out "$E2E_TMP/x"
check "no report file for failed runs" [ ! -d "$E2E_TMP/x/vllm-project/nope" ]

e2e_finish
