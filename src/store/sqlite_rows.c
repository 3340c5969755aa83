/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_rows.c: rk_rows(?1), a table-valued function of the writer connection that yields
 * the object rows put_objects has decided on (struct store_sq_rows, bound as a pointer), so
 * that one INSERT ... SELECT stores them all. One statement per object paid SQLite's
 * per-execution work for every row (opening and closing four cursors, halting, releasing
 * the registers, the binds): put_objects took 28,800 instructions per object that way and
 * 24,800 this way (callgrind, real data). Its columns are those of objects that a put
 * writes, in the order of STORE_SQ_ROWS_COLUMNS; docs/internals/store.md has the rest.
 */
#include "sqlite_int.h"

#include <string.h>

/* The columns, then the hidden one that takes the pointer. */
#define ROWS_SCHEMA "CREATE TABLE x(" STORE_SQ_ROWS_COLUMNS ", src HIDDEN)"

/* Column numbers, in the order of STORE_SQ_ROWS_COLUMNS: keep the two lists equal (swapping
 * two columns here fails test_provenance or test_migration, checked). */
enum {
    COL_DATE_ADDED,
    COL_COLL,
    COL_ID,
    COL_VERSION,
    COL_TYPE,
    COL_SPEC_VERSION,
    COL_IS_FIRST,
    COL_IS_LAST,
    COL_JSON,
    COL_TLP,
    COL_SOURCE_ORG,
    COL_SOURCE_SECTOR,
    COL_SCOPE,
    COL_RECIPIENTS,
    COL_JOINS,
    COL_RULE,
    COL_POS,
    COL_IDH,
    COL_PROV,
    COL_PROV_TOKEN,
    COL_PROV_ANONYMITY,
    COL_PROV_ACTIONS,
    COL_PROV_CUT_OFF,
    COL_PROV_CUT_LEN,
    COL_TKEY,
    COL_VFORM,
    COL_SRC, /* hidden: the struct store_sq_rows */
};

struct rows_cursor {
    sqlite3_vtab_cursor base;
    const struct store_sq_rows *rows; /* NULL: nothing bound */
    size_t i;                         /* the current row */
};

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **err)
{
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(db, ROWS_SCHEMA);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_vtab *t = sqlite3_malloc(sizeof(*t));
    if (t == NULL)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof(*t));
    *out = t;
    return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *t)
{
    sqlite3_free(t);
    return SQLITE_OK;
}

/* Only a plan with src = ? can run: the rows come from nowhere else. */
static int rows_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
    (void)t;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn == COL_SRC && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 1.0;
            return SQLITE_OK;
        }
    }
    return SQLITE_CONSTRAINT;
}

static int rows_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
    (void)t;
    struct rows_cursor *c = sqlite3_malloc(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *out = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                       sqlite3_value **argv)
{
    (void)idx;
    (void)idx_str;
    struct rows_cursor *c = (struct rows_cursor *)cur;
    c->rows = argc == 1 ? sqlite3_value_pointer(argv[0], STORE_SQ_ROWS_PTR) : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
    ((struct rows_cursor *)cur)->i++;
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
    const struct rows_cursor *c = (const struct rows_cursor *)cur;
    return c->rows == NULL || c->i >= c->rows->n;
}

/* One of the row's strings, as prepared (struct store_sq_prep), borrowed. */
static void result_str(sqlite3_context *ctx, const struct store_sq_prep *pr,
                       enum store_sq_prep_str k)
{
    sqlite3_result_text(ctx, pr->str[k], pr->str_len[k], SQLITE_STATIC);
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const struct rows_cursor *c = (const struct rows_cursor *)cur;
    const struct store_sq_row *r = &c->rows->v[c->i];
    const struct store_put *p = r->put;
    const struct store_sq_prep *pr = r->prep;
    bool prov = pr->token_len >= 0;

    switch (col) {
    case COL_DATE_ADDED:
        sqlite3_result_int64(ctx, r->added);
        break;
    case COL_COLL:
        sqlite3_result_int64(ctx, r->coll);
        break;
    case COL_ID:
        result_str(ctx, pr, STORE_SQ_STR_ID);
        break;
    case COL_VERSION:
        sqlite3_result_int64(ctx, r->version);
        break;
    case COL_TYPE:
        result_str(ctx, pr, STORE_SQ_STR_TYPE);
        break;
    case COL_SPEC_VERSION:
        result_str(ctx, pr, STORE_SQ_STR_SPEC_VERSION);
        break;
    case COL_IS_FIRST:
        sqlite3_result_int(ctx, r->is_first);
        break;
    case COL_IS_LAST:
        sqlite3_result_int(ctx, r->is_last);
        break;
    case COL_JSON:
        sqlite3_result_blob64(ctx, p->json, p->json_len, SQLITE_STATIC);
        break;
    case COL_TLP:
        sqlite3_result_int(ctx, p->access.tlp);
        break;
    case COL_SOURCE_ORG:
        result_str(ctx, pr, STORE_SQ_STR_SOURCE_ORG);
        break;
    case COL_SOURCE_SECTOR:
        result_str(ctx, pr, STORE_SQ_STR_SOURCE_SECTOR);
        break;
    case COL_SCOPE:
        result_str(ctx, pr, STORE_SQ_STR_SCOPE);
        break;
    case COL_RECIPIENTS:
        result_str(ctx, pr, STORE_SQ_STR_RECIPIENTS);
        break;
    case COL_JOINS:
        result_str(ctx, pr, STORE_SQ_STR_JOINS);
        break;
    case COL_RULE:
        result_str(ctx, pr, STORE_SQ_STR_RULE);
        break;
    case COL_POS:
        sqlite3_result_int64(ctx, r->pos);
        break;
    case COL_IDH:
        sqlite3_result_int64(ctx, pr->idh);
        break;
    case COL_PROV:
        sqlite3_result_int(ctx, prov);
        break;
    case COL_PROV_TOKEN:
        if (prov)
            sqlite3_result_blob(ctx, pr->token, pr->token_len, SQLITE_STATIC);
        else
            sqlite3_result_zeroblob(ctx, 0);
        break;
    case COL_PROV_ANONYMITY:
        sqlite3_result_int(ctx, prov ? p->anonymity : 0);
        break;
    case COL_PROV_ACTIONS:
        if (prov)
            result_str(ctx, pr, STORE_SQ_STR_ACTIONS);
        else
            sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        break;
    case COL_PROV_CUT_OFF:
        sqlite3_result_int64(ctx, prov ? (sqlite3_int64)p->json_extra_off : 0);
        break;
    case COL_PROV_CUT_LEN:
        sqlite3_result_int64(ctx, prov ? (sqlite3_int64)p->json_extra_len : 0);
        break;
    case COL_TKEY:
        sqlite3_result_int64(ctx, store_sq_tkey_of(r->coll, pr->type_h));
        break;
    case COL_VFORM: /* a version the store assigned is written as it formats one */
        sqlite3_result_int(ctx, p->version < 0 ? RK_TIME_FORM_US : pr->vform);
        break;
    default:
        sqlite3_result_null(ctx);
        break;
    }
    return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *out)
{
    *out = (sqlite3_int64)((const struct rows_cursor *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module rows_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: rk_rows(?1) */
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xDestroy = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

int store_sq_register_rows(sqlite3 *db)
{
    return sqlite3_create_module(db, "rk_rows", &rows_module, NULL);
}
