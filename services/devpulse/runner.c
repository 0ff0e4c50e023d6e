/* runner.c - starts, supervises and stops the devpulse services and Redis */
/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE /* pipe2 */
#include "runner.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "dp_config.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"
#include "dp_store.h"

#define RUNNER_MAX_CHILDREN 16
#define RUNNER_MAX_ARGS 32
#define RUNNER_MAX_ENV 16 /* changes to a child's environment */
#define RUNNER_STOP_MS 5000
#define RUNNER_REDIS_WAIT_MS 10000
#define RUNNER_BACKOFF_MIN_MS 250
#define RUNNER_BACKOFF_MAX_MS 10000
#define RUNNER_STABLE_MS                                                       \
    30000                    /* a child up this long starts over at 250 ms     \
                              */
#define RUNNER_EXIT_CONFIG 2 /* what a service exits with on bad config */
#define RUNNER_DIR_PREFIX "devpulse-"
#define RUNNER_PID_FILE "devpulse.pid"
#define RUNNER_PING_RETRY_MS 5  /* Redis still loading its file */
#define RUNNER_TICK_MS 50       /* longest wait between looks at children */
#define RUNNER_STOP_SLICE_MS 10 /* without a pidfd: a look every 10 ms */
/* What a child gets when devpulse dies without stopping it (SIGKILL of
 * devpulse, a crash): it must not outlive it, and the reliability model
 * already covers a service or a Redis (AOF everysec) killed at any time. */
#define RUNNER_DEATH_SIGNAL SIGKILL

typedef struct {
    char *name; /* executable name, e.g. "dp-collector" */
    char *path; /* full path */
    char *argv[RUNNER_MAX_ARGS];
    char *env[RUNNER_MAX_ENV]; /* "NAME=value" set, "NAME" removed */
    char *sock;           /* unix socket removed before each start, or NULL */
    bool quiet;           /* stdout to /dev/null, never under DP_WRAPPER */
    bool disposable;      /* keeps nothing: killed at once when stopped */
    int out_fd;           /* its stdout when not quiet, or -1 (ours) */
    pid_t pid;            /* 0 while not running */
    long backoff_ms;      /* next restart delay */
    long long started_at; /* monotonic ms of the last start */
    long long restart_at; /* monotonic ms; 0 when running */
    bool failed;          /* exited for bad configuration: not restarted */
} s_child_t;

struct runner_t {
    char *bindir;
    char dir[256];   /* private directory */
    int dir_lock;    /* fd of dir/devpulse.pid, flocked; -1 when none */
    int state_lock;  /* fd of state_dir/devpulse.pid, flocked; -1 when none */
    char *state_dir; /* the locked state directory, or NULL */
    char *bus_dir;   /* its socket directory (mode 0700), or NULL */
    s_child_t children[RUNNER_MAX_CHILDREN];
    size_t nchildren;
    s_child_t *redis; /* among children, or NULL */
    char *redis_url;
    int restarts;
};

/* ==== Lock files and stale state ==== */

/* Writes our pid into a locked pid file. */
static void s_write_pid(int fd)
{
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        dp_log(DP_LOG_WARN, "cannot write %s: %s", RUNNER_PID_FILE,
               strerror(errno));
}

/* The pid written in an open pid file, or 0. */
static pid_t s_read_pid(int fd)
{
    char buf[24];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    long pid = 0;
    if (dp_parse_long(buf, 1, INT_MAX, &pid) < 0)
        return 0;
    return (pid_t)pid;
}

/* Opens dir/devpulse.pid and locks it without waiting. Returns the fd, or
 * -1 with errno (EWOULDBLOCK: another process holds it). */
static int s_lock_pid_file(const char *dir, int flags)
{
    char *path = dp_asprintf("%s/%s", dir, RUNNER_PID_FILE);
    int fd = open(path, flags | O_CLOEXEC, 0600);
    dp_free(path);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* What to do with an entry of a directory: its path, its lstat, its
 * name. */
typedef void (*s_entry_fn)(const char *path, const struct stat *st,
                           const char *name);

/* Calls fn for every entry of dir but "." and "..". */
static void s_each_entry(const char *dir, s_entry_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *path = dp_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0)
            fn(path, &st, e->d_name);
        dp_free(path);
    }
    closedir(d);
}

