/* main.c - dp-renderer: configuration, then the renderer engine */
/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <stdio.h>

#include "dp_config.h"
#include "dp_httpd.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_log.h"
#include "dp_service.h"
#include "renderer.h"

/* Where reports go and what is written when neither the flags, the
 * environment nor the configuration file say. */
#define DP_RENDERER_SITE "site"
#define DP_RENDERER_FORMATS "md,json"

int main(int argc, char **argv)
{
    char *out_dir = NULL, *formats = NULL, *in = NULL, *pub = NULL;
    char *http = NULL, *log_level = NULL, *redis_url = NULL;
    long max_frame;
    dp_opt_t opts[] = {
        {"out_dir", "DP_OUT_DIR", "--out-dir", DP_OPT_STR, &out_dir, NULL, 0, 0,
         NULL, false,
         "root directory of the report site (default: the config's "
         "outputs.dir, else site)"},
        {"formats", "DP_FORMATS", "--formats", DP_OPT_STR, &formats, NULL, 0, 0,
         NULL, false,
         "files to write: md, html, json, atom (default: the config's "
         "outputs.formats, else md,json)"},
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
    json_t *doc = NULL;
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "dp-renderer: %s\n", err);
        dp_config_free(opts, nopts);
        return 2;
    }
    /* The configuration file's outputs, as `devpulse up` reads them;
     * --out-dir/DP_OUT_DIR and --formats/DP_FORMATS override them. */
    const char *doc_dir = dp_json_str(doc, "outputs.dir");
    char *site_dir = dp_strdup(out_dir   ? out_dir
                               : doc_dir ? doc_dir
                                         : DP_RENDERER_SITE);
    char *site_formats = formats ? dp_strdup(formats)
                                 : dp_config_formats(doc, DP_RENDERER_FORMATS);
    json_decref(doc);
    dp_log_set_level(dp_log_level_parse(log_level));
    dp_config_log(opts, nopts);
    dp_log(DP_LOG_INFO, "config site %s, formats %s", site_dir, site_formats);
    dp_service_signals();
    if (dp_httpd_start("renderer", http) < 0) {
        dp_free(site_dir);
        dp_free(site_formats);
        dp_config_free(opts, nopts);
        return 2;
    }

    renderer_cfg_t cfg = {
        .out_dir = site_dir,
        .formats = site_formats,
        .in_endpoint = in,
        .pub_endpoint = pub,
        .max_frame = max_frame,
        .redis_url = redis_url,
    };
    renderer_t *renderer = renderer_new(&cfg);
    rc = DP_ECONFIG;
    if (renderer) {
        rc = renderer_run(renderer);
        renderer_destroy(&renderer);
        dp_log(DP_LOG_INFO, "stopped");
    }
    dp_free(site_dir);
    dp_free(site_formats);
    dp_config_free(opts, nopts);
    return rc == 0 ? 0 : 1;
}
