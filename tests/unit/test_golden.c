/* test_golden.c - golden reports: fixed datasets to Markdown, byte for byte */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "digest.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_text.h"
#include "dp_time.h"
#include "dp_topics.h"
#include "gh_history.h"
#include "gh_normalize.h"
#include "renderer.h"
#include "rules.h"
#include "trend.h"
#include "writer.h"

/*
 * The golden reports in tests/golden/<case>.<lang>.md are what devpulse
 * writes for fixed windows of the bundled datasets, from the GitHub
 * objects through the collector's normalizer, the classifier with the
 * shipped rules, the digest (with the summaries of the windows before,
 * chained as the summarizer keeps them), the extractive writer and the
 * renderer; only the health footer is left out, since it describes a run.
 *
 * After an intended change of the reports, regenerate them and review the
 * diff:
 *
 *   DP_UPDATE_GOLDEN=1 build/bin/test_golden
 *   git diff tests/golden/
 */

#define REPO "vllm-project/vllm"
#define MAX_TEXT 4000 /* the collector's default DP_MAX_TEXT */
#define ERRLEN 512
#define GOLDEN_DIR DP_SOURCE_DIR "/tests/golden"
#define RULES_FILE DP_SOURCE_DIR "/config/rules.yml"
#define HISTORY_MAX 4
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A window of a dataset, with the windows reported before it. */
typedef struct {
    const char *name;                /* golden file stem */
    const char *data;                /* dataset, under the source tree */
    const char *from, *to;           /* the window, UTC */
    const char *before[HISTORY_MAX]; /* earlier window starts, oldest first */
} s_case_t;

static const s_case_t s_cases[] = {
    {"vllm-hour",
     "tests/data/vllm-hour",
     "2025-12-10T10:29:00Z",
     "2025-12-10T11:29:00Z",
     {NULL}},
    {"busy",
     "tests/data/busy",
     "2025-12-15T06:00:00Z",
     "2025-12-15T07:00:00Z",
     {"2025-12-15T04:00:00Z", "2025-12-15T05:00:00Z", NULL}},
};

/* ==== The dataset as GitHub serves it ==== */

typedef struct {
    json_t *issues;   /* issues.json */
    json_t *comments; /* {"<n>": [...]} */
    json_t *files;    /* {"<n>": [...]} from pulls/<n>.files.json */
    json_t *reviews;  /* {"<n>": [...]} */
} s_data_t;

static json_t *s_load(const char *path, bool required)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j && required)
        fail_msg("%s: %s", path, e.text);
    return j;
}

/* Loads <dir>/<n><suffix> for every item number of the dataset. */
static json_t *s_load_per_item(const json_t *issues, const char *dir,
                               const char *suffix)
{
    json_t *out = json_object();
    size_t i;
    json_t *it;
    json_array_foreach(issues, i, it)
    {
        long long n = (long long)dp_json_int(it, "number", 0);
        char *path = dp_asprintf("%s/%lld%s", dir, n, suffix);
        json_t *arr = s_load(path, false);
        if (arr) {
            char key[32];
            snprintf(key, sizeof key, "%lld", n);
            json_object_set_new(out, key, arr);
        }
        dp_free(path);
    }
    return out;
}

/* The dataset under rel whose repository is owner/name. */
static s_data_t s_data_of(const char *rel, const char *owner_name)
{
    char *repo = dp_asprintf(DP_SOURCE_DIR "/%s/%s", rel, owner_name);
    char *path = dp_asprintf("%s/issues.json", repo);
    s_data_t d;
    d.issues = s_load(path, true);
    dp_free(path);
    char *dir = dp_asprintf("%s/comments", repo);
    d.comments = s_load_per_item(d.issues, dir, ".json");
    dp_free(dir);
    dir = dp_asprintf("%s/pulls", repo);
    d.files = s_load_per_item(d.issues, dir, ".files.json");
    dp_free(dir);
    dir = dp_asprintf("%s/reviews", repo);
    d.reviews = s_load_per_item(d.issues, dir, ".json");
    dp_free(dir);
    dp_free(repo);
    return d;
}

static s_data_t s_data(const char *rel)
{
    return s_data_of(rel, REPO);
}

static void s_data_free(s_data_t *d)
{
    json_decref(d->issues);
    json_decref(d->comments);
    json_decref(d->files);
    json_decref(d->reviews);
}

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(dp_time_parse(iso, &t, NULL), 0);
    return t;
}

