/* dp_testkit.c - helpers for integration and conformance tests */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dp_testkit.h"

#include <curl/curl.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_mem.h"

#define S_TMPDIR_MAX 64       /* longer $TMPDIR: unix socket paths overflow */
#define S_POLL_STEP_MS 20     /* between readiness probes */
#define S_PING_TIMEOUT_MS 200 /* one PING probe */
#define DP_TK_LLM_START_MS 30000 /* an ASan build starts slowly */

/* ==== Time ==== */

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ==== Temporary directories and files ==== */

char *dp_tk_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base || strlen(base) > S_TMPDIR_MAX)
        base = "/tmp";
    char *path = dp_asprintf("%s/dp-%s-XXXXXX", base, tag ? tag : "test");
    if (!mkdtemp(path)) {
        fprintf(stderr, "testkit: mkdtemp %s: %s\n", path, strerror(errno));
        dp_free(path);
        return NULL;
    }
    return path;
}

void dp_tk_rmdir(const char *dir)
{
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT)
            fprintf(stderr, "testkit: opendir %s: %s\n", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = dp_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            dp_tk_rmdir(path);
        else if (unlink(path) < 0 && errno != ENOENT)
            fprintf(stderr, "testkit: unlink %s: %s\n", path, strerror(errno));
        dp_free(path);
    }
    closedir(d);
    if (rmdir(dir) < 0)
        fprintf(stderr, "testkit: rmdir %s: %s\n", dir, strerror(errno));
}

char *dp_tk_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    dp_buf_t buf = DP_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        dp_buf_append(&buf, chunk, n);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        dp_buf_free(&buf);
        return NULL;
    }
    if (len)
        *len = buf.len;
    return dp_buf_take(&buf);
}

bool dp_tk_is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *dp_tk_shared_dir(void)
{
    const char *shared = getenv("DP_SHARED_DIR");
    if (shared && *shared)
        return dp_strdup(shared);
    const char *source = getenv("DP_SOURCE_DIR");
    if (source && *source)
        return dp_asprintf("%s/../shared", source);
    return dp_strdup("../shared");
}

bool dp_tk_have_program(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    bool found = false;
    char *list = dp_strdup(path);
    char *save = NULL;
    for (char *dir = strtok_r(list, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *full = dp_asprintf("%s/%s", dir, name);
        struct stat st;
        found = stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
                access(full, X_OK) == 0;
        dp_free(full);
    }
    dp_free(list);
    return found;
}

/* ==== Processes ==== */

/* In a new child: dies with the parent and puts stdin on /dev/null; stdout
 * too unless out_fd is given. Returns false when the parent is gone. */
static bool s_child_prepare(pid_t parent, int out_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        return false;
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        return false;
    dup2(null, STDIN_FILENO);
    dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
    if (null > STDERR_FILENO)
        close(null);
    if (out_fd > STDERR_FILENO)
        close(out_fd);
    return true;
}

/* SIGTERM, a bounded wait, then SIGKILL; reaps the child. Returns the
 * waitpid status. */
static int s_terminate(pid_t pid)
{
    int status = -1;
    kill(pid, SIGTERM);
    long long deadline = s_now_ms() + DP_TK_STOP_MS;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return status;
        if (s_now_ms() > deadline)
            break;
        s_sleep_ms(S_POLL_STEP_MS);
    }
    fprintf(stderr, "testkit: pid %d ignored SIGTERM; killing it\n", (int)pid);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* ==== A throwaway redis-server ==== */

static bool s_redis_pings(const char *socket)
{
    struct timeval tv = {0, S_PING_TIMEOUT_MS * 1000L};
    redisContext *c = redisConnectUnixWithTimeout(socket, tv);
    bool ok = false;
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return ok;
}

int dp_tk_redis_start(dp_tk_redis_t *redis)
{
    assert_non_null(redis);
    assert_int_equal(redis->pid, 0);
    if (dp_tk_cluster_wanted()) {
        if (!redis->cluster)
            redis->cluster = dp_calloc(1, sizeof *redis->cluster);
        int rc = dp_tk_cluster_start(redis->cluster);
        dp_free(redis->url);
        redis->url = dp_strdup(redis->cluster->url);
        redis->pid = rc == 0 ? redis->cluster->pids[0] : 0;
        return rc < 0 ? DP_EIO : 0;
    }
    if (!redis->dir) {
        redis->dir = dp_tk_tmpdir("redis");
        if (!redis->dir)
            return DP_EIO;
        redis->socket = dp_asprintf("%s/redis.sock", redis->dir);
        redis->url = dp_asprintf("unix://%s", redis->socket);
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "testkit: fork: %s\n", strerror(errno));
        return DP_EIO;
    }
    if (pid == 0) {
        if (s_child_prepare(parent, -1))
            execlp("redis-server", "redis-server", "--port", "0",
                   "--unixsocket", redis->socket, "--unixsocketperm", "700",
                   "--save", "", "--appendonly", "no", "--daemonize", "no",
                   "--dir", redis->dir, (char *)NULL);
        _exit(127);
    }
    redis->pid = pid;
    long long deadline = s_now_ms() + DP_TK_REDIS_START_MS;
    while (s_now_ms() < deadline) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            redis->pid = 0;
            fprintf(stderr,
                    "testkit: redis-server exited at start "
                    "(status 0x%x)\n",
                    (unsigned)status);
            return DP_EIO;
        }
        if (s_redis_pings(redis->socket))
            return 0;
        s_sleep_ms(S_POLL_STEP_MS);
    }
    fprintf(stderr,
            "testkit: redis-server on %s did not answer PING in "
            "%d ms\n",
            redis->socket, DP_TK_REDIS_START_MS);
    dp_tk_redis_halt(redis);
    return DP_EIO;
}

