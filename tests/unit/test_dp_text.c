/* test_dp_text.c - unit tests for neutralizing untrusted text */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"
#include "dp_text.h"

#define ZWSP "\xE2\x80\x8B"
#define ELLIPSIS "\xE2\x80\xA6"

/* dp_text_md_inline into a fresh buffer; the caller frees the result. */
static char *s_md(const char *text, size_t max_chars)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_text_md_inline(&b, text, max_chars);
    return dp_buf_take(&b);
}

static char *s_excerpt(const char *text, size_t max_chars)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_text_excerpt(&b, text, max_chars);
    return dp_buf_take(&b);
}

static char *s_html(const char *text)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_text_html(&b, text);
    return dp_buf_take(&b);
}

static void s_md_is(const char *text, const char *expect)
{
    char *got = s_md(text, 0);
    assert_string_equal(got, expect);
    dp_free(got);
}

/* Code points in a valid UTF-8 string; -1 when it is not valid UTF-8. */
static long s_utf8_chars(const char *s)
{
    long n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int extra;
        if (*p < 0x80)
            extra = 0;
        else if (*p >= 0xC2 && *p <= 0xDF)
            extra = 1;
        else if (*p >= 0xE0 && *p <= 0xEF)
            extra = 2;
        else if (*p >= 0xF0 && *p <= 0xF4)
            extra = 3;
        else
            return -1;
        p++;
        for (int k = 0; k < extra; k++, p++)
            if ((*p & 0xC0) != 0x80)
                return -1;
        n++;
    }
    return n;
}

/* ==== Harmless text ==== */

