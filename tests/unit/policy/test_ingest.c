/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ingest.c: the ingest pipeline over a real (temporary) SQLite store: an object posted
 * in each anonymity mode comes out with the right created_by_ref / where_sighted_refs, the
 * sector identity is used only at k members, stricter request/object modes win and weaker
 * ones are ignored, own identity objects are dropped, own identifiers refused, recipients
 * resolved and removed, TLP assigned with its rule, the original kept in provenance, the
 * hub/sector identity stored alongside, and duplicates / conflicts reported as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/test_store_helpers.h"
#include "policy/policy_int.h"
#include "store/sqlite_int.h" /* store_sq_in_enclosing */

#define GREEN_ID "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

struct fixture {
    struct tstore t; /* temporary directory and store (test_store_helpers.h) */
    struct rk_hub hub;
    struct store_collection coll;
    struct store_org acme, bank, bank2, gas;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char tok[POLICY_TOKEN_LEN + 1];
    struct rk_err err;

    tstore_open(&f->t);
    rk_err_clear(&err);
    if (policy_hub_init(f->t.s, "coord", tok, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0 ||
        policy_org_add_ex(f->t.s, "acme", "electric-power", STORE_ANON_NAMED,
                          "acme.example\n192.0.2.0/24\n2001:db8:42::/48\nAcme Power\n", &f->acme,
                          &err) != 0 ||
        policy_org_add(f->t.s, "bank", "finance", STORE_ANON_SECTOR, &f->bank, &err) != 0 ||
        policy_org_add(f->t.s, "bank2", "finance", STORE_ANON_NAMED, &f->bank2, &err) != 0 ||
        policy_org_add(f->t.s, "gas", "gas", STORE_ANON_SECTOR, &f->gas, &err) != 0 ||
        policy_collection_add(f->t.s, "Feeds", NULL, NULL, "all", "all", &f->coll, &err) != 0 ||
        policy_doc_update(f->t.s, NULL, "test", "{\"sector_k\": 2}", &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tstore_remove(&f->t);
    store_org_clear(&f->acme);
    store_org_clear(&f->bank);
    store_org_clear(&f->bank2);
    store_org_clear(&f->gas);
    store_collection_clear(&f->coll);
    free(f);
    return 0;
}

static struct policy_principal as(const struct store_org *o, int token_mode)
{
    struct policy_principal p;
    memset(&p, 0, sizeof(p));
    p.authenticated = true;
    snprintf(p.org_id, sizeof(p.org_id), "%s", o->id);
    snprintf(p.org_name, sizeof(p.org_name), "%s", o->name);
    snprintf(p.sector, sizeof(p.sector), "%s", o->sector);
    p.role = STORE_ROLE_CONTRIBUTOR;
    snprintf(p.token_hash, sizeof(p.token_hash), "%064d", 7);
    p.token_anonymity = token_mode;
    return p;
}

/* Posts one object (a new reference is consumed) and returns its status item. */
static struct policy_ingest_item post(struct fixture *f, const struct store_org *o, int header,
                                      json_t *obj)
{
    struct policy_principal who = as(o, -1);
    json_t *env = json_pack("[o]", obj);
    struct policy_ingest_item it;
    struct rk_err err;
    rk_err_clear(&err);
    int rc = policy_ingest(&f->hub, &who, &f->coll, header, env, &it, &err);
    if (rc != 0)
        fail_msg("ingest: %s", err.msg);
    json_decref(env);
    return it;
}

static int n_ind;

static json_t *indicator(const char *created_by, const char *pattern)
{
    char id[80];
    snprintf(id, sizeof(id), "indicator--%08x-1111-4111-8111-111111111111", ++n_ind);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
                          "spec_version", "2.1", "id", id, "created", "2024-01-01T00:00:00.000Z",
                          "modified", "2024-01-01T00:00:00.000Z", "pattern", pattern,
                          "pattern_type", "stix", "valid_from", "2024-01-01T00:00:00Z");
    if (created_by != NULL)
        json_object_set_new(o, "created_by_ref", json_string(created_by));
    return o;
}

/* The stored JSON of the latest version of id in the test collection (NULL if none). The
 * test reads the store directly (not through the access check) to see what was stored. */
struct got {
    json_t *obj;
    struct store_access acc;
    char recipients[512];
    char rule[64];
    char scope[256]; /* row strings are valid only in the callback: copies */
};
static int got_row(void *ctx, const struct store_row *row)
{
    struct got *g = ctx;
    json_decref(g->obj);
    g->obj = json_loadb(row->json, row->json_len, 0, NULL);
    g->acc = row->access;
    snprintf(g->recipients, sizeof(g->recipients), "%s", row->access.recipients);
    snprintf(g->rule, sizeof(g->rule), "%s", row->access.rule);
    snprintf(g->scope, sizeof(g->scope), "%s", row->access.scope ? row->access.scope : "");
    return 0;
}
static json_t *stored(struct fixture *f, const char *id, struct got *g)
{
    const char *ids[1] = {id};
    struct store_query q = {.collection_id = f->coll.id,
                            .added_after = -1,
                            .limit = 10,
                            .ids = ids,
                            .n_ids = 1,
                            .with_json = true};
    struct store_page page;
    struct rk_err err;
    memset(g, 0, sizeof(*g));
    assert_int_equal(f->t.s->ops->query(f->t.s, &q, NULL, NULL, got_row, g, &page, &err), 0);
    return g->obj;
}

/* True if the serialised object contains needle. */
static bool dumps_has(const json_t *o, const char *needle)
{
    char *text = json_dumps(o, 0);
    bool found = text != NULL && strstr(text, needle) != NULL;
    free(text);
    return found;
}

static const char *cbr(const json_t *o)
{
    return json_string_value(json_object_get(o, "created_by_ref"));
}

static void named_mode_keeps_identity_and_marks_tlp(void **state)
{
    struct fixture *f = *state;
    struct got g;
    json_t *o = indicator(f->acme.identity_id, "[ipv4-addr:value = '198.51.100.1']");
    char id[80];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    json_object_set_new(o, "x_reporter", json_string("jane"));
    struct policy_ingest_item it = post(f, &f->acme, -1, o);
    assert_true(it.ok);
    assert_string_equal(it.id, id);
    assert_non_null(strstr(it.message, "tlp green by rule"));
    assert_non_null(strstr(it.message, "removed x_reporter"));
    json_t *s = stored(f, id, &g);
    assert_non_null(s);
    assert_string_equal(cbr(s), f->acme.identity_id);
    assert_null(json_object_get(s, "x_reporter"));
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(s, "object_marking_refs"), 0)), GREEN_ID);
    assert_int_equal(g.acc.tlp, POLICY_TLP_GREEN);
    json_decref(s);
}

