/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_policy.c: the policy layer over a real (temporary) SQLite store: token hashing and
 * authentication (Bearer, Basic, malformed, unknown), audience specs and collection
 * permissions, role and anonymity names, hub initialisation and organisation rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/test_store_helpers.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

struct fixture {
    struct tstore t;                  /* temporary directory and store (test_store_helpers.h) */
    char token[POLICY_TOKEN_LEN + 1]; /* the coordinator token from init */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", f->token, &err) != 0) {
        fprintf(stderr, "init: %s\n", err.msg);
        return -1;
    }
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

static void token_format_and_hash(void **state)
{
    char a[POLICY_TOKEN_LEN + 1];
    char b[POLICY_TOKEN_LEN + 1];
    char h[65];

    policy_token_generate(a);
    policy_token_generate(b);
    assert_int_equal(strlen(a), 67);
    assert_true(strncmp(a, "rk_", 3) == 0);
    assert_true(policy_token_well_formed(a, strlen(a)));
    assert_string_not_equal(a, b);
    assert_false(policy_token_well_formed("rk_0123", 7));
    assert_false(policy_token_well_formed(
        "rk_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 67));
    /* Known BLAKE2b-256 of the token string (computed with Python's hashlib). */
    policy_token_hash("rk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", h);
    assert_string_equal(h, "ff418a61296695dba2f3c9f4c763fbad79135ef04632953c91f70f3d70c30a5f");
}

static void auth_bearer_and_basic(void **state)
{
    struct fixture *f = *state;
    struct policy_principal p;
    struct rk_err err;
    char hdr[256];
    char userpass[128];
    char b64[200];

    snprintf(hdr, sizeof(hdr), "Bearer %s", f->token);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), 0);
    assert_true(p.authenticated);
    assert_int_equal(p.role, STORE_ROLE_COORDINATOR);
    assert_string_equal(p.org_name, "coord");
    assert_string_equal(p.sector, "coordination");
    assert_true(rk_uuid_valid(p.org_id));

    /* Scheme names are case-insensitive. */
    snprintf(hdr, sizeof(hdr), "bearer %s", f->token);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), 0);

    snprintf(userpass, sizeof(userpass), "anyone:%s", f->token);
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)userpass, strlen(userpass),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(hdr, sizeof(hdr), "Basic %s", b64);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), 0);
    assert_true(p.authenticated);
    assert_int_equal(p.role, STORE_ROLE_COORDINATOR);

    /* No header: anonymous, not an error. */
    assert_int_equal(policy_authenticate(f->t.s, NULL, &p, &err), 0);
    assert_false(p.authenticated);
    assert_string_equal(p.org_id, "");
}

static void auth_refusals(void **state)
{
    struct fixture *f = *state;
    struct policy_principal p;
    struct rk_err err;
    char hdr[256];
    char b64[200];
    char other[POLICY_TOKEN_LEN + 1];

    assert_int_equal(policy_authenticate(f->t.s, "Bearer rk_123", &p, &err), RK_E_UNAUTH);
    assert_false(p.authenticated);
    assert_int_equal(policy_authenticate(f->t.s, "Token abc", &p, &err), RK_E_UNAUTH);
    assert_int_equal(policy_authenticate(f->t.s, "", &p, &err), RK_E_UNAUTH);
    assert_int_equal(policy_authenticate(f->t.s, "Basic !!!notbase64", &p, &err), RK_E_UNAUTH);
    /* Basic without the colon. */
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)f->token, strlen(f->token),
                      sodium_base64_VARIANT_ORIGINAL);
    snprintf(hdr, sizeof(hdr), "Basic %s", b64);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), RK_E_UNAUTH);
    assert_false(p.authenticated);
    /* Well-formed but unknown. */
    policy_token_generate(other);
    snprintf(hdr, sizeof(hdr), "Bearer %s", other);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), RK_E_UNAUTH);
    assert_non_null(strstr(err.msg, "unknown"));
    /* The token with one character changed is refused too. */
    snprintf(hdr, sizeof(hdr), "Bearer %s", f->token);
    hdr[strlen(hdr) - 1] = hdr[strlen(hdr) - 1] == '0' ? '1' : '0';
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), RK_E_UNAUTH);
}

