/* gh_client.h - GitHub REST reads: cache, conditional requests, retries,
 * rate limits and a token pool */
/* SPDX-License-Identifier: MIT */
#ifndef GH_CLIENT_H
#define GH_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dp_err.h"
#include "dp_proto.h"
#include "dp_store.h"

typedef struct gh_client_t gh_client_t;

/* Settings; strings are copied, the store is borrowed. */
typedef struct {
    const char *api_url; /* "https://api.github.com", or with a path */
    const char *tokens;  /* one token or a comma-separated pool; may be NULL */
    dp_store_t *store;   /* HTTP cache (ETag, Last-Modified, Link, body) */
    long timeout_ms;     /* per request */
    long max_retries;    /* per request, for 5xx, transport and bad bodies */
    long retry_base_ms;  /* first backoff; doubles, with full jitter */
    long max_wait_s;     /* longest wait for a rate limit */
    long max_body;       /* largest body accepted */
    long cache_ttl_s;    /* lifetime of cache entries */
    long rate_reserve;   /* below this many requests left, slow down */
} gh_client_cfg_t;

/* Counters since the last gh_client_reset. */
typedef struct {
    long requests;     /* HTTP requests made */
    long not_modified; /* of which answered 304 (free of rate limit) */
    long retries;      /* requests repeated after a fault */
    long waited_ms;    /* time spent waiting on limits and backoff */
    long rl_remaining; /* requests left on the best token, -1 unknown */
    long rl_limit;     /* limit of that token, -1 unknown */
} gh_stats_t;

/* Creates a client. NULL when no HTTP client can be made (logged). */
gh_client_t *gh_client_new(const gh_client_cfg_t *cfg);

/* Frees the client. Idempotent. */
void gh_client_destroy(gh_client_t **self_p);

/* Zeroes the counters and forgets the problems (at a window's start). */
void gh_client_reset(gh_client_t *self);

/* Sets how long cached bodies of listings that carry `since=` are kept
 * (0: as other bodies, cfg.cache_ttl_s): such a URL names one window's
 * start, and no later window asks for it. */
void gh_client_window_ttl(gh_client_t *self, long ttl_s);

/* Counters and problems ("GET /repos/..: 502", one line each) so far. */
const gh_stats_t *gh_client_stats(const gh_client_t *self);
const dp_strs_t *gh_client_problems(const gh_client_t *self);

/* Records a problem line of the caller's own. */
void gh_client_problem(gh_client_t *self, const char *fmt, ...) DP_PRINTF(2, 3);

/* The number of problem lines recorded so far. */
size_t gh_client_problem_count(const gh_client_t *self);

/* Forgets the problem lines past the first n: a fault the caller recovered
 * from (a page GitHub refused that a listing got another way). */
void gh_client_problems_keep(gh_client_t *self, size_t n);

/* The HTTP status of the last answer to gh_client_get (the last try of
 * it), or 0 when it got none (a transport failure, an interruption). */
long gh_client_status(const gh_client_t *self);

/* The X-Poll-Interval (seconds) of the last answer to gh_client_get, a 304
 * included, or -1 when it had none. */
long gh_client_poll_interval(const gh_client_t *self);

/* GETs a JSON document. target is a path below the API URL ("/repos/o/r")
 * or a full URL (a Link from an earlier page). Conditional requests reuse
 * the cached body on 304. An array some of whose items do not parse (an
 * integer beyond 64 bits, a byte that is not UTF-8) gives the others, with
 * a problem naming what was skipped (see gh_page_parse). 5xx, transport
 * failures and other bodies that are not JSON are retried with backoff; 403/429
 * rate limits are waited out (up to max_wait_s; a longer one, however
 * large the header, is DP_ERATE). Stores the document (the caller's) and,
 * when next is not NULL, the rel="next" URL as sent (the caller frees it;
 * NULL on the last page). No request, and so no token, goes outside the
 * API URL (its scheme, host, port and path; https unless it is plain http
 * on loopback): a target there, or a redirect that leads there, is
 * DP_EORIGIN, recorded as a problem naming the origin refused. Returns 0,
 * DP_EAUTH (401, or a 403 that is no rate limit), DP_ENOTFOUND (404/410),
 * DP_ERATE, DP_EJSON, DP_ETOOBIG, DP_EORIGIN, DP_EHTTP or DP_EAGAIN when
 * interrupted. Every failure is also recorded as a problem.
 */
DP_NODISCARD int gh_client_get(gh_client_t *self, const char *target,
                               json_t **doc, char **next);

/* POSTs a GraphQL request (body: the JSON object {"query": ...,
 * "variables": ...}) to the GraphQL endpoint beside the API URL
 * (gh_client_graphql_url), with the pool's token, and stores the answer's
 * JSON document in *doc (the caller's). Never conditional and never cached:
 * GraphQL has no conditional requests. Retries, rate limits, the token pool
 * and the origin check (scoped to the GraphQL URL) work as for
 * gh_client_get, and it returns the same codes: a GraphQL answer with
 * "errors" is still 0 here (the caller reads them); DP_ENOTFOUND means the
 * endpoint is not there (GitHub Enterprise without GraphQL). */
DP_NODISCARD int gh_client_graphql(gh_client_t *self, const char *body,
                                   json_t **doc);

/* The GraphQL endpoint: <API URL>/graphql, or <host>/api/graphql when the
 * API URL is a GitHub Enterprise Server's <host>/api/v3. Borrowed. */
const char *gh_client_graphql_url(const gh_client_t *self);

/* Receives one page of a listing (a JSON array, borrowed for the call):
 * returns 0 for the next page, 1 to stop there, or an error code. */
typedef int (*gh_page_fn)(json_t *page, void *arg);

/* GETs the pages of a listing (at most max_pages; a problem is recorded
 * when that bound stops it) and hands each to each() until it returns
 * nonzero. Returns as gh_client_get, each()'s error, or DP_EJSON for a
 * page that is not an array; 0 when each() stopped it. */
DP_NODISCARD int gh_client_pages(gh_client_t *self, const char *target,
                                 long max_pages, gh_page_fn each, void *arg);

/* GETs every page of a listing (at most max_pages) and appends the
 * elements of each page's array to all. Returns as gh_client_get; a page
 * that is not an array is DP_EJSON. */
DP_NODISCARD int gh_client_list(gh_client_t *self, const char *target,
                                long max_pages, json_t *all);

#endif
