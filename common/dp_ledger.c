/* dp_ledger.c - a window's life in Redis: one module for its keys */
/* SPDX-License-Identifier: MIT */
#include "dp_ledger.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "dp_config.h"
#include "dp_log.h"
#include "dp_time.h"

#define LEDGER_BATCH 256 /* commands per pipelined round trip */

/* ==== Names ==== */

static void s_win_key(char *buf, size_t size, const dp_ledger_win_t *w,
                      const char *part)
{
    dp_store_key(buf, size, "{%s}:w:%" PRId64 ":%" PRId64 ":%s", w->repo,
                 w->from, w->to, part);
}

bool dp_ledger_win_same(const dp_ledger_win_t *a, const dp_ledger_win_t *b)
{
    assert(a && b);
    return a->from == b->from && a->to == b->to &&
           strcmp(a->repo ? a->repo : "", b->repo ? b->repo : "") == 0;
}

static void s_pending_key(char *buf, size_t size)
{
    dp_store_key(buf, size, "pending");
}

static int64_t s_len(const dp_ledger_win_t *w)
{
    return w->to > w->from ? w->to - w->from : 0;
}

int64_t dp_ledger_expiry(const dp_ledger_win_t *w, int64_t now)
{
    assert(w);
    int64_t done = now > w->to ? now : w->to;
    return done + s_len(w) + DP_LEDGER_MARGIN_S;
}

void dp_ledger_name(char *buf, size_t size, const dp_ledger_win_t *w)
{
    assert(buf && w);
    snprintf(buf, size, "%s:%" PRId64 ":%" PRId64, w->repo ? w->repo : "",
             w->from, w->to);
}

int dp_ledger_parse_name(const char *name, dp_ledger_win_t *w, char *repo,
                         size_t repo_size)
{
    assert(name && w && repo);
    const char *last = strrchr(name, ':');
    if (!last || last == name)
        return DP_EINVAL;
    const char *mid = last - 1;
    while (mid > name && *mid != ':')
        mid--;
    if (mid == name || (size_t)(mid - name) >= repo_size)
        return DP_EINVAL;
    char num[32];
    long from = 0, to = 0;
    size_t n = (size_t)(last - mid - 1);
    if (n == 0 || n >= sizeof num)
        return DP_EINVAL;
    memcpy(num, mid + 1, n);
    num[n] = '\0';
    if (dp_parse_long(num, 0, LONG_MAX, &from) < 0 ||
        dp_parse_long(last + 1, 0, LONG_MAX, &to) < 0 || to <= from)
        return DP_EINVAL;
    memcpy(repo, name, (size_t)(mid - name));
    repo[mid - name] = '\0';
    w->repo = repo;
    w->from = from;
    w->to = to;
    return 0;
}

/* Runs what is queued and frees the replies; the number of replies or
 * DP_EREDIS. */
static int s_flush(dp_store_t *store)
{
    redisReply *replies[8];
    int n = dp_store_flush(store, replies, 8);
    int rc = n;
    for (int i = 0; i < n; i++) {
        if (replies[i]->type == REDIS_REPLY_ERROR)
            rc = DP_EREDIS;
        freeReplyObject(replies[i]);
    }
    return rc;
}

/* Runs a command whose answer is an array: the reply (the caller frees
 * it), or NULL on any failure or other answer. */
