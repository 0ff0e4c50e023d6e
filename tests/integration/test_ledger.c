/* test_ledger.c - a window's life in Redis (common/dp_ledger), on a real
 * redis-server */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dp_ledger.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_time.h"

#define S_REPO "acme/widgets"
#define S_HOUR INT64_C(3600)
#define S_DAY INT64_C(86400)

typedef struct {
    dp_tk_redis_t redis;
    dp_store_t *store;
} s_ctx_t;

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    dp_tk_redis_start_or_skip(&ctx->redis);
    char err[256] = "";
    ctx->store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(ctx->store);
    *state = ctx;
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    dp_store_destroy(&ctx->store);
    dp_tk_redis_stop(&ctx->redis);
    dp_free(ctx);
    return 0;
}

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    if (dp_time_parse(iso, &t, NULL) != 0)
        fail_msg("could not parse %s", iso);
    return t;
}

/* The number of keys in Redis. */
static long long s_dbsize(dp_store_t *store)
{
    const char *argv[] = {"DBSIZE"};
    redisReply *r = dp_store_command(store, 1, argv, NULL);
    assert_non_null(r);
    long long n = r->integer;
    freeReplyObject(r);
    return n;
}

static void test_name_round_trips_and_rejects_garbage(void **state)
{
    (void)state;
    dp_ledger_win_t w = {.repo = "a-b/c.d", .from = 100, .to = 3700};
    char name[256], repo[128];
    dp_ledger_name(name, sizeof name, &w);
    assert_string_equal(name, "a-b/c.d:100:3700");
    dp_ledger_win_t back;
    assert_int_equal(dp_ledger_parse_name(name, &back, repo, sizeof repo), 0);
    assert_string_equal(back.repo, "a-b/c.d");
    assert_int_equal(back.from, 100);
    assert_int_equal(back.to, 3700);
    const char *bad[] = {"",      "x",      ":1:2", "r:1",  "r:2:1",   "r:a:2",
                         "r:1:b", "r:-1:2", "r::2", "r:1:", "r:1:2:3x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(
            dp_ledger_parse_name(bad[i], &back, repo, sizeof repo), 0);
}

static void test_dedup_is_per_window(void **state)
{
    s_ctx_t *ctx = *state;
    int64_t h = s_at("2025-12-15T06:00Z"), now = time(NULL);
    dp_ledger_win_t hour = {.repo = S_REPO, .from = h, .to = h + S_HOUR};
    dp_ledger_win_t day = {
        .repo = S_REPO, .from = h - 6 * S_HOUR, .to = h + 18 * S_HOUR};
    const char *ids[] = {"issue:1:opened:1", "comment:7", "review:9"};
    bool fresh[3];
    assert_int_equal(dp_ledger_mark_seen(ctx->store, &hour, now, ids, 3, fresh),
                     0);
    assert_true(fresh[0] && fresh[1] && fresh[2]);
    /* The same ids in the day that holds the hour: new to the day. */
    assert_int_equal(dp_ledger_mark_seen(ctx->store, &day, now, ids, 2, fresh),
                     0);
    assert_true(fresh[0] && fresh[1]);
    /* Again in each: nothing new; one more id: only that one. */
    const char *more[] = {"comment:7", "comment:8", "review:9"};
    assert_int_equal(
        dp_ledger_mark_seen(ctx->store, &hour, now, more, 3, fresh), 0);
    assert_false(fresh[0]);
    assert_true(fresh[1]);
    assert_false(fresh[2]);
    assert_int_equal(dp_ledger_mark_seen(ctx->store, &day, now, more, 3, fresh),
                     0);
    assert_false(fresh[0]);
    assert_true(fresh[1]);
    assert_true(fresh[2]);
}

