/* test_gh_normalize.c - GitHub objects to events: a field out of range
 * spoils its item alone */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gh_normalize.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_in_range_are_kept),
        cmocka_unit_test(test_a_count_out_of_range_spoils_its_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
