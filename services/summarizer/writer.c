/* writer.c - the extractive writer: report sections from digest facts */
/* SPDX-License-Identifier: MIT */
#include "writer.h"

/* The phrases of each language are printf formats picked at run time from
 * the tables below; the golden-report tests check every one of them. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <stdio.h>
#include <string.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_text.h"
#include "dp_time.h"

#define WRITER_TITLE_MAX 120
#define WRITER_QUOTE_MAX 160
#define WRITER_BODY_MAX 200
#define WRITER_PEOPLE_MAX 8
#define WRITER_SUMMARY_CATEGORIES 5

/* The words of one language. */
typedef struct {
    const char *hour, *day, *week, *minutes_fmt;
    const char *summary_fmt; /* period, name, 5 counts */
    const char *themes, *themes_sep, *themes_end;
    const char *topic_hits_fmt, *hot_lead_fmt, *people_fmt, *quiet;
    const char *topic_none_fmt, *topic_none_detail_fmt, *topic_count_fmt;
    const char *reason, *state_open, *state_closed, *state_merged;
    const char *hot_none, *hot_count_fmt;
    const char *h_state, *h_participants, *h_comments_fmt, *h_first_reply_fmt;
    const char *h_views, *maintainer, *community, *author_role;
    const char *trend_none, *trend_cat_fmt, *trend_prev_fmt, *trend_first;
    const char *changes_none, *c_kind_merged, *c_kind_new, *c_meta_fmt;
    const char *c_size_fmt, *c_summary, *no_labels;
    const char *act_none, *act_people_fmt, *act_line_fmt, *act_first_fmt;
    const char *act_bots_fmt, *act_maint_fmt;
    const char *watch_none, *watch_issue, *watch_pr;
    const char *list_sep, *colon;
} s_words_t;

static const s_words_t s_zh = {
    "1小时",
    "1天",
    "1周",
    "%ld分钟",
    "本周期（%s内）%s 共有新 Issue %lld 个、关闭 Issue %lld 个、新 PR %lld "
    "个、合并 PR %lld 个、关闭未合并 PR %lld 个。",
    "按类别看，活动集中在",
    "、",
    "。",
    "%s 相关条目 %zu 项。",
    "讨论最热的是 %s #%lld（本周期 %lld 条评论）。",
    "本周期有 %zu 位贡献者活跃（不含机器人）。",
    "本周期内没有新的 Issue 或 PR 变动。",
    "**本周期无 %s 相关更新**。",
    "在本次分析的时间窗口内，新增及已处理的 PR 与 Issue 中，均未发现与 %s "
    "相关的内容。",
    "本周期共有 %zu 项与 %s 相关：",
    "匹配原因",
    "进行中",
    "已关闭",
    "已合并",
    "本周期内没有带评论的讨论。",
    "本周期内有 %zu 个讨论收到评论（不含机器人）。",
    "状态",
    "参与者",
    "本周期评论 %lld 条",
    "首次回复用时 %s",
    "各方观点",
    "维护者",
    "社区",
    "作者",
    "本周期没有足够的数据形成趋势。",
    "%s：%lld 项",
    "与上一周期相比：%s。",
    "这是该仓库第一个有记录的同长度周期，暂无对比。",
    "本周期没有新增或合并的 PR。",
    "已合并",
    "新 PR",
    "类别：%s；标签：%s；作者：%s",
    "；规模：+%lld/−%lld",
    "内容摘要",
    "无标签",
    "本周期没有贡献者活动。",
    "本周期活跃贡献者 %zu 位（不含机器人）：",
    "%s（%s）：%s",
    "首次贡献者：%s。",
    "另有 %ld 个机器人账号的活动未计入。",
    "维护者与社区：维护者 %zu 位，社区成员 %zu 位。",
    "本周期没有需要特别关注的问题。",
    "尚无回复的 Issue",
    "尚无评审或回复的 PR",
    "、",
    "：",
};

