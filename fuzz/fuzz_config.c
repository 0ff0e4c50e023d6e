/* fuzz_config.c - libFuzzer harness: dp_config_load (flags, file, values) */
/* SPDX-License-Identifier: MIT */
/*
 * The input is split on NUL bytes: the first piece is a YAML config file,
 * the others are argv[1..] for dp_config_load over an option table with
 * every option type, bounds, choices, secrets and environment variables.
 * dp_config has no entry point that takes a document, so the file is
 * written to a private temporary file, and only when the flags name one
 * ("-c X", "--config X", "--config=X": X becomes that file, so no input
 * ever makes the loader read another path). Inputs without such a flag
 * cost no file I/O; dp_yaml_load itself is fuzzed by fuzz_yaml.
 *
 * Checked, from dp_config.h: the result is 0, DP_ECONFIG or DP_EAGAIN;
 * an error comes with a message and leaves every string target, *rest and
 * *doc NULL; on success integers are within their bounds, enums are one of
 * their choices, the positional arguments are argv's own strings, and *doc
 * is a mapping exactly when a config file was read; a secret never
 * appears in a message. dp_config_log and dp_config_free run on success.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_config.h"
#include "dp_log.h"
#include "dp_mem.h"

#define S_ERRLEN 256
#define S_MAX_ARGS 32
#define S_SECRET_ENV "hunter2-env-secret"
#define S_NOPTS 9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char s_path[64];      /* the private config file */
static char s_config_eq[80]; /* "--config=" s_path */

static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_config: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

static void s_cleanup(void)
{
    if (s_path[0])
        unlink(s_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("TMPDIR");
    snprintf(s_path, sizeof s_path, "%s/dp-fuzz-config-XXXXXX",
             dir && *dir && strlen(dir) < 32 ? dir : "/tmp");
    int fd = mkstemp(s_path);
    if (fd < 0) {
        perror("fuzz_config: mkstemp");
        exit(1);
    }
    close(fd);
    atexit(s_cleanup);
    snprintf(s_config_eq, sizeof s_config_eq, "--config=%s", s_path);
    /* --help prints to stdout; libFuzzer reports on stderr. */
    if (!freopen("/dev/null", "w", stdout))
        exit(1);
    dp_log_set_level(DP_LOG_OFF);
    /* Values from the environment, one of them a secret, one bad only
     * for a flag-less option that the input cannot override. */
    setenv("FUZZ_DP_WORKERS", "8", 1);
    setenv("FUZZ_DP_TOKEN", S_SECRET_ENV, 1);
    setenv("FUZZ_DP_EMPTY", "", 1);
    unsetenv("FUZZ_DP_CONFIG");
    return 0;
}

/* The configuration of an imaginary service. */
typedef struct {
    char *redis_url, *lang, *token, *from, *empty;
    long port, workers, pin;
    bool verbose;
    dp_opt_t opts[S_NOPTS];
} s_cfg_t;

static void s_cfg_init(s_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    dp_opt_t opts[S_NOPTS] = {
        {"redis_url", "FUZZ_DP_REDIS_URL", "--redis-url", DP_OPT_STR,
         &c->redis_url, "redis://:pw@localhost:6379/0", 0, 0, NULL, false,
         "Redis"},
        {"port", NULL, "--port", DP_OPT_INT, &c->port, "8080", 1, 65535, NULL,
         false, "port"},
        {"workers", "FUZZ_DP_WORKERS", "--workers", DP_OPT_INT, &c->workers,
         NULL, 0, 0, NULL, false, "any long"},
        {"verbose", NULL, "--verbose", DP_OPT_BOOL, &c->verbose, "no", 0, 0,
         NULL, false, "log more"},
        {"lang", NULL, "--lang", DP_OPT_ENUM, &c->lang, "zh", 0, 0, "zh|en",
         false, "language"},
        {"token", "FUZZ_DP_TOKEN", "--token", DP_OPT_STR, &c->token, NULL, 0, 0,
         NULL, true, "secret, refused as a flag"},
        {"pin", NULL, NULL, DP_OPT_INT, &c->pin, NULL, -5, 9999, NULL, true,
         "secret number, file only"},
        {"from", NULL, "--from", DP_OPT_STR, &c->from, NULL, 0, 0, NULL, false,
         "no default"},
        {"empty", "FUZZ_DP_EMPTY", "--empty", DP_OPT_ENUM, &c->empty, NULL, 0,
         0, "", false, "an enum with no choice but the empty one"},
    };
    memcpy(c->opts, opts, sizeof opts);
}

/* Splits the input: *yaml (borrowed from data) is the first piece, args
 * the others after args[0], the program name; they point into *copy,
 * which the caller frees. The value of a config flag is replaced by s_path
 * wherever dp_config_load could take it for a file name; *file tells
 * whether that happened. Returns argc. */
static int s_args(const uint8_t *data, size_t size, const char **yaml,
                  size_t *yaml_len, char **args, char **copy, bool *file)
{
    const char *nul = memchr(data, '\0', size);
    int argc = 0;
    bool config_next = false;

    *yaml = (const char *)data;
    *yaml_len = nul ? (size_t)(nul - (const char *)data) : size;
    *copy = dp_malloc(size + 1);
    memcpy(*copy, data, size);
    (*copy)[size] = '\0';
    *file = false;
    args[argc++] = (char *)"fuzz_config";
    if (!nul)
        return argc;
    char *last = *copy + size;
    for (char *q = *copy + *yaml_len + 1; q <= last && argc < S_MAX_ARGS;
         q += strlen(q) + 1) {
        char *arg = q;
        /* "-c X" and "--config X" take X unless it starts with "--". */
        if (config_next && strncmp(q, "--", 2) != 0) {
            arg = s_path;
            *file = true;
        }
        config_next = strcmp(q, "-c") == 0 || strcmp(q, "--config") == 0;
        if (strncmp(q, "--config=", 9) == 0) {
            arg = s_config_eq;
            *file = true;
        }
        args[argc++] = arg;
    }
    return argc;
}

/* Whether the bytes hold s (memmem is a GNU extension). */
static bool s_contains(const uint8_t *data, size_t size, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i + len <= size; i++)
        if (memcmp(data + i, s, len) == 0)
            return true;
    return false;
}

