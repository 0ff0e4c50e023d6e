/* llm_ground.c - cleaning a model's answer and checking it against data */
/* SPDX-License-Identifier: MIT */
#include "llm_ground.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_json.h"

#define GROUND_LOGIN_MAX 39    /* GitHub's longest login */
#define GROUND_CLAUSE_BACK 160 /* bytes looked back for a count's words */
#define GROUND_PROBLEMS_MAX 8  /* problems named in one answer */

/* ==== Small text helpers ==== */

static bool s_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return false;
    return true;
}

/* First occurrence of needle in [s, s + len), ASCII case-insensitive. */
static const char *s_find_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (s_prefix_ci(s + i, needle))
            return s + i;
    return NULL;
}

static bool s_login_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

static bool s_blank_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

/* ==== Cleaning ==== */

/* Removes thinking blocks from b (a NUL-terminated dp_buf). */
static void s_drop_think(dp_buf_t *b)
{
    static const char *const opens[] = {"<think>", "<thinking>"};
    static const char *const closes[] = {"</think>", "</thinking>"};
    for (size_t k = 0; k < 2; k++) {
        char *at;
        while ((at = (char *)s_find_ci(b->data, b->len, opens[k]))) {
            size_t start = (size_t)(at - b->data);
            const char *end = s_find_ci(at, b->len - start, closes[k]);
            size_t stop =
                end ? (size_t)(end - b->data) + strlen(closes[k]) : b->len;
            memmove(b->data + start, b->data + stop, b->len - stop + 1);
            b->len -= stop - start;
        }
        /* A closing tag without its opening: the template opened it. */
        const char *end = s_find_ci(b->data, b->len, closes[k]);
        if (end) {
            size_t stop = (size_t)(end - b->data) + strlen(closes[k]);
            memmove(b->data, b->data + stop, b->len - stop + 1);
            b->len -= stop;
        }
    }
}

static void s_trim(dp_buf_t *b)
{
    size_t start = 0;
    while (start < b->len && isspace((unsigned char)b->data[start]))
        start++;
    while (b->len > start && isspace((unsigned char)b->data[b->len - 1]))
        b->len--;
    memmove(b->data, b->data + start, b->len - start);
    b->len -= start;
    b->data[b->len] = '\0';
}

static void s_drop_head(dp_buf_t *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n + 1);
    b->len -= n;
}

/* A fence around the whole answer goes; a fence inside it stays. */
static void s_drop_fence(dp_buf_t *b)
{
    if (b->len < 6 || strncmp(b->data, "```", 3) != 0 ||
        strcmp(b->data + b->len - 3, "```") != 0)
        return;
    const char *nl = strchr(b->data, '\n');
    if (!nl)
        return;
    b->len -= 3;
    b->data[b->len] = '\0';
    s_drop_head(b, (size_t)(nl + 1 - b->data));
    s_trim(b);
}

/* How a model opens an answer before the answer itself. */
static const char *const s_preambles[] = {
    "作为",      "好的",     "当然",   "以下是",     "下面是",  "根据您",
    "根据你",    "根据提供", "我将",   "让我",       "sure",    "certainly",
    "of course", "okay",     "ok,",    "ok.",        "here is", "here's",
    "here are",  "as an ",   "as a ",  "below is",   "i'll ",   "i will ",
    "let me ",   "alright",  "great,", "absolutely",
};

static bool s_preamble_line(const char *line, size_t len)
{
    if (len == 0)
        return false;
    if (line[0] == '#' || !strncmp(line, "---", 3) || !strncmp(line, "***", 3))
        return true; /* a heading or a rule: the renderer writes those */
    for (size_t i = 0; i < sizeof s_preambles / sizeof s_preambles[0]; i++) {
        size_t n = strlen(s_preambles[i]);
        /* an English word ends there: "Sure," but not "Surely" */
        if (len >= n && s_prefix_ci(line, s_preambles[i]) &&
            !(isalpha((unsigned char)s_preambles[i][n - 1]) &&
              isalpha((unsigned char)line[n])))
            return true;
    }
    return false;
}

/* The end of the colon (":" or "：") in the first max bytes of a line, or
 * NULL. */
