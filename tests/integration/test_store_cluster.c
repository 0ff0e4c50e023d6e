/* test_store_cluster.c - dp_store against a real three-node Redis Cluster */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_ledger.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_store.h"
#include "dp_testkit.h"

#define S_KEYS 300 /* keys spread over every node */

typedef struct {
    dp_tk_cluster_t cluster;
    dp_store_t *store;
} s_ctx_t;

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    *state = ctx;
    return 0;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    dp_store_destroy(&ctx->store);
    dp_tk_cluster_stop(&ctx->cluster);
    dp_free(ctx);
    return 0;
}

static dp_store_t *s_store(const char *url)
{
    char err[256] = "";
    dp_store_t *store = dp_store_new(url, err, sizeof err);
    if (!store)
        fail_msg("dp_store_new: %s", err);
    return store;
}

static void s_start(s_ctx_t *ctx)
{
    dp_tk_cluster_start_or_skip(&ctx->cluster);
    ctx->store = s_store(ctx->cluster.url);
}

/* Runs a command through the store; asserts a status or string reply
 * equal to want (NULL: nil). */
static void s_expect(dp_store_t *store, const char *want, int argc,
                     const char **argv)
{
    redisReply *r = dp_store_command(store, argc, argv, NULL);
    assert_non_null(r);
    if (!want) {
        assert_int_equal(r->type, REDIS_REPLY_NIL);
    } else {
        if (r->type == REDIS_REPLY_ERROR)
            fail_msg("%s %s: %s", argv[0], argc > 1 ? argv[1] : "", r->str);
        assert_string_equal(r->str, want);
    }
    freeReplyObject(r);
}

/* GETs two keys in one batch; asserts their values, in that order. */
static void s_expect_both(dp_store_t *store, const char *k1, const char *v1,
                          const char *k2, const char *v2)
{
    const char *get1[] = {"GET", k1};
    const char *get2[] = {"GET", k2};
    dp_store_append(store, 2, get1, NULL);
    dp_store_append(store, 2, get2, NULL);
    redisReply *replies[2];
    assert_int_equal(dp_store_flush(store, replies, 2), 2);
    assert_int_equal(replies[0]->type, REDIS_REPLY_STRING);
    assert_int_equal(replies[1]->type, REDIS_REPLY_STRING);
    assert_string_equal(replies[0]->str, v1);
    assert_string_equal(replies[1]->str, v2);
    freeReplyObject(replies[0]);
    freeReplyObject(replies[1]);
}

