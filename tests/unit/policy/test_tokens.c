/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tokens.c: who may create, list and revoke which tokens, and what the hub remembers
 * of it. Every token records its creator; a token the coordinator minted for another
 * organisation shows as such in lists, in the principal it authenticates, and in every
 * audit entry made with it; every creation and revocation is an audit entry; members
 * manage their own organisation's tokens, up to their own role, and nothing else. Tokens
 * stored before creators were recorded count as the coordinator's (it made them all).
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

#include "../store/test_store_helpers.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

struct fixture {
    struct tstore t;                    /* temporary directory and store */
    struct policy_principal coord;      /* the command line's coordinator */
    char bank_id[RK_UUID_LEN];          /* organisation "bank" (finance) */
    char power_id[RK_UUID_LEN];         /* organisation "power" (electric-power) */
    char onboard[POLICY_TOKEN_LEN + 1]; /* bank's analyst token, minted by the coordinator */
    struct policy_principal bank;       /* what onboard authenticates as */
};

/* Authenticates token as a Bearer token into *p. */
static void auth(struct fixture *f, const char *token, struct policy_principal *p)
{
    char hdr[128];
    struct rk_err err;

    snprintf(hdr, sizeof(hdr), "Bearer %s", token);
    assert_int_equal(policy_authenticate(f->t.s, hdr, p, &err), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char token[POLICY_TOKEN_LEN + 1];
    struct store_org org = {0};
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", token, &err) != 0 ||
        policy_coordinator_principal(f->t.s, &f->coord, &err) != 0)
        return -1;
    if (policy_org_add(f->t.s, "bank", "finance", STORE_ANON_NAMED, &org, &err) != 0)
        return -1;
    memcpy(f->bank_id, org.id, sizeof(f->bank_id));
    store_org_clear(&org);
    if (policy_org_add(f->t.s, "power", "electric-power", STORE_ANON_NAMED, &org, &err) != 0)
        return -1;
    memcpy(f->power_id, org.id, sizeof(f->power_id));
    store_org_clear(&org);
    if (policy_token_create(f->t.s, &f->coord, "cli:token create", "bank", STORE_ROLE_ANALYST,
                            "onboarding", -1, f->onboard, NULL, &err) != 0)
        return -1;
    auth(f, f->onboard, &f->bank);
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

/* The id of a token secret: the first POLICY_TOKEN_ID_LEN characters of its hash. */
static void id_of(const char *token, char out[POLICY_TOKEN_ID_LEN + 1])
{
    char h[65];
    policy_token_hash(token, h);
    snprintf(out, POLICY_TOKEN_ID_LEN + 1, "%.*s", POLICY_TOKEN_ID_LEN, h);
}

/* The audit entries after seq after, parsed (the caller decrefs *doc). */
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

/* The number of audit entries. */
static int64_t audit_count(struct fixture *f)
{
    int64_t checked = 0, bad = 0;
    struct rk_err err;

    assert_int_equal(policy_audit_verify(f->t.s, &checked, &bad, &err), 0);
    assert_int_equal(bad, 0);
    return checked;
}

static const char *dstr(json_t *entry, const char *key)
{
    return json_string_value(json_object_get(json_object_get(entry, "detail"), key));
}

/* The coordinator mints a token for a member: the token, its principal and the creation's
 * audit entry all say so, and the secret is nowhere in the log. */
static void coordinator_minted_token_is_marked(void **state)
{
    struct fixture *f = *state;
    char id[POLICY_TOKEN_ID_LEN + 1];
    struct store_token *list = NULL;
    size_t n = 0;
    struct rk_err err;
    json_t *doc;

    assert_string_equal(f->bank.org_id, f->bank_id);
    assert_string_equal(f->bank.minted_by, f->coord.org_id);
    /* The coordinator's own token (init) is its own. */
    assert_string_equal(f->coord.minted_by, "");

    assert_int_equal(policy_token_list(f->t.s, &f->coord, "bank", &list, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(policy_token_created_by(&list[0]), "coordinator");
    assert_string_equal(list[0].creator_org, f->coord.org_id);
    assert_string_equal(list[0].creator_token, ""); /* the command line uses no token */
    store_tokens_free(list, n);

    id_of(f->onboard, id);
    json_t *e = entries_after(f, 1, &doc); /* after init's entry */
    assert_int_equal(json_array_size(e), 1);
    json_t *c = json_array_get(e, 0);
    assert_string_equal(json_string_value(json_object_get(c, "action")), "token-create");
    assert_string_equal(json_string_value(json_object_get(c, "org_id")), f->coord.org_id);
    assert_string_equal(json_string_value(json_object_get(c, "route")), "cli:token create");
    assert_string_equal(dstr(c, "token"), id);
    assert_string_equal(dstr(c, "org_id"), f->bank_id);
    assert_string_equal(dstr(c, "org"), "bank");
    assert_string_equal(dstr(c, "role"), "analyst");
    assert_string_equal(dstr(c, "label"), "onboarding");
    assert_string_equal(dstr(c, "created_by"), "coordinator");
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_null(strstr(text, f->onboard + 3)); /* never the secret */
    free(text);
    json_decref(doc);
}

/* Every audit entry caused with a coordinator-minted token carries the mark, whatever its
 * action; a member's own token leaves none. */
static void entries_made_with_minted_tokens_name_the_coordinator(void **state)
{
    struct fixture *f = *state;
    char own[POLICY_TOKEN_LEN + 1];
    char id[POLICY_TOKEN_ID_LEN + 1];
    struct policy_principal self;
    struct rk_err err;
    json_t *doc;
    int64_t before = audit_count(f);

    assert_int_equal(policy_audit_append(f->t.s, &f->bank, POLICY_AUDIT_READ, "taxii-objects", "c1",
                                         "{\"objects\":[{\"id\":\"x\",\"tlp\":\"red\"}]}", &err),
                     0);
    /* The member makes a token of its own with the onboarding token... */
    assert_int_equal(policy_token_create(f->t.s, &f->bank, "api-tokens-add", f->bank_id,
                                         STORE_ROLE_CONTRIBUTOR, "soc", -1, own, NULL, &err),
                     0);
    auth(f, own, &self);
    assert_string_equal(self.minted_by, "");
    assert_int_equal(policy_audit_append(f->t.s, &self, POLICY_AUDIT_READ, "taxii-objects", "c1",
                                         "{\"objects\":[]}", &err),
                     0);

    id_of(f->onboard, id);
    json_t *e = entries_after(f, before, &doc);
    assert_int_equal(json_array_size(e), 3);
    for (size_t i = 0; i < 2; i++) { /* the read, and the creation made with it */
        json_t *m =
            json_object_get(json_object_get(json_array_get(e, i), "detail"), POLICY_AUDIT_MINTED);
        assert_non_null(m);
        assert_string_equal(json_string_value(json_object_get(m, "token")), id);
        assert_string_equal(json_string_value(json_object_get(m, "org_id")), f->coord.org_id);
        assert_string_equal(json_string_value(json_object_get(json_array_get(e, i), "org_id")),
                            f->bank_id);
    }
    /* ...which the creation entry shows as made by the member, with the onboarding token. */
    assert_string_equal(dstr(json_array_get(e, 1), "created_by"), "self");
    assert_string_equal(dstr(json_array_get(e, 1), "created_with"), id);
    assert_null(
        json_object_get(json_object_get(json_array_get(e, 2), "detail"), POLICY_AUDIT_MINTED));
    json_decref(doc);
    assert_int_equal(audit_count(f), before + 3); /* the chain still verifies */
}

/* Expects who's creation of role for org to be refused with want, leaving no token and no
 * audit entry. */
static void refused_create(struct fixture *f, const struct policy_principal *who, const char *org,
                           int role, int want)
{
    char tok[POLICY_TOKEN_LEN + 1];
    struct store_token *list = NULL;
    size_t n = 0, before_n = 0;
    struct rk_err err;
    int64_t before = audit_count(f);

    assert_int_equal(policy_token_list(f->t.s, &f->coord, NULL, &list, &before_n, &err), 0);
    store_tokens_free(list, before_n);
    rk_err_clear(&err);
    assert_int_equal(policy_token_create(f->t.s, who, "t", org, role, NULL, -1, tok, NULL, &err),
                     want);
    assert_string_equal(tok, "");
    assert_true(err.msg[0] != '\0');
    assert_int_equal(audit_count(f), before);
    assert_int_equal(policy_token_list(f->t.s, &f->coord, NULL, &list, &n, &err), 0);
    store_tokens_free(list, n);
    assert_int_equal(n, before_n);
}

static void members_create_only_their_own_up_to_their_role(void **state)
{
    struct fixture *f = *state;
    char tok[POLICY_TOKEN_LEN + 1];
    struct policy_principal contrib, reader, anon = {0};
    struct store_token made;
    struct rk_err err;

    assert_int_equal(policy_token_create(f->t.s, &f->bank, "t", "bank", STORE_ROLE_CONTRIBUTOR,
                                         NULL, -1, tok, &made, &err),
                     0);
    assert_string_equal(made.creator_org, f->bank_id);
    assert_string_equal(made.creator_token, f->bank.token_hash);
    assert_string_equal(policy_token_created_by(&made), "self");
    store_token_clear(&made);
    auth(f, tok, &contrib);
    assert_int_equal(policy_token_create(f->t.s, &contrib, "t", f->bank_id, STORE_ROLE_READER, NULL,
                                         STORE_ANON_ANONYMOUS, tok, NULL, &err),
                     0);
    auth(f, tok, &reader);

    refused_create(f, &contrib, "bank", STORE_ROLE_ANALYST, RK_E_FORBIDDEN); /* higher */
    refused_create(f, &f->bank, "bank", STORE_ROLE_COORDINATOR, RK_E_FORBIDDEN);
    refused_create(f, &reader, "bank", STORE_ROLE_READER, RK_E_FORBIDDEN);   /* a reader */
    refused_create(f, &f->bank, "power", STORE_ROLE_READER, RK_E_FORBIDDEN); /* another org */
    refused_create(f, &f->bank, f->power_id, STORE_ROLE_READER, RK_E_FORBIDDEN);
    refused_create(f, &f->bank, "no-such-org", STORE_ROLE_READER, RK_E_FORBIDDEN); /* not 404 */
    refused_create(f, &anon, "bank", STORE_ROLE_READER, RK_E_UNAUTH);
    refused_create(f, NULL, "bank", STORE_ROLE_READER, RK_E_UNAUTH);
    /* The coordinator may give any role to anyone; an unknown organisation is NOTFOUND. */
    refused_create(f, &f->coord, "no-such-org", STORE_ROLE_READER, RK_E_NOTFOUND);
    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "power", STORE_ROLE_COORDINATOR,
                                         NULL, -1, tok, NULL, &err),
                     0);
}

static void members_list_their_own_organisation_only(void **state)
{
    struct fixture *f = *state;
    char tok[POLICY_TOKEN_LEN + 1];
    struct policy_principal reader;
    struct store_token *list = NULL;
    size_t n = 0;
    struct rk_err err;

    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "power", STORE_ROLE_READER, NULL,
                                         -1, tok, NULL, &err),
                     0);
    assert_int_equal(policy_token_create(f->t.s, &f->bank, "t", "bank", STORE_ROLE_READER, "mine",
                                         -1, tok, NULL, &err),
                     0);
    auth(f, tok, &reader);
    /* Any role of the organisation sees the whole list, with who made each token. */
    assert_int_equal(policy_token_list(f->t.s, &reader, NULL, &list, &n, &err), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(list[i].org_id, f->bank_id);
        assert_string_equal(policy_token_created_by(&list[i]),
                            strcmp(list[i].label, "mine") == 0 ? "self" : "coordinator");
    }
    store_tokens_free(list, n);
    assert_int_equal(policy_token_list(f->t.s, &reader, "bank", &list, &n, &err), 0);
    store_tokens_free(list, n);
    assert_int_equal(n, 2);
    assert_int_equal(policy_token_list(f->t.s, &reader, "power", &list, &n, &err), RK_E_FORBIDDEN);
    assert_int_equal(policy_token_list(f->t.s, &reader, "no-such-org", &list, &n, &err),
                     RK_E_FORBIDDEN);
    assert_int_equal(policy_token_list(f->t.s, NULL, NULL, &list, &n, &err), RK_E_UNAUTH);
    assert_int_equal(policy_token_list(f->t.s, &f->coord, NULL, &list, &n, &err), 0);
    store_tokens_free(list, n);
    assert_int_equal(n, 4); /* init's, the onboarding token, power's, "mine" */
}

