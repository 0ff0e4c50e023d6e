/* collector.c - the collector engine: GitHub windows to normalized events */
/* SPDX-License-Identifier: MIT */
#include "collector.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_http.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"
#include "gh_normalize.h"

#define COLLECTOR_POLL_MS 500
#define COLLECTOR_KEY_MAX 2048
#define COLLECTOR_BACKOFF_CAP_MS 60000
#define COLLECTOR_USER_AGENT "devpulse/0.1 (+https://github.com/devpulse)"

struct collector_t {
    collector_cfg_t cfg; /* borrowed strings */
    dp_bus_t *bus;
    dp_sock_t *ctl; /* PULL: COLLECT */
    dp_sock_t *out; /* PUSH: to classifiers */
    dp_sock_t *pub; /* PUB: tap */
    dp_store_t *store;
    dp_http_t *http;
    char token_id[17]; /* hash of the token, for cache keys */
    collector_stats_t stats;
    dp_strs_t problems; /* of the window being collected */
    unsigned int seed;  /* jitter */
};

/* A fetched JSON document and the next page, if any. */
typedef struct {
    json_t *doc;
    char *next;
} s_page_t;

/* ==== Helpers ==== */

static void s_token_id(const char *token, char out[17])
{
    /* FNV-1a: enough to keep cache entries of different tokens apart
     * without storing anything that reveals the token. */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = token ? token : ""; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void s_problem(collector_t *self, const char *fmt, ...) DP_PRINTF(2, 3);

static void s_problem(collector_t *self, const char *fmt, ...)
{
    dp_buf_t buf = DP_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    dp_buf_vprintf(&buf, fmt, ap);
    va_end(ap);
    dp_log(DP_LOG_WARN, "%s", buf.data);
    dp_strs_push(&self->problems, buf.data);
    dp_buf_free(&buf);
}

/* Sleeps in short steps so a shutdown is never held up. */
static void s_sleep_ms(long ms)
{
    long long until = dp_service_now_ms() + ms;
    while (!dp_service_interrupted() && dp_service_now_ms() < until) {
        long long left = until - dp_service_now_ms();
        struct timespec ts = {0, (left > 100 ? 100 : left) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static long s_backoff_ms(collector_t *self, int attempt)
{
    long base = self->cfg.retry_base_ms;
    long ms = base;
    for (int i = 0; i < attempt && ms < COLLECTOR_BACKOFF_CAP_MS; i++)
        ms *= 2;
    if (ms > COLLECTOR_BACKOFF_CAP_MS)
        ms = COLLECTOR_BACKOFF_CAP_MS;
    /* Full jitter on the upper half. */
    return ms / 2 + (long)(rand_r(&self->seed) % (unsigned)(ms / 2 + 1));
}

/* The path of a URL without host and query, for messages. */
static const char *s_path(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : url;
}

static bool s_repo_valid(const char *repo)
{
    const char *slash = repo ? strchr(repo, '/') : NULL;
    if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/'))
        return false;
    for (const char *p = repo; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_./", *p))
            return false;
    return strstr(repo, "..") == NULL;
}

/* ==== HTTP with cache, retries and rate limits ==== */

typedef struct {
    char *etag, *last_modified, *link, *body;
    size_t body_len;
} s_cached_t;

static void s_cached_clear(s_cached_t *c)
{
    dp_free(c->etag);
    dp_free(c->last_modified);
    dp_free(c->link);
    dp_free(c->body);
    memset(c, 0, sizeof *c);
}

static char *s_reply_str(redisReply *r, size_t *len)
{
    if (!r || r->type != REDIS_REPLY_STRING)
        return NULL;
    if (len)
        *len = r->len;
    return dp_strndup(r->str, r->len);
}

static void s_cache_load(collector_t *self, const char *key, s_cached_t *c)
{
    memset(c, 0, sizeof *c);
    const char *argv[] = {"HMGET", key, "etag", "lm", "link", "body"};
    redisReply *r = dp_store_command(self->store, 6, argv, NULL);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
        c->etag = s_reply_str(r->element[0], NULL);
        c->last_modified = s_reply_str(r->element[1], NULL);
        c->link = s_reply_str(r->element[2], NULL);
        c->body = s_reply_str(r->element[3], &c->body_len);
    }
    if (r)
        freeReplyObject(r);
    if (!c->body) {
        /* Conditional headers are worthless without the body they stand for. */
        s_cached_clear(c);
    }
}

static void s_cache_save(collector_t *self, const char *key,
                         const dp_http_resp_t *resp)
{
    if (!resp->etag && !resp->last_modified)
        return;
    const char *argv[] = {
        "HSET", key,
        "etag", resp->etag ? resp->etag : "",
        "lm",   resp->last_modified ? resp->last_modified : "",
        "link", resp->link ? resp->link : "",
        "body", resp->body};
    size_t lens[10];
    for (int i = 0; i < 9; i++)
        lens[i] = strlen(argv[i]);
    lens[9] = resp->body_len;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", self->cfg.cache_ttl_s);
    const char *exp[] = {"EXPIRE", key, ttl};
    dp_store_append(self->store, 10, argv, lens);
    dp_store_append(self->store, 3, exp, NULL);
    redisReply *replies[2] = {NULL, NULL};
    int n = dp_store_flush(self->store, replies, 2);
    for (int i = 0; i < n; i++)
        freeReplyObject(replies[i]);
}

static void s_note_rate(collector_t *self, const dp_http_resp_t *resp)
{
    if (resp->rl_remaining >= 0)
        self->stats.rl_remaining = resp->rl_remaining;
    if (resp->rl_limit >= 0)
        self->stats.rl_limit = resp->rl_limit;
}

/* How long to wait before retrying a 403/429, or -1 when it is not a limit. */
static long s_limit_wait_ms(collector_t *self, const dp_http_resp_t *resp,
                            int attempt)
{
    if (resp->retry_after >= 0)
        return resp->retry_after * 1000;
    if (resp->rl_remaining == 0 && resp->rl_reset > 0) {
        int64_t wait = resp->rl_reset - dp_time_now();
        return wait > 0 ? (long)wait * 1000 + 1000 : 1000;
    }
    if (resp->status == 429 || (resp->body && strstr(resp->body, "rate limit")))
        return s_backoff_ms(self, attempt);
    return -1;
}

/* GETs a JSON document through the cache. On success stores the document
 * and the next page URL (from Link) in page. */
static int s_fetch(collector_t *self, const char *url, s_page_t *page)
{
    char key[COLLECTOR_KEY_MAX];
    dp_store_key(key, sizeof key, "http:%s:%s", self->token_id, url);
    page->doc = NULL;
    page->next = NULL;
    int rc = DP_EHTTP;
    bool conditional = true;
    for (int attempt = 0; attempt <= self->cfg.max_retries; attempt++) {
        if (dp_service_interrupted())
            return DP_EAGAIN;
        if (attempt > 0)
            self->stats.retries++;
        s_cached_t cached = {0};
        if (conditional)
            s_cache_load(self, key, &cached);
        dp_http_resp_t resp;
        int hrc = dp_http_get(self->http, url, cached.etag,
                              cached.etag ? NULL : cached.last_modified, &resp);
        self->stats.requests++;
        long wait_ms = -1;
        char err[256] = "";
        if (hrc < 0) {
            s_problem(self, "GET %s: %s", s_path(url), resp.error);
            rc = hrc == DP_ETOOBIG ? DP_ETOOBIG : DP_EHTTP;
            wait_ms = hrc == DP_ETOOBIG ? -1 : s_backoff_ms(self, attempt);
        } else {
            s_note_rate(self, &resp);
            const char *body = resp.body;
            size_t body_len = resp.body_len;
            const char *link = resp.link;
            if (resp.status == 304 && cached.body) {
                self->stats.not_modified++;
                body = cached.body;
                body_len = cached.body_len;
                if (!link && cached.link && *cached.link)
                    link = cached.link;
            }
            if (resp.status == 200 || (resp.status == 304 && cached.body)) {
                page->doc = dp_json_parse(body, body_len, err, sizeof err);
                if (page->doc) {
                    if (resp.status == 200)
                        s_cache_save(self, key, &resp);
                    page->next = dp_http_link_next(link);
                    rc = 0;
                } else {
                    s_problem(self,
                              "GET %s: %d with a body that is not JSON "
                              "(%s)",
                              s_path(url), (int)resp.status, err);
                    rc = DP_EJSON;
                    conditional = false;
                    wait_ms = s_backoff_ms(self, attempt);
                }
            } else if (resp.status == 304) {
                conditional = false; /* cache lost: ask again in full */
                wait_ms = 0;
            } else if (resp.status == 401) {
                rc = DP_EAUTH;
            } else if (resp.status == 404 || resp.status == 410) {
                rc = DP_ENOTFOUND;
            } else if (resp.status == 403 || resp.status == 429) {
                wait_ms = s_limit_wait_ms(self, &resp, attempt);
                rc = wait_ms < 0 ? DP_EAUTH : DP_ERATE;
                if (wait_ms > self->cfg.max_wait_s * 1000) {
                    s_problem(self,
                              "GET %s: rate limited for %lds, longer "
                              "than the %lds allowed",
                              s_path(url), wait_ms / 1000,
                              self->cfg.max_wait_s);
                    wait_ms = -1;
                } else if (wait_ms >= 0) {
                    s_problem(self, "GET %s: %ld rate limited, waiting %ld ms",
                              s_path(url), resp.status, wait_ms);
                }
            } else if (resp.status >= 500) {
                s_problem(self, "GET %s: %ld", s_path(url), resp.status);
                rc = DP_EHTTP;
                wait_ms = s_backoff_ms(self, attempt);
            } else {
                s_problem(self, "GET %s: unexpected status %ld", s_path(url),
                          resp.status);
                rc = DP_EHTTP;
            }
        }
        dp_http_resp_clear(&resp);
        s_cached_clear(&cached);
        if (rc == 0 || wait_ms < 0)
            return rc;
        if (attempt < self->cfg.max_retries)
            s_sleep_ms(wait_ms);
    }
    s_problem(self, "GET %s: gave up after %ld retries", s_path(url),
              self->cfg.max_retries);
    return rc;
}

/* ==== Emitting ==== */

static void s_send(collector_t *self, dp_msg_t *msg)
{
    dp_buf_t frame = DP_BUF_INIT;
    if (dp_msg_encode(msg, &frame) < 0)
        goto out;
    char *subject = dp_msg_subject(msg);
    if (msg->type != DP_MSG_STATUS &&
        dp_sock_send(self->out, NULL, frame.data, frame.len, false) < 0)
        dp_log(DP_LOG_ERROR, "cannot pass %s on", dp_msg_type_name(msg->type));
    /* The tap never holds up the pipeline. */
    if (dp_sock_send(self->pub, subject, frame.data, frame.len, true) < 0)
        dp_log(DP_LOG_DEBUG, "tap dropped %s", subject);
    dp_free(subject);
out:
    dp_buf_free(&frame);
}

static void s_status(collector_t *self, const dp_collect_t *req,
                     const char *state, const char *message)
{
    dp_msg_t msg = {.type = DP_MSG_STATUS};
    dp_status_t *st = &msg.u.status;
    st->repo = req->repo;
    st->win_from = req->win_from;
    st->win_to = req->win_to;
    st->revision = req->revision;
    st->reply_to = req->reply_to;
    st->service = "collector";
    st->state = (char *)state;
    st->message = (char *)message;
    s_send(self, &msg);
}

/* Marks events as seen in Redis; sets fresh[i] for those never seen. When
 * Redis cannot answer, every event counts as fresh: downstream stages are
 * idempotent, so a duplicate costs work, never a wrong report. */
static void s_dedup(collector_t *self, const char *repo, gh_events_t *events,
                    bool *fresh)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", self->cfg.cache_ttl_s);
    for (size_t i = 0; i < events->count; i++) {
        char key[COLLECTOR_KEY_MAX];
        dp_store_key(key, sizeof key, "seen:%s:%s", repo, events->items[i].id);
        const char *argv[] = {"SET", key, "1", "NX", "EX", ttl};
        dp_store_append(self->store, 6, argv, NULL);
        fresh[i] = true;
    }
    if (events->count == 0)
        return;
    redisReply **replies = dp_calloc(events->count, sizeof *replies);
    int n = dp_store_flush(self->store, replies, events->count);
    for (int i = 0; i < n; i++) {
        fresh[i] = replies[i]->type != REDIS_REPLY_NIL;
        freeReplyObject(replies[i]);
    }
    dp_free(replies);
}

/* ==== One window ==== */

static char *s_url(collector_t *self, const char *fmt, ...) DP_PRINTF(2, 3);

static char *s_url(collector_t *self, const char *fmt, ...)
{
    dp_buf_t buf = DP_BUF_INIT;
    dp_buf_puts(&buf, self->cfg.api_url);
    va_list ap;
    va_start(ap, fmt);
    dp_buf_vprintf(&buf, fmt, ap);
    va_end(ap);
    return dp_buf_take(&buf);
}

/* Lists every page of a listing starting at url into one array. */
static int s_list(collector_t *self, char *url, json_t *all)
{
    int rc = 0;
    for (long pageno = 0; url && pageno < self->cfg.max_pages; pageno++) {
        s_page_t page;
        rc = s_fetch(self, url, &page);
        dp_free(url);
        url = NULL;
        if (rc < 0)
            break;
        if (!json_is_array(page.doc)) {
            s_problem(self, "listing page %ld is not a JSON array", pageno + 1);
            json_decref(page.doc);
            dp_free(page.next);
            rc = DP_EJSON;
            break;
        }
        json_array_extend(all, page.doc);
        json_decref(page.doc);
        url = page.next;
    }
    if (url) {
        s_problem(self, "listing stopped at the bound of %ld pages",
                  self->cfg.max_pages);
        dp_free(url);
    }
    return rc;
}

/* Keeps one object per value of key ("number" for items, "id" for
 * comments), the most recently updated: with sort=updated an object updated
 * during the listing shows up on two pages. */
static void s_unique(json_t *items, const char *key_field)
{
    json_t *seen = json_object();
    json_t *unique = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        char key[32];
        snprintf(key, sizeof key, "%lld",
                 (long long)dp_json_int(it, key_field, 0));
        json_t *prev = json_object_get(seen, key);
        if (!prev) {
            json_object_set_new(
                seen, key, json_integer((json_int_t)json_array_size(unique)));
            json_array_append(unique, it);
            continue;
        }
        size_t at = (size_t)json_integer_value(prev);
        const char *a = dp_json_str(json_array_get(unique, at), "updated_at");
        const char *b = dp_json_str(it, "updated_at");
        /* ISO 8601 UTC instants order as strings. */
        if (a && b && strcmp(b, a) > 0)
            json_array_set(unique, at, it);
    }
    json_array_clear(items);
    json_array_extend(items, unique);
    json_decref(unique);
    json_decref(seen);
}

/* Finds an item by number in the listing. */
static json_t *s_find_item(json_t *items, int64_t number)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (dp_json_int(it, "number", 0) == number)
            return it;
    }
    return NULL;
}

