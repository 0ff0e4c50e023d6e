/* gh_history.h - the counts of the windows before a window, from the same
 * issues listing */
/* SPDX-License-Identifier: MIT */
#ifndef GH_HISTORY_H
#define GH_HISTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_proto.h"
#include "gh_index.h"

#define GH_HISTORY_MIN 6    /* fewest earlier windows a setting may ask */
#define GH_HISTORY_MAX 24   /* most earlier windows counted */
#define GH_HISTORY_HOURS 12 /* default for windows up to 6 hours */
#define GH_HISTORY_DAYS 14  /* default for windows up to 36 hours */
#define GH_HISTORY_WEEKS 8  /* default for longer windows */

/* The counts the digest gives a window, in its order ("counts" of the
 * digest, proto/README.md). */
enum {
    GH_HISTORY_NEW_ISSUES,
    GH_HISTORY_CLOSED_ISSUES,
    GH_HISTORY_NEW_PRS,
    GH_HISTORY_MERGED_PRS,
    GH_HISTORY_CLOSED_PRS,
    GH_HISTORY_COUNTS
};

/* The windows [from - (k+1)*len, from - k*len) for k = 0..n-1 of a window
 * [from, from + len), newest first, and what the listing told of them.
 * Zero-initialize, set up with gh_history_init, free with
 * gh_history_clear. */
typedef struct {
    int64_t from; /* start of the window itself */
    int64_t len;  /* its length, seconds */
    size_t n;     /* earlier windows counted, 0: none */
    long counts[GH_HISTORY_MAX][GH_HISTORY_COUNTS]; /* [k][GH_HISTORY_*] */
    long unknown;    /* pull requests closed in them whose merge state the
                      * listing did not tell: counted in neither */
    gh_index_t seen; /* item numbers counted, so a read again is not */
} gh_history_t;

/* How many earlier windows a window of len seconds compares itself with:
 * want when it is in GH_HISTORY_MIN..GH_HISTORY_MAX, 0 when want is 0 (no
 * history), else the default for the length (GH_HISTORY_HOURS, _DAYS or
 * _WEEKS). */
size_t gh_history_windows(int64_t len, long want);

/* Sets h up for the window [from, to) and n earlier windows (at most
 * GH_HISTORY_MAX; 0 counts nothing). */
void gh_history_init(gh_history_t *h, int64_t from, int64_t to, size_t n);

/* Where the issues listing must start so that it lists every item opened,
 * closed or merged in the earlier windows (each one was updated then or
 * later): the start of the oldest, or from when n is 0. */
int64_t gh_history_since(const gh_history_t *h);

/* Counts a listed issue or pull request (snap is its snapshot, issue the
 * listing's element, for what it tells of the merge state) in the earlier
 * windows, as the digest counts it in its own: opened at created_at;
 * closed (an issue) or closed unmerged (a pull request) at closed_at;
 * merged at merged_at. An item counted before is not counted again. */
void gh_history_count(gh_history_t *h, const json_t *issue,
                      const dp_event_t *snap);

/* The history as the WINDOW message carries it (proto/README.md): a JSON
 * array, newest first, of {"from", "to", "counts": {"new_issues", ...}};
 * NULL when n is 0. The caller frees the text with free(). */
char *gh_history_json(const gh_history_t *h);

/* Frees what h holds; h can be set up again. */
void gh_history_clear(gh_history_t *h);

#endif
