/* gen_datasets.c - writes the synthetic GitHub datasets for gh-standin */
/* SPDX-License-Identifier: MIT */

/*
 * Writes invented vLLM activity in the exact shape of GitHub's REST API,
 * for the stand-in (tests/standin/gh_standin.c) to serve:
 *
 *   gh-standin-gen vllm-hour tests/data/vllm-hour
 *       the hour 2025-12-10T10:29:00Z .. 11:29:00Z of the example report,
 *       its distractors and ~300 older items, plus EXPECTED.md (the
 *       report appendix) and EXPECTED-stats.txt (the header counts line)
 *   gh-standin-gen demo demo/sample
 *       a busy hour 2025-12-11T02:00Z .. 03:00Z for `make demo`
 *   gh-standin-gen busy tests/data/busy
 *       260 items with activity in 2025-12-15T06:00Z .. 07:00Z, six of them
 *       AMD work (by label, title or changed path) among lookalikes, bots
 *       by login and by account type, PR files and reviews, and the two
 *       hours before it (gen_datasets_busy.h), plus EXPECTED.md
 *
 * Output goes to DIR/vllm-project/vllm/{issues.json, repo.json,
 * pulls/<n>.json, pulls/<n>.files.json, reviews/<n>.json,
 * comments/<n>.json}. The output is deterministic (a fixed
 * PRNG seed), so regenerating gives byte-identical files. Nothing here is
 * copied from GitHub: every login, id, title and text is made up.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "dp_mem.h"

#define S_OWNER "vllm-project"
#define S_REPO "vllm"
#define S_FULL S_OWNER "/" S_REPO
#define S_API "https://api.github.com"
#define S_API_REPO S_API "/repos/" S_FULL
#define S_HTML_REPO "https://github.com/" S_FULL
#define S_REPO_ID 599547518LL
#define S_ORG_ID 136984999LL
#define S_TZ_OFFSET (8LL * 3600) /* the report's UTC+8 */

/* ==== Specs: hand-written items and comments ==== */

typedef struct {
    long long number;     /* issue or PR number */
    int is_pr;            /* 1 for a pull request */
    const char *title;    /* as shown on GitHub */
    const char *login;    /* author */
    const char *assoc;    /* author_association */
    const char *labels;   /* comma-separated, "" for none */
    const char *created;  /* created_at */
    const char *closed;   /* closed_at, NULL when open */
    const char *merged;   /* merged_at, NULL when not merged */
    const char *updated;  /* updated_at floor, NULL = latest event */
    const char *reason;   /* state_reason of a closed issue */
    int draft;            /* draft PR */
    int add, del, files;  /* PR size */
    const char *assignee; /* login or NULL */
    const char *body;     /* markdown */
    const char *paths;    /* changed paths, comma-separated, or NULL */
} spec_t;

typedef struct {
    long long number;  /* issue or PR */
    const char *login; /* author */
    const char *assoc; /* author_association */
    const char *at;    /* created_at = updated_at */
    const char *body;  /* markdown */
} cspec_t;

/* ==== Model ==== */

typedef struct {
    long long number;
    int is_pr, draft;
    char *title, *login, *assoc, *labels, *body, *assignee, *reason;
    int64_t created, closed, merged, updated; /* 0 = null */
    int add, del, files;
    int with_pull;  /* write pulls/<n>.json */
    int reactions;  /* total reactions */
    int n_comments; /* filled from the comments */
    char *paths;    /* changed paths, comma-separated, or NULL */
} item_t;

typedef struct {
    long long number;
    char *login, *assoc, *body;
    int64_t at;
    long long id; /* assigned in time order */
} comment_t;

typedef struct {
    long long number; /* pull request */
    char *login;      /* reviewer */
    char *assoc;      /* author_association */
    char *state;      /* APPROVED, CHANGES_REQUESTED, COMMENTED */
    char *body;       /* may be empty */
    int64_t at;       /* submitted_at */
    long long id;     /* assigned in time order */
} review_t;

typedef struct {
    item_t *items;
    size_t n_items, cap_items;
    comment_t *comments;
    size_t n_comments, cap_comments;
    review_t *reviews;
    size_t n_reviews, cap_reviews;
    uint64_t rng;
} world_t;

/* ==== Small helpers ==== */

static uint64_t s_rand(world_t *w)
{
    /* xorshift64* */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * 2685821657736338717ULL;
}

/* Uniform in [lo, hi]. */
static int64_t s_between(world_t *w, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(s_rand(w) % (uint64_t)(hi - lo + 1));
}

static int s_pct(world_t *w, int pct)
{
    return (int)(s_rand(w) % 100) < pct;
}

static const char *s_pick(world_t *w, const char *const *v, size_t n)
{
    return v[s_rand(w) % n];
}

#define S_PICK(w, arr) s_pick((w), (arr), sizeof(arr) / sizeof((arr)[0]))

static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Parses YYYY-MM-DDTHH:MM:SSZ; aborts on anything else (specs are ours). */
static int64_t s_t(const char *s)
{
    int v[6] = {0};
    static const int at[6] = {0, 5, 8, 11, 14, 17};
    static const int len[6] = {4, 2, 2, 2, 2, 2};
    if (!s || strlen(s) != 20 || s[19] != 'Z') {
        fprintf(stderr, "gen: bad time '%s'\n", s ? s : "(null)");
        abort();
    }
    for (int i = 0; i < 6; i++)
        for (int k = 0; k < len[i]; k++)
            v[i] = v[i] * 10 + (s[at[i] + k] - '0');
    return s_days_from_civil(v[0], v[1], v[2]) * 86400 + (int64_t)v[3] * 3600 +
           (int64_t)v[4] * 60 + v[5];
}

/* Formats epoch seconds as YYYY-MM-DDTHH:MM:SSZ. */
static void s_fmt(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *s_time_json(int64_t t)
{
    char buf[32];
    if (!t)
        return json_null();
    s_fmt(t, buf);
    return json_string(buf);
}

static uint64_t s_hash(const char *s, uint64_t salt)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ salt;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A 40-hex commit sha derived from a seed string. */
static void s_sha(const char *seed, char out[41])
{
    uint64_t a = s_hash(seed, 1), b = s_hash(seed, 2), c = s_hash(seed, 3);
    snprintf(out, 41, "%016llx%016llx%08llx", (unsigned long long)a,
             (unsigned long long)b, (unsigned long long)(c & 0xffffffffULL));
}

static void s_base64(const char *in, char *out, size_t size)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(in), o = 0;
    for (size_t i = 0; i < len && o + 5 < size; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = (char)(i + 1 < len ? tab[(v >> 6) & 63] : '=');
        out[o++] = (char)(i + 2 < len ? tab[v & 63] : '=');
    }
    out[o] = '\0';
}

/* A node id of the new style: PREFIX_kwDOI7lVzs + letters from a hash. */
static json_t *s_node_id(const char *prefix, long long id)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char seed[64], tail[12];
    snprintf(seed, sizeof seed, "%s%lld", prefix, id);
    uint64_t h = s_hash(seed, 7);
    for (int i = 0; i < 10; i++) {
        tail[i] = tab[h & 63];
        h >>= 6;
    }
    tail[10] = '\0';
    char *s = dp_asprintf("%s_kwDOI7lVzs%s", prefix, tail);
    json_t *j = json_string(s);
    dp_free(s);
    return j;
}

/* ==== Users and labels ==== */

typedef struct {
    const char *login;
    long long id;
    const char *type;
} known_user_t;

static const known_user_t s_known_users[] = {
    {"dependabot[bot]", 49699333, "Bot"},
    {"github-actions[bot]", 41898282, "Bot"},
    {"chatgpt-codex-connector[bot]", 199175422, "Bot"},
    {"vllm-release-bot", 181734220, "Bot"}, /* a Bot account, no suffix */
    {"vllm-project", S_ORG_ID, "Organization"},
};

static long long s_user_id(const char *login, const char **type)
{
    for (size_t i = 0; i < sizeof s_known_users / sizeof s_known_users[0];
         i++) {
        if (strcmp(login, s_known_users[i].login) == 0) {
            *type = s_known_users[i].type;
            return s_known_users[i].id;
        }
    }
    *type = strstr(login, "[bot]") ? "Bot" : "User";
    return 1000000 + (long long)(s_hash(login, 0) % 230000000ULL);
}

