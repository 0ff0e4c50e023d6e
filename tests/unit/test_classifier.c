/* test_classifier.c - unit tests for topic rules, categories and classify */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "classifier.h"
#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_topics.h"
#include "rules.h"

#define ERRLEN 512
#define RULES_FILE DP_SOURCE_DIR "/config/rules.yml"

/* A string list over string literals, for events built by hand (never
 * passed to dp_msg_clear). */
#define LIST(...)                                                              \
    ((dp_strs_t){(char *[]){__VA_ARGS__},                                      \
                 sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)})

/* ==== Helpers ==== */

/* Rules from a YAML text, which must be valid. */
static rules_t *s_rules(const char *yaml)
{
    char err[ERRLEN] = "";
    json_t *doc =
        dp_yaml_load(yaml, strlen(yaml), "rules.yml", err, sizeof err);
    if (!doc)
        fail_msg("YAML: %s", err);
    rules_t *rules = rules_new(doc, err, sizeof err);
    json_decref(doc);
    if (!rules)
        fail_msg("rules refused: %s", err);
    return rules;
}

/* One topic "t" with the given condition list under any:. */
static rules_t *s_one(const char *conditions)
{
    char *yaml = dp_asprintf("topics:\n  t:\n    any:\n%s", conditions);
    rules_t *rules = s_rules(yaml);
    dp_free(yaml);
    return rules;
}

/* Rules that must be refused: the error is one line naming the topic and
 * containing want. */
static void s_refused(const char *yaml, const char *topic, const char *want)
{
    char err[ERRLEN] = "";
    json_t *doc =
        dp_yaml_load(yaml, strlen(yaml), "rules.yml", err, sizeof err);
    if (!doc)
        fail_msg("YAML: %s", err);
    rules_t *rules = rules_new(doc, err, sizeof err);
    json_decref(doc);
    if (rules) {
        rules_destroy(&rules);
        fail_msg("accepted: %s", yaml);
    }
    assert_true(err[0] != '\0');
    assert_null(strchr(err, '\n'));
    if (!strstr(err, topic))
        fail_msg("error does not name topic %s: %s", topic, err);
    if (!strstr(err, want))
        fail_msg("error lacks \"%s\": %s", want, err);
}

static rules_t *s_shipped(void)
{
    char err[ERRLEN] = "";
    json_t *doc = dp_yaml_load_file(RULES_FILE, err, sizeof err);
    if (!doc)
        fail_msg("%s", err);
    rules_t *rules = rules_new(doc, err, sizeof err);
    json_decref(doc);
    if (!rules)
        fail_msg("%s: %s", RULES_FILE, err);
    return rules;
}

/* Group fixtures: the shipped rules, destroyed even when a test fails. */
static int s_setup_shipped(void **state)
{
    *state = s_shipped();
    return 0;
}

static int s_teardown_rules(void **state)
{
    rules_t *rules = *state;
    rules_destroy(&rules);
    return 0;
}

/* The topics an event matches, as "id: reason; id: reason" (or ""). */
typedef struct {
    char text[1024];
} s_hits_t;

static s_hits_t s_match(const rules_t *rules, const dp_event_t *ev)
{
    /* The lists live in a CLASSIFIED message, as in the classifier. */
    dp_msg_t out = {.type = DP_MSG_CLASSIFIED};
    dp_strs_t *t = &out.u.classified.topics, *r = &out.u.classified.reasons;
    rules_match(rules, ev, t, r);
    assert_int_equal(t->count, r->count);
    s_hits_t hits = {""};
    size_t used = 0;
    for (size_t i = 0; i < t->count && used < sizeof hits.text; i++)
        used += (size_t)snprintf(hits.text + used, sizeof hits.text - used,
                                 "%s%s: %s", i ? "; " : "", t->items[i],
                                 r->items[i]);
    dp_msg_clear(&out);
    return hits;
}

/* Expects the single topic "t" to match with exactly this reason. */
static void s_hit(const rules_t *rules, const dp_event_t *ev,
                  const char *reason)
{
    s_hits_t hits = s_match(rules, ev);
    char want[512];
    snprintf(want, sizeof want, "t: %s", reason);
    assert_string_equal(hits.text, want);
}

static void s_miss(const rules_t *rules, const dp_event_t *ev)
{
    assert_string_equal(s_match(rules, ev).text, "");
}

/* An issue or PR event with a title; the rest is set by each test. */
static dp_event_t s_item(const char *title)
{
    dp_event_t ev = {0};
    ev.repo = "vllm-project/vllm";
    ev.id = "pr:30385:opened:1765365062";
    ev.kind = "pr_opened";
    ev.number = 30385;
    ev.is_pr = true;
    ev.title = (char *)title;
    ev.author = "NickLucche";
    ev.author_type = "User";
    ev.author_assoc = "MEMBER";
    ev.state = "open";
    return ev;
}

/* ==== Conditions and their reasons ==== */

static void test_label_equals_matches_one_of_the_labels(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - label=rocm\n");
    dp_event_t ev = s_item("Fix things");
    ev.labels = LIST("bug", "rocm");
    s_hit(rules, &ev, "label `rocm`");
    ev.labels = LIST("bug", "rocm-ci");
    s_miss(rules, &ev); /* equality, not a prefix */
    ev.labels = (dp_strs_t){0};
    s_miss(rules, &ev);
    rules_destroy(&rules);
    assert_null(rules);
}

