/* rules.c - topic rules in Mergify's condition language, and categories */
/* SPDX-License-Identifier: MIT */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "rules.h"

#include <assert.h>
#include <ctype.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_json.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_time.h"
#include "dp_topics.h"

#define RULES_MAX_DEPTH 8
#define RULES_QUOTE_MAX 80   /* characters of a regex match quoted */
#define RULES_REASON_LEN 256 /* bytes of one reason */
#define RULES_ERR_LEN 256
#define RULES_DAY 86400
#define RULES_TAG_MAX 40      /* longest conventional-commit type read */
#define RULES_ORG_NAME_MAX 64 /* bytes of an organization's name kept */

/* Limits of one regex match against untrusted text (titles, bodies, labels
 * and paths come from anyone who can open an issue). PCRE2's match limit
 * restarts at every start position of the subject, so a regex that costs
 * a little less than it at each position still runs for positions x limit;
 * the step budget, counted by an automatic callout before every pattern
 * item, bounds the whole call (about a quarter of a second here). */
#define RULES_RE_MATCH_LIMIT 1000000u /* backtracks per start position */
#define RULES_RE_DEPTH_LIMIT 1000000u /* nested backtracking points */
#define RULES_RE_HEAP_KIB 65536u      /* 64 MiB of backtracking frames */
#define RULES_RE_STEPS 10000000u      /* pattern items tried per match */
#define RULES_RE_GAVE_UP (-1000)      /* the callout's "budget spent" */
/* The JIT's own stack of backtracking frames (it ignores the depth and
 * heap limits): reserved, not committed, up to the heap limit's size. */
#define RULES_JIT_STACK_START (32u * 1024u)
#define RULES_JIT_STACK_MAX (RULES_RE_HEAP_KIB * 1024u)
/* The fast path. A callout before every pattern item is most of what a
 * match costs, so each regex is also compiled without callouts, as native
 * code, and that copy runs first on subjects of at most RULES_FAST_MAX
 * bytes under a match limit of RULES_FAST_LIMIT. PCRE2 applies the match
 * limit to JIT code too, "in a different way" (pcre2api): the JIT reloads
 * its counter at each start position, and a call that exhausts it at any
 * position ends at once with PCRE2_ERROR_MATCHLIMIT. So one call counts
 * at most (RULES_FAST_MAX + 1) x RULES_FAST_LIMIT units, 4.2 million,
 * each a bracket or a backtrack whose own work is bounded by the pattern
 * and the 16 KiB. Measured here, the worst of some 80 pathological
 * regexes ((a+)+$, (?:a|aa){1,k}b, (.*a){12}, (\w+\s?)*$, a*...a*b, ...)
 * on 16 KiB subjects took about 20 ms: (?:a|aa){1,7}b, which costs just
 * under the limit at every position and matches at the end. The counted
 * copy's budget is about a quarter of a second, so a subject that both
 * copies give up on costs at most about 10 % more than before.
 * A call the fast copy completes gives PCRE2's answer for the pattern,
 * which is the counted copy's whenever that one completes too; one that
 * hits any limit (match, JIT stack) or a longer subject goes to the
 * counted copy, exactly as without the fast path. Where the counted copy
 * would spend its budget but the fast one finishes, the answer is PCRE2's
 * rather than a give-up: (?:a|aa){1,7}b on "a...ab" of 16 KiB costs
 * about 610 steps at each position, past the budget, and under 256 units
 * of the fast limit, so it now matches. */
#define RULES_FAST_MAX 16384u /* bytes of a subject the fast copy takes */
#define RULES_FAST_LIMIT 256u /* its match limit per start position */

typedef enum { N_ANY, N_ALL, N_COND } s_kind_t;
typedef enum {
    F_LABEL,
    F_TITLE,
    F_BODY,
    F_FILES,
    F_AUTHOR,
    F_AFFILIATION
} s_field_t;

typedef struct s_node_t {
    s_kind_t kind;
    bool neg; /* a leading '-' */
    s_field_t field;
    bool regex;           /* "~=" rather than "=" */
    char *value;          /* text after the operator */
    pcre2_code *re;       /* compiled value when regex, with callouts */
    pcre2_code *fast;     /* the same without callouts, or NULL */
    pcre2_match_data *md; /* its match data, reused by every match */
    bool gave_up;         /* a match of re hit a limit once (it was logged) */
    size_t org;           /* index of the organization for F_AFFILIATION */
    struct s_node_t **kids;
    size_t nkids;
} s_node_t;