static json_t *s_user(const char *login)
{
    const char *type;
    long long id = s_user_id(login, &type);
    int bot = strcmp(type, "Bot") == 0;
    char node[128], raw[96];
    snprintf(raw, sizeof raw, "%s%lld",
             bot                    ? "03:Bot"
             : strcmp(type, "User") ? "012:Organization"
                                    : "04:User",
             id);
    s_base64(raw, node, sizeof node);

    /* the URL form of a bot login escapes the brackets */
    char esc[128];
    size_t o = 0;
    for (const char *p = login; *p && o + 4 < sizeof esc; p++) {
        if (*p == '[' || *p == ']') {
            snprintf(esc + o, sizeof esc - o, "%%%s", *p == '[' ? "5B" : "5D");
            o += 3;
        } else {
            esc[o++] = *p;
        }
    }
    esc[o] = '\0';
    char app[128];
    snprintf(app, sizeof app, "%s", login);
    char *br = strstr(app, "[bot]");
    if (br)
        *br = '\0';

    char *u = dp_asprintf(S_API "/users/%s", esc);
    char *html = bot ? dp_asprintf("https://github.com/apps/%s", app)
                     : dp_asprintf("https://github.com/%s", login);
    char *avatar =
        dp_asprintf("https://avatars.githubusercontent.com/%s%lld?v=4",
                    bot ? "in/" : "u/", bot ? id % 1000000 : id);
    char *followers = dp_asprintf("%s/followers", u);
    char *following = dp_asprintf("%s/following{/other_user}", u);
    char *gists = dp_asprintf("%s/gists{/gist_id}", u);
    char *starred = dp_asprintf("%s/starred{/owner}{/repo}", u);
    char *subs = dp_asprintf("%s/subscriptions", u);
    char *orgs = dp_asprintf("%s/orgs", u);
    char *repos = dp_asprintf("%s/repos", u);
    char *events = dp_asprintf("%s/events{/privacy}", u);
    char *received = dp_asprintf("%s/received_events", u);
    json_t *j = json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s, s:s, s:s, s:s, s:b}",
        "login", login, "id", (json_int_t)id, "node_id", node, "avatar_url",
        avatar, "gravatar_id", "", "url", u, "html_url", html, "followers_url",
        followers, "following_url", following, "gists_url", gists,
        "starred_url", starred, "subscriptions_url", subs, "organizations_url",
        orgs, "repos_url", repos, "events_url", events, "received_events_url",
        received, "type", type, "user_view_type", "public", "site_admin", 0);
    dp_free(received);
    dp_free(events);
    dp_free(repos);
    dp_free(orgs);
    dp_free(subs);
    dp_free(starred);
    dp_free(gists);
    dp_free(following);
    dp_free(followers);
    dp_free(avatar);
    dp_free(html);
    dp_free(u);
    return j;
}

typedef struct {
    const char *name;
    long long id;
    const char *color;
    const char *description; /* NULL for none */
    int is_default;
} label_def_t;

static const label_def_t s_labels[] = {
    {"bug", 5181216101, "d73a4a", "Something isn't working", 1},
    {"documentation", 5181216104, "0075ca",
     "Improvements or additions to documentation", 1},
    {"feature request", 5181216110, "a2eeef", "New feature or request", 0},
    {"usage", 5339107788, "c5def5", "How to use vllm", 0},
    {"performance", 5339111420, "fbca04", "Performance-related issues", 0},
    {"installation", 5339104123, "bfdadc", "Installation problems", 0},
    {"RFC", 5339117781, "1d76db", NULL, 0},
    {"new-model", 5339122094, "0e8a16", "Requests to new models", 0},
    {"ready", 6581739960, "0e8a16",
     "ONLY add when PR is ready to merge/full CI is needed", 0},
    {"v1", 7850201223, "5319e7", NULL, 0},
    {"rocm", 6899356310, "ee0701", "Related to AMD ROCm", 0},
    {"ci/build", 6899357741, "ededed", NULL, 0},
    {"frontend", 7014832187, "c2e0c6", NULL, 0},
    {"stale", 6512089443, "ffffff", "Over 90 days of inactivity", 0},
    {"needs-rebase", 7197335012, "d93f0b", NULL, 0},
    {"dependencies", 5181216130, "0366d6",
     "Pull requests that update a dependency file", 0},
    {"qwen", 8631024571, "2b67c6", "Related to Qwen models", 0},
    {"deepseek", 8631025502, "0b3b8c", "Related to DeepSeek models", 0},
    {"speculative-decoding", 7712443895, "bfd4f2", NULL, 0},
    {"multi-modality", 7603221348, "f9d0c4",
     "Related to multi-modality (#4194)", 0},
    {"structured-output", 7822197441, "c5def5", NULL, 0},
    {"tool-calling", 8126647350, "a7e8b2", NULL, 0},
    {"gpt-oss", 8901226773, "5b6ee1", "Related to GPT-OSS models", 0},
};

static json_t *s_label(const char *name)
{
    for (size_t i = 0; i < sizeof s_labels / sizeof s_labels[0]; i++) {
        const label_def_t *l = &s_labels[i];
        if (strcmp(l->name, name) != 0)
            continue;
        /* the API URL escapes spaces and slashes of label names */
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(l->id));
        json_object_set_new(j, "node_id", s_node_id("LA", l->id));
        dp_buf_t esc = DP_BUF_INIT;
        dp_buf_puts(&esc, S_API_REPO "/labels/");
        for (const char *p = name; *p; p++) {
            if (*p == ' ')
                dp_buf_puts(&esc, "%20");
            else if (*p == '/')
                dp_buf_puts(&esc, "%2F");
            else
                dp_buf_append(&esc, p, 1);
        }
        json_object_set_new(j, "url", json_string(esc.data));
        dp_buf_free(&esc);
        json_object_set_new(j, "name", json_string(name));
        json_object_set_new(j, "color", json_string(l->color));
        json_object_set_new(j, "default", json_boolean(l->is_default));
        json_object_set_new(j, "description",
                            l->description ? json_string(l->description)
                                           : json_null());
        return j;
    }
    fprintf(stderr, "gen: unknown label '%s'\n", name);
    abort();
}

static json_t *s_label_list(const char *labels)
{
    json_t *arr = json_array();
    const char *p = labels;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *name = dp_strndup(p, len);
        json_array_append_new(arr, s_label(name));
        dp_free(name);
        if (!comma)
            break;
        p = comma + 1;
    }
    return arr;
}

static json_t *s_reactions(const char *url, int total, uint64_t seed)
{
    static const char *const kinds[] = {"+1",       "-1",    "laugh",  "hooray",
                                        "confused", "heart", "rocket", "eyes"};
    int n[8] = {0};
    for (int i = 0; i < total; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)((seed >> 33) % 10);
        n[k < 5 ? 0 : k == 5 ? 5 : k == 6 ? 6 : k == 7 ? 7 : k == 8 ? 3 : 1]++;
    }
    json_t *j = json_pack("{s:s, s:i}", "url", url, "total_count", total);
    for (int i = 0; i < 8; i++)
        json_object_set_new(j, kinds[i], json_integer(n[i]));
    return j;
}

/* ==== Building the world ==== */

static item_t *s_add_item(world_t *w)
{
    if (w->n_items == w->cap_items) {
        w->cap_items = w->cap_items ? w->cap_items * 2 : 256;
        w->items = dp_realloc(w->items, w->cap_items * sizeof *w->items);
    }
    item_t *it = &w->items[w->n_items++];
    memset(it, 0, sizeof *it);
    return it;
}

static void s_add_comment(world_t *w, long long number, const char *login,
                          const char *assoc, int64_t at, const char *body)
{
    if (w->n_comments == w->cap_comments) {
        w->cap_comments = w->cap_comments ? w->cap_comments * 2 : 256;
        w->comments =
            dp_realloc(w->comments, w->cap_comments * sizeof *w->comments);
    }
    comment_t *c = &w->comments[w->n_comments++];
    c->number = number;
    c->login = dp_strdup(login);
    c->assoc = dp_strdup(assoc);
    c->body = dp_strdup(body);
    c->at = at;
    c->id = 0;
}

static void s_add_review(world_t *w, long long number, const char *login,
                         const char *assoc, const char *state, int64_t at,
                         const char *body)
{
    if (w->n_reviews == w->cap_reviews) {
        w->cap_reviews = w->cap_reviews ? w->cap_reviews * 2 : 64;
        w->reviews =
            dp_realloc(w->reviews, w->cap_reviews * sizeof *w->reviews);
    }
    review_t *r = &w->reviews[w->n_reviews++];
    r->number = number;
    r->login = dp_strdup(login);
    r->assoc = dp_strdup(assoc);
    r->state = dp_strdup(state);
    r->body = dp_strdup(body ? body : "");
    r->at = at;
    r->id = 0;
}

