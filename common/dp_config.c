/* dp_config.c - option tables: defaults, config file, environment, flags */
/* SPDX-License-Identifier: MIT */
#include "dp_config.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"

/* Values quoted in error messages are cut to this many bytes. */
#define DP_CONFIG_SHOW_MAX 64
#define DP_CONFIG_LABEL_MAX 128
#define DP_CONFIG_HELP_COLUMN 28
#define DP_CONFIG_SECRET_MASK "***"

/* Results of s_parse_long beside 0. */
#define S_NOT_INTEGER 1
#define S_OUT_OF_RANGE 2

/* ==== Values ==== */

/* Parses an optional '-' and decimal digits, nothing else. Returns 0,
 * S_NOT_INTEGER or S_OUT_OF_RANGE (does not fit a long). */
static int s_parse_long(const char *s, long *out)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '\0')
        return S_NOT_INTEGER;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return S_NOT_INTEGER;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE)
        return S_OUT_OF_RANGE;
    if (end == s || *end != '\0')
        return S_NOT_INTEGER;
    *out = v;
    return 0;
}

int dp_parse_long(const char *s, long min, long max, long *out)
{
    assert(s);
    assert(out);
    long v = 0;
    if (s_parse_long(s, &v) != 0 || v < min || v > max)
        return DP_EINVAL;
    *out = v;
    return 0;
}

static int s_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return DP_EINVAL;
}

