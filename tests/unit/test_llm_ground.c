/* test_llm_ground.c - unit tests for cleaning and grounding model answers */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "llm_ground.h"

/* The facts of the example's hour, as the digest holds them (cut down). */
static const char s_digest_json[] =
    "{\"lang\": \"zh\","
    " \"counts\": {\"new_issues\": 0, \"closed_issues\": 1, \"new_prs\": 2,"
    "  \"merged_prs\": 0, \"closed_prs\": 1},"
    " \"lists\": {\"new_issues\": [],"
    "  \"closed_issues\": [{\"number\": 30382, \"pr\": false,"
    "   \"author\": \"eltorre\", \"title\": \"[Bug]: Ministral\"}],"
    "  \"new_prs\": [{\"number\": 30385, \"pr\": true, \"author\":"
    "   \"NickLucche\", \"title\": \"[Core] Whisper support "
    "`torch.compile`\"}, {\"number\": 30384, \"pr\": true, \"author\":"
    "   \"rogeryoungh\", \"title\": \"[BugFix] Fix minimax m2 model "
    "rotary_dim\"}],"
    "  \"merged_prs\": [],"
    "  \"closed_prs\": [{\"number\": 30349, \"pr\": true, \"author\":"
    "   \"esmeetu\"}]},"
    " \"topics\": [{\"id\": \"spec\", \"title\": \"Speculative "
    "decoding\", \"items\": [{\"number\": 30381}]}],"
    " \"facts\": {\"discussions\": 2,"
    "  \"people\": [{\"login\": \"NickLucche\", \"total\": 1},"
    "   {\"login\": \"vitush93\", \"total\": 1},"
    "   {\"login\": \"spec-dec-dan\", \"total\": 1}],"
    "  \"hot\": [{\"number\": 30382, \"pr\": false, \"author\": \"eltorre\","
    "   \"title\": \"[Bug]: Issues with Ministral\", \"comments\": 2,"
    "   \"people\": 2, \"score\": 12,"
    "   \"participants\": [{\"login\": \"vitush93\", \"comments\": 1,"
    "     \"quote\": \"Same as #30349, use --override-generation-config\"},"
    "    {\"login\": \"eltorre\", \"comments\": 1, \"quote\": \"Closing.\"}]},"
    "   {\"number\": 30381, \"pr\": false, \"author\": \"wu-haoran\","
    "    \"comments\": 3, \"people\": 2,"
    "    \"participants\": [{\"login\": \"spec-dec-dan\"},"
    "     {\"login\": \"wu-haoran\"}]}],"
    "  \"changes\": [{\"number\": 30385, \"pr\": true, \"author\":"
    "   \"NickLucche\", \"body\": \"Enable torch.compile for Whisper.\"}],"
    "  \"watch\": {\"unanswered\": [{\"number\": 30390, \"pr\": false,"
    "   \"author\": \"li-lei\", \"title\": \"调度器在高并发下死锁\"}],"
    "   \"unreviewed\": [], \"long_hot\": []}}}";

static json_t *s_digest(void)
{
    json_t *d = dp_json_parse(s_digest_json, strlen(s_digest_json), NULL, 0);
    assert_non_null(d);
    return d;
}

static const json_t *s_hot(const json_t *d, size_t i)
{
    return json_array_get(dp_json_get(d, "facts.hot"), i);
}

/* Grounds text in a scope and checks the problems named. */
static void s_expect(const json_t *d, const json_t *item, const char *text,
                     int problems, const char *why_has)
{
    llm_scope_t scope = {d, item};
    dp_buf_t why = DP_BUF_INIT;
    int n = llm_ground(text, &scope, &why);
    if (n != problems)
        fail_msg("%d problems, not %d, in \"%s\": %s", n, problems, text,
                 why.data ? why.data : "");
    if (why_has && (!why.data || !strstr(why.data, why_has)))
        fail_msg("\"%s\" does not say \"%s\"", why.data ? why.data : "",
                 why_has);
    dp_buf_free(&why);
}

static void s_clean_is(const char *answer, bool structured, const char *want)
{
    char *got = llm_clean(answer, structured);
    assert_string_equal(got, want);
    dp_free(got);
}

/* ==== Cleaning ==== */

static void test_clean_think_blocks(void **state)
{
    (void)state;
    s_clean_is("<think>count the PRs\n#999</think>\nTwo PRs.", false,
               "Two PRs.");
    s_clean_is("Two PRs.<THINK>hm</THINK> Quiet.", false, "Two PRs. Quiet.");
    s_clean_is("reasoning the template opened</think>\n\nTwo PRs.", false,
               "Two PRs.");
    s_clean_is("Two PRs.\n<think>and then #999 was", false, "Two PRs.");
    s_clean_is("<think>never closed", false, "");
    s_clean_is("<thinking>a</thinking>A.<think>b</think>B.", false, "A.B.");
}

