/* test_gh_origin.c - the token never leaves the API's origin, and no
 * rate-limit header overflows a wait */
/* SPDX-License-Identifier: MIT */
/*
 * A hostile API, played by build/bin/gh-standin on loopback: its Link
 * headers name a next page on another host (127.0.0.2), another port,
 * another scheme or a path outside /api/v3, or it redirects to another
 * origin. A second stand-in stands where those point and counts the
 * requests that reached it and those that carried an Authorization header:
 * both must stay 0, and the window must say in its problems (the report's
 * footer) what was refused and that the listing is incomplete, or fail
 * with a STATUS that says so. A redirect within the API is still followed.
 * GraphQL goes to the API's own origin (<api>/graphql, or /api/graphql
 * beside GitHub Enterprise Server's /api/v3), and a redirect of a query is
 * never followed. Then rate-limit headers that are huge, negative, garbage or a
 * far HTTP date go through gh_client: a rate-limit problem, never a refused
 * token, and (under UBSan) no overflow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "collector.h"
#include "dp_bus.h"
#include "dp_ghdata.h"
#include "dp_http.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_tkcollector.h"
#include "dp_time.h"
#include "gh_client.h"

#define S_REPO "acme/origin"
#define S_TOKEN "test-token"
#define S_HOUR "2025-11-04T10:00:00Z"
#define S_ITEMS 25 /* created and updated in the hour */
#define S_COMMENT_EVERY 5
#define S_COMMENT_ID 9000000
#define S_PER_PAGE 10 /* so the listing has a next page */
#define S_FOREIGN_HOST "127.0.0.2"
#define S_RECV_MS 20000
#define S_START_MS 10000
#define S_JOIN_MS 200
#define S_HTTP_MS 5000
#define S_MAX_WAIT_S 5
#define S_PACE_CAP_MS 10000 /* gh_client's GH_PACE_CAP_MS */
#define S_MAX_FRAME (16L * 1024 * 1024)
#define S_ARGS_MAX 32
#define HOUR INT64_C(3600)

static const dp_gh_style_t s_style = {
    .logins = 5, .labels = false, .body = "Generated.", .comment_html = true};

/* ==== Fixture ==== */

typedef struct {
    dp_tk_proc_t proc;
    char base[256]; /* as printed, with the prefix */
} s_standin_t;

typedef struct {
    char *dir, *data;
    dp_tk_redis_t redis;
    s_standin_t api;     /* the API the collector is given */
    s_standin_t foreign; /* where a hostile link or redirect points */
    int64_t w;           /* the hour */
    dp_bus_t *bus;
    dp_sock_t *pull; /* where the collector pushes */
    dp_sock_t *sub;  /* its tap: STATUS */
    collector_t *collector;
    dp_msg_t window; /* the WINDOW received */
    long events;     /* EVENTs before it */
} s_ctx_t;

static void s_write(const char *data, int64_t w)
{
    json_t *issues = json_array();
    json_t *comments = json_object();
    for (long i = 0; i < S_ITEMS; i++) {
        bool comment = i % S_COMMENT_EVERY == 0;
        json_array_append_new(
            issues, dp_gh_item(&s_style, S_REPO, i + 1, i % 4 == 1, w + 60 * i,
                               w + 100 + 60 * i, 0, 0, comment));
        if (comment)
            dp_gh_comment(&s_style, comments, S_REPO, i + 1, S_COMMENT_ID + i,
                          w + 120 + 60 * i);
    }
    dp_gh_write_repo(data, S_REPO, issues, comments);
    json_decref(issues);
    json_decref(comments);
}

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    assert_int_equal(dp_time_parse(S_HOUR, &ctx->w, NULL), 0);
    *state = ctx;
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    collector_destroy(&ctx->collector);
    dp_bus_destroy(&ctx->bus);
    dp_tk_proc_stop(&ctx->api.proc);
    dp_tk_proc_stop(&ctx->foreign.proc);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    dp_msg_clear(&ctx->window);
    dp_free(ctx->data);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Starts Redis and writes the dataset (once per test). */
static void s_prepare(s_ctx_t *ctx)
{
    if (ctx->dir)
        return;
    dp_tk_redis_start_or_skip(&ctx->redis);
    ctx->dir = dp_tk_tmpdir("origin");
    assert_non_null(ctx->dir);
    ctx->data = dp_asprintf("%s/data", ctx->dir);
    dp_gh_mkdir(ctx->data);
    s_write(ctx->data, ctx->w);
}

