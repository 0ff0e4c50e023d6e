/* test_collector_schedule.c - the collector's schedule: leases, catch-up and
 * late data, against the GitHub stand-in and a real Redis */
/* SPDX-License-Identifier: MIT */
/*
 * Each test writes its own dataset (20 repositories of one owner, a few
 * items in each of eight past hours) into a private directory, serves it
 * with build/bin/gh-standin on 127.0.0.1, starts a private redis-server and
 * drives collector engines in this process with collector_tick at fixed
 * instants. Every collector has its own PUSH endpoint, bound here by a PULL
 * socket, so each message is known to come from the collector that sent it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
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
#include "dp_ledger.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_tkcollector.h"
#include "dp_time.h"
#include "schedule.h"

#define S_OWNER "fleet"
#define S_REPOS 20 /* repositories in the schedule */
#define S_HOURS 8  /* hours of the dataset, from S_HOUR0 */
#define S_HOUR0 "2025-11-04T00:00:00Z"
#define S_PER_HOUR 4          /* events per repository and hour */
#define S_AFTER_CLOSE_S 300   /* ticks run this long after an hour closed */
#define S_GRACE_S 120         /* the collector's grace period */
#define S_LEASE_MS 30000      /* a lease that outlives every test */
#define S_SHORT_LEASE_MS 2000 /* a lease the takeover test waits out */
#define S_LAPSE_MARGIN_MS 300
#define S_SLOW_LEASE_MS 1000 /* shorter than the hung request below */
#define S_HANG_MS 3000
#define S_COLLECTORS 2
#define S_TICKS 3        /* ticks per collector in the race */
#define S_QUIET_MS 500   /* wait that proves nothing more arrives */
#define S_START_MS 10000 /* longest wait for the stand-in's first line */
#define S_MAX_FRAME (16L * 1024 * 1024)
#define S_MAX_BODY (64L * 1024 * 1024)
#define S_KEY_MAX 512
#define S_DAY INT64_C(86400)

/* ==== Time ==== */

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    if (dp_time_parse(iso, &t, NULL) != 0)
        fail_msg("could not parse %s", iso);
    return t;
}

/* Start of hour h of the dataset. */
static int64_t s_hour(int h)
{
    return s_at(S_HOUR0) + (int64_t)h * 3600;
}

/* An instant shortly after hour h closed: a tick then collects hour h. */
static int64_t s_after(int h)
{
    return s_hour(h + 1) + S_AFTER_CLOSE_S;
}

static void s_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ==== The dataset ==== */

/* How the items and comments of this dataset look. */
static const dp_gh_style_t s_style = {
    .logins = 7,
    .labels = false,
    .body = "Generated for a test.",
    .comment_html = true,
};

static void s_repo_name(char *buf, size_t size, int r)
{
    snprintf(buf, size, "%s/r%02d", S_OWNER, r);
}

/* Writes the fleet: in every hour h of S_HOURS and every repository r, an
 * issue opened (#10h+1) with one comment, and a pull request opened and
 * merged (#10h+2): S_PER_HOUR events. Three closed items from days before
 * are history that no window lists. With late_hour >= 0, repository r00
 * also has issue #10*late_hour+5, opened in that hour but only listed
 * (updated) in the hour after: the late data of a window. */
static void s_write_fleet(const char *data, int nrepos, int late_hour)
{
    int64_t h0 = s_hour(0);
    for (int r = 0; r < nrepos; r++) {
        char repo[64];
        s_repo_name(repo, sizeof repo, r);
        json_t *issues = json_array();
        json_t *comments = json_object();
        for (int k = 0; k < 3; k++) {
            int64_t created = h0 - 3 * S_DAY + (int64_t)k * 60;
            json_array_append_new(
                issues, dp_gh_item(&s_style, repo, 900 + k, false, created,
                                   h0 - 2 * S_DAY, h0 - 2 * S_DAY, 0, 0));
        }
        for (int h = 0; h < S_HOURS; h++) {
            int64_t t = s_hour(h);
            long issue = 10L * h + 1, pull = 10L * h + 2;
            json_array_append_new(issues, dp_gh_item(&s_style, repo, issue,
                                                     false, t + 600 + r,
                                                     t + 1500 + r, 0, 0, 1));
            dp_gh_comment(&s_style, comments, repo, issue,
                          1000000L + r * 1000L + h * 10L, t + 1500 + r);
            json_array_append_new(issues,
                                  dp_gh_item(&s_style, repo, pull, true,
                                             t + 900 + r, t + 1800 + r,
                                             t + 1800 + r, t + 1800 + r, 0));
        }
        if (r == 0 && late_hour >= 0) {
            int64_t t = s_hour(late_hour);
            json_array_append_new(
                issues, dp_gh_item(&s_style, repo, 10L * late_hour + 5, false,
                                   t + 2000, t + 3600 + 100, 0, 0, 0));
        }
        dp_gh_write_repo(data, repo, issues, comments);
        json_decref(issues);
        json_decref(comments);
    }
}

