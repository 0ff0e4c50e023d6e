/* bench_window.c - a window of 50,000 items through the real summarizer and
 * renderer: time, peak memory, and exact counts */
/* SPDX-License-Identifier: MIT */
/*
 * Starts a private redis-server, the real dp-summarizer and dp-renderer
 * (found next to this binary) on ipc:// endpoints in a private directory,
 * and pushes one window of DP_BENCH_WINDOW_ITEMS items (50,000) as
 * CLASSIFIED frames, four events an item (opened, a comment, a review or
 * a comment, then closed, merged or another comment), into the
 * summarizer, then its WINDOW. The REPORT on the renderer's tap ends it.
 * The events go at the pace the summarizer stores them (at most
 * WIN_PACE_AHEAD ahead), as they would behind a classifier: a burst of
 * 200,000 frames would otherwise wait in the summarizer's socket (its
 * high-water mark is 100,000 messages) and count as its memory.
 *
 * Figures, one "name: value unit" line each:
 *   window_50k_render_ms          from the WINDOW frame sent to the REPORT
 *   window_50k_send_ms            sending the 200,000 events before it
 *   rss_50k_mib_summarizer        VmHWM of dp-summarizer afterwards
 *   rss_50k_mib_renderer          VmHWM of dp-renderer afterwards
 *   window_50k_exact              1 when the report's JSON holds the exact
 *                                 counts and every item of every list,
 *                                 and the stats line says the same; the
 *                                 run fails otherwise
 *
 * The numbers of the items are known, so each count is computed here and
 * compared with the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bench.h"
#include "dp_bus.h"
#include "dp_config.h"
#include "dp_json.h"
#include "dp_ledger.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_testkit.h"

#define WIN_ITEMS 50000
#define WIN_ITEMS_MAX 1000000
#define WIN_T0 INT64_C(1762250400) /* 2025-11-04T10:00:00Z */
#define WIN_HOUR INT64_C(3600)
#define WIN_REPORT_MS 600000 /* longest wait for the REPORT */
#define WIN_PROBE_MS 250     /* wait for the probe's REPORT, per try */
#define WIN_PROBES 120
#define WIN_MAX_FRAME "16777216"
#define WIN_NSVC 2
#define WIN_KIB_PER_MIB 1024.0
#define WIN_LISTS 5
#define WIN_EVENTS_PER_ITEM 4
#define WIN_PACE_ITEMS 500  /* items sent between two looks at the store */
#define WIN_PACE_AHEAD 4000 /* events the sender may run ahead */
#define WIN_PACE_US 2000

extern char **environ;

/* The run, for one cleanup. */
typedef struct {
    char *dir;
    dp_tk_redis_t redis;
    pid_t pid[WIN_NSVC]; /* summarizer, renderer */
    dp_bus_t *bus;
    dp_sock_t *push, *sub;
    dp_buf_t subject, frame;
    char *report;      /* path of the last REPORT */
    dp_store_t *store; /* to follow the summarizer */
} win_t;

static const char *const s_svc[WIN_NSVC] = {"summarizer", "renderer"};
static win_t *s_win;

static void s_cleanup(win_t *w)
{
    for (int i = 0; i < WIN_NSVC; i++)
        if (w->pid[i] > 0) {
            kill(w->pid[i], SIGTERM);
            waitpid(w->pid[i], NULL, 0);
            w->pid[i] = 0;
        }
    dp_bus_destroy(&w->bus);
    dp_store_destroy(&w->store);
    dp_buf_free(&w->subject);
    dp_buf_free(&w->frame);
    dp_tk_redis_stop(&w->redis);
    dp_tk_rmdir(w->dir);
    dp_free(w->dir);
    dp_free(w->report);
    w->dir = w->report = NULL;
}

static void s_fail(const char *fmt, ...) DP_PRINTF(1, 2);

/* Prints the reason, keeps the private directory (the services' logs)
 * and exits 1. */
