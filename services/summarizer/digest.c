/* digest.c - the facts of a closed window: exact counts, lists, rankings */
/* SPDX-License-Identifier: MIT */
#include "digest.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_time.h"

#define DIGEST_CHANGES_MAX 5
#define DIGEST_WATCH_MAX 5
#define DIGEST_PARTICIPANTS_MAX 6
#define DIGEST_HOT_KEEP 50      /* discussion numbers kept in a summary */
#define DIGEST_LEDGER_TITLE 160 /* bytes of a title kept in the ledger */

#define DIGEST_POOL_CHUNK 262144 /* bytes of the string pool at once */
#define DIGEST_SLOTS 1024        /* first size of a hash table */
#define DIGEST_FNV UINT64_C(14695981039346656037)

/* A list of interned strings, itself interned: equal lists are one. */
typedef struct {
    size_t count;
    const char **items;
} s_list_t;

/* The topics an event was filed under, then why: a list of 2n strings,
 * topics first (the event's own lists, cut to the shorter of the two). */
typedef s_list_t s_tags_t;
#define S_TAGS(t) ((t) ? (t)->count / 2 : 0)
#define S_TOPIC(t, i) ((t)->items[i])
#define S_REASON(t, i) ((t)->items[(t)->count / 2 + (i)])

/* What the digest reads of an item, from its newest event. */
typedef struct {
    const char *id, *kind; /* of that event */
    const char *title, *body, *url, *author, *author_type, *author_assoc;
    const char *state, *category;
    const s_list_t *labels;
    int64_t number, at, created_at, updated_at, closed_at, merged_at;
    int64_t comments, reactions, additions, deletions, files;
    bool is_pr, draft;
} s_snap_t;

/* An event as the digest keeps it: what is its own; what belongs to its
 * item (title, state, counts...) is read from the item's snapshot. Strings
 * are in the set's pool. */
typedef struct {
    const char *id, *actor, *author;
    const s_list_t *info; /* kind, actor_assoc, author_assoc, review_state
                             (few, so interned together) */
    const char *text;     /* a person's comment or review, when kept */
    const s_tags_t *tags; /* NULL: none */
    int64_t number, at, updated_at, comments;
    bool bot;
    bool has_text; /* text is known not empty (kept or not) */
} s_ev_t;

#define S_KIND(e) ((e)->info->items[0])
#define S_ACTOR_ASSOC(e) ((e)->info->items[1])
#define S_AUTHOR_ASSOC(e) ((e)->info->items[2])
#define S_REVIEW_STATE(e) ((e)->info->items[3])
#define S_INFO 4

/* Strings interned once (open addressing) in chunks freed together. */
typedef struct {
    char **slots;
    size_t cap, used;
    char **chunks;
    size_t nchunks;
    char *free_at; /* room left in the last chunk */
    size_t left;
} s_pool_t;

struct digest_set {
    s_pool_t pool;
    bool keep_texts;
    s_ev_t *evs;
    size_t n, cap;
    s_snap_t *snaps; /* per item: from the newest of its events */
    size_t nsnaps, snaps_cap;
    uint32_t *slots; /* item number -> 1 + index into snaps, 0: free */
    size_t nslots;
    s_list_t **lists; /* interned lists, open addressing */
    size_t lists_cap, lists_used;
    const char **scratch; /* a list being interned */
    size_t scratch_cap;
    bool sealed;      /* built once: nothing can be added */
    json_t *releases; /* id -> lists.releases entry, or NULL: none */
    size_t nrel;      /* release events added (counted as the others) */
};

/* The roles people have, from their author_association. */
typedef enum {
    R_COMMUNITY,
    R_FIRST_TIME,
    R_CONTRIBUTOR,
    R_MAINTAINER
} s_role_t;

/* A person who commented or reviewed on an item in the window; strings
 * are borrowed from the events. */
typedef struct {
    const char *login;
    const char *assoc;        /* at the first word in the window */
    const s_ev_t *quote;      /* the first with a text, or NULL */
    const char *review_state; /* of the last review with one, or NULL */
    long comments, reviews;
    int64_t first_at; /* the first word in the window */
} s_talker_t;

/* One item (issue or PR) and what happened to it in the window. */
typedef struct {
    const s_snap_t *snap;                 /* the item's snapshot (set) */
    bool opened, closed, merged, dropped; /* dropped: PR closed unmerged */
    bool was_waiting;                     /* in the previous window's ledger */
    bool discussion; /* comments + reviews >= DIGEST_HOT_MIN */
    int64_t opened_at, closed_at, merged_at;
    long comments;                 /* comments in the window, bots excluded */
    long reviews;                  /* reviews in the window, bots excluded */
    long bot_comments;             /* comments and reviews by bots */
    int64_t first_reply_at;        /* first comment or review by someone else */
    const char *first_reply_by;    /* borrowed from the event */
    const char *first_reply_assoc; /* borrowed from the event */
    const s_ev_t **evs;            /* its events, sorted, repeats too */
    size_t nevs;
    s_talker_t *people; /* in the order of their first word; only while
                           gathered (s_talkers), then their count */
    size_t npeople, people_cap;
    int64_t score; /* hot score (digest.h) */
    long streak;   /* windows in a row as a discussion, this one included */
} s_item_t;

static int s_cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Events of one item together, in time order; repeated deliveries next to
 * each other, the newest snapshot first. */
static int s_cmp_ev(const s_ev_t *x, const s_ev_t *y)
{
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    int c = s_cmp_str(x->id, y->id);
    if (c)
        return c;
    if (x->updated_at != y->updated_at)
        return x->updated_at > y->updated_at ? -1 : 1;
    if (x->comments != y->comments)
        return x->comments > y->comments ? -1 : 1;
    return s_cmp_str(S_KIND(x), S_KIND(y));
}

static int s_cmp_events(const void *a, const void *b)
{
    return s_cmp_ev(*(const s_ev_t *const *)a, *(const s_ev_t *const *)b);
}

static json_t *s_str(const char *s)
{
    return s ? dp_json_string(s) : json_null();
}

static json_t *s_strs(const dp_strs_t *list)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(arr, dp_json_string(list->items[i]));
    return arr;
}

static bool s_is_kind(const s_ev_t *ev, const char *kind)
{
    return S_KIND(ev) && !strcmp(S_KIND(ev), kind);
}

static s_role_t s_role(const char *assoc)
{
    if (!assoc)
        return R_COMMUNITY;
    if (!strcmp(assoc, "OWNER") || !strcmp(assoc, "MEMBER") ||
        !strcmp(assoc, "COLLABORATOR"))
        return R_MAINTAINER;
    if (!strcmp(assoc, "CONTRIBUTOR"))
        return R_CONTRIBUTOR;
    if (!strcmp(assoc, "FIRST_TIME_CONTRIBUTOR") ||
        !strcmp(assoc, "FIRST_TIMER"))
        return R_FIRST_TIME;
    return R_COMMUNITY;
}

static const char *s_role_name(s_role_t r)
{
    static const char *const names[] = {"community", "first_time",
                                        "contributor", "maintainer"};
    return names[r];
}

/* How an author_association ranks, to keep the highest one seen. */
static int s_assoc_rank(const char *assoc)
{
    static const char *const order[] = {
        "NONE",        "MANNEQUIN",    "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR",
        "CONTRIBUTOR", "COLLABORATOR", "MEMBER",      "OWNER"};
    for (size_t i = 0; assoc && i < sizeof order / sizeof order[0]; i++)
        if (!strcmp(assoc, order[i]))
            return (int)i + 1;
    return 0;
}

static bool s_author_is_bot(const s_item_t *it)
{
    return dp_is_bot(it->snap->author, it->snap->author_type);
}

static int s_cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of an object with its keys in byte order. */
static json_t *s_sorted(const json_t *obj)
{
    size_t n = json_object_size(obj), k = 0;
    const char **keys = dp_calloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) keys[k++] = key;
    qsort(keys, k, sizeof *keys, s_cmp_keys);
    json_t *out = json_object();
    for (size_t i = 0; i < k; i++)
        json_object_set(out, keys[i], json_object_get(obj, keys[i]));
    dp_free(keys);
    return out;
}

/* The fields of an item that every list shows. */
/* ==== An item's fields: a tree for the digest, a text for the sink ==== */

/* One field of an item as the digest and the sink show it: described once,
 * built as a tree (s_fields_json) for the lists the digest keeps and
 * written as compact JSON text (s_fields_text) for the items a cut list
 * sinks, which never become a tree. Fields are kept in the order of their
 * keys, so the text is the tree's with sorted keys. */
typedef enum { F_INT, F_BOOL, F_STR, F_LIST, F_WORDS, F_JSON } s_fkind_t;

typedef struct {
    const char *key;
    s_fkind_t kind;
    int64_t i;              /* F_INT; F_BOOL: 0 or 1 */
    const char *s;          /* F_STR; NULL: null */
    const s_list_t *list;   /* F_LIST; NULL: empty */
    const char *words[4];   /* F_WORDS, nwords of them */
    size_t nwords;
    const json_t *json;     /* F_JSON, borrowed; NULL: no such field */
} s_field_t;

#define S_FIELDS_MAX 16

