/* dp_json.c - JSON access helpers (jansson) and YAML documents as JSON */
/* SPDX-License-Identifier: MIT */
#include "dp_json.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dp_mem.h"
#include "dp_utf8.h"

/* Nesting deeper than this is refused, which keeps every later recursive
 * walk over the tree (json_decref, json_dumps) shallow. */
#define DP_YAML_MAX_DEPTH 64
/* Configuration files are small; anything bigger is a mistake. */
#define DP_YAML_MAX_FILE ((size_t)16 * 1024 * 1024)

/* ==== Dotted paths ==== */

/* Parses a path segment as an array index: decimal digits only. */
static int s_segment_index(const char *seg, size_t len, size_t *index)
{
    size_t v = 0;
    if (len == 0)
        return DP_EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (seg[i] < '0' || seg[i] > '9')
            return DP_EINVAL;
        if (v > (SIZE_MAX - 9) / 10)
            return DP_EINVAL;
        v = v * 10 + (size_t)(seg[i] - '0');
    }
    *index = v;
    return 0;
}

json_t *dp_json_get(const json_t *obj, const char *path)
{
    assert(path);
    json_t *cur = (json_t *)obj;
    const char *p = path;

    if (!cur || *path == '\0')
        return cur;
    while (cur) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (json_is_object(cur)) {
            cur = json_object_getn(cur, p, len);
        } else if (json_is_array(cur)) {
            size_t index = 0;
            if (s_segment_index(p, len, &index) < 0)
                return NULL;
            cur = json_array_get(cur, index);
        } else {
            return NULL;
        }
        if (!dot)
            break;
        p = dot + 1;
    }
    return cur;
}

const char *dp_json_str(const json_t *obj, const char *path)
{
    json_t *v = dp_json_get(obj, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t dp_json_int(const json_t *obj, const char *path, int64_t def)
{
    json_t *v = dp_json_get(obj, path);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v)) {
        double d = json_real_value(v);
        /* 2^63 is exactly representable; anything at or past it is not
         * an int64_t. */
        if (isfinite(d) && d > -9223372036854775808.0 &&
            d < 9223372036854775808.0)
            return (int64_t)d;
    }
    return def;
}

