/* test_recorded_github.c - the collector on recorded real GitHub traffic */
/* SPDX-License-Identifier: MIT */
/*
 * Replays responses that real GitHub servers sent (recorded by other
 * projects, see ../shared/fixtures/github-recorded/README.md) through the
 * real collector engine: a libmicrohttpd server in this process, on
 * 127.0.0.1, answers by method, path and `page` parameter with the recorded
 * status, headers (Link rewritten to this server) and body; the collector
 * talks to it through libcurl, keeps its HTTP cache in a private
 * redis-server and sends its messages on ipc:// sockets that the test
 * reads. The recordings are read at test time and never copied here; when
 * the folder is absent, every test says so and skips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <zlib.h>
#include <zmq.h>

#include "collector.h"
#include "dp_bus.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_testkit.h"
#include "dp_tkcollector.h"
#include "dp_time.h"

#define S_RECORDINGS "fixtures/github-recorded"
#define S_SKIP_TEXT                                                            \
    "SKIP: ../shared/fixtures/github-recorded not found: recorded-traffic "    \
    "conformance not run"
#define S_GITHUB "https://api.github.com"
#define S_MAX_ROUTES 16
#define S_MAX_EVENTS 256
#define S_MAX_INFLATED ((size_t)64 * 1024 * 1024)
#define S_RECV_MS 5000    /* longest wait for a message that must come */
#define S_QUIET_MS 200    /* wait that proves nothing more arrives */
#define S_SUB_JOIN_MS 200 /* lets the SUB socket connect before a window */
#define S_FAULTS 2        /* 503s served before the recorded page */
#define S_MAX_FRAME (16L * 1024 * 1024)
#define S_MAX_BODY (64L * 1024 * 1024)

/* ==== Recorded responses ==== */

typedef struct {
    char *name;
    char *value;
} s_header_t;

typedef struct {
    long status;
    s_header_t *headers; /* as recorded, in order */
    size_t nheaders;
    char *body; /* decoded (base64, gzip undone), NUL-terminated */
    size_t body_len;
} s_recorded_t;

static void s_rec_add_header(s_recorded_t *rec, const char *name,
                             const char *value)
{
    rec->headers =
        dp_realloc(rec->headers, (rec->nheaders + 1) * sizeof *rec->headers);
    rec->headers[rec->nheaders].name = dp_strdup(name);
    rec->headers[rec->nheaders].value = dp_strdup(value);
    rec->nheaders++;
}

static const char *s_rec_header(const s_recorded_t *rec, const char *name)
{
    for (size_t i = 0; i < rec->nheaders; i++)
        if (strcasecmp(rec->headers[i].name, name) == 0)
            return rec->headers[i].value;
    return NULL;
}

static void s_rec_set_body(s_recorded_t *rec, const char *body, size_t len)
{
    dp_free(rec->body);
    rec->body = dp_malloc(len + 1);
    memcpy(rec->body, body, len);
    rec->body[len] = '\0';
    rec->body_len = len;
}

static void s_rec_clear(s_recorded_t *rec)
{
    for (size_t i = 0; i < rec->nheaders; i++) {
        dp_free(rec->headers[i].name);
        dp_free(rec->headers[i].value);
    }
    dp_free(rec->headers);
    dp_free(rec->body);
    memset(rec, 0, sizeof *rec);
}

/* ==== Decoding: base64, gzip, Python literals ==== */

static int s_b64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 (whitespace and padding ignored) into out. */
static void s_base64_decode(const char *in, dp_buf_t *out)
{
    unsigned long acc = 0;
    int bits = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        int v = s_b64_value((unsigned char)*p);
        if (v < 0)
            continue;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char byte = (char)((acc >> bits) & 0xff);
            dp_buf_append(out, &byte, 1);
        }
    }
}

/* Inflates a gzip member into out; false when it is not valid gzip. */
static bool s_gunzip(const char *in, size_t len, dp_buf_t *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return false;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    int zrc = Z_OK;
    char chunk[16384];
    while (zrc == Z_OK && out->len < S_MAX_INFLATED) {
        zs.next_out = (Bytef *)chunk;
        zs.avail_out = sizeof chunk;
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc == Z_OK || zrc == Z_STREAM_END)
            dp_buf_append(out, chunk, sizeof chunk - zs.avail_out);
    }
    inflateEnd(&zs);
    return zrc == Z_STREAM_END;
}

/* Reads a Python string literal ('...' or "...") at *p into out and moves
 * *p past it. False when there is none. */
static bool s_py_string(const char **p, dp_buf_t *out)
{
    const char *s = *p;
    while (*s == ' ' || *s == ',')
        s++;
    char quote = *s;
    if (quote != '\'' && quote != '"')
        return false;
    dp_buf_reset(out);
    dp_buf_puts(out, "");
    for (s++; *s && *s != quote; s++) {
        char c = *s;
        if (c == '\\' && s[1]) {
            s++;
            switch (*s) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            default:
                c = *s;
            }
        }
        dp_buf_append(out, &c, 1);
    }
    if (*s != quote)
        return false;
    *p = s + 1;
    return true;
}

/* ==== Loading the recordings ==== */

typedef struct s_ctx_t s_ctx_t;
static char *s_recording_path(s_ctx_t *ctx, const char *rel);

