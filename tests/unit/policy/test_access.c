/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_access.c: THE access check over a real (temporary) store. Rows are stored with access
 * metadata as the ingest would, then read through policy_query as every kind of requester:
 * anonymous, a member of another sector, a member of the scope sector, the source, a named
 * recipient and the coordinator, for every TLP level; relationship and sighting joins (both
 * ends visible, one invisible, an end not stored, the hub identity, an end in a collection
 * the reader cannot read); the green delay on and off; the audit entry for AMBER reads.
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

struct fixture {
    struct policy_world w;           /* store, hub, requesters (policy_world.h) */
    struct store_collection all;     /* read "all" */
    struct store_collection pub;     /* read "public" */
    struct store_collection finance; /* read "sector:finance" */
    int n;                           /* ids made so far */
    char ids[64][STIX_ID_MAX + 1];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;

    if (world_open(&f->w, "access") != 0)
        return -1;
    if (policy_collection_add(f->w.store, "All", "", "all", "all", "all", &f->all, &err) != 0 ||
        policy_collection_add(f->w.store, "Public", "", "pub", "public", "all", &f->pub, &err) !=
            0 ||
        policy_collection_add(f->w.store, "Finance", "", "fin", "sector:finance", "all",
                              &f->finance, &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    store_collection_clear(&f->all);
    store_collection_clear(&f->pub);
    store_collection_clear(&f->finance);
    world_close(&f->w);
    free(f);
    return 0;
}

/* A fresh id of type. */
static const char *new_id(struct fixture *f, const char *type)
{
    char uuid[RK_UUID_LEN];
    assert_true(f->n < 64);
    rk_uuid_v4(uuid);
    snprintf(f->ids[f->n], sizeof(f->ids[0]), "%s--%s", type, uuid);
    return f->ids[f->n++];
}

static void put_at(struct fixture *f, const struct store_collection *c, const char *id,
                   const char *modified, int tlp, const struct policy_principal *source,
                   const char *scope, const char *recipients, const char *joins);

/* Stores one version of id in c with the given access metadata (as the ingest would). */
static void put(struct fixture *f, const struct store_collection *c, const char *id, int tlp,
                const struct policy_principal *source, const char *scope, const char *recipients,
                const char *joins)
{
    put_at(f, c, id, "2024-01-01T00:00:00.000Z", tlp, source, scope, recipients, joins);
}

/* put() of the version modified (an RFC 3339 timestamp). */
static void put_at(struct fixture *f, const struct store_collection *c, const char *id,
                   const char *modified, int tlp, const struct policy_principal *source,
                   const char *scope, const char *recipients, const char *joins)
{
    char json[512];
    char type[64];
    struct store_put p;
    struct rk_err err;

    snprintf(type, sizeof(type), "%.*s", (int)(strstr(id, "--") - id), id);
    snprintf(json, sizeof(json),
             "{\"created\":\"2024-01-01T00:00:00.000Z\",\"id\":\"%s\",\"modified\":"
             "\"%s\",\"spec_version\":\"2.1\",\"type\":\"%s\"}",
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

static int count_row(void *ctx, const struct store_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

/* True if who sees any version of id in c through policy_query. */
static bool sees_in(struct fixture *f, const struct policy_principal *who,
                    const struct store_collection *c, const char *id)
{
    struct policy_access_ctx ax;
    struct store_query q;
    struct store_page page;
    struct rk_err err;
    const char *ids[1] = {id};
    size_t n = 0;

    assert_int_equal(policy_access_init(&ax, &f->w.hub, who, c, "test-read", &err), 0);
    memset(&q, 0, sizeof(q));
    q.collection_id = c->id;
    q.added_after = -1;
    q.limit = 10;
    q.ids = ids;
    q.n_ids = 1;
    q.with_json = true;
    if (policy_query(&ax, &q, count_row, &n, &page, &err) != 0)
        fail_msg("policy_query: %s", err.msg);
    policy_access_clear(&ax);
    assert_int_equal(n, page.count);
    return n > 0;
}

static bool sees(struct fixture *f, const struct policy_principal *who, const char *id)
{
    return sees_in(f, who, &f->all, id);
}

static void clear_for_anyone_the_collection_admits(void **state)
{
    struct fixture *f = *state;
    const char *a = new_id(f, "indicator");
    const char *b = new_id(f, "indicator");

    put(f, &f->pub, a, POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    put(f, &f->all, b, POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    assert_true(sees_in(f, &f->w.anon, &f->pub, a));
    assert_true(sees_in(f, &f->w.rail, &f->pub, a));
    assert_false(sees_in(f, &f->w.anon, &f->all, b)); /* not in the audience */
    assert_true(sees(f, &f->w.rail, b));
    assert_true(sees(f, &f->w.coord, b));
}

static void green_for_members(void **state)
{
    struct fixture *f = *state;
    const char *a = new_id(f, "indicator");
    const char *b = new_id(f, "indicator");

    put(f, &f->pub, a, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->all, b, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    assert_false(sees_in(f, &f->w.anon, &f->pub, a)); /* public collection, but GREEN */
    assert_true(sees_in(f, &f->w.rail, &f->pub, a));
    assert_true(sees(f, &f->w.rail, b));
    assert_true(sees(f, &f->w.fin2, b));
    assert_true(sees(f, &f->w.fin1, b));
    assert_true(sees(f, &f->w.coord, b));
}

static void amber_for_the_scope(void **state)
{
    struct fixture *f = *state;
    const char *scoped = new_id(f, "incident");
    const char *named = new_id(f, "incident");
    const char *coll = new_id(f, "incident");
    const char *pub = new_id(f, "incident");

    put(f, &f->all, scoped, POLICY_TLP_AMBER, &f->w.fin1, "sector:finance", "", "");
    put(f, &f->all, named, POLICY_TLP_AMBER, &f->w.fin1, "sector:finance", f->w.rail.org_id, "");
    put(f, &f->all, coll, POLICY_TLP_AMBER, &f->w.fin1, "", "", "");
    put(f, &f->pub, pub, POLICY_TLP_AMBER, &f->w.fin1, "", "", "");
    /* Scope sector:finance. */
    assert_true(sees(f, &f->w.fin1, scoped));  /* source */
    assert_true(sees(f, &f->w.fin2, scoped));  /* member of the scope sector */
    assert_false(sees(f, &f->w.rail, scoped)); /* member of another sector */
    assert_true(sees(f, &f->w.coord, scoped)); /* coordinator */
    assert_false(sees(f, &f->w.anon, scoped));
    /* A named recipient outside the scope. */
    assert_true(sees(f, &f->w.rail, named));
    /* Scope "": the collection's audience (all members). */
    assert_true(sees(f, &f->w.rail, coll));
    /* Never anonymous, even on a public collection. */
    assert_false(sees_in(f, &f->w.anon, &f->pub, pub));
    assert_true(sees_in(f, &f->w.rail, &f->pub, pub));
}

static void amber_strict_for_source_recipients_coordinator(void **state)
{
    struct fixture *f = *state;
    const char *a = new_id(f, "report");
    const char *b = new_id(f, "report");

    put(f, &f->all, a, POLICY_TLP_AMBER_STRICT, &f->w.fin1, "", "", "");
    put(f, &f->all, b, POLICY_TLP_AMBER_STRICT, &f->w.fin1, "", f->w.rail.org_id, "");
    assert_true(sees(f, &f->w.fin1, a));
    assert_false(sees(f, &f->w.fin2, a)); /* same sector is not enough */
    assert_false(sees(f, &f->w.rail, a));
    assert_true(sees(f, &f->w.coord, a));
    assert_false(sees(f, &f->w.anon, a));
    assert_true(sees(f, &f->w.rail, b));
    assert_false(sees(f, &f->w.fin2, b));
}

static void red_for_source_and_recipients_only(void **state)
{
    struct fixture *f = *state;
    const char *a = new_id(f, "report");
    const char *b = new_id(f, "report");
    const char *none = new_id(f, "report");
    char both[2 * RK_UUID_LEN + 4];

    snprintf(both, sizeof(both), "%s, %s", f->w.fin2.org_id, f->w.rail.org_id);
    put(f, &f->all, a, POLICY_TLP_RED, &f->w.fin1, "", "", "");
    put(f, &f->all, b, POLICY_TLP_RED, &f->w.fin1, "", both, "");
    put(f, &f->all, none, POLICY_TLP_NONE, &f->w.fin1, "", "", "");
    assert_true(sees(f, &f->w.fin1, a));
    assert_false(sees(f, &f->w.fin2, a));
    assert_false(sees(f, &f->w.rail, a));
    assert_false(sees(f, &f->w.coord, a)); /* the coordinator uses the provenance vault */
    assert_false(sees(f, &f->w.anon, a));
    assert_true(sees(f, &f->w.fin2, b));
    assert_true(sees(f, &f->w.rail, b));
    assert_false(sees(f, &f->w.coord, b));
    /* A row without TLP (cannot come from the ingest) is treated as RED. */
    assert_true(sees(f, &f->w.fin1, none));
    assert_false(sees(f, &f->w.coord, none));
    assert_false(sees(f, &f->w.fin2, none));
}

static void joins_need_both_ends(void **state)
{
    struct fixture *f = *state;
    const char *green = new_id(f, "indicator");
    const char *red = new_id(f, "malware");
    const char *fin_only = new_id(f, "malware");
    const char *missing = "malware--00000000-0000-4000-8000-000000000000";
    const char *r_ok = new_id(f, "relationship");
    const char *r_red = new_id(f, "relationship");
    const char *r_missing = new_id(f, "relationship");
    const char *r_hub = new_id(f, "sighting");
    const char *r_coll = new_id(f, "relationship");
    char joins[4 * STIX_ID_MAX];

    put(f, &f->all, green, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->all, red, POLICY_TLP_RED, &f->w.fin1, "", "", "");
    put(f, &f->finance, fin_only, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");

    snprintf(joins, sizeof(joins), "%s %s", green, green);
    put(f, &f->all, r_ok, POLICY_TLP_GREEN, &f->w.fin2, "", "", joins);
    assert_true(sees(f, &f->w.rail, r_ok)); /* both ends visible */

    snprintf(joins, sizeof(joins), "%s %s", green, red);
    put(f, &f->all, r_red, POLICY_TLP_GREEN, &f->w.fin2, "", "", joins);
    assert_false(sees(f, &f->w.rail, r_red)); /* one end invisible */
    assert_false(sees(f, &f->w.fin2, r_red)); /* not even for the SRO's own source */
    assert_true(sees(f, &f->w.fin1, r_red));  /* the source of the RED end sees both */

    snprintf(joins, sizeof(joins), "%s %s", green, missing);
    put(f, &f->all, r_missing, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins);
    assert_false(sees(f, &f->w.fin1, r_missing)); /* an end not stored at all */
    assert_false(sees(f, &f->w.coord, r_missing));

    snprintf(joins, sizeof(joins), "%s %s", green, f->w.hub.identity_id);
    put(f, &f->all, r_hub, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins);
    assert_true(f->w.hub.identity_id[0] != '\0');
    assert_true(sees(f, &f->w.rail, r_hub)); /* the hub identity is always visible */

    /* A named member's sighting pointing at its own (never stored) identity: visible, since
     * only a named poster's identity survives the anonymiser. Another organisation's
     * identity is not (else a member could test guessed identity ids against the register),
     * nor is an unknown one. */
    struct store_org rail_org = {0}, fin1_org = {0};
    struct rk_err oerr;
    const char *r_own = new_id(f, "sighting");
    const char *r_other = new_id(f, "sighting");
    const char *r_stranger = new_id(f, "sighting");
    assert_int_equal(store_org_get(f->w.store, "rail", &rail_org, &oerr), 0);
    assert_int_equal(store_org_get(f->w.store, "fin1", &fin1_org, &oerr), 0);
    snprintf(joins, sizeof(joins), "%s %s", green, fin1_org.identity_id);
    put(f, &f->all, r_own, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins);
    assert_true(sees(f, &f->w.fin2, r_own));
    snprintf(joins, sizeof(joins), "%s %s", green, rail_org.identity_id);
    put(f, &f->all, r_other, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins);
    assert_false(sees(f, &f->w.fin2, r_other));
    assert_false(sees(f, &f->w.rail, r_other));
    snprintf(joins, sizeof(joins), "%s %s", green,
             "identity--00000000-0000-4000-8000-00000000beef");
    put(f, &f->all, r_stranger, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins);
    assert_false(sees(f, &f->w.fin2, r_stranger));
    store_org_clear(&rail_org);
    store_org_clear(&fin1_org);

    /* An end stored only in a collection the reader cannot read. */
    snprintf(joins, sizeof(joins), "%s %s", green, fin_only);
    put(f, &f->all, r_coll, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins);
    assert_true(sees(f, &f->w.fin2, r_coll));
    assert_false(sees(f, &f->w.rail, r_coll));
}

static void green_delay(void **state)
{
    struct fixture *f = *state;
    const char *g = new_id(f, "indicator");
    const char *c = new_id(f, "indicator");
    struct policy_access_ctx ax;
    struct store_query q;
    struct store_page page;
    struct rk_err err;
    const char *ids[1] = {g};
    size_t n = 0;

    put(f, &f->all, g, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->all, c, POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    assert_int_equal(
        store_setting_set(f->w.store, POLICY_SETTING_DOC, "{\"green_delay_hours\":2}", &err), 0);
    assert_false(sees(f, &f->w.rail, g)); /* never contributed: not yet */
    assert_true(sees(f, &f->w.rail, c));  /* CLEAR is not delayed */
    assert_true(sees(f, &f->w.fin1, g));  /* a contributor */
    assert_true(sees(f, &f->w.coord, g)); /* the coordinator */
    /* Three hours later the row is old enough. */
    assert_int_equal(policy_access_init(&ax, &f->w.hub, &f->w.rail, &f->all, "test-read", &err), 0);
    assert_int_equal(ax.green_delay_hours, 2);
    assert_false(ax.contributed);
    ax.now += (rk_time_us)3 * 3600 * 1000000;
    memset(&q, 0, sizeof(q));
    q.collection_id = f->all.id;
    q.added_after = -1;
    q.limit = 10;
    q.ids = ids;
    q.n_ids = 1;
    assert_int_equal(policy_query(&ax, &q, count_row, &n, &page, &err), 0);
    assert_int_equal(n, 1);
    policy_access_clear(&ax);
    /* Off again. */
    assert_int_equal(store_setting_set(f->w.store, POLICY_SETTING_DOC, "{}", &err), 0);
    assert_true(sees(f, &f->w.rail, g));
}

struct audit_seen {
    int reads;
    char last_detail[1024];
    char last_route[64];
};

static int audit_row(void *ctx, const struct store_audit *e)
{
    struct audit_seen *a = ctx;
    if (strcmp(e->action, "read") == 0) {
        a->reads++;
        snprintf(a->last_detail, sizeof(a->last_detail), "%s", e->detail);
        snprintf(a->last_route, sizeof(a->last_route), "%s", e->route);
    }
    return 0;
}

static void amber_reads_are_audited(void **state)
{
    struct fixture *f = *state;
    const char *green = new_id(f, "indicator");
    const char *amber = new_id(f, "incident");
    struct audit_seen a = {0};
    struct rk_err err;

    put(f, &f->all, green, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put(f, &f->all, amber, POLICY_TLP_AMBER, &f->w.fin1, "sector:finance", "", "");
    assert_true(sees(f, &f->w.fin2, green));
    assert_int_equal(store_audit_list(f->w.store, 0, 0, NULL, audit_row, &a, &err), 0);
    assert_int_equal(a.reads, 0); /* GREEN reads are not audited */
    assert_false(sees(f, &f->w.rail, amber));
    assert_int_equal(store_audit_list(f->w.store, 0, 0, NULL, audit_row, &a, &err), 0);
    assert_int_equal(a.reads, 0); /* nothing returned, nothing to audit */
    assert_true(sees(f, &f->w.fin2, amber));
    memset(&a, 0, sizeof(a));
    assert_int_equal(store_audit_list(f->w.store, 0, 0, f->w.fin2.org_id, audit_row, &a, &err), 0);
    assert_int_equal(a.reads, 1);
    assert_string_equal(a.last_route, "test-read");
    assert_non_null(strstr(a.last_detail, amber));
    assert_non_null(strstr(a.last_detail, "\"tlp\":\"amber\""));
}

/* What selected() collects. */
struct picked {
    const char *id;
    size_t n;          /* rows of id */
    rk_time_us newest; /* the newest version among them, -1 none */
    size_t total;      /* all rows */
};

static int pick_row(void *ctx, const struct store_row *row)
{
    struct picked *p = ctx;
    p->total++;
    if (strcmp(row->id, p->id) == 0) {
        p->n++;
        if (row->version > p->newest)
            p->newest = row->version;
    }
    return 0;
}

/*
 * The versions of id who gets from policy_query with version selection sel; by_id false
 * lists the whole collection (no match[id]) and keeps the rows of id. Returns the row count
 * of id; *version gets the newest of them (-1 none).
 */
static size_t selected(struct fixture *f, const struct policy_principal *who, const char *id,
                       unsigned sel, bool by_id, rk_time_us *version)
{
    struct policy_access_ctx ax;
    struct store_query q;
    struct store_page page;
    struct rk_err err;
    const char *ids[1] = {id};
    struct picked p = {id, 0, -1, 0};

    assert_int_equal(policy_access_init(&ax, &f->w.hub, who, &f->all, "test-read", &err), 0);
    memset(&q, 0, sizeof(q));
    q.collection_id = f->all.id;
    q.added_after = -1;
    q.limit = 100;
    q.ids = by_id ? ids : NULL;
    q.n_ids = by_id ? 1 : 0;
    q.version_sel = sel;
    q.with_json = true;
    if (policy_query(&ax, &q, pick_row, &p, &page, &err) != 0)
        fail_msg("policy_query: %s", err.msg);
    policy_access_clear(&ax);
    assert_int_equal(p.total, page.count);
    *version = p.newest;
    return p.n;
}

static rk_time_us ts(const char *text)
{
    rk_time_us t = -1;
    assert_int_equal(rk_time_parse(text, &t), 0);
    return t;
}

/*
 * last / first are the latest / earliest version the requester may see: a hidden newer
 * (older) version neither hides the visible one nor shows itself; all is unchanged.
 */
static void last_and_first_are_among_visible_versions(void **state)
{
    struct fixture *f = *state;
    const char *x = new_id(f, "indicator");
    const char *y = new_id(f, "indicator");
    const char *z = new_id(f, "indicator");
    rk_time_us v1 = ts("2024-01-01T00:00:00.000Z"), v2 = ts("2024-02-01T00:00:00.000Z");
    rk_time_us v3 = ts("2024-03-01T00:00:00.000Z");
    rk_time_us v;

    /* x: v1 GREEN, v2 RED for rail. */
    put_at(f, &f->all, x, "2024-01-01T00:00:00.000Z", POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_at(f, &f->all, x, "2024-02-01T00:00:00.000Z", POLICY_TLP_RED, &f->w.fin1, "",
           f->w.rail.org_id, "");
    for (int by_id = 0; by_id <= 1; by_id++) {
        assert_int_equal(selected(f, &f->w.fin2, x, 0, by_id, &v), 1);
        assert_true(v == v1);
        assert_int_equal(selected(f, &f->w.fin2, x, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v1);
        assert_int_equal(selected(f, &f->w.rail, x, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v2);
        assert_int_equal(selected(f, &f->w.fin1, x, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v2);
        assert_int_equal(selected(f, &f->w.coord, x, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v1);
        assert_int_equal(selected(f, &f->w.fin2, x, STORE_VERSION_FIRST, by_id, &v), 1);
        assert_true(v == v1);
        assert_int_equal(selected(f, &f->w.fin2, x, STORE_VERSION_ALL, by_id, &v), 1);
        assert_int_equal(selected(f, &f->w.rail, x, STORE_VERSION_ALL, by_id, &v), 2);
        assert_int_equal(selected(f, &f->w.anon, x, STORE_VERSION_LAST, by_id, &v), 0);
    }
    /* y: v1 RED for rail, v2 GREEN: first for a non-recipient is v2. */
    put_at(f, &f->all, y, "2024-01-01T00:00:00.000Z", POLICY_TLP_RED, &f->w.fin1, "",
           f->w.rail.org_id, "");
    put_at(f, &f->all, y, "2024-02-01T00:00:00.000Z", POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    for (int by_id = 0; by_id <= 1; by_id++) {
        assert_int_equal(selected(f, &f->w.fin2, y, STORE_VERSION_FIRST, by_id, &v), 1);
        assert_true(v == v2);
        assert_int_equal(selected(f, &f->w.rail, y, STORE_VERSION_FIRST, by_id, &v), 1);
        assert_true(v == v1);
        assert_int_equal(selected(f, &f->w.fin2, y, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v2);
        /* first and last together: the same visible version once. */
        assert_int_equal(
            selected(f, &f->w.fin2, y, STORE_VERSION_FIRST | STORE_VERSION_LAST, by_id, &v), 1);
        assert_int_equal(
            selected(f, &f->w.rail, y, STORE_VERSION_FIRST | STORE_VERSION_LAST, by_id, &v), 2);
    }
    /* z: v1 GREEN, v2 GREEN, v3 RED for rail: last for fin2 is v2 (not v1, not v3). */
    put_at(f, &f->all, z, "2024-01-01T00:00:00.000Z", POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_at(f, &f->all, z, "2024-02-01T00:00:00.000Z", POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_at(f, &f->all, z, "2024-03-01T00:00:00.000Z", POLICY_TLP_RED, &f->w.fin1, "",
           f->w.rail.org_id, "");
    for (int by_id = 0; by_id <= 1; by_id++) {
        assert_int_equal(selected(f, &f->w.fin2, z, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v2);
        assert_int_equal(selected(f, &f->w.rail, z, STORE_VERSION_LAST, by_id, &v), 1);
        assert_true(v == v3);
        assert_int_equal(selected(f, &f->w.fin2, z, STORE_VERSION_FIRST, by_id, &v), 1);
        assert_true(v == v1);
    }
}

static void query_must_match_context(void **state)
{
    struct fixture *f = *state;
    struct policy_access_ctx ax;
    struct store_query q;
    struct store_page page;
    struct rk_err err;

    assert_int_equal(policy_access_init(&ax, &f->w.hub, &f->w.fin1, &f->all, "x", &err), 0);
    memset(&q, 0, sizeof(q));
    q.collection_id = f->finance.id; /* not the context's collection */
    q.added_after = -1;
    q.limit = 1;
    assert_int_equal(policy_query(&ax, &q, NULL, NULL, &page, &err), RK_E_INTERNAL);
    policy_access_clear(&ax);
    policy_access_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(clear_for_anyone_the_collection_admits, setup, teardown),
        cmocka_unit_test_setup_teardown(green_for_members, setup, teardown),
        cmocka_unit_test_setup_teardown(amber_for_the_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(amber_strict_for_source_recipients_coordinator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(red_for_source_and_recipients_only, setup, teardown),
        cmocka_unit_test_setup_teardown(joins_need_both_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(green_delay, setup, teardown),
        cmocka_unit_test_setup_teardown(amber_reads_are_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(last_and_first_are_among_visible_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(query_must_match_context, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