/* ==== What the collectors sent ==== */

typedef struct {
    dp_msg_type_t type;
    int src; /* index of the collector whose pipeline carried it */
    char repo[64];
    int64_t from, to, revision;
    int64_t events;                 /* WINDOW: events of the window */
    int64_t requests, not_modified; /* WINDOW */
    char kind[24];                  /* EVENT */
    char id[96];                    /* EVENT */
} s_rec_t;

typedef struct {
    s_rec_t *v;
    size_t n, cap;
} s_log_t;

static void s_log_clear(s_log_t *log)
{
    dp_free(log->v);
    memset(log, 0, sizeof *log);
}

/* ==== Fixture ==== */

typedef struct {
    char *dir;  /* private directory: data/ and ipc endpoints */
    char *data; /* dir/data: the stand-in's dataset */
    char *standin_bin;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256]; /* the stand-in's URL */
    char port[16];  /* its port, to restart it on the same one */
    dp_bus_t *bus;
    dp_sock_t *pull[S_COLLECTORS]; /* bound where collector i pushes */
    dp_store_t *store;             /* the test's own view of Redis */
    json_t *schedule;
    char *ctl[S_COLLECTORS], *out[S_COLLECTORS], *pub[S_COLLECTORS];
    collector_t *col[S_COLLECTORS];
    s_log_t log;
    int64_t since; /* the collectors' since (devpulse up --since), 0: none */
} s_ctx_t;