static long long s_int(redisReply *r)
{
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

/* The value of key on node i, asked directly (no redirect followed):
 * the caller frees it; NULL when the node does not hold it. */
static char *s_node_get(s_ctx_t *ctx, int i, const char *key)
{
    redisReply *r = dp_tk_cluster_command(&ctx->cluster, i, "GET %s", key);
    char *v = r && r->type == REDIS_REPLY_STRING ? dp_strdup(r->str) : NULL;
    if (r)
        freeReplyObject(r);
    return v;
}

static void s_node_id(s_ctx_t *ctx, int i, char *id, size_t size)
{
    redisReply *r = dp_tk_cluster_command(&ctx->cluster, i, "CLUSTER MYID");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    snprintf(id, size, "%s", r->str);
    freeReplyObject(r);
}

static void s_ok(redisReply *r, const char *what)
{
    if (!r || r->type == REDIS_REPLY_ERROR)
        fail_msg("%s: %s", what, r ? r->str : "no answer");
    freeReplyObject(r);
}

/* A batch of SETs over every slot range, then GETs: every reply in the
 * order queued, and each node holds a part of the keys. */
static void test_batches_mix_slots_and_keep_their_order(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    assert_true(dp_store_clustered(ctx->store));
    assert_true(dp_store_ping(ctx->store));
    char key[S_KEYS][32], val[S_KEYS][32];
    for (int i = 0; i < S_KEYS; i++) {
        snprintf(key[i], sizeof key[i], "k%d", i);
        snprintf(val[i], sizeof val[i], "v%d", i * 7);
        const char *set[] = {"SET", key[i], val[i]};
        dp_store_append(ctx->store, 3, set, NULL);
    }
    for (int i = 0; i < S_KEYS; i++) {
        const char *get[] = {"GET", key[i]};
        dp_store_append(ctx->store, 2, get, NULL);
    }
    redisReply *replies[2 * S_KEYS];
    assert_int_equal(dp_store_flush(ctx->store, replies, 2 * S_KEYS),
                     2 * S_KEYS);
    for (int i = 0; i < S_KEYS; i++) {
        assert_int_equal(replies[i]->type, REDIS_REPLY_STATUS);
        assert_int_equal(replies[S_KEYS + i]->type, REDIS_REPLY_STRING);
        assert_string_equal(replies[S_KEYS + i]->str, val[i]);
    }
    for (int i = 0; i < 2 * S_KEYS; i++)
        freeReplyObject(replies[i]);
    long long total = 0;
    for (int n = 0; n < DP_TK_CLUSTER_NODES; n++) {
        long long keys =
            s_int(dp_tk_cluster_command(&ctx->cluster, n, "DBSIZE"));
        assert_true(keys > 0);
        total += keys;
    }
    assert_int_equal(total, S_KEYS);
    /* Each went straight to its node: none was refused with MOVED. */
    for (int n = 0; n < DP_TK_CLUSTER_NODES; n++) {
        redisReply *info =
            dp_tk_cluster_command(&ctx->cluster, n, "INFO commandstats");
        assert_non_null(info);
        assert_int_equal(info->type, REDIS_REPLY_STRING);
        const char *set = strstr(info->str, "cmdstat_set:");
        assert_non_null(set);
        assert_non_null(strstr(set, "rejected_calls=0,"));
        freeReplyObject(info);
    }
    /* One command at a time, too; an error reply is a reply. */
    const char *get[] = {"GET", "k7"};
    s_expect(ctx->store, "v49", 2, get);
    const char *wrong[] = {"HGET", "k7", "f"};
    redisReply *r = dp_store_command(ctx->store, 3, wrong, NULL);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(r->str, "WRONGTYPE"));
    freeReplyObject(r);
    /* A script stays in one slot: its key's. */
    const char *eval[] = {"EVAL", "return redis.call('GET', KEYS[1])", "1",
                          "k9"};
    s_expect(ctx->store, "v63", 4, eval);
}

/* A plain redis:// URL of one node: the first MOVED turns routing on. */
static void test_url_of_one_node_finds_the_cluster(void **state)
{
    s_ctx_t *ctx = *state;
    dp_tk_cluster_start_or_skip(&ctx->cluster);
    char *url = dp_asprintf("redis://127.0.0.1:%d", ctx->cluster.ports[0]);
    ctx->store = s_store(url);
    dp_free(url);
    assert_false(dp_store_clustered(ctx->store));
    /* A key of another node: node 0 answers MOVED. */
    char key[32] = "";
    for (int i = 0; i < 1000 && !key[0]; i++) {
        char k[32];
        snprintf(k, sizeof k, "x%d", i);
        if (dp_tk_cluster_owner(&ctx->cluster, k) == 2)
            snprintf(key, sizeof key, "%s", k);
    }
    assert_true(key[0] != '\0');
    const char *set[] = {"SET", key, "there"};
    s_expect(ctx->store, "OK", 3, set);
    assert_true(dp_store_clustered(ctx->store));
    char *held = s_node_get(ctx, 2, key);
    assert_non_null(held);
    assert_string_equal(held, "there");
    dp_free(held);

    /* The same found by a batch: a fresh store, keys of every node. */
    dp_store_destroy(&ctx->store);
    url = dp_asprintf("redis://127.0.0.1:%d", ctx->cluster.ports[1]);
    ctx->store = s_store(url);
    dp_free(url);
    for (int i = 0; i < 30; i++) {
        char k[32];
        snprintf(k, sizeof k, "b%d", i);
        const char *incr[] = {"INCRBY", k, "5"};
        dp_store_append(ctx->store, 3, incr, NULL);
    }
    redisReply *replies[30];
    assert_int_equal(dp_store_flush(ctx->store, replies, 30), 30);
    assert_true(dp_store_clustered(ctx->store));
    for (int i = 0; i < 30; i++) {
        /* Each INCRBY ran once: redirected ones were not run twice. */
        assert_int_equal(replies[i]->type, REDIS_REPLY_INTEGER);
        assert_int_equal(replies[i]->integer, 5);
        freeReplyObject(replies[i]);
    }
}

