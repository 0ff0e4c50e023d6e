/* dp_http.h - HTTP GET and POST through libcurl, as GitHub clients need it */
/* SPDX-License-Identifier: MIT */
#ifndef DP_HTTP_H
#define DP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"

typedef struct dp_http_t dp_http_t;

/* Bounds of the numbers read from rate-limit headers: a larger value is
 * read as the bound, so no arithmetic on it overflows. */
#define DP_HTTP_COUNT_MAX 1000000000L  /* x-ratelimit-limit, -remaining */
#define DP_HTTP_EPOCH_MAX 253402300799 /* x-ratelimit-reset: 9999-12-31 */
#define DP_HTTP_WAIT_MAX_S 604800L     /* retry-after: a week */
#define DP_HTTP_WAIT_DEFAULT_S 60L     /* retry-after that is unreadable */

typedef struct {
    const char *user_agent; /* sent as User-Agent; required by GitHub */
    const char *token;      /* "Authorization: Bearer <token>", or NULL */
    const char *scope;      /* the API's base URL: every request and
                             * redirect stays below it (dp_http_scope_check);
                             * NULL: the URLs the caller passes, redirects
                             * within their origin */
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
    /* Rate-limit headers; -1 when absent or not a count (negative,
     * garbage); a larger value is clamped to the bound named. */
    long rl_limit;     /* x-ratelimit-limit, <= DP_HTTP_COUNT_MAX */
    long rl_remaining; /* x-ratelimit-remaining, <= DP_HTTP_COUNT_MAX */
    long rl_used;      /* x-ratelimit-used, <= DP_HTTP_COUNT_MAX */
    int64_t rl_reset;  /* x-ratelimit-reset, epoch s <= DP_HTTP_EPOCH_MAX */
    long retry_after;  /* retry-after in seconds (or an HTTP date, from
                        * now), <= DP_HTTP_WAIT_MAX_S; unreadable:
                        * DP_HTTP_WAIT_DEFAULT_S, as GitHub advises */
    char error[256];   /* transport error text when status is 0 */

    /* x-poll-interval (events endpoints) in seconds, <= DP_HTTP_WAIT_MAX_S;
     * -1 when absent. */
    long poll_interval;
} dp_http_resp_t;

/* Creates a client. The strings in opts are copied. NULL on failure. */
dp_http_t *dp_http_new(const dp_http_opts_t *opts);

/* Frees the client. Idempotent. */
void dp_http_destroy(dp_http_t **self_p);

/* GETs url, sending If-None-Match / If-Modified-Since when given. Fills
 * resp (clear it with dp_http_resp_clear). Redirects (301, 302, 303, 307,
 * 308) are followed here, not by libcurl, and only below the client's
 * scope (or, without one, within url's origin), at most 5 of them.
 * Returns 0 when a response arrived, whatever its status; DP_EORIGIN when
 * url is outside the scope (nothing is sent) or a redirect leads outside
 * it (not followed; resp->status is the redirect's), with resp->error
 * naming the origin refused; DP_EHTTP for a transport failure (refused,
 * timeout, too many redirects; resp->error says which); DP_ETOOBIG for an
 * oversized body; DP_EAGAIN when a stop (SIGINT/SIGTERM, see dp_service.h)
 * came before or during the transfer, which is then aborted within a
 * moment: that is an interruption, not a failure of the server. */
DP_NODISCARD int dp_http_get(dp_http_t *self, const char *url,
                             const char *if_none_match,
                             const char *if_modified_since,
                             dp_http_resp_t *resp);

/* POSTs body (JSON, body_len bytes; "Content-Type: application/json")
 * to url, with the same credentials, headers, scope check and bounds as
 * dp_http_get. A redirect is not followed: it is answered as it came.
 * Fills resp (clear it with dp_http_resp_clear). Returns as dp_http_get:
 * 0 when a response arrived, DP_EORIGIN when url is outside the scope
 * (nothing is sent), DP_EHTTP, DP_ETOOBIG or DP_EAGAIN. */
DP_NODISCARD int dp_http_post_json(dp_http_t *self, const char *url,
                                   const char *body, size_t body_len,
                                   dp_http_resp_t *resp);

/* Checks that url may be requested by a client whose API is base (a URL,
 * with a path for GitHub Enterprise: "https://ghe.example.com/api/v3"):
 * the same scheme, host (in any case) and port (a default port written or
 * not), a path at or below base's path (after "." and ".." segments are
 * resolved), and no user name or password; when with_token, also https,
 * unless base itself is plain http on a loopback address (127.0.0.0/8,
 * ::1, localhost). Both are parsed by libcurl, as the request would be.
 * Returns 0, or DP_EORIGIN with the reason in why (origins and paths only,
 * never a query or a credential). */
DP_NODISCARD int dp_http_scope_check(const char *base, const char *url,
                                     bool with_token, char *why, size_t size);

/* Frees what a response holds and zeroes it. */
void dp_http_resp_clear(dp_http_resp_t *resp);

/* Extracts the URL with rel="next" from a Link header value; the caller
 * frees it. NULL when there is none or the header is malformed. */
char *dp_http_link_next(const char *link);

#endif
