/* dp_ledger.h - a window's life in Redis: one module for its keys */
/* SPDX-License-Identifier: MIT */
#ifndef DP_LEDGER_H
#define DP_LEDGER_H

/*
 * Every key that belongs to a window of a repository is named here and
 * nowhere else, and each has one writer:
 *
 *   key (after DP_STORE_PREFIX)          writer      what it holds
 *   {repo}:w:FROM:TO:seen   set          collector   event ids already sent
 *   {repo}:w:FROM:TO:rev    string       collector   the report's revision
 *   {repo}:w:FROM:TO:ev     hash         summarizer  id -> CLASSIFIED frame
 *   {repo}:w:FROM:TO:meta   string       summarizer  the WINDOW frame
 *   {repo}:w:FROM:TO:items:REV hash      summarizer  index -> item (JSON):
 *                                                    the lists a capped
 *                                                    digest cut, in full
 *   {repo}:sum:KIND:FROM    string       summarizer  compact summary (trends)
 *   pending                 sorted set   collector   scheduled windows not
 *                                                    yet reported, by deadline
 *   {repo}:w:FROM:TO:pend   hash         collector   their COLLECT and tries
 *   llm:HEX                 string       summarizer  an accepted LLM answer,
 *                                                    by the SHA-256 of its
 *                                                    request (dp_llm.h)
 *   reports                 stream       renderer    every REPORT frame it
 *                                                    published, in order
 *                                                    (the consumers' catch-up)
 *   {repo}:w:FROM:TO:sent:REV:SINK string  consumer  "claim" while one
 *                                                    delivery of a report
 *                                                    to a sink (a webhook,
 *                                                    a git repository) is
 *                                                    under way, then "done"
 *                                                    or "failed"
 *
 * The repository sits in a hash tag, so every key of one repository maps
 * to one Redis Cluster slot. Deduplication is per window: an event belongs
 * to every window that contains it (an hourly and a daily window of one
 * repository overlap) and is sent once to each.
 *
 * When each key expires, and why (len = the window's length; a key is
 * written at `now`, and a window is "done" at max(now, its end)):
 *   seen, rev, ev, meta, pend, items: done + len + DP_LEDGER_MARGIN_S.
 *     The last
 *     time a window is needed is when the next window of its kind is
 *     collected (late data revises the previous window once), a window
 *     length after its end plus the collector's grace; replays come within
 *     minutes. A window of the past (a backfill) is done when it is
 *     written, so its keys live len + margin from then.
 *   sum: done + (DP_LEDGER_HISTORY + 1) * len + margin: trends read the
 *     previous DP_LEDGER_HISTORY windows' summaries.
 * Every instant is given by the caller (`now`), so a simulation of a year
 * in a few seconds expires keys exactly as a year of service would.
 *   sent: a claim lives as long as its holder says (it is renewed while
 *     the holder retries, so a holder that died frees it); a settled
 *     marker lives as long as seen + DP_LEDGER_SENT_KEEP_S, so a report
 *     replayed within a week of its window is not delivered again.
 *   reports: a stream capped at about DP_LEDGER_REPORTS_MAX entries
 *     (XADD MAXLEN ~), a week of hourly reports of some hundreds of
 *     repositories; its entries carry the instant they were added. It
 *     expires DP_LEDGER_SENT_KEEP_S after the last report was logged.
 *   pending: a sorted set whose members leave when their report is seen or
 *     the window fails; a member whose pend hash expired is dropped by the
 *     watchdog. Its size is bounded by the windows in flight.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_proto.h"
#include "dp_store.h"

#define DP_LEDGER_MARGIN_S 3600L /* an hour past the last use of a window */
#define DP_LEDGER_HISTORY 6      /* earlier windows read for trends */
#define DP_LEDGER_KEY_MAX 1024
#define DP_LEDGER_REPORTS_MAX 100000L       /* entries of the reports stream */
#define DP_LEDGER_SENT_KEEP_S (7L * 86400L) /* settled delivery markers */

/* A window of a repository: [from, to). */
typedef struct {
    const char *repo; /* "owner/name", borrowed */
    int64_t from, to;
    const char *zone; /* its zone ("Asia/Shanghai", "+08:00"), NULL: UTC;
                         used to find the windows before it */
} dp_ledger_win_t;

