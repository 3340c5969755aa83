/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_put.c: storing object versions in SQLite: one transaction per call (or the
 * caller's enclosing one), conflict and duplicate detection, hub-wide unique and strictly
 * increasing date_added, the clustered position of each row, provenance (in the object row
 * when it can, migration 7, else a provenance row). The new rows of a call are inserted
 * together through rk_rows (sqlite_rows.c).
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* Bits of put_stmts.pending (a power of two). */
#define PENDING_BITS 4096

/* The statements put_one needs, prepared once per call, and the rows it decided on. */
struct put_stmts {
    sqlite3_stmt *minmax;         /* MIN/MAX(version) of (coll, id) */
    sqlite3_stmt *exact;          /* date_added, json, source_org of (coll, id, version) */
    sqlite3_stmt *insert;         /* INSERT ... SELECT FROM rk_rows(?1) */
    sqlite3_stmt *prov;           /* a provenance row; prepared on the first put with an original */
    struct store_sq_obs_rows obs; /* observable index rows decided, not inserted yet */
    int64_t next_seq;             /* seq of the collection's next new row */
    struct store_sq_rows rows;    /* decided, not inserted yet (rows_flush) */
    /* A bit per id hash modulo PENDING_BITS, set for the rows not inserted yet: a probe of
     * an id whose bit is clear cannot need them. */
    uint64_t pending[PENDING_BITS / 64];
};

/* Binds a borrowed string, NULL as "". */
static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v != NULL ? v : "", -1, SQLITE_STATIC);
}

/* The bit of put_stmts.pending for the id hashed idh. */
static void pending_bit(int64_t idh, size_t *word, uint64_t *mask)
{
    uint64_t b = (uint64_t)idh & (PENDING_BITS - 1);
    *word = (size_t)(b / 64);
    *mask = (uint64_t)1 << (b % 64);
}

/* Whether a row of the id hashed idh may be among the rows not inserted yet. */
static bool rows_may_hold(const struct put_stmts *ps, int64_t idh)
{
    size_t w;
    uint64_t m;
    pending_bit(idh, &w, &m);
    return (ps->pending[w] & m) != 0;
}

/*
 * Inserts the rows decided on so far with one statement (sqlite_rows.c). Called before the
 * COMMIT, and before a probe of an id that may have a row among them (the probe, and the
 * clear_first and clear_last after it, read only that id's rows), so every read sees the
 * rows decided before it, as if each had been inserted at once.
 */
static int rows_flush(struct store_sq_conn *c, struct put_stmts *ps, struct rk_err *err)
{
    if (ps->rows.n == 0)
        return 0;
    sqlite3_bind_pointer(ps->insert, 1, &ps->rows, STORE_SQ_ROWS_PTR, NULL);
    int src = sqlite3_step(ps->insert);
    sqlite3_reset(ps->insert);
    sqlite3_bind_null(ps->insert, 1); /* the cached statement keeps no pointer to rows */
    ps->rows.n = 0;
    memset(ps->pending, 0, sizeof(ps->pending));
    if (src != SQLITE_DONE)
        return store_sq_err(err, c->db, src, "storing objects");
    return 0;
}

/*
 * The token hash as bytes for objects.prov_token (migration 7): lowercase hex of at most
 * 64 bytes ("" gives 0 bytes), which lower(hex(prov_token)) gives back exactly. Returns the
 * byte count, or -1 when hash is not such hex (its provenance then gets a row of its own).
 */
static int token_bytes(const char *hash, unsigned char out[64])
{
    static const signed char val[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16}; /* digit value + 1; 0 for anything else */
    size_t n = hash != NULL ? strlen(hash) : 0;
    if (n % 2 != 0 || n > 128)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = val[(unsigned char)hash[i]], lo = val[(unsigned char)hash[i + 1]];
        if (hi == 0 || lo == 0)
            return -1;
        out[i / 2] = (unsigned char)((hi - 1) << 4 | (lo - 1));
    }
    return (int)(n / 2);
}

/*
 * A put with original_from_json is stored as a derived original: its json_extra span is the
 * cut (the provenance columns cut_off and cut_len), which must lie inside the object's bytes.
 */
