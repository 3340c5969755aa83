/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_time.c: RFC 3339 timestamps in SQL, for migration 15, which reads each stored
 * object's version text from its JSON: rk_time_form(text), the text's form (rk_time_form;
 * -1 when it is not a timestamp, NULL for NULL), and rk_time_us(text), its instant in
 * microseconds (NULL when it is not a timestamp).
 */
#include "sqlite_int.h"

static void sql_time_form(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    if (s == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, rk_time_form(s));
}

static void sql_time_us(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    rk_time_us t;
    if (s == NULL || rk_time_parse(s, &t) != 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int64(ctx, t);
}

int store_sq_register_time(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function(db, "rk_time_form", 1, flags, NULL, sql_time_form, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "rk_time_us", 1, flags, NULL, sql_time_us, NULL, NULL);
    return rc;
}