static void test_clean_preambles(void **state)
{
    (void)state;
    s_clean_is("作为一名专业的开源项目分析师，我将为您分析本周期的动态。\n\n"
               "本周期活动平稳。",
               false, "本周期活动平稳。");
    s_clean_is("Sure, here is the summary:\nThe hour was quiet.", false,
               "The hour was quiet.");
    s_clean_is("Here's the summary: The hour was quiet.", false,
               "The hour was quiet.");
    s_clean_is("好的，以下是摘要：本周期活动平稳。", false, "本周期活动平稳。");
    s_clean_is("### 📊 每日开发状态摘要\n本周期活动平稳。", false,
               "本周期活动平稳。");
    s_clean_is("As an AI language model, I summarize.\nCertainly!\n---\n"
               "Quiet.",
               false, "Quiet.");
    /* text that merely starts like a word of a preamble stays */
    s_clean_is("Surely the busiest hour: 2 PRs.", false,
               "Surely the busiest hour: 2 PRs.");
    s_clean_is("本周期活动平稳：2 个新 PR。", false,
               "本周期活动平稳：2 个新 PR。");
}

static void test_clean_structured_and_fences(void **state)
{
    (void)state;
    s_clean_is("Here is the analysis of #30382.\n\n- **核心议题**：配置。\n"
               "- **最终结论**：已关闭。",
               true, "- **核心议题**：配置。\n- **最终结论**：已关闭。");
    s_clean_is("```markdown\n- **影响**：快。\n```", true, "- **影响**：快。");
    s_clean_is("```\nQuiet hour.\n```", false, "Quiet hour.");
    s_clean_is("Quiet.\n```bash\nvllm serve\n```", false,
               "Quiet.\n```bash\nvllm serve\n```");
    /* a structured section without its shape is no answer */
    s_clean_is("Stand-in answer.", true, "");
    s_clean_is(NULL, false, "");
}

/* ==== Grounding ==== */

static void test_ground_accepts_a_faithful_answer(void **state)
{
    (void)state;
    json_t *d = s_digest();
    s_expect(d, NULL,
             "本周期新增 2 个 PR，关闭 1 个 Issue，#30382 的讨论由 "
             "(`vitush93`) 给出答案；PR #30385 为 Whisper 启用 "
             "`torch.compile`，吞吐提升约 1.4x，GSM8K 从 0.412 到 0.936。",
             0, NULL);
    s_expect(d, s_hot(d, 0),
             "- **核心议题**：配置。\n- **各方观点**：\n    1. **贡献者 "
             "(`vitush93`)**：与 #30349 相同。\n    2. **用户 (`eltorre`)**："
             "关闭，共 2 条评论。\n- **最终结论**：已关闭。",
             0, NULL);
    s_expect(d, NULL, "The hour saw 2 new PRs and 1 closed issue; merged 0.", 0,
             NULL);
    json_decref(d);
}

static void test_ground_invented_item(void **state)
{
    (void)state;
    json_t *d = s_digest();
    s_expect(d, NULL, "PR #99999 改进了调度。", 1, "#99999 is not in the data");
    s_expect(d, s_hot(d, 0), "- **核心议题**：#12345 的配置。", 1,
             "#12345 is not in the data");
    json_decref(d);
}

static void test_ground_item_of_another_thread(void **state)
{
    (void)state;
    json_t *d = s_digest();
    /* #30385 is in the window, but #30382's thread never mentions it */
    s_expect(d, s_hot(d, 0), "- **核心议题**：与 #30385 有关。", 1,
             "#30385 is another item, which #30382 does not refer to");
    /* #30349 is in the window and quoted in the thread: allowed */
    s_expect(d, s_hot(d, 0), "- **核心议题**：与 #30349 相同。", 0, NULL);
    /* the kind of the item must match the words before it */
    s_expect(d, NULL, "Issue #30385 被关闭。", 1, "#30385 is a PR");
    s_expect(d, NULL, "PR #30382 被关闭。", 1, "#30382 is an issue");
    json_decref(d);
}

static void test_ground_wrong_counts(void **state)
{
    (void)state;
    json_t *d = s_digest();
    s_expect(d, NULL, "本周期新增 5 个 PR。", 1,
             "the count of new PRs is 2, not 5");
    s_expect(d, NULL, "There were 3 new PRs and 4 merged PRs.", 2,
             "the count of merged PRs is 0, not 4");
    s_expect(d, NULL, "The maintainers merged 2 of them.", 1,
             "the count of merged PRs is 0, not 2");
    s_expect(d, NULL, "关闭了 7 个 Issue。", 1,
             "the count of closed issues is 1, not 7");
    s_expect(d, NULL, "共有 17 位贡献者参与。", 1, "17 位贡献者 is no figure");
    s_expect(d, NULL, "The 2 discussions drew 9 comments.", 1,
             "9 comments is no figure");
    /* numbers that are not counts are not checked */
    s_expect(d, NULL, "rotary_dim 从 64 变成 32，TP=8，Qwen3-80B。", 0, NULL);
    s_expect(d, NULL, "It fixes 3 problems in 40 processes.", 0, NULL);
    /* each count is read with its own words */
    s_expect(d, NULL, "2 new PRs, 1 closed issue and 1 PR closed unmerged.", 0,
             NULL);
    json_decref(d);
}

