/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_org_changes.c: changing, disabling and enabling organisations, and changing and
 * removing collections, over a real (temporary) store. A rename carries the new name into
 * every org: audience (collections, scope rules, stored scopes) in one transaction, and the
 * old name then admits nobody, not even an organisation registered under it later; a
 * refused change changes nothing. A disabled organisation's tokens are revoked and refused,
 * it leaves the anonymity sets, gets no token and cannot be a recipient. Collections are
 * found by id or alias, change with the checks of add, keep the scope rules that named them,
 * and are removed only with purge when they hold objects, their originals kept. An envelope
 * stored while its collection is removed, or while an organisation its scope names is
 * renamed, fails whole. Every change is one audit entry; only the coordinator makes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/test_store_helpers.h"
#include "policy/policy_int.h"

struct fixture {
    struct tstore t;
    struct rk_hub hub;
    struct policy_principal coord;
    struct store_org bank, power;
    struct store_collection feeds; /* read org:bank,power, write all, alias "feeds" */
    char bank_tok[POLICY_TOKEN_LEN + 1];
};

/* A scope rule naming bank: indicators labelled "bank-only" are AMBER to org:bank. */
#define RULES                                                                                      \
    "{\"sector_k\": 1, \"scope_rules\": [{\"name\": \"bank-only\", \"match\": {\"labels\": "       \
    "[\"bank-only\"], \"collections\": [\"Feeds\"]}, \"tlp\": \"amber\", \"audience\": "           \
    "\"org:bank\"}]}"

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char tok[POLICY_TOKEN_LEN + 1];
    struct rk_err err;

    tstore_open(&f->t);
    rk_err_clear(&err);
    if (policy_hub_init(f->t.s, "coord", tok, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0 ||
        policy_coordinator_principal(f->t.s, &f->coord, &err) != 0 ||
        policy_org_add(f->t.s, "bank", "finance", STORE_ANON_NAMED, &f->bank, &err) != 0 ||
        policy_org_add(f->t.s, "power", "electric-power", STORE_ANON_NAMED, &f->power, &err) != 0 ||
        policy_collection_add(f->t.s, "Feeds", NULL, "feeds", "org:bank,power", "all", &f->feeds,
                              &err) != 0 ||
        policy_doc_replace(f->t.s, &f->coord, "test", RULES, &err) != 0 ||
        policy_token_create(f->t.s, &f->coord, "test", "bank", STORE_ROLE_CONTRIBUTOR, "c", -1,
                            f->bank_tok, NULL, &err) != 0) {
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
    store_org_clear(&f->bank);
    store_org_clear(&f->power);
    store_collection_clear(&f->feeds);
    free(f);
    return 0;
}

/* What token authenticates as; its rc. */
static int auth(struct fixture *f, const char *token, struct policy_principal *p)
{
    char hdr[128];
    struct rk_err err;
    snprintf(hdr, sizeof(hdr), "Bearer %s", token);
    rk_err_clear(&err);
    return policy_authenticate(f->t.s, hdr, p, &err);
}

static struct policy_principal as(const struct store_org *o)
{
    struct policy_principal p;
    memset(&p, 0, sizeof(p));
    p.authenticated = true;
    snprintf(p.org_id, sizeof(p.org_id), "%s", o->id);
    snprintf(p.org_name, sizeof(p.org_name), "%s", o->name);
    snprintf(p.sector, sizeof(p.sector), "%s", o->sector);
    p.role = STORE_ROLE_CONTRIBUTOR;
    snprintf(p.token_hash, sizeof(p.token_hash), "%064d", 7);
    p.token_anonymity = -1;
    return p;
}

static int n_ind;

/* An indicator with a fresh id, labelled label (NULL: none); id gets its id. */
static json_t *indicator(const char *label, char id[80])
{
    snprintf(id, 80, "indicator--%08x-2222-4222-8222-222222222222", ++n_ind);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "spec_version",
                  "2.1", "id", id, "created", "2024-01-01T00:00:00.000Z", "modified",
                  "2024-01-01T00:00:00.000Z", "pattern", "[ipv4-addr:value = '198.51.100.7']",
                  "pattern_type", "stix", "valid_from", "2024-01-01T00:00:00Z");
    if (label != NULL)
        json_object_set_new(o, "labels", json_pack("[s]", label));
    return o;
}