static void members_revoke_their_own_up_to_their_role(void **state)
{
    struct fixture *f = *state;
    char tok[POLICY_TOKEN_LEN + 1], power_tok[POLICY_TOKEN_LEN + 1];
    char id[POLICY_TOKEN_ID_LEN + 1];
    struct policy_principal contrib, reader;
    struct store_token gone;
    struct rk_err err;
    json_t *doc;

    assert_int_equal(policy_token_create(f->t.s, &f->bank, "t", "bank", STORE_ROLE_CONTRIBUTOR,
                                         NULL, -1, tok, NULL, &err),
                     0);
    auth(f, tok, &contrib);
    assert_int_equal(policy_token_create(f->t.s, &f->bank, "t", "bank", STORE_ROLE_READER, NULL, -1,
                                         tok, NULL, &err),
                     0);
    auth(f, tok, &reader);
    assert_int_equal(policy_token_create(f->t.s, &f->coord, "t", "power", STORE_ROLE_READER, NULL,
                                         -1, power_tok, NULL, &err),
                     0);

    /* A reader revokes nothing, not even itself. */
    assert_int_equal(policy_token_revoke(f->t.s, &reader, "t", tok, &gone, &err), RK_E_FORBIDDEN);
    /* Another organisation's token does not exist for a member. */
    id_of(power_tok, id);
    assert_int_equal(policy_token_revoke(f->t.s, &f->bank, "t", id, &gone, &err), RK_E_NOTFOUND);
    assert_int_equal(policy_token_revoke(f->t.s, &f->bank, "t", power_tok, &gone, &err),
                     RK_E_NOTFOUND);
    /* A contributor cannot revoke the analyst token above it. */
    id_of(f->onboard, id);
    assert_int_equal(policy_token_revoke(f->t.s, &contrib, "t", id, &gone, &err), RK_E_FORBIDDEN);

    /* The member rids itself of the coordinator's onboarding token with its own analyst
     * token: audited as its own revocation of a coordinator-minted token. */
    assert_int_equal(policy_token_create(f->t.s, &f->bank, "t", "bank", STORE_ROLE_ANALYST, NULL,
                                         -1, tok, NULL, &err),
                     0);
    struct policy_principal analyst;
    auth(f, tok, &analyst);
    int64_t before = audit_count(f);
    assert_int_equal(policy_token_revoke(f->t.s, &analyst, "api-tokens-revoke", id, &gone, &err),
                     0);
    store_token_clear(&gone);
    json_t *e = json_array_get(entries_after(f, before, &doc), 0);
    assert_string_equal(json_string_value(json_object_get(e, "action")), "token-revoke");
    assert_string_equal(json_string_value(json_object_get(e, "org_id")), f->bank_id);
    assert_string_equal(dstr(e, "token"), id);
    assert_string_equal(dstr(e, "org_id"), f->bank_id);
    assert_string_equal(dstr(e, "role"), "analyst");
    assert_string_equal(dstr(e, "created_by"), "coordinator");
    assert_string_equal(dstr(e, "revoked_by"), "self");
    json_decref(doc);
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "Bearer %s", f->onboard);
    assert_int_equal(policy_authenticate(f->t.s, hdr, &reader, &err), RK_E_UNAUTH);

    /* The coordinator revokes any organisation's token, and the entry says it did. */
    id_of(power_tok, id);
    before = audit_count(f);
    assert_int_equal(policy_token_revoke(f->t.s, &f->coord, "t", id, &gone, &err), 0);
    store_token_clear(&gone);
    e = json_array_get(entries_after(f, before, &doc), 0);
    assert_string_equal(dstr(e, "revoked_by"), "coordinator");
    assert_string_equal(dstr(e, "org_id"), f->power_id);
    json_decref(doc);
}

