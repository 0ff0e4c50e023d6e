/* dp_llm.h - an OpenAI-compatible Chat Completions client, with a cache */
/* SPDX-License-Identifier: MIT */
#ifndef DP_LLM_H
#define DP_LLM_H

/*
 * The client speaks OpenAI's Chat Completions API (vLLM's server,
 * llama.cpp's server, Ollama and hosted APIs): POST {base}/chat/completions
 * with {"model", "messages": [system, user], "max_tokens", "temperature",
 * "stream": false}, "Authorization: Bearer <LLM_API_KEY>" when a key is
 * set. The key goes only to base_url's origin and path (dp_http_scope_check);
 * redirects are never followed. 429 and 5xx are retried with backoff (and
 * retry-after), never past the request's timeout; the fallback model is
 * tried when the main one fails or is unknown (404). Several requests run
 * at once (curl multi), up to max_in_flight.
 *
 * Budget: tokens (prompt + completion, as the API reports them, or bytes
 * / 4 when it does not) spent since dp_llm_budget_reset. Once they reach
 * the budget, a request is refused locally (DP_EBUDGET, no call); while
 * the requests in flight could reach it with their max_tokens, a request
 * waits for them. The writer degrades gracefully.
 *
 * Cache: answers the writer accepted (dp_llm_cache_put) are kept in Redis
 * under dp:2:llm:<sha256 hex> (dp_ledger_llm_key) of model, prompt
 * version, parameters and both messages; a later identical request is
 * answered from it with cached = true and no call.
 */

#include <stdbool.h>
#include <stddef.h>

#include "dp_config.h"
#include "dp_err.h"
#include "dp_store.h"

typedef struct dp_llm_t dp_llm_t;

/* Settings, as dp_config fills them (see dp_llm_opts). The strings are
 * borrowed by dp_llm_new, which copies what it keeps. */
typedef struct {
    char *base_url;       /* LLM_BASE_URL ("http://127.0.0.1:8000/v1");
                             NULL: no model, the extractive writer */
    char *model;          /* LLM_MODEL, required with base_url */
    char *fallback_model; /* LLM_FALLBACK_MODEL, or NULL */
    char *api_key;        /* LLM_API_KEY, environment only, never logged */
    char *temperature;    /* LLM_TEMPERATURE, a decimal in [0, 2] */
    long timeout_s;       /* LLM_TIMEOUT_S: a request to one model from
                             its first try, retries and waits included;
                             the fallback model gets as long again */
    long max_in_flight;   /* LLM_MAX_IN_FLIGHT: concurrent requests */
    long max_tokens;      /* LLM_MAX_TOKENS: answer length when the
                             request says 0 */
    long budget_tokens;   /* LLM_BUDGET_TOKENS: per report, 0 = no bound */
    long retries;         /* LLM_RETRIES: retries of a 429/5xx/transport
                             failure, per model */
    long cache_ttl_s;     /* LLM_CACHE_TTL_S: cached answers' lifetime */
} dp_llm_cfg_t;

/* Number of options dp_llm_opts writes. */
#define DP_LLM_NOPTS 11

/* Writes the DP_LLM_NOPTS option entries of the LLM settings (config file
 * keys llm_base_url, llm_model, ...; environment LLM_*; flags --llm-*)
 * into opts, targeting cfg's fields, for a program's dp_config table:
 *   dp_opt_t opts[N + DP_LLM_NOPTS] = {...}; dp_llm_opts(&llm, opts + N);
 * The targets are then filled and freed by dp_config_load/dp_config_free. */
void dp_llm_opts(dp_llm_cfg_t *cfg, dp_opt_t *opts);

/* True when cfg names a model endpoint (base_url set). */
bool dp_llm_enabled(const dp_llm_cfg_t *cfg);

/* One request. Borrowed strings; they must live through the call. */
typedef struct {
    const char *system;         /* system message */
    const char *user;           /* user message */
    int max_tokens;             /* answer length; 0: cfg max_tokens */
    const char *section;        /* for logs and errors ("summary") */
    const char *prompt_version; /* part of the cache key, or NULL */
} dp_llm_req_t;

