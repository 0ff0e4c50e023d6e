/* test_collector_quiet.c - the schedule learns which repositories changed
 * in one GraphQL query, and lists only those */
/* SPDX-License-Identifier: MIT */
/*
 * Six repositories of one owner, the first two active in the hour
 * S_HOUR (an issue opened with a comment, a pull request opened and
 * merged), all with history a month older, are served by gh-standin (its
 * GraphQL validated against GitHub's schema) beside a private Redis. A
 * collector engine follows them hourly and ticks once after the hour
 * closed: one GraphQL query names all six, the two active ones are listed
 * and the four quiet ones are not, and every window is sent with the
 * events the listings give (checked against a collector that lists all).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "dp_bus.h"
#include "dp_ghdata.h"
#include "dp_mem.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_time.h"
#include "dp_tkcollector.h"
#include "gh_activity.h"

#define S_OWNER "calm"
#define S_REPOS 6
#define S_ACTIVE 2
#define S_HOUR "2025-11-04T10:00:00Z"
#define S_EVENTS 4 /* per active repository */
#define S_START_MS 10000
#define S_RECV_MS 10000
#define S_JOIN_MS 200
#define S_MAX_FRAME (16L * 1024 * 1024)
#define S_DAY INT64_C(86400)
#define S_HOUR_S INT64_C(3600)

static const dp_gh_style_t s_style = {
    .logins = 5,
    .labels = false,
    .body = "Generated for a test.",
    .comment_html = false,
};

typedef struct {
    char *dir, *data;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256];
    int64_t hour;
    json_t *schedule;
} s_ctx_t;

static void s_repo(char *buf, size_t size, int r)
{
    snprintf(buf, size, "%s/r%d", S_OWNER, r);
}

static void s_write(const char *data, int64_t w)
{
    for (int r = 0; r < S_REPOS; r++) {
        char repo[64];
        s_repo(repo, sizeof repo, r);
        json_t *issues = json_array();
        json_t *comments = json_object();
        dp_gh_history(&s_style, issues, repo, w, 5, 2);
        if (r < S_ACTIVE)
            dp_gh_active_hour(&s_style, issues, comments, repo, w,
                              8000000L + r);
        dp_gh_write_repo(data, repo, issues, comments);
        json_decref(issues);
        json_decref(comments);
    }
}

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    *state = ctx;
    ctx->dir = dp_tk_tmpdir("quiet");
    assert_non_null(ctx->dir);
    ctx->data = dp_asprintf("%s/data", ctx->dir);
    dp_gh_mkdir(ctx->data);
    assert_int_equal(dp_time_parse(S_HOUR, &ctx->hour, NULL), 0);
    s_write(ctx->data, ctx->hour);
    dp_tk_redis_start_or_skip(&ctx->redis);
    char *bin = dp_tk_standin_bin();
    if (!dp_tk_have_program(bin))
        fail_msg("%s not found: build the gh-standin target", bin);
    char *argv[] = {
        bin,         (char *)"--data",         ctx->data, (char *)"--port",
        (char *)"0", (char *)"--graphql-warm", NULL};
    int rc = dp_tk_proc_start(&ctx->standin, argv, ctx->base, sizeof ctx->base,
                              S_START_MS);
    dp_free(bin);
    assert_int_equal(rc, 0);
    json_t *repos = json_array();
    for (int r = 0; r < S_REPOS; r++) {
        char repo[64];
        s_repo(repo, sizeof repo, r);
        json_array_append_new(repos, json_string(repo));
    }
    ctx->schedule =
        json_pack("{s:s, s:s, s:[s], s:o}", "timezone", "UTC", "language", "en",
                  "windows", "hourly", "repositories", repos);
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    dp_tk_proc_stop(&ctx->standin);
    dp_tk_redis_stop(&ctx->redis);
    json_decref(ctx->schedule);
    dp_tk_rmdir(ctx->dir);
    dp_free(ctx->data);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Empties Redis: every case starts with no schedule and no cache. */
static void s_flush(s_ctx_t *ctx)
{
    char err[256] = "";
    dp_store_t *store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(store);
    const char *argv[] = {"FLUSHALL"};
    redisReply *r = dp_store_command(store, 1, argv, NULL);
    assert_non_null(r);
    freeReplyObject(r);
    dp_store_destroy(&store);
}

/* What one tick sent: per repository, events of its window. */
typedef struct {
    long events[S_REPOS];
    long windows;
    int64_t complete[S_REPOS];
} s_sent_t;

static void s_count_event(const dp_event_t *ev, void *arg)
{
    (void)ev;
    (*(long *)arg)++;
}

/* One tick of a collector (skip_quiet as given) just after the hour
 * closed; returns what it sent and leaves the stand-in's counters in
 * *stats (the caller decrefs). */