static void sector_mode_uses_sector_identity(void **state)
{
    struct fixture *f = *state;
    struct got g;
    json_t *o = indicator(f->bank.identity_id, "[ipv4-addr:value = '198.51.100.2']");
    char id[80];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    struct policy_ingest_item it = post(f, &f->bank, -1, o);
    assert_true(it.ok);
    assert_non_null(strstr(it.message, "created_by_ref -> sector identity"));
    json_t *s = stored(f, id, &g);
    char rep[80];
    snprintf(rep, sizeof(rep), "%s", cbr(s));
    assert_string_not_equal(rep, f->bank.identity_id);
    assert_string_not_equal(rep, f->hub.identity_id);
    /* The sector identity object is stored alongside, CLEAR, named after the sector only. */
    json_t *ident = stored(f, rep, &g);
    assert_non_null(ident);
    assert_int_equal(g.acc.tlp, POLICY_TLP_CLEAR);
    assert_non_null(
        strstr(json_string_value(json_object_get(ident, "name")), "An organisation in the"));
    assert_false(dumps_has(ident, "bank"));
    json_decref(ident);
    json_decref(s);
    /* The same replacement the next time (one sector identity per sector). */
    o = indicator(f->bank.identity_id, "[ipv4-addr:value = '198.51.100.3']");
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    post(f, &f->bank, -1, o);
    s = stored(f, id, &g);
    assert_string_equal(cbr(s), rep);
    ident = stored(f, rep, &g);
    assert_non_null(ident);
    json_decref(ident);
    json_decref(s);
}

