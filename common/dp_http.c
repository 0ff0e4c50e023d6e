/* dp_http.c - HTTP GET through libcurl, as GitHub clients need it */
/* SPDX-License-Identifier: MIT */
#include "dp_http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_config.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_metrics.h"
#include "dp_service.h"
#include "dp_time.h"

#define DP_HTTP_HEADER_MAX 8192
#define DP_HTTP_MAX_REDIRS 5
#define DP_HTTP_LOOPBACK_NET 127 /* 127.0.0.0/8 */

struct dp_http_t {
    CURL *curl; /* reused, so connections are kept alive */
    char *user_agent;
    char *auth; /* "Authorization: Bearer ..."; never logged */
    char *accept;
    char *scope; /* base URL every request stays below, or NULL */
    long timeout_ms;
    long connect_timeout_ms;
    size_t max_body;
};

/* Per-request state passed to the callbacks. */
typedef struct {
    dp_http_resp_t *resp;
    dp_buf_t body;
    size_t max_body;
    bool too_big;
} s_req_t;

static bool s_global_ready = false;

dp_http_t *dp_http_new(const dp_http_opts_t *opts)
{
    assert(opts);
    if (!s_global_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        s_global_ready = true;
    }
    CURL *curl = curl_easy_init();
    if (!curl)
        return NULL;
    dp_http_t *self = dp_calloc(1, sizeof *self);
    self->curl = curl;
    self->user_agent =
        dp_strdup(opts->user_agent ? opts->user_agent : "devpulse");
    if (opts->token && *opts->token)
        self->auth = dp_asprintf("Authorization: Bearer %s", opts->token);
    self->accept =
        opts->accept ? dp_asprintf("Accept: %s", opts->accept) : NULL;
    self->scope = opts->scope ? dp_strdup(opts->scope) : NULL;
    self->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    self->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    self->max_body = opts->max_body ? opts->max_body : 64u * 1024u * 1024u;
    return self;
}

void dp_http_destroy(dp_http_t **self_p)
{
    assert(self_p);
    dp_http_t *self = *self_p;
    if (!self)
        return;
    curl_easy_cleanup(self->curl);
    dp_free(self->user_agent);
    if (self->auth)
        memset(self->auth, 0, strlen(self->auth));
    dp_free(self->auth);
    dp_free(self->accept);
    dp_free(self->scope);
    dp_free(self);
    *self_p = NULL;
}

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    s_req_t *req = userp;
    size_t len = size * nmemb;
    if (req->body.len + len > req->max_body) {
        req->too_big = true;
        return 0; /* aborts the transfer */
    }
    dp_buf_append(&req->body, data, len);
    return len;
}

/* Called by libcurl many times a second while a transfer moves, and after
 * any signal wakes its poll: a stop aborts the transfer at once, so a
 * hanging server never holds up a shutdown. */
static int s_on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow,
                         curl_off_t ultotal, curl_off_t ulnow)
{
    (void)userp, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    dp_metrics_tick(); /* a long transfer is progress, not a stall */
    return dp_service_interrupted() ? 1 : 0;
}

/* A count of decimal digits, clamped to max: -1 when v is empty, signed
 * or not all digits. Never overflows, however long v is. */
static int64_t s_header_count(const char *v, int64_t max)
{
    int64_t n = 0;
    const char *p = v;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++)
        n = n > (max - (*p - '0')) / 10 ? max : n * 10 + (*p - '0');
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? -1 : n;
}

/* Retry-After: seconds, or an HTTP date (seconds from now); clamped to
 * DP_HTTP_WAIT_MAX_S. One that reads as neither (negative, garbage) means
 * a limit of unknown length: GitHub advises to wait a minute then. */
static long s_retry_after(const char *v)
{
    int64_t s = s_header_count(v, DP_HTTP_WAIT_MAX_S);
    if (s >= 0)
        return (long)s;
    time_t at = curl_getdate(v, NULL);
    if (at == (time_t)-1)
        return DP_HTTP_WAIT_DEFAULT_S;
    int64_t left = (int64_t)at - dp_time_now();
    return left <= 0                   ? 0
           : left > DP_HTTP_WAIT_MAX_S ? DP_HTTP_WAIT_MAX_S
                                       : (long)left;
}

