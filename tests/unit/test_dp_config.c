/* test_dp_config.c - unit tests for the option table loader */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_config.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"

#define ERRLEN 256
#define NOPTS (sizeof((struct cfg *)0)->opts / sizeof(dp_opt_t))

/* The configuration of an imaginary service, and its table. */
struct cfg {
    char *redis_url;
    long redis_port;
    bool verbose;
    char *lang;
    char *github_token;
    char *llm_api_key;
    long llm_pin;
    char *from;
    dp_opt_t opts[8];
};

static const char *const s_env_names[] = {
    "DPT_REDIS_URL",    "DPT_REDIS_PORT",  "DPT_VERBOSE", "DPT_LANG",
    "DPT_GITHUB_TOKEN", "DPT_LLM_API_KEY", "DPT_LLM_PIN", "DPT_CONFIG",
};

static char s_dir[64];

static void s_cfg_init(struct cfg *c)
{
    memset(c, 0, sizeof *c);
    dp_opt_t opts[] = {
        {"redis_url", "DPT_REDIS_URL", "--redis-url", DP_OPT_STR, &c->redis_url,
         "redis://localhost:6379", 0, 0, NULL, false, "Redis server"},
        {"redis_port", "DPT_REDIS_PORT", "--redis-port", DP_OPT_INT,
         &c->redis_port, "6379", 1, 65535, NULL, false, "Redis port"},
        {"verbose", "DPT_VERBOSE", "--verbose", DP_OPT_BOOL, &c->verbose,
         "false", 0, 0, NULL, false, "log more"},
        {"lang", "DPT_LANG", "--lang", DP_OPT_ENUM, &c->lang, "zh", 0, 0,
         "zh|en", false, "report language"},
        {"github_token", "DPT_GITHUB_TOKEN", NULL, DP_OPT_STR, &c->github_token,
         NULL, 0, 0, NULL, true, "GitHub token"},
        {"llm_api_key", "DPT_LLM_API_KEY", "--llm-api-key", DP_OPT_STR,
         &c->llm_api_key, NULL, 0, 0, NULL, true, "LLM key"},
        {"llm_pin", "DPT_LLM_PIN", NULL, DP_OPT_INT, &c->llm_pin, NULL, 0, 9999,
         NULL, true, "a secret number"},
        {"from", NULL, "--from", DP_OPT_STR, &c->from, NULL, 0, 0, NULL, false,
         "window start"},
    };
    memcpy(c->opts, opts, sizeof opts);
}

/* Loads with argv given as a NULL-terminated list after the program name. */
static int s_load(struct cfg *c, char *err, const char ***rest, size_t *nrest,
                  json_t **doc, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)"dp-test";
    va_start(ap, doc);
    for (;;) {
        char *a = va_arg(ap, char *);
        if (!a)
            break;
        argv[argc++] = a;
    }
    va_end(ap);
    argv[argc] = NULL;
    return dp_config_load(c->opts, NOPTS, argc, argv, "DPT_CONFIG", rest, nrest,
                          doc, err, ERRLEN);
}

/* Writes a file in the test directory; the caller frees the path. */
static char *s_write(const char *name, const char *text)
{
    char *path = dp_asprintf("%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Runs fn with fd redirected to a temporary file; returns what it wrote. */
static char *s_capture(int fd, void (*fn)(void *), void *arg)
{
    char *path = dp_asprintf("%s/capture", s_dir);
    int out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(out >= 0);
    fflush(stdout);
    int saved = dup(fd);
    assert_true(saved >= 0);
    assert_true(dup2(out, fd) >= 0);
    fn(arg);
    fflush(stdout);
    assert_true(dup2(saved, fd) >= 0);
    close(saved);
    off_t size = lseek(out, 0, SEEK_END);
    assert_true(size >= 0);
    char *text = dp_calloc((size_t)size + 1, 1);
    assert_int_equal(pread(out, text, (size_t)size, 0), size);
    close(out);
    unlink(path);
    dp_free(path);
    return text;
}

static int s_group_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/test_dp_config.XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_group_teardown(void **state)
{
    (void)state;
    return rmdir(s_dir);
}

/* Every test starts with none of its environment variables set. */
static int s_clean_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_env_names / sizeof s_env_names[0]; i++)
        unsetenv(s_env_names[i]);
    return 0;
}

