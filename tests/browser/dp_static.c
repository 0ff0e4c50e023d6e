/* dp_static.c - a static file server on 127.0.0.1 for the browser test */
/* SPDX-License-Identifier: MIT */

/*
 * dp-static ROOT serves the files under ROOT over HTTP on 127.0.0.1 (a
 * free port), prints its base URL on stdout and serves until SIGINT or
 * SIGTERM. GET and HEAD only; a directory serves its index.html; a path
 * with a ".." or "." segment, a NUL, a backslash or a percent sign is
 * refused, and so is anything that is not a regular file. Content types
 * follow the extension, with nosniff, so the browser sees the pages as a
 * web server would serve them.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "dp_mem.h"
#include "standin_net.h"

#define S_CONN_LIMIT 64
#define S_CONN_TIMEOUT_S 30

typedef struct {
    const char *ext;  /* file name ending */
    const char *type; /* Content-Type */
} s_type_t;

static const s_type_t s_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".xml", "application/atom+xml; charset=utf-8"},
    {".json", "application/json"},
    {".md", "text/markdown; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".png", "image/png"},
};

static const char *s_root;

static const char *s_content_type(const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < sizeof s_types / sizeof s_types[0]; i++) {
        size_t n = strlen(s_types[i].ext);
        if (len >= n && strcmp(path + len - n, s_types[i].ext) == 0)
            return s_types[i].type;
    }
    return "application/octet-stream";
}

/* True when url is a plain absolute path without dot segments. */
static bool s_url_ok(const char *url)
{
    if (url[0] != '/' || strpbrk(url, "\\%"))
        return false;
    const char *seg = url + 1;
    while (*seg) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if ((n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (!end)
            break;
        seg = end + 1;
    }
    return true;
}

static enum MHD_Result s_reply(struct MHD_Connection *conn, unsigned status,
                               const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

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
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    if (!s_url_ok(url))
        return s_reply(conn, MHD_HTTP_BAD_REQUEST, "bad path\n");
    char *path = dp_asprintf("%s%s", s_root, url);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char *index = dp_asprintf("%s%sindex.html", path,
                                  path[strlen(path) - 1] == '/' ? "" : "/");
        dp_free(path);
        path = index;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        dp_free(path);
        return s_reply(conn, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    struct MHD_Response *r =
        MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        dp_free(path);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", s_content_type(path));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    dp_free(path);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dp-static ROOT\n");
        return 2;
    }
    s_root = argv[1];
    sigset_t sigs;
    standin_signals(&sigs);

    unsigned port = 0;
    int fd = standin_listen(NULL, 0, &port);
    if (fd < 0) {
        fprintf(stderr, "dp-static: cannot listen on 127.0.0.1: %s\n",
                strerror(errno));
        return 1;
    }
    const standin_server_t server = {
        s_on_request, NULL, NULL, NULL, S_CONN_LIMIT, S_CONN_TIMEOUT_S, false};
    struct MHD_Daemon *daemon = standin_start(fd, &server);
    if (!daemon) {
        fprintf(stderr, "dp-static: cannot start the HTTP server\n");
        close(fd);
        return 1;
    }
    printf("http://127.0.0.1:%u\n", port);
    fflush(stdout);
    standin_wait(&sigs);
    MHD_stop_daemon(daemon);
    return 0;
}