static void sector_below_k_uses_hub(void **state)
{
    struct fixture *f = *state;
    struct got g;
    json_t *o = indicator(f->gas.identity_id, "[ipv4-addr:value = '198.51.100.4']");
    char id[80];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    struct policy_ingest_item it = post(f, &f->gas, -1, o);
    assert_true(it.ok);
    assert_non_null(strstr(it.message, "created_by_ref -> hub identity"));
    json_t *s = stored(f, id, &g);
    assert_string_equal(cbr(s), f->hub.identity_id);
    json_decref(s);
    json_t *hub = stored(f, f->hub.identity_id, &g);
    assert_non_null(hub);
    assert_string_equal(json_string_value(json_object_get(hub, "identity_class")), "organization");
    json_decref(hub);
}

/* An incident without TLP is AMBER to the contributor's sector (default rule), but not when
 * the contributor is anonymous: that scope would name its sector (security review F4). */
static void anonymous_incident_not_scoped_to_sector(void **state)
{
    struct fixture *f = *state;
    struct got g;
    const char *ids[] = {"incident--00000000-2222-4222-8222-000000000001",
                         "incident--00000000-2222-4222-8222-000000000002"};
    for (int i = 0; i < 2; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "incident", "spec_version",
                              "2.1", "id", ids[i], "created", "2024-01-01T00:00:00.000Z",
                              "modified", "2024-01-01T00:00:00.000Z", "name", "outage");
        /* bank2 posts as itself, then as anonymous through the request header. */
        struct policy_ingest_item it = post(f, &f->bank2, i == 0 ? -1 : STORE_ANON_ANONYMOUS, o);
        assert_true(it.ok);
        json_t *s = stored(f, ids[i], &g);
        assert_non_null(s);
        assert_int_equal(g.acc.tlp, POLICY_TLP_AMBER);
        if (i == 0)
            assert_string_equal(g.scope, "sector:finance");
        else
            assert_string_equal(g.scope, ""); /* the collection's audience */
        json_decref(s);
    }
}

static void stricter_header_and_property_win(void **state)
{
    struct fixture *f = *state;
    struct got g;
    char id[80];
    /* Header asks acme (named) for anonymous: hub identity. */
    json_t *o = indicator(f->acme.identity_id, "[ipv4-addr:value = '198.51.100.5']");
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    post(f, &f->acme, STORE_ANON_ANONYMOUS, o);
    json_t *s = stored(f, id, &g);
    assert_string_equal(cbr(s), f->hub.identity_id);
    json_decref(s);
    /* A weaker header than the org's mode is ignored (bank stays sector, not named). */
    o = indicator(f->bank.identity_id, "[ipv4-addr:value = '198.51.100.6']");
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    post(f, &f->bank, STORE_ANON_NAMED, o);
    s = stored(f, id, &g);
    assert_string_not_equal(cbr(s), f->bank.identity_id);
    json_decref(s);
    /* The object property: stricter wins, weaker ignored, property removed. */
    o = indicator(f->acme.identity_id, "[ipv4-addr:value = '198.51.100.7']");
    json_object_set_new(o, "x_renkei_anonymity", json_string("anonymous"));
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    post(f, &f->acme, -1, o);
    s = stored(f, id, &g);
    assert_string_equal(cbr(s), f->hub.identity_id);
    assert_null(json_object_get(s, "x_renkei_anonymity"));
    json_decref(s);
    o = indicator(f->bank.identity_id, "[ipv4-addr:value = '198.51.100.8']");
    json_object_set_new(o, "x_renkei_anonymity", json_string("named"));
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    post(f, &f->bank, -1, o);
    s = stored(f, id, &g);
    assert_string_not_equal(cbr(s), f->bank.identity_id);
    json_decref(s);
    /* An unknown value fails the object. */
    o = indicator(NULL, "[ipv4-addr:value = '198.51.100.9']");
    json_object_set_new(o, "x_renkei_anonymity", json_string("invisible"));
    struct policy_ingest_item it = post(f, &f->acme, -1, o);
    assert_false(it.ok);
    assert_non_null(strstr(it.message, "x_renkei_anonymity"));
}