/* Moves the slot of key from node `from` to node `to`: IMPORTING,
 * MIGRATING, the keys given moved with MIGRATE, and (when finish) the slot
 * given to `to` on every node. */
static void s_migrate(s_ctx_t *ctx, const char *key, int from, int to,
                      const char *const *keys, size_t nkeys, bool finish)
{
    char src[64], dst[64];
    s_node_id(ctx, from, src, sizeof src);
    s_node_id(ctx, to, dst, sizeof dst);
    unsigned slot = dp_store_slot(key, strlen(key));
    dp_tk_cluster_t *c = &ctx->cluster;
    s_ok(dp_tk_cluster_command(c, to, "CLUSTER SETSLOT %u IMPORTING %s", slot,
                               src),
         "IMPORTING");
    s_ok(dp_tk_cluster_command(c, from, "CLUSTER SETSLOT %u MIGRATING %s", slot,
                               dst),
         "MIGRATING");
    for (size_t i = 0; i < nkeys; i++)
        s_ok(dp_tk_cluster_command(c, from, "MIGRATE 127.0.0.1 %d %s 0 5000",
                                   c->ports[to], keys[i]),
             "MIGRATE");
    if (!finish)
        return;
    for (int n = 0; n < DP_TK_CLUSTER_NODES; n++)
        s_ok(dp_tk_cluster_command(c, n, "CLUSTER SETSLOT %u NODE %s", slot,
                                   dst),
             "SETSLOT NODE");
}

/* A slot moves while the store holds the old map: MOVED is followed, for
 * one command and in a batch. */
static void test_moved_after_a_slot_migrates(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    const char *key = "dp:2:{acme/moving}:lease";
    const char *set[] = {"SET", key, "alpha"};
    s_expect(ctx->store, "OK", 3, set);
    int from = dp_tk_cluster_owner(&ctx->cluster, key);
    assert_true(from >= 0);
    int to = (from + 1) % DP_TK_CLUSTER_NODES;
    const char *keys[] = {key};
    s_migrate(ctx, key, from, to, keys, 1, true);
    assert_int_equal(dp_tk_cluster_owner(&ctx->cluster, key), to);
    char *held = s_node_get(ctx, to, key);
    assert_non_null(held);
    dp_free(held);

    const char *get[] = {"GET", key};
    s_expect(ctx->store, "alpha", 2, get);
    /* Back again, and a batch finds it. */
    s_migrate(ctx, key, to, from, keys, 1, true);
    const char *set2[] = {"SET", key, "beta"};
    const char *other[] = {"SET", "dp:2:{acme/still}:lease", "gamma"};
    dp_store_append(ctx->store, 3, set2, NULL);
    dp_store_append(ctx->store, 3, other, NULL);
    dp_store_append(ctx->store, 2, get, NULL);
    redisReply *replies[3];
    assert_int_equal(dp_store_flush(ctx->store, replies, 3), 3);
    assert_int_equal(replies[0]->type, REDIS_REPLY_STATUS);
    assert_int_equal(replies[2]->type, REDIS_REPLY_STRING);
    assert_string_equal(replies[2]->str, "beta");
    for (int i = 0; i < 3; i++)
        freeReplyObject(replies[i]);
    held = s_node_get(ctx, from, key);
    assert_non_null(held);
    assert_string_equal(held, "beta");
    dp_free(held);
}

