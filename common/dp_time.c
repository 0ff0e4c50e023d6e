/* dp_time.c - instants, UTC offsets, named zones and report windows */
/* SPDX-License-Identifier: MIT */
#include "dp_time.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dp_mem.h"

#define DP_SECS_PER_MIN 60
#define DP_SECS_PER_HOUR 3600
#define DP_SECS_PER_DAY 86400
#define DP_DAYS_PER_WEEK 7
#define DP_SECS_PER_WEEK ((int64_t)DP_DAYS_PER_WEEK * DP_SECS_PER_DAY)
/* 1970-01-01 was a Thursday: 3 days after a Monday. */
#define DP_EPOCH_WEEKDAY_FROM_MONDAY 3
#define DP_MAX_OFFSET_HOURS 23
#define DP_ZONEINFO_DIR "/usr/share/zoneinfo"
#define DP_ZONE_NAME_MAX 128
#define DP_TZIF_MAGIC "TZif"
/* Offsets in force lie within a day of UTC; look this far around a local
 * time for the instants that show it. */
#define DP_OFFSET_SPAN ((int64_t)26 * DP_SECS_PER_HOUR)
#define DP_LABEL_MAX 16
#define DP_ISO_LEN 32

/* ==== Small arithmetic helpers ==== */

static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t s_floor_mod(int64_t a, int64_t b)
{
    return a - s_floor_div(a, b) * b;
}

static bool s_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int s_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    if (month == 2 && s_is_leap(year))
        return 29;
    return days[month - 1];
}

/* Reads exactly n decimal digits at *p; advances *p. Returns false when
 * fewer digits are there. */
static bool s_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Consumes one character of `set` at *p; false when *p is not one. */
static bool s_expect(const char **p, const char *set)
{
    if (**p == '\0' || !strchr(set, **p))
        return false;
    (*p)++;
    return true;
}

/* Converts broken-down UTC fields (already validated) to an instant. */
static int64_t s_utc_instant(int year, int mon, int day, int hour, int min,
                             int sec)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    return (int64_t)timegm(&tm);
}

/* ==== Offsets ==== */

/* Parses "+HH:MM" or "+HHMM" (two-digit hours) or, when short_hours is
 * set, also "+H" / "+HH" / "+H:MM" (the "UTC+8" spelling). The whole of s
 * must be consumed. */
static int s_parse_offset(const char *s, bool short_hours, int *offset_s)
{
    int sign = 0;
    int hours = 0;
    int mins = 0;
    const char *p = s;

    if (*p == '+')
        sign = 1;
    else if (*p == '-')
        sign = -1;
    else
        return DP_EINVAL;
    p++;

    int ndigits = 0;
    while (s_is_digit(p[ndigits]))
        ndigits++;

    if (ndigits == 4 && p[4] == '\0') {
        if (!s_digits(&p, 2, &hours) || !s_digits(&p, 2, &mins))
            return DP_EINVAL;
    } else if (ndigits == 2 || (short_hours && ndigits == 1)) {
        if (!s_digits(&p, ndigits, &hours))
            return DP_EINVAL;
        if (*p == ':') {
            p++;
            if (!s_digits(&p, 2, &mins))
                return DP_EINVAL;
        } else if (!short_hours) {
            return DP_EINVAL;
        }
        if (*p != '\0')
            return DP_EINVAL;
    } else {
        return DP_EINVAL;
    }
    if (hours > DP_MAX_OFFSET_HOURS || mins > 59)
        return DP_EINVAL;
    *offset_s = sign * (hours * DP_SECS_PER_HOUR + mins * DP_SECS_PER_MIN);
    return 0;
}

/* ==== Parsing instants ==== */

int64_t dp_time_now(void)
{
    return (int64_t)time(NULL);
}

