/* test_renderer.c - unit tests of the renderer engine */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_time.h"
#include "chart.h"
#include "html.h"
#include "dp_fs.h"
#include "renderer.h"

#include <yaml.h>

/* The window of /work/shared/seed/report-example.md. */
#define T_FROM 1765362540 /* 2025-12-10T10:29:00Z */
#define T_TO 1765366140   /* 2025-12-10T11:29:00Z */
#define T_RECV_MS 5000

/* The digest of the example window, with short section texts. */
static const char s_digest_text[] =
    "{\"schema\": 1, \"repo\": \"vllm-project/vllm\", \"name\": \"vLLM\","
    " \"lang\": \"zh\", \"from\": 1765362540, \"to\": 1765366140,"
    " \"revision\": 1, \"tz_offset\": 28800, \"tz_label\": \"UTC+8\","
    " \"counts\": {\"new_issues\": 0, \"closed_issues\": 1, \"new_prs\": 2,"
    "  \"merged_prs\": 0, \"closed_prs\": 1},"
    " \"lists\": {"
    "  \"new_issues\": [],"
    "  \"closed_issues\": [{\"number\": 30382, \"pr\": false,"
    "   \"title\": \"[Bug]: Issues with "
    "mistralai/Ministral-3-14B-Instruct-2512\","
    "   \"url\": \"https://github.com/vllm-project/vllm/issues/30382\","
    "   \"author\": \"eltorre\", \"labels\": [\"bug\"], \"at\": 1765363660,"
    "   \"category\": \"bug\", \"bot\": false}],"
    "  \"new_prs\": ["
    "   {\"number\": 30385, \"pr\": true,"
    "    \"title\": \"[Core] Whisper support `torch.compile`\","
    "    \"url\": \"https://github.com/vllm-project/vllm/pull/30385\","
    "    \"author\": \"NickLucche\", \"labels\": [\"v1\"], \"at\": 1765365062,"
    "    \"category\": \"performance\", \"bot\": false},"
    "   {\"number\": 30384, \"pr\": true,"
    "    \"title\": \"[BugFix] Fix minimax m2 model rotary_dim\","
    "    \"url\": \"https://github.com/vllm-project/vllm/pull/30384\","
    "    \"author\": \"rogeryoungh\", \"labels\": [\"ready\"],"
    "    \"at\": 1765363065, \"category\": \"bugfix\", \"bot\": false}],"
    "  \"merged_prs\": [],"
    "  \"closed_prs\": [{\"number\": 30349, \"pr\": true,"
    "   \"title\": \"[BugFix] Fix minimax m2 model rope_parameters\","
    "   \"url\": \"https://github.com/vllm-project/vllm/pull/30349\","
    "   \"author\": \"esmeetu\", \"labels\": [], \"at\": 1765363625,"
    "   \"category\": \"bugfix\", \"bot\": false}]},"
    " \"topics\": [{\"id\": \"amd\", \"title\": \"AMD/ROCm\", \"short\": "
    "\"AMD\", \"items\": []}],"
    " \"sections\": {\"summary\": \"Summary text.\","
    "  \"topics\": {\"amd\": \"**本周期无 AMD 相关更新**。\\n\"},"
    "  \"hot\": \"Hot text.\", \"trends\": \"1. one\\n2. two\\n\","
    "  \"changes\": \"Changes text.\", \"activity\": \"Activity text.\","
    "  \"watch\": \"Watch text.\"},"
    " \"health\": {\"requests\": 3, \"not_modified\": 0, \"retries\": 0,"
    "  \"rl_remaining\": 4990, \"rl_limit\": 5000,"
    "  \"complete_until\": 1765366140, \"problems\": [],"
    "  \"events\": 9, \"writer\": \"extractive\"}}";

/* The header lines of report-example.md, front matter to the first
 * section heading. */
static const char s_example_head[] =
    "---\n"
    "title: vLLM 开发动态报告 - 2025-12-10\n"
    "date: 2025-12-10\n"
    "layout: default\n"
    "---\n"
    "\n"
    "# vLLM 开发动态报告 - 2025-12-10\n"
    "\n"
    "> 时间窗口: 2025-12-10 18:29 (UTC+8) ~ 2025-12-10 19:29 (UTC+8)\n"
    "> 数据统计: 新 Issue 0 | 关闭 Issue 1 | 新 PR 2 | 合并 PR 0 | "
    "关闭未合并 PR 1\n"
    "\n"
    "---\n"
    "\n"
    "### 📊 每日开发状态摘要\n";

/* The appendix of report-example.md, every line of it. */
static const char s_example_appendix[] =
    "---\n"
    "\n"
    "## 📋 附录：详细数据列表\n"
    "\n"
    "### 新增 Issue\n"
    "- 无\n"
    "\n"
    "### 已关闭 Issue\n"
    "- [#30382](https://github.com/vllm-project/vllm/issues/30382) [Bug]: "
    "Issues with mistralai/Ministral-3-14B-Instruct-2512 — bug — by eltorre "
    "(关闭于: 2025-12-10 18:47 (UTC+8))\n"
    "\n"
    "### 新增 PR\n"
    "- [#30385](https://github.com/vllm-project/vllm/pull/30385) [Core] "
    "Whisper support `torch.compile` — v1 — by NickLucche (创建于: "
    "2025-12-10 19:11 (UTC+8))\n"
    "- [#30384](https://github.com/vllm-project/vllm/pull/30384) [BugFix] "
    "Fix minimax m2 model rotary_dim — ready — by rogeryoungh (创建于: "
    "2025-12-10 18:37 (UTC+8))\n"
    "\n"
    "### 已合并 PR\n"
    "- 无\n"
    "\n"
    "### 关闭但未合并的 PR\n"
    "- [#30349](https://github.com/vllm-project/vllm/pull/30349) [BugFix] "
    "Fix minimax m2 model rope_parameters — 无标签 — by esmeetu (关闭于: "
    "2025-12-10 18:47 (UTC+8))\n"
    "\n";

/* The whole report of s_digest_text. */
static const char s_expected_report[] =
    "---\n"
    "title: vLLM 开发动态报告 - 2025-12-10\n"
    "date: 2025-12-10\n"
    "layout: default\n"
    "---\n"
    "\n"
    "# vLLM 开发动态报告 - 2025-12-10\n"
    "\n"
    "> 时间窗口: 2025-12-10 18:29 (UTC+8) ~ 2025-12-10 19:29 (UTC+8)\n"
    "> 数据统计: 新 Issue 0 | 关闭 Issue 1 | 新 PR 2 | 合并 PR 0 | "
    "关闭未合并 PR 1\n"
    "\n"
    "---\n"
    "\n"
    "### 📊 每日开发状态摘要\n"
    "Summary text.\n"
    "\n"
    "### 🎯 AMD/ROCm 生态相关动态\n"
    "**本周期无 AMD 相关更新**。\n"
    "\n"
    "### 💬 高热度讨论分析\n"
    "Hot text.\n"
    "\n"
    "### 🔥 热门话题与趋势分析\n"
    "1. one\n"
    "2. two\n"
    "\n"
    "### 🛠️ 重点技术变更\n"
    "Changes text.\n"
    "\n"
    "### 📈 开发活跃度观察\n"
    "Activity text.\n"
    "\n"
    "### 💡 值得关注的问题\n"
    "Watch text.\n"
    "\n"
    "---\n"
    "\n"
    "## 📋 附录：详细数据列表\n"
    "\n"
    "### 新增 Issue\n"
    "- 无\n"
    "\n"
    "### 已关闭 Issue\n"
    "- [#30382](https://github.com/vllm-project/vllm/issues/30382) [Bug]: "
    "Issues with mistralai/Ministral-3-14B-Instruct-2512 — bug — by eltorre "
    "(关闭于: 2025-12-10 18:47 (UTC+8))\n"
    "\n"
    "### 新增 PR\n"
    "- [#30385](https://github.com/vllm-project/vllm/pull/30385) [Core] "
    "Whisper support `torch.compile` — v1 — by NickLucche (创建于: "
    "2025-12-10 19:11 (UTC+8))\n"
    "- [#30384](https://github.com/vllm-project/vllm/pull/30384) [BugFix] "
    "Fix minimax m2 model rotary_dim — ready — by rogeryoungh (创建于: "
    "2025-12-10 18:37 (UTC+8))\n"
    "\n"
    "### 已合并 PR\n"
    "- 无\n"
    "\n"
    "### 关闭但未合并的 PR\n"
    "- [#30349](https://github.com/vllm-project/vllm/pull/30349) [BugFix] "
    "Fix minimax m2 model rope_parameters — 无标签 — by esmeetu (关闭于: "
    "2025-12-10 18:47 (UTC+8))\n"
    "\n"
    "---\n"
    "\n"
    "### 🩺 数据与运行状态\n"
    "- 数据完整至: 2025-12-10 19:29 (UTC+8)\n"
    "- GitHub API 请求: 3 次（其中 304 未变更 0 次，重试 0 次）\n"
    "- 速率限制余量: 4990/5000\n"
    "- 事件数: 9\n"
    "- 撰写方式: 抽取式（确定性，无 LLM）\n";

/* ==== Helpers ==== */

static json_t *s_digest(void)
{
    json_error_t error;
    json_t *doc = json_loads(s_digest_text, 0, &error);
    if (!doc)
        fail_msg("test digest: line %d: %s", error.line, error.text);
    return doc;
}

/* Renders doc, which must succeed; the caller frees the result. */
static char *s_render(const json_t *doc)
{
    dp_buf_t out = DP_BUF_INIT;
    char err[256] = "";
    int rc = renderer_markdown(doc, &out, err, sizeof err);
    if (rc != 0)
        fail_msg("renderer_markdown: %s", err);
    return dp_buf_take(&out);
}

/* True when text holds line as one whole line. */
static bool s_has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static size_t s_count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            n++;
    return n;
}

/* Lines of text that start with prefix. */
static size_t s_count_prefixed(const char *text, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (strncmp(p, prefix, len) == 0)
            n++;
    return n;
}

static json_t *s_list(json_t *doc, const char *key)
{
    return json_object_get(json_object_get(doc, "lists"), key);
}

static json_t *s_item(json_t *doc, const char *list, size_t i)
{
    return json_array_get(s_list(doc, list), i);
}

