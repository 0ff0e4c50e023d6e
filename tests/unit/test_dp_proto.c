/* test_dp_proto.c - unit tests for the bus messages and their msgpack codec */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_json.h"
#include "dp_mem.h"
#include "dp_proto.h"

#define ERRLEN 256
#define NO_FIELD SIZE_MAX

/* Rotating variants give every field every kind of value (see s_fill_*);
 * the FULL variant gives every field a non-default value of its own. */
#define VARIANTS 20
#define VARIANT_FULL (-1)

/* ==== Allocation watch (AddressSanitizer builds only) ==== */

/* Under ASan a malloc hook records the largest single allocation, so the
 * tests can show that a frame claiming 4 GiB is refused without allocating
 * anything of that size. Other builds check only that it is refused fast. */
#if defined(__SANITIZE_ADDRESS__)
#define T_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_HAVE_ASAN 1
#endif
#endif

static volatile int s_watching;
static volatile size_t s_biggest_alloc;
static volatile size_t s_alloc_count;

#ifdef T_HAVE_ASAN
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

static void s_malloc_hook(const volatile void *ptr, size_t size)
{
    (void)ptr;
    if (!s_watching)
        return;
    s_alloc_count++;
    if (size > s_biggest_alloc)
        s_biggest_alloc = size;
}

static void s_free_hook(const volatile void *ptr)
{
    (void)ptr;
}
#endif

static int s_group_setup(void **state)
{
    (void)state;
#ifdef T_HAVE_ASAN
    if (__sanitizer_install_malloc_and_free_hooks(s_malloc_hook, s_free_hook) ==
        0)
        return -1;
#endif
    return 0;
}

static void s_watch_start(void)
{
    s_biggest_alloc = 0;
    s_alloc_count = 0;
    s_watching = 1;
}

static void s_watch_stop(void)
{
    s_watching = 0;
}

/* ==== Message tables, expanded from dp_proto.def ==== */

typedef enum { T_STR, T_I64, T_BOOL, T_STRS } s_ftype_t;

typedef struct {
    dp_msg_type_t type;
    const char *name;          /* "EVENT" */
    const char *const *fields; /* field names in wire order */
    const s_ftype_t *types;    /* field types in wire order */
    size_t nfields;
} s_def_t;

#define T_FNAME(type, name) #name,
#define T_FTYPE(type, name) T_##type,
#define T_NAMES(NAME, id, lower, fields)                                       \
    static const char *const s_names_##lower[] = {fields};
#define T_TYPES(NAME, id, lower, fields)                                       \
    static const s_ftype_t s_types_##lower[] = {fields};
DP_PROTO_MESSAGES(T_NAMES, T_FNAME)
DP_PROTO_MESSAGES(T_TYPES, T_FTYPE)
#undef T_NAMES
#undef T_TYPES

