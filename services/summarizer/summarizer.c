/* summarizer.c - the summarizer engine: a window's events to its digest */
/* SPDX-License-Identifier: MIT */
#include "summarizer.h"

#include <assert.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
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
#include "dp_metrics.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"
#include "dp_topics.h"
#include "llm_writer.h"
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
#define SUMMARIZER_TRIM_EVENTS 10000 /* a window this large trims the heap */
#define SUMMARIZER_MMAP_BYTES                                                  \
    131072                         /* blocks this large in their own pages     \
                                    */
#define SUMMARIZER_LIVE_WINDOWS 64 /* windows followed in memory */

/* A window whose events are kept in memory as they are stored, so that
 * completing it reads nothing back: its set holds every event this
 * process stored for it. A window past the budget, or one whose store was
 * retried, is dropped (set NULL, gone true) and read from Redis instead. */
typedef struct {
    char key[SUMMARIZER_KEY_MAX]; /* dp_ledger_name; "" for a free slot */
    digest_set_t *set;
    bool gone;      /* dropped: read from Redis at the end */
    long long used; /* for the eviction of the least recent */
} s_live_t;

struct summarizer_t {
    summarizer_cfg_t cfg;
    s_live_t live[SUMMARIZER_LIVE_WINDOWS];
    long live_events; /* events in all the live sets */
    long long clock;  /* counts uses of the live windows */
    json_t *rules;    /* the rules document: topic titles per repository */
    dp_store_t *store;
    dp_bus_t *bus;
    dp_sock_t *in, *out, *pub;
    llm_writer_t *llm; /* NULL: the extractive writer only */
    long bad;          /* bad frames dropped */
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

/* The live slot of a window, or NULL; with make, a slot is taken for it
 * (the least recently used one when all are taken). */
static s_live_t *s_live(summarizer_t *self, const char *key, bool make)
{
    s_live_t *lru = &self->live[0];
    for (size_t i = 0; i < SUMMARIZER_LIVE_WINDOWS; i++) {
        s_live_t *l = &self->live[i];
        if (l->key[0] && !strcmp(l->key, key)) {
            l->used = ++self->clock;
            return l;
        }
        if (!l->key[0] || (lru->key[0] && l->used < lru->used))
            lru = l;
    }
    if (!make)
        return NULL;
    if (lru->set)
        self->live_events -= (long)digest_set_count(lru->set);
    digest_set_free(&lru->set);
    snprintf(lru->key, sizeof lru->key, "%s", key);
    lru->gone = false;
    lru->used = ++self->clock;
    return lru;
}

/* Frees a live window's set; with forget, its slot too. */
static void s_live_drop(summarizer_t *self, s_live_t *l, bool forget)
{
    if (l->set)
        self->live_events -= (long)digest_set_count(l->set);
    digest_set_free(&l->set);
    l->gone = true;
    if (forget)
        l->key[0] = '\0';
}

/* Adds a stored event to its window's live set: new ids only, so the set
 * holds each event of the window once, as Redis does. ev is the event as
 * it was received, decoded once (the set copies what it keeps). */
static void s_live_add(summarizer_t *self, const char *key,
                       const dp_ledger_put_t *p, const dp_classified_t *ev,
                       bool retried)
{
    s_live_t *l = s_live(self, key, true);
    if (l->gone)
        return;
    if (retried || self->live_events >= self->cfg.live_events) {
        s_live_drop(self, l, false); /* Redis has them all */
        return;
    }
    if (!p->grew)
        return; /* stored before: in the set, or read back at the end */
    if (!l->set)
        l->set = digest_set_new(SUMMARIZER_BATCH, false);
    digest_set_add(l->set, ev);
    self->live_events++;
}

/* Sends the batch to Redis in one write (dp_ledger_put_send): it is
 * stored while the next batch is received; s_store_finish reads the
 * replies. */
static void s_store_start(summarizer_t *self, s_batch_t *b)
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
    dp_ledger_put_send(self->store, dp_time_now(), b->puts, b->count);
}

/* Reads the replies of the batch s_store_start sent, storing it again and
 * waiting for Redis to come back when it is away (bounded, and not past a
 * shutdown): what arrived is not dropped for want of a store. Notes each
 * message's window as touched: grown when a new event arrived, forced when
 * the WINDOW message itself arrived. */
