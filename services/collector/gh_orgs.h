/* gh_orgs.h - the repositories of a GitHub organization */
/* SPDX-License-Identifier: MIT */
#ifndef GH_ORGS_H
#define GH_ORGS_H

#include "dp_err.h"
#include "dp_mem.h"
#include "gh_client.h"

/* Lists /orgs/ORG/repos (public ones, at most max_pages pages) and adds
 * each repository that is not archived to repos, with an empty display
 * name at the same place in names, unless it is there already (see
 * dp_watch_add_repo). Returns 0, or the error of the listing
 * (gh_client_list), logged with the organization's name; what was read
 * before a failure is added all the same. */
DP_NODISCARD int gh_org_repos(gh_client_t *gh, const char *org, long max_pages,
                              dp_strs_t *repos, dp_strs_t *names);

#endif