static void s_unlink_entry(const char *path, const struct stat *st,
                           const char *name)
{
    (void)st, (void)name;
    unlink(path);
}

/* Removes a directory and the files in it (the private directory is
 * flat). */
static void s_remove_dir(const char *dir)
{
    s_each_entry(dir, s_unlink_entry);
    rmdir(dir);
}

/* A private directory of an earlier devpulse whose process is gone: its
 * pid file names a pid that no longer exists and nobody holds its lock.
 * A directory without a pid in it (another devpulse between mkdtemp and
 * writing it, or not ours) is left alone. */
static bool s_private_dir_stale(const char *dir)
{
    int fd = s_lock_pid_file(dir, O_RDONLY);
    if (fd < 0)
        return false;
    pid_t pid = s_read_pid(fd);
    bool stale =
        pid > 0 && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH;
    close(fd);
    return stale;
}

/* Removes an entry of $TMPDIR when it is the private directory of an
 * earlier run that was killed. */
static void s_remove_if_stale(const char *path, const struct stat *st,
                              const char *name)
{
    size_t plen = strlen(RUNNER_DIR_PREFIX);
    if (strncmp(name, RUNNER_DIR_PREFIX, plen) != 0 ||
        strlen(name) != plen + 6 || !S_ISDIR(st->st_mode) ||
        st->st_uid != getuid() || !s_private_dir_stale(path))
        return;
    dp_log(DP_LOG_INFO, "removing %s, left by a devpulse killed earlier", path);
    s_remove_dir(path);
}

/* Removes an entry when it is a socket file. */
static void s_unlink_socket(const char *path, const struct stat *st,
                            const char *name)
{
    (void)name;
    if (S_ISSOCK(st->st_mode))
        unlink(path);
}

/* Removes the socket files in dir (the caller holds its lock, so none is
 * in use). */
static void s_clean_sockets(const char *dir)
{
    s_each_entry(dir, s_unlink_socket);
}

runner_t *runner_new(const char *bindir)
{
    runner_t *self = dp_calloc(1, sizeof *self);
    self->dir_lock = self->state_lock = -1;
    self->bindir = dp_strdup(bindir);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    s_each_entry(tmp, s_remove_if_stale); /* left by killed runs */
    snprintf(self->dir, sizeof self->dir, "%s/%sXXXXXX", tmp,
             RUNNER_DIR_PREFIX);
    if (!mkdtemp(self->dir)) {
        dp_log(DP_LOG_ERROR, "mkdtemp %s: %s", self->dir, strerror(errno));
        dp_free(self->bindir);
        dp_free(self);
        return NULL;
    }
    self->dir_lock = s_lock_pid_file(self->dir, O_RDWR | O_CREAT);
    if (self->dir_lock >= 0)
        s_write_pid(self->dir_lock);
    return self;
}

const char *runner_dir(const runner_t *self)
{
    return self->dir;
}

/* Makes dir a directory of this user that nobody else may enter (mode
 * 0700 whatever the umask, also when it existed). 0, or DP_EIO with err. */
static int s_private_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return DP_EIO;
    }
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid()) {
        snprintf(err, errlen, "%s is not a directory of this user", dir);
        return DP_EIO;
    }
    if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0) {
        snprintf(err, errlen, "cannot chmod 700 %s: %s", dir, strerror(errno));
        return DP_EIO;
    }
    return 0;
}