/* Asks /pulls/N whether a pull request closed in the window was merged and
 * records the answer in the listing object. */
static void s_pull_detail(collector_t *self, const char *repo, json_t *item)
{
    long long number = (long long)dp_json_int(item, "number", 0);
    char *url = s_url(self, "/repos/%s/pulls/%lld", repo, number);
    s_page_t page;
    if (s_fetch(self, url, &page) == 0) {
        json_t *pr = json_object_get(item, "pull_request");
        json_t *merged = json_object_get(page.doc, "merged_at");
        if (json_is_object(pr))
            json_object_set(pr, "merged_at", merged ? merged : json_null());
        json_decref(page.doc);
        dp_free(page.next);
    } else {
        s_problem(self,
                  "PR #%lld: merge state unknown; counted as closed "
                  "unmerged",
                  number);
        json_t *pr = json_object_get(item, "pull_request");
        if (json_is_object(pr))
            json_object_set_new(pr, "merged_at", json_null());
    }
    dp_free(url);
}

static void s_events_from_items(collector_t *self, const dp_collect_t *req,
                                json_t *items, gh_events_t *events)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        char err[256];
        bool detail = false;
        int n = gh_item_events(it, req->repo, req->win_from, req->win_to,
                               (size_t)self->cfg.max_text, events, &detail, err,
                               sizeof err);
        if (n < 0) {
            s_problem(self, "skipped an item: %s", err);
            continue;
        }
        if (detail) {
            s_pull_detail(self, req->repo, it);
            n = gh_item_events(it, req->repo, req->win_from, req->win_to,
                               (size_t)self->cfg.max_text, events, &detail, err,
                               sizeof err);
            (void)n;
        }
    }
}

