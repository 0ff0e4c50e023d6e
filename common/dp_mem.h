/* dp_mem.h - checked allocation and a growable byte buffer */
/* SPDX-License-Identifier: MIT */
#ifndef DP_MEM_H
#define DP_MEM_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "dp_err.h"

/* Allocation never returns NULL: out of memory logs and aborts. */
void *dp_malloc(size_t size);
void *dp_calloc(size_t n, size_t size); /* checks n * size for overflow */
void *dp_realloc(void *ptr, size_t size);
char *dp_strdup(const char *s); /* NULL in, NULL out */
char *dp_strndup(const char *s, size_t n);
void dp_free(void *ptr);

/* Formats into a new string that the caller frees. */
char *dp_asprintf(const char *fmt, ...) DP_PRINTF(1, 2);

/* A growable buffer, always NUL-terminated after the first append.
 * Initialize with DP_BUF_INIT or zero it; release with dp_buf_free(). */
typedef struct {
    char *data; /* owned; NULL until something is appended */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
} dp_buf_t;

#define DP_BUF_INIT                                                            \
    {                                                                          \
        NULL, 0, 0                                                             \
    }

/* Makes room for extra more bytes (and the NUL). May reallocate
 * buf->data. */
void dp_buf_reserve(dp_buf_t *buf, size_t extra);

/* Appends len bytes. May reallocate buf->data. Inline: renderers append a
 * character at a time, and the common case is a copy into room that is
 * already there. */
static inline void dp_buf_append(dp_buf_t *buf, const void *data, size_t len)
{
    if (buf->cap - buf->len <= len)
        dp_buf_reserve(buf, len);
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

/* Appends a NUL-terminated string. */
void dp_buf_puts(dp_buf_t *buf, const char *s);

/* Appends the decimal digits of v, as printf's "%lld" writes them. */
void dp_buf_put_int(dp_buf_t *buf, long long v);

/* Appends formatted text. */
void dp_buf_printf(dp_buf_t *buf, const char *fmt, ...) DP_PRINTF(2, 3);
void dp_buf_vprintf(dp_buf_t *buf, const char *fmt, va_list ap) DP_PRINTF(2, 0);

/* Empties the buffer and keeps its memory. */
void dp_buf_reset(dp_buf_t *buf);

/* Gives the contents to the caller (who frees them) and empties the buffer.
 * Returns an empty string rather than NULL. */
char *dp_buf_take(dp_buf_t *buf);

/* Frees the contents; the buffer may be reused afterwards. */
void dp_buf_free(dp_buf_t *buf);

#endif