typedef struct {
    char *id, *title, *short_name;
    s_node_t *root;
} s_topic_t;

typedef struct {
    s_topic_t *topics;
    size_t ntopics;
} s_set_t;

typedef struct {
    char *repo; /* "owner/name" as written in repositories: */
    s_set_t set;
} s_repo_t;

typedef struct {
    char *login;
    int64_t from, to; /* instants, both included */
} s_member_t;

typedef struct {
    char *id, *name; /* "amd", "AMD" */
    s_member_t *members;
    size_t nmembers;
} s_org_t;

typedef struct {
    char *key;   /* "perf" tag (lower case, no brackets) or a label name */
    char *value; /* category */
} s_pair_t;

/* The state of regex matching, shared by every regex of the rules. */
typedef struct {
    pcre2_match_context *ctx;  /* the limits, and the callout counting steps */
    pcre2_match_context *fctx; /* the fast copy's limits, no callout */
    pcre2_jit_stack *jit;      /* the stack of JIT-compiled matches */
    size_t fast_max;           /* longest subject of the fast path */
    unsigned long steps;       /* steps of the match under way */
    unsigned long gave_up;     /* matches that hit a limit, since rules_new */
    unsigned long fast;        /* matches the fast copy decided */
} s_matcher_t;

struct rules_t {
    s_set_t defaults;
    s_matcher_t *matcher; /* mutable through a const rules_t: a counter */
    s_repo_t *repos;      /* repositories with their own topic set */
    size_t nrepos;
    s_org_t *orgs;
    size_t norgs;
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
    {"dependencies", "ci"},
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
    if (n->md)
        pcre2_match_data_free(n->md);
    if (n->re)
        pcre2_code_free(n->re);
    if (n->fast)
        pcre2_code_free(n->fast);
    dp_free(n->value);
    dp_free(n);
}

static int s_parse_field(const char *s, size_t len, s_field_t *field)
{
    static const struct {
        const char *name;
        s_field_t field;
    } names[] = {{"label", F_LABEL},   {"title", F_TITLE},
                 {"body", F_BODY},     {"files", F_FILES},
                 {"author", F_AUTHOR}, {"affiliation", F_AFFILIATION}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) == len &&
            strncmp(s, names[i].name, len) == 0) {
            *field = names[i].field;
            return 0;
        }
    }
    return -1;
}

/* The organization named id, or -1. */
static long s_org_find(const rules_t *self, const char *id)
{
    for (size_t i = 0; i < self->norgs; i++)
        if (strcasecmp(self->orgs[i].id, id) == 0)
            return (long)i;
    return -1;
}

static int s_step(pcre2_callout_block *block, void *data);

/* A match context with the common limits and the JIT stack. */
static pcre2_match_context *s_context(pcre2_jit_stack *jit, uint32_t limit)
{
    pcre2_match_context *ctx = pcre2_match_context_create(NULL);
    if (!ctx) {
        dp_log(DP_LOG_ERROR, "out of memory for a PCRE2 match context");
        abort();
    }
    pcre2_set_match_limit(ctx, limit);
    pcre2_set_depth_limit(ctx, RULES_RE_DEPTH_LIMIT);
    pcre2_set_heap_limit(ctx, RULES_RE_HEAP_KIB);
    if (jit)
        pcre2_jit_stack_assign(ctx, NULL, jit);
    return ctx;
}

/* The limits that every regex match runs under. */
static s_matcher_t *s_matcher_new(void)
{
    s_matcher_t *m = dp_calloc(1, sizeof *m);
    /* Without JIT support (or memory for its stack) matches run in the
     * interpreter, under the same limits. */
    m->jit = pcre2_jit_stack_create(RULES_JIT_STACK_START, RULES_JIT_STACK_MAX,
                                    NULL);
    m->ctx = s_context(m->jit, RULES_RE_MATCH_LIMIT);
    pcre2_set_callout(m->ctx, s_step, m);
    m->fctx = s_context(m->jit, RULES_FAST_LIMIT);
    m->fast_max = RULES_FAST_MAX;
    return m;
}

