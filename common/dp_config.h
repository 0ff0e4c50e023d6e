/* dp_config.h - one option table per program: defaults, file, environment, flags */
/* SPDX-License-Identifier: MIT */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dp_err.h"

typedef enum {
    DP_OPT_STR = 0, /* target is char ** (owned by the table after load) */
    DP_OPT_INT,     /* target is long *, checked against [min, max] */
    DP_OPT_BOOL,    /* target is bool *; true/false/yes/no/on/off/1/0 */
    DP_OPT_ENUM     /* target is char **; value must be one of choices */
} dp_opt_type_t;

/* One option. Precedence: def < config file < environment < flag. */
typedef struct {
    const char *name;    /* key in the config file, e.g. "redis_url" */
    const char *env;     /* environment variable, or NULL */
    const char *flag;    /* long flag, e.g. "--redis-url", or NULL */
    dp_opt_type_t type;  /* how the value is parsed */
    void *target;        /* where the parsed value goes */
    const char *def;     /* default as text, or NULL for none */
    long min, max;       /* bounds for DP_OPT_INT */
    const char *choices; /* "|"-separated list for DP_OPT_ENUM */
    bool secret;         /* never logged; only from file or environment */
    const char *help;    /* one line for --help */
} dp_opt_t;

/* Fills every target from defaults, then the config file named by
 * "-c FILE"/"--config FILE" (or by env_config, e.g. "DP_CONFIG", when set),
 * then the environment, then argv. Flags take "--name value" or
 * "--name=value"; boolean flags may stand alone. Arguments that are not
 * flags are left in argv order in *rest (borrowed pointers; may be NULL
 * when the caller accepts none). When doc is not NULL it receives the whole
 * config file as a JSON tree (NULL when no file), owned by the caller.
 * On the first bad value returns DP_ECONFIG and writes one line into err,
 * e.g. "--redis-port: 70000 is out of range 1..65535"; "--help" returns
 * DP_EAGAIN after printing the help to stdout. */
DP_NODISCARD int dp_config_load(dp_opt_t *opts, size_t n, int argc,
                                char **argv, const char *env_config,
                                const char ***rest, size_t *nrest,
                                json_t **doc, char *err, size_t errlen);

/* Logs the effective configuration at INFO, secrets masked. */
void dp_config_log(const dp_opt_t *opts, size_t n);

/* Prints one line per option to stdout. */
void dp_config_help(const char *usage, const dp_opt_t *opts, size_t n);

/* Frees the strings that dp_config_load stored in the targets. */
void dp_config_free(dp_opt_t *opts, size_t n);

/* Strictly parses a decimal integer in [min, max]; 0 or DP_EINVAL. */
DP_NODISCARD int dp_parse_long(const char *s, long min, long max, long *out);

#endif
