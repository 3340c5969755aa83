/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_entities.c: the hub's small tables in SQLite: organisations, tokens (by hash),
 * collections, status resources and settings. Writes go through the writer connection,
 * reads through the calling thread's reader.
 */
#include "sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One bound value of a write statement. */
struct bindv {
    const char *text; /* bound as text when the row is not an integer */
    int64_t i;        /* used when text is NULL */
};

#define BT(s) ((struct bindv){(s) != NULL ? (s) : "", 0})
#define BI(v) ((struct bindv){NULL, (v)})

/* Runs a write statement with values, in its own (durable) transaction on the writer.
 * A UNIQUE/PRIMARY KEY violation becomes RK_E_EXISTS. With one_row, a statement that changed
 * no row is RK_E_NOTFOUND: an UPDATE of a row that does not exist, or an INSERT that must
 * refer to an organisation (the writer does not enforce foreign keys, sqlite.c), says so
 * itself and writes nothing when it does not exist. */
static int write1(struct store_sqlite *s, const char *sql, const struct bindv *v, int n,
                  bool one_row, const char *what, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    struct store_sq_conn *c = store_sq_writer_lock(s);
    int rc = store_sq_prepare(c, sql, &st, err);
    if (rc != 0)
        goto out;
    for (int i = 0; i < n; i++) {
        if (v[i].text != NULL)
            sqlite3_bind_text(st, i + 1, v[i].text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, i + 1, v[i].i);
    }
    /* Autocommit: one statement is one transaction; store_sq_writer_done waits for its sync. */
    int src = sqlite3_step(st);
    if (src == SQLITE_CONSTRAINT_UNIQUE || src == SQLITE_CONSTRAINT_PRIMARYKEY)
        rc = rk_err_set(err, RK_E_EXISTS, "%s: already exists", what);
    else if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, what);
    else if (one_row && sqlite3_changes(c->db) == 0)
        rc = rk_err_set(err, RK_E_NOTFOUND, "%s: refers to an organisation that does not exist",
                        what);
out:
    store_sq_release(c, st);
    return store_sq_writer_done(s, rc, err);
}

/* Prepares sql on this thread's reader and binds one text parameter. */
static int read_prepare(struct store_sqlite *s, const char *sql, const char *arg,
                        struct store_sq_conn **c, sqlite3_stmt **st, struct rk_err *err)
{
    int rc = store_sq_reader(s, c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(*c, sql, st, err);
    if (rc != 0)
        return rc;
    if (arg != NULL)
        sqlite3_bind_text(*st, 1, arg, -1, SQLITE_STATIC);
    return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return rk_strdup(t != NULL ? (const char *)t : "");
}

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

/* Copies the current row of st into the struct out points to (each entity has its own). */
typedef void (*row_fill_fn)(sqlite3_stmt *st, void *out);

/*
 * Reads the one row sql (with arg bound to ?1) selects into out through fill. 0 when there
 * is one; RK_E_NOTFOUND without a message when there is none (the caller says what was
 * missing); another error, named by what, when the read fails.
 */
static int read_row(struct store *base, const char *sql, const char *arg, row_fill_fn fill,
                    void *out, const char *what, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int rc = read_prepare((struct store_sqlite *)base, sql, arg, &c, &st, err);
    if (rc != 0)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        fill(st, out);
    else if (src == SQLITE_DONE)
        rc = RK_E_NOTFOUND;
    else
        rc = store_sq_err(err, c->db, src, what);
    store_sq_release(c, st);
    return rc;
}

/*
 * Reads every row sql selects into a new array of structs of size bytes each, zeroed and
 * filled by fill: *rows and *n. On failure (named by what) they hold the rows read so far,
 * which the caller frees with the entity's own free function.
 */
static int read_rows(struct store *base, const char *sql, row_fill_fn fill, size_t size,
                     void **rows, size_t *n, const char *what, struct rk_err *err)
{
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    size_t len = 0, cap = 0;
    int src;
    *rows = NULL;
    *n = 0;
    int rc = read_prepare((struct store_sqlite *)base, sql, NULL, &c, &st, err);
    if (rc != 0)
        return rc;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8;
            v = rk_realloc(v, cap * size);
        }
        memset(v + len * size, 0, size);
        fill(st, v + len * size);
        len++;
    }
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, what);
    *rows = v;
    *n = len;
    store_sq_release(c, st);
    return rc;
}

