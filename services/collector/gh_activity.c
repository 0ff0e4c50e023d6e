/* gh_activity.c - when a repository last changed, for windows with no change */
/* SPDX-License-Identifier: MIT */
#include "gh_activity.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_time.h"
#include "gh_graphql.h"

#define GH_ACTIVITY_VAR_MAX 24      /* "o", "n" or "r" and an index */
#define GH_ACTIVITY_KEY_MAX 256     /* Redis key of a repository's poll */
#define GH_ACTIVITY_FEED_S 7776000  /* the events feed keeps 90 days */
#define GH_ACTIVITY_POLL_MAX_S 3600 /* an X-Poll-Interval beyond is read so */

/* What a query asks of each repository; the names are checked against
 * GitHub's schema by the stand-in. The issues and pull requests are
 * ordered by updatedAt, the field REST's `since` filters on: a comment, a
 * review, a label or a merge updates its issue or pull request. A release
 * updates none of them: the newest release is asked too, for its
 * publishedAt. */
static const char s_fragment[] =
    "fragment activity on Repository {"
    " issues(first: 1, orderBy: {field: UPDATED_AT, direction: DESC})"
    " { nodes { updatedAt } }"
    " pullRequests(first: 1, orderBy: {field: UPDATED_AT, direction: DESC})"
    " { nodes { updatedAt } }"
    " releases(first: 1, orderBy: {field: CREATED_AT, direction: DESC})"
    " { nodes { publishedAt } } }";

bool gh_activity_quiet(const gh_activity_t *a, int64_t from, int64_t to)
{
    assert(a);
    return a->latest >= 0 && a->until > 0 && a->latest < from && to <= a->until;
}

char *gh_activity_query(size_t n)
{
    assert(n <= GH_ACTIVITY_BATCH);
    dp_buf_t q = DP_BUF_INIT;
    dp_buf_puts(&q, "query(");
    for (size_t i = 0; i < n; i++)
        dp_buf_printf(&q, "%s$o%zu: String!, $n%zu: String!", i ? ", " : "", i,
                      i);
    dp_buf_puts(&q, ") { rateLimit { cost remaining }");
    for (size_t i = 0; i < n; i++)
        dp_buf_printf(&q,
                      " r%zu: repository(owner: $o%zu, name: $n%zu)"
                      " { ...activity }",
                      i, i, i);
    dp_buf_puts(&q, " } ");
    dp_buf_puts(&q, s_fragment);
    return dp_buf_take(&q);
}

/* The time field of a connection's first node; 0 when it has none, -1
 * when the answer is not readable (or the newest release is a draft,
 * publishedAt null: what it hides is not known). */
static int64_t s_updated(const json_t *repo, const char *conn,
                         const char *field)
{
    json_t *nodes = json_object_get(json_object_get(repo, conn), "nodes");
    if (!json_is_array(nodes))
        return -1;
    if (json_array_size(nodes) == 0)
        return 0;
    const char *at = dp_json_str(json_array_get(nodes, 0), field);
    int64_t t = 0;
    return at && dp_time_parse(at, &t, NULL) == 0 && t > 0 ? t : -1;
}

/* The variables of a batch: $o<i> and $n<i>, owner and name of repos[i].
 * NULL when a name is not a repository's. */
static json_t *s_vars(const gh_activity_t *repos, size_t n)
{
    json_t *vars = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *slash = strchr(repos[i].repo, '/');
        if (!dp_repo_valid(repos[i].repo) || !slash) {
            json_decref(vars);
            return NULL;
        }
        char var[GH_ACTIVITY_VAR_MAX];
        snprintf(var, sizeof var, "o%zu", i);
        json_object_set_new(
            vars, var,
            json_stringn(repos[i].repo, (size_t)(slash - repos[i].repo)));
        snprintf(var, sizeof var, "n%zu", i);
        json_object_set_new(vars, var, json_string(slash + 1));
    }
    return vars;
}