static void s_events_from_comments(collector_t *self, const dp_collect_t *req,
                                   json_t *items, json_t *comments,
                                   gh_events_t *events)
{
    size_t i;
    json_t *c;
    json_array_foreach(comments, i, c)
    {
        int64_t number = gh_comment_number(c);
        json_t *item = number ? s_find_item(items, number) : NULL;
        if (!item)
            continue;
        dp_event_t snap;
        char err[256];
        if (gh_item_snapshot(item, req->repo, (size_t)self->cfg.max_text, &snap,
                             err, sizeof err) < 0)
            continue;
        if (gh_comment_event(c, &snap, req->win_from, req->win_to,
                             (size_t)self->cfg.max_text, events) < 0)
            s_problem(self, "skipped a malformed comment on #%lld",
                      (long long)number);
        dp_msg_t m = {.type = DP_MSG_EVENT};
        m.u.event = snap;
        dp_msg_clear(&m);
    }
}

static const char *s_failure_text(int rc)
{
    switch (rc) {
    case DP_EAUTH:
        return "GitHub refused the credentials (401/403): check GITHUB_TOKEN";
    case DP_ENOTFOUND:
        return "repository not found on GitHub (404)";
    case DP_ERATE:
        return "GitHub rate limit exhausted";
    default:
        return "GitHub API unreachable or failing";
    }
}

