/* webhook_standin.c - Slack- and Feishu-compatible incoming webhooks for
 * tests */
/* SPDX-License-Identifier: MIT */

/*
 * webhook-standin answers POSTs on 127.0.0.1 as incoming webhooks do and
 * records each one. It prints its base URL ("http://127.0.0.1:PORT") on
 * stdout and serves until SIGINT or SIGTERM.
 *
 *   webhook-standin [--rules FILE] [--feishu-secret SECRET] [--port N]
 *
 * A POST to a path starting with "/feishu" is a Feishu/Lark custom bot:
 * it answers {"code": 0, "msg": "success"}, or, with --feishu-secret, when
 * "timestamp" and "sign" are missing, wrong, or the timestamp is more than
 * an hour away, {"code": 19021, "msg": "sign match fail ..."} as Feishu
 * does (HTTP 200 either way). Any other path is a Slack-compatible hook:
 * a JSON object with a string "text" gets 200 "ok", anything else 400
 * "invalid_payload".
 *
 * The rules file is a JSON array tried in order; the first rule whose
 * "path" is the request's path (or that has none) and is not used up
 * answers instead: "status" (an HTTP status), "retry_after" (seconds,
 * sent as retry-after), "delay_ms" (wait before answering, up to 60000),
 * "times" (how many requests it answers; default no bound). Example:
 *   [{"path": "/slack", "status": 500, "times": 1},
 *    {"path": "/feishu", "status": 429, "retry_after": 1, "times": 1}]
 *
 * GET /_standin/posts answers {"posts": [{"path", "status" (answered),
 * "body" (as it came), "sign_ok" (Feishu, with a secret)}...]} in the
 * order they came.
 *
 * Threads: MHD runs one thread per connection; state is under one mutex,
 * except the wait of "delay_ms".
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dp_config.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "standin_net.h"

#define S_BODY_MAX (1024 * 1024) /* a request body, at most */
#define S_DELAY_MAX_MS 60000L    /* a rule's delay, at most */
#define S_CONN_LIMIT 64
#define S_CONN_TIMEOUT_S 60
#define S_SIGN_WINDOW_S 3600 /* Feishu's bound on a timestamp's age */
#define S_FEISHU_BAD_SIGN 19021

typedef struct {
    pthread_mutex_t lock;
    json_t *rules; /* the array of rules */
    json_t *used;  /* rule index (text) -> requests answered */
    json_t *posts; /* every POST recorded */
    char *secret;  /* --feishu-secret, or NULL */
} server_t;

/* ==== Feishu ==== */

/* True when doc carries a timestamp within the hour and its sign. */
static bool s_sign_ok(const char *secret, const json_t *doc)
{
    const char *ts = json_string_value(json_object_get(doc, "timestamp"));
    const char *sign = json_string_value(json_object_get(doc, "sign"));
    long t;
    if (!ts || !sign || dp_parse_long(ts, 0, 4102444800L, &t) < 0)
        return false;
    long now = (long)time(NULL);
    if (t < now - S_SIGN_WINDOW_S || t > now + S_SIGN_WINDOW_S)
        return false;
    char *key = dp_asprintf("%s\n%s", ts, secret);
    unsigned char md[EVP_MAX_MD_SIZE], b64[128];
    unsigned int mdlen = 0;
    static const unsigned char nothing[1];
    bool ok = HMAC(EVP_sha256(), key, (int)strlen(key), nothing, 0, md,
                   &mdlen) != NULL;
    int n = ok ? EVP_EncodeBlock(b64, md, (int)mdlen) : 0;
    dp_free(key);
    return ok && n > 0 && strlen(sign) == (size_t)n &&
           memcmp(sign, b64, (size_t)n) == 0;
}

/* ==== Answers ==== */

/* The rule that answers path, counted as used; NULL for none. Under the
 * lock. */
static json_t *s_rule_for(server_t *srv, const char *path)
{
    size_t i;
    json_t *rule;
    json_array_foreach(srv->rules, i, rule)
    {
        const char *p = json_string_value(json_object_get(rule, "path"));
        if (p && strcmp(p, path) != 0)
            continue;
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        json_int_t used = json_integer_value(json_object_get(srv->used, idx));
        json_t *times = json_object_get(rule, "times");
        if (json_is_integer(times) && used >= json_integer_value(times))
            continue;
        json_object_set_new(srv->used, idx, json_integer(used + 1));
        return rule;
    }
    return NULL;
}

/* Answers a webhook POST; records it. Fills status, body and
 * retry_after. */
