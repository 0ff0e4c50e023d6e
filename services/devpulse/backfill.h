/* backfill.h - the windows a backfill asks for, and how far it got */
/* SPDX-License-Identifier: MIT */
#ifndef BACKFILL_H
#define BACKFILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dp_err.h"
#include "dp_watch.h"
#include "stack.h"

/* Most windows one backfill asks for (a year of hourly windows of eleven
 * repositories). */
#define BACKFILL_MAX_WINDOWS 100000

/* Every window a backfill asks for, in the order it asks. */
typedef struct {
    stack_window_t *items; /* strings borrowed from the watch */
    size_t count;
} backfill_plan_t;

/* Plans every window of every kind in watch (aligned in its zone) that
 * lies inside [from, to) and ended at or before now, for every repository
 * of watch: ordered by end, shorter windows first, then by repository, so
 * a day comes after its hours. Organizations are refused (backfill does
 * not list them; the configuration must name their repositories). Returns
 * 0; or DP_ECONFIG (an organization), DP_EINVAL (no complete window in the
 * range, more than BACKFILL_MAX_WINDOWS) with one line in err and an empty
 * plan. */
DP_NODISCARD int backfill_plan(const dp_watch_t *watch, int64_t from,
                               int64_t to, int64_t now, backfill_plan_t *plan,
                               char *err, size_t errlen);

/* Frees the plan's list and zeroes it. Idempotent. */
void backfill_plan_clear(backfill_plan_t *plan);

/* Progress of a backfill, shown on a stream. */
typedef struct {
    size_t total;         /* windows planned */
    size_t done;          /* windows reported or failed */
    size_t failed;        /* of which failed */
    long long started_ms; /* monotonic */
    long long shown_ms;   /* when last shown */
    size_t shown_done;    /* done when last shown */
    bool tty;             /* one updating line, else log lines */
} backfill_progress_t;

/* Starts counting at now_ms (monotonic). */
void backfill_progress_start(backfill_progress_t *p, size_t total, bool tty,
                             long long now_ms);

/* Writes "windows 12/25, 3.1/s, 4 s left" (and ", 1 failed" when some
 * did) into buf. */
void backfill_progress_text(const backfill_progress_t *p, long long now_ms,
                            char *buf, size_t size);

/* Shows the progress on out when due: on a terminal it rewrites one line,
 * at most every quarter second; otherwise it writes a log line every five
 * seconds or every 50 windows. With final, it shows it now and ends the
 * line. */
void backfill_progress_show(backfill_progress_t *p, FILE *out, long long now_ms,
                            bool final);

#endif
