/* dp_text.h - neutralizing untrusted text for Markdown and HTML output */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TEXT_H
#define DP_TEXT_H

#include <stddef.h>

#include "dp_mem.h"

/* Appends untrusted text (a title, a login, a label) to out so that it stays
 * on one line of Markdown and executes nothing: newlines and control
 * characters become spaces, bidirectional overrides are removed, Liquid
 * delimiters ("{{", "{%") are broken, HTML specials are escaped and
 * "@name" does not notify. Text that is harmless stays as written, so
 * "[Bug]:" and backticks are kept. When max_chars > 0 the text is cut at
 * that many characters (UTF-8 aware) and ends with "…". */
void dp_text_md_inline(dp_buf_t *out, const char *text, size_t max_chars);

/* Appends text escaped for HTML element content and attribute values. */
void dp_text_html(dp_buf_t *out, const char *text);

/* Appends a shortened plain excerpt of text (first max_chars characters,
 * whitespace runs collapsed), passed through dp_text_md_inline rules. */
void dp_text_excerpt(dp_buf_t *out, const char *text, size_t max_chars);

#endif
