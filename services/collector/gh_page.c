/* gh_page.c - a listing page's body as JSON: whole, or item by item when
 * one item spoils it */
/* SPDX-License-Identifier: MIT */
#include "gh_page.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dp_json.h"

#define GH_PAGE_REASON_MAX 96
#define GH_PAGE_NUMBER_DIGITS 18 /* fits an int64_t */

static bool s_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Can c start a JSON value? */
static bool s_value_start(char c)
{
    return strchr("{[\"-0123456789tfn", c) != NULL;
}

/* Scans one element from text[*pos] up to the ',' or ']' that ends it at
 * the top, following strings and nesting. Stores the element's bounds
 * (trimmed) and leaves *pos on that ',' or ']'. Returns -1 when the text
 * ends first, or the element is empty or cannot be a JSON value. */
static int s_element(const char *text, size_t len, size_t *pos, size_t *start,
                     size_t *end)
{
    size_t p = *pos;
    while (p < len && s_ws(text[p]))
        p++;
    *start = p;
    long depth = 0;
    bool in_string = false;
    for (; p < len; p++) {
        char c = text[p];
        if (in_string) {
            if (c == '\\')
                p++; /* the escaped byte, whatever it is */
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (depth == 0)
                break;
            depth--;
        } else if (c == ',' && depth == 0) {
            break;
        }
    }
    if (p >= len || in_string || text[p] == '}')
        return -1;
    size_t e = p;
    while (e > *start && s_ws(text[e - 1]))
        e--;
    if (e == *start || !s_value_start(text[*start]))
        return -1;
    *end = e;
    *pos = p;
    return 0;
}

long gh_page_split(const char *text, size_t len,
                   void (*each)(const char *start, size_t length, void *arg),
                   void *arg)
{
    size_t p = 0;
    while (p < len && s_ws(text[p]))
        p++;
    if (p == len || text[p] != '[')
        return -1;
    p++;
    long n = 0;
    size_t q = p;
    while (q < len && s_ws(text[q]))
        q++;
    if (q < len && text[q] == ']') {
        p = q + 1; /* an empty array */
    } else {
        for (;;) {
            size_t start, end;
            if (s_element(text, len, &p, &start, &end) < 0)
                return -1;
            each(text + start, end - start, arg);
            n++;
            if (text[p++] == ']')
                break;
        }
    }
    while (p < len && s_ws(text[p]))
        p++;
    return p == len ? n : -1;
}

/* The non-negative integer of a key at the top of the object text
 * ("number"), or 0 when there is none. */
static long long s_top_int(const char *t, size_t len, const char *key)
{
    size_t klen = strlen(key);
    long depth = 0;
    for (size_t p = 0; p < len; p++) {
        char c = t[p];
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == '"') {
            size_t s = p + 1, e = s;
            while (e < len && t[e] != '"')
                e += t[e] == '\\' ? 2 : 1;
            if (e >= len)
                return 0;
            p = e;
            if (depth != 1 || e - s != klen || memcmp(t + s, key, klen) != 0)
                continue;
            size_t q = e + 1;
            while (q < len && s_ws(t[q]))
                q++;
            if (q >= len || t[q] != ':')
                continue;
            for (q++; q < len && s_ws(t[q]);)
                q++;
            long long v = 0;
            size_t digits = 0;
            while (q < len && t[q] >= '0' && t[q] <= '9' &&
                   digits < GH_PAGE_NUMBER_DIGITS) {
                v = v * 10 + (t[q++] - '0');
                digits++;
            }
            bool more = q < len && t[q] >= '0' && t[q] <= '9';
            return digits > 0 && !more ? v : 0;
        }
    }
    return 0;
}

/* Why jansson refused an element, in words a footer can show: the two
 * known causes by name, else its text without the "near '...'" excerpt
 * (which may hold the very bytes that are not UTF-8), in plain ASCII. */
static void s_reason(const char *jansson, char *out, size_t size)
{
    if (strstr(jansson, "too big integer")) {
        snprintf(out, size, "an integer beyond 64 bits");
        return;
    }
    if (strstr(jansson, "unable to decode byte") || strstr(jansson, "UTF-8")) {
        snprintf(out, size, "invalid UTF-8");
        return;
    }
    const char *text = strstr(jansson, ": ");
    text = text ? text + 2 : jansson; /* past "line 1, column 9: " */
    const char *near = strstr(text, " near ");
    size_t n = near ? (size_t)(near - text) : strlen(text);
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = text[i] >= ' ' && text[i] < 0x7f ? text[i] : '?';
    out[n] = '\0';
}

typedef struct {
    json_t *kept;   /* the elements that parse */
    size_t index;   /* elements seen */
    size_t skipped; /* elements that do not parse */
    char *note;     /* about the first skipped */
    size_t notelen;
} s_salvage_t;

static void s_salvage_one(const char *start, size_t length, void *arg)
{
    s_salvage_t *s = arg;
    char err[GH_PAGE_NOTE_MAX];
    json_t *item = dp_json_parse(start, length, err, sizeof err);
    s->index++;
    if (item) {
        json_array_append_new(s->kept, item);
        return;
    }
    if (s->skipped++ > 0 || !s->note || s->notelen == 0)
        return;
    char reason[GH_PAGE_REASON_MAX];
    s_reason(err, reason, sizeof reason);
    long long number = s_top_int(start, length, "number");
    if (number <= 0)
        number = s_top_int(start, length, "id");
    if (number > 0)
        snprintf(s->note, s->notelen, "#%lld: %s", number, reason);
    else
        snprintf(s->note, s->notelen, "item %zu: %s", s->index, reason);
}

json_t *gh_page_parse(const char *body, size_t len, size_t *skipped, char *note,
                      size_t notelen, char *err, size_t errlen)
{
    *skipped = 0;
    if (note && notelen)
        note[0] = '\0';
    json_t *doc = dp_json_parse(body, len, err, errlen);
    if (doc)
        return doc;
    s_salvage_t s = {.kept = json_array(), .note = note, .notelen = notelen};
    if (!body || gh_page_split(body, len, s_salvage_one, &s) < 0) {
        json_decref(s.kept);
        if (note && notelen)
            note[0] = '\0';
        return NULL; /* err still says why the whole did not parse */
    }
    *skipped = s.skipped;
    return s.kept;
}