int dp_time_parse(const char *s, int64_t *t, int *offset_s)
{
    assert(s);
    assert(t);
    int year, mon, day, hour, min, sec = 0;
    int off = 0;
    const char *p = s;

    if (!s_digits(&p, 4, &year) || !s_expect(&p, "-"))
        return DP_EINVAL;
    if (!s_digits(&p, 2, &mon) || !s_expect(&p, "-"))
        return DP_EINVAL;
    if (!s_digits(&p, 2, &day) || !s_expect(&p, "T "))
        return DP_EINVAL;
    if (!s_digits(&p, 2, &hour) || !s_expect(&p, ":"))
        return DP_EINVAL;
    if (!s_digits(&p, 2, &min))
        return DP_EINVAL;
    if (s_expect(&p, ":")) {
        if (!s_digits(&p, 2, &sec))
            return DP_EINVAL;
        if (s_expect(&p, ".")) {
            if (!s_is_digit(*p))
                return DP_EINVAL;
            while (s_is_digit(*p))
                p++;
        }
    }
    if (mon < 1 || mon > 12 || day < 1 || day > s_days_in_month(year, mon))
        return DP_EINVAL;
    if (hour > 23 || min > 59 || sec > 59)
        return DP_EINVAL;

    if (*p == 'Z') {
        if (p[1] != '\0')
            return DP_EINVAL;
    } else if (s_parse_offset(p, false, &off) < 0) {
        return DP_EINVAL;
    }

    *t = s_utc_instant(year, mon, day, hour, min, sec) - off;
    if (offset_s)
        *offset_s = off;
    return 0;
}

int dp_time_parse_bound(const char *flag, const char *value, int64_t now,
                        int64_t *t, int *offset_s, char *err, size_t errlen)
{
    assert(flag);
    assert(value);
    assert(t);
    assert(err || errlen == 0);
    int64_t at = 0;
    int off = 0;
    char limit[DP_ISO_LEN];
    if (dp_time_parse(value, &at, &off) < 0) {
        snprintf(err, errlen,
                 "%s: \"%s\" is not a time such as 2025-12-10T18:29+08:00",
                 flag, value);
        return DP_EINVAL;
    }
    if (at < DP_TIME_GITHUB_EPOCH) {
        dp_time_iso_utc(DP_TIME_GITHUB_EPOCH, limit, sizeof limit);
        snprintf(err, errlen,
                 "%s: \"%s\" is before %s (GitHub holds nothing older)", flag,
                 value, limit);
        return DP_EINVAL;
    }
    if (at - now > DP_TIME_MAX_AHEAD) {
        dp_time_iso_utc(now, limit, sizeof limit);
        snprintf(err, errlen, "%s: \"%s\" is more than a year after now (%s)",
                 flag, value, limit);
        return DP_EINVAL;
    }
    *t = at;
    if (offset_s)
        *offset_s = off;
    return 0;
}

/* ==== Named zones ==== */

/* The zoneinfo directory glibc reads: $TZDIR when set, else the default. */
static const char *s_zoneinfo_dir(void)
{
    const char *dir = getenv("TZDIR");
    return (dir && *dir) ? dir : DP_ZONEINFO_DIR;
}

/* Accepts names like "Asia/Shanghai", "America/Argentina/Buenos_Aires",
 * "Etc/GMT+8": letters, digits and "_+-" in components separated by '/',
 * no component starting with '.', no leading '/', and a regular TZif file
 * of that name under the zoneinfo directory. */
static bool s_zone_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= DP_ZONE_NAME_MAX || name[0] == '/')
        return false;
    bool start = true;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  s_is_digit(c) || c == '_' || c == '+' || c == '-' ||
                  c == '/' || c == '.';
        if (!ok)
            return false;
        if (c == '/' && start)
            return false; /* empty component */
        if (c == '.' && start)
            return false; /* ".", ".." or a hidden file */
        start = (c == '/');
    }
    if (start)
        return false; /* trailing '/' */

    bool valid = false;
    char *path = dp_asprintf("%s/%s", s_zoneinfo_dir(), name);
    struct stat st;
    FILE *f = NULL;
    char magic[4];

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    f = fopen(path, "rb");
    if (!f)
        goto out;
    if (fread(magic, 1, sizeof magic, f) != sizeof magic)
        goto out;
    valid = memcmp(magic, DP_TZIF_MAGIC, sizeof magic) == 0;
out:
    if (f)
        fclose(f);
    dp_free(path);
    return valid;
}

