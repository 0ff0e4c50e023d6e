/* dp_http.h - HTTP GET through libcurl, as GitHub clients need it */
/* SPDX-License-Identifier: MIT */
#ifndef DP_HTTP_H
#define DP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"

typedef struct dp_http_t dp_http_t;

typedef struct {
    const char *user_agent; /* sent as User-Agent; required by GitHub */
    const char *token;      /* "Authorization: Bearer <token>", or NULL */
    const char *accept;     /* Accept header, or NULL */
    long timeout_ms;        /* whole-request timeout */
    long connect_timeout_ms;
    size_t max_body; /* larger bodies fail with DP_ETOOBIG */
} dp_http_opts_t;

/* One response. Header values are copied; names are matched in any case. */
typedef struct {
    long status; /* HTTP status, 0 when no response arrived */
    char *body;  /* NUL-terminated, owned */
    size_t body_len;
    char *etag;          /* "ETag", weak or strong, as sent; or NULL */
    char *last_modified; /* "Last-Modified", or NULL */
    char *link;          /* "Link", or NULL */
    char *content_type;  /* "Content-Type", or NULL */
    long rl_limit;       /* x-ratelimit-limit, -1 when absent */
    long rl_remaining;   /* x-ratelimit-remaining, -1 when absent */
    long rl_used;        /* x-ratelimit-used, -1 when absent */
    int64_t rl_reset;    /* x-ratelimit-reset (epoch s), -1 when absent */
    long retry_after;    /* retry-after in seconds, -1 when absent */
    char error[256];     /* transport error text when status is 0 */
} dp_http_resp_t;

/* Creates a client. The strings in opts are copied. NULL on failure. */
dp_http_t *dp_http_new(const dp_http_opts_t *opts);

/* Frees the client. Idempotent. */
void dp_http_destroy(dp_http_t **self_p);

/* GETs url, sending If-None-Match / If-Modified-Since when given. Fills
 * resp (clear it with dp_http_resp_clear). Returns 0 when a response
 * arrived, whatever its status; DP_EHTTP for a transport failure (refused,
 * timeout; resp->error says which); DP_ETOOBIG for an oversized body;
 * DP_EAGAIN when a stop (SIGINT/SIGTERM, see dp_service.h) came before or
 * during the transfer, which is then aborted within a moment: that is an
 * interruption, not a failure of the server. */
DP_NODISCARD int dp_http_get(dp_http_t *self, const char *url,
                             const char *if_none_match,
                             const char *if_modified_since,
                             dp_http_resp_t *resp);

/* Frees what a response holds and zeroes it. */
void dp_http_resp_clear(dp_http_resp_t *resp);

/* Extracts the URL with rel="next" from a Link header value; the caller
 * frees it. NULL when there is none or the header is malformed. */
char *dp_http_link_next(const char *link);

#endif
