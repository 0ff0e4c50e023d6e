/* digest.h - the facts of a closed window: exact counts, lists, rankings */
/* SPDX-License-Identifier: MIT */
#ifndef DIGEST_H
#define DIGEST_H

#include <jansson.h>

#include "dp_proto.h"

/* Builds the digest document of a window (see proto/README.md) from its
 * WINDOW message and all its classified events, in any order and possibly
 * with duplicates (same id). topics is the "topics" mapping of the rules
 * file (titles of the topics; may be NULL). previous is an array of the
 * "summary" objects of earlier windows of the same length, newest first (may
 * be NULL). The "sections" member is left for the writer. The result is the
 * caller's (json_decref); the same input always gives the same document. */
json_t *digest_build(const dp_window_t *win, const dp_classified_t *events,
                     size_t n, const json_t *topics, const json_t *previous);

/* The compact summary of a digest kept for later trends: counts and
 * categories. New reference, the caller's. */
json_t *digest_summary(const json_t *digest);

#endif
