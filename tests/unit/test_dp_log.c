/* test_dp_log.c - unit tests for log records and their rate limit */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp_log.h"
#include "dp_mem.h"

#define HOUR_MS 3600000L

/* What the code under test writes to stderr goes to a file instead. */
typedef struct {
    FILE *file;
    int saved;
} capture_t;

static void s_capture(capture_t *c)
{
    fflush(stderr);
    c->file = tmpfile();
    assert_non_null(c->file);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

/* Writes the pending summaries, restores stderr and returns what was
 * written (the caller frees it). */
static char *s_release(capture_t *c)
{
    dp_log_flush();
    assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
    close(c->saved);
    long len = ftell(c->file);
    assert_true(len >= 0);
    char *text = dp_calloc(1, (size_t)len + 1);
    rewind(c->file);
    size_t n = fread(text, 1, (size_t)len, c->file);
    text[n] = '\0';
    fclose(c->file);
    return text;
}

static int s_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Each test starts with an empty table and stderr captured in *state. */
static int s_setup(void **state)
{
    static capture_t c;
    dp_log_init("test");
    dp_log_set_level(DP_LOG_DEBUG);
    dp_log_set_rate_ms(HOUR_MS);
    dp_log_flush();
    s_capture(&c);
    *state = &c;
    return 0;
}

static void test_a_repeated_warning_is_written_once_then_counted(void **state)
{
    for (int i = 0; i < 10; i++)
        dp_log(DP_LOG_WARN, "redis %s: %s", "/x/redis.sock",
               "Connection refused");
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "\n"), 2);
    assert_int_equal(s_count(out, "WARN redis /x/redis.sock: Connection"), 1);
    assert_non_null(strstr(out, "WARN 9 similar messages suppressed in "));
    assert_non_null(strstr(out, "s: redis /x/redis.sock: Connection refused"));
    dp_free(out);
}

static void test_numbers_aside_the_message_is_the_same(void **state)
{
    for (int i = 0; i < 5; i++)
        dp_log(DP_LOG_ERROR, "dp-collector died; restarting in %d ms",
               250 << i);
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "\n"), 2);
    assert_int_equal(s_count(out, "restarting in 250 ms"), 2);
    assert_non_null(strstr(out, "ERROR 4 similar messages suppressed"));
    dp_free(out);
}

static void test_different_texts_of_one_call_site_are_all_written(void **state)
{
    const char *problems[] = {"GET /a: 500", "GET /b: 404", "GET /c: 401"};
    for (int i = 0; i < 3; i++)
        dp_log(DP_LOG_WARN, "%s", problems[i]);
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "\n"), 3);
    assert_null(strstr(out, "suppressed"));
    dp_free(out);
}

static void test_info_and_debug_are_never_limited(void **state)
{
    for (int i = 0; i < 4; i++) {
        dp_log(DP_LOG_INFO, "fetched page %d", 1);
        dp_log(DP_LOG_DEBUG, "GET %s", "/same");
    }
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "INFO fetched page 1"), 4);
    assert_int_equal(s_count(out, "DEBUG GET /same"), 4);
    assert_null(strstr(out, "suppressed"));
    dp_free(out);
}

static void test_after_the_period_the_count_comes_first(void **state)
{
    for (int i = 0; i < 3; i++)
        dp_log(DP_LOG_WARN, "redis unavailable");
    dp_log_set_rate_ms(1);
    struct timespec ts = {0, 20 * 1000000L}; /* longer than the period */
    nanosleep(&ts, NULL);
    dp_log(DP_LOG_WARN, "redis unavailable");
    dp_log_set_rate_ms(HOUR_MS);
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "\n"), 3);
    const char *summary = strstr(out, "2 similar messages suppressed");
    assert_non_null(summary);
    /* the second record of the message follows its summary */
    assert_non_null(strstr(summary, "WARN redis unavailable"));
    dp_free(out);
}

static void test_the_table_is_bounded_and_loses_no_count(void **state)
{
    dp_log(DP_LOG_WARN, "first %s", "message");
    dp_log(DP_LOG_WARN, "first %s", "message");
    /* more distinct messages than the table holds push it out early */
    for (int i = 0; i < 500; i++)
        dp_log(DP_LOG_WARN, "distinct message %c%c", 'a' + i % 26,
               'a' + i / 26);
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "WARN distinct message "), 500);
    assert_int_equal(s_count(out, "1 similar messages suppressed"), 1);
    assert_int_equal(s_count(out, "suppressed"), 1);
    dp_free(out);
}