#define T_ENTRY(NAME, id, lower, fields)                                       \
    {DP_MSG_##NAME, #NAME, s_names_##lower, s_types_##lower,                   \
     sizeof s_names_##lower / sizeof s_names_##lower[0]},
static const s_def_t s_defs[] = {DP_PROTO_MESSAGES(T_ENTRY, T_FNAME)};
#undef T_ENTRY
#define NDEFS (sizeof s_defs / sizeof s_defs[0])

static const s_def_t *s_def(dp_msg_type_t type)
{
    for (size_t i = 0; i < NDEFS; i++)
        if (s_defs[i].type == type)
            return &s_defs[i];
    fail_msg("no definition for type %d", (int)type);
    return NULL;
}

static size_t s_field_index(dp_msg_type_t type, const char *name)
{
    const s_def_t *def = s_def(type);
    for (size_t i = 0; i < def->nfields; i++)
        if (!strcmp(def->fields[i], name))
            return i;
    fail_msg("%s has no field %s", def->name, name);
    return NO_FIELD;
}

static int s_max_type_id(void)
{
    int max = 0;
    for (size_t i = 0; i < NDEFS; i++)
        if ((int)s_defs[i].type > max)
            max = (int)s_defs[i].type;
    return max;
}

/* ==== Filling messages ==== */

/* A string of n bytes of c, owned by the caller. */
static char *s_repeat(char c, size_t n)
{
    char *s = dp_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* A list of n copies of item, built at once (dp_strs_push grows the list
 * one item at a time). */
static void s_long_list(dp_strs_t *list, size_t n, const char *item)
{
    list->items = dp_calloc(n, sizeof *list->items);
    for (list->count = 0; list->count < n; list->count++)
        list->items[list->count] = dp_strdup(item);
}

static void s_fill_STR(char **p, const char *name, int variant, int k)
{
    if (variant == VARIANT_FULL) {
        *p = dp_asprintf("%s-%d ✓ 名字 \"q\" \\ \t end", name, k);
        return;
    }
    switch ((k + variant) % 5) {
    case 0:
        *p = NULL;
        break;
    case 1:
        *p = dp_strdup("");
        break;
    case 2:
        *p = dp_asprintf("%d", k);
        break;
    case 3:
        *p = dp_asprintf("%s «ünïcödé» 🚀 %d", name, variant);
        break;
    default: /* long enough for str16 */
        *p = s_repeat((char)('a' + k % 26), 300);
        break;
    }
}

static void s_fill_I64(int64_t *p, const char *name, int variant, int k)
{
    (void)name;
    static const int64_t kinds[] = {
        INT64_MIN, INT64_MAX, -1,           -129,          127,
        128,       65536,     4294967296LL, -2147483649LL, 1765362540};
    if (variant == VARIANT_FULL) {
        *p = (k % 2 ? -1 : 1) * 1000003LL * (k + 1);
        return;
    }
    *p = kinds[(size_t)(k + variant) % (sizeof kinds / sizeof kinds[0])];
}

static void s_fill_BOOL(bool *p, const char *name, int variant, int k)
{
    (void)name;
    *p = variant == VARIANT_FULL || (k + variant) % 2 == 0;
}

static void s_fill_STRS(dp_strs_t *p, const char *name, int variant, int k)
{
    memset(p, 0, sizeof *p);
    int kind = variant == VARIANT_FULL ? 4 : (k + variant) % 4;
    switch (kind) {
    case 0: /* empty */
        break;
    case 1:
        dp_strs_push(p, "");
        break;
    case 2:
        dp_strs_push(p, "a");
        dp_strs_push(p, "名字");
        dp_strs_push(p, name);
        break;
    case 3: /* array16 */
        for (int i = 0; i < 20; i++) {
            char item[32];
            snprintf(item, sizeof item, "item-%d-%d", k, i);
            dp_strs_push(p, item);
        }
        break;
    default:
        for (int i = 0; i <= k % 3; i++) {
            char *item = dp_asprintf("%s[%d]", name, i);
            dp_strs_push(p, item);
            dp_free(item);
        }
        break;
    }
}

#define T_FILL_FIELD(type, name) s_fill_##type(&m->name, #name, variant, k++);
#define T_FILL_FN(NAME, id, lower, fields)                                     \
    static void s_fill_##lower(dp_##lower##_t *m, int variant)                 \
    {                                                                          \
        int k = 0;                                                             \
        fields;                                                                \
        (void)k;                                                               \
    }
DP_PROTO_MESSAGES(T_FILL_FN, T_FILL_FIELD)
#undef T_FILL_FN

/* Fills msg with a message of the given type; dp_msg_clear frees it. */
static void s_fill(dp_msg_t *msg, dp_msg_type_t type, int variant)
{
    memset(msg, 0, sizeof *msg);
    msg->type = type;
    switch (type) {
#define T_FILL_CASE(NAME, id, lower, fields)                                   \
    case DP_MSG_##NAME:                                                        \
        s_fill_##lower(&msg->u.lower, variant);                                \
        break;
        DP_PROTO_MESSAGES(T_FILL_CASE, T_FILL_FIELD)
#undef T_FILL_CASE
    default:
        fail_msg("cannot fill type %d", (int)type);
    }
}

/* ==== Comparing messages field by field ==== */

static void s_same_STR(char *const *a, char *const *b, const char *name)
{
    if (!*a || !*b) {
        if (*a != *b)
            fail_msg("field %s: \"%s\" vs \"%s\"", name, *a ? *a : "(null)",
                     *b ? *b : "(null)");
        return;
    }
    if (strcmp(*a, *b) != 0)
        fail_msg("field %s: \"%s\" vs \"%s\"", name, *a, *b);
}

static void s_same_I64(const int64_t *a, const int64_t *b, const char *name)
{
    if (*a != *b)
        fail_msg("field %s: %lld vs %lld", name, (long long)*a, (long long)*b);
}

static void s_same_BOOL(const bool *a, const bool *b, const char *name)
{
    if (*a != *b)
        fail_msg("field %s: %d vs %d", name, *a, *b);
}

static void s_same_STRS(const dp_strs_t *a, const dp_strs_t *b,
                        const char *name)
{
    if (a->count != b->count)
        fail_msg("field %s: %zu vs %zu items", name, a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        s_same_STR(&a->items[i], &b->items[i], name);
}

#define T_SAME_FIELD(type, name) s_same_##type(&x->name, &y->name, #name);
#define T_SAME_FN(NAME, id, lower, fields)                                     \
    static void s_same_##lower(const dp_##lower##_t *x,                        \
                               const dp_##lower##_t *y)                        \
    {                                                                          \
        fields                                                                 \
    }
DP_PROTO_MESSAGES(T_SAME_FN, T_SAME_FIELD)
#undef T_SAME_FN

static void s_assert_msg_equal(const dp_msg_t *a, const dp_msg_t *b)
{
    assert_int_equal(a->type, b->type);
    switch (a->type) {
#define T_SAME_CASE(NAME, id, lower, fields)                                   \
    case DP_MSG_##NAME:                                                        \
        s_same_##lower(&a->u.lower, &b->u.lower);                              \
        break;
        DP_PROTO_MESSAGES(T_SAME_CASE, T_SAME_FIELD)
#undef T_SAME_CASE
    default:
        fail_msg("unknown type %d", (int)a->type);
    }
}

/* No string of a copy may share memory with the original. */
static void s_apart_STR(char *const *a, char *const *b, const char *name)
{
    if (*a && *a == *b)
        fail_msg("field %s shares its string", name);
}

static void s_apart_I64(const int64_t *a, const int64_t *b, const char *name)
{
    (void)a;
    (void)b;
    (void)name;
}

static void s_apart_BOOL(const bool *a, const bool *b, const char *name)
{
    (void)a;
    (void)b;
    (void)name;
}

static void s_apart_STRS(const dp_strs_t *a, const dp_strs_t *b,
                         const char *name)
{
    if (a->items && a->items == b->items)
        fail_msg("field %s shares its list", name);
    for (size_t i = 0; i < a->count && i < b->count; i++)
        s_apart_STR(&a->items[i], &b->items[i], name);
}

#define T_APART_FIELD(type, name) s_apart_##type(&x->name, &y->name, #name);
#define T_APART_FN(NAME, id, lower, fields)                                    \
    static void s_apart_##lower(const dp_##lower##_t *x,                       \
                                const dp_##lower##_t *y)                       \
    {                                                                          \
        fields                                                                 \
    }
DP_PROTO_MESSAGES(T_APART_FN, T_APART_FIELD)
#undef T_APART_FN

static void s_assert_msg_apart(const dp_msg_t *a, const dp_msg_t *b)
{
    switch (a->type) {
#define T_APART_CASE(NAME, id, lower, fields)                                  \
    case DP_MSG_##NAME:                                                        \
        s_apart_##lower(&a->u.lower, &b->u.lower);                             \
        break;
        DP_PROTO_MESSAGES(T_APART_CASE, T_APART_FIELD)
#undef T_APART_CASE
    default:
        fail_msg("unknown type %d", (int)a->type);
    }
}

/* ==== Frames ==== */

static void s_encode(const dp_msg_t *msg, dp_buf_t *frame)
{
    dp_buf_reset(frame);
    assert_int_equal(dp_msg_encode(msg, frame), 0);
    assert_true(frame->len > 0);
}

/* Encodes a filled message of the given type and variant. */
static void s_frame_of(dp_msg_type_t type, int variant, dp_buf_t *frame)
{
    dp_msg_t msg;
    s_fill(&msg, type, variant);
    s_encode(&msg, frame);
    dp_msg_clear(&msg);
}

static int s_pack_write(void *data, const char *buf, size_t len)
{
    dp_buf_append((dp_buf_t *)data, buf, len);
    return 0;
}

static void s_packer(msgpack_packer *pk, dp_buf_t *out)
{
    msgpack_packer_init(pk, out, s_pack_write);
}

static void s_pack_cstr(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

typedef void (*s_put_fn)(msgpack_packer *pk);

static void s_put_nil(msgpack_packer *pk)
{
    msgpack_pack_nil(pk);
}

/* Re-packs a frame's top-level array keeping its first `keep` elements, with
 * element `at` (an index into the array, or NO_FIELD) written by put. */
static void s_repack(const dp_buf_t *frame, size_t keep, size_t at,
                     s_put_fn put, dp_buf_t *out)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, frame->data, frame->len, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(up.data.type, MSGPACK_OBJECT_ARRAY);
    assert_true(keep <= up.data.via.array.size);
    dp_buf_reset(out);
    msgpack_packer pk;
    s_packer(&pk, out);
    msgpack_pack_array(&pk, keep);
    for (size_t i = 0; i < keep; i++) {
        if (i == at)
            put(&pk);
        else
            msgpack_pack_object(&pk, up.data.via.array.ptr[i]);
    }
    msgpack_unpacked_destroy(&up);
}

/* Decodes a frame that must be refused with want: the error is one
 * non-empty line and the message holds nothing. */
static void s_expect_reject(const void *data, size_t len, size_t max_len,
                            int want)
{
    dp_msg_t msg;
    memset(&msg, 0xa5, sizeof msg);
    char err[ERRLEN];
    snprintf(err, sizeof err, "stale");
    int rc = dp_msg_decode(data, len, max_len, &msg, err, sizeof err);
    if (rc == 0)
        dp_msg_clear(&msg);
    assert_int_equal(rc, want);
    assert_true(err[0] != '\0');
    assert_string_not_equal(err, "stale");
    assert_null(strchr(err, '\n'));
    static const dp_msg_t zero;
    assert_memory_equal(&msg, &zero, sizeof msg);
}

/* Decodes a frame that must be accepted; the caller clears msg. */
static void s_expect_accept(const void *data, size_t len, dp_msg_t *msg)
{
    char err[ERRLEN] = "";
    int rc = dp_msg_decode(data, len, DP_PROTO_MAX_FRAME, msg, err, sizeof err);
    if (rc != 0)
        fail_msg("refused (%s): %s", dp_errname(rc), err);
}

/* ==== Round trips ==== */

static void s_round_trip(dp_msg_type_t type, int variant)
{
    dp_msg_t msg, back;
    dp_buf_t frame = DP_BUF_INIT;
    s_fill(&msg, type, variant);
    s_encode(&msg, &frame);
    s_expect_accept(frame.data, frame.len, &back);
    s_assert_msg_equal(&msg, &back);
    /* Encoding again gives the same bytes. */
    dp_buf_t again = DP_BUF_INIT;
    s_encode(&back, &again);
    assert_int_equal(again.len, frame.len);
    assert_memory_equal(again.data, frame.data, frame.len);
    dp_buf_free(&again);
    dp_buf_free(&frame);
    dp_msg_clear(&back);
    dp_msg_clear(&msg);
}

static void test_every_message_round_trips_with_non_default_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++)
        s_round_trip(s_defs[i].type, VARIANT_FULL);
}

static void test_decode_keeps_empty_strings_apart_from_none(void **state)
{
    (void)state;
    /* A msgpack str of 0 bytes is "", and nil is NULL ("none"): an empty
     * title or label must not turn into none, nor make the frame invalid. */
    static const unsigned char status[] = {0x9a, 0x01, 0x07, 0xa0, 0x00, 0x00,
                                           0x00, 0xa0, 0xc0, 0xa0, 0xa0};
    dp_msg_t msg;
    s_expect_accept(status, sizeof status, &msg);
    assert_non_null(msg.u.status.repo);
    assert_string_equal(msg.u.status.repo, "");
    assert_non_null(msg.u.status.reply_to);
    assert_string_equal(msg.u.status.reply_to, "");
    assert_null(msg.u.status.service);
    assert_non_null(msg.u.status.message);
    dp_msg_clear(&msg);

    dp_msg_t ev = {.type = DP_MSG_EVENT}, back;
    ev.u.event.repo = dp_strdup("o/r");
    ev.u.event.title = dp_strdup("");
    dp_strs_push(&ev.u.event.labels, "");
    dp_strs_push(&ev.u.event.labels, "bug");
    dp_buf_t frame = DP_BUF_INIT;
    s_encode(&ev, &frame);
    s_expect_accept(frame.data, frame.len, &back);
    assert_non_null(back.u.event.title);
    assert_string_equal(back.u.event.title, "");
    assert_null(back.u.event.body);
    assert_int_equal(back.u.event.labels.count, 2);
    assert_string_equal(back.u.event.labels.items[0], "");
    assert_string_equal(back.u.event.labels.items[1], "bug");
    dp_msg_clear(&back);
    dp_msg_clear(&ev);
    dp_buf_free(&frame);
}

static void
test_every_message_round_trips_nulls_empties_and_extremes(void **state)
{
    (void)state;
    /* Over the variants each field is NULL, "", short, UTF-8 and long;
     * INT64_MIN, INT64_MAX and every msgpack integer width; true and false;
     * an empty, one-item and 20-item list. */
    for (size_t i = 0; i < NDEFS; i++)
        for (int v = 0; v < VARIANTS; v++)
            s_round_trip(s_defs[i].type, v);
}

static void test_every_message_round_trips_when_zeroed(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_msg_t msg = {.type = s_defs[i].type}, back;
        dp_buf_t frame = DP_BUF_INIT;
        s_encode(&msg, &frame);
        s_expect_accept(frame.data, frame.len, &back);
        s_assert_msg_equal(&msg, &back);
        dp_msg_clear(&back);
        dp_buf_free(&frame);
    }
}

static void test_round_trip_keeps_large_strings_and_lists(void **state)
{
    (void)state;
    /* str32 and array32 encodings, right at the decoder's bounds. */
    dp_msg_t msg = {.type = DP_MSG_REPORT}, back;
    msg.u.report.repo = dp_strdup("vllm-project/vllm");
    msg.u.report.path = s_repeat('p', 8u * 1024u * 1024u); /* 8 MiB */
    s_long_list(&msg.u.report.files, 65536, "f");
    dp_buf_t frame = DP_BUF_INIT;
    s_encode(&msg, &frame);
    s_expect_accept(frame.data, frame.len, &back);
    s_assert_msg_equal(&msg, &back);
    dp_msg_clear(&back);
    dp_buf_free(&frame);
    dp_msg_clear(&msg);
}

