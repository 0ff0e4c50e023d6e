/* dp_utf8.h - UTF-8 validity: checking and repairing untrusted bytes */
/* SPDX-License-Identifier: MIT */
#ifndef DP_UTF8_H
#define DP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_mem.h"

/* U+FFFD REPLACEMENT CHARACTER, as UTF-8. */
#define DP_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Reads the sequence that starts at s[0] (len bytes are readable, len > 0).
 * Returns its length (1 to 4) when it is one well-formed character as
 * Unicode's table 3-7 defines it: no overlong form, no surrogate
 * (U+D800-U+DFFF), nothing past U+10FFFF. Otherwise returns 0 and sets
 * *bad, when not NULL, to the length of its maximal invalid subpart (1 to
 * 3 bytes), which is what one U+FFFD replaces. U+0000 is well-formed:
 * callers that refuse NUL do it themselves. */
size_t dp_utf8_char(const char *s, size_t len, size_t *bad);

/* Offset of the first byte of s[0..len) that is not part of well-formed
 * UTF-8, or len when all of it is. s may be NULL when len is 0. */
size_t dp_utf8_invalid_at(const char *s, size_t len);

/* True when s[0..len) is well-formed UTF-8. */
bool dp_utf8_valid(const char *s, size_t len);

/* Bytes of s[0..len) before the first NUL or byte past ASCII: len for
 * plain ASCII text without NUL, which needs no other check. */
size_t dp_utf8_plain_run(const char *s, size_t len);

/* Returns a NUL-terminated copy of s[0..len) in which every maximal
 * invalid subpart is replaced by U+FFFD (the W3C/WHATWG practice), so
 * "a\xFF" becomes "a\uFFFD" and a sequence cut short becomes one U+FFFD.
 * Well-formed text is copied unchanged. The caller frees the result with
 * dp_free. */
char *dp_utf8_repair(const char *s, size_t len);

/* Appends code point cp (at most U+10FFFF) to out as UTF-8, one to four
 * bytes. May reallocate out->data. */
void dp_utf8_put(dp_buf_t *out, uint32_t cp);

#endif
