/* test_notifier.c - dp-notifier's engine: REPORT messages on a real PUB
 * socket, a real redis-server, and webhook-standin on 127.0.0.1 */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "dp_bus.h"
#include "dp_fs.h"
#include "dp_ledger.h"
#include "dp_store.h"
#include "dp_mem.h"
#include "dp_testkit.h"
#include "dp_time.h"
#include "notifier.h"

#define S_REPO "vllm-project/vllm"
#define S_OTHER "vllm-project/vllm-ascend"
#define S_SECRET "feishu-test-secret"
#define S_BASE_SITE "https://reports.example.org/site/"
#define S_FROM 1765362540 /* 2025-12-10 18:29 (UTC+8) */
#define S_TO 1765366140
#define S_ROUNDS 150 /* publish-and-step rounds, at most */
#define S_STEP_MS 50

typedef struct {
    char *dir, *out_dir, *md, *md2;
    dp_tk_redis_t redis;
    dp_tk_proc_t hooks;
    char base[256];
    dp_bus_t *bus;
    dp_sock_t *pub;
    notifier_t *notifier;
    char *slack_url, *feishu_url, *reports;
    long catchup_s, claim_s, timeout_ms; /* of the next notifier */
} s_ctx_t;

/* Writes a report and the JSON beside it, as the renderer does. */
static char *s_write_report(const char *out_dir, const char *name, int merged)
{
    char *md = dp_asprintf("%s/vllm-project/vllm/_posts/%s.md", out_dir, name);
    char *json_path = dp_asprintf("%s.json", md);
    char *json = dp_asprintf(
        "{\"schema\":1,\"repo\":\"" S_REPO "\",\"name\":\"vLLM\","
        "\"from\":%d,\"to\":%d,\"tz\":\"Asia/Shanghai\",\"tz_offset\":28800,"
        "\"counts\":{\"new_issues\":3,\"closed_issues\":1,\"new_prs\":5,"
        "\"merged_prs\":%d,\"closed_prs\":1}}",
        S_FROM, S_TO, merged);
    char err[256];
    assert_int_equal(
        dp_fs_write_atomic(md, "# report\n", 9, NULL, err, sizeof err), 0);
    assert_int_equal(dp_fs_write_atomic(json_path, json, strlen(json), NULL,
                                        err, sizeof err),
                     0);
    dp_free(json);
    dp_free(json_path);
    return md;
}

/* Starts webhook-standin with rules (JSON text). */
static void s_start_hooks(s_ctx_t *ctx, const char *rules)
{
    const char *bin_dir = getenv("DP_BIN_DIR");
    if (!bin_dir)
        skip();
    char *bin = dp_asprintf("%s/webhook-standin", bin_dir);
    char *rules_path = dp_asprintf("%s/rules.json", ctx->dir);
    char err[256];
    assert_int_equal(dp_fs_write_atomic(rules_path, rules, strlen(rules), NULL,
                                        err, sizeof err),
                     0);
    char *argv[] = {bin,      "--rules", rules_path, "--feishu-secret",
                    S_SECRET, NULL};
    assert_int_equal(
        dp_tk_proc_start(&ctx->hooks, argv, ctx->base, sizeof ctx->base, 10000),
        0);
    dp_free(rules_path);
    dp_free(bin);
}

static notifier_t *s_notifier(s_ctx_t *ctx)
{
    notifier_cfg_t cfg = {
        .consumer =
            {
                .reports = ctx->reports,
                .repos = S_REPO,
                .redis_url = ctx->redis.url,
                .claim_s = ctx->claim_s ? ctx->claim_s : 60,
                .tries = 4,
                .backoff_ms = 50,
                .backoff_max_ms = 3000,
                .max_frame = 1 << 20,
                .catchup_s = ctx->catchup_s,
                .catchup_poll_ms = 100,
            },
        .out_dir = ctx->out_dir,
        .base_url = S_BASE_SITE,
        .slack_url = ctx->slack_url,
        .feishu_url = ctx->feishu_url,
        .feishu_secret = S_SECRET,
        .timeout_ms = ctx->timeout_ms ? ctx->timeout_ms : 5000,
    };
    notifier_t *n = notifier_new(&cfg);
    assert_non_null(n);
    return n;
}