static const s_words_t s_en = {
    "1 hour",
    "1 day",
    "1 week",
    "%ld minutes",
    "In this period (%s) %s had %lld new issues, %lld closed issues, %lld new "
    "PRs, %lld merged PRs and %lld PRs closed without merge.",
    "Activity by category: ",
    ", ",
    ".",
    "%s-related items: %zu.",
    "The hottest thread is %s #%lld (%lld comments "
    "in the period).",
    "%zu contributors were active (bots excluded).",
    "No issue or PR changed in this period.",
    "**No %s-related activity in this period.**",
    "No new or closed issue or PR in this window matched the %s rules.",
    "%zu items matched %s:",
    "why",
    "open",
    "closed",
    "merged",
    "No discussion received comments in this period.",
    "%zu discussions received comments (bots excluded).",
    "State",
    "Participants",
    "%lld comments in the period",
    "first reply after %s",
    "Voices",
    "maintainer",
    "community",
    "author",
    "Not enough data for trends in this period.",
    "%s: %lld",
    "Compared with the previous period: %s.",
    "This is the first recorded period of this length; nothing to compare.",
    "No PR was opened or merged in this period.",
    "merged",
    "new PR",
    "category: %s; labels: %s; author: %s",
    "; size: +%lld/−%lld",
    "Summary",
    "no labels",
    "No contributor activity in this period.",
    "%zu contributors were active (bots excluded):",
    "%s (%s): %s",
    "First-time contributors: %s.",
    "Activity of %ld bot accounts is not counted.",
    "Maintainers and community: %zu maintainers, %zu community members.",
    "Nothing needs special attention in this period.",
    "Issue without any reply yet",
    "PR without review or reply yet",
    ", ",
    ": ",
};

static const char *const s_categories[][3] = {
    {"bugfix", "缺陷修复", "bug fixes"},
    {"feature", "新功能", "features"},
    {"performance", "性能优化", "performance"},
    {"model", "模型支持", "model support"},
    {"kernel", "内核", "kernels"},
    {"core", "核心引擎", "core"},
    {"frontend", "前端/API", "frontend/API"},
    {"docs", "文档", "docs"},
    {"ci", "CI/构建", "CI/build"},
    {"tests", "测试", "tests"},
    {"misc", "杂项", "misc"},
    {"hardware", "硬件平台", "hardware"},
    {"quantization", "量化", "quantization"},
    {"rfc", "RFC", "RFCs"},
    {"usage", "使用问题", "usage"},
    {"installation", "安装", "installation"},
    {"refactor", "重构", "refactoring"},
    {"speculative", "投机解码", "speculative decoding"},
    {"lora", "LoRA", "LoRA"},
    {"multimodal", "多模态", "multimodal"},
    {"other", "其他", "other"},
};

static const char *s_category_name(const char *cat, bool zh)
{
    for (size_t i = 0; i < sizeof s_categories / sizeof s_categories[0]; i++)
        if (cat && !strcmp(cat, s_categories[i][0]))
            return s_categories[i][zh ? 1 : 2];
    return cat ? cat : "other";
}

static void s_period(const json_t *d, const s_words_t *w, char *buf,
                     size_t size)
{
    int64_t len = dp_json_int(d, "to", 0) - dp_json_int(d, "from", 0);
    if (len == 3600)
        snprintf(buf, size, "%s", w->hour);
    else if (len == 86400)
        snprintf(buf, size, "%s", w->day);
    else if (len == 7 * 86400)
        snprintf(buf, size, "%s", w->week);
    else
        snprintf(buf, size, w->minutes_fmt, (long)(len / 60));
}

static void s_duration(int64_t s, bool zh, char *buf, size_t size)
{
    if (s < 3600)
        snprintf(buf, size, zh ? "%lld 分钟" : "%lld min", (long long)(s / 60));
    else if (s < 86400)
        snprintf(buf, size, zh ? "%.1f 小时" : "%.1f h", (double)s / 3600.0);
    else
        snprintf(buf, size, zh ? "%.1f 天" : "%.1f days", (double)s / 86400.0);
}

static long long s_count(const json_t *d, const char *name)
{
    json_t *counts = json_object_get(d, "counts");
    return (long long)dp_json_int(counts, name, 0);
}