int runner_lock_state(runner_t *self, const char *state_dir, char *err,
                      size_t errlen)
{
    assert(self && state_dir && self->state_lock < 0);
    int fd = s_lock_pid_file(state_dir, O_RDWR | O_CREAT);
    if (fd < 0 && errno == EWOULDBLOCK) {
        char *path = dp_asprintf("%s/%s", state_dir, RUNNER_PID_FILE);
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        pid_t pid = rfd >= 0 ? s_read_pid(rfd) : 0;
        if (rfd >= 0)
            close(rfd);
        dp_free(path);
        snprintf(err, errlen,
                 "%s is in use by another devpulse (pid %d); stop it "
                 "first or give another --state",
                 state_dir, (int)pid);
        return DP_EAGAIN;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot lock %s/%s: %s", state_dir,
                 RUNNER_PID_FILE, strerror(errno));
        return DP_EIO;
    }
    self->state_lock = fd;
    self->state_dir = dp_strdup(state_dir);
    s_write_pid(fd);
    s_clean_sockets(state_dir);
    char *bus = dp_asprintf("%s/%s", state_dir, RUNNER_BUS_DIR);
    if (s_private_dir(bus, err, errlen) < 0) {
        dp_free(bus);
        return DP_EIO;
    }
    self->bus_dir = bus;
    s_clean_sockets(bus);
    return 0;
}

const char *runner_bus_dir(const runner_t *self)
{
    return self->bus_dir ? self->bus_dir : self->dir;
}

/* ==== Children ==== */

/* Starts path with argv and the environment envp in its own process
 * group, to die with us; with quiet, its stdout goes to /dev/null, else
 * to out_fd when that is not -1. Returns the pid or -1. */
static pid_t s_fork_exec(const char *path, char *const *argv, char **envp,
                         bool quiet, int out_fd)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Our own group: the terminal's Ctrl-C reaches devpulse only, which
         * stops us with one SIGTERM (a second signal would skip our
         * graceful stop). */
        setpgid(0, 0);
        /* Killed when devpulse dies; if it died before this line, the
         * signal will never come, so go now. */
        if (prctl(PR_SET_PDEATHSIG, RUNNER_DEATH_SIGNAL) != 0 ||
            getppid() != parent)
            _exit(127);
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, STDIN_FILENO);
            if (quiet)
                dup2(fd, STDOUT_FILENO);
            else if (out_fd >= 0)
                dup2(out_fd, STDOUT_FILENO);
            if (fd > STDERR_FILENO)
                close(fd);
        }
        /* The child must not inherit the parent's blocked or ignored
         * signals. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        environ = envp; /* built before fork: no allocation here */
        if (strchr(path, '/'))
            execv(path, argv);
        else
            execvp(path, argv); /* a wrapper named without its path */
        fprintf(stderr, "devpulse: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    if (pid > 0)
        setpgid(pid, pid); /* also here, so it holds before we signal it */
    return pid;
}

/* Signals a child's process group (a wrapper's children too), or the
 * child alone when its group is not there. */
