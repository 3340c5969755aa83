/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strset.c: a set of distinct byte strings, for deduplicating the STIX ids an object
 * references and for remembering per-request verdicts on them. The strings come from
 * posted objects, so the table is keyed with SipHash-2-4 under a random per-process key: a
 * poster cannot prepare ids that all land in one probe sequence.
 */
#include "core.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* Slots of a new table; a table grows (doubles) before it is half full. */
#define STRSET_MIN_SLOTS 64

/* One string of the set. An empty slot has len SIZE_MAX. */
struct rk_strset_slot {
    uint64_t hash; /* keyed hash of the string */
    size_t off;    /* its first byte in the pool */
    size_t len;    /* its length; SIZE_MAX: the slot is empty */
};

static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
    rk_random_bytes(hash_key, sizeof(hash_key));
}

uint64_t rk_strset_hash(const char *s, size_t n)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t h;

    (void)pthread_once(&hash_key_once, hash_key_init);
    crypto_shorthash(out, (const unsigned char *)s, n, hash_key);
    memcpy(&h, out, sizeof(h));
    return h;
}

static void slots_empty(struct rk_strset_slot *slots, size_t cap)
{
    for (size_t i = 0; i < cap; i++)
        slots[i].len = SIZE_MAX;
}

/* The slot holding (s, n) of hash h, or the empty slot where it would go. */
static struct rk_strset_slot *slot_find(const struct rk_strset *set, uint64_t h, const char *s,
                                        size_t n)
{
    size_t mask = set->cap - 1;
    size_t i = (size_t)h & mask;

    for (;;) {
        struct rk_strset_slot *sl = &set->slots[i];
        if (sl->len == SIZE_MAX)
            return sl;
        if (sl->hash == h && sl->len == n &&
            (n == 0 || memcmp(set->pool.data + sl->off, s, n) == 0))
            return sl;
        i = (i + 1) & mask;
    }
}

/* Doubles the table (or makes the first one), rehashing every string. */
static void grow(struct rk_strset *set)
{
    struct rk_strset set2 = *set;
    size_t cap = set->cap != 0 ? set->cap * 2 : STRSET_MIN_SLOTS;

    set2.slots = rk_malloc(cap * sizeof(*set2.slots));
    set2.cap = cap;
    slots_empty(set2.slots, cap);
    for (size_t i = 0; i < set->cap; i++) {
        const struct rk_strset_slot *sl = &set->slots[i];
        if (sl->len != SIZE_MAX)
            *slot_find(&set2, sl->hash, NULL, SIZE_MAX) = *sl; /* distinct: no compare */
    }
    free(set->slots);
    set->slots = set2.slots;
    set->cap = cap;
}

bool rk_strset_add(struct rk_strset *set, const char *s, size_t n)
{
    uint64_t h = rk_strset_hash(s, n);
    struct rk_strset_slot *sl;

    if ((set->n + 1) * 2 > set->cap)
        grow(set);
    sl = slot_find(set, h, s, n);
    if (sl->len != SIZE_MAX)
        return false;
    sl->hash = h;
    sl->off = set->pool.len;
    sl->len = n;
    rk_buf_append(&set->pool, s, n);
    set->n++;
    return true;
}

bool rk_strset_has(const struct rk_strset *set, const char *s, size_t n)
{
    if (set->n == 0)
        return false;
    return slot_find(set, rk_strset_hash(s, n), s, n)->len != SIZE_MAX;
}

size_t rk_strset_count(const struct rk_strset *set)
{
    return set->n;
}

void rk_strset_clear(struct rk_strset *set)
{
    if (set->slots != NULL)
        slots_empty(set->slots, set->cap);
    set->n = 0;
    rk_buf_reset(&set->pool);
}

void rk_strset_free(struct rk_strset *set)
{
    if (set == NULL)
        return;
    free(set->slots);
    rk_buf_free(&set->pool);
    set->slots = NULL;
    set->cap = 0;
    set->n = 0;
}
