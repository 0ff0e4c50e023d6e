/* dp_store.c - Redis access through hiredis, with reconnection and batches */
/* SPDX-License-Identifier: MIT */
#include "dp_store.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dp_config.h"
#include "dp_fs.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_service.h"
#include "dp_tls.h"

#define DP_STORE_TIMEOUT_MS 5000
#define DP_STORE_HOST_MAX 256
#define DP_STORE_TRYAGAIN_MS 20 /* wait before a TRYAGAIN is sent again */
#define DP_STORE_WIRE_KEEP (1u << 20) /* largest batch buffer kept */
#define DP_STORE_START_MS 250 /* quiet connection attempts at start */
#define DP_STORE_START_STEP_MS 5

/* A command in the wire format (RESP), at off in its buffer; a queued one
 * is kept so a batch can be resent after reconnecting. */
typedef struct {
    size_t off, len;
} s_cmd_t;

/* One Redis server: the URL's, or a node of a cluster. */
typedef struct {
    char *host;        /* TCP host, or NULL for the URL's unix socket */
    int port;          /* TCP port */
    redisContext *ctx; /* NULL while disconnected */
    dp_tls_t *tunnel;  /* the tunnel of the current connection */
} s_node_t;

/* Where one command of a cluster batch goes, and whether it is answered. */
typedef struct {
    int node;    /* index in nodes, or -1: by the slot map */
    int slot;    /* its key's slot, or -1 */
    bool asking; /* send ASKING first (after an ASK redirect) */
    bool sent;   /* written in this round */
    bool done;   /* its reply is kept */
} s_route_t;

struct dp_store_t {
    s_node_t *nodes; /* [0, nseeds): the URL's; then those found */
    size_t nnodes, nseeds;
    char *path;     /* unix socket path */
    char *user;     /* ACL user, or NULL */
    char *password; /* AUTH password, or NULL; never logged */
    long db;        /* SELECT index */
    bool tls;       /* rediss://: through a dp_tls tunnel */
    bool cluster;   /* a Redis Cluster: route by slot */
    int *slots;     /* cluster: slot -> node index, -1 unknown */
    s_cmd_t *queue;  /* commands queued for a batch */
    size_t nqueue, capqueue;
    dp_buf_t wire; /* the queued commands, one after the other (RESP) */
    bool sent;     /* the queue is written to node 0 (dp_store_send) */
    bool quiet;    /* failed connections are not logged (dp_store_new) */
    long long ping_at; /* monotonic ms of the next dp_store_keepalive PING */
};

/* ==== Nodes ==== */

/* The index of the node host:port, added when it is new. */
static int s_node_at(dp_store_t *self, const char *host, size_t hostlen,
                     int port)
{
    for (size_t i = 0; i < self->nnodes; i++) {
        const s_node_t *n = &self->nodes[i];
        if (n->host && n->port == port && strlen(n->host) == hostlen &&
            memcmp(n->host, host, hostlen) == 0)
            return (int)i;
    }
    self->nodes =
        dp_realloc(self->nodes, (self->nnodes + 1) * sizeof *self->nodes);
    s_node_t *n = &self->nodes[self->nnodes];
    memset(n, 0, sizeof *n);
    n->host = dp_strndup(host, hostlen);
    n->port = port;
    return (int)self->nnodes++;
}

/* ==== URL parsing ==== */

