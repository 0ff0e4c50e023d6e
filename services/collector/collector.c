/* collector.c - the collector engine: GitHub windows to normalized events */
/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* memfd_create */
#include "collector.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_config.h"
#include "dp_json.h"
#include "dp_ledger.h"
#include "dp_log.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"
#include "dp_watch.h"
#include "gh_activity.h"
#include "gh_client.h"
#include "gh_graphql.h"
#include "gh_history.h"
#include "gh_index.h"
#include "gh_listing.h"
#include "gh_releases.h"
#include "gh_normalize.h"
#include "gh_orgs.h"
#include "schedule.h"

#define COLLECTOR_POLL_MS 500
#define COLLECTOR_TICK_MS 1000
#define COLLECTOR_KEY_MAX 2048
#define COLLECTOR_ORGS_REFRESH_S 3600
#define COLLECTOR_FILE_PAGES 30
#define COLLECTOR_MAX_LINES INT64_C(1000000000) /* per changed file */
#define COLLECTOR_WATCH_BATCH 16 /* overdue windows replayed per tick */
#define COLLECTOR_BATCH 512      /* events deduplicated and sent together */
#define COLLECTOR_SPILL_CHUNK (256 * 1024) /* snapshots written at once */

struct collector_t {
    collector_cfg_t cfg; /* borrowed strings */
    dp_bus_t *bus;
    dp_sock_t *ctl;     /* PULL: COLLECT */
    dp_sock_t *out;     /* PUSH: to classifiers */
    dp_sock_t *pub;     /* PUB: tap */
    dp_sock_t *reports; /* SUB: renderers' REPORT, for the watchdog */
    const char *leased; /* repository whose lease guards this collection */
    dp_window_kind_t leased_kind; /* and the kind of its window */
    bool revisit;           /* collecting a window again for late data only */
    int64_t complete_until; /* of the window being collected */
    dp_store_t *store;
    gh_client_t *gh;
    collector_stats_t stats;
    char owner[128]; /* lease identity: host:pid:nonce */
    /* The schedule, when repositories are configured. */
    dp_strs_t repos; /* listed and expanded from organizations */
    dp_strs_t names; /* display name per repository, "" for none */
    dp_strs_t orgs;  /* organizations to expand */
    dp_window_kind_t kinds[DP_WATCH_MAX_KINDS];
    size_t nkinds;
    const char *zone; /* borrowed from the schedule document */
    const char *lang;
    int64_t orgs_at;     /* when organizations were last expanded */
    bool graphql_absent; /* the GraphQL endpoint answered 404 this run */
    gh_activity_t *act;  /* activity of the repositories of the batch being
                          * collected (names borrowed), or NULL */
    size_t nact;
};

static void s_pending_add(collector_t *self, const dp_collect_t *req);

/* ==== Emitting ==== */

/* STATUS messages are for the taps; everything else goes down the
 * pipeline too. */
static void s_send(collector_t *self, const dp_msg_t *msg)
{
    (void)dp_msg_emit(msg->type == DP_MSG_STATUS ? NULL : self->out, self->pub,
                      msg);
}

static void s_status(collector_t *self, const dp_collect_t *req,
                     const char *state, const char *message)
{
    dp_msg_t msg = {.type = DP_MSG_STATUS};
    dp_status_t *st = &msg.u.status;
    st->repo = req->repo;
    st->win_from = req->win_from;
    st->win_to = req->win_to;
    st->revision = req->revision;
    st->reply_to = req->reply_to;
    st->service = "collector";
    st->state = (char *)state;
    st->message = (char *)message;
    s_send(self, &msg);
}

/* ==== Pull request details ==== */

/* The changed files of a pull request, as GET /pulls/N/files lists them;
 * the caller frees *all. */
static int s_pr_files(collector_t *self, const char *repo, int64_t number,
                      json_t **all)
{
    char path[COLLECTOR_KEY_MAX];
    snprintf(path, sizeof path, "/repos/%s/pulls/%lld/files?per_page=100", repo,
             (long long)number);
    *all = json_array();
    return gh_client_list(self->gh, path, COLLECTOR_FILE_PAGES, *all);
}

/* Sums a files list into the names and line counts of a pull request. */
static void s_files_sum(const json_t *all, dp_strs_t *files, int64_t *add,
                        int64_t *del)
{
    size_t i;
    json_t *f;
    json_array_foreach(all, i, f)
    {
        const char *name = dp_json_str(f, "filename");
        if (name)
            dp_strs_push(files, name);
        /* Counts beyond any real diff are clamped, so no sum overflows. */
        int64_t a = dp_json_int(f, "additions", 0);
        int64_t d = dp_json_int(f, "deletions", 0);
        *add += a > 0 && a < COLLECTOR_MAX_LINES ? a : 0;
        *del += d > 0 && d < COLLECTOR_MAX_LINES ? d : 0;
    }
}

/* The reviews of a pull request, as GET /pulls/N/reviews lists them, or
 * NULL when they could not be listed. */
static json_t *s_pr_reviews(collector_t *self, const char *repo, int64_t number)
{
    char path[COLLECTOR_KEY_MAX];
    snprintf(path, sizeof path, "/repos/%s/pulls/%lld/reviews?per_page=100",
             repo, (long long)number);
    json_t *all = json_array();
    if (gh_client_list(self->gh, path, self->cfg.max_pages, all) < 0) {
        json_decref(all);
        return NULL;
    }
    return all;
}

/* Appends the reviews of a list submitted in the window. */
static void s_review_events(const dp_collect_t *req, const dp_event_t *snap,
                            const json_t *all, gh_events_t *events)
{
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        json_t *id = json_object_get(r, "id");
        const char *login = dp_json_str(r, "user.login");
        const char *when = dp_json_str(r, "submitted_at");
        int64_t at = 0;
        if (!json_is_integer(id) || !login || !when ||
            dp_time_parse(when, &at, NULL) < 0 || at < req->win_from ||
            at >= req->win_to)
            continue;
        char idbuf[64];
        snprintf(idbuf, sizeof idbuf, "review:%lld",
                 (long long)json_integer_value(id));
        dp_event_t ev = *snap; /* shallow: only the fields set below differ */
        ev.id = idbuf;
        ev.kind = "review";
        ev.at = at;
        ev.actor = (char *)login;
        ev.actor_type = (char *)dp_json_str(r, "user.type");
        ev.actor_assoc = (char *)dp_json_str(r, "author_association");
        ev.review_state = (char *)dp_json_str(r, "state");
        ev.text = NULL;
        gh_events_push(events, &ev);
    }
}

