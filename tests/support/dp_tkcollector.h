/* dp_tkcollector.h - the collector engine on ipc:// sockets, for
 * integration tests */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TKCOLLECTOR_H
#define DP_TKCOLLECTOR_H

/* Include after <cmocka.h>: the helper fails the calling test. */

#include "collector.h"
#include "dp_bus.h"

/* Settings for a collector engine under test: the API, a token, Redis,
 * 10 items a page, 100 pages, 5 s per request, 2 retries 2 ms apart, 5 s
 * of rate-limit wait, 1,000 bytes of text, 16 MiB bodies and frames, no PR
 * details. Strings are borrowed. The caller sets what its test needs. */
collector_cfg_t dp_tk_collector_cfg(const char *api_url, const char *tokens,
                                    const char *redis_url);

/* Starts the collector engine on cfg, whose three endpoints it sets for
 * the call (ipc:// sockets in dir named ctl, out and pub), with a PULL
 * socket bound where it pushes (*pull) and a SUB on its tap subscribed to
 * "status." (*sub), both on bus and the test's to destroy; then waits
 * join_ms for the SUB to connect. Fails the calling test when anything
 * cannot be made. */
collector_t *dp_tk_collector_start(dp_bus_t *bus, const char *dir,
                                   collector_cfg_t *cfg, int join_ms,
                                   dp_sock_t **pull, dp_sock_t **sub);

#endif
