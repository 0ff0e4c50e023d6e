/* bench_proto.c - codec speed: dp_msg encode/decode against bare msgpack-c */
/* SPDX-License-Identifier: MIT */
/*
 * Prints the cost of one EVENT through the devpulse codec (encode, then the
 * checked decode into owned structs) beside a baseline in the same run: the
 * same fields packed and unpacked with msgpack-c alone, no checks, no
 * copies. The ratio is the price of the pre-check and of owning the fields.
 */
#include <msgpack.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dp_proto.h"

#define BENCH_ROUNDS 200000

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_fill(dp_msg_t *m)
{
    static char *labels[] = {"bug", "rocm", "ready"};
    memset(m, 0, sizeof *m);
    m->type = DP_MSG_EVENT;
    dp_event_t *e = &m->u.event;
    e->repo = "vllm-project/vllm";
    e->win_from = 1765362540;
    e->win_to = 1765366140;
    e->revision = 1;
    e->id = "issue:30382:closed:1765363660";
    e->kind = "issue_closed";
    e->at = 1765363660;
    e->number = 30382;
    e->title = "[Bug]: Issues with mistralai/Ministral-3-14B-Instruct-2512";
    e->body = "Model generates poor output with default sampling parameters; "
              "the model card suggests temperature below 0.1.";
    e->url = "https://github.com/vllm-project/vllm/issues/30382";
    e->author = "eltorre";
    e->author_type = "User";
    e->author_assoc = "NONE";
    e->labels.items = labels;
    e->labels.count = 3;
    e->state = "closed";
    e->created_at = 1765353731;
    e->updated_at = 1765363700;
    e->closed_at = 1765363660;
    e->comments = 4;
}

static int s_write(void *data, const char *buf, size_t len)
{
    dp_buf_append((dp_buf_t *)data, buf, len);
    return 0;
}

/* The baseline: the same values through msgpack-c with nothing else. */
static size_t s_baseline(const dp_event_t *e, dp_buf_t *buf)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, buf, s_write);
    const char *strs[] = {e->repo,         e->id,   e->kind,   e->title,
                          e->body,         e->url,  e->author, e->author_type,
                          e->author_assoc, e->state};
    int64_t ints[] = {e->win_from,   e->win_to,    e->revision,
                      e->at,         e->number,    e->created_at,
                      e->updated_at, e->closed_at, e->comments};
    msgpack_pack_array(&pk, 10 + 9 + 1);
    for (size_t i = 0; i < 10; i++) {
        msgpack_pack_str(&pk, strlen(strs[i]));
        msgpack_pack_str_body(&pk, strs[i], strlen(strs[i]));
    }
    for (size_t i = 0; i < 9; i++)
        msgpack_pack_int64(&pk, ints[i]);
    msgpack_pack_array(&pk, e->labels.count);
    for (size_t i = 0; i < e->labels.count; i++) {
        msgpack_pack_str(&pk, strlen(e->labels.items[i]));
        msgpack_pack_str_body(&pk, e->labels.items[i],
                              strlen(e->labels.items[i]));
    }
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    msgpack_unpack_next(&up, buf->data, buf->len, &off);
    size_t n = up.data.via.array.size;
    msgpack_unpacked_destroy(&up);
    return n;
}

int main(void)
{
    dp_msg_t m;
    s_fill(&m);
    dp_buf_t buf = DP_BUF_INIT;
    char err[256];
    size_t sink = 0;

    double t0 = s_now();
    for (int i = 0; i < BENCH_ROUNDS; i++) {
        dp_buf_reset(&buf);
        sink += s_baseline(&m.u.event, &buf);
    }
    double base = (s_now() - t0) / BENCH_ROUNDS * 1e9;

    t0 = s_now();
    for (int i = 0; i < BENCH_ROUNDS; i++) {
        dp_buf_reset(&buf);
        if (dp_msg_encode(&m, &buf) < 0)
            return 1;
        dp_msg_t out;
        if (dp_msg_decode(buf.data, buf.len, DP_PROTO_MAX_FRAME, &out, err,
                          sizeof err) < 0) {
            fprintf(stderr, "decode: %s\n", err);
            return 1;
        }
        sink += out.u.event.labels.count;
        dp_msg_clear(&out);
    }
    double ours = (s_now() - t0) / BENCH_ROUNDS * 1e9;
    size_t frame = buf.len;

    printf("bench_proto: EVENT of %zu bytes, %d rounds (checksum %zu)\n", frame,
           BENCH_ROUNDS, sink);
    printf("  baseline msgpack-c pack+unpack : %8.0f ns/msg\n", base);
    printf("  dp_msg encode+checked decode   : %8.0f ns/msg (%.2fx baseline, "
           "%.0f msgs/s)\n",
           ours, ours / base, 1e9 / ours);
    printf("proto_msgpack_ns_per_msg: %.0f ns\n", base);
    printf("proto_codec_ns_per_msg: %.0f ns\n", ours);
    printf("proto_codec_vs_msgpack: %.2f ratio\n", ours / base);
    dp_buf_free(&buf);
    return 0;
}