static bool cut_ok(const struct store_put *p)
{
    return p->json_extra_off <= p->json_len && p->json_extra_len <= p->json_len - p->json_extra_off;
}

static int cut_error(const struct store_put *p, struct rk_err *err)
{
    return rk_err_set(err, RK_E_INVALID,
                      "%s: provenance cut [%zu, +%zu) is outside the %zu bytes of the object",
                      p->id, p->json_extra_off, p->json_extra_len, p->json_len);
}

/* One string of a put for prep: NULL stands for dflt. */
static void prep_str(struct store_sq_prep *pr, enum store_sq_prep_str k, const char *v,
                     const char *dflt)
{
    pr->str[k] = v != NULL ? v : dflt;
    pr->str_len[k] = (int)strlen(pr->str[k]);
}

void store_sq_puts_prep(const struct store_put *puts, struct store_sq_prep *prep, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_put *p = &puts[i];
        struct store_sq_prep *pr = &prep[i];
        pr->idh = store_sq_id_hash(p->id);
        pr->vform = p->version >= 0 && p->version_text != NULL ? rk_time_form(p->version_text) : -1;
        if (pr->vform < 0)
            pr->vform = RK_TIME_FORM_US;
        pr->type_h = (uint32_t)store_sq_id_hash(p->type);
        pr->cut_ok = true;
        pr->token_len = -1;
        /* A derived original's provenance rides in the object row (migration 7). */
        if (p->original != NULL && p->original_from_json) {
            pr->cut_ok = cut_ok(p);
            /* The same token posts a whole envelope: decode it once. */
            if (i > 0 && prep[i - 1].token_len >= 0 && puts[i - 1].token_hash == p->token_hash) {
                pr->token_len = prep[i - 1].token_len;
                memcpy(pr->token, prep[i - 1].token, (size_t)pr->token_len);
            } else {
                pr->token_len = token_bytes(p->token_hash, pr->token);
            }
        }
        prep_str(pr, STORE_SQ_STR_ID, p->id, "");
        prep_str(pr, STORE_SQ_STR_TYPE, p->type, "");
        prep_str(pr, STORE_SQ_STR_SPEC_VERSION, p->spec_version, "");
        prep_str(pr, STORE_SQ_STR_SOURCE_ORG, p->access.source_org, "");
        prep_str(pr, STORE_SQ_STR_SOURCE_SECTOR, p->access.source_sector, "");
        prep_str(pr, STORE_SQ_STR_SCOPE, p->access.scope, "");
        prep_str(pr, STORE_SQ_STR_RECIPIENTS, p->access.recipients, "");
        prep_str(pr, STORE_SQ_STR_JOINS, p->access.joins, "");
        prep_str(pr, STORE_SQ_STR_RULE, p->access.rule, "");
        prep_str(pr, STORE_SQ_STR_ACTIONS, p->actions, "[]");
    }
}

/*
 * Writes the provenance row of a NEW version (same transaction as the object row), for an
 * original the object row cannot carry (migration 7): one that is not derived, or whose
 * token hash is not hex. A derived original is written as its cut only (an empty original,
 * derived = 1): the bytes are those of the object row just written, minus the cut.
 */
static int put_provenance(struct store_sq_conn *c, struct put_stmts *ps, const char *collection_id,
                          const struct store_put *p, rk_time_us added, rk_time_us version,
                          struct rk_err *err)
{
    /* A derived original's cut was checked by put_one before the object row went in. */
    if (ps->prov == NULL) {
        int rc = store_sq_prepare(c,
                                  "INSERT INTO provenance(date_added, coll_uuid, id, version, "
                                  "org_id, token_hash, anonymity, received, original, actions, "
                                  "derived, cut_off, cut_len) "
                                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                                  &ps->prov, err);
        if (rc != 0)
            return rc;
    }
    sqlite3_stmt *st = ps->prov;
    sqlite3_bind_int64(st, 1, added);
    bind_str(st, 2, collection_id);
    bind_str(st, 3, p->id);
    sqlite3_bind_int64(st, 4, version);
    bind_str(st, 5, p->access.source_org);
    bind_str(st, 6, p->token_hash);
    sqlite3_bind_int(st, 7, p->anonymity);
    sqlite3_bind_int64(st, 8, added);
    if (p->original_from_json)
        sqlite3_bind_zeroblob(st, 9, 0); /* an empty blob, not NULL */
    else
        sqlite3_bind_blob64(st, 9, p->original, p->original_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, p->actions != NULL ? p->actions : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 11, p->original_from_json);
    sqlite3_bind_int64(st, 12, p->original_from_json ? (sqlite3_int64)p->json_extra_off : 0);
    sqlite3_bind_int64(st, 13, p->original_from_json ? (sqlite3_int64)p->json_extra_len : 0);
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        return store_sq_err(err, c->db, src, "storing provenance");
    return 0;
}