/* While a zone is entered, TZ names it and localtime_r answers for it. */
typedef struct {
    char *saved_tz; /* the previous TZ value, owned; NULL when unset */
    bool had_tz;    /* whether TZ was set before */
} s_zone_t;

static int s_zone_enter(const char *name, s_zone_t *zone)
{
    if (!s_zone_name_valid(name))
        return DP_EINVAL;
    const char *old = getenv("TZ");
    zone->had_tz = old != NULL;
    zone->saved_tz = dp_strdup(old);
    char *value = dp_asprintf(":%s", name);
    int rc = setenv("TZ", value, 1);
    dp_free(value);
    if (rc != 0) {
        dp_free(zone->saved_tz);
        zone->saved_tz = NULL;
        return DP_EINVAL;
    }
    tzset();
    return 0;
}

static void s_zone_leave(s_zone_t *zone)
{
    if (zone->had_tz)
        setenv("TZ", zone->saved_tz, 1);
    else
        unsetenv("TZ");
    tzset();
    dp_free(zone->saved_tz);
    zone->saved_tz = NULL;
}

/* The offset of the entered zone at instant t. */
static int s_zone_offset(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 0;
    return (int)tm.tm_gmtoff;
}

/* Recognizes the fixed spellings. Returns 1 with *offset_s set, 0 when
 * zone is not spelled as a fixed offset, or DP_EINVAL when it is but the
 * numbers are wrong. */
static int s_fixed_zone(const char *zone, int *offset_s)
{
    if (strcmp(zone, "UTC") == 0 || strcmp(zone, "Z") == 0) {
        *offset_s = 0;
        return 1;
    }
    if (zone[0] == '+' || zone[0] == '-')
        return s_parse_offset(zone, false, offset_s) < 0 ? DP_EINVAL : 1;
    if (strncmp(zone, "UTC", 3) == 0 && (zone[3] == '+' || zone[3] == '-'))
        return s_parse_offset(zone + 3, true, offset_s) < 0 ? DP_EINVAL : 1;
    return 0;
}

int dp_tz_offset(const char *zone, int64_t t, int *offset_s)
{
    assert(zone);
    assert(offset_s);
    int off = 0;
    int rc = s_fixed_zone(zone, &off);
    if (rc < 0)
        return DP_EINVAL;
    if (rc == 0) {
        s_zone_t z;
        if (s_zone_enter(zone, &z) < 0)
            return DP_EINVAL;
        off = s_zone_offset(t);
        s_zone_leave(&z);
    }
    *offset_s = off;
    return 0;
}

bool dp_time_local_repeated(const char *zone, int64_t t)
{
    assert(zone);
    int off = 0;
    int rc = s_fixed_zone(zone, &off);
    if (rc != 0)
        return false;
    s_zone_t z;
    if (s_zone_enter(zone, &z) < 0)
        return false;
    off = s_zone_offset(t);
    int64_t local = t + off;
    /* Where the same local time was shown before, the offset then was
     * larger; it is in force within a day of t. */
    int before = s_zone_offset(t - DP_OFFSET_SPAN);
    int64_t earlier = local - before;
    bool repeated =
        before > off && earlier < t && s_zone_offset(earlier) == before;
    s_zone_leave(&z);
    return repeated;
}

/* ==== Formatting ==== */

