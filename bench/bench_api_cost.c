/* bench_api_cost.c - GitHub API requests per repository-window: devpulse
 * beside a naive list-then-comments collector */
/* SPDX-License-Identifier: MIT */
/*
 * Writes two repositories into a private directory: a quiet hour (5 items
 * updated) and a busy hour (260 items updated, 40 of them pull requests
 * opened, merged or closed in the hour, comments on a third of them, 600
 * items of history). The GitHub stand-in (gh-standin, next to this binary)
 * serves them on 127.0.0.1 and counts what it answers: every request, and
 * those counted against the rate limit (all but 304s). A private
 * redis-server holds the collector's cache.
 *
 * Cases, one repository-window each, in one run:
 *   devpulse: collector_collect with the service's defaults (PR details
 *     on, through GraphQL: files and reviews of 50 PRs a query) for the
 *     quiet hour, the busy hour, and the busy hour again; the busy hour on
 *     an empty cache with PR details through REST (two requests a PR, as
 *     GitHub Enterprise without GraphQL is served), and without PR
 *     details.
 *   naive: what GrimoireLab's Perceval does for issues: list the items
 *     updated since the window start, page by page, then GET every listed
 *     item's comments; no conditional requests.
 * Prints one line per case (requests, counted requests and GraphQL
 * points), the ratio naive/devpulse of counted requests for the busy hour,
 * and the headline figures as `name: value unit` lines.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "collector.h"
#include "dp_bench.h"
#include "dp_bus.h"
#include "dp_ghdata.h"
#include "dp_http.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_time.h"

#define BENCH_WINDOW "2025-11-04T10:00:00Z" /* the hour of both cases */
#define BENCH_BUSY "acme/busy"
#define BENCH_QUIET "acme/quiet"
#define BENCH_BUSY_ITEMS 260
#define BENCH_BUSY_FIRST 1001
#define BENCH_HISTORY 600
#define BENCH_PER_PAGE 100
#define BENCH_MAX_PAGES 100
#define BENCH_DEADLINE_S 600 /* the whole run, or SIGALRM ends it */
#define BENCH_FLEET_OWNER "fleet"
#define BENCH_FLEET 500        /* repositories of the fleet hour */
#define BENCH_FLEET_ACTIVE 25  /* of which active in the hour */
#define BENCH_FLEET_REPORT 100 /* quiet ones in one devpulse report */
#define BENCH_ONE_RUNS 5       /* runs of a report of one quiet one */
#define BENCH_REPORT_S 120     /* longest devpulse report */
#define BENCH_START_MS 10000   /* longest wait for the stand-in's first line */
#define BENCH_HTTP_MS 10000
#define BENCH_RECV_MS 10000
#define BENCH_MAX_FRAME (16L * 1024 * 1024)
#define BENCH_MAX_BODY (64L * 1024 * 1024)
#define BENCH_RATE_LIMIT 5000L /* counted requests an hour per token */
#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)

/* Everything the run holds, for one cleanup. */
typedef struct {
    char *dir, *data;
    char *ctl, *out, *pub; /* the collector's endpoints */
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256];
    dp_bus_t *bus;
    dp_sock_t *pull;
    dp_store_t *store;
    dp_http_t *http;
    int64_t win_from, win_to;
    long busy_events, quiet_events; /* expected, from the generator */
    long fleet_events;              /* of the fleet's hour */
} bench_t;

/* What one case cost. */
typedef struct {
    long requests; /* answered by the stand-in */
    long counted;  /* of which counted against the rate limit */
    long points;   /* GraphQL points spent (GitHub's second budget) */
    long events;   /* EVENTs devpulse sent (-1 for naive) */
    double ms;
} bench_cost_t;

static void s_die(const char *fmt, ...) DP_PRINTF(1, 2);

/* Prints "bench_api_cost: <message>" on stderr and exits 1; the children
 * (redis-server, gh-standin) are sent SIGTERM as this process dies. */
static void s_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_bench_vsay("bench_api_cost", fmt, ap);
    va_end(ap);
    exit(1);
}

/* ==== The datasets ==== */

/* How the items and comments of this dataset look. */
static const dp_gh_style_t s_style = {
    .logins = 13,
    .labels = true,
    .body = "Generated for the benchmark.",
    .comment_html = false,
};

