/* rules.c - topic rules in Mergify's condition language, and categories */
/* SPDX-License-Identifier: MIT */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rules.h"

#include <assert.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dp_json.h"
#include "dp_mem.h"

#define RULES_MAX_DEPTH 8
#define RULES_REASON_MAX 80

typedef enum { N_ANY, N_ALL, N_COND } s_kind_t;
typedef enum { F_LABEL, F_TITLE, F_BODY, F_FILES, F_AUTHOR } s_field_t;

typedef struct s_node_t {
    s_kind_t kind;
    bool neg; /* a leading '-' */
    s_field_t field;
    bool regex;     /* "~=" rather than "=" */
    char *value;    /* text after the operator */
    pcre2_code *re; /* compiled value when regex */
    struct s_node_t **kids;
    size_t nkids;
} s_node_t;

typedef struct {
    char *id, *title, *short_name;
    s_node_t *root;
} s_topic_t;

typedef struct {
    char *key;   /* "[perf]" tag (lower case) or a label name */
    char *value; /* category */
} s_pair_t;

struct rules_t {
    s_topic_t *topics;
    size_t ntopics;
    s_pair_t *tags, *labels; /* user entries first, then built-in */
    size_t ntags, nlabels;
};

/* Built-in categories: title tags as vLLM and most projects write them. */
static const char *const s_builtin_tags[][2] = {
    {"bugfix", "bugfix"},
    {"bug", "bugfix"},
    {"fix", "bugfix"},
    {"hotfix", "bugfix"},
    {"feature", "feature"},
    {"feat", "feature"},
    {"rfc", "rfc"},
    {"perf", "performance"},
    {"performance", "performance"},
    {"model", "model"},
    {"new model", "model"},
    {"kernel", "kernel"},
    {"core", "core"},
    {"v1", "core"},
    {"frontend", "frontend"},
    {"doc", "docs"},
    {"docs", "docs"},
    {"documentation", "docs"},
    {"ci", "ci"},
    {"ci/build", "ci"},
    {"build", "ci"},
    {"test", "tests"},
    {"tests", "tests"},
    {"misc", "misc"},
    {"chore", "misc"},
    {"refactor", "refactor"},
    {"usage", "usage"},
    {"installation", "installation"},
    {"hardware", "hardware"},
    {"rocm", "hardware"},
    {"amd", "hardware"},
    {"tpu", "hardware"},
    {"xpu", "hardware"},
    {"cpu", "hardware"},
    {"quantization", "quantization"},
    {"spec decode", "speculative"},
    {"lora", "lora"},
    {"multimodal", "multimodal"},
};
static const char *const s_builtin_labels[][2] = {
    {"bug", "bugfix"},
    {"documentation", "docs"},
    {"performance", "performance"},
    {"ci/build", "ci"},
    {"feature request", "feature"},
    {"new-model", "model"},
    {"rfc", "rfc"},
    {"usage", "usage"},
    {"installation", "installation"},
    {"rocm", "hardware"},
    {"misc", "misc"},
    {"quantization", "quantization"},
};

/* ==== Building ==== */

static void s_node_free(s_node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        s_node_free(n->kids[i]);
    dp_free(n->kids);
    if (n->re)
        pcre2_code_free(n->re);
    dp_free(n->value);
    dp_free(n);
}

static int s_parse_field(const char *s, size_t len, s_field_t *field)
{
    static const struct {
        const char *name;
        s_field_t field;
    } names[] = {{"label", F_LABEL},
                 {"title", F_TITLE},
                 {"body", F_BODY},
                 {"files", F_FILES},
                 {"author", F_AUTHOR}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == len &&
            strncmp(s, names[i].name, len) == 0) {
            *field = names[i].field;
            return 0;
        }
    }
    return -1;
}