static void s_store_finish(summarizer_t *self, s_batch_t *b,
                           s_touch_t *touched, size_t *ntouched)
{
    long long until = dp_service_now_ms() + SUMMARIZER_STORE_WAIT_MS;
    bool retried = false;
    while (dp_ledger_put_collect(self->store, b->puts, b->count) < 0) {
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
        dp_ledger_put_send(self->store, dp_time_now(), b->puts, b->count);
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
        if (p->id)
            s_live_add(self, wkey, p, &b->msgs[i].u.classified, retried);
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
        int rc = dp_ledger_get_summary(self->store, w, k, &buf);
        if (rc == 0) {
            json_t *s = dp_json_parse(buf.data, buf.len, NULL, 0);
            if (s)
                json_array_append_new(prev, s);
        }
        dp_buf_free(&buf);
        if (rc == DP_EREDIS) {
            json_decref(prev); /* not the same as no history */
            return NULL;
        }
        if (json_array_size(prev) < (size_t)k)
            break; /* keep the history contiguous */
    }
    return prev;
}

/* Keeps the summary the next windows compare with: 0 or DP_EREDIS. */
static int s_remember(summarizer_t *self, const dp_ledger_win_t *w,
                      const json_t *digest)
{
    json_t *s = digest_summary(digest);
    char *text = dp_json_dumps(s, JSON_SORT_KEYS | JSON_COMPACT);
    int rc = text ? dp_ledger_put_summary(self->store, w, dp_time_now(), text,
                                          strlen(text))
                  : DP_EREDIS;
    free(text);
    json_decref(s);
    return rc < 0 ? DP_EREDIS : 0;
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
        dp_free(it->lines[i]);
    it->stored += it->n;
    it->n = 0;
}

static void s_items_sink(void *arg, const char *json, size_t len)
{
    s_items_t *it = arg;
    it->lines[it->n] = dp_strndup(json, len);
    it->lens[it->n++] = len;
    if (it->n == SUMMARIZER_ITEMS_BATCH)
        s_items_flush(it);
}

/* ==== Loading a window's events, compactly ==== */

/* Adds the window's events to set, a page at a time (HSCAN), up to max of
 * them; returns how many are stored, or -1 when Redis fails. */
static long s_load_events(summarizer_t *self, const s_touch_t *t,
                          digest_set_t *set, long max)
{
    char cursor[DP_LEDGER_CURSOR_MAX] = "0";
    long n = 0;
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
            } else if (n++ < max) {
                digest_set_add(set, &msg.u.classified);
            }
            if (msg.type)
                dp_msg_clear(&msg);
        }
        freeReplyObject(page);
    } while (strcmp(cursor, "0") != 0);
    return n;
}

/* The texts the digest shows and the set did not keep (digest_text_fn):
 * read back from the window's stored events by id. */
typedef struct {
    summarizer_t *self;
    const dp_ledger_win_t *win;
    bool failed; /* a counted event could not be read back */
} s_texts_t;

static char *s_text_of(void *arg, const char *id, bool body)
{
    s_texts_t *tx = arg;
    dp_buf_t frame = DP_BUF_INIT;
    dp_msg_t msg = {0};
    char err[256];
    char *out = NULL;
    if (dp_ledger_get_event(tx->self->store, tx->win, id, &frame) < 0) {
        tx->failed = true; /* Redis away, or it lost what it had */
        goto out;
    }
    if (dp_msg_decode(frame.data, frame.len, (size_t)tx->self->cfg.max_frame,
                      &msg, err, sizeof err) < 0)
        goto out;
    if (msg.type == DP_MSG_CLASSIFIED) {
        const char *text = body ? msg.u.classified.body : msg.u.classified.text;
        out = text ? dp_strdup(text) : NULL; /* the message's block goes */
    }
    dp_msg_clear(&msg);
out:
    dp_buf_free(&frame);
    return out;
}

/* Digests the window t when all its events are stored, and sends the
 * DIGEST. Returns 0, also when the window is not complete yet; DP_EREDIS
 * when Redis failed on the way: then nothing is sent, for a digest built
 * on a partial read (a text, the history, the cut lists) would differ from
 * the one the events make. */
