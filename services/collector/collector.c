/* collector.c - the collector engine: GitHub windows to normalized events */
/* SPDX-License-Identifier: MIT */
#include "collector.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#include "gh_listing.h"
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

/* Marks the events as sent in their window; sets fresh[i] for those the
 * window had not seen. When Redis cannot answer, every event counts as
 * fresh: downstream stages are idempotent, so a duplicate costs work, never
 * a wrong report. */
static void s_dedup(collector_t *self, const dp_collect_t *req,
                    gh_events_t *events, bool *fresh)
{
    dp_ledger_win_t w = {
        .repo = req->repo, .from = req->win_from, .to = req->win_to};
    const char **ids =
        dp_calloc(events->count ? events->count : 1, sizeof *ids);
    for (size_t i = 0; i < events->count; i++)
        ids[i] = events->items[i].id;
    if (dp_ledger_mark_seen(self->store, &w, dp_time_now(), ids, events->count,
                            fresh) < 0)
        dp_log(DP_LOG_WARN, "%s: redis unavailable; every event is sent",
               req->repo);
    dp_free(ids);
}

/* ==== Indexes by item number ==== */

/* A position in a list (of listed items, of events) and the number of the
 * item there; an array of them sorted by number, then position, finds
 * what belongs to an item without a search of the whole list. */
typedef struct {
    int64_t number;
    size_t pos;
} s_ref_t;

static int s_ref_cmp(const void *a, const void *b)
{
    const s_ref_t *x = a, *y = b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The first of the sorted refs with that number (the earliest in the
 * list), or n when there is none. */
static size_t s_refs_find(const s_ref_t *refs, size_t n, int64_t number)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (refs[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && refs[lo].number == number ? lo : n;
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

/* The pull requests whose details the report needs (opened, merged or
 * closed in the window), once each, up to max_details: their indexes in
 * events, in order. *refs_out (events->count entries, sorted by number)
 * indexes every event by its item's number. The caller frees both. */
static size_t *s_detail_items(collector_t *self, const gh_events_t *events,
                              s_ref_t **refs_out, size_t *count)
{
    size_t n = events->count;
    /* The events by item number, and for each pull request the first of
     * its events that is not a comment: that one fetches the details. */
    s_ref_t *refs = dp_calloc(n ? n : 1, sizeof *refs);
    bool *lead = dp_calloc(n ? n : 1, sizeof *lead);
    for (size_t i = 0; i < n; i++)
        refs[i] = (s_ref_t){events->items[i].number, i};
    qsort(refs, n, sizeof *refs, s_ref_cmp);
    for (size_t r = 0; r < n;) {
        size_t end = r;
        bool found = false;
        for (; end < n && refs[end].number == refs[r].number; end++) {
            const dp_event_t *e = &events->items[refs[end].pos];
            if (!found && e->is_pr && strcmp(e->kind, "comment") != 0) {
                lead[refs[end].pos] = true; /* refs keep the list order */
                found = true;
            }
        }
        r = end;
    }
    size_t *idx = dp_calloc(n ? n : 1, sizeof *idx);
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!lead[i])
            continue;
        if (*count >= (size_t)self->cfg.max_details) {
            gh_client_problem(self->gh,
                              "details of PRs past the first %ld "
                              "were not fetched",
                              self->cfg.max_details);
            break;
        }
        idx[(*count)++] = i;
    }
    dp_free(lead);
    *refs_out = refs;
    return idx;
}

/* Asks GraphQL for the files and reviews of the pull requests, when the
 * API has it: GitHub answers GraphQL to a token only, and an API whose
 * endpoint answered 404 (GitHub Enterprise without it) is not asked again
 * in this run. What GraphQL did not answer stays NULL, for REST. */
static void s_pr_graphql(collector_t *self, const dp_collect_t *req,
                         gh_graphql_pr_t *prs, size_t n)
{
    if (self->cfg.no_graphql || self->graphql_absent || n == 0 ||
        !self->cfg.tokens || !*self->cfg.tokens)
        return;
    long cost = 0;
    int rc = gh_graphql_pr_details(self->gh, req->repo, prs, n, &cost);
    if (rc == DP_ENOTFOUND) {
        dp_log(DP_LOG_INFO, "%s: no GraphQL API; REST from now on",
               gh_client_graphql_url(self->gh));
        self->graphql_absent = true;
    }
    self->stats.graphql_points += cost;
}

/* For the pull requests the report shows, fetches changed files (for path
 * rules and sizes) and reviews: through GraphQL in batches where it can,
 * through REST for the rest. */
static void s_pr_details(collector_t *self, const dp_collect_t *req,
                         gh_events_t *events)
{
    size_t n = events->count; /* reviews appended below are not revisited */
    size_t count = 0;
    s_ref_t *refs = NULL;
    size_t *idx = s_detail_items(self, events, &refs, &count);
    gh_graphql_pr_t *prs = dp_calloc(count ? count : 1, sizeof *prs);
    for (size_t j = 0; j < count; j++)
        prs[j].number = events->items[idx[j]].number;
    s_pr_graphql(self, req, prs, count);
    for (size_t j = 0; j < count; j++) {
        int64_t number = prs[j].number;
        json_t *files = json_incref(prs[j].files);
        int frc = files ? 0 : s_pr_files(self, req->repo, number, &files);
        if (frc == 0) {
            dp_strs_t names = {0};
            int64_t add = 0, del = 0;
            s_files_sum(files, &names, &add, &del);
            for (size_t r = s_refs_find(refs, n, number);
                 r < n && refs[r].number == number; r++) {
                dp_event_t *e = &events->items[refs[r].pos];
                for (size_t f = 0; f < names.count; f++)
                    dp_strs_push(&e->files, names.items[f]);
                e->additions = add;
                e->deletions = del;
            }
            dp_strs_clear(&names);
        }
        json_decref(files);
        json_t *reviews = json_incref(prs[j].reviews);
        if (!reviews)
            reviews = s_pr_reviews(self, req->repo, number);
        if (reviews) {
            /* Reviews are appended to the array the item lives in: work
             * on a copy of it, since appending may move the array. */
            dp_msg_t src = {.type = DP_MSG_EVENT}, copy;
            src.u.event = events->items[idx[j]];
            dp_msg_copy(&copy, &src);
            s_review_events(req, &copy.u.event, reviews, events);
            dp_msg_clear(&copy);
            json_decref(reviews);
        }
    }
    gh_graphql_pr_clear(prs, count);
    dp_free(prs);
    dp_free(idx);
    dp_free(refs);
}

/* ==== One window ==== */

/* Finds an item by number in the listing, through its index. */
static json_t *s_find_item(json_t *items, const s_ref_t *refs, size_t n,
                           int64_t number)
{
    size_t at = s_refs_find(refs, n, number);
    return at < n ? json_array_get(items, refs[at].pos) : NULL;
}

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

static void s_events_from_items(collector_t *self, const dp_collect_t *req,
                                json_t *items, gh_events_t *events)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        char err[256];
        bool detail = false;
        int n = gh_item_events(it, req->repo, req->win_from, req->win_to,
                               (size_t)self->cfg.max_text, events, &detail, err,
                               sizeof err);
        if (n < 0) {
            gh_client_problem(self->gh, "skipped an item: %s", err);
            continue;
        }
        if (detail) {
            s_pull_detail(self, req->repo, it);
            n = gh_item_events(it, req->repo, req->win_from, req->win_to,
                               (size_t)self->cfg.max_text, events, &detail, err,
                               sizeof err);
            (void)n;
        }
    }
}

