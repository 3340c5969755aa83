/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_ingest.c: store operations that exist for the speed of policy ingest: the
 * correlation credit lookup for a whole envelope in one read snapshot, one indexed probe per
 * id, without the row callbacks and sorting of find_object; the
 * puts of an envelope and what the policy records about them (credit, audit) in one
 * transaction, one fsync instead of three.
 */
#include "sqlite_int.h"

#include <stdio.h>
#include <string.h>

/*
 * The earliest version of ?1 stored by an organisation other than ?2 (and not by nobody):
 * min() picks that row's source_org without sorting. Walks coll_keys into objects_version
 * (coll, id, version) like STORE_SQ_FIND_OBJECT_SQL, as there is no index on objects(id).
 * No such row gives one row with NULLs.
 */
#define FIRST_OTHER_SQL                                                                            \
    "SELECT o.source_org, min(o.date_added) "                                                      \
    "FROM coll_keys AS k CROSS JOIN objects AS o INDEXED BY objects_version "                      \
    "ON o.coll = k.k AND o.id = ?1 WHERE o.source_org <> ?2 AND o.source_org <> ''"

int store_sq_first_other_sources(struct store *base, const char *org_id, const char *const *ids,
                                 size_t n, char (*out)[RK_UUID_LEN], struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    bool in_tx = false;
    int rc;

    if (n == 0)
        return 0;
    if (org_id == NULL || ids == NULL || out == NULL)
        return rk_err_set(err, RK_E_INVALID, "first_other_sources: no organisation, ids or out");
    rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc != 0)
        return rc;
    /* One snapshot for the envelope rather than one read transaction per id. */
    rc = store_sq_exec(c, "BEGIN", err);
    if (rc != 0)
        return rc;
    in_tx = true;
    rc = store_sq_prepare(c, FIRST_OTHER_SQL, &st, err);
    if (rc != 0)
        goto out;
    sqlite3_bind_text(st, 2, org_id, -1, SQLITE_STATIC);
    for (size_t i = 0; i < n; i++) {
        out[i][0] = '\0';
        if (ids[i] == NULL)
            continue;
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
            const unsigned char *org = sqlite3_column_text(st, 0);
            if (org != NULL)
                snprintf(out[i], RK_UUID_LEN, "%s", (const char *)org);
            src = sqlite3_step(st);
        }
        sqlite3_reset(st);
        if (src != SQLITE_DONE) {
            rc = store_sq_err(err, c->db, src, "finding other sources");
            goto out;
        }
    }
out:
    store_sq_release(c, st);
    if (in_tx)
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL); /* a read: nothing to lose */
    return rc;
}

/*
 * The ops inside then (credit_add, audit_append, first_other_sources...) are the usual ones:
 * store_sq_tx_enclose makes their BEGIN/COMMIT join this transaction, so the audit entry
 * still reads its predecessor and computes its hash under the writer lock, in the same
 * transaction that stores the objects it describes.
 */
int store_sq_put_objects_then(struct store *base, const char *collection_id, struct store_put *puts,
                              size_t n, store_then_fn then, void *ctx, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct store_sq_conn *c = NULL;

    int rc = store_sq_tx_enclose(s, &c, err);
    if (rc != 0)
        return rc;
    if (n > 0)
        rc = store_sq_put_objects(base, collection_id, puts, n, err);
    if (rc == 0 && then != NULL) {
        rc = then(ctx, base, puts, n, err);
        if (rc > 0)
            rc = rk_err_set(err, RK_E_INTERNAL, "put_objects_then: stopped by the callback");
    }
    int erc = store_sq_tx_end(s, rc == 0, rc == 0 ? err : NULL);
    return rc != 0 ? rc : erc;
}
