/* html.c - report Markdown to safe HTML: cmark, the page, XML and JSON text */
/* SPDX-License-Identifier: MIT */
#include "html.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#define HTML_CODE_OPEN "<code>"
#define HTML_CODE_CLOSE "</code>"
#define HTML_P_OPEN "<p>"
#define HTML_P_CLOSE "</p>\n"
#define HTML_MAX_CODE_NODES 4096 /* <code> elements fixed per document */

/* The Content-Security-Policy of every page: nothing but the inline
 * stylesheet and images may load; no script, frame, form or base URL. */
#define HTML_CSP                                                               \
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "    \
    "base-uri 'none'; form-action 'none'"

/* One small stylesheet. overflow-wrap:anywhere and word-break on code keep
 * 5,000-character titles, URLs and code inside a 390-pixel screen. */
static const char s_css[] =
    ":root{color-scheme:light dark}"
    "body{margin:0 auto;max-width:46rem;padding:0 1rem 2rem;"
    "font:16px/1.6 system-ui,-apple-system,\"Segoe UI\",\"PingFang SC\","
    "\"Noto Sans CJK SC\",sans-serif;overflow-wrap:anywhere;"
    "word-break:break-word}"
    "h1{font-size:1.45rem;line-height:1.3}h2{font-size:1.25rem}"
    "h3{font-size:1.1rem;margin-top:1.6em}"
    "a{color:#0b63c5}"
    "code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;"
    "background:rgba(127,127,127,.15);border-radius:3px;padding:0 .2em;"
    "word-break:break-all}"
    "pre{white-space:pre-wrap}"
    "blockquote{margin:0;padding:.1em 1em;border-left:4px solid #8884}"
    "ul,ol{padding-left:1.4em}li{margin:.2em 0}"
    "hr{border:0;border-top:1px solid #8886}"
    "img{max-width:100%;}table{display:block;overflow-x:auto}"
    "nav{font-size:.9rem;padding:.8rem 0}"
    "footer{margin-top:2rem;padding:.5rem 1rem;border:1px solid #8886;"
    "border-radius:6px;font-size:.9rem}"
    ".meta{font-size:.85rem;color:#777}";

/* ==== Liquid ==== */

/* Appends len bytes of HTML, with each brace of a Liquid delimiter as a
 * character reference. Braces never matter to HTML syntax, so this is the
 * same document. */
static void s_unliquid(dp_buf_t *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        char prev = ' ', next = ' ';
        if (i > 0)
            prev = s[i - 1];
        if (i + 1 < len)
            next = s[i + 1];
        bool open = c == '{' && (next == '{' || next == '%' || prev == '{');
        bool close = c == '}' && (prev == '}' || prev == '%' || next == '}');
        if (!open && !close)
            continue;
        dp_buf_append(out, s + start, i - start);
        dp_buf_puts(out, open ? "&#123;" : "&#125;");
        start = i + 1;
    }
    dp_buf_append(out, s + start, len - start);
}

/* ==== cmark ==== */

static bool s_is_html_inline(cmark_node *node, const char *literal)
{
    if (!node || cmark_node_get_type(node) != CMARK_NODE_HTML_INLINE)
        return false;
    const char *lit = cmark_node_get_literal(node);
    return lit && strcmp(lit, literal) == 0;
}

/* Replaces <code>, text..., </code> (siblings, as cmark parses what
 * dp_text writes) with one code span node holding the text. Anything else
 * between them leaves the nodes as they are: safe mode then drops the
 * tags and the text shows as text. */
