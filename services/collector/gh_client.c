/* gh_client.c - GitHub REST reads: cache, conditional requests, retries,
 * rate limits and a token pool */
/* SPDX-License-Identifier: MIT */
#include "gh_client.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp_http.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_service.h"
#include "dp_time.h"
#include "gh_page.h"

#define GH_KEY_MAX 2048
#define GH_BACKOFF_CAP_MS 60000
#define GH_PACE_CAP_MS 10000
#define GH_MAX_TOKENS 32
#define GH_USER_AGENT "devpulse/0.1"
#define GH_WAIT_MAX_S DP_HTTP_WAIT_MAX_S /* longest wait ever computed */

/* One token of the pool and what GitHub last said about its budget. */
typedef struct {
    dp_http_t *http;
    long remaining; /* -1 until known */
    long limit;
    int64_t reset; /* epoch seconds, -1 until known */
    bool refused;  /* GitHub answered 401: left out of the pool */
    char id[17];   /* its identity for metrics: a hash, never the token */
} s_token_t;

#define GH_CACHE_SMALL_BODY 65536 /* a listing body kept a window long */
#define GH_CACHE_REPLAY_S 3600    /* a larger one, for replays and reruns */

struct gh_client_t {
    char *api_url; /* without a trailing slash */
    s_token_t tokens[GH_MAX_TOKENS];
    size_t ntokens;      /* at least 1 (anonymous when no token) */
    char pool_id[17];    /* hash of the pool, for cache keys */
    dp_store_t *store;   /* borrowed */
    gh_client_cfg_t cfg; /* numbers; strings not kept */
    gh_stats_t stats;
    dp_strs_t problems;
    long status;       /* HTTP status of the last answer, 0 for none */
    long poll_s;       /* its X-Poll-Interval, -1 for none */
    unsigned int seed; /* jitter */
    long window_ttl_s; /* cache lifetime of listings since a window */
    const char *verb;  /* "GET" or "POST", for problem lines */
    char *graphql_url; /* the GraphQL endpoint beside the API */
    dp_http_t *graphql[GH_MAX_TOKENS]; /* per token, scoped to graphql_url */
};

/* ==== Set-up ==== */

