/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_helpers.h: what the SQLite-only store tests add to test_store_helpers.h: reads of
 * the database file through a connection of the test's own, to check how the SQLite backend
 * keeps what the interface suite checks through store.h.
 */
#ifndef RK_TEST_SQLITE_HELPERS_H
#define RK_TEST_SQLITE_HELPERS_H

#include <sqlite3.h>

#include "../test_store_helpers.h"

#ifdef CMOCKA_H_
/* Opens path read-only through a connection of the test's own and steps sql to its first
 * row; the caller reads column 0, then finalizes *st and closes *db. */
static inline void tstore_raw_first_row(const char *path, const char *sql, sqlite3 **db,
                                        sqlite3_stmt **st)
{
    *db = NULL;
    *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(*db, sql, -1, st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(*st), SQLITE_ROW);
}

/* The integer in the first column of the first row of a query read through a read-only
 * connection of the test's own. fmt goes through sqlite3_vmprintf (%Q quotes a string). */
static inline int tstore_raw_int(const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    assert_non_null(sql);
    sqlite3 *db;
    sqlite3_stmt *st;
    tstore_raw_first_row(path, sql, &db, &st);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite3_free(sql);
    return v;
}

/* The text in the first column of the first row of sql, read likewise (NULL as ""); the
 * caller frees it. */
static inline char *tstore_raw_text(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    tstore_raw_first_row(path, sql, &db, &st);
    const unsigned char *v = sqlite3_column_text(st, 0);
    char *out = strdup(v != NULL ? (const char *)v : "");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}
#endif

#endif