static void created_token_authenticates_with_role(void **state)
{
    struct fixture *f = *state;
    struct store_org org;
    struct policy_principal p;
    struct rk_err err;
    char tok[POLICY_TOKEN_LEN + 1];
    char hdr[128];

    assert_int_equal(
        policy_org_add(f->t.s, "acme-power", "electric-power", STORE_ANON_SECTOR, &org, &err), 0);
    struct policy_principal coord;
    assert_int_equal(policy_coordinator_principal(f->t.s, &coord, &err), 0);
    assert_int_equal(policy_token_create(f->t.s, &coord, "test", "acme-power",
                                         STORE_ROLE_CONTRIBUTOR, "ci", -1, tok, NULL, &err),
                     0);
    snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &p, &err), 0);
    assert_int_equal(p.role, STORE_ROLE_CONTRIBUTOR);
    assert_string_equal(p.org_name, "acme-power");
    assert_string_equal(p.org_id, org.id);
    assert_string_equal(p.sector, "electric-power");
    store_org_clear(&org);
    /* By id as well as by name; unknown organisation and bad role refused. */
    assert_int_equal(policy_token_create(f->t.s, &coord, "test", p.org_id, STORE_ROLE_READER, NULL,
                                         -1, tok, NULL, &err),
                     0);
    assert_int_equal(policy_token_create(f->t.s, &coord, "test", "nobody", STORE_ROLE_READER, NULL,
                                         -1, tok, NULL, &err),
                     RK_E_NOTFOUND);
    assert_int_equal(
        policy_token_create(f->t.s, &coord, "test", "acme-power", 7, NULL, -1, tok, NULL, &err),
        RK_E_INVALID);
}

static struct policy_principal who(const char *org, const char *sector, int role)
{
    struct policy_principal p;
    memset(&p, 0, sizeof(p));
    p.authenticated = true;
    snprintf(p.org_id, sizeof(p.org_id), "00000000-0000-4000-8000-000000000001");
    snprintf(p.org_name, sizeof(p.org_name), "%s", org);
    snprintf(p.sector, sizeof(p.sector), "%s", sector);
    p.role = role;
    return p;
}

static void audiences(void **state)
{
    struct policy_principal bank = who("bank", "finance", STORE_ROLE_READER);
    struct policy_principal grid = who("grid", "electric-power", STORE_ROLE_ANALYST);
    struct policy_principal coord = who("coord", "coordination", STORE_ROLE_COORDINATOR);
    struct policy_principal anon;

    memset(&anon, 0, sizeof(anon));
    assert_true(policy_in_audience(&bank, "all"));
    assert_false(policy_in_audience(&anon, "all"));
    assert_true(policy_in_audience(&anon, "public"));
    assert_true(policy_in_audience(NULL, "public"));
    assert_true(policy_in_audience(&bank, "public"));

    assert_true(policy_in_audience(&bank, "sector:finance"));
    assert_true(policy_in_audience(&bank, "sector:gas, finance"));
    assert_false(policy_in_audience(&grid, "sector:finance"));
    assert_false(policy_in_audience(&bank, "sector:financ"));
    assert_false(policy_in_audience(&anon, "sector:finance"));

    assert_true(policy_in_audience(&grid, "org:bank,grid"));
    assert_false(policy_in_audience(&bank, "org:grid"));
    assert_false(policy_in_audience(&bank, "org:ban"));
    assert_false(policy_in_audience(&anon, "org:grid"));

    /* The coordinator is in every audience; nobody is in a malformed one. */
    assert_true(policy_in_audience(&coord, "org:grid"));
    assert_true(policy_in_audience(&coord, "sector:water"));
    assert_false(policy_in_audience(&bank, "everyone"));
    assert_false(policy_in_audience(&bank, NULL));
}

static void collection_permissions(void **state)
{
    struct policy_principal reader = who("bank", "finance", STORE_ROLE_READER);
    struct policy_principal contrib = who("bank", "finance", STORE_ROLE_CONTRIBUTOR);
    struct policy_principal analyst = who("grid", "electric-power", STORE_ROLE_ANALYST);
    struct policy_principal coord = who("coord", "coordination", STORE_ROLE_COORDINATOR);
    struct policy_principal anon;
    struct store_collection c = {0};
    struct store_row row = {0};
    struct policy_access_ctx ax;

    memset(&anon, 0, sizeof(anon));
    c.read_spec = (char *)"sector:finance";
    c.write_spec = (char *)"all";
    assert_true(policy_may_read_collection(&reader, &c));
    assert_false(policy_may_read_collection(&analyst, &c));
    assert_true(policy_may_read_collection(&coord, &c));
    assert_false(policy_may_read_collection(&anon, &c));
    /* Readers never write; contributors and analysts write where the spec admits them. */
    assert_false(policy_may_write_collection(&reader, &c));
    assert_true(policy_may_write_collection(&contrib, &c));
    assert_true(policy_may_write_collection(&analyst, &c));
    assert_true(policy_may_write_collection(&coord, &c));

    c.read_spec = (char *)"public";
    c.write_spec = (char *)"public";
    assert_true(policy_may_read_collection(&anon, &c));
    assert_false(policy_may_write_collection(&anon, &c));
    assert_false(policy_may_write_collection(NULL, &c));

    c.write_spec = (char *)"org:coord";
    assert_false(policy_may_write_collection(&contrib, &c));
    assert_true(policy_may_write_collection(&coord, &c));

    /* The access check admits exactly the collection's readers to a TLP:CLEAR row (TLP rules
     * are tested in test_access.c). */
    c.read_spec = (char *)"org:bank";
    row.access.tlp = POLICY_TLP_CLEAR;
    memset(&ax, 0, sizeof(ax));
    ax.collection = &c;
    ax.who = &reader;
    assert_true(policy_may_read_object(&ax, &row));
    ax.who = &analyst;
    assert_false(policy_may_read_object(&ax, &row));
    ax.who = &anon;
    assert_false(policy_may_read_object(&ax, &row));
}

