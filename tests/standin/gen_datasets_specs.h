/* gen_datasets_specs.h - the hand-written items of the synthetic datasets */
/* SPDX-License-Identifier: MIT */

/*
 * Included once, by gen_datasets.c. Every login, number, time and text
 * here is invented for the tests and the demo; the window items of the
 * vllm-hour dataset follow the appendix of the example report.
 */

#define S_CODEX_LIMIT                                                          \
    "### 💡 Codex Review\n\nYou have reached your Codex usage limits for "   \
    "code reviews. You can see your limits in the [Codex usage "               \
    "dashboard](https://chatgpt.com/codex/settings/usage).\n\nTo continue "    \
    "using code reviews, add credits to your account and enable them for "     \
    "code reviews in your [settings](https://chatgpt.com/codex/settings/"      \
    "usage)."

#define S_WELCOME                                                              \
    "👋 Hi! Thank you for contributing to the vLLM project.\n\nNew PRs run " \
    "only the quick `fastcheck` CI. When a reviewer adds the `ready` label "   \
    "(or enables auto-merge), the full CI runs before the merge.\n\n🚀"

#define S_ISSUE_FOOTER                                                         \
    "\n\n### Before submitting a new issue...\n\n- [x] Make sure you "         \
    "already searched for relevant issues, and asked the chatbot living at "   \
    "the bottom right corner of the [documentation "                           \
    "page](https://docs.vllm.ai/en/latest/), which can answer lots of "        \
    "frequently asked questions."

/* ==== vllm-hour: 2025-12-10T10:29:00Z .. 11:29:00Z ==== */

