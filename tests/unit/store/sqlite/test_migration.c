/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_migration.c: a database as renkei left it at schema version 1, 2 or 3 (built here by
 * running the old migrations through sqlite3 by hand) opens, migrates to the current version
 * and keeps every row, with the new columns at their documented defaults, and (version 2 to
 * 3, the clustered objects table) every date_added, flag and the order of the rows; (version
 * 3 to 4, derived provenance originals) old provenance rows keep their full original, also
 * once their object is deleted, and new ones are derived; (version 4 to 5, no provenance index
 * by id) the rows of objects deleted before are still listed, through provenance_gone;
 * (version 10 to 11, token creators) old tokens keep every field and have no recorded
 * creator, new ones store theirs.
 * (version 11 to 12) joins that repeat ids keep each once.
 * (version 12 to 13) stored status resources lose their empty lists, and nothing else.
 * (version 13 to 14) collection aliases become unique: the oldest keeps a shared one.
 * (version 14 to 15) every row knows its version's text form, read from its JSON, and the
 * hub's identity objects stored with their date_added as version get their modified.
 * (version 15 to 16, disabled organisations, removed collection keys) every organisation
 * keeps its fields and is enabled, one disabled afterwards reads back disabled and leaves
 * the sector's count; an existing collection key is not removed and takes puts.
 * (version 16 to 17) collections are not relay collections until made so.
 * (version 17 to 18, the observable index) objects stored before have no index rows; a new
 * version's rows are written with it.
 * (version 18 to 19, capability records and event logs) both start empty and take writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"

#define OBJ "indicator--11111111-1111-4111-8111-111111111111"

/* The schema version this renkei migrates to. */
#define CURRENT 19

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg != NULL ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

/* Creates t's directory and database at schema version `version` (migrations 1 to version
 * run directly, as that renkei left the file), WAL mode; returns the open connection. */
static sqlite3 *raw_store(struct tstore *t, int version)
{
    char sql[64];
    snprintf(t->dir, sizeof(t->dir), "/tmp/rk-store-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/renkei.db", t->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode=WAL");
    assert_int_equal(store_sq_register_idh(db), SQLITE_OK);   /* migration 6 uses rk_idh */
    assert_int_equal(store_sq_register_joins(db), SQLITE_OK); /* migration 12 */
    assert_int_equal(store_sq_register_time(db), SQLITE_OK);  /* migration 15 */
    for (int v = 1; v <= version; v++)
        exec_ok(db, store_sq_migration_sql(v));
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
    exec_ok(db, sql);
    return db;
}

/* Builds t->path as a version 1 database with one row in each table. */
static void make_v1(struct tstore *t)
{
    sqlite3 *db = raw_store(t, 1);
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
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), 1);

    tstore_open(&t); /* migrates */
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);

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
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    tstore_remove(&t);
}

#define C1_1 "indicator--00000000-0000-4000-8000-000000000001"
#define C1_2 "indicator--00000000-0000-4000-8000-000000000002"
#define C1_3 "malware--00000000-0000-4000-8000-000000000003"

/* Collects (date_added, id, version) of a query's rows. */
struct rows {
    size_t n;
    rk_time_us added[16];
    rk_time_us version[16];
    char id[16][64];
    int tlp[16];
};

static int add_row(void *ctx, const struct store_row *r)
{
    struct rows *o = ctx;
    if (o->n < 16) {
        o->added[o->n] = r->date_added;
        o->version[o->n] = r->version;
        o->tlp[o->n] = r->access.tlp;
        snprintf(o->id[o->n], sizeof(o->id[0]), "%s", r->id);
    }
    o->n++;
    return 0;
}

static void query_rows(struct store *s, const char *coll, unsigned sel, rk_time_us after,
                       struct rows *out)
{
    struct rk_err err;
    memset(out, 0, sizeof(*out));
    struct store_query q = {
        .collection_id = coll, .added_after = after, .limit = 100, .version_sel = sel};
    assert_int_equal(store_query(s, &q, NULL, NULL, add_row, out, NULL, &err), 0);
}

/* Builds t->path as a version 2 database: two collections with interleaved rows, C1_1 in
 * three versions (the last one stored first), C1_2 in two. */
static void make_v2(struct tstore *t)
{
    sqlite3 *db = raw_store(t, 2);
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1'), (2, 'c2');"
                "INSERT INTO objects(date_added, coll, id, version, type, spec_version, is_first, "
                "is_last, json, tlp, source_org) VALUES"
                "(100, 1, '" C1_1 "', 30, 'indicator', '2.1', 0, 1, 'a30', 2, 'o1'),"
                "(110, 2, '" C1_1 "', 5, 'indicator', '2.1', 1, 1, 'other', 1, ''),"
                "(120, 1, '" C1_2 "', 10, 'indicator', '2.1', 1, 0, 'b10', 3, 'o2'),"
                "(130, 1, '" C1_1 "', 10, 'indicator', '2.1', 1, 0, 'a10', 2, 'o1'),"
                "(140, 1, '" C1_3 "', 7, 'malware', '2.1', 1, 1, 'c7', 1, ''),"
                "(150, 1, '" C1_2 "', 20, 'indicator', '2.1', 0, 1, 'b20', 3, 'o2'),"
                "(160, 1, '" C1_1 "', 20, 'indicator', '2.1', 0, 0, 'a20', 2, 'o1');"
                "INSERT INTO provenance(date_added, coll_uuid, id, version, org_id, token_hash, "
                "anonymity, received, original, actions) VALUES(150, 'c1', '" C1_2 "', 20, 'o2', "
                "'h', 0, 150, 'orig', '[]');");
    sqlite3_close(db);
}

