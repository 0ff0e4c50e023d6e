/* test_store_bus.c - dp_store, dp_bus and dp_http against the real things */
/* SPDX-License-Identifier: MIT */
/*
 * A private redis-server (tests/support/dp_testkit), real ZeroMQ sockets on
 * ipc:// endpoints in a private directory, and a small libmicrohttpd server
 * on 127.0.0.1 that this process runs on its own thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_http.h"
#include "dp_mem.h"
#include "dp_store.h"
#include "dp_testkit.h"

#define S_ERRLEN 256
#define S_RECV_MS 2000         /* longest wait for a message that must come */
#define S_QUIET_MS 100         /* wait that proves nothing more arrives */
#define S_SYNC_MS 5000         /* bound on the PUB/SUB connection handshake */
#define S_SLOW_HANDLER_MS 3000 /* how long /slow holds a request */
#define S_CLIENT_TIMEOUT_MS 300
#define S_SMALL_MAX_BODY 1024

/* ==== A small HTTP server on 127.0.0.1 ==== */

/* What the server saw of the last request, and how to stop it quickly. */
typedef struct {
    struct MHD_Daemon *daemon;
    char base[64];        /* "http://127.0.0.1:<port>" */
    atomic_int stopping;  /* makes /slow return at once */
    pthread_mutex_t lock; /* guards the fields below */
    char inm[256];        /* If-None-Match of the last request */
    char ims[256];        /* If-Modified-Since of the last request */
    char auth[256];       /* Authorization of the last request */
    char agent[256];      /* User-Agent of the last request */
} s_http_t;

static void s_copy_header(struct MHD_Connection *conn, const char *name,
                          char *out, size_t size)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    snprintf(out, size, "%s", v ? v : "");
}

/* GitHub's headers, with names in the mixed cases seen in recordings. */
static const struct {
    const char *name;
    const char *value;
} s_github_headers[] = {
    {"eTaG", "W/\"abc\""},
    {"LINK", "<https://api.github.com/repositories/1300192/issues?page=2>; "
             "rel=\"next\""},
    {"Last-Modified", "Tue, 19 Jul 2022 04:39:16 GMT"},
    {"content-TYPE", "application/json; charset=utf-8"},
    {"X-RateLimit-Limit", "5000"},
    {"x-ratelimit-remaining", "4999"},
    {"X-RATELIMIT-USED", "1"},
    {"x-RateLimit-Reset", "1658208999"},
    {"Retry-After", "60"},
};

/* Queues a response; with_github adds s_github_headers. */
static enum MHD_Result s_reply(struct MHD_Connection *conn, unsigned status,
                               const char *body, size_t len, bool with_github)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    size_t n =
        with_github ? sizeof s_github_headers / sizeof *s_github_headers : 0;
    for (size_t i = 0; i < n; i++)
        MHD_add_response_header(resp, s_github_headers[i].name,
                                s_github_headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static long s_query_long(struct MHD_Connection *conn, const char *name,
                         long def)
{
    const char *v =
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    if (!v || !*v)
        return def;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return *end ? def : n;
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    s_http_t *srv = cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    pthread_mutex_lock(&srv->lock);
    s_copy_header(conn, "If-None-Match", srv->inm, sizeof srv->inm);
    s_copy_header(conn, "If-Modified-Since", srv->ims, sizeof srv->ims);
    s_copy_header(conn, "Authorization", srv->auth, sizeof srv->auth);
    s_copy_header(conn, "User-Agent", srv->agent, sizeof srv->agent);
    pthread_mutex_unlock(&srv->lock);
    if (strcmp(method, "GET") != 0)
        return s_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "", 0, false);

    if (strcmp(url, "/headers") == 0) {
        const char *inm =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
        if (inm && strcmp(inm, "W/\"abc\"") == 0)
            return s_reply(conn, MHD_HTTP_NOT_MODIFIED, "", 0, true);
        return s_reply(conn, MHD_HTTP_OK, "[]", 2, true);
    }
    if (strcmp(url, "/slow") == 0) {
        /* Holds the request far longer than the client's timeout. */
        for (int waited = 0;
             waited < S_SLOW_HANDLER_MS && !atomic_load(&srv->stopping);
             waited += 10) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
        return s_reply(conn, MHD_HTTP_OK, "late", 4, false);
    }
    if (strcmp(url, "/big") == 0) {
        long n = s_query_long(conn, "n", 0);
        char *body = dp_malloc(n > 0 ? (size_t)n : 1);
        memset(body, 'x', n > 0 ? (size_t)n : 1);
        enum MHD_Result ret =
            s_reply(conn, MHD_HTTP_OK, body, n > 0 ? (size_t)n : 0, false);
        dp_free(body);
        return ret;
    }
    if (strcmp(url, "/ok") == 0)
        return s_reply(conn, MHD_HTTP_OK, "{}", 2, false);
    return s_reply(conn, MHD_HTTP_NOT_FOUND, "{\"message\":\"Not Found\"}", 23,
                   false);
}