/* In the middle of a migration: a key already moved is answered by ASK
 * (followed with ASKING), one not yet moved by its old node. */
static void test_ask_during_a_migration(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    const char *moved = "{acme/half}:a", *stays = "{acme/half}:b";
    const char *set1[] = {"SET", moved, "one"};
    const char *set2[] = {"SET", stays, "two"};
    s_expect(ctx->store, "OK", 3, set1);
    s_expect(ctx->store, "OK", 3, set2);
    int from = dp_tk_cluster_owner(&ctx->cluster, moved);
    int to = (from + 2) % DP_TK_CLUSTER_NODES;
    const char *keys[] = {moved};
    s_migrate(ctx, moved, from, to, keys, 1, false);
    /* The old node no longer has it and says ASK. */
    redisReply *r = dp_tk_cluster_command(&ctx->cluster, from, "GET %s", moved);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_int_equal(strncmp(r->str, "ASK ", 4), 0);
    freeReplyObject(r);

    const char *get1[] = {"GET", moved};
    const char *get2[] = {"GET", stays};
    s_expect(ctx->store, "one", 2, get1);
    s_expect(ctx->store, "two", 2, get2);
    s_expect_both(ctx->store, stays, "two", moved, "one");
    /* ASK changes no map: the slot is still the old node's. */
    assert_int_equal(dp_tk_cluster_owner(&ctx->cluster, stays), from);
}

/* Every node drops the store's connections: the next commands reconnect. */
static void test_lost_connections_are_made_again(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    const char *set[] = {"SET", "k1", "v"};
    const char *set2[] = {"SET", "k2", "w"};
    s_expect(ctx->store, "OK", 3, set);
    s_expect(ctx->store, "OK", 3, set2);
    for (int n = 0; n < DP_TK_CLUSTER_NODES; n++)
        assert_true(s_int(dp_tk_cluster_command(
                        &ctx->cluster, n, "CLIENT KILL TYPE normal")) >= 0);
    const char *get[] = {"GET", "k1"};
    s_expect(ctx->store, "v", 2, get);
    for (int n = 0; n < DP_TK_CLUSTER_NODES; n++)
        (void)s_int(
            dp_tk_cluster_command(&ctx->cluster, n, "CLIENT KILL TYPE normal"));
    s_expect_both(ctx->store, "k1", "v", "k2", "w");
}

/* A node dies: the commands for its slots fail within the bound on
 * redirects, the others are answered; once it is back, the store
 * reconnects to it. */
static void test_a_dead_node_fails_its_slots_until_it_is_back(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    char mine[32] = "", other[32] = "";
    for (int i = 0; i < 1000 && (!mine[0] || !other[0]); i++) {
        char k[32];
        snprintf(k, sizeof k, "d%d", i);
        int owner = dp_tk_cluster_owner(&ctx->cluster, k);
        if (owner == 1 && !mine[0])
            snprintf(mine, sizeof mine, "%s", k);
        if (owner == 0 && !other[0])
            snprintf(other, sizeof other, "%s", k);
    }
    assert_true(mine[0] && other[0]);
    const char *set1[] = {"SET", mine, "1"};
    const char *set0[] = {"SET", other, "0"};
    s_expect(ctx->store, "OK", 3, set1);
    s_expect(ctx->store, "OK", 3, set0);

    dp_tk_cluster_kill(&ctx->cluster, 1);
    const char *get1[] = {"GET", mine};
    const char *get0[] = {"GET", other};
    assert_null(dp_store_command(ctx->store, 2, get1, NULL));
    dp_store_append(ctx->store, 2, get0, NULL);
    dp_store_append(ctx->store, 2, get1, NULL);
    redisReply *replies[2] = {NULL, NULL};
    assert_int_equal(dp_store_flush(ctx->store, replies, 2), DP_EREDIS);
    assert_null(replies[0]);
    assert_null(replies[1]);

    assert_int_equal(dp_tk_cluster_revive(&ctx->cluster, 1), 0);
    /* Its data was never saved: the key is gone, the slot served again. */
    s_expect(ctx->store, NULL, 2, get1);
    s_expect(ctx->store, "OK", 3, set1);
    s_expect_both(ctx->store, other, "0", mine, "1");
}

