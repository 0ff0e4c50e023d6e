/* dp_time.h - instants, UTC offsets, named zones and report windows */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TIME_H
#define DP_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"

/* Instants are int64_t seconds since the Unix epoch (UTC). */

/* Current time. */
int64_t dp_time_now(void);

/* Parses an ISO 8601 / RFC 3339 instant as GitHub and users write them:
 * "2025-12-10T18:29+08:00", "2025-12-10T10:29:00Z", "2025-12-10T18:29:05.123+0800",
 * "2025-12-10 18:29:00Z". Fractions are dropped. When offset_s is not NULL
 * it receives the written offset (0 for Z). A missing offset is an error.
 * Returns 0, or DP_EINVAL with nothing stored. */
DP_NODISCARD int dp_time_parse(const char *s, int64_t *t, int *offset_s);

/* Parses a zone: "UTC", "Z", "+08:00", "-0530", "UTC+8", "UTC-05:30", or an
 * IANA name ("Asia/Shanghai") read from the system's zoneinfo. Stores the
 * offset in force at instant t. Returns 0 or DP_EINVAL. */
DP_NODISCARD int dp_tz_offset(const char *zone, int64_t t, int *offset_s);

/* Writes t as "2025-12-10T10:29:00Z" into buf (at least 21 bytes). */
void dp_time_iso_utc(int64_t t, char *buf, size_t size);

/* Formats t shifted by offset_s with strftime(3) format fmt. */
void dp_time_format(int64_t t, int offset_s, const char *fmt, char *buf,
                    size_t size);

/* Writes the report label of an offset: "UTC+8", "UTC-5:30", "UTC". */
void dp_time_offset_label(int offset_s, char *buf, size_t size);

/* Writes "2025-12-10 18:47 (UTC+8)": minutes truncated, as reports show. */
void dp_time_report(int64_t t, int offset_s, char *buf, size_t size);

/* Window kinds for schedules. */
typedef enum {
    DP_WINDOW_HOURLY = 0,
    DP_WINDOW_DAILY,
    DP_WINDOW_WEEKLY /* weeks start on Monday */
} dp_window_kind_t;

/* Parses "hourly", "daily" or "weekly"; returns 0 or DP_EINVAL. */
DP_NODISCARD int dp_window_kind_parse(const char *name, dp_window_kind_t *kind);

/* The half-open window [*from, *to) of the given kind that contains t,
 * aligned in the local time of a zone with offset offset_s. */
void dp_window_containing(int64_t t, dp_window_kind_t kind, int offset_s,
                          int64_t *from, int64_t *to);

#endif
