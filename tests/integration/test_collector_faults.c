/* test_collector_faults.c - a busy window through rate limits, 502s and a
 * hanging request: exact counts at the lowest API cost */
/* SPDX-License-Identifier: MIT */
/*
 * The test writes a busy repository (260 items updated in one hour, 40 of
 * them pull requests with an event in the hour, comments on a third of
 * them, 600 items of history) and a quiet one into a private directory,
 * serves them with build/bin/gh-standin on 127.0.0.1 (with injected faults
 * where a test asks), keeps the collector's cache in a private
 * redis-server and reads what the collector engine sends on ipc:// sockets.
 * The stand-in counts every request it answers, and those that count
 * against the rate limit (all but 304s): GET /_standin/stats. PR details
 * go through GraphQL (50 PRs a query) unless a test asks for REST, the
 * naive way, one files and one reviews request per PR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "collector.h"
#include "dp_bus.h"
#include "dp_ghdata.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_testkit.h"
#include "dp_tkcollector.h"
#include "dp_time.h"

#define S_WINDOW "2025-11-04T10:00:00Z" /* the busy hour */
#define S_BUSY "acme/busy"
#define S_QUIET "acme/quiet"
#define S_MISSING "acme/missing" /* not in the dataset: 404 */
#define S_WIDE "acme/wide"       /* one PR past GraphQL's first page of files */
#define S_WIDE_PR 7
#define S_WIDE_FILES 150   /* more than one page of 100 */
#define S_WIDE_REVIEWS 60  /* one page */
#define S_WIDE_IN_WINDOW 3 /* reviews submitted in the window */
#define S_BUSY_ITEMS 260   /* items updated in the window */
#define S_BUSY_FIRST 1001  /* their numbers follow */
#define S_HISTORY 600      /* items of the busy repository before */
#define S_PER_PAGE 100
#define S_MAX_SHOWN 64
#define S_MAX_FAULTS 4
#define S_HANG_MS 3000    /* a hanging request ... */
#define S_TIMEOUT_MS 1500 /* ... outlasts the collector's timeout */
#define S_RECV_MS 10000   /* longest wait for a message that must come */
#define S_QUIET_MS 300    /* wait that proves nothing more arrives */
#define S_JOIN_MS 200     /* lets the SUB socket connect */
#define S_START_MS 10000  /* longest wait for the stand-in's first line */
#define S_HTTP_MS 5000
/* The stand-in reads GitHub's schema before it serves, so the first query
 * does not outlast S_TIMEOUT_MS. */
#define S_WARM "--graphql-warm"
#define S_MAX_FRAME (16L * 1024 * 1024)
#define S_MAX_BODY (64L * 1024 * 1024)
#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)

/* ==== The datasets ==== */

/* Events of a window as the dataset defines them. */
typedef struct {
    long issue_opened, issue_closed, pr_opened, pr_merged, pr_closed;
    long comment;
    long total;
    long listed;             /* items updated in the window */
    long shown[S_MAX_SHOWN]; /* PRs with an event in the window */
    long nshown;
} s_expect_t;

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    if (dp_time_parse(iso, &t, NULL) != 0)
        fail_msg("could not parse %s", iso);
    return t;
}

/* How the items and comments of this dataset look. */
static const dp_gh_style_t s_style = {
    .logins = 13,
    .labels = true,
    .body = "Generated for a test.",
    .comment_html = false,
};

static void s_shown(s_expect_t *e, long number)
{
    assert_true(e->nshown < S_MAX_SHOWN);
    e->shown[e->nshown++] = number;
}

/* The busy hour [w, w+1h): item i of 260 (number 1001+i) is
 *   0-9     a PR opened in the hour          10-19  a PR opened and merged
 *   20-31   an older PR merged in the hour   32-39  an older PR closed unmerged
 *   40-119  an issue opened                  120-159 an older issue closed
 *   160-179 an issue opened and closed       180-239 an older issue, updated
 *   240-259 an older PR, updated (reviews, pushes: no event of the report)
 * and every third one has a comment in the hour; every fifth an older
 * comment. 600 older items (closed, merged, commented) are history. */