/* Reads a recording file, or skips the test when it is missing. */
static char *s_recording_text(s_ctx_t *ctx, const char *rel, size_t *len)
{
    char *path = s_recording_path(ctx, rel);
    char *text = dp_tk_read_file(path, len);
    if (!text) {
        printf("SKIP: %s not found: this recorded-traffic case not run\n",
               path);
        fflush(stdout);
        dp_free(path);
        skip();
    }
    dp_free(path);
    return text;
}

static json_t *s_recording_json(s_ctx_t *ctx, const char *rel)
{
    size_t len = 0;
    char *text = s_recording_text(ctx, rel, &len);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    dp_free(text);
    if (!doc)
        fail_msg("%s: line %d: %s", rel, jerr.line, jerr.text);
    return doc;
}

/* Header values in nock records are strings, sometimes numbers. */
static void s_add_json_header(s_recorded_t *rec, const char *name,
                              const json_t *value)
{
    char num[32];
    if (json_is_string(value)) {
        s_rec_add_header(rec, name, json_string_value(value));
    } else if (json_is_integer(value)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(value));
        s_rec_add_header(rec, name, num);
    }
}

/* One nock record of an octokit fixture: {method, path, status, response,
 * headers | rawHeaders}. */
static void s_octokit_record(const json_t *record, s_recorded_t *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->status = (long)json_integer_value(json_object_get(record, "status"));
    const json_t *headers = json_object_get(record, "headers");
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)headers, name, value)
        s_add_json_header(rec, name, value);
    const json_t *raw = json_object_get(record, "rawHeaders");
    for (size_t i = 0; i + 1 < json_array_size(raw); i += 2)
        s_add_json_header(rec, json_string_value(json_array_get(raw, i)),
                          json_array_get(raw, i + 1));
    const json_t *body = json_object_get(record, "response");
    if (json_is_string(body)) {
        s_rec_set_body(rec, json_string_value(body), json_string_length(body));
    } else {
        char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        assert_non_null(text);
        s_rec_set_body(rec, text, strlen(text));
        free(text); /* jansson's allocation */
    }
}

/* The record of a PyGithub ReplayData file whose request path is path.
 * Records are ten lines (scheme, method, host, port, path, request
 * headers, request body, status, response headers as a Python list of
 * pairs, body) separated by a blank line. */
static void s_pygithub_record(s_ctx_t *ctx, const char *rel, const char *path,
                              s_recorded_t *rec)
{
    char *text = s_recording_text(ctx, rel, NULL);
    memset(rec, 0, sizeof *rec);
    char *save = NULL;
    char *lines[10];
    size_t n = 0;
    bool found = false;
    /* strtok_r skips empty lines, which only separate records. */
    for (char *line = strtok_r(text, "\n", &save); line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        lines[n++] = line;
        if (n < 10)
            continue;
        n = 0;
        if (strcmp(lines[4], path) != 0)
            continue;
        found = true;
        rec->status = strtol(lines[7], NULL, 10);
        dp_buf_t name = DP_BUF_INIT, value = DP_BUF_INIT;
        for (const char *p = strchr(lines[8], '('); p; p = strchr(p, '(')) {
            p++;
            if (!s_py_string(&p, &name) || !s_py_string(&p, &value))
                fail_msg("%s: unreadable response headers", rel);
            s_rec_add_header(rec, name.data, value.data);
        }
        dp_buf_free(&name);
        dp_buf_free(&value);
        s_rec_set_body(rec, lines[9], strlen(lines[9]));
    }
    dp_free(text);
    if (!found)
        fail_msg("%s: no record for %s", rel, path);
}

/* Interaction i of a Betamax cassette: {request, response: {status:
 * {code}, headers, body: {base64_string | string}}}. Bodies are base64 and
 * often gzip. */
static void s_betamax_record(s_ctx_t *ctx, const char *rel, size_t i,
                             s_recorded_t *rec, char **uri)
{
    json_t *doc = s_recording_json(ctx, rel);
    json_t *it = json_array_get(json_object_get(doc, "http_interactions"), i);
    json_t *resp = json_object_get(it, "response");
    assert_non_null(resp);
    memset(rec, 0, sizeof *rec);
    *uri = dp_strdup(json_string_value(
        json_object_get(json_object_get(it, "request"), "uri")));
    rec->status = (long)json_integer_value(
        json_object_get(json_object_get(resp, "status"), "code"));
    const char *name;
    json_t *value;
    json_object_foreach(json_object_get(resp, "headers"), name, value)
    {
        if (json_is_array(value)) {
            for (size_t k = 0; k < json_array_size(value); k++)
                s_add_json_header(rec, name, json_array_get(value, k));
        } else {
            s_add_json_header(rec, name, value);
        }
    }
    json_t *body = json_object_get(resp, "body");
    const char *b64 = json_string_value(json_object_get(body, "base64_string"));
    dp_buf_t raw = DP_BUF_INIT;
    if (b64 && *b64)
        s_base64_decode(b64, &raw);
    else
        dp_buf_puts(&raw, json_string_value(json_object_get(body, "string")));
    dp_buf_t plain = DP_BUF_INIT;
    if (raw.len >= 2 && (unsigned char)raw.data[0] == 0x1f &&
        (unsigned char)raw.data[1] == 0x8b) {
        if (!s_gunzip(raw.data, raw.len, &plain))
            fail_msg("%s: interaction %zu: bad gzip body", rel, i);
        s_rec_set_body(rec, plain.data ? plain.data : "", plain.len);
    } else {
        s_rec_set_body(rec, raw.data ? raw.data : "", raw.len);
    }
    dp_buf_free(&raw);
    dp_buf_free(&plain);
    json_decref(doc);
}

