/* dp_topics.h - the watched topics of one repository from a rules document */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TOPICS_H
#define DP_TOPICS_H

#include <jansson.h>
#include <stddef.h>

/* Resolves the "topics" mapping that applies to one repository, from a
 * rules document (config/rules.yml, docs/rules.md):
 *
 *   topics: {amd: {...}, nvidia: {...}}     # the deployment's defaults
 *   repositories:
 *     vllm-project/vllm:                    # matched case-insensitively
 *       inherit: true                       # false: start from no topic
 *       topics:
 *         amd: {...}                        # replaces the default "amd"
 *         tpu: {...}                        # adds a topic
 *         nvidia: null                      # (or false) drops a default
 *
 * Topics keep the defaults' order; a replaced topic keeps its place and
 * added ones follow in the order written. repo may be NULL (the defaults).
 * Returns a new object (the caller's, json_decref) whose values are
 * borrowed references into doc's topics, or NULL with one line in err
 * naming what is malformed (topics or repositories not a mapping, an entry
 * that is not a mapping, an unknown key in an entry, inherit not a
 * boolean). Only the shape is checked here; rules_new checks conditions. */
json_t *dp_topics_resolve(const json_t *doc, const char *repo, char *err,
                          size_t errlen);

/* Loads the rules document at path: a rules file as above, or a
 * devpulse.yml whose topics replace the built-in rules (`devpulse up`, the
 * containers), which it tells by its list of repositories: of that file
 * only topics, categories and affiliations, since its other keys (windows,
 * timezone, outputs, the repositories to follow ...) belong to the
 * services. Returns a new document (the caller's, json_decref), or NULL
 * with dp_yaml_load_file's "file:line:col: reason" in err. */
json_t *dp_topics_load_file(const char *path, char *err, size_t errlen);

#endif
