/* dp_log.c - one-line log records on stderr */
/* SPDX-License-Identifier: MIT */
#include "dp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DP_LOG_IDENT_MAX 32
#define DP_LOG_LINE_MAX 4096

static char s_ident[DP_LOG_IDENT_MAX] = "devpulse";
static int s_level = DP_LOG_INFO;
static const char *const s_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void dp_log_init(const char *ident)
{
    if (ident)
        snprintf(s_ident, sizeof s_ident, "%s", ident);
    const char *env = getenv("DP_LOG_LEVEL");
    int level = env ? dp_log_level_parse(env) : -1;
    if (level >= 0)
        s_level = level;
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

void dp_log_write(int level, const char *fmt, ...)
{
    char text[DP_LOG_LINE_MAX];
    char line[DP_LOG_LINE_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    if (level < DP_LOG_DEBUG || level > DP_LOG_ERROR)
        level = DP_LOG_ERROR;
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s[%d] %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), s_ident,
                     (int)getpid(), s_names[level]);
    size_t pos = n > 0 ? (size_t)n : 0;
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
    /* One write per record keeps records whole when processes share stderr. */
    ssize_t w = write(STDERR_FILENO, line, pos);
    (void)w;
}
