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
#define WRITER_LOGIN_MAX 40
#define WRITER_PEOPLE_MAX 8
#define WRITER_SUMMARY_CATEGORIES 5
#define WRITER_TREND_CATEGORIES 6
#define WRITER_HOUR 3600
#define WRITER_DAY 86400
#define WRITER_MINUTE 60

/* The words of one language. */
typedef struct {
    /* periods and durations */
    const char *hour, *day, *week, *minutes_fmt;
    const char *dur_min_fmt, *dur_hour_fmt, *dur_day_fmt, *hours_fmt;
    /* summary */
    const char *summary_fmt; /* period, name, 5 counts */
    const char *themes, *themes_end, *quiet;
    const char *topic_hits_fmt, *hot_lead_fmt, *people_fmt, *first_fmt;
    const char *cont_fmt, *watch_lead_fmt;
    /* topics */
    const char *topic_none_fmt, *topic_none_detail_fmt, *topic_count_fmt;
    const char *reason, *state_open, *state_closed, *state_merged;
    const char *h_opened, *h_merged, *h_closed, *h_discussed_fmt;
    /* hot discussions */
    const char *hot_none, *hot_count_fmt, *h_state, *h_numbers_fmt;
    const char *h_cont, *h_new, *h_streak_fmt, *h_first, *h_first_fmt;
    const char *h_first_unknown_fmt, *h_first_before, *h_first_none;
    const char *h_views, *h_words_fmt, *h_review_fmt;
    const char *role_author, *role_maintainer, *role_contributor;
    const char *role_first_time, *role_community;
    /* trends */
    const char *trend_none, *trend_cat_fmt, *trend_prev_fmt, *trend_first;
    const char *trend_cats_fmt, *trend_topics_fmt, *trend_cont_fmt;
    const char *trend_counts_fmt, *trend_still_fmt;
    const char *names[5];
    /* key changes */
    const char *changes_none, *c_kind_merged, *c_kind_new, *c_kind_draft;
    const char *c_meta_fmt, *c_size_fmt, *c_files_fmt, *c_reviews;
    const char *c_topics, *c_summary, *no_labels;
    /* contributor activity */
    const char *act_none, *act_people_fmt, *act_first_fmt, *act_bots_fmt;
    const char *act_person_fmt;
    const char *act_doing[5];
    const char *act_reviews, *act_reviews_none;
    const char *act_resp_fmt, *act_resp_none_fmt, *act_resp_by_fmt;
    const char *act_resp_empty, *act_earlier_fmt;
    /* worth watching */
    const char *watch_none, *watch_unanswered_fmt, *watch_unreviewed;
    const char *watch_long_hot, *watch_waited_fmt, *watch_more_fmt;
    const char *watch_streak_fmt, *watch_young_fmt;
    const char *trend_themes, *hist_open, *hist_close;
    const char *list_sep, *colon, *colon_end, *by;
} s_words_t;