static const char *s_colon(const char *line, size_t len, size_t max)
{
    for (size_t i = 0; i < len && i < max; i++) {
        if (line[i] == ':')
            return line + i + 1;
        if (!strncmp(line + i, "：", 3) && i + 3 <= len)
            return line + i + 3;
    }
    return NULL;
}

static void s_drop_preamble(dp_buf_t *b)
{
    for (int k = 0; k < LLM_CLEAN_PREAMBLE_LINES && b->len; k++) {
        const char *nl = strchr(b->data, '\n');
        size_t len = nl ? (size_t)(nl - b->data) : b->len;
        if (!s_preamble_line(b->data, len))
            return;
        const char *colon = s_colon(b->data, len, LLM_CLEAN_COLON_MAX);
        bool rest =
            colon && !s_blank_line(colon, len - (size_t)(colon - b->data));
        if (b->data[0] != '#' && rest)
            s_drop_head(b, (size_t)(colon - b->data));
        else
            s_drop_head(b, nl ? len + 1 : len);
        s_trim(b);
    }
}

/* Drops the lines before the first "- **" line. */
static void s_drop_to_structure(dp_buf_t *b)
{
    const char *line = b->data;
    while (line && *line) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncmp(p, "- **", 4)) {
            s_drop_head(b, (size_t)(line - b->data));
            return;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    b->len = 0; /* not the section's shape: nothing of it is usable */
    b->data[0] = '\0';
}

char *llm_clean(const char *answer, bool structured)
{
    dp_buf_t b = DP_BUF_INIT;
    dp_buf_puts(&b, answer ? answer : "");
    dp_buf_append(&b, "", 1); /* room for the NUL */
    b.len--;
    s_drop_think(&b);
    s_trim(&b);
    s_drop_fence(&b);
    s_drop_preamble(&b);
    if (structured)
        s_drop_to_structure(&b);
    s_trim(&b);
    return b.data;
}

/* ==== The data ==== */

/* Calls f on every item object of the digest that has a number: lists,
 * hot threads, key changes, watch lists, topic items. Stops at the first
 * true f returns and gives back that item. */
typedef bool (*s_item_fn)(const json_t *item, const void *arg);

/* Calls f on every item of every topic, with its topic; stops at the
 * first true f returns and gives back that item. */
typedef bool (*s_topic_fn)(const json_t *topic, const json_t *item,
                           const void *arg);

static const json_t *s_topic_items(const json_t *d, s_topic_fn f,
                                   const void *arg)
{
    size_t t;
    json_t *topic;
    json_array_foreach(json_object_get(d, "topics"), t, topic)
    {
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(topic, "items"), k, it)
        {
            if (f(topic, it, arg))
                return it;
        }
    }
    return NULL;
}

typedef struct {
    s_item_fn f;
    const void *arg;
} s_item_walk_t;

static bool s_walk_item(const json_t *topic, const json_t *item,
                        const void *arg)
{
    (void)topic;
    const s_item_walk_t *w = arg;
    return w->f(item, w->arg);
}

static const json_t *s_items(const json_t *d, s_item_fn f, const void *arg)
{
    static const char *const arrays[] = {
        "lists.new_issues",       "lists.closed_issues",
        "lists.new_prs",          "lists.merged_prs",
        "lists.closed_prs",       "facts.hot",
        "facts.changes",          "facts.watch.unanswered",
        "facts.watch.unreviewed", "facts.watch.long_hot"};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        size_t k;
        json_t *it;
        json_array_foreach(dp_json_get(d, arrays[i]), k, it)
        {
            if (f(it, arg))
                return it;
        }
    }
    s_item_walk_t w = {f, arg};
    return s_topic_items(d, s_walk_item, &w);
}

static bool s_number_is(const json_t *item, const void *arg)
{
    return dp_json_int(item, "number", -1) == *(const long long *)arg;
}

static const json_t *s_item_of(const json_t *d, long long n)
{
    return s_items(d, s_number_is, &n);
}

/* True when text mentions "#n" (not "#n0"). */
static bool s_mentions(const char *text, long long n)
{
    if (!text)
        return false;
    char ref[32];
    int len = snprintf(ref, sizeof ref, "#%lld", n);
    for (const char *p = strstr(text, ref); p; p = strstr(p + 1, ref))
        if (!isdigit((unsigned char)p[len]))
            return true;
    return false;
}

