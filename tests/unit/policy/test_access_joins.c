/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_access_joins.c: what join checks cost a read, counted in store lookups (the
 * store's find_object, wrapped here), not in time: sightings whose joins cycle over more
 * ids than any small cache holds cost one lookup per distinct id per request; an id that
 * is not stored is looked up once too; a row stored before the joins cap with more joins
 * than it allows costs no lookup and is shown to its source only.
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

#include "policy/policy.h"
#include "policy_world.h"

/* The store's find_object, counted. */
static const struct store_ops *real_ops;
static struct store_ops counting_ops;
static size_t n_finds;

static int counting_find(struct store *s, const char *id, store_row_fn fn, void *ctx,
                         struct rk_err *err)
{
    n_finds++;
    return real_ops->find_object(s, id, fn, ctx, err);
}

struct fixture {
    struct policy_world w;       /* store, hub, requesters (policy_world.h) */
    struct store_collection all; /* read "all" */
    int n;                       /* ids made so far */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;

    if (world_open(&f->w, "access-joins") != 0)
        return -1;
    if (policy_collection_add(f->w.store, "All", "", "all", "all", "all", &f->all, &err) != 0)
        return -1;
    real_ops = f->w.store->ops;
    counting_ops = *real_ops;
    counting_ops.find_object = counting_find;
    f->w.store->ops = &counting_ops;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    f->w.store->ops = real_ops;
    store_collection_clear(&f->all);
    world_close(&f->w);
    free(f);
    return 0;
}

/* A fresh id of type into out. */
static const char *new_id(struct fixture *f, const char *type, char out[80])
{
    snprintf(out, 80, "%s--%08x-2222-4222-8222-222222222222", type, (unsigned)++f->n);
    return out;
}

/* Stores one GREEN version of id posted by source, joining joins (as ingest would, or as
 * a hub before the joins cap stored it). */
static void put(struct fixture *f, const char *id, const struct policy_principal *source,
                const char *joins)
{
    char json[256], type[64];
    struct store_put p;
    struct rk_err err;

    snprintf(type, sizeof(type), "%.*s", (int)(strstr(id, "--") - id), id);
    snprintf(json, sizeof(json),
             "{\"created\":\"2024-01-01T00:00:00.000Z\",\"id\":\"%s\",\"modified\":"
             "\"2024-01-01T00:00:00.000Z\",\"spec_version\":\"2.1\",\"type\":\"%s\"}",
             id, type);
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = type;
    p.spec_version = "2.1";
    assert_int_equal(rk_time_parse("2024-01-01T00:00:00.000Z", &p.version), 0);
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = POLICY_TLP_GREEN;
    p.access.source_org = source->org_id;
    p.access.source_sector = source->sector;
    p.access.joins = joins;
    p.access.rule = "test";
    assert_int_equal(store_put_objects(f->w.store, f->all.id, &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
}

static int count_row(void *ctx, const struct store_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

/* The rows of type who sees in one request; *finds gets the lookups it made. */
static size_t read_type(struct fixture *f, const struct policy_principal *who, const char *type,
                        size_t *finds)
{
    struct policy_access_ctx ax;
    struct store_query q;
    struct store_page page;
    struct rk_err err;
    const char *types[1] = {type};
    size_t n = 0;

    assert_int_equal(policy_access_init(&ax, &f->w.hub, who, &f->all, "test-read", &err), 0);
    memset(&q, 0, sizeof(q));
    q.collection_id = f->all.id;
    q.added_after = -1;
    q.limit = 1000;
    q.types = types;
    q.n_types = 1;
    n_finds = 0;
    if (policy_query(&ax, &q, count_row, &n, &page, &err) != 0)
        fail_msg("policy_query: %s", err.msg);
    *finds = n_finds;
    assert_int_equal(ax.join_lookups, n_finds);
    policy_access_clear(&ax);
    return n;
}

/* joins: the indicator, then n entries cycling over the first k of ids. */
static char *cycling(const char *indicator, char (*ids)[80], size_t k, size_t n)
{
    struct rk_buf b = RK_BUF_INIT;

    rk_buf_puts(&b, indicator);
    for (size_t i = 0; i < n; i++) {
        rk_buf_putc(&b, ' ');
        rk_buf_puts(&b, ids[i % k]);
    }
    return rk_buf_steal(&b);
}

/* Sightings whose joins cycle over 40 identities (more than the ring of recent rows holds)
 * and one id that is not stored: each distinct id is looked up once per request, however
 * many rows and entries repeat it. */
static void cycling_joins_looked_up_once(void **state)
{
    struct fixture *f = *state;
    char ids[41][80], ind[80], sid[80];
    char *joins, *ghost_joins;
    size_t finds = 0;

    new_id(f, "indicator", ind);
    put(f, ind, &f->w.fin1, "");
    for (int i = 0; i < 40; i++)
        put(f, new_id(f, "identity", ids[i]), &f->w.fin1, "");
    new_id(f, "location", ids[40]); /* never stored */
    joins = cycling(ind, ids, 40, POLICY_JOINS_MAX - 1);
    for (int i = 0; i < 3; i++)
        put(f, new_id(f, "sighting", sid), &f->w.fin1, joins);
    ghost_joins = cycling(ind, ids, 41, 41);
    put(f, new_id(f, "sighting", sid), &f->w.fin1, ghost_joins);
    put(f, new_id(f, "sighting", sid), &f->w.fin1, ghost_joins);

    /* Three visible sightings; the two that join the unstored location are not. */
    assert_int_equal(read_type(f, &f->w.fin2, "sighting", &finds), 3);
    assert_int_equal(finds, 42); /* the indicator, 40 identities, the location */
    assert_int_equal(read_type(f, &f->w.rail, "sighting", &finds), 3);
    assert_int_equal(finds, 42);
    free(joins);
    free(ghost_joins);
}

/* A row stored before the cap, joining more ids than POLICY_JOINS_MAX: no lookup for anyone,
 * and only its source sees it (so that it can delete it). */
static void row_over_the_cap_is_its_sources(void **state)
{
    struct fixture *f = *state;
    char ids[POLICY_JOINS_MAX + 1][80], ind[80], sid[80];
    char *joins;
    size_t finds = 0;

    new_id(f, "indicator", ind);
    put(f, ind, &f->w.fin1, "");
    for (int i = 0; i < POLICY_JOINS_MAX + 1; i++)
        put(f, new_id(f, "identity", ids[i]), &f->w.fin1, "");
    joins = cycling(ind, ids, POLICY_JOINS_MAX, 20 * POLICY_JOINS_MAX);
    put(f, new_id(f, "sighting", sid), &f->w.fin1, joins);
    assert_int_equal(read_type(f, &f->w.fin2, "sighting", &finds), 0);
    assert_int_equal(finds, 0);
    assert_int_equal(read_type(f, &f->w.coord, "sighting", &finds), 0);
    assert_int_equal(finds, 0);
    assert_int_equal(read_type(f, &f->w.fin1, "sighting", &finds), 1);
    assert_int_equal(finds, 0);
    free(joins);
    /* At the cap it is checked as any other row. */
    joins = cycling(ind, ids, POLICY_JOINS_MAX - 1, POLICY_JOINS_MAX - 1);
    put(f, new_id(f, "sighting", sid), &f->w.fin1, joins);
    assert_int_equal(read_type(f, &f->w.fin2, "sighting", &finds), 1);
    assert_int_equal(finds, POLICY_JOINS_MAX);
    free(joins);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cycling_joins_looked_up_once, setup, teardown),
        cmocka_unit_test_setup_teardown(row_over_the_cap_is_its_sources, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
