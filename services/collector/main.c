/* main.c - dp-collector: configuration, then the collector engine */
/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <stdio.h>

#include "collector.h"
#include "dp_config.h"
#include "dp_httpd.h"
#include "dp_log.h"
#include "dp_proto.h"
#include "dp_service.h"
#include "dp_store.h"
#include "dp_time.h"
#include "gh_orgs.h"

/* --list-org: prints the repositories of an organization that a schedule
 * would watch (public, not archived), one a line, through the same client
 * as collecting (cache, retries, origin checks); 0, or 1 on failure. */
static int s_list_org(const collector_cfg_t *cfg, const char *org)
{
    char err[256] = "";
    dp_strs_t repos = {0}, names = {0};
    int rc = 1;
    dp_store_t *store = dp_store_new(cfg->redis_url, err, sizeof err);
    gh_client_t *gh = store ? collector_gh_new(cfg, store) : NULL;
    if (!store)
        dp_log(DP_LOG_ERROR, "%s", err);
    else if (gh && gh_org_repos(gh, org, cfg->max_pages, &repos, &names) == 0)
        rc = 0;
    for (size_t i = 0; rc == 0 && i < repos.count; i++)
        printf("%s\n", repos.items[i]);
    gh_client_destroy(&gh);
    dp_store_destroy(&store);
    dp_strs_clear(&repos);
    dp_strs_clear(&names);
    return rc;
}