static void s_hash(const char *text, char out[17])
{
    /* FNV-1a: keeps cache entries of different credentials apart without
     * storing anything that reveals them. */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = text ? text : ""; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static dp_http_t *s_http(const gh_client_cfg_t *cfg, const char *api_url,
                         const char *token)
{
    dp_http_opts_t o = {
        .user_agent = GH_USER_AGENT,
        .token = token,
        .scope = api_url, /* the token goes nowhere else */
        .accept = "application/vnd.github+json",
        .timeout_ms = cfg->timeout_ms,
        .max_body = (size_t)cfg->max_body,
    };
    return dp_http_new(&o);
}

/* The GraphQL endpoint of an API URL: GitHub Enterprise Server serves
 * REST below <host>/api/v3 and GraphQL at <host>/api/graphql; api.github.com
 * (and any other base) serves it at <base>/graphql. The result shares the
 * API's scheme, host and port, so a token goes to the same origin only. */
static char *s_graphql_url(const char *api_url)
{
    static const char ghe[] = "/api/v3";
    size_t len = strlen(api_url), n = sizeof ghe - 1;
    const char *sep = strstr(api_url, "://");
    const char *path = sep ? strchr(sep + 3, '/') : NULL;
    if (path && len >= n && !strcmp(api_url + len - n, ghe))
        return dp_asprintf("%.*s/api/graphql", (int)(len - n), api_url);
    return dp_asprintf("%s/graphql", api_url);
}

gh_client_t *gh_client_new(const gh_client_cfg_t *cfg)
{
    assert(cfg && cfg->api_url && cfg->store);
    gh_client_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->store = cfg->store;
    self->api_url = dp_strdup(cfg->api_url);
    size_t len = strlen(self->api_url);
    while (len > 0 && self->api_url[len - 1] == '/')
        self->api_url[--len] = '\0';
    self->seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
    s_hash(cfg->tokens, self->pool_id);

    char *list = dp_strdup(cfg->tokens ? cfg->tokens : "");
    char *save = NULL;
    self->graphql_url = s_graphql_url(self->api_url);
    for (char *t = strtok_r(list, ", ", &save);
         t && self->ntokens < GH_MAX_TOKENS; t = strtok_r(NULL, ", ", &save)) {
        self->graphql[self->ntokens] = s_http(cfg, self->graphql_url, t);
        s_hash(t, self->tokens[self->ntokens].id);
        self->tokens[self->ntokens++].http = s_http(cfg, self->api_url, t);
    }
    if (list)
        memset(list, 0, strlen(cfg->tokens ? cfg->tokens : ""));
    dp_free(list);
    bool anonymous = self->ntokens == 0;
    if (anonymous) {
        self->graphql[self->ntokens] = s_http(cfg, self->graphql_url, NULL);
        snprintf(self->tokens[self->ntokens].id, 17, "anonymous");
        self->tokens[self->ntokens++].http = s_http(cfg, self->api_url, NULL);
    }
    char why[256];
    if (dp_http_scope_check(self->api_url, self->api_url, !anonymous, why,
                            sizeof why) < 0)
        dp_log(DP_LOG_ERROR, "API URL refused, no request will be sent: %s",
               why);
    for (size_t i = 0; i < self->ntokens; i++) {
        self->tokens[i].remaining = self->tokens[i].limit = -1;
        self->tokens[i].reset = -1;
        if (!self->tokens[i].http || !self->graphql[i]) {
            gh_client_destroy(&self);
            return NULL;
        }
    }
    gh_client_reset(self);
    return self;
}

void gh_client_destroy(gh_client_t **self_p)
{
    assert(self_p);
    gh_client_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->ntokens; i++) {
        dp_http_destroy(&self->tokens[i].http);
        dp_http_destroy(&self->graphql[i]);
    }
    dp_strs_clear(&self->problems);
    dp_free(self->graphql_url);
    dp_free(self->api_url);
    dp_free(self);
    *self_p = NULL;
}

void gh_client_window_ttl(gh_client_t *self, long ttl_s)
{
    assert(self);
    self->window_ttl_s = ttl_s;
}

void gh_client_reset(gh_client_t *self)
{
    memset(&self->stats, 0, sizeof self->stats);
    self->stats.rl_remaining = self->stats.rl_limit = -1;
    self->status = 0;
    dp_strs_clear(&self->problems);
}

const gh_stats_t *gh_client_stats(const gh_client_t *self)
{
    return &self->stats;
}

const dp_strs_t *gh_client_problems(const gh_client_t *self)
{
    return &self->problems;
}

size_t gh_client_problem_count(const gh_client_t *self)
{
    return self->problems.count;
}

void gh_client_problems_keep(gh_client_t *self, size_t n)
{
    while (self->problems.count > n)
        dp_free(self->problems.items[--self->problems.count]);
}

long gh_client_status(const gh_client_t *self)
{
    return self->status;
}

long gh_client_poll_interval(const gh_client_t *self)
{
    return self->poll_s;
}

void gh_client_problem(gh_client_t *self, const char *fmt, ...)
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

/* ==== Waiting ==== */

/* Milliseconds in s seconds, s clamped to [0, GH_WAIT_MAX_S] first: a
 * wait GitHub names (or a hostile server) never overflows. */
static long s_secs_ms(int64_t s)
{
    if (s < 0)
        s = 0;
    if (s > GH_WAIT_MAX_S)
        s = GH_WAIT_MAX_S;
    return (long)s * 1000;
}

/* Sleeps, waking at once on a stop, so a shutdown is never held up. */
static void s_sleep_ms(gh_client_t *self, long ms)
{
    dp_service_sleep_ms(ms); /* the caller checks for a stop */
    self->stats.waited_ms += ms;
}

