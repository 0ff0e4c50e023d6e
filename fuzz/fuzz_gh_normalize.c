/* fuzz_gh_normalize.c - libFuzzer harness: GitHub JSON to devpulse events */
/* SPDX-License-Identifier: MIT */
/*
 * The input is JSON text, parsed with dp_json_parse. An object is an issue
 * or pull request as the issues listing returns it; an array is such an
 * item followed by comment objects. The harness checks what issue 6 asks
 * of the normalizer, "nothing lost, nothing doubled", for any window:
 *
 * - gh_item_snapshot refuses exactly what gh_item_events refuses, leaves
 *   nothing to free when it refuses, and cuts the body to a prefix of at
 *   most max_text bytes that ends on a UTF-8 boundary;
 * - the events of the whole time line equal, as a multiset of ids, the
 *   events of consecutive windows that partition it, cut at every instant
 *   the item and its comments carry (and one second after), so each event
 *   falls in exactly one window; each event's time lies in its window; an
 *   empty or reversed window gives none;
 * - needs_detail is set for the whole line exactly when some window sets it;
 * - the same holds for each comment with gh_comment_event;
 * - every event encodes as an EVENT frame that decodes again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_time.h"
#include "gh_normalize.h"

#define S_REPO "vllm-project/vllm"
#define S_ERRLEN 256
#define S_MAX_FRAME ((size_t)DP_PROTO_MAX_FRAME)
#define S_MAX_COMMENTS 16 /* comments read from one input */
#define S_MAX_CUTS 64     /* instants that cut the time line */
#define S_TEXT_BIG 4096   /* max_text of the partition runs */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_gh_normalize: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* ==== Snapshots ==== */

static bool s_is_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void s_event_free(dp_event_t *ev)
{
    dp_msg_t m = {.type = DP_MSG_EVENT};
    m.u.event = *ev;
    dp_msg_clear(&m);
    memset(ev, 0, sizeof *ev);
}

/* The body excerpt: a prefix, at most max_text bytes, whole characters. */
static void s_check_excerpt(const json_t *item, const dp_event_t *ev,
                            size_t max_text)
{
    const char *body = dp_json_str(item, "body");
    if (!body) {
        if (ev->body)
            s_bug("a body excerpt without a body", ev->body);
        return;
    }
    if (!ev->body)
        s_bug("a body was lost", NULL);
    size_t n = strlen(ev->body), full = strlen(body);
    if (full > max_text && n > max_text)
        s_bug("the body excerpt is longer than max_text", ev->body);
    if (full <= max_text && n != full)
        s_bug("a body within max_text was cut", ev->body);
    if (memcmp(body, ev->body, n) != 0)
        s_bug("the body excerpt is not a prefix of the body", ev->body);
    if (n < full && ((unsigned char)body[n] & 0xc0) == 0x80)
        s_bug("the body excerpt cuts a UTF-8 character", ev->body);
}

/* Returns 0 with snap filled, or the error of gh_item_snapshot. */
static int s_snapshot(const json_t *item, dp_event_t *snap)
{
    static const size_t limits[] = {0, 1, 5, S_TEXT_BIG};
    char err[S_ERRLEN] = "";
    int first = 0;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        dp_event_t ev;
        err[0] = '\0';
        int rc =
            gh_item_snapshot(item, S_REPO, limits[i], &ev, err, sizeof err);
        if (i == 0)
            first = rc;
        else if ((rc < 0) != (first < 0))
            s_bug("max_text decided whether an item is valid", err);
        if (rc < 0) {
            if (rc != DP_EJSON || err[0] == '\0')
                s_bug("gh_item_snapshot failed without DP_EJSON and a "
                      "message",
                      err);
            if (!s_is_zero(&ev, sizeof ev))
                s_bug("a refused item left something in ev", err);
            continue;
        }
        if (ev.number <= 0 || !ev.title || !ev.author || ev.created_at <= 0 ||
            !ev.url || !ev.repo)
            s_bug("an accepted snapshot lacks a required field", NULL);
        s_check_excerpt(item, &ev, limits[i]);
        if (limits[i] == S_TEXT_BIG)
            *snap = ev;
        else
            s_event_free(&ev);
    }
    return first;
}

/* ==== The time line and its windows ==== */

typedef struct {
    int64_t at[S_MAX_CUTS * 2];
    size_t n;
} s_cuts_t;