/* ==== Precedence ==== */

static void test_load_uses_defaults_without_other_sources(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(c.redis_url, "redis://localhost:6379");
    assert_int_equal(c.redis_port, 6379);
    assert_false(c.verbose);
    assert_string_equal(c.lang, "zh");
    assert_null(c.github_token);
    assert_null(c.from);
    dp_config_free(c.opts, NOPTS);
    assert_null(c.redis_url);
    assert_null(c.lang);
}

static void test_precedence_is_default_file_env_flag(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    char *path = s_write("prec.yml", "redis_port: 7000\nlang: en\n"
                                     "redis_url: redis://file:1\n");

    /* file over default */
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL), 0);
    assert_int_equal(c.redis_port, 7000);
    assert_string_equal(c.lang, "en");
    assert_string_equal(c.redis_url, "redis://file:1");
    dp_config_free(c.opts, NOPTS);

    /* environment over file */
    setenv("DPT_REDIS_PORT", "7001", 1);
    setenv("DPT_LANG", "zh", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL), 0);
    assert_int_equal(c.redis_port, 7001);
    assert_string_equal(c.lang, "zh");
    assert_string_equal(c.redis_url, "redis://file:1");
    dp_config_free(c.opts, NOPTS);

    /* flag over environment */
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--redis-port", "7002",
                            "-c", path, "--lang=en", NULL),
                     0);
    assert_int_equal(c.redis_port, 7002);
    assert_string_equal(c.lang, "en");
    assert_string_equal(c.redis_url, "redis://file:1");
    dp_config_free(c.opts, NOPTS);

    unlink(path);
    dp_free(path);
}

static void test_config_file_from_env_and_flag_forms(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    char *a = s_write("a.yml", "redis_port: 1111\n");
    char *b = s_write("b.yml", "redis_port: 2222\n");

    setenv("DPT_CONFIG", a, 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(c.redis_port, 1111);
    dp_config_free(c.opts, NOPTS);

    /* An explicit flag wins over the variable, in both spellings. */
    char *eq = dp_asprintf("--config=%s", b);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, eq, NULL), 0);
    assert_int_equal(c.redis_port, 2222);
    dp_config_free(c.opts, NOPTS);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--config", b, NULL), 0);
    assert_int_equal(c.redis_port, 2222);
    dp_config_free(c.opts, NOPTS);

    dp_free(eq);
    unlink(a);
    unlink(b);
    dp_free(a);
    dp_free(b);
}

static void test_doc_keeps_nested_file_content(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    json_t *doc = NULL;
    char *path = s_write("doc.yml", "lang: en\nrepositories:\n"
                                    "  - vllm-project/vllm\n"
                                    "topics: {amd: {title: AMD/ROCm}}\n");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, &doc, "-c", path, NULL), 0);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(doc, "repositories"), 0)),
                        "vllm-project/vllm");
    assert_non_null(json_object_get(doc, "topics"));
    json_decref(doc);
    dp_config_free(c.opts, NOPTS);

    /* Without a file, *doc is NULL. */
    s_cfg_init(&c);
    doc = (json_t *)&c;
    assert_int_equal(s_load(&c, err, NULL, NULL, &doc, NULL), 0);
    assert_null(doc);
    dp_config_free(c.opts, NOPTS);
    unlink(path);
    dp_free(path);
}

static void test_file_values_convert_and_null_keeps_default(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    char *path = s_write("conv.yml", "redis_url: 5\nverbose: yes\nlang:\n"
                                     "redis_port: '6380'\n");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL), 0);
    assert_string_equal(c.redis_url, "5");
    assert_true(c.verbose);
    assert_string_equal(c.lang, "zh");
    assert_int_equal(c.redis_port, 6380);
    dp_config_free(c.opts, NOPTS);
    unlink(path);
    dp_free(path);
}

