/* dp_llm.c - an OpenAI-compatible Chat Completions client, with a cache */
/* SPDX-License-Identifier: MIT */
#include "dp_llm.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"

struct dp_llm_t {
    char *model;
    double temperature;
    long spent;
};

void dp_llm_opts(dp_llm_cfg_t *cfg, dp_opt_t *opts)
{
    assert(cfg && opts);
    const dp_opt_t o[DP_LLM_NOPTS] = {
        {"llm_base_url", "LLM_BASE_URL", "--llm-base-url", DP_OPT_STR,
         &cfg->base_url, NULL, 0, 0, NULL, false,
         "OpenAI-compatible API base (http://127.0.0.1:8000/v1); unset: "
         "the extractive writer"},
        {"llm_model", "LLM_MODEL", "--llm-model", DP_OPT_STR, &cfg->model, NULL,
         0, 0, NULL, false, "model name"},
        {"llm_fallback_model", "LLM_FALLBACK_MODEL", "--llm-fallback-model",
         DP_OPT_STR, &cfg->fallback_model, NULL, 0, 0, NULL, false,
         "model tried when the main one fails"},
        {"llm_api_key", "LLM_API_KEY", NULL, DP_OPT_STR, &cfg->api_key, NULL, 0,
         0, NULL, true, "bearer key (environment only)"},
        {"llm_temperature", "LLM_TEMPERATURE", "--llm-temperature", DP_OPT_STR,
         &cfg->temperature, "0.2", 0, 0, NULL, false,
         "sampling temperature, 0 to 2"},
        {"llm_timeout_s", "LLM_TIMEOUT_S", "--llm-timeout-s", DP_OPT_INT,
         &cfg->timeout_s, "120", 1, 3600, NULL, false,
         "one request, retries included, in seconds"},
        {"llm_max_in_flight", "LLM_MAX_IN_FLIGHT", "--llm-max-in-flight",
         DP_OPT_INT, &cfg->max_in_flight, "4", 1, 64, NULL, false,
         "requests in flight at once"},
        {"llm_max_tokens", "LLM_MAX_TOKENS", "--llm-max-tokens", DP_OPT_INT,
         &cfg->max_tokens, "1024", 16, 131072, NULL, false,
         "tokens per answer"},
        {"llm_budget_tokens", "LLM_BUDGET_TOKENS", "--llm-budget-tokens",
         DP_OPT_INT, &cfg->budget_tokens, "60000", 0, 100000000, NULL, false,
         "tokens per report (0: no bound)"},
        {"llm_retries", "LLM_RETRIES", "--llm-retries", DP_OPT_INT,
         &cfg->retries, "2", 0, 10, NULL, false,
         "retries of a 429/5xx per model"},
        {"llm_cache_ttl_s", "LLM_CACHE_TTL_S", "--llm-cache-ttl-s", DP_OPT_INT,
         &cfg->cache_ttl_s, "2592000", 60, 31536000, NULL, false,
         "lifetime of cached answers"},
    };
    memcpy(opts, o, sizeof o);
}

bool dp_llm_enabled(const dp_llm_cfg_t *cfg)
{
    return cfg && cfg->base_url && *cfg->base_url;
}

dp_llm_t *dp_llm_new(const dp_llm_cfg_t *cfg, dp_store_t *cache, char *err,
                     size_t errlen)
{
    (void)cache;
    assert(cfg);
    if (!dp_llm_enabled(cfg) || !cfg->model) {
        snprintf(err, errlen, "LLM_BASE_URL and LLM_MODEL are required");
        return NULL;
    }
    dp_llm_t *self = dp_calloc(1, sizeof *self);
    self->model = dp_strdup(cfg->model);
    return self;
}

void dp_llm_destroy(dp_llm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dp_free((*self_p)->model);
    dp_free(*self_p);
    *self_p = NULL;
}

int dp_llm_chat_many(dp_llm_t *self, const dp_llm_req_t *reqs,
                     dp_llm_answer_t *answers, size_t n)
{
    assert(self && (n == 0 || (reqs && answers)));
    for (size_t i = 0; i < n; i++) {
        memset(&answers[i], 0, sizeof answers[i]);
        answers[i].status = DP_EHTTP;
        answers[i].cost = -1;
        snprintf(answers[i].err, sizeof answers[i].err, "not implemented");
    }
    return 0;
}

int dp_llm_chat(dp_llm_t *self, const dp_llm_req_t *req,
                dp_llm_answer_t *answer)
{
    int rc = dp_llm_chat_many(self, req, answer, 1);
    return rc < 0 ? rc : answer->status;
}

int dp_llm_cache_put(dp_llm_t *self, const dp_llm_req_t *req,
                     const dp_llm_answer_t *answer)
{
    assert(self && req && answer);
    return 0;
}

void dp_llm_budget_reset(dp_llm_t *self)
{
    assert(self);
    self->spent = 0;
}

long dp_llm_spent(const dp_llm_t *self)
{
    assert(self);
    return self->spent;
}

const char *dp_llm_model(const dp_llm_t *self)
{
    assert(self);
    return self->model;
}

double dp_llm_temperature(const dp_llm_t *self)
{
    assert(self);
    return self->temperature;
}

void dp_llm_answer_clear(dp_llm_answer_t *answer)
{
    if (!answer)
        return;
    dp_free(answer->text);
    dp_free(answer->model);
    memset(answer, 0, sizeof *answer);
    answer->cost = -1;
}