/* Adds the seed node "host[:port]" of len bytes. */
static int s_parse_hostport(dp_store_t *self, const char *p, size_t len,
                            char *err, size_t errlen)
{
    char hostport[DP_STORE_HOST_MAX];
    if (len == 0 || len >= sizeof hostport) {
        snprintf(err, errlen, "redis URL: missing or over-long host");
        return DP_ECONFIG;
    }
    memcpy(hostport, p, len);
    hostport[len] = '\0';
    long port = 6379;
    char *colon = strrchr(hostport, ':');
    if (colon) {
        *colon = '\0';
        if (dp_parse_long(colon + 1, 1, 65535, &port) < 0) {
            snprintf(err, errlen, "redis URL: bad port \"%s\"", colon + 1);
            return DP_ECONFIG;
        }
    }
    if (!*hostport) {
        snprintf(err, errlen, "redis URL: missing host");
        return DP_ECONFIG;
    }
    (void)s_node_at(self, hostport, strlen(hostport), (int)port);
    return 0;
}

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
        self->nodes = dp_calloc(1, sizeof *self->nodes);
        self->nnodes = 1;
        return 0;
    }
    static const struct {
        const char *scheme;
        bool tls, cluster;
    } schemes[] = {{"redis://", false, false},
                   {"rediss://", true, false},
                   {"redis+cluster://", false, true},
                   {"rediss+cluster://", true, true}};
    const char *p = NULL;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i].scheme);
        if (strncmp(url, schemes[i].scheme, n) == 0) {
            p = url + n;
            self->tls = schemes[i].tls;
            self->cluster = schemes[i].cluster;
        }
    }
    if (!p) {
        /* Only the scheme is quoted: the rest may hold a password. */
        const char *colon = strstr(url, "://");
        snprintf(err, errlen,
                 "redis URL must start with redis://, rediss://, "
                 "redis+cluster://, rediss+cluster:// or unix:// "
                 "(got \"%.*s\")",
                 colon ? (int)(colon - url) + 3 : 0, url);
        return DP_ECONFIG;
    }
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
    const char *end = slash ? slash : p + strlen(p);
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        if (comma && !self->cluster) {
            snprintf(err, errlen,
                     "redis URL: a list of nodes needs "
                     "redis+cluster://");
            return DP_ECONFIG;
        }
        const char *stop = comma ? comma : end;
        if (s_parse_hostport(self, p, (size_t)(stop - p), err, errlen) < 0)
            return DP_ECONFIG;
        p = stop + 1;
    }
    self->nseeds = self->nnodes;
    if (slash && slash[1] && dp_parse_long(slash + 1, 0, 1000000, &self->db)) {
        snprintf(err, errlen, "redis URL: bad database number");
        return DP_ECONFIG;
    }
    if (self->cluster && self->db != 0) {
        snprintf(err, errlen, "redis URL: a cluster has database 0 only");
        return DP_ECONFIG;
    }
    return 0;
}

/* ==== Connection ==== */

static void s_disconnect(dp_store_t *self, int i)
{
    s_node_t *n = &self->nodes[i];
    if (n->ctx)
        redisFree(n->ctx); /* closes the tunnel's plain end */
    n->ctx = NULL;
    dp_tls_destroy(&n->tunnel);
}

static bool s_reply_ok(redisReply *r)
{
    return r && r->type != REDIS_REPLY_ERROR;
}

static int s_connect(dp_store_t *self, int i)
{
    assert(self->nodes && i >= 0 && (size_t)i < self->nnodes);
    s_node_t *n = &self->nodes[i];
    if (n->ctx)
        return 0;
    struct timeval tv = {DP_STORE_TIMEOUT_MS / 1000,
                         (DP_STORE_TIMEOUT_MS % 1000) * 1000};
    const char *where = n->host ? n->host : self->path;
    redisContext *c = NULL;
    if (self->tls) {
        char err[256];
        const char *ca = getenv("DP_REDIS_CA");
        n->tunnel = dp_tls_connect(n->host, n->port, ca && *ca ? ca : NULL,
                                   DP_STORE_TIMEOUT_MS, err, sizeof err);
        if (!n->tunnel) {
            if (!self->quiet)
                dp_log(DP_LOG_WARN, "redis %s: %s", where, err);
            return DP_EREDIS;
        }
        c = redisConnectFd(dp_tls_fd(n->tunnel));
    } else if (!n->host) {
        c = redisConnectUnixWithTimeout(self->path, tv);
    } else {
        c = redisConnectWithTimeout(n->host, n->port, tv);
    }
    if (!c || c->err) {
        if (!self->quiet)
            dp_log(DP_LOG_WARN, "redis %s:%d: %s", where, n->port,
                   c ? c->errstr : "cannot allocate context");
        if (c)
            redisFree(c);
        dp_tls_destroy(&n->tunnel);
        return DP_EREDIS;
    }
    redisSetTimeout(c, tv);
    n->ctx = c;
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
    if (r)
        freeReplyObject(r);
    s_disconnect(self, i);
    return DP_EREDIS;
}

/* The password of REDIS_PASSWORD_FILE: its first line, from a regular file
 * that others may not read. Stores a copy in *out. 0, or DP_ECONFIG with
 * err. */
