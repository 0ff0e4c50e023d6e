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

/* As dp_fs_write_atomic, without the two fsyncs: the replacement is as
 * atomic (a reader, or a process killed at any point, finds the old bytes
 * or the new, never a mix), but it is durable against a power loss only
 * once dp_fs_sync(path) has returned. For a writer that answers first and
 * syncs right after, off the latency of its answer. */
DP_NODISCARD int dp_fs_write_atomic_nosync(const char *path, const void *data,
                                           size_t len, bool *changed, char *err,
                                           size_t errlen);

/* Makes path durable: fsync of the file, then of its directory (best
 * effort there, as some file systems refuse). Returns 0, or DP_EIO when the
 * file cannot be opened or synced. */
DP_NODISCARD int dp_fs_sync(const char *path);

/* A thread that syncs files (dp_fs_sync) in the order they were handed
 * to it, so a writer that renamed them into place goes on at once. */
/* Reads a secret file (a key file, a password file) into buf, at most
 * size - 1 bytes, NUL-terminated: path must name a regular file (not a
 * symbolic link) whose mode has none of the bits of forbid (077: nobody
 * but its owner; 007: its owner and group), owned by this user when own is
 * set. what names the file in err ("key file", "REDIS_PASSWORD_FILE").
 * Returns the bytes read, or DP_ECONFIG with err. The caller wipes buf. */
DP_NODISCARD ssize_t dp_fs_read_secret(const char *path, const char *what,
                                       mode_t forbid, bool own, char *buf,
                                       size_t size, char *err, size_t errlen);

typedef struct dp_fs_syncer_t dp_fs_syncer_t;

/* Starts the thread. NULL when it cannot start (logged): the caller then
 * syncs in line. */
dp_fs_syncer_t *dp_fs_syncer_new(void);

/* Queues path (copied) for a sync. When DP_FS_SYNC_QUEUE paths wait
 * already, waits for room first: a disk slower than the writer slows the
 * writer instead of growing the queue. */
void dp_fs_syncer_add(dp_fs_syncer_t *self, const char *path);

/* Syncs everything queued, stops the thread and frees it. Idempotent. */
void dp_fs_syncer_destroy(dp_fs_syncer_t **self_p);

#define DP_FS_SYNC_QUEUE 1024

#endif
