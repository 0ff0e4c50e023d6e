/* notifier.h - posts each new report and revision to incoming webhooks */
/* SPDX-License-Identifier: MIT */
#ifndef NOTIFIER_H
#define NOTIFIER_H

/*
 * dp-notifier consumes the renderers' REPORT taps (dp_consumer.h) and posts
 * one message per window and revision to each configured webhook:
 *
 *   Slack-compatible   {"text": "..."} in mrkdwn, the repository linked to
 *                      the report (base URL + its path below the output
 *                      directory);
 *   Feishu/Lark        {"msg_type": "text", "content": {"text": "..."}},
 *                      with "timestamp" and "sign" when a secret is set:
 *                      sign = base64(HMAC-SHA256(key = "TIMESTAMP\nSECRET",
 *                      message = "")), as Feishu's custom bots check it.
 *
 * The text, in the report's language (zh or en), names the repository, the
 * window in the report's zone, the header counts (read from the JSON the
 * renderer wrote beside the report) and whether it is a revision. A 5xx, a 429
 * (after its retry-after), a timeout or a refused connection is tried again
 * with backoff; a redirect is not followed and, like any other 4xx (or a Feishu
 * answer with a non-zero "code"), is final and logged. Webhook URLs and the
 * secret come from the environment only; logs name the webhook's host, never
 * its URL.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dp_consumer.h"
#include "dp_proto.h"

typedef struct notifier_t notifier_t;

typedef struct {
    dp_consumer_cfg_t consumer; /* taps, repositories, Redis, retries */
    const char *out_dir;        /* the renderer's output directory */
    const char *base_url;       /* the site's URL; "" or NULL: no link */
    const char *slack_url;      /* Slack-compatible webhook, or NULL */
    const char *feishu_url;     /* Feishu/Lark webhook, or NULL */
    const char *feishu_secret;  /* its signing secret, or NULL */
    long timeout_ms;            /* one POST, whole */
} notifier_cfg_t;

/* Creates a notifier with a sink per webhook set (at least one). NULL on
 * failure (logged). */
notifier_t *notifier_new(const notifier_cfg_t *cfg);

/* Its consumer, to step, run and count (dp_consumer.h). Borrowed. */
dp_consumer_t *notifier_consumer(notifier_t *self);

/* Frees the notifier. Idempotent. */
void notifier_destroy(notifier_t **self_p);

/* The text of a report's message: mrkdwn for Slack (slack true), plain
 * text for Feishu. Reads the report's JSON (path + ".json") when it lies
 * below out_dir. The caller frees it. */
char *notifier_text(const dp_report_t *r, const char *out_dir,
                    const char *base_url, bool slack);

/* Feishu's signature of timestamp ts with secret: base64 of
 * HMAC-SHA256 keyed by "TS\nSECRET" over nothing, into out (at least 48
 * bytes). */
void notifier_feishu_sign(const char *secret, int64_t ts, char *out,
                          size_t size);

#endif
