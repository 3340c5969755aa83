/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_audit.c: the audit chain over a real (temporary) SQLite store: a fresh chain
 * verifies; changing, re-hashing or removing a row behind the store's back (a second
 * SQLite connection, as an intruder with the file would) is found at the right seq; list
 * filters by organisation, after and limit; provenance reads are audited and coordinator
 * only; policy changes are validated with clear messages and audited.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/test_store_helpers.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

struct fixture {
    struct tstore t;               /* temporary directory and store (test_store_helpers.h) */
    struct policy_principal coord; /* the coordinator */
    struct policy_principal alice; /* a member */
    struct policy_principal bob;   /* another member */
};

static void member(struct fixture *f, const char *name, const char *sector,
                   struct policy_principal *p)
{
    struct store_org org = {0};
    struct rk_err err;

    assert_int_equal(policy_org_add(f->t.s, name, sector, STORE_ANON_NAMED, &org, &err), 0);
    memset(p, 0, sizeof(*p));
    p->authenticated = true;
    p->role = STORE_ROLE_CONTRIBUTOR;
    snprintf(p->org_id, sizeof(p->org_id), "%s", org.id);
    snprintf(p->org_name, sizeof(p->org_name), "%s", org.name);
    snprintf(p->sector, sizeof(p->sector), "%s", org.sector);
    store_org_clear(&org);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char token[POLICY_TOKEN_LEN + 1];
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", token, &err) != 0)
        return -1;
    if (policy_coordinator_principal(f->t.s, &f->coord, &err) != 0)
        return -1;
    member(f, "alice", "finance", &f->alice);
    member(f, "bob", "electric-power", &f->bob);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tstore_remove(&f->t);
    free(f);
    return 0;
}

/* Appends n read entries alternating alice and bob. */
static void append_reads(struct fixture *f, int n)
{
    struct rk_err err;
    char detail[128];

    for (int i = 0; i < n; i++) {
        snprintf(detail, sizeof(detail),
                 "{\"objects\":[{\"id\":\"indicator--%d\",\"tlp\":\"amber\"}]}", i);
        assert_int_equal(policy_audit_append(f->t.s, i % 2 == 0 ? &f->alice : &f->bob,
                                             POLICY_AUDIT_READ, "taxii-objects", "c1", detail,
                                             &err),
                         0);
    }
}

/* Runs one SQL statement on the database file through a connection of its own. */
static void tamper(struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open(f->t.path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("tamper: %s", msg);
    assert_true(sqlite3_changes(db) > 0);
    sqlite3_close(db);
}

static void verify(struct fixture *f, int64_t want_checked, int64_t want_bad)
{
    int64_t checked = -1;
    int64_t bad = -1;
    struct rk_err err;

    assert_int_equal(policy_audit_verify(f->t.s, &checked, &bad, &err), 0);
    assert_int_equal(bad, want_bad);
    assert_int_equal(checked, want_checked);
}

/* Parses a listing and returns its entries array (borrowed from *doc). */
static json_t *list(struct fixture *f, int64_t after, size_t limit, const char *org, json_t **doc)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;

    assert_int_equal(policy_audit_list_json(f->t.s, after, limit, org, &b, &err), 0);
    *doc = json_loads(b.data, 0, NULL);
    rk_buf_free(&b);
    assert_non_null(*doc);
    return json_object_get(*doc, "entries");
}

/* The chain starts with init's coordinator token (a token-create entry, seq 1). */
static void init_entry_and_intact_chain(void **state)
{
    struct fixture *f = *state;
    json_t *doc;
    json_t *e;

    verify(f, 1, 0);
    e = list(f, 0, 0, NULL, &doc);
    assert_int_equal(json_array_size(e), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "action")),
                        POLICY_AUDIT_TOKEN_CREATE);
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "org")), "coord");
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "route")), "init");
    json_decref(doc);
    append_reads(f, 6);
    verify(f, 7, 0);
}

