/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_observables.c: the observable index, for any backend. A new version's rows are
 * written with it and carry its date_added, id, collection and access metadata; a duplicate
 * or conflicting put writes none; observable_since follows them by seq (never reused after a
 * delete); observable_reports finds one key, and for an address or a CIDR every overlapping
 * range, since a date; the observables filter of a query returns only versions with a
 * matching row, after the version selection; deleting a version or purging its collection
 * takes its rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_helpers.h"

#define A "indicator--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define B "indicator--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
#define C "indicator--cccccccc-cccc-4ccc-8ccc-cccccccccccc"
#define D "indicator--dddddddd-dddd-4ddd-8ddd-dddddddddddd"

/* An observable of the index: a plain key, or an IPv4 address or CIDR (mapped). */
static struct store_observable key_obs(const char *key)
{
    struct store_observable o;
    memset(&o, 0, sizeof(o));
    o.key = key;
    return o;
}

static struct store_observable v4_obs(const char *key, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                                      unsigned prefix)
{
    struct store_observable o = key_obs(key);
    o.ranged = true;
    o.addr[10] = o.addr[11] = 0xff;
    o.addr[12] = a, o.addr[13] = b, o.addr[14] = c, o.addr[15] = d;
    o.prefix = (uint8_t)(96 + prefix);
    return o;
}

/* The rows an index read gave, copied. */
struct seen {
    size_t n;
    int64_t seq[16];
    char key[16][64];
    char id[16][64];
    char coll[16][16];
    char org[16][16];
    char sector[16][16];
    int tlp[16];
    rk_time_us added[16];
    bool ranged[16];
};

static int seen_row(void *ctx, const struct store_observable_row *r)
{
    struct seen *s = ctx;
    assert_true(s->n < 16);
    s->seq[s->n] = r->seq;
    snprintf(s->key[s->n], sizeof(s->key[0]), "%s", r->obs.key);
    snprintf(s->id[s->n], sizeof(s->id[0]), "%s", r->id);
    snprintf(s->coll[s->n], sizeof(s->coll[0]), "%s", r->collection_id);
    snprintf(s->org[s->n], sizeof(s->org[0]), "%s", r->source_org);
    snprintf(s->sector[s->n], sizeof(s->sector[0]), "%s", r->source_sector);
    s->tlp[s->n] = r->tlp;
    s->added[s->n] = r->date_added;
    s->ranged[s->n] = r->obs.ranged;
    s->n++;
    return 0;
}

/* Puts one version of id into coll with the given rows; returns its result. */
static int put_with(struct store *s, const char *coll, const char *id, rk_time_us version,
                    const char *body, const struct store_observable *obs, size_t n,
                    rk_time_us *added)
{
    char buf[160];
    struct store_put p = tput(id, version, body, buf, sizeof(buf));
    p.observables = obs;
    p.n_observables = n;
    p.access.tlp = 2;
    p.access.source_org = "org-1";
    p.access.source_sector = "energy";
    tstore_put_ok(s, coll, &p, 1);
    if (added != NULL)
        *added = p.date_added;
    return p.result;
}

static void since(struct store *s, int64_t after, size_t limit, struct seen *out)
{
    struct rk_err err;
    memset(out, 0, sizeof(*out));
    rk_err_clear(&err);
    assert_int_equal(store_observable_since(s, after, limit, seen_row, out, &err), 0);
}

static void reports(struct store *s, const struct store_observable *obs, rk_time_us from,
                    struct seen *out)
{
    struct rk_err err;
    memset(out, 0, sizeof(*out));
    rk_err_clear(&err);
    assert_int_equal(store_observable_reports(s, obs, from, seen_row, out, &err), 0);
}

/* Whether seen holds a row of id. */
static bool has_id(const struct seen *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->id[i], id) == 0)
            return true;
    return false;
}

static void rows_of_new_versions_only(void **state)
{
    struct tstore *t = *state;
    const struct store_observable obs[] = {key_obs("domain:example.jp"),
                                           v4_obs("ipv4:192.0.2.1", 192, 0, 2, 1, 32)};
    rk_time_us added = 0;
    assert_int_equal(put_with(t->s, "c1", A, 1, "x", obs, 2, &added), STORE_PUT_NEW);
    struct seen s;
    since(t->s, 0, 0, &s);
    assert_int_equal(s.n, 2);
    assert_true(s.seq[0] < s.seq[1]);
    assert_string_equal(s.key[0], "domain:example.jp");
    assert_false(s.ranged[0]);
    assert_string_equal(s.key[1], "ipv4:192.0.2.1");
    assert_true(s.ranged[1]);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(s.id[i], A);
        assert_string_equal(s.coll[i], "c1");
        assert_string_equal(s.org[i], "org-1");
        assert_string_equal(s.sector[i], "energy");
        assert_int_equal(s.tlp[i], 2);
        assert_true(s.added[i] == added);
    }
    /* The same body again is a duplicate, another body a conflict: neither writes a row. */
    assert_int_equal(put_with(t->s, "c1", A, 1, "x", obs, 2, NULL), STORE_PUT_DUP);
    assert_int_equal(put_with(t->s, "c1", A, 1, "y", obs, 2, NULL), STORE_PUT_CONFLICT);
    since(t->s, 0, 0, &s);
    assert_int_equal(s.n, 2);
    /* after_seq and limit. */
    int64_t first = s.seq[0];
    since(t->s, first, 0, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.key[0], "ipv4:192.0.2.1");
    since(t->s, 0, 1, &s);
    assert_int_equal(s.n, 1);
    assert_true(s.seq[0] == first);
}