static void test_encoded_frame_is_version_type_then_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        msgpack_unpacked up;
        msgpack_unpacked_init(&up);
        size_t off = 0;
        assert_int_equal(msgpack_unpack_next(&up, frame.data, frame.len, &off),
                         MSGPACK_UNPACK_SUCCESS);
        assert_int_equal(off, frame.len);
        assert_int_equal(up.data.type, MSGPACK_OBJECT_ARRAY);
        assert_int_equal(up.data.via.array.size, 2 + s_defs[i].nfields);
        const msgpack_object *items = up.data.via.array.ptr;
        assert_int_equal(items[0].via.u64, DP_PROTO_VERSION);
        assert_int_equal(items[1].via.u64, s_defs[i].type);
        /* Every message starts with the window fields, repo first. */
        assert_string_equal(s_defs[i].fields[0], "repo");
        assert_int_equal(items[2].type, MSGPACK_OBJECT_STR);
        for (size_t f = 0; f < s_defs[i].nfields; f++) {
            static const msgpack_object_type want[] = {
                [T_STR] = MSGPACK_OBJECT_STR,
                [T_BOOL] = MSGPACK_OBJECT_BOOLEAN,
                [T_STRS] = MSGPACK_OBJECT_ARRAY};
            const msgpack_object *o = &items[2 + f];
            if (s_defs[i].types[f] == T_I64)
                assert_true(o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
                            o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
            else
                assert_int_equal(o->type, want[s_defs[i].types[f]]);
        }
        msgpack_unpacked_destroy(&up);
        dp_buf_free(&frame);
    }
}

static void test_null_strings_travel_as_nil(void **state)
{
    (void)state;
    dp_msg_t msg = {.type = DP_MSG_STATUS};
    msg.u.status.state = "failed"; /* borrowed: not cleared below */
    dp_buf_t frame = DP_BUF_INIT;
    s_encode(&msg, &frame);
    /* [1, 7, nil, 0, 0, 0, nil, nil, "failed", nil] */
    static const unsigned char want[] = {0x9a, 0x01, 0x07, 0xc0, 0x00, 0x00,
                                         0x00, 0xc0, 0xc0, 0xa6, 'f',  'a',
                                         'i',  'l',  'e',  'd',  0xc0};
    assert_int_equal(frame.len, sizeof want);
    assert_memory_equal(frame.data, want, sizeof want);
    dp_buf_free(&frame);
}

/* The frame with fields appended that a later version might add: a
 * string, and with nested a map of a list and a nil too. */
static void s_with_future_fields(const dp_buf_t *frame, bool nested,
                                 dp_buf_t *longer)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, frame->data, frame->len, &off),
                     MSGPACK_UNPACK_SUCCESS);
    msgpack_packer pk;
    s_packer(&pk, longer);
    msgpack_pack_array(&pk, up.data.via.array.size + (nested ? 3 : 1));
    for (uint32_t k = 0; k < up.data.via.array.size; k++)
        msgpack_pack_object(&pk, up.data.via.array.ptr[k]);
    s_pack_cstr(&pk, "future");
    if (nested) {
        msgpack_pack_map(&pk, 1);
        s_pack_cstr(&pk, "k");
        msgpack_pack_array(&pk, 1);
        msgpack_pack_double(&pk, 1.5);
        msgpack_pack_nil(&pk);
    }
    msgpack_unpacked_destroy(&up);
}

static void test_decode_ignores_trailing_unknown_fields(void **state)
{
    (void)state;
    /* New fields are only ever appended: an old decoder skips them, even a
     * nested one. */
    for (size_t i = 0; i < NDEFS; i++) {
        dp_msg_t msg, back;
        s_fill(&msg, s_defs[i].type, VARIANT_FULL);
        dp_buf_t frame = DP_BUF_INIT, longer = DP_BUF_INIT;
        s_encode(&msg, &frame);
        s_with_future_fields(&frame, true, &longer);
        s_expect_accept(longer.data, longer.len, &back);
        s_assert_msg_equal(&msg, &back);
        dp_msg_clear(&back);
        dp_msg_clear(&msg);
        dp_buf_free(&frame);
        dp_buf_free(&longer);
    }
}

static void
test_classified_from_event_frame_is_the_classified_message(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        dp_msg_t ev, cl, back;
        s_fill(&ev, DP_MSG_EVENT, variant ? VARIANT_FULL : 0);
        s_fill(&cl, DP_MSG_CLASSIFIED, VARIANT_FULL);
        dp_buf_t frame = DP_BUF_INIT, out = DP_BUF_INIT, full = DP_BUF_INIT;
        s_encode(&ev, &frame);
        /* The classification of that event: its fields, then cl's. */
        const dp_classified_t *c = &cl.u.classified;
        dp_msg_t tmp = {.type = DP_MSG_CLASSIFIED};
        dp_event_to_classified(&ev.u.event, &tmp.u.classified);
        tmp.u.classified.topics = c->topics;
        tmp.u.classified.reasons = c->reasons;
        tmp.u.classified.category = c->category;
        tmp.u.classified.bot = c->bot;
        tmp.u.classified.hotness = c->hotness;
        assert_int_equal(
            dp_msg_encode_classified(frame.data, frame.len, c, &out), 0);
        s_expect_accept(out.data, out.len, &back);
        s_assert_msg_equal(&tmp, &back);
        /* Byte for byte what dp_msg_encode writes of the same message. */
        s_encode(&tmp, &full);
        assert_int_equal(out.len, full.len);
        assert_memory_equal(out.data, full.data, out.len);
        tmp.u.classified.topics = (dp_strs_t){0};
        tmp.u.classified.reasons = (dp_strs_t){0};
        tmp.u.classified.category = NULL;
        dp_msg_clear(&tmp);
        dp_msg_clear(&back);
        dp_msg_clear(&cl);
        dp_msg_clear(&ev);
        dp_buf_free(&frame);
        dp_buf_free(&out);
        dp_buf_free(&full);
    }
}

static void test_classified_from_event_frame_refuses_other_frames(void **state)
{
    (void)state;
    dp_msg_t ev, win, cl;
    s_fill(&ev, DP_MSG_EVENT, VARIANT_FULL);
    s_fill(&win, DP_MSG_WINDOW, VARIANT_FULL);
    s_fill(&cl, DP_MSG_CLASSIFIED, VARIANT_FULL);
    dp_buf_t frame = DP_BUF_INIT, longer = DP_BUF_INIT, out = DP_BUF_INIT;
    s_encode(&win, &frame);
    assert_int_equal(
        dp_msg_encode_classified(frame.data, frame.len, &cl.u.classified, &out),
        DP_EINVAL);
    /* An EVENT with a field this version does not know: it would land
     * where the topics go. */
    dp_buf_reset(&frame);
    s_encode(&ev, &frame);
    s_with_future_fields(&frame, false, &longer);
    assert_int_equal(dp_msg_encode_classified(longer.data, longer.len,
                                              &cl.u.classified, &out),
                     DP_EINVAL);
    assert_int_equal(out.len, 0);
    dp_msg_clear(&ev);
    dp_msg_clear(&win);
    dp_msg_clear(&cl);
    dp_buf_free(&frame);
    dp_buf_free(&longer);
    dp_buf_free(&out);
}

static void test_decode_reads_nil_list_as_empty(void **state)
{
    (void)state;
    dp_buf_t frame = DP_BUF_INIT, nil_list = DP_BUF_INIT;
    s_frame_of(DP_MSG_REPORT, VARIANT_FULL, &frame);
    size_t files = s_field_index(DP_MSG_REPORT, "files");
    s_repack(&frame, 2 + s_def(DP_MSG_REPORT)->nfields, 2 + files, s_put_nil,
             &nil_list);
    dp_msg_t msg;
    s_expect_accept(nil_list.data, nil_list.len, &msg);
    assert_int_equal(msg.u.report.files.count, 0);
    assert_null(msg.u.report.files.items);
    dp_msg_clear(&msg);
    dp_buf_free(&frame);
    dp_buf_free(&nil_list);
}

static void test_encode_refuses_unknown_type(void **state)
{
    (void)state;
    dp_buf_t frame = DP_BUF_INIT;
    dp_msg_t msg = {.type = DP_MSG_NONE};
    assert_int_equal(dp_msg_encode(&msg, &frame), DP_EINVAL);
    msg.type = (dp_msg_type_t)(s_max_type_id() + 1);
    assert_int_equal(dp_msg_encode(&msg, &frame), DP_EINVAL);
    assert_int_equal(frame.len, 0);
    dp_buf_free(&frame);
}

static void test_type_names_follow_the_definitions(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        assert_string_equal(dp_msg_type_name(s_defs[i].type), s_defs[i].name);
        for (size_t j = 0; j < i; j++)
            assert_int_not_equal(s_defs[i].type, s_defs[j].type);
    }
    assert_int_equal(DP_MSG_EVENT, 2);
    assert_string_equal(dp_msg_type_name(0), "UNKNOWN");
    assert_string_equal(dp_msg_type_name(-1), "UNKNOWN");
    assert_string_equal(dp_msg_type_name(s_max_type_id() + 1), "UNKNOWN");
    assert_string_equal(dp_msg_type_name(1000), "UNKNOWN");
}