static void s_fix_code(cmark_node *open)
{
    dp_buf_t text = DP_BUF_INIT;
    cmark_node *close = cmark_node_next(open);
    while (close && cmark_node_get_type(close) == CMARK_NODE_TEXT) {
        const char *lit = cmark_node_get_literal(close);
        dp_buf_puts(&text, lit ? lit : "");
        close = cmark_node_next(close);
    }
    if (!s_is_html_inline(close, HTML_CODE_CLOSE))
        goto out;
    cmark_node *code = cmark_node_new(CMARK_NODE_CODE);
    if (!code)
        goto out;
    if (!cmark_node_set_literal(code, text.data ? text.data : "") ||
        !cmark_node_insert_before(open, code)) {
        cmark_node_free(code);
        goto out;
    }
    cmark_node *node = open;
    while (node != close) {
        cmark_node *next = cmark_node_next(node);
        cmark_node_free(node);
        node = next;
    }
    cmark_node_free(close);
out:
    dp_buf_free(&text);
}

static void s_fix_code_spans(cmark_node *root)
{
    cmark_node *found[HTML_MAX_CODE_NODES];
    size_t n = 0;
    cmark_iter *iter = cmark_iter_new(root);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        if (ev == CMARK_EVENT_ENTER && n < HTML_MAX_CODE_NODES &&
            s_is_html_inline(node, HTML_CODE_OPEN))
            found[n++] = node;
    }
    cmark_iter_free(iter);
    for (size_t i = 0; i < n; i++)
        s_fix_code(found[i]);
}

void html_from_markdown(const char *md, size_t len, bool inline_only,
                        dp_buf_t *out)
{
    assert(out);
    if (!md) {
        md = "";
        len = 0;
    }
    /* CMARK_OPT_DEFAULT is safe mode in cmark 0.29 and later: no raw
     * HTML, no dangerous URLs. CMARK_OPT_UNSAFE is never set. */
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_DEFAULT);
    if (!doc)
        return;
    s_fix_code_spans(doc);
    /* Line breaks inside a paragraph stay line breaks: the report's
     * window and stats lines, and the writer's lines, read as written. */
    char *html =
        cmark_render_html(doc, CMARK_OPT_DEFAULT | CMARK_OPT_HARDBREAKS);
    cmark_node_free(doc);
    if (!html)
        return;
    const char *s = html;
    size_t n = strlen(html);
    size_t po = strlen(HTML_P_OPEN), pc = strlen(HTML_P_CLOSE);
    if (inline_only && n >= po + pc && strncmp(s, HTML_P_OPEN, po) == 0 &&
        strcmp(s + n - pc, HTML_P_CLOSE) == 0 && !strstr(s + po, HTML_P_OPEN)) {
        s += po;
        n -= po + pc;
    }
    s_unliquid(out, s, n);
    dp_buf_append(out, "", 0);
    free(html);
}

void html_plain_text(const char *md, size_t len, dp_buf_t *out)
{
    assert(out);
    cmark_node *doc =
        cmark_parse_document(md ? md : "", md ? len : 0, CMARK_OPT_DEFAULT);
    if (!doc)
        return;
    s_fix_code_spans(doc);
    cmark_iter *iter = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        cmark_node_type type = cmark_node_get_type(node);
        if (ev != CMARK_EVENT_ENTER)
            continue;
        if (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE) {
            const char *lit = cmark_node_get_literal(node);
            dp_buf_puts(out, lit ? lit : "");
        } else if (type == CMARK_NODE_SOFTBREAK ||
                   type == CMARK_NODE_LINEBREAK) {
            dp_buf_puts(out, " ");
        }
    }
    cmark_iter_free(iter);
    cmark_node_free(doc);
    dp_buf_append(out, "", 0);
}

/* ==== Escaping ==== */

void html_escape(dp_buf_t *out, const char *text)
{
    assert(out);
    if (!text)
        text = "";
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        char prev = ' ', next = text[i + 1];
        if (i > 0)
            prev = text[i - 1];
        if (c == '&')
            dp_buf_puts(out, "&amp;");
        else if (c == '<')
            dp_buf_puts(out, "&lt;");
        else if (c == '>')
            dp_buf_puts(out, "&gt;");
        else if (c == '"')
            dp_buf_puts(out, "&quot;");
        else if (c == '\'')
            dp_buf_puts(out, "&#39;");
        else if (c == '{' && (next == '{' || next == '%' || prev == '{'))
            dp_buf_puts(out, "&#123;");
        else if (c == '}' && (prev == '}' || prev == '%' || next == '}'))
            dp_buf_puts(out, "&#125;");
        else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            continue;
        else
            dp_buf_append(out, &text[i], 1);
    }
    dp_buf_append(out, "", 0);
}

