/* gen_datasets_busy.h - the busy dataset: 260 items in one hour, six AMD */
/* SPDX-License-Identifier: MIT */

/*
 * Included once, by gen_datasets.c, after gen_datasets_specs.h. The busy
 * hour is 2025-12-15T06:00Z .. 07:00Z (14:00-15:00 UTC+8); the two hours
 * before it have activity of their own, so that trends and continuity
 * have data when the three are reported in order on one Redis.
 *
 * Exactly six items with activity in the busy hour are AMD work under the
 * shipped rules (config/rules.yml), each for a different reason:
 *   #31180 issue, label `rocm` (and its body names gfx942)
 *   #31195 PR, label `rocm` only
 *   #31230 issue, title matches `MI300X`
 *   #30640 PR merged in the hour, title matches `ROCm`
 *   #31260 PR, path `vllm/platforms/rocm.py`
 *   #30655 PR merged in the hour, path `csrc/rocm/skinny_gemms.cu`
 * Lookalikes that must not match: a collect_env.py dump naming ROCm and
 * an AMD CPU (#31200), a PR touching docs/.../rocm.inc.md (#31215), a
 * comment that says ROCm on a CUDA issue, "chip"/"ship" words, and an
 * AMD PR of the hour before (#31140) that is quiet in the busy hour.
 * Bots: dependabot[bot] opens a PR and comments, vllm-release-bot (an
 * account of type Bot without the [bot] suffix) opens and merges a PR and
 * comments, github-actions[bot] welcomes first-time contributors and
 * chatgpt-codex-connector[bot] reviews.
 * Continuity: #31105 is hot in all three hours; #31150 (opened the hour
 * before) gets its first answer in the busy hour; #31110 and #31155 wait
 * through all three; #30412, three days old, is bumped by its author.
 */

#define S_BUSY_FROM "2025-12-15T06:00:00Z"
#define S_BUSY_TO "2025-12-15T07:00:00Z"
#define S_BUSY_H1 "2025-12-15T05:00:00Z" /* the hour before */
#define S_BUSY_H2 "2025-12-15T04:00:00Z" /* and the one before that */
#define S_BUSY_ITEMS 260                 /* items with activity in the hour */

#define S_ENV_DUMP                                                             \
    "### Your current environment\n\n<details>\n<summary>The output of "       \
    "<code>python collect_env.py</code></summary>\n\n```text\nCollecting "     \
    "environment information...\nPyTorch version: 2.9.0+cu128\nIs debug "      \
    "build: False\nCUDA used to build PyTorch: 12.8\nROCM used to build "      \
    "PyTorch: N/A\n\nOS: Ubuntu 22.04.5 LTS (x86_64)\nCPU:\nModel name: AMD "  \
    "EPYC 9654 96-Core Processor\nHIP runtime version: N/A\nMIOpen runtime "   \
    "version: N/A\nvLLM Build Flags:\n  CUDA Archs: Not Set; ROCm: "           \
    "Disabled\n```\n</details>\n\n"

/* ==== Hand-written items ==== */

