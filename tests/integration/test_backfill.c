/* test_backfill.c - devpulse backfill over one day of a busy repository,
 * with hourly and daily windows, against the GitHub stand-in */
/* SPDX-License-Identifier: MIT */
/*
 * Runs the real build/bin/devpulse backfill (which starts its own Redis and
 * the four services) against build/bin/gh-standin serving tests/data/busy:
 * vLLM-like activity all over 2025-12-15 (UTC+8), 515 items. The day in
 * Asia/Shanghai with windows [hourly, daily] is 24 + 1 windows. Every
 * report's header counts are checked against counts made here straight
 * from the dataset's raw issues.json (created_at, closed_at,
 * pull_request.merged_at), with the C library's own time parsing.
 */
#define _GNU_SOURCE /* timegm */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dp_mem.h"
#include "dp_testkit.h"

#define S_REPO "vllm-project/vllm"
#define S_DAY_FROM "2025-12-15T00:00+08:00"
#define S_DAY_TO "2025-12-16T00:00+08:00"
#define S_DAY_UTC "2025-12-14T16:00:00Z" /* S_DAY_FROM */
#define S_HOURS 24
#define S_WINDOWS (S_HOURS + 1)
#define S_RUN_MS 240000 /* a backfill that takes longer has hung */
#define S_POLL_MS 100
#define S_START_MS 10000
#define S_NCOUNTS 5

/* ==== Counting from the raw dataset ==== */

/* An instant as GitHub writes it, parsed with strptime and timegm; 0 for
 * null. */
static int64_t s_raw_time(const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(json_string_value(v), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        fail_msg("unexpected time %s", json_string_value(v));
    return (int64_t)timegm(&tm);
}

/* New issues, closed issues, new PRs, merged PRs and PRs closed unmerged
 * in [from, to), as the report's header defines them. */
static void s_raw_counts(const json_t *items, int64_t from, int64_t to,
                         long out[S_NCOUNTS])
{
    memset(out, 0, S_NCOUNTS * sizeof out[0]);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const json_t *pr = json_object_get(it, "pull_request");
        int64_t created = s_raw_time(json_object_get(it, "created_at"));
        int64_t closed = s_raw_time(json_object_get(it, "closed_at"));
        int64_t merged = pr ? s_raw_time(json_object_get(pr, "merged_at")) : 0;
        bool c_in = created >= from && created < to;
        bool x_in = closed > 0 && closed >= from && closed < to;
        bool m_in = merged > 0 && merged >= from && merged < to;
        if (!pr) {
            out[0] += c_in;
            out[1] += x_in;
        } else {
            out[2] += c_in;
            out[3] += m_in;
            out[4] += x_in && merged == 0;
        }
    }
}

/* The header counts of an English report. */
static void s_report_counts(const char *path, long out[S_NCOUNTS])
{
    char *text = dp_tk_read_file(path, NULL);
    if (!text)
        fail_msg("cannot read %s", path);
    const char *line = strstr(text, "> Stats: ");
    if (!line ||
        sscanf(line,
               "> Stats: New issues %ld | Closed issues %ld | New PRs %ld | "
               "Merged PRs %ld | PRs closed unmerged %ld",
               &out[0], &out[1], &out[2], &out[3], &out[4]) != S_NCOUNTS)
        fail_msg("no stats line in %s", path);
    dp_free(text);
}

/* ==== Running devpulse ==== */

typedef struct {
    char *dir;    /* private directory */
    char *bin;    /* build/bin */
    char *config; /* dir/devpulse.yml */
    char *site;   /* dir/site */
    char *state;  /* dir/state */
    dp_tk_proc_t standin;
    json_t *items; /* the dataset's issues.json */
} s_ctx_t;

