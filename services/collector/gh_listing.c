/* gh_listing.c - listings that never stop short: pages by Link, continued
 * by time where pagination would stop */
/* SPDX-License-Identifier: MIT */
#include "gh_listing.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_time.h"

#define GH_HTTP_UNPROCESSABLE 422 /* GitHub refuses a page this deep */
#define GH_ISO_MAX 32

/* One listing, across its runs. */
typedef struct {
    gh_client_t *gh;          /* borrowed */
    const gh_listing_t *spec; /* borrowed */
    json_t *all;              /* the caller's array, appended to */
    json_t *index;            /* key -> position in all */
    int64_t latest;           /* latest updated_at read, 0 for none */
    long pages;               /* pages read, all runs */
} s_listing_t;

static int64_t s_updated(const json_t *element)
{
    const char *text = dp_json_str(element, "updated_at");
    int64_t t = 0;
    if (!text || dp_time_parse(text, &t, NULL) < 0)
        return 0;
    return t;
}

/* Appends the elements of a page to all, once per key: an element read
 * again replaces the earlier read unless that one is newer. */
static void s_take(s_listing_t *l, json_t *page)
{
    size_t i;
    json_t *it;
    json_array_foreach(page, i, it)
    {
        int64_t updated = s_updated(it);
        if (updated > l->latest)
            l->latest = updated;
        json_t *key = json_object_get(it, l->spec->key);
        if (!json_is_integer(key)) {
            json_array_append(l->all, it); /* normalizing will say why */
            continue;
        }
        char name[32];
        snprintf(name, sizeof name, "%lld", (long long)json_integer_value(key));
        json_t *at = json_object_get(l->index, name);
        if (!at) {
            json_object_set_new(
                l->index, name,
                json_integer((json_int_t)json_array_size(l->all)));
            json_array_append(l->all, it);
            continue;
        }
        size_t pos = (size_t)json_integer_value(at);
        if (updated >= s_updated(json_array_get(l->all, pos)))
            json_array_set(l->all, pos, it);
    }
}

/* One run: the Link pages of the listing from since on. Sets *more when it
 * stopped short of the end (max_pages, or a deep page refused with 422).
 * Returns 0 or the error of the page that failed. */
static int s_run(s_listing_t *l, int64_t since, bool *more)
{
    char iso[GH_ISO_MAX];
    dp_time_iso_utc(since, iso, sizeof iso);
    char *url = dp_asprintf("%s%csince=%s", l->spec->path,
                            strchr(l->spec->path, '?') ? '&' : '?', iso);
    int rc = 0;
    *more = false;
    for (long page = 0; url; page++) {
        if (page == l->spec->max_pages) {
            *more = true;
            break;
        }
        size_t problems = gh_client_problem_count(l->gh);
        json_t *doc = NULL;
        char *next = NULL;
        rc = gh_client_get(l->gh, url, &doc, &next);
        if (rc < 0 && page > 0 &&
            gh_client_status(l->gh) == GH_HTTP_UNPROCESSABLE) {
            /* GitHub's own bound on pages: the next run goes on. */
            gh_client_problems_keep(l->gh, problems);
            *more = true;
            rc = 0;
            break;
        }
        if (rc == 0 && !json_is_array(doc)) {
            gh_client_problem(l->gh, "%s listing: page %ld is not a JSON array",
                              l->spec->what, page + 1);
            rc = DP_EJSON;
        }
        if (rc < 0) {
            json_decref(doc);
            dp_free(next);
            break;
        }
        s_take(l, doc);
        json_decref(doc);
        l->pages++;
        dp_free(url);
        url = next;
    }
    dp_free(url);
    return rc;
}

int gh_listing_run(gh_client_t *gh, const gh_listing_t *spec, json_t *all,
                   int64_t *complete_until)
{
    assert(gh && spec && spec->path && spec->what && spec->key && all &&
           complete_until);
    s_listing_t l = {
        .gh = gh, .spec = spec, .all = all, .index = json_object()};
    int64_t started = dp_time_now();
    int64_t since = spec->since;
    bool cut = false;
    int rc = 0;
    *complete_until = spec->since;
    for (long run = 0;; run++) {
        bool more = false;
        if (run == GH_LISTING_MAX_RUNS) {
            gh_client_problem(gh, "%s listing: stopped after %d runs",
                              spec->what, GH_LISTING_MAX_RUNS);
            cut = true;
            break;
        }
        rc = s_run(&l, since, &more);
        if (rc == DP_EAGAIN || (rc < 0 && l.pages == 0))
            goto out; /* interrupted, or nothing read: the caller's failure */
        if (rc < 0) {
            cut = true;
            rc = 0;
            break;
        }
        if (!more)
            break;
        if (l.latest - 1 <= since) {
            gh_client_problem(gh,
                              "%s listing: more than %ld pages updated in "
                              "one second",
                              spec->what, spec->max_pages);
            cut = true;
            break;
        }
        since = l.latest - 1;
    }
    if (cut) {
        *complete_until = l.latest > 0 ? l.latest : spec->since;
        char iso[GH_ISO_MAX];
        dp_time_iso_utc(*complete_until, iso, sizeof iso);
        gh_client_problem(gh,
                          "%s listing incomplete: what was updated after %s "
                          "was not read",
                          spec->what, iso);
    } else {
        *complete_until = started;
    }
out:
    json_decref(l.index);
    return rc;
}