static void s_events_from_comments(collector_t *self, const dp_collect_t *req,
                                   json_t *items, json_t *comments,
                                   gh_events_t *events)
{
    size_t nrefs = json_array_size(items);
    s_ref_t *refs = dp_calloc(nrefs ? nrefs : 1, sizeof *refs);
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c)
    {
        refs[i] = (s_ref_t){dp_json_int(c, "number", 0), i};
    }
    qsort(refs, nrefs, sizeof *refs, s_ref_cmp);
    json_array_foreach(comments, i, c)
    {
        int64_t number = gh_comment_number(c);
        json_t *item = number ? s_find_item(items, refs, nrefs, number) : NULL;
        if (!item)
            continue;
        dp_event_t snap;
        char err[256];
        if (gh_item_snapshot(item, req->repo, (size_t)self->cfg.max_text, &snap,
                             err, sizeof err) < 0)
            continue;
        if (gh_comment_event(c, &snap, req->win_from, req->win_to,
                             (size_t)self->cfg.max_text, events) < 0)
            gh_client_problem(self->gh, "skipped a malformed comment on #%lld",
                              (long long)number);
        dp_msg_t m = {.type = DP_MSG_EVENT};
        m.u.event = snap;
        dp_msg_clear(&m);
    }
    dp_free(refs);
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