/* GraphQL may be asked: it is not turned off, its endpoint did not answer
 * 404 in this run (GitHub Enterprise without it), and there is a token
 * (GitHub answers GraphQL to a token only). */
static bool s_graphql_usable(const collector_t *self)
{
    return !self->cfg.no_graphql && !self->graphql_absent && self->cfg.tokens &&
           *self->cfg.tokens;
}

/* Counts the points of a GraphQL query that returned rc; a 404 turns
 * GraphQL off for the rest of the run. */
static void s_graphql_spent(collector_t *self, int rc, long cost)
{
    if (rc == DP_ENOTFOUND) {
        dp_log(DP_LOG_INFO, "%s: no GraphQL API; REST from now on",
               gh_client_graphql_url(self->gh));
        self->graphql_absent = true;
    }
    self->stats.graphql_points += cost;
}

/* Asks GraphQL for the files and reviews of the pull requests, when the
 * API has it: GitHub answers GraphQL to a token only, and an API whose
 * endpoint answered 404 (GitHub Enterprise without it) is not asked again
 * in this run. What GraphQL did not answer stays NULL, for REST. */
static void s_pr_graphql(collector_t *self, const dp_collect_t *req,
                         gh_graphql_pr_t *prs, size_t n)
{
    if (n == 0 || !s_graphql_usable(self))
        return;
    long cost = 0;
    int rc = gh_graphql_pr_details(self->gh, req->repo, prs, n, &cost);
    s_graphql_spent(self, rc, cost);
}

/* ==== One window ==== */

/* Asks /pulls/N whether a pull request closed in the window was merged and
 * records the answer in the listing object. */
static void s_pull_detail(collector_t *self, const char *repo, json_t *item)
{
    long long number = (long long)dp_json_int(item, "number", 0);
    char path[COLLECTOR_KEY_MAX];
    snprintf(path, sizeof path, "/repos/%s/pulls/%lld", repo, number);
    json_t *doc = NULL;
    json_t *pr = json_object_get(item, "pull_request");
    if (gh_client_get(self->gh, path, &doc, NULL) == 0) {
        json_t *merged = json_object_get(doc, "merged_at");
        if (json_is_object(pr))
            json_object_set(pr, "merged_at", merged ? merged : json_null());
        json_decref(doc);
    } else {
        gh_client_problem(self->gh,
                          "PR #%lld: merge state unknown; counted "
                          "as closed unmerged",
                          number);
        if (json_is_object(pr))
            json_object_set_new(pr, "merged_at", json_null());
    }
}

static const char *s_failure_text(int rc)
{
    switch (rc) {
    case DP_EAUTH:
        return "GitHub refused the credentials (401/403): check GITHUB_TOKEN";
    case DP_ENOTFOUND:
        return "repository not found on GitHub (404)";
    case DP_ERATE:
        return "GitHub rate limit exhausted";
    case DP_EORIGIN:
        return "GitHub API pointed outside its origin (a redirect or plain "
               "http): not followed, the token was not sent";
    default:
        return "GitHub API unreachable or failing";
    }
}

/* ==== A window, streamed ==== */

/* What pull request details an item is at. */
enum { S_DETAIL_NONE, S_DETAIL_WAIT, S_DETAIL_DONE };

/* What a window keeps of a listed item: its snapshot (an encoded EVENT
 * without window fields, with the files once its details are in) lies in
 * the spill file, so that memory holds a few words an item. */
typedef struct {
    off_t off;   /* of the snapshot in the spill file */
    size_t len;  /* its length, 0 when it could not be written */
    int nevents; /* item events its latest read made */
    int detail;  /* S_DETAIL_* */
} s_item_t;

/* One window being collected: listing pages become events at once, and
 * the events go out in batches. */
typedef struct {
    collector_t *self;
    const dp_collect_t *req;
    dp_ledger_win_t lw;
    bool revisit;       /* self->revisit when the window started */
    int spill;          /* file of the snapshots of the listed items */
    off_t spill_end;    /* bytes written to it */
    bool spill_failed;  /* a write failed (said once) */
    dp_buf_t pending;   /* snapshots not written yet, from spill_end on */
    gh_index_t numbers; /* item number -> position in items */
    s_item_t *items;
    size_t nitems, capitems;
    gh_events_t out;  /* events to send with the next batch */
    gh_events_t held; /* events of pull requests waiting for details */
    int64_t wait[GH_GRAPHQL_BATCH]; /* those pull requests */
    size_t nwait;
    size_t ndetails;    /* pull requests whose details were asked for */
    long total;         /* distinct events of the window so far */
    long passed;        /* events handed to the ledger, up to max_events */
    bool capped;        /* some were dropped past max_events */
    long nfresh;        /* of which the window had not seen */
    bool opened;        /* a revision was opened for fresh events */
    int64_t revision;   /* 0 until known */
    gh_history_t *hist; /* counts of the earlier windows, or NULL */
} s_win_t;

/* Frees what an event owns. */
static void s_event_free(dp_event_t *ev)
{
    dp_msg_t m = {.type = DP_MSG_EVENT};
    m.u.event = *ev;
    dp_msg_clear(&m);
}

/* Notes how many events are held at once, for collector_stats. */
static void s_note_held(s_win_t *w)
{
    long held = (long)(w->out.count + w->held.count);
    if (held > w->self->stats.events_held_max)
        w->self->stats.events_held_max = held;
}

/* Writes the snapshots waiting in memory to the spill file. */
static void s_spill_write(s_win_t *w)
{
    if (w->pending.len == 0)
        return;
    if (pwrite(w->spill, w->pending.data, w->pending.len, w->spill_end) !=
            (ssize_t)w->pending.len &&
        !w->spill_failed) {
        gh_client_problem(w->self->gh,
                          "items could not be kept for their comments (spill "
                          "file)");
        w->spill_failed = true; /* said once */
    }
    w->spill_end += (off_t)w->pending.len;
    dp_buf_reset(&w->pending);
}

/* Keeps the snapshot of an item: in memory, then written to the spill
 * file with the others of a chunk. */
static void s_spill_put(s_win_t *w, s_item_t *item, const dp_event_t *snap)
{
    dp_msg_t m = {.type = DP_MSG_EVENT};
    m.u.event = *snap;
    size_t before = w->pending.len;
    item->len = 0;
    if (w->spill < 0 || dp_msg_encode(&m, &w->pending) < 0)
        return;
    item->off = w->spill_end + (off_t)before;
    item->len = w->pending.len - before;
    if (w->pending.len >= COLLECTOR_SPILL_CHUNK)
        s_spill_write(w);
}

