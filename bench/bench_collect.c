/* bench_collect.c - a window of 1,000 to 50,000 items through the real
 * dp-collector, beside a bare download of the same listing pages */
/* SPDX-License-Identifier: MIT */
/*
 * Writes one repository per size into a private directory: N items (1,000,
 * 10,000, 12,000 and 50,000) all updated in the hour, an eighth each of
 * issues opened, pull requests opened, older issues closed, older pull
 * requests closed unmerged, issues opened, pull requests opened and
 * merged, older issues only updated and older pull requests merged; a
 * comment in the hour on every third item and an older one on every
 * seventh; bodies of 400 bytes. The GitHub stand-in (gh-standin, next to
 * this binary) serves them on 127.0.0.1; a private redis-server holds the
 * collector's cache and ledger.
 *
 * For each size, a fresh dp-collector process (next to this binary, or
 * $DP_BENCH_COLLECTOR, so an older build can be measured with the same
 * benchmark) with the service's defaults (100 items a page, PR details of
 * 200 PRs through GraphQL) is asked for the hour; its EVENTs are counted
 * by kind and must equal what the dataset holds, as must the WINDOW's
 * count. The time runs from the COLLECT request to the WINDOW; the peak
 * memory is the process's VmHWM. The baseline: a sequential libcurl
 * download of the same two listings (items, then comments, updated since
 * the hour's start, 100 a page, following Link), bodies discarded.
 *
 * DP_BENCH_COLLECT_SIZES (e.g. "1000 12000") runs some sizes only.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bench.h"
#include "dp_bus.h"
#include "dp_config.h"
#include "dp_ghdata.h"
#include "dp_http.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_testkit.h"
#include "dp_time.h"

#define BENCH_WINDOW "2025-11-04T10:00:00Z"
#define BENCH_PER_PAGE 100
#define BENCH_MAX_PAGES 1000 /* of the bare download, per listing */
#define BENCH_DEADLINE_S 1500
#define BENCH_START_MS 20000
#define BENCH_HTTP_MS 60000
#define BENCH_RECV_MS 120000
#define BENCH_MAX_FRAME (16L * 1024 * 1024)
#define BENCH_MAX_BODY (64L * 1024 * 1024)
#define BENCH_BODY_BYTES 400
#define BENCH_STOP_MS 5000
#define BENCH_MAX_SIZES 8
#define HOUR INT64_C(3600)
#define MIB (1024.0 * 1024.0)

/* One size: its repository and what it holds. */
typedef struct {
    long items;
    char repo[64];
    dp_gh_counts_t want; /* events by kind, from the generator */
} bench_size_t;

/* What one collection measured. */
typedef struct {
    double s;       /* COLLECT to WINDOW */
    double rss_mib; /* VmHWM of the collector */
    double cpu_s;   /* CPU time of the collector, start to WINDOW */
    double bare_s;  /* the bare download of the same listings */
    long events;
} bench_run_t;

/* Everything the run holds, for one cleanup. */
typedef struct {
    char *dir, *data, *collector;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin;
    char base[256];
    dp_http_t *http;
    int64_t win_from, win_to;
} bench_t;

/* Prints "bench_collect: <message>" on stderr and exits 1. */
#define s_die(...) dp_bench_die("bench_collect", __VA_ARGS__)

/* ==== The collector process ==== */

/* Starts dp-collector serving COLLECT requests on ipc:// sockets in dir. */
static pid_t s_collector_start(bench_t *b)
{
    char *ctl = dp_asprintf("--ctl=@ipc://%s/ctl", b->dir);
    char *out = dp_asprintf("--out=>ipc://%s/out", b->dir);
    char *pub = dp_asprintf("--pub=@ipc://%s/pub", b->dir);
    char *rep = dp_asprintf("--reports=>ipc://%s/reports", b->dir);
    char *api = dp_asprintf("--api-url=%s", b->base);
    char *redis = dp_asprintf("--redis-url=%s", b->redis.url);
    char *argv[] = {b->collector,
                    api,
                    redis,
                    ctl,
                    out,
                    pub,
                    rep,
                    (char *)"--schedule=false",
                    (char *)"--watch-s=0",
                    (char *)"--log-level=warn",
                    NULL};
    fflush(stdout); /* the child would write what is buffered again */
    pid_t pid = fork();
    if (pid < 0)
        s_die("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        setenv("GITHUB_TOKEN", "bench-token", 1);
        execv(argv[0], argv);
        _exit(127);
    }
    dp_free(ctl);
    dp_free(out);
    dp_free(pub);
    dp_free(rep);
    dp_free(api);
    dp_free(redis);
    return pid;
}