static const spec_t s_hour_items[] = {
    /* closed in the window */
    {.number = 30382,
     .title = "[Bug]: Issues with mistralai/Ministral-3-14B-Instruct-2512",
     .login = "eltorre",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-10T08:02:11Z",
     .closed = "2025-12-10T10:47:40Z",
     .reason = "completed",
     .body = "### Your current environment\n\n```text\nvLLM 0.12.0 (pip), "
             "PyTorch 2.9.0+cu128, 1x RTX 6000 Ada 48GB, driver "
             "570.172.08\n```\n\n### 🐛 Describe the bug\n\nServing "
             "`mistralai/Ministral-3-14B-Instruct-2512` with\n\n```bash\nvllm "
             "serve mistralai/Ministral-3-14B-Instruct-2512 --tokenizer-mode "
             "mistral --config-format mistral --load-format mistral\n```\n\n"
             "the answers are much worse than the ones from Mistral's own API: "
             "the model rambles, switches language mid-sentence and sometimes "
             "never stops. The model card says to use a temperature below "
             "0.1, and I do send `temperature: 0.1`. Is this a bug in the "
             "Mistral 3 implementation?" S_ISSUE_FOOTER},
    /* new PRs */
    {.number = 30385,
     .is_pr = 1,
     .title = "[Core] Whisper support `torch.compile`",
     .login = "NickLucche",
     .assoc = "MEMBER",
     .labels = "v1",
     .created = "2025-12-10T11:11:02Z",
     .add = 164,
     .del = 38,
     .files = 5,
     .body = "## Purpose\n\nEnable `torch.compile` for Whisper. Decoder steps "
             "from the second one on are compiled and captured in CUDA "
             "graphs. The first step stays eager: it computes and caches the "
             "cross-attention KV of the encoder output, so its graph differs "
             "from every later step.\n\nThis touches the GPU model runner, so "
             "out-of-tree (OOT) model runners that subclass it may need a "
             "small change. There is no formal interface contract for them "
             "yet; please shout if this breaks yours.\n\n## Test Plan\n\n"
             "```bash\npytest tests/models/multimodal/generation/"
             "test_whisper.py -v\n```\n\n## Test Result\n\nSame WER on "
             "LibriSpeech test-clean; decode throughput up about 1.4x on one "
             "L40S at concurrency 32."},
    {.number = 30384,
     .is_pr = 1,
     .title = "[BugFix] Fix minimax m2 model rotary_dim",
     .login = "rogeryoungh",
     .assoc = "CONTRIBUTOR",
     .labels = "ready",
     .created = "2025-12-10T10:37:45Z",
     .updated = "2025-12-10T10:58:12Z",
     .add = 2,
     .del = 4,
     .files = 1,
     .body = "## Purpose\n\nSince partial rotary embeddings are supported, "
             "`MiniMaxM2Attention` passes `rotary_dim = head_dim * "
             "partial_rotary_factor` to `get_rope`, which applies "
             "`partial_rotary_factor` again, so the rotary dimension is "
             "scaled twice (64 becomes 32 for MiniMax-M2). Pass `head_dim` "
             "and let `get_rope` apply the factor once.\n\n## Test Plan\n\n"
             "`lm_eval` GSM8K 5-shot on MiniMaxAI/MiniMax-M2 with TP=8.\n\n"
             "## Test Result\n\n| | GSM8K |\n|---|---|\n| main | 0.412 |\n| "
             "this PR | 0.936 |"},
    /* closed without a merge in the window */
    {.number = 30349,
     .is_pr = 1,
     .title = "[BugFix] Fix minimax m2 model rope_parameters",
     .login = "esmeetu",
     .assoc = "CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-09T14:00:00Z",
     .closed = "2025-12-10T10:47:05Z",
     .add = 6,
     .del = 3,
     .files = 1,
     .body = "## Purpose\n\nMiniMax-M2 still reads `rope_theta` from the "
             "top-level config key, which is gone since the "
             "`rope_parameters` refactor; read it from "
             "`config.rope_parameters` instead.\n\n## Test Plan\n\nLoaded "
             "MiniMaxAI/MiniMax-M2 with TP=8 and ran a short generation."},

    /* distractors: just outside the window, none may be counted */
    {.number = 30383,
     .title = "[Usage]: How to set `max_num_batched_tokens` for chunked "
              "prefill with Qwen3-VL-8B?",
     .login = "lin-dawei",
     .assoc = "NONE",
     .labels = "usage",
     .created = "2025-12-10T10:28:59Z",
     .updated = "2025-12-10T10:29:04Z",
     .body = "### Your current environment\n\n```text\nvLLM 0.12.0, 2x "
             "A100 80GB\n```\n\n### How would you like to use vllm\n\nWith "
             "images of 2048x2048 the first request takes 9 s. Which value "
             "of `--max-num-batched-tokens` should I use with chunked "
             "prefill for Qwen3-VL-8B-Instruct?" S_ISSUE_FOOTER},
    {.number = 30386,
     .is_pr = 1,
     .title = "[Frontend] Add `--max-log-len` to the request logger of the "
              "OpenAI server",
     .login = "qiuyuan-w",
     .assoc = "CONTRIBUTOR",
     .labels = "frontend",
     .created = "2025-12-10T11:29:00Z",
     .add = 41,
     .del = 7,
     .files = 3,
     .body = "## Purpose\n\nLong prompts make the request log unreadable. "
             "Add `--max-log-len` to truncate logged prompts.\n\n## Test "
             "Plan\n\n`pytest tests/entrypoints/openai/test_serving_chat.py`"},
    {.number = 30301,
     .title = "[Bug]: CUDA graph capture fails with FlashInfer on H20 when "
              "`max_num_seqs=1024`",
     .login = "ola-gpu",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-09T03:15:22Z",
     .closed = "2025-12-10T11:29:30Z",
     .reason = "completed",
     .body = "### Your current environment\n\n```text\nvLLM 0.12.0, 8x "
             "H20\n```\n\n### 🐛 Describe the bug\n\n`vllm serve "
             "Qwen/Qwen3-32B --max-num-seqs 1024 --attention-backend "
             "FLASHINFER` fails during CUDA graph capture with `RuntimeError: "
             "CUDA error: invalid argument`." S_ISSUE_FOOTER},
    {.number = 30290,
     .is_pr = 1,
     .title = "[Kernel] Fuse SiLU-and-mul with FP8 quantization for "
              "DeepSeek-V3 MoE",
     .login = "kernel-kai",
     .assoc = "MEMBER",
     .labels = "ready,deepseek",
     .created = "2025-12-09T01:10:00Z",
     .closed = "2025-12-10T10:28:30Z",
     .merged = "2025-12-10T10:28:30Z",
     .add = 212,
     .del = 37,
     .files = 6,
     .body = "## Purpose\n\nFuse the SiLU-and-mul activation with the "
             "per-token-group FP8 quantization that follows it in the "
             "DeepSeek-V3 MoE, saving one round trip to memory.\n\n## Test "
             "Result\n\n+4.1% decode throughput on 8x H200, same GSM8K."},
    {.number = 30360,
     .is_pr = 1,
     .title = "[ROCm][CI] Skip the flaky AITER MLA test on MI300X",
     .login = "gfx942-dev",
     .assoc = "CONTRIBUTOR",
     .labels = "rocm,ci/build,ready",
     .created = "2025-12-10T02:11:40Z",
     .closed = "2025-12-10T11:30:00Z",
     .merged = "2025-12-10T11:30:00Z",
     .updated = "2025-12-10T11:30:02Z",
     .add = 3,
     .del = 0,
     .files = 1,
     .body = "## Purpose\n\n`test_aiter_mla_decode` fails about one run in "
             "ten on the MI300X CI agents; skip it there until the AITER "
             "bump lands."},
    {.number = 30381,
     .title = "[Bug]: Qwen3-Next-80B-A3B repeats tokens with MTP speculative "
              "decoding",
     .login = "wu-haoran",
     .assoc = "NONE",
     .labels = "bug,qwen,speculative-decoding",
     .created = "2025-12-10T09:47:26Z",
     .body = "### Your current environment\n\n```text\nvLLM 0.12.0, 4x "
             "H100\n```\n\n### 🐛 Describe the bug\n\nWith "
             "`--speculative-config '{\"method\": \"qwen3_next_mtp\", "
             "\"num_speculative_tokens\": 2}'` the output starts repeating "
             "the same phrase after a few hundred tokens." S_ISSUE_FOOTER},
    {.number = 30310,
     .is_pr = 1,
     .title = "[Misc] Avoid per-step tensor allocations in the sampler "
              "metadata",
     .login = "wenjie-fork",
     .assoc = "CONTRIBUTOR",
     .labels = "needs-rebase",
     .created = "2025-12-09T06:20:00Z",
     .closed = "2025-12-10T12:05:41Z",
     .add = 88,
     .del = 61,
     .files = 4,
     .body = "## Purpose\n\nReuse persistent buffers for the sampling "
             "metadata instead of allocating new tensors every step."},
};

