/* notifier.c - posts each new report and revision to incoming webhooks */
/* SPDX-License-Identifier: MIT */
#include "notifier.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dp_http.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_time.h"

#define NOTIFIER_MAX_BODY 65536 /* largest webhook answer read */
#define NOTIFIER_HOST_MAX 256

typedef enum { S_SLACK, S_FEISHU } s_kind_t;

/* One webhook. */
typedef struct {
    s_kind_t kind;
    char *url;                    /* secret: never logged */
    char *secret;                 /* Feishu signing secret, or NULL */
    char host[NOTIFIER_HOST_MAX]; /* what logs name */
    dp_http_t *http;
    const notifier_t *owner;
} s_hook_t;

struct notifier_t {
    char *out_dir, *base_url;
    s_hook_t hooks[2];
    size_t nhooks;
    dp_consumer_t *consumer;
};

/* ==== Text ==== */

/* Appends s for Slack's mrkdwn (&, <, > escaped) or Feishu's text (< and
 * > dropped, so no <at> tag notifies anyone). */
static void s_put_text(dp_buf_t *b, const char *s, bool slack)
{
    for (; *s; s++) {
        if (slack && *s == '&')
            dp_buf_puts(b, "&amp;");
        else if (slack && *s == '<')
            dp_buf_puts(b, "&lt;");
        else if (slack && *s == '>')
            dp_buf_puts(b, "&gt;");
        else if (*s != '<' && *s != '>')
            dp_buf_append(b, s, 1);
    }
}

/* Appends base_url/rel, percent-encoding what is not unreserved or '/'. */
static void s_put_url(dp_buf_t *b, const char *base_url, const char *rel)
{
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/')
        n--;
    dp_buf_append(b, base_url, n);
    dp_buf_puts(b, "/");
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            dp_buf_append(b, p, 1);
        else
            dp_buf_printf(b, "%%%02X", *p);
    }
}

/* The file to link: the HTML report when one was written, else the
 * Markdown one. Borrowed. */
static const char *s_link_file(const dp_report_t *r)
{
    for (size_t i = 0; i < r->files.count; i++) {
        const char *f = r->files.items[i];
        size_t n = strlen(f);
        if (n > 5 && strcmp(f + n - 5, ".html") == 0)
            return f;
    }
    return r->path;
}

/* The offset of the report's zone at t: its IANA zone or offset when the
 * host knows it, else the digest's tz_offset, else UTC. */
static int s_offset(const json_t *doc, int64_t t)
{
    const char *tz = json_string_value(json_object_get(doc, "tz"));
    int off = 0;
    if (tz && dp_tz_offset(tz, t, &off) == 0)
        return off;
    json_t *o = json_object_get(doc, "tz_offset");
    return json_is_integer(o) ? (int)json_integer_value(o) : 0;
}

/* The words of a message, in the report's language. */
typedef struct {
    const char *fresh, *revised; /* the head */
    const char *revision[2];     /* around the revision's number */
    const char *window;          /* "Window: " */
    const char *unknown;         /* counts that cannot be read */
    const char *counts[6][2];    /* digest key, then its line's piece:
                                    "%s" the number */
    const char *first_sep, *sep;
} s_words_t;

static const s_words_t s_en = {
    "New report",
    "Revised report",
    {" (revision ", ")"},
    "Window: ",
    "Counts: see the report",
    {{"new_issues", "Issues: %s opened"},
     {"closed_issues", ", %s closed"},
     {"new_prs", " | PRs: %s opened"},
     {"merged_prs", ", %s merged"},
     {"closed_prs", ", %s closed unmerged"},
     {"releases", " | Releases: %s"}},
    "",
    "",
};

/* As the report's header line says them. */
static const s_words_t s_zh = {
    "新报告",
    "修订报告",
    {" (第 ", " 版)"},
    "时间窗口: ",
    "数据统计: 见报告",
    {{"new_issues", "新 Issue %s"},
     {"closed_issues", "关闭 Issue %s"},
     {"new_prs", "新 PR %s"},
     {"merged_prs", "合并 PR %s"},
     {"closed_prs", "关闭未合并 PR %s"},
     {"releases", "版本发布 %s"}},
    "数据统计: ",
    " | ",
};