static void test_empty_env_counts_as_unset(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    setenv("DPT_REDIS_PORT", "", 1);
    setenv("DPT_REDIS_URL", "", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(c.redis_port, 6379);
    assert_string_equal(c.redis_url, "redis://localhost:6379");
    dp_config_free(c.opts, NOPTS);
}

/* ==== Flags ==== */

static void test_flags_take_equals_or_next_argument(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--redis-url",
                            "redis://a:1", "--from=2025-12-10T18:29+08:00",
                            "--redis-port=-0", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--redis-port: -0 is out of range 1..65535");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--redis-url",
                            "redis://a:1", "--from=2025-12-10T18:29+08:00",
                            "--from", "2025-12-10T19:29+08:00", NULL),
                     0);
    assert_string_equal(c.redis_url, "redis://a:1");
    assert_string_equal(c.from, "2025-12-10T19:29+08:00"); /* last wins */
    dp_config_free(c.opts, NOPTS);
    /* "=" lets a value start with "--". */
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--from=--x", NULL), 0);
    assert_string_equal(c.from, "--x");
    dp_config_free(c.opts, NOPTS);
}

static void test_bool_flag_alone_means_true(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    const char **rest = NULL;
    size_t nrest = 0;
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, &rest, &nrest, NULL, "--verbose",
                            "vllm-project/vllm", NULL),
                     0);
    assert_true(c.verbose);
    /* The word after a bool flag is not its value. */
    assert_int_equal(nrest, 1);
    assert_string_equal(rest[0], "vllm-project/vllm");
    dp_free(rest);
    dp_config_free(c.opts, NOPTS);

    setenv("DPT_VERBOSE", "on", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--verbose=false", NULL),
                     0);
    assert_false(c.verbose);
    dp_config_free(c.opts, NOPTS);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), 0);
    assert_true(c.verbose);
    dp_config_free(c.opts, NOPTS);
}

static void test_rest_collects_positional_arguments(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    const char **rest = NULL;
    size_t nrest = 0;
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, &rest, &nrest, NULL, "report", "--lang",
                            "en", "owner/repo", "-", "--", "--not-a-flag",
                            NULL),
                     0);
    assert_int_equal(nrest, 4);
    assert_string_equal(rest[0], "report");
    assert_string_equal(rest[1], "owner/repo");
    assert_string_equal(rest[2], "-");
    assert_string_equal(rest[3], "--not-a-flag");
    assert_string_equal(c.lang, "en");
    dp_free(rest);
    dp_config_free(c.opts, NOPTS);

    /* None at all: NULL and 0. */
    s_cfg_init(&c);
    rest = (const char **)&c;
    assert_int_equal(s_load(&c, err, &rest, &nrest, NULL, NULL), 0);
    assert_null(rest);
    assert_int_equal(nrest, 0);
    dp_config_free(c.opts, NOPTS);
}

static void test_positional_without_rest_is_error(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "stray", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "unexpected argument \"stray\"");
    assert_null(c.redis_url);
}

static void test_unknown_flag_is_error(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--foo", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "unknown option --foo");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--foo=bar", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "unknown option --foo");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-x", NULL), DP_ECONFIG);
    assert_string_equal(err, "unknown option -x");
    /* Strings stored before the error are freed. */
    assert_null(c.redis_url);
    assert_null(c.lang);
}

static void test_missing_values_are_errors(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--redis-port", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--redis-port: missing value");
    s_cfg_init(&c);
    assert_int_equal(
        s_load(&c, err, NULL, NULL, NULL, "--from", "--lang", "en", NULL),
        DP_ECONFIG);
    assert_string_equal(err, "--from: missing value");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", NULL), DP_ECONFIG);
    assert_string_equal(err, "-c: missing file name");
}

/* ==== Bad values ==== */

static void test_bad_integer_flag_names_option(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    const char *bad[] = {"abc", "", " 1", "1 ", "+1", "0x10", "1e3", "6379x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *flag = dp_asprintf("--redis-port=%s", bad[i]);
        char *expect =
            dp_asprintf("--redis-port: \"%s\" is not an integer", bad[i]);
        s_cfg_init(&c);
        assert_int_equal(s_load(&c, err, NULL, NULL, NULL, flag, NULL),
                         DP_ECONFIG);
        assert_string_equal(err, expect);
        dp_free(flag);
        dp_free(expect);
    }
}