static int s_password_file(const char *path, char **out, char *err,
                           size_t errlen)
{
    char text[1024];
    int rc = DP_ECONFIG;
    ssize_t n = dp_fs_read_secret(path, "REDIS_PASSWORD_FILE", 007, false, text,
                                  sizeof text, err, errlen);
    text[n > 0 ? strcspn(text, "\r\n") : 0] = '\0';
    if (n > 0 && text[0]) {
        *out = dp_strdup(text);
        rc = 0;
    } else if (n >= 0) {
        snprintf(err, errlen, "REDIS_PASSWORD_FILE %s: %s", path,
                 n == 0 ? "empty" : "no password");
    }
    explicit_bzero(text, sizeof text);
    return rc;
}

dp_store_t *dp_store_new(const char *url, char *err, size_t errlen)
{
    assert(url);
    dp_store_t *self = dp_calloc(1, sizeof *self);
    if (s_parse_url(self, url, err, errlen) < 0) {
        dp_store_destroy(&self);
        return NULL;
    }
    const char *env = getenv("REDIS_PASSWORD");
    const char *file = getenv("REDIS_PASSWORD_FILE");
    if (!self->password && env && *env)
        self->password = dp_strdup(env);
    else if (!self->password && file && *file &&
             s_password_file(file, &self->password, err, errlen) < 0) {
        dp_store_destroy(&self);
        return NULL;
    }
    /* A Redis started beside its services (devpulse report starts them
     * together) may not listen yet: it is asked again, quietly, for a
     * moment, then once aloud. */
    long long until = dp_service_now_ms() + DP_STORE_START_MS;
    self->quiet = true;
    int rc;
    while ((rc = s_connect(self, 0)) < 0 && dp_service_now_ms() < until &&
           dp_service_sleep_ms(DP_STORE_START_STEP_MS) == 0)
        ;
    self->quiet = false;
    if (rc < 0 && s_connect(self, 0) < 0) {
        dp_metrics_redis(false);
        dp_log(DP_LOG_WARN, "redis not reachable yet; will retry");
    }
    return self;
}

static void s_clear_queue(dp_store_t *self)
{
    self->nqueue = 0;
    if (self->wire.cap > DP_STORE_WIRE_KEEP)
        dp_buf_free(&self->wire); /* a rare big batch */
    dp_buf_reset(&self->wire);
}

/* Appends "<mark><n>\r\n", a header of the wire format. */
static void s_header(dp_buf_t *b, char mark, size_t n)
{
    dp_buf_append(b, &mark, 1);
    dp_buf_put_int(b, (long long)n);
    dp_buf_append(b, "\r\n", 2);
}

/* Appends a command to b in the wire format and describes it in cmd. */
static void s_format(dp_buf_t *b, int argc, const char **argv,
                     const size_t *lens, s_cmd_t *cmd)
{
    size_t off = b->len;
    s_header(b, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen(argv[i]);
        s_header(b, '$', len);
        dp_buf_append(b, argv[i], len);
        dp_buf_append(b, "\r\n", 2);
    }
    *cmd = (s_cmd_t){off, b->len - off};
}

void dp_store_destroy(dp_store_t **self_p)
{
    assert(self_p);
    dp_store_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->nnodes; i++) {
        s_disconnect(self, (int)i);
        dp_free(self->nodes[i].host);
    }
    dp_free(self->nodes);
    dp_free(self->slots);
    s_clear_queue(self);
    dp_free(self->queue);
    dp_buf_free(&self->wire);
    dp_free(self->path);
    dp_free(self->user);
    if (self->password)
        memset(self->password, 0, strlen(self->password));
    dp_free(self->password);
    dp_free(self);
    *self_p = NULL;
}

/* ==== Cluster: slots ==== */

/* CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), as Redis Cluster
 * hashes keys, a bit at a time: a key is short. */
static uint16_t s_crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

unsigned dp_store_slot(const char *key, size_t len)
{
    assert(key || len == 0);
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close && close > open + 1)
            return s_crc16(open + 1, (size_t)(close - open - 1)) %
                   DP_STORE_SLOTS;
    }
    return s_crc16(key, len) % DP_STORE_SLOTS;
}

