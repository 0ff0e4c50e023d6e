/* dp_llm.c - an OpenAI-compatible Chat Completions client, with a cache */
/* SPDX-License-Identifier: MIT */
#include "dp_llm.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_http.h"
#include "dp_json.h"
#include "dp_ledger.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"

#define S_PATH "/chat/completions"
#define S_MAX_BODY (4L * 1024 * 1024) /* an answer is a few KiB */
#define S_CONNECT_MS 10000L           /* connecting, at most */
#define S_BACKOFF_MS 500L             /* first retry's wait, then doubled */
#define S_POLL_MS 100                 /* the multi loop's longest wait */
#define S_TEMP_MAX 2.0                /* OpenAI's bound on temperature */
#define S_BYTES_PER_TOKEN 4           /* estimate when no usage is sent */
#define S_MSG_MAX 160                 /* of an API's error message kept */

struct dp_llm_t {
    char *base;         /* LLM_BASE_URL, without a trailing '/' */
    char *url;          /* base + S_PATH */
    char *models[2];    /* main, fallback (or NULL) */
    char *auth;         /* "Authorization: Bearer ..."; never logged */
    char *key;          /* to scrub echoed messages; never logged */
    char *temp_text;    /* the temperature as configured */
    double temperature; /* parsed */
    long timeout_ms;    /* per model, retries included */
    long max_in_flight; /* transfers at once */
    long max_tokens;    /* default answer length */
    long budget;        /* tokens per report, 0: none */
    long retries;       /* per model */
    long ttl_s;         /* cache lifetime */
    dp_store_t *cache;  /* borrowed, or NULL */
    CURLM *multi;       /* keeps connections between batches */
    long spent;         /* tokens since dp_llm_budget_reset */
    long reserved;      /* max_tokens of the transfers in flight */
};

typedef enum { S_WAIT = 0, S_RUN, S_DONE } s_state_t;

/* One request's progress through models, retries and transfers. */
typedef struct {
    dp_llm_t *llm;
    const dp_llm_req_t *req;
    dp_llm_answer_t *ans;
    s_state_t state;
    int model;              /* 0 main, 1 fallback */
    int tries;              /* transfers made for this model */
    long long deadline;     /* of this model, monotonic ms; 0 until its
                               first transfer starts */
    long long not_before;   /* a retry's earliest start */
    long max_tokens;        /* effective */
    CURL *easy;             /* while running */
    struct curl_slist *hdr; /* while running */
    char *payload;          /* while running */
    dp_buf_t body;          /* the answer's body */
    bool too_big;           /* the body passed S_MAX_BODY */
} s_job_t;

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

/* Reads a temperature: a plain decimal in [0, S_TEMP_MAX]. */
static int s_parse_temperature(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double t = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(t) || t < 0 ||
        t > S_TEMP_MAX)
        return DP_EINVAL;
    *out = t;
    return 0;
}

