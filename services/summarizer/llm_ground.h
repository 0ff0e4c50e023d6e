/* llm_ground.h - cleaning a model's answer and checking it against data */
/* SPDX-License-Identifier: MIT */
#ifndef LLM_GROUND_H
#define LLM_GROUND_H

#include <jansson.h>
#include <stdbool.h>

#include "dp_mem.h"

/* Pure functions, no I/O: the LLM writer (llm_writer.h) runs every answer
 * through llm_clean, then llm_ground, before it puts a word of it in a
 * report.
 *
 * Cleaning removes what a model adds around the text asked for:
 * - thinking blocks: "<think>...</think>" (or <thinking>) anywhere; an
 *   unterminated one removes everything after it; a lone "</think>"
 *   removes everything before it (models whose template opens the block);
 * - a code fence around the whole answer ("```markdown ... ```");
 * - a preamble: up to LLM_CLEAN_PREAMBLE_LINES leading lines that are a
 *   heading, a rule, or start like a preamble ("作为一名…", "好的", "以下是",
 *   "Sure", "Here is", "Here's", "As an", "Certainly", ...); when such a
 *   line goes on after a colon within its first LLM_CLEAN_COLON_MAX bytes,
 *   only the part up to the colon goes;
 * - for a structured section (a hot thread, a key change: its lines start
 *   with "- **"), every line before the first line of that shape; an
 *   answer without such a line is removed whole.
 *
 * Grounding checks the cleaned text against the digest (see
 * llm_ground for the rules); what fails is named in one line, in English,
 * that the repair request quotes. */

#define LLM_CLEAN_PREAMBLE_LINES 3
#define LLM_CLEAN_COLON_MAX 240

/* Returns the cleaned answer, a new string the caller frees (dp_free);
 * never NULL (an empty string when nothing is left). NULL is taken as
 * empty. */
char *llm_clean(const char *answer, bool structured);

/* What a section is about. */
typedef struct {
    const json_t *digest; /* the window's digest: counts, lists, facts */
    const json_t *item;   /* the hot thread (facts.hot[i]) or key change
                             (facts.changes[i]) the section is about, or
                             NULL for a section about the window */
} llm_scope_t;

/* Checks a cleaned answer against the data. The rules:
 * - #N: N is an item of the window's data (the lists, the hot threads, the
 *   key changes, the watch list, the topics). In a section about one item,
 *   another #M is accepted only when it is in the data AND the item's own
 *   text (title, body, quoted comments) mentions #M. "PR #N" must name a
 *   PR and "Issue #N" an issue.
 * - In a section about the window (scope->item NULL), each #N is what its
 *   sentence is about. The text is cut into sentences at 。！？； at .!?
 *   before a space or the end, and at line ends. A sentence is about #N
 *   when it shares evidence with the item's records in the digest: an
 *   ASCII word of 3+ letters or digits (one a letter) of its title
 *   (case-insensitive, found at the start of a word, so "crash" finds
 *   "crashes"; common words such as "fix", "bug", "issue", "model",
 *   "support" do not count), two CJK characters in a row of its title,
 *   its author's login, a label, its category, the login of a participant
 *   of its thread, or a word of the title of a topic it is in. A sentence
 *   that names several items passes when each has its evidence there, or
 *   when none has (a mere list, "#A and #B are both about models"); when
 *   some have it and #N does not, #N is refused. An item of which the
 *   digest has no title, author, label or category is not checked. The
 *   problem reads "#N: the sentence does not match its title". The check
 *   is conservative: it stops a true title put on the wrong item, not a
 *   wrong claim that repeats a word of the right title.
 * - A number that reads as a count ("3 个 PR", "5 issues", "2 条评论",
 *   "merged 2") equals a figure the digest computed; when the words around
 *   it say which count (new / merged / closed unmerged PRs, new / closed
 *   issues), it equals that count exactly. Numbers written in words are
 *   not checked.
 * - A login ("@x", or "(`x`)" as the example names the holder of a view)
 *   is a participant or the author of the item; in a section about the
 *   window, someone active in it (facts.people, hot participants, authors
 *   of listed items).
 * - No link of any kind (Markdown link or image, reference definition,
 *   bare URL) and no list of items (a list line that starts with an item
 *   reference): links and lists come only from the renderer.
 * - Not empty.
 * Returns the number of problems found; each is appended to why (when not
 * NULL) as a clause, "; " between them ("#123 is not in the data; the
 * count of new PRs is 4, not 5"). */
int llm_ground(const char *text, const llm_scope_t *scope, dp_buf_t *why);

#endif
