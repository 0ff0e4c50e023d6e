/* test_dp_json.c - unit tests for JSON paths, JSON parsing and YAML loading */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_json.h"
#include "dp_mem.h"

#define ERRLEN 256

static json_t *s_yaml(const char *text, char *err)
{
    return dp_yaml_load(text, strlen(text), "t.yml", err, ERRLEN);
}

/* Loads text that must fail and checks the whole message. */
static void s_yaml_fails(const char *text, const char *message)
{
    char err[ERRLEN] = "";
    json_t *v = s_yaml(text, err);
    if (v) {
        json_decref(v);
        fail_msg("accepted: %s", text);
    }
    assert_string_equal(err, message);
}

/* ==== Paths ==== */

static const char *s_issue =
    "{\"number\": 30382, \"title\": \"[Bug]: x\", \"locked\": false,"
    " \"score\": 2.9, \"user\": {\"login\": \"eltorre\", \"id\": 7},"
    " \"labels\": [{\"name\": \"bug\"}, {\"name\": \"v1\"}], \"body\": null}";

static void test_paths_reach_nested_values(void **state)
{
    (void)state;
    char err[ERRLEN];
    json_t *doc = dp_json_parse(s_issue, strlen(s_issue), err, sizeof err);
    assert_non_null(doc);
    assert_string_equal(dp_json_str(doc, "user.login"), "eltorre");
    assert_string_equal(dp_json_str(doc, "title"), "[Bug]: x");
    assert_int_equal(dp_json_int(doc, "number", -1), 30382);
    assert_int_equal(dp_json_int(doc, "user.id", -1), 7);
    assert_string_equal(dp_json_str(doc, "labels.1.name"), "v1");
    assert_false(dp_json_bool(doc, "locked", true));
    assert_true(json_is_array(dp_json_get(doc, "labels")));
    assert_ptr_equal(dp_json_get(doc, ""), doc);
    json_decref(doc);
}

static void test_paths_give_defaults_when_absent_or_mistyped(void **state)
{
    (void)state;
    char err[ERRLEN];
    json_t *doc = dp_json_parse(s_issue, strlen(s_issue), err, sizeof err);
    assert_non_null(doc);
    assert_null(dp_json_str(doc, "user.name"));
    assert_null(dp_json_str(doc, "number"));  /* not a string */
    assert_null(dp_json_str(doc, "body"));    /* null */
    assert_null(dp_json_str(doc, "title.x")); /* through a string */
    assert_null(dp_json_str(doc, "labels.9.name"));
    assert_null(dp_json_str(doc, "labels.x.name"));
    assert_null(dp_json_str(doc, "labels.-1.name"));
    assert_null(dp_json_str(doc, "user..login"));
    assert_int_equal(dp_json_int(doc, "title", -1), -1);
    assert_int_equal(dp_json_int(doc, "missing", 99), 99);
    assert_int_equal(dp_json_int(doc, "score", 0), 2); /* truncated */
    assert_true(dp_json_bool(doc, "number", true));
    assert_false(dp_json_bool(doc, "missing", false));
    assert_null(dp_json_get(NULL, "a"));
    assert_null(dp_json_str(NULL, "a"));
    assert_int_equal(dp_json_int(NULL, "a", 5), 5);
    json_decref(doc);
}

static void test_int_ignores_reals_that_do_not_fit(void **state)
{
    (void)state;
    json_t *doc = json_pack("{s:f, s:f}", "big", 1e300, "neg", -5.9);
    assert_int_equal(dp_json_int(doc, "big", 3), 3);
    assert_int_equal(dp_json_int(doc, "neg", 3), -5);
    json_decref(doc);
}

/* ==== JSON parsing ==== */