dp_llm_t *dp_llm_new(const dp_llm_cfg_t *cfg, dp_store_t *cache, char *err,
                     size_t errlen)
{
    assert(cfg && err);
    dp_llm_t *self = NULL;
    char why[256];
    double temperature = 0;
    if (!dp_llm_enabled(cfg)) {
        snprintf(err, errlen, "LLM_BASE_URL is not set");
        goto out;
    }
    if (!cfg->model || !*cfg->model) {
        snprintf(err, errlen, "LLM_MODEL: required with LLM_BASE_URL");
        goto out;
    }
    if (s_parse_temperature(cfg->temperature ? cfg->temperature : "0",
                            &temperature) < 0) {
        snprintf(err, errlen, "LLM_TEMPERATURE: \"%s\" is not a number in 0..2",
                 cfg->temperature);
        goto out;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl could not start");
        goto out;
    }
    self = dp_calloc(1, sizeof *self);
    self->base = dp_strdup(cfg->base_url);
    size_t blen = strlen(self->base);
    while (blen > 0 && self->base[blen - 1] == '/')
        self->base[--blen] = '\0';
    dp_buf_t url = DP_BUF_INIT;
    dp_buf_printf(&url, "%s%s", self->base, S_PATH);
    self->url = dp_buf_take(&url);
    bool keyed = cfg->api_key && *cfg->api_key;
    if (dp_http_scope_check(self->base, self->url, keyed, why, sizeof why) <
        0) {
        snprintf(err, errlen, "LLM_BASE_URL: %s", why);
        dp_llm_destroy(&self);
        goto out;
    }
    self->models[0] = dp_strdup(cfg->model);
    if (cfg->fallback_model && *cfg->fallback_model &&
        strcmp(cfg->fallback_model, cfg->model) != 0)
        self->models[1] = dp_strdup(cfg->fallback_model);
    if (keyed) {
        dp_buf_t auth = DP_BUF_INIT;
        dp_buf_printf(&auth, "Authorization: Bearer %s", cfg->api_key);
        self->auth = dp_buf_take(&auth);
        self->key = dp_strdup(cfg->api_key);
    }
    self->temp_text = dp_strdup(cfg->temperature ? cfg->temperature : "0");
    self->temperature = temperature;
    self->timeout_ms = (cfg->timeout_s > 0 ? cfg->timeout_s : 120) * 1000L;
    self->max_in_flight = cfg->max_in_flight > 0 ? cfg->max_in_flight : 1;
    self->max_tokens = cfg->max_tokens > 0 ? cfg->max_tokens : 1024;
    self->budget = cfg->budget_tokens > 0 ? cfg->budget_tokens : 0;
    self->retries = cfg->retries > 0 ? cfg->retries : 0;
    self->ttl_s = cfg->cache_ttl_s > 0 ? cfg->cache_ttl_s : 0;
    self->cache = cache;
    self->multi = curl_multi_init();
    if (!self->multi) {
        snprintf(err, errlen, "libcurl could not make a multi handle");
        dp_llm_destroy(&self);
    }
out:
    return self;
}

void dp_llm_destroy(dp_llm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dp_llm_t *self = *self_p;
    if (self->multi)
        curl_multi_cleanup(self->multi);
    if (self->key) /* the key does not linger in freed memory */
        memset(self->key, 0, strlen(self->key));
    if (self->auth)
        memset(self->auth, 0, strlen(self->auth));
    dp_free(self->key);
    dp_free(self->auth);
    dp_free(self->temp_text);
    dp_free(self->models[0]);
    dp_free(self->models[1]);
    dp_free(self->url);
    dp_free(self->base);
    dp_free(self);
    *self_p = NULL;
}

/* ==== The cache ==== */

/* The cache key of a request: SHA-256 over the main model, the prompt
 * version, the parameters and both messages, each ended by a NUL (no
 * part holds one, so no two requests give the same text). */
static int s_cache_key(const dp_llm_t *self, const dp_llm_req_t *req,
                       long max_tokens, char *key, size_t size)
{
    char num[32];
    snprintf(num, sizeof num, "%ld", max_tokens);
    const char *parts[] = {"dp-llm-cache-1",
                           self->models[0],
                           req->prompt_version ? req->prompt_version : "",
                           num,
                           self->temp_text,
                           req->system ? req->system : "",
                           req->user ? req->user : ""};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int rc = DP_EINVAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1) != 1)
            goto out;
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
        goto out;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    dp_ledger_llm_key(key, size, hex);
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

static long s_req_max_tokens(const dp_llm_t *self, const dp_llm_req_t *req)
{
    return req->max_tokens > 0 ? req->max_tokens : self->max_tokens;
}

