/* dp_ghdata.c - GitHub-shaped datasets for the GitHub stand-in, written by
 * tests and benchmarks */
/* SPDX-License-Identifier: MIT */
#include "dp_ghdata.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dp_time.h"

/* Prints "ghdata: <what> <path>" (and the reason when errno is set) on
 * stderr, then aborts. */
static void s_fail(const char *what, const char *path, int err)
{
    if (err)
        fprintf(stderr, "ghdata: %s %s: %s\n", what, path, strerror(err));
    else
        fprintf(stderr, "ghdata: %s %s\n", what, path);
    abort();
}

static json_t *s_checked(json_t *value, const char *what)
{
    if (!value)
        s_fail("json_pack failed for", what, 0);
    return value;
}

void dp_gh_mkdir(const char *path)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        s_fail("mkdir", path, errno);
}

void dp_gh_put_time(json_t *obj, const char *key, int64_t t)
{
    char iso[32];
    if (t <= 0) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    dp_time_iso_utc(t, iso, sizeof iso);
    json_object_set_new(obj, key, json_string(iso));
}

json_t *dp_gh_item(const dp_gh_style_t *style, const char *repo, long number,
                   bool pr, int64_t created, int64_t updated, int64_t closed,
                   int64_t merged, long comments)
{
    char url[256], html[256], title[128], login[32];
    snprintf(url, sizeof url, "https://api.github.com/repos/%s/issues/%ld",
             repo, number);
    snprintf(html, sizeof html, "https://github.com/%s/%s/%ld", repo,
             pr ? "pull" : "issues", number);
    snprintf(title, sizeof title, "%s %ld of %s", pr ? "Change" : "Report",
             number, repo);
    snprintf(login, sizeof login, "dev%ld", number % style->logins);
    json_t *labels = s_checked(json_array(), "labels");
    if (style->labels)
        json_array_append_new(
            labels,
            s_checked(json_pack("{s:s}", "name", pr ? "enhancement" : "bug"),
                      "label"));
    json_t *it = s_checked(
        json_pack("{s:s, s:s, s:I, s:s, s:{s:s, s:s}, s:o, s:s, s:I, s:s, s:s}",
                  "url", url, "html_url", html, "number", (json_int_t)number,
                  "title", title, "user", "login", login, "type", "User",
                  "labels", labels, "state", closed > 0 ? "closed" : "open",
                  "comments", (json_int_t)comments, "author_association",
                  "CONTRIBUTOR", "body", style->body),
        url);
    dp_gh_put_time(it, "created_at", created);
    dp_gh_put_time(it, "updated_at", updated);
    dp_gh_put_time(it, "closed_at", closed);
    if (pr) {
        char pull[256];
        snprintf(pull, sizeof pull, "https://api.github.com/repos/%s/pulls/%ld",
                 repo, number);
        json_t *p = s_checked(
            json_pack("{s:s, s:s}", "url", pull, "html_url", html), pull);
        dp_gh_put_time(p, "merged_at", merged);
        json_object_set_new(it, "pull_request", p);
        json_object_set_new(it, "draft", json_false());
    }
    return it;
}

void dp_gh_comment(const dp_gh_style_t *style, json_t *comments,
                   const char *repo, long number, long id, int64_t t)
{
    char issue[256], html[256], key[24];
    snprintf(issue, sizeof issue, "https://api.github.com/repos/%s/issues/%ld",
             repo, number);
    snprintf(html, sizeof html,
             "https://github.com/%s/issues/%ld#issuecomment-%ld", repo, number,
             id);
    /* "s*" leaves html_url out when its value is NULL. */
    json_t *c =
        s_checked(json_pack("{s:I, s:s, s:s*, s:{s:s, s:s}, s:s, s:s}", "id",
                            (json_int_t)id, "issue_url", issue, "html_url",
                            style->comment_html ? html : NULL, "user", "login",
                            "reviewer", "type", "User", "author_association",
                            "MEMBER", "body", "A comment."),
                  issue);
    dp_gh_put_time(c, "created_at", t);
    dp_gh_put_time(c, "updated_at", t);
    snprintf(key, sizeof key, "%ld", number);
    json_t *list = json_object_get(comments, key);
    if (!list) {
        list = s_checked(json_array(), key);
        json_object_set_new(comments, key, list);
    }
    json_array_append_new(list, c);
}