static const spec_t s_busy_items[] = {
    /* AMD work, one reason each (see above) */
    {.number = 31180,
     .title = "[Bug]: Engine hangs after ~200 requests with DeepSeek-V3.2 at "
              "TP=8",
     .login = "hip-wrangler",
     .assoc = "NONE",
     .labels = "bug,rocm,deepseek",
     .created = "2025-12-15T06:08:11Z",
     .body = "### Your current environment\n\n```text\nvLLM 0.12.0, 8 "
             "accelerators (gfx942), driver 6.12\n```\n\n### 🐛 Describe the "
             "bug\n\nAfter about 200 requests at concurrency 64 every rank "
             "stops making progress." S_ISSUE_FOOTER},
    {.number = 31195,
     .is_pr = 1,
     .title = "[Kernel] Tune fused MoE block sizes for the 128-expert layers",
     .login = "moe-mohan",
     .assoc = "CONTRIBUTOR",
     .labels = "rocm",
     .created = "2025-12-15T06:15:40Z",
     .add = 212,
     .del = 0,
     .files = 1,
     .paths = "vllm/model_executor/layers/fused_moe/configs/"
              "E=128,N=384,dtype=fp8.json",
     .body = "## Purpose\n\nRetuned block sizes for the 128-expert MoE "
             "layers with `benchmark_moe.py --tune`."},
    {.number = 31230,
     .title = "[Bug]: Accuracy drop on GSM8K with FP8 KV cache on MI300X",
     .login = "bench-bob",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-15T06:33:05Z",
     .body = "### 🐛 Describe the bug\n\nGSM8K 5-shot drops from 0.94 to 0.81 "
             "with `--kv-cache-dtype fp8` on Llama-3.1-70B." S_ISSUE_FOOTER},
    {.number = 30640,
     .is_pr = 1,
     .title = "[ROCm] Fix paged attention for head size 80",
     .login = "attn-arjun",
     .assoc = "CONTRIBUTOR",
     .labels = "ready",
     .created = "2025-12-10T09:00:00Z",
     .closed = "2025-12-15T06:47:10Z",
     .merged = "2025-12-15T06:47:10Z",
     .add = 38,
     .del = 6,
     .files = 2,
     .paths = "vllm/attention/ops/paged_attn.py,"
              "tests/kernels/attention/test_attention.py",
     .body = "## Purpose\n\nHead size 80 fell through to the generic path "
             "and produced wrong results. Add it to the dispatch table."},
    {.number = 31260,
     .is_pr = 1,
     .title = "[Core] Detect the device capability once at startup",
     .login = "sched-sora",
     .assoc = "MEMBER",
     .labels = "",
     .created = "2025-12-15T06:40:12Z",
     .add = 64,
     .del = 41,
     .files = 3,
     .paths = "vllm/platforms/interface.py,vllm/platforms/rocm.py,"
              "vllm/platforms/cuda.py",
     .body = "## Purpose\n\nCache `get_device_capability()` in the platform "
             "object instead of asking the driver on every call."},
    {.number = 30655,
     .is_pr = 1,
     .title = "[Perf] Faster skinny GEMMs for small-batch decode",
     .login = "kernel-kai",
     .assoc = "MEMBER",
     .labels = "performance,ready",
     .created = "2025-12-11T03:00:00Z",
     .closed = "2025-12-15T06:22:30Z",
     .merged = "2025-12-15T06:22:30Z",
     .add = 310,
     .del = 96,
     .files = 2,
     .paths = "csrc/rocm/skinny_gemms.cu,"
              "tests/kernels/quantization/test_skinny_gemm.py",
     .body = "## Purpose\n\nSplit-K for N <= 4 and a wider tile for the "
             "K dimension: +9% decode throughput at batch size 1."},

    /* lookalikes */
    {.number = 31200,
     .title = "[Bug]: CUDA graph capture fails with max_num_seqs=512",
     .login = "ola-gpu",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-15T06:20:44Z",
     .body = S_ENV_DUMP "### 🐛 Describe the bug\n\n`vllm serve "
                        "Qwen/Qwen3-32B --max-num-seqs 512` fails during "
                        "graph capture." S_ISSUE_FOOTER},
    {.number = 31215,
     .is_pr = 1,
     .title = "[Doc] Split the GPU installation page per vendor",
     .login = "docs-dora",
     .assoc = "CONTRIBUTOR",
     .labels = "documentation",
     .created = "2025-12-15T06:28:19Z",
     .add = 120,
     .del = 95,
     .files = 3,
     .paths = "docs/getting_started/installation/gpu.md,"
              "docs/getting_started/installation/gpu/cuda.inc.md,"
              "docs/getting_started/installation/gpu/rocm.inc.md",
     .body = "One include file per vendor, as the CPU pages already do."},
    {.number = 31240,
     .is_pr = 1,
     .title = "[Bugfix] Fix chip detection on Hopper when "
              "CUDA_VISIBLE_DEVICES is empty",
     .login = "cuda-carmen",
     .assoc = "CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-15T06:36:02Z",
     .add = 9,
     .del = 3,
     .files = 1,
     .paths = "vllm/platforms/cuda.py",
     .body = "The fix was shipped in 0.11 and lost in a refactor."},
    {.number = 31140,
     .is_pr = 1,
     .title = "[ROCm] Enable the AITER MHA backend by default on MI300",
     .login = "gfx942-dev",
     .assoc = "CONTRIBUTOR",
     .labels = "rocm",
     .created = "2025-12-15T05:05:30Z",
     .add = 18,
     .del = 4,
     .files = 1,
     .paths = "vllm/platforms/rocm.py",
     .body = "## Purpose\n\nAITER MHA is faster on every shape we tried."},

    /* bots */
    {.number = 31190,
     .is_pr = 1,
     .title = "Bump actions/setup-python from 5.3.0 to 6.0.0",
     .login = "dependabot[bot]",
     .assoc = "CONTRIBUTOR",
     .labels = "dependencies,ci/build",
     .created = "2025-12-15T06:12:00Z",
     .add = 4,
     .del = 4,
     .files = 2,
     .paths = ".github/workflows/pre-commit.yml,.github/workflows/lint.yml",
     .body = "Bumps [actions/setup-python](https://github.com/actions/"
             "setup-python) from 5.3.0 to 6.0.0."},
    {.number = 31250,
     .is_pr = 1,
     .title = "[CI/Build] Update the nightly wheel index for 0.12.1.dev42",
     .login = "vllm-release-bot",
     .assoc = "MEMBER",
     .labels = "ci/build",
     .created = "2025-12-15T06:20:00Z",
     .closed = "2025-12-15T06:26:00Z",
     .merged = "2025-12-15T06:26:00Z",
     .add = 2,
     .del = 2,
     .files = 1,
     .paths = "docs/nightly-index.md",
     .body = "Automated update."},

    /* continuity */
    {.number = 31105,
     .title = "[Bug]: NCCL watchdog timeout with pipeline parallel 2 on 16 "
              "GPUs",
     .login = "priya-infer",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-15T04:05:00Z",
     .body = "### 🐛 Describe the bug\n\nWith `-pp 2 -tp 8` on two nodes the "
             "NCCL watchdog fires after a few minutes of load." S_ISSUE_FOOTER},
    {.number = 31110,
     .title = "[Feature]: Expose the scheduler queue length as a metric",
     .login = "svetlana-ops",
     .assoc = "NONE",
     .labels = "feature request",
     .created = "2025-12-15T04:30:00Z",
     .body = "### 🚀 The feature, motivation and pitch\n\nA gauge of waiting "
             "requests per priority would help autoscaling."},
    {.number = 31112,
     .is_pr = 1,
     .title = "[Model] Add a tool parser for Hunyuan-A13B-Instruct",
     .login = "tool-call-ted",
     .assoc = "CONTRIBUTOR",
     .labels = "tool-calling",
     .created = "2025-12-15T04:45:00Z",
     .closed = "2025-12-15T06:30:00Z",
     .merged = "2025-12-15T06:30:00Z",
     .add = 233,
     .del = 0,
     .files = 3,
     .paths = "vllm/entrypoints/openai/tool_parsers/hunyuan_a13b.py,"
              "vllm/entrypoints/openai/tool_parsers/__init__.py,"
              "tests/tool_use/test_hunyuan_a13b.py",
     .body = "Adds `hunyuan_a13b` to `--tool-call-parser`."},
    {.number = 31150,
     .title = "[Usage]: How to keep the KV cache in CPU memory with LMCache?",
     .login = "kenji-serve",
     .assoc = "NONE",
     .labels = "usage",
     .created = "2025-12-15T05:20:00Z",
     .body = "### How would you like to use vllm\n\nI want prefix reuse "
             "across restarts on one 8x H100 node." S_ISSUE_FOOTER},
    {.number = 31155,
     .is_pr = 1,
     .title = "[Frontend] Accept `stream_options` in the completions "
              "endpoint",
     .login = "lin-dawei",
     .assoc = "CONTRIBUTOR",
     .labels = "frontend",
     .created = "2025-12-15T05:35:00Z",
     .add = 41,
     .del = 7,
     .files = 2,
     .paths = "vllm/entrypoints/openai/serving_completion.py,"
              "tests/entrypoints/openai/test_completion.py",
     .body = "## Purpose\n\n`stream_options.include_usage` works for chat "
             "completions only; accept it here too."},
    {.number = 30412,
     .title = "[Bug]: Streaming responses stop after 30 s behind nginx",
     .login = "jules-rt",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-12T05:00:00Z",
     .body = "### 🐛 Describe the bug\n\nBehind nginx with default settings "
             "every stream ends after exactly 30 s." S_ISSUE_FOOTER},
};

