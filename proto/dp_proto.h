/* dp_proto.h - devpulse messages: structs and msgpack codec from dp_proto.def
 */
/* SPDX-License-Identifier: MIT */
#ifndef DP_PROTO_H
#define DP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_bus.h"
#include "dp_err.h"
#include "dp_mem.h"
#include "dp_proto.def"

#define DP_PROTO_VERSION 1

/* Largest frame a decoder accepts by default (see dp_msg_decode). */
#define DP_PROTO_MAX_FRAME (16u * 1024u * 1024u)

/* A list of strings, owned by the message that holds it. */
typedef struct {
    char **items;
    size_t count;
} dp_strs_t;

#define DP_CTYPE_STR char *
#define DP_CTYPE_I64 int64_t
#define DP_CTYPE_BOOL bool
#define DP_CTYPE_STRS dp_strs_t

/* One struct per message, e.g. dp_event_t, with the fields in order. */
#define DP_FIELD_DECL(type, name) DP_CTYPE_##type name;
#define DP_MSG_STRUCT(NAME, id, lower, fields)                                 \
    typedef struct {                                                           \
        fields                                                                 \
    } dp_##lower##_t;
DP_PROTO_MESSAGES(DP_MSG_STRUCT, DP_FIELD_DECL)
#undef DP_MSG_STRUCT

/* Message type codes as they travel. */
typedef enum {
    DP_MSG_NONE = 0,
#define DP_MSG_ENUM(NAME, id, lower, fields) DP_MSG_##NAME = id,
    DP_PROTO_MESSAGES(DP_MSG_ENUM, DP_FIELD_DECL)
#undef DP_MSG_ENUM
} dp_msg_type_t;

/* A message of any type. Strings are owned and freed by dp_msg_clear. A
 * decoded message's string fields lie in one block it owns (block, of
 * block_len bytes; NULL for a message built in code): such a field may be
 * read, or replaced by a string of its own (which dp_msg_clear frees), but
 * not taken away to outlive the message. The items of a list are always
 * strings of their own. */
typedef struct {
    dp_msg_type_t type;
    union {
#define DP_MSG_MEMBER(NAME, id, lower, fields) dp_##lower##_t lower;
        DP_PROTO_MESSAGES(DP_MSG_MEMBER, DP_FIELD_DECL)
#undef DP_MSG_MEMBER
    } u;
    char *block;
    size_t block_len;
} dp_msg_t;

/* Name of a message type ("EVENT"), or "UNKNOWN". */
const char *dp_msg_type_name(int type);

/* Encodes a message as one msgpack array [version, type, fields...],
 * appending to out. NULL strings travel as nil. Returns 0 or DP_EINVAL for
 * an unknown type. */
DP_NODISCARD int dp_msg_encode(const dp_msg_t *msg, dp_buf_t *out);

/* Decodes one frame of len bytes into msg (which it zeroes first). Rejects,
 * with DP_EPROTO and one line in err: input that is not one msgpack array,
 * trailing bytes, an unknown version or type, a missing field or one of the
 * wrong type, and any string or list over its bound; DP_ETOOBIG when len
 * exceeds max_len. On error msg holds nothing to free. */
DP_NODISCARD int dp_msg_decode(const void *data, size_t len, size_t max_len,
                               dp_msg_t *msg, char *err, size_t errlen);

/* As dp_msg_decode, with every check of every field, but keeps only the
 * head of the message: its integers and booleans, and of its strings repo
 * and id; the other strings are NULL and the lists empty. For a stage that
 * files frames by their window and id without reading the rest. */
DP_NODISCARD int dp_msg_decode_head(const void *data, size_t len,
                                    size_t max_len, dp_msg_t *msg, char *err,
                                    size_t errlen);

