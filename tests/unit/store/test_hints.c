/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hints.c: the hints of store.h change no answer a caller may read, for any backend.
 * A lean query gives every other field of a full one in every shape; skip_shadowed leaves
 * out only versions with a newer one of the same access, never the latest; id_unseen is
 * never true for an id the hub held. (The original_from_json hint: test_provenance.c.) The
 * *_nohints build runs this against a backend that ignores them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lean_check.h"

static void lean_changes_no_field_read(void **state)
{
    struct tstore *t = *state;
    lean_strict = false;
    check_lean_every_shape(t->s);
}

/* One version as a query returned it. */
struct ver_row {
    char id[80];
    rk_time_us version, added;
    int tlp;
    char source_org[16], scope[32], recipients[32], joins[200];
};

struct ver_rows {
    size_t n;
    struct ver_row v[MAX_ROWS];
};

static int ver_add(void *ctx, const struct store_row *row)
{
    struct ver_rows *rs = ctx;
    assert_true(rs->n < MAX_ROWS);
    struct ver_row *r = &rs->v[rs->n++];
    snprintf(r->id, sizeof(r->id), "%s", row->id);
    r->version = row->version;
    r->added = row->date_added;
    r->tlp = row->access.tlp;
    snprintf(r->source_org, sizeof(r->source_org), "%s", row->access.source_org);
    snprintf(r->scope, sizeof(r->scope), "%s", row->access.scope);
    snprintf(r->recipients, sizeof(r->recipients), "%s", row->access.recipients);
    snprintf(r->joins, sizeof(r->joins), "%s", row->access.joins);
    return 0;
}

/* Whether all->v[i] has a newer version of its id with the same access (shadowed). */
static bool shadowed(const struct ver_rows *all, size_t i)
{
    const struct ver_row *o = &all->v[i];
    for (size_t k = 0; k < all->n; k++) {
        const struct ver_row *n = &all->v[k];
        if (strcmp(n->id, o->id) == 0 && n->version > o->version && n->tlp == o->tlp &&
            strcmp(n->source_org, o->source_org) == 0 && strcmp(n->scope, o->scope) == 0 &&
            strcmp(n->recipients, o->recipients) == 0 && strcmp(n->joins, o->joins) == 0)
            return true;
    }
    return false;
}

/* Whether all->v[i] is the latest version of its id. */
static bool latest(const struct ver_rows *all, size_t i)
{
    for (size_t k = 0; k < all->n; k++)
        if (strcmp(all->v[k].id, all->v[i].id) == 0 && all->v[k].version > all->v[i].version)
            return false;
    return true;
}

/*
 * Ids whose two versions differ in one access field each (tlp, source_org, scope, recipients,
 * joins; source_sector and rule do not count), one whose versions are all alike, and one whose
 * first and third versions are alike and the second not (the first is shadowed by the third).
 */
static void put_access_versions(struct store *s)
{
    enum { IDS = 9 };
    static char ids[IDS][80], bufs[IDS][3][160];
    for (int i = 0; i < IDS; i++) {
        struct store_put p[3];
        int nv = i == 8 ? 3 : 2;
        snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-0000000001%02d", i);
        for (int v = 0; v < nv; v++) {
            bool other = v == 1; /* the version that differs */
            p[v] = tput(ids[i], 1000 + v, "x", bufs[i][v], sizeof(bufs[i][v]));
            p[v].access.tlp = i == 0 && other ? 3 : 2;
            p[v].access.source_org = i == 1 && other ? "org-b" : "org-a";
            p[v].access.scope = i == 2 && other ? "sector:rail" : "";
            p[v].access.recipients = i == 3 && other ? "org-c" : "";
            p[v].access.joins = i == 4 && other ? ids[0] : "";
            p[v].access.source_sector = i == 5 && other ? "rail" : "finance";
            p[v].access.rule = i == 6 && other ? "other" : "marking";
            if (i == 8)
                p[v].access.tlp = other ? 4 : 2;
        }
        tstore_put_ok(s, COLL, p, (size_t)nv);
    }
}

/*
 * With skip_shadowed, every version query returns the rows of the full one in the same
 * order, less some shadowed ones at most: paged by added_after, every latest version and
 * every version whose newer one differs in access is there.
 */
static void skip_shadowed_leaves_out_only_shadowed(void **state)
{
    struct tstore *t = *state;
    static struct ver_rows all, skip;
    struct store_page page;
    struct rk_err err;
    fill(t->s); /* lean_check.h: ids whose versions keep or change their access */
    put_access_versions(t->s);
    struct store_query q = {
        .collection_id = COLL, .added_after = -1, .limit = 100, .version_sel = STORE_VERSION_ALL};
    memset(&all, 0, sizeof(all));
    assert_int_equal(store_query(t->s, &q, NULL, NULL, ver_add, &all, &page, &err), 0);
    assert_false(page.more);
    size_t n_shadowed = 0;
    for (size_t i = 0; i < all.n; i++)
        n_shadowed += shadowed(&all, i);
    assert_true(n_shadowed > 0 && n_shadowed < all.n); /* the data has both kinds */

    q.skip_shadowed = true;
    q.limit = 3;
    memset(&skip, 0, sizeof(skip));
    do {
        assert_int_equal(store_query(t->s, &q, NULL, NULL, ver_add, &skip, &page, &err), 0);
        q.added_after = page.last_added;
    } while (page.more);
    size_t k = 0;
    for (size_t i = 0; i < all.n; i++) {
        if (k < skip.n && skip.v[k].added == all.v[i].added) {
            assert_string_equal(skip.v[k].id, all.v[i].id);
            assert_true(skip.v[k].version == all.v[i].version);
            k++;
            continue;
        }
        assert_true(shadowed(&all, i)); /* left out: shadowed only */
        assert_false(latest(&all, i));
    }
    assert_int_equal(k, skip.n); /* nothing else, nothing out of order */
}

/* id_unseen is true only for an id no collection held before: never for one stored before,
 * in this collection or another, nor for the second put of an id in one call. */
static void id_unseen_never_wrong(void **state)
{
    struct tstore *t = *state;
    char b[4][160];
    struct store_put p[2] = {tput("indicator--1", 1, "a", b[0], sizeof(b[0])),
                             tput("indicator--1", 2, "b", b[1], sizeof(b[1]))};
    tstore_put_ok(t->s, COLL, p, 2);
    assert_int_equal(p[1].result, STORE_PUT_NEW);
    assert_false(p[1].id_unseen);
    struct store_put again = tput("indicator--1", 3, "c", b[2], sizeof(b[2]));
    tstore_put_ok(t->s, OTHER, &again, 1);
    assert_int_equal(again.result, STORE_PUT_NEW);
    assert_false(again.id_unseen);
    assert_true(tstore_delete_all(t->s, COLL, "indicator--1") == 2);
    struct store_put after = tput("indicator--1", 4, "d", b[3], sizeof(b[3]));
    tstore_put_ok(t->s, COLL, &after, 1);
    assert_false(after.id_unseen); /* OTHER still holds it */
}

#define T(name) cmocka_unit_test_setup_teardown(name, tstore_setup, tstore_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(lean_changes_no_field_read),
        T(skip_shadowed_leaves_out_only_shadowed),
        T(id_unseen_never_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
