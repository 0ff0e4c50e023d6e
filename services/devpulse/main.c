/* main.c - the devpulse command: one-shot reports and bus taps */
/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_config.h"
#include "dp_fs.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"
#include "runner.h"

#define DEVPULSE_TICK_MS 200
#define DEVPULSE_DIR_MODE 0755
#define DEVPULSE_BIND_WAIT_MS 10000
#define DEVPULSE_SUB_SETTLE_MS 300
#define DEVPULSE_POLL_MS 20

static const char *const s_usage =
    "usage: devpulse report OWNER/REPO --from ISO --to ISO [--lang zh|en]\n"
    "                       [--out DIR] [--format md,json,html,atom] [--name "
    "NAME]\n"
    "                       [--tz ZONE] [--timeout SECONDS]\n"
    "       devpulse up -c devpulse.yml [--state DIR]\n"
    "       devpulse tap [SUBJECT-PREFIX] [--endpoints LIST]\n"
    "       devpulse keygen   (a CurveZMQ keypair for tcp:// across hosts)\n"
    "Environment: GITHUB_API_URL, GITHUB_TOKEN, REDIS_URL (a private\n"
    "redis-server is started when unset), DP_LOG_LEVEL.\n";

/* ==== report ==== */

typedef struct {
    char *from, *to, *lang, *out, *format, *name, *tz, *rules;
    long timeout_s;
} s_report_opts_t;

/* The directory of this executable, where the services are. */
static char *s_bindir(void)
{
    const char *env = getenv("DP_BIN_DIR");
    if (env && *env)
        return dp_strdup(env);
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return dp_strdup(".");
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    return dp_strdup(path);
}

/* Checks that the Redis of REDIS_URL answers (with its AUTH), so a wrong
 * URL or password fails at once with one line rather than stalling every
 * service. The URL is not printed: it may carry a password. */
static int s_check_redis(const char *url)
{
    char err[256] = "";
    dp_store_t *store = dp_store_new(url, err, sizeof err);
    bool ok = store && dp_store_ping(store);
    dp_store_destroy(&store);
    if (!ok)
        fprintf(stderr, "devpulse: the Redis of REDIS_URL %s\n",
                *err ? err : "does not answer or refused the credentials");
    return ok ? 0 : DP_EREDIS;
}

/* Waits until a service has bound its ipc socket file. */
static bool s_wait_socket(const char *path, runner_t *runner)
{
    long long until = dp_service_now_ms() + DEVPULSE_BIND_WAIT_MS;
    while (dp_service_now_ms() < until && !dp_service_interrupted()) {
        if (access(path, F_OK) == 0)
            return true;
        runner_tick(runner);
        if (runner_failed(runner))
            return false;
        dp_service_sleep_ms(DEVPULSE_POLL_MS);
    }
    return false;
}

/* What the services are started with. */
typedef struct {
    const char *dir; /* where the ipc sockets are */
    const char *redis_url;
    const char *rules;   /* rules file for classifier and summarizer */
    const char *out_dir; /* renderer output */
    const char *formats;
    const char *config; /* config file for the collector's schedule */
} s_services_t;

static const char *const s_sockets[8] = {
    "collector.ctl", "collector.pub",  "classifier.in", "classifier.pub",
    "summarizer.in", "summarizer.pub", "renderer.in",   "renderer.pub"};

static int s_start_services(runner_t *r, const s_services_t *sv)
{
    char bind[8][600], conn[8][600];
    for (int i = 0; i < 8; i++) {
        snprintf(bind[i], sizeof bind[i], "@ipc://%s/%s", sv->dir,
                 s_sockets[i]);
        snprintf(conn[i], sizeof conn[i], ">ipc://%s/%s", sv->dir,
                 s_sockets[i]);
    }
    const char *collector[] = {"--redis-url",
                               sv->redis_url,
                               "--ctl",
                               bind[0],
                               "--pub",
                               bind[1],
                               "--out",
                               conn[2],
                               "--reports",
                               conn[7],
                               sv->config ? "-c" : NULL,
                               sv->config,
                               NULL};
    const char *classifier[] = {"--in",  bind[2],   "--pub",   bind[3], "--out",
                                conn[4], "--rules", sv->rules, NULL};
    const char *summarizer[] = {"--redis-url", sv->redis_url, "--in",  bind[4],
                                "--pub",       bind[5],       "--out", conn[6],
                                "--rules",     sv->rules,     NULL};
    const char *renderer[] = {"--in",      bind[6],     "--pub",
                              bind[7],     "--out-dir", sv->out_dir,
                              "--formats", sv->formats, NULL};
    /* Downstream first, so nothing waits on a missing peer. */
    if (runner_spawn(r, "dp-renderer", renderer) < 0 ||
        runner_spawn(r, "dp-summarizer", summarizer) < 0 ||
        runner_spawn(r, "dp-classifier", classifier) < 0 ||
        runner_spawn(r, "dp-collector", collector) < 0)
        return DP_EIO;
    for (int i = 0; i < 8; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", sv->dir, s_sockets[i]);
        if (!s_wait_socket(path, r)) {
            const char *failed = runner_failed(r);
            if (failed)
                fprintf(stderr,
                        "devpulse: %s refused its configuration "
                        "(see above)\n",
                        failed);
            else
                fprintf(stderr, "devpulse: a service did not start (no %s)\n",
                        s_sockets[i]);
            return DP_EIO;
        }
    }
    return 0;
}