/* Stores a header value when its name is one we keep. */
static void s_keep_header(dp_http_resp_t *resp, const char *name,
                          const char *value)
{
    char **slot = NULL;
    if (strcasecmp(name, "etag") == 0)
        slot = &resp->etag;
    else if (strcasecmp(name, "last-modified") == 0)
        slot = &resp->last_modified;
    else if (strcasecmp(name, "link") == 0)
        slot = &resp->link;
    else if (strcasecmp(name, "content-type") == 0)
        slot = &resp->content_type;
    if (slot) {
        dp_free(*slot);
        *slot = dp_strdup(value);
        return;
    }
    if (strcasecmp(name, "x-ratelimit-limit") == 0)
        resp->rl_limit = (long)s_header_count(value, DP_HTTP_COUNT_MAX);
    else if (strcasecmp(name, "x-ratelimit-remaining") == 0)
        resp->rl_remaining = (long)s_header_count(value, DP_HTTP_COUNT_MAX);
    else if (strcasecmp(name, "x-ratelimit-used") == 0)
        resp->rl_used = (long)s_header_count(value, DP_HTTP_COUNT_MAX);
    else if (strcasecmp(name, "x-ratelimit-reset") == 0)
        resp->rl_reset = s_header_count(value, DP_HTTP_EPOCH_MAX);
    else if (strcasecmp(name, "retry-after") == 0)
        resp->retry_after = s_retry_after(value);
    else if (strcasecmp(name, "x-poll-interval") == 0)
        resp->poll_interval = (long)s_header_count(value, DP_HTTP_WAIT_MAX_S);
}

static size_t s_on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    s_req_t *req = userp;
    size_t len = size * nmemb;
    char line[DP_HTTP_HEADER_MAX];
    if (len >= sizeof line)
        return len; /* ignore over-long headers */
    memcpy(line, data, len);
    line[len] = '\0';
    /* A new status line (after a redirect or 100-continue) starts over,
     * so the headers kept are those of the final response. */
    if (strncmp(line, "HTTP/", 5) == 0) {
        dp_http_resp_clear(req->resp);
        return len;
    }
    char *colon = strchr(line, ':');
    if (!colon)
        return len;
    *colon = '\0';
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t vlen = strlen(value);
    while (vlen && (value[vlen - 1] == '\r' || value[vlen - 1] == '\n' ||
                    value[vlen - 1] == ' '))
        value[--vlen] = '\0';
    s_keep_header(req->resp, line, value);
    return len;
}

static void s_resp_init(dp_http_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->rl_limit = resp->rl_remaining = resp->rl_used = -1;
    resp->rl_reset = -1;
    resp->retry_after = -1;
    resp->poll_interval = -1;
}

/* ==== Origins ==== */

/* A URL as libcurl reads it; the parts are owned. */
typedef struct {
    CURLU *h;     /* the parsed URL, handed to libcurl as is */
    char *scheme; /* lower case */
    char *host;   /* as written; "[::1]" for IPv6 */
    char *port;   /* the default port when none is written */
    char *path;   /* "." and ".." resolved */
    bool userinfo;
} s_url_t;

static void s_url_clear(s_url_t *u)
{
    if (u->h)
        curl_url_cleanup(u->h);
    dp_free(u->scheme);
    dp_free(u->host);
    dp_free(u->port);
    dp_free(u->path);
    memset(u, 0, sizeof *u);
}

static char *s_url_part(CURLU *h, CURLUPart what, unsigned int flags)
{
    char *part = NULL;
    if (curl_url_get(h, what, &part, flags) != CURLUE_OK || !part)
        return NULL;
    char *copy = dp_strdup(part);
    curl_free(part);
    return copy;
}

