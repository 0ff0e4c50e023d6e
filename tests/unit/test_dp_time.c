/* test_dp_time.c - unit tests for instants, zones, labels and windows */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"
#include "dp_time.h"

#define MINUTE INT64_C(60)
#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)

/* The instant of an ISO text that must parse. */
static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    int rc = dp_time_parse(iso, &t, NULL);
    if (rc != 0)
        fail_msg("could not parse %s", iso);
    return t;
}

/* Asserts that the window is [from_iso, to_iso). */
static void s_assert_window(int64_t from, int64_t to, const char *from_iso,
                            const char *to_iso)
{
    char a[32], b[32];
    dp_time_iso_utc(from, a, sizeof a);
    dp_time_iso_utc(to, b, sizeof b);
    assert_string_equal(a, from_iso);
    assert_string_equal(b, to_iso);
}

/* ==== Parsing ==== */

static void test_parse_accepts_github_and_user_forms(void **state)
{
    (void)state;
    int64_t t = 0;
    int off = -1;
    assert_int_equal(dp_time_parse("2025-12-10T18:29+08:00", &t, &off), 0);
    assert_int_equal(t, 1765362540);
    assert_int_equal(off, 8 * HOUR);
    assert_int_equal(dp_time_parse("2025-12-10T10:29:00Z", &t, &off), 0);
    assert_int_equal(t, 1765362540);
    assert_int_equal(off, 0);
    assert_int_equal(dp_time_parse("2025-12-10T18:29:05.123+0800", &t, &off),
                     0);
    assert_int_equal(t, 1765362545);
    assert_int_equal(off, 8 * HOUR);
    assert_int_equal(dp_time_parse("2025-12-10 18:29:00Z", &t, NULL), 0);
    assert_int_equal(t, 1765362540 + 8 * HOUR);
    assert_int_equal(dp_time_parse("2025-12-10T05:29-05:00", &t, &off), 0);
    assert_int_equal(t, 1765362540);
    assert_int_equal(off, -5 * HOUR);
    assert_int_equal(dp_time_parse("2025-12-10T16:14+05:45", &t, &off), 0);
    assert_int_equal(t, 1765362540);
    assert_int_equal(off, 5 * HOUR + 45 * MINUTE);
}

static void test_parse_accepts_leap_day_only_in_leap_years(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(dp_time_parse("2024-02-29T00:00:00Z", &t, NULL), 0);
    assert_int_equal(dp_time_parse("2000-02-29T00:00:00Z", &t, NULL), 0);
    assert_int_equal(dp_time_parse("2025-02-29T00:00:00Z", &t, NULL),
                     DP_EINVAL);
    assert_int_equal(dp_time_parse("1900-02-29T00:00:00Z", &t, NULL),
                     DP_EINVAL);
}

static void test_parse_rejects_missing_offset(void **state)
{
    (void)state;
    int64_t t = 42;
    int off = 42;
    assert_int_equal(dp_time_parse("2025-12-10T18:29", &t, &off), DP_EINVAL);
    assert_int_equal(dp_time_parse("2025-12-10T18:29:00", &t, &off), DP_EINVAL);
    assert_int_equal(dp_time_parse("2025-12-10T18:29:00.5", &t, &off),
                     DP_EINVAL);
    /* Nothing is stored on failure. */
    assert_int_equal(t, 42);
    assert_int_equal(off, 42);
}