/* ==== Events, as the collector makes them ==== */

static const json_t *s_issue(const s_data_t *d, int64_t number)
{
    size_t i;
    json_t *it;
    json_array_foreach(d->issues, i, it)
    {
        if (dp_json_int(it, "number", 0) == number)
            return it;
    }
    return NULL;
}

static void s_comments(const s_data_t *d, int64_t from, int64_t to,
                       gh_events_t *out)
{
    const char *key;
    json_t *arr;
    json_object_foreach(d->comments, key, arr)
    {
        char err[ERRLEN];
        dp_event_t snap;
        const json_t *issue = s_issue(d, strtoll(key, NULL, 10));
        assert_non_null(issue);
        assert_int_equal(
            gh_item_snapshot(issue, REPO, MAX_TEXT, &snap, err, sizeof err), 0);
        size_t i;
        json_t *c;
        json_array_foreach(arr, i, c)
        {
            assert_true(gh_comment_event(c, &snap, from, to, MAX_TEXT, out) >=
                        0);
        }
        dp_msg_t m = {.type = DP_MSG_EVENT};
        m.u.event = snap;
        dp_msg_clear(&m);
    }
}

/* Changed files and sizes on every event of a PR that opened, merged or
 * closed in the window, and its reviews submitted in the window. */
static void s_pr_details(const s_data_t *d, int64_t from, int64_t to,
                         gh_events_t *out)
{
    size_t n = out->count;
    for (size_t i = 0; i < n; i++) {
        const dp_event_t *ev = &out->items[i];
        if (!ev->is_pr || !strcmp(ev->kind, "comment"))
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = out->items[k].number == ev->number &&
                   strcmp(out->items[k].kind, "comment") != 0;
        if (seen)
            continue;
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)ev->number);
        json_t *files = json_object_get(d->files, key);
        int64_t add = 0, del = 0;
        size_t f;
        json_t *file;
        json_array_foreach(files, f, file)
        {
            add += dp_json_int(file, "additions", 0);
            del += dp_json_int(file, "deletions", 0);
        }
        for (size_t k = 0; files && k < n; k++) {
            dp_event_t *e = &out->items[k];
            if (e->number != ev->number)
                continue;
            json_array_foreach(files, f, file)
                dp_strs_push(&e->files, dp_json_str(file, "filename"));
            e->additions = add;
            e->deletions = del;
        }
        dp_msg_t src = {.type = DP_MSG_EVENT}, copy;
        src.u.event = *ev;
        dp_msg_copy(&copy, &src);
        json_t *r;
        json_array_foreach(json_object_get(d->reviews, key), f, r)
        {
            int64_t at = 0;
            if (dp_time_parse(dp_json_str(r, "submitted_at"), &at, NULL) < 0 ||
                at < from || at >= to)
                continue;
            char id[64];
            snprintf(id, sizeof id, "review:%lld",
                     (long long)dp_json_int(r, "id", 0));
            dp_event_t rev = copy.u.event; /* shallow, as the collector */
            rev.id = id;
            rev.kind = "review";
            rev.at = at;
            rev.actor = (char *)dp_json_str(r, "user.login");
            rev.actor_type = (char *)dp_json_str(r, "user.type");
            rev.actor_assoc = (char *)dp_json_str(r, "author_association");
            rev.review_state = (char *)dp_json_str(r, "state");
            rev.text = NULL;
            gh_events_push(out, &rev);
        }
        dp_msg_clear(&copy);
    }
}

/* The classified events of [from, to). The caller frees them. */
static dp_classified_t *s_classified(const s_data_t *d, const rules_t *rules,
                                     int64_t from, int64_t to, size_t *n)
{
    gh_events_t evs = {0};
    size_t i;
    json_t *it;
    json_array_foreach(d->issues, i, it)
    {
        char err[ERRLEN] = "";
        bool detail = false;
        if (gh_item_events(it, REPO, from, to, MAX_TEXT, &evs, &detail, err,
                           sizeof err) < 0)
            fail_msg("%s", err);
        assert_false(detail); /* the listings tell merges */
    }
    s_comments(d, from, to, &evs);
    s_pr_details(d, from, to, &evs);
    dp_classified_t *out = dp_calloc(evs.count + 1, sizeof *out);
    for (size_t k = 0; k < evs.count; k++) {
        evs.items[k].win_from = from;
        evs.items[k].win_to = to;
        evs.items[k].revision = 1;
        classifier_classify(rules, &evs.items[k], &out[k]);
    }
    *n = evs.count;
    gh_events_clear(&evs);
    return out;
}

