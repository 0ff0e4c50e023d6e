/* gh_index.c - a map from 64-bit keys to 64-bit values */
/* SPDX-License-Identifier: MIT */
#include "gh_index.h"

#include <assert.h>
#include <string.h>

#include "dp_mem.h"

#define GH_INDEX_FIRST_CAP 64

/* Slot of key or of the empty slot where it would go (linear probing). */
static size_t s_slot(const gh_index_t *index, int64_t key)
{
    /* Fibonacci hashing spreads consecutive numbers over the table. */
    uint64_t h = (uint64_t)key * UINT64_C(0x9e3779b97f4a7c15);
    size_t mask = index->cap - 1;
    size_t i = (size_t)(h >> 17) & mask;
    while (index->keys[i] != GH_INDEX_NONE && index->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

static void s_grow(gh_index_t *index)
{
    gh_index_t bigger = {.cap =
                             index->cap ? index->cap * 2 : GH_INDEX_FIRST_CAP};
    bigger.keys = dp_calloc(bigger.cap, sizeof *bigger.keys);
    bigger.vals = dp_calloc(bigger.cap, sizeof *bigger.vals);
    for (size_t i = 0; i < bigger.cap; i++)
        bigger.keys[i] = GH_INDEX_NONE;
    for (size_t i = 0; i < index->cap; i++) {
        if (index->keys[i] == GH_INDEX_NONE)
            continue;
        size_t at = s_slot(&bigger, index->keys[i]);
        bigger.keys[at] = index->keys[i];
        bigger.vals[at] = index->vals[i];
    }
    bigger.count = index->count;
    gh_index_clear(index);
    *index = bigger;
}

int64_t *gh_index_get(const gh_index_t *index, int64_t key)
{
    assert(index);
    if (index->cap == 0 || key == GH_INDEX_NONE)
        return NULL;
    size_t at = s_slot(index, key);
    return index->keys[at] == key ? &index->vals[at] : NULL;
}

int64_t *gh_index_put(gh_index_t *index, int64_t key, bool *added)
{
    assert(index && key != GH_INDEX_NONE);
    if (2 * (index->count + 1) > index->cap)
        s_grow(index);
    size_t at = s_slot(index, key);
    bool fresh = index->keys[at] == GH_INDEX_NONE;
    if (fresh) {
        index->keys[at] = key;
        index->vals[at] = 0;
        index->count++;
    }
    if (added)
        *added = fresh;
    return &index->vals[at];
}

void gh_index_clear(gh_index_t *index)
{
    assert(index);
    dp_free(index->keys);
    dp_free(index->vals);
    memset(index, 0, sizeof *index);
}
