/* llm_standin.c - an OpenAI-compatible Chat Completions stand-in for tests */
/* SPDX-License-Identifier: MIT */

/*
 * llm-standin answers POST /v1/chat/completions and GET /v1/models on
 * 127.0.0.1 the way vLLM's OpenAI-compatible server does, with answers
 * scripted by a rules file. It prints its base URL ("http://127.0.0.1:
 * PORT/v1", the value for LLM_BASE_URL) on stdout and serves until SIGINT
 * or SIGTERM.
 *
 *   llm-standin [--rules FILE] [--port N] [--key KEY] [--models a,b]
 *               [--verbose]
 *
 * Every chat request is checked as a strict server would: a JSON object;
 * "model" a non-empty string (with --models, one of them, or 404 "model
 * not found" as vLLM answers); "messages" a non-empty list of {"role":
 * system|user|assistant, "content": string}; "max_tokens" an integer > 0;
 * "stream" absent or false; "temperature", when present, a number in
 * [0, 2]. Otherwise 400 with {"error": {"message", "type":
 * "BadRequestError", "code": 400}}. With --key, a request without
 * "Authorization: Bearer KEY" gets 401.
 *
 * The rules file is a JSON array of rules, tried in order; the first that
 * matches a request and is not used up answers it. A rule's fields (all
 * optional):
 *   "match":   a substring of the user message (the last "user" message)
 *   "system":  a substring of the system message
 *   "section": the section named in the user or system message by a line
 *              "section: NAME" (case-insensitive key; NAME compared
 *              exactly, up to the end of the line)
 *   "model":   the request's model
 *   "times":   how many requests it answers, then it is used up
 *              (default: no bound)
 * and the answer:
 *   "text":          the message content (default "Stand-in answer.")
 *   "preamble":      text put before it, then a blank line
 *   "think":         a "<think>THINK</think>\n" block put before it all
 *   "delay_ms":      wait this long before answering (up to 60000)
 *   "status":        an HTTP error status (429, 500, 503, 404, ...), with
 *                    an OpenAI-style error body
 *   "retry_after":   seconds, sent as retry-after with the status
 *   "location":      a URL, sent as Location with a 3xx status (a
 *                    redirect the client must not follow with its key)
 *   "malformed":     true: a 200 whose body is cut JSON
 *   "no_content":    true: choices[0].message.content is null
 *   "finish_reason": default "stop" ("length" for a cut answer)
 *   "prompt_tokens", "completion_tokens": usage (default: bytes / 4)
 *   "cost":          a number, sent as usage.cost (as OpenRouter does)
 *   "echo_auth":     true: the error message (or text) repeats the
 *                    Authorization header received, as a careless
 *                    server might
 * A request that no rule matches gets the default answer. Example:
 *   [{"match": "#123", "status": 429, "retry_after": 1, "times": 1},
 *    {"section": "summary", "preamble": "As an analyst, here is",
 *     "text": "Three PRs were merged.", "cost": 0.002},
 *    {"model": "big", "status": 500}]
 *
 * GET /_standin/stats (or /v1/_standin/stats) answers {"calls": total chat
 * requests, "by_model": {model: n}, "bad_requests": n, "authorized": requests
 * with an Authorization header, "in_flight": n, "max_in_flight": the most chat
 * requests it handled at once}; POST /_standin/reset zeroes it and makes
 * used-up rules fresh. GET /_standin/last answers the last chat request's
 * body as it came (for tests of prompts).
 *
 * Threads: MHD runs one thread per connection; state is under one mutex,
 * except the wait of "delay_ms".
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "dp_config.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "standin_net.h"

#define S_BODY_MAX (1024 * 1024) /* a request body, at most */
#define S_DELAY_MAX_MS 60000L    /* a rule's delay, at most */
#define S_CONN_LIMIT 256         /* concurrent connections */
#define S_CONN_TIMEOUT_S 60      /* idle connection timeout */
#define S_BYTES_PER_TOKEN 4      /* the default usage */
#define S_TEMP_MAX 2.0           /* OpenAI's bound */
#define S_TICK_MS 20             /* a delay's sleep step */
#define S_DEFAULT_TEXT "Stand-in answer."

