/* SPDX-License-Identifier: Apache-2.0 */
/* test_entities.c: organisations, tokens, collections, status resources and settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_helpers.h"

static void add_org(struct store *s, const char *name, const char *sector, char id[RK_UUID_LEN])
{
    struct store_org o;
    struct rk_err err;
    memset(&o, 0, sizeof(o));
    rk_uuid_v4(o.id);
    o.name = (char *)name;
    o.sector = (char *)sector;
    o.identity_id = (char *)"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    o.anonymity = STORE_ANON_SECTOR;
    o.created = 1234;
    assert_int_equal(store_org_add(s, &o, &err), 0);
    memcpy(id, o.id, RK_UUID_LEN);
}

static void orgs(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char a[RK_UUID_LEN], b[RK_UUID_LEN];
    add_org(t->s, "Tokyo Power", "electric-power", a);
    add_org(t->s, "Bank A", "finance", b);

    struct store_org o;
    assert_int_equal(store_org_get(t->s, a, &o, &err), 0);
    assert_string_equal(o.name, "Tokyo Power");
    assert_string_equal(o.sector, "electric-power");
    assert_int_equal(o.anonymity, STORE_ANON_SECTOR);
    assert_int_equal(o.created, 1234);
    store_org_clear(&o);
    assert_null(o.name);
    assert_int_equal(store_org_get(t->s, "Bank A", &o, &err), 0);
    assert_string_equal(o.id, b);
    store_org_clear(&o);
    assert_int_equal(store_org_get(t->s, "nobody", &o, &err), RK_E_NOTFOUND);

    /* Names are unique. */
    struct store_org dup;
    memset(&dup, 0, sizeof(dup));
    rk_uuid_v4(dup.id);
    dup.name = (char *)"Bank A";
    dup.sector = (char *)"finance";
    dup.identity_id = (char *)"identity--x";
    assert_int_equal(store_org_add(t->s, &dup, &err), RK_E_EXISTS);
    assert_non_null(strstr(err.msg, "Bank A"));

    struct store_org *list = NULL;
    size_t n = 0;
    assert_int_equal(store_org_list(t->s, &list, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "Bank A"); /* by name */
    assert_string_equal(list[1].name, "Tokyo Power");
    store_orgs_free(list, n);
}

static void tokens(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char org[RK_UUID_LEN];
    add_org(t->s, "CSIRT", "coordination", org);
    struct store_token tk;
    memset(&tk, 0, sizeof(tk));
    memset(tk.hash, 'a', 64);
    memcpy(tk.org_id, org, RK_UUID_LEN);
    tk.role = STORE_ROLE_COORDINATOR;
    tk.label = (char *)"bootstrap";
    tk.created = 42;
    memcpy(tk.creator_org, org, RK_UUID_LEN);
    assert_int_equal(store_token_add(t->s, &tk, &err), 0);
    assert_int_equal(store_token_add(t->s, &tk, &err), RK_E_EXISTS);

    struct store_token got;
    assert_int_equal(store_token_get(t->s, tk.hash, &got, &err), 0);
    assert_string_equal(got.org_id, org);
    assert_int_equal(got.role, STORE_ROLE_COORDINATOR);
    assert_string_equal(got.label, "bootstrap");
    assert_int_equal(got.created, 42);
    assert_string_equal(got.creator_org, org);
    assert_string_equal(got.creator_token, ""); /* made without a token (a local command) */
    store_token_clear(&got);
    char other[65];
    memset(other, 'b', 64);
    other[64] = '\0';
    assert_int_equal(store_token_get(t->s, other, &got, &err), RK_E_NOTFOUND);

    /* A token must belong to an existing organisation. */
    memcpy(tk.hash, other, sizeof(other));
    rk_uuid_v4(tk.org_id);
    assert_int_equal(store_token_add(t->s, &tk, &err), RK_E_NOTFOUND);

    /* A second token of the organisation: listed with the first, by creation. */
    memcpy(tk.org_id, org, RK_UUID_LEN);
    tk.role = STORE_ROLE_READER;
    tk.label = (char *)"soc";
    tk.created = 43;
    memset(tk.creator_token, 'a', 64); /* made with the first token */
    assert_int_equal(store_token_add(t->s, &tk, &err), 0);
    struct store_token *list = NULL;
    size_t n = 0;
    assert_int_equal(store_token_list(t->s, &list, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].label, "bootstrap");
    assert_string_equal(list[1].label, "soc");
    assert_string_equal(list[1].hash, other);
    assert_int_equal(list[1].role, STORE_ROLE_READER);
    assert_string_equal(list[1].creator_org, org);
    assert_string_equal(list[1].creator_token, list[0].hash);
    store_tokens_free(list, n);

    /* Revocation: the token is gone, the other stays; a second removal finds nothing. */
    assert_int_equal(store_token_remove(t->s, other, &err), 0);
    assert_int_equal(store_token_get(t->s, other, &got, &err), RK_E_NOTFOUND);
    assert_int_equal(store_token_remove(t->s, other, &err), RK_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "no such token"));
    assert_int_equal(store_token_list(t->s, &list, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].label, "bootstrap");
    store_tokens_free(list, n);
}

