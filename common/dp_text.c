/* dp_text.c - neutralizing untrusted text for Markdown and HTML output */
/* SPDX-License-Identifier: MIT */
#include "dp_text.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp_utf8.h"

#define DP_CP_REPLACEMENT 0xFFFDu
#define DP_CP_ZWSP "\xE2\x80\x8B"        /* U+200B ZERO WIDTH SPACE */
#define DP_CP_ELLIPSIS_U8 "\xE2\x80\xA6" /* U+2026 HORIZONTAL ELLIPSIS */

/* How the cleaning pass treats whitespace. */
typedef enum {
    S_CLEAN_LINE,     /* line breaks and tabs become one space per run */
    S_CLEAN_COLLAPSE, /* every whitespace run becomes one space, trimmed */
    S_CLEAN_KEEP,     /* tabs and line breaks stay (HTML) */
    S_CLEAN_BLOCK     /* LF and tab stay, CR LF and CR become LF, other
                         breaks a space (Markdown blocks) */
} s_clean_t;

/* ==== UTF-8 ==== */

/* Decodes one code point at s[*i] and advances *i. An invalid or truncated
 * sequence gives U+FFFD and consumes its longest valid prefix (at least one
 * byte), as Unicode recommends. s is NUL-terminated, so a sequence cut by
 * the end stops at the NUL. */
