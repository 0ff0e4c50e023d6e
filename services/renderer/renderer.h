/* renderer.h - the renderer engine: digests to Markdown and JSON reports */
/* SPDX-License-Identifier: MIT */
#ifndef RENDERER_H
#define RENDERER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dp_err.h"
#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_store.h"

typedef struct renderer_t renderer_t;

/* Output formats, as bits of renderer_formats_parse(). Markdown is always
 * written; the others are written beside it. */
#define RENDERER_FMT_MD 0x1u   /* <path>.md, the report */
#define RENDERER_FMT_JSON 0x2u /* <path>.md.json, the digest itself */
#define RENDERER_FMT_HTML                                                      \
    0x4u /* pages and indexes (site.h); "html" sets ATOM too */
#define RENDERER_FMT_ATOM 0x8u /* <out>/<owner>/<repo>/feed.xml */

/* Settings; strings are borrowed for the life of the renderer. */
typedef struct {
    const char *out_dir;      /* root of the site, e.g. "site" */
    const char *formats;      /* comma list: "md,json" */
    const char *in_endpoint;  /* PULL: DIGEST messages */
    const char *pub_endpoint; /* PUB tap: REPORT and STATUS */
    long max_frame;           /* largest frame accepted */
    const char *redis_url;    /* the complete lists of capped digests;
                                 NULL or "": not read */
} renderer_cfg_t;

/* Parses a comma list of formats ("md,json,html"; blanks around names are
 * ignored) into RENDERER_FMT_* bits in *flags; RENDERER_FMT_MD is always
 * set, "html" sets RENDERER_FMT_HTML and RENDERER_FMT_ATOM, "atom" only
 * the feed. Returns 0, or DP_ECONFIG when some names are unknown: those are
 * skipped, *flags still holds the known ones and err names the others. */
DP_NODISCARD int renderer_formats_parse(const char *list, unsigned *flags,
                                        char *err, size_t errlen);

/* Opens the sockets. Unknown formats are logged as errors and ignored.
 * NULL on failure, with the reason logged. */
renderer_t *renderer_new(const renderer_cfg_t *cfg);

/* Waits up to timeout_ms for one message and handles it: a DIGEST is
 * rendered, written and answered with REPORT (or STATUS "failed") on the
 * PUB socket; anything else is counted, logged and dropped. Returns 0 when
 * a message was taken, DP_EAGAIN when none came, DP_EBUS when the socket
 * fails. */
DP_NODISCARD int renderer_step(renderer_t *self, int timeout_ms);

/* Serves until dp_service_interrupted(). Returns 0, or DP_EBUS when the
 * input socket fails. */
int renderer_run(renderer_t *self);

/* Frames and messages dropped so far (bad frames, bad digests, messages
 * of other types). */
long renderer_bad_frames(const renderer_t *self);

/* Destroys the renderer and closes its sockets. Idempotent. */
void renderer_destroy(renderer_t **self_p);

/* Renders a digest document (proto/README.md) as a Markdown report in its
 * language ("zh", the default, or "en") and appends it to out. Every
 * string of the digest is untrusted: titles, labels, logins, problems and
 * names go through dp_text_md_inline, the sections (Markdown) through
 * dp_text_md_block, item links are rebuilt from the repository and the
 * number, and the repository name is checked.
 * A revised window (revision > 1) gets a note under the stats line. The
 * report ends with the health footer: data complete until, API requests
 * and retries, rate-limit headroom, events, the writer (an LLM writer may
 * list the sections it wrote in health.llm_sections: "summary", "topics",
 * "hot", "trends", "changes", "activity", "watch"), the revision and the
 * problems.
 * Returns 0; or DP_EJSON when the document is malformed (not an object,
 * a required member missing, a member of the wrong type), with one line
 * naming the member in err and out left as it was. */
DP_NODISCARD int renderer_markdown(const json_t *digest, dp_buf_t *out,
                                   char *err, size_t errlen);

/* Builds the report path of a digest:
 * "<out_dir>/<owner>/<repo>/_posts/<YYYY-MM-DD>-<owner>-<repo>-<HHMM>-<len>.md"
 * where date and HHMM are the window start in the digest's zone (tz, or
 * tz_offset) and len is "1h", "1d", "7d" (a local day or week, also of 23
 * or 25 hours across a daylight saving change) or "<N>m" for other lengths
 * (minutes, rounded up), followed by "-2" when the window starts in the
 * second pass through an hour that daylight saving repeats. Owner and
 * repository names are checked ([A-Za-z0-9._-], not "." or ".."), so the
 * path never leaves out_dir. On success *md_path is a new string that the
 * caller frees; on error (DP_EJSON) *md_path is NULL. */
DP_NODISCARD int renderer_paths(const json_t *digest, const char *out_dir,
                                char **md_path);

/* Handles one DIGEST without sockets: parses digest->json, writes the
 * report under out_dir (plus the JSON when formats has RENDERER_FMT_JSON:
 * the digest with its sections as the report shows them, through
 * dp_text_md_block, and < > & @ and Liquid braces as \u escapes; the HTML
 * page, its JSON
 * and the repository and site indexes with RENDERER_FMT_HTML; the feed
 * with RENDERER_FMT_ATOM, see site.h) and fills *reply (overwritten, not freed;
 * the caller clears it) with a REPORT: window fields and reply_to copied, path
 * = absolute path of the Markdown file, files = every file of the report. On
 * error *reply is a STATUS (service "renderer", state "failed", message naming
 * the cause) and DP_EJSON (bad digest) or DP_EIO (write failure) is returned.
 */
DP_NODISCARD int renderer_render(const char *out_dir, unsigned formats,
                                 const dp_digest_t *digest, dp_msg_t *reply);

/* renderer_render with the store that holds the complete lists of capped
 * digests (proto/README.md, "Windows of any size"); store may be NULL.
 * For a capped digest it reads them a page at a time and writes
 * "<out>/<owner>/<repo>/<base>.items.md" (beside _posts: the appendix
 * with every item; the report's
 * appendix links it) and, with RENDERER_FMT_JSON, the JSON file with every
 * item (the digest as it would be without a cap), neither held whole in
 * memory. When they cannot be read (no store, the key expired), the
 * report is written from the digest alone and says that the rest of each
 * cut list is not available. */
DP_NODISCARD int renderer_render_with(const char *out_dir, unsigned formats,
                                      dp_store_t *store,
                                      const dp_digest_t *digest,
                                      dp_msg_t *reply);

#endif
