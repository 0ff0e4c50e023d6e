/* chart.c - an inline SVG chart of a window's counts and its predecessors' */
/* SPDX-License-Identifier: MIT */
#include "chart.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "dp_config.h"
#include "dp_json.h"
#include "dp_time.h"
#include "html.h"

#define CHART_W 360   /* viewBox width: a phone's */
#define CHART_H 220   /* viewBox height */
#define CHART_LEFT 34 /* room for the y axis labels */
#define CHART_RIGHT 8
#define CHART_TOP 44    /* room for the legend */
#define CHART_BOTTOM 22 /* room for the x axis labels */
#define CHART_FONT 10
#define CHART_COUNT_MAX 1000000000L /* larger counts are drawn as this */

static const char *const s_keys[CHART_SERIES] = {
    "new_issues", "closed_issues", "new_prs", "merged_prs", "closed_prs"};
static const char *const s_colors[CHART_SERIES] = {
    "#d73a49", "#6f42c1", "#0366d6", "#28a745", "#e36209"};
static const char *const s_zh[CHART_SERIES] = {
    "新 Issue", "关闭 Issue", "新 PR", "合并 PR", "关闭未合并 PR"};
static const char *const s_en[CHART_SERIES] = {
    "New issues", "Closed issues", "New PRs", "Merged PRs", "Closed PRs"};

static double s_x(size_t i, size_t n)
{
    double span = CHART_W - CHART_LEFT - CHART_RIGHT;
    return CHART_LEFT + span * (double)i / (double)(n - 1);
}

static double s_y(long v, long top)
{
    double span = CHART_H - CHART_TOP - CHART_BOTTOM;
    return CHART_TOP + span * (1.0 - (double)v / (double)top);
}

static void s_text(dp_buf_t *out, double x, double y, const char *anchor,
                   const char *text)
{
    dp_buf_printf(out,
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
                  "text-anchor=\"%s\" fill=\"currentColor\">",
                  x, y, CHART_FONT, anchor);
    html_escape(out, text);
    dp_buf_puts(out, "</text>");
}

static void s_legend(dp_buf_t *out, bool zh)
{
    for (int s = 0; s < CHART_SERIES; s++) {
        double x = 4 + (s % 3) * 118.0, y = 4 + (s / 3) * 16.0;
        dp_buf_printf(out,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"%s\"/>",
                      x, y, s_colors[s]);
        s_text(out, x + 14, y + 9, "start", zh ? s_zh[s] : s_en[s]);
    }
}

void chart_svg(dp_buf_t *out, const chart_point_t *pts, size_t n, bool zh)
{
    assert(out && (pts || n == 0));
    if (n < 2)
        return;
    if (n > CHART_MAX) {
        pts += n - CHART_MAX;
        n = CHART_MAX;
    }
    long top = 1;
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < CHART_SERIES; s++)
            if (pts[i].counts[s] > top)
                top = pts[i].counts[s];
    dp_buf_printf(out,
                  "<figure class=\"chart\" style=\"margin:1em 0\"><svg "
                  "xmlns=\"http://www.w3.org/"
                  "2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
                  "role=\"img\" data-points=\"%zu\" "
                  "style=\"max-width:%dpx;height:auto\"><title>",
                  CHART_W, CHART_H, n, CHART_W * 2);
    html_escape(out, zh ? "本期与此前各周期的数量"
                        : "Counts of this period "
                          "and the ones before");
    dp_buf_puts(out, "</title>");
    s_legend(out, zh);
    /* Axes: 0 and the largest count; the window itself shaded. */
    double x0 = CHART_LEFT, x1 = CHART_W - CHART_RIGHT;
    double yb = s_y(0, top), yt = s_y(top, top);
    dp_buf_printf(out,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                  "fill=\"#8882\"/>",
                  s_x(n - 1, n) - 6, yt, 12.0, yb - yt);
    dp_buf_printf(out,
                  "<polyline points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                  "fill=\"none\" stroke=\"#888\" stroke-width=\"1\"/>",
                  x0, yt, x0, yb, x1, yb);
    char num[32];
    snprintf(num, sizeof num, "%ld", top);
    s_text(out, x0 - 4, yt + 4, "end", num);
    s_text(out, x0 - 4, yb, "end", "0");
    size_t ticks[3] = {0, (n - 1) / 2, n - 1};
    const char *anchors[3] = {"start", "middle", "end"};
    for (int t = 0; t < 3; t++)
        if (t != 1 || (ticks[1] != 0 && ticks[1] != n - 1))
            s_text(out, s_x(ticks[t], n), CHART_H - 6, anchors[t],
                   pts[ticks[t]].label);
    for (int s = 0; s < CHART_SERIES; s++) {
        dp_buf_printf(out, "<polyline class=\"series\" points=\"");
        for (size_t i = 0; i < n; i++)
            dp_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", s_x(i, n),
                          s_y(pts[i].counts[s], top));
        dp_buf_printf(out,
                      "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                      "stroke-linejoin=\"round\"/>",
                      s_colors[s]);
    }
    dp_buf_puts(out, "</svg></figure>\n");
}

/* A point of a window starting at from, with the counts of obj. */
static void s_point(chart_point_t *p, const json_t *counts, int64_t from,
                    int offset)
{
    dp_time_format(from, offset, "%m-%d %H:%M", p->label, sizeof p->label);
    for (int s = 0; s < CHART_SERIES; s++) {
        int64_t v = dp_json_int(counts, s_keys[s], 0);
        p->counts[s] = v < 0 ? 0 : v > CHART_COUNT_MAX ? CHART_COUNT_MAX : v;
    }
}

size_t chart_points_of_digest(const json_t *digest, chart_point_t *pts)
{
    assert(digest && pts);
    const json_t *history = dp_json_get(digest, "facts.history");
    int offset = (int)dp_json_int(digest, "tz_offset", 0);
    size_t h = json_array_size(history);
    if (h > CHART_MAX - 1)
        h = CHART_MAX - 1;
    size_t n = 0;
    for (size_t k = h; k-- > 0;) {
        const json_t *e = json_array_get(history, k);
        s_point(&pts[n++], json_object_get(e, "counts"),
                dp_json_int(e, "from", 0), offset);
    }
    s_point(&pts[n++], json_object_get(digest, "counts"),
            dp_json_int(digest, "from", 0), offset);
    return n;
}

bool chart_counts_of_stats(const char *line, long counts[CHART_SERIES])
{
    assert(counts);
    const char *p = line;
    for (int s = 0; s < CHART_SERIES; s++) {
        if (!p)
            return false;
        const char *bar = strstr(p, " | ");
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        const char *num = p + len;
        while (num > p && num[-1] >= '0' && num[-1] <= '9')
            num--;
        char digits[24];
        size_t nd = (size_t)(p + len - num);
        if (nd == 0 || nd >= sizeof digits)
            return false;
        memcpy(digits, num, nd);
        digits[nd] = '\0';
        if (dp_parse_long(digits, 0, CHART_COUNT_MAX, &counts[s]) < 0)
            return false;
        p = bar ? bar + 3 : NULL;
    }
    return true;
}
