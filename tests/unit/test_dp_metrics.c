/* test_dp_metrics.c - unit tests for the metrics registry, its exposition
 * and the health endpoint */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dp_httpd.h"
#include "dp_mem.h"
#include "dp_metrics.h"
#include "dp_tkprom.h"

#define THREAD_ADDS 100000 /* increments per thread in the race test */
#define NTHREADS 4

/* Parses the exposition strictly; fails the test when it does not parse. */
static void s_parse(dp_tk_prom_t *prom)
{
    char *text = dp_metrics_text();
    char err[256] = "";
    int rc = dp_tk_prom_parse(text, prom, err, sizeof err);
    if (rc != 0)
        print_error("%s\n%s", err, text);
    assert_int_equal(rc, 0);
    dp_free(text);
}

static void test_exposition_parses_with_help_type_and_service(void **state)
{
    (void)state;
    dp_metrics_add(DP_M_MSG_IN, "EVENT", 3);
    dp_metrics_add(DP_M_MSG_IN, "WINDOW", 1);
    dp_metrics_add(DP_M_BYTES_IN, NULL, 1234);
    dp_metrics_set(DP_M_GH_RATE_REMAINING, "0123456789abcdef", 4999);
    char *text = dp_metrics_text();
    /* Every metric of the map has its HELP and TYPE lines. */
    assert_non_null(strstr(text, "# HELP devpulse_messages_received_total "));
    assert_non_null(strstr(text, "# TYPE devpulse_messages_received_total "
                                 "counter\n"));
    assert_non_null(strstr(text, "# TYPE devpulse_github_rate_limit_remaining "
                                 "gauge\n"));
    assert_non_null(strstr(text, "devpulse_messages_received_total{service="
                                 "\"unit\",type=\"EVENT\"} 3\n"));
    dp_free(text);
    dp_tk_prom_t prom;
    s_parse(&prom);
    for (size_t i = 0; i < prom.count; i++) {
        const char *svc = dp_tk_prom_label(&prom.samples[i], "service");
        assert_non_null(svc);
        assert_string_equal(svc, "unit");
        assert_int_equal(strncmp(prom.samples[i].name, "devpulse_", 9), 0);
    }
    assert_true(dp_tk_prom_value(&prom, "devpulse_messages_received_total",
                                 "type", "WINDOW") == 1);
    assert_true(dp_tk_prom_value(&prom, "devpulse_bus_received_bytes_total",
                                 NULL, NULL) == 1234);
    assert_true(dp_tk_prom_value(&prom, "devpulse_github_rate_limit_remaining",
                                 "token", "0123456789abcdef") == 4999);
    /* Unlabelled counters show from the start, at 0. */
    assert_true(dp_tk_prom_value(&prom, "devpulse_replays_total", NULL, NULL) ==
                0);
    dp_tk_prom_clear(&prom);
}

static void test_label_values_are_escaped_and_read_back(void **state)
{
    (void)state;
    const char *nasty = "a\"b\\c\nd} x=\"y\"";
    char buf[128];
    assert_string_equal(dp_metrics_escape(nasty, buf, sizeof buf),
                        "a\\\"b\\\\c\\nd} x=\\\"y\\\"");
    /* Cut, never half an escape. */
    assert_string_equal(dp_metrics_escape("ab\"", buf, 4), "ab");
    dp_metrics_add(DP_M_REFUSED, nasty, 2);
    dp_tk_prom_t prom;
    s_parse(&prom);
    assert_true(dp_tk_prom_value(&prom, "devpulse_frames_refused_total",
                                 "reason", nasty) == 2);
    dp_tk_prom_clear(&prom);
}

