/* site.c - report pages, indexes and Atom feeds, rebuilt from the reports */
/* SPDX-License-Identifier: MIT */
#include "site.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp_proto.h"
#include "dp_time.h"
#include "chart.h"
#include "html.h"
#include "dp_fs.h"

#define SITE_HEAD_BYTES 16384 /* read of a report for its index line */
#define SITE_FILE_MAX                                                          \
    (4L * 1024 * 1024) /* read of a report for its summary                     \
                        */
#define SITE_TRENDS_H3 "<h3>\xF0\x9F\x94\xA5 " /* "🔥 ": the trends heading */
#define SITE_REPO_MAX 1000 /* reports on a repository index */
#define SITE_SITE_MAX 200  /* reports on the site index */
#define SITE_FEED_MAX 20   /* entries of a feed */
#define SITE_NAME_MAX 100  /* owner and repository names */
#define SITE_ISO_LEN 32
#define SITE_HEALTH "\n### \xF0\x9F\xA9\xBA" /* "### 🩺", the footer */
#define SITE_SUMMARY "### \xF0\x9F\x93\x8A"  /* "### 📊", the summary */
#define SITE_POSTS "_posts"

/* One report found on disk. */
typedef struct {
    char *repo;     /* "owner/name" */
    char *base;     /* file name without ".md" */
    char *key;      /* sort key: date, HHMM, repo, length */
    char *title;    /* front matter title (Markdown inline) */
    char *window;   /* the window line, without "> " */
    char *stats;    /* the stats line, without "> " */
    char *revision; /* the revision line, without "> ", or NULL */
    bool zh;        /* the report's language */
    int64_t to;     /* window end, 0 when unknown */
} s_entry_t;

typedef struct {
    s_entry_t *items;
    size_t n, cap;
} s_entries_t;

/* The words around the lists. */
typedef struct {
    const char *lang;    /* xml:lang */
    const char *reports; /* after the repository name */
    const char *all;     /* link to the site index */
    const char *repos;   /* heading of the repository list */
    const char *latest;  /* heading of the newest reports */
    const char *none;    /* no report yet */
    const char *json;    /* the digest link */
} s_words_t;

static const s_words_t s_zh = {"zh-CN",    " 开发动态报告", "全部报告", "仓库",
                               "最新报告", "暂无报告",      "JSON 数据"};
static const s_words_t s_en = {
    "en",           " development reports", "All reports",
    "Repositories", "Latest reports",       "No reports yet",
    "JSON digest"};

/* ==== Reading reports ==== */

static void s_entry_free(s_entry_t *e)
{
    dp_free(e->repo);
    dp_free(e->base);
    dp_free(e->key);
    dp_free(e->title);
    dp_free(e->window);
    dp_free(e->stats);
    dp_free(e->revision);
    memset(e, 0, sizeof *e);
}

static void s_entries_free(s_entries_t *list)
{
    for (size_t i = 0; i < list->n; i++)
        s_entry_free(&list->items[i]);
    dp_free(list->items);
    memset(list, 0, sizeof *list);
}

/* Reads at most max bytes of path; NULL when it cannot be read. */
static char *s_read(const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    dp_buf_t buf = DP_BUF_INIT;
    char chunk[4096];
    while (buf.len < max) {
        size_t want =
            max - buf.len < sizeof chunk ? max - buf.len : sizeof chunk;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        dp_buf_append(&buf, chunk, (size_t)n);
    }
    close(fd);
    dp_buf_append(&buf, "", 0);
    return dp_buf_take(&buf);
}

static bool s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Checks a file name of _posts of owner/name and builds its sort key:
 * "<YYYY-MM-DD>-<owner>-<name>-<HHMM>-<len>.md", where len may end in
 * "-2" (the second pass through an hour that daylight saving repeats,
 * which sorts after the first). */