static s_ctx_t *s_start(const char *rules)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    ctx->dir = dp_tk_tmpdir("notifier");
    assert_non_null(ctx->dir);
    ctx->out_dir = dp_asprintf("%s/site", ctx->dir);
    ctx->md = s_write_report(ctx->out_dir, "2025-12-10-vllm-1829-1h", 0);
    dp_tk_redis_start_or_skip(&ctx->redis);
    s_start_hooks(ctx, rules);
    ctx->slack_url = dp_asprintf("%s/slack/T000/B000/XXXX", ctx->base);
    ctx->feishu_url = dp_asprintf("%s/feishu/hook/abc", ctx->base);
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    ctx->pub = dp_tk_ipc_sock(ctx->bus, ZMQ_PUB, "@", ctx->dir, "reports");
    ctx->reports = dp_asprintf(">ipc://%s/reports", ctx->dir);
    ctx->notifier = s_notifier(ctx);
    return ctx;
}

static void s_stop(s_ctx_t *ctx)
{
    notifier_destroy(&ctx->notifier);
    dp_sock_destroy(&ctx->pub);
    dp_bus_destroy(&ctx->bus);
    dp_tk_proc_stop(&ctx->hooks);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    dp_free(ctx->dir);
    dp_free(ctx->out_dir);
    dp_free(ctx->md);
    dp_free(ctx->md2);
    dp_free(ctx->slack_url);
    dp_free(ctx->feishu_url);
    dp_free(ctx->reports);
    dp_free(ctx);
}

/* The posts the stand-in recorded to paths starting with prefix and
 * answered with status (0: any). The caller decrefs. */
static json_t *s_posts(const s_ctx_t *ctx, const char *prefix, int status)
{
    json_t *all = dp_tk_standin_call(ctx->base, false, "/_standin/posts", 5000);
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(all, "posts"), i, p)
    {
        const char *path = json_string_value(json_object_get(p, "path"));
        long st = (long)json_integer_value(json_object_get(p, "status"));
        if (path && strncmp(path, prefix, strlen(prefix)) == 0 &&
            (status == 0 || st == status))
            json_array_append(out, p);
    }
    json_decref(all);
    return out;
}

static size_t s_count(const s_ctx_t *ctx, const char *prefix, int status)
{
    json_t *posts = s_posts(ctx, prefix, status);
    size_t n = json_array_size(posts);
    json_decref(posts);
    return n;
}

/* How many posts mention text. */
static size_t s_posts_about(const s_ctx_t *ctx, const char *text)
{
    json_t *all = s_posts(ctx, "/", 0);
    size_t i, n = 0;
    json_t *p;
    json_array_foreach(all, i, p)
    {
        const char *b = json_string_value(json_object_get(p, "body"));
        n += b && strstr(b, text);
    }
    json_decref(all);
    return n;
}

/* Publishes revision rev of the window (and, first, what other says, when
 * not NULL) and steps the notifier until both webhooks answered 200 to
 * want posts each; fails the test when they do not within S_ROUNDS. */
static void s_deliver(s_ctx_t *ctx, const char *md, int64_t rev, size_t want,
                      const char *other)
{
    for (int i = 0; i < S_ROUNDS; i++) {
        if (other)
            dp_tk_send_report(ctx->pub, NULL, other, S_FROM, S_TO, rev, md,
                              NULL);
        dp_tk_send_report(ctx->pub, NULL, S_REPO, S_FROM, S_TO, rev, md, NULL);
        for (int k = 0; k < 4; k++)
            assert_int_equal(
                dp_consumer_step(notifier_consumer(ctx->notifier), S_STEP_MS),
                0);
        if (s_count(ctx, "/slack", 200) >= want &&
            s_count(ctx, "/feishu", 200) >= want)
            return;
    }
    fail_msg("no %zu posts to each webhook after %d rounds", want, S_ROUNDS);
}

/* Publishes the report again n times, stepping after each. */
static void s_again(s_ctx_t *ctx, const char *md, int64_t rev, int n)
{
    for (int i = 0; i < n; i++) {
        dp_tk_send_report(ctx->pub, NULL, S_REPO, S_FROM, S_TO, rev, md, NULL);
        assert_int_equal(
            dp_consumer_step(notifier_consumer(ctx->notifier), S_STEP_MS), 0);
    }
}

/* A report gives one Slack post and one signed Feishu post, with the
 * repository, the window in the report's zone, the counts and a link. */