/* Clears is_first of the previous first version of (coll, id). */
static int clear_first(struct store_sq_conn *c, int64_t coll, const char *id, int64_t idh,
                       struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(
        c,
        "UPDATE objects SET is_first = 0 WHERE coll = ?1 AND idh = ?3 AND id = ?2 AND "
        "is_first = 1",
        &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, idh);
    return store_sq_step_done(c, st, "updating version flags", err);
}

/*
 * Moves the previous last version of (coll, id), version vmax, out of the last range: same
 * seq, is_last off. Its pos comes from a covering probe of objects_version, then one UPDATE
 * by rowid: an UPDATE selecting by (coll, id) that changes the rowid goes through a
 * temporary table and costs half as much again.
 */
static int clear_last(struct store_sq_conn *c, int64_t coll, const char *id, int64_t idh,
                      rk_time_us vmax, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t pos = -1;
    int rc = store_sq_prepare(
        c, "SELECT pos FROM objects WHERE coll = ?1 AND idh = ?4 AND id = ?2 AND version = ?3", &st,
        err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, vmax);
    sqlite3_bind_int64(st, 4, idh);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        pos = sqlite3_column_int64(st, 0);
    else if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "looking up the last version");
    store_sq_release(c, st);
    if (rc != 0 || pos < 0 || (pos & POS_LAST) == 0)
        return rc;
    rc = store_sq_prepare(c, "UPDATE objects SET is_last = 0, pos = ?2 WHERE pos = ?1", &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, pos);
    sqlite3_bind_int64(st, 2, pos & ~POS_LAST);
    return store_sq_step_done(c, st, "updating version flags", err);
}

