/* dp_fs.c - small file system helpers */
/* SPDX-License-Identifier: MIT */
#include "dp_fs.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
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

int dp_fs_write_atomic(const char *path, const void *data, size_t len,
                       bool *changed, char *err, size_t errlen)
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
    if (!slash)
        dir = dp_strdup(".");
    else
        dir = dp_strndup(path, slash == path ? 1 : (size_t)(slash - path));
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
        fsync(fd) < 0) {
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