static void s_add_specs(world_t *w, const spec_t *specs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const spec_t *s = &specs[i];
        item_t *it = s_add_item(w);
        it->number = s->number;
        it->is_pr = s->is_pr;
        it->draft = s->draft;
        it->title = dp_strdup(s->title);
        it->login = dp_strdup(s->login);
        it->assoc = dp_strdup(s->assoc);
        it->labels = dp_strdup(s->labels ? s->labels : "");
        it->body = dp_strdup(s->body);
        it->assignee = dp_strdup(s->assignee);
        it->created = s_t(s->created);
        it->closed = s->closed ? s_t(s->closed) : 0;
        it->merged = s->merged ? s_t(s->merged) : 0;
        it->updated = s->updated ? s_t(s->updated) : 0;
        if (it->closed && !it->is_pr)
            it->reason = dp_strdup(s->reason ? s->reason : "completed");
        it->add = s->add;
        it->del = s->del;
        it->files = s->files;
        it->with_pull = s->is_pr;
        it->reactions = (int)(s_hash(s->title, 5) % 4);
        it->paths = dp_strdup(s->paths);
    }
}

static void s_add_cspecs(world_t *w, const cspec_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_add_comment(w, c[i].number, c[i].login, c[i].assoc, s_t(c[i].at),
                      c[i].body);
}

/* ==== Generated history ==== */

static const char *const s_models[] = {
    "Qwen3-235B-A22B",    "DeepSeek-V3.2-Exp", "Llama-4-Maverick",
    "gpt-oss-120b",       "GLM-4.6",           "Kimi-K2-Instruct",
    "Gemma-3-27B",        "Mistral-Large-3",   "Qwen3-VL-30B-A3B",
    "MiniMax-M2",         "Phi-4-multimodal",  "InternVL3.5-8B",
    "Hunyuan-A13B",       "ERNIE-4.5-21B-A3B", "Seed-OSS-36B",
    "Qwen3-Next-80B-A3B", "DeepSeek-R1-0528",  "gpt-oss-20b"};
static const char *const s_symptoms[] = {
    "produces garbage output with FP8 KV cache",
    "OOM during CUDA graph capture",
    "hangs with tensor parallel 8",
    "tool calls are not parsed in streaming mode",
    "crashes with `CUDA error: an illegal memory access was encountered`",
    "returns 500 when `logprobs` is set",
    "accuracy drop on GSM8K after upgrading to 0.12.0",
    "fails to load with `KeyError: 'model.layers.0.mlp.gate.weight'`",
    "wrong output with prefix caching enabled",
    "segfault in NCCL during shutdown",
    "outputs repeated tokens with `--async-scheduling`",
    "ignores `stop` strings when `n > 1`"};
static const char *const s_features[] = {
    "Expose per-request KV cache usage in the metrics",
    "Add LoRA support for fused MoE layers",
    "Allow `--max-model-len auto` to size from free memory",
    "Support sleep mode with expert parallel",
    "Add a batch variant of the /tokenize endpoint",
    "Make the structured output backend selectable per request",
    "Support returning hidden states from the OpenAI server",
    "Add a Prometheus metric for preemptions per request"};
static const char *const s_usages[] = {
    "How to serve %s on 2 nodes with Ray?",
    "Which attention backend is used for %s?",
    "How to limit GPU memory used by the vision encoder of %s?",
    "Running %s with CPU offload on a 24 GB GPU"};
static const char *const s_perfs[] = {
    "%s decode throughput drops at batch size 64",
    "Slow first request after startup with torch.compile for %s",
    "High CPU usage in the API server with many streaming clients",
    "Prefill of %s slower with chunked prefill enabled"};
static const char *const s_installs[] = {
    "Building from source fails with CUDA 13.0",
    "The aarch64 wheel is missing the FlashInfer kernels",
    "pip install fails on Python 3.13",
    "Docker image 0.12.0 does not start on driver 550"};
static const char *const s_rfcs[] = {
    "Unify the KV connector API for disaggregated serving",
    "Remove the remaining V0 engine code paths",
    "A plugin interface for custom schedulers",
    "Per-request priority classes in the scheduler"};
static const char *const s_kernels[] = {
    "Add FP8 block-scaled GEMM for SM120",
    "Tune fused MoE configs for H200 (E=128, N=768)",
    "Faster top-k/top-p sampling with FlashInfer",
    "Vectorize the rotary embedding kernel",
    "Add W4A8 Marlin MoE kernels",
    "Support head size 80 in the Triton unified attention"};
static const char *const s_fixes[] = {
    "tool parser crash on empty arguments",
    "race in the async scheduler on abort",
    "NaN logprobs with temperature 0",
    "LoRA adapter eviction order",
    "speculative decoding with prefix caching",
    "chunked prefill with sliding window attention",
    "FP8 scale loading for %s",
    "reasoning parser for %s with `stream=true`"};
static const char *const s_docs[] = {
    "Add a guide for expert parallel deployment",
    "Fix broken links in the KV connector docs",
    "Document the structured outputs options",
    "Update the multi-LoRA serving example",
    "Add the metrics reference page",
    "Clarify `--gpu-memory-utilization` semantics"};
static const char *const s_cis[] = {
    "[CI] Retry the flaky entrypoints test",
    "[CI/Build] Bump FlashInfer to 0.5.3",
    "[CI] Add a nightly B200 job",
    "[CI/Build] Cache ccache between wheel builds",
    "[CI] Shard the LoRA tests",
    "[CI/Build] Pin the Triton version for the ROCm image"};
static const char *const s_rocms[] = {
    "[ROCm] Enable AITER MLA for %s",
    "[ROCm] Fix HIP graph capture with custom all-reduce",
    "[ROCm][CI] Add an MI355X test job",
    "[ROCm] Use hipBLASLt tuned GEMMs for FP8 on MI300X",
    "[ROCm] Fix Triton unified attention on gfx950"};
static const char *const s_miscs[] = {
    "[Misc] Clean up unused imports in the model executor",
    "[Misc] Log the effective config at startup",
    "[Misc] Rename `compilation_config` fields for clarity",
    "[Perf] Avoid redundant H2D copies in the sampler",
    "[Perf] Cache the detokenized stop strings",
    "[Frontend] Support `n>1` with streaming in the Responses API",
    "[Frontend] Add aliases to `--served-model-name`",
    "[Core] Simplify the KV cache block pool",
    "[V1] Support prompt embeddings with pipeline parallel"};
static const char *const s_issue_authors[] = {
    "lin-dawei",   "tmoreau-ml", "priya-infer",  "kenji-serve",
    "ola-gpu",     "marco-llm",  "svetlana-ops", "chen-yiran",
    "ahmed-batch", "jules-rt",   "nadia-tokens", "felix-quant",
    "wu-haoran",   "bench-bob",  "ivy-serving"};
static const char *const s_pr_authors[] = {
    "kernel-kai",   "li-shen-ml",  "quant-quinn", "moe-mohan",  "lora-lucia",
    "spec-dec-dan", "cuda-carmen", "ray-rafael",  "mm-miyu",    "tool-call-ted",
    "ci-shepherd",  "docs-dora",   "gfx942-dev",  "sched-sora", "attn-arjun"};
static const char *const s_pr_assocs[] = {
    "MEMBER", "CONTRIBUTOR", "CONTRIBUTOR", "CONTRIBUTOR", "CONTRIBUTOR",
    "MEMBER", "CONTRIBUTOR", "CONTRIBUTOR", "CONTRIBUTOR", "CONTRIBUTOR",
    "MEMBER", "CONTRIBUTOR", "CONTRIBUTOR", "MEMBER",      "CONTRIBUTOR"};
static const char *const s_maintainers[] = {"sched-sora", "ci-shepherd",
                                            "spec-dec-dan", "kernel-kai"};
static const char *const s_comment_texts[] = {
    "Thanks for the report. Please share `python collect_env.py`.",
    "I can reproduce this on main.",
    "This should be fixed on main, can you try the nightly wheel?",
    "LGTM, thanks!",
    "Could you add a unit test for this case?",
    "Rebased on main to pick up the CI fix.",
    "Same here, with 0.12.0 and 4x H100.",
    "The CI failure looks unrelated (a flaky distributed test).",
    "Closing as fixed in v0.12.0; please reopen if it persists.",
    "Benchmarks before/after are in the description now."};