/* Posts obj (consumed) as o into c through policy_ingest_then with ready (may be NULL);
 * returns ingest's rc and fills *it. */
static int post(struct fixture *f, const struct store_org *o, const struct store_collection *c,
                json_t *obj, policy_ready_fn ready, void *ctx, struct policy_ingest_item *it)
{
    struct policy_principal who = as(o);
    json_t *env = json_pack("[o]", obj);
    struct rk_err err;
    rk_err_clear(&err);
    int rc = policy_ingest_then(&f->hub, &who, c, -1, env, it, ready, NULL, ctx, &err);
    json_decref(env);
    return rc;
}

/* The scope stored for the versions of id in collection c ("-" when there is none). */
struct scope_seen {
    char scope[128];
};
static int scope_row(void *ctx, const struct store_row *row)
{
    struct scope_seen *s = ctx;
    snprintf(s->scope, sizeof(s->scope), "%s", row->access.scope);
    return 0;
}
static void stored_scope(struct fixture *f, const char *coll, const char *id, char out[128])
{
    const char *ids[1] = {id};
    struct store_query q = {
        .collection_id = coll, .added_after = -1, .limit = 10, .ids = ids, .n_ids = 1};
    struct scope_seen s = {"-"};
    struct store_page page;
    struct rk_err err;
    assert_int_equal(store_query(f->t.s, &q, NULL, NULL, scope_row, &s, &page, &err), 0);
    snprintf(out, 128, "%s", s.scope);
}

/* The audit entries after seq, parsed; *doc is decref'd by the caller. */
static json_t *entries_after(struct fixture *f, int64_t after, json_t **doc)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    assert_int_equal(policy_audit_list_json(f->t.s, after, 0, NULL, &b, &err), 0);
    *doc = json_loads(b.data, 0, NULL);
    rk_buf_free(&b);
    assert_non_null(*doc);
    return json_object_get(*doc, "entries");
}

static int64_t audit_count(struct fixture *f)
{
    int64_t checked = 0, bad = 0;
    struct rk_err err;
    assert_int_equal(policy_audit_verify(f->t.s, &checked, &bad, &err), 0);
    assert_int_equal(bad, 0);
    return checked;
}

static const char *action_of(json_t *entry)
{
    return json_string_value(json_object_get(entry, "action"));
}

/* ---- organisations --------------------------------------------------------------------- */