/* ==== Ownership: clear, copy, event to classified, lists ==== */

static void test_clear_is_idempotent_and_accepts_null(void **state)
{
    (void)state;
    dp_msg_t msg;
    s_fill(&msg, DP_MSG_EVENT, VARIANT_FULL);
    dp_msg_clear(&msg);
    static const dp_msg_t zero;
    assert_memory_equal(&msg, &zero, sizeof msg);
    dp_msg_clear(&msg);
    dp_msg_clear(NULL);
}

static void test_copy_is_deep_for_every_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        for (int v = VARIANT_FULL; v < VARIANTS; v++) {
            dp_msg_t msg, copy, again;
            s_fill(&msg, s_defs[i].type, v);
            memset(&copy, 0x5a, sizeof copy); /* overwritten, not freed */
            dp_msg_copy(&copy, &msg);
            s_assert_msg_equal(&msg, &copy);
            s_assert_msg_apart(&msg, &copy);
            /* The copy outlives the original. */
            dp_msg_clear(&msg);
            s_fill(&again, s_defs[i].type, v);
            s_assert_msg_equal(&again, &copy);
            dp_msg_clear(&again);
            dp_msg_clear(&copy);
        }
    }
}

static void test_copy_of_unknown_type_is_empty(void **state)
{
    (void)state;
    dp_msg_t src = {.type = DP_MSG_NONE}, dst;
    memset(&dst, 0x5a, sizeof dst);
    dp_msg_copy(&dst, &src);
    static const dp_msg_t zero;
    assert_memory_equal(&dst, &zero, sizeof dst);
}

#define T_EVENT_SAME(type, name) s_same_##type(&x->name, &y->name, #name);
#define T_EVENT_APART(type, name) s_apart_##type(&x->name, &y->name, #name);

static void test_event_to_classified_copies_every_event_field(void **state)
{
    (void)state;
    for (int v = VARIANT_FULL; v < VARIANTS; v++) {
        dp_msg_t ev, out = {.type = DP_MSG_CLASSIFIED};
        s_fill(&ev, DP_MSG_EVENT, v);
        memset(&out.u, 0x5a, sizeof out.u); /* overwritten, not freed */
        dp_event_to_classified(&ev.u.event, &out.u.classified);
        const dp_event_t *x = &ev.u.event;
        const dp_classified_t *y = &out.u.classified;
        DP_EVENT_FIELDS(T_EVENT_SAME)
        DP_EVENT_FIELDS(T_EVENT_APART)
        /* The classifier's own fields start empty. */
        assert_int_equal(y->topics.count, 0);
        assert_int_equal(y->reasons.count, 0);
        assert_null(y->category);
        assert_false(y->bot);
        assert_int_equal(y->hotness, 0);
        dp_msg_clear(&ev);
        /* The result is a complete CLASSIFIED message: it round-trips. */
        dp_buf_t frame = DP_BUF_INIT;
        dp_msg_t back;
        s_encode(&out, &frame);
        s_expect_accept(frame.data, frame.len, &back);
        s_assert_msg_equal(&out, &back);
        dp_msg_clear(&back);
        dp_buf_free(&frame);
        dp_msg_clear(&out);
    }
}

/* A decoded message's string fields lie in its block; one replaced after
 * the decode is freed on its own, one cleared is simply let go; the lists'
 * items are strings of their own (ASan checks what is freed, and how). */
static void test_decoded_strings_share_one_block(void **state)
{
    (void)state;
    dp_msg_t ev, back;
    s_fill(&ev, DP_MSG_EVENT, VARIANT_FULL);
    dp_buf_t frame = DP_BUF_INIT;
    s_encode(&ev, &frame);
    s_expect_accept(frame.data, frame.len, &back);
    assert_non_null(back.block);
    assert_int_equal(back.block_len, frame.len);
    const dp_event_t *e = &back.u.event;
    assert_true(e->title >= back.block &&
                e->title < back.block + back.block_len);
    assert_true(e->repo >= back.block && e->repo < back.block + back.block_len);
    assert_true(e->labels.count > 0);
    for (size_t i = 0; i < e->labels.count; i++)
        assert_false(e->labels.items[i] >= back.block &&
                     e->labels.items[i] < back.block + back.block_len);
    back.u.event.title = dp_strdup("replaced");
    back.u.event.body = NULL;
    dp_strs_push(&back.u.event.labels, "added");
    dp_msg_clear(&back);
    assert_null(back.block);

    /* Moved into a CLASSIFIED message, with the block. */
    s_expect_accept(frame.data, frame.len, &back);
    dp_msg_t out = {.type = DP_MSG_CLASSIFIED};
    dp_msg_move_to_classified(&back, &out);
    assert_null(back.block);
    assert_null(back.u.event.title);
    dp_msg_clear(&back);
    out.u.classified.category = dp_strdup("feature");
    assert_string_equal(out.u.classified.title, ev.u.event.title);
    assert_string_equal(out.u.classified.repo, ev.u.event.repo);
    assert_int_equal(out.u.classified.labels.count, ev.u.event.labels.count);
    dp_msg_clear(&out);
    dp_msg_clear(&ev);
    dp_buf_free(&frame);
}

static void test_strs_push_copies_and_turns_null_into_empty(void **state)
{
    (void)state;
    dp_strs_t list = {0};
    char word[] = "rocm";
    dp_strs_push(&list, word);
    dp_strs_push(&list, NULL);
    word[0] = 'R';
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0], "rocm");
    assert_string_equal(list.items[1], "");
    dp_msg_t msg = {.type = DP_MSG_REPORT};
    msg.u.report.files = list; /* the message owns it now */
    dp_msg_clear(&msg);
}

/* ==== Subjects, JSON, bots ==== */

static void test_subject_is_kind_dot_repo_for_every_message(void **state)
{
    (void)state;
    static const struct {
        dp_msg_type_t type;
        const char *subject;
    } want[] = {
        {DP_MSG_COLLECT, "collect.vllm-project/vllm"},
        {DP_MSG_EVENT, "event.vllm-project/vllm"},
        {DP_MSG_WINDOW, "window.vllm-project/vllm"},
        {DP_MSG_CLASSIFIED, "classified.vllm-project/vllm"},
        {DP_MSG_DIGEST, "digest.vllm-project/vllm"},
        {DP_MSG_REPORT, "report.vllm-project/vllm"},
        {DP_MSG_STATUS, "status.vllm-project/vllm"},
    };
    assert_int_equal(sizeof want / sizeof want[0], NDEFS);
    for (size_t i = 0; i < NDEFS; i++) {
        dp_msg_t msg;
        s_fill(&msg, want[i].type, VARIANT_FULL);
        /* repo is the first field of every message */
        dp_free(msg.u.event.repo);
        msg.u.event.repo = dp_strdup("vllm-project/vllm");
        char *subject = dp_msg_subject(&msg);
        assert_string_equal(subject, want[i].subject);
        dp_free(subject);
        dp_msg_clear(&msg);
    }
    dp_msg_t none = {.type = DP_MSG_WINDOW};
    char *subject = dp_msg_subject(&none);
    assert_string_equal(subject, "window.");
    dp_free(subject);
    dp_msg_t odd = {.type = (dp_msg_type_t)(s_max_type_id() + 1)};
    subject = dp_msg_subject(&odd);
    assert_string_equal(subject, "unknown.");
    dp_free(subject);
}

/* Checks one field of a message against its JSON rendering. */
static void s_json_STR(const json_t *o, char *const *v, const char *name)
{
    json_t *j = json_object_get(o, name);
    if (!j)
        fail_msg("JSON lacks %s", name);
    if (!*v)
        assert_true(json_is_null(j));
    else if (!json_is_string(j) || strcmp(json_string_value(j), *v) != 0)
        fail_msg("JSON %s is not \"%s\"", name, *v);
}

static void s_json_I64(const json_t *o, const int64_t *v, const char *name)
{
    json_t *j = json_object_get(o, name);
    if (!j || !json_is_integer(j) || json_integer_value(j) != *v)
        fail_msg("JSON %s is not %lld", name, (long long)*v);
}

static void s_json_BOOL(const json_t *o, const bool *v, const char *name)
{
    json_t *j = json_object_get(o, name);
    if (!j || !json_is_boolean(j) || json_is_true(j) != *v)
        fail_msg("JSON %s is not %d", name, *v);
}

static void s_json_STRS(const json_t *o, const dp_strs_t *v, const char *name)
{
    json_t *j = json_object_get(o, name);
    if (!json_is_array(j) || json_array_size(j) != v->count)
        fail_msg("JSON %s is not a list of %zu", name, v->count);
    for (size_t i = 0; i < v->count; i++)
        assert_string_equal(json_string_value(json_array_get(j, i)),
                            v->items[i]);
}

#define T_JSON_FIELD(type, name) s_json_##type(o, &x->name, #name);
#define T_JSON_FN(NAME, id, lower, fields)                                     \
    static void s_json_##lower(const json_t *o, const dp_##lower##_t *x)       \
    {                                                                          \
        fields                                                                 \
    }
DP_PROTO_MESSAGES(T_JSON_FN, T_JSON_FIELD)
#undef T_JSON_FN