static const cspec_t s_busy_comments[] = {
    /* #31105: hot in all three hours */
    {31105, "sched-sora", "MEMBER", "2025-12-15T04:12:00Z",
     "Does it also happen with `NCCL_P2P_DISABLE=1`?"},
    {31105, "priya-infer", "NONE", "2025-12-15T04:20:00Z",
     "Yes, same timeout after about four minutes."},
    {31105, "ray-rafael", "CONTRIBUTOR", "2025-12-15T04:41:00Z",
     "I see it too with Ray as the executor."},
    {31105, "priya-infer", "NONE", "2025-12-15T05:10:00Z",
     "`NCCL_DEBUG=INFO` logs attached; the second node never posts its "
     "receive."},
    {31105, "sched-sora", "MEMBER", "2025-12-15T05:22:00Z",
     "That points at the send/recv ordering of the pipeline stages."},
    {31105, "moe-mohan", "CONTRIBUTOR", "2025-12-15T05:40:00Z",
     "Reverting the async output processing change makes it go away here."},
    {31105, "ray-rafael", "CONTRIBUTOR", "2025-12-15T06:05:00Z",
     "Confirmed: the revert fixes it on my cluster as well."},
    {31105, "priya-infer", "NONE", "2025-12-15T06:18:00Z",
     "Same here. Is a fix planned for 0.12.1?"},
    {31105, "sched-sora", "MEMBER", "2025-12-15T06:33:00Z",
     "Yes, the proper fix orders the sends by stage; PR coming today."},
    {31105, "kv-cache-kid", "NONE", "2025-12-15T06:50:00Z",
     "+1, we hit this in production with PP=2."},
    /* #31150: answered in the busy hour, after waiting through the last */
    {31150, "docs-dora", "CONTRIBUTOR", "2025-12-15T06:25:00Z",
     "Set `kv_connector` to `LMCacheConnectorV1` with a local CPU backend; "
     "the docs have an example under disaggregated prefill."},
    {31150, "kenji-serve", "NONE", "2025-12-15T06:40:00Z",
     "That works, thanks!"},
    /* #30412: only its author, three days later */
    {30412, "jules-rt", "NONE", "2025-12-15T06:15:00Z",
     "Any update on this? It still happens with 0.12.0."},
    /* AMD work gets an answer */
    {31180, "amd-mi-ops", "MEMBER", "2025-12-15T06:30:00Z",
     "Can you share the driver and firmware versions?"},
    /* a comment that says ROCm on a CUDA issue is no AMD work */
    {31200, "hash-hacker", "CONTRIBUTOR", "2025-12-15T06:44:00Z",
     "Unrelated to ROCm or the MI300 path; this is the CUDA graph pool."},
    /* bots talking */
    {31190, "ci-shepherd", "MEMBER", "2025-12-15T06:30:00Z",
     "@dependabot rebase"},
    {31190, "dependabot[bot]", "NONE", "2025-12-15T06:31:00Z",
     "Sure, rebasing this PR now."},
    {31230, "vllm-release-bot", "MEMBER", "2025-12-15T06:34:00Z",
     "Thanks for the report! A maintainer will triage it soon."},
    {31200, "vllm-release-bot", "MEMBER", "2025-12-15T06:21:00Z",
     "Thanks for the report! A maintainer will triage it soon."},
};

