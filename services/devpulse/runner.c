/* runner.c - starts, supervises and stops the devpulse services and Redis */
/* SPDX-License-Identifier: MIT */
#include "runner.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"
#include "dp_store.h"

#define RUNNER_MAX_CHILDREN 16
#define RUNNER_MAX_ARGS 32
#define RUNNER_STOP_MS 5000
#define RUNNER_REDIS_WAIT_MS 10000
#define RUNNER_BACKOFF_MIN_MS 250
#define RUNNER_BACKOFF_MAX_MS 10000
#define RUNNER_EXIT_CONFIG 2 /* what a service exits with on bad config */

typedef struct {
    char *name; /* executable name, e.g. "dp-collector" */
    char *path; /* full path */
    char *argv[RUNNER_MAX_ARGS];
    pid_t pid;            /* 0 while not running */
    long backoff_ms;      /* next restart delay */
    long long restart_at; /* monotonic ms; 0 when running */
    bool failed;          /* exited for bad configuration: not restarted */
} s_child_t;

struct runner_t {
    char *bindir;
    char dir[256]; /* private directory */
    s_child_t children[RUNNER_MAX_CHILDREN];
    size_t nchildren;
    pid_t redis_pid;
    char *redis_url;
    int restarts;
};

runner_t *runner_new(const char *bindir)
{
    runner_t *self = dp_calloc(1, sizeof *self);
    self->bindir = dp_strdup(bindir);
    const char *tmp = getenv("TMPDIR");
    snprintf(self->dir, sizeof self->dir, "%s/devpulse-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(self->dir)) {
        dp_log(DP_LOG_ERROR, "mkdtemp %s: %s", self->dir, strerror(errno));
        dp_free(self->bindir);
        dp_free(self);
        return NULL;
    }
    return self;
}

const char *runner_dir(const runner_t *self)
{
    return self->dir;
}

/* Starts path with argv; with quiet, its stdout goes to /dev/null. */
static pid_t s_fork_exec(const char *path, char *const *argv, bool quiet)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (quiet) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                close(fd);
            }
        }
        /* The child must not inherit the parent's blocked or ignored signals.
         */
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (strchr(path, '/'))
            execv(path, argv);
        else
            execvp(path, argv); /* a wrapper named without its path */
        fprintf(stderr, "devpulse: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    return pid;
}

static bool s_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static char *s_find_redis(void)
{
    const char *env = getenv("DP_REDIS_SERVER");
    if (env && *env)
        return dp_strdup(env);
    const char *path = getenv("PATH");
    char *copy = dp_strdup(path && *path ? path : "/usr/bin:/bin");
    char *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char *cand = dp_asprintf("%s/redis-server", d);
        if (access(cand, X_OK) == 0)
            found = cand;
        else
            dp_free(cand);
    }
    dp_free(copy);
    if (!found && access("/usr/sbin/redis-server", X_OK) == 0)
        found = dp_strdup("/usr/sbin/redis-server");
    return found;
}