/* Compiles value with the options every regex gets, plus extra, and
 * JIT-compiles it when it can; *jit tells whether it did (a pattern JIT
 * cannot take, or no JIT on this machine, stays with the interpreter). */
static pcre2_code *s_pattern(const char *value, uint32_t extra, bool *jit,
                             int *code, PCRE2_SIZE *off)
{
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)value, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | extra,
                                   code, off, NULL);
    *jit = re && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    return re;
}

static int s_compile(s_node_t *n, const char *text, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE off;
    bool jit;
    /* Native code runs the same automatic callouts, so the step budget
     * counts the same steps. */
    n->re = s_pattern(n->value, PCRE2_AUTO_CALLOUT, &jit, &code, &off);
    if (n->re) {
        /* The fast copy only as native code: its bound is measured there
         * (the interpreter spends far more per unit of the match limit).
         * Without it, or without memory for it, the counted copy does it
         * all. */
        n->fast = s_pattern(n->value, 0, &jit, &code, &off);
        if (n->fast && !jit) {
            pcre2_code_free(n->fast);
            n->fast = NULL;
        }
        n->md = pcre2_match_data_create_from_pattern(n->re, NULL);
        if (!n->md) {
            dp_log(DP_LOG_ERROR, "out of memory for PCRE2 match data");
            abort();
        }
        return 0;
    }
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(code, msg, sizeof msg);
    snprintf(err, errlen, "condition \"%s\": regex error at %zu: %s", text,
             (size_t)off, (const char *)msg);
    return DP_ECONFIG;
}

static s_node_t *s_parse_cond(const rules_t *self, const char *text, char *err,
                              size_t errlen)
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
                 "files, author, affiliation)",
                 text);
        goto fail;
    }
    n->value = dp_strdup(op + 1);
    if (!*n->value) {
        snprintf(err, errlen, "condition \"%s\" has an empty value", text);
        goto fail;
    }
    if (n->field == F_AFFILIATION) {
        long org = n->regex ? -1 : s_org_find(self, n->value);
        if (n->regex) {
            snprintf(err, errlen,
                     "condition \"%s\": affiliation takes '=' and an "
                     "organization id",
                     text);
            goto fail;
        }
        if (org < 0) {
            snprintf(err, errlen,
                     "condition \"%s\": no organization \"%s\" under "
                     "affiliations:",
                     text, n->value);
            goto fail;
        }
        n->org = (size_t)org;
    }
    if (n->regex && s_compile(n, text, err, errlen) < 0)
        goto fail;
    return n;
fail:
    s_node_free(n);
    return NULL;
}

static s_node_t *s_parse_list(const rules_t *self, const json_t *list,
                              s_kind_t kind, int depth, char *err,
                              size_t errlen);

static s_node_t *s_parse_item(const rules_t *self, const json_t *item,
                              int depth, char *err, size_t errlen)
{
    if (json_is_string(item))
        return s_parse_cond(self, json_string_value(item), err, errlen);
    if (json_is_object(item) && json_object_size(item) == 1) {
        const char *key =
            json_object_iter_key(json_object_iter((json_t *)item));
        json_t *val = json_object_get(item, key);
        if (!strcmp(key, "any") || !strcmp(key, "or"))
            return s_parse_list(self, val, N_ANY, depth + 1, err, errlen);
        if (!strcmp(key, "all") || !strcmp(key, "and"))
            return s_parse_list(self, val, N_ALL, depth + 1, err, errlen);
    }
    snprintf(err, errlen,
             "a condition must be a string or {any|all|or|and: "
             "[...]}");
    return NULL;
}

static s_node_t *s_parse_list(const rules_t *self, const json_t *list,
                              s_kind_t kind, int depth, char *err,
                              size_t errlen)
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
        s_node_t *kid = s_parse_item(self, item, depth, err, errlen);
        if (!kid) {
            s_node_free(n);
            return NULL;
        }
        n->kids[n->nkids++] = kid;
    }
    return n;
}