void dp_time_iso_utc(int64_t t, char *buf, size_t size)
{
    assert(buf);
    assert(size > 0);
    time_t tt = (time_t)t;
    struct tm tm;
    buf[0] = '\0';
    if (!gmtime_r(&tt, &tm))
        return;
    /* strftime, not snprintf: the fields are bounded by gmtime_r, which the
     * compiler cannot see; a buffer too small leaves "". */
    if (strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = '\0';
}

void dp_time_offset_label(int offset_s, char *buf, size_t size)
{
    assert(buf);
    assert(size > 0);
    if (offset_s == 0) {
        snprintf(buf, size, "UTC");
        return;
    }
    char sign = offset_s < 0 ? '-' : '+';
    int abs_s = offset_s < 0 ? -offset_s : offset_s;
    int hours = abs_s / DP_SECS_PER_HOUR;
    int mins = (abs_s % DP_SECS_PER_HOUR) / DP_SECS_PER_MIN;
    if (mins)
        snprintf(buf, size, "UTC%c%d:%02d", sign, hours, mins);
    else
        snprintf(buf, size, "UTC%c%d", sign, hours);
}

void dp_time_format(int64_t t, int offset_s, const char *fmt, char *buf,
                    size_t size)
{
    assert(fmt);
    assert(buf);
    assert(size > 0);
    time_t tt = (time_t)(t + offset_s);
    struct tm tm;
    char label[DP_LABEL_MAX];
    buf[0] = '\0';
    if (!gmtime_r(&tt, &tm))
        return;
    /* Make %z and %Z describe the offset rather than GMT. */
    dp_time_offset_label(offset_s, label, sizeof label);
    tm.tm_gmtoff = offset_s;
    tm.tm_zone = label;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
    size_t n = strftime(buf, size, fmt, &tm);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    if (n == 0)
        buf[0] = '\0';
}

void dp_time_report(int64_t t, int offset_s, char *buf, size_t size)
{
    assert(buf);
    assert(size > 0);
    char when[32];
    char label[DP_LABEL_MAX];
    dp_time_format(t, offset_s, "%Y-%m-%d %H:%M", when, sizeof when);
    dp_time_offset_label(offset_s, label, sizeof label);
    snprintf(buf, size, "%s (%s)", when, label);
}

/* ==== Windows ==== */

int dp_window_kind_parse(const char *name, dp_window_kind_t *kind)
{
    assert(name);
    assert(kind);
    if (strcmp(name, "hourly") == 0)
        *kind = DP_WINDOW_HOURLY;
    else if (strcmp(name, "daily") == 0)
        *kind = DP_WINDOW_DAILY;
    else if (strcmp(name, "weekly") == 0)
        *kind = DP_WINDOW_WEEKLY;
    else
        return DP_EINVAL;
    return 0;
}

const char *dp_window_kind_name(dp_window_kind_t kind)
{
    switch (kind) {
    case DP_WINDOW_HOURLY:
        return "hourly";
    case DP_WINDOW_DAILY:
        return "daily";
    case DP_WINDOW_WEEKLY:
        return "weekly";
    }
    return "unknown";
}

/* Local seconds (t + offset) at which the window containing local time
 * `local` starts, and its nominal length. */
static int64_t s_local_window_start(int64_t local, dp_window_kind_t kind,
                                    int64_t *length)
{
    switch (kind) {
    case DP_WINDOW_HOURLY:
        *length = DP_SECS_PER_HOUR;
        return s_floor_div(local, DP_SECS_PER_HOUR) * DP_SECS_PER_HOUR;
    case DP_WINDOW_DAILY:
        *length = DP_SECS_PER_DAY;
        return s_floor_div(local, DP_SECS_PER_DAY) * DP_SECS_PER_DAY;
    case DP_WINDOW_WEEKLY: {
        int64_t days = s_floor_div(local, DP_SECS_PER_DAY);
        int64_t since_monday =
            s_floor_mod(days + DP_EPOCH_WEEKDAY_FROM_MONDAY, DP_DAYS_PER_WEEK);
        *length = DP_SECS_PER_WEEK;
        return (days - since_monday) * DP_SECS_PER_DAY;
    }
    }
    assert(!"unknown window kind");
    *length = DP_SECS_PER_HOUR;
    return local;
}

void dp_window_containing(int64_t t, dp_window_kind_t kind, int offset_s,
                          int64_t *from, int64_t *to)
{
    assert(from);
    assert(to);
    int64_t length = 0;
    int64_t start = s_local_window_start(t + offset_s, kind, &length);
    *from = start - offset_s;
    *to = *from + length;
}

/* The first instant whose wall-clock time in the entered zone is at or
 * after the local time `local`. When daylight saving skips `local`, that
 * is the moment of the change; when it repeats it, the first occurrence. */
static int64_t s_zone_first_at(int64_t local)
{
    int lo = s_zone_offset(local - DP_OFFSET_SPAN);
    int hi = s_zone_offset(local + DP_OFFSET_SPAN);
    int64_t u_lo = local - lo;
    int64_t u_hi = local - hi;
    bool lo_ok = s_zone_offset(u_lo) == lo;
    bool hi_ok = s_zone_offset(u_hi) == hi;

    if (lo_ok && hi_ok)
        return u_lo < u_hi ? u_lo : u_hi;
    if (lo_ok)
        return u_lo;
    if (hi_ok)
        return u_hi;

    /* A gap: local time jumps over `local`. The answer is the change,
     * which lies between the two candidates; find it by bisection. */
    int64_t a = u_lo < u_hi ? u_lo : u_hi; /* offset there is lo */
    int64_t b = u_lo < u_hi ? u_hi : u_lo; /* offset there is not lo */
    while (b - a > 1) {
        int64_t mid = a + (b - a) / 2;
        if (s_zone_offset(mid) == lo)
            a = mid;
        else
            b = mid;
    }
    return b;
}

int dp_window_in_zone(int64_t t, dp_window_kind_t kind, const char *zone,
                      int64_t *from, int64_t *to)
{
    assert(zone);
    assert(from);
    assert(to);
    int off = 0;
    int rc = s_fixed_zone(zone, &off);
    if (rc < 0)
        return DP_EINVAL;
    if (rc == 1) {
        dp_window_containing(t, kind, off, from, to);
        return 0;
    }

    s_zone_t z;
    if (s_zone_enter(zone, &z) < 0)
        return DP_EINVAL;
    off = s_zone_offset(t);
    if (kind == DP_WINDOW_HOURLY) {
        /* Real hours, aligned to the local hour at t. */
        dp_window_containing(t, kind, off, from, to);
    } else {
        int64_t length = 0;
        int64_t start = s_local_window_start(t + off, kind, &length);
        int64_t a = s_zone_first_at(start);
        int64_t b = s_zone_first_at(start + length);
        /* Where the zone repeats midnight, t may lie in a neighbour. */
        while (t >= b) {
            start += length;
            a = b;
            b = s_zone_first_at(start + length);
        }
        while (t < a) {
            start -= length;
            b = a;
            a = s_zone_first_at(start);
        }
        *from = a;
        *to = b;
    }
    s_zone_leave(&z);
    return 0;
}

int dp_window_kind_of(int64_t from, int64_t to, const char *zone,
                      dp_window_kind_t *kind)
{
    assert(kind);
    int off_from = 0, off_to = 0;
    if (to - from == DP_SECS_PER_HOUR) {
        *kind = DP_WINDOW_HOURLY;
        return 0;
    }
    if (zone && (dp_tz_offset(zone, from, &off_from) < 0 ||
                 dp_tz_offset(zone, to, &off_to) < 0))
        return DP_EINVAL;
    int64_t local = (to + off_to) - (from + off_from);
    if (local == DP_SECS_PER_DAY)
        *kind = DP_WINDOW_DAILY;
    else if (local == DP_SECS_PER_WEEK)
        *kind = DP_WINDOW_WEEKLY;
    else
        return DP_EINVAL;
    return 0;
}

int dp_window_at_or_after(int64_t t, dp_window_kind_t kind, const char *zone,
                          dp_span_t *out)
{
    assert(out);
    if (dp_window_in_zone(t, kind, zone, &out->from, &out->to) < 0)
        return DP_EINVAL;
    if (out->from == t)
        return 0;
    return dp_window_in_zone(out->to, kind, zone, &out->from, &out->to);
}

int dp_window_list(int64_t start, int64_t end, dp_window_kind_t kind,
                   const char *zone, size_t max, dp_span_t *out)
{
    assert(out || max == 0);
    if (max == 0)
        return 0;
    dp_span_t w;
    if (dp_window_at_or_after(start, kind, zone, &w) < 0)
        return DP_EINVAL;
    size_t n = 0;
    while (w.to <= end && n < max) {
        out[n++] = w;
        if (dp_window_in_zone(w.to, kind, zone, &w.from, &w.to) < 0)
            return DP_EINVAL;
    }
    return (int)n;
}