static s_node_t *s_parse_cond(const char *text, char *err, size_t errlen)
{
    s_node_t *n = dp_calloc(1, sizeof *n);
    n->kind = N_COND;
    const char *p = text;
    if (*p == '-') {
        n->neg = true;
        p++;
    }
    const char *op = strchr(p, '=');
    if (!op || op == p) {
        snprintf(err, errlen, "condition \"%s\" has no '=' or '~='", text);
        goto fail;
    }
    size_t flen = (size_t)(op - p);
    if (op[-1] == '~') {
        n->regex = true;
        flen--;
    }
    if (s_parse_field(p, flen, &n->field) < 0) {
        snprintf(err, errlen,
                 "condition \"%s\": unknown attribute (label, title, body, "
                 "files, author)",
                 text);
        goto fail;
    }
    n->value = dp_strdup(op + 1);
    if (!*n->value) {
        snprintf(err, errlen, "condition \"%s\" has an empty value", text);
        goto fail;
    }
    if (n->regex) {
        int code;
        PCRE2_SIZE off;
        n->re = pcre2_compile((PCRE2_SPTR)n->value, PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off,
                              NULL);
        if (!n->re) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            snprintf(err, errlen, "condition \"%s\": regex error at %zu: %s",
                     text, (size_t)off, (const char *)msg);
            goto fail;
        }
    }
    return n;
fail:
    s_node_free(n);
    return NULL;
}

static s_node_t *s_parse_list(const json_t *list, s_kind_t kind, int depth,
                              char *err, size_t errlen);

static s_node_t *s_parse_item(const json_t *item, int depth, char *err,
                              size_t errlen)
{
    if (json_is_string(item))
        return s_parse_cond(json_string_value(item), err, errlen);
    if (json_is_object(item) && json_object_size(item) == 1) {
        const char *key =
            json_object_iter_key(json_object_iter((json_t *)item));
        json_t *val = json_object_get(item, key);
        if (!strcmp(key, "any") || !strcmp(key, "or"))
            return s_parse_list(val, N_ANY, depth + 1, err, errlen);
        if (!strcmp(key, "all") || !strcmp(key, "and"))
            return s_parse_list(val, N_ALL, depth + 1, err, errlen);
    }
    snprintf(err, errlen,
             "a condition must be a string or {any|all|or|and: "
             "[...]}");
    return NULL;
}

static s_node_t *s_parse_list(const json_t *list, s_kind_t kind, int depth,
                              char *err, size_t errlen)
{
    if (depth > RULES_MAX_DEPTH) {
        snprintf(err, errlen, "conditions nested deeper than %d",
                 RULES_MAX_DEPTH);
        return NULL;
    }
    if (!json_is_array(list) || json_array_size(list) == 0) {
        snprintf(err, errlen, "any/all needs a non-empty list of conditions");
        return NULL;
    }
    s_node_t *n = dp_calloc(1, sizeof *n);
    n->kind = kind;
    n->kids = dp_calloc(json_array_size(list), sizeof *n->kids);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        s_node_t *kid = s_parse_item(item, depth, err, errlen);
        if (!kid) {
            s_node_free(n);
            return NULL;
        }
        n->kids[n->nkids++] = kid;
    }
    return n;
}

static void s_pairs_add(s_pair_t **pairs, size_t *n, const char *key,
                        const char *value)
{
    *pairs = dp_realloc(*pairs, (*n + 1) * sizeof **pairs);
    (*pairs)[*n].key = dp_strdup(key);
    (*pairs)[*n].value = dp_strdup(value);
    for (char *p = (*pairs)[*n].key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    (*n)++;
}

static int s_load_pairs(const json_t *obj, s_pair_t **pairs, size_t *n,
                        bool strip_brackets, char *err, size_t errlen)
{
    if (!obj)
        return 0;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "categories: tags and labels must be mappings");
        return DP_ECONFIG;
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        if (!json_is_string(val)) {
            snprintf(err, errlen, "categories: \"%s\" must map to a name", key);
            return DP_ECONFIG;
        }
        size_t len = strlen(key);
        if (strip_brackets && len >= 2 && key[0] == '[' &&
            key[len - 1] == ']') {
            char *inner = dp_strndup(key + 1, len - 2);
            s_pairs_add(pairs, n, inner, json_string_value(val));
            dp_free(inner);
        } else {
            s_pairs_add(pairs, n, key, json_string_value(val));
        }
    }
    return 0;
}