static char *s_sort_key(const char *file, const char *owner, const char *name)
{
    size_t len = strlen(file), olen = strlen(owner), nlen = strlen(name);
    const char *ext = ".md";
    if (len < 4 || strcmp(file + len - 3, ext) != 0)
        return NULL;
    len -= 3;
    /* date, '-', owner, '-', name, '-', HHMM, '-', at least "1m" */
    if (len < 11 + olen + 1 + nlen + 1 + 4 + 1 + 2)
        return NULL;
    const char *p = file;
    if (!s_digits(p, 4) || p[4] != '-' || !s_digits(p + 5, 2) || p[7] != '-' ||
        !s_digits(p + 8, 2) || p[10] != '-')
        return NULL;
    p += 11;
    if (strncmp(p, owner, olen) != 0 || p[olen] != '-')
        return NULL;
    p += olen + 1;
    if (strncmp(p, name, nlen) != 0 || p[nlen] != '-')
        return NULL;
    p += nlen + 1;
    if (!s_digits(p, 4) || p[4] != '-')
        return NULL;
    const char *wlen = p + 5;
    size_t wl = (size_t)(file + len - wlen);
    for (size_t i = 0; i < wl; i++)
        if (!((wlen[i] >= '0' && wlen[i] <= '9') ||
              (wlen[i] >= 'a' && wlen[i] <= 'z') || wlen[i] == '-'))
            return NULL;
    return dp_asprintf("%.10s%.4s %s/%s %.*s", file, p, owner, name, (int)wl,
                       wlen);
}

/* The rest of the line that starts at s, as a new string. */
static char *s_line(const char *s)
{
    const char *end = strchr(s, '\n');
    return dp_strndup(s, end ? (size_t)(end - s) : strlen(s));
}

/* Finds a line of text that starts with prefix; returns what follows the
 * prefix on it, or NULL. Only the report header (up to the first "---"
 * after the front matter) is searched. */
static const char *s_find(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, prefix, n) == 0)
            return p + n;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* The value of the front matter's title: plain, or double-quoted with
 * \" \\ and \xNN escapes, as the renderer writes it. */
static char *s_title(const char *md)
{
    if (strncmp(md, "---\n", 4) != 0)
        return NULL;
    const char *end = strstr(md + 4, "\n---\n");
    const char *t = s_find(md + 4, "title: ");
    if (!t || !end || t > end)
        return NULL;
    char *line = s_line(t);
    if (line[0] != '"')
        return line;
    dp_buf_t out = DP_BUF_INIT;
    for (const char *p = line + 1; *p && *p != '"'; p++) {
        if (*p != '\\' || !p[1]) {
            dp_buf_append(&out, p, 1);
            continue;
        }
        p++;
        if (*p == 'x' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], '\0'};
            char c = (char)strtol(hex, NULL, 16);
            if (c)
                dp_buf_append(&out, &c, 1);
            p += 2;
        } else {
            dp_buf_append(&out, p, 1);
        }
    }
    dp_buf_append(&out, "", 0);
    dp_free(line);
    return dp_buf_take(&out);
}

/* Parses "2025-12-10 19:00 (UTC+8)" as reports write instants. */
static int64_t s_report_time(const char *s)
{
    char iso[SITE_ISO_LEN], zone[SITE_ISO_LEN];
    const char *paren = strstr(s, " (");
    if (!paren || paren - s != 16)
        return 0;
    const char *close = strchr(paren, ')');
    if (!close || (size_t)(close - paren - 2) >= sizeof zone)
        return 0;
    snprintf(iso, sizeof iso, "%.16sZ", s);
    snprintf(zone, sizeof zone, "%.*s", (int)(close - paren - 2), paren + 2);
    int64_t t = 0;
    int offset = 0;
    if (dp_time_parse(iso, &t, NULL) < 0 || dp_tz_offset(zone, t, &offset) < 0)
        return 0;
    return t - offset;
}

/* Reads the header of one report into e (repo, base and key already set).
 * Returns false when it is not a report. */
static bool s_parse(const char *md, s_entry_t *e)
{
    static const char zh_rev[] = "> 修订: ", en_rev[] = "> Revised: ";
    const char *window = s_find(md, "> 时间窗口: ");
    const char *stats = s_find(md, "> 数据统计: ");
    const char *revision = s_find(md, zh_rev);
    /* The revision line is shown with its label. */
    if (revision)
        revision -= strlen(zh_rev) - strlen("> ");
    e->zh = window != NULL;
    if (!window) {
        window = s_find(md, "> Window: ");
        stats = s_find(md, "> Stats: ");
        revision = s_find(md, en_rev);
        if (revision)
            revision -= strlen(en_rev) - strlen("> ");
    }
    e->title = s_title(md);
    if (!window || !stats || !e->title)
        return false;
    e->window = s_line(window);
    e->stats = s_line(stats);
    e->revision = revision ? s_line(revision) : NULL;
    const char *tilde = strstr(e->window, " ~ ");
    e->to = tilde ? s_report_time(tilde + 3) : 0;
    return true;
}

