/* dp_consumer.h - a consumer of the renderers' REPORT taps: each report
 * delivered once to each of its sinks */
/* SPDX-License-Identifier: MIT */
#ifndef DP_CONSUMER_H
#define DP_CONSUMER_H

/*
 * What the notifier and the publisher share. A consumer SUB-connects to
 * the report taps of the renderers, keeps the REPORT messages whose
 * subject is, whole, "report.OWNER/REPO" of a configured repository (ZeroMQ
 * matches subscriptions by prefix: "report.o/vllm" also receives
 * "report.o/vllm-ascend", which is dropped here), and hands each to every
 * sink (a webhook, a git repository) at most once per window, revision and
 * sink, and at least once while it runs:
 *
 *   claim      SET NX of the ledger's delivery marker, with a lifetime
 *              (dp_ledger_claim): a report received twice, by two replicas
 *              or after a restart, is delivered by one of them only;
 *   deliver    the sink's callback; a failure it calls passing (5xx, 429,
 *              a timeout) is tried again after a backoff that doubles (or
 *              the wait the sink names, retry-after), up to a bound of
 *              tries, the claim renewed meanwhile;
 *   settle     "done" after success, "failed" after a final refusal (or
 *              the last try): the same report is not delivered again.
 *
 * Reports published while no consumer listened are not lost: the
 * renderer also logs each REPORT in the ledger's reports stream
 * (dp_ledger_log_report), and a consumer reads it: on start from
 * catchup_s seconds back, then what is new every catchup_poll_ms, and
 * every claim_s the last catchup_s again. What it delivered already is
 * skipped by its marker; a claim left by a consumer that died expires, and
 * the next sweep delivers that report. A stop drops the claims of the
 * reports still waiting for a retry, for the same reason.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "dp_err.h"
#include "dp_proto.h"

typedef struct dp_consumer_t dp_consumer_t;

/* A sink's callback: delivers one report. Returns 0 when it was
 * delivered; DP_EAGAIN when it may succeed later (*retry_s, when set
 * above 0, is how long to wait: a retry-after); any other code when it is
 * refused for good (logged by the sink). */
typedef int (*dp_sink_fn)(void *arg, const dp_report_t *report, long *retry_s);

typedef struct {
    const char *name;   /* marker name, "notifier.slack"; borrowed */
    dp_sink_fn deliver; /* required */
    void *arg;          /* passed to deliver */
} dp_sink_t;

typedef struct {
    const char *reports;   /* SUB endpoints (">tcp://127.0.0.1:7401") */
    const char *repos;     /* "o/a,o/b": only these; "" or "*": every one */
    const char *redis_url; /* the ledger's Redis */
    long claim_s;          /* lifetime of a claim, > the longest delivery */
    long tries;            /* deliveries tried per report and sink, >= 1 */
    long backoff_ms;       /* first wait before a retry, then doubled */
    long backoff_max_ms;   /* longest wait (a retry-after included) */
    long max_frame;        /* largest frame accepted */
    long catchup_s;        /* reports log read back this far; 0: not read */
    long catchup_poll_ms;  /* how often the log is read for what is new */
} dp_consumer_cfg_t;

/* Creates a consumer of n sinks (copied; their names and args are
 * borrowed and must outlive it): opens the Redis store, the bus and the
 * SUB socket, and subscribes. NULL on failure (logged). */
dp_consumer_t *dp_consumer_new(const dp_consumer_cfg_t *cfg,
                               const dp_sink_t *sinks, size_t n);

/* Waits at most timeout_ms for a message, handles it, and runs the
 * retries that are due. Returns 0, or DP_EBUS when the socket failed. */
DP_NODISCARD int dp_consumer_step(dp_consumer_t *self, int timeout_ms);

/* Steps until a stop (SIGINT, SIGTERM). Returns 0 or DP_EBUS. */
DP_NODISCARD int dp_consumer_run(dp_consumer_t *self);

/* Drops the claims of the reports waiting for a retry, closes everything
 * and frees the consumer. Idempotent. */
void dp_consumer_destroy(dp_consumer_t **self_p);

/* Counts, for tests and logs. */
typedef struct {
    long received;  /* REPORT messages of a configured repository */
    long ignored;   /* other subjects, or a subject and repo at odds */
    long refused;   /* frames that did not decode */
    long delivered; /* deliveries settled "done" */
    long failed;    /* deliveries settled "failed" */
    long skipped;   /* deliveries claimed or settled already */
    long retries;   /* deliveries tried again */
    long logged;    /* reports read from the reports log */
    size_t queued;  /* deliveries waiting for a retry now */
} dp_consumer_stats_t;

/* The counts so far. */
dp_consumer_stats_t dp_consumer_stats(const dp_consumer_t *self);

/* True when subject is "report." followed by exactly one of the
 * repositories of the comma-separated list repos (every valid repository
 * when repos is "" or "*"). */
bool dp_consumer_subject_match(const char *subject, const char *repos);

/* ==== Configuration shared by the consumers ==== */

/* Where the options of DP_CONSUMER_NOPTS point. */
typedef struct {
    char *reports, *repos, *redis_url, *log_level;
    char *http; /* the health and metrics endpoint (DP_HTTP) */
    long claim_s, tries, backoff_ms, backoff_max_ms, max_frame;
    long catchup_s, catchup_poll_ms;
} dp_consumer_opts_t;

#define DP_CONSUMER_NOPTS 12

/* Fills opts[0 .. DP_CONSUMER_NOPTS - 1] with the options every consumer
 * takes, for dp_config_load, targeting o: for svc "notifier", the keys
 * notifier_reports, notifier_repos, claim_s, ... and the environment
 * DP_NOTIFIER_REPORTS, DP_NOTIFIER_REPOS, REDIS_URL, DP_LOG_LEVEL,
 * DP_NOTIFIER_CLAIM_S, DP_NOTIFIER_TRIES, DP_NOTIFIER_BACKOFF_MS,
 * DP_NOTIFIER_BACKOFF_MAX_MS, DP_MAX_FRAME, DP_NOTIFIER_CATCHUP_S,
 * DP_NOTIFIER_CATCHUP_POLL_MS, DP_HTTP. The names are allocated once
 * per process and stay. */
void dp_consumer_options(dp_opt_t *opts, dp_consumer_opts_t *o,
                         const char *svc);

/* The consumer configuration of loaded options (strings borrowed). */
dp_consumer_cfg_t dp_consumer_cfg(const dp_consumer_opts_t *o);

/* The path of a file the renderer wrote, relative to its output
 * directory out_dir: both are resolved (realpath), and a path that is not
 * a regular file below out_dir (a forged or stale REPORT naming
 * /etc/passwd, a "..", a symbolic link out of it) gives NULL. The caller
 * frees the result. */
char *dp_consumer_relpath(const char *out_dir, const char *path);

#endif