static void test_parse_accepts_any_top_level_value(void **state)
{
    (void)state;
    char err[ERRLEN];
    json_t *v = dp_json_parse("[1,2]", 5, err, sizeof err);
    assert_true(json_is_array(v));
    json_decref(v);
    v = dp_json_parse("\"x\"", 3, err, sizeof err);
    assert_true(json_is_string(v));
    json_decref(v);
    /* len bounds the text: the rest is not read. */
    v = dp_json_parse("42garbage", 2, err, sizeof err);
    assert_int_equal(json_integer_value(v), 42);
    json_decref(v);
}

static void test_parse_reports_line_and_column(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    const char *text = "{\n  \"a\": 1,\n  \"b\": tru\n}";
    json_t *v = dp_json_parse(text, strlen(text), err, sizeof err);
    assert_null(v);
    assert_non_null(strstr(err, "line 3, column"));
    assert_null(strchr(err, '\n'));
    err[0] = '\0';
    assert_null(dp_json_parse("", 0, err, sizeof err));
    assert_non_null(strstr(err, "line 1"));
    /* A small buffer is cut, not overrun. */
    char small[8];
    assert_null(dp_json_parse("{", 1, small, sizeof small));
    assert_int_equal(strlen(small), sizeof small - 1);
}

/* ==== YAML conversion ==== */

static void test_yaml_converts_plain_scalars(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    json_t *v = s_yaml("t1: true\nt2: True\nf1: false\nf2: FALSE\n"
                       "n1: null\nn2: ~\nn3:\n"
                       "i1: 42\ni2: -7\ni3: 0\n",
                       err);
    assert_non_null(v);
    assert_true(json_is_true(json_object_get(v, "t1")));
    assert_true(json_is_true(json_object_get(v, "t2")));
    assert_true(json_is_false(json_object_get(v, "f1")));
    assert_true(json_is_false(json_object_get(v, "f2")));
    assert_true(json_is_null(json_object_get(v, "n1")));
    assert_true(json_is_null(json_object_get(v, "n2")));
    assert_true(json_is_null(json_object_get(v, "n3")));
    assert_int_equal(json_integer_value(json_object_get(v, "i1")), 42);
    assert_int_equal(json_integer_value(json_object_get(v, "i2")), -7);
    assert_true(json_is_integer(json_object_get(v, "i3")));
    json_decref(v);
}

