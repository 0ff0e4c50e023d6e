/* stack.c - a running set of devpulse services (Redis, collector,
 * classifier, summarizer, renderer), and asking it for windows */
/* SPDX-License-Identifier: MIT */
#include "stack.h"

#include <assert.h>
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
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_store.h"
#include "runner.h"

#define STACK_TICK_MS 200
#define STACK_BIND_WAIT_MS 10000
#define STACK_WELCOME_WAIT_MS 5000 /* then asked anyway, with a warning */
#define STACK_LIST_WAIT_MS 600000  /* an organization listing, at most */
#define STACK_WATCH_S 60           /* the collector's default watch period */
#define STACK_SOCK_DIR_MAX 80      /* longer state paths overflow sun_path */
#define STACK_NSOCKETS 8
#define STACK_PATH_MAX 600
#define STACK_KEY_FILE "curve.key"
#define STACK_MAX_ENV 10
#define STACK_HTTP_MAX 700 /* "DP_HTTP_PORT_FILE=" and a path */

struct stack_t {
    runner_t *runner;
    const char *sock_dir; /* borrowed from runner or owned in state_dir */
    char *state_dir;      /* owned copy, or NULL */
    char *keyfile_env;    /* "DP_CURVE_KEY_FILE=path", or NULL */
    char *redis_env;      /* "REDIS_URL=..." of the services (secret) */
};

/* ==== Starting ==== */

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

/* The health and metrics endpoint of the service of that index (collector
 * 0, classifier 1, summarizer 2, renderer 3) when DP_HTTP is set: its
 * address with the port plus the index (port 0 stays 0: any free one),
 * into http as "DP_HTTP=...", and "DP_HTTP_PORT_FILE=DIR/NAME.http.port"
 * into file. Both empty when DP_HTTP is unset; a value that is not
 * ADDR:PORT is passed on as it is, for the service to refuse. */
static void s_http_env(const char *dir, int index, const char *name, char *http,
                       char *file)
{
    const char *addr = getenv("DP_HTTP");
    http[0] = file[0] = '\0';
    if (!addr || !*addr)
        return;
    const char *colon = strrchr(addr, ':');
    long port = 0;
    if (colon && dp_parse_long(colon + 1, 0, 65535 - 3, &port) == 0)
        snprintf(http, STACK_HTTP_MAX, "DP_HTTP=%.*s:%ld", (int)(colon - addr),
                 addr, port ? port + index : 0);
    else
        snprintf(http, STACK_HTTP_MAX, "DP_HTTP=%s", addr);
    snprintf(file, STACK_HTTP_MAX, "DP_HTTP_PORT_FILE=%s/%s.http.port", dir,
             name);
}

/* Appends item to a NULL-ended environment list, unless it is empty. */
static void s_env_push(const char **list, const char *item)
{
    size_t n = 0;
    while (list[n])
        n++;
    assert(n + 1 < STACK_MAX_ENV);
    if (*item)
        list[n] = item;
}

static const char *const s_sockets[STACK_NSOCKETS] = {
    "collector.ctl", "collector.pub",  "classifier.in", "classifier.pub",
    "summarizer.in", "summarizer.pub", "renderer.in",   "renderer.pub"};

