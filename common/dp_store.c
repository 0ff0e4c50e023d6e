/* dp_store.c - Redis access through hiredis, with reconnection and batches */
/* SPDX-License-Identifier: MIT */
#include "dp_store.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_config.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_tls.h"

#define DP_STORE_TIMEOUT_MS 5000
#define DP_STORE_HOST_MAX 256
#define DP_STORE_QUEUE_KEEP (1024 * 1024) /* batch buffer kept for reuse */
#define DP_STORE_RESP_HEAD 32             /* "*<argc>\r\n" or "$<len>\r\n" */

struct dp_store_t {
    redisContext *ctx; /* NULL while disconnected */
    char *host;        /* TCP host, or NULL for a unix socket */
    int port;          /* TCP port */
    char *path;        /* unix socket path */
    char *user;        /* ACL user, or NULL */
    char *password;    /* AUTH password, or NULL; never logged */
    long db;           /* SELECT index */
    bool tls;          /* rediss://: through a dp_tls tunnel */
    dp_tls_t *tunnel;  /* the tunnel of the current connection */
    dp_buf_t queue;    /* the commands of a batch, in Redis's protocol, kept
                          so the batch can be resent after reconnecting */
    size_t nqueue;     /* commands in queue */
    long long ping_at; /* monotonic ms of the next dp_store_keepalive PING */
};

/* ==== URL parsing ==== */

static int s_parse_url(dp_store_t *self, const char *url, char *err,
                       size_t errlen)
{
    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7;
        const char *q = strchr(path, '?');
        self->path = dp_strndup(path, q ? (size_t)(q - path) : strlen(path));
        if (q && strncmp(q, "?db=", 4) == 0 &&
            dp_parse_long(q + 4, 0, 1000000, &self->db) < 0) {
            snprintf(err, errlen, "redis URL: bad database number");
            return DP_ECONFIG;
        }
        if (!*self->path) {
            snprintf(err, errlen, "redis URL: unix:// needs a socket path");
            return DP_ECONFIG;
        }
        return 0;
    }
    self->tls = strncmp(url, "rediss://", 9) == 0;
    if (strncmp(url, "redis://", 8) != 0 && !self->tls) {
        /* Only the scheme is quoted: the rest may hold a password. */
        const char *colon = strstr(url, "://");
        snprintf(err, errlen,
                 "redis URL must start with redis://, rediss:// or unix:// "
                 "(got \"%.*s\")",
                 colon ? (int)(colon - url) + 3 : 0, url);
        return DP_ECONFIG;
    }
    const char *p = url + (self->tls ? 9 : 8);
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon) {
            if (colon > p)
                self->user = dp_strndup(p, (size_t)(colon - p));
            self->password = dp_strndup(colon + 1, (size_t)(at - colon - 1));
        } else {
            self->password = dp_strndup(p, (size_t)(at - p));
        }
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    size_t hostlen = slash ? (size_t)(slash - p) : strlen(p);
    char hostport[DP_STORE_HOST_MAX];
    if (hostlen == 0 || hostlen >= sizeof hostport) {
        snprintf(err, errlen, "redis URL: missing or over-long host");
        return DP_ECONFIG;
    }
    memcpy(hostport, p, hostlen);
    hostport[hostlen] = '\0';
    long port = 6379;
    char *colon = strrchr(hostport, ':');
    if (colon) {
        *colon = '\0';
        if (dp_parse_long(colon + 1, 1, 65535, &port) < 0) {
            snprintf(err, errlen, "redis URL: bad port \"%s\"", colon + 1);
            return DP_ECONFIG;
        }
    }
    self->host = dp_strdup(hostport);
    self->port = (int)port;
    if (slash && slash[1] && dp_parse_long(slash + 1, 0, 1000000, &self->db)) {
        snprintf(err, errlen, "redis URL: bad database number");
        return DP_ECONFIG;
    }
    return 0;
}

/* ==== Connection ==== */

static void s_disconnect(dp_store_t *self)
{
    if (self->ctx)
        redisFree(self->ctx); /* closes the tunnel's plain end */
    self->ctx = NULL;
    dp_tls_destroy(&self->tunnel);
}

static bool s_reply_ok(redisReply *r)
{
    return r && r->type != REDIS_REPLY_ERROR;
}