static void test_to_json_is_one_ascii_line_with_every_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        for (int v = VARIANT_FULL; v < VARIANTS; v += 7) {
            dp_msg_t msg;
            s_fill(&msg, s_defs[i].type, v);
            char *text = dp_msg_to_json(&msg);
            assert_null(strchr(text, '\n'));
            for (const char *p = text; *p; p++)
                assert_true((unsigned char)*p < 0x80);
            char err[ERRLEN] = "";
            json_t *o = dp_json_parse(text, strlen(text), err, sizeof err);
            if (!o)
                fail_msg("not JSON (%s): %s", err, text);
            assert_string_equal(dp_json_str(o, "type"), s_defs[i].name);
            assert_int_equal(json_object_size(o), 1 + s_defs[i].nfields);
            switch (msg.type) {
#define T_JSON_CASE(NAME, id, lower, fields)                                   \
    case DP_MSG_##NAME:                                                        \
        s_json_##lower(o, &msg.u.lower);                                       \
        break;
                DP_PROTO_MESSAGES(T_JSON_CASE, T_JSON_FIELD)
#undef T_JSON_CASE
            default:
                fail();
            }
            json_decref(o);
            dp_free(text);
            dp_msg_clear(&msg);
        }
    }
}

static void test_to_json_keeps_keys_of_invalid_utf8_as_null(void **state)
{
    (void)state;
    dp_msg_t msg = {.type = DP_MSG_STATUS};
    msg.u.status.repo = dp_strdup("o/r");
    msg.u.status.message = dp_strdup("bad \xff\xfe bytes");
    char *text = dp_msg_to_json(&msg);
    char err[ERRLEN] = "";
    json_t *o = dp_json_parse(text, strlen(text), err, sizeof err);
    assert_non_null(o);
    assert_true(json_is_null(json_object_get(o, "message")));
    assert_string_equal(dp_json_str(o, "repo"), "o/r");
    assert_string_equal(dp_json_str(o, "type"), "STATUS");
    json_decref(o);
    dp_free(text);
    dp_msg_clear(&msg);
}

static void test_to_json_of_unknown_type_names_it(void **state)
{
    (void)state;
    dp_msg_t msg = {.type = DP_MSG_NONE};
    char *text = dp_msg_to_json(&msg);
    assert_string_equal(text, "{\"type\":\"UNKNOWN\"}");
    dp_free(text);
}

static void test_is_bot_by_type_or_login_suffix(void **state)
{
    (void)state;
    assert_true(dp_is_bot("dependabot[bot]", NULL));
    assert_true(dp_is_bot("chatgpt-codex-connector[bot]", "User"));
    assert_true(dp_is_bot("mergify", "Bot"));
    assert_true(dp_is_bot(NULL, "Bot"));
    assert_false(dp_is_bot("robot-fan", "User"));
    assert_false(dp_is_bot("bot", NULL));
    assert_false(dp_is_bot("my[bot]fan", "User"));
    assert_false(dp_is_bot("eltorre", "User"));
    assert_false(dp_is_bot(NULL, NULL));
    assert_false(dp_is_bot("", ""));
}

/* ==== Rejections ==== */

static void test_decode_rejects_empty_frame(void **state)
{
    (void)state;
    s_expect_reject(NULL, 0, DP_PROTO_MAX_FRAME, DP_EPROTO);
    s_expect_reject("", 0, DP_PROTO_MAX_FRAME, DP_EPROTO);
}

static void test_decode_rejects_frame_over_max_len(void **state)
{
    (void)state;
    dp_buf_t frame = DP_BUF_INIT;
    s_frame_of(DP_MSG_EVENT, VARIANT_FULL, &frame);
    s_expect_reject(frame.data, frame.len, frame.len - 1, DP_ETOOBIG);
    s_expect_reject(frame.data, frame.len, 1, DP_ETOOBIG);
    dp_msg_t msg; /* exactly at the bound is fine */
    char err[ERRLEN];
    assert_int_equal(
        dp_msg_decode(frame.data, frame.len, frame.len, &msg, err, sizeof err),
        0);
    dp_msg_clear(&msg);
    dp_buf_free(&frame);
    /* The default bound: a frame of 16 MiB + 1 byte. The length is refused
     * before any byte is read. */
    size_t big = DP_PROTO_MAX_FRAME + 1u;
    char *bytes = dp_calloc(big, 1);
    s_expect_reject(bytes, big, DP_PROTO_MAX_FRAME, DP_ETOOBIG);
    dp_free(bytes);
}

static void test_decode_rejects_every_truncation(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        for (int v = VARIANT_FULL; v < 2; v++) {
            dp_buf_t frame = DP_BUF_INIT;
            s_frame_of(s_defs[i].type, v, &frame);
            for (size_t len = 0; len < frame.len; len++)
                s_expect_reject(frame.data, len, DP_PROTO_MAX_FRAME, DP_EPROTO);
            dp_buf_free(&frame);
        }
    }
}

static void test_decode_rejects_trailing_bytes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT, two = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        dp_buf_append(&two, frame.data, frame.len);
        dp_buf_append(&two, "\xc0", 1);
        s_expect_reject(two.data, two.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
        /* Two messages in one frame are refused too. */
        dp_buf_reset(&two);
        dp_buf_append(&two, frame.data, frame.len);
        dp_buf_append(&two, frame.data, frame.len);
        s_expect_reject(two.data, two.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
        dp_buf_free(&frame);
        dp_buf_free(&two);
    }
}

static void test_decode_rejects_non_array_and_short_headers(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } frames[] = {
        {"\x01", 1},                              /* 1 */
        {"\xc0", 1},                              /* nil */
        {"\xa5hello", 6},                         /* "hello" */
        {"\x82\x01\x02\x03\x04", 5},              /* {1: 2, 3: 4} */
        {"\x90", 1},                              /* [] */
        {"\x91\x01", 2},                          /* [1] */
        {"\x92\xa1\x31\x07", 4},                  /* ["1", 7] */
        {"\x92\x01\xcb\x40\x1c\0\0\0\0\0\0", 11}, /* [1, 7.0] */
        {"\xc1", 1},                              /* never used */
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        s_expect_reject(frames[i].bytes, frames[i].len, DP_PROTO_MAX_FRAME,
                        DP_EPROTO);
}

static void s_put_version_2(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 2);
}

static void s_put_version_0(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 0);
}

static void s_put_minus_one(msgpack_packer *pk)
{
    msgpack_pack_int(pk, -1);
}

static void s_put_huge(msgpack_packer *pk)
{
    msgpack_pack_uint64(pk, UINT64_MAX);
}

static void test_decode_rejects_unknown_version(void **state)
{
    (void)state;
    s_put_fn puts[] = {s_put_version_2, s_put_version_0, s_put_minus_one,
                       s_put_huge};
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT, bad = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        for (size_t k = 0; k < sizeof puts / sizeof puts[0]; k++) {
            s_repack(&frame, 2 + s_defs[i].nfields, 0, puts[k], &bad);
            s_expect_reject(bad.data, bad.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
        }
        dp_buf_free(&frame);
        dp_buf_free(&bad);
    }
}

static int s_odd_type;

static void s_put_odd_type(msgpack_packer *pk)
{
    msgpack_pack_int(pk, s_odd_type);
}

static void test_decode_rejects_unknown_type(void **state)
{
    (void)state;
    /* A long EVENT-shaped frame, so only the type is wrong. */
    dp_buf_t frame = DP_BUF_INIT, bad = DP_BUF_INIT;
    s_frame_of(DP_MSG_CLASSIFIED, VARIANT_FULL, &frame);
    const int odd[] = {0,     -1,       s_max_type_id() + 1, 15, 16, 255,
                       65536, INT32_MAX};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        s_odd_type = odd[k];
        s_repack(&frame, 2 + s_def(DP_MSG_CLASSIFIED)->nfields, 1,
                 s_put_odd_type, &bad);
        s_expect_reject(bad.data, bad.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    }
    s_repack(&frame, 2 + s_def(DP_MSG_CLASSIFIED)->nfields, 1, s_put_huge,
             &bad);
    s_expect_reject(bad.data, bad.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    dp_buf_free(&frame);
    dp_buf_free(&bad);
}

static void test_decode_rejects_too_few_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT, shorter = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        /* Every length from [version, type] to one field short. */
        for (size_t keep = 2; keep < 2 + s_defs[i].nfields; keep++) {
            s_repack(&frame, keep, NO_FIELD, NULL, &shorter);
            s_expect_reject(shorter.data, shorter.len, DP_PROTO_MAX_FRAME,
                            DP_EPROTO);
        }
        dp_buf_free(&frame);
        dp_buf_free(&shorter);
    }
}

static void s_put_true(msgpack_packer *pk)
{
    msgpack_pack_true(pk);
}

static void s_put_int(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 7);
}

static void s_put_str(msgpack_packer *pk)
{
    s_pack_cstr(pk, "7");
}

static void s_put_double(msgpack_packer *pk)
{
    msgpack_pack_double(pk, 7.0);
}

static void s_put_bin(msgpack_packer *pk)
{
    msgpack_pack_bin(pk, 3);
    msgpack_pack_bin_body(pk, "abc", 3);
}

static void s_put_map(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    s_pack_cstr(pk, "a");
    s_pack_cstr(pk, "b");
}

static void s_put_array_of_int(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    s_pack_cstr(pk, "a");
    msgpack_pack_int(pk, 7);
}

static void s_put_array_with_nil(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    s_pack_cstr(pk, "a");
    msgpack_pack_nil(pk);
}