int dp_store_command_slot(int argc, const char **argv, const size_t *lens)
{
    assert(argc > 0 && argv);
    static const char *const keyless[] = {
        "PING",   "INFO",   "FLUSHALL", "FLUSHDB", "DBSIZE", "KEYS",
        "SCAN",   "SCRIPT", "CLUSTER",  "CONFIG",  "TIME",   "ECHO",
        "CLIENT", "AUTH",   "SELECT",   "COMMAND", "ASKING", "READONLY"};
    for (size_t i = 0; i < sizeof keyless / sizeof keyless[0]; i++)
        if (strcasecmp(argv[0], keyless[i]) == 0)
            return -1;
    int k = 1;
    if (strcasecmp(argv[0], "EVAL") == 0 ||
        strcasecmp(argv[0], "EVALSHA") == 0 ||
        strcasecmp(argv[0], "FCALL") == 0) {
        long nkeys = 0;
        if (argc < 4 || dp_parse_long(argv[2], 1, INT_MAX, &nkeys) < 0)
            return -1;
        k = 3;
    }
    if (k >= argc)
        return -1;
    return (int)dp_store_slot(argv[k], lens ? lens[k] : strlen(argv[k]));
}

bool dp_store_clustered(const dp_store_t *self)
{
    assert(self);
    return self->cluster;
}

/* Reads one CLUSTER SLOTS reply into the slot map; asked is the node that
 * gave it (an empty address in it means that node's). */
static int s_read_slots(dp_store_t *self, int asked, const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return DP_EREDIS;
    for (size_t s = 0; s < DP_STORE_SLOTS; s++)
        self->slots[s] = -1;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER ||
            e->element[2]->type != REDIS_REPLY_ARRAY ||
            e->element[2]->elements < 2 ||
            e->element[2]->element[0]->type != REDIS_REPLY_STRING ||
            e->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
            continue;
        long long from = e->element[0]->integer, to = e->element[1]->integer;
        const redisReply *host = e->element[2]->element[0];
        long long port = e->element[2]->element[1]->integer;
        if (from < 0 || to >= DP_STORE_SLOTS || from > to || port < 1 ||
            port > 65535)
            continue;
        const char *h = host->str;
        size_t hlen = host->len;
        if (hlen == 0 || (hlen == 1 && h[0] == '?')) {
            h = self->nodes[asked].host;
            hlen = strlen(h);
        }
        int node = s_node_at(self, h, hlen, (int)port);
        for (long long s = from; s <= to; s++)
            self->slots[s] = node;
    }
    return 0;
}

/* Reads the slot map from the first node that answers CLUSTER SLOTS:
 * those connected first, then the others. 0 or DP_EREDIS. */
static int s_refresh(dp_store_t *self)
{
    if (!self->slots)
        self->slots = dp_calloc(DP_STORE_SLOTS, sizeof *self->slots);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < self->nnodes; i++) {
            if ((pass == 0) != (self->nodes[i].ctx != NULL))
                continue;
            if (s_connect(self, (int)i) < 0)
                continue;
            redisReply *r = redisCommand(self->nodes[i].ctx, "CLUSTER SLOTS");
            if (!r) {
                s_disconnect(self, (int)i);
                continue;
            }
            int rc = s_read_slots(self, (int)i, r);
            freeReplyObject(r);
            if (rc == 0)
                return 0;
        }
    }
    dp_log(DP_LOG_WARN, "redis cluster: no node gave its slots");
    return DP_EREDIS;
}

/* Turns the cluster mode on after a MOVED from the URL's node. */
static void s_become_cluster(dp_store_t *self)
{
    if (self->cluster || !self->nodes[0].host)
        return;
    dp_log(DP_LOG_INFO, "redis: a cluster node (MOVED); routing by slot");
    self->cluster = true;
    (void)s_refresh(self);
}

/* The kind of an error reply: a redirect to follow, or 0. */
enum { S_PLAIN = 0, S_MOVED, S_ASK, S_TRYAGAIN };

static int s_redirect_kind(const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ERROR || !r->str)
        return S_PLAIN;
    if (strncmp(r->str, "MOVED ", 6) == 0)
        return S_MOVED;
    if (strncmp(r->str, "ASK ", 4) == 0)
        return S_ASK;
    if (strncmp(r->str, "TRYAGAIN", 8) == 0 ||
        strncmp(r->str, "CLUSTERDOWN", 11) == 0)
        return S_TRYAGAIN;
    return S_PLAIN;
}

/* The node a "MOVED slot host:port" or "ASK slot host:port" reply names
 * (added when new), or -1. */
