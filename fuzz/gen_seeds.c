/* gen_seeds.c - writes the msgpack seed frames of fuzz/corpus/msg/ */
/* SPDX-License-Identifier: MIT */
/*
 * Usage: fuzz_gen_seeds DIR
 *
 * Writes, for every message type, frames made by dp_msg_encode: "full"
 * (every field set, lists with items, UTF-8 and control characters,
 * extreme integers), "empty" (nil strings, empty lists, zeros) and "extra"
 * (the full frame with one field appended, which decoders must ignore).
 * The output is committed; run it again when dp_proto.def changes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"
#include "dp_proto.h"

/* msgpack array headers: fixarray up to 15 items, then array16. */
#define S_FIXARRAY 0x90u
#define S_FIXARRAY_MAX 15u
#define S_ARRAY16 0xdcu
#define S_EXTRA_FIELD                                                          \
    "\xa5later" /* fixstr "later": a field from a newer                        \
                   sender */

static void s_strs(dp_strs_t *list, const char *const *items)
{
    for (size_t i = 0; items[i]; i++)
        dp_strs_push(list, items[i]);
}

static void s_window(char **repo, int64_t *from, int64_t *to, int64_t *rev)
{
    *repo = dp_strdup("vllm-project/vllm");
    *from = 1765362540; /* 2025-12-10T10:29:00Z */
    *to = 1765366140;
    *rev = 2;
}

static void s_event(dp_event_t *ev)
{
    static const char *const labels[] = {"rocm", "bug", "ci/build", NULL};
    static const char *const files[] = {"vllm/platforms/rocm.py",
                                        "csrc/rocm/attention.cu", NULL};
    s_window(&ev->repo, &ev->win_from, &ev->win_to, &ev->revision);
    ev->id = dp_strdup("pr:30382:merged:1765363000");
    ev->kind = dp_strdup("pr_merged");
    ev->at = 1765363000;
    ev->actor = dp_strdup("dependabot[bot]");
    ev->actor_type = dp_strdup("Bot");
    ev->actor_assoc = dp_strdup("CONTRIBUTOR");
    ev->text = dp_strdup("LGTM \xe2\x9c\x85\nmerging\t(ROCm)");
    ev->review_state = dp_strdup("APPROVED");
    ev->number = 30382;
    ev->is_pr = true;
    ev->title = dp_strdup("[ROCm][Kernel] Fuse RMSNorm on MI300X \xe4\xb8\xad");
    ev->body = dp_strdup("");
    ev->url = dp_strdup("https://github.com/vllm-project/vllm/pull/30382");
    ev->author = dp_strdup("alice");
    ev->author_type = dp_strdup("User");
    ev->author_assoc = dp_strdup("FIRST_TIME_CONTRIBUTOR");
    s_strs(&ev->labels, labels);
    ev->state = dp_strdup("closed");
    ev->draft = true;
    ev->created_at = 1765000000;
    ev->updated_at = INT64_MAX;
    ev->closed_at = 1765363000;
    ev->merged_at = 1765363000;
    ev->comments = 12;
    ev->reactions = 0;
    ev->additions = 4096;
    ev->deletions = -1;
    s_strs(&ev->files, files);
}

