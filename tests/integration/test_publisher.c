/* test_publisher.c - dp-publisher's engine: REPORT messages on a real PUB
 * socket, a real redis-server, and a local bare git repository */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

#include "dp_bus.h"
#include "dp_fs.h"
#include "dp_mem.h"
#include "dp_testkit.h"
#include "publisher.h"

#define S_REPO "vllm-project/vllm"
#define S_TOKEN "tok-S3CRET-0123456789"
#define S_FROM 1765362540
#define S_TO 1765366140
#define S_ROUNDS 100
#define S_STEP_MS 50
#define S_POSTS "vllm-project/vllm/_posts/2025-12-10-vllm-1829-1h"

typedef struct {
    char *dir, *out_dir, *remote, *md, *html, *json;
    dp_tk_redis_t redis;
    dp_bus_t *bus;
    dp_sock_t *pub;
    publisher_t *publisher;
    char *reports, *work, *git;
} s_ctx_t;

/* Runs a shell command line built from fmt; returns its exit status. */
static int s_sh(const char *fmt, ...) DP_PRINTF(1, 2);
static int s_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dp_buf_t b = DP_BUF_INIT;
    dp_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = system(b.data);
    dp_buf_free(&b);
    return rc;
}

/* The output of a shell command line (at most 64 KiB). The caller frees. */
static char *s_out(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    dp_buf_t b = DP_BUF_INIT;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0 && b.len < 65536)
        dp_buf_append(&b, buf, got);
    pclose(p);
    dp_buf_puts(&b, "");
    return dp_buf_take(&b);
}

static void s_write(const char *path, const char *text)
{
    char err[256];
    assert_int_equal(
        dp_fs_write_atomic(path, text, strlen(text), NULL, err, sizeof err), 0);
}

/* The report files of a revision, as the renderer writes them. */
static void s_write_report(s_ctx_t *ctx, int rev)
{
    char *text = dp_asprintf("# report, revision %d\n", rev);
    s_write(ctx->md, text);
    s_write(ctx->json, "{\"schema\":1}");
    s_write(ctx->html, "<html></html>");
    dp_free(text);
}

static publisher_t *s_publisher(s_ctx_t *ctx)
{
    publisher_cfg_t cfg = {
        .consumer =
            {
                .reports = ctx->reports,
                .repos = S_REPO,
                .redis_url = ctx->redis.url,
                .claim_s = 60,
                .tries = 3,
                .backoff_ms = 50,
                .backoff_max_ms = 1000,
                .max_frame = 1 << 20,
            },
        .out_dir = ctx->out_dir,
        .repo = ctx->remote,
        .branch = "main",
        .dir = "reports",
        .work_dir = ctx->work,
        .author_name = "devpulse bot",
        .author_email = "bot@example.org",
        .token = S_TOKEN,
        .git = ctx->git,
        .push_tries = 4,
        .git_timeout_s = 2,
    };
    publisher_t *p = publisher_new(&cfg);
    assert_non_null(p);
    return p;
}

static s_ctx_t *s_start(void)
{
    if (!dp_tk_have_program("git"))
        skip();
    s_ctx_t *ctx = dp_calloc(1, sizeof *ctx);
    ctx->dir = dp_tk_tmpdir("publisher");
    assert_non_null(ctx->dir);
    ctx->out_dir = dp_asprintf("%s/site", ctx->dir);
    ctx->md = dp_asprintf("%s/%s.md", ctx->out_dir, S_POSTS);
    ctx->json = dp_asprintf("%s/%s.md.json", ctx->out_dir, S_POSTS);
    ctx->html = dp_asprintf("%s/%s.html", ctx->out_dir, S_POSTS);
    s_write_report(ctx, 1);
    ctx->remote = dp_asprintf("%s/remote.git", ctx->dir);
    assert_int_equal(s_sh("git init -q --bare '%s'", ctx->remote), 0);
    /* A git that records its arguments, to look for the token there. */
    ctx->git = dp_asprintf("%s/git-spy", ctx->dir);
    /* Before a push it also asks git's credential helper, as an HTTPS
     * push would, in the environment the publisher gave it. */
    char *spy =
        dp_asprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> '%1$s/argv.log'\n"
                    "case \" $* \" in *' push '*) printf "
                    "'protocol=https\\nhost=example.org\\n\\n' | "
                    "git credential fill > '%1$s/cred.txt' 2>&1\n"
                    "  [ -e '%1$s/slow' ] && rm '%1$s/slow' && exec sleep 60;; "
                    "esac\n"
                    "exec git \"$@\"\n",
                    ctx->dir);
    s_write(ctx->git, spy);
    dp_free(spy);
    assert_int_equal(chmod(ctx->git, 0700), 0);
    ctx->work = dp_asprintf("%s/work", ctx->dir);
    dp_tk_redis_start_or_skip(&ctx->redis);
    ctx->bus = dp_bus_new();
    assert_non_null(ctx->bus);
    ctx->pub = dp_tk_ipc_sock(ctx->bus, ZMQ_PUB, "@", ctx->dir, "reports");
    ctx->reports = dp_asprintf(">ipc://%s/reports", ctx->dir);
    ctx->publisher = s_publisher(ctx);
    return ctx;
}