static void rename_follows_every_audience(void **state)
{
    struct fixture *f = *state;
    struct policy_org_change chg = {.name = "bank-hd", .anonymity = -1};
    struct store_org out = {0}, late = {0};
    struct store_collection c = {0};
    struct policy_principal p;
    struct policy_doc doc;
    struct rk_err err;
    struct policy_ingest_item it;
    char id[80], scope[128];
    json_t *docj;

    /* A version stored with the rule's scope, and one with none. */
    assert_int_equal(post(f, &f->bank, &f->feeds, indicator("bank-only", id), NULL, NULL, &it), 0);
    assert_true(it.ok);
    stored_scope(f, f->feeds.id, id, scope);
    assert_string_equal(scope, "org:bank");
    int64_t before = audit_count(f);

    rk_err_clear(&err);
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "test", "bank", &chg, &out, &err), 0);
    assert_string_equal(out.name, "bank-hd");
    assert_string_equal(out.id, f->bank.id);
    assert_string_equal(out.identity_id, f->bank.identity_id);
    assert_int_equal(store_collection_get(f->t.s, f->feeds.id, &c, &err), 0);
    assert_string_equal(c.read_spec, "org:bank-hd,power");
    assert_string_equal(c.write_spec, "all");
    assert_int_equal(policy_doc_load(f->t.s, &doc, &err), 0);
    assert_string_equal(doc.rules[0].audience, "org:bank-hd");
    policy_doc_clear(&doc);
    stored_scope(f, f->feeds.id, id, scope);
    assert_string_equal(scope, "org:bank-hd");

    /* Its token now authenticates under the new name, which the audiences admit. */
    assert_int_equal(auth(f, f->bank_tok, &p), 0);
    assert_string_equal(p.org_name, "bank-hd");
    assert_true(policy_may_read_collection(&p, &c));
    assert_true(policy_in_audience(&p, scope));
    /* Whoever takes the old name later is in none of them. */
    assert_int_equal(policy_org_add(f->t.s, "bank", "finance", STORE_ANON_NAMED, &late, &err), 0);
    struct policy_principal newcomer = as(&late);
    assert_false(policy_may_read_collection(&newcomer, &c));
    assert_false(policy_in_audience(&newcomer, scope));

    /* One policy-change (the rule) and one org-change entry naming what was rewritten. */
    json_t *e = entries_after(f, before, &docj);
    assert_int_equal(json_array_size(e), 2);
    assert_string_equal(action_of(json_array_get(e, 0)), POLICY_AUDIT_POLICY_CHANGE);
    json_t *oc = json_array_get(e, 1);
    assert_string_equal(action_of(oc), POLICY_AUDIT_ORG_CHANGE);
    json_t *d = json_object_get(oc, "detail");
    assert_string_equal(json_string_value(json_object_get(d, "org_id")), f->bank.id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "before"), "name")),
                        "bank");
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "after"), "name")),
                        "bank-hd");
    json_t *rw = json_object_get(d, "rewritten");
    assert_int_equal(json_array_size(json_object_get(rw, "collections")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(rw, "scope_rules"), 0)),
                        "bank-only");
    assert_int_equal(json_integer_value(json_object_get(rw, "object_scopes")), 1);
    json_decref(docj);
    store_org_clear(&out);
    store_org_clear(&late);
    store_collection_clear(&c);
}

static void refused_changes_change_nothing(void **state)
{
    struct fixture *f = *state;
    struct store_org out = {0};
    struct store_collection c = {0};
    struct rk_err err;
    struct policy_principal bank_p = as(&f->bank);
    int64_t before = audit_count(f);

    struct policy_org_change taken = {.name = "power", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &taken, &out, &err),
                     RK_E_EXISTS);
    assert_non_null(strstr(err.msg, "power"));
    struct policy_org_change bad_sector = {.sector = "waterworks", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &bad_sector, &out, &err),
                     RK_E_INVALID);
    assert_non_null(strstr(err.msg, "unknown sector 'waterworks'"));
    assert_non_null(strstr(err.msg, "electric-power")); /* the valid keys are listed */
    assert_null(strstr(err.msg, "coordination"));
    struct policy_org_change to_coord = {.sector = "coordination", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &to_coord, &out, &err),
                     RK_E_INVALID);
    struct policy_org_change coord_sector = {.sector = "finance", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "coord", &coord_sector, &out, &err),
                     RK_E_INVALID);
    struct policy_org_change bad_name = {.name = "a,b", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &bad_name, &out, &err),
                     RK_E_INVALID);
    struct policy_org_change bad_ids = {.own_identifiers = "ok.example\nx\n", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &bad_ids, &out, &err),
                     RK_E_INVALID);
    assert_non_null(strstr(err.msg, "line 2"));
    struct policy_org_change fine = {.anonymity = STORE_ANON_SECTOR};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "nobody", &fine, &out, &err),
                     RK_E_NOTFOUND);
    /* Only the coordinator. */
    assert_int_equal(policy_org_set(f->t.s, &bank_p, "t", "bank", &fine, &out, &err),
                     RK_E_FORBIDDEN);
    assert_int_equal(policy_org_set(f->t.s, NULL, "t", "bank", &fine, &out, &err), RK_E_UNAUTH);
    assert_int_equal(policy_org_disable(f->t.s, &bank_p, "t", "power", &out, NULL, NULL, &err),
                     RK_E_FORBIDDEN);
    assert_int_equal(policy_org_enable(f->t.s, &bank_p, "t", "power", &out, &err), RK_E_FORBIDDEN);
    /* Nothing changed, nothing logged. */
    assert_int_equal(audit_count(f), before);
    assert_int_equal(store_collection_get(f->t.s, f->feeds.id, &c, &err), 0);
    assert_string_equal(c.read_spec, "org:bank,power");
    store_collection_clear(&c);
    assert_int_equal(store_org_get(f->t.s, "bank", &out, &err), 0);
    assert_int_equal(out.anonymity, STORE_ANON_NAMED);
    store_org_clear(&out);

    /* A change to what is already there is no change, and no entry. */
    struct policy_org_change same = {.name = "bank", .sector = "finance", .anonymity = -1};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &same, &out, &err), 0);
    store_org_clear(&out);
    assert_int_equal(audit_count(f), before);
    /* A real one: sector, mode and own identifiers (normalised), one entry. */
    struct policy_org_change real = {.sector = "insurance",
                                     .anonymity = STORE_ANON_ANONYMOUS,
                                     .own_identifiers = "# ours\nBANK.example\n"};
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &real, &out, &err),
                     RK_E_INVALID); /* no such sector in the default table */
    real.sector = "credit-cards";
    assert_int_equal(policy_org_set(f->t.s, &f->coord, "t", "bank", &real, &out, &err), 0);
    assert_string_equal(out.sector, "credit-cards");
    assert_int_equal(out.anonymity, STORE_ANON_ANONYMOUS);
    assert_string_equal(out.own_identifiers, "bank.example");
    store_org_clear(&out);
    assert_int_equal(audit_count(f), before + 1);
}