/* Appends the counts line of doc's "counts" in w's words. */
static void s_put_counts(dp_buf_t *b, const json_t *doc, const s_words_t *w)
{
    json_t *counts = json_object_get(doc, "counts");
    if (!json_is_object(counts)) {
        dp_buf_printf(b, "%s\n", w->unknown);
        return;
    }
    dp_buf_puts(b, w->first_sep);
    bool first = true;
    for (size_t i = 0; i < sizeof w->counts / sizeof w->counts[0]; i++) {
        json_t *v = json_object_get(counts, w->counts[i][0]);
        if (!json_is_integer(v))
            continue;
        char num[32];
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        const char *piece = w->counts[i][1];
        const char *at = strstr(piece, "%s");
        if (!first)
            dp_buf_puts(b, w->sep);
        dp_buf_append(b, piece, (size_t)(at - piece));
        dp_buf_puts(b, num);
        dp_buf_puts(b, at + 2);
        first = false;
    }
    dp_buf_puts(b, "\n");
}

char *notifier_text(const dp_report_t *r, const char *out_dir,
                    const char *base_url, bool slack)
{
    assert(r && r->repo);
    dp_buf_t b = DP_BUF_INIT;
    json_t *doc = NULL;
    char *md_rel = NULL, *link_rel = NULL;
    if (out_dir && out_dir[0] && r->path) {
        char *json_path = dp_asprintf("%s.json", r->path);
        char *json_rel = dp_consumer_relpath(out_dir, json_path);
        if (json_rel)
            doc = json_load_file(json_path, 0, NULL);
        dp_free(json_rel);
        dp_free(json_path);
        md_rel = dp_consumer_relpath(out_dir, r->path);
        link_rel = dp_consumer_relpath(out_dir, s_link_file(r));
    }
    const char *name = json_string_value(json_object_get(doc, "name"));
    char *url = NULL;
    if (base_url && base_url[0] && (link_rel || md_rel)) {
        dp_buf_t u = DP_BUF_INIT;
        s_put_url(&u, base_url, link_rel ? link_rel : md_rel);
        url = dp_buf_take(&u);
    }

    /* The head: what and which. */
    const char *lang = json_string_value(json_object_get(doc, "lang"));
    const s_words_t *w = lang && strcmp(lang, "zh") == 0 ? &s_zh : &s_en;
    const char *what = r->revision > 1 ? w->revised : w->fresh;
    dp_buf_printf(&b, slack ? "*%s: " : "%s: ", what);
    if (slack && url)
        dp_buf_printf(&b, "<%s|", url);
    if (name && strcmp(name, r->repo) != 0) {
        s_put_text(&b, name, slack);
        dp_buf_puts(&b, " (");
        s_put_text(&b, r->repo, slack);
        dp_buf_puts(&b, ")");
    } else {
        s_put_text(&b, r->repo, slack);
    }
    if (slack && url)
        dp_buf_puts(&b, ">");
    if (r->revision > 1)
        dp_buf_printf(&b, "%s%" PRId64 "%s", w->revision[0], r->revision,
                      w->revision[1]);
    dp_buf_puts(&b, slack ? "*\n" : "\n");

    /* The window in the report's zone. */
    char from[48], to[48];
    dp_time_report(r->win_from, s_offset(doc, r->win_from), from, sizeof from);
    dp_time_report(r->win_to, s_offset(doc, r->win_to), to, sizeof to);
    dp_buf_printf(&b, "%s%s ~ %s\n", w->window, from, to);

    s_put_counts(&b, doc, w);
    if (!slack && url)
        dp_buf_printf(&b, "%s\n", url);
    dp_free(url);
    dp_free(md_rel);
    dp_free(link_rel);
    json_decref(doc);
    return dp_buf_take(&b);
}

/* ==== Feishu's signature ==== */

