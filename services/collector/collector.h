/* collector.h - the collector engine: GitHub windows to normalized events */
/* SPDX-License-Identifier: MIT */
#ifndef COLLECTOR_H
#define COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "gh_client.h"

typedef struct collector_t collector_t;

/* Settings; strings and the schedule document are borrowed for the life
 * of the collector. */
typedef struct {
    const char *api_url;      /* "https://api.github.com" or with a path */
    const char *tokens;       /* a token or a comma-separated pool; NULL ok */
    const char *redis_url;    /* redis:// or unix:// */
    const char *ctl_endpoint; /* PULL: COLLECT requests */
    const char *out_endpoint; /* PUSH: EVENT and WINDOW to classifiers */
    const char *pub_endpoint; /* PUB: tap of everything sent, and STATUS */
    long per_page;            /* listing page size, 1..100 */
    long max_pages;           /* bound on pages per listing */
    long timeout_ms;          /* per HTTP request */
    long max_retries;         /* per request, for 5xx and transport errors */
    long retry_base_ms;       /* first backoff; doubles, with jitter */
    long max_wait_s;          /* longest wait for a rate limit reset */
    long rate_reserve;        /* below this many requests left, slow down */
    long max_text;            /* bytes kept of bodies and comments */
    long max_body;            /* largest HTTP body accepted */
    long cache_ttl_s;         /* lifetime of cached GitHub responses */
    long max_frame;           /* largest bus frame accepted */
    long max_events;          /* events per window at most */
    bool pr_details;          /* fetch changed files and reviews of PRs */
    long max_details;         /* PRs per window whose details are fetched */
    bool no_graphql;          /* PR details through REST only, never
                               * GitHub's GraphQL API */
    bool skip_quiet;          /* a window in which the repository did not change
                               * (GraphQL: newest updatedAt; else the events
                               * endpoint) is sent empty, without listings */
    long history;             /* earlier windows counted for trends:
                               * GH_HISTORY_MIN..MAX, -1 the default for the
                               * window's length, 0 none (gh_history.h) */
    long events_lag_s;        /* the events feed's lag taken as its worst: a
                               * window is judged by it only this long after its
                               * end (GH_ACTIVITY_EVENTS_LAG_S) */
    /* Schedule (used when repositories are configured): */
    const void *schedule; /* the config document (json_t), or NULL */
    long lease_ms;        /* lease on a repository */
    long grace_s;         /* wait after a window closes before collecting */
    long catchup_max;     /* windows per repository and tick at most */
    int64_t since; /* > 0: a repository and kind never collected starts at
                    * the first window at or after it (devpulse up --since);
                    * 0: at the latest closed window */
    /* Watchdog: */
    const char *report_endpoint; /* SUB: renderers' taps; NULL: none */
    long watch_s;                /* time a window has to reach its report */
    long watch_tries;            /* replays before a window is failed */
} collector_cfg_t;

/* Counters of one window's collection, for the health footer. */
typedef struct {
    long requests;     /* HTTP requests made */
    long not_modified; /* of which answered 304 */
    long retries;      /* requests repeated after a fault */
    long rl_remaining; /* last x-ratelimit-remaining seen, -1 unknown */
    long rl_limit;
    long events;          /* distinct events of the window */
    long fresh;           /* of which never emitted before */
    long revision;        /* revision of the window's report */
    long graphql_points;  /* GraphQL points spent (rateLimit.cost), summed
                           * over the collector's life */
    long items;           /* issues and pull requests listed */
    long events_held_max; /* events held in memory at once, at most: a
                           * batch and the events of the pull requests
                           * waiting for their details, whatever the
                           * window's size */
} collector_stats_t;

/* Creates a collector and its sockets. NULL on failure (logged). */
collector_t *collector_new(const collector_cfg_t *cfg);

/* Serves COLLECT requests, and collects the configured repositories'
 * windows as they close (see collector_tick), until interrupted. */
int collector_run(collector_t *self);

/* A GitHub client with cfg's settings on store (borrowed), as the
 * collector makes its own (dp-collector --list-org uses one too). NULL on
 * failure (logged). */
gh_client_t *collector_gh_new(const collector_cfg_t *cfg, dp_store_t *store);

/* Collects one window: lists the repository's issues and pull requests
 * updated since the window start, emits the window's events (deduplicated)
 * and a WINDOW message, or a STATUS "failed" message. Returns 0 or the error
 * that failed the window (DP_EAUTH, DP_ENOTFOUND, DP_EHTTP, DP_ERATE...). */
DP_NODISCARD int collector_collect(collector_t *self, const dp_collect_t *req);

/* Runs the schedule once at instant now: for every configured repository
 * whose lease this collector holds, collects the windows that closed since
 * the last one collected (oldest first, catching up after downtime) and
 * re-collects the one before, so late data revises its report. A
 * repository and kind never collected start at the latest closed window,
 * or with cfg.since at the first window at or after it. Returns the
 * number of windows collected. */
int collector_tick(collector_t *self, int64_t now);

/* Replays the windows whose REPORT has not been seen within watch_s of
 * their collection (a message lost when a service died): collects them
 * again with replay set, so every event is sent again; after watch_tries
 * replays the window is failed with a STATUS message. Returns the number of
 * windows replayed. */
int collector_watchdog(collector_t *self, int64_t now);

/* The repositories the schedule covers (organizations expanded); borrowed. */
const dp_strs_t *collector_repositories(collector_t *self);

/* Counters of the last window collected. */
const collector_stats_t *collector_stats(const collector_t *self);

/* Destroys the collector. Idempotent. */
void collector_destroy(collector_t **self_p);

#endif
