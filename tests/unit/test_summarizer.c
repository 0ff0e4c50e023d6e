/* test_summarizer.c - unit tests for the digest and the extractive writer */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_time.h"
#include "writer.h"

/* A string list over string literals, alive in the enclosing block; these
 * events are never cleared. */
#define LIST(...)                                                              \
    ((dp_strs_t){(char *[]){__VA_ARGS__},                                      \
                 sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)})
#define NONE ((dp_strs_t){0})
/* Marks an event as one of a topic's, for one reason. */
#define TOPIC(ev, topic, reason)                                               \
    ((ev).topics = LIST(topic), (ev).reasons = LIST(reason))
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define REPO "vllm-project/vllm"

/* Labels of the snapshots, static because the snapshots outlive the
 * functions that build them. */
#define STRS(arr) ((dp_strs_t){(arr), COUNT(arr)})
static char *s_label_bug[] = {"bug"};
static char *s_label_v1[] = {"v1"};
static char *s_label_ready[] = {"ready"};

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(dp_time_parse(iso, &t, NULL), 0);
    return t;
}

/* ==== The window of the example report ==== */

/* 2025-12-10 18:29 ~ 19:29 (UTC+8), with n events. */
static dp_window_t s_window(const char *lang, size_t n)
{
    dp_window_t w = {0};
    w.repo = REPO;
    w.win_from = s_at("2025-12-10T10:29:00Z");
    w.win_to = s_at("2025-12-10T11:29:00Z");
    w.revision = 1;
    w.tz = "+08:00";
    w.lang = (char *)lang;
    w.name = "vLLM";
    w.events = (int64_t)n;
    w.requests = 3;
    w.rl_remaining = 4990;
    w.rl_limit = 5000;
    w.complete_until = w.win_to;
    return w;
}

/* Item snapshots as the collector saw them at the end of the window. */
static dp_classified_t s_issue_30382(void)
{
    dp_classified_t c = {0};
    c.repo = REPO;
    c.number = 30382;
    c.is_pr = false;
    c.title = "[Bug]: Issues with mistralai/Ministral-3-14B-Instruct-2512";
    c.body = "Generation quality is poor with the default parameters.";
    c.url = "https://github.com/vllm-project/vllm/issues/30382";
    c.author = "eltorre";
    c.author_type = "User";
    c.author_assoc = "NONE";
    c.labels = STRS(s_label_bug);
    c.state = "closed";
    c.created_at = s_at("2025-12-10T02:05:00Z");
    c.updated_at = s_at("2025-12-10T10:47:40Z");
    c.closed_at = s_at("2025-12-10T10:47:40Z");
    c.comments = 5;
    c.category = "bugfix";
    c.hotness = 5;
    return c;
}

static dp_classified_t s_pr_30385(void)
{
    dp_classified_t c = {0};
    c.repo = REPO;
    c.number = 30385;
    c.is_pr = true;
    c.title = "[Core] Whisper support `torch.compile`";
    c.body = "Compile the decoder steps after the first one.";
    c.url = "https://github.com/vllm-project/vllm/pull/30385";
    c.author = "NickLucche";
    c.author_type = "User";
    c.author_assoc = "MEMBER";
    c.labels = STRS(s_label_v1);
    c.state = "open";
    c.created_at = s_at("2025-12-10T11:11:02Z");
    c.updated_at = s_at("2025-12-10T11:12:00Z");
    c.comments = 1;
    c.additions = 120;
    c.deletions = 14;
    c.category = "core";
    c.hotness = 1;
    return c;
}

static dp_classified_t s_pr_30384(void)
{
    dp_classified_t c = {0};
    c.repo = REPO;
    c.number = 30384;
    c.is_pr = true;
    c.title = "[BugFix] Fix minimax m2 model rotary_dim";
    c.url = "https://github.com/vllm-project/vllm/pull/30384";
    c.author = "rogeryoungh";
    c.author_type = "User";
    c.author_assoc = "CONTRIBUTOR";
    c.labels = STRS(s_label_ready);
    c.state = "open";
    c.created_at = s_at("2025-12-10T10:37:45Z");
    c.updated_at = s_at("2025-12-10T10:37:45Z");
    c.category = "bugfix";
    return c;
}

static dp_classified_t s_pr_30349(void)
{
    dp_classified_t c = {0};
    c.repo = REPO;
    c.number = 30349;
    c.is_pr = true;
    c.title = "[BugFix] Fix minimax m2 model rope_parameters";
    c.url = "https://github.com/vllm-project/vllm/pull/30349";
    c.author = "esmeetu";
    c.author_type = "User";
    c.author_assoc = "CONTRIBUTOR";
    c.labels = NONE;
    c.state = "closed";
    c.created_at = s_at("2025-12-09T16:20:00Z");
    c.updated_at = s_at("2025-12-10T10:47:05Z");
    c.closed_at = s_at("2025-12-10T10:47:05Z");
    c.category = "bugfix";
    return c;
}

/* What happened to an item: the snapshot plus kind, id and instant. */
static dp_classified_t s_happened(dp_classified_t item, const char *kind,
                                  const char *id, const char *at)
{
    item.kind = (char *)kind;
    item.id = (char *)id;
    item.at = s_at(at);
    return item;
}

static dp_classified_t s_comment(dp_classified_t item, const char *id,
                                 const char *at, const char *actor,
                                 const char *assoc, const char *text)
{
    item = s_happened(item, "comment", id, at);
    item.actor = (char *)actor;
    item.actor_type = dp_is_bot(actor, NULL) ? "Bot" : "User";
    item.actor_assoc = (char *)assoc;
    item.text = (char *)text;
    item.bot = dp_is_bot(actor, item.actor_type);
    if (item.bot)
        item.hotness = 0;
    return item;
}

/* The eight events of the example window, in collection order. */
#define EXAMPLE_EVENTS 8
static void s_example(dp_classified_t *ev)
{
    ev[0] = s_happened(s_issue_30382(), "issue_closed",
                       "issue:30382:closed:1765363660", "2025-12-10T10:47:40Z");
    ev[1] = s_happened(s_pr_30385(), "pr_opened", "pr:30385:opened:1765365062",
                       "2025-12-10T11:11:02Z");
    ev[2] = s_happened(s_pr_30384(), "pr_opened", "pr:30384:opened:1765363065",
                       "2025-12-10T10:37:45Z");
    ev[3] = s_happened(s_pr_30349(), "pr_closed", "pr:30349:closed:1765363625",
                       "2025-12-10T10:47:05Z");
    /* vitush93 answers first, then the author, then vitush93 again. */
    ev[4] = s_comment(s_issue_30382(), "comment:3637000001",
                      "2025-12-10T10:31:10Z", "vitush93", "CONTRIBUTOR",
                      "The model's generation_config is the problem: use "
                      "top_p 0.95 and temperature 0.1.");
    ev[5] = s_comment(s_issue_30382(), "comment:3637000002",
                      "2025-12-10T10:40:00Z", "eltorre", "NONE",
                      "The model card only says temperature below 0.1.");
    ev[6] = s_comment(s_issue_30382(), "comment:3637000003",
                      "2025-12-10T10:45:30Z", "vitush93", "CONTRIBUTOR",
                      "Override it with --override-generation-config.");
    ev[7] = s_comment(s_pr_30385(), "comment:3637000004",
                      "2025-12-10T11:12:00Z", "chatgpt-codex-connector[bot]",
                      "NONE", "You have reached your Codex usage limits.");
}

/* The "topics" mapping of a rules file with one AMD topic. */
static json_t *s_topics_doc(void)
{
    return json_pack("{s:{s:s, s:s, s:[s]}}", "amd", "title", "AMD/ROCm",
                     "short", "AMD", "any", "label=rocm");
}

static json_t *s_build(const char *lang, const dp_classified_t *ev, size_t n,
                       const json_t *previous)
{
    dp_window_t w = s_window(lang, n);
    json_t *topics = s_topics_doc();
    json_t *d = digest_build(&w, ev, n, topics, previous);
    json_decref(topics);
    assert_non_null(d);
    return d;
}

static json_t *s_example_digest(const char *lang)
{
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    return s_build(lang, ev, EXAMPLE_EVENTS, NULL);
}

/* Numbers of a digest list, as "30385 30384". */
static char *s_numbers(const json_t *d, const char *list)
{
    json_t *arr = dp_json_get(d, list);
    assert_true(json_is_array(arr));
    dp_buf_t b = DP_BUF_INIT;
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        /* Items, or bare numbers as the summaries keep them. */
        dp_buf_printf(&b, "%s%lld", i ? " " : "",
                      json_is_integer(it)
                          ? (long long)json_integer_value(it)
                          : (long long)dp_json_int(it, "number", -1));
    }
    return dp_buf_take(&b);
}

static void s_list_is(const json_t *d, const char *list, const char *want)
{
    char *got = s_numbers(d, list);
    if (strcmp(got, want) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: [%s], want [%s]", list, got, want);
        dp_free(got);
        fail_msg("%s", msg);
    }
    dp_free(got);
}