static s_http_t *s_http_start(void)
{
    s_http_t *srv = dp_calloc(1, sizeof *srv);
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
    assert_int_not_equal(info->port, 0);
    snprintf(srv->base, sizeof srv->base, "http://127.0.0.1:%u",
             (unsigned)info->port);
    return srv;
}

static void s_http_stop(s_http_t **srv_p)
{
    s_http_t *srv = *srv_p;
    if (!srv)
        return;
    atomic_store(&srv->stopping, 1);
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    pthread_mutex_destroy(&srv->lock);
    dp_free(srv);
    *srv_p = NULL;
}

/* ==== Fixture: what a test started, stopped by the teardown ==== */

typedef struct {
    dp_tk_redis_t redis;
    dp_store_t *store;
    char *dir; /* ipc endpoints live here */
    dp_bus_t *bus;
    s_http_t *http;
    dp_http_t *client;
} s_ctx_t;

static int s_setup(void **state)
{
    *state = dp_calloc(1, sizeof(s_ctx_t));
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    dp_http_destroy(&ctx->client);
    s_http_stop(&ctx->http);
    dp_bus_destroy(&ctx->bus);
    dp_store_destroy(&ctx->store);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Starts a private Redis (or skips) and a store connected to it. */
static void s_start_store(s_ctx_t *ctx)
{
    dp_tk_redis_start_or_skip(&ctx->redis);
    char err[S_ERRLEN] = "";
    ctx->store = dp_store_new(ctx->redis.url, err, sizeof err);
    assert_non_null(ctx->store);
    assert_true(dp_store_ping(ctx->store));
}

/* Runs a command of NUL-terminated words and returns its reply. */
static redisReply *s_cmd(dp_store_t *store, int argc, const char **argv)
{
    redisReply *r = dp_store_command(store, argc, argv, NULL);
    assert_non_null(r);
    return r;
}

/* ==== dp_store ==== */

/* A value with NUL bytes, CR LF and a byte that is not UTF-8. */
static const char s_binary[] = "a\0b\0\xff\r\nc\0";
#define S_BINARY_LEN (sizeof s_binary - 1)

static void test_store_command_round_trips_binary_values(void **state)
{
    s_ctx_t *ctx = *state;
    s_start_store(ctx);

    const char *set[] = {"SET", "dp:test:bin", s_binary};
    size_t set_lens[] = {3, strlen("dp:test:bin"), S_BINARY_LEN};
    redisReply *r = dp_store_command(ctx->store, 3, set, set_lens);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);

    const char *get[] = {"GET", "dp:test:bin"};
    r = s_cmd(ctx->store, 2, get);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, S_BINARY_LEN);
    assert_memory_equal(r->str, s_binary, S_BINARY_LEN);
    freeReplyObject(r);

    dp_buf_t buf = DP_BUF_INIT;
    assert_int_equal(dp_store_get(ctx->store, "dp:test:bin", &buf), 0);
    assert_int_equal(buf.len, S_BINARY_LEN);
    assert_memory_equal(buf.data, s_binary, S_BINARY_LEN);

    /* A key with a NUL inside is a different key from its prefix. */
    const char *setk[] = {"SET", "k\0ey", "v"};
    size_t setk_lens[] = {3, 4, 1};
    r = dp_store_command(ctx->store, 3, setk, setk_lens);
    assert_non_null(r);
    freeReplyObject(r);
    const char *exists[] = {"EXISTS", "k\0ey"};
    size_t exists_lens[] = {6, 4};
    r = dp_store_command(ctx->store, 2, exists, exists_lens);
    assert_non_null(r);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    const char *exists_prefix[] = {"EXISTS", "k"};
    r = s_cmd(ctx->store, 2, exists_prefix);
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);

    /* The SET convenience, with and without expiry. */
    assert_int_equal(
        dp_store_set(ctx->store, "dp:test:ttl", s_binary, S_BINARY_LEN, 100),
        0);
    const char *ttl[] = {"TTL", "dp:test:ttl"};
    r = s_cmd(ctx->store, 2, ttl);
    assert_in_range(r->integer, 1, 100);
    freeReplyObject(r);
    assert_int_equal(dp_store_set(ctx->store, "dp:test:ttl", "x", 1, 0), 0);
    r = s_cmd(ctx->store, 2, ttl);
    assert_int_equal(r->integer, -1);
    freeReplyObject(r);
    assert_int_equal(dp_store_get(ctx->store, "dp:test:ttl", &buf), 0);
    assert_string_equal(buf.data, "x");

    /* Absent keys and error replies. */
    assert_int_equal(dp_store_get(ctx->store, "dp:test:absent", &buf),
                     DP_ENOTFOUND);
    const char *incr[] = {"INCR", "dp:test:bin"};
    r = s_cmd(ctx->store, 2, incr);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    dp_buf_free(&buf);
}

