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
 * that many characters (UTF-8 aware) and ends with "…".
 *
 * Exactly, for Jekyll (Liquid, then kramdown) and CommonMark/GitHub:
 * - Invalid UTF-8 becomes U+FFFD (one per maximal invalid subpart).
 * - A run of tabs, line breaks (CR, LF, VT, FF, NEL, U+2028, U+2029)
 *   becomes one space; other C0/C1 controls and DEL are removed, as are
 *   the bidi controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F and
 *   U+061C.
 * - Outside code spans: & < > become &amp; &lt; &gt;. A brace that forms
 *   "{{", "}}", "{%", "%}" or kramdown's "{:" is written as &#123; or
 *   &#125; ("{{" -> "&#123;&#123;", "{%" -> "&#123;%"): Liquid no longer
 *   sees a delimiter and Markdown shows the brace. "](" becomes "\](" so
 *   no inline link or image can form. "@" followed by a login character
 *   ([A-Za-z0-9_-]) gets U+200B ZERO WIDTH SPACE after it, so no mention
 *   notifies ("@everyone" shows the same); so does "#" before a digit and
 *   the "-" of "GH-<digit>" (not inside a word), so "#123",
 *   "owner/repo#123" and "GH-123" are no cross-references. "|" becomes
 *   "\|", so no line can turn into a table row (kramdown makes a table of
 *   any block line with an unescaped pipe). A backslash before one of
 *   & < > { } ] | or at the very end is doubled, so it cannot escape what
 *   this function writes or what the caller writes next.
 * - Code spans (`x`, ``x``), found as CommonMark finds them, keep their
 *   content when it has no & < >, with U+200B inside any "{{", "}}",
 *   "{%", "%}", "{:" or "](" (entities would show inside a span). A span
 *   with & < > | in it becomes <code>...</code> with its ASCII punctuation
 *   as numeric entities, which renders the same and is safe even where a
 *   parser disagrees about the span. Backticks that close nothing are
 *   written "\`", so no span can reach into text that follows.
 * - With max_chars > 0 and a cleaned text longer than that, the first
 *   max_chars - 1 characters are kept (trailing spaces dropped) and "…"
 *   is appended: the result shows at most max_chars characters. A
 *   character is a code point; a multibyte sequence is never cut.
 * A NULL text is taken as empty (a missing JSON field), so out->data is
 * always a string afterwards.
 * The result is meant for the middle of a Markdown line (list items, table
 * cells, link text); do not wrap it in backticks or put it at the start of
 * a line where "#" or "-" would start a block (dp_text_md_code writes a
 * whole code span). Emphasis characters (* _ ~), "[" and ":" are left as
 * written. */
void dp_text_md_inline(dp_buf_t *out, const char *text, size_t max_chars);

/* Appends untrusted Markdown of several lines (a section written by the
 * summarizer, an LLM or anyone who can push a DIGEST) so that it keeps its
 * lists, emphasis, code spans and GitHub links but executes, notifies and
 * links nothing else. Markdown that dp_text_md_inline, dp_text_md_code and
 * dp_text_url wrote, with the plain Markdown around them (list markers,
 * "**", "[#12](https://github.com/...)"), comes out byte for byte as it
 * went in, and the function is idempotent: f(f(x)) == f(x).
 *
 * Exactly, line by line (lines end at LF; CR LF and a lone CR become LF):
 * - Invalid UTF-8 becomes U+FFFD; the bidi controls that dp_text_md_inline
 *   removes are removed, as are C0/C1 controls and DEL other than tab and
 *   LF; VT, FF, NEL, U+2028 and U+2029 become a space.
 * - Spaces, tabs, ">" and list markers ("-", "*", "+", "1." or "1)" then a
 *   space) at the start of a line are kept. When the content written
 *   after them would start a link reference definition ("[label]:" as
 *   kramdown or CommonMark finds the label), it starts with "\[".
 * - Code spans (closed on their line) are written as dp_text_md_inline
 *   writes them; a backtick run that closes nothing on its line is
 *   escaped.
 * - Elsewhere: "<" becomes &lt; except for "<code>" followed on the line by
 *   "</code>" with no "<" between (what dp_text writes); ">" becomes &gt;;
 *   "&" stays only when it starts &amp; &lt; &gt; &quot; or a decimal
 *   character reference to ASCII punctuation (what dp_text writes), and is
 *   &amp; otherwise; a brace of "{{", "}}", "{%", "%}" or "{:" becomes
 *   &#123; or &#125;; "@" (or &#64; outside a <code> element) before a
 *   login character gets U+200B after it; "#" before a digit right after a name
 * character or "/"
 *   ("owner/repo#12") and the "-" of "GH-<digit>" get U+200B; "|" becomes
 *   "\|". A backslash before ASCII punctuation other than & < > { } @ #
 *   is kept with it as an escape pair; before & < > { } or at the end of a
 *   line it is doubled.
 * - An inline link "[text](dest)" is kept only when dest is "#" or an
 *   https://github.com/ URL of the characters A-Z a-z 0-9 - . _ ~ / ? # =
 *   % + , ; : and the link is not an image; any other destination is left
 *   out and the "]" escaped, so the text shows without a link.
 * NULL is taken as empty. */
void dp_text_md_block(dp_buf_t *out, const char *text);

/* Appends text escaped for HTML element content and attribute values:
 * & < > " ' become &amp; &lt; &gt; &quot; &#39;, braces forming "{{",
 * "}}", "{%" or "%}" become &#123;/&#125; (an HTML page that Jekyll
 * processes runs Liquid too), invalid UTF-8 becomes U+FFFD, bidi controls
 * and control characters other than tab, CR, LF and FF are removed (VT
 * and NEL become a space). Line breaks are kept. NULL is taken as empty. */
void dp_text_html(dp_buf_t *out, const char *text);

/* Appends a shortened plain excerpt of text (first max_chars characters,
 * whitespace runs collapsed), passed through dp_text_md_inline rules.
 * Every run of spaces, tabs and line breaks becomes one space, leading and
 * trailing ones are dropped, then the text is cut and escaped as
 * dp_text_md_inline does. max_chars 0 means no limit. NULL is taken as
 * empty. */
void dp_text_excerpt(dp_buf_t *out, const char *text, size_t max_chars);

/* Appends untrusted text (a login, a name) as one whole Markdown code
 * span, backticks included, cleaned and cut as dp_text_md_inline does
 * (the ellipsis inside the span). Text without & < > | ` \ and without
 * a leading or trailing space is written `text`, with U+200B inside any
 * "{{", "}}", "{%", "%}", "{:" or "](" (Liquid runs before Markdown);
 * other text, and empty text, becomes <code>...</code> with its ASCII
 * punctuation as numeric entities, which renders the same. Callers must
 * not add backticks of their own. NULL is taken as empty. */
void dp_text_md_code(dp_buf_t *out, const char *text, size_t max_chars);

/* Appends url for a Markdown link destination, "[x](<here>)". An http or
 * https URL is written with every byte outside A-Z a-z 0-9 and
 * - . _ ~ : / ? # @ ! & + , ; = % percent-encoded (so no parenthesis,
 * space, bracket, brace, quote, "<" or backtick can end the link or add
 * markup); anything else (NULL, javascript:, data:, a relative path)
 * becomes "#". */
void dp_text_url(dp_buf_t *out, const char *url);

#endif