static void test_label_regex_matches_and_names_the_label(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - label~=^rocm\n");
    dp_event_t ev = s_item("Fix things");
    ev.labels = LIST("v1", "rocm-ci");
    s_hit(rules, &ev, "label `rocm-ci`");
    ev.labels = LIST("not-rocm");
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_title_regex_with_caseless_flag_quotes_the_match(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - title~=(?i)\\bROCm\\b\n");
    dp_event_t ev = s_item("[ROCm] fix MI300 kernel");
    s_hit(rules, &ev, "title matches `ROCm`");
    ev.title = "Support rocm 6.3";
    s_hit(rules, &ev, "title matches `rocm`"); /* as written in the title */
    ev.title = "\xff\xfe broken bytes, then [ROCm]"; /* invalid UTF-8 */
    s_hit(rules, &ev, "title matches `ROCm`");
    ev.title = "Add rocmlib"; /* word boundary */
    s_miss(rules, &ev);
    ev.title = NULL;
    s_miss(rules, &ev);
    rules_destroy(&rules);

    /* Without (?i) the regex is case-sensitive, as written. */
    rules = s_one("      - title~=\\bROCm\\b\n");
    ev.title = "support rocm";
    s_miss(rules, &ev);
    ev.title = "support ROCm";
    s_hit(rules, &ev, "title matches `ROCm`");
    rules_destroy(&rules);
}

/* A body of n bytes of c followed by tail; the caller frees it. */
static char *s_body(char c, size_t n, const char *tail)
{
    char *body = dp_malloc(n + strlen(tail) + 1);
    memset(body, c, n);
    memcpy(body + n, tail, strlen(tail) + 1);
    return body;
}

static void test_catastrophic_regex_gives_up_as_no_match(void **state)
{
    (void)state;
    /* Exponential at the first position: PCRE2's match limit stops it. */
    rules_t *rules = s_one("      - body~=(a+)+$\n"
                           "      - title~=ROCm\n");
    dp_event_t ev = s_item("[ROCm] a title");
    char *body = s_body('a', 100 * 1024, "!");
    ev.body = body;
    s_hit(rules, &ev, "title matches `ROCm`"); /* the other rule holds */
    assert_int_equal(rules_regex_gave_up(rules), 1);
    ev.title = "plain";
    s_miss(rules, &ev);
    assert_int_equal(rules_regex_gave_up(rules), 2);
    /* A body it can match is matched as ever. */
    ev.body = "aaa";
    s_hit(rules, &ev, "body matches `aaa`");
    assert_int_equal(rules_regex_gave_up(rules), 2);
    rules_destroy(&rules);
    dp_free(body);

    /* Polynomial over the whole subject: each start position costs less
     * than the match limit, so only the budget of the whole call stops it
     * (unbounded, this one matches near the end after minutes). */
    rules = s_one("      - body~=(?:a|aa|aaa){1,9}b\n");
    body = s_body('a', 100 * 1024, "b");
    ev.body = body;
    s_miss(rules, &ev);
    assert_int_equal(rules_regex_gave_up(rules), 1);
    rules_destroy(&rules);
    dp_free(body);
}

static void test_heavy_but_sound_regex_still_matches_long_body(void **state)
{
    (void)state;
    /* One backtracking point per character, a step per pattern item: deep
     * and long, but well within the limits. */
    rules_t *rules = s_one("      - body~=^(?:(?!forbidden).)*$\n");
    dp_event_t ev = s_item("a title");
    char *body = s_body('x', 100 * 1024, "");
    ev.body = body;
    assert_string_not_equal(s_match(rules, &ev).text, "");
    assert_int_equal(rules_regex_gave_up(rules), 0);
    rules_destroy(&rules);
    dp_free(body);
}

static void test_title_equals_needs_the_whole_title(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - \"title=Release v1.0\"\n");
    dp_event_t ev = s_item("Release v1.0");
    s_hits_t hits = s_match(rules, &ev);
    assert_non_null(strstr(hits.text, "t: title"));
    assert_non_null(strstr(hits.text, "Release v1.0"));
    ev.title = "Release v1.0.1";
    s_miss(rules, &ev);
    ev.title = "release v1.0";
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_body_regex_quotes_the_match(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - body~=MI300X?\n");
    dp_event_t ev = s_item("Tune the kernel");
    ev.body = "Benchmarks on 8x MI300X show a 12% gain.";
    s_hit(rules, &ev, "body matches `MI300X`");
    ev.body = NULL;
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_files_equals_and_regex_name_the_path(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - files=vllm/platforms/rocm.py\n");
    dp_event_t ev = s_item("Platform cleanup");
    ev.files = LIST("README.md", "vllm/platforms/rocm.py");
    s_hit(rules, &ev, "path `vllm/platforms/rocm.py`");
    ev.files = LIST("vllm/platforms/rocm.py.orig");
    s_miss(rules, &ev);
    rules_destroy(&rules);

    rules = s_one("      - files~=^csrc/rocm/\n");
    ev.files = LIST("csrc/cuda/x.cu", "csrc/rocm/attention.cu");
    s_hit(rules, &ev, "path `csrc/rocm/attention.cu`");
    ev.files = LIST("tests/csrc/rocm/x.cu");
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_author_equals_and_regex(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - author=xyz\n");
    dp_event_t ev = s_item("Anything");
    ev.author = "xyz";
    s_hit(rules, &ev, "author `xyz`");
    ev.author = "xyzw";
    s_miss(rules, &ev);
    ev.author = NULL;
    s_miss(rules, &ev);
    rules_destroy(&rules);

    rules = s_one("      - author~=^amd-\n");
    ev.author = "amd-hhuang";
    s_hit(rules, &ev, "author `amd-hhuang`");
    rules_destroy(&rules);
}

static void test_leading_dash_negates_a_condition(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics:\n"
                             "  t:\n"
                             "    all:\n"
                             "      - label=rocm\n"
                             "      - -author=dependabot[bot]\n"
                             "      - -label~=(?i)^wip$\n");
    dp_event_t ev = s_item("Bump the ROCm base image");
    ev.labels = LIST("rocm");
    s_hit(rules, &ev, "label `rocm`"); /* the reason is the positive one */
    ev.author = "dependabot[bot]";
    s_miss(rules, &ev);
    ev.author = "someone";
    ev.labels = LIST("rocm", "WIP");
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_nested_any_all_or_and(void **state)
{
    (void)state;
    /* t: (label=rocm AND title~=kernel) OR (author=xyz AND (body~=gfx OR
     *    files~=^csrc/rocm/)) */
    rules_t *rules = s_rules("topics:\n"
                             "  t:\n"
                             "    any:\n"
                             "      - all:\n"
                             "          - label=rocm\n"
                             "          - title~=kernel\n"
                             "      - and:\n"
                             "          - author=xyz\n"
                             "          - or:\n"
                             "              - body~=gfx9\\d+\n"
                             "              - any:\n"
                             "                  - files~=^csrc/rocm/\n");
    dp_event_t ev = s_item("Faster kernel");
    ev.labels = LIST("rocm");
    /* Both conditions of the all: branch are reasons. */
    assert_string_equal(s_match(rules, &ev).text,
                        "t: label `rocm`; t: title matches `kernel`");
    ev.title = "Faster sampler"; /* first branch fails half-way */
    s_miss(rules, &ev);
    ev.author = "xyz";
    s_miss(rules, &ev);
    ev.body = "Seen on gfx942 only.";
    /* The failed first branch leaves no reason behind. */
    assert_string_equal(s_match(rules, &ev).text,
                        "t: author `xyz`; t: body matches `gfx942`");
    ev.body = NULL;
    ev.files = LIST("csrc/rocm/attention.cu");
    assert_string_equal(s_match(rules, &ev).text,
                        "t: author `xyz`; t: path `csrc/rocm/attention.cu`");
    ev.author = "abc";
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_any_list_records_every_reason_in_rule_order(void **state)
{
    (void)state;
    rules_t *rules = s_one("      - files~=rocm\n"
                           "      - label=rocm\n"
                           "      - title~=(?i)\\bAMD\\b\n");
    dp_event_t ev = s_item("[AMD] tune");
    ev.labels = LIST("rocm");
    ev.files = LIST("vllm/platforms/rocm.py");
    /* The order of the rules, not of the item's fields. */
    assert_string_equal(s_match(rules, &ev).text,
                        "t: path `vllm/platforms/rocm.py`; t: label `rocm`; "
                        "t: title matches `AMD`");
    ev.labels = (dp_strs_t){0};
    ev.files = (dp_strs_t){0};
    s_hit(rules, &ev, "title matches `AMD`");
    rules_destroy(&rules);
}

static void test_every_matching_topic_is_listed_with_its_reason(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics:\n"
                             "  amd:\n"
                             "    title: AMD/ROCm\n"
                             "    short: AMD\n"
                             "    any: [label=rocm]\n"
                             "  tpu:\n"
                             "    any: [title~=TPU]\n"
                             "  docs:\n"
                             "    title: Documentation\n"
                             "    any: [files~=^docs/]\n");
    assert_int_equal(rules_topic_count(rules), 3);
    assert_string_equal(rules_topic_id(rules, 0), "amd");
    assert_string_equal(rules_topic_title(rules, 0), "AMD/ROCm");
    assert_string_equal(rules_topic_short(rules, 0), "AMD");
    /* The title defaults to the id, the short name to the title. */
    assert_string_equal(rules_topic_id(rules, 1), "tpu");
    assert_string_equal(rules_topic_title(rules, 1), "tpu");
    assert_string_equal(rules_topic_short(rules, 1), "tpu");
    assert_string_equal(rules_topic_short(rules, 2), "Documentation");
    assert_null(rules_topic_id(rules, 3));

    dp_event_t ev = s_item("TPU and ROCm docs");
    ev.labels = LIST("rocm");
    ev.files = LIST("docs/tpu.md");
    assert_string_equal(s_match(rules, &ev).text,
                        "amd: label `rocm`; tpu: title matches `TPU`; "
                        "docs: path `docs/tpu.md`");
    rules_destroy(&rules);
}

static void test_rules_without_topics_match_nothing(void **state)
{
    (void)state;
    rules_t *rules = s_rules("categories:\n  labels: {perf: performance}\n");
    assert_int_equal(rules_topic_count(rules), 0);
    dp_event_t ev = s_item("[ROCm] anything");
    s_miss(rules, &ev);
    rules_destroy(&rules);
    rules_destroy(&rules); /* idempotent */
}

/* ==== Refused rules ==== */

static void test_rules_refuse_unknown_attribute(void **state)
{
    (void)state;
    s_refused("topics:\n  amd:\n    any:\n      - colour=red\n", "amd",
              "colour=red");
    s_refused("topics:\n  amd:\n    any:\n      - colour=red\n", "amd",
              "unknown attribute");
    s_refused("topics:\n  nv:\n    any:\n      - labels=cuda\n", "nv",
              "labels=cuda");
}

static void test_rules_refuse_condition_without_operator(void **state)
{
    (void)state;
    s_refused("topics:\n  amd:\n    any:\n      - rocm\n", "amd", "rocm");
    s_refused("topics:\n  amd:\n    any:\n      - \"label=\"\n", "amd",
              "label=");
    s_refused("topics:\n  amd:\n    any:\n      - 42\n", "amd", "condition");
}

static void test_rules_refuse_bad_regex_with_its_message(void **state)
{
    (void)state;
    s_refused("topics:\n  amd:\n    any:\n      - title~=(ROCm\n", "amd",
              "missing closing parenthesis");
    s_refused("topics:\n  amd:\n    any:\n      - title~=(ROCm\n", "amd",
              "title~=(ROCm");
    s_refused("topics:\n  gpu:\n    any:\n      - \"body~=[a-\"\n", "gpu",
              "regex");
}

static void test_rules_refuse_empty_any_list(void **state)
{
    (void)state;
    s_refused("topics:\n  amd:\n    any: []\n", "amd", "non-empty");
    s_refused("topics:\n  amd:\n    any:\n      - all: []\n", "amd",
              "non-empty");
    s_refused("topics:\n  amd:\n    any: label=rocm\n", "amd", "list");
}

static void test_rules_refuse_both_any_and_all(void **state)
{
    (void)state;
    s_refused("topics:\n  amd:\n    any: [label=rocm]\n    all: [label=x]\n",
              "amd", "any");
    /* Neither is as wrong. */
    s_refused("topics:\n  amd:\n    title: AMD\n", "amd", "any");
}

static void test_rules_refuse_nesting_beyond_bound(void **state)
{
    (void)state;
    dp_buf_t yaml = DP_BUF_INIT;
    dp_buf_puts(&yaml, "topics:\n  deep:\n    any: ");
    for (int i = 0; i < 12; i++)
        dp_buf_puts(&yaml, "[{any: ");
    dp_buf_puts(&yaml, "[label=x]");
    for (int i = 0; i < 12; i++)
        dp_buf_puts(&yaml, "}]");
    dp_buf_puts(&yaml, "\n");
    s_refused(yaml.data, "deep", "deeper");
    dp_buf_free(&yaml);
}

/* ==== The shipped rules ==== */

static void test_shipped_rules_load_with_an_amd_topic(void **state)
{
    (void)state;
    rules_t *rules = s_shipped();
    assert_true(rules_topic_count(rules) >= 1);
    assert_string_equal(rules_topic_id(rules, 0), "amd");
    assert_string_equal(rules_topic_title(rules, 0), "AMD/ROCm");
    assert_string_equal(rules_topic_short(rules, 0), "AMD");
    rules_destroy(&rules);
}

/* Expects the shipped AMD topic to match with this reason. */
static void s_amd(const rules_t *rules, const dp_event_t *ev,
                  const char *reason)
{
    char want[512];
    snprintf(want, sizeof want, "amd: %s", reason);
    assert_string_equal(s_match(rules, ev).text, want);
}

static void test_shipped_amd_topic_matches_rocm_work(void **state)
{
    const rules_t *rules = *state;
    dp_event_t ev = s_item("Tune the sampler");
    ev.labels = LIST("rocm");
    s_amd(rules, &ev, "label `rocm`");

    ev = s_item("[ROCm] fix MI300 kernel");
    s_amd(rules, &ev, "title matches `ROCm`");
    ev = s_item("[Hardware][AMD] Enable FP8 on MI355");
    s_amd(rules, &ev, "title matches `AMD`");
    ev = s_item("[Kernel] Use AITER for fused MoE");
    s_amd(rules, &ev, "title matches `AITER`");

    ev = s_item("Kernel crash on the new GPU");
    ev.body = "Reproduced on a gfx942 node with 8 GPUs.";
    s_amd(rules, &ev, "body matches `gfx942`");

    ev = s_item("Refactor platform detection");
    ev.files = LIST("vllm/platforms/interface.py", "vllm/platforms/rocm.py");
    s_amd(rules, &ev, "path `vllm/platforms/rocm.py`");
    ev.files = LIST("csrc/rocm/attention.cu");
    s_amd(rules, &ev, "path `csrc/rocm/attention.cu`");
    ev.files = LIST("requirements/rocm-build.txt");
    s_amd(rules, &ev, "path `requirements/rocm-build.txt`");
}

static void test_shipped_amd_topic_ignores_lookalikes(void **state)
{
    const rules_t *rules = *state;
    dp_event_t ev = s_item("[Bugfix] Fix chip detection");
    s_miss(rules, &ev);
    ev = s_item("Faster shipping of wheels");
    ev.body = "The shipping script now retries.";
    s_miss(rules, &ev);
    ev = s_item("[Bug]: OOM with Qwen3 on 8xH100");
    /* CPU details in a bug report are not AMD GPU work. */
    ev.body = "CPU: AMD EPYC 7763 64-Core Processor\nGPU: NVIDIA H100";
    s_miss(rules, &ev);
    ev.labels = LIST("bug", "amd-ci-flaky-unrelated");
    s_miss(rules, &ev);
    ev.files = LIST("docs/platforms/rocm.md.bak", "vllm/platforms/cuda.py");
    s_miss(rules, &ev);
}

static void test_shipped_amd_topic_ignores_environment_dump(void **state)
{
    /* vLLM's bug template asks for `python collect_env.py`, whose output
     * names ROCm even on NVIDIA machines. It is not AMD work either. */
    const rules_t *rules = *state;
    dp_event_t ev = s_item("[Bug]: Issues with Ministral-3-14B");
    ev.number = 30382;
    ev.is_pr = false;
    ev.body = "### Your current environment\n\n"
              "<details>\n<summary>The output of "
              "<code>python collect_env.py</code></summary>\n\n"
              "```text\n"
              "Collecting environment information...\n"
              "PyTorch version: 2.9.0+cu128\n"
              "Is debug build: False\n"
              "CUDA used to build PyTorch: 12.8\n"
              "ROCM used to build PyTorch: N/A\n\n"
              "OS: Ubuntu 22.04.5 LTS (x86_64)\n"
              "CPU:\nModel name: AMD EPYC 7763 64-Core Processor\n"
              "vLLM Build Flags:\n"
              "  CUDA Archs: Not Set; ROCm: Disabled\n"
              "```\n</details>\n";
    s_miss(rules, &ev);
}

/* ==== Categories ==== */

static void test_category_from_title_tags(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n");
    static const struct {
        const char *title, *category;
    } cases[] = {
        {"[BugFix] Fix minimax m2 model rotary_dim", "bugfix"},
        {"[Bugfix] lower case", "bugfix"},
        {"[Bug]: Issues with mistralai/Ministral-3-14B", "bugfix"},
        {"[Core] Whisper support `torch.compile`", "core"},
        {"[Model] Add Foo-7B", "model"},
        {"[Perf] Faster sampler", "performance"},
        {"[Kernel] Fused MoE tuning", "kernel"},
        {"[Frontend] New endpoint", "frontend"},
        {"[Doc] Fix a typo", "docs"},
        {"[CI/Build] Bump CUDA", "ci"},
        {"[Misc] Cleanup", "misc"},
        {"[Bugfix][Kernel] Fix the kernel", "bugfix"},
        {"[Kernel][Bugfix] Fix the kernel", "kernel"},
        {"[Hardware][AMD] Enable FP8", "hardware"},
        {"[Unknown][Model] Tag soup", "model"},
        {"  [Doc] leading spaces", "docs"},
        {"Plain title", "other"},
        {"[Unclosed tag", "other"},
        {"Text then [Core] tag", "other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dp_event_t ev = s_item(cases[i].title);
        const char *got = rules_category(rules, &ev);
        if (!got || strcmp(got, cases[i].category) != 0)
            fail_msg("\"%s\": %s, want %s", cases[i].title,
                     got ? got : "(null)", cases[i].category);
    }
    rules_destroy(&rules);
}

static void test_category_from_labels_when_no_tag(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n");
    dp_event_t ev = s_item("Improve the README");
    ev.labels = LIST("documentation");
    assert_string_equal(rules_category(rules, &ev), "docs");
    ev.labels = LIST("good first issue", "bug");
    assert_string_equal(rules_category(rules, &ev), "bugfix");
    /* A tag wins over a label. */
    ev.title = "[Model] Add Foo";
    assert_string_equal(rules_category(rules, &ev), "model");
    ev.title = NULL;
    ev.labels = LIST("documentation");
    assert_string_equal(rules_category(rules, &ev), "docs");
    ev.labels = (dp_strs_t){0};
    assert_string_equal(rules_category(rules, &ev), "other");
    rules_destroy(&rules);
}

static void test_category_overrides_from_rules_doc(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n"
                             "categories:\n"
                             "  tags:\n"
                             "    \"[Perf]\": speed\n"
                             "    \"[Spec]\": speculative\n"
                             "  labels:\n"
                             "    documentation: handbook\n"
                             "    good first issue: starter\n");
    dp_event_t ev = s_item("[Perf] Faster sampler");
    assert_string_equal(rules_category(rules, &ev), "speed");
    ev.title = "[PERF] shouting";
    assert_string_equal(rules_category(rules, &ev), "speed");
    ev.title = "[Spec] Eagle 3";
    assert_string_equal(rules_category(rules, &ev), "speculative");
    ev.title = "[Core] built-ins still apply";
    assert_string_equal(rules_category(rules, &ev), "core");
    ev.title = "Improve the README";
    ev.labels = LIST("documentation");
    assert_string_equal(rules_category(rules, &ev), "handbook");
    ev.labels = LIST("good first issue");
    assert_string_equal(rules_category(rules, &ev), "starter");
    rules_destroy(&rules);
}

static void test_category_overrides_must_be_names(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    const char *yaml = "categories:\n  tags:\n    \"[Perf]\": [a, b]\n";
    json_t *doc =
        dp_yaml_load(yaml, strlen(yaml), "rules.yml", err, sizeof err);
    assert_non_null(doc);
    assert_null(rules_new(doc, err, sizeof err));
    assert_non_null(strstr(err, "[Perf]"));
    assert_null(strchr(err, '\n'));
    json_decref(doc);
}

/* ==== classifier_classify ==== */

/* Classifies ev with rules; the caller clears the returned message. */
static dp_msg_t s_classify(const rules_t *rules, const dp_event_t *ev)
{
    dp_msg_t out = {.type = DP_MSG_CLASSIFIED};
    memset(&out.u, 0x5a, sizeof out.u); /* overwritten, not freed */
    classifier_classify(rules, ev, &out.u.classified);
    return out;
}

static void test_classify_copies_event_and_adds_topics_category(void **state)
{
    (void)state;
    rules_t *rules = s_shipped();
    dp_event_t ev = s_item("[ROCm][Kernel] Faster paged attention");
    ev.labels = LIST("rocm", "ready");
    ev.files = LIST("csrc/rocm/attention.cu");
    ev.body = "Tested on MI300X.";
    ev.comments = 4;
    ev.reactions = 2;
    dp_msg_t out = s_classify(rules, &ev);
    const dp_classified_t *c = &out.u.classified;
    assert_string_equal(c->title, ev.title);
    assert_true(c->title != ev.title); /* a deep copy */
    assert_string_equal(c->id, ev.id);
    assert_int_equal(c->number, 30385);
    assert_true(c->is_pr);
    assert_int_equal(c->labels.count, 2);
    assert_int_equal(c->files.count, 1);
    assert_int_equal(c->comments, 4);
    /* topics[i] is explained by reasons[i]: one pair per reason, in the
     * order of the rules file. */
    assert_int_equal(c->topics.count, 4);
    assert_int_equal(c->reasons.count, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(c->topics.items[i], "amd");
    assert_string_equal(c->reasons.items[0], "label `rocm`");
    assert_string_equal(c->reasons.items[1], "path `csrc/rocm/attention.cu`");
    assert_string_equal(c->reasons.items[2], "title matches `ROCm`");
    assert_string_equal(c->reasons.items[3], "body matches `MI300X`");
    assert_string_equal(c->category, "hardware"); /* [ROCm] comes first */
    assert_false(c->bot);
    assert_true(c->hotness > 0);
    dp_msg_clear(&out);

    /* Nothing matches: empty parallel lists and "other". */
    ev = s_item("Tidy up");
    out = s_classify(rules, &ev);
    assert_int_equal(out.u.classified.topics.count, 0);
    assert_int_equal(out.u.classified.reasons.count, 0);
    assert_string_equal(out.u.classified.category, "other");
    assert_int_equal(out.u.classified.hotness, 0);
    dp_msg_clear(&out);
    rules_destroy(&rules);
}

static void test_classify_hotness_grows_with_discussion(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n");
    dp_event_t ev = s_item("[Bug]: crash");
    ev.comments = 1;
    dp_msg_t quiet = s_classify(rules, &ev);
    ev.comments = 12;
    ev.reactions = 5;
    dp_msg_t busy = s_classify(rules, &ev);
    assert_true(busy.u.classified.hotness > quiet.u.classified.hotness);
    assert_true(quiet.u.classified.hotness > 0);
    dp_msg_clear(&quiet);
    dp_msg_clear(&busy);
    rules_destroy(&rules);
}

static void test_classify_flags_bots_by_type_or_login(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n");
    static const struct {
        const char *login, *type;
        bool bot;
    } cases[] = {
        {"mergify", "Bot", true},        {"dependabot[bot]", "Bot", true},
        {"dependabot[bot]", NULL, true}, {"robot-fan", "User", false},
        {"bot", "User", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dp_event_t ev = s_item("Bump torch");
        ev.author = (char *)cases[i].login;
        ev.author_type = (char *)cases[i].type;
        ev.comments = 3;
        dp_msg_t out = s_classify(rules, &ev);
        if (out.u.classified.bot != cases[i].bot)
            fail_msg("%s (%s): bot %d", cases[i].login,
                     cases[i].type ? cases[i].type : "-", out.u.classified.bot);
        if (cases[i].bot)
            assert_int_equal(out.u.classified.hotness, 0);
        dp_msg_clear(&out);
    }
    rules_destroy(&rules);
}

static void test_classify_judges_comments_by_their_actor(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n");
    /* A bot's comment on a person's PR is bot activity. */
    dp_event_t ev = s_item("[Core] Whisper support `torch.compile`");
    ev.id = "comment:3636000001";
    ev.kind = "comment";
    ev.actor = "chatgpt-codex-connector[bot]";
    ev.actor_type = "Bot";
    ev.text = "You have reached your Codex usage limits.";
    ev.comments = 2;
    dp_msg_t out = s_classify(rules, &ev);
    assert_true(out.u.classified.bot);
    assert_int_equal(out.u.classified.hotness, 0);
    assert_string_equal(out.u.classified.category, "core");
    dp_msg_clear(&out);

    /* A person's comment on a bot's PR is not. */
    ev = s_item("Bump torch to 2.9");
    ev.author = "dependabot[bot]";
    ev.author_type = "Bot";
    ev.kind = "comment";
    ev.actor = "vitush93";
    ev.actor_type = "User";
    ev.comments = 2;
    out = s_classify(rules, &ev);
    assert_false(out.u.classified.bot);
    dp_msg_clear(&out);

    /* Without an actor the author decides: an issue opened by a bot. */
    ev = s_item("Weekly dependency report");
    ev.kind = "issue_opened";
    ev.is_pr = false;
    ev.author = "renovate[bot]";
    ev.author_type = "Bot";
    out = s_classify(rules, &ev);
    assert_true(out.u.classified.bot);
    dp_msg_clear(&out);
    rules_destroy(&rules);
}

static void test_classify_result_round_trips(void **state)
{
    (void)state;
    rules_t *rules = s_shipped();
    dp_event_t ev = s_item("[Hardware][AMD] Enable FP8");
    ev.labels = LIST("rocm");
    dp_msg_t out = s_classify(rules, &ev);
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(dp_msg_encode(&out, &frame), 0);
    dp_msg_t back;
    char err[256] = "";
    assert_int_equal(dp_msg_decode(frame.data, frame.len, DP_PROTO_MAX_FRAME,
                                   &back, err, sizeof err),
                     0);
    assert_string_equal(back.u.classified.category, "hardware");
    assert_string_equal(back.u.classified.topics.items[0], "amd");
    assert_string_equal(back.u.classified.reasons.items[0], "label `rocm`");
    dp_msg_clear(&back);
    dp_msg_clear(&out);
    dp_buf_free(&frame);
    rules_destroy(&rules);
}

/* ==== Reasons, affiliations and per-repository topics ==== */

static void test_reasons_are_listed_once_and_bounded(void **state)
{
    (void)state;
    /* Two conditions giving the same reason, then more reasons than kept. */
    rules_t *rules = s_one("      - label=rocm\n"
                           "      - label~=^roc\n"
                           "      - files~=a\n"
                           "      - files~=b\n"
                           "      - files~=c\n"
                           "      - files~=d\n"
                           "      - files~=e\n"
                           "      - files~=f\n"
                           "      - files~=g\n"
                           "      - files~=h\n");
    dp_event_t ev = s_item("Tune");
    ev.labels = LIST("rocm");
    s_hit(rules, &ev, "label `rocm`");
    ev.files = LIST("a", "b", "c", "d", "e", "f", "g", "h");
    dp_msg_t out = {.type = DP_MSG_CLASSIFIED};
    rules_match(rules, &ev, &out.u.classified.topics,
                &out.u.classified.reasons);
    assert_int_equal(out.u.classified.reasons.count, RULES_REASONS_MAX);
    assert_string_equal(out.u.classified.reasons.items[0], "label `rocm`");
    assert_string_equal(out.u.classified.reasons.items[1], "path `a`");
    dp_msg_clear(&out);
    rules_destroy(&rules);
}

static void test_negated_conditions_alone_give_rule_matched(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics:\n"
                             "  t:\n"
                             "    all:\n"
                             "      - -label=stale\n"
                             "      - -author~=\\[bot\\]$\n");
    dp_event_t ev = s_item("Anything");
    s_hit(rules, &ev, "rule matched");
    ev.author = "dependabot[bot]";
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static const char s_affiliations[] =
    "affiliations:\n"
    "  amd:\n"
    "    - {login: alice, from: 2024-01-01, to: 2025-06-30}\n"
    "    - {login: bob, from: '2025-03-01T12:00:00Z'}\n"
    "    - carol\n"
    "  nv:\n"
    "    name: NVIDIA\n"
    "    members: [{login: dave, to: 2024-12-31}]\n"
    "topics:\n"
    "  t:\n"
    "    any: [affiliation=amd, affiliation=nv]\n";

static void test_affiliation_holds_within_its_dates(void **state)
{
    (void)state;
    rules_t *rules = s_rules(s_affiliations);
    dp_event_t ev = s_item("[Kernel] Tune");
    ev.author = "alice";
    ev.created_at = 1704067200; /* 2024-01-01T00:00:00Z: first second */
    s_hit(rules, &ev, "author `alice` (AMD)");
    ev.created_at = 1751327999; /* 2025-06-30T23:59:59Z: the last one */
    s_hit(rules, &ev, "author `alice` (AMD)");
    ev.created_at = 1751328000; /* 2025-07-01: gone */
    s_miss(rules, &ev);
    ev.created_at = 1704067199; /* 2023-12-31T23:59:59Z: not yet */
    s_miss(rules, &ev);

    ev.author = "bob";
    ev.created_at = 1740830399; /* 2025-03-01T11:59:59Z */
    s_miss(rules, &ev);
    ev.created_at = 1740830400;
    s_hit(rules, &ev, "author `bob` (AMD)");
    ev.author = "Carol"; /* logins are case-insensitive; no dates */
    ev.created_at = 1;
    s_hit(rules, &ev, "author `Carol` (AMD)");
    /* The named form, with an end only. */
    ev.author = "dave";
    ev.created_at = 1735689599; /* 2024-12-31T23:59:59Z */
    s_hit(rules, &ev, "author `dave` (NVIDIA)");
    ev.created_at = 1735689600;
    s_miss(rules, &ev);
    /* Without created_at, the event time counts. */
    ev.created_at = 0;
    ev.at = 1735689000;
    s_hit(rules, &ev, "author `dave` (NVIDIA)");
    ev.author = "eve";
    s_miss(rules, &ev);
    rules_destroy(&rules);
}

static void test_memberships_change_only_at_membership_dates(void **state)
{
    (void)state;
    rules_t *rules = s_rules(s_affiliations);
    dp_event_t ev = s_item("[Kernel] Tune");
    bool exact = false;
    ev.author = "alice";
    ev.created_at = 1704067200; /* a member of amd from here */
    uint64_t first = rules_memberships(rules, &ev, &exact);
    assert_true(exact);
    assert_int_not_equal(first, 0);
    ev.created_at = 1751327999; /* still one, a year and a half later */
    assert_int_equal(rules_memberships(rules, &ev, &exact), first);
    ev.created_at = 1751328000; /* gone: the answer of the rules changes */
    assert_int_equal(rules_memberships(rules, &ev, &exact), 0);
    ev.author = "dave"; /* of nv, another bit */
    ev.created_at = 1;
    uint64_t dave = rules_memberships(rules, &ev, &exact);
    assert_int_not_equal(dave, 0);
    assert_int_not_equal(dave, first);
    ev.author = NULL;
    assert_int_equal(rules_memberships(rules, &ev, &exact), 0);
    rules_destroy(&rules);
}

/* The topics of a classified event as "id: reason; ..." (or ""). */
static s_hits_t s_topics_of(const dp_classified_t *c)
{
    s_hits_t hits = {""};
    size_t used = 0;
    for (size_t i = 0; i < c->topics.count && used < sizeof hits.text; i++)
        used += (size_t)snprintf(hits.text + used, sizeof hits.text - used,
                                 "%s%s: %s", i ? "; " : "", c->topics.items[i],
                                 c->reasons.items[i]);
    return hits;
}

/* classifier_classify_event on a copy of ev gives what classifier_classify
 * gives; returns its topics. */
static s_hits_t s_engine(classifier_t *c, const rules_t *rules,
                         const dp_event_t *ev)
{
    dp_msg_t in = {.type = DP_MSG_EVENT}, got,
             want = {.type = DP_MSG_CLASSIFIED};
    in.u.event = *ev;
    /* As classifier_run has it: decoded, its strings in the frame's block. */
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(dp_msg_encode(&in, &frame), 0);
    dp_msg_t copy;
    char err[128];
    assert_int_equal(dp_msg_decode(frame.data, frame.len, frame.len, &copy,
                                   err, sizeof err),
                     0);
    dp_buf_free(&frame);
    classifier_classify_event(c, &copy, &got);
    classifier_classify(rules, ev, &want.u.classified);
    char *a = dp_msg_to_json(&got), *b = dp_msg_to_json(&want);
    assert_string_equal(a, b);
    s_hits_t hits = s_topics_of(&got.u.classified);
    dp_free(a);
    dp_free(b);
    dp_msg_clear(&copy); /* emptied by the move: nothing left to free */
    dp_msg_clear(&got);
    dp_msg_clear(&want);
    return hits;
}

static void test_engine_remembers_an_item_exactly(void **state)
{
    (void)state;
    static const char yaml[] = "affiliations:\n"
                               "  amd: [{login: alice, from: 2024-01-01}]\n"
                               "topics:\n"
                               "  t:\n"
                               "    any: [affiliation=amd, title~=ROCm]\n";
    char dir[] = "/tmp/dp-test-classifier-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *rules_path = dp_asprintf("%s/rules.yml", dir);
    FILE *f = fopen(rules_path, "w");
    assert_non_null(f);
    fputs(yaml, f);
    fclose(f);
    char *in = dp_asprintf("@ipc://%s/in", dir);
    char *out = dp_asprintf(">ipc://%s/out", dir);
    char *pub = dp_asprintf("@ipc://%s/pub", dir);
    classifier_cfg_t cfg = {rules_path, in, out, pub, 1 << 20};
    classifier_t *c = classifier_new(&cfg);
    assert_non_null(c);
    rules_t *rules = s_rules(yaml);

    dp_event_t ev = s_item("[ROCm] Tune");
    ev.author = "alice";
    ev.created_at = 1735689600; /* 2025: a member */
    const char *both = "t: author `alice` (AMD); t: title matches `ROCm`";
    assert_string_equal(s_engine(c, rules, &ev).text, both);
    /* The same item again, and in a later window: remembered. */
    assert_string_equal(s_engine(c, rules, &ev).text, both);
    ev.created_at = 1767225600;
    assert_string_equal(s_engine(c, rules, &ev).text, both);
    /* The same text from before alice joined: not taken from memory. */
    ev.created_at = 1704067199;
    assert_string_equal(s_engine(c, rules, &ev).text,
                        "t: title matches `ROCm`");
    /* Another author, title, body, label or file: read again. */
    ev.created_at = 1735689600;
    ev.author = "bob";
    assert_string_equal(s_engine(c, rules, &ev).text,
                        "t: title matches `ROCm`");
    ev.author = "alice";
    ev.title = "Tune";
    assert_string_equal(s_engine(c, rules, &ev).text,
                        "t: author `alice` (AMD)");
    ev.body = "ROCm";
    ev.labels = LIST("rocm");
    ev.files = LIST("csrc/rocm/x.cu");
    assert_string_equal(s_engine(c, rules, &ev).text,
                        "t: author `alice` (AMD)");
    ev.author = NULL;
    s_miss(rules, &ev);
    assert_string_equal(s_engine(c, rules, &ev).text, "");

    rules_destroy(&rules);
    classifier_destroy(&c);
    dp_free(in);
    dp_free(out);
    dp_free(pub);
    unlink(rules_path);
    dp_free(rules_path);
    const char *names[] = {"in", "pub"}; /* the sockets' files */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *path = dp_asprintf("%s/%s", dir, names[i]);
        (void)unlink(path);
        dp_free(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_rules_refuse_bad_affiliations(void **state)
{
    (void)state;
    s_refused("topics:\n  t:\n    any: [affiliation=intel]\n", "t",
              "no organization \"intel\"");
    s_refused("affiliations: {amd: [x]}\n"
              "topics:\n  t:\n    any: [affiliation~=am]\n",
              "t", "affiliation takes '='");
    s_refused("affiliations: {amd: [{login: x, from: 2024-13-01}]}\n", "amd",
              "from/to must be dates");
    s_refused("affiliations: {amd: [{login: x, from: 2025-01-02, "
              "to: 2025-01-01}]}\n",
              "amd", "from is after to");
    s_refused("affiliations: {amd: [{from: 2025-01-02}]}\n", "amd",
              "a member is a login");
    s_refused("affiliations: {amd: x}\n", "amd", "list of members");
}

static const char s_per_repo[] =
    "topics:\n"
    "  amd: {title: AMD/ROCm, short: AMD, any: [label=rocm]}\n"
    "  nvidia: {title: NVIDIA, any: [label=cuda]}\n"
    "repositories:\n"
    "  Org/Special:\n"
    "    topics:\n"
    "      amd: {title: AMD, any: [files~=^hip/]}\n"
    "      tpu: {any: [title~=TPU]}\n"
    "      nvidia: null\n"
    "  org/alone:\n"
    "    inherit: false\n"
    "    topics: {intel: {any: [label=xpu]}}\n";

static void test_repository_topics_replace_add_and_drop(void **state)
{
    (void)state;
    rules_t *rules = s_rules(s_per_repo);
    dp_event_t ev = s_item("TPU work");
    ev.labels = LIST("rocm", "cuda", "xpu");
    ev.files = LIST("hip/kernel.cpp");
    /* The defaults. */
    assert_string_equal(s_match(rules, &ev).text,
                        "amd: label `rocm`; nvidia: label `cuda`");
    ev.repo = "other/repo";
    assert_string_equal(s_match(rules, &ev).text,
                        "amd: label `rocm`; nvidia: label `cuda`");
    /* amd replaced in place, nvidia dropped, tpu added; names are
     * case-insensitive. */
    ev.repo = "org/special";
    assert_string_equal(s_match(rules, &ev).text,
                        "amd: path `hip/kernel.cpp`; tpu: title matches `TPU`");
    ev.repo = "org/alone";
    assert_string_equal(s_match(rules, &ev).text, "intel: label `xpu`");
    /* The default topics stay what the defaults say. */
    assert_int_equal(rules_topic_count(rules), 2);
    assert_string_equal(rules_topic_title(rules, 0), "AMD/ROCm");
    rules_destroy(&rules);
}

static void test_topics_resolve_keeps_order_and_place(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    json_t *doc = dp_yaml_load(s_per_repo, strlen(s_per_repo), "rules.yml", err,
                               sizeof err);
    assert_non_null(doc);
    json_t *t = dp_topics_resolve(doc, "ORG/SPECIAL", err, sizeof err);
    assert_non_null(t);
    const char *keys[3] = {NULL, NULL, NULL};
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v)
    {
        if (n < 3)
            keys[n] = key;
        n++;
    }
    assert_int_equal(n, 2);
    assert_string_equal(keys[0], "amd");
    assert_string_equal(keys[1], "tpu");
    assert_string_equal(dp_json_str(t, "amd.title"), "AMD");
    json_decref(t);
    t = dp_topics_resolve(doc, NULL, err, sizeof err);
    assert_int_equal(json_object_size(t), 2);
    assert_string_equal(dp_json_str(t, "amd.title"), "AMD/ROCm");
    json_decref(t);
    json_decref(doc);
}

static void test_rules_refuse_bad_repository_entries(void **state)
{
    (void)state;
    s_refused("repositories: [a/b]\n", "repositories", "mapping");
    s_refused("repositories: {a/b: 3}\n", "a/b", "must be a mapping");
    s_refused("repositories: {a/b: {topic: {}}}\n", "a/b",
              "unknown key \"topic\"");
    s_refused("repositories: {a/b: {inherit: maybe}}\n", "a/b",
              "inherit must be true or false");
    /* A repository's own topics are checked, and the error names it. */
    s_refused("repositories:\n  a/b:\n    topics:\n      x: {any: "
              "[\"body~=(\"]}\n",
              "a/b: topic x", "regex error");
    s_refused("topic:\n  amd: {any: [label=rocm]}\n", "topic",
              "unknown key \"topic\"");
}

/* The topics of a devpulse.yml replace the built-in rules: its other keys
 * (timezone, windows, outputs, its list of repositories) are the services',
 * not the rules'; a rules file is still checked whole. */
static void test_rules_from_a_devpulse_config_file(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    json_t *doc = dp_topics_load_file(
        DP_SOURCE_DIR "/config/devpulse.example.yml", err, sizeof err);
    assert_non_null(doc);
    assert_null(json_object_get(doc, "timezone"));
    assert_null(json_object_get(doc, "repositories"));
    rules_t *rules = rules_new(doc, err, sizeof err);
    json_decref(doc);
    if (!rules)
        fail_msg("rules refused: %s", err);
    assert_int_equal(rules_topic_count(rules), 1);
    assert_string_equal(rules_topic_title(rules, 0), "AMD/ROCm");
    rules_destroy(&rules);

    doc = dp_topics_load_file(RULES_FILE, err, sizeof err);
    json_t *whole = dp_yaml_load_file(RULES_FILE, err, sizeof err);
    assert_non_null(doc);
    assert_true(json_equal(doc, whole));
    json_decref(whole);
    json_decref(doc);

    char dir[] = "/tmp/dp-test-classifier-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = dp_asprintf("%s/rules.yml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("timezone: UTC\ntopics: {}\n", f);
    fclose(f);
    doc = dp_topics_load_file(path, err, sizeof err);
    assert_non_null(doc);
    assert_null(rules_new(doc, err, sizeof err));
    assert_non_null(strstr(err, "unknown key \"timezone\""));
    json_decref(doc);
    assert_null(dp_topics_load_file("/nonexistent/rules.yml", err, sizeof err));
    unlink(path);
    rmdir(dir);
    dp_free(path);
}

static void test_category_from_conventional_commit_prefix(void **state)
{
    (void)state;
    rules_t *rules = s_rules("topics: {}\n");
    static const struct {
        const char *title, *category;
    } cases[] = {
        {"fix: handle empty prompts", "bugfix"},
        {"feat(api): add /v1/embeddings batching", "feature"},
        {"perf!: drop a host sync", "performance"},
        {"docs: typo", "docs"},
        {"chore(deps): bump x", "misc"},
        {"Fix: not a commit type without the space after", "bugfix"},
        {"fixing: not a type we know", "other"},
        {"fix:no space", "other"},
        {"Bump actions/checkout from 4 to 5", "other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dp_event_t ev = s_item(cases[i].title);
        const char *got = rules_category(rules, &ev);
        if (strcmp(got, cases[i].category) != 0)
            fail_msg("\"%s\": %s, want %s", cases[i].title, got,
                     cases[i].category);
    }
    dp_event_t ev = s_item("Bump actions/checkout from 4 to 5");
    ev.labels = LIST("dependencies");
    assert_string_equal(rules_category(rules, &ev), "ci");
    rules_destroy(&rules);
}

static void test_shipped_amd_topic_reads_bodies_like_vllm(void **state)
{
    const rules_t *rules = *state;
    dp_event_t ev = s_item("Crash on startup");
    ev.body = "Running on an AMD Instinct MI250 node.";
    s_amd(rules, &ev, "body matches `AMD`");
    ev.body = "The HIP graph capture fails.";
    s_amd(rules, &ev, "body matches `HIP`");
    ev.body = "Quantized with Quark to FP8.";
    s_amd(rules, &ev, "body matches `Quark`");
    ev.body = "ROCM used to build PyTorch: 6.3.42131-fa1d09cbd";
    s_amd(rules, &ev, "body matches `ROCM`");
    /* Not AMD work: CPUs, "hip" the word, empty collect_env.py lines. */
    ev.body = "CPU: AMD Ryzen 9 7950X\nHIP runtime version: N/A\n"
              "MIOpen runtime version: N/A\nROCm: Disabled\n"
              "The fix was shipped; hip hip hooray.";
    s_miss(rules, &ev);
    /* The title and the body both hold: two reasons. */
    ev = s_item("[Bug]: hang on MI300X");
    ev.body = "Seen with AITER enabled.";
    assert_string_equal(s_match(rules, &ev).text,
                        "amd: title matches `MI300X`; amd: body matches "
                        "`AITER`");
}

/* ==== The fast path of regex matches ==== */

/* The same rules twice: with the fast path, and with every match counted
 * (the fast path off), as rules.c matched before it had one. */
typedef struct {
    rules_t *fast, *counted;
    unsigned long compared; /* events both matched */
    unsigned long hits;     /* of those, events that matched a topic */
} s_twins_t;

static s_twins_t s_twins(rules_t *fast, rules_t *counted)
{
    rules_set_fast_max(counted, 0);
    return (s_twins_t){fast, counted, 0, 0};
}

static void s_twins_free(s_twins_t *t)
{
    rules_destroy(&t->fast);
    rules_destroy(&t->counted);
}

/* Both copies give the same topics and reasons for ev, and have given up
 * on as many matches. */
static void s_agree(s_twins_t *t, const dp_event_t *ev)
{
    s_hits_t fast = s_match(t->fast, ev);
    s_hits_t counted = s_match(t->counted, ev);
    assert_string_equal(fast.text, counted.text);
    assert_int_equal(rules_regex_gave_up(t->fast),
                     rules_regex_gave_up(t->counted));
    t->compared++;
    t->hits += fast.text[0] != '\0';
}

/* An item whose title and body are both text. */
static void s_agree_text(s_twins_t *t, const char *text)
{
    dp_event_t ev = s_item(text);
    ev.body = (char *)text;
    s_agree(t, &ev);
}

#define S_JSON_DEPTH 64 /* deepest JSON walked in a fixture */

/* Every "title" and "body" string in v, and in JSON held by its strings
 * (a recorded response body), goes through s_agree_text. */
static void s_walk(s_twins_t *t, const json_t *v, int depth)
{
    if (depth > S_JSON_DEPTH)
        return;
    if (json_is_string(v)) {
        const char *text = json_string_value(v);
        if (text[0] != '{' && text[0] != '[')
            return;
        json_t *inner = json_loads(text, 0, NULL);
        s_walk(t, inner, depth + 1);
        json_decref(inner);
        return;
    }
    const char *key;
    json_t *kid;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, kid)
        {
            if (json_is_string(kid) &&
                (!strcmp(key, "title") || !strcmp(key, "body")))
                s_agree_text(t, json_string_value(kid));
            s_walk(t, kid, depth + 1);
        }
    }
    json_array_foreach(v, i, kid) s_walk(t, kid, depth + 1);
}

/* Each line of text that holds JSON (ReplayData, GH Archive). */
static void s_walk_lines(s_twins_t *t, char *text)
{
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        json_t *doc =
            line[0] == '{' || line[0] == '[' ? json_loads(line, 0, NULL) : NULL;
        s_walk(t, doc, 0);
        json_decref(doc);
        line = end ? end + 1 : NULL;
    }
}

/* The whole of a file, gunzipped when it ends in .gz; NULL when it cannot
 * be read. The caller frees it. */
static char *s_slurp(const char *path)
{
    gzFile f = gzopen(path, "rb"); /* reads plain files as they are */
    if (!f)
        return NULL;
    dp_buf_t buf = DP_BUF_INIT;
    char chunk[65536];
    int n;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0)
        dp_buf_append(&buf, chunk, (size_t)n);
    gzclose(f);
    dp_buf_append(&buf, "", 1);
    return dp_buf_take(&buf);
}

#define S_DIR_DEPTH 8 /* deepest folder read under the fixtures */

static void s_walk_dir(s_twins_t *t, const char *dir, int depth)
{
    DIR *d = depth <= S_DIR_DEPTH ? opendir(dir) : NULL;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = dp_asprintf("%s/%s", dir, e->d_name);
        const char *dot = strrchr(e->d_name, '.');
        char *text = dot && (!strcmp(dot, ".json") || !strcmp(dot, ".txt") ||
                             !strcmp(dot, ".gz"))
                         ? s_slurp(path)
                         : NULL;
        if (!dot)
            s_walk_dir(t, path, depth + 1);
        json_t *doc =
            text && !strcmp(dot, ".json") ? json_loads(text, 0, NULL) : NULL;
        if (doc)
            s_walk(t, doc, 0);
        else if (text)
            s_walk_lines(t, text);
        json_decref(doc);
        dp_free(text);
        dp_free(path);
    }
    closedir(d);
}

static void test_fast_path_agrees_on_recorded_github_text(void **state)
{
    (void)state;
    const char *shared = getenv("DP_SHARED_DIR");
    char *dir = dp_asprintf("%s/fixtures",
                            shared ? shared : DP_SOURCE_DIR "/../shared");
    if (access(dir, R_OK) != 0) {
        dp_free(dir);
        skip();
    }
    s_twins_t t = s_twins(s_shipped(), s_shipped());
    s_walk_dir(&t, dir, 0);
    dp_free(dir);
    /* GH Archive's hour alone has hundreds of issues and pull requests
     * (none of them AMD work), nearly all decided by the fast path. */
    print_message("%lu texts, %lu matched a topic\n", t.compared, t.hits);
    assert_true(t.compared >= 500);
    assert_true(rules_regex_fast(t.fast) >= t.compared);
    assert_int_equal(rules_regex_fast(t.counted), 0);
    s_twins_free(&t);
}

static const char *const s_words[] = {
    "the",    "kernel",   "fails",   "on",      "a",       "node",  "with",
    "AMD",    "EPYC",     "Ryzen",   "ROCm",    "ROCM",    "rocm",  "used",
    "to",     "build",    "PyTorch", "runtime", "version", "HIP",   "hip",
    "MI300X", "MI355",    "gfx942",  "gfx90a",  "CDNA3",   "AITER", "Quark",
    "N/A",    "Disabled", "None",    "Not Set", "NVIDIA",  "H100",  "Ω",
    "déjà",   "```",      "#1234",   "amd",     "AMDGPU",  "MI",    "fix",
};
static const char *const s_plain[] = {
    "the",  "kernel", "fails", "on",    "a",     "node",  "with",    "NVIDIA",
    "H100", "cuda",   "graph", "batch", "token", "cache", "sampler", "déjà",
};
static const char *const s_seps[] = {" ", " ", " ", ": ", ":", "\n", ". "};

/* Deterministic prose of about len bytes from words[0..nwords). */
static char *s_prose(uint64_t *seed, const char *const *words, size_t nwords,
                     size_t len)
{
    dp_buf_t buf = DP_BUF_INIT;
    dp_buf_append(&buf, "", 1);
    buf.len = 0;
    while (buf.len < len) {
        *seed = *seed * 6364136223846793005u + 1442695040888963407u;
        uint32_t r = (uint32_t)(*seed >> 33);
        dp_buf_puts(&buf, words[r % nwords]);
        dp_buf_puts(&buf, s_seps[(r >> 8) % (sizeof s_seps / sizeof *s_seps)]);
    }
    return dp_buf_take(&buf);
}

static void test_fast_path_agrees_on_prose(void **state)
{
    (void)state;
    s_twins_t t = s_twins(s_shipped(), s_shipped());
    uint64_t seed = 42;
    /* Lengths from 0 to past the fast path's longest text (16 KiB). */
    for (size_t i = 0; i < 300; i++) {
        size_t len = (i * i * 7) % 20000;
        char *amd = s_prose(&seed, s_words, sizeof s_words / sizeof *s_words,
                            len % 400);
        char *plain =
            s_prose(&seed, s_plain, sizeof s_plain / sizeof *s_plain, len);
        s_agree_text(&t, amd);
        unsigned long hits = t.hits;
        s_agree_text(&t, plain);
        assert_int_equal(t.hits, hits); /* no AMD word, no topic */
        dp_free(amd);
        dp_free(plain);
    }
    for (size_t i = 0; i < 40; i++) {
        char *amd = s_prose(&seed, s_words, sizeof s_words / sizeof *s_words,
                            15000 + i * 100);
        s_agree_text(&t, amd);
        dp_free(amd);
    }
    assert_true(t.hits >= 200);
    assert_true(rules_regex_fast(t.fast) > 0);
    assert_int_equal(rules_regex_gave_up(t.fast), 0);
    s_twins_free(&t);
}

/* What the rule "body~=pattern" says of body by PCRE2 itself, with
 * PCRE2's default limits: "t: body matches `...`" or "". */
static s_hits_t s_reference(const char *pattern, const char *body)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    assert_non_null(re);
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)body, strlen(body), 0, 0, md, NULL);
    assert_true(rc > 0 || rc == PCRE2_ERROR_NOMATCH);
    s_hits_t hits = {""};
    if (rc > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        snprintf(hits.text, sizeof hits.text, "t: body matches `%.*s`",
                 (int)(ov[1] - ov[0]), body + ov[0]);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return hits;
}

