/* summarizer.c - the summarizer engine: a window's events to its digest */
/* SPDX-License-Identifier: MIT */
#include "summarizer.h"

#include <assert.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "digest.h"
#include "dp_bus.h"
#include "dp_json.h"
#include "dp_ledger.h"
#include "dp_log.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"
#include "dp_topics.h"
#include "trend.h"
#include "writer.h"

#define SUMMARIZER_POLL_MS 500
#define SUMMARIZER_BATCH 256
#define SUMMARIZER_FRAME_KEEP 65536 /* largest frame buffer kept for reuse */
#define SUMMARIZER_KEY_MAX 1024
#define SUMMARIZER_STORE_WAIT_MS 60000 /* how long Redis may be away */
#define SUMMARIZER_STORE_RETRY_MS 200
#define SUMMARIZER_ITEMS_BATCH 512   /* items of a cut list per round trip */
#define SUMMARIZER_SCAN_PAGE 1000    /* stored events read at once (HSCAN) */
#define SUMMARIZER_POOL_CHUNK 262144 /* bytes of the string pool at once */
#define SUMMARIZER_POOL_SLOTS 1024   /* first size of a hash table */
#define SUMMARIZER_FNV UINT64_C(14695981039346656037)

struct summarizer_t {
    summarizer_cfg_t cfg;
    json_t *rules; /* the rules document: topic titles per repository */
    dp_store_t *store;
    dp_bus_t *bus;
    dp_sock_t *in, *out, *pub;
    long bad; /* bad frames dropped */
};

/* A window touched by the current batch, and whether to digest it. */
typedef struct {
    char key[SUMMARIZER_KEY_MAX];  /* "repo:from:to", for logs */
    char repo[SUMMARIZER_KEY_MAX]; /* the window, for the ledger */
    dp_ledger_win_t win;           /* win.repo points to repo */
    bool force;                    /* a WINDOW message arrived */
    bool grew;                     /* a new event arrived */
} s_touch_t;

static void s_touch(s_touch_t *touched, size_t *n, const char *key,
                    const dp_ledger_win_t *w, bool force, bool grew)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp(touched[i].key, key)) {
            touched[i].force |= force;
            touched[i].grew |= grew;
            return;
        }
    }
    if (*n == SUMMARIZER_BATCH)
        return; /* cannot happen: one entry per message at most */
    s_touch_t *t = &touched[*n];
    snprintf(t->key, sizeof t->key, "%s", key);
    snprintf(t->repo, sizeof t->repo, "%s", w->repo ? w->repo : "");
    t->win = (dp_ledger_win_t){.repo = t->repo, .from = w->from, .to = w->to};
    t->force = force;
    t->grew = grew;
    (*n)++;
}

/* ==== Storing what arrives ==== */

/* The window a stored message belongs to. */
static dp_ledger_win_t s_win_of(const dp_msg_t *msg)
{
    if (msg->type == DP_MSG_CLASSIFIED)
        return (dp_ledger_win_t){.repo = msg->u.classified.repo,
                                 .from = msg->u.classified.win_from,
                                 .to = msg->u.classified.win_to};
    return (dp_ledger_win_t){.repo = msg->u.window.repo,
                             .from = msg->u.window.win_from,
                             .to = msg->u.window.win_to};
}

/* The messages of one batch, as received, to be stored together. */
typedef struct {
    dp_buf_t frames[SUMMARIZER_BATCH]; /* the frames; buffers are reused */
    dp_msg_t msgs[SUMMARIZER_BATCH];   /* decoded, cleared after storing */
    dp_ledger_put_t puts[SUMMARIZER_BATCH];
    size_t count;
} s_batch_t;

/* Stores the batch in one round trip, waiting for Redis to come back when
 * it is away (bounded, and not past a shutdown): what arrived is not
 * dropped for want of a store. Notes each message's window as touched:
 * grown when a new event arrived, forced when the WINDOW message itself
 * arrived. */
