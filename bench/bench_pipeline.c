/* bench_pipeline.c - events per second, window latency and memory of the
 * classifier -> summarizer -> renderer pipeline, beside a raw baseline */
/* SPDX-License-Identifier: MIT */
/*
 * Starts a private redis-server and the real dp-classifier, dp-summarizer
 * and dp-renderer (found next to this binary) on ipc:// endpoints in a
 * private directory, and pushes synthetic EVENT frames (titles, bodies,
 * labels, files, comments, reviews; four events per item) and their WINDOW
 * into the classifier's PULL socket, as the collector does. A REPORT (or a
 * STATUS) on the renderer's PUB tap ends a window; the subscription is
 * proven first by a probe window whose REPORT must come back.
 *
 * Figures, one "name: value unit" line each:
 *   pipeline_events_per_s    events of one large window (DP_BENCH_EVENTS,
 *                            20,000) over the wall time from its first
 *                            frame sent to its REPORT; the median of
 *                            BENCH_ROUNDS (3) such windows
 *   raw_events_per_s         the same frames through the raw baseline, run
 *                            right after each of those windows; the median
 *   pipeline_vs_raw          the median of the rounds' ratios (each of
 *                            them printed: pipeline_vs_raw_round_N)
 *   window_latency_p50/p99/max_ms_1000
 *                            windows of 1,000 events (DP_BENCH_WINDOWS of
 *                            them, 200), sent one after the other: from the
 *                            window's last frame sent to its REPORT;
 *                            percentiles by nearest rank
 *   window_to_digest_p50/p99_ms_1000, window_digest_to_report_p50/p99_ms_1000
 *                            the same windows split where the DIGEST comes
 *                            by on the summarizer's tap: the events and the
 *                            digest, then the rendering
 *   rss_idle_mib_*, rss_load_mib_*
 *                            VmRSS of each service once the probe came
 *                            back, and VmHWM after the load; max over the
 *                            services
 *
 * The raw baseline: the same encoded frames, pushed through three
 * PUSH/PULL ipc hops between threads of this process that use libzmq,
 * msgpack-c and hiredis directly. Every hop unpacks each frame; the second
 * stores it as the summarizer does, HSET of the frame under its id in the
 * window's hash plus EXPIRE, pipelined in batches of what is waiting (at
 * most RAW_BATCH frames); the third signals the WINDOW's arrival. Nothing
 * else: no classification, no digest, no files.
 */
#include <assert.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <limits.h>
#include <msgpack.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bench.h"
#include "dp_bus.h"
#include "dp_config.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_testkit.h"

#define BENCH_EVENTS 20000    /* the large window */
#define BENCH_LAT_EVENTS 1000 /* events of each latency window */
#define BENCH_WINDOWS 200     /* latency windows: p99 is not the max */
#define BENCH_ROUNDS 3        /* large windows, each beside a raw run */
#define BENCH_EVENTS_MAX 1000000
#define BENCH_WINDOWS_MAX 10000
#define BENCH_DEADLINE_S 900   /* the whole run, or SIGALRM ends it */
#define BENCH_REPORT_MS 120000 /* longest wait for one window's REPORT */
#define BENCH_PROBE_MS 250     /* wait for the probe's REPORT, per try */
#define BENCH_PROBES 120       /* tries of the probe (30 s in all) */
#define BENCH_MAX_FRAME (16L * 1024 * 1024)
#define BENCH_T0 INT64_C(1762250400) /* 2025-11-04T10:00:00Z */
#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)
#define BENCH_NSERVICES 3
#define BENCH_STAT_UTIME 14 /* fields of /proc/PID/stat */
#define BENCH_STAT_STIME 15
#define BENCH_TEXT_MAX 2048
#define MIB_PER_KB (1.0 / 1024.0)
#define RAW_STAGES 3
#define RAW_BATCH 256 /* the summarizer's batch */
#define RAW_KEY_MAX 512
#define RAW_TTL "691200" /* any expiry: EXPIRE costs the same */
#define RAW_FIELD_REPO 2 /* [version, type, repo, from, to, rev, id] */
#define RAW_FIELD_FROM 3
#define RAW_FIELD_TO 4
#define RAW_FIELD_ID 6

/* One service process. */
typedef struct {
    const char *name; /* "classifier" */
    pid_t pid;
} bench_svc_t;

/* Everything the run holds, for one cleanup. */
typedef struct {
    char *dir;
    dp_tk_redis_t redis;
    bench_svc_t svc[BENCH_NSERVICES];
    dp_bus_t *bus;
    dp_sock_t *push, *sub; /* into the classifier; the renderer's tap */
    dp_sock_t *dsub;       /* the summarizer's tap, its DIGESTs */
    double digest_at;      /* when the DIGEST awaited last came by */
    dp_buf_t subject, frame;
    long revision; /* of the probe window */
} bench_t;

/* Encoded frames of one window. */
typedef struct {
    dp_buf_t *frames; /* EVENTs, then the WINDOW */
    size_t n;         /* frames, the WINDOW included */
} bench_frames_t;

static bench_t *s_bench; /* for s_die's cleanup */

static void s_cleanup(bench_t *b);

static void s_die(const char *fmt, ...) DP_PRINTF(1, 2);

