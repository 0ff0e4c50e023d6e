/* backfill.c - the windows a backfill asks for, and how far it got */
/* SPDX-License-Identifier: MIT */
#include "backfill.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"

#define BACKFILL_TTY_MS 250   /* a terminal line is redrawn this often */
#define BACKFILL_LOG_MS 5000  /* a log line this often at most... */
#define BACKFILL_LOG_EVERY 50 /* ...or after this many windows */

/* A planned window and the place of its repository in the watch. */
typedef struct {
    stack_window_t w;
    size_t repo;
} s_entry_t;

static int s_order(const void *pa, const void *pb)
{
    const s_entry_t *a = pa, *b = pb;
    if (a->w.to != b->w.to)
        return a->w.to < b->w.to ? -1 : 1;
    int64_t la = a->w.to - a->w.from, lb = b->w.to - b->w.from;
    if (la != lb)
        return la < lb ? -1 : 1;
    return a->repo < b->repo ? -1 : a->repo > b->repo;
}

int backfill_plan(const dp_watch_t *watch, int64_t from, int64_t to,
                  int64_t now, backfill_plan_t *plan, char *err, size_t errlen)
{
    assert(watch && plan && err);
    memset(plan, 0, sizeof *plan);
    if (watch->orgs.count > 0) {
        snprintf(err, errlen,
                 "organization %s: backfill asks for repositories only; "
                 "list them as OWNER/REPO in the configuration",
                 watch->orgs.items[0]);
        return DP_ECONFIG;
    }
    int64_t end = to < now ? to : now;
    dp_span_t *spans = dp_calloc(BACKFILL_MAX_WINDOWS + 1, sizeof *spans);
    s_entry_t *all = NULL;
    size_t n = 0;
    int rc = 0;
    for (size_t k = 0; k < watch->nkinds && rc == 0; k++) {
        int got = dp_window_list(from, end, watch->kinds[k], watch->zone,
                                 BACKFILL_MAX_WINDOWS + 1, spans);
        if (got < 0) {
            snprintf(err, errlen, "timezone: unknown zone \"%s\"", watch->zone);
            rc = DP_ECONFIG;
            break;
        }
        size_t add = (size_t)got * watch->repos.count;
        if (n + add > BACKFILL_MAX_WINDOWS) {
            snprintf(err, errlen,
                     "the range holds more than %d windows; backfill it in "
                     "parts",
                     BACKFILL_MAX_WINDOWS);
            rc = DP_EINVAL;
            break;
        }
        all = dp_realloc(all, (n + add ? n + add : 1) * sizeof *all);
        for (size_t r = 0; r < watch->repos.count; r++) {
            const char *name = watch->names.items[r];
            for (int i = 0; i < got; i++) {
                s_entry_t *e = &all[n++];
                e->repo = r;
                e->w = (stack_window_t){
                    watch->repos.items[r], spans[i].from, spans[i].to,
                    watch->zone,           watch->lang,   *name ? name : NULL};
            }
        }
    }
    dp_free(spans);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "no complete %s window lies inside the range%s",
                 watch->nkinds == 1 ? dp_window_kind_name(watch->kinds[0])
                                    : "configured",
                 to > now ? " and has ended" : "");
        rc = DP_EINVAL;
    }
    if (rc < 0) {
        dp_free(all);
        return rc;
    }
    qsort(all, n, sizeof *all, s_order);
    plan->items = dp_calloc(n, sizeof *plan->items);
    for (size_t i = 0; i < n; i++)
        plan->items[i] = all[i].w;
    plan->count = n;
    dp_free(all);
    return 0;
}

void backfill_plan_clear(backfill_plan_t *plan)
{
    assert(plan);
    dp_free(plan->items);
    memset(plan, 0, sizeof *plan);
}

/* ==== Progress ==== */

void backfill_progress_start(backfill_progress_t *p, size_t total, bool tty,
                             long long now_ms)
{
    assert(p);
    memset(p, 0, sizeof *p);
    p->total = total;
    p->tty = tty;
    p->started_ms = p->shown_ms = now_ms;
}

void backfill_progress_text(const backfill_progress_t *p, long long now_ms,
                            char *buf, size_t size)
{
    assert(p && buf);
    double secs = (double)(now_ms - p->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)p->done / secs : 0.0;
    size_t left = p->total - p->done;
    int n =
        snprintf(buf, size, "windows %zu/%zu, %.1f/s", p->done, p->total, rate);
    if (n < 0 || (size_t)n >= size)
        return;
    if (left == 0)
        n += snprintf(buf + n, size - (size_t)n, ", done in %.0f s", secs);
    else if (rate > 0)
        n += snprintf(buf + n, size - (size_t)n, ", %.0f s left",
                      (double)left / rate + 0.5);
    else
        n += snprintf(buf + n, size - (size_t)n, ", time left unknown");
    if (p->failed && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ", %zu failed", p->failed);
}

void backfill_progress_show(backfill_progress_t *p, FILE *out, long long now_ms,
                            bool final)
{
    assert(p && out);
    long long since = now_ms - p->shown_ms;
    bool due = p->tty ? since >= BACKFILL_TTY_MS
                      : since >= BACKFILL_LOG_MS ||
                            p->done - p->shown_done >= BACKFILL_LOG_EVERY;
    if (!final && !due)
        return;
    char text[160];
    backfill_progress_text(p, now_ms, text, sizeof text);
    if (p->tty)
        fprintf(out, "\r\033[K%s%s", text, final ? "\n" : "");
    else
        fprintf(out, "devpulse backfill: %s\n", text);
    fflush(out);
    p->shown_ms = now_ms;
    p->shown_done = p->done;
}
