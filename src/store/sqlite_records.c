/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_records.c: the capabilities' own small tables in SQLite (migration 19): records,
 * JSON documents keyed by (kind, id) with an owner (alert subscriptions, watchlist entries,
 * delivery state, hotline alerts), and the per-organisation event log that webhooks, e-mail
 * and the event stream deliver from. Writes go through the writer connection (or the
 * enclosing write_tx), reads through the calling thread's reader.
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

static const char *text_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL ? (const char *)t : "";
}

/* Runs the write statement st (already bound) inside BEGIN IMMEDIATE ... COMMIT, or the
 * enclosing transaction; named by what. */
static int step_write(struct store_sq_conn *c, sqlite3_stmt *st, const char *what,
                      struct rk_err *err)
{
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        return store_sq_err(err, c->db, src, what);
    return 0;
}

int store_sq_record_put(struct store *base, const struct store_record *r, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_stmt *st = NULL;

    if (r == NULL || r->kind == NULL || r->id == NULL || r->json == NULL || r->kind[0] == '\0' ||
        r->id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "record_put: kind, id and json are required");
    struct store_sq_conn *c = store_sq_writer_lock(s);
    rk_time_us now = rk_time_now();
    int rc = store_sq_prepare(c,
                              "INSERT INTO records(kind, id, org_id, json, created, updated) "
                              "VALUES(?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(kind, id) DO UPDATE "
                              "SET org_id = excluded.org_id, json = excluded.json, "
                              "updated = excluded.updated",
                              &st, err);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->org_id != NULL ? r->org_id : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        rc = step_write(c, st, "storing a record", err);
    }
    store_sq_release(c, st);
    return store_sq_writer_done(s, rc, err);
}

/* Passes every row of st (kind, id, org_id, json, created, updated) to fn. */
static int records_to(struct store_sq_conn *c, sqlite3_stmt *st, store_record_fn fn, void *ctx,
                      size_t *n, struct rk_err *err)
{
    int src;
    *n = 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_record r = {
            .kind = text_col(st, 0),
            .id = text_col(st, 1),
            .org_id = text_col(st, 2),
            .json = text_col(st, 3),
            .created = sqlite3_column_int64(st, 4),
            .updated = sqlite3_column_int64(st, 5),
        };
        (*n)++;
        int frc = fn(ctx, &r);
        if (frc != 0) {
            if (frc < 0)
                rk_err_set(err, frc, "stopped by the callback");
            return frc < 0 ? frc : 0;
        }
    }
    if (src != SQLITE_DONE)
        return store_sq_err(err, c->db, src, "reading records");
    return 0;
}

#define RECORD_COLS "kind, id, org_id, json, created, updated"

int store_sq_record_get(struct store *base, const char *kind, const char *id, store_record_fn fn,
                        void *ctx, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    if (kind == NULL || id == NULL || fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "record_get: kind, id and a callback are required");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc == 0)
        rc = store_sq_prepare(c, "SELECT " RECORD_COLS " FROM records WHERE kind = ?1 AND id = ?2",
                              &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    rc = records_to(c, st, fn, ctx, &n, err);
    store_sq_release(c, st);
    if (rc == 0 && n == 0)
        rc = rk_err_set(err, RK_E_NOTFOUND, "no %s %s", kind, id);
    return rc;
}

int store_sq_record_list(struct store *base, const char *kind, const char *org_id,
                         store_record_fn fn, void *ctx, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    if (kind == NULL || fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "record_list: kind and a callback are required");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc == 0)
        rc = store_sq_prepare(c,
                              org_id != NULL
                                  ? "SELECT " RECORD_COLS " FROM records WHERE kind = ?1 AND "
                                    "org_id = ?2 ORDER BY created, id"
                                  : "SELECT " RECORD_COLS " FROM records WHERE kind = ?1 "
                                    "ORDER BY created, id",
                              &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    if (org_id != NULL)
        sqlite3_bind_text(st, 2, org_id, -1, SQLITE_STATIC);
    rc = records_to(c, st, fn, ctx, &n, err);
    store_sq_release(c, st);
    return rc;
}