/* Starts a stand-in on the dataset with extra arguments (NULL-ended). */
static void s_standin(s_ctx_t *ctx, s_standin_t *s, const char *const *extra)
{
    s_prepare(ctx);
    const char *bin = getenv("DP_BIN_DIR");
    if (!bin || !*bin) {
        print_message("SKIP: DP_BIN_DIR unset: run by ctest, which says "
                      "where gh-standin is\n");
        skip();
    }
    char *standin = dp_asprintf("%s/gh-standin", bin);
    char *argv[S_ARGS_MAX] = {standin, (char *)"--data", ctx->data};
    size_t n = 3;
    for (size_t i = 0; extra && extra[i]; i++) {
        assert_true(n + 1 < S_ARGS_MAX);
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    int rc =
        dp_tk_proc_start(&s->proc, argv, s->base, sizeof s->base, S_START_MS);
    dp_free(standin);
    assert_int_equal(rc, 0);
}

/* The port of a stand-in, as text. */
static void s_port(const s_standin_t *s, char *out, size_t size)
{
    const char *colon = strrchr(s->base, ':');
    assert_non_null(colon);
    snprintf(out, size, "%ld", strtol(colon + 1, NULL, 10));
}

/* GET /_standin/stats of a stand-in; the caller decrefs it. */
static json_t *s_stats(const s_standin_t *s)
{
    return dp_tk_standin_call(s->base, false, "/_standin/stats", S_HTTP_MS);
}

static long s_stat(const s_standin_t *s, const char *name)
{
    json_t *doc = s_stats(s);
    long n = (long)json_integer_value(json_object_get(doc, name));
    json_decref(doc);
    return n;
}

/* The foreign stand-in got nothing: no request, no token. */
static void s_assert_untouched(const s_standin_t *s)
{
    long requests = s_stat(s, "requests");
    long auth = s_stat(s, "authorization");
    print_message("foreign origin %s: %ld requests, %ld with a token\n",
                  s->base, requests, auth);
    assert_int_equal(auth, 0);
    assert_int_equal(requests, 0);
}

/* Starts the collector engine on the API stand-in, with a token. */
static void s_collector(s_ctx_t *ctx)
{
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    collector_cfg_t cfg =
        dp_tk_collector_cfg(ctx->api.base, S_TOKEN, ctx->redis.url);
    cfg.per_page = S_PER_PAGE;
    cfg.max_wait_s = S_MAX_WAIT_S;
    ctx->collector = dp_tk_collector_start(ctx->bus, ctx->dir, &cfg, S_JOIN_MS,
                                           &ctx->pull, &ctx->sub);
}

static void s_count_event(const dp_event_t *ev, void *arg)
{
    (void)ev;
    (*(long *)arg)++;
}

/* Collects the hour; reads its WINDOW when the collector sent one. */
static int s_collect(s_ctx_t *ctx)
{
    s_collector(ctx);
    dp_collect_t req = {.repo = (char *)S_REPO,
                        .win_from = ctx->w,
                        .win_to = ctx->w + HOUR,
                        .revision = 1,
                        .tz = (char *)"UTC",
                        .lang = (char *)"en"};
    int rc = collector_collect(ctx->collector, &req);
    ctx->events = 0;
    if (rc == 0)
        dp_tk_recv_window(ctx->pull, S_MAX_FRAME, S_RECV_MS, &ctx->window,
                          s_count_event, &ctx->events);
    return rc;
}

/* How many problem lines of the WINDOW hold every one of the texts. */
static long s_problems_with(const dp_window_t *w, const char *a, const char *b)
{
    long n = 0;
    for (size_t i = 0; i < w->problems.count; i++) {
        const char *p = w->problems.items[i];
        print_message("problem: %s\n", p);
        n += strstr(p, a) && (!b || strstr(p, b));
        assert_null(strstr(p, S_TOKEN));
    }
    return n;
}

/* The foreign stand-in (when started) got nothing, and the window was
 * sent with what page 1 held, a problem naming the refused origin, and a
 * listing marked incomplete before the window's end. */
static void s_assert_cut(s_ctx_t *ctx, const char *refused, const char *why)
{
    assert_int_equal(s_collect(ctx), 0);
    if (ctx->foreign.proc.pid)
        s_assert_untouched(&ctx->foreign);
    const dp_window_t *w = &ctx->window.u.window;
    assert_true(s_problems_with(w, refused, why) >= 1);
    assert_true(s_problems_with(w, "issues listing incomplete", NULL) == 1);
    assert_true(w->complete_until < ctx->w + HOUR);
    assert_true(ctx->events > 0);
    assert_true(ctx->events < S_ITEMS);
}

/* ==== Next links ==== */

static void test_next_link_to_a_foreign_host_gets_no_token(void **state)
{
    s_ctx_t *ctx = *state;
    const char *api[] = {"--port",      "0",
                         "--token",     S_TOKEN,
                         "--link-base", "http://" S_FOREIGN_HOST ":{port}",
                         NULL};
    s_standin(ctx, &ctx->api, api);
    char port[16];
    s_port(&ctx->api, port, sizeof port);
    /* The same port on another loopback address: only the host differs. */
    const char *foreign[] = {"--host", S_FOREIGN_HOST, "--port", port, NULL};
    s_standin(ctx, &ctx->foreign, foreign);
    s_assert_cut(ctx, "http://" S_FOREIGN_HOST ":", "outside the API's origin");
}

static void test_next_link_to_a_foreign_port_gets_no_token(void **state)
{
    s_ctx_t *ctx = *state;
    const char *foreign[] = {"--port", "0", NULL};
    s_standin(ctx, &ctx->foreign, foreign);
    const char *api[] = {"--port", "0",           "--token",
                         S_TOKEN,  "--link-base", ctx->foreign.base,
                         NULL};
    s_standin(ctx, &ctx->api, api);
    s_assert_cut(ctx, ctx->foreign.base, "outside the API's origin");
}

static void test_next_link_on_another_scheme_is_refused(void **state)
{
    s_ctx_t *ctx = *state;
    /* The API is http on loopback; its next link says https on the same
     * host and port: another origin. */
    const char *api[] = {"--port", "0",           "--token",
                         S_TOKEN,  "--link-base", "https://127.0.0.1:{port}",
                         NULL};
    s_standin(ctx, &ctx->api, api);
    s_assert_cut(ctx, "https://127.0.0.1:", "outside the API's origin");
}

static void test_next_link_outside_the_api_path_is_refused(void **state)
{
    s_ctx_t *ctx = *state;
    const char *api[] = {
        "--port",   "0",       "--token",     S_TOKEN,
        "--prefix", "/api/v3", "--link-base", "http://127.0.0.1:{port}",
        NULL};
    s_standin(ctx, &ctx->api, api);
    s_assert_cut(ctx, "/repositories/", "outside the API's path");
    /* Nothing outside /api/v3 was asked for. */
    json_t *stats = s_stats(&ctx->api);
    const char *path;
    json_t *v;
    json_object_foreach(json_object_get(stats, "by_path"), path, v)
    {
        print_message("asked: %s\n", path);
        assert_true(strncmp(path, "/api/v3/", 8) == 0);
    }
    json_decref(stats);
}

/* ==== Redirects ==== */

/* A foreign stand-in on host, and an API that answers paths holding
 * substr with a redirect (status) there. */
static void s_redirecting(s_ctx_t *ctx, const char *host, const char *substr,
                          const char *status)
{
    const char *foreign[] = {"--host", host, "--port", "0", NULL};
    s_standin(ctx, &ctx->foreign, foreign);
    char *fault = dp_asprintf("%s:redirect:0:%s", substr, status);
    const char *api[] = {
        "--port",          "0",       "--token", S_TOKEN, "--redirect-to",
        ctx->foreign.base, "--fault", fault,     NULL};
    s_standin(ctx, &ctx->api, api);
    dp_free(fault);
}

static void test_redirect_to_another_origin_fails_the_window(void **state)
{
    s_ctx_t *ctx = *state;
    s_redirecting(ctx, "127.0.0.1", "/issues", "302");
    /* Page 1 is refused: nothing was read, so the window fails, saying
     * why (not an empty report that says nothing). */
    int rc = s_collect(ctx);
    s_assert_untouched(&ctx->foreign);
    assert_int_equal(rc, DP_EORIGIN);
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    assert_int_equal(
        dp_sock_recv(ctx->sub, &subject, &frame, S_MAX_FRAME, S_RECV_MS), 0);
    dp_msg_t status = {0};
    char err[256] = "";
    assert_int_equal(dp_msg_decode(frame.data, frame.len, S_MAX_FRAME, &status,
                                   err, sizeof err),
                     0);
    assert_int_equal(status.type, DP_MSG_STATUS);
    print_message("status: %s %s\n", status.u.status.state,
                  status.u.status.message);
    assert_string_equal(status.u.status.state, "failed");
    assert_non_null(strstr(status.u.status.message, "outside its origin"));
    dp_msg_clear(&status);
    dp_buf_free(&subject);
    dp_buf_free(&frame);
}

static void test_redirect_of_a_later_page_cuts_the_listing(void **state)
{
    s_ctx_t *ctx = *state;
    s_redirecting(ctx, S_FOREIGN_HOST, "/repositories/", "307");
    s_assert_cut(ctx, "307 redirect not followed", ctx->foreign.base);
}

static void test_redirect_within_the_api_is_followed(void **state)
{
    s_ctx_t *ctx = *state;
    /* GitHub's answer for a renamed repository: 301 (or 308) to
     * /repositories/<id>/...; the stand-in requires the token, so a
     * redirect followed without it would fail with 401. */
    const char *api[] = {"--port",   "0",
                         "--token",  S_TOKEN,
                         "--prefix", "/api/v3",
                         "--fault",  "/issues/comments:redirect:1:308",
                         "--fault",  "/repos/" S_REPO "/issues:redirect:1:301",
                         NULL};
    s_standin(ctx, &ctx->api, api);
    assert_int_equal(s_collect(ctx), 0);
    const dp_window_t *w = &ctx->window.u.window;
    assert_int_equal(s_problems_with(w, "", NULL), 0);
    assert_int_equal(ctx->events, S_ITEMS + S_ITEMS / S_COMMENT_EVERY);
    assert_int_equal(w->complete_until, ctx->w + HOUR);
    json_t *stats = s_stats(&ctx->api);
    json_t *by_status = json_object_get(stats, "by_status");
    assert_int_equal(json_integer_value(json_object_get(by_status, "301")), 1);
    assert_int_equal(json_integer_value(json_object_get(by_status, "308")), 1);
    assert_int_equal(json_integer_value(json_object_get(by_status, "401")), 0);
    json_decref(stats);
}

/* ==== A client of the API stand-in ==== */

/* A client of the API stand-in, with a fresh token state. */
static gh_client_t *s_client(s_ctx_t *ctx, dp_store_t **store)
{
    char err[256];
    *store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(*store);
    gh_client_cfg_t cfg = {.api_url = ctx->api.base,
                           .tokens = S_TOKEN,
                           .store = *store,
                           .timeout_ms = S_HTTP_MS,
                           .max_retries = 2,
                           .retry_base_ms = 1,
                           .max_wait_s = S_MAX_WAIT_S,
                           .max_body = S_MAX_FRAME,
                           .cache_ttl_s = 60,
                           .rate_reserve = 10};
    gh_client_t *gh = gh_client_new(&cfg);
    assert_non_null(gh);
    return gh;
}

/* Has a problem of the client this text? */
static bool s_said(const gh_client_t *gh, const char *text)
{
    const dp_strs_t *p = gh_client_problems(gh);
    bool found = false;
    for (size_t i = 0; i < p->count; i++) {
        print_message("problem: %s\n", p->items[i]);
        found = found || strstr(p->items[i], text);
    }
    return found;
}

/* ==== GraphQL ==== */

/* A GraphQL query of the details of PR #2 (a pull request of the
 * dataset), as the collector sends it. */
static char *s_graphql_body(void)
{
    return dp_strdup("{\"query\":\"query($owner: String!, $name: String!) { "
                     "repository(owner: $owner, name: $name) { pullRequest("
                     "number: 2) { files(first: 1) { totalCount } } } }\","
                     "\"variables\":{\"owner\":\"acme\",\"name\":"
                     "\"origin\"}}");
}

static void test_graphql_endpoint_is_on_the_api_origin(void **state)
{
    s_ctx_t *ctx = *state;
    s_prepare(ctx);
    dp_store_t *store = NULL;
    /* api.github.com serves it below the API, GitHub Enterprise Server
     * beside /api/v3: the same origin either way. */
    static const struct {
        const char *api, *graphql;
    } urls[] = {
        {"https://api.github.com", "https://api.github.com/graphql"},
        {"https://ghe.example.com/api/v3",
         "https://ghe.example.com/api/graphql"},
        {"https://ghe.example.com/api/v3/",
         "https://ghe.example.com/api/graphql"},
        {"https://proxy.example.com/github",
         "https://proxy.example.com/github/graphql"},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char err[256];
        store = dp_store_new(ctx->redis.url, err, sizeof err);
        assert_non_null(store);
        gh_client_cfg_t cfg = {.api_url = urls[i].api,
                               .tokens = S_TOKEN,
                               .store = store,
                               .max_body = S_MAX_FRAME};
        gh_client_t *gh = gh_client_new(&cfg);
        assert_non_null(gh);
        assert_string_equal(gh_client_graphql_url(gh), urls[i].graphql);
        gh_client_destroy(&gh);
        dp_store_destroy(&store);
    }

    /* And the query reaches an Enterprise API's /api/graphql, with the
     * token (the stand-in requires it). */
    const char *api[] = {"--port",   "0",       "--token",        S_TOKEN,
                         "--prefix", "/api/v3", "--graphql-warm", NULL};
    s_standin(ctx, &ctx->api, api);
    gh_client_t *gh = s_client(ctx, &store);
    char *body = s_graphql_body();
    json_t *doc = NULL;
    int rc = gh_client_graphql(gh, body, &doc);
    if (rc == DP_EHTTP && s_said(gh, "POST /api/graphql: 500"))
        fail_msg("the stand-in has no GraphQL validator: scripts/deps.sh");
    assert_int_equal(rc, 0);
    assert_int_equal(dp_json_int(doc,
                                 "data.repository.pullRequest.files."
                                 "totalCount",
                                 -1),
                     0);
    json_t *stats = s_stats(&ctx->api);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(stats, "by_path"), "/api/graphql")),
                     1);
    assert_int_equal(
        json_integer_value(json_object_get(stats, "authorization")), 1);
    json_decref(stats);
    json_decref(doc);
    dp_free(body);
    gh_client_destroy(&gh);
    dp_store_destroy(&store);
}

