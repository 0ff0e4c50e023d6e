/* gh_normalize.c - GitHub REST objects to devpulse events */
/* SPDX-License-Identifier: MIT */
#include "gh_normalize.h"

#include <stdio.h>
#include <string.h>

#include "dp_config.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_time.h"

void gh_events_clear(gh_events_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        dp_msg_t m = {.type = DP_MSG_EVENT};
        m.u.event = list->items[i];
        dp_msg_clear(&m);
    }
    dp_free(list->items);
    memset(list, 0, sizeof *list);
}

void gh_events_truncate(gh_events_t *list, size_t n)
{
    while (list->count > n) {
        dp_msg_t m = {.type = DP_MSG_EVENT};
        m.u.event = list->items[--list->count];
        dp_msg_clear(&m);
    }
}

/* Makes room for one more event. */
static void s_events_grow(gh_events_t *list)
{
    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 32;
        list->items = dp_realloc(list->items, list->cap * sizeof *list->items);
    }
}

void gh_events_take(gh_events_t *dst, gh_events_t *src, int64_t number)
{
    size_t kept = 0;
    for (size_t i = 0; i < src->count; i++) {
        if (number != 0 && src->items[i].number != number) {
            src->items[kept++] = src->items[i];
            continue;
        }
        s_events_grow(dst);
        dst->items[dst->count++] = src->items[i];
    }
    src->count = kept;
}

void gh_events_push(gh_events_t *list, const dp_event_t *ev)
{
    s_events_grow(list);
    dp_msg_t src = {.type = DP_MSG_EVENT}, dst;
    src.u.event = *ev;
    dp_msg_copy(&dst, &src);
    list->items[list->count++] = dst.u.event;
}

static void s_free_event(dp_event_t *ev)
{
    dp_msg_t m = {.type = DP_MSG_EVENT};
    m.u.event = *ev;
    dp_msg_clear(&m);
    memset(ev, 0, sizeof *ev);
}

/* Reads an optional instant; 0 when null or absent, -1 when malformed. */
static int64_t s_time(const json_t *obj, const char *path)
{
    const char *s = dp_json_str(obj, path);
    int64_t t = 0;
    if (!s)
        return 0;
    if (dp_time_parse(s, &t, NULL) < 0)
        return -1;
    return t;
}

/* Reads an optional count (comments, reactions, changed lines): 0 when
 * null or absent. Returns -1 when it is anything but an integer in
 * [0, GH_COUNT_MAX]: a count out of range spoils its item alone. */
static int s_count(const json_t *obj, const char *path, int64_t *out)
{
    const json_t *v = dp_json_get(obj, path);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > GH_COUNT_MAX)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

char *gh_excerpt(const char *text, size_t max_text)
{
    if (!text)
        return NULL;
    /* Cut on a UTF-8 boundary at max_text bytes. */
    size_t len = strlen(text);
    if (len <= max_text)
        return dp_strdup(text);
    size_t cut = max_text;
    while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
        cut--;
    return dp_strndup(text, cut);
}

int gh_item_snapshot(const json_t *issue, const char *repo, size_t max_text,
                     dp_event_t *ev, char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    json_t *number = dp_json_get(issue, "number");
    const char *title = dp_json_str(issue, "title");
    const char *login = dp_json_str(issue, "user.login");
    int64_t created = s_time(issue, "created_at");
    if (!json_is_integer(number) || json_integer_value(number) <= 0 || !title ||
        !login || created <= 0) {
        snprintf(err, errlen,
                 "issue object without a valid number, title, "
                 "user.login or created_at");
        return DP_EJSON;
    }
    ev->repo = dp_strdup(repo);
    ev->number = json_integer_value(number);
    ev->is_pr = dp_json_get(issue, "pull_request") != NULL;
    ev->title = dp_strdup(title);
    ev->body = gh_excerpt(dp_json_str(issue, "body"), max_text);
    ev->url = dp_strdup(dp_json_str(issue, "html_url"));
    ev->author = dp_strdup(login);
    ev->author_type = dp_strdup(dp_json_str(issue, "user.type"));
    ev->author_assoc = dp_strdup(dp_json_str(issue, "author_association"));
    ev->state = dp_strdup(dp_json_str(issue, "state"));
    ev->draft = dp_json_bool(issue, "draft", false);
    ev->created_at = created;
    ev->updated_at = s_time(issue, "updated_at");
    ev->closed_at = s_time(issue, "closed_at");
    ev->merged_at = s_time(issue, "pull_request.merged_at");
    if (ev->merged_at <= 0)
        ev->merged_at = s_time(issue, "merged_at"); /* a /pulls object */
    if (ev->updated_at < 0 || ev->closed_at < 0 || ev->merged_at < 0) {
        snprintf(err, errlen, "issue #%lld has a malformed timestamp",
                 (long long)ev->number);
        s_free_event(ev);
        return DP_EJSON;
    }
    if (s_count(issue, "comments", &ev->comments) < 0 ||
        s_count(issue, "reactions.total_count", &ev->reactions) < 0 ||
        s_count(issue, "additions", &ev->additions) < 0 ||
        s_count(issue, "deletions", &ev->deletions) < 0) {
        snprintf(err, errlen,
                 "issue #%lld has a count (comments, reactions, additions "
                 "or deletions) that is no integer in 0..%lld",
                 (long long)ev->number, (long long)GH_COUNT_MAX);
        s_free_event(ev);
        return DP_EJSON;
    }
    json_t *labels = dp_json_get(issue, "labels");
    size_t i;
    json_t *label;
    json_array_foreach(labels, i, label)
    {
        const char *name = json_is_string(label) ? json_string_value(label)
                                                 : dp_json_str(label, "name");
        if (name)
            dp_strs_push(&ev->labels, name);
    }
    if (!ev->url) {
        ev->url =
            dp_asprintf("https://github.com/%s/%s/%lld", repo,
                        ev->is_pr ? "pull" : "issues", (long long)ev->number);
    }
    return 0;
}

