/* renderer.c - the renderer engine: digests to Markdown and JSON reports */
/* SPDX-License-Identifier: MIT */
#include "renderer.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "dp_bus.h"
#include "dp_config.h"
#include "dp_fs.h"
#include "dp_json.h"
#include "dp_ledger.h"
#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_service.h"
#include "dp_text.h"
#include "dp_time.h"
#include "chart.h"
#include "html.h"
#include "site.h"

#define RENDERER_POLL_MS 500
#define RENDERER_MAX_TEXT 300            /* characters kept of untrusted text */
#define RENDERER_MAX_TZ (18L * 3600)     /* largest UTC offset accepted */
#define RENDERER_MAX_TIME 253402300799LL /* 9999-12-31T23:59:59Z */
#define RENDERER_MAX_NAME 100            /* GitHub owner and repository names */
#define RENDERER_MINUTE 60
#define RENDERER_TIME_LEN 64 /* "2025-12-10 18:47 (UTC+8)" and more */
#define RENDERER_WHERE_LEN 96
#define RENDERER_ERR_LEN 512
#define RENDERER_GITHUB "https://github.com/"
#define RENDERER_ITEMS_PAGE 256           /* items read from Redis at once */
#define RENDERER_ITEMS_MAX 100000000LL    /* items a cut list may claim */
#define RENDERER_SENTINEL "\001dp-items:" /* a cut list in the JSON dump */

struct renderer_t {
    renderer_cfg_t cfg;
    unsigned formats; /* RENDERER_FMT_* */
    dp_bus_t *bus;
    dp_sock_t *in, *pub;
    dp_buf_t frame;         /* receive buffer, reused */
    long bad;               /* frames and messages dropped */
    long failures;          /* reports that could not be written */
    dp_fs_syncer_t *syncer; /* makes written reports durable */
    dp_store_t *store;      /* the complete lists of capped digests, or NULL */
};

/* ==== The digest document ==== */

/* The five item lists, in report order. */
enum {
    S_NEW_ISSUES,
    S_CLOSED_ISSUES,
    S_NEW_PRS,
    S_MERGED_PRS,
    S_CLOSED_PRS,
    S_NLISTS
};

static const char *const s_list_keys[S_NLISTS] = {
    "new_issues", "closed_issues", "new_prs", "merged_prs", "closed_prs"};
static const bool s_list_pr[S_NLISTS] = {false, false, true, true, true};

/* The fixed sections after the summary and the topics. */
enum { S_HOT, S_TRENDS, S_CHANGES, S_ACTIVITY, S_WATCH, S_NSECTIONS };

static const char *const s_section_keys[S_NSECTIONS] = {
    "hot", "trends", "changes", "activity", "watch"};

/* The words of one report language. */
typedef struct {
    const char *report; /* between the name and the date of the title */
    const char *window; /* window line prefix */
    const char *stats;  /* stats line prefix */
    const char *counts[S_NLISTS];
    const char *summary;    /* summary heading */
    const char *topic_pre;  /* topic heading before the topic title */
    const char *topic_post; /* and after it */
    const char *sections[S_NSECTIONS];
    const char *appendix;
    const char *lists[S_NLISTS];
    const char *none; /* an empty list */
    const char *no_labels;
    const char *verbs[S_NLISTS];
    const char *health;
    const char *unknown;       /* an instant or value that is not known */
    const char *partial_head;  /* header line of a partial report, up to
                                  the time its data end */
    const char *partial_foot;  /* its footer line, the same way */
    const char *complete_foot; /* footer line of a complete report */
    const char *revised[2];    /* the note on a revised report, around N */
    const char *more[3];       /* after a cut list: before N, then after
                                  it with a file, or when unavailable */
} s_words_t;

static const s_words_t s_zh = {
    .report = " 开发动态报告 - ",
    .window = "> 时间窗口: ",
    .stats = "> 数据统计: ",
    .counts = {"新 Issue", "关闭 Issue", "新 PR", "合并 PR", "关闭未合并 PR"},
    .summary = "### 📊 每日开发状态摘要",
    .topic_pre = "### 🎯 ",
    .topic_post = " 生态相关动态",
    .sections = {"### 💬 高热度讨论分析", "### 🔥 热门话题与趋势分析",
                 "### 🛠️ 重点技术变更", "### 📈 开发活跃度观察",
                 "### 💡 值得关注的问题"},
    .appendix = "## 📋 附录：详细数据列表",
    .lists = {"### 新增 Issue", "### 已关闭 Issue", "### 新增 PR",
              "### 已合并 PR", "### 关闭但未合并的 PR"},
    .none = "- 无",
    .no_labels = "无标签",
    .verbs = {"创建于", "关闭于", "创建于", "合并于", "关闭于"},
    .health = "### 🩺 数据与运行状态",
    .unknown = "未知",
    .partial_head = "> 部分数据: 数据截至 ",
    .partial_foot = "- 部分数据: 数据截至 ",
    .complete_foot = "- 数据完整至: ",
    .revised = {"> 修订: 本报告为第 ", " 版，已按迟到的数据重写"},
    .more = {"- …… 另有 ", " 项，完整列表见 ", " 项，完整列表不可用"},
};

static const s_words_t s_en = {
    .report = " Development Report - ",
    .window = "> Window: ",
    .stats = "> Stats: ",
    .counts = {"New issues", "Closed issues", "New PRs", "Merged PRs",
               "PRs closed unmerged"},
    .summary = "### 📊 Status summary",
    .topic_pre = "### 🎯 ",
    .topic_post = " watch",
    .sections = {"### 💬 Hot discussions", "### 🔥 Topics and trends",
                 "### 🛠️ Key technical changes",
                 "### 📈 Contributor activity", "### 💡 Worth watching"},
    .appendix = "## 📋 Appendix: item lists",
    .lists = {"### New issues", "### Closed issues", "### New PRs",
              "### Merged PRs", "### PRs closed without merge"},
    .none = "- none",
    .no_labels = "no labels",
    .verbs = {"created", "closed", "created", "merged", "closed"},
    .health = "### 🩺 Data and pipeline health",
    .unknown = "unknown",
    .partial_head = "> Partial: data up to ",
    .partial_foot = "- Partial: data up to ",
    .complete_foot = "- Data complete until: ",
    .revised = {"> Revised: this is revision ",
                " of this report, rewritten for late data"},
    .more = {"- … ", " more: the complete lists are in ",
             " more, whose complete list is not available"},
};

/* What the renderer reads from a digest; strings and values are borrowed
 * from the document. */
typedef struct {
    const char *repo; /* "owner/name", checked */
    const char *name; /* display name (raw, untrusted) */
    bool zh;          /* language */
    int64_t from, to; /* the window */
    int tz;           /* display offset at from, seconds east of UTC */
    const char *zone; /* display zone, each instant in its own offset;
                         NULL: tz for every instant */
    int64_t complete; /* health.complete_until; -1 when absent */
    int64_t revision;
    int64_t counts[S_NLISTS];
    const json_t *lists[S_NLISTS];
    const json_t *topics;   /* array, or NULL */
    const json_t *sections; /* object, or NULL */
    bool sections_safe;     /* its texts are neutralized (s_safe_sections) */
    const json_t *health;   /* object */
    const json_t *cut;      /* capped.sections: the lists cut, or NULL */
    const json_t *releases; /* lists.releases, or NULL when none */
    const char *items_name; /* file with the complete lists, or NULL */
} s_digest_t;

static int s_bad(char *err, size_t errlen, const char *where, const char *key,
                 const char *what)
{
    snprintf(err, errlen, "digest: %s%s: %s", where, key, what);
    return DP_EJSON;
}

/* Reads member key of obj as an integer. Absent or null: DP_EJSON when
 * required, else *out is kept. */
static int s_int(const json_t *obj, const char *key, bool required,
                 int64_t *out, const char *where, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return required ? s_bad(err, errlen, where, key, "missing") : 0;
    if (!json_is_integer(v))
        return s_bad(err, errlen, where, key, "expected an integer");
    *out = (int64_t)json_integer_value(v);
    return 0;
}

/* The same for a string. */
static int s_str(const json_t *obj, const char *key, bool required,
                 const char **out, const char *where, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return required ? s_bad(err, errlen, where, key, "missing") : 0;
    if (!json_is_string(v))
        return s_bad(err, errlen, where, key, "expected a string");
    *out = json_string_value(v);
    return 0;
}

/* The same for a boolean. */
static int s_bool(const json_t *obj, const char *key, bool *out,
                  const char *where, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return s_bad(err, errlen, where, key, "expected a boolean");
    *out = json_is_true(v);
    return 0;
}

/* The same for an object or an array (type JSON_OBJECT or JSON_ARRAY). */
static int s_member(const json_t *obj, const char *key, json_type type,
                    bool required, const json_t **out, const char *where,
                    char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return required ? s_bad(err, errlen, where, key, "missing") : 0;
    if (json_typeof(v) != type)
        return s_bad(err, errlen, where, key,
                     type == JSON_OBJECT ? "expected an object"
                                         : "expected an array");
    *out = v;
    return 0;
}

static bool s_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* True for one part of "owner/name" that is safe in paths and URLs. */
static bool s_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > RENDERER_MAX_NAME)
        return false;
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!s_name_char(s[i]))
            return false;
    return true;
}