/* "[#12](url) title" with the title neutralized. */
static void s_ref(dp_buf_t *b, const json_t *item)
{
    const char *url = dp_json_str(item, "url");
    dp_buf_printf(b, "[#%lld](", (long long)dp_json_int(item, "number", 0));
    dp_text_url(b,
                url && !strncmp(url, "https://github.com/", 19) ? url : NULL);
    dp_buf_puts(b, ") ");
    dp_text_md_inline(b, dp_json_str(item, "title"), WRITER_TITLE_MAX);
}

static const char *s_kind(const json_t *item)
{
    return dp_json_bool(item, "pr", false) ? "PR" : "Issue";
}

static const char *s_state(const json_t *item, const s_words_t *w)
{
    if (dp_json_bool(item, "merged", false))
        return w->state_merged;
    const char *st = dp_json_str(item, "state");
    return st && !strcmp(st, "open") ? w->state_open : w->state_closed;
}

/* The first max categories by count, then name: "bugfix: 3, model: 2". */
static void s_category_list(dp_buf_t *b, const json_t *cats, bool zh,
                            const s_words_t *w, size_t max)
{
    size_t total = json_object_size(cats), n = total < max ? total : max;
    size_t done = 0;
    char *used = dp_calloc(total ? total : 1, 1);
    while (done < n) {
        const char *best = NULL, *key;
        json_int_t bestn = -1;
        size_t besti = 0, i = 0;
        json_t *v;
        json_object_foreach((json_t *)cats, key, v)
        {
            json_int_t c = json_integer_value(v);
            if (!used[i] &&
                (c > bestn || (c == bestn && strcmp(key, best) < 0))) {
                best = key;
                bestn = c;
                besti = i;
            }
            i++;
        }
        used[besti] = 1;
        if (done)
            dp_buf_puts(b, w->list_sep);
        dp_buf_printf(b, w->trend_cat_fmt, s_category_name(best, zh),
                      (long long)bestn);
        done++;
    }
    dp_free(used);
}

static void s_summary(dp_buf_t *b, const json_t *d, const s_words_t *w, bool zh)
{
    char period[64];
    s_period(d, w, period, sizeof period);
    dp_buf_t name = DP_BUF_INIT;
    dp_text_md_inline(&name, dp_json_str(d, "name"), 80);
    dp_buf_printf(b, w->summary_fmt, period, name.data ? name.data : "",
                  s_count(d, "new_issues"), s_count(d, "closed_issues"),
                  s_count(d, "new_prs"), s_count(d, "merged_prs"),
                  s_count(d, "closed_prs"));
    dp_buf_free(&name);
    json_t *cats = dp_json_get(d, "facts.categories");
    if (json_object_size(cats) == 0) {
        dp_buf_puts(b, w->quiet);
    } else {
        dp_buf_puts(b, w->themes);
        s_category_list(b, cats, zh, w, WRITER_SUMMARY_CATEGORIES);
        dp_buf_puts(b, w->themes_end);
    }
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "topics"), i, t)
    {
        dp_buf_t topic = DP_BUF_INIT;
        dp_text_md_inline(&topic, dp_json_str(t, "short"), 40);
        dp_buf_printf(b, w->topic_hits_fmt, topic.data ? topic.data : "",
                      json_array_size(json_object_get(t, "items")));
        dp_buf_free(&topic);
    }
    json_t *hot = json_array_get(dp_json_get(d, "facts.hot"), 0);
    if (hot)
        dp_buf_printf(b, w->hot_lead_fmt, s_kind(hot),
                      (long long)dp_json_int(hot, "number", 0),
                      (long long)dp_json_int(hot, "comments", 0));
    size_t people = json_array_size(dp_json_get(d, "facts.people"));
    if (people)
        dp_buf_printf(b, w->people_fmt, people);
}

