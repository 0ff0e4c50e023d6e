/* dp_proto.c - msgpack codec for the messages of dp_proto.def */
/* SPDX-License-Identifier: MIT */
#include "dp_proto.h"

#include <assert.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_log.h"
#include "dp_metrics.h"
#include "dp_utf8.h"

/* Bounds that a decoder enforces whatever the frame size. */
#define DP_PROTO_MAX_STR (8u * 1024u * 1024u)
#define DP_PROTO_MAX_LIST 65536u
#define DP_PROTO_MAX_DEPTH 8
/* Bytes reserved for an emitted frame: an event with its text fits. */
#define DP_PROTO_EMIT_RESERVE 4096

/* ==== Field tables, generated from dp_proto.def ==== */

typedef enum { F_STR, F_I64, F_BOOL, F_STRS } s_ftype_t;

typedef struct {
    s_ftype_t type;
    size_t offset; /* from the start of the message struct */
    const char *name;
} s_field_t;

typedef struct {
    int type;
    const char *name;
    const s_field_t *fields;
    size_t nfields;
} s_msgdef_t;

/* Each message gets a table of its fields; s_cur_t names its struct inside
 * the generated function, so one field macro serves every message. */
#define S_FIELD(ftype, fname) {F_##ftype, offsetof(s_cur_t, fname), #fname},
#define S_TABLE_FN(NAME, id, lower, fields)                                    \
    static const s_field_t *s_fields_##lower(size_t *n)                        \
    {                                                                          \
        typedef dp_##lower##_t s_cur_t;                                        \
        static const s_field_t table[] = {fields};                             \
        *n = sizeof table / sizeof table[0];                                   \
        return table;                                                          \
    }
DP_PROTO_MESSAGES(S_TABLE_FN, S_FIELD)
#undef S_TABLE_FN

static const s_msgdef_t *s_msgdef(int type)
{
    static s_msgdef_t defs[16];
    static bool ready = false;
    if (!ready) {
#define S_DEF(NAME, id, lower, flds)                                           \
    _Static_assert(id > 0 && id < 16, "message ids are 1..15");                \
    defs[id].type = id;                                                        \
    defs[id].name = #NAME;                                                     \
    defs[id].fields = s_fields_##lower(&defs[id].nfields);
        DP_PROTO_MESSAGES(S_DEF, S_FIELD)
#undef S_DEF
        ready = true;
    }
    if (type <= 0 || type >= 16 || !defs[type].name)
        return NULL;
    return &defs[type];
}

/* The struct of a message's type sits at the start of the union. */
static void *s_payload(dp_msg_t *msg)
{
    return &msg->u;
}

const char *dp_msg_type_name(int type)
{
    const s_msgdef_t *def = s_msgdef(type);
    return def ? def->name : "UNKNOWN";
}

/* ==== Encoding ==== */

static int s_write(void *data, const char *buf, size_t len)
{
    dp_buf_append((dp_buf_t *)data, buf, len);
    return 0;
}

/* Packs a string as it is when it is valid UTF-8; otherwise packs a copy
 * with U+FFFD in place of each invalid sequence, so no sender puts on the
 * bus a string that every decoder would refuse. */
static void s_pack_str(msgpack_packer *pk, const char *s)
{
    if (!s) {
        msgpack_pack_nil(pk);
        return;
    }
    size_t len = strlen(s);
    char *fixed = dp_utf8_valid(s, len) ? NULL : dp_utf8_repair(s, len);
    if (fixed) {
        s = fixed;
        len = strlen(fixed);
    }
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
    dp_free(fixed);
}

/* Packs fields [from, def->nfields) of the message struct at base. */
static void s_pack_fields(msgpack_packer *pk, const s_msgdef_t *def,
                          size_t from, const void *base)
{
    for (size_t i = from; i < def->nfields; i++) {
        const void *field = (const char *)base + def->fields[i].offset;
        switch (def->fields[i].type) {
        case F_STR:
            s_pack_str(pk, *(char *const *)field);
            break;
        case F_I64:
            msgpack_pack_int64(pk, *(const int64_t *)field);
            break;
        case F_BOOL:
            if (*(const bool *)field)
                msgpack_pack_true(pk);
            else
                msgpack_pack_false(pk);
            break;
        case F_STRS: {
            const dp_strs_t *list = field;
            msgpack_pack_array(pk, list->count);
            for (size_t j = 0; j < list->count; j++)
                s_pack_str(pk, list->items[j]);
            break;
        }
        }
    }
}