/* Whether s is one of the '|'-separated choices. */
static bool s_is_choice(const char *choices, const char *s)
{
    size_t len = strlen(s);
    const char *p = choices;
    while (p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, s, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* The bounds of an INT option; min == max == 0 means any long. */
static void s_bounds(const dp_opt_t *opt, long *min, long *max)
{
    if (opt->min == 0 && opt->max == 0) {
        *min = LONG_MIN;
        *max = LONG_MAX;
    } else {
        *min = opt->min;
        *max = opt->max;
    }
}

/* Writes value for an error message: quoted, control characters as '?',
 * cut with "..."; a secret is never shown. */
static void s_show(const dp_opt_t *opt, const char *value, char *buf,
                   size_t size)
{
    if (opt->secret) {
        snprintf(buf, size, "the value");
        return;
    }
    char shown[DP_CONFIG_SHOW_MAX + 4];
    size_t n = 0;
    for (const char *p = value; *p && n < DP_CONFIG_SHOW_MAX; p++) {
        unsigned char c = (unsigned char)*p;
        char ch = *p;
        if (c < 0x20 || c == 0x7f)
            ch = '?';
        shown[n++] = ch;
    }
    if (value[n] != '\0' && n == DP_CONFIG_SHOW_MAX) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n] = '\0';
    snprintf(buf, size, "\"%s\"", shown);
}

/* Parses value (text from any source) into opt's target. label names the
 * source in messages ("--redis-port", "redis_port (config file)"). */
static int s_set(const dp_opt_t *opt, const char *value, const char *label,
                 char *err, size_t errlen)
{
    char shown[DP_CONFIG_SHOW_MAX + 8];
    switch (opt->type) {
    case DP_OPT_STR: {
        char **target = opt->target;
        dp_free(*target);
        *target = dp_strdup(value);
        return 0;
    }
    case DP_OPT_ENUM: {
        if (!s_is_choice(opt->choices ? opt->choices : "", value)) {
            s_show(opt, value, shown, sizeof shown);
            snprintf(err, errlen, "%s: %s is not one of %s", label, shown,
                     opt->choices ? opt->choices : "(none)");
            return DP_ECONFIG;
        }
        char **target = opt->target;
        dp_free(*target);
        *target = dp_strdup(value);
        return 0;
    }
    case DP_OPT_INT: {
        long v = 0, min, max;
        s_bounds(opt, &min, &max);
        int rc = s_parse_long(value, &v);
        if (rc == S_NOT_INTEGER) {
            s_show(opt, value, shown, sizeof shown);
            snprintf(err, errlen, "%s: %s is not an integer", label, shown);
            return DP_ECONFIG;
        }
        if (rc == S_OUT_OF_RANGE || v < min || v > max) {
            if (opt->secret)
                snprintf(shown, sizeof shown, "the value");
            else
                snprintf(shown, sizeof shown, "%.*s", DP_CONFIG_SHOW_MAX,
                         value);
            snprintf(err, errlen, "%s: %s is out of range %ld..%ld", label,
                     shown, min, max);
            return DP_ECONFIG;
        }
        *(long *)opt->target = v;
        return 0;
    }
    case DP_OPT_BOOL: {
        bool b = false;
        if (s_parse_bool(value, &b) < 0) {
            s_show(opt, value, shown, sizeof shown);
            snprintf(err, errlen,
                     "%s: %s is not a boolean (true|false|yes|no|on|off|1|0)",
                     label, shown);
            return DP_ECONFIG;
        }
        *(bool *)opt->target = b;
        return 0;
    }
    }
    assert(!"unknown option type");
    return DP_ECONFIG;
}

/* ==== Sources ==== */

static int s_apply_defaults(dp_opt_t *opts, size_t n, char *err, size_t errlen)
{
    char label[DP_CONFIG_LABEL_MAX];
    for (size_t i = 0; i < n; i++) {
        dp_opt_t *opt = &opts[i];
        assert(opt->name);
        assert(opt->target);
        switch (opt->type) {
        case DP_OPT_STR:
        case DP_OPT_ENUM:
            *(char **)opt->target = NULL;
            break;
        case DP_OPT_INT:
            *(long *)opt->target = 0;
            break;
        case DP_OPT_BOOL:
            *(bool *)opt->target = false;
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!opts[i].def)
            continue;
        snprintf(label, sizeof label, "%s (default)", opts[i].name);
        if (s_set(&opts[i], opts[i].def, label, err, errlen) < 0)
            return DP_ECONFIG;
    }
    return 0;
}

/* Turns a config file value into text for s_set. Returns 1 when there is
 * a value, 0 for null (not set), or DP_ECONFIG. */
static int s_file_text(const json_t *v, const char *label, char *buf,
                       size_t size, const char **text, char *err, size_t errlen)
{
    if (json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *text = json_string_value(v);
        return 1;
    }
    if (json_is_integer(v)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *text = buf;
        return 1;
    }
    if (json_is_boolean(v)) {
        *text = json_is_true(v) ? "true" : "false";
        return 1;
    }
    if (json_is_real(v)) {
        snprintf(buf, size, "%.17g", json_real_value(v));
        *text = buf;
        return 1;
    }
    snprintf(err, errlen, "%s: expected a single value, not %s", label,
             json_is_array(v) ? "a list" : "a mapping");
    return DP_ECONFIG;
}

static int s_apply_file(dp_opt_t *opts, size_t n, const json_t *root, char *err,
                        size_t errlen)
{
    char label[DP_CONFIG_LABEL_MAX];
    char number[64];
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(root, opts[i].name);
        const char *text = NULL;
        if (!v)
            continue;
        snprintf(label, sizeof label, "%s (config file)", opts[i].name);
        int rc =
            s_file_text(v, label, number, sizeof number, &text, err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        if (s_set(&opts[i], text, label, err, errlen) < 0)
            return DP_ECONFIG;
    }
    return 0;
}

static int s_apply_env(dp_opt_t *opts, size_t n, char *err, size_t errlen)
{
    char label[DP_CONFIG_LABEL_MAX];
    for (size_t i = 0; i < n; i++) {
        if (!opts[i].env)
            continue;
        const char *value = getenv(opts[i].env);
        if (!value || *value == '\0')
            continue;
        snprintf(label, sizeof label, "%s (environment)", opts[i].env);
        if (s_set(&opts[i], value, label, err, errlen) < 0)
            return DP_ECONFIG;
    }
    return 0;
}

/* ==== Secrets in the config file ==== */

/* Where a secret belongs, by the end of its key's name (a word of its own:
 * "github_token", "llm-api_key"). The first match wins. */
static const struct {
    const char *suffix;
    const char *env;
} s_secret_homes[] = {
    {"tokens", "GITHUB_TOKENS"},
    {"token", "GITHUB_TOKEN"},
    {"api_key", "LLM_API_KEY"},
    {"apikey", "LLM_API_KEY"},
    {"password", "REDIS_PASSWORD"},
    {"passwd", "REDIS_PASSWORD"},
    {"secret_key", "DP_CURVE_SECRET_KEY"},
    {"secret", NULL},
    {"redis_url", "REDIS_URL"},
    {"api_url", "GITHUB_API_URL"},
    {"base_url", "LLM_BASE_URL"},
};

/* The entry of s_secret_homes whose suffix ends key as a word, or -1. */
static int s_secret_home(const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < sizeof s_secret_homes / sizeof s_secret_homes[0];
         i++) {
        size_t slen = strlen(s_secret_homes[i].suffix);
        if (klen < slen ||
            strcasecmp(key + klen - slen, s_secret_homes[i].suffix) != 0)
            continue;
        if (klen == slen || strchr("_-.", key[klen - slen - 1]))
            return (int)i;
    }
    return -1;
}