/* Answers from the cache when it holds the request. True on a hit. */
static bool s_cache_get(dp_llm_t *self, const dp_llm_req_t *req,
                        dp_llm_answer_t *ans)
{
    char key[DP_LEDGER_KEY_MAX];
    if (!self->cache || s_cache_key(self, req, s_req_max_tokens(self, req), key,
                                    sizeof key) < 0)
        return false;
    dp_buf_t val = DP_BUF_INIT;
    json_t *doc = NULL;
    bool hit = false;
    if (dp_store_get(self->cache, key, &val) < 0)
        goto out;
    char jerr[128];
    doc = dp_json_parse(val.data, val.len, jerr, sizeof jerr);
    const char *text = dp_json_str(doc, "text");
    const char *model = dp_json_str(doc, "model");
    if (!text || !model) {
        dp_log(DP_LOG_WARN, "llm cache: %s is unreadable; asking again", key);
        goto out;
    }
    ans->text = dp_strdup(text);
    ans->model = dp_strdup(model);
    ans->prompt_tokens = (long)dp_json_int(doc, "prompt_tokens", -1);
    ans->completion_tokens = (long)dp_json_int(doc, "completion_tokens", -1);
    json_t *cost = dp_json_get(doc, "cost");
    ans->cost = json_is_number(cost) ? json_number_value(cost) : -1;
    ans->fallback = dp_json_bool(doc, "fallback", false);
    ans->cached = true;
    ans->status = 0;
    hit = true;
out:
    json_decref(doc);
    dp_buf_free(&val);
    return hit;
}

int dp_llm_cache_put(dp_llm_t *self, const dp_llm_req_t *req,
                     const dp_llm_answer_t *answer)
{
    assert(self && req && answer);
    if (!self->cache || answer->status != 0 || !answer->text)
        return 0;
    char key[DP_LEDGER_KEY_MAX];
    if (s_cache_key(self, req, s_req_max_tokens(self, req), key, sizeof key) <
        0)
        return DP_EINVAL;
    json_t *doc = json_pack(
        "{s:s, s:s, s:I, s:I, s:b}", "text", answer->text, "model",
        answer->model ? answer->model : self->models[0], "prompt_tokens",
        (json_int_t)answer->prompt_tokens, "completion_tokens",
        (json_int_t)answer->completion_tokens, "fallback", answer->fallback);
    if (!doc)
        return DP_EINVAL; /* text that is not UTF-8 */
    if (answer->cost >= 0)
        json_object_set_new(doc, "cost", json_real(answer->cost));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    int rc = dp_store_set(self->cache, key, text, strlen(text), self->ttl_s);
    free(text);
    return rc;
}

/* ==== One transfer ==== */

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    s_job_t *job = userp;
    size_t len = size * nmemb;
    if (job->body.len + len > (size_t)S_MAX_BODY) {
        job->too_big = true;
        return 0;
    }
    dp_buf_append(&job->body, data, len);
    return len;
}

/* The request body: model, both messages, max_tokens, temperature and
 * no streaming. */
