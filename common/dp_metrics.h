/* dp_metrics.h - counters, gauges and health of a service, for /metrics and
 * /healthz */
/* SPDX-License-Identifier: MIT */
#ifndef DP_METRICS_H
#define DP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_err.h"

/* Every metric of devpulse, defined once: XX(ID, kind, name, label, scale,
 * help). kind is counter or gauge; label is the name of its one label
 * besides "service" (NULL for none); a value is kept as an integer and
 * shown divided by scale (seconds are kept in microseconds). */
#define DP_METRICS_MAP(XX)                                                     \
    XX(MSG_IN, counter, "devpulse_messages_received_total", "type", 1,         \
       "Bus messages received and decoded, by message type")                   \
    XX(MSG_OUT, counter, "devpulse_messages_sent_total", "type", 1,            \
       "Bus messages passed on down the pipeline, by message type")            \
    XX(BYTES_IN, counter, "devpulse_bus_received_bytes_total", NULL, 1,        \
       "Bytes of bus frames received")                                         \
    XX(BYTES_OUT, counter, "devpulse_bus_sent_bytes_total", NULL, 1,           \
       "Bytes of bus frames passed on down the pipeline")                      \
    XX(REFUSED, counter, "devpulse_frames_refused_total", "reason", 1,         \
       "Bus frames refused, by reason")                                        \
    XX(BUSY_US, counter, "devpulse_handling_seconds_total", NULL, 1000000,     \
       "Seconds spent handling received messages")                             \
    XX(WINDOWS, counter, "devpulse_windows_total", "state", 1,                 \
       "Windows that reached a state (requested, collected, summarized, "      \
       "rendered, failed)")                                                    \
    XX(REPLAYS, counter, "devpulse_replays_total", NULL, 1,                    \
       "Windows asked again by the watchdog")                                  \
    XX(GH_REQUESTS, counter, "devpulse_github_requests_total", "class", 1,     \
       "GitHub API requests, by status class (2xx..5xx, error)")               \
    XX(GH_NOT_MODIFIED, counter, "devpulse_github_not_modified_total", NULL,   \
       1, "GitHub API requests answered 304 Not Modified")                     \
    XX(GH_RETRIES, counter, "devpulse_github_retries_total", NULL, 1,          \
       "GitHub API requests retried")                                          \
    XX(GH_RATE_REMAINING, gauge, "devpulse_github_rate_limit_remaining",       \
       "token", 1,                                                             \
       "Requests left in the rate limit, by token identity (a hash)")          \
    XX(REDIS_ERRORS, counter, "devpulse_redis_errors_total", NULL, 1,          \
       "Redis round trips or connections that failed")

typedef enum {
#define DP_METRIC_ENUM(id, kind, name, label, scale, help) DP_M_##id,
    DP_METRICS_MAP(DP_METRIC_ENUM)
#undef DP_METRIC_ENUM
        DP_M_COUNT
} dp_metric_t;

/* Longest label value kept (longer ones are cut). */
#define DP_METRICS_LABEL_MAX 64

/* Series of labelled metrics at most (further ones are not counted). */
#define DP_METRICS_SERIES_MAX 256

/* A stale main loop: /healthz fails when it has not ticked this long. */
#define DP_METRICS_STALE_MS 30000

/* Sets the value of the "service" label of every series ("collector").
 * Copied. Call once, before the HTTP server starts. */
void dp_metrics_init(const char *service);

/* Adds n to the series of metric m with the value label of its label (NULL
 * for a metric without one). Lock-free once the series exists (C11
 * atomics); the first use of a label value registers it under a lock.
 * Thread-safe. */
void dp_metrics_add(dp_metric_t m, const char *label, long long n);

/* Sets a gauge. Thread-safe, as dp_metrics_add. */
void dp_metrics_set(dp_metric_t m, const char *label, long long v);

/* The value of a series as kept (before scale); 0 when it has none. */
long long dp_metrics_get(dp_metric_t m, const char *label);

/* The Prometheus text exposition (format 0.0.4) of every metric: HELP and
 * TYPE lines, then its series with the service label and its own, label
 * values escaped. The caller frees it. */
char *dp_metrics_text(void);

/* Escapes a label value for the exposition (backslash, double quote and
 * newline) into buf (size bytes, always terminated, cut when too small).
 * Returns buf. */
const char *dp_metrics_escape(const char *value, char *buf, size_t size);

/* Marks the start of handling a received message (the first mark since
 * the last dp_metrics_idle counts). Service thread only. */
void dp_metrics_busy(void);

/* Adds the time since dp_metrics_busy, if marked, to
 * devpulse_handling_seconds_total and clears the mark: called when the
 * service asks for its next message. Service thread only. */
void dp_metrics_idle(void);

/* ==== Health ==== */

/* Notes that the main loop of the service is alive (it waits for messages
 * or timers, or makes progress). Called by the bus, the sleeps and the
 * HTTP client, so services need not call it. */
void dp_metrics_tick(void);

/* Notes the outcome of a Redis round trip (or connection). */
void dp_metrics_redis(bool ok);

/* True when the service is healthy: its main loop ticked within
 * DP_METRICS_STALE_MS and its last Redis round trip succeeded (a service
 * that never used Redis counts as reaching it). Otherwise writes the
 * reason into reason (size bytes) and returns false. Thread-safe; never
 * blocks. */
bool dp_metrics_healthy(char *reason, size_t size);

#endif