static void test_md_keeps_harmless_titles_byte_identical(void **state)
{
    (void)state;
    const char *titles[] = {
        "[Bug]: Issues with mistralai/Ministral-3-14B-Instruct-2512",
        "[Core] Whisper support `torch.compile`",
        "[BugFix] Fix minimax m2 model rotary_dim",
        "[Perf] 10% faster *fused* MoE for `DeepSeek-V3`",
        "Support `--override-generation-config` for docs",
        "[Misc] a {b} c, 100%, x = {1: 2}",
        "修复 Whisper 的 `torch.compile` 问题 🚀",
        "no mention: @ alone, or a trailing @",
        "Use ``a`b`` and `c` together",
        "path\\to\\file and C:\\Users",
        "[RFC]: ROCm/AITER on MI300X ~ 2x",
        "",
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        s_md_is(titles[i], titles[i]);
}

/* ==== Liquid and kramdown ==== */

static void test_md_breaks_liquid_include_tag(void **state)
{
    (void)state;
    char *got = s_md("{% include secrets.txt %}", 0);
    assert_string_equal(got, "&#123;% include secrets.txt %&#125;");
    assert_null(strstr(got, "{%"));
    assert_null(strstr(got, "%}"));
    dp_free(got);
}

static void test_md_breaks_liquid_output_tag(void **state)
{
    (void)state;
    char *got = s_md("{{ site.github.token }}", 0);
    assert_string_equal(got, "&#123;&#123; site.github.token &#125;&#125;");
    assert_null(strstr(got, "{{"));
    assert_null(strstr(got, "}}"));
    dp_free(got);
    s_md_is("{{{x}}}", "&#123;&#123;&#123;x&#125;&#125;&#125;");
    s_md_is("{{- x -}}", "&#123;&#123;- x -&#125;&#125;");
}

static void test_md_breaks_liquid_inside_code_spans(void **state)
{
    (void)state;
    /* Liquid runs before Markdown, so spans need it too; entities would
     * show inside a span, a zero width space does not. */
    s_md_is("chat template `{{ messages }}`",
            "chat template `{" ZWSP "{ messages }" ZWSP "}`");
    s_md_is("`{% raw %}`", "`{" ZWSP "% raw %" ZWSP "}`");
}

static void test_md_breaks_kramdown_extensions(void **state)
{
    (void)state;
    s_md_is("{::nomarkdown}x{:/}", "&#123;::nomarkdown}x&#123;:/}");
    s_md_is("title {: .evil onclick=x}", "title &#123;: .evil onclick=x}");
}

/* ==== HTML ==== */

static void test_md_escapes_script_tag(void **state)
{
    (void)state;
    char *got = s_md("<script>alert(document.cookie)</script>", 0);
    assert_string_equal(got,
                        "&lt;script&gt;alert(document.cookie)&lt;/script&gt;");
    assert_null(strchr(got, '<'));
    dp_free(got);
}

static void test_md_escapes_img_onerror(void **state)
{
    (void)state;
    s_md_is("<img src=x onerror=alert(1)>",
            "&lt;img src=x onerror=alert(1)&gt;");
    s_md_is("R&D &amp; &#60;b&#62;", "R&amp;D &amp;amp; &amp;#60;b&amp;#62;");
}

static void test_md_code_span_with_specials_becomes_code_element(void **state)
{
    (void)state;
    /* Inside backticks an entity would show literally, so the span is
     * written as an element whose punctuation is all entities. */
    s_md_is("[Bug]: `<think>` tags lost",
            "[Bug]: <code>&lt;think&gt;</code> tags lost");
    s_md_is("`a && b_c`", "<code>a &amp;&amp; b&#95;c</code>");
    s_md_is("`` <script>`x ``", "<code>&lt;script&gt;&#96;x</code>");
}

static void test_md_escaped_backtick_does_not_open_span(void **state)
{
    (void)state;
    /* "\`" is a literal backtick to Markdown, so what follows is not
     * code and must be escaped. */
    char *got = s_md("a \\`<script>x</script>`", 0);
    assert_string_equal(got, "a \\`&lt;script&gt;x&lt;/script&gt;\\`");
    assert_null(strstr(got, "<script"));
    dp_free(got);
}

static void test_md_escapes_unmatched_backticks(void **state)
{
    (void)state;
    /* A lone backtick could pair with one written after this text. */
    s_md_is("x`y", "x\\`y");
    s_md_is("``a`", "\\`\\`a\\`");
}

static void test_md_breaks_inline_links_and_images(void **state)
{
    (void)state;
    s_md_is("[click](javascript:alert(1))", "[click\\](javascript:alert(1))");
    s_md_is("![t](https://evil.example/pixel.png)",
            "![t\\](https://evil.example/pixel.png)");
    s_md_is("`[a](b)`", "`[a]" ZWSP "(b)`");
}

static void test_md_backslash_cannot_escape_neutralization(void **state)
{
    (void)state;
    s_md_is("\\<b>", "\\\\&lt;b&gt;");
    s_md_is("\\{{x}}", "\\\\&#123;&#123;x&#125;&#125;");
    s_md_is("[a\\](b)", "[a\\\\\\](b)");
    /* A trailing backslash would escape what the caller writes next. */
    s_md_is("trailing\\", "trailing\\\\");
}

/* ==== Mentions ==== */

static void test_md_mentions_do_not_notify(void **state)
{
    (void)state;
    s_md_is("@everyone look", "@" ZWSP "everyone look");
    s_md_is("cc @here and @vllm-project/maintainers",
            "cc @" ZWSP "here and @" ZWSP "vllm-project/maintainers");
    s_md_is("(@NickLucche)", "(@" ZWSP "NickLucche)");
    s_md_is("a @ b @", "a @ b @");
    /* Code does not notify; decorators in spans stay as written. */
    s_md_is("`@torch.compile`", "`@torch.compile`");
}

static void test_md_cross_references_do_not_link(void **state)
{
    (void)state;
    s_md_is("Revert (#30001)", "Revert (#" ZWSP "30001)");
    s_md_is("see vllm-project/vllm#1 and GH-2, gh-3",
            "see vllm-project/vllm#" ZWSP "1 and GH-" ZWSP "2, gh-" ZWSP "3");
    /* Not references: no digit, inside a word, an entity as text. */
    s_md_is("C# #x HIGH-5 &#60;", "C# #x HIGH-5 &amp;#60;");
    /* Code does not link either. */
    s_md_is("`#1`", "`#1`");
}

/* ==== Tables ==== */

static void test_md_escapes_pipes_so_no_table_forms(void **state)
{
    (void)state;
    /* kramdown makes a table row of a block line with a bare "|". */
    s_md_is("a | b |", "a \\| b \\|");
    s_md_is("|x", "\\|x");
    /* A backslash before a pipe cannot undo the escape. */
    s_md_is("a\\|b", "a\\\\\\|b");
    /* In a span, a pipe sends the span the <code> way. */
    s_md_is("`a|b`", "<code>a&#124;b</code>");
}

/* ==== Code spans written whole ==== */

static char *s_code(const char *text, size_t max_chars)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_text_md_code(&b, text, max_chars);
    return dp_buf_take(&b);
}

