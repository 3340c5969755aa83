/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_objects.c: object versions, for any backend: new/duplicate/conflict, date_added
 * ordering, version selection, paging with added_after from every cursor, filters,
 * deletion, nested queries and reopening. How the SQLite backend lays them out is checked in
 * sqlite/test_sqlite_objects.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "objects_check.h"

static void new_dup_conflict(void **state)
{
    struct tstore *t = *state;
    char b[4][256];
    struct store_put p[4];
    p[0] = tput(ID1, 1000, "a", b[0], sizeof(b[0]));
    p[1] = tput(ID1, 1000, "a", b[1], sizeof(b[1])); /* same body in the same array: DUP */
    p[2] = tput(ID1, 1000, "x", b[2], sizeof(b[2])); /* different body: CONFLICT */
    p[3] = tput(ID2, 1000, "a", b[3], sizeof(b[3]));
    tstore_put_ok(t->s, COLL, p, 4);
    assert_int_equal(p[0].result, STORE_PUT_NEW);
    assert_int_equal(p[1].result, STORE_PUT_DUP);
    assert_int_equal(p[2].result, STORE_PUT_CONFLICT);
    assert_int_equal(p[3].result, STORE_PUT_NEW);
    assert_int_equal(p[1].date_added, p[0].date_added);
    assert_int_equal(p[2].date_added, p[0].date_added);
    assert_true(p[3].date_added > p[0].date_added);
    assert_int_equal(p[0].version_out, 1000);

    /* Across calls too; and the first body is kept. */
    struct store_put again[2];
    again[0] = tput(ID1, 1000, "a", b[0], sizeof(b[0]));
    again[1] = tput(ID1, 1000, "y", b[1], sizeof(b[1]));
    tstore_put_ok(t->s, COLL, again, 2);
    assert_int_equal(again[0].result, STORE_PUT_DUP);
    assert_int_equal(again[1].result, STORE_PUT_CONFLICT);

    struct store_query q = {
        .collection_id = COLL, .added_after = -1, .limit = 10, .with_json = true};
    struct seen seen;
    struct store_page page;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 2);
    int64_t count = 0;
    struct rk_err err;
    assert_int_equal(store_count_objects(t->s, COLL, &count, &err), 0);
    assert_int_equal(count, 2);

    /* The same id and version in another collection is independent. */
    struct store_put other = tput(ID1, 1000, "z", b[0], sizeof(b[0]));
    tstore_put_ok(t->s, COLL2, &other, 1);
    assert_int_equal(other.result, STORE_PUT_NEW);
}

static void body_of(struct store *s, const char *coll, const char *id, char *out, size_t cap);

static void no_version_gets_date_added(void **state)
{
    struct tstore *t = *state;
    char b[3][256];
    struct store_put p = tput(ID3, -1, "a", b[0], sizeof(b[0]));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_int_equal(p.result, STORE_PUT_NEW);
    assert_int_equal(p.version_out, p.date_added);
    struct store_put d = tput(ID3, -1, "a", b[1], sizeof(b[1]));
    struct store_put c = tput(ID3, -1, "other", b[2], sizeof(b[2]));
    tstore_put_ok(t->s, COLL, &d, 1);
    tstore_put_ok(t->s, COLL, &c, 1);
    assert_int_equal(d.result, STORE_PUT_DUP);
    assert_int_equal(c.result, STORE_PUT_CONFLICT);
    assert_int_equal(d.version_out, p.version_out);
    char body[256];
    body_of(t->s, COLL, ID3, body, sizeof(body));
    assert_non_null(strstr(body, "\"b\":\"a\""));
}

static int copy_body(void *ctx, const struct store_row *row)
{
    char **out = ctx;
    snprintf(out[0], 256, "%.*s", (int)row->json_len, row->json);
    return 0;
}

static void body_of(struct store *s, const char *coll, const char *id, char *out, size_t cap)
{
    const char *ids[] = {id};
    struct store_query q = {.collection_id = coll,
                            .added_after = -1,
                            .limit = 1,
                            .ids = ids,
                            .n_ids = 1,
                            .with_json = true};
    struct store_page page;
    struct rk_err err;
    char *ctx[] = {out};
    assert_true(cap >= 256);
    out[0] = '\0';
    assert_int_equal(store_query(s, &q, NULL, NULL, copy_body, ctx, &page, &err), 0);
    assert_int_equal(page.count, 1);
}