/* True when the item's own text mentions #n. */
static bool s_item_refers(const json_t *item, long long n)
{
    if (s_mentions(dp_json_str(item, "title"), n) ||
        s_mentions(dp_json_str(item, "body"), n))
        return true;
    size_t k;
    json_t *p;
    json_array_foreach(json_object_get(item, "participants"), k, p)
    {
        if (s_mentions(dp_json_str(p, "quote"), n))
            return true;
    }
    return false;
}

/* True when v (recursively) holds the integer n, or an array of n. */
static bool s_holds(const json_t *v, long long n)
{
    if (json_is_integer(v))
        return json_integer_value(v) == n;
    if (json_is_array(v)) {
        if ((long long)json_array_size(v) == n)
            return true;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            if (s_holds(e, n))
                return true;
        }
    }
    if (json_is_object(v)) {
        if ((long long)json_object_size(v) == n)
            return false; /* a size of a mapping is no figure */
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e)
        {
            if (s_holds(e, n))
                return true;
        }
    }
    return false;
}

static bool s_figure(const llm_scope_t *sc, long long n)
{
    return s_holds(json_object_get(sc->digest, "counts"), n) ||
           s_holds(json_object_get(sc->digest, "facts"), n) ||
           s_holds(json_object_get(sc->digest, "lists"), n) ||
           s_holds(json_object_get(sc->digest, "topics"), n) ||
           (sc->item && s_holds(sc->item, n));
}

static bool s_login_eq(const json_t *v, const char *login)
{
    const char *s = json_string_value(v);
    return s && !strcasecmp(s, login);
}

static bool s_login_in(const json_t *arr, const char *key, const char *login)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (s_login_eq(json_object_get(e, key), login))
            return true;
    }
    return false;
}

static bool s_author_is(const json_t *item, const void *arg)
{
    return s_login_eq(json_object_get(item, "author"), arg);
}

static bool s_hot_has(const json_t *item, const void *arg)
{
    return s_login_in(json_object_get(item, "participants"), "login", arg);
}

static bool s_participant(const llm_scope_t *sc, const char *login)
{
    if (sc->item)
        return s_login_eq(json_object_get(sc->item, "author"), login) ||
               s_login_in(json_object_get(sc->item, "participants"), "login",
                          login) ||
               s_login_eq(dp_json_get(sc->item, "first_response.login"), login);
    return s_login_in(dp_json_get(sc->digest, "facts.people"), "login",
                      login) ||
           s_items(sc->digest, s_author_is, login) ||
           s_items(sc->digest, s_hot_has, login);
}

/* ==== Attribution: a sentence is about the #N it names ==== */

#define GROUND_WORD_MIN 3       /* letters of a title word that counts */
#define GROUND_SENTENCE_REFS 16 /* #N looked at in one sentence */

/* Title words too common to tie a sentence to one item. */
static const char *const s_stopwords[] = {
    "the",  "and",    "for",  "with",  "from",  "into",   "that",    "this",
    "when", "not",    "are",  "was",   "has",   "have",   "its",     "via",
    "bug",  "bugfix", "fix",  "fixes", "issue", "issues", "feature", "support",
    "add",  "usage",  "misc", "doc",   "docs",  "rfc",    "core",    "perf",
    "new",  "update", "how",  "model", "models"};

static bool s_stopword(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof s_stopwords / sizeof s_stopwords[0]; i++)
        if (strlen(s_stopwords[i]) == len && s_prefix_ci(w, s_stopwords[i]))
            return true;
    return false;
}

/* True when [s, s + len) holds word at the start of a word, ASCII
 * case-insensitive ("crash" finds "crashes", not "uncrash"). */
static bool s_has_word(const char *s, size_t len, const char *w, size_t wlen)
{
    for (size_t i = 0; wlen <= len && i <= len - wlen; i++)
        if ((i == 0 || !isalnum((unsigned char)s[i - 1])) &&
            !strncasecmp(s + i, w, wlen))
            return true;
    return false;
}

/* True at a CJK character (kana, ideographs, hangul): a 3-byte UTF-8
 * sequence outside the punctuation blocks (U+3000.., U+FF00..). */