/* True when a and b are the same window: repository, from and to (the
 * zone aside, as keys do not carry it). */
bool dp_ledger_win_same(const dp_ledger_win_t *a, const dp_ledger_win_t *b);

/* The instant at which the keys of a window written at now expire (see
 * above). */
int64_t dp_ledger_expiry(const dp_ledger_win_t *w, int64_t now);

/* A printable name of the window, "owner/name:FROM:TO", for logs and for
 * the pending set. */
void dp_ledger_name(char *buf, size_t size, const dp_ledger_win_t *w);

/* Reads a name written by dp_ledger_name back into w (w->repo points into
 * name). Returns 0 or DP_EINVAL. */
DP_NODISCARD int dp_ledger_parse_name(const char *name, dp_ledger_win_t *w,
                                      char *repo, size_t repo_size);

/* ==== Collector: deduplication and revisions ==== */

/* Marks n event ids as sent in the window, in one round trip, and sets
 * fresh[i] for each id the window had not seen. When Redis cannot answer,
 * every event counts as fresh (the stages downstream are idempotent) and
 * DP_EREDIS is returned. */
int dp_ledger_mark_seen(dp_store_t *store, const dp_ledger_win_t *w,
                        int64_t now, const char *const *ids, size_t n,
                        bool *fresh);

/* The revision of the window's report after a collection that found
 * `fresh` events the window had not seen: the first collection is revision
 * `first` (1 when 0), a later one with fresh events the next revision, and
 * one with nothing fresh the same. Records it. On a Redis failure the
 * revision is `first` (or 1). */
int64_t dp_ledger_revise(dp_store_t *store, const dp_ledger_win_t *w,
                         int64_t now, long fresh, int64_t first);

/* dp_ledger_revise for a collection that sends its events in batches
 * before it has read them all: called before the first batch with fresh
 * events (or before the WINDOW when there is none), it returns the
 * revision and, when fresh > 0, leaves it open; until
 * dp_ledger_revise_close, a later call returns that same revision. So a
 * collection interrupted after some batches (a stop, a lost lease, a
 * crash) is finished by the next one in the same revision, as if it had
 * not been interrupted. */
int64_t dp_ledger_revise_open(dp_store_t *store, const dp_ledger_win_t *w,
                              int64_t now, long fresh, int64_t first);

/* Closes the window's open revision (its WINDOW was sent): the next
 * collection with fresh events makes a new one. */
void dp_ledger_revise_close(dp_store_t *store, const dp_ledger_win_t *w);

/* ==== Collector: the pending set (the watchdog's record) ==== */

/* Records a scheduled window's COLLECT request as pending, with a deadline
 * of now + watch_s unless it is pending already (its deadline stands).
 * Returns 0 or DP_EREDIS. */
int dp_ledger_pending_add(dp_store_t *store, const dp_collect_t *req,
                          int64_t now, long watch_s);

/* Forgets a pending window (its report was seen, or it failed). */
void dp_ledger_pending_drop(dp_store_t *store, const dp_ledger_win_t *w);

/* True when the window is pending. */
bool dp_ledger_pending_has(dp_store_t *store, const dp_ledger_win_t *w);

/* The names of up to max pending windows whose deadline is at or before
 * now, appended to names. Returns how many, or DP_EREDIS. */
int dp_ledger_pending_due(dp_store_t *store, int64_t now, size_t max,
                          dp_strs_t *names);

/* Takes the next try of a due pending window: reads its COLLECT request
 * into msg (the caller clears it), counts the try and moves its deadline to
 * now + watch_s * (tries + 1), so another replica leaves it alone. Returns
 * the number of tries so far (1 for the first replay), DP_ENOTFOUND when
 * the window is no longer pending or its request is gone (it is then
 * dropped), or DP_EREDIS. */
int dp_ledger_pending_try(dp_store_t *store, const char *name, int64_t now,
                          long watch_s, long max_frame, dp_msg_t *msg);

/* ==== Summarizer: stored events and the WINDOW message ==== */

/* One frame to store: a CLASSIFIED frame under its event id, or (id
 * NULL) the WINDOW frame of its window. */
