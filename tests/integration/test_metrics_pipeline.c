/* test_metrics_pipeline.c - /metrics and /healthz of the four services as
 * they process a window */
/* SPDX-License-Identifier: MIT */
/* The real executables, each with DP_HTTP=127.0.0.1:0 and a port file of
 * its own, on ipc:// sockets, a real Redis and the GitHub stand-in serving
 * the example's hour. One COLLECT goes in and its REPORT comes out; then
 * the /metrics of every service parses strictly as Prometheus text with
 * the service label, and its counters agree with what went through: what
 * a stage sent, the next one received, message for message. /healthz is
 * 200 everywhere, and 503 in the services that use Redis once it is gone
 * (the classifier does not use it and stays healthy). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_config.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_time.h"
#include "dp_testkit.h"
#include "dp_tkprom.h"

#define S_REPO "vllm-project/vllm"
#define S_FROM "2025-12-10T18:29+08:00"
#define S_TO "2025-12-10T19:29+08:00"
#define S_START_MS 30000  /* a service writing its port file, at most */
#define S_REPORT_MS 90000 /* the window's REPORT, at most */
#define S_JOIN_MS 20000   /* the renderer's tap welcoming us, at most */
#define S_HEALTH_MS 40000 /* /healthz turning 503 after Redis stops */
#define S_POLL_MS 100
#define S_NSVC 4

enum { S_COLLECTOR, S_CLASSIFIER, S_SUMMARIZER, S_RENDERER };
static const char *const s_names[S_NSVC] = {"collector", "classifier",
                                            "summarizer", "renderer"};

typedef struct {
    char *dir;
    dp_tk_redis_t redis;
    dp_tk_proc_t standin, svc[S_NSVC];
    int port[S_NSVC];
    char base[256];
    bool skip;
} s_ctx_t;

/* ==== HTTP ==== */

/* GETs path of a service; returns the status, the body in *body. */
static long s_get(int port, const char *path, dp_buf_t *body)
{
    return dp_tk_http(port, "GET", path, body);
}

static long s_health(int port)
{
    dp_buf_t body = DP_BUF_INIT;
    long status = s_get(port, "/healthz", &body);
    dp_buf_free(&body);
    return status;
}

/* Reads and strictly parses the /metrics of service i; every sample
 * carries its service label. */
static void s_metrics(const s_ctx_t *ctx, int i, dp_tk_prom_t *prom)
{
    dp_buf_t body = DP_BUF_INIT;
    assert_int_equal(s_get(ctx->port[i], "/metrics", &body), 200);
    char err[256] = "";
    int rc = dp_tk_prom_parse(body.data, prom, err, sizeof err);
    if (rc < 0)
        print_error("%s: %s\n", s_names[i], err);
    assert_int_equal(rc, 0);
    dp_buf_free(&body);
    assert_true(prom->count > 0);
    for (size_t k = 0; k < prom->count; k++) {
        const char *svc = dp_tk_prom_label(&prom->samples[k], "service");
        assert_non_null(svc);
        assert_string_equal(svc, s_names[i]);
    }
}

/* ==== Services ==== */

/* Starts service i with its endpoints in ctx->dir and waits for its port
 * file. The shell prints a line for dp_tk_proc_start, then becomes it. */
static void s_start(s_ctx_t *ctx, int i, const char *const *args)
{
    const char *bin = getenv("DP_BIN_DIR");
    char *exe = dp_asprintf("%s/dp-%s", bin, s_names[i]);
    char *port_file = dp_asprintf("%s/%s.port", ctx->dir, s_names[i]);
    char *argv[24] = {(char *)"/bin/sh", (char *)"-c",
                      (char *)"echo started; exec \"$0\" \"$@\"", exe};
    size_t n = 4;
    for (size_t k = 0; args[k] && n + 1 < 24; k++)
        argv[n++] = (char *)args[k];
    argv[n] = NULL;
    setenv("DP_HTTP", "127.0.0.1:0", 1);
    setenv("DP_HTTP_PORT_FILE", port_file, 1);
    char line[64];
    assert_int_equal(
        dp_tk_proc_start(&ctx->svc[i], argv, line, sizeof line, S_START_MS), 0);
    char *text = NULL;
    for (int t = 0; t < S_START_MS / S_POLL_MS && !text; t++) {
        text = access(port_file, R_OK) == 0 ? dp_tk_read_file(port_file, NULL)
                                            : NULL;
        if (!text)
            usleep(S_POLL_MS * 1000);
    }
    assert_non_null(text);
    text[strcspn(text, "\n")] = '\0';
    long port = 0;
    assert_int_equal(dp_parse_long(text, 1, 65535, &port), 0);
    ctx->port[i] = (int)port;
    dp_free(text);
    dp_free(port_file);
    dp_free(exe);
}

