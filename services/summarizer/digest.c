/* digest.c - the facts of a closed window: exact counts, lists, rankings */
/* SPDX-License-Identifier: MIT */
#include "digest.h"

#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_time.h"

#define DIGEST_HOT_MAX 3
#define DIGEST_CHANGES_MAX 5
#define DIGEST_WATCH_MAX 5
#define DIGEST_QUOTE_MAX 160
#define DIGEST_PARTICIPANTS_MAX 6

/* One item (issue or PR) and what happened to it in the window. */
typedef struct {
    const dp_classified_t *snap;          /* newest snapshot among its events */
    bool opened, closed, merged, dropped; /* dropped: PR closed unmerged */
    int64_t opened_at, closed_at, merged_at;
    long comments; /* comments in the window, bots excluded */
    long bot_comments;
    int64_t first_reply_at; /* first comment by someone else */
    json_t *topics;         /* {id: [reasons]} */
    json_t *people;         /* {login: {assoc, comments, quote}} */
} s_item_t;

static int s_cmp_events(const void *a, const void *b)
{
    const dp_classified_t *x = *(const dp_classified_t *const *)a;
    const dp_classified_t *y = *(const dp_classified_t *const *)b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static json_t *s_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *s_strs(const dp_strs_t *list)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(arr, json_string(list->items[i]));
    return arr;
}

/* The fields of an item that every list shows. */
static json_t *s_item_json(const s_item_t *it, int64_t at)
{
    const dp_classified_t *s = it->snap;
    json_t *o = json_object();
    json_object_set_new(o, "number", json_integer(s->number));
    json_object_set_new(o, "pr", json_boolean(s->is_pr));
    json_object_set_new(o, "title", s_str(s->title));
    json_object_set_new(o, "url", s_str(s->url));
    json_object_set_new(o, "author", s_str(s->author));
    json_object_set_new(o, "labels", s_strs(&s->labels));
    json_object_set_new(o, "at", json_integer(at));
    json_object_set_new(o, "category", s_str(s->category));
    json_object_set_new(o, "bot",
                        json_boolean(dp_is_bot(s->author, s->author_type)));
    return o;
}

/* ==== Gathering items ==== */

static void s_note_topics(s_item_t *it, const dp_classified_t *ev)
{
    for (size_t i = 0; i < ev->topics.count && i < ev->reasons.count; i++) {
        json_t *reasons = json_object_get(it->topics, ev->topics.items[i]);
        if (!reasons) {
            reasons = json_array();
            json_object_set_new(it->topics, ev->topics.items[i], reasons);
        }
        bool seen = false;
        size_t k;
        json_t *r;
        json_array_foreach(reasons, k, r)
        {
            if (!strcmp(json_string_value(r), ev->reasons.items[i]))
                seen = true;
        }
        if (!seen)
            json_array_append_new(reasons, json_string(ev->reasons.items[i]));
    }
}

static void s_note_comment(s_item_t *it, const dp_classified_t *ev)
{
    if (ev->bot) {
        it->bot_comments++;
        return;
    }
    it->comments++;
    const char *login = ev->actor ? ev->actor : "";
    if (!it->first_reply_at && ev->author && strcmp(login, ev->author) != 0)
        it->first_reply_at = ev->at;
    json_t *p = json_object_get(it->people, login);
    if (!p) {
        p = json_object();
        json_object_set_new(p, "assoc", s_str(ev->actor_assoc));
        json_object_set_new(p, "comments", json_integer(0));
        json_object_set_new(p, "quote", s_str(ev->text));
        json_object_set_new(p, "first_at", json_integer(ev->at));
        json_object_set_new(it->people, login, p);
    }
    json_object_set_new(p, "comments",
                        json_integer(dp_json_int(p, "comments", 0) + 1));
}

/* True when sorted[i] repeats the delivery before it (same id and item):
 * delivery is at least once, so the digest counts every event once. */
static bool s_repeated(const dp_classified_t **sorted, size_t i)
{
    const dp_classified_t *ev = sorted[i];
    return i > 0 && ev->id && sorted[i - 1]->id &&
           !strcmp(ev->id, sorted[i - 1]->id) &&
           ev->number == sorted[i - 1]->number;
}