/* True when a key names a secret (a token, password, secret or API key),
 * rather than the place of one (a URL). */
static bool s_secret_key(const char *key)
{
    int home = s_secret_home(key);
    return home >= 0 && !strstr(s_secret_homes[home].suffix, "url");
}

/* True when value is a URL with user information (a password). */
static bool s_url_with_credentials(const char *value)
{
    char buf[DP_CONFIG_LABEL_MAX];
    return dp_log_redact(value, buf, sizeof buf) != value;
}

/* The environment variable where the secret at path (its key last)
 * belongs: the option's for a top-level key, else by its name, else
 * NULL. */
static const char *s_secret_env(const dp_opt_t *opts, size_t n,
                                const char *path, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (opts[i].env && strcmp(opts[i].name, path) == 0)
            return opts[i].env;
    int home = s_secret_home(key);
    return home >= 0 ? s_secret_homes[home].env : NULL;
}

/* Refuses a secret anywhere in the config file: a string under a key named
 * like a token, password, secret or API key, or a URL with credentials.
 * path is the dotted place of v ("" at the top). */
static int s_refuse_secrets(const dp_opt_t *opts, size_t n, const json_t *v,
                            const char *key, const char *path, char *err,
                            size_t errlen)
{
    int rc = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *child;
        json_object_foreach((json_t *)v, k, child)
        {
            char *sub = *path ? dp_asprintf("%s.%s", path, k) : dp_strdup(k);
            rc = s_refuse_secrets(opts, n, child, k, sub, err, errlen);
            dp_free(sub);
            if (rc < 0)
                return rc;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            rc = s_refuse_secrets(opts, n, item, key, path, err, errlen);
            if (rc < 0)
                return rc;
        }
    } else if (json_is_string(v) && key && *json_string_value(v) &&
               (s_secret_key(key) ||
                s_url_with_credentials(json_string_value(v)))) {
        const char *env = s_secret_env(opts, n, path, key);
        snprintf(err, errlen,
                 "%s (config file): a %s does not belong in the "
                 "configuration file; set %s%s in the environment",
                 path, s_secret_key(key) ? "secret" : "URL with a password",
                 env ? env : "it", env ? "" : " (or a file of mode 0600)");
        return DP_ECONFIG;
    }
    return 0;
}

/* ==== Flags ==== */

static bool s_is_config_flag(const char *name)
{
    return strcmp(name, "-c") == 0 || strcmp(name, "--config") == 0;
}

static bool s_is_help_flag(const char *name)
{
    return strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0;
}

static dp_opt_t *s_find_flag(dp_opt_t *opts, size_t n, const char *name,
                             size_t len)
{
    for (size_t i = 0; i < n; i++) {
        const char *flag = opts[i].flag;
        if (flag && strlen(flag) == len && strncmp(flag, name, len) == 0)
            return &opts[i];
    }
    return NULL;
}

/* A value must not look like a long flag, so "--from --to" is an error
 * rather than a from-time of "--to". "--name=--x" still works. */
static bool s_usable_value(const char *arg)
{
    return arg && strncmp(arg, "--", 2) != 0;
}

/* The walk over argv, shared by both passes. */
typedef struct {
    bool apply;              /* second pass: store values, report errors */
    const char *config_path; /* from -c / --config */
    bool help;               /* --help seen */
    const char **rest;       /* positional arguments, owned */
    size_t nrest;            /* how many */
} s_walk_t;

