/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_policy.c: the audit log with its hash chain, the credit ledger, the originals of
 * stored objects (provenance), lookups of an object across collections, and the counts
 * (organisations of a sector, credit points of a kind).
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* Empty string for NULL fields; writable type to fit the char * fields of the structs. */
static char empty_str[1];

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL ? (char *)t : empty_str;
}

static char *or_empty(char *v)
{
    return v != NULL ? v : empty_str;
}

void store_sq_access_fill(sqlite3_stmt *st, int first, struct store_access *a)
{
    a->tlp = sqlite3_column_int(st, first);
    a->source_org = col_text(st, first + 1);
    a->source_sector = col_text(st, first + 2);
    a->scope = col_text(st, first + 3);
    a->recipients = col_text(st, first + 4);
    a->joins = col_text(st, first + 5);
    a->rule = col_text(st, first + 6);
}

/* Passes a callback's stop value on: negative is an error (set err if the callback did
 * not), positive just stops. Returns what the op returns. */
static int callback_rc(int frc, struct rk_err *err)
{
    if (frc >= 0)
        return 0;
    if (err != NULL && err->code == RK_OK)
        rk_err_set(err, frc, "stopped by the callback");
    return frc;
}

/* ---- audit log ---------------------------------------------------------------------------- */

int store_sq_audit_append(struct store *base, struct store_audit *e, store_audit_hash_fn hash_fn,
                          struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_stmt *st = NULL;
    char *prev = NULL;
    bool in_tx = false;
    int src;

    if (e == NULL || hash_fn == NULL || e->action == NULL)
        return rk_err_set(err, RK_E_INVALID, "audit_append: an entry, its action and a hash");
    struct store_sq_conn *c = store_sq_writer_lock(s);
    /* IMMEDIATE takes the database write lock before reading the last entry, so another
     * process appending at the same time cannot fork the chain either. */
    int rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        goto out;
    in_tx = true;
    rc = store_sq_prepare(c, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &st, err);
    if (rc != 0)
        goto out;
    int64_t seq = 1;
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        prev = rk_strdup(col_text(st, 1));
    } else if (src == SQLITE_DONE) {
        prev = rk_strdup("");
    } else {
        rc = store_sq_err(err, c->db, src, "reading the last audit entry");
        goto out;
    }
    store_sq_release(c, st);
    st = NULL;

    /* The hash covers exactly what is stored: NULL strings are "" in both. */
    struct store_audit h = {
        .seq = seq,
        .time = e->time > 0 ? e->time : rk_time_now(),
        .org_id = or_empty(e->org_id),
        .action = e->action,
        .route = or_empty(e->route),
        .collection = or_empty(e->collection),
        .detail = or_empty(e->detail),
        .prev_hash = prev,
        .hash = NULL,
    };
    char hash[65];
    memset(hash, 0, sizeof(hash));
    hash_fn(&h, hash);
    hash[64] = '\0';

    rc = store_sq_prepare(c,
                          "INSERT INTO audit(seq, time, org_id, action, route, collection, "
                          "detail, prev_hash, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                          &st, err);
    if (rc != 0)
        goto out;
    sqlite3_bind_int64(st, 1, h.seq);
    sqlite3_bind_int64(st, 2, h.time);
    sqlite3_bind_text(st, 3, h.org_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, h.action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, h.route, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, h.collection, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, h.detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, h.prev_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, hash, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    if (src != SQLITE_DONE) {
        rc = store_sq_err(err, c->db, src, "appending to the audit log");
        goto out;
    }
    store_sq_release(c, st);
    st = NULL;
    rc = store_sq_exec(c, "COMMIT", err);
    if (rc != 0)
        goto out;
    in_tx = false;
    e->seq = h.seq;
    e->time = h.time;
out:
    store_sq_release(c, st);
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    rc = store_sq_writer_done(s, rc, err);
    free(prev);
    return rc;
}

int store_sq_audit_list(struct store *base, int64_t after_seq, size_t limit, const char *org_id,
                        store_audit_fn fn, void *ctx, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int src;
    if (fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "audit_list: no callback");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(c,
                          org_id != NULL
                              ? "SELECT seq, time, org_id, action, route, collection, detail, "
                                "prev_hash, hash FROM audit WHERE org_id = ?3 AND seq > ?1 "
                                "ORDER BY seq LIMIT ?2"
                              : "SELECT seq, time, org_id, action, route, collection, detail, "
                                "prev_hash, hash FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                          &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, after_seq);
    sqlite3_bind_int64(st, 2, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
    if (org_id != NULL)
        sqlite3_bind_text(st, 3, org_id, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit e = {
            .seq = sqlite3_column_int64(st, 0),
            .time = sqlite3_column_int64(st, 1),
            .org_id = col_text(st, 2),
            .action = col_text(st, 3),
            .route = col_text(st, 4),
            .collection = col_text(st, 5),
            .detail = col_text(st, 6),
            .prev_hash = col_text(st, 7),
            .hash = col_text(st, 8),
        };
        int frc = fn(ctx, &e);
        if (frc != 0) {
            rc = callback_rc(frc, err);
            src = SQLITE_DONE;
            break;
        }
    }
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading the audit log");
    store_sq_release(c, st);
    return rc;
}

/* ---- credit ledger ------------------------------------------------------------------------ */

int store_sq_credit_add(struct store *base, const struct store_credit *cr, size_t n,
                        struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_stmt *st = NULL;
    bool in_tx = false;
    if (cr == NULL && n > 0)
        return rk_err_set(err, RK_E_INVALID, "credit_add: no events");
    for (size_t i = 0; i < n; i++) {
        if (cr[i].org_id == NULL || cr[i].kind == NULL || cr[i].object_id == NULL)
            return rk_err_set(err, RK_E_INVALID,
                              "credit_add: event %zu lacks its org, kind or object", i);
    }
    if (n == 0)
        return 0;
    struct store_sq_conn *c = store_sq_writer_lock(s);
    int rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        goto out;
    in_tx = true;
    rc = store_sq_prepare(c,
                          "INSERT INTO credit(time, org_id, kind, object_id, points, by_org, "
                          "by_sector) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                          &st, err);
    if (rc != 0)
        goto out;
    rk_time_us now = rk_time_now();
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, cr[i].time > 0 ? cr[i].time : now);
        sqlite3_bind_text(st, 2, cr[i].org_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, cr[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, cr[i].object_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, cr[i].points);
        sqlite3_bind_text(st, 6, or_empty(cr[i].by_org), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, or_empty(cr[i].by_sector), -1, SQLITE_STATIC);
        int src = sqlite3_step(st);
        sqlite3_reset(st);
        if (src != SQLITE_DONE) {
            rc = store_sq_err(err, c->db, src, "adding credit");
            goto out;
        }
    }
    rc = store_sq_exec(c, "COMMIT", err);
    if (rc == 0)
        in_tx = false;
out:
    store_sq_release(c, st);
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return store_sq_writer_done(s, rc, err);
}

int store_sq_credit_list(struct store *base, const char *org_id, store_credit_fn fn, void *ctx,
                         struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int src;
    if (fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "credit_list: no callback");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(c,
                          org_id != NULL
                              ? "SELECT seq, time, org_id, kind, object_id, points, by_org, "
                                "by_sector FROM credit WHERE org_id = ?1 ORDER BY seq"
                              : "SELECT seq, time, org_id, kind, object_id, points, by_org, "
                                "by_sector FROM credit ORDER BY seq",
                          &st, err);
    if (rc != 0)
        return rc;
    if (org_id != NULL)
        sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_credit cr = {
            .seq = sqlite3_column_int64(st, 0),
            .time = sqlite3_column_int64(st, 1),
            .org_id = col_text(st, 2),
            .kind = col_text(st, 3),
            .object_id = col_text(st, 4),
            .points = sqlite3_column_int(st, 5),
            .by_org = col_text(st, 6),
            .by_sector = col_text(st, 7),
        };
        int frc = fn(ctx, &cr);
        if (frc != 0) {
            rc = callback_rc(frc, err);
            src = SQLITE_DONE;
            break;
        }
    }
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading the credit ledger");
    store_sq_release(c, st);
    return rc;
}

/* ---- provenance and lookups across collections -------------------------------------------- */

/*
 * The original of a derived provenance row: the object row's json (column 13) minus the cut
 * (columns 11 and 12), in a malloc'd string the caller frees. A derived row whose object
 * row is missing or shorter than the cut is an error: delete_object writes originals out
 * before deleting their rows, so it means the vault was damaged.
 */
static int prov_derive(sqlite3_stmt *st, char **out, struct rk_err *err)
{
    const char *json = sqlite3_column_blob(st, 13);
    size_t n = (size_t)sqlite3_column_bytes(st, 13);
    sqlite3_int64 off = sqlite3_column_int64(st, 11), cut = sqlite3_column_int64(st, 12);

    if (sqlite3_column_type(st, 13) == SQLITE_NULL || off < 0 || cut < 0 || (size_t)off > n ||
        (size_t)cut > n - (size_t)off)
        return rk_err_set(err, RK_E_DB,
                          "provenance of %s added at %lld: the object row it is derived from is "
                          "missing or shorter than the cut [%lld, +%lld)",
                          col_text(st, 2), (long long)sqlite3_column_int64(st, 0), (long long)off,
                          (long long)cut);
    char *o = rk_malloc(n - (size_t)cut + 1);
    if (off > 0)
        memcpy(o, json, (size_t)off);
    memcpy(o + off, json + off + cut, n - (size_t)off - (size_t)cut);
    o[n - (size_t)cut] = '\0';
    *out = o;
    return 0;
}

int store_sq_provenance_list(struct store *base, const char *id, store_provenance_fn fn, void *ctx,
                             struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int src;
    if (id == NULL || fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "provenance_list: no id or callback");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    /* A derived original comes from the objects row the provenance row was found through:
     * the same statement, the same snapshot. */
    rc = store_sq_prepare(c, STORE_SQ_PROVENANCE_LIST_SQL, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, store_sq_id_hash(id));
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        char *derived = NULL;
        if (sqlite3_column_int(st, 10) != 0) {
            rc = prov_derive(st, &derived, err);
            if (rc != 0) {
                src = SQLITE_DONE;
                break;
            }
        }
        struct store_provenance p = {
            .date_added = sqlite3_column_int64(st, 0),
            .collection_id = col_text(st, 1),
            .id = col_text(st, 2),
            .version = sqlite3_column_int64(st, 3),
            .org_id = col_text(st, 4),
            .token_hash = col_text(st, 5),
            .anonymity = sqlite3_column_int(st, 6),
            .received = sqlite3_column_int64(st, 7),
            /* canonical JSON: text without NULs */
            .original = derived != NULL ? derived : col_text(st, 8),
            .actions = col_text(st, 9),
        };
        int frc = fn(ctx, &p);
        free(derived);
        if (frc != 0) {
            rc = callback_rc(frc, err);
            src = SQLITE_DONE;
            break;
        }
    }
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading provenance");
    store_sq_release(c, st);
    return rc;
}

int store_sq_find_object(struct store *base, const char *id, store_row_fn fn, void *ctx,
                         struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int src;
    if (id == NULL || fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "find_object: no id or callback");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(c, STORE_SQ_FIND_OBJECT_SQL, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, store_sq_id_hash(id));
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_row row;
        memset(&row, 0, sizeof(row));
        row.date_added = sqlite3_column_int64(st, 0);
        row.id = col_text(st, 1);
        row.type = col_text(st, 2);
        row.spec_version = col_text(st, 3);
        row.version = sqlite3_column_int64(st, 4);
        row.collection_id = col_text(st, 5);
        store_sq_access_fill(st, 6, &row.access);
        row.version_form = sqlite3_column_int(st, 13);
        int frc = fn(ctx, &row);
        if (frc != 0) {
            rc = callback_rc(frc, err);
            src = SQLITE_DONE;
            break;
        }
    }
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "finding an object");
    store_sq_release(c, st);
    return rc;
}