static void s_code_is(const char *text, const char *expect)
{
    char *got = s_code(text, 0);
    assert_string_equal(got, expect);
    dp_free(got);
}

static void test_code_span_keeps_plain_logins(void **state)
{
    (void)state;
    s_code_is("NickLucche", "`NickLucche`");
    s_code_is("dependabot[bot]", "`dependabot[bot]`");
    s_code_is("@everyone", "`@everyone`");
    s_code_is("{{ x }}", "`{" ZWSP "{ x }" ZWSP "}`");
}

static void test_code_span_with_specials_becomes_element(void **state)
{
    (void)state;
    s_code_is("x`<img src=x onerror=alert(1)>`",
              "<code>x&#96;&lt;img src&#61;x onerror&#61;alert&#40;1&#41;"
              "&gt;&#96;</code>");
    s_code_is("a|b", "<code>a&#124;b</code>");
    s_code_is("back\\", "<code>back&#92;</code>");
    s_code_is(" padded ", "<code> padded </code>");
    s_code_is("", "<code></code>");
    s_code_is(NULL, "<code></code>");
    s_code_is("line\nbreak\xE2\x80\xAE", "`line break`");
}

static void test_code_span_truncates_inside(void **state)
{
    (void)state;
    char *got = s_code("abcdefghij", 5);
    assert_string_equal(got, "`abcd" ELLIPSIS "`");
    dp_free(got);
}

/* ==== Link destinations ==== */

static char *s_url(const char *url)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_text_url(&b, url);
    return dp_buf_take(&b);
}

static void s_url_is(const char *url, const char *expect)
{
    char *got = s_url(url);
    assert_string_equal(got, expect);
    dp_free(got);
}

static void test_url_keeps_github_urls(void **state)
{
    (void)state;
    s_url_is("https://github.com/vllm-project/vllm/pull/30385",
             "https://github.com/vllm-project/vllm/pull/30385");
    s_url_is("https://github.com/o/r/issues/1#issuecomment-2?a=b&c=%20",
             "https://github.com/o/r/issues/1#issuecomment-2?a=b&c=%20");
}

static void test_url_encodes_what_could_end_the_link(void **state)
{
    (void)state;
    s_url_is("https://github.com/o/r/issues/1) <script>alert(1)</script>",
             "https://github.com/o/r/issues/1%29%20%3Cscript%3Ealert%281%29"
             "%3C/script%3E");
    s_url_is("https://x/{{ a }}{% b %}`|\"\\'\n[]",
             "https://x/%7B%7B%20a%20%7D%7D%7B%%20b%20%%7D%60%7C%22%5C%27%0A"
             "%5B%5D");
    s_url_is("https://x/\xE2\x80\xAE", "https://x/%E2%80%AE");
}

static void test_url_refuses_other_schemes(void **state)
{
    (void)state;
    s_url_is("javascript:alert(1)", "#");
    s_url_is("JAVASCRIPT:alert(1)", "#");
    s_url_is("data:text/html,<script>", "#");
    s_url_is("//evil.example/x", "#");
    s_url_is("", "#");
    s_url_is(NULL, "#");
}

/* ==== Invisible and line-breaking characters ==== */

static void test_md_removes_bidi_controls(void **state)
{
    (void)state;
    /* U+202E RIGHT-TO-LEFT OVERRIDE would show "exe.txt" as "txt.exe". */
    s_md_is("invoice\xE2\x80\xAEtxt.exe", "invoicetxt.exe");
    s_md_is("\xE2\x80\xAA"
            "a\xE2\x80\xAB"
            "b\xE2\x80\xAC"
            "c\xE2\x80\xAD"
            "d\xE2\x81\xA6"
            "e\xE2\x81\xA7"
            "f\xE2\x81\xA8"
            "g\xE2\x81\xA9"
            "h\xE2\x80\x8E"
            "i\xE2\x80\x8F"
            "j",
            "abcdefghij");
}