static int s_cmp_newest(const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    return strcmp(y->key, x->key);
}

static bool s_name_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > SITE_NAME_MAX || strcmp(s, ".") == 0 ||
        strcmp(s, "..") == 0)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

/* Lists the reports of owner/name (names only: key, base, repo). */
static void s_list_repo(const char *out_dir, const char *owner,
                        const char *name, s_entries_t *list)
{
    char *dir = dp_asprintf("%s/%s/%s/" SITE_POSTS, out_dir, owner, name);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        char *key = s_sort_key(de->d_name, owner, name);
        if (!key)
            continue;
        if (list->n == list->cap) {
            list->cap = list->cap ? list->cap * 2 : 64;
            list->items =
                dp_realloc(list->items, list->cap * sizeof *list->items);
        }
        s_entry_t *e = &list->items[list->n++];
        memset(e, 0, sizeof *e);
        e->key = key;
        e->repo = dp_asprintf("%s/%s", owner, name);
        e->base = dp_strndup(de->d_name, strlen(de->d_name) - 3);
    }
    if (d)
        closedir(d);
    dp_free(dir);
}

/* Sorts newest first, keeps the first max that parse, frees the rest. */
static void s_load(const char *out_dir, s_entries_t *list, size_t max)
{
    if (list->n > 1)
        qsort(list->items, list->n, sizeof *list->items, s_cmp_newest);
    size_t kept = 0;
    for (size_t i = 0; i < list->n; i++) {
        s_entry_t *e = &list->items[i];
        bool ok = false;
        if (kept < max) {
            char *path = dp_asprintf("%s/%s/" SITE_POSTS "/%s.md", out_dir,
                                     e->repo, e->base);
            char *md = s_read(path, SITE_HEAD_BYTES);
            ok = md && s_parse(md, e);
            dp_free(md);
            dp_free(path);
        }
        if (!ok) {
            s_entry_free(e);
            continue;
        }
        list->items[kept++] = *e;
    }
    list->n = kept;
}

/* ==== HTML ==== */

static const s_words_t *s_words(const s_entries_t *list)
{
    return list->n == 0 || list->items[0].zh ? &s_zh : &s_en;
}

/* One list item: the title linking to the page, then the window, the
 * counts and the revision. */
static void s_entry_html(dp_buf_t *out, const s_entry_t *e, const char *prefix,
                         bool show_repo)
{
    dp_buf_printf(out, "<li><a href=\"%s%s.html\">", prefix, e->base);
    html_from_markdown(e->title, strlen(e->title), true, out);
    dp_buf_puts(out, "</a>");
    if (show_repo) {
        dp_buf_puts(out, " <span class=\"meta\">");
        html_escape(out, e->repo);
        dp_buf_puts(out, "</span>");
    }
    dp_buf_puts(out, "<div class=\"meta\">");
    html_escape(out, e->window);
    dp_buf_puts(out, "<br>");
    html_escape(out, e->stats);
    if (e->revision) {
        dp_buf_puts(out, "<br>");
        html_escape(out, e->revision);
    }
    dp_buf_puts(out, "</div></li>\n");
}

static int s_write(const char *path, const dp_buf_t *buf, dp_strs_t *files,
                   char *err, size_t errlen)
{
    int rc = dp_fs_write_atomic(path, buf->data, buf->len, NULL, err, errlen);
    if (rc == 0)
        dp_strs_push(files, path);
    return rc;
}

/* The chart of the counts of the newest reports of the newest one's length
 * (the list is newest first), drawn under the list. */