static uint32_t s_decode(const unsigned char *s, size_t *i)
{
    unsigned char b0 = s[*i];
    uint32_t cp;
    int need;
    unsigned char lo = 0x80, hi = 0xBF;

    if (b0 < 0x80) {
        (*i)++;
        return b0;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0Fu;
        if (b0 == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (b0 == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07u;
        if (b0 == 0xF0)
            lo = 0x90; /* no overlong forms */
        else if (b0 == 0xF4)
            hi = 0x8F; /* nothing past U+10FFFF */
    } else {
        (*i)++;
        return DP_CP_REPLACEMENT;
    }
    (*i)++;
    for (int k = 0; k < need; k++) {
        unsigned char b = s[*i];
        if (b < lo || b > hi)
            return DP_CP_REPLACEMENT;
        cp = (cp << 6) | (b & 0x3Fu);
        (*i)++;
        lo = 0x80;
        hi = 0xBF;
    }
    return cp;
}

/* ==== Cleaning: one line, no controls, no bidi overrides ==== */

static bool s_is_bidi(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

/* Characters that end or split a line somewhere: ASCII line breaks and
 * tab, NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR. */
static bool s_is_break(uint32_t cp)
{
    return cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r' ||
           cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

static bool s_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* A cleaned text: code points, at most `limit` of them kept. */
typedef struct {
    uint32_t *cps;  /* owned */
    size_t n;       /* code points kept */
    bool truncated; /* more text followed */
} s_text_t;

/* Decodes and cleans text. With limit > 0 keeps limit - 1 characters and
 * sets truncated when the cleaned text is longer than limit. */
static void s_clean(const char *text, s_clean_t mode, size_t limit, s_text_t *t)
{
    if (!text)
        text = "";
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    size_t cap = limit ? (len < limit + 1 ? len : limit + 1) : len;
    size_t i = 0;
    bool pending_space = false; /* a collapsed run waits for more text */

    t->cps = dp_calloc(cap + 1, sizeof *t->cps);
    t->n = 0;
    t->truncated = false;

    while (s[i] && t->n < cap) {
        uint32_t cp = s_decode(s, &i);
        if (s_is_bidi(cp))
            continue;
        if (mode == S_CLEAN_BLOCK && s_is_break(cp)) {
            if (cp == '\r' && s[i] == '\n')
                continue; /* the LF follows */
            if (cp == '\r')
                cp = '\n';
            t->cps[t->n++] = cp == '\n' || cp == '\t' ? cp : ' ';
            continue;
        }
        bool space = s_is_break(cp) || (mode == S_CLEAN_COLLAPSE && cp == ' ');
        if (space && mode == S_CLEAN_KEEP && cp != '\v' && cp != 0x85) {
            t->cps[t->n++] = cp;
            continue;
        }
        if (space) {
            pending_space = true;
            continue;
        }
        if (s_is_control(cp))
            continue;
        if (pending_space) {
            /* Line mode keeps a run at the start; collapse mode trims it. */
            if (mode == S_CLEAN_LINE || t->n > 0)
                t->cps[t->n++] = ' ';
            pending_space = false;
            if (t->n == cap)
                break;
        }
        t->cps[t->n++] = cp;
    }
    if (pending_space && mode == S_CLEAN_LINE && t->n < cap)
        t->cps[t->n++] = ' ';

    if (limit && t->n > limit) {
        t->n = limit - 1;
        while (t->n > 0 && t->cps[t->n - 1] == ' ')
            t->n--;
        t->truncated = true;
    }
}

/* ==== Markdown ==== */

static bool s_is_login_char(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9') || cp == '_' || cp == '-';
}

static bool s_is_ascii_punct(uint32_t cp)
{
    return cp < 0x80 && cp != 0 &&
           strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", (int)cp) != NULL;
}

static bool s_in(uint32_t cp, const char *set)
{
    return cp != 0 && cp < 0x80 && strchr(set, (int)cp) != NULL;
}

/* Whether a Liquid or kramdown delimiter is formed by prev followed by c:
 * "{{", "{%", "%}", "}}", "{:" and the "](" of an inline link. */
static bool s_breaks_pair(uint32_t prev, uint32_t c)
{
    return (prev == '{' && s_in(c, "{%:")) || (prev == '%' && c == '}') ||
           (prev == '}' && c == '}') || (prev == ']' && c == '(');
}

/* A code span whose content has no & < >: written as it is, with a zero
 * width space inside any delimiter pair, which code spans show as text. */
static void s_emit_span_raw(dp_buf_t *out, const uint32_t *c, size_t len,
                            size_t ticks)
{
    for (size_t k = 0; k < ticks; k++)
        dp_buf_append(out, "`", 1);
    for (size_t k = 0; k < len; k++) {
        if (k > 0 && s_breaks_pair(c[k - 1], c[k]))
            dp_buf_puts(out, DP_CP_ZWSP);
        dp_utf8_put(out, c[k]);
    }
    for (size_t k = 0; k < ticks; k++)
        dp_buf_append(out, "`", 1);
}

static void s_emit_code_element(dp_buf_t *out, const uint32_t *c, size_t len);

/* A code span with & < > | in it: entities would show literally inside
 * backticks, and raw they would be HTML wherever a parser disagrees about
 * the span, so it becomes an HTML <code> element with every ASCII
 * punctuation character written as an entity. It renders the same. */
static void s_emit_span_html(dp_buf_t *out, const uint32_t *c, size_t len)
{
    bool all_space = true;
    for (size_t k = 0; k < len; k++)
        if (c[k] != ' ')
            all_space = false;
    /* CommonMark strips one space on each side of a padded span. */
    if (len >= 2 && !all_space && c[0] == ' ' && c[len - 1] == ' ') {
        c++;
        len -= 2;
    }
    s_emit_code_element(out, c, len);
}

/* Writes c as a <code> element whose ASCII punctuation is all entities. */
static void s_emit_code_element(dp_buf_t *out, const uint32_t *c, size_t len)
{
    dp_buf_puts(out, "<code>");
    for (size_t k = 0; k < len; k++) {
        if (c[k] == '&')
            dp_buf_puts(out, "&amp;");
        else if (c[k] == '<')
            dp_buf_puts(out, "&lt;");
        else if (c[k] == '>')
            dp_buf_puts(out, "&gt;");
        else if (s_is_ascii_punct(c[k]))
            dp_buf_printf(out, "&#%u;", (unsigned)c[k]);
        else
            dp_utf8_put(out, c[k]);
    }
    dp_buf_puts(out, "</code>");
}

/* Length of the backtick run at c[i]. */
static size_t s_run(const uint32_t *c, size_t n, size_t i)
{
    size_t r = 0;
    while (i + r < n && c[i + r] == '`')
        r++;
    return r;
}

/* Where the run of exactly `ticks` backticks that closes a span opened
 * before `from` starts, or n when there is none. */
static size_t s_find_close(const uint32_t *c, size_t n, size_t from,
                           size_t ticks)
{
    size_t k = from;
    while (k < n) {
        if (c[k] != '`') {
            k++;
            continue;
        }
        size_t r = s_run(c, n, k);
        if (r == ticks)
            return k;
        k += r;
    }
    return n;
}

static bool s_is_digit(uint32_t cp)
{
    return cp >= '0' && cp <= '9';
}

static bool s_is_alnum(uint32_t cp)
{
    return s_is_digit(cp) || (cp >= 'a' && cp <= 'z') ||
           (cp >= 'A' && cp <= 'Z');
}

/* True when c[i] starts GitHub's "GH-<number>" reference: "GH-" in any
 * case, then a digit, not inside a word. */
static bool s_is_gh_ref(const uint32_t *c, size_t n, size_t i)
{
    if (i + 3 >= n || (i > 0 && s_is_alnum(c[i - 1])))
        return false;
    return (c[i] == 'G' || c[i] == 'g') &&
           (c[i + 1] == 'H' || c[i + 1] == 'h') && c[i + 2] == '-' &&
           s_is_digit(c[i + 3]);
}

/* One character outside code spans. */
static void s_emit_md_char(dp_buf_t *out, const uint32_t *c, size_t n, size_t i)
{
    uint32_t cp = c[i];
    uint32_t prev = i > 0 ? c[i - 1] : 0;
    uint32_t next = i + 1 < n ? c[i + 1] : 0;

    switch (cp) {
    case '&':
        dp_buf_puts(out, "&amp;");
        return;
    case '<':
        dp_buf_puts(out, "&lt;");
        return;
    case '>':
        dp_buf_puts(out, "&gt;");
        return;
    case '{':
        if (s_in(next, "{%:") || prev == '{') {
            dp_buf_puts(out, "&#123;");
            return;
        }
        break;
    case '}':
        if (s_in(prev, "}%") || next == '}') {
            dp_buf_puts(out, "&#125;");
            return;
        }
        break;
    case ']':
        if (next == '(') {
            dp_buf_puts(out, "\\]");
            return;
        }
        break;
    case '@':
        if (s_is_login_char(next)) {
            dp_buf_puts(out, "@" DP_CP_ZWSP);
            return;
        }
        break;
    case '|':
        dp_buf_puts(out, "\\|");
        return;
    case '#':
        /* "&#60;" written as text is no reference. */
        if (s_is_digit(next) && prev != '&') {
            dp_buf_puts(out, "#" DP_CP_ZWSP);
            return;
        }
        break;
    case 'G':
    case 'g':
        if (s_is_gh_ref(c, n, i)) {
            /* "G" now; "H-" follow as plain characters. */
            dp_utf8_put(out, cp);
            return;
        }
        break;
    case '-':
        if (i >= 2 && s_is_gh_ref(c, n, i - 2)) {
            dp_buf_puts(out, "-" DP_CP_ZWSP);
            return;
        }
        break;
    default:
        break;
    }
    dp_utf8_put(out, cp);
}

/* Writes the backtick run at c[i] and, when a run of the same length
 * closes it, the code span it opens; returns the index after what was
 * written. A run that closes nothing is escaped, so it cannot open a span
 * that text after it could close. */
static size_t s_emit_span(dp_buf_t *out, const uint32_t *c, size_t n, size_t i)
{
    size_t ticks = s_run(c, n, i);
    size_t close = s_find_close(c, n, i + ticks, ticks);
    if (close == n) {
        for (size_t k = 0; k < ticks; k++)
            dp_buf_puts(out, "\\`");
        return i + ticks;
    }
    const uint32_t *body = c + i + ticks;
    size_t len = close - (i + ticks);
    bool special = false;
    for (size_t k = 0; k < len; k++)
        if (s_in(body[k], "&<>|"))
            special = true;
    if (special)
        s_emit_span_html(out, body, len);
    else
        s_emit_span_raw(out, body, len, ticks);
    return close + ticks;
}

/* The state of one line of a Markdown block (see dp_text_md_block). */
typedef struct s_line s_line_t;
static size_t s_block_char(dp_buf_t *out, const uint32_t *c, size_t n, size_t i,
                           s_line_t *st);
static bool s_in_code_element(const s_line_t *st);

/* Writes cleaned text from c[i] as Markdown inline content (block NULL) or
 * as the content of one line of a block (block: the line's state). Code
 * spans are found as CommonMark does (a backtick run closed by the next
 * run of the same length; a backslash escapes a backtick outside spans);
 * backtick runs that close nothing are escaped, so the result never opens
 * a span that text after it could close. */

static void s_emit_md(dp_buf_t *out, const uint32_t *c, size_t n, size_t i,
                      s_line_t *block)
{
    while (i < n) {
        uint32_t cp = c[i];
        uint32_t next = i + 1 < n ? c[i + 1] : 0;
        if (cp == '`' && block && s_in_code_element(block)) {
            /* Inside a <code> element a span would nest another one in
             * it, which a second pass would no longer take for code. */
            dp_buf_puts(out, "&#96;");
            i++;
            continue;
        }
        if (cp == '`') {
            i = s_emit_span(out, c, n, i);
            continue;
        }
        if (cp == '\\') {
            /* An escape pair is written as it is: in a line, only those
             * of a backtick or a backslash; in a block, any that cannot
             * undo what this file writes. */
            bool pair = block ? s_is_ascii_punct(next) && !s_in(next, "&<>{}@#")
                              : next == '`' || next == '\\';
            if (pair) {
                dp_utf8_put(out, cp);
                dp_utf8_put(out, next);
                i += 2;
                continue;
            }
            /* Before a character this function rewrites (or at the end,
             * where text after it would be escaped), the backslash itself
             * is escaped so it cannot change what follows. */
            if (next == 0 || s_in(next, block ? "&<>{}" : "&<>{}]|"))
                dp_buf_puts(out, "\\\\");
            else
                dp_buf_puts(out, "\\");
            i++;
            continue;
        }
        if (block) {
            i = s_block_char(out, c, n, i, block);
            continue;
        }
        s_emit_md_char(out, c, n, i);
        i++;
    }
}

/* True for text that nothing below would change: printable ASCII (no
 * control, break or bidi character to clean) within max_chars, without a
 * character that s_emit_md or s_emit_md_char escapes or rewrites, and
 * without a "GH-" reference. Most titles, logins and labels are. */
static bool s_md_plain(const char *text, size_t len, size_t max_chars)
{
    if (max_chars && len > max_chars)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7e)
            return false;
        switch (c) {
        case '`':
        case '\\':
        case '&':
        case '<':
        case '>':
        case '{':
        case '}':
        case '@':
        case '|':
            return false;
        case ']': /* a link's end only before "(" */
            if (text[i + 1] == '(')
                return false;
            break;
        case '#': /* a reference only before a digit */
            if (text[i + 1] >= '0' && text[i + 1] <= '9')
                return false;
            break;
        case '-':
            if (i >= 2 && (text[i - 1] | 0x20) == 'h' &&
                (text[i - 2] | 0x20) == 'g')
                return false;
            break;
        default:
            break;
        }
    }
    return true;
}

void dp_text_md_inline(dp_buf_t *out, const char *text, size_t max_chars)
{
    assert(out);
    size_t len = text ? strlen(text) : 0;
    if (s_md_plain(text, len, max_chars)) {
        dp_buf_append(out, text ? text : "", len);
        return;
    }
    s_text_t t;
    s_clean(text, S_CLEAN_LINE, max_chars, &t);
    s_emit_md(out, t.cps, t.n, 0, NULL);
    if (t.truncated)
        dp_buf_puts(out, DP_CP_ELLIPSIS_U8);
    /* An empty result still leaves out->data a valid string. */
    dp_buf_append(out, "", 0);
    dp_free(t.cps);
}

void dp_text_excerpt(dp_buf_t *out, const char *text, size_t max_chars)
{
    assert(out);
    s_text_t t;
    s_clean(text, S_CLEAN_COLLAPSE, max_chars, &t);
    s_emit_md(out, t.cps, t.n, 0, NULL);
    if (t.truncated)
        dp_buf_puts(out, DP_CP_ELLIPSIS_U8);
    dp_buf_append(out, "", 0);
    dp_free(t.cps);
}

/* ==== Markdown blocks ==== */

#define S_BLOCK_DEPTH 64 /* "[" openers followed on one line */
#define S_GITHUB_WEB "https://github.com/"

/* True when c[i..] holds the ASCII string lit. */
static bool s_at(const uint32_t *c, size_t n, size_t i, const char *lit)
{
    size_t len = strlen(lit);
    if (len > n - i)
        return false;
    for (size_t k = 0; k < len; k++)
        if (c[i + k] != (unsigned char)lit[k])
            return false;
    return true;
}

/* The length of the character reference at c[i] ('&') when it is one that
 * dp_text writes (&amp; &lt; &gt; &quot; or &#N; for ASCII punctuation),
 * else 0; *value is the character it stands for. */
static size_t s_entity(const uint32_t *c, size_t n, size_t i, uint32_t *value)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;"};
    static const char chars[] = "&<>\"";
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
        if (s_at(c, n, i, named[k])) {
            *value = (unsigned char)chars[k];
            return strlen(named[k]);
        }
    if (!s_at(c, n, i, "&#"))
        return 0;
    size_t k = i + 2;
    uint32_t v = 0;
    while (k < n && k < i + 5 && s_is_digit(c[k]))
        v = v * 10 + (c[k++] - '0');
    if (k == i + 2 || k >= n || c[k] != ';' || !s_is_ascii_punct(v))
        return 0;
    *value = v;
    return k + 1 - i;
}

/* Copies the container markers at the start of a line (indentation, ">",
 * list markers) and returns where its content starts. */
static size_t s_block_prefix(dp_buf_t *out, const uint32_t *c, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t k = i;
        while (k < n && (c[k] == ' ' || c[k] == '\t'))
            k++;
        if (k < n && c[k] == '>') {
            k++;
        } else if (k + 1 < n && s_in(c[k], "-*+") && c[k + 1] == ' ') {
            k += 2;
        } else {
            size_t d = k;
            while (d < n && d < k + 9 && s_is_digit(c[d]))
                d++;
            if (d == k || d + 1 >= n || !s_in(c[d], ".)") || c[d + 1] != ' ')
                break;
            k = d + 2;
        }
        for (; i < k; i++)
            dp_utf8_put(out, c[i]);
    }
    for (; i < n && (c[i] == ' ' || c[i] == '\t'); i++)
        dp_utf8_put(out, c[i]);
    return i;
}