static redisReply *s_array(dp_store_t *store, int argc, const char **argv)
{
    redisReply *r = dp_store_command(store, argc, argv, NULL);
    if (r && r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

/* Queues EXPIREAT key at (an instant in the past deletes the key). */
static void s_append_expire(dp_store_t *store, const char *key, int64_t at)
{
    char when[24];
    snprintf(when, sizeof when, "%" PRId64, at);
    const char *argv[] = {"EXPIREAT", key, when};
    dp_store_append(store, 3, argv, NULL);
}

/* SET key value, expiring at `at`, in one round trip. 0 or DP_EREDIS. */
static int s_set_at(dp_store_t *store, const char *key, const char *val,
                    size_t len, int64_t at)
{
    const char *argv[] = {"SET", key, val};
    size_t lens[] = {3, strlen(key), len};
    dp_store_append(store, 3, argv, lens);
    s_append_expire(store, key, at);
    return s_flush(store) == 2 ? 0 : DP_EREDIS;
}

/* ==== Collector: deduplication and revisions ==== */

/* One batch of SADDs and the EXPIRE after it; fresh[i] from each reply. */
static int s_mark_batch(dp_store_t *store, const char *key, int64_t at,
                        const char *const *ids, size_t n, bool *fresh)
{
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"SADD", key, ids[i] ? ids[i] : ""};
        dp_store_append(store, 3, argv, NULL);
    }
    s_append_expire(store, key, at);
    redisReply *replies[LEDGER_BATCH + 1];
    int got = dp_store_flush(store, replies, n + 1);
    if (got < 0)
        return DP_EREDIS;
    for (int i = 0; i < got; i++) {
        if ((size_t)i < n)
            fresh[i] = !(replies[i]->type == REDIS_REPLY_INTEGER &&
                         replies[i]->integer == 0);
        freeReplyObject(replies[i]);
    }
    return 0;
}

int dp_ledger_mark_seen(dp_store_t *store, const dp_ledger_win_t *w,
                        int64_t now, const char *const *ids, size_t n,
                        bool *fresh)
{
    assert(store && w && (ids || n == 0) && (fresh || n == 0));
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "seen");
    int64_t at = dp_ledger_expiry(w, now);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        fresh[i] = true;
    for (size_t i = 0; i < n; i += LEDGER_BATCH) {
        size_t k = n - i < LEDGER_BATCH ? n - i : LEDGER_BATCH;
        if (s_mark_batch(store, key, at, ids + i, k, fresh + i) < 0)
            rc = DP_EREDIS;
    }
    return rc;
}

int64_t dp_ledger_revise(dp_store_t *store, const dp_ledger_win_t *w,
                         int64_t now, long fresh, int64_t first)
{
    assert(store && w);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "rev");
    if (first <= 0)
        first = 1;
    dp_buf_t buf = DP_BUF_INIT;
    long rev = 0;
    int rc = dp_store_get(store, key, &buf);
    if (rc == 0 && dp_parse_long(buf.data, 1, 1000000, &rev) < 0)
        rev = 0;
    dp_buf_free(&buf);
    if (rc == DP_EREDIS)
        return first;
    if (rev == 0)
        rev = first;
    else if (fresh > 0)
        rev++;
    char val[24];
    snprintf(val, sizeof val, "%ld", rev);
    if (s_set_at(store, key, val, strlen(val), dp_ledger_expiry(w, now)) < 0)
        dp_log(DP_LOG_WARN, "cannot record the revision of %s", key);
    return (int64_t)rev;
}

int64_t dp_ledger_revise_open(dp_store_t *store, const dp_ledger_win_t *w,
                              int64_t now, long fresh, int64_t first)
{
    assert(store && w);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "revopen");
    dp_buf_t buf = DP_BUF_INIT;
    long open = 0;
    if (dp_store_get(store, key, &buf) == 0 &&
        dp_parse_long(buf.data, 1, 1000000, &open) < 0)
        open = 0;
    dp_buf_free(&buf);
    if (open > 0)
        return (int64_t)open;
    int64_t rev = dp_ledger_revise(store, w, now, fresh, first);
    if (fresh > 0) {
        char val[24];
        snprintf(val, sizeof val, "%" PRId64, rev);
        if (s_set_at(store, key, val, strlen(val), dp_ledger_expiry(w, now)) <
            0)
            dp_log(DP_LOG_WARN, "cannot record the open revision of %s", key);
    }
    return rev;
}

