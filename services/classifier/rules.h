/* rules.h - topic rules in Mergify's condition language, and categories */
/* SPDX-License-Identifier: MIT */
#ifndef RULES_H
#define RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_proto.h"

typedef struct rules_t rules_t;

/* Most reasons recorded for one topic of one item. */
#define RULES_REASONS_MAX 8

/* Builds rules from a parsed rules document (docs/rules.md has the whole
 * format, config/rules.yml the shipped default):
 *
 *   topics:
 *     amd:
 *       title: AMD/ROCm          # shown in reports
 *       short: AMD               # shown where the report is terse
 *       any:                     # or "all:"; items may nest {any: [...]}
 *         - label=rocm
 *         - title~=(?i)\b(ROCm|AMD)\b
 *         - affiliation=amd
 *         - -author=dependabot[bot]
 *   affiliations:                # organization -> logins, with dates
 *     amd:
 *       name: AMD                # optional; the id upper-cased otherwise
 *       members:                 # or the list directly under "amd:"
 *         - {login: x, from: 2024-01-01, to: 2025-12-31}
 *         - y                    # always
 *   repositories:                # per-repository topics (dp_topics.h)
 *     vllm-project/vllm: {topics: {...}, inherit: true}
 *   categories:                  # optional; extends the built-in table
 *     tags: {"[Perf]": performance}
 *     labels: {performance: performance}
 *
 * Conditions: label=, label~=, title=, title~=, body=, body~=, files=,
 * files~=, author=, author~=, affiliation=; a leading '-' negates.
 * Regexes are PCRE2, as written. affiliation=ORG holds when the item's
 * author was a member of ORG at the item's created_at (dates are whole
 * UTC days, both ends included, either end optional). Every topic set (the
 * defaults and each repository's) is checked. Returns NULL with one line
 * in err naming the topic (and repository) and what is wrong. */
rules_t *rules_new(const json_t *doc, char *err, size_t errlen);

/* Frees the rules. Idempotent. */
void rules_destroy(rules_t **self_p);

/* Number of default topics (those of a repository without an entry). */
size_t rules_topic_count(const rules_t *self);

/* Topic id, title and short name of default topic i (borrowed), or NULL
 * past the end. */
const char *rules_topic_id(const rules_t *self, size_t i);
const char *rules_topic_title(const rules_t *self, size_t i);
const char *rules_topic_short(const rules_t *self, size_t i);

/* Matches the item of an event against every topic of its repository
 * (ev->repo). For each topic that matches, appends one (topic, reason)
 * pair per reason: topics gets the id and reasons the reason at the same
 * index, so a topic with two reasons appears twice in a row. Reasons name
 * what matched: "label `rocm`", "title matches `ROCm`", "body matches
 * `gfx942`", "path `vllm/platforms/rocm.py`", "author `x`", "author `x`
 * (AMD)". Every condition that holds gives its reason (an any: list is
 * read to its end; a failed all: branch gives none), deduplicated, in
 * rule order, at most RULES_REASONS_MAX per topic; negated conditions
 * give none, and a topic that matched on those alone gets "rule
 * matched".
 * Every regex match runs under limits (PCRE2's match, depth and heap
 * limits, and a budget of steps for the whole subject), so a regex that
 * backtracks catastrophically on some text returns in well under a
 * second: that text counts as not matching that regex, the first such
 * miss of each regex is logged at WARN, and rules_regex_gave_up counts
 * them all. Not thread-safe: one rules_t serves one thread. */
void rules_match(const rules_t *self, const dp_event_t *ev, dp_strs_t *topics,
                 dp_strs_t *reasons);

/* What rules_match reads of an event's time, as bits: bit k is set when
 * the item's author was a member of affiliation k at the item's creation
 * (created_at, or at without it). Two events of one repository with the
 * same title, body, author, labels, files and bits get the same topics,
 * reasons and category. *exact is false when the rules have more than 64
 * affiliations: then the bits say nothing and the time itself counts. */
uint64_t rules_memberships(const rules_t *self, const dp_event_t *ev,
                           bool *exact);

/* How many regex matches gave up at a limit since rules_new. */
unsigned long rules_regex_gave_up(const rules_t *self);

/* How many regex matches the fast path decided since rules_new: a copy of
 * the regex without the step-counting callouts, run first on texts of at
 * most 16 KiB under a small match limit per start position (rules.c works
 * out its bound). A match it cannot finish within that limit runs
 * counted, as any longer text does. What it finishes is PCRE2's own
 * answer, so where the counted copy also finishes, the two agree; on a
 * text where the counted copy would spend its step budget but the fast
 * one finishes (a regex that costs just under the fast limit at every
 * position), the answer is PCRE2's rather than a give-up. */
unsigned long rules_regex_fast(const rules_t *self);

/* Sets the longest text (in bytes) that the fast path takes; 0 turns it
 * off, so every match runs counted. For tests and measurements: the
 * default is the one the bound in rules.c is worked out for, and a larger
 * value loosens that bound. */
void rules_set_fast_max(rules_t *self, size_t bytes);

/* The category of an item from its title tags ("[Bugfix]", "[Kernel]"; the
 * first known one wins) or a conventional-commit prefix ("fix:",
 * "feat(api):"), then its labels: bugfix, feature, performance, model,
 * kernel, core, frontend, docs, ci, tests, misc, hardware, quantization,
 * ... or "other". Borrowed string. */
const char *rules_category(const rules_t *self, const dp_event_t *ev);

#endif
