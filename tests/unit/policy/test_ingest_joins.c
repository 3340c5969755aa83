/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ingest_joins.c: what ingest stores as the joins of a relationship or sighting, over a
 * real (temporary) SQLite store: each joined id once, in the order met, however often the
 * object repeats it; a sighting joining POLICY_JOINS_MAX distinct ids is stored and one more
 * is refused with a message naming the property and the cap, while the object beside it in
 * the envelope is stored; the cap counts what is left after anonymisation.
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

#define TS "2024-01-01T00:00:00.000Z"

struct fixture {
    struct tstore t; /* temporary directory and store (test_store_helpers.h) */
    struct rk_hub hub;
    struct store_collection coll;
    struct store_org named, hidden; /* posting in named and in anonymous mode */
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
        policy_org_add(f->t.s, "named", "electric-power", STORE_ANON_NAMED, &f->named, &err) != 0 ||
        policy_org_add(f->t.s, "hidden", "finance", STORE_ANON_ANONYMOUS, &f->hidden, &err) != 0 ||
        policy_collection_add(f->t.s, "Feeds", NULL, NULL, "all", "all", &f->coll, &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    /* Enough writers (k = 5) for an anonymous post to hide among. */
    for (int i = 0; i < 3; i++) {
        struct store_org o;
        char name[32];
        memset(&o, 0, sizeof(o));
        snprintf(name, sizeof(name), "member-%d", i);
        if (policy_org_add(f->t.s, name, "gas", STORE_ANON_NAMED, &o, &err) != 0) {
            fprintf(stderr, "setup: %s\n", err.msg);
            return -1;
        }
        store_org_clear(&o);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tstore_remove(&f->t);
    store_org_clear(&f->named);
    store_org_clear(&f->hidden);
    store_collection_clear(&f->coll);
    free(f);
    return 0;
}

/* Ingests the objects of env (consumed) as o into the collection; items gets n entries. */
static void post(struct fixture *f, const struct store_org *o, json_t *env,
                 struct policy_ingest_item *items)
{
    struct policy_principal who;
    struct rk_err err;

    memset(&who, 0, sizeof(who));
    who.authenticated = true;
    snprintf(who.org_id, sizeof(who.org_id), "%s", o->id);
    snprintf(who.org_name, sizeof(who.org_name), "%s", o->name);
    snprintf(who.sector, sizeof(who.sector), "%s", o->sector);
    who.role = STORE_ROLE_CONTRIBUTOR;
    who.token_anonymity = -1;
    rk_err_clear(&err);
    if (policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err) != 0)
        fail_msg("ingest: %s", err.msg);
    json_decref(env);
}

/* The id "<type>--000000nn-1111-4111-8111-111111111111" into out. */
static const char *id_of(char out[80], const char *type, unsigned n)
{
    snprintf(out, 80, "%s--%08x-1111-4111-8111-111111111111", type, n);
    return out;
}

/* A sighting id_n of indicator 1 whose where_sighted_refs are n_refs entries cycling over
 * n_distinct identities. */
static json_t *sighting(unsigned id_n, size_t n_refs, size_t n_distinct)
{
    char id[80];
    json_t *refs = json_array();
    json_t *o;

    for (size_t i = 0; i < n_refs; i++)
        json_array_append_new(refs, json_string(id_of(id, "identity", 1000 + i % n_distinct)));
    o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "sighting", "spec_version", "2.1", "created",
                  TS, "modified", TS, "id", id_of(id, "sighting", id_n));
    json_object_set_new(o, "sighting_of_ref", json_string(id_of(id, "indicator", 1)));
    json_object_set_new(o, "where_sighted_refs", refs);
    return o;
}

/* The joins column of the stored row of id into out ("" when none; false if not stored). */
struct got_joins {
    char *joins;
    bool found;
};
static int joins_row(void *ctx, const struct store_row *row)
{
    struct got_joins *g = ctx;
    free(g->joins);
    g->joins = rk_strdup(row->access.joins != NULL ? row->access.joins : "");
    g->found = true;
    return 0;
}
static char *stored_joins(struct fixture *f, const char *id)
{
    struct got_joins g = {NULL, false};
    struct rk_err err;
    assert_int_equal(store_find_object(f->t.s, id, joins_row, &g, &err), 0);
    return g.joins;
}