static int s_connect(dp_store_t *self)
{
    if (self->ctx)
        return 0;
    struct timeval tv = {DP_STORE_TIMEOUT_MS / 1000,
                         (DP_STORE_TIMEOUT_MS % 1000) * 1000};
    const char *where = self->path ? self->path : self->host;
    redisContext *c = NULL;
    if (self->tls) {
        char err[256];
        const char *ca = getenv("DP_REDIS_CA");
        self->tunnel =
            dp_tls_connect(self->host, self->port, ca && *ca ? ca : NULL,
                           DP_STORE_TIMEOUT_MS, err, sizeof err);
        if (!self->tunnel) {
            dp_metrics_redis(false);
            dp_log(DP_LOG_WARN, "redis %s: %s", where, err);
            return DP_EREDIS;
        }
        c = redisConnectFd(dp_tls_fd(self->tunnel));
    } else if (self->path) {
        c = redisConnectUnixWithTimeout(self->path, tv);
    } else {
        c = redisConnectWithTimeout(self->host, self->port, tv);
    }
    if (!c || c->err) {
        dp_metrics_redis(false);
        dp_log(DP_LOG_WARN, "redis %s: %s", where,
               c ? c->errstr : "cannot allocate context");
        if (c)
            redisFree(c);
        dp_tls_destroy(&self->tunnel);
        return DP_EREDIS;
    }
    redisSetTimeout(c, tv);
    self->ctx = c;
    redisReply *r = NULL;
    if (self->password) {
        if (self->user)
            r = redisCommand(c, "AUTH %s %s", self->user, self->password);
        else
            r = redisCommand(c, "AUTH %s", self->password);
        if (!s_reply_ok(r)) {
            /* The reply text names no secret; the password is not logged. */
            dp_log(DP_LOG_ERROR, "redis %s: AUTH refused", where);
            goto fail;
        }
        freeReplyObject(r);
    }
    if (self->db) {
        r = redisCommand(c, "SELECT %ld", self->db);
        if (!s_reply_ok(r)) {
            dp_log(DP_LOG_ERROR, "redis %s: SELECT %ld failed", where,
                   self->db);
            goto fail;
        }
        freeReplyObject(r);
    }
    return 0;
fail:
    dp_metrics_redis(false);
    if (r)
        freeReplyObject(r);
    s_disconnect(self);
    return DP_EREDIS;
}

dp_store_t *dp_store_new(const char *url, char *err, size_t errlen)
{
    assert(url);
    dp_store_t *self = dp_calloc(1, sizeof *self);
    if (s_parse_url(self, url, err, errlen) < 0) {
        dp_store_destroy(&self);
        return NULL;
    }
    if (!self->password && getenv("REDIS_PASSWORD") &&
        *getenv("REDIS_PASSWORD"))
        self->password = dp_strdup(getenv("REDIS_PASSWORD"));
    if (s_connect(self) < 0)
        dp_log(DP_LOG_WARN, "redis not reachable yet; will retry");
    return self;
}

static void s_clear_queue(dp_store_t *self)
{
    if (self->queue.cap > DP_STORE_QUEUE_KEEP)
        dp_buf_free(&self->queue); /* a rare large batch */
    dp_buf_reset(&self->queue);
    self->nqueue = 0;
}

void dp_store_destroy(dp_store_t **self_p)
{
    assert(self_p);
    dp_store_t *self = *self_p;
    if (!self)
        return;
    s_disconnect(self);
    dp_buf_free(&self->queue);
    dp_free(self->host);
    dp_free(self->path);
    dp_free(self->user);
    if (self->password)
        memset(self->password, 0, strlen(self->password));
    dp_free(self->password);
    dp_free(self);
    *self_p = NULL;
}

/* ==== Commands ==== */

redisReply *dp_store_command(dp_store_t *self, int argc, const char **argv,
                             const size_t *lens)
{
    assert(self && argc > 0 && argv);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s_connect(self) < 0)
            continue;
        redisReply *r = redisCommandArgv(self->ctx, argc, argv, lens);
        dp_metrics_redis(r != NULL);
        if (r)
            return r;
        dp_log(DP_LOG_WARN, "redis %s: %s", argv[0], self->ctx->errstr);
        s_disconnect(self);
    }
    return NULL;
}

