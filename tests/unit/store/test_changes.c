/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_changes.c: changing the hub's entities in the store: org_update (every field it
 * rewrites, the ones it keeps, a taken name, an unknown id), collection_update, removing an
 * empty collection and refusing one that holds objects (the provenance side of a purge is
 * test_provenance's), no put into a removed collection from any handle, scope_rewrite (each row
 * rewritten once, from the scope it had) and write_tx (all of its ops or none, durable, never
 * nested).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_helpers.h"

static void add_org(struct store *s, const char *id, const char *name, const char *sector)
{
    struct store_org o;
    struct rk_err err;
    memset(&o, 0, sizeof(o));
    snprintf(o.id, sizeof(o.id), "%s", id);
    o.name = (char *)name;
    o.sector = (char *)sector;
    o.identity_id = (char *)"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    o.anonymity = STORE_ANON_NAMED;
    o.created = 1234;
    o.own_identifiers = (char *)"example.com";
    rk_err_clear(&err);
    assert_int_equal(store_org_add(s, &o, &err), 0);
}

static void add_collection(struct store *s, const char *id)
{
    struct store_collection c;
    struct rk_err err;
    char alias[64];
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(alias, sizeof(alias), "feeds-%s", id); /* aliases are unique */
    c.title = (char *)"Feeds";
    c.description = (char *)"d";
    c.alias = alias;
    c.read_spec = (char *)"all";
    c.write_spec = (char *)"org:a";
    c.created = 77;
    c.default_tlp = 2;
    rk_err_clear(&err);
    assert_int_equal(store_collection_add(s, &c, &err), 0);
}