bool dp_json_bool(const json_t *obj, const char *path, bool def)
{
    json_t *v = dp_json_get(obj, path);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

/* ==== Parsing ==== */

/* dp_json_parse reads a text itself and builds the same tree jansson
 * builds (jansson's own lexer takes a function call and a buffer append
 * per byte); whatever it does not take at once (an error, a nesting
 * deeper than DP_JSON_PARSE_DEPTH, an integer past int64, a real number
 * that overflows, a long number) it leaves to json_loadb, which then
 * builds the tree or writes the error. */
#define DP_JSON_PARSE_DEPTH 512
#define DP_JSON_NUM_MAX 64    /* characters of a number read here */
#define DP_JSON_INT_DIGITS 18 /* digits that always fit an int64 */

typedef struct {
    const char *p, *end;
    dp_buf_t scratch; /* a string with escapes, decoded */
} s_parser_t;

static json_t *s_parse_value(s_parser_t *ps, int depth);

static void s_skip_ws(s_parser_t *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' ||
                               *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

/* Four hex digits at p; -1 when they are not. */
static long s_hex4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* One escape after a backslash at ps->p (past it), appended to b. */
static int s_parse_escape(s_parser_t *ps, dp_buf_t *b)
{
    if (ps->p >= ps->end)
        return -1;
    char c = *ps->p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *at = c ? strchr(from, c) : NULL;
    if (at) {
        dp_buf_append(b, &to[at - from], 1);
        return 0;
    }
    if (c != 'u')
        return -1;
    long cp = s_hex4(ps->p, ps->end);
    if (cp < 0)
        return -1;
    ps->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* a pair, or an error */
        long lo = ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u'
                      ? s_hex4(ps->p + 2, ps->end)
                      : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return -1;
        ps->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
        return -1; /* a lone low surrogate; NUL, as jansson refuses it */
    }
    dp_utf8_put(b, (uint32_t)cp);
    return 0;
}

/* The string at ps->p (past its quote): its bytes in *s, *len, either in
 * the text itself or, with escapes, in ps->scratch. -1 on anything
 * jansson refuses (a control character, bytes that are not UTF-8, a bad
 * escape, no end). */
static int s_parse_chars(s_parser_t *ps, const char **s, size_t *len)
{
    const char *start = ps->p;
    bool escaped = false;
    dp_buf_reset(&ps->scratch);
    for (;;) {
        const char *run = ps->p;
        while (ps->p < ps->end) {
            unsigned char c = (unsigned char)*ps->p;
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            if (c < 0x80) {
                ps->p++;
                continue;
            }
            size_t n = dp_utf8_char(ps->p, (size_t)(ps->end - ps->p), NULL);
            if (n == 0)
                return -1;
            ps->p += n;
        }
        if (ps->p >= ps->end || (unsigned char)*ps->p < 0x20)
            return -1;
        if (escaped)
            dp_buf_append(&ps->scratch, run, (size_t)(ps->p - run));
        if (*ps->p == '"')
            break;
        if (!escaped) { /* what came before the first escape */
            dp_buf_append(&ps->scratch, start, (size_t)(ps->p - start));
            escaped = true;
        }
        ps->p++; /* the backslash */
        if (s_parse_escape(ps, &ps->scratch) < 0)
            return -1;
    }
    *s = escaped ? (ps->scratch.data ? ps->scratch.data : "") : start;
    *len = escaped ? ps->scratch.len : (size_t)(ps->p - start);
    ps->p++; /* the closing quote */
    return 0;
}

/* A number as jansson's lexer reads it: -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?, an integer without fraction or exponent. */
static json_t *s_parse_number(s_parser_t *ps)
{
    const char *start = ps->p, *q = ps->p;
    bool real = false;
    if (q < ps->end && *q == '-')
        q++;
    if (q >= ps->end || *q < '0' || *q > '9')
        return NULL;
    if (*q == '0')
        q++;
    else
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
    if (q < ps->end && *q == '.') {
        real = true;
        const char *d = ++q;
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
        if (q == d)
            return NULL;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        real = true;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        const char *d = q;
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
        if (q == d)
            return NULL;
    }
    size_t n = (size_t)(q - start);
    if (n >= DP_JSON_NUM_MAX)
        return NULL;
    char tok[DP_JSON_NUM_MAX];
    memcpy(tok, start, n);
    tok[n] = '\0';
    ps->p = q;
    errno = 0;
    if (!real) {
        bool neg = tok[0] == '-';
        if (n - neg > DP_JSON_INT_DIGITS) {
            long long v = strtoll(tok, NULL, 10);
            return errno == ERANGE ? NULL : json_integer(v);
        }
        long long v = 0;
        for (size_t i = neg; i < n; i++)
            v = v * 10 + (tok[i] - '0');
        return json_integer(neg ? -v : v);
    }
    double d = strtod(tok, NULL);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
        return NULL;
    return json_real(d);
}

/* The literal word at ps->p, when it is one. */
static bool s_parse_word(s_parser_t *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

/* What follows an element of an array or object: 1 for its closing
 * bracket close, 0 for a comma, -1 for anything else. */
static int s_parse_next(s_parser_t *ps, char close)
{
    s_skip_ws(ps);
    if (ps->p >= ps->end)
        return -1;
    char c = *ps->p++;
    return c == close ? 1 : c == ',' ? 0 : -1;
}

static json_t *s_parse_array(s_parser_t *ps, int depth)
{
    json_t *a = json_array();
    s_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return a;
    }
    for (;;) {
        json_t *v = s_parse_value(ps, depth);
        int next =
            !v || json_array_append_new(a, v) < 0 ? -1 : s_parse_next(ps, ']');
        if (next > 0)
            return a;
        if (next < 0)
            break;
    }
    json_decref(a);
    return NULL;
}

static json_t *s_parse_object(s_parser_t *ps, int depth)
{
    json_t *o = json_object();
    s_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return o;
    }
    for (;;) {
        const char *key;
        size_t klen;
        if (ps->p >= ps->end || *ps->p != '"')
            break;
        ps->p++;
        if (s_parse_chars(ps, &key, &klen) < 0)
            break;
        /* The key outlives the scratch buffer a value may reuse. */
        char small[DP_JSON_NUM_MAX];
        char *copy = klen < sizeof small ? small : dp_malloc(klen + 1);
        memcpy(copy, key, klen);
        copy[klen] = '\0';
        s_skip_ws(ps);
        json_t *v = NULL;
        if (ps->p < ps->end && *ps->p == ':') {
            ps->p++;
            v = s_parse_value(ps, depth);
        }
        int rc = v ? json_object_setn_new_nocheck(o, copy, klen, v) : -1;
        if (copy != small)
            dp_free(copy);
        int next = rc < 0 ? -1 : s_parse_next(ps, '}');
        if (next > 0)
            return o;
        if (next < 0)
            break;
        s_skip_ws(ps);
    }
    json_decref(o);
    return NULL;
}

