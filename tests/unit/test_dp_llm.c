/* test_dp_llm.c - unit tests of the LLM client's settings */
/* SPDX-License-Identifier: MIT */
/*
 * The settings of dp_llm_opts through dp_config_load: defaults, the
 * environment, the config file (which refuses the key), flags and bounds;
 * and what dp_llm_new refuses. The client's requests are tested against
 * the stand-in in tests/integration/test_llm_client.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_config.h"
#include "dp_llm.h"
#include "dp_log.h"
#include "dp_mem.h"

#define S_KEY "sk-unit-secret-0042"

static const char *const s_env[] = {
    "LLM_BASE_URL",      "LLM_MODEL",       "LLM_FALLBACK_MODEL",
    "LLM_API_KEY",       "LLM_TEMPERATURE", "LLM_TIMEOUT_S",
    "LLM_MAX_IN_FLIGHT", "LLM_MAX_TOKENS",  "LLM_BUDGET_TOKENS",
    "LLM_RETRIES",       "LLM_CACHE_TTL_S", "DPT_LLM_CONFIG",
};

static int s_clean_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_env / sizeof s_env[0]; i++)
        unsetenv(s_env[i]);
    return 0;
}

/* Loads the LLM settings from argv (NULL-ended, after the program name). */
static int s_load(dp_llm_cfg_t *cfg, dp_opt_t *opts, char *err, size_t len,
                  char **args)
{
    char *argv[16] = {(char *)"dp-test"};
    int argc = 1;
    while (args && args[argc - 1] && argc < 15) {
        argv[argc] = args[argc - 1];
        argc++;
    }
    memset(cfg, 0, sizeof *cfg);
    dp_llm_opts(cfg, opts);
    return dp_config_load(opts, DP_LLM_NOPTS, argc, argv, "DPT_LLM_CONFIG",
                          NULL, NULL, NULL, err, len);
}

static void test_defaults_without_a_model(void **state)
{
    (void)state;
    dp_llm_cfg_t cfg;
    dp_opt_t opts[DP_LLM_NOPTS];
    char err[256] = "";
    assert_int_equal(s_load(&cfg, opts, err, sizeof err, NULL), 0);
    assert_false(dp_llm_enabled(&cfg));
    assert_null(cfg.base_url);
    assert_null(cfg.api_key);
    assert_string_equal(cfg.temperature, "0.2");
    assert_int_equal(cfg.timeout_s, 120);
    assert_int_equal(cfg.max_in_flight, 4);
    assert_int_equal(cfg.max_tokens, 1024);
    assert_int_equal(cfg.budget_tokens, 60000);
    assert_int_equal(cfg.retries, 2);
    assert_int_equal(cfg.cache_ttl_s, 30L * 24 * 3600);
    dp_config_free(opts, DP_LLM_NOPTS);
}

static void test_environment_and_flags(void **state)
{
    (void)state;
    setenv("LLM_BASE_URL", "http://127.0.0.1:8000/v1", 1);
    setenv("LLM_MODEL", "Qwen/Qwen3-8B", 1);
    setenv("LLM_API_KEY", S_KEY, 1);
    setenv("LLM_MAX_IN_FLIGHT", "8", 1);
    dp_llm_cfg_t cfg;
    dp_opt_t opts[DP_LLM_NOPTS];
    char err[256] = "";
    char *args[] = {(char *)"--llm-fallback-model", (char *)"small",
                    (char *)"--llm-budget-tokens=500", NULL};
    assert_int_equal(s_load(&cfg, opts, err, sizeof err, args), 0);
    assert_true(dp_llm_enabled(&cfg));
    assert_string_equal(cfg.base_url, "http://127.0.0.1:8000/v1");
    assert_string_equal(cfg.model, "Qwen/Qwen3-8B");
    assert_string_equal(cfg.fallback_model, "small");
    assert_string_equal(cfg.api_key, S_KEY);
    assert_int_equal(cfg.max_in_flight, 8);
    assert_int_equal(cfg.budget_tokens, 500);
    dp_llm_t *llm = dp_llm_new(&cfg, NULL, err, sizeof err);
    assert_non_null(llm);
    assert_string_equal(dp_llm_model(llm), "Qwen/Qwen3-8B");
    assert_true(dp_llm_temperature(llm) > 0.19 &&
                dp_llm_temperature(llm) < 0.21);
    assert_int_equal(dp_llm_spent(llm), 0);
    dp_llm_destroy(&llm);
    dp_llm_destroy(&llm); /* idempotent */
    dp_config_free(opts, DP_LLM_NOPTS);
}