static const s_words_t s_zh = {
    .hour = "1小时",
    .day = "1天",
    .week = "1周",
    .minutes_fmt = "%ld分钟",
    .dur_min_fmt = "%lld 分钟",
    .dur_hour_fmt = "%.1f 小时",
    .dur_day_fmt = "%.1f 天",
    .hours_fmt = "%lld 小时",
    .summary_fmt =
        "本周期（%s内）%s 共有新 Issue %lld 个、关闭 Issue %lld "
        "个、新 PR %lld 个、合并 PR %lld 个、关闭未合并 PR %lld 个。",
    .themes = "按类别看，活动集中在",
    .themes_end = "。",
    .quiet = "本周期内没有新的 Issue 或 PR 变动。",
    .topic_hits_fmt = "%s 相关条目 %zu 项。",
    .hot_lead_fmt = "讨论最热的是 %s #%lld（本周期 %lld 条评论与评审，%lld "
                    "人参与）。",
    .people_fmt = "本周期有 %zu 位贡献者活跃（不含机器人）",
    .first_fmt = "，其中首次贡献者 %lld 位",
    .cont_fmt = "本期的讨论中 %zu 个在上一周期已是讨论，%zu 个为本期新出现。",
    .watch_lead_fmt = "超过 %s无人回复的 Issue 有 %zu 个。",
    .topic_none_fmt = "**本周期无 %s 相关更新**。",
    .topic_none_detail_fmt = "在本次分析的时间窗口内，新增及已处理的 PR 与 "
                             "Issue 中，均未发现与 %s 相关的内容。",
    .topic_count_fmt = "本周期共有 %zu 项与 %s 相关：",
    .reason = "匹配原因",
    .state_open = "进行中",
    .state_closed = "已关闭",
    .state_merged = "已合并",
    .h_opened = "本期新建",
    .h_merged = "本期合并",
    .h_closed = "本期关闭",
    .h_discussed_fmt = "本期讨论 %lld 条",
    .hot_none = "本周期内没有形成讨论的 Issue 或 PR（评论与评审合计不少于 2 "
                "条，不含机器人）。",
    .hot_count_fmt = "本周期内有 %zu 个讨论（评论与评审合计不少于 2 条，不含"
                     "机器人），以下按热度列出前 %zu 个（热度 = 2×评论与评审 "
                     "+ 3×参与人数 + 表情数，表情数至多计 10）。",
    .h_state = "状态",
    .h_numbers_fmt = "本周期评论 %lld 条、评审 %lld 次、参与 %lld 人；热度 "
                     "%lld",
    .h_cont = "延续性",
    .h_new = "本期新出现的热点",
    .h_streak_fmt = "连续第 %lld 个周期高热度",
    .h_first = "首次回复",
    .h_first_fmt = "%s（%s）于创建后 %s回复",
    .h_first_unknown_fmt = "本周期首个回复来自 %s（%s）",
    .h_first_before = "（更早的回复不在本周期内）",
    .h_first_none = "尚无他人回复",
    .h_views = "各方观点",
    .h_words_fmt = "，%lld 条",
    .h_review_fmt = "（评审：%s）",
    .role_author = "作者",
    .role_maintainer = "维护者",
    .role_contributor = "贡献者",
    .role_first_time = "首次贡献者",
    .role_community = "社区",
    .trend_none = "本周期没有足够的数据形成趋势。",
    .trend_cat_fmt = "%s：%lld 项",
    .trend_prev_fmt = "与上一周期相比：%s。",
    .trend_first = "这是该仓库第一个有记录的同长度周期，暂无对比。",
    .trend_cats_fmt = "类别变化（本期与前 %zu 个周期相比，括号内由近及远）：",
    .trend_topics_fmt = "关注主题（本期与前 %zu 个周期相比）：",
    .trend_counts_fmt = "数量变化（本期与前 %zu 个周期相比，括号内由近及远）：",
    .trend_still_fmt = "此前 %zu 个同长度周期内没有新建、关闭或合并的 Issue 与 "
                       "PR（仓库可能更年轻），暂无可对比的数据。",
    .trend_cont_fmt = "讨论延续：%zu 个讨论在上一周期已是讨论，%zu 个为本期新"
                      "出现。",
    .names = {"新 Issue", "关闭 Issue", "新 PR", "合并 PR", "关闭未合并 PR"},
    .changes_none = "本周期没有新增或合并的 PR。",
    .c_kind_merged = "已合并",
    .c_kind_new = "新 PR",
    .c_kind_draft = "新 PR，草稿",
    .c_meta_fmt = "类别：%s；标签：%s；作者：%s",
    .c_size_fmt = "；规模：+%lld/−%lld",
    .c_files_fmt = "，%lld 个文件",
    .c_reviews = "；评审：",
    .c_topics = "；关注主题：",
    .c_summary = "内容摘要",
    .no_labels = "无标签",
    .act_none = "本周期没有贡献者活动。",
    .act_people_fmt = "本周期活跃贡献者 %zu 位（不含机器人）：维护者 %lld 位、"
                      "贡献者 %lld 位、首次贡献者 %lld 位、其他社区成员 %lld "
                      "位。",
    .act_first_fmt = "首次贡献者：%s。",
    .act_person_fmt = "（%s）：%s",
    .act_bots_fmt = "另有 %ld 个机器人账号的活动未计入。",
    .act_doing = {"新 PR", "合并 PR", "新 Issue", "评论", "评审"},
    .act_reviews = "评审状态：",
    .act_reviews_none = "评审状态：本周期没有记录到 PR 评审。",
    .act_resp_fmt = "响应时间：本周期新建的 %lld 个条目中 %lld 个已获得首次"
                    "回复，中位用时 %s",
    .act_resp_by_fmt = "（维护者先回复 %lld 个，其他人先回复 %lld 个）",
    .act_resp_none_fmt = "响应时间：本周期新建的 %lld 个条目均尚未获得回复",
    .act_resp_empty = "响应时间：本周期没有新建的条目。",
    .act_earlier_fmt = "此前一直无人回复的 %lld 个条目在本期获得首次回复，中"
                       "位等待 %s。",
    .watch_none = "本周期没有需要特别关注的问题。",
    .watch_unanswered_fmt = "超过 %s无人回复的 Issue",
    .watch_unreviewed = "尚无评审或回复的 PR",
    .watch_long_hot = "连续多个周期高热度的讨论",
    .watch_waited_fmt = "，已等待 %s",
    .watch_more_fmt = "另有 %lld 个未列出。",
    .watch_streak_fmt = "，连续 %lld 个周期",
    .watch_young_fmt = "创建不足 %s仍无人回复的 Issue 另有 %lld 个（最久已等待 "
                       "%s）。",
    .trend_themes = "按类别看，活动集中在",
    .hist_open = "（",
    .hist_close = "）",
    .list_sep = "、",
    .colon = "：",
    .colon_end = "：",
    .by = " — by ",
};

