/* test_collector_complete.c - windows larger than the page bound are exact,
 * complete_until tells the truth, and one bad item skips only itself */
/* SPDX-License-Identifier: MIT */
/*
 * One repository with 250 items and 50 comments updated in one hour is
 * served by build/bin/gh-standin on 127.0.0.1; the collector engine lists
 * it 10 to a page and 3 pages to a run (so a run holds 30 of the 250: the
 * listing must go on by time, or GitHub's 422 for deep pages), keeps its
 * cache in a private redis-server and sends on ipc:// sockets the test
 * reads. Expected counts come from the rule that writes the dataset, never
 * from the collector.
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
#include <time.h>
#include <zmq.h>

#include "collector.h"
#include "dp_bus.h"
#include "dp_ghdata.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_testkit.h"
#include "dp_tkcollector.h"
#include "dp_time.h"

#define S_REPO "acme/large"
#define S_HOUR "2025-11-04T10:00:00Z"
#define S_ITEMS 250       /* updated in the hour, 10 s apart */
#define S_FIRST 1001      /* their numbers follow */
#define S_COMMENT_EVERY 5 /* item i has a comment when i % 5 == 0 */
#define S_COMMENT_ID 7000000
#define S_PER_PAGE 10
#define S_MAX_PAGES 3
#define S_BAD_TITLE 40    /* an item whose title is not UTF-8 */
#define S_BAD_ID 77       /* an item whose id is beyond 64 bits */
#define S_BAD_COMMENT 100 /* the comment of this item is not UTF-8 */
#define S_RECV_MS 20000
#define S_START_MS 10000
#define S_JOIN_MS 200
#define S_HTTP_MS 5000
#define S_MAX_FRAME (16L * 1024 * 1024)
#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)

static const dp_gh_style_t s_style = {
    .logins = 7, .labels = false, .body = "Generated.", .comment_html = true};

/* ==== The dataset and what a window of it holds ==== */

/* Item i of the hour starting at w. */
typedef struct {
    long number;
    bool pr;
    int64_t created, updated, closed, merged;
    int64_t comment_at; /* 0: no comment */
} s_item_t;

static s_item_t s_item(int64_t w, long i)
{
    s_item_t it = {.number = S_FIRST + i, .pr = i % 4 == 1};
    it.updated = w + 600 + 10 * i;
    it.created = i % 3 != 2 ? w + 5 * i : w - DAY - 60 * i;
    it.closed = i % 3 == 0 ? w + 500 + 10 * i : 0;
    it.merged = it.pr && it.closed && i % 24 == 9 ? it.closed : 0;
    it.comment_at = i % S_COMMENT_EVERY == 0 ? w + 200 + 2 * i : 0;
    return it;
}

typedef struct {
    long issue_opened, issue_closed, pr_opened, pr_merged, pr_closed;
    long comment, total;
} s_counts_t;

/* The events of [w, w+1h) when the listing read the first `items` items
 * and the first `comments` comments (in updated order), and skipped the
 * spoiled ones when spoiled. */
static s_counts_t s_expect(int64_t w, long items, long comments, bool spoiled)
{
    s_counts_t c = {0};
    for (long i = 0; i < S_ITEMS; i++) {
        s_item_t it = s_item(w, i);
        bool bad = spoiled && (i == S_BAD_TITLE || i == S_BAD_ID);
        if (i >= items || bad)
            continue;
        if (it.created >= w)
            *(it.pr ? &c.pr_opened : &c.issue_opened) += 1;
        if (it.merged)
            c.pr_merged++;
        else if (it.closed)
            *(it.pr ? &c.pr_closed : &c.issue_closed) += 1;
        if (it.comment_at && i / S_COMMENT_EVERY < comments &&
            !(spoiled && i == S_BAD_COMMENT))
            c.comment++;
    }
    c.total = c.issue_opened + c.issue_closed + c.pr_opened + c.pr_merged +
              c.pr_closed + c.comment;
    return c;
}

