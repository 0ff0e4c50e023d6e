/* test_bus_curve.c - CurveZMQ on the bus, open binds, private sockets */
/* SPDX-License-Identifier: MIT */
/* The deployment key admits and a peer without it is refused; no open bind
 * beyond loopback; private ipc sockets; devpulse up secures its bus with
 * keys of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_service.h"
#include "dp_testkit.h"

#define WAIT_MS 1500
#define UP_START_MS 20000 /* devpulse up binding its sockets, at most */
#define POLL_MS 50

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

/* A publisher as a service runs it: a PUB beside the PULL it waits on.
 * Until the subscriber has its welcome (or tries run out), the publisher
 * waits on its PULL (which serves its PUB's new subscribers) and the
 * subscriber on its SUB, in turn. Returns the welcomes received. */
static size_t s_welcomed(dp_sock_t *pull, dp_sock_t *sub)
{
    dp_buf_t buf = DP_BUF_INIT;
    for (int i = 0; i < WAIT_MS / POLL_MS && dp_sock_welcomes(sub) == 0; i++) {
        assert_int_equal(dp_sock_recv(pull, NULL, &buf, 64, POLL_MS / 2),
                         DP_EAGAIN);
        assert_int_equal(dp_sock_recv(sub, NULL, &buf, 64, POLL_MS / 2),
                         DP_EAGAIN); /* the welcome is no message */
    }
    dp_buf_free(&buf);
    return dp_sock_welcomes(sub);
}