typedef struct {
    dp_ledger_win_t win; /* the window it belongs to; repo borrowed */
    const char *id;      /* the event id; NULL: a WINDOW frame */
    const char *frame;   /* borrowed */
    size_t len;
    bool grew;    /* out: an event id new to its window */
    size_t reply; /* its reply in the batch (dp_ledger_put_send) */
} dp_ledger_put_t;

/* Stores n frames in one pipelined round trip: an HSET for each event, a
 * SET for each WINDOW frame, and an EXPIREAT after each run of frames of
 * one key (one per window when the frames of a window come together).
 * Sets puts[i].grew for each event whose id was new to its window. Every
 * command is idempotent, so a batch that failed may be sent again whole
 * (ids stored by the failed try then come back as not new). Returns 0 or
 * DP_EREDIS. */
int dp_ledger_put_batch(dp_store_t *store, int64_t now, dp_ledger_put_t *puts,
                        size_t n);

/* dp_ledger_put_batch in two halves, so that the round trip overlaps the
 * caller's work: the first queues the batch and sends it (dp_store_send);
 * the second reads its replies (resending it when the connection was
 * lost) and sets the grew flags. Nothing else may use the store in
 * between. dp_ledger_put_collect returns 0 or DP_EREDIS. */
void dp_ledger_put_send(dp_store_t *store, int64_t now, dp_ledger_put_t *puts,
                        size_t n);
int dp_ledger_put_collect(dp_store_t *store, dp_ledger_put_t *puts, size_t n);

/* Stores a CLASSIFIED frame under its event id; *grew is set when the id
 * was new to the window. Returns 0 or DP_EREDIS. */
int dp_ledger_put_event(dp_store_t *store, const dp_ledger_win_t *w,
                        int64_t now, const char *id, const char *frame,
                        size_t len, bool *grew);

/* Stores the WINDOW frame of the window. Returns 0 or DP_EREDIS. */
int dp_ledger_put_window(dp_store_t *store, const dp_ledger_win_t *w,
                         int64_t now, const char *frame, size_t len);

/* Reads the WINDOW frame into out. 0, DP_ENOTFOUND or DP_EREDIS. */
int dp_ledger_get_window(dp_store_t *store, const dp_ledger_win_t *w,
                         dp_buf_t *out);

/* Reads the stored frame of the window's event id into out. 0,
 * DP_ENOTFOUND or DP_EREDIS. */
int dp_ledger_get_event(dp_store_t *store, const dp_ledger_win_t *w,
                        const char *id, dp_buf_t *out);

/* The number of events stored for the window, or DP_EREDIS. */
long dp_ledger_count_events(dp_store_t *store, const dp_ledger_win_t *w);

/* The stored event frames of the window, as one Redis array reply that
 * the caller frees with freeReplyObject(); NULL on failure. */
redisReply *dp_ledger_events(dp_store_t *store, const dp_ledger_win_t *w);

/* Reads the window's stored event frames in pages: a cursor of "0" starts,
 * and each call gives up to about count frames in *page (a Redis array the
 * caller frees with freeReplyObject(); its elements alternate id and
 * frame) and the next cursor in cursor (size DP_LEDGER_CURSOR_MAX), "0"
 * again when the hash has been read whole (HSCAN: each event once, as long
 * as the hash does not change meanwhile). Returns 0 or DP_EREDIS. */
#define DP_LEDGER_CURSOR_MAX 32
int dp_ledger_scan_events(dp_store_t *store, const dp_ledger_win_t *w,
                          char *cursor, long count, redisReply **page);

/* ==== Summarizer and renderer: the full item lists of a capped digest ==== */

/* Stores n items (JSON texts) of revision rev of the window as entries
 * first .. first + n - 1 of its items hash, in one pipelined round trip;
 * first == 0 clears what an earlier try left. Idempotent. 0 or
 * DP_EREDIS. */
int dp_ledger_put_items(dp_store_t *store, const dp_ledger_win_t *w,
                        int64_t rev, int64_t now, size_t first,
                        const char *const *items, const size_t *lens, size_t n);