static void test_the_parser_refuses_what_is_not_the_format(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "x 1\n",                                    /* no TYPE before */
        "# TYPE x counter\nx{a=\"1\"} one\n",       /* not a number */
        "# TYPE x counter\nx{a=\"1\\t\"} 1\n",      /* bad escape */
        "# TYPE x counter\nx{a=\"1\",a=\"2\"} 1\n", /* a label twice */
        "# TYPE x counter\nx 1\nx 2\n",             /* a series twice */
        "# TYPE x counter\n# TYPE x counter\n",     /* TYPE twice */
        "# TYPE x counter\nx 1",                    /* no newline */
        "# TYPE x counter\n\nx 1\n",                /* an empty line */
        "# TYPE x countr\n",                        /* unknown type */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dp_tk_prom_t prom;
        char err[256];
        assert_int_equal(dp_tk_prom_parse(bad[i], &prom, err, sizeof err), -1);
        assert_int_equal(prom.count, 0);
    }
    dp_tk_prom_t prom;
    char err[256];
    assert_int_equal(dp_tk_prom_parse("# HELP x a \\\\ b\n# TYPE x gauge\n"
                                      "x{a=\"\\\"\"} -1.5e3\n",
                                      &prom, err, sizeof err),
                     0);
    assert_true(dp_tk_prom_value(&prom, "x", "a", "\"") == -1500);
    dp_tk_prom_clear(&prom);
}

static void test_seconds_are_kept_in_microseconds(void **state)
{
    (void)state;
    long long before = dp_metrics_get(DP_M_BUSY_US, NULL);
    dp_metrics_add(DP_M_BUSY_US, NULL, 1500000);
    dp_tk_prom_t prom;
    s_parse(&prom);
    double shown =
        dp_tk_prom_value(&prom, "devpulse_handling_seconds_total", NULL, NULL);
    assert_true(fabs(shown - (double)(before + 1500000) / 1e6) < 1e-6);
    dp_tk_prom_clear(&prom);
    /* A message handled: the time between receiving and asking again. */
    dp_metrics_busy();
    dp_metrics_idle();
    dp_metrics_idle(); /* no mark: nothing added */
    assert_true(dp_metrics_get(DP_M_BUSY_US, NULL) >= before + 1500000);
}

static void *s_adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < THREAD_ADDS; i++) {
        dp_metrics_add(DP_M_MSG_OUT, "CLASSIFIED", 1);
        dp_metrics_add(DP_M_BYTES_OUT, NULL, 2);
    }
    return NULL;
}

static void test_updates_from_threads_are_not_lost(void **state)
{
    (void)state;
    long long out0 = dp_metrics_get(DP_M_MSG_OUT, "CLASSIFIED");
    long long bytes0 = dp_metrics_get(DP_M_BYTES_OUT, NULL);
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, s_adder, NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(dp_metrics_get(DP_M_MSG_OUT, "CLASSIFIED") - out0,
                     (long long)NTHREADS * THREAD_ADDS);
    assert_int_equal(dp_metrics_get(DP_M_BYTES_OUT, NULL) - bytes0,
                     2LL * NTHREADS * THREAD_ADDS);
}

static void test_http_status_classes(void **state)
{
    (void)state;
    assert_string_equal(dp_metrics_http_class(200), "2xx");
    assert_string_equal(dp_metrics_http_class(304), "3xx");
    assert_string_equal(dp_metrics_http_class(403), "4xx");
    assert_string_equal(dp_metrics_http_class(502), "5xx");
    assert_string_equal(dp_metrics_http_class(0), "error");
    assert_string_equal(dp_metrics_http_class(600), "error");
}

/* ==== The endpoint ==== */

typedef struct {
    long status;
    dp_buf_t body;
} s_got_t;

/* Sends method for path to the endpoint on port. */
static void s_get(int port, const char *method, const char *path, s_got_t *got)
{
    got->body = (dp_buf_t)DP_BUF_INIT;
    got->status = dp_tk_http(port, method, path, &got->body);
    assert_true(got->status > 0);
}

/* The "status" of a /healthz body, checked to be JSON. */
static void s_expect_health(int port, long status, const char *word)
{
    s_got_t got;
    s_get(port, "GET", "/healthz", &got);
    assert_int_equal(got.status, status);
    json_t *doc = json_loads(got.body.data, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "status")),
                        word);
    json_decref(doc);
    dp_buf_free(&got.body);
}

