/* summarizer.h - the summarizer engine: a window's events to its digest */
/* SPDX-License-Identifier: MIT */
#ifndef SUMMARIZER_H
#define SUMMARIZER_H

#include <stdbool.h>

#include "dp_err.h"
#include "dp_llm.h"

typedef struct summarizer_t summarizer_t;

/* Settings; strings are borrowed for the life of the summarizer. */
typedef struct {
    const char *redis_url;    /* window store, ledger, history */
    const char *rules_path;   /* topic titles come from the rules file */
    const char *in_endpoint;  /* PULL: CLASSIFIED and WINDOW */
    const char *out_endpoint; /* PUSH: DIGEST to renderers */
    const char *pub_endpoint; /* PUB tap */
    long max_frame;           /* largest frame accepted */
    long max_events;          /* bound on events per window */
    long unanswered_s;        /* an issue waiting longer is worth watching */
    long list_cap;            /* items per digest list; 0: all (digest.h) */
    const dp_llm_cfg_t *llm;  /* the model (llm_writer.h), or NULL or not
                                 enabled: the extractive writer only */
    const char *prompts_dir;  /* the model's prompts */
    bool llm_refresh;         /* ignore cached answers (--resummarize) */
    long live_events;         /* events of arriving windows kept in memory,
                                 in all; 0: none, each is read back */
} summarizer_cfg_t;

/* Opens the store and sockets, and the LLM writer when a model is
 * configured. NULL on failure (logged). */
summarizer_t *summarizer_new(const summarizer_cfg_t *cfg);

/* Serves until interrupted. Returns 0. */
int summarizer_run(summarizer_t *self);

/* Bad frames dropped so far. */
long summarizer_bad_frames(const summarizer_t *self);

/* Destroys the summarizer. Idempotent. */
void summarizer_destroy(summarizer_t **self_p);

#endif