static long s_backoff_ms(gh_client_t *self, int attempt)
{
    long ms = self->cfg.retry_base_ms;
    for (int i = 0; i < attempt && ms < GH_BACKOFF_CAP_MS; i++)
        ms *= 2;
    if (ms > GH_BACKOFF_CAP_MS)
        ms = GH_BACKOFF_CAP_MS;
    /* Full jitter over the upper half. */
    return ms / 2 + (long)(rand_r(&self->seed) % (unsigned)(ms / 2 + 1));
}

/* Picks the token with the most requests left (unknown counts as full). */
static s_token_t *s_pick(gh_client_t *self)
{
    s_token_t *best = NULL;
    for (size_t i = 0; i < self->ntokens; i++) {
        s_token_t *t = &self->tokens[i];
        if (t->refused && i + 1 < self->ntokens)
            continue; /* the last token stands in when all were refused */
        long a = !best ? -2 : best->remaining < 0 ? LONG_MAX : best->remaining;
        long b = t->remaining < 0 ? LONG_MAX : t->remaining;
        if (!best || best->refused || b > a)
            best = t;
    }
    return best;
}

/* Leaves a refused token out of the pool; true when another one is left. */
static bool s_refuse(gh_client_t *self, s_token_t *t)
{
    if (self->ntokens < 2 || t->refused)
        return false;
    t->refused = true;
    for (size_t i = 0; i < self->ntokens; i++)
        if (!self->tokens[i].refused)
            return true;
    return false;
}

/* Before a request: near the wall, spread what is left over the time to
 * the reset; at the wall, wait for the reset. Returns DP_ERATE when that
 * wait would be longer than allowed. */
static int s_pace(gh_client_t *self, s_token_t *t, const char *what)
{
    if (t->remaining < 0 || t->reset <= 0 ||
        t->remaining > self->cfg.rate_reserve)
        return 0;
    int64_t left_s = t->reset - dp_time_now();
    if (left_s <= 0)
        return 0;
    if (left_s > GH_WAIT_MAX_S)
        left_s = GH_WAIT_MAX_S;
    long wait_ms;
    if (t->remaining == 0) {
        if (s_secs_ms(left_s) > s_secs_ms(self->cfg.max_wait_s)) {
            gh_client_problem(self,
                              "%s %s: rate limit used up for %llds, "
                              "longer than the %lds allowed",
                              self->verb, what, (long long)left_s,
                              self->cfg.max_wait_s);
            return DP_ERATE;
        }
        wait_ms = s_secs_ms(left_s) + 1000;
        gh_client_problem(self,
                          "rate limit used up: waiting %lds for the "
                          "reset",
                          (long)left_s + 1);
    } else {
        wait_ms = s_secs_ms(left_s) / (t->remaining + 1);
        if (wait_ms > GH_PACE_CAP_MS)
            wait_ms = GH_PACE_CAP_MS;
        dp_log(DP_LOG_INFO, "%ld requests left: pacing %ld ms", t->remaining,
               wait_ms);
    }
    s_sleep_ms(self, wait_ms);
    return 0;
}

static void s_note_rate(gh_client_t *self, s_token_t *t,
                        const dp_http_resp_t *resp)
{
    if (resp->rl_remaining >= 0) {
        t->remaining = resp->rl_remaining;
        dp_metrics_set(DP_M_GH_RATE_REMAINING, t->id, t->remaining);
    }
    if (resp->rl_limit >= 0)
        t->limit = resp->rl_limit;
    if (resp->rl_reset >= 0)
        t->reset = resp->rl_reset;
    s_token_t *best = s_pick(self);
    self->stats.rl_remaining = best->remaining;
    self->stats.rl_limit = best->limit;
}

