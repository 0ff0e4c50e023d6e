/* runner.h - starts, supervises and stops the devpulse services and Redis */
/* SPDX-License-Identifier: MIT */
#ifndef RUNNER_H
#define RUNNER_H

#include <stddef.h>

#include "dp_err.h"
#include "dp_mem.h"

#define RUNNER_BUS_DIR "bus" /* the state directory's socket directory */

typedef struct runner_t runner_t;

/* Creates a runner with a private directory for sockets and logs (made with
 * mkdtemp as devpulse-XXXXXX under $TMPDIR or /tmp, removed on destroy).
 * The directory holds devpulse.pid, locked while this process lives; the
 * private directories of earlier runs whose process is gone (killed, so
 * they could not remove them) are removed first. Service executables are
 * looked up in bindir. NULL on failure (logged).
 *
 * Every child (services and Redis) is started in its own process group,
 * so a Ctrl-C on the terminal reaches devpulse alone, which then stops
 * them gracefully, and with PR_SET_PDEATHSIG, so it is killed when
 * devpulse dies in any way: nothing outlives devpulse. Call the runner
 * from the main thread only (the death signal follows the thread that
 * forked). */
runner_t *runner_new(const char *bindir);

/* The private directory (borrowed). mkdtemp makes it mode 0700 whatever
 * the umask: nobody else can reach the sockets in it. */
const char *runner_dir(const runner_t *self);

/* The directory for bus sockets (borrowed): the locked state directory's
 * "bus", made mode 0700 whatever the umask (also when it existed), else
 * the private directory. */
const char *runner_bus_dir(const runner_t *self);

/* Takes state_dir for this process: locks state_dir/devpulse.pid (flock,
 * held until destroy) and writes the pid into it, then removes the socket
 * files an earlier run left there (its Redis and bus sockets; a run killed
 * with SIGKILL cannot remove them), and makes its socket directory (see
 * runner_bus_dir). Returns 0, or DP_EAGAIN when another live process
 * holds the lock, DP_EIO when the file or directory cannot be made; *err
 * then says so in one line. */
DP_NODISCARD int runner_lock_state(runner_t *self, const char *state_dir,
                                   char *err, size_t errlen);

/* Starts a private redis-server on a unix socket (runner_redis_start),
 * then waits until it answers (runner_redis_ready), so that something
 * else can start meanwhile. With state_dir NULL it lives in the private
 * directory with no persistence; otherwise its socket and append-only file
 * (fsync every second) are in state_dir, so the ledger survives a restart. It is
 * supervised like a service: runner_tick reaps it when it dies and starts
 * it again on the same socket and files, with the same backoff; the
 * services reconnect by themselves. runner_redis_start stores its URL
 * ("unix:///.../redis.sock"), owned by the runner, in *url. Each returns
 * 0, or DP_ENOTFOUND when redis-server is not installed, DP_EREDIS when
 * it cannot start or did not come up; *err then says so in one line. */
DP_NODISCARD int runner_redis_start(runner_t *self, const char *state_dir,
                                    const char **url, char *err,
                                    size_t errlen);
DP_NODISCARD int runner_redis_ready(runner_t *self, char *err, size_t errlen);

/* Starts a service executable (bindir/name) with argv (NULL-terminated,
 * without argv[0]) and supervises it: runner_tick restarts it with backoff
 * when it dies, unless it exited with status 2 (bad configuration). The
 * child gets our environment changed by env (NULL, or a NULL-terminated
 * list of at most 16 entries: "NAME=value" sets NAME, "NAME" removes it;
 * copied): secrets go there, never in argv, which any local user reads
 * in /proc/PID/cmdline. Returns 0 or DP_EIO. */
DP_NODISCARD int runner_spawn(runner_t *self, const char *name,
                              const char *const *argv, const char *const *env);

/* Runs a service executable (bindir/name) once, as runner_spawn would
 * start it (argv and env alike), and appends what it writes on stdout to
 * out; its stderr is ours. Waits for its end, at most timeout_ms (then it
 * is killed). Returns 0 when it exited with status 0, else DP_EIO. */
DP_NODISCARD int runner_capture(runner_t *self, const char *name,
                                const char *const *argv, const char *const *env,
                                long timeout_ms, dp_buf_t *out);

/* Reaps children that died and restarts them once their backoff passed
 * (250 ms, doubling up to 10 s; back to 250 ms for a child that had run
 * 30 s); logs each death and restart. */
void runner_tick(runner_t *self);

/* Waits until the files dir/names[0..n) all exist (the sockets a service
 * binds), at most timeout_ms: woken by inotify as each is created rather
 * than looking on a timer, and ticking the children (runner_tick) at
 * least every 50 ms meanwhile. Ends early when interrupted or a child
 * refused its configuration (runner_failed). Returns NULL when all exist,
 * else the first name missing (borrowed from names). */
const char *runner_wait_files(runner_t *self, const char *dir,
                              const char *const *names, size_t n,
                              long timeout_ms);

/* The name of a service that exited for bad configuration (status 2) and
 * is therefore not restarted, or NULL. */
const char *runner_failed(const runner_t *self);

/* Number of restarts so far, Redis included. */
int runner_restarts(const runner_t *self);

/* Sends SIGTERM to every service, waits up to 5 s for each (woken by its
 * exit, on a pidfd), then SIGKILLs what is left; then stops Redis the
 * same way, or with SIGKILL at once when it keeps nothing (no state
 * directory: no file to flush); removes the private directory, the
 * socket files of the state directory, and releases it. Idempotent. */
void runner_destroy(runner_t **self_p);

#endif
