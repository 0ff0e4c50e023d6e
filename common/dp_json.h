/* dp_json.h - JSON access helpers (jansson) and YAML documents as JSON */
/* SPDX-License-Identifier: MIT */
#ifndef DP_JSON_H
#define DP_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"

/* Borrowed string at a dotted path ("user.login"); NULL when absent or not a
 * string. The string lives as long as the document. */
const char *dp_json_str(const json_t *obj, const char *path);

/* Integer at a dotted path; def when absent or not a number. */
int64_t dp_json_int(const json_t *obj, const char *path, int64_t def);

/* Boolean at a dotted path; def when absent or not a boolean. */
bool dp_json_bool(const json_t *obj, const char *path, bool def);

/* Value at a dotted path, borrowed; NULL when absent. */
json_t *dp_json_get(const json_t *obj, const char *path);

/* Parses a JSON text of len bytes. On error returns NULL and writes one line
 * naming the position into err. The caller owns the result (json_decref). */
json_t *dp_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Loads a YAML file (or a JSON file, which is YAML) as a JSON tree. Plain
 * scalars true/false/null and integers become JSON booleans, null and
 * integers; everything else is a string; anchors and tags are refused.
 * On error returns NULL and writes "file:line:col: reason" into err. */
json_t *dp_yaml_load_file(const char *path, char *err, size_t errlen);

/* The same for a YAML text in memory; name is used in messages. */
json_t *dp_yaml_load(const char *text, size_t len, const char *name,
                     char *err, size_t errlen);

#endif
