/* gh_releases.h - the releases a repository published in a window */
/* SPDX-License-Identifier: MIT */
#ifndef GH_RELEASES_H
#define GH_RELEASES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "gh_client.h"
#include "gh_normalize.h"

/* Fills ev with the "release" event of one element of GET
 * /repos/o/r/releases (see proto/README.md: id "release:<id>", at and
 * updated_at its published_at, title its name, labels [its tag], state
 * "prerelease" or "release", author and actor its author, url its
 * html_url). Returns 1 when it was published in [from, to); 0 when not,
 * or when it was never published (a draft: no published_at), ev then
 * holding nothing; DP_EJSON with one line in err when the element is
 * malformed (no object, no integer id, no tag_name, a time or an author
 * that does not read). */
DP_NODISCARD int gh_release_event(const json_t *rel, const char *repo,
                                  int64_t from, int64_t to, size_t max_text,
                                  dp_event_t *ev, char *err, size_t errlen);

/* Lists the releases of repo (newest first, 100 a page, conditional
 * through gh's cache: a rerun costs a 304) and appends to out the event
 * of each published in [from, to). Reads the next page only while the
 * oldest release of a page is not older than from, and at most max_pages
 * pages (gh_client_pages). A malformed element is skipped, with a problem
 * naming it. Returns the number of events appended, or gh_client_pages's
 * error (recorded as a problem by the client). */
DP_NODISCARD int gh_releases_events(gh_client_t *gh, const char *repo,
                                    int64_t from, int64_t to, long max_pages,
                                    size_t max_text, gh_events_t *out);

#endif