static void hash_is_stable_and_covers_every_field(void **state)
{
    struct store_audit e = {3, 1700000000000000, "org", "read", "r", "coll", "{}", "ab", NULL};
    char h1[65];
    char h2[65];

    (void)state;
    policy_audit_hash(&e, h1);
    policy_audit_hash(&e, h2);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    e.detail = "{ }";
    policy_audit_hash(&e, h2);
    assert_string_not_equal(h1, h2);
    e.detail = "{}";
    e.seq = 4;
    policy_audit_hash(&e, h2);
    assert_string_not_equal(h1, h2);
    /* Field boundaries count: moving a character from one field to the next changes it. */
    e.seq = 3;
    e.org_id = "or";
    e.action = "gread";
    policy_audit_hash(&e, h2);
    assert_string_not_equal(h1, h2);
}

static void changed_detail_found_at_its_seq(void **state)
{
    struct fixture *f = *state;

    append_reads(f, 6);
    tamper(f, "UPDATE audit SET detail = '{\"objects\":[]}' WHERE seq = 3");
    verify(f, 3, 3);
}

/* Changes org_id of entry seq and recomputes its hash as a careful intruder would. */
static void rehash(struct fixture *f, int64_t seq)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct store_audit e = {0};
    char sql[160];
    char h[65];

    assert_int_equal(sqlite3_open(f->t.path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT time, action, route, collection, detail, "
                                        "prev_hash FROM audit WHERE seq = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    e.seq = seq;
    e.time = sqlite3_column_int64(st, 0);
    e.org_id = "";
    e.action = (char *)sqlite3_column_text(st, 1);
    e.route = (char *)sqlite3_column_text(st, 2);
    e.collection = (char *)sqlite3_column_text(st, 3);
    e.detail = (char *)sqlite3_column_text(st, 4);
    e.prev_hash = (char *)sqlite3_column_text(st, 5);
    policy_audit_hash(&e, h);
    sqlite3_finalize(st);
    snprintf(sql, sizeof(sql), "UPDATE audit SET org_id = '', hash = '%s' WHERE seq = %lld", h,
             (long long)seq);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void rehashed_entry_found_at_the_next(void **state)
{
    struct fixture *f = *state;

    append_reads(f, 6);
    /* A changed row with a wrong hash is found at itself... */
    tamper(f, "UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 1) WHERE seq = 2");
    verify(f, 2, 2);
    /* ...and one whose hash the intruder recomputed breaks the link from the next row. */
    rehash(f, 2);
    verify(f, 3, 3);
}

static void removed_entry_found(void **state)
{
    struct fixture *f = *state;

    append_reads(f, 6);
    tamper(f, "DELETE FROM audit WHERE seq = 4");
    verify(f, 4, 5);
}

static void bad_append_refused(void **state)
{
    struct fixture *f = *state;
    struct rk_err err;

    assert_int_equal(
        policy_audit_append(f->t.s, &f->alice, POLICY_AUDIT_READ, "r", NULL, "{not json", &err),
        RK_E_INVALID);
    assert_non_null(strstr(err.msg, "not JSON"));
    assert_int_equal(policy_audit_append(f->t.s, &f->alice, "", "r", NULL, NULL, &err),
                     RK_E_INVALID);
    assert_int_equal(
        policy_audit_append(f->t.s, &f->alice, POLICY_AUDIT_READ, "r", NULL, "[1]", &err),
        RK_E_INVALID);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    verify(f, 1, 0);
}

static void list_filters(void **state)
{
    struct fixture *f = *state;
    json_t *doc;
    json_t *e;

    append_reads(f, 7); /* seq 2..8 after init's: alice at even seqs, bob at odd */
    e = list(f, 1, 0, NULL, &doc);
    assert_int_equal(json_array_size(e), 7);
    assert_false(json_is_true(json_object_get(doc, "more")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "org")), "alice");
    assert_non_null(json_object_get(json_object_get(json_array_get(e, 0), "detail"), "objects"));
    json_decref(doc);

    e = list(f, 0, 0, f->bob.org_id, &doc);
    assert_int_equal(json_array_size(e), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(e, i), "org_id")),
                            f->bob.org_id);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(e, i), "seq")),
                         2 * (int)(i + 1) + 1);
    }
    json_decref(doc);

    e = list(f, 3, 2, NULL, &doc);
    assert_int_equal(json_array_size(e), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(e, 0), "seq")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(e, 1), "seq")), 5);
    assert_true(json_is_true(json_object_get(doc, "more")));
    json_decref(doc);

    e = list(f, 6, 0, f->alice.org_id, &doc);
    assert_int_equal(json_array_size(e), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(e, 0), "seq")), 8);
    json_decref(doc);
}