static bool s_repo_ok(const char *repo)
{
    const char *slash = strchr(repo, '/');
    if (!slash)
        return false;
    return s_name_ok(repo, (size_t)(slash - repo)) &&
           s_name_ok(slash + 1, strlen(slash + 1));
}

/* Reads the members that name the window: repo, from, to, tz_offset. */
static int s_read_window(const json_t *doc, s_digest_t *d, char *err,
                         size_t errlen)
{
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "digest: expected a JSON object");
        return DP_EJSON;
    }
    int64_t tz = 0;
    int rc = s_str(doc, "repo", true, &d->repo, "", err, errlen);
    if (rc == 0 && !s_repo_ok(d->repo))
        rc = s_bad(err, errlen, "", "repo", "expected \"owner/name\"");
    if (rc == 0)
        rc = s_int(doc, "from", true, &d->from, "", err, errlen);
    if (rc == 0)
        rc = s_int(doc, "to", true, &d->to, "", err, errlen);
    if (rc == 0 && (d->from <= 0 || d->from >= RENDERER_MAX_TIME))
        rc = s_bad(err, errlen, "", "from", "out of range");
    if (rc == 0 && (d->to <= d->from || d->to > RENDERER_MAX_TIME))
        rc = s_bad(err, errlen, "", "to", "not after from");
    if (rc == 0)
        rc = s_int(doc, "tz_offset", true, &tz, "", err, errlen);
    if (rc == 0 && (tz < -RENDERER_MAX_TZ || tz > RENDERER_MAX_TZ))
        rc = s_bad(err, errlen, "", "tz_offset", "out of range");
    d->tz = (int)tz;
    if (rc == 0)
        rc = s_str(doc, "tz", false, &d->zone, "", err, errlen);
    /* A zone this host does not know falls back to the offset at from. */
    int probe = 0;
    if (rc == 0 && d->zone && dp_tz_offset(d->zone, d->from, &probe) < 0)
        d->zone = NULL;
    return rc;
}

/* Reads and checks the whole top level of a digest. Items, topics and
 * sections are checked as they are rendered. */
static int s_read(const json_t *doc, s_digest_t *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->revision = 1;
    const char *lang = NULL;
    const json_t *counts = NULL, *lists = NULL;
    int rc = s_read_window(doc, d, err, errlen);
    if (rc == 0)
        rc = s_str(doc, "name", false, &d->name, "", err, errlen);
    if (rc == 0)
        rc = s_str(doc, "lang", false, &lang, "", err, errlen);
    if (rc == 0)
        rc = s_int(doc, "revision", false, &d->revision, "", err, errlen);
    if (rc == 0)
        rc = s_member(doc, "counts", JSON_OBJECT, true, &counts, "", err,
                      errlen);
    if (rc == 0)
        rc = s_member(doc, "lists", JSON_OBJECT, true, &lists, "", err, errlen);
    for (size_t i = 0; rc == 0 && i < S_NLISTS; i++) {
        rc = s_int(counts, s_list_keys[i], true, &d->counts[i], "counts.", err,
                   errlen);
        if (rc == 0 && d->counts[i] < 0)
            rc = s_bad(err, errlen, "counts.", s_list_keys[i], "negative");
        if (rc == 0)
            rc = s_member(lists, s_list_keys[i], JSON_ARRAY, true, &d->lists[i],
                          "lists.", err, errlen);
    }
    if (rc == 0)
        rc = s_member(lists, "releases", JSON_ARRAY, false, &d->releases,
                      "lists.", err, errlen);
    if (rc == 0)
        rc = s_member(doc, "topics", JSON_ARRAY, false, &d->topics, "", err,
                      errlen);
    if (rc == 0)
        rc = s_member(doc, "sections", JSON_OBJECT, false, &d->sections, "",
                      err, errlen);
    if (rc == 0)
        rc = s_member(doc, "health", JSON_OBJECT, true, &d->health, "", err,
                      errlen);
    d->complete = -1;
    if (rc == 0)
        rc = s_int(d->health, "complete_until", false, &d->complete, "health.",
                   err, errlen);
    const json_t *capped = NULL;
    if (rc == 0)
        rc = s_member(doc, "capped", JSON_OBJECT, false, &capped, "", err,
                      errlen);
    if (rc == 0 && capped)
        rc = s_member(capped, "sections", JSON_OBJECT, true, &d->cut, "capped.",
                      err, errlen);
    if (rc == 0 && (!d->name || !*d->name))
        d->name = strchr(d->repo, '/') + 1;
    d->zh = !(lang && strcmp(lang, "en") == 0);
    return rc;
}

/* ==== Markdown ==== */

/* The display offset of instant t: that of the zone at t, so a window
 * across a daylight saving change shows each time in its own offset. */
static int s_offset(const s_digest_t *d, int64_t t)
{
    int offset = d->tz;
    if (d->zone && dp_tz_offset(d->zone, t, &offset) < 0)
        offset = d->tz;
    return offset;
}

/* Writes an instant as reports show it, or the word for unknown. */
static void s_when(int64_t t, const s_digest_t *d, const s_words_t *w,
                   char *buf, size_t size)
{
    if (t <= 0 || t > RENDERER_MAX_TIME)
        snprintf(buf, size, "%s", w->unknown);
    else
        dp_time_report(t, s_offset(d, t), buf, size);
}

/* True when the data of the window end before it does. */
static bool s_partial(const s_digest_t *d)
{
    return d->complete >= 0 && d->complete < d->to;
}

static void s_inline(dp_buf_t *out, const char *text)
{
    dp_text_md_inline(out, text ? text : "", RENDERER_MAX_TEXT);
}

/* True when s can stand as a plain YAML scalar after "title: ". */
static bool s_yaml_plain(const char *s)
{
    static const char indicators[] = "-?:,[]{}#&*!|>'\"%@` \t";
    size_t len = strlen(s);
    if (len == 0 || strchr(indicators, s[0]) || s[len - 1] == ' ')
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c == '#' || c == '"' || c == '\'')
            return false;
        if (c == ':' && (p[1] == ' ' || p[1] == '\0'))
            return false;
    }
    return true;
}

/* Appends s as a YAML scalar: plain when it can be, else double-quoted. */
static void s_yaml_scalar(dp_buf_t *out, const char *s)
{
    if (s_yaml_plain(s)) {
        dp_buf_puts(out, s);
        return;
    }
    dp_buf_puts(out, "\"");
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            dp_buf_printf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            dp_buf_printf(out, "\\x%02x", c);
        else
            dp_buf_append(out, p, 1);
    }
    dp_buf_puts(out, "\"");
}

/* Front matter, title and the window and stats lines. */
static void s_header(dp_buf_t *out, const s_digest_t *d, const s_words_t *w)
{
    char date[16], from[RENDERER_TIME_LEN], to[RENDERER_TIME_LEN];
    dp_time_format(d->from, s_offset(d, d->from), "%Y-%m-%d", date,
                   sizeof date);
    s_when(d->from, d, w, from, sizeof from);
    s_when(d->to, d, w, to, sizeof to);

    dp_buf_t title = DP_BUF_INIT;
    s_inline(&title, d->name);
    dp_buf_printf(&title, "%s%s", w->report, date);

    dp_buf_puts(out, "---\ntitle: ");
    s_yaml_scalar(out, title.data);
    dp_buf_printf(out, "\ndate: %s\nlayout: default\n---\n\n", date);
    dp_buf_printf(out, "# %s\n\n", title.data);
    dp_buf_printf(out, "%s%s ~ %s\n", w->window, from, to);
    dp_buf_puts(out, w->stats);
    for (size_t i = 0; i < S_NLISTS; i++)
        dp_buf_printf(out, "%s%s %lld", i ? " | " : "", w->counts[i],
                      (long long)d->counts[i]);
    dp_buf_puts(out, "\n");
    if (s_partial(d)) {
        char when[RENDERER_TIME_LEN];
        s_when(d->complete, d, w, when, sizeof when);
        dp_buf_printf(out, "%s%s\n", w->partial_head, when);
    }
    if (d->revision > 1)
        dp_buf_printf(out, "%s%lld%s\n", w->revised[0], (long long)d->revision,
                      w->revised[1]);
    dp_buf_puts(out, "\n---\n\n");
    dp_buf_free(&title);
}

/* A heading, then the text without blank lines around it, then one blank
 * line. The text is untrusted Markdown whoever wrote it: it goes through
 * dp_text_md_block, which keeps what the extractive writer writes as it
 * is. */
static void s_section(dp_buf_t *out, const char *heading, const char *raw,
                      bool safe_already)
{
    dp_buf_printf(out, "%s\n", heading);
    dp_buf_t safe = DP_BUF_INIT;
    if (!safe_already)
        dp_text_md_block(&safe, raw);
    const char *text = safe_already ? (raw ? raw : "") : safe.data;
    while (*text == '\n')
        text++;
    size_t len = strlen(text);
    while (len > 0 && strchr(" \t\n", text[len - 1]))
        len--;
    if (len > 0) {
        dp_buf_append(out, text, len);
        dp_buf_puts(out, "\n");
    }
    dp_buf_puts(out, "\n");
    dp_buf_free(&safe);
}