/* The busy hour [w, w+1h), as in tests/integration/test_collector_faults.c:
 * of 260 items (numbers 1001...), 0-9 PRs opened, 10-19 PRs opened and
 * merged, 20-31 older PRs merged, 32-39 older PRs closed unmerged, 40-119
 * issues opened, 120-159 older issues closed, 160-179 issues opened and
 * closed, 180-239 older issues and 240-259 older PRs only updated; every
 * third with a comment in the hour, every fifth with an older one; 600
 * items of history. Returns the number of events of the hour. */
static long s_write_busy(const char *data, int64_t w)
{
    const char *repo = BENCH_BUSY;
    json_t *issues = json_array();
    json_t *comments = json_object();
    long events = 0;
    for (long k = 0; k < BENCH_HISTORY; k++) {
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
    for (long i = 0; i < BENCH_BUSY_ITEMS; i++) {
        long number = BENCH_BUSY_FIRST + i;
        int64_t fresh = w + 60 + 5 * i;
        int64_t created = w - 2 * DAY - 60 * i;
        int64_t end = w + 1500 + 3 * i;
        int64_t closed = 0, merged = 0;
        bool pr = i < 40 || i >= 240;
        if (i < 20 || (i >= 40 && i < 120) || (i >= 160 && i < 180)) {
            created = fresh;
            events++;
        }
        if (i >= 10 && i < 32)
            closed = merged = end;
        if ((i >= 32 && i < 40) || (i >= 120 && i < 180))
            closed = end;
        events += closed > 0;
        long ncomments = 0;
        if (i % 3 == 0) {
            dp_gh_comment(&s_style, comments, repo, number, 5000000 + i,
                          w + 1400 + i);
            ncomments++;
            events++;
        }
        if (i % 5 == 1) {
            dp_gh_comment(&s_style, comments, repo, number, 4000000 + i,
                          w - 5 * HOUR);
            ncomments++;
        }
        json_array_append_new(issues, dp_gh_item(&s_style, repo, number, pr,
                                                 created, w + 2400 + 4 * i,
                                                 closed, merged, ncomments));
    }
    dp_gh_write_repo(data, repo, issues, comments);
    json_decref(issues);
    json_decref(comments);
    return events;
}

/* The quiet hour: two issues opened, an older issue closed, an older PR
 * merged, an older issue commented; forty older items. Returns 5. */
static long s_write_quiet(const char *data, int64_t w)
{
    const char *repo = BENCH_QUIET;
    json_t *issues = json_array();
    json_t *comments = json_object();
    dp_gh_history(&s_style, issues, repo, w, 40, 3);
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
    return 5;
}

/* The fleet of BENCH_FLEET repositories for the 500-repository hour: the
 * first BENCH_FLEET_ACTIVE active in the hour [w, w+1h) (an issue opened
 * with a comment, a pull request opened and merged: 4 events), every one
 * with ten items of history updated a month before. Returns the events of
 * the hour. */
static long s_write_fleet(const char *data, int64_t w)
{
    long events = 0;
    for (int r = 0; r < BENCH_FLEET; r++) {
        char repo[64];
        snprintf(repo, sizeof repo, "%s/r%03d", BENCH_FLEET_OWNER, r);
        json_t *issues = json_array();
        json_t *comments = json_object();
        dp_gh_history(&s_style, issues, repo, w, 10, 2);
        if (r < BENCH_FLEET_ACTIVE) {
            dp_gh_active_hour(&s_style, issues, comments, repo, w,
                              7000000L + r);
            events += 4;
        }
        dp_gh_write_repo(data, repo, issues, comments);
        json_decref(issues);
        json_decref(comments);
    }
    return events;
}

/* ==== The stand-in's counters ==== */

/* GETs a stand-in URL (path below the base, or a full URL) with the
 * benchmark's plain client. Returns 0 and the response, or -1. */
static int s_get(bench_t *b, const char *target, dp_http_resp_t *resp)
{
    char *url = target[0] == '/' ? dp_asprintf("%s%s", b->base, target)
                                 : dp_strdup(target);
    int rc = dp_http_get(b->http, url, NULL, NULL, resp);
    if (rc == 0 && resp->status != 200) {
        fprintf(stderr, "bench_api_cost: GET %s: %ld\n", url, resp->status);
        rc = -1;
    } else if (rc < 0) {
        fprintf(stderr, "bench_api_cost: GET %s: %s\n", url, resp->error);
    }
    dp_free(url);
    return rc < 0 ? -1 : 0;
}

static size_t s_discard(char *data, size_t size, size_t n, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * n;
}

/* Zeroes the stand-in's counters: POST /_standin/reset (dp_http only GETs,
 * so this one request goes through libcurl directly). */
static void s_stats_reset(bench_t *b)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        s_die("curl_easy_init failed");
    char *url = dp_asprintf("%s/_standin/reset", b->base);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)BENCH_HTTP_MS);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    dp_free(url);
    if (rc != CURLE_OK || status != 200)
        s_die("cannot reset the stand-in's counters: %s, %ld",
              curl_easy_strerror(rc), status);
}