static void v2_upgrades_keeping_rows_and_order(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    struct rows r;
    memset(&t, 0, sizeof(t));
    make_v2(&t);
    tstore_open(&t); /* migrates */
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);

    /* Latest versions in date_added order, with their date_added and access columns. */
    query_rows(t.s, "c1", 0, -1, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.added[0], 100);
    assert_string_equal(r.id[0], C1_1);
    assert_int_equal(r.version[0], 30);
    assert_int_equal(r.added[1], 140);
    assert_int_equal(r.added[2], 150);
    assert_int_equal(r.tlp[2], 3);
    /* added_after at rows that are not latest versions, and past the end. */
    query_rows(t.s, "c1", 0, 120, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.added[0], 140);
    query_rows(t.s, "c1", 0, 145, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.added[0], 150);
    query_rows(t.s, "c1", 0, 160, &r);
    assert_int_equal(r.n, 0);
    /* Every version, first versions. */
    query_rows(t.s, "c1", STORE_VERSION_ALL, -1, &r);
    assert_int_equal(r.n, 6);
    rk_time_us all[] = {100, 120, 130, 140, 150, 160};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(r.added[i], all[i]);
    query_rows(t.s, "c1", STORE_VERSION_FIRST, -1, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.added[0], 120);
    assert_int_equal(r.added[1], 130);
    assert_int_equal(r.added[2], 140);
    query_rows(t.s, "c2", 0, -1, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.added[0], 110);
    int64_t count = 0;
    assert_int_equal(store_count_objects(t.s, "c1", &count, &err), 0);
    assert_int_equal(count, 6);

    /* New rows go after the old ones; a new last version replaces the migrated one. */
    char buf[128];
    struct store_put p = tput(C1_2, 40, "b40", buf, sizeof(buf));
    assert_int_equal(store_put_objects(t.s, "c1", &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
    assert_true(p.date_added > 160);
    query_rows(t.s, "c1", 0, -1, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.added[0], 100);
    assert_int_equal(r.added[1], 140);
    assert_int_equal(r.added[2], p.date_added);
    assert_int_equal(r.version[2], 40);
    /* A migrated version keeps its body and date_added: another body conflicts. */
    struct store_put d = tput(C1_1, 30, "x", buf, sizeof(buf));
    assert_int_equal(store_put_objects(t.s, "c1", &d, 1, &err), 0);
    assert_int_equal(d.result, STORE_PUT_CONFLICT);
    assert_int_equal(d.date_added, 100);
    tstore_remove(&t);
}

#define P1 "indicator--00000000-0000-4000-8000-0000000000a1"
#define P2 "malware--00000000-0000-4000-8000-0000000000a2"

/* Copies each provenance original of one id. */
struct origs {
    size_t n;
    char text[4][96];
};

static int add_orig(void *ctx, const struct store_provenance *p)
{
    struct origs *o = ctx;
    if (o->n < 4)
        snprintf(o->text[o->n], sizeof(o->text[0]), "%s", p->original);
    o->n++;
    return 0;
}

/* A version 3 database: two objects in c1 with provenance rows holding full originals (one
 * equal to the stored json, one not), as every version 3 hub wrote them. */
static void v3_upgrades_keeping_provenance(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    struct origs o;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 3);
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');"
                "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
                "is_first, is_last, json) VALUES"
                "((1 << 40) | (1 << 39) | 1, 200, 1, '" P1 "', 5, 'indicator', '2.1', 1, 1, "
                "'{\"a\":1,\"m\":[\"x\"]}'),"
                "((1 << 40) | (1 << 39) | 2, 210, 1, '" P2 "', 5, 'malware', '2.1', 1, 1, "
                "'{\"b\":2}');"
                "INSERT INTO provenance(date_added, coll_uuid, id, version, org_id, token_hash, "
                "anonymity, received, original, actions) VALUES"
                "(200, 'c1', '" P1 "', 5, 'o1', 'h', 0, 200, CAST('{\"a\":1}' AS BLOB), '[]'),"
                "(210, 'c1', '" P2 "', 5, 'o1', 'h', 0, 210, CAST('{\"b\":2}' AS BLOB), '[]');");
    sqlite3_close(db);

    tstore_open(&t); /* migrates */
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM provenance WHERE derived = 0"),
                     2); /* old rows: full originals */
    memset(&o, 0, sizeof(o));
    assert_int_equal(store_provenance_list(t.s, P1, add_orig, &o, &err), 0);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "{\"a\":1}"); /* not the stored json */

    /* Deleting the object keeps the old row's original as it was. */
    assert_int_equal(tstore_delete_all(t.s, "c1", P1), 1);
    memset(&o, 0, sizeof(o));
    assert_int_equal(store_provenance_list(t.s, P1, add_orig, &o, &err), 0);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "{\"a\":1}");

    /* A new version with a derived original: the short form, the same text back. */
    const char *json = "{\"b\":3,\"m\":[\"x\"]}";
    struct store_put p;
    memset(&p, 0, sizeof(p));
    p.id = P2;
    p.type = "malware";
    p.spec_version = "2.1";
    p.version = 6;
    p.json = json;
    p.json_len = strlen(json);
    p.original = "{\"b\":3}";
    p.original_len = strlen(p.original);
    p.original_from_json = true;
    p.json_extra_off = 6;
    p.json_extra_len = strlen(",\"m\":[\"x\"]");
    assert_int_equal(store_put_objects(t.s, "c1", &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
    /* (Since migration 7 such a version carries its provenance in its row.) */
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM objects WHERE prov = 1"), 1);
    memset(&o, 0, sizeof(o));
    assert_int_equal(store_provenance_list(t.s, P2, add_orig, &o, &err), 0);
    assert_int_equal(o.n, 2);
    assert_string_equal(o.text[0], "{\"b\":2}");
    assert_string_equal(o.text[1], "{\"b\":3}");
    tstore_remove(&t);
}

#define Q1 "indicator--00000000-0000-4000-8000-0000000000b1"
#define Q2 "malware--00000000-0000-4000-8000-0000000000b2"

/* Copies (date_added, collection, original) of each provenance row of one id. */
struct prov_rows {
    size_t n;
    rk_time_us added[8];
    char coll[8][8];
    char text[8][64];
};

static int add_prov(void *ctx, const struct store_provenance *p)
{
    struct prov_rows *o = ctx;
    if (o->n < 8) {
        o->added[o->n] = p->date_added;
        snprintf(o->coll[o->n], sizeof(o->coll[0]), "%s", p->collection_id);
        snprintf(o->text[o->n], sizeof(o->text[0]), "%s", p->original);
    }
    o->n++;
    return 0;
}

/* (id, date_added) of every provenance_gone entry, "id@added;" each in key order, and
 * whether the index provenance_id still exists. */
static void gone_rows(const char *path, char *out, size_t cap, bool *has_index)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT id, date_added FROM provenance_gone", -1, &st, NULL),
        SQLITE_OK);
    out[0] = '\0';
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int n = snprintf(out + len, cap - len, "%s@%lld;", (const char *)sqlite3_column_text(st, 0),
                         (long long)sqlite3_column_int64(st, 1));
        assert_true(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    *has_index = tstore_raw_int(
                     path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'provenance_id'") != 0;
}

/* A version 4 database as a version 4 hub left it: Q1 with versions in c1 and c2, one of
 * c1's deleted earlier (its provenance row kept, written out), Q2 deleted from c1 entirely,
 * and a live derived row. Migrating to 5 drops provenance_id, lists exactly the rows
 * without an object row as gone, and every row of each id is still listed in order. */
static void v4_upgrades_keeping_deleted_provenance(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    struct prov_rows o;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 4);
    /* Rows: 300 c1 Q1 v1 (gone), 310 c2 Q1 v1, 320 c1 Q2 v1 (gone), 330 c1 Q1 v2 (derived
     * from its json), 340 c2 Q1 v2 (gone). */
    exec_ok(db,
            "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1'), (2, 'c2');"
            "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
            "is_first, is_last, json) VALUES"
            "((2 << 40) | (1 << 39) | 1, 310, 2, '" Q1 "', 1, 'indicator', '2.1', 1, 1, "
            "'{\"q\":\"c2v1\"}'),"
            "((1 << 40) | (1 << 39) | 2, 330, 1, '" Q1 "', 2, 'indicator', '2.1', 1, 1, "
            "'{\"q\":\"c1v2\",\"m\":1}');"
            "INSERT INTO provenance(date_added, coll_uuid, id, version, org_id, token_hash, "
            "anonymity, received, original, actions, derived, cut_off, cut_len) VALUES"
            "(300, 'c1', '" Q1 "', 1, 'o1', 'h', 0, 300, CAST('c1v1' AS BLOB), '[]', 0, 0, 0),"
            "(310, 'c2', '" Q1 "', 1, 'o1', 'h', 0, 310, CAST('c2v1' AS BLOB), '[]', 0, 0, 0),"
            "(320, 'c1', '" Q2 "', 1, 'o1', 'h', 0, 320, CAST('q2' AS BLOB), '[]', 0, 0, 0),"
            "(330, 'c1', '" Q1 "', 2, 'o1', 'h', 0, 330, CAST('' AS BLOB), '[]', 1, 11, 6),"
            "(340, 'c2', '" Q1 "', 2, 'o1', 'h', 0, 340, CAST('c2v2' AS BLOB), '[]', 0, 0, 0);");
    sqlite3_close(db);

    tstore_open(&t); /* migrates */
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    char gone[256];
    bool has_index = true;
    gone_rows(t.path, gone, sizeof(gone), &has_index);
    assert_false(has_index);
    assert_string_equal(gone, Q1 "@300;" Q1 "@340;" Q2 "@320;");

    memset(&o, 0, sizeof(o));
    assert_int_equal(store_provenance_list(t.s, Q1, add_prov, &o, &err), 0);
    assert_int_equal(o.n, 4);
    rk_time_us added[] = {300, 310, 330, 340};
    const char *coll[] = {"c1", "c2", "c1", "c2"};
    const char *text[] = {"c1v1", "c2v1", "{\"q\":\"c1v2\"}", "c2v2"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(o.added[i], added[i]);
        assert_string_equal(o.coll[i], coll[i]);
        assert_string_equal(o.text[i], text[i]);
    }
    memset(&o, 0, sizeof(o));
    assert_int_equal(store_provenance_list(t.s, Q2, add_prov, &o, &err), 0);
    assert_int_equal(o.n, 1);
    assert_string_equal(o.text[0], "q2");

    /* A migrated live row deleted now joins the gone ones, its original written out. */
    assert_int_equal(tstore_delete_all(t.s, "c1", Q1), 1);
    gone_rows(t.path, gone, sizeof(gone), &has_index);
    assert_string_equal(gone, Q1 "@300;" Q1 "@330;" Q1 "@340;" Q2 "@320;");
    memset(&o, 0, sizeof(o));
    assert_int_equal(store_provenance_list(t.s, Q1, add_prov, &o, &err), 0);
    assert_int_equal(o.n, 4);
    assert_int_equal(o.added[2], 330);
    assert_string_equal(o.text[2], "{\"q\":\"c1v2\"}");
    tstore_remove(&t);
}