/* One section per topic, in the digest's order. */
static int s_topics(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                    char *err, size_t errlen)
{
    const json_t *texts = NULL;
    int rc = 0;
    if (d->sections)
        rc = s_member(d->sections, "topics", JSON_OBJECT, false, &texts,
                      "sections.", err, errlen);
    for (size_t i = 0; rc == 0 && d->topics && i < json_array_size(d->topics);
         i++) {
        const json_t *topic = json_array_get(d->topics, i);
        char where[RENDERER_WHERE_LEN];
        snprintf(where, sizeof where, "topics[%zu].", i);
        if (!json_is_object(topic))
            return s_bad(err, errlen, where, "", "expected an object");
        const char *id = NULL, *title = NULL, *text = NULL;
        rc = s_str(topic, "id", true, &id, where, err, errlen);
        if (rc == 0)
            rc = s_str(topic, "title", false, &title, where, err, errlen);
        if (rc == 0 && texts)
            rc =
                s_str(texts, id, false, &text, "sections.topics.", err, errlen);
        if (rc < 0)
            break;
        dp_buf_t heading = DP_BUF_INIT;
        dp_buf_puts(&heading, w->topic_pre);
        s_inline(&heading, title && *title ? title : id);
        dp_buf_puts(&heading, w->topic_post);
        s_section(out, heading.data, text, d->sections_safe);
        dp_buf_free(&heading);
    }
    return rc;
}

/* The summary, the topics and the fixed sections. */
static int s_sections(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                      char *err, size_t errlen)
{
    const char *text = NULL;
    int rc = 0;
    if (d->sections)
        rc = s_str(d->sections, "summary", false, &text, "sections.", err,
                   errlen);
    if (rc < 0)
        return rc;
    s_section(out, w->summary, text, d->sections_safe);
    rc = s_topics(out, d, w, err, errlen);
    for (size_t i = 0; rc == 0 && i < S_NSECTIONS; i++) {
        text = NULL;
        if (d->sections)
            rc = s_str(d->sections, s_section_keys[i], false, &text,
                       "sections.", err, errlen);
        if (rc == 0)
            s_section(out, w->sections[i], text, d->sections_safe);
    }
    return rc;
}

/* Labels joined by ", ", or the words for none. */
static int s_labels(dp_buf_t *out, const json_t *labels, const s_words_t *w,
                    const char *where, char *err, size_t errlen)
{
    size_t n = labels ? json_array_size(labels) : 0;
    if (n == 0) {
        dp_buf_puts(out, w->no_labels);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *label = json_array_get(labels, i);
        if (!json_is_string(label))
            return s_bad(err, errlen, where, "labels", "expected strings");
        if (i)
            dp_buf_puts(out, ", ");
        s_inline(out, json_string_value(label));
    }
    return 0;
}

/* Appends the link of item num (its decimal number): its own URL only when
 * it is the canonical GitHub URL of this repository and number, else that
 * URL built from them. */
static void s_item_url(dp_buf_t *out, const s_digest_t *d, const char *num,
                       bool pr, const char *url)
{
    size_t base = strlen(RENDERER_GITHUB), repo = strlen(d->repo);
    /* The URL of the item says which it is when it is GitHub's page of
     * this number in this repository: ".../issues/N" or ".../pull/N". */
    if (url && strncmp(url, RENDERER_GITHUB, base) == 0 &&
        strncmp(url + base, d->repo, repo) == 0) {
        const char *rest = url + base + repo;
        if (strncmp(rest, "/issues/", 8) == 0 && strcmp(rest + 8, num) == 0)
            pr = false;
        else if (strncmp(rest, "/pull/", 6) == 0 && strcmp(rest + 6, num) == 0)
            pr = true;
    }
    dp_buf_puts(out, RENDERER_GITHUB);
    dp_buf_puts(out, d->repo);
    dp_buf_puts(out, pr ? "/pull/" : "/issues/");
    dp_buf_puts(out, num);
}

/* One appendix line. */
static int s_item(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                  size_t list, size_t idx, const json_t *item, char *err,
                  size_t errlen)
{
    char where[RENDERER_WHERE_LEN];
    snprintf(where, sizeof where, "lists.%s[%zu].", s_list_keys[list], idx);
    if (!json_is_object(item))
        return s_bad(err, errlen, where, "", "expected an object");
    int64_t number = 0, at = 0;
    const char *title = "", *url = NULL, *author = NULL;
    const json_t *labels = NULL;
    bool pr = s_list_pr[list];
    int rc = s_int(item, "number", true, &number, where, err, errlen);
    if (rc == 0 && number <= 0)
        rc = s_bad(err, errlen, where, "number", "not positive");
    if (rc == 0)
        rc = s_str(item, "title", false, &title, where, err, errlen);
    if (rc == 0)
        rc = s_str(item, "url", false, &url, where, err, errlen);
    if (rc == 0)
        rc = s_str(item, "author", false, &author, where, err, errlen);
    if (rc == 0)
        rc = s_int(item, "at", false, &at, where, err, errlen);
    if (rc == 0)
        rc = s_bool(item, "pr", &pr, where, err, errlen);
    if (rc == 0)
        rc = s_member(item, "labels", JSON_ARRAY, false, &labels, where, err,
                      errlen);
    if (rc < 0)
        return rc;

    char when[RENDERER_TIME_LEN];
    s_when(at, d, w, when, sizeof when);
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)number);
    dp_buf_puts(out, "- [#");
    dp_buf_puts(out, num);
    dp_buf_puts(out, "](");
    s_item_url(out, d, num, pr, url);
    dp_buf_puts(out, ") ");
    s_inline(out, title);
    dp_buf_puts(out, " — ");
    rc = s_labels(out, labels, w, where, err, errlen);
    dp_buf_puts(out, " — by ");
    s_inline(out, author && *author ? author : "ghost");
    dp_buf_puts(out, " (");
    dp_buf_puts(out, w->verbs[list]);
    dp_buf_puts(out, ": ");
    dp_buf_puts(out, when);
    dp_buf_puts(out, ")\n");
    return rc;
}

/* The full length of a list that a capped digest cut (capped.sections
 * names it and gives a total between shown and RENDERER_ITEMS_MAX), or
 * -1 when the list is whole. */
static long long s_cut_total(const s_digest_t *d, const char *section,
                             size_t shown, long long *at)
{
    const json_t *c = json_object_get(d->cut, section);
    json_int_t total = json_integer_value(json_object_get(c, "total"));
    json_int_t first = json_integer_value(json_object_get(c, "at"));
    if (!c || total <= (json_int_t)shown || total > RENDERER_ITEMS_MAX ||
        first < 0 || first > RENDERER_ITEMS_MAX)
        return -1;
    if (at)
        *at = first;
    return total;
}

/* ==== Releases ==== */

/* Words of the releases, [0] zh, [1] en: the section, its appendix list,
 * a prerelease, the verb of the time. */
static const char *const s_rel_words[2][4] = {
    {"### 🚀 版本发布", "### 版本发布", "预发布", "发布于"},
    {"### 🚀 Releases", "### Releases", "prerelease", "published"},
};

/* One release of lists.releases: the section's line (its name linked,
 * tag, author, time), or the appendix's (its tag linked). Every text is
 * untrusted; the link is GitHub's page of that tag in this repository. */
static int s_release(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                     size_t idx, bool appendix, char *err, size_t errlen)
{
    char where[RENDERER_WHERE_LEN];
    snprintf(where, sizeof where, "lists.releases[%zu].", idx);
    const json_t *rel = json_array_get(d->releases, idx);
    if (!json_is_object(rel))
        return s_bad(err, errlen, where, "", "expected an object");
    const char *tag = NULL, *name = NULL, *author = NULL, *url = NULL;
    int64_t at = 0;
    bool pre = false;
    int rc = s_str(rel, "tag", true, &tag, where, err, errlen);
    if (rc == 0)
        rc = s_str(rel, "name", false, &name, where, err, errlen);
    if (rc == 0)
        rc = s_str(rel, "author", false, &author, where, err, errlen);
    if (rc == 0)
        rc = s_str(rel, "url", false, &url, where, err, errlen);
    if (rc == 0)
        rc = s_int(rel, "at", false, &at, where, err, errlen);
    if (rc == 0)
        rc = s_bool(rel, "prerelease", &pre, where, err, errlen);
    if (rc < 0)
        return rc;
    const char *const *rw = s_rel_words[d->zh ? 0 : 1];
    char *base = dp_asprintf(RENDERER_GITHUB "%s/releases/tag/", d->repo);
    dp_buf_t link = DP_BUF_INIT;
    if (url && !strncmp(url, base, strlen(base)) && url[strlen(base)])
        dp_buf_puts(&link, url);
    else
        dp_buf_printf(&link, "%s%s", base, tag);
    char when[RENDERER_TIME_LEN];
    s_when(at, d, w, when, sizeof when);
    dp_buf_puts(out, "- [");
    s_inline(out, appendix || !name || !*name ? tag : name);
    dp_buf_puts(out, "](");
    dp_text_url(out, link.data);
    dp_buf_puts(out, ") ");
    if (appendix) {
        s_inline(out, name && *name ? name : "");
    } else {
        dp_text_md_code(out, tag, RENDERER_MAX_TEXT);
    }
    if (pre)
        dp_buf_printf(out, " (%s)", rw[2]);
    dp_buf_puts(out, " — by ");
    s_inline(out, author && *author ? author : "ghost");
    dp_buf_printf(out, " (%s: %s)\n", rw[3], when);
    dp_buf_free(&link);
    dp_free(base);
    return 0;
}

/* The releases of the window, as a section or as the appendix's list;
 * nothing at all when the digest has none. */