static void s_classified_free(dp_classified_t *evs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dp_msg_t m = {.type = DP_MSG_CLASSIFIED};
        m.u.classified = evs[i];
        dp_msg_clear(&m);
    }
    dp_free(evs);
}

/* ==== Reports ==== */

typedef struct {
    json_t *doc; /* the shipped rules */
    rules_t *rules;
    json_t *topics; /* resolved for REPO */
} s_rules_t;

static int s_setup(void **state)
{
    char err[ERRLEN] = "";
    s_rules_t *r = dp_calloc(1, sizeof *r);
    r->doc = dp_yaml_load_file(RULES_FILE, err, sizeof err);
    if (!r->doc)
        fail_msg("%s", err);
    r->rules = rules_new(r->doc, err, sizeof err);
    if (!r->rules)
        fail_msg("%s", err);
    r->topics = dp_topics_resolve(r->doc, REPO, err, sizeof err);
    assert_non_null(r->topics);
    *state = r;
    return 0;
}

static int s_teardown(void **state)
{
    s_rules_t *r = *state;
    rules_destroy(&r->rules);
    json_decref(r->topics);
    json_decref(r->doc);
    dp_free(r);
    return 0;
}

/* xorshift64*: shuffles that are the same on every run. */
static void s_shuffle(dp_classified_t *ev, size_t n, uint64_t seed)
{
    for (size_t i = n; i > 1; i--) {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        size_t j = (size_t)((seed * 0x2545f4914f6cdd1dULL) % i);
        dp_classified_t tmp = ev[i - 1];
        ev[i - 1] = ev[j];
        ev[j] = tmp;
    }
}

/* The digest of one window; previous as the summarizer passes it. */
static json_t *s_digest(const s_rules_t *r, const s_data_t *d, int64_t from,
                        int64_t to, const char *lang, const json_t *previous,
                        uint64_t shuffle)
{
    size_t n = 0;
    dp_classified_t *evs = s_classified(d, r->rules, from, to, &n);
    if (shuffle)
        s_shuffle(evs, n, shuffle);
    dp_window_t w = {0};
    w.repo = REPO;
    w.win_from = from;
    w.win_to = to;
    w.revision = 1;
    w.tz = "+08:00";
    w.lang = (char *)lang;
    w.name = "vLLM";
    w.events = (int64_t)n;
    w.rl_remaining = -1;
    w.rl_limit = -1;
    w.complete_until = to;
    digest_opts_t opts = {.topics = r->topics, .previous = previous};
    json_t *digest = digest_build_with(&w, evs, n, &opts);
    s_classified_free(evs, n);
    return digest;
}

/* The counts of the windows before [from, to), as the collector's issues
 * listing gives them (every item of the dataset is listed: each one was
 * updated after it was opened or closed). The caller frees the text. */
static char *s_history(const s_data_t *d, int64_t from, int64_t to)
{
    gh_history_t h = {0};
    gh_history_init(&h, from, to, gh_history_windows(to - from, -1));
    size_t i;
    json_t *it;
    json_array_foreach(d->issues, i, it)
    {
        dp_event_t snap;
        char err[ERRLEN];
        assert_int_equal(
            gh_item_snapshot(it, REPO, MAX_TEXT, &snap, err, sizeof err), 0);
        if (snap.updated_at >= gh_history_since(&h))
            gh_history_count(&h, it, &snap);
        dp_msg_t m = {.type = DP_MSG_EVENT, .u.event = snap};
        dp_msg_clear(&m);
    }
    char *text = gh_history_json(&h);
    gh_history_clear(&h);
    return text;
}