static void s_write(const char *data, int64_t w, bool spoiled)
{
    json_t *issues = json_array();
    json_t *comments = json_object();
    for (long k = 0; k < 20; k++) /* history, before the window */
        json_array_append_new(issues, dp_gh_item(&s_style, S_REPO, k + 1, k % 2,
                                                 w - 9 * DAY, w - 8 * DAY + k,
                                                 0, 0, 0));
    for (long i = 0; i < S_ITEMS; i++) {
        s_item_t it = s_item(w, i);
        json_t *item =
            dp_gh_item(&s_style, S_REPO, it.number, it.pr, it.created,
                       it.updated, it.closed, it.merged, it.comment_at != 0);
        if (spoiled && i == S_BAD_TITLE)
            dp_gh_spoil_utf8(item, "title");
        if (spoiled && i == S_BAD_ID)
            dp_gh_spoil_int(item, "id");
        json_array_append_new(issues, item);
        if (!it.comment_at)
            continue;
        dp_gh_comment(&s_style, comments, S_REPO, it.number, S_COMMENT_ID + i,
                      it.comment_at);
        if (spoiled && i == S_BAD_COMMENT) {
            char key[24];
            snprintf(key, sizeof key, "%ld", it.number);
            dp_gh_spoil_utf8(json_array_get(json_object_get(comments, key), 0),
                             "body");
        }
    }
    dp_gh_write_repo(data, S_REPO, issues, comments);
    json_decref(issues);
    json_decref(comments);
}

/* ==== Fixture ==== */

typedef struct {
    char *dir, *data;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256];
    int64_t w; /* the hour */
    dp_bus_t *bus;
    dp_sock_t *pull; /* where the collector pushes */
    dp_sock_t *sub;  /* its tap: STATUS */
    collector_t *collector;
    dp_msg_t window; /* the WINDOW received */
    s_counts_t got;  /* the EVENTs before it, by kind */
} s_ctx_t;

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
    dp_tk_proc_stop(&ctx->standin);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    dp_msg_clear(&ctx->window);
    dp_free(ctx->data);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Writes the dataset, starts Redis, the stand-in (with extra arguments,
 * NULL-terminated) and the collector (retries on max_retries). */