static const s_words_t s_en = {
    .hour = "1 hour",
    .day = "1 day",
    .week = "1 week",
    .minutes_fmt = "%ld minutes",
    .dur_min_fmt = "%lld min",
    .dur_hour_fmt = "%.1f h",
    .dur_day_fmt = "%.1f days",
    .hours_fmt = "%lld h",
    .summary_fmt = "In this period (%s) %s had %lld new issues, %lld closed "
                   "issues, %lld new PRs, %lld merged PRs and %lld PRs closed "
                   "without merge.",
    .themes = " Activity by category: ",
    .themes_end = ".",
    .quiet = " No issue or PR changed in this period.",
    .topic_hits_fmt = " %s-related items: %zu.",
    .hot_lead_fmt = " The hottest thread is %s #%lld (comments and reviews in "
                    "the period: %lld, people: %lld).",
    .people_fmt = " Active contributors (bots excluded): %zu",
    .first_fmt = ", first-time contributors among them: %lld",
    .cont_fmt = " Discussions carried over from the previous period: %zu; new "
                "ones: %zu.",
    .watch_lead_fmt = " Issues without an answer for more than %s: %zu.",
    .topic_none_fmt = "**No %s-related activity in this period.**",
    .topic_none_detail_fmt =
        "No new or closed issue or PR in this window matched the %s rules.",
    .topic_count_fmt = "%zu matched %s:",
    .reason = "why",
    .state_open = "open",
    .state_closed = "closed",
    .state_merged = "merged",
    .h_opened = "opened",
    .h_merged = "merged",
    .h_closed = "closed",
    .h_discussed_fmt = "comments: %lld",
    .hot_none = "No issue or PR became a discussion in this period (two or "
                "more comments and reviews, bots excluded).",
    .hot_count_fmt = "Discussions in this period (two or more comments and "
                     "reviews, bots excluded): %zu; the %zu hottest follow "
                     "(score = 2 × comments and reviews + 3 × people + "
                     "reactions, at most 10).",
    .h_state = "State",
    .h_numbers_fmt = "in the period comments %lld, reviews %lld, people "
                     "%lld; score %lld",
    .h_cont = "Continuity",
    .h_new = "new this period",
    .h_streak_fmt = "hot for %lld periods in a row",
    .h_first = "First response",
    .h_first_fmt = "%s (%s), %s after it was opened",
    .h_first_unknown_fmt = "first reply in the period by %s (%s)",
    .h_first_before = " (earlier replies fall outside the period)",
    .h_first_none = "nobody else has answered yet",
    .h_views = "Voices",
    .h_words_fmt = ", %lld",
    .h_review_fmt = "(review: %s)",
    .role_author = "author",
    .role_maintainer = "maintainer",
    .role_contributor = "contributor",
    .role_first_time = "first-time contributor",
    .role_community = "community",
    .trend_none = "Not enough data for trends in this period.",
    .trend_cat_fmt = "%s: %lld",
    .trend_prev_fmt = "Compared with the previous period: %s.",
    .trend_first =
        "This is the first recorded period of this length; nothing to compare.",
    .trend_cats_fmt = "Categories against the %zu previous periods (in "
                      "parentheses, newest first): ",
    .trend_topics_fmt = "Watched topics against the %zu previous periods: ",
    .trend_counts_fmt = "Counts against the %zu previous periods (in "
                        "brackets, newest first): ",
    .trend_still_fmt = "No issue or PR was opened, closed or merged in the %zu "
                       "previous periods of this length (the repository may "
                       "be younger); there is nothing to compare with.",
    .trend_cont_fmt = "Continuity: discussions carried over from the previous "
                      "period: %zu; new ones: %zu.",
    .names = {"new issues", "closed issues", "new PRs", "merged PRs",
              "PRs closed unmerged"},
    .changes_none = "No PR was opened or merged in this period.",
    .c_kind_merged = "merged",
    .c_kind_new = "new PR",
    .c_kind_draft = "new PR, draft",
    .c_meta_fmt = "category: %s; labels: %s; author: %s",
    .c_size_fmt = "; size: +%lld/−%lld",
    .c_files_fmt = ", files: %lld",
    .c_reviews = "; reviews: ",
    .c_topics = "; watched topics: ",
    .c_summary = "Summary",
    .no_labels = "no labels",
    .act_none = "No contributor activity in this period.",
    .act_people_fmt = "Active contributors (bots excluded): %zu — maintainers "
                      "%lld, contributors %lld, first-time contributors %lld, "
                      "other community members %lld.",
    .act_first_fmt = "First-time contributors: %s.",
    .act_person_fmt = " (%s): %s",
    .act_bots_fmt = "Bot accounts whose activity is not counted: %ld.",
    .act_doing = {"new PRs", "merged PRs", "new issues", "comments", "reviews"},
    .act_reviews = "Reviews: ",
    .act_reviews_none = "Reviews: none recorded in this period.",
    .act_resp_fmt = "Response times: opened in this period %lld, answered "
                    "%lld, after %s (median)",
    .act_resp_by_fmt =
        " (answered first by a maintainer %lld, by someone else %lld)",
    .act_resp_none_fmt = "Response times: opened in this period %lld, none "
                         "answered yet",
    .act_resp_empty = "Response times: no item was opened in this period.",
    .act_earlier_fmt = "Items that had waited without any answer and got "
                       "their first one in this period: %lld, after %s "
                       "(median).",
    .watch_none = "Nothing needs special attention in this period.",
    .watch_unanswered_fmt = "Issues without any answer for more than %s",
    .watch_unreviewed = "PRs without review or reply",
    .watch_long_hot = "Threads hot for several periods",
    .watch_waited_fmt = ", waiting for %s",
    .watch_more_fmt = "%lld more not listed.",
    .watch_streak_fmt = ", %lld periods in a row",
    .watch_young_fmt = "Issues opened less than %s ago without an answer "
                       "yet: %lld more (the oldest waited %s).",
    .trend_themes = "Activity by category: ",
    .hist_open = " (",
    .hist_close = ")",
    .list_sep = ", ",
    .colon = ": ",
    .colon_end = ":",
    .by = " — by ",
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
    int64_t from = dp_json_int(d, "from", 0), to = dp_json_int(d, "to", 0);
    const char *zone = json_string_value(json_object_get(d, "tz"));
    dp_window_kind_t kind;
    /* A day across a daylight saving change lasts 23 or 25 hours. */
    if (dp_window_kind_of(from, to, zone, &kind) < 0)
        snprintf(buf, size, w->minutes_fmt,
                 (long)((to - from) / WRITER_MINUTE));
    else if (kind == DP_WINDOW_HOURLY)
        snprintf(buf, size, "%s", w->hour);
    else if (kind == DP_WINDOW_DAILY)
        snprintf(buf, size, "%s", w->day);
    else
        snprintf(buf, size, "%s", w->week);
}