void dp_tk_redis_start_or_skip(dp_tk_redis_t *redis)
{
    if (dp_tk_cluster_wanted() && !dp_tk_have_program("redis-cli")) {
        printf("SKIP: redis-cli not installed (Debian: redis-tools): the "
               "Redis Cluster run of this test not done\n");
        fflush(stdout);
        skip();
    }
    if (!dp_tk_have_program("redis-server")) {
        printf("SKIP: redis-server not installed: tests that need a real "
               "Redis not run\n");
        fflush(stdout);
        skip();
    }
    if (dp_tk_redis_start(redis) < 0)
        fail_msg("cannot start a private redis-server");
}

void dp_tk_redis_halt(dp_tk_redis_t *redis)
{
    if (!redis || redis->pid == 0)
        return;
    if (redis->cluster) {
        dp_tk_cluster_stop(redis->cluster);
        redis->pid = 0;
        return;
    }
    s_terminate(redis->pid);
    redis->pid = 0;
}

void dp_tk_redis_stop(dp_tk_redis_t *redis)
{
    if (!redis)
        return;
    dp_tk_redis_halt(redis);
    dp_free(redis->cluster);
    dp_tk_rmdir(redis->dir);
    dp_free(redis->dir);
    dp_free(redis->socket);
    dp_free(redis->url);
    memset(redis, 0, sizeof *redis);
}

/* ==== A throwaway Redis Cluster ==== */

#define S_CLUSTER_PROBE_MS 500 /* one probe of a cluster node */
#define S_CLUSTER_TRIES 3      /* new ports when a node cannot bind */

bool dp_tk_cluster_wanted(void)
{
    const char *v = getenv("DP_TK_REDIS_CLUSTER");
    return v && *v && strcmp(v, "0") != 0;
}

/* A port the kernel calls free on 127.0.0.1 now, or 0. */
static int s_cluster_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Forks and execs argv with stdin and stdout on /dev/null and stderr on
 * log (or /dev/null); the child gets SIGTERM when the test dies. */
static pid_t s_cluster_spawn(char *const argv[], const char *log)
{
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(127);
    int null = open("/dev/null", O_RDWR);
    int err = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0600) : null;
    if (null < 0 || err < 0)
        _exit(127);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execvp(argv[0], argv);
    _exit(127);
}