int dp_msg_encode(const dp_msg_t *msg, dp_buf_t *out)
{
    assert(msg);
    assert(out);
    const s_msgdef_t *def = s_msgdef(msg->type);
    if (!def)
        return DP_EINVAL;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, s_write);
    msgpack_pack_array(&pk, 2 + def->nfields);
    msgpack_pack_uint32(&pk, DP_PROTO_VERSION);
    msgpack_pack_uint32(&pk, (uint32_t)def->type);
    s_pack_fields(&pk, def, 0, &msg->u);
    return 0;
}

/* ==== Walking a frame ==== */

/* Walks msgpack values without allocating, checking that every length and
 * count fits in the bytes that remain, so a frame that claims a 4 GiB
 * string or array is refused before anything is allocated for it. */
typedef struct {
    const unsigned char *p;
    size_t left;
} s_cursor_t;

static int s_take(s_cursor_t *c, size_t n)
{
    if (n > c->left)
        return -1;
    c->p += n;
    c->left -= n;
    return 0;
}

static int s_read_be(s_cursor_t *c, size_t n, uint64_t *v)
{
    if (n > c->left)
        return -1;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = (*v << 8) | c->p[i];
    return s_take(c, n);
}

static int s_skip_value(s_cursor_t *c, int depth);

static int s_skip_items(s_cursor_t *c, uint64_t count, int depth)
{
    /* Every item takes at least one byte. */
    if (count > c->left)
        return -1;
    for (uint64_t i = 0; i < count; i++)
        if (s_skip_value(c, depth + 1) < 0)
            return -1;
    return 0;
}

static int s_skip_value(s_cursor_t *c, int depth)
{
    if (depth > DP_PROTO_MAX_DEPTH || c->left == 0)
        return -1;
    unsigned char b = *c->p;
    s_take(c, 1);
    uint64_t n = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return 0; /* fixint, nil, bool */
    if (b >= 0x80 && b <= 0x8f)
        return s_skip_items(c, (uint64_t)(b & 0x0f) * 2, depth);
    if (b >= 0x90 && b <= 0x9f)
        return s_skip_items(c, b & 0x0f, depth);
    if (b >= 0xa0 && b <= 0xbf)
        return s_take(c, b & 0x1f);
    switch (b) {
    case 0xc4:
    case 0xd9: /* bin8, str8 */
        return s_read_be(c, 1, &n) < 0 ? -1 : s_take(c, n);
    case 0xc5:
    case 0xda:
        return s_read_be(c, 2, &n) < 0 ? -1 : s_take(c, n);
    case 0xc6:
    case 0xdb:
        return s_read_be(c, 4, &n) < 0 ? -1 : s_take(c, n);
    case 0xcc:
    case 0xd0:
        return s_take(c, 1);
    case 0xcd:
    case 0xd1:
        return s_take(c, 2);
    case 0xca:
    case 0xce:
    case 0xd2:
        return s_take(c, 4);
    case 0xcb:
    case 0xcf:
    case 0xd3:
        return s_take(c, 8);
    case 0xd4:
        return s_take(c, 2); /* fixext */
    case 0xd5:
        return s_take(c, 3);
    case 0xd6:
        return s_take(c, 5);
    case 0xd7:
        return s_take(c, 9);
    case 0xd8:
        return s_take(c, 17);
    case 0xc7:
        return s_read_be(c, 1, &n) < 0 ? -1 : s_take(c, n + 1);
    case 0xc8:
        return s_read_be(c, 2, &n) < 0 ? -1 : s_take(c, n + 1);
    case 0xc9:
        return s_read_be(c, 4, &n) < 0 ? -1 : s_take(c, n + 1);
    case 0xdc:
        return s_read_be(c, 2, &n) < 0 ? -1 : s_skip_items(c, n, depth);
    case 0xdd:
        return s_read_be(c, 4, &n) < 0 ? -1 : s_skip_items(c, n, depth);
    case 0xde:
        return s_read_be(c, 2, &n) < 0 ? -1 : s_skip_items(c, n * 2, depth);
    case 0xdf:
        return s_read_be(c, 4, &n) < 0 ? -1 : s_skip_items(c, n * 2, depth);
    default:
        return -1; /* 0xc1 is never used */
    }
}