/* Sends the COLLECT request and waits for the REPORT or a failure. */
static int s_run_window(runner_t *r, const char *repo, int64_t from, int64_t to,
                        const char *tz, const s_report_opts_t *o)
{
    const char *d = runner_dir(r);
    int rc = DP_EIO;
    dp_bus_t *bus = dp_bus_new();
    if (!bus)
        return DP_EBUS;
    char taps[2048], ctl[600];
    snprintf(taps, sizeof taps,
             ">ipc://%s/collector.pub,>ipc://%s/classifier.pub,"
             ">ipc://%s/summarizer.pub,>ipc://%s/renderer.pub",
             d, d, d, d);
    snprintf(ctl, sizeof ctl, ">ipc://%s/collector.ctl", d);
    dp_sock_t *sub = dp_sock_new(bus, ZMQ_SUB, taps);
    dp_sock_t *push = dp_sock_new(bus, ZMQ_PUSH, ctl);
    char reply_to[64];
    snprintf(reply_to, sizeof reply_to, "devpulse-%d-%lld", (int)getpid(),
             (long long)dp_service_now_ms());
    char *report_subject = dp_asprintf("report.%s", repo);
    char *status_subject = dp_asprintf("status.%s", repo);
    if (!sub || !push || dp_sock_subscribe(sub, report_subject) < 0 ||
        dp_sock_subscribe(sub, status_subject) < 0)
        goto out;
    /* Let the subscriptions reach the publishers before any work starts. */
    dp_service_sleep_ms(DEVPULSE_SUB_SETTLE_MS);

    dp_msg_t req = {.type = DP_MSG_COLLECT};
    dp_collect_t *c = &req.u.collect;
    c->repo = (char *)repo;
    c->win_from = from;
    c->win_to = to;
    c->revision = 1;
    c->tz = (char *)tz;
    c->lang = o->lang;
    c->name = o->name;
    c->reply_to = reply_to;
    if (dp_msg_emit(push, NULL, &req) < 0) {
        fprintf(stderr, "devpulse: cannot reach the collector\n");
        goto out;
    }
    long long deadline = dp_service_now_ms() + o->timeout_s * 1000;
    int restarts = runner_restarts(r);
    long long last_send = dp_service_now_ms();
    long watch_s = 60;
    const char *watch_env = getenv("DP_WATCH_S");
    if (watch_env && dp_parse_long(watch_env, 1, 86400, &watch_s) < 0)
        watch_s = 60;
    long long resend_ms = 2LL * watch_s * 1000;
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    bool finished = false;
    while (!finished && !dp_service_interrupted()) {
        if (dp_service_now_ms() > deadline) {
            fprintf(stderr,
                    "devpulse: no report within %ld s (see the "
                    "service logs above)\n",
                    o->timeout_s);
            rc = DP_EAGAIN;
            break;
        }
        runner_tick(r);
        bool quiet = dp_service_now_ms() - last_send > resend_ms;
        if (runner_restarts(r) != restarts || quiet) {
            /* A service died and came back, or nothing came for a while
             * (Redis restarted and lost its last second): the request or
             * its events may be gone. Asking again, with every event sent
             * again, is safe, since every stage is idempotent. */
            restarts = runner_restarts(r);
            last_send = dp_service_now_ms();
            req.u.collect.replay = true;
            if (dp_msg_emit(push, NULL, &req) < 0)
                dp_log(DP_LOG_WARN, "could not ask the collector again");
        }
        dp_msg_t msg;
        if (dp_msg_recv(sub, &subject, &frame, DP_PROTO_MAX_FRAME,
                        DEVPULSE_TICK_MS, &msg, NULL) < 0)
            continue;
        if (msg.type == DP_MSG_REPORT && msg.u.report.reply_to &&
            !strcmp(msg.u.report.reply_to, reply_to)) {
            printf("%s\n", msg.u.report.path);
            fflush(stdout);
            rc = 0;
            finished = true;
        } else if (msg.type == DP_MSG_STATUS && msg.u.status.reply_to &&
                   !strcmp(msg.u.status.reply_to, reply_to) &&
                   msg.u.status.state &&
                   !strcmp(msg.u.status.state, "failed")) {
            fprintf(stderr, "devpulse: %s\n",
                    msg.u.status.message ? msg.u.status.message : "failed");
            rc = DP_EIO;
            finished = true;
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&subject);
    dp_buf_free(&frame);
out:
    dp_free(report_subject);
    dp_free(status_subject);
    dp_bus_destroy(&bus);
    return rc;
}

static int s_report(int argc, char **argv)
{
    s_report_opts_t o = {0};
    dp_opt_t opts[] = {
        {"from", NULL, "--from", DP_OPT_STR, &o.from, NULL, 0, 0, NULL, false,
         "window start, e.g. 2025-12-10T18:29+08:00"},
        {"to", NULL, "--to", DP_OPT_STR, &o.to, NULL, 0, 0, NULL, false,
         "window end (exclusive)"},
        {"lang", "DP_LANG", "--lang", DP_OPT_ENUM, &o.lang, "zh", 0, 0, "zh|en",
         false, "report language"},
        {"out", "DP_OUT_DIR", "--out", DP_OPT_STR, &o.out, "site", 0, 0, NULL,
         false, "output directory"},
        {"format", "DP_FORMATS", "--format", DP_OPT_STR, &o.format, "md,json",
         0, 0, NULL, false, "output formats"},
        {"name", "DP_NAME", "--name", DP_OPT_STR, &o.name, NULL, 0, 0, NULL,
         false, "project name shown in the report"},
        {"tz", "DP_TZ", "--tz", DP_OPT_STR, &o.tz, NULL, 0, 0, NULL, false,
         "display time zone (default: the offset of --from)"},
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &o.rules, DP_DEFAULT_RULES,
         0, 0, NULL, false, "topic rules file"},
        {"timeout", "DP_TIMEOUT_S", "--timeout", DP_OPT_INT, &o.timeout_s,
         "600", 1, 86400, NULL, false, "seconds to wait for the report"},
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    const char **rest = NULL;
    size_t nrest = 0;
    int rc = dp_config_load(opts, nopts, argc, argv, NULL, &rest, &nrest, NULL,
                            err, sizeof err);
    runner_t *runner = NULL;
    char *bindir = NULL, *out_dir = NULL;
    if (rc == DP_EAGAIN) {
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        fprintf(stderr, "devpulse report: %s\n", err);
        rc = 2;
        goto out;
    }
    int64_t from = 0, to = 0;
    int offset = 0;
    rc = 2;
    if (nrest != 1 || !dp_repo_valid(rest[0])) {
        fprintf(stderr,
                "devpulse report: give one repository as OWNER/REPO%s%s\n",
                nrest ? ", not " : "", nrest ? rest[0] : "");
        goto out;
    }
    if (!o.from || !o.to) {
        fprintf(stderr, "devpulse report: --from and --to are required\n");
        goto out;
    }
    if (dp_time_parse(o.from, &from, &offset) < 0) {
        fprintf(stderr,
                "devpulse report: --from: \"%s\" is not a time such "
                "as 2025-12-10T18:29+08:00\n",
                o.from);
        goto out;
    }
    if (dp_time_parse(o.to, &to, NULL) < 0) {
        fprintf(stderr,
                "devpulse report: --to: \"%s\" is not a time such as "
                "2025-12-10T19:29+08:00\n",
                o.to);
        goto out;
    }
    if (to <= from) {
        fprintf(stderr, "devpulse report: --to must be later than --from\n");
        goto out;
    }
    char tzbuf[16];
    if (o.tz) {
        int probe;
        if (dp_tz_offset(o.tz, from, &probe) < 0) {
            fprintf(stderr, "devpulse report: --tz: unknown zone \"%s\"\n",
                    o.tz);
            goto out;
        }
    } else {
        snprintf(tzbuf, sizeof tzbuf, "%c%02d:%02d", offset < 0 ? '-' : '+',
                 abs(offset) / 3600, abs(offset) % 3600 / 60);
    }
    if (dp_fs_mkdirs(o.out, DEVPULSE_DIR_MODE, err, sizeof err) < 0) {
        fprintf(stderr, "devpulse report: --out: cannot create %s\n", err);
        goto out;
    }
    out_dir = realpath(o.out, NULL);
    bindir = s_bindir();
    dp_service_signals();
    rc = 1;
    runner = runner_new(bindir);
    if (!runner || !out_dir)
        goto out;
    const char *redis_url = getenv("REDIS_URL");
    if (!redis_url || !*redis_url) {
        if (runner_redis(runner, NULL, &redis_url, err, sizeof err) < 0) {
            fprintf(stderr, "devpulse: %s\n", err);
            goto out;
        }
    } else if (s_check_redis(redis_url) < 0) {
        goto out;
    }
    s_services_t sv = {runner_dir(runner), redis_url, o.rules, out_dir,
                       o.format,           NULL};
    if (s_start_services(runner, &sv) < 0)
        goto out;
    rc = s_run_window(runner, rest[0], from, to, o.tz ? o.tz : tzbuf, &o) == 0
             ? 0
             : 1;
out:
    runner_destroy(&runner);
    free(out_dir);
    dp_free(bindir);
    dp_free(rest);
    dp_config_free(opts, nopts);
    return rc;
}

/* ==== up ==== */

/* The value of -c/--config in argv, or of DP_CONFIG; NULL when none. */
static const char *s_config_path(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
            i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    const char *env = getenv("DP_CONFIG");
    return env && *env ? env : NULL;
}

/* Joins the output formats of the config ("md", "json", ...) with commas. */
static char *s_formats(const json_t *doc)
{
    json_t *list = dp_json_get(doc, "outputs.formats");
    if (!json_is_array(list) || json_array_size(list) == 0)
        return dp_strdup("md,json");
    dp_buf_t buf = DP_BUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (buf.len)
            dp_buf_puts(&buf, ",");
        dp_buf_puts(&buf, json_string_value(v));
    }
    return dp_buf_take(&buf);
}