static void test_fast_path_agrees_on_pathological_regexes(void **state)
{
    (void)state;
    static const char *const patterns[] = {
        "(a+)+$",                /* exponential */
        "(?:a|aa|aaa){1,9}b",    /* polynomial */
        "(?:a|aa){1,7}b",        /* just under the fast limit */
        "(a+)+!x|a{5}!",         /* costly, then a match */
        "^(?:(?!forbidden).)*$", /* deep but sound */
    };
    static const size_t sizes[] = {12, 30, 200, 4000, 16380, 16384, 20000};
    static const char *const tails[] = {"!", "b", "!x", ""};
    unsigned long finished = 0; /* texts only the fast path finished */
    for (size_t c = 0; c < sizeof patterns / sizeof *patterns; c++) {
        char *cond = dp_asprintf("      - body~=%s\n", patterns[c]);
        s_twins_t t = s_twins(s_one(cond), s_one(cond));
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            for (size_t j = 0; j < sizeof tails / sizeof *tails; j++) {
                char *body = s_body('a', sizes[k] - strlen(tails[j]), tails[j]);
                dp_event_t ev = s_item("a title");
                ev.body = body;
                unsigned long gave_up = rules_regex_gave_up(t.counted);
                unsigned long fast_gave_up = rules_regex_gave_up(t.fast);
                unsigned long fast = rules_regex_fast(t.fast);
                s_hits_t a = s_match(t.fast, &ev);
                s_hits_t b = s_match(t.counted, &ev);
                if (rules_regex_gave_up(t.counted) == gave_up ||
                    rules_regex_gave_up(t.fast) > fast_gave_up) {
                    /* Both finished, or both gave up: the same. */
                    assert_string_equal(a.text, b.text);
                } else {
                    /* The counted copy spent its step budget where the
                     * fast one finished within its bound: the fast path
                     * gives PCRE2's own answer, not a give-up. */
                    assert_true(rules_regex_fast(t.fast) == fast + 1);
                    assert_true(sizes[k] <= 16384);
                    assert_string_equal(a.text,
                                        s_reference(patterns[c], body).text);
                    finished++;
                }
                dp_free(body);
            }
        }
        assert_true(rules_regex_gave_up(t.fast) <=
                    rules_regex_gave_up(t.counted));
        s_twins_free(&t);
        dp_free(cond);
    }
    /* (?:a|aa){1,7}b on 16 KiB of "a...ab": about 610 steps at each
     * position, past the budget, yet under 256 units of the fast limit. */
    assert_int_equal(finished, 2);
    /* Long texts run counted on both sides: gave up alike. */
    s_twins_t t = s_twins(s_one("      - body~=(?:a|aa|aaa){1,9}b\n"),
                          s_one("      - body~=(?:a|aa|aaa){1,9}b\n"));
    char *body = s_body('a', 100 * 1024, "b");
    dp_event_t ev = s_item("a title");
    ev.body = body;
    s_agree(&t, &ev);
    assert_int_equal(rules_regex_gave_up(t.fast), 1);
    assert_int_equal(rules_regex_fast(t.fast), 0);
    dp_free(body);
    s_twins_free(&t);
}