static void date_added_increases(void **state)
{
    struct tstore *t = *state;
    char b[100][256];
    char ids[100][64];
    struct store_put p[100];
    rk_time_us prev = -1;
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 20; i++) {
            int k = round * 20 + i;
            snprintf(ids[k], sizeof(ids[k]), "indicator--00000000-0000-4000-8000-%012d", k);
            p[k] = tput(ids[k], 5, "x", b[k], sizeof(b[k]));
        }
        tstore_put_ok(t->s, round % 2 ? COLL : COLL2, &p[round * 20], 20);
        for (int i = 0; i < 20; i++) {
            assert_int_equal(p[round * 20 + i].result, STORE_PUT_NEW);
            assert_true(p[round * 20 + i].date_added > prev);
            prev = p[round * 20 + i].date_added;
        }
    }
}

/* Three versions of ID1 (10, 20, 30) and one of ID2 (15), stored out of order. */
static void put_versions(struct store *s)
{
    char b[4][256];
    struct store_put p[4];
    p[0] = tput(ID1, 20, "v20", b[0], sizeof(b[0]));
    p[1] = tput(ID2, 15, "v15", b[1], sizeof(b[1]));
    p[2] = tput(ID1, 30, "v30", b[2], sizeof(b[2]));
    p[3] = tput(ID1, 10, "v10", b[3], sizeof(b[3]));
    tstore_put_ok(s, COLL, p, 4);
}

static size_t versions_of(struct store *s, unsigned sel, const rk_time_us *versions, size_t nv,
                          rk_time_us *out)
{
    const char *ids[] = {ID1};
    struct store_query q = {.collection_id = COLL,
                            .added_after = -1,
                            .limit = 100,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = sel,
                            .versions = versions,
                            .n_versions = nv};
    struct seen seen;
    struct store_page page;
    run_query(s, &q, &seen, &page);
    /* Rows arrive in date_added order; sort the versions for comparison. */
    for (size_t i = 0; i < seen.n; i++)
        for (size_t j = i + 1; j < seen.n; j++)
            if (seen.versions[j] < seen.versions[i]) {
                rk_time_us x = seen.versions[i];
                seen.versions[i] = seen.versions[j];
                seen.versions[j] = x;
            }
    memcpy(out, seen.versions, seen.n * sizeof(*out));
    return seen.n;
}

static void version_selection(void **state)
{
    struct tstore *t = *state;
    put_versions(t->s);
    rk_time_us v[8];
    assert_int_equal(versions_of(t->s, 0, NULL, 0, v), 1);
    assert_int_equal(v[0], 30);
    assert_int_equal(versions_of(t->s, STORE_VERSION_LAST, NULL, 0, v), 1);
    assert_int_equal(v[0], 30);
    assert_int_equal(versions_of(t->s, STORE_VERSION_FIRST, NULL, 0, v), 1);
    assert_int_equal(v[0], 10);
    assert_int_equal(versions_of(t->s, STORE_VERSION_ALL, NULL, 0, v), 3);
    assert_int_equal(v[0], 10);
    assert_int_equal(v[2], 30);
    rk_time_us want[] = {20, 99};
    assert_int_equal(versions_of(t->s, STORE_VERSION_SPECIFIC, want, 2, v), 1);
    assert_int_equal(v[0], 20);
    assert_int_equal(versions_of(t->s, STORE_VERSION_SPECIFIC | STORE_VERSION_FIRST, want, 1, v),
                     2);
    assert_int_equal(v[0], 10);
    assert_int_equal(v[1], 20);
    assert_int_equal(versions_of(t->s,
                                 STORE_VERSION_FIRST | STORE_VERSION_LAST | STORE_VERSION_SPECIFIC,
                                 want, 1, v),
                     3);

    /* Without an id filter: last of every object, in date_added order (ID2 then ID1 v30). */
    struct store_query q = {.collection_id = COLL, .added_after = -1, .limit = 100};
    struct seen seen;
    struct store_page page;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.ids[0], ID2);
    assert_string_equal(seen.ids[1], ID1);
    assert_int_equal(seen.versions[1], 30);
    assert_false(seen.had_json);

    /* Deleting the last and first versions moves the flags to the remaining one. */
    const char *ids[] = {ID1};
    struct store_query dq = {.collection_id = COLL,
                             .ids = ids,
                             .n_ids = 1,
                             .version_sel = STORE_VERSION_LAST | STORE_VERSION_FIRST};
    size_t deleted = 0;
    struct rk_err err;
    assert_int_equal(store_delete_object(t->s, &dq, &deleted, &err), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(versions_of(t->s, STORE_VERSION_LAST, NULL, 0, v), 1);
    assert_int_equal(v[0], 20);
    assert_int_equal(versions_of(t->s, STORE_VERSION_FIRST, NULL, 0, v), 1);
    assert_int_equal(v[0], 20);
    /* A new older version becomes first, the 20 stays last. */
    char b[256];
    struct store_put p = tput(ID1, 5, "v5", b, sizeof(b));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_int_equal(versions_of(t->s, STORE_VERSION_FIRST, NULL, 0, v), 1);
    assert_int_equal(v[0], 5);
    assert_int_equal(versions_of(t->s, STORE_VERSION_LAST, NULL, 0, v), 1);
    assert_int_equal(v[0], 20);
    /* Delete everything of ID1. */
    dq.version_sel = STORE_VERSION_ALL;
    assert_int_equal(store_delete_object(t->s, &dq, &deleted, &err), 0);
    assert_int_equal(deleted, 2);
    assert_int_equal(versions_of(t->s, STORE_VERSION_ALL, NULL, 0, v), 0);
    /* Delete needs exactly one id. */
    dq.n_ids = 0;
    assert_int_equal(store_delete_object(t->s, &dq, &deleted, &err), RK_E_INVALID);
}

