/* test_summarizer_store.c - a digest is never built on a partial read */
/* SPDX-License-Identifier: MIT */
/* The summarizer engine on a real Redis and real ipc:// sockets. Its
 * digests read texts back from Redis (the set it builds from does not keep
 * them). When such a read fails (here: Redis refuses HGET to the
 * summarizer's user, as a server that went away or lost the key would fail
 * it), no DIGEST goes out; once Redis answers again, the DIGEST that goes
 * out is the one a run without the failure sends, quotes and all. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_testkit.h"
#include "dp_time.h"
#include "summarizer.h"

#define S_REPO "vllm-project/vllm"
#define S_MAX_FRAME (1L << 20)
#define S_QUIET_MS 1500   /* no DIGEST while HGET is refused, for this long */
#define S_DIGEST_MS 20000 /* the DIGEST once it is allowed, at most */
#define S_EVENTS 4

static const char *const s_texts[] = {
    "The generation config is the problem: use top_p 0.95.",
    "The model card only says temperature below 0.1.",
    "Override it with --override-generation-config.",
};
static const char *const s_who[] = {"vitush93", "eltorre", "maint-a"};
static const char *const s_assoc[] = {"CONTRIBUTOR", "NONE", "MEMBER"};

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(dp_time_parse(iso, &t, NULL), 0);
    return t;
}

/* The issue as the collector saw it at the end of the window. */
static dp_classified_t s_issue(void)
{
    dp_classified_t c = {0};
    c.repo = S_REPO;
    c.number = 30382;
    c.title = "[Bug]: generation quality";
    c.body = "Generation quality is poor with the default parameters.";
    c.url = "https://github.com/vllm-project/vllm/issues/30382";
    c.author = "eltorre";
    c.author_type = "User";
    c.author_assoc = "NONE";
    c.state = "open";
    c.created_at = s_at("2025-12-10T10:30:00Z");
    c.updated_at = s_at("2025-12-10T10:50:00Z");
    c.comments = 3;
    c.category = "bugfix";
    c.hotness = 3;
    c.win_from = s_at("2025-12-10T10:29:00Z");
    c.win_to = s_at("2025-12-10T11:29:00Z");
    return c;
}

static void s_send(dp_sock_t *push, const dp_msg_t *msg)
{
    assert_int_equal(dp_msg_emit(push, NULL, msg), 0);
}

/* The window's four events (the issue opened, three comments), then its
 * WINDOW message. */
static void s_send_window(dp_sock_t *push)
{
    static const char *const ids[] = {"comment:1", "comment:2", "comment:3"};
    static const char *const ats[] = {"2025-12-10T10:31:10Z",
                                      "2025-12-10T10:40:00Z",
                                      "2025-12-10T10:45:30Z"};
    dp_msg_t m = {.type = DP_MSG_CLASSIFIED};
    m.u.classified = s_issue();
    m.u.classified.kind = "issue_opened";
    m.u.classified.id = "issue:30382:opened";
    m.u.classified.at = m.u.classified.created_at;
    s_send(push, &m);
    for (int i = 0; i < 3; i++) {
        m.u.classified = s_issue();
        m.u.classified.kind = "comment";
        m.u.classified.id = (char *)ids[i];
        m.u.classified.at = s_at(ats[i]);
        m.u.classified.actor = (char *)s_who[i];
        m.u.classified.actor_type = "User";
        m.u.classified.actor_assoc = (char *)s_assoc[i];
        m.u.classified.text = (char *)s_texts[i];
        s_send(push, &m);
    }
    dp_msg_t w = {.type = DP_MSG_WINDOW};
    dp_window_t *win = &w.u.window;
    win->repo = S_REPO;
    win->win_from = s_at("2025-12-10T10:29:00Z");
    win->win_to = s_at("2025-12-10T11:29:00Z");
    win->revision = 1;
    win->tz = "+08:00";
    win->lang = "en";
    win->name = "vLLM";
    win->events = S_EVENTS;
    win->complete_until = win->win_to;
    s_send(push, &w);
}