/* Reads the snapshot of an item back into m (an EVENT the caller clears).
 * Returns 0 or an error. */
static int s_spill_get(s_win_t *w, const s_item_t *item, dp_msg_t *m)
{
    char err[128];
    if (item->len == 0)
        return DP_EIO;
    if (item->off >= w->spill_end) /* still in memory */
        return dp_msg_decode(w->pending.data + (item->off - w->spill_end),
                             item->len, item->len, m, err, sizeof err);
    char *data = dp_malloc(item->len);
    int rc = DP_EIO;
    if (pread(w->spill, data, item->len, item->off) == (ssize_t)item->len)
        rc = dp_msg_decode(data, item->len, item->len, m, err, sizeof err);
    dp_free(data);
    return rc;
}

static s_item_t *s_item_find(s_win_t *w, int64_t number)
{
    int64_t *at = gh_index_get(&w->numbers, number);
    return at ? &w->items[*at] : NULL;
}

/* The item of that number, added when new. */
static s_item_t *s_item_add(s_win_t *w, int64_t number)
{
    bool added = false;
    int64_t *at = gh_index_put(&w->numbers, number, &added);
    if (added) {
        if (w->nitems == w->capitems) {
            w->capitems = w->capitems ? w->capitems * 2 : 256;
            w->items = dp_realloc(w->items, w->capitems * sizeof *w->items);
        }
        *at = (int64_t)w->nitems;
        w->items[w->nitems++] = (s_item_t){0};
    }
    return &w->items[*at];
}

/* Sets the changed files and sizes of snap on ev. */
static void s_files_set(dp_event_t *ev, const dp_event_t *snap)
{
    dp_strs_clear(&ev->files);
    for (size_t f = 0; f < snap->files.count; f++)
        dp_strs_push(&ev->files, snap->files.items[f]);
    ev->additions = snap->additions;
    ev->deletions = snap->deletions;
}

/* True while this collector may send the window: the lease of a
 * scheduled window is renewed, and the window was not taken on and
 * finished by another collector meanwhile. */
static bool s_may_send(s_win_t *w)
{
    collector_t *self = w->self;
    if (!self->leased)
        return true;
    if (schedule_lease(self->store, self->leased, self->owner,
                       self->cfg.lease_ms) &&
        (w->revisit ||
         w->req->win_to >
             schedule_done_until(self->store, self->leased, self->leased_kind)))
        return true;
    dp_log(DP_LOG_WARN,
           "%s: the lease lapsed during the window and another collector "
           "took it on; not sending",
           w->req->repo);
    return false;
}

/* The revision of the events about to be sent, nfresh of them new. */
static void s_revise(s_win_t *w, long nfresh)
{
    collector_t *self = w->self;
    if (w->opened || (w->revision && nfresh == 0))
        return;
    w->revision = dp_ledger_revise_open(self->store, &w->lw, dp_time_now(),
                                        nfresh, w->req->revision);
    w->opened = nfresh > 0;
    if (w->opened && self->revisit) {
        self->revisit = false; /* a revised window is watched like any */
        s_pending_add(self, w->req);
    }
}

/* Deduplicates and sends the events of w->out (a replay sends them all:
 * what was lost in flight is among them, and every stage downstream is
 * idempotent). Stops with DP_EAGAIN when interrupted or no longer the
 * lease holder: the window then stays pending. */
static int s_flush(s_win_t *w)
{
    collector_t *self = w->self;
    const dp_collect_t *req = w->req;
    gh_events_t *ev = &w->out;
    if (dp_service_interrupted() || !s_may_send(w))
        return DP_EAGAIN;
    long room = self->cfg.max_events - w->passed;
    if (room < 0)
        room = 0;
    if ((long)ev->count > room) {
        if (!w->capped)
            gh_client_problem(self->gh,
                              "events over the bound of %ld were dropped",
                              self->cfg.max_events);
        w->capped = true;
        gh_events_truncate(ev, (size_t)room);
    }
    if (ev->count == 0)
        return 0;
    w->passed += (long)ev->count;
    const char **ids = dp_calloc(ev->count, sizeof *ids);
    bool *fresh = dp_calloc(ev->count, sizeof *fresh);
    for (size_t i = 0; i < ev->count; i++)
        ids[i] = ev->items[i].id;
    if (dp_ledger_mark_seen(self->store, &w->lw, dp_time_now(), ids, ev->count,
                            fresh) < 0)
        dp_log(DP_LOG_WARN, "%s: redis unavailable; every event is sent",
               req->repo);
    long nfresh = 0;
    for (size_t i = 0; i < ev->count; i++)
        nfresh += fresh[i];
    w->nfresh += nfresh;
    if (nfresh > 0 || req->replay)
        s_revise(w, nfresh);
    for (size_t i = 0; i < ev->count; i++) {
        if (!fresh[i] && !req->replay)
            continue;
        dp_msg_t msg = {.type = DP_MSG_EVENT};
        msg.u.event = ev->items[i];
        msg.u.event.win_from = req->win_from;
        msg.u.event.win_to = req->win_to;
        msg.u.event.revision = w->revision;
        s_send(self, &msg);
    }
    dp_free(fresh);
    dp_free(ids);
    gh_events_clear(ev);
    return 0;
}

/* Sends a batch when one is full. */
static int s_flush_full(s_win_t *w)
{
    s_note_held(w);
    return w->out.count >= COLLECTOR_BATCH ? s_flush(w) : 0;
}

/* Fetches the files and reviews of one pull request from what GraphQL
 * answered or through REST, records them in its snapshot, releases its
 * held events with them and adds its reviews. */
static void s_pr_detail(s_win_t *w, gh_graphql_pr_t *pr)
{
    collector_t *self = w->self;
    const char *repo = w->req->repo;
    s_item_t *item = s_item_find(w, pr->number);
    dp_msg_t m = {.type = DP_MSG_EVENT};
    if (!item || s_spill_get(w, item, &m) < 0) {
        gh_events_take(&w->out, &w->held, pr->number); /* without details */
        return;
    }
    item->detail = S_DETAIL_DONE;
    dp_event_t *snap = &m.u.event;
    json_t *files = json_incref(pr->files);
    if ((files ? 0 : s_pr_files(self, repo, pr->number, &files)) == 0) {
        snap->additions = snap->deletions = 0;
        dp_strs_clear(&snap->files);
        s_files_sum(files, &snap->files, &snap->additions, &snap->deletions);
        s_spill_put(w, item, snap);
        for (size_t i = 0; i < w->held.count; i++)
            if (w->held.items[i].number == pr->number)
                s_files_set(&w->held.items[i], snap);
    }
    json_decref(files);
    gh_events_take(&w->out, &w->held, pr->number);
    json_t *reviews = json_incref(pr->reviews);
    if (!reviews)
        reviews = s_pr_reviews(self, repo, pr->number);
    if (reviews) {
        size_t before = w->out.count;
        s_review_events(w->req, snap, reviews, &w->out);
        w->total += (long)(w->out.count - before);
        json_decref(reviews);
    }
    dp_msg_clear(&m);
}