static void collections(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_collection c;
    char ids[3][RK_UUID_LEN];
    const char *titles[] = {"Zeta", "Alpha", "Mid"};
    for (int i = 0; i < 3; i++) {
        memset(&c, 0, sizeof(c));
        rk_uuid_v4(c.id);
        memcpy(ids[i], c.id, RK_UUID_LEN);
        c.title = (char *)titles[i];
        c.description = i == 0 ? (char *)"first" : NULL;
        c.alias = (char *)"";
        c.read_spec = (char *)"all";
        c.write_spec = (char *)"sector:finance,gas";
        c.created = 100 + i;
        assert_int_equal(store_collection_add(t->s, &c, &err), 0);
    }
    assert_int_equal(store_collection_add(t->s, &c, &err), RK_E_EXISTS);
    struct store_collection got;
    assert_int_equal(store_collection_get(t->s, ids[0], &got, &err), 0);
    assert_string_equal(got.title, "Zeta");
    assert_string_equal(got.description, "first");
    assert_string_equal(got.write_spec, "sector:finance,gas");
    store_collection_clear(&got);
    assert_int_equal(store_collection_get(t->s, ids[1], &got, &err), 0);
    assert_string_equal(got.description, ""); /* NULL is stored as "" */
    store_collection_clear(&got);
    assert_int_equal(store_collection_get(t->s, "nope", &got, &err), RK_E_NOTFOUND);

    struct store_collection *list = NULL;
    size_t n = 0;
    assert_int_equal(store_collection_list(t->s, &list, &n, &err), 0);
    assert_int_equal(n, 3);
    for (int i = 0; i < 3; i++) /* creation order, not by title */
        assert_string_equal(list[i].id, ids[i]);
    store_collections_free(list, n);
}

static void status_and_settings(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_status st;
    memset(&st, 0, sizeof(st));
    rk_uuid_v4(st.id);
    rk_uuid_v4(st.org_id);
    st.json = (char *)"{\"status\":\"pending\"}";
    assert_int_equal(store_status_put(t->s, &st, &err), 0);
    st.json = (char *)"{\"status\":\"complete\"}";
    assert_int_equal(store_status_put(t->s, &st, &err), 0); /* rewritten */
    struct store_status got;
    assert_int_equal(store_status_get(t->s, st.id, &got, &err), 0);
    assert_string_equal(got.json, "{\"status\":\"complete\"}");
    assert_string_equal(got.org_id, st.org_id);
    store_status_clear(&got);
    assert_int_equal(store_status_get(t->s, "missing", &got, &err), RK_E_NOTFOUND);

    char *v = NULL;
    assert_int_equal(store_setting_get(t->s, "hub.title", &v, &err), RK_E_NOTFOUND);
    assert_null(v);
    assert_int_equal(store_setting_set(t->s, "hub.title", "renkei", &err), 0);
    assert_int_equal(store_setting_set(t->s, "hub.title", "連携 hub", &err), 0);
    assert_int_equal(store_setting_get(t->s, "hub.title", &v, &err), 0);
    assert_string_equal(v, "連携 hub");
    free(v);

    /* Everything survives closing and reopening. */
    store_close(t->s);
    tstore_open(t);
    assert_int_equal(store_setting_get(t->s, "hub.title", &v, &err), 0);
    assert_string_equal(v, "連携 hub");
    free(v);
    assert_int_equal(store_status_get(t->s, st.id, &got, &err), 0);
    store_status_clear(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(orgs, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(tokens, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(collections, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(status_and_settings, tstore_setup, tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