/* Prints "bench_pipeline: <message>" on stderr, stops what was started
 * (the services' logs stay in the private directory, which is kept) and
 * exits 1. */
static void s_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_bench_vsay("bench_pipeline", fmt, ap);
    va_end(ap);
    if (s_bench) {
        fprintf(stderr, "bench_pipeline: service logs in %s\n", s_bench->dir);
        dp_free(s_bench->dir); /* kept on disk */
        s_bench->dir = NULL;
        s_cleanup(s_bench);
    }
    exit(1);
}

/* A positive count from the environment, or def. */
static long s_env_long(const char *name, long def, long max)
{
    const char *s = getenv(name);
    long v = def;
    if (s && *s && dp_parse_long(s, 1, max, &v) < 0)
        s_die("%s: not a number from 1 to %ld", name, max);
    return v;
}

/* ==== Synthetic events ==== */

static const char *const s_logins[] = {
    "alice-dev", "bob-ml",    "carol-kernels",   "dave-infra", "erin-docs",
    "frank-amd", "grace-tpu", "heidi-quant",     "ivan-ci",    "judy-models",
    "mallory",   "niaj-perf", "dependabot[bot]",
};
static const char *const s_assocs[] = {"MEMBER", "CONTRIBUTOR",
                                       "FIRST_TIME_CONTRIBUTOR", "NONE"};
static const char *const s_titles[] = {
    "[Bug] crash in the scheduler when a request is aborted mid-prefill",
    "[Feature] add support for Qwen3-MoE with expert parallelism",
    "[Perf] fuse the rotary embedding into the attention kernel",
    "[ROCm] enable AITER paged attention on MI300X",
    "[Docs] update the installation guide for CUDA 12.8",
    "[CI] flaky test_prefix_caching on the nightly run",
    "[Model] Llama 4 Scout: tensor parallel weight loading",
    "[Quantization] FP8 block scaling for the fused MoE layer",
};
static const char *const s_labels[] = {
    "bug",       "feature request", "performance",
    "rocm",      "documentation",   "ci/build",
    "new-model", "quantization",    "good first issue",
    "stale",
};
static const char *const s_paths[] = {
    "vllm/core/scheduler.py",
    "vllm/model_executor/models/qwen3_moe.py",
    "vllm/attention/backends/rocm_flash_attn.py",
    "csrc/rocm/attention.cu",
    "docs/getting_started/installation.md",
    ".buildkite/test-pipeline.yaml",
    "vllm/model_executor/layers/fused_moe/fused_moe.py",
    "tests/kernels/test_attention.py",
};

#define S_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Appends about len bytes of prose to buf, varied by seed. */
static void s_prose(dp_buf_t *buf, unsigned long seed, size_t len)
{
    static const char *const words[] = {
        "the",     "scheduler", "request", "kernel", "latency", "when",
        "batch",   "tokens",    "memory",  "fails",  "with",    "after",
        "prefill", "decode",    "cache",   "block",  "shape",   "GPU",
        "this",    "change",    "moves",   "into",   "one",     "pass",
    };
    while (buf->len < len) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        dp_buf_puts(buf, words[(seed >> 33) % S_COUNT(words)]);
        dp_buf_puts(buf, (seed >> 40) % 11 == 0 ? ". " : " ");
    }
}

/* Encodes event i of n of a window into out: item 1 + i / 4, with the
 * events of an item in order (opened, comment, review or comment, merged
 * or closed), a third of the items pull requests. */