static void s_stop(s_ctx_t *ctx)
{
    publisher_destroy(&ctx->publisher);
    dp_sock_destroy(&ctx->pub);
    dp_bus_destroy(&ctx->bus);
    dp_tk_redis_stop(&ctx->redis);
    dp_tk_rmdir(ctx->dir);
    dp_free(ctx->dir);
    dp_free(ctx->out_dir);
    dp_free(ctx->remote);
    dp_free(ctx->md);
    dp_free(ctx->html);
    dp_free(ctx->json);
    dp_free(ctx->reports);
    dp_free(ctx->work);
    dp_free(ctx->git);
    dp_free(ctx);
}

/* The subjects of the branch's commits, newest first. */
static char *s_log(const s_ctx_t *ctx)
{
    char *cmd = dp_asprintf(
        "git --git-dir='%s' log --format='%%s|%%an|%%ae' main 2>/dev/null",
        ctx->remote);
    char *out = s_out(cmd);
    dp_free(cmd);
    return out;
}

static size_t s_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Publishes revision rev until the branch has want commits. */
static void s_publish(s_ctx_t *ctx, int64_t rev, size_t want)
{
    const char *files[] = {ctx->md, ctx->html, ctx->json, NULL};
    for (int i = 0; i < S_ROUNDS; i++) {
        dp_tk_send_report(ctx->pub, NULL, S_REPO, S_FROM, S_TO, rev, ctx->md,
                          files);
        assert_int_equal(
            dp_consumer_step(publisher_consumer(ctx->publisher), S_STEP_MS), 0);
        char *log = s_log(ctx);
        size_t n = s_lines(log);
        dp_free(log);
        if (n >= want)
            return;
    }
    fail_msg("the branch has not %zu commits after %d rounds", want, S_ROUNDS);
}

/* The file at path on the branch. The caller frees it. */
static char *s_show(const s_ctx_t *ctx, const char *path)
{
    char *cmd = dp_asprintf("git --git-dir='%s' show 'main:%s' 2>/dev/null",
                            ctx->remote, path);
    char *out = s_out(cmd);
    dp_free(cmd);
    return out;
}

/* A report: one commit with its files, by the configured author; the
 * same report again: no second commit; a revision: a second commit. */
static void test_report_and_revision_commits(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start();
    s_publish(ctx, 1, 1);
    char *md = s_show(ctx, "reports/" S_POSTS ".md");
    assert_string_equal(md, "# report, revision 1\n");
    dp_free(md);
    char *html = s_show(ctx, "reports/" S_POSTS ".html");
    assert_string_equal(html, "<html></html>");
    dp_free(html);
    char *json = s_show(ctx, "reports/" S_POSTS ".md.json");
    assert_string_equal(json, "{\"schema\":1}");
    dp_free(json);

    /* Delivered again: claimed already, no commit. */
    const char *files[] = {ctx->md, ctx->html, ctx->json, NULL};
    for (int i = 0; i < 10; i++) {
        dp_tk_send_report(ctx->pub, NULL, S_REPO, S_FROM, S_TO, 1, ctx->md,
                          files);
        assert_int_equal(
            dp_consumer_step(publisher_consumer(ctx->publisher), S_STEP_MS), 0);
    }
    assert_true(dp_consumer_stats(publisher_consumer(ctx->publisher)).skipped >=
                1);
    char *log = s_log(ctx);
    assert_int_equal(s_lines(log), 1);
    assert_non_null(strstr(log, "report vllm-project/vllm "
                                "2025-12-10T10:29:00Z..2025-12-10T11:29:00Z|"
                                "devpulse bot|bot@example.org\n"));
    dp_free(log);

    s_write_report(ctx, 2);
    s_publish(ctx, 2, 2);
    log = s_log(ctx);
    assert_int_equal(s_lines(log), 2);
    assert_non_null(strstr(log, "(revised)"));
    dp_free(log);
    md = s_show(ctx, "reports/" S_POSTS ".md");
    assert_string_equal(md, "# report, revision 2\n");
    dp_free(md);

    /* The token was never an argument of git. */
    char *argv_path = dp_asprintf("%s/argv.log", ctx->dir);
    char *argv_log = dp_tk_read_file(argv_path, NULL);
    assert_non_null(argv_log);
    assert_non_null(strstr(argv_log, "push -q origin HEAD:refs/heads/main"));
    assert_null(strstr(argv_log, S_TOKEN));
    dp_free(argv_log);
    dp_free(argv_path);
    /* ... and its credential helper gives it from the environment. */
    char *cred_path = dp_asprintf("%s/cred.txt", ctx->dir);
    char *cred = dp_tk_read_file(cred_path, NULL);
    assert_non_null(cred);
    assert_non_null(strstr(cred, "username=x-access-token\n"));
    assert_non_null(strstr(cred, "password=" S_TOKEN "\n"));
    dp_free(cred);
    dp_free(cred_path);
    s_stop(ctx);
}