void dp_ledger_revise_close(dp_store_t *store, const dp_ledger_win_t *w)
{
    assert(store && w);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "revopen");
    const char *del[] = {"DEL", key};
    dp_store_append(store, 2, del, NULL);
    (void)s_flush(store);
}

/* ==== Collector: the pending set ==== */

int dp_ledger_pending_add(dp_store_t *store, const dp_collect_t *req,
                          int64_t now, long watch_s)
{
    assert(store && req);
    dp_ledger_win_t w = {
        .repo = req->repo, .from = req->win_from, .to = req->win_to};
    dp_msg_t msg = {.type = DP_MSG_COLLECT};
    msg.u.collect = *req;
    msg.u.collect.replay = false; /* the request, not this try of it */
    dp_buf_t frame = DP_BUF_INIT;
    int rc = dp_msg_encode(&msg, &frame);
    if (rc < 0)
        goto out;
    char set[DP_LEDGER_KEY_MAX], pend[DP_LEDGER_KEY_MAX];
    char name[DP_LEDGER_KEY_MAX], score[24];
    s_pending_key(set, sizeof set);
    s_win_key(pend, sizeof pend, &w, "pend");
    dp_ledger_name(name, sizeof name, &w);
    snprintf(score, sizeof score, "%" PRId64, now + watch_s);
    /* NX: a window pending already keeps the deadline the watchdog set. */
    const char *zadd[] = {"ZADD", set, "NX", score, name};
    const char *hset[] = {"HSET", pend, "req", frame.data};
    size_t lens[] = {4, strlen(pend), 3, frame.len};
    dp_store_append(store, 5, zadd, NULL);
    dp_store_append(store, 4, hset, lens);
    s_append_expire(store, pend, dp_ledger_expiry(&w, now));
    rc = s_flush(store) < 0 ? DP_EREDIS : 0;
out:
    dp_buf_free(&frame);
    return rc;
}

void dp_ledger_pending_drop(dp_store_t *store, const dp_ledger_win_t *w)
{
    assert(store && w);
    char set[DP_LEDGER_KEY_MAX], pend[DP_LEDGER_KEY_MAX];
    char name[DP_LEDGER_KEY_MAX];
    s_pending_key(set, sizeof set);
    s_win_key(pend, sizeof pend, w, "pend");
    dp_ledger_name(name, sizeof name, w);
    const char *zrem[] = {"ZREM", set, name};
    const char *del[] = {"DEL", pend};
    dp_store_append(store, 3, zrem, NULL);
    dp_store_append(store, 2, del, NULL);
    (void)s_flush(store);
}

bool dp_ledger_pending_has(dp_store_t *store, const dp_ledger_win_t *w)
{
    assert(store && w);
    char set[DP_LEDGER_KEY_MAX], name[DP_LEDGER_KEY_MAX];
    s_pending_key(set, sizeof set);
    dp_ledger_name(name, sizeof name, w);
    const char *argv[] = {"ZSCORE", set, name};
    redisReply *r = dp_store_command(store, 3, argv, NULL);
    bool has = r && r->type == REDIS_REPLY_STRING;
    if (r)
        freeReplyObject(r);
    return has;
}

int dp_ledger_pending_due(dp_store_t *store, int64_t now, size_t max,
                          dp_strs_t *names)
{
    assert(store && names);
    char set[DP_LEDGER_KEY_MAX], until[24], count[24];
    s_pending_key(set, sizeof set);
    snprintf(until, sizeof until, "%" PRId64, now);
    snprintf(count, sizeof count, "%zu", max);
    const char *argv[] = {"ZRANGEBYSCORE", set, "-inf", until,
                          "LIMIT",         "0", count};
    redisReply *r = s_array(store, 7, argv);
    if (!r)
        return DP_EREDIS;
    int n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING)
            continue;
        dp_strs_push(names, r->element[i]->str);
        n++;
    }
    freeReplyObject(r);
    return n;
}

