/* dp_log.c - one-line log records on stderr */
/* SPDX-License-Identifier: MIT */
#include "dp_log.h"

#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dp_time.h"
#include "dp_utf8.h"

#define DP_LOG_IDENT_MAX 32
#define DP_LOG_LINE_MAX 4096
#define DP_LOG_RATE_SLOTS 64  /* recent messages remembered */
#define DP_LOG_SAMPLE_MAX 160 /* text kept of each, for its summary */
#define DP_LOG_RATE_MS_MAX 86400000L
#define DP_LOG_MASK "***"
#define DP_LOG_ISO_MAX 32  /* "2025-12-10T10:29:00Z" and room */
#define DP_LOG_JSON_TAIL 8 /* room kept for the end of a JSON record */

/* A recent warning or error: one slot of a direct-mapped table. */
typedef struct {
    uint64_t key;                   /* call site and text; 0 when free */
    long long since_ms;             /* monotonic time of its record */
    long suppressed;                /* repeats counted since */
    int level;                      /* of the record */
    char sample[DP_LOG_SAMPLE_MAX]; /* its text, cut */
} s_recent_t;

/* The window a record is about (dp_log_window). */
typedef struct {
    const char *repo; /* "owner/name" */
    int64_t from, to; /* Unix seconds */
} s_window_t;

static char s_ident[DP_LOG_IDENT_MAX] = "devpulse";
static int s_level = DP_LOG_INFO;
static int s_format = DP_LOG_TEXT;
static const char *const s_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
static const char *const s_json_names[] = {"debug", "info", "warn", "error"};
static long s_rate_ms = DP_LOG_RATE_MS_DEFAULT;
static s_recent_t s_recent[DP_LOG_RATE_SLOTS];
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

void dp_log_init(const char *ident)
{
    static bool registered = false;
    if (ident)
        snprintf(s_ident, sizeof s_ident, "%s", ident);
    const char *env = getenv("DP_LOG_LEVEL");
    int level = env ? dp_log_level_parse(env) : -1;
    if (level >= 0)
        s_level = level;
    env = getenv("DP_LOG_FORMAT");
    if (env && *env)
        s_format = strcasecmp(env, "json") == 0 ? DP_LOG_JSON : DP_LOG_TEXT;
    /* Parsed here rather than with dp_parse_long: dp_config logs, so the
     * log must not depend on it. */
    env = getenv("DP_LOG_RATE_MS");
    if (env && *env) {
        char *end = NULL;
        errno = 0;
        long rate = strtol(env, &end, 10);
        if (errno == 0 && *end == '\0' && rate >= 0 &&
            rate <= DP_LOG_RATE_MS_MAX)
            s_rate_ms = rate;
    }
    if (!registered)
        registered = atexit(dp_log_flush) == 0;
}

void dp_log_set_format(int format)
{
    s_format = format == DP_LOG_JSON ? DP_LOG_JSON : DP_LOG_TEXT;
}

void dp_log_set_level(int level)
{
    s_level = level;
}

int dp_log_level(void)
{
    return s_level;
}

int dp_log_level_parse(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error",
                                        "off"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcasecmp(name, names[i]) == 0)
            return i;
    return -1;
}

void dp_log_set_rate_ms(long ms)
{
    pthread_mutex_lock(&s_lock);
    s_rate_ms = ms > 0 ? ms : 0;
    pthread_mutex_unlock(&s_lock);
}

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The time now, "2025-12-10T10:29:00.123Z", into buf. */
static void s_now_iso(char *buf, size_t size)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%03uZ",
             (unsigned)(tv.tv_usec / 1000) % 1000u);
}

/* Appends s as a JSON string to line at *pos, escaped, made valid UTF-8,
 * and cut so that DP_LOG_JSON_TAIL bytes stay free after its closing
 * quote. */
static void s_json_str(char *line, size_t size, size_t *pos, const char *s)
{
    size_t end = size - DP_LOG_JSON_TAIL - 1; /* for the closing quote */
    size_t len = strlen(s);
    line[(*pos)++] = '"';
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        char esc[8] = "";
        size_t n = 1, bad = 1;
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof esc, "\\u%04x", c);
        else if (c >= 0x80 && (n = dp_utf8_char(s + i, len - i, &bad)) == 0)
            snprintf(esc, sizeof esc, "\\ufffd");
        size_t w = esc[0] ? strlen(esc) : n;
        if (*pos + w > end)
            break;
        memcpy(line + *pos, esc[0] ? esc : s + i, w);
        *pos += w;
        i += n ? n : bad;
    }
    line[(*pos)++] = '"';
}

/* Appends ,"key":"value" to a JSON record. */
static void s_json_field(char *line, size_t size, size_t *pos, const char *key,
                         const char *value)
{
    *pos += (size_t)snprintf(line + *pos, size - *pos, ",\"%s\":", key);
    s_json_str(line, size, pos, value);
}