/* The peak resident memory of a process, in MiB, from /proc. */
static double s_hwm_mib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    double kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtod(line + 6, NULL);
    if (f)
        fclose(f);
    if (kib < 0)
        s_die("no VmHWM in %s", path);
    return kib * 1024.0 / MIB;
}

/* The CPU time a process has used (user and system), in seconds. */
static double s_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    /* Fields 14 and 15 (utime, stime) follow the ")" that ends field 2. */
    const char *p = strrchr(buf, ')');
    unsigned long long ticks[2] = {0, 0};
    for (int field = 2; p && *p && field < 15; p++)
        if (*p == ' ' && ++field >= 14)
            ticks[field - 14] = strtoull(p + 1, NULL, 10);
    if (!p)
        s_die("cannot read %s", path);
    return (double)(ticks[0] + ticks[1]) / (double)sysconf(_SC_CLK_TCK);
}

/* SIGTERM, then SIGKILL after BENCH_STOP_MS; reaps the process. */
static void s_collector_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    for (int waited = 0; waited < BENCH_STOP_MS; waited += 10) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Asks a fresh collector for the hour of one size; counts its EVENTs by
 * kind and checks them, and the WINDOW's count, against the dataset. */
static void s_collect(bench_t *b, bench_size_t *size, bench_run_t *run)
{
    pid_t pid = s_collector_start(b);
    dp_bus_t *bus = dp_bus_new();
    char *ctl_ep = dp_asprintf(">ipc://%s/ctl", b->dir);
    char *out_ep = dp_asprintf("@ipc://%s/out", b->dir);
    dp_sock_t *ctl = bus ? dp_sock_new(bus, ZMQ_PUSH, ctl_ep) : NULL;
    dp_sock_t *pull = bus ? dp_sock_new(bus, ZMQ_PULL, out_ep) : NULL;
    dp_free(ctl_ep);
    dp_free(out_ep);
    if (!ctl || !pull)
        s_die("cannot open the collector's sockets");
    dp_msg_t req = {.type = DP_MSG_COLLECT};
    req.u.collect.repo = size->repo;
    req.u.collect.win_from = b->win_from;
    req.u.collect.win_to = b->win_to;
    req.u.collect.revision = 1;
    req.u.collect.tz = (char *)"UTC";
    req.u.collect.lang = (char *)"en";
    double t0 = dp_bench_now_ms();
    if (dp_msg_emit(ctl, NULL, &req) < 0)
        s_die("cannot send COLLECT");
    long got[DP_GH_KINDS + 1] = {0};
    long window = -1;
    dp_buf_t frame = DP_BUF_INIT;
    while (window < 0) {
        if (dp_sock_recv(pull, NULL, &frame, BENCH_MAX_FRAME, BENCH_RECV_MS) !=
            0)
            s_die("%s: no WINDOW within %d ms", size->repo, BENCH_RECV_MS);
        dp_msg_t msg;
        char err[256];
        if (dp_msg_decode(frame.data, frame.len, BENCH_MAX_FRAME, &msg, err,
                          sizeof err) < 0)
            s_die("bad frame: %s", err);
        if (msg.type == DP_MSG_WINDOW) {
            window = (long)msg.u.window.events;
        } else if (msg.type == DP_MSG_EVENT) {
            got[dp_gh_kind(msg.u.event.kind)]++;
            run->events++;
        }
        dp_msg_clear(&msg);
    }
    run->s = (dp_bench_now_ms() - t0) / 1000.0;
    run->rss_mib = s_hwm_mib(pid);
    run->cpu_s = s_cpu_s(pid);
    s_collector_stop(pid);
    dp_buf_free(&frame);
    dp_bus_destroy(&bus);
    for (int k = 0; k <= DP_GH_KINDS; k++)
        if (got[k] != (k < DP_GH_KINDS ? size->want.n[k] : 0))
            s_die("%s: %ld %s events, the dataset has %ld", size->repo, got[k],
                  k < DP_GH_KINDS ? dp_gh_kinds[k] : "other",
                  k < DP_GH_KINDS ? size->want.n[k] : 0);
    if (window != size->want.total)
        s_die("%s: the WINDOW counts %ld events, the dataset has %ld",
              size->repo, window, size->want.total);
}