static const cspec_t s_hour_comments[] = {
    {30382, "eltorre", "NONE", "2025-12-10T09:58:06Z",
     "Some more detail: this is through the OpenAI-compatible "
     "`/v1/chat/completions` endpoint, and the request only sets "
     "`temperature`. With `transformers` and the same prompt the output "
     "looks fine."},
    {30382, "vitush93", "CONTRIBUTOR", "2025-12-10T10:21:37Z",
     "As far as I can tell this is not a vLLM bug. vLLM uses the model's "
     "`generation_config.json` as the default sampling parameters, and the "
     "one shipped with this checkpoint is not a good default (it leaves "
     "`top_p` at 1.0), so whatever you don't set in the request comes from "
     "there. The server logs it at startup: look for \"Default sampling "
     "parameters have been overridden by the model's Hugging Face generation "
     "config\"."},
    {30382, "vitush93", "CONTRIBUTOR", "2025-12-10T10:33:52Z",
     "The Hugging Face model card recommends `top_p: 0.95` and "
     "`temperature: 0.1`. Either send both with every request, or override "
     "the defaults once on the server:\n\n```bash\nvllm serve "
     "mistralai/Ministral-3-14B-Instruct-2512 --tokenizer-mode mistral "
     "--config-format mistral --load-format mistral \\\n  "
     "--override-generation-config '{\"temperature\": 0.1, \"top_p\": "
     "0.95}'\n```"},
    {30382, "eltorre", "NONE", "2025-12-10T10:46:58Z",
     "That was it, thanks! With `--override-generation-config` the output is "
     "on par with the API. The model card only says to use a temperature "
     "below 0.1 and does not mention `top_p` at all, so I did not expect the "
     "shipped defaults to be this far off. Closing."},
    {30385, "chatgpt-codex-connector[bot]", "NONE", "2025-12-10T11:14:19Z",
     S_CODEX_LIMIT},
    {30384, "chatgpt-codex-connector[bot]", "NONE", "2025-12-10T10:41:03Z",
     S_CODEX_LIMIT},
    {30349, "esmeetu", "CONTRIBUTOR", "2025-12-10T10:46:51Z",
     "Closing in favor of #30384, which fixes the root cause in "
     "`rotary_dim`."},
    {30386, "chatgpt-codex-connector[bot]", "NONE", "2025-12-10T11:31:45Z",
     S_CODEX_LIMIT},
    {30301, "cuda-carmen", "MEMBER", "2025-12-09T09:12:40Z",
     "Can you try with `--max-cudagraph-capture-size 512`? FlashInfer's "
     "decode wrapper had a limit on the captured batch size that was lifted "
     "on main."},
    {30301, "ola-gpu", "NONE", "2025-12-10T11:28:41Z",
     "The nightly wheel from today captures all sizes up to 1024 without "
     "errors. Thanks, closing."},
    {30290, "hwchen-sh", "NONE", "2025-12-10T10:40:12Z",
     "Thanks! This gives me about 4% more decode throughput on 8x H200 with "
     "DeepSeek-V3.1."},
    {30381, "spec-dec-dan", "MEMBER", "2025-12-10T10:52:10Z",
     "Does it also happen with `num_speculative_tokens: 1`? And does "
     "`--no-enable-prefix-caching` change anything?"},
    {30381, "wu-haoran", "NONE", "2025-12-10T11:05:33Z",
     "With 1 speculative token the output is fine. With 2 or more it starts "
     "repeating after about 200 tokens, with or without prefix caching."},
    {30310, "sched-sora", "MEMBER", "2025-12-10T12:05:30Z",
     "The sampler refactor on main removed these allocations as well, so "
     "closing this one. Thanks for the investigation!"},
};

/* ==== demo: a busy hour, 2025-12-11T02:00Z .. 03:00Z ==== */