static void s_acl(const char *socket, const char *rule)
{
    redisContext *c = redisConnectUnix(socket);
    assert_true(c && !c->err);
    redisReply *r = redisCommand(c, "ACL SETUSER default %s", rule);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    redisFree(c);
}

static void *s_serve(void *arg)
{
    (void)summarizer_run(arg);
    return NULL;
}

/* The participants' quotes of the digest's hot thread, in order. */
static void s_assert_quotes(const char *json)
{
    json_t *d = dp_json_parse(json, strlen(json), NULL, 0);
    assert_non_null(d);
    json_t *hot = dp_json_get(d, "facts.hot");
    assert_int_equal(json_array_size(hot), 1);
    json_t *people = json_object_get(json_array_get(hot, 0), "participants");
    assert_int_equal(json_array_size(people), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *p = json_array_get(people, i);
        assert_string_equal(dp_json_str(p, "login"), s_who[i]);
        assert_string_equal(dp_json_str(p, "quote"), s_texts[i]);
    }
    json_decref(d);
}

static void test_no_digest_on_a_failed_read_then_the_whole_one(void **state)
{
    (void)state;
    dp_tk_redis_t redis = {0};
    dp_tk_redis_start_or_skip(&redis);
    if (dp_tk_cluster_wanted()) {
        dp_tk_redis_stop(&redis);
        skip(); /* ACL rules are per node; the single server shows it */
    }
    char *dir = dp_tk_tmpdir("sumstore");
    char *in = dp_asprintf("@ipc://%s/in", dir);
    char *out = dp_asprintf("@ipc://%s/out", dir);
    char *pub = dp_asprintf("@ipc://%s/pub", dir);
    summarizer_cfg_t cfg = {.redis_url = redis.url,
                            .rules_path = DP_DEFAULT_RULES,
                            .in_endpoint = in,
                            .out_endpoint = out,
                            .pub_endpoint = pub,
                            .max_frame = S_MAX_FRAME,
                            .max_events = 1000,
                            .unanswered_s = 86400,
                            .live_events = 1000};
    summarizer_t *sum = summarizer_new(&cfg);
    assert_non_null(sum);
    dp_bus_t *bus = dp_bus_new();
    dp_sock_t *push = dp_tk_ipc_sock(bus, ZMQ_PUSH, ">", dir, "in");
    dp_sock_t *pull = dp_tk_ipc_sock(bus, ZMQ_PULL, ">", dir, "out");

    /* Reading a stored event back fails from now on. */
    s_acl(redis.socket, "-hget");
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, s_serve, sum), 0);
    s_send_window(push);

    dp_buf_t frame = DP_BUF_INIT;
    dp_msg_t msg = {0};
    int rc = dp_msg_recv(pull, NULL, &frame, S_MAX_FRAME, S_QUIET_MS, &msg,
                         NULL);
    if (rc == 0 && msg.type == DP_MSG_DIGEST)
        print_error("a DIGEST went out with a text unread\n");
    assert_int_equal(rc, DP_EAGAIN);

    /* Redis answers again: the digest is the whole one. */
    s_acl(redis.socket, "+hget");
    rc = dp_msg_recv(pull, NULL, &frame, S_MAX_FRAME, S_DIGEST_MS, &msg, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(msg.type, DP_MSG_DIGEST);
    assert_string_equal(msg.u.digest.repo, S_REPO);
    s_assert_quotes(msg.u.digest.json);
    dp_msg_clear(&msg);
    /* Once, not once per try. */
    assert_int_equal(dp_msg_recv(pull, NULL, &frame, S_MAX_FRAME, 500, &msg,
                                 NULL),
                     DP_EAGAIN);
    assert_int_equal(summarizer_bad_frames(sum), 0);

    dp_service_interrupt();
    assert_int_equal(pthread_join(th, NULL), 0);
    dp_buf_free(&frame);
    dp_bus_destroy(&bus);
    summarizer_destroy(&sum);
    dp_free(in);
    dp_free(out);
    dp_free(pub);
    dp_tk_rmdir(dir);
    dp_free(dir);
    dp_tk_redis_stop(&redis);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_digest_on_a_failed_read_then_the_whole_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