static size_t s_gather(const dp_classified_t **sorted, size_t n,
                       s_item_t *items)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const dp_classified_t *ev = sorted[i];
        if (s_repeated(sorted, i))
            continue;
        s_item_t *it = count ? &items[count - 1] : NULL;
        if (!it || it->snap->number != ev->number) {
            it = &items[count++];
            memset(it, 0, sizeof *it);
            it->snap = ev;
            it->topics = json_object();
            it->people = json_object();
        }
        if (ev->updated_at > it->snap->updated_at)
            it->snap = ev;
        s_note_topics(it, ev);
        const char *k = ev->kind ? ev->kind : "";
        if (!strcmp(k, "issue_opened") || !strcmp(k, "pr_opened")) {
            it->opened = true;
            it->opened_at = ev->at;
        } else if (!strcmp(k, "issue_closed")) {
            it->closed = true;
            it->closed_at = ev->at;
        } else if (!strcmp(k, "pr_merged")) {
            it->merged = true;
            it->merged_at = ev->at;
        } else if (!strcmp(k, "pr_closed")) {
            it->dropped = true;
            it->closed_at = ev->at;
        } else if (!strcmp(k, "comment")) {
            s_note_comment(it, ev);
        }
    }
    return count;
}

/* ==== Lists ==== */

typedef struct {
    const s_item_t *item;
    int64_t at;
} s_ref_t;

static int s_cmp_newest(const void *a, const void *b)
{
    const s_ref_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at > y->at ? -1 : 1;
    return x->item->snap->number > y->item->snap->number ? -1 : 1;
}

enum {
    L_NEW_ISSUES,
    L_CLOSED_ISSUES,
    L_NEW_PRS,
    L_MERGED_PRS,
    L_CLOSED_PRS,
    L_COUNT
};
static const char *const s_list_names[L_COUNT] = {
    "new_issues", "closed_issues", "new_prs", "merged_prs", "closed_prs"};

/* Which list an item belongs to, and at which instant; -1 for none. */
static int64_t s_list_at(const s_item_t *it, int list)
{
    bool pr = it->snap->is_pr;
    switch (list) {
    case L_NEW_ISSUES:
        return !pr && it->opened ? it->opened_at : -1;
    case L_CLOSED_ISSUES:
        return !pr && it->closed ? it->closed_at : -1;
    case L_NEW_PRS:
        return pr && it->opened ? it->opened_at : -1;
    case L_MERGED_PRS:
        return pr && it->merged ? it->merged_at : -1;
    case L_CLOSED_PRS:
        return pr && it->dropped ? it->closed_at : -1;
    }
    return -1;
}

static void s_lists(json_t *digest, const s_item_t *items, size_t n)
{
    json_t *lists = json_object(), *counts = json_object();
    s_ref_t *refs = dp_calloc(n ? n : 1, sizeof *refs);
    for (int l = 0; l < L_COUNT; l++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t at = s_list_at(&items[i], l);
            if (at >= 0)
                refs[m++] = (s_ref_t){&items[i], at};
        }
        qsort(refs, m, sizeof *refs, s_cmp_newest);
        json_t *arr = json_array();
        for (size_t i = 0; i < m; i++)
            json_array_append_new(arr, s_item_json(refs[i].item, refs[i].at));
        json_object_set_new(lists, s_list_names[l], arr);
        json_object_set_new(counts, s_list_names[l], json_integer((long)m));
    }
    dp_free(refs);
    json_object_set_new(digest, "lists", lists);
    json_object_set_new(digest, "counts", counts);
}

/* ==== Topics ==== */

static void s_topics(json_t *digest, const s_item_t *items, size_t n,
                     const json_t *rules_topics)
{
    json_t *out = json_array();
    /* Topic ids in sorted order, so the report does not depend on hashing. */
    const char **ids =
        dp_calloc(json_object_size(rules_topics) + 1, sizeof *ids);
    size_t nids = 0;
    const char *id;
    json_t *t;
    json_object_foreach((json_t *)rules_topics, id, t) ids[nids++] = id;
    qsort(ids, nids, sizeof *ids, (int (*)(const void *, const void *))strcmp);
    for (size_t k = 0; k < nids; k++) {
        t = json_object_get(rules_topics, ids[k]);
        const char *title = dp_json_str(t, "title");
        const char *short_name = dp_json_str(t, "short");
        json_t *topic = json_object();
        json_object_set_new(topic, "id", json_string(ids[k]));
        json_object_set_new(topic, "title",
                            json_string(title ? title : ids[k]));
        json_object_set_new(topic, "short",
                            json_string(short_name ? short_name
                                        : title    ? title
                                                   : ids[k]));
        json_t *list = json_array();
        for (size_t i = n; i-- > 0;) {
            json_t *reasons = json_object_get(items[i].topics, ids[k]);
            if (!reasons)
                continue;
            json_t *o = s_item_json(&items[i], items[i].snap->updated_at);
            json_object_set_new(o, "state", s_str(items[i].snap->state));
            json_object_set_new(o, "merged", json_boolean(items[i].merged));
            json_object_set(o, "reasons", reasons);
            json_array_append_new(list, o);
        }
        json_object_set_new(topic, "items", list);
        json_array_append_new(out, topic);
    }
    dp_free(ids);
    json_object_set_new(digest, "topics", out);
}

