/* trend.h - the counts of the windows before a digest's window */
/* SPDX-License-Identifier: MIT */
#ifndef TREND_H
#define TREND_H

#include <jansson.h>

/* The earlier windows a digest compares itself with, newest first, each
 * {"from", "to", "counts": {...}, "source"}: the windows of history (the
 * WINDOW message's JSON text, counted by the collector from its issues
 * listing; NULL or malformed: none) with source "listing", except that the
 * counts of a window whose summary the ledger kept (previous: summaries
 * newest first, each with "from" and "counts") are the summary's, source
 * "report" (it is what was published). A summary whose window the history
 * lacks is added. len is the window's length. Never NULL; the caller owns
 * the array. */
json_t *trend_history(const char *history, const json_t *previous,
                      json_int_t len);

/* Sets the digest's "facts.history" to the trend_history of its window
 * and of its "facts.previous" summaries. */
void trend_attach(json_t *digest, const char *history);

#endif
