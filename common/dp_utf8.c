/* dp_utf8.c - UTF-8 validity: checking and repairing untrusted bytes */
/* SPDX-License-Identifier: MIT */
#include "dp_utf8.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "dp_mem.h"

size_t dp_utf8_char(const char *s, size_t len, size_t *bad)
{
    assert(s && len > 0);
    const unsigned char *u = (const unsigned char *)s;
    size_t need;                        /* bytes of the whole sequence */
    unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        need = 2;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        need = 3;
        lo = u[0] == 0xE0 ? 0xA0 : lo; /* overlong below U+0800 */
        hi = u[0] == 0xED ? 0x9F : hi; /* surrogates */
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        need = 4;
        lo = u[0] == 0xF0 ? 0x90 : lo; /* overlong below U+10000 */
        hi = u[0] == 0xF4 ? 0x8F : hi; /* past U+10FFFF */
    } else {
        need = 0; /* a continuation byte, C0, C1 or F5-FF */
    }
    size_t k = 1;
    while (k < need && k < len && u[k] >= lo && u[k] <= hi) {
        k++;
        lo = 0x80;
        hi = 0xBF;
    }
    if (need && k == need)
        return need;
    if (bad)
        *bad = k;
    return 0;
}

/* Bytes of s[0..len) before the first one past ASCII (or, with no_nul,
 * the first NUL), read a word at a time: titles and bodies are mostly
 * ASCII, and every hop checks them. (w - 0x01..01) | w has a high bit set
 * in a word exactly when a byte of it is 0 or past 0x7F: with every byte
 * at least 1 nothing borrows. */
static size_t s_ascii_run(const unsigned char *s, size_t len, bool no_nul)
{
    const uint64_t high = UINT64_C(0x8080808080808080);
    const uint64_t ones = no_nul ? UINT64_C(0x0101010101010101) : 0;
    size_t i = 0;
    for (; i + sizeof(uint64_t) <= len; i += sizeof(uint64_t)) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (((w - ones) | w) & high)
            break;
    }
    while (i < len && s[i] < 0x80 && (s[i] || !no_nul))
        i++;
    return i;
}

size_t dp_utf8_plain_run(const char *s, size_t len)
{
    return s_ascii_run((const unsigned char *)s, len, true);
}

size_t dp_utf8_invalid_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        i += s_ascii_run((const unsigned char *)s + i, len - i, false);
        if (i == len)
            break;
        size_t n = dp_utf8_char(s + i, len - i, NULL);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}

bool dp_utf8_valid(const char *s, size_t len)
{
    return dp_utf8_invalid_at(s, len) == len;
}

char *dp_utf8_repair(const char *s, size_t len)
{
    dp_buf_t out = DP_BUF_INIT;
    size_t i = 0;
    while (i < len) {
        size_t good = dp_utf8_invalid_at(s + i, len - i);
        dp_buf_append(&out, s + i, good);
        i += good;
        if (i == len)
            break;
        size_t bad = 1;
        (void)dp_utf8_char(s + i, len - i, &bad);
        dp_buf_puts(&out, DP_UTF8_REPLACEMENT);
        i += bad;
    }
    return dp_buf_take(&out);
}

void dp_utf8_put(dp_buf_t *out, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    dp_buf_append(out, b, n);
}