static void test_out_of_range_integer_from_each_source(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    char *path = s_write("range.yml", "redis_port: 70000\n");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL),
                     DP_ECONFIG);
    assert_string_equal(
        err, "redis_port (config file): 70000 is out of range 1..65535");
    unlink(path);
    dp_free(path);

    setenv("DPT_REDIS_PORT", "0", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), DP_ECONFIG);
    assert_string_equal(
        err, "DPT_REDIS_PORT (environment): 0 is out of range 1..65535");
    unsetenv("DPT_REDIS_PORT");

    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--redis-port",
                            "99999999999999999999999", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--redis-port: 99999999999999999999999 is out "
                             "of range 1..65535");
}

static void test_bad_enum_lists_choices(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--lang", "fr", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--lang: \"fr\" is not one of zh|en");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--lang=ZH", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--lang: \"ZH\" is not one of zh|en");
}

static void test_bad_bool_from_environment(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    setenv("DPT_VERBOSE", "maybe", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), DP_ECONFIG);
    assert_string_equal(err, "DPT_VERBOSE (environment): \"maybe\" is not a "
                             "boolean (true|false|yes|no|on|off|1|0)");
}

static void test_bad_value_in_message_is_one_safe_line(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--lang=e\nn\x1b", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--lang: \"e?n?\" is not one of zh|en");
    char *long_value = dp_calloc(201, 1);
    memset(long_value, 'z', 200);
    char *flag = dp_asprintf("--lang=%s", long_value);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, flag, NULL), DP_ECONFIG);
    assert_true(strlen(err) < 100);
    assert_non_null(strstr(err, "...\" is not one of"));
    dp_free(flag);
    dp_free(long_value);
}

static void test_file_list_or_mapping_value_is_error(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    char *path = s_write("list.yml", "redis_port: [1, 2]\n");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL),
                     DP_ECONFIG);
    assert_string_equal(
        err, "redis_port (config file): expected a single value, not a list");
    unlink(path);
    dp_free(path);
    path = s_write("map.yml", "lang: {a: 1}\n");
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL),
                     DP_ECONFIG);
    assert_string_equal(
        err, "lang (config file): expected a single value, not a mapping");
    unlink(path);
    dp_free(path);
}

static void test_broken_or_missing_file_is_error(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    char *path = s_write("dup.yml", "lang: en\nlang: zh\n");
    char *expect = dp_asprintf("%s:2:1: duplicate key \"lang\"", path);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL),
                     DP_ECONFIG);
    assert_string_equal(err, expect);
    dp_free(expect);
    unlink(path);
    dp_free(path);

    path = s_write("seq.yml", "- a\n- b\n");
    expect = dp_asprintf("%s: the top level must be a mapping", path);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL),
                     DP_ECONFIG);
    assert_string_equal(err, expect);
    dp_free(expect);
    unlink(path);
    dp_free(path);

    path = dp_asprintf("%s/none.yml", s_dir);
    expect = dp_asprintf("%s: cannot open: No such file or directory", path);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "-c", path, NULL),
                     DP_ECONFIG);
    assert_string_equal(err, expect);
    dp_free(expect);
    dp_free(path);
}

/* ==== Secrets ==== */

static void test_secret_flag_is_refused(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(
        s_load(&c, err, NULL, NULL, NULL, "--llm-api-key=sk-live-123", NULL),
        DP_ECONFIG);
    assert_string_equal(err, "--llm-api-key: secrets are not accepted as "
                             "flags (they show in the process list); set "
                             "DPT_LLM_API_KEY in the environment");
    assert_null(strstr(err, "sk-live"));
}