static void test_fast_path_hands_what_it_cannot_finish_on(void **state)
{
    (void)state;
    /* At each of the first positions (a+)+!x backtracks thousands of
     * times, past the fast path's limit but well within the counted
     * one's: the counted copy finds the match, and nothing gave up. */
    rules_t *rules = s_one("      - body~=(a+)+!x|a{5}!\n");
    dp_event_t ev = s_item("a title");
    char *body = s_body('a', 12, "!");
    ev.body = body;
    s_hit(rules, &ev, "body matches `aaaaa!`");
    assert_int_equal(rules_regex_fast(rules), 0);
    assert_int_equal(rules_regex_gave_up(rules), 0);
    /* Cheap text: the fast copy decides, both ways. */
    ev.body = "then aaaaa! at once";
    s_hit(rules, &ev, "body matches `aaaaa!`");
    ev.body = "nothing here";
    s_miss(rules, &ev);
    assert_int_equal(rules_regex_fast(rules), 2);
    /* One byte past its longest text, the counted copy alone runs. */
    dp_free(body);
    body = s_body('x', 16384, " aaaaa!");
    ev.body = body;
    s_hit(rules, &ev, "body matches `aaaaa!`");
    assert_int_equal(rules_regex_fast(rules), 2);
    rules_set_fast_max(rules, 16384 + strlen(" aaaaa!"));
    s_hit(rules, &ev, "body matches `aaaaa!`");
    assert_int_equal(rules_regex_fast(rules), 3);
    assert_int_equal(rules_regex_gave_up(rules), 0);
    dp_free(body);
    rules_destroy(&rules);
}