static void disabled_org_is_out(void **state)
{
    struct fixture *f = *state;
    struct store_org out = {0};
    struct store_token *revoked = NULL;
    size_t n = 0;
    struct policy_principal p;
    struct rk_err err;
    char tok[POLICY_TOKEN_LEN + 1], reader[POLICY_TOKEN_LEN + 1], id[80];
    int64_t all = 0, in_sector = 0;
    json_t *docj;

    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "bank", STORE_ROLE_READER, "r", -1,
                                         reader, NULL, &err),
                     0);
    assert_int_equal(policy_writers_count(f->t.s, &f->feeds, "finance", &all, &in_sector, &err), 0);
    assert_int_equal(all, 2);
    assert_int_equal(in_sector, 1);
    int64_t before = audit_count(f);

    assert_int_equal(policy_org_disable(f->t.s, &f->coord, "t", "bank", &out, &revoked, &n, &err),
                     0);
    assert_true(out.disabled);
    assert_int_equal(n, 2);
    store_tokens_free(revoked, n);
    store_org_clear(&out);
    /* Its tokens: gone, refused. */
    assert_int_equal(auth(f, f->bank_tok, &p), RK_E_UNAUTH);
    assert_int_equal(auth(f, reader, &p), RK_E_UNAUTH);
    /* A token of it that survived (written behind the hub's back) is refused too. */
    struct store_token row = {0};
    char secret[POLICY_TOKEN_LEN + 1];
    policy_token_generate(secret);
    policy_token_hash(secret, row.hash);
    memcpy(row.org_id, f->bank.id, sizeof(row.org_id));
    row.label = (char *)"";
    row.anonymity = -1;
    assert_int_equal(store_token_add(f->t.s, &row, &err), 0);
    rk_err_clear(&err);
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "Bearer %s", secret);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), RK_E_UNAUTH);
    assert_non_null(strstr(err.msg, "disabled"));
    /* No new token, no place in an anonymity set. */
    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "bank", STORE_ROLE_READER, "", -1,
                                         tok, NULL, &err),
                     RK_E_CONFLICT);
    assert_int_equal(policy_writers_count(f->t.s, &f->feeds, "finance", &all, &in_sector, &err), 0);
    assert_int_equal(all, 1);
    assert_int_equal(in_sector, 0);
    /* Not a recipient any more. */
    json_t *o = indicator(NULL, id);
    json_object_set_new(o, "x_renkei_recipients", json_pack("[s]", "bank"));
    json_object_set_new(
        o, "object_marking_refs",
        json_pack("[s]", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"));
    struct policy_ingest_item it;
    assert_int_equal(post(f, &f->power, &f->feeds, o, NULL, NULL, &it), 0);
    assert_false(it.ok);
    assert_non_null(strstr(it.message, "recipient 'bank' is disabled"));
    /* A principal of it cached before: its post is refused whole. */
    assert_int_equal(post(f, &f->bank, &f->feeds, indicator(NULL, id), NULL, NULL, &it),
                     RK_E_UNAUTH);

    /* Audit: a token-revoke per token, then org-disable listing them. */
    json_t *e = entries_after(f, before, &docj);
    assert_int_equal(json_array_size(e), 3);
    assert_string_equal(action_of(json_array_get(e, 0)), POLICY_AUDIT_TOKEN_REVOKE);
    assert_string_equal(action_of(json_array_get(e, 1)), POLICY_AUDIT_TOKEN_REVOKE);
    json_t *d = json_object_get(json_array_get(e, 2), "detail");
    assert_string_equal(action_of(json_array_get(e, 2)), POLICY_AUDIT_ORG_DISABLE);
    assert_int_equal(json_array_size(json_object_get(d, "tokens_revoked")), 2);
    json_decref(docj);

    /* Again: refused; the coordinator's own: refused. */
    assert_int_equal(policy_org_disable(f->t.s, &f->coord, "t", "bank", &out, NULL, NULL, &err),
                     RK_E_CONFLICT);
    assert_int_equal(policy_org_disable(f->t.s, &f->coord, "t", "coord", &out, NULL, NULL, &err),
                     RK_E_CONFLICT);
    assert_non_null(strstr(err.msg, "coordinator"));

    /* Enabled again: its old tokens stay dead, a new one works. */
    assert_int_equal(policy_org_enable(f->t.s, &f->coord, "t", "bank", &out, &err), 0);
    assert_false(out.disabled);
    store_org_clear(&out);
    assert_int_equal(policy_org_enable(f->t.s, &f->coord, "t", "bank", &out, &err), RK_E_CONFLICT);
    assert_int_equal(auth(f, f->bank_tok, &p), RK_E_UNAUTH);
    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "bank", STORE_ROLE_READER, "", -1,
                                         tok, NULL, &err),
                     0);
    assert_int_equal(auth(f, tok, &p), 0);
}

