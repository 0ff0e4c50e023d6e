/* bench_redis_size.c - Redis memory after a month and after a year of
 * hourly and daily windows of 20 busy repositories */
/* SPDX-License-Identifier: MIT */
/*
 * Writes, through common/dp_ledger (the module the services use), every key
 * the services write for each window: the per-window dedup set, revision,
 * stored events, the WINDOW frame, the summary; and the HTTP cache entries
 * the collector keeps (two listings "since" the window's start, the files
 * and reviews of the PRs the window shows), with the expiry rule of
 * gh_client. Time is simulated: windows end at the real present, and every
 * key gets the absolute expiry a service would have given it at that
 * simulated instant, so Redis itself expires what a year of service would
 * have expired. Printed: memory and keys after 30 and after 365 simulated
 * days, in the same run; with every key expiring, the two are the same.
 *
 * The profile of a busy repository-hour (stated, not measured here): 100
 * events (items and comments) of about 1.5 KB each as stored frames, 10
 * PRs shown (files 15 KB, reviews 6 KB as cached bodies), listing pages
 * of 400 KB (issues) and 250 KB (comments) per hour of updates. Windows
 * older than FULL_DAYS (beyond every key's life) carry 2 small events and
 * one PR, so the year runs in a minute or two; their keys count all the
 * same. DP_BENCH_REDIS_YEAR=0 stops after the month (most of the run's
 * time is the year).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_ledger.h"
#include "dp_proto.h"
#include "dp_store.h"
#include "dp_testkit.h"
#include "dp_time.h"

#define REPOS 20
#define EVENTS_PER_HOUR 100
#define PRS_PER_HOUR 10
#define FULL_DAYS 3
#define GRACE_S 120
#define CACHE_TTL_S 90000L /* the collector's default cache_ttl_s */
#define SMALL_BODY 65536   /* gh_client keeps larger listings ... */
#define REPLAY_S 3600      /* ... this long */
#define LIST_ISSUES_BYTES (400 * 1024)
#define LIST_COMMENTS_BYTES (250 * 1024)
#define PR_FILES_BYTES (15 * 1024)
#define PR_REVIEWS_BYTES (6 * 1024)
#define BODY_BYTES 1000
#define SUMMARY_BYTES 2048
#define HOUR INT64_C(3600)
#define DAY INT64_C(86400)

static char s_blob[LIST_ISSUES_BYTES];

/* A stored CLASSIFIED frame of about 1.5 KB (or a small one). */
static void s_frame(dp_buf_t *out, const char *repo, int64_t from, int64_t to,
                    const char *id, long number, bool full)
{
    static char *labels[] = {"bug", "rocm", "ready"};
    static char *files[] = {"vllm/platforms/rocm.py", "csrc/rocm/attention.cu",
                            "tests/kernels/test_rocm_attention.py"};
    static char *topics[] = {"amd"};
    static char *reasons[] = {"label `rocm`"};
    dp_msg_t m = {.type = DP_MSG_CLASSIFIED};
    dp_classified_t *c = &m.u.classified;
    c->repo = (char *)repo;
    c->win_from = from;
    c->win_to = to;
    c->revision = 1;
    c->id = (char *)id;
    c->kind = "comment";
    c->at = from + 60;
    c->actor = "some-contributor";
    c->actor_type = "User";
    c->actor_assoc = "CONTRIBUTOR";
    c->number = number;
    c->is_pr = true;
    c->title = "[ROCm][Kernel] Fused MoE tuning for MI300X with a long title";
    char body[BODY_BYTES + 1];
    memset(body, 'x', full ? BODY_BYTES : 16);
    body[full ? BODY_BYTES : 16] = '\0';
    c->body = body;
    c->text = body;
    c->url = "https://github.com/vllm-project/vllm/pull/30000";
    c->author = "some-author";
    c->author_type = "User";
    c->author_assoc = "MEMBER";
    c->labels = (dp_strs_t){labels, 3};
    c->files = (dp_strs_t){files, full ? 3 : 0};
    c->state = "open";
    c->created_at = from;
    c->updated_at = to;
    c->topics = (dp_strs_t){topics, 1};
    c->reasons = (dp_strs_t){reasons, 1};
    c->category = "performance";
    dp_buf_reset(out);
    if (dp_msg_encode(&m, out) < 0)
        abort();
}

