/* test_dp_store.c - unit tests for Redis Cluster slots, routing and URLs */
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
#include <unistd.h>

#include "dp_log.h"
#include "dp_store.h"

static unsigned s_slot(const char *key)
{
    return dp_store_slot(key, strlen(key));
}

/* The vectors of the Redis Cluster specification, and what CLUSTER KEYSLOT
 * of redis-server 7.0 answers for the others. */
static void test_slot_matches_the_cluster_spec(void **state)
{
    (void)state;
    /* CRC16 XMODEM of "123456789" is 0x31C3 (the spec's check value). */
    assert_int_equal(s_slot("123456789"), 0x31C3 % DP_STORE_SLOTS);
    assert_int_equal(s_slot("123456789"), 12739);
    assert_int_equal(s_slot("foo"), 12182);
    assert_int_equal(s_slot(""), 0);
}

static void test_slot_follows_hash_tags(void **state)
{
    (void)state;
    assert_int_equal(s_slot("{user1000}.following"), 3443);
    assert_int_equal(s_slot("{user1000}.followers"), 3443);
    assert_int_equal(s_slot("user1000"), 3443);
    /* An empty tag does not count: the whole key is hashed. */
    assert_int_equal(s_slot("foo{}{bar}"), 8363);
    /* The tag ends at the first "}" after the first "{". */
    assert_int_equal(s_slot("foo{{bar}}zap"), 4015);
    assert_int_equal(s_slot("foo{bar}{zap}"), 5061);
    assert_int_equal(s_slot("foo{bar}{zap}"), s_slot("bar"));
    /* A "{" with no "}" after it: the whole key. */
    assert_int_equal(s_slot("foo{bar"), dp_store_slot("foo{bar", 7));
    assert_int_not_equal(s_slot("foo{bar"), s_slot("bar"));
    /* Binary-safe: the length, not a NUL, ends the key. */
    assert_int_equal(dp_store_slot("foo\0bar", 3), 12182);
}

