/* test_llm_client.c - dp_llm against the OpenAI-compatible stand-in */
/* SPDX-License-Identifier: MIT */
/*
 * build/bin/llm-standin plays the model server on loopback, scripted by a
 * rules file each test writes: a clean answer with usage and cost, 429
 * with retry-after then an answer, 500 then the fallback model, an unknown
 * model, a slow answer past the timeout, a malformed body, a null content,
 * a cut answer, the report's budget, the cap on requests in flight (the
 * stand-in counts the most it served at once), the key (sent to the base
 * URL, never in logs or errors, refused over plain http to a host that is
 * not loopback) and the Redis cache (a hit costs no call).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dp_http.h"
#include "dp_json.h"
#include "dp_llm.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_testkit.h"

#define S_START_MS 10000
#define S_HTTP_MS 5000
#define S_MAIN "standin-main"
#define S_FALLBACK "standin-small"
#define S_KEY "sk-test-0123456789abcdef-SECRET"
#define S_BATCH 6

typedef struct {
    char *dir;
    dp_tk_proc_t proc;
    char base[256];
    dp_tk_proc_t foreign; /* a second stand-in, where redirects point */
    char foreign_base[256];
    dp_tk_redis_t redis;
    dp_store_t *store;
    dp_llm_cfg_t cfg;
    dp_llm_t *llm;
    dp_llm_answer_t ans[S_BATCH];
} s_ctx_t;

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    ctx->dir = dp_tk_tmpdir("llm");
    assert_non_null(ctx->dir);
    ctx->cfg = (dp_llm_cfg_t){.model = (char *)S_MAIN,
                              .fallback_model = (char *)S_FALLBACK,
                              .temperature = (char *)"0.2",
                              .timeout_s = 10,
                              .max_in_flight = 4,
                              .max_tokens = 256,
                              .retries = 2,
                              .cache_ttl_s = 3600};
    for (size_t i = 0; i < S_BATCH; i++)
        dp_llm_answer_clear(&ctx->ans[i]);
    *state = ctx;
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    for (size_t i = 0; i < S_BATCH; i++)
        dp_llm_answer_clear(&ctx->ans[i]);
    dp_llm_destroy(&ctx->llm);
    dp_store_destroy(&ctx->store);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_proc_stop(&ctx->proc);
    dp_tk_proc_stop(&ctx->foreign);
    dp_tk_rmdir(ctx->dir);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Starts the stand-in with a rules file of that JSON text and extra
 * arguments (NULL-ended), then a client on it (base URL and the rest of
 * ctx->cfg as the test set them). */
static void s_start(s_ctx_t *ctx, const char *rules, const char *const *extra)
{
    dp_tk_llm_standin(&ctx->proc, ctx->dir, rules, extra, ctx->base,
                      sizeof ctx->base);
    ctx->cfg.base_url = ctx->base;
    char err[256] = "";
    ctx->llm = dp_llm_new(&ctx->cfg, ctx->store, err, sizeof err);
    if (!ctx->llm)
        fail_msg("dp_llm_new: %s", err);
}

static long s_stat(s_ctx_t *ctx, const char *path)
{
    json_t *stats =
        dp_tk_standin_call(ctx->base, false, "/_standin/stats", S_HTTP_MS);
    json_t *v = json_object_get(stats, path);
    if (!v && strncmp(path, "by_model.", 9) == 0)
        v = json_object_get(json_object_get(stats, "by_model"), path + 9);
    long n = json_is_integer(v) ? (long)json_integer_value(v) : 0;
    json_decref(stats);
    return n;
}

static dp_llm_req_t s_req(const char *user)
{
    return (dp_llm_req_t){.system = "You write a development report.",
                          .user = user,
                          .section = "summary",
                          .prompt_version = "summary-1"};
}

/* n requests with distinct user messages "section I", kept in users. */
static void s_reqs(dp_llm_req_t *reqs, char (*users)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(users[i], sizeof users[i], "section %zu", i);
        reqs[i] = s_req(users[i]);
    }
}