static void s_put_ext(msgpack_packer *pk)
{
    msgpack_pack_ext(pk, 1, 5);
    msgpack_pack_ext_body(pk, "x", 1);
}

static void test_decode_rejects_field_of_wrong_type(void **state)
{
    (void)state;
    /* Every field of every message, each with values of the wrong types. */
    static const s_put_fn wrong_str[] = {s_put_true, s_put_int, s_put_bin,
                                         s_put_map, s_put_ext};
    static const s_put_fn wrong_i64[] = {s_put_str, s_put_true, s_put_double,
                                         s_put_huge, s_put_nil};
    static const s_put_fn wrong_bool[] = {s_put_int, s_put_str, s_put_nil,
                                          s_put_double};
    static const s_put_fn wrong_strs[] = {s_put_str, s_put_int, s_put_map,
                                          s_put_array_of_int,
                                          s_put_array_with_nil};
    static const struct {
        const s_put_fn *puts;
        size_t n;
    } wrong[] = {
        [T_STR] = {wrong_str, sizeof wrong_str / sizeof wrong_str[0]},
        [T_I64] = {wrong_i64, sizeof wrong_i64 / sizeof wrong_i64[0]},
        [T_BOOL] = {wrong_bool, sizeof wrong_bool / sizeof wrong_bool[0]},
        [T_STRS] = {wrong_strs, sizeof wrong_strs / sizeof wrong_strs[0]},
    };
    size_t cases = 0;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT, bad = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        for (size_t f = 0; f < s_defs[i].nfields; f++) {
            s_ftype_t t = s_defs[i].types[f];
            for (size_t k = 0; k < wrong[t].n; k++) {
                s_repack(&frame, 2 + s_defs[i].nfields, 2 + f, wrong[t].puts[k],
                         &bad);
                s_expect_reject(bad.data, bad.len, DP_PROTO_MAX_FRAME,
                                DP_EPROTO);
                cases++;
            }
        }
        dp_buf_free(&frame);
        dp_buf_free(&bad);
    }
    assert_true(cases > 100);
}

static void test_decode_names_the_wrong_field(void **state)
{
    (void)state;
    dp_buf_t frame = DP_BUF_INIT, bad = DP_BUF_INIT;
    s_frame_of(DP_MSG_EVENT, VARIANT_FULL, &frame);
    s_repack(&frame, 2 + s_def(DP_MSG_EVENT)->nfields,
             2 + s_field_index(DP_MSG_EVENT, "number"), s_put_str, &bad);
    dp_msg_t msg;
    char err[ERRLEN] = "";
    assert_int_equal(dp_msg_decode(bad.data, bad.len, DP_PROTO_MAX_FRAME, &msg,
                                   err, sizeof err),
                     DP_EPROTO);
    assert_non_null(strstr(err, "EVENT"));
    assert_non_null(strstr(err, "number"));
    dp_buf_free(&frame);
    dp_buf_free(&bad);
}

static void s_put_str_with_nul(msgpack_packer *pk)
{
    msgpack_pack_str(pk, 3);
    msgpack_pack_str_body(pk, "a\0b", 3);
}

static void s_put_list_with_nul(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    s_pack_cstr(pk, "ok");
    msgpack_pack_str(pk, 1);
    msgpack_pack_str_body(pk, "", 1); /* the terminating NUL */
}

static void test_decode_rejects_string_containing_nul(void **state)
{
    (void)state;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT, bad = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        for (size_t f = 0; f < s_defs[i].nfields; f++) {
            s_ftype_t t = s_defs[i].types[f];
            if (t != T_STR && t != T_STRS)
                continue;
            s_repack(&frame, 2 + s_defs[i].nfields, 2 + f,
                     t == T_STR ? s_put_str_with_nul : s_put_list_with_nul,
                     &bad);
            s_expect_reject(bad.data, bad.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
        }
        dp_buf_free(&frame);
        dp_buf_free(&bad);
    }
}

/* ==== UTF-8 on the bus ==== */

/* The bytes that s_put_bad_str and s_put_bad_list write. */
static const char *s_bad;

static void s_put_bad_str(msgpack_packer *pk)
{
    msgpack_pack_str(pk, strlen(s_bad));
    msgpack_pack_str_body(pk, s_bad, strlen(s_bad));
}

/* A list whose second item holds the bytes. */
static void s_put_bad_list(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    s_pack_cstr(pk, "ok");
    s_put_bad_str(pk);
}

/* Ill-formed UTF-8, each behind "ok " so the faulty byte is byte 3. */
static const char *const s_ill_formed[] = {
    "ok \xff",                 /* never in UTF-8 */
    "ok \x80 lone",            /* a continuation byte alone */
    "ok \xc0\xaf",             /* overlong "/" (2 bytes) */
    "ok \xe0\x80\xaf",         /* overlong "/" (3 bytes) */
    "ok \xf0\x80\x80\xaf",     /* overlong "/" (4 bytes) */
    "ok \xed\xa0\x80",         /* U+D800, a surrogate */
    "ok \xed\xbf\xbf",         /* U+DFFF */
    "ok \xf4\x90\x80\x80",     /* U+110000, past Unicode */
    "ok \xf8\x88\x80\x80\x80", /* a 5-byte form */
    "ok \xe2\x82 cut",         /* a 3-byte sequence cut short */
    "ok \xc3",                 /* cut by the end of the string */
};
#define N_ILL_FORMED (sizeof s_ill_formed / sizeof s_ill_formed[0])

static void test_decode_rejects_invalid_utf8_in_every_string(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < NDEFS; i++) {
        dp_buf_t frame = DP_BUF_INIT, bad = DP_BUF_INIT;
        s_frame_of(s_defs[i].type, VARIANT_FULL, &frame);
        for (size_t f = 0; f < s_defs[i].nfields; f++) {
            s_ftype_t t = s_defs[i].types[f];
            if (t != T_STR && t != T_STRS)
                continue;
            for (size_t k = 0; k < N_ILL_FORMED; k++) {
                s_bad = s_ill_formed[k];
                s_repack(&frame, 2 + s_defs[i].nfields, 2 + f,
                         t == T_STR ? s_put_bad_str : s_put_bad_list, &bad);
                s_expect_reject(bad.data, bad.len, DP_PROTO_MAX_FRAME,
                                DP_EPROTO);
                /* The line names the message, the field, the list item
                 * and the byte. */
                dp_msg_t msg;
                char err[ERRLEN] = "", want[ERRLEN];
                assert_int_equal(dp_msg_decode(bad.data, bad.len,
                                               DP_PROTO_MAX_FRAME, &msg, err,
                                               sizeof err),
                                 DP_EPROTO);
                snprintf(want, sizeof want,
                         "%s field %s%s is not valid UTF-8 (byte 3)",
                         s_defs[i].name, s_defs[i].fields[f],
                         t == T_STRS ? " item 1" : "");
                assert_string_equal(err, want);
                /* The head is checked as wholly, with the same line. */
                assert_int_equal(dp_msg_decode_head(bad.data, bad.len,
                                                    DP_PROTO_MAX_FRAME, &msg,
                                                    err, sizeof err),
                                 DP_EPROTO);
                assert_string_equal(err, want);
                checked++;
            }
        }
        dp_buf_free(&frame);
        dp_buf_free(&bad);
    }
    assert_true(checked > 60 * N_ILL_FORMED);
}

static void test_decode_head_keeps_window_and_id_only(void **state)
{
    (void)state;
    dp_msg_t msg = {.type = DP_MSG_CLASSIFIED}, head;
    dp_classified_t *c = &msg.u.classified;
    c->repo = "o/r";
    c->win_from = 3600;
    c->win_to = 7200;
    c->revision = 2;
    c->id = "comment:1";
    c->title = "a title";
    c->body = "a body";
    c->labels = (dp_strs_t){(char *[]){"bug"}, 1};
    c->topics = (dp_strs_t){(char *[]){"amd"}, 1};
    c->hotness = 7;
    c->bot = true;
    dp_buf_t frame = DP_BUF_INIT;
    assert_int_equal(dp_msg_encode(&msg, &frame), 0);
    char err[ERRLEN] = "";
    assert_int_equal(dp_msg_decode_head(frame.data, frame.len,
                                        DP_PROTO_MAX_FRAME, &head, err,
                                        sizeof err),
                     0);
    const dp_classified_t *h = &head.u.classified;
    assert_int_equal(head.type, DP_MSG_CLASSIFIED);
    assert_string_equal(h->repo, "o/r");
    assert_string_equal(h->id, "comment:1");
    assert_int_equal(h->win_from, 3600);
    assert_int_equal(h->win_to, 7200);
    assert_int_equal(h->revision, 2);
    assert_int_equal(h->hotness, 7);
    assert_true(h->bot);
    assert_null(h->title);
    assert_null(h->body);
    assert_int_equal(h->labels.count, 0);
    assert_null(h->labels.items);
    assert_int_equal(h->topics.count, 0);
    dp_msg_clear(&head);
    dp_buf_free(&frame);
}

