/* test_gh_normalize.c - GitHub objects to events: a bad field spoils its
 * item alone; a release published in the window is an event */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dp_proto.h"
#include "gh_normalize.h"
#include "gh_releases.h"

#define S_ITEM                                                                 \
    "{\"number\":7,\"title\":\"t\",\"user\":{\"login\":\"u\"},"                \
    "\"created_at\":\"2025-11-04T10:00:00Z\","                                 \
    "\"updated_at\":\"2025-11-04T10:30:00Z\",\"state\":\"open\""

/* Normalizes an item whose text ends with the given members. */
static int s_events(const char *tail, gh_events_t *out)
{
    char text[512];
    snprintf(text, sizeof text, "%s%s}", S_ITEM, tail);
    json_t *item = json_loads(text, 0, NULL);
    assert_non_null(item);
    bool detail = false;
    char err[256] = "";
    int n = gh_item_events(item, "o/r", 1762250400, 1762254000, 100, out,
                           &detail, err, sizeof err);
    if (n < 0)
        assert_non_null(strstr(err, "#7"));
    json_decref(item);
    return n;
}

static void test_counts_in_range_are_kept(void **state)
{
    (void)state;
    gh_events_t out = {0};
    assert_int_equal(
        s_events(",\"comments\":3,\"reactions\":{\"total_count\":null}", &out),
        1);
    assert_int_equal(out.items[0].comments, 3);
    assert_int_equal(out.items[0].reactions, 0);
    gh_events_clear(&out);
}

static void test_a_count_out_of_range_spoils_its_item(void **state)
{
    (void)state;
    gh_events_t out = {0};
    assert_int_equal(s_events(",\"comments\":-1", &out), DP_EJSON);
    assert_int_equal(s_events(",\"additions\":9223372036854775807", &out),
                     DP_EJSON);
    assert_int_equal(
        s_events(",\"reactions\":{\"total_count\":\"many\"}", &out), DP_EJSON);
    assert_int_equal(out.count, 0);
    assert_int_equal(s_events(",\"deletions\":2147483647", &out), 1);
    gh_events_clear(&out);
}

/* gh_release_event on a release whose text ends with the given members,
 * in the hour from 2025-11-04T10:00:00Z. */
static int s_release(const char *tail, dp_event_t *ev)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"id\":42,\"tag_name\":\"v1.0\",\"html_url\":\"https://"
             "github.com/o/r/releases/tag/v1.0\",\"author\":{\"login\":"
             "\"alice\",\"type\":\"User\"},\"created_at\":"
             "\"2025-11-04T09:00:00Z\"%s}",
             tail);
    json_t *rel = json_loads(text, 0, NULL);
    assert_non_null(rel);
    char err[160] = "";
    int n = gh_release_event(rel, "o/r", 1762250400, 1762254000, 100, ev, err,
                             sizeof err);
    if (n < 0)
        assert_non_null(strstr(err, "release"));
    json_decref(rel);
    return n;
}

static void s_event_clear(dp_event_t *ev)
{
    dp_msg_t m = {.type = DP_MSG_EVENT};
    m.u.event = *ev;
    dp_msg_clear(&m);
}

static void test_a_release_of_the_window_is_an_event(void **state)
{
    (void)state;
    dp_event_t ev;
    assert_int_equal(s_release(",\"name\":\"One\",\"prerelease\":true,"
                               "\"published_at\":\"2025-11-04T10:00:00Z\"",
                               &ev),
                     1);
    assert_string_equal(ev.id, "release:42");
    assert_string_equal(ev.kind, "release");
    assert_int_equal(ev.at, 1762250400);
    assert_int_equal(ev.created_at, 1762250400 - 3600);
    assert_string_equal(ev.title, "One");
    assert_int_equal(ev.labels.count, 1);
    assert_string_equal(ev.labels.items[0], "v1.0");
    assert_string_equal(ev.state, "prerelease");
    assert_string_equal(ev.author, "alice");
    assert_int_equal(ev.number, 0);
    s_event_clear(&ev);
    /* No name: none; a release, not a prerelease. */
    assert_int_equal(
        s_release(",\"name\":null,\"published_at\":\"2025-11-04T10:59:59Z\"",
                  &ev),
        1);
    assert_null(ev.title);
    assert_string_equal(ev.state, "release");
    s_event_clear(&ev);
}

static void test_drafts_and_other_windows_are_not_events(void **state)
{
    (void)state;
    dp_event_t ev;
    assert_int_equal(s_release(",\"published_at\":null", &ev), 0);
    assert_int_equal(s_release("", &ev), 0);
    assert_int_equal(
        s_release(",\"published_at\":\"2025-11-04T11:00:00Z\"", &ev), 0);
    assert_int_equal(
        s_release(",\"published_at\":\"2025-11-04T09:59:59Z\"", &ev), 0);
}

static void test_a_malformed_release_is_refused(void **state)
{
    (void)state;
    dp_event_t ev;
    const char *bad[] = {
        ",\"published_at\":\"yesterday\"",
        ",\"published_at\":7",
        ",\"name\":5,\"published_at\":\"2025-11-04T10:00:00Z\"",
        ",\"author\":\"alice\",\"published_at\":\"2025-11-04T10:00:00Z\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(s_release(bad[i], &ev), DP_EJSON);
    json_t *no_id = json_loads("{\"tag_name\":\"v1\"}", 0, NULL);
    char err[160];
    assert_int_equal(
        gh_release_event(no_id, "o/r", 0, 1, 100, &ev, err, sizeof err),
        DP_EJSON);
    json_decref(no_id);
    json_t *not_obj = json_loads("[1]", 0, NULL);
    assert_int_equal(
        gh_release_event(not_obj, "o/r", 0, 1, 100, &ev, err, sizeof err),
        DP_EJSON);
    json_decref(not_obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_in_range_are_kept),
        cmocka_unit_test(test_a_count_out_of_range_spoils_its_item),
        cmocka_unit_test(test_a_release_of_the_window_is_an_event),
        cmocka_unit_test(test_drafts_and_other_windows_are_not_events),
        cmocka_unit_test(test_a_malformed_release_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