static char *s_payload(const s_job_t *job)
{
    const dp_llm_t *llm = job->llm;
    json_t *msgs = json_array();
    json_array_append_new(msgs,
                          json_pack("{s:s, s:s}", "role", "system", "content",
                                    job->req->system ? job->req->system : ""));
    json_array_append_new(msgs,
                          json_pack("{s:s, s:s}", "role", "user", "content",
                                    job->req->user ? job->req->user : ""));
    json_t *doc =
        json_pack("{s:s, s:o, s:I, s:f, s:b}", "model", llm->models[job->model],
                  "messages", msgs, "max_tokens", (json_int_t)job->max_tokens,
                  "temperature", llm->temperature, "stream", 0);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static void s_transfer_end(s_job_t *job)
{
    if (job->easy) {
        curl_multi_remove_handle(job->llm->multi, job->easy);
        curl_easy_cleanup(job->easy);
        job->easy = NULL;
        job->llm->reserved -= job->max_tokens;
    }
    curl_slist_free_all(job->hdr);
    job->hdr = NULL;
    free(job->payload);
    job->payload = NULL;
    dp_buf_free(&job->body);
    job->too_big = false;
}

/* Starts a transfer of job to its current model. */
static int s_transfer_start(s_job_t *job, long long now)
{
    dp_llm_t *llm = job->llm;
    job->payload = s_payload(job);
    if (!job->payload) {
        snprintf(job->ans->err, sizeof job->ans->err, "a message is not UTF-8");
        return DP_EINVAL;
    }
    job->easy = curl_easy_init();
    if (!job->easy) {
        free(job->payload);
        job->payload = NULL;
        snprintf(job->ans->err, sizeof job->ans->err, "no curl handle");
        return DP_EHTTP;
    }
    if (job->deadline == 0)
        job->deadline = now + llm->timeout_ms;
    llm->reserved += job->max_tokens;
    job->hdr = curl_slist_append(NULL, "Content-Type: application/json");
    job->hdr = curl_slist_append(job->hdr, "Accept: application/json");
    if (llm->auth)
        job->hdr = curl_slist_append(job->hdr, llm->auth);
    long left = (long)(job->deadline - now);
    CURL *c = job->easy;
    curl_easy_setopt(c, CURLOPT_URL, llm->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, job->hdr);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "devpulse");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, job->payload);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(job->payload));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left > 1 ? left : 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     left < S_CONNECT_MS ? (left > 1 ? left : 1L)
                                         : S_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A redirect is answered as it came: the key stays with base_url. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(c, CURLOPT_PRIVATE, job);
    if (curl_multi_add_handle(llm->multi, c) != CURLM_OK) {
        s_transfer_end(job);
        snprintf(job->ans->err, sizeof job->ans->err, "curl multi refused");
        return DP_EHTTP;
    }
    job->tries++;
    job->ans->attempts++;
    job->state = S_RUN;
    return 0;
}

/* ==== Reading an answer ==== */

/* Copies an API's error message into err, cut short, without the key
 * (a server may echo what it was sent). */
static void s_api_message(const dp_llm_t *llm, const json_t *doc, char *buf,
                          size_t size)
{
    const char *msg = dp_json_str(doc, "error.message");
    if (!msg)
        msg = dp_json_str(doc, "error");
    if (!msg)
        msg = dp_json_str(doc, "message");
    if (!msg || (llm->key && strstr(msg, llm->key)))
        msg = "";
    snprintf(buf, size, "%.*s", S_MSG_MAX, msg);
}

/* Counts the tokens of an answer into the budget: the usage reported, or
 * an estimate from the bytes sent and received. */
static void s_spend(s_job_t *job, const json_t *doc)
{
    dp_llm_answer_t *ans = job->ans;
    ans->prompt_tokens = (long)dp_json_int(doc, "usage.prompt_tokens", -1);
    ans->completion_tokens =
        (long)dp_json_int(doc, "usage.completion_tokens", -1);
    json_t *cost = dp_json_get(doc, "usage.cost");
    ans->cost = json_is_number(cost) ? json_number_value(cost) : -1;
    long used = 0;
    if (ans->prompt_tokens >= 0 || ans->completion_tokens >= 0)
        used = (ans->prompt_tokens > 0 ? ans->prompt_tokens : 0) +
               (ans->completion_tokens > 0 ? ans->completion_tokens : 0);
    else
        used =
            (long)((job->payload ? strlen(job->payload) : 0) + job->body.len) /
            S_BYTES_PER_TOKEN;
    job->llm->spent += used;
}

/* Reads a 200 answer into job->ans. 0, DP_EJSON, DP_ETOOBIG or
 * DP_EPROTO (the text holds the key: never let it reach a report). */