static void test_yaml_keeps_other_scalars_as_strings(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    json_t *v = s_yaml("a: '42'\nb: \"true\"\nc: yes\nd: 007\ne: 1.5\n"
                       "f: 0x1F\ng: +5\nh: 99999999999999999999\n"
                       "i: Asia/Shanghai\nj: |\n  line one\n  line two\n"
                       "k: 'null'\nl: ''\nm: 12abc\n",
                       err);
    assert_non_null(v);
    const char *expect[][2] = {
        {"a", "42"},
        {"b", "true"},
        {"c", "yes"},
        {"d", "007"},
        {"e", "1.5"},
        {"f", "0x1F"},
        {"g", "+5"},
        {"h", "99999999999999999999"},
        {"i", "Asia/Shanghai"},
        {"j", "line one\nline two\n"},
        {"k", "null"},
        {"l", ""},
        {"m", "12abc"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const char *s = dp_json_str(v, expect[i][0]);
        if (!s)
            fail_msg("%s is not a string", expect[i][0]);
        assert_string_equal(s, expect[i][1]);
    }
    json_decref(v);
}

static void test_yaml_builds_nested_mappings_and_sequences(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    const char *text = "timezone: Asia/Shanghai\n"
                       "windows: [hourly, daily]\n"
                       "repositories:\n"
                       "  - vllm-project/vllm\n"
                       "  - org: sgl-project\n"
                       "topics:\n"
                       "  amd:\n"
                       "    title: AMD/ROCm\n"
                       "    any:\n"
                       "      - label=rocm\n"
                       "      - title~=(?i)\\b(AMD|ROCm)\\b\n"
                       "outputs: {dir: site, formats: [md, html]}\n";
    json_t *v = s_yaml(text, err);
    assert_non_null(v);
    assert_string_equal(dp_json_str(v, "timezone"), "Asia/Shanghai");
    assert_string_equal(dp_json_str(v, "windows.1"), "daily");
    assert_string_equal(dp_json_str(v, "repositories.0"), "vllm-project/vllm");
    assert_string_equal(dp_json_str(v, "repositories.1.org"), "sgl-project");
    assert_string_equal(dp_json_str(v, "topics.amd.title"), "AMD/ROCm");
    assert_string_equal(dp_json_str(v, "topics.amd.any.1"),
                        "title~=(?i)\\b(AMD|ROCm)\\b");
    assert_string_equal(dp_json_str(v, "outputs.formats.1"), "html");
    assert_int_equal(json_array_size(dp_json_get(v, "windows")), 2);
    json_decref(v);
}

static void test_yaml_reads_json_text(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    json_t *v =
        s_yaml("{\"a\": [1, true, null, \"x\"], \"b\": {\"c\": -2}}", err);
    assert_non_null(v);
    assert_int_equal(dp_json_int(v, "a.0", 0), 1);
    assert_true(dp_json_bool(v, "a.1", false));
    assert_true(json_is_null(dp_json_get(v, "a.2")));
    assert_string_equal(dp_json_str(v, "a.3"), "x");
    assert_int_equal(dp_json_int(v, "b.c", 0), -2);
    json_decref(v);
}

static void test_yaml_empty_document_is_empty_object(void **state)
{
    (void)state;
    const char *texts[] = {"", "# only a comment\n", "---\n", "--- ~\n",
                           "\n\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char err[ERRLEN] = "";
        json_t *v = s_yaml(texts[i], err);
        assert_non_null(v);
        assert_true(json_is_object(v));
        assert_int_equal(json_object_size(v), 0);
        json_decref(v);
    }
}

static void test_yaml_keys_are_strings(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    json_t *v = s_yaml("1: one\ntrue: yes\nnull: x\n", err);
    assert_non_null(v);
    assert_string_equal(dp_json_str(v, "1"), "one");
    assert_string_equal(dp_json_str(v, "true"), "yes");
    assert_string_equal(dp_json_str(v, "null"), "x");
    json_decref(v);
}

/* ==== YAML errors ==== */

static void test_yaml_rejects_duplicate_keys(void **state)
{
    (void)state;
    s_yaml_fails("a: 1\nb: 2\na: 3\n", "t.yml:3:1: duplicate key \"a\"");
    s_yaml_fails("top:\n  x: 1\n  x: [2]\n", "t.yml:3:3: duplicate key \"x\"");
}

static void test_yaml_rejects_anchors_aliases_and_tags(void **state)
{
    (void)state;
    s_yaml_fails("a: &x 1\nb: 2\n",
                 "t.yml:1:4: anchors (&x) are not supported");
    s_yaml_fails("a: &m {k: 1}\n", "t.yml:1:4: anchors (&m) are not supported");
    s_yaml_fails("a: 1\nb: *x\n", "t.yml:2:4: aliases (*x) are not supported");
    s_yaml_fails("a: !!str 5\n",
                 "t.yml:1:4: tags (tag:yaml.org,2002:str) are not supported");
    s_yaml_fails("a: !custom [1]\n",
                 "t.yml:1:4: tags (!custom) are not supported");
}

static void test_yaml_rejects_complex_keys_and_many_documents(void **state)
{
    (void)state;
    s_yaml_fails("? [a, b]\n: 1\n",
                 "t.yml:1:3: mapping keys must be plain text");
    s_yaml_fails("a: 1\n---\nb: 2\n",
                 "t.yml:2:1: more than one document is not supported");
}

static void test_yaml_rejects_deep_nesting(void **state)
{
    (void)state;
    dp_buf_t b = DP_BUF_INIT;
    for (int i = 0; i < 100; i++)
        dp_buf_puts(&b, "[");
    for (int i = 0; i < 100; i++)
        dp_buf_puts(&b, "]");
    char err[ERRLEN] = "";
    assert_null(s_yaml(b.data, err));
    assert_string_equal(err, "t.yml:1:65: nesting deeper than 64 levels");
    dp_buf_free(&b);
}

static void test_yaml_reports_syntax_errors_with_position(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    assert_null(s_yaml("a: [1, 2\nb: 3\n", err));
    assert_true(strncmp(err, "t.yml:", 6) == 0);
    assert_null(strchr(err, '\n'));
    assert_null(s_yaml("a: b: c\n", err));
    assert_string_equal(
        err, "t.yml:1:5: mapping values are not allowed in this context");
    assert_null(s_yaml("key: \"unterminated\n", err));
    assert_non_null(strstr(err, "found unexpected end of stream"));
    assert_null(s_yaml("ok: 1\nbad: \xff\xfe\n", err));
    assert_string_equal(err, "t.yml:2:6: invalid leading UTF-8 octet");
}

/* ==== Files ==== */

static void test_yaml_load_file_reads_and_names_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_dp_json.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *good = dp_asprintf("%s/good.yml", dir);
    char *bad = dp_asprintf("%s/bad.yml", dir);
    char *missing = dp_asprintf("%s/missing.yml", dir);
    FILE *f = fopen(good, "w");
    assert_non_null(f);
    fputs("language: zh\nredis_port: 6379\n", f);
    fclose(f);
    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("language: zh\nlanguage: en\n", f);
    fclose(f);

    char err[ERRLEN] = "";
    json_t *v = dp_yaml_load_file(good, err, sizeof err);
    assert_non_null(v);
    assert_string_equal(dp_json_str(v, "language"), "zh");
    assert_int_equal(dp_json_int(v, "redis_port", 0), 6379);
    json_decref(v);

    assert_null(dp_yaml_load_file(bad, err, sizeof err));
    char *expect = dp_asprintf("%s:2:1: duplicate key \"language\"", bad);
    assert_string_equal(err, expect);
    dp_free(expect);

    assert_null(dp_yaml_load_file(missing, err, sizeof err));
    expect = dp_asprintf("%s: cannot open: No such file or directory", missing);
    assert_string_equal(err, expect);
    dp_free(expect);

    unlink(good);
    unlink(bad);
    rmdir(dir);
    dp_free(good);
    dp_free(bad);
    dp_free(missing);
}