static int s_setup(void **state)
{
    *state = dp_calloc(1, sizeof(s_ctx_t));
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    for (int i = 0; i < S_COLLECTORS; i++) {
        collector_destroy(&ctx->col[i]);
        dp_free(ctx->ctl[i]);
        dp_free(ctx->out[i]);
        dp_free(ctx->pub[i]);
    }
    dp_bus_destroy(&ctx->bus);
    dp_store_destroy(&ctx->store);
    dp_tk_proc_stop(&ctx->standin);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    json_decref(ctx->schedule);
    s_log_clear(&ctx->log);
    dp_free(ctx->standin_bin);
    dp_free(ctx->data);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* gh-standin next to the test binaries. */
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

/* Starts the stand-in on port ("0" for any), with a --fault when fault is
 * not NULL, and notes its URL and port. */
static void s_standin_start(s_ctx_t *ctx, const char *port, const char *fault)
{
    char *argv[] = {ctx->standin_bin,
                    (char *)"--data",
                    ctx->data,
                    (char *)"--port",
                    (char *)port,
                    NULL,
                    NULL,
                    NULL};
    if (fault) {
        argv[5] = (char *)"--fault";
        argv[6] = (char *)fault;
    }
    if (dp_tk_proc_start(&ctx->standin, argv, ctx->base, sizeof ctx->base,
                         S_START_MS) < 0)
        fail_msg("gh-standin did not start (%s)", ctx->standin_bin);
    const char *colon = strrchr(ctx->base, ':');
    assert_non_null(colon);
    snprintf(ctx->port, sizeof ctx->port, "%s", colon + 1);
}

/* Redis, the dataset (nrepos repositories), the stand-in (with an optional
 * fault), the test's sockets, and a schedule document of those
 * repositories in UTC. */
static void s_start(s_ctx_t *ctx, int nrepos, int late_hour, const char *fault)
{
    dp_tk_redis_start_or_skip(&ctx->redis);
    ctx->standin_bin = s_find_standin();
    if (!dp_tk_have_program(ctx->standin_bin))
        fail_msg("%s not found: build the gh-standin target", ctx->standin_bin);
    ctx->dir = dp_tk_tmpdir("sched");
    assert_non_null(ctx->dir);
    ctx->data = dp_asprintf("%s/data", ctx->dir);
    dp_gh_mkdir(ctx->data);
    s_write_fleet(ctx->data, nrepos, late_hour);
    s_standin_start(ctx, "0", fault);

    char err[256] = "";
    ctx->store = dp_store_new(ctx->redis.url, err, sizeof err);
    if (!ctx->store)
        fail_msg("redis: %s", err);
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    for (int i = 0; i < S_COLLECTORS; i++) {
        ctx->ctl[i] = dp_asprintf("@ipc://%s/ctl%d", ctx->dir, i);
        ctx->out[i] = dp_asprintf(">ipc://%s/out%d", ctx->dir, i);
        ctx->pub[i] = dp_asprintf("@ipc://%s/pub%d", ctx->dir, i);
        char *ep = dp_asprintf("@ipc://%s/out%d", ctx->dir, i);
        ctx->pull[i] = dp_sock_new(ctx->bus, ZMQ_PULL, ep);
        dp_free(ep);
        assert_non_null(ctx->pull[i]);
        int zero = 0;
        assert_int_equal(zmq_setsockopt(dp_sock_handle(ctx->pull[i]),
                                        ZMQ_LINGER, &zero, sizeof zero),
                         0);
    }
    json_t *repos = json_array();
    for (int r = 0; r < nrepos; r++) {
        char repo[64];
        s_repo_name(repo, sizeof repo, r);
        json_array_append_new(repos, json_string(repo));
    }
    ctx->schedule =
        json_pack("{s:s, s:s, s:[s], s:o}", "timezone", "UTC", "language", "en",
                  "windows", "hourly", "repositories", repos);
    assert_non_null(ctx->schedule);
}

/* Creates collector i on the schedule. */
static collector_t *s_collector(s_ctx_t *ctx, int i, long lease_ms,
                                long catchup_max)
{
    collector_cfg_t cfg =
        dp_tk_collector_cfg(ctx->base, "test-token", ctx->redis.url);
    cfg.ctl_endpoint = ctx->ctl[i];
    cfg.out_endpoint = ctx->out[i];
    cfg.pub_endpoint = ctx->pub[i];
    cfg.per_page = 100;
    cfg.max_pages = 50;
    cfg.retry_base_ms = 10;
    cfg.max_text = 4000;
    cfg.max_body = S_MAX_BODY;
    cfg.max_frame = S_MAX_FRAME;
    cfg.max_details = 200;
    cfg.schedule = ctx->schedule;
    cfg.lease_ms = lease_ms;
    cfg.grace_s = S_GRACE_S;
    cfg.catchup_max = catchup_max;
    cfg.since = ctx->since;
    cfg.watch_s = 60;
    cfg.watch_tries = 3;
    ctx->col[i] = collector_new(&cfg);
    assert_non_null(ctx->col[i]);
    return ctx->col[i];
}

/* Appends everything collector src sent, until its pipeline is quiet. */
static void s_drain(s_ctx_t *ctx, int src)
{
    dp_buf_t frame = DP_BUF_INIT;
    while (dp_sock_recv(ctx->pull[src], NULL, &frame, S_MAX_FRAME,
                        S_QUIET_MS) == 0) {
        dp_msg_t msg;
        char err[256] = "";
        if (dp_msg_decode(frame.data, frame.len, S_MAX_FRAME, &msg, err,
                          sizeof err) != 0)
            fail_msg("undecodable message: %s", err);
        s_log_t *log = &ctx->log;
        if (log->n == log->cap) {
            log->cap = log->cap ? log->cap * 2 : 256;
            log->v = dp_realloc(log->v, log->cap * sizeof *log->v);
        }
        s_rec_t *rec = &log->v[log->n++];
        memset(rec, 0, sizeof *rec);
        rec->type = msg.type;
        rec->src = src;
        if (msg.type == DP_MSG_WINDOW) {
            const dp_window_t *w = &msg.u.window;
            snprintf(rec->repo, sizeof rec->repo, "%s", w->repo);
            rec->from = w->win_from;
            rec->to = w->win_to;
            rec->revision = w->revision;
            rec->events = w->events;
            rec->requests = w->requests;
            rec->not_modified = w->not_modified;
        } else if (msg.type == DP_MSG_EVENT) {
            const dp_event_t *e = &msg.u.event;
            snprintf(rec->repo, sizeof rec->repo, "%s", e->repo);
            rec->from = e->win_from;
            rec->to = e->win_to;
            rec->revision = e->revision;
            snprintf(rec->kind, sizeof rec->kind, "%s", e->kind);
            snprintf(rec->id, sizeof rec->id, "%s", e->id);
        } else {
            fail_msg("unexpected %s on the pipeline",
                     dp_msg_type_name(msg.type));
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
}

static void s_drain_all(s_ctx_t *ctx)
{
    for (int i = 0; i < S_COLLECTORS; i++)
        s_drain(ctx, i);
}

/* Messages of a type in the log matching the filters (NULL repo, -1 src,
 * from or revision: any). */
static size_t s_count(const s_ctx_t *ctx, dp_msg_type_t type, const char *repo,
                      int src, int64_t from, int64_t revision)
{
    size_t n = 0;
    for (size_t i = 0; i < ctx->log.n; i++) {
        const s_rec_t *r = &ctx->log.v[i];
        if (r->type == type && (!repo || !strcmp(r->repo, repo)) &&
            (src < 0 || r->src == src) && (from < 0 || r->from == from) &&
            (revision < 0 || r->revision == revision))
            n++;
    }
    return n;
}

/* The first WINDOW of repo for the window starting at from, which must
 * have come. */
static s_rec_t s_window(const s_ctx_t *ctx, const char *repo, int64_t from)
{
    s_rec_t none;
    for (size_t i = 0; i < ctx->log.n; i++) {
        const s_rec_t *r = &ctx->log.v[i];
        if (r->type == DP_MSG_WINDOW && !strcmp(r->repo, repo) &&
            r->from == from)
            return *r;
    }
    fail_msg("no WINDOW of %s from %lld", repo, (long long)from);
    memset(&none, 0, sizeof none);
    return none;
}

/* Fails when two EVENTs of the log share repository, window and
 * identity. */
static void s_assert_events_unique(const s_ctx_t *ctx)
{
    for (size_t i = 0; i < ctx->log.n; i++) {
        const s_rec_t *a = &ctx->log.v[i];
        if (a->type != DP_MSG_EVENT)
            continue;
        for (size_t k = i + 1; k < ctx->log.n; k++) {
            const s_rec_t *b = &ctx->log.v[k];
            if (b->type == DP_MSG_EVENT && !strcmp(a->repo, b->repo) &&
                a->from == b->from && a->to == b->to && !strcmp(a->id, b->id))
                fail_msg("%s %s sent twice (by collectors %d and %d)", a->repo,
                         a->id, a->src, b->src);
        }
    }
}

/* The holder of a repository's lease ("" when none), as schedule.c keys
 * it. */
static void s_lease_holder(s_ctx_t *ctx, const char *repo, char *out,
                           size_t size)
{
    char key[S_KEY_MAX];
    dp_store_key(key, sizeof key, "{%s}:lease", repo);
    dp_buf_t buf = DP_BUF_INIT;
    out[0] = '\0';
    if (dp_store_get(ctx->store, key, &buf) == 0 && buf.data)
        snprintf(out, size, "%s", buf.data);
    dp_buf_free(&buf);
}

/* ==== Leases and the ledger, through schedule.h ==== */

static void test_lease_is_exclusive_renewable_and_lapses(void **state)
{
    s_ctx_t *ctx = *state;
    dp_tk_redis_start_or_skip(&ctx->redis);
    char err[256] = "";
    ctx->store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(ctx->store);
    dp_store_t *st = ctx->store;

    assert_true(schedule_lease(st, "o/r", "alpha", S_LEASE_MS));
    assert_false(schedule_lease(st, "o/r", "beta", S_LEASE_MS));
    assert_true(schedule_lease(st, "o/r", "alpha", S_LEASE_MS)); /* renew */
    assert_true(schedule_lease(st, "o/other", "beta", S_LEASE_MS));
    /* Only the holder gives a lease back. */
    schedule_release(st, "o/r", "beta");
    assert_false(schedule_lease(st, "o/r", "beta", S_LEASE_MS));
    schedule_release(st, "o/r", "alpha");
    assert_true(schedule_lease(st, "o/r", "beta", 200));
    /* A holder that stops renewing loses the lease within its ttl. */
    assert_false(schedule_lease(st, "o/r", "alpha", S_LEASE_MS));
    s_sleep_ms(200 + S_LAPSE_MARGIN_MS);
    assert_true(schedule_lease(st, "o/r", "alpha", S_LEASE_MS));
    assert_false(schedule_lease(st, "o/r", "beta", S_LEASE_MS));

    /* The ledger of windows done, per repository and kind. */
    assert_int_equal(schedule_done_until(st, "o/r", DP_WINDOW_HOURLY), 0);
    assert_int_equal(schedule_set_done(st, "o/r", DP_WINDOW_HOURLY, s_hour(3)),
                     0);
    assert_int_equal(schedule_done_until(st, "o/r", DP_WINDOW_HOURLY),
                     s_hour(3));
    assert_int_equal(schedule_done_until(st, "o/r", DP_WINDOW_DAILY), 0);
    assert_int_equal(schedule_done_until(st, "o/other", DP_WINDOW_HOURLY), 0);

    /* Every key of a repository carries it as a hash tag (one Redis
     * Cluster slot); a record written under the name it had before, with
     * no tag, is still read, and the next is written under the tagged
     * name. */
    char key[S_KEY_MAX], val[24];
    dp_store_key(key, sizeof key, "{%s}:sched:%s", "o/r",
                 dp_window_kind_name(DP_WINDOW_HOURLY));
    dp_buf_t buf = DP_BUF_INIT;
    assert_int_equal(dp_store_get(st, key, &buf), 0);
    dp_buf_free(&buf);
    dp_store_key(key, sizeof key, "sched:%s:%s", "o/old",
                 dp_window_kind_name(DP_WINDOW_DAILY));
    snprintf(val, sizeof val, "%lld", (long long)s_hour(24));
    assert_int_equal(dp_store_set(st, key, val, strlen(val), 3600), 0);
    assert_int_equal(schedule_done_until(st, "o/old", DP_WINDOW_DAILY),
                     s_hour(24));
    assert_int_equal(
        schedule_set_done(st, "o/old", DP_WINDOW_DAILY, s_hour(48)), 0);
    assert_int_equal(schedule_done_until(st, "o/old", DP_WINDOW_DAILY),
                     s_hour(48));
    dp_store_key(key, sizeof key, "{%s}:lease", "o/r");
    assert_int_equal(dp_store_get(st, key, &buf), 0);
    assert_string_equal(buf.data, "alpha");
    dp_buf_free(&buf);
}

/* ==== Two collectors on one configuration ==== */

typedef struct {
    collector_t *col;
    int64_t now;
    int ticks;
    int collected;
    pthread_barrier_t *go;
} s_racer_t;

static void *s_race(void *arg)
{
    s_racer_t *r = arg;
    pthread_barrier_wait(r->go);
    for (int i = 0; i < r->ticks; i++)
        r->collected += collector_tick(r->col, r->now);
    return NULL;
}

static void test_two_collectors_produce_each_window_exactly_once(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, S_REPOS, -1, NULL);
    /* Both built back to back, as two replicas started together. */
    for (int i = 0; i < S_COLLECTORS; i++)
        s_collector(ctx, i, S_LEASE_MS, 48);
    assert_int_equal(collector_repositories(ctx->col[0])->count, S_REPOS);
    int64_t now = s_after(2);

    /* First they race, each on its own thread, over the same instant. */
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, S_COLLECTORS), 0);
    s_racer_t racer[S_COLLECTORS];
    pthread_t tid[S_COLLECTORS];
    for (int i = 0; i < S_COLLECTORS; i++) {
        racer[i] = (s_racer_t){ctx->col[i], now, S_TICKS, 0, &go};
        assert_int_equal(pthread_create(&tid[i], NULL, s_race, &racer[i]), 0);
    }
    for (int i = 0; i < S_COLLECTORS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    pthread_barrier_destroy(&go);
    /* Then they take turns at the same instant. */
    int collected = racer[0].collected + racer[1].collected;
    for (int round = 0; round < S_TICKS; round++)
        for (int i = 0; i < S_COLLECTORS; i++)
            collected += collector_tick(ctx->col[i], now);
    s_drain_all(ctx);

    print_message("collector 0 collected %d windows, collector 1 %d\n",
                  racer[0].collected, racer[1].collected);
    assert_int_equal(collected, S_REPOS);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, NULL, -1, -1, -1), S_REPOS);
    assert_int_equal(s_count(ctx, DP_MSG_EVENT, NULL, -1, -1, -1),
                     S_REPOS * S_PER_HOUR);
    s_assert_events_unique(ctx);
    char holder[S_COLLECTORS][256];
    memset(holder, 0, sizeof holder);
    for (int r = 0; r < S_REPOS; r++) {
        char repo[64], owner[256];
        s_repo_name(repo, sizeof repo, r);
        assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, -1, s_hour(2), 1),
                         1);
        const s_rec_t w = s_window(ctx, repo, s_hour(2));
        assert_int_equal(w.to, s_hour(3));
        assert_int_equal(w.events, S_PER_HOUR);
        /* The window's events came down the same collector's pipeline. */
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, w.src, -1, 1),
                         S_PER_HOUR);
        /* And that collector holds the repository's lease. */
        s_lease_holder(ctx, repo, owner, sizeof owner);
        assert_true(owner[0] != '\0');
        if (!holder[w.src][0])
            snprintf(holder[w.src], sizeof holder[w.src], "%s", owner);
        assert_string_equal(owner, holder[w.src]);
        assert_int_equal(
            schedule_done_until(ctx->store, repo, DP_WINDOW_HOURLY), s_hour(3));
    }
    if (holder[0][0] && holder[1][0])
        assert_string_not_equal(holder[0], holder[1]);
}