static void s_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_bench_vsay("bench_window", fmt, ap);
    va_end(ap);
    if (s_win) {
        fprintf(stderr, "bench_window: logs in %s\n", s_win->dir);
        dp_free(s_win->dir);
        s_win->dir = NULL;
        s_cleanup(s_win);
    }
    exit(1);
}

/* ==== The items ==== */

/* Item k (number k + 1): every other one a pull request; every third
 * closed (issue) or merged (PR), every fifth PR of the rest closed
 * unmerged. */
static bool s_is_pr(long k)
{
    return k % 2 == 1;
}

static int s_ending(long k)
{
    if (k % 3 == 0)
        return 1; /* closed issue or merged PR */
    if (s_is_pr(k) && k % 5 == 1)
        return 2; /* PR closed unmerged */
    return 0;
}

/* The exact counts: new issues, closed issues, new PRs, merged PRs, PRs
 * closed unmerged. */
static void s_expected(long items, long long *c)
{
    memset(c, 0, WIN_LISTS * sizeof *c);
    for (long k = 0; k < items; k++) {
        bool pr = s_is_pr(k);
        c[pr ? 2 : 0]++;
        if (s_ending(k) == 1)
            c[pr ? 3 : 1]++;
        else if (s_ending(k) == 2)
            c[4]++;
    }
}

/* Encodes event e (0 .. s_events_of(k) - 1) of item k into out. */
static void s_encode(long k, long e, long items, dp_buf_t *out)
{
    static const char *const logins[] = {"alice", "bob",   "chen", "dana",
                                         "emeka", "farah", "goro", "hana"};
    bool pr = s_is_pr(k);
    const char *kind = pr ? "pr_opened" : "issue_opened";
    if (e == 1 || (e == 2 && !pr))
        kind = "comment";
    else if (e == 2)
        kind = "review";
    else if (e == 3 && s_ending(k) == 0)
        kind = "comment";
    else if (e == 3)
        kind = !pr                ? "issue_closed"
               : s_ending(k) == 1 ? "pr_merged"
                                  : "pr_closed";
    int64_t at = WIN_T0 + (int64_t)(k * (WIN_HOUR - 60) / items) + e;
    long number = k + 1;
    char id[96], url[128], title[128];
    snprintf(id, sizeof id, "%s:%ld:%ld", kind, number, e);
    snprintf(url, sizeof url, "https://github.com/bench/window/%s/%ld",
             pr ? "pull" : "issues", number);
    snprintf(title, sizeof title,
             "Fix the scheduler's handling of long prompts, case %ld", number);
    dp_buf_t body = DP_BUF_INIT, text = DP_BUF_INIT;
    for (int i = 0; i < 4; i++)
        dp_buf_printf(&body,
                      "The batch of item %ld stalls when the cache "
                      "is full; this changes the eviction. ",
                      number);
    dp_buf_printf(&text,
                  "Looked at %ld: the numbers hold on two GPUs, "
                  "one question about the fallback path.",
                  number);
    char *labels[] = {pr ? "performance" : "bug", "v1"};
    char *topics[] = {"perf"}, *reasons[] = {"label=performance"};
    dp_msg_t msg = {.type = DP_MSG_CLASSIFIED};
    dp_classified_t *c = &msg.u.classified;
    c->repo = "bench/window";
    c->win_from = WIN_T0;
    c->win_to = WIN_T0 + WIN_HOUR;
    c->revision = 1;
    c->id = id;
    c->kind = (char *)kind;
    c->at = at;
    c->actor = (char *)logins[(k + e) % 8];
    c->actor_type = "User";
    c->actor_assoc = "CONTRIBUTOR";
    bool ends = e == 3 && s_ending(k) != 0;
    bool talk = !strcmp(kind, "comment") || !strcmp(kind, "review");
    c->text = talk ? text.data : NULL;
    c->review_state = !strcmp(kind, "review") ? "APPROVED" : NULL;
    c->number = number;
    c->is_pr = pr;
    c->title = title;
    c->body = body.data;
    c->url = url;
    c->author = (char *)logins[k % 8];
    c->author_type = "User";
    c->author_assoc = "MEMBER";
    c->labels = (dp_strs_t){labels, 2};
    c->state = ends ? "closed" : "open";
    c->created_at = WIN_T0 + (int64_t)(k * (WIN_HOUR - 60) / items);
    c->updated_at = at;
    c->closed_at = ends ? at : 0;
    c->merged_at = ends && s_ending(k) == 1 && pr ? at : 0;
    c->comments = 2;
    c->additions = pr ? 10 + k % 100 : 0;
    if (pr) {
        c->topics = (dp_strs_t){topics, 1};
        c->reasons = (dp_strs_t){reasons, 1};
    }
    c->category = pr ? "performance" : "bugfix";
    dp_buf_reset(out);
    if (dp_msg_encode(&msg, out) < 0)
        s_fail("cannot encode an event");
    dp_buf_free(&body);
    dp_buf_free(&text);
}

