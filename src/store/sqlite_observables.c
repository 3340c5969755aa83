/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_observables.c: the observable index in SQLite (migration 18): the rows a new
 * object version brings (store_put.observables), gathered by put_objects and inserted at
 * once through rk_obs(?1), a table-valued function like rk_rows (one statement per call,
 * not per row: AUTOINCREMENT then reads and writes its counter once); the terms that match them,
 * for the observable filter of a query and for observable_reports; and observable_since, which
 * follows the index by seq.
 */
#include "sqlite_int.h"

#include <string.h>

/* The columns a put writes, in the order rk_obs yields them (the enum below). */
#define OBS_ROWS_COLUMNS                                                                           \
    "kh, key, lo, hi, plen, date_added, coll, opos, id, source_org, source_sector, tlp"
#define OBS_ROWS_PTR "rk_obs"

/* The first and last address of obs's range (host bits of addr ignored). */
static void obs_range(const struct store_observable *obs, uint8_t lo[16], uint8_t hi[16])
{
    unsigned prefix = obs->prefix <= 128 ? obs->prefix : 128;
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        uint8_t mask = (uint8_t)(keep == 0 ? 0 : 0xff << (8 - keep));
        lo[i] = obs->addr[i] & mask;
        hi[i] = (uint8_t)(obs->addr[i] | (uint8_t)~mask);
    }
}

