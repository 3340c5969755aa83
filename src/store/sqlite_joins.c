/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_joins.c: rk_joins_distinct(joins) in SQL, for migration 11: the joins column of a
 * row (space-separated ids) with each id once, in the order met. Rows stored before ingest
 * kept each id once could repeat one id without bound, and every read of such a row walked
 * each repetition.
 */
#include "sqlite_int.h"

#include <string.h>

static void sql_joins_distinct(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct rk_strset seen = RK_STRSET_INIT;
    struct rk_buf out = RK_BUF_INIT;
    const char *p;

    (void)argc;
    p = (const char *)sqlite3_value_text(argv[0]);
    if (p == NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    while (*p != '\0') {
        size_t len;
        while (*p == ' ')
            p++;
        len = strcspn(p, " ");
        if (len > 0 && rk_strset_add(&seen, p, len)) {
            if (out.len > 0)
                rk_buf_putc(&out, ' ');
            rk_buf_append(&out, p, len);
        }
        p += len;
    }
    rk_strset_free(&seen);
    sqlite3_result_text(ctx, out.data != NULL ? out.data : "", (int)out.len, SQLITE_TRANSIENT);
    rk_buf_free(&out);
}

int store_sq_register_joins(sqlite3 *db)
{
    return sqlite3_create_function(db, "rk_joins_distinct", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   sql_joins_distinct, NULL, NULL);
}