/* ==== Serializing ==== */

/* The flag sets the services write with, and a few more. */
static const size_t s_dump_flags[] = {
    0,
    JSON_COMPACT,
    JSON_SORT_KEYS | JSON_COMPACT,
    JSON_INDENT(2) | JSON_SORT_KEYS,
    JSON_INDENT(2),
    JSON_INDENT(4) | JSON_COMPACT,
    JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY,
    JSON_ENSURE_ASCII | JSON_SORT_KEYS,
    JSON_ESCAPE_SLASH | JSON_INDENT(1),
    JSON_REAL_PRECISION(5) | JSON_COMPACT,
};

/* dp_json_dumps writes what json_dumps writes, or fails where it fails. */
static void s_same_dump(const json_t *v)
{
    for (size_t i = 0; i < sizeof s_dump_flags / sizeof s_dump_flags[0]; i++) {
        size_t flags = s_dump_flags[i];
        char *want = json_dumps(v, flags);
        char *got = dp_json_dumps(v, flags);
        if (!want || !got) {
            if (want || got)
                fail_msg("flags %#zx: jansson %s, dp_json_dumps %s", flags,
                         want ? want : "fails", got ? got : "fails");
        } else if (strcmp(want, got) != 0) {
            fail_msg("flags %#zx:\n%s\n---\n%s", flags, want, got);
        }
        free(want);
        free(got);
    }
}

/* A pseudo-random string: ASCII, the characters JSON escapes, two-, three-
 * and four-byte UTF-8 and NUL. */