static void test_lease_of_a_dead_collector_is_taken_over(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, S_REPOS, -1, NULL);
    collector_t *a = s_collector(ctx, 0, S_SHORT_LEASE_MS, 48);
    long long started = s_now_ms();
    assert_int_equal(collector_tick(a, s_after(2)), S_REPOS);
    char dead[256];
    s_lease_holder(ctx, S_OWNER "/r00", dead, sizeof dead);
    assert_true(dead[0] != '\0');
    /* A dies: destroyed without giving its leases back. */
    collector_destroy(&ctx->col[0]);

    collector_t *b = s_collector(ctx, 1, S_SHORT_LEASE_MS, 48);
    int early = collector_tick(b, s_after(3));
    if (s_now_ms() - started < S_SHORT_LEASE_MS)
        assert_int_equal(early, 0); /* the leases are still A's */
    s_sleep_ms(S_SHORT_LEASE_MS + S_LAPSE_MARGIN_MS);
    assert_int_equal(early + collector_tick(b, s_after(3)), S_REPOS);
    s_drain_all(ctx);

    for (int r = 0; r < S_REPOS; r++) {
        char repo[64], owner[256];
        s_repo_name(repo, sizeof repo, r);
        /* A's hour, its events sent once, by A. */
        assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(2), 1), 1);
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 0, s_hour(2), 1),
                         S_PER_HOUR);
        /* B revisits it for late data: same revision, nothing sent again. */
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 1, s_hour(2), -1), 0);
        assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 1, s_hour(2), 2), 0);
        /* B's hour, once. */
        assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, -1, s_hour(3), -1),
                         1);
        assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 1, s_hour(3), 1), 1);
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 1, s_hour(3), 1),
                         S_PER_HOUR);
        s_lease_holder(ctx, repo, owner, sizeof owner);
        assert_true(owner[0] != '\0');
        assert_string_not_equal(owner, dead);
    }
    s_assert_events_unique(ctx);
}

