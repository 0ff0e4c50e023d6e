/* dp_http.c - HTTP GET through libcurl, as GitHub clients need it */
/* SPDX-License-Identifier: MIT */
#include "dp_http.h"

#include <assert.h>
#include <limits.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_config.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"

#define DP_HTTP_HEADER_MAX 8192
#define DP_HTTP_MAX_REDIRS 5L

struct dp_http_t {
    CURL *curl; /* reused, so connections are kept alive */
    char *user_agent;
    char *auth; /* "Authorization: Bearer ..."; never logged */
    char *accept;
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
    return dp_service_interrupted() ? 1 : 0;
}

static long s_header_long(const char *v)
{
    long n = -1;
    if (dp_parse_long(v, -1, LONG_MAX, &n) < 0)
        return -1;
    return n;
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
        resp->rl_limit = s_header_long(value);
    else if (strcasecmp(name, "x-ratelimit-remaining") == 0)
        resp->rl_remaining = s_header_long(value);
    else if (strcasecmp(name, "x-ratelimit-used") == 0)
        resp->rl_used = s_header_long(value);
    else if (strcasecmp(name, "x-ratelimit-reset") == 0)
        resp->rl_reset = s_header_long(value);
    else if (strcasecmp(name, "retry-after") == 0)
        resp->retry_after = s_header_long(value);
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
}

int dp_http_get(dp_http_t *self, const char *url, const char *if_none_match,
                const char *if_modified_since, dp_http_resp_t *resp)
{
    assert(self && url && resp);
    s_resp_init(resp);
    s_req_t req = {resp, DP_BUF_INIT, self->max_body, false};
    struct curl_slist *headers = NULL;
    if (self->auth)
        headers = curl_slist_append(headers, self->auth);
    if (self->accept)
        headers = curl_slist_append(headers, self->accept);
    headers = curl_slist_append(headers, "X-GitHub-Api-Version: 2022-11-28");
    char *inm = NULL, *ims = NULL;
    if (if_none_match && *if_none_match) {
        inm = dp_asprintf("If-None-Match: %s", if_none_match);
        headers = curl_slist_append(headers, inm);
    }
    if (if_modified_since && *if_modified_since) {
        ims = dp_asprintf("If-Modified-Since: %s", if_modified_since);
        headers = curl_slist_append(headers, ims);
    }

    CURL *c = self->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, self->user_agent);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, self->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, self->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* GitHub answers 301 for renamed and transferred repositories. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, DP_HTTP_MAX_REDIRS);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &req);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &req);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, s_on_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

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
    curl_slist_free_all(headers);
    dp_free(inm);
    dp_free(ims);
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