static void s_emit(collector_t *self, const dp_collect_t *req,
                   gh_events_t *events)
{
    bool *fresh = dp_calloc(events->count ? events->count : 1, sizeof(bool));
    s_dedup(self, req->repo, events, fresh);
    size_t sent = 0;
    for (size_t i = 0; i < events->count; i++) {
        if (!fresh[i])
            continue;
        dp_msg_t msg = {.type = DP_MSG_EVENT};
        msg.u.event = events->items[i];
        msg.u.event.win_from = req->win_from;
        msg.u.event.win_to = req->win_to;
        msg.u.event.revision = req->revision;
        s_send(self, &msg);
        sent++;
    }
    dp_free(fresh);

    dp_msg_t msg = {.type = DP_MSG_WINDOW};
    dp_window_t *w = &msg.u.window;
    w->repo = req->repo;
    w->win_from = req->win_from;
    w->win_to = req->win_to;
    w->revision = req->revision;
    w->tz = req->tz;
    w->lang = req->lang;
    w->name = req->name;
    w->reply_to = req->reply_to;
    w->events = (int64_t)events->count;
    w->requests = self->stats.requests;
    w->not_modified = self->stats.not_modified;
    w->retries = self->stats.retries;
    w->rl_remaining = self->stats.rl_remaining;
    w->rl_limit = self->stats.rl_limit;
    w->complete_until = req->win_to;
    w->problems = self->problems;
    s_send(self, &msg);
    dp_log(DP_LOG_INFO,
           "%s window %lld..%lld: %zu events (%zu new), %ld requests "
           "(%ld not modified, %ld retries)",
           req->repo, (long long)req->win_from, (long long)req->win_to,
           events->count, sent, self->stats.requests, self->stats.not_modified,
           self->stats.retries);
}