int runner_redis(runner_t *self, const char *state_dir, const char **url,
                 char *err, size_t errlen)
{
    char *bin = s_find_redis();
    if (!bin) {
        snprintf(err, errlen,
                 "redis-server is not installed: install it "
                 "(apt-get install redis-server) or set REDIS_URL");
        return DP_ENOTFOUND;
    }
    const char *dir = state_dir ? state_dir : self->dir;
    char *sock = dp_asprintf("%s/redis.sock", dir);
    unlink(sock); /* a stale socket of an earlier run */
    char *argv[] = {bin,
                    "--port",
                    "0",
                    "--unixsocket",
                    sock,
                    "--unixsocketperm",
                    "700",
                    "--save",
                    "",
                    "--appendonly",
                    state_dir ? "yes" : "no",
                    "--appendfsync",
                    "everysec",
                    "--dir",
                    (char *)dir,
                    "--daemonize",
                    "no",
                    "--loglevel",
                    "warning",
                    "--logfile",
                    "redis.log",
                    NULL};
    self->redis_pid = s_fork_exec(bin, argv, true);
    dp_free(bin);
    if (self->redis_pid < 0) {
        snprintf(err, errlen, "cannot start redis-server: %s", strerror(errno));
        dp_free(sock);
        return DP_EREDIS;
    }
    self->redis_url = dp_asprintf("unix://%s", sock);
    dp_free(sock);
    long long until = dp_service_now_ms() + RUNNER_REDIS_WAIT_MS;
    while (dp_service_now_ms() < until) {
        int status;
        if (waitpid(self->redis_pid, &status, WNOHANG) == self->redis_pid) {
            self->redis_pid = 0;
            snprintf(err, errlen, "redis-server exited at start (status %d)",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            return DP_EREDIS;
        }
        if (s_exists(self->redis_url + 7)) {
            char perr[128];
            int level = dp_log_level();
            dp_log_set_level(DP_LOG_OFF); /* first attempts may be refused */
            dp_store_t *probe =
                dp_store_new(self->redis_url, perr, sizeof perr);
            bool up = probe && dp_store_ping(probe);
            dp_store_destroy(&probe);
            dp_log_set_level(level);
            if (up) {
                *url = self->redis_url;
                return 0;
            }
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    snprintf(err, errlen, "redis-server did not answer within %d s",
             RUNNER_REDIS_WAIT_MS / 1000);
    return DP_EREDIS;
}

/* Starts a child, under the command in DP_WRAPPER when it is set (e.g.
 * "valgrind --leak-check=full --log-file=vg.%p.log", for make valgrind). */
static pid_t s_exec_child(s_child_t *c)
{
    const char *wrapper = getenv("DP_WRAPPER");
    if (!wrapper || !*wrapper)
        return s_fork_exec(c->path, c->argv, false);
    char *copy = dp_strdup(wrapper);
    char *argv[RUNNER_MAX_ARGS * 2];
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t && n < RUNNER_MAX_ARGS;
         t = strtok_r(NULL, " ", &save))
        argv[n++] = t;
    for (size_t i = 0; c->argv[i] && n + 1 < sizeof argv / sizeof argv[0]; i++)
        argv[n++] = c->argv[i];
    argv[n] = NULL;
    pid_t pid = n > 0 ? s_fork_exec(argv[0], argv, false) : -1;
    dp_free(copy);
    return pid;
}

static int s_start(runner_t *self, s_child_t *c)
{
    c->pid = s_exec_child(c);
    if (c->pid < 0) {
        c->pid = 0;
        dp_log(DP_LOG_ERROR, "cannot start %s: %s", c->name, strerror(errno));
        return DP_EIO;
    }
    (void)self;
    c->restart_at = 0;
    return 0;
}

int runner_spawn(runner_t *self, const char *name, const char *const *argv)
{
    assert(self && name && argv);
    if (self->nchildren == RUNNER_MAX_CHILDREN)
        return DP_EIO;
    s_child_t *c = &self->children[self->nchildren];
    memset(c, 0, sizeof *c);
    c->name = dp_strdup(name);
    c->path = dp_asprintf("%s/%s", self->bindir, name);
    if (access(c->path, X_OK) != 0) {
        dp_log(DP_LOG_ERROR, "%s is missing: build first (make build)",
               c->path);
        dp_free(c->name);
        dp_free(c->path);
        return DP_EIO;
    }
    c->argv[0] = dp_strdup(c->path);
    for (size_t i = 0; argv[i] && i + 2 < RUNNER_MAX_ARGS; i++)
        c->argv[i + 1] = dp_strdup(argv[i]);
    c->backoff_ms = RUNNER_BACKOFF_MIN_MS;
    self->nchildren++;
    return s_start(self, c);
}

void runner_tick(runner_t *self)
{
    long long now = dp_service_now_ms();
    for (size_t i = 0; i < self->nchildren; i++) {
        s_child_t *c = &self->children[i];
        int status;
        if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid) {
            if (WIFSIGNALED(status))
                dp_log(DP_LOG_WARN,
                       "%s died by signal %d; restarting in "
                       "%ld ms",
                       c->name, WTERMSIG(status), c->backoff_ms);
            else
                dp_log(DP_LOG_WARN,
                       "%s exited with status %d; restarting "
                       "in %ld ms",
                       c->name, WEXITSTATUS(status), c->backoff_ms);
            c->pid = 0;
            if (WIFEXITED(status) &&
                WEXITSTATUS(status) == RUNNER_EXIT_CONFIG) {
                dp_log(DP_LOG_ERROR,
                       "%s refused its configuration; not "
                       "restarting it",
                       c->name);
                c->failed = true;
                continue;
            }
            c->restart_at = now + c->backoff_ms;
            c->backoff_ms *= 2;
            if (c->backoff_ms > RUNNER_BACKOFF_MAX_MS)
                c->backoff_ms = RUNNER_BACKOFF_MAX_MS;
        }
        if (c->pid == 0 && c->restart_at && now >= c->restart_at &&
            !dp_service_interrupted()) {
            if (s_start(self, c) == 0) {
                self->restarts++;
                dp_log(DP_LOG_WARN, "%s restarted (pid %d)", c->name,
                       (int)c->pid);
            }
        }
    }
}

const char *runner_failed(const runner_t *self)
{
    for (size_t i = 0; i < self->nchildren; i++)
        if (self->children[i].failed)
            return self->children[i].name;
    return NULL;
}

int runner_restarts(const runner_t *self)
{
    return self->restarts;
}

/* Waits for pid to exit, up to ms; true when it did. */
static bool s_wait(pid_t pid, long ms)
{
    long long until = dp_service_now_ms() + ms;
    while (dp_service_now_ms() < until) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return true;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void s_stop(pid_t pid, const char *name)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    if (!s_wait(pid, RUNNER_STOP_MS)) {
        dp_log(DP_LOG_WARN, "%s did not stop in time; killing it", name);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

static void s_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *path = dp_asprintf("%s/%s", dir, e->d_name);
        unlink(path);
        dp_free(path);
    }
    closedir(d);
    rmdir(dir);
}

void runner_destroy(runner_t **self_p)
{
    assert(self_p);
    runner_t *self = *self_p;
    if (!self)
        return;
    /* Ask everyone first, so they stop in parallel. */
    for (size_t i = 0; i < self->nchildren; i++)
        if (self->children[i].pid > 0)
            kill(self->children[i].pid, SIGTERM);
    for (size_t i = self->nchildren; i-- > 0;) {
        s_child_t *c = &self->children[i];
        s_stop(c->pid, c->name);
        for (size_t k = 0; k < RUNNER_MAX_ARGS; k++)
            dp_free(c->argv[k]);
        dp_free(c->name);
        dp_free(c->path);
    }
    s_stop(self->redis_pid, "redis-server");
    dp_free(self->redis_url);
    s_remove_dir(self->dir);
    dp_free(self->bindir);
    dp_free(self);
    *self_p = NULL;
}