void dp_store_append(dp_store_t *self, int argc, const char **argv,
                     const size_t *lens)
{
    assert(self && argc > 0 && argv);
    /* Written out at once as the protocol has it (what hiredis would
     * format at the flush): one buffer for the whole batch. */
    char head[DP_STORE_RESP_HEAD];
    int n = snprintf(head, sizeof head, "*%d\r\n", argc);
    dp_buf_append(&self->queue, head, (size_t)n);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        n = snprintf(head, sizeof head, "$%zu\r\n", len);
        dp_buf_reserve(&self->queue, (size_t)n + len + 2);
        dp_buf_append(&self->queue, head, (size_t)n);
        dp_buf_append(&self->queue, argv[i], len);
        dp_buf_append(&self->queue, "\r\n", 2);
    }
    self->nqueue++;
}

size_t dp_store_pending(dp_store_t *self)
{
    assert(self);
    return self->nqueue;
}

static int s_run_batch(dp_store_t *self, redisReply **replies)
{
    if (redisAppendFormattedCommand(self->ctx, self->queue.data,
                                    self->queue.len) != REDIS_OK) {
        dp_log(DP_LOG_WARN, "redis batch: %s", self->ctx->errstr);
        return DP_EREDIS;
    }
    for (size_t i = 0; i < self->nqueue; i++) {
        void *r = NULL;
        if (redisGetReply(self->ctx, &r) != REDIS_OK || !r) {
            dp_log(DP_LOG_WARN, "redis batch: %s", self->ctx->errstr);
            for (size_t j = 0; j < i; j++) {
                freeReplyObject(replies[j]);
                replies[j] = NULL;
            }
            return DP_EREDIS;
        }
        replies[i] = r;
    }
    return (int)self->nqueue;
}

int dp_store_flush(dp_store_t *self, redisReply **replies, size_t max)
{
    assert(self && replies);
    assert(max >= self->nqueue);
    (void)max;
    int rc = DP_EREDIS;
    if (self->nqueue == 0)
        return 0;
    for (int attempt = 0; attempt < 2 && rc < 0; attempt++) {
        if (s_connect(self) < 0)
            continue;
        rc = s_run_batch(self, replies);
        dp_metrics_redis(rc >= 0);
        if (rc < 0)
            s_disconnect(self);
    }
    s_clear_queue(self);
    return rc;
}

void dp_store_key(char *buf, size_t size, const char *fmt, ...)
{
    int n = snprintf(buf, size, "%s", DP_STORE_PREFIX);
    if (n < 0 || (size_t)n >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - (size_t)n, fmt, ap);
    va_end(ap);
}

int dp_store_get(dp_store_t *self, const char *key, dp_buf_t *out)
{
    const char *argv[] = {"GET", key};
    return dp_store_fetch(self, 2, argv, out);
}

int dp_store_fetch(dp_store_t *self, int argc, const char **argv, dp_buf_t *out)
{
    redisReply *r = dp_store_command(self, argc, argv, NULL);
    int rc = DP_EREDIS;
    if (!r)
        return rc;
    if (r->type == REDIS_REPLY_NIL) {
        rc = DP_ENOTFOUND;
    } else if (r->type == REDIS_REPLY_STRING) {
        dp_buf_reset(out);
        dp_buf_append(out, r->str, r->len);
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

int dp_store_set(dp_store_t *self, const char *key, const void *val, size_t len,
                 long ttl_s)
{
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", ttl_s);
    const char *argv[] = {"SET", key, val, "EX", ttl};
    size_t lens[] = {3, strlen(key), len, 2, strlen(ttl)};
    redisReply *r = dp_store_command(self, ttl_s > 0 ? 5 : 3, argv, lens);
    int rc = s_reply_ok(r) ? 0 : DP_EREDIS;
    if (r)
        freeReplyObject(r);
    return rc;
}

bool dp_store_ping(dp_store_t *self)
{
    const char *argv[] = {"PING"};
    redisReply *r = dp_store_command(self, 1, argv, NULL);
    bool ok = s_reply_ok(r);
    if (r)
        freeReplyObject(r);
    return ok;
}

void dp_store_keepalive(dp_store_t *self, long ms)
{
    if (!self)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (now < self->ping_at)
        return;
    self->ping_at = now + ms;
    (void)dp_store_ping(self);
}