typedef struct {
    long long number;
    const char *login, *assoc, *state, *at, *body;
} rspec_t;

static const rspec_t s_busy_reviews[] = {
    {31112, "sched-sora", "MEMBER", "APPROVED", "2025-12-15T06:10:00Z",
     "LGTM, thanks!"},
    {30655, "cuda-carmen", "CONTRIBUTOR", "APPROVED", "2025-12-15T06:15:00Z",
     ""},
    {30640, "kernel-kai", "MEMBER", "APPROVED", "2025-12-15T06:45:00Z", ""},
    {31260, "chatgpt-codex-connector[bot]", "NONE", "COMMENTED",
     "2025-12-15T06:43:00Z", "Codex found no issues."},
    {31195, "kernel-kai", "MEMBER", "CHANGES_REQUESTED", "2025-12-15T06:50:00Z",
     "Please add the tuning command line to the JSON header."},
};

/* ==== Generated activity ==== */

/* Changed paths of generated PRs: nothing here is AMD work. */
static const char *const s_busy_paths[] = {
    "vllm/v1/core/sched/scheduler.py",
    "vllm/v1/worker/gpu_model_runner.py",
    "vllm/model_executor/models/qwen3_moe.py",
    "vllm/model_executor/models/deepseek_v2.py",
    "vllm/model_executor/layers/quantization/fp8.py",
    "vllm/entrypoints/openai/serving_chat.py",
    "vllm/entrypoints/openai/protocol.py",
    "vllm/v1/attention/backends/flash_attn.py",
    "vllm/v1/spec_decode/eagle.py",
    "vllm/distributed/parallel_state.py",
    "csrc/quantization/cutlass_w8a8/scaled_mm_entry.cu",
    "csrc/attention/paged_attention_v1.cu",
    "docs/features/spec_decode.md",
    "docs/serving/openai_compatible_server.md",
    "tests/v1/core/test_scheduler.py",
    "tests/entrypoints/openai/test_chat.py",
    "tests/kernels/moe/test_moe.py",
    "requirements/cuda.txt",
    ".buildkite/test-pipeline.yaml",
    "docker/Dockerfile",
};