static char *s_tempdir(void)
{
    char *dir = dp_strdup("/tmp/test_renderer.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void s_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *child = dp_asprintf("%s/%s", path, e->d_name);
            s_rmtree(child);
            dp_free(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    dp_buf_t buf = DP_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        dp_buf_append(&buf, chunk, n);
    fclose(f);
    return dp_buf_take(&buf);
}

static size_t s_dir_entries(const char *path)
{
    size_t n = 0;
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

/* ==== Markdown ==== */

static void test_markdown_matches_example_header_and_appendix(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    char *md = s_render(doc);
    assert_true(strncmp(md, s_example_head, strlen(s_example_head)) == 0);
    assert_non_null(strstr(md, s_example_appendix));
    /* The same, line by line. */
    assert_true(s_has_line(md, "title: vLLM 开发动态报告 - 2025-12-10"));
    assert_true(s_has_line(md, "date: 2025-12-10"));
    assert_true(s_has_line(md, "layout: default"));
    assert_true(s_has_line(md, "# vLLM 开发动态报告 - 2025-12-10"));
    assert_true(s_has_line(md, "> 时间窗口: 2025-12-10 18:29 (UTC+8) ~ "
                               "2025-12-10 19:29 (UTC+8)"));
    dp_free(md);
    json_decref(doc);
}

static void test_markdown_whole_layout(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    char *md = s_render(doc);
    assert_string_equal(md, s_expected_report);
    dp_free(md);
    json_decref(doc);
}

/* A digest whose new_prs list was cut: 2 shown of 1002. */
static json_t *s_capped_digest(json_int_t total)
{
    json_t *doc = s_digest();
    json_object_set_new(json_object_get(doc, "counts"), "new_prs",
                        json_integer(total));
    json_object_set_new(doc, "capped",
                        json_pack("{s:i, s:{s:{s:i, s:I}}}", "cap", 2,
                                  "sections", "lists.new_prs", "at", 0, "total",
                                  total));
    return doc;
}

static void test_capped_list_says_the_rest_is_not_available(void **state)
{
    (void)state;
    json_t *doc = s_capped_digest(1002);
    char *md = s_render(doc);
    assert_true(s_has_line(md, "- …… 另有 1000 项，完整列表不可用"));
    assert_int_equal(s_count_prefixed(md, "- …… 另有"), 1);
    dp_free(md);
    json_decref(doc);
    /* A total that is not past what is shown, or absurd, is no cut. */
    json_int_t bad[] = {2, 1, -5, 100000000001LL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        doc = s_capped_digest(bad[i] > 0 ? bad[i] : 2);
        json_t *sections =
            json_object_get(json_object_get(doc, "capped"), "sections");
        json_object_set_new(json_object_get(sections, "lists.new_prs"), "total",
                            json_integer(bad[i]));
        md = s_render(doc);
        assert_int_equal(s_count_prefixed(md, "- …… 另有"), 0);
        dp_free(md);
        json_decref(doc);
    }
}

static void test_markdown_appends_to_out(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    dp_buf_t out = DP_BUF_INIT;
    dp_buf_puts(&out, "KEEP");
    char err[128];
    assert_int_equal(renderer_markdown(doc, &out, err, sizeof err), 0);
    assert_true(strncmp(out.data, "KEEP---\n", 8) == 0);
    dp_buf_free(&out);
    json_decref(doc);
}

static void test_appendix_line_shapes(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_t *labels = json_object_get(s_item(doc, "new_prs", 0), "labels");
    json_array_append_new(labels, json_string("performance"));
    json_array_append_new(labels, json_string("ready"));
    json_array_append_new(
        s_list(doc, "merged_prs"),
        json_pack("{s:i, s:b, s:s, s:s, s:s, s:[], s:i}", "number", 30100, "pr",
                  1, "title", "Merged one", "url",
                  "https://github.com/vllm-project/vllm/"
                  "pull/30100",
                  "author", "alice", "labels", "at", T_FROM + 600));
    json_array_append_new(s_list(doc, "new_issues"),
                          json_pack("{s:i, s:b, s:s, s:s, s:[s], s:i}",
                                    "number", 30400, "pr", 0, "title",
                                    "New one", "author", "bob", "labels",
                                    "question", "at", T_FROM + 60));
    char *md = s_render(doc);
    assert_true(s_has_line(
        md, "- [#30385](https://github.com/vllm-project/vllm/pull/30385) "
            "[Core] Whisper support `torch.compile` — v1, performance, ready "
            "— by NickLucche (创建于: 2025-12-10 19:11 (UTC+8))"));
    assert_true(s_has_line(
        md, "- [#30100](https://github.com/vllm-project/vllm/pull/30100) "
            "Merged one — 无标签 — by alice (合并于: 2025-12-10 18:39 "
            "(UTC+8))"));
    /* Without a URL the link is built from the repository. */
    assert_true(s_has_line(
        md, "- [#30400](https://github.com/vllm-project/vllm/issues/30400) "
            "New one — question — by bob (创建于: 2025-12-10 18:30 "
            "(UTC+8))"));
    assert_null(strstr(md, "### 已合并 PR\n- 无\n"));
    assert_null(strstr(md, "### 新增 Issue\n- 无\n"));
    assert_int_equal(s_count_prefixed(md, "- 无"), 0);
    dp_free(md);

    /* Every list empty: "- 无" under each heading. */
    for (size_t i = 0; i < 5; i++) {
        static const char *const keys[] = {"new_issues", "closed_issues",
                                           "new_prs", "merged_prs",
                                           "closed_prs"};
        json_array_clear(s_list(doc, keys[i]));
    }
    md = s_render(doc);
    assert_int_equal(s_count_prefixed(md, "- 无"), 5);
    assert_non_null(strstr(md, "### 关闭但未合并的 PR\n- 无\n\n---\n"));
    dp_free(md);
    json_decref(doc);
}

static void test_untrusted_urls_are_rebuilt(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_object_set_new(s_item(doc, "closed_issues", 0), "url",
                        json_string("javascript:alert(1)"));
    json_object_set_new(s_item(doc, "new_prs", 0), "url",
                        json_string("https://github.com/evil/repo/pull/30385"));
    json_object_set_new(s_item(doc, "new_prs", 1), "url",
                        json_string("https://github.com/vllm-project/vllm/"
                                    "pull/30384) [x](https://evil"));
    /* A PR's canonical issue URL is kept as it is. */
    json_object_set_new(s_item(doc, "closed_prs", 0), "url",
                        json_string("https://github.com/vllm-project/vllm/"
                                    "issues/30349"));
    char *md = s_render(doc);
    assert_null(strstr(md, "javascript"));
    assert_null(strstr(md, "evil"));
    assert_non_null(strstr(md, "[#30382](https://github.com/vllm-project/"
                               "vllm/issues/30382) "));
    assert_non_null(strstr(md, "[#30385](https://github.com/vllm-project/"
                               "vllm/pull/30385) "));
    assert_non_null(strstr(md, "[#30384](https://github.com/vllm-project/"
                               "vllm/pull/30384) "));
    assert_non_null(strstr(md, "[#30349](https://github.com/vllm-project/"
                               "vllm/issues/30349) "));
    dp_free(md);
    json_decref(doc);
}

static const char s_en_stats[] =
    "> Stats: New issues 0 | Closed issues 1 | New PRs 2 | Merged PRs 0 | "
    "PRs closed unmerged 1";

static const char s_en_closed_pr[] =
    "- [#30349](https://github.com/vllm-project/vllm/pull/30349) [BugFix] "
    "Fix minimax m2 model rope_parameters — no labels — by esmeetu (closed: "
    "2025-12-10 18:47 (UTC+8))";

static const char s_en_new_pr[] =
    "- [#30384](https://github.com/vllm-project/vllm/pull/30384) [BugFix] "
    "Fix minimax m2 model rotary_dim — ready — by rogeryoungh (created: "
    "2025-12-10 18:37 (UTC+8))";

static void test_markdown_english(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_object_set_new(doc, "lang", json_string("en"));
    json_object_set_new(doc, "revision", json_integer(2));
    json_t *health = json_object_get(doc, "health");
    json_object_set_new(health, "rl_remaining", json_integer(-1));
    json_object_set_new(health, "writer", json_string("claude"));
    json_array_append_new(json_object_get(health, "problems"),
                          json_string("issues page 3: HTTP 502"));
    char *md = s_render(doc);
    static const char *const lines[] = {
        "title: vLLM Development Report - 2025-12-10",
        "# vLLM Development Report - 2025-12-10",
        "> Window: 2025-12-10 18:29 (UTC+8) ~ 2025-12-10 19:29 (UTC+8)",
        s_en_stats,
        "### 📊 Status summary",
        "### 🎯 AMD/ROCm watch",
        "### 💬 Hot discussions",
        "### 🔥 Topics and trends",
        "### 🛠️ Key technical changes",
        "### 📈 Contributor activity",
        "### 💡 Worth watching",
        "## 📋 Appendix: item lists",
        "### New issues",
        "### Closed issues",
        "### New PRs",
        "### Merged PRs",
        "### PRs closed without merge",
        "- none",
        s_en_closed_pr,
        s_en_new_pr,
        "### 🩺 Data and pipeline health",
        "- Data complete until: 2025-12-10 19:29 (UTC+8)",
        "- GitHub API requests: 3 (304 not modified: 0, retries: 0)",
        "- Rate limit remaining: unknown",
        "- Events: 9",
        "- Writer: LLM (claude)",
        "- Revision: 2",
        "- Problem: issues page 3: HTTP 502",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!s_has_line(md, lines[i]))
            fail_msg("missing line: %s\n%s", lines[i], md);
    assert_null(strstr(md, "开发"));
    dp_free(md);
    json_decref(doc);
}

static void test_health_names_llm_sections(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_t *h = json_object_get(doc, "health");
    json_object_set_new(h, "writer", json_string("qwen3-32b"));
    json_object_set_new(h, "llm_sections",
                        json_pack("[sss]", "summary", "hot", "x|y"));
    char *md = s_render(doc);
    assert_true(s_has_line(md, "- 撰写方式: LLM (qwen3-32b)，LLM 撰写: "
                               "每日开发状态摘要、高热度讨论分析、x\\|y；"
                               "其余为抽取式"));
    dp_free(md);
    json_object_set_new(doc, "lang", json_string("en"));
    md = s_render(doc);
    assert_true(s_has_line(md, "- Writer: LLM (qwen3-32b); written by the "
                               "LLM: status summary, hot discussions, x\\|y; "
                               "the rest extractive"));
    dp_free(md);
    /* Without the list, only the writer. */
    json_object_del(h, "llm_sections");
    md = s_render(doc);
    assert_true(s_has_line(md, "- Writer: LLM (qwen3-32b)"));
    dp_free(md);
    json_object_set_new(h, "llm_sections", json_pack("[i]", 1));
    dp_buf_t out = DP_BUF_INIT;
    char err[128];
    assert_int_equal(renderer_markdown(doc, &out, err, sizeof err), DP_EJSON);
    assert_non_null(strstr(err, "llm_sections"));
    dp_buf_free(&out);
    json_decref(doc);
}

static void test_health_llm_lines(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_t *h = json_object_get(doc, "health");
    json_object_set_new(
        h, "llm",
        json_pack("{s:s, s:s, s:{s:i, s:i}, s:f, s:i, s:i, s:{s:{s:s}, "
                  "s:{s:s, s:s}, s:{s:s, s:s}}}",
                  "model", "qwen3-32b", "prompt_version", "system:1", "tokens",
                  "prompt", 900, "completion", 100, "cost", 0.0015, "calls", 3,
                  "cached", 2, "sections", "summary", "path", "model",
                  "hot.30382", "path", "extractive", "reason",
                  "#99999 is not in the data <b>@x</b>", "changes.30385",
                  "path", "repaired", "reason", "repaired after: x"));
    char *md = s_render(doc);
    assert_true(s_has_line(md, "- LLM: 模型 qwen3-32b，提示词 system:1，"
                               "tokens 1000（提示 900 + 回答 100），费用 "
                               "$0.0015，调用 3 次，缓存命中 2 次"));
    assert_true(s_has_line(md, "- 修正后采用: 重点技术变更 #30385（repaired "
                               "after: x）"));
    const char *fell = strstr(md, "- 回退为抽取式: 高热度讨论分析 #30382（");
    assert_non_null(fell);
    assert_null(strstr(fell, "<b>")); /* the reason is neutralized */
    dp_free(md);
    json_object_set_new(doc, "lang", json_string("en"));
    md = s_render(doc);
    assert_non_null(strstr(md, "- Fell back to extractive: hot discussions "
                               "#30382 ("));
    dp_free(md);
    /* A forged llm member of other types renders without it. */
    json_object_set_new(h, "llm",
                        json_pack("{s:i, s:[i], s:s}", "model", 1, "sections",
                                  2, "tokens", "x"));
    md = s_render(doc);
    assert_non_null(strstr(md, "- LLM: model "));
    assert_null(strstr(md, "Fell back"));
    dp_free(md);
    json_object_set_new(h, "llm", json_string("x"));
    md = s_render(doc);
    assert_null(strstr(md, "- LLM:"));
    dp_free(md);
    json_decref(doc);
}

static void test_health_lines_zh(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_object_set_new(doc, "revision", json_integer(3));
    json_t *health = json_object_get(doc, "health");
    json_object_set_new(health, "rl_limit", json_integer(-1));
    json_object_set_new(health, "writer", json_string("gpt\n# x"));
    json_array_append_new(json_object_get(health, "problems"),
                          json_string("first\nsecond"));
    char *md = s_render(doc);
    assert_true(s_has_line(md, "- 速率限制余量: 未知"));
    assert_true(s_has_line(md, "- 撰写方式: LLM (gpt # x)"));
    assert_true(s_has_line(md, "- 修订: 第 3 版"));
    assert_true(s_has_line(md, "- 问题: first second"));
    assert_false(s_has_line(md, "# x)"));
    dp_free(md);
    json_decref(doc);
}

static void test_hostile_titles_stay_on_one_line(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    char *plain = s_render(doc);
    json_t *item = s_item(doc, "new_prs", 0);
    json_object_set_new(
        item, "title",
        json_string("evil\n---\nlayout: x\r\n# H1 {{ site.x }} {% raw %}\n"
                    "<script>alert(1)</script>\xe2\x80\xae\xe2\x80\xa8"
                    "![x](javascript:alert(1))\n\n### 💡 fake\n- [ ] z"));
    json_object_set_new(item, "author", json_string("mal\nlory"));
    json_array_append_new(json_object_get(item, "labels"),
                          json_string("a\n## b"));
    json_object_set_new(doc, "name", json_string("x\n---\ny"));
    char *md = s_render(doc);
    assert_int_equal(s_count_lines(md), s_count_lines(plain));
    assert_int_equal(s_count_prefixed(md, "---"),
                     s_count_prefixed(plain, "---"));
    assert_int_equal(s_count_prefixed(md, "#"), s_count_prefixed(plain, "#"));
    assert_null(strstr(md, "<script>"));
    assert_null(strstr(md, "{{"));
    assert_null(strstr(md, "{%"));
    assert_null(strstr(md, "\xe2\x80\xae"));
    assert_null(strstr(md, "\r"));
    assert_null(strstr(md, "[x](javascript"));
    assert_true(s_count_prefixed(md,
                                 "- [#30385](https://github.com/"
                                 "vllm-project/vllm/pull/30385) evil ") == 1);
    dp_free(md);
    dp_free(plain);
    json_decref(doc);
}

static void test_front_matter_quotes_only_when_needed(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *line;
    } cases[] = {
        {"vLLM", "title: vLLM 开发动态报告 - 2025-12-10"},
        {"a:b", "title: a:b 开发动态报告 - 2025-12-10"},
        {"Proj: X", "title: \"Proj: X 开发动态报告 - 2025-12-10\""},
        {"C#", "title: \"C# 开发动态报告 - 2025-12-10\""},
        {"*star", "title: \"*star 开发动态报告 - 2025-12-10\""},
        {"- dash", "title: \"- dash 开发动态报告 - 2025-12-10\""},
        {"[x]", "title: \"[x] 开发动态报告 - 2025-12-10\""},
        {"a\\b:", "title: \"a\\\\b: 开发动态报告 - 2025-12-10\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = s_digest();
        json_object_set_new(doc, "name", json_string(cases[i].name));
        char *md = s_render(doc);
        if (!s_has_line(md, cases[i].line))
            fail_msg("name %s: want %s in\n%.200s", cases[i].name,
                     cases[i].line, md);
        dp_free(md);
        json_decref(doc);
    }
    /* Quotes in a name never end the YAML string early. */
    json_t *doc = s_digest();
    json_object_set_new(doc, "name", json_string("say \"hi\""));
    char *md = s_render(doc);
    const char *title = strstr(md, "\ntitle: \"");
    assert_non_null(title);
    const char *end = strchr(title + 1, '\n');
    assert_true(end[-1] == '"' && end[-2] != '\\');
    dp_free(md);
    json_decref(doc);
    /* Without a name, the repository's name part. */
    doc = s_digest();
    json_object_del(doc, "name");
    md = s_render(doc);
    assert_true(s_has_line(md, "# vllm 开发动态报告 - 2025-12-10"));
    dp_free(md);
    json_decref(doc);
}

/* Sets a dotted member to a value, or deletes it when value is NULL. */
static void s_set(json_t *doc, const char *path, json_t *value)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *obj = doc;
    char *key = buf, *dot;
    while ((dot = strchr(key, '.')) != NULL) {
        *dot = '\0';
        obj = json_object_get(obj, key);
        key = dot + 1;
    }
    if (value)
        json_object_set_new(obj, key, value);
    else
        json_object_del(obj, key);
}

static void test_malformed_digest_is_refused(void **state)
{
    (void)state;
    static const char *const deleted[] = {
        "counts", "counts.new_prs", "lists", "lists.closed_prs",
        "repo",   "from",           "to",    "tz_offset",
        "health",
    };
    dp_buf_t out = DP_BUF_INIT;
    char err[256];
    for (size_t i = 0; i < sizeof deleted / sizeof deleted[0]; i++) {
        json_t *doc = s_digest();
        s_set(doc, deleted[i], NULL);
        err[0] = '\0';
        assert_int_equal(renderer_markdown(doc, &out, err, sizeof err),
                         DP_EJSON);
        assert_int_equal(out.len, 0);
        if (!strstr(err, "missing"))
            fail_msg("%s: %s", deleted[i], err);
        json_decref(doc);
    }
    struct {
        const char *path;
        json_t *value;
    } wrong[] = {
        {"counts", json_array()},
        {"counts.closed_issues", json_string("1")},
        {"counts.new_prs", json_real(2.0)},
        {"counts.merged_prs", json_integer(-1)},
        {"lists.new_prs", json_object()},
        {"from", json_string("2025-12-10")},
        {"to", json_integer(T_FROM)},
        {"tz_offset", json_integer(100000)},
        {"repo", json_string("../../etc")},
        {"repo", json_string("vllm-project/..")},
        {"repo", json_string("a/b/c")},
        {"repo", json_integer(7)},
        {"name", json_integer(7)},
        {"topics", json_object()},
        {"sections", json_string("x")},
        {"sections.summary", json_integer(1)},
        {"sections.topics", json_array()},
        {"health", json_array()},
        {"health.requests", json_string("3")},
        {"health.problems", json_string("p")},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        json_t *doc = s_digest();
        s_set(doc, wrong[i].path, wrong[i].value);
        err[0] = '\0';
        int rc = renderer_markdown(doc, &out, err, sizeof err);
        if (rc != DP_EJSON || out.len != 0 || !err[0])
            fail_msg("%s: rc %d, err \"%s\"", wrong[i].path, rc, err);
        json_decref(doc);
    }
    /* Items of the wrong shape. */
    json_t *items[] = {
        json_string("item"),
        json_pack("{s:s}", "title", "no number"),
        json_pack("{s:s}", "number", "1"),
        json_pack("{s:i, s:i}", "number", 1, "title", 2),
        json_pack("{s:i, s:[i]}", "number", 1, "labels", 3),
        json_pack("{s:i, s:s}", "number", 1, "labels", "bug"),
        json_pack("{s:i, s:s}", "number", 1, "at", "today"),
        json_pack("{s:i, s:s}", "number", 1, "pr", "yes"),
        json_pack("{s:i}", "number", 0),
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        json_t *doc = s_digest();
        json_array_append_new(s_list(doc, "merged_prs"), items[i]);
        err[0] = '\0';
        assert_int_equal(renderer_markdown(doc, &out, err, sizeof err),
                         DP_EJSON);
        assert_int_equal(out.len, 0);
        assert_non_null(strstr(err, "lists.merged_prs[0]"));
        json_decref(doc);
    }
    /* Not an object at all. */
    json_t *others[] = {json_array(), json_string("x"), json_integer(1),
                        json_null(), json_true()};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        assert_int_equal(renderer_markdown(others[i], &out, err, sizeof err),
                         DP_EJSON);
        json_decref(others[i]);
    }
    assert_int_equal(renderer_markdown(NULL, &out, err, sizeof err), DP_EJSON);
    assert_int_equal(out.len, 0);
    dp_buf_free(&out);
}

/* ==== Paths ==== */

static void test_paths_name_window_lengths(void **state)
{
    (void)state;
    static const struct {
        long long len;
        const char *dir;
        const char *path;
    } cases[] = {
        {3600, "site",
         "site/vllm-project/vllm/_posts/"
         "2025-12-10-vllm-project-vllm-1829-1h.md"},
        {86400, "site/",
         "site/vllm-project/vllm/_posts/"
         "2025-12-10-vllm-project-vllm-1829-1d.md"},
        {604800, "/srv/out//",
         "/srv/out/vllm-project/vllm/_posts/"
         "2025-12-10-vllm-project-vllm-1829-7d.md"},
        {5400, "site",
         "site/vllm-project/vllm/_posts/"
         "2025-12-10-vllm-project-vllm-1829-90m.md"},
        {90, "",
         "./vllm-project/vllm/_posts/2025-12-10-vllm-project-vllm-1829-2m.md"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *doc = s_digest();
        json_object_set_new(doc, "to", json_integer(T_FROM + cases[i].len));
        char *path = NULL;
        assert_int_equal(renderer_paths(doc, cases[i].dir, &path), 0);
        assert_string_equal(path, cases[i].path);
        dp_free(path);
        json_decref(doc);
    }
    /* The date and time are those of the window start in tz_offset. */
    json_t *doc = s_digest();
    json_object_set_new(doc, "tz_offset", json_integer(-5LL * 3600));
    char *path = NULL;
    assert_int_equal(renderer_paths(doc, "site", &path), 0);
    assert_string_equal(path, "site/vllm-project/vllm/_posts/"
                              "2025-12-10-vllm-project-vllm-0529-1h.md");
    dp_free(path);
    /* Names that would leave out_dir are refused. */
    json_object_set_new(doc, "repo", json_string("../vllm"));
    path = (char *)"untouched";
    assert_int_equal(renderer_paths(doc, "site", &path), DP_EJSON);
    assert_null(path);
    json_decref(doc);
}

/* ==== Atomic writes ==== */

static void test_write_is_atomic_and_idempotent(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    char *path = dp_asprintf("%s/a/b/c/report.md", dir);
    char err[256] = "";
    bool changed = false;
    assert_int_equal(
        dp_fs_write_atomic(path, "one\n", 4, &changed, err, sizeof err), 0);
    assert_true(changed);
    char *text = s_read_file(path);
    assert_string_equal(text, "one\n");
    dp_free(text);

    /* Age the file, then write the same bytes: nothing changes. */
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(
        dp_fs_write_atomic(path, "one\n", 4, &changed, err, sizeof err), 0);
    assert_false(changed);
    assert_int_equal(stat(path, &after), 0);
    assert_true(before.st_ino == after.st_ino);
    assert_true(after.st_mtim.tv_sec == 1000000000);

    /* Different bytes (same size too) replace the file. */
    assert_int_equal(
        dp_fs_write_atomic(path, "two\n", 4, &changed, err, sizeof err), 0);
    assert_true(changed);
    text = s_read_file(path);
    assert_string_equal(text, "two\n");
    dp_free(text);
    assert_int_equal(stat(path, &after), 0);
    assert_true(after.st_mtim.tv_sec != 1000000000);
    assert_int_equal(after.st_mode & 0777, 0644);

    /* No temporary file stays behind. */
    char *parent = dp_asprintf("%s/a/b/c", dir);
    assert_int_equal(s_dir_entries(parent), 1);

    /* An empty file works as well. */
    char *empty = dp_asprintf("%s/empty", parent);
    assert_int_equal(
        dp_fs_write_atomic(empty, NULL, 0, &changed, err, sizeof err), 0);
    assert_true(changed);
    assert_int_equal(
        dp_fs_write_atomic(empty, "", 0, &changed, err, sizeof err), 0);
    assert_false(changed);

    dp_free(empty);
    dp_free(parent);
    s_rmtree(dir);
    dp_free(path);
    dp_free(dir);
}

static void test_write_errors_name_the_path(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    char *file = dp_asprintf("%s/plain", dir);
    char err[256] = "";
    assert_int_equal(dp_fs_write_atomic(file, "x", 1, NULL, err, sizeof err),
                     0);
    /* A directory where a regular file stands. */
    char *path = dp_asprintf("%s/plain/sub/report.md", dir);
    assert_int_equal(dp_fs_write_atomic(path, "x", 1, NULL, err, sizeof err),
                     DP_EIO);
    assert_non_null(strstr(err, file));
    assert_non_null(strstr(err, strerror(ENOTDIR)) ||
                    strstr(err, strerror(EEXIST)));
    /* A target that is a directory. */
    char *asdir = dp_asprintf("%s/d", dir);
    assert_int_equal(mkdir(asdir, 0755), 0);
    assert_int_equal(dp_fs_write_atomic(asdir, "x", 1, NULL, err, sizeof err),
                     DP_EIO);
    assert_non_null(strstr(err, asdir));
    assert_int_equal(s_dir_entries(dir), 2);
    dp_free(asdir);
    dp_free(path);
    s_rmtree(dir);
    dp_free(file);
    dp_free(dir);
}

/* ==== Handling a digest ==== */

static void s_digest_msg(dp_msg_t *msg, const char *json)
{
    memset(msg, 0, sizeof *msg);
    msg->type = DP_MSG_DIGEST;
    msg->u.digest.repo = dp_strdup("vllm-project/vllm");
    msg->u.digest.win_from = T_FROM;
    msg->u.digest.win_to = T_TO;
    msg->u.digest.revision = 1;
    msg->u.digest.lang = dp_strdup("zh");
    msg->u.digest.reply_to = dp_strdup("tag-1");
    msg->u.digest.json = dp_strdup(json);
}

/* Renders the digest document text in every format into dir, which must
 * succeed with a REPORT; the caller clears msg and reply. */
static void s_render_all(const char *dir, const char *text, dp_msg_t *msg,
                         dp_msg_t *reply)
{
    s_digest_msg(msg, text);
    unsigned all = RENDERER_FMT_MD | RENDERER_FMT_JSON | RENDERER_FMT_HTML |
                   RENDERER_FMT_ATOM;
    assert_int_equal(renderer_render(dir, all, &msg->u.digest, reply), 0);
    assert_int_equal(reply->type, DP_MSG_REPORT);
}

static void test_render_writes_report_and_digest(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    dp_msg_t msg, reply;
    s_digest_msg(&msg, s_digest_text);
    assert_int_equal(renderer_render(dir, RENDERER_FMT_MD | RENDERER_FMT_JSON,
                                     &msg.u.digest, &reply),
                     0);
    assert_int_equal(reply.type, DP_MSG_REPORT);
    dp_report_t *r = &reply.u.report;
    assert_string_equal(r->repo, "vllm-project/vllm");
    assert_int_equal(r->win_from, T_FROM);
    assert_int_equal(r->win_to, T_TO);
    assert_int_equal(r->revision, 1);
    assert_string_equal(r->reply_to, "tag-1");
    char *want = dp_asprintf("%s/vllm-project/vllm/_posts/"
                             "2025-12-10-vllm-project-vllm-1829-1h.md",
                             dir);
    char *real = realpath(want, NULL);
    assert_non_null(real);
    assert_string_equal(r->path, real);
    assert_int_equal(r->files.count, 2);
    assert_string_equal(r->files.items[0], real);
    char *json_path = dp_asprintf("%s.json", real);
    assert_string_equal(r->files.items[1], json_path);

    char *md = s_read_file(real);
    assert_string_equal(md, s_expected_report);
    char *js = s_read_file(json_path);
    json_t *back = json_loads(js, 0, NULL);
    json_t *orig = json_loads(s_digest_text, 0, NULL);
    assert_true(json_equal(back, orig));
    /* Pretty-printed with sorted keys, ending in a newline. */
    assert_true(strncmp(js, "{\n  \"counts\": {\n", 16) == 0);
    assert_true(js[strlen(js) - 1] == '\n');
    json_decref(back);
    json_decref(orig);
    dp_msg_clear(&reply);

    /* Again: the same report, files untouched. */
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, real, old, 0), 0);
    assert_int_equal(renderer_render(dir, RENDERER_FMT_MD | RENDERER_FMT_JSON,
                                     &msg.u.digest, &reply),
                     0);
    struct stat st;
    assert_int_equal(stat(real, &st), 0);
    assert_true(st.st_mtim.tv_sec == 1000000000);
    dp_msg_clear(&reply);

    /* Markdown only. */
    char *dir2 = s_tempdir();
    assert_int_equal(
        renderer_render(dir2, RENDERER_FMT_MD, &msg.u.digest, &reply), 0);
    assert_int_equal(reply.u.report.files.count, 1);
    dp_msg_clear(&reply);

    s_rmtree(dir2);
    dp_free(dir2);
    dp_free(js);
    dp_free(md);
    dp_free(json_path);
    free(real);
    dp_free(want);
    dp_msg_clear(&msg);
    s_rmtree(dir);
    dp_free(dir);
}