static void s_index_chart(dp_buf_t *main, const s_entries_t *list, bool zh)
{
    chart_point_t pts[CHART_MAX];
    size_t n = 0;
    int64_t len = 0;
    for (size_t i = 0; i < list->n && n < CHART_MAX; i++) {
        const s_entry_t *e = &list->items[i];
        int64_t from = s_report_time(e->window);
        if (!from || !e->to || (len && e->to - from != len))
            continue;
        len = e->to - from;
        chart_point_t *p = &pts[n];
        if (!chart_counts_of_stats(e->stats, p->counts))
            continue;
        /* "2025-12-15 14:00 (UTC+8) ~ ...": month, day and time. */
        snprintf(p->label, sizeof p->label, "%.11s", e->window + 5);
        n++;
    }
    for (size_t i = 0; i < n / 2; i++) {
        chart_point_t t = pts[i];
        pts[i] = pts[n - 1 - i];
        pts[n - 1 - i] = t;
    }
    chart_svg(main, pts, n, zh);
}

static int s_repo_index(const char *out_dir, const char *repo,
                        const s_entries_t *list, dp_strs_t *files, char *err,
                        size_t errlen)
{
    const s_words_t *w = s_words(list);
    dp_buf_t main = DP_BUF_INIT, nav = DP_BUF_INIT, title = DP_BUF_INIT;
    dp_buf_t page = DP_BUF_INIT;
    dp_buf_printf(&title, "%s%s", repo, w->reports);
    dp_buf_printf(&nav,
                  "<a href=\"../../index.html\">%s</a> · "
                  "<a href=\"feed.xml\">Atom</a>",
                  w->all);
    dp_buf_puts(&main, "<h1>");
    html_escape(&main, title.data);
    dp_buf_puts(&main, "</h1>\n");
    if (list->n == 0)
        dp_buf_printf(&main, "<p>%s</p>\n", w->none);
    else
        dp_buf_puts(&main, "<ul>\n");
    for (size_t i = 0; i < list->n; i++)
        s_entry_html(&main, &list->items[i], "", false);
    if (list->n)
        dp_buf_puts(&main, "</ul>\n");
    s_index_chart(&main, list, w == &s_zh);
    html_page_t p = {.zh = w == &s_zh,
                     .title_text = title.data,
                     .nav = nav.data,
                     .main = main.data,
                     .feed_href = "feed.xml"};
    html_page(&page, &p);
    char *path = dp_asprintf("%s/%s/index.html", out_dir, repo);
    int rc = s_write(path, &page, files, err, errlen);
    dp_free(path);
    dp_buf_free(&page);
    dp_buf_free(&title);
    dp_buf_free(&nav);
    dp_buf_free(&main);
    return rc;
}

/* ==== Atom ==== */

/* The summary section of a report, as Markdown, or NULL. */
static char *s_summary(const char *md)
{
    const char *start = strstr(md, "\n" SITE_SUMMARY);
    if (!start)
        return NULL;
    start = strchr(start + 1, '\n');
    if (!start)
        return NULL;
    start++;
    const char *end = strstr(start, "\n### ");
    return dp_strndup(start, end ? (size_t)(end - start) : strlen(start));
}

static void s_feed_entry(dp_buf_t *out, const char *out_dir, const s_entry_t *e)
{
    char when[SITE_ISO_LEN];
    dp_time_iso_utc(e->to, when, sizeof when);
    dp_buf_t html = DP_BUF_INIT, text = DP_BUF_INIT;
    html_plain_text(e->title, strlen(e->title), &text);
    dp_buf_printf(out, "<entry>\n<id>urn:devpulse:report:%s:%s</id>\n<title>",
                  e->repo, e->base);
    html_escape(out, text.data);
    dp_buf_printf(out,
                  "</title>\n<link rel=\"alternate\" type=\"text/html\" "
                  "href=\"%s.html\"/>\n<updated>%s</updated>\n"
                  "<summary type=\"html\">",
                  e->base, when);
    dp_buf_puts(&html, "<p>");
    html_escape(&html, e->window);
    dp_buf_puts(&html, "<br>");
    html_escape(&html, e->stats);
    if (e->revision) {
        dp_buf_puts(&html, "<br>");
        html_escape(&html, e->revision);
    }
    dp_buf_puts(&html, "</p>\n");
    char *path =
        dp_asprintf("%s/%s/" SITE_POSTS "/%s.md", out_dir, e->repo, e->base);
    char *md = s_read(path, SITE_FILE_MAX);
    char *summary = md ? s_summary(md) : NULL;
    if (summary)
        html_from_markdown(summary, strlen(summary), false, &html);
    html_escape(out, html.data);
    dp_buf_puts(out, "</summary>\n</entry>\n");
    dp_free(summary);
    dp_free(md);
    dp_free(path);
    dp_buf_free(&html);
    dp_buf_free(&text);
}

