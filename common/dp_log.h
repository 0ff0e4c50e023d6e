/* dp_log.h - one-line log records on stderr */
/* SPDX-License-Identifier: MIT */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"

enum { DP_LOG_DEBUG = 0, DP_LOG_INFO, DP_LOG_WARN, DP_LOG_ERROR, DP_LOG_OFF };

/* How long a repeated warning or error stays quiet, by default. */
#define DP_LOG_RATE_MS_DEFAULT 10000

/* Record formats: one line of text, or one JSON object a line. */
enum { DP_LOG_TEXT = 0, DP_LOG_JSON };

/* Sets the service ident shown in every record ("collector"). The string
 * is copied. Reads DP_LOG_LEVEL (debug|info|warn|error|off),
 * DP_LOG_FORMAT (text|json) and DP_LOG_RATE_MS (see dp_log_set_rate_ms)
 * when set. The first call also arranges for dp_log_flush to run at
 * exit. */
void dp_log_init(const char *ident);

/* Sets the record format: DP_LOG_TEXT (the default) or DP_LOG_JSON, where
 * each record is {"time":"2026-12-07T14:30:00.123Z","level":"info",
 * "service":"collector","msg":"..."} plus "repo", "window_from" and
 * "window_to" (ISO 8601 UTC) for a record of dp_log_window; strings are
 * escaped as JSON wants and made valid UTF-8 (U+FFFD for a bad byte). */
void dp_log_set_format(int format);

/* Sets the minimum level; records below it are skipped. */
void dp_log_set_level(int level);

/* Parses "debug", "info", "warn", "error" or "off"; -1 when unknown. */
int dp_log_level_parse(const char *name);

/* Current minimum level. */
int dp_log_level(void);

/* Sets the rate limit of warnings and errors: a message of the same call
 * site (format) and the same text, digits aside, logged again within ms
 * of its first record is counted instead of written; once that period is
 * over, or at dp_log_flush, one record "N similar messages suppressed in
 * S s: <first text>" says how many. 0 turns the limit off. Debug and info
 * records are never limited. The table of recent messages has a fixed
 * size (a message pushed out reports its count early); no allocation. */
void dp_log_set_rate_ms(long ms);

/* Writes the pending "similar messages suppressed" records now and
 * forgets the recent messages. */
void dp_log_flush(void);

/* Masks the user information of every URL in text: the password of
 * "scheme://user:pw@host" and the whole of "scheme://pw@host" (Redis'
 * password form) become three asterisks. The authority ends at a space, a
 * quote, a '<', '>', '`', '/', '?', '#' or a control character; the last
 * '@' in it ends the user information, except the '@' of a bind endpoint
 * that follows in a list (">tcp://a:1,@tcp://b:2"). Returns text itself
 * when it holds no URL with user information, else buf (size bytes, always
 * terminated, cut when too small). */
const char *dp_log_redact(const char *text, char *buf, size_t size);

/* Writes one record: "2025-12-10T10:29:00.123Z collector[42] WARN text".
 * Newlines and control characters in the text are escaped, so a record
 * is always one line; the credentials of URLs are masked (dp_log_redact),
 * so no record carries a password whatever its caller passed. Warnings and
 * errors are rate-limited (see dp_log_set_rate_ms). Thread-safe. Use the
 * dp_log() macro instead. */
void dp_log_write(int level, const char *fmt, ...) DP_PRINTF(2, 3);

/* As dp_log_write, for a record about one window of one repository: the
 * text format writes "REPO FROM..TO: text" with the instants in ISO 8601
 * UTC, the JSON format puts them in the fields "repo", "window_from" and
 * "window_to". from and to are Unix seconds. Use dp_log_window(). */
void dp_log_window_write(int level, const char *repo, int64_t from, int64_t to,
                         const char *fmt, ...) DP_PRINTF(5, 6);

/* Skips evaluating the arguments when the level is filtered out. */
#define dp_log(level, ...)                                                     \
    do {                                                                       \
        if ((level) >= dp_log_level())                                         \
            dp_log_write((level), __VA_ARGS__);                                \
    } while (0)

/* dp_log for a record about a window: dp_log_window(DP_LOG_INFO, repo,
 * from, to, "fmt", ...). */
#define dp_log_window(level, repo, from, to, ...)                              \
    do {                                                                       \
        if ((level) >= dp_log_level())                                         \
            dp_log_window_write((level), (repo), (from), (to), __VA_ARGS__);   \
    } while (0)

#endif
