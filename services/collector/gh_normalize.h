/* gh_normalize.h - GitHub REST objects to devpulse events */
/* SPDX-License-Identifier: MIT */
#ifndef GH_NORMALIZE_H
#define GH_NORMALIZE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp_proto.h"

/* Largest count (comments, reactions, changed lines) an item may hold:
 * sums of many stay far from the int64_t bound. */
#define GH_COUNT_MAX INT64_C(2147483647)

/* A growable list of events; free with gh_events_clear. */
typedef struct {
    dp_event_t *items;
    size_t count, cap;
} gh_events_t;

/* Frees the events and empties the list. */
void gh_events_clear(gh_events_t *list);

/* Frees the events past the first n. */
void gh_events_truncate(gh_events_t *list, size_t n);

/* Moves the events of item number (of every item when number is 0) from
 * src to the end of dst, in their order; nothing is copied. */
void gh_events_take(gh_events_t *dst, gh_events_t *src, int64_t number);

/* Appends a copy of ev (deep). */
void gh_events_push(gh_events_t *list, const dp_event_t *ev);

/* A copy of text cut on a UTF-8 boundary at max_text bytes; NULL for
 * NULL. The caller frees it. */
char *gh_excerpt(const char *text, size_t max_text);

/* Fills ev with the snapshot of an issue or pull request object as the
 * issues listing returns it: number, title, author, labels, state, times,
 * counts, and a body excerpt of at most max_text characters. Window fields
 * and the event kind are left for the caller. Returns 0, or DP_EJSON with
 * one line in err when a required field (number, title, created_at, user)
 * is missing or malformed, a time is malformed, or a count is no integer
 * in 0..GH_COUNT_MAX; ev then holds nothing to free, and the caller skips
 * this item alone. */
DP_NODISCARD int gh_item_snapshot(const json_t *issue, const char *repo,
                                  size_t max_text, dp_event_t *ev, char *err,
                                  size_t errlen);

/* Appends to out the events of one item that fall in [from, to): opened,
 * closed (issues), merged or closed unmerged (pull requests). A pull
 * request closed in the window whose merge state the object does not tell
 * (no pull_request.merged_at key) sets *needs_detail and produces no close
 * event; the caller fetches /pulls/N and calls again with the merged_at
 * set. Returns the number of events appended, or DP_EJSON. */
DP_NODISCARD int gh_item_events(const json_t *issue, const char *repo,
                                int64_t from, int64_t to, size_t max_text,
                                gh_events_t *out, bool *needs_detail, char *err,
                                size_t errlen);

/* gh_item_events on the snapshot of the issue object (gh_item_snapshot),
 * which stays the caller's: appends its events in [from, to) to out and
 * returns how many. */
int gh_snapshot_events(const json_t *issue, dp_event_t *snap, int64_t from,
                       int64_t to, gh_events_t *out, bool *needs_detail);

/* Number of the issue a comment belongs to, from its issue_url; 0 when it
 * cannot be read. */
int64_t gh_comment_number(const json_t *comment);

/* When a comment object was created in [from, to), appends a "comment"
 * event built on the item snapshot (which stays the caller's) and returns 1;
 * returns 0 when it is outside the window, DP_EJSON when malformed. */
DP_NODISCARD int gh_comment_event(const json_t *comment, const dp_event_t *item,
                                  int64_t from, int64_t to, size_t max_text,
                                  gh_events_t *out);

#endif
