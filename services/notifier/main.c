/* main.c - dp-notifier: configuration, then the notifier engine */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "dp_config.h"
#include "dp_consumer.h"
#include "dp_httpd.h"
#include "dp_log.h"
#include "dp_service.h"
#include "notifier.h"

int main(int argc, char **argv)
{
    dp_consumer_opts_t co;
    char *out_dir = NULL, *base_url = NULL, *slack = NULL, *feishu = NULL;
    char *feishu_secret = NULL;
    long timeout_ms;
    dp_opt_t opts[DP_CONSUMER_NOPTS + 6];
    dp_consumer_options(opts, &co, "notifier");
    dp_opt_t own[] = {
        {"out_dir", "DP_OUT_DIR", "--out-dir", DP_OPT_STR, &out_dir, "site", 0,
         0, NULL, false, "the renderer's output directory (shared)"},
        {"notifier_base_url", "DP_NOTIFIER_BASE_URL", "--base-url", DP_OPT_STR,
         &base_url, "", 0, 0, NULL, false,
         "URL of the site: links are it + the report's path"},
        {"slack_webhook_url", "DP_SLACK_WEBHOOK_URL", NULL, DP_OPT_STR, &slack,
         "", 0, 0, NULL, true, "Slack-compatible incoming webhook"},
        {"feishu_webhook_url", "DP_FEISHU_WEBHOOK_URL", NULL, DP_OPT_STR,
         &feishu, "", 0, 0, NULL, true, "Feishu/Lark custom bot webhook"},
        {"feishu_secret", "DP_FEISHU_SECRET", NULL, DP_OPT_STR, &feishu_secret,
         "", 0, 0, NULL, true, "Feishu signing secret"},
        {"notifier_timeout_ms", "DP_NOTIFIER_TIMEOUT_MS", "--timeout-ms",
         DP_OPT_INT, &timeout_ms, "10000", 100, 600000, NULL, false,
         "one webhook request, whole"},
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        opts[DP_CONSUMER_NOPTS + i] = own[i];
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    dp_log_init("notifier");
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            NULL, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "dp-notifier: %s\n", err);
        dp_config_free(opts, nopts);
        return 2;
    }
    dp_log_set_level(dp_log_level_parse(co.log_level));
    dp_config_log(opts, nopts);
    dp_service_signals();
    if (dp_httpd_start("notifier", co.http) < 0) {
        dp_config_free(opts, nopts);
        return 2;
    }

    notifier_cfg_t cfg = {
        .consumer = dp_consumer_cfg(&co),
        .out_dir = out_dir,
        .base_url = base_url,
        .slack_url = slack,
        .feishu_url = feishu,
        .feishu_secret = feishu_secret,
        .timeout_ms = timeout_ms,
    };
    notifier_t *notifier = notifier_new(&cfg);
    if (!notifier) {
        dp_config_free(opts, nopts);
        return 1;
    }
    rc = dp_consumer_run(notifier_consumer(notifier));
    notifier_destroy(&notifier);
    dp_config_free(opts, nopts);
    dp_log(DP_LOG_INFO, "stopped");
    return rc == 0 ? 0 : 1;
}