static void org_update_rewrites_fields(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_org o;
    add_org(t->s, "o1", "Bank A", "finance");
    add_org(t->s, "o2", "Bank B", "finance");

    assert_int_equal(store_org_get(t->s, "o1", &o, &err), 0);
    free(o.name);
    free(o.sector);
    free(o.own_identifiers);
    o.name = strdup("Bank A2");
    o.sector = strdup("insurance");
    o.anonymity = STORE_ANON_ANONYMOUS;
    o.own_identifiers = strdup("bank-a2.example");
    o.disabled = true;
    free(o.identity_id); /* not rewritten: whatever is given here is ignored */
    o.identity_id = strdup("identity--ignored");
    o.created = 999;
    assert_int_equal(store_org_update(t->s, &o, &err), 0);
    store_org_clear(&o);

    assert_int_equal(store_org_get(t->s, "Bank A2", &o, &err), 0);
    assert_string_equal(o.id, "o1");
    assert_string_equal(o.sector, "insurance");
    assert_int_equal(o.anonymity, STORE_ANON_ANONYMOUS);
    assert_string_equal(o.own_identifiers, "bank-a2.example");
    assert_true(o.disabled);
    assert_string_equal(o.identity_id, "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    assert_true(o.created == 1234);
    struct store_org gone;
    assert_int_equal(store_org_get(t->s, "Bank A", &gone, &err), RK_E_NOTFOUND); /* free now */

    /* Another organisation's name is taken; an unknown id is not found; nothing changes. */
    struct store_org b = {0};
    assert_int_equal(store_org_get(t->s, "o2", &b, &err), 0);
    free(b.name);
    b.name = strdup("Bank A2");
    assert_int_equal(store_org_update(t->s, &b, &err), RK_E_EXISTS);
    assert_non_null(strstr(err.msg, "Bank A2"));
    snprintf(b.id, sizeof(b.id), "o9");
    free(b.name);
    b.name = strdup("Bank Z");
    assert_int_equal(store_org_update(t->s, &b, &err), RK_E_NOTFOUND);
    store_org_clear(&b);
    assert_int_equal(store_org_get(t->s, "Bank B", &b, &err), 0);
    assert_string_equal(b.id, "o2");
    store_org_clear(&b);
    assert_int_equal(store_org_get(t->s, "Bank Z", &b, &err), RK_E_NOTFOUND);

    /* Re-enabled. */
    o.disabled = false;
    assert_int_equal(store_org_update(t->s, &o, &err), 0);
    store_org_clear(&o);
    assert_int_equal(store_org_get(t->s, "o1", &o, &err), 0);
    assert_false(o.disabled);
    store_org_clear(&o);
}

static void collection_update_and_remove(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_collection c;
    int64_t purged = -1;
    add_collection(t->s, "c1");
    add_collection(t->s, "c2");

    assert_int_equal(store_collection_get(t->s, "c1", &c, &err), 0);
    free(c.title);
    free(c.description);
    free(c.alias);
    free(c.read_spec);
    free(c.write_spec);
    c.title = strdup("Power");
    c.description = strdup("");
    c.alias = strdup("");
    c.read_spec = strdup("sector:electric-power");
    c.write_spec = strdup("org:b");
    c.default_tlp = 3;
    c.created = 1;
    assert_int_equal(store_collection_update(t->s, &c, &err), 0);
    store_collection_clear(&c);
    assert_int_equal(store_collection_get(t->s, "c1", &c, &err), 0);
    assert_string_equal(c.title, "Power");
    assert_string_equal(c.alias, "");
    assert_string_equal(c.read_spec, "sector:electric-power");
    assert_string_equal(c.write_spec, "org:b");
    assert_int_equal(c.default_tlp, 3);
    assert_true(c.created == 77);
    /* Another collection's alias is taken; the collection keeps its own. */
    free(c.alias);
    c.alias = strdup("feeds-c2");
    assert_int_equal(store_collection_update(t->s, &c, &err), RK_E_EXISTS);
    snprintf(c.id, sizeof(c.id), "c9");
    assert_int_equal(store_collection_update(t->s, &c, &err), RK_E_NOTFOUND);
    store_collection_clear(&c);
    assert_int_equal(store_collection_get(t->s, "c1", &c, &err), 0);
    assert_string_equal(c.alias, "");
    store_collection_clear(&c);

    /* c2 holds an object version: refused without purge, counted, nothing changes. */
    char buf[128];
    struct store_put p = tput("indicator--1", 5, "x", buf, sizeof(buf));
    tstore_put_ok(t->s, "c2", &p, 1);
    assert_int_equal(store_collection_remove(t->s, "c2", false, &purged, &err), RK_E_CONFLICT);
    assert_int_equal(purged, 1);
    int64_t n = 0;
    assert_int_equal(store_count_objects(t->s, "c2", &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_collection_get(t->s, "c2", &c, &err), 0);
    store_collection_clear(&c);

    /* c1 never held anything: removed without purge. */
    assert_int_equal(store_collection_remove(t->s, "c1", false, &purged, &err), 0);
    assert_int_equal(purged, 0);
    assert_int_equal(store_collection_get(t->s, "c1", &c, &err), RK_E_NOTFOUND);
    assert_int_equal(store_collection_remove(t->s, "c1", true, &purged, &err), RK_E_NOTFOUND);

    /* With purge: the version goes with it, the list no longer has it. */
    assert_int_equal(store_collection_remove(t->s, "c2", true, &purged, &err), 0);
    assert_int_equal(purged, 1);
    assert_int_equal(store_count_objects(t->s, "c2", &n, &err), 0);
    assert_int_equal(n, 0);
    struct store_collection *list = NULL;
    size_t k = 9;
    assert_int_equal(store_collection_list(t->s, &list, &k, &err), 0);
    assert_int_equal(k, 0);
    store_collections_free(list, k);
}

static int then_ok(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                   struct rk_err *err)
{
    (void)s, (void)puts, (void)n, (void)err;
    (*(int *)ctx)++;
    return 0;
}

/*
 * Nothing is stored into a removed collection again: not by a plain put, not by
 * put_objects_then (its callback never runs, and the store works on), not by another
 * handle whose writer remembered the collection's key from a put before the removal (as a
 * server does when the command line removes the collection).
 */
static void removed_collection_takes_no_puts(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store *other = NULL;
    int64_t purged = 0, n = -1;
    int calls = 0;
    char b1[128], b2[128], b3[128];
    add_collection(t->s, "c1");
    add_collection(t->s, "c2");
    rk_err_clear(&err);
    assert_int_equal(tstore_open_at(t->location, &other, &err), 0);
    struct store_put p1 = tput("indicator--1", 1, "x", b1, sizeof(b1));
    tstore_put_ok(other, "c1", &p1, 1); /* other's writer remembers c1's key */
    tstore_put_ok(other, "c1", &p1, 1);

    assert_int_equal(store_collection_remove(t->s, "c1", true, &purged, &err), 0);
    assert_int_equal(purged, 1);
    struct store_put p2 = tput("indicator--2", 1, "y", b2, sizeof(b2));
    assert_int_equal(store_put_objects(other, "c1", &p2, 1, &err), RK_E_NOTFOUND);
    assert_non_null(strstr(err.msg, "removed"));
    assert_int_equal(store_put_objects(t->s, "c1", &p2, 1, &err), RK_E_NOTFOUND);
    assert_int_equal(store_put_objects_then(t->s, "c1", &p2, 1, then_ok, &calls, &err),
                     RK_E_NOTFOUND);
    assert_int_equal(calls, 0);
    assert_int_equal(store_count_objects(t->s, "c1", &n, &err), 0);
    assert_int_equal(n, 0);
    /* A collection removed before anything was put into it: the same. */
    assert_int_equal(store_collection_remove(t->s, "c2", false, &purged, &err), 0);
    assert_int_equal(store_put_objects(other, "c2", &p2, 1, &err), RK_E_NOTFOUND);
    /* Everything else goes on. */
    struct store_put p3 = tput("indicator--3", 1, "z", b3, sizeof(b3));
    assert_int_equal(store_put_objects_then(t->s, "c3", &p3, 1, then_ok, &calls, &err), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(store_count_objects(other, "c3", &n, &err), 0);
    assert_int_equal(n, 1);
    store_close(other);
}

/* Puts one version with scope into coll. */
static void put_scoped(struct store *s, const char *coll, const char *id, const char *scope)
{
    char buf[160];
    struct store_put p = tput(id, 1, scope, buf, sizeof(buf));
    p.access.tlp = 3;
    p.access.scope = scope;
    tstore_put_ok(s, coll, &p, 1);
}

struct rename {
    int calls; /* how many times fn ran */
};

/* org:b -> org:c and org:c -> org:d: a row must not go from b to d. */
static bool rename_fn(void *ctx, const char *scope, struct rk_buf *out)
{
    struct rename *r = ctx;
    r->calls++;
    assert_true(scope[0] != '\0');
    if (strcmp(scope, "org:b") == 0) {
        rk_buf_puts(out, "org:c");
        return true;
    }
    if (strcmp(scope, "org:c") == 0) {
        rk_buf_puts(out, "org:d");
        return true;
    }
    if (strcmp(scope, "org:a,b") == 0) {
        rk_buf_puts(out, "org:a,c");
        return true;
    }
    return false;
}

/* Copies the row's access scope into ctx (64 bytes). */
static int scope_of(void *ctx, const struct store_row *row)
{
    snprintf(ctx, 64, "%s", row->access.scope);
    return 0;
}

static void scope_rewrite_once_per_row(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct rename r = {0};
    int64_t changed = -1;
    put_scoped(t->s, "c1", "indicator--1", "org:b");
    put_scoped(t->s, "c1", "indicator--2", "org:b");
    put_scoped(t->s, "c2", "indicator--3", "org:c");
    put_scoped(t->s, "c2", "indicator--4", "org:a,b");
    put_scoped(t->s, "c2", "indicator--5", "sector:finance");
    put_scoped(t->s, "c2", "indicator--6", "");
    rk_err_clear(&err);
    assert_int_equal(store_scope_rewrite(t->s, rename_fn, &r, &changed, &err), 0);
    assert_int_equal(r.calls, 4); /* each distinct non-empty scope once */
    assert_int_equal(changed, 4);
    const char *want[][2] = {{"indicator--1", "org:c"},          {"indicator--2", "org:c"},
                             {"indicator--3", "org:d"},          {"indicator--4", "org:a,c"},
                             {"indicator--5", "sector:finance"}, {"indicator--6", ""}};
    for (size_t i = 0; i < 6; i++) {
        char got[64] = "?";
        assert_int_equal(store_find_object(t->s, want[i][0], scope_of, got, &err), 0);
        assert_string_equal(got, want[i][1]);
    }
    /* A second call starts from the scopes the first left: org:c (twice) becomes org:d. */
    struct rename again = {0};
    assert_int_equal(store_scope_rewrite(t->s, rename_fn, &again, &changed, &err), 0);
    assert_int_equal(again.calls, 4); /* org:c, org:d, org:a,c, sector:finance */
    assert_int_equal(changed, 2);
}

/* write_tx bodies. */
struct tx_case {
    bool fail_after; /* return an error after writing */
    bool taken_name; /* add an organisation whose name is taken, after the setting */
    bool nest;       /* try write_tx inside */
    int nested_rc;
};

static int tx_body(void *ctx, struct store *s, struct rk_err *err)
{
    struct tx_case *c = ctx;
    struct store_org o;
    int rc = store_setting_set(s, "k", "v", err);
    if (rc != 0)
        return rc;
    memset(&o, 0, sizeof(o));
    snprintf(o.id, sizeof(o.id), "o3");
    o.name = (char *)(c->taken_name ? "Bank A" : "Bank C");
    o.sector = (char *)"finance";
    o.identity_id = (char *)"identity--c";
    rc = store_org_add(s, &o, err);
    if (rc != 0)
        return rc;
    if (c->nest) {
        struct rk_err e2;
        c->nested_rc = store_write_tx(s, tx_body, c, &e2);
    }
    if (c->fail_after)
        return rk_err_set(err, RK_E_CONFLICT, "changed my mind");
    return 0;
}

static void write_tx_all_or_nothing(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_org o;
    char *v = NULL;
    add_org(t->s, "o1", "Bank A", "finance");

    struct tx_case fail = {.fail_after = true};
    assert_int_equal(store_write_tx(t->s, tx_body, &fail, &err), RK_E_CONFLICT);
    assert_string_equal(err.msg, "changed my mind");
    assert_int_equal(store_setting_get(t->s, "k", &v, &err), RK_E_NOTFOUND);
    assert_int_equal(store_org_get(t->s, "o3", &o, &err), RK_E_NOTFOUND);

    /* An op that fails inside takes the writes before it with it. */
    struct tx_case taken = {.taken_name = true};
    assert_int_equal(store_write_tx(t->s, tx_body, &taken, &err), RK_E_EXISTS);
    assert_int_equal(store_setting_get(t->s, "k", &v, &err), RK_E_NOTFOUND);

    /* Not nested; the outer one still commits everything, which survives reopening. */
    struct tx_case ok = {.nest = true};
    assert_int_equal(store_write_tx(t->s, tx_body, &ok, &err), 0);
    assert_int_equal(ok.nested_rc, RK_E_INTERNAL);
    store_close(t->s);
    tstore_open(t);
    assert_int_equal(store_setting_get(t->s, "k", &v, &err), 0);
    assert_string_equal(v, "v");
    free(v);
    assert_int_equal(store_org_get(t->s, "o3", &o, &err), 0);
    assert_string_equal(o.name, "Bank C");
    store_org_clear(&o);

    /* Plain ops work afterwards, in their own transactions. */
    assert_int_equal(store_setting_set(t->s, "k", "w", &err), 0);
    assert_int_equal(store_setting_get(t->s, "k", &v, &err), 0);
    assert_string_equal(v, "w");
    free(v);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tstore_setup, tstore_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(org_update_rewrites_fields),       T(collection_update_and_remove),
        T(removed_collection_takes_no_puts), T(scope_rewrite_once_per_row),
        T(write_tx_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