/* Every key of one repository is in the slot of the repository's name. */
static void test_keys_of_a_repository_share_its_slot(void **state)
{
    (void)state;
    unsigned slot = s_slot("vllm-project/vllm");
    assert_int_equal(slot, 14375);
    const char *keys[] = {
        "dp:2:{vllm-project/vllm}:lease",
        "dp:2:{vllm-project/vllm}:sched:hourly",
        "dp:2:{vllm-project/vllm}:poll",
        "dp:2:{vllm-project/vllm}:w:1765362540:1765366140:seen",
        "dp:2:{vllm-project/vllm}:w:1765362540:1765366140:items:2",
        "dp:2:{vllm-project/vllm}:sum:hourly:1765362540",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(s_slot(keys[i]), slot);
    assert_int_not_equal(s_slot("dp:2:{vllm-project/vllm-ascend}:lease"), slot);
}

static void test_command_slot_routes_by_key(void **state)
{
    (void)state;
    const char *get[] = {"GET", "{user1000}.following"};
    assert_int_equal(dp_store_command_slot(2, get, NULL), 3443);
    const char *hset[] = {"hset", "foo", "f", "v"};
    assert_int_equal(dp_store_command_slot(4, hset, NULL), 12182);
    /* lens, not NUL: the key is "foo" of "foobar". */
    const char *bin[] = {"GET", "foobar"};
    size_t lens[] = {3, 3};
    assert_int_equal(dp_store_command_slot(2, bin, lens), 12182);
    /* EVAL: the first key after numkeys; none: no slot. */
    const char *eval[] = {"EVAL", "return 1", "1", "foo", "arg"};
    assert_int_equal(dp_store_command_slot(5, eval, NULL), 12182);
    const char *eval0[] = {"EVALSHA", "abc", "0", "foo"};
    assert_int_equal(dp_store_command_slot(4, eval0, NULL), -1);
    const char *ping[] = {"PING"};
    assert_int_equal(dp_store_command_slot(1, ping, NULL), -1);
    const char *info[] = {"info", "cluster"};
    assert_int_equal(dp_store_command_slot(2, info, NULL), -1);
    const char *flush[] = {"FLUSHALL"};
    assert_int_equal(dp_store_command_slot(1, flush, NULL), -1);
}

static void test_cluster_urls(void **state)
{
    (void)state;
    char err[256];
    /* Port 1 refuses at once: the store is made, and retries later. */
    const char *good[] = {
        "redis+cluster://127.0.0.1:1",
        "redis+cluster://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3",
        "redis+cluster://:secret@127.0.0.1:1,127.0.0.1:2/0",
        "redis+cluster://user:secret@127.0.0.1:1",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        err[0] = '\0';
        dp_store_t *store = dp_store_new(good[i], err, sizeof err);
        if (!store)
            fail_msg("%s refused: %s", good[i], err);
        assert_true(dp_store_clustered(store));
        dp_store_destroy(&store);
        assert_null(store);
    }
    dp_store_t *single = dp_store_new("redis://127.0.0.1:1", err, sizeof err);
    assert_non_null(single);
    assert_false(dp_store_clustered(single));
    dp_store_destroy(&single);

    const char *bad[] = {
        "redis+cluster://127.0.0.1:1/3",       /* a cluster has db 0 */
        "redis+cluster://127.0.0.1:1,:6379",   /* a seed without host */
        "redis+cluster://127.0.0.1:1,h:99999", /* a bad port */
        "redis+cluster://",                    /* no seed */
        "redis+clusterx://127.0.0.1:1",        /* an unknown scheme */
        "redis://127.0.0.1:1,127.0.0.1:2",     /* a list, not a cluster */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        dp_store_t *store = dp_store_new(bad[i], err, sizeof err);
        if (store)
            fail_msg("%s accepted", bad[i]);
        assert_true(err[0] != '\0');
    }
}

/* Writes text to a fresh file of mode mode; returns its path (static). */
static const char *s_password_file(const char *text, mode_t mode)
{
    static char path[] = "/tmp/dp-store-pw-XXXXXX";
    memcpy(path + sizeof path - 7, "XXXXXX", 6);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    return path;
}

/* REDIS_PASSWORD_FILE: read when REDIS_PASSWORD is empty; a file others
 * may read, an empty one or a missing one is refused with a reason. */
static void test_password_file(void **state)
{
    (void)state;
    char err[256];
    unsetenv("REDIS_PASSWORD");
    const char *cases[][2] = {
        {"secret\n", "ok"},
        {"secret", "ok"},
        {"\n", "no password"},
        {"", "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = s_password_file(cases[i][0], 0440);
        setenv("REDIS_PASSWORD_FILE", path, 1);
        err[0] = '\0';
        dp_store_t *store =
            dp_store_new("redis://127.0.0.1:1", err, sizeof err);
        if (!strcmp(cases[i][1], "ok")) {
            if (!store)
                fail_msg("case %zu refused: %s", i, err);
        } else {
            assert_null(store);
            assert_non_null(strstr(err, cases[i][1]));
            assert_non_null(strstr(err, "REDIS_PASSWORD_FILE"));
        }
        dp_store_destroy(&store);
        unlink(path);
    }
    const char *open_file = s_password_file("secret\n", 0644);
    setenv("REDIS_PASSWORD_FILE", open_file, 1);
    assert_null(dp_store_new("redis://127.0.0.1:1", err, sizeof err));
    assert_non_null(strstr(err, "others may read it"));
    unlink(open_file);
    setenv("REDIS_PASSWORD_FILE", "/nonexistent/redis.password", 1);
    assert_null(dp_store_new("redis://127.0.0.1:1", err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    /* The environment's password wins: the file is not read. */
    setenv("REDIS_PASSWORD", "from-env", 1);
    dp_store_t *store = dp_store_new("redis://127.0.0.1:1", err, sizeof err);
    assert_non_null(store);
    dp_store_destroy(&store);
    unsetenv("REDIS_PASSWORD");
    unsetenv("REDIS_PASSWORD_FILE");
}

int main(void)
{
    dp_log_set_level(DP_LOG_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_matches_the_cluster_spec),
        cmocka_unit_test(test_slot_follows_hash_tags),
        cmocka_unit_test(test_keys_of_a_repository_share_its_slot),
        cmocka_unit_test(test_command_slot_routes_by_key),
        cmocka_unit_test(test_cluster_urls),
        cmocka_unit_test(test_password_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