static void s_store(summarizer_t *self, s_batch_t *b, s_touch_t *touched,
                    size_t *ntouched)
{
    for (size_t i = 0; i < b->count; i++) {
        const dp_msg_t *msg = &b->msgs[i];
        const char *id = NULL; /* a WINDOW frame */
        if (msg->type == DP_MSG_CLASSIFIED)
            id = msg->u.classified.id ? msg->u.classified.id : "";
        b->puts[i] = (dp_ledger_put_t){
            .win = s_win_of(msg),
            .id = id,
            .frame = b->frames[i].data ? b->frames[i].data : "",
            .len = b->frames[i].len};
    }
    long long until = dp_service_now_ms() + SUMMARIZER_STORE_WAIT_MS;
    bool retried = false;
    while (dp_ledger_put_batch(self->store, dp_time_now(), b->puts, b->count) <
           0) {
        if (dp_service_interrupted() || dp_service_now_ms() > until) {
            dp_log(DP_LOG_ERROR,
                   "cannot store %zu messages; their windows will be "
                   "replayed",
                   b->count);
            return;
        }
        if (!retried)
            dp_log(DP_LOG_WARN, "redis unavailable: holding on to the "
                                "messages until it is back");
        retried = true;
        if (dp_service_sleep_ms(SUMMARIZER_STORE_RETRY_MS) < 0)
            return; /* a stop: the windows will be replayed */
    }
    char wkey[SUMMARIZER_KEY_MAX] = "";
    for (size_t i = 0; i < b->count; i++) {
        const dp_ledger_put_t *p = &b->puts[i];
        /* A batch holds the events of a window or a few: its name is
         * written once per run of the same window. */
        if (i == 0 || !dp_ledger_win_same(&p->win, &b->puts[i - 1].win))
            dp_ledger_name(wkey, sizeof wkey, &p->win);
        /* A try that failed may have stored some: they count as new. */
        bool grew = p->id && (p->grew || retried);
        s_touch(touched, ntouched, wkey, &p->win, !p->id, grew);
    }
}

/* ==== Digesting a complete window ==== */

/* The summaries of up to DP_LEDGER_HISTORY windows before w, newest first,
 * as long as they are contiguous. */
static json_t *s_previous(summarizer_t *self, const dp_ledger_win_t *w)
{
    json_t *prev = json_array();
    for (int k = 1; k <= DP_LEDGER_HISTORY; k++) {
        dp_buf_t buf = DP_BUF_INIT;
        if (dp_ledger_get_summary(self->store, w, k, &buf) == 0) {
            json_t *s = dp_json_parse(buf.data, buf.len, NULL, 0);
            if (s)
                json_array_append_new(prev, s);
        }
        dp_buf_free(&buf);
        if (json_array_size(prev) < (size_t)k)
            break; /* keep the history contiguous */
    }
    return prev;
}

static void s_remember(summarizer_t *self, const dp_ledger_win_t *w,
                       const json_t *digest)
{
    json_t *s = digest_summary(digest);
    char *text = json_dumps(s, JSON_SORT_KEYS | JSON_COMPACT);
    if (text && dp_ledger_put_summary(self->store, w, dp_time_now(), text,
                                      strlen(text)) < 0)
        dp_log(DP_LOG_WARN, "cannot keep the summary of %s", w->repo);
    free(text);
    json_decref(s);
}

/* The sink of a capped digest: the items of the lists it cut, stored in
 * batches in the window's items hash (dp_ledger_put_items). */
typedef struct {
    dp_store_t *store;
    const dp_ledger_win_t *win;
    int64_t rev, now;
    size_t stored;                       /* items stored so far */
    char *lines[SUMMARIZER_ITEMS_BATCH]; /* compact JSON, owned */
    size_t lens[SUMMARIZER_ITEMS_BATCH];
    size_t n;    /* lines waiting */
    bool failed; /* a batch could not be stored */
} s_items_t;

static void s_items_flush(s_items_t *it)
{
    if (it->n == 0)
        return;
    if (!it->failed &&
        dp_ledger_put_items(it->store, it->win, it->rev, it->now, it->stored,
                            (const char *const *)it->lines, it->lens,
                            it->n) < 0) {
        dp_log(DP_LOG_WARN, "cannot store the item lists of %s", it->win->repo);
        it->failed = true;
    }
    for (size_t i = 0; i < it->n; i++)
        free(it->lines[i]);
    it->stored += it->n;
    it->n = 0;
}

