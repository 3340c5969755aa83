/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_ingest.c: the batch operations of ingest in SQLite: first_other_sources, the
 * earliest other source of many ids in one read snapshot, one indexed probe per id, without
 * the row callbacks and sorting of find_object; and put_objects_then, the puts of a call and
 * what its callback writes (credit, audit) in one transaction, shared by the calls that
 * arrive together (group commit).
 */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The earliest version of ?1 stored by an organisation other than ?2 (and not by nobody):
 * min() picks that row's source_org without sorting. Walks coll_keys into objects_version
 * (idh, coll, version) like STORE_SQ_FIND_OBJECT_SQL, as there is no index on objects(id).
 * No such row gives one row with NULLs.
 */
#define FIRST_OTHER_SQL                                                                            \
    "SELECT o.source_org, min(o.date_added) "                                                      \
    "FROM coll_keys AS k CROSS JOIN objects AS o INDEXED BY objects_version "                      \
    "ON o.coll = k.k AND o.idh = ?3 AND o.id = ?1 WHERE o.source_org <> ?2 AND o.source_org <> ''"

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
        sqlite3_bind_int64(st, 3, store_sq_id_hash(ids[i]));
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

/* One caller's put_objects_then, queued for group commit. */
struct store_sq_job {
    const char *collection_id;
    struct store_put *puts;
    const struct store_sq_prep *prep; /* worked out before the queue (store_sq_puts_prep) */
    size_t n;
    store_then_fn then;
    void *ctx;
    int rc;            /* the outcome, once done */
    struct rk_err err; /* its error */
    bool taken;        /* a leader took it into its batch */
    bool done;         /* the leader has committed it and synced the WAL (or failed) */
    struct store_sq_job *next;
};

/* Jobs committed together at most: bounds one transaction and its callers' wait. */
#define GROUP_MAX 32

/* The puts and then of one job, inside the batch's transaction; 0 or the failure. */
static int job_run(struct store_sqlite *s, struct store_sq_job *j)
{
    int rc = 0;
    if (j->n > 0)
        rc = store_sq_put_prepped(s, j->collection_id, j->puts, j->prep, j->n, &j->err);
    if (rc == 0 && j->then != NULL) {
        rc = j->then(j->ctx, &s->base, j->puts, j->n, &j->err);
        if (rc > 0)
            rc = rk_err_set(&j->err, RK_E_INTERNAL, "put_objects_then: stopped by the callback");
    }
    return rc;
}

/* Fails every job of batch with code and msg (the batch's transaction is lost); with
 * only_ok, only those that had not failed on their own (their commit was not synced). */
static void jobs_fail(struct store_sq_job *batch, int code, const char *msg, bool only_ok)
{
    for (struct store_sq_job *j = batch; j != NULL; j = j->next)
        if (!only_ok || j->rc == 0)
            j->rc = rk_err_set(&j->err, code, "%s", msg);
}

/*
 * Runs the jobs of batch (linked by next) in ONE transaction: one COMMIT, one fsync and one
 * write of each page they all dirtied. With several jobs, each runs inside its own SAVEPOINT,
 * so a job that fails is rolled back alone and the others still commit; a job alone fails
 * with its transaction. If SQLite rolled the whole
 * transaction back (an I/O error, a full disk) or the COMMIT fails, every job of the batch
 * fails: none is acknowledged. Returns with the write lock released and the batch
 * committed but not yet synced (store_sq_durable). Called by the leader, holding no lock.
 */