static int s_walk(dp_opt_t *opts, size_t n, int argc, char **argv, s_walk_t *w,
                  char *err, size_t errlen)
{
    int i = 1;
    bool flags_done = false;

    while (i < argc) {
        const char *arg = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        bool positional = flags_done || arg[0] != '-' || arg[1] == '\0';

        if (positional) {
            if (w->apply)
                w->rest[w->nrest++] = arg;
            i++;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            flags_done = true;
            i++;
            continue;
        }
        if (s_is_help_flag(arg)) {
            w->help = true;
            i++;
            continue;
        }
        if (s_is_config_flag(arg)) {
            if (!s_usable_value(next)) {
                snprintf(err, errlen, "%s: missing file name", arg);
                return DP_ECONFIG;
            }
            w->config_path = next;
            i += 2;
            continue;
        }
        if (strncmp(arg, "--config=", 9) == 0) {
            w->config_path = arg + 9;
            i++;
            continue;
        }

        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        dp_opt_t *opt = s_find_flag(opts, n, arg, len);
        if (!opt) {
            if (w->apply) {
                snprintf(err, errlen, "unknown option %.*s", (int)len, arg);
                return DP_ECONFIG;
            }
            i++;
            continue;
        }
        const char *value = eq ? eq + 1 : NULL;
        int used = 1;
        if (!value && opt->type == DP_OPT_BOOL) {
            value = "true";
        } else if (!value) {
            if (!s_usable_value(next)) {
                if (w->apply) {
                    snprintf(err, errlen, "%s: missing value", opt->flag);
                    return DP_ECONFIG;
                }
            } else {
                value = next;
                used = 2;
            }
        }
        if (w->apply && !opt->secret && value &&
            s_url_with_credentials(value)) {
            snprintf(err, errlen,
                     "%s: a URL with a password is not accepted as a flag "
                     "(it shows in the process list); set %s in the "
                     "environment",
                     opt->flag, opt->env ? opt->env : "it");
            return DP_ECONFIG;
        }
        if (w->apply && opt->secret) {
            if (opt->env)
                snprintf(err, errlen,
                         "%s: secrets are not accepted as flags (they show "
                         "in the process list); set %s in the environment",
                         opt->flag, opt->env);
            else
                snprintf(err, errlen,
                         "%s: secrets are not accepted as flags; set %s in "
                         "the config file",
                         opt->flag, opt->name);
            return DP_ECONFIG;
        }
        if (w->apply && s_set(opt, value, opt->flag, err, errlen) < 0)
            return DP_ECONFIG;
        i += used;
    }
    return 0;
}

/* ==== Loading ==== */

static const char *s_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int dp_config_load(dp_opt_t *opts, size_t n, int argc, char **argv,
                   const char *env_config, const char ***rest, size_t *nrest,
                   json_t **doc, char *err, size_t errlen)
{
    assert(opts || n == 0);
    assert(argc >= 0);
    assert(argv || argc == 0);
    assert(err);
    assert(errlen > 0);
    int rc = 0;
    json_t *tree = NULL;
    s_walk_t w;
    memset(&w, 0, sizeof w);

    err[0] = '\0';
    if (rest)
        *rest = NULL;
    if (nrest)
        *nrest = 0;
    if (doc)
        *doc = NULL;

    /* First pass: --help and the config file name. */
    rc = s_walk(opts, n, argc, argv, &w, err, errlen);
    if (rc < 0)
        goto out;
    if (w.help) {
        char *usage = dp_asprintf("%s [OPTIONS]",
                                  argc > 0 ? s_basename(argv[0]) : "program");
        dp_config_help(usage, opts, n);
        dp_free(usage);
        rc = DP_EAGAIN;
        goto out;
    }

    rc = s_apply_defaults(opts, n, err, errlen);
    if (rc < 0)
        goto out;

    if (!w.config_path && env_config) {
        const char *path = getenv(env_config);
        if (path && *path)
            w.config_path = path;
    }
    if (w.config_path) {
        tree = dp_yaml_load_file(w.config_path, err, errlen);
        if (!tree) {
            rc = DP_ECONFIG;
            goto out;
        }
        if (!json_is_object(tree)) {
            snprintf(err, errlen, "%s: the top level must be a mapping",
                     w.config_path);
            rc = DP_ECONFIG;
            goto out;
        }
        rc = s_refuse_secrets(opts, n, tree, NULL, "", err, errlen);
        if (rc < 0)
            goto out;
        rc = s_apply_file(opts, n, tree, err, errlen);
        if (rc < 0)
            goto out;
    }

    rc = s_apply_env(opts, n, err, errlen);
    if (rc < 0)
        goto out;

    /* Second pass: flags and positional arguments. */
    w.apply = true;
    w.rest = dp_calloc(argc > 0 ? (size_t)argc : 1, sizeof *w.rest);
    rc = s_walk(opts, n, argc, argv, &w, err, errlen);
    if (rc < 0)
        goto out;
    if (w.nrest > 0 && !rest) {
        snprintf(err, errlen, "unexpected argument \"%.*s\"",
                 DP_CONFIG_SHOW_MAX, w.rest[0]);
        rc = DP_ECONFIG;
        goto out;
    }
out:
    if (rc < 0) {
        dp_config_free(opts, n);
        json_decref(tree);
        dp_free(w.rest);
        return rc;
    }
    if (rest && w.nrest > 0) {
        *rest = w.rest;
        w.rest = NULL;
    }
    if (nrest)
        *nrest = w.nrest;
    dp_free(w.rest);
    if (doc)
        *doc = tree;
    else
        json_decref(tree);
    return 0;
}

