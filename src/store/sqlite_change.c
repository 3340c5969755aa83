/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_change.c: the SQLite store's changes to the hub's entities that reach beyond one
 * row: removing a collection with its object versions (their provenance written out first,
 * as delete_object does), rewriting the access scopes of stored versions, and one write
 * transaction around several ops (write_tx).
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* Binds the text parameters of st, in order, and runs it (no rows); named by what. */
static int run_texts(struct store_sq_conn *c, const char *sql, const char *const *texts, int n,
                     const char *what, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, sql, &st, err);
    if (rc != 0)
        return rc;
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
    return store_sq_step_done(c, st, what, err);
}

/* Runs sql with ?1 the collection key and ?2 its uuid (no rows); named by what. A statement
 * may use only one of them: binding a parameter it lacks does nothing (SQLITE_RANGE). */
static int run_coll(struct store_sq_conn *c, const char *sql, int64_t coll, const char *uuid,
                    const char *what, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, sql, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_text(st, 2, uuid, -1, SQLITE_STATIC);
    return store_sq_step_done(c, st, what, err);
}

/* One integer that sql (?1 the collection key, ?2 its uuid) selects into *out. */
static int read_int(struct store_sq_conn *c, const char *sql, int64_t coll, const char *uuid,
                    int64_t *out, const char *what, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, sql, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_text(st, 2, uuid, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    *out = 0;
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, what);
    store_sq_release(c, st);
    return rc;
}

/*
 * The object rows of a collection are the pos range [coll << 40, (coll + 1) << 40)
 * (migration 3). Deleting them keeps every provenance original, in three steps that mirror
 * delete_object's: derived originals are written out from their rows; rows that carry
 * their own provenance (migration 7) get a provenance row; every provenance row of the
 * collection is listed in provenance_gone, which is how provenance_list finds the rows of
 * deleted versions (migration 5). The collection's key stays in coll_keys (keys are never
 * reused; connections cache them), marked removed by the caller.
 */
static int purge_rows(struct store_sq_conn *c, int64_t coll, const char *uuid, struct rk_err *err)
{
    int rc = run_coll(c,
                      "UPDATE provenance SET original = (SELECT CAST(substr(o.json, 1, "
                      "provenance.cut_off) || substr(o.json, provenance.cut_off + "
                      "provenance.cut_len + 1) AS BLOB) FROM objects o INDEXED BY "
                      "objects_version WHERE o.idh = rk_idh(provenance.id) AND o.coll = ?1 AND "
                      "o.id = provenance.id AND o.date_added = provenance.date_added), "
                      "derived = 0, cut_off = 0, cut_len = 0 WHERE derived = 1 AND coll_uuid = ?2",
                      coll, uuid, "keeping the provenance originals", err);
    if (rc == 0)
        rc = run_coll(c,
                      "INSERT INTO provenance(date_added, coll_uuid, id, version, org_id, "
                      "token_hash, anonymity, received, original, actions, derived, cut_off, "
                      "cut_len) SELECT date_added, ?2, id, version, source_org, "
                      "lower(hex(prov_token)), prov_anonymity, date_added, CAST(substr(json, 1, "
                      "prov_cut_off) || substr(json, prov_cut_off + prov_cut_len + 1) AS BLOB), "
                      "prov_actions, 0, 0, 0 FROM objects WHERE pos >= (?1 << 40) AND "
                      "pos < ((?1 + 1) << 40) AND prov = 1",
                      coll, uuid, "keeping the provenance of the removed versions", err);
    if (rc == 0)
        rc = run_coll(c,
                      "INSERT OR IGNORE INTO provenance_gone(id, date_added) SELECT id, "
                      "date_added FROM provenance WHERE coll_uuid = ?2",
                      coll, uuid, "listing the removed versions' provenance", err);
    if (rc == 0)
        rc = run_coll(c, "DELETE FROM observables WHERE coll = ?1", coll, uuid,
                      "removing the collection's observable index rows", err);
    if (rc == 0)
        rc = run_coll(c, "DELETE FROM objects WHERE pos >= (?1 << 40) AND pos < ((?1 + 1) << 40)",
                      coll, uuid, "removing the collection's objects", err);
    return rc;
}