static void test_more_ids_than_one_batch_are_all_marked(void **state)
{
    s_ctx_t *ctx = *state;
    enum { N = 1000 };
    int64_t h = s_at("2025-12-15T06:00Z");
    dp_ledger_win_t w = {.repo = S_REPO, .from = h, .to = h + S_HOUR};
    char bufs[N][24];
    const char *ids[N];
    bool fresh[N];
    for (int i = 0; i < N; i++) {
        snprintf(bufs[i], sizeof bufs[i], "comment:%d", i);
        ids[i] = bufs[i];
    }
    assert_int_equal(
        dp_ledger_mark_seen(ctx->store, &w, time(NULL), ids, N / 2, fresh), 0);
    assert_int_equal(
        dp_ledger_mark_seen(ctx->store, &w, time(NULL), ids, N, fresh), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(fresh[i], i >= N / 2);
}

static void test_revision_moves_only_with_fresh_events(void **state)
{
    s_ctx_t *ctx = *state;
    int64_t h = s_at("2025-12-15T06:00Z"), now = time(NULL);
    dp_ledger_win_t w = {.repo = S_REPO, .from = h, .to = h + S_HOUR};
    assert_int_equal(dp_ledger_revise(ctx->store, &w, now, 5, 0), 1);
    assert_int_equal(dp_ledger_revise(ctx->store, &w, now, 0, 0), 1);
    assert_int_equal(dp_ledger_revise(ctx->store, &w, now, 2, 0), 2);
    assert_int_equal(dp_ledger_revise(ctx->store, &w, now, 0, 1), 2);
    /* Another window starts at the revision it was asked for. */
    dp_ledger_win_t other = {.repo = S_REPO, .from = h, .to = h + S_DAY};
    assert_int_equal(dp_ledger_revise(ctx->store, &other, now, 1, 3), 3);
}

static void test_pending_windows_are_due_tried_and_dropped(void **state)
{
    s_ctx_t *ctx = *state;
    int64_t h = s_at("2025-12-15T06:00Z"), now = time(NULL);
    dp_collect_t req = {0};
    req.repo = S_REPO;
    req.win_from = h;
    req.win_to = h + S_HOUR;
    req.tz = "+08:00";
    req.lang = "en";
    dp_ledger_win_t w = {.repo = S_REPO, .from = h, .to = h + S_HOUR};
    assert_false(dp_ledger_pending_has(ctx->store, &w));
    assert_int_equal(dp_ledger_pending_add(ctx->store, &req, now, 60), 0);
    assert_true(dp_ledger_pending_has(ctx->store, &w));
    /* Adding again keeps the deadline. */
    assert_int_equal(dp_ledger_pending_add(ctx->store, &req, now + 50, 60), 0);
    dp_strs_t due = {0};
    assert_int_equal(dp_ledger_pending_due(ctx->store, now + 59, 10, &due), 0);
    assert_int_equal(dp_ledger_pending_due(ctx->store, now + 60, 10, &due), 1);
    assert_string_equal(due.items[0], "acme/widgets:1765778400:1765782000");

    dp_msg_t msg;
    int tries = dp_ledger_pending_try(ctx->store, due.items[0], now + 60, 60,
                                      DP_PROTO_MAX_FRAME, &msg);
    assert_int_equal(tries, 1);
    assert_int_equal(msg.type, DP_MSG_COLLECT);
    assert_string_equal(msg.u.collect.repo, S_REPO);
    assert_string_equal(msg.u.collect.tz, "+08:00");
    assert_false(msg.u.collect.replay);
    dp_msg_clear(&msg);
    /* The deadline moved: not due again until two watch periods on. */
    dp_strs_clear(&due);
    assert_int_equal(dp_ledger_pending_due(ctx->store, now + 179, 10, &due), 0);
    assert_int_equal(dp_ledger_pending_due(ctx->store, now + 180, 10, &due), 1);
    tries = dp_ledger_pending_try(ctx->store, due.items[0], now + 180, 60,
                                  DP_PROTO_MAX_FRAME, &msg);
    assert_int_equal(tries, 2);
    dp_msg_clear(&msg);
    dp_strs_clear(&due);

    dp_ledger_pending_drop(ctx->store, &w);
    assert_false(dp_ledger_pending_has(ctx->store, &w));
    assert_int_equal(s_dbsize(ctx->store), 0);

    /* A name without its request (expired, or garbage) is dropped. */
    const char *zadd[] = {"ZADD", "dp:2:pending", "1", "acme/widgets:1:2"};
    redisReply *r = dp_store_command(ctx->store, 4, zadd, NULL);
    freeReplyObject(r);
    assert_int_equal(dp_ledger_pending_try(ctx->store, "acme/widgets:1:2", now,
                                           60, DP_PROTO_MAX_FRAME, &msg),
                     DP_ENOTFOUND);
    assert_int_equal(dp_ledger_pending_due(ctx->store, now, 10, &due), 0);
}

static void test_events_are_stored_once_and_counted(void **state)
{
    s_ctx_t *ctx = *state;
    int64_t h = s_at("2025-12-15T06:00Z"), now = time(NULL);
    dp_ledger_win_t w = {.repo = S_REPO, .from = h, .to = h + S_HOUR};
    bool grew;
    assert_int_equal(dp_ledger_count_events(ctx->store, &w), 0);
    assert_int_equal(
        dp_ledger_put_event(ctx->store, &w, now, "a", "\x01\x00x", 3, &grew),
        0);
    assert_true(grew);
    assert_int_equal(
        dp_ledger_put_event(ctx->store, &w, now, "a", "\x01\x00x", 3, &grew),
        0);
    assert_false(grew);
    assert_int_equal(
        dp_ledger_put_event(ctx->store, &w, now, "b", "yy", 2, &grew), 0);
    assert_int_equal(dp_ledger_count_events(ctx->store, &w), 2);
    redisReply *r = dp_ledger_events(ctx->store, &w);
    assert_non_null(r);
    assert_int_equal(r->elements, 2);
    size_t total = r->element[0]->len + r->element[1]->len;
    assert_int_equal(total, 5); /* binary-safe */
    freeReplyObject(r);
    dp_buf_t buf = DP_BUF_INIT;
    assert_int_equal(dp_ledger_get_window(ctx->store, &w, &buf), DP_ENOTFOUND);
    assert_int_equal(dp_ledger_put_window(ctx->store, &w, now, "meta", 4), 0);
    assert_int_equal(dp_ledger_get_window(ctx->store, &w, &buf), 0);
    assert_string_equal(buf.data, "meta");
    dp_buf_free(&buf);
}

/* Keys written here use the real clock (an expiry in the past deletes a key
 * at once), but for the test below. */

/* Every key expires a window length and an hour after the window is done;
 * a window written long after its end (a backfill) lives that long from
 * when it is written, and one written at a time already past its expiry
 * is gone at once. */
static void test_keys_expire_by_the_window_clock(void **state)
{
    s_ctx_t *ctx = *state;
    int64_t now = (int64_t)time(NULL);
    int64_t h = now / S_HOUR * S_HOUR - 10 * S_DAY;
    dp_ledger_win_t w = {.repo = S_REPO, .from = h, .to = h + S_HOUR};
    assert_int_equal(dp_ledger_expiry(&w, h + S_HOUR + 60),
                     h + 2 * S_HOUR + 60 + DP_LEDGER_MARGIN_S);
    assert_int_equal(dp_ledger_expiry(&w, h - S_DAY),
                     h + 2 * S_HOUR + DP_LEDGER_MARGIN_S);
    /* Written at its time, ten days ago: expired already. */
    const char *ids[] = {"x"};
    bool fresh[1];
    assert_int_equal(
        dp_ledger_mark_seen(ctx->store, &w, h + S_HOUR, ids, 1, fresh), 0);
    assert_int_equal(dp_ledger_put_window(ctx->store, &w, h + S_HOUR, "m", 1),
                     0);
    assert_int_equal(s_dbsize(ctx->store), 0);
    /* Written now (a backfill): lives an hour and a window from now. */
    assert_int_equal(dp_ledger_put_window(ctx->store, &w, now, "m", 1), 0);
    const char *argv[] = {"TTL", "dp:2:{acme/widgets}:w:0:0:meta"};
    char key[256];
    snprintf(key, sizeof key, "dp:2:{%s}:w:%lld:%lld:meta", S_REPO,
             (long long)w.from, (long long)w.to);
    argv[1] = key;
    redisReply *r = dp_store_command(ctx->store, 2, argv, NULL);
    assert_non_null(r);
    assert_true(r->integer > S_HOUR + DP_LEDGER_MARGIN_S - 60);
    assert_true(r->integer <= S_HOUR + DP_LEDGER_MARGIN_S);
    freeReplyObject(r);
}

/* Trends read the summaries of the windows before: a day across a daylight
 * saving change lasts 25 hours, and the day after still finds it. */
static void test_summaries_step_back_by_kind_across_dst(void **state)
{
    s_ctx_t *ctx = *state;
    const char *zone = "America/New_York";
    int64_t d1 = s_at("2025-11-01T00:00-04:00"); /* 24 h */
    int64_t d2 = s_at("2025-11-02T00:00-04:00"); /* 25 h: DST ends */
    int64_t d3 = s_at("2025-11-03T00:00-05:00");
    int64_t d4 = s_at("2025-11-04T00:00-05:00");
    int64_t now = time(NULL);
    assert_int_equal(d3 - d2, 25 * S_HOUR);
    dp_ledger_win_t w1 = {.repo = S_REPO, .from = d1, .to = d2, .zone = zone};
    dp_ledger_win_t w2 = {.repo = S_REPO, .from = d2, .to = d3, .zone = zone};
    dp_ledger_win_t w3 = {.repo = S_REPO, .from = d3, .to = d4, .zone = zone};
    assert_int_equal(dp_ledger_put_summary(ctx->store, &w1, now, "one", 3), 0);
    assert_int_equal(dp_ledger_put_summary(ctx->store, &w2, now, "two", 3), 0);
    dp_buf_t buf = DP_BUF_INIT;
    assert_int_equal(dp_ledger_get_summary(ctx->store, &w3, 1, &buf), 0);
    assert_string_equal(buf.data, "two");
    assert_int_equal(dp_ledger_get_summary(ctx->store, &w3, 2, &buf), 0);
    assert_string_equal(buf.data, "one");
    assert_int_equal(dp_ledger_get_summary(ctx->store, &w3, 3, &buf),
                     DP_ENOTFOUND);
    /* Without a zone, windows are in UTC. */
    int64_t u = s_at("2025-12-15T00:00Z");
    dp_ledger_win_t u1 = {.repo = S_REPO, .from = u - S_DAY, .to = u};
    dp_ledger_win_t u2 = {.repo = S_REPO, .from = u, .to = u + S_DAY};
    assert_int_equal(dp_ledger_put_summary(ctx->store, &u1, now, "utc", 3), 0);
    assert_int_equal(dp_ledger_get_summary(ctx->store, &u2, 1, &buf), 0);
    assert_string_equal(buf.data, "utc");
    /* A window that is no day, hour or week steps back by its length. */
    dp_ledger_win_t a = {.repo = S_REPO, .from = 1000, .to = 1000 + 5400};
    dp_ledger_win_t b = {.repo = S_REPO, .from = 6400, .to = 6400 + 5400};
    assert_int_equal(dp_ledger_put_summary(ctx->store, &a, now, "odd", 3), 0);
    assert_int_equal(dp_ledger_get_summary(ctx->store, &b, 1, &buf), 0);
    assert_string_equal(buf.data, "odd");
    dp_buf_free(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_round_trips_and_rejects_garbage),
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_dedup_is_per_window),
        T(test_more_ids_than_one_batch_are_all_marked),
        T(test_revision_moves_only_with_fresh_events),
        T(test_pending_windows_are_due_tried_and_dropped),
        T(test_events_are_stored_once_and_counted),
        T(test_keys_expire_by_the_window_clock),
        T(test_summaries_step_back_by_kind_across_dst),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