/* The report of a case in a language, without its health footer. */
static char *s_report(const s_rules_t *r, const s_case_t *c, const char *lang,
                      uint64_t shuffle)
{
    s_data_t d = s_data(c->data);
    json_t *previous = json_array();
    int64_t len = s_at(c->to) - s_at(c->from);
    for (size_t i = 0; i < HISTORY_MAX && c->before[i]; i++) {
        int64_t from = s_at(c->before[i]);
        json_t *earlier = s_digest(r, &d, from, from + len, lang, previous, 0);
        /* The summary travels through Redis as JSON text. */
        json_t *sum = digest_summary(earlier);
        char *text = json_dumps(sum, JSON_SORT_KEYS | JSON_COMPACT);
        json_decref(sum);
        json_decref(earlier);
        json_array_insert_new(previous, 0, json_loads(text, 0, NULL));
        free(text);
    }
    json_t *digest =
        s_digest(r, &d, s_at(c->from), s_at(c->to), lang, previous, shuffle);
    json_decref(previous);
    char *history = s_history(&d, s_at(c->from), s_at(c->to));
    trend_attach(digest, history);
    free(history);
    s_data_free(&d);
    writer_extractive(digest);
    dp_buf_t md = DP_BUF_INIT;
    char err[ERRLEN] = "";
    if (renderer_markdown(digest, &md, err, sizeof err) < 0)
        fail_msg("%s: %s", c->name, err);
    json_decref(digest);
    assert_non_null(md.data);
    char *footer = strstr(md.data, "\n### 🩺");
    if (footer)
        footer[1] = '\0';
    char *out = dp_strdup(md.data);
    dp_buf_free(&md);
    return out;
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    dp_buf_t b = DP_BUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        dp_buf_append(&b, chunk, got);
    fclose(f);
    return b.data ? dp_buf_take(&b) : dp_strdup("");
}

/* Reports the first line where two texts differ. */
static void s_first_difference(const char *name, const char *want,
                               const char *got)
{
    int line = 1;
    const char *a = want, *b = got;
    while (*a && *a == *b) {
        line += *a == '\n';
        a++;
        b++;
    }
    const char *la = a, *lb = b;
    while (la > want && la[-1] != '\n')
        la--;
    while (lb > got && lb[-1] != '\n')
        lb--;
    fail_msg("%s differs at line %d (DP_UPDATE_GOLDEN=1 rewrites it):\n"
             "want: %.160s\ngot:  %.160s",
             name, line, la, lb);
}