/* Reads the stand-in's requests, counted and GraphQL points. */
static void s_stats(bench_t *b, bench_cost_t *cost)
{
    dp_http_resp_t resp;
    if (s_get(b, "/_standin/stats", &resp) < 0)
        s_die("cannot read the stand-in's counters");
    json_t *doc = json_loadb(resp.body, resp.body_len, 0, NULL);
    dp_http_resp_clear(&resp);
    if (!doc)
        s_die("the stand-in's counters are not JSON");
    cost->requests = (long)dp_json_int(doc, "requests", -1);
    cost->counted = (long)dp_json_int(doc, "counted", -1);
    cost->points = (long)dp_json_int(doc, "graphql_points", -1);
    json_decref(doc);
}

/* ==== devpulse ==== */

/* A collector with the service's defaults (services/collector/main.c),
 * following the schedule in schedule (a config document) when not NULL. */
static collector_t *s_collector_on(bench_t *b, bool pr_details, bool graphql,
                                   bool skip_quiet, const json_t *schedule)
{
    collector_cfg_t cfg = {
        .api_url = b->base,
        .tokens = "bench-token",
        .redis_url = b->redis.url,
        .ctl_endpoint = b->ctl,
        .out_endpoint = b->out,
        .pub_endpoint = b->pub,
        .per_page = BENCH_PER_PAGE,
        .max_pages = BENCH_MAX_PAGES,
        .timeout_ms = BENCH_HTTP_MS,
        .max_retries = 5,
        .retry_base_ms = 1000,
        .max_wait_s = 60,
        .rate_reserve = 200,
        .max_text = 4000,
        .max_body = BENCH_MAX_BODY,
        .cache_ttl_s = 691200,
        .max_frame = BENCH_MAX_FRAME,
        .max_events = 100000,
        .pr_details = pr_details,
        .max_details = 200,
        .no_graphql = !graphql,
        .lease_ms = 30000,
        .grace_s = 120,
        .catchup_max = 48,
        .skip_quiet = skip_quiet,
        .events_lag_s = 21600,
        .schedule = schedule,
    };
    collector_t *c = collector_new(&cfg);
    if (!c)
        s_die("cannot create the collector");
    return c;
}

static collector_t *s_collector(bench_t *b, bool pr_details, bool graphql)
{
    return s_collector_on(b, pr_details, graphql, true, NULL);
}

/* Collects one window and reads what it sent, up to its WINDOW. */
static bench_cost_t s_devpulse(bench_t *b, collector_t *c, const char *repo)
{
    bench_cost_t cost = {0, 0, 0, 0, 0};
    dp_collect_t req = {0};
    req.repo = (char *)repo;
    req.win_from = b->win_from;
    req.win_to = b->win_to;
    req.revision = 1;
    req.tz = (char *)"UTC";
    req.lang = (char *)"en";
    s_stats_reset(b);
    double t0 = dp_bench_now_ms();
    if (collector_collect(c, &req) < 0)
        s_die("devpulse could not collect %s", repo);
    cost.ms = dp_bench_now_ms() - t0;
    dp_buf_t frame = DP_BUF_INIT;
    for (;;) {
        if (dp_sock_recv(b->pull, NULL, &frame, BENCH_MAX_FRAME,
                         BENCH_RECV_MS) != 0)
            s_die("no WINDOW for %s", repo);
        dp_msg_t msg;
        char err[256];
        if (dp_msg_decode(frame.data, frame.len, BENCH_MAX_FRAME, &msg, err,
                          sizeof err) < 0)
            s_die("bad frame: %s", err);
        bool last = msg.type == DP_MSG_WINDOW;
        cost.events += msg.type == DP_MSG_EVENT;
        dp_msg_clear(&msg);
        if (last)
            break;
    }
    dp_buf_free(&frame);
    s_stats(b, &cost);
    return cost;
}

/* ==== naive ==== */