static void s_duration(int64_t s, const s_words_t *w, char *buf, size_t size)
{
    if (s < WRITER_HOUR)
        snprintf(buf, size, w->dur_min_fmt, (long long)(s / WRITER_MINUTE));
    else if (s < WRITER_DAY)
        snprintf(buf, size, w->dur_hour_fmt, (double)s / WRITER_HOUR);
    else
        snprintf(buf, size, w->dur_day_fmt, (double)s / WRITER_DAY);
}

/* A threshold: whole hours as such ("24 h"), else as a duration. */
static void s_threshold(int64_t s, const s_words_t *w, char *buf, size_t size)
{
    if (s > 0 && s % WRITER_HOUR == 0)
        snprintf(buf, size, w->hours_fmt, (long long)(s / WRITER_HOUR));
    else
        s_duration(s, w, buf, size);
}

static long long s_count(const json_t *d, const char *name)
{
    json_t *counts = json_object_get(d, "counts");
    return (long long)dp_json_int(counts, name, 0);
}

/* The length of a list that a capped digest may have cut: its "total"
 * member (or the given total) when there is one, else its size. */
static size_t s_total(const json_t *list, const json_t *total)
{
    return json_is_integer(total) ? (size_t)json_integer_value(total)
                                  : json_array_size(list);
}

/* The items of a topic, however many the digest lists. */
static size_t s_topic_total(const json_t *t)
{
    return s_total(json_object_get(t, "items"), json_object_get(t, "total"));
}

/* The people active in the window, however many the digest lists. */
static size_t s_people_total(const json_t *d)
{
    return s_total(dp_json_get(d, "facts.people"),
                   dp_json_get(d, "facts.people_total"));
}

static long long s_int(const json_t *obj, const char *path)
{
    return (long long)dp_json_int(obj, path, 0);
}

/* "[#12](url) title" with the title neutralized. */
static void s_ref(dp_buf_t *b, const json_t *item)
{
    const char *url = dp_json_str(item, "url");
    dp_buf_printf(b, "[#%lld](", s_int(item, "number"));
    dp_text_url(b,
                url && !strncmp(url, "https://github.com/", 19) ? url : NULL);
    dp_buf_puts(b, ") ");
    dp_text_md_inline(b, dp_json_str(item, "title"), WRITER_TITLE_MAX);
}

static void s_login(dp_buf_t *b, const char *login)
{
    dp_text_md_code(b, login, WRITER_LOGIN_MAX);
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

static const char *s_role_word(const char *role, const s_words_t *w)
{
    if (!role)
        return w->role_community;
    if (!strcmp(role, "author"))
        return w->role_author;
    if (!strcmp(role, "maintainer"))
        return w->role_maintainer;
    if (!strcmp(role, "contributor"))
        return w->role_contributor;
    if (!strcmp(role, "first_time"))
        return w->role_first_time;
    return w->role_community;
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
                (c > bestn || (c == bestn && best && strcmp(key, best) < 0))) {
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

/* ==== Summary ==== */

/* Discussions already hot in the previous window, and new ones. */
static void s_continuity(const json_t *d, size_t *still, size_t *fresh)
{
    *still = (size_t)dp_json_int(d, "facts.continuity.still", 0);
    *fresh = (size_t)dp_json_int(d, "facts.continuity.new", 0);
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
                      s_topic_total(t));
        dp_buf_free(&topic);
    }
    json_t *hot = json_array_get(dp_json_get(d, "facts.hot"), 0);
    if (hot)
        dp_buf_printf(b, w->hot_lead_fmt, s_kind(hot), s_int(hot, "number"),
                      s_int(hot, "comments") + s_int(hot, "reviews"),
                      s_int(hot, "people"));
    size_t still, fresh;
    s_continuity(d, &still, &fresh);
    if (still + fresh > 0)
        dp_buf_printf(b, w->cont_fmt, still, fresh);
    size_t people = s_people_total(d);
    if (people) {
        dp_buf_printf(b, w->people_fmt, people);
        long long first = s_int(d, "facts.roles.first_time");
        if (first)
            dp_buf_printf(b, w->first_fmt, first);
        dp_buf_puts(b, w->themes_end);
    }
    json_t *watch = dp_json_get(d, "facts.watch");
    size_t late = json_array_size(json_object_get(watch, "unanswered")) +
                  (size_t)s_int(watch, "unanswered_more");
    if (late) {
        char dur[64];
        s_threshold(s_int(watch, "threshold_s"), w, dur, sizeof dur);
        dp_buf_printf(b, w->watch_lead_fmt, dur, late);
    }
}

/* ==== Topics ==== */

static void s_topic_item(dp_buf_t *b, const json_t *it, const s_words_t *w)
{
    dp_buf_printf(b, "\n- %s ", s_kind(it));
    s_ref(b, it);
    dp_buf_puts(b, " (");
    size_t k;
    json_t *h;
    json_array_foreach(json_object_get(it, "happened"), k, h)
    {
        const char *what = json_string_value(h);
        if (!strcmp(what, "opened"))
            dp_buf_puts(b, w->h_opened);
        else if (!strcmp(what, "merged"))
            dp_buf_puts(b, w->h_merged);
        else if (!strcmp(what, "closed"))
            dp_buf_puts(b, w->h_closed);
        else
            dp_buf_printf(b, w->h_discussed_fmt, s_int(it, "comments"));
        dp_buf_puts(b, w->list_sep);
    }
    dp_buf_printf(b, "%s) — %s%s", s_state(it, w), w->reason, w->colon);
    json_t *r;
    json_array_foreach(json_object_get(it, "reasons"), k, r)
    {
        if (k)
            dp_buf_puts(b, w->list_sep);
        dp_text_md_inline(b, json_string_value(r), 120);
    }
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
        dp_buf_printf(b, w->topic_count_fmt, s_topic_total(t), title.data);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) s_topic_item(b, it, w);
    }
    dp_buf_free(&title);
    dp_buf_free(&short_name);
}

