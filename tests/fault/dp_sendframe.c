/* dp_sendframe.c - sends hostile frames to a devpulse socket, for the
 * fault suite */
/* SPDX-License-Identifier: MIT */
/*
 * usage: dp-sendframe ENDPOINT KIND [COUNT] [SEED]
 * KIND: random (random bytes), huge (a msgpack frame claiming a 4 GiB
 * string), array (one claiming 2^32-1 elements), version (a well-formed
 * frame of protocol version 99), type (an unknown message type), truncated
 * (a valid EVENT cut in half), empty, multipart (three frames), window (a
 * valid WINDOW message: work for a summarizer, which stores it), digest (a
 * DIGEST of the window of "window" whose document is read from stdin: work
 * for a renderer, forged or not).
 * Connects a PUSH socket to ENDPOINT (">ipc://...") and sends COUNT frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "dp_config.h"
#include "dp_mem.h"
#include "dp_proto.h"

#define SEND_TIMEOUT_MS 2000
#define RANDOM_MAX 512
#define DIGEST_MAX (8L * 1024 * 1024) /* bytes of a document read */

static void s_valid_event(dp_buf_t *out)
{
    dp_msg_t m = {.type = DP_MSG_EVENT};
    m.u.event.repo = "vllm-project/vllm";
    m.u.event.id = "issue:1:opened:1";
    m.u.event.kind = "issue_opened";
    m.u.event.title = "a title";
    if (dp_msg_encode(&m, out) < 0)
        exit(1);
}

static void s_valid_window(dp_buf_t *out)
{
    dp_msg_t m = {.type = DP_MSG_WINDOW};
    m.u.window.repo = "vllm-project/vllm";
    m.u.window.win_from = 1765778400; /* 2025-12-15T06:00Z */
    m.u.window.win_to = 1765782000;
    m.u.window.revision = 1;
    m.u.window.events = 1; /* one that never comes: nothing is digested */
    if (dp_msg_encode(&m, out) < 0)
        exit(1);
}

/* A DIGEST whose document is stdin (at most max bytes). */
static void s_digest_stdin(dp_buf_t *out, size_t max)
{
    dp_buf_t doc = DP_BUF_INIT;
    char chunk[4096];
    size_t n;
    while (doc.len < max && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        dp_buf_append(&doc, chunk, n);
    dp_buf_append(&doc, "", 0);
    dp_msg_t m = {.type = DP_MSG_DIGEST};
    m.u.digest.repo = "vllm-project/vllm";
    m.u.digest.win_from = 1765778400;
    m.u.digest.win_to = 1765782000;
    m.u.digest.revision = 1;
    m.u.digest.json = doc.data;
    if (dp_msg_encode(&m, out) < 0)
        exit(1);
    dp_buf_free(&doc);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dp-sendframe ENDPOINT KIND [COUNT] [SEED]\n");
        return 2;
    }
    long count = 1, seed = 1;
    if ((argc > 3 && dp_parse_long(argv[3], 1, 100000, &count) < 0) ||
        (argc > 4 && dp_parse_long(argv[4], 0, 0x7fffffff, &seed) < 0)) {
        fprintf(stderr, "dp-sendframe: bad COUNT or SEED\n");
        return 2;
    }
    srand((unsigned)seed);
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int linger = SEND_TIMEOUT_MS, timeout = SEND_TIMEOUT_MS;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(push, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    const char *ep = argv[1][0] == '>' ? argv[1] + 1 : argv[1];
    if (zmq_connect(push, ep) != 0) {
        fprintf(stderr, "dp-sendframe: %s: %s\n", ep,
                zmq_strerror(zmq_errno()));
        return 1;
    }
    const char *kind = argv[2];
    int rc = 0;
    for (long i = 0; i < count && rc == 0; i++) {
        dp_buf_t f = DP_BUF_INIT;
        if (!strcmp(kind, "random")) {
            size_t n = 1 + (size_t)(rand() % RANDOM_MAX);
            for (size_t k = 0; k < n; k++) {
                unsigned char b = (unsigned char)rand();
                dp_buf_append(&f, &b, 1);
            }
        } else if (!strcmp(kind, "huge")) {
            static const unsigned char h[] = {0x93, 0x01, 0x02, 0xdb, 0xff,
                                              0xff, 0xff, 0xff, 'x'};
            dp_buf_append(&f, h, sizeof h);
        } else if (!strcmp(kind, "array")) {
            static const unsigned char a[] = {0xdd, 0xff, 0xff,
                                              0xff, 0xff, 0x01};
            dp_buf_append(&f, a, sizeof a);
        } else if (!strcmp(kind, "version") || !strcmp(kind, "type")) {
            s_valid_event(&f);
            /* [version, type, ...] after an array16 or a fixarray header. */
            size_t at = (unsigned char)f.data[0] == 0xdc ? 3 : 1;
            f.data[!strcmp(kind, "version") ? at : at + 1] = 0x63; /* 99 */
        } else if (!strcmp(kind, "truncated")) {
            s_valid_event(&f);
            f.len /= 2;
        } else if (!strcmp(kind, "window")) {
            s_valid_window(&f);
        } else if (!strcmp(kind, "digest")) {
            s_digest_stdin(&f, DIGEST_MAX);
        } else if (!strcmp(kind, "empty")) {
            dp_buf_append(&f, "", 0);
        } else if (!strcmp(kind, "multipart")) {
            zmq_send(push, "a", 1, ZMQ_SNDMORE);
            zmq_send(push, "b", 1, ZMQ_SNDMORE);
            dp_buf_append(&f, "c", 1);
        } else {
            fprintf(stderr, "dp-sendframe: unknown kind %s\n", kind);
            rc = 2;
        }
        if (rc == 0 && zmq_send(push, f.data ? f.data : "", f.len, 0) < 0) {
            fprintf(stderr, "dp-sendframe: send: %s\n",
                    zmq_strerror(zmq_errno()));
            rc = 1;
        }
        dp_buf_free(&f);
    }
    zmq_close(push);
    zmq_ctx_term(ctx);
    return rc;
}