/* How long to wait before retrying a 403/429, or -1 when it is no limit. */
static long s_limit_wait_ms(gh_client_t *self, const dp_http_resp_t *resp,
                            int attempt)
{
    if (resp->retry_after >= 0)
        return s_secs_ms(resp->retry_after);
    if (resp->rl_remaining == 0 && resp->rl_reset > 0)
        return s_secs_ms(resp->rl_reset - dp_time_now()) + 1000;
    /* A secondary limit without retry-after: back off exponentially. */
    if (resp->status == 429 || (resp->body && strstr(resp->body, "rate limit")))
        return s_backoff_ms(self, attempt);
    return -1;
}

/* ==== Cache ==== */

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
    if (!r || r->type != REDIS_REPLY_STRING || r->len == 0)
        return NULL;
    if (len)
        *len = r->len;
    return dp_strndup(r->str, r->len);
}

static void s_cache_load(gh_client_t *self, const char *key, s_cached_t *c)
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
    /* Conditional headers are worthless without the body they stand for. */
    if (!c->body)
        s_cached_clear(c);
}

static void s_cache_save(gh_client_t *self, const char *key,
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
    /* A listing "since" a window's start is asked for again only while that
     * window may be collected again (a replay, a rerun, the revisit for late
     * data a window later). A small body (a quiet repository) is kept that
     * long, since its 304 then costs nothing; a large one (a busy
     * repository, whose listing has changed by the revisit anyway) only as
     * long as replays come. Other bodies (a PR's files and reviews) serve
     * every window that shows the PR. */
    long ttl_s = self->cfg.cache_ttl_s;
    if (self->window_ttl_s > 0 && strstr(key, "since=")) {
        long window = resp->body_len <= GH_CACHE_SMALL_BODY ? self->window_ttl_s
                                                            : GH_CACHE_REPLAY_S;
        if (window < ttl_s)
            ttl_s = window;
    }
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_s);
    const char *exp[] = {"EXPIRE", key, ttl};
    dp_store_append(self->store, 10, argv, lens);
    dp_store_append(self->store, 3, exp, NULL);
    redisReply *replies[2] = {NULL, NULL};
    int n = dp_store_flush(self->store, replies, 2);
    for (int i = 0; i < n; i++)
        freeReplyObject(replies[i]);
}

/* ==== Requests ==== */

/* The path of a URL without scheme and host, for messages. */
static const char *s_path(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    return p ? p : url;
}

/* Records the items of a page that were skipped, once: a listing that
 * reads the page again (continued by time) skips them again. */
static void s_skipped(gh_client_t *self, const char *url, size_t skipped,
                      const char *note)
{
    const char *path = s_path(url);
    const char *query = strchr(path, '?');
    char *line = dp_asprintf(
        "GET %.*s: skipped %zu item%s that %s not valid JSON (%s)",
        (int)(query ? (size_t)(query - path) : strlen(path)), path, skipped,
        skipped > 1 ? "s" : "", skipped > 1 ? "are" : "is", note);
    bool seen = false;
    for (size_t i = 0; i < self->problems.count && !seen; i++)
        seen = !strcmp(self->problems.items[i], line);
    if (!seen)
        gh_client_problem(self, "%s", line);
    dp_free(line);
}