/* An HTTP cache entry as gh_client keeps it, expiring at `at`. */
static void s_http(dp_store_t *store, const char *url, size_t bytes, int64_t at)
{
    char key[DP_LEDGER_KEY_MAX], when[24];
    dp_store_key(key, sizeof key, "http:0123456789abcdef:%s", url);
    snprintf(when, sizeof when, "%" PRId64, at);
    const char *hset[] = {"HSET", key,   "etag", "W/\"0123456789\"",
                          "lm",   "",    "link", "",
                          "body", s_blob};
    size_t lens[10];
    for (int i = 0; i < 9; i++)
        lens[i] = strlen(hset[i]);
    lens[9] = bytes;
    const char *exp[] = {"EXPIREAT", key, when};
    dp_store_append(store, 10, hset, lens);
    dp_store_append(store, 3, exp, NULL);
}

/* Sends what s_http queued. */
static void s_http_flush(dp_store_t *store)
{
    size_t n = dp_store_pending(store);
    redisReply **r = calloc(n ? n : 1, sizeof *r);
    int got = dp_store_flush(store, r, n);
    for (int i = 0; i < got; i++)
        freeReplyObject(r[i]);
    free(r);
}

/* Everything the services write for one window, at simulated now. */
static void s_window(dp_store_t *store, const char *repo, int64_t from,
                     int64_t to, int64_t now, long events, bool full,
                     dp_buf_t *frame)
{
    dp_ledger_win_t w = {.repo = repo, .from = from, .to = to, .zone = "UTC"};
    int64_t hours = (to - from) / HOUR;
    char **ids = calloc((size_t)events, sizeof *ids);
    bool *fresh = calloc((size_t)events, sizeof *fresh);
    for (long i = 0; i < events; i++) {
        ids[i] = malloc(48);
        /* Event ids are those of the hour they happened in, so a day's
         * window holds the same ids as its hours. */
        int64_t hour = from + (i % hours) * HOUR;
        snprintf(ids[i], 48, "comment:%" PRId64 ":%ld", hour, i / hours);
    }
    (void)dp_ledger_mark_seen(store, &w, now, (const char *const *)ids,
                              (size_t)events, fresh);
    (void)dp_ledger_revise(store, &w, now, events, 1);
    for (long i = 0; i < events; i++) {
        bool grew;
        s_frame(frame, repo, from, to, ids[i], 30000 + i, full);
        (void)dp_ledger_put_event(store, &w, now, ids[i], frame->data,
                                  frame->len, &grew);
    }
    s_frame(frame, repo, from, to, "window", 0, false);
    (void)dp_ledger_put_window(store, &w, now, frame->data, frame->len);
    (void)dp_ledger_put_summary(store, &w, now, s_blob, SUMMARY_BYTES);
    char url[512], since[32];
    dp_time_iso_utc(from, since, sizeof since);
    int64_t at = dp_ledger_expiry(&w, now);
    /* One listing page of each kind per hour of updates (a day: 24 pages
     * of issues, 24 of comments); large pages are kept for replays only. */
    for (int64_t page = 1; page <= hours; page++) {
        size_t issues = full ? LIST_ISSUES_BYTES : 2;
        size_t comments = full ? LIST_COMMENTS_BYTES : 2;
        snprintf(url, sizeof url,
                 "https://api.github.com/repos/%s/issues?state=all&since=%s"
                 "&page=%" PRId64,
                 repo, since, page);
        s_http(store, url, issues, issues <= SMALL_BODY ? at : now + REPLAY_S);
        snprintf(url, sizeof url,
                 "https://api.github.com/repos/%s/issues/comments?since=%s"
                 "&page=%" PRId64,
                 repo, since, page);
        s_http(store, url, comments,
               comments <= SMALL_BODY ? at : now + REPLAY_S);
    }
    if (hours == 1) {
        /* PR details are fetched by the hour and reused by the day. */
        for (int p = 0; p < (full ? PRS_PER_HOUR : 1); p++) {
            long pr = (long)(from / HOUR % 100000) * 10 + p;
            snprintf(url, sizeof url,
                     "https://api.github.com/repos/%s/pulls/%ld/files", repo,
                     pr);
            s_http(store, url, full ? PR_FILES_BYTES : 2, now + CACHE_TTL_S);
            snprintf(url, sizeof url,
                     "https://api.github.com/repos/%s/pulls/%ld/reviews", repo,
                     pr);
            s_http(store, url, full ? PR_REVIEWS_BYTES : 2, now + CACHE_TTL_S);
        }
    }
    s_http_flush(store);
    for (long i = 0; i < events; i++)
        free(ids[i]);
    free(ids);
    free(fresh);
}