/* Fetches the details of the pull requests waiting for them: through
 * GraphQL in one batch where it can, through REST for the rest. */
static int s_details(s_win_t *w)
{
    gh_graphql_pr_t prs[GH_GRAPHQL_BATCH];
    memset(prs, 0, sizeof prs);
    for (size_t j = 0; j < w->nwait; j++)
        prs[j].number = w->wait[j];
    s_pr_graphql(w->self, w->req, prs, w->nwait);
    for (size_t j = 0; j < w->nwait; j++)
        s_pr_detail(w, &prs[j]);
    gh_graphql_pr_clear(prs, w->nwait);
    w->nwait = 0;
    return s_flush_full(w);
}

/* Asks for the details of a pull request opened, merged or closed in the
 * window: of the first max_details such pull requests. */
static void s_detail_want(s_win_t *w, s_item_t *item, int64_t number)
{
    collector_t *self = w->self;
    if (w->ndetails == (size_t)self->cfg.max_details)
        gh_client_problem(self->gh,
                          "details of PRs past the first %ld were not "
                          "fetched",
                          self->cfg.max_details);
    if (w->ndetails++ >= (size_t)self->cfg.max_details)
        return;
    item->detail = S_DETAIL_WAIT;
    w->wait[w->nwait++] = number;
}

/* A listed issue or pull request: its events of the window, at once, or
 * held until its details come. */
static int s_on_item(json_t *it, bool again, void *arg)
{
    (void)again; /* the item index knows what was read before */
    s_win_t *w = arg;
    collector_t *self = w->self;
    const dp_collect_t *req = w->req;
    size_t max_text = (size_t)self->cfg.max_text;
    gh_events_t evs = {0};
    char err[256];
    bool detail = false;
    dp_event_t snap;
    if (gh_item_snapshot(it, req->repo, max_text, &snap, err, sizeof err) < 0) {
        gh_client_problem(self->gh, "skipped an item: %s", err);
        return 0;
    }
    if (w->hist)
        gh_history_count(w->hist, it, &snap);
    if (snap.updated_at < req->win_from) {
        s_event_free(&snap); /* listed for the history alone */
        return 0;
    }
    int n = gh_snapshot_events(it, &snap, req->win_from, req->win_to, &evs,
                               &detail);
    if (detail) {
        /* Its merge state from /pulls/N, then its snapshot again. */
        s_pull_detail(self, req->repo, it);
        s_event_free(&snap);
        if (gh_item_snapshot(it, req->repo, max_text, &snap, err, sizeof err) <
            0) {
            gh_client_problem(self->gh, "skipped an item: %s", err);
            return 0;
        }
        n = gh_snapshot_events(it, &snap, req->win_from, req->win_to, &evs,
                               &detail);
    }
    s_item_t *item = s_item_add(w, snap.number);
    w->total += n - item->nevents; /* a read again replaces the one before */
    item->nevents = n;
    if (self->cfg.pr_details && snap.is_pr && n > 0 &&
        item->detail == S_DETAIL_NONE)
        s_detail_want(w, item, snap.number);
    if (item->detail == S_DETAIL_DONE) {
        /* Read again after its details came: they still hold. */
        dp_msg_t old = {.type = DP_MSG_EVENT};
        if (s_spill_get(w, item, &old) == 0) {
            s_files_set(&snap, &old.u.event);
            for (size_t i = 0; i < evs.count; i++)
                s_files_set(&evs.items[i], &old.u.event);
            dp_msg_clear(&old);
        }
    }
    s_spill_put(w, item, &snap);
    gh_events_take(item->detail == S_DETAIL_WAIT ? &w->held : &w->out, &evs, 0);
    gh_events_clear(&evs);
    s_event_free(&snap);
    if (w->nwait == GH_GRAPHQL_BATCH)
        return s_details(w);
    return s_flush_full(w);
}

/* A listed comment: its event, on its item's snapshot, when it was made
 * in the window. */
static int s_on_comment(json_t *c, bool again, void *arg)
{
    s_win_t *w = arg;
    int64_t number = gh_comment_number(c);
    s_item_t *item = number ? s_item_find(w, number) : NULL;
    dp_msg_t m = {.type = DP_MSG_EVENT};
    if (!item || s_spill_get(w, item, &m) < 0)
        return 0;
    size_t before = w->out.count;
    if (gh_comment_event(c, &m.u.event, w->req->win_from, w->req->win_to,
                         (size_t)w->self->cfg.max_text, &w->out) < 0)
        gh_client_problem(w->self->gh, "skipped a malformed comment on #%lld",
                          (long long)number);
    if (!again) /* a comment read again is the same event */
        w->total += (long)(w->out.count - before);
    dp_msg_clear(&m);
    return s_flush_full(w);
}

/* Adds the releases published in the window: one request in the common
 * case, a free 304 on a rerun. A quiet window needs none: the activity
 * that calls it quiet knows the newest release (gh_activity.h). */
static void s_releases(s_win_t *w)
{
    collector_t *self = w->self;
    const dp_collect_t *req = w->req;
    int n = gh_releases_events(self->gh, req->repo, req->win_from, req->win_to,
                               self->cfg.max_pages, (size_t)self->cfg.max_text,
                               &w->out);
    if (n < 0)
        gh_client_problem(self->gh, "releases of the window could not be "
                                    "listed");
    else
        w->total += n;
}