static int s_setup(void **state)
{
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    *state = ctx;
    const char *bin = getenv("DP_BIN_DIR");
    const char *src = getenv("DP_SOURCE_DIR");
    if (!bin || !src) {
        print_message("DP_BIN_DIR and DP_SOURCE_DIR must be set (ctest)\n");
        return -1;
    }
    ctx->bin = dp_strdup(bin);
    ctx->dir = dp_tk_tmpdir("backfill");
    if (!ctx->dir)
        return -1;
    ctx->config = dp_asprintf("%s/devpulse.yml", ctx->dir);
    ctx->site = dp_asprintf("%s/site", ctx->dir);
    ctx->state = dp_asprintf("%s/state", ctx->dir);
    char *data = dp_asprintf("%s/tests/data/busy", src);
    char *issues = dp_asprintf("%s/" S_REPO "/issues.json", data);
    json_error_t jerr;
    ctx->items = json_load_file(issues, 0, &jerr);
    dp_free(issues);
    char *standin = dp_asprintf("%s/gh-standin", bin);
    char *argv[] = {standin,          (char *)"--data", data,
                    (char *)"--port", (char *)"0",      NULL};
    char url[256];
    int rc = dp_tk_proc_start(&ctx->standin, argv, url, sizeof url, S_START_MS);
    dp_free(standin);
    dp_free(data);
    if (rc < 0 || !json_is_array(ctx->items))
        return -1;
    setenv("GITHUB_API_URL", url, 1);
    setenv("GITHUB_TOKEN", "", 1);
    setenv("DP_LOG_LEVEL", "info", 1);
    setenv("DP_RETRY_BASE_MS", "20", 1);
    unsetenv("REDIS_URL");
    FILE *f = fopen(ctx->config, "w");
    if (!f)
        return -1;
    fprintf(f,
            "timezone: Asia/Shanghai\n"
            "language: en\n"
            "windows: [hourly, daily]\n"
            "repositories:\n"
            "  - {repo: " S_REPO ", name: vLLM}\n"
            "outputs: {dir: %s, formats: [md]}\n",
            ctx->site);
    return fclose(f) == 0 ? 0 : -1;
}

static int s_teardown(void **state)
{
    s_ctx_t *ctx = *state;
    dp_tk_proc_stop(&ctx->standin);
    dp_tk_rmdir(ctx->dir);
    json_decref(ctx->items);
    dp_free(ctx->bin);
    dp_free(ctx->config);
    dp_free(ctx->site);
    dp_free(ctx->state);
    dp_free(ctx->dir);
    dp_free(ctx);
    return 0;
}

/* Runs devpulse with args (NULL-terminated), its stdout and stderr into
 * dir/<tag>.out and dir/<tag>.err. Returns its exit status; fails the test
 * when it does not end within S_RUN_MS or dies of a signal. */
static int s_devpulse(s_ctx_t *ctx, const char *tag, const char *const *args)
{
    char *exe = dp_asprintf("%s/devpulse", ctx->bin);
    char *out = dp_asprintf("%s/%s.out", ctx->dir, tag);
    char *err = dp_asprintf("%s/%s.err", ctx->dir, tag);
    const char *argv[16] = {exe};
    size_t n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0 || dup2(fo, STDOUT_FILENO) < 0 ||
            dup2(fe, STDERR_FILENO) < 0)
            _exit(127);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    int waited = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (waited >= S_RUN_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("devpulse %s did not end within %d ms", args[0], S_RUN_MS);
        }
        struct timespec ts = {0, S_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        waited += S_POLL_MS;
    }
    dp_free(exe);
    dp_free(out);
    dp_free(err);
    if (!WIFEXITED(status))
        fail_msg("devpulse %s died of signal %d", args[0], WTERMSIG(status));
    return WEXITSTATUS(status);
}

/* The text of dir/<tag>.<ext>; the caller frees it. */
static char *s_output(s_ctx_t *ctx, const char *tag, const char *ext)
{
    char *path = dp_asprintf("%s/%s.%s", ctx->dir, tag, ext);
    char *text = dp_tk_read_file(path, NULL);
    dp_free(path);
    assert_non_null(text);
    return text;
}