static json_t *s_parse_value(s_parser_t *ps, int depth)
{
    s_skip_ws(ps);
    if (ps->p >= ps->end || depth >= DP_JSON_PARSE_DEPTH)
        return NULL;
    switch (*ps->p) {
    case '{':
        ps->p++;
        return s_parse_object(ps, depth + 1);
    case '[':
        ps->p++;
        return s_parse_array(ps, depth + 1);
    case '"': {
        const char *str;
        size_t len;
        ps->p++;
        if (s_parse_chars(ps, &str, &len) < 0)
            return NULL;
        return json_stringn_nocheck(str, len);
    }
    case 't':
        return s_parse_word(ps, "true") ? json_true() : NULL;
    case 'f':
        return s_parse_word(ps, "false") ? json_false() : NULL;
    case 'n':
        return s_parse_word(ps, "null") ? json_null() : NULL;
    default:
        return s_parse_number(ps);
    }
}

json_t *dp_json_string(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    return dp_utf8_valid(s, len) ? json_stringn_nocheck(s, len) : NULL;
}

json_t *dp_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    assert(text || len == 0);
    s_parser_t ps = {.p = text, .end = text ? text + len : NULL};
    json_t *root = len ? s_parse_value(&ps, 0) : NULL;
    dp_buf_free(&ps.scratch);
    if (root) {
        s_skip_ws(&ps);
        if (ps.p == ps.end)
            return root;
        json_decref(root); /* trailing bytes: jansson says where */
    }
    json_error_t error;
    root = json_loadb(text ? text : "", len, JSON_DECODE_ANY, &error);
    if (!root && err && errlen)
        snprintf(err, errlen, "line %d, column %d: %s", error.line,
                 error.column, error.text);
    return root;
}

/* ==== Serializing ==== */

/* The flags dp_json_dumps writes itself; with any other (ENSURE_ASCII,
 * ESCAPE_SLASH, EMBED) it hands the whole value to json_dumps. */
#define DP_JSON_OWN_FLAGS                                                      \
    (JSON_MAX_INDENT | JSON_COMPACT | JSON_SORT_KEYS | JSON_PRESERVE_ORDER |   \
     JSON_ENCODE_ANY | JSON_REAL_PRECISION(31))
#define DP_JSON_INDENT_OF(flags) ((flags)&JSON_MAX_INDENT)
/* A tree nested deeper is refused (NULL): a cycle is, as json_dumps
 * refuses it. */
#define DP_JSON_DUMP_DEPTH 2048
#define DP_JSON_KEYS_STACK 32 /* keys of an object sorted without malloc */

typedef struct {
    const char *key;
    size_t len;
    json_t *value;
} s_key_t;

/* jansson's order of keys: bytes, then length. */
static int s_cmp_keys(const void *a, const void *b)
{
    const s_key_t *x = a, *y = b;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sorts an object's keys: by insertion for a few (objects are built in
 * the same order each time, often sorted already: n - 1 comparisons
 * then), qsort for many. */
static void s_sort_keys(s_key_t *keys, size_t n)
{
    if (n > DP_JSON_KEYS_STACK) {
        qsort(keys, n, sizeof *keys, s_cmp_keys);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        s_key_t k = keys[i];
        size_t j = i;
        while (j > 0 && s_cmp_keys(&keys[j - 1], &k) > 0) {
            keys[j] = keys[j - 1];
            j--;
        }
        keys[j] = k;
    }
}

/* A new line and the indent of depth, or a space where jansson writes
 * one (after a comma, unless compact). */