/* ==== Decoding ==== */

static int s_fail(char *err, size_t errlen, const char *fmt, ...)
    DP_PRINTF(3, 4);

static int s_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return DP_EPROTO;
}

/* Why a field was refused, for the one line of dp_msg_decode. */
typedef enum {
    S_BAD_TYPE = -1, /* wrong msgpack type, or over its bound */
    S_BAD_NUL = -2,  /* a NUL byte inside a string */
    S_BAD_UTF8 = -3  /* a string that is not well-formed UTF-8 */
} s_bad_t;

typedef struct {
    size_t item; /* index in a list field, SIZE_MAX for a plain string */
    size_t at;   /* offset of the offending byte in the string */
} s_where_t;

/* One msgpack value as the decoder reads it, straight from the frame: a
 * scalar or a string whole, an array by its header (the cursor is left at
 * its first item). Every read checks that the length fits in what is
 * left of the frame. */
typedef enum {
    V_NIL,
    V_BOOL,
    V_UINT,
    V_INT,
    V_STR,
    V_ARRAY,
    V_OTHER
} s_vtype_t;

typedef struct {
    s_vtype_t type;
    uint64_t u;        /* V_UINT, V_BOOL, V_ARRAY (the count), V_STR (size) */
    int64_t i;         /* V_INT */
    const char *bytes; /* V_STR */
} s_value_t;

/* Reads the value at c into v; -1 when the frame ends first. */
static int s_next(s_cursor_t *c, s_value_t *v)
{
    memset(v, 0, sizeof *v);
    v->type = V_OTHER;
    if (c->left == 0)
        return -1;
    unsigned char b = *c->p;
    s_take(c, 1);
    uint64_t n = 0;
    if (b <= 0x7f || b >= 0xe0) {
        v->type = b <= 0x7f ? V_UINT : V_INT;
        v->u = b;
        v->i = (int64_t)(int8_t)b;
        return 0;
    }
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) {
        if (b >= 0xa0 && b <= 0xbf)
            n = b & 0x1f;
        else if (s_read_be(c, (size_t)1 << (b - 0xd9), &n) < 0)
            return -1;
        v->type = V_STR;
        v->u = n;
        v->bytes = (const char *)c->p;
        return s_take(c, n);
    }
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) {
        if (b >= 0x90 && b <= 0x9f)
            n = b & 0x0f;
        else if (s_read_be(c, b == 0xdc ? 2 : 4, &n) < 0)
            return -1;
        v->type = V_ARRAY;
        v->u = n;
        return 0;
    }
    if (b == 0xc0 || b == 0xc2 || b == 0xc3) {
        v->type = b == 0xc0 ? V_NIL : V_BOOL;
        v->u = b == 0xc3;
        return 0;
    }
    if (b >= 0xcc && b <= 0xd3) {
        size_t size = (size_t)1 << ((b - 0xcc) & 3);
        if (s_read_be(c, size, &n) < 0)
            return -1;
        if (b <= 0xcf) {
            v->type = V_UINT;
            v->u = n;
            return 0;
        }
        /* Sign-extend the two's complement of size bytes. */
        int shift = 64 - (int)(size * 8);
        v->i = shift ? (int64_t)(n << shift) >> shift : (int64_t)n;
        v->type = v->i < 0 ? V_INT : V_UINT;
        v->u = (uint64_t)v->i;
        return 0;
    }
    return 0; /* bin, ext, float, map: no field has such a type */
}

/* Where a decoder copies the string fields of a message: one block of
 * the frame's length. A string of n bytes took at least n + 1 bytes of the
 * frame (its header), so it fits with its NUL; one allocation serves the
 * whole message instead of one a string. */
typedef struct {
    char *at;
    size_t left;
} s_block_t;

/* Checks a string value and, when keep, copies it into *out (NULL is
 * left there otherwise): into block when there is one, else into a string
 * of its own. */