typedef struct {
    int64_t win_from, win_to; /* the window; nothing generated may hit it */
    const long long *anchors; /* number, epoch pairs, ascending numbers */
    size_t n_anchors;         /* pairs */
    long long first, last;    /* numbers to generate */
    int density;              /* percent of free numbers used */
    int64_t horizon;          /* latest updated_at */
    int before_pct;           /* items updated before the window */
} history_t;

static int s_in_window(const history_t *h, int64_t t)
{
    return t >= h->win_from && t < h->win_to;
}

static int s_number_used(const world_t *w, long long n)
{
    for (size_t i = 0; i < w->n_items; i++)
        if (w->items[i].number == n)
            return 1;
    return 0;
}

/* Creation time of a number by linear interpolation over the anchors. */
static int64_t s_created_for(const history_t *h, long long n)
{
    for (size_t i = 0; i + 1 < h->n_anchors; i++) {
        long long n0 = h->anchors[2 * i], n1 = h->anchors[2 * i + 2];
        int64_t t0 = h->anchors[2 * i + 1], t1 = h->anchors[2 * i + 3];
        if (n >= n0 && n <= n1)
            return t0 + (t1 - t0) * (n - n0) / (n1 - n0);
    }
    return h->anchors[2 * h->n_anchors - 1];
}

/* A time in [lo, hi] outside the window, or 0 when there is none. */
static int64_t s_outside(world_t *w, const history_t *h, int64_t lo, int64_t hi)
{
    for (int tries = 0; tries < 32; tries++) {
        int64_t t = s_between(w, lo, hi);
        if (!s_in_window(h, t))
            return t;
    }
    if (!s_in_window(h, hi))
        return hi;
    if (!s_in_window(h, lo))
        return lo;
    return 0;
}

static char *s_fill(const char *pattern, const char *model)
{
    if (!strstr(pattern, "%s"))
        return dp_strdup(pattern);
    const char *at = strstr(pattern, "%s");
    dp_buf_t b = DP_BUF_INIT;
    dp_buf_append(&b, pattern, (size_t)(at - pattern));
    dp_buf_puts(&b, model);
    dp_buf_puts(&b, at + 2);
    return dp_buf_take(&b);
}

/* Adds a model label when the title names a model family with one. */
static void s_model_label(dp_buf_t *labels, const char *title)
{
    const char *name = NULL;
    if (strstr(title, "Qwen"))
        name = "qwen";
    else if (strstr(title, "DeepSeek"))
        name = "deepseek";
    else if (strstr(title, "gpt-oss"))
        name = "gpt-oss";
    if (!name)
        return;
    if (labels->len)
        dp_buf_puts(labels, ",");
    dp_buf_puts(labels, name);
}

/* The title, labels, author and body of a generated issue. */
static void s_history_issue(world_t *w, item_t *it, const char *model,
                            dp_buf_t *title, dp_buf_t *labels, dp_buf_t *body)
{
    int k = (int)(s_rand(w) % 100);
    char *t;
    if (k < 40) {
        t = dp_asprintf("[Bug]: %s %s", model, S_PICK(w, s_symptoms));
        dp_buf_puts(labels, "bug");
    } else if (k < 58) {
        t = dp_asprintf("[Feature]: %s", S_PICK(w, s_features));
        dp_buf_puts(labels, "feature request");
    } else if (k < 72) {
        char *u = s_fill(S_PICK(w, s_usages), model);
        t = dp_asprintf("[Usage]: %s", u);
        dp_free(u);
        dp_buf_puts(labels, "usage");
    } else if (k < 84) {
        char *u = s_fill(S_PICK(w, s_perfs), model);
        t = dp_asprintf("[Performance]: %s", u);
        dp_free(u);
        dp_buf_puts(labels, "performance");
    } else if (k < 92) {
        t = dp_asprintf("[Installation]: %s", S_PICK(w, s_installs));
        dp_buf_puts(labels, "installation");
    } else if (k < 96) {
        t = dp_asprintf("[RFC]: %s", S_PICK(w, s_rfcs));
        dp_buf_puts(labels, "RFC");
    } else {
        t = dp_asprintf("[Doc]: %s", S_PICK(w, s_docs));
        dp_buf_puts(labels, "documentation");
    }
    dp_buf_puts(title, t);
    dp_free(t);
    size_t ai =
        s_rand(w) % (sizeof s_issue_authors / sizeof s_issue_authors[0]);
    it->login = dp_strdup(s_issue_authors[ai]);
    it->assoc = dp_strdup(ai % 5 == 0 ? "CONTRIBUTOR" : "NONE");
    dp_buf_printf(body,
                  "### Your current environment\n\n```text\nvLLM 0.12.0, "
                  "PyTorch 2.9.0+cu129, %s\n```\n\n### Describe the "
                  "issue\n\n%s\n\n### Before submitting a new issue...\n\n"
                  "- [x] Make sure you already searched for relevant "
                  "issues.\n",
                  s_pct(w, 50) ? "8x H100 80GB" : "4x L40S", title->data);
}

/* The title, labels, author, size and body of a generated PR. */
static void s_history_pr(world_t *w, item_t *it, const char *model,
                         dp_buf_t *title, dp_buf_t *labels, dp_buf_t *body)
{
    int k = (int)(s_rand(w) % 100);
    char *t;
    if (k < 14) {
        t = dp_asprintf("[Model] Add support for %s", model);
        dp_buf_puts(labels, "new-model");
    } else if (k < 30) {
        t = dp_asprintf("[Kernel] %s", S_PICK(w, s_kernels));
    } else if (k < 54) {
        char *u = s_fill(S_PICK(w, s_fixes), model);
        t = dp_asprintf("[Bugfix] Fix %s", u);
        dp_free(u);
    } else if (k < 64) {
        t = dp_asprintf("[Doc] %s", S_PICK(w, s_docs));
        dp_buf_puts(labels, "documentation");
    } else if (k < 74) {
        t = dp_strdup(S_PICK(w, s_cis));
        dp_buf_puts(labels, "ci/build");
    } else if (k < 80) {
        t = s_fill(S_PICK(w, s_rocms), model);
        dp_buf_puts(labels, "rocm");
    } else {
        t = dp_strdup(S_PICK(w, s_miscs));
        if (strstr(t, "[Frontend]"))
            dp_buf_puts(labels, "frontend");
        else if (strstr(t, "[Perf]"))
            dp_buf_puts(labels, "performance");
        else if (strstr(t, "[V1]"))
            dp_buf_puts(labels, "v1");
    }
    dp_buf_puts(title, t);
    dp_free(t);
    size_t ai = s_rand(w) % (sizeof s_pr_authors / sizeof s_pr_authors[0]);
    it->login = dp_strdup(s_pr_authors[ai]);
    it->assoc = dp_strdup(s_pr_assocs[ai]);
    it->add = (int)s_between(w, 2, 900);
    it->del = (int)s_between(w, 0, it->add / 2 + 5);
    it->files = (int)s_between(w, 1, 14);
    dp_buf_printf(body,
                  "## Purpose\n\n%s.\n\n## Test Plan\n\n`pytest "
                  "tests/%s -q`\n\n## Test Result\n\nAll passed "
                  "locally.\n",
                  title->data, s_pct(w, 50) ? "kernels" : "entrypoints");
}

/*
 * Times after the creation: updated_at either before the window or after
 * it, closed_at (and merged_at) never inside it.
 */
static void s_history_times(world_t *w, const history_t *h, item_t *it,
                            int64_t created)
{
    int before = created < h->win_from - 3600 && s_pct(w, h->before_pct);
    int64_t updated, closed = 0;
    if (before) {
        updated = s_between(w, created + 60, h->win_from - 120);
        if (s_pct(w, 45))
            closed = s_between(w, created + 30, updated);
    } else {
        int64_t lo = created > h->win_to + 60 ? created : h->win_to + 60;
        updated = s_between(w, lo + 60, h->horizon);
        if (s_pct(w, 45)) {
            if (created < h->win_from - 600 && s_pct(w, 40))
                closed = s_between(w, created + 30, h->win_from - 300);
            else
                closed = s_between(w, lo, updated);
        }
    }
    it->created = created;
    it->updated = updated;
    it->closed = closed;
    if (it->is_pr && closed && s_pct(w, 75))
        it->merged = closed;
    if (!it->is_pr && closed) {
        int r = (int)(s_rand(w) % 100);
        it->reason = dp_strdup(r < 80   ? "completed"
                               : r < 95 ? "not_planned"
                                        : "duplicate");
    }
}

