/* dp_fs.h - small file system helpers */
/* SPDX-License-Identifier: MIT */
#ifndef DP_FS_H
#define DP_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "dp_err.h"

/* Creates dir and its missing parents with mode, like mkdir -p. Returns 0,
 * or DP_EIO with "<the directory that failed>: <reason>" in err (which may
 * be NULL). */
DP_NODISCARD int dp_fs_mkdirs(const char *dir, mode_t mode, char *err,
                              size_t errlen);

#endif
