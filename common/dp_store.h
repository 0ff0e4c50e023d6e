/* dp_store.h - Redis access through hiredis, with reconnection and batches */
/* SPDX-License-Identifier: MIT */
#ifndef DP_STORE_H
#define DP_STORE_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_err.h"
#include "dp_mem.h"

typedef struct dp_store_t dp_store_t;

/* Key names carry this prefix and schema version. */
#define DP_STORE_PREFIX "dp:2:"

/* Slots of a Redis Cluster, and the bound on redirects that one command
 * follows (MOVED, ASK, TRYAGAIN, a node lost) before it fails. */
#define DP_STORE_SLOTS 16384
#define DP_STORE_REDIRECTS 5

/* Creates a store for a URL: "redis://[[user]:password@]host[:port][/db]",
 * the same with "rediss://" for TLS (the server certificate is checked
 * against the CA file in DP_REDIS_CA, or the system's CAs, and against the
 * host), or "unix:///path/to/socket[?db=N]". A password in the environment
 * variable REDIS_PASSWORD is used when the URL carries none, else the first
 * line of the file named by REDIS_PASSWORD_FILE (a regular file nobody but
 * its owner and group may read; a compose stack makes one on its first
 * start). The first connection is made at once; a failure is logged and
 * retried on the next command. NULL for a malformed URL or an unreadable
 * password file, with the reason in err.
 *
 * Redis Cluster: "redis+cluster://[[user]:password@]host:port[,host:port]"
 * (or "rediss+cluster://" for TLS; database 0 only) names one or more seed
 * nodes; the store reads CLUSTER SLOTS from the first that answers, keeps
 * one connection per node (each with the same AUTH and TLS) and sends each
 * command to the node that holds its key's slot. A plain redis:// URL that
 * points at one node of a cluster works too: the first MOVED reply turns
 * the cluster mode on, with that node as the seed. MOVED refreshes the slot
 * map, ASK is followed once with ASKING, and every command follows at most
 * DP_STORE_REDIRECTS redirects. */
dp_store_t *dp_store_new(const char *url, char *err, size_t errlen);

/* Closes the connection. Idempotent. */
void dp_store_destroy(dp_store_t **self_p);

/* Runs one command given as argc strings of the given lengths (lens may be
 * NULL for NUL-terminated strings). Reconnects and retries once when the
 * connection is lost. Returns a reply that the caller frees with
 * freeReplyObject(), or NULL on failure (logged). An error reply from Redis
 * is returned as a reply of type REDIS_REPLY_ERROR. */
redisReply *dp_store_command(dp_store_t *self, int argc, const char **argv,
                             const size_t *lens);

/* Queues a command for a batch; nothing is sent until dp_store_send or
 * dp_store_flush. */
void dp_store_append(dp_store_t *self, int argc, const char **argv,
                     const size_t *lens);

/* Sends the queued batch and collects its replies in order into replies
 * (an array of at least the number queued; the caller frees each). On a
 * lost connection the batch is resent once after reconnecting; the
 * commands of a batch must therefore be idempotent. On a cluster the batch
 * is split by node (each command goes where its key's slot is; a batch may
 * mix slots, as it is a pipeline, not a transaction) and only the commands
 * that were redirected or lost are sent again. Returns the number of
 * replies, or DP_EREDIS (no replies kept). */
DP_NODISCARD int dp_store_flush(dp_store_t *self, redisReply **replies,
                                size_t max);

/* Writes the queued batch to the server without waiting for its replies,
 * so that it runs while the caller works; dp_store_flush then reads them
 * (and sends the batch again, as it says, when the connection was lost).
 * Nothing else may use the store in between: no command, no append. On a
 * cluster, or when the write fails, it does nothing and dp_store_flush
 * sends the batch. */
void dp_store_send(dp_store_t *self);

/* Number of commands queued and not yet flushed. */
size_t dp_store_pending(dp_store_t *self);

/* Writes DP_STORE_PREFIX followed by the formatted name into buf. */
void dp_store_key(char *buf, size_t size, const char *fmt, ...) DP_PRINTF(3, 4);

/* Convenience: GET into out (binary-safe). Returns 0, DP_ENOTFOUND when the
 * key is absent, or DP_EREDIS. */
DP_NODISCARD int dp_store_get(dp_store_t *self, const char *key, dp_buf_t *out);

/* Runs a command whose reply is one string (GET, HGET...) into out: 0,
 * DP_ENOTFOUND for nil, or DP_EREDIS. */
DP_NODISCARD int dp_store_fetch(dp_store_t *self, int argc, const char **argv,
                                dp_buf_t *out);

/* Convenience: SET key value [EX ttl_s] (no expiry when ttl_s <= 0). */
DP_NODISCARD int dp_store_set(dp_store_t *self, const char *key,
                              const void *val, size_t len, long ttl_s);

/* True when the store answered PING just now. */
bool dp_store_ping(dp_store_t *self);

/* How often a service loop checks that its Redis still answers. */
#define DP_STORE_KEEPALIVE_MS 10000

/* Sends a PING when ms passed since the last one, so an idle service
 * notices a lost Redis (its health says so) and reconnects. Call it from
 * the main loop; self may be NULL (no Redis: nothing to do). */
void dp_store_keepalive(dp_store_t *self, long ms);

/* True when the store talks to a Redis Cluster (given by the URL, or found
 * by a MOVED reply). */
bool dp_store_clustered(const dp_store_t *self);

/* The Redis Cluster slot of a key: CRC16 (XMODEM) of the key modulo
 * DP_STORE_SLOTS, or of its hash tag, the part between the first "{" and
 * the first "}" after it when that part is not empty. */
unsigned dp_store_slot(const char *key, size_t len);

/* The slot of a command given as for dp_store_command: that of its key
 * (the first argument, or for EVAL, EVALSHA and FCALL the first key after
 * numkeys), or -1 for a command without a key (PING, INFO, ...). The
 * command's name and EVAL's numkeys are read as NUL-terminated strings,
 * the key by its length in lens. */
int dp_store_command_slot(int argc, const char **argv, const size_t *lens);

#endif