/* Runs a statement giving one integer, with one text parameter and, unless arg2 is NULL, a
 * second one. */
static int count1(struct store *base, const char *sql, const char *arg, const char *arg2,
                  int64_t *count, const char *what, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    *count = 0;
    if (arg == NULL)
        return rk_err_set(err, RK_E_INVALID, "%s: no key", what);
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(c, sql, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    if (arg2 != NULL)
        sqlite3_bind_text(st, 2, arg2, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    else
        rc = store_sq_err(err, c->db, src, what);
    store_sq_release(c, st);
    return rc;
}

int store_sq_org_count_sector(struct store *base, const char *sector, int64_t *count,
                              struct rk_err *err)
{
    return count1(base, "SELECT COUNT(*) FROM orgs WHERE sector = ?1 AND disabled = 0", sector,
                  NULL, count, "counting the organisations of a sector", err);
}

int store_sq_credit_sum(struct store *base, const char *org_id, const char *kind, int64_t *points,
                        struct rk_err *err)
{
    /* credit_org (org_id, seq) makes this a range scan of the organisation's own events. */
    if (kind == NULL)
        return rk_err_set(err, RK_E_INVALID, "summing credit: no kind");
    return count1(base,
                  "SELECT COALESCE(SUM(points), 0) FROM credit WHERE org_id = ?1 AND kind = ?2",
                  org_id, kind, points, "summing credit", err);
}