#define R1 "indicator--00000000-0000-4000-8000-0000000000c1"
#define R2 "malware--00000000-0000-4000-8000-0000000000c2"

/* Versions of the rows a query returns. */
struct seen_rows {
    size_t n;
    rk_time_us version[8];
};

static int seen_row(void *ctx, const struct store_row *row)
{
    struct seen_rows *r = ctx;
    if (r->n < 8)
        r->version[r->n] = row->version;
    r->n++;
    return 0;
}

/* The idh of every objects row, checked against store_sq_id_hash of its id; returns the
 * number of rows. */
static int idh_rows_match(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = 0;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, idh FROM objects", -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        assert_true(sqlite3_column_int64(st, 1) ==
                    store_sq_id_hash((const char *)sqlite3_column_text(st, 0)));
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* A version 5 database: migrating to 6 fills idh for every row and keys objects_version by
 * it; duplicates, conflicts, new versions and lookups by id still find the old rows. */
static void v5_upgrades_hashing_ids(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 5);
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');"
                "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
                "is_first, is_last, json) VALUES"
                "((1 << 40) | (1 << 39) | 1, 200, 1, '" R1 "', 5, 'indicator', '2.1', 1, 1, "
                "'{\"r\":1}'),"
                "((1 << 40) | (1 << 39) | 2, 210, 1, '" R2 "', 5, 'malware', '2.1', 1, 1, "
                "'{\"r\":2}');");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    assert_int_equal(idh_rows_match(t.path), 2);
    char b1[] = "{\"r\":1}", b2[] = "{\"r\":1,\"x\":0}", b3[] = "{\"r\":3}";
    struct store_put p[3];
    memset(p, 0, sizeof(p));
    const char *bodies[3] = {b1, b2, b3};
    rk_time_us versions[3] = {5, 5, 9};
    for (int i = 0; i < 3; i++) {
        p[i].id = R1;
        p[i].type = "indicator";
        p[i].spec_version = "2.1";
        p[i].version = versions[i];
        p[i].json = bodies[i];
        p[i].json_len = strlen(bodies[i]);
    }
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t.s, "c1", p, 3, &err), 0);
    assert_int_equal(p[0].result, STORE_PUT_DUP);
    assert_int_equal(p[1].result, STORE_PUT_CONFLICT);
    assert_int_equal(p[2].result, STORE_PUT_NEW);
    assert_int_equal(idh_rows_match(t.path), 3);
    /* One last version of R1 (the new one), found by id through the hashed index. */
    const char *ids[1] = {R1};
    struct store_query q = {
        .collection_id = "c1", .added_after = -1, .limit = 10, .ids = ids, .n_ids = 1};
    struct seen_rows r;
    memset(&r, 0, sizeof(r));
    struct store_page page;
    assert_int_equal(store_query(t.s, &q, NULL, NULL, seen_row, &r, &page, &err), 0);
    assert_int_equal(r.n, 1);
    assert_true(r.version[0] == 9);
    tstore_remove(&t);
}