static int s_feed(const char *out_dir, const char *repo,
                  const s_entries_t *list, dp_strs_t *files, char *err,
                  size_t errlen)
{
    const s_words_t *w = s_words(list);
    int64_t updated = 0;
    size_t n = list->n < SITE_FEED_MAX ? list->n : SITE_FEED_MAX;
    for (size_t i = 0; i < n; i++)
        if (list->items[i].to > updated)
            updated = list->items[i].to;
    char when[SITE_ISO_LEN];
    dp_time_iso_utc(updated, when, sizeof when);
    dp_buf_t out = DP_BUF_INIT;
    dp_buf_printf(&out,
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                  "xml:lang=\"%s\">\n"
                  "<id>urn:devpulse:reports:%s</id>\n<title>",
                  w->lang, repo);
    dp_buf_printf(&out, "%s%s", repo, w->reports);
    dp_buf_printf(&out,
                  "</title>\n<updated>%s</updated>\n"
                  "<link rel=\"self\" type=\"application/atom+xml\" "
                  "href=\"feed.xml\"/>\n"
                  "<link rel=\"alternate\" type=\"text/html\" "
                  "href=\"index.html\"/>\n"
                  "<author><name>devpulse</name></author>\n"
                  "<generator>devpulse</generator>\n",
                  when);
    for (size_t i = 0; i < n; i++)
        s_feed_entry(&out, out_dir, &list->items[i]);
    dp_buf_puts(&out, "</feed>\n");
    char *path = dp_asprintf("%s/%s/feed.xml", out_dir, repo);
    int rc = s_write(path, &out, files, err, errlen);
    dp_free(path);
    dp_buf_free(&out);
    return rc;
}

/* ==== The site index ==== */

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the subdirectories of dir that are valid GitHub names, sorted. */
static void s_subdirs(const char *dir, dp_strs_t *names)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (!s_name_ok(de->d_name))
            continue;
        char *path = dp_asprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            dp_strs_push(names, de->d_name);
        dp_free(path);
    }
    if (d)
        closedir(d);
    if (names->count > 1)
        qsort(names->items, names->count, sizeof *names->items, s_cmp_str);
}

static int s_site_index(const char *out_dir, dp_strs_t *files, char *err,
                        size_t errlen)
{
    s_entries_t all = {0};
    dp_buf_t repos = DP_BUF_INIT, main = DP_BUF_INIT, page = DP_BUF_INIT;
    dp_strs_t owners = {0};
    s_subdirs(out_dir, &owners);
    for (size_t i = 0; i < owners.count; i++) {
        char *odir = dp_asprintf("%s/%s", out_dir, owners.items[i]);
        dp_strs_t names = {0};
        s_subdirs(odir, &names);
        for (size_t j = 0; j < names.count; j++) {
            size_t before = all.n;
            s_list_repo(out_dir, owners.items[i], names.items[j], &all);
            if (all.n == before)
                continue;
            dp_buf_printf(&repos, "<li><a href=\"%s/%s/index.html\">",
                          owners.items[i], names.items[j]);
            html_escape(&repos, owners.items[i]);
            dp_buf_puts(&repos, "/");
            html_escape(&repos, names.items[j]);
            dp_buf_printf(&repos, "</a> (%zu)</li>\n", all.n - before);
        }
        dp_strs_clear(&names);
        dp_free(odir);
    }
    s_load(out_dir, &all, SITE_SITE_MAX);
    const s_words_t *w = s_words(&all);
    dp_buf_puts(&main, "<h1>devpulse</h1>\n");
    if (repos.len == 0) {
        dp_buf_printf(&main, "<p>%s</p>\n", w->none);
    } else {
        dp_buf_printf(&main, "<h2>%s</h2>\n<ul>\n%s</ul>\n<h2>%s</h2>\n<ul>\n",
                      w->repos, repos.data, w->latest);
        for (size_t i = 0; i < all.n; i++) {
            char *prefix = dp_asprintf("%s/", all.items[i].repo);
            s_entry_html(&main, &all.items[i], prefix, true);
            dp_free(prefix);
        }
        dp_buf_puts(&main, "</ul>\n");
    }
    html_page_t p = {
        .zh = w == &s_zh, .title_text = "devpulse", .main = main.data};
    html_page(&page, &p);
    char *path = dp_asprintf("%s/index.html", out_dir);
    int rc = s_write(path, &page, files, err, errlen);
    dp_free(path);
    dp_strs_clear(&owners);
    dp_buf_free(&page);
    dp_buf_free(&main);
    dp_buf_free(&repos);
    s_entries_free(&all);
    return rc;
}