typedef struct {
    collector_t *col;
    int64_t now;
    int collected;
} s_slow_t;

static void *s_slow_tick(void *arg)
{
    s_slow_t *s = arg;
    s->collected = collector_tick(s->col, s->now);
    return NULL;
}

/* A window that takes longer than the lease (here one request hangs; in
 * production a rate-limit wait of up to max_wait_s, or a busy window's
 * hundreds of detail requests, against a 30 s lease) must still be sent by
 * one collector only. */
static void test_a_window_slower_than_the_lease_is_sent_once(void **state)
{
    s_ctx_t *ctx = *state;
    char fault[64];
    snprintf(fault, sizeof fault, "issues:hang:1:%d", S_HANG_MS);
    s_start(ctx, 1, -1, fault);
    const char *repo = S_OWNER "/r00";
    s_slow_t a = {s_collector(ctx, 0, S_SLOW_LEASE_MS, 48), s_after(2), 0};
    collector_t *b = s_collector(ctx, 1, S_SLOW_LEASE_MS, 48);
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, s_slow_tick, &a), 0);
    /* B comes by while A waits on GitHub, after A's lease ran out. */
    s_sleep_ms(S_SLOW_LEASE_MS + S_LAPSE_MARGIN_MS);
    int collected = collector_tick(b, s_after(2));
    assert_int_equal(pthread_join(tid, NULL), 0);
    s_drain_all(ctx);
    print_message("A collected %d window(s), B %d\n", a.collected, collected);
    s_assert_events_unique(ctx);
    assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, -1, s_hour(2), -1),
                     S_PER_HOUR);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, -1, s_hour(2), -1), 1);
}