/* One query for repos[0..n). */
static int s_batch(gh_client_t *gh, gh_activity_t *repos, size_t n, int64_t now,
                   long *cost)
{
    char *query = gh_activity_query(n);
    json_t *vars = s_vars(repos, n);
    json_t *doc = NULL;
    int rc = vars ? gh_graphql_post(gh, query, vars, &doc) : DP_EJSON;
    if (rc < 0)
        goto out;
    json_t *data = json_object_get(doc, "data");
    if (!json_is_object(data)) {
        const char *msg = dp_json_str(
            json_array_get(json_object_get(doc, "errors"), 0), "message");
        dp_log(DP_LOG_WARN, "GraphQL refused the activity query (%s)",
               msg ? msg : "no data");
        rc = DP_EJSON;
        goto out;
    }
    if (cost)
        *cost += (long)dp_json_int(data, "rateLimit.cost", 0);
    for (size_t i = 0; i < n; i++) {
        char alias[GH_ACTIVITY_VAR_MAX];
        snprintf(alias, sizeof alias, "r%zu", i);
        json_t *repo = json_object_get(data, alias);
        int64_t issue = s_updated(repo, "issues", "updatedAt");
        int64_t pull = s_updated(repo, "pullRequests", "updatedAt");
        int64_t rel = s_updated(repo, "releases", "publishedAt");
        if (!json_is_object(repo) || issue < 0 || pull < 0 || rel < 0)
            continue; /* not resolved: listed as usual */
        repos[i].latest = issue > pull ? issue : pull;
        if (rel > repos[i].latest)
            repos[i].latest = rel;
        repos[i].until = now;
    }
out:
    json_decref(doc);
    dp_free(query);
    return rc;
}

int gh_activity_graphql(gh_client_t *gh, gh_activity_t *repos, size_t n,
                        int64_t now, long *cost)
{
    assert(gh && (repos || n == 0));
    int rc = 0;
    for (size_t at = 0; at < n && rc == 0; at += GH_ACTIVITY_BATCH) {
        size_t k = n - at < GH_ACTIVITY_BATCH ? n - at : GH_ACTIVITY_BATCH;
        rc = s_batch(gh, repos + at, k, now, cost);
    }
    return rc;
}

/* ==== The events endpoint ==== */

/* The newest created_at of an events page; 0 when it lists none. When
 * the feed is empty, nothing is known before its 90 days. */
static int64_t s_newest(const json_t *events, int64_t now)
{
    int64_t newest = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *at = dp_json_str(e, "created_at");
        int64_t t = 0;
        if (at && dp_time_parse(at, &t, NULL) == 0 && t > newest)
            newest = t;
    }
    return newest > 0 ? newest : now - GH_ACTIVITY_FEED_S;
}

int gh_activity_events(gh_client_t *gh, dp_store_t *store, gh_activity_t *a,
                       int64_t now, long lag_s)
{
    assert(gh && store && a && a->repo);
    char key[GH_ACTIVITY_KEY_MAX];
    dp_store_key(key, sizeof key, "{%s}:poll", a->repo);
    /* Within the poll interval, the last poll's answer stands. */
    dp_buf_t kept = DP_BUF_INIT;
    long long latest = 0, polled = 0;
    int rc = dp_store_get(store, key, &kept);
    bool fresh = rc == 0 && kept.data &&
                 sscanf(kept.data, "%lld %lld", &latest, &polled) == 2;
    dp_buf_free(&kept);
    if (fresh) {
        a->latest = latest;
        a->until = polled - lag_s;
        return 0;
    }
    if (rc == 0)
        return DP_EAGAIN; /* unreadable: wait for it to expire */
    char path[GH_ACTIVITY_KEY_MAX];
    snprintf(path, sizeof path, "/repos/%s/events?per_page=100", a->repo);
    json_t *doc = NULL;
    size_t problems = gh_client_problem_count(gh);
    rc = gh_client_get(gh, path, &doc, NULL);
    long interval = gh_client_poll_interval(gh);
    gh_client_problems_keep(gh, problems);
    if (rc == 0 && !json_is_array(doc))
        rc = DP_EJSON;
    if (rc == 0) {
        a->latest = s_newest(doc, now);
        a->until = now - lag_s;
        if (interval > GH_ACTIVITY_POLL_MAX_S)
            interval = GH_ACTIVITY_POLL_MAX_S;
        if (interval > 0) {
            char val[64];
            int len = snprintf(val, sizeof val, "%" PRId64 " %" PRId64,
                               a->latest, now);
            if (dp_store_set(store, key, val, (size_t)len, interval) < 0)
                dp_log(DP_LOG_WARN, "%s: cannot keep the poll interval",
                       a->repo);
        }
    }
    json_decref(doc);
    return rc;
}
