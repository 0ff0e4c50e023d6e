#!/usr/bin/env bash
# test_report_llm.sh - devpulse report with a model that writes the analysis
# SPDX-License-Identifier: MIT
#
# The example's hour (tests/data/vllm-hour) against the GitHub stand-in,
# with llm-standin as the model, scripted by tests/data/llm/
# vllm-hour-rules.json: one answer (the hot discussion #30382) comes with a
# preamble, an invented item and a wrong count, every time it is asked;
# the others answer cleanly (one inside a thinking block, one inside a
# code fence, one after "Sure, here is"). Checks that the report carries
# none of the invented text, keeps the model's clean text, has exactly the
# counts and appendix of the extractive report, and says in its footer
# which section fell back; that an unreachable model still gives a
# complete report; that a rerun costs no call and --resummarize does.
set -u
. "$(dirname "$0")/lib.sh"

[ -x "$DP_BIN_DIR/llm-standin" ] || { echo "no llm-standin"; exit 77; }
e2e_github vllm-hour
RULES="$DP_SOURCE_DIR/tests/data/llm/vllm-hour-rules.json"
WIN=(--from 2025-12-10T18:29+08:00 --to 2025-12-10T19:29+08:00 --name vLLM)

# llm_standin - starts llm-standin with the rules; sets LLM_URL
llm_standin() {
    local out="$E2E_TMP/llm.out"
    "$DP_BIN_DIR/llm-standin" --port 0 --rules "$RULES" >"$out" 2>"$out.err" &
    E2E_PIDS+=("$!")
    for _ in $(seq 1 600); do
        LLM_URL=$(head -n 1 "$out" 2>/dev/null || true)
        [ -n "$LLM_URL" ] && return 0
        sleep 0.05
    done
    echo "llm-standin did not start: $(cat "$out.err")" >&2
    exit 1
}
calls() {
    curl -s "${LLM_URL%/v1}/_standin/stats" | grep -o '"calls": *[0-9]*' |
        grep -o '[0-9]*$'
}
appendix() { sed -n '/^## 📋 附录/,/^### 🩺/p' "$1"; }
stats_line() { grep '^> 数据统计' "$1"; }

llm_standin
export LLM_MODEL=standin-model LLM_TIMEOUT_S=30

ext=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm "${WIN[@]}" \
    --out "$E2E_TMP/site-ext" 2>"$E2E_TMP/ext.err")
check "the extractive report is written" [ -f "$ext" ]

rep=$(LLM_BASE_URL="$LLM_URL" "$DP_BIN_DIR/devpulse" report \
    vllm-project/vllm "${WIN[@]}" --out "$E2E_TMP/site-llm" \
    2>"$E2E_TMP/llm.err")
check "the report with a model is written" [ -f "$rep" ]
[ -f "$rep" ] || { cat "$E2E_TMP/llm.err"; e2e_finish; exit 1; }

for bad in 99999 "作为一名" "新增 5 个" INVENTED-MARK 424242 "Sure, here" \
    '```' "<think>"; do
    check "the report does not carry \"$bad\"" bash -c \
        "! sed '/^### 🩺/,\$d' '$rep' | grep -qF -- '$bad'"
done
for mark in MODEL-SUMMARY-MARK MODEL-HOT-MARK MODEL-CHANGE-MARK \
    MODEL-TRENDS-MARK MODEL-WATCH-MARK "旋转维度被重复缩放"; do
    check "the model's clean text is kept: $mark" grep -qF -- "$mark" "$rep"
done
check "#30382 keeps its extractive text" \
    grep -qF "**首次回复**：本周期首个回复来自 \`vitush93\`" "$rep"
check "the counts are the extractive report's" \
    [ "$(stats_line "$rep")" = "$(stats_line "$ext")" ]
check "the appendix is the extractive report's" \
    diff <(appendix "$ext") <(appendix "$rep")
check "the footer names the model" grep -qF "撰写方式: LLM (standin-model)" "$rep"
check "the footer says which section fell back, and why" grep -qE \
    "^- 回退为抽取式: 高热度讨论分析 #30382（rejected twice: .*is not in the data; the count of new PRs is 2, not 5）" \
    "$rep"
check "the footer gives tokens and cost" grep -qE \
    "^- LLM: 模型 standin-model.*tokens [0-9]+.*费用 \\\$0\\.0015" "$rep"
llm_json() {
    python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))["health"]["llm"]
print(eval(sys.argv[2], {"h": h}))' "$rep.json" "$1"
}
check "the digest records the fallen back section's path" \
    [ "$(llm_json 'h["sections"]["hot.30382"]["path"]')" = extractive ]
check "... and the others' path" [ "$(llm_json \
    'sorted(set(s["path"] for n, s in h["sections"].items() if n != "hot.30382"))')" = "['model']" ]
check "the digest records the prompt version" \
    [ "$(llm_json 'h["prompt_version"]')" = \
    "system:1,summary:1,hot:1,change:1,trends:1,watch:1" ]

# A model that cannot be reached: the report is complete, extractive.
down=$(LLM_BASE_URL=http://127.0.0.1:9/v1 LLM_RETRIES=0 LLM_TIMEOUT_S=5 \
    "$DP_BIN_DIR/devpulse" report vllm-project/vllm "${WIN[@]}" \
    --out "$E2E_TMP/site-down" 2>/dev/null)
check "an unreachable model still gives a report" [ -f "$down" ]
check "... with the extractive text" \
    diff <(sed '/^### 🩺/,$d' "$ext") <(sed '/^### 🩺/,$d' "$down")
check "... and a footer that says the model was unreachable" \
    grep -qE "^- 回退为抽取式: .*每日开发状态摘要（the model is unreachable" "$down"

# The same window twice on one Redis: the second costs no call; with
# --resummarize it asks again.
e2e_redis
export REDIS_URL=$REDIS_TEST_URL LLM_BASE_URL="$LLM_URL"
first=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm "${WIN[@]}" \
    --out "$E2E_TMP/site-r1" 2>/dev/null)
c1=$(calls)
second=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm "${WIN[@]}" \
    --out "$E2E_TMP/site-r2" 2>/dev/null)
c2=$(calls)
check "a rerun of the window costs no model call ($c1 then $c2)" \
    [ -n "$c1" -a "$c1" = "$c2" ]
check "... and gives the same text" \
    diff <(sed '/^### 🩺/,$d' "$first") <(sed '/^### 🩺/,$d' "$second")
check "... and says the answers came from the cache" \
    grep -qE "^- LLM: .*调用 0 次，缓存命中 [1-9]" "$second"
third=$("$DP_BIN_DIR/devpulse" report vllm-project/vllm "${WIN[@]}" \
    --resummarize --out "$E2E_TMP/site-r3" 2>/dev/null)
c3=$(calls)
check "--resummarize asks the model again ($c2 then $c3)" \
    [ -n "$c3" -a "$c3" -gt "$c2" ]
check "... and writes the same checked text" \
    diff <(sed '/^### 🩺/,$d' "$first") <(sed '/^### 🩺/,$d' "$third")

e2e_finish