static const char *const s_busy_people[][2] = {
    {"sched-sora", "MEMBER"},       {"ci-shepherd", "MEMBER"},
    {"spec-dec-dan", "MEMBER"},     {"kernel-kai", "MEMBER"},
    {"latency-lena", "MEMBER"},     {"li-shen-ml", "CONTRIBUTOR"},
    {"quant-quinn", "CONTRIBUTOR"}, {"lora-lucia", "CONTRIBUTOR"},
    {"mm-miyu", "CONTRIBUTOR"},     {"hash-hacker", "CONTRIBUTOR"},
    {"wu-haoran", "NONE"},          {"chen-yiran", "NONE"},
    {"felix-quant", "NONE"},        {"marco-llm", "NONE"},
};

static const char *const s_busy_first_timers[] = {
    "first-pr-fatima", "new-dev-noah", "patch-pablo", "typo-tomas",
    "hello-hana",      "newbie-nils",  "fresh-freya"};

static const char *const s_busy_states[] = {"APPROVED", "COMMENTED",
                                            "CHANGES_REQUESTED", "APPROVED"};

/* True when a generated title would be AMD work under the shipped rules;
 * such titles are drawn again. */
static int s_amdish(const char *t)
{
    static const char *const words[] = {"ROCm", "AMD",   "MI3",   "HIP",
                                        "hip ", "AITER", "gfx",   "Quark",
                                        "CDNA", "rocm",  "Radeon"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(t, words[i]))
            return 1;
    return 0;
}

/* A number not used yet, counting up from *next. */
static long long s_free_number(const world_t *w, long long *next)
{
    while (s_number_used(w, *next))
        (*next)++;
    return (*next)++;
}

static void s_busy_paths_pick(world_t *w, item_t *it)
{
    int n = 1 + (int)(s_rand(w) % 3);
    dp_buf_t b = DP_BUF_INIT;
    size_t first = s_rand(w) % (sizeof s_busy_paths / sizeof s_busy_paths[0]);
    for (int i = 0; i < n; i++) {
        size_t k = (first + (size_t)i * 7) %
                   (sizeof s_busy_paths / sizeof s_busy_paths[0]);
        if (i)
            dp_buf_puts(&b, ",");
        dp_buf_puts(&b, s_busy_paths[k]);
    }
    it->paths = dp_buf_take(&b);
    it->files = n;
}

/* A generated issue or PR created at `created`, text without AMD words. */
static item_t *s_busy_item(world_t *w, long long number, int is_pr,
                           int64_t created)
{
    item_t *it = s_add_item(w);
    for (;;) {
        const char *model = S_PICK(w, s_models);
        dp_buf_t title = DP_BUF_INIT, labels = DP_BUF_INIT, body = DP_BUF_INIT;
        if (is_pr)
            s_history_pr(w, it, model, &title, &labels, &body);
        else
            s_history_issue(w, it, model, &title, &labels, &body);
        s_model_label(&labels, title.data);
        /* Plain titles only: the expected appendix writes them as they
         * are, while reports turn code spans with < > & | into <code>. */
        if (!s_amdish(title.data) && !strpbrk(title.data, "<>&|")) {
            it->title = dp_buf_take(&title);
            it->labels = dp_buf_take(&labels);
            it->body = dp_buf_take(&body);
            break;
        }
        dp_free(it->login);
        dp_free(it->assoc);
        dp_buf_free(&title);
        dp_buf_free(&labels);
        dp_buf_free(&body);
    }
    it->number = number;
    it->is_pr = is_pr;
    it->created = created;
    it->updated = created;
    it->with_pull = 0; /* the issue listing tells merges; keeps it small */
    it->reactions = (int)(s_rand(w) % 4);
    if (is_pr)
        s_busy_paths_pick(w, it);
    return it;
}

