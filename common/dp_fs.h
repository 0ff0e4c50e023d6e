/* dp_fs.h - small file system helpers */
/* SPDX-License-Identifier: MIT */
#ifndef DP_FS_H
#define DP_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dp_err.h"

/* Creates dir and its missing parents with mode, like mkdir -p: "/", "//",
 * repeated and trailing slashes are taken as mkdir -p takes them. Returns 0
 * when dir is a directory afterwards; DP_EINVAL for an empty dir, with
 * "\"\": an empty path names no directory" in err; or DP_EIO with "<the
 * directory that failed>: <reason>" in err (a path too long, a component
 * that is a file, no permission). err may be NULL. */
DP_NODISCARD int dp_fs_mkdirs(const char *dir, mode_t mode, char *err,
                              size_t errlen);

#define DP_FS_DIR_MODE 0755  /* directories dp_fs_write_atomic makes */
#define DP_FS_FILE_MODE 0644 /* files it writes */

/* Writes len bytes to path atomically: into a temporary file in the same
 * directory, fsync, rename over path, then fsync the directory. Missing
 * directories are created (DP_FS_DIR_MODE); the file gets DP_FS_FILE_MODE.
 * When path already holds exactly these bytes it is left untouched (same
 * inode, same mtime). *changed, when not NULL, tells whether the file was
 * (re)written. Returns 0, or DP_EIO with "<path>: <errno text>" in err and
 * no temporary file left. */
DP_NODISCARD int dp_fs_write_atomic(const char *path, const void *data,
                                    size_t len, bool *changed, char *err,
                                    size_t errlen);

#endif