static void test_store_flush_returns_batch_replies_in_order(void **state)
{
    s_ctx_t *ctx = *state;
    s_start_store(ctx);
    redisReply *replies[8] = {NULL};
    assert_int_equal(dp_store_flush(ctx->store, replies, 8), 0);

    const char *set[] = {"SET", "dp:test:b", s_binary};
    size_t set_lens[] = {3, 9, S_BINARY_LEN};
    const char *incr[] = {"INCR", "dp:test:n"};
    const char *get[] = {"GET", "dp:test:b"};
    const char *hset[] = {"HSET", "dp:test:h", "body", s_binary};
    size_t hset_lens[] = {4, 9, 4, S_BINARY_LEN};
    const char *hget[] = {"HGET", "dp:test:h", "body"};
    dp_store_append(ctx->store, 3, set, set_lens);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_append(ctx->store, 2, get, NULL);
    dp_store_append(ctx->store, 4, hset, hset_lens);
    dp_store_append(ctx->store, 3, hget, NULL);
    assert_int_equal(dp_store_pending(ctx->store), 6);

    assert_int_equal(dp_store_flush(ctx->store, replies, 8), 6);
    assert_int_equal(dp_store_pending(ctx->store), 0);
    assert_int_equal(replies[0]->type, REDIS_REPLY_STATUS);
    assert_int_equal(replies[1]->integer, 1);
    assert_int_equal(replies[2]->integer, 2);
    assert_int_equal(replies[3]->len, S_BINARY_LEN);
    assert_memory_equal(replies[3]->str, s_binary, S_BINARY_LEN);
    assert_int_equal(replies[4]->integer, 1);
    assert_int_equal(replies[5]->len, S_BINARY_LEN);
    assert_memory_equal(replies[5]->str, s_binary, S_BINARY_LEN);
    for (int i = 0; i < 6; i++)
        freeReplyObject(replies[i]);
}

static void test_store_reconnects_after_redis_restart(void **state)
{
    s_ctx_t *ctx = *state;
    s_start_store(ctx);
    assert_int_equal(dp_store_set(ctx->store, "dp:test:k", "v", 1, 0), 0);

    /* Restarted while idle: the next command reconnects by itself. The new
     * server saves nothing, so the key is gone: it is a new server. */
    dp_tk_redis_halt(&ctx->redis);
    assert_int_equal(dp_tk_redis_start(&ctx->redis), 0);
    dp_buf_t buf = DP_BUF_INIT;
    assert_int_equal(dp_store_get(ctx->store, "dp:test:k", &buf), DP_ENOTFOUND);
    assert_int_equal(dp_store_set(ctx->store, "dp:test:k", "v2", 2, 0), 0);

    /* While it is down, commands and batches fail without blocking... */
    dp_tk_redis_halt(&ctx->redis);
    assert_false(dp_store_ping(ctx->store));
    assert_int_equal(dp_store_get(ctx->store, "dp:test:k", &buf), DP_EREDIS);
    const char *incr[] = {"INCR", "dp:test:n"};
    redisReply *replies[2] = {NULL, NULL};
    dp_store_append(ctx->store, 2, incr, NULL);
    assert_int_equal(dp_store_flush(ctx->store, replies, 2), DP_EREDIS);
    assert_int_equal(dp_store_pending(ctx->store), 0);

    /* ...and work again once a server is back on the same socket path. */
    assert_int_equal(dp_tk_redis_start(&ctx->redis), 0);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_append(ctx->store, 2, incr, NULL);
    assert_int_equal(dp_store_flush(ctx->store, replies, 2), 2);
    assert_int_equal(replies[0]->integer, 1);
    assert_int_equal(replies[1]->integer, 2);
    freeReplyObject(replies[0]);
    freeReplyObject(replies[1]);
    assert_true(dp_store_ping(ctx->store));
    dp_buf_free(&buf);
}

