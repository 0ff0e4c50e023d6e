/* test_dp_fs.c - unit tests for the file system helpers */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp_fs.h"
#include "dp_mem.h"

#define ERRLEN 512
#define DIR_MODE 0755

/* Each test runs in a fresh temporary directory (its state). */
static int s_setup(void **state)
{
    char tmpl[] = "/tmp/test_dp_fs.XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir)
        return -1;
    *state = dp_strdup(dir);
    return chdir(dir);
}

static int s_teardown(void **state)
{
    char *cmd = dp_asprintf("rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    dp_free(cmd);
    dp_free(*state);
    return rc == 0 ? chdir("/") : -1;
}

static bool s_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void s_made(const char *dir)
{
    char err[ERRLEN] = "";
    int rc = dp_fs_mkdirs(dir, DIR_MODE, err, sizeof err);
    if (rc != 0)
        fail_msg("dp_fs_mkdirs(\"%s\"): %s", dir, err);
    assert_true(s_is_dir(dir));
}

/* dir is refused with rc, and err starts with want. */
static void s_refused(const char *dir, int rc, const char *want)
{
    char err[ERRLEN] = "";
    assert_int_equal(dp_fs_mkdirs(dir, DIR_MODE, err, sizeof err), rc);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("err \"%s\" does not start with \"%s\"", err, want);
    assert_null(strchr(err, '\n'));
}

static void test_mkdirs_makes_parents_like_mkdir_p(void **state)
{
    (void)state;
    s_made("a");
    s_made("a"); /* again: it exists */
    s_made("b/c/d");
    s_made("e/f/");    /* a trailing slash */
    s_made("g//h///"); /* repeated slashes */
    assert_true(s_is_dir("g/h"));
    s_made("./i/../j");
    assert_true(s_is_dir("i") && s_is_dir("j"));
    s_made(".");
    char *abs = dp_asprintf("%s/k/l", (char *)*state);
    s_made(abs);
    dp_free(abs);
}

static void test_mkdirs_takes_the_root_as_it_is(void **state)
{
    (void)state;
    s_made("/");
    s_made("//");
    s_made("///tmp");
}

static void test_mkdirs_refuses_an_empty_path(void **state)
{
    (void)state;
    s_refused("", DP_EINVAL, "\"\": an empty path names no directory");
    assert_int_equal(dp_fs_mkdirs("", DIR_MODE, NULL, 0), DP_EINVAL);
}

static void test_mkdirs_refuses_a_file_in_the_way(void **state)
{
    (void)state;
    int fd = open("file", O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    s_refused("file", DP_EIO, "file: Not a directory");
    s_refused("file/", DP_EIO, "file/: Not a directory");
    s_refused("file/sub", DP_EIO, "file/sub: Not a directory");
}

static void test_mkdirs_refuses_a_path_too_long(void **state)
{
    (void)state;
    /* One component past NAME_MAX, then a path past PATH_MAX. */
    char *name = dp_malloc(NAME_MAX + 2);
    memset(name, 'n', NAME_MAX + 1);
    name[NAME_MAX + 1] = '\0';
    s_refused(name, DP_EIO, "nnnn");
    dp_free(name);
    dp_buf_t path = DP_BUF_INIT;
    while (path.len <= PATH_MAX)
        dp_buf_puts(&path, "abcdefgh/");
    char err[PATH_MAX + ERRLEN] = ""; /* the path, then the reason */
    assert_int_equal(dp_fs_mkdirs(path.data, DIR_MODE, err, sizeof err),
                     DP_EIO);
    assert_non_null(strstr(err, ": File name too long"));
    dp_buf_free(&path);
}

/* True when path holds exactly want (a short text). */
static bool s_holds(const char *path, const char *want)
{
    char text[64];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    return n == strlen(want) && memcmp(text, want, n) == 0;
}

/* Names in dir other than . and ..: no temporary file is left behind. */
static int s_entries(const char *dir)
{
    char *cmd = dp_asprintf("test $(ls -A '%s' | wc -l) -eq 1", dir);
    int rc = system(cmd);
    dp_free(cmd);
    return rc;
}

static void test_write_nosync_replaces_then_sync_makes_durable(void **state)
{
    (void)state;
    char err[ERRLEN] = "";
    bool changed = false;
    assert_int_equal(dp_fs_write_atomic_nosync("a/b/report.md", "one", 3,
                                               &changed, err, sizeof err),
                     0);
    assert_true(changed);
    assert_true(s_holds("a/b/report.md", "one"));
    /* The same bytes: left as they are. */
    assert_int_equal(dp_fs_write_atomic_nosync("a/b/report.md", "one", 3,
                                               &changed, err, sizeof err),
                     0);
    assert_false(changed);
    assert_int_equal(dp_fs_write_atomic_nosync("a/b/report.md", "two!", 4,
                                               &changed, err, sizeof err),
                     0);
    assert_true(changed);
    assert_int_equal(s_entries("a/b"), 0);
    assert_true(s_holds("a/b/report.md", "two!"));
    struct stat st;
    assert_int_equal(stat("a/b/report.md", &st), 0);
    assert_int_equal(st.st_mode & 0777, DP_FS_FILE_MODE);
    assert_int_equal(dp_fs_sync("a/b/report.md"), 0);
    assert_int_equal(dp_fs_sync("a/b/missing.md"), DP_EIO);
    /* A directory in the way fails as dp_fs_write_atomic does. */
    assert_int_equal(
        dp_fs_write_atomic_nosync("a/b", "x", 1, NULL, err, sizeof err),
        DP_EIO);
    assert_non_null(strstr(err, "a/b"));
}

static void test_syncer_syncs_every_file_before_it_stops(void **state)
{
    (void)state;
    enum { FILES = DP_FS_SYNC_QUEUE + 8 }; /* past the queue: it waits */
    dp_fs_syncer_t *syncer = dp_fs_syncer_new();
    assert_non_null(syncer);
    char err[ERRLEN] = "";
    for (int i = 0; i < FILES; i++) {
        char path[64];
        snprintf(path, sizeof path, "s/f%d", i);
        assert_int_equal(dp_fs_write_atomic_nosync(path, path, strlen(path),
                                                   NULL, err, sizeof err),
                         0);
        dp_fs_syncer_add(syncer, path);
    }
    dp_fs_syncer_add(syncer, "s/gone"); /* a failure is logged, no more */
    dp_fs_syncer_destroy(&syncer);
    assert_null(syncer);
    dp_fs_syncer_destroy(&syncer); /* idempotent */
    assert_true(s_holds("s/f0", "s/f0"));
    assert_true(s_holds("s/f1031", "s/f1031"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mkdirs_makes_parents_like_mkdir_p,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs_takes_the_root_as_it_is,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs_refuses_an_empty_path,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs_refuses_a_file_in_the_way,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs_refuses_a_path_too_long,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_write_nosync_replaces_then_sync_makes_durable, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_syncer_syncs_every_file_before_it_stops, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