static bool s_cjk(const unsigned char *p)
{
    return p[0] >= 0xE3 && p[0] <= 0xED && !(p[0] == 0xE3 && p[1] == 0x80) &&
           (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80;
}

static bool s_has_bytes(const char *s, size_t len, const char *b, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (!memcmp(s + i, b, n))
            return true;
    return false;
}

/* True when the sentence shares a word of title: an ASCII word of
 * GROUND_WORD_MIN+ letters not in s_stopwords, or two CJK characters in a
 * row. */
static bool s_shares_title(const char *s, size_t len, const char *title)
{
    if (!title)
        return false;
    for (const char *p = title; *p;) {
        const unsigned char *u = (const unsigned char *)p;
        if (isalnum(u[0])) {
            const char *e = p;
            bool letter = false; /* "500" of a title is no word of it */
            for (; isalnum((unsigned char)*e); e++)
                letter = letter || isalpha((unsigned char)*e);
            size_t n = (size_t)(e - p);
            if (letter && n >= GROUND_WORD_MIN && !s_stopword(p, n) &&
                s_has_word(s, len, p, n))
                return true;
            p = e;
        } else if (u[0] && u[1] && u[2] && s_cjk(u) && u[3] && u[4] && u[5] &&
                   s_cjk(u + 3)) {
            if (s_has_bytes(s, len, p, 6))
                return true;
            p += 3;
        } else {
            p++;
        }
    }
    return false;
}

static bool s_has_login(const char *s, size_t len, const json_t *v)
{
    const char *login = json_string_value(v);
    return login && *login && s_find_ci(s, len, login);
}

/* What one #N of a sentence has: data to compare (a title, an author, a
 * label, a category) and evidence of it in the sentence (those, or the
 * login of one who took part in its thread). */
typedef struct {
    long long n;
    const char *s;
    size_t len;
    bool data;
    bool evidence;
} s_attrib_t;

static bool s_attrib_item(const json_t *item, const void *arg)
{
    s_attrib_t *a = (s_attrib_t *)arg;
    if (dp_json_int(item, "number", -1) != a->n)
        return false;
    const char *title = dp_json_str(item, "title");
    const json_t *labels = json_object_get(item, "labels");
    const json_t *category = json_object_get(item, "category");
    a->data = a->data || title || json_object_get(item, "author") ||
              json_array_size(labels) || json_is_string(category);
    bool ev = s_shares_title(a->s, a->len, title) ||
              s_has_login(a->s, a->len, json_object_get(item, "author")) ||
              s_has_login(a->s, a->len, category);
    size_t i;
    json_t *e;
    json_array_foreach(labels, i, e)
    {
        ev = ev || s_has_login(a->s, a->len, e);
    }
    json_array_foreach(json_object_get(item, "participants"), i, e)
    {
        ev = ev || s_has_login(a->s, a->len, json_object_get(e, "login"));
    }
    a->evidence = a->evidence || ev;
    return false; /* every record of the number */
}

/* A topic #N is in whose title the sentence shares. */
static bool s_attrib_topic(const json_t *topic, const json_t *item,
                           const void *arg)
{
    s_attrib_t *a = (s_attrib_t *)arg;
    if (dp_json_int(item, "number", -1) == a->n &&
        s_shares_title(a->s, a->len, dp_json_str(topic, "title")))
        a->evidence = true;
    return false;
}

/* Fills a for #n in [s, s + len): the item's records, and the titles of
 * the topics it is in. */
static void s_attrib(const json_t *d, long long n, const char *s, size_t len,
                     s_attrib_t *a)
{
    *a = (s_attrib_t){n, s, len, false, false};
    s_items(d, s_attrib_item, a);
    s_topic_items(d, s_attrib_topic, a);
}

/* The bounds of the sentence around p: after the end of the one before,
 * up to its own end (。！？； or .!? before a space, or a line end). */
static size_t s_sentence_end(const char *p)
{
    static const char *const ends[] = {"。", "！", "？", "；"};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if (!strncmp(p, ends[i], 3))
            return 3;
    if (*p == '\n')
        return 1;
    if ((*p == '.' || *p == '!' || *p == '?') &&
        (p[1] == '\0' || isspace((unsigned char)p[1])))
        return 1;
    return 0;
}

static void s_sentence(const char *text, const char *p, const char **from,
                       const char **to)
{
    const char *s = text;
    for (const char *q = text; q < p; q++) {
        size_t n = s_sentence_end(q);
        if (n && q + n <= p)
            s = q + n;
    }
    const char *e = p;
    while (*e && !s_sentence_end(e))
        e++;
    *from = s;
    *to = e;
}

/* True when #n, named at p, is what its sentence is about (see
 * llm_ground.h): its own evidence is there, or nothing ties the sentence
 * to any item it names (a mere list of two or more). */
static bool s_attributed(const json_t *d, const char *text, const char *p,
                         long long n)
{
    const char *from, *to;
    s_sentence(text, p, &from, &to);
    size_t len = (size_t)(to - from);
    s_attrib_t self;
    s_attrib(d, n, from, len, &self);
    if (!self.data || self.evidence)
        return true;
    int others = 0;     /* other items named */
    bool other = false; /* one of them has its evidence here */
    for (const char *q = memchr(from, '#', len);
         q && others < GROUND_SENTENCE_REFS;
         q = memchr(q + 1, '#', (size_t)(to - q - 1))) {
        if (!isdigit((unsigned char)q[1]) || strtoll(q + 1, NULL, 10) == n)
            continue;
        others++;
        s_attrib_t a;
        s_attrib(d, strtoll(q + 1, NULL, 10), from, len, &a);
        other = other || (a.data && a.evidence);
    }
    return others > 0 && !other;
}

/* ==== Checking ==== */

typedef struct {
    const llm_scope_t *sc;
    dp_buf_t *why;
    int problems;
} s_check_t;

static void s_problem(s_check_t *c, const char *fmt, ...) DP_PRINTF(2, 3);

static void s_problem(s_check_t *c, const char *fmt, ...)
{
    c->problems++;
    if (!c->why || c->problems > GROUND_PROBLEMS_MAX)
        return;
    if (c->why->len)
        dp_buf_puts(c->why, "; ");
    va_list ap;
    va_start(ap, fmt);
    dp_buf_vprintf(c->why, fmt, ap);
    va_end(ap);
}

/* "PR " or "Issue " right before p (the '#'), or NULL. */
static const char *s_kind_before(const char *text, const char *p)
{
    const char *q = p;
    while (q > text && q[-1] == ' ')
        q--;
    if (q - text >= 2 && s_prefix_ci(q - 2, "PR") &&
        (q - 2 == text || !isalpha((unsigned char)q[-3])))
        return "PR";
    if (q - text >= 5 && s_prefix_ci(q - 5, "issue") &&
        (q - 5 == text || !isalpha((unsigned char)q[-6])))
        return "issue";
    return NULL;
}

static void s_check_refs(s_check_t *c, const char *text)
{
    long long self = c->sc->item ? dp_json_int(c->sc->item, "number", -1) : -1;
    for (const char *p = strchr(text, '#'); p; p = strchr(p + 1, '#')) {
        if (!isdigit((unsigned char)p[1]))
            continue;
        char *end;
        long long n = strtoll(p + 1, &end, 10);
        const json_t *it = s_item_of(c->sc->digest, n);
        if (!it) {
            s_problem(c, "#%lld is not in the data", n);
            continue;
        }
        if (c->sc->item && n != self && !s_item_refers(c->sc->item, n)) {
            s_problem(c,
                      "#%lld is another item, which #%lld does not refer "
                      "to; write only about #%lld",
                      n, self, self);
            continue;
        }
        const char *kind = s_kind_before(text, p);
        bool pr = dp_json_bool(it, "pr", false);
        if (kind && (!strcmp(kind, "PR")) != pr) {
            s_problem(c, "#%lld is %s, not %s %s", n, pr ? "a PR" : "an issue",
                      !strcmp(kind, "PR") ? "a" : "an", kind);
            continue;
        }
        if (!c->sc->item && !s_attributed(c->sc->digest, text, p, n))
            s_problem(c, "#%lld: the sentence does not match its title", n);
    }
}

/* Words after a number that make it a count; "个" and the like may come
 * between. */
static const char *const s_classifiers[] = {"个", "位", "名", "条",
                                            "项", "次", "篇", "件"};
static const char *const s_qualifiers[] = {
    "新增",    "新",      "已合并",    "合并的",  "已关闭",
    "关闭的",  "活跃",    "new ",      "merged ", "open ",
    "opened ", "closed ", "unmerged ", "active ", "hot "};
#define S_NOUN_PR 1        /* s_nouns up to here are PRs */
#define S_NOUN_ISSUE 2     /* "issue" */
#define S_NOUN_ISSUE_ZH 17 /* "议题" */
static const char *const s_nouns[] = {
    "pull request", "PR",     "issue",  "comment",     "review",
    "contributor",  "people", "person", "participant", "discussion",
    "thread",       "评论",   "讨论",   "贡献者",      "参与者",
    "人",           "审查",   "议题"};

static const char *s_skip_any(const char *p, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_prefix_ci(p, words[i]))
            return p + strlen(words[i]);
    return p;
}