/* A long organization name is cut on a character boundary: the reason
 * stays valid UTF-8 and keeps its closing parenthesis (fuzz_rules). */
static void test_affiliation_reason_with_a_long_name_stays_valid(void **state)
{
    (void)state;
    rules_t *rules =
        s_rules("topics:\n  t: {any: [affiliation=amd]}\n"
                "affiliations:\n  amd:\n    name: "
                "超威半导体超威半导体超威半导体超威半导体超威半导体超威半导体"
                "超威半导体超威半导体超威半导体超威半导体\n"
                "    members: [alice]\n");
    dp_event_t ev = s_item("Anything");
    ev.author = "alice";
    ev.created_at = 1;
    s_hits_t hits = s_match(rules, &ev);
    size_t len = strlen(hits.text);
    assert_true(len > 0 && hits.text[len - 1] == ')');
    /* Valid UTF-8: every lead byte has its continuation bytes. */
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)hits.text[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        assert_true((c & 0xC0) != 0x80);
        for (size_t k = 1; k < n; k++)
            assert_int_equal((unsigned char)hits.text[i + k] & 0xC0, 0x80);
        i += n;
    }
    assert_non_null(strstr(hits.text, "t: author `alice` (超威半导体"));
    rules_destroy(&rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_equals_matches_one_of_the_labels),
        cmocka_unit_test(test_label_regex_matches_and_names_the_label),
        cmocka_unit_test(test_title_regex_with_caseless_flag_quotes_the_match),
        cmocka_unit_test(test_catastrophic_regex_gives_up_as_no_match),
        cmocka_unit_test(test_heavy_but_sound_regex_still_matches_long_body),
        cmocka_unit_test(test_title_equals_needs_the_whole_title),
        cmocka_unit_test(test_body_regex_quotes_the_match),
        cmocka_unit_test(test_files_equals_and_regex_name_the_path),
        cmocka_unit_test(test_author_equals_and_regex),
        cmocka_unit_test(test_leading_dash_negates_a_condition),
        cmocka_unit_test(test_nested_any_all_or_and),
        cmocka_unit_test(test_any_list_records_every_reason_in_rule_order),
        cmocka_unit_test(test_every_matching_topic_is_listed_with_its_reason),
        cmocka_unit_test(test_rules_without_topics_match_nothing),
        cmocka_unit_test(test_rules_refuse_unknown_attribute),
        cmocka_unit_test(test_rules_refuse_condition_without_operator),
        cmocka_unit_test(test_rules_refuse_bad_regex_with_its_message),
        cmocka_unit_test(test_rules_refuse_empty_any_list),
        cmocka_unit_test(test_rules_refuse_both_any_and_all),
        cmocka_unit_test(test_rules_refuse_nesting_beyond_bound),
        cmocka_unit_test(test_shipped_rules_load_with_an_amd_topic),
        cmocka_unit_test_setup_teardown(
            test_shipped_amd_topic_matches_rocm_work, s_setup_shipped,
            s_teardown_rules),
        cmocka_unit_test_setup_teardown(
            test_shipped_amd_topic_ignores_lookalikes, s_setup_shipped,
            s_teardown_rules),
        cmocka_unit_test_setup_teardown(
            test_shipped_amd_topic_ignores_environment_dump, s_setup_shipped,
            s_teardown_rules),
        cmocka_unit_test(test_category_from_title_tags),
        cmocka_unit_test(test_category_from_labels_when_no_tag),
        cmocka_unit_test(test_category_overrides_from_rules_doc),
        cmocka_unit_test(test_category_overrides_must_be_names),
        cmocka_unit_test(test_classify_copies_event_and_adds_topics_category),
        cmocka_unit_test(test_classify_hotness_grows_with_discussion),
        cmocka_unit_test(test_classify_flags_bots_by_type_or_login),
        cmocka_unit_test(test_classify_judges_comments_by_their_actor),
        cmocka_unit_test(test_classify_result_round_trips),
        cmocka_unit_test(test_reasons_are_listed_once_and_bounded),
        cmocka_unit_test(test_negated_conditions_alone_give_rule_matched),
        cmocka_unit_test(test_affiliation_holds_within_its_dates),
        cmocka_unit_test(test_memberships_change_only_at_membership_dates),
        cmocka_unit_test(test_engine_remembers_an_item_exactly),
        cmocka_unit_test(test_rules_refuse_bad_affiliations),
        cmocka_unit_test(test_affiliation_reason_with_a_long_name_stays_valid),
        cmocka_unit_test(test_repository_topics_replace_add_and_drop),
        cmocka_unit_test(test_topics_resolve_keeps_order_and_place),
        cmocka_unit_test(test_rules_refuse_bad_repository_entries),
        cmocka_unit_test(test_rules_from_a_devpulse_config_file),
        cmocka_unit_test(test_category_from_conventional_commit_prefix),
        cmocka_unit_test_setup_teardown(
            test_shipped_amd_topic_reads_bodies_like_vllm, s_setup_shipped,
            s_teardown_rules),
        cmocka_unit_test(test_fast_path_agrees_on_recorded_github_text),
        cmocka_unit_test(test_fast_path_agrees_on_prose),
        cmocka_unit_test(test_fast_path_agrees_on_pathological_regexes),
        cmocka_unit_test(test_fast_path_hands_what_it_cannot_finish_on),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