/* Sends what is left and the WINDOW message that completes the window. */
static int s_finish(s_win_t *w)
{
    collector_t *self = w->self;
    const dp_collect_t *req = w->req;
    int rc = s_flush(w);
    if (rc < 0)
        return rc;
    s_revise(w, 0);
    const gh_stats_t *gs = gh_client_stats(self->gh);
    long events =
        w->total < self->cfg.max_events ? w->total : self->cfg.max_events;
    self->stats.requests = gs->requests;
    self->stats.not_modified = gs->not_modified;
    self->stats.retries = gs->retries;
    self->stats.rl_remaining = gs->rl_remaining;
    self->stats.rl_limit = gs->rl_limit;
    self->stats.events = events;
    self->stats.fresh = w->nfresh;
    self->stats.revision = (long)w->revision;
    self->stats.items = (long)w->nitems;
    if (self->revisit && w->nfresh == 0)
        return 0; /* late data: none; the report stands */

    dp_msg_t msg = {.type = DP_MSG_WINDOW};
    dp_window_t *win = &msg.u.window;
    win->repo = req->repo;
    win->win_from = req->win_from;
    win->win_to = req->win_to;
    win->revision = w->revision;
    win->tz = req->tz;
    win->lang = req->lang;
    win->name = req->name;
    win->reply_to = req->reply_to;
    win->events = events;
    win->requests = gs->requests;
    win->not_modified = gs->not_modified;
    win->retries = gs->retries;
    win->rl_remaining = gs->rl_remaining;
    win->rl_limit = gs->rl_limit;
    win->complete_until = self->complete_until;
    win->problems = *gh_client_problems(self->gh);
    char *history = w->hist ? gh_history_json(w->hist) : NULL;
    win->history = history;
    s_send(self, &msg);
    free(history);
    dp_ledger_revise_close(self->store, &w->lw);
    dp_log(DP_LOG_INFO,
           "%s window %lld..%lld rev %lld: %ld events (%ld new), %ld "
           "requests (%ld not modified, %ld retries)",
           req->repo, (long long)req->win_from, (long long)req->win_to,
           (long long)w->revision, events, w->nfresh, gs->requests,
           gs->not_modified, gs->retries);
    return 0;
}

/* An unlinked file for the snapshots of a window's items, in $TMPDIR or
 * /tmp: on disk, not in the collector's memory. Where no file can be made
 * there (a read-only file system), an anonymous one in memory. -1 when
 * neither can be made. */
static int s_spill_open(void)
{
    const char *dir = getenv("TMPDIR");
    char *path =
        dp_asprintf("%s/dp-collect-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0) {
        unlink(path);
    } else {
        fd = memfd_create("dp-collect", MFD_CLOEXEC);
        dp_log(DP_LOG_WARN,
               "cannot create %s: the window's items are kept "
               "in memory",
               path);
    }
    dp_free(path);
    return fd;
}

/* ==== The earlier windows' counts ==== */

/* Sets the history of the window up (gh_history.h) when the collector
 * counts one: the issues listing then starts at the oldest earlier window,
 * and only the window's own items become events. */
static void s_history_begin(collector_t *self, const dp_collect_t *req,
                            s_win_t *w, gh_history_t *hist)
{
    int64_t len = req->win_to - req->win_from;
    gh_history_init(hist, req->win_from, req->win_to,
                    gh_history_windows(len, self->cfg.history));
    w->hist = hist->n > 0 ? hist : NULL;
}

/* A listed item of a quiet window: counted, no event (nothing of it
 * changed since the window began). */
static int s_on_history_item(json_t *it, bool again, void *arg)
{
    (void)again;
    s_win_t *w = arg;
    dp_event_t snap;
    char err[256];
    if (gh_item_snapshot(it, w->req->repo, (size_t)w->self->cfg.max_text, &snap,
                         err, sizeof err) == 0) {
        gh_history_count(w->hist, it, &snap);
        s_event_free(&snap);
    }
    return 0;
}

/* The history of a quiet window: nothing to list when the repository's
 * newest change (latest, -1 unknown) is older than the oldest earlier
 * window (every count is 0); else its issues listing from there (all of it
 * older than the window), for the counts alone. A failure is a problem of
 * the report, not of the window. */
static int s_history_quiet(s_win_t *w, int64_t latest)
{
    if (!w->hist || (latest >= 0 && latest < gh_history_since(w->hist)))
        return 0;
    char path[COLLECTOR_KEY_MAX];
    snprintf(path, sizeof path,
             "/repos/%s/issues?state=all&sort=updated&direction=asc"
             "&per_page=%ld",
             w->req->repo, w->self->cfg.per_page);
    gh_listing_t listing = {.path = path,
                            .what = "issues",
                            .key = "number",
                            .since = gh_history_since(w->hist),
                            .max_pages = w->self->cfg.max_pages};
    int64_t until = 0;
    int rc =
        gh_listing_each(w->self->gh, &listing, s_on_history_item, w, &until);
    if (rc == DP_EAGAIN)
        return rc;
    if (rc < 0) {
        gh_client_problem(w->self->gh, "earlier periods could not be "
                                       "listed; trends compare less");
        w->hist = NULL;
    }
    return 0;
}

int collector_collect(collector_t *self, const dp_collect_t *req)
{
    assert(self && req);
    gh_client_reset(self->gh);
    memset(&self->stats, 0, sizeof self->stats);
    self->stats.rl_remaining = self->stats.rl_limit = -1;
    if (!dp_repo_valid(req->repo) || req->win_to <= req->win_from) {
        s_status(self, req, "failed", "invalid repository name or window");
        return DP_EINVAL;
    }
    s_pending_add(self, req);
    s_win_t w = {
        .self = self,
        .req = req,
        .lw = {.repo = req->repo, .from = req->win_from, .to = req->win_to},
        .revisit = self->revisit,
        .spill = s_spill_open()};
    gh_history_t hist = {0};
    s_history_begin(self, req, &w, &hist);
    int64_t now = dp_time_now();
    gh_client_window_ttl(self->gh, dp_ledger_expiry(&w.lw, now) - now);
    int64_t items_until = req->win_from, comments_until = req->win_from;
    char path[COLLECTOR_KEY_MAX];
    snprintf(path, sizeof path,
             "/repos/%s/issues?state=all&sort=updated&direction=asc"
             "&per_page=%ld",
             req->repo, self->cfg.per_page);
    gh_listing_t listing = {.path = path,
                            .what = "issues",
                            .key = "number",
                            .since = gh_history_since(&hist),
                            .max_pages = self->cfg.max_pages};
    int rc = gh_listing_each(self->gh, &listing, s_on_item, &w, &items_until);
    if (rc == 0 && w.nwait > 0)
        rc = s_details(&w);
    if (rc == DP_EAGAIN)
        goto out; /* shutting down: the window stays pending, to be redone */
    if (rc < 0) {
        char *text = dp_asprintf("%s: %s", req->repo, s_failure_text(rc));
        s_status(self, req, "failed", text);
        dp_log(DP_LOG_ERROR, "%s", text);
        dp_free(text);
        goto out;
    }
    /* One repository-wide listing finds every comment of the window. */
    snprintf(path, sizeof path,
             "/repos/%s/issues/comments?sort=updated&direction=asc"
             "&per_page=%ld",
             req->repo, self->cfg.per_page);
    listing.what = "comments";
    listing.key = "id";
    listing.since = req->win_from;
    rc = gh_listing_each(self->gh, &listing, s_on_comment, &w, &comments_until);
    if (rc == DP_EAGAIN)
        goto out;
    if (rc < 0)
        gh_client_problem(self->gh, "comments of the window could not be "
                                    "listed; discussions may be incomplete");
    /* Complete up to the end of the window, but not past what the
     * listings saw: they started now, or stopped early. */
    self->complete_until = req->win_to;
    if (items_until < self->complete_until)
        self->complete_until = items_until;
    if (comments_until < self->complete_until)
        self->complete_until = comments_until;
    s_releases(&w);
    rc = s_finish(&w);
out:
    if (rc < 0)
        s_note_held(&w);
    gh_events_clear(&w.out);
    gh_events_clear(&w.held);
    gh_index_clear(&w.numbers);
    dp_buf_free(&w.pending);
    dp_free(w.items);
    if (w.spill >= 0)
        close(w.spill);
    gh_history_clear(&hist);
    return rc;
}