static int s_redirect_node(dp_store_t *self, const redisReply *r, int from)
{
    const char *addr = strchr(r->str, ' ');
    addr = addr ? strchr(addr + 1, ' ') : NULL;
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    long port = 0;
    if (!colon || dp_parse_long(colon + 1, 1, 65535, &port) < 0)
        return -1;
    const char *h = addr + 1;
    size_t hlen = (size_t)(colon - h);
    if (hlen == 0) {
        h = self->nodes[from].host;
        hlen = strlen(h);
    }
    return s_node_at(self, h, hlen, (int)port);
}

/* ==== Cluster: batches ==== */

/* Reads "<mark><n>\r\n" at *p (before end) into *n. */
static bool s_wire_header(const char **p, const char *end, char mark,
                          size_t *n)
{
    const char *q = *p;
    if (q == end || *q++ != mark)
        return false;
    *n = 0;
    while (q < end && *q >= '0' && *q <= '9')
        *n = *n * 10 + (size_t)(*q++ - '0');
    if (end - q < 2 || q[0] != '\r' || q[1] != '\n')
        return false;
    *p = q + 2;
    return true;
}

/* The slot of the command s_format wrote at wire[0..len), or -1 for one
 * without a key: worked out from the text once a batch goes to a cluster,
 * so a single server's batches never pay for it. */
static int s_wire_slot(const char *wire, size_t len)
{
    enum { S_ARGS = 4 }; /* a key is at most the fourth argument */
    const char *p = wire, *end = wire + len;
    char *argv[S_ARGS];
    size_t lens[S_ARGS], argc = 0, n = 0;
    if (!s_wire_header(&p, end, '*', &n) || n == 0)
        return -1;
    size_t want = n < S_ARGS ? n : S_ARGS;
    while (argc < want && s_wire_header(&p, end, '$', &lens[argc]) &&
           lens[argc] + 2 <= (size_t)(end - p)) {
        /* NUL-terminated for the command's name; a key may hold NULs. */
        argv[argc] = dp_malloc(lens[argc] + 1);
        memcpy(argv[argc], p, lens[argc]);
        argv[argc][lens[argc]] = '\0';
        p += lens[argc++] + 2;
    }
    int slot = argc == want ? dp_store_command_slot((int)argc,
                                                    (const char **)argv, lens)
                            : -1;
    for (size_t i = 0; i < argc; i++)
        dp_free(argv[i]);
    return slot;
}

/* A node for a command without a key: one connected, else the first. */
static int s_any(const dp_store_t *self)
{
    for (size_t i = 0; i < self->nnodes; i++)
        if (self->nodes[i].ctx)
            return (int)i;
    return 0;
}

/* Writes the unanswered commands, each to its node (ASKING first where an
 * ASK sent it). A node that cannot be reached leaves its commands unsent. */
static void s_cluster_send(dp_store_t *self, const char *wire,
                           const s_cmd_t *cmds, size_t n, s_route_t *route)
{
    for (size_t i = 0; i < n; i++) {
        s_route_t *rt = &route[i];
        rt->sent = false;
        if (rt->done)
            continue;
        if (rt->node < 0)
            rt->node = rt->slot >= 0 ? self->slots[rt->slot] : s_any(self);
        if (rt->node < 0 || s_connect(self, rt->node) < 0)
            continue;
        redisContext *c = self->nodes[rt->node].ctx;
        if (rt->asking)
            redisAppendCommand(c, "ASKING");
        redisAppendFormattedCommand(c, wire + cmds[i].off, cmds[i].len);
        rt->sent = true;
    }
    /* Every node gets its part before any reply is read. */
    for (size_t k = 0; k < self->nnodes; k++) {
        int done = 0;
        while (self->nodes[k].ctx && !done)
            if (redisBufferWrite(self->nodes[k].ctx, &done) != REDIS_OK)
                s_disconnect(self, (int)k);
    }
}

/* Reads the reply of one sent command into *out, following nothing:
 * S_PLAIN with a reply kept, a redirect kind with the route changed, or
 * -1 when its node was lost. */