static s_field_t s_fint(const char *key, int64_t i)
{
    return (s_field_t){.key = key, .kind = F_INT, .i = i};
}

static s_field_t s_fbool(const char *key, bool b)
{
    return (s_field_t){.key = key, .kind = F_BOOL, .i = b};
}

static s_field_t s_fstr(const char *key, const char *str)
{
    return (s_field_t){.key = key, .kind = F_STR, .s = str};
}

/* The fields of an item in a list, in the order of their keys. */
static size_t s_item_fields(const s_item_t *it, int64_t at, s_field_t *f)
{
    const s_snap_t *s = it->snap;
    size_t n = 0;
    f[n++] = s_fint("at", at);
    f[n++] = s_fstr("author", s->author);
    f[n++] = s_fbool("bot", s_author_is_bot(it));
    f[n++] = s_fstr("category", s->category);
    f[n++] = (s_field_t){.key = "labels", .kind = F_LIST, .list = s->labels};
    f[n++] = s_fint("number", s->number);
    f[n++] = s_fbool("pr", s->is_pr);
    f[n++] = s_fstr("title", s->title);
    f[n++] = s_fstr("url", s->url);
    return n;
}

/* Sorts fields by key (a few, mostly in order already). */
static void s_fields_sort(s_field_t *f, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        s_field_t x = f[i];
        size_t j = i;
        while (j > 0 && strcmp(f[j - 1].key, x.key) > 0) {
            f[j] = f[j - 1];
            j--;
        }
        f[j] = x;
    }
}

static json_t *s_field_json(const s_field_t *f)
{
    switch (f->kind) {
    case F_INT:
        return json_integer(f->i);
    case F_BOOL:
        return json_boolean(f->i);
    case F_STR:
        return f->s ? dp_json_string(f->s) : json_null();
    case F_LIST: {
        json_t *arr = json_array();
        for (size_t i = 0; f->list && i < f->list->count; i++)
            json_array_append_new(arr, dp_json_string(f->list->items[i]));
        return arr;
    }
    case F_WORDS: {
        json_t *arr = json_array();
        for (size_t i = 0; i < f->nwords; i++)
            json_array_append_new(arr, dp_json_string(f->words[i]));
        return arr;
    }
    case F_JSON:
        return json_incref((json_t *)f->json);
    }
    return NULL;
}

static json_t *s_fields_json(const s_field_t *f, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        if (f[i].kind != F_JSON || f[i].json) /* as json_object_set */
            json_object_set_new_nocheck(o, f[i].key, s_field_json(&f[i]));
    return o;
}

/* Appends a JSON string, or nothing and -1 when it is not UTF-8 (where
 * jansson's json_string gives no value, and the tree no field). */
static int s_put_str(dp_buf_t *b, const char *str)
{
    return dp_json_put_string(b, str, strlen(str));
}

/* Takes back what was appended to b after mark. */
static void s_buf_cut(dp_buf_t *b, size_t mark)
{
    b->len = mark;
    if (b->data)
        b->data[mark] = '\0';
}

static int s_field_text(dp_buf_t *b, const s_field_t *f)
{
    switch (f->kind) {
    case F_INT:
        dp_json_put_int(b, (json_int_t)f->i);
        return 0;
    case F_BOOL:
        dp_buf_puts(b, f->i ? "true" : "false");
        return 0;
    case F_STR:
        if (!f->s) {
            dp_buf_puts(b, "null");
            return 0;
        }
        return s_put_str(b, f->s);
    case F_LIST:
    case F_WORDS: {
        size_t n = f->kind == F_LIST ? (f->list ? f->list->count : 0)
                                     : f->nwords;
        dp_buf_puts(b, "[");
        for (size_t i = 0, put = 0; i < n; i++) {
            size_t mark = b->len;
            if (put)
                dp_buf_puts(b, ",");
            if (s_put_str(b, f->kind == F_LIST ? f->list->items[i]
                                               : f->words[i]) < 0)
                s_buf_cut(b, mark); /* json_array_append_new(NULL): none */
            else
                put++;
        }
        dp_buf_puts(b, "]");
        return 0;
    }
    case F_JSON:
        return dp_json_dump(b, f->json, JSON_SORT_KEYS | JSON_COMPACT |
                                            JSON_ENCODE_ANY);
    }
    return -1;
}

/* Writes the text of s_fields_json(f, n) with sorted keys, compact: what
 * dp_json_dumps(tree, JSON_SORT_KEYS | JSON_COMPACT) would. */
static void s_fields_text(dp_buf_t *b, const s_field_t *f, size_t n)
{
    dp_buf_puts(b, "{");
    bool put = false;
    for (size_t i = 0; i < n; i++) {
        if (f[i].kind == F_JSON && !f[i].json)
            continue;
        size_t mark = b->len;
        if (put)
            dp_buf_puts(b, ",");
        if (s_put_str(b, f[i].key) == 0) {
            dp_buf_puts(b, ":");
            if (s_field_text(b, &f[i]) == 0) {
                put = true;
                continue;
            }
        }
        s_buf_cut(b, mark); /* a field the tree would not have */
    }
    dp_buf_puts(b, "}");
}

static json_t *s_item_json(const s_item_t *it, int64_t at)
{
    s_field_t f[S_FIELDS_MAX];
    return s_fields_json(f, s_item_fields(it, at, f));
}

/* True when the item is open at the end of the window. */
static bool s_open_at_end(const s_item_t *it, int64_t win_to)
{
    if (it->closed || it->merged || it->dropped)
        return false;
    const s_snap_t *s = it->snap;
    if (s->closed_at > 0)
        return s->closed_at >= win_to;
    return !s->state || strcmp(s->state, "closed") != 0;
}

/* ==== Previous windows ==== */

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Item numbers in ascending order, looked up by binary search: a window
 * of n items asks each list of an earlier window about each of them. */
typedef struct {
    int64_t *v;
    size_t n;
} s_numbers_t;

/* The numbers of a list of numbers or of objects with a "number". */
static s_numbers_t s_numbers_of(const json_t *arr)
{
    s_numbers_t nums = {dp_calloc(json_array_size(arr) + 1, sizeof(int64_t)),
                        json_array_size(arr)};
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        nums.v[i] = json_integer_value(
            json_is_object(v) ? json_object_get(v, "number") : v);
    }
    qsort(nums.v, nums.n, sizeof *nums.v, s_cmp_i64);
    return nums;
}

static bool s_numbers_has(const s_numbers_t *nums, int64_t number)
{
    return bsearch(&number, nums->v, nums->n, sizeof *nums->v, s_cmp_i64) !=
           NULL;
}

/* The numbers the previous windows list: each one's discussions (hot[k],
 * newest first) and the first one's ledger of waiting items. */
typedef struct {
    s_numbers_t *hot;
    size_t nhot;
    s_numbers_t waiting;
} s_before_t;

static const json_t *s_ledger(const json_t *previous)
{
    return json_object_get(json_array_get(previous, 0), "waiting");
}

static s_before_t s_before_of(const json_t *previous)
{
    s_before_t b = {NULL, json_array_size(previous), {NULL, 0}};
    b.hot = dp_calloc(b.nhot + 1, sizeof *b.hot);
    for (size_t k = 0; k < b.nhot; k++)
        b.hot[k] =
            s_numbers_of(json_object_get(json_array_get(previous, k), "hot"));
    b.waiting = s_numbers_of(s_ledger(previous));
    return b;
}

static void s_before_free(s_before_t *b)
{
    for (size_t k = 0; k < b->nhot; k++)
        dp_free(b->hot[k].v);
    dp_free(b->hot);
    dp_free(b->waiting.v);
}

/* Consecutive previous windows in which number was a discussion. */
static long s_hot_before(const s_before_t *b, int64_t number)
{
    long k = 0;
    while ((size_t)k < b->nhot && s_numbers_has(&b->hot[k], number))
        k++;
    return k;
}

/* ==== Gathering items ==== */

/* Adds the topics of ev, and why, to *topics ({id: [reasons]}). */
static void s_note_topics(json_t **topics, const s_ev_t *ev)
{
    for (size_t i = 0; i < S_TAGS(ev->tags); i++) {
        const char *topic = S_TOPIC(ev->tags, i);
        const char *reason = S_REASON(ev->tags, i);
        json_t *reasons = json_object_get(*topics, topic);
        if (!*topics)
            *topics = json_object();
        if (!reasons) {
            reasons = json_array();
            json_object_set_new(*topics, topic, reasons);
        }
        bool seen = false;
        size_t k;
        json_t *r;
        json_array_foreach(reasons, k, r)
        {
            if (!strcmp(json_string_value(r), reason))
                seen = true;
        }
        if (!seen)
            json_array_append_new(reasons, dp_json_string(reason));
    }
}

