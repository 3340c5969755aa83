/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_feed.c: what the table-valued functions that feed rows from C into one INSERT ...
 * SELECT have in common (rk_rows, the object versions of a put call: sqlite_rows.c; rk_obs,
 * the observable index rows: sqlite_observables.c): an eponymous virtual table whose only plan
 * is src = ?1, ?1 a pointer bound with sqlite3_bind_pointer to a container of rows, walked
 * from 0 to its count. Each function keeps only its columns (xColumn) and count.
 */
#include "store/sqlite_int.h"

#include <string.h>

/* A feed's table: the spec it was registered with. */
struct feed_vtab {
    sqlite3_vtab base;
    const struct store_sq_feed *spec;
};

static int feed_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **err)
{
    const struct store_sq_feed *spec = aux;
    (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, spec->schema);
    if (rc != SQLITE_OK)
        return rc;
    struct feed_vtab *t = sqlite3_malloc(sizeof(*t));
    if (t == NULL)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof(*t));
    t->spec = spec;
    *out = &t->base;
    return SQLITE_OK;
}

static int feed_disconnect(sqlite3_vtab *t)
{
    sqlite3_free(t);
    return SQLITE_OK;
}

/* Only a plan with src = ? can run: the rows come from nowhere else. */
static int feed_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
    int src = ((const struct feed_vtab *)t)->spec->src_col;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn == src && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 1.0;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT;
}

static int feed_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
    struct store_sq_feed_cursor *c = sqlite3_malloc(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    c->spec = ((const struct feed_vtab *)t)->spec;
    *out = &c->base;
    return SQLITE_OK;
}

static int feed_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int feed_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                       sqlite3_value **argv)
{
    struct store_sq_feed_cursor *c = (struct store_sq_feed_cursor *)cur;
    (void)idx, (void)idx_str;
    c->rows = argc == 1 ? sqlite3_value_pointer(argv[0], c->spec->ptr_type) : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int feed_next(sqlite3_vtab_cursor *cur)
{
    ((struct store_sq_feed_cursor *)cur)->i++;
    return SQLITE_OK;
}

static int feed_eof(sqlite3_vtab_cursor *cur)
{
    const struct store_sq_feed_cursor *c = (const struct store_sq_feed_cursor *)cur;
    return c->rows == NULL || c->i >= c->spec->count(c->rows);
}

static int feed_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = (sqlite3_int64)((const struct store_sq_feed_cursor *)cur)->i;
    return SQLITE_OK;
}

static int feed_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const struct store_sq_feed_cursor *c = (const struct store_sq_feed_cursor *)cur;
    return c->spec->column(c, ctx, col);
}

static const sqlite3_module feed_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: name(?1) */
    .xConnect = feed_connect,
    .xBestIndex = feed_best_index,
    .xDisconnect = feed_disconnect,
    .xDestroy = feed_disconnect,
    .xOpen = feed_open,
    .xClose = feed_close,
    .xFilter = feed_filter,
    .xNext = feed_next,
    .xEof = feed_eof,
    .xColumn = feed_column,
    .xRowid = feed_rowid,
};

int store_sq_register_feed(sqlite3 *db, const char *name, const struct store_sq_feed *spec)
{
    return sqlite3_create_module(db, name, &feed_module, (void *)spec);
}