static void last_coordinator_tokens_stay(void **state)
{
    struct fixture *f = *state;
    struct store_org out = {0};
    struct store_token gone = {0};
    struct store_token *list = NULL;
    size_t n = 0;
    struct rk_err err;
    char tok[POLICY_TOKEN_LEN + 1];

    /* power gets a coordinator token; the coordinator's own is revoked: power's is the last. */
    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "power", STORE_ROLE_COORDINATOR,
                                         "", -1, tok, NULL, &err),
                     0);
    assert_int_equal(policy_token_list(f->t.s, &f->coord, "coord", &list, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(policy_token_revoke(f->t.s, &f->coord, "t", list[0].hash, &gone, &err), 0);
    store_token_clear(&gone);
    store_tokens_free(list, n);
    int64_t before = audit_count(f);
    assert_int_equal(policy_org_disable(f->t.s, &f->coord, "t", "power", &out, NULL, NULL, &err),
                     RK_E_CONFLICT);
    assert_non_null(strstr(err.msg, "last coordinator"));
    assert_int_equal(audit_count(f), before);
    struct policy_principal p;
    assert_int_equal(auth(f, tok, &p), 0);
    assert_int_equal(store_org_get(f->t.s, "power", &out, &err), 0);
    assert_false(out.disabled);
    store_org_clear(&out);
}

/* ---- collections ----------------------------------------------------------------------- */

static void collection_set_checks_and_follows_rules(void **state)
{
    struct fixture *f = *state;
    struct store_collection c = {0}, other = {0};
    struct policy_collection_change chg = {0};
    struct policy_principal bank_p = as(&f->bank), power_p = as(&f->power);
    struct rk_err err;
    struct policy_doc doc;
    struct policy_scope_decision dec;
    char id[80];
    json_t *docj;

    assert_int_equal(
        policy_collection_add(f->t.s, "Other", NULL, "other", "all", "all", &other, &err), 0);
    /* Found by alias; a taken alias, a bad audience, a bad title: refused. */
    assert_int_equal(policy_collection_find(f->t.s, "feeds", &c, &err), 0);
    assert_string_equal(c.id, f->feeds.id);
    store_collection_clear(&c);
    assert_int_equal(policy_collection_find(f->t.s, "nope", &c, &err), RK_E_NOTFOUND);
    chg.alias = "other";
    assert_int_equal(policy_collection_set(f->t.s, &f->coord, "t", "feeds", &chg, &c, &err),
                     RK_E_CONFLICT);
    chg.alias = other.id; /* shaped like an id: no alias may be (it would shadow one) */
    assert_int_equal(policy_collection_set(f->t.s, &f->coord, "t", "feeds", &chg, &c, &err),
                     RK_E_INVALID);
    chg.alias = NULL;
    chg.read_spec = "org:nobody";
    assert_int_equal(policy_collection_set(f->t.s, &f->coord, "t", "feeds", &chg, &c, &err),
                     RK_E_INVALID);
    assert_non_null(strstr(err.msg, "read audience"));
    chg.read_spec = NULL;
    chg.title = "";
    assert_int_equal(policy_collection_set(f->t.s, &f->coord, "t", "feeds", &chg, &c, &err),
                     RK_E_INVALID);
    chg.title = NULL;
    chg.read_spec = "org:power";
    assert_int_equal(policy_collection_set(f->t.s, &bank_p, "t", "feeds", &chg, &c, &err),
                     RK_E_FORBIDDEN);
    int64_t before = audit_count(f);

    /* Narrowed at once: bank is out, power in. Renamed: the rule naming "Feeds" follows. */
    chg.title = "Power feeds";
    chg.alias = "";
    chg.default_tlp = POLICY_TLP_AMBER;
    assert_int_equal(policy_collection_set(f->t.s, &f->coord, "t", f->feeds.id, &chg, &c, &err), 0);
    assert_string_equal(c.title, "Power feeds");
    assert_string_equal(c.alias, "");
    assert_int_equal(c.default_tlp, POLICY_TLP_AMBER);
    assert_false(policy_may_read_collection(&bank_p, &c));
    assert_true(policy_may_read_collection(&power_p, &c));
    assert_int_equal(policy_doc_load(f->t.s, &doc, &err), 0);
    json_t *o = indicator("bank-only", id);
    assert_int_equal(policy_scope_decide(&doc, NULL, o, "finance", &c, &dec, &err), 0);
    assert_string_equal(dec.rule, "bank-only");
    json_decref(o);
    policy_doc_clear(&doc);
    json_t *e = entries_after(f, before, &docj);
    assert_int_equal(json_array_size(e), 2);
    assert_string_equal(action_of(json_array_get(e, 0)), POLICY_AUDIT_POLICY_CHANGE);
    json_t *cc = json_array_get(e, 1);
    assert_string_equal(action_of(cc), POLICY_AUDIT_COLLECTION_CHANGE);
    assert_string_equal(json_string_value(json_object_get(cc, "collection")), f->feeds.id);
    json_t *d = json_object_get(cc, "detail");
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "before"), "read")),
                        "org:bank,power");
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "after"), "read")),
                        "org:power");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "scope_rules"), 0)),
                        "bank-only");
    json_decref(docj);
    store_collection_clear(&c);
    store_collection_clear(&other);
}

