/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_idset.c: the writer's set of stored ids (sqlite_idset.c). A put of an id the hub has
 * never held skips its version probe and says so (id_unseen); the set must never miss an id
 * that is stored, even one another connection (another process) stored, or versions would be
 * flagged wrongly and duplicates or conflicts missed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"

#define COLL  "0b5c4e7a-3f1e-4f39-9a63-0d6b5f1c2a11"
#define COLL2 "7d9e2f10-55aa-4c3b-8e21-6f0a9b3c4d22"
#define ID1   "indicator--11111111-1111-4111-8111-111111111111"
#define ID2   "indicator--22222222-2222-4222-8222-222222222222"

/* Versions of id in coll whose store flags say first (version_sel FIRST) or last. */
static int count_rows(void *ctx, const struct store_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t count_sel(struct store *s, const char *coll, const char *id, unsigned sel)
{
    const char *ids[1] = {id};
    struct store_query q = {.collection_id = coll,
                            .added_after = -1,
                            .limit = 100,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = sel};
    struct store_page page;
    struct rk_err err;
    size_t n = 0;
    assert_int_equal(store_query(s, &q, NULL, NULL, count_rows, &n, &page, &err), 0);
    return n;
}

static unsigned builds(struct store *s)
{
    return ((struct store_sqlite *)s)->idset.builds;
}

static void unseen_then_seen(void **state)
{
    struct tstore *t = *state;
    char b[4][256];
    struct store_put p[3];
    p[0] = tput(ID1, 1000, "a", b[0], sizeof(b[0]));
    p[1] = tput(ID1, 2000, "b", b[1], sizeof(b[1])); /* same new id twice in one call */
    p[2] = tput(ID2, 1000, "c", b[2], sizeof(b[2]));
    tstore_put_ok(t->s, COLL, p, 3);
    assert_int_equal(p[0].result, STORE_PUT_NEW);
    assert_true(p[0].id_unseen);
    assert_int_equal(p[1].result, STORE_PUT_NEW);
    assert_false(p[1].id_unseen); /* the first put of the call holds it now */
    assert_true(p[2].id_unseen);
    /* The second version was probed: one first and one last version. */
    assert_int_equal(count_sel(t->s, COLL, ID1, STORE_VERSION_FIRST), 1);
    assert_int_equal(count_sel(t->s, COLL, ID1, STORE_VERSION_LAST), 1);

    /* A duplicate and a new version are not unseen; neither is the id in another
     * collection (another organisation may have it there). */
    struct store_put q[2];
    q[0] = tput(ID1, 1000, "a", b[0], sizeof(b[0]));
    q[1] = tput(ID1, 3000, "d", b[1], sizeof(b[1]));
    tstore_put_ok(t->s, COLL, q, 2);
    assert_int_equal(q[0].result, STORE_PUT_DUP);
    assert_false(q[0].id_unseen);
    assert_int_equal(q[1].result, STORE_PUT_NEW);
    assert_false(q[1].id_unseen);
    struct store_put o = tput(ID2, 1000, "x", b[3], sizeof(b[3]));
    tstore_put_ok(t->s, COLL2, &o, 1);
    assert_int_equal(o.result, STORE_PUT_NEW);
    assert_false(o.id_unseen);
    /* Built once, on the first put; the store's own commits keep it current. */
    assert_int_equal(builds(t->s), 1);
}

/* Another connection (as another process would) stores an id: the set must learn of it
 * before the next put, or that put would take an existing id for a new one. */
static void other_connection_rebuilds(void **state)
{
    struct tstore *t = *state;
    char b[3][256];
    struct store_put p = tput(ID2, 1000, "a", b[0], sizeof(b[0]));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_int_equal(builds(t->s), 1);

    struct store *other = NULL;
    struct rk_err err;
    assert_int_equal(store_open(t->location, &other, &err), 0);
    struct store_put o = tput(ID1, 1000, "o", b[1], sizeof(b[1]));
    tstore_put_ok(other, COLL, &o, 1);
    assert_int_equal(o.result, STORE_PUT_NEW);
    store_close(other);

    /* The same id and version with another body: a conflict, not a second row. */
    struct store_put c = tput(ID1, 1000, "different", b[2], sizeof(b[2]));
    tstore_put_ok(t->s, COLL, &c, 1);
    assert_int_equal(c.result, STORE_PUT_CONFLICT);
    assert_false(c.id_unseen);
    assert_int_equal(builds(t->s), 2);
    /* And a newer version moves the last flag rather than making two last versions. */
    struct store_put n = tput(ID1, 2000, "newer", b[2], sizeof(b[2]));
    tstore_put_ok(t->s, COLL, &n, 1);
    assert_int_equal(n.result, STORE_PUT_NEW);
    assert_int_equal(count_sel(t->s, COLL, ID1, STORE_VERSION_LAST), 1);
    assert_int_equal(count_sel(t->s, COLL, ID1, STORE_VERSION_FIRST), 1);
}

/* Deleted ids stay in the set (it may hold too much): a later put probes and is right. */
static void deleted_id_probes(void **state)
{
    struct tstore *t = *state;
    char b[2][256];
    struct store_put p = tput(ID1, 1000, "a", b[0], sizeof(b[0]));
    tstore_put_ok(t->s, COLL, &p, 1);
    const char *ids[1] = {ID1};
    struct store_query q = {.collection_id = COLL,
                            .added_after = -1,
                            .limit = 10,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = STORE_VERSION_ALL};
    size_t deleted = 0;
    struct rk_err err;
    assert_int_equal(store_delete_object(t->s, &q, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    struct store_put again = tput(ID1, 1000, "b", b[1], sizeof(b[1]));
    tstore_put_ok(t->s, COLL, &again, 1);
    assert_int_equal(again.result, STORE_PUT_NEW);
    assert_false(again.id_unseen);
    assert_int_equal(count_sel(t->s, COLL, ID1, STORE_VERSION_LAST), 1);
}

/* Many ids: the table grows past its first size and still knows every one. */
static void grows(void **state)
{
    struct tstore *t = *state;
    enum { N = 10000 };
    static char ids[N][64], bodies[N][160];
    static struct store_put p[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-%012d", i);
        p[i] = tput(ids[i], 1000, "x", bodies[i], sizeof(bodies[i]));
    }
    tstore_put_ok(t->s, COLL, p, N);
    for (int i = 0; i < N; i++)
        assert_true(p[i].id_unseen);
    struct store_sq_idset *set = &((struct store_sqlite *)t->s)->idset;
    assert_true(set->valid);
    assert_true(set->cap >= N);
    for (int i = 0; i < N; i++)
        assert_false(store_sq_idset_unseen(set, store_sq_id_hash(ids[i])));
    /* All again: every one a duplicate, none unseen. */
    for (int i = 0; i < N; i++)
        p[i] = tput(ids[i], 1000, "x", bodies[i], sizeof(bodies[i]));
    tstore_put_ok(t->s, COLL, p, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(p[i].result, STORE_PUT_DUP);
        assert_false(p[i].id_unseen);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unseen_then_seen, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(other_connection_rebuilds, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(deleted_id_probes, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(grows, tstore_setup, tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
