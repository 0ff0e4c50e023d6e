/* test_collector_stream.c - a large window is streamed: exact counts, a
 * bound on what is held, details on every event of a pull request */
/* SPDX-License-Identifier: MIT */
/*
 * Two repositories of 1,000 and 3,000 items, all updated in one hour, are
 * served by build/bin/gh-standin on 127.0.0.1: an eighth each of issues
 * opened, pull requests opened, older issues closed, older pull requests
 * closed unmerged, issues opened, pull requests opened and merged, older
 * issues only updated and older pull requests merged; a comment in the
 * hour on every third item and an older one on every seventh; every pull
 * request has one changed file and one review in the hour. The collector
 * engine (PR details through REST for the first S_DETAILS pull requests)
 * keeps its cache in a private redis-server and sends on ipc:// sockets
 * the test reads. Expected counts come from the rule that writes the
 * dataset, never from the collector.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "collector.h"
#include "dp_bus.h"
#include "dp_ghdata.h"
#include "dp_ledger.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_tkcollector.h"
#include "dp_time.h"

#define S_HOUR "2025-11-04T10:00:00Z"
#define S_SMALL 1000
#define S_LARGE 3000
#define S_DETAILS 40      /* pull requests whose files and reviews are read */
#define S_HELD_BOUND 1024 /* a batch (512) and what one step adds to it */
#define S_RECV_MS 60000
#define S_START_MS 10000
#define S_JOIN_MS 200
#define S_MAX_FRAME (16L * 1024 * 1024)
#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)

static const dp_gh_style_t s_style = {.logins = 11,
                                      .labels = true,
                                      .body = "Generated for the stream.",
                                      .comment_html = true};

/* ==== What a window of the dataset holds ==== */

/* Events counted by kind, and those that carry their pull request's
 * changed file. */
typedef struct {
    dp_gh_counts_t c;
    long with_files;
} s_counts_t;

/* The events of a mixed hour of n items (dp_gh_write_hour) whose pull
 * requests' files and reviews the collector reads for the first
 * S_DETAILS: those carry the file, and so do their reviews and comments. */
static s_counts_t s_expect(dp_gh_counts_t c, long n)
{
    s_counts_t want = {.c = c};
    for (long i = 1, prs = 0; i < n && prs < S_DETAILS; i += 2, prs++)
        want.with_files += (i % 8 == 5 ? 2 : 1) + 1 + (i % 3 == 0);
    return want;
}

/* ==== Fixture ==== */

typedef struct {
    char *dir, *data;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256];
    int64_t w; /* the hour */
    s_counts_t small, large;
    dp_bus_t *bus;
    dp_sock_t *pull, *sub;
    collector_t *collector;
    dp_msg_t window; /* the WINDOW received */
    s_counts_t got;  /* the EVENTs before it, by kind */
} s_ctx_t;

/* One dataset, Redis, stand-in and collector for every case. */
static int s_group_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    *state = ctx;
    if (dp_time_parse(S_HOUR, &ctx->w, NULL) < 0)
        return -1;
    const char *bin = getenv("DP_BIN_DIR");
    if (!bin || !*bin || !dp_tk_have_program("redis-server")) {
        print_message("SKIP: DP_BIN_DIR unset or no redis-server\n");
        return 0;
    }
    ctx->dir = dp_tk_tmpdir("stream");
    ctx->data = dp_asprintf("%s/data", ctx->dir);
    dp_gh_mkdir(ctx->data);
    ctx->small = s_expect(dp_gh_write_hour(ctx->data, "acme/small", ctx->w,
                                           S_SMALL, &s_style, S_DETAILS),
                          S_SMALL);
    ctx->large = s_expect(dp_gh_write_hour(ctx->data, "acme/large", ctx->w,
                                           S_LARGE, &s_style, S_DETAILS),
                          S_LARGE);
    if (dp_tk_redis_start(&ctx->redis) < 0)
        return -1;
    char *standin = dp_asprintf("%s/gh-standin", bin);
    char *argv[] = {standin,          (char *)"--data", ctx->data,
                    (char *)"--port", (char *)"0",      NULL};
    int rc = dp_tk_proc_start(&ctx->standin, argv, ctx->base, sizeof ctx->base,
                              S_START_MS);
    dp_free(standin);
    if (rc < 0)
        return -1;
    ctx->bus = dp_bus_new();
    collector_cfg_t cfg =
        dp_tk_collector_cfg(ctx->base, "test-token", ctx->redis.url);
    cfg.per_page = 100;
    cfg.pr_details = true;
    cfg.no_graphql = true;
    cfg.max_details = S_DETAILS;
    ctx->collector = dp_tk_collector_start(ctx->bus, ctx->dir, &cfg, S_JOIN_MS,
                                           &ctx->pull, &ctx->sub);
    return 0;
}

static int s_group_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    collector_destroy(&ctx->collector);
    dp_bus_destroy(&ctx->bus);
    dp_tk_proc_stop(&ctx->standin);
    dp_tk_redis_stop(&ctx->redis);
    if (ctx->dir)
        dp_tk_rmdir(ctx->dir);
    dp_msg_clear(&ctx->window);
    dp_free(ctx->data);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Counts an event by kind, and whether it carries its pull request's
 * files; fails on a kind the dataset has none of. */