/* Another writer pushes between the publisher's fetch and its push (a
 * pre-receive hook that pushes a commit from another clone, then refuses
 * the first push once): the publisher rebases and pushes again, and both
 * commits are on the branch. */
static void test_push_race_rebased(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start();
    s_publish(ctx, 1, 1);
    char *hook = dp_asprintf(
        "#!/bin/sh\n"
        "[ -e '%1$s/raced' ] && exit 0\n"
        "touch '%1$s/raced'\n"
        "env > '%1$s/hook-env.txt'\n"
        "unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY "
        "GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_DIR GIT_AUTHOR_NAME "
        "GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL\n"
        "git clone -q -b main '%1$s/remote.git' '%1$s/other' && cd "
        "'%1$s/other' &&\n"
        "echo other > other.txt && git add other.txt &&\n"
        "git -c user.name=other -c user.email=o@example.org commit -qm "
        "'another writer' && git push -q origin HEAD:main || exit 3\n"
        "echo 'refused once: another writer went first' >&2\n"
        "exit 1\n",
        ctx->dir);
    char *hook_path = dp_asprintf("%s/hooks/pre-receive", ctx->remote);
    s_write(hook_path, hook);
    assert_int_equal(chmod(hook_path, 0700), 0);
    dp_free(hook);
    dp_free(hook_path);

    s_write_report(ctx, 2);
    s_publish(ctx, 2, 3);
    char *log = s_log(ctx);
    assert_int_equal(s_lines(log), 3);
    /* Newest first: the revision on top of the other writer's commit. */
    assert_string_equal(
        log, "report vllm-project/vllm 2025-12-10T10:29:00Z.."
             "2025-12-10T11:29:00Z (revised)|devpulse bot|bot@example.org\n"
             "another writer|other|o@example.org\n"
             "report vllm-project/vllm 2025-12-10T10:29:00Z.."
             "2025-12-10T11:29:00Z|devpulse bot|bot@example.org\n");
    dp_free(log);
    char *other = s_show(ctx, "other.txt");
    assert_string_equal(other, "other\n");
    dp_free(other);
    char *md = s_show(ctx, "reports/" S_POSTS ".md");
    assert_string_equal(md, "# report, revision 2\n");
    dp_free(md);
    char *raced = dp_asprintf("%s/raced", ctx->dir);
    struct stat st;
    assert_int_equal(stat(raced, &st), 0);
    dp_free(raced);
    s_stop(ctx);
}

/* A push that hangs (a remote that does not answer) is killed after the
 * git timeout and tried again. */
static void test_hung_push_killed(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start();
    char *slow = dp_asprintf("%s/slow", ctx->dir);
    s_write(slow, "");
    s_publish(ctx, 1, 1);
    struct stat st;
    assert_int_not_equal(stat(slow, &st), 0); /* the slow push was tried */
    char *md = s_show(ctx, "reports/" S_POSTS ".md");
    assert_string_equal(md, "# report, revision 1\n");
    dp_free(md);
    dp_free(slow);
    s_stop(ctx);
}

/* A REPORT naming a file outside the output directory (a forged one, on
 * a bus without keys) publishes nothing of it. */
static void test_file_outside_not_published(void **state)
{
    (void)state;
    s_ctx_t *ctx = s_start();
    char *secret = dp_asprintf("%s/secret.txt", ctx->dir);
    s_write(secret, "do not publish\n");
    char *escape = dp_asprintf("%s/../secret.txt", ctx->out_dir);
    const char *files[] = {ctx->md, secret, escape, NULL};
    for (int i = 0; i < S_ROUNDS; i++) {
        dp_tk_send_report(ctx->pub, NULL, S_REPO, S_FROM, S_TO, 1, ctx->md,
                          files);
        assert_int_equal(
            dp_consumer_step(publisher_consumer(ctx->publisher), S_STEP_MS), 0);
        if (dp_consumer_stats(publisher_consumer(ctx->publisher)).delivered >=
            1)
            break;
    }
    char *cmd = dp_asprintf("git --git-dir='%s' ls-tree -r --name-only main",
                            ctx->remote);
    char *tree = s_out(cmd);
    assert_string_equal(tree, "reports/" S_POSTS ".md\n");
    dp_free(tree);
    dp_free(cmd);
    dp_free(escape);
    dp_free(secret);
    s_stop(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_and_revision_commits),
        cmocka_unit_test(test_push_race_rebased),
        cmocka_unit_test(test_file_outside_not_published),
        cmocka_unit_test(test_hung_push_killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
