/* dp_metrics.c - counters, gauges and health of a service, for /metrics and
 * /healthz */
/* SPDX-License-Identifier: MIT */
#include "dp_metrics.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dp_mem.h"

#define DP_METRICS_SERVICE_MAX 32

/* What the map says of a metric. */
typedef struct {
    const char *name;  /* "devpulse_..." */
    const char *kind;  /* "counter" or "gauge" */
    const char *label; /* its own label, or NULL */
    long long scale;   /* shown value = kept value / scale */
    const char *help;  /* one line */
} s_def_t;

static const s_def_t s_defs[DP_M_COUNT] = {
#define DP_METRIC_DEF(id, kind, name, label, scale, help)                      \
    {name, #kind, label, scale, help},
    DP_METRICS_MAP(DP_METRIC_DEF)
#undef DP_METRIC_DEF
};

/* One series of a labelled metric. Written once under s_lock before it is
 * published through s_nseries; only its value changes afterwards. */
typedef struct {
    dp_metric_t metric;
    char label[DP_METRICS_LABEL_MAX]; /* the value of its label */
    atomic_llong value;
} s_series_t;

static char s_service[DP_METRICS_SERVICE_MAX] = "devpulse";
static atomic_llong s_plain[DP_M_COUNT]; /* metrics without a label */
static s_series_t s_series[DP_METRICS_SERIES_MAX];
static atomic_size_t s_nseries;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

/* Health: monotonic ms of the last tick (0 for none), and the last Redis
 * outcome (0 none yet, 1 reached, -1 failed) with when it failed. */
static atomic_llong s_tick_ms;
static atomic_int s_redis_state;
static atomic_llong s_redis_failed_ms;

void dp_metrics_init(const char *service)
{
    assert(service);
    snprintf(s_service, sizeof s_service, "%s", service);
}

/* The series of m with label value label (cut as kept), or NULL. */
static s_series_t *s_find(dp_metric_t m, const char *label, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_series[i].metric == m &&
            strncmp(s_series[i].label, label, DP_METRICS_LABEL_MAX - 1) == 0)
            return &s_series[i];
    return NULL;
}

/* The value of m's series for label: a new series when there is none and
 * room for it, else NULL. */
static atomic_llong *s_value(dp_metric_t m, const char *label)
{
    assert(m >= 0 && m < DP_M_COUNT);
    if (!s_defs[m].label)
        return &s_plain[m];
    if (!label)
        label = "";
    s_series_t *s = s_find(
        m, label, atomic_load_explicit(&s_nseries, memory_order_acquire));
    if (s)
        return &s->value;
    pthread_mutex_lock(&s_lock);
    size_t n = atomic_load_explicit(&s_nseries, memory_order_relaxed);
    s = s_find(m, label, n);
    if (!s && n < DP_METRICS_SERIES_MAX) {
        s = &s_series[n];
        s->metric = m;
        snprintf(s->label, sizeof s->label, "%s", label);
        atomic_init(&s->value, 0);
        atomic_store_explicit(&s_nseries, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&s_lock);
    return s ? &s->value : NULL;
}

void dp_metrics_add(dp_metric_t m, const char *label, long long n)
{
    atomic_llong *v = s_value(m, label);
    if (v)
        atomic_fetch_add_explicit(v, n, memory_order_relaxed);
}

void dp_metrics_set(dp_metric_t m, const char *label, long long v)
{
    atomic_llong *p = s_value(m, label);
    if (p)
        atomic_store_explicit(p, v, memory_order_relaxed);
}

long long dp_metrics_get(dp_metric_t m, const char *label)
{
    assert(m >= 0 && m < DP_M_COUNT);
    if (!s_defs[m].label)
        return atomic_load_explicit(&s_plain[m], memory_order_relaxed);
    s_series_t *s =
        s_find(m, label ? label : "",
               atomic_load_explicit(&s_nseries, memory_order_acquire));
    return s ? atomic_load_explicit(&s->value, memory_order_relaxed) : 0;
}

/* ==== Exposition ==== */

/* Escapes text into buf: backslash and newline, and the double quote when
 * quote is true (label values; HELP text leaves it). */
static const char *s_escape(const char *text, bool quote, char *buf,
                            size_t size)
{
    assert(text && buf && size > 0);
    size_t pos = 0;
    for (const char *p = text; *p; p++) {
        const char *rep = NULL;
        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '\n')
            rep = "\\n";
        else if (*p == '"' && quote)
            rep = "\\\"";
        size_t len = rep ? 2 : 1;
        if (pos + len >= size)
            break;
        if (rep)
            memcpy(buf + pos, rep, 2);
        else
            buf[pos] = *p;
        pos += len;
    }
    buf[pos] = '\0';
    return buf;
}