static int s_read_answer(s_job_t *job)
{
    dp_llm_answer_t *ans = job->ans;
    char jerr[128];
    int rc = DP_EJSON;
    json_t *doc = dp_json_parse(job->body.data ? job->body.data : "",
                                job->body.len, jerr, sizeof jerr);
    if (!json_is_object(doc)) {
        snprintf(ans->err, sizeof ans->err, "%s: not a chat completion (%s)",
                 job->llm->models[job->model], doc ? "not an object" : jerr);
        goto out;
    }
    s_spend(job, doc);
    const char *content = dp_json_str(doc, "choices.0.message.content");
    const char *finish = dp_json_str(doc, "choices.0.finish_reason");
    if (finish && strcmp(finish, "length") == 0) {
        snprintf(ans->err, sizeof ans->err,
                 "%s: the answer was cut at %ld tokens (finish_reason "
                 "length)",
                 job->llm->models[job->model], job->max_tokens);
        rc = DP_ETOOBIG;
        goto out;
    }
    if (!content || content[strspn(content, " \t\r\n")] == '\0') {
        snprintf(ans->err, sizeof ans->err,
                 "%s: no text in choices[0].message.content",
                 job->llm->models[job->model]);
        goto out;
    }
    if (job->llm->key && strstr(content, job->llm->key)) {
        snprintf(ans->err, sizeof ans->err,
                 "%s: the answer repeats the API key; refused",
                 job->llm->models[job->model]);
        rc = DP_EPROTO;
        goto out;
    }
    const char *model = dp_json_str(doc, "model");
    dp_free(ans->text);
    dp_free(ans->model);
    ans->text = dp_strdup(content);
    ans->model =
        dp_strdup(model && *model ? model : job->llm->models[job->model]);
    ans->fallback = job->model == 1;
    ans->err[0] = '\0';
    rc = 0;
out:
    json_decref(doc);
    return rc;
}

/* What a finished transfer means: 0 (answered) or an error; *wait_ms is
 * set (>= 0) when the same model may be asked again after that wait
 * (429, 5xx, a failed connection), -1 otherwise. */
static int s_outcome(s_job_t *job, CURLcode cc, long long *wait_ms)
{
    dp_llm_t *llm = job->llm;
    dp_llm_answer_t *ans = job->ans;
    const char *model = llm->models[job->model];
    long status = 0;
    *wait_ms = -1;
    if (cc == CURLE_ABORTED_BY_CALLBACK || dp_service_interrupted()) {
        snprintf(ans->err, sizeof ans->err, "interrupted by a stop");
        return DP_EAGAIN;
    }
    if (job->too_big) {
        snprintf(ans->err, sizeof ans->err, "%s: body larger than %ld bytes",
                 model, S_MAX_BODY);
        return DP_ETOOBIG;
    }
    if (cc != CURLE_OK) {
        snprintf(ans->err, sizeof ans->err, "%s: %s", model,
                 cc == CURLE_OPERATION_TIMEDOUT ? "timed out"
                                                : curl_easy_strerror(cc));
        if (cc != CURLE_OPERATION_TIMEDOUT)
            *wait_ms = S_BACKOFF_MS << (job->tries - 1);
        return DP_EHTTP;
    }
    curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200)
        return s_read_answer(job);
    char msg[S_MSG_MAX + 1];
    char jerr[64];
    json_t *doc = dp_json_parse(job->body.data ? job->body.data : "",
                                job->body.len, jerr, sizeof jerr);
    s_api_message(llm, doc, msg, sizeof msg);
    json_decref(doc);
    snprintf(ans->err, sizeof ans->err, "%s: HTTP %ld%s%s", model, status,
             *msg ? ": " : "", msg);
    if (status == 401 || status == 403)
        return DP_EAUTH;
    if (status >= 300 && status < 400) {
        snprintf(ans->err, sizeof ans->err,
                 "%s: HTTP %ld: a redirect is not followed", model, status);
        return DP_EORIGIN;
    }
    if (status == 429 || status >= 500) {
        curl_off_t ra = -1;
        if (curl_easy_getinfo(job->easy, CURLINFO_RETRY_AFTER, &ra) !=
                CURLE_OK ||
            ra < 0)
            ra = 0;
        long long backoff = S_BACKOFF_MS << (job->tries - 1);
        long long after =
            (long long)(ra > DP_HTTP_WAIT_MAX_S ? DP_HTTP_WAIT_MAX_S : ra) *
            1000;
        *wait_ms = after > backoff ? after : backoff;
        return status == 429 ? DP_ERATE : DP_EHTTP;
    }
    return status == 404 ? DP_ENOTFOUND : DP_EHTTP;
}

