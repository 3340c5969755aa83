/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_credit.c: the credit ledger over a real (temporary) SQLite store: points and counts
 * per kind, an organisation sees only its own credit, who used a contribution never
 * appears in the summary, and the organisation and sector counts follow k ("fewer than k"
 * below it, from the argument or from the policy document).
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
#include "policy/policy.h"

#define N_USERS 4

struct fixture {
    struct tstore t;                 /* temporary directory and store (test_store_helpers.h) */
    struct store_org source;         /* earns credit */
    struct store_org users[N_USERS]; /* use its contributions */
};

static const char *const user_sectors[N_USERS] = {"electric-power", "electric-power", "gas",
                                                  "medical"};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char token[POLICY_TOKEN_LEN + 1];
    char name[32];
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", token, &err) != 0)
        return -1;
    if (policy_org_add(f->t.s, "source-bank", "finance", STORE_ANON_NAMED, &f->source, &err) != 0)
        return -1;
    for (int i = 0; i < N_USERS; i++) {
        snprintf(name, sizeof(name), "user-%d", i);
        if (policy_org_add(f->t.s, name, user_sectors[i], STORE_ANON_NAMED, &f->users[i], &err) !=
            0)
            return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_org_clear(&f->source);
    for (int i = 0; i < N_USERS; i++)
        store_org_clear(&f->users[i]);
    tstore_remove(&f->t);
    free(f);
    return 0;
}

static struct store_credit event(const struct store_org *earner, const char *kind,
                                 const char *object_id, int points, const struct store_org *by)
{
    struct store_credit c = {0};

    c.org_id = (char *)earner->id;
    c.kind = (char *)kind;
    c.object_id = (char *)object_id;
    c.points = points;
    c.by_org = by != NULL ? (char *)by->id : (char *)"";
    c.by_sector = by != NULL ? by->sector : (char *)"";
    return c;
}

/* The source contributes 3 objects; users 0..3 sight or correlate them. */
static void record_usage(struct fixture *f)
{
    struct store_credit ev[] = {
        event(&f->source, "contribution", "indicator--1", POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "contribution", "indicator--2", POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "contribution", "incident--3", POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "sighting", "indicator--1", POLICY_CREDIT_SIGHTING, &f->users[0]),
        event(&f->source, "sighting", "indicator--1", POLICY_CREDIT_SIGHTING, &f->users[1]),
        event(&f->source, "correlation", "indicator--2", POLICY_CREDIT_CORRELATION, &f->users[2]),
        event(&f->source, "sighting", "indicator--2", POLICY_CREDIT_SIGHTING, &f->users[3]),
        event(&f->source, "sighting", "indicator--2", POLICY_CREDIT_SIGHTING, &f->users[3]),
        /* user 0's own contribution: not the source's credit */
        event(&f->users[0], "contribution", "indicator--9", POLICY_CREDIT_CONTRIBUTION,
              &f->users[0]),
    };
    struct rk_err err;

    assert_int_equal(policy_credit_record(f->t.s, ev, sizeof(ev) / sizeof(ev[0]), &err), 0);
}

/* The summary of org with k, as parsed JSON (the raw text goes to *raw if not NULL). */
static json_t *summary(struct fixture *f, const char *org, int k, char **raw)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *v;

    assert_int_equal(policy_credit_summary(f->t.s, org, k, &b, &err), 0);
    v = json_loads(b.data, 0, NULL);
    assert_non_null(v);
    if (raw != NULL)
        *raw = rk_buf_steal(&b);
    rk_buf_free(&b);
    return v;
}

static json_int_t num(const json_t *v, const char *key)
{
    const json_t *n = json_object_get(v, key);

    assert_true(json_is_integer(n));
    return json_integer_value(n);
}

static void counts_and_points(void **state)
{
    struct fixture *f = *state;
    json_t *v;

    record_usage(f);
    v = summary(f, f->source.id, 2, NULL);
    assert_string_equal(json_string_value(json_object_get(v, "org")), "source-bank");
    assert_int_equal(num(v, "contributions"), 3);
    assert_int_equal(num(v, "sightings_by_others"), 4);
    assert_int_equal(num(v, "correlations_by_others"), 1);
    assert_int_equal(num(v, "points"), 3 * 1 + 4 * 5 + 1 * 2);
    /* k = 2: 4 distinct organisations in 3 sectors are shown. */
    assert_int_equal(num(json_object_get(v, "used_by"), "organisations"), 4);
    assert_int_equal(num(json_object_get(v, "used_by"), "sectors"), 3);
    json_decref(v);

    /* By name too; and user 0 sees only its own contribution. */
    v = summary(f, "user-0", 2, NULL);
    assert_int_equal(num(v, "points"), 1);
    assert_int_equal(num(v, "contributions"), 1);
    assert_int_equal(num(v, "sightings_by_others"), 0);
    assert_int_equal(num(json_object_get(v, "used_by"), "organisations"), 0);
    json_decref(v);
}