/* ==== The replay server ==== */

typedef struct {
    char *path;         /* request path without the query */
    bool prefix;        /* path is a prefix: any path below it matches */
    long page;          /* `page` parameter answered, 1 when absent */
    s_recorded_t rec;   /* the recorded response, Link rewritten */
    s_recorded_t fault; /* answered to the first fault_times requests */
    long fault_times;
    /* Counters, under the replay lock. */
    long hits;         /* requests answered by this route */
    long not_modified; /* of which with 304 */
    long faults;       /* of which with the fault */
    long other_inm;    /* If-None-Match that was not the recorded ETag */
} s_route_t;

typedef struct {
    struct MHD_Daemon *daemon;
    char base[64];        /* "http://127.0.0.1:<port>" */
    pthread_mutex_t lock; /* guards the routes' counters and unmatched */
    s_route_t routes[S_MAX_ROUTES];
    size_t nroutes;
    long unmatched; /* requests no route answered (404) */
    char unmatched_url[256];
} s_replay_t;

/* Hop-by-hop and framing headers belong to the recorded connection,
 * bodies are served decoded, and the old "Status: 200 OK" header repeats
 * the recorded status line: these recorded headers are not replayed. */
static bool s_header_replayed(const char *name, bool not_modified)
{
    static const char *const dropped[] = {"content-length", "transfer-encoding",
                                          "connection",     "content-encoding",
                                          "keep-alive",     "date",
                                          "status",         NULL};
    for (size_t i = 0; dropped[i]; i++)
        if (strcasecmp(name, dropped[i]) == 0)
            return false;
    /* A 304 has no body; and without Link, the client must take the
     * next page from what it cached with the body. */
    if (not_modified && (strcasecmp(name, "content-type") == 0 ||
                         strcasecmp(name, "link") == 0))
        return false;
    return true;
}

static enum MHD_Result s_serve(struct MHD_Connection *conn,
                               const s_recorded_t *rec, bool not_modified)
{
    struct MHD_Response *resp =
        not_modified
            ? MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT)
            : MHD_create_response_from_buffer(rec->body_len, rec->body,
                                              MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    for (size_t i = 0; i < rec->nheaders; i++)
        if (s_header_replayed(rec->headers[i].name, not_modified))
            MHD_add_response_header(resp, rec->headers[i].name,
                                    rec->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(
        conn, not_modified ? MHD_HTTP_NOT_MODIFIED : (unsigned)rec->status,
        resp);
    MHD_destroy_response(resp);
    return ret;
}

static long s_page_param(const char *v)
{
    if (!v || !*v)
        return 1;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return *end ? -1 : n;
}

static bool s_route_matches(const s_route_t *r, const char *url, long page)
{
    if (r->prefix)
        return strncmp(url, r->path, strlen(r->path)) == 0;
    return strcmp(url, r->path) == 0 && page == r->page;
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    s_replay_t *srv = cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    long page = s_page_param(
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "page"));
    const char *inm =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    const s_recorded_t *answer = NULL;
    bool not_modified = false;

    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->nroutes && strcmp(method, "GET") == 0; i++) {
        s_route_t *r = &srv->routes[i];
        if (!s_route_matches(r, url, page))
            continue;
        r->hits++;
        const char *etag = s_rec_header(&r->rec, "ETag");
        if (r->faults < r->fault_times) {
            r->faults++;
            answer = &r->fault;
        } else if (inm && etag && strcmp(inm, etag) == 0) {
            /* Byte for byte: a weak W/"..." must come back unchanged. */
            r->not_modified++;
            not_modified = true;
            answer = &r->rec;
        } else {
            if (inm)
                r->other_inm++;
            answer = &r->rec;
        }
        break;
    }
    if (!answer) {
        srv->unmatched++;
        snprintf(srv->unmatched_url, sizeof srv->unmatched_url,
                 "%s %s?page=%ld", method, url, page);
    }
    pthread_mutex_unlock(&srv->lock);

    if (!answer) {
        static const char nf[] =
            "{\"message\":\"Not Found\",\"documentation_url\":"
            "\"https://docs.github.com/rest\"}";
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
        enum MHD_Result ret =
            MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    return s_serve(conn, answer, not_modified);
}

static s_replay_t *s_replay_start(void)
{
    s_replay_t *srv = dp_calloc(1, sizeof *srv);
    pthread_mutex_init(&srv->lock, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    srv->daemon =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
                             MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                         0, NULL, NULL, s_on_request, srv, MHD_OPTION_SOCK_ADDR,
                         &sa, MHD_OPTION_END);
    assert_non_null(srv->daemon);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    snprintf(srv->base, sizeof srv->base, "http://127.0.0.1:%u",
             (unsigned)info->port);
    return srv;
}

static void s_replay_stop(s_replay_t **srv_p)
{
    s_replay_t *srv = *srv_p;
    if (!srv)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    for (size_t i = 0; i < srv->nroutes; i++) {
        dp_free(srv->routes[i].path);
        s_rec_clear(&srv->routes[i].rec);
        s_rec_clear(&srv->routes[i].fault);
    }
    pthread_mutex_destroy(&srv->lock);
    dp_free(srv);
    *srv_p = NULL;
}

