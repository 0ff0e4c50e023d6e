/* fuzz_rules.c - libFuzzer harness: rules_new on YAML rules documents */
/* SPDX-License-Identifier: MIT */
/*
 * The input is a YAML rules document (config/rules.yml is the model),
 * loaded with dp_yaml_load and given to rules_new. A refusal must come with
 * a message. Built rules are read back (topic ids, titles, short names)
 * and matched against fixed items and one whose title and body are the
 * input's first bytes: every (topic, reason) pair must name a topic of the
 * item's repository with a non-empty reason, a topic's pairs stand
 * together and are at most RULES_REASONS_MAX, and every item gets a
 * category. A reason of an item whose texts are valid UTF-8 must be valid
 * UTF-8 too: the summarizer puts reasons into the digest with json_string,
 * which refuses anything else, and the reason would be lost.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "rules.h"

#define S_ERRLEN 512
#define S_TEXT_MAX 256 /* bytes of the input used as a title and body */
#define S_NITEMS 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_rules: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

static void s_push_all(dp_strs_t *list, const char *const *items)
{
    for (size_t i = 0; items[i]; i++)
        dp_strs_push(list, items[i]);
}

/* Items that touch every kind of condition. Created 2025-12-10. */
static void s_items(dp_event_t *ev, size_t n, const char *repo,
                    const char *text)
{
    static const char *const labels0[] = {"rocm", "bug", "ci/build", NULL};
    static const char *const files0[] = {"vllm/platforms/rocm.py",
                                         "csrc/rocm/attention.cu", NULL};
    static const char *const labels2[] = {"", "Documentation",
                                          "\xe6\x96\x87\xe6\xa1\xa3", NULL};
    static const char *const files4[] = {
        "docs/\xe4\xb8\xad\xe6\x96\x87/"
        "\xe5\xae\x89\xe8\xa3\x85\xe6\x8c\x87\xe5\x8d\x97"
        "-rocm-\xe5\xae\x89\xe8\xa3\x85.md",
        NULL};
    memset(ev, 0, n * sizeof *ev);
    ev[0].repo = dp_strdup("vllm-project/vllm");
    ev[0].title = dp_strdup("[ROCm][Kernel] Fuse RMSNorm on MI300X (gfx942)");
    ev[0].body = dp_strdup("ROCm: Disabled\nAMD EPYC 9654\nHIP kernels for "
                           "AITER on MI355X");
    ev[0].author = dp_strdup("alice");
    ev[0].created_at = 1765362540;
    s_push_all(&ev[0].labels, labels0);
    s_push_all(&ev[0].files, files0);
    ev[1].repo = dp_strdup(repo);
    ev[1].title = dp_strdup("feat(api)!: stream tokens");
    ev[1].author = dp_strdup("dependabot[bot]");
    ev[1].at = 1700000000;
    ev[2].repo = dp_strdup("Other/Repo");
    ev[2].title = dp_strdup("  [Doc] [unknown] fix: typo");
    ev[2].body = dp_strdup("");
    s_push_all(&ev[2].labels, labels2);
    ev[3].repo = dp_strdup(repo);
    ev[3].title = dp_strdup(text);
    ev[3].body = dp_strdup(text);
    ev[3].author = dp_strdup(text);
    ev[3].created_at = 1;
    dp_strs_push(&ev[3].labels, text);
    dp_strs_push(&ev[3].files, text);
    /* A Chinese title and body, as in a Chinese project. */
    ev[4].repo = dp_strdup(repo);
    ev[4].title =
        dp_strdup("[ROCm] \xe5\x9c\xa8 MI300X \xe4\xb8\x8a\xe8\xbf\x90\xe8\xa1"
                  "\x8c\xe5\xa4\xa7\xe6\xa8\xa1\xe5\x9e\x8b\xe6\x97\xb6"
                  "\xe5\x87\xba\xe7\x8e\xb0\xe6\x98\xbe\xe5\xad\x98\xe4"
                  "\xb8\x8d\xe8\xb6\xb3\xe7\x9a\x84\xe9\x97\xae\xe9\xa2"
                  "\x98\xef\xbc\x8c\xe9\x9c\x80\xe8\xa6\x81\xe8\xb0\x83"
                  "\xe6\x95\xb4 gfx942 \xe5\x86\x85\xe6\xa0\xb8\xe5\x8f\x82"
                  "\xe6\x95\xb0");
    ev[4].body =
        dp_strdup("\xe5\xa4\x8d\xe7\x8e\xb0\xe6\xad\xa5\xe9\xaa\xa4\xef\xbc"
                  "\x9a\xe5\x90\xaf\xe5\x8a\xa8 ROCm 6.2 \xe7\x8e\xaf\xe5\xa2"
                  "\x83\xe5\x90\x8e\xe5\x8f\x91\xe9\x80\x81\xe4\xb8\xa4"
                  "\xe5\x8d\x83\xe4\xb8\xaa\xe8\xaf\xb7\xe6\xb1\x82\xef\xbc"
                  "\x8c\xe6\x9c\x8d\xe5\x8a\xa1\xe5\x81\x9c\xe6\xad\xa2"
                  "\xe5\x93\x8d\xe5\xba\x94\xe3\x80\x82"
                  "AMD \xe6\x98\xbe"
                  "\xe5\x8d\xa1\xef\xbc\x9aMI300X");
    ev[4].author = dp_strdup("\xe5\xbc\xa0\xe4\xb8\x89");
    ev[4].created_at = 1765362540;
    dp_strs_push(&ev[4].labels, "\xe9\x97\xae\xe9\xa2\x98 rocm");
    s_push_all(&ev[4].files, files4);
}

