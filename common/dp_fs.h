/* dp_fs.h - small file system helpers */
/* SPDX-License-Identifier: MIT */
#ifndef DP_FS_H
#define DP_FS_H

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

#endif