static bool s_in(int64_t t, int64_t from, int64_t to)
{
    return t > 0 && t >= from && t < to;
}

static void s_push_kind(gh_events_t *out, dp_event_t *snap, const char *kind,
                        int64_t at)
{
    char id[128];
    snprintf(id, sizeof id, "%s:%lld:%s:%lld", snap->is_pr ? "pr" : "issue",
             (long long)snap->number, kind, (long long)at);
    char fullkind[32];
    snprintf(fullkind, sizeof fullkind, "%s_%s", snap->is_pr ? "pr" : "issue",
             kind);
    snap->id = id;
    snap->kind = fullkind;
    snap->at = at;
    gh_events_push(out, snap);
    snap->id = snap->kind = NULL;
}

int gh_snapshot_events(const json_t *issue, dp_event_t *snap, int64_t from,
                       int64_t to, gh_events_t *out, bool *needs_detail)
{
    size_t before = out->count;
    *needs_detail = false;
    if (s_in(snap->created_at, from, to))
        s_push_kind(out, snap, "opened", snap->created_at);
    if (!snap->is_pr) {
        if (s_in(snap->closed_at, from, to))
            s_push_kind(out, snap, "closed", snap->closed_at);
    } else if (snap->merged_at > 0) {
        if (s_in(snap->merged_at, from, to))
            s_push_kind(out, snap, "merged", snap->merged_at);
    } else if (s_in(snap->closed_at, from, to)) {
        json_t *pr = dp_json_get(issue, "pull_request");
        bool told = json_object_get(pr, "merged_at") != NULL ||
                    json_object_get(issue, "merged_at") != NULL;
        if (told)
            s_push_kind(out, snap, "closed", snap->closed_at);
        else
            *needs_detail = true;
    }
    return (int)(out->count - before);
}

int gh_item_events(const json_t *issue, const char *repo, int64_t from,
                   int64_t to, size_t max_text, gh_events_t *out,
                   bool *needs_detail, char *err, size_t errlen)
{
    dp_event_t snap;
    int rc = gh_item_snapshot(issue, repo, max_text, &snap, err, errlen);
    if (rc < 0)
        return rc;
    int n = gh_snapshot_events(issue, &snap, from, to, out, needs_detail);
    s_free_event(&snap);
    return n;
}

int64_t gh_comment_number(const json_t *comment)
{
    const char *url = dp_json_str(comment, "issue_url");
    if (!url)
        return 0;
    const char *slash = strrchr(url, '/');
    long n = 0;
    if (!slash || dp_parse_long(slash + 1, 1, 0x7fffffffL, &n) < 0)
        return 0;
    return n;
}

int gh_comment_event(const json_t *comment, const dp_event_t *item,
                     int64_t from, int64_t to, size_t max_text,
                     gh_events_t *out)
{
    json_t *id = dp_json_get(comment, "id");
    const char *login = dp_json_str(comment, "user.login");
    int64_t at = s_time(comment, "created_at");
    if (!json_is_integer(id) || !login || at <= 0)
        return DP_EJSON;
    if (!s_in(at, from, to))
        return 0;
    char idbuf[64];
    snprintf(idbuf, sizeof idbuf, "comment:%lld",
             (long long)json_integer_value(id));
    dp_event_t ev = *item; /* shallow: only the fields set below are ours */
    ev.id = idbuf;
    ev.kind = "comment";
    ev.at = at;
    ev.actor = (char *)login;
    ev.actor_type = (char *)dp_json_str(comment, "user.type");
    ev.actor_assoc = (char *)dp_json_str(comment, "author_association");
    char *text = gh_excerpt(dp_json_str(comment, "body"), max_text);
    ev.text = text;
    gh_events_push(out, &ev);
    dp_free(text);
    return 1;
}