static int s_start_services(stack_t *self, const char *redis_url,
                            const stack_cfg_t *cfg)
{
    runner_t *r = self->runner;
    const char *dir = self->sock_dir;
    char bind[STACK_NSOCKETS][STACK_PATH_MAX];
    char conn[STACK_NSOCKETS][STACK_PATH_MAX];
    for (int i = 0; i < STACK_NSOCKETS; i++) {
        snprintf(bind[i], sizeof bind[i], "@ipc://%s/%s", dir, s_sockets[i]);
        snprintf(conn[i], sizeof conn[i], ">ipc://%s/%s", dir, s_sockets[i]);
    }
    /* Optional flags at the end, so a NULL ends the list where they stop. */
    const char *collector[16] = {"--ctl", bind[0], "--out",     conn[2],
                                 "--pub", bind[1], "--reports", conn[7]};
    size_t nc = 8;
    if (cfg->config) {
        collector[nc++] = "-c";
        collector[nc++] = cfg->config;
        if (!cfg->follow)
            collector[nc++] = "--schedule=false";
    }
    if (cfg->since) {
        collector[nc++] = "--since";
        collector[nc++] = cfg->since;
    }
    collector[nc] = NULL;
    const char *classifier[] = {"--in",    bind[2],    "--pub",
                                bind[3],   "--out",    conn[4],
                                "--rules", cfg->rules, NULL};
    const char *summarizer[] = {"--in",  bind[4], "--pub",   bind[5],
                                "--out", conn[6], "--rules", cfg->rules,
                                NULL,    NULL};
    if (cfg->resummarize)
        summarizer[8] = "--llm-refresh=true";
    const char *renderer[] = {"--in",      bind[6],      "--pub",
                              bind[7],     "--out-dir",  cfg->out_dir,
                              "--formats", cfg->formats, NULL};
    /* Secrets go through the environment, never argv (any local user reads
     * /proc/PID/cmdline), and each service gets only the ones it uses. */
    char *redis_env = dp_asprintf("REDIS_URL=%s", redis_url);
    self->redis_env = dp_strdup(redis_env); /* for stack_list_org */
    const char *key = self->keyfile_env;    /* NULL ends the lists early */
    const char *collector_env[STACK_MAX_ENV] = {"LLM_API_KEY", redis_env, key};
    const char *summarizer_env[STACK_MAX_ENV] = {
        "GITHUB_TOKEN", "GITHUB_TOKENS", redis_env, key};
    const char *no_secrets[STACK_MAX_ENV] = {"REDIS_URL",    "REDIS_PASSWORD",
                                             "GITHUB_TOKEN", "GITHUB_TOKENS",
                                             "LLM_API_KEY",  key};
    /* The renderer reads the complete lists of a capped digest. */
    const char *renderer_env[STACK_MAX_ENV] = {"GITHUB_TOKEN", "GITHUB_TOKENS",
                                               "LLM_API_KEY", redis_env, key};
    /* DP_HTTP: an endpoint each, on ports of their own. */
    const char **envs[] = {collector_env, no_secrets, summarizer_env,
                           renderer_env};
    static const char *const names[] = {"collector", "classifier", "summarizer",
                                        "renderer"};
    char http[4][STACK_HTTP_MAX], file[4][STACK_HTTP_MAX];
    for (int i = 0; i < 4; i++) {
        s_http_env(dir, i, names[i], http[i], file[i]);
        s_env_push(envs[i], http[i]);
        s_env_push(envs[i], file[i]);
    }
    /* Downstream first, so nothing waits on a missing peer. */
    int rc = 0;
    if (runner_spawn(r, "dp-renderer", renderer, renderer_env) < 0 ||
        runner_spawn(r, "dp-summarizer", summarizer, summarizer_env) < 0 ||
        runner_spawn(r, "dp-classifier", classifier, no_secrets) < 0 ||
        runner_spawn(r, "dp-collector", collector, collector_env) < 0)
        rc = DP_EIO;
    explicit_bzero(redis_env, strlen(redis_env));
    dp_free(redis_env);
    if (rc < 0)
        return rc;
    const char *missing = runner_wait_files(r, dir, s_sockets, STACK_NSOCKETS,
                                            STACK_BIND_WAIT_MS);
    if (!missing)
        return 0;
    const char *failed = runner_failed(r);
    if (failed)
        fprintf(stderr, "devpulse: %s refused its configuration (see above)\n",
                failed);
    else
        fprintf(stderr, "devpulse: a service did not start (no %s)\n", missing);
    return DP_EIO;
}

/* True when the environment holds the keypair itself (DP_CURVE_*_KEY),
 * which then wins over any key file. */
static bool s_env_keys(void)
{
    const char *pub = getenv("DP_CURVE_PUBLIC_KEY");
    const char *sec = getenv("DP_CURVE_SECRET_KEY");
    return (pub && *pub) || (sec && *sec);
}

/* The deployment keypair of the services: the environment's when
 * DP_CURVE_* is set (they inherit it), else the state directory's key
 * file, made at first start; its path reaches them through their
 * environment, the keys never leave the file. 0, or DP_ECONFIG with one
 * line printed. */
static int s_curve_keys(stack_t *self)
{
    if (s_env_keys())
        return 0;
    char *path = dp_asprintf("%s/%s", self->state_dir, STACK_KEY_FILE);
    char err[512];
    int rc = dp_bus_keyfile(path, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "devpulse: %s\n", err);
    else
        self->keyfile_env = dp_asprintf("DP_CURVE_KEY_FILE=%s", path);
    dp_free(path);
    return rc;
}