/* ==== The bare download ==== */

/* GETs every page of a listing, following Link, and discards them. */
static void s_bare_list(bench_t *b, const char *first)
{
    char *url = dp_asprintf("%s%s", b->base, first);
    for (long page = 0; url && page < BENCH_MAX_PAGES; page++) {
        dp_http_resp_t resp;
        if (dp_http_get(b->http, url, NULL, NULL, &resp) < 0 ||
            resp.status != 200)
            s_die("bare download of %s failed", url);
        dp_free(url);
        url = dp_http_link_next(resp.link);
        dp_http_resp_clear(&resp);
    }
    dp_free(url);
}

/* The two listings the collector reads for the hour, downloaded one
 * after the other. Returns the seconds it took. */
static double s_bare(bench_t *b, const bench_size_t *size)
{
    char since[32], path[512];
    dp_time_iso_utc(b->win_from, since, sizeof since);
    double t0 = dp_bench_now_ms();
    snprintf(path, sizeof path,
             "/repos/%s/issues?state=all&sort=updated&direction=asc"
             "&per_page=%d&since=%s",
             size->repo, BENCH_PER_PAGE, since);
    s_bare_list(b, path);
    snprintf(path, sizeof path,
             "/repos/%s/issues/comments?sort=updated&direction=asc"
             "&per_page=%d&since=%s",
             size->repo, BENCH_PER_PAGE, since);
    s_bare_list(b, path);
    return (dp_bench_now_ms() - t0) / 1000.0;
}

/* ==== Run ==== */

/* The sizes to run: DP_BENCH_COLLECT_SIZES, or all four. */
static size_t s_sizes(bench_size_t *sizes)
{
    const char *env = getenv("DP_BENCH_COLLECT_SIZES");
    const char *list = env && *env ? env : "1000 10000 12000 50000";
    size_t n = 0;
    char *copy = dp_strdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, " ,", &save); tok && n < BENCH_MAX_SIZES;
         tok = strtok_r(NULL, " ,", &save)) {
        long items = 0;
        if (dp_parse_long(tok, 1, 1000000, &items) < 0)
            s_die("bad size in DP_BENCH_COLLECT_SIZES: %s", tok);
        memset(&sizes[n], 0, sizeof sizes[n]);
        sizes[n].items = items;
        snprintf(sizes[n].repo, sizeof sizes[n].repo, "acme/c%ld", items);
        n++;
    }
    dp_free(copy);
    return n;
}