static void s_history_item(world_t *w, const history_t *h, long long n,
                           int64_t created)
{
    item_t *it = s_add_item(w);
    const char *model = S_PICK(w, s_models);
    dp_buf_t title = DP_BUF_INIT, labels = DP_BUF_INIT, body = DP_BUF_INIT;
    it->number = n;
    it->is_pr = s_pct(w, 55);
    if (it->is_pr)
        s_history_pr(w, it, model, &title, &labels, &body);
    else
        s_history_issue(w, it, model, &title, &labels, &body);
    s_model_label(&labels, title.data);
    s_history_times(w, h, it, created);
    if (it->is_pr) {
        if (!it->closed && s_pct(w, 10))
            it->draft = 1;
        if (s_pct(w, 45)) {
            if (labels.len)
                dp_buf_puts(&labels, ",");
            dp_buf_puts(&labels, "ready");
        }
    } else if (!it->closed && s_pct(w, 8)) {
        if (labels.len)
            dp_buf_puts(&labels, ",");
        dp_buf_puts(&labels, "stale");
    }
    if (s_pct(w, 15))
        it->assignee = dp_strdup(S_PICK(w, s_maintainers));
    it->title = dp_buf_take(&title);
    it->labels = dp_buf_take(&labels);
    it->body = dp_buf_take(&body);
    it->with_pull = 0;
    it->reactions = (int)(s_rand(w) % 3);

    /* a few comments, none inside the window */
    int nc = (int)(s_rand(w) % 7);
    nc = nc > 4 ? 0 : nc;
    for (int i = 0; i < nc; i++) {
        int64_t at = s_outside(w, h, created + 120, it->updated);
        if (!at)
            continue;
        const char *who = i % 2 ? it->login : S_PICK(w, s_maintainers);
        const char *assoc = i % 2 ? it->assoc : "MEMBER";
        s_add_comment(w, n, who, assoc, at, S_PICK(w, s_comment_texts));
    }
    dp_buf_free(&title);
    dp_buf_free(&labels);
    dp_buf_free(&body);
}

static void s_history(world_t *w, const history_t *h)
{
    for (long long n = h->first; n <= h->last; n++) {
        if (s_number_used(w, n) || !s_pct(w, h->density))
            continue;
        int64_t created = s_created_for(h, n) + s_between(w, 0, 50);
        if (s_in_window(h, created))
            continue; /* the window holds only the hand-written items */
        s_history_item(w, h, n, created);
    }
}

/* ==== Finishing and writing ==== */

static int s_comment_cmp(const void *a, const void *b)
{
    const comment_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->number < y->number ? -1 : x->number > y->number;
}

static int s_review_cmp(const void *a, const void *b)
{
    const review_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->number < y->number ? -1 : x->number > y->number;
}

static int s_item_cmp(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    return x->number < y->number ? 1 : x->number > y->number ? -1 : 0;
}

/* Sorts, assigns comment ids and counts, and makes updated_at the latest
 * event of each item. */
static void s_finish(world_t *w)
{
    qsort(w->comments, w->n_comments, sizeof *w->comments, s_comment_cmp);
    for (size_t i = 0; i < w->n_comments; i++)
        w->comments[i].id = 3640000000LL + (long long)i * 2173 +
                            (long long)(s_hash(w->comments[i].body, i) % 2000);
    if (w->n_reviews)
        qsort(w->reviews, w->n_reviews, sizeof *w->reviews, s_review_cmp);
    for (size_t i = 0; i < w->n_reviews; i++)
        w->reviews[i].id = 3410000000LL + (long long)i * 1931;
    qsort(w->items, w->n_items, sizeof *w->items, s_item_cmp);
    for (size_t i = 0; i < w->n_items; i++) {
        item_t *it = &w->items[i];
        int64_t u = it->updated;
        if (it->created > u)
            u = it->created;
        if (it->closed > u)
            u = it->closed;
        for (size_t k = 0; k < w->n_comments; k++) {
            if (w->comments[k].number != it->number)
                continue;
            it->n_comments++;
            if (w->comments[k].at > u)
                u = w->comments[k].at;
        }
        for (size_t k = 0; k < w->n_reviews; k++)
            if (w->reviews[k].number == it->number && w->reviews[k].at > u)
                u = w->reviews[k].at;
        it->updated = u;
    }
}

static long long s_issue_id(long long number)
{
    return 3690000000LL + (number - 29000) * 3571;
}

static json_t *s_issue_json(const item_t *it)
{
    char *url = dp_asprintf(S_API_REPO "/issues/%lld", it->number);
    char *labels_url = dp_asprintf("%s/labels{/name}", url);
    char *comments_url = dp_asprintf("%s/comments", url);
    char *events_url = dp_asprintf("%s/events", url);
    char *timeline_url = dp_asprintf("%s/timeline", url);
    char *reactions_url = dp_asprintf("%s/reactions", url);
    char *html = dp_asprintf(S_HTML_REPO "/%s/%lld",
                             it->is_pr ? "pull" : "issues", it->number);
    long long id = s_issue_id(it->number);
    json_t *j = json_object();
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "repository_url", json_string(S_API_REPO));
    json_object_set_new(j, "labels_url", json_string(labels_url));
    json_object_set_new(j, "comments_url", json_string(comments_url));
    json_object_set_new(j, "events_url", json_string(events_url));
    json_object_set_new(j, "html_url", json_string(html));
    json_object_set_new(j, "id", json_integer(id));
    json_object_set_new(j, "node_id", s_node_id(it->is_pr ? "PR" : "I", id));
    json_object_set_new(j, "number", json_integer(it->number));
    json_object_set_new(j, "title", json_string(it->title));
    json_object_set_new(j, "user", s_user(it->login));
    json_object_set_new(j, "labels", s_label_list(it->labels));
    json_object_set_new(j, "state",
                        json_string(it->closed ? "closed" : "open"));
    json_object_set_new(j, "locked", json_false());
    json_t *assignees = json_array();
    if (it->assignee) {
        json_object_set_new(j, "assignee", s_user(it->assignee));
        json_array_append_new(assignees, s_user(it->assignee));
    } else {
        json_object_set_new(j, "assignee", json_null());
    }
    json_object_set_new(j, "assignees", assignees);
    json_object_set_new(j, "milestone", json_null());
    json_object_set_new(j, "comments", json_integer(it->n_comments));
    json_object_set_new(j, "created_at", s_time_json(it->created));
    json_object_set_new(j, "updated_at", s_time_json(it->updated));
    json_object_set_new(j, "closed_at", s_time_json(it->closed));
    json_object_set_new(j, "author_association", json_string(it->assoc));
    json_object_set_new(j, "type", json_null());
    json_object_set_new(j, "active_lock_reason", json_null());
    if (it->is_pr) {
        char *pu = dp_asprintf(S_API_REPO "/pulls/%lld", it->number);
        char *diff = dp_asprintf("%s.diff", html);
        char *patch = dp_asprintf("%s.patch", html);
        json_object_set_new(j, "draft", json_boolean(it->draft));
        json_object_set_new(j, "pull_request",
                            json_pack("{s:s, s:s, s:s, s:s, s:o}", "url", pu,
                                      "html_url", html, "diff_url", diff,
                                      "patch_url", patch, "merged_at",
                                      s_time_json(it->merged)));
        dp_free(patch);
        dp_free(diff);
        dp_free(pu);
    } else {
        json_object_set_new(j, "sub_issues_summary",
                            json_pack("{s:i, s:i, s:i}", "total", 0,
                                      "completed", 0, "percent_completed", 0));
    }
    json_object_set_new(j, "body",
                        it->body ? json_string(it->body) : json_null());
    json_object_set_new(
        j, "reactions",
        s_reactions(reactions_url, it->reactions, (uint64_t)it->number));
    json_object_set_new(j, "timeline_url", json_string(timeline_url));
    json_object_set_new(j, "performed_via_github_app", json_null());
    json_object_set_new(j, "state_reason",
                        it->reason ? json_string(it->reason) : json_null());
    dp_free(html);
    dp_free(reactions_url);
    dp_free(timeline_url);
    dp_free(events_url);
    dp_free(comments_url);
    dp_free(labels_url);
    dp_free(url);
    return j;
}