/* ==== Hot discussions ==== */

static void s_first_response(dp_buf_t *b, const json_t *h, const s_words_t *w)
{
    json_t *f = json_object_get(h, "first_response");
    dp_buf_printf(b, "\n- **%s**%s", w->h_first, w->colon);
    if (!f) {
        dp_buf_puts(b, w->h_first_none);
        return;
    }
    dp_buf_t who = DP_BUF_INIT;
    s_login(&who, dp_json_str(f, "login"));
    const char *role = s_role_word(dp_json_str(f, "role"), w);
    if (json_object_get(f, "after_s")) {
        char dur[64];
        s_duration(s_int(f, "after_s"), w, dur, sizeof dur);
        dp_buf_printf(b, w->h_first_fmt, who.data, role, dur);
    } else {
        dp_buf_printf(b, w->h_first_unknown_fmt, who.data, role);
        dp_buf_puts(b, w->h_first_before);
    }
    dp_buf_free(&who);
}

static void s_hot_thread(dp_buf_t *b, const json_t *h, const s_words_t *w)
{
    dp_buf_printf(b, "\n\n**%s #%lld: “", s_kind(h), s_int(h, "number"));
    dp_text_md_inline(b, dp_json_str(h, "title"), WRITER_TITLE_MAX);
    dp_buf_puts(b, "”**\n");
    dp_buf_printf(b, "- **%s**%s%s%s", w->h_state, w->colon, s_state(h, w),
                  w->list_sep);
    dp_buf_printf(b, w->h_numbers_fmt, s_int(h, "comments"),
                  s_int(h, "reviews"), s_int(h, "people"), s_int(h, "score"));
    json_t *isnew = json_object_get(h, "new");
    if (isnew) {
        dp_buf_printf(b, "\n- **%s**%s", w->h_cont, w->colon);
        if (json_is_true(isnew))
            dp_buf_puts(b, w->h_new);
        else
            dp_buf_printf(b, w->h_streak_fmt, s_int(h, "streak"));
    }
    s_first_response(b, h, w);
    dp_buf_printf(b, "\n- **%s**%s", w->h_views, w->colon_end);
    size_t k;
    json_t *p;
    json_array_foreach(json_object_get(h, "participants"), k, p)
    {
        dp_buf_printf(b, "\n    %zu. **%s (", k + 1,
                      s_role_word(dp_json_str(p, "role"), w));
        s_login(b, dp_json_str(p, "login"));
        dp_buf_printf(b, w->h_words_fmt,
                      s_int(p, "comments") + s_int(p, "reviews"));
        dp_buf_printf(b, ")**%s", w->colon);
        const char *quote = dp_json_str(p, "quote");
        const char *state = dp_json_str(p, "review_state");
        if ((!quote || !*quote) && state) {
            dp_buf_t st = DP_BUF_INIT;
            dp_text_md_inline(&st, state, 40);
            dp_buf_printf(b, w->h_review_fmt, st.data);
            dp_buf_free(&st);
        } else {
            dp_text_excerpt(b, quote, WRITER_QUOTE_MAX);
        }
    }
}

static void s_hot(dp_buf_t *b, const json_t *d, const s_words_t *w)
{
    json_t *hot = dp_json_get(d, "facts.hot");
    if (json_array_size(hot) == 0) {
        dp_buf_puts(b, w->hot_none);
        return;
    }
    dp_buf_printf(b, w->hot_count_fmt, (size_t)s_int(d, "facts.discussions"),
                  json_array_size(hot));
    size_t i;
    json_t *h;
    json_array_foreach(hot, i, h) s_hot_thread(b, h, w);
}

/* ==== Trends ==== */

/* " (4, 6)": a value in each previous summary, newest first. */
static void s_history(dp_buf_t *b, const json_t *previous, const char *member,
                      const char *key, const s_words_t *w)
{
    dp_buf_puts(b, w->hist_open);
    size_t i;
    json_t *p;
    json_array_foreach(previous, i, p)
    {
        if (i)
            dp_buf_puts(b, w->list_sep);
        dp_buf_printf(
            b, "%lld",
            (long long)dp_json_int(json_object_get(p, member), key, 0));
    }
    dp_buf_puts(b, w->hist_close);
}

/* The categories of this window (the largest first) against earlier ones. */
static void s_trend_categories(dp_buf_t *b, const json_t *d,
                               const json_t *previous, const s_words_t *w,
                               bool zh)
{
    json_t *cats = dp_json_get(d, "facts.categories");
    size_t total = json_object_size(cats);
    size_t n =
        total < WRITER_TREND_CATEGORIES ? total : WRITER_TREND_CATEGORIES;
    char *used = dp_calloc(total ? total : 1, 1);
    dp_buf_printf(b, w->trend_cats_fmt, json_array_size(previous));
    for (size_t done = 0; done < n; done++) {
        const char *best = NULL, *key;
        json_int_t bestn = -1;
        size_t besti = 0, i = 0;
        json_t *v;
        json_object_foreach(cats, key, v)
        {
            json_int_t c = json_integer_value(v);
            if (!used[i] &&
                (c > bestn || (c == bestn && best && strcmp(key, best) < 0))) {
                best = key;
                bestn = c;
                besti = i;
            }
            i++;
        }
        used[besti] = 1;
        if (done)
            dp_buf_puts(b, w->list_sep);
        dp_buf_printf(b, "%s %lld", s_category_name(best, zh),
                      (long long)bestn);
        s_history(b, previous, "categories", best, w);
    }
    dp_buf_puts(b, w->themes_end);
    dp_free(used);
}