static void reports_by_key_and_overlap(void **state)
{
    struct tstore *t = *state;
    const struct store_observable a[] = {v4_obs("ipv4:198.51.100.7", 198, 51, 100, 7, 32)};
    const struct store_observable b[] = {v4_obs("cidr4:198.51.100.0/24", 198, 51, 100, 0, 24)};
    const struct store_observable c[] = {v4_obs("cidr4:198.51.0.0/16", 198, 51, 0, 0, 16)};
    const struct store_observable d[] = {v4_obs("ipv4:203.0.113.9", 203, 0, 113, 9, 32),
                                         key_obs("domain:example.jp")};
    rk_time_us added_c = 0;
    put_with(t->s, "c1", A, 1, "a", a, 1, NULL);
    put_with(t->s, "c1", B, 1, "b", b, 1, NULL);
    put_with(t->s, "c2", C, 1, "c", c, 1, &added_c);
    put_with(t->s, "c2", D, 1, "d", d, 2, NULL);
    struct seen s;

    /* An address: itself and the ranges holding it, in both collections. */
    reports(t->s, &a[0], 0, &s);
    assert_int_equal(s.n, 3);
    assert_true(has_id(&s, A) && has_id(&s, B) && has_id(&s, C) && !has_id(&s, D));
    assert_true(s.added[0] < s.added[1] && s.added[1] < s.added[2]);
    /* A /24: the address inside it and the /16 around it. */
    reports(t->s, &b[0], 0, &s);
    assert_int_equal(s.n, 3);
    /* The /16: everything inside it. */
    reports(t->s, &c[0], 0, &s);
    assert_int_equal(s.n, 3);
    assert_true(!has_id(&s, D));
    /* Since a date. */
    reports(t->s, &a[0], added_c, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], C);
    /* A plain key: exact only. */
    struct store_observable dom = key_obs("domain:example.jp");
    reports(t->s, &dom, 0, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], D);
    assert_string_equal(s.coll[0], "c2");
    struct store_observable other = key_obs("domain:example.com");
    reports(t->s, &other, 0, &s);
    assert_int_equal(s.n, 0);
    /* An address outside every range, and an unranged key of an address: its rows only. */
    struct store_observable far = v4_obs("ipv4:10.0.0.1", 10, 0, 0, 1, 32);
    reports(t->s, &far, 0, &s);
    assert_int_equal(s.n, 0);
    struct store_observable plain = key_obs("ipv4:198.51.100.7");
    reports(t->s, &plain, 0, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], A);
}

/* Ids a query returned, in order. */
struct got {
    size_t n;
    char id[8][64];
    rk_time_us version[8];
};

static int got_row(void *ctx, const struct store_row *row)
{
    struct got *g = ctx;
    assert_true(g->n < 8);
    snprintf(g->id[g->n], sizeof(g->id[0]), "%s", row->id);
    g->version[g->n] = row->version;
    g->n++;
    return 0;
}

static void query_obs(struct store *s, const char *coll, const struct store_observable *obs,
                      size_t n, unsigned sel, const char *type, struct got *out)
{
    struct store_query q;
    struct store_page page;
    struct rk_err err;
    const char *types[] = {type};
    memset(&q, 0, sizeof(q));
    memset(out, 0, sizeof(*out));
    q.collection_id = coll;
    q.added_after = -1;
    q.limit = 8;
    q.version_sel = sel;
    q.with_json = true;
    q.observables = obs;
    q.n_observables = n;
    if (type != NULL) {
        q.types = types;
        q.n_types = 1;
    }
    rk_err_clear(&err);
    assert_int_equal(store_query(s, &q, NULL, NULL, got_row, out, &page, &err), 0);
    assert_int_equal(page.count, out->n);
}