static void s_set_free(s_set_t *set)
{
    for (size_t i = 0; i < set->ntopics; i++) {
        dp_free(set->topics[i].id);
        dp_free(set->topics[i].title);
        dp_free(set->topics[i].short_name);
        s_node_free(set->topics[i].root);
    }
    dp_free(set->topics);
    memset(set, 0, sizeof *set);
}

/* Builds one topic set from a resolved "topics" mapping; where names the
 * repository in errors ("" for the defaults). */
static int s_set_build(const rules_t *self, const json_t *topics,
                       const char *where, s_set_t *set, char *err,
                       size_t errlen)
{
    set->topics = dp_calloc(json_object_size(topics) + 1, sizeof *set->topics);
    const char *id;
    json_t *t;
    json_object_foreach((json_t *)topics, id, t)
    {
        char inner[RULES_ERR_LEN] = "";
        json_t *any = json_object_get(t, "any");
        json_t *all = json_object_get(t, "all");
        s_node_t *root = NULL;
        if (!json_is_object(t))
            snprintf(inner, sizeof inner, "must be a mapping");
        else if (any && !all)
            root = s_parse_list(self, any, N_ANY, 0, inner, sizeof inner);
        else if (all && !any)
            root = s_parse_list(self, all, N_ALL, 0, inner, sizeof inner);
        else
            snprintf(inner, sizeof inner, "needs exactly one of any: or all:");
        if (!root) {
            snprintf(err, errlen, "%s%stopic %s: %s", where, *where ? ": " : "",
                     id, inner);
            return DP_ECONFIG;
        }
        s_topic_t *topic = &set->topics[set->ntopics++];
        topic->id = dp_strdup(id);
        topic->root = root;
        const char *title = dp_json_str(t, "title");
        const char *short_name = dp_json_str(t, "short");
        topic->title = dp_strdup(title ? title : id);
        topic->short_name = dp_strdup(short_name ? short_name : topic->title);
    }
    return 0;
}

/* Reads "2024-01-01" (a whole UTC day) or a full ISO 8601 instant; for the
 * end of a range a day means its last second. */
static int s_parse_day(const json_t *v, bool end, int64_t *out)
{
    const char *s = json_string_value(v);
    if (!s)
        return DP_EINVAL;
    if (strlen(s) == 10) {
        char iso[32];
        snprintf(iso, sizeof iso, "%sT00:00:00Z", s);
        if (dp_time_parse(iso, out, NULL) < 0)
            return DP_EINVAL;
        if (end)
            *out += RULES_DAY - 1;
        return 0;
    }
    return dp_time_parse(s, out, NULL);
}

static int s_member_cmp(const void *a, const void *b)
{
    return strcasecmp(((const s_member_t *)a)->login,
                      ((const s_member_t *)b)->login);
}

static int s_member_add(s_org_t *org, const json_t *m, char *err, size_t errlen)
{
    const char *login =
        json_is_string(m) ? json_string_value(m) : dp_json_str(m, "login");
    s_member_t member = {NULL, INT64_MIN, INT64_MAX};
    if (!login || !*login) {
        snprintf(err, errlen,
                 "affiliations: %s: a member is a login or {login, from, to}",
                 org->id);
        return DP_ECONFIG;
    }
    json_t *from = json_object_get(m, "from"), *to = json_object_get(m, "to");
    if ((from && s_parse_day(from, false, &member.from) < 0) ||
        (to && s_parse_day(to, true, &member.to) < 0)) {
        snprintf(err, errlen,
                 "affiliations: %s: %s: from/to must be dates "
                 "(2024-01-31) or ISO 8601 instants",
                 org->id, login);
        return DP_ECONFIG;
    }
    if (member.from > member.to) {
        snprintf(err, errlen, "affiliations: %s: %s: from is after to", org->id,
                 login);
        return DP_ECONFIG;
    }
    member.login = dp_strdup(login);
    org->members =
        dp_realloc(org->members, (org->nmembers + 1) * sizeof *org->members);
    org->members[org->nmembers++] = member;
    return 0;
}

