/* gh_graphql.c - pull request files and reviews through GitHub's GraphQL
 * API, many pull requests per query */
/* SPDX-License-Identifier: MIT */
#include "gh_graphql.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"

#define GH_GRAPHQL_ALIAS_MAX 24 /* "p" or "n" and a batch index */
#define GH_GRAPHQL_NAME_MAX 256 /* owner or repository name */

/* What the REST path reads of a pull request, asked once per query as a
 * fragment (%d: GH_GRAPHQL_PAGE); the names are checked against GitHub's
 * schema by the tests. */
static const char s_fragment[] =
    "fragment prDetail on PullRequest {"
    " files(first: %d) { totalCount nodes { path additions deletions }"
    " pageInfo { hasNextPage endCursor } }"
    " reviews(first: %d) { totalCount nodes { databaseId"
    " author { login __typename } authorAssociation state submittedAt }"
    " pageInfo { hasNextPage endCursor } } }";

char *gh_graphql_pr_query(size_t n)
{
    assert(n <= GH_GRAPHQL_BATCH);
    dp_buf_t q = DP_BUF_INIT;
    dp_buf_printf(&q, "query($owner: String!, $name: String!");
    for (size_t i = 0; i < n; i++)
        dp_buf_printf(&q, ", $n%zu: Int!", i);
    dp_buf_printf(&q, ") { rateLimit { cost remaining }"
                      " repository(owner: $owner, name: $name) {");
    for (size_t i = 0; i < n; i++)
        dp_buf_printf(&q, " p%zu: pullRequest(number: $n%zu) { ...prDetail }",
                      i, i);
    dp_buf_printf(&q, " } } ");
    dp_buf_printf(&q, s_fragment, GH_GRAPHQL_PAGE, GH_GRAPHQL_PAGE);
    return dp_buf_take(&q);
}

/* ==== Answers, shaped as REST gives them ==== */

/* True when a connection has more than the page asked for. */
static bool s_more(const json_t *conn)
{
    return dp_json_bool(conn, "pageInfo.hasNextPage", false);
}

/* A connection's nodes as a REST list, each mapped by map; NULL when the
 * connection has no nodes or more than one page (REST answers then). */
static json_t *s_list(const json_t *conn, json_t *(*map)(const json_t *node))
{
    json_t *nodes = json_object_get(conn, "nodes");
    if (!json_is_array(nodes) || s_more(conn))
        return NULL;
    json_t *out = json_array();
    size_t i;
    json_t *node;
    json_array_foreach(nodes, i, node) json_array_append_new(out, map(node));
    return out;
}

/* A files node { path additions deletions } as GET /pulls/N/files has
 * it. */
static json_t *s_file(const json_t *f)
{
    json_t *o = json_object();
    const char *path = dp_json_str(f, "path");
    if (path)
        json_object_set_new(o, "filename", json_string(path));
    json_object_set(o, "additions", json_object_get(f, "additions"));
    json_object_set(o, "deletions", json_object_get(f, "deletions"));
    return o;
}

/* The REST user of a GraphQL author: GraphQL names a GitHub App's account
 * without the "[bot]" its REST login carries. null for a deleted account
 * (REST's "user": null). */
static json_t *s_user(const json_t *author)
{
    const char *login = dp_json_str(author, "login");
    const char *type = dp_json_str(author, "__typename");
    if (!login)
        return json_null();
    bool bot = type && !strcmp(type, "Bot");
    char *name = bot ? dp_asprintf("%s[bot]", login) : dp_strdup(login);
    json_t *user = json_pack("{s:s, s:s?}", "login", name, "type", type);
    dp_free(name);
    return user ? user : json_null();
}

/* A reviews node as GET /pulls/N/reviews has it. */
static json_t *s_review(const json_t *r)
{
    json_t *o = json_object();
    json_object_set(o, "id", json_object_get(r, "databaseId"));
    json_object_set_new(o, "user", s_user(json_object_get(r, "author")));
    json_object_set(o, "author_association",
                    json_object_get(r, "authorAssociation"));
    json_object_set(o, "state", json_object_get(r, "state"));
    json_object_set(o, "submitted_at", json_object_get(r, "submittedAt"));
    /* A field GitHub did not send is null, as in REST. */
    const char *keys[] = {"id", "author_association", "state", "submitted_at"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!json_object_get(o, keys[k]))
            json_object_set_new(o, keys[k], json_null());
    return o;
}