/* A comment or review by a person. */
static void s_note_reply(s_item_t *it, const s_ev_t *ev, bool review)
{
    if (ev->bot) {
        it->bot_comments++;
        return;
    }
    review ? it->reviews++ : it->comments++;
    const char *login = ev->actor ? ev->actor : "";
    if (!it->first_reply_at && *login && ev->author &&
        strcmp(login, ev->author) != 0) {
        it->first_reply_at = ev->at;
        it->first_reply_by = login;
        it->first_reply_assoc = S_ACTOR_ASSOC(ev);
    }
    s_talker_t *p = NULL;
    for (size_t i = 0; i < it->npeople && !p; i++)
        if (!strcmp(it->people[i].login, login))
            p = &it->people[i];
    if (!p) {
        if (it->npeople == it->people_cap) {
            it->people_cap = it->people_cap ? 2 * it->people_cap : 2;
            it->people =
                dp_realloc(it->people, it->people_cap * sizeof *it->people);
        }
        p = &it->people[it->npeople++];
        *p = (s_talker_t){
            .login = login, .assoc = S_ACTOR_ASSOC(ev), .first_at = ev->at};
    }
    review ? p->reviews++ : p->comments++;
    if (ev->has_text && !p->quote)
        p->quote = ev;
    if (review && S_REVIEW_STATE(ev))
        p->review_state = S_REVIEW_STATE(ev);
}

/* True when sorted[i] repeats the delivery before it (same id and item):
 * delivery is at least once, so the digest counts every event once. */
static bool s_repeated(const s_ev_t **sorted, size_t i)
{
    const s_ev_t *ev = sorted[i];
    return i > 0 && ev->id && sorted[i - 1]->id &&
           !strcmp(ev->id, sorted[i - 1]->id) &&
           ev->number == sorted[i - 1]->number;
}

static void s_note_event(s_item_t *it, const s_ev_t *ev)
{
    if (s_is_kind(ev, "issue_opened") || s_is_kind(ev, "pr_opened")) {
        it->opened = true;
        it->opened_at = ev->at;
    } else if (s_is_kind(ev, "issue_closed")) {
        it->closed = true;
        it->closed_at = ev->at;
    } else if (s_is_kind(ev, "pr_merged")) {
        it->merged = true;
        it->merged_at = ev->at;
    } else if (s_is_kind(ev, "pr_closed")) {
        it->dropped = true;
        it->closed_at = ev->at;
    } else if (s_is_kind(ev, "comment")) {
        s_note_reply(it, ev, false);
    } else if (s_is_kind(ev, "review")) {
        s_note_reply(it, ev, true);
    }
}

static const s_snap_t *s_set_snap(const digest_set_t *set, int64_t number);

/* Notes what the events of an item (it->evs) tell, each delivery once. */
static void s_replay(s_item_t *it)
{
    for (size_t j = 0; j < it->nevs; j++)
        if (!s_repeated(it->evs, j))
            s_note_event(it, it->evs[j]);
}

/* The items of the sorted events, in ascending order of number. Only the
 * number of each item's people is kept (s_talkers gives them again). */
static size_t s_gather(const digest_set_t *set, const s_ev_t **sorted, size_t n,
                       s_item_t *items)
{
    size_t count = 0;
    s_talker_t *scratch = NULL;
    size_t cap = 0;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && sorted[j]->number == sorted[i]->number;)
            j++;
        s_item_t *it = &items[count++];
        *it = (s_item_t){.snap = s_set_snap(set, sorted[i]->number),
                         .evs = &sorted[i],
                         .nevs = j - i,
                         .people = scratch,
                         .people_cap = cap};
        s_replay(it);
        scratch = it->people;
        cap = it->people_cap;
        it->people = NULL;
        it->people_cap = 0;
    }
    dp_free(scratch);
    return count;
}

/* The people of an item, gathered again; *n gets their count. The array
 * is the caller's (dp_free). */
static s_talker_t *s_talkers(const s_item_t *it, size_t *n)
{
    s_item_t again = {.snap = it->snap, .evs = it->evs, .nevs = it->nevs};
    s_replay(&again);
    *n = again.npeople;
    return again.people;
}

/* The topics of an item ({id: [reasons]}, in the order the events give
 * them), or NULL; the caller's. */
static json_t *s_item_topics(const s_item_t *it)
{
    json_t *topics = NULL;
    for (size_t j = 0; j < it->nevs; j++)
        if (!s_repeated(it->evs, j))
            s_note_topics(&topics, it->evs[j]);
    return topics;
}

static bool s_has_topic(const s_item_t *it, const char *id)
{
    for (size_t j = 0; j < it->nevs; j++) {
        const s_tags_t *t = it->evs[j]->tags;
        for (size_t k = 0; k < S_TAGS(t); k++)
            if (!strcmp(S_TOPIC(t, k), id) && !s_repeated(it->evs, j))
                return true;
    }
    return false;
}

/* Adds the review states of an item's reviews by people to states. */
static void s_item_reviews(const s_item_t *it, json_t *states)
{
    for (size_t j = 0; j < it->nevs; j++) {
        const s_ev_t *ev = it->evs[j];
        if (ev->bot || !S_REVIEW_STATE(ev) || !s_is_kind(ev, "review") ||
            s_repeated(it->evs, j))
            continue;
        json_object_set_new(
            states, S_REVIEW_STATE(ev),
            json_integer(dp_json_int(states, S_REVIEW_STATE(ev), 0) + 1));
    }
}

/* Scores, and what the previous ledger says, for every item. */
static void s_score(s_item_t *items, size_t n, const json_t *previous)
{
    s_before_t before = s_before_of(previous);
    for (size_t i = 0; i < n; i++) {
        s_item_t *it = &items[i];
        int64_t c = it->comments + it->reviews;
        int64_t p = (int64_t)it->npeople;
        int64_t r = it->snap->reactions < DIGEST_REACTIONS_CAP
                        ? it->snap->reactions
                        : DIGEST_REACTIONS_CAP;
        it->score = 2 * c + 3 * p + (r > 0 ? r : 0);
        it->discussion = c >= DIGEST_HOT_MIN;
        it->streak =
            it->discussion ? s_hot_before(&before, it->snap->number) + 1 : 0;
        it->was_waiting = s_numbers_has(&before.waiting, it->snap->number);
    }
    s_before_free(&before);
}

/* True when the first reply in the window is the item's first ever. */
static bool s_first_is_known(const s_item_t *it, int64_t win_from)
{
    const s_snap_t *s = it->snap;
    if (it->was_waiting || (it->opened && s->created_at >= win_from))
        return true;
    /* An issue whose every comment is in the window had none before. */
    return !s->is_pr && s->comments <= it->comments + it->bot_comments;
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
    if (x->item->snap->number != y->item->snap->number)
        return x->item->snap->number > y->item->snap->number ? -1 : 1;
    return 0;
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

/* ==== Caps ==== */

/* The cap on lists and where the items past it go (digest_opts_t). */
typedef struct {
    size_t cap;          /* 0: no cap */
    digest_sink_fn sink; /* may be NULL */
    void *arg;
    size_t lines;   /* items given to the sink so far */
    json_t *capped; /* {"<section>": {"at", "total"}}, the cut lists */
    dp_buf_t text;  /* the text of the item being sunk */
} s_cap_t;

/* True when a list of total items is cut; records it as section. */
static bool s_cap_cuts(s_cap_t *c, const char *section, size_t total)
{
    if (!c->cap || total <= c->cap)
        return false;
    json_object_set_new(c->capped, section,
                        json_pack("{s:I, s:I}", "at", (json_int_t)c->lines,
                                  "total", (json_int_t)total));
    return true;
}

/* Adds the i-th item of a list, described by its fields, to arr as a
 * tree; when the list is cut, gives its text to the sink, and past the cap
 * only that: those items never become trees. */
static void s_cap_put(s_cap_t *c, bool cut, json_t *arr, size_t i,
                      const s_field_t *f, size_t n)
{
    if (cut) {
        if (c->sink) {
            dp_buf_reset(&c->text);
            s_fields_text(&c->text, f, n);
            c->sink(c->arg, c->text.data, c->text.len);
        }
        c->lines++;
    }
    if (!cut || i < c->cap)
        json_array_append_new(arr, s_fields_json(f, n));
}

/* As s_cap_put, for an item o built as a tree. Takes o. */
static void s_cap_add(s_cap_t *c, bool cut, json_t *arr, size_t i, json_t *o)
{
    if (cut) {
        if (c->sink) {
            dp_buf_reset(&c->text);
            if (dp_json_dump(&c->text, o, JSON_SORT_KEYS | JSON_COMPACT) < 0) {
                dp_buf_reset(&c->text);
                dp_buf_puts(&c->text, "null");
            }
            c->sink(c->arg, c->text.data, c->text.len);
        }
        c->lines++;
    }
    if (!cut || i < c->cap)
        json_array_append_new(arr, o);
    else
        json_decref(o);
}

static void s_lists(json_t *digest, const s_item_t *items, size_t n,
                    s_cap_t *cap)
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
        char section[64];
        snprintf(section, sizeof section, "lists.%s", s_list_names[l]);
        bool cut = s_cap_cuts(cap, section, m);
        for (size_t i = 0; i < m; i++)
        {
            s_field_t f[S_FIELDS_MAX];
            s_cap_put(cap, cut, arr, i, f,
                      s_item_fields(refs[i].item, refs[i].at, f));
        }
        json_object_set_new(lists, s_list_names[l], arr);
        json_object_set_new(counts, s_list_names[l], json_integer((long)m));
    }
    dp_free(refs);
    json_object_set_new(digest, "lists", lists);
    json_object_set_new(digest, "counts", counts);
}