static int s_cluster_read(dp_store_t *self, s_route_t *rt, redisReply **out)
{
    s_node_t *node = &self->nodes[rt->node];
    void *r = NULL;
    if (node->ctx && rt->asking) {
        if (redisGetReply(node->ctx, &r) != REDIS_OK)
            s_disconnect(self, rt->node);
        if (r)
            freeReplyObject(r);
        r = NULL;
    }
    if (!node->ctx || redisGetReply(node->ctx, &r) != REDIS_OK || !r) {
        if (node->ctx) {
            dp_log(DP_LOG_WARN, "redis %s:%d: %s", node->host, node->port,
                   node->ctx->errstr);
            s_disconnect(self, rt->node);
        }
        rt->node = -1;
        return -1;
    }
    int kind = s_redirect_kind(r);
    if (kind == S_MOVED || kind == S_ASK) {
        int to = s_redirect_node(self, r, rt->node);
        if (kind == S_MOVED && to >= 0 && rt->slot >= 0)
            self->slots[rt->slot] = to;
        rt->node = to;
        rt->asking = kind == S_ASK;
    }
    if (kind != S_PLAIN) {
        freeReplyObject(r);
        return kind;
    }
    rt->asking = false;
    rt->done = true;
    *out = r;
    return S_PLAIN;
}

/* Runs n commands on the cluster, each on the node of its slot, into
 * replies; route[i].done marks those answered already. Follows redirects
 * and lost nodes for up to DP_STORE_REDIRECTS rounds. Returns n, or
 * DP_EREDIS with no reply kept. */