/* A version 6 database with a derived provenance row of migration 4 (its object row lives):
 * migrating to 7 leaves it where it is (prov = 0), a new version posted with a hex token
 * carries its provenance in its row, both are listed in order, and deleting both writes
 * both originals out. */
static void v6_upgrades_keeping_provenance_rows(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    struct prov_rows o;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 6);
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');"
                "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
                "is_first, is_last, json, idh) VALUES"
                "((1 << 40) | (1 << 39) | 1, 200, 1, '" R1 "', 5, 'indicator', '2.1', 1, 1, "
                "'{\"r\":1,\"m\":1}', rk_idh('" R1 "'));"
                "INSERT INTO provenance(date_added, coll_uuid, id, version, org_id, token_hash, "
                "anonymity, received, original, actions, derived, cut_off, cut_len) VALUES"
                "(200, 'c1', '" R1 "', 5, 'o1', 'h', 0, 200, CAST('' AS BLOB), '[]', 1, 6, 6);");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM objects WHERE prov = 0"), 1);
    char body[] = "{\"r\":2}";
    struct store_put p;
    memset(&p, 0, sizeof(p));
    p.id = R1;
    p.type = "indicator";
    p.spec_version = "2.1";
    p.version = 9;
    p.json = body;
    p.json_len = strlen(body);
    p.access.source_org = "o1";
    p.original = body;
    p.original_len = strlen(body);
    p.original_from_json = true;
    p.token_hash = "abcd";
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t.s, "c1", &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM objects WHERE prov = 1"), 1);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM provenance"), 1);

    for (int round = 0; round < 2; round++) { /* before and after deleting both versions */
        memset(&o, 0, sizeof(o));
        assert_int_equal(store_provenance_list(t.s, R1, add_prov, &o, &err), 0);
        assert_int_equal(o.n, 2);
        assert_int_equal(o.added[0], 200);
        assert_string_equal(o.text[0], "{\"r\":1}");
        assert_true(o.added[1] == p.date_added);
        assert_string_equal(o.text[1], body);
        if (round == 1)
            break;
        assert_int_equal(tstore_delete_all(t.s, "c1", R1), 2);
        assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM provenance WHERE "
                                                "derived = 0"),
                         2);
    }
    tstore_remove(&t);
}

/* A version 9 database (objects_last_type on (coll, type)) with rows of two types in two
 * collections, one of them no longer the last version: migration 10 gives every row its
 * tkey, and a page of one type's latest versions (which walks the index through tkey) finds
 * exactly those rows, and a version put after the upgrade too. */
static void v9_upgrades_keying_last_type(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 9);
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1'), (2, 'c2');"
                "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
                "is_first, is_last, json, idh) VALUES"
                "((1 << 40) | 1, 100, 1, '" R1 "', 5, 'indicator', '2.1', 1, 0, '{}', "
                "rk_idh('" R1 "')),"
                "((1 << 40) | (1 << 39) | 2, 200, 1, '" R1 "', 6, 'indicator', '2.1', 0, 1, '{}', "
                "rk_idh('" R1 "')),"
                "((1 << 40) | (1 << 39) | 3, 300, 1, '" R2 "', 5, 'malware', '2.1', 1, 1, '{}', "
                "rk_idh('" R2 "')),"
                "((2 << 40) | (1 << 39) | 1, 400, 2, '" R1 "', 5, 'indicator', '2.1', 1, 1, '{}', "
                "rk_idh('" R1 "'));");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    assert_int_equal(tstore_raw_int(t.path,
                                    "SELECT COUNT(*) FROM objects WHERE tkey = CASE coll "
                                    "WHEN 1 THEN CASE type WHEN 'indicator' THEN %lld "
                                    "ELSE %lld END ELSE %lld END",
                                    (long long)store_sq_tkey(1, "indicator"),
                                    (long long)store_sq_tkey(1, "malware"),
                                    (long long)store_sq_tkey(2, "indicator")),
                     4);
    const char *types[1] = {"indicator"};
    struct store_query q = {
        .collection_id = "c1", .added_after = -1, .limit = 10, .types = types, .n_types = 1};
    struct seen_rows r;
    struct store_page page;
    memset(&r, 0, sizeof(r));
    rk_err_clear(&err);
    assert_int_equal(store_query(t.s, &q, NULL, NULL, seen_row, &r, &page, &err), 0);
    assert_int_equal(r.n, 1);
    assert_true(r.version[0] == 6);

    char body[] = "{\"r\":3}";
    struct store_put p;
    memset(&p, 0, sizeof(p));
    p.id = "indicator--00000000-0000-4000-8000-0000000000c3";
    p.type = "indicator";
    p.spec_version = "2.1";
    p.version = 7;
    p.json = body;
    p.json_len = strlen(body);
    assert_int_equal(store_put_objects(t.s, "c1", &p, 1, &err), 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_query(t.s, &q, NULL, NULL, seen_row, &r, &page, &err), 0);
    assert_int_equal(r.n, 2);
    assert_true(r.version[0] == 6 && r.version[1] == 7);
    tstore_remove(&t);
}