static void test_render_failures_become_status(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    dp_msg_t msg, reply;

    /* Bad JSON. */
    s_digest_msg(&msg, "{\"repo\": ");
    assert_int_equal(
        renderer_render(dir, RENDERER_FMT_MD, &msg.u.digest, &reply), DP_EJSON);
    assert_int_equal(reply.type, DP_MSG_STATUS);
    assert_string_equal(reply.u.status.service, "renderer");
    assert_string_equal(reply.u.status.state, "failed");
    assert_string_equal(reply.u.status.reply_to, "tag-1");
    assert_string_equal(reply.u.status.repo, "vllm-project/vllm");
    assert_int_equal(reply.u.status.win_from, T_FROM);
    assert_non_null(strstr(reply.u.status.message, "bad digest"));
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);

    /* No document. */
    s_digest_msg(&msg, "{}");
    dp_free(msg.u.digest.json);
    msg.u.digest.json = NULL;
    assert_int_equal(
        renderer_render(dir, RENDERER_FMT_MD, &msg.u.digest, &reply), DP_EJSON);
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);

    /* A file in the way of the site directory. */
    char *blocked = dp_asprintf("%s/vllm-project", dir);
    char err[128];
    assert_int_equal(dp_fs_write_atomic(blocked, "x", 1, NULL, err, sizeof err),
                     0);
    s_digest_msg(&msg, s_digest_text);
    assert_int_equal(
        renderer_render(dir, RENDERER_FMT_MD, &msg.u.digest, &reply), DP_EIO);
    assert_int_equal(reply.type, DP_MSG_STATUS);
    assert_string_equal(reply.u.status.state, "failed");
    assert_non_null(strstr(reply.u.status.message, blocked));
    assert_non_null(strstr(reply.u.status.message, strerror(ENOTDIR)) ||
                    strstr(reply.u.status.message, strerror(EEXIST)));
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);
    dp_free(blocked);
    s_rmtree(dir);
    dp_free(dir);
}

