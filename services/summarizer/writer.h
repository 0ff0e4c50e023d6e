/* writer.h - the extractive writer: report sections from digest facts */
/* SPDX-License-Identifier: MIT */
#ifndef WRITER_H
#define WRITER_H

#include <jansson.h>

/* Writes the "sections" member of a digest (see proto/README.md) in the
 * digest's language (zh or en) from its counts, lists, topics and facts.
 * Deterministic: the same digest always gives the same text. Untrusted
 * text (titles, logins, quotes) is neutralized with dp_text. */
void writer_extractive(json_t *digest);

#endif
