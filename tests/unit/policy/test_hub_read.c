/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hub_read.c: the hub-wide read (policy_hub_query) attacked over a real store. Its
 * answer must be exactly what policy_query gives collection by collection (what a TAXII GET
 * of each collection returns), merged in date_added order: checked for every kind of
 * requester over a random set of versions (TLP, scope, recipients, joins, several versions,
 * the same id in several collections), for every version selection and filter, paged with
 * small pages. Then the cases one by one: RED for its named recipient only, anonymous and
 * NULL requesters, a metrics token, a former (disabled) member, an anonymised source, paging
 * across collections with rows added between pages, the audit entries, bad queries.
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

#define N_IDS 16

struct fixture {
    struct policy_world w;        /* coord, fin1, fin2, rail, anon (policy_world.h) */
    struct store_collection c[4]; /* all, public, sector:finance, org:rail */
    char ids[N_IDS][STIX_ID_MAX + 1];
    int n_put; /* versions put so far (gives each a distinct modified) */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;
    const char *spec[4][2] = {
        {"All", "all"}, {"Public", "public"}, {"Finance", "sector:finance"}, {"Rail", "org:rail"}};

    if (world_open(&f->w, "hubread") != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (policy_collection_add(f->w.store, spec[i][0], "", NULL, spec[i][1], "all", &f->c[i],
                                  &err) != 0)
            return -1;
    for (int i = 0; i < N_IDS; i++) {
        char uuid[RK_UUID_LEN];
        const char *type = i < 8 ? "indicator" : i < 12 ? "incident" : "relationship";
        rk_uuid_v4(uuid);
        snprintf(f->ids[i], sizeof(f->ids[i]), "%s--%s", type, uuid);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < 4; i++)
        store_collection_clear(&f->c[i]);
    world_close(&f->w);
    free(f);
    return 0;
}

/* Stores a version of id in c with the given access metadata, as the ingest would; each put
 * gets a later modified than the one before. */
static void put(struct fixture *f, const struct store_collection *c, const char *id, int tlp,
                const struct policy_principal *source, const char *scope, const char *recipients,
                const char *joins)
{
    char json[512], type[64], modified[RK_TIME_LEN];
    struct store_put p;
    struct rk_err err;

    rk_time_format(1704067200000000LL + (rk_time_us)(++f->n_put) * 1000, modified);
    snprintf(type, sizeof(type), "%.*s", (int)(strstr(id, "--") - id), id);
    snprintf(json, sizeof(json),
             "{\"created\":\"2024-01-01T00:00:00.000Z\",\"id\":\"%s\",\"modified\":\"%s\","
             "\"spec_version\":\"2.1\",\"type\":\"%s\"}",
             id, modified, type);
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = type;
    p.spec_version = "2.1";
    assert_int_equal(rk_time_parse(modified, &p.version), 0);
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = tlp;
    p.access.source_org = source != NULL ? source->org_id : "";
    p.access.source_sector = source != NULL ? source->sector : "";
    p.access.scope = scope;
    p.access.recipients = recipients;
    p.access.joins = joins;
    p.access.rule = "test";
    assert_int_equal(store_put_objects(f->w.store, c->id, &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
}

/* One row as a read returned it (copies: rows are valid only during the callback). */
struct seen {
    rk_time_us added;
    rk_time_us version;
    int tlp;
    char coll[RK_UUID_LEN];
    char id[STIX_ID_MAX + 1];
    bool has_json;
    char json[1024];
};
struct seen_list {
    struct seen *v;
    size_t n, cap;
    size_t stop_after; /* the callback stops after this many rows (0: never) */
};

static int collect(void *ctx, const struct store_row *row)
{
    struct seen_list *l = ctx;
    struct seen *s;

    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        assert_non_null(l->v);
    }
    s = &l->v[l->n++];
    memset(s, 0, sizeof(*s));
    s->added = row->date_added;
    s->version = row->version;
    s->tlp = row->access.tlp;
    assert_non_null(row->collection_id);
    snprintf(s->coll, sizeof(s->coll), "%s", row->collection_id);
    snprintf(s->id, sizeof(s->id), "%s", row->id);
    s->has_json = row->json != NULL;
    if (row->json != NULL)
        snprintf(s->json, sizeof(s->json), "%.*s", (int)row->json_len, row->json);
    return l->stop_after > 0 && l->n >= l->stop_after ? 1 : 0;
}

static int by_added(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    return x->added < y->added ? -1 : x->added > y->added;
}

/* The filters of one comparison. */
struct filters {
    unsigned sel;
    rk_time_us added_after;
    const char *const *types;
    size_t n_types;
    const char *const *ids;
    size_t n_ids;
};

/* The reference: policy_query on every collection of the hub (as TAXII GET each), merged. */
static void reference(struct fixture *f, const struct policy_principal *who,
                      const struct filters *fl, struct seen_list *out)
{
    struct store_collection *cs = NULL;
    size_t n = 0;
    struct rk_err err;

    assert_int_equal(store_collection_list(f->w.store, &cs, &n, &err), 0);
    for (size_t i = 0; i < n; i++) {
        struct policy_access_ctx ax;
        struct store_query q;
        struct store_page page;
        memset(&q, 0, sizeof(q));
        q.collection_id = cs[i].id;
        q.added_after = fl->added_after;
        q.limit = 100000;
        q.types = fl->types;
        q.n_types = fl->n_types;
        q.ids = fl->ids;
        q.n_ids = fl->n_ids;
        q.version_sel = fl->sel;
        q.with_json = true;
        assert_int_equal(policy_access_init(&ax, &f->w.hub, who, &cs[i], "ref", &err), 0);
        if (policy_query(&ax, &q, collect, out, &page, &err) != 0)
            fail_msg("policy_query: %s", err.msg);
        policy_access_clear(&ax);
    }
    store_collections_free(cs, n);
    if (out->n > 0)
        qsort(out->v, out->n, sizeof(*out->v), by_added);
}

/* Every page of the hub-wide read with pages of limit rows, concatenated. */
static void hub_all(struct fixture *f, const struct policy_principal *who, const struct filters *fl,
                    size_t limit, struct seen_list *out)
{
    struct policy_hub_query q;
    struct policy_hub_page page;
    struct rk_err err;
    int pages = 0;

    memset(&q, 0, sizeof(q));
    q.added_after = fl->added_after;
    q.after = -1;
    q.limit = limit;
    q.types = fl->types;
    q.n_types = fl->n_types;
    q.ids = fl->ids;
    q.n_ids = fl->n_ids;
    q.version_sel = fl->sel;
    q.with_json = true;
    for (;;) {
        size_t before = out->n;
        if (policy_hub_query(&f->w.hub, who, "test-hub", &q, collect, out, &page, &err) != 0)
            fail_msg("policy_hub_query: %s", err.msg);
        assert_int_equal(page.count, out->n - before);
        assert_true(page.count <= limit);
        if (page.count > 0)
            assert_true(page.next == out->v[out->n - 1].added);
        else
            assert_true(page.next == -1);
        if (!page.more)
            break;
        assert_true(page.count > 0); /* more with an empty page would loop for ever */
        q.after = page.next;
        assert_true(++pages < 10000);
    }
}

/* The hub-wide read of who equals the reference, row for row, in order. */
static void assert_same(struct fixture *f, const struct policy_principal *who,
                        const struct filters *fl, size_t limit)
{
    struct seen_list ref = {0}, got = {0};

    reference(f, who, fl, &ref);
    hub_all(f, who, fl, limit, &got);
    if (ref.n != got.n)
        fail_msg("reference %zu rows, hub-wide read %zu (limit %zu, sel %u)", ref.n, got.n, limit,
                 fl->sel);
    for (size_t i = 0; i < ref.n; i++) {
        assert_true(ref.v[i].added == got.v[i].added);
        assert_true(ref.v[i].version == got.v[i].version);
        assert_string_equal(ref.v[i].coll, got.v[i].coll);
        assert_string_equal(ref.v[i].id, got.v[i].id);
        assert_string_equal(ref.v[i].json, got.v[i].json);
        if (i > 0)
            assert_true(got.v[i - 1].added < got.v[i].added); /* ascending, no repeat */
    }
    free(ref.v);
    free(got.v);
}

/* A random hub: versions of N_IDS ids over the four collections, every TLP, scopes,
 * recipients, joins (to stored ids, to an id stored nowhere, to the hub identity). */
static void random_hub(struct fixture *f, unsigned seed, int n)
{
    const struct policy_principal *src[] = {&f->w.fin1, &f->w.fin2, &f->w.rail, &f->w.coord};
    const char *scopes[] = {"", "", "sector:finance", "sector:railways", "org:rail"};
    char joins[2 * (STIX_ID_MAX + 1) + 8];

    srand(seed);
    for (int i = 0; i < n; i++) {
        int k = rand() % N_IDS;
        const char *recips[] = {"", "", f->w.rail.org_id, f->w.fin2.org_id};
        joins[0] = '\0';
        if (k >= 12) {
            int r = rand() % 4;
            if (r == 0)
                snprintf(joins, sizeof(joins), "%s %s", f->ids[rand() % 12], f->ids[rand() % 12]);
            else if (r == 1)
                snprintf(joins, sizeof(joins), "%s indicator--0badbad0-0000-4000-8000-000000000000",
                         f->ids[rand() % 12]);
            else if (r == 2)
                snprintf(joins, sizeof(joins), "%s %s", f->ids[rand() % 12], f->w.hub.identity_id);
            else
                snprintf(joins, sizeof(joins), "%s", f->ids[rand() % 12]);
        }
        put(f, &f->c[rand() % 4], f->ids[k], 1 + rand() % 5, src[rand() % 4], scopes[rand() % 5],
            recips[rand() % 4], joins);
    }
}

/* Everyone: anonymous, NULL, members of each sector, the coordinator, a metrics token. */
static void every_requester(struct fixture *f, const struct filters *fl, size_t limit)
{
    struct policy_principal metrics = f->w.rail;
    metrics.role = STORE_ROLE_METRICS;
    const struct policy_principal *who[] = {&f->w.anon, &f->w.fin1,  &f->w.fin2,
                                            &f->w.rail, &f->w.coord, &metrics};
    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++)
        assert_same(f, who[i], fl, limit);
}

static void same_as_taxii_for_everyone(void **state)
{
    struct fixture *f = *state;
    unsigned sels[] = {0, STORE_VERSION_FIRST, STORE_VERSION_ALL,
                       STORE_VERSION_LAST | STORE_VERSION_FIRST};

    random_hub(f, 1234, 160);
    for (size_t s = 0; s < sizeof(sels) / sizeof(sels[0]); s++) {
        struct filters fl = {sels[s], -1, NULL, 0, NULL, 0};
        every_requester(f, &fl, 7);
    }
    struct filters big = {0, -1, NULL, 0, NULL, 0};
    every_requester(f, &big, POLICY_HUB_QUERY_MAX); /* one page */
    every_requester(f, &big, 1);                    /* a row per page */
}

static void same_as_taxii_with_filters(void **state)
{
    struct fixture *f = *state;
    const char *const types[] = {"incident", "relationship"};
    const char *const ids[] = {f->ids[0], f->ids[9], f->ids[13]};
    struct seen_list all = {0};

    random_hub(f, 99, 120);
    struct filters by_type = {0, -1, types, 2, NULL, 0};
    every_requester(f, &by_type, 5);
    struct filters by_id = {STORE_VERSION_ALL, -1, NULL, 0, ids, 3};
    every_requester(f, &by_id, 4);
    /* added_after in the middle of the hub's rows. */
    struct filters none = {STORE_VERSION_ALL, -1, NULL, 0, NULL, 0};
    hub_all(f, &f->w.coord, &none, 50, &all);
    assert_true(all.n > 20);
    struct filters after = {0, all.v[all.n / 2].added, types, 1, NULL, 0};
    every_requester(f, &after, 3);
    free(all.v);
}

/* The rows of one page for who (pages of limit from after), into l. */
static struct policy_hub_page page_of(struct fixture *f, const struct policy_principal *who,
                                      size_t limit, rk_time_us after, struct seen_list *l)
{
    struct policy_hub_query q;
    struct policy_hub_page page;
    struct rk_err err;

    memset(&q, 0, sizeof(q));
    q.added_after = -1;
    q.after = after;
    q.limit = limit;
    q.with_json = true;
    if (policy_hub_query(&f->w.hub, who, "test-hub", &q, collect, l, &page, &err) != 0)
        fail_msg("policy_hub_query: %s", err.msg);
    return page;
}

static bool has_id(const struct seen_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return true;
    return false;
}

static void red_for_named_recipient_only(void **state)
{
    struct fixture *f = *state;
    struct seen_list src = {0}, rcp = {0}, peer = {0}, crd = {0}, other = {0};

    put(f, &f->c[0], f->ids[0], POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    page_of(f, &f->w.fin1, 100, -1, &src);
    page_of(f, &f->w.rail, 100, -1, &rcp);
    page_of(f, &f->w.fin2, 100, -1, &peer); /* same sector as the source, not named */
    page_of(f, &f->w.coord, 100, -1, &crd); /* RED: not even the coordinator */
    page_of(f, &f->w.anon, 100, -1, &other);
    assert_true(has_id(&src, f->ids[0]));
    assert_true(has_id(&rcp, f->ids[0]));
    assert_false(has_id(&peer, f->ids[0]));
    assert_false(has_id(&crd, f->ids[0]));
    assert_false(has_id(&other, f->ids[0]));
    free(src.v);
    free(rcp.v);
    free(peer.v);
    free(crd.v);
    free(other.v);
}

static void outsiders_see_clear_in_public_only(void **state)
{
    struct fixture *f = *state;
    struct seen_list anon = {0}, null_who = {0}, metrics_l = {0};
    struct policy_principal metrics = f->w.coord;
    metrics.role = STORE_ROLE_METRICS;

    put(f, &f->c[1], f->ids[0], POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    put(f, &f->c[1], f->ids[1], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->c[0], f->ids[2], POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    put(f, &f->c[2], f->ids[3], POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    page_of(f, &f->w.anon, 100, -1, &anon);
    page_of(f, NULL, 100, -1, &null_who);
    page_of(f, &metrics, 100, -1, &metrics_l);
    assert_int_equal(anon.n, 1);
    assert_string_equal(anon.v[0].id, f->ids[0]);
    assert_string_equal(anon.v[0].coll, f->c[1].id);
    assert_int_equal(null_who.n, 1);
    assert_string_equal(null_who.v[0].id, f->ids[0]);
    assert_int_equal(metrics_l.n, 0); /* a metrics token reads no collection, not even public */
    free(anon.v);
    free(null_who.v);
    free(metrics_l.v);
}

static void former_member_is_out(void **state)
{
    struct fixture *f = *state;
    char token[POLICY_TOKEN_LEN + 1], hdr[128];
    struct policy_principal p;
    struct store_org out = {0};
    struct seen_list before = {0}, after = {0}, rail = {0};
    struct rk_err err;

    put(f, &f->c[2], f->ids[0], POLICY_TLP_AMBER, &f->w.fin1, "", "", "");
    put(f, &f->c[0], f->ids[1], POLICY_TLP_RED, &f->w.rail, "", f->w.fin2.org_id, "");
    put(f, &f->c[0], f->ids[2], POLICY_TLP_GREEN, &f->w.fin2, "", "", "");
    assert_int_equal(policy_token_create(f->w.store, &f->w.coord, "t", "fin2", STORE_ROLE_READER,
                                         "r", -1, token, NULL, &err),
                     0);
    snprintf(hdr, sizeof(hdr), "Bearer %s", token);
    assert_int_equal(policy_authenticate(f->w.store, hdr, &p, &err), 0);
    page_of(f, &p, 100, -1, &before);
    assert_true(has_id(&before, f->ids[0])); /* AMBER in its sector's collection */
    assert_true(has_id(&before, f->ids[1])); /* RED naming it */
    assert_int_equal(
        policy_org_disable(f->w.store, &f->w.coord, "t", "fin2", &out, NULL, NULL, &err), 0);
    store_org_clear(&out);
    /* Its token no longer makes it anyone: the read is an anonymous one, if any. */
    assert_int_equal(policy_authenticate(f->w.store, hdr, &p, &err), RK_E_UNAUTH);
    page_of(f, &f->w.anon, 100, -1, &after);
    assert_false(has_id(&after, f->ids[0]));
    assert_false(has_id(&after, f->ids[1]));
    /* What it posted stays as stored, for those who may see it. */
    page_of(f, &f->w.rail, 100, -1, &rail);
    assert_true(has_id(&rail, f->ids[2]));
    assert_true(has_id(&rail, f->ids[1])); /* rail's own RED */
    free(before.v);
    free(after.v);
    free(rail.v);
}

static void anonymised_source_is_not_named(void **state)
{
    struct fixture *f = *state;
    struct store_org fin1 = {0};
    struct policy_ingest_item it;
    struct seen_list rail = {0}, fin1_l = {0};
    struct rk_err err;
    const char *id = "incident--7e1d2c3b-4a5f-4e6d-8c7b-9a0b1c2d3e4f";

    assert_int_equal(policy_doc_update(f->w.store, &f->w.coord, "t", "{\"sector_k\": 1}", &err), 0);
    assert_int_equal(store_org_get(f->w.store, "fin1", &fin1, &err), 0);
    json_t *env = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]", "type", "incident",
                            "spec_version", "2.1", "id", id, "created", "2024-01-01T00:00:00.000Z",
                            "modified", "2024-01-01T00:00:00.000Z", "name", "outage at fin1",
                            "created_by_ref", fin1.identity_id);
    json_object_set_new(json_array_get(env, 0), "object_marking_refs",
                        json_pack("[s]", policy_tlp_marking_id(POLICY_TLP_GREEN)));
    if (policy_ingest(&f->w.hub, &f->w.fin1, &f->c[0], STORE_ANON_ANONYMOUS, env, &it, &err) != 0)
        fail_msg("ingest: %s", err.msg);
    json_decref(env);
    assert_true(it.ok);
    page_of(f, &f->w.rail, 100, -1, &rail);
    assert_true(has_id(&rail, id));
    for (size_t i = 0; i < rail.n; i++) { /* the incident and the stand-in stored with it */
        assert_null(strstr(rail.v[i].json, fin1.identity_id));
        assert_null(strstr(rail.v[i].json, "\"fin1\""));
        if (strcmp(rail.v[i].id, id) == 0)
            assert_non_null(strstr(rail.v[i].json, f->w.hub.identity_id));
    }
    page_of(f, &f->w.fin1, 100, -1, &fin1_l);
    assert_true(has_id(&fin1_l, id));
    store_org_clear(&fin1);
    free(rail.v);
    free(fin1_l.v);
}

static void paging_across_collections(void **state)
{
    struct fixture *f = *state;
    struct seen_list l = {0};
    struct policy_hub_page pg;
    rk_time_us next = -1;
    const struct store_collection *order[] = {&f->c[0], &f->c[2], &f->c[0], &f->c[3],
                                              &f->c[1], &f->c[2], &f->c[3], &f->c[0]};

    /* fin2 reads all, public and finance, not rail's: six of the eight rows. */
    for (int i = 0; i < 8; i++)
        put(f, order[i], f->ids[i], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    pg = page_of(f, &f->w.fin2, 2, -1, &l);
    assert_int_equal(pg.count, 2);
    assert_true(pg.more);
    assert_string_equal(l.v[0].id, f->ids[0]);
    assert_string_equal(l.v[0].coll, f->c[0].id);
    assert_string_equal(l.v[1].id, f->ids[1]);
    assert_string_equal(l.v[1].coll, f->c[2].id);
    next = pg.next;
    pg = page_of(f, &f->w.fin2, 2, next, &l);
    assert_int_equal(pg.count, 2);
    assert_true(pg.more);
    assert_string_equal(l.v[2].id, f->ids[2]);
    assert_string_equal(l.v[3].id, f->ids[4]); /* ids[3] is in rail's collection */
    next = pg.next;
    /* A row added between pages comes after the cursor: the walk sees it, once. */
    put(f, &f->c[1], f->ids[8], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    pg = page_of(f, &f->w.fin2, 2, next, &l);
    assert_int_equal(pg.count, 2);
    assert_true(pg.more);
    assert_string_equal(l.v[4].id, f->ids[5]);
    assert_string_equal(l.v[5].id, f->ids[7]);
    pg = page_of(f, &f->w.fin2, 2, pg.next, &l);
    assert_int_equal(pg.count, 1);
    assert_false(pg.more);
    assert_string_equal(l.v[6].id, f->ids[8]);
    pg = page_of(f, &f->w.fin2, 2, pg.next, &l);
    assert_int_equal(pg.count, 0);
    assert_false(pg.more);
    assert_true(pg.next == -1);
    /* The same id in two collections is two rows, each with its collection. */
    free(l.v);
    memset(&l, 0, sizeof(l));
    put(f, &f->c[1], f->ids[0], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    page_of(f, &f->w.fin2, 100, -1, &l);
    int twice = 0;
    for (size_t i = 0; i < l.n; i++)
        twice += strcmp(l.v[i].id, f->ids[0]) == 0;
    assert_int_equal(twice, 2);
    free(l.v);
}

/* A store whose query, once armed, lets two rows be committed right after it read one
 * collection: as other requests' writes land between the reads of a hub-wide page. */
static const struct store_ops *real_ops;
static struct store_ops racing_ops;
static struct {
    struct fixture *f;
    const char *after_coll; /* arm: commit once the query of this collection returned */
    const char *ids[2];     /* what to commit: ids[0] into c[0], ids[1] into c[1] */
} race;

static int racing_query(struct store *s, const struct store_query *q, store_filter_fn filter,
                        void *filter_ctx, store_row_fn fn, void *fn_ctx, struct store_page *page,
                        struct rk_err *err)
{
    int rc = real_ops->query(s, q, filter, filter_ctx, fn, fn_ctx, page, err);

    if (race.after_coll != NULL && strcmp(q->collection_id, race.after_coll) == 0) {
        race.after_coll = NULL;
        put(race.f, &race.f->c[0], race.ids[0], POLICY_TLP_GREEN, &race.f->w.fin1, "", "", "");
        put(race.f, &race.f->c[1], race.ids[1], POLICY_TLP_GREEN, &race.f->w.fin1, "", "", "");
    }
    return rc;
}

/*
 * Collection "All" is read first and found with k[0] only; then k[2] lands in it and k[3],
 * added later, in "Public", which is read next and shows k[1] and k[3]. A page that ended
 * at k[3] without reading "All" again would never show k[2]. With pages of limit rows, every
 * page walked by rail must show all four.
 */
static void race_once(struct fixture *f, const int k[4], size_t limit)
{
    struct seen_list l = {0};
    struct filters none = {0, -1, NULL, 0, NULL, 0};

    put(f, &f->c[0], f->ids[k[0]], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->c[1], f->ids[k[1]], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    real_ops = f->w.store->ops;
    racing_ops = *real_ops;
    racing_ops.query = racing_query;
    race.f = f;
    race.after_coll = f->c[0].id;
    race.ids[0] = f->ids[k[2]];
    race.ids[1] = f->ids[k[3]];
    f->w.store->ops = &racing_ops;
    hub_all(f, &f->w.rail, &none, limit, &l);
    f->w.store->ops = real_ops;
    assert_null(race.after_coll); /* the race did happen */
    for (int i = 0; i < 4; i++)
        if (!has_id(&l, f->ids[k[i]]))
            fail_msg("pages of %zu: row %d committed during the read was skipped", limit, i);
    free(l.v);
}

static void rows_committed_during_a_page_are_not_skipped(void **state)
{
    const int k[4] = {0, 1, 2, 3};
    race_once(*state, k, 100); /* one page */
}

static void rows_committed_during_small_pages_are_not_skipped(void **state)
{
    const int k[4] = {0, 1, 2, 3};
    race_once(*state, k, 3); /* the first page ends at k[3] unless "All" is read again */
}

static void callback_stop_and_manifest(void **state)
{
    struct fixture *f = *state;
    struct seen_list l = {0};
    struct policy_hub_query q;
    struct policy_hub_page pg;
    struct rk_err err;

    for (int i = 0; i < 4; i++)
        put(f, &f->c[i % 2], f->ids[i], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    memset(&q, 0, sizeof(q));
    q.added_after = -1;
    q.after = -1;
    l.stop_after = 1;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, collect, &l, &pg, &err), 0);
    assert_int_equal(pg.count, 1);
    assert_true(pg.more);
    assert_true(pg.next == l.v[0].added);
    assert_false(l.v[0].has_json); /* with_json false: a manifest row */
    /* fn NULL counts. */
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err), 0);
    assert_int_equal(pg.count, 4);
    assert_false(pg.more);
    free(l.v);
}

/* Audit entries of action "read" since seq after, into a JSON array. */
struct reads {
    json_t *entries;
};
static int audit_row(void *ctx, const struct store_audit *e)
{
    struct reads *r = ctx;
    if (strcmp(e->action, POLICY_AUDIT_READ) != 0)
        return 0;
    json_t *d = json_loads(e->detail, 0, NULL);
    assert_non_null(d);
    json_array_append_new(r->entries,
                          json_pack("{s:s, s:s, s:s, s:o}", "route", e->route, "collection",
                                    e->collection, "org", e->org_id, "detail", d));
    return 0;
}

static int64_t audit_last(struct fixture *f)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    assert_int_equal(policy_audit_list_json(f->w.store, 0, 10000, NULL, &b, &err), 0);
    json_t *v = json_loads(b.data, 0, NULL);
    json_t *e = json_object_get(v, "entries");
    int64_t seq =
        json_array_size(e)
            ? json_integer_value(json_object_get(json_array_get(e, json_array_size(e) - 1), "seq"))
            : 0;
    json_decref(v);
    rk_buf_free(&b);
    return seq;
}

static json_t *reads_since(struct fixture *f, int64_t seq)
{
    struct reads r = {json_array()};
    struct rk_err err;
    assert_int_equal(store_audit_list(f->w.store, seq, 0, NULL, audit_row, &r, &err), 0);
    return r.entries;
}

static void amber_reads_audited_per_collection(void **state)
{
    struct fixture *f = *state;
    struct seen_list l = {0};
    int64_t seq;
    json_t *reads;

    put(f, &f->c[0], f->ids[0], POLICY_TLP_AMBER, &f->w.fin1, "", "", "");
    put(f, &f->c[0], f->ids[1], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->c[2], f->ids[2], POLICY_TLP_RED, &f->w.fin1, "", f->w.fin2.org_id, "");
    put(f, &f->c[2], f->ids[3], POLICY_TLP_AMBER, &f->w.fin1, "", "", "");
    put(f, &f->c[1], f->ids[4], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    /* A GREEN-only read writes nothing. */
    seq = audit_last(f);
    page_of(f, &f->w.rail, 100, -1, &l);
    assert_int_equal(l.n, 3); /* ids 0 (AMBER, all), 1, 4 */
    reads = reads_since(f, seq);
    assert_int_equal(json_array_size(reads), 1); /* only the AMBER row of "all" */
    json_t *e = json_array_get(reads, 0);
    assert_string_equal(json_string_value(json_object_get(e, "collection")), f->c[0].id);
    assert_string_equal(json_string_value(json_object_get(e, "route")), "test-hub");
    assert_string_equal(json_string_value(json_object_get(e, "org")), f->w.rail.org_id);
    json_t *objs = json_object_get(json_object_get(e, "detail"), "objects");
    assert_int_equal(json_array_size(objs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 0), "id")),
                        f->ids[0]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(objs, 0), "tlp")),
                        "amber");
    json_decref(reads);
    /* fin2: AMBER in all, RED and AMBER in finance: one entry per collection. */
    free(l.v);
    memset(&l, 0, sizeof(l));
    seq = audit_last(f);
    page_of(f, &f->w.fin2, 100, -1, &l);
    assert_int_equal(l.n, 5);
    reads = reads_since(f, seq);
    assert_int_equal(json_array_size(reads), 2);
    e = json_array_get(reads, 1);
    assert_string_equal(json_string_value(json_object_get(e, "collection")), f->c[2].id);
    objs = json_object_get(json_object_get(e, "detail"), "objects");
    assert_int_equal(json_array_size(objs), 2);
    json_decref(reads);
    /* Only the rows of the page are recorded, not those of later pages. */
    free(l.v);
    memset(&l, 0, sizeof(l));
    seq = audit_last(f);
    page_of(f, &f->w.fin2, 1, -1, &l);
    reads = reads_since(f, seq);
    assert_int_equal(json_array_size(reads), 1);
    objs = json_object_get(json_object_get(json_array_get(reads, 0), "detail"), "objects");
    assert_int_equal(json_array_size(objs), 1);
    json_decref(reads);
    /* A count returns no object data: no entry, as policy_query's probes. */
    struct policy_hub_query cq;
    struct policy_hub_page cp;
    struct rk_err err;
    memset(&cq, 0, sizeof(cq));
    cq.added_after = cq.after = -1;
    seq = audit_last(f);
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.fin2, "t", &cq, NULL, NULL, &cp, &err), 0);
    assert_int_equal(cp.count, 5);
    reads = reads_since(f, seq);
    assert_int_equal(json_array_size(reads), 0);
    json_decref(reads);
    /* rail's page after its AMBER row holds GREEN rows only: no entry. */
    free(l.v);
    memset(&l, 0, sizeof(l));
    page_of(f, &f->w.rail, 1, -1, &l);
    assert_string_equal(l.v[0].id, f->ids[0]);
    seq = audit_last(f);
    page_of(f, &f->w.rail, 100, l.v[0].added, &l);
    assert_int_equal(l.n, 3);
    reads = reads_since(f, seq);
    assert_int_equal(json_array_size(reads), 0);
    json_decref(reads);
    free(l.v);
}

