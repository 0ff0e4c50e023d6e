/* schedule.c - which windows are due, and leases that share repositories
 * between collector replicas */
/* SPDX-License-Identifier: MIT */
#include "schedule.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "dp_config.h"
#include "dp_log.h"

#define SCHEDULE_KEY_MAX 512

/* Renews only the holder's own lease: check and extend in one step. */
static const char *const s_renew_lua =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
static const char *const s_release_lua =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";

int schedule_due(int64_t done_until, int64_t now, long grace_s,
                 dp_window_kind_t kind, const char *zone, size_t max,
                 schedule_window_t *out)
{
    schedule_window_t cur;
    /* The latest window that closed grace_s ago or earlier. */
    if (dp_window_in_zone(now - grace_s, kind, zone, &cur.from, &cur.to) < 0)
        return DP_EINVAL;
    schedule_window_t last;
    if (schedule_previous(&cur, kind, zone, &last) < 0)
        return DP_EINVAL;
    if (max == 0)
        return 0;
    if (done_until <= 0 || done_until > last.to) {
        if (done_until > last.to)
            return 0; /* ahead of the clock: nothing to do */
        out[0] = last;
        return 1;
    }
    /* From the window that contains done_until: its start, unless the
     * zone or the kind changed since the mark was written. */
    schedule_window_t w;
    if (dp_window_in_zone(done_until, kind, zone, &w.from, &w.to) < 0)
        return DP_EINVAL;
    return dp_window_list(w.from, last.to, kind, zone, max, out);
}

int schedule_from(int64_t done_until, int64_t since, dp_window_kind_t kind,
                  const char *zone, int64_t *start)
{
    assert(start);
    *start = done_until;
    if (done_until > 0 || since <= 0)
        return 0;
    schedule_window_t first;
    if (dp_window_at_or_after(since, kind, zone, &first) < 0)
        return DP_EINVAL;
    *start = first.from;
    return 0;
}

int schedule_previous(const schedule_window_t *w, dp_window_kind_t kind,
                      const char *zone, schedule_window_t *out)
{
    return dp_window_in_zone(w->from - 1, kind, zone, &out->from, &out->to);
}

/* Every key of a repository carries it as a hash tag, {owner/repo}, so
 * they share one Redis Cluster slot (docs/reliability.md). */
static void s_lease_key(char *buf, size_t size, const char *repo)
{
    dp_store_key(buf, size, "{%s}:lease", repo);
}

bool schedule_lease(dp_store_t *store, const char *repo, const char *owner,
                    long ttl_ms)
{
    char key[SCHEDULE_KEY_MAX], ttl[24];
    s_lease_key(key, sizeof key, repo);
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    const char *take[] = {"SET", key, owner, "NX", "PX", ttl};
    redisReply *r = dp_store_command(store, 6, take, NULL);
    bool held = r && r->type == REDIS_REPLY_STATUS;
    if (r)
        freeReplyObject(r);
    if (held)
        return true;
    const char *renew[] = {"EVAL", s_renew_lua, "1", key, owner, ttl};
    r = dp_store_command(store, 6, renew, NULL);
    held = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r)
        freeReplyObject(r);
    return held;
}

void schedule_release(dp_store_t *store, const char *repo, const char *owner)
{
    char key[SCHEDULE_KEY_MAX];
    s_lease_key(key, sizeof key, repo);
    const char *argv[] = {"EVAL", s_release_lua, "1", key, owner};
    redisReply *r = dp_store_command(store, 5, argv, NULL);
    if (r)
        freeReplyObject(r);
}

static void s_done_key(char *buf, size_t size, const char *repo,
                       dp_window_kind_t kind)
{
    dp_store_key(buf, size, "{%s}:sched:%s", repo, dp_window_kind_name(kind));
}

int64_t schedule_done_until(dp_store_t *store, const char *repo,
                            dp_window_kind_t kind)
{
    char key[SCHEDULE_KEY_MAX];
    s_done_key(key, sizeof key, repo, kind);
    dp_buf_t buf = DP_BUF_INIT;
    long v = 0;
    int rc = dp_store_get(store, key, &buf);
    if (rc == DP_ENOTFOUND) {
        /* Written before the key carried its hash tag: read once, then
         * written under the new name by schedule_set_done. */
        dp_store_key(key, sizeof key, "sched:%s:%s", repo,
                     dp_window_kind_name(kind));
        rc = dp_store_get(store, key, &buf);
    }
    if (rc == 0 && dp_parse_long(buf.data, 0, 0x7fffffffffffL, &v) < 0)
        v = 0;
    dp_buf_free(&buf);
    return v;
}

int schedule_set_done(dp_store_t *store, const char *repo,
                      dp_window_kind_t kind, int64_t until)
{
    char key[SCHEDULE_KEY_MAX], val[24];
    s_done_key(key, sizeof key, repo, kind);
    snprintf(val, sizeof val, "%lld", (long long)until);
    /* Kept for a year: the schedule of a watched repository is small. */
    return dp_store_set(store, key, val, strlen(val), 365L * 86400L);
}