static void filters_types_ids_spec(void **state)
{
    struct tstore *t = *state;
    char b[3][256];
    struct store_put p[3];
    p[0] = tput(ID1, 1, "a", b[0], sizeof(b[0]));
    p[1] = tput("malware--00000000-0000-4000-8000-000000000001", 1, "m", b[1], sizeof(b[1]));
    p[1].type = "malware";
    p[2] = tput("tool--00000000-0000-4000-8000-000000000001", 1, "t", b[2], sizeof(b[2]));
    p[2].type = "tool";
    tstore_put_ok(t->s, COLL, p, 3);
    struct seen seen;
    struct store_page page;
    const char *t1[] = {"malware"};
    struct store_query q = {
        .collection_id = COLL, .added_after = -1, .limit = 100, .types = t1, .n_types = 1};
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.ids[0], p[1].id);
    const char *t2[] = {"tool", "indicator"};
    q.types = t2;
    q.n_types = 2;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.ids[0], ID1);
    assert_string_equal(seen.ids[1], p[2].id);
    const char *ids[] = {p[2].id, p[1].id};
    q.ids = ids;
    q.n_ids = 2;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 1); /* tool only: types AND ids */
    q.types = NULL;
    q.n_types = 0;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 2);
    const char *sv20[] = {"2.0"};
    q.spec_versions = sv20;
    q.n_spec_versions = 1;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 0);
    const char *sv21[] = {"2.0", "2.1"};
    q.spec_versions = sv21;
    q.n_spec_versions = 2;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 2);
    /* An unknown collection is simply empty. */
    q.collection_id = "00000000-0000-4000-8000-00000000dead";
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 0);
    assert_false(page.more);
    assert_int_equal(page.first_added, -1);
}

/* Counts rows and checks their order across pages. */
struct pager {
    rk_time_us last;
    size_t n;
    bool ordered;
};

static int pager_row(void *ctx, const struct store_row *row)
{
    struct pager *pg = ctx;
    if (row->date_added <= pg->last || row->json == NULL)
        pg->ordered = false;
    pg->last = row->date_added;
    pg->n++;
    return 0;
}

static bool keep_even_index(void *ctx, const struct store_row *row)
{
    size_t *calls = ctx;
    return (*calls)++ % 2 == 0;
}

/* Drops the row whose id is ctx (forces the query to re-run from its cursor). */
static bool drop_id(void *ctx, const struct store_row *row)
{
    return strcmp(row->id, (const char *)ctx) != 0;
}

/* A new last version replaces the old one among the latest versions, a deletion brings the
 * remaining last one back in its place, and an added_after cursor anywhere (a row no longer
 * last, a deleted row) still pages exactly. */