static void test_decode_accepts_every_form_of_valid_utf8(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "\x7f",             /* the last 1-byte character */
        "\xc2\x80",         /* U+0080, the first 2-byte one */
        "\xdf\xbf",         /* U+07FF */
        "\xe0\xa0\x80",     /* U+0800, the first 3-byte one */
        "\xed\x9f\xbf",     /* U+D7FF, just below the surrogates */
        "\xee\x80\x80",     /* U+E000, just above them */
        "\xef\xbf\xbd",     /* U+FFFD */
        "\xef\xbf\xbf",     /* U+FFFF */
        "\xf0\x90\x80\x80", /* U+10000, the first 4-byte one */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF, the last of Unicode */
        "名字 «ünïcödé» 🚀",
    };
    dp_buf_t frame = DP_BUF_INIT, good = DP_BUF_INIT;
    s_frame_of(DP_MSG_EVENT, VARIANT_FULL, &frame);
    size_t title = s_field_index(DP_MSG_EVENT, "title");
    size_t labels = s_field_index(DP_MSG_EVENT, "labels");
    for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++) {
        s_bad = valid[k];
        dp_msg_t msg;
        s_repack(&frame, 2 + s_def(DP_MSG_EVENT)->nfields, 2 + title,
                 s_put_bad_str, &good);
        s_expect_accept(good.data, good.len, &msg);
        assert_string_equal(msg.u.event.title, valid[k]);
        dp_msg_clear(&msg);
        s_repack(&frame, 2 + s_def(DP_MSG_EVENT)->nfields, 2 + labels,
                 s_put_bad_list, &good);
        s_expect_accept(good.data, good.len, &msg);
        assert_int_equal(msg.u.event.labels.count, 2);
        assert_string_equal(msg.u.event.labels.items[1], valid[k]);
        dp_msg_clear(&msg);
    }
    dp_buf_free(&frame);
    dp_buf_free(&good);
}

static void test_encode_replaces_invalid_utf8_with_u_fffd(void **state)
{
    (void)state;
    dp_msg_t msg = {.type = DP_MSG_EVENT}, back;
    msg.u.event.repo = dp_strdup("o/r");
    msg.u.event.title = dp_strdup("a\xff"
                                  "b\xed\xa0\x80"
                                  "c\xe2\x82");
    dp_strs_push(&msg.u.event.labels, "ok");
    dp_strs_push(&msg.u.event.labels, "\xc0\xaf");
    dp_buf_t frame = DP_BUF_INIT;
    s_encode(&msg, &frame);
    s_expect_accept(frame.data, frame.len, &back);
    /* One U+FFFD for each maximal invalid subpart. */
    assert_string_equal(back.u.event.title, "a\xef\xbf\xbd"
                                            "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
                                            "\xbd"
                                            "c\xef\xbf\xbd");
    assert_string_equal(back.u.event.labels.items[0], "ok");
    assert_string_equal(back.u.event.labels.items[1],
                        "\xef\xbf\xbd\xef\xbf\xbd");
    /* What the sender holds is not changed. */
    assert_string_equal(msg.u.event.labels.items[1], "\xc0\xaf");
    dp_buf_free(&frame);
    dp_msg_clear(&back);
    dp_msg_clear(&msg);
}

/* ==== Repository names ==== */