static void test_store_send_then_flush_reads_the_batch_sent(void **state)
{
    s_ctx_t *ctx = *state;
    if (dp_tk_cluster_wanted())
        skip(); /* a cluster's batch is sent by the flush, node by node */
    s_start_store(ctx);
    const char *incr[] = {"INCR", "dp:test:n"};
    const char *get[] = {"GET", "dp:test:n"};
    redisReply *replies[3] = {NULL};

    /* Sent, run by the server while nothing waits; the flush reads it. */
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_send(ctx->store);
    assert_int_equal(dp_store_pending(ctx->store), 2);
    redisContext *c = redisConnectUnix(ctx->redis.socket);
    assert_true(c && !c->err);
    redisReply *seen = NULL;
    for (int i = 0; i < 200; i++) { /* bounded: the server is quick */
        seen = redisCommand(c, "GET dp:test:n");
        if (seen && seen->type == REDIS_REPLY_STRING &&
            strcmp(seen->str, "2") == 0)
            break;
        freeReplyObject(seen);
        seen = NULL;
        usleep(10000);
    }
    assert_non_null(seen); /* stored before any reply was read */
    freeReplyObject(seen);
    redisFree(c);
    assert_int_equal(dp_store_flush(ctx->store, replies, 3), 2);
    assert_int_equal(replies[0]->integer, 1);
    assert_int_equal(replies[1]->integer, 2);
    freeReplyObject(replies[0]);
    freeReplyObject(replies[1]);

    /* Sent to a server that dies before it answers (stopped, then
     * killed): the flush sends the batch again, whole, to the one that
     * came back. */
    assert_int_equal(kill(ctx->redis.pid, SIGSTOP), 0);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_append(ctx->store, 2, get, NULL);
    dp_store_send(ctx->store);
    assert_int_equal(kill(ctx->redis.pid, SIGKILL), 0);
    dp_tk_redis_halt(&ctx->redis);
    assert_int_equal(dp_tk_redis_start(&ctx->redis), 0);
    assert_int_equal(dp_store_flush(ctx->store, replies, 3), 2);
    assert_int_equal(replies[0]->integer, 1); /* a new, empty server */
    assert_string_equal(replies[1]->str, "1");
    freeReplyObject(replies[0]);
    freeReplyObject(replies[1]);

    /* Sent while the server is down: the flush fails without blocking,
     * and the next batch works again. */
    dp_tk_redis_halt(&ctx->redis);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_send(ctx->store);
    assert_int_equal(dp_store_flush(ctx->store, replies, 3), DP_EREDIS);
    assert_int_equal(dp_store_pending(ctx->store), 0);
    assert_int_equal(dp_tk_redis_start(&ctx->redis), 0);
    dp_store_append(ctx->store, 2, incr, NULL);
    dp_store_send(ctx->store);
    assert_int_equal(dp_store_flush(ctx->store, replies, 3), 1);
    assert_int_equal(replies[0]->integer, 1);
    freeReplyObject(replies[0]);
}

static void test_store_url_db_selects_the_database(void **state)
{
    s_ctx_t *ctx = *state;
    s_start_store(ctx);
    char *url = dp_asprintf("%s?db=3", ctx->redis.url);
    char err[S_ERRLEN] = "";
    dp_store_t *db3 = dp_store_new(url, err, sizeof err);
    dp_free(url);
    assert_non_null(db3);
    assert_int_equal(dp_store_set(db3, "dp:test:db", "3", 1, 0), 0);
    dp_buf_t buf = DP_BUF_INIT;
    assert_int_equal(dp_store_get(ctx->store, "dp:test:db", &buf),
                     DP_ENOTFOUND);
    const char *select[] = {"SELECT", "3"};
    redisReply *r = s_cmd(ctx->store, 2, select);
    freeReplyObject(r);
    assert_int_equal(dp_store_get(ctx->store, "dp:test:db", &buf), 0);
    assert_string_equal(buf.data, "3");
    dp_buf_free(&buf);
    dp_store_destroy(&db3);
    dp_store_destroy(&db3); /* idempotent */
}

static void test_store_new_rejects_malformed_urls(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "localhost:6379",
                                      "http://localhost:6379",
                                      "redis://",
                                      "redis:///0",
                                      "redis://:secret@",
                                      "redis://localhost:",
                                      "redis://localhost:0",
                                      "redis://localhost:65536",
                                      "redis://localhost:63x9",
                                      "redis://localhost:6379/abc",
                                      "redis://localhost:6379/-1",
                                      "redis://localhost:6379/1/2",
                                      "unix://",
                                      "unix://?db=1",
                                      "unix:///tmp/dp-none.sock?db=",
                                      "unix:///tmp/dp-none.sock?db=x",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        char err[S_ERRLEN] = "";
        dp_store_t *store = dp_store_new(bad[i], err, sizeof err);
        if (store) {
            dp_store_destroy(&store);
            fail_msg("accepted the malformed URL \"%s\"", bad[i]);
        }
        if (!*err)
            fail_msg("no reason given for \"%s\"", bad[i]);
    }

    /* Well-formed URLs give a store even when nothing listens there. */
    static const char *const good[] = {"redis://127.0.0.1:1",
                                       "redis://user:pw@127.0.0.1:1/2",
                                       "redis://:pw@127.0.0.1:1",
                                       "unix:///nonexistent/dp.sock",
                                       "unix:///nonexistent/dp.sock?db=2",
                                       NULL};
    for (size_t i = 0; good[i]; i++) {
        char err[S_ERRLEN] = "";
        dp_store_t *store = dp_store_new(good[i], err, sizeof err);
        if (!store)
            fail_msg("refused \"%s\": %s", good[i], err);
        assert_false(dp_store_ping(store));
        dp_store_destroy(&store);
        assert_null(store);
    }
}

/* ==== dp_bus ==== */