static void s_trend_topics(dp_buf_t *b, const json_t *d, const json_t *previous,
                           const s_words_t *w)
{
    dp_buf_printf(b, w->trend_topics_fmt, json_array_size(previous));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "topics"), i, t)
    {
        if (i)
            dp_buf_puts(b, w->list_sep);
        dp_text_md_inline(b, dp_json_str(t, "short"), 40);
        dp_buf_printf(b, " %zu", s_topic_total(t));
        s_history(b, previous, "topics", dp_json_str(t, "id"), w);
    }
    dp_buf_puts(b, w->themes_end);
}

static const char *const s_count_names[] = {
    "new_issues", "closed_issues", "new_prs", "merged_prs", "closed_prs"};

/* Each count of the window against every earlier window's (facts.history,
 * newest first). */
static void s_trend_series(dp_buf_t *b, const json_t *d, const json_t *history,
                           const s_words_t *w)
{
    dp_buf_printf(b, w->trend_counts_fmt, json_array_size(history));
    for (size_t i = 0; i < 5; i++) {
        if (i)
            dp_buf_puts(b, w->list_sep);
        dp_buf_printf(b, "%s %lld", w->names[i], s_count(d, s_count_names[i]));
        s_history(b, history, "counts", s_count_names[i], w);
    }
    dp_buf_puts(b, w->themes_end);
}

/* True when no earlier window has a count above 0. */
static bool s_history_empty(const json_t *history)
{
    size_t i;
    json_t *e;
    json_array_foreach(history, i, e)
    {
        for (size_t k = 0; k < 5; k++)
            if (dp_json_int(json_object_get(e, "counts"), s_count_names[k], 0) >
                0)
                return false;
    }
    return true;
}

static void s_trend_counts(dp_buf_t *b, const json_t *d, const json_t *prev,
                           const s_words_t *w)
{
    const char *const *names = s_count_names;
    dp_buf_t parts = DP_BUF_INIT;
    for (size_t i = 0; i < 5; i++) {
        long long now = s_count(d, names[i]);
        long long before = (long long)dp_json_int(
            json_object_get(prev, "counts"), names[i], 0);
        if (i)
            dp_buf_puts(&parts, w->list_sep);
        dp_buf_printf(&parts, "%s %lld → %lld", w->names[i], before, now);
    }
    dp_buf_printf(b, w->trend_prev_fmt, parts.data);
    dp_buf_free(&parts);
}

static void s_trends(dp_buf_t *b, const json_t *d, const s_words_t *w, bool zh)
{
    json_t *cats = dp_json_get(d, "facts.categories");
    /* The earlier windows' counts: the reports' own, else the listing's. */
    json_t *history = dp_json_get(d, "facts.history");
    if (json_array_size(history) == 0)
        history = dp_json_get(d, "facts.previous");
    if (json_object_size(cats) == 0 && json_array_size(history) == 0) {
        dp_buf_puts(b, w->trend_none);
        return;
    }
    int k = 1;
    if (json_object_size(cats) > 0) {
        dp_buf_printf(b, "%d. %s", k++, w->trend_themes);
        s_category_list(b, cats, zh, w, json_object_size(cats));
        dp_buf_puts(b, w->themes_end);
    }
    if (json_array_size(history) == 0) {
        dp_buf_printf(b, "\n%d. %s", k, w->trend_first);
        return;
    }
    /* Only the listing's counts, all 0: nothing to compare with. */
    json_t *previous = dp_json_get(d, "facts.previous");
    if (json_array_size(previous) == 0 && s_history_empty(history)) {
        dp_buf_printf(b, "\n%d. ", k);
        dp_buf_printf(b, w->trend_still_fmt, json_array_size(history));
        return;
    }
    dp_buf_printf(b, "\n%d. ", k++);
    s_trend_counts(b, d, json_array_get(history, 0), w);
    if (json_array_size(history) > 1) {
        dp_buf_printf(b, "\n%d. ", k++);
        s_trend_series(b, d, history, w);
    }
    /* What only the published reports tell: categories, topics and
     * discussions of the windows before. */
    if (json_array_size(previous) == 0)
        return;
    if (json_object_size(cats) > 0) {
        dp_buf_printf(b, "\n%d. ", k++);
        s_trend_categories(b, d, previous, w, zh);
    }
    if (json_array_size(json_object_get(d, "topics")) > 0) {
        dp_buf_printf(b, "\n%d. ", k++);
        s_trend_topics(b, d, previous, w);
    }
    size_t still, fresh;
    s_continuity(d, &still, &fresh);
    if (still + fresh > 0) {
        dp_buf_printf(b, "\n%d. ", k++);
        dp_buf_printf(b, w->trend_cont_fmt, still, fresh);
    }
}

/* ==== Key changes ==== */

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

/* "APPROVED 1, COMMENTED 2" from a {state: n} object. */
static void s_states(dp_buf_t *b, const json_t *states, const s_words_t *w)
{
    size_t k = 0;
    const char *state;
    json_t *v;
    json_object_foreach((json_t *)states, state, v)
    {
        if (k++)
            dp_buf_puts(b, w->list_sep);
        dp_text_md_inline(b, state, 40);
        dp_buf_printf(b, " %lld", (long long)json_integer_value(v));
    }
}

/* The short name of a topic id, from the digest's topics. */
static const char *s_topic_short(const json_t *d, const char *id)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "topics"), i, t)
    {
        const char *tid = dp_json_str(t, "id");
        if (tid && id && !strcmp(tid, id))
            return dp_json_str(t, "short");
    }
    return id;
}