typedef struct {
    pthread_mutex_t lock;
    json_t *rules;    /* the array of rules */
    json_t *used;     /* rule index (text) -> requests answered */
    json_t *by_model; /* model -> chat requests */
    json_t *models;   /* --models as an array, or NULL: any */
    char *key;        /* --key, or NULL */
    char *last;       /* the last chat request's body */
    long calls, bad, authorized, in_flight, max_in_flight;
    bool verbose;
} server_t;

/* A connection's request as it arrives. */
typedef struct {
    dp_buf_t body;
    bool started, too_big;
} req_t;

/* An answer to send. */
typedef struct {
    int status;
    char *body; /* owned */
    long retry_after;
    char *location; /* owned, or NULL */
} reply_t;

static volatile sig_atomic_t s_stopping;

/* ==== Replies ==== */

static void s_reply_json(reply_t *r, int status, json_t *doc)
{
    r->status = status;
    r->body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
}

static void s_reply_error(reply_t *r, int status, const char *type,
                          const char *message)
{
    s_reply_json(r, status,
                 json_pack("{s:{s:s, s:s, s:i}}", "error", "message", message,
                           "type", type, "code", status));
}

static const char *s_error_type(int status)
{
    switch (status) {
    case MHD_HTTP_BAD_REQUEST:
        return "BadRequestError";
    case MHD_HTTP_UNAUTHORIZED:
        return "AuthenticationError";
    case MHD_HTTP_NOT_FOUND:
        return "NotFoundError";
    case MHD_HTTP_TOO_MANY_REQUESTS:
        return "RateLimitError";
    default:
        return "InternalServerError";
    }
}

/* ==== The request's shape ==== */

/* Checks a chat request; NULL when it is well formed, else the reason. */
static const char *s_shape(const json_t *doc)
{
    if (!json_is_object(doc))
        return "the body is not a JSON object";
    const char *model = dp_json_str(doc, "model");
    if (!model || !*model)
        return "\"model\" is required";
    const json_t *msgs = json_object_get(doc, "messages");
    if (!json_is_array(msgs) || json_array_size(msgs) == 0)
        return "\"messages\" must be a non-empty list";
    size_t i;
    const json_t *m;
    json_array_foreach(msgs, i, m)
    {
        const char *role = dp_json_str(m, "role");
        if (!role || (strcmp(role, "system") && strcmp(role, "user") &&
                      strcmp(role, "assistant")))
            return "each message needs a role: system, user or assistant";
        if (!json_is_string(json_object_get(m, "content")))
            return "each message needs a string content";
    }
    const json_t *mt = json_object_get(doc, "max_tokens");
    if (!json_is_integer(mt) || json_integer_value(mt) <= 0)
        return "\"max_tokens\" must be a positive integer";
    const json_t *stream = json_object_get(doc, "stream");
    if (stream && !json_is_false(stream))
        return "\"stream\" must be absent or false here";
    const json_t *t = json_object_get(doc, "temperature");
    if (t && (!json_is_number(t) || json_number_value(t) < 0 ||
              json_number_value(t) > S_TEMP_MAX))
        return "\"temperature\" must be a number in [0, 2]";
    return NULL;
}

/* The content of the last message with the role, or "". */
static const char *s_message(const json_t *doc, const char *role)
{
    const json_t *msgs = json_object_get(doc, "messages");
    const char *found = "";
    size_t i;
    const json_t *m;
    json_array_foreach(msgs, i, m)
    {
        if (strcmp(dp_json_str(m, "role"), role) == 0)
            found = dp_json_str(m, "content");
    }
    return found;
}