/* True when the written content of a line, s (len bytes, starting with
 * "["), would open a link reference definition: for kramdown, the first
 * "]" is followed by ":"; for CommonMark, the first "]" not escaped is,
 * and no "[" that is not escaped comes before it. */
static bool s_is_definition(const char *s, size_t len)
{
    const char *first = memchr(s, ']', len);
    if (first && (size_t)(first - s) + 1 < len && first[1] == ':')
        return true;
    for (size_t k = 1; k < len; k++) {
        if (s[k] == '\\') {
            k++;
            continue;
        }
        if (s[k] == '[')
            return false;
        if (s[k] == ']')
            return k + 1 < len && s[k + 1] == ':';
    }
    return false;
}

/* True when "<code>" at c[i] is closed by "</code>" on the line with no
 * "<" between. */
static bool s_code_element_closes(const uint32_t *c, size_t n, size_t i)
{
    for (size_t k = i + strlen("<code>"); k < n; k++)
        if (c[k] == '<')
            return s_at(c, n, k, "</code>");
    return false;
}

/* Where the destination of the link whose "](" is at c[i] ends (its ")"),
 * or 0 when no inline link can form there on this line. */
static size_t s_link_end(const uint32_t *c, size_t n, size_t i)
{
    int depth = 0;
    for (size_t k = i + 2; k < n; k++) {
        if (c[k] == '\\') {
            k++;
            continue;
        }
        if (c[k] == '(')
            depth++;
        if (c[k] == ')' && depth-- == 0)
            return k;
    }
    return 0;
}