static int s_get_str(const s_value_t *o, char **out, bool keep,
                     s_block_t *block, s_where_t *where)
{
    if (o->type == V_NIL) {
        *out = NULL;
        return 0;
    }
    if (o->type != V_STR || o->u > DP_PROTO_MAX_STR)
        return S_BAD_TYPE;
    const char *p = o->bytes;
    size_t n = (size_t)o->u;
    /* Plain ASCII without NUL, most strings, is read once; past it: */
    size_t at = dp_utf8_plain_run(p, n);
    if (at < n) {
        /* A NUL inside would silently cut the string short: refuse it. */
        const char *nul = memchr(p + at, '\0', n - at);
        if (nul) {
            where->at = (size_t)(nul - p);
            return S_BAD_NUL;
        }
        /* Every string on the bus is UTF-8 (proto/README.md): bytes that
         * are not would be dropped or mangled by JSON writers downstream. */
        where->at = at + dp_utf8_invalid_at(p + at, n - at);
        if (where->at != n)
            return S_BAD_UTF8;
    }
    if (!keep)
        return 0;
    if (!block) {
        *out = n ? dp_strndup(p, n) : dp_strdup("");
        return 0;
    }
    assert(n < block->left);
    memcpy(block->at, p, n);
    block->at[n] = '\0';
    *out = block->at;
    block->at += n + 1;
    block->left -= n + 1;
    return 0;
}

static int s_get_i64(const s_value_t *o, int64_t *out)
{
    if (o->type == V_UINT) {
        if (o->u > INT64_MAX)
            return S_BAD_TYPE;
        *out = (int64_t)o->u;
        return 0;
    }
    if (o->type == V_INT) {
        *out = o->i;
        return 0;
    }
    return S_BAD_TYPE;
}

/* Reads one field, whose value o was just read from c, into base (its
 * strings only when keep: they are checked either way; a string field
 * into block when there is one, the items of a list each into a string of
 * its own, as dp_strs_t owns them); on error returns an s_bad_t with
 * *where set for string faults. */
static int s_get_field(const s_field_t *f, const s_value_t *o, s_cursor_t *c,
                       void *base, bool keep, s_block_t *block,
                       s_where_t *where)
{
    void *field = (char *)base + f->offset;
    where->item = SIZE_MAX;
    switch (f->type) {
    case F_STR:
        return s_get_str(o, (char **)field, keep, block, where);
    case F_I64:
        return s_get_i64(o, (int64_t *)field);
    case F_BOOL:
        if (o->type != V_BOOL)
            return S_BAD_TYPE;
        *(bool *)field = o->u != 0;
        return 0;
    case F_STRS: {
        dp_strs_t *list = field;
        if (o->type == V_NIL)
            return 0;
        /* Every item takes at least a byte. */
        if (o->type != V_ARRAY || o->u > DP_PROTO_MAX_LIST || o->u > c->left)
            return S_BAD_TYPE;
        if (o->u == 0)
            return 0;
        if (keep)
            list->items = dp_calloc((size_t)o->u, sizeof(char *));
        for (uint64_t i = 0; i < o->u; i++) {
            s_value_t item;
            char *s = NULL;
            where->item = (size_t)i;
            if (s_next(c, &item) < 0)
                return S_BAD_TYPE;
            int rc = s_get_str(&item, &s, keep, NULL, where);
            if (rc < 0)
                return rc;
            if (item.type == V_NIL)
                return S_BAD_TYPE; /* no nil inside a list */
            if (keep)
                list->items[list->count++] = s;
        }
        return 0;
    }
    }
    return S_BAD_TYPE;
}

/* Writes the line that says why field f of message def was refused. */
static void s_field_fail(const s_msgdef_t *def, const s_field_t *f, int why,
                         const s_where_t *where, char *err, size_t errlen)
{
    char item[48] = "";
    if (where->item != SIZE_MAX)
        snprintf(item, sizeof item, " item %zu", where->item);
    if (why == S_BAD_UTF8)
        s_fail(err, errlen, "%s field %s%s is not valid UTF-8 (byte %zu)",
               def->name, f->name, item, where->at);
    else if (why == S_BAD_NUL)
        s_fail(err, errlen, "%s field %s%s holds a NUL byte (byte %zu)",
               def->name, f->name, item, where->at);
    else
        s_fail(err, errlen, "%s field %s%s has the wrong type or size",
               def->name, f->name, item);
}