static int s_load_orgs(rules_t *self, const json_t *affs, char *err,
                       size_t errlen)
{
    if (!affs || json_is_null(affs))
        return 0;
    if (!json_is_object(affs)) {
        snprintf(err, errlen,
                 "affiliations must be a mapping of "
                 "organization ids");
        return DP_ECONFIG;
    }
    self->orgs = dp_calloc(json_object_size(affs) + 1, sizeof *self->orgs);
    const char *id;
    json_t *v;
    json_object_foreach((json_t *)affs, id, v)
    {
        s_org_t *org = &self->orgs[self->norgs++];
        org->id = dp_strdup(id);
        const json_t *members = json_is_array(v) ? v : NULL;
        const char *name = NULL;
        if (json_is_object(v)) {
            members = json_object_get(v, "members");
            name = dp_json_str(v, "name");
        }
        if (!json_is_array(members)) {
            snprintf(err, errlen,
                     "affiliations: %s must be a list of members or "
                     "{name, members}",
                     id);
            return DP_ECONFIG;
        }
        /* The name shown in reasons: bounded and cut on a character
         * boundary, so a reason that carries it always fits and stays
         * valid UTF-8; the id upper-cased when no name is given. */
        const char *shown = name ? name : id;
        size_t len = strlen(shown);
        if (len > RULES_ORG_NAME_MAX) {
            len = RULES_ORG_NAME_MAX;
            while (len > 0 && ((unsigned char)shown[len] & 0xC0) == 0x80)
                len--;
        }
        org->name = dp_strndup(shown, len);
        for (char *p = org->name; !name && *p; p++)
            *p = (char)toupper((unsigned char)*p);
        size_t i;
        json_t *m;
        json_array_foreach(members, i, m)
        {
            if (s_member_add(org, m, err, errlen) < 0)
                return DP_ECONFIG;
        }
        /* By login, so an author is found by binary search. */
        if (org->nmembers > 1)
            qsort(org->members, org->nmembers, sizeof *org->members,
                  s_member_cmp);
    }
    return 0;
}

