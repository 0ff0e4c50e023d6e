/* gh_orgs.c - the repositories of a GitHub organization */
/* SPDX-License-Identifier: MIT */
#include "gh_orgs.h"

#include <assert.h>
#include <stdio.h>

#include "dp_config.h"
#include "dp_json.h"
#include "dp_log.h"
#include "dp_watch.h"

#define GH_ORGS_PATH_MAX 512

int gh_org_repos(gh_client_t *gh, const char *org, long max_pages,
                 dp_strs_t *repos, dp_strs_t *names)
{
    assert(gh && org && repos && names);
    char path[GH_ORGS_PATH_MAX];
    snprintf(path, sizeof path, "/orgs/%s/repos?type=public&per_page=100", org);
    json_t *all = json_array();
    gh_client_reset(gh);
    int rc = gh_client_list(gh, path, max_pages, all);
    if (rc < 0)
        dp_log(DP_LOG_ERROR, "organization %s could not be listed", org);
    size_t k;
    json_t *r;
    json_array_foreach(all, k, r)
    {
        const char *full = dp_json_str(r, "full_name");
        if (full && dp_repo_valid(full) && !dp_json_bool(r, "archived", false))
            dp_watch_add_repo(repos, names, full, NULL);
    }
    json_decref(all);
    return rc;
}