static void query_filter(void **state)
{
    struct tstore *t = *state;
    const struct store_observable dom[] = {key_obs("domain:example.jp")};
    const struct store_observable net[] = {v4_obs("cidr4:192.0.2.0/24", 192, 0, 2, 0, 24)};
    const struct store_observable addr[] = {v4_obs("ipv4:192.0.2.55", 192, 0, 2, 55, 32)};
    /* A: version 1 names the domain, version 2 no longer does. B: the /24. C: nothing. */
    put_with(t->s, "c1", A, 1, "a1", dom, 1, NULL);
    put_with(t->s, "c1", A, 2, "a2", NULL, 0, NULL);
    put_with(t->s, "c1", B, 1, "b", net, 1, NULL);
    put_with(t->s, "c1", C, 1, "c", NULL, 0, NULL);
    put_with(t->s, "c2", D, 1, "d", addr, 1, NULL);
    struct got g;

    /* The filter applies to the versions the selection chose. */
    query_obs(t->s, "c1", dom, 1, STORE_VERSION_LAST, NULL, &g);
    assert_int_equal(g.n, 0);
    query_obs(t->s, "c1", dom, 1, STORE_VERSION_ALL, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.id[0], A);
    assert_true(g.version[0] == 1);
    query_obs(t->s, "c1", dom, 1, STORE_VERSION_FIRST, NULL, &g);
    assert_int_equal(g.n, 1);
    /* An address finds the CIDR holding it; the collection is the query's. */
    query_obs(t->s, "c1", addr, 1, 0, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.id[0], B);
    /* The CIDR finds the address inside it, in its collection. */
    query_obs(t->s, "c2", net, 1, 0, NULL, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.id[0], D);
    /* Several observables: any of them; with a type filter too. */
    const struct store_observable both[] = {dom[0], addr[0]};
    query_obs(t->s, "c1", both, 2, STORE_VERSION_ALL, NULL, &g);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.id[0], A);
    assert_string_equal(g.id[1], B);
    query_obs(t->s, "c1", both, 2, STORE_VERSION_ALL, "malware", &g);
    assert_int_equal(g.n, 0);
    query_obs(t->s, "c1", both, 2, 0, "indicator", &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.id[0], B);
    /* Nothing matches. */
    const struct store_observable none[] = {key_obs("md5:00000000000000000000000000000000")};
    query_obs(t->s, "c1", none, 1, STORE_VERSION_ALL, NULL, &g);
    assert_int_equal(g.n, 0);
}

static void deletes_take_their_rows(void **state)
{
    struct tstore *t = *state;
    const struct store_observable dom[] = {key_obs("domain:example.jp")};
    put_with(t->s, "c1", A, 1, "a", dom, 1, NULL);
    put_with(t->s, "c1", B, 1, "b", dom, 1, NULL);
    put_with(t->s, "c2", C, 1, "c", dom, 1, NULL);
    struct seen s;
    since(t->s, 0, 0, &s);
    assert_int_equal(s.n, 3);
    int64_t last = s.seq[2];
    assert_int_equal(tstore_delete_all(t->s, "c1", B), 1);
    reports(t->s, &dom[0], 0, &s);
    assert_int_equal(s.n, 2);
    assert_false(has_id(&s, B));
    /* A new row after the delete gets a seq past every one handed out. */
    put_with(t->s, "c1", D, 1, "d", dom, 1, NULL);
    since(t->s, last, 0, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], D);
    /* Purging a collection takes its rows. */
    struct store_collection col;
    struct rk_err err;
    int64_t purged = 0;
    memset(&col, 0, sizeof(col));
    snprintf(col.id, sizeof(col.id), "%s", "c3");
    col.title = "t";
    col.description = "";
    col.alias = "";
    col.read_spec = "all";
    col.write_spec = "all";
    rk_err_clear(&err);
    assert_int_equal(store_collection_add(t->s, &col, &err), 0);
    put_with(t->s, "c3", A, 1, "a", dom, 1, NULL);
    reports(t->s, &dom[0], 0, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(store_collection_remove(t->s, "c3", true, &purged, &err), 0);
    assert_int_equal(purged, 1);
    reports(t->s, &dom[0], 0, &s);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < s.n; i++)
        assert_string_not_equal(s.coll[i], "c3");
}

static void bad_observables_refused(void **state)
{
    struct tstore *t = *state;
    char buf[160];
    struct store_put p = tput(A, 1, "x", buf, sizeof(buf));
    struct store_observable bad = key_obs("");
    struct rk_err err;
    p.observables = &bad;
    p.n_observables = 1;
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", &p, 1, &err), RK_E_INVALID);
    struct seen s;
    since(t->s, 0, 0, &s);
    assert_int_equal(s.n, 0);
    struct store_observable wide = v4_obs("x", 1, 2, 3, 4, 32);
    wide.prefix = 129;
    p.observables = &wide;
    assert_int_equal(store_put_objects(t->s, "c1", &p, 1, &err), RK_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rows_of_new_versions_only, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(reports_by_key_and_overlap, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(query_filter, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(deletes_take_their_rows, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(bad_observables_refused, tstore_setup, tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