static void s_setup(bench_t *b, bench_size_t *sizes, size_t n)
{
    char *dir = dp_bench_bindir();
    if (!dir)
        s_die("cannot read /proc/self/exe");
    const char *env = getenv("DP_BENCH_COLLECTOR");
    b->collector =
        env && *env ? dp_strdup(env) : dp_asprintf("%s/dp-collector", dir);
    char *standin = dp_asprintf("%s/gh-standin", dir);
    dp_free(dir);
    b->dir = dp_tk_tmpdir("bench");
    if (!b->dir)
        s_die("no temporary directory");
    b->data = dp_asprintf("%s/data", b->dir);
    dp_gh_mkdir(b->data);
    if (dp_time_parse(BENCH_WINDOW, &b->win_from, NULL) < 0)
        s_die("bad window");
    b->win_to = b->win_from + HOUR;
    char body[BENCH_BODY_BYTES + 1];
    for (size_t i = 0; i < BENCH_BODY_BYTES; i++)
        body[i] = "A body of a generated item. "[i % 28];
    body[BENCH_BODY_BYTES] = '\0';
    dp_gh_style_t style = {
        .logins = 97, .labels = true, .body = body, .comment_html = true};
    for (size_t i = 0; i < n; i++)
        sizes[i].want = dp_gh_write_hour(b->data, sizes[i].repo, b->win_from,
                                         sizes[i].items, &style, 0);
    if (dp_tk_redis_start(&b->redis) < 0)
        s_die("cannot start redis-server");
    char *argv[] = {
        standin,     (char *)"--data",         b->data, (char *)"--port",
        (char *)"0", (char *)"--graphql-warm", NULL};
    if (dp_tk_proc_start(&b->standin, argv, b->base, sizeof b->base,
                         BENCH_START_MS) < 0)
        s_die("cannot start %s", standin);
    dp_free(standin);
    dp_http_opts_t o = {
        .user_agent = "devpulse-bench/bare",
        .accept = "application/vnd.github+json",
        .timeout_ms = BENCH_HTTP_MS,
        .max_body = (size_t)BENCH_MAX_BODY,
    };
    b->http = dp_http_new(&o);
    if (!b->http)
        s_die("cannot make an HTTP client");
}

static void s_cleanup(bench_t *b)
{
    dp_http_destroy(&b->http);
    dp_tk_proc_stop(&b->standin);
    dp_tk_redis_stop(&b->redis);
    dp_tk_rmdir(b->dir);
    dp_free(b->data);
    dp_free(b->dir);
    dp_free(b->collector);
}

/* "12k" for 12000 items, "1500" for 1500. */
static void s_tag(long items, char *buf, size_t size)
{
    if (items % 1000 == 0)
        snprintf(buf, size, "%ldk", items / 1000);
    else
        snprintf(buf, size, "%ld", items);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(BENCH_DEADLINE_S); /* a hang ends the run; children follow */
    dp_log_set_level(DP_LOG_WARN);
    if (!dp_tk_have_program("redis-server")) {
        printf("bench_collect: SKIP: redis-server not installed\n");
        return 0;
    }
    bench_size_t sizes[BENCH_MAX_SIZES];
    size_t n = s_sizes(sizes);
    bench_t b;
    memset(&b, 0, sizeof b);
    s_setup(&b, sizes, n);
    printf("bench_collect: one hour of N items through %s (%s + 1h, per_page "
           "%d), beside a bare download of the same listings\n",
           b.collector, BENCH_WINDOW, BENCH_PER_PAGE);
    for (size_t i = 0; i < n; i++) {
        bench_run_t run = {0};
        s_collect(&b, &sizes[i], &run);
        run.bare_s = s_bare(&b, &sizes[i]);
        char tag[32];
        s_tag(sizes[i].items, tag, sizeof tag);
        printf("%6ld items, %6ld events (exact): collector %.2f s (%.2f s "
               "CPU), peak %.1f MiB; bare download %.2f s\n",
               sizes[i].items, run.events, run.s, run.cpu_s, run.rss_mib,
               run.bare_s);
        printf("collect_%s_s: %.3f s\n", tag, run.s);
        printf("collect_%s_rss_mib: %.1f MiB\n", tag, run.rss_mib);
        printf("collect_%s_cpu_s: %.3f s\n", tag, run.cpu_s);
        printf("collect_%s_bare_download_s: %.3f s\n", tag, run.bare_s);
        printf("collect_%s_vs_bare: %.2f ratio\n", tag,
               run.bare_s > 0 ? run.s / run.bare_s : 0.0);
        printf("collector_us_per_event_%s: %.1f us\n", tag,
               run.events > 0 ? run.s * 1e6 / (double)run.events : 0.0);
    }
    s_cleanup(&b);
    return 0;
}