/* Fills every field of a message of the given type. */
static void s_full(dp_msg_t *msg, dp_msg_type_t type)
{
    static const char *const problems[] = {"GET /issues: 502 after 3 retries",
                                           "", NULL};
    static const char *const topics[] = {"amd", "amd", NULL};
    static const char *const reasons[] = {"label `rocm`",
                                          "title matches `MI300X`", NULL};
    static const char *const written[] = {
        "site/vllm-project/vllm/_posts/2025-12-10-hour.md",
        "site/vllm-project/vllm/digest.json", NULL};
    memset(msg, 0, sizeof *msg);
    msg->type = type;
    switch (type) {
    case DP_MSG_COLLECT: {
        dp_collect_t *m = &msg->u.collect;
        s_window(&m->repo, &m->win_from, &m->win_to, &m->revision);
        m->tz = dp_strdup("Asia/Shanghai");
        m->lang = dp_strdup("zh");
        m->name = dp_strdup("vLLM");
        m->reply_to = dp_strdup("req-7");
        break;
    }
    case DP_MSG_EVENT:
        s_event(&msg->u.event);
        break;
    case DP_MSG_WINDOW: {
        dp_window_t *m = &msg->u.window;
        s_window(&m->repo, &m->win_from, &m->win_to, &m->revision);
        m->tz = dp_strdup("+08:00");
        m->lang = dp_strdup("en");
        m->reply_to = dp_strdup("req-7");
        m->events = 41;
        m->requests = 9;
        m->not_modified = 3;
        m->retries = 1;
        m->rl_remaining = -1;
        m->rl_limit = 5000;
        m->complete_until = INT64_MIN;
        s_strs(&m->problems, problems);
        break;
    }
    case DP_MSG_CLASSIFIED: {
        dp_classified_t *m = &msg->u.classified;
        dp_event_t ev;
        memset(&ev, 0, sizeof ev);
        s_event(&ev);
        dp_event_to_classified(&ev, m);
        dp_msg_t tmp = {.type = DP_MSG_EVENT};
        tmp.u.event = ev;
        dp_msg_clear(&tmp);
        s_strs(&m->topics, topics);
        s_strs(&m->reasons, reasons);
        m->category = dp_strdup("hardware");
        m->bot = true;
        m->hotness = 87;
        break;
    }
    case DP_MSG_DIGEST: {
        dp_digest_t *m = &msg->u.digest;
        s_window(&m->repo, &m->win_from, &m->win_to, &m->revision);
        m->lang = dp_strdup("zh");
        m->json = dp_strdup("{\"counts\":{\"new_issues\":3,\"merged_prs\":5},"
                            "\"hot\":[{\"number\":30382,\"title\":\"x\"}]}");
        break;
    }
    case DP_MSG_REPORT: {
        dp_report_t *m = &msg->u.report;
        s_window(&m->repo, &m->win_from, &m->win_to, &m->revision);
        m->reply_to = dp_strdup("req-7");
        m->path = dp_strdup(written[0]);
        s_strs(&m->files, written);
        break;
    }
    case DP_MSG_STATUS: {
        dp_status_t *m = &msg->u.status;
        s_window(&m->repo, &m->win_from, &m->win_to, &m->revision);
        m->service = dp_strdup("collector");
        m->state = dp_strdup("failed");
        m->message = dp_strdup("GitHub answered 401: bad credentials");
        break;
    }
    default:
        break;
    }
}

static int s_write(const char *dir, const char *type, const char *variant,
                   const dp_buf_t *frame)
{
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/", dir);
    for (const char *p = type; *p && n + 1 < (int)sizeof path; p++)
        path[n++] = (char)tolower((unsigned char)*p);
    snprintf(path + n, sizeof path - (size_t)n, "-%s", variant);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t wrote = fwrite(frame->data, 1, frame->len, f);
    if (fclose(f) != 0 || wrote != frame->len) {
        perror(path);
        return -1;
    }
    return 0;
}

/* The frame with one more field at the end: bumps the array header. */
static int s_extra(const dp_buf_t *frame, dp_buf_t *out)
{
    unsigned char b = (unsigned char)frame->data[0];
    unsigned char head[3];
    size_t headlen = 0, skip = 0;
    if ((b & 0xf0u) == S_FIXARRAY) {
        unsigned n = (b & 0x0fu) + 1;
        if (n <= S_FIXARRAY_MAX) {
            head[0] = (unsigned char)(S_FIXARRAY | n);
            headlen = 1;
        } else {
            head[0] = S_ARRAY16;
            head[1] = 0;
            head[2] = (unsigned char)n;
            headlen = 3;
        }
        skip = 1;
    } else if (b == S_ARRAY16) {
        unsigned n = ((unsigned char)frame->data[1] << 8 |
                      (unsigned char)frame->data[2]) +
                     1;
        head[0] = S_ARRAY16;
        head[1] = (unsigned char)(n >> 8);
        head[2] = (unsigned char)n;
        headlen = 3;
        skip = 3;
    } else {
        return -1;
    }
    dp_buf_append(out, head, headlen);
    dp_buf_append(out, frame->data + skip, frame->len - skip);
    dp_buf_append(out, S_EXTRA_FIELD, strlen(S_EXTRA_FIELD));
    return 0;
}

int main(int argc, char **argv)
{
    static const dp_msg_type_t types[] = {
        DP_MSG_COLLECT, DP_MSG_EVENT,  DP_MSG_WINDOW, DP_MSG_CLASSIFIED,
        DP_MSG_DIGEST,  DP_MSG_REPORT, DP_MSG_STATUS};
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0] && rc == 0; i++) {
        const char *name = dp_msg_type_name(types[i]);
        dp_msg_t full, empty = {.type = types[i]};
        dp_buf_t a = DP_BUF_INIT, b = DP_BUF_INIT, c = DP_BUF_INIT;
        s_full(&full, types[i]);
        if (dp_msg_encode(&full, &a) < 0 || dp_msg_encode(&empty, &b) < 0 ||
            s_extra(&a, &c) < 0 || s_write(argv[1], name, "full", &a) < 0 ||
            s_write(argv[1], name, "empty", &b) < 0 ||
            s_write(argv[1], name, "extra", &c) < 0)
            rc = 1;
        dp_buf_free(&a);
        dp_buf_free(&b);
        dp_buf_free(&c);
        dp_msg_clear(&full);
    }
    return rc;
}