static void s_counts_are(const json_t *d, int new_issues, int closed_issues,
                         int new_prs, int merged_prs, int closed_prs)
{
    json_t *want =
        json_pack("{s:i, s:i, s:i, s:i, s:i}", "new_issues", new_issues,
                  "closed_issues", closed_issues, "new_prs", new_prs,
                  "merged_prs", merged_prs, "closed_prs", closed_prs);
    json_t *got = json_object_get(d, "counts");
    if (!json_equal(got, want)) {
        char *text = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        char msg[256];
        snprintf(msg, sizeof msg, "counts %s", text ? text : "(none)");
        free(text);
        json_decref(want);
        fail_msg("%s", msg);
    }
    json_decref(want);
}

/* The canonical text of a document, for byte comparisons. */
static char *s_dump(const json_t *d)
{
    char *text = json_dumps(d, JSON_SORT_KEYS);
    assert_non_null(text);
    return text;
}

/* Finds the first place where two documents differ: writes its path and
 * both values into out ("facts.people.0.comments: 2 vs 4") and returns
 * true, or returns false when they are equal. */
static bool s_first_diff(const json_t *a, const json_t *b, const char *path,
                         char *out, size_t size)
{
    if (json_equal(a, b))
        return false;
    if (json_is_object(a) && json_is_object(b)) {
        const json_t *objs[2] = {a, b};
        for (int side = 0; side < 2; side++) {
            const char *key;
            json_t *v;
            json_object_foreach((json_t *)objs[side], key, v)
            {
                char sub[256];
                snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "",
                         key);
                if (s_first_diff(json_object_get(a, key),
                                 json_object_get(b, key), sub, out, size))
                    return true;
            }
        }
    }
    if (json_is_array(a) && json_is_array(b) &&
        json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%s%s%zu", path, *path ? "." : "", i);
            if (s_first_diff(json_array_get(a, i), json_array_get(b, i), sub,
                             out, size))
                return true;
        }
    }
    char *ta = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    char *tb = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    snprintf(out, size, "%s: %.80s vs %.80s", path, ta ? ta : "(absent)",
             tb ? tb : "(absent)");
    free(ta);
    free(tb);
    return true;
}

/* xorshift64*, seeded: shuffles are the same on every run. */
static uint64_t s_rng = 0x9e3779b97f4a7c15ULL;

static void s_shuffle(dp_classified_t *ev, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        s_rng ^= s_rng >> 12;
        s_rng ^= s_rng << 25;
        s_rng ^= s_rng >> 27;
        size_t j = (size_t)((s_rng * 0x2545f4914f6cdd1dULL) % i);
        dp_classified_t tmp = ev[i - 1];
        ev[i - 1] = ev[j];
        ev[j] = tmp;
    }
}

/* ==== digest_build: counts, lists, hot threads, people, topics ==== */

static void test_digest_counts_match_the_example_report(void **state)
{
    (void)state;
    json_t *d = s_example_digest("zh");
    s_counts_are(d, 0, 1, 2, 0, 1);
    assert_int_equal(dp_json_int(d, "schema", 0), 1);
    assert_string_equal(dp_json_str(d, "repo"), REPO);
    assert_string_equal(dp_json_str(d, "name"), "vLLM");
    assert_string_equal(dp_json_str(d, "lang"), "zh");
    assert_int_equal(dp_json_int(d, "from", 0), 1765362540);
    assert_int_equal(dp_json_int(d, "to", 0), 1765366140);
    assert_int_equal(dp_json_int(d, "revision", 0), 1);
    assert_int_equal(dp_json_int(d, "tz_offset", 0), 28800);
    assert_string_equal(dp_json_str(d, "tz_label"), "UTC+8");
    assert_int_equal(dp_json_int(d, "health.events", 0), EXAMPLE_EVENTS);
    assert_int_equal(dp_json_int(d, "health.requests", 0), 3);
    assert_int_equal(dp_json_int(d, "health.rl_remaining", 0), 4990);
    assert_string_equal(dp_json_str(d, "health.writer"), "extractive");
    json_decref(d);
}

static void test_digest_lists_are_newest_first(void **state)
{
    (void)state;
    json_t *d = s_example_digest("zh");
    s_list_is(d, "lists.new_issues", "");
    s_list_is(d, "lists.closed_issues", "30382");
    s_list_is(d, "lists.new_prs", "30385 30384");
    s_list_is(d, "lists.merged_prs", "");
    s_list_is(d, "lists.closed_prs", "30349");

    /* An item as the appendix shows it. */
    json_t *closed = dp_json_get(d, "lists.closed_issues.0");
    assert_false(dp_json_bool(closed, "pr", true));
    assert_string_equal(dp_json_str(closed, "title"),
                        "[Bug]: Issues with "
                        "mistralai/Ministral-3-14B-Instruct-2512");
    assert_string_equal(dp_json_str(closed, "url"),
                        "https://github.com/vllm-project/vllm/issues/30382");
    assert_string_equal(dp_json_str(closed, "author"), "eltorre");
    assert_string_equal(dp_json_str(closed, "labels.0"), "bug");
    assert_int_equal(json_array_size(dp_json_get(closed, "labels")), 1);
    assert_int_equal(dp_json_int(closed, "at", 0),
                     s_at("2025-12-10T10:47:40Z"));
    assert_string_equal(dp_json_str(closed, "category"), "bugfix");
    assert_false(dp_json_bool(closed, "bot", true));

    json_t *newest = dp_json_get(d, "lists.new_prs.0");
    assert_true(dp_json_bool(newest, "pr", false));
    assert_string_equal(dp_json_str(newest, "author"), "NickLucche");
    assert_string_equal(dp_json_str(newest, "labels.0"), "v1");
    assert_int_equal(dp_json_int(newest, "at", 0),
                     s_at("2025-12-10T11:11:02Z"));
    json_t *dropped = dp_json_get(d, "lists.closed_prs.0");
    assert_int_equal(json_array_size(dp_json_get(dropped, "labels")), 0);
    assert_int_equal(dp_json_int(dropped, "at", 0),
                     s_at("2025-12-10T10:47:05Z"));
    json_decref(d);
}

static void test_digest_lists_break_ties_by_higher_number(void **state)
{
    (void)state;
    dp_classified_t a = s_pr_30384(), b = s_pr_30384(), c = s_pr_30384();
    a.number = 100;
    b.number = 102;
    c.number = 101;
    dp_classified_t ev[] = {
        s_happened(a, "pr_opened", "pr:100:opened", "2025-12-10T11:00:00Z"),
        s_happened(b, "pr_opened", "pr:102:opened", "2025-12-10T10:30:00Z"),
        s_happened(c, "pr_opened", "pr:101:opened", "2025-12-10T11:00:00Z"),
    };
    json_t *d = s_build("zh", ev, COUNT(ev), NULL);
    s_list_is(d, "lists.new_prs", "101 100 102");
    json_decref(d);
}

/* The sink of a capped digest in a test: every item, in order. */
/* A sink that keeps the items it gets; each is compact JSON with sorted
 * keys, byte for byte what the tree it parses to dumps to. */
