/* dp_watch.c - what a configuration watches: zone, language, window kinds,
 * repositories and organizations */
/* SPDX-License-Identifier: MIT */
#include "dp_watch.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "dp_json.h"

void dp_watch_add_repo(dp_strs_t *repos, dp_strs_t *names, const char *repo,
                       const char *name)
{
    assert(repos && names && repo);
    for (size_t i = 0; i < repos->count; i++)
        if (!strcmp(repos->items[i], repo))
            return;
    dp_strs_push(repos, repo);
    dp_strs_push(names, name ? name : "");
}

static int s_kinds(dp_watch_t *self, const json_t *doc, char *err,
                   size_t errlen)
{
    size_t i;
    json_t *v;
    json_array_foreach(dp_json_get(doc, "windows"), i, v)
    {
        dp_window_kind_t kind;
        if (!json_is_string(v) ||
            dp_window_kind_parse(json_string_value(v), &kind) < 0 ||
            self->nkinds == DP_WATCH_MAX_KINDS) {
            snprintf(err, errlen,
                     "windows: item %zu must be hourly, daily or weekly",
                     i + 1);
            return DP_ECONFIG;
        }
        self->kinds[self->nkinds++] = kind;
    }
    if (self->nkinds == 0)
        self->kinds[self->nkinds++] = DP_WINDOW_HOURLY;
    return 0;
}

static int s_repos(dp_watch_t *self, const json_t *doc, char *err,
                   size_t errlen)
{
    size_t i;
    json_t *v;
    json_array_foreach(dp_json_get(doc, "repositories"), i, v)
    {
        const char *repo =
            json_is_string(v) ? json_string_value(v) : dp_json_str(v, "repo");
        const char *org = dp_json_str(v, "org");
        if (repo && dp_repo_valid(repo)) {
            dp_watch_add_repo(&self->repos, &self->names, repo,
                              dp_json_str(v, "name"));
        } else if (org && *org && !strchr(org, '/')) {
            dp_strs_push(&self->orgs, org);
        } else {
            snprintf(err, errlen,
                     "repositories: item %zu must be OWNER/REPO, "
                     "{repo: OWNER/REPO, name: ...} or {org: NAME}",
                     i + 1);
            return DP_ECONFIG;
        }
    }
    return 0;
}

int dp_watch_load(dp_watch_t *self, const json_t *doc, char *err, size_t errlen)
{
    assert(self && err);
    self->zone = dp_json_str(doc, "timezone");
    self->lang = dp_json_str(doc, "language");
    if (!self->zone)
        self->zone = "UTC";
    if (!self->lang)
        self->lang = "zh";
    int probe, rc = DP_ECONFIG;
    if (dp_tz_offset(self->zone, dp_time_now(), &probe) < 0)
        snprintf(err, errlen, "timezone: unknown zone \"%s\"", self->zone);
    else if (strcmp(self->lang, "zh") && strcmp(self->lang, "en"))
        snprintf(err, errlen, "language: \"%s\" is not one of zh|en",
                 self->lang);
    else
        rc = s_kinds(self, doc, err, errlen);
    if (rc == 0)
        rc = s_repos(self, doc, err, errlen);
    if (rc < 0)
        dp_watch_clear(self);
    return rc;
}

void dp_watch_clear(dp_watch_t *self)
{
    assert(self);
    dp_strs_clear(&self->repos);
    dp_strs_clear(&self->names);
    dp_strs_clear(&self->orgs);
    memset(self, 0, sizeof *self);
}
