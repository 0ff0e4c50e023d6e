/* writer.h - the extractive writer: report sections from digest facts */
/* SPDX-License-Identifier: MIT */
#ifndef WRITER_H
#define WRITER_H

#include <jansson.h>
#include <stdbool.h>

#include "dp_mem.h"

/* Writes the "sections" member of a digest (see proto/README.md) in the
 * digest's language (zh or en) from its counts, lists, topics and facts.
 * Deterministic: the same digest always gives the same text. Untrusted
 * text (titles, logins, quotes) is neutralized with dp_text. */
void writer_extractive(json_t *digest);

/* Parts of the sections, for the LLM writer (llm_writer.h), in the
 * digest's language, appended to b; i indexes facts.hot or facts.changes
 * and must be in range. */

/* The first line of the hot discussions section (their count). */
void writer_hot_intro(dp_buf_t *b, const json_t *d);

/* One hot thread as writer_extractive writes it, heading included. */
void writer_hot_thread(dp_buf_t *b, const json_t *d, size_t i);

/* The heading of a hot thread ("\n\n**Issue #12: “title”**\n"). */
void writer_hot_heading(dp_buf_t *b, const json_t *d, size_t i);

/* One key change as writer_extractive writes it; without its body
 * excerpt when body is false (a model's reading takes its place). */
void writer_change(dp_buf_t *b, const json_t *d, size_t i, bool body);

#endif
