/* fuzz_yaml.c - libFuzzer harness: dp_yaml_load, YAML documents as JSON */
/* SPDX-License-Identifier: MIT */
/*
 * Any bytes go to dp_yaml_load. It returns a tree or NULL with a
 * "name:line:col: reason" message. A tree must keep the promises of
 * dp_json.h: no real numbers (only integers, booleans, null, strings,
 * arrays and objects), at most 64 levels of containers. A JSON text is YAML
 * too, so the tree written as JSON must load again to an equal tree (for
 * trees whose JSON text libyaml can read back; see s_reloadable).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"

#define S_NAME "fuzz.yml"
#define S_ERRLEN 512
#define S_MAX_DEPTH 64
/* libyaml gives up on a mapping key longer than 1024 characters in flow
 * style; written as JSON escapes a byte takes at most 6 characters. */
#define S_KEY_MAX (1000 / 6)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_yaml: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* Checks the value types and depth; returns false when some key is too
 * long for libyaml to read back. */
static bool s_walk(const json_t *v, int depth)
{
    bool ok = true;
    if (depth > S_MAX_DEPTH)
        s_bug("a tree deeper than 64 levels", NULL);
    if (json_is_real(v))
        s_bug("a real number in a YAML tree", NULL);
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            ok = s_walk(item, depth + 1) && ok;
        }
    } else if (json_is_object(v)) {
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item)
        {
            if (strlen(key) > S_KEY_MAX)
                ok = false;
            ok = s_walk(item, depth + 1) && ok;
        }
    }
    return ok;
}

/* libyaml (YAML 1.1) refuses "\uD83D\uDE00" surrogate escapes, which is
 * how JSON_ENSURE_ASCII writes characters past U+FFFF. */
static bool s_reloadable(const char *text)
{
    for (const char *p = strstr(text, "\\u"); p; p = strstr(p + 2, "\\u")) {
        /* "\\u" is an escaped backslash followed by 'u', not an escape. */
        size_t slashes = 0;
        for (const char *q = p; q > text && q[-1] == '\\'; q--)
            slashes++;
        if (slashes % 2 == 0 && (p[2] == 'd' || p[2] == 'D') &&
            strchr("89abAB", p[3]) && p[3] != '\0')
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[S_ERRLEN] = "";
    json_t *tree =
        dp_yaml_load((const char *)data, size, S_NAME, err, sizeof err);
    if (!tree) {
        if (strncmp(err, S_NAME ":", strlen(S_NAME ":")) != 0)
            s_bug("dp_yaml_load failed without a file:line:col message", err);
        return 0;
    }
    bool keys_ok = s_walk(tree, 0);
    if (json_is_null(tree))
        s_bug("a null document must load as an empty mapping", NULL);

    char *text = json_dumps(tree, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
    if (!text)
        s_bug("json_dumps failed on a loaded tree", NULL);
    if (keys_ok && s_reloadable(text)) {
        char err2[S_ERRLEN] = "";
        json_t *again =
            dp_yaml_load(text, strlen(text), "json", err2, sizeof err2);
        if (!again)
            s_bug("the tree written as JSON does not load as YAML", err2);
        if (!json_equal(tree, again))
            s_bug("the tree written as JSON loads to another tree", text);
        json_decref(again);
    }
    free(text);
    json_decref(tree);
    return 0;
}