/* A version 10 database with tokens of two organisations: migration 11 keeps every token
 * as it was, with no creator recorded (""), and a token added afterwards keeps its creator
 * and the token it was made with; lists and lookups give both. */
static void v10_upgrades_recording_token_creators(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 10);
    exec_ok(db, "INSERT INTO orgs(id, name, sector, identity_id, anonymity, created) VALUES"
                "('o1', 'Hub', 'coordination', 'identity--c', 0, 1),"
                "('o2', 'Bank A', 'finance', 'identity--b', 1, 2);"
                "INSERT INTO tokens(hash, org_id, role, label, created, anonymity) VALUES"
                "('h1', 'o1', 3, 'created by init', 3, -1),"
                "('h2', 'o2', 2, 'soc', 4, 2);");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    struct store_token tk;
    assert_int_equal(store_token_get(t.s, "h2", &tk, &err), 0);
    assert_string_equal(tk.org_id, "o2");
    assert_int_equal(tk.role, 2);
    assert_string_equal(tk.label, "soc");
    assert_true(tk.created == 4);
    assert_int_equal(tk.anonymity, 2);
    assert_string_equal(tk.creator_org, "");
    assert_string_equal(tk.creator_token, "");
    store_token_clear(&tk);

    struct store_token nt;
    memset(&nt, 0, sizeof(nt));
    snprintf(nt.hash, sizeof(nt.hash), "h3");
    snprintf(nt.org_id, sizeof(nt.org_id), "o2");
    nt.role = 0;
    nt.label = (char *)"feed";
    nt.created = 5;
    nt.anonymity = -1;
    snprintf(nt.creator_org, sizeof(nt.creator_org), "o2");
    snprintf(nt.creator_token, sizeof(nt.creator_token), "h2");
    assert_int_equal(store_token_add(t.s, &nt, &err), 0);

    struct store_token *list = NULL;
    size_t n = 0;
    assert_int_equal(store_token_list(t.s, &list, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].hash, "h1");
    assert_string_equal(list[0].creator_org, "");
    assert_string_equal(list[1].hash, "h2");
    assert_string_equal(list[2].hash, "h3");
    assert_string_equal(list[2].creator_org, "o2");
    assert_string_equal(list[2].creator_token, "h2");
    store_tokens_free(list, n);

    /* Opening again runs nothing twice. */
    store_close(t.s);
    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM tokens"), 3);
    tstore_remove(&t);
}

/* A version 10 database whose joins repeat ids (as ingest stored them before it kept each
 * once): migrations 11 and 12 leave each id once, in the order met, and leaves the other rows as
 * they were; the access check then reads the deduplicated list. */
static void v10_upgrades_deduplicating_joins(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_buf big = RK_BUF_INIT;
    char *got;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 10);
    /* Row 1 cycles over three ids 2,000 times; row 2 repeats none, row 3 has one id, row 4
     * none; row 5 has doubled and trailing blanks. */
    for (int i = 0; i < 2000; i++)
        rk_buf_puts(&big, i % 3 == 0 ? "a-- " : i % 3 == 1 ? "b-- " : "c-- ");
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');");
    for (int i = 1; i <= 5; i++) {
        char sql[320];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
                 "is_first, is_last, json, idh, joins) VALUES((1 << 40) | (1 << 39) | %d, %d, 1, "
                 "'s%d', 5, 'sighting', '2.1', 1, 1, '{}', 0, ?)",
                 i, 100 * i, i);
        sqlite3_stmt *st;
        const char *joins[] = {big.data, "x-- y--", "z--", "", "x--  y-- x-- "};
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_text(st, 1, joins[i - 1], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    rk_buf_free(&big);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    const char *want[] = {"a-- b-- c--", "x-- y--", "z--", "", "x-- y--"};
    for (int i = 1; i <= 5; i++) {
        char sql[80];
        snprintf(sql, sizeof(sql), "SELECT joins FROM objects WHERE id = 's%d'", i);
        got = tstore_raw_text(t.path, sql);
        assert_non_null(got);
        assert_string_equal(got, want[i - 1]);
        free(got);
    }
    tstore_remove(&t);
}

/* A version 12 database with status resources as the hub wrote them, empty lists included:
 * migration 13 takes out exactly the empty "successes", "failures" and "pendings" members
 * and leaves every other byte, messages that quote such a member included. */
static void v12_upgrades_statuses_without_empty_lists(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 12);
    exec_ok(db, "INSERT INTO statuses(id, org_id, json) VALUES"
                "('s1', 'o1', '{\"id\":\"s1\",\"status\":\"complete\",\"total_count\":1,"
                "\"success_count\":1,\"successes\":[{\"id\":\"x--1\",\"version\":\"v\"}],"
                "\"failure_count\":0,\"failures\":[],\"pending_count\":0,\"pendings\":[]}'),"
                "('s2', 'o1', '{\"id\":\"s2\",\"status\":\"complete\",\"total_count\":1,"
                "\"success_count\":0,\"successes\":[],\"failure_count\":1,\"failures\":"
                "[{\"id\":\"objects[0]\",\"message\":\"no \\\",\\\"pendings\\\":[] here\"}],"
                "\"pending_count\":0,\"pendings\":[]}'),"
                "('s3', 'o1', '{\"id\":\"s3\",\"status\":\"complete\",\"total_count\":0,"
                "\"success_count\":0,\"successes\":[],\"failure_count\":0,\"failures\":[],"
                "\"pending_count\":0,\"pendings\":[]}');");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    const char *want[] = {
        "{\"id\":\"s1\",\"status\":\"complete\",\"total_count\":1,\"success_count\":1,"
        "\"successes\":[{\"id\":\"x--1\",\"version\":\"v\"}],\"failure_count\":0,"
        "\"pending_count\":0}",
        "{\"id\":\"s2\",\"status\":\"complete\",\"total_count\":1,\"success_count\":0,"
        "\"failure_count\":1,\"failures\":[{\"id\":\"objects[0]\",\"message\":\"no "
        "\\\",\\\"pendings\\\":[] here\"}],\"pending_count\":0}",
        "{\"id\":\"s3\",\"status\":\"complete\",\"total_count\":0,\"success_count\":0,"
        "\"failure_count\":0,\"pending_count\":0}"};
    const char *ids[] = {"s1", "s2", "s3"};
    for (int i = 0; i < 3; i++) {
        struct store_status st;
        assert_int_equal(store_status_get(t.s, ids[i], &st, &err), 0);
        assert_string_equal(st.json, want[i]);
        store_status_clear(&st);
    }
    tstore_remove(&t);
}