/* Stores one version, or classifies it as DUP/CONFLICT. Called inside the transaction. */
static int put_one(struct store_sq_conn *c, struct put_stmts *ps, const char *collection_id,
                   int64_t coll, struct store_put *p, const struct store_sq_prep *pr,
                   rk_time_us *last, struct rk_err *err)
{
    int rc = 0;
    int src;
    bool exists = false;
    rk_time_us vmin = 0, vmax = 0;
    struct store_sq_idset *ids = &c->owner->idset;
    /* An id the hub has never held has no versions here: no probe (sqlite_idset.c). */
    int64_t idh = pr->idh;
    bool unseen = store_sq_idset_unseen(ids, idh);

    p->id_unseen = false;
    p->first_source[0] = '\0';
    if (!unseen) {
        rc = rows_may_hold(ps, idh) ? rows_flush(c, ps, err) : 0;
        if (rc != 0)
            return rc;
        sqlite3_bind_int64(ps->minmax, 1, coll);
        sqlite3_bind_text(ps->minmax, 2, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ps->minmax, 3, idh);
        src = sqlite3_step(ps->minmax);
        if (src != SQLITE_ROW) {
            rc = store_sq_err(err, c->db, src, "looking up versions");
            sqlite3_reset(ps->minmax);
            return rc;
        }
        if (sqlite3_column_type(ps->minmax, 0) != SQLITE_NULL) {
            exists = true;
            vmin = sqlite3_column_int64(ps->minmax, 0);
            vmax = sqlite3_column_int64(ps->minmax, 1);
        }
        sqlite3_reset(ps->minmax);
    }

    rk_time_us version = p->version;
    if (version < 0 && exists)
        version = vmin; /* an object without created/modified keeps its first version */

    if (exists && version >= vmin && version <= vmax) {
        sqlite3_bind_int64(ps->exact, 1, coll);
        sqlite3_bind_text(ps->exact, 2, p->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ps->exact, 3, version);
        sqlite3_bind_int64(ps->exact, 4, idh);
        src = sqlite3_step(ps->exact);
        if (src == SQLITE_ROW) {
            const void *body = sqlite3_column_blob(ps->exact, 1);
            size_t len = (size_t)sqlite3_column_bytes(ps->exact, 1);
            const unsigned char *first = sqlite3_column_text(ps->exact, 2);
            p->date_added = sqlite3_column_int64(ps->exact, 0);
            p->version_out = version;
            size_t flen = first != NULL ? strnlen((const char *)first, RK_UUID_LEN - 1) : 0;
            memcpy(p->first_source, first != NULL ? (const char *)first : "", flen);
            p->first_source[flen] = '\0';
            p->result = len == p->json_len && memcmp(body, p->json, len) == 0 ? STORE_PUT_DUP
                                                                              : STORE_PUT_CONFLICT;
            sqlite3_reset(ps->exact);
            return 0;
        }
        sqlite3_reset(ps->exact);
        if (src != SQLITE_DONE)
            return store_sq_err(err, c->db, src, "looking up a version");
    }

    /* A new version: the next hub-wide date_added, never below the clock. */
    rk_time_us now = rk_time_now();
    rk_time_us added = now > *last ? now : *last + 1;
    *last = added;
    if (version < 0)
        version = added;
    bool is_first = !exists || version < vmin;
    bool is_last = !exists || version > vmax;
    if (exists && is_first) {
        rc = clear_first(c, coll, p->id, idh, err);
        if (rc != 0)
            return rc;
    }
    if (exists && is_last) {
        rc = clear_last(c, coll, p->id, idh, vmax, err);
        if (rc != 0)
            return rc;
    }
    if (ps->next_seq > POS_SEQ)
        return rk_err_set(err, RK_E_DB, "the collection's object sequence is exhausted");
    if (!pr->cut_ok)
        return cut_error(p, err);
    if (ps->rows.n == ps->rows.cap) { /* one row per put: only if a caller changed that */
        rc = rows_flush(c, ps, err);
        if (rc != 0)
            return rc;
    }
    struct store_sq_row *r = &ps->rows.v[ps->rows.n++];
    r->put = p;
    r->prep = pr;
    r->added = added;
    r->coll = coll;
    r->version = version;
    r->pos = coll << POS_COLL_SHIFT | (is_last ? POS_LAST : 0) | ps->next_seq;
    r->is_first = is_first;
    r->is_last = is_last;
    size_t w;
    uint64_t m;
    pending_bit(idh, &w, &m);
    ps->pending[w] |= m;
    ps->next_seq++;
    if (p->original != NULL && pr->token_len < 0) {
        rc = put_provenance(c, ps, collection_id, p, added, version, err);
        if (rc != 0)
            return rc;
    }
    if (p->n_observables > 0)
        store_sq_obs_add(&ps->obs, p, coll, r->pos & ~POS_LAST, added);
    store_sq_idset_add(ids, idh);
    p->id_unseen = unseen;
    p->result = STORE_PUT_NEW;
    p->date_added = added;
    p->version_out = version;
    return 0;
}

/* Reads MAX(date_added) inside the write transaction: another process may have written. */
static int refresh_last(struct store_sq_conn *c, rk_time_us *last, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, STORE_SQ_MAX_ADDED_SQL, &st, err);
    if (rc != 0)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        rk_time_us m = sqlite3_column_int64(st, 0);
        if (m > *last)
            *last = m;
    } else {
        rc = store_sq_err(err, c->db, src, "reading the last date_added");
    }
    store_sq_release(c, st);
    return rc;
}