static redisContext *s_cluster_connect(int port)
{
    struct timeval tv = {0, S_CLUSTER_PROBE_MS * 1000L};
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (ctx && ctx->err) {
        redisFree(ctx);
        return NULL;
    }
    if (ctx)
        redisSetTimeout(ctx, tv);
    return ctx;
}

redisReply *dp_tk_cluster_command(const dp_tk_cluster_t *c, int i,
                                  const char *fmt, ...)
{
    assert_true(c && i >= 0 && i < DP_TK_CLUSTER_NODES);
    redisContext *ctx = s_cluster_connect(c->ports[i]);
    if (!ctx)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    redisFree(ctx);
    return r;
}

/* True when the reply of node i to fmt is a string that holds want. */
static bool s_cluster_says(const dp_tk_cluster_t *c, int i, const char *cmd,
                           const char *want)
{
    /* cmd is one word or two ("CLUSTER INFO"), sent as separate words. */
    char verb[32], sub[32] = "";
    if (sscanf(cmd, "%31s %31s", verb, sub) < 1)
        return false;
    redisReply *r = sub[0] ? dp_tk_cluster_command(c, i, "%s %s", verb, sub)
                           : dp_tk_cluster_command(c, i, "%s", verb);
    bool ok =
        r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
        strstr(r->str, want) != NULL;
    if (r)
        freeReplyObject(r);
    return ok;
}

/* Starts node i on fresh ports. */
static int s_cluster_start_node(dp_tk_cluster_t *c, int i)
{
    char port[16], bus[16], conf[64], log[64];
    if (c->ports[i] == 0 || c->buses[i] == 0 || c->buses[i] == c->ports[i])
        return DP_EIO;
    snprintf(port, sizeof port, "%d", c->ports[i]);
    snprintf(bus, sizeof bus, "%d", c->buses[i]);
    snprintf(conf, sizeof conf, "nodes-%d.conf", c->ports[i]);
    snprintf(log, sizeof log, "redis-%d.log", c->ports[i]);
    char *const argv[] = {"redis-server",
                          "--port",
                          port,
                          "--bind",
                          "127.0.0.1",
                          "--cluster-enabled",
                          "yes",
                          "--cluster-port",
                          bus,
                          "--cluster-config-file",
                          conf,
                          "--cluster-node-timeout",
                          "3000",
                          "--save",
                          "",
                          "--appendonly",
                          "no",
                          "--daemonize",
                          "no",
                          "--dir",
                          c->dir,
                          "--logfile",
                          log,
                          NULL};
    c->pids[i] = s_cluster_spawn(argv, NULL);
    return c->pids[i] > 0 ? 0 : DP_EIO;
}

/* Waits until node i answers PING; false when it exited or timed out. */
static bool s_cluster_node_up(dp_tk_cluster_t *c, int i, long long deadline)
{
    while (s_now_ms() < deadline) {
        if (waitpid(c->pids[i], NULL, WNOHANG) == c->pids[i]) {
            c->pids[i] = 0;
            return false;
        }
        if (s_cluster_says(c, i, "PING", "PONG"))
            return true;
        s_sleep_ms(S_POLL_STEP_MS);
    }
    return false;
}

/* Joins the nodes: redis-cli --cluster create, bounded. */
static int s_cluster_create(dp_tk_cluster_t *c, long long deadline)
{
    char addr[DP_TK_CLUSTER_NODES][32];
    char *argv[DP_TK_CLUSTER_NODES + 7];
    int n = 0;
    argv[n++] = "redis-cli";
    argv[n++] = "--cluster";
    argv[n++] = "create";
    for (int i = 0; i < DP_TK_CLUSTER_NODES; i++) {
        snprintf(addr[i], sizeof addr[i], "127.0.0.1:%d", c->ports[i]);
        argv[n++] = addr[i];
    }
    argv[n++] = "--cluster-replicas";
    argv[n++] = "0";
    argv[n++] = "--cluster-yes";
    argv[n] = NULL;
    char *log = dp_asprintf("%s/create.log", c->dir);
    pid_t pid = s_cluster_spawn(argv, log);
    dp_free(log);
    int status = -1;
    while (s_now_ms() < deadline) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
        s_sleep_ms(S_POLL_STEP_MS);
    }
    if (status == -1) {
        (void)s_terminate(pid);
        return DP_EIO;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : DP_EIO;
}