static void s_emit(collector_t *self, const dp_collect_t *req,
                   gh_events_t *events)
{
    if (events->count > (size_t)self->cfg.max_events) {
        gh_client_problem(self->gh,
                          "%zu events, over the bound of %ld: the "
                          "rest were dropped",
                          events->count, self->cfg.max_events);
        gh_events_truncate(events, (size_t)self->cfg.max_events);
    }
    bool *fresh = dp_calloc(events->count ? events->count : 1, sizeof(bool));
    s_dedup(self, req, events, fresh);
    long nfresh = 0;
    for (size_t i = 0; i < events->count; i++)
        nfresh += fresh[i];
    dp_ledger_win_t lw = {
        .repo = req->repo, .from = req->win_from, .to = req->win_to};
    int64_t revision = dp_ledger_revise(self->store, &lw, dp_time_now(), nfresh,
                                        req->revision);
    if (self->revisit) {
        if (nfresh == 0) {
            dp_free(fresh); /* late data: none; the report stands */
            return;
        }
        self->revisit = false; /* a revised window is watched like any */
        s_pending_add(self, req);
    }
    for (size_t i = 0; i < events->count; i++) {
        /* A replay sends everything again: what was lost in flight is
         * among it, and every stage downstream is idempotent. */
        if (!fresh[i] && !req->replay)
            continue;
        dp_msg_t msg = {.type = DP_MSG_EVENT};
        msg.u.event = events->items[i];
        msg.u.event.win_from = req->win_from;
        msg.u.event.win_to = req->win_to;
        msg.u.event.revision = revision;
        s_send(self, &msg);
    }
    dp_free(fresh);

    const gh_stats_t *gs = gh_client_stats(self->gh);
    self->stats.requests = gs->requests;
    self->stats.not_modified = gs->not_modified;
    self->stats.retries = gs->retries;
    self->stats.rl_remaining = gs->rl_remaining;
    self->stats.rl_limit = gs->rl_limit;
    self->stats.events = (long)events->count;
    self->stats.fresh = nfresh;
    self->stats.revision = (long)revision;

    dp_msg_t msg = {.type = DP_MSG_WINDOW};
    dp_window_t *w = &msg.u.window;
    w->repo = req->repo;
    w->win_from = req->win_from;
    w->win_to = req->win_to;
    w->revision = revision;
    w->tz = req->tz;
    w->lang = req->lang;
    w->name = req->name;
    w->reply_to = req->reply_to;
    w->events = (int64_t)events->count;
    w->requests = gs->requests;
    w->not_modified = gs->not_modified;
    w->retries = gs->retries;
    w->rl_remaining = gs->rl_remaining;
    w->rl_limit = gs->rl_limit;
    w->complete_until = self->complete_until;
    w->problems = *gh_client_problems(self->gh);
    s_send(self, &msg);
    dp_log(DP_LOG_INFO,
           "%s window %lld..%lld rev %lld: %zu events (%ld new), %ld "
           "requests (%ld not modified, %ld retries)",
           req->repo, (long long)req->win_from, (long long)req->win_to,
           (long long)revision, events->count, nfresh, gs->requests,
           gs->not_modified, gs->retries);
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
    dp_ledger_win_t lw = {
        .repo = req->repo, .from = req->win_from, .to = req->win_to};
    int64_t now = dp_time_now();
    gh_client_window_ttl(self->gh, dp_ledger_expiry(&lw, now) - now);
    char path[COLLECTOR_KEY_MAX];
    json_t *items = json_array();
    json_t *comments = json_array();
    gh_events_t events = {0};
    snprintf(path, sizeof path,
             "/repos/%s/issues?state=all&sort=updated&direction=asc"
             "&per_page=%ld",
             req->repo, self->cfg.per_page);
    gh_listing_t listing = {.path = path,
                            .what = "issues",
                            .key = "number",
                            .since = req->win_from,
                            .max_pages = self->cfg.max_pages};
    int64_t items_until = req->win_from, comments_until = req->win_from;
    int rc = gh_listing_run(self->gh, &listing, items, &items_until);
    if (rc == DP_EAGAIN)
        goto out; /* shutting down: the window stays pending, to be redone */
    if (rc < 0) {
        char *text = dp_asprintf("%s: %s", req->repo, s_failure_text(rc));
        s_status(self, req, "failed", text);
        dp_log(DP_LOG_ERROR, "%s", text);
        dp_free(text);
        goto out;
    }
    s_events_from_items(self, req, items, &events);

    /* One repository-wide listing finds every comment of the window. */
    snprintf(path, sizeof path,
             "/repos/%s/issues/comments?sort=updated&direction=asc"
             "&per_page=%ld",
             req->repo, self->cfg.per_page);
    listing.what = "comments";
    listing.key = "id";
    rc = gh_listing_run(self->gh, &listing, comments, &comments_until);
    if (rc == DP_EAGAIN)
        goto out;
    if (rc < 0)
        gh_client_problem(self->gh, "comments of the window could not be "
                                    "listed; discussions may be incomplete");
    rc = 0;
    /* Complete up to the end of the window, but not past what the
     * listings saw: they started now, or stopped early. */
    self->complete_until = req->win_to;
    if (items_until < self->complete_until)
        self->complete_until = items_until;
    if (comments_until < self->complete_until)
        self->complete_until = comments_until;
    s_events_from_comments(self, req, items, comments, &events);
    if (self->cfg.pr_details)
        s_pr_details(self, req, &events);
    if (dp_service_interrupted()) {
        rc = DP_EAGAIN; /* half a window is not sent: it stays pending */
        goto out;
    }
    /* A scheduled window is sent only by the holder of the lease: one that
     * took longer than the lease may have been taken over meanwhile. */
    if (self->leased &&
        (!schedule_lease(self->store, self->leased, self->owner,
                         self->cfg.lease_ms) ||
         (!self->revisit &&
          req->win_to <= schedule_done_until(self->store, self->leased,
                                             self->leased_kind)))) {
        dp_log(DP_LOG_WARN,
               "%s: the lease lapsed during the window and "
               "another collector took it on; not sending",
               req->repo);
        rc = DP_EAGAIN;
        goto out;
    }
    s_emit(self, req, &events);
out:
    gh_events_clear(&events);
    json_decref(items);
    json_decref(comments);
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
    if (!self->cfg.skip_quiet || n < 2 || self->cfg.no_graphql ||
        self->graphql_absent || !self->cfg.tokens || !*self->cfg.tokens)
        return; /* one repository: its listings cost no more */
    self->act = dp_calloc(n, sizeof *self->act);
    for (size_t i = 0; i < n; i++)
        if (dp_repo_valid(repos[i]) && !s_activity_find(self, repos[i]))
            self->act[self->nact++] =
                (gh_activity_t){.repo = repos[i], .latest = -1};
    long cost = 0;
    int rc = gh_activity_graphql(self->gh, self->act, self->nact, dp_time_now(),
                                 &cost);
    if (rc == DP_ENOTFOUND) {
        dp_log(DP_LOG_INFO, "%s: no GraphQL API; REST from now on",
               gh_client_graphql_url(self->gh));
        self->graphql_absent = true;
    }
    self->stats.graphql_points += cost;
}

