/* dp_tls.h - a TLS tunnel for clients that speak plain sockets (hiredis
 * 0.14 has no TLS of its own) */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TLS_H
#define DP_TLS_H

#include <stddef.h>

#include "dp_err.h"

typedef struct dp_tls_t dp_tls_t;

/* Connects to host:port over TLS, verifying the server's certificate
 * against ca_file (or the system's CAs when NULL) and its name or address
 * against host. Returns a tunnel whose dp_tls_fd() is one end of a local
 * socket pair: what is written there goes out encrypted, and what the
 * server sends can be read there. A thread owned by the tunnel moves the
 * bytes. NULL on failure, with one line in err. */
dp_tls_t *dp_tls_connect(const char *host, int port, const char *ca_file,
                         int timeout_ms, char *err, size_t errlen);

/* The plain end of the tunnel. Whoever it is handed to (hiredis) closes
 * it; the tunnel then ends. */
int dp_tls_fd(const dp_tls_t *self);

/* Ends the tunnel (closing its plain end if still open) and waits for its
 * thread. Idempotent. */
void dp_tls_destroy(dp_tls_t **self_p);

#endif