/* True for the fields a head keeps of its strings: see dp_msg_decode_head. */
static bool s_head_field(const s_field_t *f)
{
    return !strcmp(f->name, "repo") || !strcmp(f->name, "id");
}

/* dp_msg_decode, or dp_msg_decode_head with head. */
static int s_decode(const void *data, size_t len, size_t max_len, dp_msg_t *msg,
                    bool head, char *err, size_t errlen)
{
    assert(msg);
    memset(msg, 0, sizeof *msg);
    if (err && errlen)
        err[0] = '\0';
    if (!data || len == 0)
        return s_fail(err, errlen, "empty frame");
    if (len > max_len) {
        s_fail(err, errlen, "frame of %zu bytes exceeds the bound of %zu", len,
               max_len);
        return DP_ETOOBIG;
    }
    /* The values are read from the frame itself, in one pass: no object
     * tree, every length checked against the bytes left before it is
     * used, and each string copied once, into the message. */
    s_cursor_t cur = {data, len};
    s_value_t root, v;
    if (s_next(&cur, &root) < 0 || root.type != V_ARRAY || root.u < 2)
        return s_fail(err, errlen,
                      "frame is not an array [version, type, ...]");
    int64_t version = 0, type = 0;
    if (s_next(&cur, &v) < 0 || s_get_i64(&v, &version) < 0 ||
        s_next(&cur, &v) < 0 || s_get_i64(&v, &type) < 0)
        return s_fail(err, errlen, "version and type must be integers");
    if (version != DP_PROTO_VERSION)
        return s_fail(err, errlen, "unknown protocol version %lld (this is %d)",
                      (long long)version, DP_PROTO_VERSION);
    const s_msgdef_t *def = s_msgdef((int)(type > 0 && type < 16 ? type : 0));
    if (!def)
        return s_fail(err, errlen, "unknown message type %lld",
                      (long long)type);
    if (root.u - 2 < def->nfields)
        return s_fail(err, errlen, "%s has %u fields, needs %zu", def->name,
                      (unsigned)(root.u - 2), def->nfields);
    msg->type = (dp_msg_type_t)def->type;
    /* A head keeps two short strings: each its own. */
    s_block_t block = {NULL, 0};
    if (!head) {
        msg->block = block.at = dp_malloc(len);
        msg->block_len = block.left = len;
    }
    for (size_t i = 0; i < def->nfields; i++) {
        s_where_t where = {SIZE_MAX, 0};
        int why =
            s_next(&cur, &v) < 0
                ? S_BAD_TYPE
                : s_get_field(&def->fields[i], &v, &cur, s_payload(msg),
                              !head || s_head_field(&def->fields[i]),
                              head ? NULL : &block, &where);
        if (why < 0) {
            s_field_fail(def, &def->fields[i], why, &where, err, errlen);
            dp_msg_clear(msg);
            return DP_EPROTO;
        }
    }
    /* Fields of a later version are skipped (bounded, never allocated);
     * nothing may follow the message. */
    int rc = 0;
    if (s_skip_items(&cur, root.u - 2 - def->nfields, 0) < 0)
        rc = s_fail(err, errlen,
                    "not a well-formed msgpack value "
                    "(truncated, over-long or too deep)");
    else if (cur.left != 0)
        rc = s_fail(err, errlen, "%zu trailing bytes after the message",
                    cur.left);
    if (rc < 0)
        dp_msg_clear(msg);
    return rc;
}

int dp_msg_decode(const void *data, size_t len, size_t max_len, dp_msg_t *msg,
                  char *err, size_t errlen)
{
    return s_decode(data, len, max_len, msg, false, err, errlen);
}

int dp_msg_decode_head(const void *data, size_t len, size_t max_len,
                       dp_msg_t *msg, char *err, size_t errlen)
{
    return s_decode(data, len, max_len, msg, true, err, errlen);
}

