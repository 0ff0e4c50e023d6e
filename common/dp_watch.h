/* dp_watch.h - what a configuration watches: zone, language, window kinds,
 * repositories and organizations */
/* SPDX-License-Identifier: MIT */
#ifndef DP_WATCH_H
#define DP_WATCH_H

#include <jansson.h>
#include <stddef.h>

#include "dp_err.h"
#include "dp_proto.h"
#include "dp_time.h"

#define DP_WATCH_MAX_KINDS 3

/* The schedule part of a configuration document (devpulse.yml). */
typedef struct {
    const char *zone; /* borrowed from the document; "UTC" when unset */
    const char *lang; /* borrowed; "zh" when unset */
    dp_window_kind_t kinds[DP_WATCH_MAX_KINDS];
    size_t nkinds;   /* at least one: hourly when none is configured */
    dp_strs_t repos; /* OWNER/REPO, in the document's order, once each */
    dp_strs_t names; /* display name per repository, "" for none */
    dp_strs_t orgs;  /* organizations, to be expanded by the caller */
} dp_watch_t;

/* Reads timezone, language, windows and repositories from doc into a
 * zeroed watch. Strings of zone and lang stay the document's; the lists
 * are the watch's. Returns 0, or DP_ECONFIG with one line in err (such as
 * "windows: item 2 must be hourly, daily or weekly"); the watch is then
 * cleared. */
DP_NODISCARD int dp_watch_load(dp_watch_t *self, const json_t *doc, char *err,
                               size_t errlen);

/* Adds a repository to repos, and its display name (NULL for none) to
 * names at the same place, unless it is there already. */
void dp_watch_add_repo(dp_strs_t *repos, dp_strs_t *names, const char *repo,
                       const char *name);

/* Frees the lists and zeroes the watch. Idempotent. */
void dp_watch_clear(dp_watch_t *self);

#endif
