/* main.c - dp-publisher: configuration, then the publisher engine */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "dp_config.h"
#include "dp_consumer.h"
#include "dp_httpd.h"
#include "dp_log.h"
#include "dp_service.h"
#include "publisher.h"

int main(int argc, char **argv)
{
    dp_consumer_opts_t co;
    char *out_dir = NULL, *repo = NULL, *branch = NULL, *dir = NULL;
    char *work_dir = NULL, *name = NULL, *email = NULL, *key = NULL;
    char *known_hosts = NULL, *token = NULL, *git = NULL;
    long push_tries, git_timeout_s;
    dp_opt_t opts[DP_CONSUMER_NOPTS + 13];
    dp_consumer_options(opts, &co, "publisher");
    dp_opt_t own[] = {
        {"out_dir", "DP_OUT_DIR", "--out-dir", DP_OPT_STR, &out_dir, "site", 0,
         0, NULL, false, "the renderer's output directory (shared)"},
        {"publish_repo", "DP_PUBLISH_REPO", "--repo", DP_OPT_STR, &repo, "", 0,
         0, NULL, false, "git repository to commit to (URL or path)"},
        {"publish_branch", "DP_PUBLISH_BRANCH", "--branch", DP_OPT_STR, &branch,
         "main", 0, 0, NULL, false, "branch to commit on"},
        {"publish_dir", "DP_PUBLISH_DIR", "--dir", DP_OPT_STR, &dir, "", 0, 0,
         NULL, false, "directory inside the repository"},
        {"publish_work_dir", "DP_PUBLISH_WORK_DIR", "--work-dir", DP_OPT_STR,
         &work_dir, "publish-work", 0, 0, NULL, false,
         "the publisher's own clone"},
        {"publish_author_name", "DP_PUBLISH_AUTHOR_NAME", "--author-name",
         DP_OPT_STR, &name, "devpulse", 0, 0, NULL, false,
         "author and committer name"},
        {"publish_author_email", "DP_PUBLISH_AUTHOR_EMAIL", "--author-email",
         DP_OPT_STR, &email, "devpulse@localhost", 0, 0, NULL, false,
         "author and committer e-mail"},
        {"publish_ssh_key_file", "DP_PUBLISH_SSH_KEY_FILE", "--ssh-key-file",
         DP_OPT_STR, &key, "", 0, 0, NULL, false, "deploy key (SSH)"},
        {"publish_known_hosts", "DP_PUBLISH_KNOWN_HOSTS", "--known-hosts",
         DP_OPT_STR, &known_hosts, "", 0, 0, NULL, false,
         "known_hosts file for the deploy key"},
        {"publish_token", "DP_PUBLISH_TOKEN", NULL, DP_OPT_STR, &token, "", 0,
         0, NULL, true, "HTTPS token (given to git by a credential helper)"},
        {"publish_git", "DP_PUBLISH_GIT", "--git", DP_OPT_STR, &git, "git", 0,
         0, NULL, false, "git executable"},
        {"publish_push_tries", "DP_PUBLISH_PUSH_TRIES", "--push-tries",
         DP_OPT_INT, &push_tries, "5", 1, 100, NULL, false,
         "pushes per report when other writers race"},
        {"publish_git_timeout_s", "DP_PUBLISH_GIT_TIMEOUT_S", "--git-timeout-s",
         DP_OPT_INT, &git_timeout_s, "120", 1, 3600, NULL, false,
         "one git command (fetch, push...), at most"},
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        opts[DP_CONSUMER_NOPTS + i] = own[i];
    size_t nopts = sizeof opts / sizeof opts[0];
    char err[512];
    dp_log_init("publisher");
    int rc = dp_config_load(opts, nopts, argc, argv, "DP_CONFIG", NULL, NULL,
                            NULL, err, sizeof err);
    if (rc == DP_EAGAIN)
        return 0;
    if (rc < 0) {
        fprintf(stderr, "dp-publisher: %s\n", err);
        dp_config_free(opts, nopts);
        return 2;
    }
    dp_log_set_level(dp_log_level_parse(co.log_level));
    dp_config_log(opts, nopts);
    dp_service_signals();
    if (dp_httpd_start("publisher", co.http) < 0) {
        dp_config_free(opts, nopts);
        return 2;
    }

    publisher_cfg_t cfg = {
        .consumer = dp_consumer_cfg(&co),
        .out_dir = out_dir,
        .repo = repo,
        .branch = branch,
        .dir = dir,
        .work_dir = work_dir,
        .author_name = name,
        .author_email = email,
        .ssh_key_file = key,
        .known_hosts = known_hosts,
        .token = token,
        .git = git,
        .push_tries = push_tries,
        .git_timeout_s = git_timeout_s,
    };
    publisher_t *publisher = publisher_new(&cfg);
    if (!publisher) {
        dp_config_free(opts, nopts);
        return 1;
    }
    rc = dp_consumer_run(publisher_consumer(publisher));
    publisher_destroy(&publisher);
    dp_config_free(opts, nopts);
    dp_log(DP_LOG_INFO, "stopped");
    return rc == 0 ? 0 : 1;
}