static void s_signal(pid_t pid, int sig)
{
    if (pid > 0 && kill(-pid, sig) != 0)
        kill(pid, sig);
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

/* Fills a child (argv without argv[0], and the changes to its
 * environment, NULL or as in runner_spawn, are copied). */
static s_child_t *s_child_init(s_child_t *c, const char *name, char *path,
                               const char *const *argv, const char *const *env)
{
    memset(c, 0, sizeof *c);
    c->name = dp_strdup(name);
    c->path = path;
    c->argv[0] = dp_strdup(c->path);
    for (size_t i = 0; argv[i] && i + 2 < RUNNER_MAX_ARGS; i++)
        c->argv[i + 1] = dp_strdup(argv[i]);
    for (size_t i = 0; env && env[i]; i++) {
        assert(i < RUNNER_MAX_ENV);
        c->env[i] = dp_strdup(env[i]);
    }
    c->backoff_ms = RUNNER_BACKOFF_MIN_MS;
    c->out_fd = -1;
    return c;
}

/* Adds a child to supervise (see s_child_init). */
static s_child_t *s_child_add(runner_t *self, const char *name, char *path,
                              const char *const *argv, const char *const *env)
{
    assert(self->nchildren < RUNNER_MAX_CHILDREN);
    return s_child_init(&self->children[self->nchildren++], name, path, argv,
                        env);
}

static int s_start(runner_t *self, s_child_t *c);

/* True when the Redis at url answers PING. */
static bool s_redis_answers(const char *url)
{
    char perr[128];
    int level = dp_log_level();
    dp_log_set_level(DP_LOG_OFF); /* first attempts may be refused */
    dp_store_t *probe = dp_store_new(url, perr, sizeof perr);
    bool up = probe && dp_store_ping(probe);
    dp_store_destroy(&probe);
    dp_log_set_level(level);
    return up;
}

int runner_redis_start(runner_t *self, const char *state_dir,
                       const char **url, char *err, size_t errlen)
{
    assert(self && url && !self->redis);
    if (self->nchildren == RUNNER_MAX_CHILDREN) {
        snprintf(err, errlen, "too many children");
        return DP_EREDIS;
    }
    char *bin = s_find_redis();
    if (!bin) {
        snprintf(err, errlen,
                 "redis-server is not installed: install it "
                 "(apt-get install redis-server) or set REDIS_URL");
        return DP_ENOTFOUND;
    }
    const char *dir = state_dir ? state_dir : self->dir;
    char *sock = dp_asprintf("%s/redis.sock", dir);
    const char *argv[] = {"--port",
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
                          dir,
                          "--daemonize",
                          "no",
                          "--loglevel",
                          "warning",
                          "--logfile",
                          "redis.log",
                          NULL};
    s_child_t *c = s_child_add(self, "redis-server", bin, argv, NULL);
    c->sock = sock; /* a stale socket of an earlier run goes first */
    c->quiet = true;
    c->disposable = state_dir == NULL; /* no files: nothing to flush */
    self->redis = c;
    self->redis_url = dp_asprintf("unix://%s", sock);
    if (s_start(self, c) < 0) {
        snprintf(err, errlen, "cannot start redis-server: %s", strerror(errno));
        return DP_EREDIS;
    }
    *url = self->redis_url;
    return 0;
}

int runner_redis_ready(runner_t *self, char *err, size_t errlen)
{
    assert(self && self->redis);
    s_child_t *c = self->redis;
    const char *sock = c->sock;
    /* The directory of the socket, and its name in it. */
    char *dir = dp_strndup(sock, (size_t)(strrchr(sock, '/') - sock));
    const char *name = strrchr(sock, '/') + 1;
    int rc = DP_EREDIS;
    long long until = dp_service_now_ms() + RUNNER_REDIS_WAIT_MS;
    while (dp_service_now_ms() < until && !dp_service_interrupted()) {
        int status;
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            c->pid = 0;
            c->failed = true; /* not restarted: it cannot start at all */
            snprintf(err, errlen, "redis-server exited at start (status %d)",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            goto out;
        }
        if (!s_exists(sock)) {
            /* Woken when the socket appears, or to look at the child. */
            (void)runner_wait_files(self, dir, &name, 1, RUNNER_TICK_MS);
            continue;
        }
        if (s_redis_answers(self->redis_url)) {
            rc = 0;
            goto out;
        }
        dp_service_sleep_ms(RUNNER_PING_RETRY_MS); /* loading its file */
    }
    snprintf(err, errlen, "redis-server did not answer within %d s",
             RUNNER_REDIS_WAIT_MS / 1000);
out:
    dp_free(dir);
    return rc;
}

/* True when the environment entry "NAME=value" is named by change
 * ("NAME=..." or "NAME"). */
static bool s_env_names(const char *entry, const char *change)
{
    size_t n = strcspn(change, "=");
    return strncmp(entry, change, n) == 0 && entry[n] == '=';
}

/* Our environment with a child's changes applied (secrets reach children
 * this way, never through argv, which every local user can read). The
 * array is owned by the caller (dp_free); its strings are borrowed. */
static char **s_child_env(const s_child_t *c)
{
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    char **envp = dp_calloc(n + RUNNER_MAX_ENV + 1, sizeof *envp);
    for (size_t i = 0; i < n; i++) {
        bool changed = false;
        for (size_t j = 0; j < RUNNER_MAX_ENV && c->env[j] && !changed; j++)
            changed = s_env_names(environ[i], c->env[j]);
        if (!changed)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < RUNNER_MAX_ENV && c->env[j]; j++)
        if (strchr(c->env[j], '='))
            envp[k++] = c->env[j];
    envp[k] = NULL;
    return envp;
}

/* Starts a child with envp, under the command in DP_WRAPPER when it is
 * set (e.g. "valgrind --leak-check=full --log-file=vg.%p.log", for make
 * valgrind). */
static pid_t s_exec_wrapped(s_child_t *c, char **envp)
{
    const char *wrapper = getenv("DP_WRAPPER");
    if (c->quiet || !wrapper || !*wrapper)
        return s_fork_exec(c->path, c->argv, envp, c->quiet, c->out_fd);
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
    pid_t pid = n > 0 ? s_fork_exec(argv[0], argv, envp, false, c->out_fd) : -1;
    dp_free(copy);
    return pid;
}

/* Starts a child with its environment. */
static pid_t s_exec_child(s_child_t *c)
{
    char **envp = s_child_env(c);
    pid_t pid = s_exec_wrapped(c, envp);
    dp_free(envp);
    return pid;
}

static int s_start(runner_t *self, s_child_t *c)
{
    (void)self;
    if (c->sock)
        unlink(c->sock);
    c->pid = s_exec_child(c);
    if (c->pid < 0) {
        c->pid = 0;
        dp_log(DP_LOG_ERROR, "cannot start %s: %s", c->name, strerror(errno));
        return DP_EIO;
    }
    c->started_at = dp_service_now_ms();
    c->restart_at = 0;
    return 0;
}

int runner_spawn(runner_t *self, const char *name, const char *const *argv,
                 const char *const *env)
{
    assert(self && name && argv);
    if (self->nchildren == RUNNER_MAX_CHILDREN)
        return DP_EIO;
    char *path = dp_asprintf("%s/%s", self->bindir, name);
    if (access(path, X_OK) != 0) {
        dp_log(DP_LOG_ERROR, "%s is missing: build first (make build)", path);
        dp_free(path);
        return DP_EIO;
    }
    return s_start(self, s_child_add(self, name, path, argv, env));
}

static void s_child_free(s_child_t *c);

/* Reads fd to its end into out, for at most ms. 0, or DP_EIO on timeout,
 * interruption or a read error. */
static int s_read_all(int fd, dp_buf_t *out, long ms)
{
    long long until = dp_service_now_ms() + ms;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n > 0) {
            dp_buf_append(out, chunk, (size_t)n);
            continue;
        }
        if (n == 0)
            return 0;
        long long left = until - dp_service_now_ms();
        if ((errno != EAGAIN && errno != EINTR) || left <= 0 ||
            dp_service_interrupted())
            return DP_EIO;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        (void)poll(&p, 1, (int)left);
    }
}