/* One answer; clear it with dp_llm_answer_clear. */
typedef struct {
    int status;             /* 0 ok, or a DP_E* code (err says why) */
    char *text;             /* choices[0].message.content, owned */
    char *model;            /* the model that answered, owned */
    long prompt_tokens;     /* usage, -1 when not reported */
    long completion_tokens; /* usage, -1 when not reported */
    double cost;            /* usage.cost where the API reports it; -1 */
    bool cached;            /* answered from the cache, no call */
    bool fallback;          /* the fallback model answered */
    int attempts;           /* HTTP requests made for it */
    char err[256];          /* why, when status < 0; never the key */
} dp_llm_answer_t;

/* Creates a client for cfg (dp_llm_enabled must hold). cache may be NULL
 * (no cache); it is borrowed and must outlive the client. Returns NULL on a
 * bad setting (a base URL libcurl cannot read, a key over plain http to a
 * host that is not loopback, no model, a temperature out of range) with
 * one line in err that never holds the key. */
dp_llm_t *dp_llm_new(const dp_llm_cfg_t *cfg, dp_store_t *cache, char *err,
                     size_t errlen);

/* Frees the client. Idempotent. */
void dp_llm_destroy(dp_llm_t **self_p);

/* Runs n requests, up to max_in_flight at once, and fills answers[i] for
 * reqs[i]. answers are overwritten, not freed first: clear earlier ones
 * with dp_llm_answer_clear. Each is read from the cache first; then the
 * main model is asked (and retried), then the fallback model. The text
 * is the model's as it came (thinking blocks and preambles included).
 * Per answer status, after the last model tried:
 *   0            text and model set;
 *   DP_EBUDGET   the report's budget is spent; no call was made;
 *   DP_EHTTP     unreachable, timed out, a 5xx after its retries, or a
 *                4xx other than those below;
 *   DP_ERATE     429 after its retries (or a retry-after past the timeout);
 *   DP_ENOTFOUND 404: the model is unknown to the server;
 *   DP_EAUTH     401/403: the key was refused;
 *   DP_EORIGIN   a redirect (never followed: the key stays home);
 *   DP_EJSON     a body that is no chat completion, or an empty or missing
 *                choices[0].message.content;
 *   DP_ETOOBIG   finish_reason "length" (the answer was cut), or a body
 *                over 4 MiB;
 *   DP_EPROTO    the text repeats the API key (so it is never published);
 *   DP_EAGAIN    a stop (SIGINT/SIGTERM) came.
 * err says which model failed and why. Returns the number of answers with
 * status 0, or DP_EAGAIN when a stop came (every unfinished answer then
 * has DP_EAGAIN). */
DP_NODISCARD int dp_llm_chat_many(dp_llm_t *self, const dp_llm_req_t *reqs,
                                  dp_llm_answer_t *answers, size_t n);

/* One request: dp_llm_chat_many with n = 1; returns answer->status. */
DP_NODISCARD int dp_llm_chat(dp_llm_t *self, const dp_llm_req_t *req,
                             dp_llm_answer_t *answer);

/* Stores an accepted answer for req in the cache (text, model, usage),
 * with the configured expiry. Without a cache does nothing and returns 0.
 * Returns 0 or DP_EREDIS. */
DP_NODISCARD int dp_llm_cache_put(dp_llm_t *self, const dp_llm_req_t *req,
                                  const dp_llm_answer_t *answer);

/* Starts a new report's budget: the tokens spent go back to 0. */
void dp_llm_budget_reset(dp_llm_t *self);

/* Tokens (prompt + completion) spent since the last reset; cached answers
 * cost nothing. */
long dp_llm_spent(const dp_llm_t *self);

/* The configured main model name (borrowed), for the digest. */
const char *dp_llm_model(const dp_llm_t *self);

/* The temperature in use, for the digest. */
double dp_llm_temperature(const dp_llm_t *self);

/* Frees what an answer holds and zeroes it. */
void dp_llm_answer_clear(dp_llm_answer_t *answer);

#endif