int dp_msg_encode_classified(const void *event, size_t len,
                             const dp_classified_t *c, dp_buf_t *out)
{
    assert(event && c && out);
    const s_msgdef_t *ev = s_msgdef(DP_MSG_EVENT);
    const s_msgdef_t *cl = s_msgdef(DP_MSG_CLASSIFIED);
    s_cursor_t cur = {event, len};
    s_value_t root, version, type;
    if (s_next(&cur, &root) < 0 || root.type != V_ARRAY ||
        root.u != 2 + ev->nfields || s_next(&cur, &version) < 0 ||
        version.type != V_UINT || version.u != DP_PROTO_VERSION ||
        s_next(&cur, &type) < 0 || type.type != V_UINT ||
        type.u != DP_MSG_EVENT)
        return DP_EINVAL;
    /* What follows the header is the EVENT's fields, exactly: CLASSIFIED
     * has them first, in the same order (dp_proto.def). */
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, s_write);
    msgpack_pack_array(&pk, 2 + cl->nfields);
    msgpack_pack_uint32(&pk, DP_PROTO_VERSION);
    msgpack_pack_uint32(&pk, DP_MSG_CLASSIFIED);
    dp_buf_append(out, cur.p, cur.left);
    s_pack_fields(&pk, cl, ev->nfields, c);
    return 0;
}

/* ==== Ownership ==== */

/* True when s lies in the block of msg (its decoder's copy). */
static bool s_in_block(const dp_msg_t *msg, const char *s)
{
    return msg->block &&
           (uintptr_t)s - (uintptr_t)msg->block < (uintptr_t)msg->block_len;
}

/* Frees the strings of msg's fields: those of its block with the block,
 * any other (a field set after the decode) on its own. */
static void s_free_fields(const s_msgdef_t *def, dp_msg_t *msg)
{
    char *base = s_payload(msg);
    for (size_t i = 0; i < def->nfields; i++) {
        void *field = base + def->fields[i].offset;
        if (def->fields[i].type == F_STR) {
            if (!s_in_block(msg, *(char **)field))
                dp_free(*(char **)field);
        } else if (def->fields[i].type == F_STRS) {
            dp_strs_clear(field);
        }
    }
}

void dp_msg_clear(dp_msg_t *msg)
{
    if (!msg)
        return;
    const s_msgdef_t *def = s_msgdef(msg->type);
    if (def)
        s_free_fields(def, msg);
    dp_free(msg->block);
    memset(msg, 0, sizeof *msg);
}

/* Copies the fields of table src_def found in src into the fields of the
 * same name in dst (names and types match by construction of the .def). */
static void s_copy_fields(const s_msgdef_t *def, void *dst, const void *src)
{
    for (size_t i = 0; i < def->nfields; i++) {
        size_t off = def->fields[i].offset;
        char *d = (char *)dst + off;
        const char *s = (const char *)src + off;
        switch (def->fields[i].type) {
        case F_STR:
            *(char **)d = dp_strdup(*(char *const *)s);
            break;
        case F_I64:
            memcpy(d, s, sizeof(int64_t));
            break;
        case F_BOOL:
            memcpy(d, s, sizeof(bool));
            break;
        case F_STRS: {
            const dp_strs_t *from = (const dp_strs_t *)s;
            dp_strs_t *to = (dp_strs_t *)d;
            memset(to, 0, sizeof *to);
            for (size_t j = 0; j < from->count; j++)
                dp_strs_push(to, from->items[j]);
            break;
        }
        }
    }
}

void dp_msg_copy(dp_msg_t *dst, const dp_msg_t *src)
{
    assert(dst && src);
    memset(dst, 0, sizeof *dst);
    const s_msgdef_t *def = s_msgdef(src->type);
    if (!def)
        return;
    dst->type = src->type;
    s_copy_fields(def, &dst->u, &src->u);
}

_Static_assert(offsetof(dp_classified_t, files) == offsetof(dp_event_t, files),
               "CLASSIFIED starts with the fields of EVENT");
_Static_assert(offsetof(dp_classified_t, topics) >= sizeof(dp_event_t),
               "an EVENT fits in the prefix of a CLASSIFIED, padding too");
_Static_assert(offsetof(dp_status_t, repo) == 0 &&
                   offsetof(dp_collect_t, repo) == 0,
               "every message starts with its repo");