/* Ingest writes one contribution event per envelope worth its objects; older ledgers have
 * one per object. Both count as objects, in the summary and in contribution_count. */
static void envelope_events_count_their_objects(void **state)
{
    struct fixture *f = *state;
    struct store_credit ev[] = {
        event(&f->source, "contribution", "indicator--1", POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "contribution", "indicator--2", 3 * POLICY_CREDIT_CONTRIBUTION,
              &f->source),
        event(&f->source, "correlation", "indicator--2", POLICY_CREDIT_CORRELATION, &f->users[0]),
    };
    struct rk_err err;
    int64_t n = 0;
    json_t *v;

    assert_int_equal(policy_credit_record(f->t.s, ev, 3, &err), 0);
    v = summary(f, f->source.id, 2, NULL);
    assert_int_equal(num(v, "contributions"), 4);
    assert_int_equal(num(v, "correlations_by_others"), 1);
    assert_int_equal(num(v, "points"), 4 * POLICY_CREDIT_CONTRIBUTION + POLICY_CREDIT_CORRELATION);
    json_decref(v);
    assert_int_equal(store_contribution_count(f->t.s, f->source.id, &n, &err), 0);
    assert_int_equal(n, 4);
}

static void summary_hides_who_and_applies_k(void **state)
{
    struct fixture *f = *state;
    char *raw = NULL;
    json_t *v;

    record_usage(f);
    /* k = 5 > 4 users: neither count is shown. */
    v = summary(f, f->source.id, 5, &raw);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "used_by"), "organisations")),
        "fewer than k");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "used_by"), "sectors")),
        "fewer than k");
    /* The totals of the source's own standing stay. */
    assert_int_equal(num(v, "sightings_by_others"), 4);
    /* Never who: no id, name or sector of a user anywhere in the text. */
    for (int i = 0; i < N_USERS; i++) {
        assert_null(strstr(raw, f->users[i].id));
        assert_null(strstr(raw, f->users[i].name));
        assert_null(strstr(raw, f->users[i].sector));
    }
    free(raw);
    json_decref(v);

    /* k = 4: exactly k organisations are shown, but their 3 sectors are fewer than k. */
    v = summary(f, f->source.id, 4, NULL);
    assert_int_equal(num(json_object_get(v, "used_by"), "organisations"), 4);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "used_by"), "sectors")),
        "fewer than k");
    json_decref(v);
}

static void k_comes_from_the_policy(void **state)
{
    struct fixture *f = *state;
    struct policy_principal coord;
    struct rk_err err;
    json_t *v;

    record_usage(f);
    v = summary(f, f->source.id, 0, NULL); /* default k = 5 */
    assert_true(json_is_string(json_object_get(json_object_get(v, "used_by"), "organisations")));
    json_decref(v);
    assert_int_equal(policy_coordinator_principal(f->t.s, &coord, &err), 0);
    assert_int_equal(policy_doc_update(f->t.s, &coord, "t", "{\"sector_k\": 3}", &err), 0);
    v = summary(f, f->source.id, 0, NULL);
    assert_int_equal(num(json_object_get(v, "used_by"), "organisations"), 4);
    json_decref(v);
}

static void bad_events_and_orgs(void **state)
{
    struct fixture *f = *state;
    struct store_credit bad = event(&f->source, "gift", "indicator--1", 100, NULL);
    struct store_credit none = event(&f->source, "sighting", "indicator--1", 5, NULL);
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *v;

    assert_int_equal(policy_credit_record(f->t.s, &bad, 1, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "gift"));
    none.org_id = (char *)"";
    assert_int_equal(policy_credit_record(f->t.s, &none, 1, &err), RK_E_INVALID);
    assert_int_equal(policy_credit_record(f->t.s, NULL, 0, &err), 0);
    assert_int_equal(policy_credit_summary(f->t.s, "nobody", 5, &b, &err), RK_E_NOTFOUND);
    assert_int_equal(b.len, 0);
    /* Nothing was recorded by the refused calls. */
    v = summary(f, f->source.id, 5, NULL);
    assert_int_equal(num(v, "points"), 0);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_and_points, setup, teardown),
        cmocka_unit_test_setup_teardown(envelope_events_count_their_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(summary_hides_who_and_applies_k, setup, teardown),
        cmocka_unit_test_setup_teardown(k_comes_from_the_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_events_and_orgs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