/* k comments on an item between lo and hi, by people (the author among
 * them now and then). */
static void s_busy_talk(world_t *w, const item_t *it, int k, int64_t lo,
                        int64_t hi)
{
    for (int i = 0; i < k; i++) {
        int64_t at = s_between(w, lo + 60, hi - 30);
        const char *const *who =
            s_busy_people[s_rand(w) %
                          (sizeof s_busy_people / sizeof s_busy_people[0])];
        if (i % 2 == 1 && s_pct(w, 50))
            s_add_comment(w, it->number, it->login, it->assoc, at,
                          "Thanks, trying that now.");
        else
            s_add_comment(w, it->number, who[0], who[1], at,
                          S_PICK(w, s_comment_texts));
    }
}

/* New issues and PRs opened in [from, to), with talk, reviews, closes. */
static void s_busy_new(world_t *w, long long *next, int64_t from, int64_t to,
                       int issues, int prs, int hot)
{
    int total = issues + prs;
    for (int i = 0; i < total; i++) {
        /* prs of the total are PRs, spread evenly. */
        int is_pr = (i * prs) / total != ((i + 1) * prs) / total;
        int64_t created = from + 30 + (int64_t)i * (to - from - 900) / total;
        item_t *it = s_busy_item(w, s_free_number(w, next), is_pr, created);
        if (is_pr && s_pct(w, 12)) {
            dp_free(it->login);
            dp_free(it->assoc);
            it->login = dp_strdup(S_PICK(w, s_busy_first_timers));
            it->assoc = dp_strdup("FIRST_TIME_CONTRIBUTOR");
            s_add_comment(w, it->number, "github-actions[bot]", "NONE",
                          created + 12, S_WELCOME);
        }
        int talk = 0;
        if (hot > 0)
            talk = 4 + (hot--) % 3;
        else if (s_pct(w, 35))
            talk = 1 + (int)(s_rand(w) % 3);
        s_busy_talk(w, it, talk, created, to);
        if (is_pr && s_pct(w, 35)) {
            const char *const *who = s_busy_people[s_rand(w) % 5];
            s_add_review(w, it->number, who[0], who[1],
                         S_PICK(w, s_busy_states),
                         s_between(w, created + 120, to - 20), "");
        }
        if (is_pr && s_pct(w, 15))
            s_add_review(w, it->number, "chatgpt-codex-connector[bot]", "NONE",
                         "COMMENTED", s_between(w, created + 60, to - 20),
                         "Codex found no issues.");
        if (s_pct(w, 10)) {
            it->closed = s_between(w, created + 300, to - 10);
            if (is_pr && s_pct(w, 60))
                it->merged = it->closed;
            else if (!is_pr)
                it->reason = dp_strdup("completed");
        }
    }
}

/* Items opened before the busy hour that close, merge, get closed
 * unmerged or only get talk in it. */