static void test_formats_parse(void **state)
{
    (void)state;
    unsigned flags = 0;
    char err[128] = "";
    assert_int_equal(renderer_formats_parse("md,json", &flags, err, sizeof err),
                     0);
    assert_int_equal(flags, RENDERER_FMT_MD | RENDERER_FMT_JSON);
    assert_int_equal(renderer_formats_parse(" json ", &flags, err, sizeof err),
                     0);
    assert_int_equal(flags, RENDERER_FMT_MD | RENDERER_FMT_JSON);
    assert_int_equal(renderer_formats_parse("", &flags, err, sizeof err), 0);
    assert_int_equal(flags, RENDERER_FMT_MD);
    assert_int_equal(
        renderer_formats_parse("md,json,html", &flags, err, sizeof err), 0);
    assert_int_equal(flags, RENDERER_FMT_MD | RENDERER_FMT_JSON |
                                RENDERER_FMT_HTML | RENDERER_FMT_ATOM);
    assert_int_equal(renderer_formats_parse("atom", &flags, err, sizeof err),
                     0);
    assert_int_equal(flags, RENDERER_FMT_MD | RENDERER_FMT_ATOM);
    assert_int_equal(
        renderer_formats_parse("md,pdf,html,rtf", &flags, err, sizeof err),
        DP_ECONFIG);
    assert_int_equal(flags,
                     RENDERER_FMT_MD | RENDERER_FMT_HTML | RENDERER_FMT_ATOM);
    assert_non_null(strstr(err, "\"pdf\", \"rtf\""));
}

/* ==== Publishing: revisions, front matter, HTML, indexes, feeds ==== */

static void test_revision_is_noted_near_the_top(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_object_set_new(doc, "revision", json_integer(3));
    char *md = s_render(doc);
    const char *stats = strstr(md, "> 数据统计: ");
    assert_non_null(stats);
    const char *note = strchr(stats, '\n') + 1;
    assert_true(strncmp(note,
                        "> 修订: 本报告为第 3 版，已按迟到的数据重写\n\n---\n",
                        strlen("> 修订: 本报告为第 3 版，已按迟到的数据重写"
                               "\n\n---\n")) == 0);
    assert_true(s_has_line(md, "- 修订: 第 3 版"));
    dp_free(md);
    json_object_set_new(doc, "lang", json_string("en"));
    md = s_render(doc);
    assert_true(s_has_line(md, "> Revised: this is revision 3 of this "
                               "report, rewritten for late data"));
    dp_free(md);
    /* Revision 1 says nothing. */
    json_object_set_new(doc, "revision", json_integer(1));
    md = s_render(doc);
    assert_null(strstr(md, "Revis"));
    dp_free(md);
    json_decref(doc);
}