/* ==== Public ==== */

int site_update(const char *out_dir, const char *repo, bool index, bool feed,
                dp_strs_t *files, char *err, size_t errlen)
{
    assert(out_dir && repo && files);
    const char *slash = strchr(repo, '/');
    assert(slash);
    char *owner = dp_strndup(repo, (size_t)(slash - repo));
    s_entries_t list = {0};
    int rc = 0;
    s_list_repo(out_dir, owner, slash + 1, &list);
    s_load(out_dir, &list, index ? SITE_REPO_MAX : SITE_FEED_MAX);
    if (index)
        rc = s_repo_index(out_dir, repo, &list, files, err, errlen);
    if (rc == 0 && feed)
        rc = s_feed(out_dir, repo, &list, files, err, errlen);
    if (rc == 0 && index)
        rc = s_site_index(out_dir, files, err, errlen);
    s_entries_free(&list);
    dp_free(owner);
    return rc;
}

/* The page's main HTML with chart (may be NULL or empty) after the trends
 * heading, or at its end when it has none. */
static void s_with_chart(dp_buf_t *main, const char *chart)
{
    if (!chart || !*chart || !main->data)
        return;
    const char *h = strstr(main->data, SITE_TRENDS_H3);
    const char *end = h ? strstr(h, "</h3>\n") : NULL;
    size_t at =
        end ? (size_t)(end + strlen("</h3>\n") - main->data) : main->len;
    dp_buf_t out = DP_BUF_INIT;
    dp_buf_append(&out, main->data, at);
    dp_buf_puts(&out, chart);
    dp_buf_append(&out, main->data + at, main->len - at);
    dp_buf_free(main);
    *main = out;
}

void site_report_page(const char *md, size_t len, const char *repo,
                      const char *base, bool json, const char *chart,
                      dp_buf_t *out)
{
    assert(md && repo && base && out);
    const char *body = md, *end = md + len;
    if (strncmp(md, "---\n", 4) == 0) {
        const char *fm = strstr(md + 4, "\n---\n");
        if (fm)
            body = fm + 5;
    }
    const char *health = strstr(body, SITE_HEALTH);
    const char *main_end = health ? health + 1 : end;
    bool zh = s_find(body, "> 时间窗口: ") != NULL;
    const s_words_t *w = zh ? &s_zh : &s_en;

    dp_buf_t title = DP_BUF_INIT, nav = DP_BUF_INIT, main = DP_BUF_INIT;
    dp_buf_t footer = DP_BUF_INIT;
    const char *h1 = s_find(body, "# ");
    if (h1) {
        char *line = s_line(h1);
        html_plain_text(line, strlen(line), &title);
        dp_free(line);
    }
    dp_buf_puts(&nav, "<a href=\"index.html\">");
    html_escape(&nav, repo);
    dp_buf_printf(&nav,
                  "</a> · <a href=\"../../index.html\">%s</a> · "
                  "<a href=\"feed.xml\">Atom</a>",
                  w->all);
    if (json)
        dp_buf_printf(&nav, " · <a href=\"%s.json\">%s</a>", base, w->json);
    html_from_markdown(body, (size_t)(main_end - body), false, &main);
    s_with_chart(&main, chart);
    if (health)
        html_from_markdown(health + 1, (size_t)(end - health - 1), false,
                           &footer);
    html_page_t p = {.zh = zh,
                     .title_text = title.data ? title.data : repo,
                     .nav = nav.data,
                     .main = main.data ? main.data : "",
                     .footer = health ? footer.data : NULL,
                     .feed_href = "feed.xml"};
    html_page(out, &p);
    dp_buf_free(&footer);
    dp_buf_free(&main);
    dp_buf_free(&nav);
    dp_buf_free(&title);
}