/* ==== Releases ==== */

/* Keeps a release event apart from the items (digest_set_add): its entry
 * of lists.releases under its id, so a delivery again replaces it. */
static void s_release_keep(digest_set_t *set, const dp_classified_t *ev)
{
    if (!ev->id)
        return;
    if (!set->releases)
        set->releases = json_object();
    json_object_set_new(
        set->releases, ev->id,
        json_pack("{s:o, s:o, s:o, s:o, s:I, s:b}", "tag",
                  s_str(ev->labels.count ? ev->labels.items[0] : NULL), "name",
                  s_str(ev->title), "author", s_str(ev->author), "url",
                  s_str(ev->url), "at", (json_int_t)ev->at, "prerelease",
                  ev->state && !strcmp(ev->state, "prerelease")));
}

/* Newest first, then by tag. */
static int s_cmp_releases(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a;
    const json_t *y = *(const json_t *const *)b;
    int64_t tx = dp_json_int(x, "at", 0), ty = dp_json_int(y, "at", 0);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return s_cmp_str(dp_json_str(x, "tag"), dp_json_str(y, "tag"));
}

/* lists.releases and counts.releases: the releases published in the
 * window, once each, newest first; neither when there are none, so a
 * digest without releases is the one it was before them. */
static void s_releases(json_t *digest, const json_t *releases)
{
    size_t n = json_object_size(releases), k = 0;
    if (n == 0)
        return;
    json_t **rel = dp_calloc(n, sizeof *rel);
    const char *id;
    json_t *r;
    json_object_foreach((json_t *)releases, id, r) rel[k++] = r;
    qsort(rel, n, sizeof *rel, s_cmp_releases);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(arr, rel[i]);
    json_object_set_new(json_object_get(digest, "counts"), "releases",
                        json_integer((json_int_t)n));
    json_object_set_new(json_object_get(digest, "lists"), "releases", arr);
    dp_free(rel);
}

/* ==== Topics ==== */

/* What happened to an item in the window, for the topic lists. */
/* The fields of an item in a topic's list: an item's, with what happened
 * to it and why it is there (reasons, borrowed; NULL: none), in the order
 * of their keys. */
static size_t s_topic_fields(const s_item_t *it, const json_t *reasons,
                             s_field_t *f)
{
    size_t n = s_item_fields(it, it->snap->updated_at, f);
    f[n++] = s_fstr("state", it->snap->state);
    f[n++] = s_fbool("merged", it->merged);
    s_field_t *h = &f[n++];
    *h = (s_field_t){.key = "happened", .kind = F_WORDS};
    if (it->opened)
        h->words[h->nwords++] = "opened";
    if (it->merged)
        h->words[h->nwords++] = "merged";
    if (it->closed || it->dropped)
        h->words[h->nwords++] = "closed";
    if (it->comments + it->reviews > 0)
        h->words[h->nwords++] = "discussed";
    f[n++] = s_fint("comments", it->comments + it->reviews);
    f[n++] = (s_field_t){.key = "reasons", .kind = F_JSON, .json = reasons};
    s_fields_sort(f, n);
    return n;
}

static void s_topics(json_t *digest, json_t *facts, const s_item_t *items,
                     size_t n, const json_t *rules_topics, s_cap_t *cap)
{
    json_t *out = json_array(), *counts = json_object();
    /* Topics in the order of the rules file (the YAML loader keeps it). */
    const char *id;
    json_t *t;
    json_object_foreach((json_t *)rules_topics, id, t)
    {
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += s_has_topic(&items[i], id);
        char section[64];
        snprintf(section, sizeof section, "topics.%zu", json_array_size(out));
        bool cut = s_cap_cuts(cap, section, total);
        const char *title = dp_json_str(t, "title");
        const char *short_name = dp_json_str(t, "short");
        json_t *topic = json_object();
        json_object_set_new(topic, "id", dp_json_string(id));
        json_object_set_new(topic, "title", dp_json_string(title ? title : id));
        json_object_set_new(topic, "short",
                            dp_json_string(short_name ? short_name
                                        : title    ? title
                                                   : id));
        json_t *list = json_array();
        size_t k = 0;
        for (size_t i = n; i-- > 0;) {
            if (!s_has_topic(&items[i], id))
                continue;
            json_t *tops = s_item_topics(&items[i]);
            s_field_t f[S_FIELDS_MAX];
            size_t nf = s_topic_fields(&items[i], json_object_get(tops, id), f);
            s_cap_put(cap, cut, list, k++, f, nf);
            json_decref(tops);
        }
        json_object_set_new(counts, id, json_integer((json_int_t)total));
        if (cut)
            json_object_set_new(topic, "total",
                                json_integer((json_int_t)total));
        json_object_set_new(topic, "items", list);
        json_array_append_new(out, topic);
    }
    json_object_set_new(digest, "topics", out);
    json_object_set_new(facts, "topic_counts", counts);
}

/* ==== Hot threads ==== */

static int s_cmp_hot(const void *a, const void *b)
{
    const s_item_t *x = *(const s_item_t *const *)a;
    const s_item_t *y = *(const s_item_t *const *)b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    long cx = x->comments + x->reviews, cy = y->comments + y->reviews;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    size_t px = x->npeople, py = y->npeople;
    if (px != py)
        return px > py ? -1 : 1;
    if (x->snap->number != y->snap->number)
        return x->snap->number > y->snap->number ? -1 : 1;
    return 0;
}

/* Participants in the order of their first word in the window, then by
 * login; with their role on the thread. */
static int s_cmp_talkers(const void *a, const void *b)
{
    const s_talker_t *x = *(const s_talker_t *const *)a;
    const s_talker_t *y = *(const s_talker_t *const *)b;
    if (x->first_at != y->first_at)
        return x->first_at < y->first_at ? -1 : 1;
    return s_cmp_str(x->login, y->login);
}

static json_t *s_str_or_null(const char *s)
{
    json_t *v = s ? dp_json_string(s) : NULL;
    return v ? v : json_null();
}

/* A text the set did not keep (opts->text_of), or NULL. */
static char *s_fetch(const digest_opts_t *opts, const char *id, bool body)
{
    if (!opts || !opts->text_of || !id)
        return NULL;
    return opts->text_of(opts->text_arg, id, body);
}

static json_t *s_participants(const s_item_t *it, const digest_opts_t *opts)
{
    size_t n = 0;
    s_talker_t *talkers = s_talkers(it, &n);
    const s_talker_t **order = dp_calloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = &talkers[i];
    qsort(order, n, sizeof *order, s_cmp_talkers);
    json_t *people = json_array();
    for (size_t i = 0; i < n && i < DIGEST_PARTICIPANTS_MAX; i++) {
        const s_talker_t *p = order[i];
        const char *role =
            it->snap->author && !strcmp(it->snap->author, p->login)
                ? "author"
                : s_role_name(s_role(p->assoc));
        json_t *q = json_object();
        json_object_set_new(q, "assoc", s_str(p->assoc));
        json_object_set_new(q, "comments", json_integer(p->comments));
        json_object_set_new(q, "reviews", json_integer(p->reviews));
        char *fetched = NULL;
        const char *quote = NULL;
        if (p->quote)
            quote = p->quote->text
                        ? p->quote->text
                        : (fetched = s_fetch(opts, p->quote->id, false));
        json_object_set_new(q, "quote", s_str_or_null(quote));
        dp_free(fetched);
        json_object_set_new(q, "first_at", json_integer(p->first_at));
        if (p->review_state)
            json_object_set_new(q, "review_state",
                                s_str_or_null(p->review_state));
        json_object_set_new(q, "login", dp_json_string(p->login));
        json_object_set_new(q, "role", dp_json_string(role));
        json_array_append_new(people, q);
    }
    dp_free(order);
    dp_free(talkers);
    return people;
}

/* The first response of an item: who, their role, and the delay when it
 * is known to be the first. */
static void s_first_response(json_t *o, const s_item_t *it, int64_t win_from)
{
    if (!it->first_reply_at)
        return;
    json_t *f = json_object();
    json_object_set_new(f, "login", dp_json_string(it->first_reply_by));
    json_object_set_new(
        f, "role", dp_json_string(s_role_name(s_role(it->first_reply_assoc))));
    json_object_set_new(f, "at", json_integer(it->first_reply_at));
    if (s_first_is_known(it, win_from) && it->snap->created_at > 0 &&
        it->first_reply_at >= it->snap->created_at)
        json_object_set_new(
            f, "after_s",
            json_integer(it->first_reply_at - it->snap->created_at));
    json_object_set_new(o, "first_response", f);
}