/* The front matter of md parsed by libyaml (as Jekyll's YAML parser reads
 * it); returns the title scalar or NULL when it does not parse as a
 * mapping of plain keys. */
static char *s_yaml_title(const char *md)
{
    const char *end = strstr(md + 4, "\n---\n");
    assert_non_null(end);
    yaml_parser_t parser;
    yaml_event_t ev;
    char *title = NULL, *key = NULL;
    bool ok = true, in_map = false;
    assert_true(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)md + 4,
                                 (size_t)(end - md - 3));
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            ok = false;
            break;
        }
        yaml_event_type_t type = ev.type;
        if (type == YAML_MAPPING_START_EVENT)
            in_map = true;
        if (type == YAML_SCALAR_EVENT && in_map) {
            const char *v = (const char *)ev.data.scalar.value;
            if (!key) {
                key = dp_strdup(v);
            } else {
                if (strcmp(key, "title") == 0)
                    title = dp_strdup(v);
                dp_free(key);
                key = NULL;
            }
        }
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    dp_free(key);
    if (!ok) {
        dp_free(title);
        return NULL;
    }
    return title;
}

static void test_front_matter_is_yaml_for_hostile_names(void **state)
{
    (void)state;
    static const char *const names[] = {
        "vLLM",
        "{{ site.github.token }}",
        "{% include x %}",
        "a: b",
        "say \"hi\"",
        "'quoted'",
        "- dash",
        "# hash",
        "x\\y",
        "%percent",
        "@everyone",
        "`code`",
        "[x]: y",
        "a|b",
        "key: value # c",
        "?q",
        "!tag",
        "&anchor",
        "*alias",
        "> folded",
        "|literal",
        "null",
        "true",
        "1e3",
        "\xe2\x80\xae"
        "evil",
        "tab\there",
        "line\nbreak",
        "C#",
        "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *doc = s_digest();
        json_object_set_new(doc, "name", json_string(names[i]));
        char *md = s_render(doc);
        char *title = s_yaml_title(md);
        if (!title)
            fail_msg("name %s: front matter is not YAML:\n%.300s", names[i],
                     md);
        /* The title is the report's heading, as written. */
        const char *h1 = strstr(md, "\n# ");
        assert_non_null(h1);
        size_t n = strcspn(h1 + 3, "\n");
        if (strlen(title) != n || strncmp(title, h1 + 3, n) != 0)
            fail_msg("name %s: title %s is not the heading %.*s", names[i],
                     title, (int)n, h1 + 3);
        assert_null(strstr(md, "{{"));
        assert_null(strstr(md, "{%"));
        dp_free(title);
        dp_free(md);
        json_decref(doc);
    }
}

static size_t s_count_substr(const char *text, const char *sub)
{
    size_t n = 0;
    for (const char *p = strstr(text, sub); p; p = strstr(p + 1, sub))
        n++;
    return n;
}

static char *s_html(const char *md, bool inline_only)
{
    dp_buf_t out = DP_BUF_INIT;
    html_from_markdown(md, strlen(md), inline_only, &out);
    dp_buf_append(&out, "", 0);
    return dp_buf_take(&out);
}

static void test_html_is_cmark_safe_mode(void **state)
{
    (void)state;
    /* Raw HTML, even if some text got through unescaped, is dropped. */
    char *h = s_html("a <script>alert(1)</script> <img src=x onerror=x> b\n\n"
                     "<div onclick=x>block</div>\n",
                     false);
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "<img"));
    assert_null(strstr(h, "<div"));
    assert_non_null(strstr(h, "raw HTML omitted"));
    dp_free(h);
    /* Dangerous link and image URLs are emptied. */
    h = s_html("[a](javascript:alert(1)) [b](VBScript:x) [c](file:///etc) "
               "![d](data:text/html,x) <javascript:alert(1)>",
               false);
    assert_null(strstr(h, "href=\"javascript:"));
    assert_null(strstr(h, "href=\"VBScript:"));
    assert_null(strstr(h, "href=\"file:"));
    assert_null(strstr(h, "src=\"data:"));
    assert_int_equal(s_count_substr(h, "href=\"\""), 4);
    dp_free(h);
    /* Liquid comes out broken, and so do the entities dp_text wrote. */
    h = s_html("&#123;&#123; site.x &#125;&#125; &#123;% include y %&#125; "
               "`{\xe2\x80\x8b{ z }\xe2\x80\x8b}`",
               false);
    assert_null(strstr(h, "{{"));
    assert_null(strstr(h, "{%"));
    assert_null(strstr(h, "%}"));
    assert_null(strstr(h, "}}"));
    assert_non_null(strstr(h, "&#123;&#123; site.x &#125;&#125;"));
    dp_free(h);
    /* dp_text's <code> elements are code spans again. */
    h = s_html("title <code>&lt;think&gt;&#124;&#96;</code> end", true);
    assert_string_equal(h, "title <code>&lt;think&gt;|`</code> end");
    dp_free(h);
    /* Lines of a paragraph stay lines. */
    h = s_html("> one\n> two\n", false);
    assert_non_null(strstr(h, "one<br />\ntwo"));
    dp_free(h);
}

static void test_json_and_xml_escapes(void **state)
{
    (void)state;
    dp_buf_t out = DP_BUF_INIT;
    json_t *v = json_pack("{s:s}", "t",
                          "<script>{{ a }}{% b %}&\x7f\xc2\x85"
                          "\xe2\x80\xae\xe2\x80\xa8\xe2\x81\xa6\xd8\x9c ok");
    char *dumped = json_dumps(v, JSON_INDENT(2));
    html_json_safe(&out, dumped);
    assert_string_equal(out.data,
                        "{\n  \"t\": \"\\u003cscript\\u003e\\u007b\\u007b a "
                        "\\u007d\\u007d\\u007b% b %\\u007d\\u0026\\u007f"
                        "\\u0085\\u202e\\u2028\\u2066\\u061c ok\"\n}");
    json_t *back = json_loads(out.data, 0, NULL);
    assert_true(json_equal(back, v));
    json_decref(back);
    free(dumped);
    json_decref(v);
    dp_buf_reset(&out);
    html_escape(&out, "<a href=\"x\">'&'</a> {{ y }} {% z %}\x01\x7f\t");
    assert_string_equal(out.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
                                  "&lt;/a&gt; &#123;&#123; y &#125;&#125; "
                                  "&#123;% z %&#125;\t");
    dp_buf_free(&out);
}

/* Renders the example digest for a window starting at from, revision rev,
 * with formats, into dir. */
static void s_render_window(const char *dir, int64_t from, int64_t rev,
                            unsigned formats, const char *title)
{
    json_t *doc = s_digest();
    json_object_set_new(doc, "from", json_integer(from));
    json_object_set_new(doc, "to", json_integer(from + 3600));
    json_object_set_new(doc, "revision", json_integer(rev));
    if (title)
        json_object_set_new(s_item(doc, "new_prs", 0), "title",
                            json_string(title));
    char *text = json_dumps(doc, 0);
    dp_msg_t msg, reply;
    s_digest_msg(&msg, text);
    msg.u.digest.win_from = from;
    msg.u.digest.win_to = from + 3600;
    msg.u.digest.revision = rev;
    assert_int_equal(renderer_render(dir, formats, &msg.u.digest, &reply), 0);
    assert_int_equal(reply.type, DP_MSG_REPORT);
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);
    free(text);
    json_decref(doc);
}

static char *s_site_file(const char *dir, const char *rel)
{
    char *path = dp_asprintf("%s/%s", dir, rel);
    char *text = s_read_file(path);
    if (!text)
        fail_msg("%s is missing", path);
    dp_free(path);
    return text;
}

#define T_REPO_DIR "vllm-project/vllm/"
#define T_BASE(hhmm) "2025-12-10-vllm-project-vllm-" hhmm "-1h"

static void test_html_page_is_standalone_and_safe(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    unsigned all = RENDERER_FMT_MD | RENDERER_FMT_JSON | RENDERER_FMT_HTML |
                   RENDERER_FMT_ATOM;
    s_render_window(dir, T_FROM, 1, all,
                    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
                    "{% include secrets.txt %} {{ site.github.token }} "
                    "[x](javascript:alert(1)) `<think>` @everyone a|b");
    char *page = s_site_file(dir, T_REPO_DIR T_BASE("1829") ".html");
    assert_true(strncmp(page, "<!doctype html>\n<html lang=\"zh-CN\">", 35) ==
                0);
    assert_non_null(strstr(page, "<meta name=\"viewport\" "
                                 "content=\"width=device-width, "
                                 "initial-scale=1\">"));
    assert_non_null(strstr(page, "<meta http-equiv=\"Content-Security-Policy\" "
                                 "content=\"default-src 'none'; "));
    assert_non_null(strstr(page, "<title>vLLM 开发动态报告 - "
                                 "2025-12-10</title>"));
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "<img"));
    assert_null(strstr(page, "javascript:alert(1)\""));
    assert_null(strstr(page, "{{"));
    assert_null(strstr(page, "{%"));
    assert_null(strstr(page, "%}"));
    assert_null(strstr(page, "}}"));
    assert_non_null(strstr(page, "<code>&lt;think&gt;</code>"));
    /* The footer is set apart, last. */
    const char *footer =
        strstr(page, "<footer>\n<h3>🩺 数据与运行状态</h3>");
    assert_non_null(footer);
    assert_null(strstr(footer, "<main"));
    assert_non_null(strstr(page, "<a href=\"" T_BASE("1829") ".json\">"));
    /* The JSON beside it is the digest, inert. */
    char *js = s_site_file(dir, T_REPO_DIR T_BASE("1829") ".json");
    char *js2 =
        s_site_file(dir, T_REPO_DIR "_posts/" T_BASE("1829") ".md.json");
    assert_string_equal(js, js2);
    assert_null(strchr(js, '<'));
    assert_null(strstr(js, "{%"));
    dp_free(js2);
    dp_free(js);
    dp_free(page);
    s_rmtree(dir);
    dp_free(dir);
}

