/* dp_config.h - one option table per program: defaults, file, environment,
 * flags */
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
    long min, max;       /* bounds for DP_OPT_INT; 0, 0 means any long */
    const char *choices; /* "|"-separated list for DP_OPT_ENUM */
    bool secret;         /* never logged; only from the environment */
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
/* Details of dp_config_load:
 * - Every target is first reset (NULL, 0 or false), then set from def.
 * - argv[0] is the program name and is skipped; "--" ends the flags.
 * - Config file keys are the option names, at the top level of a mapping;
 *   other keys are ignored here and stay available in *doc. A null value
 *   leaves the option as it was; lists and mappings are errors.
 * - An environment variable that is set but empty counts as unset.
 * - A value that starts with "--" must be written "--name=--value".
 * - Secrets come from the environment only. Secret options, and a URL
 *   with a password, are refused as flags (they show in the process
 *   list); a config file holding a secret anywhere (a string under a key
 *   named like a token, password, secret or API key, or a URL with a
 *   password) is refused (it is shared and copied). Both messages name
 *   the key and the environment variable where the secret belongs:
 *   "llm.api_key (config file): a secret does not belong in the
 *   configuration file; set LLM_API_KEY in the environment". Secret
 *   values never appear in messages.
 * - Messages name the source: "--lang: \"fr\" is not one of zh|en",
 *   "redis_port (config file): 70000 is out of range 1..65535",
 *   "DP_REDIS_PORT (environment): \"abc\" is not an integer",
 *   "unknown option --foo", "--from: missing value", and the loader's
 *   "file:line:col: reason" for a broken file.
 * - On success *rest (when there are positional arguments) is an array
 *   the caller frees with dp_free(); its strings are argv's. Without rest,
 *   a positional argument is an error.
 * - On any error (and on DP_EAGAIN) the strings already stored are freed
 *   and their targets set to NULL; *rest and *doc are NULL. */
DP_NODISCARD int dp_config_load(dp_opt_t *opts, size_t n, int argc, char **argv,
                                const char *env_config, const char ***rest,
                                size_t *nrest, json_t **doc, char *err,
                                size_t errlen);

/* Logs the effective configuration at INFO, one "config name=value" record
 * per option. Secrets show as "***" when set ("(unset)" otherwise); the
 * credentials of URLs are masked by dp_log itself (dp_log_redact). */
void dp_config_log(const dp_opt_t *opts, size_t n);

/* Prints "Usage: <usage>" (when usage is not NULL), then one line per
 * option to stdout: flag, help, file key, environment variable, bounds and
 * default (never a secret's default). */
void dp_config_help(const char *usage, const dp_opt_t *opts, size_t n);

/* Frees the strings that dp_config_load stored in the targets. */
void dp_config_free(dp_opt_t *opts, size_t n);

/* The configuration file dp_config_load reads for these arguments: the
 * value of -c/--config in argv, else of the environment variable env_config
 * (when not NULL, set and not empty); NULL when none. Borrowed from argv or
 * the environment. */
const char *dp_config_path(int argc, char **argv, const char *env_config);

/* The topic rules file of a service: given (from --rules or DP_RULES) when
 * set and not empty, else config_path when the configuration doc has
 * `topics` (they replace the built-in rules, in containers as under
 * `devpulse up`), else def. Borrowed from the arguments. */
const char *dp_config_rules(const char *given, const json_t *doc,
                            const char *config_path, const char *def);

/* The output formats of a configuration doc (`outputs: {formats: [md,
 * html]}`) joined with commas ("md,html"); a copy of def (NULL when def is
 * NULL) when the doc lists none. The caller frees it with dp_free(). */
char *dp_config_formats(const json_t *doc, const char *def);

/* Strictly parses a decimal integer in [min, max]; 0 or DP_EINVAL. Only
 * an optional '-' and digits: no spaces, '+', hex or trailing text. */
DP_NODISCARD int dp_parse_long(const char *s, long min, long max, long *out);

#endif
