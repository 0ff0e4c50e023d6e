/* publisher.c - commits each new report and revision into a git repository */
/* SPDX-License-Identifier: MIT */
#include "publisher.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dp_fs.h"
#include "dp_log.h"
#include "dp_mem.h"
#include "dp_service.h"
#include "dp_time.h"

extern char **environ;

#define PUBLISHER_OUT_KEEP 2048        /* git output kept for the log */
#define PUBLISHER_FILE_MAX (256 << 20) /* largest report file copied */
#define PUBLISHER_ARGS_MAX 16
#define PUBLISHER_ENV_EXTRA 16
#define PUBLISHER_TOKEN_USER "x-access-token"

/* The credential helper git runs (through sh, as git runs "!" helpers):
 * it answers "get" with the token from the environment, so the token
 * never appears in an argument list. */
#define PUBLISHER_CRED_HELPER                                                  \
    "!f() { test \"$1\" = get || exit 0; printf "                              \
    "'username=%s\\npassword=%s\\n' "                                          \
    "\"" PUBLISHER_TOKEN_USER "\" \"$DP_PUBLISH_TOKEN\"; }; f"

struct publisher_t {
    char *out_dir, *repo, *branch, *dir, *work_dir, *git;
    long push_tries;
    long git_timeout_ms; /* one git command, at most */
    char **env;          /* git's environment */
    dp_consumer_t *consumer;
};

/* ==== Running git ==== */

/* Appends "NAME=value" to env at *n. */
static void s_env_put(char **env, size_t *n, const char *name,
                      const char *value)
{
    env[(*n)++] = dp_asprintf("%s=%s", name, value);
}

/* git's environment: ours without the variables set here, then those. */
static char **s_env_new(const publisher_cfg_t *cfg, char *err, size_t errlen)
{
    static const char *const own[] = {
        "GIT_TERMINAL_PROMPT=", "GIT_AUTHOR_NAME=",     "GIT_AUTHOR_EMAIL=",
        "GIT_COMMITTER_NAME=",  "GIT_COMMITTER_EMAIL=", "GIT_SSH_COMMAND=",
        "GIT_CONFIG_COUNT=",    "GIT_CONFIG_KEY_",      "GIT_CONFIG_VALUE_",
        "DP_PUBLISH_TOKEN=",    "GIT_ASKPASS=",         "LC_ALL="};
    size_t count = 0;
    while (environ[count])
        count++;
    char **env = dp_calloc(count + PUBLISHER_ENV_EXTRA + 1, sizeof *env);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        bool skip = false;
        for (size_t k = 0; k < sizeof own / sizeof own[0] && !skip; k++)
            skip = strncmp(environ[i], own[k], strlen(own[k])) == 0;
        if (!skip)
            env[n++] = dp_strdup(environ[i]);
    }
    s_env_put(env, &n, "GIT_TERMINAL_PROMPT", "0");
    s_env_put(env, &n, "LC_ALL", "C");
    s_env_put(env, &n, "GIT_AUTHOR_NAME", cfg->author_name);
    s_env_put(env, &n, "GIT_AUTHOR_EMAIL", cfg->author_email);
    s_env_put(env, &n, "GIT_COMMITTER_NAME", cfg->author_name);
    s_env_put(env, &n, "GIT_COMMITTER_EMAIL", cfg->author_email);
    if (cfg->ssh_key_file && cfg->ssh_key_file[0]) {
        /* git reads GIT_SSH_COMMAND with a shell: paths go in single
         * quotes, so one may not hold a quote. */
        const char *kh =
            cfg->known_hosts && cfg->known_hosts[0] ? cfg->known_hosts : NULL;
        if (strchr(cfg->ssh_key_file, '\'') || (kh && strchr(kh, '\''))) {
            snprintf(err, errlen,
                     "DP_PUBLISH_SSH_KEY_FILE and "
                     "DP_PUBLISH_KNOWN_HOSTS may not hold a "
                     "quote");
            goto fail;
        }
        char *cmd =
            dp_asprintf("ssh -i '%s' -o IdentitiesOnly=yes -o BatchMode=yes "
                        "-o StrictHostKeyChecking=yes%s%s%s",
                        cfg->ssh_key_file, kh ? " -o UserKnownHostsFile='" : "",
                        kh ? kh : "", kh ? "'" : "");
        s_env_put(env, &n, "GIT_SSH_COMMAND", cmd);
        dp_free(cmd);
    }
    if (cfg->token && cfg->token[0]) {
        /* An empty helper first drops helpers configured elsewhere. */
        s_env_put(env, &n, "GIT_CONFIG_COUNT", "2");
        s_env_put(env, &n, "GIT_CONFIG_KEY_0", "credential.helper");
        s_env_put(env, &n, "GIT_CONFIG_VALUE_0", "");
        s_env_put(env, &n, "GIT_CONFIG_KEY_1", "credential.helper");
        s_env_put(env, &n, "GIT_CONFIG_VALUE_1", PUBLISHER_CRED_HELPER);
        s_env_put(env, &n, "DP_PUBLISH_TOKEN", cfg->token);
    }
    return env;
