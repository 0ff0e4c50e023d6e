/* fuzz_msg.c - libFuzzer harness: dp_msg_decode and the encode round trip */
/* SPDX-License-Identifier: MIT */
/*
 * Any bytes go to dp_msg_decode as one frame. A refused frame must come
 * with DP_EPROTO or DP_ETOOBIG, a message in err and nothing to free. An
 * accepted one is encoded again, and that frame must decode and encode to
 * the very same bytes; a deep copy must encode to them too. The JSON view
 * and the bus subject are built on the way, and everything is freed
 * (leaks are reported by libFuzzer's LeakSanitizer).
 * Every string of an accepted frame is well-formed UTF-8. The input is
 * also sent as a title and a label: whatever its bytes, the frame the
 * encoder writes decodes, with dp_utf8_repair's text (the input itself
 * when it is valid UTF-8).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mem.h"
#include "dp_proto.h"
#include "dp_utf8.h"

#define S_ERRLEN 256
#define S_MAX_FRAME ((size_t)DP_PROTO_MAX_FRAME)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the codec: stop, so libFuzzer keeps the input. */
static void s_bug(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_msg: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* Whether a message holds no owned pointer (all bytes zero). */
static int s_is_empty(const dp_msg_t *msg)
{
    const unsigned char *p = (const unsigned char *)msg;
    for (size_t i = 0; i < sizeof *msg; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Encodes msg into a fresh buffer; the caller frees it. */
static dp_buf_t s_encode(const dp_msg_t *msg)
{
    dp_buf_t out = DP_BUF_INIT;
    if (dp_msg_encode(msg, &out) < 0)
        s_bug("a decoded message does not encode", dp_msg_type_name(msg->type));
    return out;
}

static void s_same(const dp_buf_t *a, const dp_buf_t *b, const char *what)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        s_bug(what, NULL);
}

/* Builds the JSON view and the subject, and checks they are usable. */
static char *s_views(const dp_msg_t *msg)
{
    char *json = dp_msg_to_json(msg);
    if (!json || json[0] != '{')
        s_bug("dp_msg_to_json gave no object", json);
    char *subject = dp_msg_subject(msg);
    if (!subject || !strchr(subject, '.'))
        s_bug("dp_msg_subject gave no subject", subject);
    dp_free(subject);
    return json;
}

/* ==== Every string of a decoded message is UTF-8 ==== */

static void s_check_STR(char *const *p, const char *name)
{
    if (*p && !dp_utf8_valid(*p, strlen(*p)))
        s_bug("an accepted frame holds a string that is not UTF-8", name);
}

static void s_check_I64(const int64_t *p, const char *name)
{
    (void)p;
    (void)name;
}

static void s_check_BOOL(const bool *p, const char *name)
{
    (void)p;
    (void)name;
}

static void s_check_STRS(const dp_strs_t *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        s_check_STR(&p->items[i], name);
}

#define S_CHECK_FIELD(type, name) s_check_##type(&m->name, #name);
#define S_CHECK_FN(NAME, id, lower, fields)                                    \
    static void s_check_##lower(const dp_##lower##_t *m)                       \
    {                                                                          \
        fields                                                                 \
    }
DP_PROTO_MESSAGES(S_CHECK_FN, S_CHECK_FIELD)
#undef S_CHECK_FN

static void s_check_utf8(const dp_msg_t *msg)
{
    switch (msg->type) {
#define S_CHECK_CASE(NAME, id, lower, fields)                                  \
    case DP_MSG_##NAME:                                                        \
        s_check_##lower(&msg->u.lower);                                        \
        break;
        DP_PROTO_MESSAGES(S_CHECK_CASE, S_CHECK_FIELD)
#undef S_CHECK_CASE
    default:
        s_bug("an accepted frame has an unknown type", NULL);
    }
}

/* The input as a title and a label (cut at its first NUL): the encoder
 * repairs what is not UTF-8, so the frame decodes. */
static void s_send_as_text(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    char *text =
        dp_strndup((const char *)data, nul ? (size_t)(nul - data) : size);
    char *want = dp_utf8_repair(text, strlen(text));
    dp_msg_t msg = {.type = DP_MSG_EVENT}, back;
    msg.u.event.repo = dp_strdup("o/r");
    msg.u.event.title = dp_strdup(text);
    dp_strs_push(&msg.u.event.labels, text);
    dp_buf_t frame = s_encode(&msg);
    char err[S_ERRLEN];
    if (dp_msg_decode(frame.data, frame.len, S_MAX_FRAME, &back, err,
                      sizeof err) < 0)
        s_bug("a frame encoded from any text does not decode", err);
    if (strcmp(back.u.event.title, want) != 0 ||
        strcmp(back.u.event.labels.items[0], want) != 0)
        s_bug("the encoder's repair differs from dp_utf8_repair", want);
    if (dp_utf8_valid(text, strlen(text)) && strcmp(want, text) != 0)
        s_bug("dp_utf8_repair changed valid UTF-8", text);
    dp_msg_clear(&back);
    dp_msg_clear(&msg);
    dp_buf_free(&frame);
    dp_free(want);
    dp_free(text);
}

/* EVENT carries into CLASSIFIED through dp_event_to_classified. */
static void s_classify(const dp_msg_t *msg)
{
    if (msg->type != DP_MSG_EVENT)
        return;
    dp_msg_t cl = {.type = DP_MSG_CLASSIFIED};
    dp_event_to_classified(&msg->u.event, &cl.u.classified);
    dp_buf_t frame = s_encode(&cl);
    dp_msg_t back;
    char err[S_ERRLEN];
    if (dp_msg_decode(frame.data, frame.len, S_MAX_FRAME, &back, err,
                      sizeof err) < 0)
        s_bug("a CLASSIFIED built from an EVENT does not decode", err);
    dp_msg_clear(&back);
    dp_buf_free(&frame);
    dp_msg_clear(&cl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dp_msg_t msg, again, copy;
    char err[S_ERRLEN];

    s_send_as_text(data, size);
    int rc = dp_msg_decode(data, size, S_MAX_FRAME, &msg, err, sizeof err);
    if (rc < 0) {
        if (rc != DP_EPROTO && rc != DP_ETOOBIG)
            s_bug("dp_msg_decode returned an undocumented error",
                  dp_errname(rc));
        if (err[0] == '\0')
            s_bug("dp_msg_decode refused a frame without saying why", NULL);
        if (!s_is_empty(&msg))
            s_bug("a refused frame left something in msg", err);
        return 0;
    }
    if (err[0] != '\0')
        s_bug("an accepted frame left an error message", err);
    s_check_utf8(&msg);

    /* A bound below the frame's size refuses it, whatever it holds. */
    dp_msg_t small;
    if (dp_msg_decode(data, size, size - 1, &small, err, sizeof err) !=
        DP_ETOOBIG)
        s_bug("a frame over max_len was not refused with DP_ETOOBIG", NULL);

    /* encode(decode(x)) is a fixed point of decode then encode. */
    dp_buf_t first = s_encode(&msg);
    if (dp_msg_decode(first.data, first.len, S_MAX_FRAME, &again, err,
                      sizeof err) < 0)
        s_bug("a frame that dp_msg_encode wrote does not decode", err);
    if (again.type != msg.type)
        s_bug("the round trip changed the message type", NULL);
    dp_buf_t second = s_encode(&again);
    s_same(&first, &second, "decode/encode of an encoded frame changed it");

    dp_msg_copy(&copy, &msg);
    dp_buf_t third = s_encode(&copy);
    s_same(&first, &third, "a deep copy encodes differently");

    char *json1 = s_views(&msg);
    char *json2 = s_views(&again);
    if (strcmp(json1, json2) != 0)
        s_bug("the round trip changed the JSON view", json2);
    dp_free(json1);
    dp_free(json2);
    s_classify(&msg);

    dp_buf_free(&first);
    dp_buf_free(&second);
    dp_buf_free(&third);
    dp_msg_clear(&copy);
    dp_msg_clear(&again);
    dp_msg_clear(&msg);
    dp_msg_clear(&msg); /* idempotent */
    return 0;
}