static void s_write_busy(const char *data, int64_t w, s_expect_t *e)
{
    const char *repo = S_BUSY;
    json_t *issues = json_array();
    json_t *comments = json_object();
    memset(e, 0, sizeof *e);
    for (long k = 0; k < S_HISTORY; k++) {
        int64_t created = w - 90 * DAY + k * 3 * HOUR;
        bool pr = k % 4 == 1;
        int64_t closed = k % 2 ? created + 12 * HOUR : 0;
        long ncomments = k % 10 == 0;
        if (ncomments)
            dp_gh_comment(&s_style, comments, repo, k + 1, 3000000 + k,
                          created + HOUR);
        json_array_append_new(issues,
                              dp_gh_item(&s_style, repo, k + 1, pr, created,
                                         created + DAY, closed,
                                         pr && closed ? closed : 0, ncomments));
    }
    for (long i = 0; i < S_BUSY_ITEMS; i++) {
        long number = S_BUSY_FIRST + i;
        int64_t fresh = w + 60 + 5 * i;       /* created in the hour */
        int64_t older = w - 2 * DAY - 60 * i; /* created before */
        int64_t end = w + 1500 + 3 * i;       /* closed or merged */
        int64_t updated = w + 2400 + 4 * i;
        bool pr = i < 40 || i >= 240;
        int64_t created = older, closed = 0, merged = 0;
        if (i < 20 || (i >= 40 && i < 120) || (i >= 160 && i < 180))
            created = fresh;
        if ((i >= 10 && i < 32))
            closed = merged = end;
        if ((i >= 32 && i < 40) || (i >= 120 && i < 180))
            closed = end;
        long ncomments = 0;
        if (i % 3 == 0) {
            dp_gh_comment(&s_style, comments, repo, number, 5000000 + i,
                          w + 1400 + i);
            ncomments++;
            e->comment++;
        }
        if (i % 5 == 1) {
            dp_gh_comment(&s_style, comments, repo, number, 4000000 + i,
                          w - 5 * HOUR);
            ncomments++;
        }
        json_array_append_new(issues,
                              dp_gh_item(&s_style, repo, number, pr, created,
                                         updated, closed, merged, ncomments));
        e->listed++;
        bool shown = false;
        if (created == fresh) {
            *(pr ? &e->pr_opened : &e->issue_opened) += 1;
            shown = true;
        }
        if (merged) {
            e->pr_merged++;
            shown = true;
        } else if (closed) {
            *(pr ? &e->pr_closed : &e->issue_closed) += 1;
            shown = true;
        }
        if (pr && shown)
            s_shown(e, number);
    }
    dp_gh_write_repo(data, repo, issues, comments);
    json_decref(issues);
    json_decref(comments);
    e->total = e->issue_opened + e->issue_closed + e->pr_opened + e->pr_merged +
               e->pr_closed + e->comment;
}

/* The quiet hour: five items updated: two issues opened, an older issue
 * closed, an older PR merged, an older issue commented; forty older. */
static void s_write_quiet(const char *data, int64_t w, s_expect_t *e)
{
    const char *repo = S_QUIET;
    json_t *issues = json_array();
    json_t *comments = json_object();
    memset(e, 0, sizeof *e);
    for (long k = 0; k < 40; k++) {
        int64_t created = w - 30 * DAY + k * HOUR;
        json_array_append_new(issues,
                              dp_gh_item(&s_style, repo, k + 1, k % 3 == 0,
                                         created, created + HOUR, 0, 0, 0));
    }
    int64_t older = w - 3 * DAY;
    json_array_append_new(issues, dp_gh_item(&s_style, repo, 201, false,
                                             w + 300, w + 3000, 0, 0, 0));
    json_array_append_new(issues, dp_gh_item(&s_style, repo, 202, false,
                                             w + 600, w + 3010, 0, 0, 0));
    json_array_append_new(issues, dp_gh_item(&s_style, repo, 203, false, older,
                                             w + 3020, w + 900, 0, 0));
    json_array_append_new(issues, dp_gh_item(&s_style, repo, 204, true, older,
                                             w + 3030, w + 1200, w + 1200, 0));
    json_array_append_new(issues, dp_gh_item(&s_style, repo, 205, false, older,
                                             w + 3040, 0, 0, 1));
    dp_gh_comment(&s_style, comments, repo, 205, 6000001, w + 1500);
    dp_gh_write_repo(data, repo, issues, comments);
    json_decref(issues);
    json_decref(comments);
    e->issue_opened = 2;
    e->issue_closed = 1;
    e->pr_merged = 1;
    e->comment = 1;
    e->total = 5;
    e->listed = 5;
    s_shown(e, 204);
}

/* A merged PR with more files than one GraphQL page holds, and reviews
 * that fit in one: the last S_WIDE_IN_WINDOW reviews fall in the window,
 * the last by a GitHub App (REST login "fixer[bot]", GraphQL "fixer"). */