static void s_items_sink(void *arg, const json_t *item)
{
    s_items_t *it = arg;
    char *line = json_dumps(item, JSON_SORT_KEYS | JSON_COMPACT);
    if (!line)
        line = strdup("null");
    it->lines[it->n] = line;
    it->lens[it->n++] = line ? strlen(line) : 0;
    if (it->n == SUMMARIZER_ITEMS_BATCH)
        s_items_flush(it);
}

/* ==== Loading a window's events, compactly ==== */

/* The events of a window as the digest reads them, in bounded memory: the
 * frames are read a page at a time (HSCAN), and each decoded event keeps
 * only what digest.c uses. Strings that repeat (logins, kinds, states,
 * labels, and the title, URL and body every event of an item carries) are
 * stored once in a pool; a body only for pull requests (the key changes
 * show it); a comment's text only while it can still be the quote of its
 * author on its item (digest.c: the first text of each person on each
 * item, in time order, then by id); the changed paths only as a count. */
typedef struct {
    char **slots; /* interned strings, open addressing */
    size_t cap, used;
    char **chunks; /* the pool's memory, freed at the end */
    size_t nchunks;
    char *free_at; /* room left in the last chunk */
    size_t left;
} s_pool_t;

/* Who said something first on an item: the event whose text is kept. */
typedef struct {
    int64_t number;
    const char *actor; /* interned, so compared by address */
    long ev;           /* index into the events, -1: free slot */
} s_quote_t;

typedef struct {
    s_pool_t pool;
    dp_classified_t *evs; /* the events, their strings in the pool */
    long n, cap;
    s_quote_t *quotes; /* open addressing */
    size_t qcap, qused;
} s_load_t;

static uint64_t s_hash(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h;
}