static void batch_run(struct store_sqlite *s, struct store_sq_job *batch)
{
    struct store_sq_conn *c = NULL;
    struct rk_err e;
    char msg[sizeof(e.msg)];
    bool lost = false;

    rk_err_clear(&e);
    int rc = store_sq_tx_enclose(s, &c, &e);
    if (rc != 0) {
        jobs_fail(batch, rc, e.msg, false);
        return;
    }
    /* A savepoint journals every page its job changes (in memory: temp_store): only worth
     * it when there is another job to keep. */
    bool savepoints = batch->next != NULL;
    for (struct store_sq_job *j = batch; j != NULL && !lost; j = j->next) {
        rk_err_clear(&e);
        if (savepoints && store_sq_exec(c, "SAVEPOINT put_job", &e) != 0) {
            snprintf(msg, sizeof(msg), "store: cannot start a savepoint: %.400s", e.msg);
            lost = true;
            break;
        }
        j->rc = job_run(s, j);
        if (sqlite3_get_autocommit(c->db)) {
            /* SQLite rolled the whole transaction back: the jobs before this one too. */
            snprintf(msg, sizeof(msg), "store: the transaction was rolled back: %.400s",
                     j->rc != 0 ? j->err.msg : "by SQLite");
            lost = true;
            break;
        }
        if (!savepoints) {
            if (j->rc != 0) { /* the only job: its failure is the batch's */
                store_sq_tx_end(s, false, NULL);
                return;
            }
            continue;
        }
        if (j->rc != 0)
            sqlite3_exec(c->db, "ROLLBACK TO put_job", NULL, NULL, NULL);
        sqlite3_exec(c->db, "RELEASE put_job", NULL, NULL, NULL);
    }
    if (lost) {
        store_sq_tx_end(s, false, NULL);
        jobs_fail(batch, RK_E_DB, msg, false);
        return;
    }
    rk_err_clear(&e);
    rc = store_sq_tx_end(s, true, &e);
    if (rc != 0)
        jobs_fail(batch, rc, e.msg, false);
}

/*
 * put_objects_then with group commit. Each caller queues its job; whoever finds no batch
 * running and its own job still queued leads: it takes every queued job (at most
 * GROUP_MAX), runs them in one transaction (batch_run), lets the next leader start, syncs
 * the WAL (store_sq_durable), then marks its jobs done and wakes their callers. Under
 * concurrent POSTs the COMMIT (the WAL write of every dirtied page) is shared, and the
 * fsync of one batch overlaps the next batch's puts. A job is acknowledged (done with rc 0)
 * only once the WAL is synced past the COMMIT that holds it.
 *
 * The ops inside then (credit_add, audit_append, first_other_sources...) are the usual ones:
 * store_sq_tx_enclose makes their BEGIN/COMMIT join the batch's transaction, so the audit
 * entry still reads its predecessor and computes its hash under the writer lock, in the same
 * transaction that stores the objects it describes. then runs on the leader's thread while
 * its caller waits: it must not depend on its thread.
 */
int store_sq_put_objects_then(struct store *base, const char *collection_id, struct store_put *puts,
                              size_t n, store_then_fn then, void *ctx, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct store_sq_job job = {collection_id, puts, NULL, n, then, ctx, 0, {0}, false, false, NULL};
    struct store_sq_prep *prep = NULL;
    struct rk_err e;

    if (store_sq_in_enclosing())
        return rk_err_set(err, RK_E_INTERNAL, "enclosing transactions do not nest");
    /* What follows from the puts alone is worked out here, outside the serial section. */
    if (n > 0) {
        int rc = store_sq_puts_check(collection_id, puts, n, err);
        if (rc != 0)
            return rc;
        prep = rk_malloc(n * sizeof(*prep));
        store_sq_puts_prep(puts, prep, n);
        job.prep = prep;
    }
    rk_err_clear(&job.err);
    pthread_mutex_lock(&s->group_mu);
    struct store_sq_job **tail = &s->group_queue;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = &job;
    while (!job.done) {
        if (s->group_leading || job.taken) {
            pthread_cond_wait(&s->group_cv, &s->group_mu);
            continue;
        }
        /* Lead: take up to GROUP_MAX queued jobs (this one among them). */
        struct store_sq_job *batch = s->group_queue, *last = batch;
        batch->taken = true;
        for (int k = 1; k < GROUP_MAX && last->next != NULL; k++) {
            last = last->next;
            last->taken = true;
        }
        s->group_queue = last->next;
        last->next = NULL;
        s->group_leading = true;
        pthread_mutex_unlock(&s->group_mu);
        batch_run(s, batch);
        /* The write lock is free: let the next batch start while this one syncs. */
        pthread_mutex_lock(&s->group_mu);
        s->group_leading = false;
        pthread_cond_broadcast(&s->group_cv);
        pthread_mutex_unlock(&s->group_mu);
        rk_err_clear(&e);
        if (store_sq_durable(s, &e) != 0)
            jobs_fail(batch, e.code, e.msg, true);
        pthread_mutex_lock(&s->group_mu);
        for (struct store_sq_job *j = batch, *next; j != NULL; j = next) {
            next = j->next;
            j->done = true;
        }
        pthread_cond_broadcast(&s->group_cv);
    }
    pthread_mutex_unlock(&s->group_mu);
    free(prep);
    if (job.rc != 0)
        rk_err_set(err, job.rc, "%s", job.err.msg);
    return job.rc;
}