static void s_hook(server_t *srv, const char *path, const dp_buf_t *in,
                   int *status, char **body, long *retry_after)
{
    json_t *doc = json_loadb(in->data ? in->data : "", in->len, 0, NULL);
    bool feishu = strncmp(path, "/feishu", 7) == 0;
    json_t *rec = json_pack("{s:s, s:s#}", "path", path, "body",
                            in->data ? in->data : "", in->len);
    pthread_mutex_lock(&srv->lock);
    json_t *rule = json_incref(s_rule_for(srv, path));
    pthread_mutex_unlock(&srv->lock);

    long delay = (long)json_integer_value(json_object_get(rule, "delay_ms"));
    if (delay > 0) {
        if (delay > S_DELAY_MAX_MS)
            delay = S_DELAY_MAX_MS;
        struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    json_t *st = json_object_get(rule, "status");
    if (json_is_integer(st)) {
        *status = (int)json_integer_value(st);
        json_t *ra = json_object_get(rule, "retry_after");
        if (json_is_integer(ra))
            *retry_after = (long)json_integer_value(ra);
        *body = dp_strdup("{\"error\":\"scripted\"}");
    } else if (feishu) {
        bool ok = !srv->secret || s_sign_ok(srv->secret, doc);
        if (srv->secret)
            json_object_set_new(rec, "sign_ok", json_boolean(ok));
        *status = MHD_HTTP_OK;
        *body = ok ? dp_strdup("{\"code\":0,\"msg\":\"success\"}")
                   : dp_asprintf("{\"code\":%d,\"msg\":\"sign match fail or "
                                 "timestamp is not within one hour from "
                                 "current time\"}",
                                 S_FEISHU_BAD_SIGN);
    } else {
        bool ok = json_is_string(json_object_get(doc, "text"));
        *status = ok ? MHD_HTTP_OK : MHD_HTTP_BAD_REQUEST;
        *body = dp_strdup(ok ? "ok" : "invalid_payload");
    }
    json_object_set_new(rec, "status", json_integer(*status));
    pthread_mutex_lock(&srv->lock);
    json_array_append_new(srv->posts, rec);
    pthread_mutex_unlock(&srv->lock);
    json_decref(rule);
    json_decref(doc);
}

/* Routes one request. */
static void s_on_whole(void *cls, const char *method, const char *path,
                       const dp_buf_t *body, bool too_big,
                       standin_reply_t *reply)
{
    server_t *srv = cls;
    if (strcmp(method, "GET") == 0 && strcmp(path, "/_standin/posts") == 0) {
        pthread_mutex_lock(&srv->lock);
        json_t *doc = json_pack("{s:O}", "posts", srv->posts);
        reply->body = json_dumps(doc, JSON_COMPACT);
        pthread_mutex_unlock(&srv->lock);
        json_decref(doc);
    } else if (strcmp(method, "POST") == 0 && !too_big) {
        char *b = NULL;
        s_hook(srv, path, body, &reply->status, &b, &reply->retry_after);
        reply->body = strdup(b);
        dp_free(b);
    } else {
        reply->status = too_big ? 413 : MHD_HTTP_NOT_FOUND;
        reply->body = strdup(too_big ? "too big" : "no route");
    }
}

/* ==== Start-up ==== */

int main(int argc, char **argv)
{
    static server_t srv;
    long port = 0;
    int rc = 2;

    dp_log_init("webhook-standin");
    pthread_mutex_init(&srv.lock, NULL);
    srv.used = json_object();
    srv.posts = json_array();
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "webhook-standin: %s needs a value\n", argv[i]);
            goto out;
        }
        if (strcmp(argv[i], "--port") == 0 &&
            dp_parse_long(v, 0, 65535, &port) == 0) {
        } else if (strcmp(argv[i], "--feishu-secret") == 0) {
            dp_free(srv.secret);
            srv.secret = dp_strdup(v);
        } else if (strcmp(argv[i], "--rules") == 0 && !srv.rules) {
            srv.rules = json_load_file(v, 0, NULL);
            if (!json_is_array(srv.rules)) {
                fprintf(stderr, "webhook-standin: %s: not a list of rules\n",
                        v);
                goto out;
            }
        } else {
            fprintf(stderr, "webhook-standin: bad argument %s\n", argv[i]);
            goto out;
        }
        i++;
    }
    if (!srv.rules)
        srv.rules = json_array();
    standin_whole_t whole = {s_on_whole, &srv, S_BODY_MAX};
    const standin_server_t server = {standin_whole_request,
                                     &whole,
                                     standin_whole_completed,
                                     NULL,
                                     S_CONN_LIMIT,
                                     S_CONN_TIMEOUT_S,
                                     false};
    rc = standin_run("webhook-standin", port, &server, "");
out:
    json_decref(srv.rules);
    json_decref(srv.used);
    json_decref(srv.posts);
    dp_free(srv.secret);
    return rc;
}