int collector_collect(collector_t *self, const dp_collect_t *req)
{
    assert(self && req);
    memset(&self->stats, 0, sizeof self->stats);
    self->stats.rl_remaining = self->stats.rl_limit = -1;
    for (size_t i = 0; i < self->problems.count; i++)
        dp_free(self->problems.items[i]);
    dp_free(self->problems.items);
    memset(&self->problems, 0, sizeof self->problems);

    if (!s_repo_valid(req->repo) || req->win_to <= req->win_from) {
        s_status(self, req, "failed", "invalid repository name or window");
        return DP_EINVAL;
    }
    char since[32];
    dp_time_iso_utc(req->win_from, since, sizeof since);
    json_t *items = json_array();
    json_t *comments = json_array();
    gh_events_t events = {0};
    char *url = s_url(self,
                      "/repos/%s/issues?state=all&sort=updated&direction=desc"
                      "&per_page=%ld&since=%s",
                      req->repo, self->cfg.per_page, since);
    int rc = s_list(self, url, items);
    if (rc < 0) {
        char *text = dp_asprintf("%s: %s", req->repo, s_failure_text(rc));
        s_status(self, req, "failed", text);
        dp_log(DP_LOG_ERROR, "%s", text);
        dp_free(text);
        goto out;
    }
    s_unique(items, "number");
    s_events_from_items(self, req, items, &events);

    /* One repository-wide listing finds every comment of the window. */
    url = s_url(self,
                "/repos/%s/issues/comments?sort=updated&direction=asc"
                "&per_page=%ld&since=%s",
                req->repo, self->cfg.per_page, since);
    if (s_list(self, url, comments) < 0)
        s_problem(self, "comments of the window could not be listed; "
                        "discussions may be incomplete");
    s_unique(comments, "id");
    s_events_from_comments(self, req, items, comments, &events);
    s_emit(self, req, &events);
out:
    gh_events_clear(&events);
    json_decref(items);
    json_decref(comments);
    return rc;
}