static void s_collect(void *arg, const char *json, size_t len)
{
    assert_int_equal(strlen(json), len);
    json_t *item = dp_json_parse(json, len, NULL, 0);
    assert_non_null(item);
    char *again = dp_json_dumps(item, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(again, json);
    free(again);
    json_array_append_new((json_t *)arg, item);
}

/* The list a section of capped.sections names in a digest. */
static json_t *s_section_list(json_t *d, const char *section)
{
    if (!strncmp(section, "topics.", 7))
        return json_object_get(
            json_array_get(json_object_get(d, "topics"),
                           (size_t)strtol(section + 7, NULL, 10)),
            "items");
    return dp_json_get(d, section);
}

static void test_digest_cap_keeps_the_first_and_sinks_every_item(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    /* Three items of the AMD topic, so that its list is cut too. */
    TOPIC(ev[0], "amd", "title matches `ROCm`");
    TOPIC(ev[1], "amd", "label `rocm`");
    TOPIC(ev[3], "amd", "path `csrc/rocm/attention.cu`");
    dp_window_t w = s_window("en", EXAMPLE_EVENTS);
    json_t *topics = s_topics_doc();
    json_t *sunk = json_array();
    digest_opts_t whole = {.topics = topics};
    digest_opts_t capped = {
        .topics = topics, .list_cap = 1, .sink = s_collect, .sink_arg = sunk};
    json_t *full = digest_build_with(&w, ev, EXAMPLE_EVENTS, &whole);
    json_t *cut = digest_build_with(&w, ev, EXAMPLE_EVENTS, &capped);
    assert_null(json_object_get(full, "capped"));
    json_t *sections = dp_json_get(cut, "capped.sections");
    assert_int_equal(dp_json_int(cut, "capped.cap", 0), 1);
    /* Two new PRs, two people and three AMD items: those lists are cut. */
    assert_non_null(json_object_get(sections, "lists.new_prs"));
    assert_non_null(json_object_get(sections, "facts.people"));
    assert_non_null(json_object_get(sections, "topics.0"));
    size_t lines = 0;
    const char *name;
    json_t *c;
    json_object_foreach(sections, name, c)
    {
        json_t *all = s_section_list(full, name);
        json_t *kept = s_section_list(cut, name);
        size_t at = (size_t)dp_json_int(c, "at", -1);
        size_t total = (size_t)dp_json_int(c, "total", -1);
        assert_int_equal(at, lines);
        assert_int_equal(total, json_array_size(all));
        assert_true(total > 1);
        assert_int_equal(json_array_size(kept), 1);
        assert_true(
            json_equal(json_array_get(kept, 0), json_array_get(all, 0)));
        for (size_t i = 0; i < total; i++)
            assert_true(json_equal(json_array_get(sunk, at + i),
                                   json_array_get(all, i)));
        lines += total;
    }
    assert_int_equal(json_array_size(sunk), lines);
    /* The figures stay exact, and a list within the cap is whole. */
    assert_true(json_equal(json_object_get(cut, "counts"),
                           json_object_get(full, "counts")));
    assert_true(json_equal(dp_json_get(cut, "facts.topic_counts"),
                           dp_json_get(full, "facts.topic_counts")));
    assert_true(json_equal(dp_json_get(cut, "facts.roles"),
                           dp_json_get(full, "facts.roles")));
    assert_int_equal(dp_json_int(cut, "facts.people_total", 0),
                     json_array_size(dp_json_get(full, "facts.people")));
    assert_true(json_equal(dp_json_get(cut, "lists.new_issues"),
                           dp_json_get(full, "lists.new_issues")));
    /* The writer counts the cut lists in full: the summary is the same. */
    writer_extractive(full);
    writer_extractive(cut);
    assert_string_equal(
        dp_json_str(json_object_get(cut, "sections"), "summary"),
        dp_json_str(json_object_get(full, "sections"), "summary"));
    json_decref(full);
    json_decref(cut);
    json_decref(sunk);
    json_decref(topics);
}

static void test_digest_counts_duplicate_deliveries_once(void **state)
{
    (void)state;
    /* Delivery is at least once: every event arrives twice, and a comment
     * a third time. */
    dp_classified_t ev[2 * EXAMPLE_EVENTS + 1];
    s_example(ev);
    s_example(ev + EXAMPLE_EVENTS);
    ev[2 * EXAMPLE_EVENTS] = ev[4];
    s_shuffle(ev, COUNT(ev));
    json_t *d = s_build("zh", ev, COUNT(ev), NULL);
    s_counts_are(d, 0, 1, 2, 0, 1);
    s_list_is(d, "lists.new_prs", "30385 30384");
    int64_t hot_comments = dp_json_int(d, "facts.hot.0.comments", 0);
    /* People count each comment and each PR once too. */
    int64_t vitush_comments = -1, nick_prs = -1;
    size_t i;
    json_t *p;
    json_array_foreach(dp_json_get(d, "facts.people"), i, p)
    {
        if (!strcmp(dp_json_str(p, "login"), "vitush93"))
            vitush_comments = dp_json_int(p, "comments", 0);
        if (!strcmp(dp_json_str(p, "login"), "NickLucche"))
            nick_prs = dp_json_int(p, "prs", 0);
    }
    json_decref(d);
    assert_int_equal(hot_comments, 3);
    assert_int_equal(vitush_comments, 2);
    assert_int_equal(nick_prs, 1);
}

static void test_digest_with_duplicates_equals_digest_without(void **state)
{
    (void)state;
    dp_classified_t ev[2 * EXAMPLE_EVENTS];
    s_example(ev);
    s_example(ev + EXAMPLE_EVENTS);
    json_t *once = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    json_t *twice = s_build("zh", ev, COUNT(ev), NULL);
    /* health.events is the window's own figure; the rest is facts. */
    json_object_del(json_object_get(once, "health"), "events");
    json_object_del(json_object_get(twice, "health"), "events");
    char where[256] = "";
    bool differ = s_first_diff(once, twice, "", where, sizeof where);
    char *a = s_dump(once), *b = s_dump(twice);
    bool same_bytes = strcmp(a, b) == 0;
    free(a);
    free(b);
    json_decref(once);
    json_decref(twice);
    if (differ)
        fail_msg("duplicates changed the digest at %s", where);
    assert_true(same_bytes);
}

/* A release event as the collector makes it (proto/README.md); its tag
 * is *tag, the caller's. */
static dp_classified_t s_release(const char *id, char **tag, const char *at,
                                 bool pre)
{
    dp_classified_t e = {0};
    e.id = (char *)id;
    e.kind = "release";
    e.at = e.updated_at = e.created_at = s_at(at);
    e.title = "Name <b>";
    e.labels = (dp_strs_t){tag, 1};
    e.state = pre ? "prerelease" : "release";
    e.author = e.actor = "alice";
    e.url = "https://github.com/vllm-project/vllm/releases/tag/x";
    return e;
}

static void test_digest_lists_releases_apart_once_each(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS + 3];
    char *rc1 = "v1.0rc1", *v1 = "v1.0";
    s_example(ev);
    ev[EXAMPLE_EVENTS] =
        s_release("release:1", &rc1, "2025-12-10T10:40:00Z", true);
    ev[EXAMPLE_EVENTS + 1] =
        s_release("release:2", &v1, "2025-12-10T11:00:00Z", false);
    ev[EXAMPLE_EVENTS + 2] = ev[EXAMPLE_EVENTS]; /* delivered twice */
    json_t *without = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    json_t *with = s_build("zh", ev, COUNT(ev), NULL);
    assert_int_equal(dp_json_int(with, "counts.releases", -1), 2);
    const json_t *rel = dp_json_get(with, "lists.releases");
    assert_int_equal(json_array_size(rel), 2);
    assert_string_equal(dp_json_str(json_array_get(rel, 0), "tag"), "v1.0");
    assert_false(dp_json_bool(json_array_get(rel, 0), "prerelease", true));
    assert_string_equal(dp_json_str(json_array_get(rel, 1), "tag"), "v1.0rc1");
    assert_true(dp_json_bool(json_array_get(rel, 1), "prerelease", false));
    assert_string_equal(dp_json_str(json_array_get(rel, 1), "name"),
                        "Name <b>");
    assert_int_equal(dp_json_int(json_array_get(rel, 1), "at", 0),
                     s_at("2025-12-10T10:40:00Z"));
    /* Nothing else changes; without releases, no member at all. */
    assert_null(dp_json_get(without, "lists.releases"));
    assert_null(dp_json_get(without, "counts.releases"));
    json_object_del(json_object_get(with, "lists"), "releases");
    json_object_del(json_object_get(with, "counts"), "releases");
    json_object_del(json_object_get(with, "health"), "events");
    json_object_del(json_object_get(without, "health"), "events");
    char where[256] = "";
    bool differ = s_first_diff(without, with, "", where, sizeof where);
    json_decref(with);
    json_decref(without);
    if (differ)
        fail_msg("releases changed the digest at %s", where);
}

static void test_digest_merged_pr_goes_to_merged_list_only(void **state)
{
    (void)state;
    dp_classified_t pr = s_pr_30384();
    pr.state = "closed";
    pr.created_at = s_at("2025-12-08T09:00:00Z");
    pr.closed_at = pr.merged_at = s_at("2025-12-10T11:00:00Z");
    pr.updated_at = pr.merged_at;
    dp_classified_t ev[] = {
        s_happened(pr, "pr_merged", "pr:30384:merged:1765364400",
                   "2025-12-10T11:00:00Z"),
    };
    json_t *d = s_build("zh", ev, COUNT(ev), NULL);
    s_counts_are(d, 0, 0, 0, 1, 0);
    s_list_is(d, "lists.merged_prs", "30384");
    s_list_is(d, "lists.closed_prs", "");
    s_list_is(d, "lists.new_prs", "");
    assert_int_equal(dp_json_int(d, "lists.merged_prs.0.at", 0),
                     s_at("2025-12-10T11:00:00Z"));
    json_decref(d);
}

static void test_digest_issues_opened_and_closed_in_window(void **state)
{
    (void)state;
    dp_classified_t issue = s_issue_30382();
    issue.created_at = s_at("2025-12-10T10:30:00Z");
    dp_classified_t ev[] = {
        s_happened(issue, "issue_opened", "issue:30382:opened",
                   "2025-12-10T10:30:00Z"),
        s_happened(issue, "issue_closed", "issue:30382:closed",
                   "2025-12-10T10:47:40Z"),
    };
    json_t *d = s_build("zh", ev, COUNT(ev), NULL);
    s_counts_are(d, 1, 1, 0, 0, 0);
    assert_int_equal(dp_json_int(d, "lists.new_issues.0.at", 0),
                     s_at("2025-12-10T10:30:00Z"));
    assert_int_equal(dp_json_int(d, "lists.closed_issues.0.at", 0),
                     s_at("2025-12-10T10:47:40Z"));
    json_decref(d);
}