#define DP_GH_SPOIL_INT "<standin:int-overflow>"
#define DP_GH_SPOIL_UTF8 "<standin:bad-utf8>"

void dp_gh_history(const dp_gh_style_t *style, json_t *issues, const char *repo,
                   int64_t w, long n, long every)
{
    const int64_t month = INT64_C(30) * 86400, hour = 3600;
    for (long k = 0; k < n; k++) {
        int64_t created = w - month + k * hour;
        json_array_append_new(issues,
                              dp_gh_item(style, repo, k + 1, k % every == 0,
                                         created, created + hour, 0, 0, 0));
    }
}

void dp_gh_active_hour(const dp_gh_style_t *style, json_t *issues,
                       json_t *comments, const char *repo, int64_t w, long id)
{
    json_array_append_new(issues, dp_gh_item(style, repo, 101, false, w + 600,
                                             w + 1500, 0, 0, 1));
    dp_gh_comment(style, comments, repo, 101, id, w + 1500);
    json_array_append_new(issues, dp_gh_item(style, repo, 102, true, w + 900,
                                             w + 1800, w + 1800, w + 1800, 0));
}

void dp_gh_spoil_int(json_t *obj, const char *key)
{
    json_object_set_new(obj, key, s_checked(json_string(DP_GH_SPOIL_INT), key));
}

void dp_gh_spoil_utf8(json_t *obj, const char *key)
{
    const char *was = json_string_value(json_object_get(obj, key));
    char text[512];
    snprintf(text, sizeof text, "%s%s", was ? was : "", DP_GH_SPOIL_UTF8);
    json_object_set_new(obj, key, s_checked(json_string(text), key));
}

void dp_gh_write_repo(const char *data, const char *repo, json_t *issues,
                      json_t *comments)
{
    char path[PATH_MAX], owner[128];
    const char *slash = strchr(repo, '/');
    if (!slash)
        s_fail("no owner/name in", repo, 0);
    snprintf(owner, sizeof owner, "%.*s", (int)(slash - repo), repo);
    snprintf(path, sizeof path, "%s/%s", data, owner);
    dp_gh_mkdir(path);
    snprintf(path, sizeof path, "%s/%s", data, repo);
    dp_gh_mkdir(path);
    snprintf(path, sizeof path, "%s/%s/comments", data, repo);
    dp_gh_mkdir(path);
    snprintf(path, sizeof path, "%s/%s/issues.json", data, repo);
    if (json_dump_file(issues, path, JSON_COMPACT) != 0)
        s_fail("cannot write", path, 0);
    const char *key;
    json_t *list;
    json_object_foreach(comments, key, list)
    {
        snprintf(path, sizeof path, "%s/%s/comments/%s.json", data, repo, key);
        if (json_dump_file(list, path, JSON_COMPACT) != 0)
            s_fail("cannot write", path, 0);
    }
}

json_t *dp_gh_release(const char *repo, long id, const char *tag,
                      const char *name, const char *login, int64_t created,
                      int64_t published, bool prerelease)
{
    char url[512];
    snprintf(url, sizeof url, "https://github.com/%s/releases/tag/%s", repo,
             tag);
    json_t *rel =
        s_checked(json_pack("{s:I, s:s, s:o, s:s, s:{s:s, s:s}, s:b, s:b}",
                            "id", (json_int_t)id, "tag_name", tag, "name",
                            name ? json_string(name) : json_null(), "html_url",
                            url, "author", "login", login, "type", "User",
                            "draft", published <= 0, "prerelease", prerelease),
                  "release");
    dp_gh_put_time(rel, "created_at", created);
    dp_gh_put_time(rel, "published_at", published);
    return rel;
}

void dp_gh_write_releases(const char *data, const char *repo, json_t *releases)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/releases.json", data, repo);
    if (json_dump_file(releases, path, JSON_COMPACT) != 0)
        s_fail("cannot write", path, 0);
}

/* ==== A mixed hour ==== */

#define DP_GH_HOUR INT64_C(3600)
#define DP_GH_DAY INT64_C(86400)
#define DP_GH_COMMENT_ID 10000000 /* + number: the comment in the hour */
#define DP_GH_OLD_COMMENT_ID 20000000
#define DP_GH_REVIEW_ID 30000000