static const spec_t s_demo_items[] = {
    /* issues opened in the window */
    {.number = 30521,
     .title = "[Bug]: MI300X hangs in fused_moe when VLLM_ROCM_USE_AITER=1 "
              "with DeepSeek-V3.2",
     .login = "hip-wrangler",
     .assoc = "NONE",
     .labels = "bug,rocm,deepseek",
     .created = "2025-12-11T02:03:12Z",
     .body = "### Your current environment\n\n```text\nvLLM 0.12.0 "
             "(rocm/vllm-dev nightly 2025-12-09), ROCm 7.0.2, 8x MI300X\n"
             "```\n\n### 🐛 Describe the bug\n\n```bash\nVLLM_ROCM_USE_AITER=1 "
             "vllm serve deepseek-ai/DeepSeek-V3.2-Exp -tp 8\n```\n\nUnder "
             "load (concurrency 64) all ranks stop making progress after a "
             "few dozen requests; GPU utilization stays at 100% and the "
             "server never answers again." S_ISSUE_FOOTER},
    {.number = 30523,
     .title = "[Bug]: Qwen3-VL-32B returns empty content when `max_tokens` is "
              "reached inside the reasoning",
     .login = "mei-ling-dev",
     .assoc = "NONE",
     .labels = "bug,qwen,multi-modality",
     .created = "2025-12-11T02:07:40Z",
     .body = "### 🐛 Describe the bug\n\nWith the `qwen3` reasoning parser, "
             "if generation stops on `max_tokens` before `</think>`, "
             "`message.content` is an empty string and the reasoning is "
             "lost." S_ISSUE_FOOTER},
    {.number = 30526,
     .title = "[Feature]: Support `reasoning_effort` for gpt-oss in the "
              "Responses API",
     .login = "ivy-serving",
     .assoc = "NONE",
     .labels = "feature request,gpt-oss",
     .created = "2025-12-11T02:15:09Z",
     .body = "### 🚀 The feature, motivation and pitch\n\nThe Chat "
             "Completions endpoint accepts `reasoning_effort` for gpt-oss, "
             "but `/v1/responses` ignores `reasoning.effort`."},
    {.number = 30528,
     .title = "[Usage]: How to run Llama-4-Scout with tensor parallel 8 and "
              "expert parallel?",
     .login = "kenji-serve",
     .assoc = "NONE",
     .labels = "usage",
     .created = "2025-12-11T02:19:55Z",
     .body = "### How would you like to use vllm\n\nIs `-tp 8 "
             "--enable-expert-parallel` the right combination for "
             "Llama-4-Scout on one 8x H100 node?" S_ISSUE_FOOTER},
    {.number = 30531,
     .title = "[Performance]: TTFT regression from 0.11.2 to 0.12.0 with "
              "prefix caching on long prompts",
     .login = "bench-bob",
     .assoc = "NONE",
     .labels = "performance",
     .created = "2025-12-11T02:26:30Z",
     .body = "### Report of performance regression\n\nSame hardware (1x "
             "H100), same model (Qwen3-8B), prompts of about 12k tokens with "
             "a 90% shared prefix, concurrency 16:\n\n| version | p50 TTFT "
             "| p99 TTFT |\n|---|---|---|\n| 0.11.2 | 180 ms | 410 ms |\n| "
             "0.12.0 | 265 ms | 590 ms |"},
    {.number = 30535,
     .title = "[Bug]: `vllm serve` crashes on startup with transformers 4.58 "
              "(AttributeError: rope_scaling)",
     .login = "marco-llm",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-11T02:34:47Z",
     .closed = "2025-12-11T02:58:44Z",
     .reason = "completed",
     .body = "### 🐛 Describe the bug\n\nAfter upgrading to transformers "
             "4.58.0, every Llama-family model fails with `AttributeError: "
             "'LlamaConfig' object has no attribute "
             "'rope_scaling'`." S_ISSUE_FOOTER},
    {.number = 30539,
     .title = "[Installation]: pip install vllm pulls torch 2.9 on CUDA 12.4 "
              "machines",
     .login = "tmoreau-ml",
     .assoc = "NONE",
     .labels = "installation",
     .created = "2025-12-11T02:41:18Z",
     .body = "### How you are installing vllm\n\n`pip install vllm` on a "
             "machine with driver 550 / CUDA 12.4 installs torch 2.9.0+cu128, "
             "which then cannot initialize CUDA." S_ISSUE_FOOTER},
    {.number = 30543,
     .title = "[Doc]: The structured outputs page still mentions the removed "
              "`guided_decoding_backend` option",
     .login = "nadia-tokens",
     .assoc = "CONTRIBUTOR",
     .labels = "documentation,structured-output",
     .created = "2025-12-11T02:49:02Z",
     .body = "### 📚 The doc issue\n\nThe example still passes "
             "`guided_decoding_backend`, which was replaced by "
             "`structured_outputs_config`."},
    {.number = 30546,
     .title = "[Bug]: Whisper transcription drops the last segment when the "
              "audio is longer than 30 s",
     .login = "felix-quant",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-11T02:55:36Z",
     .body = "### 🐛 Describe the bug\n\nFor a 47 s clip, "
             "`/v1/audio/transcriptions` returns the first 30 s "
             "only." S_ISSUE_FOOTER},

    /* PRs opened in the window */
    {.number = 30520,
     .is_pr = 1,
     .title = "[ROCm] Enable FP8 KV cache for MI300 with the HIP paged "
              "attention kernel",
     .login = "gfx942-dev",
     .assoc = "CONTRIBUTOR",
     .labels = "rocm",
     .created = "2025-12-11T02:01:27Z",
     .add = 318,
     .del = 42,
     .files = 7,
     .body = "## Purpose\n\nSupport `--kv-cache-dtype fp8_e4m3` with the "
             "ROCm paged attention kernel on MI300 (gfx942), using the "
             "per-tensor scales from the checkpoint.\n\n## Test Plan\n\n"
             "`pytest tests/kernels/attention/test_attention_rocm.py`"},
    {.number = 30522,
     .is_pr = 1,
     .title = "Bump actions/checkout from 4.2.2 to 5.0.0",
     .login = "dependabot[bot]",
     .assoc = "CONTRIBUTOR",
     .labels = "dependencies,ci/build",
     .created = "2025-12-11T02:05:33Z",
     .add = 9,
     .del = 9,
     .files = 9,
     .body = "Bumps [actions/checkout](https://github.com/actions/checkout) "
             "from 4.2.2 to 5.0.0.\n\nDependabot will resolve any conflicts "
             "with this PR as long as you don't alter it yourself."},
    {.number = 30525,
     .is_pr = 1,
     .title = "[Model] Add support for GLM-4.6V",
     .login = "zai-contrib",
     .assoc = "CONTRIBUTOR",
     .labels = "new-model,multi-modality",
     .created = "2025-12-11T02:12:03Z",
     .add = 1240,
     .del = 12,
     .files = 9,
     .body = "## Purpose\n\nAdd the GLM-4.6V vision-language model.\n\n## "
             "Test Plan\n\n`pytest tests/models/multimodal/generation -k "
             "glm4_6v`"},
    {.number = 30527,
     .is_pr = 1,
     .title = "[Doc] Fix a typo in the disaggregated prefill guide",
     .login = "rahul-docs-fix",
     .assoc = "FIRST_TIME_CONTRIBUTOR",
     .labels = "documentation",
     .created = "2025-12-11T02:17:45Z",
     .closed = "2025-12-11T02:44:30Z",
     .merged = "2025-12-11T02:44:30Z",
     .add = 1,
     .del = 1,
     .files = 1,
     .body = "Fixes `kv_conector` -> `kv_connector` in the example."},
    {.number = 30529,
     .is_pr = 1,
     .title = "[Kernel] Add a Triton fallback for FP4 MoE GEMM on Hopper",
     .login = "tile-lang-fan",
     .assoc = "CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-11T02:21:10Z",
     .draft = 1,
     .add = 506,
     .del = 8,
     .files = 4,
     .body = "## Purpose\n\nWIP: lets NVFP4 MoE checkpoints run on H100 "
             "through a Triton kernel that dequantizes on the fly."},
    {.number = 30530,
     .is_pr = 1,
     .title = "[Frontend] Support `reasoning.effort` in the Responses API "
              "for gpt-oss",
     .login = "resp-api-dev",
     .assoc = "MEMBER",
     .labels = "frontend,gpt-oss",
     .created = "2025-12-11T02:24:52Z",
     .add = 57,
     .del = 11,
     .files = 3,
     .body = "## Purpose\n\nFixes #30526: pass `reasoning.effort` to the "
             "harmony system message."},
    {.number = 30532,
     .is_pr = 1,
     .title = "Update README.md",
     .login = "readme-rider",
     .assoc = "FIRST_TIME_CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-11T02:28:40Z",
     .closed = "2025-12-11T02:40:01Z",
     .add = 1,
     .del = 0,
     .files = 1,
     .body = NULL},
    {.number = 30533,
     .is_pr = 1,
     .title = "[CI] Split the distributed tests into two shards",
     .login = "ci-shepherd",
     .assoc = "MEMBER",
     .labels = "ci/build,ready",
     .created = "2025-12-11T02:30:14Z",
     .closed = "2025-12-11T02:57:03Z",
     .merged = "2025-12-11T02:57:03Z",
     .add = 34,
     .del = 12,
     .files = 1,
     .body = "The distributed job takes 71 minutes; two shards bring it "
             "under 40."},
    {.number = 30536,
     .is_pr = 1,
     .title = "[Misc] Remove the unused prompt token cache from the sampling "
              "metadata",
     .login = "cleanup-carla",
     .assoc = "FIRST_TIME_CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-11T02:36:59Z",
     .add = 3,
     .del = 27,
     .files = 2,
     .body = "## Purpose\n\nThe cached prompt tokens are never read since "
             "the V1 sampler rewrite."},
    {.number = 30537,
     .is_pr = 1,
     .title = "[Bugfix] Handle the missing `rope_scaling` attribute with "
              "transformers 4.58",
     .login = "nlp-yuki",
     .assoc = "MEMBER",
     .labels = "ready",
     .created = "2025-12-11T02:38:21Z",
     .closed = "2025-12-11T02:58:40Z",
     .merged = "2025-12-11T02:58:40Z",
     .add = 22,
     .del = 6,
     .files = 2,
     .body = "## Purpose\n\nFixes #30535: transformers 4.58 moved "
             "`rope_scaling` into `rope_parameters`; read either."},
    {.number = 30540,
     .is_pr = 1,
     .title = "[Perf] Avoid a host sync in the rejection sampler of "
              "speculative decoding",
     .login = "gpu-sync-hunter",
     .assoc = "CONTRIBUTOR",
     .labels = "performance,speculative-decoding,ready",
     .created = "2025-12-11T02:43:37Z",
     .add = 48,
     .del = 31,
     .files = 2,
     .body = "## Purpose\n\n`.item()` in the rejection sampler forced a "
             "device sync every step; keep the count on the GPU.\n\n## Test "
             "Result\n\n+6% output tokens/s with EAGLE-3 on Llama-3.1-8B."},
    {.number = 30544,
     .is_pr = 1,
     .title = "[Hardware][AMD] Use hipBLASLt for FP8 GEMM on MI325X",
     .login = "gfx942-dev",
     .assoc = "CONTRIBUTOR",
     .labels = "rocm",
     .created = "2025-12-11T02:51:15Z",
     .add = 96,
     .del = 14,
     .files = 3,
     .body = "## Purpose\n\nRoute FP8 scaled GEMMs to hipBLASLt on gfx942 "
             "when the tuned solution exists."},
    {.number = 30547,
     .is_pr = 1,
     .title = "[Bugfix] Keep the last Whisper segment when the audio exceeds "
              "30 s",
     .login = "yusuf-audio",
     .assoc = "FIRST_TIME_CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-11T02:58:20Z",
     .add = 12,
     .del = 3,
     .files = 1,
     .body = "Fixes #30546. The chunking loop skipped the remainder shorter "
             "than one chunk."},

    /* older items closed or merged in the window */
    {.number = 30388,
     .title = "[Feature]: Prometheus metric for KV cache evictions",
     .login = "svetlana-ops",
     .assoc = "NONE",
     .labels = "feature request",
     .created = "2025-12-10T12:10:33Z",
     .closed = "2025-12-11T02:46:19Z",
     .reason = "not_planned",
     .body = "### 🚀 The feature, motivation and pitch\n\nA counter of "
             "evicted KV cache blocks would help size deployments."},
    {.number = 30402,
     .is_pr = 1,
     .title = "[Kernel] Tune fused MoE configs for B200 (E=256, N=256)",
     .login = "kernel-kai",
     .assoc = "MEMBER",
     .labels = "performance,ready",
     .created = "2025-12-10T13:38:05Z",
     .closed = "2025-12-11T02:05:58Z",
     .merged = "2025-12-11T02:05:58Z",
     .add = 146,
     .del = 0,
     .files = 1,
     .body = "Tuned with `benchmarks/kernels/benchmark_moe.py --tune`."},
    {.number = 30412,
     .title = "[Bug]: Gemma-3-27B produces NaNs with float16 on T4",
     .login = "nadia-tokens",
     .assoc = "CONTRIBUTOR",
     .labels = "bug",
     .created = "2025-12-10T14:41:10Z",
     .closed = "2025-12-11T02:11:40Z",
     .reason = "completed",
     .body = "### 🐛 Describe the bug\n\nAll logits are NaN after the first "
             "few layers with `--dtype float16`." S_ISSUE_FOOTER},
    {.number = 30415,
     .is_pr = 1,
     .title = "[Model] Add a tool parser for Hunyuan-A13B",
     .login = "tool-call-ted",
     .assoc = "CONTRIBUTOR",
     .labels = "tool-calling",
     .created = "2025-12-10T15:00:12Z",
     .closed = "2025-12-11T02:14:22Z",
     .add = 233,
     .del = 0,
     .files = 3,
     .body = "Adds `hunyuan_a13b` to `--tool-call-parser`."},
    {.number = 30431,
     .title = "[Bug]: OOM when loading Kimi-K2-Instruct with expert parallel "
              "16",
     .login = "chen-yiran",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-10T16:20:45Z",
     .body = "### 🐛 Describe the bug\n\nLoading fails with CUDA OOM on "
             "2x8 H100 with `--enable-expert-parallel`." S_ISSUE_FOOTER},
    {.number = 30449,
     .is_pr = 1,
     .title = "[V1][Spec Decode] Support EAGLE-3 for Qwen3-MoE",
     .login = "spec-dec-dan",
     .assoc = "MEMBER",
     .labels = "speculative-decoding,qwen,ready,v1",
     .created = "2025-12-10T18:34:50Z",
     .closed = "2025-12-11T02:27:31Z",
     .merged = "2025-12-11T02:27:31Z",
     .add = 187,
     .del = 24,
     .files = 5,
     .body = "## Purpose\n\nEAGLE-3 drafts for Qwen3-30B-A3B and "
             "Qwen3-235B-A22B.\n\n## Test Result\n\nAcceptance length 2.9 "
             "on MT-Bench."},
    {.number = 30455,
     .title = "[Usage]: How do I silence the tokenizers parallelism "
              "warning?",
     .login = "jules-rt",
     .assoc = "NONE",
     .labels = "usage",
     .created = "2025-12-10T19:12:44Z",
     .closed = "2025-12-11T02:32:05Z",
     .reason = "completed",
     .body = "### How would you like to use vllm\n\nEvery worker prints the "
             "huggingface/tokenizers fork warning." S_ISSUE_FOOTER},
    {.number = 30461,
     .is_pr = 1,
     .title = "[Bugfix] Fix a detokenizer off-by-one with stop strings across "
              "chunk boundaries",
     .login = "li-shen-ml",
     .assoc = "CONTRIBUTOR",
     .labels = "ready",
     .created = "2025-12-10T19:50:03Z",
     .closed = "2025-12-11T02:39:12Z",
     .merged = "2025-12-11T02:39:12Z",
     .add = 29,
     .del = 8,
     .files = 2,
     .body = "A stop string split across two streamed chunks left its first "
             "character in the output."},
    {.number = 30470,
     .title = "[Bug]: OOM when loading Kimi-K2-Thinking with expert parallel "
              "16",
     .login = "ahmed-batch",
     .assoc = "NONE",
     .labels = "bug",
     .created = "2025-12-10T20:47:31Z",
     .closed = "2025-12-11T02:23:50Z",
     .reason = "duplicate",
     .body = "### 🐛 Describe the bug\n\nSame as the title; 16x "
             "H100." S_ISSUE_FOOTER},
    {.number = 30479,
     .is_pr = 1,
     .title = "[Misc] Add a `--debug-dump-scheduler` flag",
     .login = "sched-intern",
     .assoc = "FIRST_TIME_CONTRIBUTOR",
     .labels = "",
     .created = "2025-12-10T21:43:00Z",
     .closed = "2025-12-11T02:35:10Z",
     .add = 64,
     .del = 2,
     .files = 3,
     .body = "Dumps the scheduler output of every step to a JSON file."},
    {.number = 30497,
     .is_pr = 1,
     .title = "[CI/Build] Require CMake 3.26 or newer",
     .login = "ci-shepherd",
     .assoc = "MEMBER",
     .labels = "ci/build,ready",
     .created = "2025-12-10T23:37:20Z",
     .closed = "2025-12-11T02:50:48Z",
     .merged = "2025-12-11T02:50:48Z",
     .add = 4,
     .del = 4,
     .files = 2,
     .body = "Needed for the CUDA 13 toolchain detection."},
};