/* What ingest changed leaves the envelope (JSON null); the rest is exactly as posted, so
 * that TAXII may forget the parsed envelope at once (stix_json_arena_drop). */
static void changed_objects_leave_the_envelope(void **state)
{
    struct fixture *f = *state;
    struct policy_ingest_item items[4];
    struct rk_err err;
    json_t *plain = indicator(f->acme.identity_id, "[ipv4-addr:value = '198.51.100.20']");
    json_t *asks = indicator(f->acme.identity_id, "[ipv4-addr:value = '198.51.100.21']");
    /* named for a named organisation: the property's removal is the only change */
    json_object_set_new(asks, "x_renkei_anonymity", json_string("named"));
    json_t *invalid = json_pack("{s:s, s:s}", "type", "indicator", "id", "indicator--bad");
    json_t *rewritten = indicator(f->bank.identity_id, "[ipv4-addr:value = '198.51.100.22']");
    json_t *env = json_pack("[O, O, O]", plain, asks, invalid);
    json_t *before = json_deep_copy(env);
    struct policy_principal who = as(&f->acme, -1);

    rk_err_clear(&err);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    assert_true(items[0].ok && items[1].ok);
    assert_false(items[2].ok);
    /* The plain object was stored marked (in its text only) and is still as posted; the
     * invalid one too; the one whose property was removed is out. */
    assert_ptr_equal(json_array_get(env, 0), plain);
    assert_true(json_equal(plain, json_array_get(before, 0)));
    assert_true(json_is_null(json_array_get(env, 1)));
    assert_ptr_equal(json_array_get(env, 2), invalid);
    assert_true(json_equal(invalid, json_array_get(before, 2)));
    assert_string_equal(items[1].id, json_string_value(json_object_get(asks, "id")));
    json_decref(env);
    json_decref(before);

    /* A sector-mode contributor's object is rewritten (created_by_ref): out as well. */
    env = json_pack("[O]", rewritten);
    who = as(&f->bank, -1);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    assert_true(items[0].ok);
    assert_true(json_is_null(json_array_get(env, 0)));
    json_decref(env);
    json_decref(plain);
    json_decref(asks);
    json_decref(invalid);
    json_decref(rewritten);
}

static void own_identity_dropped_and_sighting_rewritten(void **state)
{
    struct fixture *f = *state;
    struct got g;
    struct policy_principal who = as(&f->bank, -1);
    struct policy_ingest_item items[3];
    struct rk_err err;
    json_t *env = json_pack(
        "[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]},"
        " {s:s, s:s, s:s, s:s, s:s, s:s, s:s}]",
        "type", "identity", "spec_version", "2.1", "id", f->bank.identity_id, "created",
        "2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z", "name", "bank",
        "identity_class", "organization",
        /* a sighting whose where_sighted_refs reveal the victim */
        "type", "sighting", "spec_version", "2.1", "id",
        "sighting--99999999-1111-4111-8111-111111111111", "created", "2024-01-01T00:00:00.000Z",
        "modified", "2024-01-01T00:00:00.000Z", "sighting_of_ref",
        "indicator--00000001-1111-4111-8111-111111111111", "created_by_ref", f->bank.identity_id,
        "where_sighted_refs", f->bank.identity_id,
        /* another identity named like the org (case-insensitively): also the contributor */
        "type", "identity", "spec_version", "2.1", "id",
        "identity--99999999-2222-4222-8222-222222222222", "created", "2024-01-01T00:00:00.000Z",
        "modified", "2024-01-01T00:00:00.000Z", "name", "BANK", "identity_class", "organization");
    rk_err_clear(&err);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    assert_true(items[0].ok);
    assert_string_equal(items[0].message, "dropped: the contributor's own identity");
    assert_true(items[2].ok);
    assert_string_equal(items[2].message, "dropped: the contributor's own identity");
    assert_null(stored(f, f->bank.identity_id, &g));
    assert_null(stored(f, "identity--99999999-2222-4222-8222-222222222222", &g));
    assert_true(items[1].ok);
    json_t *s = stored(f, "sighting--99999999-1111-4111-8111-111111111111", &g);
    json_t *where = json_object_get(s, "where_sighted_refs");
    assert_int_equal(json_array_size(where), 1);
    assert_string_equal(json_string_value(json_array_get(where, 0)), cbr(s));
    assert_string_not_equal(cbr(s), f->bank.identity_id);
    /* The joins of the stored row are the rewritten ids. */
    assert_false(dumps_has(s, f->bank.identity_id));
    json_decref(s);
    json_decref(env);
}