/* A version 13 database where two collections share an alias: migration 14 leaves it to the
 * oldest, takes it from the other, keeps every other alias; the alias then finds the oldest,
 * a new collection cannot take a used alias, and any number may have none. */
static void v13_upgrades_making_aliases_unique(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 13);
    exec_ok(db, "INSERT INTO collections(seq, id, title, description, alias, read_spec, "
                "write_spec, created) VALUES"
                "(1, 'c1', 'First', '', 'feeds', 'all', 'all', 1),"
                "(2, 'c2', 'Second', '', 'feeds', 'all', 'all', 2),"
                "(3, 'c3', 'Third', '', 'other', 'all', 'all', 3),"
                "(4, 'c4', 'Fourth', '', '', 'all', 'all', 4),"
                "(5, 'c5', 'Fifth', '', 'feeds', 'all', 'all', 5);");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    const char *want[] = {"feeds", "", "other", "", ""};
    for (int i = 1; i <= 5; i++) {
        char id[8];
        struct store_collection c;
        snprintf(id, sizeof(id), "c%d", i);
        assert_int_equal(store_collection_get(t.s, id, &c, &err), 0);
        assert_string_equal(c.alias, want[i - 1]);
        store_collection_clear(&c);
    }
    struct store_collection c;
    assert_int_equal(store_collection_get(t.s, "feeds", &c, &err), 0);
    assert_string_equal(c.id, "c1");
    store_collection_clear(&c);
    assert_int_equal(store_collection_get(t.s, "", &c, &err), RK_E_NOTFOUND);

    struct store_collection nc = {.title = (char *)"New",
                                  .description = (char *)"",
                                  .alias = (char *)"feeds",
                                  .read_spec = (char *)"all",
                                  .write_spec = (char *)"all",
                                  .created = 6};
    snprintf(nc.id, sizeof(nc.id), "c6");
    assert_int_equal(store_collection_add(t.s, &nc, &err), RK_E_EXISTS);
    nc.alias = (char *)"";
    assert_int_equal(store_collection_add(t.s, &nc, &err), 0);
    snprintf(nc.id, sizeof(nc.id), "c7");
    assert_int_equal(store_collection_add(t.s, &nc, &err), 0);
    /* An id wins over another collection's alias. */
    snprintf(nc.id, sizeof(nc.id), "c8");
    nc.alias = (char *)"c3";
    assert_int_equal(store_collection_add(t.s, &nc, &err), 0);
    assert_int_equal(store_collection_get(t.s, "c3", &c, &err), 0);
    assert_string_equal(c.title, "Third");
    store_collection_clear(&c);
    tstore_remove(&t);
}

