/* test_dp_utf8.c - unit tests for checking and repairing UTF-8 */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"
#include "dp_utf8.h"

#define FFFD DP_UTF8_REPLACEMENT
#define RANDOM_ROUNDS 20000
#define RANDOM_MAX_LEN 12

static void s_repair_is(const char *in, size_t len, const char *want)
{
    char *got = dp_utf8_repair(in, len);
    assert_string_equal(got, want);
    assert_true(dp_utf8_valid(got, strlen(got)));
    dp_free(got);
}

static void test_char_reads_each_length_and_refuses_ill_formed(void **state)
{
    (void)state;
    size_t bad = 99;
    assert_int_equal(dp_utf8_char("a", 1, &bad), 1);
    assert_int_equal(dp_utf8_char("\0", 1, &bad), 1); /* U+0000 */
    assert_int_equal(dp_utf8_char("\xc2\x80", 2, &bad), 2);
    assert_int_equal(dp_utf8_char("\xe0\xa0\x80", 3, &bad), 3);
    assert_int_equal(dp_utf8_char("\xf4\x8f\xbf\xbf", 4, &bad), 4);
    assert_int_equal(bad, 99); /* untouched on success */
    /* Each ill-formed start, with the bytes one U+FFFD replaces. */
    static const struct {
        const char *s;
        size_t bad;
    } ill[] = {
        {"\x80", 1},         {"\xbf", 1},         {"\xc0\xaf", 1},
        {"\xc1\xbf", 1},     {"\xe0\x80\xaf", 1}, {"\xe0\xa0", 2},
        {"\xed\xa0\x80", 1}, {"\xf0\x8f\xbf", 1}, {"\xf4\x90\x80", 1},
        {"\xf5\x80", 1},     {"\xff", 1},         {"\xf0\x90\x80", 3},
        {"\xe2\x82x", 2},
    };
    for (size_t i = 0; i < sizeof ill / sizeof ill[0]; i++) {
        bad = 0;
        assert_int_equal(dp_utf8_char(ill[i].s, strlen(ill[i].s), &bad), 0);
        assert_int_equal(bad, ill[i].bad);
    }
    /* A sequence cut by len, not by a NUL: "\xc3\xa9" read as 1 byte. */
    assert_int_equal(dp_utf8_char("\xc3\xa9", 1, &bad), 0);
    assert_int_equal(bad, 1);
}

static void test_invalid_at_gives_the_first_bad_byte(void **state)
{
    (void)state;
    assert_int_equal(dp_utf8_invalid_at(NULL, 0), 0);
    assert_int_equal(dp_utf8_invalid_at("名字", 6), 6);
    assert_int_equal(dp_utf8_invalid_at("名字\xff", 7), 6);
    assert_int_equal(dp_utf8_invalid_at("ab\xe5\x90", 4), 2);
    assert_true(dp_utf8_valid("", 0));
    assert_true(dp_utf8_valid("🚀 ok", strlen("🚀 ok")));
    assert_false(dp_utf8_valid("\xed\xbf\xbf", 3));
}

static void test_repair_replaces_each_maximal_subpart(void **state)
{
    (void)state;
    s_repair_is("", 0, "");
    s_repair_is("plain «text» 🚀", strlen("plain «text» 🚀"), "plain «text» 🚀");
    /* The example of Unicode's chapter 3 (U+FFFD substitution). */
    static const char example[] = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63"
                                  "\x80\xBF\x64";
    s_repair_is(example, sizeof example - 1,
                "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d");
    s_repair_is("\xed\xa0\x80", 3, FFFD FFFD FFFD);
    s_repair_is("end \xf0\x9f\x9a", 7, "end " FFFD);
    /* Bytes past len are not read. */
    s_repair_is("ab\xff", 2, "ab");
}

/* Random short byte strings, mostly from the bytes that matter: the
 * verdict agrees with jansson's own UTF-8 check. */