static void s_encode_event(const char *repo, int64_t from, long i, long n,
                           dp_buf_t *out)
{
    long number = 1 + i / 4, step = i % 4;
    bool pr = number % 3 == 0;
    static const char *const kinds_issue[] = {"issue_opened", "comment",
                                              "comment", "issue_closed"};
    const char *kind = kinds_issue[step];
    if (pr && step == 0)
        kind = "pr_opened";
    else if (pr && step == 2)
        kind = "review";
    else if (pr && step == 3)
        kind = number % 2 ? "pr_merged" : "pr_closed";
    int64_t at = from + (int64_t)(i * (HOUR - 1) / (n > 0 ? n : 1));
    char id[128];
    snprintf(id, sizeof id, "%s:%ld:%ld:%" PRId64, kind, number, i, at);
    dp_buf_t title = DP_BUF_INIT, body = DP_BUF_INIT, text = DP_BUF_INIT;
    char url[256];
    dp_buf_printf(&title, "%s (#%ld)", s_titles[number % S_COUNT(s_titles)],
                  number);
    s_prose(&body, (unsigned long)number, 600);
    bool talk = !strcmp(kind, "comment") || !strcmp(kind, "review");
    if (talk)
        s_prose(&text, (unsigned long)i * 7919UL, 300);
    snprintf(url, sizeof url, "https://github.com/%s/%s/%ld", repo,
             pr ? "pull" : "issues", number);
    char *labels[2] = {(char *)s_labels[number % S_COUNT(s_labels)],
                       (char *)s_labels[(number / 3) % S_COUNT(s_labels)]};
    char *files[3];
    for (int k = 0; k < 3; k++)
        files[k] = (char *)s_paths[(number + (long)k * 3) % S_COUNT(s_paths)];
    const char *author = s_logins[number % S_COUNT(s_logins)];
    const char *actor = s_logins[(number + i) % S_COUNT(s_logins)];
    bool closing = step == 3;

    dp_msg_t msg = {.type = DP_MSG_EVENT};
    dp_event_t *ev = &msg.u.event;
    ev->repo = (char *)repo;
    ev->win_from = from;
    ev->win_to = from + HOUR;
    ev->revision = 1;
    ev->id = id;
    ev->kind = (char *)kind;
    ev->at = at;
    ev->actor = (char *)actor;
    ev->actor_type = strstr(actor, "[bot]") ? (char *)"Bot" : (char *)"User";
    ev->actor_assoc = (char *)s_assocs[(number + i) % S_COUNT(s_assocs)];
    ev->text = talk ? text.data : NULL;
    ev->review_state = !strcmp(kind, "review") ? (char *)"APPROVED" : NULL;
    ev->number = number;
    ev->is_pr = pr;
    ev->title = title.data;
    ev->body = body.data;
    ev->url = url;
    ev->author = (char *)author;
    ev->author_type = strstr(author, "[bot]") ? (char *)"Bot" : (char *)"User";
    ev->author_assoc = (char *)s_assocs[number % S_COUNT(s_assocs)];
    ev->labels = (dp_strs_t){labels, 2};
    ev->state = closing ? (char *)"closed" : (char *)"open";
    ev->draft = pr && number % 7 == 0;
    ev->created_at = from + (int64_t)((i - step) * (HOUR - 1) / (n ? n : 1));
    ev->updated_at = at;
    ev->closed_at = closing ? at : 0;
    ev->merged_at = closing && !strcmp(kind, "pr_merged") ? at : 0;
    ev->comments = 2;
    ev->reactions = number % 5;
    ev->additions = pr ? 40 + number % 300 : 0;
    ev->deletions = pr ? 10 + number % 90 : 0;
    ev->files = pr ? (dp_strs_t){files, 3} : (dp_strs_t){NULL, 0};
    dp_buf_reset(out);
    if (dp_msg_encode(&msg, out) < 0)
        s_die("cannot encode an event");
    dp_buf_free(&title);
    dp_buf_free(&body);
    dp_buf_free(&text);
}

/* Encodes the WINDOW message of a window of n events into out. */
static void s_encode_window(const char *repo, int64_t from, long n,
                            long revision, dp_buf_t *out)
{
    dp_msg_t msg = {.type = DP_MSG_WINDOW};
    dp_window_t *w = &msg.u.window;
    w->repo = (char *)repo;
    w->win_from = from;
    w->win_to = from + HOUR;
    w->revision = revision;
    w->tz = (char *)"UTC";
    w->lang = (char *)"en";
    w->events = n;
    w->requests = 1;
    w->rl_remaining = -1;
    w->rl_limit = -1;
    w->complete_until = from + HOUR;
    dp_buf_reset(out);
    if (dp_msg_encode(&msg, out) < 0)
        s_die("cannot encode a window");
}

/* The frames of a window of n events: n EVENTs and its WINDOW. */
static void s_frames(bench_frames_t *f, const char *repo, int64_t from, long n)
{
    f->n = (size_t)n + 1;
    f->frames = dp_calloc(f->n, sizeof *f->frames);
    for (long i = 0; i < n; i++)
        s_encode_event(repo, from, i, n, &f->frames[i]);
    s_encode_window(repo, from, n, 1, &f->frames[n]);
}

static void s_frames_free(bench_frames_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        dp_buf_free(&f->frames[i]);
    dp_free(f->frames);
    f->frames = NULL;
    f->n = 0;
}

/* ==== The services ==== */

/* Starts bindir/dp-<name> with args, its stdout and stderr appended to
 * dir/<name>.log; it gets SIGTERM if this process dies. */
static pid_t s_spawn(const char *bindir, const char *dir, const char *name,
                     char *const args[])
{
    char *prog = dp_asprintf("%s/dp-%s", bindir, name);
    char *log = dp_asprintf("%s/%s.log", dir, name);
    char *argv[16] = {prog};
    for (int i = 0; args[i] && i + 2 < (int)S_COUNT(argv); i++)
        argv[i + 1] = args[i];
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execv(prog, argv);
        _exit(127);
    }
    if (pid < 0)
        s_die("fork: %s", strerror(errno));
    dp_free(prog);
    dp_free(log);
    return pid;
}