static int s_releases(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                      bool appendix, char *err, size_t errlen)
{
    size_t n = json_array_size(d->releases);
    if (n == 0)
        return 0;
    dp_buf_printf(out, "%s\n", s_rel_words[d->zh ? 0 : 1][appendix ? 1 : 0]);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = s_release(out, d, w, i, appendix, err, errlen);
    dp_buf_puts(out, "\n");
    return rc;
}

static int s_appendix(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                      char *err, size_t errlen)
{
    int rc = 0;
    dp_buf_printf(out, "---\n\n%s\n\n", w->appendix);
    for (size_t i = 0; rc == 0 && i < S_NLISTS; i++) {
        size_t n = json_array_size(d->lists[i]);
        dp_buf_printf(out, "%s\n", w->lists[i]);
        if (n == 0)
            dp_buf_printf(out, "%s\n", w->none);
        for (size_t j = 0; rc == 0 && j < n; j++)
            rc = s_item(out, d, w, i, j, json_array_get(d->lists[i], j), err,
                        errlen);
        char section[RENDERER_WHERE_LEN];
        snprintf(section, sizeof section, "lists.%s", s_list_keys[i]);
        long long total = s_cut_total(d, section, n, NULL);
        if (total > 0) {
            dp_buf_printf(out, "%s%lld%s", w->more[0], total - (long long)n,
                          w->more[d->items_name ? 1 : 2]);
            if (d->items_name)
                dp_buf_printf(out, "[%s](%s)", d->items_name, d->items_name);
            dp_buf_puts(out, "\n");
        }
        dp_buf_puts(out, "\n");
    }
    if (rc == 0)
        rc = s_releases(out, d, w, true, err, errlen);
    dp_buf_puts(out, "---\n\n");
    return rc;
}

/* Section keys of health.llm_sections and how the footer names them. */
static const char *const s_llm_keys[] = {
    "summary", "topics", "hot", "trends", "changes", "activity", "watch"};
static const char *const s_llm_names[][2] = {
    {"每日开发状态摘要", "status summary"}, {"生态相关动态", "topic watch"},
    {"高热度讨论分析", "hot discussions"},  {"热门话题与趋势分析", "trends"},
    {"重点技术变更", "key changes"},        {"开发活跃度观察", "activity"},
    {"值得关注的问题", "worth watching"},
};

/* The writer line: extractive, or an LLM named by the digest, with the
 * sections it wrote when the digest lists them (the rest are extractive). */
static void s_writer(dp_buf_t *out, const char *writer,
                     const json_t *llm_sections, bool zh)
{
    bool extractive = strcmp(writer, "extractive") == 0;
    if (zh && extractive) {
        dp_buf_puts(out, "- 撰写方式: 抽取式（确定性，无 LLM）\n");
        return;
    }
    if (extractive) {
        dp_buf_puts(out, "- Writer: extractive (deterministic, no LLM)\n");
        return;
    }
    dp_buf_puts(out, zh ? "- 撰写方式: LLM (" : "- Writer: LLM (");
    s_inline(out, writer);
    dp_buf_puts(out, ")");
    size_t n = json_array_size(llm_sections);
    if (n > 0)
        dp_buf_puts(out, zh ? "，LLM 撰写: " : "; written by the LLM: ");
    for (size_t i = 0; i < n; i++) {
        const char *key = json_string_value(json_array_get(llm_sections, i));
        const char *name = NULL;
        for (size_t k = 0; k < sizeof s_llm_keys / sizeof s_llm_keys[0]; k++)
            if (strcmp(key, s_llm_keys[k]) == 0)
                name = s_llm_names[k][zh ? 0 : 1];
        if (i)
            dp_buf_puts(out, zh ? "、" : ", ");
        if (name)
            dp_buf_puts(out, name);
        else
            s_inline(out, key);
    }
    if (n > 0)
        dp_buf_puts(out, zh ? "；其余为抽取式" : "; the rest extractive");
    dp_buf_puts(out, "\n");
}

/* The name of a health.llm section ("hot.12": the hot discussions, #12). */
static void s_llm_part(dp_buf_t *out, const char *name, bool zh)
{
    const char *dot = strchr(name, '.');
    size_t len = dot ? (size_t)(dot - name) : strlen(name);
    const char *label = NULL;
    for (size_t k = 0; k < sizeof s_llm_keys / sizeof s_llm_keys[0]; k++)
        if (strlen(s_llm_keys[k]) == len && !strncmp(name, s_llm_keys[k], len))
            label = s_llm_names[k][zh ? 0 : 1];
    if (!label) {
        s_inline(out, name);
        return;
    }
    dp_buf_puts(out, label);
    if (dot) {
        dp_buf_puts(out, " #");
        s_inline(out, dot + 1);
    }
}

/* The LLM lines: model, tokens, cost, and the sections that took the
 * repair or the extractive path, with why. health.llm is optional; what
 * is not of the expected type is left out. */
static void s_llm_health(dp_buf_t *out, const json_t *llm, bool zh)
{
    if (!json_is_object(llm))
        return;
    dp_buf_puts(out, zh ? "- LLM: 模型 " : "- LLM: model ");
    s_inline(out, json_string_value(json_object_get(llm, "model")));
    const char *pv = json_string_value(json_object_get(llm, "prompt_version"));
    if (pv) {
        dp_buf_puts(out, zh ? "，提示词 " : ", prompts ");
        s_inline(out, pv);
    }
    const json_t *t = json_object_get(llm, "tokens");
    json_int_t prompt = json_integer_value(json_object_get(t, "prompt"));
    json_int_t completion =
        json_integer_value(json_object_get(t, "completion"));
    dp_buf_printf(out,
                  zh ? "，tokens %lld（提示 %lld + 回答 %lld）"
                     : ", tokens %lld (prompt %lld + completion %lld)",
                  (long long)(prompt + completion), (long long)prompt,
                  (long long)completion);
    const json_t *cost = json_object_get(llm, "cost");
    if (json_is_number(cost))
        dp_buf_printf(out, zh ? "，费用 $%.4f" : ", cost $%.4f",
                      json_number_value(cost));
    else
        dp_buf_puts(out, zh ? "，费用未知" : ", cost unknown");
    dp_buf_printf(
        out,
        zh ? "，调用 %lld 次，缓存命中 %lld 次\n"
           : ", calls %lld, cached answers %lld\n",
        (long long)json_integer_value(json_object_get(llm, "calls")),
        (long long)json_integer_value(json_object_get(llm, "cached")));
    static const char *const paths[] = {"repaired", "extractive"};
    static const char *const heads[][2] = {
        {"- 修正后采用: ", "- Accepted after a repair: "},
        {"- 回退为抽取式: ", "- Fell back to extractive: "}};
    for (size_t p = 0; p < 2; p++) {
        size_t n = 0;
        const char *name;
        const json_t *sec;
        json_object_foreach((json_t *)json_object_get(llm, "sections"), name,
                            sec)
        {
            const char *path = json_string_value(json_object_get(sec, "path"));
            if (!path || strcmp(path, paths[p]) != 0)
                continue;
            dp_buf_puts(out, n++ ? (zh ? "；" : "; ") : heads[p][zh ? 0 : 1]);
            s_llm_part(out, name, zh);
            const char *why = json_string_value(json_object_get(sec, "reason"));
            if (why) {
                dp_buf_puts(out, zh ? "（" : " (");
                s_inline(out, why);
                dp_buf_puts(out, zh ? "）" : ")");
            }
        }
        if (n)
            dp_buf_puts(out, "\n");
    }
}