/* Writes one JSON record: {"time":..,"level":..,"service":..,"msg":..}
 * and the window's fields. */
static void s_emit_json(int level, const char *text, const s_window_t *w)
{
    char line[DP_LOG_LINE_MAX * 2], now[DP_LOG_ISO_MAX];
    s_now_iso(now, sizeof now);
    size_t pos =
        (size_t)snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\"",
                         now, s_json_names[level]);
    s_json_field(line, sizeof line, &pos, "service", s_ident);
    s_json_field(line, sizeof line, &pos, "msg", text);
    if (w) {
        char from[DP_LOG_ISO_MAX], to[DP_LOG_ISO_MAX];
        dp_time_iso_utc(w->from, from, sizeof from);
        dp_time_iso_utc(w->to, to, sizeof to);
        s_json_field(line, sizeof line, &pos, "repo", w->repo);
        s_json_field(line, sizeof line, &pos, "window_from", from);
        s_json_field(line, sizeof line, &pos, "window_to", to);
    }
    line[pos++] = '}';
    line[pos++] = '\n';
    ssize_t n = write(STDERR_FILENO, line, pos);
    (void)n;
}

/* "REPO FROM..TO: " for a record about a window, into buf ("" for none). */
static const char *s_window_prefix(const s_window_t *w, char *buf, size_t size)
{
    buf[0] = '\0';
    if (w) {
        char from[DP_LOG_ISO_MAX], to[DP_LOG_ISO_MAX];
        dp_time_iso_utc(w->from, from, sizeof from);
        dp_time_iso_utc(w->to, to, sizeof to);
        snprintf(buf, size, "%s %s..%s: ", w->repo, from, to);
    }
    return buf;
}

/* Writes one record with its prefix, escaping control characters. One
 * write per record keeps records whole when processes share stderr. */
static void s_emit(int level, const char *text, const s_window_t *w)
{
    if (level < DP_LOG_DEBUG || level > DP_LOG_ERROR)
        level = DP_LOG_ERROR;
    if (s_format == DP_LOG_JSON) {
        s_emit_json(level, text, w);
        return;
    }
    char line[DP_LOG_LINE_MAX * 2], now[DP_LOG_ISO_MAX];
    char prefix[DP_LOG_SAMPLE_MAX + 2 * DP_LOG_ISO_MAX];
    s_now_iso(now, sizeof now);
    int n = snprintf(line, sizeof line, "%s %s[%d] %s %s", now, s_ident,
                     (int)getpid(), s_names[level],
                     s_window_prefix(w, prefix, sizeof prefix));
    size_t pos = n > 0 ? (size_t)n : 0;
    if (pos >= sizeof line)
        pos = sizeof line - 1;
    for (const unsigned char *p = (const unsigned char *)text;
         *p && pos + 5 < sizeof line; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            pos +=
                (size_t)snprintf(line + pos, sizeof line - pos, "\\x%02x", *p);
        } else {
            line[pos++] = (char)*p;
        }
    }
    line[pos++] = '\n';
    ssize_t written = write(STDERR_FILENO, line, pos);
    (void)written;
}

/* ==== Credentials in URLs ==== */

/* Length of the authority that starts at s (after "://"). */
static size_t s_authority_len(const char *s)
{
    size_t n = 0;
    while (s[n] && (unsigned char)s[n] > 0x20 && s[n] != 0x7f &&
           !strchr("/?#\"'<>`", s[n]))
        n++;
    return n;
}

/* True when s[0..n) is a URL scheme followed by ':' ("tcp:"). */
static bool s_scheme_colon(const char *s, size_t n)
{
    if (n < 2 || s[n - 1] != ':' || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("+.-", s[i]))
            return false;
    return true;
}

/* The '@' that ends the user information of the authority at auth (len
 * bytes), or NULL. An '@' followed by "scheme:" then "//" starts the next
 * endpoint of a list ("...,@tcp://..."), not a host. */
static const char *s_userinfo_end(const char *auth, size_t len)
{
    bool next_url = auth[len] == '/' && auth[len + 1] == '/';
    for (size_t k = len; k-- > 0;) {
        if (auth[k] != '@')
            continue;
        if (next_url && s_scheme_colon(auth + k + 1, len - k - 1)) {
            len = k;
            next_url = false;
            continue;
        }
        return auth + k;
    }
    return NULL;
}

/* Appends n bytes of s to buf at *pos, keeping room for the NUL. */
static void s_put(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
    size_t room = size - 1 - *pos;
    if (n > room)
        n = room;
    memcpy(buf + *pos, s, n);
    *pos += n;
}