/* The expected joins: indicator 1, then identities 1000 .. 1000 + n - 1. */
static char *expected_joins(size_t n)
{
    struct rk_buf b = RK_BUF_INIT;
    char id[80];

    rk_buf_puts(&b, id_of(id, "indicator", 1));
    for (size_t i = 0; i < n; i++) {
        rk_buf_putc(&b, ' ');
        rk_buf_puts(&b, id_of(id, "identity", 1000 + (unsigned)i));
    }
    return rk_buf_steal(&b);
}

static void repeated_refs_stored_once(void **state)
{
    struct fixture *f = *state;
    struct policy_ingest_item items[2];
    char id[80], rel[80];
    char *want = expected_joins(40);
    char *got;
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "relationship",
                          "spec_version", "2.1", "created", TS, "modified", TS, "id",
                          id_of(rel, "relationship", 1), "relationship_type", "related-to",
                          "source_ref", id_of(id, "indicator", 1), "target_ref", id);

    /* STIX_REFS_MAX entries cycling over 40 identities: 41 joins, each once. */
    post(f, &f->named, json_pack("[o, o]", sighting(1, STIX_REFS_MAX, 40), r), items);
    assert_true(items[0].ok);
    assert_true(items[1].ok);
    got = stored_joins(f, id_of(id, "sighting", 1));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    /* A relationship from an object to itself joins it once. */
    got = stored_joins(f, rel);
    assert_string_equal(got, id_of(id, "indicator", 1));
    free(got);
    free(want);
}

static void distinct_joins_capped(void **state)
{
    struct fixture *f = *state;
    struct policy_ingest_item items[2];
    char id[80], want_msg[512];
    char *want = expected_joins(POLICY_JOINS_MAX - 1);
    char *got;

    /* sighting_of_ref and POLICY_JOINS_MAX - 1 identities: at the cap, stored. */
    post(f, &f->named, json_pack("[o]", sighting(2, POLICY_JOINS_MAX - 1, POLICY_JOINS_MAX - 1)),
         items);
    assert_true(items[0].ok);
    got = stored_joins(f, id_of(id, "sighting", 2));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    /* One more: refused, naming the property and the cap; the sighting beside it stays. */
    post(
        f, &f->named,
        json_pack("[o, o]", sighting(3, 3 * POLICY_JOINS_MAX, POLICY_JOINS_MAX), sighting(4, 5, 5)),
        items);
    assert_false(items[0].ok);
    snprintf(want_msg, sizeof(want_msg),
             "refused: property 'where_sighted_refs': with it the sighting joins %d distinct "
             "ids; the hub accepts at most %d per object (sighting_of_ref, observed_data_refs "
             "and where_sighted_refs together)",
             POLICY_JOINS_MAX + 1, POLICY_JOINS_MAX);
    assert_string_equal(items[0].message, want_msg);
    assert_string_equal(items[0].id, id_of(id, "sighting", 3));
    assert_null(stored_joins(f, id));
    assert_true(items[1].ok);
    got = stored_joins(f, id_of(id, "sighting", 4));
    assert_non_null(got);
    free(got);
    free(want);
}

/* In anonymous mode where_sighted_refs becomes the hub identity whatever it held: the cap
 * counts the joins that are stored. */
static void cap_counts_after_anonymisation(void **state)
{
    struct fixture *f = *state;
    struct policy_ingest_item items[1];
    char id[80], want[400];
    char *got;

    post(f, &f->hidden, json_pack("[o]", sighting(5, 2 * POLICY_JOINS_MAX, 2 * POLICY_JOINS_MAX)),
         items);
    assert_true(items[0].ok);
    got = stored_joins(f, id_of(id, "sighting", 5));
    assert_non_null(got);
    snprintf(want, sizeof(want), "%s %s", id_of(id, "indicator", 1), f->hub.identity_id);
    assert_string_equal(got, want);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(repeated_refs_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(distinct_joins_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(cap_counts_after_anonymisation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
