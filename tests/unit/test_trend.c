/* test_trend.c - the earlier windows' counts (collector and summarizer) */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_time.h"
#include "gh_history.h"
#include "gh_normalize.h"
#include "trend.h"
#include "writer.h"

#define BUSY DP_SOURCE_DIR "/tests/data/busy/vllm-project/vllm/issues.json"
#define REPO "vllm-project/vllm"
#define HOUR 3600
#define DAY 86400
#define LINE_MAX 256

/* The counts of [a, b) straight from the raw issues.json, with jq: opened
 * at created_at, closed (issues) or closed unmerged (pull requests, no
 * pull_request.merged_at) at closed_at, merged at pull_request.merged_at. */
static const char s_jq[] =
    "def t(x): if x == null then -1 else (x | fromdateiso8601) end;"
    "def w(x): t(x) as $v | $v >= $a and $v < $b;"
    "def n(f): [.[] | select(f)] | length;"
    "\"\\(n((has(\"pull_request\") | not) and w(.created_at))) "
    "\\(n((has(\"pull_request\") | not) and w(.closed_at))) "
    "\\(n(has(\"pull_request\") and w(.created_at))) "
    "\\(n(has(\"pull_request\") and w(.pull_request.merged_at))) "
    "\\(n(has(\"pull_request\") and .pull_request.merged_at == null and "
    "w(.closed_at)))\"";

/* The five jq counts of [a, b); false when jq cannot be run. */
static bool s_jq_counts(int64_t a, int64_t b, long out[GH_HISTORY_COUNTS])
{
    char *cmd = dp_asprintf("jq -r --argjson a %lld --argjson b %lld '%s' %s",
                            (long long)a, (long long)b, s_jq, BUSY);
    FILE *p = popen(cmd, "r");
    dp_free(cmd);
    if (!p)
        return false;
    int got = fscanf(p, "%ld %ld %ld %ld %ld", &out[0], &out[1], &out[2],
                     &out[3], &out[4]);
    return pclose(p) == 0 && got == GH_HISTORY_COUNTS;
}

/* gh_history of the busy dataset for the window [from, from + len), every
 * item listed since the oldest earlier window, as the collector does. */
static void s_count_busy(gh_history_t *h, int64_t from, int64_t len, long k)
{
    json_error_t e;
    json_t *issues = json_load_file(BUSY, 0, &e);
    assert_non_null(issues);
    gh_history_init(h, from, from + len, gh_history_windows(len, k));
    size_t i;
    json_t *it;
    json_array_foreach(issues, i, it)
    {
        dp_event_t snap;
        char err[LINE_MAX];
        assert_int_equal(
            gh_item_snapshot(it, REPO, 100, &snap, err, sizeof err), 0);
        if (snap.updated_at >= gh_history_since(h)) {
            gh_history_count(h, it, &snap);
            gh_history_count(h, it, &snap); /* read again: counted once */
        }
        dp_msg_t m = {.type = DP_MSG_EVENT, .u.event = snap};
        dp_msg_clear(&m);
    }
    json_decref(issues);
}

static int64_t s_at(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(dp_time_parse(iso, &t, NULL), 0);
    return t;
}

static void test_history_counts_equal_jq_counts_of_raw_data(void **state)
{
    (void)state;
    long want[GH_HISTORY_COUNTS];
    if (!s_jq_counts(0, 1, want))
        skip();
    static const struct {
        const char *from;
        int64_t len;
        long k;
    } cases[] = {{"2025-12-15T06:00:00Z", HOUR, -1},
                 {"2025-12-15T03:00:00Z", HOUR, 24},
                 {"2025-12-15T00:00:00Z", 6 * HOUR, 6}};
    long nonzero = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gh_history_t h = {0};
        int64_t from = s_at(cases[c].from);
        s_count_busy(&h, from, cases[c].len, cases[c].k);
        assert_true(h.n >= GH_HISTORY_MIN);
        for (size_t k = 0; k < h.n; k++) {
            int64_t b = from - (int64_t)k * cases[c].len;
            assert_true(s_jq_counts(b - cases[c].len, b, want));
            for (int s = 0; s < GH_HISTORY_COUNTS; s++) {
                assert_int_equal(h.counts[k][s], want[s]);
                nonzero += want[s];
            }
        }
        gh_history_clear(&h);
    }
    assert_true(nonzero > 100); /* the windows compared are busy ones */
}

static void test_history_windows_by_length(void **state)
{
    (void)state;
    assert_int_equal(gh_history_windows(HOUR, -1), GH_HISTORY_HOURS);
    assert_int_equal(gh_history_windows(DAY, -1), GH_HISTORY_DAYS);
    assert_int_equal(gh_history_windows(7 * DAY, -1), GH_HISTORY_WEEKS);
    assert_int_equal(gh_history_windows(HOUR, 0), 0);
    assert_int_equal(gh_history_windows(HOUR, 20), 20);
    assert_int_equal(gh_history_windows(HOUR, 99), GH_HISTORY_HOURS);
}

