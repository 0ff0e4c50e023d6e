/* dp_ghdata.h - GitHub-shaped datasets for the GitHub stand-in, written by
 * tests and benchmarks */
/* SPDX-License-Identifier: MIT */
#ifndef DP_GHDATA_H
#define DP_GHDATA_H

/*
 * A dataset directory holds, for every repository "owner/name":
 *   <owner>/<name>/issues.json           the items GET /repos/o/r/issues lists
 *   <owner>/<name>/comments/<n>.json     the comments of item n
 *   <owner>/<name>/releases.json         the releases, newest first
 * which build/bin/gh-standin serves. On an I/O or allocation failure these
 * helpers print one line on stderr and abort(): a dataset that cannot be
 * written ends a test or a benchmark alike.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* The details in which datasets differ. */
typedef struct {
    long logins;       /* an item's author is dev<number % logins> */
    bool labels;       /* one label ("enhancement" on a PR, "bug" on an
                        * issue) on every item; else none */
    const char *body;  /* the body of every item */
    bool comment_html; /* comments carry an html_url */
} dp_gh_style_t;

/* Creates a directory (mode 0700); one that exists already is fine. */
void dp_gh_mkdir(const char *path);

/* Sets obj[key] to t as "YYYY-MM-DDTHH:MM:SSZ", or to null when t <= 0. */
void dp_gh_put_time(json_t *obj, const char *key, int64_t t);

/* An issue (pr false) or pull request as GET /repos/o/r/issues lists it,
 * closed when closed > 0 and, for a pull request, merged when merged > 0.
 * Returns a new reference, which the caller owns. */
json_t *dp_gh_item(const dp_gh_style_t *style, const char *repo, long number,
                   bool pr, int64_t created, int64_t updated, int64_t closed,
                   int64_t merged, long comments);

/* Appends a comment created (and last updated) at t to comments[number],
 * a JSON object of arrays keyed by item number, which it creates as
 * needed. */
void dp_gh_comment(const dp_gh_style_t *style, json_t *comments,
                   const char *repo, long number, long id, int64_t t);

/* Appends n items of history to issues (numbers 1..n), opened a month
 * before w an hour apart and each updated an hour after it was opened;
 * every every-th is a pull request. */
void dp_gh_history(const dp_gh_style_t *style, json_t *issues, const char *repo,
                   int64_t w, long n, long every);

/* Makes repo active in the hour from w: issue #101 opened at w+600 with
 * comment id at w+1500, pull request #102 opened at w+900 and merged at
 * w+1800, four events of the hour. */
void dp_gh_active_hour(const dp_gh_style_t *style, json_t *issues,
                       json_t *comments, const char *repo, int64_t w, long id);

/* Spoils obj[key] the way gh-standin serves its marks (see the top of
 * tests/standin/gh_standin.c): dp_gh_spoil_int makes it an integer beyond
 * 64 bits, dp_gh_spoil_utf8 appends a byte that is not UTF-8 to the
 * string it holds (or makes it that byte alone). A body that carries one
 * is JSON GitHub could send but that jansson refuses. */
void dp_gh_spoil_int(json_t *obj, const char *key);
void dp_gh_spoil_utf8(json_t *obj, const char *key);

/* Writes data/<owner>/<name>/issues.json from issues and
 * comments/<n>.json from every comments[n]; issues and comments stay the
 * caller's. */
void dp_gh_write_repo(const char *data, const char *repo, json_t *issues,
                      json_t *comments);

/* A release as GET /repos/o/r/releases lists it: tag_name tag, name
 * (null when NULL), author login, created at created, published at
 * published (null when <= 0: a draft as its owner sees it), a prerelease
 * or not. Returns a new reference, which the caller owns. */
json_t *dp_gh_release(const char *repo, long id, const char *tag,
                      const char *name, const char *login, int64_t created,
                      int64_t published, bool prerelease);

/* Writes data/<owner>/<name>/releases.json from releases (newest first,
 * as GitHub lists them; the caller's); the repository's directory must
 * exist (dp_gh_write_repo). */
void dp_gh_write_releases(const char *data, const char *repo, json_t *releases);

/* The kinds of events a mixed hour (dp_gh_write_hour) holds. */
enum {
    DP_GH_ISSUE_OPENED,
    DP_GH_ISSUE_CLOSED,
    DP_GH_PR_OPENED,
    DP_GH_PR_MERGED,
    DP_GH_PR_CLOSED,
    DP_GH_COMMENT,
    DP_GH_REVIEW,
    DP_GH_KINDS
};

/* The event kind names ("issue_opened"...), by DP_GH_* index. */
extern const char *const dp_gh_kinds[DP_GH_KINDS];

/* The DP_GH_* index of an event kind name, DP_GH_KINDS for another. */
int dp_gh_kind(const char *kind);

/* Events of an hour, by kind. */
typedef struct {
    long n[DP_GH_KINDS];
    long total;
} dp_gh_counts_t;

/* Writes `items` items of repo, all updated in [w, w+1h) in number order
 * (item i has number i+1): an eighth each of issues opened, pull requests
 * opened, older issues closed, older pull requests closed unmerged, issues
 * opened, pull requests opened and merged, older issues only updated and
 * older pull requests merged (i % 8 in that order; the odd ones are the
 * pull requests, each with an event in the hour); a comment in the hour
 * on every third item (i % 3 == 0) and an older one on every seventh.
 * With reviews > 0, every pull request also has one changed file,
 * "src/f<number>.c" with 3 additions and 1 deletion, and one review in the
 * hour, counted for the first `reviews` pull requests (a collector that
 * reads the details of that many). Returns the events of the hour. */
dp_gh_counts_t dp_gh_write_hour(const char *data, const char *repo, int64_t w,
                                long items, const dp_gh_style_t *style,
                                long reviews);

#endif