static json_t *s_hot(const s_item_t *items, size_t n, const dp_window_t *win,
                     const json_t *previous, const digest_opts_t *opts,
                     size_t *discussions)
{
    const s_item_t **order = dp_calloc(n ? n : 1, sizeof(const s_item_t *));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].discussion)
            order[m++] = &items[i];
    qsort(order, m, sizeof(const s_item_t *), s_cmp_hot);
    *discussions = m;
    json_t *hot = json_array();
    for (size_t i = 0; i < m && i < DIGEST_HOT_MAX; i++) {
        const s_item_t *it = order[i];
        json_t *o = s_item_json(it, it->snap->updated_at);
        json_object_set_new(o, "state", s_str(it->snap->state));
        json_object_set_new(o, "merged", json_boolean(it->merged));
        json_object_set_new(o, "author_assoc", s_str(it->snap->author_assoc));
        json_object_set_new(o, "comments", json_integer(it->comments));
        json_object_set_new(o, "reviews", json_integer(it->reviews));
        json_object_set_new(o, "people", json_integer((json_int_t)it->npeople));
        json_object_set_new(o, "reactions", json_integer(it->snap->reactions));
        json_object_set_new(o, "score", json_integer(it->score));
        json_object_set_new(o, "created_at",
                            json_integer(it->snap->created_at));
        json_object_set_new(o, "closed_at", json_integer(it->snap->closed_at));
        json_object_set_new(o, "opened_in_window", json_boolean(it->opened));
        s_first_response(o, it, win->win_from);
        /* Continuity: how many windows in a row, and whether it is new. */
        json_object_set_new(o, "streak", json_integer(it->streak));
        if (json_array_size(previous) > 0)
            json_object_set_new(o, "new", json_boolean(it->streak == 1));
        json_object_set_new(o, "participants", s_participants(it, opts));
        json_array_append_new(hot, o);
    }
    dp_free(order);
    return hot;
}

/* ==== Key changes ==== */

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
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    int64_t sx = x->snap->additions + x->snap->deletions;
    int64_t sy = y->snap->additions + y->snap->deletions;
    if (sx != sy)
        return sx > sy ? -1 : 1;
    if (x->snap->number != y->snap->number)
        return x->snap->number > y->snap->number ? -1 : 1;
    return 0;
}

static json_t *s_changes(const s_item_t *items, size_t n,
                         const digest_opts_t *opts)
{
    const s_item_t **order = dp_calloc(n ? n : 1, sizeof(const s_item_t *));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const s_item_t *it = &items[i];
        if (it->snap->is_pr && (it->opened || it->merged) &&
            !s_author_is_bot(it))
            order[m++] = it;
    }
    qsort(order, m, sizeof(const s_item_t *), s_cmp_change);
    json_t *out = json_array();
    for (size_t i = 0; i < m && i < DIGEST_CHANGES_MAX; i++) {
        const s_item_t *it = order[i];
        json_t *o = s_item_json(it, it->merged ? it->merged_at : it->opened_at);
        json_object_set_new(o, "merged", json_boolean(it->merged));
        json_object_set_new(o, "state", s_str(it->snap->state));
        json_object_set_new(o, "draft", json_boolean(it->snap->draft));
        char *body = it->snap->body ? NULL : s_fetch(opts, it->snap->id, true);
        json_object_set_new(o, "body", s_str(body ? body : it->snap->body));
        dp_free(body);
        json_object_set_new(o, "additions", json_integer(it->snap->additions));
        json_object_set_new(o, "deletions", json_integer(it->snap->deletions));
        json_object_set_new(o, "files",
                            json_integer((json_int_t)it->snap->files));
        json_object_set_new(o, "comments", json_integer(it->comments));
        json_object_set_new(o, "score", json_integer(it->score));
        json_t *states = json_object();
        s_item_reviews(it, states);
        json_object_set_new(o, "reviews", s_sorted(states));
        json_decref(states);
        json_t *topics = json_array(), *tops = s_item_topics(it);
        const char *id;
        json_t *r;
        json_object_foreach(tops, id, r)
        {
            json_array_append_new(topics, dp_json_string(id));
        }
        json_decref(tops);
        json_object_set_new(o, "topics", topics);
        json_array_append_new(out, o);
    }
    dp_free(order);
    return out;
}

/* ==== People ==== */

static void s_person_add(json_t *people, const char *login, const char *assoc,
                         const char *field)
{
    if (!login)
        return;
    json_t *p = json_object_get(people, login);
    if (!p) {
        p = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i}", "assoc",
                      assoc ? assoc : "NONE", "prs", 0, "issues", 0, "comments",
                      0, "reviews", 0, "merged", 0);
        json_object_set_new(people, login, p);
    } else if (s_assoc_rank(assoc) > s_assoc_rank(dp_json_str(p, "assoc"))) {
        json_object_set_new(p, "assoc", dp_json_string(assoc));
    }
    json_object_set_new(p, field, json_integer(dp_json_int(p, field, 0) + 1));
}

static int s_cmp_people(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a;
    const json_t *y = *(const json_t *const *)b;
    int64_t tx = dp_json_int(x, "total", 0), ty = dp_json_int(y, "total", 0);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return s_cmp_str(dp_json_str(x, "login"), dp_json_str(y, "login"));
}

/* People active in the window, most active first; roles counted into
 * roles, bot accounts into *bots. When the cap cuts the list,
 * *first_timers gets the logins of the first-time contributors (at most
 * the cap of them), else NULL. */
static json_t *s_people(const s_ev_t **sorted, size_t n, json_t *roles,
                        long *bots, s_cap_t *cap, json_t **first_timers)
{
    json_t *people = json_object();
    json_t *botset = json_object();
    for (size_t i = 0; i < n; i++) {
        const s_ev_t *ev = sorted[i];
        if (s_repeated(sorted, i))
            continue;
        const char *login = ev->actor ? ev->actor : ev->author;
        if (ev->bot) {
            if (login)
                json_object_set_new(botset, login, json_true());
            continue;
        }
        if (s_is_kind(ev, "comment"))
            s_person_add(people, ev->actor, S_ACTOR_ASSOC(ev), "comments");
        else if (s_is_kind(ev, "review"))
            s_person_add(people, ev->actor, S_ACTOR_ASSOC(ev), "reviews");
        else if (s_is_kind(ev, "pr_opened"))
            s_person_add(people, ev->author, S_AUTHOR_ASSOC(ev), "prs");
        else if (s_is_kind(ev, "issue_opened"))
            s_person_add(people, ev->author, S_AUTHOR_ASSOC(ev), "issues");
        else if (s_is_kind(ev, "pr_merged"))
            s_person_add(people, ev->author, S_AUTHOR_ASSOC(ev), "merged");
    }
    *bots = (long)json_object_size(botset);
    json_decref(botset);
    size_t m = json_object_size(people), k = 0;
    json_t **arr = dp_calloc(m ? m : 1, sizeof(json_t *));
    const char *login;
    json_t *p;
    json_object_foreach(people, login, p)
    {
        json_t *q = json_deep_copy(p);
        s_role_t role = s_role(dp_json_str(q, "assoc"));
        json_object_set_new(q, "login", dp_json_string(login));
        json_object_set_new(q, "role", dp_json_string(s_role_name(role)));
        json_object_set_new(q, "total",
                            json_integer(dp_json_int(q, "prs", 0) +
                                         dp_json_int(q, "issues", 0) +
                                         dp_json_int(q, "comments", 0) +
                                         dp_json_int(q, "reviews", 0) +
                                         dp_json_int(q, "merged", 0)));
        json_object_set_new(
            roles, s_role_name(role),
            json_integer(dp_json_int(roles, s_role_name(role), 0) + 1));
        arr[k++] = q;
    }
    json_decref(people);
    qsort(arr, m, sizeof(json_t *), s_cmp_people);
    json_t *list = json_array();
    bool cut = s_cap_cuts(cap, "facts.people", m);
    json_t *firsts = cut ? json_array() : NULL;
    for (size_t i = 0; i < m; i++) {
        const char *role = dp_json_str(arr[i], "role");
        if (firsts && json_array_size(firsts) < cap->cap && role &&
            !strcmp(role, "first_time"))
            json_array_append_new(firsts,
                                  dp_json_string(dp_json_str(arr[i], "login")));
        s_cap_add(cap, cut, list, i, arr[i]);
    }
    *first_timers = firsts;
    dp_free(arr);
    return list;
}

/* Review states in the window, people only, by name. */
static json_t *s_reviews(const s_item_t *items, size_t n)
{
    json_t *states = json_object();
    for (size_t i = 0; i < n; i++)
        s_item_reviews(&items[i], states);
    json_t *sorted = s_sorted(states);
    json_decref(states);
    return sorted;
}

/* ==== Response times ==== */

/* The median of n values (sorted in place); the mean of the middle two
 * for an even n. */