/* Splits text into its lines (in place); returns how many, at most max. */
static size_t s_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && n < max;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    return n;
}

/* The one printed path that ends with suffix. */
static const char *s_path_ending(char **paths, size_t n, const char *suffix)
{
    const char *found = NULL;
    size_t ls = strlen(suffix);
    for (size_t i = 0; i < n; i++) {
        size_t lp = strlen(paths[i]);
        if (lp >= ls && !strcmp(paths[i] + lp - ls, suffix)) {
            if (found)
                fail_msg("two reports end with %s", suffix);
            found = paths[i];
        }
    }
    if (!found)
        fail_msg("no report ends with %s", suffix);
    return found;
}

/* Markdown reports in the site (not their .json companions). */
static size_t s_reports_in_site(const s_ctx_t *ctx)
{
    char *posts = dp_asprintf("%s/" S_REPO "/_posts", ctx->site);
    DIR *d = opendir(posts);
    dp_free(posts);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        n += len > 3 && !strcmp(e->d_name + len - 3, ".md");
    }
    closedir(d);
    return n;
}

/* Asserts that every report has the counts of the raw dataset, and returns
 * the busiest hour. */
static int s_check_counts(s_ctx_t *ctx, char **paths, size_t n)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    assert_non_null(strptime(S_DAY_UTC, "%Y-%m-%dT%H:%M:%SZ", &tm));
    int64_t day = (int64_t)timegm(&tm);
    long raw[S_NCOUNTS], got[S_NCOUNTS];
    int busiest = -1;
    long most = -1;
    for (int h = 0; h < S_HOURS; h++) {
        char suffix[32];
        snprintf(suffix, sizeof suffix, "-%02d00-1h.md", h);
        s_raw_counts(ctx->items, day + h * 3600, day + (h + 1) * 3600, raw);
        s_report_counts(s_path_ending(paths, n, suffix), got);
        long sum = 0;
        for (int k = 0; k < S_NCOUNTS; k++) {
            assert_int_equal(got[k], raw[k]);
            sum += raw[k];
        }
        if (sum > most) {
            most = sum;
            busiest = h;
        }
    }
    s_raw_counts(ctx->items, day, day + 86400, raw);
    s_report_counts(s_path_ending(paths, n, "-1d.md"), got);
    for (int k = 0; k < S_NCOUNTS; k++)
        assert_int_equal(got[k], raw[k]);
    print_message("day: %ld new issues, %ld closed, %ld new PRs, %ld merged, "
                  "%ld closed unmerged; busiest hour %02d:00 with %ld\n",
                  raw[0], raw[1], raw[2], raw[3], raw[4], busiest, most);
    return busiest;
}

/* ==== Tests ==== */