/* Starts the stand-in with rules, asks once and checks that the request
 * failed with rc, an error that says why, and no text. */
static void s_fails(s_ctx_t *ctx, const char *rules, int rc, const char *why)
{
    s_start(ctx, rules, NULL);
    dp_llm_req_t req = s_req("anything");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), rc);
    assert_non_null(strstr(ctx->ans[0].err, why));
    assert_null(ctx->ans[0].text);
}

/* ==== Answers ==== */

static void test_answer_with_usage_and_cost(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx,
            "[{\"section\": \"summary\", \"text\": \"Three PRs were merged.\","
            " \"prompt_tokens\": 120, \"completion_tokens\": 30,"
            " \"cost\": 0.0025}]",
            NULL);
    dp_llm_req_t req = s_req("Facts follow.\nsection: summary\n#1 merged");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_string_equal(ctx->ans[0].text, "Three PRs were merged.");
    assert_string_equal(ctx->ans[0].model, S_MAIN);
    assert_int_equal(ctx->ans[0].prompt_tokens, 120);
    assert_int_equal(ctx->ans[0].completion_tokens, 30);
    assert_true(ctx->ans[0].cost > 0.0024 && ctx->ans[0].cost < 0.0026);
    assert_false(ctx->ans[0].cached);
    assert_false(ctx->ans[0].fallback);
    assert_int_equal(ctx->ans[0].attempts, 1);
    assert_int_equal(dp_llm_spent(ctx->llm), 150);
    /* The stand-in found the request well formed. */
    assert_int_equal(s_stat(ctx, "calls"), 1);
    assert_int_equal(s_stat(ctx, "bad_requests"), 0);
    json_t *last =
        dp_tk_standin_call(ctx->base, false, "/_standin/last", S_HTTP_MS);
    assert_string_equal(json_string_value(json_object_get(last, "model")),
                        S_MAIN);
    assert_int_equal(json_integer_value(json_object_get(last, "max_tokens")),
                     256);
    assert_true(json_is_false(json_object_get(last, "stream")));
    assert_string_equal(dp_json_str(last, "messages.0.role"), "system");
    assert_string_equal(dp_json_str(last, "messages.1.content"), req.user);
    json_decref(last);
    /* Without usage.cost the cost is unknown. */
    dp_llm_req_t other = s_req("no rule matches this one");
    assert_int_equal(dp_llm_chat(ctx->llm, &other, &ctx->ans[1]), 0);
    assert_true(ctx->ans[1].cost < 0);
    assert_string_equal(ctx->ans[1].text, "Stand-in answer.");
}

static void test_thinking_and_preamble_come_as_written(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx,
            "[{\"section\": \"trends\", \"think\": \"Let me see.\","
            " \"preamble\": \"As a professional analyst:\","
            " \"text\": \"Merges rose.\"}]",
            NULL);
    /* The section is named by a line of the system message here. */
    dp_llm_req_t req = {.system = "Write one section.\nsection: trends",
                        .user = "facts",
                        .section = "trends"};
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    /* The client hands the text over as it came: removing them is the
     * writer's work. */
    assert_string_equal(ctx->ans[0].text,
                        "<think>Let me see.</think>\nAs a professional "
                        "analyst:\n\nMerges rose.");
}

static void test_429_with_retry_after_then_answer(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx,
            "[{\"status\": 429, \"retry_after\": 1, \"times\": 1},"
            " {\"text\": \"after the wait\"}]",
            NULL);
    dp_llm_req_t req = s_req("anything");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_string_equal(ctx->ans[0].text, "after the wait");
    assert_int_equal(ctx->ans[0].attempts, 2);
    assert_false(ctx->ans[0].fallback);
    assert_int_equal(s_stat(ctx, "by_model." S_MAIN), 2);
    assert_int_equal(s_stat(ctx, "by_model." S_FALLBACK), 0);
}