static const char *s_skip_spaces(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* When the number that ends at p reads as a count, the end of its noun
 * (a plural "s" included) and the noun's index in s_nouns; else NULL. */
static const char *s_count_noun(const char *p, size_t *which)
{
    p = s_skip_spaces(p);
    p = s_skip_spaces(s_skip_any(p, s_classifiers, 8));
    p = s_skip_spaces(s_skip_any(p, s_qualifiers,
                                 sizeof s_qualifiers / sizeof s_qualifiers[0]));
    for (size_t i = 0; i < sizeof s_nouns / sizeof s_nouns[0]; i++) {
        if (!s_prefix_ci(p, s_nouns[i]))
            continue;
        const char *q = p + strlen(s_nouns[i]);
        if (isalpha((unsigned char)q[-1])) {
            if (*q == 's')
                q++; /* "PRs", but not "problems" */
            if (isalpha((unsigned char)*q))
                continue;
        }
        *which = i;
        return q;
    }
    return NULL;
}

/* The count of the digest that words about PRs (pr) or issues name, or
 * NULL. */
static const char *s_count_named(const char *clause, size_t len, bool pr)
{
    if (pr && (s_find_ci(clause, len, "未合并") ||
               s_find_ci(clause, len, "unmerged") ||
               s_find_ci(clause, len, "without merg")))
        return "closed_prs";
    if (pr &&
        (s_find_ci(clause, len, "合并") || s_find_ci(clause, len, "merged")))
        return "merged_prs";
    if (!pr &&
        (s_find_ci(clause, len, "关闭") || s_find_ci(clause, len, "closed")))
        return "closed_issues";
    if (s_find_ci(clause, len, "新") || s_find_ci(clause, len, "new") ||
        s_find_ci(clause, len, "opened"))
        return pr ? "new_prs" : "new_issues";
    return NULL;
}

static const char *s_count_words(const char *name)
{
    if (!strcmp(name, "new_prs"))
        return "new PRs";
    if (!strcmp(name, "merged_prs"))
        return "merged PRs";
    if (!strcmp(name, "closed_prs"))
        return "PRs closed unmerged";
    if (!strcmp(name, "new_issues"))
        return "new issues";
    return "closed issues";
}

/* The start of the clause that ends at p: after the last separator. */
static const char *s_clause_start(const char *text, const char *p)
{
    static const char *const seps[] = {"。", "，", "、", "；", "：", "\n",
                                       ",",  ";",  ":",  "(",  "（"};
    const char *lo =
        p - text > GROUND_CLAUSE_BACK ? p - GROUND_CLAUSE_BACK : text;
    for (const char *q = p - 1; q >= lo; q--)
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
            size_t n = strlen(seps[i]);
            if (q + n <= p && !strncmp(q, seps[i], n))
                return q + n;
        }
    return lo;
}