stack_t *stack_start(const stack_cfg_t *cfg)
{
    assert(cfg && cfg->rules && cfg->out_dir && cfg->formats);
    stack_t *self = dp_calloc(1, sizeof *self);
    char *bindir = s_bindir();
    self->runner = runner_new(bindir);
    dp_free(bindir);
    if (!self->runner)
        goto fail;
    if (cfg->state_dir) {
        /* One devpulse per state directory: its Redis, sockets and lock. */
        char err[512];
        if (runner_lock_state(self->runner, cfg->state_dir, err, sizeof err) <
            0) {
            fprintf(stderr, "devpulse: %s\n", err);
            goto fail;
        }
        self->state_dir = dp_strdup(cfg->state_dir);
    }
    self->sock_dir = runner_dir(self->runner);
    if (cfg->tap_sockets && self->state_dir &&
        strlen(runner_bus_dir(self->runner)) < STACK_SOCK_DIR_MAX)
        self->sock_dir = runner_bus_dir(self->runner);
    if (cfg->curve && self->state_dir && s_curve_keys(self) < 0)
        goto fail;
    const char *redis_url = getenv("REDIS_URL");
    bool own = !redis_url || !*redis_url;
    char err[512];
    if (own && runner_redis_start(self->runner, self->state_dir, &redis_url,
                                  err, sizeof err) < 0) {
        fprintf(stderr, "devpulse: %s\n", err);
        goto fail;
    }
    if (!own && s_check_redis(redis_url) < 0)
        goto fail;
    /* Our redis-server starts while the services load (each takes some
     * 10-15 ms); they wait for it a moment (dp_store_new). */
    if (s_start_services(self, redis_url, cfg) < 0)
        goto fail;
    if (own && runner_redis_ready(self->runner, err, sizeof err) < 0) {
        fprintf(stderr, "devpulse: %s\n", err);
        goto fail;
    }
    return self;
fail:
    stack_destroy(&self);
    return NULL;
}

const char *stack_sockets(const stack_t *self)
{
    assert(self);
    return self->sock_dir;
}

bool stack_sockets_in_state(const stack_t *self)
{
    assert(self);
    return self->state_dir && self->sock_dir == runner_bus_dir(self->runner) &&
           self->sock_dir != runner_dir(self->runner);
}

const char *stack_keyfile(const stack_t *self)
{
    assert(self);
    return self->keyfile_env ? strchr(self->keyfile_env, '=') + 1 : NULL;
}

void stack_tick(stack_t *self)
{
    assert(self);
    runner_tick(self->runner);
}

void stack_destroy(stack_t **self_p)
{
    assert(self_p);
    stack_t *self = *self_p;
    if (!self)
        return;
    runner_destroy(&self->runner);
    if (self->redis_env)
        explicit_bzero(self->redis_env, strlen(self->redis_env));
    dp_free(self->redis_env);
    dp_free(self->state_dir);
    dp_free(self->keyfile_env);
    dp_free(self);
    *self_p = NULL;
}

int stack_list_org(stack_t *self, const char *org, dp_strs_t *repos)
{
    assert(self && org && repos);
    const char *argv[] = {"--list-org", org, NULL};
    const char *env[] = {"LLM_API_KEY", self->redis_env, NULL};
    dp_buf_t out = DP_BUF_INIT;
    int rc = runner_capture(self->runner, "dp-collector", argv, env,
                            STACK_LIST_WAIT_MS, &out);
    char *save = NULL;
    for (char *line = rc == 0 && out.data ? strtok_r(out.data, "\n", &save)
                                          : NULL;
         line; line = strtok_r(NULL, "\n", &save))
        if (dp_repo_valid(line))
            dp_strs_push(repos, line);
    dp_buf_free(&out);
    return rc;
}

/* ==== Asking for windows ==== */

/* One window asked for and not yet reported. */
typedef struct {
    bool busy;
    size_t index;       /* into the windows */
    long long asked_ms; /* when first asked */
    char reply_to[64];
} s_slot_t;

/* What stack_request works with. */
typedef struct {
    runner_t *runner; /* of a stack we started, or NULL */
    const char *ctl;  /* the collector's control socket */
    const char *taps; /* the PUB sockets listened to */
    dp_sock_t *sub;   /* on the taps */
    bool secured;     /* CurveZMQ on our side */
    bool unreachable; /* a request found no collector to take it */
    long timeout_s;   /* of each window */
    const stack_window_t *windows;
    const stack_sink_t *sink;
    dp_sock_t *push; /* to the collector */
    s_slot_t *slots;
    size_t nslots;
    long long started_ms; /* makes reply_to unique across runs */
    size_t failed;
} s_asker_t;