static void s_start_services(bench_t *b, const char *bindir)
{
    const char *d = b->dir;
    char *ep[7];
    ep[0] = dp_asprintf("@ipc://%s/classifier.in", d);
    ep[1] = dp_asprintf("@ipc://%s/classifier.pub", d);
    ep[2] = dp_asprintf(">ipc://%s/summarizer.in", d);
    ep[3] = dp_asprintf("@ipc://%s/summarizer.in", d);
    ep[4] = dp_asprintf("@ipc://%s/summarizer.pub", d);
    ep[5] = dp_asprintf(">ipc://%s/renderer.in", d);
    ep[6] = dp_asprintf("@ipc://%s/renderer.in", d);
    char *rpub = dp_asprintf("@ipc://%s/renderer.pub", d);
    char *site = dp_asprintf("%s/site", d);
    char *redis = dp_asprintf("--redis-url=%s", b->redis.url);
    char *renderer[] = {"--in",        ep[6],  "--pub",     rpub,
                        "--out-dir",   site,   "--formats", "md,json",
                        "--log-level", "warn", NULL};
    char *summarizer[] = {"--in", ep[3], "--pub",       ep[4],  "--out",
                          ep[5],  redis, "--log-level", "warn", NULL};
    char *classifier[] = {"--in", ep[0],         "--pub", ep[1], "--out",
                          ep[2],  "--log-level", "warn",  NULL};
    /* Downstream first, so nothing waits on a missing peer. */
    b->svc[2] =
        (bench_svc_t){"renderer", s_spawn(bindir, d, "renderer", renderer)};
    b->svc[1] = (bench_svc_t){"summarizer",
                              s_spawn(bindir, d, "summarizer", summarizer)};
    b->svc[0] = (bench_svc_t){"classifier",
                              s_spawn(bindir, d, "classifier", classifier)};
    for (int i = 0; i < 7; i++)
        dp_free(ep[i]);
    dp_free(rpub);
    dp_free(site);
    dp_free(redis);
}

static void s_stop_services(bench_t *b)
{
    for (int i = 0; i < BENCH_NSERVICES; i++)
        if (b->svc[i].pid > 0)
            kill(b->svc[i].pid, SIGTERM);
    for (int i = 0; i < BENCH_NSERVICES; i++) {
        if (b->svc[i].pid <= 0)
            continue;
        int status;
        long waited = 0;
        while (waitpid(b->svc[i].pid, &status, WNOHANG) == 0) {
            if (waited >= DP_TK_STOP_MS) {
                kill(b->svc[i].pid, SIGKILL);
                waitpid(b->svc[i].pid, &status, 0);
                break;
            }
            usleep(10000);
            waited += 10;
        }
        b->svc[i].pid = 0;
    }
}

/* A service's line of /proc/PID/status ("VmRSS:"), in MiB; -1 when the
 * process or the line is gone. */
static double s_proc_mib(pid_t pid, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    char *text = dp_tk_read_file(path, NULL);
    if (!text)
        return -1;
    double mib = -1;
    const char *line = strstr(text, field);
    if (line) {
        char *end;
        long kb = strtol(line + strlen(field), &end, 10);
        if (end != line + strlen(field))
            mib = (double)kb * MIB_PER_KB;
    }
    dp_free(text);
    return mib;
}

/* CPU time (user + system) a process has used, in ms; -1 when gone. */
static double s_cpu_ms(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    char *text = dp_tk_read_file(path, NULL);
    if (!text)
        return -1;
    /* After "pid (comm) ": state, then 10 fields, then utime and stime. */
    const char *p = strrchr(text, ')');
    unsigned long long ticks[2] = {0, 0};
    int field = 2;
    for (; p && *p && field < BENCH_STAT_STIME; p++) {
        if (*p != ' ')
            continue;
        field++;
        if (field >= BENCH_STAT_UTIME)
            ticks[field - BENCH_STAT_UTIME] = strtoull(p + 1, NULL, 10);
    }
    dp_free(text);
    long hz = sysconf(_SC_CLK_TCK);
    if (field < BENCH_STAT_STIME || hz <= 0)
        return -1;
    return (double)(ticks[0] + ticks[1]) * 1e3 / (double)hz;
}

/* The CPU time of the services and of the redis-server, in ms. */
static void s_cpu_all(const bench_t *b, double *ms)
{
    for (int i = 0; i < BENCH_NSERVICES; i++)
        ms[i] = s_cpu_ms(b->svc[i].pid);
    ms[BENCH_NSERVICES] = s_cpu_ms(b->redis.pid);
}

/* Prints each one's CPU time between two readings, and its share of the
 * wall time. */
static void s_cpu_print(const bench_t *b, const double *before,
                        const double *after, double wall_ms)
{
    for (int i = 0; i <= BENCH_NSERVICES; i++) {
        const char *name = i < BENCH_NSERVICES ? b->svc[i].name : "redis";
        double ms = after[i] - before[i];
        printf("pipeline_cpu_ms_%s: %.0f ms\n", name, ms);
        printf("pipeline_cpu_share_%s: %.2f ratio\n", name,
               wall_ms > 0 ? ms / wall_ms : 0);
    }
}

/* Prints each service's figure and the max over them. */
static double s_rss(bench_t *b, const char *label, const char *field)
{
    double max = 0;
    for (int i = 0; i < BENCH_NSERVICES; i++) {
        double mib = s_proc_mib(b->svc[i].pid, field);
        if (mib < 0)
            s_die("dp-%s is gone", b->svc[i].name);
        printf("rss_%s_mib_%s: %.1f MiB\n", label, b->svc[i].name, mib);
        if (mib > max)
            max = mib;
    }
    printf("rss_%s_mib_max: %.1f MiB\n", label, max);
    return max;
}

/* ==== Driving the pipeline ==== */

static void s_send(bench_t *b, const dp_buf_t *frame)
{
    if (dp_sock_send(b->push, NULL, frame->data, frame->len, false) < 0)
        s_die("cannot send a frame to the classifier");
}

/* Notes in b->digest_at when the DIGEST of window (repo, from) comes by
 * on the summarizer's tap; other messages are skipped. */
