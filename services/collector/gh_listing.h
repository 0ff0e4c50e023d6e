/* gh_listing.h - listings that never stop short: pages by Link, continued
 * by time where pagination would stop */
/* SPDX-License-Identifier: MIT */
#ifndef GH_LISTING_H
#define GH_LISTING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp_err.h"
#include "gh_client.h"

/* Continuations of one listing at most (each starts later than the one
 * before, so this bound is reached only by a listing that never ends). */
#define GH_LISTING_MAX_RUNS 1000

/* What to list. The path is borrowed for the call. */
typedef struct {
    const char *path; /* a listing sorted by updated_at ascending, with its
                       * query but no since: "/repos/o/r/issues?state=all&
                       * sort=updated&direction=asc&per_page=100" */
    const char *what; /* "issues", "comments": named in problem lines */
    const char *key;  /* member naming an element: "number", "id" */
    int64_t since;    /* elements updated at or after this instant */
    long max_pages;   /* pages of one run before it is continued */
} gh_listing_t;

/* Receives one element of a listing (borrowed for the call). again is true
 * when an element of the same key was handed over before: it was updated
 * during the listing and is met again, newer. A negative return (an error
 * code) stops the listing, which returns it. */
typedef int (*gh_listing_each_fn)(json_t *element, bool again, void *arg);

/* Lists every element updated since spec->since and hands each to each(),
 * page by page as they are read: nothing of a page is kept but its key and
 * updated_at. An element read again is handed over again, with again
 * set, when it was updated after the read before; else it is skipped (a
 * new run meets the elements of its first second again).
 *
 * A run follows the Link pages. Where it would stop short, at max_pages
 * pages or at a deep page GitHub refuses with 422 while a next page
 * exists, a new run starts with since = the latest updated_at read (less a
 * second, so an element of that same second is met again whether GitHub's
 * since is inclusive or not); the refused page is not a problem then.
 *
 * Stores in *complete_until the instant up to which the listing is
 * complete: the time the listing started when it ran to its end; else the
 * latest updated_at read (spec->since when nothing was read), with a
 * problem recorded on the client saying where and why it stopped: a
 * failure after the first page, or a run that could not move on (more
 * elements in one second than max_pages pages hold).
 *
 * Returns 0 (also when it stopped after reading something), DP_EAGAIN when
 * interrupted, the negative return of each(), or the error of the first
 * request when nothing could be read (DP_EAUTH, DP_ENOTFOUND, DP_ERATE,
 * DP_EHTTP, DP_EJSON...). */
DP_NODISCARD int gh_listing_each(gh_client_t *gh, const gh_listing_t *spec,
                                 gh_listing_each_fn each, void *arg,
                                 int64_t *complete_until);

#endif
