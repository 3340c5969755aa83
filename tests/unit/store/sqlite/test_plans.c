/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_plans.c: the main object queries and the provenance list use the indexes (or the table
 * range) meant for them (EXPLAIN QUERY PLAN), so that a page costs about its size even in a
 * collection of millions of rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"

/* Returns the concatenated plan details of the SQL store_sq_query would run for q (with
 * older, of its older versions' range: store_sq_query_older_sql). */
/* The plan of sql (EXPLAIN QUERY PLAN prepended), each step's detail then "; ". */
static void plan_of_sql(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    struct rk_buf text = RK_BUF_INIT;
    rk_buf_puts(&text, "EXPLAIN QUERY PLAN ");
    rk_buf_puts(&text, sql);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, text.data, -1, &st, NULL), SQLITE_OK);
    out[0] = '\0';
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = snprintf(out + len, cap - len, "%s; ", (const char *)sqlite3_column_text(st, 3));
        assert_true(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    sqlite3_finalize(st);
    rk_buf_free(&text);
}

static void plan_of_range(sqlite3 *db, const struct store_query *q, bool older, char *out,
                          size_t cap)
{
    struct rk_buf sql = RK_BUF_INIT;
    if (older)
        store_sq_query_older_sql(q, &sql);
    else
        store_sq_query_sql(q, &sql);
    plan_of_sql(db, sql.data, out, cap);
    rk_buf_free(&sql);
}

static void plan_of(sqlite3 *db, const struct store_query *q, char *out, size_t cap)
{
    plan_of_range(db, q, false, out, cap);
}