static void s_cut(s_cuts_t *c, int64_t t)
{
    if (t <= 0 || c->n + 2 > sizeof c->at / sizeof c->at[0])
        return;
    c->at[c->n++] = t;
    if (t < INT64_MAX)
        c->at[c->n++] = t + 1;
}

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts and deduplicates the cuts; windows are then [INT64_MIN, at[0]),
 * [at[0], at[1]), ..., [at[n-1], INT64_MAX). */
static void s_cuts_finish(s_cuts_t *c)
{
    qsort(c->at, c->n, sizeof c->at[0], s_cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (k == 0 || c->at[i] != c->at[k - 1])
            c->at[k++] = c->at[i];
    c->n = k;
}

static void s_window(const s_cuts_t *c, size_t i, int64_t *from, int64_t *to)
{
    *from = i == 0 ? INT64_MIN : c->at[i - 1];
    *to = i == c->n ? INT64_MAX : c->at[i];
}

/* ==== Events ==== */

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of events[from..], sorted, borrowed from the list. */
static const char **s_ids(const gh_events_t *list, size_t from, size_t *n)
{
    *n = list->count - from;
    const char **ids = dp_calloc(*n + 1, sizeof *ids);
    for (size_t i = 0; i < *n; i++) {
        ids[i] = list->items[from + i].id;
        if (!ids[i])
            s_bug("an event without an id", NULL);
    }
    qsort(ids, *n, sizeof *ids, s_cmp_str);
    return ids;
}

static void s_same_ids(const gh_events_t *whole, const gh_events_t *parts,
                       const char *what)
{
    size_t n1, n2;
    const char **a = s_ids(whole, 0, &n1);
    const char **b = s_ids(parts, 0, &n2);
    if (n1 != n2)
        s_bug(what, n1 > n2 ? "an event was lost" : "an event was doubled");
    for (size_t i = 0; i < n1; i++)
        if (strcmp(a[i], b[i]) != 0)
            s_bug(what, a[i]);
    dp_free(a);
    dp_free(b);
}

/* Every event must travel on the bus. */
static void s_check_frames(const gh_events_t *list, size_t from)
{
    for (size_t i = from; i < list->count; i++) {
        dp_msg_t m = {.type = DP_MSG_EVENT}, back;
        char err[S_ERRLEN];
        dp_buf_t frame = DP_BUF_INIT;
        m.u.event = list->items[i];
        if (dp_msg_encode(&m, &frame) < 0 ||
            dp_msg_decode(frame.data, frame.len, S_MAX_FRAME, &back, err,
                          sizeof err) < 0)
            s_bug("a normalized event does not survive the codec", err);
        dp_msg_clear(&back);
        dp_buf_free(&frame);
    }
}

static void s_check_in(const gh_events_t *list, size_t from, int64_t lo,
                       int64_t hi)
{
    for (size_t i = from; i < list->count; i++) {
        const dp_event_t *ev = &list->items[i];
        if (ev->at < lo || ev->at >= hi || ev->at <= 0)
            s_bug("an event outside its window", ev->id);
        if (!ev->kind)
            s_bug("an event without a kind", ev->id);
    }
}

/* gh_item_events over one window, with the checks that need no others. */
static int s_item_window(const json_t *item, int64_t from, int64_t to,
                         gh_events_t *out, bool *needs_detail)
{
    char err[S_ERRLEN] = "";
    size_t before = out->count;
    *needs_detail = false;
    int rc = gh_item_events(item, S_REPO, from, to, S_TEXT_BIG, out,
                            needs_detail, err, sizeof err);
    if (rc < 0) {
        if (out->count != before)
            s_bug("gh_item_events failed after appending events", err);
        return rc;
    }
    if ((size_t)rc != out->count - before)
        s_bug("gh_item_events miscounted what it appended", NULL);
    s_check_in(out, before, from, to);
    s_check_frames(out, before);
    return rc;
}

static void s_check_item(const json_t *item, bool valid, const s_cuts_t *c)
{
    gh_events_t whole = {0}, parts = {0};
    bool need_whole = false, need_parts = false, need = false;

    int rc = s_item_window(item, INT64_MIN, INT64_MAX, &whole, &need_whole);
    if ((rc >= 0) != valid)
        s_bug("gh_item_events and gh_item_snapshot disagree on an item", NULL);
    if (rc < 0)
        return;
    for (size_t i = 0; i <= c->n; i++) {
        int64_t from, to;
        s_window(c, i, &from, &to);
        if (s_item_window(item, from, to, &parts, &need) < 0)
            s_bug("an item valid for one window failed for another", NULL);
        need_parts = need_parts || need;
    }
    s_same_ids(&whole, &parts,
               "item events of the windows differ from "
               "those of the whole time line");
    if (need_whole != need_parts)
        s_bug("needs_detail differs between the windows and the whole line",
              NULL);
    /* Empty and reversed windows hold nothing. */
    for (size_t i = 0; i < c->n; i++) {
        size_t before = parts.count;
        if (s_item_window(item, c->at[i], c->at[i], &parts, &need) != 0 ||
            s_item_window(item, c->at[i], c->at[0] - 1, &parts, &need) < 0 ||
            parts.count != before)
            s_bug("an empty or reversed window gave events", NULL);
    }
    gh_events_truncate(&whole, whole.count / 2);
    gh_events_clear(&whole);
    gh_events_clear(&parts);
}

/* ==== Comments ==== */

static int s_comment_window(const json_t *comment, const dp_event_t *item,
                            int64_t from, int64_t to, gh_events_t *out)
{
    size_t before = out->count;
    int rc = gh_comment_event(comment, item, from, to, S_TEXT_BIG, out);
    if (rc < 0) {
        if (rc != DP_EJSON || out->count != before)
            s_bug("gh_comment_event failed badly", NULL);
        return rc;
    }
    if (rc > 1 || (size_t)rc != out->count - before)
        s_bug("gh_comment_event miscounted what it appended", NULL);
    s_check_in(out, before, from, to);
    s_check_frames(out, before);
    for (size_t i = before; i < out->count; i++) {
        const dp_event_t *ev = &out->items[i];
        if (strcmp(ev->kind, "comment") != 0 || !ev->actor ||
            ev->number != item->number ||
            strcmp(ev->title ? ev->title : "",
                   item->title ? item->title : "") != 0)
            s_bug("a comment event does not carry its item", ev->id);
    }
    return rc;
}

static void s_check_comment(const json_t *comment, const dp_event_t *item,
                            const s_cuts_t *c)
{
    gh_events_t whole = {0}, parts = {0};
    if (gh_comment_number(comment) < 0)
        s_bug("gh_comment_number is negative", NULL);
    int rc = s_comment_window(comment, item, INT64_MIN, INT64_MAX, &whole);
    for (size_t i = 0; i <= c->n; i++) {
        int64_t from, to;
        s_window(c, i, &from, &to);
        int part = s_comment_window(comment, item, from, to, &parts);
        if ((part < 0) != (rc < 0))
            s_bug("a comment valid for one window failed for another", NULL);
    }
    s_same_ids(&whole, &parts,
               "comment events of the windows differ from "
               "those of the whole time line");
    gh_events_clear(&whole);
    gh_events_clear(&parts);
}

/* The item that comments hang on when the input's item is invalid. */
static void s_fallback_item(dp_event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->repo = dp_strdup(S_REPO);
    ev->number = 1;
    ev->title = dp_strdup("fallback");
    ev->author = dp_strdup("octocat");
    ev->created_at = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[S_ERRLEN] = "";
    json_t *root = dp_json_parse((const char *)data, size, err, sizeof err);
    if (!root) {
        if (err[0] == '\0')
            s_bug("dp_json_parse failed without a message", NULL);
        return 0;
    }
    const json_t *item = json_is_array(root) ? json_array_get(root, 0) : root;
    size_t ncomments = json_is_array(root) ? json_array_size(root) : 0;
    ncomments = ncomments > 0 ? ncomments - 1 : 0;
    if (ncomments > S_MAX_COMMENTS)
        ncomments = S_MAX_COMMENTS;

    dp_event_t snap;
    memset(&snap, 0, sizeof snap);
    bool valid = s_snapshot(item, &snap) == 0;
    if (!valid)
        s_fallback_item(&snap);

    /* Cut the time line at every instant the input carries. */
    s_cuts_t cuts = {.n = 0};
    s_cut(&cuts, snap.created_at);
    s_cut(&cuts, snap.closed_at);
    s_cut(&cuts, snap.merged_at);
    s_cut(&cuts, snap.updated_at);
    for (size_t i = 0; i < ncomments; i++) {
        const char *at = dp_json_str(json_array_get(root, i + 1), "created_at");
        int64_t t = 0;
        if (at && dp_time_parse(at, &t, NULL) == 0)
            s_cut(&cuts, t);
    }
    s_cuts_finish(&cuts);

    s_check_item(item, valid, &cuts);
    for (size_t i = 0; i < ncomments; i++)
        s_check_comment(json_array_get(root, i + 1), &snap, &cuts);

    s_event_free(&snap);
    json_decref(root);
    return 0;
}