static void test_a_day_of_hourly_and_daily_windows_once_each(void **state)
{
    s_ctx_t *ctx = *state;
    if (!dp_tk_have_program("redis-server")) {
        print_message("SKIP: redis-server not installed\n");
        skip();
    }
    const char *args[] = {"backfill", "-c",   ctx->config, "--from",
                          S_DAY_FROM, "--to", S_DAY_TO,    "--state",
                          ctx->state, NULL};
    assert_int_equal(s_devpulse(ctx, "first", args), 0);

    /* Every window one report, its path printed once. */
    char *out = s_output(ctx, "first", "out");
    char *paths[S_WINDOWS + 8];
    size_t n = s_lines(out, paths, S_WINDOWS + 8);
    assert_int_equal(n, S_WINDOWS);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(access(paths[i], R_OK), 0);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(paths[i], paths[k]);
    }
    assert_int_equal(s_reports_in_site(ctx), S_WINDOWS);
    /* The busiest hour of the dataset is 14:00 (UTC+8); every hour and the
     * day have exactly the dataset's counts. */
    assert_int_equal(s_check_counts(ctx, paths, n), 14);

    /* No window needed the watchdog, and the progress was logged. */
    char *err = s_output(ctx, "first", "err");
    assert_null(strstr(err, "replaying"));
    assert_non_null(strstr(err, "devpulse backfill: windows 25/25"));
    dp_free(err);

    /* Again on the same state: the same reports, nothing new to any
     * window (the listings answer 304), no replay. */
    assert_int_equal(s_devpulse(ctx, "again", args), 0);
    char *again = s_output(ctx, "again", "out");
    char *paths2[S_WINDOWS + 8];
    assert_int_equal(s_lines(again, paths2, S_WINDOWS + 8), S_WINDOWS);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(paths2[i], paths[i]);
    assert_int_equal(s_reports_in_site(ctx), S_WINDOWS);
    s_check_counts(ctx, paths, n);
    err = s_output(ctx, "again", "err");
    assert_null(strstr(err, "replaying"));
    size_t windows = 0;
    for (const char *p = strstr(err, " new), "); p;
         p = strstr(p + 1, " new), ")) {
        const char *open = p;
        while (open > err && open[-1] != '(')
            open--;
        assert_int_equal(strtol(open, NULL, 10), 0);
        windows++;
    }
    assert_int_equal(windows, S_WINDOWS);
    dp_free(err);
    dp_free(again);
    dp_free(out);
}

/* Runs a backfill that must be refused: exit 2, one line, no report. */
static void s_refused(s_ctx_t *ctx, const char *const *args, const char *why)
{
    assert_int_equal(s_devpulse(ctx, "refused", args), 2);
    char *err = s_output(ctx, "refused", "err");
    char *out = s_output(ctx, "refused", "out");
    char *lines[4];
    size_t n = s_lines(err, lines, 4);
    if (n != 1 || !strstr(lines[0], why))
        fail_msg("expected one line with \"%s\", got %zu: %s", why, n,
                 n ? lines[0] : "");
    assert_string_equal(out, "");
    dp_free(err);
    dp_free(out);
}

static void test_bad_ranges_and_organizations_are_refused(void **state)
{
    s_ctx_t *ctx = *state;
    const char *c = ctx->config;
    const char *reversed[] = {"backfill", "-c",   c,          "--from",
                              S_DAY_TO,   "--to", S_DAY_FROM, NULL};
    s_refused(ctx, reversed, "--to must be later than --from");
    const char *partial[] = {"backfill",
                             "-c",
                             c,
                             "--from",
                             "2025-12-15T00:10+08:00",
                             "--to",
                             "2025-12-15T01:00+08:00",
                             NULL};
    s_refused(ctx, partial, "no complete");
    const char *garbled[] = {"backfill",  "-c",   c,        "--from",
                             "yesterday", "--to", S_DAY_TO, NULL};
    s_refused(ctx, garbled, "--from: \"yesterday\" is not a time");
    const char *missing[] = {"backfill", "-c", c, "--to", S_DAY_TO, NULL};
    s_refused(ctx, missing, "--from and --to are required");
    const char *unknown[] = {"backfill", "-c", c, "--frm", S_DAY_FROM, NULL};
    s_refused(ctx, unknown, "unknown option --frm");

    char *orgs = dp_asprintf("%s/orgs.yml", ctx->dir);
    FILE *f = fopen(orgs, "w");
    assert_non_null(f);
    fprintf(f,
            "windows: [hourly]\nrepositories:\n  - " S_REPO "\n"
            "  - org: sgl-project\noutputs: {dir: %s}\n",
            ctx->site);
    assert_int_equal(fclose(f), 0);
    const char *org[] = {"backfill", "-c",   orgs,     "--from",
                         S_DAY_FROM, "--to", S_DAY_TO, NULL};
    s_refused(ctx, org, "organization sgl-project");
    dp_free(orgs);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_bad_ranges_and_organizations_are_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_day_of_hourly_and_daily_windows_once_each, s_setup,
            s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