/* True when the window is known to be quiet. */
static bool s_quiet(collector_t *self, const dp_collect_t *req)
{
    if (!self->cfg.skip_quiet || !dp_repo_valid(req->repo) ||
        req->win_to <= req->win_from)
        return false;
    gh_activity_t one = {.repo = req->repo, .latest = -1};
    gh_activity_t *a = s_activity_find(self, req->repo);
    if (!a)
        a = &one;
    if (gh_activity_quiet(a, req->win_from, req->win_to))
        return true;
    int64_t now = dp_time_now();
    if (a->latest >= 0 || req->win_to + self->cfg.events_lag_s > now)
        return false; /* changed, or too recent for the events feed */
    return gh_activity_events(self->gh, self->store, a, now,
                              self->cfg.events_lag_s) == 0 &&
           gh_activity_quiet(a, req->win_from, req->win_to);
}

/* Sends a quiet window: no events, complete to its end. Quick, so the
 * lease taken before it still holds. */
static int s_collect_quiet(collector_t *self, const dp_collect_t *req)
{
    gh_client_reset(self->gh);
    long points = self->stats.graphql_points;
    memset(&self->stats, 0, sizeof self->stats);
    self->stats.graphql_points = points;
    self->stats.rl_remaining = self->stats.rl_limit = -1;
    s_pending_add(self, req);
    self->complete_until = req->win_to;
    gh_events_t none = {0};
    dp_log(DP_LOG_DEBUG, "%s %lld..%lld: no change; not listed", req->repo,
           (long long)req->win_from, (long long)req->win_to);
    s_emit(self, req, &none);
    gh_events_clear(&none);
    return 0;
}

/* Collects a window: empty when it is known to be quiet, else listed. */
static int s_collect(collector_t *self, const dp_collect_t *req)
{
    if (s_quiet(self, req))
        return s_collect_quiet(self, req);
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
