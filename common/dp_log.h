/* dp_log.h - one-line log records on stderr */
/* SPDX-License-Identifier: MIT */
#ifndef DP_LOG_H
#define DP_LOG_H

#include "dp_err.h"

enum { DP_LOG_DEBUG = 0, DP_LOG_INFO, DP_LOG_WARN, DP_LOG_ERROR, DP_LOG_OFF };

/* Sets the service ident shown in every record ("collector"). The string
 * is copied. Reads DP_LOG_LEVEL (debug|info|warn|error|off) when set. */
void dp_log_init(const char *ident);

/* Sets the minimum level; records below it are skipped. */
void dp_log_set_level(int level);

/* Parses "debug", "info", "warn", "error" or "off"; -1 when unknown. */
int dp_log_level_parse(const char *name);

/* Current minimum level. */
int dp_log_level(void);

/* Writes one record: "2025-12-10T10:29:00.123Z collector[42] WARN text".
 * Newlines and control characters in the text are escaped, so a record
 * is always one line. Use the dp_log() macro instead. */
void dp_log_write(int level, const char *fmt, ...) DP_PRINTF(2, 3);

/* Skips evaluating the arguments when the level is filtered out. */
#define dp_log(level, ...)                                                     \
    do {                                                                       \
        if ((level) >= dp_log_level())                                         \
            dp_log_write((level), __VA_ARGS__);                                \
    } while (0)

#endif