static void s_busy_old(world_t *w, long long *next, int64_t from, int64_t to,
                       int closed_issues, int merged, int dropped, int talk)
{
    int64_t oldest = s_t("2025-12-01T00:00:00Z");
    int64_t newest = s_t("2025-12-14T20:00:00Z");
    int total = closed_issues + merged + dropped + talk;
    for (int i = 0; i < total; i++) {
        int kind = i < closed_issues                      ? 0
                   : i < closed_issues + merged           ? 1
                   : i < closed_issues + merged + dropped ? 2
                                                          : 3;
        long long number = s_free_number(w, next);
        int64_t created = oldest + (number - 30500) * (newest - oldest) / 300;
        int is_pr = kind == 1 || kind == 2 || (kind == 3 && s_pct(w, 40));
        item_t *it = s_busy_item(w, number, is_pr, created);
        int64_t at = s_between(w, from + 60, to - 60);
        if (kind == 0) {
            it->closed = at;
            it->reason = dp_strdup(s_pct(w, 80) ? "completed" : "not_planned");
            if (s_pct(w, 60))
                s_add_comment(w, number, s_busy_people[s_rand(w) % 5][0],
                              "MEMBER", at - 40, S_PICK(w, s_comment_texts));
        } else if (kind == 1) {
            it->closed = it->merged = at;
            if (s_pct(w, 60)) {
                const char *const *who = s_busy_people[s_rand(w) % 5];
                s_add_review(w, number, who[0], who[1], "APPROVED",
                             s_between(w, from + 10, at - 10), "LGTM");
            }
        } else if (kind == 2) {
            it->closed = at;
            s_add_comment(w, number, s_busy_people[s_rand(w) % 5][0], "MEMBER",
                          at - 30, "Superseded by a fix on main; closing.");
        } else {
            s_busy_talk(w, it, 1 + (int)(s_rand(w) % 3), from, to);
            if (s_pct(w, 15))
                s_add_comment(w, number, "vllm-release-bot", "MEMBER",
                              s_between(w, from + 60, to - 60),
                              "This issue has had no activity for 14 days "
                              "and is marked stale.");
        }
    }
}

static int s_busy_active(const world_t *w, const item_t *it, int64_t from,
                         int64_t to)
{
    int64_t t[3] = {it->created, it->closed, it->merged};
    for (int i = 0; i < 3; i++)
        if (t[i] >= from && t[i] < to)
            return 1;
    for (size_t k = 0; k < w->n_comments; k++)
        if (w->comments[k].number == it->number && w->comments[k].at >= from &&
            w->comments[k].at < to)
            return 1;
    for (size_t k = 0; k < w->n_reviews; k++)
        if (w->reviews[k].number == it->number && w->reviews[k].at >= from &&
            w->reviews[k].at < to)
            return 1;
    return 0;
}

static size_t s_busy_count(const world_t *w, int64_t from, int64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < w->n_items; i++)
        n += (size_t)s_busy_active(w, &w->items[i], from, to);
    return n;
}

/* The busy dataset; returns the busy hour in *from, *to. */
static void s_busy(world_t *w, int64_t *from, int64_t *to)
{
    *from = s_t(S_BUSY_FROM);
    *to = s_t(S_BUSY_TO);
    int64_t h1 = s_t(S_BUSY_H1), h2 = s_t(S_BUSY_H2);
    s_add_specs(w, s_busy_items, sizeof s_busy_items / sizeof s_busy_items[0]);
    s_add_cspecs(w, s_busy_comments,
                 sizeof s_busy_comments / sizeof s_busy_comments[0]);
    for (size_t i = 0; i < sizeof s_busy_reviews / sizeof s_busy_reviews[0];
         i++) {
        const rspec_t *r = &s_busy_reviews[i];
        s_add_review(w, r->number, r->login, r->assoc, r->state, s_t(r->at),
                     r->body);
    }
    /* The two hours before: new items with talk of their own. */
    long long next = 31100;
    s_busy_new(w, &next, h2, h1, 12, 18, 1);
    next = 31130;
    s_busy_new(w, &next, h1, *from, 16, 24, 2);
    /* The busy hour: new items, then older ones, up to S_BUSY_ITEMS. */
    next = 31170;
    size_t hand = s_busy_count(w, *from, *to);
    int fresh = 155, old_total = (int)(S_BUSY_ITEMS - hand) - fresh;
    s_busy_new(w, &next, *from, *to, 70, 85, 3);
    long long old_next = 30500;
    int closed_issues = old_total * 25 / 90, merged = old_total * 30 / 90;
    int dropped = old_total * 10 / 90;
    s_busy_old(w, &old_next, *from, *to, closed_issues, merged, dropped,
               old_total - closed_issues - merged - dropped);
    size_t n = s_busy_count(w, *from, *to);
    if (n != S_BUSY_ITEMS) {
        fprintf(stderr, "gen: busy hour has %zu items, want %d\n", n,
                S_BUSY_ITEMS);
        abort();
    }
    /* Older history: nothing in the three hours. */
    long long anchors[] = {30800, s_t("2025-12-14T20:00:00Z"), 31099,
                           s_t("2025-12-15T03:55:00Z")};
    history_t h = {
        h2, *to, anchors, 2, 30800, 31099, 60, s_t("2025-12-15T12:00:00Z"), 10};
    s_history(w, &h);
}
