/* gh_releases.c - the releases a repository published in a window */
/* SPDX-License-Identifier: MIT */
#include "gh_releases.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_time.h"

/* Reads an optional instant of rel into *t: 0 when null or absent.
 * Returns -1 when it is there but does not read. */
static int s_time(const json_t *rel, const char *key, int64_t *t)
{
    const json_t *v = json_object_get(rel, key);
    *t = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || dp_time_parse(json_string_value(v), t, NULL) < 0)
        return -1;
    return 0;
}

/* gh_excerpt of s, NULL for "". */
static char *s_cut(const char *s, size_t max)
{
    return s && *s ? gh_excerpt(s, max) : NULL;
}

int gh_release_event(const json_t *rel, const char *repo, int64_t from,
                     int64_t to, size_t max_text, dp_event_t *ev, char *err,
                     size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    const json_t *id = json_object_get(rel, "id");
    const char *tag = dp_json_str(rel, "tag_name");
    const json_t *name = json_object_get(rel, "name");
    const json_t *author = json_object_get(rel, "author");
    int64_t published = 0, created = 0;
    if (!json_is_object(rel) || !json_is_integer(id) ||
        json_integer_value(id) <= 0 || !tag || !*tag) {
        snprintf(err, errlen, "release without a valid id or tag_name");
        return DP_EJSON;
    }
    if (s_time(rel, "published_at", &published) < 0 ||
        s_time(rel, "created_at", &created) < 0 ||
        (name && !json_is_null(name) && !json_is_string(name)) ||
        (author && !json_is_null(author) && !json_is_object(author))) {
        snprintf(err, errlen, "release %.64s: a malformed time, name or author",
                 tag);
        return DP_EJSON;
    }
    if (published <= 0 || published < from || published >= to)
        return 0; /* a draft, or published outside the window */
    const char *login = dp_json_str(author, "login");
    const char *type = dp_json_str(author, "type");
    ev->repo = dp_strdup(repo);
    ev->id = dp_asprintf("release:%lld", (long long)json_integer_value(id));
    ev->kind = dp_strdup("release");
    ev->at = published;
    ev->actor = dp_strdup(login);
    ev->actor_type = dp_strdup(type);
    ev->author = dp_strdup(login);
    ev->author_type = dp_strdup(type);
    char *cut = s_cut(tag, max_text);
    dp_strs_push(&ev->labels, cut); /* the summarizer keeps labels */
    dp_free(cut);
    ev->title = s_cut(json_string_value(name), max_text);
    ev->url = dp_strdup(dp_json_str(rel, "html_url"));
    ev->state = dp_strdup(dp_json_bool(rel, "prerelease", false) ? "prerelease"
                                                                 : "release");
    ev->created_at = created > 0 ? created : published;
    ev->updated_at = published;
    return 1;
}

/* The instant a page's oldest element was made (its created_at, else its
 * published_at); INT64_MAX when none reads. */
static int64_t s_page_oldest(const json_t *page)
{
    int64_t oldest = INT64_MAX;
    size_t i;
    const json_t *rel;
    json_array_foreach(page, i, rel)
    {
        int64_t c = 0, p = 0;
        if (s_time(rel, "created_at", &c) < 0 ||
            s_time(rel, "published_at", &p) < 0)
            continue;
        int64_t t = c > 0 ? c : p;
        if (t > 0 && t < oldest)
            oldest = t;
    }
    return oldest;
}

/* A listing of releases being read. */
typedef struct {
    gh_client_t *gh;
    const char *repo;
    int64_t from, to;
    size_t max_text;
    gh_events_t *out;
    int found;
} s_list_t;

/* The events of one page; 1 once the page reaches before the window (the
 * releases come newest first). */
static int s_page(json_t *page, void *arg)
{
    s_list_t *l = arg;
    size_t i;
    json_t *rel;
    json_array_foreach(page, i, rel)
    {
        char err[160];
        dp_event_t ev;
        int n = gh_release_event(rel, l->repo, l->from, l->to, l->max_text, &ev,
                                 err, sizeof err);
        if (n < 0)
            gh_client_problem(l->gh, "skipped a malformed release of %s: %s",
                              l->repo, err);
        if (n > 0) {
            gh_events_push(l->out, &ev);
            dp_msg_t m = {.type = DP_MSG_EVENT};
            m.u.event = ev;
            dp_msg_clear(&m);
            l->found++;
        }
    }
    return s_page_oldest(page) < l->from ? 1 : 0;
}

int gh_releases_events(gh_client_t *gh, const char *repo, int64_t from,
                       int64_t to, long max_pages, size_t max_text,
                       gh_events_t *out)
{
    s_list_t l = {gh, repo, from, to, max_text, out, 0};
    char *target = dp_asprintf("/repos/%s/releases?per_page=100", repo);
    int rc = gh_client_pages(gh, target, max_pages, s_page, &l);
    dp_free(target);
    return rc < 0 ? rc : l.found;
}
