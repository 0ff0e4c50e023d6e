/* dp_testkit.h - helpers for integration and conformance tests */
/* SPDX-License-Identifier: MIT */
#ifndef DP_TESTKIT_H
#define DP_TESTKIT_H

/* Include after <cmocka.h>: the helpers that skip a test call skip(). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dp_err.h"

/* Longest wait for a redis-server to answer PING after it starts. */
#define DP_TK_REDIS_START_MS 10000

/* Longest wait for a child process to exit after SIGTERM, before SIGKILL. */
#define DP_TK_STOP_MS 5000

/* ==== Temporary directories and files ==== */

/* Creates a private directory "$TMPDIR/dp-<tag>-XXXXXX" (or under /tmp
 * when $TMPDIR is unset or too long for unix socket paths below it).
 * Returns its path, which the caller frees with dp_free, or NULL (with
 * the reason printed on stderr). */
char *dp_tk_tmpdir(const char *tag);

/* Removes a directory and everything below it; a NULL path does nothing.
 * Failures are printed on stderr and otherwise ignored. */
void dp_tk_rmdir(const char *dir);

/* Reads a whole file. Returns a NUL-terminated copy that the caller frees
 * with dp_free and stores its length (without the NUL) in *len when len is
 * not NULL; NULL when the file cannot be read. */
char *dp_tk_read_file(const char *path, size_t *len);

/* True when path names an existing directory. */
bool dp_tk_is_dir(const char *path);

/* The shared folder next to the source tree: $DP_SHARED_DIR, else
 * $DP_SOURCE_DIR/../shared, else "../shared". The caller frees it. */
char *dp_tk_shared_dir(void);

/* True when an executable of that name is found in $PATH (or, for a name
 * with a '/', at that path). */
bool dp_tk_have_program(const char *name);

/* The path of gh-standin: in $DP_BIN_DIR when set, else beside the
 * running program. The caller frees it. */
char *dp_tk_standin_bin(void);

/* ==== A throwaway redis-server ==== */

/* A redis-server listening only on a unix socket in a private directory. */
typedef struct {
    pid_t pid;    /* the server, 0 when not running */
    char *dir;    /* private directory, owned; NULL until started */
    char *socket; /* dir/redis.sock, owned */
    char *url;    /* "unix://<dir>/redis.sock", owned */
    struct dp_tk_cluster_t *cluster; /* DP_TK_REDIS_CLUSTER set: a three-node
                                        cluster instead (dp_tkcluster.h),
                                        owned; url is then its URL */
} dp_tk_redis_t;

/* Starts "redis-server --port 0 --unixsocket DIR/redis.sock --save ''
 * --appendonly no --daemonize no" with its stdout on /dev/null, and waits
 * (at most DP_TK_REDIS_START_MS) until it answers PING. The first call on
 * a zeroed struct makes the directory; a call after dp_tk_redis_halt
 * starts a new server on the same socket path. The server is sent SIGTERM
 * if the test process dies. Returns 0, or DP_EIO (reason on stderr; the
 * struct stays valid for dp_tk_redis_stop). With DP_TK_REDIS_CLUSTER set
 * in the environment it starts a Redis Cluster of three nodes instead
 * (dp_tk_cluster_start), so a test runs unchanged through a cluster; a
 * restart after dp_tk_redis_halt then makes a new, empty cluster. */
DP_NODISCARD int dp_tk_redis_start(dp_tk_redis_t *redis);

/* As dp_tk_redis_start, but skips the calling cmocka test (after printing
 * "SKIP: redis-server not installed: ...") when there is no redis-server
 * in $PATH, and fails it when the server does not come up. */
void dp_tk_redis_start_or_skip(dp_tk_redis_t *redis);

/* Stops the server (SIGTERM, then SIGKILL after DP_TK_STOP_MS) and waits
 * for it, keeping the directory and socket path for a restart. */
void dp_tk_redis_halt(dp_tk_redis_t *redis);

/* Halts the server, removes its directory and frees and zeroes the struct.
 * Idempotent; a zeroed struct is fine. */
void dp_tk_redis_stop(dp_tk_redis_t *redis);

/* ==== A throwaway Redis Cluster ==== */

#define DP_TK_CLUSTER_NODES 3
/* Longest wait for the cluster to be created and report cluster_state:ok. */
#define DP_TK_CLUSTER_START_MS 30000

/* Three redis-server nodes on free 127.0.0.1 ports, each with its cluster
 * bus on another free port and its files in a private directory, joined by
 * `redis-cli --cluster create ... --cluster-replicas 0`: node i holds a
 * third of the slots. */
typedef struct dp_tk_cluster_t {
    char *dir;                       /* private directory, owned */
    int ports[DP_TK_CLUSTER_NODES];  /* client ports */
    int buses[DP_TK_CLUSTER_NODES];  /* cluster bus ports */
    pid_t pids[DP_TK_CLUSTER_NODES]; /* the servers, 0 when not running */
    char *url;                       /* "redis+cluster://127.0.0.1:P,...",
                                        owned */
} dp_tk_cluster_t;

/* True when the tests are asked to run their Redis as a cluster: the
 * environment variable DP_TK_REDIS_CLUSTER is set and not "0". */
bool dp_tk_cluster_wanted(void);

/* Starts the nodes, creates the cluster and waits (at most
 * DP_TK_CLUSTER_START_MS) until every node reports cluster_state:ok. The
 * nodes are sent SIGTERM if the test process dies. Returns 0,
 * DP_ENOTFOUND when redis-server or redis-cli is missing, or DP_EIO
 * (reason on stderr; the struct stays valid for dp_tk_cluster_stop). */
