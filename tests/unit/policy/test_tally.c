/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tally.c: the k rule for aggregates (policy_tally_json) over a real (temporary) SQLite
 * store: organisations are counted once each and shown only when none or at least k; the
 * sectors are counted and named only then; a sector with fewer than k members (disabled ones
 * not counted) is never named; k comes from the argument or the policy document; no
 * organisation id ever appears.
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
#include "policy/policy.h"

#define N_FIN 3 /* members of finance; telecom has 1 */

struct fixture {
    struct tstore t;
    struct rk_hub hub;
    struct store_org fin[N_FIN];
    struct store_org tel;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char token[POLICY_TOKEN_LEN + 1];
    char name[32];
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", token, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0)
        return -1;
    for (int i = 0; i < N_FIN; i++) {
        snprintf(name, sizeof(name), "bank-%d", i);
        if (policy_org_add(f->t.s, name, "finance", STORE_ANON_NAMED, &f->fin[i], &err) != 0)
            return -1;
    }
    if (policy_org_add(f->t.s, "telco", "information-communication", STORE_ANON_NAMED, &f->tel,
                       &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < N_FIN; i++)
        store_org_clear(&f->fin[i]);
    store_org_clear(&f->tel);
    tstore_remove(&f->t);
    free(f);
    return 0;
}

static json_t *shown(struct fixture *f, const struct policy_tally *t, int k)
{
    struct rk_err err;
    json_t *v = NULL;
    assert_int_equal(policy_tally_json(&f->hub, t, k, &v, &err), 0);
    assert_non_null(v);
    char *text = json_dumps(v, 0);
    for (int i = 0; i < N_FIN; i++) /* never an organisation's id or name */
        assert_null(strstr(text, f->fin[i].id)), assert_null(strstr(text, f->fin[i].name));
    assert_null(strstr(text, f->tel.id));
    free(text);
    return v;
}

static void counts_once_and_names_big_sectors_only(void **state)
{
    struct fixture *f = *state;
    struct policy_tally t;
    memset(&t, 0, sizeof(t));
    for (int i = 0; i < N_FIN; i++) {
        policy_tally_add(&t, f->fin[i].id, "finance");
        policy_tally_add(&t, f->fin[i].id, "finance"); /* twice: counted once */
    }
    policy_tally_add(&t, f->tel.id, "information-communication");
    assert_int_equal(policy_tally_orgs(&t), 4);

    json_t *v = shown(f, &t, 3); /* 4 >= 3: shown; finance has 3 members, telecom 1 */
    assert_int_equal(json_integer_value(json_object_get(v, "organisations")), 4);
    assert_int_equal(json_integer_value(json_object_get(v, "sectors")), 2);
    json_t *names = json_object_get(v, "sector_names");
    assert_int_equal(json_array_size(names), 1);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "finance");
    json_decref(v);

    v = shown(f, &t, 5); /* 4 < 5: nothing but "fewer than k" */
    assert_string_equal(json_string_value(json_object_get(v, "organisations")), "fewer than k");
    assert_string_equal(json_string_value(json_object_get(v, "sectors")), "fewer than k");
    assert_int_equal(json_array_size(json_object_get(v, "sector_names")), 0);
    json_decref(v);
    policy_tally_clear(&t);
}

static void disabled_members_do_not_make_a_sector_big(void **state)
{
    struct fixture *f = *state;
    struct policy_principal coord;
    struct policy_tally t;
    struct store_org o;
    struct rk_err err;

    memset(&t, 0, sizeof(t));
    memset(&o, 0, sizeof(o));
    policy_tally_add(&t, f->fin[0].id, "finance");
    policy_tally_add(&t, f->tel.id, "information-communication");
    assert_int_equal(policy_coordinator_principal(f->t.s, &coord, &err), 0);
    assert_int_equal(policy_org_disable(f->t.s, &coord, "t", f->fin[2].name, &o, NULL, NULL, &err),
                     0);
    json_t *v = shown(f, &t, 2); /* finance has 2 members left: still named at k = 2 */
    assert_int_equal(json_array_size(json_object_get(v, "sector_names")), 1);
    json_decref(v);
    store_org_clear(&o);
    assert_int_equal(policy_org_disable(f->t.s, &coord, "t", f->fin[1].name, &o, NULL, NULL, &err),
                     0);
    v = shown(f, &t, 2); /* 1 member left: never named */
    assert_int_equal(json_integer_value(json_object_get(v, "organisations")), 2);
    assert_int_equal(json_array_size(json_object_get(v, "sector_names")), 0);
    json_decref(v);
    store_org_clear(&o);
    policy_tally_clear(&t);
}

static void k_comes_from_the_policy(void **state)
{
    struct fixture *f = *state;
    struct policy_principal coord;
    struct policy_tally t;
    struct rk_err err;

    memset(&t, 0, sizeof(t));
    for (int i = 0; i < N_FIN; i++)
        policy_tally_add(&t, f->fin[i].id, "finance");
    json_t *v = shown(f, &t, 0); /* default k = 5 */
    assert_string_equal(json_string_value(json_object_get(v, "organisations")), "fewer than k");
    json_decref(v);
    assert_int_equal(policy_coordinator_principal(f->t.s, &coord, &err), 0);
    assert_int_equal(policy_doc_update(f->t.s, &coord, "t", "{\"sector_k\": 3}", &err), 0);
    v = shown(f, &t, 0);
    assert_int_equal(json_integer_value(json_object_get(v, "organisations")), 3);
    assert_int_equal(json_array_size(json_object_get(v, "sector_names")), 1);
    json_decref(v);
    policy_tally_clear(&t);

    memset(&t, 0, sizeof(t)); /* nothing counted: 0 is shown, it singles nobody out */
    v = shown(f, &t, 0);
    assert_int_equal(json_integer_value(json_object_get(v, "organisations")), 0);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_once_and_names_big_sectors_only, setup, teardown),
        cmocka_unit_test_setup_teardown(disabled_members_do_not_make_a_sector_big, setup, teardown),
        cmocka_unit_test_setup_teardown(k_comes_from_the_policy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
