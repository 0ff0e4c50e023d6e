/* bench_store.c - dp_store round trips and batches, on one Redis and on a
 * three-node Redis Cluster */
/* SPDX-License-Identifier: MIT */
/*
 * Through dp_store (the module every service talks to Redis with): SET NX
 * one command at a time (a round trip each), and SADD in pipelined batches
 * of 100 (the ledger's dedup writes), on a private redis-server over a unix
 * socket, then the same on a three-node cluster
 * started by the tests' helpers (keys spread over every slot, each batch
 * split by node). Each figure is the best of RUNS runs. Printed as
 * "name: value unit"; the cluster figures are left out, with a line saying
 * why, when redis-cli is missing or the store cannot reach a cluster.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_bench.h"
#include "dp_log.h"
#include "dp_store.h"
#include "dp_testkit.h"

#define SINGLES 20000  /* SET NX, one round trip each */
#define BATCHED 200000 /* SADD, pipelined */
#define BATCH 100      /* commands per batch */
#define RUNS 3         /* best of */
#define KEY_MAX 64

static const char *s_prog = "bench_store";

/* SET NX of n fresh keys, one at a time: commands a second. */
static double s_singles(dp_store_t *store, const char *tag, int run)
{
    char key[KEY_MAX];
    double t0 = dp_bench_now_ms();
    for (int i = 0; i < SINGLES; i++) {
        snprintf(key, sizeof key, "b:%s:%d:s%d", tag, run, i);
        const char *argv[] = {"SET", key, "1", "NX"};
        redisReply *r = dp_store_command(store, 4, argv, NULL);
        if (!r || r->type == REDIS_REPLY_ERROR)
            dp_bench_die(s_prog, "SET NX failed");
        freeReplyObject(r);
    }
    return SINGLES / ((dp_bench_now_ms() - t0) / 1000.0);
}

/* SADD of n members to keys of every slot, BATCH to a flush: commands a
 * second. */
static double s_batched(dp_store_t *store, const char *tag, int run)
{
    char key[KEY_MAX], member[32];
    redisReply *replies[BATCH];
    double t0 = dp_bench_now_ms();
    for (int i = 0; i < BATCHED; i += BATCH) {
        for (int k = 0; k < BATCH; k++) {
            snprintf(key, sizeof key, "b:%s:%d:set%d", tag, run, (i + k) % 997);
            snprintf(member, sizeof member, "m%d", i + k);
            const char *argv[] = {"SADD", key, member};
            dp_store_append(store, 3, argv, NULL);
        }
        if (dp_store_flush(store, replies, BATCH) != BATCH)
            dp_bench_die(s_prog, "batch failed");
        for (int k = 0; k < BATCH; k++)
            freeReplyObject(replies[k]);
    }
    return BATCHED / ((dp_bench_now_ms() - t0) / 1000.0);
}

/* Prints the best of RUNS of both figures for the store at url. */
static bool s_measure(const char *url, const char *name)
{
    char err[256] = "";
    dp_store_t *store = dp_store_new(url, err, sizeof err);
    if (!store || !dp_store_ping(store)) {
        fprintf(stderr, "%s: %s: store not reachable %s\n", s_prog, name, err);
        dp_store_destroy(&store);
        return false;
    }
    double single = 0, batched = 0;
    for (int run = 0; run < RUNS; run++) {
        double s = s_singles(store, name, run);
        double b = s_batched(store, name, run);
        single = s > single ? s : single;
        batched = b > batched ? b : batched;
    }
    printf("store_%s_set_nx_per_s: %.0f ops/s\n", name, single);
    printf("store_%s_batched_per_s: %.0f ops/s\n", name, batched);
    fflush(stdout);
    dp_store_destroy(&store);
    return true;
}

int main(void)
{
    dp_log_set_level(DP_LOG_ERROR);
    dp_tk_redis_t redis = {0};
    if (dp_tk_redis_start(&redis) < 0)
        dp_bench_die(s_prog, "cannot start redis-server");
    s_measure(redis.url, "unix");
    dp_tk_redis_stop(&redis);

    dp_tk_cluster_t cluster = {0};
    int rc = dp_tk_cluster_start(&cluster);
    if (rc == 0) {
        if (!s_measure(cluster.url, "cluster"))
            printf("bench_store: the store does not reach a cluster here; "
                   "cluster figures left out\n");
    } else {
        printf("bench_store: no cluster (%s); cluster figures left out\n",
               rc == DP_ENOTFOUND ? "redis-cli or redis-server missing"
                                  : "it did not start");
    }
    dp_tk_cluster_stop(&cluster);
    return 0;
}