/* Whether addr lies in ::ffff:0:0/96, where IPv4 is mapped. */
static bool v4_mapped(const uint8_t addr[16])
{
    static const uint8_t head[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(addr, head, sizeof(head)) == 0;
}

/*
 * The shortest prefix worth probing for ranges holding obs: 96 for an IPv4 (mapped) range
 * of at least /96, since no one writes an IPv6 CIDR around the mapped space; 0 otherwise.
 */
static unsigned first_probe(const struct store_observable *obs)
{
    return obs->prefix >= 96 && v4_mapped(obs->addr) ? 96 : 0;
}

int store_sq_obs_check(const struct store_observable *obs, size_t n, struct rk_err *err)
{
    if (obs == NULL && n > 0)
        return rk_err_set(err, RK_E_INVALID, "observables: none given");
    for (size_t i = 0; i < n; i++) {
        if (obs[i].key == NULL || obs[i].key[0] == '\0')
            return rk_err_set(err, RK_E_INVALID, "observable %zu has no key", i);
        if (obs[i].ranged && obs[i].prefix > 128)
            return rk_err_set(err, RK_E_INVALID, "observable %zu: prefix %u is over 128", i,
                              (unsigned)obs[i].prefix);
    }
    return 0;
}

void store_sq_obs_add(struct store_sq_obs_rows *rows, const struct store_put *p, int64_t coll,
                      int64_t opos, rk_time_us added)
{
    for (size_t i = 0; i < p->n_observables; i++) {
        if (rows->n == rows->cap) {
            rows->cap = rows->cap > 0 ? 2 * rows->cap : 64;
            rows->v = rk_realloc(rows->v, rows->cap * sizeof(*rows->v));
        }
        struct store_sq_obs_row *r = &rows->v[rows->n++];
        r->put = p;
        r->obs = &p->observables[i];
        r->coll = coll;
        r->opos = opos;
        r->added = added;
    }
}

int store_sq_obs_flush(struct store_sq_conn *c, struct store_sq_obs_rows *rows, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    if (rows->n == 0)
        return 0;
    /* OR FAIL, not ABORT: no statement journal (as for the objects' INSERT, sqlite_put.c). */
    int rc = store_sq_prepare(c,
                              "INSERT OR FAIL INTO observables(" OBS_ROWS_COLUMNS
                              ") SELECT " OBS_ROWS_COLUMNS " FROM rk_obs(?1)",
                              &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_pointer(st, 1, rows, OBS_ROWS_PTR, NULL);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "storing the observable index");
    store_sq_release(c, st); /* resets it and clears the pointer */
    rows->n = 0;
    return rc;
}

/* ---- rk_obs(?1): the rows decided on, as a table (as rk_rows is for objects) ---- */

enum {
    OC_KH,
    OC_KEY,
    OC_LO,
    OC_HI,
    OC_PLEN,
    OC_DATE_ADDED,
    OC_COLL,
    OC_OPOS,
    OC_ID,
    OC_SOURCE_ORG,
    OC_SOURCE_SECTOR,
    OC_TLP,
    OC_SRC, /* hidden: the struct store_sq_obs_rows */
};

static void result_text(sqlite3_context *ctx, const char *v)
{
    sqlite3_result_text(ctx, v != NULL ? v : "", -1, SQLITE_STATIC);
}

static int obs_column(const struct store_sq_feed_cursor *c, sqlite3_context *ctx, int col)
{
    const struct store_sq_obs_rows *rows = c->rows;
    const struct store_sq_obs_row *r = &rows->v[c->i];
    const struct store_observable *o = r->obs;
    uint8_t lo[16], hi[16];

    switch (col) {
    case OC_KH:
        sqlite3_result_int64(ctx, store_sq_id_hash(o->key));
        break;
    case OC_KEY:
        result_text(ctx, o->key);
        break;
    case OC_LO:
    case OC_HI:
        if (!o->ranged) {
            sqlite3_result_null(ctx);
            break;
        }
        obs_range(o, lo, hi);
        sqlite3_result_blob(ctx, col == OC_LO ? lo : hi, 16, SQLITE_TRANSIENT);
        break;
    case OC_PLEN:
        if (o->ranged)
            sqlite3_result_int(ctx, o->prefix);
        else
            sqlite3_result_null(ctx);
        break;
    case OC_DATE_ADDED:
        sqlite3_result_int64(ctx, r->added);
        break;
    case OC_COLL:
        sqlite3_result_int64(ctx, r->coll);
        break;
    case OC_OPOS:
        sqlite3_result_int64(ctx, r->opos);
        break;
    case OC_ID:
        result_text(ctx, r->put->id);
        break;
    case OC_SOURCE_ORG:
        result_text(ctx, r->put->access.source_org);
        break;
    case OC_SOURCE_SECTOR:
        result_text(ctx, r->put->access.source_sector);
        break;
    case OC_TLP:
        sqlite3_result_int(ctx, r->put->access.tlp);
        break;
    default:
        sqlite3_result_null(ctx);
        break;
    }
    return SQLITE_OK;
}

static size_t obs_count(const void *rows)
{
    return ((const struct store_sq_obs_rows *)rows)->n;
}

static const struct store_sq_feed obs_feed = {"CREATE TABLE x(" OBS_ROWS_COLUMNS ", src HIDDEN)",
                                              OC_SRC, OBS_ROWS_PTR, obs_column, obs_count};

int store_sq_register_obs(sqlite3 *db)
{
    return store_sq_register_feed(db, "rk_obs", &obs_feed);
}

void store_sq_obs_match_sql(const struct store_observable *obs, size_t n, struct rk_buf *sql,
                            int first_param)
{
    int next = first_param;
    rk_buf_puts(sql, "(");
    for (size_t i = 0; i < n; i++) {
        const struct store_observable *o = &obs[i];
        rk_buf_printf(sql, "%s(kh = ?%d AND key = ?%d)", i > 0 ? " OR " : "", next, next + 1);
        next += 2;
        if (!o->ranged)
            continue;
        rk_buf_printf(sql, " OR (lo >= ?%d AND lo <= ?%d)", next, next + 1);
        next += 2;
        for (unsigned p = first_probe(o); p < o->prefix; p++) {
            rk_buf_printf(sql, " OR (lo = ?%d AND plen = ?%d)", next, next + 1);
            next += 2;
        }
    }
    rk_buf_puts(sql, ")");
}

void store_sq_obs_match_bind(sqlite3_stmt *st, const struct store_observable *obs, size_t n,
                             int first_param)
{
    int next = first_param;
    for (size_t i = 0; i < n; i++) {
        const struct store_observable *o = &obs[i];
        uint8_t lo[16], hi[16];
        sqlite3_bind_int64(st, next++, store_sq_id_hash(o->key));
        sqlite3_bind_text(st, next++, o->key, -1, SQLITE_STATIC);
        if (!o->ranged)
            continue;
        obs_range(o, lo, hi);
        sqlite3_bind_blob(st, next++, lo, 16, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, next++, hi, 16, SQLITE_TRANSIENT);
        for (unsigned p = first_probe(o); p < o->prefix; p++) {
            struct store_observable wider = *o;
            wider.prefix = (uint8_t)p;
            obs_range(&wider, lo, hi);
            sqlite3_bind_blob(st, next++, lo, 16, SQLITE_TRANSIENT);
            sqlite3_bind_int(st, next++, (int)p);
        }
    }
}

/* The columns both index reads select, in the order row_read reads them. */
#define OBS_COLS                                                                                   \
    "x.seq, x.key, x.lo, x.plen, x.date_added, x.id, k.uuid, x.source_org, x.source_sector, x.tlp"

static void row_read(sqlite3_stmt *st, struct store_observable_row *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = sqlite3_column_int64(st, 0);
    r->obs.key = (const char *)sqlite3_column_text(st, 1);
    if (sqlite3_column_type(st, 2) == SQLITE_BLOB && sqlite3_column_bytes(st, 2) == 16) {
        r->obs.ranged = true;
        memcpy(r->obs.addr, sqlite3_column_blob(st, 2), 16);
        r->obs.prefix = (uint8_t)sqlite3_column_int(st, 3);
    }
    r->date_added = sqlite3_column_int64(st, 4);
    r->id = (const char *)sqlite3_column_text(st, 5);
    r->collection_id = (const char *)sqlite3_column_text(st, 6);
    r->source_org = (const char *)sqlite3_column_text(st, 7);
    r->source_sector = (const char *)sqlite3_column_text(st, 8);
    r->tlp = sqlite3_column_int(st, 9);
}

/* Steps st to its end, each row to fn; 0, fn's stop (negative passed on) or SQLite's error. */
static int rows_to(struct store_sq_conn *c, sqlite3_stmt *st, store_observable_fn fn, void *ctx,
                   struct rk_err *err)
{
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_observable_row r;
        row_read(st, &r);
        int frc = fn(ctx, &r);
        if (frc != 0) {
            if (frc < 0 && err != NULL && err->code == RK_OK)
                rk_err_set(err, frc, "stopped by the callback");
            return frc < 0 ? frc : 0;
        }
    }
    if (src != SQLITE_DONE)
        return store_sq_err(err, c->db, src, "reading the observable index");
    return 0;
}