static void test_429_past_the_timeout_is_not_awaited(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.timeout_s = 2;
    ctx->cfg.fallback_model = NULL;
    s_fails(ctx, "[{\"status\": 429, \"retry_after\": 3600}]", DP_ERATE,
            "HTTP 429");
    assert_non_null(strstr(ctx->ans[0].err, "would pass the timeout"));
    assert_int_equal(s_stat(ctx, "calls"), 1);
}

static void test_500_then_fallback_model(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.retries = 1;
    s_start(ctx,
            "[{\"model\": \"" S_MAIN "\", \"status\": 500},"
            " {\"model\": \"" S_FALLBACK "\", \"text\": \"small model\"}]",
            NULL);
    dp_llm_req_t req = s_req("anything");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_string_equal(ctx->ans[0].text, "small model");
    assert_string_equal(ctx->ans[0].model, S_FALLBACK);
    assert_true(ctx->ans[0].fallback);
    /* One try and one retry of the main model, then the fallback. */
    assert_int_equal(s_stat(ctx, "by_model." S_MAIN), 2);
    assert_int_equal(s_stat(ctx, "by_model." S_FALLBACK), 1);
    assert_int_equal(ctx->ans[0].attempts, 3);
}

static void test_unknown_model_goes_to_fallback_at_once(void **state)
{
    s_ctx_t *ctx = *state;
    const char *extra[] = {"--models", S_FALLBACK, NULL};
    s_start(ctx, "[]", extra);
    dp_llm_req_t req = s_req("anything");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_string_equal(ctx->ans[0].model, S_FALLBACK);
    assert_int_equal(s_stat(ctx, "by_model." S_MAIN), 1); /* no retry */
}

static void test_both_models_failing_is_an_error(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.retries = 0;
    s_fails(ctx, "[{\"status\": 503}]", DP_EHTTP, S_FALLBACK ": HTTP 503");
}

static void test_timeout(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.timeout_s = 1;
    ctx->cfg.fallback_model = NULL;
    s_fails(ctx, "[{\"delay_ms\": 4000, \"text\": \"too late\"}]", DP_EHTTP,
            "timed out");
}

static void test_malformed_answers_are_clear_errors(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.fallback_model = NULL;
    s_start(ctx,
            "[{\"match\": \"cut json\", \"malformed\": true},"
            " {\"match\": \"null content\", \"no_content\": true},"
            " {\"match\": \"too long\", \"finish_reason\": \"length\"}]",
            NULL);
    dp_llm_req_t reqs[3] = {s_req("cut json"), s_req("null content"),
                            s_req("too long")};
    assert_int_equal(dp_llm_chat_many(ctx->llm, reqs, ctx->ans, 3), 0);
    assert_int_equal(ctx->ans[0].status, DP_EJSON);
    assert_non_null(strstr(ctx->ans[0].err, "not a chat completion"));
    assert_int_equal(ctx->ans[1].status, DP_EJSON);
    assert_non_null(strstr(ctx->ans[1].err, "choices[0].message.content"));
    assert_int_equal(ctx->ans[2].status, DP_ETOOBIG);
    assert_non_null(strstr(ctx->ans[2].err, "finish_reason length"));
    for (size_t i = 0; i < 3; i++)
        assert_null(ctx->ans[i].text);
}

/* ==== Budget, concurrency and stops ==== */

static void s_on_alarm(int sig)
{
    (void)sig;
    dp_service_interrupt();
}

static void test_budget_refuses_without_a_call(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.budget_tokens = 100;
    s_start(ctx, "[{\"prompt_tokens\": 80, \"completion_tokens\": 40}]", NULL);
    dp_llm_req_t req = s_req("first");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_int_equal(dp_llm_spent(ctx->llm), 120);
    req = s_req("second");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[1]), DP_EBUDGET);
    assert_non_null(strstr(ctx->ans[1].err, "budget of 100 tokens"));
    assert_int_equal(ctx->ans[1].attempts, 0);
    assert_int_equal(s_stat(ctx, "calls"), 1);
    /* A new report has a new budget. */
    dp_llm_budget_reset(ctx->llm);
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[2]), 0);
    assert_int_equal(s_stat(ctx, "calls"), 2);
}