static void test_graphql_redirect_is_not_followed(void **state)
{
    s_ctx_t *ctx = *state;
    s_redirecting(ctx, S_FOREIGN_HOST, "/graphql", "307");
    dp_store_t *store = NULL;
    gh_client_t *gh = s_client(ctx, &store);
    char *body = s_graphql_body();
    json_t *doc = NULL;
    assert_int_equal(gh_client_graphql(gh, body, &doc), DP_EHTTP);
    assert_null(doc);
    assert_true(s_said(gh, "POST /graphql: 307"));
    /* A POST is not sent twice: the redirect is an answer, not a way. */
    s_assert_untouched(&ctx->foreign);
    dp_free(body);
    gh_client_destroy(&gh);
    dp_store_destroy(&store);
}

/* ==== Rate-limit headers ==== */

/* Each refusal names a path the stand-in answers with these headers. */
typedef struct {
    const char *path;  /* asked for */
    const char *fault; /* --fault SUBSTR:ratehdr:0:STATUS|headers */
} s_limit_case_t;

static const s_limit_case_t s_refusals[] = {
    {"/limit/1", "/limit/1:ratehdr:0:403|retry-after=9223372036854775807"},
    {"/limit/2", "/limit/2:ratehdr:0:429|retry-after=99999999999999999999999"},
    {"/limit/3", "/limit/3:ratehdr:0:403|retry-after=Fri, 31 Dec 9999 "
                 "23:59:59 GMT"},
    {"/limit/4", "/limit/4:ratehdr:0:403|retry-after=-7"},
    {"/limit/5", "/limit/5:ratehdr:0:403|retry-after=soon"},
    {"/limit/6", "/limit/6:ratehdr:0:403|x-ratelimit-remaining=0|"
                 "x-ratelimit-reset=9223372036854775807"},
    {"/limit/7", "/limit/7:ratehdr:0:403|x-ratelimit-remaining=0|"
                 "x-ratelimit-reset=-99999999999999999999"},
    {"/limit/8", "/limit/8:ratehdr:0:429|x-ratelimit-remaining=0|"
                 "x-ratelimit-reset=99999999999999999999999999999"},
};
#define S_REFUSALS (sizeof s_refusals / sizeof s_refusals[0])