static void test_report_posts_to_slack_and_feishu(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start("[]");
    s_deliver(ctx, ctx->md, 1, 1, NULL);

    json_t *slack = s_posts(ctx, "/slack", 0);
    assert_int_equal(json_array_size(slack), 1);
    json_t *body = json_loads(
        json_string_value(json_object_get(json_array_get(slack, 0), "body")), 0,
        NULL);
    const char *text = json_string_value(json_object_get(body, "text"));
    assert_non_null(text);
    assert_non_null(strstr(
        text, "*New report: <https://reports.example.org/site/vllm-project/"
              "vllm/_posts/2025-12-10-vllm-1829-1h.md|vLLM "
              "(vllm-project/vllm)>*"));
    assert_non_null(strstr(
        text, "Window: 2025-12-10 18:29 (UTC+8) ~ 2025-12-10 19:29 (UTC+8)"));
    assert_non_null(strstr(text, "Issues: 3 opened, 1 closed"));
    assert_non_null(strstr(text, "PRs: 5 opened, 0 merged, 1 closed unmerged"));
    json_decref(body);
    json_decref(slack);

    json_t *feishu = s_posts(ctx, "/feishu", 0);
    assert_int_equal(json_array_size(feishu), 1);
    json_t *post = json_array_get(feishu, 0);
    assert_true(json_is_true(json_object_get(post, "sign_ok")));
    body =
        json_loads(json_string_value(json_object_get(post, "body")), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(body, "msg_type")),
                        "text");
    text = json_string_value(
        json_object_get(json_object_get(body, "content"), "text"));
    assert_non_null(text);
    assert_non_null(strstr(text, "New report: vLLM (vllm-project/vllm)\n"));
    assert_non_null(strstr(text, "2025-12-10 18:29 (UTC+8)"));
    assert_non_null(strstr(text, "https://reports.example.org/site/"
                                 "vllm-project/vllm/_posts/"));
    json_decref(body);
    json_decref(feishu);
    s_stop(ctx);
}

/* The same report twice, and after a restart of the notifier, is still
 * one post per webhook; a revision is a second one. */
static void test_duplicate_and_restart_post_once(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start("[]");
    s_deliver(ctx, ctx->md, 1, 1, NULL);
    s_again(ctx, ctx->md, 1, 10);
    dp_consumer_stats_t st =
        dp_consumer_stats(notifier_consumer(ctx->notifier));
    assert_true(st.received >= 2);
    assert_true(st.skipped >= 2);

    notifier_destroy(&ctx->notifier);
    ctx->notifier = s_notifier(ctx);
    for (int i = 0; i < S_ROUNDS; i++) {
        s_again(ctx, ctx->md, 1, 1);
        if (dp_consumer_stats(notifier_consumer(ctx->notifier)).skipped >= 2)
            break;
    }
    assert_true(dp_consumer_stats(notifier_consumer(ctx->notifier)).skipped >=
                2);
    assert_int_equal(
        dp_consumer_stats(notifier_consumer(ctx->notifier)).delivered, 0);
    assert_int_equal(s_count(ctx, "/slack", 0), 1);
    assert_int_equal(s_count(ctx, "/feishu", 0), 1);

    /* Late data: revision 2, with a merged PR more. */
    ctx->md2 = s_write_report(ctx->out_dir, "2025-12-10-vllm-1829-1h", 1);
    s_deliver(ctx, ctx->md2, 2, 2, NULL);
    s_again(ctx, ctx->md2, 2, 5);
    json_t *slack = s_posts(ctx, "/slack", 0);
    assert_int_equal(json_array_size(slack), 2);
    const char *body =
        json_string_value(json_object_get(json_array_get(slack, 1), "body"));
    assert_non_null(strstr(body, "Revised report"));
    assert_non_null(strstr(body, "(revision 2)"));
    assert_non_null(strstr(body, "1 merged"));
    json_decref(slack);
    assert_int_equal(s_count(ctx, "/feishu", 0), 2);
    s_stop(ctx);
}

/* A notifier for vllm-project/vllm receives report.vllm-project/vllm-ascend
 * (ZeroMQ matches by prefix) and drops it. */
static void test_subject_matched_whole(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start("[]");
    s_deliver(ctx, ctx->md, 1, 1, S_OTHER);
    assert_true(dp_consumer_stats(notifier_consumer(ctx->notifier)).ignored >=
                1);
    assert_int_equal(s_posts_about(ctx, S_OTHER), 0);
    assert_int_equal(s_count(ctx, "/", 0), 2);
    s_stop(ctx);
}

/* 500 then 200 (Slack) and 429 with retry-after then 200 (Feishu): one
 * post each, after a retry. */
