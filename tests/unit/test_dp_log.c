/* test_dp_log.c - unit tests for log records and their rate limit */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
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

/* ==== JSON records ==== */

#define S_FROM 1765362540 /* 2025-12-10T10:29:00Z */
#define S_TO 1765366140   /* 2025-12-10T11:29:00Z */

/* As s_setup, with JSON records. */
static int s_setup_json(void **state)
{
    s_setup(state);
    dp_log_set_format(DP_LOG_JSON);
    return 0;
}

static int s_teardown_text(void **state)
{
    (void)state;
    dp_log_set_format(DP_LOG_TEXT);
    return 0;
}

/* Parses every line of text as one JSON object with time, level, service
 * and msg; returns them in an array (the caller frees it). */
static json_t *s_records(const char *text)
{
    json_t *all = json_array();
    const char *line = text;
    for (const char *nl = strchr(line, '\n'); nl; nl = strchr(line, '\n')) {
        json_error_t jerr;
        json_t *doc = json_loadb(line, (size_t)(nl - line), 0, &jerr);
        if (!doc)
            print_error("not JSON (%s): %.*s\n", jerr.text, (int)(nl - line),
                        line);
        assert_non_null(doc);
        assert_true(json_is_object(doc));
        const char *time = json_string_value(json_object_get(doc, "time"));
        assert_non_null(time);
        /* "2026-12-07T14:30:00.123Z" */
        assert_int_equal(strlen(time), 24);
        assert_int_equal(time[10], 'T');
        assert_int_equal(time[19], '.');
        assert_int_equal(time[23], 'Z');
        assert_string_equal(json_string_value(json_object_get(doc, "service")),
                            "test");
        assert_non_null(json_string_value(json_object_get(doc, "level")));
        assert_non_null(json_string_value(json_object_get(doc, "msg")));
        json_array_append_new(all, doc);
        line = nl + 1;
    }
    assert_int_equal(*line, '\0'); /* every record ends its line */
    return all;
}

static const char *s_field(json_t *all, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(all, i), key));
}

static void test_json_records_escape_what_json_needs(void **state)
{
    dp_log(DP_LOG_WARN, "quote \" backslash \\ newline \n tab \t bell \x01 "
                        "del \x7f bad \xff\xfe ok \xe4\xb8\xad\xe6\x96\x87");
    dp_log(DP_LOG_INFO, "plain");
    char *text = s_release(*state);
    json_t *all = s_records(text);
    assert_int_equal(json_array_size(all), 2);
    assert_string_equal(s_field(all, 0, "level"), "warn");
    assert_string_equal(s_field(all, 0, "msg"),
                        "quote \" backslash \\ newline \n tab \t bell \x01 "
                        "del \x7f bad \xef\xbf\xbd\xef\xbf\xbd ok "
                        "\xe4\xb8\xad\xe6\x96\x87");
    assert_string_equal(s_field(all, 1, "level"), "info");
    assert_string_equal(s_field(all, 1, "msg"), "plain");
    assert_null(s_field(all, 1, "repo")); /* only about a window */
    json_decref(all);
    dp_free(text);
}

static void test_json_records_of_a_window_carry_it_in_iso(void **state)
{
    dp_log_window(DP_LOG_INFO, "vllm-project/vllm", S_FROM, S_TO,
                  "digest of %d events", 3);
    char *text = s_release(*state);
    json_t *all = s_records(text);
    assert_int_equal(json_array_size(all), 1);
    assert_string_equal(s_field(all, 0, "msg"), "digest of 3 events");
    assert_string_equal(s_field(all, 0, "repo"), "vllm-project/vllm");
    assert_string_equal(s_field(all, 0, "window_from"), "2025-12-10T10:29:00Z");
    assert_string_equal(s_field(all, 0, "window_to"), "2025-12-10T11:29:00Z");
    json_decref(all);
    dp_free(text);
}

static void test_json_records_stay_whole_and_masked(void **state)
{
    char *big = dp_calloc(1, 6000);
    memset(big, '"', 5999); /* each doubles when escaped: cut, still JSON */
    dp_log(DP_LOG_INFO, "%s", big);
    dp_log(DP_LOG_ERROR, "redis://user:hunter2@redis:6379 refused");
    dp_log(DP_LOG_ERROR, "redis://user:hunter2@redis:6379 refused");
    char *text = s_release(*state); /* with the summary of the repeat */
    json_t *all = s_records(text);
    assert_int_equal(json_array_size(all), 3);
    assert_true(strlen(s_field(all, 0, "msg")) > 1000);
    assert_null(strstr(text, "hunter2"));
    assert_string_equal(s_field(all, 1, "msg"),
                        "redis://user:***@redis:6379 refused");
    assert_non_null(strstr(s_field(all, 2, "msg"), "1 similar messages"));
    json_decref(all);
    dp_free(text);
    dp_free(big);
}

static void test_text_records_of_a_window_show_it_in_iso(void **state)
{
    dp_log_window(DP_LOG_WARN, "o/r", S_FROM, S_TO, "no report yet; try %d", 2);
    char *text = s_release(*state);
    assert_non_null(strstr(text, " WARN o/r 2025-12-10T10:29:00Z.."
                                 "2025-12-10T11:29:00Z: no report yet; try "
                                 "2\n"));
    dp_free(text);
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
        cmocka_unit_test_setup_teardown(
            test_json_records_escape_what_json_needs, s_setup_json,
            s_teardown_text),
        cmocka_unit_test_setup_teardown(
            test_json_records_of_a_window_carry_it_in_iso, s_setup_json,
            s_teardown_text),
        cmocka_unit_test_setup_teardown(test_json_records_stay_whole_and_masked,
                                        s_setup_json, s_teardown_text),
        cmocka_unit_test_setup(test_text_records_of_a_window_show_it_in_iso,
                               s_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
