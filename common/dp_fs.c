/* dp_fs.c - small file system helpers */
/* SPDX-License-Identifier: MIT */
#include "dp_fs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp_log.h"
#include "dp_mem.h"

#define DP_FS_READ_CHUNK 65536 /* bytes read at once to compare a file */

/* Writes "<path>: <reason>" into err (which may be NULL). */
static void s_fail(char *err, size_t errlen, const char *path,
                   const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, reason);
}

int dp_fs_mkdirs(const char *dir, mode_t mode, char *err, size_t errlen)
{
    assert(dir);
    if (!*dir) {
        s_fail(err, errlen, "\"\"", "an empty path names no directory");
        return DP_EINVAL;
    }
    char *copy = dp_strdup(dir);
    int rc = 0;
    /* Each parent in turn, then the directory itself. The first byte is
     * skipped: a leading '/' is the root, which exists. */
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(copy, mode) != 0 && errno != EEXIST) {
            s_fail(err, errlen, copy, strerror(errno));
            rc = DP_EIO;
        }
        *p = c;
        if (rc < 0 || c == '\0')
            break;
    }
    /* EEXIST also comes for a file of that name: only a directory will do. */
    struct stat st;
    if (rc == 0 && stat(copy, &st) != 0) {
        s_fail(err, errlen, copy, strerror(errno));
        rc = DP_EIO;
    } else if (rc == 0 && !S_ISDIR(st.st_mode)) {
        s_fail(err, errlen, copy, strerror(ENOTDIR));
        rc = DP_EIO;
    }
    dp_free(copy);
    return rc;
}

/* ==== Atomic writes ==== */

static int s_io_fail(char *err, size_t errlen, const char *path, int e)
{
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return DP_EIO;
}

/* True when path is a regular file holding exactly len bytes of data. */
static bool s_same(const char *path, const void *data, size_t len)
{
    bool same = false;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size != (uint64_t)len)
        goto out;
    buf = dp_malloc(DP_FS_READ_CHUNK);
    size_t off = 0;
    for (;;) {
        ssize_t n = read(fd, buf, DP_FS_READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        if ((size_t)n > len - off ||
            memcmp((const char *)data + off, buf, (size_t)n) != 0)
            goto out;
        off += (size_t)n;
    }
    same = off == len;
out:
    dp_free(buf);
    close(fd);
    return same;
}

static int s_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes a rename in dir durable. Best effort: some file systems refuse. */
static void s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fsync(fd) < 0)
        dp_log(DP_LOG_DEBUG, "fsync %s: %s", dir, strerror(errno));
    close(fd);
}

/* The directory part of path ("." when it has none); the caller frees it. */
static char *s_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return dp_strdup(".");
    return dp_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static int s_write_atomic(const char *path, const void *data, size_t len,
                          bool sync, bool *changed, char *err, size_t errlen)
{
    assert(path && (data || len == 0));
    int rc = DP_EIO, fd = -1;
    char *dir = NULL, *tmp = NULL;
    if (changed)
        *changed = false;
    if (!data)
        data = "";
    if (s_same(path, data, len))
        return 0;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        rc = s_io_fail(err, errlen, path, EISDIR);
        goto out;
    }
    dir = s_dir_of(path);
    rc = dp_fs_mkdirs(dir, DP_FS_DIR_MODE, err, errlen);
    if (rc < 0)
        goto out;
    rc = DP_EIO;
    tmp = dp_asprintf("%s/.%s.XXXXXX", dir, base);
    fd = mkstemp(tmp);
    if (fd < 0) {
        s_io_fail(err, errlen, path, errno);
        dp_free(tmp);
        tmp = NULL;
        goto out;
    }
    if (fchmod(fd, DP_FS_FILE_MODE) < 0 || s_write_all(fd, data, len) < 0 ||
        (sync && fsync(fd) < 0)) {
        s_io_fail(err, errlen, path, errno);
        goto out;
    }
    int closed = close(fd);
    fd = -1;
    if (closed < 0 || rename(tmp, path) < 0) {
        s_io_fail(err, errlen, path, errno);
        goto out;
    }
    dp_free(tmp);
    tmp = NULL;
    if (sync)
        s_sync_dir(dir);
    if (changed)
        *changed = true;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        dp_free(tmp);
    }
    dp_free(dir);
    return rc;
}