static char *s_endpoint(s_ctx_t *ctx, char how, const char *name)
{
    if (!ctx->dir) {
        ctx->dir = dp_tk_tmpdir("bus");
        assert_non_null(ctx->dir);
    }
    return dp_asprintf("%cipc://%s/%s", how, ctx->dir, name);
}

/* Opens a socket on an endpoint in the test directory ('@' bind, '>'
 * connect, ' ' the socket type's default). */
static dp_sock_t *s_sock(s_ctx_t *ctx, int type, char how, const char *name)
{
    if (!ctx->bus) {
        ctx->bus = dp_bus_new();
        assert_non_null(ctx->bus);
    }
    char *ep = s_endpoint(ctx, how, name);
    dp_sock_t *sock = dp_sock_new(ctx->bus, type, how == ' ' ? ep + 1 : ep);
    dp_free(ep);
    assert_non_null(sock);
    return sock;
}

static void s_expect_message(dp_sock_t *sock, const char *subject,
                             const void *data, size_t len)
{
    dp_buf_t subj = DP_BUF_INIT, payload = DP_BUF_INIT;
    assert_int_equal(dp_sock_recv(sock, &subj, &payload, 1 << 20, S_RECV_MS),
                     0);
    assert_int_equal(subj.len, subject ? strlen(subject) : 0);
    if (subject)
        assert_memory_equal(subj.data, subject, subj.len);
    assert_int_equal(payload.len, len);
    if (len)
        assert_memory_equal(payload.data, data, len);
    dp_buf_free(&subj);
    dp_buf_free(&payload);
}

static void s_expect_nothing(dp_sock_t *sock)
{
    dp_buf_t payload = DP_BUF_INIT;
    assert_int_equal(dp_sock_recv(sock, NULL, &payload, 1 << 20, S_QUIET_MS),
                     DP_EAGAIN);
    dp_buf_free(&payload);
}

static void test_bus_push_pull_carries_binary_payloads(void **state)
{
    s_ctx_t *ctx = *state;
    dp_sock_t *pull = s_sock(ctx, ZMQ_PULL, '@', "pipe");
    dp_sock_t *push = s_sock(ctx, ZMQ_PUSH, '>', "pipe");
    s_expect_nothing(pull);
    assert_int_equal(dp_sock_send(push, NULL, s_binary, S_BINARY_LEN, false),
                     0);
    s_expect_message(pull, NULL, s_binary, S_BINARY_LEN);
    assert_int_equal(dp_sock_send(push, NULL, "", 0, false), 0);
    s_expect_message(pull, NULL, "", 0);

    /* Without a prefix, PULL binds and PUSH connects. */
    dp_sock_t *pull2 = s_sock(ctx, ZMQ_PULL, ' ', "pipe2");
    dp_sock_t *push2 = s_sock(ctx, ZMQ_PUSH, ' ', "pipe2");
    assert_int_equal(dp_sock_send(push2, NULL, "two", 3, false), 0);
    s_expect_message(pull2, NULL, "two", 3);
    dp_sock_destroy(&push2);
    dp_sock_destroy(&push2); /* idempotent */
    assert_null(push2);
}

/* Sends on pub until sub has seen one message of subject, so the
 * subscription is known to be in place (PUB drops what it sends before). */
static void s_sync_sub(dp_sock_t *pub, dp_sock_t *sub, const char *subject)
{
    dp_buf_t subj = DP_BUF_INIT, payload = DP_BUF_INIT;
    bool seen = false;
    for (int waited = 0; !seen && waited < S_SYNC_MS; waited += 50) {
        assert_int_equal(dp_sock_send(pub, subject, "sync", 4, true), 0);
        seen = dp_sock_recv(sub, &subj, &payload, 1024, 50) == 0;
    }
    assert_true(seen);
    /* Later sync messages may still be on their way. */
    while (dp_sock_recv(sub, &subj, &payload, 1024, S_QUIET_MS) == 0)
        assert_memory_equal(subj.data, subject, strlen(subject));
    dp_buf_free(&subj);
    dp_buf_free(&payload);
}

static void test_bus_sub_receives_only_its_subject_prefix(void **state)
{
    s_ctx_t *ctx = *state;
    dp_sock_t *pub = s_sock(ctx, ZMQ_PUB, '@', "tap");
    dp_sock_t *events = s_sock(ctx, ZMQ_SUB, '>', "tap");
    dp_sock_t *windows = s_sock(ctx, ZMQ_SUB, ' ', "tap");
    assert_int_equal(dp_sock_subscribe(events, "event."), 0);
    assert_int_equal(dp_sock_subscribe(windows, "window."), 0);
    s_sync_sub(pub, events, "event.sync");
    s_sync_sub(pub, windows, "window.sync");

    assert_int_equal(dp_sock_send(pub, "window.o/r", "w", 1, true), 0);
    assert_int_equal(dp_sock_send(pub, "event.o/r", "e1", 2, true), 0);
    assert_int_equal(dp_sock_send(pub, "eventually", "x", 1, true), 0);
    assert_int_equal(dp_sock_send(pub, "status.o/r", "s", 1, true), 0);
    assert_int_equal(
        dp_sock_send(pub, "event.o/r2", s_binary, S_BINARY_LEN, true), 0);
    s_expect_message(events, "event.o/r", "e1", 2);
    s_expect_message(events, "event.o/r2", s_binary, S_BINARY_LEN);
    s_expect_nothing(events);
    s_expect_message(windows, "window.o/r", "w", 1);
    s_expect_nothing(windows);
}