static json_t *s_repo_min(long long id, const char *owner, const char *name)
{
    char *full = dp_asprintf("%s/%s", owner, name);
    char *html = dp_asprintf("https://github.com/%s", full);
    char *url = dp_asprintf(S_API "/repos/%s", full);
    json_t *j = json_pack("{s:I, s:o, s:s, s:s, s:b, s:o, s:s, s:b, s:s}", "id",
                          (json_int_t)id, "node_id", s_node_id("R", id), "name",
                          name, "full_name", full, "private", 0, "owner",
                          s_user(owner), "html_url", html, "fork",
                          strcmp(owner, S_OWNER) != 0, "url", url);
    dp_free(url);
    dp_free(html);
    dp_free(full);
    return j;
}

static json_t *s_pull_json(const item_t *it, const char *merged_by)
{
    long long id = 3080000000LL + (it->number - 29000) * 1789;
    char *url = dp_asprintf(S_API_REPO "/pulls/%lld", it->number);
    char *html = dp_asprintf(S_HTML_REPO "/pull/%lld", it->number);
    char *diff = dp_asprintf("%s.diff", html);
    char *patch = dp_asprintf("%s.patch", html);
    char *issue = dp_asprintf(S_API_REPO "/issues/%lld", it->number);
    char *commits = dp_asprintf("%s/commits", url);
    char *rcomments = dp_asprintf("%s/comments", url);
    char *comments = dp_asprintf("%s/comments", issue);
    char seed[64], head_sha[41], base_sha[41], merge_sha[41];
    snprintf(seed, sizeof seed, "head-%lld", it->number);
    s_sha(seed, head_sha);
    snprintf(seed, sizeof seed, "base-%lld", it->number);
    s_sha(seed, base_sha);
    snprintf(seed, sizeof seed, "merge-%lld", it->number);
    s_sha(seed, merge_sha);
    char *statuses = dp_asprintf(S_API_REPO "/statuses/%s", head_sha);
    char *branch = dp_asprintf("pr-%lld", it->number);
    char *head_label = dp_asprintf("%s:%s", it->login, branch);

    json_t *j = json_object();
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "id", json_integer(id));
    json_object_set_new(j, "node_id", s_node_id("PR", id));
    json_object_set_new(j, "html_url", json_string(html));
    json_object_set_new(j, "diff_url", json_string(diff));
    json_object_set_new(j, "patch_url", json_string(patch));
    json_object_set_new(j, "issue_url", json_string(issue));
    json_object_set_new(j, "number", json_integer(it->number));
    json_object_set_new(j, "state",
                        json_string(it->closed ? "closed" : "open"));
    json_object_set_new(j, "locked", json_false());
    json_object_set_new(j, "title", json_string(it->title));
    json_object_set_new(j, "user", s_user(it->login));
    json_object_set_new(j, "body",
                        it->body ? json_string(it->body) : json_null());
    json_object_set_new(j, "created_at", s_time_json(it->created));
    json_object_set_new(j, "updated_at", s_time_json(it->updated));
    json_object_set_new(j, "closed_at", s_time_json(it->closed));
    json_object_set_new(j, "merged_at", s_time_json(it->merged));
    json_object_set_new(j, "merge_commit_sha", json_string(merge_sha));
    json_object_set_new(j, "assignee",
                        it->assignee ? s_user(it->assignee) : json_null());
    json_t *assignees = json_array();
    if (it->assignee)
        json_array_append_new(assignees, s_user(it->assignee));
    json_object_set_new(j, "assignees", assignees);
    json_object_set_new(j, "requested_reviewers", json_array());
    json_object_set_new(j, "requested_teams", json_array());
    json_object_set_new(j, "labels", s_label_list(it->labels));
    json_object_set_new(j, "milestone", json_null());
    json_object_set_new(j, "draft", json_boolean(it->draft));
    json_object_set_new(j, "commits_url", json_string(commits));
    json_object_set_new(j, "review_comments_url", json_string(rcomments));
    json_object_set_new(j, "review_comment_url",
                        json_string(S_API_REPO "/pulls/comments{/number}"));
    json_object_set_new(j, "comments_url", json_string(comments));
    json_object_set_new(j, "statuses_url", json_string(statuses));
    json_t *head_repo =
        s_repo_min(700000000 + (long long)(s_hash(it->login, 9) % 300000000ULL),
                   it->login, S_REPO);
    json_object_set_new(j, "head",
                        json_pack("{s:s, s:s, s:s, s:o, s:o}", "label",
                                  head_label, "ref", branch, "sha", head_sha,
                                  "user", s_user(it->login), "repo",
                                  head_repo));
    json_object_set_new(j, "base",
                        json_pack("{s:s, s:s, s:s, s:o, s:o}", "label",
                                  S_OWNER ":main", "ref", "main", "sha",
                                  base_sha, "user", s_user(S_OWNER), "repo",
                                  s_repo_min(S_REPO_ID, S_OWNER, S_REPO)));
    json_object_set_new(j, "author_association", json_string(it->assoc));
    json_object_set_new(j, "auto_merge", json_null());
    json_object_set_new(j, "active_lock_reason", json_null());
    json_object_set_new(j, "merged", json_boolean(it->merged != 0));
    if (it->closed) {
        json_object_set_new(j, "mergeable", json_null());
        json_object_set_new(j, "rebaseable", json_null());
        json_object_set_new(j, "mergeable_state", json_string("unknown"));
    } else {
        json_object_set_new(j, "mergeable", json_true());
        json_object_set_new(j, "rebaseable", json_true());
        json_object_set_new(j, "mergeable_state",
                            json_string(it->draft ? "draft" : "blocked"));
    }
    json_object_set_new(j, "merged_by",
                        it->merged && merged_by ? s_user(merged_by)
                                                : json_null());
    json_object_set_new(j, "comments", json_integer(it->n_comments));
    json_object_set_new(j, "review_comments", json_integer(it->files / 3));
    json_object_set_new(j, "maintainer_can_modify", json_boolean(!it->closed));
    json_object_set_new(j, "commits", json_integer(1 + it->files / 2));
    json_object_set_new(j, "additions", json_integer(it->add));
    json_object_set_new(j, "deletions", json_integer(it->del));
    json_object_set_new(j, "changed_files", json_integer(it->files));
    dp_free(head_label);
    dp_free(branch);
    dp_free(statuses);
    dp_free(comments);
    dp_free(rcomments);
    dp_free(commits);
    dp_free(issue);
    dp_free(patch);
    dp_free(diff);
    dp_free(html);
    dp_free(url);
    return j;
}

static json_t *s_comment_json(const comment_t *c, int is_pr)
{
    char at[32];
    s_fmt(c->at, at);
    char *url = dp_asprintf(S_API_REPO "/issues/comments/%lld", c->id);
    char *html = dp_asprintf(S_HTML_REPO "/%s/%lld#issuecomment-%lld",
                             is_pr ? "pull" : "issues", c->number, c->id);
    char *issue = dp_asprintf(S_API_REPO "/issues/%lld", c->number);
    char *reactions = dp_asprintf("%s/reactions", url);
    int bot = strstr(c->login, "[bot]") != NULL;
    json_t *j = json_object();
    json_object_set_new(j, "url", json_string(url));
    json_object_set_new(j, "html_url", json_string(html));
    json_object_set_new(j, "issue_url", json_string(issue));
    json_object_set_new(j, "id", json_integer(c->id));
    json_object_set_new(j, "node_id", s_node_id("IC", c->id));
    json_object_set_new(j, "user", s_user(c->login));
    json_object_set_new(j, "created_at", json_string(at));
    json_object_set_new(j, "updated_at", json_string(at));
    json_object_set_new(j, "body", json_string(c->body));
    json_object_set_new(j, "author_association", json_string(c->assoc));
    json_object_set_new(
        j, "reactions",
        s_reactions(reactions, bot ? 0 : (int)(c->id % 3), (uint64_t)c->id));
    json_object_set_new(j, "performed_via_github_app", json_null());
    dp_free(reactions);
    dp_free(issue);
    dp_free(html);
    dp_free(url);
    return j;
}

/* The files list of a PR: its additions and deletions spread over its
 * paths, the first path taking the remainder. */