int dp_ledger_pending_try(dp_store_t *store, const char *name, int64_t now,
                          long watch_s, long max_frame, dp_msg_t *msg)
{
    assert(store && name && msg);
    memset(msg, 0, sizeof *msg);
    char repo[DP_LEDGER_KEY_MAX], set[DP_LEDGER_KEY_MAX];
    char pend[DP_LEDGER_KEY_MAX], err[128];
    dp_ledger_win_t w;
    s_pending_key(set, sizeof set);
    if (dp_ledger_parse_name(name, &w, repo, sizeof repo) < 0) {
        const char *zrem[] = {"ZREM", set, name};
        redisReply *r = dp_store_command(store, 3, zrem, NULL);
        if (r)
            freeReplyObject(r);
        return DP_ENOTFOUND;
    }
    s_win_key(pend, sizeof pend, &w, "pend");
    const char *get[] = {"HGET", pend, "req"};
    const char *incr[] = {"HINCRBY", pend, "tries", "1"};
    dp_store_append(store, 3, get, NULL);
    dp_store_append(store, 4, incr, NULL);
    redisReply *rr[2];
    int n = dp_store_flush(store, rr, 2);
    if (n < 2) {
        for (int i = 0; i < n; i++)
            freeReplyObject(rr[i]);
        return DP_EREDIS;
    }
    bool ok = rr[0]->type == REDIS_REPLY_STRING &&
              dp_msg_decode(rr[0]->str, rr[0]->len, (size_t)max_frame, msg, err,
                            sizeof err) == 0 &&
              msg->type == DP_MSG_COLLECT;
    long long tries = rr[1]->type == REDIS_REPLY_INTEGER ? rr[1]->integer : 1;
    freeReplyObject(rr[0]);
    freeReplyObject(rr[1]);
    if (!ok) {
        if (msg->type)
            dp_msg_clear(msg);
        dp_ledger_pending_drop(store, &w);
        return DP_ENOTFOUND;
    }
    /* Move the deadline first: a replica that reads the set meanwhile
     * leaves the window alone. */
    char score[24];
    snprintf(score, sizeof score, "%" PRId64,
             now + (int64_t)watch_s * (int64_t)(tries + 1));
    const char *move[] = {"ZADD", set, "XX", score, name};
    dp_store_append(store, 5, move, NULL);
    (void)s_flush(store);
    return tries > INT32_MAX ? INT32_MAX : (int)tries;
}

/* ==== Summarizer: stored events and the WINDOW message ==== */

/* Queues the command that stores one frame. */
static void s_append_put(dp_store_t *store, const char *key,
                         const dp_ledger_put_t *p)
{
    if (p->id) {
        const char *argv[] = {"HSET", key, p->id, p->frame};
        size_t lens[] = {4, strlen(key), strlen(p->id), p->len};
        dp_store_append(store, 4, argv, lens);
    } else {
        const char *argv[] = {"SET", key, p->frame};
        size_t lens[] = {3, strlen(key), p->len};
        dp_store_append(store, 3, argv, lens);
    }
}

void dp_ledger_put_send(dp_store_t *store, int64_t now, dp_ledger_put_t *puts,
                        size_t n)
{
    assert(store && (puts || n == 0));
    if (n == 0)
        return;
    /* The reply of each put is at puts[i].reply; the EXPIREATs in
     * between. */
    size_t queued = 0;
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, &puts[0].win, puts[0].id ? "ev" : "meta");
    for (size_t i = 0; i < n; i++) {
        assert(puts[i].frame);
        puts[i].grew = false;
        s_append_put(store, key, &puts[i]);
        puts[i].reply = queued++;
        /* A run of one window's events shares its key and one EXPIREAT;
         * the key is written out again only where the run ends. */
        bool last = i + 1 == n;
        bool same = !last && !puts[i].id == !puts[i + 1].id &&
                    dp_ledger_win_same(&puts[i].win, &puts[i + 1].win);
        if (!same) {
            s_append_expire(store, key, dp_ledger_expiry(&puts[i].win, now));
            queued++;
        }
        if (!last && !same)
            s_win_key(key, sizeof key, &puts[i + 1].win,
                      puts[i + 1].id ? "ev" : "meta");
    }
    dp_store_send(store);
}