/* Endpoint text: how ("@" bind, ">" connect) ipc://dir/name; owned. */
static char *s_ep(const s_ctx_t *ctx, const char *how, const char *name)
{
    return dp_asprintf("%sipc://%s/%s", how, ctx->dir, name);
}

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    *state = ctx;
    const char *bin = getenv("DP_BIN_DIR");
    const char *src = getenv("DP_SOURCE_DIR");
    if (!bin || !*bin || !src || !*src || !dp_tk_have_program("redis-server")) {
        ctx->skip = true;
        return 0;
    }
    ctx->dir = dp_tk_tmpdir("metrics");
    if (dp_tk_redis_start(&ctx->redis) < 0)
        return -1;
    char *standin = dp_asprintf("%s/gh-standin", bin);
    char *data = dp_asprintf("%s/tests/data/vllm-hour", src);
    char *argv[] = {standin,          (char *)"--data", data,
                    (char *)"--port", (char *)"0",      NULL};
    int rc = dp_tk_proc_start(&ctx->standin, argv, ctx->base, sizeof ctx->base,
                              S_START_MS);
    dp_free(standin);
    dp_free(data);
    if (rc < 0)
        return -1;
    setenv("REDIS_URL", ctx->redis.url, 1);
    setenv("GITHUB_API_URL", ctx->base, 1);
    setenv("GITHUB_TOKEN", "", 1);
    setenv("DP_RETRY_BASE_MS", "20", 1);
    setenv("DP_LOG_LEVEL", "warn", 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    for (int i = S_NSVC - 1; i >= 0; i--)
        dp_tk_proc_stop(&ctx->svc[i]);
    dp_tk_proc_stop(&ctx->standin);
    dp_tk_redis_stop(&ctx->redis);
    if (ctx->dir)
        dp_tk_rmdir(ctx->dir);
    dp_free(ctx->dir);
    dp_free(ctx);
    curl_global_cleanup();
    return 0;
}

/* Starts the four services, downstream first. */
static void s_start_all(s_ctx_t *ctx)
{
    char *site = dp_asprintf("%s/site", ctx->dir);
    char *ren_in = s_ep(ctx, "@", "ren.in"),
         *ren_pub = s_ep(ctx, "@", "ren.pub");
    const char *renderer[] = {"--in",      ren_in, "--pub", ren_pub,
                              "--out-dir", site,   NULL};
    s_start(ctx, S_RENDERER, renderer);
    char *sum_in = s_ep(ctx, "@", "sum.in"),
         *sum_pub = s_ep(ctx, "@", "sum.pub");
    char *sum_out = s_ep(ctx, ">", "ren.in");
    const char *summarizer[] = {"--in",  sum_in,  "--pub", sum_pub,
                                "--out", sum_out, NULL};
    s_start(ctx, S_SUMMARIZER, summarizer);
    char *cls_in = s_ep(ctx, "@", "cls.in"),
         *cls_pub = s_ep(ctx, "@", "cls.pub");
    char *cls_out = s_ep(ctx, ">", "sum.in");
    const char *classifier[] = {"--in",  cls_in,  "--pub", cls_pub,
                                "--out", cls_out, NULL};
    s_start(ctx, S_CLASSIFIER, classifier);
    char *ctl = s_ep(ctx, "@", "ctl"), *col_pub = s_ep(ctx, "@", "col.pub");
    char *col_out = s_ep(ctx, ">", "cls.in"),
         *reports = s_ep(ctx, ">", "ren.pub");
    const char *collector[] = {"--ctl", ctl,         "--pub", col_pub, "--out",
                               col_out, "--reports", reports, NULL};
    s_start(ctx, S_COLLECTOR, collector);
    char *all[] = {site,    ren_in,  ren_pub, sum_in,  sum_pub, sum_out, cls_in,
                   cls_pub, cls_out, ctl,     col_pub, col_out, reports};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        dp_free(all[i]);
}