static void test_md_turns_line_breaks_into_one_space(void **state)
{
    (void)state;
    s_md_is("line1\nline2\r\n\tline3", "line1 line2 line3");
    s_md_is("a\n\n\n# not a heading", "a # not a heading");
    s_md_is("a\xC2\x85"
            "b\xE2\x80\xA8"
            "c\xE2\x80\xA9"
            "d",
            "a b c d");
    char *got = s_md("x\r\ny", 0);
    assert_null(strchr(got, '\n'));
    assert_null(strchr(got, '\r'));
    dp_free(got);
}

static void test_md_removes_other_control_characters(void **state)
{
    (void)state;
    s_md_is("a\x1b[31mred\x07\x7f!", "a[31mred!");
    s_md_is("c1\xC2\x9B"
            "x\xC2\x80",
            "c1x");
}

/* ==== UTF-8 and truncation ==== */

static void test_md_replaces_invalid_utf8(void **state)
{
    (void)state;
    s_md_is("a\xff"
            "b",
            "a\xEF\xBF\xBD"
            "b");
    s_md_is("overlong \xC0\xAF", "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
    s_md_is("surrogate \xED\xA0\x80",
            "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    s_md_is("too big \xF4\x90\x80\x80",
            "too big \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    /* A cut sequence is one replacement. */
    s_md_is("cut \xE4\xB8", "cut \xEF\xBF\xBD");
    s_md_is("cut \xE4\xB8 mid", "cut \xEF\xBF\xBD mid");
}

static void test_md_truncates_long_title_with_ellipsis(void **state)
{
    (void)state;
    char *title = dp_malloc(5001);
    memset(title, 'a', 5000);
    title[5000] = '\0';
    char *got = s_md(title, 80);
    assert_int_equal(s_utf8_chars(got), 80);
    assert_int_equal(strlen(got), 79 + strlen(ELLIPSIS));
    assert_string_equal(got + 79, ELLIPSIS);
    dp_free(got);
    /* Without a limit nothing is cut. */
    got = s_md(title, 0);
    assert_int_equal(strlen(got), 5000);
    dp_free(got);
    dp_free(title);
}

static void test_md_truncation_never_splits_multibyte(void **state)
{
    (void)state;
    dp_buf_t b = DP_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        dp_buf_puts(&b, i % 2 ? "\xE7\x95\x8C" : "\xF0\x9F\x9A\x80");
    char *got = s_md(b.data, 10);
    assert_int_equal(s_utf8_chars(got), 10);
    assert_string_equal(
        got, "\xF0\x9F\x9A\x80\xE7\x95\x8C\xF0\x9F\x9A\x80"
             "\xE7\x95\x8C\xF0\x9F\x9A\x80\xE7\x95\x8C"
             "\xF0\x9F\x9A\x80\xE7\x95\x8C\xF0\x9F\x9A\x80" ELLIPSIS);
    dp_free(got);
    dp_buf_free(&b);
}

static void test_md_truncation_limits_visible_characters(void **state)
{
    (void)state;
    char *got = s_md("exactly10!", 10);
    assert_string_equal(got, "exactly10!");
    dp_free(got);
    got = s_md("exactly11!!", 10);
    assert_string_equal(got, "exactly11" ELLIPSIS);
    dp_free(got);
    /* Escapes count as the one character they show. */
    got = s_md("<<<<<<", 3);
    assert_string_equal(got, "&lt;&lt;" ELLIPSIS);
    dp_free(got);
    /* No dangling space before the ellipsis. */
    got = s_md("word    more", 6);
    assert_string_equal(got, "word" ELLIPSIS);
    dp_free(got);
    /* A span cut in half is no longer a span. */
    got = s_md("ab `cd` ef", 5);
    assert_string_equal(got, "ab \\`" ELLIPSIS);
    dp_free(got);
    got = s_md("abc", 1);
    assert_string_equal(got, ELLIPSIS);
    dp_free(got);
}

static void test_md_appends_to_existing_buffer(void **state)
{
    (void)state;
    dp_buf_t b = DP_BUF_INIT;
    dp_buf_puts(&b, "- [#1](u) ");
    dp_text_md_inline(&b, "<x>", 0);
    dp_buf_puts(&b, " — by ");
    dp_text_md_inline(&b, "@me", 0);
    assert_string_equal(b.data, "- [#1](u) &lt;x&gt; — by @" ZWSP "me");
    dp_buf_free(&b);
    /* Empty text still leaves a valid string; NULL counts as empty. */
    dp_text_md_inline(&b, "", 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    dp_buf_free(&b);
    dp_text_md_inline(&b, NULL, 10);
    dp_text_excerpt(&b, NULL, 10);
    dp_text_html(&b, NULL);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    dp_buf_free(&b);
}

/* Pseudo-random bytes through dp_text_md_inline: the output is always valid
 * UTF-8 on one line, and every '<' starts a <code> element it wrote. */
static void test_md_output_is_safe_for_random_bytes(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    const char alphabet[] = "<>&{}%:@`\\[]()! aZ\n\t\x1b";
    for (int round = 0; round < 2000; round++) {
        char text[64];
        size_t len = (size_t)(round % 63);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 16;
            if (r % 3)
                text[i] = alphabet[r % (sizeof alphabet - 1)];
            else
                text[i] = (char)(unsigned char)(r & 0xff);
            if (text[i] == '\0')
                text[i] = 'x';
        }
        text[len] = '\0';
        char *got = s_md(text, round % 2 ? 0 : 20);
        assert_true(s_utf8_chars(got) >= 0);
        for (const char *p = got; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20 || c == 0x7f)
                fail_msg("control byte %02x from round %d", c, round);
            if (c == '<' && strncmp(p, "<code>", 6) != 0 &&
                strncmp(p, "</code>", 7) != 0)
                fail_msg("raw '<' from round %d: %s", round, got);
        }
        assert_null(strstr(got, "{{"));
        assert_null(strstr(got, "{%"));
        assert_null(strstr(got, "%}"));
        assert_null(strstr(got, "}}"));
        dp_free(got);
    }
}

/* ==== HTML ==== */

static void test_html_escapes_specials(void **state)
{
    (void)state;
    char *got = s_html("<a href=\"x\" title='y'>R&D</a>");
    assert_string_equal(got, "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;"
                             "R&amp;D&lt;/a&gt;");
    dp_free(got);
    got = s_html("[Bug]: `torch.compile` @everyone");
    assert_string_equal(got, "[Bug]: `torch.compile` @everyone");
    dp_free(got);
}

static void test_html_breaks_liquid(void **state)
{
    (void)state;
    char *got = s_html("{{ site.github.token }} {% include x %} {a}");
    assert_string_equal(got, "&#123;&#123; site.github.token &#125;&#125; "
                             "&#123;% include x %&#125; {a}");
    dp_free(got);
}

static void test_html_keeps_line_breaks_and_drops_controls(void **state)
{
    (void)state;
    char *got = s_html("a\nb\tc\x1b\xE2\x80\xAE"
                       "d\xff");
    assert_string_equal(got, "a\nb\tcd\xEF\xBF\xBD");
    dp_free(got);
}

/* ==== Excerpts ==== */

static void test_excerpt_collapses_whitespace_and_trims(void **state)
{
    (void)state;
    char *got = s_excerpt("  Hello\n\n   world \t again  \n", 0);
    assert_string_equal(got, "Hello world again");
    dp_free(got);
}

static void test_excerpt_truncates_and_neutralizes(void **state)
{
    (void)state;
    char *got = s_excerpt("### Your current environment\n\n```text\n"
                          "<details> {{ x }} @team\n",
                          59);
    assert_int_equal(s_utf8_chars(got) > 0, 1);
    assert_null(strstr(got, "\n"));
    assert_null(strstr(got, "<details"));
    assert_null(strstr(got, "{{"));
    assert_string_equal(got, "### Your current environment \\`\\`\\`text "
                             "&lt;details&gt; &#123;&#123; x &#125;&#125; "
                             "@" ZWSP "te" ELLIPSIS);
    dp_free(got);
    got = s_excerpt("short body", 100);
    assert_string_equal(got, "short body");
    dp_free(got);
}

/* ==== Markdown blocks ==== */

static char *s_block(const char *text)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_text_md_block(&b, text);
    return dp_buf_take(&b);
}