DP_NODISCARD int dp_tk_cluster_start(dp_tk_cluster_t *c);

/* As dp_tk_cluster_start, but skips the calling cmocka test with a line
 * saying why when redis-server or redis-cli is missing (scripts/deps.sh
 * installs redis-tools), and fails it when the cluster does not come up. */
void dp_tk_cluster_start_or_skip(dp_tk_cluster_t *c);

/* Stops every node, removes the directory, frees and zeroes the struct.
 * Idempotent; a zeroed struct is fine. */
void dp_tk_cluster_stop(dp_tk_cluster_t *c);

/* Kills node i (SIGKILL: no goodbye to the others) and reaps it. */
void dp_tk_cluster_kill(dp_tk_cluster_t *c, int i);

/* Starts node i again on its ports with its cluster config file (it keeps
 * its identity and slots; its data, never saved, is gone) and waits until
 * it answers PING and every node reports cluster_state:ok again. 0 or
 * DP_EIO. */
DP_NODISCARD int dp_tk_cluster_revive(dp_tk_cluster_t *c, int i);

/* Runs one command on node i (no redirect followed) and returns its reply
 * (freeReplyObject), or NULL when the node does not answer. */
struct redisReply *dp_tk_cluster_command(const dp_tk_cluster_t *c, int i,
                                         const char *fmt, ...);

/* The node that holds a key's slot now, by CLUSTER SHARDS of node 0 */
int dp_tk_cluster_owner(const dp_tk_cluster_t *c, const char *key);

/* ==== Child processes ==== */

/* A child process whose stdout is a pipe to the test. */
typedef struct {
    pid_t pid;  /* 0 when not running */
    int out_fd; /* read end of the child's stdout, valid while pid != 0 */
} dp_tk_proc_t;

/* Starts argv[0] (searched in $PATH when it has no '/') with stdin on
 * /dev/null, stdout on a pipe and stderr inherited, then reads the first
 * line it prints (without the newline) into line, waiting at most
 * timeout_ms. The rest of its stdout stays in the pipe (a child that
 * prints much more than a pipe holds would block; gh-standin prints only
 * its base URL). The child gets SIGTERM if the test process dies.
 * Returns 0; or DP_EIO when it cannot start, exits or prints nothing in
 * time (it is then stopped and proc is zeroed). */
DP_NODISCARD int dp_tk_proc_start(dp_tk_proc_t *proc, char *const argv[],
                                  char *line, size_t size, int timeout_ms);

/* Sends SIGTERM, waits up to DP_TK_STOP_MS then SIGKILLs, reaps the child
 * and closes the pipe. Returns the exit status as waitpid(2) reports it
 * (-1 when nothing was running). Idempotent. */
int dp_tk_proc_stop(dp_tk_proc_t *proc);

/* Starts $DP_BIN_DIR/llm-standin with a rules file of the JSON text rules
 * (written in dir) and the extra arguments (NULL-ended, or NULL), and puts
 * its base URL ("http://127.0.0.1:PORT/v1") in base. Skips the calling
 * test when DP_BIN_DIR is unset; fails it when the stand-in does not
 * start. */
void dp_tk_llm_standin(dp_tk_proc_t *proc, const char *dir, const char *rules,
                       const char *const *extra, char *base, size_t size);

/* ==== A collector's output ==== */

#include <jansson.h>

#include "dp_bus.h"
#include "dp_proto.h"

/* A socket of that type on ipc://<dir>/<name>, bound when how is "@" or
 * connected when it is ">", with a linger of 0 so a test never hangs on
 * close. Fails the calling test when it cannot be made. */
dp_sock_t *dp_tk_ipc_sock(dp_bus_t *bus, int type, const char *how,
                          const char *dir, const char *name);

/* GETs (or, when post, POSTs) a gh-standin path below its base URL, such
 * as "/_standin/stats", within timeout_ms. Returns the JSON answer, which
 * the caller decrefs; anything but a 200 with JSON fails the calling
 * test. */
json_t *dp_tk_standin_call(const char *base, bool post, const char *path,
                           long timeout_ms);

/* Reads a collector's PUSH output up to and including a WINDOW, which it
 * stores in *window (cleared first; the caller clears it in the end). Each
 * EVENT before it is passed to on_event (with arg) and freed; any other
 * message, or nothing within timeout_ms, fails the calling test. */
void dp_tk_recv_window(dp_sock_t *pull, long max_frame, int timeout_ms,
                       dp_msg_t *window,
                       void (*on_event)(const dp_event_t *ev, void *arg),
                       void *arg);

/* ==== Report consumers ==== */

/* Encodes a REPORT of repo's window [from, to), revision rev, naming the
 * Markdown report md and the files (NULL-ended, or NULL: md alone), into
 * frame (appended). */
void dp_tk_report_frame(const char *repo, int64_t from, int64_t to, int64_t rev,
                        const char *md, const char *const *files,
                        dp_buf_t *frame);

/* Publishes a REPORT of repo's window [from, to), revision rev, naming the
 * Markdown report md and the files (NULL-ended, or NULL: md alone), on a
 * PUB socket under subject ("report.<repo>" when NULL). Fails the calling
 * test when it cannot. */
void dp_tk_send_report(dp_sock_t *pub, const char *subject, const char *repo,
                       int64_t from, int64_t to, int64_t rev, const char *md,
                       const char *const *files);

#endif