void notifier_feishu_sign(const char *secret, int64_t ts, char *out,
                          size_t size)
{
    assert(secret && out && size >= 48);
    char *key = dp_asprintf("%" PRId64 "\n%s", ts, secret);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const unsigned char nothing[1];
    if (!HMAC(EVP_sha256(), key, (int)strlen(key), nothing, 0, md, &mdlen))
        mdlen = 0;
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    int n = EVP_EncodeBlock(b64, md, (int)mdlen);
    snprintf(out, size, "%.*s", n > 0 ? n : 0, (const char *)b64);
    OPENSSL_cleanse(key, strlen(key));
    dp_free(key);
}

/* ==== Posting ==== */

/* The JSON body for a hook. The caller frees it. */
static char *s_body(const s_hook_t *hook, const char *text)
{
    json_t *doc;
    if (hook->kind == S_SLACK) {
        doc = json_pack("{s:s, s:b}", "text", text, "mrkdwn", 1);
    } else {
        doc = json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content", "text",
                        text);
        if (hook->secret) {
            int64_t ts = dp_time_now();
            char ts_text[24], sign[64];
            snprintf(ts_text, sizeof ts_text, "%" PRId64, ts);
            notifier_feishu_sign(hook->secret, ts, sign, sizeof sign);
            json_object_set_new(doc, "timestamp", json_string(ts_text));
            json_object_set_new(doc, "sign", json_string(sign));
        }
    }
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return body;
}

/* Feishu answers 200 with {"code": N, "msg": ...}; N != 0 is a refusal
 * (a bad signature, a disabled bot). 0 when it is none. */
static long s_feishu_code(const dp_http_resp_t *resp, char *msg, size_t size)
{
    json_t *doc =
        json_loadb(resp->body ? resp->body : "", resp->body_len, 0, NULL);
    json_t *code = json_object_get(doc, "code");
    if (!code)
        code = json_object_get(doc, "StatusCode");
    long n = json_is_integer(code) ? (long)json_integer_value(code) : 0;
    const char *m = json_string_value(json_object_get(doc, "msg"));
    snprintf(msg, size, "%s", m ? m : "");
    json_decref(doc);
    return n;
}

/* The sink: posts one report to one hook. */
static int s_deliver(void *arg, const dp_report_t *r, long *retry_s)
{
    s_hook_t *hook = arg;
    const notifier_t *self = hook->owner;
    char *text =
        notifier_text(r, self->out_dir, self->base_url, hook->kind == S_SLACK);
    char *body = s_body(hook, text);
    dp_http_resp_t resp;
    memset(&resp, 0, sizeof resp);
    int rc =
        dp_http_post_json(hook->http, hook->url, body, strlen(body), &resp);
    const char *kind = hook->kind == S_SLACK ? "slack" : "feishu";
    if (rc == DP_EHTTP || (rc == 0 && resp.status == 0)) {
        dp_log(DP_LOG_WARN, "%s webhook at %s: %s", kind, hook->host,
               resp.error);
        rc = DP_EAGAIN;
    } else if (rc < 0) {
        dp_log(DP_LOG_WARN, "%s webhook at %s: %s", kind, hook->host,
               dp_strerror(rc));
    } else if (resp.status == 429 || resp.status >= 500) {
        dp_log(DP_LOG_WARN, "%s webhook at %s answered %ld", kind, hook->host,
               resp.status);
        if (resp.status == 429)
            *retry_s = resp.retry_after;
        rc = DP_EAGAIN;
    } else if (resp.status < 200 || resp.status >= 300) {
        dp_log(DP_LOG_ERROR, "%s webhook at %s answered %ld; not retried", kind,
               hook->host, resp.status);
        rc = DP_EHTTP;
    } else {
        char msg[128];
        long code =
            hook->kind == S_FEISHU ? s_feishu_code(&resp, msg, sizeof msg) : 0;
        if (code != 0) {
            dp_log(DP_LOG_ERROR, "feishu webhook at %s refused: code %ld %s",
                   hook->host, code, msg);
            rc = DP_EHTTP;
        } else {
            dp_log(DP_LOG_INFO,
                   "%s: %s revision %" PRId64 " posted to the %s webhook at %s",
                   r->repo, r->path ? r->path : "", r->revision, kind,
                   hook->host);
        }
    }
    dp_http_resp_clear(&resp);
    dp_free(body);
    dp_free(text);
    return rc;
}