/* The health footer. Lines whose data the digest lacks are left out. */
static int s_health(dp_buf_t *out, const s_digest_t *d, const s_words_t *w,
                    char *err, size_t errlen)
{
    const char *where = "health.";
    int64_t requests = -1, not_modified = 0, retries = 0;
    int64_t rl_remaining = -1, rl_limit = -1, events = -1;
    const char *writer = NULL;
    const json_t *problems = NULL, *llm_sections = NULL;
    const json_t *h = d->health;
    int rc = s_int(h, "requests", false, &requests, where, err, errlen);
    if (rc == 0)
        rc = s_int(h, "not_modified", false, &not_modified, where, err, errlen);
    if (rc == 0)
        rc = s_int(h, "retries", false, &retries, where, err, errlen);
    if (rc == 0)
        rc = s_int(h, "rl_remaining", false, &rl_remaining, where, err, errlen);
    if (rc == 0)
        rc = s_int(h, "rl_limit", false, &rl_limit, where, err, errlen);
    if (rc == 0)
        rc = s_int(h, "events", false, &events, where, err, errlen);
    if (rc == 0)
        rc = s_str(h, "writer", false, &writer, where, err, errlen);
    if (rc == 0)
        rc = s_member(h, "problems", JSON_ARRAY, false, &problems, where, err,
                      errlen);
    for (size_t i = 0; rc == 0 && i < json_array_size(problems); i++)
        if (!json_is_string(json_array_get(problems, i)))
            rc = s_bad(err, errlen, where, "problems", "expected strings");
    if (rc == 0)
        rc = s_member(h, "llm_sections", JSON_ARRAY, false, &llm_sections,
                      where, err, errlen);
    for (size_t i = 0; rc == 0 && i < json_array_size(llm_sections); i++)
        if (!json_is_string(json_array_get(llm_sections, i)))
            rc = s_bad(err, errlen, where, "llm_sections", "expected strings");
    if (rc < 0)
        return rc;

    bool zh = d->zh;
    dp_buf_printf(out, "%s\n", w->health);
    size_t body = out->len;
    if (d->complete >= 0) {
        char when[RENDERER_TIME_LEN];
        s_when(d->complete, d, w, when, sizeof when);
        dp_buf_printf(out, "%s%s\n",
                      s_partial(d) ? w->partial_foot : w->complete_foot, when);
    }
    if (requests >= 0)
        dp_buf_printf(out,
                      zh ? "- GitHub API 请求: %lld 次（其中 304 未变更 %lld "
                           "次，重试 %lld 次）\n"
                         : "- GitHub API requests: %lld (304 not modified: "
                           "%lld, retries: %lld)\n",
                      (long long)requests, (long long)not_modified,
                      (long long)retries);
    if (rl_remaining < 0 || rl_limit < 0)
        dp_buf_printf(
            out, zh ? "- 速率限制余量: %s\n" : "- Rate limit remaining: %s\n",
            w->unknown);
    else
        dp_buf_printf(out,
                      zh ? "- 速率限制余量: %lld/%lld\n"
                         : "- Rate limit remaining: %lld/%lld\n",
                      (long long)rl_remaining, (long long)rl_limit);
    if (events >= 0)
        dp_buf_printf(out, zh ? "- 事件数: %lld\n" : "- Events: %lld\n",
                      (long long)events);
    if (writer)
        s_writer(out, writer, llm_sections, zh);
    s_llm_health(out, json_object_get(h, "llm"), zh);
    if (d->revision > 1)
        dp_buf_printf(out, zh ? "- 修订: 第 %lld 版\n" : "- Revision: %lld\n",
                      (long long)d->revision);
    for (size_t i = 0; i < json_array_size(problems); i++) {
        dp_buf_puts(out, zh ? "- 问题: " : "- Problem: ");
        s_inline(out, json_string_value(json_array_get(problems, i)));
        dp_buf_puts(out, "\n");
    }
    if (out->len == body)
        dp_buf_printf(out, "%s\n", w->none);
    return 0;
}

/* renderer_markdown, with the name of the file that holds the complete
 * lists of a capped digest (NULL: none); with safe, the digest's sections
 * were neutralized already (s_safe_sections). */
static int s_markdown(const json_t *digest, const char *items_name, bool safe,
                      dp_buf_t *out, char *err, size_t errlen)
{
    s_digest_t d;
    dp_buf_t md = DP_BUF_INIT;
    int rc = s_read(digest, &d, err, errlen);
    if (rc < 0)
        goto out;
    d.items_name = items_name;
    d.sections_safe = safe;
    const s_words_t *w = d.zh ? &s_zh : &s_en;
    s_header(&md, &d, w);
    rc = s_sections(&md, &d, w, err, errlen);
    if (rc == 0)
        rc = s_releases(&md, &d, w, false, err, errlen);
    if (rc == 0)
        rc = s_appendix(&md, &d, w, err, errlen);
    if (rc == 0)
        rc = s_health(&md, &d, w, err, errlen);
    if (rc == 0)
        dp_buf_append(out, md.data, md.len);
out:
    dp_buf_free(&md);
    return rc;
}

int renderer_markdown(const json_t *digest, dp_buf_t *out, char *err,
                      size_t errlen)
{
    assert(out);
    assert(err || errlen == 0);
    return s_markdown(digest, NULL, false, out, err, errlen);
}

/* ==== Paths ==== */

static int s_paths(const json_t *digest, const char *out_dir, char **md_path,
                   char *err, size_t errlen)
{
    s_digest_t d;
    memset(&d, 0, sizeof d);
    *md_path = NULL;
    int rc = s_read_window(digest, &d, err, errlen);
    if (rc < 0)
        return rc;
    char date[16], hhmm[8], len[32];
    int offset = s_offset(&d, d.from);
    dp_time_format(d.from, offset, "%Y-%m-%d", date, sizeof date);
    dp_time_format(d.from, offset, "%H%M", hhmm, sizeof hhmm);
    int64_t secs = d.to - d.from;
    dp_window_kind_t kind;
    /* A local day or week across a daylight saving change is still one. */
    if (dp_window_kind_of(d.from, d.to, d.zone, &kind) < 0)
        snprintf(len, sizeof len, "%lldm",
                 (long long)((secs + RENDERER_MINUTE - 1) / RENDERER_MINUTE));
    else if (kind == DP_WINDOW_HOURLY)
        snprintf(len, sizeof len, "1h");
    else if (kind == DP_WINDOW_DAILY)
        snprintf(len, sizeof len, "1d");
    else
        snprintf(len, sizeof len, "7d");
    /* The second pass through an hour that daylight saving repeats starts
     * at the same local time as the first: its name says so. */
    const char *again =
        d.zone && dp_time_local_repeated(d.zone, d.from) ? "-2" : "";

    const char *slash = strchr(d.repo, '/');
    int olen = (int)(slash - d.repo);
    const char *repo = slash + 1;
    size_t dlen = strlen(out_dir);
    while (dlen > 1 && out_dir[dlen - 1] == '/')
        dlen--;
    if (dlen == 0) {
        out_dir = ".";
        dlen = 1;
    }
    const char *sep = out_dir[dlen - 1] == '/' ? "" : "/";
    *md_path = dp_asprintf("%.*s%s%.*s/%s/_posts/%s-%.*s-%s-%s-%s%s.md",
                           (int)dlen, out_dir, sep, olen, d.repo, repo, date,
                           olen, d.repo, repo, hhmm, len, again);
    return 0;
}

int renderer_paths(const json_t *digest, const char *out_dir, char **md_path)
{
    assert(out_dir && md_path);
    char err[RENDERER_ERR_LEN];
    return s_paths(digest, out_dir, md_path, err, sizeof err);
}

/* ==== Handling a digest ==== */

static void s_window_copy(const dp_digest_t *digest, char **repo, int64_t *from,
                          int64_t *to, int64_t *revision)
{
    *repo = dp_strdup(digest->repo);
    *from = digest->win_from;
    *to = digest->win_to;
    *revision = digest->revision;
}

static void s_status(const dp_digest_t *digest, const char *what,
                     const char *err, dp_msg_t *reply)
{
    dp_msg_clear(reply);
    reply->type = DP_MSG_STATUS;
    dp_status_t *st = &reply->u.status;
    s_window_copy(digest, &st->repo, &st->win_from, &st->win_to, &st->revision);
    st->reply_to = dp_strdup(digest->reply_to);
    st->service = dp_strdup("renderer");
    st->state = dp_strdup("failed");
    st->message = dp_asprintf("%s%s", what, err);
}