static void s_dump_indent(dp_buf_t *out, size_t flags, int depth, bool space)
{
    size_t n = DP_JSON_INDENT_OF(flags) * (size_t)depth;
    if (DP_JSON_INDENT_OF(flags) > 0) {
        dp_buf_reserve(out, n + 1);
        out->data[out->len++] = '\n';
        memset(out->data + out->len, ' ', n);
        out->len += n;
        out->data[out->len] = '\0';
    } else if (space && !(flags & JSON_COMPACT)) {
        dp_buf_append(out, " ", 1);
    }
}

/* A string as jansson writes it without ENSURE_ASCII or ESCAPE_SLASH: '"'
 * and '\\' escaped, control characters as \b \f \n \r \t or \u00XX,
 * everything else as it is. -1 for bytes that are not UTF-8. */
/* True when a byte of w is below 0x20, '"' or '\\': a byte to escape.
 * (x - 0x01..01) & ~x & 0x80..80 is not 0 exactly when a byte of x is 0
 * (and below n with n times 0x01..01 subtracted, for n up to 0x80). */
static bool s_word_escapes(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t high = UINT64_C(0x8080808080808080);
    uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
            ((slash - ones) & ~slash)) &
           high;
}

static int s_dump_string(dp_buf_t *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    /* The short escapes; \u00XX for the other controls. */
    static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
    if (dp_utf8_invalid_at(s, len) != len)
        return -1;
    dp_buf_reserve(out, len + 2);
    dp_buf_append(out, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        uint64_t w;
        /* Eight bytes at a time while none needs an escape. */
        while (i + sizeof w <= len &&
               (memcpy(&w, s + i, sizeof w), !s_word_escapes(w)))
            i += sizeof w;
        if (i == len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        dp_buf_append(out, s + run, i - run);
        run = i + 1;
        const char *at = c ? memchr(from, c, sizeof from - 1) : NULL;
        char esc[6] = {'\\',        at ? to[at - from] : 'u',
                       '0',         '0',
                       hex[c >> 4], hex[c & 0xf]};
        size_t n = at ? 2 : sizeof esc;
        dp_buf_append(out, esc, n);
    }
    dp_buf_append(out, s + run, len - run);
    dp_buf_append(out, "\"", 1);
    return 0;
}

int dp_json_put_string(dp_buf_t *out, const char *s, size_t len)
{
    assert(out && (s || len == 0));
    return s_dump_string(out, s ? s : "", len) < 0 ? DP_EJSON : 0;
}

void dp_json_put_int(dp_buf_t *out, json_int_t v)
{
    assert(out);
    dp_buf_put_int(out, (long long)v);
}

/* Anything jansson writes in a way of its own (a real number): by
 * jansson itself. */
static int s_dump_by_jansson(dp_buf_t *out, const json_t *v, size_t flags)
{
    char *text = json_dumps(v, (flags & DP_JSON_OWN_FLAGS) | JSON_ENCODE_ANY);
    if (!text)
        return -1;
    dp_buf_puts(out, text);
    free(text);
    return 0;
}

static int s_dump(dp_buf_t *out, const json_t *v, size_t flags, int depth);

static int s_dump_array(dp_buf_t *out, const json_t *v, size_t flags, int depth)
{
    size_t n = json_array_size(v);
    dp_buf_append(out, "[", 1);
    if (n > 0)
        s_dump_indent(out, flags, depth + 1, false);
    for (size_t i = 0; i < n; i++) {
        if (s_dump(out, json_array_get(v, i), flags, depth + 1) < 0)
            return -1;
        if (i + 1 < n) {
            dp_buf_append(out, ",", 1);
            s_dump_indent(out, flags, depth + 1, true);
        } else {
            s_dump_indent(out, flags, depth, false);
        }
    }
    dp_buf_append(out, "]", 1);
    return 0;
}

static int s_dump_object(dp_buf_t *out, const json_t *v, size_t flags,
                         int depth)
{
    size_t n = json_object_size(v), i = 0;
    s_key_t stack[DP_JSON_KEYS_STACK];
    s_key_t *keys =
        n <= DP_JSON_KEYS_STACK ? stack : dp_calloc(n, sizeof *keys);
    for (void *it = json_object_iter((json_t *)v); it && i < n;
         it = json_object_iter_next((json_t *)v, it), i++)
        keys[i] = (s_key_t){json_object_iter_key(it),
                            json_object_iter_key_len(it),
                            json_object_iter_value(it)};
    n = i;
    if (flags & JSON_SORT_KEYS)
        s_sort_keys(keys, n);
    int rc = 0;
    dp_buf_append(out, "{", 1);
    if (n > 0)
        s_dump_indent(out, flags, depth + 1, false);
    for (i = 0; rc == 0 && i < n; i++) {
        rc = s_dump_string(out, keys[i].key, keys[i].len);
        if (rc == 0) {
            dp_buf_puts(out, flags & JSON_COMPACT ? ":" : ": ");
            rc = s_dump(out, keys[i].value, flags, depth + 1);
        }
        if (i + 1 < n) {
            dp_buf_append(out, ",", 1);
            s_dump_indent(out, flags, depth + 1, true);
        } else {
            s_dump_indent(out, flags, depth, false);
        }
    }
    dp_buf_append(out, "}", 1);
    if (keys != stack)
        dp_free(keys);
    return rc;
}

static int s_dump(dp_buf_t *out, const json_t *v, size_t flags, int depth)
{
    if (!v || depth > DP_JSON_DUMP_DEPTH)
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return s_dump_object(out, v, flags, depth);
    case JSON_ARRAY:
        return s_dump_array(out, v, flags, depth);
    case JSON_STRING:
        return s_dump_string(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        dp_json_put_int(out, json_integer_value(v));
        return 0;
    case JSON_TRUE:
        dp_buf_puts(out, "true");
        return 0;
    case JSON_FALSE:
        dp_buf_puts(out, "false");
        return 0;
    case JSON_NULL:
        dp_buf_puts(out, "null");
        return 0;
    default:
        return s_dump_by_jansson(out, v, flags);
    }
}

int dp_json_dump(dp_buf_t *out, const json_t *json, size_t flags)
{
    assert(out);
    if (!(flags & JSON_ENCODE_ANY) && !json_is_object(json) &&
        !json_is_array(json))
        return DP_EJSON;
    size_t at = out->len;
    int rc = 0;
    if (flags & ~(size_t)DP_JSON_OWN_FLAGS) {
        char *text = json_dumps(json, flags);
        rc = text ? 0 : -1;
        if (text)
            dp_buf_puts(out, text);
        free(text);
    } else {
        rc = s_dump(out, json, flags, 0);
    }
    if (rc < 0) {
        out->len = at; /* nothing half written */
        if (out->data)
            out->data[at] = '\0';
        return DP_EJSON;
    }
    return 0;
}

char *dp_json_dumps(const json_t *json, size_t flags)
{
    dp_buf_t out = DP_BUF_INIT;
    if (dp_json_dump(&out, json, flags) < 0) {
        dp_buf_free(&out);
        return NULL;
    }
    return dp_buf_take(&out);
}

/* ==== YAML ==== */

typedef struct {
    json_t *node;         /* the container being filled, owned by the stack */
    char *key;            /* pending mapping key, owned; NULL when none */
    yaml_mark_t key_mark; /* where the pending key starts */
} s_frame_t;

typedef struct {
    yaml_parser_t parser;
    const char *name;                   /* file name for messages */
    const char *text;                   /* the YAML text */
    size_t len;                         /* its length */
    s_frame_t stack[DP_YAML_MAX_DEPTH]; /* open containers */
    int depth;                          /* entries used in stack */
    json_t *root;                       /* finished document, owned */
    int documents;                      /* documents seen so far */
    char *err;                          /* caller's error buffer */
    size_t errlen;                      /* its size */
} s_loader_t;

static void s_fail(s_loader_t *ld, const yaml_mark_t *mark, const char *fmt,
                   ...) DP_PRINTF(3, 4);

static void s_fail(s_loader_t *ld, const yaml_mark_t *mark, const char *fmt,
                   ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (ld->err && ld->errlen)
        snprintf(ld->err, ld->errlen, "%s:%zu:%zu: %s", ld->name,
                 mark->line + 1, mark->column + 1, reason);
}

static void s_parser_fail(s_loader_t *ld)
{
    yaml_parser_t *p = &ld->parser;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    yaml_mark_t mark = p->problem_mark;
    if (p->error == YAML_READER_ERROR) {
        /* Reader errors carry a byte offset, not a line: count. */
        memset(&mark, 0, sizeof mark);
        for (size_t i = 0; i < p->problem_offset && i < ld->len; i++) {
            if (ld->text[i] == '\n') {
                mark.line++;
                mark.column = 0;
            } else if (((unsigned char)ld->text[i] & 0xC0) != 0x80) {
                mark.column++;
            }
        }
    }
    if (p->context)
        s_fail(ld, &mark, "%s (%s)", problem, p->context);
    else
        s_fail(ld, &mark, "%s", problem);
}

/* Plain scalars "true", "false", "null", "~", "" and decimal integers
 * become typed values (the YAML 1.2 core schema, without floats, octal or
 * hex). Everything else is a string. */
static bool s_is_decimal(const char *s, size_t len)
{
    size_t i = 0;
    if (len > 0 && s[0] == '-')
        i = 1;
    if (i >= len)
        return false;
    if (s[i] == '0' && len - i > 1)
        return false; /* "007" is not clearly decimal; keep it a string */
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool s_word_in(const char *s, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static json_t *s_plain_scalar(const char *s, size_t len)
{
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const nulls[] = {"null", "Null", "NULL", "~", "", NULL};
    if (s_word_in(s, trues))
        return json_true();
    if (s_word_in(s, falses))
        return json_false();
    if (s_word_in(s, nulls))
        return json_null();
    if (s_is_decimal(s, len)) {
        errno = 0;
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (errno == 0 && end == s + len)
            return json_integer(v);
    }
    return json_stringn(s, len);
}

/* Adds a finished value to the open container (or makes it the root).
 * Takes the reference to value. */
static int s_add(s_loader_t *ld, json_t *value)
{
    if (ld->depth == 0) {
        ld->root = value;
        return 0;
    }
    s_frame_t *top = &ld->stack[ld->depth - 1];
    if (json_is_array(top->node)) {
        json_array_append_new(top->node, value);
        return 0;
    }
    assert(top->key);
    if (json_object_get(top->node, top->key)) {
        s_fail(ld, &top->key_mark, "duplicate key \"%s\"", top->key);
        json_decref(value);
        return DP_EJSON;
    }
    json_object_set_new(top->node, top->key, value);
    dp_free(top->key);
    top->key = NULL;
    return 0;
}

/* A scalar: either a mapping key or a value. */
static int s_on_scalar(s_loader_t *ld, const yaml_event_t *ev)
{
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;

    if (ev->data.scalar.anchor) {
        s_fail(ld, &ev->start_mark, "anchors (&%s) are not supported",
               (const char *)ev->data.scalar.anchor);
        return DP_EJSON;
    }
    if (ev->data.scalar.tag) {
        s_fail(ld, &ev->start_mark, "tags (%s) are not supported",
               (const char *)ev->data.scalar.tag);
        return DP_EJSON;
    }
    if (memchr(value, '\0', len)) {
        s_fail(ld, &ev->start_mark, "NUL characters are not supported");
        return DP_EJSON;
    }

    s_frame_t *top = ld->depth ? &ld->stack[ld->depth - 1] : NULL;
    if (top && json_is_object(top->node) && !top->key) {
        top->key = dp_strndup(value, len);
        top->key_mark = ev->start_mark;
        return 0;
    }

    json_t *v = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                    ? s_plain_scalar(value, len)
                    : json_stringn(value, len);
    if (!v) {
        s_fail(ld, &ev->start_mark, "invalid UTF-8 in scalar");
        return DP_EJSON;
    }
    return s_add(ld, v);
}

/* A mapping or sequence starts: refuse anchors and tags and complex keys,
 * then push a new container. */
static int s_on_start(s_loader_t *ld, const yaml_event_t *ev, bool mapping)
{
    const yaml_char_t *anchor = mapping ? ev->data.mapping_start.anchor
                                        : ev->data.sequence_start.anchor;
    const yaml_char_t *tag =
        mapping ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    if (anchor) {
        s_fail(ld, &ev->start_mark, "anchors (&%s) are not supported",
               (const char *)anchor);
        return DP_EJSON;
    }
    if (tag) {
        s_fail(ld, &ev->start_mark, "tags (%s) are not supported",
               (const char *)tag);
        return DP_EJSON;
    }
    s_frame_t *top = ld->depth ? &ld->stack[ld->depth - 1] : NULL;
    if (top && json_is_object(top->node) && !top->key) {
        s_fail(ld, &ev->start_mark, "mapping keys must be plain text");
        return DP_EJSON;
    }
    if (ld->depth == DP_YAML_MAX_DEPTH) {
        s_fail(ld, &ev->start_mark, "nesting deeper than %d levels",
               DP_YAML_MAX_DEPTH);
        return DP_EJSON;
    }
    s_frame_t *frame = &ld->stack[ld->depth++];
    frame->node = mapping ? json_object() : json_array();
    frame->key = NULL;
    return 0;
}

static int s_on_end(s_loader_t *ld)
{
    assert(ld->depth > 0);
    s_frame_t *frame = &ld->stack[--ld->depth];
    json_t *node = frame->node;
    frame->node = NULL;
    dp_free(frame->key);
    frame->key = NULL;
    return s_add(ld, node);
}

static int s_on_event(s_loader_t *ld, const yaml_event_t *ev, bool *done)
{
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        *done = true;
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        ld->documents++;
        if (ld->documents > 1) {
            s_fail(ld, &ev->start_mark,
                   "more than one document is not supported");
            return DP_EJSON;
        }
        return 0;
    case YAML_ALIAS_EVENT:
        s_fail(ld, &ev->start_mark, "aliases (*%s) are not supported",
               (const char *)ev->data.alias.anchor);
        return DP_EJSON;
    case YAML_SCALAR_EVENT:
        return s_on_scalar(ld, ev);
    case YAML_SEQUENCE_START_EVENT:
        return s_on_start(ld, ev, false);
    case YAML_MAPPING_START_EVENT:
        return s_on_start(ld, ev, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return s_on_end(ld);
    default:
        return 0;
    }
}

/* Runs the parser that the caller set up; returns the tree or NULL. */
static json_t *s_load(s_loader_t *ld)
{
    json_t *result = NULL;
    bool done = false;
    int rc = 0;

    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ld->parser, &ev)) {
            s_parser_fail(ld);
            goto out;
        }
        rc = s_on_event(ld, &ev, &done);
        yaml_event_delete(&ev);
        if (rc < 0)
            goto out;
    }
    /* An empty document, or none at all, is an empty mapping. */
    if (!ld->root || json_is_null(ld->root))
        result = json_object();
    else
        result = json_incref(ld->root);
out:
    while (ld->depth > 0) {
        s_frame_t *frame = &ld->stack[--ld->depth];
        json_decref(frame->node);
        dp_free(frame->key);
    }
    json_decref(ld->root);
    ld->root = NULL;
    return result;
}