static void test_secret_from_env_is_loaded(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    setenv("DPT_GITHUB_TOKEN", "ghp_envtoken", 1);
    setenv("DPT_LLM_API_KEY", "sk-env", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(c.github_token, "ghp_envtoken");
    assert_string_equal(c.llm_api_key, "sk-env");
    dp_config_free(c.opts, NOPTS);
}

/* Loads a config file of one line; returns the result, err filled. */
static int s_load_file(const char *text, char *err)
{
    struct cfg c;
    char *path = s_write("secret.yml", text);
    s_cfg_init(&c);
    json_t *doc = NULL;
    int rc = s_load(&c, err, NULL, NULL, &doc, "-c", path, NULL);
    json_decref(doc);
    dp_config_free(c.opts, NOPTS);
    unlink(path);
    dp_free(path);
    return rc;
}

static void test_secret_in_the_config_file_is_refused(void **state)
{
    (void)state;
    char err[ERRLEN];
    /* An option of the table: its own variable. */
    assert_int_equal(s_load_file("llm_api_key: sk-file1\n", err), DP_ECONFIG);
    assert_string_equal(err, "llm_api_key (config file): a secret does not "
                             "belong in the configuration file; set "
                             "DPT_LLM_API_KEY in the environment");
    /* Any key named like a secret, at any depth, by where it belongs. */
    assert_int_equal(s_load_file("github:\n  token: ghp_file2\n", err),
                     DP_ECONFIG);
    assert_string_equal(err, "github.token (config file): a secret does not "
                             "belong in the configuration file; set "
                             "GITHUB_TOKEN in the environment");
    assert_int_equal(s_load_file("llm: {api_key: sk-file3}\n", err),
                     DP_ECONFIG);
    assert_non_null(strstr(err, "llm.api_key (config file)"));
    assert_non_null(strstr(err, "set LLM_API_KEY in the environment"));
    assert_int_equal(s_load_file("redis_password: pw-file4\n", err),
                     DP_ECONFIG);
    assert_non_null(strstr(err, "set REDIS_PASSWORD in the environment"));
    assert_int_equal(s_load_file("x:\n  - client_secret: s-file5\n", err),
                     DP_ECONFIG);
    assert_non_null(strstr(err, "x.client_secret (config file)"));
    /* A URL with a password, in both forms. */
    assert_int_equal(s_load_file("redis_url: redis://:pw-file6@h:1\n", err),
                     DP_ECONFIG);
    assert_string_equal(err, "redis_url (config file): a URL with a password "
                             "does not belong in the configuration file; set "
                             "DPT_REDIS_URL in the environment");
    assert_int_equal(
        s_load_file("store: {redis_url: \"redis://pw-file7@h\"}\n", err),
        DP_ECONFIG);
    assert_non_null(strstr(err, "set REDIS_URL in the environment"));
    assert_null(strstr(err, "pw-file"));
    /* Not secrets: numbers, empty values, URLs without credentials. */
    assert_int_equal(s_load_file("llm: {max_tokens: 512, token: \"\"}\n"
                                 "redis_url: redis://h:1\n",
                                 err),
                     0);
}

static void test_url_with_a_password_is_refused_as_a_flag(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, "--redis-url",
                            "redis://Flag-Pw@h:1", NULL),
                     DP_ECONFIG);
    assert_string_equal(err, "--redis-url: a URL with a password is not "
                             "accepted as a flag (it shows in the process "
                             "list); set DPT_REDIS_URL in the environment");
}

static void test_secret_values_never_appear_in_errors(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    setenv("DPT_LLM_PIN", "hunter2", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), DP_ECONFIG);
    assert_string_equal(
        err, "DPT_LLM_PIN (environment): the value is not an integer");
    setenv("DPT_LLM_PIN", "123456", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), DP_ECONFIG);
    assert_string_equal(
        err, "DPT_LLM_PIN (environment): the value is out of range 0..9999");
}

static void s_log_config(void *arg)
{
    struct cfg *c = arg;
    dp_config_log(c->opts, NOPTS);
}

