/* fuzz_link.c - libFuzzer harness: dp_http_link_next on Link header values */
/* SPDX-License-Identifier: MIT */
/*
 * The input, made a C string (it ends at its first NUL, as a header value
 * read by libcurl would), goes to dp_http_link_next. A URL it returns must
 * be non-empty and stand in the value between '<' and the first '>' after
 * it; the caller frees it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_http.h"
#include "dp_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_link: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* Whether url appears in value as "<url>". */
static int s_bracketed(const char *value, const char *url)
{
    size_t len = strlen(url);
    for (const char *p = strchr(value, '<'); p; p = strchr(p + 1, '<'))
        if (strncmp(p + 1, url, len) == 0 && p[1 + len] == '>')
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = dp_strndup((const char *)data, size);
    char *next = dp_http_link_next(value);
    if (next) {
        if (next[0] == '\0')
            s_bug("an empty next URL", value);
        if (strchr(next, '>'))
            s_bug("the next URL runs past its '>'", next);
        if (!s_bracketed(value, next))
            s_bug("the next URL is not one of the value's <...>", next);
    }
    dp_free(next);
    dp_free(value);
    return 0;
}
