/* dp_consumer.c - a consumer of the renderers' REPORT taps: each report
 * delivered once to each of its sinks */
/* SPDX-License-Identifier: MIT */
#include "dp_consumer.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "dp_bus.h"
#include "dp_httpd.h"
#include "dp_ledger.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"

#define CONSUMER_SUBJECT "report."
#define CONSUMER_QUEUE_MAX 4096 /* deliveries waiting for a retry */
#define CONSUMER_STATE_MAX 16

/* One delivery of a report to a sink that waits for its next try. */
typedef struct {
    dp_msg_t msg;     /* the REPORT, owned */
    size_t sink;      /* index into sinks */
    long tries;       /* tries made */
    long long due_ms; /* when to try again (dp_service_now_ms) */
    bool claimed;     /* this consumer holds the claim */
} s_delivery_t;

struct dp_consumer_t {
    dp_consumer_cfg_t cfg; /* strings copied below */
    char *repos;
    dp_sink_t *sinks;
    size_t nsinks;
    dp_store_t *store;
    dp_bus_t *bus;
    dp_sock_t *sub;
    s_delivery_t *queue; /* deliveries waiting for a retry */
    size_t nqueue, capqueue;
    dp_buf_t subject, payload;
    dp_consumer_stats_t stats;
    char cursor[DP_LEDGER_REPORTS_CURSOR]; /* reports log read up to here */
    long long next_poll_ms, next_sweep_ms; /* when to read it next */
};

/* ==== Subjects ==== */

bool dp_consumer_subject_match(const char *subject, const char *repos)
{
    assert(subject && repos);
    size_t plen = strlen(CONSUMER_SUBJECT);
    if (strncmp(subject, CONSUMER_SUBJECT, plen) != 0)
        return false;
    const char *repo = subject + plen;
    if (!dp_repo_valid(repo))
        return false;
    if (repos[0] == '\0' || strcmp(repos, "*") == 0)
        return true;
    size_t rlen = strlen(repo);
    const char *p = repos;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == rlen && strncmp(p, repo, n) == 0)
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

/* ==== Configuration ==== */

/* A name made once per process from svc (upper-cased for environment
 * variables); kept for the life of the process, as option tables borrow
 * their names. */