static void test_bus_recv_drops_oversized_frame_and_goes_on(void **state)
{
    s_ctx_t *ctx = *state;
    dp_sock_t *pull = s_sock(ctx, ZMQ_PULL, '@', "big");
    dp_sock_t *push = s_sock(ctx, ZMQ_PUSH, '>', "big");
    enum { MAX = 1024 };
    char *big = dp_calloc(1, MAX + 1);
    dp_buf_t subj = DP_BUF_INIT, payload = DP_BUF_INIT;

    assert_int_equal(dp_sock_send(push, NULL, big, MAX + 1, false), 0);
    assert_int_equal(dp_sock_recv(pull, &subj, &payload, MAX, S_RECV_MS),
                     DP_ETOOBIG);
    /* The same with a subject frame before the payload. */
    assert_int_equal(dp_sock_send(push, "event.o/r", big, MAX + 1, false), 0);
    assert_int_equal(dp_sock_recv(pull, &subj, &payload, MAX, S_RECV_MS),
                     DP_ETOOBIG);
    /* Exactly max_len is accepted. */
    assert_int_equal(dp_sock_send(push, NULL, big, MAX, false), 0);
    assert_int_equal(dp_sock_recv(pull, &subj, &payload, MAX, S_RECV_MS), 0);
    assert_int_equal(payload.len, MAX);

    /* The oversized ones were consumed; the next message is intact. */
    assert_int_equal(dp_sock_send(push, NULL, "next", 4, false), 0);
    s_expect_message(pull, NULL, "next", 4);
    dp_free(big);
    dp_buf_free(&subj);
    dp_buf_free(&payload);
}

static void s_send_frames(dp_sock_t *sock, int n)
{
    void *z = dp_sock_handle(sock);
    for (int i = 0; i < n; i++) {
        char frame[16];
        int len = snprintf(frame, sizeof frame, "f%d", i);
        assert_int_equal(
            zmq_send(z, frame, (size_t)len, i + 1 < n ? ZMQ_SNDMORE : 0), len);
    }
}

static void test_bus_recv_rejects_three_frames_and_goes_on(void **state)
{
    s_ctx_t *ctx = *state;
    dp_sock_t *pull = s_sock(ctx, ZMQ_PULL, '@', "frames");
    dp_sock_t *push = s_sock(ctx, ZMQ_PUSH, '>', "frames");
    dp_buf_t subj = DP_BUF_INIT, payload = DP_BUF_INIT;

    s_send_frames(push, 3);
    assert_int_equal(dp_sock_recv(pull, &subj, &payload, 1024, S_RECV_MS),
                     DP_EPROTO);
    s_send_frames(push, 5);
    assert_int_equal(dp_sock_recv(pull, NULL, &payload, 1024, S_RECV_MS),
                     DP_EPROTO);
    /* Every frame of the bad messages was consumed. */
    assert_int_equal(dp_sock_send(push, "event.o/r", "next", 4, false), 0);
    s_expect_message(pull, "event.o/r", "next", 4);
    s_send_frames(push, 2);
    s_expect_message(pull, "f0", "f1", 2);
    s_expect_nothing(pull);
    dp_buf_free(&subj);
    dp_buf_free(&payload);
}

/* ==== dp_http ==== */

static dp_http_t *s_client(s_ctx_t *ctx, long timeout_ms, size_t max_body)
{
    if (!ctx->http)
        ctx->http = s_http_start();
    dp_http_destroy(&ctx->client);
    dp_http_opts_t opts = {
        .user_agent = "devpulse-test",
        .token = "test-token",
        .accept = "application/vnd.github+json",
        .timeout_ms = timeout_ms,
        .max_body = max_body,
    };
    ctx->client = dp_http_new(&opts);
    assert_non_null(ctx->client);
    return ctx->client;
}

static int s_get(s_ctx_t *ctx, const char *path, const char *inm,
                 const char *ims, dp_http_resp_t *resp)
{
    char *url = dp_asprintf("%s%s", ctx->http->base, path);
    int rc = dp_http_get(ctx->client, url, inm, ims, resp);
    dp_free(url);
    return rc;
}