/* True when c[from..to) is a destination kept as a link: "#", or a GitHub
 * web URL of plain URL characters. */
static bool s_link_ok(const uint32_t *c, size_t from, size_t to)
{
    if (to == from + 1 && c[from] == '#')
        return true;
    if (!s_at(c, to, from, S_GITHUB_WEB))
        return false;
    for (size_t k = from; k < to; k++)
        if (!s_is_alnum(c[k]) && !s_in(c[k], "-._~/?#=%+,;:"))
            return false;
    return true;
}

/* The state of one line: the "[" openers seen, as a stack of bits (1: the
 * opener is "![", an image). */
struct s_line {
    uint64_t bang; /* bit k: opener k is an image */
    size_t depth;  /* openers not yet closed; past S_BLOCK_DEPTH unknown */
    bool code;     /* inside a <code> element */
};

static bool s_in_code_element(const s_line_t *st)
{
    return st->code;
}

/* Handles "]" at c[i]: pops an opener and, for "](", keeps or drops the
 * link. Returns the index after what was written. */
static size_t s_block_bracket(dp_buf_t *out, const uint32_t *c, size_t n,
                              size_t i, s_line_t *st)
{
    bool opener = st->depth > 0, image = true;
    if (opener) {
        st->depth--;
        if (st->depth < S_BLOCK_DEPTH)
            image = (st->bang >> st->depth) & 1u;
    }
    if (i + 1 >= n || c[i + 1] != '(') {
        dp_buf_puts(out, "]");
        return i + 1;
    }
    size_t end = s_link_end(c, n, i);
    if (end && opener && !image && s_link_ok(c, i + 2, end)) {
        for (size_t k = i; k <= end; k++)
            dp_utf8_put(out, c[k]);
        return end + 1;
    }
    /* Not a link: the text stays, the destination goes. An escaped "]"
     * closes nothing, so the opener stays open, as CommonMark keeps it. */
    if (opener)
        st->depth++;
    dp_buf_puts(out, "\\]");
    return end ? end + 1 : i + 1;
}