static void s_start(s_ctx_t *ctx, bool spoiled, const char *const *extra,
                    long max_pages, long max_retries)
{
    dp_tk_redis_start_or_skip(&ctx->redis);
    const char *bin = getenv("DP_BIN_DIR");
    if (!bin || !*bin) {
        print_message("SKIP: DP_BIN_DIR unset: run by ctest, which says "
                      "where gh-standin is\n");
        skip();
    }
    char *standin = dp_asprintf("%s/gh-standin", bin);
    ctx->dir = dp_tk_tmpdir("complete");
    assert_non_null(ctx->dir);
    ctx->data = dp_asprintf("%s/data", ctx->dir);
    dp_gh_mkdir(ctx->data);
    s_write(ctx->data, ctx->w, spoiled);
    char *argv[12] = {standin, (char *)"--data", ctx->data, (char *)"--port",
                      (char *)"0"};
    size_t n = 5;
    for (size_t i = 0; extra && extra[i] && n + 1 < 12; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    int rc = dp_tk_proc_start(&ctx->standin, argv, ctx->base, sizeof ctx->base,
                              S_START_MS);
    dp_free(standin);
    assert_int_equal(rc, 0);

    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    collector_cfg_t cfg =
        dp_tk_collector_cfg(ctx->base, "test-token", ctx->redis.url);
    cfg.per_page = S_PER_PAGE;
    cfg.max_pages = max_pages;
    cfg.max_retries = max_retries;
    ctx->collector = dp_tk_collector_start(ctx->bus, ctx->dir, &cfg, S_JOIN_MS,
                                           &ctx->pull, &ctx->sub);
}

/* Counts an event by kind; fails on a kind the dataset has none of. */
static void s_count_event(const dp_event_t *ev, void *arg)
{
    s_counts_t *got = arg;
    static const char *const kinds[] = {"issue_opened", "issue_closed",
                                        "pr_opened",    "pr_merged",
                                        "pr_closed",    "comment"};
    long *slots[] = {&got->issue_opened, &got->issue_closed, &got->pr_opened,
                     &got->pr_merged,    &got->pr_closed,    &got->comment};
    size_t k = 0;
    while (k < 6 && strcmp(kinds[k], ev->kind) != 0)
        k++;
    if (k == 6)
        fail_msg("an event of kind %s", ev->kind);
    (*slots[k])++;
    got->total++;
}

/* Collects [from, to) and reads the events up to its WINDOW. */
static int s_collect(s_ctx_t *ctx, int64_t from, int64_t to)
{
    dp_collect_t req = {.repo = (char *)S_REPO,
                        .win_from = from,
                        .win_to = to,
                        .revision = 1,
                        .tz = (char *)"UTC",
                        .lang = (char *)"en"};
    int rc = collector_collect(ctx->collector, &req);
    memset(&ctx->got, 0, sizeof ctx->got);
    if (rc == 0)
        dp_tk_recv_window(ctx->pull, S_MAX_FRAME, S_RECV_MS, &ctx->window,
                          s_count_event, &ctx->got);
    return rc;
}

static void s_assert_counts(const s_counts_t *got, const s_counts_t *want)
{
    print_message("events: %ld (issues %ld opened %ld closed, PRs %ld opened "
                  "%ld merged %ld closed, %ld comments); want %ld\n",
                  got->total, got->issue_opened, got->issue_closed,
                  got->pr_opened, got->pr_merged, got->pr_closed, got->comment,
                  want->total);
    assert_int_equal(got->issue_opened, want->issue_opened);
    assert_int_equal(got->issue_closed, want->issue_closed);
    assert_int_equal(got->pr_opened, want->pr_opened);
    assert_int_equal(got->pr_merged, want->pr_merged);
    assert_int_equal(got->pr_closed, want->pr_closed);
    assert_int_equal(got->comment, want->comment);
    assert_int_equal(got->total, want->total);
}

/* How many problem lines of the WINDOW hold every one of the texts. */
static long s_problems_with(const dp_window_t *w, const char *a, const char *b)
{
    long n = 0;
    for (size_t i = 0; i < w->problems.count; i++) {
        const char *p = w->problems.items[i];
        n += strstr(p, a) && (!b || strstr(p, b));
    }
    return n;
}

static void s_print_problems(const dp_window_t *w)
{
    for (size_t i = 0; i < w->problems.count; i++)
        print_message("problem: %s\n", w->problems.items[i]);
}

/* No STATUS was published: nothing failed. */
static void s_assert_no_status(s_ctx_t *ctx)
{
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(dp_sock_recv(ctx->sub, NULL, &frame, S_MAX_FRAME, 100),
                     DP_EAGAIN);
    dp_buf_free(&frame);
}

/* The stand-in's count of answers with this status. */
static long s_answers(s_ctx_t *ctx, const char *status)
{
    json_t *doc =
        dp_tk_standin_call(ctx->base, false, "/_standin/stats", S_HTTP_MS);
    long n = (long)json_integer_value(
        json_object_get(json_object_get(doc, "by_status"), status));
    json_decref(doc);
    return n;
}

/* ==== Cases ==== */

static void test_dataset_is_larger_than_a_run(void **state)
{
    s_ctx_t *ctx = *state;
    s_counts_t all = s_expect(ctx->w, S_ITEMS, S_ITEMS, false);
    assert_true(S_ITEMS > S_PER_PAGE * S_MAX_PAGES * 8);
    assert_int_equal(all.comment, S_ITEMS / S_COMMENT_EVERY);
    assert_true(all.comment > S_PER_PAGE * S_MAX_PAGES);
    assert_true(all.issue_opened > 0 && all.issue_closed > 0 &&
                all.pr_opened > 0 && all.pr_merged > 0 && all.pr_closed > 0);
    s_counts_t spoiled = s_expect(ctx->w, S_ITEMS, S_ITEMS, true);
    assert_true(spoiled.total < all.total);
}

static void test_window_beyond_the_page_bound_is_exact(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, false, NULL, S_MAX_PAGES, 2);
    assert_int_equal(s_collect(ctx, ctx->w, ctx->w + HOUR), 0);
    const dp_window_t *w = &ctx->window.u.window;
    s_print_problems(w);
    s_counts_t want = s_expect(ctx->w, S_ITEMS, S_ITEMS, false);
    s_assert_counts(&ctx->got, &want);
    assert_int_equal(w->events, want.total);
    assert_int_equal(w->problems.count, 0);
    assert_int_equal(w->complete_until, ctx->w + HOUR);
    /* 250 items and 50 comments at 10 a page: at least 30 pages. */
    assert_true(w->requests >= (S_ITEMS + S_ITEMS / 5) / S_PER_PAGE);
    s_assert_no_status(ctx);
}