static void own_identifiers_refused(void **state)
{
    struct fixture *f = *state;
    struct got g;
    static const char *const ours[] = {
        "[domain-name:value = 'mail.acme.example']",
        "[ipv4-addr:value = '192.0.2.77']",
        "[ipv6-addr:value = '2001:db8:42::9']",
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *o = indicator(NULL, ours[i]);
        char id[80];
        snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
        struct policy_ingest_item it = post(f, &f->acme, -1, o);
        assert_false(it.ok);
        assert_non_null(strstr(it.message, "refused: contains the contributor's own identifier ("));
        assert_non_null(strstr(it.message, "in property 'pattern'"));
        assert_null(strstr(it.message, "acme.example"));
        assert_null(strstr(it.message, "192.0.2"));
        assert_null(stored(f, id, &g));
    }
    json_t *o = indicator(NULL, "[domain-name:value = 'notacme.example']");
    json_object_set_new(o, "description", json_string("targets ACME POWER customers"));
    struct policy_ingest_item it = post(f, &f->acme, -1, o);
    assert_false(it.ok);
    assert_non_null(strstr(it.message, "(name) in property 'description'"));
    o = indicator(NULL, "[domain-name:value = 'notacme.example']");
    it = post(f, &f->acme, -1, o);
    assert_true(it.ok);
}

struct prov {
    int n;
    char org[RK_UUID_LEN];
    char *original;
    char *actions;
    int anonymity;
};
static int prov_row(void *ctx, const struct store_provenance *p)
{
    struct prov *pv = ctx;
    pv->n++;
    snprintf(pv->org, sizeof(pv->org), "%s", p->org_id);
    pv->original = strdup(p->original);
    pv->actions = strdup(p->actions);
    pv->anonymity = p->anonymity;
    return 0;
}