static int s_digest_window(summarizer_t *self, const s_touch_t *t)
{
    dp_buf_t frame = DP_BUF_INIT;
    dp_msg_t meta = {0};
    char err[256];
    int rc = dp_ledger_get_window(self->store, &t->win, &frame);
    if (rc < 0 ||
        dp_msg_decode(frame.data, frame.len, (size_t)self->cfg.max_frame, &meta,
                      err, sizeof err) < 0 ||
        meta.type != DP_MSG_WINDOW) {
        dp_buf_free(&frame);
        dp_msg_clear(&meta);
        /* else the WINDOW message has not arrived yet */
        return rc == DP_EREDIS ? DP_EREDIS : 0;
    }
    rc = 0;
    dp_buf_free(&frame);
    const dp_window_t *w = &meta.u.window;
    digest_set_t *set = NULL;
    /* Counted before anything is read: a window whose events are still
     * arriving costs one HLEN per batch, not a reading of all of them. */
    long n = dp_ledger_count_events(self->store, &t->win);
    s_live_t *live = s_live(self, t->key, false);
    if (live && live->set && n >= w->events &&
        (long)digest_set_count(live->set) == n && n <= self->cfg.max_events) {
        set = live->set; /* every stored event, in memory already */
        live->set = NULL;
        self->live_events -= n;
    } else if (n >= 0 && n >= w->events) {
        long max = self->cfg.max_events;
#ifdef __GLIBC__
        /* What receiving left free goes back first: a large set is in
         * fresh pages (mmap), not in the heap's free space. */
        if (n >= SUMMARIZER_TRIM_EVENTS)
            malloc_trim(0);
#endif
        set = digest_set_new((size_t)(n < max ? n : max) + 1, false);
        n = s_load_events(self, t, set, max);
    }
    if (n < 0) {
        rc = DP_EREDIS;
        goto out;
    }
    if (n < w->events) {
        dp_log_window(DP_LOG_DEBUG, w->repo, w->win_from, w->win_to,
                      "%ld of %lld events so far", n, (long long)w->events);
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
    if (!prev) {
        rc = DP_EREDIS;
        goto out;
    }
    char terr[256] = "";
    json_t *topics = dp_topics_resolve(self->rules, w->repo, terr, sizeof terr);
    if (!topics)
        dp_log(DP_LOG_WARN, "rules: %s; no topics for %s", terr, w->repo);
    s_texts_t texts = {self, &t->win, false};
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
                          .sink_arg = items,
                          .text_of = s_text_of,
                          .text_arg = &texts};
    json_t *digest = digest_set_build(set, w, &opts);
    trend_attach(digest, w->history);
    s_items_flush(items);
    bool partial = texts.failed || items->failed;
    dp_free(items);
    json_decref(topics);
    json_decref(prev);
    if (partial) {
        json_decref(digest);
        rc = DP_EREDIS;
        goto out;
    }
    writer_extractive(digest);
    if (self->llm)
        llm_writer_write(self->llm, digest);
    /* Kept before it is sent: the next window finds it, or neither is. */
    if (s_remember(self, &zw, digest) < 0) {
        json_decref(digest);
        rc = DP_EREDIS;
        goto out;
    }
    char *text = dp_json_dumps(digest, JSON_SORT_KEYS | JSON_COMPACT);
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
        dp_metrics_add(DP_M_WINDOWS, "summarized", 1);
        dp_log_window(DP_LOG_INFO, w->repo, w->win_from, w->win_to,
                      "digest of %ld events", n);
        free(text);
    }
    json_decref(digest); /* once the DIGEST is on its way */
out:
    if (set && live) /* digested: the window is read from Redis if revised */
        s_live_drop(self, live, true);
    digest_set_free(&set);
    dp_msg_clear(&meta);
    return rc;
}

/* s_digest_window, tried again while Redis is away (bounded, and not past
 * a shutdown); past the bound, the window is left to the replay. */
static void s_digest_stored(summarizer_t *self, const s_touch_t *t)
{
    long long until = dp_service_now_ms() + SUMMARIZER_STORE_WAIT_MS;
    bool told = false;
    while (s_digest_window(self, t) == DP_EREDIS) {
        dp_metrics_add(DP_M_WINDOWS, "retried", 1);
        if (dp_service_interrupted() || dp_service_now_ms() > until ||
            dp_service_sleep_ms(SUMMARIZER_STORE_RETRY_MS) < 0) {
            dp_log(DP_LOG_ERROR,
                   "%s: redis failed while digesting; the window will be "
                   "replayed",
                   t->key);
            return;
        }
        if (!told)
            dp_log(DP_LOG_WARN,
                   "%s: redis failed while digesting; trying again when it "
                   "is back",
                   t->key);
        told = true;
    }
}

/* ==== Service ==== */

