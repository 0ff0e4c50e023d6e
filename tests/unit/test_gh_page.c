/* test_gh_page.c - page bodies: whole, or item by item when one item
 * spoils them */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gh_page.h"

/* Parses text; returns the array (or NULL) and the skipped count. */
static json_t *s_parse(const char *text, size_t *skipped, char *note)
{
    char err[256] = "";
    return gh_page_parse(text, strlen(text), skipped, note, GH_PAGE_NOTE_MAX,
                         err, sizeof err);
}

static void s_count_one(const char *start, size_t length, void *arg)
{
    (void)start;
    (void)length;
    (*(long *)arg)++;
}

static long s_split(const char *text)
{
    long seen = 0;
    long n = gh_page_split(text, strlen(text), s_count_one, &seen);
    if (n >= 0)
        assert_int_equal(n, seen);
    return n;
}

static void test_a_sound_page_is_parsed_whole(void **state)
{
    (void)state;
    size_t skipped = 9;
    char note[GH_PAGE_NOTE_MAX] = "x";
    json_t *doc = s_parse("[{\"number\":1},{\"number\":2}]", &skipped, note);
    assert_non_null(doc);
    assert_int_equal(json_array_size(doc), 2);
    assert_int_equal(skipped, 0);
    assert_string_equal(note, "");
    json_decref(doc);
}

static void test_an_item_with_invalid_utf8_is_skipped_alone(void **state)
{
    (void)state;
    size_t skipped = 0;
    char note[GH_PAGE_NOTE_MAX];
    json_t *doc = s_parse("[{\"number\":1,\"title\":\"a\"},\n"
                          " {\"number\":1234,\"title\":\"b\xff\"},\n"
                          " {\"number\":3,\"title\":\"c\"}]",
                          &skipped, note);
    assert_non_null(doc);
    assert_int_equal(skipped, 1);
    assert_int_equal(json_array_size(doc), 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(doc, 1), "number")),
        3);
    assert_string_equal(note, "#1234: invalid UTF-8");
    json_decref(doc);
}

static void test_an_integer_beyond_64_bits_names_its_item(void **state)
{
    (void)state;
    size_t skipped = 0;
    char note[GH_PAGE_NOTE_MAX];
    /* The nested "number" of the milestone is not the item's. */
    json_t *doc =
        s_parse("[{\"milestone\":{\"number\":5},\"id\":184467440737095516160},"
                "{\"id\":7}]",
                &skipped, note);
    assert_non_null(doc);
    assert_int_equal(skipped, 1);
    assert_int_equal(json_array_size(doc), 1);
    assert_string_equal(note, "item 1: an integer beyond 64 bits");
    json_decref(doc);
}

static void test_strings_and_nesting_never_split_an_item(void **state)
{
    (void)state;
    assert_int_equal(s_split("[{\"t\":\"a,]}\\\"[{\"},[1,[2,3]],\"x\"]"), 3);
    assert_int_equal(s_split("  [ ]  "), 0);
    assert_int_equal(s_split("[1]"), 1);
    assert_int_equal(s_split("[{\"a\":{\"b\":[{}]}}, null ,true]"), 3);
}

static void test_what_is_no_array_is_refused(void **state)
{
    (void)state;
    assert_int_equal(s_split("<html><body>503</body></html>"), -1);
    assert_int_equal(s_split("{\"message\":\"x\"}"), -1);
    assert_int_equal(s_split("[{\"a\":1},{\"b\""), -1); /* truncated */
    assert_int_equal(s_split("[1,,2]"), -1);
    assert_int_equal(s_split("[1,2"), -1);
    assert_int_equal(s_split("[1,2] x"), -1);
    assert_int_equal(s_split("[\"open"), -1);
    assert_int_equal(s_split("[garbage]"), -1);
    assert_int_equal(s_split("[1}"), -1);
    assert_int_equal(s_split("[\"a\\"), -1);
    assert_int_equal(s_split(""), -1);
    size_t skipped = 5;
    char note[GH_PAGE_NOTE_MAX];
    assert_null(
        s_parse("[{\"number\":1},{\"number\":2,\"t\":\"\xff", &skipped, note));
    assert_int_equal(skipped, 0);
    assert_null(s_parse("not json at all", &skipped, note));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_sound_page_is_parsed_whole),
        cmocka_unit_test(test_an_item_with_invalid_utf8_is_skipped_alone),
        cmocka_unit_test(test_an_integer_beyond_64_bits_names_its_item),
        cmocka_unit_test(test_strings_and_nesting_never_split_an_item),
        cmocka_unit_test(test_what_is_no_array_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