static void test_ground_logins(void **state)
{
    (void)state;
    json_t *d = s_digest();
    s_expect(d, s_hot(d, 0), "    1. **维护者 (`spec-dec-dan`)**：同意。", 1,
             "spec-dec-dan took no part in #30382");
    s_expect(d, s_hot(d, 0), "@mallory 认为这是 bug。", 1,
             "mallory took no part in #30382");
    s_expect(d, NULL, "(`spec-dec-dan`) 在 #30381 中提问。", 0, NULL);
    s_expect(d, NULL, "@ghost 关闭了它。", 1,
             "ghost took no part in the window");
    /* code in backticks is not a login */
    s_expect(d, NULL, "启用 (`torch.compile`) 与 (`top_p`)。", 0, NULL);
    json_decref(d);
}

static void test_ground_links_and_lists(void **state)
{
    (void)state;
    json_t *d = s_digest();
    s_expect(d, NULL, "Ministral 详见 [#30382](https://evil.example/x)。", 1,
             "links are not allowed");
    s_expect(d, NULL, "See https://evil.example for more.", 1,
             "links are not allowed");
    s_expect(d, NULL, "![x](https://github.com/a.png)", 1, "links");
    s_expect(d, NULL, "[1]: https://evil.example", 2, "reference definition");
    s_expect(d, NULL, "- #30385 Whisper\n- #30384 MiniMax", 2,
             "lists of items are not allowed");
    s_expect(d, NULL, "1. PR #30385: Whisper", 1, "lists of items");
    /* a numbered list of findings is fine */
    s_expect(d, NULL, "1. **模型适配**：PR #30385 与 #30382。", 0, NULL);
    s_expect(d, NULL, "  \n ", 1, "empty");
    json_decref(d);
}

static void test_ground_attribution(void **state)
{
    (void)state;
    json_t *d = s_digest();
    /* #30385's title on #30384: both are in the window */
    s_expect(d, NULL, "PR #30384 为 Whisper 启用 `torch.compile`。", 1,
             "#30384: the sentence does not match its title");
    s_expect(d, NULL, "Quiet hour. #30384 enables torch.compile for Whisper.",
             1, "#30384: the sentence does not match its title");
    /* a paraphrase that keeps a word of the title, or names the author */
    s_expect(d, NULL, "#30384 corrects the rotary dimension of MiniMax M2.", 0,
             NULL);
    s_expect(d, NULL, "PR #30384 由 rogeryoungh 提交。", 0, NULL);
    /* each sentence is read on its own */
    s_expect(d, NULL, "#30385 makes Whisper faster. #30384 does too.", 1,
             "#30384: the sentence");
    /* zh: two CJK characters of the title */
    s_expect(d, NULL, "Issue #30390 报告了调度器的死锁。", 0, NULL);
    s_expect(d, NULL, "Issue #30390 为 Whisper 启用编译。", 1,
             "#30390: the sentence does not match its title");
    /* a topic the item is in, a participant of its thread */
    s_expect(d, NULL, "#30381 是一个 speculative decoding 问题。", 0, NULL);
    s_expect(d, NULL, "#30382 由 vitush93 给出答案。", 0, NULL);
    /* several items: each with its evidence, or a mere list */
    s_expect(d, NULL, "#30385 (Whisper) 与 #30384 (MiniMax) 都与模型有关。", 0,
             NULL);
    s_expect(d, NULL, "PR #30384 与 Issue #30382 都与上游模型有关。", 0, NULL);
    s_expect(d, NULL, "#30385 为 Whisper 提速，#30384 也是。", 1,
             "#30384: the sentence");
    s_expect(d, NULL, "PR #30349 被关闭。", 1, "#30349: the sentence");
    /* a section about one item is checked by the item's own rules */
    s_expect(d, s_hot(d, 0), "- **核心议题**：与 #30349 相同。", 0, NULL);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_think_blocks),
        cmocka_unit_test(test_clean_preambles),
        cmocka_unit_test(test_clean_structured_and_fences),
        cmocka_unit_test(test_ground_accepts_a_faithful_answer),
        cmocka_unit_test(test_ground_invented_item),
        cmocka_unit_test(test_ground_item_of_another_thread),
        cmocka_unit_test(test_ground_wrong_counts),
        cmocka_unit_test(test_ground_logins),
        cmocka_unit_test(test_ground_links_and_lists),
        cmocka_unit_test(test_ground_attribution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