static void s_topic(dp_buf_t *b, const json_t *t, const s_words_t *w)
{
    dp_buf_t title = DP_BUF_INIT, short_name = DP_BUF_INIT;
    dp_text_md_inline(&title, dp_json_str(t, "title"), 60);
    dp_text_md_inline(&short_name, dp_json_str(t, "short"), 40);
    json_t *items = json_object_get(t, "items");
    if (json_array_size(items) == 0) {
        dp_buf_printf(b, w->topic_none_fmt, short_name.data);
        dp_buf_puts(b, "\n");
        dp_buf_printf(b, w->topic_none_detail_fmt, title.data);
    } else {
        dp_buf_printf(b, w->topic_count_fmt, json_array_size(items),
                      title.data);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            dp_buf_printf(b, "\n- %s ", s_kind(it));
            s_ref(b, it);
            dp_buf_printf(b, " (%s) — %s%s", s_state(it, w), w->reason,
                          w->colon);
            size_t k;
            json_t *r;
            json_array_foreach(json_object_get(it, "reasons"), k, r)
            {
                if (k)
                    dp_buf_puts(b, w->list_sep);
                dp_text_md_inline(b, json_string_value(r), 120);
            }
        }
    }
    dp_buf_free(&title);
    dp_buf_free(&short_name);
}

static void s_hot(dp_buf_t *b, const json_t *d, const s_words_t *w, bool zh)
{
    json_t *hot = dp_json_get(d, "facts.hot");
    if (json_array_size(hot) == 0) {
        dp_buf_puts(b, w->hot_none);
        return;
    }
    dp_buf_printf(b, w->hot_count_fmt, json_array_size(hot));
    size_t i;
    json_t *h;
    json_array_foreach(hot, i, h)
    {
        dp_buf_printf(b, "\n\n**%s #%lld: “", s_kind(h),
                      (long long)dp_json_int(h, "number", 0));
        dp_text_md_inline(b, dp_json_str(h, "title"), WRITER_TITLE_MAX);
        dp_buf_puts(b, "”**\n");
        dp_buf_printf(b, "- **%s**%s%s", w->h_state, w->colon, s_state(h, w));
        dp_buf_puts(b, w->list_sep);
        dp_buf_printf(b, w->h_comments_fmt,
                      (long long)dp_json_int(h, "comments", 0));
        if (dp_json_get(h, "first_reply_s")) {
            char dur[64];
            s_duration(dp_json_int(h, "first_reply_s", 0), zh, dur, sizeof dur);
            dp_buf_puts(b, w->list_sep);
            dp_buf_printf(b, w->h_first_reply_fmt, dur);
        }
        dp_buf_printf(b, "\n- **%s**%s", w->h_views, w->colon);
        const char *author = dp_json_str(h, "author");
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(h, "participants"), k, p)
        {
            const char *login = dp_json_str(p, "login");
            const char *role =
                author && login && !strcmp(author, login) ? w->author_role
                : dp_json_str(p, "assoc") &&
                        (!strcmp(dp_json_str(p, "assoc"), "MEMBER") ||
                         !strcmp(dp_json_str(p, "assoc"), "OWNER") ||
                         !strcmp(dp_json_str(p, "assoc"), "COLLABORATOR"))
                    ? w->maintainer
                    : w->community;
            dp_buf_printf(b, "\n    %zu. **%s (", k + 1, role);
            dp_text_md_code(b, login, 40);
            dp_buf_printf(b, ", %lld)**%s",
                          (long long)dp_json_int(p, "comments", 0), w->colon);
            dp_text_excerpt(b, dp_json_str(p, "quote"), WRITER_QUOTE_MAX);
        }
    }
}