int dp_fs_write_atomic(const char *path, const void *data, size_t len,
                       bool *changed, char *err, size_t errlen)
{
    return s_write_atomic(path, data, len, true, changed, err, errlen);
}

int dp_fs_write_atomic_nosync(const char *path, const void *data, size_t len,
                              bool *changed, char *err, size_t errlen)
{
    return s_write_atomic(path, data, len, false, changed, err, errlen);
}

int dp_fs_sync(const char *path)
{
    assert(path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return DP_EIO;
    int rc = fsync(fd) == 0 ? 0 : DP_EIO;
    close(fd);
    char *dir = s_dir_of(path);
    s_sync_dir(dir);
    dp_free(dir);
    return rc;
}

/* ==== Syncing off the writer's path ==== */

struct dp_fs_syncer_t {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a path queued, or the stop */
    pthread_cond_t room; /* the queue has room */
    char *queue[DP_FS_SYNC_QUEUE];
    size_t head, count; /* a ring */
    bool stop;
};

static void *s_syncer_main(void *arg)
{
    dp_fs_syncer_t *self = arg;
    pthread_mutex_lock(&self->lock);
    for (;;) {
        while (self->count == 0 && !self->stop)
            pthread_cond_wait(&self->wake, &self->lock);
        if (self->count == 0)
            break; /* stopped, and nothing left */
        char *path = self->queue[self->head];
        self->head = (self->head + 1) % DP_FS_SYNC_QUEUE;
        self->count--;
        pthread_cond_signal(&self->room);
        pthread_mutex_unlock(&self->lock);
        if (dp_fs_sync(path) < 0)
            dp_log(DP_LOG_WARN, "cannot sync %s", path);
        dp_free(path);
        pthread_mutex_lock(&self->lock);
    }
    pthread_mutex_unlock(&self->lock);
    return NULL;
}

dp_fs_syncer_t *dp_fs_syncer_new(void)
{
    dp_fs_syncer_t *self = dp_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    pthread_cond_init(&self->room, NULL);
    if (pthread_create(&self->thread, NULL, s_syncer_main, self) != 0) {
        dp_log(DP_LOG_WARN, "cannot start the sync thread; syncing in line");
        pthread_cond_destroy(&self->room);
        pthread_cond_destroy(&self->wake);
        pthread_mutex_destroy(&self->lock);
        dp_free(self);
        return NULL;
    }
    return self;
}

void dp_fs_syncer_add(dp_fs_syncer_t *self, const char *path)
{
    assert(self && path);
    char *copy = dp_strdup(path);
    pthread_mutex_lock(&self->lock);
    while (self->count == DP_FS_SYNC_QUEUE)
        pthread_cond_wait(&self->room, &self->lock);
    self->queue[(self->head + self->count) % DP_FS_SYNC_QUEUE] = copy;
    self->count++;
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
}

void dp_fs_syncer_destroy(dp_fs_syncer_t **self_p)
{
    assert(self_p);
    dp_fs_syncer_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock(&self->lock);
    self->stop = true;
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->thread, NULL); /* it drains the queue first */
    pthread_cond_destroy(&self->room);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    dp_free(self);
    *self_p = NULL;
}

ssize_t dp_fs_read_secret(const char *path, const char *what, mode_t forbid,
                          bool own, char *buf, size_t size, char *err,
                          size_t errlen)
{
    assert(path && what && buf && size > 0);
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        return DP_ECONFIG;
    }
    ssize_t n = DP_ECONFIG;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s %s: not a regular file", what, path);
    } else if ((own && st.st_uid != geteuid()) || (st.st_mode & forbid)) {
        snprintf(err, errlen,
                 "%s %s: others may read it (mode %03o); it must belong to "
                 "this user with mode 0%03o",
                 what, path, (unsigned)(st.st_mode & 0777),
                 (unsigned)(0666 & ~forbid & 0777));
    } else if ((n = read(fd, buf, size - 1)) < 0) {
        snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
        n = DP_ECONFIG;
    } else {
        buf[n] = '\0';
    }
    close(fd);
    return n;
}