int store_sq_puts_check(const char *collection_id, const struct store_put *puts, size_t n,
                        struct rk_err *err)
{
    if (collection_id == NULL || (puts == NULL && n > 0))
        return rk_err_set(err, RK_E_INVALID, "put_objects: no collection or objects");
    for (size_t i = 0; i < n; i++) {
        if (puts[i].id == NULL || puts[i].type == NULL || puts[i].spec_version == NULL ||
            puts[i].json == NULL)
            return rk_err_set(err, RK_E_INVALID, "put_objects: object %zu lacks a field", i);
        int rc = store_sq_obs_check(puts[i].observables, puts[i].n_observables, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int store_sq_put_objects(struct store *base, const char *collection_id, struct store_put *puts,
                         size_t n, struct rk_err *err)
{
    int rc = store_sq_puts_check(collection_id, puts, n, err);
    if (rc != 0 || n == 0)
        return rc;
    struct store_sq_prep *prep = rk_malloc(n * sizeof(*prep));
    store_sq_puts_prep(puts, prep, n);
    rc = store_sq_put_prepped((struct store_sqlite *)base, collection_id, puts, prep, n, err);
    free(prep);
    return rc;
}

int store_sq_put_prepped(struct store_sqlite *s, const char *collection_id, struct store_put *puts,
                         const struct store_sq_prep *prep, size_t n, struct rk_err *err)
{
    struct put_stmts ps = {NULL, NULL, NULL, NULL, {NULL, 0, 0}, 0, {NULL, 0, 0}, {0}};
    int64_t coll = -1;
    int rc;

    if (n == 0)
        return 0;
    struct store_sq_conn *c = store_sq_writer_lock(s);
    rk_time_us last = s->last_added;
    bool in_tx = false;
    rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        goto out;
    in_tx = true;
    rc = refresh_last(c, &last, err);
    if (rc != 0)
        goto out;
    rc = store_sq_idset_ready(&s->idset, c, err);
    if (rc != 0)
        goto out;
    rc = store_sq_coll_key(c, collection_id, true, &coll, err);
    if (rc == RK_E_NOTFOUND && store_sq_in_enclosing())
        in_tx = false; /* a removed collection: nothing written, the other jobs of the batch
                          keep their rows (put_objects_then rolls this one back alone) */
    if (rc != 0)
        goto out;
    rc = store_sq_seq_at(c, coll, -1, &ps.next_seq, err);
    if (rc != 0)
        goto out;
    ps.next_seq++;
    rc = store_sq_prepare(
        c,
        "SELECT MIN(version), MAX(version) FROM objects WHERE coll = ?1 AND idh = ?3 AND id = ?2",
        &ps.minmax, err);
    if (rc != 0)
        goto out;
    rc = store_sq_prepare(
        c,
        "SELECT date_added, json, source_org FROM objects WHERE coll = ?1 AND idh = ?4 "
        "AND id = ?2 AND version = ?3",
        &ps.exact, err);
    if (rc != 0)
        goto out;
    /* OR FAIL rather than the default ABORT: a multi-row statement that may abort keeps a
     * statement journal (a copy of every page it changes, 2,100 instructions per object),
     * and a failed put_objects is rolled back whole anyway. */
    rc = store_sq_prepare(c,
                          "INSERT OR FAIL INTO objects(" STORE_SQ_ROWS_COLUMNS
                          ") SELECT " STORE_SQ_ROWS_COLUMNS " FROM rk_rows(?1)",
                          &ps.insert, err);
    if (rc != 0)
        goto out;
    ps.rows.v = rk_malloc(n * sizeof(*ps.rows.v));
    ps.rows.cap = n;
    for (size_t i = 0; i < n; i++) {
        rc = put_one(c, &ps, collection_id, coll, &puts[i], &prep[i], &last, err);
        if (rc != 0)
            goto out;
    }
    rc = rows_flush(c, &ps, err);
    if (rc == 0)
        rc = store_sq_obs_flush(c, &ps.obs, err);
    if (rc != 0)
        goto out;
    rc = store_sq_exec(c, "COMMIT", err);
    if (rc == 0) {
        in_tx = false;
        s->last_added = last;
    }
out:
    store_sq_release(c, ps.minmax);
    store_sq_release(c, ps.exact);
    store_sq_release(c, ps.insert);
    store_sq_release(c, ps.prov);
    free(ps.obs.v);
    free(ps.rows.v);
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return store_sq_writer_done(s, rc, err);
}