static void test_budget_waits_for_answers_in_flight(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.budget_tokens = 300;
    ctx->cfg.max_tokens = 100;
    s_start(ctx,
            "[{\"delay_ms\": 100, \"prompt_tokens\": 40, "
            "\"completion_tokens\": 40}]",
            NULL);
    dp_llm_req_t reqs[S_BATCH];
    char users[S_BATCH][32];
    s_reqs(reqs, users, 5);
    /* Three start (3 x 100 may be spent); the fourth waits, then starts
     * with 240 spent; the fifth finds 320 spent and is refused. */
    assert_int_equal(dp_llm_chat_many(ctx->llm, reqs, ctx->ans, 5), 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(ctx->ans[i].status, 0);
    assert_int_equal(ctx->ans[4].status, DP_EBUDGET);
    assert_int_equal(dp_llm_spent(ctx->llm), 320);
    assert_int_equal(s_stat(ctx, "calls"), 4);
    assert_true(s_stat(ctx, "max_in_flight") <= 3);
}

/* A stop (SIGTERM) during a slow answer ends the batch at once with
 * DP_EAGAIN; run in a child, since the stop stays for the process. */
static void test_stop_interrupts(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, "[{\"delay_ms\": 30000}]", NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dp_service_signals();
        alarm(1); /* SIGALRM's default would kill: use a stop instead */
        signal(SIGALRM, s_on_alarm);
        dp_llm_req_t req = s_req("slow");
        int rc = dp_llm_chat_many(ctx->llm, &req, ctx->ans, 1);
        _exit(rc == DP_EAGAIN && ctx->ans[0].status == DP_EAGAIN ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_in_flight_cap(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.max_in_flight = 2;
    s_start(ctx, "[{\"delay_ms\": 300, \"text\": \"slow\"}]", NULL);
    dp_llm_req_t reqs[S_BATCH];
    char users[S_BATCH][32];
    s_reqs(reqs, users, S_BATCH);
    assert_int_equal(dp_llm_chat_many(ctx->llm, reqs, ctx->ans, S_BATCH),
                     S_BATCH);
    for (size_t i = 0; i < S_BATCH; i++)
        assert_string_equal(ctx->ans[i].text, "slow");
    assert_int_equal(s_stat(ctx, "calls"), S_BATCH);
    /* Two at once, never more. */
    assert_int_equal(s_stat(ctx, "max_in_flight"), 2);
}

/* ==== The key ==== */

/* Runs one request with stdout and stderr (the logs) in a file, and
 * returns what was written there. */
static char *s_logged_chat(s_ctx_t *ctx, const dp_llm_req_t *req,
                           dp_llm_answer_t *ans, int *rc)
{
    char *path = dp_asprintf("%s/log.txt", ctx->dir);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0 && saved_out >= 0 && saved_err >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    int level = dp_log_level();
    dp_log_set_level(DP_LOG_DEBUG);
    *rc = dp_llm_chat(ctx->llm, req, ans);
    dp_log_flush();
    dp_log_set_level(level);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    close(fd);
    char *text = dp_tk_read_file(path, NULL);
    dp_free(path);
    assert_non_null(text);
    return text;
}

static void test_key_is_sent_and_never_logged(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.api_key = (char *)S_KEY;
    ctx->cfg.retries = 0;
    const char *extra[] = {"--key", S_KEY, NULL};
    /* A careless server repeats the Authorization header it got, in an
     * error and in an answer. */
    s_start(ctx,
            "[{\"model\": \"" S_MAIN "\", \"status\": 500, \"echo_auth\": "
            "true}, {\"match\": \"echo\", \"echo_auth\": true, \"text\": "
            "\"ok\"}, {\"text\": \"clean\"}]",
            extra);
    dp_llm_req_t req = s_req("anything");
    int rc = 0;
    char *log = s_logged_chat(ctx, &req, &ctx->ans[0], &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(ctx->ans[0].text, "clean");
    assert_int_equal(s_stat(ctx, "authorized"), 2);
    assert_non_null(strstr(log, "HTTP 500")); /* the failure was logged */
    assert_null(strstr(log, S_KEY));
    assert_null(strstr(log, "0123456789abcdef"));
    assert_null(strstr(ctx->ans[0].err, S_KEY));
    dp_free(log);
    dp_llm_answer_clear(&ctx->ans[0]);
    /* An answer that repeats the key is refused: it is never published. */
    dp_llm_req_t echo = s_req("echo the header");
    log = s_logged_chat(ctx, &echo, &ctx->ans[0], &rc);
    assert_int_equal(rc, DP_EPROTO);
    assert_null(ctx->ans[0].text);
    assert_non_null(strstr(ctx->ans[0].err, "repeats the API key"));
    assert_null(strstr(log, S_KEY));
    dp_free(log);
    dp_llm_answer_clear(&ctx->ans[0]);
    /* A wrong key: refused, and the error does not repeat it. */
    dp_llm_destroy(&ctx->llm);
    ctx->cfg.api_key = (char *)"sk-wrong-key-abcdef";
    char err[256];
    ctx->llm = dp_llm_new(&ctx->cfg, NULL, err, sizeof err);
    assert_non_null(ctx->llm);
    log = s_logged_chat(ctx, &req, &ctx->ans[0], &rc);
    assert_int_equal(rc, DP_EAUTH);
    assert_null(strstr(log, "sk-wrong-key-abcdef"));
    assert_null(strstr(ctx->ans[0].err, "sk-wrong-key-abcdef"));
    dp_free(log);
}

static void test_redirect_is_not_followed(void **state)
{
    s_ctx_t *ctx = *state;
    const char *bin = getenv("DP_BIN_DIR");
    if (!bin || !*bin)
        skip();
    char *standin = dp_asprintf("%s/llm-standin", bin);
    char *argv[] = {standin, NULL};
    int rc = dp_tk_proc_start(&ctx->foreign, argv, ctx->foreign_base,
                              sizeof ctx->foreign_base, S_START_MS);
    dp_free(standin);
    assert_int_equal(rc, 0);
    ctx->cfg.api_key = (char *)S_KEY;
    char *rules = dp_asprintf("[{\"status\": 307, \"location\": "
                              "\"%s/chat/completions\"}]",
                              ctx->foreign_base);
    s_start(ctx, rules, NULL);
    dp_free(rules);
    dp_llm_req_t req = s_req("anything");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), DP_EORIGIN);
    assert_non_null(strstr(ctx->ans[0].err, "HTTP 307"));
    assert_int_equal(s_stat(ctx, "calls"), 1); /* no fallback either */
    json_t *stats = dp_tk_standin_call(ctx->foreign_base, false,
                                       "/_standin/stats", S_HTTP_MS);
    assert_int_equal(json_integer_value(json_object_get(stats, "calls")), 0);
    assert_int_equal(json_integer_value(json_object_get(stats, "authorized")),
                     0);
    json_decref(stats);
}

static void test_key_refused_over_plain_http_to_another_host(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.api_key = (char *)S_KEY;
    char err[256] = "";
    ctx->cfg.base_url = (char *)"http://llm.example.com/v1";
    assert_null(dp_llm_new(&ctx->cfg, NULL, err, sizeof err));
    assert_non_null(strstr(err, "LLM_BASE_URL"));
    assert_null(strstr(err, S_KEY));
    /* https is fine, and so is plain http without a key. */
    ctx->cfg.base_url = (char *)"https://llm.example.com/v1";
    ctx->llm = dp_llm_new(&ctx->cfg, NULL, err, sizeof err);
    assert_non_null(ctx->llm);
    dp_llm_destroy(&ctx->llm);
    ctx->cfg.api_key = NULL;
    ctx->cfg.base_url = (char *)"http://llm.example.com/v1";
    ctx->llm = dp_llm_new(&ctx->cfg, NULL, err, sizeof err);
    assert_non_null(ctx->llm);
}

static void test_bad_settings_are_refused(void **state)
{
    s_ctx_t *ctx = *state;
    char err[256] = "";
    ctx->cfg.base_url = (char *)"http://127.0.0.1:1/v1";
    ctx->cfg.temperature = (char *)"7";
    assert_null(dp_llm_new(&ctx->cfg, NULL, err, sizeof err));
    assert_non_null(strstr(err, "LLM_TEMPERATURE"));
    ctx->cfg.temperature = (char *)"0.5";
    ctx->cfg.model = NULL;
    assert_null(dp_llm_new(&ctx->cfg, NULL, err, sizeof err));
    assert_non_null(strstr(err, "LLM_MODEL"));
    ctx->cfg.base_url = NULL;
    assert_false(dp_llm_enabled(&ctx->cfg));
}

static void test_unreachable_server(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->cfg.retries = 1;
    ctx->cfg.base_url = (char *)"http://127.0.0.1:1/v1";
    char err[256] = "";
    ctx->llm = dp_llm_new(&ctx->cfg, NULL, err, sizeof err);
    assert_non_null(ctx->llm);
    dp_llm_req_t req = s_req("anything");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), DP_EHTTP);
    assert_non_null(strstr(ctx->ans[0].err, S_FALLBACK));
    /* Each model was tried and retried once. */
    assert_int_equal(ctx->ans[0].attempts, 4);
}