static int s_cluster_run(dp_store_t *self, const char *wire,
                         const s_cmd_t *cmds, size_t n, s_route_t *route,
                         redisReply **replies)
{
    if (!self->slots)
        (void)s_refresh(self); /* on failure, node 0 is asked: MOVED */
    for (size_t i = 0; i < n; i++)
        route[i].slot = s_wire_slot(wire + cmds[i].off, cmds[i].len);
    for (int round = 0; round <= DP_STORE_REDIRECTS; round++) {
        s_cluster_send(self, wire, cmds, n, route);
        bool refresh = false, wait = false, left = false;
        for (size_t i = 0; i < n; i++) {
            if (route[i].done)
                continue;
            int kind = route[i].sent
                           ? s_cluster_read(self, &route[i], &replies[i])
                           : -1;
            if (kind != S_PLAIN)
                left = true;
            /* A lost node's commands go where the new map says; a MOVED
             * one where MOVED said (the map of another node may lag). */
            if (kind < 0)
                route[i].node = -1;
            refresh = refresh || kind < 0 || kind == S_MOVED;
            wait = wait || kind == S_TRYAGAIN;
        }
        if (!left)
            return (int)n;
        if (refresh)
            (void)s_refresh(self);
        if (wait) {
            struct timespec ts = {0, DP_STORE_TRYAGAIN_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    dp_log(DP_LOG_WARN, "redis cluster: gave up after %d redirects",
           DP_STORE_REDIRECTS);
    for (size_t i = 0; i < n; i++) {
        if (route[i].done)
            freeReplyObject(replies[i]);
        replies[i] = NULL;
    }
    return DP_EREDIS;
}

/* ==== Commands ==== */

/* dp_store_command, without the health record. */
static redisReply *s_command(dp_store_t *self, int argc, const char **argv,
                             const size_t *lens)
{
    assert(self && argc > 0 && argv);
    assert(!self->sent); /* a batch's replies are on their way */
    redisReply *r = NULL;
    if (!self->cluster) {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (s_connect(self, 0) < 0)
                continue;
            r = redisCommandArgv(self->nodes[0].ctx, argc, argv, lens);
            if (r)
                break;
            dp_log(DP_LOG_WARN, "redis %s: %s", argv[0],
                   self->nodes[0].ctx->errstr);
            s_disconnect(self, 0);
        }
        if (s_redirect_kind(r) != S_MOVED)
            return r;
        s_become_cluster(self);
        if (!self->cluster)
            return r;
        freeReplyObject(r);
        r = NULL;
    }
    dp_buf_t wire = DP_BUF_INIT;
    s_cmd_t cmd;
    s_format(&wire, argc, argv, lens, &cmd);
    s_route_t route = {.node = -1};
    if (s_cluster_run(self, wire.data, &cmd, 1, &route, &r) < 0)
        r = NULL;
    dp_buf_free(&wire);
    return r;
}

void dp_store_append(dp_store_t *self, int argc, const char **argv,
                     const size_t *lens)
{
    assert(self && argc > 0 && argv);
    assert(!self->sent); /* its replies are on their way */
    if (self->nqueue == self->capqueue) {
        self->capqueue = self->capqueue ? self->capqueue * 2 : 64;
        self->queue =
            dp_realloc(self->queue, self->capqueue * sizeof *self->queue);
    }
    s_format(&self->wire, argc, argv, lens, &self->queue[self->nqueue++]);
}

size_t dp_store_pending(dp_store_t *self)
{
    assert(self);
    return self->nqueue;
}

/* Writes the queued batch to node 0, whole, as it was formatted: the
 * server works on it while the caller does something else. It goes from
 * the batch's buffer to the socket (a blocking one, with the store's
 * timeout): through hiredis it would be copied into its output buffer,
 * which is empty, as every command before was answered. On failure the
 * caller drops the connection. */
static int s_write_batch(dp_store_t *self)
{
    redisContext *c = self->nodes[0].ctx;
    assert(sdslen(c->obuf) == 0);
    const char *p = self->wire.data;
    size_t left = self->wire.len;
    while (left > 0) {
        ssize_t k = write(c->fd, p, left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            dp_log(DP_LOG_WARN, "redis batch: %s",
                   k < 0 ? strerror(errno) : "nothing written");
            return DP_EREDIS;
        }
        p += k;
        left -= (size_t)k;
    }
    return 0;
}

/* Reads the replies of the batch written to node 0. */
static int s_read_batch(dp_store_t *self, redisReply **replies)
{
    redisContext *c = self->nodes[0].ctx;
    for (size_t i = 0; i < self->nqueue; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK || !r) {
            dp_log(DP_LOG_WARN, "redis batch: %s", c->errstr);
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

/* After a single-node batch: when a reply is MOVED (the URL named a node
 * of a cluster), the cluster mode is turned on and the redirected commands
 * are sent where their slots are. Returns rc, or what that gave. */
static int s_batch_moved(dp_store_t *self, int rc, redisReply **replies)
{
    size_t n = self->nqueue;
    bool moved = false;
    for (size_t i = 0; rc > 0 && i < n && !moved; i++)
        moved = s_redirect_kind(replies[i]) == S_MOVED;
    if (moved)
        s_become_cluster(self);
    if (!moved || !self->cluster)
        return rc;
    s_route_t *route = dp_calloc(n, sizeof *route);
    for (size_t i = 0; i < n; i++) {
        route[i].node = -1;
        route[i].done = s_redirect_kind(replies[i]) != S_MOVED;
        if (!route[i].done) {
            freeReplyObject(replies[i]);
            replies[i] = NULL;
        }
    }
    rc = s_cluster_run(self, self->wire.data, self->queue, n, route, replies);
    dp_free(route);
    return rc;
}

redisReply *dp_store_command(dp_store_t *self, int argc, const char **argv,
                             const size_t *lens)
{
    redisReply *r = s_command(self, argc, argv, lens);
    dp_metrics_redis(r != NULL);
    return r;
}

/* dp_store_flush, without the health record. */
static int s_flush(dp_store_t *self, redisReply **replies)
{
    int rc = DP_EREDIS;
    if (self->cluster) {
        s_route_t *route = dp_calloc(self->nqueue, sizeof *route);
        for (size_t i = 0; i < self->nqueue; i++)
            route[i].node = -1;
        rc = s_cluster_run(self, self->wire.data, self->queue, self->nqueue,
                           route, replies);
        dp_free(route);
        s_clear_queue(self);
        return rc;
    }
    for (int attempt = 0; attempt < 2 && rc < 0; attempt++) {
        if (!self->sent && (s_connect(self, 0) < 0 || s_write_batch(self) < 0))
            rc = DP_EREDIS;
        else
            rc = s_read_batch(self, replies);
        self->sent = false;
        if (rc < 0)
            s_disconnect(self, 0); /* then resent whole, once */
    }
    rc = s_batch_moved(self, rc, replies);
    s_clear_queue(self);
    return rc;
}

void dp_store_send(dp_store_t *self)
{
    assert(self);
    if (self->cluster || self->sent || self->nqueue == 0)
        return;
    if (s_connect(self, 0) == 0 && s_write_batch(self) == 0)
        self->sent = true;
    else
        s_disconnect(self, 0); /* dp_store_flush tries again */
}

int dp_store_flush(dp_store_t *self, redisReply **replies, size_t max)
{
    assert(self && replies);
    assert(max >= self->nqueue);
    (void)max;
    if (self->nqueue == 0)
        return 0;
    int rc = s_flush(self, replies);
    dp_metrics_redis(rc >= 0);
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
    long long now = dp_service_now_ms();
    if (now < self->ping_at)
        return;
    self->ping_at = now + ms;
    (void)dp_store_ping(self);
}