/* Stores one object version with its provenance, as ingest would. */
static void put_with_provenance(struct fixture *f, const char *id)
{
    struct store_collection c = {0};
    struct store_put p = {0};
    struct rk_err err;
    char json[256];
    char original[300];

    assert_int_equal(policy_collection_add(f->t.s, "feeds", NULL, NULL, "all", "all", &c, &err), 0);
    snprintf(json, sizeof(json),
             "{\"id\":\"%s\",\"name\":\"x\",\"spec_version\":\"2.1\",\"type\":\"indicator\"}", id);
    snprintf(original, sizeof(original),
             "{\"id\":\"%s\",\"name\":\"x\",\"spec_version\":\"2.1\",\"type\":\"indicator\","
             "\"x_reporter\":\"alice soc\"}",
             id);
    p.id = id;
    p.type = "indicator";
    p.spec_version = "2.1";
    p.version = 1700000000000000;
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = 3;
    p.access.source_org = f->alice.org_id;
    p.access.source_sector = "finance";
    p.original = original;
    p.original_len = strlen(original);
    p.token_hash = "";
    p.anonymity = STORE_ANON_SECTOR;
    p.actions = "[\"removed x_reporter\"]";
    assert_int_equal(store_put_objects(f->t.s, c.id, &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
    store_collection_clear(&c);
}

static void provenance_read_is_audited(void **state)
{
    struct fixture *f = *state;
    const char *id = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *doc;
    json_t *v;
    json_t *e;

    put_with_provenance(f, id);
    /* A member may not read the vault, and learns nothing from trying. */
    assert_int_equal(policy_provenance_read(f->t.s, &f->bob, "t", id, &b, &err), RK_E_FORBIDDEN);
    assert_int_equal(b.len, 0);

    assert_int_equal(policy_provenance_read(f->t.s, &f->coord, "api-provenance-get", id, &b, &err),
                     0);
    doc = json_loads(b.data, 0, NULL);
    rk_buf_free(&b);
    assert_non_null(doc);
    v = json_array_get(json_object_get(doc, "versions"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "org")), "alice");
    assert_string_equal(json_string_value(json_object_get(v, "sector")), "finance");
    assert_string_equal(json_string_value(json_object_get(v, "anonymity")), "sector");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "original"), "x_reporter")),
        "alice soc");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "actions"), 0)),
                        "removed x_reporter");
    json_decref(doc);

    /* An id without provenance: NOTFOUND, and the attempt is audited too. */
    assert_int_equal(policy_provenance_read(f->t.s, &f->coord, "cli:provenance show",
                                            "indicator--00000000-0000-4000-8000-000000000000", &b,
                                            &err),
                     RK_E_NOTFOUND);
    rk_buf_free(&b);

    e = list(f, 1, 0, NULL, &doc);
    assert_int_equal(json_array_size(e), 2);
    v = json_array_get(e, 0);
    assert_string_equal(json_string_value(json_object_get(v, "action")), "provenance-read");
    assert_string_equal(json_string_value(json_object_get(v, "org")), "coord");
    assert_string_equal(json_string_value(json_object_get(v, "route")), "api-provenance-get");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "detail"), "id")), id);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "detail"), "versions")),
                     1);
    v = json_array_get(e, 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "detail"), "versions")),
                     0);
    json_decref(doc);
    verify(f, 3, 0);
}

/* Expects policy_doc_update(patch) to fail with RK_E_INVALID and a message containing
 * want; nothing is stored and nothing audited. */
