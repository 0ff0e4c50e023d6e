/* gh_history.c - the counts of the windows before a window, from the same
 * issues listing */
/* SPDX-License-Identifier: MIT */
#include "gh_history.h"

#include <assert.h>
#include <string.h>

#include "dp_json.h"

static const char *const s_names[GH_HISTORY_COUNTS] = {
    "new_issues", "closed_issues", "new_prs", "merged_prs", "closed_prs"};

size_t gh_history_windows(int64_t len, long want)
{
    if (want == 0)
        return 0;
    if (want >= GH_HISTORY_MIN && want <= GH_HISTORY_MAX)
        return (size_t)want;
    if (len <= 6 * 3600)
        return GH_HISTORY_HOURS;
    if (len <= 36 * 3600)
        return GH_HISTORY_DAYS;
    return GH_HISTORY_WEEKS;
}

void gh_history_init(gh_history_t *h, int64_t from, int64_t to, size_t n)
{
    assert(h && to > from);
    gh_history_clear(h);
    h->from = from;
    h->len = to - from;
    h->n = n < GH_HISTORY_MAX ? n : GH_HISTORY_MAX;
}

int64_t gh_history_since(const gh_history_t *h)
{
    assert(h);
    return h->from - (int64_t)h->n * h->len;
}

/* Counts what happened at t in the earlier window holding it, if any. */
static void s_add(gh_history_t *h, int64_t t, int what)
{
    if (t <= 0 || t >= h->from || t < gh_history_since(h))
        return;
    size_t k = (size_t)((h->from - 1 - t) / h->len);
    h->counts[k][what]++;
}

void gh_history_count(gh_history_t *h, const json_t *issue,
                      const dp_event_t *snap)
{
    assert(h && snap);
    if (h->n == 0)
        return;
    bool added = false;
    (void)gh_index_put(&h->seen, snap->number, &added);
    if (!added)
        return;
    /* The same reading of a snapshot as gh_snapshot_events. */
    bool pr = snap->is_pr;
    s_add(h, snap->created_at, pr ? GH_HISTORY_NEW_PRS : GH_HISTORY_NEW_ISSUES);
    if (!pr) {
        s_add(h, snap->closed_at, GH_HISTORY_CLOSED_ISSUES);
    } else if (snap->merged_at > 0) {
        s_add(h, snap->merged_at, GH_HISTORY_MERGED_PRS);
    } else if (snap->closed_at > 0) {
        json_t *p = dp_json_get(issue, "pull_request");
        bool told = json_object_get(p, "merged_at") != NULL ||
                    json_object_get(issue, "merged_at") != NULL;
        if (told)
            s_add(h, snap->closed_at, GH_HISTORY_CLOSED_PRS);
        else if (snap->closed_at < h->from &&
                 snap->closed_at >= gh_history_since(h))
            h->unknown++;
    }
}

char *gh_history_json(const gh_history_t *h)
{
    assert(h);
    if (h->n == 0)
        return NULL;
    json_t *arr = json_array();
    for (size_t k = 0; k < h->n; k++) {
        json_t *counts = json_object();
        for (int c = 0; c < GH_HISTORY_COUNTS; c++)
            json_object_set_new(counts, s_names[c],
                                json_integer(h->counts[k][c]));
        int64_t to = h->from - (int64_t)k * h->len;
        json_array_append_new(arr, json_pack("{s:I, s:I, s:o}", "from",
                                             (json_int_t)(to - h->len), "to",
                                             (json_int_t)to, "counts", counts));
    }
    char *text = json_dumps(arr, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(arr);
    return text;
}

void gh_history_clear(gh_history_t *h)
{
    assert(h);
    gh_index_clear(&h->seen);
    memset(h, 0, sizeof *h);
}