fail:
    for (size_t i = 0; i < n; i++)
        dp_free(env[i]);
    dp_free(env);
    return NULL;
}

static void s_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++) {
        memset(env[i], 0, strlen(env[i])); /* it may hold the token */
        dp_free(env[i]);
    }
    dp_free(env);
}

/* Runs git with the arguments (NULL-ended, after "git -C work_dir") and
 * returns its exit status (0 success), or -1 when it could not run or was
 * killed. Its output (stdout and stderr) is read; on a failure, and when
 * quiet is false, its last line is logged. */
static int s_git(const publisher_t *self, bool quiet, ...)
{
    const char *argv[PUBLISHER_ARGS_MAX + 4];
    size_t n = 0;
    argv[n++] = self->git;
    argv[n++] = "-C";
    argv[n++] = self->work_dir;
    va_list ap;
    va_start(ap, quiet);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        assert(n < PUBLISHER_ARGS_MAX + 3);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;

    int fds[2] = {-1, -1}, status = -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (pipe(fds) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
        dp_log(DP_LOG_ERROR, "pipe: %s", strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, self->git, &fa, NULL, (char *const *)argv,
                          self->env);
    close(fds[1]);
    fds[1] = -1;
    if (rc != 0) {
        dp_log(DP_LOG_ERROR, "cannot run %s: %s", self->git, strerror(rc));
        goto out;
    }
    char keep[PUBLISHER_OUT_KEEP], buf[1024];
    size_t kept = 0;
    long long deadline = dp_service_now_ms() + self->git_timeout_ms;
    bool killed = false;
    for (;;) {
        struct pollfd pfd[2] = {{fds[0], POLLIN, 0},
                                {dp_service_stop_fd(), POLLIN, 0}};
        long long left = deadline - dp_service_now_ms();
        int ready = left > 0 ? poll(pfd, pfd[1].fd >= 0 ? 2 : 1,
                                    left < 1000 ? (int)left : 1000)
                             : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (left <= 0 || dp_service_interrupted() || ready < 0) {
            /* Too slow (a remote that does not answer), or a stop. */
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (ready == 0 || !(pfd[0].revents & (POLLIN | POLLHUP)))
            continue;
        ssize_t got = read(fds[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++) {
            if (kept == sizeof keep - 1) {
                memmove(keep, keep + sizeof keep / 2, sizeof keep / 2 - 1);
                kept = sizeof keep / 2 - 1;
            }
            keep[kept++] = buf[i];
        }
    }
    keep[kept] = '\0';
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    if (killed)
        dp_log(DP_LOG_WARN, "git %s stopped: %s", argv[3],
               dp_service_interrupted() ? "shutting down" : "timed out");
    else if (status != 0 && !quiet) {
        while (kept > 0 && (keep[kept - 1] == '\n' || keep[kept - 1] == '\r'))
            keep[--kept] = '\0';
        const char *last = strrchr(keep, '\n');
        dp_log(DP_LOG_WARN, "git %s failed (%d): %s", argv[3], status,
               last ? last + 1 : keep);
    }
out:
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    posix_spawn_file_actions_destroy(&fa);
    return status;
}

/* ==== Commits ==== */

/* Makes work_dir a repository whose origin is the configured one. */
static int s_prepare(publisher_t *self)
{
    char *dotgit = dp_asprintf("%s/.git", self->work_dir);
    struct stat st;
    bool have = stat(dotgit, &st) == 0;
    dp_free(dotgit);
    if (!have) {
        char err[256];
        char *keep = dp_asprintf("%s/.keep", self->work_dir);
        int rc = dp_fs_write_atomic(keep, "", 0, NULL, err, sizeof err);
        if (rc == 0)
            unlink(keep);
        dp_free(keep);
        if (rc < 0) {
            dp_log(DP_LOG_ERROR, "%s", err);
            return DP_EIO;
        }
        if (s_git(self, false, "init", "-q", NULL) != 0 ||
            s_git(self, false, "remote", "add", "origin", self->repo, NULL) !=
                0)
            return DP_EIO;
        return 0;
    }
    return s_git(self, false, "remote", "set-url", "origin", self->repo,
                 NULL) == 0
               ? 0
               : DP_EIO;
}

/* Reads a file the renderer wrote (path) and writes it at rel below the
 * work tree's directory. */
static int s_copy(const publisher_t *self, const char *path, const char *rel)
{
    int rc = DP_EIO;
    char err[512];
    dp_buf_t data = DP_BUF_INIT;
    char *dest = self->dir[0]
                     ? dp_asprintf("%s/%s/%s", self->work_dir, self->dir, rel)
                     : dp_asprintf("%s/%s", self->work_dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        dp_log(DP_LOG_ERROR, "%s: %s", path, strerror(errno));
        goto out;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (data.len + got > PUBLISHER_FILE_MAX) {
            dp_log(DP_LOG_ERROR, "%s: over %d bytes", path, PUBLISHER_FILE_MAX);
            fclose(f);
            goto out;
        }
        dp_buf_append(&data, buf, got);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        dp_log(DP_LOG_ERROR, "%s: read failed", path);
        goto out;
    }
    rc = dp_fs_write_atomic(dest, data.data ? data.data : "", data.len, NULL,
                            err, sizeof err);
    if (rc < 0)
        dp_log(DP_LOG_ERROR, "%s", err);
out:
    dp_buf_free(&data);
    dp_free(dest);
    return rc;
}

/* Checks out the branch's tip (or an empty tree when the branch is not
 * there yet), copies the files and commits them. Returns 1 when a commit
 * was made, 0 when the branch holds these files already, DP_EAGAIN when
 * git failed. */
static int s_commit(publisher_t *self, const dp_report_t *r,
                    const dp_strs_t *paths, const dp_strs_t *rels)
{
    char ref[512];
    snprintf(ref, sizeof ref, "refs/heads/%s", self->branch);
    char tracking[512];
    snprintf(tracking, sizeof tracking, "refs/remotes/origin/%s", self->branch);
    char spec[1100];
    snprintf(spec, sizeof spec, "+%s:%s", ref, tracking);
    int ls = s_git(self, true, "ls-remote", "--exit-code", "--heads", "origin",
                   ref, NULL);
    if (ls == 0) {
        if (s_git(self, false, "fetch", "-q", "origin", spec, NULL) != 0 ||
            s_git(self, false, "checkout", "-q", "-f", "-B", self->branch,
                  tracking, NULL) != 0)
            return DP_EAGAIN;
    } else if (ls == 2) {
        /* An empty repository, or one without the branch: a first commit. */
        if (s_git(self, false, "symbolic-ref", "HEAD", ref, NULL) != 0)
            return DP_EAGAIN;
        (void)s_git(self, true, "update-ref", "-d", ref, NULL);
        if (s_git(self, false, "read-tree", "--empty", NULL) != 0)
            return DP_EAGAIN;
    } else {
        dp_log(DP_LOG_WARN, "cannot list the branches of the repository");
        return DP_EAGAIN;
    }
    if (s_git(self, false, "clean", "-q", "-f", "-d", "-x", NULL) != 0)
        return DP_EAGAIN;
    for (size_t i = 0; i < paths->count; i++)
        if (s_copy(self, paths->items[i], rels->items[i]) < 0)
            return DP_EAGAIN;
    const char *where = self->dir[0] ? self->dir : ".";
    if (s_git(self, false, "add", "-A", "--", where, NULL) != 0)
        return DP_EAGAIN;
    if (s_git(self, true, "diff", "--cached", "--quiet", NULL) == 0)
        return 0;
    char from[32], to[32];
    dp_time_iso_utc(r->win_from, from, sizeof from);
    dp_time_iso_utc(r->win_to, to, sizeof to);
    char *msg =
        dp_asprintf("report %s %s..%s%s\n\nrevision %" PRId64
                    "; %zu files written by the renderer\n",
                    r->repo, from, to, r->revision > 1 ? " (revised)" : "",
                    r->revision, paths->count);
    int rc = s_git(self, false, "commit", "-q", "-m", msg, NULL);
    dp_free(msg);
    return rc == 0 ? 1 : DP_EAGAIN;
}

/* The files of the report below the output directory, with their paths
 * relative to it. False when the Markdown report is not among them. */
static bool s_files(const publisher_t *self, const dp_report_t *r,
                    dp_strs_t *paths, dp_strs_t *rels)
{
    bool have_md = false;
    for (size_t i = 0; i <= r->files.count; i++) {
        const char *f = i < r->files.count ? r->files.items[i] : r->path;
        if (!f)
            continue;
        bool dup = false;
        for (size_t k = 0; k < paths->count && !dup; k++)
            dup = strcmp(paths->items[k], f) == 0;
        if (dup) {
            have_md = have_md || (r->path && strcmp(f, r->path) == 0);
            continue;
        }
        char *rel = dp_consumer_relpath(self->out_dir, f);
        if (!rel) {
            dp_log(DP_LOG_WARN,
                   "%s: %s is not a file below the output "
                   "directory; not published",
                   r->repo, f);
            continue;
        }
        have_md = have_md || (r->path && strcmp(f, r->path) == 0);
        dp_strs_push(paths, f);
        dp_strs_push(rels, rel);
        dp_free(rel);
    }
    return have_md;
}

/* The sink: one commit of the report's files, pushed. */
static int s_deliver(void *arg, const dp_report_t *r, long *retry_s)
{
    publisher_t *self = arg;
    (void)retry_s;
    dp_strs_t paths = {0}, rels = {0};
    int rc = DP_EINVAL;
    if (!s_files(self, r, &paths, &rels)) {
        dp_log(DP_LOG_ERROR,
               "%s: the report is not a file below the output "
               "directory; not published",
               r->repo);
        goto out;
    }
    rc = s_prepare(self);
    if (rc < 0) {
        rc = DP_EAGAIN;
        goto out;
    }
    long pushes = 0;
    for (;;) {
        rc = s_commit(self, r, &paths, &rels);
        if (rc <= 0)
            goto out;
        for (;;) {
            pushes++;
            char dest[512];
            snprintf(dest, sizeof dest, "HEAD:refs/heads/%s", self->branch);
            if (s_git(self, false, "push", "-q", "origin", dest, NULL) == 0) {
                dp_log(DP_LOG_INFO,
                       "%s: revision %" PRId64
                       " committed and pushed (%zu files)",
                       r->repo, r->revision, paths.count);
                rc = 0;
                goto out;
            }
            if (pushes >= self->push_tries) {
                rc = DP_EAGAIN;
                goto out;
            }
            dp_log(DP_LOG_INFO, "%s: push refused; fetching and rebasing",
                   r->repo);
            char spec[1100];
            snprintf(spec, sizeof spec, "+refs/heads/%s:refs/remotes/origin/%s",
                     self->branch, self->branch);
            char onto[512];
            snprintf(onto, sizeof onto, "refs/remotes/origin/%s", self->branch);
            if (s_git(self, false, "fetch", "-q", "origin", spec, NULL) != 0)
                continue;
            if (s_git(self, false, "rebase", "-q", onto, NULL) == 0)
                continue;
            (void)s_git(self, true, "rebase", "--abort", NULL);
            break; /* commit anew on the tip */
        }
    }
out:
    dp_strs_clear(&paths);
    dp_strs_clear(&rels);
    return rc;
}

/* ==== Life ==== */

publisher_t *publisher_new(const publisher_cfg_t *cfg)
{
    assert(cfg && cfg->out_dir && cfg->work_dir && cfg->branch);
    assert(cfg->author_name && cfg->author_email && cfg->push_tries >= 1);
    if (!cfg->repo || !cfg->repo[0]) {
        dp_log(DP_LOG_ERROR, "DP_PUBLISH_REPO: no repository to publish to");
        return NULL;
    }
    if (cfg->repo[0] == '-') {
        dp_log(DP_LOG_ERROR, "DP_PUBLISH_REPO: may not start with '-'");
        return NULL;
    }
    bool branch_ok = cfg->branch[0] && cfg->branch[0] != '-';
    for (const char *p = cfg->branch; *p && branch_ok; p++)
        branch_ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("._/-", *p);
    if (!branch_ok || strstr(cfg->branch, "..")) {
        dp_log(DP_LOG_ERROR,
               "DP_PUBLISH_BRANCH: \"%s\" is not a branch name "
               "(letters, digits, '.', '_', '/', '-')",
               cfg->branch);
        return NULL;
    }
    if (cfg->dir && (strstr(cfg->dir, "..") || cfg->dir[0] == '/')) {
        dp_log(DP_LOG_ERROR,
               "DP_PUBLISH_DIR: \"%s\" is not a relative path "
               "inside the repository",
               cfg->dir);
        return NULL;
    }
    publisher_t *self = dp_calloc(1, sizeof *self);
    self->out_dir = dp_strdup(cfg->out_dir);
    self->repo = dp_strdup(cfg->repo);
    self->branch = dp_strdup(cfg->branch);
    self->dir = dp_strdup(cfg->dir ? cfg->dir : "");
    self->work_dir = dp_strdup(cfg->work_dir);
    self->git = dp_strdup(cfg->git && cfg->git[0] ? cfg->git : "git");
    self->push_tries = cfg->push_tries;
    self->git_timeout_ms =
        cfg->git_timeout_s > 0 ? cfg->git_timeout_s * 1000L : 120000L;
    char err[256];
    self->env = s_env_new(cfg, err, sizeof err);
    if (!self->env) {
        dp_log(DP_LOG_ERROR, "%s", err);
        goto fail;
    }
    dp_sink_t sink = {"publisher", s_deliver, self};
    self->consumer = dp_consumer_new(&cfg->consumer, &sink, 1);
    if (!self->consumer)
        goto fail;
    dp_log(DP_LOG_INFO, "publishing to branch %s of %s%s", self->branch,
           self->repo,
           cfg->token && cfg->token[0]                 ? " (token)"
           : cfg->ssh_key_file && cfg->ssh_key_file[0] ? " (deploy key)"
                                                       : "");
    return self;
fail:
    publisher_destroy(&self);
    return NULL;
}

dp_consumer_t *publisher_consumer(publisher_t *self)
{
    assert(self);
    return self->consumer;
}

void publisher_destroy(publisher_t **self_p)
{
    assert(self_p);
    publisher_t *self = *self_p;
    if (!self)
        return;
    dp_consumer_destroy(&self->consumer);
    s_env_free(self->env);
    dp_free(self->out_dir);
    dp_free(self->repo);
    dp_free(self->branch);
    dp_free(self->dir);
    dp_free(self->work_dir);
    dp_free(self->git);
    dp_free(self);
    *self_p = NULL;
}