/* Replaces every https://api.github.com in s with the server's base. */
static char *s_rewrite(const s_replay_t *srv, const char *s)
{
    dp_buf_t out = DP_BUF_INIT;
    dp_buf_puts(&out, "");
    for (const char *p = s; *p;) {
        const char *hit = strstr(p, S_GITHUB);
        if (!hit) {
            dp_buf_puts(&out, p);
            break;
        }
        dp_buf_append(&out, p, (size_t)(hit - p));
        dp_buf_puts(&out, srv->base);
        p = hit + strlen(S_GITHUB);
    }
    return dp_buf_take(&out);
}

/* Adds a route answering path (a recorded path, with or without its
 * query; only `page` of the query counts) with rec, which it takes.
 * Returns the route's index. */
static size_t s_route_add(s_replay_t *srv, const char *path, bool prefix,
                          s_recorded_t *rec)
{
    pthread_mutex_lock(&srv->lock);
    assert_true(srv->nroutes < S_MAX_ROUTES);
    size_t idx = srv->nroutes++;
    s_route_t *r = &srv->routes[idx];
    memset(r, 0, sizeof *r);
    const char *q = strchr(path, '?');
    r->path = dp_strndup(path, q ? (size_t)(q - path) : strlen(path));
    r->prefix = prefix;
    r->page = 1;
    if (q) {
        char *query = dp_strdup(q + 1);
        char *save = NULL;
        for (char *kv = strtok_r(query, "&", &save); kv;
             kv = strtok_r(NULL, "&", &save))
            if (strncmp(kv, "page=", 5) == 0)
                r->page = s_page_param(kv + 5);
        dp_free(query);
    }
    r->rec = *rec;
    memset(rec, 0, sizeof *rec);
    for (size_t i = 0; i < r->rec.nheaders; i++) {
        if (strcasecmp(r->rec.headers[i].name, "link") != 0)
            continue;
        char *v = s_rewrite(srv, r->rec.headers[i].value);
        dp_free(r->rec.headers[i].value);
        r->rec.headers[i].value = v;
    }
    pthread_mutex_unlock(&srv->lock);
    return idx;
}

/* Makes a route answer fault (which it takes) to its first times
 * requests before the recorded response. */
static void s_route_fault(s_replay_t *srv, size_t idx, s_recorded_t *fault,
                          long times)
{
    pthread_mutex_lock(&srv->lock);
    s_rec_clear(&srv->routes[idx].fault);
    srv->routes[idx].fault = *fault;
    srv->routes[idx].fault_times = times;
    memset(fault, 0, sizeof *fault);
    pthread_mutex_unlock(&srv->lock);
}

/* A copy of a route's counters. */
static s_route_t s_route_stats(s_replay_t *srv, size_t idx)
{
    pthread_mutex_lock(&srv->lock);
    s_route_t r = srv->routes[idx];
    pthread_mutex_unlock(&srv->lock);
    return r;
}

static long s_unmatched(s_replay_t *srv)
{
    pthread_mutex_lock(&srv->lock);
    long n = srv->unmatched;
    if (n)
        fprintf(stderr, "replay: no recording for %s\n", srv->unmatched_url);
    pthread_mutex_unlock(&srv->lock);
    return n;
}

/* ==== Fixture: the collector wired to the replay server ==== */

struct s_ctx_t {
    char *recordings; /* the recordings folder */
    char *dir;        /* private directory for ipc endpoints */
    char *ctl_ep, *out_ep, *pub_ep;
    dp_tk_redis_t redis;
    s_replay_t *replay;
    dp_bus_t *bus;
    dp_sock_t *pull; /* binds where the collector's PUSH connects */
    dp_sock_t *sub;  /* connects to the collector's PUB */
    collector_t *collector;
    dp_msg_t request; /* the COLLECT being served */
    dp_msg_t window;  /* the last WINDOW received */
    dp_msg_t status;  /* the last STATUS received */
    json_t *fixture;  /* an octokit fixture in use */
};

static char *s_recording_path(s_ctx_t *ctx, const char *rel)
{
    return dp_asprintf("%s/%s", ctx->recordings, rel);
}

static int s_setup(void **state)
{
    *state = dp_calloc(1, sizeof(s_ctx_t));
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    collector_destroy(&ctx->collector);
    dp_bus_destroy(&ctx->bus); /* closes pull and sub */
    s_replay_stop(&ctx->replay);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    dp_msg_clear(&ctx->request);
    dp_msg_clear(&ctx->window);
    dp_msg_clear(&ctx->status);
    json_decref(ctx->fixture);
    dp_free(ctx->ctl_ep);
    dp_free(ctx->out_ep);
    dp_free(ctx->pub_ep);
    dp_free(ctx->dir);
    dp_free(ctx->recordings);
    dp_free(ctx);
    return 0;
}

/* Skips the test, saying why, when the recordings are not there. */
static void s_require_recordings(s_ctx_t *ctx)
{
    char *shared = dp_tk_shared_dir();
    ctx->recordings = dp_asprintf("%s/%s", shared, S_RECORDINGS);
    dp_free(shared);
    if (!dp_tk_is_dir(ctx->recordings)) {
        printf("%s\n", S_SKIP_TEXT);
        fflush(stdout);
        skip();
    }
}

