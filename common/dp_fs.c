/* dp_fs.c - small file system helpers */
/* SPDX-License-Identifier: MIT */
#include "dp_fs.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dp_mem.h"

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