static void test_digest_hot_thread_counts_people_not_bots(void **state)
{
    (void)state;
    json_t *d = s_example_digest("zh");
    json_t *hot = dp_json_get(d, "facts.hot");
    /* #30385 has only a bot comment: it is not a discussion. */
    assert_int_equal(json_array_size(hot), 1);
    json_t *first = json_array_get(hot, 0);
    assert_int_equal(dp_json_int(first, "number", 0), 30382);
    assert_int_equal(dp_json_int(first, "comments", 0), 3);
    assert_false(dp_json_bool(first, "pr", true));
    /* Participants in the order of their first comment. */
    json_t *people = json_object_get(first, "participants");
    assert_int_equal(json_array_size(people), 2);
    assert_string_equal(dp_json_str(people, "0.login"), "vitush93");
    assert_int_equal(dp_json_int(people, "0.comments", 0), 2);
    assert_string_equal(dp_json_str(people, "1.login"), "eltorre");
    assert_int_equal(dp_json_int(people, "1.comments", 0), 1);
    json_decref(d);
}

static void test_digest_people_leave_bots_out_and_count_them(void **state)
{
    (void)state;
    json_t *d = s_example_digest("zh");
    json_t *people = dp_json_get(d, "facts.people");
    assert_true(json_array_size(people) >= 4);
    size_t i;
    json_t *p;
    bool nick = false, vitush = false;
    json_array_foreach(people, i, p)
    {
        const char *login = dp_json_str(p, "login");
        assert_non_null(login);
        assert_false(dp_is_bot(login, NULL));
        assert_null(strstr(login, "chatgpt"));
        if (!strcmp(login, "NickLucche")) {
            nick = true;
            assert_string_equal(dp_json_str(p, "assoc"), "MEMBER");
            assert_int_equal(dp_json_int(p, "prs", 0), 1);
        }
        if (!strcmp(login, "vitush93")) {
            vitush = true;
            assert_int_equal(dp_json_int(p, "comments", 0), 2);
        }
    }
    assert_true(nick && vitush);
    assert_int_equal(dp_json_int(d, "facts.bots", -1), 1);
    json_decref(d);
}

static void test_digest_topics_list_matching_items_with_reasons(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    /* #30385 is AMD work (its events carry the topic, the bot comment on it
     * too); #30384 carries a topic that the rules do not define. */
    TOPIC(ev[1], "amd", "label `rocm`");
    TOPIC(ev[7], "amd", "label `rocm`");
    TOPIC(ev[2], "nvidia", "title matches `CUDA`");
    json_t *d = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    json_t *topics = json_object_get(d, "topics");
    assert_int_equal(json_array_size(topics), 1);
    json_t *amd = json_array_get(topics, 0);
    assert_string_equal(dp_json_str(amd, "id"), "amd");
    assert_string_equal(dp_json_str(amd, "title"), "AMD/ROCm");
    assert_string_equal(dp_json_str(amd, "short"), "AMD");
    s_list_is(amd, "items", "30385");
    json_t *reasons = dp_json_get(amd, "items.0.reasons");
    assert_int_equal(json_array_size(reasons), 1); /* once, not per event */
    assert_string_equal(dp_json_str(reasons, "0"), "label `rocm`");
    assert_true(dp_json_bool(amd, "items.0.pr", false));
    assert_string_equal(dp_json_str(amd, "items.0.url"),
                        "https://github.com/vllm-project/vllm/pull/30385");
    json_decref(d);

    /* The example window itself has no AMD item. */
    d = s_example_digest("zh");
    assert_int_equal(json_array_size(dp_json_get(d, "topics.0.items")), 0);
    assert_string_equal(dp_json_str(d, "topics.0.id"), "amd");
    json_decref(d);
}

static void test_digest_is_deterministic_in_any_order(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    json_t *d = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    char *want = s_dump(d);
    json_decref(d);
    d = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    char *again = s_dump(d);
    assert_string_equal(again, want);
    free(again);
    json_decref(d);
    s_rng = 0x243f6a8885a308d3ULL;
    for (int round = 0; round < 50; round++) {
        s_shuffle(ev, EXAMPLE_EVENTS);
        d = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
        char *text = s_dump(d);
        assert_string_equal(text, want);
        free(text);
        json_decref(d);
    }
    free(want);
}

static void test_digest_of_an_empty_window(void **state)
{
    (void)state;
    json_t *d = s_build("en", NULL, 0, NULL);
    s_counts_are(d, 0, 0, 0, 0, 0);
    assert_int_equal(json_array_size(dp_json_get(d, "facts.hot")), 0);
    assert_int_equal(dp_json_int(d, "facts.bots", -1), 0);
    writer_extractive(d);
    const char *names[] = {"summary", "hot",      "trends",
                           "changes", "activity", "watch"};
    for (size_t i = 0; i < COUNT(names); i++) {
        char path[64];
        snprintf(path, sizeof path, "sections.%s", names[i]);
        const char *text = dp_json_str(d, path);
        assert_non_null(text);
        assert_true(*text != '\0');
    }
    json_decref(d);
}

static void test_digest_summary_keeps_counts_and_categories(void **state)
{
    (void)state;
    json_t *d = s_example_digest("zh");
    json_t *s = digest_summary(d);
    assert_true(
        json_equal(json_object_get(s, "counts"), json_object_get(d, "counts")));
    json_t *cats = json_object_get(s, "categories");
    assert_true(json_equal(cats, dp_json_get(d, "facts.categories")));
    /* bugfix: #30382, #30384, #30349; core: #30385 */
    json_t *want = json_pack("{s:i, s:i}", "bugfix", 3, "core", 1);
    assert_true(json_equal(cats, want));
    json_decref(want);
    assert_int_equal(dp_json_int(s, "from", 0), 1765362540);
    json_decref(s);
    json_decref(d);
}

/* ==== writer_extractive ==== */

static const char *const s_sections[] = {"summary", "hot",      "trends",
                                         "changes", "activity", "watch"};

/* Every section, and the text of every topic, is a non-empty string. */
static void s_sections_filled(const json_t *d)
{
    json_t *sections = json_object_get(d, "sections");
    assert_true(json_is_object(sections));
    for (size_t i = 0; i < COUNT(s_sections); i++) {
        const char *text = dp_json_str(sections, s_sections[i]);
        if (!text || !*text)
            fail_msg("section %s is empty", s_sections[i]);
    }
    json_t *topics = json_object_get(sections, "topics");
    assert_true(json_is_object(topics));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "topics"), i, t)
    {
        const char *text =
            json_string_value(json_object_get(topics, dp_json_str(t, "id")));
        if (!text || !*text)
            fail_msg("topic %s has no text", dp_json_str(t, "id"));
    }
}

static void s_contains(const char *text, const char *want)
{
    if (!text || !strstr(text, want))
        fail_msg("\"%s\" not in:\n%s", want, text ? text : "(null)");
}

static void test_writer_fills_every_section_in_chinese(void **state)
{
    (void)state;
    json_t *d = s_example_digest("zh");
    writer_extractive(d);
    s_sections_filled(d);
    s_contains(dp_json_str(d, "sections.summary"),
               "新 Issue 0 个、关闭 Issue 1 个、新 PR 2 个、合并 PR 0 个、"
               "关闭未合并 PR 1 个");
    s_contains(dp_json_str(d, "sections.summary"), "vLLM");
    s_contains(dp_json_str(d, "sections.topics.amd"),
               "**本周期无 AMD 相关更新**。");
    s_contains(dp_json_str(d, "sections.hot"), "#30382");
    s_contains(dp_json_str(d, "sections.hot"), "vitush93");
    s_contains(dp_json_str(d, "sections.changes"), "#30385");
    s_contains(dp_json_str(d, "sections.changes"), "#30384");
    s_contains(dp_json_str(d, "sections.activity"), "NickLucche");
    json_decref(d);
}

static void test_writer_fills_every_section_in_english(void **state)
{
    (void)state;
    json_t *d = s_example_digest("en");
    writer_extractive(d);
    s_sections_filled(d);
    for (size_t i = 0; i < COUNT(s_sections); i++) {
        char path[64];
        snprintf(path, sizeof path, "sections.%s", s_sections[i]);
        const char *text = dp_json_str(d, path);
        if (strstr(text, "本周期") || strstr(text, "个"))
            fail_msg("section %s is not English: %s", s_sections[i], text);
    }
    s_contains(dp_json_str(d, "sections.summary"), "vLLM");
    s_contains(dp_json_str(d, "sections.hot"), "#30382");
    assert_null(strstr(dp_json_str(d, "sections.topics.amd"), "本周期"));
    s_contains(dp_json_str(d, "sections.topics.amd"), "AMD");
    json_decref(d);
}