/* ==== The cache ==== */

/* Starts Redis and the store the client caches in. */
static void s_redis(s_ctx_t *ctx)
{
    dp_tk_redis_start_or_skip(&ctx->redis);
    char err[256] = "";
    ctx->store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(ctx->store);
}

static void test_cache_hit_costs_no_call(void **state)
{
    s_ctx_t *ctx = *state;
    s_redis(ctx);
    s_start(ctx, "[{\"text\": \"cached text\", \"cost\": 0.01}]", NULL);
    dp_llm_req_t req = s_req("window facts");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_false(ctx->ans[0].cached);
    /* Not accepted yet: asked again. */
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[1]), 0);
    assert_false(ctx->ans[1].cached);
    assert_int_equal(s_stat(ctx, "calls"), 2);
    /* Accepted by the writer: a rerun costs no call. */
    assert_int_equal(dp_llm_cache_put(ctx->llm, &req, &ctx->ans[0]), 0);
    dp_llm_budget_reset(ctx->llm);
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[2]), 0);
    assert_true(ctx->ans[2].cached);
    assert_string_equal(ctx->ans[2].text, "cached text");
    assert_string_equal(ctx->ans[2].model, S_MAIN);
    assert_int_equal(ctx->ans[2].attempts, 0);
    assert_int_equal(dp_llm_spent(ctx->llm), 0);
    assert_int_equal(s_stat(ctx, "calls"), 2);
    /* The key is dp:2:llm:<64 hex> with an expiry. */
    const char *argv[] = {"KEYS", "dp:2:llm:*"};
    redisReply *r = dp_store_command(ctx->store, 2, argv, NULL);
    assert_non_null(r);
    assert_int_equal(r->elements, 1);
    assert_int_equal(strlen(r->element[0]->str), strlen("dp:2:llm:") + 64);
    const char *ttl[] = {"TTL", r->element[0]->str};
    redisReply *t = dp_store_command(ctx->store, 2, ttl, NULL);
    assert_true(t->integer > 0 && t->integer <= 3600);
    freeReplyObject(t);
    freeReplyObject(r);
    /* Another prompt version, another input or another model: a call. */
    dp_llm_req_t v2 = req;
    v2.prompt_version = "summary-2";
    assert_int_equal(dp_llm_chat(ctx->llm, &v2, &ctx->ans[3]), 0);
    assert_false(ctx->ans[3].cached);
    dp_llm_req_t other = s_req("window facts, revised");
    assert_int_equal(dp_llm_chat(ctx->llm, &other, &ctx->ans[4]), 0);
    assert_false(ctx->ans[4].cached);
    assert_int_equal(s_stat(ctx, "calls"), 4);
    dp_llm_destroy(&ctx->llm);
    ctx->cfg.model = (char *)S_FALLBACK;
    char err[256] = "";
    ctx->llm = dp_llm_new(&ctx->cfg, ctx->store, err, sizeof err);
    assert_non_null(ctx->llm);
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[5]), 0);
    assert_false(ctx->ans[5].cached);
    assert_int_equal(s_stat(ctx, "calls"), 5);
}

