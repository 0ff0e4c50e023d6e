/* classifier.h - the classifier engine: events to classified events */
/* SPDX-License-Identifier: MIT */
#ifndef CLASSIFIER_H
#define CLASSIFIER_H

#include "dp_err.h"
#include "dp_proto.h"
#include "rules.h"

typedef struct classifier_t classifier_t;

/* Settings; strings are borrowed for the life of the classifier. */
typedef struct {
    const char *rules_path;   /* YAML rules file */
    const char *in_endpoint;  /* PULL: EVENT and WINDOW */
    const char *out_endpoint; /* PUSH: CLASSIFIED and WINDOW to summarizers */
    const char *pub_endpoint; /* PUB tap */
    long max_frame;           /* largest frame accepted */
} classifier_cfg_t;

/* Loads the rules and opens the sockets. NULL on failure, with one line
 * naming the rules problem logged. */
classifier_t *classifier_new(const classifier_cfg_t *cfg);

/* Serves until interrupted. Returns 0. */
int classifier_run(classifier_t *self);

/* Classifies one event: topics with reasons (rules_match: one (topic,
 * reason) pair per reason), category, bot flag (the actor's for comments
 * and reviews, else the author's) and hotness. The hotness of an event is
 * the item's comment count plus its reactions as GitHub reports them, 0
 * for a bot's event; the report ranks its hot threads by the window's own
 * figures instead (digest.h). out is overwritten (not freed) and owned by
 * the caller. */
void classifier_classify(const rules_t *rules, const dp_event_t *ev,
                         dp_classified_t *out);

/* What classifier_run does with each EVENT: classifies ev as
 * classifier_classify does, but reads the rules once per item rather than
 * once per event (an item's comments and reviews repeat its title, body,
 * labels and files: the answer for the last CLASSIFIER_MEMO_SLOTS items is
 * kept, keyed by everything the rules read, rules_memberships included).
 * The strings of the EVENT message in move into out, a CLASSIFIED message
 * that is overwritten (not freed) and owned by the caller; in is left
 * empty. */
void classifier_classify_event(classifier_t *self, dp_msg_t *in,
                               dp_msg_t *out);

/* Bad frames dropped so far. */
long classifier_bad_frames(const classifier_t *self);

/* Destroys the classifier. Idempotent. */
void classifier_destroy(classifier_t **self_p);

#endif