/* One row of a version 14 objects table in collection 1 (its pos made of seq i). */
static void v14_object(sqlite3 *db, int i, const char *id, const char *type, int64_t version,
                       int64_t added, const char *json)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO objects(pos, date_added, coll, id, version, type, spec_version, "
             "is_first, is_last, json, idh) VALUES((1 << 40) | (1 << 39) | %d, %lld, 1, '%s', "
             "%lld, '%s', '2.1', 1, 1, ?, rk_idh('%s'))",
             i, (long long)added, id, (long long)version, type, id);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_blob(st, 1, json, (int)strlen(json), SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

struct forms {
    size_t n;
    char id[16][64];
    char text[16][RK_TIME_LEN];
    rk_time_us version[16];
};

static int form_row(void *ctx, const struct store_row *r)
{
    struct forms *f = ctx;
    assert_true(f->n < 16);
    snprintf(f->id[f->n], sizeof(f->id[0]), "%s", r->id);
    rk_time_format_as(r->version, r->version_form, f->text[f->n]);
    f->version[f->n] = r->version;
    f->n++;
    return 0;
}

#define V14_IND   "indicator--00000000-0000-4000-8000-0000000000a1"
#define V14_HUB   "identity--00000000-0000-4000-8000-0000000000a2"
#define V14_TWICE "identity--00000000-0000-4000-8000-0000000000a3"

/* A version 14 database with versions written in every form: migration 15 gives each row the
 * form of its JSON's modified (else created), so that the version reads back as that text; a
 * row without either (an observable: the store assigned its version), or whose JSON is not
 * JSON, keeps six digits. The hub's identity stored with its date_added as version gets its
 * modified (an identity with two versions is left alone), and putting it again as ingest now
 * does (version = modified) finds it: a duplicate, not a second version. */
static void v14_upgrades_writing_versions_as_objects_do(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 14);
    exec_ok(db, "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');");
    const char *texts[] = {"2024-01-01T00:00:00.123Z",  "2024-01-02T00:00:00.123456Z",
                           "2024-01-03T00:00:00Z",      "2024-01-04T00:00:00.123456789Z",
                           "2024-01-05T00:00:00.1000Z", "2016-12-31T23:59:60.5Z"};
    char json[256];
    for (int i = 0; i < 6; i++) {
        rk_time_us v;
        char id[64];
        assert_int_equal(rk_time_parse(texts[i], &v), 0);
        snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-00000000000%d", i);
        /* The third has only created (no modified); the others a modified after created. */
        snprintf(json, sizeof(json),
                 i == 2
                     ? "{\"created\":\"%s\",\"id\":\"%s\"}"
                     : "{\"created\":\"2000-01-01T00:00:00Z\",\"id\":\"%s\",\"modified\":\"%s\"}",
                 i == 2 ? texts[i] : id, i == 2 ? id : texts[i]);
        v14_object(db, i + 1, id, "indicator", v, 1000 + i, json);
    }
    v14_object(db, 7, "ipv4-addr--00000000-0000-4000-8000-000000000007", "ipv4-addr", 1006, 1006,
               "{\"id\":\"ipv4-addr--00000000-0000-4000-8000-000000000007\"}");
    v14_object(db, 8, "x-odd--00000000-0000-4000-8000-000000000008", "x-odd", 1007, 1007, "x");
    const char *hub_json = "{\"created\":\"2026-01-01T00:00:00.500Z\",\"id\":\"" V14_HUB
                           "\",\"modified\":\"2026-01-01T00:00:00.500Z\"}";
    v14_object(db, 9, V14_HUB, "identity", 1008, 1008, hub_json);
    snprintf(json, sizeof(json), "{\"id\":\"%s\",\"modified\":\"2026-01-01T00:00:00.500Z\"}",
             V14_TWICE);
    v14_object(db, 10, V14_TWICE, "identity", 1009, 1009, json);
    v14_object(db, 11, V14_TWICE, "identity", 1010, 1010, json);
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    struct forms f;
    memset(&f, 0, sizeof(f));
    struct store_query q = {
        .collection_id = "c1", .added_after = -1, .limit = 100, .version_sel = STORE_VERSION_ALL};
    assert_int_equal(store_query(t.s, &q, NULL, NULL, form_row, &f, NULL, &err), 0);
    assert_int_equal(f.n, 11);
    for (int i = 0; i < 6; i++)
        assert_string_equal(f.text[i], texts[i]);
    assert_string_equal(f.text[6], "1970-01-01T00:00:00.001006Z"); /* assigned: six digits */
    assert_string_equal(f.text[7], "1970-01-01T00:00:00.001007Z");
    assert_string_equal(f.text[8], "2026-01-01T00:00:00.500Z");
    assert_string_equal(f.text[9], "1970-01-01T00:00:00.001009Z"); /* two rows: left alone */
    assert_string_equal(f.text[10], "1970-01-01T00:00:00.001010Z");

    /* The manifest (no JSON) reads the same forms. */
    struct forms m;
    memset(&m, 0, sizeof(m));
    q.with_json = false;
    assert_int_equal(store_query(t.s, &q, NULL, NULL, form_row, &m, NULL, &err), 0);
    assert_memory_equal(m.text, f.text, sizeof(f.text));

    struct store_put p;
    memset(&p, 0, sizeof(p));
    p.id = V14_HUB;
    p.type = "identity";
    p.spec_version = "2.1";
    p.version_text = "2026-01-01T00:00:00.500Z";
    assert_int_equal(rk_time_parse(p.version_text, &p.version), 0);
    p.json = hub_json;
    p.json_len = strlen(hub_json);
    assert_int_equal(store_put_objects(t.s, "c1", &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_DUP);
    assert_int_equal(p.date_added, 1008);
    tstore_remove(&t);
}

/* A version stored with its text reads back as that text; one stored without (or assigned
 * by the store) with six digits. */
static void versions_read_back_as_written(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);
    const char *texts[] = {"2024-01-01T00:00:00.1Z", "2024-01-01T00:00:00.1000Z", NULL, NULL};
    struct store_put p[4];
    char ids[4][64];
    memset(p, 0, sizeof(p));
    for (int i = 0; i < 4; i++) {
        snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-00000000000%d", i);
        p[i].id = ids[i];
        p[i].type = "indicator";
        p[i].spec_version = "2.1";
        p[i].json = "{}";
        p[i].json_len = 2;
        p[i].version_text = texts[i];
        p[i].version = i < 3 ? 1704067200100000LL : -1;
    }
    p[3].version_text = "2024-01-01T00:00:00.1Z"; /* ignored: the store assigns the version */
    assert_int_equal(store_put_objects(t.s, "c1", p, 4, &err), 0);
    struct forms f;
    memset(&f, 0, sizeof(f));
    struct store_query q = {.collection_id = "c1", .added_after = -1, .limit = 100};
    assert_int_equal(store_query(t.s, &q, NULL, NULL, form_row, &f, NULL, &err), 0);
    assert_int_equal(f.n, 4);
    assert_string_equal(f.text[0], "2024-01-01T00:00:00.1Z");
    assert_string_equal(f.text[1], "2024-01-01T00:00:00.1000Z");
    assert_string_equal(f.text[2], "2024-01-01T00:00:00.100000Z");
    char want[RK_TIME_LEN];
    rk_time_format(p[3].version_out, want);
    assert_string_equal(f.text[3], want);
    tstore_remove(&t);
}

/* A version 15 database with two organisations of one sector: migration 16 keeps both with
 * every field, enabled; disabling one (org_update) is read back and takes it out of the
 * sector's count, and the other keeps its row as it was. */