/* dp_text_md_block(text) is expect, and expect is a fixed point. */
static void s_block_is(const char *text, const char *expect)
{
    char *got = s_block(text);
    assert_string_equal(got, expect);
    char *again = s_block(got);
    assert_string_equal(again, got);
    dp_free(again);
    dp_free(got);
}

static void test_block_keeps_writer_markdown_byte_identical(void **state)
{
    (void)state;
    static const char *const kept[] = {
        "1. **PR [#30535](https://github.com/vllm-project/vllm/pull/30535) "
        "[V1] Support prompt embeddings** (merged)\n"
        "    - category: core; labels: v1; author: `ray-rafael`; size: "
        "+47/\xE2\x88\x92"
        "28, files: 3\n"
        "    - Summary: ## Purpose Split-K for N &lt;= 4.",
        "**PR #31177: \xE2\x80\x9C[Doc] Fix links\xE2\x80\x9D**\n"
        "- **Voices**:\n    1. **community (`marco-llm`, 1)**: LGTM",
        "- [#1](#) [Bug]: `torch.compile` fails \\](x) \\| @" ZWSP "a #" ZWSP
        "1 <code>&lt;T&gt;&#124;&#64;" ZWSP "x</code> &#123;&#123; \\` \\\\",
        "> quoted\n\n* item\n+ item\n2) item\n\ttab",
        "",
    };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        s_block_is(kept[i], kept[i]);
}