/* The test's own sockets never hold up closing: a SUB whose PUB went away
 * keeps its subscription queued for a reconnection that never comes. */
static void s_no_linger(dp_sock_t *sock)
{
    int zero = 0;
    assert_int_equal(
        zmq_setsockopt(dp_sock_handle(sock), ZMQ_LINGER, &zero, sizeof zero),
        0);
}

/* Starts Redis, the replay server and the test's sockets. */
static void s_start(s_ctx_t *ctx)
{
    s_require_recordings(ctx);
    dp_tk_redis_start_or_skip(&ctx->redis);
    ctx->replay = s_replay_start();
    ctx->dir = dp_tk_tmpdir("conf");
    assert_non_null(ctx->dir);
    ctx->ctl_ep = dp_asprintf("@ipc://%s/ctl", ctx->dir);
    ctx->out_ep = dp_asprintf(">ipc://%s/out", ctx->dir);
    ctx->pub_ep = dp_asprintf("@ipc://%s/pub", ctx->dir);
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    char *ep = dp_asprintf("@ipc://%s/out", ctx->dir);
    ctx->pull = dp_sock_new(ctx->bus, ZMQ_PULL, ep);
    dp_free(ep);
    assert_non_null(ctx->pull);
    s_no_linger(ctx->pull);
}

/* Creates the collector (once the routes are in place) and subscribes to
 * its STATUS messages. */