static void test_writer_lists_topic_items_with_reasons(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    TOPIC(ev[1], "amd", "label `rocm`");
    json_t *d = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    writer_extractive(d);
    const char *amd = dp_json_str(d, "sections.topics.amd");
    s_contains(amd, "#30385");
    s_contains(amd, "label `rocm`");
    assert_null(strstr(amd, "本周期无"));
    assert_null(strstr(amd, "#30384"));
    json_decref(d);
}

static void test_writer_is_deterministic(void **state)
{
    (void)state;
    json_t *a = s_example_digest("zh"), *b = s_example_digest("zh");
    writer_extractive(a);
    writer_extractive(b);
    char *ta = s_dump(a), *tb = s_dump(b);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    json_decref(a);
    json_decref(b);
}

/* Checks a section against hostile text: nothing executable, no Liquid,
 * and every line holding the end of a hostile title also holds its start
 * (the title did not break its list item or heading). */
static void s_neutralized(const char *name, const char *text)
{
    if (!text)
        return;
    for (const char *p = text; *p; p++) {
        if (!strncmp(p, "<script", 7) || !strncmp(p, "<SCRIPT", 7) ||
            !strncmp(p, "{%", 2) || !strncmp(p, "{{", 2))
            fail_msg("section %s: raw markup at \"%.20s\"", name, p);
    }
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = dp_strndup(line, len);
        bool tail = strstr(copy, "TAIL-") != NULL;
        bool head = strstr(copy, "HEAD-") != NULL;
        bool heading = copy[0] == '#';
        dp_free(copy);
        if (tail && !head)
            fail_msg("section %s: a title broke its line:\n%s", name, text);
        if (heading)
            fail_msg("section %s: a line starts a heading:\n%s", name, text);
        line = end ? end + 1 : line + len;
    }
}

static void test_writer_neutralizes_hostile_text(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    static char *const titles[] = {
        "HEAD-1 [Bug]: crash\n# TAIL-1 injected heading",
        "HEAD-2 {% raw %}{{ site.github }}{% endraw %}\r\n- TAIL-2 item",
        "HEAD-3 <script>alert(1)</script>\u2028TAIL-3 <SCRIPT src=x>",
        "HEAD-4 [x](javascript:alert(1)) @everyone\n\nTAIL-4",
    };
    dp_strs_t labels = LIST("<script>", "{{ label }}");
    dp_strs_t topics = LIST("amd");
    dp_strs_t reasons = LIST("HEAD-r title matches `<script>`\nTAIL-r");
    /* Every event of an item shares its snapshot, so its title too. */
    for (size_t i = 0; i < EXAMPLE_EVENTS; i++) {
        int k = ev[i].number == 30382   ? 0
                : ev[i].number == 30385 ? 1
                : ev[i].number == 30384 ? 2
                                        : 3;
        ev[i].title = titles[k];
        ev[i].body = "Body\n# ENDBODY <script>x</script> {% include x %}";
        if (ev[i].text)
            ev[i].text = "HEAD-q quote\n\n# TAIL-q <script>{{ x }}</script>";
        ev[i].labels = labels;
        ev[i].topics = topics;
        ev[i].reasons = reasons;
    }
    for (int lang = 0; lang < 2; lang++) {
        json_t *d = s_build(lang ? "en" : "zh", ev, EXAMPLE_EVENTS, NULL);
        writer_extractive(d);
        s_sections_filled(d);
        for (size_t i = 0; i < COUNT(s_sections); i++) {
            char path[64];
            snprintf(path, sizeof path, "sections.%s", s_sections[i]);
            s_neutralized(s_sections[i], dp_json_str(d, path));
        }
        s_neutralized("topics.amd", dp_json_str(d, "sections.topics.amd"));
        /* The titles are still there, escaped. */
        s_contains(dp_json_str(d, "sections.changes"), "&lt;script&gt;");
        json_decref(d);
    }
}

static void test_writer_compares_with_previous_window(void **state)
{
    (void)state;
    /* The previous hour: one new issue and one merged PR. */
    dp_classified_t issue = s_issue_30382(), pr = s_pr_30384();
    issue.number = 30300;
    pr.number = 30301;
    pr.merged_at = s_at("2025-12-10T10:00:00Z");
    dp_classified_t before[] = {
        s_happened(issue, "issue_opened", "issue:30300:opened",
                   "2025-12-10T09:40:00Z"),
        s_happened(pr, "pr_merged", "pr:30301:merged", "2025-12-10T10:00:00Z"),
    };
    dp_window_t w = s_window("zh", COUNT(before));
    w.win_from -= 3600;
    w.win_to -= 3600;
    json_t *topics = s_topics_doc();
    json_t *prev_digest = digest_build(&w, before, COUNT(before), topics, NULL);
    json_decref(topics);
    json_t *previous = json_array();
    json_array_append_new(previous, digest_summary(prev_digest));
    json_decref(prev_digest);

    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    for (int lang = 0; lang < 2; lang++) {
        json_t *d = s_build(lang ? "en" : "zh", ev, EXAMPLE_EVENTS, previous);
        /* The previous summaries, without the ledger only the next
         * window needs. */
        json_t *kept = dp_json_get(d, "facts.previous");
        assert_int_equal(json_array_size(kept), 1);
        assert_true(json_equal(dp_json_get(kept, "0.counts"),
                               dp_json_get(previous, "0.counts")));
        assert_null(dp_json_get(kept, "0.waiting"));
        writer_extractive(d);
        const char *trends = dp_json_str(d, "sections.trends");
        s_contains(trends, lang ? "previous period" : "上一周期");
        s_contains(trends, lang ? "new issues 1 → 0" : "新 Issue 1 → 0");
        s_contains(trends, lang ? "merged PRs 1 → 0" : "合并 PR 1 → 0");
        s_contains(trends, lang ? "new PRs 0 → 2" : "新 PR 0 → 2");
        json_decref(d);
        /* Without a previous window there is nothing to compare. */
        d = s_build(lang ? "en" : "zh", ev, EXAMPLE_EVENTS, NULL);
        writer_extractive(d);
        assert_null(strstr(dp_json_str(d, "sections.trends"), "→"));
        json_decref(d);
    }
    json_decref(previous);
}

/* ==== Reviews, hot scores, continuity, the ledger, response times ==== */

/* A window shifted by k hours from the example's. */
static json_t *s_build_at(const char *lang, int k, const dp_classified_t *ev,
                          size_t n, const json_t *previous, long threshold)
{
    dp_window_t w = s_window(lang, n);
    w.win_from += (int64_t)k * 3600;
    w.win_to += (int64_t)k * 3600;
    json_t *topics = s_topics_doc();
    digest_opts_t opts = {
        .topics = topics, .previous = previous, .unanswered_s = threshold};
    json_t *d = digest_build_with(&w, ev, n, &opts);
    json_decref(topics);
    assert_non_null(d);
    return d;
}

static dp_classified_t s_review(dp_classified_t item, const char *id,
                                const char *at, const char *actor,
                                const char *type, const char *assoc,
                                const char *state)
{
    item = s_happened(item, "review", id, at);
    item.actor = (char *)actor;
    item.actor_type = (char *)type;
    item.actor_assoc = (char *)assoc;
    item.review_state = (char *)state;
    item.bot = dp_is_bot(actor, type);
    return item;
}

static void test_digest_reviews_answer_a_pr_and_count_states(void **state)
{
    (void)state;
    dp_classified_t pr = s_pr_30385();
    dp_classified_t ev[] = {
        s_happened(pr, "pr_opened", "pr:30385:opened", "2025-12-10T11:11:02Z"),
        s_review(pr, "review:1", "2025-12-10T11:20:00Z", "mergify-ci", "Bot",
                 "NONE", "COMMENTED"),
        s_review(pr, "review:2", "2025-12-10T11:25:00Z", "sched-sora", "User",
                 "MEMBER", "APPROVED"),
        s_review(pr, "review:3", "2025-12-10T11:26:00Z", "hmellor", "User",
                 "MEMBER", "CHANGES_REQUESTED"),
    };
    json_t *d = s_build("en", ev, COUNT(ev), NULL);
    /* The bot's review is neither a state nor a response. */
    json_t *want =
        json_pack("{s:i, s:i}", "APPROVED", 1, "CHANGES_REQUESTED", 1);
    assert_true(json_equal(dp_json_get(d, "facts.reviews"), want));
    assert_true(json_equal(dp_json_get(d, "facts.changes.0.reviews"), want));
    json_decref(want);
    assert_int_equal(dp_json_int(d, "facts.response.opened", -1), 1);
    assert_int_equal(dp_json_int(d, "facts.response.answered", -1), 1);
    assert_int_equal(dp_json_int(d, "facts.response.median_s", -1), 838);
    assert_int_equal(dp_json_int(d, "facts.response.by_maintainers", -1), 1);
    /* Reviewed: not waiting, not worth watching. */
    assert_int_equal(json_array_size(dp_json_get(d, "facts.waiting")), 0);
    assert_int_equal(json_array_size(dp_json_get(d, "facts.watch.unreviewed")),
                     0);
    /* Two reviews by people: a discussion, with its first response. */
    assert_int_equal(dp_json_int(d, "facts.hot.0.reviews", -1), 2);
    assert_string_equal(dp_json_str(d, "facts.hot.0.first_response.login"),
                        "sched-sora");
    assert_string_equal(dp_json_str(d, "facts.hot.0.first_response.role"),
                        "maintainer");
    assert_int_equal(dp_json_int(d, "facts.hot.0.first_response.after_s", -1),
                     838);
    /* Reviewers are contributors of the window; the bot is counted apart. */
    json_t *people = dp_json_get(d, "facts.people");
    size_t i;
    json_t *p;
    bool sora = false;
    json_array_foreach(people, i, p)
    {
        assert_string_not_equal(dp_json_str(p, "login"), "mergify-ci");
        if (!strcmp(dp_json_str(p, "login"), "sched-sora")) {
            sora = true;
            assert_int_equal(dp_json_int(p, "reviews", 0), 1);
            assert_string_equal(dp_json_str(p, "role"), "maintainer");
        }
    }
    assert_true(sora);
    assert_int_equal(dp_json_int(d, "facts.bots", -1), 1);
    writer_extractive(d);
    s_contains(dp_json_str(d, "sections.activity"),
               "Reviews: APPROVED 1, CHANGES_REQUESTED 1.");
    s_contains(dp_json_str(d, "sections.changes"),
               "reviews: APPROVED 1, CHANGES_REQUESTED 1");
    assert_null(strstr(dp_json_str(d, "sections.activity"), "mergify-ci"));
    json_decref(d);
}