static void test_block_output_of_inline_is_a_fixed_point(void **state)
{
    (void)state;
    static const char *const titles[] = {
        "{{ site.github.token }} {% include secrets.txt %}",
        "<script>alert(1)</script> <img src=x onerror=alert(1)>",
        "@everyone cc @here GH-12 owner/repo#3 #4",
        "[x](javascript:alert(1)) ![i](https://github.com/a.png)",
        "`a|b` `@dec` `{{x}}` ``x`y`` \\ trailing\\",
        "a | b \\| c & d &amp; &#60; \xE2\x80\xAE rtl",
        "[Bug]: `<T>` and {: .x} and ```unclosed",
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        dp_buf_t b = DP_BUF_INIT;
        dp_buf_puts(&b, "- [#1](#) ");
        dp_text_md_inline(&b, titles[i], 0);
        dp_buf_puts(&b, " by ");
        dp_text_md_code(&b, titles[i], 0);
        s_block_is(b.data, b.data);
        dp_buf_free(&b);
    }
}

static void test_block_breaks_liquid_and_html(void **state)
{
    (void)state;
    s_block_is("{{ site.github.token }}\n{% include secrets.txt %}",
               "&#123;&#123; site.github.token &#125;&#125;\n"
               "&#123;% include secrets.txt %&#125;");
    s_block_is("{:.x} `{{a}}`", "&#123;:.x} `{" ZWSP "{a}" ZWSP "}`");
    s_block_is("<script>alert(1)</script>",
               "&lt;script&gt;alert(1)&lt;/script&gt;");
    s_block_is("<img src=x onerror=alert(1)> <code>x",
               "&lt;img src=x onerror=alert(1)&gt; &lt;code&gt;x");
    s_block_is("<code><b></code>", "&lt;code&gt;&lt;b&gt;&lt;/code&gt;");
    s_block_is("`<script>`", "<code>&lt;script&gt;</code>");
    /* A backtick inside a <code> element opens no span: a span there
     * would nest a second <code> in the first, which a second pass would
     * no longer take for code. */
    s_block_is("<code>a `b</code> c` d", "<code>a &#96;b</code> c\\` d");
    s_block_is("&#x3C;b&gt; &#10; &copy; &", "&amp;#x3C;b&gt; &amp;#10; "
                                             "&amp;copy; &amp;");
    s_block_is("<div>\n  <iframe>", "&lt;div&gt;\n  &lt;iframe&gt;");
}