static void s_change(dp_buf_t *b, const json_t *d, size_t i, const json_t *c,
                     const s_words_t *w, bool zh)
{
    dp_buf_printf(b, "%zu. **PR ", i + 1);
    s_ref(b, c);
    dp_buf_printf(b, "** (%s)\n    - ",
                  dp_json_bool(c, "merged", false)  ? w->c_kind_merged
                  : dp_json_bool(c, "draft", false) ? w->c_kind_draft
                                                    : w->c_kind_new);
    dp_buf_t labels = DP_BUF_INIT, author = DP_BUF_INIT;
    s_labels(&labels, c, w);
    s_login(&author, dp_json_str(c, "author"));
    dp_buf_printf(b, w->c_meta_fmt,
                  s_category_name(dp_json_str(c, "category"), zh), labels.data,
                  author.data);
    dp_buf_free(&labels);
    dp_buf_free(&author);
    long long add = s_int(c, "additions"), del = s_int(c, "deletions");
    if (add || del) {
        dp_buf_printf(b, w->c_size_fmt, add, del);
        if (s_int(c, "files"))
            dp_buf_printf(b, w->c_files_fmt, s_int(c, "files"));
    }
    json_t *reviews = json_object_get(c, "reviews");
    if (json_object_size(reviews)) {
        dp_buf_puts(b, w->c_reviews);
        s_states(b, reviews, w);
    }
    json_t *topics = json_object_get(c, "topics");
    if (json_array_size(topics)) {
        dp_buf_puts(b, w->c_topics);
        size_t k;
        json_t *t;
        json_array_foreach(topics, k, t)
        {
            if (k)
                dp_buf_puts(b, w->list_sep);
            dp_text_md_inline(b, s_topic_short(d, json_string_value(t)), 40);
        }
    }
    const char *body = dp_json_str(c, "body");
    if (body && *body) {
        dp_buf_printf(b, "\n    - %s%s", w->c_summary, w->colon);
        dp_text_excerpt(b, body, WRITER_BODY_MAX);
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
        s_change(b, d, i, c, w, zh);
    }
}

/* ==== Contributor activity ==== */

static void s_person(dp_buf_t *b, const json_t *p, const s_words_t *w)
{
    static const char *const fields[] = {"prs", "merged", "issues", "comments",
                                         "reviews"};
    dp_buf_t what = DP_BUF_INIT;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        long long v = s_int(p, fields[k]);
        if (!v)
            continue;
        if (what.len)
            dp_buf_puts(&what, w->list_sep);
        dp_buf_printf(&what, "%s %lld", w->act_doing[k], v);
    }
    dp_buf_puts(b, "\n- ");
    s_login(b, dp_json_str(p, "login"));
    dp_buf_printf(b, w->act_person_fmt, s_role_word(dp_json_str(p, "role"), w),
                  what.data ? what.data : "");
    dp_buf_free(&what);
}

static void s_responses(dp_buf_t *b, const json_t *d, const s_words_t *w)
{
    json_t *r = dp_json_get(d, "facts.response");
    long long opened = s_int(r, "opened"), answered = s_int(r, "answered");
    dp_buf_puts(b, "\n");
    if (!opened) {
        dp_buf_puts(b, w->act_resp_empty);
    } else if (!answered) {
        dp_buf_printf(b, w->act_resp_none_fmt, opened);
        dp_buf_puts(b, w->themes_end);
    } else {
        char dur[64];
        s_duration(s_int(r, "median_s"), w, dur, sizeof dur);
        dp_buf_printf(b, w->act_resp_fmt, opened, answered, dur);
        dp_buf_printf(b, w->act_resp_by_fmt, s_int(r, "by_maintainers"),
                      s_int(r, "by_others"));
        dp_buf_puts(b, w->themes_end);
    }
    if (s_int(r, "earlier_answered")) {
        char dur[64];
        s_duration(s_int(r, "earlier_median_s"), w, dur, sizeof dur);
        dp_buf_puts(b, "\n");
        dp_buf_printf(b, w->act_earlier_fmt, s_int(r, "earlier_answered"), dur);
    }
}

static void s_activity(dp_buf_t *b, const json_t *d, const s_words_t *w)
{
    json_t *people = dp_json_get(d, "facts.people");
    json_t *roles = dp_json_get(d, "facts.roles");
    long bots = (long)dp_json_int(d, "facts.bots", 0);
    if (json_array_size(people) == 0) {
        dp_buf_puts(b, w->act_none);
    } else {
        dp_buf_printf(b, w->act_people_fmt, s_people_total(d),
                      s_int(roles, "maintainer"), s_int(roles, "contributor"),
                      s_int(roles, "first_time"), s_int(roles, "community"));
        dp_buf_t first = DP_BUF_INIT;
        /* A cut people list comes with the first-timers beside it. */
        const json_t *firsts = dp_json_get(d, "facts.first_timers");
        size_t i;
        json_t *p;
        json_array_foreach(people, i, p)
        {
            const char *role = dp_json_str(p, "role");
            if (!firsts && role && !strcmp(role, "first_time")) {
                if (first.len)
                    dp_buf_puts(&first, w->list_sep);
                s_login(&first, dp_json_str(p, "login"));
            }
            if (i < WRITER_PEOPLE_MAX)
                s_person(b, p, w);
        }
        json_array_foreach(firsts, i, p)
        {
            if (first.len)
                dp_buf_puts(&first, w->list_sep);
            s_login(&first, json_string_value(p));
        }
        dp_buf_puts(b, "\n");
        if (first.len) {
            dp_buf_puts(b, "\n");
            dp_buf_printf(b, w->act_first_fmt, first.data);
        }
        dp_buf_free(&first);
    }
    json_t *reviews = dp_json_get(d, "facts.reviews");
    dp_buf_puts(b, "\n");
    if (json_object_size(reviews)) {
        dp_buf_puts(b, w->act_reviews);
        s_states(b, reviews, w);
        dp_buf_puts(b, w->themes_end);
    } else {
        dp_buf_puts(b, w->act_reviews_none);
    }
    s_responses(b, d, w);
    if (bots) {
        dp_buf_puts(b, "\n");
        dp_buf_printf(b, w->act_bots_fmt, bots);
    }
}