static void s_cluster_halt(dp_tk_cluster_t *c)
{
    for (int i = 0; i < DP_TK_CLUSTER_NODES; i++) {
        if (c->pids[i] > 0)
            (void)s_terminate(c->pids[i]);
        c->pids[i] = 0;
    }
}

/* Waits until every node reports cluster_state:ok. 0 or DP_EIO. */
static int s_cluster_ok(const dp_tk_cluster_t *c, long long deadline)
{
    for (int i = 0; i < DP_TK_CLUSTER_NODES; i++) {
        while (!s_cluster_says(c, i, "CLUSTER INFO", "cluster_state:ok")) {
            if (s_now_ms() > deadline) {
                fprintf(stderr, "testkit: node %d not cluster_state:ok\n", i);
                return DP_EIO;
            }
            s_sleep_ms(S_POLL_STEP_MS);
        }
    }
    return 0;
}

void dp_tk_cluster_kill(dp_tk_cluster_t *c, int i)
{
    assert_true(c && i >= 0 && i < DP_TK_CLUSTER_NODES && c->pids[i] > 0);
    kill(c->pids[i], SIGKILL);
    while (waitpid(c->pids[i], NULL, 0) < 0 && errno == EINTR)
        ;
    c->pids[i] = 0;
}

int dp_tk_cluster_revive(dp_tk_cluster_t *c, int i)
{
    assert_true(c && i >= 0 && i < DP_TK_CLUSTER_NODES && c->pids[i] == 0);
    long long deadline = s_now_ms() + DP_TK_CLUSTER_START_MS;
    if (s_cluster_start_node(c, i) < 0 || !s_cluster_node_up(c, i, deadline))
        return DP_EIO;
    return s_cluster_ok(c, deadline);
}

int dp_tk_cluster_start(dp_tk_cluster_t *c)
{
    assert_non_null(c);
    if (!dp_tk_have_program("redis-server") || !dp_tk_have_program("redis-cli"))
        return DP_ENOTFOUND;
    if (!c->dir)
        c->dir = dp_tk_tmpdir("cluster");
    if (!c->dir)
        return DP_EIO;
    long long deadline = s_now_ms() + DP_TK_CLUSTER_START_MS;
    bool up = false;
    for (int t = 0; t < S_CLUSTER_TRIES && !up; t++) {
        s_cluster_halt(c);
        up = true;
        for (int i = 0; i < DP_TK_CLUSTER_NODES && up; i++) {
            c->ports[i] = s_cluster_free_port();
            c->buses[i] = s_cluster_free_port();
            up = s_cluster_start_node(c, i) == 0 &&
                 s_cluster_node_up(c, i, deadline);
        }
    }
    if (!up) {
        fprintf(stderr, "testkit: cluster nodes did not start (%s)\n", c->dir);
        return DP_EIO;
    }
    if (s_cluster_create(c, deadline) < 0) {
        fprintf(stderr,
                "testkit: redis-cli --cluster create failed; see "
                "%s/create.log\n",
                c->dir);
        return DP_EIO;
    }
    if (s_cluster_ok(c, deadline) < 0)
        return DP_EIO;
    dp_free(c->url);
    c->url = dp_asprintf("redis+cluster://127.0.0.1:%d,127.0.0.1:%d,"
                         "127.0.0.1:%d",
                         c->ports[0], c->ports[1], c->ports[2]);
    return 0;
}

void dp_tk_cluster_start_or_skip(dp_tk_cluster_t *c)
{
    int rc = dp_tk_cluster_start(c);
    if (rc == DP_ENOTFOUND) {
        printf("SKIP: redis-server or redis-cli not installed (Debian: "
               "redis-server, redis-tools; scripts/deps.sh): Redis Cluster "
               "tests not run\n");
        fflush(stdout);
        skip();
    }
    if (rc < 0)
        fail_msg("cannot start a three-node Redis Cluster");
}