/* Room for size bytes in the pool, aligned for a pointer when align. */
static char *s_pool_alloc(s_pool_t *pool, size_t size, bool align)
{
    size_t pad =
        align ? (size_t)(-(uintptr_t)pool->free_at & (sizeof(void *) - 1)) : 0;
    if (size + pad > pool->left) {
        size_t n = size > SUMMARIZER_POOL_CHUNK ? size : SUMMARIZER_POOL_CHUNK;
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

/* A copy of len bytes (and a NUL) in the pool. */
static char *s_pool_copy(s_pool_t *pool, const char *s, size_t len)
{
    char *out = s_pool_alloc(pool, len + 1, false);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* The pool's copy of s, the same one for equal strings; NULL for NULL. */
static char *s_intern(s_pool_t *pool, const char *s)
{
    if (!s)
        return NULL;
    if (2 * (pool->used + 1) > pool->cap) {
        size_t cap = pool->cap ? 2 * pool->cap : SUMMARIZER_POOL_SLOTS;
        char **slots = dp_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < pool->cap; i++) {
            if (!pool->slots[i])
                continue;
            size_t k =
                s_hash(pool->slots[i], strlen(pool->slots[i]), SUMMARIZER_FNV) &
                (cap - 1);
            while (slots[k])
                k = (k + 1) & (cap - 1);
            slots[k] = pool->slots[i];
        }
        dp_free(pool->slots);
        pool->slots = slots;
        pool->cap = cap;
    }
    size_t len = strlen(s);
    size_t k = s_hash(s, len, SUMMARIZER_FNV) & (pool->cap - 1);
    while (pool->slots[k] && strcmp(pool->slots[k], s) != 0)
        k = (k + 1) & (pool->cap - 1);
    if (!pool->slots[k]) {
        pool->slots[k] = s_pool_copy(pool, s, len);
        pool->used++;
    }
    return pool->slots[k];
}

/* A list whose strings are interned, its array in the pool. */
static dp_strs_t s_intern_list(s_pool_t *pool, const dp_strs_t *list)
{
    dp_strs_t out = {NULL, list->count};
    if (!list->count)
        return out;
    out.items = (char **)(void *)s_pool_alloc(
        pool, list->count * sizeof *out.items, true);
    for (size_t i = 0; i < list->count; i++)
        out.items[i] = s_intern(pool, list->items[i]);
    return out;
}

/* True when event a comes before event b in time order (then by id), as
 * digest.c sorts the events of one item. */
static bool s_before(const dp_classified_t *a, const dp_classified_t *b)
{
    if (a->at != b->at)
        return a->at < b->at;
    return strcmp(a->id ? a->id : "", b->id ? b->id : "") < 0;
}

/* Keeps ev's text when it is the first of its author on its item so far,
 * and drops the text it replaces. */
static void s_keep_quote(s_load_t *l, long ev)
{
    dp_classified_t *e = &l->evs[ev];
    if (2 * (l->qused + 1) > l->qcap) {
        size_t cap = l->qcap ? 2 * l->qcap : SUMMARIZER_POOL_SLOTS;
        s_quote_t *q = dp_calloc(cap, sizeof *q);
        for (size_t i = 0; i < cap; i++)
            q[i].ev = -1;
        for (size_t i = 0; i < l->qcap; i++) {
            if (l->quotes[i].ev < 0)
                continue;
            uint64_t h = s_hash(&l->quotes[i].number, sizeof(int64_t),
                                (uint64_t)(uintptr_t)l->quotes[i].actor);
            size_t k = h & (cap - 1);
            while (q[k].ev >= 0)
                k = (k + 1) & (cap - 1);
            q[k] = l->quotes[i];
        }
        dp_free(l->quotes);
        l->quotes = q;
        l->qcap = cap;
    }
    uint64_t h =
        s_hash(&e->number, sizeof(int64_t), (uint64_t)(uintptr_t)e->actor);
    size_t k = h & (l->qcap - 1);
    while (l->quotes[k].ev >= 0 &&
           (l->quotes[k].number != e->number || l->quotes[k].actor != e->actor))
        k = (k + 1) & (l->qcap - 1);
    s_quote_t *q = &l->quotes[k];
    if (q->ev < 0) {
        *q = (s_quote_t){e->number, e->actor, ev};
        l->qused++;
        return;
    }
    dp_classified_t *kept = &l->evs[q->ev];
    if (s_before(e, kept)) {
        dp_free(kept->text);
        kept->text = NULL;
        q->ev = ev;
    } else {
        dp_free(e->text);
        e->text = NULL;
    }
}

/* Adds a decoded event as the digest needs it; takes its text. */
static void s_keep(s_load_t *l, dp_classified_t *c)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : SUMMARIZER_BATCH;
        l->evs = dp_realloc(l->evs, (size_t)l->cap * sizeof *l->evs);
    }
    s_pool_t *p = &l->pool;
    dp_classified_t *e = &l->evs[l->n];
    *e = (dp_classified_t){0};
    e->id = c->id ? s_pool_copy(p, c->id, strlen(c->id)) : NULL;
    e->kind = s_intern(p, c->kind);
    e->at = c->at;
    e->actor = s_intern(p, c->actor);
    e->actor_assoc = s_intern(p, c->actor_assoc);
    e->review_state = s_intern(p, c->review_state);
    e->number = c->number;
    e->is_pr = c->is_pr;
    e->title = s_intern(p, c->title);
    e->body = c->is_pr ? s_intern(p, c->body) : NULL;
    e->url = s_intern(p, c->url);
    e->author = s_intern(p, c->author);
    e->author_type = s_intern(p, c->author_type);
    e->author_assoc = s_intern(p, c->author_assoc);
    e->labels = s_intern_list(p, &c->labels);
    e->state = s_intern(p, c->state);
    e->draft = c->draft;
    e->created_at = c->created_at;
    e->updated_at = c->updated_at;
    e->closed_at = c->closed_at;
    e->merged_at = c->merged_at;
    e->comments = c->comments;
    e->reactions = c->reactions;
    e->additions = c->additions;
    e->deletions = c->deletions;
    e->files = (dp_strs_t){NULL, c->files.count};
    e->topics = s_intern_list(p, &c->topics);
    e->reasons = s_intern_list(p, &c->reasons);
    e->category = s_intern(p, c->category);
    e->bot = c->bot;
    e->hotness = c->hotness;
    bool talk =
        c->kind && (!strcmp(c->kind, "comment") || !strcmp(c->kind, "review"));
    if (talk && !c->bot && c->text && *c->text) {
        e->text = c->text; /* taken */
        c->text = NULL;
        s_keep_quote(l, l->n);
    }
    l->n++;
}

static void s_load_free(s_load_t *l)
{
    for (long i = 0; i < l->n; i++)
        dp_free(l->evs[i].text);
    dp_free(l->evs);
    for (size_t i = 0; i < l->pool.nchunks; i++)
        dp_free(l->pool.chunks[i]);
    dp_free(l->pool.chunks);
    dp_free(l->pool.slots);
    dp_free(l->quotes);
    memset(l, 0, sizeof *l);
}