/* Runs sql on the database through a connection of its own, as an older renkei left it. */
static void raw(struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->t.path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Tokens from before creators were recorded: the coordinator's organisation made them all,
 * so a member's counts as minted for it, and the coordinator's own as its own. */
static void tokens_without_a_recorded_creator_count_as_the_coordinators(void **state)
{
    struct fixture *f = *state;
    char tok[POLICY_TOKEN_LEN + 1];
    struct policy_principal p;
    struct store_token *list = NULL;
    size_t n = 0;
    struct rk_err err;

    assert_int_equal(policy_token_create(f->t.s, &f->bank, "t", "bank", STORE_ROLE_READER, NULL, -1,
                                         tok, NULL, &err),
                     0);
    raw(f, "UPDATE tokens SET creator_org = '', creator_token = ''");
    auth(f, tok, &p);
    assert_string_equal(p.minted_by, f->coord.org_id);
    assert_int_equal(policy_token_list(f->t.s, &f->coord, NULL, &list, &n, &err), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(list[i].creator_org, f->coord.org_id);
        assert_string_equal(policy_token_created_by(&list[i]),
                            strcmp(list[i].org_id, f->coord.org_id) == 0 ? "self" : "coordinator");
    }
    store_tokens_free(list, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(coordinator_minted_token_is_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_made_with_minted_tokens_name_the_coordinator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(members_create_only_their_own_up_to_their_role, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(members_list_their_own_organisation_only, setup, teardown),
        cmocka_unit_test_setup_teardown(members_revoke_their_own_up_to_their_role, setup, teardown),
        cmocka_unit_test_setup_teardown(tokens_without_a_recorded_creator_count_as_the_coordinators,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