void dp_tk_cluster_stop(dp_tk_cluster_t *c)
{
    if (!c)
        return;
    s_cluster_halt(c);
    dp_tk_rmdir(c->dir);
    dp_free(c->dir);
    dp_free(c->url);
    memset(c, 0, sizeof *c);
}

int dp_tk_cluster_owner(const dp_tk_cluster_t *c, const char *key)
{
    redisReply *ks = dp_tk_cluster_command(c, 0, "CLUSTER KEYSLOT %s", key);
    long long slot = ks && ks->type == REDIS_REPLY_INTEGER ? ks->integer : -1;
    if (ks)
        freeReplyObject(ks);
    redisReply *r = dp_tk_cluster_command(c, 0, "CLUSTER SLOTS");
    int owner = -1;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements;
         i++) {
        redisReply *e = r->element[i];
        if (e->elements < 3 || slot < e->element[0]->integer ||
            slot > e->element[1]->integer)
            continue;
        long long port = e->element[2]->element[1]->integer;
        for (int k = 0; k < DP_TK_CLUSTER_NODES; k++)
            if (c->ports[k] == port)
                owner = k;
    }
    if (r)
        freeReplyObject(r);
    return owner;
}

/* ==== Child processes ==== */

/* Reads one line, a byte at a time so nothing after it is consumed. */
static int s_read_line(int fd, char *line, size_t size, int timeout_ms)
{
    long long deadline = s_now_ms() + timeout_ms;
    size_t len = 0;
    for (;;) {
        long long left = deadline - s_now_ms();
        if (left <= 0)
            return DP_EIO;
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return DP_EIO;
        char c;
        ssize_t got = read(fd, &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return DP_EIO; /* end of file before a newline */
        if (c == '\n')
            break;
        if (len + 1 < size)
            line[len++] = c;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return 0;
}

int dp_tk_proc_start(dp_tk_proc_t *proc, char *const argv[], char *line,
                     size_t size, int timeout_ms)
{
    assert_non_null(proc);
    assert_non_null(argv);
    assert_non_null(argv[0]);
    assert_true(line && size > 0);
    memset(proc, 0, sizeof *proc);
    line[0] = '\0';
    int fds[2];
    if (pipe(fds) < 0) {
        fprintf(stderr, "testkit: pipe: %s\n", strerror(errno));
        return DP_EIO;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "testkit: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return DP_EIO;
    }
    if (pid == 0) {
        close(fds[0]);
        if (s_child_prepare(parent, fds[1]))
            execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    proc->pid = pid;
    proc->out_fd = fds[0];
    if (s_read_line(proc->out_fd, line, size, timeout_ms) < 0) {
        fprintf(stderr, "testkit: %s printed no line in %d ms\n", argv[0],
                timeout_ms);
        dp_tk_proc_stop(proc);
        return DP_EIO;
    }
    return 0;
}

int dp_tk_proc_stop(dp_tk_proc_t *proc)
{
    if (!proc || proc->pid == 0)
        return -1;
    int status = s_terminate(proc->pid);
    close(proc->out_fd);
    memset(proc, 0, sizeof *proc);
    return status;
}

/* ==== A collector's output ==== */

dp_sock_t *dp_tk_ipc_sock(dp_bus_t *bus, int type, const char *how,
                          const char *dir, const char *name)
{
    char *ep = dp_asprintf("%sipc://%s/%s", how, dir, name);
    dp_sock_t *sock = dp_sock_new(bus, type, ep);
    dp_free(ep);
    assert_non_null(sock);
    int zero = 0;
    assert_int_equal(
        zmq_setsockopt(dp_sock_handle(sock), ZMQ_LINGER, &zero, sizeof zero),
        0);
    return sock;
}

static size_t s_curl_write(char *data, size_t size, size_t n, void *userdata)
{
    dp_buf_append(userdata, data, size * n);
    return size * n;
}

json_t *dp_tk_standin_call(const char *base, bool post, const char *path,
                           long timeout_ms)
{
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    char *url = dp_asprintf("%s%s", base, path);
    dp_buf_t body = DP_BUF_INIT;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_curl_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (post)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK || status != 200)
        fail_msg("%s: %s, status %ld", url, curl_easy_strerror(rc), status);
    json_t *doc = json_loadb(body.data, body.len, 0, NULL);
    assert_non_null(doc);
    dp_buf_free(&body);
    dp_free(url);
    return doc;
}

void dp_tk_recv_window(dp_sock_t *pull, long max_frame, int timeout_ms,
                       dp_msg_t *window,
                       void (*on_event)(const dp_event_t *ev, void *arg),
                       void *arg)
{
    dp_buf_t frame = DP_BUF_INIT;
    dp_msg_clear(window);
    for (;;) {
        int rc =
            dp_sock_recv(pull, NULL, &frame, (size_t)max_frame, timeout_ms);
        if (rc != 0)
            fail_msg("no WINDOW from the collector: %s", dp_strerror(rc));
        dp_msg_t msg;
        char err[256] = "";
        if (dp_msg_decode(frame.data, frame.len, (size_t)max_frame, &msg, err,
                          sizeof err) != 0)
            fail_msg("a frame that does not decode: %s", err);
        if (msg.type == DP_MSG_WINDOW) {
            *window = msg;
            break;
        }
        if (msg.type != DP_MSG_EVENT)
            fail_msg("a %s message before the WINDOW",
                     dp_msg_type_name(msg.type));
        on_event(&msg.u.event, arg);
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
}

char *dp_tk_standin_bin(void)
{
    const char *bin = getenv("DP_BIN_DIR");
    if (bin && *bin)
        return dp_asprintf("%s/gh-standin", bin);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    return dp_asprintf("%s/gh-standin", slash ? self : ".");
}

void dp_tk_llm_standin(dp_tk_proc_t *proc, const char *dir, const char *rules,
                       const char *const *extra, char *base, size_t size)
{
    const char *bin = getenv("DP_BIN_DIR");
    if (!bin || !*bin) {
        print_message("SKIP: DP_BIN_DIR unset: run by ctest, which says "
                      "where llm-standin is\n");
        skip();
    }
    char *path = dp_asprintf("%s/rules.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(rules, f) >= 0);
    assert_int_equal(fclose(f), 0);
    char *standin = dp_asprintf("%s/llm-standin", bin);
    char *argv[16] = {standin, (char *)"--rules", path};
    size_t n = 3;
    for (size_t i = 0; extra && extra[i]; i++) {
        assert_true(n + 1 < sizeof argv / sizeof argv[0]);
        argv[n++] = (char *)extra[i];
    }
    argv[n] = NULL;
    int rc = dp_tk_proc_start(proc, argv, base, size, DP_TK_LLM_START_MS);
    dp_free(standin);
    dp_free(path);
    assert_int_equal(rc, 0);
}

/* ==== Report consumers ==== */

void dp_tk_report_frame(const char *repo, int64_t from, int64_t to, int64_t rev,
                        const char *md, const char *const *files,
                        dp_buf_t *frame)
{
    dp_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.type = DP_MSG_REPORT;
    dp_report_t *r = &msg.u.report;
    r->repo = dp_strdup(repo);
    r->win_from = from;
    r->win_to = to;
    r->revision = rev;
    r->path = dp_strdup(md);
    if (!files)
        dp_strs_push(&r->files, md);
    for (size_t i = 0; files && files[i]; i++)
        dp_strs_push(&r->files, files[i]);
    assert_int_equal(dp_msg_encode(&msg, frame), 0);
    dp_msg_clear(&msg);
}

void dp_tk_send_report(dp_sock_t *pub, const char *subject, const char *repo,
                       int64_t from, int64_t to, int64_t rev, const char *md,
                       const char *const *files)
{
    dp_buf_t frame = DP_BUF_INIT;
    dp_tk_report_frame(repo, from, to, rev, md, files, &frame);
    char *subj = subject ? dp_strdup(subject) : dp_asprintf("report.%s", repo);
    assert_int_equal(dp_sock_send(pub, subj, frame.data, frame.len, false), 0);
    dp_free(subj);
    dp_buf_free(&frame);
}
