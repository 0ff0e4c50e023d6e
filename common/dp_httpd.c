/* dp_httpd.c - the health and metrics endpoint of a service (libmicrohttpd)
 */
/* SPDX-License-Identifier: MIT */
#include "dp_httpd.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "dp_config.h"
#include "dp_fs.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_metrics.h"

#define DP_HTTPD_HOST_MAX 256
#define DP_HTTPD_BACKLOG 16
#define DP_HTTPD_CONN_MEMORY 16384 /* bytes per connection: no body is read */
#define DP_HTTPD_PER_IP_MAX 8

struct dp_httpd_t {
    struct MHD_Daemon *daemon;
    int port; /* the port it listens on */
};

/* ==== Requests ==== */

static enum MHD_Result s_reply(struct MHD_Connection *conn, unsigned status,
                               const char *type, char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A copy of text in memory that libmicrohttpd frees (with free()). */
static char *s_libc_copy(const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy)
        memcpy(copy, text, len + 1);
    return copy;
}

/* Replies with text, copied. */
static enum MHD_Result s_reply_text(struct MHD_Connection *conn,
                                    unsigned status, const char *type,
                                    const char *text)
{
    char *body = s_libc_copy(text);
    return body ? s_reply(conn, status, type, body) : MHD_NO;
}

static enum MHD_Result s_health(struct MHD_Connection *conn)
{
    char reason[256];
    bool ok = dp_metrics_healthy(reason, sizeof reason);
    json_t *doc =
        ok ? json_pack("{s:s}", "status", "ok")
           : json_pack("{s:s,s:s}", "status", "unhealthy", "reason", reason);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return MHD_NO;
    dp_buf_t body = DP_BUF_INIT;
    dp_buf_printf(&body, "%s\n", text);
    free(text);
    enum MHD_Result ret =
        s_reply_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                     "application/json", body.data);
    dp_buf_free(&body);
    return ret;
}

static enum MHD_Result s_metrics(struct MHD_Connection *conn)
{
    char *text = dp_metrics_text();
    enum MHD_Result ret = s_reply_text(
        conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text);
    dp_free(text);
    return ret;
}

/* Answers on the first call, so a request body is never read. */
static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    const char *text = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text,
                            "GET only\n");
    if (strcmp(url, "/healthz") == 0)
        return s_health(conn);
    if (strcmp(url, "/metrics") == 0)
        return s_metrics(conn);
    return s_reply_text(conn, MHD_HTTP_NOT_FOUND, text,
                        "not found: try /healthz or /metrics\n");
}

/* ==== Listening ==== */

/* Splits "host:port" or "[v6]:port" into host and port. 0 or DP_EINVAL. */
static int s_split(const char *addr, char *host, size_t size, long *port)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr)
        return DP_EINVAL;
    const char *h = addr;
    size_t hlen = (size_t)(colon - addr);
    if (h[0] == '[') {
        if (hlen < 2 || h[hlen - 1] != ']')
            return DP_EINVAL;
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= size)
        return DP_EINVAL;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    return dp_parse_long(colon + 1, 0, 65535, port);
}

/* A listening socket on addr, or -1 with one line in err. */
static int s_listen(const char *addr, int *port, char *err, size_t errlen)
{
    char host[DP_HTTPD_HOST_MAX], service[8];
    long p = 0;
    if (s_split(addr, host, sizeof host, &p) < 0) {
        snprintf(err, errlen,
                 "http: \"%s\" is not ADDR:PORT such as 127.0.0.1:9100", addr);
        return -1;
    }
    snprintf(service, sizeof service, "%ld", p);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "http: %s: %s", addr, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
        listen(fd, DP_HTTPD_BACKLOG) != 0) {
        snprintf(err, errlen, "http: cannot listen on %s: %s", addr,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    *port = (int)p;
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
        *port = ntohs(ss.ss_family == AF_INET6
                          ? ((struct sockaddr_in6 *)&ss)->sin6_port
                          : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

dp_httpd_t *dp_httpd_new(const char *addr, char *err, size_t errlen)
{
    assert(addr && err);
    int port = 0;
    int fd = s_listen(addr, &port, err, errlen);
    if (fd < 0)
        return NULL;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
        s_on_request, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)DP_HTTPD_CONN_MAX,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)DP_HTTPD_PER_IP_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)DP_HTTPD_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)DP_HTTPD_CONN_MEMORY,
        MHD_OPTION_END);
    if (!d) {
        snprintf(err, errlen, "http: cannot start the server on %s", addr);
        close(fd);
        return NULL;
    }
    dp_httpd_t *self = dp_calloc(1, sizeof *self);
    self->daemon = d;
    self->port = port;
    return self;
}

int dp_httpd_port(const dp_httpd_t *self)
{
    assert(self);
    return self->port;
}

void dp_httpd_destroy(dp_httpd_t **self_p)
{
    assert(self_p);
    dp_httpd_t *self = *self_p;
    if (!self)
        return;
    /* MHD_stop_daemon closes the listening socket it was given. */
    MHD_stop_daemon(self->daemon);
    dp_free(self);
    *self_p = NULL;
}

/* The endpoint of the process (dp_httpd_start). */
static dp_httpd_t *s_httpd;

static void s_stop_at_exit(void)
{
    dp_httpd_destroy(&s_httpd);
}

int dp_httpd_start(const char *service, const char *addr)
{
    assert(service);
    dp_metrics_init(service);
    dp_metrics_tick(); /* the loop starts now */
    if (!addr || !*addr)
        return 0;
    if (s_httpd)
        return DP_ECONFIG;
    char err[512];
    dp_httpd_t *self = dp_httpd_new(addr, err, sizeof err);
    if (!self) {
        dp_log(DP_LOG_ERROR, "%s", err);
        return DP_ECONFIG;
    }
    dp_log(DP_LOG_INFO, "health and metrics on %s (port %d)", addr, self->port);
    const char *file = getenv("DP_HTTP_PORT_FILE");
    if (file && *file) {
        char text[16];
        int n = snprintf(text, sizeof text, "%d\n", self->port);
        if (dp_fs_write_atomic_nosync(file, text, (size_t)n, NULL, err,
                                      sizeof err) < 0) {
            dp_log(DP_LOG_ERROR, "DP_HTTP_PORT_FILE: %s", err);
            dp_httpd_destroy(&self);
            return DP_ECONFIG;
        }
    }
    s_httpd = self;
    atexit(s_stop_at_exit);
    return 0;
}