const char *dp_log_redact(const char *text, char *buf, size_t size)
{
    assert(text && buf && size > 0);
    const char *sep = strstr(text, "://");
    if (!sep)
        return text; /* the common case costs one scan */
    size_t pos = 0;
    bool masked = false;
    const char *from = text;
    for (; sep; sep = strstr(sep + 3, "://")) {
        const char *auth = sep + 3;
        const char *at = s_userinfo_end(auth, s_authority_len(auth));
        if (!at)
            continue;
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        const char *keep = colon ? colon + 1 : auth;
        s_put(buf, size, &pos, from, (size_t)(keep - from));
        s_put(buf, size, &pos, DP_LOG_MASK, strlen(DP_LOG_MASK));
        from = at;
        sep = at - 2; /* the next search starts after the '@' */
        masked = true;
    }
    if (!masked)
        return text;
    s_put(buf, size, &pos, from, strlen(from));
    buf[pos] = '\0';
    return buf;
}

/* ==== Rate limit ==== */

/* FNV-1a over the call site, the level and the text with each run of
 * digits read as one '#', so "restarting in 500 ms" and "... 1000 ms" are
 * one message. Never 0. */
static uint64_t s_key(const char *fmt, int level, const char *text)
{
    uint64_t h = 1469598103934665603ULL;
    uintptr_t site = (uintptr_t)fmt;
    for (size_t i = 0; i < sizeof site; i++) {
        h ^= (unsigned char)(site >> (8 * i));
        h *= 1099511628211ULL;
    }
    h ^= (unsigned char)level;
    h *= 1099511628211ULL;
    for (const char *p = text; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            while (isdigit((unsigned char)p[1]))
                p++;
            h ^= '#';
        } else {
            h ^= (unsigned char)*p;
        }
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

/* Writes the summary of a slot when it counted repeats, and frees it.
 * Called with the lock held. */
static void s_retire(s_recent_t *r, long long now)
{
    if (r->key && r->suppressed > 0) {
        char text[DP_LOG_SAMPLE_MAX + 96];
        long long secs = (now - r->since_ms + 999) / 1000;
        snprintf(text, sizeof text,
                 "%ld similar messages suppressed in %lld s: %s", r->suppressed,
                 secs > 0 ? secs : 1, r->sample);
        s_emit(r->level, text, NULL);
    }
    r->key = 0;
    r->suppressed = 0;
}

/* True when the message is a repeat to count rather than write. Retires
 * the slots whose period is over first, so their summaries come before
 * the record. Called with the lock held. */
static bool s_repeat(const char *fmt, int level, const char *text)
{
    long long now = s_now_ms();
    for (size_t i = 0; i < DP_LOG_RATE_SLOTS; i++)
        if (s_recent[i].key && now - s_recent[i].since_ms >= s_rate_ms)
            s_retire(&s_recent[i], now);
    uint64_t key = s_key(fmt, level, text);
    s_recent_t *r = &s_recent[key % DP_LOG_RATE_SLOTS];
    if (r->key == key) {
        r->suppressed++;
        return true;
    }
    s_retire(r, now); /* another message held the slot: its count now */
    r->key = key;
    r->since_ms = now;
    r->level = level;
    /* A sample of the text, cut on a character boundary. */
    size_t n = strnlen(text, sizeof r->sample - 1);
    if (text[n] != '\0')
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    memcpy(r->sample, text, n);
    r->sample[n] = '\0';
    return false;
}

void dp_log_flush(void)
{
    pthread_mutex_lock(&s_lock);
    long long now = s_now_ms();
    for (size_t i = 0; i < DP_LOG_RATE_SLOTS; i++)
        s_retire(&s_recent[i], now);
    pthread_mutex_unlock(&s_lock);
}

/* Formats, masks, rate-limits and writes one record. */
static void s_write(int level, const s_window_t *w, const char *fmt, va_list ap)
    DP_PRINTF(3, 0);
static void s_write(int level, const s_window_t *w, const char *fmt, va_list ap)
{
    char raw[DP_LOG_LINE_MAX], masked[DP_LOG_LINE_MAX];
    vsnprintf(raw, sizeof raw, fmt, ap);
    const char *text = dp_log_redact(raw, masked, sizeof masked);
    /* The limit tells records of different windows apart. */
    char prefix[DP_LOG_SAMPLE_MAX + 2 * DP_LOG_ISO_MAX];
    char keyed[sizeof prefix + DP_LOG_LINE_MAX];
    if (w)
        snprintf(keyed, sizeof keyed, "%s%s",
                 s_window_prefix(w, prefix, sizeof prefix), text);
    pthread_mutex_lock(&s_lock);
    bool quiet = level >= DP_LOG_WARN && s_rate_ms > 0 &&
                 s_repeat(fmt, level, w ? keyed : text);
    if (!quiet)
        s_emit(level, text, w);
    pthread_mutex_unlock(&s_lock);
}

void dp_log_write(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_write(level, NULL, fmt, ap);
    va_end(ap);
}

void dp_log_window_write(int level, const char *repo, int64_t from, int64_t to,
                         const char *fmt, ...)
{
    s_window_t w = {repo ? repo : "?", from, to};
    va_list ap;
    va_start(ap, fmt);
    s_write(level, &w, fmt, ap);
    va_end(ap);
}