static const cspec_t s_demo_comments[] = {
    /* hot discussion 1: the MI300X hang (9 comments) */
    {30521, "gfx942-dev", "CONTRIBUTOR", "2025-12-11T02:09:14Z",
     "@hip-wrangler can you share the exact ROCm and AITER versions? We saw "
     "a similar hang with older AITER builds when the MoE block size was "
     "256."},
    {30521, "hip-wrangler", "NONE", "2025-12-11T02:13:40Z",
     "ROCm 7.0.2, AITER built from main of 2025-12-08, image "
     "rocm/vllm-dev:nightly of 2025-12-09. It hangs after about 40 requests "
     "at concurrency 64, never at concurrency 8."},
    {30521, "amd-mi-ops", "MEMBER", "2025-12-11T02:18:05Z",
     "I can reproduce it on 8x MI300X with TP=8. py-spy shows every rank "
     "waiting in the custom all-reduce right after `fused_moe`, so one rank "
     "is stuck inside the MoE kernel."},
    {30521, "hip-wrangler", "NONE", "2025-12-11T02:24:22Z",
     "`VLLM_ROCM_USE_AITER_MOE=0` makes it go away, but throughput drops by "
     "about 18%."},
    {30521, "gfx942-dev", "CONTRIBUTOR", "2025-12-11T02:31:07Z",
     "That narrows it down to the AITER fused MoE path. Does it still hang "
     "with `--max-num-batched-tokens 8192`? The large-M tiles changed last "
     "week."},
    {30521, "hip-wrangler", "NONE", "2025-12-11T02:37:51Z",
     "With 8192 it served 2000 requests without a hang. With the default "
     "16384 it hangs again."},
    {30521, "amd-mi-ops", "MEMBER", "2025-12-11T02:44:29Z",
     "Thanks, that matches a known problem in the large-M tiling of the "
     "AITER MoE kernel. The fix is in AITER main; we will bump the pinned "
     "AITER commit in `docker/Dockerfile.rocm_base`."},
    {30521, "kv-cache-kid", "NONE", "2025-12-11T02:50:16Z",
     "+1, same hang on MI325X with Qwen3-235B-A22B-FP8. The "
     "`--max-num-batched-tokens 8192` workaround works here too."},
    {30521, "gfx942-dev", "CONTRIBUTOR", "2025-12-11T02:57:02Z",
     "Workaround until the bump lands: `--max-num-batched-tokens 8192`, or "
     "`VLLM_ROCM_USE_AITER_MOE=0` if you can afford the throughput."},

    /* hot discussion 2: the TTFT regression (7 comments) */
    {30531, "latency-lena", "MEMBER", "2025-12-11T02:33:18Z",
     "Thanks for the numbers. Is prefix caching on by default in both runs? "
     "0.12.0 switched the prefix cache hash to sha256."},
    {30531, "bench-bob", "NONE", "2025-12-11T02:36:44Z",
     "Default settings in both versions, so yes. Prompts are about 12k "
     "tokens with a 90% shared prefix."},
    {30531, "latency-lena", "MEMBER", "2025-12-11T02:40:27Z",
     "Can you try `--prefix-caching-hash-algo builtin`? If that restores "
     "TTFT, it's the hashing cost on long prompts."},
    {30531, "bench-bob", "NONE", "2025-12-11T02:47:09Z",
     "`builtin` brings p50 back to 188 ms, so that's most of it."},
    {30531, "hash-hacker", "CONTRIBUTOR", "2025-12-11T02:49:55Z",
     "sha256 over 12k tokens should not cost 80 ms. I suspect we serialize "
     "the whole parent chain for every block instead of chaining the "
     "digests. Looking."},
    {30531, "hash-hacker", "CONTRIBUTOR", "2025-12-11T02:55:31Z",
     "Confirmed: the block hash pickles the parent hash and all extra keys "
     "for every block. A draft fix cuts hashing time about 15x in a "
     "microbenchmark; PR coming."},
    {30531, "latency-lena", "MEMBER", "2025-12-11T02:58:47Z",
     "Nice find. Let's keep sha256 as the default and make it fast; please "
     "link the PR here."},

    /* other window activity */
    {30520, "amd-mi-ops", "MEMBER", "2025-12-11T02:40:10Z",
     "Thanks! Could you add MI300X numbers for `--kv-cache-dtype fp8_e4m3` "
     "against `auto`?"},
    {30520, "gfx942-dev", "CONTRIBUTOR", "2025-12-11T02:47:33Z",
     "Added to the description: 22% higher max concurrency at 128k context, "
     "decode latency within 2%."},
    {30527, "github-actions[bot]", "NONE", "2025-12-11T02:17:58Z", S_WELCOME},
    {30527, "docs-dora", "CONTRIBUTOR", "2025-12-11T02:43:55Z",
     "LGTM, thanks for the fix!"},
    {30530, "sched-sora", "MEMBER", "2025-12-11T02:52:40Z",
     "Could you add a test under `tests/entrypoints/openai/responses`?"},
    {30532, "github-actions[bot]", "NONE", "2025-12-11T02:28:52Z", S_WELCOME},
    {30532, "ci-shepherd", "MEMBER", "2025-12-11T02:39:48Z",
     "This only adds a blank line to the README, so closing. Issues "
     "labeled `good first issue` are a great place to start!"},
    {30536, "github-actions[bot]", "NONE", "2025-12-11T02:37:10Z", S_WELCOME},
    {30537, "sched-sora", "MEMBER", "2025-12-11T02:55:14Z",
     "LGTM. Merging now, since #30535 blocks everyone on transformers "
     "4.58."},
    {30547, "github-actions[bot]", "NONE", "2025-12-11T02:58:31Z", S_WELCOME},
    {30388, "sched-sora", "MEMBER", "2025-12-11T02:46:02Z",
     "`vllm:kv_cache_usage_perc` and the prefix cache metrics cover this; "
     "an eviction counter would be expensive to keep exact. Closing as not "
     "planned."},
    {30412, "attn-arjun", "CONTRIBUTOR", "2025-12-11T02:11:02Z",
     "Gemma 3 overflows in float16, and T4 has no bfloat16, so use "
     "`--dtype float32` there. vLLM now warns about this at startup."},
    {30415, "sched-sora", "MEMBER", "2025-12-11T02:14:05Z",
     "Thanks! A parser for this model landed last week, so closing this "
     "one."},
    {30431, "ahmed-batch", "NONE", "2025-12-11T02:26:12Z",
     "Same OOM with Kimi-K2-Thinking (I opened #30470 before finding this). "
     "Lowering `--gpu-memory-utilization` to 0.85 lets it load."},
    {30455, "docs-dora", "CONTRIBUTOR", "2025-12-11T02:31:40Z",
     "Set `TOKENIZERS_PARALLELISM=false` in the environment of the server; "
     "the warning is harmless."},
    {30470, "moe-mohan", "CONTRIBUTOR", "2025-12-11T02:23:31Z",
     "Duplicate of #30431, which has a workaround."},
    {30479, "sched-sora", "MEMBER", "2025-12-11T02:34:51Z",
     "Thanks for the PR! We'd rather not add a flag for this: "
     "`VLLM_LOGGING_LEVEL=DEBUG` already logs the scheduler output. Happy "
     "to review an improvement of that log instead."},
};
