/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_migration.c: a database as renkei left it at schema version 1 (built here by running
 * migration 1 through sqlite3 by hand) opens, migrates to the current version and keeps
 * every row, with the new columns at their documented defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "test_store_helpers.h"

#define OBJ "indicator--11111111-1111-4111-8111-111111111111"

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg != NULL ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Builds t->path as a version 1 database with one row in each table. */
static void make_v1(struct tstore *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/rk-store-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/renkei.db", t->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode=WAL");
    exec_ok(db, store_sq_migration_sql(1));
    exec_ok(db, "PRAGMA user_version = 1");
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');"
                "INSERT INTO objects(date_added, coll, id, version, type, spec_version, "
                "is_first, is_last, json) VALUES(1000, 1, '" OBJ "', 5, 'indicator', '2.1', 1, 1, "
                "'{\"id\":\"" OBJ "\"}');"
                "INSERT INTO orgs(id, name, sector, identity_id, anonymity, created) "
                "VALUES('o1', 'Bank A', 'finance', 'identity--x', 1, 7);"
                "INSERT INTO tokens(hash, org_id, role, label, created) "
                "VALUES('h1', 'o1', 1, 'ci', 8);"
                "INSERT INTO collections(id, title, description, alias, read_spec, write_spec, "
                "created) VALUES('c1', 'Shared', '', '', 'all', 'all', 9);"
                "INSERT INTO settings(key, value) VALUES('hub_title', 'Test hub');");
    sqlite3_close(db);
}

struct one {
    size_t n;
    int tlp;
    char source[16];
    char rule[16];
    char json[96];
};

static int one_row(void *ctx, const struct store_row *r)
{
    struct one *o = ctx;
    o->n++;
    o->tlp = r->access.tlp;
    snprintf(o->source, sizeof(o->source), "%s", r->access.source_org);
    snprintf(o->rule, sizeof(o->rule), "%s", r->access.rule);
    if (r->json != NULL)
        snprintf(o->json, sizeof(o->json), "%.*s", (int)r->json_len, r->json);
    return 0;
}

static void hash0(const struct store_audit *e, char out[65])
{
    (void)e;
    memset(out, '0', 64);
    out[64] = '\0';
}

static void v1_upgrades_keeping_rows(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    make_v1(&t);
    assert_int_equal(user_version(t.path), 1);

    tstore_open(&t); /* migrates */
    assert_int_equal(user_version(t.path), 2);

    struct one o;
    memset(&o, 0, sizeof(o));
    struct store_query q = {
        .collection_id = "c1", .added_after = -1, .limit = 10, .with_json = true};
    assert_int_equal(store_query(t.s, &q, NULL, NULL, one_row, &o, NULL, &err), 0);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.tlp, 1); /* migrated rows are CLEAR: they were public to members */
    assert_string_equal(o.source, "");
    assert_string_equal(o.rule, "");
    assert_string_equal(o.json, "{\"id\":\"" OBJ "\"}");

    struct store_org org;
    assert_int_equal(store_org_get(t.s, "Bank A", &org, &err), 0);
    assert_string_equal(org.sector, "finance");
    assert_int_equal(org.anonymity, 1);
    assert_string_equal(org.own_identifiers, "");
    store_org_clear(&org);
    struct store_token tk;
    assert_int_equal(store_token_get(t.s, "h1", &tk, &err), 0);
    assert_string_equal(tk.label, "ci");
    assert_int_equal(tk.anonymity, -1);
    store_token_clear(&tk);
    struct store_collection c;
    assert_int_equal(store_collection_get(t.s, "c1", &c, &err), 0);
    assert_string_equal(c.title, "Shared");
    assert_int_equal(c.default_tlp, 2);
    store_collection_clear(&c);
    char *v = NULL;
    assert_int_equal(store_setting_get(t.s, "hub_title", &v, &err), 0);
    assert_string_equal(v, "Test hub");
    free(v);

    /* The new tables exist and new puts go after the old rows. */
    struct store_audit e = {.action = (char *)"read"};
    assert_int_equal(store_audit_append(t.s, &e, hash0, &err), 0);
    assert_int_equal(e.seq, 1);
    char buf[128];
    struct store_put p =
        tput("tool--22222222-2222-4222-8222-222222222222", 1, "b", buf, sizeof(buf));
    assert_int_equal(store_put_objects(t.s, "c1", &p, 1, &err), 0);
    assert_true(p.date_added > 1000);

    /* Opening again runs nothing twice. */
    store_close(t.s);
    tstore_open(&t);
    assert_int_equal(user_version(t.path), 2);
    tstore_remove(&t);
}

static void migration_sql_bounds(void **state)
{
    (void)state;
    assert_null(store_sq_migration_sql(0));
    assert_non_null(store_sq_migration_sql(1));
    assert_non_null(store_sq_migration_sql(2));
    assert_null(store_sq_migration_sql(3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_upgrades_keeping_rows),
        cmocka_unit_test(migration_sql_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