/* Whether the summarizer can put s into a JSON document. */
static bool s_json_ok(const char *s)
{
    json_t *j = s ? json_string(s) : json_null();
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

static bool s_item_json_ok(const dp_event_t *ev)
{
    bool ok =
        s_json_ok(ev->title) && s_json_ok(ev->body) && s_json_ok(ev->author);
    for (size_t i = 0; ok && i < ev->labels.count; i++)
        ok = s_json_ok(ev->labels.items[i]);
    for (size_t i = 0; ok && i < ev->files.count; i++)
        ok = s_json_ok(ev->files.items[i]);
    return ok;
}

static void s_items_free(dp_event_t *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dp_msg_t m = {.type = DP_MSG_EVENT};
        m.u.event = ev[i];
        dp_msg_clear(&m);
    }
}

static void s_check_match(const dp_event_t *ev, const dp_strs_t *topics,
                          const dp_strs_t *reasons)
{
    bool utf8 = s_item_json_ok(ev);
    if (topics->count != reasons->count)
        s_bug("topics and reasons differ in length", NULL);
    size_t run = 0;
    for (size_t i = 0; i < topics->count; i++) {
        if (!reasons->items[i][0])
            s_bug("an empty reason", topics->items[i]);
        if (utf8 && !s_json_ok(reasons->items[i]))
            s_bug("a reason is not valid UTF-8 (the digest would lose it)",
                  reasons->items[i]);
        run = i > 0 && strcmp(topics->items[i], topics->items[i - 1]) == 0
                  ? run + 1
                  : 1;
        if (run > RULES_REASONS_MAX)
            s_bug("more than RULES_REASONS_MAX reasons", topics->items[i]);
        for (size_t k = 0; i > 0 && run == 1 && k + 1 < i; k++)
            if (strcmp(topics->items[k], topics->items[i]) == 0)
                s_bug("a topic's reasons are not together", topics->items[i]);
        for (size_t k = i + 1 - run; k < i; k++)
            if (strcmp(reasons->items[k], reasons->items[i]) == 0)
                s_bug("a reason appears twice for one topic",
                      reasons->items[i]);
    }
}

static void s_exercise(const rules_t *rules, const json_t *doc,
                       const char *text)
{
    size_t n = rules_topic_count(rules);
    for (size_t i = 0; i < n; i++)
        if (!rules_topic_id(rules, i) || !rules_topic_title(rules, i) ||
            !rules_topic_short(rules, i))
            s_bug("a default topic without an id, title or short name", NULL);
    if (rules_topic_id(rules, n) || rules_topic_title(rules, n) ||
        rules_topic_short(rules, n))
        s_bug("a topic past the end", NULL);

    /* The first repository of the document, if any, gets its own set. */
    json_t *repos = json_object_get(doc, "repositories");
    void *iter = json_is_object(repos) ? json_object_iter(repos) : NULL;
    const char *repo = iter ? json_object_iter_key(iter) : "a/b";

    dp_event_t ev[S_NITEMS];
    s_items(ev, S_NITEMS, repo, text);
    for (size_t i = 0; i < S_NITEMS; i++) {
        dp_strs_t topics = {0}, reasons = {0};
        rules_match(rules, &ev[i], &topics, &reasons);
        s_check_match(&ev[i], &topics, &reasons);
        if (!rules_category(rules, &ev[i]))
            s_bug("an item without a category", NULL);
        dp_msg_t m = {.type = DP_MSG_CLASSIFIED};
        m.u.classified.topics = topics;
        m.u.classified.reasons = reasons;
        dp_msg_clear(&m);
    }
    s_items_free(ev, S_NITEMS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[S_ERRLEN] = "";
    json_t *doc =
        dp_yaml_load((const char *)data, size, "rules.yml", err, sizeof err);
    if (!doc)
        return 0;
    err[0] = '\0';
    rules_t *rules = rules_new(doc, err, sizeof err);
    if (!rules) {
        if (err[0] == '\0')
            s_bug("rules_new refused a document without saying why", NULL);
    } else {
        char *text = dp_strndup((const char *)data,
                                size < S_TEXT_MAX ? size : S_TEXT_MAX);
        s_exercise(rules, doc, text);
        dp_free(text);
        rules_destroy(&rules);
        rules_destroy(&rules); /* idempotent */
        if (rules)
            s_bug("rules_destroy did not clear the pointer", NULL);
    }
    json_decref(doc);
    return 0;
}
