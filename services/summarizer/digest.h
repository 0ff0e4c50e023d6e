/* digest.h - the facts of a closed window: exact counts, lists, rankings */
/* SPDX-License-Identifier: MIT */
#ifndef DIGEST_H
#define DIGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dp_proto.h"

/* How long an issue may wait for a first answer before the report lists it
 * as worth watching, by default: a day. */
#define DIGEST_UNANSWERED_S 86400

/* Hot threads, their continuity and the watch list, in figures.
 *
 * Every figure counts people, not bots (dp_is_bot: type "Bot" or a login
 * ending in "[bot]"), and only what happened inside the window:
 *
 *   C  comments and reviews on the item in the window
 *   P  distinct people who commented or reviewed in the window (the
 *      item's author included)
 *   R  reactions on the item as GitHub counts them (all time), at most
 *      DIGEST_REACTIONS_CAP so that an old favourite does not outrank a
 *      live discussion
 *
 *   score = 2*C + 3*P + R
 *
 * A thread with C >= DIGEST_HOT_MIN is a discussion; the report shows the
 * DIGEST_HOT_MAX highest scores (ties: more comments, more people, then
 * the higher number). Its streak is the number of consecutive windows,
 * this one included, in which it was a discussion (the previous summaries
 * keep the numbers of theirs); "new" means it was not one in the window
 * just before.
 *
 * The first response to an item is the first comment or review by someone
 * other than its author. Its delay is known when the item was opened in
 * the window, or waited through the previous window (the ledger below), or
 * is an issue whose every comment is in the window.
 *
 * An item is waiting at the end of the window when it is open then, its
 * author is a person, and nobody else has answered it (as far as the rules
 * above can tell). Waiting items are carried from window to window through
 * the summaries (digest_summary), at most DIGEST_WAITING_MAX of them and
 * none older than DIGEST_WAITING_AGE_S. The watch list shows issues
 * waiting longer than the threshold (measured from created_at to the end
 * of the window), PRs that are not drafts and have neither review nor
 * reply, and threads with a streak of DIGEST_STREAK_MIN windows or more. */
#define DIGEST_HOT_MIN 2
#define DIGEST_HOT_MAX 5
#define DIGEST_REACTIONS_CAP 10
#define DIGEST_STREAK_MIN 3
#define DIGEST_WAITING_MAX 300
#define DIGEST_WAITING_AGE_S (30L * 86400)

/* The items a list holds at most in a capped digest, by default. */
#define DIGEST_LIST_CAP 200

/* Receives, one at a time and in order, every item of a list that the cap
 * cuts (see digest_opts_t), as len bytes of compact JSON with sorted keys
 * (NUL-terminated; borrowed for the call). */
typedef void (*digest_sink_fn)(void *arg, const char *json, size_t len);

/* The text of a stored event that the set did not keep (digest_set_new):
 * its comment or review text, or with body its PR body; a copy the caller
 * frees with dp_free, or NULL when it cannot be read. */
typedef char *(*digest_text_fn)(void *arg, const char *id, bool body);

/* What a digest is built from besides the window and its events. */
typedef struct {
    const json_t *topics;   /* the topics mapping that applies to the
                               repository (dp_topics_resolve); may be NULL */
    const json_t *previous; /* digest_summary objects of the earlier windows
                               of the same length, newest first, contiguous;
                               may be NULL */
    long unanswered_s;      /* watch threshold; 0 means DIGEST_UNANSWERED_S */
    size_t list_cap;        /* items kept per list; 0: every item */
    digest_sink_fn sink;    /* gets every item of each cut list; may be
                               NULL (the items past the cap are lost) */
    void *sink_arg;         /* passed to sink */
    digest_text_fn text_of; /* the texts a set without them needs (the few
                               quotes of hot threads and bodies of key
                               changes); may be NULL: none */
    void *text_arg;         /* passed to text_of */
} digest_opts_t;

/* The events of a window as the digest reads them, compactly: each event
 * keeps only its own fields, in about 100 bytes, and each item one
 * snapshot (that of its newest event); strings that repeat are stored
 * once. With keep_texts false, comment texts and PR bodies are not kept
 * but read through digest_opts_t.text_of for the few the digest shows.
 * hint: the number of events expected. */
typedef struct digest_set digest_set_t;
digest_set_t *digest_set_new(size_t hint, bool keep_texts);

/* Adds a copy of what the digest needs of ev (nothing of ev is kept); not
 * after digest_set_build. */
void digest_set_add(digest_set_t *set, const dp_classified_t *ev);

/* The number of events added. */
size_t digest_set_count(const digest_set_t *set);

/* digest_build_with over the events of a set. Once built, a set takes no
 * more events (the tables that adding needs are freed first); it may be
 * built again. */
json_t *digest_set_build(digest_set_t *set, const dp_window_t *win,
                         const digest_opts_t *opts);

/* Frees the set and sets *set_p to NULL. */
void digest_set_free(digest_set_t **set_p);

/* Builds the digest document of a window (see proto/README.md) from its
 * WINDOW message and all its classified events, in any order and possibly
 * with duplicates (same id). The "sections" member is left for the writer.
 * Besides counts, lists and topics, "facts" holds: hot (ranked threads
 * with participants, first response and streak), changes (key PRs), people
 * and roles (contributors by author_association), reviews (review states),
 * response (first-response times), watch (unanswered issues, unreviewed
 * PRs, long-hot threads), waiting (the ledger for the next window),
 * categories, topic_counts and previous (the summaries given, without
 * their ledgers). Every list has a total order, so the same input always
 * gives the same document.
 * With a list_cap, a list longer than the cap (lists.*, topics[].items,
 * facts.people) keeps its first list_cap items; all of its items, in
 * order, go to the sink, one call each, and the digest records the cut in
 * "capped": {"cap": list_cap, "sections": {"<section>": {"at": A,
 * "total": N}}}, where section is
 * "lists.<name>", "topics.<index>" or "facts.people", A the number of
 * items the sink received before this section's and N the list's full
 * length. A cut topic also gets "total": N and a cut people list
 * facts.people_total and facts.first_timers (the logins of first-time
 * contributors, at most list_cap); counts, topic_counts and roles are
 * exact either way.
 * Lists within the cap are as without one, and so is the whole digest
 * when no list passes it. The result is the caller's (json_decref). */
json_t *digest_build_with(const dp_window_t *win, const dp_classified_t *events,
                          size_t n, const digest_opts_t *opts);

/* digest_build_with with topics and previous and the default threshold. */
json_t *digest_build(const dp_window_t *win, const dp_classified_t *events,
                     size_t n, const json_t *topics, const json_t *previous);

/* The compact summary of a digest that later windows read: from, counts,
 * categories, topics (items per topic id), hot (numbers of its
 * discussions) and waiting (the ledger of items still without an answer).
 * New reference, the caller's. */
json_t *digest_summary(const json_t *digest);

#endif
