/* test_schedule.c - unit tests for the collector's window schedule */
/* SPDX-License-Identifier: MIT */
/*
 * schedule_due and schedule_previous in UTC, fixed offsets and IANA zones
 * (with their daylight saving changes): the first run, catch-up after
 * downtime, the grace period and an up-to-date schedule. The lease and
 * ledger functions need Redis; tests/integration/test_collector_schedule.c
 * covers them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dp_time.h"
#include "schedule.h"

#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)
#define GRACE_S 120L /* the collector's default grace period */
#define MAX_DUE 64

/* The instant of an ISO text that must parse. */
static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    if (dp_time_parse(iso, &t, NULL) != 0)
        fail_msg("could not parse %s", iso);
    return t;
}

/* Asserts that w is [from_iso, to_iso). */
static void s_assert_window(const schedule_window_t *w, const char *from_iso,
                            const char *to_iso)
{
    char a[32], b[32];
    dp_time_iso_utc(w->from, a, sizeof a);
    dp_time_iso_utc(w->to, b, sizeof b);
    assert_string_equal(a, from_iso);
    assert_string_equal(b, to_iso);
}

/* The windows due, which must number want. */
static void s_due(int64_t done, int64_t now, long grace_s,
                  dp_window_kind_t kind, const char *zone, size_t max,
                  schedule_window_t *out, int want)
{
    int n = schedule_due(done, now, grace_s, kind, zone, max, out);
    if (n != want)
        fail_msg("%s %s: %d windows due, expected %d",
                 dp_window_kind_name(kind), zone, n, want);
}

/* Asserts that n windows follow one another without gap or overlap. */
static void s_assert_contiguous(const schedule_window_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        assert_true(w[i].from < w[i].to);
        if (i > 0)
            assert_int_equal(w[i].from, w[i - 1].to);
    }
}

/* ==== First run, catch-up, grace, up to date (UTC) ==== */