/* One character of a line outside code spans; returns the next index. */
static size_t s_block_char(dp_buf_t *out, const uint32_t *c, size_t n, size_t i,
                           s_line_t *st)
{
    uint32_t cp = c[i];
    uint32_t prev = i > 0 ? c[i - 1] : 0;
    uint32_t next = i + 1 < n ? c[i + 1] : 0;
    uint32_t value = 0;
    size_t len;
    switch (cp) {
    case '&':
        len = s_entity(c, n, i, &value);
        if (len == 0) {
            dp_buf_puts(out, "&amp;");
            return i + 1;
        }
        for (size_t k = 0; k < len; k++)
            dp_utf8_put(out, c[i + k]);
        /* Code does not notify: dp_text writes "@" in <code> as &#64;. */
        if (value == '@' && !st->code && i + len < n &&
            s_is_login_char(c[i + len]))
            dp_buf_puts(out, DP_CP_ZWSP);
        return i + len;
    case '<':
        if (!st->code && s_at(c, n, i, "<code>") &&
            s_code_element_closes(c, n, i)) {
            st->code = true;
            dp_buf_puts(out, "<code>");
            return i + strlen("<code>");
        }
        if (st->code && s_at(c, n, i, "</code>")) {
            st->code = false;
            dp_buf_puts(out, "</code>");
            return i + strlen("</code>");
        }
        dp_buf_puts(out, "&lt;");
        return i + 1;
    case '[':
        if (st->depth < S_BLOCK_DEPTH) {
            uint64_t bit = (uint64_t)1 << st->depth;
            st->bang = prev == '!' ? st->bang | bit : st->bang & ~bit;
        }
        st->depth++;
        dp_buf_puts(out, "[");
        return i + 1;
    case ']':
        return s_block_bracket(out, c, n, i, st);
    case '#':
        if (s_is_digit(next) && (s_is_alnum(prev) || s_in(prev, "_.-/"))) {
            dp_buf_puts(out, "#" DP_CP_ZWSP);
            return i + 1;
        }
        break;
    case '>':
    case '{':
    case '}':
    case '@':
    case '|':
    case 'G':
    case 'g':
    case '-':
        /* The same as in one line of text. */
        s_emit_md_char(out, c, n, i);
        return i + 1;
    default:
        break;
    }
    dp_utf8_put(out, cp);
    return i + 1;
}