int store_sq_record_delete(struct store *base, const char *kind, const char *id, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_stmt *st = NULL;

    if (kind == NULL || id == NULL)
        return rk_err_set(err, RK_E_INVALID, "record_delete: kind and id are required");
    struct store_sq_conn *c = store_sq_writer_lock(s);
    int rc = store_sq_prepare(c, "DELETE FROM records WHERE kind = ?1 AND id = ?2", &st, err);
    if (rc == 0) {
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        rc = step_write(c, st, "removing a record", err);
        if (rc == 0 && sqlite3_changes(c->db) == 0)
            rc = rk_err_set(err, RK_E_NOTFOUND, "no %s %s", kind, id);
    }
    store_sq_release(c, st);
    return store_sq_writer_done(s, rc, err);
}

/* Appends one event on the writer c, inside the caller's transaction: seq is the org's
 * last + 1. */
static int event_insert(struct store_sq_conn *c, struct store_event *e, rk_time_us now,
                        struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t seq = 1;
    int rc = store_sq_prepare(c, "SELECT MAX(seq) FROM events WHERE org_id = ?1", &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, e->org_id, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        seq = sqlite3_column_int64(st, 0) + 1;
    else
        rc = store_sq_err(err, c->db, src, "reading the last event");
    store_sq_release(c, st);
    if (rc != 0)
        return rc;
    st = NULL;
    rk_time_us t = e->time > 0 ? e->time : now;
    rc = store_sq_prepare(
        c, "INSERT INTO events(org_id, seq, time, kind, json) VALUES(?1, ?2, ?3, ?4, ?5)", &st,
        err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, e->org_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, t);
    sqlite3_bind_text(st, 4, e->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->json, -1, SQLITE_STATIC);
    rc = step_write(c, st, "appending an event", err);
    store_sq_release(c, st);
    if (rc == 0) {
        e->seq = seq;
        e->time = t;
    }
    return rc;
}

int store_sq_event_append(struct store *base, struct store_event *evs, size_t n, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    bool in_tx = false;

    for (size_t i = 0; i < n; i++)
        if (evs[i].org_id == NULL || evs[i].org_id[0] == '\0' || evs[i].kind == NULL ||
            evs[i].json == NULL)
            return rk_err_set(err, RK_E_INVALID,
                              "event_append: each event needs an organisation, a kind and json");
    if (n == 0)
        return 0;
    struct store_sq_conn *c = store_sq_writer_lock(s);
    int rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc == 0)
        in_tx = true;
    rk_time_us now = rk_time_now();
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = event_insert(c, &evs[i], now, err);
    if (rc == 0)
        rc = store_sq_exec(c, "COMMIT", err);
    if (rc == 0)
        in_tx = false;
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return store_sq_writer_done(s, rc, err);
}

int store_sq_event_since(struct store *base, const char *org_id, int64_t after_seq, size_t limit,
                         store_event_fn fn, void *ctx, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int src;

    if (org_id == NULL || fn == NULL)
        return rk_err_set(err, RK_E_INVALID, "event_since: an organisation and a callback");
    int rc = store_sq_reader((struct store_sqlite *)base, &c, err);
    if (rc == 0)
        rc = store_sq_prepare(c,
                              "SELECT seq, time, org_id, kind, json FROM events WHERE org_id = ?1 "
                              "AND seq > ?2 ORDER BY seq LIMIT ?3",
                              &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, org_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after_seq);
    sqlite3_bind_int64(st, 3, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_event e = {
            .seq = sqlite3_column_int64(st, 0),
            .time = sqlite3_column_int64(st, 1),
            .org_id = text_col(st, 2),
            .kind = text_col(st, 3),
            .json = text_col(st, 4),
        };
        int frc = fn(ctx, &e);
        if (frc != 0) {
            if (frc < 0)
                rc = rk_err_set(err, frc, "stopped by the callback");
            break;
        }
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = store_sq_err(err, c->db, src, "reading events");
    store_sq_release(c, st);
    return rc;
}
