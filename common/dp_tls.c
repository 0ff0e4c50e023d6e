/* dp_tls.c - a TLS tunnel for clients that speak plain sockets (hiredis
 * 0.14 has no TLS of its own) */
/* SPDX-License-Identifier: MIT */
#include "dp_tls.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dp_log.h"
#include "dp_mem.h"

#define DP_TLS_BUF 16384
#define DP_TLS_POLL_MS 200

struct dp_tls_t {
    SSL_CTX *ctx;
    SSL *ssl;
    int tcp;      /* the encrypted side */
    int plain[2]; /* [0] handed to the client, [1] pumped */
    pthread_t pump;
    bool running;
    volatile int stop;
};

static void s_ssl_error(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    snprintf(err, errlen, "%s: %s", what, e ? text : "failed");
}

static int s_tcp_connect(const char *host, int port, int timeout_ms, char *err,
                         size_t errlen)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            snprintf(err, errlen, "%s:%d: %s", host, port, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* Writes all of buf to fd or through ssl; false when the peer is gone.
 * The encrypted socket is non-blocking: wait for it when TLS asks to. */
static bool s_write_all(SSL *ssl, int fd, const char *buf, size_t len)
{
    while (len > 0) {
        int n = ssl ? SSL_write(ssl, buf, (int)len) : (int)write(fd, buf, len);
        if (n <= 0) {
            if (!ssl) {
                if (errno == EINTR)
                    continue;
                return false;
            }
            int e = SSL_get_error(ssl, n);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                return false;
            struct pollfd p = {SSL_get_fd(ssl),
                               e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 0};
            poll(&p, 1, DP_TLS_POLL_MS);
            continue;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static void *s_pump(void *arg)
{
    dp_tls_t *self = arg;
    char *buf = dp_malloc(DP_TLS_BUF);
    /* Non-blocking from here: TLS may read records that hold no data (TLS
     * 1.3 session tickets), and a blocking read would then wait for data
     * the server sends only after our next request. */
    fcntl(self->tcp, F_SETFL, fcntl(self->tcp, F_GETFL) | O_NONBLOCK);
    while (!self->stop) {
        struct pollfd p[2] = {{self->plain[1], POLLIN, 0},
                              {self->tcp, POLLIN, 0}};
        int ready = SSL_pending(self->ssl) > 0 ? 1 : poll(p, 2, DP_TLS_POLL_MS);
        if (ready < 0 && errno != EINTR)
            break;
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(self->plain[1], buf, DP_TLS_BUF);
            if (n <= 0 || !s_write_all(self->ssl, -1, buf, (size_t)n))
                break; /* the client closed its end, or the server left */
        }
        if ((p[1].revents & (POLLIN | POLLHUP)) || SSL_pending(self->ssl)) {
            int n = SSL_read(self->ssl, buf, DP_TLS_BUF);
            if (n <= 0) {
                int e = SSL_get_error(self->ssl, n);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                    continue;
                break;
            }
            if (!s_write_all(NULL, self->plain[1], buf, (size_t)n))
                break;
        }
    }
    dp_free(buf);
    /* Let the client see the end of the connection. */
    shutdown(self->plain[1], SHUT_RDWR);
    return NULL;
}

dp_tls_t *dp_tls_connect(const char *host, int port, const char *ca_file,
                         int timeout_ms, char *err, size_t errlen)
{
    assert(host);
    dp_tls_t *self = dp_calloc(1, sizeof *self);
    self->tcp = self->plain[0] = self->plain[1] = -1;
    self->ctx = SSL_CTX_new(TLS_client_method());
    if (!self->ctx) {
        s_ssl_error(err, errlen, "TLS");
        goto fail;
    }
    SSL_CTX_set_min_proto_version(self->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(self->ctx, SSL_VERIFY_PEER, NULL);
    int loaded = ca_file
                     ? SSL_CTX_load_verify_locations(self->ctx, ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(self->ctx);
    if (loaded != 1) {
        s_ssl_error(err, errlen, ca_file ? ca_file : "system CAs");
        goto fail;
    }
    self->tcp = s_tcp_connect(host, port, timeout_ms, err, errlen);
    if (self->tcp < 0)
        goto fail;
    self->ssl = SSL_new(self->ctx);
    SSL_set_fd(self->ssl, self->tcp);
    SSL_set_tlsext_host_name(self->ssl, host);
    X509_VERIFY_PARAM *param = SSL_get0_param(self->ssl);
    unsigned char addr[16];
    if (inet_pton(AF_INET, host, addr) == 1 ||
        inet_pton(AF_INET6, host, addr) == 1)
        X509_VERIFY_PARAM_set1_ip_asc(param, host);
    else
        X509_VERIFY_PARAM_set1_host(param, host, 0);
    if (SSL_connect(self->ssl) != 1) {
        long v = SSL_get_verify_result(self->ssl);
        if (v != X509_V_OK)
            snprintf(err, errlen, "TLS to %s:%d: certificate not trusted (%s)",
                     host, port, X509_verify_cert_error_string(v));
        else
            s_ssl_error(err, errlen, "TLS handshake");
        goto fail;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, self->plain) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&self->pump, NULL, s_pump, self) != 0) {
        snprintf(err, errlen, "cannot start the TLS pump");
        goto fail;
    }
    self->running = true;
    return self;
fail:
    if (self->plain[0] >= 0)
        close(self->plain[0]); /* never handed out */
    dp_tls_destroy(&self);
    return NULL;
}

int dp_tls_fd(const dp_tls_t *self)
{
    return self->plain[0];
}

void dp_tls_destroy(dp_tls_t **self_p)
{
    assert(self_p);
    dp_tls_t *self = *self_p;
    if (!self)
        return;
    if (self->running) {
        self->stop = 1;
        pthread_join(self->pump, NULL);
    }
    if (self->plain[1] >= 0)
        close(self->plain[1]);
    if (self->ssl) {
        SSL_shutdown(self->ssl);
        SSL_free(self->ssl);
    }
    if (self->tcp >= 0)
        close(self->tcp);
    if (self->ctx)
        SSL_CTX_free(self->ctx);
    dp_free(self);
    *self_p = NULL;
}