/* ---- organisations ----------------------------------------------------------------------- */

int store_sq_org_add(struct store *base, const struct store_org *o, struct rk_err *err)
{
    if (o == NULL || o->name == NULL || o->sector == NULL || o->id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "org_add: id, name and sector are required");
    const struct bindv v[] = {
        BT(o->id),        BT(o->name),    BT(o->sector),          BT(o->identity_id),
        BI(o->anonymity), BI(o->created), BT(o->own_identifiers), BI(o->disabled ? 1 : 0)};
    int rc = write1((struct store_sqlite *)base,
                    "INSERT INTO orgs(id, name, sector, identity_id, anonymity, created, "
                    "own_identifiers, disabled) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    v, 8, false, "adding an organisation", err);
    if (rc == RK_E_EXISTS)
        rk_err_set(err, RK_E_EXISTS, "an organisation named \"%s\" already exists", o->name);
    return rc;
}

int store_sq_org_update(struct store *base, const struct store_org *o, struct rk_err *err)
{
    if (o == NULL || o->name == NULL || o->sector == NULL || o->id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "org_update: id, name and sector are required");
    const struct bindv v[] = {BT(o->id),
                              BT(o->name),
                              BT(o->sector),
                              BI(o->anonymity),
                              BT(o->own_identifiers),
                              BI(o->disabled ? 1 : 0)};
    int rc = write1((struct store_sqlite *)base,
                    "UPDATE orgs SET name = ?2, sector = ?3, anonymity = ?4, own_identifiers = ?5, "
                    "disabled = ?6 WHERE id = ?1",
                    v, 6, true, "changing an organisation", err);
    if (rc == RK_E_EXISTS)
        rk_err_set(err, RK_E_EXISTS, "an organisation named \"%s\" already exists", o->name);
    else if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no organisation %s", o->id);
    return rc;
}

#define ORG_COLS "id, name, sector, identity_id, anonymity, created, own_identifiers, disabled"

static void org_fill(sqlite3_stmt *st, void *out)
{
    struct store_org *o = out;

    col_copy(st, 0, o->id, sizeof(o->id));
    o->name = col_dup(st, 1);
    o->sector = col_dup(st, 2);
    o->identity_id = col_dup(st, 3);
    o->anonymity = sqlite3_column_int(st, 4);
    o->created = sqlite3_column_int64(st, 5);
    o->own_identifiers = col_dup(st, 6);
    o->disabled = sqlite3_column_int(st, 7) != 0;
}

int store_sq_org_get(struct store *base, const char *id_or_name, struct store_org *out,
                     struct rk_err *err)
{
    memset(out, 0, sizeof(*out));
    if (id_or_name == NULL)
        return rk_err_set(err, RK_E_INVALID, "org_get: no id or name");
    int rc = read_row(base,
                      "SELECT " ORG_COLS " FROM orgs WHERE id = ?1 "
                      "UNION ALL SELECT " ORG_COLS " FROM orgs WHERE name = ?1 LIMIT 1",
                      id_or_name, org_fill, out, "reading an organisation", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no organisation \"%s\"", id_or_name);
    return rc;
}

int store_sq_org_list(struct store *base, struct store_org **out, size_t *n, struct rk_err *err)
{
    void *rows;
    int rc = read_rows(base, "SELECT " ORG_COLS " FROM orgs ORDER BY name", org_fill, sizeof(**out),
                       &rows, n, "listing organisations", err);
    if (rc != 0) {
        store_orgs_free(rows, *n);
        rows = NULL;
        *n = 0;
    }
    *out = rows;
    return rc;
}

/* ---- tokens ------------------------------------------------------------------------------ */

#define TOKEN_COLS "hash, org_id, role, label, created, anonymity, creator_org, creator_token"

int store_sq_token_add(struct store *base, const struct store_token *t, struct rk_err *err)
{
    if (t == NULL || t->hash[0] == '\0' || t->org_id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "token_add: hash and organisation are required");
    const struct bindv v[] = {BT(t->hash),        BT(t->org_id),       BI(t->role),
                              BT(t->label),       BI(t->created),      BI(t->anonymity),
                              BT(t->creator_org), BT(t->creator_token)};
    return write1((struct store_sqlite *)base,
                  "INSERT INTO tokens(" TOKEN_COLS ") "
                  "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 "
                  "WHERE EXISTS (SELECT 1 FROM orgs WHERE id = ?2)",
                  v, 8, true, "adding a token", err);
}

static void token_fill(sqlite3_stmt *st, void *out)
{
    struct store_token *t = out;

    col_copy(st, 0, t->hash, sizeof(t->hash));
    col_copy(st, 1, t->org_id, sizeof(t->org_id));
    t->role = sqlite3_column_int(st, 2);
    t->label = col_dup(st, 3);
    t->created = sqlite3_column_int64(st, 4);
    t->anonymity = sqlite3_column_int(st, 5);
    col_copy(st, 6, t->creator_org, sizeof(t->creator_org));
    col_copy(st, 7, t->creator_token, sizeof(t->creator_token));
}

int store_sq_token_get(struct store *base, const char *hash, struct store_token *out,
                       struct rk_err *err)
{
    memset(out, 0, sizeof(*out));
    if (hash == NULL)
        return rk_err_set(err, RK_E_INVALID, "token_get: no hash");
    int rc = read_row(base,
                      "SELECT " TOKEN_COLS " FROM tokens "
                      "WHERE hash = ?1",
                      hash, token_fill, out, "reading a token", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no such token");
    return rc;
}

int store_sq_token_list(struct store *base, struct store_token **out, size_t *n, struct rk_err *err)
{
    void *rows;
    int rc = read_rows(base,
                       "SELECT " TOKEN_COLS " FROM tokens "
                       "ORDER BY org_id, created, hash",
                       token_fill, sizeof(**out), &rows, n, "listing tokens", err);
    if (rc != 0) {
        store_tokens_free(rows, *n);
        rows = NULL;
        *n = 0;
    }
    *out = rows;
    return rc;
}

int store_sq_token_remove(struct store *base, const char *hash, struct rk_err *err)
{
    if (hash == NULL || hash[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "token_remove: no hash");
    const struct bindv v[] = {BT(hash)};
    int rc = write1((struct store_sqlite *)base, "DELETE FROM tokens WHERE hash = ?1", v, 1, true,
                    "removing a token", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no such token");
    return rc;
}

/* ---- collections ------------------------------------------------------------------------- */

int store_sq_collection_add(struct store *base, const struct store_collection *col,
                            struct rk_err *err)
{
    if (col == NULL || col->id[0] == '\0' || col->title == NULL || col->read_spec == NULL ||
        col->write_spec == NULL)
        return rk_err_set(err, RK_E_INVALID,
                          "collection_add: id, title, read and write are required");
    const struct bindv v[] = {BT(col->id),      BT(col->title),       BT(col->description),
                              BT(col->alias),   BT(col->read_spec),   BT(col->write_spec),
                              BI(col->created), BI(col->default_tlp), BI(col->relay ? 1 : 0)};
    int rc = write1((struct store_sqlite *)base,
                    "INSERT INTO collections(id, title, description, alias, read_spec, "
                    "write_spec, created, default_tlp, relay) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    v, 9, false, "adding a collection", err);
    if (rc == RK_E_EXISTS)
        rk_err_set(err, RK_E_EXISTS, "a collection with id %s or alias '%s' already exists",
                   col->id, col->alias != NULL ? col->alias : "");
    return rc;
}

int store_sq_collection_update(struct store *base, const struct store_collection *col,
                               struct rk_err *err)
{
    if (col == NULL || col->id[0] == '\0' || col->title == NULL || col->read_spec == NULL ||
        col->write_spec == NULL)
        return rk_err_set(err, RK_E_INVALID,
                          "collection_update: id, title, read and write are required");
    const struct bindv v[] = {BT(col->id),          BT(col->title),        BT(col->description),
                              BT(col->alias),       BT(col->read_spec),    BT(col->write_spec),
                              BI(col->default_tlp), BI(col->relay ? 1 : 0)};
    int rc = write1((struct store_sqlite *)base,
                    "UPDATE collections SET title = ?2, description = ?3, alias = ?4, "
                    "read_spec = ?5, write_spec = ?6, default_tlp = ?7, relay = ?8 WHERE id = ?1",
                    v, 8, true, "changing a collection", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no collection %s", col->id);
    return rc;
}

#define COLL_COLS                                                                                  \
    "id, title, description, alias, read_spec, write_spec, created, default_tlp, relay"

static void coll_fill(sqlite3_stmt *st, void *out)
{
    struct store_collection *c = out;

    col_copy(st, 0, c->id, sizeof(c->id));
    c->title = col_dup(st, 1);
    c->description = col_dup(st, 2);
    c->alias = col_dup(st, 3);
    c->read_spec = col_dup(st, 4);
    c->write_spec = col_dup(st, 5);
    c->created = sqlite3_column_int64(st, 6);
    c->default_tlp = sqlite3_column_int(st, 7);
    c->relay = sqlite3_column_int(st, 8) != 0;
}

int store_sq_collection_get(struct store *base, const char *key, struct store_collection *out,
                            struct rk_err *err)
{
    memset(out, 0, sizeof(*out));
    if (key == NULL)
        return rk_err_set(err, RK_E_INVALID, "collection_get: no id");
    int rc = read_row(base,
                      "SELECT " COLL_COLS " FROM collections WHERE id = ?1 OR (alias = ?1 AND "
                      "alias <> '') ORDER BY id = ?1 DESC LIMIT 1",
                      key, coll_fill, out, "reading a collection", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no collection %s", key);
    return rc;
}

int store_sq_collection_list(struct store *base, struct store_collection **out, size_t *n,
                             struct rk_err *err)
{
    void *rows;
    int rc = read_rows(base, "SELECT " COLL_COLS " FROM collections ORDER BY seq", coll_fill,
                       sizeof(**out), &rows, n, "listing collections", err);
    if (rc != 0) {
        store_collections_free(rows, *n);
        rows = NULL;
        *n = 0;
    }
    *out = rows;
    return rc;
}

/* ---- status resources and settings ------------------------------------------------------- */

int store_sq_status_put(struct store *base, const struct store_status *stt, struct rk_err *err)
{
    if (stt == NULL || stt->id[0] == '\0' || stt->json == NULL)
        return rk_err_set(err, RK_E_INVALID, "status_put: id and json are required");
    /* A status resource is rewritten as its objects are processed: insert or replace. */
    const struct bindv v[] = {BT(stt->id), BT(stt->org_id), BT(stt->json)};
    return write1((struct store_sqlite *)base,
                  "INSERT INTO statuses(id, org_id, json) VALUES(?1, ?2, ?3) "
                  "ON CONFLICT(id) DO UPDATE SET org_id = excluded.org_id, json = excluded.json",
                  v, 3, false, "storing a status", err);
}

static void status_fill(sqlite3_stmt *st, void *out)
{
    struct store_status *stt = out;

    col_copy(st, 0, stt->id, sizeof(stt->id));
    col_copy(st, 1, stt->org_id, sizeof(stt->org_id));
    stt->json = col_dup(st, 2);
}

int store_sq_status_get(struct store *base, const char *id, struct store_status *out,
                        struct rk_err *err)
{
    memset(out, 0, sizeof(*out));
    if (id == NULL)
        return rk_err_set(err, RK_E_INVALID, "status_get: no id");
    int rc = read_row(base, "SELECT id, org_id, json FROM statuses WHERE id = ?1", id, status_fill,
                      out, "reading a status", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "no status %s", id);
    return rc;
}

int store_sq_setting_set(struct store *base, const char *key, const char *value, struct rk_err *err)
{
    if (key == NULL || value == NULL)
        return rk_err_set(err, RK_E_INVALID, "setting_set: key and value are required");
    const struct bindv v[] = {BT(key), BT(value)};
    return write1((struct store_sqlite *)base,
                  "INSERT INTO settings(key, value) VALUES(?1, ?2) "
                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                  v, 2, false, "storing a setting", err);
}

/* A setting's value: out is the char * to set. */
static void setting_fill(sqlite3_stmt *st, void *out)
{
    *(char **)out = col_dup(st, 0);
}

int store_sq_setting_get(struct store *base, const char *key, char **value, struct rk_err *err)
{
    *value = NULL;
    if (key == NULL)
        return rk_err_set(err, RK_E_INVALID, "setting_get: no key");
    int rc = read_row(base, "SELECT value FROM settings WHERE key = ?1", key, setting_fill, value,
                      "reading a setting", err);
    if (rc == RK_E_NOTFOUND)
        rk_err_set(err, RK_E_NOTFOUND, "setting %s is not set", key);
    return rc;
}