int main(int argc, char **argv)
{
    char *api_url = NULL, *token = NULL, *redis_url = NULL, *ctl = NULL;
    char *out = NULL, *pub = NULL, *log_level = NULL, *tokens = NULL;
    char *http = NULL;
    long rate_reserve, max_events, max_details, lease_ms, grace_s;
    long catchup_max, watch_s, watch_tries;
    char *reports = NULL, *since = NULL, *list_org = NULL;
    bool pr_details, schedule, graphql, skip_quiet;
    long events_lag_s, history;
    long per_page, max_pages, timeout_ms, max_retries, retry_base_ms;
    long max_wait_s, max_text, max_body, cache_ttl_s, max_frame;
    dp_opt_t opts[] = {
        {"api_url", "GITHUB_API_URL", "--api-url", DP_OPT_STR, &api_url,
         "https://api.github.com", 0, 0, NULL, false, "GitHub REST base URL"},
        {"token", "GITHUB_TOKEN", NULL, DP_OPT_STR, &token, NULL, 0, 0, NULL,
         true, "GitHub token (environment only)"},
        {"tokens", "GITHUB_TOKENS", NULL, DP_OPT_STR, &tokens, NULL, 0, 0, NULL,
         true, "comma-separated token pool (environment only)"},
        {"rate_reserve", "DP_RATE_RESERVE", "--rate-reserve", DP_OPT_INT,
         &rate_reserve, "200", 0, 100000, NULL, false,
         "below this many requests left, slow down"},
        {"max_events", "DP_MAX_EVENTS", "--max-events", DP_OPT_INT, &max_events,
         "100000", 1, 10000000, NULL, false, "events per window at most"},
        {"pr_details", "DP_PR_DETAILS", "--pr-details", DP_OPT_BOOL,
         &pr_details, "true", 0, 0, NULL, false,
         "fetch changed files and reviews of the window's PRs"},
        {"graphql", "DP_GRAPHQL", "--graphql", DP_OPT_BOOL, &graphql, "true", 0,
         0, NULL, false,
         "PR files and reviews through GitHub's GraphQL API, 50 PRs a "
         "query (false: REST, one request per PR and list)"},
        {"skip_quiet", "DP_SKIP_QUIET", "--skip-quiet", DP_OPT_BOOL,
         &skip_quiet, "true", 0, 0, NULL, false,
         "send a window in which the repository did not change without "
         "listing it (many repositories in one GraphQL query, or the "
         "events endpoint)"},
        {"events_lag_s", "DP_EVENTS_LAG_S", "--events-lag-s", DP_OPT_INT,
         &events_lag_s, "21600", 0, 604800, NULL, false,
         "worst lag of GitHub's events feed: a window is judged quiet by "
         "it only this long after its end"},
        {"max_details", "DP_MAX_DETAILS", "--max-details", DP_OPT_INT,
         &max_details, "200", 0, 100000, NULL, false,
         "PRs per window whose details are fetched"},
        {"lease_ms", "DP_LEASE_MS", "--lease-ms", DP_OPT_INT, &lease_ms,
         "30000", 1000, 3600000, NULL, false, "lease on a repository"},
        {"grace_s", "DP_GRACE_S", "--grace-s", DP_OPT_INT, &grace_s, "120", 0,
         86400, NULL, false, "wait after a window closes"},
        {"report_endpoint", "DP_COLLECTOR_REPORTS", "--reports", DP_OPT_STR,
         &reports, ">tcp://127.0.0.1:7401", 0, 0, NULL, false,
         "SUB endpoint(s) of the renderers' taps, for the watchdog"},
        {"watch_s", "DP_WATCH_S", "--watch-s", DP_OPT_INT, &watch_s, "60", 0,
         86400, NULL, false, "seconds a window has to reach its report"},
        {"watch_tries", "DP_WATCH_TRIES", "--watch-tries", DP_OPT_INT,
         &watch_tries, "8", 0, 1000, NULL, false,
         "replays before a window is failed"},
        {"catchup_max", "DP_CATCHUP_MAX", "--catchup-max", DP_OPT_INT,
         &catchup_max, "48", 1, 64, NULL, false,
         "windows per repository caught up per pass"},
        {"schedule", "DP_SCHEDULE", "--schedule", DP_OPT_BOOL, &schedule,
         "true", 0, 0, NULL, false,
         "collect the configured repositories' windows as they close"},
        {"since", "DP_SINCE", "--since", DP_OPT_STR, &since, NULL, 0, 0, NULL,
         false,
         "start repositories never collected at this instant (ISO 8601)"},
        {"list_org", NULL, "--list-org", DP_OPT_STR, &list_org, NULL, 0, 0,
         NULL, false,
         "print the repositories of this organization, one a line, and exit"},
        {"redis_url", "REDIS_URL", "--redis-url", DP_OPT_STR, &redis_url,
         "redis://127.0.0.1:6379", 0, 0, NULL, false, "Redis URL"},
        {"ctl_endpoint", "DP_COLLECTOR_CTL", "--ctl", DP_OPT_STR, &ctl,
         "@tcp://127.0.0.1:7100", 0, 0, NULL, false,
         "PULL endpoint for COLLECT requests"},
        {"out_endpoint", "DP_COLLECTOR_OUT", "--out", DP_OPT_STR, &out,
         ">tcp://127.0.0.1:7200", 0, 0, NULL, false,
         "PUSH endpoint(s) of the classifiers"},
        {"pub_endpoint", "DP_COLLECTOR_PUB", "--pub", DP_OPT_STR, &pub,
         "@tcp://127.0.0.1:7101", 0, 0, NULL, false, "PUB tap endpoint"},
        {"log_level", "DP_LOG_LEVEL", "--log-level", DP_OPT_ENUM, &log_level,
         "info", 0, 0, "debug|info|warn|error", false, "log level"},
        {"history", "DP_HISTORY", "--history", DP_OPT_INT, &history, "-1", -1,
         24, NULL, false,
         "earlier windows of a window's length counted from its issues "
         "listing for trends (6..24; -1: 12 hours, 14 days, 8 weeks; 0: "
         "none)"},
        {"per_page", "DP_PER_PAGE", "--per-page", DP_OPT_INT, &per_page, "100",
         1, 100, NULL, false, "listing page size"},
        {"max_pages", "DP_MAX_PAGES", "--max-pages", DP_OPT_INT, &max_pages,
         "100", 1, 10000, NULL, false, "pages per listing at most"},
        {"http_timeout_ms", "DP_HTTP_TIMEOUT_MS", "--http-timeout-ms",
         DP_OPT_INT, &timeout_ms, "30000", 100, 600000, NULL, false,
         "timeout of one HTTP request"},
        {"max_retries", "DP_MAX_RETRIES", "--max-retries", DP_OPT_INT,
         &max_retries, "5", 0, 100, NULL, false, "retries per request"},
        {"retry_base_ms", "DP_RETRY_BASE_MS", "--retry-base-ms", DP_OPT_INT,
         &retry_base_ms, "1000", 1, 600000, NULL, false, "first backoff"},
        {"max_wait_s", "DP_MAX_WAIT_S", "--max-wait-s", DP_OPT_INT, &max_wait_s,
         "900", 0, 86400, NULL, false, "longest wait for a rate limit"},
        {"max_text", "DP_MAX_TEXT", "--max-text", DP_OPT_INT, &max_text, "4000",
         0, 1000000, NULL, false, "bytes kept of bodies, comments"},
        {"max_body", "DP_MAX_BODY", "--max-body", DP_OPT_INT, &max_body,
         "67108864", 1024, 1073741824, NULL, false, "largest HTTP body"},
        {"cache_ttl_s", "DP_CACHE_TTL_S", "--cache-ttl-s", DP_OPT_INT,
         &cache_ttl_s, "90000", 60, 31536000, NULL, false,
         "lifetime of cached PR files and reviews (a day and an hour: a "
         "daily window reuses its hours'; raise it for weekly windows)"},
        {"max_frame", "DP_MAX_FRAME", "--max-frame", DP_OPT_INT, &max_frame,
         "16777216", 1024, 1073741824, NULL, false, "largest bus frame"},
        DP_HTTPD_OPT(&http),
    };
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    dp_log_init("collector");
    json_t *doc = NULL;
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            &doc, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    int64_t since_t = 0;
    if (rc == 0 && since && *since &&
        dp_time_parse(since, &since_t, NULL) < 0) {
        snprintf(err, sizeof err,
                 "--since: \"%s\" is not a time such as "
                 "2025-12-10T18:29+08:00",
                 since);
        rc = DP_ECONFIG;
    }
    if (rc < 0) {
        fprintf(stderr, "dp-collector: %s\n", err);
        json_decref(doc);
        dp_config_free(opts, nopts);
        return 2;
    }
    dp_log_set_level(dp_log_level_parse(log_level));
    dp_config_log(opts, nopts);
    dp_service_signals();
    if (dp_httpd_start("collector", http) < 0) {
        json_decref(doc);
        dp_config_free(opts, nopts);
        return 2;
    }

    collector_cfg_t cfg = {
        .api_url = api_url,
        .tokens = tokens && *tokens ? tokens : token,
        .redis_url = redis_url,
        .ctl_endpoint = ctl,
        .out_endpoint = out,
        .pub_endpoint = pub,
        .per_page = per_page,
        .max_pages = max_pages,
        .timeout_ms = timeout_ms,
        .max_retries = max_retries,
        .retry_base_ms = retry_base_ms,
        .max_wait_s = max_wait_s,
        .max_text = max_text,
        .max_body = max_body,
        .cache_ttl_s = cache_ttl_s,
        .rate_reserve = rate_reserve,
        .max_events = max_events,
        .pr_details = pr_details,
        .max_details = max_details,
        .no_graphql = !graphql,
        .skip_quiet = skip_quiet,
        .events_lag_s = events_lag_s,
        .history = history,
        .schedule = schedule ? doc : NULL,
        .lease_ms = lease_ms,
        .grace_s = grace_s,
        .catchup_max = catchup_max,
        .since = since_t,
        .report_endpoint = reports,
        .watch_s = watch_s,
        .watch_tries = watch_tries,
        .max_frame = max_frame,
    };
    if (list_org && *list_org) {
        rc = s_list_org(&cfg, list_org);
        json_decref(doc);
        dp_config_free(opts, nopts);
        return rc;
    }
    collector_t *collector = collector_new(&cfg);
    if (!collector) {
        json_decref(doc);
        dp_config_free(opts, nopts);
        return 2; /* a configuration it cannot start with */
    }
    rc = collector_run(collector);
    collector_destroy(&collector);
    json_decref(doc);
    dp_config_free(opts, nopts);
    dp_log(DP_LOG_INFO, "stopped");
    return rc == 0 ? 0 : 1;
}