static void recipients_and_provenance(void **state)
{
    struct fixture *f = *state;
    struct got g;
    struct prov pv = {0};
    struct rk_err err;
    json_t *o = indicator(f->gas.identity_id, "[ipv4-addr:value = '198.51.100.10']");
    char id[80];
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(o, "id")));
    json_object_set_new(o, "x_renkei_recipients", json_pack("[s, s]", "bank", f->acme.id));
    json_object_set_new(
        o, "object_marking_refs",
        json_pack("[s]", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"));
    struct policy_ingest_item it = post(f, &f->gas, -1, o);
    assert_true(it.ok);
    json_t *s = stored(f, id, &g);
    assert_null(json_object_get(s, "x_renkei_recipients"));
    assert_int_equal(g.acc.tlp, POLICY_TLP_RED);
    assert_string_equal(g.rule, "marking");
    assert_non_null(strstr(g.recipients, f->bank.id));
    assert_non_null(strstr(g.recipients, f->acme.id));
    json_decref(s);
    /* The original as posted, with the real source, in the vault. */
    rk_err_clear(&err);
    assert_int_equal(store_provenance_list(f->t.s, id, prov_row, &pv, &err), 0);
    assert_int_equal(pv.n, 1);
    assert_string_equal(pv.org, f->gas.id);
    assert_int_equal(pv.anonymity, STORE_ANON_ANONYMOUS); /* gas is below k */
    assert_non_null(strstr(pv.original, "x_renkei_recipients"));
    assert_non_null(strstr(pv.original, f->gas.identity_id));
    assert_non_null(strstr(pv.actions, "removed x_renkei_recipients"));
    assert_non_null(strstr(pv.actions, "created_by_ref -> hub identity"));
    free(pv.original);
    free(pv.actions);
    /* Unknown recipients fail the object. */
    o = indicator(NULL, "[ipv4-addr:value = '198.51.100.11']");
    json_object_set_new(o, "x_renkei_recipients", json_pack("[s]", "nobody"));
    it = post(f, &f->gas, -1, o);
    assert_false(it.ok);
    assert_string_equal(it.message, "unknown recipient 'nobody'");
}

static void duplicates_conflicts_invalid(void **state)
{
    struct fixture *f = *state;
    struct policy_principal who = as(&f->bank2, -1);
    struct policy_ingest_item items[4];
    struct rk_err err;
    json_t *a = indicator(NULL, "[ipv4-addr:value = '198.51.100.12']");
    json_t *b = json_deep_copy(a);
    json_object_set_new(b, "name", json_string("different"));
    json_t *env = json_pack("[O, s, {s:s}]", a, "junk", "type", "indicator");
    rk_err_clear(&err);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    assert_true(items[0].ok);
    assert_false(items[1].ok);
    assert_string_equal(items[1].id, "objects[1]");
    assert_string_equal(items[1].message, "not a JSON object");
    assert_false(items[2].ok);
    json_decref(env);
    env = json_pack("[O, O]", a, b);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    assert_true(items[0].ok);
    assert_string_equal(items[0].message, "already stored");
    assert_false(items[1].ok);
    assert_non_null(strstr(items[1].message, "conflict"));
    json_decref(env);
    json_decref(a);
    json_decref(b);
    /* Anonymous requesters never ingest. */
    struct policy_principal anon;
    memset(&anon, 0, sizeof(anon));
    env = json_array();
    assert_int_equal(policy_ingest(&f->hub, &anon, &f->coll, -1, env, items, &err), RK_E_FORBIDDEN);
    json_decref(env);
}

static int count_credit(void *ctx, const struct store_credit *c)
{
    int64_t *v = ctx;
    if (strcmp(c->kind, "contribution") == 0) {
        v[0]++;
        v[1] += c->points;
    }
    return 0;
}

/* The NEW objects of an envelope are one contribution event worth a point each; the
 * summary and credit_sum still count objects. */
static void credit_one_event_per_envelope(void **state)
{
    struct fixture *f = *state;
    struct policy_principal who = as(&f->bank2, -1);
    struct policy_ingest_item items[4];
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    int64_t v[2] = {0, 0}, n = 0;
    json_t *a = indicator(NULL, "[ipv4-addr:value = '198.51.100.21']");
    json_t *env = json_pack("[O, o, o]", a, indicator(NULL, "[ipv4-addr:value = '198.51.100.22']"),
                            indicator(NULL, "[ipv4-addr:value = '198.51.100.23']"));
    rk_err_clear(&err);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    json_decref(env);
    /* Again with a duplicate: one NEW object, one more event. */
    env = json_pack("[O, o]", a, indicator(NULL, "[ipv4-addr:value = '198.51.100.24']"));
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    assert_string_equal(items[0].message, "already stored");
    json_decref(env);
    /* Only duplicates: no event. */
    env = json_pack("[O]", a);
    assert_int_equal(policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err), 0);
    json_decref(env);
    json_decref(a);

    assert_true(store_credit_list(f->t.s, f->bank2.id, count_credit, v, &err) >= 0);
    assert_int_equal(v[0], 2);
    assert_int_equal(v[1], 4 * POLICY_CREDIT_CONTRIBUTION);
    assert_int_equal(store_credit_sum(f->t.s, f->bank2.id, "contribution", &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(policy_credit_summary(&f->hub, f->bank2.id, POLICY_CREDIT_MEMBER, 2, &b, &err),
                     0);
    json_t *sum = json_loads(b.data, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(sum, "contributions")), 4);
    assert_int_equal(json_integer_value(json_object_get(sum, "points")), 4);
    json_decref(sum);
    rk_buf_free(&b);
}

/* The object a "sighting" event names, when there is one. */
static int sighting_event(void *ctx, const struct store_credit *c)
{
    if (strcmp(c->kind, "sighting") == 0)
        snprintf(ctx, 80, "%s", c->object_id);
    return 0;
}

/* A sighting by another organisation earns the source of what it sights a "sighting"
 * event that names the sighting itself, so that the credit view can check whether that
 * source may see it. */
static void sighting_credit_names_the_sighting(void **state)
{
    struct fixture *f = *state;
    struct policy_ingest_item it;
    char named[80] = "";
    json_t *o = indicator(NULL, "[ipv4-addr:value = '198.51.100.31']");
    char of[80];
    snprintf(of, sizeof(of), "%s", json_string_value(json_object_get(o, "id")));
    it = post(f, &f->bank2, -1, o);
    assert_true(it.ok);
    it = post(f, &f->acme, -1,
              json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "sighting", "spec_version", "2.1",
                        "id", "sighting--31313131-1111-4111-8111-111111111111", "created",
                        "2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z",
                        "sighting_of_ref", of));
    assert_true(it.ok);
    struct rk_err err;
    assert_true(store_credit_list(f->t.s, f->bank2.id, sighting_event, named, &err) >= 0);
    assert_string_equal(named, "sighting--31313131-1111-4111-8111-111111111111");
}