/* ==== Rankings: hot threads, key changes, people, worth watching ==== */

static int s_cmp_hot(const void *a, const void *b)
{
    const s_item_t *x = *(const s_item_t *const *)a;
    const s_item_t *y = *(const s_item_t *const *)b;
    if (x->comments != y->comments)
        return x->comments > y->comments ? -1 : 1;
    size_t px = json_object_size(x->people), py = json_object_size(y->people);
    if (px != py)
        return px > py ? -1 : 1;
    return x->snap->number > y->snap->number ? -1 : 1;
}

static json_t *s_hot(const s_item_t *items, size_t n)
{
    const s_item_t **order = dp_calloc(n ? n : 1, sizeof *order);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].comments > 0)
            order[m++] = &items[i];
    qsort(order, m, sizeof *order, s_cmp_hot);
    json_t *hot = json_array();
    for (size_t i = 0; i < m && i < DIGEST_HOT_MAX; i++) {
        const s_item_t *it = order[i];
        json_t *o = s_item_json(it, it->snap->updated_at);
        json_object_set_new(o, "state", s_str(it->snap->state));
        json_object_set_new(o, "merged", json_boolean(it->merged));
        json_object_set_new(o, "author_assoc", s_str(it->snap->author_assoc));
        json_object_set_new(o, "comments", json_integer(it->comments));
        json_object_set_new(o, "created_at",
                            json_integer(it->snap->created_at));
        json_object_set_new(o, "closed_at", json_integer(it->snap->closed_at));
        if (it->first_reply_at && it->snap->created_at &&
            it->first_reply_at >= it->snap->created_at)
            json_object_set_new(
                o, "first_reply_s",
                json_integer(it->first_reply_at - it->snap->created_at));
        /* Participants in order of their first comment in the window. */
        json_t *people = json_array();
        const char *login;
        json_t *p;
        json_object_foreach(it->people, login, p)
        {
            json_t *q = json_deep_copy(p);
            json_object_set_new(q, "login", json_string(login));
            json_array_append_new(people, q);
        }
        size_t np = json_array_size(people);
        for (size_t a = 1; a < np; a++) /* insertion sort: tiny lists */
            for (size_t b = a; b > 0; b--) {
                json_t *x = json_array_get(people, b - 1);
                json_t *y = json_array_get(people, b);
                int64_t fx = dp_json_int(x, "first_at", 0);
                int64_t fy = dp_json_int(y, "first_at", 0);
                if (fx < fy ||
                    (fx == fy && strcmp(dp_json_str(x, "login"),
                                        dp_json_str(y, "login")) <= 0))
                    break;
                json_incref(x);
                json_array_set(people, b - 1, y);
                json_array_set_new(people, b, x);
            }
        while (json_array_size(people) > DIGEST_PARTICIPANTS_MAX)
            json_array_remove(people, json_array_size(people) - 1);
        json_object_set_new(o, "participants", people);
        json_array_append_new(hot, o);
    }
    dp_free(order);
    return hot;
}