static void remove_needs_purge_and_keeps_originals(void **state)
{
    struct fixture *f = *state;
    struct store_collection gone = {0}, empty = {0};
    struct policy_ingest_item it;
    struct rk_err err;
    struct rk_buf prov = RK_BUF_INIT;
    int64_t removed = -1;
    char id[80];

    assert_int_equal(post(f, &f->power, &f->feeds, indicator(NULL, id), NULL, NULL, &it), 0);
    assert_true(it.ok);
    int64_t before = audit_count(f);
    assert_int_equal(
        policy_collection_remove(f->t.s, &f->coord, "t", "feeds", false, &gone, &removed, &err),
        RK_E_CONFLICT);
    assert_int_equal(removed, 1);
    assert_non_null(strstr(err.msg, "1 object version"));
    assert_int_equal(audit_count(f), before);
    struct policy_principal bank_p = as(&f->bank);
    assert_int_equal(
        policy_collection_remove(f->t.s, &bank_p, "t", "feeds", true, &gone, &removed, &err),
        RK_E_FORBIDDEN);

    assert_int_equal(
        policy_collection_remove(f->t.s, &f->coord, "t", "feeds", true, &gone, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_string_equal(gone.id, f->feeds.id);
    assert_int_equal(policy_collection_find(f->t.s, f->feeds.id, &empty, &err), RK_E_NOTFOUND);
    /* The original is still in the vault. */
    assert_int_equal(policy_provenance_read(f->t.s, &f->coord, "t", id, &prov, &err), 0);
    assert_non_null(strstr(prov.data, "198.51.100.7"));
    rk_buf_free(&prov);
    json_t *docj;
    json_t *e = entries_after(f, before, &docj);
    json_t *rm = json_array_get(e, 0);
    assert_string_equal(action_of(rm), POLICY_AUDIT_COLLECTION_REMOVE);
    json_t *d = json_object_get(rm, "detail");
    assert_int_equal(json_integer_value(json_object_get(d, "purged")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "collection"), "title")), "Feeds");
    json_decref(docj);
    store_collection_clear(&gone);

    /* An empty collection goes without purge. */
    assert_int_equal(policy_collection_add(f->t.s, "Empty", NULL, NULL, "all", "all", &empty, &err),
                     0);
    assert_int_equal(
        policy_collection_remove(f->t.s, &f->coord, "t", empty.id, false, &gone, &removed, &err),
        0);
    assert_int_equal(removed, 0);
    store_collection_clear(&gone);
    store_collection_clear(&empty);
}