/* Loads the window's events into l, a page at a time; returns how many,
 * or -1 when Redis fails. */
static long s_load_events(summarizer_t *self, const s_touch_t *t, s_load_t *l)
{
    char cursor[DP_LEDGER_CURSOR_MAX] = "0";
    do {
        redisReply *page = NULL;
        if (dp_ledger_scan_events(self->store, &t->win, cursor,
                                  SUMMARIZER_SCAN_PAGE, &page) < 0)
            return -1;
        for (size_t i = 1; i < page->elements; i += 2) {
            const redisReply *e = page->element[i];
            dp_msg_t msg = {0};
            char err[256];
            if (e->type != REDIS_REPLY_STRING ||
                dp_msg_decode(e->str, e->len, (size_t)self->cfg.max_frame, &msg,
                              err, sizeof err) < 0 ||
                msg.type != DP_MSG_CLASSIFIED) {
                dp_log(DP_LOG_WARN, "skipped an unreadable stored event of %s",
                       t->key);
            } else {
                s_keep(l, &msg.u.classified);
            }
            if (msg.type)
                dp_msg_clear(&msg);
        }
        freeReplyObject(page);
    } while (strcmp(cursor, "0") != 0);
    return l->n;
}

static void s_digest_window(summarizer_t *self, const s_touch_t *t)
{
    dp_buf_t frame = DP_BUF_INIT;
    dp_msg_t meta = {0};
    char err[256];
    if (dp_ledger_get_window(self->store, &t->win, &frame) < 0 ||
        dp_msg_decode(frame.data, frame.len, (size_t)self->cfg.max_frame, &meta,
                      err, sizeof err) < 0 ||
        meta.type != DP_MSG_WINDOW) {
        dp_buf_free(&frame);
        dp_msg_clear(&meta);
        return; /* the WINDOW message has not arrived yet */
    }
    dp_buf_free(&frame);
    const dp_window_t *w = &meta.u.window;
    s_load_t load = {0};
    /* Counted before anything is read: a window whose events are still
     * arriving costs one HLEN per batch, not a reading of all of them. */
    long n = dp_ledger_count_events(self->store, &t->win);
    if (n >= 0 && n >= w->events) {
        load.cap = n + 1; /* HSCAN may give one twice: then it grows */
        load.evs = dp_calloc((size_t)load.cap, sizeof *load.evs);
        n = s_load_events(self, t, &load);
    }
    if (n < 0 || n < w->events) {
        dp_log(DP_LOG_DEBUG, "%s: %ld of %lld events so far", t->key, n,
               (long long)w->events);
        goto out;
    }
    if (n > self->cfg.max_events) {
        dp_log(DP_LOG_WARN,
               "%s: %ld events, over the bound of %ld; the "
               "digest keeps the first %ld",
               t->key, n, self->cfg.max_events, self->cfg.max_events);
        n = self->cfg.max_events;
    }
    dp_ledger_win_t zw = t->win; /* in its zone, to find the ones before */
    zw.zone = w->tz;
    json_t *prev = s_previous(self, &zw);
    char terr[256] = "";
    json_t *topics = dp_topics_resolve(self->rules, w->repo, terr, sizeof terr);
    if (!topics)
        dp_log(DP_LOG_WARN, "rules: %s; no topics for %s", terr, w->repo);
    s_items_t *items = dp_calloc(1, sizeof *items);
    *items = (s_items_t){.store = self->store,
                         .win = &t->win,
                         .rev = w->revision,
                         .now = dp_time_now()};
    digest_opts_t opts = {.topics = topics,
                          .previous = prev,
                          .unanswered_s = self->cfg.unanswered_s,
                          .list_cap = (size_t)self->cfg.list_cap,
                          .sink = s_items_sink,
                          .sink_arg = items};
    json_t *digest = digest_build_with(w, load.evs, (size_t)n, &opts);
    trend_attach(digest, w->history);
    s_items_flush(items);
    dp_free(items);
    json_decref(topics);
    json_decref(prev);
    writer_extractive(digest);
    s_remember(self, &zw, digest);
    char *text = json_dumps(digest, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(digest);
    if (text) {
        dp_msg_t out = {.type = DP_MSG_DIGEST};
        dp_digest_t *d = &out.u.digest;
        d->repo = w->repo;
        d->win_from = w->win_from;
        d->win_to = w->win_to;
        d->revision = w->revision;
        d->lang = w->lang;
        d->reply_to = w->reply_to;
        d->json = text;
        (void)dp_msg_emit(self->out, self->pub, &out);
        dp_log(DP_LOG_INFO, "%s: digest of %ld events", t->key, n);
        free(text);
    }
out:
    s_load_free(&load);
    dp_msg_clear(&meta);
}

/* ==== Service ==== */

summarizer_t *summarizer_new(const summarizer_cfg_t *cfg)
{
    assert(cfg);
    summarizer_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    char err[512] = "";
    json_t *rules = dp_yaml_load_file(cfg->rules_path, err, sizeof err);
    if (!rules) {
        dp_log(DP_LOG_ERROR, "rules %s: %s", cfg->rules_path, err);
        goto fail;
    }
    self->rules = rules;
    self->store = dp_store_new(cfg->redis_url, err, sizeof err);
    if (!self->store) {
        dp_log(DP_LOG_ERROR, "%s", err);
        goto fail;
    }
    self->bus = dp_bus_new();
    if (!self->bus)
        goto fail;
    self->in = dp_sock_new(self->bus, ZMQ_PULL, cfg->in_endpoint);
    self->out = dp_sock_new(self->bus, ZMQ_PUSH, cfg->out_endpoint);
    self->pub = dp_sock_new(self->bus, ZMQ_PUB, cfg->pub_endpoint);
    if (!self->in || !self->out || !self->pub)
        goto fail;
    return self;
fail:
    summarizer_destroy(&self);
    return NULL;
}

int summarizer_run(summarizer_t *self)
{
    assert(self);
    s_batch_t *batch = dp_calloc(1, sizeof *batch);
    s_touch_t *touched = dp_calloc(SUMMARIZER_BATCH, sizeof *touched);
    while (!dp_service_interrupted()) {
        size_t ntouched = 0;
        /* Take what is waiting, up to a batch, store it in one round trip,
         * then digest what completed. */
        batch->count = 0;
        for (int i = 0; i < SUMMARIZER_BATCH; i++) {
            dp_msg_t *msg = &batch->msgs[batch->count];
            /* Checked whole, kept in part: the frame itself is stored. */
            int rc = dp_msg_recv_head(
                self->in, NULL, &batch->frames[batch->count],
                (size_t)self->cfg.max_frame, i == 0 ? SUMMARIZER_POLL_MS : 0,
                msg, &self->bad);
            if (rc == DP_EAGAIN)
                break;
            if (rc < 0)
                continue;
            if (msg->type == DP_MSG_CLASSIFIED || msg->type == DP_MSG_WINDOW) {
                batch->count++; /* kept until it is stored */
                continue;
            }
            self->bad++;
            dp_log(DP_LOG_WARN, "ignored a %s message",
                   dp_msg_type_name(msg->type));
            dp_msg_clear(msg);
        }
        if (batch->count > 0)
            s_store(self, batch, touched, &ntouched);
        for (size_t i = 0; i < batch->count; i++) {
            dp_msg_clear(&batch->msgs[i]);
            if (batch->frames[i].cap > SUMMARIZER_FRAME_KEEP)
                dp_buf_free(&batch->frames[i]); /* a rare big one */
        }
        for (size_t i = 0; i < ntouched; i++)
            if (touched[i].force || touched[i].grew)
                s_digest_window(self, &touched[i]);
    }
    for (size_t i = 0; i < SUMMARIZER_BATCH; i++)
        dp_buf_free(&batch->frames[i]);
    dp_free(batch);
    dp_free(touched);
    return 0;
}

long summarizer_bad_frames(const summarizer_t *self)
{
    return self->bad;
}

void summarizer_destroy(summarizer_t **self_p)
{
    assert(self_p);
    summarizer_t *self = *self_p;
    if (!self)
        return;
    json_decref(self->rules);
    dp_store_destroy(&self->store);
    dp_bus_destroy(&self->bus);
    dp_free(self);
    *self_p = NULL;
}