/* Parses url; 0, or DP_EORIGIN when libcurl cannot read it. */
static int s_url_parse(const char *url, s_url_t *u)
{
    memset(u, 0, sizeof *u);
    u->h = curl_url();
    if (!u->h || curl_url_set(u->h, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto fail;
    u->scheme = s_url_part(u->h, CURLUPART_SCHEME, 0);
    u->host = s_url_part(u->h, CURLUPART_HOST, 0);
    u->port = s_url_part(u->h, CURLUPART_PORT, CURLU_DEFAULT_PORT);
    u->path = s_url_part(u->h, CURLUPART_PATH, 0);
    char *user = s_url_part(u->h, CURLUPART_USER, 0);
    char *password = s_url_part(u->h, CURLUPART_PASSWORD, 0);
    u->userinfo = user || password;
    dp_free(user);
    dp_free(password);
    if (!u->scheme || !u->host || !u->port || !u->path)
        goto fail;
    for (char *p = u->scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
fail:
    s_url_clear(u);
    return DP_EORIGIN;
}

static bool s_loopback(const char *host)
{
    struct in_addr in;
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
        return true;
    return inet_pton(AF_INET, host, &in) == 1 &&
           (ntohl(in.s_addr) >> 24) == DP_HTTP_LOOPBACK_NET;
}

/* Is path at or below prefix ("" and "/" hold every path)? */
static bool s_below(const char *path, const char *prefix)
{
    size_t len = strlen(prefix);
    while (len > 0 && prefix[len - 1] == '/')
        len--;
    return strncmp(path, prefix, len) == 0 &&
           (path[len] == '\0' || path[len] == '/');
}

/* The check of dp_http_scope_check on parsed URLs; with_path false leaves
 * the path free (a redirect of a client without a scope). */
static int s_scope_check(const s_url_t *base, const s_url_t *u, bool with_token,
                         bool with_path, char *why, size_t size)
{
    const char *no = NULL, *tail = "";
    bool web = !strcmp(base->scheme, "https") || !strcmp(base->scheme, "http");
    bool origin = !strcmp(u->scheme, base->scheme) &&
                  !strcasecmp(u->host, base->host) &&
                  !strcmp(u->port, base->port);
    if (!web)
        no = "the API is neither https nor http";
    else if (!origin)
        no = "outside the API's origin";
    else if (with_path && !s_below(u->path, base->path)) {
        no = "outside the API's path";
        tail = base->path;
    } else if (u->userinfo)
        no = "a URL with a user name or password";
    else if (with_token && strcmp(base->scheme, "https") != 0 &&
             !s_loopback(base->host))
        no = "the token goes over https only (plain http on loopback)";
    if (!no)
        return 0;
    if (web && origin)
        snprintf(why, size, "%s://%s:%s%s: %s%s%s", u->scheme, u->host, u->port,
                 u->path, no, *tail ? " " : "", tail);
    else
        snprintf(why, size, "%s://%s:%s: %s %s://%s:%s", u->scheme, u->host,
                 u->port, no, base->scheme, base->host, base->port);
    return DP_EORIGIN;
}

int dp_http_scope_check(const char *base, const char *url, bool with_token,
                        char *why, size_t size)
{
    assert(base && url && why && size > 0);
    s_url_t b, u;
    int rc = DP_EORIGIN;
    snprintf(why, size, "not a URL libcurl reads");
    if (s_url_parse(base, &b) < 0)
        return rc;
    if (s_url_parse(url, &u) == 0) {
        rc = s_scope_check(&b, &u, with_token, true, why, size);
        s_url_clear(&u);
    }
    s_url_clear(&b);
    return rc;
}

/* ==== Requests ==== */

/* One transfer of the parsed URL, without following a redirect. */
static int s_perform(dp_http_t *self, CURLU *url, struct curl_slist *headers,
                     const char *post, size_t post_len, dp_http_resp_t *resp)
{
    s_req_t req = {resp, DP_BUF_INIT, self->max_body, false};
    CURL *c = self->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_CURLU, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, self->user_agent);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, self->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Redirects are decided in dp_http_get: libcurl would send the
     * Authorization header, a custom one, wherever a redirect points
     * unless it is to another host. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &req);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &req);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, s_on_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    if (post) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    }

    CURLcode cc = dp_service_interrupted() ? CURLE_ABORTED_BY_CALLBACK
                                           : curl_easy_perform(c);
    int rc = 0;
    if (cc == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(resp->error, sizeof resp->error, "interrupted by a stop");
        rc = DP_EAGAIN;
    } else if (req.too_big) {
        snprintf(resp->error, sizeof resp->error, "body larger than %zu bytes",
                 self->max_body);
        rc = DP_ETOOBIG;
    } else if (cc != CURLE_OK) {
        snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(cc));
        rc = DP_EHTTP;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    }
    if (rc < 0)
        resp->status = 0;
    resp->body_len = req.body.len;
    resp->body = dp_buf_take(&req.body);
    return rc;
}

static bool s_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 ||
           status == 308;
}

/* Where the redirect just answered points (resolved by libcurl), or
 * NULL. The caller frees it. */
static char *s_location(dp_http_t *self)
{
    char *loc = NULL;
    if (curl_easy_getinfo(self->curl, CURLINFO_REDIRECT_URL, &loc) !=
            CURLE_OK ||
        !loc)
        return NULL;
    return dp_strdup(loc);
}

/* The headers every request carries: credentials, Accept, API version. */
static struct curl_slist *s_headers(const dp_http_t *self)
{
    struct curl_slist *headers = NULL;
    if (self->auth)
        headers = curl_slist_append(headers, self->auth);
    if (self->accept)
        headers = curl_slist_append(headers, self->accept);
    return curl_slist_append(headers, "X-GitHub-Api-Version: 2022-11-28");
}

