/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lean.c: a lean query (store_query.lean) returns exactly the rows, versions, JSON,
 * flags and access fields of a full one, in every query shape, with spec_version,
 * source_sector and rule empty (and, with JSON, the version's form not read); its SQL is
 * stable, skips those columns and keeps the plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"
#include "../lean_check.h"

static void lean_rows_match_full_rows(void **state)
{
    (void)state;
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);
    lean_strict = true; /* SQLite takes the hint */
    check_lean_every_shape(t.s);
    tstore_remove(&t);
}

/* The SQL of each shape, lean or full, is one fixed text (the statement cache keys on it);
 * the lean text selects none of the skipped columns and keeps the full text's plan. */
static void lean_sql_stable_and_same_plan(void **state)
{
    (void)state;
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(store_sq_register_idh(db), SQLITE_OK); /* the tkey term (migration 10) */
    const char *one_type[] = {"malware"};
    const char *ids[] = {"malware--00000000-0000-4000-8000-000000000001"};
    const char *v21[] = {"2.1"};
    struct store_query shapes[6];
    for (size_t i = 0; i < 6; i++)
        shapes[i] = (struct store_query){
            .collection_id = "c", .added_after = -1, .limit = 100, .with_json = true};
    shapes[1].types = one_type;
    shapes[1].n_types = 1;
    shapes[2].version_sel = STORE_VERSION_ALL;
    shapes[2].skip_shadowed = true;
    shapes[3].version_sel = STORE_VERSION_FIRST;
    shapes[4].ids = ids;
    shapes[4].n_ids = 1;
    shapes[5].spec_versions = v21;
    shapes[5].n_spec_versions = 1;
    for (size_t i = 0; i < 6; i++) {
        struct store_query full = shapes[i], lean = shapes[i];
        lean.lean = true;
        struct rk_buf a = RK_BUF_INIT, b = RK_BUF_INIT, c = RK_BUF_INIT;
        store_sq_query_sql(&lean, &a);
        store_sq_query_sql(&lean, &b);
        store_sq_query_sql(&full, &c);
        assert_string_equal(a.data, b.data);
        assert_string_not_equal(a.data, c.data);
        /* The select list (up to FROM) names none of the skipped columns. */
        const char *from = strstr(a.data, " FROM ");
        assert_non_null(from);
        size_t head = (size_t)(from - a.data);
        char sel[1024];
        assert_true(head < sizeof(sel));
        memcpy(sel, a.data, head);
        sel[head] = '\0';
        assert_null(strstr(sel, "spec_version"));
        assert_null(strstr(sel, "source_sector"));
        assert_null(strstr(sel, "rule"));
        assert_non_null(strstr(c.data, "spec_version"));
        /* Same plan: prefix both with EXPLAIN QUERY PLAN and compare the details. */
        char plans[2][1024];
        const char *texts[2] = {a.data, c.data};
        for (int k = 0; k < 2; k++) {
            struct rk_buf e = RK_BUF_INIT;
            rk_buf_printf(&e, "EXPLAIN QUERY PLAN %s", texts[k]);
            sqlite3_stmt *st = NULL;
            assert_int_equal(sqlite3_prepare_v2(db, e.data, -1, &st, NULL), SQLITE_OK);
            size_t len = 0;
            plans[k][0] = '\0';
            while (sqlite3_step(st) == SQLITE_ROW) {
                int m = snprintf(plans[k] + len, sizeof(plans[k]) - len, "%s; ",
                                 (const char *)sqlite3_column_text(st, 3));
                assert_true(m > 0 && (size_t)m < sizeof(plans[k]) - len);
                len += (size_t)m;
            }
            sqlite3_finalize(st);
            rk_buf_free(&e);
        }
        assert_string_equal(plans[0], plans[1]);
        rk_buf_free(&a);
        rk_buf_free(&b);
        rk_buf_free(&c);
    }
    sqlite3_close(db);
    tstore_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lean_rows_match_full_rows),
        cmocka_unit_test(lean_sql_stable_and_same_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