static json_t *s_random_string(unsigned long *seed)
{
    static const char *const parts[] = {
        "a",  "Z",  " ",  "\"",  "\\",        "/",       "\n",
        "\r", "\t", "\b", "\f",  "\x01",      "\x1f",    "\x7f",
        "é",  "中", "😀",  "\\u", "</script>", "{{ x }}", "@user",
    };
    dp_buf_t b = DP_BUF_INIT;
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    size_t n = (*seed >> 33) % 12;
    bool nul = (*seed >> 40) % 9 == 0;
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
        dp_buf_puts(&b, parts[(*seed >> 33) % (sizeof parts / sizeof *parts)]);
    }
    json_t *v = nul ? json_stringn(b.data ? b.data : "", b.len + (b.data != 0))
                    : json_string(b.data ? b.data : "");
    dp_buf_free(&b);
    return v;
}

#define S_DOC_DEPTH 4 /* levels of a random document */

/* A pseudo-random document of depth levels at most. */
static json_t *s_random_doc(unsigned long *seed, int depth)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    unsigned kind = (unsigned)((*seed >> 33) % (depth > 0 ? 9 : 6));
    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean((*seed >> 40) & 1);
    case 2: {
        static const json_int_t ints[] = {0,          -1,        7,
                                          1765363660, INT64_MAX, INT64_MIN};
        return json_integer(ints[(*seed >> 40) % 6]);
    }
    case 3:
        return json_real((double)(*seed >> 40) / 7.0);
    case 4:
    case 5:
        return s_random_string(seed);
    case 6: {
        json_t *a = json_array();
        size_t n = (*seed >> 40) % 4;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, s_random_doc(seed, depth - 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        /* The top one past the keys that are sorted on the stack. */
        size_t n = (*seed >> 40) % (depth >= S_DOC_DEPTH ? 40 : 4);
        for (size_t i = 0; i < n; i++) {
            json_t *k = s_random_string(seed);
            json_object_setn_new(o, json_string_value(k), json_string_length(k),
                                 s_random_doc(seed, depth - 1));
            json_decref(k);
        }
        return o;
    }
    }
}

static void test_dump_writes_what_jansson_writes(void **state)
{
    (void)state;
    unsigned long seed = 11;
    for (int i = 0; i < 300; i++) {
        json_t *v = s_random_doc(&seed, S_DOC_DEPTH);
        s_same_dump(v);
        json_t *wrap =
            json_pack("{s:o, s:[o]}", "doc", json_incref(v), "list", v);
        s_same_dump(wrap);
        json_decref(wrap);
    }
    /* Empty containers, nested, and the top-level rule. */
    json_t *e =
        json_pack("{s:{}, s:[], s:[[], {}], s:s}", "o", "a", "n", "s", "");
    s_same_dump(e);
    json_decref(e);
    json_t *scalar = json_string("top");
    s_same_dump(scalar); /* refused without JSON_ENCODE_ANY */
    assert_null(dp_json_dumps(scalar, JSON_COMPACT));
    json_decref(scalar);
}

static void test_dump_writes_recorded_github_documents_as_jansson(void **state)
{
    (void)state;
    const char *root = getenv("DP_SOURCE_DIR");
    assert_non_null(root);
    const char *names[] = {"vllm-hour/vllm-project/vllm/issues.json",
                           "vllm-hour/vllm-project/vllm/pulls/30385.json",
                           "vllm-hour/vllm-project/vllm/comments/30171.json",
                           "llm/vllm-hour-rules.json"};
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *path = dp_asprintf("%s/tests/data/%s", root, names[i]);
        json_error_t error;
        json_t *doc = json_load_file(path, 0, &error);
        dp_free(path);
        if (!doc)
            fail_msg("%s: %s", names[i], error.text);
        found++;
        s_same_dump(doc);
        json_decref(doc);
    }
    assert_int_equal(found, 4);
}