static void last_range_follows_versions(void **state)
{
    struct tstore *t = *state;
    char b[8][256];
    struct store_put p[8];
    struct seen seen;
    struct store_page page;
    struct rk_err err;
    p[0] = tput(ID1, 10, "a", b[0], sizeof(b[0]));
    p[1] = tput(ID2, 10, "b", b[1], sizeof(b[1]));
    tstore_put_ok(t->s, COLL, p, 2);
    p[2] = tput(ID3, 10, "other", b[2], sizeof(b[2]));
    tstore_put_ok(t->s, COLL2, &p[2], 1); /* interleaved in another collection */
    p[3] = tput(ID3, 10, "c", b[3], sizeof(b[3]));
    p[3].type = "malware";
    tstore_put_ok(t->s, COLL, &p[3], 1);
    rk_time_us a1 = p[0].date_added, b1 = p[1].date_added, c1 = p[3].date_added;
    p[4] = tput(ID1, 20, "a2", b[4], sizeof(b[4])); /* ID1 v10 leaves the last range */
    tstore_put_ok(t->s, COLL, &p[4], 1);
    rk_time_us a2 = p[4].date_added;

    struct store_query q = {.collection_id = COLL, .added_after = -1, .limit = 100};
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.ids[0], ID2);
    assert_string_equal(seen.ids[1], ID3);
    assert_string_equal(seen.ids[2], ID1);
    assert_int_equal(seen.versions[2], 20);
    assert_int_equal(page.first_added, b1);
    assert_int_equal(page.last_added, a2);
    /* A cursor at a row that is no longer last, and at each page end. */
    q.added_after = a1;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 3);
    q.added_after = b1;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.added[0], c1);
    q.added_after = a2;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 0);
    q.added_after = a1 - 1; /* before everything */
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 3);
    /* Pages of one, a filter dropping a row (the query goes on past it). */
    q.added_after = -1;
    q.limit = 1;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_query(t->s, &q, drop_id, (void *)ID2, collect, &seen, &page, &err), 0);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.ids[0], ID3);
    assert_true(page.more);
    /* One type and two types. */
    const char *one[] = {"malware"};
    const char *two[] = {"malware", "tool"};
    q.limit = 100;
    q.types = one;
    q.n_types = 1;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.ids[0], ID3);
    q.types = two;
    q.n_types = 2;
    q.added_after = c1;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 0);
    q.types = NULL;
    q.n_types = 0;

    /* Deleting ID1's last version moves v10 back into the last range, in its place. */
    const char *ids[] = {ID1};
    struct store_query dq = {.collection_id = COLL, .ids = ids, .n_ids = 1};
    size_t deleted = 0;
    assert_int_equal(store_delete_object(t->s, &dq, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    q.added_after = -1;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.ids[0], ID1);
    assert_int_equal(seen.versions[0], 10);
    assert_int_equal(seen.added[0], a1);
    /* A cursor at the deleted row; a new row after the deletion comes after it. */
    q.added_after = a2;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 0);
    p[5] = tput(ID2, 30, "b3", b[5], sizeof(b[5]));
    tstore_put_ok(t->s, COLL, &p[5], 1);
    assert_true(p[5].date_added > a2);
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.ids[0], ID2);
    assert_int_equal(seen.versions[0], 30);
    /* version=all still lists every version in date_added order. */
    q.added_after = -1;
    q.version_sel = STORE_VERSION_ALL;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 4);
    for (size_t i = 1; i < seen.n; i++)
        assert_true(seen.added[i] > seen.added[i - 1]);
    int64_t count = 0;
    assert_int_equal(store_count_objects(t->s, COLL, &count, &err), 0);
    assert_int_equal(count, 4);
    assert_int_equal(store_count_objects(t->s, COLL2, &count, &err), 0);
    assert_int_equal(count, 1);
    /* The other collection's range holds its own row only. */
    q.collection_id = COLL2;
    q.version_sel = 0;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.ids[0], ID3);
}

