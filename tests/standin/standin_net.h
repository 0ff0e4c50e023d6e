/* standin_net.h - what the HTTP servers of the tests share */
/* SPDX-License-Identifier: MIT */
#ifndef STANDIN_NET_H
#define STANDIN_NET_H

/*
 * The servers the tests start (gh-standin, llm-standin, dp-static) listen
 * on loopback, serve with libmicrohttpd (one thread per connection), print
 * their URL and serve until SIGINT or SIGTERM:
 *
 *   sigset_t sigs;
 *   standin_signals(&sigs);               before any thread starts
 *   fd = standin_listen(NULL, 0, &port);
 *   daemon = standin_start(fd, &server);  owns fd when it succeeds
 *   printf(url); standin_wait(&sigs); MHD_stop_daemon(daemon);
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "dp_mem.h"

/* How a server answers. */
typedef struct {
    MHD_AccessHandlerCallback on_request;      /* required */
    void *cls;                                 /* passed to on_request */
    MHD_RequestCompletedCallback on_completed; /* or NULL */
    void *(*on_uri)(void *cls, const char *uri,
                    struct MHD_Connection *conn); /* or NULL */
    unsigned conn_limit;                          /* connections at once */
    unsigned conn_timeout_s;                      /* idle connection */
    bool verbose; /* libmicrohttpd's errors on stderr */
} standin_server_t;

/* Blocks SIGINT and SIGTERM in the calling thread, and so in every thread
 * it starts afterwards, for standin_wait; ignores SIGPIPE. Fills sigs. */
void standin_signals(sigset_t *sigs);

/* Opens a listening TCP socket on host (an IPv4 address, NULL for
 * 127.0.0.1) and port (0: any free port), and writes the port bound into
 * *bound. Returns the descriptor, or -1 with errno set. */
int standin_listen(const char *host, long long port, unsigned *bound);

/* Starts serving on the listening socket fd, which the server then owns.
 * Returns the daemon (stop it with MHD_stop_daemon), or NULL (fd is still
 * the caller's). */
struct MHD_Daemon *standin_start(int fd, const standin_server_t *server);

/* Waits until SIGINT or SIGTERM comes (blocked by standin_signals). */
void standin_wait(const sigset_t *sigs);

/* Appends an uploaded chunk (MHD's upload_data, *size bytes) to body while
 * body stays within max bytes; sets *size to 0 (consumed). Returns false,
 * dropping the chunk, when it would pass max. */
bool standin_upload(dp_buf_t *body, size_t max, const char *data, size_t *size);

/* Listens on 127.0.0.1:port (0: any), starts serving, prints the base URL
 * ("http://127.0.0.1:PORT" followed by suffix) on stdout and serves until
 * SIGINT or SIGTERM. name prefixes the error messages on stderr. Returns
 * the exit status for main: 0, or 1 when it could not serve. Call it
 * before any thread starts (it calls standin_signals). */
int standin_run(const char *name, long long port,
                const standin_server_t *server, const char *suffix);

/* An answer of a whole-request handler. */
typedef struct {
    int status;       /* HTTP status (default 200) */
    char *body;       /* malloc'd (or NULL: empty); sent and freed */
    long retry_after; /* sent as retry-after when >= 0 (default -1) */
} standin_reply_t;

/* A handler that sees each request once, whole: its body gathered up to
 * max bytes (too_big when it was longer; the body is then cut). */
typedef struct {
    void (*on_whole)(void *cls, const char *method, const char *url,
                     const dp_buf_t *body, bool too_big,
                     standin_reply_t *reply);
    void *cls;
    size_t max;
} standin_whole_t;

/* The callbacks that run a standin_whole_t (passed as their cls), for
 * standin_server_t's on_request and on_completed. */
enum MHD_Result standin_whole_request(void *cls, struct MHD_Connection *conn,
                                      const char *url, const char *method,
                                      const char *version,
                                      const char *upload_data,
                                      size_t *upload_data_size, void **con_cls);
void standin_whole_completed(void *cls, struct MHD_Connection *conn,
                             void **con_cls,
                             enum MHD_RequestTerminationCode code);

#endif