/* What the ready and done callbacks of policy_ingest_then saw, and what done does. */
struct done_seen {
    int calls;
    bool ok[4];
    char message[4][64];
    unsigned changed[4];
    bool in_tx;    /* the store's writer was inside a transaction */
    int fail_with; /* returned when not 0 */
    int ready_calls;
    int ready_before_done; /* ready ran while done had not */
    bool ready_ok[4];
    char ready_message[4][64];
};

static void ready_cb(void *ctx, const struct policy_ingest_item *items, size_t n)
{
    struct done_seen *d = ctx;
    d->ready_calls++;
    d->ready_before_done = d->calls == 0;
    for (size_t i = 0; i < n && i < 4; i++) {
        d->ready_ok[i] = items[i].ok;
        snprintf(d->ready_message[i], sizeof(d->ready_message[i]), "%.63s", items[i].message);
    }
}

static int done_cb(void *ctx, struct store *s, const struct policy_ingest_item *items, size_t n,
                   struct rk_err *err)
{
    struct done_seen *d = ctx;
    d->calls++;
    for (size_t i = 0; i < n && i < 4; i++) {
        d->ok[i] = items[i].ok;
        d->changed[i] = items[i].changed;
        snprintf(d->message[i], sizeof(d->message[i]), "%.63s", items[i].message);
    }
    /* A status written here commits with the objects, or not at all. */
    struct store_status st = {"s0000000-0000-4000-8000-0000000000aa", "o", "{\"x\":1}"};
    if (store_status_put(s, &st, err) != 0)
        return err->code;
    d->in_tx = store_sq_in_enclosing();
    if (d->fail_with != 0)
        return rk_err_set(err, d->fail_with, "done refused");
    return 0;
}

/* done sees every item final (stored, duplicate, invalid), inside the objects' transaction;
 * when it fails, neither the objects nor what it wrote are stored; with nothing to store it
 * still runs, outside any transaction. ready runs before, outside the transaction, with
 * every item as a new row would leave it; done sees changed on those the store changed. */
