/* chart.h - an inline SVG chart of a window's counts and its predecessors' */
/* SPDX-License-Identifier: MIT */
#ifndef RENDERER_CHART_H
#define RENDERER_CHART_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dp_mem.h"

#define CHART_SERIES 5 /* the five counts of a window */
#define CHART_MAX 25   /* windows drawn at most: 24 earlier and the window */
#define CHART_LABEL 24 /* bytes of an axis label */

/* One window of the chart. */
typedef struct {
    char label[CHART_LABEL];   /* its start in the report's zone, short */
    long counts[CHART_SERIES]; /* in the digest's order of "counts" */
} chart_point_t;

/* Appends an inline <svg> (no script, no link, no style sheet: numbers and
 * escaped text only, so the pages' Content-Security-Policy allows it) of
 * the points (oldest first, at most CHART_MAX; the last one drawn as the
 * window itself): one <polyline> of n points per count, with a legend, the
 * largest count on the y axis and the first, middle and last window's
 * label on the x axis. Its width follows the page (a phone's too). Nothing
 * is appended for fewer than 2 points. */
void chart_svg(dp_buf_t *out, const chart_point_t *pts, size_t n, bool zh);

/* The points of a digest: its facts.history (newest first) and its own
 * counts, oldest first, labelled in the digest's zone (tz_offset). Returns
 * how many were set (at most CHART_MAX). */
size_t chart_points_of_digest(const json_t *digest, chart_point_t *pts);

/* Reads the five counts of a report's stats line ("New issues 73 | Closed
 * issues 31 | ..."; the label before each number does not matter). Returns
 * false when the line does not hold five counts. */
bool chart_counts_of_stats(const char *line, long counts[CHART_SERIES]);

#endif