static void bad_queries_refused(void **state)
{
    struct fixture *f = *state;
    struct policy_hub_query q;
    struct policy_hub_page pg;
    struct rk_err err;
    const char *bad[] = {"192.0.2.1",
                         ":x",
                         "domain:",
                         "ipv4:999.0.2.1",
                         "cidr4:10.0.0.0",
                         "ipv6:2001:db8::/32",
                         "cidr6:2001:db8::/129",
                         "ipv4:1.2.3.4/24"};
    const char *many[POLICY_HUB_OBSERVABLES_MAX + 1];

    put(f, &f->c[0], f->ids[0], POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    memset(&q, 0, sizeof(q));
    q.added_after = -1;
    q.after = -1;
    q.limit = POLICY_HUB_QUERY_MAX + 1;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err),
                     RK_E_INVALID);
    q.limit = 0;
    q.version_sel = STORE_VERSION_SPECIFIC;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err),
                     RK_E_INVALID);
    q.version_sel = STORE_VERSION_ALL | STORE_VERSION_LAST;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err),
                     RK_E_INVALID);
    q.version_sel = 0;
    q.n_types = 1; /* and no list */
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err),
                     RK_E_INVALID);
    q.n_types = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        q.observables = &bad[i];
        q.n_observables = 1;
        assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err),
                         RK_E_INVALID);
        assert_int_equal(pg.count, 0);
    }
    for (size_t i = 0; i < POLICY_HUB_OBSERVABLES_MAX + 1; i++)
        many[i] = "domain:example.jp";
    q.observables = many;
    q.n_observables = POLICY_HUB_OBSERVABLES_MAX + 1;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err),
                     RK_E_TOOBIG);
    /* A key no row has: nothing, and no error. */
    q.n_observables = 1;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err), 0);
    assert_int_equal(pg.count, 0);
    q.n_observables = 0;
    assert_int_equal(policy_hub_query(&f->w.hub, &f->w.rail, "t", &q, NULL, NULL, &pg, &err), 0);
    assert_int_equal(pg.count, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(same_as_taxii_for_everyone),
        T(same_as_taxii_with_filters),
        T(red_for_named_recipient_only),
        T(outsiders_see_clear_in_public_only),
        T(former_member_is_out),
        T(anonymised_source_is_not_named),
        T(paging_across_collections),
        T(rows_committed_during_a_page_are_not_skipped),
        T(rows_committed_during_small_pages_are_not_skipped),
        T(callback_stop_and_manifest),
        T(amber_reads_audited_per_collection),
        T(bad_queries_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