int store_sq_observable_since(struct store *base, int64_t after_seq, size_t limit,
                              store_observable_fn fn, void *ctx, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    if (fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "observable_since: no callback");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(c,
                          "SELECT " OBS_COLS " FROM observables AS x CROSS JOIN coll_keys AS k "
                          "ON k.k = x.coll WHERE x.seq > ?1 ORDER BY x.seq LIMIT ?2",
                          &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
    rc = rows_to(c, st, fn, ctx, err);
    store_sq_release(c, st);
    return rc;
}

int store_sq_observable_reports(struct store *base, const struct store_observable *obs,
                                rk_time_us since, store_observable_fn fn, void *ctx,
                                struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    struct rk_buf sql = RK_BUF_INIT;
    if (fn == NULL || obs == NULL)
        return rk_err_set(err, RK_E_INVALID, "observable_reports: no observable or callback");
    int rc = store_sq_obs_check(obs, 1, err);
    if (rc != 0)
        return rc;
    rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    /* One text per shape (key only, or a range of a given prefix): the cache keeps them. */
    rk_buf_puts(&sql, "SELECT " OBS_COLS " FROM observables AS x CROSS JOIN coll_keys AS k "
                      "ON k.k = x.coll WHERE x.date_added >= ?1 AND ");
    store_sq_obs_match_sql(obs, 1, &sql, 2);
    rk_buf_puts(&sql, " ORDER BY x.date_added");
    rc = store_sq_prepare(c, sql.data, &st, err);
    rk_buf_free(&sql);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    store_sq_obs_match_bind(st, obs, 1, 2);
    rc = rows_to(c, st, fn, ctx, err);
    store_sq_release(c, st);
    return rc;
}