static long long s_info_num(dp_store_t *store, const char *section,
                            const char *field)
{
    const char *argv[] = {"INFO", section};
    redisReply *r = dp_store_command(store, 2, argv, NULL);
    long long v = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        char pat[64];
        snprintf(pat, sizeof pat, "%s:", field);
        const char *p = strstr(r->str, pat);
        if (p)
            v = strtoll(p + strlen(pat), NULL, 10);
    }
    if (r)
        freeReplyObject(r);
    return v;
}

/* Keys without an expiry (SCAN over everything; TTL of each). */
static long s_keys_without_ttl(dp_store_t *store, long *total)
{
    char cursor[32] = "0";
    long none = 0;
    *total = 0;
    do {
        const char *argv[] = {"SCAN", cursor, "COUNT", "1000"};
        redisReply *r = dp_store_command(store, 4, argv, NULL);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            if (r)
                freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        redisReply *keys = r->element[1];
        for (size_t i = 0; i < keys->elements; i++) {
            const char *targv[] = {"TTL", keys->element[i]->str};
            redisReply *t = dp_store_command(store, 2, targv, NULL);
            if (t && t->type == REDIS_REPLY_INTEGER && t->integer < 0)
                none++;
            if (t)
                freeReplyObject(t);
            (*total)++;
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return none;
}

/* Simulates `days` days that end at end; prints and returns used memory. */
static double s_simulate(dp_store_t *store, int64_t end, int days,
                         const char *label)
{
    const char *flush[] = {"FLUSHALL"};
    redisReply *r = dp_store_command(store, 1, flush, NULL);
    if (r)
        freeReplyObject(r);
    dp_buf_t frame = DP_BUF_INIT;
    int64_t start = end - (int64_t)days * DAY;
    for (int64_t t = start; t < end; t += HOUR) {
        int64_t now = t + HOUR + GRACE_S;
        bool full = end - t <= FULL_DAYS * DAY;
        for (int k = 0; k < REPOS; k++) {
            char repo[64];
            snprintf(repo, sizeof repo, "busy-org/repo%02d", k);
            s_window(store, repo, t, t + HOUR, now, full ? EVENTS_PER_HOUR : 2,
                     full, &frame);
            if ((t + HOUR) % DAY == 0)
                s_window(store, repo, t + HOUR - DAY, t + HOUR, now,
                         full ? 24 * EVENTS_PER_HOUR : 48, full, &frame);
        }
    }
    dp_buf_free(&frame);
    long total = 0;
    long nottl = s_keys_without_ttl(store, &total);
    double mib =
        (double)s_info_num(store, "memory", "used_memory") / (1024.0 * 1024.0);
    printf("redis_used_mib_%s: %.1f MiB\n", label, mib);
    printf("redis_keys_%s: %ld keys\n", label, total);
    printf("redis_keys_without_ttl_%s: %ld keys\n", label, nottl);
    return mib;
}

int main(void)
{
    memset(s_blob, 'j', sizeof s_blob);
    dp_tk_redis_t redis = {0};
    if (dp_tk_redis_start(&redis) < 0) {
        fprintf(stderr, "bench_redis_size: no redis-server\n");
        return 1;
    }
    char err[256] = "";
    dp_store_t *store = dp_store_new(redis.url, err, sizeof err);
    if (!store) {
        fprintf(stderr, "bench_redis_size: %s\n", err);
        dp_tk_redis_stop(&redis);
        return 1;
    }
    int64_t end = time(NULL) / HOUR * HOUR;
    printf("profile: %d repositories, hourly and daily windows, %d events "
           "and %d PRs per repository-hour\n",
           REPOS, EVENTS_PER_HOUR, PRS_PER_HOUR);
    double month = s_simulate(store, end, 30, "30d");
    const char *year_env = getenv("DP_BENCH_REDIS_YEAR");
    if (year_env && !strcmp(year_env, "0")) {
        printf("(the year is skipped: DP_BENCH_REDIS_YEAR=0)\n");
    } else {
        printf("(%d days of windows in full; then a year)\n", FULL_DAYS);
        double year = s_simulate(store, end, 365, "365d");
        printf("redis_year_vs_month: %.2f ratio\n",
               month > 0 ? year / month : 0);
    }
    dp_store_destroy(&store);
    dp_tk_redis_stop(&redis);
    return 0;
}