/* ==== The batch ==== */

static const char *s_section(const s_job_t *job)
{
    return job->req->section ? job->req->section : "request";
}

static void s_done(s_job_t *job, int status)
{
    job->state = S_DONE;
    job->ans->status = status;
    if (status == 0)
        dp_log(DP_LOG_INFO, "llm %s: %s answered, %ld+%ld tokens%s",
               s_section(job), job->ans->model, job->ans->prompt_tokens,
               job->ans->completion_tokens,
               job->ans->fallback ? " (fallback model)" : "");
    else
        dp_log(DP_LOG_WARN, "llm %s: %s", s_section(job), job->ans->err);
}

/* Decides what follows a finished transfer that gave rc: done, a retry of
 * the same model after wait_ms, or the fallback model. */
static void s_after(s_job_t *job, int rc, long long wait_ms, long long now)
{
    dp_llm_t *llm = job->llm;
    bool final = rc == 0 || rc == DP_EAGAIN || rc == DP_EAUTH ||
                 rc == DP_EORIGIN || rc == DP_EINVAL;
    if (final) {
        s_done(job, rc);
        return;
    }
    if (wait_ms >= 0 && job->tries <= llm->retries) {
        if (now + wait_ms < job->deadline) {
            dp_log(DP_LOG_INFO, "llm %s: %s; again in %lld ms", s_section(job),
                   job->ans->err, wait_ms);
            job->not_before = now + wait_ms;
            job->state = S_WAIT;
            return;
        }
        size_t len = strlen(job->ans->err);
        snprintf(job->ans->err + len, sizeof job->ans->err - len,
                 " (a retry in %lld ms would pass the timeout)", wait_ms);
    }
    if (job->model == 0 && llm->models[1]) {
        dp_log(DP_LOG_WARN, "llm %s: %s; asking the fallback model %s",
               s_section(job), job->ans->err, llm->models[1]);
        job->model = 1;
        job->tries = 0;
        job->deadline = 0;
        job->not_before = now;
        job->state = S_WAIT;
        return;
    }
    s_done(job, rc);
}

/* Starts the waiting jobs that are due, while transfers are below the cap
 * and the budget lasts. Returns the number running. */
static long s_start_due(s_job_t *jobs, size_t n, long long now)
{
    dp_llm_t *llm = jobs[0].llm;
    long running = 0;
    for (size_t i = 0; i < n; i++)
        running += jobs[i].state == S_RUN;
    for (size_t i = 0; i < n && running < llm->max_in_flight; i++) {
        s_job_t *job = &jobs[i];
        if (job->state != S_WAIT || job->not_before > now)
            continue;
        if (llm->budget > 0 && llm->spent >= llm->budget) {
            snprintf(job->ans->err, sizeof job->ans->err,
                     "the report's budget of %ld tokens is spent (%ld used)",
                     llm->budget, llm->spent);
            s_done(job, DP_EBUDGET);
            continue;
        }
        /* The answers in flight may spend what is left: wait for them. */
        if (llm->budget > 0 && llm->reserved > 0 &&
            llm->spent + llm->reserved >= llm->budget)
            continue;
        int rc = s_transfer_start(job, now);
        if (rc < 0)
            s_done(job, rc);
        else
            running++;
    }
    return running;
}