/* ==== Service ==== */

collector_t *collector_new(const collector_cfg_t *cfg)
{
    assert(cfg);
    collector_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
    s_token_id(cfg->token, self->token_id);
    char err[256] = "";
    self->bus = dp_bus_new();
    self->store = dp_store_new(cfg->redis_url, err, sizeof err);
    dp_http_opts_t hopts = {
        .user_agent = COLLECTOR_USER_AGENT,
        .token = cfg->token,
        .accept = "application/vnd.github+json",
        .timeout_ms = cfg->timeout_ms,
        .max_body = (size_t)cfg->max_body,
    };
    self->http = dp_http_new(&hopts);
    if (!self->bus || !self->store || !self->http) {
        if (*err)
            dp_log(DP_LOG_ERROR, "%s", err);
        goto fail;
    }
    self->ctl = dp_sock_new(self->bus, ZMQ_PULL, cfg->ctl_endpoint);
    self->out = dp_sock_new(self->bus, ZMQ_PUSH, cfg->out_endpoint);
    self->pub = dp_sock_new(self->bus, ZMQ_PUB, cfg->pub_endpoint);
    if (!self->ctl || !self->out || !self->pub)
        goto fail;
    return self;
fail:
    collector_destroy(&self);
    return NULL;
}

int collector_run(collector_t *self)
{
    assert(self);
    dp_buf_t frame = DP_BUF_INIT;
    long bad = 0;
    while (!dp_service_interrupted()) {
        int rc = dp_sock_recv(self->ctl, NULL, &frame,
                              (size_t)self->cfg.max_frame, COLLECTOR_POLL_MS);
        if (rc == DP_EAGAIN)
            continue;
        dp_msg_t msg;
        char err[256] = "";
        if (rc == 0)
            rc = dp_msg_decode(frame.data, frame.len,
                               (size_t)self->cfg.max_frame, &msg, err,
                               sizeof err);
        if (rc < 0) {
            bad++;
            dp_log(DP_LOG_WARN, "dropped a bad frame (%ld so far): %s", bad,
                   *err ? err : dp_strerror(rc));
            continue;
        }
        if (msg.type == DP_MSG_COLLECT) {
            int crc = collector_collect(self, &msg.u.collect);
            (void)crc; /* failures were published as STATUS */
        } else {
            bad++;
            dp_log(DP_LOG_WARN, "ignored a %s message on the control socket",
                   dp_msg_type_name(msg.type));
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
    return 0;
}

const collector_stats_t *collector_stats(const collector_t *self)
{
    return &self->stats;
}

void collector_destroy(collector_t **self_p)
{
    assert(self_p);
    collector_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->problems.count; i++)
        dp_free(self->problems.items[i]);
    dp_free(self->problems.items);
    dp_http_destroy(&self->http);
    dp_store_destroy(&self->store);
    dp_bus_destroy(&self->bus);
    dp_free(self);
    *self_p = NULL;
}