static json_t *s_files_json(const item_t *it)
{
    size_t n = 1;
    for (const char *p = it->paths; *p; p++)
        n += *p == ',';
    json_t *arr = json_array();
    const char *p = it->paths;
    for (size_t i = 0; i < n; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *name = dp_strndup(p, len);
        int add = it->add / (int)n + (i == 0 ? it->add % (int)n : 0);
        int del = it->del / (int)n + (i == 0 ? it->del % (int)n : 0);
        char sha[41], head[41];
        s_sha(name, sha);
        char seed[64];
        snprintf(seed, sizeof seed, "head-%lld", it->number);
        s_sha(seed, head);
        char *blob = dp_asprintf(S_HTML_REPO "/blob/%s/%s", head, name);
        char *raw = dp_asprintf(S_HTML_REPO "/raw/%s/%s", head, name);
        char *contents =
            dp_asprintf(S_API_REPO "/contents/%s?ref=%s", name, head);
        char *patch = dp_asprintf("@@ -1,%d +1,%d @@", del + 1, add + 1);
        json_t *f = json_object();
        json_object_set_new(f, "sha", json_string(sha));
        json_object_set_new(f, "filename", json_string(name));
        json_object_set_new(f, "status",
                            json_string(del ? "modified" : "added"));
        json_object_set_new(f, "additions", json_integer(add));
        json_object_set_new(f, "deletions", json_integer(del));
        json_object_set_new(f, "changes", json_integer(add + del));
        json_object_set_new(f, "blob_url", json_string(blob));
        json_object_set_new(f, "raw_url", json_string(raw));
        json_object_set_new(f, "contents_url", json_string(contents));
        json_object_set_new(f, "patch", json_string(patch));
        json_array_append_new(arr, f);
        dp_free(patch);
        dp_free(contents);
        dp_free(raw);
        dp_free(blob);
        dp_free(name);
        p = comma ? comma + 1 : p + len;
    }
    return arr;
}

static json_t *s_review_json(const review_t *r)
{
    char at[32], seed[64], head[41];
    s_fmt(r->at, at);
    snprintf(seed, sizeof seed, "head-%lld", r->number);
    s_sha(seed, head);
    char *html = dp_asprintf(S_HTML_REPO "/pull/%lld#pullrequestreview-%lld",
                             r->number, r->id);
    char *pr = dp_asprintf(S_API_REPO "/pulls/%lld", r->number);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "node_id", s_node_id("PRR", r->id));
    json_object_set_new(j, "user", s_user(r->login));
    json_object_set_new(j, "body", json_string(r->body));
    json_object_set_new(j, "state", json_string(r->state));
    json_object_set_new(j, "html_url", json_string(html));
    json_object_set_new(j, "pull_request_url", json_string(pr));
    json_object_set_new(j, "author_association", json_string(r->assoc));
    json_object_set_new(j, "_links",
                        json_pack("{s:{s:s}, s:{s:s}}", "html", "href", html,
                                  "pull_request", "href", pr));
    json_object_set_new(j, "submitted_at", json_string(at));
    json_object_set_new(j, "commit_id", json_string(head));
    dp_free(pr);
    dp_free(html);
    return j;
}

/* mkdir -p */
static void s_mkdir(const char *path)
{
    char *copy = dp_strdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "gen: mkdir %s: %s\n", copy, strerror(errno));
            exit(1);
        }
        *p = '/';
    }
    dp_free(copy);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "gen: mkdir %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void s_dump(json_t *j, const char *path)
{
    if (json_dump_file(j, path, JSON_INDENT(2)) < 0) {
        fprintf(stderr, "gen: cannot write %s\n", path);
        exit(1);
    }
    /* end the file with a newline, as editors do */
    FILE *f = fopen(path, "a");
    if (f) {
        fputc('\n', f);
        fclose(f);
    }
    json_decref(j);
}

static json_t *s_repo_json(const world_t *w)
{
    long long open = 0;
    for (size_t i = 0; i < w->n_items; i++)
        open += !w->items[i].closed;
    json_t *j = s_repo_min(S_REPO_ID, S_OWNER, S_REPO);
    json_object_set_new(j, "description",
                        json_string("A high-throughput and memory-efficient "
                                    "inference and serving engine for LLMs"));
    json_object_set_new(j, "created_at", json_string("2023-02-09T11:23:20Z"));
    json_object_set_new(j, "updated_at", json_string("2025-12-12T23:41:09Z"));
    json_object_set_new(j, "pushed_at", json_string("2025-12-12T23:38:52Z"));
    json_object_set_new(j, "homepage", json_string("https://docs.vllm.ai"));
    json_object_set_new(j, "size", json_integer(148211));
    json_object_set_new(j, "stargazers_count", json_integer(64112));
    json_object_set_new(j, "watchers_count", json_integer(64112));
    json_object_set_new(j, "language", json_string("Python"));
    json_object_set_new(j, "has_issues", json_true());
    json_object_set_new(j, "has_projects", json_true());
    json_object_set_new(j, "has_wiki", json_false());
    json_object_set_new(j, "has_discussions", json_false());
    json_object_set_new(j, "forks_count", json_integer(11657));
    json_object_set_new(j, "archived", json_false());
    json_object_set_new(j, "disabled", json_false());
    json_object_set_new(j, "open_issues_count", json_integer(open));
    json_object_set_new(
        j, "license",
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "key", "apache-2.0", "name",
                  "Apache License 2.0", "spdx_id", "Apache-2.0", "url",
                  S_API "/licenses/apache-2.0", "node_id", "MDc6TGljZW5zZTI="));
    json_object_set_new(j, "topics",
                        json_pack("[s, s, s, s, s, s]", "amd", "cuda",
                                  "inference", "llm", "pytorch",
                                  "transformer"));
    json_object_set_new(j, "visibility", json_string("public"));
    json_object_set_new(j, "forks", json_integer(11657));
    json_object_set_new(j, "open_issues", json_integer(open));
    json_object_set_new(j, "watchers", json_integer(64112));
    json_object_set_new(j, "default_branch", json_string("main"));
    json_object_set_new(j, "network_count", json_integer(11657));
    json_object_set_new(j, "subscribers_count", json_integer(412));
    return j;
}

static const char *s_merger(const item_t *it)
{
    return strcmp(it->login, "sched-sora") ? "sched-sora" : "kernel-kai";
}

static void s_write(const world_t *w, const char *dir)
{
    char *owner = dp_asprintf("%s/" S_OWNER, dir);
    char *repo = dp_asprintf("%s/" S_FULL, dir);
    char *pulls = dp_asprintf("%s/pulls", repo);
    char *comments = dp_asprintf("%s/comments", repo);
    s_mkdir(dir);
    s_mkdir(owner);
    s_mkdir(repo);
    s_mkdir(pulls);
    s_mkdir(comments);

    json_t *issues = json_array();
    for (size_t i = 0; i < w->n_items; i++)
        json_array_append_new(issues, s_issue_json(&w->items[i]));
    char *path = dp_asprintf("%s/issues.json", repo);
    s_dump(issues, path);
    dp_free(path);
    path = dp_asprintf("%s/repo.json", repo);
    s_dump(s_repo_json(w), path);
    dp_free(path);

    char *reviews = dp_asprintf("%s/reviews", repo);
    if (w->n_reviews)
        s_mkdir(reviews);
    for (size_t i = 0; i < w->n_items; i++) {
        const item_t *it = &w->items[i];
        if (it->is_pr && it->with_pull) {
            path = dp_asprintf("%s/%lld.json", pulls, it->number);
            s_dump(s_pull_json(it, s_merger(it)), path);
            dp_free(path);
        }
        if (it->is_pr && it->paths) {
            path = dp_asprintf("%s/%lld.files.json", pulls, it->number);
            s_dump(s_files_json(it), path);
            dp_free(path);
        }
        json_t *rarr = json_array();
        for (size_t k = 0; k < w->n_reviews; k++)
            if (w->reviews[k].number == it->number)
                json_array_append_new(rarr, s_review_json(&w->reviews[k]));
        if (json_array_size(rarr)) {
            path = dp_asprintf("%s/%lld.json", reviews, it->number);
            s_dump(rarr, path);
            dp_free(path);
        } else {
            json_decref(rarr);
        }
        if (!it->n_comments)
            continue;
        json_t *arr = json_array();
        for (size_t k = 0; k < w->n_comments; k++)
            if (w->comments[k].number == it->number)
                json_array_append_new(
                    arr, s_comment_json(&w->comments[k], it->is_pr));
        path = dp_asprintf("%s/%lld.json", comments, it->number);
        s_dump(arr, path);
        dp_free(path);
    }
    dp_free(reviews);
    dp_free(comments);
    dp_free(pulls);
    dp_free(repo);
    dp_free(owner);
}

/* ==== The expected appendix ==== */

static void s_local(int64_t t, char out[40])
{
    time_t tt = (time_t)(t + S_TZ_OFFSET);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 40, "%Y-%m-%d %H:%M (UTC+8)", &tm);
}