static void test_subscriber_is_welcomed_over_curve(void **state)
{
    s_keys_t *k = *state;
    s_use_keys(k);
    dp_bus_t *pbus = dp_bus_new(), *sbus = dp_bus_new();
    assert_true(pbus && sbus && dp_bus_secured(pbus));
    char ep[128];
    dp_sock_t *pull = s_server(pbus, ep, sizeof ep);
    dp_sock_t *pub = dp_sock_new(pbus, ZMQ_PUB, "@tcp://127.0.0.1:*");
    assert_non_null(pub);
    size_t len = sizeof ep - 1;
    assert_int_equal(
        zmq_getsockopt(dp_sock_handle(pub), ZMQ_LAST_ENDPOINT, ep + 1, &len),
        0);
    dp_sock_t *sub = dp_sock_new(sbus, ZMQ_SUB, ep);
    assert_non_null(sub);
    assert_int_equal(dp_sock_subscribe(sub, "report."), 0);
    /* Welcomed while the publisher sent nothing. */
    assert_int_equal(s_welcomed(pull, sub), 1);
    /* Welcomed: what is published next arrives, with no settling sleep. */
    assert_int_equal(dp_sock_send(pub, "report.x", "p", 1, true), 0);
    dp_buf_t subject = DP_BUF_INIT, payload = DP_BUF_INIT;
    assert_int_equal(dp_sock_recv(sub, &subject, &payload, 64, WAIT_MS), 0);
    assert_int_equal(subject.len, 8);
    assert_memory_equal(subject.data, "report.x", 8);
    assert_int_equal(dp_sock_welcomes(sub), 1);
    dp_buf_free(&subject);
    dp_buf_free(&payload);
    /* A subscriber without the deployment key is never welcomed. */
    s_use_keys(NULL);
    dp_bus_t *obus = dp_bus_new();
    assert_non_null(obus);
    dp_sock_t *osub = dp_sock_new(obus, ZMQ_SUB, ep);
    assert_non_null(osub);
    assert_int_equal(s_welcomed(pull, osub), 0);
    dp_bus_destroy(&obus);
    dp_bus_destroy(&sbus);
    dp_bus_destroy(&pbus);
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

static void test_bind_beyond_loopback_needs_keys_or_insecure(void **state)
{
    (void)state;
    s_use_keys(NULL);
    unsetenv("DP_CURVE_KEY_FILE");
    unsetenv("DP_BUS_INSECURE");
    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    assert_false(dp_bus_secured(bus));
    /* Open to other hosts: refused. */
    assert_null(dp_sock_new(bus, ZMQ_PULL, "@tcp://0.0.0.0:*"));
    assert_null(dp_sock_new(bus, ZMQ_PUB, "tcp://*:*"));
    assert_null(dp_sock_new(bus, ZMQ_PULL, "@tcp://127.0.0.1:*,@tcp://*:*"));
    /* Loopback and ipc stay allowed. */
    dp_sock_t *lo = dp_sock_new(bus, ZMQ_PULL, "@tcp://127.0.0.1:*");
    assert_non_null(lo);
    dp_sock_destroy(&lo);
    /* A connect is not a bind. */
    dp_sock_t *push = dp_sock_new(bus, ZMQ_PUSH, ">tcp://192.0.2.1:7200");
    assert_non_null(push);
    dp_sock_destroy(&push);
    dp_bus_destroy(&bus);
    /* Explicitly allowed. */
    setenv("DP_BUS_INSECURE", "1", 1);
    bus = dp_bus_new();
    dp_sock_t *open = dp_sock_new(bus, ZMQ_PULL, "@tcp://0.0.0.0:*");
    assert_non_null(open);
    dp_bus_destroy(&bus);
    unsetenv("DP_BUS_INSECURE");
}

static void test_bind_beyond_loopback_with_keys_is_allowed(void **state)
{
    s_use_keys(*state);
    dp_bus_t *bus = dp_bus_new();
    assert_true(dp_bus_secured(bus));
    assert_non_null(dp_sock_new(bus, ZMQ_PULL, "@tcp://0.0.0.0:*"));
    dp_bus_destroy(&bus);
    s_use_keys(NULL);
}

static void test_key_file_secures_the_bus_when_private(void **state)
{
    s_keys_t *k = *state;
    s_use_keys(NULL);
    char *dir = dp_tk_tmpdir("keyfile");
    assert_non_null(dir);
    char *path = dp_asprintf("%s/curve.key", dir);
    char err[512];
    mode_t old = umask(0);
    assert_int_equal(dp_bus_keyfile(path, err, sizeof err), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A second call keeps the keys. */
    char *before = dp_tk_read_file(path, NULL);
    assert_int_equal(dp_bus_keyfile(path, err, sizeof err), 0);
    char *after = dp_tk_read_file(path, NULL);
    assert_string_equal(before, after);
    setenv("DP_CURVE_KEY_FILE", path, 1);
    dp_bus_t *bus = dp_bus_new();
    assert_non_null(bus);
    assert_true(dp_bus_secured(bus));
    char ep[128];
    dp_sock_t *pull = s_server(bus, ep, sizeof ep);
    assert_false(s_delivered(pull, ep, k)); /* another deployment */
    setenv("DP_CURVE_KEY_FILE", path, 1);
    assert_true(s_delivered(pull, ep, NULL)); /* the file's */
    dp_bus_destroy(&bus);
    /* Readable by others: refused. */
    setenv("DP_CURVE_KEY_FILE", path, 1);
    assert_int_equal(chmod(path, 0644), 0);
    assert_null(dp_bus_new());
    assert_int_equal(dp_bus_keyfile(path, err, sizeof err), DP_ECONFIG);
    assert_non_null(strstr(err, "mode 0600"));
    unsetenv("DP_CURVE_KEY_FILE");
    dp_free(before);
    dp_free(after);
    dp_free(path);
    dp_tk_rmdir(dir);
    dp_free(dir);
}

static void test_ipc_sockets_are_private_whatever_the_umask(void **state)
{
    (void)state;
    s_use_keys(NULL);
    char *dir = dp_tk_tmpdir("umask");
    assert_non_null(dir);
    mode_t old = umask(002);
    dp_bus_t *bus = dp_bus_new();
    char *ep = dp_asprintf("@ipc://%s/x.in", dir);
    dp_sock_t *pull = dp_sock_new(bus, ZMQ_PULL, ep);
    umask(old);
    assert_non_null(pull);
    char *path = dp_asprintf("%s/x.in", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 077, 0);
    dp_bus_destroy(&bus);
    dp_free(path);
    dp_free(ep);
    dp_tk_rmdir(dir);
    dp_free(dir);
}

/* ==== devpulse up ==== */

/* The next handshake event of a monitored socket within WAIT_MS: one of
 * ZMQ_EVENT_HANDSHAKE_*, or 0. */
static int s_handshake(void *mon)
{
    long long until = dp_service_now_ms() + WAIT_MS * 2;
    while (dp_service_now_ms() < until) {
        zmq_pollitem_t item = {mon, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, POLL_MS) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        int n = zmq_msg_recv(&msg, mon, 0);
        uint16_t event = 0;
        if (n >= 2)
            memcpy(&event, zmq_msg_data(&msg), sizeof event);
        zmq_msg_close(&msg);
        zmq_msg_init(&msg); /* the endpoint frame */
        zmq_msg_recv(&msg, mon, 0);
        zmq_msg_close(&msg);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ||
            event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
            event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
            event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            return event;
    }
    return 0;
}

/* Connects a raw SUB to endpoint, with the keys of k when not NULL (as a
 * CurveZMQ client of server_pub), and returns its handshake event. */
static int s_subscribe_as(void *ctx, const char *endpoint, const s_keys_t *k,
                          const char *server_pub)
{
    static int n;
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://mon-%d", n++);
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int zero = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
    if (k) {
        zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, server_pub, 40);
        zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, k->pub, 40);
        zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, k->sec, 40);
    }
    assert_int_equal(zmq_socket_monitor(sub, mon_ep, ZMQ_EVENT_ALL), 0);
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_connect(mon, mon_ep), 0);
    assert_int_equal(zmq_connect(sub, endpoint), 0);
    int event = s_handshake(mon);
    zmq_socket_monitor(sub, NULL, 0);
    zmq_close(mon);
    zmq_close(sub);
    return event;
}