int dp_ledger_put_collect(dp_store_t *store, dp_ledger_put_t *puts, size_t n)
{
    assert(store && (puts || n == 0));
    size_t queued = dp_store_pending(store);
    if (n == 0 || queued == 0)
        return n == 0 ? 0 : DP_EREDIS;
    redisReply **replies = dp_calloc(queued, sizeof *replies);
    int got = dp_store_flush(store, replies, queued);
    int rc = got == (int)queued ? 0 : DP_EREDIS;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const redisReply *r = replies[puts[i].reply];
        if (r->type == REDIS_REPLY_ERROR)
            rc = DP_EREDIS;
        else if (puts[i].id)
            puts[i].grew = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    }
    for (int i = 0; i < got; i++)
        freeReplyObject(replies[i]);
    dp_free(replies);
    return rc;
}

int dp_ledger_put_batch(dp_store_t *store, int64_t now, dp_ledger_put_t *puts,
                        size_t n)
{
    dp_ledger_put_send(store, now, puts, n);
    return dp_ledger_put_collect(store, puts, n);
}

int dp_ledger_put_event(dp_store_t *store, const dp_ledger_win_t *w,
                        int64_t now, const char *id, const char *frame,
                        size_t len, bool *grew)
{
    assert(store && w && frame && grew);
    dp_ledger_put_t p = {
        .win = *w, .id = id ? id : "", .frame = frame, .len = len};
    int rc = dp_ledger_put_batch(store, now, &p, 1);
    *grew = rc == 0 && p.grew;
    return rc;
}

int dp_ledger_put_window(dp_store_t *store, const dp_ledger_win_t *w,
                         int64_t now, const char *frame, size_t len)
{
    assert(store && w && frame);
    dp_ledger_put_t p = {.win = *w, .frame = frame, .len = len};
    return dp_ledger_put_batch(store, now, &p, 1);
}

int dp_ledger_get_window(dp_store_t *store, const dp_ledger_win_t *w,
                         dp_buf_t *out)
{
    assert(store && w && out);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "meta");
    return dp_store_get(store, key, out);
}

int dp_ledger_get_event(dp_store_t *store, const dp_ledger_win_t *w,
                        const char *id, dp_buf_t *out)
{
    assert(store && w && id && out);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "ev");
    const char *argv[] = {"HGET", key, id};
    return dp_store_fetch(store, 3, argv, out);
}

long dp_ledger_count_events(dp_store_t *store, const dp_ledger_win_t *w)
{
    assert(store && w);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "ev");
    const char *argv[] = {"HLEN", key};
    redisReply *r = dp_store_command(store, 2, argv, NULL);
    long n = r && r->type == REDIS_REPLY_INTEGER ? (long)r->integer : DP_EREDIS;
    if (r)
        freeReplyObject(r);
    return n;
}

