/* test_bus_curve.c - CurveZMQ on the bus: the deployment key admits, and a
 * peer without it is refused */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "dp_bus.h"

#define WAIT_MS 1500

typedef struct {
    char pub[41], sec[41];
} s_keys_t;

static void s_use_keys(const s_keys_t *k)
{
    if (k) {
        setenv("DP_CURVE_PUBLIC_KEY", k->pub, 1);
        setenv("DP_CURVE_SECRET_KEY", k->sec, 1);
    } else {
        unsetenv("DP_CURVE_PUBLIC_KEY");
        unsetenv("DP_CURVE_SECRET_KEY");
    }
}

/* A secured PULL on a free loopback port; writes the endpoint to ep. */
static dp_sock_t *s_server(dp_bus_t *bus, char *ep, size_t size)
{
    dp_sock_t *pull = dp_sock_new(bus, ZMQ_PULL, "@tcp://127.0.0.1:*");
    assert_non_null(pull);
    size_t len = size - 1; /* after the '>' */
    assert_int_equal(
        zmq_getsockopt(dp_sock_handle(pull), ZMQ_LAST_ENDPOINT, ep + 1, &len),
        0);
    ep[0] = '>';
    return pull;
}

/* Sends "hello" from a new bus with the given keys; true when it arrived. */
static bool s_delivered(dp_sock_t *pull, const char *ep, const s_keys_t *keys)
{
    s_use_keys(keys);
    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    dp_sock_t *push = dp_sock_new(bus, ZMQ_PUSH, ep);
    assert_non_null(push);
    /* Without a handshake the message stays queued: DP_EAGAIN is fine. */
    int src = dp_sock_send(push, NULL, "hello", 5, true);
    assert_true(src == 0 || src == DP_EAGAIN);
    dp_buf_t got = DP_BUF_INIT;
    int rc = dp_sock_recv(pull, NULL, &got, 64, WAIT_MS);
    bool ok = rc == 0 && got.len == 5 && memcmp(got.data, "hello", 5) == 0;
    dp_buf_free(&got);
    dp_bus_destroy(&bus);
    return ok;
}

static void test_peer_with_the_deployment_key_is_admitted(void **state)
{
    s_keys_t *k = *state;
    s_use_keys(k);
    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    assert_true(dp_bus_secured(bus));
    char ep[128];
    dp_sock_t *pull = s_server(bus, ep, sizeof ep);
    assert_true(s_delivered(pull, ep, k));
    dp_bus_destroy(&bus);
}

static void test_peer_without_a_key_is_refused(void **state)
{
    s_keys_t *k = *state;
    s_use_keys(k);
    dp_bus_t *bus = dp_bus_new();
    char ep[128];
    dp_sock_t *pull = s_server(bus, ep, sizeof ep);
    assert_false(s_delivered(pull, ep, NULL));
    dp_bus_destroy(&bus);
}

static void test_peer_with_another_key_is_refused(void **state)
{
    s_keys_t *k = *state;
    s_keys_t other;
    assert_int_equal(zmq_curve_keypair(other.pub, other.sec), 0);
    s_use_keys(k);
    dp_bus_t *bus = dp_bus_new();
    char ep[128];
    dp_sock_t *pull = s_server(bus, ep, sizeof ep);
    assert_false(s_delivered(pull, ep, &other));
    /* The right key still gets through afterwards. */
    assert_true(s_delivered(pull, ep, k));
    dp_bus_destroy(&bus);
}

static void test_malformed_key_fails_the_bus(void **state)
{
    (void)state;
    setenv("DP_CURVE_PUBLIC_KEY", "short", 1);
    setenv("DP_CURVE_SECRET_KEY", "short", 1);
    assert_null(dp_bus_new());
    setenv("DP_CURVE_PUBLIC_KEY", "", 1);
    unsetenv("DP_CURVE_SECRET_KEY");
    dp_bus_t *bus = dp_bus_new(); /* both unset or empty: not secured */
    assert_non_null(bus);
    assert_false(dp_bus_secured(bus));
    dp_bus_destroy(&bus);
}

static int s_setup(void **state)
{
    if (!zmq_has("curve"))
        return -1;
    s_keys_t *k = calloc(1, sizeof *k);
    if (zmq_curve_keypair(k->pub, k->sec) != 0)
        return -1;
    *state = k;
    return 0;
}

static int s_teardown(void **state)
{
    free(*state);
    s_use_keys(NULL);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_with_the_deployment_key_is_admitted),
        cmocka_unit_test(test_peer_without_a_key_is_refused),
        cmocka_unit_test(test_peer_with_another_key_is_refused),
        cmocka_unit_test(test_malformed_key_fails_the_bus),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