static void s_golden(void **state, const s_case_t *c, const char *lang)
{
    const s_rules_t *r = *state;
    char *got = s_report(r, c, lang, 0);
    char *path = dp_asprintf(GOLDEN_DIR "/%s.%s.md", c->name, lang);
    const char *update = getenv("DP_UPDATE_GOLDEN");
    if (update && !strcmp(update, "1")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fputs(got, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        printf("updated %s\n", path);
    }
    char *want = s_read_file(path);
    if (!want) {
        fail_msg("%s is missing (DP_UPDATE_GOLDEN=1 writes it)", path);
        return;
    }
    if (strcmp(want, got) != 0)
        s_first_difference(path, want, got);
    dp_free(want);
    dp_free(path);
    dp_free(got);
}

static void test_golden_vllm_hour_zh(void **state)
{
    s_golden(state, &s_cases[0], "zh");
}

static void test_golden_vllm_hour_en(void **state)
{
    s_golden(state, &s_cases[0], "en");
}

static void test_golden_busy_zh(void **state)
{
    s_golden(state, &s_cases[1], "zh");
}

static void test_golden_busy_en(void **state)
{
    s_golden(state, &s_cases[1], "en");
}

/* ==== What the goldens must say ==== */

/* The lines of text between the heading starting with `from` and the next
 * heading. */
static char *s_section(const char *text, const char *from)
{
    const char *start = strstr(text, from);
    assert_non_null(start);
    start = strchr(start, '\n');
    assert_non_null(start);
    start++;
    const char *end = strstr(start, "\n### ");
    return dp_strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static void test_busy_amd_section_has_the_six_with_reasons(void **state)
{
    const s_rules_t *r = *state;
    char *md = s_report(r, &s_cases[1], "zh", 0);
    char *amd = s_section(md, "### 🎯 AMD/ROCm");
    static const struct {
        const char *number, *reason;
    } want[] = {
        {"[#31180]", "label `rocm`"},
        {"[#31180]", "body matches `gfx942`"},
        {"[#31195]", "label `rocm`"},
        {"[#31230]", "title matches `MI300X`"},
        {"[#30640]", "title matches `ROCm`"},
        {"[#31260]", "path `vllm/platforms/rocm.py`"},
        {"[#30655]", "path `csrc/rocm/skinny_gemms.cu`"},
    };
    for (size_t i = 0; i < COUNT(want); i++) {
        const char *line = strstr(amd, want[i].number);
        if (!line) {
            fail_msg("%s missing from the AMD section:\n%s", want[i].number,
                     amd);
            return;
        }
        const char *eol = strchr(line, '\n');
        char *one = dp_strndup(line, eol ? (size_t)(eol - line) : strlen(line));
        if (!strstr(one, want[i].reason))
            fail_msg("%s without \"%s\": %s", want[i].number, want[i].reason,
                     one);
        dp_free(one);
    }
    size_t items = 0;
    for (const char *p = amd; (p = strstr(p, "\n- ")) != NULL; p++)
        items++;
    assert_int_equal(items, 6);
    dp_free(amd);
    /* No bot among the contributors. */
    char *activity = s_section(md, "### 📈");
    static const char *const bots[] = {"dependabot", "vllm-release-bot",
                                       "github-actions", "chatgpt-codex"};
    for (size_t i = 0; i < COUNT(bots); i++)
        if (strstr(activity, bots[i]))
            fail_msg("bot %s among contributors:\n%s", bots[i], activity);
    dp_free(activity);
    dp_free(md);
}

static void test_vllm_hour_has_no_amd_item_and_says_so(void **state)
{
    const s_rules_t *r = *state;
    char *md = s_report(r, &s_cases[0], "zh", 0);
    char *amd = s_section(md, "### 🎯 AMD/ROCm");
    assert_non_null(strstr(amd, "**本周期无 AMD 相关更新**。"));
    dp_free(amd);
    dp_free(md);
}

/* The same data in any order gives the same bytes. */
static void test_reports_are_byte_identical_in_any_event_order(void **state)
{
    const s_rules_t *r = *state;
    for (size_t c = 0; c < COUNT(s_cases); c++) {
        char *want = s_report(r, &s_cases[c], "zh", 0);
        static const uint64_t seeds[] = {0x9e3779b97f4a7c15ULL,
                                         0x243f6a8885a308d3ULL, 7};
        for (size_t k = 0; k < COUNT(seeds); k++) {
            char *got = s_report(r, &s_cases[c], "zh", seeds[k]);
            if (strcmp(want, got) != 0)
                s_first_difference(s_cases[c].name, want, got);
            dp_free(got);
        }
        dp_free(want);
    }
}

/* The renderer takes every section through dp_text_md_block; what the
 * extractive writer writes, over the golden datasets and the hostile one,
 * must come out of it byte for byte. */
static void s_sections_unchanged(const char *where, const json_t *sections)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)sections, key, value)
    {
        if (json_is_object(value)) {
            s_sections_unchanged(where, value);
            continue;
        }
        const char *text = json_string_value(value);
        assert_non_null(text);
        dp_buf_t safe = DP_BUF_INIT;
        dp_text_md_block(&safe, text);
        if (strcmp(safe.data, text) != 0)
            s_first_difference(where, text, safe.data);
        dp_buf_free(&safe);
    }
}

static void test_writer_sections_pass_the_renderer_unchanged(void **state)
{
    const s_rules_t *r = *state;
    static const s_case_t hostile = {"hostile",
                                     "tests/data/hostile",
                                     "2025-12-10T10:00:00Z",
                                     "2025-12-10T11:00:00Z",
                                     {NULL}};
    const s_case_t *cases[] = {&s_cases[0], &s_cases[1], &hostile};
    static const char *const langs[] = {"zh", "en"};
    for (size_t c = 0; c < COUNT(cases); c++) {
        s_data_t d = s_data_of(cases[c]->data,
                               cases[c] == &hostile ? "acme/hostile" : REPO);
        for (size_t l = 0; l < COUNT(langs); l++) {
            json_t *digest = s_digest(r, &d, s_at(cases[c]->from),
                                      s_at(cases[c]->to), langs[l], NULL, 0);
            writer_extractive(digest);
            const json_t *sections = json_object_get(digest, "sections");
            assert_true(json_object_size(sections) >= 7);
            s_sections_unchanged(cases[c]->name, sections);
            json_decref(digest);
        }
        s_data_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_vllm_hour_zh),
        cmocka_unit_test(test_golden_vllm_hour_en),
        cmocka_unit_test(test_golden_busy_zh),
        cmocka_unit_test(test_golden_busy_en),
        cmocka_unit_test(test_busy_amd_section_has_the_six_with_reasons),
        cmocka_unit_test(test_vllm_hour_has_no_amd_item_and_says_so),
        cmocka_unit_test(test_reports_are_byte_identical_in_any_event_order),
        cmocka_unit_test(test_writer_sections_pass_the_renderer_unchanged),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