json_t *dp_yaml_load(const char *text, size_t len, const char *name, char *err,
                     size_t errlen)
{
    assert(text || len == 0);
    s_loader_t *ld = dp_calloc(1, sizeof *ld);
    json_t *root = NULL;

    ld->name = name ? name : "<yaml>";
    ld->text = text ? text : "";
    ld->len = len;
    ld->err = err;
    ld->errlen = errlen;
    if (!yaml_parser_initialize(&ld->parser)) {
        yaml_mark_t none = {0, 0, 0};
        s_fail(ld, &none, "cannot initialize the YAML parser");
        goto out;
    }
    yaml_parser_set_input_string(&ld->parser, (const unsigned char *)ld->text,
                                 len);
    root = s_load(ld);
    yaml_parser_delete(&ld->parser);
out:
    dp_free(ld);
    return root;
}

json_t *dp_yaml_load_file(const char *path, char *err, size_t errlen)
{
    assert(path);
    json_t *root = NULL;
    dp_buf_t text = DP_BUF_INIT;
    char chunk[4096];
    FILE *f = fopen(path, "rb");

    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        dp_buf_append(&text, chunk, n);
        if (text.len > DP_YAML_MAX_FILE) {
            if (err && errlen)
                snprintf(err, errlen, "%s: larger than %zu bytes", path,
                         DP_YAML_MAX_FILE);
            goto out;
        }
        if (n < sizeof chunk)
            break;
    }
    if (ferror(f)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    root = dp_yaml_load(text.data, text.len, path, err, errlen);
out:
    fclose(f);
    dp_buf_free(&text);
    return root;
}