/* Every page of a listing; appends the elements to all. */
static void s_naive_list(bench_t *b, const char *first, json_t *all)
{
    char *url = dp_strdup(first);
    for (long page = 0; url && page < BENCH_MAX_PAGES; page++) {
        dp_http_resp_t resp;
        if (s_get(b, url, &resp) < 0)
            s_die("naive listing failed");
        json_t *doc = json_loadb(resp.body, resp.body_len, 0, NULL);
        if (!json_is_array(doc))
            s_die("naive listing: a page that is not an array");
        json_array_extend(all, doc);
        json_decref(doc);
        dp_free(url);
        url = dp_http_link_next(resp.link);
        dp_http_resp_clear(&resp);
    }
    dp_free(url);
}

/* Lists the items updated since the window start, then every one's
 * comments, as Perceval's GitHub backend does for issues. */
static bench_cost_t s_naive(bench_t *b, const char *repo)
{
    bench_cost_t cost = {0, 0, 0, -1, 0};
    char since[32], path[512];
    dp_time_iso_utc(b->win_from, since, sizeof since);
    s_stats_reset(b);
    double t0 = dp_bench_now_ms();
    json_t *items = json_array();
    snprintf(path, sizeof path,
             "/repos/%s/issues?state=all&sort=updated&direction=asc"
             "&per_page=%d&since=%s",
             repo, BENCH_PER_PAGE, since);
    s_naive_list(b, path, items);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *comments = json_array();
        snprintf(path, sizeof path,
                 "/repos/%s/issues/%lld/comments?per_page=%d", repo,
                 (long long)dp_json_int(it, "number", 0), BENCH_PER_PAGE);
        s_naive_list(b, path, comments);
        json_decref(comments);
    }
    json_decref(items);
    cost.ms = dp_bench_now_ms() - t0;
    s_stats(b, &cost);
    return cost;
}

/* Empties Redis, for a collection on a cold cache. */
static void s_flush(bench_t *b)
{
    const char *argv[] = {"FLUSHALL"};
    redisReply *r = dp_store_command(b->store, 1, argv, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR)
        s_die("FLUSHALL failed");
    freeReplyObject(r);
}

/* ==== The 500-repository hour ==== */

/* What the collector sent while it ticked, counted by a thread that owns
 * the benchmark's PULL socket meanwhile (the collector would block on a
 * full pipe otherwise). */
typedef struct {
    bench_t *b;
    long windows, events; /* received */
    long want;            /* WINDOWs to wait for */
} s_drain_t;