static void s_check_counts(s_check_t *c, const char *text)
{
    const char *last = text; /* the end of the count before */
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p))
            continue;
        const char *start = p;
        while (isdigit((unsigned char)*p))
            p++;
        char prev = start > text ? start[-1] : ' ';
        bool word = isalnum((unsigned char)prev) || prev == '#' ||
                    prev == '.' || prev == '_' || prev == '-' || prev == '/';
        if (word || isalnum((unsigned char)*p) || *p == '_' ||
            (*p == '.' && isdigit((unsigned char)p[1])) || *p == '%') {
            p--;
            continue;
        }
        long long n = strtoll(start, NULL, 10);
        size_t which = 0;
        const char *noun = s_count_noun(p, &which);
        bool merged = start - text >= 7 && s_prefix_ci(start - 7, "merged ");
        if (!noun && !merged) {
            p--;
            continue;
        }
        /* The words of this count: its clause, after the count before. */
        const char *from = s_clause_start(text, start);
        if (from < last)
            from = last;
        const char *to = noun ? noun : p;
        last = to;
        const char *name = NULL;
        if (!noun)
            name = "merged_prs";
        else if (which <= S_NOUN_PR || which == S_NOUN_ISSUE ||
                 which == S_NOUN_ISSUE_ZH)
            name = s_count_named(from, (size_t)(to - from), which <= S_NOUN_PR);
        if (name) {
            char path[64];
            snprintf(path, sizeof path, "counts.%s", name);
            long long want = dp_json_int(c->sc->digest, path, -1);
            if (want >= 0 && want != n)
                s_problem(c, "the count of %s is %lld, not %lld",
                          s_count_words(name), want, n);
        } else if (!s_figure(c->sc, n)) {
            s_problem(c, "%.*s is no figure of the data", (int)(to - start),
                      start);
        }
        p--;
    }
}