/* The absolute form of a path that exists. */
static char *s_absolute(const char *path)
{
    char *real = realpath(path, NULL);
    if (real) {
        char *copy = dp_strdup(real);
        free(real);
        return copy;
    }
    if (path[0] == '/')
        return dp_strdup(path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return dp_strdup(path);
    return dp_asprintf("%s/%s", cwd, path);
}

/* A bit of formats, never a format: the service writes a report's own
 * files without fsync, answers, then syncs them (s_handle). */
#define S_DEFER_SYNC (1u << 31)

/* Writes len bytes to path atomically, synced unless formats defers it. */
static int s_write(const char *path, const void *data, size_t len,
                   unsigned formats, char *err, size_t errlen)
{
    if (formats & S_DEFER_SYNC)
        return dp_fs_write_atomic_nosync(path, data, len, NULL, err, errlen);
    return dp_fs_write_atomic(path, data, len, NULL, err, errlen);
}

/* Writes len bytes of b to path and adds its absolute path to files. */
static int s_put(const char *path, const dp_buf_t *b, unsigned formats,
                 dp_strs_t *files, char *err, size_t errlen)
{
    int rc = s_write(path, b->data, b->len, formats, err, errlen);
    if (rc == 0) {
        char *abs = s_absolute(path);
        dp_strs_push(files, abs);
        dp_free(abs);
    }
    return rc;
}

/* A file written piece by piece into a temporary file, then renamed over
 * its path: readers see the old file or the whole new one. */
typedef struct {
    FILE *f;
    char *tmp, *path;
    bool failed; /* a write failed: the file is not kept */
} s_file_t;

static int s_file_open(s_file_t *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->tmp = dp_asprintf("%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd >= 0 && fchmod(fd, DP_FS_FILE_MODE) == 0)
        o->f = fdopen(fd, "w");
    if (!o->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        dp_free(o->tmp);
        o->tmp = NULL;
        return DP_EIO;
    }
    o->path = dp_strdup(path);
    return 0;
}

static void s_file_put(s_file_t *o, const char *data, size_t len)
{
    if (!o->failed && len > 0 && fwrite(data, 1, len, o->f) != len)
        o->failed = true;
}

/* Closes the file and renames it over its path when keep is set and every
 * write succeeded; otherwise removes it. 0 or DP_EIO (err says why). */
static int s_file_close(s_file_t *o, bool keep, char *err, size_t errlen)
{
    if (!o->f)
        return DP_EIO;
    bool ok = !o->failed && fflush(o->f) == 0 && fsync(fileno(o->f)) == 0;
    ok = fclose(o->f) == 0 && ok;
    o->f = NULL;
    int rc = 0;
    if (keep && ok && rename(o->tmp, o->path) == 0)
        goto out;
    if (keep) {
        snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
        rc = DP_EIO;
    }
    unlink(o->tmp);
out:
    dp_free(o->tmp);
    dp_free(o->path);
    o->tmp = o->path = NULL;
    return rc;
}

/* Copies the file src to path, atomically, and adds path's absolute path to
 * files: the JSON of a capped digest, which is not held in memory. */
static int s_copy(const char *src, const char *path, dp_strs_t *files,
                  char *err, size_t errlen)
{
    FILE *in = fopen(src, "r");
    if (!in) {
        snprintf(err, errlen, "%s: %s", src, strerror(errno));
        return DP_EIO;
    }
    s_file_t out;
    int rc = s_file_open(&out, path, err, errlen);
    char chunk[BUFSIZ];
    size_t n;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
        s_file_put(&out, chunk, n);
    if (rc == 0 && ferror(in))
        out.failed = true;
    fclose(in);
    if (rc == 0)
        rc = s_file_close(&out, true, err, errlen);
    if (rc == 0) {
        char *abs = s_absolute(path);
        dp_strs_push(files, abs);
        dp_free(abs);
    }
    return rc;
}

/* The HTML page (and its JSON) of a report, then the indexes and the feed
 * of its repository and the site. md_path is
 * "<out>/<owner>/<repo>/_posts/<base>.md". */
static int s_write_site(const char *md_path, const char *repo, unsigned formats,
                        const char *chart, const dp_buf_t *md,
                        const char *js_file, const dp_buf_t *js,
                        dp_report_t *report, char *err, size_t errlen)
{
    int rc = 0;
    const char *posts = strstr(md_path, "/_posts/");
    assert(posts);
    char *repo_dir = dp_strndup(md_path, (size_t)(posts - md_path));
    char *out_dir =
        dp_strndup(md_path, (size_t)(posts - md_path) - strlen(repo) - 1);
    const char *file = posts + strlen("/_posts/");
    char *base = dp_strndup(file, strlen(file) - strlen(".md"));
    bool json = (formats & RENDERER_FMT_JSON) != 0;
    dp_strs_t site = {0};
    if (formats & RENDERER_FMT_HTML) {
        dp_buf_t page = DP_BUF_INIT;
        site_report_page(md->data, md->len, repo, base, json, chart, &page);
        char *path = dp_asprintf("%s/%s.html", repo_dir, base);
        rc = s_put(path, &page, formats, &report->files, err, errlen);
        dp_free(path);
        dp_buf_free(&page);
        if (rc == 0 && json) {
            path = dp_asprintf("%s/%s.json", repo_dir, base);
            rc = js_file
                     ? s_copy(js_file, path, &report->files, err, errlen)
                     : s_put(path, js, formats, &report->files, err, errlen);
            dp_free(path);
        }
    }
    if (rc == 0)
        rc = site_update(out_dir, repo, (formats & RENDERER_FMT_HTML) != 0,
                         true, &site, err, errlen);
    for (size_t i = 0; i < site.count; i++) {
        char *abs = s_absolute(site.items[i]);
        dp_strs_push(&report->files, abs);
        dp_free(abs);
        dp_free(site.items[i]);
    }
    dp_free(site.items);
    dp_free(base);
    dp_free(out_dir);
    dp_free(repo_dir);
    return rc;
}

/* Replaces every string of the digest's sections (and sections.topics)
 * with the Markdown the report shows for it, so that the JSON written
 * beside the report carries the same neutralized sections. */
static void s_safe_sections(json_t *doc)
{
    json_t *sections = json_object_get(doc, "sections");
    json_t *topics = json_object_get(sections, "topics");
    json_t *objects[] = {sections, topics};
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
        const char *key;
        json_t *value;
        json_object_foreach(objects[i], key, value)
        {
            if (!json_is_string(value))
                continue;
            dp_buf_t safe = DP_BUF_INIT;
            dp_text_md_block(&safe, json_string_value(value));
            /* The Markdown takes it as it is: never left raw. */
            if (json_string_set(value, safe.data ? safe.data : "") < 0)
                json_string_set(value, "");
            dp_buf_free(&safe);
        }
    }
}

/* ==== The complete lists of a capped digest ==== */

/* Receives the items of a cut list one at a time: idx counts from 0. */
typedef int (*s_item_fn)(void *arg, size_t idx, const json_t *item);

/* Reads the items [at, at + total) of the window's items hash, a page at
 * a time, and gives each to fn. Returns 0; DP_ENOTFOUND when one is
 * missing or unreadable (the key expired, or the summarizer could not
 * store it), DP_EREDIS, or what fn returned. */
static int s_each_item(dp_store_t *store, const s_digest_t *d, long long at,
                       long long total, s_item_fn fn, void *arg)
{
    dp_ledger_win_t win = {.repo = d->repo, .from = d->from, .to = d->to};
    for (long long k = 0; k < total; k += RENDERER_ITEMS_PAGE) {
        size_t n =
            (size_t)(total - k < RENDERER_ITEMS_PAGE ? total - k
                                                     : RENDERER_ITEMS_PAGE);
        redisReply *r =
            dp_ledger_get_items(store, &win, d->revision, (size_t)(at + k), n);
        if (!r)
            return DP_EREDIS;
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const redisReply *e = r->element[i];
            json_t *item = e->type == REDIS_REPLY_STRING
                               ? dp_json_parse(e->str, e->len, NULL, 0)
                               : NULL;
            rc = item ? fn(arg, (size_t)k + i, item) : DP_ENOTFOUND;
            json_decref(item);
        }
        freeReplyObject(r);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- <report>.items.md: the appendix with every item ---- */

typedef struct {
    s_file_t *file;
    const s_digest_t *d;
    const s_words_t *w;
    size_t list;
    char *err;
    size_t errlen;
} s_md_list_t;

static int s_md_item(void *arg, size_t idx, const json_t *item)
{
    s_md_list_t *l = arg;
    dp_buf_t line = DP_BUF_INIT;
    int rc = s_item(&line, l->d, l->w, l->list, idx, item, l->err, l->errlen);
    if (rc == 0)
        s_file_put(l->file, line.data, line.len);
    dp_buf_free(&line);
    return rc;
}

/* The five lists in full, as the report's appendix shows them. */
static int s_items_md(dp_store_t *store, const s_digest_t *d, s_file_t *file,
                      char *err, size_t errlen)
{
    const s_words_t *w = d->zh ? &s_zh : &s_en;
    dp_buf_t head = DP_BUF_INIT;
    dp_buf_printf(&head, "%s\n\n", w->appendix);
    s_file_put(file, head.data, head.len);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < S_NLISTS; i++) {
        dp_buf_reset(&head);
        dp_buf_printf(&head, "%s\n", w->lists[i]);
        size_t n = json_array_size(d->lists[i]);
        if (n == 0)
            dp_buf_printf(&head, "%s\n", w->none);
        s_file_put(file, head.data, head.len);
        char section[RENDERER_WHERE_LEN];
        snprintf(section, sizeof section, "lists.%s", s_list_keys[i]);
        long long at = 0, total = s_cut_total(d, section, n, &at);
        s_md_list_t l = {file, d, w, i, err, errlen};
        if (total > 0) {
            rc = s_each_item(store, d, at, total, s_md_item, &l);
        } else {
            for (size_t j = 0; rc == 0 && j < n; j++)
                rc = s_md_item(&l, j, json_array_get(d->lists[i], j));
        }
        s_file_put(file, "\n", 1);
    }
    dp_buf_free(&head);
    return rc;
}

/* ---- <report>.md.json: the digest with every item ---- */

typedef struct {
    s_file_t *file;
    int indent;      /* of the line that holds the list */
    long long total; /* items in the list */
} s_json_list_t;

/* One item of a list, as json_dumps(JSON_INDENT(2)) writes it inside the
 * whole document, through html_json_safe. */
static int s_json_item(void *arg, size_t idx, const json_t *item)
{
    s_json_list_t *l = arg;
    char *text =
        dp_json_dumps(item, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!text)
        return DP_EJSON;
    dp_buf_t piece = DP_BUF_INIT, safe = DP_BUF_INIT;
    dp_buf_printf(&piece, "\n%*s", l->indent + 2, "");
    for (const char *c = text; *c; c++) {
        dp_buf_append(&piece, c, 1);
        if (*c == '\n')
            dp_buf_printf(&piece, "%*s", l->indent + 2, "");
    }
    if ((long long)idx + 1 < l->total)
        dp_buf_puts(&piece, ",");
    html_json_safe(&safe, piece.data);
    s_file_put(l->file, safe.data, safe.len);
    dp_buf_free(&safe);
    dp_buf_free(&piece);
    free(text);
    return 0;
}

/* The list a section of capped.sections names in doc, for the JSON file:
 * its parent object and member; NULL for a name it does not know. */
static json_t *s_cut_parent(json_t *doc, const char *section,
                            const char **member)
{
    *member = NULL;
    if (!strncmp(section, "lists.", strlen("lists."))) {
        const char *name = section + strlen("lists.");
        for (size_t i = 0; i < S_NLISTS; i++)
            if (!strcmp(name, s_list_keys[i]))
                *member = s_list_keys[i];
        return *member ? json_object_get(doc, "lists") : NULL;
    }
    if (!strcmp(section, "facts.people")) {
        json_t *facts = json_object_get(doc, "facts");
        json_object_del(facts, "people_total");
        json_object_del(facts, "first_timers");
        *member = "people";
        return facts;
    }
    long index = 0;
    if (!strncmp(section, "topics.", strlen("topics.")) &&
        dp_parse_long(section + strlen("topics."), 0, LONG_MAX, &index) == 0) {
        json_t *topic =
            json_array_get(json_object_get(doc, "topics"), (size_t)index);
        json_object_del(topic, "total");
        *member = "items";
        return topic;
    }
    return NULL;
}

/* Writes the dump of the digest with each cut list in full, streamed
 * from Redis at the place of its sentinel (tag + section). */
static int s_items_json(dp_store_t *store, const s_digest_t *d,
                        const char *dumped, const char *tag, s_file_t *file)
{
    dp_buf_t needle = DP_BUF_INIT, safe = DP_BUF_INIT;
    dp_buf_printf(&needle, "\"\\u0001dp-items:%s:", tag);
    const char *p = dumped;
    int rc = 0;
    while (rc == 0) {
        const char *hit = strstr(p, needle.data);
        const char *end = hit ? strchr(hit + needle.len, '"') : NULL;
        char *piece = dp_strndup(p, hit && end ? (size_t)(hit - p) : strlen(p));
        dp_buf_reset(&safe);
        html_json_safe(&safe, piece);
        dp_free(piece);
        s_file_put(file, safe.data, safe.len);
        if (!hit || !end)
            break;
        char *section =
            dp_strndup(hit + needle.len, (size_t)(end - hit - needle.len));
        const char *line = hit;
        while (line > dumped && line[-1] != '\n')
            line--;
        int indent = (int)strspn(line, " ");
        long long at = 0, total = s_cut_total(d, section, 0, &at);
        dp_free(section);
        s_json_list_t l = {file, indent, total};
        s_file_put(file, "[", 1);
        rc = total > 0 ? s_each_item(store, d, at, total, s_json_item, &l)
                       : DP_EJSON;
        dp_buf_reset(&safe);
        dp_buf_printf(&safe, "\n%*s]", indent, "");
        s_file_put(file, safe.data, safe.len);
        p = end + 1;
    }
    s_file_put(file, "\n", 1);
    dp_buf_free(&safe);
    dp_buf_free(&needle);
    return rc;
}

/* A tag no digest text can guess: the sentinels of one rendering. */
static void s_tag(char *buf, size_t size)
{
    unsigned char raw[8] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, raw, sizeof raw) != (ssize_t)sizeof raw) {
        long long t = dp_service_now_ms() ^ ((long long)getpid() << 20);
        memcpy(raw, &t, sizeof raw < sizeof t ? sizeof raw : sizeof t);
    }
    if (fd >= 0)
        close(fd);
    size_t k = 0;
    for (size_t i = 0; i < sizeof raw && k + 2 < size; i++, k += 2)
        snprintf(buf + k, size - k, "%02x", raw[i]);
}