static void test_config_log_masks_secrets(void **state)
{
    (void)state;
    struct cfg c;
    char err[ERRLEN];
    setenv("DPT_GITHUB_TOKEN", "ghp_supersecret", 1);
    setenv("DPT_REDIS_URL", "redis://admin:hunter2@redis:6379/0", 1);
    setenv("DPT_LLM_PIN", "42", 1);
    s_cfg_init(&c);
    assert_int_equal(s_load(&c, err, NULL, NULL, NULL, NULL), 0);
    dp_log_set_level(DP_LOG_INFO);
    char *log = s_capture(STDERR_FILENO, s_log_config, &c);
    assert_null(strstr(log, "ghp_supersecret"));
    assert_null(strstr(log, "hunter2"));
    assert_non_null(strstr(log, "config github_token=***\n"));
    assert_non_null(strstr(log, "config llm_pin=***\n"));
    assert_non_null(strstr(log, "config llm_api_key=(unset)\n"));
    assert_non_null(
        strstr(log, "config redis_url=redis://admin:***@redis:6379/0\n"));
    assert_non_null(strstr(log, "config redis_port=6379\n"));
    assert_non_null(strstr(log, "config lang=zh\n"));
    assert_non_null(strstr(log, "config verbose=false\n"));
    assert_non_null(strstr(log, " INFO "));
    dp_free(log);
    dp_config_free(c.opts, NOPTS);
}

/* ==== Help ==== */

static int s_help_rc;

static void s_load_help(void *arg)
{
    struct cfg *c = arg;
    char err[ERRLEN];
    s_help_rc =
        s_load(c, err, NULL, NULL, NULL, "--lang", "fr", "--help", NULL);
}

static void test_help_prints_and_returns_eagain(void **state)
{
    (void)state;
    struct cfg c;
    s_cfg_init(&c);
    setenv("DPT_GITHUB_TOKEN", "ghp_supersecret", 1);
    char *out = s_capture(STDOUT_FILENO, s_load_help, &c);
    assert_int_equal(s_help_rc, DP_EAGAIN);
    assert_non_null(strstr(out, "Usage: dp-test [OPTIONS]\n"));
    assert_non_null(strstr(out, "-c, --config FILE"));
    assert_non_null(strstr(out, "--redis-port N"));
    assert_non_null(strstr(out, "(1..65535)"));
    assert_non_null(strstr(out, "--lang zh|en"));
    assert_non_null(strstr(out, "(default: 6379)"));
    assert_non_null(strstr(out, "$DPT_GITHUB_TOKEN"));
    assert_null(strstr(out, "ghp_supersecret"));
    /* One line per option plus usage, --config and --help. */
    size_t lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, NOPTS + 3);
    assert_null(c.redis_url);
    dp_free(out);
}

/* ==== dp_parse_long ==== */