const char *const dp_gh_kinds[DP_GH_KINDS] = {
    "issue_opened", "issue_closed", "pr_opened", "pr_merged",
    "pr_closed",    "comment",      "review"};

int dp_gh_kind(const char *kind)
{
    int k = 0;
    while (k < DP_GH_KINDS && strcmp(dp_gh_kinds[k], kind) != 0)
        k++;
    return k;
}

/* Writes data/repo/<dir>/<number><suffix>.json and releases doc. */
static void s_dump(const char *data, const char *repo, const char *dir,
                   long number, const char *suffix, json_t *doc)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/%s", data, repo, dir);
    dp_gh_mkdir(path);
    snprintf(path, sizeof path, "%s/%s/%s/%ld%s.json", data, repo, dir, number,
             suffix);
    if (json_dump_file(s_checked(doc, path), path, JSON_COMPACT) != 0)
        s_fail("cannot write", path, 0);
    json_decref(doc);
}

/* The changed file and the review of pull request number, updated at t. */
static void s_pr_details(const char *data, const char *repo, long number,
                         int64_t t)
{
    char file[64];
    snprintf(file, sizeof file, "src/f%ld.c", number);
    s_dump(data, repo, "pulls", number, ".files",
           json_pack("[{s:s, s:i, s:i}]", "filename", file, "additions", 3,
                     "deletions", 1));
    json_t *review = s_checked(
        json_pack("[{s:I, s:{s:s, s:s}, s:s, s:s}]", "id",
                  (json_int_t)(DP_GH_REVIEW_ID + number), "user", "login",
                  "reviewer", "type", "User", "author_association", "MEMBER",
                  "state", "APPROVED"),
        file);
    dp_gh_put_time(json_array_get(review, 0), "submitted_at", t);
    s_dump(data, repo, "reviews", number, "", review);
}

dp_gh_counts_t dp_gh_write_hour(const char *data, const char *repo, int64_t w,
                                long items, const dp_gh_style_t *style,
                                long reviews)
{
    dp_gh_counts_t c = {{0}, 0};
    json_t *issues = json_array();
    json_t *comments = json_object();
    long reviewed = 0;
    for (long i = 0; i < items; i++) {
        long number = i + 1;
        int64_t updated = w + 30 + (int64_t)i * 3500 / items;
        int64_t created = w - 3 * DP_GH_DAY - i, closed = 0, merged = 0;
        switch (i % 8) {
        case 0:
        case 4:
            created = updated - 20;
            c.n[DP_GH_ISSUE_OPENED]++;
            break;
        case 1:
            created = updated - 20;
            c.n[DP_GH_PR_OPENED]++;
            break;
        case 2:
            closed = updated - 10;
            c.n[DP_GH_ISSUE_CLOSED]++;
            break;
        case 3:
            closed = updated - 10;
            c.n[DP_GH_PR_CLOSED]++;
            break;
        case 5:
            created = updated - 20;
            closed = merged = updated - 5;
            c.n[DP_GH_PR_OPENED]++;
            c.n[DP_GH_PR_MERGED]++;
            break;
        case 6:
            break;
        default:
            closed = merged = updated - 10;
            c.n[DP_GH_PR_MERGED]++;
            break;
        }
        long ncomments = 0;
        if (i % 3 == 0) {
            dp_gh_comment(style, comments, repo, number,
                          DP_GH_COMMENT_ID + number, updated - 2);
            ncomments++;
            c.n[DP_GH_COMMENT]++;
        }
        if (i % 7 == 0) {
            dp_gh_comment(style, comments, repo, number,
                          DP_GH_OLD_COMMENT_ID + number, w - 2 * DP_GH_HOUR);
            ncomments++;
        }
        json_array_append_new(issues, dp_gh_item(style, repo, number,
                                                 i % 2 == 1, created, updated,
                                                 closed, merged, ncomments));
    }
    dp_gh_write_repo(data, repo, issues, comments);
    json_decref(issues);
    json_decref(comments);
    for (long i = 1; reviews > 0 && i < items; i += 2) {
        s_pr_details(data, repo, i + 1, w + 30 + (int64_t)i * 3500 / items - 1);
        if (reviewed < reviews) {
            reviewed++;
            c.n[DP_GH_REVIEW]++;
        }
    }
    for (int k = 0; k < DP_GH_KINDS; k++)
        c.total += c.n[k];
    return c;
}
