/* classifier.c - the classifier engine: events to classified events */
/* SPDX-License-Identifier: MIT */
#include "classifier.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_service.h"
#include "dp_topics.h"

#define CLASSIFIER_POLL_MS 500
/* Items whose classification is remembered: the events of one item (opened,
 * comments, reviews, closed) carry the same title, body, labels and files,
 * and usually arrive close together. Direct-mapped by a hash of what the
 * rules read; an item with more text than CLASSIFIER_MEMO_TEXT is not
 * kept, so the memory stays bounded (about 4 MiB at most). */
#define CLASSIFIER_MEMO_SLOTS 256
#define CLASSIFIER_MEMO_TEXT 16384
#define CLASSIFIER_FNV_OFFSET UINT64_C(14695981039346656037)
#define CLASSIFIER_FNV_PRIME UINT64_C(1099511628211)

/* What the rules read of an event (rules.h), and what they found. */
typedef struct {
    uint64_t hash;    /* 0: an empty slot */
    dp_event_t key;   /* repo, title, body, author, labels, files */
    uint64_t members; /* rules_memberships of the author at creation */
    int64_t when;     /* the creation itself, when those bits are not exact */
    dp_strs_t topics, reasons; /* rules_match's answer */
    const char *category;      /* rules_category's, borrowed from rules */
} s_memo_t;

struct classifier_t {
    classifier_cfg_t cfg;
    rules_t *rules;
    dp_bus_t *bus;
    dp_sock_t *in, *out, *pub;
    long bad;       /* bad frames dropped */
    s_memo_t *memo; /* CLASSIFIER_MEMO_SLOTS */
};

/* What is the event's own, not its item's: the bot flag and hotness. */
static void s_event_figures(const dp_event_t *ev, dp_classified_t *out)
{
    bool by_actor = ev->actor != NULL;
    out->bot = by_actor ? dp_is_bot(ev->actor, ev->actor_type)
                        : dp_is_bot(ev->author, ev->author_type);
    /* A bot's activity makes nothing hot. */
    out->hotness = out->bot ? 0 : ev->comments + ev->reactions;
}

/* ==== Remembering an item's classification ==== */

/* Mixes a word into h (FNV-1a's multiply, a word at a time, with a fold
 * so the high bits reach the slot index). */
static uint64_t s_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * CLASSIFIER_FNV_PRIME;
    return h ^ (h >> 29);
}

static uint64_t s_hash_str(uint64_t h, const char *s)
{
    /* NULL and "" differ, and the length ends each string. */
    if (!s)
        return s_mix(h, UINT64_MAX);
    size_t len = strlen(s), i = 0;
    for (; i + sizeof(uint64_t) <= len; i += sizeof(uint64_t)) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        h = s_mix(h, w);
    }
    uint64_t tail = 0;
    memcpy(&tail, s + i, len - i);
    return s_mix(s_mix(h, tail), (uint64_t)len);
}

static uint64_t s_hash_strs(uint64_t h, const dp_strs_t *l)
{
    h = s_mix(h, (uint64_t)l->count);
    for (size_t i = 0; i < l->count; i++)
        h = s_hash_str(h, l->items[i]);
    return h;
}

/* What the rules read of ev's time: the memberships of its author at the
 * item's creation (one hourly window's item and the next hour's get the
 * same answer), and the time itself when those bits are not exact. */
static void s_time_key(const rules_t *rules, const dp_event_t *ev,
                       uint64_t *members, int64_t *when)
{
    bool exact;
    *members = rules_memberships(rules, ev, &exact);
    *when = exact ? 0 : ev->created_at ? ev->created_at : ev->at;
}

/* The hash of what the rules read of ev, never 0. */
static uint64_t s_memo_hash(const dp_event_t *ev, uint64_t members,
                            int64_t when)
{
    uint64_t h = CLASSIFIER_FNV_OFFSET;
    h = s_hash_str(h, ev->repo);
    h = s_hash_str(h, ev->title);
    h = s_hash_str(h, ev->body);
    h = s_hash_str(h, ev->author);
    h = s_hash_strs(h, &ev->labels);
    h = s_hash_strs(h, &ev->files);
    h = s_mix(s_mix(h, members), (uint64_t)when);
    return h ? h : 1;
}