/* Modification time of dir/rel. */
static long long s_mtime(const char *dir, const char *rel)
{
    char *path = dp_asprintf("%s/%s", dir, rel);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    dp_free(path);
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

static void s_age(const char *dir, const char *rel)
{
    char *path = dp_asprintf("%s/%s", dir, rel);
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    dp_free(path);
}

static void test_indexes_and_feed_newest_first_idempotent(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    unsigned all = RENDERER_FMT_MD | RENDERER_FMT_JSON | RENDERER_FMT_HTML |
                   RENDERER_FMT_ATOM;
    /* Written out of order: 19:29, 17:29, 18:29 (UTC+8). */
    s_render_window(dir, T_FROM + 3600, 1, all, NULL);
    s_render_window(dir, T_FROM - 3600, 1, all, NULL);
    s_render_window(dir, T_FROM, 1, all, "{{ x }} <b>bold</b>");
    char *index = s_site_file(dir, T_REPO_DIR "index.html");
    const char *a = strstr(index, "href=\"" T_BASE("1929") ".html\"");
    const char *b = strstr(index, "href=\"" T_BASE("1829") ".html\"");
    const char *c = strstr(index, "href=\"" T_BASE("1729") ".html\"");
    assert_true(a && b && c && a < b && b < c);
    assert_non_null(strstr(index, "2025-12-10 18:29 (UTC+8) ~ 2025-12-10 "
                                  "19:29 (UTC+8)"));
    char *site = s_site_file(dir, "index.html");
    a = strstr(site, "href=\"vllm-project/vllm/" T_BASE("1929") ".html\"");
    c = strstr(site, "href=\"vllm-project/vllm/" T_BASE("1729") ".html\"");
    assert_true(a && c && a < c);
    assert_non_null(strstr(site, "href=\"vllm-project/vllm/index.html\""));
    char *feed = s_site_file(dir, T_REPO_DIR "feed.xml");
    assert_true(strncmp(feed,
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                        "<feed xmlns=\"http://www.w3.org/2005/Atom\"",
                        80) == 0);
    assert_non_null(strstr(feed, "<updated>2025-12-10T12:29:00Z</updated>\n"
                                 "<link rel=\"self\""));
    a = strstr(feed, "<id>urn:devpulse:report:vllm-project/vllm:" T_BASE(
                         "1929") "</id>");
    b = strstr(feed,
               "<link rel=\"alternate\" type=\"text/html\" href=\"" T_BASE(
                   "1829") ".html\"/>\n<updated>2025-12-10T11:29:00Z"
                           "</updated>");
    assert_true(a && b && a < b);
    assert_null(strstr(feed, "{{"));
    assert_null(strstr(feed, "<b>"));
    assert_null(strstr(feed, "<p>"));
    assert_non_null(strstr(feed, "&lt;p&gt;Summary text."));

    /* The same digests again: nothing is rewritten. */
    static const char *const rels[] = {
        T_REPO_DIR "index.html", T_REPO_DIR "feed.xml", "index.html",
        T_REPO_DIR T_BASE("1829") ".html",
        T_REPO_DIR "_posts/" T_BASE("1829") ".md"};
    size_t nrels = sizeof rels / sizeof rels[0];
    for (size_t i = 0; i < nrels; i++)
        s_age(dir, rels[i]);
    s_render_window(dir, T_FROM, 1, all, "{{ x }} <b>bold</b>");
    for (size_t i = 0; i < nrels; i++)
        if (s_mtime(dir, rels[i]) != 1000000000LL * 1000000000LL)
            fail_msg("%s was rewritten", rels[i]);

    /* A revised window rewrites its files and says so. */
    s_render_window(dir, T_FROM, 2, all, "{{ x }} <b>bold</b> late");
    for (size_t i = 0; i < nrels; i++)
        if (i != 2 && s_mtime(dir, rels[i]) == 1000000000LL * 1000000000LL)
            fail_msg("%s was not rewritten", rels[i]);
    char *page = s_site_file(dir, T_REPO_DIR T_BASE("1829") ".html");
    assert_non_null(strstr(page, "修订: 本报告为第 2 版"));
    char *index2 = s_site_file(dir, T_REPO_DIR "index.html");
    assert_non_null(strstr(index2, "修订: 本报告为第 2 版"));
    dp_free(index2);
    dp_free(page);
    dp_free(feed);
    dp_free(site);
    dp_free(index);
    s_rmtree(dir);
    dp_free(dir);
}

/* ==== Time zones and partial windows ==== */

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    if (dp_time_parse(iso, &t, NULL) != 0)
        fail_msg("could not parse %s", iso);
    return t;
}

/* The example digest moved to [from, to) in zone, its four items at the
 * given times (new PRs #30385 and #30384, closed issue #30382, closed PR
 * #30349), its data complete until complete. */
static json_t *s_zoned_digest(const char *lang, const char *zone,
                              const char *from, const char *to,
                              const char *const at[4], const char *complete)
{
    json_t *doc = s_digest();
    int offset = 0;
    assert_int_equal(dp_tz_offset(zone, s_at(from), &offset), 0);
    json_object_set_new(doc, "lang", json_string(lang));
    json_object_set_new(doc, "tz", json_string(zone));
    json_object_set_new(doc, "tz_offset", json_integer(offset));
    json_object_set_new(doc, "from", json_integer(s_at(from)));
    json_object_set_new(doc, "to", json_integer(s_at(to)));
    json_object_set_new(s_item(doc, "new_prs", 0), "at",
                        json_integer(s_at(at[0])));
    json_object_set_new(s_item(doc, "new_prs", 1), "at",
                        json_integer(s_at(at[1])));
    json_object_set_new(s_item(doc, "closed_issues", 0), "at",
                        json_integer(s_at(at[2])));
    json_object_set_new(s_item(doc, "closed_prs", 0), "at",
                        json_integer(s_at(at[3])));
    json_object_set_new(json_object_get(doc, "health"), "complete_until",
                        json_integer(s_at(complete)));
    return doc;
}

static void s_lines(const char *md, const char *const *lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_has_line(md, lines[i]))
            fail_msg("line not found: %s\n---\n%s", lines[i], md);
}

/* New York leaves daylight saving time on 2025-11-02 at 02:00 EDT: 01:30
 * comes twice, first at UTC-4, then at UTC-5. */
static const char *const s_ny_at[4] = {
    "2025-11-02T01:30-04:00", "2025-11-02T01:30-05:00",
    "2025-11-02T23:59-05:00", "2025-11-02T00:05-04:00"};

static void test_dst_day_shows_each_time_in_its_own_offset(void **state)
{
    (void)state;
    json_t *doc = s_zoned_digest(
        "zh", "America/New_York", "2025-11-02T00:00-04:00",
        "2025-11-03T00:00-05:00", s_ny_at, "2025-11-03T00:00-05:00");
    char *md = s_render(doc);
    static const char *const zh[] = {
        "title: vLLM 开发动态报告 - 2025-11-02",
        "date: 2025-11-02",
        "# vLLM 开发动态报告 - 2025-11-02",
        "> 时间窗口: 2025-11-02 00:00 (UTC-4) ~ 2025-11-03 00:00 (UTC-5)",
        "- [#30385](https://github.com/vllm-project/vllm/pull/30385) [Core] "
        "Whisper support `torch.compile` — v1 — by NickLucche (创建于: "
        "2025-11-02 01:30 (UTC-4))",
        "- [#30384](https://github.com/vllm-project/vllm/pull/30384) [BugFix] "
        "Fix minimax m2 model rotary_dim — ready — by rogeryoungh (创建于: "
        "2025-11-02 01:30 (UTC-5))",
        "- [#30382](https://github.com/vllm-project/vllm/issues/30382) [Bug]: "
        "Issues with mistralai/Ministral-3-14B-Instruct-2512 — bug — by "
        "eltorre (关闭于: 2025-11-02 23:59 (UTC-5))",
        "- [#30349](https://github.com/vllm-project/vllm/pull/30349) [BugFix] "
        "Fix minimax m2 model rope_parameters — 无标签 — by esmeetu (关闭于: "
        "2025-11-02 00:05 (UTC-4))",
        "- 数据完整至: 2025-11-03 00:00 (UTC-5)",
    };
    s_lines(md, zh, sizeof zh / sizeof zh[0]);
    assert_int_equal(s_count_prefixed(md, "> 部分数据"), 0);
    /* 25 hours from midnight to midnight are one day. */
    char *path = NULL;
    assert_int_equal(renderer_paths(doc, "site", &path), 0);
    assert_string_equal(path, "site/vllm-project/vllm/_posts/"
                              "2025-11-02-vllm-project-vllm-0000-1d.md");
    dp_free(path);
    dp_free(md);
    json_decref(doc);

    doc = s_zoned_digest("en", "America/New_York", "2025-11-02T00:00-04:00",
                         "2025-11-03T00:00-05:00", s_ny_at,
                         "2025-11-02T12:00-05:00");
    md = s_render(doc);
    static const char *const en[] = {
        "title: vLLM Development Report - 2025-11-02",
        "> Window: 2025-11-02 00:00 (UTC-4) ~ 2025-11-03 00:00 (UTC-5)",
        "> Partial: data up to 2025-11-02 12:00 (UTC-5)",
        "- Partial: data up to 2025-11-02 12:00 (UTC-5)",
    };
    s_lines(md, en, sizeof en / sizeof en[0]);
    assert_non_null(strstr(md, "(created: 2025-11-02 01:30 (UTC-4))\n"));
    assert_non_null(strstr(md, "(created: 2025-11-02 01:30 (UTC-5))\n"));
    assert_null(strstr(md, "Data complete until"));
    dp_free(md);
    json_decref(doc);
}

/* Berlin enters summer time on 2025-03-30 at 02:00 CET; the week from
 * Monday 2025-03-24 lasts 167 hours. */
static void test_dst_week_shows_each_time_in_its_own_offset(void **state)
{
    (void)state;
    static const char *const at[4] = {
        "2025-03-30T01:30+01:00", "2025-03-30T03:30+02:00",
        "2025-03-24T00:00+01:00", "2025-03-30T23:59+02:00"};
    json_t *doc =
        s_zoned_digest("zh", "Europe/Berlin", "2025-03-24T00:00+01:00",
                       "2025-03-31T00:00+02:00", at, "2025-03-31T00:00+02:00");
    char *md = s_render(doc);
    static const char *const zh[] = {
        "date: 2025-03-24",
        "> 时间窗口: 2025-03-24 00:00 (UTC+1) ~ 2025-03-31 00:00 (UTC+2)",
        "- 数据完整至: 2025-03-31 00:00 (UTC+2)",
    };
    s_lines(md, zh, sizeof zh / sizeof zh[0]);
    assert_non_null(strstr(md, "(创建于: 2025-03-30 01:30 (UTC+1))\n"));
    assert_non_null(strstr(md, "(创建于: 2025-03-30 03:30 (UTC+2))\n"));
    assert_non_null(strstr(md, "(关闭于: 2025-03-24 00:00 (UTC+1))\n"));
    assert_non_null(strstr(md, "(关闭于: 2025-03-30 23:59 (UTC+2))\n"));
    dp_free(md);

    /* The files: the week's name, its page and the feed's instant. */
    char *dir = s_tempdir();
    char *text = json_dumps(doc, 0);
    dp_msg_t msg, reply;
    s_render_all(dir, text, &msg, &reply);
    const char *want = "/vllm-project/vllm/_posts/"
                       "2025-03-24-vllm-project-vllm-0000-7d.md";
    size_t len = strlen(reply.u.report.path), wlen = strlen(want);
    assert_true(len > wlen &&
                strcmp(reply.u.report.path + len - wlen, want) == 0);
    char *page = s_site_file(dir, "vllm-project/vllm/"
                                  "2025-03-24-vllm-project-vllm-0000-7d.html");
    assert_non_null(strstr(page, "2025-03-24 00:00 (UTC+1) ~ 2025-03-31 "
                                 "00:00 (UTC+2)"));
    char *feed = s_site_file(dir, "vllm-project/vllm/feed.xml");
    assert_non_null(strstr(feed, "<updated>2025-03-30T22:00:00Z</updated>"));
    dp_free(feed);
    dp_free(page);
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);
    free(text);
    s_rmtree(dir);
    dp_free(dir);
    json_decref(doc);
}

