/* llm_writer.h - report sections written by a language model, checked */
/* SPDX-License-Identifier: MIT */
#ifndef LLM_WRITER_H
#define LLM_WRITER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dp_llm.h"
#include "dp_store.h"

/* After writer_extractive has filled a digest's sections, the LLM writer
 * asks the model for the summary, each hot discussion (core question,
 * views with who holds them, contention, conclusion), the reading and
 * impact of each key change, the trends and what is worth watching, in
 * the digest's language, with the prompts of prompts/<section>.<lang>.md.
 *
 * Inputs are bounded (LLM_WRITER_* below) and built from the digest's
 * facts; every string that came from GitHub travels inside one ```data
 * block (as JSON, with any run of three backticks broken), which the
 * system prompt says is data, never instructions.
 *
 * Each answer is cleaned and grounded (llm_ground.h). A rejected answer
 * gets one repair request that names what was wrong; when that fails too,
 * or the model is unreachable, or the report's token budget is spent, the
 * section keeps its extractive text. Only accepted answers are cached (the
 * accepted repair also under the first request, so a rerun of the window
 * makes no call). The digest records what happened: health.writer (the
 * model, when it wrote any section), health.llm_sections and health.llm
 * (see proto/README.md). */

#define LLM_WRITER_CHANGES_MAX 5  /* key changes read by the model */
#define LLM_WRITER_BODY_MAX 2000  /* bytes of a PR body given */
#define LLM_WRITER_QUOTE_MAX 600  /* bytes of a comment given */
#define LLM_WRITER_TITLE_MAX 200  /* bytes of a title given */
#define LLM_WRITER_LIST_MAX 10    /* items of each list in the summary */
#define LLM_WRITER_PEOPLE_MAX 8   /* participants of a thread given */
#define LLM_WRITER_SECTION_MAX 16 /* requests per report at most */

typedef struct llm_writer_t llm_writer_t;

/* Settings; borrowed for the call to llm_writer_new. */
typedef struct {
    const dp_llm_cfg_t *llm; /* the model (dp_llm_enabled holds) */
    const char *prompts_dir; /* holds <section>.<lang>.md */
    dp_store_t *cache;       /* the LLM cache, or NULL; must outlive the
                                writer */
    bool refresh;            /* ignore cached answers (--resummarize);
                                accepted ones are still cached */
} llm_writer_cfg_t;

/* Reads the prompts (zh and en) and creates the client. NULL on a missing
 * or unreadable prompt or a bad model setting, with one line in err. */
llm_writer_t *llm_writer_new(const llm_writer_cfg_t *cfg, char *err,
                             size_t errlen);

/* Rewrites the sections of digest that the model writes acceptably and
 * records what happened in digest.health. Never leaves a section without
 * text: what the model did not write stays extractive. */
void llm_writer_write(llm_writer_t *self, json_t *digest);

/* Frees the writer. Idempotent. */
void llm_writer_destroy(llm_writer_t **self_p);

#endif