/* ==== Worth watching ==== */

static void s_waits(dp_buf_t *b, const json_t *list, long long more,
                    const s_words_t *w)
{
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        char dur[64];
        s_duration(s_int(it, "waited_s"), w, dur, sizeof dur);
        dp_buf_puts(b, "\n    - ");
        s_ref(b, it);
        dp_buf_puts(b, w->by);
        s_login(b, dp_json_str(it, "author"));
        dp_buf_printf(b, w->watch_waited_fmt, dur);
    }
    if (more) {
        dp_buf_puts(b, "\n    - ");
        dp_buf_printf(b, w->watch_more_fmt, more);
    }
}

static void s_watch(dp_buf_t *b, const json_t *d, const s_words_t *w)
{
    json_t *watch = dp_json_get(d, "facts.watch");
    json_t *unanswered = json_object_get(watch, "unanswered");
    json_t *unreviewed = json_object_get(watch, "unreviewed");
    json_t *long_hot = json_object_get(watch, "long_hot");
    char threshold[64];
    s_threshold(s_int(watch, "threshold_s"), w, threshold, sizeof threshold);
    int k = 0;
    if (json_array_size(unanswered)) {
        dp_buf_printf(b, "%d. **", ++k);
        dp_buf_printf(b, w->watch_unanswered_fmt, threshold);
        dp_buf_printf(b, "**%s", w->colon_end);
        s_waits(b, unanswered, s_int(watch, "unanswered_more"), w);
    }
    if (json_array_size(unreviewed)) {
        dp_buf_printf(b, "%s%d. **%s**%s", k ? "\n" : "", k + 1,
                      w->watch_unreviewed, w->colon_end);
        k++;
        s_waits(b, unreviewed, s_int(watch, "unreviewed_more"), w);
    }
    if (json_array_size(long_hot)) {
        dp_buf_printf(b, "%s%d. **%s**%s", k ? "\n" : "", k + 1,
                      w->watch_long_hot, w->colon_end);
        k++;
        size_t i;
        json_t *h;
        json_array_foreach(long_hot, i, h)
        {
            dp_buf_printf(b, "\n    - %s ", s_kind(h));
            s_ref(b, h);
            dp_buf_printf(b, w->watch_streak_fmt, s_int(h, "streak"));
        }
    }
    long long young = s_int(watch, "young_issues");
    if (young) {
        char oldest[64];
        s_duration(s_int(watch, "young_oldest_s"), w, oldest, sizeof oldest);
        if (k)
            dp_buf_puts(b, "\n\n");
        dp_buf_printf(b, w->watch_young_fmt, threshold, young, oldest);
        k++;
    }
    if (!k)
        dp_buf_puts(b, w->watch_none);
}

/* ==== The sections ==== */

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
    s_hot(&b, d, w);
    json_object_set_new(sections, "hot", s_take(&b));
    s_trends(&b, d, w, zh);
    json_object_set_new(sections, "trends", s_take(&b));
    s_changes(&b, d, w, zh);
    json_object_set_new(sections, "changes", s_take(&b));
    s_activity(&b, d, w);
    json_object_set_new(sections, "activity", s_take(&b));
    s_watch(&b, d, w);
    json_object_set_new(sections, "watch", s_take(&b));
    json_object_set_new(d, "sections", sections);
}

/* ==== Parts, for the LLM writer ==== */

static const s_words_t *s_words(const json_t *d, bool *zh)
{
    const char *lang = dp_json_str(d, "lang");
    *zh = !lang || strcmp(lang, "en") != 0;
    return *zh ? &s_zh : &s_en;
}

void writer_hot_intro(dp_buf_t *b, const json_t *d)
{
    bool zh;
    const s_words_t *w = s_words(d, &zh);
    dp_buf_printf(b, w->hot_count_fmt, (size_t)s_int(d, "facts.discussions"),
                  json_array_size(dp_json_get(d, "facts.hot")));
}

void writer_hot_thread(dp_buf_t *b, const json_t *d, size_t i)
{
    bool zh;
    s_hot_thread(b, json_array_get(dp_json_get(d, "facts.hot"), i),
                 s_words(d, &zh));
}

void writer_hot_heading(dp_buf_t *b, const json_t *d, size_t i)
{
    const json_t *h = json_array_get(dp_json_get(d, "facts.hot"), i);
    dp_buf_printf(b, "\n\n**%s #%lld: “", s_kind(h), s_int(h, "number"));
    dp_text_md_inline(b, dp_json_str(h, "title"), WRITER_TITLE_MAX);
    dp_buf_puts(b, "”**\n");
}

void writer_change(dp_buf_t *b, const json_t *d, size_t i, bool body)
{
    bool zh;
    const s_words_t *w = s_words(d, &zh);
    json_t *c = json_array_get(dp_json_get(d, "facts.changes"), i);
    json_t *copy = body ? json_incref(c) : json_copy(c);
    if (!body)
        json_object_del(copy, "body");
    s_change(b, d, i, copy, w, zh);
    json_decref(copy);
}
