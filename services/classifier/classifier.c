/* classifier.c - the classifier engine: events to classified events */
/* SPDX-License-Identifier: MIT */
#include "classifier.h"

#include <assert.h>
#include <string.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_service.h"

#define CLASSIFIER_POLL_MS 500

struct classifier_t {
    classifier_cfg_t cfg;
    rules_t *rules;
    dp_bus_t *bus;
    dp_sock_t *in, *out, *pub;
    long bad; /* bad frames dropped */
};

void classifier_classify(const rules_t *rules, const dp_event_t *ev,
                         dp_classified_t *out)
{
    dp_event_to_classified(ev, out);
    rules_match(rules, ev, &out->topics, &out->reasons);
    out->category = dp_strdup(rules_category(rules, ev));
    bool by_actor = ev->actor != NULL;
    out->bot = by_actor ? dp_is_bot(ev->actor, ev->actor_type)
                        : dp_is_bot(ev->author, ev->author_type);
    /* A bot's activity makes nothing hot. */
    out->hotness = out->bot ? 0 : ev->comments + ev->reactions;
}

classifier_t *classifier_new(const classifier_cfg_t *cfg)
{
    assert(cfg);
    classifier_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    char err[512] = "";
    json_t *doc = dp_yaml_load_file(cfg->rules_path, err, sizeof err);
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
    dp_buf_t frame = DP_BUF_INIT;
    while (!dp_service_interrupted()) {
        dp_msg_t msg;
        if (dp_msg_recv(self->in, NULL, &frame, (size_t)self->cfg.max_frame,
                        CLASSIFIER_POLL_MS, &msg, &self->bad) < 0)
            continue;
        if (msg.type == DP_MSG_EVENT) {
            dp_msg_t out = {.type = DP_MSG_CLASSIFIED};
            classifier_classify(self->rules, &msg.u.event, &out.u.classified);
            (void)dp_msg_emit(self->out, self->pub, &out);
            dp_msg_clear(&out);
        } else if (msg.type == DP_MSG_WINDOW) {
            (void)dp_msg_emit(self->out, self->pub, &msg);
        } else {
            self->bad++;
            dp_log(DP_LOG_WARN, "ignored a %s message",
                   dp_msg_type_name(msg.type));
        }
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
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
    rules_destroy(&self->rules);
    dp_bus_destroy(&self->bus);
    dp_free(self);
    *self_p = NULL;
}