static void s_take_digest(bench_t *b, const char *repo, int64_t from)
{
    dp_msg_t msg;
    while (dp_msg_recv(b->dsub, &b->subject, &b->frame, BENCH_MAX_FRAME, 0,
                       &msg, NULL) == 0) {
        if (msg.type == DP_MSG_DIGEST && msg.u.digest.repo &&
            !strcmp(msg.u.digest.repo, repo) && msg.u.digest.win_from == from)
            b->digest_at = dp_bench_now_ms();
        dp_msg_clear(&msg);
    }
}

/* Waits up to timeout_ms for the renderer's answer about window (repo,
 * from): true for a REPORT; a STATUS of that window ends the run. Other
 * messages are skipped. False on time out. The DIGEST's time on the way
 * is noted in b->digest_at (0 when it was not seen). */
static bool s_wait_report(bench_t *b, const char *repo, int64_t from,
                          int timeout_ms)
{
    double until = dp_bench_now_ms() + timeout_ms;
    b->digest_at = 0;
    for (;;) {
        double left = until - dp_bench_now_ms();
        if (left <= 0)
            return false;
        dp_sock_t *socks[] = {b->sub, b->dsub};
        bool ready[2] = {false, false};
        if (dp_sock_poll(socks, ready, 2, (int)left + 1) <= 0)
            continue;
        if (ready[1])
            s_take_digest(b, repo, from);
        if (!ready[0])
            continue;
        dp_msg_t msg;
        int rc = dp_msg_recv(b->sub, &b->subject, &b->frame, BENCH_MAX_FRAME,
                             0, &msg, NULL);
        if (rc == DP_EAGAIN)
            continue;
        if (rc < 0)
            s_die("the renderer's tap failed: %s", dp_strerror(rc));
        bool mine = false, report = msg.type == DP_MSG_REPORT;
        if (report)
            mine = msg.u.report.repo && !strcmp(msg.u.report.repo, repo) &&
                   msg.u.report.win_from == from;
        else if (msg.type == DP_MSG_STATUS) {
            const dp_status_t *st = &msg.u.status;
            if (st->repo && !strcmp(st->repo, repo) && st->win_from == from)
                s_die("the window of %s failed: %s %s", repo,
                      st->state ? st->state : "?",
                      st->message ? st->message : "");
        }
        dp_msg_clear(&msg);
        if (mine)
            return true;
    }
}

/* Sends an empty probe window until its REPORT comes back on the tap:
 * proof that every service is up and that the subscription holds. */
static void s_handshake(bench_t *b)
{
    const char *repo = "bench/probe";
    dp_buf_t frame = DP_BUF_INIT;
    for (int k = 0; k < BENCH_PROBES; k++) {
        s_encode_window(repo, BENCH_T0 - DAY, 0, ++b->revision, &frame);
        s_send(b, &frame);
        if (s_wait_report(b, repo, BENCH_T0 - DAY, BENCH_PROBE_MS)) {
            dp_buf_free(&frame);
            return;
        }
    }
    dp_buf_free(&frame);
    s_die("no REPORT for the probe window after %d tries", BENCH_PROBES);
}

/* Sends a window's frames; returns the instant its last frame went out. */
static double s_send_window(bench_t *b, const bench_frames_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        s_send(b, &f->frames[i]);
    return dp_bench_now_ms();
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (nearest rank) of n sorted values. */
static double s_percentile(const double *v, size_t n, double p)
{
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

/* The p-th percentile of n values in any order (at most BENCH_ROUNDS). */
static double s_percentile_of(const double *v, size_t n, double p)
{
    double sorted[BENCH_ROUNDS];
    assert(n > 0 && n <= BENCH_ROUNDS);
    memcpy(sorted, v, n * sizeof *v);
    qsort(sorted, n, sizeof *sorted, s_cmp_double);
    return s_percentile(sorted, n, p);
}

/* ==== The raw baseline ==== */

/* One stage of the raw baseline, a thread of its own. */
typedef struct {
    void *ctx;
    char in[RAW_KEY_MAX], out[RAW_KEY_MAX]; /* endpoints */
    const char *redis_socket;               /* NULL: no Redis calls */
    long frames;                            /* frames it passed on */
    char err[256];                          /* what went wrong, or "" */
} raw_stage_t;

/* Field k of an unpacked [version, type, ...] frame, or NULL. */
static const msgpack_object *s_field(const msgpack_object *o, uint32_t k)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size <= k)
        return NULL;
    return &o->via.array.ptr[k];
}

