/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_idset.c: the writer's in-memory set of every stored STIX id (as 64-bit hashes), so
 * that a put can tell an id the hub has never held (most of an ingest) without probing the
 * objects_version index: such a put skips its MIN/MAX version probe, and policy ingest skips
 * its correlation lookups for the id (store_put.id_unseen).
 *
 * The set may hold too much, never too little: a hash collision, a deleted object or a
 * rolled-back put only leaves a hash that makes the next put of that id probe, as every put
 * did before. Too little would be wrong, so the set is built from the table itself inside a
 * write transaction, only the writer (under write_mu) reads or changes it, and it is thrown
 * away whenever PRAGMA data_version says another connection (another process) committed
 * since: the next put rebuilds it. Past STORE_SQ_IDSET_MAX_SLOTS the set is dropped and
 * puts probe again.
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#define IDSET_MIN_SLOTS 4096

/* FNV-1a, 64 bits, low bits spread; 0 is the empty slot, so it maps to 1. */
static uint64_t id_hash(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    /* Spread the low bits, which pick the slot. */
    h ^= h >> 32;
    return h != 0 ? h : 1;
}

int64_t store_sq_id_hash(const char *id)
{
    return (int64_t)id_hash(id);
}

int64_t store_sq_tkey(int64_t coll, const char *type)
{
    return store_sq_tkey_of(coll, (uint32_t)id_hash(type));
}

/* rk_idh(id) in SQL: store_sq_id_hash, for migrations 6 and 10 and the objects_last_type
 * term of a query (STORE_SQ_TKEY_SQL). */
static void sql_idh(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *id = sqlite3_value_text(argv[0]);
    if (id == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int64(ctx, store_sq_id_hash((const char *)id));
}

int store_sq_register_idh(sqlite3 *db)
{
    return sqlite3_create_function(db, "rk_idh", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_idh, NULL, NULL);
}

static void idset_drop(struct store_sq_idset *set)
{
    free(set->slots);
    set->slots = NULL;
    set->cap = 0;
    set->n = 0;
    set->valid = false;
}

/* Inserts h (no growth). */
static void slot_put(uint64_t *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] != 0) {
        if (slots[i] == h)
            return;
        i = (i + 1) & (cap - 1);
    }
    slots[i] = h;
}

/* Doubles the table; false (and the set dropped) past STORE_SQ_IDSET_MAX_SLOTS. */
static bool idset_grow(struct store_sq_idset *set)
{
    size_t cap = set->cap ? set->cap * 2 : IDSET_MIN_SLOTS;
    if (cap > STORE_SQ_IDSET_MAX_SLOTS) {
        idset_drop(set);
        return false;
    }
    uint64_t *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL) {
        idset_drop(set);
        return false;
    }
    for (size_t i = 0; i < set->cap; i++)
        if (set->slots[i] != 0)
            slot_put(slots, cap, set->slots[i]);
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return true;
}

static void idset_add_hash(struct store_sq_idset *set, uint64_t h)
{
    if (!set->valid)
        return;
    if ((set->n + 1) * 10 > set->cap * 7 && !idset_grow(set)) /* load at most 0.7 */
        return;
    size_t i = (size_t)h & (set->cap - 1);
    while (set->slots[i] != 0) {
        if (set->slots[i] == h)
            return;
        i = (i + 1) & (set->cap - 1);
    }
    set->slots[i] = h;
    set->n++;
}

void store_sq_idset_add(struct store_sq_idset *set, int64_t idh)
{
    idset_add_hash(set, (uint64_t)idh);
}

bool store_sq_idset_unseen(const struct store_sq_idset *set, int64_t idh)
{
    if (!set->valid)
        return false;
    uint64_t h = (uint64_t)idh;
    size_t i = (size_t)h & (set->cap - 1);
    while (set->slots[i] != 0) {
        if (set->slots[i] == h)
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    return true;
}

/* PRAGMA data_version of the writer: changes when another connection commits. */
static int data_version(struct store_sq_conn *c, int64_t *out, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, "PRAGMA data_version", &st, err);
    if (rc != 0)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = store_sq_err(err, c->db, src, "reading the data version");
    store_sq_release(c, st);
    return rc;
}

/* Fills the set from every id of the objects table. */
static int idset_build(struct store_sq_idset *set, struct store_sq_conn *c, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    idset_drop(set);
    set->valid = true;
    if (!idset_grow(set))
        return 0;
    int rc = store_sq_prepare(c, "SELECT id FROM objects", &st, err);
    if (rc != 0) {
        idset_drop(set);
        return rc;
    }
    int src = SQLITE_DONE;
    while (set->valid && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *id = sqlite3_column_text(st, 0);
        if (id != NULL)
            idset_add_hash(set, id_hash((const char *)id));
    }
    if (set->valid && src != SQLITE_DONE) {
        rc = store_sq_err(err, c->db, src, "reading the stored ids");
        idset_drop(set);
    }
    store_sq_release(c, st);
    set->builds++;
    return rc;
}

int store_sq_idset_ready(struct store_sq_idset *set, struct store_sq_conn *c, struct rk_err *err)
{
    int64_t v = 0;
    if (set->given_up) {
        c->coll_uuid[0] = '\0'; /* cannot tell whether a collection was removed: look again */
        return 0;
    }
    int rc = data_version(c, &v, err);
    if (rc != 0)
        return rc;
    if (set->valid && v == set->data_version)
        return 0;
    /* Another connection committed: it may have removed the collection the writer
     * remembers (store_sq_coll_key). */
    c->coll_uuid[0] = '\0';
    set->data_version = v;
    rc = idset_build(set, c, err);
    if (rc == 0 && !set->valid)
        set->given_up = true; /* too many ids: probe from now on */
    return rc;
}

void store_sq_idset_free(struct store_sq_idset *set)
{
    idset_drop(set);
}
