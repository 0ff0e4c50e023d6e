/* runner.h - starts, supervises and stops the devpulse services and Redis */
/* SPDX-License-Identifier: MIT */
#ifndef RUNNER_H
#define RUNNER_H

#include <stddef.h>

#include "dp_err.h"

typedef struct runner_t runner_t;

/* Creates a runner with a private directory for sockets and logs (made with
 * mkdtemp under $TMPDIR or /tmp, removed on destroy). Service executables
 * are looked up in bindir. NULL on failure (logged). */
runner_t *runner_new(const char *bindir);

/* The private directory (borrowed). */
const char *runner_dir(const runner_t *self);

/* Starts a private redis-server on a unix socket and waits until it
 * answers. With state_dir NULL it lives in the private directory with no
 * persistence; otherwise its socket and append-only file (fsync every
 * second) are in state_dir, so the ledger survives a restart. Stores its URL
 * ("unix:///.../redis.sock"), owned by the runner, in *url. Returns 0, or
 * DP_ENOTFOUND when redis-server is not installed, DP_EREDIS when it did
 * not come up; *err then says so in one line. */
DP_NODISCARD int runner_redis(runner_t *self, const char *state_dir,
                              const char **url, char *err, size_t errlen);

/* Starts a service executable (bindir/name) with argv (NULL-terminated,
 * without argv[0]) and supervises it: runner_tick restarts it with backoff
 * when it dies, unless it exited with status 2 (bad configuration).
 * Returns 0 or DP_EIO. */
DP_NODISCARD int runner_spawn(runner_t *self, const char *name,
                              const char *const *argv);

/* Reaps children that died and restarts them once their backoff passed
 * (250 ms, doubling up to 10 s); logs each death and restart. */
void runner_tick(runner_t *self);

/* The name of a service that exited for bad configuration (status 2) and
 * is therefore not restarted, or NULL. */
const char *runner_failed(const runner_t *self);

/* Number of restarts so far. */
int runner_restarts(const runner_t *self);

/* Sends SIGTERM to every child, waits up to 5 s, then SIGKILLs what is
 * left; stops Redis; removes the private directory. Idempotent. */
void runner_destroy(runner_t **self_p);

#endif
