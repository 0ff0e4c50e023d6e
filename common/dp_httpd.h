/* dp_httpd.h - the health and metrics endpoint of a service (libmicrohttpd)
 */
/* SPDX-License-Identifier: MIT */
#ifndef DP_HTTPD_H
#define DP_HTTPD_H

#include <stddef.h>

#include "dp_err.h"

typedef struct dp_httpd_t dp_httpd_t;

/* The option row of the endpoint for a service's dp_config table: config
 * key "http", environment DP_HTTP, flag --http; target is a char *. */
#define DP_HTTPD_OPT(target)                                                   \
    {                                                                          \
        "http", "DP_HTTP", "--http", DP_OPT_STR, (target), NULL, 0, 0, NULL,   \
            false,                                                             \
            "health and metrics endpoint ADDR:PORT (port 0: any free one)"     \
    }

/* Connections served at once, at most. */
#define DP_HTTPD_CONN_MAX 16
/* Seconds an idle connection is kept. */
#define DP_HTTPD_TIMEOUT_S 5

/* Serves GET /healthz (200 and {"status":"ok","service":...} when
 * dp_metrics_healthy, else 503 with {"status":"unhealthy","reason":...})
 * and GET /metrics (dp_metrics_text) on addr ("ADDR:PORT": "0.0.0.0:9100",
 * "127.0.0.1:0", "[::1]:9100"), from a thread of libmicrohttpd's own.
 * Other paths get 404, other methods 405; a request body is never read.
 * Connections are bounded in number, memory and time. NULL on failure,
 * with one line in err. */
dp_httpd_t *dp_httpd_new(const char *addr, char *err, size_t errlen);

/* The port it listens on (the one the system chose for port 0). */
int dp_httpd_port(const dp_httpd_t *self);

/* Stops the server and its thread. Idempotent. */
void dp_httpd_destroy(dp_httpd_t **self_p);

/* What a service main calls once its options are loaded: sets the service
 * label of the metrics (dp_metrics_init), and when addr is set and not
 * empty starts the process's endpoint, logs its port and writes it
 * (decimal, a newline) to the file named by DP_HTTP_PORT_FILE when that
 * is set. The endpoint stops at exit. Returns 0, or DP_ECONFIG when it
 * cannot start (logged) or was started already. */
DP_NODISCARD int dp_httpd_start(const char *service, const char *addr);

#endif