/* The code point of an invisible or line-breaking character at s that a
 * JSON text should show as an escape (DEL, C1 controls, bidi controls,
 * U+2028, U+2029), with its length in *n; 0 for anything else. */
static unsigned s_json_invisible(const unsigned char *s, size_t *n)
{
    unsigned cp = 0;
    if (s[0] == 0x7f) {
        *n = 1;
        return 0x7f;
    }
    if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) {
        *n = 2;
        return s[1];
    }
    if (s[0] == 0xD8 && s[1] == 0x9C) {
        *n = 2;
        return 0x061C;
    }
    if (s[0] == 0xE2 && (s[1] == 0x80 || s[1] == 0x81) && s[2] >= 0x80 &&
        s[2] <= 0xBF) {
        cp = 0x2000u | ((unsigned)(s[1] & 0x3F) << 6) | (s[2] & 0x3Fu);
        *n = 3;
        if (cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
            (cp >= 0x2066 && cp <= 0x2069))
            return cp;
    }
    return 0;
}

void html_json_safe(dp_buf_t *out, const char *json)
{
    assert(out && json);
    size_t len = strlen(json);
    for (size_t i = 0; i < len; i++) {
        /* A run of bytes that need nothing goes out at once. */
        size_t plain = strcspn(json + i, "<>&@{}\x7f\xc2\xd8\xe2");
        dp_buf_append(out, json + i, plain);
        i += plain;
        if (i == len)
            break;
        char c = json[i];
        char prev = ' ', next = json[i + 1];
        if (i > 0)
            prev = json[i - 1];
        size_t n = 0;
        unsigned cp = s_json_invisible((const unsigned char *)json + i, &n);
        if (cp) {
            dp_buf_printf(out, "\\u%04x", cp);
            i += n - 1;
        } else if (c == '<')
            dp_buf_puts(out, "\\u003c");
        else if (c == '>')
            dp_buf_puts(out, "\\u003e");
        else if (c == '&')
            dp_buf_puts(out, "\\u0026");
        else if (c == '@')
            dp_buf_puts(out, "\\u0040");
        else if (c == '{' && (next == '{' || next == '%' || prev == '{'))
            dp_buf_puts(out, "\\u007b");
        else if (c == '}' && (prev == '}' || prev == '%' || next == '}'))
            dp_buf_puts(out, "\\u007d");
        else
            dp_buf_append(out, &c, 1);
    }
    dp_buf_append(out, "", 0);
}

/* ==== The page ==== */

void html_page(dp_buf_t *out, const html_page_t *page)
{
    assert(out && page && page->main);
    dp_buf_printf(out,
                  "<!doctype html>\n<html lang=\"%s\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" "
                  "content=\"%s\">\n"
                  "<meta name=\"referrer\" content=\"no-referrer\">\n"
                  "<title>",
                  page->zh ? "zh-CN" : "en", HTML_CSP);
    html_escape(out, page->title_text);
    dp_buf_puts(out, "</title>\n");
    if (page->feed_href) {
        dp_buf_puts(out, "<link rel=\"alternate\" "
                         "type=\"application/atom+xml\" href=\"");
        html_escape(out, page->feed_href);
        dp_buf_puts(out, "\">\n");
    }
    dp_buf_printf(out, "<style>%s</style>\n</head>\n<body>\n", s_css);
    if (page->nav)
        dp_buf_printf(out, "<nav>%s</nav>\n", page->nav);
    dp_buf_printf(out, "<main>\n%s</main>\n", page->main);
    if (page->footer)
        dp_buf_printf(out, "<footer>\n%s</footer>\n", page->footer);
    dp_buf_puts(out, "</body>\n</html>\n");
}