static void test_dump_refuses_what_jansson_refuses(void **state)
{
    (void)state;
    /* Bytes that are not UTF-8, in a value and in a key. */
    json_t *bad = json_stringn_nocheck("a\xff", 2);
    json_t *doc = json_pack("[o]", bad);
    s_same_dump(doc);
    assert_null(dp_json_dumps(doc, JSON_COMPACT));
    json_decref(doc);
    /* A failed dump leaves the buffer as it was. */
    dp_buf_t out = DP_BUF_INIT;
    dp_buf_puts(&out, "kept");
    doc =
        json_pack("{s:s, s:o}", "a", "b", "c", json_stringn_nocheck("\xff", 1));
    assert_int_equal(dp_json_dump(&out, doc, JSON_INDENT(2)), DP_EJSON);
    assert_string_equal(out.data, "kept");
    json_decref(doc);
    dp_buf_free(&out);
}

/* dp_json_parse builds what json_loadb builds (the same values, types and
 * order of keys), or fails with jansson's own message. */
static void s_same_parse(const char *text, size_t len)
{
    char err[ERRLEN] = "";
    json_error_t error;
    json_t *got = dp_json_parse(text, len, err, sizeof err);
    json_t *want = json_loadb(text, len, JSON_DECODE_ANY, &error);
    if (!want) {
        char msg[ERRLEN];
        snprintf(msg, sizeof msg, "line %d, column %d: %s", error.line,
                 error.column, error.text);
        if (got)
            fail_msg("accepted what jansson refuses: %.*s", (int)len, text);
        assert_string_equal(err, msg);
        return;
    }
    if (!got)
        fail_msg("refused (%s): %.*s", err, (int)len, text);
    char *a = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
    char *b = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
    assert_true(json_equal(want, got));
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(want);
    json_decref(got);
}

static void test_parse_builds_what_jansson_builds(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[1,]",
        "{\"a\":1,}",
        "01",
        "-",
        "1.",
        "1e",
        "1e400",
        "-1e400",
        "1e-400",
        "-0",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678",
        "1234567890123456789",
        "1E5",
        "-1.5e-3",
        "\"\\u0000\"",
        "\"\\ud83d\\ude00\"",
        "\"\\uD834\\uDD1E\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83dx\"",
        "\"\\ud83d\\u0041\"",
        "\"a\\x\"",
        "\"\\u12\"",
        "\"\x01\"",
        "\"\xff\"",
        "\"\xc0\x80\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xe4\xb8\xad\"",
        "{\"a\":1,\"a\":2}",
        "{\"b\":1,\"a\":2,\"b\":3}",
        " true ",
        "truex",
        "nul",
        "[] x",
        "",
        " ",
        "\t\r\n[ 1 , { } ]\n",
        "{\"\\u00e9\":\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"}",
        "[1 2]",
        "{\"a\" 1}",
        "{1:2}",
        "\"abc",
        "{\"a\":}",
        "[",
        "{",
        "\"\\\"",
        "nan",
        "-01",
        "0.0",
        "[-]",
        "{\"k\\u0000\":1}",
        "\"x\" \"y\"",
        "\xef\xbb\xbf{}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        s_same_parse(texts[i], strlen(texts[i]));
    s_same_parse("[1,\0002]", 5); /* a NUL byte */
    /* Nested deeper than dp_json_parse goes itself, and than jansson. */
    for (size_t depth = 600; depth <= 3000; depth += 2400) {
        dp_buf_t deep = DP_BUF_INIT;
        for (size_t i = 0; i < depth; i++)
            dp_buf_puts(&deep, "[");
        for (size_t i = 0; i < depth; i++)
            dp_buf_puts(&deep, "]");
        s_same_parse(deep.data, deep.len);
        dp_buf_free(&deep);
    }
    /* Random documents, as text in every layout. */
    unsigned long seed = 23;
    for (int i = 0; i < 200; i++) {
        json_t *v = s_random_doc(&seed, S_DOC_DEPTH);
        for (size_t f = 0; f < sizeof s_dump_flags / sizeof *s_dump_flags;
             f++) {
            char *text = json_dumps(v, s_dump_flags[f] | JSON_ENCODE_ANY);
            if (text)
                s_same_parse(text, strlen(text));
            free(text);
        }
        json_decref(v);
    }
}

