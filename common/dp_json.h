/* dp_json.h - JSON access helpers (jansson) and YAML documents as JSON */
/* SPDX-License-Identifier: MIT */
#ifndef DP_JSON_H
#define DP_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_mem.h"

/* Paths: keys separated by '.', e.g. "user.login"; a segment of digits
 * indexes an array ("labels.0.name"). An empty path is obj itself. A NULL
 * obj gives the "absent" result. */

/* Borrowed string at a dotted path ("user.login"); NULL when absent or not a
 * string. The string lives as long as the document. */
const char *dp_json_str(const json_t *obj, const char *path);

/* Integer at a dotted path; def when absent or not a number. A real number
 * is truncated toward zero (def when it does not fit an int64_t). */
int64_t dp_json_int(const json_t *obj, const char *path, int64_t def);

/* Boolean at a dotted path; def when absent or not a boolean. */
bool dp_json_bool(const json_t *obj, const char *path, bool def);

/* Value at a dotted path, borrowed; NULL when absent. */
json_t *dp_json_get(const json_t *obj, const char *path);

/* As json_string: a new JSON string of s, or NULL when s is NULL or not
 * UTF-8; s is checked a word at a time where jansson reads it a byte at a
 * time. */
json_t *dp_json_string(const char *s);

/* Parses a JSON text of len bytes (any value at the top, not only objects
 * and arrays). On error returns NULL and writes one line naming the
 * position into err: "line 3, column 7: <jansson's reason>". The caller
 * owns the result (json_decref). */
json_t *dp_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Appends the JSON text of json to out, byte for byte what
 * json_dumps(json, flags) writes (the same escapes, indents and order of
 * keys), without its per-token callbacks and its loop check: a tree
 * nested deeper than 2,048 levels (a cycle among them) is refused, and so
 * is a key that is not UTF-8 (only json_object_set_nocheck makes one;
 * json_dumps writes it cut short).
 * Returns 0, or DP_EJSON where json_dumps would return NULL (out is then
 * as it was). */
DP_NODISCARD int dp_json_dump(dp_buf_t *out, const json_t *json, size_t flags);

/* Appends the JSON string of the len bytes at s, quoted and escaped as
 * json_dumps writes it. Returns 0, or DP_EJSON when s is not UTF-8 (out
 * is then as it was). */
DP_NODISCARD int dp_json_put_string(dp_buf_t *out, const char *s, size_t len);

/* Appends the decimal digits of v, as json_dumps writes an integer. */
void dp_json_put_int(dp_buf_t *out, json_int_t v);

/* As json_dumps, through dp_json_dump: a new NUL-terminated text the
 * caller frees (free or dp_free), or NULL. */
char *dp_json_dumps(const json_t *json, size_t flags);

/* Loads a YAML file (or a JSON file, which is YAML) as a JSON tree. Plain
 * scalars true/false/null and integers become JSON booleans, null and
 * integers; everything else is a string; anchors and tags are refused.
 * On error returns NULL and writes "file:line:col: reason" into err.
 * In detail: mappings become objects (a duplicate key is an error, keys
 * must be scalars and are always strings), sequences become arrays. Plain
 * scalars true/True/TRUE, false/False/FALSE, null/Null/NULL/~ and empty
 * ones convert; so do decimal integers without leading zeros that fit a
 * long long ("-12"); "007", "1.5", "0x1F", "yes" stay strings. Quoted and
 * block scalars are always strings. Anchors, aliases, tags (even "!!str"),
 * more than one document and nesting deeper than 64 levels are refused.
 * An empty document (or a null one) is an empty object. A file that
 * cannot be opened gives "file: cannot open: <reason>"; files over 16 MiB
 * are refused. The caller owns
 * the result (json_decref). */
json_t *dp_yaml_load_file(const char *path, char *err, size_t errlen);

/* The same for a YAML text in memory; name is used in messages. */
json_t *dp_yaml_load(const char *text, size_t len, const char *name, char *err,
                     size_t errlen);

#endif