static void test_parse_long_is_strict(void **state)
{
    (void)state;
    long v = 7;
    assert_int_equal(dp_parse_long("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(dp_parse_long("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(dp_parse_long("007", 0, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(
        dp_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, &v), 0);
    assert_int_equal(v, LONG_MAX);
    const char *bad[] = {"",     "-",   " 1",  "1 ",  "+1",
                         "0x10", "1e3", "1.0", "abc", "9223372036854775808",
                         "--1",  "1-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        if (dp_parse_long(bad[i], LONG_MIN, LONG_MAX, &v) != DP_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(v, 7);
    }
    assert_int_equal(dp_parse_long("101", 0, 100, &v), DP_EINVAL);
    assert_int_equal(dp_parse_long("-1", 0, 100, &v), DP_EINVAL);
    assert_int_equal(v, 7);
}

/* ==== What services take from the configuration file ==== */

static void test_config_path_from_flag_or_env(void **state)
{
    (void)state;
    char *a1[] = {"prog", "-c", "a.yml", NULL};
    char *a2[] = {"prog", "--in", "x", "--config=b.yml", NULL};
    char *a3[] = {"prog", "--", "-c", "c.yml", NULL};
    char *a4[] = {"prog", "-c", NULL};
    assert_string_equal(dp_config_path(3, a1, "DPT_CONFIG"), "a.yml");
    assert_string_equal(dp_config_path(4, a2, "DPT_CONFIG"), "b.yml");
    assert_null(dp_config_path(4, a3, "DPT_CONFIG"));
    assert_null(dp_config_path(2, a4, "DPT_CONFIG"));
    setenv("DPT_CONFIG", "env.yml", 1);
    assert_string_equal(dp_config_path(4, a3, "DPT_CONFIG"), "env.yml");
    assert_string_equal(dp_config_path(3, a1, "DPT_CONFIG"), "a.yml");
    assert_null(dp_config_path(4, a3, NULL));
    setenv("DPT_CONFIG", "", 1);
    assert_null(dp_config_path(4, a3, "DPT_CONFIG"));
}

static void test_config_topics_replace_the_default_rules(void **state)
{
    (void)state;
    char err[ERRLEN];
    json_t *with =
        dp_yaml_load("topics: {amd: {title: AMD}}\n", 28, "t", err, sizeof err);
    json_t *without = dp_yaml_load("language: en\n", 13, "t", err, sizeof err);
    assert_non_null(with);
    assert_non_null(without);
    assert_string_equal(dp_config_rules(NULL, with, "c.yml", "def.yml"),
                        "c.yml");
    assert_string_equal(dp_config_rules("", with, "c.yml", "def.yml"), "c.yml");
    assert_string_equal(dp_config_rules("r.yml", with, "c.yml", "def.yml"),
                        "r.yml");
    assert_string_equal(dp_config_rules(NULL, without, "c.yml", "def.yml"),
                        "def.yml");
    assert_string_equal(dp_config_rules(NULL, NULL, NULL, "def.yml"),
                        "def.yml");
    assert_string_equal(dp_config_rules(NULL, with, NULL, "def.yml"),
                        "def.yml");
    json_decref(with);
    json_decref(without);
}

static void test_config_formats_joined_or_default(void **state)
{
    (void)state;
    char err[ERRLEN];
    const char *text = "outputs: {dir: /x, formats: [md, html, atom]}\n";
    json_t *doc = dp_yaml_load(text, strlen(text), "t", err, sizeof err);
    assert_non_null(doc);
    char *f = dp_config_formats(doc, "md,json");
    assert_string_equal(f, "md,html,atom");
    dp_free(f);
    json_decref(doc);
    text = "outputs: {formats: []}\n";
    doc = dp_yaml_load(text, strlen(text), "t", err, sizeof err);
    f = dp_config_formats(doc, "md,json");
    assert_string_equal(f, "md,json");
    dp_free(f);
    assert_null(dp_config_formats(doc, NULL));
    json_decref(doc);
    f = dp_config_formats(NULL, "md");
    assert_string_equal(f, "md");
    dp_free(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, s_clean_env, s_clean_env)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_load_uses_defaults_without_other_sources),
        T(test_precedence_is_default_file_env_flag),
        T(test_config_file_from_env_and_flag_forms),
        T(test_doc_keeps_nested_file_content),
        T(test_file_values_convert_and_null_keeps_default),
        T(test_empty_env_counts_as_unset),
        T(test_flags_take_equals_or_next_argument),
        T(test_bool_flag_alone_means_true),
        T(test_rest_collects_positional_arguments),
        T(test_positional_without_rest_is_error),
        T(test_unknown_flag_is_error),
        T(test_missing_values_are_errors),
        T(test_bad_integer_flag_names_option),
        T(test_out_of_range_integer_from_each_source),
        T(test_bad_enum_lists_choices),
        T(test_bad_bool_from_environment),
        T(test_bad_value_in_message_is_one_safe_line),
        T(test_file_list_or_mapping_value_is_error),
        T(test_broken_or_missing_file_is_error),
        T(test_secret_flag_is_refused),
        T(test_secret_from_env_is_loaded),
        T(test_secret_in_the_config_file_is_refused),
        T(test_url_with_a_password_is_refused_as_a_flag),
        T(test_secret_values_never_appear_in_errors),
        T(test_config_log_masks_secrets),
        T(test_help_prints_and_returns_eagain),
        T(test_parse_long_is_strict),
        T(test_config_path_from_flag_or_env),
        T(test_config_topics_replace_the_default_rules),
        T(test_config_formats_joined_or_default),
    };
    return cmocka_run_group_tests(tests, s_group_setup, s_group_teardown);
}