/* An issue opened at minute m of the window, with k comments by k people. */
static size_t s_thread(dp_classified_t *ev, int64_t number, int k,
                       int64_t reactions)
{
    static char ids[64][32];
    static size_t next;
    dp_classified_t it = s_issue_30382();
    it.number = number;
    it.state = "open";
    it.closed_at = 0;
    it.reactions = reactions;
    it.created_at = s_at("2025-12-10T10:30:00Z");
    size_t n = 0;
    snprintf(ids[next % 64], sizeof ids[0], "issue:%lld:opened",
             (long long)number);
    ev[n++] = s_happened(it, "issue_opened", ids[next++ % 64],
                         "2025-12-10T10:30:00Z");
    static const char *const who[] = {"ann", "bo", "cy", "di"};
    for (int i = 0; i < k; i++) {
        snprintf(ids[next % 64], sizeof ids[0], "comment:%lld%d",
                 (long long)number, i);
        ev[n++] = s_comment(it, ids[next++ % 64], "2025-12-10T10:40:00Z",
                            who[i % 4], "CONTRIBUTOR", "a comment");
    }
    return n;
}

static void test_digest_hot_score_and_ties(void **state)
{
    (void)state;
    dp_classified_t ev[32];
    size_t n = 0;
    n += s_thread(ev + n, 100, 2, 0);   /* 2*2 + 3*2 = 10 */
    n += s_thread(ev + n, 101, 2, 0);   /* the same: the higher number wins */
    n += s_thread(ev + n, 102, 3, 50);  /* 6 + 9 + 10 (capped) = 25 */
    n += s_thread(ev + n, 103, 1, 100); /* one comment: no discussion */
    json_t *d = s_build("zh", ev, n, NULL);
    s_list_is(d, "facts.hot", "102 101 100");
    assert_int_equal(dp_json_int(d, "facts.hot.0.score", -1), 25);
    assert_int_equal(dp_json_int(d, "facts.hot.1.score", -1), 10);
    assert_int_equal(dp_json_int(d, "facts.discussions", -1), 3);
    /* No previous window: neither new nor still hot. */
    assert_null(dp_json_get(d, "facts.hot.0.new"));
    assert_int_equal(dp_json_int(d, "facts.hot.0.streak", -1), 1);
    json_t *s = digest_summary(d);
    s_list_is(s, "hot", "102 101 100");
    json_decref(s);
    json_decref(d);
}

static void test_digest_hot_continuity_new_and_long_hot(void **state)
{
    (void)state;
    /* 101 was hot in both previous windows, 100 in neither. */
    json_t *previous = json_pack("[{s:[i], s:{}}, {s:[i, i], s:{}}]", "hot",
                                 101, "counts", "hot", 101, 7, "counts");
    dp_classified_t ev[16];
    size_t n = 0;
    n += s_thread(ev + n, 100, 3, 0);
    n += s_thread(ev + n, 101, 2, 0);
    for (int lang = 0; lang < 2; lang++) {
        json_t *d = s_build_at(lang ? "en" : "zh", 0, ev, n, previous, 0);
        s_list_is(d, "facts.hot", "100 101");
        assert_true(dp_json_bool(d, "facts.hot.0.new", false));
        assert_false(dp_json_bool(d, "facts.hot.1.new", true));
        assert_int_equal(dp_json_int(d, "facts.hot.1.streak", -1), 3);
        s_list_is(d, "facts.watch.long_hot", "101");
        writer_extractive(d);
        const char *hot = dp_json_str(d, "sections.hot");
        s_contains(hot, lang ? "new this period" : "本期新出现的热点");
        s_contains(hot, lang ? "hot for 3 periods in a row"
                             : "连续第 3 个周期高热度");
        s_contains(dp_json_str(d, "sections.watch"),
                   lang ? "Threads hot for several periods"
                        : "连续多个周期高热度的讨论");
        s_contains(dp_json_str(d, "sections.trends"),
                   lang ? "discussions carried over from the previous "
                          "period: 1; new ones: 1."
                        : "1 个讨论在上一周期已是讨论，1 个为本期新出现");
        json_decref(d);
    }
    json_decref(previous);
}

static void test_digest_ledger_carries_waiting_items(void **state)
{
    (void)state;
    /* Hour 0: an issue opened, nobody answers. */
    dp_classified_t issue = s_issue_30382();
    issue.number = 500;
    issue.state = "open";
    issue.closed_at = 0;
    issue.comments = 0;
    issue.created_at = s_at("2025-12-10T10:40:00Z");
    dp_classified_t h0[] = {s_happened(issue, "issue_opened", "issue:500:o",
                                       "2025-12-10T10:40:00Z")};
    json_t *d0 = s_build_at("en", 0, h0, COUNT(h0), NULL, 3600);
    s_list_is(d0, "facts.waiting", "500");
    /* 49 minutes: under the threshold, counted but not listed. */
    s_list_is(d0, "facts.watch.unanswered", "");
    assert_int_equal(dp_json_int(d0, "facts.watch.young_issues", -1), 1);
    json_t *prev = json_array();
    json_array_append_new(prev, digest_summary(d0));
    json_decref(d0);

    /* Hour 1: nothing happens to it; it still waits, past the threshold. */
    json_t *d1 = s_build_at("en", 1, NULL, 0, prev, 3600);
    s_list_is(d1, "facts.waiting", "500");
    s_list_is(d1, "facts.watch.unanswered", "500");
    assert_int_equal(dp_json_int(d1, "facts.watch.unanswered.0.waited_s", -1),
                     s_at("2025-12-10T12:29:00Z") - issue.created_at);
    writer_extractive(d1);
    s_contains(dp_json_str(d1, "sections.watch"),
               "**Issues without any answer for more than 1 h**:");
    s_contains(dp_json_str(d1, "sections.watch"), "waiting for 1.8 h");
    s_contains(dp_json_str(d1, "sections.summary"),
               "Issues without an answer for more than 1 h: 1.");
    json_t *prev2 = json_array();
    json_array_append_new(prev2, digest_summary(d1));
    json_array_extend(prev2, prev);
    json_decref(d1);

    /* Hour 2: a maintainer answers; the wait is known and reported. */
    issue.comments = 1;
    dp_classified_t h2[] = {s_comment(issue, "comment:9",
                                      "2025-12-10T12:40:00Z", "sched-sora",
                                      "MEMBER", "Looking.")};
    json_t *d2 = s_build_at("zh", 2, h2, COUNT(h2), prev2, 3600);
    s_list_is(d2, "facts.waiting", "");
    assert_int_equal(dp_json_int(d2, "facts.response.earlier_answered", -1), 1);
    assert_int_equal(dp_json_int(d2, "facts.response.earlier_median_s", -1),
                     2 * 3600);
    writer_extractive(d2);
    s_contains(dp_json_str(d2, "sections.activity"),
               "此前一直无人回复的 1 个条目在本期获得首次回复，中位等待 2.0 "
               "小时。");
    json_decref(d2);

    /* Hour 2 again, but the issue was closed: it leaves the ledger too. */
    issue.comments = 0;
    issue.state = "closed";
    issue.closed_at = s_at("2025-12-10T12:50:00Z");
    dp_classified_t h2b[] = {s_happened(issue, "issue_closed", "issue:500:c",
                                        "2025-12-10T12:50:00Z")};
    d2 = s_build_at("zh", 2, h2b, COUNT(h2b), prev2, 3600);
    s_list_is(d2, "facts.waiting", "");
    json_decref(d2);
    json_decref(prev2);
    json_decref(prev);
}