static int s_category_weight(const char *cat)
{
    static const char *const order[] = {"core",   "performance",  "kernel",
                                        "model",  "feature",      "hardware",
                                        "bugfix", "quantization", "frontend"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (cat && !strcmp(cat, order[i]))
            return (int)(sizeof order / sizeof order[0] - i);
    return 0;
}

static int s_cmp_change(const void *a, const void *b)
{
    const s_item_t *x = *(const s_item_t *const *)a;
    const s_item_t *y = *(const s_item_t *const *)b;
    if (x->merged != y->merged)
        return x->merged ? -1 : 1;
    int wx = s_category_weight(x->snap->category);
    int wy = s_category_weight(y->snap->category);
    if (wx != wy)
        return wx > wy ? -1 : 1;
    if (x->snap->hotness != y->snap->hotness)
        return x->snap->hotness > y->snap->hotness ? -1 : 1;
    return x->snap->number > y->snap->number ? -1 : 1;
}

static json_t *s_changes(const s_item_t *items, size_t n)
{
    const s_item_t **order = dp_calloc(n ? n : 1, sizeof *order);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const s_item_t *it = &items[i];
        bool bot = dp_is_bot(it->snap->author, it->snap->author_type);
        if (it->snap->is_pr && (it->opened || it->merged) && !bot)
            order[m++] = it;
    }
    qsort(order, m, sizeof *order, s_cmp_change);
    json_t *out = json_array();
    for (size_t i = 0; i < m && i < DIGEST_CHANGES_MAX; i++) {
        const s_item_t *it = order[i];
        json_t *o = s_item_json(it, it->merged ? it->merged_at : it->opened_at);
        json_object_set_new(o, "merged", json_boolean(it->merged));
        json_object_set_new(o, "state", s_str(it->snap->state));
        json_object_set_new(o, "body", s_str(it->snap->body));
        json_object_set_new(o, "additions", json_integer(it->snap->additions));
        json_object_set_new(o, "deletions", json_integer(it->snap->deletions));
        json_object_set_new(o, "comments", json_integer(it->snap->comments));
        json_array_append_new(out, o);
    }
    dp_free(order);
    return out;
}

static void s_person_add(json_t *people, const char *login, const char *assoc,
                         const char *field)
{
    if (!login)
        return;
    json_t *p = json_object_get(people, login);
    if (!p) {
        p = json_pack("{s:s, s:i, s:i, s:i, s:i}", "assoc",
                      assoc ? assoc : "NONE", "prs", 0, "issues", 0, "comments",
                      0, "merged", 0);
        json_object_set_new(people, login, p);
    }
    json_object_set_new(p, field, json_integer(dp_json_int(p, field, 0) + 1));
}

static json_t *s_people(const dp_classified_t **sorted, size_t n,
                        const s_item_t *items, size_t nitems, long *bots)
{
    json_t *people = json_object();
    json_t *botset = json_object();
    for (size_t i = 0; i < n; i++) {
        const dp_classified_t *ev = sorted[i];
        if (s_repeated(sorted, i))
            continue;
        const char *k = ev->kind ? ev->kind : "";
        const char *login = ev->actor ? ev->actor : ev->author;
        if (ev->bot) {
            if (login)
                json_object_set_new(botset, login, json_true());
            continue;
        }
        if (!strcmp(k, "comment"))
            s_person_add(people, ev->actor, ev->actor_assoc, "comments");
        else if (!strcmp(k, "pr_opened"))
            s_person_add(people, ev->author, ev->author_assoc, "prs");
        else if (!strcmp(k, "issue_opened"))
            s_person_add(people, ev->author, ev->author_assoc, "issues");
        else if (!strcmp(k, "pr_merged"))
            s_person_add(people, ev->author, ev->author_assoc, "merged");
    }
    (void)items;
    (void)nitems;
    *bots = (long)json_object_size(botset);
    json_decref(botset);
    /* As a list, most active first, then by login. */
    json_t *list = json_array();
    const char *login;
    json_t *p;
    json_object_foreach(people, login, p)
    {
        json_t *q = json_deep_copy(p);
        json_object_set_new(q, "login", json_string(login));
        json_object_set_new(q, "total",
                            json_integer(dp_json_int(q, "prs", 0) +
                                         dp_json_int(q, "issues", 0) +
                                         dp_json_int(q, "comments", 0) +
                                         dp_json_int(q, "merged", 0)));
        json_array_append_new(list, q);
    }
    json_decref(people);
    size_t m = json_array_size(list);
    json_t **arr = dp_calloc(m ? m : 1, sizeof *arr);
    for (size_t i = 0; i < m; i++)
        arr[i] = json_incref(json_array_get(list, i));
    for (size_t a = 1; a < m; a++)
        for (size_t b = a; b > 0; b--) {
            int64_t tx = dp_json_int(arr[b - 1], "total", 0);
            int64_t ty = dp_json_int(arr[b], "total", 0);
            if (tx > ty ||
                (tx == ty && strcmp(dp_json_str(arr[b - 1], "login"),
                                    dp_json_str(arr[b], "login")) < 0))
                break;
            json_t *tmp = arr[b - 1];
            arr[b - 1] = arr[b];
            arr[b] = tmp;
        }
    json_array_clear(list);
    for (size_t i = 0; i < m; i++)
        json_array_append_new(list, arr[i]);
    dp_free(arr);
    return list;
}