static void *s_drain(void *arg)
{
    s_drain_t *d = arg;
    dp_buf_t frame = DP_BUF_INIT;
    while (d->windows < d->want) {
        if (dp_sock_recv(d->b->pull, NULL, &frame, BENCH_MAX_FRAME,
                         BENCH_RECV_MS * 6) != 0)
            break;
        dp_msg_t msg;
        char err[256];
        if (dp_msg_decode(frame.data, frame.len, BENCH_MAX_FRAME, &msg, err,
                          sizeof err) < 0)
            continue;
        d->windows += msg.type == DP_MSG_WINDOW;
        d->events += msg.type == DP_MSG_EVENT;
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
    return NULL;
}

/* The schedule of the whole fleet, hourly in UTC. */
static json_t *s_fleet_schedule(void)
{
    json_t *repos = json_array();
    for (int r = 0; r < BENCH_FLEET; r++) {
        char repo[64];
        snprintf(repo, sizeof repo, "%s/r%03d", BENCH_FLEET_OWNER, r);
        json_array_append_new(repos, json_string(repo));
    }
    return json_pack("{s:s, s:s, s:[s], s:o}", "timezone", "UTC", "language",
                     "en", "windows", "hourly", "repositories", repos);
}

/* One schedule tick just after the hour closed: every repository's hour,
 * on an empty cache. skip_quiet false lists every repository, as devpulse
 * did before quiet windows were known. */
static bench_cost_t s_fleet(bench_t *b, bool skip_quiet)
{
    s_flush(b);
    json_t *schedule = s_fleet_schedule();
    collector_t *c = s_collector_on(b, true, true, skip_quiet, schedule);
    bench_cost_t cost = {0, 0, 0, 0, 0};
    s_drain_t d = {.b = b, .want = BENCH_FLEET};
    pthread_t th;
    s_stats_reset(b);
    if (pthread_create(&th, NULL, s_drain, &d) != 0)
        s_die("cannot start a thread");
    double t0 = dp_bench_now_ms();
    int n = collector_tick(c, b->win_to + 120 + 60);
    cost.ms = dp_bench_now_ms() - t0;
    pthread_join(th, NULL);
    s_stats(b, &cost);
    cost.events = d.events;
    collector_destroy(&c);
    json_decref(schedule);
    if (n != BENCH_FLEET || d.windows != BENCH_FLEET)
        s_die("the fleet hour: %d windows collected, %ld sent, of %d", n,
              d.windows, BENCH_FLEET);
    return cost;
}

/* The naive collector over the fleet: its requests for every repository. */
static bench_cost_t s_naive_fleet(bench_t *b)
{
    bench_cost_t sum = {0, 0, 0, -1, 0};
    for (int r = 0; r < BENCH_FLEET; r++) {
        char repo[64];
        snprintf(repo, sizeof repo, "%s/r%03d", BENCH_FLEET_OWNER, r);
        bench_cost_t one = s_naive(b, repo);
        sum.requests += one.requests;
        sum.counted += one.counted;
        sum.points += one.points;
        sum.ms += one.ms;
    }
    return sum;
}

/* Wall seconds of one `devpulse report` of the last n quiet repositories
 * of the fleet (one command, one stack, its own Redis), run by the shell
 * beside this program; -1 when it failed. */
static double s_report_quiet(bench_t *b, int n)
{
    char *dir = dp_bench_bindir();
    dp_buf_t cmd = DP_BUF_INIT;
    char from[32], to[32];
    dp_time_iso_utc(b->win_from, from, sizeof from);
    dp_time_iso_utc(b->win_to, to, sizeof to);
    dp_buf_printf(&cmd,
                  "env -u REDIS_URL GITHUB_API_URL='%s' GITHUB_TOKEN=bench "
                  "'%s/devpulse' report",
                  b->base, dir ? dir : ".");
    for (int r = BENCH_FLEET - n; r < BENCH_FLEET; r++)
        dp_buf_printf(&cmd, " %s/r%03d", BENCH_FLEET_OWNER, r);
    dp_buf_printf(&cmd,
                  " --from %s --to %s --lang en --out '%s/site' "
                  "--timeout %d >'%s/report.out' 2>'%s/report.err'",
                  from, to, b->dir, BENCH_REPORT_S, b->dir, b->dir);
    s_stats_reset(b);
    double t0 = dp_bench_now_ms();
    int rc = system(cmd.data);
    double s = (dp_bench_now_ms() - t0) / 1000.0;
    dp_buf_free(&cmd);
    dp_free(dir);
    if (rc != 0) {
        fprintf(stderr,
                "bench_api_cost: devpulse report failed (%d); see "
                "its errors above\n",
                rc);
        return -1;
    }
    return s;
}

/* ==== Run ==== */

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void s_line(const char *name, const bench_cost_t *c)
{
    printf("%-38s requests %4ld, counted %4ld, points %2ld", name, c->requests,
           c->counted, c->points);
    if (c->events >= 0)
        printf("  (%ld events, %.0f ms)\n", c->events, c->ms);
    else
        printf("  (%.0f ms)\n", c->ms);
}

static void s_check_events(const char *name, const bench_cost_t *c, long want)
{
    if (c->events != want)
        s_die("%s: %ld events sent, the dataset has %ld", name, c->events,
              want);
}

static double s_ratio(long a, long b)
{
    return b > 0 ? (double)a / (double)b : 0.0;
}

/* Repositories one token follows for an hour at the fleet's cost: its
 * 5,000 requests and its 5,000 GraphQL points an hour over what a
 * repository-hour costs of each, whichever runs out first. */
static long s_repos_fleet(const bench_cost_t *fleet)
{
    long by_requests = BENCH_RATE_LIMIT * BENCH_FLEET /
                       (fleet->counted > 0 ? fleet->counted : 1);
    long by_points = BENCH_RATE_LIMIT * BENCH_FLEET /
                     (fleet->points > 0 ? fleet->points : 1);
    return by_requests < by_points ? by_requests : by_points;
}

/* The figures, one "name: value unit" line each (see BENCHMARKS.md). */
static void s_figures(const bench_cost_t *quiet, const bench_cost_t *busy,
                      const bench_cost_t *rest, const bench_cost_t *nquiet,
                      const bench_cost_t *nbusy, const bench_cost_t *fleet,
                      const bench_cost_t *listed, const bench_cost_t *nfleet,
                      double report_s)
{
    printf("api_requests_quiet_hour: %ld requests\n", quiet->counted);
    printf("api_points_quiet_hour: %ld points\n", quiet->points);
    printf("api_requests_quiet_hour_naive: %ld requests\n", nquiet->counted);
    printf("api_requests_busy_hour: %ld requests\n", busy->counted);
    printf("api_points_busy_hour: %ld points\n", busy->points);
    printf("api_requests_busy_hour_rest: %ld requests\n", rest->counted);
    printf("api_requests_busy_hour_naive: %ld requests\n", nbusy->counted);
    printf("api_requests_500_repos_hour: %ld requests\n", fleet->counted);
    printf("api_points_500_repos_hour: %ld points\n", fleet->points);
    printf("api_requests_500_repos_hour_listed: %ld requests\n",
           listed->counted);
    printf("api_requests_500_repos_hour_naive: %ld requests\n",
           nfleet->counted);
    printf("repos_per_hour_one_token: %ld repos\n", s_repos_fleet(fleet));
    printf("repos_per_hour_one_token_listed: %ld repos\n",
           s_repos_fleet(listed));
    if (report_s >= 0)
        printf("report_100_quiet_repos_s: %.2f s\n", report_s);
    printf("repos_per_hour_one_token_naive: %ld repos\n",
           s_repos_fleet(nfleet));
}

/* Finds gh-standin next to this program. */
static char *s_standin_path(void)
{
    char *dir = dp_bench_bindir();
    if (!dir)
        s_die("cannot read /proc/self/exe");
    char *path = dp_asprintf("%s/gh-standin", dir);
    dp_free(dir);
    return path;
}

static void s_cleanup(bench_t *b)
{
    dp_http_destroy(&b->http);
    dp_store_destroy(&b->store);
    dp_bus_destroy(&b->bus);
    dp_tk_proc_stop(&b->standin);
    dp_tk_redis_stop(&b->redis);
    dp_tk_rmdir(b->dir);
    dp_free(b->ctl);
    dp_free(b->out);
    dp_free(b->pub);
    dp_free(b->data);
    dp_free(b->dir);
}

static void s_setup(bench_t *b, char *standin)
{
    b->dir = dp_tk_tmpdir("bench");
    if (!b->dir)
        s_die("no temporary directory");
    b->data = dp_asprintf("%s/data", b->dir);
    dp_gh_mkdir(b->data);
    b->ctl = dp_asprintf("@ipc://%s/ctl", b->dir);
    b->out = dp_asprintf(">ipc://%s/out", b->dir);
    b->pub = dp_asprintf("@ipc://%s/pub", b->dir);
    if (dp_time_parse(BENCH_WINDOW, &b->win_from, NULL) < 0)
        s_die("bad window");
    b->win_to = b->win_from + HOUR;
    b->busy_events = s_write_busy(b->data, b->win_from);
    b->quiet_events = s_write_quiet(b->data, b->win_from);
    b->fleet_events = s_write_fleet(b->data, b->win_from);
    if (dp_tk_redis_start(&b->redis) < 0)
        s_die("cannot start redis-server");
    /* The stand-in's GraphQL validator (node) reads GitHub's schema
     * before the first case, so no case pays for it. */
    char *argv[] = {
        standin,     (char *)"--data",         b->data, (char *)"--port",
        (char *)"0", (char *)"--graphql-warm", NULL};
    if (dp_tk_proc_start(&b->standin, argv, b->base, sizeof b->base,
                         BENCH_START_MS) < 0)
        s_die("cannot start %s", standin);
    char err[256] = "";
    b->store = dp_store_new(b->redis.url, err, sizeof err);
    b->bus = dp_bus_new();
    char *ep = dp_asprintf("@ipc://%s/out", b->dir);
    b->pull = b->bus ? dp_sock_new(b->bus, ZMQ_PULL, ep) : NULL;
    dp_free(ep);
    dp_http_opts_t o = {
        .user_agent = "devpulse-bench/naive",
        .accept = "application/vnd.github+json",
        .timeout_ms = BENCH_HTTP_MS,
        .max_body = (size_t)BENCH_MAX_BODY,
    };
    b->http = dp_http_new(&o);
    if (!b->store || !b->pull || !b->http)
        s_die("set-up failed %s", err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(BENCH_DEADLINE_S); /* a hang ends the run; children follow */
    dp_log_set_level(DP_LOG_WARN);
    if (!dp_tk_have_program("redis-server")) {
        printf("bench_api_cost: SKIP: redis-server not installed\n");
        return 0;
    }
    char *standin = s_standin_path();
    if (!dp_tk_have_program(standin)) {
        printf("bench_api_cost: SKIP: %s not built\n", standin);
        dp_free(standin);
        return 0;
    }
    bench_t b;
    memset(&b, 0, sizeof b);
    s_setup(&b, standin);
    printf("bench_api_cost: GitHub requests per repository-window, one "
           "window a case (%s + 1h, per_page %d)\n",
           BENCH_WINDOW, BENCH_PER_PAGE);

    collector_t *c = s_collector(&b, true, true);
    bench_cost_t quiet = s_devpulse(&b, c, BENCH_QUIET);
    bench_cost_t busy = s_devpulse(&b, c, BENCH_BUSY);
    bench_cost_t again = s_devpulse(&b, c, BENCH_BUSY);
    collector_destroy(&c);
    s_flush(&b);
    c = s_collector(&b, true, false);
    bench_cost_t rest = s_devpulse(&b, c, BENCH_BUSY);
    collector_destroy(&c);
    s_flush(&b);
    c = s_collector(&b, false, false);
    bench_cost_t bare = s_devpulse(&b, c, BENCH_BUSY);
    collector_destroy(&c);
    bench_cost_t nquiet = s_naive(&b, BENCH_QUIET);
    bench_cost_t nbusy = s_naive(&b, BENCH_BUSY);
    bench_cost_t nagain = s_naive(&b, BENCH_BUSY);
    bench_cost_t fleet = s_fleet(&b, true);
    bench_cost_t listed = s_fleet(&b, false);
    bench_cost_t nfleet = s_naive_fleet(&b);
    double report_s = s_report_quiet(&b, BENCH_FLEET_REPORT);
    /* One quiet repository, as a user asks for one: the median of a few
     * runs, each a whole stack started and stopped. */
    double one[BENCH_ONE_RUNS];
    for (int k = 0; k < BENCH_ONE_RUNS; k++)
        one[k] = s_report_quiet(&b, 1);
    qsort(one, BENCH_ONE_RUNS, sizeof one[0], s_cmp_double);
    bench_cost_t report = {0, 0, 0, -1, report_s * 1000.0};
    s_stats(&b, &report);

    s_check_events("quiet hour", &quiet, b.quiet_events);
    s_check_events("busy hour", &busy, b.busy_events);
    s_check_events("busy hour again", &again, 0); /* all sent before */
    s_check_events("busy hour, PR details by REST", &rest, b.busy_events);
    s_check_events("busy hour, no PR details", &bare, b.busy_events);
    s_line("devpulse quiet hour (5 items):", &quiet);
    s_line("devpulse busy hour (260 items):", &busy);
    s_line("devpulse busy hour again:", &again);
    s_line("devpulse busy hour, REST details:", &rest);
    s_line("devpulse busy hour, no PR details:", &bare);
    s_line("naive quiet hour:", &nquiet);
    s_line("naive busy hour:", &nbusy);
    s_line("naive busy hour again:", &nagain);
    printf("ratio naive/devpulse, busy hour, counted: %.2f (%ld/%ld); "
           "without PR details %.2f (%ld/%ld); run again: %ld/%ld\n",
           s_ratio(nbusy.counted, busy.counted), nbusy.counted, busy.counted,
           s_ratio(nbusy.counted, bare.counted), nbusy.counted, bare.counted,
           nagain.counted, again.counted);
    s_check_events("the 500-repository hour", &fleet, b.fleet_events);
    s_check_events("the 500-repository hour, listed", &listed, b.fleet_events);
    s_line("devpulse 500 repos (25 active):", &fleet);
    s_line("devpulse 500 repos, all listed:", &listed);
    s_line("naive 500 repos:", &nfleet);
    s_line("devpulse report, 100 quiet repos:", &report);
    s_figures(&quiet, &busy, &rest, &nquiet, &nbusy, &fleet, &listed, &nfleet,
              report_s);
    if (one[0] >= 0) /* none failed: -1 sorts first */
        printf("report_1_quiet_repo_s: %.3f s\n", one[BENCH_ONE_RUNS / 2]);
    s_cleanup(&b);
    dp_free(standin);
    return 0;
}