static void
test_digest_old_issue_bumped_by_its_author_is_unanswered(void **state)
{
    (void)state;
    /* Created three days before the window; its only comment is the
     * author's "any update?" in the window. */
    dp_classified_t issue = s_issue_30382();
    issue.number = 410;
    issue.state = "open";
    issue.closed_at = 0;
    issue.comments = 1;
    issue.created_at = s_at("2025-12-07T11:29:00Z");
    dp_classified_t ev[] = {s_comment(issue, "comment:1",
                                      "2025-12-10T11:00:00Z", "eltorre", "NONE",
                                      "Any update?")};
    json_t *d = s_build("zh", ev, COUNT(ev), NULL);
    s_list_is(d, "facts.watch.unanswered", "410");
    assert_int_equal(dp_json_int(d, "facts.watch.unanswered.0.waited_s", -1),
                     3 * 86400);
    writer_extractive(d);
    s_contains(dp_json_str(d, "sections.watch"),
               "超过 24 小时无人回复的 Issue");
    s_contains(dp_json_str(d, "sections.watch"), "已等待 3.0 天");
    json_decref(d);
    /* With an earlier comment somewhere, nothing can be said. */
    issue.comments = 2;
    ev[0] = s_comment(issue, "comment:1", "2025-12-10T11:00:00Z", "eltorre",
                      "NONE", "Any update?");
    d = s_build("zh", ev, COUNT(ev), NULL);
    s_list_is(d, "facts.waiting", "");
    json_decref(d);
}

static void test_digest_response_median_and_roles(void **state)
{
    (void)state;
    dp_classified_t base = s_issue_30382();
    base.state = "open";
    base.closed_at = 0;
    dp_classified_t ev[9];
    size_t n = 0;
    static const char *const opened[] = {
        "2025-12-10T10:30:00Z", "2025-12-10T10:40:00Z", "2025-12-10T10:50:00Z"};
    static const char *const answer[] = {
        "2025-12-10T10:40:00Z", "2025-12-10T11:00:00Z", "2025-12-10T11:20:00Z"};
    static const char *const assoc[] = {"MEMBER", "NONE", "OWNER"};
    static char *const ids[] = {"o1", "c1", "o2", "c2", "o3", "c3"};
    for (int i = 0; i < 3; i++) {
        dp_classified_t it = base;
        it.number = 600 + i;
        it.created_at = s_at(opened[i]);
        ev[n++] = s_happened(it, "issue_opened", ids[2 * (size_t)i], opened[i]);
        ev[n++] = s_comment(it, ids[2 * (size_t)i + 1], answer[i], "helper",
                            assoc[i], "Try this.");
    }
    json_t *d = s_build("en", ev, n, NULL);
    assert_int_equal(dp_json_int(d, "facts.response.opened", -1), 3);
    assert_int_equal(dp_json_int(d, "facts.response.answered", -1), 3);
    /* 10, 20 and 30 minutes: the median is 20. */
    assert_int_equal(dp_json_int(d, "facts.response.median_s", -1), 1200);
    assert_int_equal(dp_json_int(d, "facts.response.by_maintainers", -1), 2);
    assert_int_equal(dp_json_int(d, "facts.response.by_others", -1), 1);
    /* eltorre opened three, helper answered three: a tie, by login. */
    assert_string_equal(dp_json_str(d, "facts.people.0.login"), "eltorre");
    assert_string_equal(dp_json_str(d, "facts.people.1.login"), "helper");
    /* helper was seen as MEMBER, NONE and OWNER: the highest counts. */
    assert_string_equal(dp_json_str(d, "facts.people.1.assoc"), "OWNER");
    assert_string_equal(dp_json_str(d, "facts.people.1.role"), "maintainer");
    assert_int_equal(dp_json_int(d, "facts.roles.maintainer", -1), 1);
    assert_int_equal(dp_json_int(d, "facts.roles.community", -1), 1);
    writer_extractive(d);
    s_contains(dp_json_str(d, "sections.activity"),
               "opened in this period 3, answered 3, "
               "after 20 min (median) (answered first by a maintainer 2, by "
               "someone else 1).");
    json_decref(d);
}

static void test_digest_bot_accounts_by_type_stay_out(void **state)
{
    (void)state;
    dp_classified_t pr = s_pr_30384();
    pr.author = "release-robot";
    pr.author_type = "Bot"; /* no [bot] suffix: the type says it */
    pr.number = 700;
    pr.bot = true;
    dp_classified_t issue = s_issue_30382();
    dp_classified_t ev[] = {
        s_happened(pr, "pr_opened", "pr:700:o", "2025-12-10T10:50:00Z"),
        s_comment(issue, "comment:1", "2025-12-10T10:51:00Z", "dependabot[bot]",
                  "NONE", "Bumps x."),
        s_comment(issue, "comment:2", "2025-12-10T10:52:00Z", "vitush93",
                  "CONTRIBUTOR", "Hi."),
    };
    json_t *d = s_build("en", ev, COUNT(ev), NULL);
    s_list_is(d, "lists.new_prs", "700"); /* counted in the lists */
    assert_true(dp_json_bool(d, "lists.new_prs.0.bot", false));
    assert_int_equal(json_array_size(dp_json_get(d, "facts.people")), 1);
    assert_string_equal(dp_json_str(d, "facts.people.0.login"), "vitush93");
    assert_int_equal(dp_json_int(d, "facts.bots", -1), 2);
    assert_int_equal(json_array_size(dp_json_get(d, "facts.changes")), 0);
    assert_int_equal(json_array_size(dp_json_get(d, "facts.waiting")), 0);
    json_decref(d);
}

static void test_digest_and_writer_are_identical_in_any_order(void **state)
{
    (void)state;
    /* Everything at once: opened, closed, merged, comments, reviews, bots,
     * topics, ties; a previous window; shuffled 40 times. */
    dp_classified_t ev[64];
    size_t n = 0;
    s_example(ev);
    n = EXAMPLE_EVENTS;
    n += s_thread(ev + n, 100, 2, 0);
    n += s_thread(ev + n, 101, 2, 0);
    n += s_thread(ev + n, 102, 4, 3);
    dp_classified_t pr = s_pr_30385();
    ev[n++] = s_review(pr, "review:5", "2025-12-10T11:20:00Z", "sched-sora",
                       "User", "MEMBER", "APPROVED");
    ev[n++] = s_review(pr, "review:6", "2025-12-10T11:21:00Z", "ci[bot]", "Bot",
                       "NONE", "COMMENTED");
    ev[1].topics = LIST("amd", "amd");
    ev[1].reasons = LIST("label `rocm`", "title matches `ROCm`");
    json_t *previous = json_pack("[{s:[i], s:{s:i}, s:{s:i}}]", "hot", 100,
                                 "topics", "amd", 2, "categories", "bugfix", 4);
    char *want = NULL, *want_md = NULL;
    s_rng = 0x0123456789abcdefULL;
    for (int round = 0; round < 40; round++) {
        json_t *d = s_build_at("zh", 0, ev, n, previous, 0);
        writer_extractive(d);
        char *text = s_dump(d);
        char *md = json_dumps(json_object_get(d, "sections"), JSON_SORT_KEYS);
        if (!want) {
            want = text;
            want_md = md;
        } else {
            char where[512] = "";
            json_t *a = json_loads(want, 0, NULL);
            if (strcmp(text, want) != 0 &&
                s_first_diff(a, d, "", where, sizeof where))
                fail_msg("round %d: %s", round, where);
            json_decref(a);
            assert_string_equal(md, want_md);
            free(text);
            free(md);
        }
        json_decref(d);
        s_shuffle(ev, n);
    }
    free(want);
    free(want_md);
    json_decref(previous);
}

static void test_digest_summary_keeps_what_later_windows_read(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    TOPIC(ev[1], "amd", "label `rocm`");
    json_t *d = s_build("zh", ev, EXAMPLE_EVENTS, NULL);
    json_t *s = digest_summary(d);
    assert_int_equal(dp_json_int(s, "topics.amd", -1), 1);
    s_list_is(s, "hot", "30382");
    /* #30385 and #30384 were opened in the window; only the bot spoke on
     * #30385: both wait for a person. */
    s_list_is(s, "waiting", "30384 30385");
    assert_int_equal(dp_json_int(s, "waiting.0.created_at", -1),
                     s_at("2025-12-10T10:37:45Z"));
    json_decref(s);
    json_decref(d);
}