/* Queues HSET <window key> <id> <frame> and EXPIRE <window key>. */
static int s_raw_store(redisContext *redis, const msgpack_object *o,
                       const zmq_msg_t *m)
{
    const msgpack_object *repo = s_field(o, RAW_FIELD_REPO);
    const msgpack_object *from = s_field(o, RAW_FIELD_FROM);
    const msgpack_object *to = s_field(o, RAW_FIELD_TO);
    const msgpack_object *id = s_field(o, RAW_FIELD_ID);
    if (!repo || repo->type != MSGPACK_OBJECT_STR || !from || !to)
        return -1;
    char key[RAW_KEY_MAX];
    snprintf(key, sizeof key, "bench:raw:%.*s:%" PRId64 ":%" PRId64 ":ev",
             (int)repo->via.str.size, repo->via.str.ptr, from->via.i64,
             to->via.i64);
    const char *field = "window";
    size_t flen = strlen(field);
    if (id && id->type == MSGPACK_OBJECT_STR) {
        field = id->via.str.ptr;
        flen = id->via.str.size;
    }
    const char *hset[] = {"HSET", key, field, zmq_msg_data((zmq_msg_t *)m)};
    size_t hlen[] = {4, strlen(key), flen, zmq_msg_size((zmq_msg_t *)m)};
    const char *exp[] = {"EXPIRE", key, RAW_TTL};
    size_t elen[] = {6, strlen(key), strlen(RAW_TTL)};
    if (redisAppendCommandArgv(redis, 4, hset, hlen) != REDIS_OK ||
        redisAppendCommandArgv(redis, 3, exp, elen) != REDIS_OK)
        return -1;
    return 0;
}

/* Receives frames (blocking for the first of a batch, then what is
 * waiting, up to RAW_BATCH), unpacks each, stores the batch in one round
 * trip when the stage has Redis, and passes the frames on. An empty frame
 * is passed on and ends the stage. */