static void test_partial_window_is_marked_in_header_and_footer(void **state)
{
    (void)state;
    json_t *doc = s_digest();
    json_t *health = json_object_get(doc, "health");
    /* Data up to 19:05 of a window that ends at 19:29 (UTC+8). */
    json_object_set_new(health, "complete_until",
                        json_integer(T_FROM + 36 * 60));
    char *md = s_render(doc);
    assert_non_null(strstr(md,
                           "> 数据统计: 新 Issue 0 | 关闭 Issue 1 | 新 PR 2 "
                           "| 合并 PR 0 | 关闭未合并 PR 1\n"
                           "> 部分数据: 数据截至 2025-12-10 19:05 (UTC+8)\n"
                           "\n---\n"));
    assert_true(
        s_has_line(md, "- 部分数据: 数据截至 2025-12-10 19:05 (UTC+8)"));
    assert_int_equal(s_count_prefixed(md, "- 数据完整至"), 0);
    dp_free(md);

    json_object_set_new(doc, "lang", json_string("en"));
    md = s_render(doc);
    assert_true(
        s_has_line(md, "> Partial: data up to 2025-12-10 19:05 (UTC+8)"));
    assert_true(
        s_has_line(md, "- Partial: data up to 2025-12-10 19:05 (UTC+8)"));
    dp_free(md);

    /* Nothing read at all is partial too; complete to the end is not. */
    json_object_set_new(health, "complete_until", json_integer(0));
    md = s_render(doc);
    assert_true(s_has_line(md, "> Partial: data up to unknown"));
    dp_free(md);
    json_object_set_new(health, "complete_until", json_integer(T_TO));
    md = s_render(doc);
    assert_int_equal(s_count_prefixed(md, "> Partial"), 0);
    assert_true(
        s_has_line(md, "- Data complete until: 2025-12-10 19:29 (UTC+8)"));
    dp_free(md);
    json_decref(doc);
}

static void test_fixed_or_unknown_zone_changes_nothing(void **state)
{
    (void)state;
    static const char *const zones[] = {"+08:00", "UTC+8", "Asia/Shanghai",
                                        "Mars/Olympus", "../../etc/passwd"};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        json_t *doc = s_digest();
        json_object_set_new(doc, "tz", json_string(zones[i]));
        char *md = s_render(doc);
        if (strcmp(md, s_expected_report) != 0)
            fail_msg("zone %s changed the report:\n%s", zones[i], md);
        dp_free(md);
        json_decref(doc);
    }
    json_t *doc = s_digest();
    json_object_set_new(doc, "tz", json_integer(8));
    dp_buf_t out = DP_BUF_INIT;
    char err[256] = "";
    assert_int_equal(renderer_markdown(doc, &out, err, sizeof err), DP_EJSON);
    assert_non_null(strstr(err, "tz"));
    dp_buf_free(&out);
    json_decref(doc);
}

#define T_NY_BASE "2025-11-02-vllm-project-vllm-0100-1h"
/* The two hours that start at 01:00 on 2025-11-02 in New York get two
 * files, listed newest first. */
static void test_repeated_hour_gets_its_own_file(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    static const char *const starts[] = {"2025-11-02T01:00-04:00",
                                         "2025-11-02T01:00-05:00"};
    static const char *const names[] = {
        "2025-11-02-vllm-project-vllm-0100-1h",
        "2025-11-02-vllm-project-vllm-0100-1h-2"};
    for (size_t i = 0; i < 2; i++) {
        int64_t from = s_at(starts[i]);
        const char *at[4] = {starts[i], starts[i], starts[i], starts[i]};
        json_t *doc = s_zoned_digest("en", "America/New_York", starts[i],
                                     starts[i], at, starts[i]);
        json_object_set_new(doc, "to", json_integer(from + 3600));
        json_object_set_new(json_object_get(doc, "health"), "complete_until",
                            json_integer(from + 3600));
        char *path = NULL;
        assert_int_equal(renderer_paths(doc, "site", &path), 0);
        char *want =
            dp_asprintf("site/vllm-project/vllm/_posts/%s.md", names[i]);
        assert_string_equal(path, want);
        dp_free(want);
        dp_free(path);
        char *text = json_dumps(doc, 0);
        dp_msg_t msg, reply;
        s_digest_msg(&msg, text);
        assert_int_equal(renderer_render(dir,
                                         RENDERER_FMT_MD | RENDERER_FMT_HTML,
                                         &msg.u.digest, &reply),
                         0);
        dp_msg_clear(&reply);
        dp_msg_clear(&msg);
        free(text);
        json_decref(doc);
    }
    char *index = s_site_file(dir, "vllm-project/vllm/index.html");
    const char *second = strstr(index, "href=\"" T_NY_BASE "-2.html\"");
    const char *first = strstr(index, "href=\"" T_NY_BASE ".html\"");
    assert_true(first && second && second < first);
    assert_non_null(strstr(index, "2025-11-02 01:00 (UTC-5) ~ 2025-11-02 "
                                  "02:00 (UTC-5)"));
    assert_non_null(strstr(index, "2025-11-02 01:00 (UTC-4) ~ 2025-11-02 "
                                  "01:00 (UTC-5)"));
    dp_free(index);
    s_rmtree(dir);
    dp_free(dir);
}

/* ==== The service over real sockets ==== */

static void test_service_answers_digest_with_report(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    char *in = dp_asprintf("@ipc://%s/in", dir);
    char *pub = dp_asprintf("@ipc://%s/pub", dir);
    char *site = dp_asprintf("%s/site", dir);
    renderer_cfg_t cfg = {site, "md,json,html", in, pub, 1 << 20, NULL};
    renderer_t *r = renderer_new(&cfg);
    assert_non_null(r);

    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    char *push_ep = dp_asprintf(">ipc://%s/in", dir);
    char *sub_ep = dp_asprintf(">ipc://%s/pub", dir);
    dp_sock_t *push = dp_sock_new(bus, ZMQ_PUSH, push_ep);
    dp_sock_t *sub = dp_sock_new(bus, ZMQ_SUB, sub_ep);
    assert_non_null(push);
    assert_non_null(sub);
    assert_int_equal(dp_sock_subscribe(sub, ""), 0);
    /* Let the subscription reach the publisher. */
    struct timespec pause = {0, 200L * 1000 * 1000};
    nanosleep(&pause, NULL);

    /* A frame that is not a message, and a message of another type. */
    assert_int_equal(dp_sock_send(push, NULL, "\xc1junk", 5, false), 0);
    dp_msg_t other = {.type = DP_MSG_STATUS};
    other.u.status.repo = dp_strdup("a/b");
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(dp_msg_encode(&other, &frame), 0);
    assert_int_equal(dp_sock_send(push, NULL, frame.data, frame.len, false), 0);
    dp_msg_clear(&other);
    dp_buf_reset(&frame);

    dp_msg_t msg;
    s_digest_msg(&msg, s_digest_text);
    assert_int_equal(dp_msg_encode(&msg, &frame), 0);
    assert_int_equal(dp_sock_send(push, NULL, frame.data, frame.len, false), 0);
    dp_msg_clear(&msg);

    for (int i = 0; i < 3; i++)
        assert_int_equal(renderer_step(r, T_RECV_MS), 0);
    assert_int_equal(renderer_bad_frames(r), 2);

    dp_buf_t subject = DP_BUF_INIT;
    assert_int_equal(dp_sock_recv(sub, &subject, &frame, 1 << 20, T_RECV_MS),
                     0);
    assert_string_equal(subject.data, "report.vllm-project/vllm");
    dp_msg_t reply;
    char err[256];
    assert_int_equal(
        dp_msg_decode(frame.data, frame.len, 1 << 20, &reply, err, sizeof err),
        0);
    assert_int_equal(reply.type, DP_MSG_REPORT);
    assert_string_equal(reply.u.report.reply_to, "tag-1");
    /* md, md.json, the page, its JSON, the repository index, the feed and
     * the site index. */
    assert_int_equal(reply.u.report.files.count, 7);
    assert_non_null(strstr(reply.u.report.files.items[2], "-1829-1h.html"));
    assert_non_null(strstr(reply.u.report.files.items[6], "/site/index.html"));
    assert_true(reply.u.report.path[0] == '/');
    assert_non_null(strstr(reply.u.report.path,
                           "/site/vllm-project/vllm/_posts/"
                           "2025-12-10-vllm-project-vllm-1829-1h.md"));
    dp_msg_clear(&reply);

    /* A digest with broken JSON: counted, answered with STATUS. */
    s_digest_msg(&msg, "[1,");
    dp_buf_reset(&frame);
    assert_int_equal(dp_msg_encode(&msg, &frame), 0);
    assert_int_equal(dp_sock_send(push, NULL, frame.data, frame.len, false), 0);
    dp_msg_clear(&msg);
    assert_int_equal(renderer_step(r, T_RECV_MS), 0);
    assert_int_equal(renderer_bad_frames(r), 3);
    assert_int_equal(dp_sock_recv(sub, &subject, &frame, 1 << 20, T_RECV_MS),
                     0);
    assert_string_equal(subject.data, "status.vllm-project/vllm");
    assert_int_equal(renderer_step(r, 10), DP_EAGAIN);

    dp_buf_free(&subject);
    dp_buf_free(&frame);
    dp_bus_destroy(&bus);
    renderer_destroy(&r);
    renderer_destroy(&r);
    assert_null(r);
    s_rmtree(dir);
    dp_free(push_ep);
    dp_free(sub_ep);
    dp_free(site);
    dp_free(pub);
    dp_free(in);
    dp_free(dir);
}

/* ==== A forged digest ==== */

/* What a forged DIGEST puts in every string. */
#define T_EVIL                                                                 \
    "{% include secrets.txt %} {{ site.github.token }} "                       \
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "                  \
    "[x](javascript:alert(1)) @everyone \xE2\x80\xAE"                          \
    "evil\xE2\x80\xAC"

/* A multi-line section made of T_EVIL in the places Markdown gives
 * meaning to. */
#define T_EVIL_MD                                                              \
    T_EVIL "\n- " T_EVIL "\n    1. **" T_EVIL "**\n> " T_EVIL "\n[r]: "        \
           "javascript:alert(1)\n<div>" T_EVIL "</div>\n"                      \
           "![i](https://github.com/a.png)"