static int s_up(int argc, char **argv)
{
    char *state = NULL, *rules = NULL;
    dp_opt_t opts[] = {
        {"state_dir", "DP_STATE_DIR", "--state", DP_OPT_STR, &state,
         ".devpulse", 0, 0, NULL, false,
         "where Redis keeps the ledger and the bus sockets live"},
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &rules, NULL, 0, 0, NULL,
         false, "rules file (default: the config's topics, else built in)"},
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    json_t *doc = NULL;
    runner_t *runner = NULL;
    char *bindir = NULL, *state_dir = NULL, *out_dir = NULL, *formats = NULL;
    const char *config = s_config_path(argc, argv);
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    if (rc == DP_EAGAIN) {
        rc = 0;
        goto out;
    }
    if (rc < 0 || !config || !doc) {
        fprintf(stderr, "devpulse up: %s\n",
                rc < 0 ? err : "give the configuration with -c devpulse.yml");
        rc = 2;
        goto out;
    }
    rc = 2;
    if (json_array_size(dp_json_get(doc, "repositories")) == 0) {
        fprintf(stderr, "devpulse up: %s lists no repositories\n", config);
        goto out;
    }
    const char *out_cfg = dp_json_str(doc, "outputs.dir");
    if (dp_fs_mkdirs(state, DEVPULSE_DIR_MODE, err, sizeof err) < 0 ||
        dp_fs_mkdirs(out_cfg ? out_cfg : "site", DEVPULSE_DIR_MODE, err,
                     sizeof err) < 0) {
        fprintf(stderr, "devpulse up: cannot create %s\n", err);
        goto out;
    }
    state_dir = realpath(state, NULL);
    out_dir = realpath(out_cfg ? out_cfg : "site", NULL);
    formats = s_formats(doc);
    if (!rules)
        rules =
            dp_strdup(dp_json_get(doc, "topics") ? config : DP_DEFAULT_RULES);
    bindir = s_bindir();
    dp_service_signals();
    rc = 1;
    runner = runner_new(bindir);
    if (!runner || !state_dir || !out_dir)
        goto out;
    if (runner_lock_state(runner, state_dir, err, sizeof err) < 0) {
        fprintf(stderr, "devpulse up: %s\n", err);
        goto out;
    }
    const char *redis_url = getenv("REDIS_URL");
    if (!redis_url || !*redis_url) {
        if (runner_redis(runner, state_dir, &redis_url, err, sizeof err) < 0) {
            fprintf(stderr, "devpulse: %s\n", err);
            goto out;
        }
    } else if (s_check_redis(redis_url) < 0) {
        goto out;
    }
    /* Sockets in the state directory, where a tap can find them, unless
     * its path is too long for a unix socket. */
    const char *sockdir =
        strlen(state_dir) < 80 ? state_dir : runner_dir(runner);
    char *config_abs = realpath(config, NULL);
    s_services_t sv = {sockdir, redis_url, rules,
                       out_dir, formats,   config_abs ? config_abs : config};
    rc = s_start_services(runner, &sv) < 0 ? 1 : 0;
    free(config_abs);
    if (rc != 0)
        goto out;
    dp_log(DP_LOG_WARN,
           "devpulse up: watching %zu entries of %s; reports in "
           "%s; tap: devpulse tap --endpoints "
           ">ipc://%s/renderer.pub",
           json_array_size(dp_json_get(doc, "repositories")), config, out_dir,
           sockdir);
    while (!dp_service_interrupted()) {
        runner_tick(runner);
        dp_service_sleep_ms(DEVPULSE_TICK_MS);
    }
out:
    runner_destroy(&runner);
    free(state_dir);
    free(out_dir);
    dp_free(formats);
    dp_free(bindir);
    json_decref(doc);
    dp_config_free(opts, nopts);
    return rc;
}

