/* main.c - dp-classifier: configuration, then the classifier engine */
/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <stdio.h>

#include "classifier.h"
#include "dp_config.h"
#include "dp_httpd.h"
#include "dp_log.h"
#include "dp_service.h"

int main(int argc, char **argv)
{
    char *rules = NULL, *in = NULL, *out = NULL, *pub = NULL;
    char *http = NULL, *log_level = NULL;
    long max_frame;
    dp_opt_t opts[] = {
        {"rules", "DP_RULES", "--rules", DP_OPT_STR, &rules, NULL, 0, 0, NULL,
         false,
         "topic rules file (YAML; default: the config's topics, else "
         "built in)"},
        {"in_endpoint", "DP_CLASSIFIER_IN", "--in", DP_OPT_STR, &in,
         "@tcp://127.0.0.1:7200", 0, 0, NULL, false, "PULL endpoint"},
        {"out_endpoint", "DP_CLASSIFIER_OUT", "--out", DP_OPT_STR, &out,
         ">tcp://127.0.0.1:7300", 0, 0, NULL, false,
         "PUSH endpoint(s) of the summarizers"},
        {"pub_endpoint", "DP_CLASSIFIER_PUB", "--pub", DP_OPT_STR, &pub,
         "@tcp://127.0.0.1:7201", 0, 0, NULL, false, "PUB tap endpoint"},
        {"log_level", "DP_LOG_LEVEL", "--log-level", DP_OPT_ENUM, &log_level,
         "info", 0, 0, "debug|info|warn|error", false, "log level"},
        {"max_frame", "DP_MAX_FRAME", "--max-frame", DP_OPT_INT, &max_frame,
         "16777216", 1024, 1073741824, NULL, false, "largest bus frame"},
        DP_HTTPD_OPT(&http),
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    dp_log_init("classifier");
    json_t *doc = NULL;
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "dp-classifier: %s\n", err);
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
    if (dp_httpd_start("classifier", http) < 0) {
        dp_config_free(opts, nopts);
        return 2;
    }
    classifier_cfg_t cfg = {rules_path, in, out, pub, max_frame};
    classifier_t *classifier = classifier_new(&cfg);
    if (!classifier) {
        dp_config_free(opts, nopts);
        return 2; /* a configuration it cannot start with */
    }
    rc = classifier_run(classifier);
    classifier_destroy(&classifier);
    dp_config_free(opts, nopts);
    dp_log(DP_LOG_INFO, "stopped");
    return rc == 0 ? 0 : 1;
}