static void test_deep_pages_refused_with_422_are_listed_by_time(void **state)
{
    s_ctx_t *ctx = *state;
    const char *extra[] = {"--max-page", "2", NULL};
    s_start(ctx, false, extra, 1000, 2);
    assert_int_equal(s_collect(ctx, ctx->w, ctx->w + HOUR), 0);
    const dp_window_t *w = &ctx->window.u.window;
    s_print_problems(w);
    s_counts_t want = s_expect(ctx->w, S_ITEMS, S_ITEMS, false);
    s_assert_counts(&ctx->got, &want);
    assert_int_equal(w->problems.count, 0);
    assert_int_equal(w->complete_until, ctx->w + HOUR);
    assert_true(s_answers(ctx, "422") > 0);
    s_assert_no_status(ctx);
}

static void test_one_malformed_item_skips_that_item_only(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, true, NULL, S_MAX_PAGES, 2);
    assert_int_equal(s_collect(ctx, ctx->w, ctx->w + HOUR), 0);
    const dp_window_t *w = &ctx->window.u.window;
    s_print_problems(w);
    s_counts_t want = s_expect(ctx->w, S_ITEMS, S_ITEMS, true);
    s_assert_counts(&ctx->got, &want);
    /* One line for each item skipped, naming it and why; nothing else. */
    char title[64], id[64], comment[64];
    snprintf(title, sizeof title, "#%d: invalid UTF-8", S_FIRST + S_BAD_TITLE);
    snprintf(id, sizeof id, "#%d: an integer beyond 64 bits",
             S_FIRST + S_BAD_ID);
    snprintf(comment, sizeof comment, "#%d: invalid UTF-8",
             S_COMMENT_ID + S_BAD_COMMENT);
    assert_int_equal(s_problems_with(w, "skipped 1 item", title), 1);
    assert_int_equal(s_problems_with(w, "skipped 1 item", id), 1);
    assert_int_equal(s_problems_with(w, "skipped 1 item", comment), 1);
    assert_int_equal(w->problems.count, 3);
    assert_int_equal(s_problems_with(w, "gave up", NULL), 0);
    assert_int_equal(w->retries, 0);
    assert_int_equal(w->complete_until, ctx->w + HOUR);
    s_assert_no_status(ctx);
}

static void test_window_not_over_is_complete_until_now_at_most(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, false, NULL, S_MAX_PAGES, 2);
    int64_t before = dp_time_now();
    int64_t to = before + HOUR;
    assert_int_equal(s_collect(ctx, before - HOUR, to), 0);
    int64_t after = dp_time_now();
    const dp_window_t *w = &ctx->window.u.window;
    assert_int_equal(w->win_to, to);
    assert_true(w->complete_until >= before);
    assert_true(w->complete_until <= after);
    assert_true(w->complete_until < to);
}

static void
test_listing_cut_by_a_failure_is_complete_until_last_read(void **state)
{
    s_ctx_t *ctx = *state;
    /* Every page after the first of each listing (Link URLs name
     * /repositories/<id>/) fails for good. */
    const char *extra[] = {"--fault", "/repositories/:status:0:500", NULL};
    s_start(ctx, false, extra, S_MAX_PAGES, 1);
    assert_int_equal(s_collect(ctx, ctx->w, ctx->w + HOUR), 0);
    const dp_window_t *w = &ctx->window.u.window;
    s_print_problems(w);
    s_counts_t want = s_expect(ctx->w, S_PER_PAGE, S_PER_PAGE, false);
    s_assert_counts(&ctx->got, &want);
    /* The first page of comments ends with the comment of item 45, the
     * first page of items with item 9: the earlier of the two. */
    s_item_t item = s_item(ctx->w, S_PER_PAGE - 1);
    s_item_t commented = s_item(ctx->w, (S_PER_PAGE - 1) * S_COMMENT_EVERY);
    int64_t until = item.updated < commented.comment_at ? item.updated
                                                        : commented.comment_at;
    assert_int_equal(w->complete_until, until);
    assert_int_equal(s_problems_with(w, "issues listing incomplete", NULL), 1);
    assert_int_equal(s_problems_with(w, "comments listing incomplete", NULL),
                     1);
    assert_true(s_problems_with(w, "500", NULL) > 0);
    s_assert_no_status(ctx);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_dataset_is_larger_than_a_run),
        T(test_window_beyond_the_page_bound_is_exact),
        T(test_deep_pages_refused_with_422_are_listed_by_time),
        T(test_one_malformed_item_skips_that_item_only),
        T(test_window_not_over_is_complete_until_now_at_most),
        T(test_listing_cut_by_a_failure_is_complete_until_last_read),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