static void *s_raw_stage(void *arg)
{
    raw_stage_t *st = arg;
    void *in = zmq_socket(st->ctx, ZMQ_PULL);
    void *out = zmq_socket(st->ctx, ZMQ_PUSH);
    int linger = 0;
    redisContext *redis = NULL;
    zmq_msg_t batch[RAW_BATCH];
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    zmq_setsockopt(in, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(in, st->in) < 0 || zmq_connect(out, st->out) < 0) {
        snprintf(st->err, sizeof st->err, "zmq: %s", zmq_strerror(errno));
        goto out;
    }
    if (st->redis_socket) {
        redis = redisConnectUnix(st->redis_socket);
        if (!redis || redis->err) {
            snprintf(st->err, sizeof st->err, "redis: %s",
                     redis ? redis->errstr : "no memory");
            goto out;
        }
    }
    bool stop = false;
    while (!stop) {
        int n = 0;
        for (; n < RAW_BATCH; n++) {
            zmq_msg_init(&batch[n]);
            if (zmq_msg_recv(&batch[n], in, n ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(&batch[n]);
                break;
            }
            size_t len = zmq_msg_size(&batch[n]);
            if (len == 0) {
                stop = true;
                n++;
                break;
            }
            size_t off = 0;
            if (msgpack_unpack_next(&up, zmq_msg_data(&batch[n]), len, &off) !=
                MSGPACK_UNPACK_SUCCESS) {
                snprintf(st->err, sizeof st->err, "a frame does not unpack");
                n++;
                stop = true;
                break;
            }
            if (redis && s_raw_store(redis, &up.data, &batch[n]) < 0) {
                snprintf(st->err, sizeof st->err, "cannot queue a command");
                n++;
                stop = true;
                break;
            }
        }
        for (int k = 0; redis && !stop && k < n; k++) {
            for (int c = 0; c < 2; c++) {
                void *reply = NULL;
                if (redisGetReply(redis, &reply) != REDIS_OK) {
                    snprintf(st->err, sizeof st->err, "redis: %s",
                             redis->errstr);
                    stop = true;
                    break;
                }
                freeReplyObject(reply);
            }
        }
        for (int k = 0; k < n; k++) {
            zmq_msg_send(&batch[k], out, 0);
            zmq_msg_close(&batch[k]);
            st->frames++;
        }
    }
out:
    msgpack_unpacked_destroy(&up);
    if (redis)
        redisFree(redis);
    zmq_setsockopt(out, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(in);
    zmq_close(out);
    return NULL;
}

/* Pushes the frames of f through the three raw stages; returns the wall
 * time in ms from the first frame sent to the WINDOW's arrival after the
 * third. */
static double s_raw(bench_t *b, const bench_frames_t *f)
{
    void *ctx = zmq_ctx_new();
    raw_stage_t st[RAW_STAGES];
    pthread_t th[RAW_STAGES];
    memset(st, 0, sizeof st);
    for (int i = 0; i < RAW_STAGES; i++) {
        st[i].ctx = ctx;
        snprintf(st[i].in, sizeof st[i].in, "ipc://%s/raw%d", b->dir, i);
        snprintf(st[i].out, sizeof st[i].out, "ipc://%s/raw%d", b->dir, i + 1);
        st[i].redis_socket = i == 1 ? b->redis.socket : NULL;
        if (pthread_create(&th[i], NULL, s_raw_stage, &st[i]) != 0)
            s_die("pthread_create failed");
    }
    char ep[RAW_KEY_MAX];
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    void *sink = zmq_socket(ctx, ZMQ_PULL);
    snprintf(ep, sizeof ep, "ipc://%s/raw%d", b->dir, RAW_STAGES);
    if (zmq_bind(sink, ep) < 0)
        s_die("raw sink: %s", zmq_strerror(errno));
    snprintf(ep, sizeof ep, "ipc://%s/raw0", b->dir);
    if (zmq_connect(push, ep) < 0)
        s_die("raw push: %s", zmq_strerror(errno));
    int rcv = BENCH_PROBE_MS * BENCH_PROBES;
    zmq_setsockopt(sink, ZMQ_RCVTIMEO, &rcv, sizeof rcv);
    zmq_msg_t m;
    zmq_msg_init(&m);
    /* The WINDOW once through first: every stage connected and passing. */
    const dp_buf_t *win = &f->frames[f->n - 1];
    if (zmq_send(push, win->data, win->len, 0) < 0 ||
        zmq_msg_recv(&m, sink, 0) < 0)
        s_die("the raw baseline does not pass a frame");
    size_t got = 0;
    double t0 = dp_bench_now_ms();
    size_t sent = 0;
    /* Sends and drains at once: the queues of the hops hold fewer frames
     * than a window has. */
    while (got < f->n) {
        zmq_pollitem_t items[] = {{push, 0, ZMQ_POLLOUT, 0},
                                  {sink, 0, ZMQ_POLLIN, 0}};
        int nitems = sent < f->n ? 2 : 1;
        zmq_pollitem_t *it = sent < f->n ? items : items + 1;
        if (zmq_poll(it, nitems, rcv) <= 0)
            s_die("raw baseline: %zu of %zu frames came through", got, f->n);
        while (got < f->n && zmq_msg_recv(&m, sink, ZMQ_DONTWAIT) >= 0)
            got++;
        while (sent < f->n && zmq_send(push, f->frames[sent].data,
                                       f->frames[sent].len, ZMQ_DONTWAIT) >= 0)
            sent++;
    }
    double ms = dp_bench_now_ms() - t0;
    zmq_msg_close(&m);
    zmq_send(push, "", 0, 0); /* ends the stages, one after the other */
    for (int i = 0; i < RAW_STAGES; i++)
        pthread_join(th[i], NULL);
    int linger = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sink, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(push);
    zmq_close(sink);
    zmq_ctx_term(ctx);
    for (int i = 0; i < RAW_STAGES; i++)
        if (st[i].err[0])
            s_die("raw stage %d: %s", i + 1, st[i].err);
    return ms;
}

/* ==== Run ==== */

static void s_cleanup(bench_t *b)
{
    dp_sock_destroy(&b->push);
    dp_sock_destroy(&b->sub);
    dp_sock_destroy(&b->dsub);
    dp_bus_destroy(&b->bus);
    s_stop_services(b);
    dp_tk_redis_stop(&b->redis);
    if (b->dir)
        dp_tk_rmdir(b->dir);
    dp_free(b->dir);
    b->dir = NULL;
    dp_buf_free(&b->subject);
    dp_buf_free(&b->frame);
}

static void s_setup(bench_t *b)
{
    b->dir = dp_tk_tmpdir("bench-pipe");
    if (!b->dir)
        s_die("no temporary directory");
    if (dp_tk_redis_start(&b->redis) < 0)
        s_die("cannot start redis-server");
    char *bindir = dp_bench_bindir();
    if (!bindir)
        s_die("cannot read /proc/self/exe");
    s_start_services(b, bindir);
    dp_free(bindir);
    b->bus = dp_bus_new();
    if (!b->bus)
        s_die("no bus");
    char *in = dp_asprintf(">ipc://%s/classifier.in", b->dir);
    char *tap = dp_asprintf(">ipc://%s/renderer.pub", b->dir);
    char *dtap = dp_asprintf(">ipc://%s/summarizer.pub", b->dir);
    b->push = dp_sock_new(b->bus, ZMQ_PUSH, in);
    b->sub = dp_sock_new(b->bus, ZMQ_SUB, tap);
    b->dsub = dp_sock_new(b->bus, ZMQ_SUB, dtap);
    dp_free(in);
    dp_free(tap);
    dp_free(dtap);
    if (!b->push || !b->sub || !b->dsub || dp_sock_subscribe(b->sub, "") < 0 ||
        dp_sock_subscribe(b->dsub, "digest.") < 0)
        s_die("cannot open the bench's sockets");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as soon as it is known */
    alarm(BENCH_DEADLINE_S);          /* a hang ends the run; children follow */
    dp_log_set_level(DP_LOG_WARN);
    if (!dp_tk_have_program("redis-server")) {
        printf("bench_pipeline: SKIP: redis-server not installed\n");
        return 0;
    }
    long big = s_env_long("DP_BENCH_EVENTS", BENCH_EVENTS, BENCH_EVENTS_MAX);
    long nwin =
        s_env_long("DP_BENCH_WINDOWS", BENCH_WINDOWS, BENCH_WINDOWS_MAX);
    bench_t b;
    memset(&b, 0, sizeof b);
    s_bench = &b;
    s_setup(&b);
    s_handshake(&b);
    printf("bench_pipeline: dp-classifier -> dp-summarizer -> dp-renderer "
           "(md,json) on ipc, a private redis-server; %d windows of %ld "
           "events, each beside a raw run, then %ld windows of %d\n",
           BENCH_ROUNDS, big, nwin, BENCH_LAT_EVENTS);
    s_rss(&b, "idle", "VmRSS:");

    /* Throughput: a large window through the pipeline, then the same
     * frames raw, BENCH_ROUNDS times in turn. The medians are printed, and
     * the median of the rounds' ratios: a machine whose speed drifts
     * moves both runs of a round alike. */
    bench_frames_t f = {0};
    size_t bytes = 0;
    double pipe_ms[BENCH_ROUNDS], raw_ms[BENCH_ROUNDS], ratio[BENCH_ROUNDS];
    double cpu0[BENCH_NSERVICES + 1], cpu1[BENCH_NSERVICES + 1];
    double cpu_none[BENCH_NSERVICES + 1] = {0};
    double cpu_avg[BENCH_NSERVICES + 1] = {0};
    for (int r = 0; r < BENCH_ROUNDS; r++) {
        int64_t from = BENCH_T0 - (int64_t)r * HOUR;
        s_frames(&f, "bench/large", from, big);
        for (size_t i = 0; r == 0 && i < f.n; i++)
            bytes += f.frames[i].len;
        s_cpu_all(&b, cpu0);
        double t0 = dp_bench_now_ms();
        (void)s_send_window(&b, &f);
        if (!s_wait_report(&b, "bench/large", from, BENCH_REPORT_MS))
            s_die("no REPORT for the large window");
        pipe_ms[r] = dp_bench_now_ms() - t0;
        s_cpu_all(&b, cpu1);
        for (int k = 0; k <= BENCH_NSERVICES; k++)
            cpu_avg[k] += (cpu1[k] - cpu0[k]) / BENCH_ROUNDS;
        raw_ms[r] = s_raw(&b, &f);
        s_frames_free(&f);
        ratio[r] = raw_ms[r] / pipe_ms[r]; /* = pipeline / raw events/s */
        printf("pipeline_vs_raw_round_%d: %.4f ratio\n", r + 1, ratio[r]);
    }
    double pipe_med = s_percentile_of(pipe_ms, BENCH_ROUNDS, 50);
    double raw_med = s_percentile_of(raw_ms, BENCH_ROUNDS, 50);
    double pipe_eps = (double)big / (pipe_med / 1e3);
    double raw_eps = (double)big / (raw_med / 1e3);
    printf("event_frame_bytes_avg: %.0f bytes\n",
           (double)bytes / (double)(big + 1));
    printf("pipeline_window_ms_%ld: %.1f ms\n", big, pipe_med);
    printf("pipeline_events_per_s: %.0f events/s\n", pipe_eps);
    printf("raw_events_per_s: %.0f events/s\n", raw_eps);
    printf("pipeline_vs_raw: %.4f ratio\n",
           s_percentile_of(ratio, BENCH_ROUNDS, 50));
    s_cpu_print(&b, cpu_none, cpu_avg, pipe_med);

    /* Latency: windows of BENCH_LAT_EVENTS, one after the other; each
     * split where its DIGEST comes by on the summarizer's tap: the events
     * and the digest before, the rendering after. */
    double *lat = dp_calloc((size_t)nwin, sizeof *lat);
    double *dig = dp_calloc((size_t)nwin, sizeof *dig);
    double *ren = dp_calloc((size_t)nwin, sizeof *ren);
    size_t ndig = 0;
    for (long k = 0; k < nwin; k++) {
        int64_t from = BENCH_T0 + (k + 1) * HOUR;
        s_frames(&f, "bench/latency", from, BENCH_LAT_EVENTS);
        double last = s_send_window(&b, &f);
        s_frames_free(&f);
        if (!s_wait_report(&b, "bench/latency", from, BENCH_REPORT_MS))
            s_die("no REPORT for latency window %ld", k);
        double now = dp_bench_now_ms();
        lat[k] = now - last;
        if (b.digest_at > 0) { /* the tap may drop: then it is left out */
            dig[ndig] = b.digest_at - last;
            ren[ndig++] = now - b.digest_at;
        }
    }
    qsort(lat, (size_t)nwin, sizeof *lat, s_cmp_double);
    printf("window_latency_p50_ms_%d: %.1f ms\n", BENCH_LAT_EVENTS,
           s_percentile(lat, (size_t)nwin, 50));
    printf("window_latency_p99_ms_%d: %.1f ms\n", BENCH_LAT_EVENTS,
           s_percentile(lat, (size_t)nwin, 99));
    printf("window_latency_max_ms_%d: %.1f ms\n", BENCH_LAT_EVENTS,
           lat[nwin - 1]);
    if (ndig > 0) {
        qsort(dig, ndig, sizeof *dig, s_cmp_double);
        qsort(ren, ndig, sizeof *ren, s_cmp_double);
        printf("window_to_digest_p50_ms_%d: %.1f ms\n", BENCH_LAT_EVENTS,
               s_percentile(dig, ndig, 50));
        printf("window_to_digest_p99_ms_%d: %.1f ms\n", BENCH_LAT_EVENTS,
               s_percentile(dig, ndig, 99));
        printf("window_digest_to_report_p50_ms_%d: %.1f ms\n",
               BENCH_LAT_EVENTS, s_percentile(ren, ndig, 50));
        printf("window_digest_to_report_p99_ms_%d: %.1f ms\n",
               BENCH_LAT_EVENTS, s_percentile(ren, ndig, 99));
    }
    dp_free(lat);
    dp_free(dig);
    dp_free(ren);

    s_rss(&b, "load", "VmHWM:");
    s_bench = NULL;
    s_cleanup(&b);
    return 0;
}