static void s_count_event(const dp_event_t *ev, void *arg)
{
    s_counts_t *got = arg;
    int k = dp_gh_kind(ev->kind);
    if (k == DP_GH_KINDS)
        fail_msg("an event of kind %s", ev->kind);
    got->c.n[k]++;
    got->c.total++;
    if (ev->files.count == 0)
        return;
    char file[64];
    snprintf(file, sizeof file, "src/f%lld.c", (long long)ev->number);
    assert_true(ev->is_pr);
    assert_int_equal(ev->files.count, 1);
    assert_string_equal(ev->files.items[0], file);
    assert_int_equal(ev->additions, 3);
    assert_int_equal(ev->deletions, 1);
    got->with_files++;
}

/* Collects the hour of repo and reads the events up to its WINDOW. */
static void s_collect(s_ctx_t *ctx, const char *repo)
{
    if (!ctx->collector)
        skip();
    dp_collect_t req = {.repo = (char *)repo,
                        .win_from = ctx->w,
                        .win_to = ctx->w + HOUR,
                        .revision = 1,
                        .tz = (char *)"UTC",
                        .lang = (char *)"en"};
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    memset(&ctx->got, 0, sizeof ctx->got);
    dp_tk_recv_window(ctx->pull, S_MAX_FRAME, S_RECV_MS, &ctx->window,
                      s_count_event, &ctx->got);
}

static void s_assert_counts(const s_counts_t *got, const s_counts_t *want)
{
    for (int k = 0; k < DP_GH_KINDS; k++) {
        print_message("%s: %ld, want %ld\n", dp_gh_kinds[k], got->c.n[k],
                      want->c.n[k]);
        assert_int_equal(got->c.n[k], want->c.n[k]);
    }
    assert_int_equal(got->c.total, want->c.total);
    assert_int_equal(got->with_files, want->with_files);
}

/* ==== Cases ==== */

static void test_large_window_is_exact_and_holds_a_bounded_batch(void **state)
{
    s_ctx_t *ctx = *state;
    s_collect(ctx, "acme/small");
    s_assert_counts(&ctx->got, &ctx->small);
    assert_int_equal(ctx->window.u.window.events, ctx->small.c.total);
    const collector_stats_t *st = collector_stats(ctx->collector);
    long held_small = st->events_held_max;
    assert_int_equal(st->items, S_SMALL);
    assert_int_equal(st->events, ctx->small.c.total);

    s_collect(ctx, "acme/large");
    s_assert_counts(&ctx->got, &ctx->large);
    assert_int_equal(ctx->window.u.window.events, ctx->large.c.total);
    assert_int_equal(st->items, S_LARGE);
    long held_large = st->events_held_max;
    print_message("events held at most: %ld of %ld (1,000 items), %ld of %ld "
                  "(3,000 items)\n",
                  held_small, ctx->small.c.total, held_large,
                  ctx->large.c.total);
    /* A window three times larger holds no more at once than a batch. */
    assert_true(ctx->large.c.total > 3 * S_HELD_BOUND);
    assert_true(held_small > 0 && held_small <= S_HELD_BOUND);
    assert_true(held_large > 0 && held_large <= S_HELD_BOUND);
    /* The pull requests past the bound are said to lack details. */
    const dp_window_t *w = &ctx->window.u.window;
    long said = 0;
    for (size_t i = 0; i < w->problems.count; i++)
        said += strstr(w->problems.items[i], "details of PRs past the first") !=
                NULL;
    assert_int_equal(said, 1);
}

static void
test_window_collected_again_counts_what_was_sent_before(void **state)
{
    s_ctx_t *ctx = *state;
    s_collect(ctx, "acme/small");
    int64_t first = ctx->window.u.window.revision;
    /* Everything was sent already: nothing is sent again, the WINDOW still
     * counts every event of the window, and the revision stands. */
    s_collect(ctx, "acme/small");
    assert_int_equal(ctx->got.c.total, 0);
    assert_int_equal(ctx->window.u.window.events, ctx->small.c.total);
    assert_int_equal(ctx->window.u.window.revision, first);
}

static void test_an_open_revision_is_continued_until_closed(void **state)
{
    s_ctx_t *ctx = *state;
    if (!ctx->collector)
        skip();
    char err[256] = "";
    dp_store_t *store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(store);
    dp_ledger_win_t w = {
        .repo = "acme/revs", .from = ctx->w, .to = ctx->w + HOUR};
    int64_t now = dp_time_now();
    /* A first collection sends some batches, then stops (a lost lease, a
     * crash): the one that finishes it stays in revision 1. */
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 10, 1), 1);
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 5, 1), 1);
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 0, 1), 1);
    dp_ledger_revise_close(store, &w);
    /* Nothing new: the same revision; late data: the next one. */
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 0, 1), 1);
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 2, 1), 2);
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 3, 1), 2);
    dp_ledger_revise_close(store, &w);
    assert_int_equal(dp_ledger_revise_open(store, &w, now, 1, 1), 3);
    dp_store_destroy(&store);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_window_is_exact_and_holds_a_bounded_batch),
        cmocka_unit_test(
            test_window_collected_again_counts_what_was_sent_before),
        cmocka_unit_test(test_an_open_revision_is_continued_until_closed),
    };
    return cmocka_run_group_tests(tests, s_group_setup, s_group_teardown);
}
