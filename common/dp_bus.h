/* dp_bus.h - ZeroMQ transport: PUSH/PULL pipeline sockets and PUB taps */
/* SPDX-License-Identifier: MIT */
#ifndef DP_BUS_H
#define DP_BUS_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_err.h"
#include "dp_mem.h"

typedef struct dp_bus_t dp_bus_t;   /* one ZeroMQ context per process */
typedef struct dp_sock_t dp_sock_t; /* one socket */

/* Creates the process's bus. NULL on failure (logged).
 *
 * When DP_CURVE_PUBLIC_KEY and DP_CURVE_SECRET_KEY are set (the
 * deployment's CurveZMQ keypair, Z85, 40 characters each; `devpulse keygen`
 * makes one), or else DP_CURVE_KEY_FILE names a file holding them in the
 * same "NAME=value" lines (owned by this user, mode 0600 or stricter, as
 * `devpulse up` writes it), every socket is secured: binding sockets are
 * CurveZMQ servers, connecting sockets clients, and a ZAP handler admits
 * only clients that prove the deployment key, so a peer without it is
 * refused. A malformed key, or a key file others may read, fails the bus
 * (NULL, logged); the keys are never logged.
 *
 * Without keys, a socket may bind ipc://, inproc:// and tcp:// on a
 * loopback address only (127.x.x.x, ::1, localhost, lo): binding anything
 * that other hosts reach (tcp://0.0.0.0, a wildcard, an interface) is refused
 * with one line unless DP_BUS_INSECURE=1 allows it. ipc:// socket files
 * are created with mode 0600 (umask 077 around the bind), whatever the
 * process's umask. */
dp_bus_t *dp_bus_new(void);

/* A new CurveZMQ keypair as the text of a key file (and of an env file):
 * "DP_CURVE_PUBLIC_KEY=...\nDP_CURVE_SECRET_KEY=...\n". The caller frees it
 * (it holds a secret: wipe it first). NULL when libzmq has no CurveZMQ. */
char *dp_bus_keygen(void);

/* Makes sure path holds a usable key file: creates it with a new keypair,
 * mode 0600, when it does not exist; checks it as dp_bus_new would
 * otherwise. Returns 0, or DP_ECONFIG with one line in err. */
DP_NODISCARD int dp_bus_keyfile(const char *path, char *err, size_t errlen);

/* True when the bus secures its sockets with CurveZMQ. */
bool dp_bus_secured(const dp_bus_t *self);

/* Closes every socket still open and the context. Idempotent. */
void dp_bus_destroy(dp_bus_t **self_p);

/* Opens a socket of a ZeroMQ type (ZMQ_PUSH, ZMQ_PULL, ZMQ_PUB, ZMQ_SUB)
 * on a comma-separated endpoint list. Each endpoint starts with '@' to bind
 * or '>' to connect ("@ipc:///run/dp/classifier.in,>tcp://10.0.0.2:7001");
 * without a prefix PULL and PUB bind, PUSH and SUB connect. Linger is
 * bounded, so closing never hangs. NULL on failure, with the reason logged. */
dp_sock_t *dp_sock_new(dp_bus_t *bus, int type, const char *endpoints);

/* Closes a socket. Idempotent. */
void dp_sock_destroy(dp_sock_t **self_p);

/* Subscribes a SUB socket to a subject prefix ("" for everything). */
DP_NODISCARD int dp_sock_subscribe(dp_sock_t *self, const char *prefix);

/* Sends one message. A non-NULL subject goes first as its own frame (for PUB
 * taps); the payload follows. With dontwait, a full queue returns DP_EAGAIN
 * instead of blocking. */
DP_NODISCARD int dp_sock_send(dp_sock_t *self, const char *subject,
                              const void *data, size_t len, bool dontwait);

/* Receives one message, waiting at most timeout_ms (-1 forever); a stop
 * (dp_service.h) ends the wait at once, though a message already waiting
 * is still received. A message
 * of two frames is [subject, payload]; of one frame, the payload alone.
 * Returns 0, DP_EAGAIN on timeout or interruption, DP_ETOOBIG when the
 * payload exceeds max_len (the message is consumed and dropped), or
 * DP_EPROTO for more than two frames. subject may be NULL. */
DP_NODISCARD int dp_sock_recv(dp_sock_t *self, dp_buf_t *subject,
                              dp_buf_t *payload, size_t max_len,
                              int timeout_ms);

/* How many welcomes a SUB socket has received: every PUB of a bus sends
 * one to each subscriber when its connection is made (once its handshake,
 * CurveZMQ included, is done), and every SUB of a bus subscribes to it
 * before it connects; dp_sock_recv counts it here and goes on waiting
 * for a message (it is none). A SUB that connected to n publishers and has n
 * welcomes knows its connections are up and its subscriptions are on their way
 * ahead of anything it sends next, instead of sleeping and hoping. The welcome
 * is one frame, "dp.welcome"; a foreign subscriber to every subject ("")
 * receives it too and should ignore one-frame messages. While it waits in
 * dp_sock_recv, a bus also serves the new subscribers of its own PUB
 * sockets. */
size_t dp_sock_welcomes(const dp_sock_t *self);

/* Waits until a SUB socket has n welcomes, at most timeout_ms (>= 0);
 * messages that arrive meanwhile are dropped (ask after this, not
 * before). Returns 0, DP_EAGAIN on timeout or interruption, or DP_EBUS. */
DP_NODISCARD int dp_sock_await_welcomes(dp_sock_t *self, size_t n,
                                        int timeout_ms);

/* The underlying ZeroMQ socket, for zmq_poll. Borrowed. */
void *dp_sock_handle(dp_sock_t *self);

/* Waits for any of n sockets to become readable, or a stop; sets
 * ready[i]. Returns the number ready (0 on timeout or interruption). */
int dp_sock_poll(dp_sock_t **socks, bool *ready, size_t n, int timeout_ms);

#endif
