/* test_dp_http.c - the one origin check every URL passes before the token
 * is sent to it, for a GET or a POST */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "dp_http.h"

#define S_GITHUB "https://api.github.com"
#define S_GHE "https://ghe.example.com/api/v3/"

typedef struct {
    const char *base;
    const char *url;
    bool token;
    bool allowed;
} s_case_t;

static const s_case_t s_cases[] = {
    /* The API's own origin, however its port and host are written. */
    {S_GITHUB, S_GITHUB "/repos/o/r/issues?page=2", true, true},
    {S_GITHUB, "https://api.github.com:443/repositories/1/issues", true, true},
    {S_GITHUB, "https://API.GitHub.COM/repos/o/r", true, true},
    {S_GITHUB "/", S_GITHUB, true, true},
    /* Another scheme, port or host. */
    {S_GITHUB, "http://api.github.com/repos/o/r", true, false},
    {S_GITHUB, "https://api.github.com:8443/repos/o/r", true, false},
    {S_GITHUB, "https://api.github.com.evil.example/repos", true, false},
    {S_GITHUB, "https://api.github.com@evil.example/repos", true, false},
    {S_GITHUB, "https://evil.example/?u=https://api.github.com/", true, false},
    {S_GITHUB, "ftp://api.github.com/repos", true, false},
    {S_GITHUB, "//api.github.com/repos", true, false},
    {S_GITHUB, "/repos/o/r", true, false},
    /* Credentials in the URL itself. */
    {S_GITHUB, "https://user:pw@api.github.com/repos", true, false},
    /* GitHub Enterprise: the path is part of the scope. */
    {S_GHE, "https://ghe.example.com/api/v3/repos/o/r", true, true},
    {S_GHE, "https://ghe.example.com/api/v3", true, true},
    {S_GHE, "https://ghe.example.com/api/v3x/repos", true, false},
    {S_GHE, "https://ghe.example.com/repositories/1", true, false},
    {S_GHE, "https://ghe.example.com/api/v3/../../admin", true, false},
    {S_GHE, "https://ghe.example.com/api/v3/./repos", true, true},
    /* Plain http carries the token only on loopback. */
    {"http://ghe.example.com", "http://ghe.example.com/repos", true, false},
    {"http://ghe.example.com", "http://ghe.example.com/repos", false, true},
    {"http://127.0.0.1:8080", "http://127.0.0.1:8080/repos", true, true},
    {"http://127.9.8.7:8080", "http://127.9.8.7:8080/repos", true, true},
    {"http://localhost:8080/", "http://LOCALHOST:8080/x", true, true},
    {"http://[::1]:8080", "http://[::1]:8080/x", true, true},
    {"http://127.0.0.1.nip.io", "http://127.0.0.1.nip.io/x", true, false},
    {"http://127.0.0.1:8080", "http://127.0.0.2:8080/repos", true, false},
    /* What is no URL, or no web API. */
    {S_GITHUB, "", true, false},
    {S_GITHUB, "not a url", true, false},
    {"not a url", S_GITHUB, true, false},
    {"ftp://api.github.com", "ftp://api.github.com/x", false, false},
};

static void test_scope_check_allows_only_the_api(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const s_case_t *c = &s_cases[i];
        char why[256] = "";
        int rc =
            dp_http_scope_check(c->base, c->url, c->token, why, sizeof why);
        print_message("%s under %s%s: %s%s\n", c->url, c->base,
                      c->token ? " (token)" : "",
                      rc == 0 ? "allowed" : "no: ", rc == 0 ? "" : why);
        assert_int_equal(rc, c->allowed ? 0 : DP_EORIGIN);
        if (!c->allowed)
            assert_true(why[0] != '\0');
    }
}

static void test_scope_check_names_no_secret(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "https://evil.example/x?access_token=SECRET",
        "https://u:SECRET@evil.example/x",
        "https://u:SECRET@api.github.com/x",
        "https://api.github.com:1/x?SECRET",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char why[256] = "";
        assert_int_equal(
            dp_http_scope_check(S_GITHUB, urls[i], true, why, sizeof why),
            DP_EORIGIN);
        print_message("%s\n", why);
        assert_null(strstr(why, "SECRET"));
    }
    /* The origin refused is named. */
    char why[256] = "";
    assert_int_equal(dp_http_scope_check(S_GITHUB, "http://127.0.0.2:9/x", true,
                                         why, sizeof why),
                     DP_EORIGIN);
    assert_non_null(strstr(why, "http://127.0.0.2:9"));
    assert_non_null(strstr(why, "https://api.github.com:443"));
}

/* A POST (a GraphQL query) passes the same check before it is sent: a
 * URL outside the client's scope gets nothing, and no token. */
static void test_post_outside_the_scope_is_not_sent(void **state)
{
    (void)state;
    dp_http_opts_t o = {.user_agent = "test",
                        .token = "SECRET",
                        .scope = "https://ghe.example.com/api/graphql"};
    dp_http_t *http = dp_http_new(&o);
    assert_non_null(http);
    static const char *const urls[] = {
        "https://evil.example/api/graphql",
        "http://ghe.example.com/api/graphql",
        "https://ghe.example.com/api/v3/repos",
        "https://ghe.example.com:8443/api/graphql",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        dp_http_resp_t resp;
        assert_int_equal(dp_http_post_json(http, urls[i], "{}", 2, &resp),
                         DP_EORIGIN);
        print_message("%s: %s\n", urls[i], resp.error);
        assert_int_equal(resp.status, 0);
        assert_null(strstr(resp.error, "SECRET"));
        dp_http_resp_clear(&resp);
    }
    dp_http_destroy(&http);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_check_allows_only_the_api),
        cmocka_unit_test(test_scope_check_names_no_secret),
        cmocka_unit_test(test_post_outside_the_scope_is_not_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