static void s_pairs_add(s_pair_t **pairs, size_t *n, const char *key,
                        const char *value)
{
    *pairs = dp_realloc(*pairs, (*n + 1) * sizeof **pairs);
    (*pairs)[*n].key = dp_strdup(key);
    (*pairs)[*n].value = dp_strdup(value);
    for (char *p = (*pairs)[*n].key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
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

static int s_check_keys(const json_t *doc, char *err, size_t errlen)
{
    static const char *const known[] = {"topics", "categories", "affiliations",
                                        "repositories"};
    const char *key;
    json_t *v;
    if (doc && !json_is_object(doc)) {
        snprintf(err, errlen, "a rules document must be a mapping");
        return DP_ECONFIG;
    }
    json_object_foreach((json_t *)doc, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok = ok || !strcmp(key, known[i]);
        if (!ok) {
            snprintf(err, errlen,
                     "unknown key \"%s\" (topics, categories, affiliations, "
                     "repositories)",
                     key);
            return DP_ECONFIG;
        }
    }
    return 0;
}

/* Builds the default topic set and one per entry of repositories:. */
static int s_load_sets(rules_t *self, const json_t *doc, char *err,
                       size_t errlen)
{
    json_t *topics = dp_topics_resolve(doc, NULL, err, errlen);
    if (!topics)
        return DP_ECONFIG;
    int rc = s_set_build(self, topics, "", &self->defaults, err, errlen);
    json_decref(topics);
    json_t *repos = json_object_get(doc, "repositories");
    self->repos = dp_calloc(json_object_size(repos) + 1, sizeof *self->repos);
    const char *name;
    json_t *v;
    json_object_foreach(repos, name, v)
    {
        if (rc < 0)
            break;
        topics = dp_topics_resolve(doc, name, err, errlen);
        if (!topics)
            return DP_ECONFIG;
        s_repo_t *repo = &self->repos[self->nrepos++];
        repo->repo = dp_strdup(name);
        char where[RULES_ERR_LEN];
        snprintf(where, sizeof where, "repositories: %s", name);
        rc = s_set_build(self, topics, where, &repo->set, err, errlen);
        json_decref(topics);
    }
    return rc;
}

rules_t *rules_new(const json_t *doc, char *err, size_t errlen)
{
    rules_t *self = dp_calloc(1, sizeof *self);
    self->matcher = s_matcher_new();
    if (s_check_keys(doc, err, errlen) < 0 ||
        s_load_orgs(self, json_object_get(doc, "affiliations"), err, errlen) <
            0 ||
        s_load_sets(self, doc, err, errlen) < 0)
        goto fail;
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
    s_set_free(&self->defaults);
    for (size_t i = 0; i < self->nrepos; i++) {
        dp_free(self->repos[i].repo);
        s_set_free(&self->repos[i].set);
    }
    dp_free(self->repos);
    for (size_t i = 0; i < self->norgs; i++) {
        for (size_t k = 0; k < self->orgs[i].nmembers; k++)
            dp_free(self->orgs[i].members[k].login);
        dp_free(self->orgs[i].members);
        dp_free(self->orgs[i].id);
        dp_free(self->orgs[i].name);
    }
    dp_free(self->orgs);
    s_pairs_free(self->tags, self->ntags);
    s_pairs_free(self->labels, self->nlabels);
    pcre2_match_context_free(self->matcher->ctx);
    pcre2_match_context_free(self->matcher->fctx);
    if (self->matcher->jit)
        pcre2_jit_stack_free(self->matcher->jit);
    dp_free(self->matcher);
    dp_free(self);
    *self_p = NULL;
}

size_t rules_topic_count(const rules_t *self)
{
    return self->defaults.ntopics;
}

const char *rules_topic_id(const rules_t *self, size_t i)
{
    return i < self->defaults.ntopics ? self->defaults.topics[i].id : NULL;
}

const char *rules_topic_title(const rules_t *self, size_t i)
{
    return i < self->defaults.ntopics ? self->defaults.topics[i].title : NULL;
}

const char *rules_topic_short(const rules_t *self, size_t i)
{
    return i < self->defaults.ntopics ? self->defaults.topics[i].short_name
                                      : NULL;
}

/* ==== Matching ==== */

/* The reasons gathered for one topic: at most RULES_REASONS_MAX, each
 * once, in the order found. */
typedef struct {
    char text[RULES_REASONS_MAX][RULES_REASON_LEN];
    size_t n;
} s_reasons_t;

static void s_reason_add(s_reasons_t *r, const char *text)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->text[i], text))
            return;
    if (r->n < RULES_REASONS_MAX)
        snprintf(r->text[r->n++], RULES_REASON_LEN, "%s", text);
}

/* Writes "<head>`<text>`<tail>" into out, quoting at most max bytes of text
 * and whatever fits, always cut on a UTF-8 character boundary so a reason
 * stays valid text (a cut inside a character would be refused downstream,
 * and the reason lost). */
static void s_quote(char *out, size_t size, const char *head, const char *text,
                    size_t max, const char *tail)
{
    size_t len = strlen(text);
    size_t fixed = strlen(head) + strlen(tail) + 3; /* two backticks, NUL */
    size_t room = size > fixed ? size - fixed : 0;
    size_t n = len < max ? len : max;
    if (n > room)
        n = room;
    while (n > 0 && n < len && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    snprintf(out, size, "%s`%.*s`%s", head, (int)n, text, tail);
}

/* Counts a step of the match under way; gives up past the budget. */
static int s_step(pcre2_callout_block *block, void *data)
{
    (void)block;
    s_matcher_t *m = data;
    return ++m->steps > RULES_RE_STEPS ? RULES_RE_GAVE_UP : 0;
}

/* Runs n's regex on text under the limits: the fast copy first when the
 * text is short enough, the counted copy when it is not or the fast one
 * hit a limit. Returns PCRE2's result; a match that hit a limit of the
 * counted copy is counted, logged the first time for each
 * regex, and returned as PCRE2_ERROR_NOMATCH. */
static int s_regex(const rules_t *self, s_node_t *n, const char *text,
                   pcre2_match_data *md)
{
    s_matcher_t *m = self->matcher;
    size_t len = strlen(text);
    int rc;
    if (n->fast && m->fast_max > 0 && len <= m->fast_max) {
        rc = pcre2_match(n->fast, (PCRE2_SPTR)text, len, 0, 0, md, m->fctx);
        if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
            m->fast++;
            return rc;
        }
    }
    m->steps = 0;
    rc = pcre2_match(n->re, (PCRE2_SPTR)text, len, 0, 0, md, m->ctx);
    if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
        return rc;
    m->gave_up++;
    if (!n->gave_up) {
        PCRE2_UCHAR why[120] = "the step budget of one match";
        if (rc != RULES_RE_GAVE_UP)
            pcre2_get_error_message(rc, why, sizeof why);
        dp_log(DP_LOG_WARN,
               "regex \"%s\" gave up on an item (%s); that item counts as "
               "not matching it, and later ones are not logged",
               n->value, (const char *)why);
        n->gave_up = true;
    }
    return PCRE2_ERROR_NOMATCH;
}