/* ==== tap ==== */

static int s_tap(int argc, char **argv)
{
    char *endpoints = NULL;
    dp_opt_t opts[] = {
        {"endpoints", "DP_TAP_ENDPOINTS", "--endpoints", DP_OPT_STR, &endpoints,
         ">tcp://127.0.0.1:7101,>tcp://127.0.0.1:7201,"
         ">tcp://127.0.0.1:7301,>tcp://127.0.0.1:7401",
         0, 0, NULL, false, "PUB endpoints to listen to"},
    };
    char err[512];
    const char **rest = NULL;
    size_t nrest = 0;
    int rc = dp_config_load(opts, 1, argc, argv, NULL, &rest, &nrest, NULL, err,
                            sizeof err);
    if (rc < 0) {
        if (rc != DP_EAGAIN)
            fprintf(stderr, "devpulse tap: %s\n", err);
        dp_free(rest);
        dp_config_free(opts, 1);
        return rc == DP_EAGAIN ? 0 : 2;
    }
    dp_service_signals();
    dp_bus_t *bus = dp_bus_new();
    dp_sock_t *sub = bus ? dp_sock_new(bus, ZMQ_SUB, endpoints) : NULL;
    rc = 1;
    if (sub && dp_sock_subscribe(sub, nrest ? rest[0] : "") == 0) {
        rc = 0;
        dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
        while (!dp_service_interrupted()) {
            dp_msg_t msg;
            if (dp_msg_recv(sub, &subject, &frame, DP_PROTO_MAX_FRAME,
                            DEVPULSE_TICK_MS, &msg, NULL) < 0)
                continue;
            char *json = dp_msg_to_json(&msg);
            printf("%s\n", json);
            fflush(stdout);
            dp_free(json);
            dp_msg_clear(&msg);
        }
        dp_buf_free(&subject);
        dp_buf_free(&frame);
    }
    dp_bus_destroy(&bus);
    dp_free(rest);
    dp_config_free(opts, 1);
    return rc;
}