int store_sq_collection_remove(struct store *base, const char *id, bool purge, int64_t *purged,
                               struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    int64_t coll = -1, exists = 0;
    bool in_tx = false;
    int rc;

    *purged = 0;
    if (id == NULL || id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "collection_remove: no id");
    struct store_sq_conn *c = store_sq_writer_lock(s);
    rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        goto out;
    in_tx = true;
    rc = read_int(c, "SELECT COUNT(*) FROM collections WHERE id = ?2", 0, id, &exists,
                  "reading a collection", err);
    if (rc != 0)
        goto out;
    if (exists == 0) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no collection %s", id);
        goto out;
    }
    rc = store_sq_coll_key(c, id, false, &coll, err);
    if (rc == 0 && coll >= 0)
        rc = read_int(c,
                      "SELECT COUNT(*) FROM objects WHERE pos >= (?1 << 40) AND "
                      "pos < ((?1 + 1) << 40)",
                      coll, id, purged, "counting the collection's objects", err);
    if (rc != 0)
        goto out;
    if (*purged > 0 && !purge) {
        rc = rk_err_set(err, RK_E_CONFLICT, "collection %s holds %lld object versions", id,
                        (long long)*purged);
        goto out;
    }
    if (*purged > 0)
        rc = purge_rows(c, coll, id, err);
    if (rc == 0)
        rc = run_coll(c, "DELETE FROM collections WHERE id = ?2", 0, id, "removing a collection",
                      err);
    /* Its key is kept, marked: no put stores into it again (store_sq_coll_key), and this
     * connection forgets the key it remembers. */
    if (rc == 0)
        rc = run_coll(c,
                      "INSERT INTO coll_keys(uuid, removed) VALUES(?2, 1) "
                      "ON CONFLICT(uuid) DO UPDATE SET removed = 1",
                      0, id, "marking the collection's key removed", err);
    c->coll_uuid[0] = '\0';
    if (rc == 0)
        rc = store_sq_exec(c, "COMMIT", err);
    if (rc == 0)
        in_tx = false;
out:
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != 0 && rc != RK_E_CONFLICT)
        *purged = 0;
    return store_sq_writer_done(s, rc, err);
}

/* The distinct non-empty scopes of the stored versions, on the writer: *out (n entries, each
 * malloc'd, the array too). */
static int scopes_read(struct store_sq_conn *c, char ***out, size_t *n, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int src;

    *out = NULL;
    *n = 0;
    int rc = store_sq_prepare(c, "SELECT DISTINCT scope FROM objects WHERE scope <> ''", &st, err);
    if (rc != 0)
        return rc;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = rk_realloc(*out, cap * sizeof(**out));
        }
        (*out)[(*n)++] = rk_strdup(t != NULL ? (const char *)t : "");
    }
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading the scopes of the objects");
    store_sq_release(c, st);
    return rc;
}

/*
 * Every replacement goes into a temporary table first and the rows are rewritten in one
 * statement, so that each row changes at most once, from the scope it had before the call
 * (a new value that is also another row's old one is not rewritten again).
 */
int store_sq_scope_rewrite(struct store *base, store_scope_fn fn, void *ctx, int64_t *changed,
                           struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct rk_buf nb = RK_BUF_INIT;
    char **scopes = NULL;
    size_t n = 0, mapped = 0;
    bool in_tx = false;
    int rc;

    *changed = 0;
    struct store_sq_conn *c = store_sq_writer_lock(s);
    rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        goto out;
    in_tx = true;
    rc = scopes_read(c, &scopes, &n, err);
    if (rc == 0)
        rc = store_sq_exec(c,
                           "CREATE TEMP TABLE IF NOT EXISTS rk_scope_map(old TEXT PRIMARY KEY, "
                           "new TEXT NOT NULL); DELETE FROM temp.rk_scope_map;",
                           err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rk_buf_reset(&nb);
        if (!fn(ctx, scopes[i], &nb))
            continue;
        const char *pair[2] = {scopes[i], nb.data != NULL ? nb.data : ""};
        rc = run_texts(c, "INSERT INTO temp.rk_scope_map(old, new) VALUES(?1, ?2)", pair, 2,
                       "noting a new scope", err);
        mapped++;
    }
    if (rc == 0 && mapped > 0) {
        rc = run_texts(c,
                       "UPDATE objects SET scope = (SELECT new FROM temp.rk_scope_map WHERE old "
                       "= objects.scope) WHERE scope IN (SELECT old FROM temp.rk_scope_map)",
                       NULL, 0, "rewriting scopes", err);
        if (rc == 0)
            *changed = sqlite3_changes64(c->db);
    }
    if (rc == 0)
        rc = store_sq_exec(c, "DELETE FROM temp.rk_scope_map", err);
    if (rc == 0)
        rc = store_sq_exec(c, "COMMIT", err);
    if (rc == 0)
        in_tx = false;
out:
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != 0)
        *changed = 0;
    for (size_t i = 0; i < n; i++)
        free(scopes[i]);
    free(scopes);
    rk_buf_free(&nb);
    return store_sq_writer_done(s, rc, err);
}

int store_sq_write_tx(struct store *base, store_tx_fn fn, void *ctx, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct store_sq_conn *c = NULL;

    if (fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "write_tx: no body");
    if (store_sq_in_enclosing())
        return rk_err_set(err, RK_E_INTERNAL, "enclosing transactions do not nest");
    int rc = store_sq_tx_enclose(s, &c, err);
    if (rc != 0)
        return rc;
    rc = fn(ctx, base, err);
    if (rc > 0)
        rc = rk_err_set(err, RK_E_INTERNAL, "write_tx: stopped by its body");
    if (rc != 0) {
        store_sq_tx_end(s, false, NULL);
        return rc;
    }
    rc = store_sq_tx_end(s, true, err);
    if (rc != 0)
        return rc;
    return store_sq_durable(s, err);
}