static void done_runs_in_the_objects_transaction(void **state)
{
    struct fixture *f = *state;
    struct policy_principal who = as(&f->bank2, -1);
    struct policy_ingest_item items[4];
    struct rk_err err;
    struct store_status got;
    int64_t count = -1;
    json_t *a = indicator(NULL, "[ipv4-addr:value = '198.51.100.31']");
    json_t *b = indicator(NULL, "[ipv4-addr:value = '198.51.100.32']");
    json_t *env = json_pack("[O, s]", a, "junk");

    /* Refused: nothing of the envelope, nor the status, is stored. */
    struct done_seen d = {.fail_with = RK_E_INTERNAL};
    rk_err_clear(&err);
    assert_int_equal(
        policy_ingest_then(&f->hub, &who, &f->coll, -1, env, items, ready_cb, done_cb, &d, &err),
        RK_E_INTERNAL);
    assert_int_equal(d.calls, 1);
    assert_true(d.in_tx);
    assert_true(d.ok[0]);
    assert_false(d.ok[1]);
    assert_string_equal(d.message[1], "not a JSON object");
    assert_int_equal(store_count_objects(f->t.s, f->coll.id, &count, &err), 0);
    assert_int_equal(count, 0);
    assert_int_equal(store_status_get(f->t.s, "s0000000-0000-4000-8000-0000000000aa", &got, &err),
                     RK_E_NOTFOUND);

    /* Accepted: the objects and the status, together; a duplicate is final too. */
    json_decref(env);
    json_t *sco =
        json_pack("{s:s, s:s, s:s, s:s}", "type", "ipv4-addr", "spec_version", "2.1", "id",
                  "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value", "198.51.100.33");
    env = json_pack("[O, O, o]", a, b, sco);
    memset(&d, 0, sizeof(d));
    assert_int_equal(
        policy_ingest_then(&f->hub, &who, &f->coll, -1, env, items, ready_cb, done_cb, &d, &err),
        0);
    assert_int_equal(d.calls, 1);
    assert_true(d.in_tx);
    assert_true(d.ok[0] && d.ok[1] && d.ok[2]);
    assert_int_equal(d.ready_calls, 1);
    assert_true(d.ready_before_done);
    assert_true(d.ready_ok[0] && d.ready_ok[1] && d.ready_ok[2]);
    assert_string_equal(d.ready_message[0], d.message[0]); /* new rows: as ready saw them */
    assert_int_equal(d.changed[0] | d.changed[1], 0);
    /* An SCO without created or modified: the store gave it its version. */
    assert_int_equal(d.changed[2], POLICY_ITEM_VERSION);
    assert_string_equal(d.ready_message[2], d.message[2]);
    assert_int_equal(store_count_objects(f->t.s, f->coll.id, &count, &err), 0);
    assert_int_equal(count, 3);
    assert_int_equal(store_status_get(f->t.s, "s0000000-0000-4000-8000-0000000000aa", &got, &err),
                     0);
    store_status_clear(&got);
    json_decref(env);
    env = json_pack("[O]", a);
    memset(&d, 0, sizeof(d));
    assert_int_equal(
        policy_ingest_then(&f->hub, &who, &f->coll, -1, env, items, ready_cb, done_cb, &d, &err),
        0);
    assert_string_equal(d.message[0], "already stored");
    assert_true(d.ok[0] && d.ready_ok[0]);
    assert_string_not_equal(d.ready_message[0], "already stored");
    assert_int_equal(d.changed[0], POLICY_ITEM_OUTCOME); /* a duplicate: not as ready saw it */

    /* Nothing to store: done still runs, in no enclosing transaction. */
    json_decref(env);
    env = json_pack("[s]", "junk");
    memset(&d, 0, sizeof(d));
    assert_int_equal(
        policy_ingest_then(&f->hub, &who, &f->coll, -1, env, items, ready_cb, done_cb, &d, &err),
        0);
    assert_int_equal(d.calls, 1);
    assert_false(d.in_tx);
    assert_false(d.ok[0]);
    assert_int_equal(d.ready_calls, 1);
    assert_false(d.ready_ok[0] || d.changed[0]);
    json_decref(env);
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(named_mode_keeps_identity_and_marks_tlp, setup, teardown),
        cmocka_unit_test_setup_teardown(sector_mode_uses_sector_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(sector_below_k_uses_hub, setup, teardown),
        cmocka_unit_test_setup_teardown(anonymous_incident_not_scoped_to_sector, setup, teardown),
        cmocka_unit_test_setup_teardown(stricter_header_and_property_win, setup, teardown),
        cmocka_unit_test_setup_teardown(changed_objects_leave_the_envelope, setup, teardown),
        cmocka_unit_test_setup_teardown(own_identity_dropped_and_sighting_rewritten, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(own_identifiers_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(recipients_and_provenance, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicates_conflicts_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(credit_one_event_per_envelope, setup, teardown),
        cmocka_unit_test_setup_teardown(sighting_credit_names_the_sighting, setup, teardown),
        cmocka_unit_test_setup_teardown(done_runs_in_the_objects_transaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