static void s_write_wide(const char *data, int64_t w)
{
    json_t *issues = json_array();
    json_array_append_new(issues,
                          dp_gh_item(&s_style, S_WIDE, S_WIDE_PR, true, w - DAY,
                                     w + 600, w + 600, w + 600, 0));
    dp_gh_write_repo(data, S_WIDE, issues, NULL);
    json_decref(issues);
    json_t *files = json_array();
    for (long k = 0; k < S_WIDE_FILES; k++) {
        char name[64];
        snprintf(name, sizeof name, "src/f%03ld.c", k);
        json_array_append_new(files, json_pack("{s:s, s:I, s:I}", "filename",
                                               name, "additions", (json_int_t)k,
                                               "deletions", (json_int_t)1));
    }
    json_t *reviews = json_array();
    for (long k = 0; k < S_WIDE_REVIEWS; k++) {
        bool late = k >= S_WIDE_REVIEWS - S_WIDE_IN_WINDOW;
        bool bot = k == S_WIDE_REVIEWS - 1;
        json_t *r = json_pack("{s:I, s:{s:s, s:s}, s:s, s:s}", "id",
                              (json_int_t)(9000 + k), "user", "login",
                              bot ? "fixer[bot]" : "reviewer", "type",
                              bot ? "Bot" : "User", "author_association",
                              "MEMBER", "state", "COMMENTED");
        dp_gh_put_time(r, "submitted_at", late ? w + 60 * (k % 50) : w - DAY);
        json_array_append_new(reviews, r);
    }
    char *dir = dp_asprintf("%s/%s", data, S_WIDE);
    char *pulls = dp_asprintf("%s/pulls", dir),
         *rdir = dp_asprintf("%s/reviews", dir);
    dp_gh_mkdir(pulls);
    dp_gh_mkdir(rdir);
    char *pull = dp_asprintf("%s/%d.json", pulls, S_WIDE_PR);
    char *fpath = dp_asprintf("%s/%d.files.json", pulls, S_WIDE_PR);
    char *rpath = dp_asprintf("%s/%d.json", rdir, S_WIDE_PR);
    json_t *pr = json_pack("{s:I}", "number", (json_int_t)S_WIDE_PR);
    assert_int_equal(json_dump_file(pr, pull, 0), 0);
    assert_int_equal(json_dump_file(files, fpath, 0), 0);
    assert_int_equal(json_dump_file(reviews, rpath, 0), 0);
    json_decref(pr);
    json_decref(files);
    json_decref(reviews);
    dp_free(rpath);
    dp_free(fpath);
    dp_free(pull);
    dp_free(rdir);
    dp_free(pulls);
    dp_free(dir);
}

/* ==== Fixture ==== */

typedef struct {
    char *dir, *data, *standin_bin;
    char *ctl_ep, *out_ep, *pub_ep;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256];
    int64_t win_from, win_to;
    s_expect_t busy, quiet;
    dp_bus_t *bus;
    dp_sock_t *pull; /* bound where the collector pushes */
    dp_sock_t *sub;  /* the collector's tap: STATUS */
    json_t *schedule;
    collector_t *collector;
    dp_msg_t window; /* the last WINDOW received */
    dp_msg_t status; /* the last STATUS received */
    bool rest_only;  /* the collector never asks GraphQL */
} s_ctx_t;

/* What one window sent down the pipeline. */
typedef struct {
    long events;
    long issue_opened, issue_closed, pr_opened, pr_merged, pr_closed;
    long comment, review, other;
    int64_t win_from, win_to; /* the window every event must carry */
    long files;               /* changed files, summed over events */
    int64_t additions;        /* likewise */
    dp_buf_t reviewers;       /* "login/type/state " of each review */
} s_run_t;