redisReply *dp_ledger_events(dp_store_t *store, const dp_ledger_win_t *w)
{
    assert(store && w);
    char key[DP_LEDGER_KEY_MAX];
    s_win_key(key, sizeof key, w, "ev");
    const char *argv[] = {"HVALS", key};
    redisReply *r = dp_store_command(store, 2, argv, NULL);
    if (r && r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

int dp_ledger_scan_events(dp_store_t *store, const dp_ledger_win_t *w,
                          char *cursor, long count, redisReply **page)
{
    assert(store && w && cursor && page);
    char key[DP_LEDGER_KEY_MAX], num[24];
    s_win_key(key, sizeof key, w, "ev");
    snprintf(num, sizeof num, "%ld", count > 0 ? count : 1);
    const char *argv[] = {"HSCAN", key, cursor, "COUNT", num};
    redisReply *r = dp_store_command(store, 5, argv, NULL);
    *page = NULL;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING ||
        r->element[0]->len >= DP_LEDGER_CURSOR_MAX ||
        r->element[1]->type != REDIS_REPLY_ARRAY) {
        if (r)
            freeReplyObject(r);
        return DP_EREDIS;
    }
    memcpy(cursor, r->element[0]->str, r->element[0]->len);
    cursor[r->element[0]->len] = '\0';
    *page = r->element[1];
    r->element[1] = NULL; /* kept: the outer reply goes */
    r->elements = 1;
    freeReplyObject(r);
    return 0;
}

/* ==== Summarizer and renderer: item lists ==== */

static void s_items_key(char *buf, size_t size, const dp_ledger_win_t *w,
                        int64_t rev)
{
    char part[48];
    snprintf(part, sizeof part, "items:%" PRId64, rev);
    s_win_key(buf, size, w, part);
}

int dp_ledger_put_items(dp_store_t *store, const dp_ledger_win_t *w,
                        int64_t rev, int64_t now, size_t first,
                        const char *const *items, const size_t *lens, size_t n)
{
    assert(store && w && (items || n == 0));
    char key[DP_LEDGER_KEY_MAX];
    s_items_key(key, sizeof key, w, rev);
    size_t queued = 0;
    if (first == 0) {
        const char *argv[] = {"DEL", key};
        dp_store_append(store, 2, argv, NULL);
        queued++;
    }
    if (n > 0) {
        /* One HSET of every field: one command for the server to run. */
        size_t argc = 2 + 2 * n;
        const char **argv = dp_calloc(argc, sizeof *argv);
        size_t *l = dp_calloc(argc, sizeof *l);
        char (*fields)[24] = dp_calloc(n, sizeof *fields);
        argv[0] = "HSET";
        l[0] = 4;
        argv[1] = key;
        l[1] = strlen(key);
        for (size_t i = 0; i < n; i++) {
            int len = snprintf(fields[i], sizeof fields[i], "%zu", first + i);
            argv[2 + 2 * i] = fields[i];
            l[2 + 2 * i] = (size_t)len;
            argv[3 + 2 * i] = items[i];
            l[3 + 2 * i] = lens[i];
        }
        dp_store_append(store, (int)argc, argv, l);
        queued++;
        dp_free(fields);
        dp_free(l);
        dp_free(argv);
    }
    s_append_expire(store, key, dp_ledger_expiry(w, now));
    queued++;
    redisReply **replies = dp_calloc(queued, sizeof *replies);
    int got = dp_store_flush(store, replies, queued);
    int rc = got == (int)queued ? 0 : DP_EREDIS;
    for (int i = 0; i < got; i++) {
        if (replies[i]->type == REDIS_REPLY_ERROR)
            rc = DP_EREDIS;
        freeReplyObject(replies[i]);
    }
    dp_free(replies);
    return rc;
}

redisReply *dp_ledger_get_items(dp_store_t *store, const dp_ledger_win_t *w,
                                int64_t rev, size_t first, size_t n)
{
    assert(store && w && n > 0);
    char key[DP_LEDGER_KEY_MAX];
    s_items_key(key, sizeof key, w, rev);
    const char **argv = dp_calloc(n + 2, sizeof *argv);
    char *fields = dp_calloc(n, 24);
    argv[0] = "HMGET";
    argv[1] = key;
    for (size_t i = 0; i < n; i++) {
        snprintf(fields + i * 24, 24, "%zu", first + i);
        argv[i + 2] = fields + i * 24;
    }
    redisReply *r = dp_store_command(store, (int)(n + 2), argv, NULL);
    dp_free(fields);
    dp_free(argv);
    if (r && (r->type != REDIS_REPLY_ARRAY || r->elements != n)) {
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

/* ==== Summarizer: summaries ==== */

/* The summary key of the window k windows before w (k = 0: w itself). An
 * hourly, daily or weekly window aligned in its zone steps back by its
 * kind, following daylight saving changes; any other by its length. */
static void s_sum_key(char *buf, size_t size, const dp_ledger_win_t *w, int k)
{
    dp_window_kind_t kind;
    const char *zone = w->zone && *w->zone ? w->zone : "UTC";
    int64_t from = w->from, to = w->to, f, t;
    if (dp_window_kind_of(from, to, zone, &kind) == 0 &&
        dp_window_in_zone(from, kind, zone, &f, &t) == 0 && f == from &&
        t == to) {
        for (int i = 0; i < k; i++) {
            if (dp_window_in_zone(from - 1, kind, zone, &f, &t) < 0)
                break;
            from = f;
        }
        dp_store_key(buf, size, "{%s}:sum:%s:%" PRId64, w->repo,
                     dp_window_kind_name(kind), from);
        return;
    }
    int64_t len = s_len(w);
    dp_store_key(buf, size, "{%s}:sum:%" PRId64 "s:%" PRId64, w->repo, len,
                 from - k * len);
}

int dp_ledger_put_summary(dp_store_t *store, const dp_ledger_win_t *w,
                          int64_t now, const char *json, size_t len)
{
    assert(store && w && json);
    char key[DP_LEDGER_KEY_MAX];
    int64_t wlen = s_len(w);
    s_sum_key(key, sizeof key, w, 0);
    int64_t at = dp_ledger_expiry(w, now) + DP_LEDGER_HISTORY * wlen;
    return s_set_at(store, key, json, len, at);
}

int dp_ledger_get_summary(dp_store_t *store, const dp_ledger_win_t *w, int k,
                          dp_buf_t *out)
{
    assert(store && w && out && k >= 1);
    char key[DP_LEDGER_KEY_MAX];
    s_sum_key(key, sizeof key, w, k);
    return dp_store_get(store, key, out);
}

/* ==== Summarizer: the LLM cache ==== */

void dp_ledger_llm_key(char *buf, size_t size, const char *hex)
{
    dp_store_key(buf, size, "llm:%s", hex);
}

/* ==== Renderer and consumers: the log of published reports ==== */

int dp_ledger_log_report(dp_store_t *store, const void *frame, size_t len)
{
    assert(store && frame);
    char key[DP_LEDGER_KEY_MAX], max[24], ttl[24];
    dp_store_key(key, sizeof key, "reports");
    snprintf(max, sizeof max, "%ld", DP_LEDGER_REPORTS_MAX);
    snprintf(ttl, sizeof ttl, "%ld", DP_LEDGER_SENT_KEEP_S);
    const char *argv[] = {"XADD", key, "MAXLEN", "~", max, "*", "f", frame};
    size_t lens[] = {4, strlen(key), 6, 1, strlen(max), 1, 1, len};
    dp_store_append(store, 8, argv, lens);
    const char *expire[] = {"EXPIRE", key, ttl};
    dp_store_append(store, 3, expire, NULL);
    return s_flush(store) == 2 ? 0 : DP_EREDIS;
}

void dp_ledger_reports_cursor(char *cursor, size_t size, int64_t t)
{
    assert(cursor);
    /* Stream ids are "MILLISECONDS-SEQ"; reading is after the cursor. */
    int64_t ms = t > 0 ? t * 1000 - 1 : 0;
    snprintf(cursor, size, "%" PRId64 "-%s", ms < 0 ? 0 : ms,
             ms > 0 ? "18446744073709551615" : "0");
}

int dp_ledger_reports_read(dp_store_t *store, char *cursor, size_t max,
                           void (*fn)(void *arg, const char *frame, size_t len),
                           void *arg)
{
    assert(store && cursor && fn && max > 0);
    char key[DP_LEDGER_KEY_MAX], start[DP_LEDGER_REPORTS_CURSOR + 1];
    char count[24];
    dp_store_key(key, sizeof key, "reports");
    snprintf(start, sizeof start, "(%s", cursor);
    snprintf(count, sizeof count, "%zu", max);
    const char *argv[] = {"XRANGE", key, start, "+", "COUNT", count};
    redisReply *r = s_array(store, 6, argv);
    if (!r)
        return DP_EREDIS;
    int n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING ||
            e->element[0]->len >= DP_LEDGER_REPORTS_CURSOR)
            continue;
        snprintf(cursor, DP_LEDGER_REPORTS_CURSOR, "%s", e->element[0]->str);
        const redisReply *fields = e->element[1];
        if (fields->type == REDIS_REPLY_ARRAY && fields->elements == 2 &&
            fields->element[1]->type == REDIS_REPLY_STRING) {
            fn(arg, fields->element[1]->str, fields->element[1]->len);
            n++;
        }
    }
    freeReplyObject(r);
    return n;
}

/* ==== Consumers: one delivery per window, revision and sink ==== */

#define LEDGER_CLAIM "claim"

static void s_sent_key(char *buf, size_t size, const dp_ledger_win_t *w,
                       int64_t rev, const char *sink)
{
    char part[128];
    snprintf(part, sizeof part, "sent:%" PRId64 ":%s", rev, sink);
    s_win_key(buf, size, w, part);
}

int dp_ledger_claim(dp_store_t *store, const dp_ledger_win_t *w, int64_t rev,
                    const char *sink, long claim_s, char *state, size_t size)
{
    assert(store && w && sink && claim_s > 0);
    assert(!state || size >= 8);
    char key[DP_LEDGER_KEY_MAX], ttl[24];
    s_sent_key(key, sizeof key, w, rev, sink);
    snprintf(ttl, sizeof ttl, "%ld", claim_s);
    const char *argv[] = {"SET", key, LEDGER_CLAIM, "NX", "EX", ttl};
    redisReply *r = dp_store_command(store, 6, argv, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        if (r)
            freeReplyObject(r);
        return DP_EREDIS;
    }
    int claimed = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    if (claimed || !state)
        return claimed;
    dp_buf_t val = {0};
    int rc = dp_store_get(store, key, &val);
    snprintf(state, size, "%.*s", rc == 0 ? (int)val.len : 0,
             rc == 0 ? val.data : "");
    dp_buf_free(&val);
    return rc == DP_EREDIS ? DP_EREDIS : 0;
}

int dp_ledger_claim_renew(dp_store_t *store, const dp_ledger_win_t *w,
                          int64_t rev, const char *sink, long claim_s)
{
    assert(store && w && sink && claim_s > 0);
    char key[DP_LEDGER_KEY_MAX];
    s_sent_key(key, sizeof key, w, rev, sink);
    return dp_store_set(store, key, LEDGER_CLAIM, strlen(LEDGER_CLAIM),
                        claim_s);
}

int dp_ledger_settle(dp_store_t *store, const dp_ledger_win_t *w, int64_t rev,
                     const char *sink, const char *state, int64_t now)
{
    assert(store && w && sink && state);
    char key[DP_LEDGER_KEY_MAX];
    s_sent_key(key, sizeof key, w, rev, sink);
    return s_set_at(store, key, state, strlen(state),
                    dp_ledger_expiry(w, now) + DP_LEDGER_SENT_KEEP_S);
}

void dp_ledger_unclaim(dp_store_t *store, const dp_ledger_win_t *w, int64_t rev,
                       const char *sink)
{
    assert(store && w && sink);
    char key[DP_LEDGER_KEY_MAX];
    s_sent_key(key, sizeof key, w, rev, sink);
    const char *argv[] = {"EVAL",
                          "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                          "return redis.call('DEL', KEYS[1]) end return 0",
                          "1", key, LEDGER_CLAIM};
    redisReply *r = dp_store_command(store, 5, argv, NULL);
    if (r)
        freeReplyObject(r);
}
