/* gh_graphql.h - pull request files and reviews through GitHub's GraphQL
 * API, many pull requests per query */
/* SPDX-License-Identifier: MIT */
#ifndef GH_GRAPHQL_H
#define GH_GRAPHQL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gh_client.h"

/* Pull requests asked for in one query: files and reviews of about 50 pull
 * requests, 100 of each, cost one point of GitHub's GraphQL budget. */
#define GH_GRAPHQL_BATCH 50

/* Nodes asked for per connection (files, reviews): GitHub's maximum. */
#define GH_GRAPHQL_PAGE 100

/* One pull request of a batch: the number is the caller's; the answers are
 * filled in, shaped as the REST API gives them, so the caller reads both
 * paths the same way. */
typedef struct {
    int64_t number;  /* in: the pull request */
    json_t *files;   /* out: [{filename, additions, deletions}], as GET
                      * /pulls/N/files; NULL when not known (the pull
                      * request has more files than one page, or GitHub
                      * did not answer for it): ask REST */
    json_t *reviews; /* out: [{id, user: {login, type}, author_association,
                      * state, submitted_at}], as GET /pulls/N/reviews;
                      * NULL when not known, as files */
} gh_graphql_pr_t;

/* Builds the query text for n pull requests (n at most GH_GRAPHQL_BATCH) of
 * a repository: the variables $owner and $name name the repository, $n0
 * .. $n<n-1> the pull requests, answered under the aliases p0..p<n-1>, each
 * with files and reviews (first 100, with totalCount and pageInfo); and
 * rateLimit { cost remaining }. The text depends on n only, so a server
 * may cache what it learnt of it. The caller frees the text. */
char *gh_graphql_pr_query(size_t n);

/* POSTs query with its variables (vars, an object or NULL, is taken) to
 * GitHub's GraphQL endpoint and stores the answer in *doc (the caller's;
 * NULL on failure). Returns 0 (an answer with "errors" included: the
 * caller reads them), DP_ENOTFOUND when there is no GraphQL endpoint
 * (GitHub Enterprise without it; recorded as no problem), DP_EJSON when no
 * request could be made of them, or gh_client_graphql's error. */
DP_NODISCARD int gh_graphql_post(gh_client_t *gh, const char *query,
                                 json_t *vars, json_t **doc);

/* Fetches files and reviews of prs[0..n) of repo ("owner/name") in
 * queries of GH_GRAPHQL_BATCH pull requests. What GitHub answered is
 * stored in each element (the caller frees it with gh_graphql_pr_clear);
 * a pull request GitHub answered nothing usable for (an error naming it,
 * null data, a second page) keeps NULL there. When cost is not NULL, adds
 * the points GitHub reported (rateLimit.cost) to *cost. Returns 0 when
 * every query was answered (possibly with partial data); DP_ENOTFOUND
 * when the GraphQL endpoint is not there (GitHub Enterprise without
 * GraphQL: nothing is recorded as a problem); DP_EJSON when an answer has
 * no data at all (a query GitHub refused, a GraphQL rate limit), its first
 * error logged; or gh_client_graphql's error. The pull requests of the
 * queries not answered keep NULL. */
DP_NODISCARD int gh_graphql_pr_details(gh_client_t *gh, const char *repo,
                                       gh_graphql_pr_t *prs, size_t n,
                                       long *cost);

/* Frees what gh_graphql_pr_details stored in prs[0..n). */
void gh_graphql_pr_clear(gh_graphql_pr_t *prs, size_t n);

#endif