static void names(void **state)
{
    const char *roles[] = {"reader", "contributor", "analyst", "coordinator"};
    const char *modes[] = {"named", "sector", "anonymous"};

    for (int i = 0; i < 4; i++) {
        assert_int_equal(policy_role_parse(roles[i]), i);
        assert_string_equal(policy_role_name(i), roles[i]);
    }
    assert_int_equal(policy_role_parse("admin"), -1);
    assert_int_equal(policy_role_parse("Reader"), -1);
    assert_int_equal(policy_role_parse(NULL), -1);
    assert_int_equal(policy_role_parse("reader"), STORE_ROLE_READER);
    assert_int_equal(policy_role_parse("coordinator"), STORE_ROLE_COORDINATOR);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(policy_anonymity_parse(modes[i]), i);
        assert_string_equal(policy_anonymity_name(i), modes[i]);
    }
    assert_int_equal(policy_anonymity_parse("sector"), STORE_ANON_SECTOR);
    assert_int_equal(policy_anonymity_parse("hidden"), -1);
}

static void hub_init_twice_refused(void **state)
{
    struct fixture *f = *state;
    char tok[POLICY_TOKEN_LEN + 1];
    struct rk_hub hub;
    struct rk_err err;

    assert_int_equal(policy_hub_init(f->t.s, "again", tok, &err), RK_E_EXISTS);
    assert_string_equal(tok, "");
    assert_int_equal(policy_hub_load(f->t.s, &hub, &err), 0);
    assert_string_equal(hub.api_root, "hub");
    assert_string_equal(hub.title, "renkei hub");
    assert_true(rk_starts_with(hub.identity_id, "identity--"));
    assert_true(rk_uuid_valid(hub.identity_id + 10));
    assert_int_equal(hub.max_content_length, 100u * 1024u * 1024u);
}

static void sectors_and_orgs(void **state)
{
    struct fixture *f = *state;
    struct store_org org;
    struct rk_err err;

    assert_true(policy_sector_known(f->t.s, "finance"));
    assert_true(policy_sector_known(f->t.s, "ports"));
    assert_true(policy_sector_known(f->t.s, "coordination"));
    assert_false(policy_sector_known(f->t.s, "banking"));

    assert_int_equal(policy_org_add(f->t.s, "x", "banking", STORE_ANON_NAMED, &org, &err),
                     RK_E_INVALID);
    /* The refusal says what to type instead: every key of the sector table a member may
     * be in. */
    assert_non_null(strstr(err.msg, "unknown sector 'banking' (the sectors are: "
                                    "information-communication, finance, "));
    assert_non_null(strstr(err.msg, ", water, "));
    assert_non_null(strstr(err.msg, ", other)"));
    assert_null(strstr(err.msg, "coordination")); /* no member's to choose */
    assert_int_equal(policy_sector_check(f->t.s, "finance", &err), 0);
    assert_int_equal(policy_sector_check(f->t.s, NULL, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "unknown sector ''"));
    assert_int_equal(policy_org_add(f->t.s, "a,b", "finance", STORE_ANON_NAMED, &org, &err),
                     RK_E_INVALID);
    assert_int_equal(policy_org_add(f->t.s, "", "finance", STORE_ANON_NAMED, &org, &err),
                     RK_E_INVALID);
    assert_int_equal(policy_org_add(f->t.s, "bank", "finance", 9, &org, &err), RK_E_INVALID);
    assert_int_equal(policy_org_add(f->t.s, "bank", "finance", STORE_ANON_NAMED, &org, &err), 0);
    assert_string_equal(org.name, "bank");
    assert_true(rk_starts_with(org.identity_id, "identity--"));
    store_org_clear(&org);
    assert_int_equal(policy_org_add(f->t.s, "bank", "gas", STORE_ANON_NAMED, &org, &err),
                     RK_E_EXISTS);
}