static void test_huge_or_garbage_limits_are_rate_limits(void **state)
{
    s_ctx_t *ctx = *state;
    const char *api[2 * S_REFUSALS + 5] = {"--port", "0", "--token", S_TOKEN};
    size_t n = 4;
    for (size_t i = 0; i < S_REFUSALS; i++) {
        api[n++] = "--fault";
        api[n++] = s_refusals[i].fault;
    }
    api[n] = NULL;
    s_standin(ctx, &ctx->api, api);
    for (size_t i = 0; i < S_REFUSALS; i++) {
        print_message("case: %s\n", s_refusals[i].fault);
        dp_store_t *store = NULL;
        gh_client_t *gh = s_client(ctx, &store);
        json_t *doc = NULL;
        int rc = gh_client_get(gh, s_refusals[i].path, &doc, NULL);
        assert_null(doc);
        /* A limit, given up on (never a refused token, never a wait
         * longer than allowed). */
        assert_int_equal(rc, DP_ERATE);
        assert_true(s_said(gh, "rate limit"));
        assert_false(s_said(gh, "forbidden"));
        assert_true(gh_client_stats(gh)->waited_ms <= S_MAX_WAIT_S * 1000L);
        gh_client_destroy(&gh);
        dp_store_destroy(&store);
    }
}

