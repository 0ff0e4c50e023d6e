/* rules.h - topic rules in Mergify's condition language, and categories */
/* SPDX-License-Identifier: MIT */
#ifndef RULES_H
#define RULES_H

#include <jansson.h>
#include <stdbool.h>

#include "dp_err.h"
#include "dp_proto.h"

typedef struct rules_t rules_t;

/* Builds rules from a parsed rules document:
 *
 *   topics:
 *     amd:
 *       title: AMD/ROCm          # shown in reports
 *       short: AMD               # shown where the report is terse
 *       any:                     # or "all:"; items may nest {any: [...]}
 *         - label=rocm
 *         - title~=(?i)\b(ROCm|AMD)\b
 *         - -author=dependabot[bot]
 *   categories:                  # optional; extends the built-in table
 *     tags: {"[Perf]": performance}
 *     labels: {performance: performance}
 *
 * Conditions: label=, label~=, title~=, title=, body~=, files=, files~=,
 * author=, author~=; a leading '-' negates. Regexes are PCRE2, as written.
 * Returns NULL with one line in err naming the topic and the condition
 * that is wrong. */
rules_t *rules_new(const json_t *doc, char *err, size_t errlen);

/* Frees the rules. Idempotent. */
void rules_destroy(rules_t **self_p);

/* Number of topics. */
size_t rules_topic_count(const rules_t *self);

/* Topic id, title and short name of topic i (borrowed). */
const char *rules_topic_id(const rules_t *self, size_t i);
const char *rules_topic_title(const rules_t *self, size_t i);
const char *rules_topic_short(const rules_t *self, size_t i);

/* Matches the item of an event against every topic. For each topic that
 * matches, appends its id to topics and the reason to reasons ("label
 * `rocm`", "title matches `ROCm`", "path `vllm/platforms/rocm.py`"). */
void rules_match(const rules_t *self, const dp_event_t *ev, dp_strs_t *topics,
                 dp_strs_t *reasons);

/* The category of an item from its title tags, then its labels:
 * bugfix, feature, performance, model, kernel, core, frontend, docs, ci,
 * hardware, misc, ... or "other". Borrowed string. */
const char *rules_category(const rules_t *self, const dp_event_t *ev);

#endif
