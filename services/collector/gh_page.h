/* gh_page.h - a listing page's body as JSON: whole, or item by item when
 * one item spoils it */
/* SPDX-License-Identifier: MIT */
#ifndef GH_PAGE_H
#define GH_PAGE_H

#include <jansson.h>
#include <stddef.h>

/* Longest note on the skipped items of a page, with its NUL. */
#define GH_PAGE_NOTE_MAX 192

/* Parses the body of a GitHub answer (len bytes, need not end in a NUL).
 * A body that parses whole is returned as it is, with *skipped = 0. A body
 * that is a JSON array as a whole, but some of whose elements do not parse
 * (an integer beyond 64 bits, a byte that is not UTF-8), gives an array of
 * the elements that parse alone; *skipped counts the others and note
 * describes the first of them in plain ASCII: by its number or id where
 * one can be read ("#1234: an integer beyond 64 bits"), else by its place
 * ("item 3: invalid UTF-8"). Returns a new reference (the caller's), or NULL
 * with one line in err when the body is not JSON and not an array whose
 * elements can be told apart (HTML, a truncated array). */
json_t *gh_page_parse(const char *body, size_t len, size_t *skipped, char *note,
                      size_t notelen, char *err, size_t errlen);

/* Splits the JSON array text[0..len) into its elements without parsing
 * them: strings (with their escapes) and nesting are followed, so a comma
 * inside an element never splits it. Calls each(start, length, arg) for
 * every element, in order, with the element's text trimmed of white space.
 * Returns the number of elements, or -1 when the text is not one array
 * (no '[' first, an empty element, unbalanced nesting, an unterminated
 * string, or anything but white space after the closing ']'); each may
 * have been called for the elements before the fault. */
long gh_page_split(const char *text, size_t len,
                   void (*each)(const char *start, size_t length, void *arg),
                   void *arg);

#endif