/* Sends the COLLECT request of a slot's window. */
static int s_ask(s_asker_t *a, const s_slot_t *slot, bool replay)
{
    const stack_window_t *w = &a->windows[slot->index];
    dp_msg_t req = {.type = DP_MSG_COLLECT};
    dp_collect_t *c = &req.u.collect;
    c->repo = (char *)w->repo;
    c->win_from = w->from;
    c->win_to = w->to;
    c->revision = 1;
    c->tz = (char *)w->tz;
    c->lang = (char *)w->lang;
    c->name = (char *)w->name;
    c->reply_to = (char *)slot->reply_to;
    c->replay = replay;
    if (a->unreachable)
        return DP_EAGAIN;
    /* Sent here rather than by dp_msg_emit, so a collector that takes
     * nothing within the send timeout is said once, by the caller. */
    dp_buf_t frame = DP_BUF_INIT;
    int rc = dp_msg_encode(&req, &frame);
    if (rc == 0)
        rc = dp_sock_send(a->push, NULL, frame.data, frame.len, false);
    dp_buf_free(&frame);
    a->unreachable = rc == DP_EAGAIN && !dp_service_interrupted();
    return rc;
}

/* Ends a slot's window with its report's path or an error. */
static void s_finish(s_asker_t *a, s_slot_t *slot, const char *path,
                     const char *error)
{
    if (!path)
        a->failed++;
    slot->busy = false;
    a->sink->done(a->sink->arg, slot->index, path, error);
}

/* Why no report came within timeout_s, in one line (the caller frees
 * it): a stack we started logs its own reasons above it; of one we did
 * not, the endpoints are named, and whether its taps answered at all. */
static char *s_silence(const s_asker_t *a, long timeout_s)
{
    if (a->runner)
        return dp_asprintf(
            "no report within %ld s (see the service logs above)", timeout_s);
    if (dp_sock_welcomes(a->sub) == 0)
        return dp_asprintf(
            "no answer from %s within %ld s: is the stack running, and "
            "is that its renderer's tap (%s)?",
            a->taps, timeout_s,
            a->secured ? "CurveZMQ on: are these the stack's keys"
                       : "CurveZMQ off: does the stack use keys");
    return dp_asprintf("no report within %ld s from the stack at %s (asked "
                       "%s); see its collector's log",
                       timeout_s, a->taps, a->ctl);
}

/* Asks for the next window in a free slot. False when it could not. */
static bool s_ask_next(s_asker_t *a, s_slot_t *slot, size_t index)
{
    slot->busy = true;
    slot->index = index;
    slot->asked_ms = dp_service_now_ms();
    snprintf(slot->reply_to, sizeof slot->reply_to, "devpulse-%d-%lld-%zu",
             (int)getpid(), a->started_ms, index);
    if (s_ask(a, slot, false) == 0)
        return true;
    /* Of a stack we did not start: when its taps did not answer either,
     * that is what is said, as when a request goes unanswered. */
    char *text = a->runner ? dp_strdup("cannot reach the collector")
                 : dp_sock_welcomes(a->sub) == 0
                     ? s_silence(a, a->timeout_s)
                     : dp_asprintf("cannot reach the collector at %s (it took "
                                   "no request within %ld s)",
                                   a->ctl, a->timeout_s);
    s_finish(a, slot, NULL, text);
    dp_free(text);
    return false;
}

/* The busy slot waiting for reply_to, or NULL. */
static s_slot_t *s_slot_of(s_asker_t *a, const char *reply_to)
{
    for (size_t i = 0; reply_to && i < a->nslots; i++)
        if (a->slots[i].busy && !strcmp(a->slots[i].reply_to, reply_to))
            return &a->slots[i];
    return NULL;
}

/* Takes a REPORT or a failure STATUS meant for one of our windows. True
 * when it ended one. */
static bool s_take(s_asker_t *a, const dp_msg_t *msg)
{
    s_slot_t *slot = NULL;
    if (msg->type == DP_MSG_REPORT) {
        slot = s_slot_of(a, msg->u.report.reply_to);
        if (slot)
            s_finish(a, slot, msg->u.report.path, NULL);
    } else if (msg->type == DP_MSG_STATUS && msg->u.status.state &&
               !strcmp(msg->u.status.state, "failed")) {
        slot = s_slot_of(a, msg->u.status.reply_to);
        if (slot)
            s_finish(a, slot, NULL,
                     msg->u.status.message ? msg->u.status.message : "failed");
    }
    return slot != NULL;
}