int runner_capture(runner_t *self, const char *name, const char *const *argv,
                   const char *const *env, long timeout_ms, dp_buf_t *out)
{
    assert(self && name && argv && out);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return DP_EIO;
    s_child_t c;
    s_child_init(&c, name, dp_asprintf("%s/%s", self->bindir, name), argv, env);
    c.out_fd = fds[1];
    pid_t pid = s_exec_child(&c);
    close(fds[1]);
    int rc = pid > 0 ? s_read_all(fds[0], out, timeout_ms) : DP_EIO;
    close(fds[0]);
    int status = 0;
    if (pid > 0 && rc < 0)
        s_signal(pid, SIGKILL);
    if (pid > 0 && waitpid(pid, &status, 0) == pid && rc == 0 &&
        !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        rc = DP_EIO;
    s_child_free(&c);
    return rc;
}

void runner_tick(runner_t *self)
{
    long long now = dp_service_now_ms();
    for (size_t i = 0; i < self->nchildren; i++) {
        s_child_t *c = &self->children[i];
        int status;
        if (c->pid > 0 && waitpid(c->pid, &status, WNOHANG) == c->pid) {
            if (now - c->started_at >= RUNNER_STABLE_MS)
                c->backoff_ms = RUNNER_BACKOFF_MIN_MS;
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

/* True when dir/name exists for every name; else *missing names the
 * first that does not. */
static bool s_all_exist(const char *dir, const char *const *names, size_t n,
                        const char **missing)
{
    for (size_t i = 0; i < n; i++) {
        char *path = dp_asprintf("%s/%s", dir, names[i]);
        bool there = s_exists(path);
        dp_free(path);
        if (!there) {
            *missing = names[i];
            return false;
        }
    }
    return true;
}

const char *runner_wait_files(runner_t *self, const char *dir,
                              const char *const *names, size_t n,
                              long timeout_ms)
{
    assert(self && dir && (names || n == 0));
    /* Watched before the first look, so a file made between the look and
     * the wait still wakes us. */
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd >= 0 && inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) < 0) {
        close(fd);
        fd = -1;
    }
    long long until = dp_service_now_ms() + timeout_ms;
    const char *missing = NULL;
    while (!s_all_exist(dir, names, n, &missing)) {
        long long left = until - dp_service_now_ms();
        if (left <= 0 || dp_service_interrupted() || runner_failed(self))
            break;
        long slice = left < RUNNER_TICK_MS ? (long)left : RUNNER_TICK_MS;
        if (fd >= 0) {
            char events[4096];
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, (int)slice) > 0)
                while (read(fd, events, sizeof events) > 0)
                    ; /* which file does not matter: all are looked at */
        } else {
            dp_service_sleep_ms(slice);
        }
        runner_tick(self); /* a service that refused its configuration */
    }
    if (fd >= 0)
        close(fd);
    return s_all_exist(dir, names, n, &missing) ? NULL : missing;
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

/* Waits for pid to exit, up to ms, on its pidfd (woken by the exit
 * itself), or looking every 10 ms where there is none; true when it
 * exited (and was reaped). */
static bool s_wait(pid_t pid, long ms)
{
    long long until = dp_service_now_ms() + ms;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    bool done = false;
    for (;;) {
        done = waitpid(pid, NULL, WNOHANG) == pid;
        long long left = until - dp_service_now_ms();
        if (done || left <= 0)
            break;
        if (fd >= 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            (void)poll(&p, 1, (int)left); /* stopping: signals do not end it */
        } else {
            struct timespec ts = {0, RUNNER_STOP_SLICE_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (fd >= 0)
        close(fd);
    return done;
}

static void s_stop(const s_child_t *c)
{
    if (c->pid <= 0)
        return;
    if (c->disposable) { /* nothing to keep: no graceful stop to wait for */
        s_signal(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        return;
    }
    s_signal(c->pid, SIGTERM);
    if (!s_wait(c->pid, RUNNER_STOP_MS)) {
        dp_log(DP_LOG_WARN, "%s did not stop in time; killing it", c->name);
        s_signal(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
}

static void s_child_free(s_child_t *c)
{
    for (size_t k = 0; k < RUNNER_MAX_ARGS; k++)
        dp_free(c->argv[k]);
    for (size_t k = 0; k < RUNNER_MAX_ENV; k++) {
        if (c->env[k])
            explicit_bzero(c->env[k], strlen(c->env[k])); /* may be a URL
                                                           * with a password */
        dp_free(c->env[k]);
    }
    dp_free(c->name);
    dp_free(c->path);
    dp_free(c->sock);
}

void runner_destroy(runner_t **self_p)
{
    assert(self_p);
    runner_t *self = *self_p;
    if (!self)
        return;
    /* Ask every service first, so they stop in parallel; Redis last, as
     * they may still write to it while they stop. */
    for (size_t i = 0; i < self->nchildren; i++)
        if (&self->children[i] != self->redis)
            s_signal(self->children[i].pid, SIGTERM);
    for (size_t i = self->nchildren; i-- > 0;)
        if (&self->children[i] != self->redis)
            s_stop(&self->children[i]);
    if (self->redis)
        s_stop(self->redis);
    for (size_t i = 0; i < self->nchildren; i++)
        s_child_free(&self->children[i]);
    dp_free(self->redis_url);
    s_remove_dir(self->dir);
    if (self->dir_lock >= 0)
        close(self->dir_lock);
    if (self->state_dir)
        s_clean_sockets(self->state_dir); /* everyone stopped: all ours */
    if (self->bus_dir)
        s_clean_sockets(self->bus_dir);
    dp_free(self->bus_dir);
    dp_free(self->state_dir);
    if (self->state_lock >= 0)
        close(self->state_lock);
    dp_free(self->bindir);
    dp_free(self);
    *self_p = NULL;
}