static json_t *s_watch(const s_item_t *items, size_t n)
{
    json_t *out = json_array();
    /* Newest first: items opened in the window that nobody answered yet. */
    for (size_t i = n; i-- > 0 && json_array_size(out) < DIGEST_WATCH_MAX;) {
        const s_item_t *it = &items[i];
        bool bot = dp_is_bot(it->snap->author, it->snap->author_type);
        if (!it->opened || bot || it->first_reply_at ||
            (it->snap->state && strcmp(it->snap->state, "open") != 0))
            continue;
        json_t *o = s_item_json(it, it->opened_at);
        json_object_set_new(o, "why",
                            json_string(it->snap->is_pr ? "pr_no_response"
                                                        : "issue_no_response"));
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *s_categories(const s_item_t *items, size_t n)
{
    json_t *cats = json_object();
    for (size_t i = 0; i < n; i++) {
        const s_item_t *it = &items[i];
        if (!(it->opened || it->closed || it->merged || it->dropped))
            continue;
        const char *c = it->snap->category ? it->snap->category : "other";
        json_object_set_new(cats, c, json_integer(dp_json_int(cats, c, 0) + 1));
    }
    return cats;
}

json_t *digest_build(const dp_window_t *win, const dp_classified_t *events,
                     size_t n, const json_t *topics, const json_t *previous)
{
    const dp_classified_t **sorted = dp_calloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &events[i];
    qsort(sorted, n, sizeof *sorted, s_cmp_events);
    s_item_t *items = dp_calloc(n ? n : 1, sizeof *items);
    size_t nitems = s_gather(sorted, n, items);

    json_t *d = json_object();
    json_object_set_new(d, "schema", json_integer(1));
    json_object_set_new(d, "repo", s_str(win->repo));
    const char *slash = win->repo ? strchr(win->repo, '/') : NULL;
    json_object_set_new(d, "name",
                        s_str(win->name && *win->name ? win->name
                              : slash                 ? slash + 1
                                                      : win->repo));
    json_object_set_new(d, "lang", s_str(win->lang ? win->lang : "zh"));
    json_object_set_new(d, "from", json_integer(win->win_from));
    json_object_set_new(d, "to", json_integer(win->win_to));
    json_object_set_new(d, "revision", json_integer(win->revision));
    int offset = 0;
    if (!win->tz || dp_tz_offset(win->tz, win->win_from, &offset) < 0)
        offset = 0;
    char label[32];
    dp_time_offset_label(offset, label, sizeof label);
    json_object_set_new(d, "tz_offset", json_integer(offset));
    json_object_set_new(d, "tz_label", json_string(label));
    s_lists(d, items, nitems);
    s_topics(d, items, nitems, topics ? topics : json_object());

    long bots = 0;
    json_t *facts = json_object();
    json_object_set_new(facts, "hot", s_hot(items, nitems));
    json_object_set_new(facts, "changes", s_changes(items, nitems));
    json_object_set_new(facts, "people",
                        s_people(sorted, n, items, nitems, &bots));
    json_object_set_new(facts, "bots", json_integer(bots));
    json_object_set_new(facts, "watch", s_watch(items, nitems));
    json_object_set_new(facts, "categories", s_categories(items, nitems));
    json_object_set_new(facts, "previous",
                        previous ? json_deep_copy(previous) : json_array());
    json_object_set_new(d, "facts", facts);

    json_t *health = json_object();
    json_object_set_new(health, "requests", json_integer(win->requests));
    json_object_set_new(health, "not_modified",
                        json_integer(win->not_modified));
    json_object_set_new(health, "retries", json_integer(win->retries));
    json_object_set_new(health, "rl_remaining",
                        json_integer(win->rl_remaining));
    json_object_set_new(health, "rl_limit", json_integer(win->rl_limit));
    json_object_set_new(health, "complete_until",
                        json_integer(win->complete_until));
    json_object_set_new(health, "events", json_integer(win->events));
    json_object_set_new(health, "problems", s_strs(&win->problems));
    json_object_set_new(health, "writer", json_string("extractive"));
    json_object_set_new(d, "health", health);

    for (size_t i = 0; i < nitems; i++) {
        json_decref(items[i].topics);
        json_decref(items[i].people);
    }
    dp_free(items);
    dp_free(sorted);
    return d;
}

json_t *digest_summary(const json_t *digest)
{
    json_t *s = json_object();
    json_object_set_new(s, "from",
                        json_integer(dp_json_int(digest, "from", 0)));
    json_object_set(s, "counts", json_object_get(digest, "counts"));
    json_object_set(s, "categories", dp_json_get(digest, "facts.categories"));
    return s;
}
