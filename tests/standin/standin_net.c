/* standin_net.c - what the HTTP servers of the tests share */
/* SPDX-License-Identifier: MIT */
#include "standin_net.h"

#include <arpa/inet.h>
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
