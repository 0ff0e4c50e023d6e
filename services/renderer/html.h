/* html.h - report Markdown to safe HTML: cmark, the page, XML and JSON text */
/* SPDX-License-Identifier: MIT */
#ifndef RENDERER_HTML_H
#define RENDERER_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_mem.h"

/* Converts Markdown (CommonMark, as the renderer writes it) to HTML with
 * cmark in its safe mode and appends it to out: raw HTML is left out (an
 * HTML comment takes its place) and links or images to javascript:,
 * vbscript:, file: or data: (other than images) get an empty URL. The
 * line breaks inside a paragraph become <br />. The
 * <code>...</code> elements that dp_text writes for code spans with
 * & < > | in them become real code spans again. Liquid delimiters
 * ("{{", "}}", "{%", "%}") in the result have a brace written as
 * &#123; or &#125;, so the page stays inert even where Jekyll runs
 * Liquid over it. When inline is true, a text of one paragraph is written
 * without the <p> element (for titles). */
void html_from_markdown(const char *md, size_t len, bool inline_only,
                        dp_buf_t *out);

/* Appends the text that Markdown md shows, without any markup: text and
 * code span contents, line breaks as spaces, entities decoded (for
 * <title> and plain-text fields; escape it before use). */
void html_plain_text(const char *md, size_t len, dp_buf_t *out);

/* Appends text escaped for XML and HTML text and attribute values: & < >
 * " ' as entities, braces of Liquid delimiters as &#123; and &#125;, and
 * control characters that XML 1.0 refuses left out. The text is taken as
 * UTF-8 that the caller has already checked; NULL is taken as empty. */
void html_escape(dp_buf_t *out, const char *text);

/* Appends the JSON text json (as json_dumps writes it with an indent) so
 * that it is inert in any page: "<", ">", "&" and "@" are written
 * \u003c, \u003e, \u0026 and \u0040 (no mention where the text is
 * shown or posted as it is), each brace of "{{", "}}", "{%" or "%}" is
 * written \u007b or \u007d, and DEL, C1 controls, bidi controls and
 * U+2028/U+2029 are written as \u escapes (no raw invisible character). Those
 * only ever occur inside strings in indented output, so the document is the
 * same JSON value. */
void html_json_safe(dp_buf_t *out, const char *json);

/* What a standalone page is made of; every string is already HTML except
 * title_text, which is plain text (escaped here). */
typedef struct {
    bool zh;                /* page language: zh-CN or en */
    const char *title_text; /* <title>, plain text */
    const char *nav;        /* HTML of the navigation line, or NULL */
    const char *main;       /* HTML of the main content */
    const char *footer;     /* HTML of the footer, or NULL */
    const char *feed_href;  /* the Atom feed to announce, or NULL */
} html_page_t;

/* Appends a complete HTML document: doctype, UTF-8, a viewport for phones,
 * a Content-Security-Policy that allows no script, no fetch, no form and
 * no frame (default-src 'none'; inline style only; images from https: and
 * data:), no referrer, and one small inline stylesheet that wraps long
 * words and code so that nothing is wider than a 390-pixel screen. */
void html_page(dp_buf_t *out, const html_page_t *page);

#endif