static void test_a_zero_rate_turns_the_limit_off(void **state)
{
    dp_log_set_rate_ms(0);
    for (int i = 0; i < 6; i++)
        dp_log(DP_LOG_ERROR, "same");
    char *out = s_release(*state);
    dp_log_set_rate_ms(HOUR_MS);
    assert_int_equal(s_count(out, "ERROR same"), 6);
    dp_free(out);
}

static void test_records_stay_one_line(void **state)
{
    dp_log(DP_LOG_WARN, "two\nlines %s", "and\ttab");
    char *out = s_release(*state);
    assert_int_equal(s_count(out, "\n"), 1);
    assert_non_null(strstr(out, "two\\x0alines and\\x09tab"));
    dp_free(out);
}

static void test_url_credentials_are_masked_in_every_record(void **state)
{
    dp_log(DP_LOG_DEBUG, "url %s", "redis://PlainPw1@127.0.0.1:6379/2");
    dp_log(DP_LOG_INFO, "url %s", "redis://:ColonPw2@host:6379");
    dp_log(DP_LOG_WARN, "url %s", "rediss://dpuser:UserPw3@redis.example");
    dp_log(DP_LOG_ERROR, "in \"https://x:TokPw4@h/p?q\" and redis://Pw5@h");
    dp_log(DP_LOG_INFO, "a pw with @ redis://:a@b@Pw6Host:1");
    char *out = s_release(*state);
    assert_null(strstr(out, "PlainPw1"));
    assert_null(strstr(out, "ColonPw2"));
    assert_null(strstr(out, "UserPw3"));
    assert_null(strstr(out, "TokPw4"));
    assert_null(strstr(out, "Pw5"));
    assert_null(strstr(out, "a@b"));
    assert_non_null(strstr(out, "url redis://***@127.0.0.1:6379/2\n"));
    assert_non_null(strstr(out, "url redis://:***@host:6379\n"));
    assert_non_null(strstr(out, "url rediss://dpuser:***@redis.example\n"));
    assert_non_null(
        strstr(out, "in \"https://x:***@h/p?q\" and redis://***@h"));
    assert_non_null(strstr(out, "redis://:***@Pw6Host:1"));
    dp_free(out);
}

static void test_urls_without_credentials_are_kept_as_written(void **state)
{
    (void)state;
    char buf[128];
    const char *plain[] = {
        "no url here",
        "ipc:///tmp/devpulse-x/collector.ctl",
        "@tcp://0.0.0.0:7100,>tcp://classifier:7200",
        ">tcp://a:1,@tcp://b:2,@ipc:///x/y",
        "mail me at a@b.c, see https://github.com/a/b",
        "https://api.github.com/repos/a/b?q=@x",
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        assert_ptr_equal(dp_log_redact(plain[i], buf, sizeof buf), plain[i]);
    /* A bind prefix after a URL with credentials is kept, the password
     * is not. */
    assert_string_equal(
        dp_log_redact("redis://:pw@h:1,@tcp://b:2", buf, sizeof buf),
        "redis://:***@h:1,@tcp://b:2");
    /* Cut to the buffer, always terminated. */
    char small[12];
    assert_string_equal(
        dp_log_redact("redis://secret@host", small, sizeof small),
        "redis://***");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(
            test_a_repeated_warning_is_written_once_then_counted, s_setup),
        cmocka_unit_test_setup(test_numbers_aside_the_message_is_the_same,
                               s_setup),
        cmocka_unit_test_setup(
            test_different_texts_of_one_call_site_are_all_written, s_setup),
        cmocka_unit_test_setup(test_info_and_debug_are_never_limited, s_setup),
        cmocka_unit_test_setup(test_after_the_period_the_count_comes_first,
                               s_setup),
        cmocka_unit_test_setup(test_the_table_is_bounded_and_loses_no_count,
                               s_setup),
        cmocka_unit_test_setup(test_a_zero_rate_turns_the_limit_off, s_setup),
        cmocka_unit_test_setup(test_records_stay_one_line, s_setup),
        cmocka_unit_test_setup(test_url_credentials_are_masked_in_every_record,
                               s_setup),
        cmocka_unit_test(test_urls_without_credentials_are_kept_as_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