/* ==== Life ==== */

/* Sets up a hook; false when its URL is not one (logged without it). */
static bool s_hook_init(notifier_t *self, s_hook_t *hook, s_kind_t kind,
                        const char *url, const char *secret, long timeout_ms)
{
    hook->kind = kind;
    hook->owner = self;
    hook->url = dp_strdup(url);
    hook->secret = secret && secret[0] ? dp_strdup(secret) : NULL;
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              (strcmp(scheme, "https") == 0 || strcmp(scheme, "http") == 0);
    snprintf(hook->host, sizeof hook->host, "%s", ok ? host : "?");
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    if (!ok) {
        dp_log(DP_LOG_ERROR, "%s: not an http(s) URL",
               kind == S_SLACK ? "DP_SLACK_WEBHOOK_URL"
                               : "DP_FEISHU_WEBHOOK_URL");
        return false;
    }
    dp_http_opts_t opts = {
        .user_agent = "devpulse-notifier",
        .timeout_ms = timeout_ms,
        .connect_timeout_ms = timeout_ms,
        .max_body = NOTIFIER_MAX_BODY,
    };
    hook->http = dp_http_new(&opts);
    return hook->http != NULL;
}

notifier_t *notifier_new(const notifier_cfg_t *cfg)
{
    assert(cfg);
    notifier_t *self = dp_calloc(1, sizeof *self);
    self->out_dir = dp_strdup(cfg->out_dir ? cfg->out_dir : "");
    self->base_url = dp_strdup(cfg->base_url ? cfg->base_url : "");
    dp_sink_t sinks[2];
    if (cfg->slack_url && cfg->slack_url[0]) {
        s_hook_t *h = &self->hooks[self->nhooks];
        if (!s_hook_init(self, h, S_SLACK, cfg->slack_url, NULL,
                         cfg->timeout_ms))
            goto fail;
        sinks[self->nhooks++] = (dp_sink_t){"notifier.slack", s_deliver, h};
    }
    if (cfg->feishu_url && cfg->feishu_url[0]) {
        s_hook_t *h = &self->hooks[self->nhooks];
        if (!s_hook_init(self, h, S_FEISHU, cfg->feishu_url, cfg->feishu_secret,
                         cfg->timeout_ms))
            goto fail;
        sinks[self->nhooks++] = (dp_sink_t){"notifier.feishu", s_deliver, h};
    }
    if (self->nhooks == 0) {
        dp_log(DP_LOG_ERROR, "no webhook: set DP_SLACK_WEBHOOK_URL or "
                             "DP_FEISHU_WEBHOOK_URL");
        goto fail;
    }
    for (size_t i = 0; i < self->nhooks; i++)
        dp_log(DP_LOG_INFO, "posting to the %s webhook at %s%s",
               self->hooks[i].kind == S_SLACK ? "slack" : "feishu",
               self->hooks[i].host, self->hooks[i].secret ? " (signed)" : "");
    self->consumer = dp_consumer_new(&cfg->consumer, sinks, self->nhooks);
    if (!self->consumer)
        goto fail;
    return self;
fail:
    notifier_destroy(&self);
    return NULL;
}

dp_consumer_t *notifier_consumer(notifier_t *self)
{
    assert(self);
    return self->consumer;
}

void notifier_destroy(notifier_t **self_p)
{
    assert(self_p);
    notifier_t *self = *self_p;
    if (!self)
        return;
    dp_consumer_destroy(&self->consumer);
    for (size_t i = 0; i < 2; i++) {
        s_hook_t *h = &self->hooks[i];
        dp_http_destroy(&h->http);
        if (h->url)
            OPENSSL_cleanse(h->url, strlen(h->url));
        if (h->secret)
            OPENSSL_cleanse(h->secret, strlen(h->secret));
        dp_free(h->url);
        dp_free(h->secret);
    }
    dp_free(self->out_dir);
    dp_free(self->base_url);
    dp_free(self);
    *self_p = NULL;
}