static void bad_update(struct fixture *f, const char *patch, const char *want)
{
    struct rk_err err;
    int64_t checked = 0;
    int64_t bad = 0;

    rk_err_clear(&err);
    assert_int_equal(policy_doc_update(f->t.s, &f->coord, "t", patch, &err), RK_E_INVALID);
    if (strstr(err.msg, want) == NULL)
        fail_msg("patch %s: message '%s' does not mention '%s'", patch, err.msg, want);
    assert_int_equal(policy_audit_verify(f->t.s, &checked, &bad, &err), 0);
    assert_int_equal(checked, 1); /* init's entry only */
}

static void policy_changes_validated_and_audited(void **state)
{
    struct fixture *f = *state;
    struct policy_doc d = {0};
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *doc;
    json_t *e;

    bad_update(f, "{\"sector_k\": 0}", "sector_k");
    bad_update(f, "{\"sector_k\": \"five\"}", "sector_k");
    bad_update(f, "{\"green_delay_hours\": -1}", "green_delay_hours");
    bad_update(f, "{\"own_identifiers\": \"shred\"}", "own_identifiers");
    bad_update(f, "{\"scope_rules\": [{\"name\": \"r\", \"match\": {}, \"tlp\": \"purple\"}]}",
               "purple");
    bad_update(f,
               "{\"scope_rules\": [{\"name\": \"r\", \"match\": {\"colour\": [\"x\"]}, "
               "\"tlp\": \"green\"}]}",
               "colour");
    bad_update(f, "{\"scope_rules\": [{\"match\": {}, \"tlp\": \"green\"}]}", "name");
    bad_update(f, "[1]", "JSON object");
    assert_int_equal(policy_doc_replace(f->t.s, &f->coord, "t", "{\"sector_k\": -3}", &err),
                     RK_E_INVALID);
    assert_non_null(strstr(err.msg, "sector_k"));

    assert_int_equal(policy_doc_update(f->t.s, &f->coord, "cli:policy set",
                                       "{\"sector_k\": 3, \"own_identifiers\": \"redact\"}", &err),
                     0);
    assert_int_equal(policy_doc_load(f->t.s, &d, &err), 0);
    assert_int_equal(d.sector_k, 3);
    assert_int_equal(d.own_identifiers, POLICY_OWNID_REDACT);
    assert_true(d.n_rules > 0); /* the rest of the document kept its defaults */
    policy_doc_clear(&d);

    /* A whole document replaces: keys left out go back to their defaults. */
    assert_int_equal(policy_doc_replace(f->t.s, &f->coord, "api-policy-put",
                                        "{\"green_delay_hours\": 24}", &err),
                     0);
    assert_int_equal(policy_doc_show(f->t.s, &b, &err), 0);
    doc = json_loads(b.data, 0, NULL);
    rk_buf_free(&b);
    assert_int_equal(json_integer_value(json_object_get(doc, "sector_k")), 5);
    assert_int_equal(json_integer_value(json_object_get(doc, "green_delay_hours")), 24);
    json_decref(doc);

    e = list(f, 1, 0, NULL, &doc);
    assert_int_equal(json_array_size(e), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "action")),
                        "policy-change");
    assert_string_equal(json_string_value(json_object_get(json_array_get(e, 0), "route")),
                        "cli:policy set");
    {
        json_t *detail = json_object_get(json_array_get(e, 0), "detail");
        json_t *changed = json_object_get(detail, "changed");

        assert_int_equal(json_array_size(changed), 2);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(detail, "before"), "sector_k")), 5);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(detail, "after"), "sector_k")), 3);
    }
    json_decref(doc);
    verify(f, 3, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(init_entry_and_intact_chain, setup, teardown),
        cmocka_unit_test(hash_is_stable_and_covers_every_field),
        cmocka_unit_test_setup_teardown(changed_detail_found_at_its_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(rehashed_entry_found_at_the_next, setup, teardown),
        cmocka_unit_test_setup_teardown(removed_entry_found, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_append_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(provenance_read_is_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_changes_validated_and_audited, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