typedef struct {
    const item_t *it;
    int64_t t;
} row_t;

static int s_row_cmp(const void *a, const void *b)
{
    const row_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t > y->t ? -1 : 1;
    return x->it->number > y->it->number ? -1 : 1;
}

/* kind: 0 new issue, 1 closed issue, 2 new PR, 3 merged, 4 closed unmerged */
static int64_t s_event(const item_t *it, int kind)
{
    switch (kind) {
    case 0:
        return it->is_pr ? 0 : it->created;
    case 1:
        return it->is_pr ? 0 : it->closed;
    case 2:
        return it->is_pr ? it->created : 0;
    case 3:
        return it->is_pr ? it->merged : 0;
    default:
        return it->is_pr && !it->merged ? it->closed : 0;
    }
}

static void s_expected(const world_t *w, int64_t from, int64_t to,
                       const char *dir)
{
    static const char *const heads[] = {"新增 Issue", "已关闭 Issue", "新增 PR",
                                        "已合并 PR", "关闭但未合并的 PR"};
    static const char *const verbs[] = {"创建于", "关闭于", "创建于", "合并于",
                                        "关闭于"};
    int counts[5] = {0};
    dp_buf_t out = DP_BUF_INIT;
    dp_buf_puts(&out, "## 📋 附录：详细数据列表\n");
    row_t *rows = dp_calloc(w->n_items + 1, sizeof *rows);
    for (int kind = 0; kind < 5; kind++) {
        size_t n = 0;
        for (size_t i = 0; i < w->n_items; i++) {
            int64_t t = s_event(&w->items[i], kind);
            if (t && t >= from && t < to) {
                rows[n].it = &w->items[i];
                rows[n].t = t;
                n++;
            }
        }
        qsort(rows, n, sizeof *rows, s_row_cmp);
        counts[kind] = (int)n;
        dp_buf_printf(&out, "\n### %s\n", heads[kind]);
        if (!n)
            dp_buf_puts(&out, "- 无\n");
        for (size_t k = 0; k < n; k++) {
            const item_t *it = rows[k].it;
            char when[40];
            s_local(rows[k].t, when);
            dp_buf_t labels = DP_BUF_INIT;
            for (const char *p = it->labels; *p; p++) {
                if (*p == ',')
                    dp_buf_puts(&labels, ", ");
                else
                    dp_buf_append(&labels, p, 1);
            }
            dp_buf_printf(&out,
                          "- [#%lld](" S_HTML_REPO "/%s/%lld) %s — %s — by %s "
                          "(%s: %s)\n",
                          it->number, it->is_pr ? "pull" : "issues", it->number,
                          it->title, labels.len ? labels.data : "无标签",
                          it->login, verbs[kind], when);
            dp_buf_free(&labels);
        }
    }
    dp_free(rows);
    char *path = dp_asprintf("%s/EXPECTED.md", dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(out.data, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "gen: cannot write %s\n", path);
        exit(1);
    }
    dp_free(path);
    path = dp_asprintf("%s/EXPECTED-stats.txt", dir);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen: cannot write %s\n", path);
        exit(1);
    }
    fprintf(f,
            "> 数据统计: 新 Issue %d | 关闭 Issue %d | 新 PR %d | 合并 PR %d | "
            "关闭未合并 PR %d\n",
            counts[0], counts[1], counts[2], counts[3], counts[4]);
    fclose(f);
    dp_free(path);
    dp_buf_free(&out);
}

/* Prints the window counts, for a quick look at a dataset. */
static void s_summary(const world_t *w, int64_t from, int64_t to)
{
    int counts[5] = {0};
    size_t since = 0;
    for (size_t i = 0; i < w->n_items; i++) {
        for (int k = 0; k < 5; k++) {
            int64_t t = s_event(&w->items[i], k);
            counts[k] += t && t >= from && t < to;
        }
        since += w->items[i].updated >= from;
    }
    fprintf(stderr,
            "gen: %zu items, %zu comments, %zu updated since the window "
            "start; window: new issues %d, closed issues %d, new PRs %d, "
            "merged %d, closed unmerged %d\n",
            w->n_items, w->n_comments, since, counts[0], counts[1], counts[2],
            counts[3], counts[4]);
}

static void s_world_free(world_t *w)
{
    for (size_t i = 0; i < w->n_items; i++) {
        item_t *it = &w->items[i];
        dp_free(it->title);
        dp_free(it->login);
        dp_free(it->assoc);
        dp_free(it->labels);
        dp_free(it->body);
        dp_free(it->assignee);
        dp_free(it->reason);
        dp_free(it->paths);
    }
    for (size_t i = 0; i < w->n_reviews; i++) {
        dp_free(w->reviews[i].login);
        dp_free(w->reviews[i].assoc);
        dp_free(w->reviews[i].state);
        dp_free(w->reviews[i].body);
    }
    dp_free(w->reviews);
    for (size_t i = 0; i < w->n_comments; i++) {
        dp_free(w->comments[i].login);
        dp_free(w->comments[i].assoc);
        dp_free(w->comments[i].body);
    }
    dp_free(w->items);
    dp_free(w->comments);
}

#include "gen_datasets_specs.h"

#include "gen_datasets_busy.h"

int main(int argc, char **argv)
{
    if (argc != 3 ||
        (strcmp(argv[1], "vllm-hour") != 0 && strcmp(argv[1], "demo") != 0 &&
         strcmp(argv[1], "busy") != 0)) {
        fprintf(stderr, "usage: gh-standin-gen vllm-hour|demo|busy DIR\n");
        return 2;
    }
    world_t w;
    memset(&w, 0, sizeof w);
    w.rng = 0x5eed2025121011ULL;
    int hour = strcmp(argv[1], "vllm-hour") == 0;
    int busy = strcmp(argv[1], "busy") == 0;
    int64_t from, to;
    if (busy) {
        w.rng = 0xb05e2025121506ULL;
        s_busy(&w, &from, &to);
    } else if (hour) {
        from = s_t("2025-12-10T10:29:00Z");
        to = s_t("2025-12-10T11:29:00Z");
        s_add_specs(&w, s_hour_items,
                    sizeof s_hour_items / sizeof s_hour_items[0]);
        s_add_cspecs(&w, s_hour_comments,
                     sizeof s_hour_comments / sizeof s_hour_comments[0]);
        long long anchors[] = {30080, s_t("2025-12-05T21:00:00Z"),
                               30290, s_t("2025-12-09T01:10:00Z"),
                               30301, s_t("2025-12-09T03:15:22Z"),
                               30310, s_t("2025-12-09T06:20:00Z"),
                               30349, s_t("2025-12-09T14:00:00Z"),
                               30360, s_t("2025-12-10T02:11:40Z"),
                               30382, s_t("2025-12-10T08:02:11Z"),
                               30386, s_t("2025-12-10T11:29:00Z"),
                               30387, s_t("2025-12-10T11:41:00Z"),
                               30430, s_t("2025-12-12T21:30:00Z")};
        history_t h = {
            from,  to,    anchors, sizeof anchors / sizeof anchors[0] / 2,
            30080, 30430, 90,      s_t("2025-12-12T23:30:00Z"),
            9};
        s_history(&w, &h);
    } else {
        w.rng = 0xd3e0202512110200ULL;
        from = s_t("2025-12-11T02:00:00Z");
        to = s_t("2025-12-11T03:00:00Z");
        s_add_specs(&w, s_demo_items,
                    sizeof s_demo_items / sizeof s_demo_items[0]);
        s_add_cspecs(&w, s_demo_comments,
                     sizeof s_demo_comments / sizeof s_demo_comments[0]);
        long long anchors[] = {30380, s_t("2025-12-10T11:00:00Z"),
                               30519, s_t("2025-12-11T01:55:00Z"),
                               30520, s_t("2025-12-11T02:01:27Z"),
                               30547, s_t("2025-12-11T02:58:20Z"),
                               30548, s_t("2025-12-11T03:06:00Z"),
                               30575, s_t("2025-12-11T20:40:00Z")};
        history_t h = {
            from,  to,    anchors, sizeof anchors / sizeof anchors[0] / 2,
            30380, 30575, 82,      s_t("2025-12-12T12:00:00Z"),
            10};
        s_history(&w, &h);
    }
    s_finish(&w);
    s_write(&w, argv[2]);
    if (hour || busy)
        s_expected(&w, from, to, argv[2]);
    s_summary(&w, from, to);
    s_world_free(&w);
    return 0;
}