/* The example digest with T_EVIL in every string a digest can hold. */
static json_t *s_forged(void)
{
    json_t *doc = s_digest();
    static const char *const top[] = {"name", "lang", "tz", "tz_label"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        json_object_set_new(doc, top[i], json_string(T_EVIL));
    static const char *const lists[] = {"new_issues", "closed_issues",
                                        "new_prs", "merged_prs", "closed_prs"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        json_t *item =
            json_pack("{s:i, s:b, s:s, s:s, s:s, s:[s,s], s:i, s:s}", "number",
                      7, "pr", i >= 2, "title", T_EVIL, "url",
                      "javascript:alert(1)", "author", T_EVIL, "labels", T_EVIL,
                      "bug", "at", T_FROM + 60, "category", T_EVIL);
        json_array_append_new(s_list(doc, lists[i]), item);
    }
    json_object_set_new(
        doc, "topics",
        json_pack("[{s:s, s:s, s:s, s:[{s:i, s:s, s:s, s:[s]}]}]", "id", T_EVIL,
                  "title", T_EVIL, "short", T_EVIL, "items", "number", 7,
                  "title", T_EVIL, "url", T_EVIL, "reasons", T_EVIL));
    json_t *sections = json_object();
    static const char *const keys[] = {"summary", "hot",      "trends",
                                       "changes", "activity", "watch"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        json_object_set_new(sections, keys[i], json_string(T_EVIL_MD));
    json_object_set_new(sections, "topics",
                        json_pack("{s:s}", T_EVIL, T_EVIL_MD));
    json_object_set_new(doc, "sections", sections);
    json_object_set_new(doc, "facts", json_pack("{s:s}", "quote", T_EVIL));
    json_t *health = json_object_get(doc, "health");
    json_object_set_new(health, "writer", json_string(T_EVIL));
    json_object_set_new(health, "problems", json_pack("[s]", T_EVIL));
    json_object_set_new(health, "llm_sections", json_pack("[s]", T_EVIL));
    return doc;
}

/* Fails when text (the file path) holds a trace of T_EVIL that acts:
 * a Liquid delimiter, a tag, a script link, a mention, a bidi override. */
static void s_inert(const char *path, const char *text)
{
    static const char *const never[] = {
        "{{",        "{%",           "%}",           "}}",
        "<script",   "<img",         "<div>",        "href=\"javascript",
        "@everyone", "\xE2\x80\xAE", "\xE2\x80\xAC", "src=\"https"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strstr(text, never[i]))
            fail_msg("%s holds \"%s\"", path, never[i]);
    /* In the Markdown, a link to javascript: is only ever text, after an
     * escaped "]", and no link reference definition forms (the HTML shows
     * that text; the JSON holds titles as data, escaped). */
    size_t len = strlen(path);
    if (len < 3 || strcmp(path + len - 3, ".md") != 0)
        return;
    if (strstr(text, "\n[r]:"))
        fail_msg("%s defines a link", path);
    for (const char *p = strstr(text, "](javascript"); p;
         p = strstr(p + 1, "](javascript"))
        if (p == text || p[-1] != '\\')
            fail_msg("%s links javascript: %.40s", path, p);
}

static void test_forged_digest_leaves_no_trace_in_any_file(void **state)
{
    (void)state;
    char *dir = s_tempdir();
    char *real_dir = realpath(dir, NULL);
    json_t *doc = s_forged();
    char *text = json_dumps(doc, 0);
    dp_msg_t msg, reply;
    s_render_all(dir, text, &msg, &reply);
    /* md, md.json, html, json, repository index, feed, site index */
    assert_int_equal(reply.u.report.files.count, 7);
    for (size_t i = 0; i < reply.u.report.files.count; i++) {
        const char *path = reply.u.report.files.items[i];
        assert_true(strncmp(path, real_dir, strlen(real_dir)) == 0);
        char *body = s_read_file(path);
        assert_non_null(body);
        s_inert(path, body);
        dp_free(body);
    }
    /* The text itself is still there, shown rather than run. */
    char *md = s_read_file(reply.u.report.path);
    assert_non_null(strstr(md, "&#123;% include secrets.txt %&#125;"));
    assert_non_null(strstr(md, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(md, "@\xE2\x80\x8B"
                               "everyone"));
    /* The JSON beside the report holds the sections the report shows. */
    char *js_path = dp_asprintf("%s.json", reply.u.report.path);
    char *js = s_read_file(js_path);
    json_t *back = json_loads(js, 0, NULL);
    assert_non_null(back);
    const char *summary = json_string_value(
        json_object_get(json_object_get(back, "sections"), "summary"));
    assert_non_null(summary);
    assert_null(strstr(summary, "{%"));
    assert_non_null(strstr(md, "&#123;% include"));
    assert_string_equal(json_string_value(json_object_get(back, "name")),
                        T_EVIL);
    json_decref(back);
    dp_free(js);
    dp_free(js_path);
    dp_free(md);
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);
    free(text);
    json_decref(doc);
    free(real_dir);
    s_rmtree(dir);
    dp_free(dir);
}

/* Renders doc into the empty dir, which must fail as a bad digest with a
 * STATUS and leave dir empty. */
static void s_refused(const char *dir, const json_t *doc)
{
    char *text = json_dumps(doc, 0);
    dp_msg_t msg, reply;
    s_digest_msg(&msg, text);
    unsigned formats = RENDERER_FMT_MD | RENDERER_FMT_HTML;
    assert_int_equal(renderer_render(dir, formats, &msg.u.digest, &reply),
                     DP_EJSON);
    assert_int_equal(reply.type, DP_MSG_STATUS);
    assert_int_equal(s_dir_entries(dir), 0);
    dp_msg_clear(&reply);
    dp_msg_clear(&msg);
    free(text);
}

static void test_forged_repo_cannot_leave_the_output_dir(void **state)
{
    (void)state;
    static const char *const repos[] = {
        "../../etc",    "/tmp/x", "a/../../b", "..//x", "./.",
        "o/r/_posts/x", "o\\r/x", "o/r%2f..",  "o/..",  "",
        "o/r\nx",       "o/ r",   "o/r x",     "o/r:x", NULL};
    char *dir = s_tempdir();
    for (size_t i = 0; repos[i]; i++) {
        json_t *doc = s_digest();
        json_object_set_new(doc, "repo", json_string(repos[i]));
        s_refused(dir, doc);
        json_decref(doc);
    }
    /* A name longer than GitHub allows, and a NUL inside one. */
    char *long_repo = dp_asprintf("o/%0200d", 1);
    json_t *doc = s_digest();
    json_object_set_new(doc, "repo", json_string(long_repo));
    char *text = json_dumps(doc, 0);
    char *nul = dp_strdup(s_digest_text);
    char *at = strstr(nul, "vllm-project/vllm");
    memcpy(at + 4, "\\u0000", 6);
    const char *bodies[] = {text, nul};
    for (size_t i = 0; i < 2; i++) {
        dp_msg_t msg, reply;
        s_digest_msg(&msg, bodies[i]);
        assert_int_equal(
            renderer_render(dir, RENDERER_FMT_MD, &msg.u.digest, &reply),
            DP_EJSON);
        assert_int_equal(s_dir_entries(dir), 0);
        dp_msg_clear(&reply);
        dp_msg_clear(&msg);
    }
    dp_free(nul);
    free(text);
    json_decref(doc);
    dp_free(long_repo);
    s_rmtree(dir);
    dp_free(dir);
}

/* ==== The chart (chart.h) ==== */

static void test_chart_has_five_lines_of_every_window(void **state)
{
    (void)state;
    chart_point_t pts[CHART_MAX + 3];
    memset(pts, 0, sizeof pts);
    for (size_t i = 0; i < CHART_MAX + 3; i++) {
        snprintf(pts[i].label, sizeof pts[i].label, "<b>%zu&", i);
        for (int s = 0; s < CHART_SERIES; s++)
            pts[i].counts[s] = (long)(i * (size_t)(s + 1));
    }
    dp_buf_t b = DP_BUF_INIT;
    chart_svg(&b, pts, 13, false);
    assert_non_null(b.data);
    assert_int_equal(s_count_substr(b.data, "<svg"), 1);
    assert_int_equal(s_count_substr(b.data, "class=\"series\""), CHART_SERIES);
    assert_non_null(strstr(b.data, "data-points=\"13\""));
    const char *line = strstr(b.data, "class=\"series\" points=\"");
    const char *end = strchr(line + strlen("class=\"series\" points=\""), '"');
    size_t commas = 0;
    for (const char *p = line; p < end; p++)
        commas += *p == ',';
    assert_int_equal(commas, 13);
    /* Labels are text: escaped, no markup of their own. */
    assert_null(strstr(b.data, "<b>"));
    assert_non_null(strstr(b.data, "&lt;b&gt;0&amp;"));
    assert_null(strstr(b.data, "<script"));
    assert_non_null(strstr(b.data, "New issues"));
    dp_buf_free(&b);
    /* Too many: the newest CHART_MAX; one: nothing. */
    chart_svg(&b, pts, CHART_MAX + 3, true);
    assert_non_null(strstr(b.data, "data-points=\"25\""));
    assert_non_null(strstr(b.data, "新 Issue"));
    dp_buf_free(&b);
    chart_svg(&b, pts, 1, true);
    assert_int_equal(b.len, 0);
    dp_buf_free(&b);
}

static void test_chart_reads_stats_lines(void **state)
{
    (void)state;
    long c[CHART_SERIES];
    assert_true(chart_counts_of_stats("New issues 73 | Closed issues 31 | New "
                                      "PRs 91 | Merged PRs 40 | PRs closed "
                                      "unmerged 12",
                                      c));
    assert_int_equal(c[0], 73);
    assert_int_equal(c[4], 12);
    assert_true(chart_counts_of_stats(
        "新 Issue 8 | 关闭 Issue 1 | 新 PR 1 | 合并 PR 1 | 关闭未合并 PR 1",
        c));
    assert_int_equal(c[0], 8);
    assert_false(chart_counts_of_stats("New issues 73 | Closed issues", c));
    assert_false(chart_counts_of_stats("a 1 | b 2 | c 3 | d 4 | e "
                                       "99999999999999999999",
                                       c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown_matches_example_header_and_appendix),
        cmocka_unit_test(test_markdown_whole_layout),
        cmocka_unit_test(test_capped_list_says_the_rest_is_not_available),
        cmocka_unit_test(test_markdown_appends_to_out),
        cmocka_unit_test(test_appendix_line_shapes),
        cmocka_unit_test(test_untrusted_urls_are_rebuilt),
        cmocka_unit_test(test_markdown_english),
        cmocka_unit_test(test_health_lines_zh),
        cmocka_unit_test(test_health_names_llm_sections),
        cmocka_unit_test(test_health_llm_lines),
        cmocka_unit_test(test_hostile_titles_stay_on_one_line),
        cmocka_unit_test(test_front_matter_quotes_only_when_needed),
        cmocka_unit_test(test_malformed_digest_is_refused),
        cmocka_unit_test(test_paths_name_window_lengths),
        cmocka_unit_test(test_write_is_atomic_and_idempotent),
        cmocka_unit_test(test_write_errors_name_the_path),
        cmocka_unit_test(test_render_writes_report_and_digest),
        cmocka_unit_test(test_render_failures_become_status),
        cmocka_unit_test(test_formats_parse),
        cmocka_unit_test(test_revision_is_noted_near_the_top),
        cmocka_unit_test(test_front_matter_is_yaml_for_hostile_names),
        cmocka_unit_test(test_html_is_cmark_safe_mode),
        cmocka_unit_test(test_json_and_xml_escapes),
        cmocka_unit_test(test_html_page_is_standalone_and_safe),
        cmocka_unit_test(test_indexes_and_feed_newest_first_idempotent),
        cmocka_unit_test(test_dst_day_shows_each_time_in_its_own_offset),
        cmocka_unit_test(test_dst_week_shows_each_time_in_its_own_offset),
        cmocka_unit_test(test_partial_window_is_marked_in_header_and_footer),
        cmocka_unit_test(test_fixed_or_unknown_zone_changes_nothing),
        cmocka_unit_test(test_repeated_hour_gets_its_own_file),
        cmocka_unit_test(test_service_answers_digest_with_report),
        cmocka_unit_test(test_forged_digest_leaves_no_trace_in_any_file),
        cmocka_unit_test(test_forged_repo_cannot_leave_the_output_dir),
        cmocka_unit_test(test_chart_has_five_lines_of_every_window),
        cmocka_unit_test(test_chart_reads_stats_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