/* The ledger's batches that mix a repository's keys with the global
 * pending set, and the events of several repositories at once. */
static void test_ledger_batches_across_repositories(void **state)
{
    s_ctx_t *ctx = *state;
    s_start(ctx);
    const int64_t now = (int64_t)time(NULL) / 3600 * 3600; /* keys live */
    const char *repos[] = {"acme/one", "acme/two", "other/three",
                           "vllm-project/vllm"};
    enum { NREPOS = 4 };
    dp_ledger_put_t puts[NREPOS * 3];
    char frames[NREPOS * 3][16], ids[NREPOS * 3][16];
    for (int i = 0; i < NREPOS * 3; i++) {
        snprintf(frames[i], sizeof frames[i], "frame%d", i);
        snprintf(ids[i], sizeof ids[i], "issue:%d", i);
        puts[i] = (dp_ledger_put_t){
            .win = {.repo = repos[i % NREPOS], .from = now, .to = now + 3600},
            .id = ids[i],
            .frame = frames[i],
            .len = strlen(frames[i])};
    }
    assert_int_equal(dp_ledger_put_batch(ctx->store, now, puts, NREPOS * 3), 0);
    for (int i = 0; i < NREPOS * 3; i++)
        assert_true(puts[i].grew);
    for (int r = 0; r < NREPOS; r++) {
        dp_ledger_win_t w = {.repo = repos[r], .from = now, .to = now + 3600};
        assert_int_equal(dp_ledger_count_events(ctx->store, &w), 3);
        dp_collect_t req = {
            .repo = (char *)repos[r], .win_from = now, .win_to = now + 3600};
        assert_int_equal(dp_ledger_pending_add(ctx->store, &req, now, 60), 0);
        assert_true(dp_ledger_pending_has(ctx->store, &w));
    }
    dp_strs_t due = {0};
    assert_int_equal(dp_ledger_pending_due(ctx->store, now + 60, 10, &due),
                     NREPOS);
    for (size_t i = 0; i < due.count; i++) {
        dp_msg_t msg;
        assert_int_equal(dp_ledger_pending_try(ctx->store, due.items[i],
                                               now + 60, 60, 1 << 20, &msg),
                         1);
        dp_msg_clear(&msg);
    }
    dp_strs_clear(&due);
    dp_ledger_win_t w = {.repo = repos[1], .from = now, .to = now + 3600};
    dp_ledger_pending_drop(ctx->store, &w);
    assert_false(dp_ledger_pending_has(ctx->store, &w));
    /* The keys of a repository are all on the node of its slot. */
    int node = dp_tk_cluster_owner(&ctx->cluster, repos[3]);
    redisReply *r = dp_tk_cluster_command(&ctx->cluster, node, "KEYS %s",
                                          "dp:2:{vllm-project/vllm}:*");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2); /* ev and pend */
    freeReplyObject(r);
}

int main(void)
{
    dp_log_set_level(DP_LOG_ERROR);
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_batches_mix_slots_and_keep_their_order),
        T(test_url_of_one_node_finds_the_cluster),
        T(test_moved_after_a_slot_migrates),
        T(test_ask_during_a_migration),
        T(test_lost_connections_are_made_again),
        T(test_a_dead_node_fails_its_slots_until_it_is_back),
        T(test_ledger_batches_across_repositories),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