static s_sent_t s_tick(s_ctx_t *ctx, bool skip_quiet, json_t **stats)
{
    s_flush(ctx);
    json_decref(
        dp_tk_standin_call(ctx->base, true, "/_standin/reset", S_RECV_MS));
    char *dir = dp_asprintf("%s/%s", ctx->dir, skip_quiet ? "q" : "l");
    dp_gh_mkdir(dir);
    collector_cfg_t cfg =
        dp_tk_collector_cfg(ctx->base, "test-token", ctx->redis.url);
    cfg.schedule = ctx->schedule;
    cfg.skip_quiet = skip_quiet;
    cfg.events_lag_s = GH_ACTIVITY_EVENTS_LAG_S;
    cfg.lease_ms = 30000;
    cfg.grace_s = 120;
    cfg.catchup_max = 4;
    dp_bus_t *bus = dp_bus_new();
    dp_sock_t *pull = NULL, *sub = NULL;
    collector_t *c =
        dp_tk_collector_start(bus, dir, &cfg, S_JOIN_MS, &pull, &sub);
    /* Six windows of a few events fit the pipe: no reader needed yet. */
    int n = collector_tick(c, ctx->hour + S_HOUR_S + 300);
    assert_int_equal(n, S_REPOS);
    s_sent_t sent = {0};
    for (int i = 0; i < S_REPOS; i++) {
        dp_msg_t win;
        long events = 0;
        dp_tk_recv_window(pull, S_MAX_FRAME, S_RECV_MS, &win, s_count_event,
                          &events);
        const dp_window_t *w = &win.u.window;
        assert_int_equal(w->win_from, ctx->hour);
        assert_int_equal(w->events, events);
        for (int r = 0; r < S_REPOS; r++) {
            char repo[64];
            s_repo(repo, sizeof repo, r);
            if (strcmp(repo, w->repo) == 0) {
                sent.events[r] = events;
                sent.complete[r] = w->complete_until;
            }
        }
        sent.windows++;
        dp_msg_clear(&win);
    }
    *stats = dp_tk_standin_call(ctx->base, false, "/_standin/stats", S_RECV_MS);
    collector_destroy(&c);
    dp_bus_destroy(&bus);
    dp_free(dir);
    return sent;
}

/* Requests for /repos/<repository r>/issues. */
static long s_listings(const json_t *stats, int r)
{
    char repo[64], path[128];
    s_repo(repo, sizeof repo, r);
    snprintf(path, sizeof path, "/repos/%s/issues", repo);
    return (long)json_integer_value(
        json_object_get(json_object_get(stats, "by_path"), path));
}

static void test_tick_lists_only_what_changed(void **state)
{
    s_ctx_t *ctx = *state;
    json_t *quiet_stats = NULL, *listed_stats = NULL;
    s_sent_t quiet = s_tick(ctx, true, &quiet_stats);
    s_sent_t listed = s_tick(ctx, false, &listed_stats);

    /* One GraphQL query learnt about all six (PR details are off). */
    long queries = (long)json_integer_value(
        json_object_get(json_object_get(quiet_stats, "by_path"), "/graphql"));
    assert_int_equal(queries, 1);
    assert_int_equal(
        json_integer_value(json_object_get(listed_stats, "graphql_points")), 0);
    for (int r = 0; r < S_REPOS; r++) {
        long issues = s_listings(quiet_stats, r);
        if (r < S_ACTIVE)
            assert_true(issues >= 1);
        else
            assert_int_equal(issues, 0);
        assert_true(s_listings(listed_stats, r) >= 1);
        /* The same windows either way. */
        assert_int_equal(quiet.events[r], listed.events[r]);
        assert_int_equal(quiet.complete[r], listed.complete[r]);
        assert_int_equal(quiet.events[r], r < S_ACTIVE ? S_EVENTS : 0);
    }
    assert_int_equal(quiet.windows, S_REPOS);
    assert_int_equal(listed.windows, S_REPOS);
    json_decref(quiet_stats);
    json_decref(listed_stats);
}

/* The query names repositories through variables only, and a batch is
 * within GitHub's rules (the stand-in validates it): here, the text. */
static void test_query_has_no_names(void **state)
{
    (void)state;
    char *q = gh_activity_query(3);
    assert_non_null(strstr(q, "r2: repository(owner: $o2, name: $n2)"));
    assert_null(strstr(q, S_OWNER));
    assert_non_null(strstr(q, "rateLimit { cost remaining }"));
    dp_free(q);
    gh_activity_t a = {.repo = "x/y", .latest = 100, .until = 1000};
    assert_true(gh_activity_quiet(&a, 200, 800));
    assert_false(gh_activity_quiet(&a, 100, 800));  /* changed at 100 */
    assert_false(gh_activity_quiet(&a, 200, 1001)); /* not known that far */
    a.latest = -1;
    assert_false(gh_activity_quiet(&a, 200, 800)); /* unknown */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_has_no_names),
        cmocka_unit_test(test_tick_lists_only_what_changed),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