/* One line, without its LF. */
static void s_block_line(dp_buf_t *out, const uint32_t *c, size_t n)
{
    s_line_t st = {0};
    size_t i = s_block_prefix(out, c, n);
    dp_buf_t content = DP_BUF_INIT;
    s_emit_md(&content, c, n, i, &st);
    /* Checked on what is written, so that a link left out cannot make
     * one either. */
    if (content.len > 0 && content.data[0] == '[' &&
        s_is_definition(content.data, content.len))
        dp_buf_puts(out, "\\");
    dp_buf_append(out, content.data, content.len);
    dp_buf_free(&content);
}

void dp_text_md_block(dp_buf_t *out, const char *text)
{
    assert(out);
    s_text_t t;
    s_clean(text, S_CLEAN_BLOCK, 0, &t);
    size_t start = 0;
    for (size_t i = 0; i <= t.n; i++) {
        if (i < t.n && t.cps[i] != '\n')
            continue;
        s_block_line(out, t.cps + start, i - start);
        if (i < t.n)
            dp_buf_puts(out, "\n");
        start = i + 1;
    }
    dp_buf_append(out, "", 0);
    dp_free(t.cps);
}

/* ==== HTML ==== */

void dp_text_html(dp_buf_t *out, const char *text)
{
    assert(out);
    s_text_t t;
    s_clean(text, S_CLEAN_KEEP, 0, &t);
    for (size_t i = 0; i < t.n; i++) {
        uint32_t cp = t.cps[i];
        uint32_t prev = i > 0 ? t.cps[i - 1] : 0;
        uint32_t next = i + 1 < t.n ? t.cps[i + 1] : 0;
        if (cp == '&')
            dp_buf_puts(out, "&amp;");
        else if (cp == '<')
            dp_buf_puts(out, "&lt;");
        else if (cp == '>')
            dp_buf_puts(out, "&gt;");
        else if (cp == '"')
            dp_buf_puts(out, "&quot;");
        else if (cp == '\'')
            dp_buf_puts(out, "&#39;");
        else if (cp == '{' && (s_in(next, "{%") || prev == '{'))
            dp_buf_puts(out, "&#123;");
        else if (cp == '}' && (s_in(prev, "}%") || next == '}'))
            dp_buf_puts(out, "&#125;");
        else
            dp_utf8_put(out, cp);
    }
    dp_buf_append(out, "", 0);
    dp_free(t.cps);
}

