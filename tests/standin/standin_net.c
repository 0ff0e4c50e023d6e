/* standin_net.c - what the HTTP servers of the tests share */
/* SPDX-License-Identifier: MIT */
#include "standin_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int standin_listen(const char *host, long long port, unsigned *bound)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (host && inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, SOMAXCONN) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

void standin_signals(sigset_t *sigs)
{
    sigemptyset(sigs);
    sigaddset(sigs, SIGINT);
    sigaddset(sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
}

struct MHD_Daemon *standin_start(int fd, const standin_server_t *server)
{
    return MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_POLL | (server->verbose ? MHD_USE_ERROR_LOG : 0),
        0, NULL, NULL, server->on_request, server->cls,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK,
        server->on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, server->on_completed,
        NULL, MHD_OPTION_CONNECTION_LIMIT, server->conn_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, server->conn_timeout_s, MHD_OPTION_END);
}

void standin_wait(const sigset_t *sigs)
{
    int sig = 0;
    while (sigwait(sigs, &sig) != 0)
        ;
}

bool standin_upload(dp_buf_t *body, size_t max, const char *data, size_t *size)
{
    bool fits = body->len + *size <= max;
    if (fits)
        dp_buf_append(body, data, *size);
    *size = 0;
    return fits;
}

int standin_run(const char *name, long long port,
                const standin_server_t *server, const char *suffix)
{
    sigset_t sigs;
    standin_signals(&sigs);
    unsigned bound = 0;
    int fd = standin_listen("127.0.0.1", port, &bound);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%lld: %s\n", name, port,
                strerror(errno));
        return 1;
    }
    struct MHD_Daemon *daemon = standin_start(fd, server);
    if (!daemon) {
        fprintf(stderr, "%s: cannot start the HTTP server\n", name);
        close(fd);
        return 1;
    }
    printf("http://127.0.0.1:%u%s\n", bound, suffix ? suffix : "");
    fflush(stdout);
    standin_wait(&sigs);
    MHD_stop_daemon(daemon);
    return 0;
}

/* A request being gathered. */
typedef struct {
    dp_buf_t body;
    bool too_big;
} s_whole_req_t;

enum MHD_Result standin_whole_request(void *cls, struct MHD_Connection *conn,
                                      const char *url, const char *method,
                                      const char *version,
                                      const char *upload_data,
                                      size_t *upload_data_size, void **con_cls)
{
    const standin_whole_t *whole = cls;
    (void)version;
    s_whole_req_t *req = *con_cls;
    if (!req) {
        *con_cls = dp_calloc(1, sizeof *req);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!standin_upload(&req->body, whole->max, upload_data,
                            upload_data_size))
            req->too_big = true;
        return MHD_YES;
    }
    standin_reply_t r = {200, NULL, -1};
    whole->on_whole(whole->cls, method, url ? url : "/", &req->body,
                    req->too_big, &r);
    const char *body = r.body ? r.body : "";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    free(r.body);
    if (!resp)
        return MHD_NO;
    if (r.retry_after >= 0) {
        char num[32];
        snprintf(num, sizeof num, "%ld", r.retry_after);
        MHD_add_response_header(resp, "retry-after", num);
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

void standin_whole_completed(void *cls, struct MHD_Connection *conn,
                             void **con_cls,
                             enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    s_whole_req_t *req = *con_cls;
    if (req) {
        dp_buf_free(&req->body);
        dp_free(req);
        *con_cls = NULL;
    }
}