static void main_queries_use_their_indexes(void **state)
{
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t); /* creates the schema */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(store_sq_register_idh(db), SQLITE_OK); /* the tkey term (migration 10) */
    char plan[1024];
    const char *one_type[] = {"malware"};
    const char *two_types[] = {"malware", "tool"};
    const char *ids[] = {"malware--00000000-0000-4000-8000-000000000001"};
    struct store_query q = {
        .collection_id = "c", .added_after = -1, .limit = 100, .with_json = true};

    /* objects page, version=last: a range of the table itself (rowid = pos, migration 3) */
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "INDEX"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    q.with_json = false; /* manifest: same plan */
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "INDEX"));

    q.types = one_type;
    q.n_types = 1;
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "objects_last_type (tkey=? AND rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    q.types = two_types;
    q.n_types = 2;
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    /* version=all without ids: the latest and the older versions' ranges of the table,
     * merged by seq; never a walk of an index with a table seek per row, never a sort. */
    q.version_sel = STORE_VERSION_ALL;
    assert_true(store_sq_query_two_ranges(&q));
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));
    plan_of_range(db, &q, true, plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "INDEX"));
    assert_null(strstr(plan, "TEMP B-TREE"));
    /* skip_shadowed: one probe of the unique index per older version, no scan. */
    q.skip_shadowed = true;
    plan_of_range(db, &q, true, plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_non_null(strstr(plan, "objects_version (idh=? AND coll=? AND version>?)"));
    assert_null(strstr(plan, "SCAN"));
    assert_null(strstr(plan, "TEMP B-TREE"));
    q.skip_shadowed = false;

    /* version=first, a specific version and their combinations (migration 9): the same
     * two ranges, testing is_first or the version per row; never a sort. */
    rk_time_us versions[] = {5};
    unsigned sels[] = {STORE_VERSION_FIRST, STORE_VERSION_FIRST | STORE_VERSION_LAST,
                       STORE_VERSION_SPECIFIC, STORE_VERSION_SPECIFIC | STORE_VERSION_FIRST};
    q.versions = versions;
    q.n_versions = 1;
    for (int types = 0; types < 2; types++) {
        q.types = types ? one_type : NULL;
        q.n_types = types ? 1 : 0;
        for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
            q.version_sel = sels[i];
            assert_true(store_sq_query_two_ranges(&q));
            plan_of(db, &q, plan, sizeof(plan));
            assert_non_null(strstr(plan, types ? "objects_last_type (tkey=? AND rowid>? AND "
                                                 "rowid<?)"
                                               : "USING INTEGER PRIMARY KEY (rowid>? AND "
                                                 "rowid<?)"));
            assert_null(strstr(plan, "TEMP B-TREE"));
            plan_of_range(db, &q, true, plan, sizeof(plan));
            assert_non_null(strstr(plan, "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
            assert_null(strstr(plan, "TEMP B-TREE"));
        }
    }
    q.types = NULL;
    q.n_types = 0;
    q.versions = NULL;
    q.n_versions = 0;
    q.version_sel = STORE_VERSION_ALL;

    /* Versions of one object: the unique index, never a walk of the collection. */
    q.types = NULL;
    q.n_types = 0;
    q.ids = ids;
    q.n_ids = 1;
    assert_false(store_sq_query_two_ranges(&q));
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "objects_version (idh=? AND coll=?)"));
    q.skip_shadowed = true; /* plus one probe per older version */
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "objects_version (idh=? AND coll=?)"));
    assert_non_null(strstr(plan, "objects_version (idh=? AND coll=? AND version>?)"));
    assert_null(strstr(plan, "SCAN"));
    q.skip_shadowed = false;
    q.version_sel = STORE_VERSION_LAST;
    plan_of(db, &q, plan, sizeof(plan));
    assert_non_null(strstr(plan, "objects_version (idh=? AND coll=?)"));

    /* The largest date_added: a rowid seek per range of each collection, no scan. */
    plan_of_sql(db, STORE_SQ_MAX_ADDED_SQL, plan, sizeof(plan));
    assert_non_null(strstr(plan, "SEARCH objects USING INTEGER PRIMARY KEY (rowid>? AND "
                                 "rowid<?)"));
    assert_null(strstr(plan, "SCAN objects"));

    /* The cursor's mark (store_sq_seq_at): the partial index, one seek. */
    plan_of_sql(db, STORE_SQ_MARK_AT_SQL, plan, sizeof(plan));
    assert_non_null(strstr(plan, "objects_marks (coll=? AND date_added<?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    /* find_object (join checks): one probe of objects_version per collection. */
    plan_of_sql(db, STORE_SQ_FIND_OBJECT_SQL, plan, sizeof(plan));
    assert_non_null(strstr(plan, "SCAN k"));
    assert_non_null(strstr(plan, "objects_version (idh=? AND coll=?)"));

    sqlite3_close(db);
    tstore_remove(&t);
}

/* provenance_list (migration 5, no index of provenance by id): one probe of objects_version
 * per collection and one of provenance_gone, then provenance by its key; no scan of
 * provenance, objects or provenance_gone (coll_keys, a handful of rows, is walked). The rows
 * that carry their provenance (migration 7) come from the same kind of objects_version probe. */
static void provenance_list_uses_keys(void **state)
{
    (void)state;
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);
    sqlite3 *db = NULL;
    char plan[1024];
    assert_int_equal(sqlite3_open_v2(t.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    plan_of_sql(db, STORE_SQ_PROVENANCE_LIST_SQL, plan, sizeof(plan));
    assert_non_null(strstr(plan, "SCAN k"));
    assert_non_null(strstr(plan, "SEARCH o USING INDEX objects_version (idh=? AND coll=?)"));
    assert_non_null(strstr(plan, "SEARCH g USING PRIMARY KEY (id=?)"));
    assert_non_null(strstr(plan, "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"));
    assert_null(strstr(plan, "SCAN p"));
    assert_null(strstr(plan, "SCAN o"));
    assert_null(strstr(plan, "SCAN g"));
    sqlite3_close(db);
    tstore_remove(&t);
}

/* The observables filter (migration 18), for every version selection, with and without a
 * type or ids: the candidates from observables_key (a key) and observables_range (the ranges
 * inside, the ranges holding), never a scan, then each candidate's object row by rowid. */
static void observables_filter_uses_the_index(void **state)
{
    (void)state;
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(t.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(store_sq_register_idh(db), SQLITE_OK);
    char plan[4096];
    struct store_observable obs[2];
    memset(obs, 0, sizeof(obs));
    obs[0].key = "domain:example.jp";
    obs[1].key = "cidr4:192.0.2.0/24";
    obs[1].ranged = true;
    obs[1].addr[10] = obs[1].addr[11] = 0xff;
    obs[1].addr[12] = 192;
    obs[1].addr[14] = 2;
    obs[1].prefix = 120;
    const char *one_type[] = {"indicator"};
    const char *ids[] = {"indicator--00000000-0000-4000-8000-000000000001"};
    const unsigned sels[] = {0, STORE_VERSION_FIRST, STORE_VERSION_ALL,
                             STORE_VERSION_FIRST | STORE_VERSION_LAST};
    for (size_t k = 0; k < sizeof(sels) / sizeof(sels[0]); k++) {
        for (int shape = 0; shape < 3; shape++) {
            struct store_query q = {.collection_id = "c",
                                    .added_after = -1,
                                    .limit = 100,
                                    .with_json = true,
                                    .version_sel = sels[k],
                                    .observables = obs,
                                    .n_observables = 2};
            if (shape == 1) {
                q.types = one_type;
                q.n_types = 1;
            } else if (shape == 2) {
                q.ids = ids;
                q.n_ids = 1;
            }
            plan_of(db, &q, plan, sizeof(plan)); /* one candidate's version */
            assert_non_null(strstr(plan, "SEARCH o USING INTEGER PRIMARY KEY (rowid=?)"));
            assert_null(strstr(plan, "SCAN"));
            struct rk_buf sql = RK_BUF_INIT;
            store_sq_query_obs_sql(&q, &sql); /* the candidates */
            plan_of_sql(db, sql.data, plan, sizeof(plan));
            rk_buf_free(&sql);
            assert_non_null(strstr(plan, "SEARCH observables USING INDEX observables_key (kh=? AND "
                                         "date_added>?)"));
            assert_non_null(
                strstr(plan, "SEARCH observables USING INDEX observables_range (lo>? AND lo<?)"));
            assert_non_null(
                strstr(plan, "SEARCH observables USING INDEX observables_range (lo=? AND plen=?)"));
            assert_null(strstr(plan, "SCAN"));
        }
    }
    sqlite3_close(db);
    tstore_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(main_queries_use_their_indexes),
        cmocka_unit_test(provenance_list_uses_keys),
        cmocka_unit_test(observables_filter_uses_the_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