/* Matches one string; on a match writes the reason. */
static bool s_match_text(const rules_t *self, s_node_t *n, const char *text,
                         const char *what, char *reason, size_t size)
{
    if (!text)
        return false;
    if (!n->regex) {
        bool eq = n->field == F_AUTHOR || n->field == F_LABEL
                      ? strcasecmp(text, n->value) == 0
                      : strcmp(text, n->value) == 0;
        if (eq) {
            char head[64];
            snprintf(head, sizeof head, "%s ", what);
            s_quote(reason, size, head, text, SIZE_MAX, "");
        }
        return eq;
    }
    pcre2_match_data *md = n->md;
    int rc = s_regex(self, n, text, md);
    if (rc > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        char head[64];
        if (n->field == F_TITLE || n->field == F_BODY) {
            /* Quote the match itself, cut where the text allows. */
            char *match = dp_strndup(text + ov[0], (size_t)(ov[1] - ov[0]));
            snprintf(head, sizeof head, "%s matches ", what);
            s_quote(reason, size, head, match, RULES_QUOTE_MAX, "");
            dp_free(match);
        } else {
            snprintf(head, sizeof head, "%s ", what);
            s_quote(reason, size, head, text, SIZE_MAX, "");
        }
    }
    return rc > 0;
}

/* True when ev's author was a member of org at the item's creation. */
static bool s_member_at(const s_org_t *org, const dp_event_t *ev)
{
    int64_t when = ev->created_at ? ev->created_at : ev->at;
    if (!ev->author)
        return false;
    /* The first member of that login (members are sorted by login), then
     * each period of it. */
    size_t lo = 0, hi = org->nmembers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcasecmp(org->members[mid].login, ev->author) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < org->nmembers &&
                        strcasecmp(org->members[i].login, ev->author) == 0;
         i++) {
        const s_member_t *m = &org->members[i];
        if (when >= m->from && when <= m->to)
            return true;
    }
    return false;
}

uint64_t rules_memberships(const rules_t *self, const dp_event_t *ev,
                           bool *exact)
{
    assert(self && ev && exact);
    uint64_t bits = 0;
    *exact = self->norgs <= 64;
    for (size_t i = 0; *exact && i < self->norgs; i++)
        if (s_member_at(&self->orgs[i], ev))
            bits |= UINT64_C(1) << i;
    return bits;
}

/* affiliation=ORG: the author was a member at the item's creation. */
static bool s_match_affiliation(const rules_t *self, const s_node_t *n,
                                const dp_event_t *ev, char *reason, size_t size)
{
    const s_org_t *org = &self->orgs[n->org];
    if (!s_member_at(org, ev))
        return false;
    char tail[128];
    /* The name is cut on a character boundary, like quotes. */
    size_t cut = strlen(org->name), max = sizeof tail - 4;
    if (cut > max)
        cut = max;
    while (cut > 0 && cut < strlen(org->name) &&
           ((unsigned char)org->name[cut] & 0xC0) == 0x80)
        cut--;
    snprintf(tail, sizeof tail, " (%.*s)", (int)cut, org->name);
    s_quote(reason, size, "author ", ev->author, SIZE_MAX, tail);
    return true;
}

