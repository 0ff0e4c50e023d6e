/* gh_listing.c - listings that never stop short: pages by Link, continued
 * by time where pagination would stop */
/* SPDX-License-Identifier: MIT */
#include "gh_listing.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dp_json.h"
#include "gh_index.h"
#include "dp_mem.h"
#include "dp_time.h"

#define GH_HTTP_UNPROCESSABLE 422 /* GitHub refuses a page this deep */
#define GH_ISO_MAX 32

/* One listing, across its runs. */
typedef struct {
    gh_client_t *gh;          /* borrowed */
    const gh_listing_t *spec; /* borrowed */
    gh_listing_each_fn each;  /* the caller's, with arg */
    void *arg;
    gh_index_t seen; /* key -> updated_at of its latest read */
    int stop;        /* the caller's error that stopped it, or 0 */
    int64_t latest;  /* latest updated_at read, 0 for none */
    long pages;      /* pages read, all runs */
} s_listing_t;

static int64_t s_updated(const json_t *element)
{
    const char *text = dp_json_str(element, "updated_at");
    int64_t t = 0;
    if (!text || dp_time_parse(text, &t, NULL) < 0)
        return 0;
    return t;
}

/* Hands the elements of a page to the caller, once per key and read: an
 * element read again is handed over again unless the read before was
 * newer. Returns 0 or the caller's error. */
static int s_take(s_listing_t *l, json_t *page)
{
    size_t i;
    json_t *it;
    json_array_foreach(page, i, it)
    {
        int64_t updated = s_updated(it);
        if (updated > l->latest)
            l->latest = updated;
        json_t *key = json_object_get(it, l->spec->key);
        bool again = false;
        if (json_is_integer(key) && json_integer_value(key) != GH_INDEX_NONE) {
            int64_t *at =
                gh_index_put(&l->seen, json_integer_value(key), &again);
            again = !again;
            if (again && updated <= *at)
                continue; /* met again at a run's start, or older */
            *at = updated;
        } /* else normalizing will say why */
        int rc = l->each(it, again, l->arg);
        if (rc < 0) {
            l->stop = rc;
            return rc;
        }
    }
    return 0;
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
        rc = s_take(l, doc);
        json_decref(doc);
        if (rc < 0) {
            dp_free(next);
            break;
        }
        l->pages++;
        dp_free(url);
        url = next;
    }
    dp_free(url);
    return rc;
}

int gh_listing_each(gh_client_t *gh, const gh_listing_t *spec,
                    gh_listing_each_fn each, void *arg, int64_t *complete_until)
{
    assert(gh && spec && spec->path && spec->what && spec->key && each &&
           complete_until);
    s_listing_t l = {.gh = gh, .spec = spec, .each = each, .arg = arg};
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
        if (rc == DP_EAGAIN || l.stop || (rc < 0 && l.pages == 0))
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
    gh_index_clear(&l.seen);
    return rc;
}