/* Fails the windows asked more than timeout_s ago. */
static void s_expire(s_asker_t *a, long timeout_s)
{
    long long now = dp_service_now_ms();
    for (size_t i = 0; i < a->nslots; i++) {
        s_slot_t *slot = &a->slots[i];
        if (!slot->busy || now - slot->asked_ms <= timeout_s * 1000LL)
            continue;
        char *text = s_silence(a, timeout_s);
        s_finish(a, slot, NULL, text);
        dp_free(text);
    }
}

/* Asks again for every outstanding window, with every event resent. */
static void s_ask_again(s_asker_t *a)
{
    for (size_t i = 0; i < a->nslots; i++)
        if (a->slots[i].busy && s_ask(a, &a->slots[i], true) < 0)
            dp_log(DP_LOG_WARN, "could not ask the collector again");
}

static size_t s_busy(const s_asker_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nslots; i++)
        n += a->slots[i].busy;
    return n;
}

/* The four PUB sockets of a stack whose sockets are in dir, as a
 * dp_sock_new list (the caller frees it). */
static char *s_taps(const char *dir)
{
    return dp_asprintf(">ipc://%s/collector.pub,>ipc://%s/classifier.pub,"
                       ">ipc://%s/summarizer.pub,>ipc://%s/renderer.pub",
                       dir, dir, dir, dir);
}

/* How many endpoints a comma-separated list holds. */
static size_t s_count_endpoints(const char *list)
{
    size_t n = 1;
    for (const char *p = strchr(list, ','); p; p = strchr(p + 1, ','))
        n++;
    return n;
}

/* The one asking loop of stack_request and stack_request_at: a.runner,
 * a.ctl and a.taps are set, the rest is made here. */
static int s_request(s_asker_t *a, size_t n, size_t in_flight, long timeout_s)
{
    const stack_sink_t *sink = a->sink;
    int rc = DP_EIO;
    a->nslots = in_flight < n ? in_flight : (n ? n : 1);
    a->slots = dp_calloc(a->nslots, sizeof *a->slots);
    a->started_ms = dp_service_now_ms();
    dp_bus_t *bus = dp_bus_new();
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    if (!bus)
        goto out;
    a->secured = dp_bus_secured(bus);
    a->sub = dp_sock_new(bus, ZMQ_SUB, a->taps);
    a->push = dp_sock_new(bus, ZMQ_PUSH, a->ctl);
    /* A request waits for a collector at most as long as a window may
     * take; one not taken by then fails the window (and the others). */
    int send_ms = (int)(timeout_s * 1000L);
    a->timeout_s = timeout_s;
    if (!a->sub || !a->push || dp_sock_subscribe(a->sub, "report.") < 0 ||
        dp_sock_subscribe(a->sub, "status.") < 0 ||
        zmq_setsockopt(dp_sock_handle(a->push), ZMQ_SNDTIMEO, &send_ms,
                       sizeof send_ms) != 0)
        goto out;
    /* Every tap's welcome: the connections are up and the subscriptions
     * on their way, so a REPORT or STATUS that follows a COLLECT sent now
     * reaches us. A tap that does not answer in time (a service busy
     * elsewhere, a stack still starting) is logged and the asking goes
     * on. */
    size_t ntaps = s_count_endpoints(a->taps);
    long wait_ms = timeout_s * 1000L < STACK_WELCOME_WAIT_MS
                       ? timeout_s * 1000L
                       : STACK_WELCOME_WAIT_MS;
    if (dp_sock_await_welcomes(a->sub, ntaps, (int)wait_ms) < 0) {
        if (dp_service_interrupted()) {
            rc = DP_EAGAIN;
            goto out;
        }
        dp_log(a->runner ? DP_LOG_WARN : DP_LOG_INFO,
               "%zu of %zu taps answered; asking anyway",
               dp_sock_welcomes(a->sub), ntaps);
    }

    long watch_s = STACK_WATCH_S;
    const char *watch_env = getenv("DP_WATCH_S");
    if (watch_env && dp_parse_long(watch_env, 1, 86400, &watch_s) < 0)
        watch_s = STACK_WATCH_S;
    long long resend_ms = 2LL * watch_s * 1000;
    int restarts = a->runner ? runner_restarts(a->runner) : 0;
    long long last_heard = dp_service_now_ms();
    size_t next = 0;
    while (!dp_service_interrupted()) {
        for (size_t i = 0; i < a->nslots && next < n; i++)
            if (!a->slots[i].busy && s_ask_next(a, &a->slots[i], next++))
                last_heard = dp_service_now_ms();
        if (next == n && s_busy(a) == 0)
            break;
        s_expire(a, timeout_s);
        if (a->runner)
            runner_tick(a->runner);
        bool quiet = dp_service_now_ms() - last_heard > resend_ms;
        bool restarted = a->runner && runner_restarts(a->runner) != restarts;
        if (restarted || quiet) {
            /* A service died and came back, or nothing came for a while
             * (Redis restarted and lost its last second): the requests or
             * their events may be gone. Asking again, with every event
             * sent again, is safe, since every stage is idempotent. */
            restarts = a->runner ? runner_restarts(a->runner) : 0;
            last_heard = dp_service_now_ms();
            s_ask_again(a);
        }
        if (sink->tick)
            sink->tick(sink->arg);
        dp_msg_t msg;
        if (dp_msg_recv(a->sub, &subject, &frame, DP_PROTO_MAX_FRAME,
                        STACK_TICK_MS, &msg, NULL) < 0)
            continue;
        if (s_take(a, &msg))
            last_heard = dp_service_now_ms();
        dp_msg_clear(&msg);
    }
    if (dp_service_interrupted() && (next < n || s_busy(a) > 0))
        rc = DP_EAGAIN;
    else
        rc = a->failed ? DP_EIO : 0;
out:
    dp_buf_free(&subject);
    dp_buf_free(&frame);
    dp_bus_destroy(&bus);
    dp_free(a->slots);
    return rc;
}

