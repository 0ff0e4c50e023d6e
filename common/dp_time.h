/* dp_time.h - instants, UTC offsets, named zones and report windows */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TIME_H
#define DP_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"

/* Instants are int64_t seconds since the Unix epoch (UTC). */

/* Current time. */
int64_t dp_time_now(void);

/* Parses an ISO 8601 / RFC 3339 instant as GitHub and users write them:
 * "2025-12-10T18:29+08:00", "2025-12-10T10:29:00Z",
 * "2025-12-10T18:29:05.123+0800", "2025-12-10 18:29:00Z". Fractions are
 * dropped. When offset_s is not NULL it receives the written offset (0 for Z).
 * A missing offset is an error. Strict: YYYY-MM-DD, then 'T' or one space,
 * HH:MM, optional :SS (00-59) with an optional .fraction of at least one digit,
 * then "Z", "+HH:MM" or
 * "+HHMM" (hours up to 23) and nothing after. Fields out of range (month
 * 13, February 30, hour 24) and any other spelling are refused.
 * Returns 0, or DP_EINVAL with nothing stored. */
DP_NODISCARD int dp_time_parse(const char *s, int64_t *t, int *offset_s);

/* Parses a zone: "UTC", "Z", "+08:00", "-0530", "UTC+8", "UTC-05:30", or an
 * IANA name ("Asia/Shanghai") read from the system's zoneinfo. Stores the
 * offset in force at instant t. Returns 0 or DP_EINVAL. "UTC+8" means
 * eight hours ahead of UTC, as reports write it (not the POSIX TZ sense).
 * IANA names must be a TZif file under /usr/share/zoneinfo (or $TZDIR);
 * names with "..", a leading '/' or odd characters are refused. Named
 * zones are looked up by setting TZ for a moment, so this is not safe to
 * call while another thread uses local time. */
DP_NODISCARD int dp_tz_offset(const char *zone, int64_t t, int *offset_s);

/* The earliest instant a report window may touch: 2008-01-01T00:00:00Z.
 * GitHub began in 2008 and holds nothing older. */
#define DP_TIME_GITHUB_EPOCH INT64_C(1199145600)

/* How far after the current time a window bound may lie: 366 days. */
#define DP_TIME_MAX_AHEAD (INT64_C(366) * 86400)

/* Parses the value of a command-line flag that bounds a window (--from,
 * --to, --since) as dp_time_parse does, and checks that it can be one:
 * not before DP_TIME_GITHUB_EPOCH and not more than DP_TIME_MAX_AHEAD
 * after now (a year such as 9999 is refused; one past 9999 does not
 * parse). flag is the flag's name as the user wrote it ("--from"); it
 * starts the one-line message written to err on failure, e.g.
 * `--from: "1970-01-01T00:00Z" is before 2008-01-01T00:00Z (GitHub holds
 * nothing older)`. offset_s may be NULL. Returns 0, or DP_EINVAL with
 * nothing stored. */
DP_NODISCARD int dp_time_parse_bound(const char *flag, const char *value,
                                     int64_t now, int64_t *t, int *offset_s,
                                     char *err, size_t errlen);

/* True when the local time at t in zone (as dp_tz_offset accepts it) was
 * already shown at an earlier instant: t lies in the second pass through
 * the hour that the end of daylight saving repeats (in New York,
 * 2025-11-02 01:00-01:59 EST after the same times in EDT). False for fixed
 * offsets and for unknown zones. */
bool dp_time_local_repeated(const char *zone, int64_t t);

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

/* "hourly", "daily" or "weekly"; "unknown" for other values. */
const char *dp_window_kind_name(dp_window_kind_t kind);

/* The half-open window [*from, *to) of the given kind that contains t,
 * aligned in the local time of a zone with offset offset_s. */
void dp_window_containing(int64_t t, dp_window_kind_t kind, int offset_s,
                          int64_t *from, int64_t *to);

/* The same for a zone as dp_tz_offset accepts it, following its daylight
 * saving changes: daily and weekly windows run from local midnight to
 * local midnight (a day may last 23 or 25 hours), so consecutive windows
 * never overlap or leave a gap. Hourly windows are real hours aligned to
 * the local hour at t. Returns 0, or DP_EINVAL for an unknown zone. */
DP_NODISCARD int dp_window_in_zone(int64_t t, dp_window_kind_t kind,
                                   const char *zone, int64_t *from,
                                   int64_t *to);

/* The kind of the window [from, to) in a zone as dp_tz_offset accepts it
 * (NULL for UTC): hourly when it lasts one hour, daily when the local time
 * at `to` is the local time at `from` one calendar day later (23, 24 or 25
 * hours across a daylight saving change), weekly for seven days. Local
 * times use the offset in force at each instant. Returns 0, or DP_EINVAL
 * when the window is none of these or the zone is unknown. */
DP_NODISCARD int dp_window_kind_of(int64_t from, int64_t to, const char *zone,
                                   dp_window_kind_t *kind);

/* A window [from, to), as the functions below list them. */
typedef struct {
    int64_t from, to;
} dp_span_t;

/* The first window of a kind in a zone that starts at or after t: the one
 * containing t when it starts exactly at t, else the one after it.
 * Returns 0, or DP_EINVAL for an unknown zone. */
DP_NODISCARD int dp_window_at_or_after(int64_t t, dp_window_kind_t kind,
                                       const char *zone, dp_span_t *out);

/* Writes into out (room for max), oldest first, the consecutive windows of
 * a kind in a zone that start at or after start and end at or before end.
 * Stops after max windows: the caller asks again from the last one's end
 * for the rest. Returns the number written, or DP_EINVAL for an unknown
 * zone. */
DP_NODISCARD int dp_window_list(int64_t start, int64_t end,
                                dp_window_kind_t kind, const char *zone,
                                size_t max, dp_span_t *out);

#endif
