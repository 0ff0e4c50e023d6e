/* dp_tkprom.c - scraping a service's endpoint in tests: a GET and a strict
 * parser of the Prometheus text format 0.0.4 */
/* SPDX-License-Identifier: MIT */
#include "dp_tkprom.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"

#define S_NAMES_MAX 256 /* metric families of one exposition, at most */

/* The state of one parse. */
typedef struct {
    const char *p;                               /* the next character */
    long line;                                   /* the current line, from 1 */
    char *err;                                   /* where the reason goes */
    size_t errlen;                               /* its size */
    char *help[S_NAMES_MAX], *type[S_NAMES_MAX]; /* names seen, owned */
    size_t nhelp, ntype;
    const char *current; /* the name of the last TYPE line, borrowed */
} s_parse_t;

static int s_fail(s_parse_t *ps, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "line %ld: %s", ps->line, why);
    return -1;
}

/* Reads a name of the given alphabet (metric names allow ':'); NULL when
 * there is none. */
static char *s_name(s_parse_t *ps, bool metric)
{
    const char *s = ps->p;
    size_t n = 0;
    while (isalpha((unsigned char)s[n]) || s[n] == '_' ||
           (metric && s[n] == ':') || (n > 0 && isdigit((unsigned char)s[n])))
        n++;
    if (n == 0)
        return NULL;
    ps->p += n;
    return dp_strndup(s, n);
}

static bool s_seen(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* "# HELP name text" or "# TYPE name kind" or a comment, up to '\n'. */
static int s_comment(s_parse_t *ps)
{
    bool help = !strncmp(ps->p, "# HELP ", 7);
    bool type = !strncmp(ps->p, "# TYPE ", 7);
    const char *eol = strchr(ps->p, '\n');
    if (!help && !type) {
        ps->p = eol + 1;
        return 0;
    }
    ps->p += 7;
    char *name = s_name(ps, true);
    if (!name || *ps->p != ' ') {
        dp_free(name);
        return s_fail(ps, "a name and a space after # HELP/# TYPE");
    }
    ps->p++;
    char **names = help ? ps->help : ps->type;
    size_t *n = help ? &ps->nhelp : &ps->ntype;
    if (s_seen(names, *n, name) || *n == S_NAMES_MAX) {
        int rc = s_fail(ps, "%s given twice", name);
        dp_free(name);
        return rc;
    }
    names[(*n)++] = name;
    size_t len = (size_t)(eol - ps->p);
    if (help) {
        for (size_t i = 0; i < len; i++)
            if (ps->p[i] == '\\' && ps->p[i + 1] != '\\' && ps->p[i + 1] != 'n')
                return s_fail(ps, "bad escape in HELP");
            else if (ps->p[i] == '\\')
                i++;
    } else {
        static const char *const kinds[] = {"counter", "gauge", "untyped",
                                            "summary", "histogram"};
        bool known = false;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            known |= strlen(kinds[i]) == len && !strncmp(ps->p, kinds[i], len);
        if (!known)
            return s_fail(ps, "unknown type \"%.*s\"", (int)len, ps->p);
        ps->current = name;
    }
    ps->p = eol + 1;
    return 0;
}

/* A quoted label value, unescaped; NULL on a bad one. */
static char *s_value(s_parse_t *ps)
{
    if (*ps->p != '"')
        return NULL;
    ps->p++;
    dp_buf_t buf = DP_BUF_INIT;
    for (; *ps->p != '"'; ps->p++) {
        char c = *ps->p;
        if (c == '\n' || c == '\0')
            goto bad;
        if (c == '\\') {
            c = *++ps->p;
            if (c == 'n')
                c = '\n';
            else if (c != '\\' && c != '"')
                goto bad;
        }
        dp_buf_append(&buf, &c, 1);
    }
    ps->p++;
    dp_buf_append(&buf, "", 1);
    return dp_buf_take(&buf);
bad:
    dp_buf_free(&buf);
    return NULL;
}

static void s_sample_clear(dp_tk_prom_sample_t *s)
{
    dp_free(s->name);
    for (size_t i = 0; i < s->nlabels; i++) {
        dp_free(s->keys[i]);
        dp_free(s->values[i]);
    }
    memset(s, 0, sizeof *s);
}

/* The labels of a sample, after its '{'. */
static int s_labels(s_parse_t *ps, dp_tk_prom_sample_t *s)
{
    ps->p++;
    while (*ps->p != '}') {
        if (s->nlabels == DP_TK_PROM_LABELS_MAX)
            return s_fail(ps, "too many labels");
        char *key = s_name(ps, false);
        if (!key)
            return s_fail(ps, "a label name");
        for (size_t i = 0; i < s->nlabels; i++)
            if (!strcmp(s->keys[i], key)) {
                dp_free(key);
                return s_fail(ps, "a label given twice");
            }
        char *value = *ps->p++ == '=' ? s_value(ps) : NULL;
        if (!value) {
            dp_free(key);
            return s_fail(ps, "'=' and a good value after a label name");
        }
        s->keys[s->nlabels] = key;
        s->values[s->nlabels++] = value;
        if (*ps->p == ',')
            ps->p++;
        else if (*ps->p != '}')
            return s_fail(ps, "',' or '}' after a label");
    }
    ps->p++;
    return 0;
}

/* The value after the space, and the end of the line. */
static int s_number(s_parse_t *ps, dp_tk_prom_sample_t *s)
{
    if (*ps->p++ != ' ')
        return s_fail(ps, "a space before the value");
    const char *eol = strchr(ps->p, '\n');
    char text[64];
    size_t len = (size_t)(eol - ps->p);
    if (len == 0 || len >= sizeof text)
        return s_fail(ps, "a value");
    memcpy(text, ps->p, len);
    text[len] = '\0';
    if (!strcmp(text, "NaN"))
        s->value = NAN;
    else if (!strcmp(text, "+Inf"))
        s->value = INFINITY;
    else if (!strcmp(text, "-Inf"))
        s->value = -INFINITY;
    else {
        char *end = NULL;
        errno = 0;
        s->value = strtod(text, &end);
        if (errno != 0 || *end != '\0' || isalpha((unsigned char)text[0]) ||
            isspace((unsigned char)text[0]))
            return s_fail(ps, "\"%s\" is not a number", text);
    }
    ps->p = eol + 1;
    return 0;
}

/* True when a and b name the same series. */
static bool s_same_series(const dp_tk_prom_sample_t *a,
                          const dp_tk_prom_sample_t *b)
{
    if (strcmp(a->name, b->name) || a->nlabels != b->nlabels)
        return false;
    for (size_t i = 0; i < a->nlabels; i++) {
        const char *v = dp_tk_prom_label(b, a->keys[i]);
        if (!v || strcmp(v, a->values[i]))
            return false;
    }
    return true;
}

static int s_sample(s_parse_t *ps, dp_tk_prom_t *out)
{
    dp_tk_prom_sample_t s = {0};
    s.name = s_name(ps, true);
    int rc = -1;
    if (!s.name) {
        rc = s_fail(ps, "a metric name");
        goto out;
    }
    if (!ps->current || strcmp(ps->current, s.name)) {
        rc = s_fail(ps, "%s without its TYPE line before it", s.name);
        goto out;
    }
    if (*ps->p == '{' && s_labels(ps, &s) < 0)
        goto out;
    if (s_number(ps, &s) < 0)
        goto out;
    for (size_t i = 0; i < out->count; i++)
        if (s_same_series(&out->samples[i], &s)) {
            rc = s_fail(ps, "a series of %s given twice", s.name);
            goto out;
        }
    out->samples =
        dp_realloc(out->samples, (out->count + 1) * sizeof *out->samples);
    out->samples[out->count++] = s;
    return 0;
out:
    s_sample_clear(&s);
    return rc;
}

int dp_tk_prom_parse(const char *text, dp_tk_prom_t *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof *out);
    s_parse_t ps = {.p = text, .line = 1, .err = err, .errlen = errlen};
    int rc = 0;
    while (*ps.p && rc == 0) {
        if (!strchr(ps.p, '\n'))
            rc = s_fail(&ps, "no newline at the end");
        else if (*ps.p == '\n')
            rc = s_fail(&ps, "an empty line");
        else if (*ps.p == '#')
            rc = s_comment(&ps);
        else
            rc = s_sample(&ps, out);
        ps.line++;
    }
    for (size_t i = 0; i < ps.nhelp; i++)
        dp_free(ps.help[i]);
    for (size_t i = 0; i < ps.ntype; i++)
        dp_free(ps.type[i]);
    if (rc < 0)
        dp_tk_prom_clear(out);
    return rc;
}