rules_t *rules_new(const json_t *doc, char *err, size_t errlen)
{
    rules_t *self = dp_calloc(1, sizeof *self);
    json_t *topics = dp_json_get(doc, "topics");
    if (topics && !json_is_object(topics)) {
        snprintf(err, errlen, "topics must be a mapping of topic ids");
        goto fail;
    }
    self->topics =
        dp_calloc(json_object_size(topics) + 1, sizeof *self->topics);
    const char *id;
    json_t *t;
    json_object_foreach(topics, id, t)
    {
        char inner[256] = "";
        json_t *any = json_object_get(t, "any");
        json_t *all = json_object_get(t, "all");
        s_node_t *root = NULL;
        if (any && !all)
            root = s_parse_list(any, N_ANY, 0, inner, sizeof inner);
        else if (all && !any)
            root = s_parse_list(all, N_ALL, 0, inner, sizeof inner);
        else
            snprintf(inner, sizeof inner, "needs exactly one of any: or all:");
        if (!root) {
            snprintf(err, errlen, "topic %s: %s", id, inner);
            goto fail;
        }
        s_topic_t *topic = &self->topics[self->ntopics++];
        topic->id = dp_strdup(id);
        topic->root = root;
        const char *title = dp_json_str(t, "title");
        const char *short_name = dp_json_str(t, "short");
        topic->title = dp_strdup(title ? title : id);
        topic->short_name = dp_strdup(short_name ? short_name : topic->title);
    }
    json_t *cats = dp_json_get(doc, "categories");
    if (s_load_pairs(json_object_get(cats, "tags"), &self->tags, &self->ntags,
                     true, err, errlen) < 0 ||
        s_load_pairs(json_object_get(cats, "labels"), &self->labels,
                     &self->nlabels, false, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < sizeof s_builtin_tags / sizeof s_builtin_tags[0];
         i++)
        s_pairs_add(&self->tags, &self->ntags, s_builtin_tags[i][0],
                    s_builtin_tags[i][1]);
    for (size_t i = 0; i < sizeof s_builtin_labels / sizeof s_builtin_labels[0];
         i++)
        s_pairs_add(&self->labels, &self->nlabels, s_builtin_labels[i][0],
                    s_builtin_labels[i][1]);
    return self;
fail:
    rules_destroy(&self);
    return NULL;
}

static void s_pairs_free(s_pair_t *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dp_free(pairs[i].key);
        dp_free(pairs[i].value);
    }
    dp_free(pairs);
}

void rules_destroy(rules_t **self_p)
{
    assert(self_p);
    rules_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->ntopics; i++) {
        dp_free(self->topics[i].id);
        dp_free(self->topics[i].title);
        dp_free(self->topics[i].short_name);
        s_node_free(self->topics[i].root);
    }
    dp_free(self->topics);
    s_pairs_free(self->tags, self->ntags);
    s_pairs_free(self->labels, self->nlabels);
    dp_free(self);
    *self_p = NULL;
}

size_t rules_topic_count(const rules_t *self)
{
    return self->ntopics;
}

const char *rules_topic_id(const rules_t *self, size_t i)
{
    return i < self->ntopics ? self->topics[i].id : NULL;
}

const char *rules_topic_title(const rules_t *self, size_t i)
{
    return i < self->ntopics ? self->topics[i].title : NULL;
}

const char *rules_topic_short(const rules_t *self, size_t i)
{
    return i < self->ntopics ? self->topics[i].short_name : NULL;
}

/* ==== Matching ==== */