static void test_cache_unreachable_is_a_miss(void **state)
{
    s_ctx_t *ctx = *state;
    s_redis(ctx);
    s_start(ctx, "[]", NULL);
    dp_tk_redis_halt(&ctx->redis);
    dp_llm_req_t req = s_req("window facts");
    assert_int_equal(dp_llm_chat(ctx->llm, &req, &ctx->ans[0]), 0);
    assert_false(ctx->ans[0].cached);
    assert_int_equal(dp_llm_cache_put(ctx->llm, &req, &ctx->ans[0]), DP_EREDIS);
}

/* ==== The stand-in itself ==== */

static void test_standin_refuses_bad_shapes(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, "[]", NULL);
    dp_http_opts_t o = {.timeout_ms = S_HTTP_MS,
                        .connect_timeout_ms = S_HTTP_MS,
                        .max_body = 65536};
    dp_http_t *http = dp_http_new(&o);
    assert_non_null(http);
    char *url = dp_asprintf("%s/chat/completions", ctx->base);
    const char *bad[] = {
        "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
        "\"max_tokens\": 5}",
        "{\"model\": \"m\", \"messages\": [], \"max_tokens\": 5}",
        "{\"model\": \"m\", \"messages\": [{\"role\": \"user\"}], "
        "\"max_tokens\": 5}",
        "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": "
        "\"x\"}]}",
        "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": "
        "\"x\"}], \"max_tokens\": 0}",
        "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": "
        "\"x\"}], \"max_tokens\": 5, \"stream\": true}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dp_http_resp_t resp;
        assert_int_equal(
            dp_http_post_json(http, url, bad[i], strlen(bad[i]), &resp), 0);
        assert_int_equal(resp.status, 400);
        assert_non_null(strstr(resp.body, "BadRequestError"));
        dp_http_resp_clear(&resp);
    }
    assert_int_equal(s_stat(ctx, "bad_requests"),
                     (long)(sizeof bad / sizeof bad[0]));
    dp_free(url);
    dp_http_destroy(&http);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_answer_with_usage_and_cost),
        T(test_thinking_and_preamble_come_as_written),
        T(test_429_with_retry_after_then_answer),
        T(test_429_past_the_timeout_is_not_awaited),
        T(test_500_then_fallback_model),
        T(test_unknown_model_goes_to_fallback_at_once),
        T(test_both_models_failing_is_an_error),
        T(test_timeout),
        T(test_malformed_answers_are_clear_errors),
        T(test_budget_refuses_without_a_call),
        T(test_budget_waits_for_answers_in_flight),
        T(test_stop_interrupts),
        T(test_in_flight_cap),
        T(test_key_is_sent_and_never_logged),
        T(test_redirect_is_not_followed),
        T(test_key_refused_over_plain_http_to_another_host),
        T(test_bad_settings_are_refused),
        T(test_unreachable_server),
        T(test_cache_hit_costs_no_call),
        T(test_cache_unreachable_is_a_miss),
        T(test_standin_refuses_bad_shapes),
    };
#undef T
    dp_log_init("test_llm_client");
    signal(SIGPIPE, SIG_IGN); /* a halted Redis, as a service has it */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