/* True when text has a line "section: NAME" (any case for the key). */
static bool s_names_section(const char *text, const char *name)
{
    static const char key[] = "section:";
    size_t nlen = strlen(name);
    for (const char *line = text; line && *line;) {
        const char *p = line + strspn(line, " \t");
        if (strncasecmp(p, key, sizeof key - 1) == 0) {
            p += sizeof key - 1;
            p += strspn(p, " \t");
            if (strncmp(p, name, nlen) == 0 &&
                (p[nlen] == '\0' || p[nlen] == '\n' || p[nlen] == '\r'))
                return true;
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return false;
}

/* True when rule matches the request. */
static bool s_matches(const json_t *rule, const json_t *doc)
{
    const char *user = s_message(doc, "user");
    const char *system = s_message(doc, "system");
    const char *match = dp_json_str(rule, "match");
    const char *sys = dp_json_str(rule, "system");
    const char *section = dp_json_str(rule, "section");
    const char *model = dp_json_str(rule, "model");
    if (match && !strstr(user, match))
        return false;
    if (sys && !strstr(system, sys))
        return false;
    if (section && !s_names_section(user, section) &&
        !s_names_section(system, section))
        return false;
    if (model && strcmp(model, dp_json_str(doc, "model")) != 0)
        return false;
    return true;
}

/* The first rule that matches and is not used up, counted as used once
 * more; NULL for the default answer. Under the lock. */
static json_t *s_rule_for(server_t *srv, const json_t *doc)
{
    size_t i;
    json_t *rule;
    json_array_foreach(srv->rules, i, rule)
    {
        if (!s_matches(rule, doc))
            continue;
        char idx[32];
        snprintf(idx, sizeof idx, "%zu", i);
        json_int_t used = json_integer_value(json_object_get(srv->used, idx));
        json_int_t times = dp_json_int(rule, "times", -1);
        if (times >= 0 && used >= times)
            continue;
        json_object_set_new(srv->used, idx, json_integer(used + 1));
        return json_incref(rule);
    }
    return NULL;
}

/* ==== Chat completions ==== */

static void s_sleep_ms(long ms)
{
    for (long done = 0; done < ms && !s_stopping; done += S_TICK_MS) {
        struct timespec ts = {0, S_TICK_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The answer a rule (or the default) gives to a well-formed request. */
static void s_answer(const json_t *rule, const json_t *doc, const char *auth,
                     reply_t *r)
{
    long status = (long)dp_json_int(rule, "status", 0);
    const char *echo =
        dp_json_bool(rule, "echo_auth", false) && auth ? auth : NULL;
    if (status >= 300 && status < 400) {
        r->location = dp_strdup(dp_json_str(rule, "location"));
        s_reply_json(r, (int)status, json_object());
        return;
    }
    if (status >= 400) {
        r->retry_after = (long)dp_json_int(rule, "retry_after", -1);
        char msg[512];
        snprintf(msg, sizeof msg, "stand-in error %ld%s%s", status,
                 echo ? " for " : "", echo ? echo : "");
        s_reply_error(r, (int)status, s_error_type((int)status), msg);
        return;
    }
    if (dp_json_bool(rule, "malformed", false)) {
        r->status = MHD_HTTP_OK;
        r->body = dp_strdup("{\"id\": \"chatcmpl-x\", \"choices\": [{\"mess");
        return;
    }
    dp_buf_t text = DP_BUF_INIT;
    const char *think = dp_json_str(rule, "think");
    const char *preamble = dp_json_str(rule, "preamble");
    const char *body = dp_json_str(rule, "text");
    if (think)
        dp_buf_printf(&text, "<think>%s</think>\n", think);
    if (preamble)
        dp_buf_printf(&text, "%s\n\n", preamble);
    dp_buf_puts(&text, body ? body : S_DEFAULT_TEXT);
    if (echo)
        dp_buf_printf(&text, " (%s)", echo);
    const char *finish = dp_json_str(rule, "finish_reason");
    size_t in_len =
        strlen(s_message(doc, "system")) + strlen(s_message(doc, "user"));
    json_t *usage = json_pack(
        "{s:I, s:I}", "prompt_tokens",
        (json_int_t)dp_json_int(rule, "prompt_tokens",
                                (int64_t)(in_len / S_BYTES_PER_TOKEN)),
        "completion_tokens",
        (json_int_t)dp_json_int(rule, "completion_tokens",
                                (int64_t)(text.len / S_BYTES_PER_TOKEN + 1)));
    json_object_set_new(
        usage, "total_tokens",
        json_integer(
            json_integer_value(json_object_get(usage, "prompt_tokens")) +
            json_integer_value(json_object_get(usage, "completion_tokens"))));
    const json_t *cost = json_object_get(rule, "cost");
    if (json_is_number(cost))
        json_object_set_new(usage, "cost", json_real(json_number_value(cost)));
    json_t *content = dp_json_bool(rule, "no_content", false)
                          ? json_null()
                          : json_stringn(text.data, text.len);
    json_t *out = json_pack(
        "{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:o}, s:s}], s:o}", "id",
        "chatcmpl-standin", "object", "chat.completion", "created",
        (json_int_t)time(NULL), "model", dp_json_str(doc, "model"), "choices",
        "index", 0, "message", "role", "assistant", "content", content,
        "finish_reason", finish ? finish : "stop", "usage", usage);
    dp_buf_free(&text);
    s_reply_json(r, MHD_HTTP_OK, out);
}

/* Whether the request's model is served; counts the call. Under lock. */
static bool s_model_known(server_t *srv, const char *model)
{
    json_int_t n = json_integer_value(json_object_get(srv->by_model, model));
    json_object_set_new(srv->by_model, model, json_integer(n + 1));
    srv->calls++;
    if (!srv->models)
        return true;
    size_t i;
    json_t *m;
    json_array_foreach(srv->models, i, m)
    {
        if (strcmp(json_string_value(m), model) == 0)
            return true;
    }
    return false;
}

static void s_chat(server_t *srv, const req_t *req, const char *auth,
                   reply_t *r)
{
    char jerr[128];
    json_t *doc = NULL, *rule = NULL;
    pthread_mutex_lock(&srv->lock);
    dp_free(srv->last);
    srv->last = dp_strdup(req->body.data ? req->body.data : "");
    if (++srv->in_flight > srv->max_in_flight)
        srv->max_in_flight = srv->in_flight;
    const char *bad = NULL;
    doc = req->too_big ? NULL
                       : dp_json_parse(req->body.data ? req->body.data : "",
                                       req->body.len, jerr, sizeof jerr);
    bad = req->too_big ? "the body is too large" : doc ? s_shape(doc) : jerr;
    if (bad) {
        srv->bad++;
        s_reply_error(r, MHD_HTTP_BAD_REQUEST, "BadRequestError", bad);
    } else if (!s_model_known(srv, dp_json_str(doc, "model"))) {
        char msg[256];
        snprintf(msg, sizeof msg, "The model `%s` does not exist.",
                 dp_json_str(doc, "model"));
        s_reply_error(r, MHD_HTTP_NOT_FOUND, "NotFoundError", msg);
    } else {
        rule = s_rule_for(srv, doc);
    }
    pthread_mutex_unlock(&srv->lock);
    if (!r->body) {
        long delay = (long)dp_json_int(rule, "delay_ms", 0);
        s_sleep_ms(delay < S_DELAY_MAX_MS ? delay : S_DELAY_MAX_MS);
        s_answer(rule, doc, auth, r);
    }
    pthread_mutex_lock(&srv->lock);
    srv->in_flight--;
    pthread_mutex_unlock(&srv->lock);
    json_decref(rule);
    json_decref(doc);
}

/* ==== Other endpoints ==== */

static void s_models(server_t *srv, reply_t *r)
{
    json_t *data = json_array();
    pthread_mutex_lock(&srv->lock);
    size_t i;
    json_t *m;
    json_array_foreach(srv->models, i, m)
    {
        json_array_append_new(data,
                              json_pack("{s:O, s:s, s:s}", "id", m, "object",
                                        "model", "owned_by", "standin"));
    }
    pthread_mutex_unlock(&srv->lock);
    s_reply_json(r, MHD_HTTP_OK,
                 json_pack("{s:s, s:o}", "object", "list", "data", data));
}

static void s_stats(server_t *srv, reply_t *r)
{
    pthread_mutex_lock(&srv->lock);
    json_t *doc = json_pack("{s:I, s:O, s:I, s:I, s:I, s:I}", "calls",
                            (json_int_t)srv->calls, "by_model", srv->by_model,
                            "bad_requests", (json_int_t)srv->bad, "authorized",
                            (json_int_t)srv->authorized, "in_flight",
                            (json_int_t)srv->in_flight, "max_in_flight",
                            (json_int_t)srv->max_in_flight);
    pthread_mutex_unlock(&srv->lock);
    s_reply_json(r, MHD_HTTP_OK, doc);
}

static void s_reset(server_t *srv, reply_t *r)
{
    pthread_mutex_lock(&srv->lock);
    json_object_clear(srv->used);
    json_object_clear(srv->by_model);
    srv->calls = srv->bad = srv->authorized = srv->max_in_flight = 0;
    pthread_mutex_unlock(&srv->lock);
    s_reply_json(r, MHD_HTTP_OK, json_pack("{s:b}", "reset", 1));
}

static void s_last(server_t *srv, reply_t *r)
{
    pthread_mutex_lock(&srv->lock);
    r->body = dp_strdup(srv->last ? srv->last : "null");
    pthread_mutex_unlock(&srv->lock);
    r->status = MHD_HTTP_OK;
}

/* ==== HTTP ==== */

/* True when the request carries the key (or none is required). */
static bool s_authorized(server_t *srv, const char *auth)
{
    if (!srv->key)
        return true;
    static const char bearer[] = "Bearer ";
    return auth && strncmp(auth, bearer, sizeof bearer - 1) == 0 &&
           strcmp(auth + sizeof bearer - 1, srv->key) == 0;
}

static void s_route(server_t *srv, struct MHD_Connection *conn,
                    const char *method, const char *url, const req_t *req,
                    reply_t *r)
{
    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    bool post = strcmp(method, "POST") == 0;
    bool get = strcmp(method, "GET") == 0;
    if (strncmp(url, "/v1/_standin/", strlen("/v1/_standin/")) == 0)
        url += strlen("/v1"); /* below the base URL printed, too */
    if (strncmp(url, "/_standin/", strlen("/_standin/")) == 0) {
        if (get && strcmp(url, "/_standin/stats") == 0)
            s_stats(srv, r);
        else if (post && strcmp(url, "/_standin/reset") == 0)
            s_reset(srv, r);
        else if (get && strcmp(url, "/_standin/last") == 0)
            s_last(srv, r);
        else
            s_reply_error(r, MHD_HTTP_NOT_FOUND, "NotFoundError", "no route");
        return;
    }
    pthread_mutex_lock(&srv->lock);
    srv->authorized += auth != NULL;
    pthread_mutex_unlock(&srv->lock);
    if (!s_authorized(srv, auth)) {
        s_reply_error(r, MHD_HTTP_UNAUTHORIZED, "AuthenticationError",
                      "Incorrect API key provided.");
        return;
    }
    if (post && strcmp(url, "/v1/chat/completions") == 0)
        s_chat(srv, req, auth, r);
    else if (get && strcmp(url, "/v1/models") == 0)
        s_models(srv, r);
    else
        s_reply_error(r, MHD_HTTP_NOT_FOUND, "NotFoundError", "no route");
}

static enum MHD_Result s_send(struct MHD_Connection *conn, reply_t *r)
{
    const char *body = r->body ? r->body : "";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (r->retry_after >= 0) {
        char num[32];
        snprintf(num, sizeof num, "%ld", r->retry_after);
        MHD_add_response_header(resp, "retry-after", num);
    }
    if (r->location)
        MHD_add_response_header(resp, "Location", r->location);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **con_cls)
{
    server_t *srv = cls;
    (void)version;
    req_t *req = *con_cls;
    if (!req) {
        req = dp_calloc(1, sizeof *req);
        req->body = (dp_buf_t)DP_BUF_INIT;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!standin_upload(&req->body, S_BODY_MAX, upload_data,
                            upload_data_size))
            req->too_big = true;
        return MHD_YES;
    }
    reply_t r = {MHD_HTTP_OK, NULL, -1, NULL};
    s_route(srv, conn, method, url ? url : "/", req, &r);
    if (srv->verbose)
        dp_log(DP_LOG_INFO, "%s %s %d", method, url, r.status);
    enum MHD_Result ret = s_send(conn, &r);
    free(r.body);
    dp_free(r.location);
    return ret;
}

static void s_on_completed(void *cls, struct MHD_Connection *conn,
                           void **con_cls, enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    req_t *req = *con_cls;
    if (req) {
        dp_buf_free(&req->body);
        dp_free(req);
        *con_cls = NULL;
    }
}

/* ==== Start-up ==== */

static void s_usage(FILE *out)
{
    fprintf(out, "usage: llm-standin [--rules FILE] [--port N] [--key KEY]\n"
                 "                   [--models a,b] [--verbose]\n");
}

/* A comma-separated list as a JSON array of strings. */
static json_t *s_split(const char *list)
{
    json_t *arr = json_array();
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len > 0)
            json_array_append_new(arr, json_stringn(p, len));
        p += len + (p[len] == ',');
    }
    return arr;
}

/* Reads the arguments; 0, 1 for --help, -1 on error (said on stderr). */
static int s_parse_args(server_t *srv, int argc, char **argv, long *port)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help"))
            return 1;
        if (!strcmp(a, "--verbose")) {
            srv->verbose = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "llm-standin: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "--port")) {
            if (dp_parse_long(v, 0, 65535, port) < 0) {
                fprintf(stderr, "llm-standin: bad port %s\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--key")) {
            dp_free(srv->key);
            srv->key = dp_strdup(v);
        } else if (!strcmp(a, "--models")) {
            json_decref(srv->models);
            srv->models = s_split(v);
        } else if (!strcmp(a, "--rules")) {
            json_decref(srv->rules);
            json_error_t jerr;
            srv->rules = json_load_file(v, 0, &jerr);
            if (!json_is_array(srv->rules)) {
                fprintf(stderr, "llm-standin: %s:%d:%d: %s\n", v, jerr.line,
                        jerr.column,
                        srv->rules ? "not a list of rules" : jerr.text);
                return -1;
            }
        } else {
            fprintf(stderr, "llm-standin: unknown argument %s\n", a);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static server_t srv;
    long port = 0;
    int rc = 2, fd = -1;
    struct MHD_Daemon *daemon = NULL;

    dp_log_init("llm-standin");
    pthread_mutex_init(&srv.lock, NULL);
    srv.used = json_object();
    srv.by_model = json_object();
    int parsed = s_parse_args(&srv, argc, argv, &port);
    if (parsed != 0) {
        s_usage(parsed > 0 ? stdout : stderr);
        rc = parsed > 0 ? 0 : 2;
        goto out;
    }
    if (!srv.rules)
        srv.rules = json_array();
    if (srv.verbose)
        dp_log_set_level(DP_LOG_INFO);

    sigset_t sigs;
    standin_signals(&sigs);

    unsigned bound = 0;
    fd = standin_listen("127.0.0.1", port, &bound);
    if (fd < 0) {
        fprintf(stderr, "llm-standin: cannot listen on 127.0.0.1:%ld: %s\n",
                port, strerror(errno));
        rc = 1;
        goto out;
    }
    const standin_server_t server = {
        s_on_request,     &srv,       s_on_completed, NULL, S_CONN_LIMIT,
        S_CONN_TIMEOUT_S, srv.verbose};
    daemon = standin_start(fd, &server);
    if (!daemon) {
        fprintf(stderr, "llm-standin: cannot start the HTTP server\n");
        rc = 1;
        goto out;
    }
    fd = -1; /* the daemon owns it now */
    printf("http://127.0.0.1:%u/v1\n", bound);
    fflush(stdout);

    standin_wait(&sigs);
    s_stopping = 1;
    rc = 0;
out:
    if (daemon)
        MHD_stop_daemon(daemon);
    if (fd >= 0)
        close(fd);
    json_decref(srv.rules);
    json_decref(srv.used);
    json_decref(srv.by_model);
    json_decref(srv.models);
    dp_free(srv.key);
    dp_free(srv.last);
    return rc;
}
