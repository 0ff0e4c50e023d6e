/* test_dp_mem.c - the growable buffer's formatted appends */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printf_appends_whole_across_the_room_left),
        cmocka_unit_test(test_printf_on_an_empty_buffer_and_many_appends),
        cmocka_unit_test(test_asprintf_short_and_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