static int64_t s_median(int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, s_cmp_i64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *s_response(const s_item_t *items, size_t n,
                          const dp_window_t *win)
{
    int64_t *fresh = dp_calloc(n ? n : 1, sizeof *fresh);
    int64_t *old = dp_calloc(n ? n : 1, sizeof *old);
    size_t nfresh = 0, nold = 0, opened = 0;
    long by_maint = 0, by_others = 0;
    for (size_t i = 0; i < n; i++) {
        const s_item_t *it = &items[i];
        if (s_author_is_bot(it))
            continue;
        bool mine = it->opened && it->snap->created_at >= win->win_from;
        opened += mine;
        if (!it->first_reply_at || it->first_reply_at < it->snap->created_at)
            continue;
        int64_t after = it->first_reply_at - it->snap->created_at;
        if (mine) {
            fresh[nfresh++] = after;
            s_role(it->first_reply_assoc) == R_MAINTAINER ? by_maint++
                                                          : by_others++;
        } else if (it->was_waiting) {
            old[nold++] = after;
        }
    }
    json_t *r = json_object();
    json_object_set_new(r, "opened", json_integer((json_int_t)opened));
    json_object_set_new(r, "answered", json_integer((json_int_t)nfresh));
    if (nfresh)
        json_object_set_new(r, "median_s",
                            json_integer(s_median(fresh, nfresh)));
    json_object_set_new(r, "by_maintainers", json_integer(by_maint));
    json_object_set_new(r, "by_others", json_integer(by_others));
    json_object_set_new(r, "earlier_answered", json_integer((json_int_t)nold));
    if (nold)
        json_object_set_new(r, "earlier_median_s",
                            json_integer(s_median(old, nold)));
    dp_free(fresh);
    dp_free(old);
    return r;
}

/* ==== The ledger and the watch list ==== */

/* A copy of s cut to at most max bytes on a UTF-8 boundary. */
static char *s_cut(const char *s, size_t max)
{
    if (!s)
        return dp_strdup("");
    size_t cut = strlen(s);
    if (cut > max) {
        cut = max;
        while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
            cut--;
    }
    return dp_strndup(s, cut);
}

static json_t *s_wait_entry(const s_snap_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "number", json_integer(s->number));
    json_object_set_new(o, "pr", json_boolean(s->is_pr));
    json_object_set_new(o, "draft", json_boolean(s->draft));
    char *title = s_cut(s->title, DIGEST_LEDGER_TITLE);
    json_object_set_new(o, "title", dp_json_string(title));
    dp_free(title);
    json_object_set_new(o, "url", s_str(s->url));
    json_object_set_new(o, "author", s_str(s->author));
    json_object_set_new(o, "created_at", json_integer(s->created_at));
    return o;
}

static int s_cmp_waiting(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a;
    const json_t *y = *(const json_t *const *)b;
    int64_t cx = dp_json_int(x, "created_at", 0);
    int64_t cy = dp_json_int(y, "created_at", 0);
    if (cx != cy)
        return cx < cy ? -1 : 1;
    int64_t nx = dp_json_int(x, "number", 0), ny = dp_json_int(y, "number", 0);
    return nx < ny ? -1 : nx > ny;
}

/* True when one of the items (in ascending order of number, as gathered)
 * has that number. */
static bool s_item_in(const s_item_t *items, size_t n, int64_t number)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (items[mid].snap->number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && items[lo].snap->number == number;
}

/* The items still waiting for a first answer at the end of the window,
 * oldest first: those of the previous ledger that nothing happened to (if
 * younger than DIGEST_WAITING_AGE_S), and this window's. At most
 * DIGEST_WAITING_MAX, the newest. */
static json_t *s_waiting(const s_item_t *items, size_t n,
                         const dp_window_t *win, const json_t *previous)
{
    json_t *all = json_array();
    const json_t *ledger = s_ledger(previous);
    size_t i;
    json_t *w;
    json_array_foreach(ledger, i, w)
    {
        int64_t number = dp_json_int(w, "number", 0);
        if (!s_item_in(items, n, number) &&
            win->win_to - dp_json_int(w, "created_at", 0) <=
                DIGEST_WAITING_AGE_S)
            json_array_append(all, w);
    }
    for (size_t k = 0; k < n; k++) {
        const s_item_t *it = &items[k];
        const s_snap_t *s = it->snap;
        if (s_author_is_bot(it) || !s_open_at_end(it, win->win_to) ||
            it->first_reply_at || s->created_at <= 0)
            continue;
        bool unanswered =
            s->is_pr ? it->was_waiting ||
                           (it->opened && s->created_at >= win->win_from)
                     : s_first_is_known(it, win->win_from);
        if (unanswered)
            json_array_append_new(all, s_wait_entry(s));
    }
    size_t m = json_array_size(all);
    json_t **arr = dp_calloc(m ? m : 1, sizeof(json_t *));
    json_array_foreach(all, i, w) arr[i] = w;
    qsort(arr, m, sizeof(json_t *), s_cmp_waiting);
    json_t *out = json_array();
    for (size_t j = m > DIGEST_WAITING_MAX ? m - DIGEST_WAITING_MAX : 0; j < m;
         j++)
        json_array_append(out, arr[j]);
    dp_free(arr);
    json_decref(all);
    return out;
}

/* Entries of the ledger for the watch list: issues past the threshold or
 * PRs that are not drafts, the longest waits first. */
static json_t *s_watch_waits(const json_t *waiting, const dp_window_t *win,
                             bool prs, long threshold, size_t *more)
{
    json_t *out = json_array();
    *more = 0;
    /* waiting is oldest first: the longest waits come first already. */
    size_t i;
    json_t *w;
    json_array_foreach(waiting, i, w)
    {
        int64_t waited = win->win_to - dp_json_int(w, "created_at", 0);
        if (dp_json_bool(w, "pr", false) != prs ||
            (prs && dp_json_bool(w, "draft", false)) ||
            (!prs && waited < threshold))
            continue;
        if (json_array_size(out) >= DIGEST_WATCH_MAX) {
            (*more)++;
            continue;
        }
        json_t *o = json_deep_copy(w);
        json_object_set_new(o, "waited_s", json_integer(waited));
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *s_watch(const json_t *waiting, const json_t *long_hot,
                       const dp_window_t *win, long threshold)
{
    json_t *watch = json_object();
    size_t more = 0;
    json_object_set_new(watch, "threshold_s", json_integer(threshold));
    json_object_set_new(watch, "unanswered",
                        s_watch_waits(waiting, win, false, threshold, &more));
    json_object_set_new(watch, "unanswered_more",
                        json_integer((json_int_t)more));
    json_object_set_new(watch, "unreviewed",
                        s_watch_waits(waiting, win, true, threshold, &more));
    json_object_set_new(watch, "unreviewed_more",
                        json_integer((json_int_t)more));
    /* Issues waiting less than the threshold: how many, and the oldest. */
    size_t young = 0;
    int64_t oldest = 0;
    size_t i;
    json_t *w;
    json_array_foreach(waiting, i, w)
    {
        int64_t waited = win->win_to - dp_json_int(w, "created_at", 0);
        if (!dp_json_bool(w, "pr", false) && waited < threshold) {
            young++;
            oldest = waited > oldest ? waited : oldest;
        }
    }
    json_object_set_new(watch, "young_issues", json_integer((json_int_t)young));
    json_object_set_new(watch, "young_oldest_s", json_integer(oldest));
    json_object_set(watch, "long_hot", (json_t *)long_hot);
    return watch;
}

static int s_cmp_streak(const void *a, const void *b)
{
    const s_item_t *x = *(const s_item_t *const *)a;
    const s_item_t *y = *(const s_item_t *const *)b;
    if (x->streak != y->streak)
        return x->streak > y->streak ? -1 : 1;
    return s_cmp_hot(a, b);
}

/* Discussions of DIGEST_STREAK_MIN windows in a row or more, the longest
 * first; *still and *fresh count the discussions that were one in the
 * previous window and those that were not. */
static json_t *s_long_hot(const s_item_t *items, size_t n, size_t *still,
                          size_t *fresh)
{
    const s_item_t **order = dp_calloc(n ? n : 1, sizeof(const s_item_t *));
    size_t m = 0;
    *still = *fresh = 0;
    for (size_t i = 0; i < n; i++) {
        if (!items[i].discussion)
            continue;
        if (items[i].streak > 1)
            (*still)++;
        else
            (*fresh)++;
        if (items[i].streak >= DIGEST_STREAK_MIN)
            order[m++] = &items[i];
    }
    qsort(order, m, sizeof(const s_item_t *), s_cmp_streak);
    json_t *out = json_array();
    for (size_t i = 0; i < m && i < DIGEST_WATCH_MAX; i++) {
        const s_item_t *it = order[i];
        json_t *o = s_item_json(it, it->snap->updated_at);
        json_object_set_new(o, "state", s_str(it->snap->state));
        json_object_set_new(o, "merged", json_boolean(it->merged));
        json_object_set_new(o, "streak", json_integer(it->streak));
        json_object_set_new(o, "comments",
                            json_integer(it->comments + it->reviews));
        json_array_append_new(out, o);
    }
    dp_free(order);
    return out;
}

/* ==== Categories and the previous windows ==== */

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

/* The numbers of this window's discussions, highest score first. */
static json_t *s_discussions(const s_item_t *items, size_t n)
{
    const s_item_t **order = dp_calloc(n ? n : 1, sizeof(const s_item_t *));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].discussion)
            order[m++] = &items[i];
    qsort(order, m, sizeof(const s_item_t *), s_cmp_hot);
    json_t *out = json_array();
    for (size_t i = 0; i < m && i < DIGEST_HOT_KEEP; i++)
        json_array_append_new(out, json_integer(order[i]->snap->number));
    dp_free(order);
    return out;
}

/* The previous summaries as the report shows them: without their
 * ledgers, which only the next window needs. */