/* ==== Quiet windows ==== */

/* A window in which the repository did not change has no events: its
 * listings (of what was updated since the window start) would come back
 * empty. Such a window is sent empty without them, the same window the
 * listings give. What changed is learnt for a whole batch of repositories
 * in one GraphQL query where GitHub has it; otherwise from the repository
 * events endpoint, which lags, so only for windows that ended long enough
 * ago. */

static void s_activity_forget(collector_t *self)
{
    dp_free(self->act);
    self->act = NULL;
    self->nact = 0;
}

static gh_activity_t *s_activity_find(collector_t *self, const char *repo)
{
    for (size_t i = 0; i < self->nact; i++)
        if (!strcmp(self->act[i].repo, repo))
            return &self->act[i];
    return NULL;
}

/* Asks GraphQL what changed in the repositories (borrowed names, valid
 * ones only, each once), for the windows collected next. */
static void s_activity_learn(collector_t *self, const char **repos, size_t n)
{
    s_activity_forget(self);
    if (!self->cfg.skip_quiet || n < 2 || !s_graphql_usable(self))
        return; /* one repository: its listings cost no more */
    self->act = dp_calloc(n, sizeof *self->act);
    for (size_t i = 0; i < n; i++)
        if (dp_repo_valid(repos[i]) && !s_activity_find(self, repos[i]))
            self->act[self->nact++] =
                (gh_activity_t){.repo = repos[i], .latest = -1};
    long cost = 0;
    int rc = gh_activity_graphql(self->gh, self->act, self->nact, dp_time_now(),
                                 &cost);
    s_graphql_spent(self, rc, cost);
}

/* True when the window is known to be quiet; *latest is then the
 * repository's newest change (-1 unknown). */
static bool s_quiet(collector_t *self, const dp_collect_t *req, int64_t *latest)
{
    if (!self->cfg.skip_quiet || !dp_repo_valid(req->repo) ||
        req->win_to <= req->win_from)
        return false;
    gh_activity_t one = {.repo = req->repo, .latest = -1};
    gh_activity_t *a = s_activity_find(self, req->repo);
    if (!a)
        a = &one;
    *latest = a->latest;
    if (gh_activity_quiet(a, req->win_from, req->win_to))
        return true;
    int64_t now = dp_time_now();
    if (a->latest >= 0 || req->win_to + self->cfg.events_lag_s > now)
        return false; /* changed, or too recent for the events feed */
    bool quiet = gh_activity_events(self->gh, self->store, a, now,
                                    self->cfg.events_lag_s) == 0 &&
                 gh_activity_quiet(a, req->win_from, req->win_to);
    *latest = a->latest;
    return quiet;
}

/* Sends a quiet window: no events, complete to its end. Quick, so the
 * lease taken before it still holds. */
static int s_collect_quiet(collector_t *self, const dp_collect_t *req,
                           int64_t latest)
{
    gh_client_reset(self->gh);
    long points = self->stats.graphql_points;
    memset(&self->stats, 0, sizeof self->stats);
    self->stats.graphql_points = points;
    self->stats.rl_remaining = self->stats.rl_limit = -1;
    s_pending_add(self, req);
    self->complete_until = req->win_to;
    dp_log(DP_LOG_DEBUG, "%s %lld..%lld: no change; not listed", req->repo,
           (long long)req->win_from, (long long)req->win_to);
    s_win_t w = {
        .self = self,
        .req = req,
        .lw = {.repo = req->repo, .from = req->win_from, .to = req->win_to},
        .revisit = self->revisit,
        .spill = -1};
    gh_history_t hist = {0};
    s_history_begin(self, req, &w, &hist);
    int rc = s_history_quiet(&w, latest);
    if (rc == 0)
        rc = s_finish(&w); /* no event: the WINDOW alone */
    gh_history_clear(&hist);
    gh_events_clear(&w.out);
    gh_index_clear(&w.numbers);
    dp_buf_free(&w.pending);
    return rc;
}

/* Collects a window: empty when it is known to be quiet, else listed. */
static int s_collect(collector_t *self, const dp_collect_t *req)
{
    int64_t latest = -1;
    if (s_quiet(self, req, &latest))
        return s_collect_quiet(self, req, latest);
    return collector_collect(self, req);
}

/* ==== Watchdog: every window ends in a report ==== */

/* A scheduled window is pending (dp_ledger.h) from before its collection
 * starts until its REPORT is seen on the renderers' taps. A window whose
 * report does not come in time (a message lost when a service died, a
 * restart of Redis) is collected again with replay set; after watch_tries
 * replays it is reported as failed. A window asked for by a command (a
 * COLLECT with reply_to) is watched by whoever asked, which asks again: it
 * is not pending here, so a one-shot report on a shared Redis leaves
 * nothing behind for the stack that serves the schedule. */
static void s_pending_add(collector_t *self, const dp_collect_t *req)
{
    if (self->cfg.watch_s <= 0 || self->revisit ||
        (req->reply_to && *req->reply_to))
        return;
    if (dp_ledger_pending_add(self->store, req, dp_time_now(),
                              self->cfg.watch_s) < 0)
        dp_log(DP_LOG_WARN, "%s: cannot record the window as pending",
               req->repo);
}