/* ---- changes while an envelope is stored ------------------------------------------------ */

struct race {
    struct fixture *f;
    int what; /* 0 remove the collection, 1 rename bank */
    int rc;
};

/* ready runs between the envelope's decisions and its transaction: the change lands there. */
static void change_meanwhile(void *ctx, const struct policy_ingest_item *items, size_t n)
{
    struct race *r = ctx;
    struct rk_err err;
    (void)items;
    (void)n;
    if (r->what == 0) {
        struct store_collection gone = {0};
        int64_t removed = 0;
        r->rc = policy_collection_remove(r->f->t.s, &r->f->coord, "t", r->f->feeds.id, true, &gone,
                                         &removed, &err);
        store_collection_clear(&gone);
    } else {
        struct policy_org_change chg = {.name = "bank-hd", .anonymity = -1};
        struct store_org out = {0};
        r->rc = policy_org_set(r->f->t.s, &r->f->coord, "t", "bank", &chg, &out, &err);
        store_org_clear(&out);
    }
}

static void envelope_meets_a_change(void **state)
{
    struct fixture *f = *state;
    struct policy_ingest_item it;
    char id[80], scope[128];

    /* The scope org:bank was decided before the rename: the envelope fails, nothing stays. */
    struct race rename = {f, 1, -1};
    assert_int_equal(
        post(f, &f->power, &f->feeds, indicator("bank-only", id), change_meanwhile, &rename, &it),
        RK_E_CONFLICT);
    assert_int_equal(rename.rc, 0);
    stored_scope(f, f->feeds.id, id, scope);
    assert_string_equal(scope, "-");
    /* Posted again, it gets the new name. */
    assert_int_equal(post(f, &f->power, &f->feeds, indicator("bank-only", id), NULL, NULL, &it), 0);
    stored_scope(f, f->feeds.id, id, scope);
    assert_string_equal(scope, "org:bank-hd");

    /* The collection removed meanwhile: nothing is stored into it. */
    struct race removal = {f, 0, -1};
    assert_int_equal(
        post(f, &f->power, &f->feeds, indicator(NULL, id), change_meanwhile, &removal, &it),
        RK_E_NOTFOUND);
    assert_int_equal(removal.rc, 0);
    int64_t count = -1;
    struct rk_err err;
    assert_int_equal(store_count_objects(f->t.s, f->feeds.id, &count, &err), 0);
    assert_int_equal(count, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(rename_follows_every_audience),
        T(refused_changes_change_nothing),
        T(disabled_org_is_out),
        T(last_coordinator_tokens_stay),
        T(collection_set_checks_and_follows_rules),
        T(remove_needs_purge_and_keeps_originals),
        T(envelope_meets_a_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