static void test_bounds_are_checked(void **state)
{
    (void)state;
    dp_llm_cfg_t cfg;
    dp_opt_t opts[DP_LLM_NOPTS];
    char err[256] = "";
    char *args[] = {(char *)"--llm-max-in-flight", (char *)"0", NULL};
    assert_int_equal(s_load(&cfg, opts, err, sizeof err, args), DP_ECONFIG);
    assert_non_null(strstr(err, "--llm-max-in-flight"));
    /* The key is no flag: it would show in the process list. */
    char *key[] = {(char *)"--llm-api-key", (char *)S_KEY, NULL};
    assert_int_equal(s_load(&cfg, opts, err, sizeof err, key), DP_ECONFIG);
    assert_null(strstr(err, S_KEY));
}

static void test_config_file_refuses_the_key(void **state)
{
    (void)state;
    char path[] = "/tmp/dp-llm-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "llm_base_url: http://127.0.0.1:8000/v1\n"
                       "llm_model: m\n"
                       "llm_api_key: " S_KEY "\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    setenv("DPT_LLM_CONFIG", path, 1);
    dp_llm_cfg_t cfg;
    dp_opt_t opts[DP_LLM_NOPTS];
    char err[256] = "";
    assert_int_equal(s_load(&cfg, opts, err, sizeof err, NULL), DP_ECONFIG);
    assert_non_null(strstr(err, "LLM_API_KEY"));
    assert_null(strstr(err, S_KEY));
    /* Without the key, the file is read. */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    text = "llm_base_url: http://127.0.0.1:8000/v1\nllm_model: m\n"
           "llm_max_tokens: 512\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(s_load(&cfg, opts, err, sizeof err, NULL), 0);
    assert_string_equal(cfg.model, "m");
    assert_int_equal(cfg.max_tokens, 512);
    dp_config_free(opts, DP_LLM_NOPTS);
    unlink(path);
}

static void test_new_refuses_bad_settings(void **state)
{
    (void)state;
    char err[256] = "";
    dp_llm_cfg_t cfg = {.base_url = (char *)"not a url",
                        .model = (char *)"m",
                        .temperature = (char *)"0"};
    assert_null(dp_llm_new(&cfg, NULL, err, sizeof err));
    assert_non_null(strstr(err, "LLM_BASE_URL"));
    cfg.base_url = (char *)"http://127.0.0.1:8000/v1";
    cfg.temperature = (char *)"0.5x";
    assert_null(dp_llm_new(&cfg, NULL, err, sizeof err));
    assert_non_null(strstr(err, "LLM_TEMPERATURE"));
    cfg.temperature = (char *)"-1";
    assert_null(dp_llm_new(&cfg, NULL, err, sizeof err));
    cfg.temperature = (char *)"2";
    dp_llm_t *llm = dp_llm_new(&cfg, NULL, err, sizeof err);
    assert_non_null(llm);
    dp_llm_destroy(&llm);
    /* An answer cleared twice is fine, and says "unknown" for usage. */
    dp_llm_answer_t ans = {.text = dp_strdup("x"), .model = dp_strdup("m")};
    dp_llm_answer_clear(&ans);
    dp_llm_answer_clear(&ans);
    assert_null(ans.text);
    assert_true(ans.cost < 0);
    assert_int_equal(ans.prompt_tokens, -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, s_clean_env, s_clean_env)
    const struct CMUnitTest tests[] = {
        T(test_defaults_without_a_model), T(test_environment_and_flags),
        T(test_bounds_are_checked),       T(test_config_file_refuses_the_key),
        T(test_new_refuses_bad_settings),
    };
#undef T
    dp_log_init("test_dp_llm");
    dp_log_set_level(DP_LOG_OFF);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