/* ==== keygen ==== */

static int s_keygen(void)
{
    char pub[41], sec[41];
    if (!zmq_has("curve") || zmq_curve_keypair(pub, sec) != 0) {
        fprintf(stderr, "devpulse keygen: this libzmq has no CurveZMQ\n");
        return 1;
    }
    /* For an env file shared by the services; keep it private. */
    printf("DP_CURVE_PUBLIC_KEY=%s\nDP_CURVE_SECRET_KEY=%s\n", pub, sec);
    memset(sec, 0, sizeof sec);
    return 0;
}

int main(int argc, char **argv)
{
    dp_log_init("devpulse");
    if (!getenv("DP_LOG_LEVEL"))
        dp_log_set_level(DP_LOG_WARN);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    /* The services inherit a quiet log unless the user asked otherwise. */
    if (!getenv("DP_LOG_LEVEL"))
        setenv("DP_LOG_LEVEL", "warn", 1);
    if (!strcmp(argv[1], "report"))
        return s_report(argc - 1, argv + 1);
    if (!strcmp(argv[1], "tap"))
        return s_tap(argc - 1, argv + 1);
    if (!strcmp(argv[1], "up"))
        return s_up(argc - 1, argv + 1);
    if (!strcmp(argv[1], "keygen"))
        return s_keygen();
    fprintf(stderr, "devpulse: unknown command \"%s\"\n%s", argv[1], s_usage);
    return 2;
}
