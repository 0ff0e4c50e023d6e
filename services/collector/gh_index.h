/* gh_index.h - a map from 64-bit keys (item numbers, comment ids) to 64-bit
 * values, for what a streamed listing remembers of each element */
/* SPDX-License-Identifier: MIT */
#ifndef GH_INDEX_H
#define GH_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A key that cannot be stored (the mark of an empty slot). */
#define GH_INDEX_NONE INT64_MIN

/* An open-addressing hash map; zero-initialize it, free it with
 * gh_index_clear. 16 bytes a slot, at most half the slots in use. */
typedef struct {
    int64_t *keys; /* GH_INDEX_NONE for an empty slot */
    int64_t *vals;
    size_t cap;   /* slots, a power of two, or 0 */
    size_t count; /* keys stored */
} gh_index_t;

/* The value stored for key, or NULL when there is none. The pointer stays
 * valid until the next gh_index_put. */
int64_t *gh_index_get(const gh_index_t *index, int64_t key);

/* The value slot of key, created (set to 0, *added true) when the key was
 * not there. key must not be GH_INDEX_NONE. The pointer stays valid until
 * the next gh_index_put. Out of memory aborts. */
int64_t *gh_index_put(gh_index_t *index, int64_t key, bool *added);

/* Frees the map and empties it. */
void gh_index_clear(gh_index_t *index);

#endif