int dp_http_get(dp_http_t *self, const char *url, const char *if_none_match,
                const char *if_modified_since, dp_http_resp_t *resp)
{
    assert(self && url && resp);
    s_resp_init(resp);
    struct curl_slist *headers = s_headers(self);
    char *inm = NULL, *ims = NULL;
    if (if_none_match && *if_none_match) {
        inm = dp_asprintf("If-None-Match: %s", if_none_match);
        headers = curl_slist_append(headers, inm);
    }
    if (if_modified_since && *if_modified_since) {
        ims = dp_asprintf("If-Modified-Since: %s", if_modified_since);
        headers = curl_slist_append(headers, ims);
    }

    /* Every URL is checked before anything is sent to it: against the
     * scope, or (without one) redirects against the caller's URL. */
    bool token = self->auth != NULL;
    s_url_t base = {0}, at = {0};
    char *next = NULL;
    int rc = s_url_parse(self->scope ? self->scope : url, &base);
    if (rc == 0)
        rc = s_url_parse(url, &at);
    if (rc < 0) {
        snprintf(resp->error, sizeof resp->error, "not a URL libcurl reads");
        goto out;
    }
    rc = s_scope_check(&base, &at, token, self->scope != NULL, resp->error,
                       sizeof resp->error);
    for (int hop = 0; rc == 0; hop++) {
        rc = s_perform(self, at.h, headers, NULL, 0, resp);
        if (rc < 0 || !s_redirect(resp->status))
            break;
        next = s_location(self);
        if (!next)
            break; /* a redirect to nowhere is answered as it came */
        if (hop == DP_HTTP_MAX_REDIRS) {
            snprintf(resp->error, sizeof resp->error, "more than %d redirects",
                     DP_HTTP_MAX_REDIRS);
            rc = DP_EHTTP;
            break;
        }
        s_url_clear(&at);
        int n = snprintf(resp->error, sizeof resp->error,
                         "%ld redirect not followed: ", resp->status);
        size_t used = n > 0 ? (size_t)n : 0;
        if (s_url_parse(next, &at) < 0) {
            snprintf(resp->error + used, sizeof resp->error - used,
                     "not a URL libcurl reads");
            rc = DP_EORIGIN;
        } else if (s_scope_check(&base, &at, token, self->scope != NULL,
                                 resp->error + used,
                                 sizeof resp->error - used) < 0) {
            rc = DP_EORIGIN;
        } else {
            long status = resp->status;
            dp_http_resp_clear(resp);
            dp_log(DP_LOG_DEBUG, "following a %ld redirect to %s", status,
                   at.path);
        }
        dp_free(next);
        next = NULL;
    }
out:
    dp_free(next);
    s_url_clear(&at);
    s_url_clear(&base);
    curl_slist_free_all(headers);
    dp_free(inm);
    dp_free(ims);
    return rc;
}

int dp_http_post_json(dp_http_t *self, const char *url, const char *body,
                      size_t body_len, dp_http_resp_t *resp)
{
    assert(self && url && body && resp);
    s_resp_init(resp);
    struct curl_slist *headers = s_headers(self);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    s_url_t base = {0}, at = {0};
    int rc = s_url_parse(self->scope ? self->scope : url, &base);
    if (rc == 0)
        rc = s_url_parse(url, &at);
    if (rc < 0)
        snprintf(resp->error, sizeof resp->error, "not a URL libcurl reads");
    else
        rc = s_scope_check(&base, &at, self->auth != NULL, self->scope != NULL,
                           resp->error, sizeof resp->error);
    /* A redirect is answered as it came: a body is not sent twice. */
    if (rc == 0)
        rc = s_perform(self, at.h, headers, body, body_len, resp);
    s_url_clear(&at);
    s_url_clear(&base);
    curl_slist_free_all(headers);
    return rc;
}

void dp_http_resp_clear(dp_http_resp_t *resp)
{
    if (!resp)
        return;
    dp_free(resp->body);
    dp_free(resp->etag);
    dp_free(resp->last_modified);
    dp_free(resp->link);
    dp_free(resp->content_type);
    s_resp_init(resp);
}

char *dp_http_link_next(const char *link)
{
    /* Link: <url>; rel="next", <url>; rel="last" */
    const char *p = link;
    while (p && *p) {
        const char *lt = strchr(p, '<');
        if (!lt)
            return NULL;
        const char *gt = strchr(lt, '>');
        if (!gt)
            return NULL;
        const char *end = strchr(gt, ',');
        size_t plen = end ? (size_t)(end - gt) : strlen(gt);
        char params[256];
        if (plen >= sizeof params)
            plen = sizeof params - 1;
        memcpy(params, gt, plen);
        params[plen] = '\0';
        if (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))
            return gt > lt + 1 ? dp_strndup(lt + 1, (size_t)(gt - lt - 1))
                               : NULL;
        p = end ? end + 1 : NULL;
    }
    return NULL;
}