/* Reads "NAME=value" of a key file into key (41 bytes). */
static void s_key_of(const char *text, const char *name, char *key)
{
    const char *p = strstr(text, name);
    assert_non_null(p);
    p += strlen(name) + 1;
    memcpy(key, p, 40);
    key[40] = '\0';
}

static void test_devpulse_up_secures_its_bus_with_its_own_keys(void **state)
{
    (void)state;
    s_use_keys(NULL);
    char *dir = dp_tk_tmpdir("up");
    assert_non_null(dir);
    char *cfg = dp_asprintf("%s/up.yml", dir);
    char *state_dir = dp_asprintf("%s/state", dir);
    char *yml = dp_asprintf("timezone: UTC\nwindows: [hourly]\n"
                            "repositories: [vllm-project/vllm]\n"
                            "outputs: {dir: %s/site}\n",
                            dir);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fputs(yml, f);
    fclose(f);
    char *devpulse = dp_asprintf("%s/devpulse", getenv("DP_BIN_DIR"));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* not left behind by a failure */
        umask(002);                       /* a shared-group umask */
        setenv("GITHUB_API_URL", "http://127.0.0.1:9", 1);
        unsetenv("REDIS_URL");
        execl(devpulse, devpulse, "up", "-c", cfg, "--state", state_dir,
              (char *)NULL);
        _exit(127);
    }
    char *ctl = dp_asprintf("%s/bus/collector.ctl", state_dir);
    char *pub = dp_asprintf("%s/bus/renderer.pub", state_dir);
    long long until = dp_service_now_ms() + UP_START_MS;
    /* The collector binds last. */
    while (access(ctl, F_OK) != 0 && dp_service_now_ms() < until &&
           waitpid(pid, NULL, WNOHANG) == 0)
        dp_service_sleep_ms(POLL_MS);
    assert_int_equal(access(ctl, F_OK), 0);

    /* The key file, the socket directory and the sockets are private. */
    char *keyfile = dp_asprintf("%s/curve.key", state_dir);
    char *busdir = dp_asprintf("%s/bus", state_dir);
    struct stat st;
    assert_int_equal(stat(keyfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(busdir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(ctl, &st), 0);
    assert_int_equal(st.st_mode & 022, 0);

    /* A peer without the key, or with another, is refused; with the
     * deployment's key it is admitted. */
    char *text = dp_tk_read_file(keyfile, NULL);
    assert_non_null(text);
    s_keys_t mine, other;
    s_key_of(text, "DP_CURVE_PUBLIC_KEY", mine.pub);
    s_key_of(text, "DP_CURVE_SECRET_KEY", mine.sec);
    assert_int_equal(zmq_curve_keypair(other.pub, other.sec), 0);
    char *ep = dp_asprintf("ipc://%s", pub);
    void *ctx = zmq_ctx_new();
    /* Without keys (the NULL mechanism) the server just drops the peer. */
    assert_int_not_equal(s_subscribe_as(ctx, ep, NULL, NULL),
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    assert_int_equal(s_subscribe_as(ctx, ep, &other, mine.pub),
                     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    assert_int_equal(s_subscribe_as(ctx, ep, &mine, mine.pub),
                     ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    zmq_ctx_term(ctx);

    kill(pid, SIGTERM);
    int status = 0;
    until = dp_service_now_ms() + UP_START_MS;
    while (waitpid(pid, &status, WNOHANG) == 0 && dp_service_now_ms() < until)
        dp_service_sleep_ms(POLL_MS);
    if (waitpid(pid, NULL, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    dp_free(ep);
    dp_free(text);
    dp_free(keyfile);
    dp_free(busdir);
    dp_free(ctl);
    dp_free(pub);
    dp_free(devpulse);
    dp_free(yml);
    dp_free(state_dir);
    dp_free(cfg);
    dp_tk_rmdir(dir);
    dp_free(dir);
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
        cmocka_unit_test(test_subscriber_is_welcomed_over_curve),
        cmocka_unit_test(test_malformed_key_fails_the_bus),
        cmocka_unit_test(test_bind_beyond_loopback_needs_keys_or_insecure),
        cmocka_unit_test(test_bind_beyond_loopback_with_keys_is_allowed),
        cmocka_unit_test(test_key_file_secures_the_bus_when_private),
        cmocka_unit_test(test_ipc_sockets_are_private_whatever_the_umask),
        cmocka_unit_test(test_devpulse_up_secures_its_bus_with_its_own_keys),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