/* The document written as <report>.md.json for a capped digest: the
 * neutralized digest without the marks of the cut, each cut list replaced
 * by a sentinel string; NULL when it cannot be serialized. */
static char *s_complete_dump(const json_t *doc, const s_digest_t *d,
                             const char *tag)
{
    json_t *copy = json_deep_copy(doc);
    s_safe_sections(copy);
    json_object_del(copy, "capped");
    const char *section;
    const json_t *v;
    json_object_foreach((json_t *)d->cut, section, v)
    {
        const char *member = NULL;
        json_t *parent = s_cut_parent(copy, section, &member);
        if (!parent || !json_is_array(json_object_get(parent, member)) ||
            s_cut_total(d, section, 0, NULL) <= 0)
            continue;
        char *mark = dp_asprintf("\001dp-items:%s:%s", tag, section);
        json_object_set_new(parent, member, json_string(mark));
        dp_free(mark);
    }
    char *dumped = dp_json_dumps(copy, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(copy);
    return dumped;
}

/* Writes the complete lists of a capped digest from the store beside the
 * report at md_path ("<out>/<owner>/<repo>/_posts/<base>.md"):
 * "<out>/<owner>/<repo>/<base>.items.md", outside _posts, where it is no
 * post of the site, and, with json, md_path.json. Returns 0 with
 * *items_name (the caller's) set to the items file's path from the report
 * and their paths added to files; otherwise nothing is left and the
 * report says that the rest is not available. */
static int s_write_complete(dp_store_t *store, const json_t *doc,
                            const char *md_path, bool json, dp_strs_t *files,
                            char **items_name, char *err, size_t errlen)
{
    s_digest_t d;
    *items_name = NULL;
    int rc = s_read(doc, &d, err, errlen);
    if (rc < 0 || !d.cut)
        return rc < 0 ? rc : DP_ENOTFOUND;
    const char *posts = strstr(md_path, "/_posts/");
    assert(posts);
    char *dir = dp_strndup(md_path, (size_t)(posts - md_path));
    const char *file = posts + strlen("/_posts/");
    char *base = dp_strndup(file, strlen(file) - strlen(".md"));
    char *items_path = dp_asprintf("%s/%s.items.md", dir, base);
    char *json_path = dp_asprintf("%s.json", md_path);
    char tag[24];
    s_tag(tag, sizeof tag);
    char *dumped = json ? s_complete_dump(doc, &d, tag) : NULL;
    s_file_t md_file, json_file;
    bool md_open = false, json_open = false;
    rc = json && !dumped ? DP_EJSON : 0;
    char *posts_dir =
        dp_strndup(md_path, (size_t)(strrchr(md_path, '/') - md_path));
    if (rc == 0)
        rc = dp_fs_mkdirs(posts_dir, DP_FS_DIR_MODE, err, errlen);
    dp_free(posts_dir);
    if (rc == 0)
        rc = s_file_open(&md_file, items_path, err, errlen);
    md_open = rc == 0;
    if (rc == 0)
        rc = s_items_md(store, &d, &md_file, err, errlen);
    if (rc == 0 && json) {
        rc = s_file_open(&json_file, json_path, err, errlen);
        json_open = rc == 0;
    }
    if (rc == 0 && json)
        rc = s_items_json(store, &d, dumped, tag, &json_file);
    if (json_open && s_file_close(&json_file, rc == 0, err, errlen) < 0)
        rc = DP_EIO;
    if (md_open && s_file_close(&md_file, rc == 0, err, errlen) < 0)
        rc = DP_EIO;
    if (rc == 0) {
        *items_name = dp_asprintf("../%s.items.md", base);
        char *abs = s_absolute(items_path);
        dp_strs_push(files, abs);
        dp_free(abs);
    } else {
        unlink(items_path);
        dp_log(DP_LOG_WARN, "%s: the complete lists are not available (%s)",
               d.repo,
               rc == DP_ENOTFOUND ? "gone from the store" : dp_strerror(rc));
    }
    free(dumped);
    dp_free(json_path);
    dp_free(items_path);
    dp_free(base);
    dp_free(dir);
    return rc;
}

/* Writes the report files of a parsed digest: report->path receives the
 * absolute path of the Markdown file and report->files every file. With a
 * store, the complete lists of a capped digest are written beside it. With
 * RENDERER_FMT_JSON the sections of doc are rewritten (s_safe_sections). */
static int s_write_report(const char *out_dir, unsigned formats,
                          dp_store_t *store, json_t *doc, dp_report_t *report,
                          char *err, size_t errlen)
{
    dp_buf_t md = DP_BUF_INIT, js = DP_BUF_INIT;
    char *md_path = NULL, *json_path = NULL, *dumped = NULL;
    char *items_name = NULL;
    dp_strs_t complete = {0}; /* the files of the complete lists */
    int rc = s_paths(doc, out_dir, &md_path, err, errlen);
    bool streamed = false; /* the JSON file is written already */
    if (rc == 0 && store && json_object_get(doc, "capped")) {
        char why[RENDERER_ERR_LEN];
        streamed = s_write_complete(
                       store, doc, md_path, (formats & RENDERER_FMT_JSON) != 0,
                       &complete, &items_name, why, sizeof why) == 0;
    }
    /* The JSON file carries the sections as the report shows them: they
     * are neutralized once, in place, for both. */
    bool safe = (formats & RENDERER_FMT_JSON) && !streamed;
    if (rc == 0 && safe)
        s_safe_sections(doc);
    if (rc == 0)
        rc = s_markdown(doc, items_name, safe, &md, err, errlen);
    if (rc < 0)
        goto out;
    if (safe) {
        dumped = dp_json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!dumped) {
            snprintf(err, errlen, "digest: cannot serialize");
            rc = DP_EJSON;
            goto out;
        }
        /* The same JSON value, with nothing a browser or Liquid acts on. */
        html_json_safe(&js, dumped);
        dp_buf_puts(&js, "\n");
    }
    rc = s_write(md_path, md.data, md.len, formats, err, errlen);
    if (rc < 0)
        goto out;
    report->path = s_absolute(md_path);
    dp_strs_push(&report->files, report->path);
    json_path = dp_asprintf("%s.json", md_path);
    if (streamed) {
        char *abs = s_absolute(json_path);
        dp_strs_push(&report->files, abs);
        dp_free(abs);
    } else if (formats & RENDERER_FMT_JSON) {
        rc = s_put(json_path, &js, formats, &report->files, err, errlen);
        if (rc < 0)
            goto out;
    }
    for (size_t i = 0; i < complete.count; i++)
        dp_strs_push(&report->files, complete.items[i]);
    if (formats & (RENDERER_FMT_HTML | RENDERER_FMT_ATOM)) {
        dp_buf_t chart = DP_BUF_INIT;
        chart_point_t pts[CHART_MAX];
        size_t npts = chart_points_of_digest(doc, pts);
        const char *lang = dp_json_str(doc, "lang");
        chart_svg(&chart, pts, npts, !lang || strcmp(lang, "en") != 0);
        rc = s_write_site(md_path,
                          json_string_value(json_object_get(doc, "repo")),
                          formats, chart.data, &md, streamed ? json_path : NULL,
                          &js, report, err, errlen);
        dp_buf_free(&chart);
    }
out:
    for (size_t i = 0; i < complete.count; i++)
        dp_free(complete.items[i]);
    dp_free(complete.items);
    dp_free(items_name);
    free(dumped);
    dp_free(json_path);
    dp_free(md_path);
    dp_buf_free(&js);
    dp_buf_free(&md);
    return rc;
}