static void test_http_reads_github_headers_in_any_case(void **state)
{
    s_ctx_t *ctx = *state;
    s_client(ctx, 5000, 0);
    dp_http_resp_t resp;
    assert_int_equal(s_get(ctx, "/headers", NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "[]");
    assert_int_equal(resp.body_len, 2);
    assert_string_equal(resp.etag, "W/\"abc\"");
    assert_string_equal(resp.link,
                        "<https://api.github.com/repositories/1300192/"
                        "issues?page=2>; rel=\"next\"");
    assert_string_equal(resp.last_modified, "Tue, 19 Jul 2022 04:39:16 GMT");
    assert_string_equal(resp.content_type, "application/json; charset=utf-8");
    assert_int_equal(resp.rl_limit, 5000);
    assert_int_equal(resp.rl_remaining, 4999);
    assert_int_equal(resp.rl_used, 1);
    assert_int_equal(resp.rl_reset, 1658208999);
    assert_int_equal(resp.retry_after, 60);
    dp_http_resp_clear(&resp);
    assert_null(resp.body);
    assert_int_equal(resp.rl_limit, -1);

    pthread_mutex_lock(&ctx->http->lock);
    assert_string_equal(ctx->http->auth, "Bearer test-token");
    assert_string_equal(ctx->http->agent, "devpulse-test");
    assert_string_equal(ctx->http->inm, "");
    pthread_mutex_unlock(&ctx->http->lock);

    /* Absent headers read as absent. */
    assert_int_equal(s_get(ctx, "/ok", NULL, NULL, &resp), 0);
    assert_null(resp.etag);
    assert_null(resp.link);
    assert_int_equal(resp.rl_remaining, -1);
    assert_int_equal(resp.retry_after, -1);
    dp_http_resp_clear(&resp);
}

static void test_http_sends_weak_etag_back_verbatim(void **state)
{
    s_ctx_t *ctx = *state;
    s_client(ctx, 5000, 0);
    dp_http_resp_t resp;
    assert_int_equal(s_get(ctx, "/headers", "W/\"abc\"",
                           "Tue, 19 Jul 2022 04:39:16 GMT", &resp),
                     0);
    assert_int_equal(resp.status, 304);
    assert_int_equal(resp.body_len, 0);
    assert_string_equal(resp.etag, "W/\"abc\"");
    dp_http_resp_clear(&resp);
    pthread_mutex_lock(&ctx->http->lock);
    assert_string_equal(ctx->http->inm, "W/\"abc\"");
    assert_string_equal(ctx->http->ims, "Tue, 19 Jul 2022 04:39:16 GMT");
    pthread_mutex_unlock(&ctx->http->lock);
}

/* Link header values in the shapes GitHub sends (docs.github.com, "Using
 * pagination in the REST API", and the recorded fixtures' shapes). */
static void test_http_link_next_reads_github_link_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *link;
        const char *next; /* NULL: none */
    } cases[] = {
        /* First page: next and last. */
        {"<https://api.github.com/repositories/1300192/issues?page=2>; "
         "rel=\"next\", <https://api.github.com/repositories/1300192/"
         "issues?page=515>; rel=\"last\"",
         "https://api.github.com/repositories/1300192/issues?page=2"},
        /* A middle page: prev, next, last, first. */
        {"<https://api.github.com/repositories/1300192/issues?page=2>; "
         "rel=\"prev\", <https://api.github.com/repositories/1300192/"
         "issues?page=4>; rel=\"next\", <https://api.github.com/"
         "repositories/1300192/issues?page=515>; rel=\"last\", "
         "<https://api.github.com/repositories/1300192/issues?page=1>; "
         "rel=\"first\"",
         "https://api.github.com/repositories/1300192/issues?page=4"},
        /* The last page: no next. */
        {"<https://api.github.com/repositories/1300192/issues?page=514>; "
         "rel=\"prev\", <https://api.github.com/repositories/1300192/"
         "issues?page=1>; rel=\"first\"",
         NULL},
        /* Several query parameters, a cursor and a URI template. */
        {"<https://api.github.com/users?per_page=10&since=19>; rel=\"next\", "
         "<https://api.github.com/users{?since}>; rel=\"first\"",
         "https://api.github.com/users?per_page=10&since=19"},
        {"<https://api.github.com/repositories/515435940/issues?per_page=3&"
         "page=1>; rel=\"prev\", <https://api.github.com/repositories/"
         "515435940/issues?per_page=3&page=3>; rel=\"next\"",
         "https://api.github.com/repositories/515435940/issues?per_page=3&"
         "page=3"},
        /* A comma inside a URL does not split the entry. */
        {"<https://api.github.com/repos/o/r/issues?labels=bug,ui&page=1>; "
         "rel=\"prev\", <https://api.github.com/repos/o/r/issues?labels=bug,"
         "ui&page=3>; rel=\"next\"",
         "https://api.github.com/repos/o/r/issues?labels=bug,ui&page=3"},
        /* Search results, percent-encoded query. */
        {"<https://api.github.com/search/issues?q=repo%3Avllm-project%2Fvllm"
         "+is%3Aissue&page=2>; rel=\"next\"",
         "https://api.github.com/search/issues?q=repo%3Avllm-project%2Fvllm"
         "+is%3Aissue&page=2"},
        /* GitHub Enterprise with a path prefix. */
        {"<https://ghe.example.com/api/v3/repositories/7/issues?page=2>; "
         "rel=\"next\"",
         "https://ghe.example.com/api/v3/repositories/7/issues?page=2"},
        {"", NULL},
        {"garbage", NULL},
        {"<https://api.github.com/x?page=2", NULL},
        {"<>; rel=\"next\"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *next = dp_http_link_next(cases[i].link);
        if (cases[i].next && (!next || strcmp(next, cases[i].next) != 0))
            fail_msg("Link %zu: got \"%s\", want \"%s\"", i,
                     next ? next : "(none)", cases[i].next);
        if (!cases[i].next && next)
            fail_msg("Link %zu: got \"%s\", want none", i, next);
        dp_free(next);
    }
    assert_null(dp_http_link_next(NULL));
}

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_http_times_out_against_a_slow_handler(void **state)
{
    s_ctx_t *ctx = *state;
    s_client(ctx, S_CLIENT_TIMEOUT_MS, 0);
    dp_http_resp_t resp;
    long long start = s_now_ms();
    assert_int_equal(s_get(ctx, "/slow", NULL, NULL, &resp), DP_EHTTP);
    long long took = s_now_ms() - start;
    assert_int_equal(resp.status, 0);
    assert_true(resp.error[0] != '\0');
    assert_true(took >= S_CLIENT_TIMEOUT_MS - 50);
    assert_true(took < S_SLOW_HANDLER_MS);
    dp_http_resp_clear(&resp);

    /* The client works again after a timeout. */
    assert_int_equal(s_get(ctx, "/ok", NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 200);
    dp_http_resp_clear(&resp);
}

static void test_http_refuses_a_body_over_max_body(void **state)
{
    s_ctx_t *ctx = *state;
    s_client(ctx, 5000, S_SMALL_MAX_BODY);
    dp_http_resp_t resp;
    char path[64];
    snprintf(path, sizeof path, "/big?n=%d", S_SMALL_MAX_BODY);
    assert_int_equal(s_get(ctx, path, NULL, NULL, &resp), 0);
    assert_int_equal(resp.body_len, S_SMALL_MAX_BODY);
    dp_http_resp_clear(&resp);

    snprintf(path, sizeof path, "/big?n=%d", S_SMALL_MAX_BODY + 1);
    assert_int_equal(s_get(ctx, path, NULL, NULL, &resp), DP_ETOOBIG);
    assert_int_equal(resp.status, 0);
    assert_non_null(strstr(resp.error, "larger than"));
    dp_http_resp_clear(&resp);

    assert_int_equal(s_get(ctx, "/big?n=4000000", NULL, NULL, &resp),
                     DP_ETOOBIG);
    dp_http_resp_clear(&resp);

    assert_int_equal(s_get(ctx, "/ok", NULL, NULL, &resp), 0);
    assert_int_equal(resp.status, 200);
    dp_http_resp_clear(&resp);
}

static void test_http_refused_connection_is_ehttp(void **state)
{
    s_ctx_t *ctx = *state;
    s_client(ctx, 5000, 0);
    /* A port that was just free: bind, read it, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    char *url = dp_asprintf("http://127.0.0.1:%u/x", ntohs(sa.sin_port));
    dp_http_resp_t resp;
    int rc = dp_http_get(ctx->client, url, NULL, NULL, &resp);
    dp_free(url);
    assert_int_equal(rc, DP_EHTTP);
    assert_int_equal(resp.status, 0);
    assert_true(resp.error[0] != '\0');
    dp_http_resp_clear(&resp);
}

int main(void)
{
    /* Writes to a Redis that went away must fail, not kill the process;
     * the services ignore SIGPIPE the same way (dp_service_signals). */
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_store_command_round_trips_binary_values),
        T(test_store_flush_returns_batch_replies_in_order),
        T(test_store_reconnects_after_redis_restart),
        T(test_store_send_then_flush_reads_the_batch_sent),
        T(test_store_url_db_selects_the_database),
        T(test_store_new_rejects_malformed_urls),
        T(test_bus_push_pull_carries_binary_payloads),
        T(test_bus_sub_receives_only_its_subject_prefix),
        T(test_bus_recv_drops_oversized_frame_and_goes_on),
        T(test_bus_recv_rejects_three_frames_and_goes_on),
        T(test_http_reads_github_headers_in_any_case),
        T(test_http_sends_weak_etag_back_verbatim),
        T(test_http_link_next_reads_github_link_shapes),
        T(test_http_times_out_against_a_slow_handler),
        T(test_http_refuses_a_body_over_max_body),
        T(test_http_refused_connection_is_ehttp),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