static void paging_10000(void **state)
{
    struct tstore *t = *state;
    enum { N = 10000, BATCH = 1000 };
    static char bodies[BATCH][128];
    static char ids[BATCH][64];
    struct store_put *p = calloc(BATCH, sizeof(*p));
    for (int r = 0; r < N / BATCH; r++) {
        for (int i = 0; i < BATCH; i++) {
            snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-%012d",
                     r * BATCH + i);
            p[i] = tput(ids[i], 1, "p", bodies[i], sizeof(bodies[i]));
        }
        tstore_put_ok(t->s, COLL, p, BATCH);
    }
    free(p);

    /* Pages of 300 with next = last_added reach every row exactly once. */
    struct pager pg = {.last = -1, .ordered = true};
    struct store_query q = {
        .collection_id = COLL, .added_after = -1, .limit = 300, .with_json = true};
    struct store_page page;
    struct rk_err err;
    size_t pages = 0;
    do {
        assert_int_equal(store_query(t->s, &q, NULL, NULL, pager_row, &pg, &page, &err), 0);
        pages++;
        q.added_after = page.last_added;
        assert_true(page.count == 300 || !page.more);
    } while (page.more);
    assert_int_equal(pg.n, N);
    assert_true(pg.ordered);
    assert_int_equal(pages, (N + 299) / 300);

    /* A filter that drops every other row still fills the page and reports more. */
    size_t calls = 0;
    struct pager pf = {.last = -1, .ordered = true};
    q.added_after = -1;
    q.limit = 100;
    assert_int_equal(store_query(t->s, &q, keep_even_index, &calls, pager_row, &pf, &page, &err),
                     0);
    assert_int_equal(page.count, 100);
    assert_int_equal(pf.n, 100);
    assert_true(page.more);
    assert_int_equal(calls, 201); /* 200 candidates for the page, one more for `more` */

    /* Near the end: 10 rows left, 5 pass the filter; limit 5 fills, no more. */
    struct store_query tail = q;
    struct pager pt = {.last = -1, .ordered = true};
    struct store_page all;
    tail.limit = 10;
    tail.added_after = -1;
    /* Find the date_added of row N-11 by paging with limit N-10. */
    tail.limit = N - 10;
    assert_int_equal(store_query(t->s, &tail, NULL, NULL, NULL, NULL, &all, &err), 0);
    assert_true(all.more);
    tail.added_after = all.last_added;
    tail.limit = 5;
    calls = 0;
    assert_int_equal(store_query(t->s, &tail, keep_even_index, &calls, pager_row, &pt, &page, &err),
                     0);
    assert_int_equal(page.count, 5);
    assert_false(page.more);
    tail.limit = 4;
    calls = 0;
    assert_int_equal(store_query(t->s, &tail, keep_even_index, &calls, NULL, NULL, &page, &err), 0);
    assert_int_equal(page.count, 4);
    assert_true(page.more);
}

/* A filter that itself reads the store, as the policy layer may: the same thread, the same
 * query. */
static bool nested_filter(void *ctx, const struct store_row *row)
{
    struct store *s = ctx;
    const char *ids[] = {row->id};
    struct store_query q = {.collection_id = COLL,
                            .added_after = -1,
                            .limit = 100,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = STORE_VERSION_ALL};
    struct store_page page;
    struct rk_err err;
    assert_int_equal(store_query(s, &q, NULL, NULL, NULL, NULL, &page, &err), 0);
    return page.count == 3; /* only ID1 has three versions */
}

static int stop_with_error(void *ctx, const struct store_row *row)
{
    int *calls = ctx;
    return ++*calls == 2 ? RK_E_IO : 0;
}

static void nested_queries_and_callback_errors(void **state)
{
    struct tstore *t = *state;
    put_versions(t->s);
    const char *ids[] = {ID1, ID2};
    struct store_query q = {.collection_id = COLL,
                            .added_after = -1,
                            .limit = 100,
                            .ids = ids,
                            .n_ids = 2,
                            .version_sel = STORE_VERSION_ALL};
    struct seen seen;
    struct store_page page;
    struct rk_err err;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_query(t->s, &q, nested_filter, t->s, collect, &seen, &page, &err), 0);
    assert_int_equal(seen.n, 3);
    for (size_t i = 0; i < seen.n; i++)
        assert_string_equal(seen.ids[i], ID1);

    int calls = 0;
    rk_err_clear(&err);
    assert_int_equal(store_query(t->s, &q, NULL, NULL, stop_with_error, &calls, &page, &err),
                     RK_E_IO);
    assert_int_equal(calls, 2);
    assert_int_equal(page.count, 2);
    /* The connection is usable afterwards. */
    assert_int_equal(store_query(t->s, &q, NULL, NULL, collect, &seen, &page, &err), 0);
    assert_int_equal(page.count, 4);
}