static bool s_str_eq(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static bool s_strs_eq(const dp_strs_t *a, const dp_strs_t *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}

static bool s_memo_same(const s_memo_t *m, uint64_t hash, const dp_event_t *ev,
                        uint64_t members, int64_t when)
{
    return m->hash == hash && m->members == members && m->when == when &&
           s_str_eq(m->key.repo, ev->repo) &&
           s_str_eq(m->key.title, ev->title) &&
           s_str_eq(m->key.body, ev->body) &&
           s_str_eq(m->key.author, ev->author) &&
           s_strs_eq(&m->key.labels, &ev->labels) &&
           s_strs_eq(&m->key.files, &ev->files);
}

static void s_memo_clear(s_memo_t *m)
{
    dp_free(m->key.repo);
    dp_free(m->key.title);
    dp_free(m->key.body);
    dp_free(m->key.author);
    dp_strs_clear(&m->key.labels);
    dp_strs_clear(&m->key.files);
    dp_strs_clear(&m->topics);
    dp_strs_clear(&m->reasons);
    memset(m, 0, sizeof *m);
}

static void s_strs_copy(dp_strs_t *dst, const dp_strs_t *src)
{
    for (size_t i = 0; i < src->count; i++)
        dp_strs_push(dst, src->items[i]);
}

/* Keeps what the rules found for ev in m (which it empties first). */
static void s_memo_keep(s_memo_t *m, uint64_t hash, const dp_event_t *ev,
                        uint64_t members, int64_t when,
                        const dp_classified_t *out, const char *category)
{
    s_memo_clear(m);
    m->hash = hash;
    m->members = members;
    m->when = when;
    m->key.repo = dp_strdup(ev->repo);
    m->key.title = dp_strdup(ev->title);
    m->key.body = dp_strdup(ev->body);
    m->key.author = dp_strdup(ev->author);
    s_strs_copy(&m->key.labels, &ev->labels);
    s_strs_copy(&m->key.files, &ev->files);
    s_strs_copy(&m->topics, &out->topics);
    s_strs_copy(&m->reasons, &out->reasons);
    m->category = category;
}

/* Reads the rules for ev's item into topics and reasons and returns its
 * category (borrowed from the rules), or takes them from the memo when
 * the same item was read lately. */
static const char *s_item_class(classifier_t *self, const dp_event_t *ev,
                                dp_classified_t *out)
{
    size_t text =
        (ev->title ? strlen(ev->title) : 0) + (ev->body ? strlen(ev->body) : 0);
    uint64_t members = 0, hash = 0;
    int64_t when = 0;
    if (text <= CLASSIFIER_MEMO_TEXT) {
        s_time_key(self->rules, ev, &members, &when);
        hash = s_memo_hash(ev, members, when);
    }
    s_memo_t *m = hash ? &self->memo[hash % CLASSIFIER_MEMO_SLOTS] : NULL;
    if (m && s_memo_same(m, hash, ev, members, when)) {
        s_strs_copy(&out->topics, &m->topics);
        s_strs_copy(&out->reasons, &m->reasons);
        return m->category;
    }
    rules_match(self->rules, ev, &out->topics, &out->reasons);
    const char *category = rules_category(self->rules, ev);
    if (m)
        s_memo_keep(m, hash, ev, members, when, out, category);
    return category;
}

void classifier_classify_event(classifier_t *self, dp_msg_t *in,
                               dp_msg_t *out)
{
    assert(self && in && out && in->type == DP_MSG_EVENT);
    *out = (dp_msg_t){.type = DP_MSG_CLASSIFIED};
    dp_event_t *ev = &in->u.event;
    dp_classified_t *c = &out->u.classified;
    c->category = dp_strdup(s_item_class(self, ev, c));
    s_event_figures(ev, c);
    dp_msg_move_to_classified(in, out);
}

void classifier_classify(const rules_t *rules, const dp_event_t *ev,
                         dp_classified_t *out)
{
    dp_event_to_classified(ev, out);
    rules_match(rules, ev, &out->topics, &out->reasons);
    out->category = dp_strdup(rules_category(rules, ev));
    s_event_figures(ev, out);
}

classifier_t *classifier_new(const classifier_cfg_t *cfg)
{
    assert(cfg);
    classifier_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->memo = dp_calloc(CLASSIFIER_MEMO_SLOTS, sizeof *self->memo);
    char err[512] = "";
    json_t *doc = dp_topics_load_file(cfg->rules_path, err, sizeof err);
    if (doc) {
        self->rules = rules_new(doc, err, sizeof err);
        json_decref(doc);
    }
    if (!self->rules) {
        dp_log(DP_LOG_ERROR, "rules %s: %s", cfg->rules_path, err);
        goto fail;
    }
    dp_log(DP_LOG_INFO, "rules %s: %zu topics", cfg->rules_path,
           rules_topic_count(self->rules));
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
    classifier_destroy(&self);
    return NULL;
}

int classifier_run(classifier_t *self)
{
    assert(self);
    dp_buf_t frame = DP_BUF_INIT, sent = DP_BUF_INIT; /* reused */
    while (!dp_service_interrupted()) {
        dp_msg_t msg;
        if (dp_msg_recv(self->in, NULL, &frame, (size_t)self->cfg.max_frame,
                        CLASSIFIER_POLL_MS, &msg, &self->bad) < 0)
            continue;
        if (msg.type == DP_MSG_EVENT) {
            dp_msg_t out;
            classifier_classify_event(self, &msg, &out);
            /* The event's own bytes go on as they came, the
             * classification after them. */
            dp_buf_reset(&sent);
            if (dp_msg_encode_classified(frame.data, frame.len,
                                         &out.u.classified, &sent) == 0 ||
                dp_msg_encode(&out, &sent) == 0)
                (void)dp_msg_emit_frame(self->out, self->pub, &out, sent.data,
                                        sent.len);
            dp_msg_clear(&out);
        } else if (msg.type == DP_MSG_WINDOW) {
            (void)dp_msg_emit(self->out, self->pub, &msg);
        } else {
            self->bad++;
            dp_metrics_add(DP_M_REFUSED, "unexpected_type", 1);
            dp_log(DP_LOG_WARN, "ignored a %s message",
                   dp_msg_type_name(msg.type));
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
    dp_buf_free(&sent);
    return 0;
}

long classifier_bad_frames(const classifier_t *self)
{
    return self->bad;
}

void classifier_destroy(classifier_t **self_p)
{
    assert(self_p);
    classifier_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; self->memo && i < CLASSIFIER_MEMO_SLOTS; i++)
        s_memo_clear(&self->memo[i]);
    dp_free(self->memo);
    rules_destroy(&self->rules);
    dp_bus_destroy(&self->bus);
    dp_free(self);
    *self_p = NULL;
}