/* ==== Code spans and link destinations ==== */

void dp_text_md_code(dp_buf_t *out, const char *text, size_t max_chars)
{
    assert(out);
    s_text_t t;
    s_clean(text, S_CLEAN_LINE, max_chars, &t);
    if (t.truncated) {
        /* The ellipsis shows inside the span. */
        t.cps[t.n++] = 0x2026;
    }
    bool element = t.n == 0 || t.cps[0] == ' ' || t.cps[t.n - 1] == ' ';
    for (size_t k = 0; k < t.n; k++)
        if (s_in(t.cps[k], "&<>|`\\"))
            element = true;
    if (element)
        s_emit_code_element(out, t.cps, t.n);
    else
        s_emit_span_raw(out, t.cps, t.n, 1);
    dp_buf_append(out, "", 0);
    dp_free(t.cps);
}

/* Bytes written as they are in a link destination; the rest is
 * percent-encoded. Parentheses, brackets, quotes, braces, backslash,
 * backtick, "<", ">", "|", "$", "*", "^", spaces, controls and non-ASCII
 * bytes are not in it. */
static bool s_url_keep(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || strchr("-._~:/?#@!&+,;=%", c) != NULL;
}

void dp_text_url(dp_buf_t *out, const char *url)
{
    assert(out);
    static const char hex[] = "0123456789ABCDEF";
    if (!url ||
        (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
        dp_buf_puts(out, "#");
        return;
    }
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (s_url_keep(*p)) {
            dp_buf_append(out, p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 0xF]};
            dp_buf_append(out, enc, sizeof enc);
        }
    }
    dp_buf_append(out, "", 0);
}