static void test_parse_rejects_trailing_junk(void **state)
{
    (void)state;
    int64_t t = 0;
    const char *bad[] = {
        "2025-12-10T18:29Zjunk",   "2025-12-10T18:29+08:00 ",
        "2025-12-10T18:29+08:00Z", "2025-12-10T18:29:00Z\n",
        "2025-12-10T18:29+0800x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dp_time_parse(bad[i], &t, NULL), DP_EINVAL);
}

static void test_parse_rejects_out_of_range_fields(void **state)
{
    (void)state;
    int64_t t = 0;
    const char *bad[] = {
        "2025-13-10T18:29Z",      "2025-00-10T18:29Z",
        "2025-12-32T18:29Z",      "2025-12-00T18:29Z",
        "2025-04-31T18:29Z",      "2025-12-10T24:00Z",
        "2025-12-10T18:60Z",      "2025-12-10T18:29:60Z",
        "2025-12-10T18:29+24:00", "2025-12-10T18:29+08:60",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dp_time_parse(bad[i], &t, NULL) != DP_EINVAL)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_parse_rejects_garbage_and_odd_spellings(void **state)
{
    (void)state;
    int64_t t = 0;
    const char *bad[] = {
        "",
        "garbage",
        "2025-12-10",
        "2025-12-10T",
        "2025-1-10T18:29Z",
        "25-12-10T18:29Z",
        "2025-12-10t18:29Z",
        "2025-12-10_18:29Z",
        "2025-12-10T18:29z",
        "2025-12-10T18Z",
        "2025-12-10T1829Z",
        "2025-12-10T18:29:5Z",
        "2025-12-10T18:29:05.Z",
        "2025-12-10T18:29+08",
        "2025-12-10T18:29+8:00",
        "2025-12-10T18:29+080",
        "2025-12-10T18:29 +08:00",
        "2025-12-10T18:29UTC",
        " 2025-12-10T18:29Z",
        "2025/12/10T18:29Z",
        "+2025-12-10T18:29Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dp_time_parse(bad[i], &t, NULL) != DP_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

/* ==== Zones ==== */

static void test_tz_offset_accepts_fixed_spellings(void **state)
{
    (void)state;
    struct {
        const char *zone;
        int offset;
    } cases[] = {
        {"UTC", 0},
        {"Z", 0},
        {"+08:00", 8 * HOUR},
        {"+0800", 8 * HOUR},
        {"-0530", -(5 * HOUR + 30 * MINUTE)},
        {"-05:00", -5 * HOUR},
        {"UTC+8", 8 * HOUR},
        {"UTC+08", 8 * HOUR},
        {"UTC-5", -5 * HOUR},
        {"UTC-05:30", -(5 * HOUR + 30 * MINUTE)},
        {"UTC+5:45", 5 * HOUR + 45 * MINUTE},
        {"UTC+0545", 5 * HOUR + 45 * MINUTE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int off = 12345;
        if (dp_tz_offset(cases[i].zone, 0, &off) != 0)
            fail_msg("refused %s", cases[i].zone);
        assert_int_equal(off, cases[i].offset);
    }
}

static void test_tz_offset_reads_iana_zones(void **state)
{
    (void)state;
    int off = 0;
    int64_t winter = s_at("2025-01-15T12:00:00Z");
    int64_t summer = s_at("2025-07-15T12:00:00Z");
    assert_int_equal(dp_tz_offset("Asia/Shanghai", winter, &off), 0);
    assert_int_equal(off, 8 * HOUR);
    assert_int_equal(dp_tz_offset("Asia/Shanghai", summer, &off), 0);
    assert_int_equal(off, 8 * HOUR);
    assert_int_equal(dp_tz_offset("America/New_York", winter, &off), 0);
    assert_int_equal(off, -5 * HOUR);
    assert_int_equal(dp_tz_offset("America/New_York", summer, &off), 0);
    assert_int_equal(off, -4 * HOUR);
    assert_int_equal(dp_tz_offset("Asia/Kathmandu", winter, &off), 0);
    assert_int_equal(off, 5 * HOUR + 45 * MINUTE);
    assert_int_equal(dp_tz_offset("Etc/GMT+8", winter, &off), 0);
    assert_int_equal(off, -8 * HOUR); /* POSIX sign, as IANA names it */
}

static void test_tz_offset_follows_new_york_dst_change(void **state)
{
    (void)state;
    int off = 0;
    /* 2025-03-09 02:00 EST became 03:00 EDT at 07:00Z. */
    int64_t change = s_at("2025-03-09T07:00:00Z");
    assert_int_equal(dp_tz_offset("America/New_York", change - 1, &off), 0);
    assert_int_equal(off, -5 * HOUR);
    assert_int_equal(dp_tz_offset("America/New_York", change, &off), 0);
    assert_int_equal(off, -4 * HOUR);
}

static void test_tz_offset_rejects_unknown_and_unsafe_names(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "Asia/Nowhere",
        "Nowhere",
        "../../etc/passwd",
        "Asia/../Asia/Shanghai",
        "/usr/share/zoneinfo/Asia/Shanghai",
        "/etc/localtime",
        "Asia/Shanghai/",
        "Asia//Shanghai",
        "./UTC",
        "Asia/Shang hai",
        "Asia/Shanghai\n",
        "zone.tab", /* a file there, but not a zone */
        "iso3166.tab",
        "Asia", /* a directory */
        "UTC+24",
        "UTC+8:60",
        "UTC+",
        "UTC8",
        "+8",
        "+08:0",
        "+08:00:00",
        "UTC+08:00x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int off = 777;
        if (dp_tz_offset(bad[i], 0, &off) != DP_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(off, 777);
    }
}

static void test_tz_offset_restores_tz_variable(void **state)
{
    (void)state;
    int off = 0;
    assert_int_equal(setenv("TZ", "Europe/Paris", 1), 0);
    assert_int_equal(dp_tz_offset("Asia/Shanghai", 0, &off), 0);
    assert_non_null(getenv("TZ"));
    assert_string_equal(getenv("TZ"), "Europe/Paris");
    assert_int_equal(unsetenv("TZ"), 0);
    assert_int_equal(dp_tz_offset("America/New_York", 0, &off), 0);
    assert_null(getenv("TZ"));
}

/* ==== Formatting ==== */

static void test_offset_label_writes_report_labels(void **state)
{
    (void)state;
    char buf[16];
    dp_time_offset_label(8 * HOUR, buf, sizeof buf);
    assert_string_equal(buf, "UTC+8");
    dp_time_offset_label(-5 * HOUR, buf, sizeof buf);
    assert_string_equal(buf, "UTC-5");
    dp_time_offset_label(-(5 * HOUR + 30 * MINUTE), buf, sizeof buf);
    assert_string_equal(buf, "UTC-5:30");
    dp_time_offset_label(5 * HOUR + 45 * MINUTE, buf, sizeof buf);
    assert_string_equal(buf, "UTC+5:45");
    dp_time_offset_label(0, buf, sizeof buf);
    assert_string_equal(buf, "UTC");
    dp_time_offset_label(14 * HOUR, buf, sizeof buf);
    assert_string_equal(buf, "UTC+14");
}

static void test_report_truncates_minutes_and_labels_offset(void **state)
{
    (void)state;
    char buf[64];
    int64_t t = s_at("2025-12-10T10:47:59Z");
    dp_time_report(t, 8 * HOUR, buf, sizeof buf);
    assert_string_equal(buf, "2025-12-10 18:47 (UTC+8)");
    dp_time_report(t, 0, buf, sizeof buf);
    assert_string_equal(buf, "2025-12-10 10:47 (UTC)");
    dp_time_report(t, -(5 * HOUR + 30 * MINUTE), buf, sizeof buf);
    assert_string_equal(buf, "2025-12-10 05:17 (UTC-5:30)");
    /* Crossing midnight backwards changes the date. */
    dp_time_report(s_at("2025-12-10T02:00:00Z"), -5 * HOUR, buf, sizeof buf);
    assert_string_equal(buf, "2025-12-09 21:00 (UTC-5)");
}

static void test_iso_utc_and_format_write_expected_text(void **state)
{
    (void)state;
    char buf[64];
    dp_time_iso_utc(1765362540, buf, sizeof buf);
    assert_string_equal(buf, "2025-12-10T10:29:00Z");
    assert_int_equal(strlen(buf) + 1, 21); /* the documented minimum */
    dp_time_iso_utc(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    dp_time_format(1765362540, 8 * HOUR, "%Y-%m-%d %H:%M:%S %z", buf,
                   sizeof buf);
    assert_string_equal(buf, "2025-12-10 18:29:00 +0800");
    dp_time_format(1765362540, -(5 * HOUR + 30 * MINUTE), "%H:%M %Z", buf,
                   sizeof buf);
    assert_string_equal(buf, "04:59 UTC-5:30");
    /* Too small a buffer gives an empty string, never an overflow. */
    dp_time_format(1765362540, 0, "%Y-%m-%d", buf, 4);
    assert_string_equal(buf, "");
}

static void test_now_is_recent(void **state)
{
    (void)state;
    assert_true(dp_time_now() > s_at("2024-01-01T00:00:00Z"));
}

/* ==== Windows ==== */

static void test_window_kind_parse_accepts_three_names(void **state)
{
    (void)state;
    dp_window_kind_t k = DP_WINDOW_HOURLY;
    assert_int_equal(dp_window_kind_parse("daily", &k), 0);
    assert_int_equal(k, DP_WINDOW_DAILY);
    assert_int_equal(dp_window_kind_parse("weekly", &k), 0);
    assert_int_equal(k, DP_WINDOW_WEEKLY);
    assert_int_equal(dp_window_kind_parse("hourly", &k), 0);
    assert_int_equal(k, DP_WINDOW_HOURLY);
    assert_int_equal(dp_window_kind_parse("Daily", &k), DP_EINVAL);
    assert_int_equal(dp_window_kind_parse("monthly", &k), DP_EINVAL);
    assert_int_equal(dp_window_kind_parse("", &k), DP_EINVAL);
    assert_int_equal(k, DP_WINDOW_HOURLY);
    assert_string_equal(dp_window_kind_name(DP_WINDOW_WEEKLY), "weekly");
}

static void test_window_hourly_in_utc_plus_8(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    /* 18:29 local -> [18:00, 19:00) local. */
    dp_window_containing(s_at("2025-12-10T18:29+08:00"), DP_WINDOW_HOURLY,
                         8 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-12-10T10:00:00Z", "2025-12-10T11:00:00Z");
}

static void
test_window_daily_in_utc_plus_8_starts_at_local_midnight(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    /* 01:00 local on the 10th is still the 9th in UTC. */
    dp_window_containing(s_at("2025-12-09T17:00:00Z"), DP_WINDOW_DAILY,
                         8 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-12-09T16:00:00Z", "2025-12-10T16:00:00Z");
}

static void test_window_daily_in_utc_minus_5(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    /* 22:00 local on the 9th is the 10th in UTC. */
    dp_window_containing(s_at("2025-12-10T03:00:00Z"), DP_WINDOW_DAILY,
                         -5 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-12-09T05:00:00Z", "2025-12-10T05:00:00Z");
}

static void test_window_hourly_with_quarter_hour_offset(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    int off = 5 * HOUR + 45 * MINUTE;
    /* 16:14 local at +05:45: hours start at :15 UTC. */
    dp_window_containing(s_at("2025-12-10T10:29:00Z"), DP_WINDOW_HOURLY, off,
                         &from, &to);
    s_assert_window(from, to, "2025-12-10T10:15:00Z", "2025-12-10T11:15:00Z");
    dp_window_containing(s_at("2025-12-10T10:14:59Z"), DP_WINDOW_HOURLY, off,
                         &from, &to);
    s_assert_window(from, to, "2025-12-10T09:15:00Z", "2025-12-10T10:15:00Z");
    dp_window_containing(s_at("2025-12-10T10:29:00Z"), DP_WINDOW_DAILY, off,
                         &from, &to);
    s_assert_window(from, to, "2025-12-09T18:15:00Z", "2025-12-10T18:15:00Z");
}

static void test_window_weekly_starts_monday_local(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    /* Wednesday 2025-12-10 -> Monday 2025-12-08 00:00 +08:00. */
    dp_window_containing(s_at("2025-12-10T18:29+08:00"), DP_WINDOW_WEEKLY,
                         8 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-12-07T16:00:00Z", "2025-12-14T16:00:00Z");
    /* Sunday 23:59:59 local belongs to the week before. */
    dp_window_containing(s_at("2025-12-07T23:59:59+08:00"), DP_WINDOW_WEEKLY,
                         8 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-11-30T16:00:00Z", "2025-12-07T16:00:00Z");
    /* Monday 00:00 local starts the new one. */
    dp_window_containing(s_at("2025-12-08T00:00+08:00"), DP_WINDOW_WEEKLY,
                         8 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-12-07T16:00:00Z", "2025-12-14T16:00:00Z");
    /* In UTC-5 the same instant can still be Sunday. */
    dp_window_containing(s_at("2025-12-08T03:00:00Z"), DP_WINDOW_WEEKLY,
                         -5 * HOUR, &from, &to);
    s_assert_window(from, to, "2025-12-01T05:00:00Z", "2025-12-08T05:00:00Z");
}

static void test_window_is_half_open(void **state)
{
    (void)state;
    int kinds[] = {DP_WINDOW_HOURLY, DP_WINDOW_DAILY, DP_WINDOW_WEEKLY};
    int offsets[] = {0, 8 * HOUR, -5 * HOUR, 5 * HOUR + 45 * MINUTE,
                     -(9 * HOUR + 30 * MINUTE)};
    int64_t t0 = s_at("2025-12-10T18:29:31+08:00");
    for (size_t k = 0; k < 3; k++) {
        for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
            int64_t from = 0, to = 0, f2 = 0, t2 = 0;
            dp_window_kind_t kind = (dp_window_kind_t)kinds[k];
            dp_window_containing(t0, kind, offsets[o], &from, &to);
            assert_true(from <= t0 && t0 < to);
            /* The start belongs to the window, the end to the next. */
            dp_window_containing(from, kind, offsets[o], &f2, &t2);
            assert_int_equal(f2, from);
            assert_int_equal(t2, to);
            dp_window_containing(to - 1, kind, offsets[o], &f2, &t2);
            assert_int_equal(f2, from);
            dp_window_containing(to, kind, offsets[o], &f2, &t2);
            assert_int_equal(f2, to);
        }
    }
}

static void test_window_before_epoch_floors_correctly(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    dp_window_containing(-1, DP_WINDOW_DAILY, 0, &from, &to);
    assert_int_equal(from, -DAY);
    assert_int_equal(to, 0);
    dp_window_containing(-1, DP_WINDOW_HOURLY, 0, &from, &to);
    assert_int_equal(from, -HOUR);
    /* 1969-12-31 was a Wednesday; its week began Monday the 29th. */
    dp_window_containing(-1, DP_WINDOW_WEEKLY, 0, &from, &to);
    assert_int_equal(from, -3 * DAY);
    assert_int_equal(to, 4 * DAY);
}

static void test_window_in_zone_shanghai_matches_utc_plus_8(void **state)
{
    (void)state;
    int64_t t = s_at("2025-12-10T18:29+08:00");
    for (int k = DP_WINDOW_HOURLY; k <= DP_WINDOW_WEEKLY; k++) {
        int64_t from = 0, to = 0, f2 = 0, t2 = 0;
        assert_int_equal(dp_window_in_zone(t, (dp_window_kind_t)k,
                                           "Asia/Shanghai", &from, &to),
                         0);
        dp_window_containing(t, (dp_window_kind_t)k, 8 * HOUR, &f2, &t2);
        assert_int_equal(from, f2);
        assert_int_equal(to, t2);
        assert_int_equal(
            dp_window_in_zone(t, (dp_window_kind_t)k, "UTC+8", &f2, &t2), 0);
        assert_int_equal(from, f2);
        assert_int_equal(to, t2);
    }
}

static void test_window_in_zone_new_york_spring_day_has_23_hours(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    assert_int_equal(dp_window_in_zone(s_at("2025-03-09T12:00:00-04:00"),
                                       DP_WINDOW_DAILY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z");
    assert_int_equal(to - from, 23 * HOUR);
    /* Just after midnight, still EST: the same day. */
    assert_int_equal(dp_window_in_zone(s_at("2025-03-09T00:30:00-05:00"),
                                       DP_WINDOW_DAILY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z");
    /* The day before is a plain EST day that ends where this one starts. */
    assert_int_equal(dp_window_in_zone(s_at("2025-03-08T23:59:59-05:00"),
                                       DP_WINDOW_DAILY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-03-08T05:00:00Z", "2025-03-09T05:00:00Z");
}

static void test_window_in_zone_new_york_autumn_day_has_25_hours(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    assert_int_equal(dp_window_in_zone(s_at("2025-11-02T12:00:00-05:00"),
                                       DP_WINDOW_DAILY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z");
    assert_int_equal(to - from, 25 * HOUR);
}

static void test_window_in_zone_new_york_week_across_dst(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    /* Week Monday 2025-03-03 .. Monday 2025-03-10: 7 days minus an hour. */
    assert_int_equal(dp_window_in_zone(s_at("2025-03-09T12:00:00Z"),
                                       DP_WINDOW_WEEKLY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-03-03T05:00:00Z", "2025-03-10T04:00:00Z");
    assert_int_equal(to - from, 7 * DAY - HOUR);
}

static void test_window_in_zone_new_york_hours_tile_across_changes(void **state)
{
    (void)state;
    const char *starts[] = {"2025-03-08T20:00:00Z", "2025-11-01T20:00:00Z"};
    for (size_t s = 0; s < 2; s++) {
        int64_t t = s_at(starts[s]);
        int64_t prev_from = 0, prev_to = 0;
        for (int i = 0; i < 24 * 4; i++) {
            int64_t from = 0, to = 0;
            assert_int_equal(dp_window_in_zone(t, DP_WINDOW_HOURLY,
                                               "America/New_York", &from, &to),
                             0);
            assert_true(from <= t && t < to);
            assert_int_equal(to - from, HOUR);
            /* Each new window starts where the last one ended. */
            if (prev_to && from != prev_from && from != prev_to)
                fail_msg("hour windows do not tile at %lld", (long long)from);
            prev_from = from;
            prev_to = to;
            t += 15 * MINUTE;
        }
    }
    /* The repeated 01:00-02:00 of 2025-11-02 gives two distinct hours. */
    int64_t from = 0, to = 0;
    assert_int_equal(dp_window_in_zone(s_at("2025-11-02T01:30:00-04:00"),
                                       DP_WINDOW_HOURLY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-11-02T05:00:00Z", "2025-11-02T06:00:00Z");
    assert_int_equal(dp_window_in_zone(s_at("2025-11-02T01:30:00-05:00"),
                                       DP_WINDOW_HOURLY, "America/New_York",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2025-11-02T06:00:00Z", "2025-11-02T07:00:00Z");
}

static void test_window_in_zone_days_tile_through_a_year(void **state)
{
    (void)state;
    const char *zones[] = {"America/New_York", "Europe/London",
                           "Australia/Lord_Howe", "America/Sao_Paulo",
                           "Asia/Kathmandu"};
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        int64_t t =
            s_at(z == 3 ? "2018-06-01T00:00:00Z" : "2025-01-01T00:00:00Z");
        int64_t from = 0, to = 0;
        assert_int_equal(
            dp_window_in_zone(t, DP_WINDOW_DAILY, zones[z], &from, &to), 0);
        for (int day = 0; day < 366; day++) {
            int64_t f2 = 0, t2 = 0;
            assert_int_equal(
                dp_window_in_zone(to, DP_WINDOW_DAILY, zones[z], &f2, &t2), 0);
            if (f2 != to)
                fail_msg("%s: gap or overlap at day %d", zones[z], day);
            assert_true(t2 - f2 >= 22 * HOUR && t2 - f2 <= 26 * HOUR);
            /* Any instant inside gives the same window. */
            int64_t f3 = 0, t3 = 0;
            assert_int_equal(dp_window_in_zone(f2 + (t2 - f2) / 2,
                                               DP_WINDOW_DAILY, zones[z], &f3,
                                               &t3),
                             0);
            assert_int_equal(f3, f2);
            assert_int_equal(t3, t2);
            to = t2;
        }
    }
}

static void test_window_in_zone_handles_dst_at_midnight(void **state)
{
    (void)state;
    int64_t from = 0, to = 0;
    /* Sao Paulo skipped 2018-11-04 00:00-01:00: that day began at 01:00. */
    assert_int_equal(dp_window_in_zone(s_at("2018-11-04T12:00:00-02:00"),
                                       DP_WINDOW_DAILY, "America/Sao_Paulo",
                                       &from, &to),
                     0);
    s_assert_window(from, to, "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z");
    /* On 2019-02-17 00:00 clocks went back to 2019-02-16 23:00, so the
     * 16th had 25 hours and the 17th began at the second midnight. */
    int64_t t = s_at("2019-02-16T23:30:00-03:00");
    assert_int_equal(
        dp_window_in_zone(t, DP_WINDOW_DAILY, "America/Sao_Paulo", &from, &to),
        0);
    assert_true(from <= t && t < to);
    s_assert_window(from, to, "2019-02-16T02:00:00Z", "2019-02-17T03:00:00Z");
    assert_int_equal(
        dp_window_in_zone(to, DP_WINDOW_DAILY, "America/Sao_Paulo", &from, &to),
        0);
    s_assert_window(from, to, "2019-02-17T03:00:00Z", "2019-02-18T03:00:00Z");
}

static void test_window_in_zone_rejects_unknown_zone(void **state)
{
    (void)state;
    int64_t from = 11, to = 22;
    assert_int_equal(
        dp_window_in_zone(0, DP_WINDOW_DAILY, "Mars/Olympus", &from, &to),
        DP_EINVAL);
    assert_int_equal(
        dp_window_in_zone(0, DP_WINDOW_DAILY, "UTC+99", &from, &to), DP_EINVAL);
    assert_int_equal(from, 11);
    assert_int_equal(to, 22);
}

/* ==== Window bounds on the command line ==== */

/* A fixed "now" for the bound checks: 2025-12-10T10:29:00Z. */
#define T_NOW INT64_C(1765362540)

/* Asserts that value is refused for flag with a message containing want,
 * and that nothing is stored. */
static void s_bound_refused(const char *flag, const char *value,
                            const char *want)
{
    int64_t t = 11;
    int off = 22;
    char err[256] = "";
    assert_int_equal(
        dp_time_parse_bound(flag, value, T_NOW, &t, &off, err, sizeof err),
        DP_EINVAL);
    assert_int_equal(t, 11);
    assert_int_equal(off, 22);
    if (strncmp(err, flag, strlen(flag)) != 0 || !strstr(err, want) ||
        strchr(err, '\n'))
        fail_msg("%s %s: unexpected message \"%s\"", flag, value, err);
}

static void test_parse_bound_accepts_windows_since_github_began(void **state)
{
    (void)state;
    int64_t t = 0;
    int off = 0;
    char err[256] = "";
    assert_int_equal(dp_time_parse_bound("--from", "2025-12-10T18:29+08:00",
                                         T_NOW, &t, &off, err, sizeof err),
                     0);
    assert_int_equal(t, T_NOW);
    assert_int_equal(off, 8 * HOUR);
    assert_int_equal(dp_time_parse_bound("--from", "2008-01-01T00:00Z", T_NOW,
                                         &t, NULL, err, sizeof err),
                     0);
    assert_int_equal(t, DP_TIME_GITHUB_EPOCH);
    char iso[32];
    dp_time_iso_utc(DP_TIME_GITHUB_EPOCH, iso, sizeof iso);
    assert_string_equal(iso, "2008-01-01T00:00:00Z");
    /* A window in progress, and the farthest bound allowed. */
    assert_int_equal(dp_time_parse_bound("--to", "2025-12-10T11:00Z", T_NOW, &t,
                                         NULL, err, sizeof err),
                     0);
    assert_int_equal(dp_time_parse_bound("--to", "2026-12-11T10:29:00Z", T_NOW,
                                         &t, NULL, err, sizeof err),
                     0);
    assert_int_equal(t - T_NOW, DP_TIME_MAX_AHEAD);
}

static void test_parse_bound_refuses_1970_and_far_future(void **state)
{
    (void)state;
    s_bound_refused("--from", "1970-01-01T00:00Z",
                    "\"1970-01-01T00:00Z\" is before 2008-01-01T00:00:00Z");
    s_bound_refused("--to", "1970-01-01T01:00Z", "is before 2008");
    /* One second before GitHub, written in another offset. */
    s_bound_refused("--since", "2008-01-01T07:59:59+08:00", "is before 2008");
    s_bound_refused("--from", "0000-01-01T00:00Z", "is before 2008");
    s_bound_refused("--to", "9999-12-31T23:59Z",
                    "is more than a year after now (2025-12-10T10:29:00Z)");
    s_bound_refused("--to", "2026-12-11T10:29:01Z", "more than a year");
    s_bound_refused("--to", "10000-01-01T00:00Z", "is not a time such as");
    s_bound_refused("--from", "yesterday", "\"yesterday\" is not a time");
    s_bound_refused("--from", "2025-12-10T18:29", "is not a time");
    /* A message that does not fit is cut, not overrun. */
    char small[8];
    int64_t t = 0;
    assert_int_equal(dp_time_parse_bound("--from", "1970-01-01T00:00Z", T_NOW,
                                         &t, NULL, small, sizeof small),
                     DP_EINVAL);
    assert_string_equal(small, "--from:");
}

/* ==== The kind of a window ==== */

static void s_kind_is(const char *from, const char *to, const char *zone,
                      dp_window_kind_t want)
{
    dp_window_kind_t kind = (dp_window_kind_t)-1;
    int rc = dp_window_kind_of(s_at(from), s_at(to), zone, &kind);
    if (rc != 0 || kind != want)
        fail_msg("%s ~ %s in %s: rc %d kind %d, want %d", from, to,
                 zone ? zone : "UTC", rc, (int)kind, (int)want);
}

static void s_kind_none(const char *from, const char *to, const char *zone)
{
    dp_window_kind_t kind = DP_WINDOW_HOURLY;
    assert_int_equal(dp_window_kind_of(s_at(from), s_at(to), zone, &kind),
                     DP_EINVAL);
}

static void test_window_kind_of_names_days_across_dst(void **state)
{
    (void)state;
    const char *ny = "America/New_York", *berlin = "Europe/Berlin";
    /* New York, 2025-11-02: 25 hours from midnight to midnight. */
    s_kind_is("2025-11-02T00:00-04:00", "2025-11-03T00:00-05:00", ny,
              DP_WINDOW_DAILY);
    /* 2025-03-09: 23 hours. */
    s_kind_is("2025-03-09T00:00-05:00", "2025-03-10T00:00-04:00", ny,
              DP_WINDOW_DAILY);
    /* Berlin's week of 2025-03-30: 167 hours, Monday to Monday. */
    s_kind_is("2025-03-24T00:00+01:00", "2025-03-31T00:00+02:00", berlin,
              DP_WINDOW_WEEKLY);
    /* The hour that repeats is still an hour. */
    s_kind_is("2025-11-02T01:00-04:00", "2025-11-02T01:00-05:00", ny,
              DP_WINDOW_HOURLY);
    /* Fixed offsets and UTC count real seconds, as before. */
    s_kind_is("2025-12-10T18:29+08:00", "2025-12-11T18:29+08:00", "+08:00",
              DP_WINDOW_DAILY);
    s_kind_is("2025-12-08T00:00Z", "2025-12-15T00:00Z", NULL, DP_WINDOW_WEEKLY);
    s_kind_is("2025-12-10T18:29+08:00", "2025-12-10T19:29+08:00", NULL,
              DP_WINDOW_HOURLY);
    /* 25 real hours are no day in UTC, nor 24 across the change. */
    s_kind_none("2025-11-02T04:00Z", "2025-11-03T05:00Z", NULL);
    s_kind_none("2025-11-02T00:00-04:00", "2025-11-03T00:00-04:00", ny);
    s_kind_none("2025-12-10T18:29+08:00", "2025-12-10T19:59+08:00", "+08:00");
    s_kind_none("2025-11-02T00:00-04:00", "2025-11-03T00:00-05:00",
                "Mars/Olympus");
}

static void test_local_repeated_is_the_second_pass_only(void **state)
{
    (void)state;
    const char *ny = "America/New_York";
    /* 01:00-01:59 comes twice on 2025-11-02: EDT, then EST. */
    assert_false(dp_time_local_repeated(ny, s_at("2025-11-02T00:59-04:00")));
    assert_false(dp_time_local_repeated(ny, s_at("2025-11-02T01:00-04:00")));
    assert_false(dp_time_local_repeated(ny, s_at("2025-11-02T01:59-04:00")));
    assert_true(dp_time_local_repeated(ny, s_at("2025-11-02T01:00-05:00")));
    assert_true(dp_time_local_repeated(ny, s_at("2025-11-02T01:59:59-05:00")));
    assert_false(dp_time_local_repeated(ny, s_at("2025-11-02T02:00-05:00")));
    /* Spring skips an hour and repeats none. */
    assert_false(dp_time_local_repeated(ny, s_at("2025-03-09T03:00-04:00")));
    assert_false(dp_time_local_repeated("Europe/Berlin",
                                        s_at("2025-03-30T03:30+02:00")));
    assert_true(dp_time_local_repeated("Europe/Berlin",
                                       s_at("2025-10-26T02:30+01:00")));
    assert_false(dp_time_local_repeated("+08:00", s_at("2025-11-02T06:00Z")));
    assert_false(
        dp_time_local_repeated("Mars/Olympus", s_at("2025-11-02T06:00Z")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_github_and_user_forms),
        cmocka_unit_test(test_parse_accepts_leap_day_only_in_leap_years),
        cmocka_unit_test(test_parse_rejects_missing_offset),
        cmocka_unit_test(test_parse_rejects_trailing_junk),
        cmocka_unit_test(test_parse_rejects_out_of_range_fields),
        cmocka_unit_test(test_parse_rejects_garbage_and_odd_spellings),
        cmocka_unit_test(test_tz_offset_accepts_fixed_spellings),
        cmocka_unit_test(test_tz_offset_reads_iana_zones),
        cmocka_unit_test(test_tz_offset_follows_new_york_dst_change),
        cmocka_unit_test(test_tz_offset_rejects_unknown_and_unsafe_names),
        cmocka_unit_test(test_tz_offset_restores_tz_variable),
        cmocka_unit_test(test_offset_label_writes_report_labels),
        cmocka_unit_test(test_report_truncates_minutes_and_labels_offset),
        cmocka_unit_test(test_iso_utc_and_format_write_expected_text),
        cmocka_unit_test(test_now_is_recent),
        cmocka_unit_test(test_window_kind_parse_accepts_three_names),
        cmocka_unit_test(test_window_hourly_in_utc_plus_8),
        cmocka_unit_test(
            test_window_daily_in_utc_plus_8_starts_at_local_midnight),
        cmocka_unit_test(test_window_daily_in_utc_minus_5),
        cmocka_unit_test(test_window_hourly_with_quarter_hour_offset),
        cmocka_unit_test(test_window_weekly_starts_monday_local),
        cmocka_unit_test(test_window_is_half_open),
        cmocka_unit_test(test_window_before_epoch_floors_correctly),
        cmocka_unit_test(test_window_in_zone_shanghai_matches_utc_plus_8),
        cmocka_unit_test(test_window_in_zone_new_york_spring_day_has_23_hours),
        cmocka_unit_test(test_window_in_zone_new_york_autumn_day_has_25_hours),
        cmocka_unit_test(test_window_in_zone_new_york_week_across_dst),
        cmocka_unit_test(
            test_window_in_zone_new_york_hours_tile_across_changes),
        cmocka_unit_test(test_window_in_zone_days_tile_through_a_year),
        cmocka_unit_test(test_window_in_zone_handles_dst_at_midnight),
        cmocka_unit_test(test_window_in_zone_rejects_unknown_zone),
        cmocka_unit_test(test_parse_bound_accepts_windows_since_github_began),
        cmocka_unit_test(test_parse_bound_refuses_1970_and_far_future),
        cmocka_unit_test(test_window_kind_of_names_days_across_dst),
        cmocka_unit_test(test_local_repeated_is_the_second_pass_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