static void test_retry_after_5xx_and_429(void **state)
{
    (void)state;
    s_ctx_t *ctx =
        s_start("[{\"path\": \"/slack/T000/B000/XXXX\", \"status\": 500, "
                "\"times\": 1},"
                " {\"path\": \"/feishu/hook/abc\", \"status\": 429, "
                "\"retry_after\": 1, \"times\": 1}]");
    s_deliver(ctx, ctx->md, 1, 1, NULL);
    assert_int_equal(s_count(ctx, "/slack", 500), 1);
    assert_int_equal(s_count(ctx, "/slack", 200), 1);
    assert_int_equal(s_count(ctx, "/feishu", 429), 1);
    assert_int_equal(s_count(ctx, "/feishu", 200), 1);
    assert_true(dp_consumer_stats(notifier_consumer(ctx->notifier)).retries >=
                2);
    s_stop(ctx);
}

/* A 4xx other than 429 is final: one try, settled as failed; so is a
 * redirect, which is not followed. */
static void test_4xx_and_redirect_are_final(void **state)
{
    (void)state;
    s_ctx_t *ctx =
        s_start("[{\"path\": \"/slack/T000/B000/XXXX\", \"status\": 404},"
                " {\"path\": \"/feishu/hook/abc\", \"status\": 302}]");
    dp_consumer_t *c = notifier_consumer(ctx->notifier);
    for (int i = 0; i < S_ROUNDS && dp_consumer_stats(c).failed < 2; i++) {
        dp_tk_send_report(ctx->pub, NULL, S_REPO, S_FROM, S_TO, 1, ctx->md,
                          NULL);
        assert_int_equal(dp_consumer_step(c, S_STEP_MS), 0);
    }
    s_again(ctx, ctx->md, 1, 10);
    assert_int_equal(dp_consumer_stats(c).failed, 2);
    assert_int_equal(dp_consumer_stats(c).retries, 0);
    assert_int_equal(s_count(ctx, "/slack", 404), 1);
    assert_int_equal(s_count(ctx, "/slack", 0), 1);
    assert_int_equal(s_count(ctx, "/feishu", 302), 1);
    assert_int_equal(s_count(ctx, "/feishu", 0), 1);
    s_stop(ctx);
}

/* A webhook slower than the timeout is tried again. (It may have taken
 * the first post all the same: a timeout cannot tell, so the post is
 * delivered at least once, here twice.) */
static void test_timeout_retried(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start("[{\"path\": \"/slack/T000/B000/XXXX\", "
                           "\"delay_ms\": 3000, \"times\": 1}]");
    notifier_destroy(&ctx->notifier);
    ctx->timeout_ms = 500;
    ctx->notifier = s_notifier(ctx);
    s_deliver(ctx, ctx->md, 1, 1, NULL);
    dp_consumer_stats_t st =
        dp_consumer_stats(notifier_consumer(ctx->notifier));
    assert_true(st.retries >= 1);
    assert_int_equal(st.delivered, 2);
    assert_int_equal(st.failed, 0);
    s_stop(ctx);
}

/* Reports published while no notifier listened are read from the
 * reports log the renderer keeps in the ledger; a delivery claimed by a
 * notifier that died is made once its claim expired. */
static void test_missed_reports_caught_up(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start("[]");
    notifier_destroy(&ctx->notifier);
    char err[256];
    dp_store_t *store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(store);
    const char *repos[] = {S_OTHER, S_REPO};
    for (size_t i = 0; i < 2; i++) {
        dp_buf_t frame = DP_BUF_INIT;
        dp_tk_report_frame(repos[i], S_FROM, S_TO, 1, ctx->md, NULL, &frame);
        assert_int_equal(dp_ledger_log_report(store, frame.data, frame.len), 0);
        dp_buf_free(&frame);
    }
    /* A notifier that died while it posted to Slack. */
    dp_ledger_win_t w = {S_REPO, S_FROM, S_TO, NULL};
    assert_int_equal(
        dp_ledger_claim(store, &w, 1, "notifier.slack", 1, NULL, 0), 1);
    dp_store_destroy(&store);

    ctx->catchup_s = 3600;
    ctx->claim_s = 2;
    ctx->notifier = s_notifier(ctx);
    for (int i = 0; i < S_ROUNDS; i++) {
        assert_int_equal(
            dp_consumer_step(notifier_consumer(ctx->notifier), S_STEP_MS), 0);
        if (s_count(ctx, "/slack", 200) == 1)
            break;
    }
    dp_consumer_stats_t st =
        dp_consumer_stats(notifier_consumer(ctx->notifier));
    assert_true(st.logged >= 4); /* two reports, read on two sweeps */
    assert_true(st.ignored >= 1);
    assert_int_equal(s_count(ctx, "/slack", 0), 1);
    assert_int_equal(s_count(ctx, "/feishu", 0), 1);
    assert_int_equal(s_posts_about(ctx, S_OTHER), 0);
    s_stop(ctx);
}