static void test_validity_agrees_with_jansson(void **state)
{
    (void)state;
    static const unsigned char pool[] = {
        'a',  0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
        0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff};
    srand(42);
    size_t valid = 0;
    for (int round = 0; round < RANDOM_ROUNDS; round++) {
        char s[RANDOM_MAX_LEN];
        size_t len = (size_t)rand() % RANDOM_MAX_LEN;
        for (size_t i = 0; i < len; i++)
            s[i] = (char)pool[(size_t)rand() % sizeof pool];
        json_t *j = json_stringn(s, len);
        bool ours = dp_utf8_valid(s, len);
        if (ours != (j != NULL))
            fail_msg("round %d: we say %d, jansson says %d", round, ours,
                     j != NULL);
        valid += ours;
        json_decref(j);
        char *fixed = dp_utf8_repair(s, len);
        assert_true(dp_utf8_valid(fixed, strlen(fixed)));
        if (ours)
            assert_memory_equal(fixed, s, len);
        dp_free(fixed);
    }
    assert_true(valid > 100); /* both verdicts were exercised */
}

static void test_invalid_at_finds_a_bad_byte_anywhere_in_ascii(void **state)
{
    (void)state;
    /* ASCII is read a word at a time: a bad byte, or a good character
     * past ASCII, at every offset and alignment must still be seen. */
    char text[80];
    for (size_t len = 1; len < sizeof text; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(text, 'a', sizeof text);
            text[at] = (char)0xFF;
            assert_int_equal(dp_utf8_invalid_at(text, len), at);
            if (at > 0) /* the same, from an odd address */
                assert_int_equal(dp_utf8_invalid_at(text + 1, len - 1), at - 1);
            if (at + 2 <= len) {
                text[at] = (char)0xC3; /* U+00E9, well-formed */
                text[at + 1] = (char)0xA9;
                assert_int_equal(dp_utf8_invalid_at(text, len), len);
                text[at + 1] = 'a'; /* cut short */
                assert_int_equal(dp_utf8_invalid_at(text, len), at);
            }
        }
        memset(text, 'a', sizeof text);
        assert_true(dp_utf8_valid(text, len));
    }
}

/* The plain run ends at the first NUL or byte past ASCII, whatever its
 * offset and alignment, and a byte 0x01 or 0x7F (the edges of the word
 * test) does not end it. */
static void test_plain_run_stops_at_nul_or_past_ascii(void **state)
{
    (void)state;
    static const unsigned char stops[] = {0x00, 0x80, 0xC3, 0xFF};
    static const unsigned char goes[] = {0x01, 0x7F, 'a'};
    char text[80];
    for (size_t len = 0; len < sizeof text; len++) {
        for (size_t g = 0; g < sizeof goes; g++) {
            memset(text, (char)goes[g], sizeof text);
            assert_int_equal(dp_utf8_plain_run(text, len), len);
            if (len > 0)
                assert_int_equal(dp_utf8_plain_run(text + 1, len - 1), len - 1);
        }
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof stops; k++) {
                memset(text, 'a', sizeof text);
                text[at] = (char)stops[k];
                if (at + 1 < len)
                    text[at + 1] = 0x01; /* a borrow must not hide it */
                assert_int_equal(dp_utf8_plain_run(text, len), at);
                if (at > 0)
                    assert_int_equal(dp_utf8_plain_run(text + 1, len - 1),
                                     at - 1);
            }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_char_reads_each_length_and_refuses_ill_formed),
        cmocka_unit_test(test_invalid_at_gives_the_first_bad_byte),
        cmocka_unit_test(test_invalid_at_finds_a_bad_byte_anywhere_in_ascii),
        cmocka_unit_test(test_repair_replaces_each_maximal_subpart),
        cmocka_unit_test(test_validity_agrees_with_jansson),
        cmocka_unit_test(test_plain_run_stops_at_nul_or_past_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