void dp_config_free(dp_opt_t *opts, size_t n)
{
    assert(opts || n == 0);
    for (size_t i = 0; i < n; i++) {
        if (opts[i].type != DP_OPT_STR && opts[i].type != DP_OPT_ENUM)
            continue;
        char **target = opts[i].target;
        dp_free(*target);
        *target = NULL;
    }
}

/* ==== What several programs take from the configuration file ==== */

const char *dp_config_path(int argc, char **argv, const char *env_config)
{
    assert(argv || argc == 0);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (s_is_config_flag(argv[i]) && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
    }
    const char *env = env_config ? getenv(env_config) : NULL;
    return env && *env ? env : NULL;
}

const char *dp_config_rules(const char *given, const json_t *doc,
                            const char *config_path, const char *def)
{
    if (given && *given)
        return given;
    if (config_path && dp_json_get(doc, "topics"))
        return config_path;
    return def;
}

char *dp_config_formats(const json_t *doc, const char *def)
{
    json_t *list = dp_json_get(doc, "outputs.formats");
    dp_buf_t buf = DP_BUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (buf.len)
            dp_buf_puts(&buf, ",");
        dp_buf_puts(&buf, json_string_value(v));
    }
    if (buf.len)
        return dp_buf_take(&buf);
    dp_buf_free(&buf);
    return def ? dp_strdup(def) : NULL;
}

/* ==== Showing the configuration ==== */

void dp_config_log(const dp_opt_t *opts, size_t n)
{
    assert(opts || n == 0);
    for (size_t i = 0; i < n; i++) {
        const dp_opt_t *opt = &opts[i];
        char *value = NULL;
        switch (opt->type) {
        case DP_OPT_STR:
        case DP_OPT_ENUM: {
            const char *s = *(char *const *)opt->target;
            if (!s)
                value = dp_strdup("(unset)");
            else if (opt->secret)
                value = dp_strdup(*s ? DP_CONFIG_SECRET_MASK : "(empty)");
            else
                value = dp_strdup(s); /* dp_log masks URL credentials */
            break;
        }
        case DP_OPT_INT:
            value = opt->secret
                        ? dp_strdup(DP_CONFIG_SECRET_MASK)
                        : dp_asprintf("%ld", *(const long *)opt->target);
            break;
        case DP_OPT_BOOL:
            value =
                opt->secret
                    ? dp_strdup(DP_CONFIG_SECRET_MASK)
                    : dp_strdup(*(const bool *)opt->target ? "true" : "false");
            break;
        }
        dp_log(DP_LOG_INFO, "config %s=%s", opt->name, value ? value : "?");
        dp_free(value);
    }
}

/* The left column of a help line: "--redis-port N", or the environment
 * variable or file key when there is no flag. */
static char *s_help_left(const dp_opt_t *opt)
{
    const char *meta = "";
    if (opt->type == DP_OPT_INT)
        meta = " N";
    else if (opt->type == DP_OPT_STR)
        meta = " TEXT";
    if (opt->flag && opt->type == DP_OPT_ENUM)
        return dp_asprintf("%s %s", opt->flag,
                           opt->choices ? opt->choices : "");
    if (opt->flag)
        return dp_asprintf("%s%s", opt->flag, meta);
    if (opt->env)
        return dp_asprintf("$%s", opt->env);
    return dp_asprintf("%s:", opt->name);
}

void dp_config_help(const char *usage, const dp_opt_t *opts, size_t n)
{
    assert(opts || n == 0);
    if (usage)
        printf("Usage: %s\n", usage);
    printf("  %-*s %s\n", DP_CONFIG_HELP_COLUMN, "-c, --config FILE",
           "read options from a YAML or JSON file");
    printf("  %-*s %s\n", DP_CONFIG_HELP_COLUMN, "-h, --help",
           "show this help");
    for (size_t i = 0; i < n; i++) {
        const dp_opt_t *opt = &opts[i];
        char *left = s_help_left(opt);
        dp_buf_t more = DP_BUF_INIT;
        dp_buf_printf(&more, " [file: %s", opt->name);
        if (opt->env)
            dp_buf_printf(&more, ", env: %s", opt->env);
        dp_buf_puts(&more, "]");
        if (opt->type == DP_OPT_INT && (opt->min || opt->max))
            dp_buf_printf(&more, " (%ld..%ld)", opt->min, opt->max);
        if (opt->secret)
            dp_buf_puts(&more, " (secret)");
        else if (opt->def)
            dp_buf_printf(&more, " (default: %s)", opt->def);
        printf("  %-*s %s%s\n", DP_CONFIG_HELP_COLUMN, left,
               opt->help ? opt->help : "", more.data ? more.data : "");
        dp_buf_free(&more);
        dp_free(left);
    }
    fflush(stdout);
}