static void test_huge_limits_on_a_success_never_overflow(void **state)
{
    s_ctx_t *ctx = *state;
    const char *api[] = {
        "--port", "0", "--token", S_TOKEN, "--fault",
        /* The token's budget: one left, reset at the end of time. */
        "/repos/" S_REPO "/issues/3:ratehdr:0:200|"
        "x-ratelimit-limit=99999999999999999999|x-ratelimit-remaining=1|"
        "x-ratelimit-reset=9223372036854775807",
        "--fault",
        /* None left, reset at the end of time. */
        "/repos/" S_REPO "/issues/4:ratehdr:0:200|x-ratelimit-remaining=0|"
        "x-ratelimit-reset=99999999999999999999999",
        "--fault",
        "/repos/" S_REPO "/issues/5:ratehdr:0:200|x-ratelimit-limit=lots|"
        "x-ratelimit-remaining=-5|x-ratelimit-reset=soon",
        NULL};
    s_standin(ctx, &ctx->api, api);
    dp_store_t *store = NULL;
    json_t *doc = NULL;

    gh_client_t *gh = s_client(ctx, &store);
    assert_int_equal(
        gh_client_get(gh, "/repos/" S_REPO "/issues/3", &doc, NULL), 0);
    json_decref(doc);
    assert_int_equal(gh_client_stats(gh)->rl_limit, DP_HTTP_COUNT_MAX);
    assert_int_equal(gh_client_stats(gh)->rl_remaining, 1);
    /* Below the reserve: the next request is paced, by at most the cap. */
    assert_int_equal(
        gh_client_get(gh, "/repos/" S_REPO "/issues/3", &doc, NULL), 0);
    json_decref(doc);
    long waited = gh_client_stats(gh)->waited_ms;
    assert_true(waited > 0 && waited <= S_PACE_CAP_MS);
    gh_client_destroy(&gh);
    dp_store_destroy(&store);

    gh = s_client(ctx, &store);
    assert_int_equal(
        gh_client_get(gh, "/repos/" S_REPO "/issues/4", &doc, NULL), 0);
    json_decref(doc);
    /* Used up until far beyond max_wait_s: given up, as a rate limit. */
    assert_int_equal(
        gh_client_get(gh, "/repos/" S_REPO "/issues/4", &doc, NULL), DP_ERATE);
    assert_null(doc);
    assert_true(s_said(gh, "rate limit used up"));
    gh_client_destroy(&gh);
    dp_store_destroy(&store);

    gh = s_client(ctx, &store);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(
            gh_client_get(gh, "/repos/" S_REPO "/issues/5", &doc, NULL), 0);
        json_decref(doc);
    }
    assert_int_equal(gh_client_stats(gh)->rl_remaining, -1);
    assert_int_equal(gh_client_stats(gh)->rl_limit, -1);
    assert_int_equal(gh_client_stats(gh)->waited_ms, 0);
    gh_client_destroy(&gh);
    dp_store_destroy(&store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_next_link_to_a_foreign_host_gets_no_token),
        T(test_next_link_to_a_foreign_port_gets_no_token),
        T(test_next_link_on_another_scheme_is_refused),
        T(test_next_link_outside_the_api_path_is_refused),
        T(test_redirect_to_another_origin_fails_the_window),
        T(test_redirect_of_a_later_page_cuts_the_listing),
        T(test_redirect_within_the_api_is_followed),
        T(test_graphql_endpoint_is_on_the_api_origin),
        T(test_graphql_redirect_is_not_followed),
        T(test_huge_or_garbage_limits_are_rate_limits),
        T(test_huge_limits_on_a_success_never_overflow),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
