/* site.h - report pages, indexes and Atom feeds, rebuilt from the reports */
/* SPDX-License-Identifier: MIT */
#ifndef RENDERER_SITE_H
#define RENDERER_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_err.h"
#include "dp_mem.h"
#include "dp_proto.h"

/* The site layout under the output directory:
 *   <out>/index.html                           every repository, newest
 *                                              reports first
 *   <out>/<owner>/<repo>/index.html            the repository's reports
 *   <out>/<owner>/<repo>/feed.xml              Atom feed of the same
 *   <out>/<owner>/<repo>/<base>.html           one page per report
 *   <out>/<owner>/<repo>/<base>.json           its digest (json format)
 *   <out>/<owner>/<repo>/_posts/<base>.md      the Jekyll post
 * where <base> is "<YYYY-MM-DD>-<owner>-<repo>-<HHMM>-<len>". Indexes and
 * feeds are rebuilt from the Markdown files in _posts, so they hold every
 * report on disk whichever process wrote it, and the same files give the
 * same bytes. */

/* Renders the report Markdown md (front matter included) as a standalone
 * HTML page of repository repo ("owner/name") and appends it to out. The
 * health footer (from the line that starts with "### 🩺") goes into a
 * <footer>; the navigation links the repository index, the site index,
 * the feed and, when json is true, <base>.json. chart (HTML, chart.h; NULL
 * for none) goes under the trends heading. */
void site_report_page(const char *md, size_t len, const char *repo,
                      const char *base, bool json, const char *chart,
                      dp_buf_t *out);

/* Rebuilds the index of repository repo ("owner/name", already checked)
 * under out_dir, its Atom feed when feed is true, and the site index when
 * index is true, each through dp_fs_write_atomic (files that would not change
 * are left untouched). The path of every file built is pushed on files.
 * Returns 0, or DP_EIO with the cause in err. Reports that cannot be read
 * or parsed are skipped. */
DP_NODISCARD int site_update(const char *out_dir, const char *repo, bool index,
                             bool feed, dp_strs_t *files, char *err,
                             size_t errlen);

#endif