static void s_encode_window(const char *repo, int64_t from, long events,
                            dp_buf_t *out)
{
    dp_msg_t msg = {.type = DP_MSG_WINDOW};
    dp_window_t *w = &msg.u.window;
    w->repo = (char *)repo;
    w->win_from = from;
    w->win_to = from + WIN_HOUR;
    w->revision = 1;
    w->tz = "UTC";
    w->lang = "en";
    w->events = events;
    w->rl_remaining = -1;
    w->rl_limit = -1;
    w->complete_until = from + WIN_HOUR;
    dp_buf_reset(out);
    if (dp_msg_encode(&msg, out) < 0)
        s_fail("cannot encode a window");
}

/* ==== The services ==== */

/* Starts bindir/dp-<name> with args, its output in dir/<name>.log. */
static pid_t s_start(const char *bindir, const char *dir, const char *name,
                     const char *const *args)
{
    char *prog = dp_asprintf("%s/dp-%s", bindir, name);
    char *log = dp_asprintf("%s/%s.log", dir, name);
    const char *argv[16] = {prog};
    for (size_t i = 0; args[i] && i + 2 < 16; i++)
        argv[i + 1] = args[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY,
                                     0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log,
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, prog, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        s_fail("%s: %s", prog, strerror(rc));
    dp_free(prog);
    dp_free(log);
    return pid;
}

/* VmHWM of a process in MiB; -1 when unknown. */
static double s_hwm_mib(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    char *text = dp_tk_read_file(path, NULL);
    const char *line = text ? strstr(text, "VmHWM:") : NULL;
    long kb = -1;
    if (line && sscanf(line, "VmHWM: %ld", &kb) != 1)
        kb = -1;
    dp_free(text);
    return kb < 0 ? -1 : (double)kb / WIN_KIB_PER_MIB;
}

/* Waits for the REPORT of (repo, from) on the renderer's tap and keeps
 * its path; false on time out. A STATUS for it ends the run. */
static bool s_report(win_t *w, const char *repo, int64_t from, int ms)
{
    double until = dp_bench_now_ms() + ms;
    while (dp_bench_now_ms() < until) {
        dp_msg_t msg;
        int left = (int)(until - dp_bench_now_ms()) + 1;
        int rc = dp_msg_recv(w->sub, &w->subject, &w->frame, (size_t)16 << 20,
                             left, &msg, NULL);
        if (rc == DP_EAGAIN)
            continue;
        if (rc < 0)
            s_fail("the renderer's tap failed: %s", dp_strerror(rc));
        const char *r = msg.type == DP_MSG_REPORT   ? msg.u.report.repo
                        : msg.type == DP_MSG_STATUS ? msg.u.status.repo
                                                    : NULL;
        bool mine = r && !strcmp(r, repo) &&
                    (msg.type == DP_MSG_REPORT ? msg.u.report.win_from
                                               : msg.u.status.win_from) == from;
        if (mine && msg.type == DP_MSG_STATUS)
            s_fail("the window failed: %s",
                   msg.u.status.message ? msg.u.status.message : "?");
        if (mine) {
            dp_free(w->report);
            w->report = dp_strdup(msg.u.report.path);
        }
        dp_msg_clear(&msg);
        if (mine)
            return true;
    }
    return false;
}

/* Waits until the summarizer has stored at least stored - WIN_PACE_AHEAD
 * events of the window, as a classifier's pace would: the frames a burst
 * leaves waiting in the summarizer's socket are not its memory. */
static void s_pace(win_t *w, long stored)
{
    dp_ledger_win_t win = {"bench/window", WIN_T0, WIN_T0 + WIN_HOUR, NULL};
    double until = dp_bench_now_ms() + WIN_REPORT_MS;
    while (dp_ledger_count_events(w->store, &win) < stored - WIN_PACE_AHEAD)
        if (dp_bench_now_ms() > until || usleep(WIN_PACE_US) < 0)
            s_fail("the summarizer stores nothing");
}

static void s_send(win_t *w, const dp_buf_t *frame)
{
    if (dp_sock_send(w->push, NULL, frame->data, frame->len, false) < 0)
        s_fail("cannot send a frame to the summarizer");
}

static void s_setup(win_t *w)
{
    w->dir = dp_tk_tmpdir("bench-window");
    if (!w->dir || dp_tk_redis_start(&w->redis) < 0)
        s_fail("cannot start redis-server");
    char err[256];
    w->store = dp_store_new(w->redis.url, err, sizeof err);
    if (!w->store)
        s_fail("%s", err);
    char *bindir = dp_bench_bindir();
    if (!bindir)
        s_fail("cannot find the services");
    const char *d = w->dir;
    char *s_in = dp_asprintf("@ipc://%s/summarizer.in", d);
    char *s_pub = dp_asprintf("@ipc://%s/summarizer.pub", d);
    char *r_out = dp_asprintf(">ipc://%s/renderer.in", d);
    char *r_in = dp_asprintf("@ipc://%s/renderer.in", d);
    char *r_pub = dp_asprintf("@ipc://%s/renderer.pub", d);
    char *site = dp_asprintf("%s/site", d);
    char *redis = dp_asprintf("--redis-url=%s", w->redis.url);
    const char *renderer[] = {"--in",        r_in,   "--pub",     r_pub,
                              "--out-dir",   site,   "--formats", "md,json",
                              "--log-level", "warn", redis,       NULL};
    const char *summarizer[] = {
        "--in", s_in,          "--pub", s_pub,          "--out",    r_out,
        redis,  "--log-level", "warn",  "--max-events", "10000000", NULL};
    w->pid[1] = s_start(bindir, d, "renderer", renderer);
    w->pid[0] = s_start(bindir, d, "summarizer", summarizer);
    w->bus = dp_bus_new();
    char *push = dp_asprintf(">ipc://%s/summarizer.in", d);
    char *sub = dp_asprintf(">ipc://%s/renderer.pub", d);
    w->push = w->bus ? dp_sock_new(w->bus, ZMQ_PUSH, push) : NULL;
    w->sub = w->bus ? dp_sock_new(w->bus, ZMQ_SUB, sub) : NULL;
    if (!w->push || !w->sub || dp_sock_subscribe(w->sub, "") < 0)
        s_fail("cannot open the sockets");
    char *all[] = {s_in, s_pub, r_out, r_in, r_pub,
                   site, redis, push,  sub,  bindir};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        dp_free(all[i]);
    /* A probe window, until its REPORT comes back: every service is up and
     * the subscription holds. */
    dp_buf_t frame = DP_BUF_INIT;
    s_encode_window("bench/probe", WIN_T0 - WIN_HOUR, 0, &frame);
    bool up = false;
    for (int k = 0; k < WIN_PROBES && !up; k++) {
        s_send(w, &frame);
        up = s_report(w, "bench/probe", WIN_T0 - WIN_HOUR, WIN_PROBE_MS);
    }
    dp_buf_free(&frame);
    if (!up)
        s_fail("no REPORT for the probe window");
}

/* ==== Checking the report ==== */

/* Fails the run unless the report's JSON holds the exact counts and that
 * many items in each list, and its Markdown the same stats. */
static void s_check(const win_t *w, long items)
{
    static const char *const names[WIN_LISTS] = {
        "new_issues", "closed_issues", "new_prs", "merged_prs", "closed_prs"};
    long long want[WIN_LISTS];
    s_expected(items, want);
    char *path = dp_asprintf("%s.json", w->report);
    size_t len = 0;
    char *text = dp_tk_read_file(path, &len);
    char err[256] = "";
    json_t *doc = text ? dp_json_parse(text, len, err, sizeof err) : NULL;
    dp_free(text);
    if (!doc)
        s_fail("%s: %s", path, err);
    for (int i = 0; i < WIN_LISTS; i++) {
        json_int_t count = json_integer_value(
            dp_json_get(doc, "counts")
                ? json_object_get(json_object_get(doc, "counts"), names[i])
                : NULL);
        size_t listed = json_array_size(
            json_object_get(json_object_get(doc, "lists"), names[i]));
        if (count != want[i] || (long long)listed != want[i])
            s_fail("%s: %s: count %lld, %zu listed, %lld expected", path,
                   names[i], (long long)count, listed, want[i]);
    }
    json_decref(doc);
    dp_free(path);
    char *md = dp_tk_read_file(w->report, NULL);
    char stats[256];
    snprintf(stats, sizeof stats,
             "> Stats: New issues %lld | Closed issues %lld | New PRs %lld "
             "| Merged PRs %lld | PRs closed unmerged %lld\n",
             want[0], want[1], want[2], want[3], want[4]);
    bool ok = md && strstr(md, stats);
    dp_free(md);
    if (!ok)
        s_fail("%s: no line with \"%s\"", w->report, stats);
}

int main(void)
{
    long items = WIN_ITEMS;
    const char *env = getenv("DP_BENCH_WINDOW_ITEMS");
    if (env && *env && dp_parse_long(env, 1, WIN_ITEMS_MAX, &items) < 0)
        s_fail("DP_BENCH_WINDOW_ITEMS: not a number from 1 to %d",
               WIN_ITEMS_MAX);
    win_t w = {0};
    s_win = &w;
    s_setup(&w);
    dp_buf_t frame = DP_BUF_INIT;
    long events = 0;
    double t0 = dp_bench_now_ms();
    for (long k = 0; k < items; k++) {
        for (long e = 0; e < WIN_EVENTS_PER_ITEM; e++, events++) {
            s_encode(k, e, items, &frame);
            s_send(&w, &frame);
        }
        if ((k + 1) % WIN_PACE_ITEMS == 0)
            s_pace(&w, events);
    }
    double t1 = dp_bench_now_ms();
    s_encode_window("bench/window", WIN_T0, events, &frame);
    s_send(&w, &frame);
    dp_buf_free(&frame);
    if (!s_report(&w, "bench/window", WIN_T0, WIN_REPORT_MS))
        s_fail("no REPORT for the window of %ld items", items);
    double t2 = dp_bench_now_ms();
    s_check(&w, items);
    printf("window_50k_items: %ld items\n", items);
    printf("window_50k_events: %ld events\n", events);
    printf("window_50k_send_ms: %.0f ms\n", t1 - t0);
    printf("window_50k_render_ms: %.0f ms\n", t2 - t1);
    for (int i = 0; i < WIN_NSVC; i++)
        printf("rss_50k_mib_%s: %.1f MiB\n", s_svc[i], s_hwm_mib(w.pid[i]));
    printf("window_50k_exact: 1 bool\n");
    s_cleanup(&w);
    return 0;
}