static json_t *s_previous_copy(const json_t *previous)
{
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(previous, i, p)
    {
        json_t *q = json_deep_copy(p);
        json_object_del(q, "waiting");
        json_array_append_new(out, q);
    }
    return out;
}

/* ==== The set of events ==== */

static uint64_t s_hash(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h;
}

/* Room for size bytes in the pool, aligned for a pointer. */
static void *s_pool_alloc(s_pool_t *pool, size_t size)
{
    size_t pad = (size_t)(-(uintptr_t)pool->free_at & (sizeof(void *) - 1));
    if (size + pad > pool->left) {
        size_t n = size > DIGEST_POOL_CHUNK ? size : DIGEST_POOL_CHUNK;
        pool->chunks = dp_realloc(pool->chunks,
                                  (pool->nchunks + 1) * sizeof *pool->chunks);
        pool->free_at = pool->chunks[pool->nchunks++] = dp_malloc(n);
        pool->left = n;
        pad = 0; /* malloc aligns */
    }
    char *out = pool->free_at + pad;
    pool->free_at += pad + size;
    pool->left -= pad + size;
    return out;
}

/* A copy of s in the pool; NULL for NULL. */
static char *s_pool_copy(s_pool_t *pool, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = pool->left > len ? pool->free_at : NULL;
    if (out) {
        pool->free_at += len + 1;
        pool->left -= len + 1;
    } else {
        out = s_pool_alloc(pool, len + 1);
    }
    memcpy(out, s, len + 1);
    return out;
}

/* The pool's copy of s, the same one for equal strings; NULL for NULL. */
static const char *s_intern(s_pool_t *pool, const char *s)
{
    if (!s)
        return NULL;
    if (2 * (pool->used + 1) > pool->cap) {
        size_t cap = pool->cap ? 2 * pool->cap : DIGEST_SLOTS;
        char **slots = dp_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < pool->cap; i++) {
            if (!pool->slots[i])
                continue;
            size_t k =
                s_hash(pool->slots[i], strlen(pool->slots[i]), DIGEST_FNV) &
                (cap - 1);
            while (slots[k])
                k = (k + 1) & (cap - 1);
            slots[k] = pool->slots[i];
        }
        dp_free(pool->slots);
        pool->slots = slots;
        pool->cap = cap;
    }
    size_t k = s_hash(s, strlen(s), DIGEST_FNV) & (pool->cap - 1);
    while (pool->slots[k] && strcmp(pool->slots[k], s) != 0)
        k = (k + 1) & (pool->cap - 1);
    if (!pool->slots[k]) {
        pool->slots[k] = s_pool_copy(pool, s);
        pool->used++;
    }
    return pool->slots[k];
}

/* The slot of list in set->lists: its own or a free one. */
static size_t s_list_slot(s_list_t **slots, size_t cap, const char **items,
                          size_t count)
{
    size_t k = s_hash(items, count * sizeof *items, DIGEST_FNV) & (cap - 1);
    while (slots[k] &&
           (slots[k]->count != count ||
            memcmp(slots[k]->items, items, count * sizeof *items) != 0))
        k = (k + 1) & (cap - 1);
    return k;
}

/* The interned list of the strings of a, then of b when given (as many of
 * each as the shorter has); NULL for an empty one. */
static const s_list_t *s_intern_list(digest_set_t *set, const dp_strs_t *a,
                                     const dp_strs_t *b)
{
    size_t n = b && b->count < a->count ? b->count : a->count;
    size_t count = b ? 2 * n : n;
    if (!count)
        return NULL;
    if (count > set->scratch_cap) {
        set->scratch_cap = count;
        set->scratch = dp_realloc(set->scratch, count * sizeof *set->scratch);
    }
    for (size_t i = 0; i < n; i++) {
        set->scratch[i] = s_intern(&set->pool, a->items[i]);
        if (b)
            set->scratch[n + i] = s_intern(&set->pool, b->items[i]);
    }
    if (2 * (set->lists_used + 1) > set->lists_cap) {
        size_t cap = set->lists_cap ? 2 * set->lists_cap : DIGEST_SLOTS;
        s_list_t **slots = dp_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < set->lists_cap; i++)
            if (set->lists[i])
                slots[s_list_slot(slots, cap, set->lists[i]->items,
                                  set->lists[i]->count)] = set->lists[i];
        dp_free(set->lists);
        set->lists = slots;
        set->lists_cap = cap;
    }
    size_t k = s_list_slot(set->lists, set->lists_cap, set->scratch, count);
    if (!set->lists[k]) {
        s_list_t *l =
            s_pool_alloc(&set->pool, sizeof *l + count * sizeof *l->items);
        l->count = count;
        l->items = (const char **)(l + 1);
        memcpy(l->items, set->scratch, count * sizeof *l->items);
        set->lists[k] = l;
        set->lists_used++;
    }
    return set->lists[k];
}

/* Frees what only adding needs (the tables of interned strings and
 * lists): the strings stay, in the pool. */
static void s_set_seal(digest_set_t *set)
{
    dp_free(set->pool.slots);
    set->pool.slots = NULL;
    set->pool.cap = set->pool.used = 0;
    dp_free(set->lists);
    set->lists = NULL;
    set->lists_cap = set->lists_used = 0;
    dp_free(set->scratch);
    set->scratch = NULL;
    set->scratch_cap = 0;
    set->sealed = true;
}

digest_set_t *digest_set_new(size_t hint, bool keep_texts)
{
    digest_set_t *set = dp_calloc(1, sizeof *set);
    set->keep_texts = keep_texts;
    set->cap = hint ? hint : DIGEST_SLOTS;
    set->evs = dp_malloc(set->cap * sizeof *set->evs);
    return set;
}

size_t digest_set_count(const digest_set_t *set)
{
    return set->n + set->nrel;
}

/* The slot of an item number in set->slots: its own or a free one. */
static size_t s_slot(const digest_set_t *set, int64_t number)
{
    size_t k = s_hash(&number, sizeof number, DIGEST_FNV) & (set->nslots - 1);
    while (set->slots[k] && set->snaps[set->slots[k] - 1].number != number)
        k = (k + 1) & (set->nslots - 1);
    return k;
}

static const s_snap_t *s_set_snap(const digest_set_t *set, int64_t number)
{
    return &set->snaps[set->slots[s_slot(set, number)] - 1];
}

/* The snapshot slot of ev's item, made when it is the item's first. */
static s_snap_t *s_snap_of(digest_set_t *set, int64_t number, bool *fresh)
{
    if (2 * (set->nsnaps + 1) > set->nslots) {
        size_t old = set->nslots;
        uint32_t *slots = set->slots;
        set->nslots = old ? 2 * old : DIGEST_SLOTS;
        set->slots = dp_calloc(set->nslots, sizeof *set->slots);
        for (size_t i = 0; i < old; i++)
            if (slots[i])
                set->slots[s_slot(set, set->snaps[slots[i] - 1].number)] =
                    slots[i];
        dp_free(slots);
    }
    size_t k = s_slot(set, number);
    *fresh = !set->slots[k];
    if (*fresh) {
        if (set->nsnaps == set->snaps_cap) {
            set->snaps_cap = set->snaps_cap ? 2 * set->snaps_cap : 64;
            set->snaps =
                dp_realloc(set->snaps, set->snaps_cap * sizeof *set->snaps);
        }
        set->slots[k] = (uint32_t)++set->nsnaps;
    }
    return &set->snaps[set->slots[k] - 1];
}

/* Keeps ev as the snapshot of its item when it is the newest so far (as
 * the sorted events would pick it: the first of the latest update). */
static void s_snap_keep(digest_set_t *set, const dp_classified_t *ev,
                        const s_ev_t *e)
{
    bool fresh = false;
    s_snap_t *snap = s_snap_of(set, ev->number, &fresh);
    if (!fresh) {
        const char *info[S_INFO] = {snap->kind};
        s_list_t kind = {S_INFO, info};
        s_ev_t cur = {.id = snap->id,
                      .info = &kind,
                      .number = snap->number,
                      .at = snap->at,
                      .updated_at = snap->updated_at,
                      .comments = snap->comments};
        if (ev->updated_at < snap->updated_at ||
            (ev->updated_at == snap->updated_at && s_cmp_ev(e, &cur) >= 0))
            return;
    }
    s_pool_t *p = &set->pool;
    *snap = (s_snap_t){
        .id = e->id,
        .kind = S_KIND(e),
        .title = s_intern(p, ev->title),
        .body = set->keep_texts && ev->is_pr ? s_pool_copy(p, ev->body) : NULL,
        .url = s_intern(p, ev->url),
        .author = e->author,
        .author_type = s_intern(p, ev->author_type),
        .author_assoc = S_AUTHOR_ASSOC(e),
        .state = s_intern(p, ev->state),
        .category = s_intern(p, ev->category),
        .labels = s_intern_list(set, &ev->labels, NULL),
        .number = ev->number,
        .at = ev->at,
        .created_at = ev->created_at,
        .updated_at = ev->updated_at,
        .closed_at = ev->closed_at,
        .merged_at = ev->merged_at,
        .comments = ev->comments,
        .reactions = ev->reactions,
        .additions = ev->additions,
        .deletions = ev->deletions,
        .files = (int64_t)ev->files.count,
        .is_pr = ev->is_pr,
        .draft = ev->draft};
}

