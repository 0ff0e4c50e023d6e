/* trend.c - the counts of the windows before a digest's window */
/* SPDX-License-Identifier: MIT */
#include "trend.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"

/* The entry of arr whose window starts at from, or NULL. */
static json_t *s_at(const json_t *arr, json_int_t from)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (dp_json_int(e, "from", -1) == from)
            return e;
    }
    return NULL;
}

static int s_newest_first(const void *a, const void *b)
{
    json_int_t fa = dp_json_int(*(json_t *const *)a, "from", 0);
    json_int_t fb = dp_json_int(*(json_t *const *)b, "from", 0);
    return (fa < fb) - (fa > fb);
}

/* The well-formed windows of the collector's history text. */
static json_t *s_parse(const char *history)
{
    json_t *out = json_array();
    json_t *h = history ? json_loads(history, 0, NULL) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(h, i, e)
    {
        json_int_t from = dp_json_int(e, "from", -1);
        json_int_t to = dp_json_int(e, "to", -1);
        json_t *counts = json_object_get(e, "counts");
        if (from < 0 || to <= from || !json_is_object(counts) ||
            s_at(out, from))
            continue;
        json_array_append_new(out, json_pack("{s:I, s:I, s:O, s:s}", "from",
                                             from, "to", to, "counts", counts,
                                             "source", "listing"));
    }
    json_decref(h);
    return out;
}

json_t *trend_history(const char *history, const json_t *previous,
                      json_int_t len)
{
    json_t *out = s_parse(history);
    size_t i;
    json_t *p;
    json_array_foreach(previous, i, p)
    {
        json_int_t from = dp_json_int(p, "from", -1);
        json_t *counts = json_object_get(p, "counts");
        if (from < 0 || !json_is_object(counts))
            continue;
        json_t *e = s_at(out, from);
        if (!e) {
            e = json_pack("{s:I, s:I}", "from", from, "to", from + len);
            json_array_append_new(out, e);
        }
        json_object_set(e, "counts", counts);
        json_object_set_new(e, "source", json_string("report"));
    }
    size_t n = json_array_size(out);
    json_t **order = dp_calloc(n ? n : 1, sizeof *order);
    json_array_foreach(out, i, p)
    {
        order[i] = json_incref(p);
    }
    qsort(order, n, sizeof *order, s_newest_first);
    json_array_clear(out);
    for (i = 0; i < n; i++)
        json_array_append_new(out, order[i]);
    dp_free(order);
    return out;
}

void trend_attach(json_t *digest, const char *history)
{
    assert(digest);
    json_int_t len =
        dp_json_int(digest, "to", 0) - dp_json_int(digest, "from", 0);
    json_t *facts = json_object_get(digest, "facts");
    if (json_is_object(facts))
        json_object_set_new(
            facts, "history",
            trend_history(history, json_object_get(facts, "previous"), len));
}
