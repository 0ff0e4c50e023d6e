/* dp_tkprom.h - scraping a service's endpoint in tests: a GET and a strict
 * parser of the Prometheus text format 0.0.4 */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TKPROM_H
#define DP_TKPROM_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_mem.h"

#define DP_TK_PROM_LABELS_MAX 8

/* One sample line. */
typedef struct {
    char *name;                          /* metric name, owned */
    char *keys[DP_TK_PROM_LABELS_MAX];   /* label names, owned */
    char *values[DP_TK_PROM_LABELS_MAX]; /* unescaped values, owned */
    size_t nlabels;                      /* labels in the braces */
    double value;                        /* the sample value */
} dp_tk_prom_sample_t;

/* What a whole exposition holds. */
typedef struct {
    dp_tk_prom_sample_t *samples; /* in the order written, owned */
    size_t count;
} dp_tk_prom_t;

/* Parses text strictly: every line ends in '\n'; "# HELP name text" (text
 * escaping only "\\" and "\n") and "# TYPE name counter|gauge|untyped"
 * at most once per name, TYPE before any sample of that name; a sample is
 * `name{k="v",...} value` with valid names, values escaping only "\\",
 * "\"" and "\n", no label twice, a number (or NaN, +Inf, -Inf) as value,
 * its name that of the last TYPE line, and no series twice. Other "#"
 * lines are comments; empty lines are refused. Returns 0 with *out filled
 * (free with dp_tk_prom_clear), or -1 with "line N: why" in err. */
int dp_tk_prom_parse(const char *text, dp_tk_prom_t *out, char *err,
                     size_t errlen);

/* Frees what dp_tk_prom_parse stored. */
void dp_tk_prom_clear(dp_tk_prom_t *prom);

/* The value of label key of a sample, or NULL. */
const char *dp_tk_prom_label(const dp_tk_prom_sample_t *s, const char *key);

/* The sample of name whose label key is value (key NULL: the first sample
 * of name), or NULL. */
const dp_tk_prom_sample_t *dp_tk_prom_find(const dp_tk_prom_t *prom,
                                           const char *name, const char *key,
                                           const char *value);

/* The value of dp_tk_prom_find's sample, or -1 when there is none. */
double dp_tk_prom_value(const dp_tk_prom_t *prom, const char *name,
                        const char *key, const char *value);

/* Sends method (e.g. "GET") for path to http://127.0.0.1:port, at most
 * 10 s, and appends the body to *body, NUL-terminated. Returns the HTTP
 * status, or 0 when no answer came. Needs curl_global_init. */
long dp_tk_http(int port, const char *method, const char *path, dp_buf_t *body);

#endif