/* Feishu's signature, against a value computed elsewhere (Python's hmac:
 * base64(HMAC-SHA256(b"1700000000\ntest-secret", b""))). */
static void test_feishu_sign_known_value(void **state)
{
    (void)state;
    char sign[64];
    notifier_feishu_sign("test-secret", 1700000000, sign, sizeof sign);
    assert_string_equal(sign, "mbm4Y4oluIPQ00qlBIhX8vAZ0EKv3nw0LuTb91jPL84=");
}

/* A report in Chinese gets a message in Chinese, its counts as the
 * report's header line says them. */
static void test_text_in_the_report_language(void **state)
{
    (void)state;
    char *dir = dp_tk_tmpdir("notifier-zh");
    char *md = dp_asprintf("%s/o/r/_posts/x.md", dir);
    char *json_path = dp_asprintf("%s.json", md);
    const char *json =
        "{\"lang\":\"zh\",\"tz\":\"+08:00\",\"counts\":{\"new_issues\":0,"
        "\"closed_issues\":1,\"new_prs\":2,\"merged_prs\":0,"
        "\"closed_prs\":1}}";
    char err[256];
    assert_int_equal(dp_fs_write_atomic(md, "#", 1, NULL, err, sizeof err), 0);
    assert_int_equal(dp_fs_write_atomic(json_path, json, strlen(json), NULL,
                                        err, sizeof err),
                     0);
    dp_report_t r = {.repo = "o/r",
                     .win_from = S_FROM,
                     .win_to = S_TO,
                     .revision = 2,
                     .path = md};
    char *text = notifier_text(&r, dir, NULL, false);
    assert_string_equal(text, "修订报告: o/r (第 2 版)\n"
                              "时间窗口: 2025-12-10 18:29 (UTC+8) ~ "
                              "2025-12-10 19:29 (UTC+8)\n"
                              "数据统计: 新 Issue 0 | 关闭 Issue 1 | 新 PR 2 | "
                              "合并 PR 0 | 关闭未合并 PR 1\n");
    dp_free(text);
    dp_free(json_path);
    dp_free(md);
    dp_tk_rmdir(dir);
    dp_free(dir);
}

/* A REPORT naming a file outside the output directory is not read. */
static void test_text_ignores_files_outside(void **state)
{
    (void)state;
    char *dir = dp_tk_tmpdir("notifier-text");
    char *out = dp_asprintf("%s/site", dir);
    char *inside = s_write_report(out, "x", 7);
    char *outside = s_write_report(dir, "y", 9); /* dir/vllm-project/... */
    dp_report_t r = {.repo = S_REPO,
                     .win_from = S_FROM,
                     .win_to = S_TO,
                     .revision = 1,
                     .path = outside};
    char *text = notifier_text(&r, out, "https://x.example", true);
    assert_non_null(strstr(text, "Counts: see the report"));
    assert_null(strstr(text, "x.example"));
    dp_free(text);
    char *escape = dp_asprintf("%s/../vllm-project/vllm/_posts/y.md", out);
    r.path = escape;
    text = notifier_text(&r, out, "https://x.example", true);
    assert_null(strstr(text, "9 merged"));
    dp_free(text);
    r.path = inside;
    text = notifier_text(&r, out, "https://x.example", true);
    assert_non_null(strstr(text, "7 merged"));
    dp_free(text);
    dp_free(escape);
    dp_free(inside);
    dp_free(outside);
    dp_free(out);
    dp_tk_rmdir(dir);
    dp_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feishu_sign_known_value),
        cmocka_unit_test(test_text_ignores_files_outside),
        cmocka_unit_test(test_text_in_the_report_language),
        cmocka_unit_test(test_report_posts_to_slack_and_feishu),
        cmocka_unit_test(test_duplicate_and_restart_post_once),
        cmocka_unit_test(test_subject_matched_whole),
        cmocka_unit_test(test_retry_after_5xx_and_429),
        cmocka_unit_test(test_4xx_and_redirect_are_final),
        cmocka_unit_test(test_missed_reports_caught_up),
        cmocka_unit_test(test_timeout_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