/* ==== Catch-up and late data ==== */

static void test_catch_up_collects_missed_hours_oldest_first(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, 1, -1, NULL);
    collector_t *c = s_collector(ctx, 0, S_LEASE_MS, 48);
    const char *repo = S_OWNER "/r00";
    /* First run: only the hour that just closed. */
    assert_int_equal(collector_tick(c, s_after(0)), 1);
    s_drain(ctx, 0);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(0), 1), 1);
    size_t first = ctx->log.n;

    /* Down for five hours. */
    assert_int_equal(collector_tick(c, s_after(5)), 5);
    s_drain(ctx, 0);
    int64_t order[8];
    size_t nw = 0;
    for (size_t i = first; i < ctx->log.n; i++) {
        const s_rec_t *r = &ctx->log.v[i];
        if (r->type != DP_MSG_WINDOW)
            continue;
        assert_true(nw < sizeof order / sizeof order[0]);
        order[nw++] = r->from;
        assert_int_equal(r->revision, 1);
        assert_int_equal(r->events, S_PER_HOUR);
    }
    /* Hours 1 to 5 in order. Hour 0 was collected once more for late data,
     * found nothing new (all 304s) and so sent nothing: its report stands. */
    assert_int_equal(nw, 5);
    for (size_t i = 0; i < nw; i++)
        assert_int_equal(order[i], s_hour((int)i + 1));
    assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 0, s_hour(0), -1),
                     S_PER_HOUR);
    for (int h = 1; h <= 5; h++)
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 0, s_hour(h), 1),
                         S_PER_HOUR);
    s_assert_events_unique(ctx);
    assert_int_equal(schedule_done_until(ctx->store, repo, DP_WINDOW_HOURLY),
                     s_hour(6));
    /* Up to date: nothing more at the same instant. */
    assert_int_equal(collector_tick(c, s_after(5)), 0);
}

static void test_catch_up_is_bounded_per_tick_and_resumes(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, 1, -1, NULL);
    collector_t *c = s_collector(ctx, 0, S_LEASE_MS, 2);
    const char *repo = S_OWNER "/r00";
    assert_int_equal(collector_tick(c, s_after(0)), 1);
    /* Five hours behind, two a tick. */
    const int want[] = {2, 2, 1, 0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(collector_tick(c, s_after(5)), want[i]);
    s_drain(ctx, 0);
    for (int h = 0; h <= 5; h++) {
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 0, s_hour(h), 1),
                         S_PER_HOUR);
        assert_true(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(h), 1) >= 1);
        assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(h), 2), 0);
    }
    s_assert_events_unique(ctx);
    assert_int_equal(schedule_done_until(ctx->store, repo, DP_WINDOW_HOURLY),
                     s_hour(6));
}