static bool s_is_choice(const char *choices, const char *s)
{
    size_t len = strlen(s);
    for (const char *p = choices; p;
         p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL) {
        size_t n = strchr(p, '|') ? (size_t)(strchr(p, '|') - p) : strlen(p);
        if (n == len && strncmp(p, s, n) == 0)
            return true;
    }
    return false;
}

static void s_check_ok(const s_cfg_t *c, int argc, char **args,
                       const char **rest, size_t nrest, const json_t *doc,
                       bool file)
{
    if (c->port < 1 || c->port > 65535)
        s_bug("--port out of its bounds", NULL);
    if (c->pin < -5 || c->pin > 9999)
        s_bug("pin out of its bounds", NULL);
    if (!c->lang || !s_is_choice("zh|en", c->lang))
        s_bug("--lang is not one of its choices", c->lang);
    if (c->empty && c->empty[0] != '\0')
        s_bug("--empty is not its only choice", c->empty);
    if (!c->redis_url)
        s_bug("a string option with a default is unset", NULL);
    if ((nrest > 0) != (rest != NULL) || nrest >= (size_t)argc)
        s_bug("*rest and *nrest disagree", NULL);
    for (size_t i = 0; i < nrest; i++) {
        bool found = false;
        for (int k = 1; k < argc && !found; k++)
            found = rest[i] == args[k];
        if (!found)
            s_bug("a positional argument is not one of argv's", rest[i]);
    }
    if (doc && !json_is_object(doc))
        s_bug("*doc is not a mapping", NULL);
    if (doc && !file)
        s_bug("*doc without a config file", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_cfg_t c;
    char *args[S_MAX_ARGS + 1];
    const char *yaml = NULL;
    char *copy = NULL;
    size_t yaml_len = 0;
    bool file = false;
    int argc = s_args(data, size, &yaml, &yaml_len, args, &copy, &file);
    args[argc] = NULL;

    if (file) {
        FILE *f = fopen(s_path, "wb");
        if (!f || fwrite(yaml, 1, yaml_len, f) != yaml_len || fclose(f) != 0) {
            perror("fuzz_config: cannot write the config file");
            exit(1);
        }
    }

    s_cfg_init(&c);
    const char **rest = NULL;
    size_t nrest = 0;
    json_t *doc = NULL;
    char err[S_ERRLEN] = "";
    int rc = dp_config_load(c.opts, S_NOPTS, argc, args, "FUZZ_DP_CONFIG",
                            &rest, &nrest, &doc, err, sizeof err);
    if (rc != 0 && rc != DP_ECONFIG && rc != DP_EAGAIN)
        s_bug("dp_config_load returned an undocumented error", dp_errname(rc));
    /* The secret's text is in this binary, so libFuzzer may well put it
     * in an input: only a message that did not get it from there counts. */
    if (strstr(err, S_SECRET_ENV) && !s_contains(data, size, S_SECRET_ENV))
        s_bug("a secret appears in a message", err);
    if (rc < 0) {
        if (rc == DP_ECONFIG && err[0] == '\0')
            s_bug("DP_ECONFIG without a message", NULL);
        if (rest || doc || nrest)
            s_bug("an error left *rest, *nrest or *doc set", err);
        if (c.redis_url || c.lang || c.token || c.from || c.empty)
            s_bug("an error left a string target set", err);
    } else {
        s_check_ok(&c, argc, args, rest, nrest, doc, file);
        dp_config_log(c.opts, S_NOPTS);
        dp_config_free(c.opts, S_NOPTS);
        if (c.redis_url || c.lang || c.token)
            s_bug("dp_config_free left a string target set", NULL);
    }
    dp_free(rest);
    json_decref(doc);
    dp_free(copy);
    return 0;
}