/* Encodes a CLASSIFIED message, appending to out, from event, an EVENT
 * frame of len bytes as it was received (and decoded: it is not checked
 * again), and c: the EVENT's fields are the frame's own bytes, copied, not
 * packed again; the fields CLASSIFIED adds are packed from c. Returns 0,
 * or DP_EINVAL, with out unchanged, when the frame is not an EVENT of
 * exactly the EVENT fields (a newer sender's extra fields would land
 * before the topics): dp_msg_encode the whole message then. */
DP_NODISCARD int dp_msg_encode_classified(const void *event, size_t len,
                                          const dp_classified_t *c,
                                          dp_buf_t *out);

/* Frees what a message owns and zeroes it. Idempotent. */
void dp_msg_clear(dp_msg_t *msg);

/* Deep-copies src into dst (which is overwritten, not freed). */
void dp_msg_copy(dp_msg_t *dst, const dp_msg_t *src);

/* Copies the fields that EVENT and CLASSIFIED share, from an event into a
 * classified message (deep copy). */
void dp_event_to_classified(const dp_event_t *ev, dp_classified_t *out);

/* Moves the fields that EVENT and CLASSIFIED share, and the block that
 * holds their strings, from the EVENT message event into the CLASSIFIED
 * message out (which has no block yet): out's fields of the event are
 * overwritten (not freed), the rest of out is left as it is, and event is
 * left empty, with nothing to free. */
void dp_msg_move_to_classified(dp_msg_t *event, dp_msg_t *out);

/* Appends a copy of s to a string list. */
void dp_strs_push(dp_strs_t *list, const char *s);

/* Frees the strings of a list and empties it. */
void dp_strs_clear(dp_strs_t *list);

/* Longest owner (user or organization) and repository names GitHub has. */
#define DP_REPO_OWNER_MAX 39
#define DP_REPO_NAME_MAX 100

/* True for a repository name GitHub could have, "owner/name": an owner of
 * 1 to DP_REPO_OWNER_MAX ASCII letters, digits and '-', not starting with
 * '-'; a name of 1 to DP_REPO_NAME_MAX ASCII letters, digits, '-', '_'
 * and '.', other than "." and "..". Nothing else: no second '/', no space,
 * no byte past ASCII. Such a name is safe as two path components. */
bool dp_repo_valid(const char *repo);

/* The message as one line of JSON text: {"type": "EVENT", field: value...}.
 * The caller frees it. */
char *dp_msg_to_json(const dp_msg_t *msg);

/* True when a login or account type names a bot: type "Bot", or a login
 * ending in "[bot]". */
bool dp_is_bot(const char *login, const char *type);

/* Encodes msg once and sends it on out (the pipeline, blocking; may be
 * NULL) and on tap (the PUB socket, with its subject, never blocking; may be
 * NULL). Failures are logged; the tap may drop. Returns 0, or DP_EBUS when
 * out refused it. */
int dp_msg_emit(dp_sock_t *out, dp_sock_t *tap, const dp_msg_t *msg);

/* As dp_msg_emit, with msg already encoded as frame (len bytes); msg gives
 * the tap's subject. */
int dp_msg_emit_frame(dp_sock_t *out, dp_sock_t *tap, const dp_msg_t *msg,
                      const void *frame, size_t len);

/* Receives and decodes one message (frames over max_len are refused).
 * Returns 0 with msg filled (the caller clears it), DP_EAGAIN when nothing
 * came within timeout_ms, DP_EBUS when the socket failed, or the error of
 * a bad frame, which is logged
 * ("dropped a bad frame ...") and counted in *bad when bad is not NULL.
 * subject, when not NULL, receives the subject frame of a tap. frame is
 * the caller's reusable buffer. */
int dp_msg_recv(dp_sock_t *sock, dp_buf_t *subject, dp_buf_t *frame,
                size_t max_len, int timeout_ms, dp_msg_t *msg, long *bad);

/* Bus subject for a message: "event.owner/repo". Caller frees. */
char *dp_msg_subject(const dp_msg_t *msg);

#endif