void dp_event_to_classified(const dp_event_t *ev, dp_classified_t *out)
{
    /* dp_classified_t starts with DP_EVENT_FIELDS, in the same order, so
     * the EVENT table describes that prefix of it too. */
    memset(out, 0, sizeof *out);
    s_copy_fields(s_msgdef(DP_MSG_EVENT), out, ev);
}

void dp_msg_move_to_classified(dp_msg_t *event, dp_msg_t *out)
{
    assert(event->type == DP_MSG_EVENT && out->type == DP_MSG_CLASSIFIED);
    assert(!out->block);
    /* The same prefix, so the same bytes: the pointers change owner, and
     * the block that holds them with them. */
    memcpy(&out->u.classified, &event->u.event, sizeof event->u.event);
    out->block = event->block;
    out->block_len = event->block_len;
    memset(&event->u.event, 0, sizeof event->u.event);
    event->block = NULL;
    event->block_len = 0;
}

void dp_strs_push(dp_strs_t *list, const char *s)
{
    list->items = dp_realloc(list->items, (list->count + 1) * sizeof(char *));
    list->items[list->count++] = dp_strdup(s ? s : "");
}

char *dp_msg_subject(const dp_msg_t *msg)
{
    static const char *const prefixes[16] = {
        [DP_MSG_COLLECT] = "collect", [DP_MSG_EVENT] = "event",
        [DP_MSG_WINDOW] = "window",   [DP_MSG_CLASSIFIED] = "classified",
        [DP_MSG_DIGEST] = "digest",   [DP_MSG_REPORT] = "report",
        [DP_MSG_STATUS] = "status",
    };
    const char *prefix = msg->type > 0 && msg->type < 16 && prefixes[msg->type]
                             ? prefixes[msg->type]
                             : "unknown";
    /* Every message starts with DP_WINDOW_FIELDS, so repo comes first. */
    const char *repo = *(char *const *)&msg->u;
    /* Put together by hand: this runs for every message sent, where a
     * formatted print cost the classifier 5 % of its instructions. */
    size_t plen = strlen(prefix), rlen = repo ? strlen(repo) : 0;
    char *subject = dp_malloc(plen + rlen + 2);
    memcpy(subject, prefix, plen);
    subject[plen] = '.';
    memcpy(subject + plen + 1, repo ? repo : "", rlen + 1);
    return subject;
}

bool dp_is_bot(const char *login, const char *type)
{
    if (type && strcmp(type, "Bot") == 0)
        return true;
    size_t len = login ? strlen(login) : 0;
    return len > 5 && strcmp(login + len - 5, "[bot]") == 0;
}

char *dp_msg_to_json(const dp_msg_t *msg)
{
    const s_msgdef_t *def = s_msgdef(msg->type);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(dp_msg_type_name(msg->type)));
    const char *base = (const char *)&msg->u;
    for (size_t i = 0; def && i < def->nfields; i++) {
        const void *field = base + def->fields[i].offset;
        json_t *v = NULL;
        switch (def->fields[i].type) {
        case F_STR: {
            const char *s = *(char *const *)field;
            v = s ? json_string(s) : json_null();
            break;
        }
        case F_I64:
            v = json_integer(*(const int64_t *)field);
            break;
        case F_BOOL:
            v = json_boolean(*(const bool *)field);
            break;
        case F_STRS: {
            const dp_strs_t *list = field;
            v = json_array();
            for (size_t j = 0; j < list->count; j++)
                json_array_append_new(v, json_string(list->items[j]));
            break;
        }
        }
        /* json_string refuses invalid UTF-8; keep the key with a null. */
        json_object_set_new(o, def->fields[i].name, v ? v : json_null());
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    char *out = dp_strdup(text ? text : "{}");
    free(text);
    return out;
}

void dp_strs_clear(dp_strs_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        dp_free(list->items[i]);
    dp_free(list->items);
    list->items = NULL;
    list->count = 0;
}

/* True for an ASCII letter or digit, or a byte of extra (never NUL). */
static bool s_name_char(char c, const char *extra)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c != '\0' && strchr(extra, c));
}