static void spec_checks_and_collections(void **state)
{
    struct fixture *f = *state;
    struct store_collection c;
    struct rk_err err;

    assert_int_equal(policy_spec_check(f->t.s, "all", &err), 0);
    assert_int_equal(policy_spec_check(f->t.s, "public", &err), 0);
    assert_int_equal(policy_spec_check(f->t.s, "sector:finance,gas", &err), 0);
    assert_int_equal(policy_spec_check(f->t.s, "org:coord", &err), 0);
    assert_int_equal(policy_spec_check(f->t.s, "sector:finance,nope", &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "nope"));
    assert_int_equal(policy_spec_check(f->t.s, "org:ghost", &err), RK_E_INVALID);
    assert_int_equal(policy_spec_check(f->t.s, "sector:", &err), RK_E_INVALID);
    assert_int_equal(policy_spec_check(f->t.s, "sector:finance,,gas", &err), RK_E_INVALID);
    assert_int_equal(policy_spec_check(f->t.s, "members", &err), RK_E_INVALID);
    assert_int_equal(policy_spec_check(f->t.s, "", &err), RK_E_INVALID);

    assert_int_equal(
        policy_collection_add(f->t.s, "Feeds", NULL, NULL, "all", "org:ghost", &c, &err),
        RK_E_INVALID);
    assert_non_null(strstr(err.msg, "write"));
    assert_int_equal(policy_collection_add(f->t.s, "", NULL, NULL, "all", "all", &c, &err),
                     RK_E_INVALID);
    assert_int_equal(
        policy_collection_add(f->t.s, "Feeds", "d", "feeds", "all", "org:coord", &c, &err), 0);
    assert_true(rk_uuid_valid(c.id));
    assert_string_equal(c.write_spec, "org:coord");
    assert_string_equal(c.alias, "feeds");
    store_collection_clear(&c);
}

static void custom_sector_file(void **state)
{
    char dir[] = "/tmp/rk-policy-sec-XXXXXX";
    char db[128], tsv[128], p[160];
    char tok[POLICY_TOKEN_LEN + 1];
    struct store *s = NULL;
    struct rk_err err;
    FILE *fp;

    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/renkei.db", dir);
    snprintf(tsv, sizeof(tsv), "%s/sectors.tsv", dir);
    assert_int_equal(store_open(db, &s, &err), 0);

    /* A malformed line is refused, naming the line, and nothing is initialised. */
    fp = fopen(tsv, "w");
    fputs("# comment\nenergy\tEnergy\nno tab here\n", fp);
    fclose(fp);
    assert_int_equal(policy_hub_init_sectors(s, NULL, tsv, tok, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, ":3:"));
    assert_int_equal(policy_hub_init_sectors(s, NULL, "/nonexistent/sectors.tsv", tok, &err),
                     RK_E_IO);

    /* A valid table without "coordination" gets it, since the coordinator lives there. */
    fp = fopen(tsv, "w");
    fputs("# comment\n\nenergy\tEnergy\nbanks\tBanks\n", fp);
    fclose(fp);
    assert_int_equal(policy_hub_init_sectors(s, NULL, tsv, tok, &err), 0);
    assert_true(policy_sector_known(s, "energy"));
    assert_true(policy_sector_known(s, "coordination"));
    assert_false(policy_sector_known(s, "finance"));
    /* The keys listed are the hub's own table, not the built-in one, and not the
     * coordinator's own sector, which no member may be in. */
    assert_int_equal(policy_sector_check(s, "finance", &err), RK_E_INVALID);
    assert_string_equal(err.msg, "unknown sector 'finance' (the sectors are: energy, banks)");
    assert_int_equal(policy_spec_check(s, "sector:energy,finance", &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "(the sectors are: energy, banks)"));

    store_close(s);
    unlink(tsv);
    unlink(db);
    snprintf(p, sizeof(p), "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db);
    unlink(p);
    rmdir(dir);
}

/* The one coordinator test: the role alone is not enough, an unauthenticated principal
 * (whatever its role field says) and NULL never are. */
static void coordinator_needs_authentication(void **state)
{
    (void)state;
    struct policy_principal who;
    memset(&who, 0, sizeof(who));
    assert_false(policy_is_coordinator(NULL));
    who.role = STORE_ROLE_COORDINATOR;
    assert_false(policy_is_coordinator(&who));
    who.authenticated = true;
    assert_true(policy_is_coordinator(&who));
    for (int r = STORE_ROLE_READER; r < STORE_ROLE_COORDINATOR; r++) {
        who.role = r;
        assert_false(policy_is_coordinator(&who));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_format_and_hash),
        cmocka_unit_test(coordinator_needs_authentication),
        cmocka_unit_test_setup_teardown(auth_bearer_and_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(auth_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(created_token_authenticates_with_role, setup, teardown),
        cmocka_unit_test(audiences),
        cmocka_unit_test(collection_permissions),
        cmocka_unit_test(names),
        cmocka_unit_test_setup_teardown(hub_init_twice_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(sectors_and_orgs, setup, teardown),
        cmocka_unit_test_setup_teardown(spec_checks_and_collections, setup, teardown),
        cmocka_unit_test(custom_sector_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