static void s_trends(dp_buf_t *b, const json_t *d, const s_words_t *w, bool zh)
{
    json_t *cats = dp_json_get(d, "facts.categories");
    if (json_object_size(cats) == 0) {
        dp_buf_puts(b, w->trend_none);
        return;
    }
    dp_buf_puts(b, "1. ");
    dp_buf_puts(b, w->themes);
    s_category_list(b, cats, zh, w, json_object_size(cats));
    dp_buf_puts(b, w->themes_end);
    json_t *prev = json_array_get(dp_json_get(d, "facts.previous"), 0);
    dp_buf_puts(b, "\n2. ");
    if (!prev) {
        dp_buf_puts(b, w->trend_first);
        return;
    }
    static const char *const names[] = {"new_issues", "closed_issues",
                                        "new_prs", "merged_prs", "closed_prs"};
    static const char *const zh_names[] = {"新 Issue", "关闭 Issue", "新 PR",
                                           "合并 PR", "关闭未合并 PR"};
    static const char *const en_names[] = {"new issues", "closed issues",
                                           "new PRs", "merged PRs",
                                           "PRs closed unmerged"};
    dp_buf_t parts = DP_BUF_INIT;
    for (size_t i = 0; i < 5; i++) {
        long long now = s_count(d, names[i]);
        long long before = (long long)dp_json_int(
            json_object_get(prev, "counts"), names[i], 0);
        if (i)
            dp_buf_puts(&parts, w->list_sep);
        dp_buf_printf(&parts, "%s %lld → %lld", zh ? zh_names[i] : en_names[i],
                      before, now);
    }
    dp_buf_printf(b, w->trend_prev_fmt, parts.data);
    dp_buf_free(&parts);
}

static void s_labels(dp_buf_t *b, const json_t *item, const s_words_t *w)
{
    json_t *labels = json_object_get(item, "labels");
    if (json_array_size(labels) == 0) {
        dp_buf_puts(b, w->no_labels);
        return;
    }
    size_t i;
    json_t *l;
    json_array_foreach(labels, i, l)
    {
        if (i)
            dp_buf_puts(b, ", ");
        dp_text_md_inline(b, json_string_value(l), 60);
    }
}

static void s_changes(dp_buf_t *b, const json_t *d, const s_words_t *w, bool zh)
{
    json_t *changes = dp_json_get(d, "facts.changes");
    if (json_array_size(changes) == 0) {
        dp_buf_puts(b, w->changes_none);
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        if (i)
            dp_buf_puts(b, "\n\n");
        dp_buf_printf(b, "%zu. **PR ", i + 1);
        s_ref(b, c);
        dp_buf_printf(b, "** (%s)\n    - ",
                      dp_json_bool(c, "merged", false) ? w->c_kind_merged
                                                       : w->c_kind_new);
        dp_buf_t labels = DP_BUF_INIT, author = DP_BUF_INIT;
        s_labels(&labels, c, w);
        dp_text_md_code(&author, dp_json_str(c, "author"), 40);
        dp_buf_printf(b, w->c_meta_fmt,
                      s_category_name(dp_json_str(c, "category"), zh),
                      labels.data, author.data);
        dp_buf_free(&labels);
        dp_buf_free(&author);
        long long add = (long long)dp_json_int(c, "additions", 0);
        long long del = (long long)dp_json_int(c, "deletions", 0);
        if (add || del)
            dp_buf_printf(b, w->c_size_fmt, add, del);
        const char *body = dp_json_str(c, "body");
        if (body && *body) {
            dp_buf_printf(b, "\n    - %s%s", w->c_summary, w->colon);
            dp_text_excerpt(b, body, WRITER_BODY_MAX);
        }
    }
}