/* The wait before a retry falls due, at most S_POLL_MS. Jobs already due
 * but not started wait for a transfer to end (the cap, the budget), which
 * wakes the poll. */
static int s_next_wait(const s_job_t *jobs, size_t n, long long now)
{
    long long wait = S_POLL_MS;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].state == S_WAIT && jobs[i].not_before > now &&
            jobs[i].not_before - now < wait)
            wait = jobs[i].not_before - now;
    return wait > 0 ? (int)wait : 0;
}

/* Collects the transfers that finished. */
static void s_collect(dp_llm_t *self)
{
    CURLMsg *m = NULL;
    int queued = 0;
    while ((m = curl_multi_info_read(self->multi, &queued))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        s_job_t *job = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&job);
        CURLcode cc = m->data.result;
        long long wait_ms = -1;
        int rc = s_outcome(job, cc, &wait_ms);
        s_transfer_end(job);
        s_after(job, rc, wait_ms, dp_service_now_ms());
    }
}

static size_t s_pending(const s_job_t *jobs, size_t n)
{
    size_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += jobs[i].state != S_DONE;
    return left;
}

/* Ends every unfinished job with DP_EAGAIN: a stop came. */
static void s_abort_all(s_job_t *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].state == S_DONE)
            continue;
        s_transfer_end(&jobs[i]);
        snprintf(jobs[i].ans->err, sizeof jobs[i].ans->err,
                 "interrupted by a stop");
        s_done(&jobs[i], DP_EAGAIN);
    }
}

int dp_llm_chat_many(dp_llm_t *self, const dp_llm_req_t *reqs,
                     dp_llm_answer_t *answers, size_t n)
{
    assert(self && (n == 0 || (reqs && answers)));
    if (n == 0)
        return 0;
    s_job_t *jobs = dp_calloc(n, sizeof *jobs);
    long long now = dp_service_now_ms();
    for (size_t i = 0; i < n; i++) {
        dp_llm_answer_t *ans = &answers[i];
        memset(ans, 0, sizeof *ans);
        ans->prompt_tokens = ans->completion_tokens = -1;
        ans->cost = -1;
        jobs[i] = (s_job_t){.llm = self,
                            .req = &reqs[i],
                            .ans = ans,
                            .max_tokens = s_req_max_tokens(self, &reqs[i]),
                            .body = DP_BUF_INIT};
        if (s_cache_get(self, &reqs[i], ans))
            jobs[i].state = S_DONE;
    }
    int stop_fd = dp_service_stop_fd();
    bool stopped = false;
    while (s_pending(jobs, n) > 0) {
        if (dp_service_interrupted()) {
            s_abort_all(jobs, n);
            stopped = true;
            break;
        }
        now = dp_service_now_ms();
        long running = s_start_due(jobs, n, now);
        int still = 0;
        curl_multi_perform(self->multi, &still);
        s_collect(self);
        if (s_pending(jobs, n) == 0)
            break;
        int wait = s_next_wait(jobs, n, dp_service_now_ms());
        struct curl_waitfd extra = {stop_fd, CURL_WAIT_POLLIN, 0};
        if (running > 0 || still > 0)
            curl_multi_poll(self->multi, stop_fd >= 0 ? &extra : NULL,
                            stop_fd >= 0 ? 1 : 0, wait, NULL);
        else if (dp_service_sleep_ms(wait) < 0)
            continue; /* the stop is seen at the top */
    }
    int ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += answers[i].status == 0;
    dp_free(jobs);
    return stopped ? DP_EAGAIN : ok;
}

int dp_llm_chat(dp_llm_t *self, const dp_llm_req_t *req,
                dp_llm_answer_t *answer)
{
    int rc = dp_llm_chat_many(self, req, answer, 1);
    return rc < 0 ? rc : answer->status;
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
    return self->models[0];
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
    answer->prompt_tokens = answer->completion_tokens = -1;
    answer->cost = -1;
}