/* The message's history text, the digest's facts.history, and the
 * writer's trends of a window. */
static char *s_trends_of(const char *history_json, const json_t *previous,
                         bool zh)
{
    json_t *d = json_pack(
        "{s:I, s:I, s:s, s:{s:i, s:i, s:i, s:i, s:i}, "
        "s:{s:O, s:{s:i}}}",
        "from", (json_int_t)1765778400, "to", (json_int_t)(1765778400 + HOUR),
        "lang", zh ? "zh" : "en", "counts", "new_issues", 5, "closed_issues", 1,
        "new_prs", 2, "merged_prs", 3, "closed_prs", 0, "facts", "previous",
        previous, "categories", "bugfix", 1);
    trend_attach(d, history_json);
    writer_extractive(d);
    char *out = dp_strdup(dp_json_str(d, "sections.trends"));
    json_decref(d);
    return out;
}

/* The trends of an hour of the busy dataset at from, compared with the 6
 * hours before it as the listing counts them and no ledger. */
static char *s_busy_trends(const char *from, bool zh)
{
    gh_history_t h = {0};
    s_count_busy(&h, s_at(from), HOUR, 6);
    char *text = gh_history_json(&h);
    json_t *none = json_array();
    char *out = s_trends_of(text, none, zh);
    json_decref(none);
    free(text);
    gh_history_clear(&h);
    assert_non_null(out);
    return out;
}

static void test_one_shot_report_compares_with_the_listing(void **state)
{
    (void)state;
    char *en = s_busy_trends("2025-12-15T06:00:00Z", false);
    assert_null(strstr(en, "first recorded period"));
    assert_non_null(strstr(en, "Compared with the previous period: new "
                               "issues 17 → 5"));
    assert_non_null(strstr(en, "Counts against the 6 previous periods"));
    assert_non_null(strstr(en, "new issues 5 (17, 14, 9, 9, 8, 8)"));
    dp_free(en);
    /* Without any history: the first recorded period, as before. */
    json_t *none = json_array();
    char *first = s_trends_of(NULL, none, false);
    assert_non_null(strstr(first, "first recorded period"));
    dp_free(first);
    json_decref(none);
}

static void test_younger_repository_says_nothing_to_compare(void **state)
{
    (void)state;
    /* The busy dataset begins on 2025-12-14 at 20:00 UTC: the 6 hours
     * before 19:00 have no item. */
    gh_history_t h = {0};
    s_count_busy(&h, s_at("2025-12-14T19:00:00Z"), HOUR, 6);
    assert_int_equal(h.n, 6);
    for (size_t k = 0; k < h.n; k++)
        for (int s = 0; s < GH_HISTORY_COUNTS; s++)
            assert_int_equal(h.counts[k][s], 0);
    gh_history_clear(&h);
    char *en = s_busy_trends("2025-12-14T19:00:00Z", false);
    assert_non_null(strstr(en, "No issue or PR was opened, closed or merged "
                               "in the 6 previous periods"));
    assert_null(strstr(en, "Compared with"));
    char *zh = s_busy_trends("2025-12-14T19:00:00Z", true);
    assert_non_null(strstr(zh, "此前 6 个同长度周期内没有"));
    dp_free(zh);
    dp_free(en);
}

static void test_ledger_summaries_are_preferred(void **state)
{
    (void)state;
    const char *listing =
        "[{\"from\":1100,\"to\":1200,\"counts\":{\"new_issues\":1}},"
        "{\"from\":1000,\"to\":1100,\"counts\":{\"new_issues\":2}}]";
    json_t *prev =
        json_pack("[{s:i, s:{s:i}}, {s:i, s:{s:i}}]", "from", 1100, "counts",
                  "new_issues", 7, "from", 900, "counts", "new_issues", 9);
    json_t *h = trend_history(listing, prev, 100);
    assert_int_equal(json_array_size(h), 3);
    assert_int_equal(dp_json_int(json_array_get(h, 0), "counts.new_issues", 0),
                     7);
    assert_string_equal(dp_json_str(json_array_get(h, 0), "source"), "report");
    assert_int_equal(dp_json_int(json_array_get(h, 1), "counts.new_issues", 0),
                     2);
    assert_string_equal(dp_json_str(json_array_get(h, 1), "source"), "listing");
    assert_int_equal(dp_json_int(json_array_get(h, 2), "from", 0), 900);
    assert_int_equal(dp_json_int(json_array_get(h, 2), "to", 0), 1000);
    json_decref(h);
    json_decref(prev);
    /* Malformed text: no window, no crash. */
    h = trend_history("{\"from\":", NULL, 100);
    assert_int_equal(json_array_size(h), 0);
    json_decref(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_counts_equal_jq_counts_of_raw_data),
        cmocka_unit_test(test_history_windows_by_length),
        cmocka_unit_test(test_one_shot_report_compares_with_the_listing),
        cmocka_unit_test(test_younger_repository_says_nothing_to_compare),
        cmocka_unit_test(test_ledger_summaries_are_preferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
