/* dp_topics.c - the watched topics of one repository from a rules document */
/* SPDX-License-Identifier: MIT */
#include "dp_topics.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dp_json.h"

/* The entry of repositories that names repo, or NULL. */
static json_t *s_entry(json_t *repos, const char *repo)
{
    const char *key;
    json_t *v;
    if (!repo)
        return NULL;
    json_object_foreach(repos, key, v)
    {
        if (strcasecmp(key, repo) == 0)
            return v;
    }
    return NULL;
}

/* Checks the shape of one repositories entry. */
static int s_check_entry(const char *name, const json_t *entry, char *err,
                         size_t errlen)
{
    if (!json_is_object(entry)) {
        snprintf(err, errlen, "repositories: %s must be a mapping", name);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)entry, key, v)
    {
        if (!strcmp(key, "topics")) {
            if (!json_is_object(v)) {
                snprintf(err, errlen,
                         "repositories: %s: topics must be a mapping", name);
                return -1;
            }
        } else if (!strcmp(key, "inherit")) {
            if (!json_is_boolean(v)) {
                snprintf(err, errlen,
                         "repositories: %s: inherit must be true or false",
                         name);
                return -1;
            }
        } else {
            snprintf(err, errlen,
                     "repositories: %s: unknown key \"%s\" (topics, inherit)",
                     name, key);
            return -1;
        }
    }
    return 0;
}

json_t *dp_topics_resolve(const json_t *doc, const char *repo, char *err,
                          size_t errlen)
{
    json_t *base = json_object_get(doc, "topics");
    json_t *repos = json_object_get(doc, "repositories");
    if (base && !json_is_null(base) && !json_is_object(base)) {
        snprintf(err, errlen, "topics must be a mapping of topic ids");
        return NULL;
    }
    if (repos && !json_is_null(repos) && !json_is_object(repos)) {
        snprintf(err, errlen,
                 "repositories must be a mapping of owner/name entries");
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(repos, key, v)
    {
        if (s_check_entry(key, v, err, errlen) < 0)
            return NULL;
    }
    json_t *entry = s_entry(repos, repo);
    json_t *out = json_object();
    if (!entry || json_is_true(json_object_get(entry, "inherit")) ||
        !json_object_get(entry, "inherit"))
        json_object_update(out, base);
    json_object_foreach(json_object_get(entry, "topics"), key, v)
    {
        if (json_is_null(v) || json_is_false(v))
            json_object_del(out, key);
        else
            json_object_set(out, key, v);
    }
    return out;
}

json_t *dp_topics_load_file(const char *path, char *err, size_t errlen)
{
    static const char *const keys[] = {"topics", "categories", "affiliations"};
    json_t *doc = dp_yaml_load_file(path, err, errlen);
    if (!json_is_array(json_object_get(doc, "repositories")))
        return doc;
    json_t *rules = json_object();
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(doc, keys[i]);
        if (v)
            json_object_set(rules, keys[i], v);
    }
    json_decref(doc);
    return rules;
}