/* Classifies one answer. Sets *wait_ms >= 0 to retry after that long. */
static int s_answer(gh_client_t *self, const char *url, const char *key,
                    dp_http_resp_t *resp, const s_cached_t *cached, int attempt,
                    bool *conditional, json_t **doc, char **next, long *wait_ms)
{
    const char *body = resp->body;
    size_t body_len = resp->body_len;
    const char *link = resp->link;
    bool reuse = resp->status == 304 && cached->body;
    *wait_ms = -1;
    if (reuse) {
        self->stats.not_modified++;
        dp_metrics_add(DP_M_GH_NOT_MODIFIED, NULL, 1);
        body = cached->body;
        body_len = cached->body_len;
        if (!link && cached->link)
            link = cached->link;
    }
    if (resp->status == 200 || reuse) {
        char err[256], note[GH_PAGE_NOTE_MAX];
        size_t skipped = 0;
        *doc = gh_page_parse(body, body_len, &skipped, note, sizeof note, err,
                             sizeof err);
        if (skipped > 0)
            s_skipped(self, url, skipped, note);
        if (!*doc) {
            gh_client_problem(self,
                              "%s %s: %ld with a body that is not JSON "
                              "(%s)",
                              self->verb, s_path(url), resp->status, err);
            *conditional = false;
            *wait_ms = s_backoff_ms(self, attempt);
            return DP_EJSON;
        }
        if (resp->status == 200 && key)
            s_cache_save(self, key, resp);
        if (next)
            *next = dp_http_link_next(link);
        return 0;
    }
    switch (resp->status) {
    case 304: /* the cache lost the body: ask again in full */
        *conditional = false;
        *wait_ms = 0;
        return DP_EAGAIN;
    case 401:
        gh_client_problem(self, "%s %s: 401 bad credentials", self->verb,
                          s_path(url));
        return DP_EAUTH;
    case 404:
    case 410:
        gh_client_problem(self, "%s %s: %ld not found", self->verb, s_path(url),
                          resp->status);
        return DP_ENOTFOUND;
    case 403:
    case 429:
        *wait_ms = s_limit_wait_ms(self, resp, attempt);
        if (*wait_ms < 0) {
            gh_client_problem(self, "%s %s: 403 forbidden", self->verb,
                              s_path(url));
            return DP_EAUTH;
        }
        if (*wait_ms > s_secs_ms(self->cfg.max_wait_s)) {
            gh_client_problem(self,
                              "%s %s: rate limited for %lds, longer "
                              "than the %lds allowed",
                              self->verb, s_path(url), *wait_ms / 1000,
                              self->cfg.max_wait_s);
            *wait_ms = -1;
        } else {
            gh_client_problem(self, "%s %s: %ld %s rate limit, waited %ld ms",
                              self->verb, s_path(url), resp->status,
                              resp->rl_remaining == 0 ? "primary" : "secondary",
                              *wait_ms);
        }
        return DP_ERATE;
    default:
        gh_client_problem(self, "%s %s: %ld", self->verb, s_path(url),
                          resp->status);
        if (resp->status >= 500)
            *wait_ms = s_backoff_ms(self, attempt);
        return DP_EHTTP;
    }
}

/* One request with its retries: a GET of url (conditional, through the
 * cache) or, when post is not NULL, a POST of that JSON body to the
 * GraphQL endpoint (never conditional, never cached). Takes url. */