static bool s_match_cond(const rules_t *self, s_node_t *n, const dp_event_t *ev,
                         char *reason, size_t size)
{
    switch (n->field) {
    case F_TITLE:
        return s_match_text(self, n, ev->title, "title", reason, size);
    case F_BODY:
        return s_match_text(self, n, ev->body, "body", reason, size);
    case F_AUTHOR:
        return s_match_text(self, n, ev->author, "author", reason, size);
    case F_AFFILIATION:
        return s_match_affiliation(self, n, ev, reason, size);
    case F_LABEL:
        for (size_t i = 0; i < ev->labels.count; i++)
            if (s_match_text(self, n, ev->labels.items[i], "label", reason,
                             size))
                return true;
        return false;
    case F_FILES:
        for (size_t i = 0; i < ev->files.count; i++)
            if (s_match_text(self, n, ev->files.items[i], "path", reason, size))
                return true;
        return false;
    }
    return false;
}

/* Evaluates a node; when it holds, adds the reasons of the conditions that
 * made it hold to out. A failed branch adds nothing. */
static bool s_eval(const rules_t *self, s_node_t *n, const dp_event_t *ev,
                   s_reasons_t *out)
{
    if (n->kind == N_COND) {
        char reason[RULES_REASON_LEN] = "";
        bool hit = s_match_cond(self, n, ev, reason, sizeof reason);
        if (n->neg)
            return !hit;
        if (hit)
            s_reason_add(out, reason);
        return hit;
    }
    s_reasons_t mine; /* on the stack: rules nest RULES_MAX_DEPTH deep */
    mine.n = 0;
    bool holds = n->kind == N_ALL;
    for (size_t i = 0; i < n->nkids; i++) {
        bool hit = s_eval(self, n->kids[i], ev, &mine);
        if (n->kind == N_ANY && hit)
            holds = true; /* read on: every reason counts */
        if (n->kind == N_ALL && !hit) {
            holds = false;
            break;
        }
    }
    if (holds)
        for (size_t i = 0; i < mine.n; i++)
            s_reason_add(out, mine.text[i]);
    return holds;
}

/* The topic set of a repository. */
static const s_set_t *s_set_for(const rules_t *self, const char *repo)
{
    for (size_t i = 0; repo && i < self->nrepos; i++)
        if (strcasecmp(self->repos[i].repo, repo) == 0)
            return &self->repos[i].set;
    return &self->defaults;
}

void rules_match(const rules_t *self, const dp_event_t *ev, dp_strs_t *topics,
                 dp_strs_t *reasons)
{
    const s_set_t *set = s_set_for(self, ev->repo);
    s_reasons_t *found = dp_calloc(1, sizeof *found);
    for (size_t i = 0; i < set->ntopics; i++) {
        found->n = 0;
        if (!s_eval(self, set->topics[i].root, ev, found))
            continue;
        if (found->n == 0)
            s_reason_add(found, "rule matched");
        for (size_t k = 0; k < found->n; k++) {
            dp_strs_push(topics, set->topics[i].id);
            dp_strs_push(reasons, found->text[k]);
        }
    }
    dp_free(found);
}

unsigned long rules_regex_gave_up(const rules_t *self)
{
    return self->matcher->gave_up;
}

unsigned long rules_regex_fast(const rules_t *self)
{
    return self->matcher->fast;
}

void rules_set_fast_max(rules_t *self, size_t bytes)
{
    assert(self);
    self->matcher->fast_max = bytes;
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

/* "fix: x", "feat(api)!: x": the type of a conventional-commit title. */
static const char *s_commit_type(const rules_t *self, const char *title)
{
    size_t len = 0;
    while (len < RULES_TAG_MAX && isalpha((unsigned char)title[len]))
        len++;
    const char *p = title + len;
    if (len == 0)
        return NULL;
    if (*p == '(') {
        const char *close = strchr(p, ')');
        if (!close || close - p > RULES_TAG_MAX)
            return NULL;
        p = close + 1;
    }
    if (*p == '!')
        p++;
    if (p[0] != ':' || p[1] != ' ')
        return NULL;
    return s_lookup(self->tags, self->ntags, title, len);
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
    const char *cat = p ? s_commit_type(self, p) : NULL;
    if (cat)
        return cat;
    for (size_t i = 0; i < ev->labels.count; i++) {
        const char *label = ev->labels.items[i];
        cat = s_lookup(self->labels, self->nlabels, label, strlen(label));
        if (cat)
            return cat;
    }
    return "other";
}
