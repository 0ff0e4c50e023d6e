/* schedule.h - which windows are due, and leases that share repositories
 * between collector replicas */
/* SPDX-License-Identifier: MIT */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_store.h"
#include "dp_time.h"

/* One window, [from, to). */
typedef dp_span_t schedule_window_t;

/* Writes into out (room for max) the windows of a kind, in a zone, that
 * ended at or after done_until and at or before now - grace_s, oldest first.
 * When done_until is 0 (never collected) only the latest closed window is
 * due. When more than max are due, the oldest max are returned: the rest
 * follow on later calls, so a long downtime is caught up in order. Returns
 * the number written, or DP_EINVAL for an unknown zone. */
DP_NODISCARD int schedule_due(int64_t done_until, int64_t now, long grace_s,
                              dp_window_kind_t kind, const char *zone,
                              size_t max, schedule_window_t *out);

/* Where the windows of a kind resume for a repository whose done-until
 * mark is done_until (0: none): at done_until when there is a mark; else,
 * with since > 0 (devpulse up --since), at the start of the first window
 * that starts at or after since, so schedule_due catches up from there
 * oldest first; else 0, so schedule_due takes only the latest closed
 * window. Stores it in *start. Returns 0, or DP_EINVAL for an unknown
 * zone (*start is then done_until). */
DP_NODISCARD int schedule_from(int64_t done_until, int64_t since,
                               dp_window_kind_t kind, const char *zone,
                               int64_t *start);

/* The window of the same kind just before w, in the same zone. */
DP_NODISCARD int schedule_previous(const schedule_window_t *w,
                                   dp_window_kind_t kind, const char *zone,
                                   schedule_window_t *out);

/* Takes or renews the lease on a repository for owner, for ttl_ms. True
 * when owner holds it afterwards. A lease lapses when its holder stops
 * renewing it, so another replica takes the repository over within ttl_ms.
 * False also when Redis cannot answer (nobody collects blind). */
bool schedule_lease(dp_store_t *store, const char *repo, const char *owner,
                    long ttl_ms);

/* Gives a lease back (at shutdown), if owner holds it. */
void schedule_release(dp_store_t *store, const char *repo, const char *owner);

/* Reads and writes how far a repository's windows of a kind were
 * collected (the end of the last one); 0 when never. */
int64_t schedule_done_until(dp_store_t *store, const char *repo,
                            dp_window_kind_t kind);
DP_NODISCARD int schedule_set_done(dp_store_t *store, const char *repo,
                                   dp_window_kind_t kind, int64_t until);

#endif
