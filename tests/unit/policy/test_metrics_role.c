/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_metrics_role.c: a token of the metrics role authenticates but is no member: it may
 * read the server's metrics and every member check of the policy refuses it (collections of
 * any audience, even public ones, posting, statuses, tokens); only the coordinator makes
 * such tokens. Also the ingest totals /metrics reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "policy_world.h"

static int setup(void **state)
{
    struct policy_world *w = calloc(1, sizeof(*w));
    if (world_open(w, "metrics-role") != 0)
        return -1;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct policy_world *w = *state;
    world_close(w);
    free(w);
    return 0;
}

/* A metrics token of organisation org made by the coordinator, authenticated. */
static struct policy_principal metrics_principal(struct policy_world *w, const char *org)
{
    char token[POLICY_TOKEN_LEN + 1];
    char header[POLICY_TOKEN_LEN + 16];
    struct policy_principal p;
    struct rk_err err;

    assert_int_equal(policy_token_create(w->store, &w->coord, "test", org, STORE_ROLE_METRICS,
                                         "prometheus", -1, token, NULL, &err),
                     0);
    snprintf(header, sizeof(header), "Bearer %s", token);
    assert_int_equal(policy_authenticate(w->store, header, &p, &err), 0);
    return p;
}

static void role_name_and_who_reads_metrics(void **state)
{
    struct policy_world *w = *state;
    struct policy_principal m = metrics_principal(w, "fin1");

    assert_int_equal(policy_role_parse("metrics"), STORE_ROLE_METRICS);
    assert_string_equal(policy_role_name(STORE_ROLE_METRICS), "metrics");
    assert_true(m.authenticated);
    assert_int_equal(m.role, STORE_ROLE_METRICS);
    assert_false(policy_is_member(&m));
    assert_true(policy_is_metrics_only(&m));
    assert_false(policy_is_coordinator(&m));
    assert_true(policy_may_read_metrics(&m));
    assert_true(policy_may_read_metrics(&w->coord));
    assert_false(policy_may_read_metrics(&w->fin1));
    assert_false(policy_may_read_metrics(&w->fin2));
    assert_false(policy_may_read_metrics(&w->anon));
    assert_false(policy_may_read_metrics(NULL));
    assert_true(policy_is_member(&w->fin1));
    assert_true(policy_is_member(&w->coord));
    assert_false(policy_is_member(&w->anon));
}

static void no_collection_of_any_audience(void **state)
{
    struct policy_world *w = *state;
    struct policy_principal m = metrics_principal(w, "fin1");
    const char *specs[] = {"public", "all", "sector:finance", "org:fin1"};
    struct store_collection c = {0};
    struct rk_err err;

    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        char title[32];
        snprintf(title, sizeof(title), "c%zu", i);
        assert_int_equal(
            policy_collection_add(w->store, title, NULL, NULL, specs[i], specs[i], &c, &err), 0);
        /* fin1 itself reads and writes each; its metrics token neither. */
        assert_true(policy_may_read_collection(&w->fin1, &c));
        assert_true(policy_may_write_collection(&w->fin1, &c));
        assert_false(policy_may_read_collection(&m, &c));
        assert_false(policy_may_write_collection(&m, &c));
        assert_false(policy_in_audience(&m, specs[i]));
        store_collection_clear(&c);
    }
}

static void posts_nothing(void **state)
{
    struct policy_world *w = *state;
    struct policy_principal m = metrics_principal(w, "fin1");
    struct store_collection c = {0};
    struct policy_ingest_item items[1];
    struct rk_err err;
    uint64_t acc0, ref0, acc1, ref1;

    assert_int_equal(policy_collection_add(w->store, "all", NULL, NULL, "all", "all", &c, &err), 0);
    json_t *objects =
        json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}]", "type", "indicator", "spec_version",
                  "2.1", "id", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created",
                  "2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z", "pattern",
                  "[ipv4-addr:value = '198.51.100.1']", "pattern_type", "stix", "valid_from",
                  "2024-01-01T00:00:00Z");
    policy_ingest_totals(&acc0, &ref0);
    assert_int_equal(policy_ingest(&w->hub, &m, &c, -1, objects, items, &err), RK_E_FORBIDDEN);
    policy_ingest_totals(&acc1, &ref1);
    assert_true(acc1 == acc0 && ref1 == ref0); /* a refused envelope counts in neither */

    /* fin1 itself posts it: one object accepted. */
    assert_int_equal(policy_ingest(&w->hub, &w->fin1, &c, -1, objects, items, &err), 0);
    assert_true(items[0].ok);
    policy_ingest_totals(&acc1, &ref1);
    assert_true(acc1 == acc0 + 1 && ref1 == ref0);
    json_decref(objects);
    store_collection_clear(&c);
}

static void manages_no_token_and_reads_no_status(void **state)
{
    struct policy_world *w = *state;
    struct policy_principal m = metrics_principal(w, "fin1");
    char token[POLICY_TOKEN_LEN + 1];
    struct store_token *list = NULL;
    struct store_status st;
    struct store_token revoked;
    size_t n = 0;
    struct rk_err err;

    /* Not even a reader token of its own organisation, nor a coordinator one. */
    assert_int_equal(policy_token_create(w->store, &m, "test", "fin1", STORE_ROLE_READER, NULL, -1,
                                         token, NULL, &err),
                     RK_E_FORBIDDEN);
    assert_int_equal(policy_token_create(w->store, &m, "test", "fin1", STORE_ROLE_COORDINATOR, NULL,
                                         -1, token, NULL, &err),
                     RK_E_FORBIDDEN);
    assert_int_equal(policy_token_list(w->store, &m, NULL, &list, &n, &err), RK_E_FORBIDDEN);
    assert_null(list);
    assert_int_equal(policy_token_revoke(w->store, &m, "test", m.token_hash, &revoked, &err),
                     RK_E_FORBIDDEN);
    assert_int_equal(
        policy_status_read(w->store, &m, "test", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", &st, &err),
        RK_E_NOTFOUND);

    /* A member makes no metrics token, even for its own organisation. */
    assert_int_equal(policy_token_create(w->store, &w->fin1, "test", "fin1", STORE_ROLE_METRICS,
                                         NULL, -1, token, NULL, &err),
                     RK_E_FORBIDDEN);
    /* The coordinator does (metrics_principal above), and an unknown role is still refused. */
    assert_int_equal(policy_token_create(w->store, &w->coord, "test", "fin1",
                                         STORE_ROLE_METRICS + 1, NULL, -1, token, NULL, &err),
                     RK_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(role_name_and_who_reads_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(no_collection_of_any_audience, setup, teardown),
        cmocka_unit_test_setup_teardown(posts_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(manages_no_token_and_reads_no_status, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