/* Matches one string; on a match writes the reason. */
static bool s_match_text(const s_node_t *n, const char *text, const char *what,
                         char *reason, size_t size)
{
    if (!text)
        return false;
    if (!n->regex) {
        bool eq = n->field == F_AUTHOR || n->field == F_LABEL
                      ? strcasecmp(text, n->value) == 0
                      : strcmp(text, n->value) == 0;
        if (eq)
            snprintf(reason, size, "%s `%s`", what, text);
        return eq;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->re, NULL);
    int rc = pcre2_match(n->re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
    if (rc > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        int len = (int)(ov[1] - ov[0]);
        if (len > RULES_REASON_MAX)
            len = RULES_REASON_MAX;
        if (n->field == F_TITLE || n->field == F_BODY)
            snprintf(reason, size, "%s matches `%.*s`", what, len,
                     text + ov[0]);
        else
            snprintf(reason, size, "%s `%s`", what, text);
    }
    pcre2_match_data_free(md);
    return rc > 0;
}

static bool s_match_cond(const s_node_t *n, const dp_event_t *ev, char *reason,
                         size_t size)
{
    switch (n->field) {
    case F_TITLE:
        return s_match_text(n, ev->title, "title", reason, size);
    case F_BODY:
        return s_match_text(n, ev->body, "body", reason, size);
    case F_AUTHOR:
        return s_match_text(n, ev->author, "author", reason, size);
    case F_LABEL:
        for (size_t i = 0; i < ev->labels.count; i++)
            if (s_match_text(n, ev->labels.items[i], "label", reason, size))
                return true;
        return false;
    case F_FILES:
        for (size_t i = 0; i < ev->files.count; i++)
            if (s_match_text(n, ev->files.items[i], "path", reason, size))
                return true;
        return false;
    }
    return false;
}

static bool s_eval(const s_node_t *n, const dp_event_t *ev, char *reason,
                   size_t size)
{
    if (n->kind == N_COND) {
        char local[256] = "";
        bool hit = s_match_cond(n, ev, local, sizeof local);
        if (n->neg)
            return !hit;
        if (hit && !*reason)
            snprintf(reason, size, "%s", local);
        return hit;
    }
    for (size_t i = 0; i < n->nkids; i++) {
        bool hit = s_eval(n->kids[i], ev, reason, size);
        if (n->kind == N_ANY && hit)
            return true;
        if (n->kind == N_ALL && !hit) {
            reason[0] = '\0';
            return false;
        }
    }
    return n->kind == N_ALL;
}

void rules_match(const rules_t *self, const dp_event_t *ev, dp_strs_t *topics,
                 dp_strs_t *reasons)
{
    for (size_t i = 0; i < self->ntopics; i++) {
        char reason[256] = "";
        if (s_eval(self->topics[i].root, ev, reason, sizeof reason)) {
            dp_strs_push(topics, self->topics[i].id);
            dp_strs_push(reasons, *reason ? reason : "rule matched");
        }
    }
}

static const char *s_lookup(const s_pair_t *pairs, size_t n, const char *key,
                            size_t keylen)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(pairs[i].key) == keylen &&
            strncasecmp(pairs[i].key, key, keylen) == 0)
            return pairs[i].value;
    return NULL;
}

const char *rules_category(const rules_t *self, const dp_event_t *ev)
{
    /* Leading "[Tag]" groups, the first known one wins: "[Bugfix][Kernel]". */
    const char *p = ev->title;
    while (p && *p == ' ')
        p++;
    while (p && *p == '[') {
        const char *end = strchr(p, ']');
        if (!end)
            break;
        const char *cat =
            s_lookup(self->tags, self->ntags, p + 1, (size_t)(end - p - 1));
        if (cat)
            return cat;
        p = end + 1;
        while (*p == ' ')
            p++;
    }
    for (size_t i = 0; i < ev->labels.count; i++) {
        const char *label = ev->labels.items[i];
        const char *cat =
            s_lookup(self->labels, self->nlabels, label, strlen(label));
        if (cat)
            return cat;
    }
    return "other";
}