static void s_check_login(s_check_t *c, const char *p, size_t len)
{
    if (len == 0 || len > GROUND_LOGIN_MAX)
        return;
    char login[GROUND_LOGIN_MAX + 1];
    memcpy(login, p, len);
    login[len] = '\0';
    if (!s_participant(c->sc, login)) {
        if (c->sc->item)
            s_problem(c, "%s took no part in #%lld", login,
                      (long long)dp_json_int(c->sc->item, "number", -1));
        else
            s_problem(c, "%s took no part in the window", login);
    }
}

static void s_check_logins(s_check_t *c, const char *text)
{
    for (const char *p = text; *p; p++) {
        bool at = *p == '@' && (p == text || !s_login_char(p[-1]));
        bool paren = !strncmp(p, "(`", 2) || !strncmp(p, "（`", 4);
        if (!at && !paren)
            continue;
        const char *s = at ? p + 1 : p + (*p == '(' ? 2 : 4);
        const char *e = s;
        while (s_login_char(*e))
            e++;
        if (!strncmp(e, "[bot]", 5))
            e += 5;
        if (paren && *e != '`')
            continue; /* code, not a login */
        s_check_login(c, s, (size_t)(e - s));
    }
}

static void s_check_links(s_check_t *c, const char *text)
{
    if (strstr(text, "](") || strstr(text, "![") ||
        s_find_ci(text, strlen(text), "http://") ||
        s_find_ci(text, strlen(text), "https://") ||
        s_find_ci(text, strlen(text), "www."))
        s_problem(c, "links are not allowed (the report adds them)");
    for (const char *line = text; line && *line;) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *q = p;
        if (*q == '-' || *q == '*' || *q == '+')
            q++;
        else
            while (isdigit((unsigned char)*q))
                q++;
        bool marker = q > p && (*q == ' ' || (*q == '.' && q[1] == ' '));
        q = s_skip_spaces(q + (*q == '.'));
        if (*p == '[' && strstr(p, "]:"))
            s_problem(c, "links are not allowed (a reference definition)");
        if (marker && (*q == '#' || *q == '[' || s_prefix_ci(q, "PR #") ||
                       s_prefix_ci(q, "issue #")))
            s_problem(c, "lists of items are not allowed (the report "
                         "lists them)");
        line = strchr(line, '\n');
        if (line)
            line++;
    }
}

int llm_ground(const char *text, const llm_scope_t *scope, dp_buf_t *why)
{
    s_check_t c = {scope, why, 0};
    if (!text || s_blank_line(text, strlen(text))) {
        s_problem(&c, "the answer is empty or lacks the lines asked for");
        return c.problems;
    }
    s_check_refs(&c, text);
    s_check_counts(&c, text);
    s_check_logins(&c, text);
    s_check_links(&c, text);
    return c.problems;
}