static void test_late_data_revises_the_window_with_only_new_events(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, 1, -1, NULL);
    collector_t *c = s_collector(ctx, 0, S_LEASE_MS, 48);
    const char *repo = S_OWNER "/r00";
    assert_int_equal(collector_tick(c, s_after(2)), 1);
    s_drain(ctx, 0);
    assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 0, s_hour(2), 1),
                     S_PER_HOUR);
    size_t first = ctx->log.n;

    /* An issue opened in hour 2 shows up only now. */
    char port[sizeof ctx->port];
    snprintf(port, sizeof port, "%s", ctx->port);
    dp_tk_proc_stop(&ctx->standin);
    s_write_fleet(ctx->data, 1, 2);
    s_standin_start(ctx, port, NULL);

    assert_int_equal(collector_tick(c, s_after(3)), 1);
    s_drain(ctx, 0);
    /* Hour 2, revision 2: the new event alone, with the new revision. */
    size_t rev2_events = 0;
    for (size_t i = first; i < ctx->log.n; i++) {
        const s_rec_t *r = &ctx->log.v[i];
        if (r->type == DP_MSG_EVENT && r->from == s_hour(2)) {
            assert_string_equal(r->kind, "issue_opened");
            assert_non_null(strstr(r->id, "issue:25:opened:"));
            assert_int_equal(r->revision, 2);
            rev2_events++;
        }
    }
    assert_int_equal(rev2_events, 1);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(2), 2), 1);
    int64_t revised = -1;
    for (size_t i = first; i < ctx->log.n; i++)
        if (ctx->log.v[i].type == DP_MSG_WINDOW &&
            ctx->log.v[i].from == s_hour(2))
            revised = ctx->log.v[i].events;
    assert_int_equal(revised, S_PER_HOUR + 1);
    /* Hour 3 as usual, revision 1. */
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(3), 1), 1);
    assert_int_equal(s_count(ctx, DP_MSG_EVENT, repo, 0, s_hour(3), 1),
                     S_PER_HOUR);
    s_assert_events_unique(ctx);

    /* Nothing new since: the next revisit keeps revision 2 and sends no
     * event. */
    first = ctx->log.n;
    assert_int_equal(collector_tick(c, s_after(4)), 1);
    s_drain(ctx, 0);
    for (size_t i = first; i < ctx->log.n; i++)
        assert_false(ctx->log.v[i].type == DP_MSG_EVENT &&
                     ctx->log.v[i].from <= s_hour(3));
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(2), 3), 0);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, s_hour(3), 2), 0);
}

/* Asks collector c for one window, as a command would (reply_to set) or
 * as the schedule does. */
static void s_collect(collector_t *c, const char *repo, int64_t from,
                      int64_t to, const char *reply_to)
{
    dp_collect_t req = {0};
    req.repo = (char *)repo;
    req.win_from = from;
    req.win_to = to;
    req.tz = (char *)"UTC";
    req.lang = (char *)"en";
    req.reply_to = (char *)reply_to;
    assert_int_equal(collector_collect(c, &req), 0);
}

/* EVENTs of repo sent for the window [from, to). */
static size_t s_events_of(const s_ctx_t *ctx, const char *repo, int64_t from,
                          int64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < ctx->log.n; i++) {
        const s_rec_t *r = &ctx->log.v[i];
        n += r->type == DP_MSG_EVENT && !strcmp(r->repo, repo) &&
             r->from == from && r->to == to;
    }
    return n;
}

static void test_overlapping_windows_each_get_every_event(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, 1, -1, NULL);
    collector_t *c = s_collector(ctx, 0, S_LEASE_MS, 48);
    const char *repo = S_OWNER "/r00";
    /* Every hour of the dataset, then the day that holds them, then the
     * first four hours again as a window of their own. */
    for (int h = 0; h < S_HOURS; h++)
        s_collect(c, repo, s_hour(h), s_hour(h + 1), "cmd");
    int64_t day = s_hour(0), half = s_hour(4);
    s_collect(c, repo, day, day + S_DAY, "cmd");
    s_collect(c, repo, day, half, "cmd");
    s_drain(ctx, 0);
    for (int h = 0; h < S_HOURS; h++) {
        assert_int_equal(s_events_of(ctx, repo, s_hour(h), s_hour(h + 1)),
                         S_PER_HOUR);
        assert_int_equal(s_window(ctx, repo, s_hour(h)).events, S_PER_HOUR);
    }
    /* The day and the half day were sent every event they contain, however
     * many other windows had them already: each window is complete. */
    assert_int_equal(s_events_of(ctx, repo, day, day + S_DAY),
                     S_HOURS * S_PER_HOUR);
    assert_int_equal(s_events_of(ctx, repo, day, half), 4 * S_PER_HOUR);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, repo, 0, day, 1), 3);
    s_assert_events_unique(ctx);

    /* Again: nothing is new to any window, so nothing is sent, and the
     * revisions stand. */
    size_t first = ctx->log.n;
    s_collect(c, repo, day, day + S_DAY, "cmd");
    s_collect(c, repo, s_hour(3), s_hour(4), "cmd");
    s_drain(ctx, 0);
    for (size_t i = first; i < ctx->log.n; i++) {
        assert_int_not_equal(ctx->log.v[i].type, DP_MSG_EVENT);
        assert_int_equal(ctx->log.v[i].revision, 1);
    }

    /* Windows asked for by a command are watched by whoever asked: none is
     * left pending. A scheduled window is pending until its report. */
    dp_ledger_win_t w = {.repo = repo, .from = day, .to = day + S_DAY};
    assert_false(dp_ledger_pending_has(ctx->store, &w));
    dp_strs_t due = {0};
    assert_int_equal(
        dp_ledger_pending_due(ctx->store, INT64_MAX / 2, 100, &due), 0);
    s_collect(c, repo, day, day + S_DAY, NULL);
    assert_true(dp_ledger_pending_has(ctx->store, &w));
    assert_int_equal(
        dp_ledger_pending_due(ctx->store, INT64_MAX / 2, 100, &due), 1);
    dp_strs_clear(&due);
}