static int s_request(gh_client_t *self, char *url, const char *post,
                     json_t **doc, char **next)
{
    *doc = NULL;
    if (next)
        *next = NULL;
    self->status = 0;
    self->poll_s = -1;
    self->verb = post ? "POST" : "GET";
    char key[GH_KEY_MAX];
    dp_store_key(key, sizeof key, "http:%s:%s", self->pool_id, url);
    int rc = DP_EHTTP;
    bool conditional = post == NULL;
    int attempt;
    for (attempt = 0; attempt <= self->cfg.max_retries; attempt++) {
        if (dp_service_interrupted()) {
            rc = DP_EAGAIN;
            goto out;
        }
        if (attempt > 0) {
            self->stats.retries++;
            dp_metrics_add(DP_M_GH_RETRIES, NULL, 1);
        }
        s_token_t *token = s_pick(self);
        /* GraphQL has a budget of its own (points), not paced here. */
        rc = post ? 0 : s_pace(self, token, s_path(url));
        if (rc < 0)
            goto out;
        s_cached_t cached = {0};
        if (conditional)
            s_cache_load(self, key, &cached);
        dp_http_resp_t resp;
        int hrc = post ? dp_http_post_json(self->graphql[token - self->tokens],
                                           url, post, strlen(post), &resp)
                       : dp_http_get(token->http, url, cached.etag,
                                     cached.etag ? NULL : cached.last_modified,
                                     &resp);
        self->stats.requests++;
        dp_metrics_add(DP_M_GH_REQUESTS,
                       dp_metrics_http_class(hrc < 0 ? 0 : resp.status), 1);
        self->status = hrc < 0 ? 0 : resp.status;
        self->poll_s = hrc < 0 ? -1 : resp.poll_interval;
        long wait_ms = -1;
        if (hrc == DP_EAGAIN) {
            rc = DP_EAGAIN; /* a stop, not a failure: nothing to report */
        } else if (hrc < 0) {
            /* A URL outside the API (a next link, a redirect) was not
             * requested: the token stays home, and asking again changes
             * nothing. */
            gh_client_problem(self, "%s %s: %s", self->verb, s_path(url),
                              resp.error);
            rc = hrc == DP_ETOOBIG || hrc == DP_EORIGIN ? hrc : DP_EHTTP;
            if (rc == DP_EHTTP)
                wait_ms = s_backoff_ms(self, attempt);
        } else {
            if (!post)
                s_note_rate(self, token, &resp);
            rc = s_answer(self, url, post ? NULL : key, &resp, &cached, attempt,
                          &conditional, doc, next, &wait_ms);
            if (rc == DP_EAUTH && resp.status == 401 && s_refuse(self, token)) {
                gh_client_problem(self, "a token of the pool was refused "
                                        "(401) and is left out");
                wait_ms = 0; /* the next token, at once */
            }
        }
        dp_http_resp_clear(&resp);
        s_cached_clear(&cached);
        if (rc == 0 || wait_ms < 0)
            goto out;
        if (attempt < self->cfg.max_retries)
            s_sleep_ms(self, wait_ms);
    }
    gh_client_problem(self, "%s %s: gave up after %ld retries", self->verb,
                      s_path(url), self->cfg.max_retries);
out:
    dp_free(url);
    return rc;
}

int gh_client_get(gh_client_t *self, const char *target, json_t **doc,
                  char **next)
{
    assert(self && target && doc);
    char *url = target[0] == '/' ? dp_asprintf("%s%s", self->api_url, target)
                                 : dp_strdup(target);
    return s_request(self, url, NULL, doc, next);
}

int gh_client_graphql(gh_client_t *self, const char *body, json_t **doc)
{
    assert(self && body && doc);
    return s_request(self, dp_strdup(self->graphql_url), body, doc, NULL);
}

const char *gh_client_graphql_url(const gh_client_t *self)
{
    return self->graphql_url;
}

int gh_client_pages(gh_client_t *self, const char *target, long max_pages,
                    gh_page_fn each, void *arg)
{
    char *url = dp_strdup(target);
    int rc = 0;
    for (long page = 0; url && page < max_pages; page++) {
        json_t *doc = NULL;
        char *next = NULL;
        rc = gh_client_get(self, url, &doc, &next);
        dp_free(url);
        url = next;
        if (rc < 0)
            break;
        if (!json_is_array(doc)) {
            gh_client_problem(self, "listing page %ld is not a JSON array",
                              page + 1);
            json_decref(doc);
            rc = DP_EJSON;
            break;
        }
        rc = each(doc, arg);
        json_decref(doc);
        if (rc != 0)
            break;
    }
    if (rc > 0) /* each() had what it wanted */
        rc = 0;
    else if (url && rc == 0)
        gh_client_problem(self, "listing stopped at the bound of %ld pages",
                          max_pages);
    dp_free(url);
    return rc;
}

/* Appends the elements of a page to the array arg. */
static int s_extend(json_t *page, void *arg)
{
    json_array_extend(arg, page);
    return 0;
}

int gh_client_list(gh_client_t *self, const char *target, long max_pages,
                   json_t *all)
{
    return gh_client_pages(self, target, max_pages, s_extend, all);
}
