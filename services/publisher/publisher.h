/* publisher.h - commits each new report and revision into a git repository */
/* SPDX-License-Identifier: MIT */
#ifndef PUBLISHER_H
#define PUBLISHER_H

/*
 * dp-publisher consumes the renderers' REPORT taps (dp_consumer.h) and
 * commits the files of each window and revision (the Markdown, HTML, JSON
 * and item files the renderer wrote, read from its output directory) into
 * a git repository of the user's choosing, one commit per window and
 * revision, with a fixed author:
 *
 *   work tree   a clone of its own in work_dir (made on first use);
 *   commit      fetch the branch, check out its tip, copy the files under
 *               dir/<path below the output directory>, commit;
 *   push        HEAD to the branch; when it is refused (another writer
 *               pushed first), fetch, rebase the commit onto the new tip
 *               and push again, up to push_tries pushes (a rebase that
 *               conflicts is dropped and the commit made anew on the tip).
 *
 * git runs as a child (posix_spawn, argument arrays, no shell), with
 * GIT_TERMINAL_PROMPT=0, killed when it outlasts git_timeout_s or a stop
 * comes. A deploy key is given through GIT_SSH_COMMAND
 * (-i KEY, IdentitiesOnly, the known_hosts file named, strict host key
 * checking); a token through a credential helper set in git's environment
 * (GIT_CONFIG_COUNT) that prints $DP_PUBLISH_TOKEN from the environment:
 * the token is never in an argument list, a URL or a log. A file the
 * REPORT names outside the output directory is not copied.
 */

#include <stdbool.h>

#include "dp_consumer.h"

typedef struct publisher_t publisher_t;

typedef struct {
    dp_consumer_cfg_t consumer; /* taps, repositories, Redis, retries */
    const char *out_dir;        /* the renderer's output directory */
    const char *repo;           /* git URL or path to push to */
    const char *branch;         /* branch to commit on */
    const char *dir;            /* directory inside the repository, or "" */
    const char *work_dir;       /* the publisher's clone */
    const char *author_name;    /* author and committer */
    const char *author_email;
    const char *ssh_key_file; /* deploy key, or NULL */
    const char *known_hosts;  /* its known_hosts file, or NULL */
    const char *token;        /* HTTPS token, or NULL (secret) */
    const char *git;          /* git executable ("git": found in PATH) */
    long push_tries;          /* pushes per delivery, >= 1 */
    long git_timeout_s;       /* one git command, at most (0: 120) */
} publisher_cfg_t;

/* Creates a publisher. NULL on failure (logged). */
publisher_t *publisher_new(const publisher_cfg_t *cfg);

/* Its consumer, to step, run and count (dp_consumer.h). Borrowed. */
dp_consumer_t *publisher_consumer(publisher_t *self);

/* Frees the publisher. Idempotent. */
void publisher_destroy(publisher_t **self_p);

#endif
