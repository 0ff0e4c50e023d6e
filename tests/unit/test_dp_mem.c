/* test_dp_mem.c - the growable buffer's formatted appends */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"

/* Appends of every length around the room left: what is kept is the text
 * formatted, whole, NUL-terminated, whether it fit or the buffer grew. */
static void test_printf_appends_whole_across_the_room_left(void **state)
{
    (void)state;
    char want[4096];
    for (size_t first = 0; first < 200; first += 7) {
        for (size_t len = 0; len < 300; len += 3) {
            dp_buf_t b = DP_BUF_INIT;
            char head[256], tail[512];
            memset(head, 'h', first);
            head[first] = '\0';
            memset(tail, 't', len);
            tail[len] = '\0';
            dp_buf_puts(&b, head);
            dp_buf_printf(&b, "%s-%zu-%s", tail, len, "end");
            int n = snprintf(want, sizeof want, "%s%s-%zu-%s", head, tail, len,
                             "end");
            assert_int_equal(b.len, (size_t)n);
            assert_true(b.cap > b.len);
            assert_int_equal(b.data[b.len], '\0');
            assert_string_equal(b.data, want);
            dp_buf_free(&b);
        }
    }
}

static void test_printf_on_an_empty_buffer_and_many_appends(void **state)
{
    (void)state;
    dp_buf_t b = DP_BUF_INIT;
    dp_buf_printf(&b, "%s", "");
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    size_t total = 0;
    for (int i = 0; i < 5000; i++) {
        dp_buf_printf(&b, "%d,", i);
        total += (size_t)snprintf(NULL, 0, "%d,", i);
        assert_int_equal(b.len, total);
    }
    assert_int_equal(strlen(b.data), total);
    assert_memory_equal(b.data, "0,1,2,", 6);
    assert_string_equal(b.data + total - 5, "4999,");
    dp_buf_free(&b);
}

static void test_asprintf_short_and_long(void **state)
{
    (void)state;
    char *s = dp_asprintf("%s:%d", "a", 1);
    assert_string_equal(s, "a:1");
    dp_free(s);
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s = dp_asprintf("<%s>", big);
    assert_int_equal(strlen(s), sizeof big + 1);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[sizeof big], '>');
    dp_free(s);
}

/* dp_buf_put_int writes what "%lld" writes, at the edges and between. */
static void test_put_int_writes_what_printf_writes(void **state)
{
    (void)state;
    long long edges[] = {0, 1, -1, 9, 10, -10, 99, 100, LLONG_MAX, LLONG_MIN,
                         LLONG_MIN + 1};
    unsigned long long seed = 7;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        long long v = i < (int)(sizeof edges / sizeof edges[0])
                          ? edges[i]
                          : (long long)(seed >> (seed % 64));
        if (i % 2 && v != LLONG_MIN) /* both signs of the random ones */
            v = -v;
        dp_buf_t got = DP_BUF_INIT;
        dp_buf_puts(&got, "x");
        dp_buf_put_int(&got, v);
        char want[32];
        snprintf(want, sizeof want, "x%lld", v);
        assert_string_equal(got.data, want);
        dp_buf_free(&got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printf_appends_whole_across_the_room_left),
        cmocka_unit_test(test_put_int_writes_what_printf_writes),
        cmocka_unit_test(test_printf_on_an_empty_buffer_and_many_appends),
        cmocka_unit_test(test_asprintf_short_and_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