int stack_request(stack_t *self, const stack_window_t *windows, size_t n,
                  size_t in_flight, long timeout_s, const stack_sink_t *sink)
{
    assert(self && (windows || n == 0) && sink && sink->done);
    assert(in_flight > 0 && timeout_s > 0);
    const char *d = self->sock_dir;
    char *taps = s_taps(d);
    char *ctl = dp_asprintf(">ipc://%s/%s", d, s_sockets[0]);
    s_asker_t a = {.runner = self->runner,
                   .ctl = ctl,
                   .taps = taps,
                   .windows = windows,
                   .sink = sink};
    int rc = s_request(&a, n, in_flight, timeout_s);
    dp_free(ctl);
    dp_free(taps);
    return rc;
}

int stack_request_at(const stack_ends_t *ends, const stack_window_t *windows,
                     size_t n, size_t in_flight, long timeout_s,
                     const stack_sink_t *sink)
{
    assert(ends && ends->ctl && ends->taps);
    assert((windows || n == 0) && sink && sink->done);
    assert(in_flight > 0 && timeout_s > 0);
    s_asker_t a = {
        .ctl = ends->ctl, .taps = ends->taps, .windows = windows, .sink = sink};
    return s_request(&a, n, in_flight, timeout_s);
}

/* ==== A stack started elsewhere ==== */

int stack_ends_of_state(const char *state_dir, stack_ends_t *ends, char *err,
                        size_t errlen)
{
    assert(state_dir && ends && err);
    memset(ends, 0, sizeof *ends);
    char *bus = dp_asprintf("%s/%s", state_dir, RUNNER_BUS_DIR);
    char *ctl = dp_asprintf("%s/%s", bus, s_sockets[0]);
    struct stat st;
    int rc = 0;
    if (stat(ctl, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen,
                 "no devpulse up runs on %s (no %s; start it with devpulse "
                 "up --state %s, or name the endpoints)",
                 state_dir, ctl, state_dir);
        rc = DP_ENOTFOUND;
        goto out;
    }
    ends->ctl = dp_asprintf(">ipc://%s", ctl);
    ends->taps = s_taps(bus);
    char *key = dp_asprintf("%s/%s", state_dir, STACK_KEY_FILE);
    if (!s_env_keys() && access(key, F_OK) == 0)
        ends->keyfile = key;
    else
        dp_free(key);
out:
    dp_free(ctl);
    dp_free(bus);
    return rc;
}

void stack_ends_clear(stack_ends_t *ends)
{
    assert(ends);
    dp_free(ends->ctl);
    dp_free(ends->taps);
    dp_free(ends->keyfile);
    memset(ends, 0, sizeof *ends);
}