static void test_block_mentions_and_references_do_not_notify(void **state)
{
    (void)state;
    s_block_is("@everyone @here\n- cc @team/x",
               "@" ZWSP "everyone @" ZWSP "here\n- cc @" ZWSP "team/x");
    s_block_is("\\@everyone &#64;everyone",
               "\\@" ZWSP "everyone &#64;" ZWSP "everyone");
    s_block_is("PR #12, owner/repo#12, x#1, GH-7",
               "PR #12, owner/repo#" ZWSP "12, x#" ZWSP "1, GH-" ZWSP "7");
}

static void test_block_keeps_only_github_links(void **state)
{
    (void)state;
    s_block_is("[a](https://github.com/o/r/pull/1) [b](#)",
               "[a](https://github.com/o/r/pull/1) [b](#)");
    s_block_is("[a](javascript:alert(1)) [b](https://evil.example/)",
               "[a\\] [b\\]");
    s_block_is("[a](https://github.com.evil/) [b](https://github.com/x@y)",
               "[a\\] [b\\]");
    s_block_is("[a](https://github.com/x \"t\") [c](<javascript:x>)",
               "[a\\] [c\\]");
    s_block_is("![i](https://github.com/a.png) [![i](#)](#)",
               "![i\\] [![i\\]\\]");
    s_block_is("no opener](https://github.com/) x](javascript:y",
               "no opener\\] x\\](javascript:y");
    /* A dropped destination cannot leave "](" behind for another one. */
    s_block_is("[a](javascript:x)(javascript:y)", "[a\\](javascript:y)");
    s_block_is("[x]: javascript:alert(1)\n- [y]: https://evil.example/",
               "\\[x]: javascript:alert(1)\n- \\[y]: https://evil.example/");
    /* Found by fuzz_renderer: a link left out cannot leave a definition
     * behind, and a later "[r]:" on the line is no label. */
    s_block_is("[x](javascript:y): z", "\\[x\\]: z");
    s_block_is("   [x](javascript:alert(1)) a [r]: b", "   [x\\] a [r]: b");
}

static void test_block_cleans_controls_and_line_ends(void **state)
{
    (void)state;
    s_block_is("a\r\nb\rc\x0b"
               "d\x01\xE2\x80\xAE"
               "e\xE2\x80\xA8"
               "f\xff",
               "a\nb\nc d"
               "e f\xEF\xBF\xBD");
    s_block_is("a | b\\", "a \\| b\\\\");
    char *got = s_block(NULL);
    assert_string_equal(got, "");
    dp_free(got);
}

/* Pseudo-random text through dp_text_md_block: valid UTF-8, no Liquid
 * delimiter, every '<' one of the <code> tags it keeps, no mention, and a
 * fixed point. */
static void test_block_is_safe_and_idempotent_for_random_text(void **state)
{
    (void)state;
    uint32_t seed = 777;
    const char alphabet[] = "<>&{}%:@#`\\[]()!|-*1. aZ\n\t/code;";
    for (int round = 0; round < 3000; round++) {
        char text[96];
        size_t len = (size_t)(round % 95);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 16;
            text[i] = r % 5 ? alphabet[r % (sizeof alphabet - 1)]
                            : (char)(unsigned char)(r & 0xff);
            if (text[i] == '\0')
                text[i] = 'x';
        }
        text[len] = '\0';
        char *got = s_block(text);
        assert_true(s_utf8_chars(got) >= 0);
        for (const char *p = got; *p; p++) {
            if (*p == '<' && strncmp(p, "<code>", 6) != 0 &&
                strncmp(p, "</code>", 7) != 0)
                fail_msg("raw '<' from round %d: %s", round, got);
            if (*p == '@' &&
                ((p[1] >= 'a' && p[1] <= 'z') ||
                 (p[1] >= 'A' && p[1] <= 'Z')) &&
                !strchr(text, '`'))
                fail_msg("a mention from round %d: %s", round, got);
        }
        assert_null(strstr(got, "{{"));
        assert_null(strstr(got, "{%"));
        assert_null(strstr(got, "%}"));
        assert_null(strstr(got, "}}"));
        char *again = s_block(got);
        if (strcmp(again, got) != 0)
            fail_msg("not a fixed point, round %d: %s -> %s", round, got,
                     again);
        dp_free(again);
        dp_free(got);
    }
}

