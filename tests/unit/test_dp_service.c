/* test_dp_service.c - unit tests for a stop: waits on the bus end at once */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_service.h"

/* A wait that a stop does not end is ended by SIGALRM (default action:
 * the process dies and the test fails) after this many seconds. */
#define GUARD_S 30
#define ENDPOINT "inproc://test-dp-service"
#define TRIES 500 /* polls for a message sent in this process to arrive */
#define TRY_US 10000

/* A bus with a PULL socket nobody sends to and the PUSH socket that can. */
typedef struct {
    dp_bus_t *bus;
    dp_sock_t *pull, *push;
} ctx_t;

static int s_setup(void **state)
{
    ctx_t *ctx = calloc(1, sizeof *ctx);
    assert_non_null(ctx);
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    ctx->pull = dp_sock_new(ctx->bus, ZMQ_PULL, "@" ENDPOINT);
    ctx->push = dp_sock_new(ctx->bus, ZMQ_PUSH, ">" ENDPOINT);
    assert_non_null(ctx->pull);
    assert_non_null(ctx->push);
    *state = ctx;
    return 0;
}

static int s_teardown(void **state)
{
    ctx_t *ctx = *state;
    dp_bus_destroy(&ctx->bus);
    free(ctx);
    return 0;
}

static void *s_stop_later(void *arg)
{
    (void)arg;
    usleep(100 * 1000); /* let the main thread start waiting */
    dp_service_interrupt();
    return NULL;
}

/* A stop from another thread, while a receive waits without a timeout,
 * ends that wait: the receive returns DP_EAGAIN. Before the stop
 * descriptor was polled, it waited for a message that never came. */
static void test_recv_without_timeout_returns_on_stop(void **state)
{
    ctx_t *ctx = *state;
    assert_int_not_equal(dp_service_stop_fd(), -1);
    assert_false(dp_service_interrupted());
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, s_stop_later, NULL), 0);
    alarm(GUARD_S);
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(dp_sock_recv(ctx->pull, NULL, &frame, 1024, -1),
                     DP_EAGAIN);
    alarm(0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(dp_service_interrupted());
    dp_buf_free(&frame);
}

/* Receives a message sent just before: after a stop a wait returns at
 * once, so it is tried a bounded number of times. */
static int s_recv_sent(dp_sock_t *pull, dp_buf_t *frame)
{
    int rc = DP_EAGAIN;
    for (int i = 0; i < TRIES && rc == DP_EAGAIN; i++) {
        rc = dp_sock_recv(pull, NULL, frame, 1024, -1);
        if (rc == DP_EAGAIN)
            usleep(TRY_US);
    }
    return rc;
}

/* After a stop, a message already waiting is still received (a stop cuts
 * waits short, it drops nothing), and a wait on an empty socket, or a
 * poll of it, returns at once. */
static void test_after_stop_waiting_messages_are_read(void **state)
{
    ctx_t *ctx = *state;
    assert_true(dp_service_interrupted());
    alarm(GUARD_S);
    assert_int_equal(dp_sock_send(ctx->push, NULL, "hello", 5, false), 0);
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(s_recv_sent(ctx->pull, &frame), 0);
    assert_int_equal(frame.len, 5);
    assert_memory_equal(frame.data, "hello", 5);
    assert_int_equal(dp_sock_recv(ctx->pull, NULL, &frame, 1024, -1),
                     DP_EAGAIN);
    bool ready = true;
    assert_int_equal(dp_sock_poll(&ctx->pull, &ready, 1, -1), 0);
    assert_false(ready);
    /* The poll still sees a socket that is ready. */
    assert_int_equal(dp_sock_send(ctx->push, NULL, "again", 5, false), 0);
    int n = 0;
    for (int i = 0; i < TRIES && n == 0; i++) {
        n = dp_sock_poll(&ctx->pull, &ready, 1, -1);
        if (n == 0)
            usleep(TRY_US);
    }
    assert_int_equal(n, 1);
    assert_true(ready);
    alarm(0);
    dp_buf_free(&frame);
}

int main(void)
{
    dp_service_signals();
    /* Order matters: a stop is for good, so the test that makes it runs
     * first. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recv_without_timeout_returns_on_stop),
        cmocka_unit_test(test_after_stop_waiting_messages_are_read),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