void dp_tk_prom_clear(dp_tk_prom_t *prom)
{
    for (size_t i = 0; i < prom->count; i++)
        s_sample_clear(&prom->samples[i]);
    dp_free(prom->samples);
    memset(prom, 0, sizeof *prom);
}

const char *dp_tk_prom_label(const dp_tk_prom_sample_t *s, const char *key)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (!strcmp(s->keys[i], key))
            return s->values[i];
    return NULL;
}

const dp_tk_prom_sample_t *dp_tk_prom_find(const dp_tk_prom_t *prom,
                                           const char *name, const char *key,
                                           const char *value)
{
    for (size_t i = 0; i < prom->count; i++) {
        const dp_tk_prom_sample_t *s = &prom->samples[i];
        if (strcmp(s->name, name))
            continue;
        const char *v = key ? dp_tk_prom_label(s, key) : NULL;
        if (!key || (v && !strcmp(v, value)))
            return s;
    }
    return NULL;
}

double dp_tk_prom_value(const dp_tk_prom_t *prom, const char *name,
                        const char *key, const char *value)
{
    const dp_tk_prom_sample_t *s = dp_tk_prom_find(prom, name, key, value);
    return s ? s->value : -1;
}

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    dp_buf_append(userp, data, size * nmemb);
    return size * nmemb;
}

long dp_tk_http(int port, const char *method, const char *path, dp_buf_t *body)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    long status = 0;
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
    }
    dp_buf_append(body, "", 1);
    return status;
}