/* Length of the run of name characters at s, counting at most max + 1 (so
 * the caller sees a run that is too long). */
static size_t s_name_len(const char *s, const char *extra, size_t max)
{
    size_t n = 0;
    while (n <= max && s_name_char(s[n], extra))
        n++;
    return n;
}

bool dp_repo_valid(const char *repo)
{
    if (!repo)
        return false;
    size_t owner = s_name_len(repo, "-", DP_REPO_OWNER_MAX);
    if (owner == 0 || owner > DP_REPO_OWNER_MAX || repo[0] == '-' ||
        repo[owner] != '/')
        return false;
    const char *name = repo + owner + 1;
    size_t len = s_name_len(name, "-_.", DP_REPO_NAME_MAX);
    if (len == 0 || len > DP_REPO_NAME_MAX || name[len] != '\0')
        return false;
    /* "." and ".." are names of directories, never of a repository. */
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* ==== Over the bus ==== */

int dp_msg_emit_frame(dp_sock_t *out, dp_sock_t *tap, const dp_msg_t *msg,
                      const void *frame, size_t len)
{
    int rc = 0;
    bool sent = false;
    char *subject = dp_msg_subject(msg);
    if (out && dp_sock_send(out, NULL, frame, len, false) < 0) {
        dp_log(DP_LOG_ERROR, "cannot pass %s on", subject);
        rc = DP_EBUS;
    } else {
        sent = out != NULL;
    }
    /* The tap never holds up the pipeline. */
    if (tap && dp_sock_send(tap, subject, frame, len, true) < 0)
        dp_log(DP_LOG_DEBUG, "tap dropped %s", subject);
    else if (tap && !out)
        sent = true; /* the tap is the way out (a report, a status) */
    if (sent) {
        dp_metrics_add(DP_M_MSG_OUT, dp_msg_type_name(msg->type), 1);
        dp_metrics_add(DP_M_BYTES_OUT, NULL, (long long)len);
    }
    dp_free(subject);
    return rc;
}

int dp_msg_emit(dp_sock_t *out, dp_sock_t *tap, const dp_msg_t *msg)
{
    dp_buf_t frame = DP_BUF_INIT;
    dp_buf_reserve(&frame, DP_PROTO_EMIT_RESERVE); /* one allocation */
    int rc = dp_msg_encode(msg, &frame);
    if (rc < 0) {
        char *subject = dp_msg_subject(msg);
        dp_log(DP_LOG_ERROR, "cannot encode %s", subject);
        dp_free(subject);
    } else {
        rc = dp_msg_emit_frame(out, tap, msg, frame.data, frame.len);
    }
    dp_buf_free(&frame);
    return rc;
}

/* The reason label of a refused frame. */
static const char *s_refusal(int rc)
{
    return rc == DP_ETOOBIG  ? "too_big"
           : rc == DP_EPROTO ? "malformed"
                             : "other";
}

int dp_msg_recv(dp_sock_t *sock, dp_buf_t *subject, dp_buf_t *frame,
                size_t max_len, int timeout_ms, dp_msg_t *msg, long *bad)
{
    memset(msg, 0, sizeof *msg);
    dp_metrics_idle(); /* the message before is handled */
    int rc = dp_sock_recv(sock, subject, frame, max_len, timeout_ms);
    dp_metrics_tick();
    if (rc == DP_EAGAIN || rc == DP_EBUS)
        return rc; /* nothing came, or the socket failed: no bad frame */
    char err[256] = "";
    if (rc == 0)
        rc = s_decode(frame->data ? frame->data : "", frame->len, max_len, msg,
                      false, err, sizeof err);
    if (rc == 0) {
        dp_metrics_busy();
        dp_metrics_add(DP_M_MSG_IN, dp_msg_type_name(msg->type), 1);
        dp_metrics_add(DP_M_BYTES_IN, NULL, (long long)frame->len);
    } else {
        dp_metrics_add(DP_M_REFUSED, s_refusal(rc), 1);
    }
    if (rc < 0) {
        long n = bad ? ++*bad : 0;
        dp_log(DP_LOG_WARN, "dropped a bad frame (%ld so far): %s", n,
               *err ? err : dp_strerror(rc));
    }
    return rc;
}