static void s_activity(dp_buf_t *b, const json_t *d, const s_words_t *w,
                       bool zh)
{
    json_t *people = dp_json_get(d, "facts.people");
    long bots = (long)dp_json_int(d, "facts.bots", 0);
    if (json_array_size(people) == 0) {
        dp_buf_puts(b, w->act_none);
    } else {
        dp_buf_printf(b, w->act_people_fmt, json_array_size(people));
        size_t i, maint = 0, community = 0;
        json_t *p;
        dp_buf_t first = DP_BUF_INIT;
        json_array_foreach(people, i, p)
        {
            const char *assoc = dp_json_str(p, "assoc");
            bool m =
                assoc && (!strcmp(assoc, "MEMBER") || !strcmp(assoc, "OWNER") ||
                          !strcmp(assoc, "COLLABORATOR"));
            m ? maint++ : community++;
            if (assoc && (!strcmp(assoc, "FIRST_TIME_CONTRIBUTOR") ||
                          !strcmp(assoc, "FIRST_TIMER"))) {
                if (first.len)
                    dp_buf_puts(&first, w->list_sep);
                dp_text_md_code(&first, dp_json_str(p, "login"), 40);
            }
            if (i >= WRITER_PEOPLE_MAX)
                continue;
            dp_buf_t what = DP_BUF_INIT, login = DP_BUF_INIT;
            static const char *const fields[] = {"prs", "merged", "issues",
                                                 "comments"};
            static const char *const zhw[] = {"新 PR", "合并 PR", "新 Issue",
                                              "评论"};
            static const char *const enw[] = {"new PRs", "merged PRs",
                                              "new issues", "comments"};
            for (size_t k = 0; k < 4; k++) {
                long long v = (long long)dp_json_int(p, fields[k], 0);
                if (!v)
                    continue;
                if (what.len)
                    dp_buf_puts(&what, w->list_sep);
                dp_buf_printf(&what, "%s %lld", zh ? zhw[k] : enw[k], v);
            }
            dp_text_md_code(&login, dp_json_str(p, "login"), 40);
            dp_buf_puts(b, "\n- ");
            dp_buf_printf(b, w->act_line_fmt, login.data,
                          m ? w->maintainer : w->community,
                          what.data ? what.data : "");
            dp_buf_free(&what);
            dp_buf_free(&login);
        }
        dp_buf_puts(b, "\n\n");
        dp_buf_printf(b, w->act_maint_fmt, maint, community);
        if (first.len) {
            dp_buf_puts(b, "\n");
            dp_buf_printf(b, w->act_first_fmt, first.data);
        }
        dp_buf_free(&first);
    }
    if (bots) {
        dp_buf_puts(b, "\n");
        dp_buf_printf(b, w->act_bots_fmt, bots);
    }
}

static void s_watch(dp_buf_t *b, const json_t *d, const s_words_t *w)
{
    json_t *watch = dp_json_get(d, "facts.watch");
    if (json_array_size(watch) == 0) {
        dp_buf_puts(b, w->watch_none);
        return;
    }
    size_t i;
    json_t *it;
    json_array_foreach(watch, i, it)
    {
        if (i)
            dp_buf_puts(b, "\n");
        const char *why = dp_json_str(it, "why");
        dp_buf_printf(b, "%zu. **%s**%s", i + 1,
                      why && !strcmp(why, "pr_no_response") ? w->watch_pr
                                                            : w->watch_issue,
                      w->colon);
        s_ref(b, it);
        dp_buf_puts(b, " — by ");
        dp_text_md_code(b, dp_json_str(it, "author"), 40);
    }
}

static json_t *s_take(dp_buf_t *b)
{
    json_t *s = json_string(b->data ? b->data : "");
    dp_buf_free(b);
    return s ? s : json_string("");
}

void writer_extractive(json_t *d)
{
    const char *lang = dp_json_str(d, "lang");
    bool zh = !lang || strcmp(lang, "en") != 0;
    const s_words_t *w = zh ? &s_zh : &s_en;
    json_t *sections = json_object();
    dp_buf_t b = DP_BUF_INIT;

    s_summary(&b, d, w, zh);
    json_object_set_new(sections, "summary", s_take(&b));
    json_t *topics = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "topics"), i, t)
    {
        s_topic(&b, t, w);
        json_object_set_new(topics, dp_json_str(t, "id"), s_take(&b));
    }
    json_object_set_new(sections, "topics", topics);
    s_hot(&b, d, w, zh);
    json_object_set_new(sections, "hot", s_take(&b));
    s_trends(&b, d, w, zh);
    json_object_set_new(sections, "trends", s_take(&b));
    s_changes(&b, d, w, zh);
    json_object_set_new(sections, "changes", s_take(&b));
    s_activity(&b, d, w, zh);
    json_object_set_new(sections, "activity", s_take(&b));
    s_watch(&b, d, w);
    json_object_set_new(sections, "watch", s_take(&b));
    json_object_set_new(d, "sections", sections);
}