/* renderer_render_with, with S_DEFER_SYNC allowed in formats. With keep,
 * the parsed digest (or NULL) is handed to the caller, who frees it
 * (json_decref) once the reply is on its way. */
static int s_render(const char *out_dir, unsigned formats, dp_store_t *store,
                    const dp_digest_t *digest, dp_msg_t *reply, json_t **keep)
{
    assert(out_dir && digest && reply);
    char err[RENDERER_ERR_LEN] = "";
    json_t *doc = NULL;
    int rc;
    memset(reply, 0, sizeof *reply);
    reply->type = DP_MSG_REPORT;
    dp_report_t *report = &reply->u.report;
    s_window_copy(digest, &report->repo, &report->win_from, &report->win_to,
                  &report->revision);
    report->reply_to = dp_strdup(digest->reply_to);
    if (!digest->json) {
        snprintf(err, sizeof err, "digest: no document");
        rc = DP_EJSON;
        goto out;
    }
    doc = dp_json_parse(digest->json, strlen(digest->json), err, sizeof err);
    if (!doc) {
        rc = DP_EJSON;
        goto out;
    }
    rc = s_write_report(out_dir, formats, store, doc, report, err, sizeof err);
out:
    if (rc == DP_EJSON)
        s_status(digest, "bad digest: ", err, reply);
    else if (rc < 0)
        s_status(digest, "cannot write ", err, reply);
    if (keep)
        *keep = doc;
    else
        json_decref(doc);
    return rc;
}

int renderer_render_with(const char *out_dir, unsigned formats,
                         dp_store_t *store, const dp_digest_t *digest,
                         dp_msg_t *reply)
{
    return s_render(out_dir, formats & ~S_DEFER_SYNC, store, digest, reply,
                    NULL);
}

int renderer_render(const char *out_dir, unsigned formats,
                    const dp_digest_t *digest, dp_msg_t *reply)
{
    return s_render(out_dir, formats & ~S_DEFER_SYNC, NULL, digest, reply,
                    NULL);
}

/* ==== The service ==== */

static bool s_format_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && strncmp(name, want, len) == 0;
}

int renderer_formats_parse(const char *list, unsigned *flags, char *err,
                           size_t errlen)
{
    assert(list && flags);
    dp_buf_t unknown = DP_BUF_INIT;
    *flags = RENDERER_FMT_MD;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        size_t len = (size_t)(p - start);
        while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
            len--;
        if (len == 0)
            continue;
        if (s_format_is(start, len, "md"))
            *flags |= RENDERER_FMT_MD;
        else if (s_format_is(start, len, "json"))
            *flags |= RENDERER_FMT_JSON;
        else if (s_format_is(start, len, "html"))
            *flags |= RENDERER_FMT_HTML | RENDERER_FMT_ATOM;
        else if (s_format_is(start, len, "atom"))
            *flags |= RENDERER_FMT_ATOM;
        else
            dp_buf_printf(&unknown, "%s\"%.*s\"", unknown.len ? ", " : "",
                          (int)len, start);
    }
    int rc = 0;
    if (unknown.len) {
        if (err && errlen)
            snprintf(err, errlen, "unknown formats ignored: %s", unknown.data);
        rc = DP_ECONFIG;
    }
    dp_buf_free(&unknown);
    return rc;
}

renderer_t *renderer_new(const renderer_cfg_t *cfg)
{
    assert(cfg && cfg->out_dir && cfg->in_endpoint && cfg->pub_endpoint);
    renderer_t *self = dp_calloc(1, sizeof *self);
    self->cfg = *cfg;
    char err[RENDERER_ERR_LEN] = "";
    if (renderer_formats_parse(cfg->formats ? cfg->formats : "md,json",
                               &self->formats, err, sizeof err) < 0)
        dp_log(DP_LOG_ERROR, "formats: %s", err);
    if (cfg->redis_url && *cfg->redis_url) {
        self->store = dp_store_new(cfg->redis_url, err, sizeof err);
        if (!self->store) {
            dp_log(DP_LOG_ERROR, "%s", err);
            goto fail;
        }
    }
    self->bus = dp_bus_new();
    if (!self->bus)
        goto fail;
    self->in = dp_sock_new(self->bus, ZMQ_PULL, cfg->in_endpoint);
    self->pub = dp_sock_new(self->bus, ZMQ_PUB, cfg->pub_endpoint);
    if (!self->in || !self->pub)
        goto fail;
    self->syncer = dp_fs_syncer_new();
    return self;
fail:
    renderer_destroy(&self);
    return NULL;
}

/* Publishes a message on the tap; a REPORT is also logged in the ledger's
 * reports stream (with a store), for the consumers that were away. */
static void s_publish(renderer_t *self, const dp_msg_t *msg)
{
    (void)dp_msg_emit(NULL, self->pub, msg);
    if (!self->store || msg->type != DP_MSG_REPORT)
        return;
    dp_buf_t frame = DP_BUF_INIT;
    if (dp_msg_encode(msg, &frame) == 0 &&
        dp_ledger_log_report(self->store, frame.data, frame.len) < 0)
        dp_log(DP_LOG_WARN, "%s: the report is not in the reports log",
               msg->u.report.repo);
    dp_buf_free(&frame);
}

static void s_handle(renderer_t *self, const dp_digest_t *digest)
{
    dp_msg_t reply;
    json_t *doc = NULL; /* freed once the answer is out */
    int rc = s_render(self->cfg.out_dir, self->formats | S_DEFER_SYNC,
                      self->store, digest, &reply, &doc);
    if (rc == DP_EJSON) {
        self->bad++;
        dp_log(DP_LOG_WARN, "dropped a digest of %s (%ld so far): %s",
               digest->repo ? digest->repo : "?", self->bad,
               reply.u.status.message);
    } else if (rc < 0) {
        self->failures++;
        dp_metrics_add(DP_M_WINDOWS, "failed", 1);
        dp_log(DP_LOG_ERROR, "%s: %s", digest->repo ? digest->repo : "?",
               reply.u.status.message);
    } else {
        dp_metrics_add(DP_M_WINDOWS, "rendered", 1);
        dp_log_window(DP_LOG_INFO, digest->repo, digest->win_from,
                      digest->win_to, "report %s", reply.u.report.path);
    }
    s_publish(self, &reply);
    json_decref(doc);
    /* The files were renamed into place before the REPORT went out; they
     * become durable now, on the sync thread (or here without one). */
    for (size_t i = 0;
         reply.type == DP_MSG_REPORT && i < reply.u.report.files.count; i++) {
        const char *path = reply.u.report.files.items[i];
        if (self->syncer)
            dp_fs_syncer_add(self->syncer, path);
        else if (dp_fs_sync(path) < 0)
            dp_log(DP_LOG_WARN, "cannot sync %s", path);
    }
    dp_msg_clear(&reply);
}

int renderer_step(renderer_t *self, int timeout_ms)
{
    assert(self);
    size_t max = (size_t)self->cfg.max_frame;
    dp_msg_t msg;
    int rc = dp_msg_recv(self->in, NULL, &self->frame, max, timeout_ms, &msg,
                         &self->bad);
    if (rc == DP_EAGAIN || rc == DP_EBUS)
        return rc;
    if (rc < 0)
        return 0; /* a bad frame, dropped and counted */
    if (msg.type == DP_MSG_DIGEST) {
        s_handle(self, &msg.u.digest);
    } else {
        self->bad++;
        dp_metrics_add(DP_M_REFUSED, "unexpected_type", 1);
        dp_log(DP_LOG_WARN, "ignored a %s message (%ld so far)",
               dp_msg_type_name(msg.type), self->bad);
    }
    dp_msg_clear(&msg);
    return 0;
}

int renderer_run(renderer_t *self)
{
    assert(self);
    while (!dp_service_interrupted()) {
        dp_store_keepalive(self->store, DP_STORE_KEEPALIVE_MS);
        int rc = renderer_step(self, RENDERER_POLL_MS);
        if (rc == DP_EBUS) {
            dp_log(DP_LOG_ERROR, "receive failed; stopping");
            return rc;
        }
    }
    return 0;
}

long renderer_bad_frames(const renderer_t *self)
{
    assert(self);
    return self->bad;
}

void renderer_destroy(renderer_t **self_p)
{
    assert(self_p);
    renderer_t *self = *self_p;
    if (!self)
        return;
    dp_fs_syncer_destroy(&self->syncer);
    dp_bus_destroy(&self->bus);
    dp_store_destroy(&self->store);
    dp_buf_free(&self->frame);
    dp_free(self);
    *self_p = NULL;
}