static void test_first_run_is_only_the_latest_closed_hour(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    s_due(0, s_at("2025-11-04T10:30:00Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");
    /* Negative means never too. */
    s_due(-1, s_at("2025-11-04T10:30:00Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");
}

static void test_first_run_daily_and_weekly_in_utc(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* 2025-12-10 is a Wednesday; weeks start on Monday. */
    int64_t now = s_at("2025-12-10T10:00:00Z");
    s_due(0, now, GRACE_S, DP_WINDOW_DAILY, "UTC", MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-12-09T00:00:00Z", "2025-12-10T00:00:00Z");
    s_due(0, now, GRACE_S, DP_WINDOW_WEEKLY, "UTC", MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-12-01T00:00:00Z", "2025-12-08T00:00:00Z");
}

static void test_catch_up_is_oldest_first_bounded_and_continues(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    int64_t now = s_at("2025-11-04T10:30:00Z");
    /* Down from 05:00 to 10:30: five hours closed, at most three a call. */
    s_due(s_at("2025-11-04T05:00:00Z"), now, GRACE_S, DP_WINDOW_HOURLY, "UTC",
          3, due, 3);
    s_assert_window(&due[0], "2025-11-04T05:00:00Z", "2025-11-04T06:00:00Z");
    s_assert_window(&due[1], "2025-11-04T06:00:00Z", "2025-11-04T07:00:00Z");
    s_assert_window(&due[2], "2025-11-04T07:00:00Z", "2025-11-04T08:00:00Z");
    /* The next call, with those done, brings the rest, then nothing. */
    s_due(due[2].to, now, GRACE_S, DP_WINDOW_HOURLY, "UTC", 3, due, 2);
    s_assert_window(&due[0], "2025-11-04T08:00:00Z", "2025-11-04T09:00:00Z");
    s_assert_window(&due[1], "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");
    s_due(due[1].to, now, GRACE_S, DP_WINDOW_HOURLY, "UTC", 3, due, 0);
    /* Without a tight bound all five come at once, in order. */
    s_due(s_at("2025-11-04T05:00:00Z"), now, GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 5);
    s_assert_contiguous(due, 5);
    s_assert_window(&due[4], "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");
}

static void test_catch_up_over_days_in_utc(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    s_due(s_at("2025-11-30T00:00:00Z"), s_at("2025-12-03T08:00:00Z"), GRACE_S,
          DP_WINDOW_DAILY, "UTC", MAX_DUE, due, 3);
    s_assert_window(&due[0], "2025-11-30T00:00:00Z", "2025-12-01T00:00:00Z");
    s_assert_window(&due[2], "2025-12-02T00:00:00Z", "2025-12-03T00:00:00Z");
    s_assert_contiguous(due, 3);
}

static void test_grace_period_holds_back_a_window_just_closed(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    int64_t done = s_at("2025-11-04T09:00:00Z");
    /* 09:00-10:00 closed one minute ago: inside the two-minute grace. */
    s_due(done, s_at("2025-11-04T10:01:00Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 0);
    s_due(done, s_at("2025-11-04T10:01:59Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 0);
    /* Due once the grace has passed. */
    s_due(done, s_at("2025-11-04T10:02:00Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");
    /* Without a grace period, due the instant it closes. */
    s_due(done, s_at("2025-11-04T10:00:00Z"), 0, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 1);
    s_due(done, s_at("2025-11-04T09:59:59Z"), 0, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 0);
    /* A first run inside the grace takes the hour before. */
    s_due(0, s_at("2025-11-04T10:01:00Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-11-04T08:00:00Z", "2025-11-04T09:00:00Z");
}

static void test_nothing_is_due_when_up_to_date_or_ahead(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    int64_t now = s_at("2025-11-04T10:30:00Z");
    s_due(s_at("2025-11-04T10:00:00Z"), now, GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 0);
    /* A ledger ahead of this clock (another replica's clock) is not
     * a reason to collect anything. */
    s_due(s_at("2025-11-04T12:00:00Z"), now, GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 0);
    s_due(s_at("2025-12-10T00:00:00Z"), s_at("2025-12-10T10:00:00Z"), GRACE_S,
          DP_WINDOW_DAILY, "UTC", MAX_DUE, due, 0);
    /* Room for none: none, even when windows are due. */
    s_due(s_at("2025-11-04T05:00:00Z"), now, GRACE_S, DP_WINDOW_HOURLY, "UTC",
          0, due, 0);
}

static void test_done_inside_a_window_resumes_with_that_window(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* The zone changed from UTC to +05:30: the half-done hour is collected
     * whole, so nothing falls into a gap. */
    s_due(s_at("2025-11-04T08:00:00Z"), s_at("2025-11-04T10:45:00Z"), GRACE_S,
          DP_WINDOW_HOURLY, "+05:30", MAX_DUE, due, 3);
    s_assert_contiguous(due, 3);
    s_assert_window(&due[0], "2025-11-04T07:30:00Z", "2025-11-04T08:30:00Z");
    s_assert_window(&due[2], "2025-11-04T09:30:00Z", "2025-11-04T10:30:00Z");
}

/* ==== Fixed offsets and zones without daylight saving ==== */

static void test_hourly_in_a_half_hour_zone_is_aligned_locally(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* 10:45Z is 16:15 at +05:30: the hour 15:00-16:00 local closed. */
    s_due(0, s_at("2025-11-04T10:45:00Z"), GRACE_S, DP_WINDOW_HOURLY, "+05:30",
          MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-11-04T09:30:00Z", "2025-11-04T10:30:00Z");
}

static void test_daily_at_plus_8_runs_local_midnight_to_midnight(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    int64_t now = s_at("2025-12-10T18:29+08:00");
    s_due(0, now, GRACE_S, DP_WINDOW_DAILY, "+08:00", MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-12-08T16:00:00Z", "2025-12-09T16:00:00Z");
    s_due(s_at("2025-12-06T16:00:00Z"), now, GRACE_S, DP_WINDOW_DAILY, "+08:00",
          MAX_DUE, due, 3);
    s_assert_window(&due[0], "2025-12-06T16:00:00Z", "2025-12-07T16:00:00Z");
    s_assert_window(&due[2], "2025-12-08T16:00:00Z", "2025-12-09T16:00:00Z");
    s_assert_contiguous(due, 3);
    /* At 00:01 local the day before is inside the grace, at 00:02 due. */
    s_due(s_at("2025-12-09T16:00:00Z"), s_at("2025-12-11T00:01+08:00"), GRACE_S,
          DP_WINDOW_DAILY, "+08:00", MAX_DUE, due, 0);
    s_due(s_at("2025-12-09T16:00:00Z"), s_at("2025-12-11T00:02+08:00"), GRACE_S,
          DP_WINDOW_DAILY, "+08:00", MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-12-09T16:00:00Z", "2025-12-10T16:00:00Z");
}

static void test_asia_shanghai_matches_plus_8(void **state)
{
    (void)state;
    schedule_window_t a[MAX_DUE], b[MAX_DUE];
    int64_t now = s_at("2025-12-10T18:29+08:00");
    int64_t done = s_at("2025-12-03T16:00:00Z");
    const dp_window_kind_t kinds[] = {DP_WINDOW_HOURLY, DP_WINDOW_DAILY,
                                      DP_WINDOW_WEEKLY};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int na = schedule_due(done, now, GRACE_S, kinds[k], "Asia/Shanghai",
                              MAX_DUE, a);
        int nb =
            schedule_due(done, now, GRACE_S, kinds[k], "+08:00", MAX_DUE, b);
        assert_true(na > 0);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, (size_t)na * sizeof a[0]);
        s_assert_contiguous(a, na);
    }
    /* The week before Monday 2025-12-08 local. */
    s_due(0, now, GRACE_S, DP_WINDOW_WEEKLY, "Asia/Shanghai", MAX_DUE, a, 1);
    s_assert_window(&a[0], "2025-11-30T16:00:00Z", "2025-12-07T16:00:00Z");
}

/* ==== America/New_York across daylight saving changes ==== */

static void
test_new_york_hours_across_autumn_change_are_real_hours(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* 2025-11-02 06:00Z: 02:00 EDT becomes 01:00 EST, so the local hour
     * 01:00 happens twice; both are collected, each once. */
    s_due(s_at("2025-11-02T03:00:00Z"), s_at("2025-11-02T09:30:00Z"), 0,
          DP_WINDOW_HOURLY, "America/New_York", MAX_DUE, due, 6);
    s_assert_contiguous(due, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(due[i].to - due[i].from, HOUR);
    s_assert_window(&due[0], "2025-11-02T03:00:00Z", "2025-11-02T04:00:00Z");
    s_assert_window(&due[5], "2025-11-02T08:00:00Z", "2025-11-02T09:00:00Z");
}

static void
test_new_york_hours_across_spring_change_are_real_hours(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* 2025-03-09 07:00Z: 02:00 EST becomes 03:00 EDT (no local 02:xx). */
    s_due(s_at("2025-03-09T05:00:00Z"), s_at("2025-03-09T09:10:00Z"), GRACE_S,
          DP_WINDOW_HOURLY, "America/New_York", MAX_DUE, due, 4);
    s_assert_contiguous(due, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(due[i].to - due[i].from, HOUR);
    s_assert_window(&due[2], "2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z");
}

static void test_new_york_spring_day_lasts_23_hours(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* Midnight EST 2025-03-08 to 08:00 EDT 2025-03-11. */
    s_due(s_at("2025-03-08T05:00:00Z"), s_at("2025-03-11T12:00:00Z"), GRACE_S,
          DP_WINDOW_DAILY, "America/New_York", MAX_DUE, due, 3);
    s_assert_contiguous(due, 3);
    s_assert_window(&due[0], "2025-03-08T05:00:00Z", "2025-03-09T05:00:00Z");
    s_assert_window(&due[1], "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z");
    s_assert_window(&due[2], "2025-03-10T04:00:00Z", "2025-03-11T04:00:00Z");
    assert_int_equal(due[1].to - due[1].from, 23 * HOUR);
    /* A first run on the 10th takes the short day. */
    s_due(0, s_at("2025-03-10T12:00:00Z"), GRACE_S, DP_WINDOW_DAILY,
          "America/New_York", MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z");
}

static void test_new_york_autumn_day_lasts_25_hours(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    s_due(s_at("2025-11-01T04:00:00Z"), s_at("2025-11-03T15:00:00Z"), GRACE_S,
          DP_WINDOW_DAILY, "America/New_York", MAX_DUE, due, 2);
    s_assert_contiguous(due, 2);
    s_assert_window(&due[0], "2025-11-01T04:00:00Z", "2025-11-02T04:00:00Z");
    s_assert_window(&due[1], "2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z");
    assert_int_equal(due[1].to - due[1].from, 25 * HOUR);
}

static void test_new_york_week_with_the_spring_change(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE];
    /* Monday 2025-03-03 00:00 EST to Monday 2025-03-10 00:00 EDT. */
    s_due(0, s_at("2025-03-12T12:00:00Z"), GRACE_S, DP_WINDOW_WEEKLY,
          "America/New_York", MAX_DUE, due, 1);
    s_assert_window(&due[0], "2025-03-03T05:00:00Z", "2025-03-10T04:00:00Z");
    assert_int_equal(due[0].to - due[0].from, 7 * DAY - HOUR);
    /* Caught up across it: the weeks before and after are whole. */
    s_due(s_at("2025-02-24T05:00:00Z"), s_at("2025-03-19T12:00:00Z"), GRACE_S,
          DP_WINDOW_WEEKLY, "America/New_York", MAX_DUE, due, 3);
    s_assert_contiguous(due, 3);
    assert_int_equal(due[0].to - due[0].from, 7 * DAY);
    assert_int_equal(due[2].to - due[2].from, 7 * DAY);
    s_assert_window(&due[2], "2025-03-10T04:00:00Z", "2025-03-17T04:00:00Z");
}

/* ==== schedule_previous ==== */

static void test_previous_is_the_adjacent_window_of_the_same_kind(void **state)
{
    (void)state;
    schedule_window_t w, prev;
    w.from = s_at("2025-11-04T10:00:00Z");
    w.to = s_at("2025-11-04T11:00:00Z");
    assert_int_equal(schedule_previous(&w, DP_WINDOW_HOURLY, "UTC", &prev), 0);
    s_assert_window(&prev, "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");

    /* The day after the short spring day in New York. */
    w.from = s_at("2025-03-10T04:00:00Z");
    w.to = s_at("2025-03-11T04:00:00Z");
    assert_int_equal(
        schedule_previous(&w, DP_WINDOW_DAILY, "America/New_York", &prev), 0);
    s_assert_window(&prev, "2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z");

    /* The week before in Shanghai, and at +08:00 alike. */
    w.from = s_at("2025-12-07T16:00:00Z");
    w.to = s_at("2025-12-14T16:00:00Z");
    assert_int_equal(
        schedule_previous(&w, DP_WINDOW_WEEKLY, "Asia/Shanghai", &prev), 0);
    s_assert_window(&prev, "2025-11-30T16:00:00Z", "2025-12-07T16:00:00Z");
    assert_int_equal(schedule_previous(&w, DP_WINDOW_WEEKLY, "+08:00", &prev),
                     0);
    s_assert_window(&prev, "2025-11-30T16:00:00Z", "2025-12-07T16:00:00Z");

    /* The hour before the repeated local 01:00 in New York. */
    w.from = s_at("2025-11-02T06:00:00Z");
    w.to = s_at("2025-11-02T07:00:00Z");
    assert_int_equal(
        schedule_previous(&w, DP_WINDOW_HOURLY, "America/New_York", &prev), 0);
    s_assert_window(&prev, "2025-11-02T05:00:00Z", "2025-11-02T06:00:00Z");
}

static void test_previous_of_the_first_due_is_the_last_done(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE], prev;
    int64_t done = s_at("2025-11-01T04:00:00Z");
    s_due(done, s_at("2025-11-03T15:00:00Z"), GRACE_S, DP_WINDOW_DAILY,
          "America/New_York", MAX_DUE, due, 2);
    assert_int_equal(
        schedule_previous(&due[0], DP_WINDOW_DAILY, "America/New_York", &prev),
        0);
    assert_int_equal(prev.to, done);
    s_assert_window(&prev, "2025-10-31T04:00:00Z", "2025-11-01T04:00:00Z");
}

static void test_unknown_zone_is_einval(void **state)
{
    (void)state;
    schedule_window_t due[MAX_DUE], prev;
    int64_t now = s_at("2025-11-04T10:30:00Z");
    assert_int_equal(schedule_due(0, now, GRACE_S, DP_WINDOW_HOURLY,
                                  "Mars/Olympus_Mons", MAX_DUE, due),
                     DP_EINVAL);
    assert_int_equal(
        schedule_due(0, now, GRACE_S, DP_WINDOW_DAILY, "UTC+99", MAX_DUE, due),
        DP_EINVAL);
    schedule_window_t w = {now - HOUR, now};
    assert_int_equal(
        schedule_previous(&w, DP_WINDOW_DAILY, "../etc/passwd", &prev),
        DP_EINVAL);
}

/* ==== schedule_from and dp_window_list (devpulse up --since, backfill) ==== */

static void test_since_starts_at_the_first_window_at_or_after_it(void **state)
{
    (void)state;
    int64_t start = -1;
    /* A mark wins; no mark and no since: 0 (the latest closed window). */
    assert_int_equal(schedule_from(s_at("2025-11-04T05:00:00Z"),
                                   s_at("2025-11-01T00:00:00Z"),
                                   DP_WINDOW_HOURLY, "UTC", &start),
                     0);
    assert_int_equal(start, s_at("2025-11-04T05:00:00Z"));
    assert_int_equal(schedule_from(0, 0, DP_WINDOW_HOURLY, "UTC", &start), 0);
    assert_int_equal(start, 0);
    /* Mid-hour: the next hour; on the hour: that hour. */
    assert_int_equal(schedule_from(0, s_at("2025-11-04T05:30:00Z"),
                                   DP_WINDOW_HOURLY, "UTC", &start),
                     0);
    assert_int_equal(start, s_at("2025-11-04T06:00:00Z"));
    assert_int_equal(schedule_from(0, s_at("2025-11-04T05:00:00Z"),
                                   DP_WINDOW_HOURLY, "UTC", &start),
                     0);
    assert_int_equal(start, s_at("2025-11-04T05:00:00Z"));
    /* Days and weeks begin at local midnight, weeks on Monday. */
    assert_int_equal(schedule_from(0, s_at("2025-11-04T05:30:00+08:00"),
                                   DP_WINDOW_DAILY, "Asia/Shanghai", &start),
                     0);
    assert_int_equal(start, s_at("2025-11-05T00:00:00+08:00"));
    assert_int_equal(schedule_from(0, s_at("2025-11-04T05:30:00+08:00"),
                                   DP_WINDOW_WEEKLY, "Asia/Shanghai", &start),
                     0);
    assert_int_equal(start, s_at("2025-11-10T00:00:00+08:00"));
    assert_int_equal(
        schedule_from(0, 1, DP_WINDOW_DAILY, "Mars/Olympus", &start),
        DP_EINVAL);

    /* Catching up from there, oldest first, as schedule_due lists it. */
    schedule_window_t due[MAX_DUE];
    assert_int_equal(schedule_from(0, s_at("2025-11-04T05:30:00Z"),
                                   DP_WINDOW_HOURLY, "UTC", &start),
                     0);
    s_due(start, s_at("2025-11-04T10:30:00Z"), GRACE_S, DP_WINDOW_HOURLY, "UTC",
          MAX_DUE, due, 4);
    s_assert_window(&due[0], "2025-11-04T06:00:00Z", "2025-11-04T07:00:00Z");
    s_assert_window(&due[3], "2025-11-04T09:00:00Z", "2025-11-04T10:00:00Z");
    s_assert_contiguous(due, 4);
}

static void test_window_list_holds_the_windows_inside_a_range(void **state)
{
    (void)state;
    dp_span_t w[MAX_DUE];
    /* One day in UTC+8 from a minute past midnight: hours 1..23 only. */
    int64_t day = s_at("2025-12-15T00:00:00+08:00");
    assert_int_equal(dp_window_list(day + 60, day + DAY, DP_WINDOW_HOURLY,
                                    "Asia/Shanghai", MAX_DUE, w),
                     23);
    s_assert_window(&w[0], "2025-12-14T17:00:00Z", "2025-12-14T18:00:00Z");
    s_assert_contiguous(w, 23);
    assert_int_equal(w[22].to, day + DAY);
    assert_int_equal(dp_window_list(day, day + DAY, DP_WINDOW_DAILY,
                                    "Asia/Shanghai", MAX_DUE, w),
                     1);
    /* A range shorter than a window holds none; max bounds the list. */
    assert_int_equal(dp_window_list(day, day + DAY - 1, DP_WINDOW_DAILY,
                                    "Asia/Shanghai", MAX_DUE, w),
                     0);
    assert_int_equal(
        dp_window_list(day, day + DAY, DP_WINDOW_HOURLY, "Asia/Shanghai", 5, w),
        5);
    /* The day of a daylight saving change lasts 23 hours. */
    int64_t spring = s_at("2025-03-09T00:00:00-05:00");
    assert_int_equal(dp_window_list(spring, spring + 22 * HOUR, DP_WINDOW_DAILY,
                                    "America/New_York", MAX_DUE, w),
                     0);
    assert_int_equal(dp_window_list(spring, spring + DAY, DP_WINDOW_HOURLY,
                                    "America/New_York", MAX_DUE, w),
                     24);
    assert_int_equal(dp_window_list(spring, spring + 23 * HOUR, DP_WINDOW_DAILY,
                                    "America/New_York", MAX_DUE, w),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_since_starts_at_the_first_window_at_or_after_it),
        cmocka_unit_test(test_window_list_holds_the_windows_inside_a_range),
        cmocka_unit_test(test_first_run_is_only_the_latest_closed_hour),
        cmocka_unit_test(test_first_run_daily_and_weekly_in_utc),
        cmocka_unit_test(test_catch_up_is_oldest_first_bounded_and_continues),
        cmocka_unit_test(test_catch_up_over_days_in_utc),
        cmocka_unit_test(test_grace_period_holds_back_a_window_just_closed),
        cmocka_unit_test(test_nothing_is_due_when_up_to_date_or_ahead),
        cmocka_unit_test(test_done_inside_a_window_resumes_with_that_window),
        cmocka_unit_test(test_hourly_in_a_half_hour_zone_is_aligned_locally),
        cmocka_unit_test(test_daily_at_plus_8_runs_local_midnight_to_midnight),
        cmocka_unit_test(test_asia_shanghai_matches_plus_8),
        cmocka_unit_test(
            test_new_york_hours_across_autumn_change_are_real_hours),
        cmocka_unit_test(
            test_new_york_hours_across_spring_change_are_real_hours),
        cmocka_unit_test(test_new_york_spring_day_lasts_23_hours),
        cmocka_unit_test(test_new_york_autumn_day_lasts_25_hours),
        cmocka_unit_test(test_new_york_week_with_the_spring_change),
        cmocka_unit_test(test_previous_is_the_adjacent_window_of_the_same_kind),
        cmocka_unit_test(test_previous_of_the_first_due_is_the_last_done),
        cmocka_unit_test(test_unknown_zone_is_einval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
