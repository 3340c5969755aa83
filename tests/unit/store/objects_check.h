/* SPDX-License-Identifier: Apache-2.0 */
/*
 * objects_check.h: what the object tests of the interface suite (test_objects.c) and the
 * SQLite-only ones (sqlite/test_sqlite_objects.c) share: collections and ids, a row
 * collector, and the check that a page from any cursor, for every version selection, is
 * exactly the next rows of the whole collection.
 */
#ifndef RK_TEST_OBJECTS_CHECK_H
#define RK_TEST_OBJECTS_CHECK_H

#include "test_store_helpers.h"

#define COLL  "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
#define COLL2 "52892447-4d7e-4f70-b94d-d7f22742ff63"
#define ID1   "indicator--00000000-0000-4000-8000-000000000001"
#define ID2   "indicator--00000000-0000-4000-8000-000000000002"
#define ID3   "indicator--00000000-0000-4000-8000-000000000003"

/* Collects the rows a query returns. */
struct seen {
    size_t n;
    char ids[64][80];
    rk_time_us versions[64];
    rk_time_us added[64];
    bool had_json;
};

static inline int collect(void *ctx, const struct store_row *row)
{
    struct seen *s = ctx;
    if (s->n < 64) {
        snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", row->id);
        s->versions[s->n] = row->version;
        s->added[s->n] = row->date_added;
    }
    s->had_json = s->had_json || row->json != NULL;
    s->n++;
    return 0;
}

static inline void run_query(struct store *s, const struct store_query *q, struct seen *out,
                             struct store_page *page)
{
    struct rk_err err;
    memset(out, 0, sizeof(*out));
    assert_int_equal(store_query(s, q, NULL, NULL, collect, out, page, &err), 0);
    assert_int_equal(page->count, out->n);
}

/* Every row of a query, in order (cursor_rows). */
struct all_rows {
    size_t n;
    char ids[700][64];
    rk_time_us version[700];
    rk_time_us added[700];
    bool first[700], last[700];
};

static inline int all_rows_add(void *ctx, const struct store_row *row)
{
    struct all_rows *a = ctx;
    assert_true(a->n < 700);
    snprintf(a->ids[a->n], sizeof(a->ids[0]), "%s", row->id);
    a->version[a->n] = row->version;
    a->added[a->n] = row->date_added;
    a->first[a->n] = row->is_first;
    a->last[a->n] = row->is_last;
    a->n++;
    return 0;
}

/* Whether row i of all is selected by sel (versions: the one specific version v). */
static inline bool selected(const struct all_rows *all, size_t i, unsigned sel, rk_time_us v)
{
    return (sel & STORE_VERSION_ALL) || ((sel & STORE_VERSION_LAST) && all->last[i]) ||
           ((sel & STORE_VERSION_FIRST) && all->first[i]) ||
           ((sel & STORE_VERSION_SPECIFIC) && all->version[i] == v);
}

/* For each selection and a cursor at every third row (and none), a page of 40 is exactly the
 * next 40 selected rows of the whole collection in date_added order. */
static inline void check_every_cursor(struct store *s)
{
    struct all_rows *all = calloc(1, sizeof(*all)), *got = calloc(1, sizeof(*got));
    struct store_query q = {
        .collection_id = COLL, .added_after = -1, .limit = 1000, .version_sel = STORE_VERSION_ALL};
    struct store_page page;
    struct rk_err err;
    assert_int_equal(store_query(s, &q, NULL, NULL, all_rows_add, all, &page, &err), 0);
    for (size_t i = 1; i < all->n; i++)
        assert_true(all->added[i] > all->added[i - 1]);
    unsigned sels[] = {STORE_VERSION_ALL,      STORE_VERSION_LAST,
                       STORE_VERSION_FIRST,    STORE_VERSION_FIRST | STORE_VERSION_LAST,
                       STORE_VERSION_SPECIFIC, STORE_VERSION_SPECIFIC | STORE_VERSION_LAST};
    rk_time_us v = 20;
    for (size_t k = 0; k < sizeof(sels) / sizeof(sels[0]); k++) {
        for (long c = -1; c < (long)all->n; c += c < 0 ? 1 : 3) {
            struct store_query pq = {.collection_id = COLL,
                                     .added_after = c < 0 ? -1 : all->added[c],
                                     .limit = 40,
                                     .version_sel = sels[k],
                                     .versions = &v,
                                     .n_versions = 1};
            memset(got, 0, sizeof(*got));
            assert_int_equal(store_query(s, &pq, NULL, NULL, all_rows_add, got, &page, &err), 0);
            size_t want = 0, i = (size_t)(c + 1);
            for (; i < all->n && want < 40; i++) {
                if (!selected(all, i, sels[k], v))
                    continue;
                assert_true(want < got->n);
                assert_string_equal(got->ids[want], all->ids[i]);
                assert_true(got->version[want] == all->version[i]);
                want++;
            }
            assert_int_equal(got->n, want);
            bool more = false;
            for (; i < all->n && !more; i++)
                more = selected(all, i, sels[k], v);
            assert_int_equal(page.more, more);
        }
    }
    free(all);
    free(got);
}

/* The ids of put_cursor_rows, by number. */
static char cursor_ids[400][64];

/*
 * 400 ids, a third of them with a newer version and a fifth with an older one, so that both
 * the latest and the older versions are many and is_first moves; put in calls of 50.
 */
static inline void put_cursor_rows(struct store *s)
{
    enum { N = 400 };
    static char bodies[N][160];
    struct store_put *p = calloc(N, sizeof(*p));
    rk_time_us rounds[3] = {10, 20, 5};
    for (int r = 0; r < 3; r++) {
        size_t n = 0;
        for (int i = 0; i < N; i++) {
            if ((r == 1 && i % 3 != 0) || (r == 2 && i % 5 != 0))
                continue;
            snprintf(cursor_ids[i], sizeof(cursor_ids[i]),
                     "indicator--00000000-0000-4000-8000-%012d", i);
            p[n++] = tput(cursor_ids[i], rounds[r], "m", bodies[i], sizeof(bodies[0]));
        }
        for (size_t at = 0; at < n; at += 50)
            tstore_put_ok(s, COLL, &p[at], n - at < 50 ? n - at : 50);
    }
    free(p);
}

/* A row put after deletions still comes last, and a cursor just before it finds it alone. */
static inline void check_put_after_deletes(struct store *s)
{
    char b[160];
    const char *fresh = "indicator--00000000-0000-4000-8000-999999999999";
    struct store_put last = tput(fresh, 10, "after", b, sizeof(b));
    tstore_put_ok(s, COLL, &last, 1);
    struct seen seen;
    struct store_page page;
    struct store_query q = {.collection_id = COLL, .added_after = -1, .limit = 1000};
    q.version_sel = STORE_VERSION_ALL;
    struct all_rows *all = calloc(1, sizeof(*all));
    struct rk_err err;
    assert_int_equal(store_query(s, &q, NULL, NULL, all_rows_add, all, &page, &err), 0);
    assert_int_equal(last.result, STORE_PUT_NEW);
    assert_string_equal(all->ids[all->n - 1], fresh);
    q.added_after = all->added[all->n - 2];
    run_query(s, &q, &seen, &page);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.ids[0], fresh);
    free(all);
}

#endif