/* ==== Starting from an instant (devpulse up --since) ==== */

/* The WINDOWs of repo in the log from index first on, in order. */
static size_t s_windows_of(const s_ctx_t *ctx, size_t first, const char *repo,
                           int64_t *from, size_t max)
{
    size_t n = 0;
    for (size_t i = first; i < ctx->log.n; i++) {
        const s_rec_t *r = &ctx->log.v[i];
        if (r->type != DP_MSG_WINDOW || strcmp(r->repo, repo))
            continue;
        assert_true(n < max);
        from[n++] = r->from;
    }
    return n;
}

static void test_since_catches_up_from_an_instant_then_follows(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, 2, -1, NULL);
    /* Half past hour 1: the first window that starts at or after it is
     * hour 2. */
    ctx->since = s_hour(1) + 1800;
    const char *fresh = S_OWNER "/r00", *marked = S_OWNER "/r01";
    /* r01 was collected up to hour 4 before: its mark wins over since. */
    assert_int_equal(
        schedule_set_done(ctx->store, marked, DP_WINDOW_HOURLY, s_hour(4)), 0);
    collector_t *c = s_collector(ctx, 0, S_LEASE_MS, 3);

    /* Three windows a tick at most, oldest first: hours 2, 3, 4 of r00
     * and hour 4 of r01 (with hour 3 once more for late data, which was
     * never sent and so is revision 1 of that window). */
    assert_int_equal(collector_tick(c, s_after(4)), 4);
    s_drain(ctx, 0);
    int64_t from[16];
    size_t n = s_windows_of(ctx, 0, fresh, from, 16);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(from[i], s_hour((int)i + 2));
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, fresh, 0, s_hour(1), -1), 0);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, fresh, 0, s_hour(0), -1), 0);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, marked, 0, s_hour(4), 1), 1);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, marked, 0, s_hour(2), -1), 0);
    for (int h = 2; h <= 4; h++)
        assert_int_equal(s_count(ctx, DP_MSG_EVENT, fresh, 0, s_hour(h), 1),
                         S_PER_HOUR);
    assert_int_equal(schedule_done_until(ctx->store, fresh, DP_WINDOW_HOURLY),
                     s_hour(5));

    /* Then it follows live: the next hour only, for each. */
    size_t first = ctx->log.n;
    assert_int_equal(collector_tick(c, s_after(5)), 2);
    s_drain(ctx, 0);
    n = s_windows_of(ctx, first, fresh, from, 16);
    assert_int_equal(n, 1);
    assert_int_equal(from[0], s_hour(5));
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, marked, 0, s_hour(5), 1), 1);
    s_assert_events_unique(ctx);
    assert_int_equal(collector_tick(c, s_after(5)), 0);
}

/* A since later than the last closed window: nothing until the first
 * window after it closes. */
static void test_since_in_the_future_waits_for_its_first_window(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx, 1, -1, NULL);
    ctx->since = s_hour(5) + 60;
    collector_t *c = s_collector(ctx, 0, S_LEASE_MS, 48);
    assert_int_equal(collector_tick(c, s_after(4)), 0);
    assert_int_equal(collector_tick(c, s_after(5)), 0);
    assert_int_equal(collector_tick(c, s_after(6)), 1);
    s_drain(ctx, 0);
    assert_int_equal(s_count(ctx, DP_MSG_WINDOW, NULL, 0, -1, -1), 1);
    assert_int_equal(s_window(ctx, S_OWNER "/r00", s_hour(6)).events,
                     S_PER_HOUR);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_lease_is_exclusive_renewable_and_lapses),
        T(test_two_collectors_produce_each_window_exactly_once),
        T(test_lease_of_a_dead_collector_is_taken_over),
        T(test_a_window_slower_than_the_lease_is_sent_once),
        T(test_catch_up_collects_missed_hours_oldest_first),
        T(test_catch_up_is_bounded_per_tick_and_resumes),
        T(test_late_data_revises_the_window_with_only_new_events),
        T(test_overlapping_windows_each_get_every_event),
        T(test_since_catches_up_from_an_instant_then_follows),
        T(test_since_in_the_future_waits_for_its_first_window),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
