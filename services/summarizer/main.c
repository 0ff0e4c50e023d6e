/* main.c - dp-summarizer: configuration, then the summarizer engine */
/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <stdio.h>

#include "dp_config.h"
#include "dp_httpd.h"
#include "dp_llm.h"
#include "dp_log.h"
#include "dp_service.h"
#include "summarizer.h"

int main(int argc, char **argv)
{
    char *redis_url = NULL, *rules = NULL, *in = NULL, *out = NULL;
    char *pub = NULL, *log_level = NULL, *prompts = NULL, *http = NULL;
    long max_frame, max_events, unanswered_s, list_cap, live_events;
    bool refresh = false;
    dp_llm_cfg_t llm = {0};
    dp_opt_t opts[14 + DP_LLM_NOPTS] = {
        {"redis_url", "REDIS_URL", "--redis-url", DP_OPT_STR, &redis_url,
         "redis://127.0.0.1:6379", 0, 0, NULL, false, "Redis URL"},
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &rules, NULL, 0, 0, NULL,
         false,
         "topic rules file (YAML; default: the config's topics, else "
         "built in)"},
        {"in_endpoint", "DP_SUMMARIZER_IN", "--in", DP_OPT_STR, &in,
         "@tcp://127.0.0.1:7300", 0, 0, NULL, false, "PULL endpoint"},
        {"out_endpoint", "DP_SUMMARIZER_OUT", "--out", DP_OPT_STR, &out,
         ">tcp://127.0.0.1:7400", 0, 0, NULL, false,
         "PUSH endpoint(s) of the renderers"},
        {"pub_endpoint", "DP_SUMMARIZER_PUB", "--pub", DP_OPT_STR, &pub,
         "@tcp://127.0.0.1:7301", 0, 0, NULL, false, "PUB tap endpoint"},
        {"log_level", "DP_LOG_LEVEL", "--log-level", DP_OPT_ENUM, &log_level,
         "info", 0, 0, "debug|info|warn|error", false, "log level"},
        {"max_frame", "DP_MAX_FRAME", "--max-frame", DP_OPT_INT, &max_frame,
         "16777216", 1024, 1073741824, NULL, false, "largest bus frame"},
        DP_HTTPD_OPT(&http),
        {"max_events", "DP_MAX_EVENTS", "--max-events", DP_OPT_INT, &max_events,
         "500000", 1, 10000000, NULL, false, "events per window at most"},
        {"unanswered_s", "DP_UNANSWERED_S", "--unanswered-s", DP_OPT_INT,
         &unanswered_s, "86400", 60, 31536000, NULL, false,
         "an issue without an answer for longer is worth watching"},
        {"list_cap", "DP_LIST_CAP", "--list-cap", DP_OPT_INT, &list_cap, "200",
         0, 1000000, NULL, false,
         "items a digest list holds at most (0: all); the rest is kept "
         "beside it"},
        {"prompts", "DP_PROMPTS", "--prompts", DP_OPT_STR, &prompts,
         DP_DEFAULT_PROMPTS, 0, 0, NULL, false,
         "directory of the LLM prompts (<section>.<lang>.md)"},
        {"llm_refresh", "DP_LLM_REFRESH", "--llm-refresh", DP_OPT_BOOL,
         &refresh, "false", 0, 0, NULL, false,
         "ask the model again, ignoring cached answers"},
        {"live_events", "DP_LIVE_EVENTS", "--live-events", DP_OPT_INT,
         &live_events, "50000", 0, 10000000, NULL, false,
         "events of arriving windows kept in memory, in all (0: none; a "
         "window past it is read back from Redis)"},
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    dp_llm_opts(&llm, opts + nopts - DP_LLM_NOPTS);
    char err[512];
    dp_log_init("summarizer");
    json_t *doc = NULL;
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "dp-summarizer: %s\n", err);
        dp_config_free(opts, nopts);
        return 2;
    }
    /* The topics of the configuration file replace the built-in rules. */
    const char *rules_path = dp_config_rules(
        rules, doc, dp_config_path(argc, argv, "DP_CONFIG"), DP_DEFAULT_RULES);
    json_decref(doc);
    dp_log_set_level(dp_log_level_parse(log_level));
    dp_config_log(opts, nopts);
    dp_log(DP_LOG_INFO, "config rules file %s", rules_path);
    dp_service_signals();
    if (dp_httpd_start("summarizer", http) < 0) {
        dp_config_free(opts, nopts);
        return 2;
    }
    summarizer_cfg_t cfg = {redis_url, rules_path, in,           out,      pub,
                            max_frame, max_events, unanswered_s, list_cap, &llm,
                            prompts,   refresh,    live_events};
    summarizer_t *summarizer = summarizer_new(&cfg);
    if (!summarizer) {
        dp_config_free(opts, nopts);
        return 2; /* a configuration it cannot start with */
    }
    rc = summarizer_run(summarizer);
    summarizer_destroy(&summarizer);
    dp_config_free(opts, nopts);
    dp_log(DP_LOG_INFO, "stopped");
    return rc == 0 ? 0 : 1;
}