static void s_start_collector(s_ctx_t *ctx)
{
    collector_cfg_t cfg =
        dp_tk_collector_cfg(ctx->replay->base, "test-token", ctx->redis.url);
    cfg.ctl_endpoint = ctx->ctl_ep;
    cfg.out_endpoint = ctx->out_ep;
    cfg.pub_endpoint = ctx->pub_ep;
    cfg.per_page = 100;
    cfg.max_pages = 50;
    cfg.max_retries = 3;
    cfg.retry_base_ms = 10;
    cfg.max_text = 4000;
    cfg.max_body = S_MAX_BODY;
    cfg.max_frame = S_MAX_FRAME;
    cfg.pr_details = false; /* the recordings hold no PR file listings */
    ;
    ctx->collector = collector_new(&cfg);
    assert_non_null(ctx->collector);
    char *ep = dp_asprintf(">ipc://%s/pub", ctx->dir);
    ctx->sub = dp_sock_new(ctx->bus, ZMQ_SUB, ep);
    dp_free(ep);
    assert_non_null(ctx->sub);
    s_no_linger(ctx->sub);
    assert_int_equal(dp_sock_subscribe(ctx->sub, "status."), 0);
    struct timespec ts = {0, S_SUB_JOIN_MS * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t s_time(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(dp_time_parse(iso, &t, NULL), 0);
    return t;
}

/* Builds the COLLECT request for a repository and window. */
static const dp_collect_t *s_request(s_ctx_t *ctx, const char *repo,
                                     const char *from, const char *to)
{
    dp_msg_clear(&ctx->request);
    ctx->request.type = DP_MSG_COLLECT;
    dp_collect_t *req = &ctx->request.u.collect;
    req->repo = dp_strdup(repo);
    req->win_from = s_time(from);
    req->win_to = s_time(to);
    req->revision = 1;
    req->tz = dp_strdup("UTC");
    req->lang = dp_strdup("en");
    req->reply_to = dp_strdup("conformance");
    return req;
}

/* What one window sent on the pipeline. */
typedef struct {
    size_t events;                 /* EVENT messages */
    size_t opened;                 /* of which issue_opened or pr_opened */
    int64_t numbers[S_MAX_EVENTS]; /* item numbers of the opened events */
} s_run_t;

/* Reads the pipeline up to and including the WINDOW (into ctx->window). */
static void s_receive_window(s_ctx_t *ctx, s_run_t *run)
{
    memset(run, 0, sizeof *run);
    dp_buf_t frame = DP_BUF_INIT;
    for (;;) {
        int rc = dp_sock_recv(ctx->pull, NULL, &frame, S_MAX_FRAME, S_RECV_MS);
        if (rc != 0)
            fail_msg("no WINDOW from the collector: %s", dp_strerror(rc));
        dp_msg_t msg;
        char err[256] = "";
        assert_int_equal(dp_msg_decode(frame.data, frame.len, S_MAX_FRAME, &msg,
                                       err, sizeof err),
                         0);
        if (msg.type == DP_MSG_WINDOW) {
            dp_msg_clear(&ctx->window);
            ctx->window = msg;
            break;
        }
        assert_int_equal(msg.type, DP_MSG_EVENT);
        assert_string_equal(msg.u.event.repo, ctx->request.u.collect.repo);
        run->events++;
        const char *kind = msg.u.event.kind;
        if (strcmp(kind, "issue_opened") == 0 ||
            strcmp(kind, "pr_opened") == 0) {
            assert_true(run->opened < S_MAX_EVENTS);
            run->numbers[run->opened++] = msg.u.event.number;
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
}

/* Checks that nothing at all comes down the pipeline. */
static void s_expect_no_pipeline_message(s_ctx_t *ctx)
{
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(
        dp_sock_recv(ctx->pull, NULL, &frame, S_MAX_FRAME, S_QUIET_MS),
        DP_EAGAIN);
    dp_buf_free(&frame);
}

/* Reads the STATUS the collector published (into ctx->status). */
static void s_receive_status(s_ctx_t *ctx)
{
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    int rc = dp_sock_recv(ctx->sub, &subject, &frame, S_MAX_FRAME, S_RECV_MS);
    if (rc != 0)
        fail_msg("no STATUS published: %s", dp_strerror(rc));
    char err[256] = "";
    dp_msg_clear(&ctx->status);
    assert_int_equal(dp_msg_decode(frame.data, frame.len, S_MAX_FRAME,
                                   &ctx->status, err, sizeof err),
                     0);
    assert_int_equal(ctx->status.type, DP_MSG_STATUS);
    char *want = dp_asprintf("status.%s", ctx->request.u.collect.repo);
    assert_string_equal(subject.data, want);
    dp_free(want);
    dp_buf_free(&subject);
    dp_buf_free(&frame);
}

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Number of distinct values among n. */
static size_t s_distinct(int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, s_cmp_i64);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i] != v[i - 1])
            d++;
    return d;
}

/* What the served listing pages hold: items, and the events that fall in
 * [from, to) by GitHub's fields (opened; issues closed). */
typedef struct {
    size_t items;
    size_t events;
} s_expect_t;

static s_expect_t s_expected(s_ctx_t *ctx, int64_t from, int64_t to)
{
    s_expect_t e = {0, 0};
    for (size_t i = 0; i < ctx->replay->nroutes; i++) {
        const s_recorded_t *rec = &ctx->replay->routes[i].rec;
        if (rec->status != 200 ||
            strstr(ctx->replay->routes[i].path, "/comments"))
            continue;
        json_t *doc = json_loadb(rec->body, rec->body_len, 0, NULL);
        size_t k;
        json_t *item;
        json_array_foreach(doc, k, item)
        {
            e.items++;
            int64_t created =
                s_time(json_string_value(json_object_get(item, "created_at")));
            if (created >= from && created < to)
                e.events++;
            const char *closed =
                json_string_value(json_object_get(item, "closed_at"));
            /* Pull requests closed in the window would need /pulls/N,
             * which no recording here answers: keep them out. */
            if (closed && s_time(closed) >= from && s_time(closed) < to) {
                assert_null(json_object_get(item, "pull_request"));
                e.events++;
            }
        }
        json_decref(doc);
    }
    return e;
}

/* Serves every recorded GET of an octokit fixture at its path and page.
 * Returns the number of routes added. */
static size_t s_serve_octokit(s_ctx_t *ctx, const char *rel)
{
    json_decref(ctx->fixture);
    ctx->fixture = s_recording_json(ctx, rel);
    size_t added = 0, i;
    json_t *record;
    json_array_foreach(ctx->fixture, i, record)
    {
        const char *method =
            json_string_value(json_object_get(record, "method"));
        if (!method || strcasecmp(method, "get") != 0)
            continue;
        s_recorded_t rec;
        s_octokit_record(record, &rec);
        s_route_add(ctx->replay,
                    json_string_value(json_object_get(record, "path")), false,
                    &rec);
        added++;
    }
    assert_true(added > 0);
    return added;
}

/* The recordings hold no repository-wide comments listing and no releases
 * for these repositories, so such a request (repo's "what") is answered
 * with an empty page of our own making (with an ETag, so that it can be
 * revalidated too). Returns its route. */
static size_t s_serve_empty(s_ctx_t *ctx, const char *repo, const char *what)
{
    s_recorded_t rec;
    memset(&rec, 0, sizeof rec);
    rec.status = 200;
    s_rec_add_header(&rec, "Content-Type", "application/json; charset=utf-8");
    char *etag = dp_asprintf("\"dp-test-empty-%s\"", what);
    s_rec_add_header(&rec, "ETag", etag);
    dp_free(etag);
    s_rec_set_body(&rec, "[]", 2);
    char *path = dp_asprintf("/repos/%s/%s", repo, what);
    size_t idx = s_route_add(ctx->replay, path, false, &rec);
    dp_free(path);
    return idx;
}

/* The listings the recordings lack, served empty: the comments and the
 * releases (S_EMPTY_LISTS routes, added after the recorded pages). */
#define S_EMPTY_LISTS 2
static void s_serve_no_comments(s_ctx_t *ctx, const char *repo)
{
    (void)s_serve_empty(ctx, repo, "issues/comments");
    (void)s_serve_empty(ctx, repo, "releases");
}

static bool s_problems_mention(const dp_window_t *w, const char *text)
{
    for (size_t i = 0; i < w->problems.count; i++)
        if (strstr(w->problems.items[i], text))
            return true;
    return false;
}

/* ==== Cases ==== */

#define S_PAGINATE "octokit-fixtures/paginate-issues/"
#define S_PAGINATE_REPO "octokit-fixture-org/paginate-issues"
#define S_PAGINATE_RAW_REPO                                                    \
    "octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe"

/* Octokit's paginate-issues: per_page=3 pages whose Link URLs move from
 * /repos/<owner>/<repo>/ to /repositories/<id>/. */
static void test_link_pagination_fetches_every_recorded_page(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    size_t pages = s_serve_octokit(ctx, S_PAGINATE "normalized-fixture.json");
    s_serve_no_comments(ctx, S_PAGINATE_REPO);
    s_start_collector(ctx);
    const dp_collect_t *req = s_request(
        ctx, S_PAGINATE_REPO, "2017-10-10T15:00:00Z", "2017-10-10T17:00:00Z");
    s_expect_t want = s_expected(ctx, req->win_from, req->win_to);

    assert_int_equal(collector_collect(ctx->collector, req), 0);
    s_run_t run;
    s_receive_window(ctx, &run);

    for (size_t i = 0; i < pages; i++) {
        s_route_t r = s_route_stats(ctx->replay, i);
        if (r.hits != 1)
            fail_msg("page %ld of %s fetched %ld times", r.page, r.path,
                     r.hits);
    }
    assert_int_equal(s_unmatched(ctx->replay), 0);
    /* Every issue the fixture holds was opened in the window. */
    assert_int_equal(want.items, 13);
    assert_int_equal(want.events, want.items);
    assert_int_equal(run.events, want.events);
    assert_int_equal(run.opened, want.items);
    assert_int_equal(s_distinct(run.numbers, run.opened), want.items);
    const dp_window_t *w = &ctx->window.u.window;
    assert_int_equal(w->events, (int64_t)want.events);
    assert_int_equal(w->requests, (int64_t)pages + S_EMPTY_LISTS);
    assert_int_equal(w->not_modified, 0);
    assert_int_equal(w->retries, 0);
    assert_int_equal(w->rl_remaining, 4999);
    assert_int_equal(w->rl_limit, 5000);
    assert_int_equal(w->problems.count, 0);
    assert_int_equal(collector_stats(ctx->collector)->requests,
                     (long)pages + S_EMPTY_LISTS);
}

/* Runs the same window twice on one Redis; checks that the second run was
 * answered by 304s only and rebuilt the window from the cached bodies. */
static void s_check_revalidation(s_ctx_t *ctx, const dp_collect_t *req,
                                 size_t pages)
{
    s_expect_t want = s_expected(ctx, req->win_from, req->win_to);
    assert_true(want.events > 0);

    assert_int_equal(collector_collect(ctx->collector, req), 0);
    s_run_t first;
    s_receive_window(ctx, &first);
    const dp_window_t *w = &ctx->window.u.window;
    assert_int_equal(first.events, want.events);
    assert_int_equal(w->events, (int64_t)want.events);
    assert_int_equal(w->requests, (int64_t)pages + S_EMPTY_LISTS);
    assert_int_equal(w->not_modified, 0);
    int64_t rl_remaining = w->rl_remaining;

    assert_int_equal(collector_collect(ctx->collector, req), 0);
    s_run_t second;
    s_receive_window(ctx, &second);
    w = &ctx->window.u.window;
    assert_int_equal(w->requests, (int64_t)pages + S_EMPTY_LISTS);
    assert_int_equal(w->not_modified, w->requests);
    assert_int_equal(w->retries, 0);
    assert_int_equal(w->events, (int64_t)want.events);
    assert_int_equal(w->rl_remaining, rl_remaining);
    /* The events were sent the first time; the second run finds them all
     * in the dedup set. */
    assert_int_equal(second.events, 0);

    for (size_t i = 0; i < pages + S_EMPTY_LISTS; i++) {
        s_route_t r = s_route_stats(ctx->replay, i);
        if (r.hits != 2 || r.not_modified != 1 || r.other_inm != 0)
            fail_msg("%s page %ld: %ld requests, %ld answered 304, %ld with "
                     "an If-None-Match other than the recorded ETag %s",
                     r.path, r.page, r.hits, r.not_modified, r.other_inm,
                     s_rec_header(&r.rec, "ETag"));
    }
    assert_int_equal(s_unmatched(ctx->replay), 0);
}

/* Octokit's raw paginate-issues recording keeps GitHub's real strong
 * ETags and rate-limit headers. */
static void test_strong_etags_revalidate_every_page_with_304(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    size_t pages = s_serve_octokit(ctx, S_PAGINATE "raw-fixture.json");
    s_serve_no_comments(ctx, S_PAGINATE_RAW_REPO);
    s_start_collector(ctx);
    const dp_collect_t *req =
        s_request(ctx, S_PAGINATE_RAW_REPO, "2022-07-19T04:00:00Z",
                  "2022-07-19T05:00:00Z");
    assert_int_equal(pages, 5);
    assert_non_null(
        strchr(s_rec_header(&ctx->replay->routes[0].rec, "ETag"), '"'));
    s_check_revalidation(ctx, req, pages);
}

/* github3.py's Repository_issues_ascending cassette: an issues listing
 * served with a weak ETag (W/"..."), base64 and gzip in the cassette. */
static void test_weak_etag_round_trips_and_revalidates_with_304(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    s_recorded_t rec;
    char *uri = NULL;
    s_betamax_record(ctx,
                     "github3py-cassettes/Repository_issues_ascending.json", 2,
                     &rec, &uri);
    assert_non_null(strstr(uri, "/repos/betamaxpy/betamax/issues?"));
    const char *etag = s_rec_header(&rec, "ETag");
    assert_non_null(etag);
    assert_memory_equal(etag, "W/\"", 3);
    s_route_add(ctx->replay, uri + strlen(S_GITHUB), false, &rec);
    dp_free(uri);
    s_serve_no_comments(ctx, "betamaxpy/betamax");
    s_start_collector(ctx);
    const dp_collect_t *req =
        s_request(ctx, "betamaxpy/betamax", "2017-10-01T00:00:00Z",
                  "2017-11-01T00:00:00Z");
    s_check_revalidation(ctx, req, 1);
}

/* PyGithub's Exceptions.testBadAuthentication: 401 {"message":"Bad
 * credentials"}. */
static void test_bad_credentials_fail_the_window_with_eauth(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    s_recorded_t rec;
    s_pygithub_record(ctx,
                      "pygithub-replaydata/"
                      "Exceptions.testBadAuthentication.txt",
                      "/user", &rec);
    assert_int_equal(rec.status, 401);
    assert_non_null(strstr(rec.body, "Bad credentials"));
    size_t route = s_route_add(ctx->replay, "/", true, &rec);
    s_start_collector(ctx);
    const dp_collect_t *req =
        s_request(ctx, "octocat/Hello-World", "2025-12-10T00:00:00Z",
                  "2025-12-11T00:00:00Z");

    assert_int_equal(collector_collect(ctx->collector, req), DP_EAUTH);
    s_receive_status(ctx);
    const dp_status_t *st = &ctx->status.u.status;
    assert_string_equal(st->state, "failed");
    assert_string_equal(st->service, "collector");
    assert_string_equal(st->repo, "octocat/Hello-World");
    assert_string_equal(st->reply_to, "conformance");
    assert_int_equal(st->win_from, req->win_from);
    assert_non_null(strstr(st->message, "credentials"));
    s_expect_no_pipeline_message(ctx);
    /* A refusal is final: asked once, never retried. */
    assert_int_equal(s_route_stats(ctx->replay, route).hits, 1);
    assert_int_equal(collector_stats(ctx->collector)->retries, 0);
}

/* PyGithub's Exceptions.testUnknownObject: GET /repos/jacquev6/Xxx answered
 * 404 {"message":"Not Found"}. */
static void
test_unknown_repository_fails_the_window_with_enotfound(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    s_recorded_t rec;
    s_pygithub_record(ctx,
                      "pygithub-replaydata/"
                      "Exceptions.testUnknownObject.txt",
                      "/repos/jacquev6/Xxx", &rec);
    assert_int_equal(rec.status, 404);
    assert_string_equal(rec.body, "{\"message\":\"Not Found\"}");
    size_t route = s_route_add(ctx->replay, "/repos/jacquev6/Xxx/", true, &rec);
    s_start_collector(ctx);
    const dp_collect_t *req = s_request(
        ctx, "jacquev6/Xxx", "2012-06-01T00:00:00Z", "2012-06-02T00:00:00Z");

    assert_int_equal(collector_collect(ctx->collector, req), DP_ENOTFOUND);
    s_receive_status(ctx);
    const dp_status_t *st = &ctx->status.u.status;
    assert_string_equal(st->state, "failed");
    assert_string_equal(st->repo, "jacquev6/Xxx");
    assert_non_null(strstr(st->message, "not found"));
    s_expect_no_pipeline_message(ctx);
    assert_int_equal(s_route_stats(ctx->replay, route).hits, 1);
    assert_int_equal(s_unmatched(ctx->replay), 0);
}

/* PyGithub's Exceptions.testNonJsonDataReturnedByGithub: a 503 whose body
 * is an HTML page although Content-Type says JSON. Served twice for the
 * first page of octokit's paginate-issues, then the recorded page. */
static void test_html_503_is_retried_then_the_window_completes(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    s_recorded_t fault;
    s_pygithub_record(ctx,
                      "pygithub-replaydata/"
                      "Exceptions.testNonJsonDataReturnedByGithub.txt",
                      "/users/jacquev6", &fault);
    assert_int_equal(fault.status, 503);
    assert_memory_equal(fault.body, "<html>", 6);
    size_t pages = s_serve_octokit(ctx, S_PAGINATE "normalized-fixture.json");
    s_serve_no_comments(ctx, S_PAGINATE_REPO);
    /* Route 0 is the first page. */
    assert_int_equal(ctx->replay->routes[0].page, 1);
    s_route_fault(ctx->replay, 0, &fault, S_FAULTS);
    s_start_collector(ctx);
    const dp_collect_t *req = s_request(
        ctx, S_PAGINATE_REPO, "2017-10-10T15:00:00Z", "2017-10-10T17:00:00Z");
    s_expect_t want = s_expected(ctx, req->win_from, req->win_to);

    assert_int_equal(collector_collect(ctx->collector, req), 0);
    s_run_t run;
    s_receive_window(ctx, &run);
    s_route_t first = s_route_stats(ctx->replay, 0);
    assert_int_equal(first.faults, S_FAULTS);
    assert_int_equal(first.hits, S_FAULTS + 1);
    const dp_window_t *w = &ctx->window.u.window;
    assert_int_equal(w->retries, S_FAULTS);
    assert_int_equal(w->requests, (int64_t)pages + S_EMPTY_LISTS + S_FAULTS);
    assert_true(s_problems_mention(w, "503"));
    assert_int_equal(w->events, (int64_t)want.events);
    assert_int_equal(run.events, want.events);
    assert_int_equal(run.opened, want.items);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_link_pagination_fetches_every_recorded_page),
        T(test_strong_etags_revalidate_every_page_with_304),
        T(test_weak_etag_round_trips_and_revalidates_with_304),
        T(test_bad_credentials_fail_the_window_with_eauth),
        T(test_unknown_repository_fails_the_window_with_enotfound),
        T(test_html_503_is_retried_then_the_window_completes),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