const char *dp_metrics_escape(const char *value, char *buf, size_t size)
{
    return s_escape(value, true, buf, size);
}

/* Appends one sample line of metric m. */
static void s_sample(dp_buf_t *out, dp_metric_t m, const char *label,
                     long long v)
{
    const s_def_t *d = &s_defs[m];
    char service[2 * DP_METRICS_SERVICE_MAX], value[2 * DP_METRICS_LABEL_MAX];
    dp_buf_printf(out, "%s{service=\"%s\"", d->name,
                  dp_metrics_escape(s_service, service, sizeof service));
    if (d->label)
        dp_buf_printf(out, ",%s=\"%s\"", d->label,
                      dp_metrics_escape(label, value, sizeof value));
    if (d->scale == 1)
        dp_buf_printf(out, "} %lld\n", v);
    else
        dp_buf_printf(out, "} %.6f\n", (double)v / (double)d->scale);
}

char *dp_metrics_text(void)
{
    dp_buf_t out = DP_BUF_INIT;
    size_t n = atomic_load_explicit(&s_nseries, memory_order_acquire);
    for (int m = 0; m < DP_M_COUNT; m++) {
        const s_def_t *d = &s_defs[m];
        char help[512];
        dp_buf_printf(&out, "# HELP %s %s\n", d->name,
                      s_escape(d->help, false, help, sizeof help));
        dp_buf_printf(&out, "# TYPE %s %s\n", d->name, d->kind);
        if (!d->label) {
            s_sample(&out, (dp_metric_t)m, NULL,
                     atomic_load_explicit(&s_plain[m], memory_order_relaxed));
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (s_series[i].metric == (dp_metric_t)m)
                s_sample(&out, (dp_metric_t)m, s_series[i].label,
                         atomic_load_explicit(&s_series[i].value,
                                              memory_order_relaxed));
    }
    return dp_buf_take(&out);
}

/* ==== Time spent ==== */

static long long s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long s_now_ms(void)
{
    return s_now_us() / 1000;
}

static long long s_busy_since_us; /* 0 when not handling a message */

void dp_metrics_busy(void)
{
    if (s_busy_since_us == 0)
        s_busy_since_us = s_now_us();
}

void dp_metrics_idle(void)
{
    if (s_busy_since_us == 0)
        return;
    dp_metrics_add(DP_M_BUSY_US, NULL, s_now_us() - s_busy_since_us);
    s_busy_since_us = 0;
}

/* ==== Health ==== */

void dp_metrics_tick(void)
{
    atomic_store_explicit(&s_tick_ms, s_now_ms(), memory_order_relaxed);
}

void dp_metrics_redis(bool ok)
{
    if (!ok) {
        dp_metrics_add(DP_M_REDIS_ERRORS, NULL, 1);
        if (atomic_exchange(&s_redis_state, -1) != -1)
            atomic_store(&s_redis_failed_ms, s_now_ms());
    } else if (atomic_load_explicit(&s_redis_state, memory_order_relaxed) !=
               1) {
        atomic_store(&s_redis_state, 1);
    }
}

bool dp_metrics_healthy(char *reason, size_t size)
{
    assert(reason && size > 0);
    long long now = s_now_ms();
    long long tick = atomic_load_explicit(&s_tick_ms, memory_order_relaxed);
    if (tick == 0) {
        snprintf(reason, size, "main loop not started");
        return false;
    }
    if (now - tick > DP_METRICS_STALE_MS) {
        snprintf(reason, size, "main loop last ticked %lld s ago",
                 (now - tick) / 1000);
        return false;
    }
    if (atomic_load(&s_redis_state) < 0) {
        snprintf(reason, size, "redis unreachable for %lld s",
                 (now - atomic_load(&s_redis_failed_ms)) / 1000);
        return false;
    }
    reason[0] = '\0';
    return true;
}