static void test_writer_topics_show_every_reason_and_what_happened(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    ev[1].topics = LIST("amd", "amd");
    ev[1].reasons = LIST("label `rocm`", "path `vllm/platforms/rocm.py`");
    TOPIC(ev[7], "amd", "label `rocm`");
    for (int lang = 0; lang < 2; lang++) {
        json_t *d = s_build(lang ? "en" : "zh", ev, EXAMPLE_EVENTS, NULL);
        writer_extractive(d);
        const char *amd = dp_json_str(d, "sections.topics.amd");
        s_contains(amd, lang ? "(opened, open) — why: label `rocm`, path "
                               "`vllm/platforms/rocm.py`"
                             : "(本期新建、进行中) — 匹配原因：label `rocm`、"
                               "path `vllm/platforms/rocm.py`");
        json_decref(d);
    }
}

/* ==== Time fields ==== */

/* The digest of an empty window [from, to) shown in zone. */
static json_t *s_build_zoned(const char *lang, const char *zone, int64_t from,
                             int64_t to)
{
    dp_window_t w = s_window(lang, 0);
    w.tz = (char *)zone;
    w.win_from = from;
    w.win_to = to;
    w.complete_until = to;
    json_t *d = digest_build(&w, NULL, 0, NULL, NULL);
    assert_non_null(d);
    return d;
}

static void test_digest_carries_the_zone_for_per_instant_offsets(void **state)
{
    (void)state;
    int64_t from = s_at("2025-11-02T00:00-04:00");
    int64_t to = s_at("2025-11-03T00:00-05:00");
    json_t *d = s_build_zoned("en", "America/New_York", from, to);
    assert_string_equal(dp_json_str(d, "tz"), "America/New_York");
    /* tz_offset and tz_label are those of the window start. */
    assert_int_equal(dp_json_int(d, "tz_offset", 0), -4 * 3600);
    assert_string_equal(dp_json_str(d, "tz_label"), "UTC-4");
    /* 25 hours from midnight to midnight are "1 day" to the writer. */
    writer_extractive(d);
    s_contains(dp_json_str(d, "sections.summary"), "In this period (1 day)");
    json_decref(d);

    d = s_build_zoned("zh", "Europe/Berlin", s_at("2025-03-24T00:00+01:00"),
                      s_at("2025-03-31T00:00+02:00"));
    writer_extractive(d);
    s_contains(dp_json_str(d, "sections.summary"), "1周");
    json_decref(d);

    /* A fixed offset is kept as written; an unknown zone is left out. */
    d = s_build_zoned("en", "+08:00", from, from + 3600);
    assert_string_equal(dp_json_str(d, "tz"), "+08:00");
    assert_int_equal(dp_json_int(d, "tz_offset", 0), 8 * 3600);
    json_decref(d);
    d = s_build_zoned("en", "Mars/Olympus", from, from + 3600);
    assert_null(json_object_get(d, "tz"));
    assert_int_equal(dp_json_int(d, "tz_offset", -1), 0);
    assert_string_equal(dp_json_str(d, "tz_label"), "UTC");
    json_decref(d);
}

static void test_digest_complete_until_is_never_after_now(void **state)
{
    (void)state;
    /* A window in progress: the collector may claim its end. */
    int64_t before = dp_time_now();
    int64_t from = before - 1800, to = before + 1800;
    json_t *d = s_build_zoned("en", "UTC", from, to);
    int64_t after = dp_time_now();
    int64_t complete = dp_json_int(d, "health.complete_until", -1);
    assert_true(complete >= before && complete <= after);
    assert_true(complete < to);
    json_decref(d);
    /* A past window keeps what the collector said. */
    d = s_build_zoned("en", "UTC", s_at("2025-12-10T10:29Z"),
                      s_at("2025-12-10T11:29Z"));
    assert_int_equal(dp_json_int(d, "health.complete_until", -1),
                     s_at("2025-12-10T11:29Z"));
    json_decref(d);
}

/* The texts of the example's events by id, as the summarizer reads them
 * back from the store for a set that does not keep them. */
typedef struct {
    const dp_classified_t *ev;
    size_t n;
    int calls;
} s_texts_t;

static char *s_text_of(void *arg, const char *id, bool body)
{
    s_texts_t *tx = arg;
    tx->calls++;
    for (size_t i = 0; i < tx->n; i++)
        if (tx->ev[i].id && !strcmp(tx->ev[i].id, id)) {
            const char *t = body ? tx->ev[i].body : tx->ev[i].text;
            return t ? dp_strdup(t) : NULL;
        }
    return NULL;
}

/* The quote of the first participant of the first hot thread. */
static json_t *s_first_quote(json_t *d)
{
    json_t *hot = json_array_get(dp_json_get(d, "facts.hot"), 0);
    json_t *p = json_array_get(json_object_get(hot, "participants"), 0);
    return json_object_get(p, "quote");
}

static void test_digest_set_without_texts_reads_the_few_it_shows(void **state)
{
    (void)state;
    dp_classified_t ev[EXAMPLE_EVENTS];
    s_example(ev);
    dp_window_t w = s_window("en", EXAMPLE_EVENTS);
    json_t *topics = s_topics_doc();
    digest_opts_t opts = {.topics = topics};
    json_t *full = digest_build_with(&w, ev, EXAMPLE_EVENTS, &opts);
    digest_set_t *set = digest_set_new(1, false);
    for (size_t i = 0; i < EXAMPLE_EVENTS; i++)
        digest_set_add(set, &ev[i]);
    assert_int_equal(digest_set_count(set), EXAMPLE_EVENTS);
    /* Without a way to read them, no quote and no body. */
    json_t *bare = digest_set_build(set, &w, &opts);
    assert_true(json_is_string(s_first_quote(full)));
    assert_true(json_is_null(s_first_quote(bare)));
    assert_false(json_equal(full, bare));
    /* Read back, the texts make the same digest as when they were kept,
     * and only those shown are read: the quotes of the hot thread's
     * participants and the bodies of the key changes. */
    s_texts_t tx = {ev, EXAMPLE_EVENTS, 0};
    opts.text_of = s_text_of;
    opts.text_arg = &tx;
    json_t *lazy = digest_set_build(set, &w, &opts);
    assert_true(json_equal(full, lazy));
    size_t shown = json_array_size(dp_json_get(full, "facts.changes"));
    size_t i;
    json_t *h;
    json_array_foreach(dp_json_get(full, "facts.hot"), i, h)
    {
        shown += json_array_size(json_object_get(h, "participants"));
    }
    assert_true(tx.calls > 0);
    assert_true((size_t)tx.calls <= shown);
    json_decref(lazy);
    json_decref(bare);
    json_decref(full);
    digest_set_free(&set);
    assert_null(set);
    json_decref(topics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_counts_match_the_example_report),
        cmocka_unit_test(test_digest_lists_are_newest_first),
        cmocka_unit_test(test_digest_lists_break_ties_by_higher_number),
        cmocka_unit_test(test_digest_counts_duplicate_deliveries_once),
        cmocka_unit_test(test_digest_with_duplicates_equals_digest_without),
        cmocka_unit_test(test_digest_lists_releases_apart_once_each),
        cmocka_unit_test(test_digest_merged_pr_goes_to_merged_list_only),
        cmocka_unit_test(test_digest_issues_opened_and_closed_in_window),
        cmocka_unit_test(test_digest_hot_thread_counts_people_not_bots),
        cmocka_unit_test(test_digest_people_leave_bots_out_and_count_them),
        cmocka_unit_test(test_digest_topics_list_matching_items_with_reasons),
        cmocka_unit_test(test_digest_is_deterministic_in_any_order),
        cmocka_unit_test(test_digest_of_an_empty_window),
        cmocka_unit_test(test_digest_summary_keeps_counts_and_categories),
        cmocka_unit_test(test_writer_fills_every_section_in_chinese),
        cmocka_unit_test(test_writer_fills_every_section_in_english),
        cmocka_unit_test(test_writer_lists_topic_items_with_reasons),
        cmocka_unit_test(test_writer_is_deterministic),
        cmocka_unit_test(test_writer_neutralizes_hostile_text),
        cmocka_unit_test(test_writer_compares_with_previous_window),
        cmocka_unit_test(test_digest_reviews_answer_a_pr_and_count_states),
        cmocka_unit_test(test_digest_hot_score_and_ties),
        cmocka_unit_test(test_digest_hot_continuity_new_and_long_hot),
        cmocka_unit_test(test_digest_ledger_carries_waiting_items),
        cmocka_unit_test(
            test_digest_old_issue_bumped_by_its_author_is_unanswered),
        cmocka_unit_test(test_digest_response_median_and_roles),
        cmocka_unit_test(test_digest_bot_accounts_by_type_stay_out),
        cmocka_unit_test(test_digest_and_writer_are_identical_in_any_order),
        cmocka_unit_test(test_digest_summary_keeps_what_later_windows_read),
        cmocka_unit_test(
            test_writer_topics_show_every_reason_and_what_happened),
        cmocka_unit_test(test_digest_carries_the_zone_for_per_instant_offsets),
        cmocka_unit_test(test_digest_cap_keeps_the_first_and_sinks_every_item),
        cmocka_unit_test(test_digest_complete_until_is_never_after_now),
        cmocka_unit_test(test_digest_set_without_texts_reads_the_few_it_shows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