/* Asks for the window and waits for its REPORT on the renderer's tap. */
static void s_run_window(s_ctx_t *ctx)
{
    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    char *ren_pub = s_ep(ctx, ">", "ren.pub"), *ctl = s_ep(ctx, ">", "ctl");
    dp_sock_t *sub = dp_sock_new(bus, ZMQ_SUB, ren_pub);
    dp_sock_t *push = dp_sock_new(bus, ZMQ_PUSH, ctl);
    assert_non_null(sub);
    assert_non_null(push);
    assert_int_equal(dp_sock_subscribe(sub, "report."), 0);
    assert_int_equal(dp_sock_await_welcomes(sub, 1, S_JOIN_MS), 0);
    int64_t from = 0, to = 0;
    assert_int_equal(dp_time_parse(S_FROM, &from, NULL), 0);
    assert_int_equal(dp_time_parse(S_TO, &to, NULL), 0);
    dp_msg_t req = {.type = DP_MSG_COLLECT};
    req.u.collect = (dp_collect_t){.repo = (char *)S_REPO,
                                   .win_from = from,
                                   .win_to = to,
                                   .revision = 1,
                                   .tz = (char *)"+08:00",
                                   .lang = (char *)"en",
                                   .reply_to = (char *)"metrics-test"};
    assert_int_equal(dp_msg_emit(push, NULL, &req), 0);
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    bool reported = false;
    for (int t = 0; t < S_REPORT_MS / S_POLL_MS && !reported; t++) {
        dp_msg_t msg;
        if (dp_msg_recv(sub, &subject, &frame, DP_PROTO_MAX_FRAME, S_POLL_MS,
                        &msg, NULL) < 0)
            continue;
        reported = msg.type == DP_MSG_REPORT && msg.u.report.path &&
                   !strcmp(msg.u.report.repo, S_REPO);
        dp_msg_clear(&msg);
    }
    assert_true(reported);
    dp_buf_free(&subject);
    dp_buf_free(&frame);
    dp_free(ren_pub);
    dp_free(ctl);
    dp_bus_destroy(&bus);
}

static double s_val(const dp_tk_prom_t *p, const char *name, const char *key,
                    const char *value)
{
    double v = dp_tk_prom_value(p, name, key, value);
    return v < 0 ? 0 : v; /* a series never touched counts 0 */
}

#define S_IN "devpulse_messages_received_total"
#define S_OUT "devpulse_messages_sent_total"
#define S_WIN "devpulse_windows_total"

static void test_counters_move_with_a_window_and_agree(void **state)
{
    s_ctx_t *ctx = *state;
    if (ctx->skip)
        skip();
    s_start_all(ctx);
    for (int i = 0; i < S_NSVC; i++)
        assert_int_equal(s_health(ctx->port[i]), 200);
    s_run_window(ctx);
    dp_tk_prom_t m[S_NSVC];
    for (int i = 0; i < S_NSVC; i++)
        s_metrics(ctx, i, &m[i]);
    const dp_tk_prom_t *col = &m[S_COLLECTOR], *cls = &m[S_CLASSIFIER];
    const dp_tk_prom_t *sum = &m[S_SUMMARIZER], *ren = &m[S_RENDERER];

    /* The collector: one request in, events and one window out. */
    double events = s_val(col, S_OUT, "type", "EVENT");
    assert_true(events > 0);
    assert_true(s_val(col, S_IN, "type", "COLLECT") == 1);
    assert_true(s_val(col, S_OUT, "type", "WINDOW") == 1);
    assert_true(s_val(col, S_WIN, "state", "requested") == 1);
    assert_true(s_val(col, S_WIN, "state", "collected") == 1);
    assert_true(s_val(col, "devpulse_github_requests_total", "class", "2xx") >
                0);
    assert_true(s_val(col, "devpulse_bus_sent_bytes_total", NULL, NULL) > 0);
    /* The classifier took every one of them and passed each on. */
    assert_true(s_val(cls, S_IN, "type", "EVENT") == events);
    assert_true(s_val(cls, S_IN, "type", "WINDOW") == 1);
    assert_true(s_val(cls, S_OUT, "type", "CLASSIFIED") == events);
    assert_true(s_val(cls, S_OUT, "type", "WINDOW") == 1);
    assert_true(s_val(cls, "devpulse_bus_received_bytes_total", NULL, NULL) >
                0);
    /* The summarizer: all in, one digest out. */
    assert_true(s_val(sum, S_IN, "type", "CLASSIFIED") == events);
    assert_true(s_val(sum, S_IN, "type", "WINDOW") == 1);
    assert_true(s_val(sum, S_OUT, "type", "DIGEST") == 1);
    assert_true(s_val(sum, S_WIN, "state", "summarized") == 1);
    /* The renderer: that digest in, one report out. */
    assert_true(s_val(ren, S_IN, "type", "DIGEST") == 1);
    assert_true(s_val(ren, S_OUT, "type", "REPORT") == 1);
    assert_true(s_val(ren, S_WIN, "state", "rendered") == 1);
    /* Nothing refused on the way, and time was spent on the work. */
    for (int i = 0; i < S_NSVC; i++) {
        assert_null(dp_tk_prom_find(&m[i], "devpulse_frames_refused_total",
                                    NULL, NULL));
        assert_true(
            s_val(&m[i], "devpulse_handling_seconds_total", NULL, NULL) >= 0);
    }
    assert_true(s_val(cls, "devpulse_handling_seconds_total", NULL, NULL) > 0);
    for (int i = 0; i < S_NSVC; i++)
        dp_tk_prom_clear(&m[i]);
}