/* Text written as it is (no character the writer touches) and the same
 * text through the whole cleaning and escaping (a control character at
 * the end sends it there, and cleaning drops it) come out the same; over
 * random texts of an alphabet with every character the writer treats
 * specially, most take one way or the other. */
static void test_md_plain_text_is_what_the_writer_makes(void **state)
{
    (void)state;
    static const char alphabet[] = "aGgHh- #0123456789`\\&<>{}[]()@|:!*_~.";
    unsigned long seed = 12345;
    size_t same = 0;
    for (int k = 0; k < 20000; k++) {
        char text[40], forced[41];
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        size_t len = (seed >> 33) % (sizeof text - 1);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            text[i] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
        }
        text[len] = '\0';
        snprintf(forced, sizeof forced, "%s\x01", text);
        for (size_t max = 0; max <= 30; max += 15) {
            char *a = s_md(text, max), *b = s_md(forced, max);
            assert_string_equal(a, b);
            same += strcmp(a, text) == 0;
            free(a);
            free(b);
        }
    }
    assert_true(same > 1000); /* plain texts were among them */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_keeps_harmless_titles_byte_identical),
        cmocka_unit_test(test_md_plain_text_is_what_the_writer_makes),
        cmocka_unit_test(test_md_breaks_liquid_include_tag),
        cmocka_unit_test(test_md_breaks_liquid_output_tag),
        cmocka_unit_test(test_md_breaks_liquid_inside_code_spans),
        cmocka_unit_test(test_md_breaks_kramdown_extensions),
        cmocka_unit_test(test_md_escapes_script_tag),
        cmocka_unit_test(test_md_escapes_img_onerror),
        cmocka_unit_test(test_md_code_span_with_specials_becomes_code_element),
        cmocka_unit_test(test_md_escaped_backtick_does_not_open_span),
        cmocka_unit_test(test_md_escapes_unmatched_backticks),
        cmocka_unit_test(test_md_breaks_inline_links_and_images),
        cmocka_unit_test(test_md_backslash_cannot_escape_neutralization),
        cmocka_unit_test(test_md_mentions_do_not_notify),
        cmocka_unit_test(test_md_cross_references_do_not_link),
        cmocka_unit_test(test_md_escapes_pipes_so_no_table_forms),
        cmocka_unit_test(test_code_span_keeps_plain_logins),
        cmocka_unit_test(test_code_span_with_specials_becomes_element),
        cmocka_unit_test(test_code_span_truncates_inside),
        cmocka_unit_test(test_url_keeps_github_urls),
        cmocka_unit_test(test_url_encodes_what_could_end_the_link),
        cmocka_unit_test(test_url_refuses_other_schemes),
        cmocka_unit_test(test_md_removes_bidi_controls),
        cmocka_unit_test(test_md_turns_line_breaks_into_one_space),
        cmocka_unit_test(test_md_removes_other_control_characters),
        cmocka_unit_test(test_md_replaces_invalid_utf8),
        cmocka_unit_test(test_md_truncates_long_title_with_ellipsis),
        cmocka_unit_test(test_md_truncation_never_splits_multibyte),
        cmocka_unit_test(test_md_truncation_limits_visible_characters),
        cmocka_unit_test(test_md_appends_to_existing_buffer),
        cmocka_unit_test(test_md_output_is_safe_for_random_bytes),
        cmocka_unit_test(test_html_escapes_specials),
        cmocka_unit_test(test_html_breaks_liquid),
        cmocka_unit_test(test_html_keeps_line_breaks_and_drops_controls),
        cmocka_unit_test(test_excerpt_collapses_whitespace_and_trims),
        cmocka_unit_test(test_excerpt_truncates_and_neutralizes),
        cmocka_unit_test(test_block_keeps_writer_markdown_byte_identical),
        cmocka_unit_test(test_block_output_of_inline_is_a_fixed_point),
        cmocka_unit_test(test_block_breaks_liquid_and_html),
        cmocka_unit_test(test_block_mentions_and_references_do_not_notify),
        cmocka_unit_test(test_block_keeps_only_github_links),
        cmocka_unit_test(test_block_cleans_controls_and_line_ends),
        cmocka_unit_test(test_block_is_safe_and_idempotent_for_random_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