static void test_repo_valid_takes_only_names_github_can_have(void **state)
{
    (void)state;
    char owner39[64], owner40[64], name100[128], name101[128];
    snprintf(owner39, sizeof owner39, "%.*s/r", 39,
             "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghij");
    snprintf(owner40, sizeof owner40, "%.*s/r", 40,
             "abcdefghijklmnopqrstuvwxyz0123456789-abcdefghij");
    char *hundred = s_repeat('n', 100);
    snprintf(name100, sizeof name100, "o/%s", hundred);
    snprintf(name101, sizeof name101, "o/%sx", hundred);
    dp_free(hundred);
    const char *const valid[] = {
        "vllm-project/vllm",
        "a/b",
        "A-1/x_y.z-2",
        "o/.github",
        "o/..x",
        "o/x..y",
        "0/-",
        "a-/_",
        owner39,
        name100,
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (!dp_repo_valid(valid[i]))
            fail_msg("\"%s\" was refused", valid[i]);
    const char *const invalid[] = {
        NULL,     "",       "/",     "a",     "a/",      "/b",    "./.",
        "../x",   "../..",  "a/.",   "a/..",  "./b",     "-a/b",  "a/b/c",
        "a//b",   "a/b/",   "a b/c", "a/b c", "a_b/c",   "a.b/c", "a/b\n",
        "a/b\\c", "a/b%2f", "ä/b",   "a/ü",   "a/b\xff", "ａ/b",  "a/名字",
        "a/~b",   "a/b:c",  owner40, name101,
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        if (dp_repo_valid(invalid[i]))
            fail_msg("\"%s\" was accepted", invalid[i]);
}

static void test_decode_rejects_string_and_list_over_bounds(void **state)
{
    (void)state;
    dp_msg_t msg = {.type = DP_MSG_REPORT};
    dp_buf_t frame = DP_BUF_INIT;
    msg.u.report.path = s_repeat('p', 8u * 1024u * 1024u + 1u);
    s_encode(&msg, &frame);
    assert_true(frame.len < DP_PROTO_MAX_FRAME);
    s_expect_reject(frame.data, frame.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    dp_msg_clear(&msg);

    msg.type = DP_MSG_REPORT;
    s_long_list(&msg.u.report.files, 65537, "f");
    s_encode(&msg, &frame);
    s_expect_reject(frame.data, frame.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    dp_msg_clear(&msg);
    dp_buf_free(&frame);
}

static void test_decode_rejects_lengths_beyond_the_frame(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } frames[] = {
        {"\x93\x01\x07\xd9\x0a\x61\x62\x63", 8},     /* str8 of 10, 3 there */
        {"\x93\x01\x07\xda\x01\x00\x61\x62\x63", 9}, /* str16 of 256 */
        {"\x93\x01\x07\xdc\x00\x05\xa0", 7},         /* array16 of 5, 1 there */
        {"\x93\x01\x07\xde\x00\x02\xa0\xa0", 8},     /* map16 of 2, 1 pair */
        {"\x93\x01\x07\xc5\x10\x00\x78", 7},         /* bin16 of 4096 */
        {"\x93\x01\x07\xc8\x10\x00\x01\x78", 8},     /* ext16 of 4096 */
        {"\x93\x01\x07\xcf\x01", 5},                 /* uint64, 1 byte */
        {"\x93\x01\x07\xd8\x01", 5},                 /* fixext16, 0 bytes */
        {"\x9f\x01\x07", 3},                         /* fixarray of 15, 2 */
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        s_expect_reject(frames[i].bytes, frames[i].len, DP_PROTO_MAX_FRAME,
                        DP_EPROTO);
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Refuses a hostile frame 1000 times, fast and without a big allocation. */
static void s_expect_cheap_reject(const unsigned char *bytes, size_t len)
{
    double start = s_now();
    s_watch_start();
    for (int i = 0; i < 1000; i++)
        s_expect_reject(bytes, len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    s_watch_stop();
    assert_true(s_now() - start < 2.0);
#ifdef T_HAVE_ASAN
    if (s_biggest_alloc > 64u * 1024u)
        fail_msg("refusing the frame allocated %zu bytes", s_biggest_alloc);
#endif
}

static void
test_decode_rejects_claim_of_4gib_string_without_allocating(void **state)
{
    (void)state;
#ifdef T_HAVE_ASAN
    /* Control: the watch does see a decoder's allocations. */
    dp_msg_t msg = {.type = DP_MSG_STATUS}, back;
    dp_buf_t frame = DP_BUF_INIT;
    msg.u.status.message = s_repeat('m', 100000);
    s_encode(&msg, &frame);
    s_watch_start();
    s_expect_accept(frame.data, frame.len, &back);
    s_watch_stop();
    assert_true(s_biggest_alloc > 100000);
    dp_msg_clear(&back);
    dp_msg_clear(&msg);
    dp_buf_free(&frame);
#endif
    /* [1, 7, <str32 of 0xffffffff bytes> "abc"] */
    static const unsigned char field[] = {0x93, 0x01, 0x07, 0xdb, 0xff, 0xff,
                                          0xff, 0xff, 'a',  'b',  'c'};
    s_expect_cheap_reject(field, sizeof field);
    /* The same claim as the whole frame, and as bin32 and ext32. */
    static const unsigned char whole[] = {0xdb, 0xff, 0xff, 0xff, 0xff, 'x'};
    s_expect_cheap_reject(whole, sizeof whole);
    static const unsigned char bin[] = {0x93, 0x01, 0x07, 0xc6, 0xff,
                                        0xff, 0xff, 0xff, 'x'};
    s_expect_cheap_reject(bin, sizeof bin);
    static const unsigned char ext[] = {0x93, 0x01, 0x07, 0xc9, 0xff,
                                        0xff, 0xff, 0xff, 0x01, 'x'};
    s_expect_cheap_reject(ext, sizeof ext);
}

static void
test_decode_rejects_claim_of_huge_array_without_allocating(void **state)
{
    (void)state;
    /* A frame that is an array of 2^32-1 elements, 3 of them present. */
    static const unsigned char whole[] = {0xdd, 0xff, 0xff, 0xff,
                                          0xff, 0x01, 0x03, 0xc0};
    s_expect_cheap_reject(whole, sizeof whole);
    /* A list field claiming as much, and a map of 2^32-1 pairs. */
    static const unsigned char list[] = {0x93, 0x01, 0x06, 0xdd, 0xff,
                                         0xff, 0xff, 0xff, 0xa0};
    s_expect_cheap_reject(list, sizeof list);
    static const unsigned char map[] = {0x93, 0x01, 0x06, 0xdf, 0xff,
                                        0xff, 0xff, 0xff, 0xa0, 0xa0};
    s_expect_cheap_reject(map, sizeof map);
}

static void test_decode_rejects_nesting_beyond_depth_bound(void **state)
{
    (void)state;
    /* [1, 7, <fields...>, [[[[...[nil]...]]]]] as an unknown trailing field:
     * refused once it nests too deep, however deep, and without recursing
     * without bound. */
    dp_buf_t frame = DP_BUF_INIT, deep = DP_BUF_INIT;
    s_frame_of(DP_MSG_STATUS, VARIANT_FULL, &frame);
    const size_t depths[] = {64, 1000, 1000000};
    for (size_t k = 0; k < sizeof depths / sizeof depths[0]; k++) {
        dp_buf_reset(&deep);
        /* The frame with its array count raised by one... */
        unsigned char head = (unsigned char)frame.data[0];
        assert_true(head >= 0x90 && head < 0x9f);
        head++;
        dp_buf_append(&deep, &head, 1);
        dp_buf_append(&deep, frame.data + 1, frame.len - 1);
        /* ...and the nested field appended. */
        for (size_t d = 0; d < depths[k]; d++)
            dp_buf_append(&deep, "\x91", 1);
        dp_buf_append(&deep, "\xc0", 1);
        s_expect_reject(deep.data, deep.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    }
    /* Deep nesting as the whole frame, and of maps. */
    dp_buf_reset(&deep);
    for (int d = 0; d < 100000; d++)
        dp_buf_append(&deep, "\x81\xc0", 2);
    dp_buf_append(&deep, "\xc0", 1);
    s_expect_reject(deep.data, deep.len, DP_PROTO_MAX_FRAME, DP_EPROTO);
    /* A shallow nested trailing field is fine. */
    dp_buf_reset(&deep);
    unsigned char head = (unsigned char)(frame.data[0] + 1);
    dp_buf_append(&deep, &head, 1);
    dp_buf_append(&deep, frame.data + 1, frame.len - 1);
    dp_buf_append(&deep, "\x91\x91\x91\xc0", 4);
    dp_msg_t msg;
    s_expect_accept(deep.data, deep.len, &msg);
    dp_msg_clear(&msg);
    dp_buf_free(&frame);
    dp_buf_free(&deep);
}

/* ==== Random input ==== */

/* xorshift64*: a fixed seed makes every run test the same frames. */
static uint64_t s_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t s_rand(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 0x2545f4914f6cdd1dULL;
}

/* Decodes any bytes: the result is either a refusal with one line of error
 * or a message that survives a round trip. */
static void s_decode_anything(const unsigned char *data, size_t len)
{
    dp_msg_t msg;
    char err[ERRLEN] = "";
    int rc =
        dp_msg_decode(data, len, DP_PROTO_MAX_FRAME, &msg, err, sizeof err);
    if (rc < 0) {
        assert_int_equal(rc, DP_EPROTO);
        assert_true(err[0] != '\0');
        assert_null(strchr(err, '\n'));
        return;
    }
    assert_int_equal(rc, 0);
    dp_buf_t again = DP_BUF_INIT;
    dp_msg_t back;
    s_encode(&msg, &again);
    s_expect_accept(again.data, again.len, &back);
    s_assert_msg_equal(&msg, &back);
    dp_msg_clear(&back);
    dp_msg_clear(&msg);
    dp_buf_free(&again);
}

static void test_decode_survives_random_bytes(void **state)
{
    (void)state;
    /* Bytes drawn mostly from msgpack's type markers, so that headers,
     * lengths and nesting come up often. */
    static const unsigned char markers[] = {
        0x00, 0x01, 0x02, 0x07, 0x7f, 0x80, 0x81, 0x90, 0x91, 0x93, 0x9f,
        0xa0, 0xa3, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
        0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd4,
        0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};
    unsigned char buf[96];
    s_rng = 0x9e3779b97f4a7c15ULL;
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = 1 + s_rand() % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = s_rand();
            buf[i] = r % 2 ? markers[(r >> 8) % sizeof markers]
                           : (unsigned char)(r >> 16);
        }
        if (iter % 3 == 0) { /* a plausible head: [1, type, ...] */
            buf[0] = (unsigned char)(0x90 + s_rand() % 16);
            if (len > 1)
                buf[1] = 0x01;
            if (len > 2)
                buf[2] = (unsigned char)(s_rand() % 9);
        }
        s_decode_anything(buf, len);
    }
}

static void test_decode_survives_mutated_frames(void **state)
{
    (void)state;
    s_rng = 0x243f6a8885a308d3ULL;
    dp_buf_t frame = DP_BUF_INIT, mutant = DP_BUF_INIT;
    for (size_t i = 0; i < NDEFS; i++) {
        for (int v = 0; v < 4; v++) {
            s_frame_of(s_defs[i].type, v, &frame);
            for (int iter = 0; iter < 4000; iter++) {
                dp_buf_reset(&mutant);
                dp_buf_append(&mutant, frame.data, frame.len);
                unsigned char *b = (unsigned char *)mutant.data;
                int edits = 1 + (int)(s_rand() % 4);
                for (int e = 0; e < edits; e++) {
                    size_t at = s_rand() % mutant.len;
                    switch (s_rand() % 4) {
                    case 0:
                        b[at] = (unsigned char)s_rand();
                        break;
                    case 1:
                        b[at] ^= (unsigned char)(1u << (s_rand() % 8));
                        break;
                    case 2:
                        b[at] = (unsigned char)(0xc0 + s_rand() % 0x20);
                        break;
                    default: /* cut the tail */
                        if (at > 0)
                            mutant.len = at;
                        break;
                    }
                }
                s_decode_anything(b, mutant.len);
            }
        }
    }
    dp_buf_free(&frame);
    dp_buf_free(&mutant);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_every_message_round_trips_with_non_default_fields),
        cmocka_unit_test(test_decode_keeps_empty_strings_apart_from_none),
        cmocka_unit_test(
            test_every_message_round_trips_nulls_empties_and_extremes),
        cmocka_unit_test(test_every_message_round_trips_when_zeroed),
        cmocka_unit_test(test_round_trip_keeps_large_strings_and_lists),
        cmocka_unit_test(test_encoded_frame_is_version_type_then_fields),
        cmocka_unit_test(test_null_strings_travel_as_nil),
        cmocka_unit_test(test_decode_ignores_trailing_unknown_fields),
        cmocka_unit_test(test_decode_reads_nil_list_as_empty),
        cmocka_unit_test(test_encode_refuses_unknown_type),
        cmocka_unit_test(test_type_names_follow_the_definitions),
        cmocka_unit_test(test_clear_is_idempotent_and_accepts_null),
        cmocka_unit_test(test_copy_is_deep_for_every_message),
        cmocka_unit_test(test_copy_of_unknown_type_is_empty),
        cmocka_unit_test(test_event_to_classified_copies_every_event_field),
        cmocka_unit_test(test_decoded_strings_share_one_block),
        cmocka_unit_test(test_strs_push_copies_and_turns_null_into_empty),
        cmocka_unit_test(test_subject_is_kind_dot_repo_for_every_message),
        cmocka_unit_test(test_to_json_is_one_ascii_line_with_every_field),
        cmocka_unit_test(test_to_json_keeps_keys_of_invalid_utf8_as_null),
        cmocka_unit_test(test_to_json_of_unknown_type_names_it),
        cmocka_unit_test(test_is_bot_by_type_or_login_suffix),
        cmocka_unit_test(test_decode_rejects_empty_frame),
        cmocka_unit_test(test_decode_rejects_frame_over_max_len),
        cmocka_unit_test(test_decode_rejects_every_truncation),
        cmocka_unit_test(test_decode_rejects_trailing_bytes),
        cmocka_unit_test(test_decode_rejects_non_array_and_short_headers),
        cmocka_unit_test(test_decode_rejects_unknown_version),
        cmocka_unit_test(test_decode_rejects_unknown_type),
        cmocka_unit_test(test_decode_rejects_too_few_fields),
        cmocka_unit_test(test_decode_rejects_field_of_wrong_type),
        cmocka_unit_test(test_decode_names_the_wrong_field),
        cmocka_unit_test(test_decode_rejects_string_containing_nul),
        cmocka_unit_test(test_decode_rejects_invalid_utf8_in_every_string),
        cmocka_unit_test(test_decode_head_keeps_window_and_id_only),
        cmocka_unit_test(
            test_classified_from_event_frame_is_the_classified_message),
        cmocka_unit_test(test_classified_from_event_frame_refuses_other_frames),
        cmocka_unit_test(test_decode_accepts_every_form_of_valid_utf8),
        cmocka_unit_test(test_encode_replaces_invalid_utf8_with_u_fffd),
        cmocka_unit_test(test_repo_valid_takes_only_names_github_can_have),
        cmocka_unit_test(test_decode_rejects_string_and_list_over_bounds),
        cmocka_unit_test(test_decode_rejects_lengths_beyond_the_frame),
        cmocka_unit_test(
            test_decode_rejects_claim_of_4gib_string_without_allocating),
        cmocka_unit_test(
            test_decode_rejects_claim_of_huge_array_without_allocating),
        cmocka_unit_test(test_decode_rejects_nesting_beyond_depth_bound),
        cmocka_unit_test(test_decode_survives_random_bytes),
        cmocka_unit_test(test_decode_survives_mutated_frames),
    };
    return cmocka_run_group_tests(tests, s_group_setup, NULL);
}