/* A string is escaped as jansson escapes it wherever the byte to escape
 * lies: it is read eight bytes at a time while none needs it. */
static void test_dump_escapes_at_every_offset(void **state)
{
    (void)state;
    static const char *const bytes[] = {"\x01", "\x1f", "\"", "\\", "\n",
                                        "\x7f", " ",    "!",  "#",  "[",
                                        "]",     "\xc3\xa9"};
    char text[48];
    for (size_t len = 1; len + 2 < sizeof text; len++)
        for (size_t at = 0; at < len; at++)
            for (size_t k = 0; k < sizeof bytes / sizeof bytes[0]; k++) {
                memset(text, 'a', len);
                text[len] = '\0';
                size_t n = strlen(bytes[k]);
                if (at + n > len)
                    continue;
                memcpy(text + at, bytes[k], n);
                json_t *v = json_pack("[s]", text);
                s_same_dump(v);
                json_decref(v);
            }
}

/* dp_json_string gives what json_string gives: the same string, or
 * nothing for NULL and for bytes that are not UTF-8, wherever they lie. */
static void test_string_agrees_with_json_string(void **state)
{
    (void)state;
    assert_null(dp_json_string(NULL));
    char text[48];
    /* None, then each bad sequence at each offset of ASCII text (a good
     * two-byte character too). */
    static const char *const seqs[] = {"",     "\xff",         "\xc3",
                                       "\x80", "\xed\xa0\x80", "\xc0\xaf",
                                       "\xc3\xa9"};
    for (size_t len = 0; len + 4 < sizeof text; len++)
        for (size_t at = 0; at <= len; at++)
            for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
                size_t n = strlen(seqs[k]);
                memset(text, 'a', len + n);
                memcpy(text + at, seqs[k], n);
                text[len + n] = '\0';
                json_t *want = json_string(text), *got = dp_json_string(text);
                assert_int_equal(want == NULL, got == NULL);
                if (want)
                    assert_true(json_equal(want, got));
                json_decref(want);
                json_decref(got);
            }
    json_t *s = dp_json_string("caf\xc3\xa9");
    assert_string_equal(json_string_value(s), "caf\xc3\xa9");
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_agrees_with_json_string),
        cmocka_unit_test(test_dump_escapes_at_every_offset),
        cmocka_unit_test(test_paths_reach_nested_values),
        cmocka_unit_test(test_paths_give_defaults_when_absent_or_mistyped),
        cmocka_unit_test(test_int_ignores_reals_that_do_not_fit),
        cmocka_unit_test(test_parse_accepts_any_top_level_value),
        cmocka_unit_test(test_parse_reports_line_and_column),
        cmocka_unit_test(test_yaml_converts_plain_scalars),
        cmocka_unit_test(test_yaml_keeps_other_scalars_as_strings),
        cmocka_unit_test(test_yaml_builds_nested_mappings_and_sequences),
        cmocka_unit_test(test_yaml_reads_json_text),
        cmocka_unit_test(test_yaml_empty_document_is_empty_object),
        cmocka_unit_test(test_yaml_keys_are_strings),
        cmocka_unit_test(test_yaml_rejects_duplicate_keys),
        cmocka_unit_test(test_yaml_rejects_anchors_aliases_and_tags),
        cmocka_unit_test(test_yaml_rejects_complex_keys_and_many_documents),
        cmocka_unit_test(test_yaml_rejects_deep_nesting),
        cmocka_unit_test(test_yaml_reports_syntax_errors_with_position),
        cmocka_unit_test(test_yaml_load_file_reads_and_names_file),
        cmocka_unit_test(test_dump_writes_what_jansson_writes),
        cmocka_unit_test(test_dump_writes_recorded_github_documents_as_jansson),
        cmocka_unit_test(test_dump_refuses_what_jansson_refuses),
        cmocka_unit_test(test_parse_builds_what_jansson_builds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