static const char *s_name(const char *pre, const char *svc, const char *suf,
                          bool upper)
{
    char *s = dp_asprintf("%s%s%s", pre, svc, suf);
    for (char *p = s; upper && *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    static char *kept[2 * DP_CONSUMER_NOPTS];
    static size_t nkept;
    for (size_t i = 0; i < nkept; i++)
        if (strcmp(kept[i], s) == 0) {
            dp_free(s);
            return kept[i];
        }
    assert(nkept < sizeof kept / sizeof kept[0]);
    kept[nkept++] = s;
    return s;
}

void dp_consumer_options(dp_opt_t *opts, dp_consumer_opts_t *o, const char *svc)
{
    assert(opts && o && svc);
    dp_opt_t t[DP_CONSUMER_NOPTS] = {
        {s_name("", svc, "_reports", false),
         s_name("DP_", svc, "_REPORTS", true), "--reports", DP_OPT_STR,
         &o->reports, ">tcp://127.0.0.1:7401", 0, 0, NULL, false,
         "SUB endpoints of the renderers' report taps"},
        {s_name("", svc, "_repos", false), s_name("DP_", svc, "_REPOS", true),
         "--repos", DP_OPT_STR, &o->repos, "*", 0, 0, NULL, false,
         "repositories, owner/name,... (* for every one)"},
        {"redis_url", "REDIS_URL", "--redis-url", DP_OPT_STR, &o->redis_url,
         "redis://127.0.0.1:6379", 0, 0, NULL, false,
         "Redis URL: delivery markers"},
        {"log_level", "DP_LOG_LEVEL", "--log-level", DP_OPT_ENUM, &o->log_level,
         "info", 0, 0, "debug|info|warn|error", false, "log level"},
        {"claim_s", s_name("DP_", svc, "_CLAIM_S", true), "--claim-s",
         DP_OPT_INT, &o->claim_s, "600", 10, 86400, NULL, false,
         "seconds a delivery stays claimed by a consumer that died"},
        {"tries", s_name("DP_", svc, "_TRIES", true), "--tries", DP_OPT_INT,
         &o->tries, "6", 1, 100, NULL, false, "tries per report and sink"},
        {"backoff_ms", s_name("DP_", svc, "_BACKOFF_MS", true), "--backoff-ms",
         DP_OPT_INT, &o->backoff_ms, "2000", 0, 3600000, NULL, false,
         "wait before the first retry, doubled per try"},
        {"backoff_max_ms", s_name("DP_", svc, "_BACKOFF_MAX_MS", true),
         "--backoff-max-ms", DP_OPT_INT, &o->backoff_max_ms, "300000", 0,
         86400000, NULL, false, "longest wait between tries"},
        {"max_frame", "DP_MAX_FRAME", "--max-frame", DP_OPT_INT, &o->max_frame,
         "16777216", 1024, 1073741824, NULL, false, "largest bus frame"},
        {"catchup_s", s_name("DP_", svc, "_CATCHUP_S", true), "--catchup-s",
         DP_OPT_INT, &o->catchup_s, "86400", 0, 31 * 86400L, NULL, false,
         "reports log read back this far on start and on sweeps (0: never)"},
        {"catchup_poll_ms", s_name("DP_", svc, "_CATCHUP_POLL_MS", true),
         "--catchup-poll-ms", DP_OPT_INT, &o->catchup_poll_ms, "5000", 100,
         3600000, NULL, false, "how often the reports log is read"},
        DP_HTTPD_OPT(&o->http),
    };
    memcpy(opts, t, sizeof t);
}

dp_consumer_cfg_t dp_consumer_cfg(const dp_consumer_opts_t *o)
{
    assert(o);
    dp_consumer_cfg_t cfg = {
        .reports = o->reports,
        .repos = o->repos,
        .redis_url = o->redis_url,
        .claim_s = o->claim_s,
        .tries = o->tries,
        .backoff_ms = o->backoff_ms,
        .backoff_max_ms = o->backoff_max_ms,
        .max_frame = o->max_frame,
        .catchup_s = o->catchup_s,
        .catchup_poll_ms = o->catchup_poll_ms,
    };
    return cfg;
}

char *dp_consumer_relpath(const char *out_dir, const char *path)
{
    assert(out_dir && path);
    char *root = realpath(out_dir, NULL);
    char *real = realpath(path, NULL);
    char *rel = NULL;
    struct stat st;
    if (!root || !real || stat(real, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/')
        n = 0;
    if (strncmp(real, root, n) == 0 && real[n] == '/' && real[n + 1])
        rel = dp_strdup(real + n + 1);
out:
    free(real);
    free(root);
    return rel;
}

/* Subscribes to "report.REPO" for each configured repository, or to
 * "report." for all. 0 or DP_ECONFIG for a malformed list. */
static int s_subscribe(dp_consumer_t *self)
{
    const char *repos = self->repos;
    if (repos[0] == '\0' || strcmp(repos, "*") == 0)
        return dp_sock_subscribe(self->sub, CONSUMER_SUBJECT) < 0 ? DP_EBUS : 0;
    const char *p = repos;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *repo = dp_strndup(p, n);
        char *subject = dp_asprintf("%s%s", CONSUMER_SUBJECT, repo);
        int rc = dp_repo_valid(repo) ? 0 : DP_ECONFIG;
        if (rc < 0)
            dp_log(DP_LOG_ERROR, "repositories: \"%s\" is not owner/name",
                   repo);
        else if (dp_sock_subscribe(self->sub, subject) < 0)
            rc = DP_EBUS;
        dp_free(subject);
        dp_free(repo);
        if (rc < 0)
            return rc;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* ==== Life ==== */

dp_consumer_t *dp_consumer_new(const dp_consumer_cfg_t *cfg,
                               const dp_sink_t *sinks, size_t n)
{
    assert(cfg && cfg->reports && cfg->redis_url && sinks && n > 0);
    assert(cfg->claim_s > 0 && cfg->tries >= 1 && cfg->backoff_ms >= 0);
    dp_consumer_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->repos = dp_strdup(cfg->repos ? cfg->repos : "");
    self->sinks = dp_calloc(n, sizeof *self->sinks);
    memcpy(self->sinks, sinks, n * sizeof *sinks);
    self->nsinks = n;
    char err[256];
    self->store = dp_store_new(cfg->redis_url, err, sizeof err);
    if (!self->store) {
        dp_log(DP_LOG_ERROR, "redis: %s", err);
        goto fail;
    }
    self->bus = dp_bus_new();
    if (!self->bus)
        goto fail;
    self->sub = dp_sock_new(self->bus, ZMQ_SUB, cfg->reports);
    if (!self->sub || s_subscribe(self) < 0)
        goto fail;
    return self;
fail:
    dp_consumer_destroy(&self);
    return NULL;
}

void dp_consumer_destroy(dp_consumer_t **self_p)
{
    assert(self_p);
    dp_consumer_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nqueue; i++) {
        s_delivery_t *d = &self->queue[i];
        if (d->claimed) {
            const dp_report_t *r = &d->msg.u.report;
            dp_ledger_win_t w = {r->repo, r->win_from, r->win_to, NULL};
            dp_ledger_unclaim(self->store, &w, r->revision,
                              self->sinks[d->sink].name);
        }
        dp_msg_clear(&d->msg);
    }
    dp_free(self->queue);
    dp_sock_destroy(&self->sub);
    dp_bus_destroy(&self->bus);
    dp_store_destroy(&self->store);
    dp_buf_free(&self->subject);
    dp_buf_free(&self->payload);
    dp_free(self->sinks);
    dp_free(self->repos);
    dp_free(self);
    *self_p = NULL;
}

dp_consumer_stats_t dp_consumer_stats(const dp_consumer_t *self)
{
    assert(self);
    dp_consumer_stats_t s = self->stats;
    s.queued = self->nqueue;
    return s;
}

/* ==== Deliveries ==== */

/* The wait before try number tries + 1: the sink's retry-after when it
 * named one, else backoff_ms doubled per try; at most backoff_max_ms. */
static long long s_wait_ms(const dp_consumer_t *self, long tries, long retry_s)
{
    long long max = self->cfg.backoff_max_ms > 0 ? self->cfg.backoff_max_ms
                                                 : self->cfg.backoff_ms;
    long long wait = self->cfg.backoff_ms;
    for (long i = 1; i < tries && wait < max; i++)
        wait *= 2;
    if (retry_s > 0)
        wait = (long long)retry_s * 1000;
    return wait < max ? wait : max;
}

/* Keeps d (moved: d is left empty) for a try after wait_ms. */
static void s_queue(dp_consumer_t *self, s_delivery_t *d, long long wait_ms)
{
    const dp_report_t *r = &d->msg.u.report;
    if (self->nqueue >= CONSUMER_QUEUE_MAX) {
        dp_log(DP_LOG_WARN,
               "%s: %" PRId64 "..%" PRId64 " revision %" PRId64
               ": retry queue full; left to a later delivery",
               r->repo, r->win_from, r->win_to, r->revision);
        if (d->claimed) {
            dp_ledger_win_t w = {r->repo, r->win_from, r->win_to, NULL};
            dp_ledger_unclaim(self->store, &w, r->revision,
                              self->sinks[d->sink].name);
        }
        dp_msg_clear(&d->msg);
        return;
    }
    if (self->nqueue == self->capqueue) {
        self->capqueue = self->capqueue ? self->capqueue * 2 : 8;
        self->queue =
            dp_realloc(self->queue, self->capqueue * sizeof *self->queue);
    }
    d->due_ms = dp_service_now_ms() + wait_ms;
    self->queue[self->nqueue++] = *d;
    memset(d, 0, sizeof *d);
}

/* Tries one delivery; what is left to try later goes to the queue. d's
 * message is moved or freed. */
static void s_attempt(dp_consumer_t *self, s_delivery_t *d)
{
    const dp_report_t *r = &d->msg.u.report;
    const dp_sink_t *sink = &self->sinks[d->sink];
    dp_ledger_win_t w = {r->repo, r->win_from, r->win_to, NULL};
    if (!d->claimed) {
        char state[CONSUMER_STATE_MAX] = "";
        int rc = dp_ledger_claim(self->store, &w, r->revision, sink->name,
                                 self->cfg.claim_s, state, sizeof state);
        if (rc == DP_EREDIS) {
            d->tries++;
            dp_log(DP_LOG_WARN,
                   "%s: %s revision %" PRId64
                   ": redis cannot answer; trying again later",
                   sink->name, r->repo, r->revision);
            s_queue(self, d, s_wait_ms(self, d->tries, 0));
            goto out;
        }
        if (rc == 0) {
            self->stats.skipped++;
            dp_log(DP_LOG_DEBUG,
                   "%s: %s %" PRId64 "..%" PRId64 " revision %" PRId64
                   ": %s already",
                   sink->name, r->repo, r->win_from, r->win_to, r->revision,
                   state[0] ? state : "claimed");
            goto out;
        }
        d->claimed = true;
    }
    long retry_s = 0;
    int rc = sink->deliver(sink->arg, r, &retry_s);
    d->tries++;
    int64_t now = dp_time_now();
    if (rc == 0) {
        self->stats.delivered++;
        if (dp_ledger_settle(self->store, &w, r->revision, sink->name, "done",
                             now) < 0)
            dp_log(DP_LOG_WARN, "%s: %s: delivered, but not marked so",
                   sink->name, r->repo);
        goto out;
    }
    if (rc == DP_EAGAIN && d->tries < self->cfg.tries &&
        !dp_service_interrupted()) {
        long long wait = s_wait_ms(self, d->tries, retry_s);
        self->stats.retries++;
        if (dp_ledger_claim_renew(self->store, &w, r->revision, sink->name,
                                  self->cfg.claim_s + (long)(wait / 1000)) < 0)
            dp_log(DP_LOG_WARN, "%s: could not renew the claim", sink->name);
        dp_log(DP_LOG_INFO,
               "%s: %s revision %" PRId64 ": try %ld failed; next in %lld ms",
               sink->name, r->repo, r->revision, d->tries, wait);
        s_queue(self, d, wait);
        goto out;
    }
    if (rc == DP_EAGAIN && dp_service_interrupted()) {
        dp_ledger_unclaim(self->store, &w, r->revision, sink->name);
        goto out;
    }
    self->stats.failed++;
    dp_log(DP_LOG_ERROR,
           "%s: %s %" PRId64 "..%" PRId64 " revision %" PRId64
           ": given up after %ld tries",
           sink->name, r->repo, r->win_from, r->win_to, r->revision, d->tries);
    if (dp_ledger_settle(self->store, &w, r->revision, sink->name, "failed",
                         now) < 0)
        dp_log(DP_LOG_WARN, "%s: %s: could not mark the failure", sink->name,
               r->repo);
out:
    dp_msg_clear(&d->msg);
}

/* Runs the retries that are due. */
static void s_run_due(dp_consumer_t *self)
{
    long long now = dp_service_now_ms();
    size_t i = 0;
    while (i < self->nqueue && !dp_service_interrupted()) {
        if (self->queue[i].due_ms > now) {
            i++;
            continue;
        }
        s_delivery_t d = self->queue[i];
        self->queue[i] = self->queue[--self->nqueue];
        s_attempt(self, &d);
    }
}

/* Decodes and checks one REPORT frame, received under subject (NULL: read
 * from the reports log); hands it to every sink. */
static void s_handle(dp_consumer_t *self, const char *subject, const char *data,
                     size_t len)
{
    if (subject && !dp_consumer_subject_match(subject, self->repos)) {
        self->stats.ignored++;
        return;
    }
    dp_msg_t msg;
    char err[256];
    if (dp_msg_decode(data, len, (size_t)self->cfg.max_frame, &msg, err,
                      sizeof err) < 0) {
        self->stats.refused++;
        dp_log(DP_LOG_WARN, "%s: refused frame: %s",
               subject ? subject : "reports log", err);
        return;
    }
    const dp_report_t *r = &msg.u.report;
    char *own = NULL;
    if (!subject && msg.type == DP_MSG_REPORT && r->repo) {
        own = dp_asprintf("%s%s", CONSUMER_SUBJECT, r->repo);
        if (!dp_consumer_subject_match(own, self->repos)) {
            self->stats.ignored++;
            goto out;
        }
        subject = own;
    }
    if (!subject || msg.type != DP_MSG_REPORT || !r->repo ||
        strcmp(r->repo, subject + strlen(CONSUMER_SUBJECT)) != 0 ||
        r->win_to <= r->win_from || r->revision < 1) {
        self->stats.ignored++;
        dp_log(DP_LOG_WARN, "%s: not a REPORT of that repository; ignored",
               subject ? subject : "reports log");
        goto out;
    }
    self->stats.received++;
    dp_log(DP_LOG_DEBUG,
           "%s: report %" PRId64 "..%" PRId64 " revision %" PRId64 " %s",
           r->repo, r->win_from, r->win_to, r->revision,
           own ? "in the reports log" : "received");
    for (size_t i = 0; i < self->nsinks; i++) {
        s_delivery_t d;
        memset(&d, 0, sizeof d);
        dp_msg_copy(&d.msg, &msg);
        d.sink = i;
        s_attempt(self, &d);
    }
out:
    dp_free(own);
    dp_msg_clear(&msg);
}

/* A report read from the log. */
static void s_logged(void *arg, const char *frame, size_t len)
{
    dp_consumer_t *self = arg;
    self->stats.logged++;
    s_handle(self, NULL, frame, len);
}

#define CONSUMER_LOG_PAGE 256 /* reports read from the log at once */

/* Reads the reports log when it is due: what is new, or, on a sweep,
 * everything of the last catchup_s again. */
static void s_catch_up(dp_consumer_t *self)
{
    if (self->cfg.catchup_s <= 0)
        return;
    long long now = dp_service_now_ms();
    if (now >= self->next_sweep_ms) {
        dp_ledger_reports_cursor(self->cursor, sizeof self->cursor,
                                 dp_time_now() - self->cfg.catchup_s);
        self->next_sweep_ms = now + self->cfg.claim_s * 1000LL;
        self->next_poll_ms = now;
    }
    if (now < self->next_poll_ms)
        return;
    self->next_poll_ms = now + self->cfg.catchup_poll_ms;
    int n;
    do {
        n = dp_ledger_reports_read(self->store, self->cursor, CONSUMER_LOG_PAGE,
                                   s_logged, self);
        if (n == DP_EREDIS)
            dp_log(DP_LOG_WARN, "the reports log cannot be read now");
    } while (n == CONSUMER_LOG_PAGE && !dp_service_interrupted());
}

int dp_consumer_step(dp_consumer_t *self, int timeout_ms)
{
    assert(self);
    long long now = dp_service_now_ms();
    if (self->cfg.catchup_s > 0 && self->next_poll_ms - now < timeout_ms)
        timeout_ms =
            self->next_poll_ms > now ? (int)(self->next_poll_ms - now) : 0;
    for (size_t i = 0; i < self->nqueue; i++) {
        long long left = self->queue[i].due_ms - now;
        if (left < timeout_ms)
            timeout_ms = left > 0 ? (int)left : 0;
    }
    int rc = dp_sock_recv(self->sub, &self->subject, &self->payload,
                          (size_t)self->cfg.max_frame, timeout_ms);
    if (rc == 0)
        s_handle(self, self->subject.data ? self->subject.data : "",
                 self->payload.data, self->payload.len);
    else if (rc == DP_ETOOBIG)
        self->stats.refused++;
    else if (rc != DP_EAGAIN && rc != DP_EPROTO)
        return DP_EBUS;
    s_run_due(self);
    s_catch_up(self);
    return 0;
}

int dp_consumer_run(dp_consumer_t *self)
{
    assert(self);
    while (!dp_service_interrupted()) {
        int rc = dp_consumer_step(self, 1000);
        if (rc < 0) {
            dp_log(DP_LOG_ERROR, "receive failed; stopping");
            return rc;
        }
    }
    return 0;
}