/* Notes the REPORT messages seen on the renderers' taps. */
static void s_watch_reports(collector_t *self)
{
    dp_buf_t subject = DP_BUF_INIT, frame = DP_BUF_INIT;
    for (;;) {
        dp_msg_t msg;
        int rc = dp_msg_recv(self->reports, &subject, &frame,
                             (size_t)self->cfg.max_frame, 0, &msg, NULL);
        if (rc == DP_EAGAIN || rc == DP_EBUS)
            break;
        if (rc < 0)
            continue;
        if (msg.type == DP_MSG_REPORT) {
            dp_ledger_win_t w = {.repo = msg.u.report.repo,
                                 .from = msg.u.report.win_from,
                                 .to = msg.u.report.win_to};
            dp_ledger_pending_drop(self->store, &w);
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&subject);
    dp_buf_free(&frame);
}

/* Replays the windows whose report is overdue. Returns how many. */
int collector_watchdog(collector_t *self, int64_t now)
{
    if (self->cfg.watch_s <= 0)
        return 0;
    if (self->reports)
        s_watch_reports(self);
    dp_strs_t due = {0};
    int replayed = 0;
    if (dp_ledger_pending_due(self->store, now, COLLECTOR_WATCH_BATCH, &due) <
        0)
        return 0;
    for (size_t i = 0; i < due.count && !dp_service_interrupted(); i++) {
        dp_msg_t msg;
        int tries =
            dp_ledger_pending_try(self->store, due.items[i], now,
                                  self->cfg.watch_s, self->cfg.max_frame, &msg);
        if (tries < 0)
            continue;
        dp_collect_t *req = &msg.u.collect;
        if (tries > self->cfg.watch_tries) {
            char *text = dp_asprintf("%s: no report after %d replays",
                                     req->repo, tries - 1);
            s_status(self, req, "failed", text);
            dp_free(text);
            dp_ledger_win_t w = {
                .repo = req->repo, .from = req->win_from, .to = req->win_to};
            dp_ledger_pending_drop(self->store, &w);
        } else {
            dp_log(DP_LOG_WARN,
                   "%s %lld..%lld: no report yet; replaying (try %d)",
                   req->repo, (long long)req->win_from, (long long)req->win_to,
                   tries);
            req->replay = true;
            int crc = collector_collect(self, req);
            (void)crc; /* a failure was published as STATUS */
            replayed++;
        }
        dp_msg_clear(&msg);
    }
    dp_strs_clear(&due);
    return replayed;
}

/* ==== Schedule ==== */

/* Reads timezone, language, windows and repositories from the config
 * document. Returns 0 or DP_ECONFIG with the reason logged. */
static int s_load_schedule(collector_t *self, const json_t *doc)
{
    dp_watch_t w = {0};
    char err[256];
    if (dp_watch_load(&w, doc, err, sizeof err) < 0) {
        dp_log(DP_LOG_ERROR, "%s", err);
        return DP_ECONFIG;
    }
    self->zone = w.zone;
    self->lang = w.lang;
    memcpy(self->kinds, w.kinds, sizeof self->kinds);
    self->nkinds = w.nkinds;
    self->repos = w.repos; /* the lists move to the collector */
    self->names = w.names;
    self->orgs = w.orgs;
    return 0;
}

/* Adds every public, unarchived repository of the organizations. */
static void s_expand_orgs(collector_t *self, int64_t now)
{
    if (self->orgs.count == 0 ||
        (self->orgs_at && now - self->orgs_at < COLLECTOR_ORGS_REFRESH_S))
        return;
    self->orgs_at = now;
    for (size_t i = 0; i < self->orgs.count; i++)
        if (gh_org_repos(self->gh, self->orgs.items[i], self->cfg.max_pages,
                         &self->repos, &self->names) < 0)
            continue; /* logged; the others are still listed */
}

static int s_collect_window(collector_t *self, const char *repo,
                            const char *name, const schedule_window_t *w)
{
    dp_collect_t req = {0};
    req.repo = (char *)repo;
    req.win_from = w->from;
    req.win_to = w->to;
    req.tz = (char *)self->zone;
    req.lang = (char *)self->lang;
    req.name = name && *name ? (char *)name : NULL;
    return s_collect(self, &req);
}

/* The windows of a repository and kind due at now, oldest first, at most
 * S_DUE_MAX; *done is where the schedule stands. Returns how many. */
#define S_DUE_MAX 64
static int s_due(collector_t *self, const char *repo, dp_window_kind_t kind,
                 int64_t now, schedule_window_t *due, int64_t *done)
{
    size_t max = (size_t)self->cfg.catchup_max;
    if (max > S_DUE_MAX)
        max = S_DUE_MAX;
    *done = schedule_done_until(self->store, repo, kind);
    int64_t start = *done;
    if (schedule_from(*done, self->cfg.since, kind, self->zone, &start) < 0)
        start = *done;
    return schedule_due(start, now, self->cfg.grace_s, kind, self->zone, max,
                        due);
}

/* Learns, in one query per batch, which repositories with windows due
 * changed at all. */
static void s_tick_learn(collector_t *self, int64_t now)
{
    size_t n = 0;
    const char **busy =
        dp_calloc(self->repos.count ? self->repos.count : 1, sizeof *busy);
    for (size_t r = 0; r < self->repos.count; r++) {
        for (size_t k = 0; k < self->nkinds; k++) {
            schedule_window_t due[S_DUE_MAX];
            int64_t done;
            if (s_due(self, self->repos.items[r], self->kinds[k], now, due,
                      &done) > 0) {
                busy[n++] = self->repos.items[r];
                break;
            }
        }
    }
    s_activity_learn(self, busy, n);
    dp_free(busy);
}

int collector_tick(collector_t *self, int64_t now)
{
    assert(self);
    s_expand_orgs(self, now);
    if (self->cfg.skip_quiet)
        s_tick_learn(self, now);
    int collected = 0;
    for (size_t r = 0; r < self->repos.count; r++) {
        const char *repo = self->repos.items[r];
        if (dp_service_interrupted())
            break;
        for (size_t k = 0; k < self->nkinds; k++) {
            dp_window_kind_t kind = self->kinds[k];
            schedule_window_t due[S_DUE_MAX];
            int64_t done;
            int n = s_due(self, repo, kind, now, due, &done);
            for (int i = 0; i < n && !dp_service_interrupted(); i++) {
                /* The lease is checked before each window, so a replica
                 * that lost it stops at once. */
                if (!schedule_lease(self->store, repo, self->owner,
                                    self->cfg.lease_ms))
                    break;
                /* Another replica may have gone on while we waited. */
                if (due[i].to <= schedule_done_until(self->store, repo, kind))
                    continue;
                self->leased = repo;
                self->leased_kind = kind;
                if (i == 0 && done > 0) {
                    /* Late data: the window before, once more (304s when
                     * nothing changed, a revision when something did). */
                    schedule_window_t prev;
                    if (schedule_previous(&due[0], kind, self->zone, &prev) ==
                        0) {
                        self->revisit = true;
                        (void)s_collect_window(self, repo, self->names.items[r],
                                               &prev);
                        self->revisit = false;
                    }
                }
                int rc =
                    s_collect_window(self, repo, self->names.items[r], &due[i]);
                self->leased = NULL;
                if (rc == DP_EAGAIN)
                    break; /* interrupted: the window stays due */
                /* A failed window is reported (STATUS) and not retried in a
                 * loop; its report says what was missing. */
                if (schedule_set_done(self->store, repo, kind, due[i].to) < 0)
                    break;
                collected++;
            }
        }
    }
    s_activity_forget(self);
    return collected;
}

const dp_strs_t *collector_repositories(collector_t *self)
{
    return &self->repos;
}

/* ==== Service ==== */

gh_client_t *collector_gh_new(const collector_cfg_t *cfg, dp_store_t *store)
{
    assert(cfg && store);
    gh_client_cfg_t gcfg = {
        .api_url = cfg->api_url,
        .tokens = cfg->tokens,
        .store = store,
        .timeout_ms = cfg->timeout_ms,
        .max_retries = cfg->max_retries,
        .retry_base_ms = cfg->retry_base_ms,
        .max_wait_s = cfg->max_wait_s,
        .max_body = cfg->max_body,
        .cache_ttl_s = cfg->cache_ttl_s,
        .rate_reserve = cfg->rate_reserve,
    };
    return gh_client_new(&gcfg);
}

collector_t *collector_new(const collector_cfg_t *cfg)
{
    assert(cfg);
    collector_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    uint64_t nonce = 0;
    if (getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
        nonce = (uint64_t)dp_service_now_ms() ^ (uint64_t)time(NULL);
    snprintf(self->owner, sizeof self->owner, "%s:%d:%016llx", host,
             (int)getpid(), (unsigned long long)nonce);
    char err[256] = "";
    self->bus = dp_bus_new();
    self->store = dp_store_new(cfg->redis_url, err, sizeof err);
    if (!self->bus || !self->store) {
        if (*err)
            dp_log(DP_LOG_ERROR, "%s", err);
        goto fail;
    }
    self->gh = collector_gh_new(cfg, self->store);
    if (!self->gh)
        goto fail;
    if (cfg->schedule && s_load_schedule(self, cfg->schedule) < 0)
        goto fail;
    self->ctl = dp_sock_new(self->bus, ZMQ_PULL, cfg->ctl_endpoint);
    self->out = dp_sock_new(self->bus, ZMQ_PUSH, cfg->out_endpoint);
    self->pub = dp_sock_new(self->bus, ZMQ_PUB, cfg->pub_endpoint);
    if (!self->ctl || !self->out || !self->pub)
        goto fail;
    if (cfg->report_endpoint && *cfg->report_endpoint) {
        self->reports = dp_sock_new(self->bus, ZMQ_SUB, cfg->report_endpoint);
        if (!self->reports || dp_sock_subscribe(self->reports, "report.") < 0)
            goto fail;
    }
    return self;
fail:
    collector_destroy(&self);
    return NULL;
}

#define COLLECTOR_LINGER_MS 5 /* wait for more requests of a batch */

/* Serves a COLLECT request and those queued behind it (up to a GraphQL
 * batch of them), learning first which of their repositories changed;
 * clears msg. */
static void s_serve(collector_t *self, dp_msg_t *msg, dp_buf_t *frame,
                    long *bad)
{
    dp_msg_t *batch = dp_calloc(GH_ACTIVITY_BATCH, sizeof *batch);
    const char **repos = dp_calloc(GH_ACTIVITY_BATCH, sizeof *repos);
    size_t n = 0, nrepos = 0;
    batch[n++] = *msg;
    /* Requests sent together arrive a little apart: a batch takes those
     * that follow within a few milliseconds of each other. */
    int linger = self->cfg.skip_quiet ? COLLECTOR_LINGER_MS : 0;
    while (n < GH_ACTIVITY_BATCH &&
           dp_msg_recv(self->ctl, NULL, frame, (size_t)self->cfg.max_frame,
                       linger, &batch[n], bad) == 0)
        n++;
    for (size_t i = 0; i < n; i++)
        if (batch[i].type == DP_MSG_COLLECT)
            repos[nrepos++] = batch[i].u.collect.repo;
    s_activity_learn(self, repos, nrepos);
    for (size_t i = 0; i < n; i++) {
        if (batch[i].type == DP_MSG_COLLECT) {
            int crc = s_collect(self, &batch[i].u.collect);
            (void)crc; /* failures were published as STATUS */
        } else {
            (*bad)++;
            dp_log(DP_LOG_WARN, "ignored a %s message on the control socket",
                   dp_msg_type_name(batch[i].type));
        }
    }
    s_activity_forget(self); /* it borrowed the names of the batch */
    for (size_t i = 0; i < n; i++)
        dp_msg_clear(&batch[i]);
    dp_free(repos);
    dp_free(batch);
}

int collector_run(collector_t *self)
{
    assert(self);
    dp_buf_t frame = DP_BUF_INIT;
    long bad = 0;
    long long next_tick = 0;
    bool scheduled = self->repos.count > 0 || self->orgs.count > 0;
    while (!dp_service_interrupted()) {
        dp_store_keepalive(self->store, DP_STORE_KEEPALIVE_MS);
        if (dp_service_now_ms() >= next_tick) {
            if (scheduled)
                collector_tick(self, dp_time_now());
            collector_watchdog(self, dp_time_now());
            next_tick = dp_service_now_ms() + COLLECTOR_TICK_MS;
        }
        dp_msg_t msg;
        if (dp_msg_recv(self->ctl, NULL, &frame, (size_t)self->cfg.max_frame,
                        COLLECTOR_POLL_MS, &msg, &bad) < 0)
            continue;
        s_serve(self, &msg, &frame, &bad);
    }
    for (size_t i = 0; i < self->repos.count; i++)
        schedule_release(self->store, self->repos.items[i], self->owner);
    dp_buf_free(&frame);
    return 0;
}

const collector_stats_t *collector_stats(const collector_t *self)
{
    return &self->stats;
}

void collector_destroy(collector_t **self_p)
{
    assert(self_p);
    collector_t *self = *self_p;
    if (!self)
        return;
    dp_strs_clear(&self->repos);
    dp_strs_clear(&self->names);
    dp_strs_clear(&self->orgs);
    s_activity_forget(self);
    gh_client_destroy(&self->gh);
    dp_store_destroy(&self->store);
    dp_bus_destroy(&self->bus);
    dp_free(self);
    *self_p = NULL;
}