static void test_endpoint_serves_health_and_metrics(void **state)
{
    (void)state;
    char err[256];
    dp_httpd_t *h = dp_httpd_new("127.0.0.1:0", err, sizeof err);
    assert_non_null(h);
    int port = dp_httpd_port(h);
    assert_true(port > 0);

    dp_metrics_tick();
    dp_metrics_redis(true);
    s_expect_health(port, 200, "ok");
    char reason[128];
    assert_true(dp_metrics_healthy(reason, sizeof reason));
    dp_metrics_redis(false);
    assert_false(dp_metrics_healthy(reason, sizeof reason));
    assert_non_null(strstr(reason, "redis"));
    s_expect_health(port, 503, "unhealthy");
    dp_metrics_redis(true); /* reconnected */
    s_expect_health(port, 200, "ok");

    s_got_t got;
    s_get(port, "GET", "/metrics", &got);
    assert_int_equal(got.status, 200);
    dp_tk_prom_t prom;
    assert_int_equal(dp_tk_prom_parse(got.body.data, &prom, err, sizeof err),
                     0);
    assert_true(dp_tk_prom_value(&prom, "devpulse_redis_errors_total", NULL,
                                 NULL) >= 1);
    dp_tk_prom_clear(&prom);
    dp_buf_free(&got.body);

    s_get(port, "GET", "/", &got);
    assert_int_equal(got.status, 404);
    dp_buf_free(&got.body);
    s_get(port, "POST", "/metrics", &got);
    assert_int_equal(got.status, 405);
    dp_buf_free(&got.body);
    s_get(port, "DELETE", "/healthz", &got);
    assert_int_equal(got.status, 405);
    dp_buf_free(&got.body);
    dp_httpd_destroy(&h);
    dp_httpd_destroy(&h); /* idempotent */
}

static void test_endpoint_refuses_a_bad_address(void **state)
{
    (void)state;
    static const char *const bad[] = {"9100",
                                      "127.0.0.1",
                                      "127.0.0.1:x",
                                      "127.0.0.1:70000",
                                      ":9100",
                                      "[::1:9100",
                                      "no.such.host.invalid:9100"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        assert_null(dp_httpd_new(bad[i], err, sizeof err));
        assert_true(strlen(err) > 0);
    }
}

static void test_a_stale_loop_is_unhealthy_before_its_first_tick(void **state)
{
    (void)state;
    /* Runs first: nothing has ticked in this process yet. */
    char reason[128];
    assert_false(dp_metrics_healthy(reason, sizeof reason));
    assert_string_equal(reason, "main loop not started");
    dp_metrics_tick();
    assert_true(dp_metrics_healthy(reason, sizeof reason));
}

static void test_series_past_the_table_are_dropped(void **state)
{
    (void)state;
    /* Runs last: fills the table. */
    char label[32];
    for (int i = 0; i < DP_METRICS_SERIES_MAX + 10; i++) {
        snprintf(label, sizeof label, "l%d", i);
        dp_metrics_add(DP_M_WINDOWS, label, 1);
    }
    snprintf(label, sizeof label, "l%d", DP_METRICS_SERIES_MAX + 5);
    assert_int_equal(dp_metrics_get(DP_M_WINDOWS, label), 0);
    assert_int_equal(dp_metrics_get(DP_M_WINDOWS, "l0"), 1);
    dp_tk_prom_t prom;
    s_parse(&prom); /* still well formed */
    dp_tk_prom_clear(&prom);
}

int main(void)
{
    dp_metrics_init("unit");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_stale_loop_is_unhealthy_before_its_first_tick),
        cmocka_unit_test(test_exposition_parses_with_help_type_and_service),
        cmocka_unit_test(test_label_values_are_escaped_and_read_back),
        cmocka_unit_test(test_the_parser_refuses_what_is_not_the_format),
        cmocka_unit_test(test_seconds_are_kept_in_microseconds),
        cmocka_unit_test(test_updates_from_threads_are_not_lost),
        cmocka_unit_test(test_http_status_classes),
        cmocka_unit_test(test_endpoint_serves_health_and_metrics),
        cmocka_unit_test(test_endpoint_refuses_a_bad_address),
        cmocka_unit_test(test_series_past_the_table_are_dropped),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
