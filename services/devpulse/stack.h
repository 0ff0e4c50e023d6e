/* stack.h - a running set of devpulse services (Redis, collector,
 * classifier, summarizer, renderer), and asking it for windows */
/* SPDX-License-Identifier: MIT */
#ifndef STACK_H
#define STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_proto.h"

typedef struct stack_t stack_t;

/* How a stack is started; strings are borrowed for the call. */
typedef struct {
    const char *state_dir; /* NULL: a throwaway Redis in a private
                            * directory; else Redis keeps its data there.
                            * Unused when REDIS_URL is set. */
    bool tap_sockets;      /* bus sockets in state_dir/bus (mode 0700),
                            * where a tap finds them (when the path fits
                            * a unix socket) */
    bool curve;            /* with state_dir: the services secure the bus
                            * with the deployment keypair of the
                            * environment (DP_CURVE_*), else of
                            * state_dir/curve.key, made (mode 0600) at
                            * first start */
    const char *rules;     /* rules file for classifier and summarizer */
    const char *out_dir;   /* renderer output, absolute */
    const char *formats;   /* "md,json,..." */
    const char *config;    /* the collector's configuration (-c), or NULL */
    bool follow;           /* with config: the collector collects its
                            * windows as they close (up); else it only
                            * answers requests (backfill) */
    const char *since;     /* the collector's --since, or NULL */
    bool resummarize;      /* the summarizer asks the LLM again, ignoring
                            * cached answers (--llm-refresh) */
} stack_cfg_t;

/* Starts a stack: Redis (REDIS_URL when set, checked; else a redis-server
 * of its own), then the four services from the directory of this
 * executable (or $DP_BIN_DIR), and waits until each has bound its
 * sockets. Returns NULL on failure, with one line on stderr saying why
 * and everything started so far stopped. */
stack_t *stack_start(const stack_cfg_t *cfg);

/* The directory of the bus sockets (borrowed). */
const char *stack_sockets(const stack_t *self);

/* True when the bus sockets are in the state directory's "bus", where
 * stack_ends_of_state finds them; false when there is no state directory,
 * or its path is too long for a unix socket (they are then in a private
 * directory). */
bool stack_sockets_in_state(const stack_t *self);

/* The key file the services read their CurveZMQ keypair from (borrowed),
 * or NULL when they use the environment's or none. */
const char *stack_keyfile(const stack_t *self);

/* Appends to repos the repositories of the organization org that a
 * schedule would watch (public, not archived; OWNER/REPO each), listed by
 * the collector (dp-collector --list-org) on the stack's Redis, with its
 * token, cache and retries. Returns 0, or DP_EIO when the listing failed
 * (the collector says why on stderr). */
DP_NODISCARD int stack_list_org(stack_t *self, const char *org,
                                dp_strs_t *repos);

/* Restarts services that died (see runner_tick). */
void stack_tick(stack_t *self);

/* Stops every service and Redis. Idempotent. */
void stack_destroy(stack_t **self_p);

/* One window to ask for; strings are borrowed. */
typedef struct {
    const char *repo; /* OWNER/REPO */
    int64_t from, to; /* [from, to) */
    const char *tz;   /* display zone */
    const char *lang; /* zh | en */
    const char *name; /* project name shown, or NULL */
} stack_window_t;

/* Where the outcome of each window goes. */
typedef struct {
    /* Called once per window: with the path of its report, or with
     * path NULL and a one-line reason. */
    void (*done)(void *arg, size_t index, const char *path, const char *error);
    /* Called about every 200 ms while windows are outstanding; may be
     * NULL. */
    void (*tick)(void *arg);
    void *arg;
} stack_sink_t;

/* Asks the stack's collector for n windows, in order, keeping at most
 * in_flight of them outstanding, and reports each one's outcome through
 * sink->done as its REPORT or failure arrives (matched by reply_to, so a
 * report asked by someone else is not taken). A window is asked again,
 * with every event resent (safe: every stage is idempotent), when a
 * service restarted or nothing came for two watch periods (DP_WATCH_S,
 * 60 s by default); one with no report timeout_s after it was first asked
 * fails. Returns 0 when every window was reported, DP_EIO when some
 * failed, DP_EAGAIN when interrupted (windows not yet done are then not
 * passed to sink->done). */
DP_NODISCARD int stack_request(stack_t *self, const stack_window_t *windows,
                               size_t n, size_t in_flight, long timeout_s,
                               const stack_sink_t *sink);

/* The bus endpoints of a running stack this process did not start: one
 * `devpulse up` on this host, compose, Kubernetes. */
typedef struct {
    char *ctl;     /* the collector's control socket (dp_sock_new list;
                    * plain tcp:// and ipc:// connect) */
    char *taps;    /* the PUB sockets that publish REPORT (the renderer's)
                    * and STATUS (the collector's, to hear a refused
                    * window at once), comma-separated */
    char *keyfile; /* the key file of the stack's CurveZMQ keypair, or
                    * NULL: the environment's, or none */
} stack_ends_t;

/* Fills ends with the endpoints of the `devpulse up` that runs on
 * state_dir: its collector's control socket and the four PUB sockets in
 * state_dir/bus, and state_dir/curve.key unless DP_CURVE_PUBLIC_KEY or
 * DP_CURVE_SECRET_KEY is set (the key file that `devpulse up` gives its
 * services). Returns 0, or DP_ENOTFOUND when no `devpulse up` runs there
 * (no bus sockets), with one line in err. The caller frees ends with
 * stack_ends_clear, also on failure. */
DP_NODISCARD int stack_ends_of_state(const char *state_dir, stack_ends_t *ends,
                                     char *err, size_t errlen);

/* Frees the strings of ends. Idempotent. */
void stack_ends_clear(stack_ends_t *ends);

/* As stack_request, for a stack this process did not start: asks the
 * collector at ends->ctl and listens to ends->taps, with the CurveZMQ keys
 * of the environment (set DP_CURVE_KEY_FILE to ends->keyfile first); no
 * service is watched for restarts, so a window is asked again only after
 * silence. A window that fails for lack of an answer says which endpoint
 * did not answer. */
DP_NODISCARD int stack_request_at(const stack_ends_t *ends,
                                  const stack_window_t *windows, size_t n,
                                  size_t in_flight, long timeout_s,
                                  const stack_sink_t *sink);

#endif
