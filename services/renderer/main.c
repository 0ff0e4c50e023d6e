/* main.c - dp-renderer: configuration, then the renderer engine */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "dp_config.h"
#include "dp_httpd.h"
#include "dp_log.h"
#include "dp_service.h"
#include "renderer.h"

int main(int argc, char **argv)
{
    char *out_dir = NULL, *formats = NULL, *in = NULL, *pub = NULL;
    char *http = NULL, *log_level = NULL, *redis_url = NULL;
    long max_frame;
    dp_opt_t opts[] = {
        {"out_dir", "DP_OUT_DIR", "--out-dir", DP_OPT_STR, &out_dir, "site", 0,
         0, NULL, false, "root directory of the report site"},
        {"formats", "DP_FORMATS", "--formats", DP_OPT_STR, &formats, "md,json",
         0, 0, NULL, false, "files to write: md, json"},
        {"in_endpoint", "DP_RENDERER_IN", "--in", DP_OPT_STR, &in,
         "@tcp://127.0.0.1:7400", 0, 0, NULL, false, "PULL endpoint"},
        {"pub_endpoint", "DP_RENDERER_PUB", "--pub", DP_OPT_STR, &pub,
         "@tcp://127.0.0.1:7401", 0, 0, NULL, false, "PUB tap endpoint"},
        {"log_level", "DP_LOG_LEVEL", "--log-level", DP_OPT_ENUM, &log_level,
         "info", 0, 0, "debug|info|warn|error", false, "log level"},
        {"max_frame", "DP_MAX_FRAME", "--max-frame", DP_OPT_INT, &max_frame,
         "16777216", 1024, 1073741824, NULL, false, "largest bus frame"},
        DP_HTTPD_OPT(&http),
        {"redis_url", "REDIS_URL", "--redis-url", DP_OPT_STR, &redis_url, "", 0,
         0, NULL, false,
         "Redis URL: the complete lists of capped digests (empty: none)"},
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    dp_log_init("renderer");
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            NULL, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "dp-renderer: %s\n", err);
        dp_config_free(opts, nopts);
        return 2;
    }
    dp_log_set_level(dp_log_level_parse(log_level));
    dp_config_log(opts, nopts);
    dp_service_signals();
    if (dp_httpd_start("renderer", http) < 0) {
        dp_config_free(opts, nopts);
        return 2;
    }

    renderer_cfg_t cfg = {
        .out_dir = out_dir,
        .formats = formats,
        .in_endpoint = in,
        .pub_endpoint = pub,
        .max_frame = max_frame,
        .redis_url = redis_url,
    };
    renderer_t *renderer = renderer_new(&cfg);
    if (!renderer) {
        dp_config_free(opts, nopts);
        return 1;
    }
    rc = renderer_run(renderer);
    renderer_destroy(&renderer);
    dp_config_free(opts, nopts);
    dp_log(DP_LOG_INFO, "stopped");
    return rc == 0 ? 0 : 1;
}