static void durable_across_reopen(void **state)
{
    struct tstore *t = *state;
    put_versions(t->s);
    struct store_query q = {
        .collection_id = COLL, .added_after = -1, .limit = 100, .version_sel = STORE_VERSION_ALL};
    struct store_page before, after;
    struct seen seen;
    run_query(t->s, &q, &seen, &before);
    store_close(t->s);
    tstore_open(t);
    run_query(t->s, &q, &seen, &after);
    assert_int_equal(after.count, 4);
    assert_int_equal(after.last_added, before.last_added);
    /* New rows after reopening still sort after the old ones. */
    char b[256];
    struct store_put p = tput(ID3, 1, "n", b, sizeof(b));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_true(p.date_added > before.last_added);
}

/*
 * For each version selection and a cursor at every third row, a page is exactly the next
 * selected rows: over 400 ids with newer and older versions, again once some are deleted,
 * and a row put after that comes last.
 */
static void cursors_every_selection(void **state)
{
    struct tstore *t = *state;
    put_cursor_rows(t->s);
    check_every_cursor(t->s);
    for (int k = 0; k < 3; k++) /* ids spread over the collection */
        assert_true(tstore_delete_all(t->s, COLL, cursor_ids[64 + 128 * k]) >= 1);
    check_every_cursor(t->s);
    check_put_after_deletes(t->s);
}

/* Every version of a collection (with its flags and body, in date_added order), written
 * into out. */
static int row_line(void *ctx, const struct store_row *row)
{
    struct rk_buf *out = ctx;
    rk_buf_printf(out, "%s:%lld:%d%d:%.*s|", row->id, (long long)row->version, row->is_first,
                  row->is_last, (int)row->json_len, row->json);
    return 0;
}

static void every_version(struct store *s, struct rk_buf *out)
{
    struct store_query q = {.collection_id = COLL,
                            .added_after = -1,
                            .limit = 100000,
                            .version_sel = STORE_VERSION_ALL,
                            .with_json = true};
    struct store_page page;
    struct rk_err err;
    assert_int_equal(store_query(s, &q, NULL, NULL, row_line, out, &page, &err), 0);
    assert_false(page.more);
}

/*
 * The puts of one call see each other in order: the same 600 puts (150 ids, versions older
 * and newer than those held, duplicates, conflicts, new ids and ids seen earlier in the call)
 * in one call and one call per put give the same results and the same versions, in the same
 * date_added order, with the same flags and bodies.
 */
static void one_call_same_rows_as_one_by_one(void **state)
{
    struct tstore *a = *state, b = {0};
    enum { N = 600 };
    static struct store_put pa[N], pb[N];
    static char ids[N][80], bodies[N][128];
    uint32_t x = 12345;

    tstore_open(&b);
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        int id = (int)((x >> 8) % 150), version = 1000 + (int)((x >> 16) % 5),
            body = (int)((x >> 20) % 3);
        snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-%012d", id);
        char word[16];
        snprintf(word, sizeof(word), "b%d", body);
        pa[i] = tput(ids[i], version, word, bodies[i], sizeof(bodies[i]));
        pb[i] = pa[i];
    }
    tstore_put_ok(a->s, COLL, pa, N);
    for (int i = 0; i < N; i++)
        tstore_put_ok(b.s, COLL, &pb[i], 1);
    int results[4] = {0};
    for (int i = 0; i < N; i++) {
        assert_int_equal(pa[i].result, pb[i].result);
        assert_int_equal(pa[i].version_out, pb[i].version_out);
        results[pa[i].result]++;
    }
    /* The sequence exercises every outcome. */
    assert_true(results[STORE_PUT_NEW] > 100);
    assert_true(results[STORE_PUT_DUP] > 50);
    assert_true(results[STORE_PUT_CONFLICT] > 50);
    struct rk_buf ra = RK_BUF_INIT, rb = RK_BUF_INIT;
    every_version(a->s, &ra);
    every_version(b.s, &rb);
    assert_true(ra.len > 1000);
    assert_string_equal(ra.data, rb.data);
    rk_buf_free(&ra);
    rk_buf_free(&rb);
    tstore_remove(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_dup_conflict, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(no_version_gets_date_added, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(date_added_increases, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(version_selection, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(filters_types_ids_spec, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(last_range_follows_versions, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(paging_10000, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(cursors_every_selection, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(nested_queries_and_callback_errors, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(durable_across_reopen, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(one_call_same_rows_as_one_by_one, tstore_setup,
                                        tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