void digest_set_add(digest_set_t *set, const dp_classified_t *ev)
{
    assert(!set->sealed);
    if (ev->kind && !strcmp(ev->kind, "release")) {
        s_release_keep(set, ev); /* no item: listed apart */
        set->nrel++;
        return;
    }
    if (set->n == set->cap) {
        set->cap *= 2;
        set->evs = dp_realloc(set->evs, set->cap * sizeof *set->evs);
    }
    s_pool_t *p = &set->pool;
    s_ev_t *e = &set->evs[set->n++];
    bool talk = ev->kind &&
                (!strcmp(ev->kind, "comment") || !strcmp(ev->kind, "review"));
    *e = (s_ev_t){.id = s_pool_copy(p, ev->id),
                  .actor = s_intern(p, ev->actor),
                  .author = s_intern(p, ev->author),
                  .number = ev->number,
                  .at = ev->at,
                  .updated_at = ev->updated_at,
                  .comments = ev->comments,
                  .bot = ev->bot,
                  .has_text = talk && !ev->bot && ev->text && *ev->text};
    char *info[S_INFO] = {ev->kind, ev->actor_assoc, ev->author_assoc,
                          ev->review_state};
    dp_strs_t infos = {info, S_INFO};
    e->info = s_intern_list(set, &infos, NULL);
    if (e->has_text && set->keep_texts)
        e->text = s_pool_copy(p, ev->text);
    e->tags = s_intern_list(set, &ev->topics, &ev->reasons);
    s_snap_keep(set, ev, e);
}

void digest_set_free(digest_set_t **set_p)
{
    digest_set_t *set = *set_p;
    if (!set)
        return;
    for (size_t i = 0; i < set->pool.nchunks; i++)
        dp_free(set->pool.chunks[i]);
    dp_free(set->pool.chunks);
    dp_free(set->pool.slots);
    dp_free(set->evs);
    dp_free(set->snaps);
    dp_free(set->slots);
    dp_free(set->lists);
    dp_free(set->scratch);
    json_decref(set->releases);
    dp_free(set);
    *set_p = NULL;
}

/* ==== The document ==== */

static void s_header(json_t *d, const dp_window_t *win)
{
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
    /* The zone, when known, lets every instant be shown with its own
     * offset; tz_offset and tz_label are those of the window start. */
    int offset = 0;
    if (win->tz && dp_tz_offset(win->tz, win->win_from, &offset) == 0)
        json_object_set_new(d, "tz", dp_json_string(win->tz));
    else
        offset = 0;
    char label[32];
    dp_time_offset_label(offset, label, sizeof label);
    json_object_set_new(d, "tz_offset", json_integer(offset));
    json_object_set_new(d, "tz_label", dp_json_string(label));
}

/* Data cannot be complete beyond the present: a window that has not ended
 * is reported up to now, which the renderer marks as partial. */
static int64_t s_complete_until(const dp_window_t *win, int64_t now)
{
    return win->complete_until > now ? now : win->complete_until;
}

static json_t *s_health(const dp_window_t *win, int64_t now)
{
    json_t *health = json_object();
    json_object_set_new(health, "requests", json_integer(win->requests));
    json_object_set_new(health, "not_modified",
                        json_integer(win->not_modified));
    json_object_set_new(health, "retries", json_integer(win->retries));
    json_object_set_new(health, "rl_remaining",
                        json_integer(win->rl_remaining));
    json_object_set_new(health, "rl_limit", json_integer(win->rl_limit));
    json_object_set_new(health, "complete_until",
                        json_integer(s_complete_until(win, now)));
    json_object_set_new(health, "events", json_integer(win->events));
    json_object_set_new(health, "problems", s_strs(&win->problems));
    json_object_set_new(health, "writer", dp_json_string("extractive"));
    return health;
}

json_t *digest_set_build(digest_set_t *set, const dp_window_t *win,
                         const digest_opts_t *opts)
{
    s_set_seal(set);
    const json_t *previous = opts ? opts->previous : NULL;
    const json_t *topics = opts ? opts->topics : NULL;
    long threshold = opts && opts->unanswered_s > 0 ? opts->unanswered_s
                                                    : DIGEST_UNANSWERED_S;
    json_t *empty = json_array(), *no_topics = json_object();
    if (!json_is_array(previous))
        previous = empty;
    if (!json_is_object(topics))
        topics = no_topics;

    size_t n = set->n;
    const s_ev_t **sorted = dp_calloc(n ? n : 1, sizeof(const s_ev_t *));
    for (size_t i = 0; i < n; i++)
        sorted[i] = &set->evs[i];
    qsort(sorted, n, sizeof(const s_ev_t *), s_cmp_events);
    s_item_t *items = dp_calloc(set->nsnaps ? set->nsnaps : 1, sizeof *items);
    size_t nitems = s_gather(set, sorted, n, items);
    s_score(items, nitems, previous);

    s_cap_t cap = {opts ? opts->list_cap : 0, opts ? opts->sink : NULL,
                   opts ? opts->sink_arg : NULL, 0, json_object(),
                   DP_BUF_INIT};
    json_t *d = json_object();
    s_header(d, win);
    s_lists(d, items, nitems, &cap);
    s_releases(d, set->releases);
    json_t *facts = json_object();
    s_topics(d, facts, items, nitems, topics, &cap);

    long bots = 0;
    size_t discussions = 0;
    json_t *roles =
        json_pack("{s:i, s:i, s:i, s:i}", "maintainer", 0, "contributor", 0,
                  "first_time", 0, "community", 0);
    json_t *hot = s_hot(items, nitems, win, previous, opts, &discussions);
    json_t *waiting = s_waiting(items, nitems, win, previous);
    json_object_set_new(facts, "hot", hot);
    json_object_set_new(facts, "discussions",
                        json_integer((json_int_t)discussions));
    json_object_set_new(facts, "discussion_numbers",
                        s_discussions(items, nitems));
    json_object_set_new(facts, "changes", s_changes(items, nitems, opts));
    json_t *firsts = NULL;
    json_t *people = s_people(sorted, n, roles, &bots, &cap, &firsts);
    json_t *cut = json_object_get(cap.capped, "facts.people");
    if (cut)
        json_object_set(facts, "people_total", json_object_get(cut, "total"));
    if (firsts)
        json_object_set_new(facts, "first_timers", firsts);
    json_object_set_new(facts, "people", people);
    json_object_set_new(facts, "roles", roles);
    json_object_set_new(facts, "bots", json_integer(bots));
    json_object_set_new(facts, "reviews", s_reviews(items, nitems));
    json_object_set_new(facts, "response", s_response(items, nitems, win));
    size_t still = 0, fresh = 0;
    json_t *long_hot = s_long_hot(items, nitems, &still, &fresh);
    json_object_set_new(facts, "watch",
                        s_watch(waiting, long_hot, win, threshold));
    json_decref(long_hot);
    if (json_array_size(previous) > 0)
        json_object_set_new(facts, "continuity",
                            json_pack("{s:I, s:I}", "still", (json_int_t)still,
                                      "new", (json_int_t)fresh));
    json_object_set_new(facts, "waiting", waiting);
    json_object_set_new(facts, "categories", s_categories(items, nitems));
    json_object_set_new(facts, "previous", s_previous_copy(previous));
    json_object_set_new(d, "facts", facts);
    json_object_set_new(d, "health", s_health(win, dp_time_now()));
    if (json_object_size(cap.capped) > 0)
        json_object_set_new(d, "capped",
                            json_pack("{s:I, s:O}", "cap", (json_int_t)cap.cap,
                                      "sections", cap.capped));
    json_decref(cap.capped);
    dp_buf_free(&cap.text);

    dp_free(items);
    dp_free(sorted);
    json_decref(empty);
    json_decref(no_topics);
    return d;
}

json_t *digest_build_with(const dp_window_t *win, const dp_classified_t *events,
                          size_t n, const digest_opts_t *opts)
{
    digest_set_t *set = digest_set_new(n, true);
    for (size_t i = 0; i < n; i++)
        digest_set_add(set, &events[i]);
    json_t *d = digest_set_build(set, win, opts);
    digest_set_free(&set);
    return d;
}

json_t *digest_build(const dp_window_t *win, const dp_classified_t *events,
                     size_t n, const json_t *topics, const json_t *previous)
{
    digest_opts_t opts = {.topics = topics, .previous = previous};
    return digest_build_with(win, events, n, &opts);
}

json_t *digest_summary(const json_t *digest)
{
    json_t *s = json_object();
    json_object_set_new(s, "from",
                        json_integer(dp_json_int(digest, "from", 0)));
    json_object_set(s, "counts", json_object_get(digest, "counts"));
    json_object_set(s, "categories", dp_json_get(digest, "facts.categories"));
    json_object_set(s, "topics", dp_json_get(digest, "facts.topic_counts"));
    json_object_set(s, "hot", dp_json_get(digest, "facts.discussion_numbers"));
    json_object_set(s, "waiting", dp_json_get(digest, "facts.waiting"));
    return s;
}