/* Reads entries first .. first + n - 1 of the items hash of revision rev
 * of the window: an array reply of n elements (nil for a missing one) that
 * the caller frees with freeReplyObject(), or NULL on failure. */
redisReply *dp_ledger_get_items(dp_store_t *store, const dp_ledger_win_t *w,
                                int64_t rev, size_t first, size_t n);

/* ==== Summarizer: summaries for trends and continuity ==== */

/* Keeps the compact summary (JSON text) of the window. 0 or DP_EREDIS. */
int dp_ledger_put_summary(dp_store_t *store, const dp_ledger_win_t *w,
                          int64_t now, const char *json, size_t len);

/* Reads the summary of the window k windows before w (k >= 1) into out:
 * for an hourly, daily or weekly window aligned in its zone, the k-th
 * window of that kind before it (a day across a daylight saving change
 * lasts 23 or 25 hours); for any other window, the one k lengths before.
 * 0, DP_ENOTFOUND or DP_EREDIS. */
int dp_ledger_get_summary(dp_store_t *store, const dp_ledger_win_t *w, int k,
                          dp_buf_t *out);

/* ==== Summarizer: the LLM cache ==== */

/* Writes the key of a cached LLM answer, dp:2:llm:<hex>, into buf; hex is
 * the request's SHA-256 in lowercase hex. The key is not per window: the
 * same request in any window is the same answer. It expires after the
 * cache lifetime the writer sets (LLM_CACHE_TTL_S). */
void dp_ledger_llm_key(char *buf, size_t size, const char *hex);

/* ==== Renderer and consumers: the log of published reports ==== */

/* Appends a REPORT frame (as the renderer published it) to the reports
 * stream. 0 or DP_EREDIS. */
int dp_ledger_log_report(dp_store_t *store, const void *frame, size_t len);

#define DP_LEDGER_REPORTS_CURSOR 48 /* size of a reports cursor */

/* Writes into cursor (size DP_LEDGER_REPORTS_CURSOR) the position of the
 * reports stream at instant t (Unix seconds): reading from it gives the
 * reports logged at t or later. */
void dp_ledger_reports_cursor(char *cursor, size_t size, int64_t t);

/* Reads up to max reports logged after cursor, oldest first, calling
 * fn(arg, frame, len) for each, and moves cursor past them. Returns how
 * many were read (0 when none is new), or DP_EREDIS. */
int dp_ledger_reports_read(dp_store_t *store, char *cursor, size_t max,
                           void (*fn)(void *arg, const char *frame, size_t len),
                           void *arg);

/* ==== Consumers: one delivery per window, revision and sink ==== */

/* Claims the delivery of revision rev of the window to sink (a consumer's
 * name for one destination, such as "notifier.slack"; letters, digits,
 * '.', '-', '_'): SET NX with a lifetime of claim_s seconds. Returns 1
 * when this caller now holds the claim; 0 when the delivery is claimed by
 * someone else or settled already, with its marker's value ("claim",
 * "done", "failed") in state (size at least 8) when state is not NULL;
 * or DP_EREDIS. */
int dp_ledger_claim(dp_store_t *store, const dp_ledger_win_t *w, int64_t rev,
                    const char *sink, long claim_s, char *state, size_t size);

/* Gives a claim this caller holds claim_s more seconds (while it retries).
 * 0 or DP_EREDIS. */
int dp_ledger_claim_renew(dp_store_t *store, const dp_ledger_win_t *w,
                          int64_t rev, const char *sink, long claim_s);

/* Settles a claimed delivery: its marker becomes state ("done" after
 * success, "failed" after a final refusal), kept until
 * dp_ledger_expiry(w, now) + DP_LEDGER_SENT_KEEP_S. 0 or DP_EREDIS. */
int dp_ledger_settle(dp_store_t *store, const dp_ledger_win_t *w, int64_t rev,
                     const char *sink, const char *state, int64_t now);

/* Drops a claim this caller holds without settling it (it stops before
 * the delivery succeeded), so the next delivery of the report tries
 * again. Only a marker that is still a claim is dropped. */
void dp_ledger_unclaim(dp_store_t *store, const dp_ledger_win_t *w, int64_t rev,
                       const char *sink);

#endif
