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

/* One of the row's strings, as prepared (struct store_sq_prep), borrowed. */
static void result_str(sqlite3_context *ctx, const struct store_sq_prep *pr,
                       enum store_sq_prep_str k)
{
    sqlite3_result_text(ctx, pr->str[k], pr->str_len[k], SQLITE_STATIC);
}

static int rows_column(const struct store_sq_feed_cursor *c, sqlite3_context *ctx, int col)
{
    const struct store_sq_rows *rows = c->rows;
    const struct store_sq_row *r = &rows->v[c->i];
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

static size_t rows_count(const void *rows)
{
    return ((const struct store_sq_rows *)rows)->n;
}

static const struct store_sq_feed rows_feed = {ROWS_SCHEMA, COL_SRC, STORE_SQ_ROWS_PTR, rows_column,
                                               rows_count};

int store_sq_register_rows(sqlite3 *db)
{
    return store_sq_register_feed(db, "rk_rows", &rows_feed);
}
