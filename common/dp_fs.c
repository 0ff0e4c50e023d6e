/* dp_fs.c - small file system helpers */
/* SPDX-License-Identifier: MIT */
#include "dp_fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dp_mem.h"

int dp_fs_mkdirs(const char *dir, mode_t mode, char *err, size_t errlen)
{
    char *copy = dp_strdup(dir);
    int rc = 0;
    /* Each parent in turn, then the directory itself. */
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(copy, mode) != 0 && errno != EEXIST) {
            if (err && errlen)
                snprintf(err, errlen, "%s: %s", copy, strerror(errno));
            rc = DP_EIO;
        }
        *p = c;
        if (rc < 0 || c == '\0')
            break;
    }
    dp_free(copy);
    return rc;
}
