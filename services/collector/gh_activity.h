/* gh_activity.h - when a repository last changed, for windows with no change */
/* SPDX-License-Identifier: MIT */
#ifndef GH_ACTIVITY_H
#define GH_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_store.h"
#include "gh_client.h"

/* Repositories asked for in one GraphQL query: three connections of one
 * node each (issues, pull requests, releases), so 100 repositories cost 3
 * points (GitHub counts a point per 100 connections asked for). */
#define GH_ACTIVITY_BATCH 100

/* The latency of GitHub's events feed at worst: "depending on the time of
 * day, event latency can be anywhere from 30s to 6h" (REST docs, List
 * public events). */
#define GH_ACTIVITY_EVENTS_LAG_S 21600

/* What is known of one repository's activity. */
typedef struct {
    const char *repo; /* "owner/name", checked by dp_repo_valid; borrowed */
    int64_t latest;   /* newest change seen (updatedAt of its issues and
                       * pull requests, publishedAt of its newest release,
                       * created_at of its events, a ReleaseEvent's too);
                       * 0: none at all; -1: unknown */
    int64_t until;    /* the answer holds for changes before this instant:
                       * when it was asked (GraphQL), or the poll less the
                       * events feed's lag; 0 when unknown */
} gh_activity_t;

/* True when a window [from, to) of the repository had no change at all,
 * so its issue and comment listings (which list what was updated since
 * from) would be empty and it published no release: the newest change is older
 * than from, and the answer covers the whole window (to <= until). */
bool gh_activity_quiet(const gh_activity_t *a, int64_t from, int64_t to);

/* Builds the query text for n repositories (n at most GH_ACTIVITY_BATCH):
 * the variables $o<i> and $n<i> name repository i, answered under the
 * alias r<i> with the updatedAt of its most recently updated issue and
 * pull request and the publishedAt of its newest release; and rateLimit { cost
 * remaining }. Names travel as variables, never inside the text. The caller
 * frees the text. */
char *gh_activity_query(size_t n);

/* Asks GraphQL for the activity of repos[0..n), GH_ACTIVITY_BATCH a query,
 * and fills in latest and until of each repository GitHub answered for (a
 * repository it could not resolve keeps latest -1). now is the instant the
 * queries are sent. Adds the points spent to *cost when not NULL. Returns 0
 * when every query was answered; DP_ENOTFOUND when there is no GraphQL
 * endpoint (GitHub Enterprise without it; no problem is recorded);
 * DP_EJSON when an answer has no data (a query refused); or
 * gh_client_graphql's error. */
DP_NODISCARD int gh_activity_graphql(gh_client_t *gh, gh_activity_t *repos,
                                     size_t n, int64_t now, long *cost);

/* Asks the repository events endpoint (GET /repos/o/r/events, conditional
 * through gh's cache: a 304 costs no rate limit) for the newest event of
 * a->repo, unless the X-Poll-Interval GitHub gave at the last poll (kept
 * in store) has not passed yet at now: then nothing is asked and DP_EAGAIN
 * is returned. On an answer, sets a->latest to its newest event's
 * created_at (0 for none) and a->until to now - lag_s (the feed lags).
 * Returns 0, DP_EAGAIN, or gh_client_get's error; no problem is recorded
 * (a failed check is followed by the listings). */
DP_NODISCARD int gh_activity_events(gh_client_t *gh, dp_store_t *store,
                                    gh_activity_t *a, int64_t now, long lag_s);

#endif