static int s_setup(void **state)
{
    *state = dp_calloc(1, sizeof(s_ctx_t));
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
    json_decref(ctx->schedule);
    dp_msg_clear(&ctx->window);
    dp_msg_clear(&ctx->status);
    dp_free(ctx->ctl_ep);
    dp_free(ctx->out_ep);
    dp_free(ctx->pub_ep);
    dp_free(ctx->standin_bin);
    dp_free(ctx->data);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

static char *s_find_standin(void)
{
    const char *bin = getenv("DP_BIN_DIR");
    if (bin && *bin)
        return dp_asprintf("%s/gh-standin", bin);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    assert_non_null(slash);
    *slash = '\0';
    return dp_asprintf("%s/gh-standin", self);
}

/* Starts Redis, writes both datasets, starts the stand-in with the given
 * extra arguments (NULL-terminated, may be NULL) and the test's sockets. */
static void s_start(s_ctx_t *ctx, const char *const *extra)
{
    dp_tk_redis_start_or_skip(&ctx->redis);
    ctx->standin_bin = s_find_standin();
    if (!dp_tk_have_program(ctx->standin_bin))
        fail_msg("%s not found: build the gh-standin target", ctx->standin_bin);
    ctx->dir = dp_tk_tmpdir("faults");
    assert_non_null(ctx->dir);
    ctx->data = dp_asprintf("%s/data", ctx->dir);
    dp_gh_mkdir(ctx->data);
    ctx->win_from = s_at(S_WINDOW);
    ctx->win_to = ctx->win_from + HOUR;
    s_write_busy(ctx->data, ctx->win_from, &ctx->busy);
    s_write_quiet(ctx->data, ctx->win_from, &ctx->quiet);
    s_write_wide(ctx->data, ctx->win_from);

    char *argv[16] = {ctx->standin_bin, (char *)"--data", ctx->data,
                      (char *)"--port", (char *)"0"};
    size_t n = 5;
    for (size_t i = 0; extra && extra[i]; i++) {
        assert_true(n + 2 < sizeof argv / sizeof argv[0]);
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    if (dp_tk_proc_start(&ctx->standin, argv, ctx->base, sizeof ctx->base,
                         S_START_MS) < 0)
        fail_msg("gh-standin did not start (%s)", ctx->standin_bin);

    ctx->ctl_ep = dp_asprintf("@ipc://%s/ctl", ctx->dir);
    ctx->out_ep = dp_asprintf(">ipc://%s/out", ctx->dir);
    ctx->pub_ep = dp_asprintf("@ipc://%s/pub", ctx->dir);
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    char *ep = dp_asprintf("@ipc://%s/out", ctx->dir);
    ctx->pull = dp_sock_new(ctx->bus, ZMQ_PULL, ep);
    dp_free(ep);
    assert_non_null(ctx->pull);
    int zero = 0;
    assert_int_equal(zmq_setsockopt(dp_sock_handle(ctx->pull), ZMQ_LINGER,
                                    &zero, sizeof zero),
                     0);
}

/* Creates the collector (token, optional schedule document) and
 * subscribes to its STATUS messages. */
static void s_start_collector(s_ctx_t *ctx, const char *token, json_t *schedule)
{
    ctx->schedule = schedule;
    collector_cfg_t cfg = dp_tk_collector_cfg(ctx->base, token, ctx->redis.url);
    cfg.ctl_endpoint = ctx->ctl_ep;
    cfg.out_endpoint = ctx->out_ep;
    cfg.pub_endpoint = ctx->pub_ep;
    cfg.per_page = S_PER_PAGE;
    cfg.max_pages = 50;
    cfg.timeout_ms = S_TIMEOUT_MS;
    cfg.max_retries = 4;
    cfg.retry_base_ms = 10;
    cfg.max_text = 4000;
    cfg.max_body = S_MAX_BODY;
    cfg.max_frame = S_MAX_FRAME;
    cfg.pr_details = true;
    cfg.max_details = 200;
    cfg.no_graphql = ctx->rest_only;
    cfg.schedule = schedule;
    cfg.lease_ms = 30000;
    cfg.grace_s = 120;
    cfg.catchup_max = 48;
    ctx->collector = collector_new(&cfg);
    assert_non_null(ctx->collector);
    char *ep = dp_asprintf(">ipc://%s/pub", ctx->dir);
    ctx->sub = dp_sock_new(ctx->bus, ZMQ_SUB, ep);
    dp_free(ep);
    assert_non_null(ctx->sub);
    int zero = 0;
    assert_int_equal(zmq_setsockopt(dp_sock_handle(ctx->sub), ZMQ_LINGER, &zero,
                                    sizeof zero),
                     0);
    assert_int_equal(dp_sock_subscribe(ctx->sub, "status."), 0);
    struct timespec ts = {0, S_JOIN_MS * 1000000L};
    nanosleep(&ts, NULL);
}

static dp_collect_t s_request(s_ctx_t *ctx, const char *repo)
{
    dp_collect_t req = {0};
    req.repo = (char *)repo;
    req.win_from = ctx->win_from;
    req.win_to = ctx->win_to;
    req.revision = 1;
    req.tz = (char *)"UTC";
    req.lang = (char *)"en";
    req.reply_to = (char *)"faults";
    return req;
}

/* Counts one event of a window by kind. */
static void s_count_event(const dp_event_t *ev, void *arg)
{
    s_run_t *run = arg;
    const char *kind = ev->kind;
    long *slot = !strcmp(kind, "issue_opened")   ? &run->issue_opened
                 : !strcmp(kind, "issue_closed") ? &run->issue_closed
                 : !strcmp(kind, "pr_opened")    ? &run->pr_opened
                 : !strcmp(kind, "pr_merged")    ? &run->pr_merged
                 : !strcmp(kind, "pr_closed")    ? &run->pr_closed
                 : !strcmp(kind, "comment")      ? &run->comment
                 : !strcmp(kind, "review")       ? &run->review
                                                 : &run->other;
    (*slot)++;
    run->events++;
    run->files += (long)ev->files.count;
    run->additions += ev->additions;
    if (slot == &run->review)
        dp_buf_printf(&run->reviewers, "%s/%s/%s/%s ", ev->id, ev->actor,
                      ev->actor_type ? ev->actor_type : "-",
                      ev->review_state ? ev->review_state : "-");
    assert_true(ev->win_from == run->win_from && ev->win_to == run->win_to);
}

/* Reads the pipeline up to and including a WINDOW (into ctx->window). */
static void s_receive_window(s_ctx_t *ctx, s_run_t *run)
{
    memset(run, 0, sizeof *run); /* reviewers: the caller frees it */
    run->win_from = ctx->win_from;
    run->win_to = ctx->win_to;
    dp_tk_recv_window(ctx->pull, S_MAX_FRAME, S_RECV_MS, &ctx->window,
                      s_count_event, run);
}

static void s_expect_nothing_more(s_ctx_t *ctx)
{
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(
        dp_sock_recv(ctx->pull, NULL, &frame, S_MAX_FRAME, S_QUIET_MS),
        DP_EAGAIN);
    dp_buf_free(&frame);
}

/* Reads one STATUS from the tap (into ctx->status). */
static void s_receive_status(s_ctx_t *ctx)
{
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    int rc = dp_sock_recv(ctx->sub, &subject, &frame, S_MAX_FRAME, S_RECV_MS);
    if (rc != 0)
        fail_msg("no STATUS published: %s", dp_strerror(rc));
    char err[256] = "";
    dp_msg_clear(&ctx->status);
    assert_int_equal(dp_msg_decode(frame.data, frame.len, S_MAX_FRAME,
                                   &ctx->status, err, sizeof err),
                     0);
    assert_int_equal(ctx->status.type, DP_MSG_STATUS);
    dp_buf_free(&subject);
    dp_buf_free(&frame);
}

/* The events received equal the dataset's, kind by kind. */
static void s_assert_exact(const s_run_t *run, const s_expect_t *e,
                           const dp_window_t *w)
{
    assert_int_equal(run->issue_opened, e->issue_opened);
    assert_int_equal(run->issue_closed, e->issue_closed);
    assert_int_equal(run->pr_opened, e->pr_opened);
    assert_int_equal(run->pr_merged, e->pr_merged);
    assert_int_equal(run->pr_closed, e->pr_closed);
    assert_int_equal(run->comment, e->comment);
    assert_int_equal(run->review, 0); /* the stand-in serves no reviews */
    assert_int_equal(run->other, 0);
    assert_int_equal(run->events, e->total);
    assert_int_equal(w->events, e->total);
    assert_int_equal(w->revision, 1);
}

static bool s_problems_mention(const dp_window_t *w, const char *text)
{
    for (size_t i = 0; i < w->problems.count; i++)
        if (strstr(w->problems.items[i], text))
            return true;
    return false;
}

/* ==== The stand-in's counters ==== */

/* GETs or POSTs a /_standin/ path; returns the JSON answer. */
static json_t *s_standin_call(s_ctx_t *ctx, bool post, const char *path)
{
    return dp_tk_standin_call(ctx->base, post, path, S_HTTP_MS);
}

static void s_stats_reset(s_ctx_t *ctx)
{
    json_decref(s_standin_call(ctx, true, "/_standin/reset"));
}

static long s_stat(const json_t *stats, const char *name)
{
    return (long)json_integer_value(json_object_get(stats, name));
}

static bool s_ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* Splits the stand-in's by_path counts of one repository's window into
 * listing pages (issues and comments), PR details through REST (files,
 * reviews) and GraphQL queries, failing on any other request. REST
 * details must be of shown PRs only, one files and one reviews request
 * each, and are asked only when GraphQL was not. */
static void s_split_paths(const json_t *stats, const s_expect_t *e,
                          long *issue_pages, long *comment_pages, long *details,
                          long *graphql)
{
    long files[S_MAX_SHOWN] = {0}, reviews[S_MAX_SHOWN] = {0};
    *issue_pages = *comment_pages = *details = *graphql = 0;
    const char *path;
    json_t *v;
    json_object_foreach(json_object_get(stats, "by_path"), path, v)
    {
        long n = (long)json_integer_value(v);
        const char *pulls = strstr(path, "/pulls/");
        if (!strcmp(path, "/graphql")) {
            *graphql += n;
        } else if (s_ends_with(path, "/issues/comments")) {
            *comment_pages += n;
        } else if (s_ends_with(path, "/issues")) {
            *issue_pages += n;
        } else if (s_ends_with(path, "/releases")) {
            if (n != 1) /* one request a window, the repository's newest */
                fail_msg("%ld requests for the releases", n);
        } else if (pulls && (s_ends_with(path, "/files") ||
                             s_ends_with(path, "/reviews"))) {
            long number = strtol(pulls + strlen("/pulls/"), NULL, 10);
            long k = 0;
            while (k < e->nshown && e->shown[k] != number)
                k++;
            if (k == e->nshown)
                fail_msg("details of PR #%ld, which the report does not show",
                         number);
            *(s_ends_with(path, "/files") ? &files[k] : &reviews[k]) += n;
            *details += n;
        } else {
            fail_msg("unexpected request: %s (%ld)", path, n);
        }
    }
    long once = *graphql > 0 ? 0 : 1;
    for (long k = 0; k < e->nshown; k++)
        if (files[k] != once || reviews[k] != once)
            fail_msg("PR #%ld: %ld files and %ld reviews requests", e->shown[k],
                     files[k], reviews[k]);
}

/* ==== Cases ==== */

static void test_dataset_is_a_busy_hour(void **state)
{
    s_ctx_t *ctx = *state;
    ctx->dir = dp_tk_tmpdir("faults");
    assert_non_null(ctx->dir);
    s_write_busy(ctx->dir, s_at(S_WINDOW), &ctx->busy);
    const s_expect_t *e = &ctx->busy;
    assert_int_equal(e->listed, 260);
    assert_int_equal(e->nshown, 40);
    assert_int_equal(e->issue_opened, 100);
    assert_int_equal(e->issue_closed, 60);
    assert_int_equal(e->pr_opened, 20);
    assert_int_equal(e->pr_merged, 22);
    assert_int_equal(e->pr_closed, 8);
    assert_int_equal(e->comment, 87);
    assert_int_equal(e->total, 297);
}

static void
test_busy_window_through_faults_is_exact_and_free_again(void **state)
{
    s_ctx_t *ctx = *state;
    char hang[64];
    snprintf(hang, sizeof hang, "comments:hang:1:%d", S_HANG_MS);
    const char *faults[] = {"--fault", "issues:secondary:1:1",
                            "--fault", "issues:status:2:502",
                            "--fault", hang,
                            NULL};
    s_start(ctx, faults);
    /* REST: its answers come back as free 304s (GraphQL has no
     * conditional requests). */
    ctx->rest_only = true;
    s_start_collector(ctx, "test-token", NULL);
    dp_collect_t req = s_request(ctx, S_BUSY);

    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_run_t run;
    s_receive_window(ctx, &run);
    s_expect_nothing_more(ctx);
    const dp_window_t *w = &ctx->window.u.window;
    s_assert_exact(&run, &ctx->busy, w);
    /* The first listing page: a secondary limit, two 502s, then served;
     * the comments listing: a hang past the timeout, then served. */
    assert_int_equal(w->retries, 4);
    assert_int_equal(collector_stats(ctx->collector)->retries, 4);
    assert_true(s_problems_mention(w, "502"));
    assert_true(s_problems_mention(w, "403 secondary rate limit"));
    assert_true(s_problems_mention(w, "/issues/comments"));
    json_t *stats = s_standin_call(ctx, false, "/_standin/stats");
    print_message("busy hour through faults: %ld requests, %ld counted, "
                  "%ld retries\n",
                  s_stat(stats, "requests"), s_stat(stats, "counted"),
                  (long)w->retries);
    json_decref(stats);

    /* The same window again, on the same Redis: every answer is a 304. */
    s_stats_reset(ctx);
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_receive_window(ctx, &run);
    s_expect_nothing_more(ctx);
    assert_int_equal(run.events, 0); /* all sent before */
    assert_int_equal(w->events, ctx->busy.total);
    assert_int_equal(w->revision, 1);
    stats = s_standin_call(ctx, false, "/_standin/stats");
    print_message("busy hour again: %ld requests, %ld counted\n",
                  s_stat(stats, "requests"), s_stat(stats, "counted"));
    assert_int_equal(s_stat(stats, "counted"), 0);
    assert_int_equal(s_stat(stats, "not_modified"), s_stat(stats, "requests"));
    assert_int_equal(w->requests, s_stat(stats, "requests"));
    assert_int_equal(w->not_modified, w->requests);
    assert_int_equal(w->retries, 0);
    json_decref(stats);
}

/* One busy and one quiet window, with the stand-in's counts split:
 * listing pages, REST details, GraphQL queries. */
typedef struct {
    long issue_pages, comment_pages, details, graphql, counted, points;
} s_cost_t;

static void s_cost_of(s_ctx_t *ctx, const char *repo, const s_expect_t *e,
                      s_cost_t *c)
{
    s_stats_reset(ctx);
    dp_collect_t req = s_request(ctx, repo);
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_run_t run;
    s_receive_window(ctx, &run);
    s_expect_nothing_more(ctx);
    const dp_window_t *w = &ctx->window.u.window;
    s_assert_exact(&run, e, w);
    assert_int_equal(w->retries, 0);
    assert_int_equal(w->problems.count, 0);
    json_t *stats = s_standin_call(ctx, false, "/_standin/stats");
    s_split_paths(stats, e, &c->issue_pages, &c->comment_pages, &c->details,
                  &c->graphql);
    c->counted = s_stat(stats, "counted");
    c->points = s_stat(stats, "graphql_points");
    assert_int_equal(s_stat(stats, "requests"), c->counted);
    assert_int_equal(w->requests, c->counted);
    assert_int_equal(c->counted, c->issue_pages + c->comment_pages +
                                     c->details + c->graphql + 1);
    json_decref(stats);
}

/* The busy hour through REST details or GraphQL; prints its cost. */
static void s_busy_cost(s_ctx_t *ctx, bool rest_only, s_cost_t *c)
{
    const char *warm[] = {S_WARM, NULL};
    s_start(ctx, rest_only ? NULL : warm);
    ctx->rest_only = rest_only;
    s_start_collector(ctx, "test-token", NULL);
    s_cost_of(ctx, S_BUSY, &ctx->busy, c);
    print_message("busy hour through %s: %ld counted = %ld issue pages + %ld "
                  "comment pages + %ld PR details + %ld GraphQL queries (%ld "
                  "points) for %ld PRs shown of %d items\n",
                  rest_only ? "REST" : "GraphQL", c->counted, c->issue_pages,
                  c->comment_pages, c->details, c->graphql, c->points,
                  ctx->busy.nshown, S_BUSY_ITEMS);
    /* 260 items at 100 a page, 87 comments on one page. */
    assert_int_equal(c->issue_pages, 3);
    assert_int_equal(c->comment_pages, 1);
}

static void test_busy_hour_costs_four_listings_and_shown_details(void **state)
{
    s_ctx_t *ctx = *state;
    s_cost_t c;
    s_busy_cost(ctx, true, &c); /* the naive way: two requests a PR */
    assert_int_equal(c.details, 2 * ctx->busy.nshown);
    assert_int_equal(c.graphql, 0);

    /* The quiet hour of another repository: two listings, one PR's
     * details, the releases. */
    s_cost_of(ctx, S_QUIET, &ctx->quiet, &c);
    assert_int_equal(c.issue_pages, 1);
    assert_int_equal(c.comment_pages, 1);
    assert_int_equal(c.details, 2);
    assert_int_equal(c.counted, 5);
}

static void test_busy_hour_through_graphql_costs_six_requests(void **state)
{
    s_ctx_t *ctx = *state;
    s_cost_t c;
    s_busy_cost(ctx, false, &c);
    /* The same events as through REST (s_assert_exact), the 40 PRs' files
     * and reviews in one query of one point. */
    assert_int_equal(c.details, 0);
    assert_int_equal(c.graphql, 1);
    assert_int_equal(c.points, 1);
    assert_int_equal(c.counted, 6); /* with the releases */
    assert_true(collector_stats(ctx->collector)->graphql_points >= 1);

    s_cost_of(ctx, S_QUIET, &ctx->quiet, &c);
    assert_int_equal(c.details, 0);
    assert_int_equal(c.graphql, 1);
    assert_int_equal(c.counted, 4);
}

/* Starts the stand-in (extra arguments) and a collector with a token,
 * collects the busy hour and checks its events; returns its WINDOW. */
static const dp_window_t *s_busy_through(s_ctx_t *ctx, const char *const *extra)
{
    s_start(ctx, extra);
    s_start_collector(ctx, "test-token", NULL);
    dp_collect_t req = s_request(ctx, S_BUSY);
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_run_t run;
    s_receive_window(ctx, &run);
    s_assert_exact(&run, &ctx->busy, &ctx->window.u.window);
    return &ctx->window.u.window;
}

static void test_graphql_502_is_retried(void **state)
{
    s_ctx_t *ctx = *state;
    const char *faults[] = {"--fault", "graphql:status:2:502", S_WARM, NULL};
    const dp_window_t *w = s_busy_through(ctx, faults);
    assert_int_equal(w->retries, 2);
    assert_true(s_problems_mention(w, "POST /graphql: 502"));
    json_t *stats = s_standin_call(ctx, false, "/_standin/stats");
    long issue_pages, comment_pages, details, graphql;
    s_split_paths(stats, &ctx->busy, &issue_pages, &comment_pages, &details,
                  &graphql);
    assert_int_equal(graphql, 3);
    assert_int_equal(details, 0);
    json_decref(stats);
}

static void test_enterprise_without_graphql_falls_back_to_rest(void **state)
{
    s_ctx_t *ctx = *state;
    const char *ghe[] = {"--prefix", "/api/v3", "--no-graphql", NULL};
    const dp_window_t *w = s_busy_through(ctx, ghe);
    assert_non_null(strstr(ctx->base, "/api/v3"));
    /* The 404 is no fault of the window: no problem line. */
    assert_int_equal(w->problems.count, 0);
    json_t *stats = s_standin_call(ctx, false, "/_standin/stats");
    json_t *by_path = json_object_get(stats, "by_path");
    /* Asked once, at <host>/api/graphql, as GitHub Enterprise serves it. */
    assert_int_equal(
        json_integer_value(json_object_get(by_path, "/api/graphql")), 1);
    json_decref(stats);

    /* The next window does not ask again: REST from the start. */
    s_stats_reset(ctx);
    dp_collect_t req = s_request(ctx, S_QUIET);
    s_run_t run;
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_receive_window(ctx, &run);
    s_assert_exact(&run, &ctx->quiet, &ctx->window.u.window);
    stats = s_standin_call(ctx, false, "/_standin/stats");
    by_path = json_object_get(stats, "by_path");
    assert_null(json_object_get(by_path, "/api/graphql"));
    assert_int_equal(s_stat(stats, "counted"), 5); /* with the releases */
    json_decref(stats);
}

static void test_graphql_second_page_goes_to_rest(void **state)
{
    s_ctx_t *ctx = *state;
    const char *warm[] = {S_WARM, NULL};
    s_start(ctx, warm);
    s_start_collector(ctx, "test-token", NULL);
    dp_collect_t req = s_request(ctx, S_WIDE);
    req.replay = true; /* each run sends every event */
    s_run_t gql = {0}, rest = {0};
    s_stats_reset(ctx);
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_receive_window(ctx, &gql);
    json_t *stats = s_standin_call(ctx, false, "/_standin/stats");
    json_t *by_path = json_object_get(stats, "by_path");
    /* One query; then the files, past its first page, through REST (two
     * pages of 100); the reviews came whole. */
    assert_int_equal(json_integer_value(json_object_get(by_path, "/graphql")),
                     1);
    char path[128];
    snprintf(path, sizeof path, "/repos/%s/pulls/%d/files", S_WIDE, S_WIDE_PR);
    assert_int_equal(json_integer_value(json_object_get(by_path, path)), 1);
    snprintf(path, sizeof path, "/repos/%s/pulls/%d/reviews", S_WIDE,
             S_WIDE_PR);
    assert_null(json_object_get(by_path, path));
    json_decref(stats);

    /* The same window through REST alone gives the same events. */
    collector_destroy(&ctx->collector);
    dp_msg_clear(&ctx->window);
    ctx->rest_only = true;
    s_start_collector(ctx, "test-token", NULL);
    assert_int_equal(collector_collect(ctx->collector, &req), 0);
    s_receive_window(ctx, &rest);

    assert_int_equal(gql.pr_merged, 1);
    assert_int_equal(gql.review, S_WIDE_IN_WINDOW);
    /* The merged event and each review carry the PR's files. */
    assert_int_equal(gql.files, S_WIDE_FILES * (1 + S_WIDE_IN_WINDOW));
    assert_int_equal(gql.additions, S_WIDE_FILES * (S_WIDE_FILES - 1) / 2 *
                                        (1 + S_WIDE_IN_WINDOW));
    assert_non_null(strstr(gql.reviewers.data, "fixer[bot]/Bot/COMMENTED"));
    assert_int_equal(rest.events, gql.events);
    assert_int_equal(rest.files, gql.files);
    assert_int_equal(rest.additions, gql.additions);
    assert_string_equal(rest.reviewers.data, gql.reviewers.data);
    dp_buf_free(&gql.reviewers);
    dp_buf_free(&rest.reviewers);
}

static void test_unknown_repository_fails_alone_in_the_schedule(void **state)
{
    s_ctx_t *ctx = *state;
    const char *warm[] = {S_WARM, NULL};
    s_start(ctx, warm);
    json_t *schedule = json_pack("{s:s, s:s, s:[s], s:[s, s]}", "timezone",
                                 "UTC", "language", "en", "windows", "hourly",
                                 "repositories", S_MISSING, S_QUIET);
    assert_non_null(schedule);
    s_start_collector(ctx, "test-token", schedule);

    /* Both windows are done: the missing one failed, and said so. */
    assert_int_equal(collector_tick(ctx->collector, ctx->win_to + 300), 2);
    s_run_t run;
    s_receive_window(ctx, &run);
    s_expect_nothing_more(ctx);
    const dp_window_t *w = &ctx->window.u.window;
    assert_string_equal(w->repo, S_QUIET);
    assert_int_equal(w->win_from, ctx->win_from);
    s_assert_exact(&run, &ctx->quiet, w);

    s_receive_status(ctx);
    const dp_status_t *st = &ctx->status.u.status;
    assert_string_equal(st->repo, S_MISSING);
    assert_string_equal(st->state, "failed");
    assert_non_null(strstr(st->message, "not found"));
    assert_int_equal(st->win_from, ctx->win_from);
}

static void test_refused_token_fails_the_window_with_eauth(void **state)
{
    s_ctx_t *ctx = *state;
    const char *token[] = {"--token", "right-token", NULL};
    s_start(ctx, token);
    s_start_collector(ctx, "wrong-token", NULL);
    dp_collect_t req = s_request(ctx, S_QUIET);

    assert_int_equal(collector_collect(ctx->collector, &req), DP_EAUTH);
    s_receive_status(ctx);
    const dp_status_t *st = &ctx->status.u.status;
    assert_string_equal(st->repo, S_QUIET);
    assert_string_equal(st->state, "failed");
    assert_non_null(strstr(st->message, "credentials"));
    /* Nothing of the window goes down the pipeline, and it is not
     * retried: one request. */
    s_expect_nothing_more(ctx);
    json_t *stats = s_standin_call(ctx, false, "/_standin/stats");
    assert_int_equal(s_stat(stats, "requests"), 1);
    json_decref(stats);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_dataset_is_a_busy_hour),
        T(test_busy_window_through_faults_is_exact_and_free_again),
        T(test_busy_hour_costs_four_listings_and_shown_details),
        T(test_busy_hour_through_graphql_costs_six_requests),
        T(test_graphql_502_is_retried),
        T(test_enterprise_without_graphql_falls_back_to_rest),
        T(test_graphql_second_page_goes_to_rest),
        T(test_unknown_repository_fails_alone_in_the_schedule),
        T(test_refused_token_fails_the_window_with_eauth),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
