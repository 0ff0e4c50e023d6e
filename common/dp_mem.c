/* dp_mem.c - checked allocation and a growable byte buffer */
/* SPDX-License-Identifier: MIT */
#include "dp_mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DP_ASPRINTF_ROOM 128 /* bytes dp_asprintf reserves before formatting */

static void s_oom(size_t size)
{
    fprintf(stderr, "devpulse: out of memory allocating %zu bytes\n", size);
    abort();
}

void *dp_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

void *dp_calloc(size_t n, size_t size)
{
    if (size && SIZE_MAX / size < n)
        s_oom(SIZE_MAX);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        s_oom(n * size);
    return p;
}

void *dp_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

char *dp_strdup(const char *s)
{
    return s ? dp_strndup(s, strlen(s)) : NULL;
}

char *dp_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *p = dp_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void dp_free(void *ptr)
{
    free(ptr);
}

char *dp_asprintf(const char *fmt, ...)
{
    dp_buf_t buf = DP_BUF_INIT;
    dp_buf_reserve(&buf, DP_ASPRINTF_ROOM); /* most fit: formatted once */
    va_list ap;
    va_start(ap, fmt);
    dp_buf_vprintf(&buf, fmt, ap);
    va_end(ap);
    return dp_buf_take(&buf);
}

void dp_buf_reserve(dp_buf_t *buf, size_t extra)
{
    if (SIZE_MAX - buf->len < extra + 1)
        s_oom(SIZE_MAX);
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    buf->data = dp_realloc(buf->data, cap);
    buf->cap = cap;
}

void dp_buf_puts(dp_buf_t *buf, const char *s)
{
    dp_buf_append(buf, s, strlen(s));
}

void dp_buf_put_int(dp_buf_t *buf, long long v)
{
    char digits[24]; /* a sign and the 19 digits of a 64-bit integer */
    size_t at = sizeof digits;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--at] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--at] = '-';
    dp_buf_append(buf, digits + at, sizeof digits - at);
}

void dp_buf_vprintf(dp_buf_t *buf, const char *fmt, va_list ap)
{
    /* Formatted once into the room there is; a second time only when it
     * did not fit. */
    size_t room = buf->cap > buf->len ? buf->cap - buf->len : 0;
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(room ? buf->data + buf->len : NULL, room, fmt, copy);
    va_end(copy);
    if (n >= 0 && (size_t)n < room) {
        buf->len += (size_t)n;
        return;
    }
    if (room)
        buf->data[buf->len] = '\0'; /* what did not fit is not kept */
    if (n < 0)
        return;
    dp_buf_reserve(buf, (size_t)n);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    buf->len += (size_t)n;
}

void dp_buf_printf(dp_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_buf_vprintf(buf, fmt, ap);
    va_end(ap);
}

void dp_buf_reset(dp_buf_t *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

char *dp_buf_take(dp_buf_t *buf)
{
    char *s = buf->data ? buf->data : dp_strdup("");
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return s;
}

void dp_buf_free(dp_buf_t *buf)
{
    dp_free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}