static void v15_upgrades_enabling_every_org(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 15);
    exec_ok(db, "INSERT INTO orgs(id, name, sector, identity_id, anonymity, created, "
                "own_identifiers) VALUES"
                "('o1', 'Bank A', 'finance', 'identity--a', 1, 2, 'bank-a.example'),"
                "('o2', 'Bank B', 'finance', 'identity--b', 2, 3, '');"
                "INSERT INTO coll_keys(k, uuid) VALUES(1, 'c1');");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    struct store_org o;
    assert_int_equal(store_org_get(t.s, "o1", &o, &err), 0);
    assert_string_equal(o.name, "Bank A");
    assert_string_equal(o.sector, "finance");
    assert_string_equal(o.identity_id, "identity--a");
    assert_int_equal(o.anonymity, 1);
    assert_true(o.created == 2);
    assert_string_equal(o.own_identifiers, "bank-a.example");
    assert_false(o.disabled);
    int64_t count = 0;
    assert_int_equal(store_org_count_sector(t.s, "finance", &count, &err), 0);
    assert_int_equal(count, 2);

    o.disabled = true;
    assert_int_equal(store_org_update(t.s, &o, &err), 0);
    store_org_clear(&o);
    assert_int_equal(store_org_get(t.s, "Bank A", &o, &err), 0);
    assert_true(o.disabled);
    store_org_clear(&o);
    assert_int_equal(store_org_get(t.s, "o2", &o, &err), 0);
    assert_false(o.disabled);
    assert_int_equal(o.anonymity, 2);
    store_org_clear(&o);
    assert_int_equal(store_org_count_sector(t.s, "finance", &count, &err), 0);
    assert_int_equal(count, 1);
    /* An existing collection key is not removed: puts go into it as before. */
    assert_int_equal(tstore_raw_int(t.path, "SELECT removed FROM coll_keys WHERE uuid = 'c1'"), 0);
    char buf[96];
    struct store_put p = tput("indicator--1", 1, "x", buf, sizeof(buf));
    tstore_put_ok(t.s, "c1", &p, 1);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM objects WHERE coll = 1"), 1);
    tstore_remove(&t);
}

/* A version 16 database with a collection: migration 17 keeps it, not a relay collection;
 * one made a relay collection afterwards reads back so. */
static void v16_upgrades_collections_not_relaying(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 16);
    exec_ok(db, "INSERT INTO collections(id, title, description, alias, read_spec, write_spec, "
                "created, default_tlp) VALUES('c1', 'Feeds', 'd', 'feeds', 'all', 'all', 5, 3);");
    sqlite3_close(db);

    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    struct store_collection c;
    assert_int_equal(store_collection_get(t.s, "c1", &c, &err), 0);
    assert_string_equal(c.title, "Feeds");
    assert_string_equal(c.alias, "feeds");
    assert_int_equal(c.default_tlp, 3);
    assert_false(c.relay);
    c.relay = true;
    assert_int_equal(store_collection_update(t.s, &c, &err), 0);
    store_collection_clear(&c);
    assert_int_equal(store_collection_get(t.s, "feeds", &c, &err), 0);
    assert_true(c.relay);
    store_collection_clear(&c);
    tstore_remove(&t);
}

/* A version 17 database: migration 18 adds an empty index, which a put without observables
 * leaves empty and a new version with observables fills. */
static void v17_upgrades_with_an_empty_observable_index(void **state)
{
    (void)state;
    struct tstore t;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 17);
    sqlite3_close(db);
    tstore_open(&t);
    char buf[96];
    struct store_put p = tput("indicator--1", 1, "x", buf, sizeof(buf));
    tstore_put_ok(t.s, "c1", &p, 1);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM observables"), 0);
    const struct store_observable obs[] = {{.key = "domain:example.jp"}};
    char buf2[96];
    struct store_put q = tput("indicator--2", 1, "y", buf2, sizeof(buf2));
    q.observables = obs;
    q.n_observables = 1;
    tstore_put_ok(t.s, "c1", &q, 1);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM observables WHERE "
                                            "id = 'indicator--2' AND key = 'domain:example.jp'"),
                     1);
    tstore_remove(&t);
}

static int count_record(void *ctx, const struct store_record *r)
{
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

/* A version 18 database: migration 19 adds empty records and events, which take writes. */
static void v18_upgrades_with_empty_records_and_events(void **state)
{
    (void)state;
    struct tstore t;
    struct rk_err err;
    memset(&t, 0, sizeof(t));
    sqlite3 *db = raw_store(&t, 18);
    sqlite3_close(db);
    tstore_open(&t);
    assert_int_equal(tstore_raw_int(t.path, "PRAGMA user_version"), CURRENT);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM records"), 0);
    assert_int_equal(tstore_raw_int(t.path, "SELECT COUNT(*) FROM events"), 0);
    struct store_record r = {.kind = "k", .id = "1", .org_id = "o", .json = "{}"};
    assert_int_equal(store_record_put(t.s, &r, &err), 0);
    int n = 0;
    assert_int_equal(store_record_list(t.s, "k", "o", count_record, &n, &err), 0);
    assert_int_equal(n, 1);
    struct store_event e = {.org_id = "o", .kind = "object", .json = "{}"};
    assert_int_equal(store_event_append(t.s, &e, 1, &err), 0);
    assert_int_equal(e.seq, 1);
    tstore_remove(&t);
}

static void migration_sql_bounds(void **state)
{
    (void)state;
    assert_null(store_sq_migration_sql(0));
    for (int v = 1; v <= CURRENT; v++)
        assert_non_null(store_sq_migration_sql(v));
    assert_null(store_sq_migration_sql(CURRENT + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_upgrades_keeping_rows),
        cmocka_unit_test(v2_upgrades_keeping_rows_and_order),
        cmocka_unit_test(v3_upgrades_keeping_provenance),
        cmocka_unit_test(v4_upgrades_keeping_deleted_provenance),
        cmocka_unit_test(v5_upgrades_hashing_ids),
        cmocka_unit_test(v6_upgrades_keeping_provenance_rows),
        cmocka_unit_test(v9_upgrades_keying_last_type),
        cmocka_unit_test(v10_upgrades_recording_token_creators),
        cmocka_unit_test(v10_upgrades_deduplicating_joins),
        cmocka_unit_test(v12_upgrades_statuses_without_empty_lists),
        cmocka_unit_test(v13_upgrades_making_aliases_unique),
        cmocka_unit_test(v14_upgrades_writing_versions_as_objects_do),
        cmocka_unit_test(versions_read_back_as_written),
        cmocka_unit_test(v15_upgrades_enabling_every_org),
        cmocka_unit_test(v16_upgrades_collections_not_relaying),
        cmocka_unit_test(v17_upgrades_with_an_empty_observable_index),
        cmocka_unit_test(v18_upgrades_with_empty_records_and_events),
        cmocka_unit_test(migration_sql_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