summarizer_t *summarizer_new(const summarizer_cfg_t *cfg)
{
    assert(cfg);
#ifdef __GLIBC__
    /* Large blocks (a window's events, its string pool) stay in their own
     * pages, given back when freed: a fixed threshold, so that freeing
     * one does not move the next into the heap (glibc raises a dynamic
     * one), where it would outlive its window. */
    mallopt(M_MMAP_THRESHOLD, SUMMARIZER_MMAP_BYTES);
#endif
    summarizer_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    char err[512] = "";
    json_t *rules = dp_topics_load_file(cfg->rules_path, err, sizeof err);
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
    if (cfg->llm && dp_llm_enabled(cfg->llm)) {
        llm_writer_cfg_t lc = {cfg->llm, cfg->prompts_dir, self->store,
                               cfg->llm_refresh};
        self->llm = llm_writer_new(&lc, err, sizeof err);
        if (!self->llm) {
            dp_log(DP_LOG_ERROR, "llm: %s", err);
            goto fail;
        }
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

/* Receives what is waiting into b, up to a batch, the first message
 * within timeout_ms. */
static void s_receive(summarizer_t *self, s_batch_t *b, int timeout_ms)
{
    b->count = 0;
    for (int i = 0; i < SUMMARIZER_BATCH; i++) {
        dp_msg_t *msg = &b->msgs[b->count];
        /* Decoded once: the frame is stored as it came, the message goes
         * to the window's live set. */
        int rc = dp_msg_recv(self->in, NULL, &b->frames[b->count],
                             (size_t)self->cfg.max_frame, i == 0 ? timeout_ms : 0,
                             msg, &self->bad);
        if (rc == DP_EAGAIN)
            break;
        if (rc < 0)
            continue;
        if (msg->type == DP_MSG_CLASSIFIED || msg->type == DP_MSG_WINDOW) {
            b->count++; /* kept until it is stored */
            continue;
        }
        self->bad++;
        dp_metrics_add(DP_M_REFUSED, "unexpected_type", 1);
        dp_log(DP_LOG_WARN, "ignored a %s message", dp_msg_type_name(msg->type));
        dp_msg_clear(msg);
    }
}

/* Finishes storing the batch b sent, frees its messages and digests the
 * windows it completed. */
static void s_finish(summarizer_t *self, s_batch_t *b, s_touch_t *touched)
{
    size_t ntouched = 0;
    s_store_finish(self, b, touched, &ntouched);
    for (size_t i = 0; i < b->count; i++) {
        dp_msg_clear(&b->msgs[i]);
        if (b->frames[i].cap > SUMMARIZER_FRAME_KEEP)
            dp_buf_free(&b->frames[i]); /* a rare big one */
    }
    b->count = 0;
    for (size_t i = 0; i < ntouched; i++)
        if (touched[i].force || touched[i].grew)
            s_digest_stored(self, &touched[i]);
}

int summarizer_run(summarizer_t *self)
{
    assert(self);
    /* Two batches: one is stored by Redis while the next is received. */
    s_batch_t *batch[2] = {dp_calloc(1, sizeof(s_batch_t)),
                           dp_calloc(1, sizeof(s_batch_t))};
    s_touch_t *touched = dp_calloc(SUMMARIZER_BATCH, sizeof *touched);
    s_batch_t *sent = NULL; /* the batch whose replies are on their way */
    int cur = 0;
    while (!dp_service_interrupted()) {
        if (!sent)
            dp_store_keepalive(self->store, DP_STORE_KEEPALIVE_MS);
        /* With a batch on its way, only what is waiting already: its
         * windows are not kept waiting for more. */
        s_receive(self, batch[cur], sent ? 0 : SUMMARIZER_POLL_MS);
        if (sent)
            s_finish(self, sent, touched);
        sent = NULL;
        if (batch[cur]->count > 0) {
            s_store_start(self, batch[cur]);
            sent = batch[cur];
            cur = 1 - cur;
        }
    }
    if (sent) /* stored before the stop */
        s_finish(self, sent, touched);
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < batch[k]->count; i++)
            dp_msg_clear(&batch[k]->msgs[i]);
        for (size_t i = 0; i < SUMMARIZER_BATCH; i++)
            dp_buf_free(&batch[k]->frames[i]);
        dp_free(batch[k]);
    }
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
    for (size_t i = 0; i < SUMMARIZER_LIVE_WINDOWS; i++)
        digest_set_free(&self->live[i].set);
    json_decref(self->rules);
    llm_writer_destroy(&self->llm);
    dp_store_destroy(&self->store);
    dp_bus_destroy(&self->bus);
    dp_free(self);
    *self_p = NULL;
}
