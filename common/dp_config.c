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

/* ==== Showing the configuration ==== */

/* Copies a URL with the password of its user information masked:
 * "redis://:pw@host" -> "redis://:***@host". Other text is copied. */
static char *s_mask_url(const char *s)
{
    const char *scheme = strstr(s, "://");
    if (!scheme)
        return dp_strdup(s);
    const char *auth = scheme + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t k = 0; k < auth_len; k++)
        if (auth[k] == '@')
            at = auth + k;
    if (!at)
        return dp_strdup(s);
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (!colon)
        return dp_strdup(s);
    return dp_asprintf("%.*s" DP_CONFIG_SECRET_MASK "%s", (int)(colon + 1 - s),
                       s, at);
}

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
                value = s_mask_url(s);
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