/* Logs the first GraphQL error of an answer, if any. */
static void s_log_errors(const json_t *doc, const char *repo, bool fatal)
{
    json_t *errors = json_object_get(doc, "errors");
    if (!json_is_array(errors) || json_array_size(errors) == 0)
        return;
    json_t *first = json_array_get(errors, 0);
    const char *msg = dp_json_str(first, "message");
    const char *type = dp_json_str(first, "type");
    dp_log(fatal ? DP_LOG_WARN : DP_LOG_INFO,
           "%s: GraphQL answered %zu error%s (%s%s%s)%s", repo,
           json_array_size(errors), json_array_size(errors) > 1 ? "s" : "",
           type ? type : "", type ? ": " : "", msg ? msg : "?",
           fatal ? "; REST is asked instead" : "");
}

int gh_graphql_post(gh_client_t *gh, const char *query, json_t *vars,
                    json_t **doc)
{
    assert(gh && query && doc);
    *doc = NULL;
    json_t *req = json_pack("{s:s, s:o*}", "query", query, "variables", vars);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    int rc = DP_EJSON;
    size_t problems = gh_client_problem_count(gh);
    if (body)
        rc = gh_client_graphql(gh, body, doc);
    /* No GraphQL here: the caller goes on with REST, which is no fault of
     * the window. */
    if (rc == DP_ENOTFOUND)
        gh_client_problems_keep(gh, problems);
    free(body);
    json_decref(req);
    return rc;
}

/* One query for prs[0..n). */
static int s_batch(gh_client_t *gh, const char *owner, const char *name,
                   const char *repo, gh_graphql_pr_t *prs, size_t n, long *cost)
{
    char *query = gh_graphql_pr_query(n);
    json_t *vars = json_pack("{s:s, s:s}", "owner", owner, "name", name);
    for (size_t i = 0; vars && i < n; i++) {
        char var[GH_GRAPHQL_ALIAS_MAX];
        snprintf(var, sizeof var, "n%zu", i);
        json_object_set_new(vars, var, json_integer((json_int_t)prs[i].number));
    }
    json_t *doc = NULL;
    int rc = gh_graphql_post(gh, query, vars, &doc);
    if (rc < 0)
        goto out;
    json_t *data = json_object_get(doc, "data");
    json_t *repository = json_object_get(data, "repository");
    if (!json_is_object(repository)) {
        s_log_errors(doc, repo, true);
        rc = DP_EJSON;
        goto out;
    }
    s_log_errors(doc, repo, false);
    if (cost)
        *cost += (long)dp_json_int(data, "rateLimit.cost", 0);
    for (size_t i = 0; i < n; i++) {
        char alias[GH_GRAPHQL_ALIAS_MAX];
        snprintf(alias, sizeof alias, "p%zu", i);
        json_t *pr = json_object_get(repository, alias);
        if (!json_is_object(pr))
            continue; /* an error named it: REST answers for it */
        prs[i].files = s_list(json_object_get(pr, "files"), s_file);
        prs[i].reviews = s_list(json_object_get(pr, "reviews"), s_review);
    }
out:
    json_decref(doc);
    dp_free(query);
    return rc;
}

int gh_graphql_pr_details(gh_client_t *gh, const char *repo,
                          gh_graphql_pr_t *prs, size_t n, long *cost)
{
    assert(gh && repo && (prs || n == 0));
    const char *slash = strchr(repo, '/');
    if (!slash || (size_t)(slash - repo) >= GH_GRAPHQL_NAME_MAX ||
        strlen(slash + 1) >= GH_GRAPHQL_NAME_MAX)
        return DP_EJSON;
    char owner[GH_GRAPHQL_NAME_MAX];
    snprintf(owner, sizeof owner, "%.*s", (int)(slash - repo), repo);
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += GH_GRAPHQL_BATCH) {
        size_t k = n - at < GH_GRAPHQL_BATCH ? n - at : GH_GRAPHQL_BATCH;
        rc = s_batch(gh, owner, slash + 1, repo, prs + at, k, cost);
    }
    return rc;
}

void gh_graphql_pr_clear(gh_graphql_pr_t *prs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(prs[i].files);
        json_decref(prs[i].reviews);
        prs[i].files = prs[i].reviews = NULL;
    }
}