/* The value of a series of service i, polled until it is want (bounded). */
static double s_await(const s_ctx_t *ctx, int i, const char *name,
                      const char *key, const char *value, double want)
{
    double got = -1;
    for (int t = 0; t < S_HEALTH_MS / S_POLL_MS && got != want; t++) {
        dp_tk_prom_t m;
        s_metrics(ctx, i, &m);
        got = s_val(&m, name, key, value);
        dp_tk_prom_clear(&m);
        if (got != want)
            usleep(S_POLL_MS * 1000);
    }
    return got;
}

static void test_refused_frames_are_counted_by_reason(void **state)
{
    s_ctx_t *ctx = *state;
    if (ctx->skip || ctx->svc[S_CLASSIFIER].pid == 0)
        skip();
    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    char *ep = s_ep(ctx, ">", "cls.in");
    dp_sock_t *push = dp_sock_new(bus, ZMQ_PUSH, ep);
    assert_non_null(push);
    /* Not msgpack at all, then a message the classifier does not take. */
    assert_int_equal(dp_sock_send(push, NULL, "garbage", 7, false), 0);
    dp_msg_t req = {.type = DP_MSG_COLLECT};
    req.u.collect = (dp_collect_t){.repo = (char *)S_REPO, .win_to = 1};
    assert_int_equal(dp_msg_emit(push, NULL, &req), 0);
    const char *r = "devpulse_frames_refused_total";
    assert_true(s_await(ctx, S_CLASSIFIER, r, "reason", "malformed", 1) == 1);
    assert_true(s_await(ctx, S_CLASSIFIER, r, "reason", "unexpected_type", 1) ==
                1);
    dp_free(ep);
    dp_bus_destroy(&bus);
}

static void test_health_fails_without_redis(void **state)
{
    s_ctx_t *ctx = *state;
    if (ctx->skip || ctx->svc[S_COLLECTOR].pid == 0)
        skip();
    dp_tk_redis_halt(&ctx->redis);
    /* The services with Redis notice it within their keepalive. */
    static const int with_redis[] = {S_COLLECTOR, S_SUMMARIZER, S_RENDERER};
    for (size_t k = 0; k < sizeof with_redis / sizeof with_redis[0]; k++) {
        int i = with_redis[k];
        long status = 0;
        for (int t = 0; t < S_HEALTH_MS / S_POLL_MS && status != 503; t++) {
            status = s_health(ctx->port[i]);
            if (status != 503)
                usleep(S_POLL_MS * 1000);
        }
        if (status != 503)
            print_error("%s still answers %ld\n", s_names[i], status);
        assert_int_equal(status, 503);
        dp_tk_prom_t m;
        s_metrics(ctx, i, &m);
        assert_true(s_val(&m, "devpulse_redis_errors_total", NULL, NULL) > 0);
        dp_tk_prom_clear(&m);
    }
    assert_int_equal(s_health(ctx->port[S_CLASSIFIER]), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_move_with_a_window_and_agree),
        cmocka_unit_test(test_refused_frames_are_counted_by_reason),
        cmocka_unit_test(test_health_fails_without_redis),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
