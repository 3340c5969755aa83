/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_access_last.c: "last" is the latest version the requester may see, also on the fast
 * path (store_query.skip_shadowed, set by policy_query): a version skipped because a newer
 * one has the same access metadata is never the one that should have been shown, a hidden
 * newer version is never shown and never hides the visible older one, and the green delay
 * (visibility by date_added) turns the fast path off. Checked case by case and against a
 * model built from every stored version (store_find_object and policy_may_read_object), over
 * random version histories posted out of version order, paged and by id.
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

#include "policy/policy_int.h" /* policy_may_read_object, the verdict the model uses */
#include "policy_world.h"

#define MAX_IDS  48
#define MAX_ROWS 256

struct fixture {
    struct policy_world w;       /* store, hub, requesters (policy_world.h) */
    struct store_collection all; /* read "all" */
    int n;                       /* ids made so far */
    char ids[MAX_IDS][STIX_ID_MAX + 1];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;

    if (world_open(&f->w, "access-last") != 0)
        return -1;
    if (policy_collection_add(f->w.store, "All", "", "all", "all", "all", &f->all, &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    store_collection_clear(&f->all);
    world_close(&f->w);
    free(f);
    return 0;
}

static const char *new_id(struct fixture *f, const char *type)
{
    char uuid[RK_UUID_LEN];
    assert_true(f->n < MAX_IDS);
    rk_uuid_v4(uuid);
    snprintf(f->ids[f->n], sizeof(f->ids[0]), "%s--%s", type, uuid);
    return f->ids[f->n++];
}

/* The version month (1-12) of 2024 as a timestamp. */
static rk_time_us month(int m)
{
    char text[32];
    rk_time_us t = -1;
    snprintf(text, sizeof(text), "2024-%02d-01T00:00:00.000Z", m);
    assert_int_equal(rk_time_parse(text, &t), 0);
    return t;
}

/* Stores version month m of id in the collection "All" with the given access metadata. */
static void put_v(struct fixture *f, const char *id, int m, int tlp,
                  const struct policy_principal *source, const char *scope, const char *recipients,
                  const char *joins)
{
    char json[512];
    char type[64];
    struct store_put p;
    struct rk_err err;

    snprintf(type, sizeof(type), "%.*s", (int)(strstr(id, "--") - id), id);
    snprintf(json, sizeof(json),
             "{\"created\":\"2024-01-01T00:00:00.000Z\",\"id\":\"%s\",\"modified\":"
             "\"2024-%02d-01T00:00:00.000Z\",\"spec_version\":\"2.1\",\"type\":\"%s\"}",
             id, m, type);
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = type;
    p.spec_version = "2.1";
    p.version = month(m);
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = tlp;
    p.access.source_org = source != NULL ? source->org_id : "";
    p.access.source_sector = source != NULL ? source->sector : "";
    p.access.scope = scope;
    p.access.recipients = recipients;
    p.access.joins = joins;
    p.access.rule = "test";
    if (store_put_objects(f->w.store, f->all.id, &p, 1, &err) != 0)
        fail_msg("put %s month %d: %s", id, m, err.msg);
    assert_int_equal(p.result, STORE_PUT_NEW);
}

/* One row as a read returned it. */
struct seen {
    char id[STIX_ID_MAX + 1];
    rk_time_us version;
    rk_time_us date_added;
};

struct seen_list {
    struct seen rows[MAX_ROWS];
    size_t n;
};

static int collect(void *ctx, const struct store_row *row)
{
    struct seen_list *l = ctx;
    assert_true(l->n < MAX_ROWS);
    snprintf(l->rows[l->n].id, sizeof(l->rows[0].id), "%s", row->id);
    l->rows[l->n].version = row->version;
    l->rows[l->n].date_added = row->date_added;
    l->n++;
    return 0;
}

/*
 * Every row policy_query returns to who for version selection sel (0 = the default, last),
 * ids (NULL: the whole collection), in pages of limit rows chained by added_after as a TAXII
 * client would. now_shift moves the access context's clock (the green delay).
 */
static void read_all(struct fixture *f, const struct policy_principal *who, unsigned sel,
                     const char *id, size_t limit, rk_time_us now_shift, struct seen_list *out)
{
    const char *ids[1] = {id};
    rk_time_us after = -1;
    struct rk_err err;

    out->n = 0;
    for (int pages = 0;; pages++) {
        struct policy_access_ctx ax;
        struct store_query q;
        struct store_page page;
        size_t before = out->n;

        assert_true(pages < MAX_ROWS + 1);
        assert_int_equal(policy_access_init(&ax, &f->w.hub, who, &f->all, "test-read", &err), 0);
        ax.now += now_shift;
        memset(&q, 0, sizeof(q));
        q.collection_id = f->all.id;
        q.added_after = after;
        q.limit = limit;
        q.ids = id != NULL ? ids : NULL;
        q.n_ids = id != NULL ? 1 : 0;
        q.version_sel = sel;
        q.with_json = true;
        if (policy_query(&ax, &q, collect, out, &page, &err) != 0)
            fail_msg("policy_query: %s", err.msg);
        policy_access_clear(&ax);
        assert_int_equal(page.count, out->n - before);
        if (!page.more)
            break;
        assert_int_equal(page.count, limit);
        after = page.last_added;
    }
}

/* The version of id in l, or -1 if id is absent; fails if id is there twice. */
static rk_time_us version_of(const struct seen_list *l, const char *id)
{
    rk_time_us v = -1;
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->rows[i].id, id) != 0)
            continue;
        if (v != -1)
            fail_msg("%s returned twice", id);
        v = l->rows[i].version;
    }
    return v;
}

/* The version of id who sees as "last", the same on a page of the collection and by id, in
 * pages of 1 and of 100; -1 if none. */
static rk_time_us last_seen(struct fixture *f, const struct policy_principal *who, const char *id)
{
    struct seen_list *l = malloc(sizeof(*l));
    rk_time_us v = -2;

    assert_non_null(l);
    for (int by_id = 0; by_id <= 1; by_id++) {
        for (size_t limit = 1; limit <= 100; limit += 99) {
            read_all(f, who, 0, by_id ? id : NULL, limit, 0, l);
            rk_time_us got = version_of(l, id);
            if (v != -2 && got != v)
                fail_msg("%s: by_id %d limit %zu gives another version", id, by_id, limit);
            v = got;
        }
    }
    free(l);
    return v;
}

/* Versions with the same access metadata: only the newest, wherever it was added. */
static void identical_versions_give_the_newest(void **state)
{
    struct fixture *f = *state;
    const char *a = new_id(f, "indicator");

    /* Added out of version order: the newest is neither the first nor the last added. */
    put_v(f, a, 2, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_v(f, a, 3, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_v(f, a, 1, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    assert_true(last_seen(f, &f->w.fin2, a) == month(3));
    assert_true(last_seen(f, &f->w.fin1, a) == month(3));
    assert_true(last_seen(f, &f->w.coord, a) == month(3));
    assert_true(last_seen(f, &f->w.anon, a) == -1);
}

/*
 * A hidden newer version is never shown and never hides the visible older one, whichever
 * access column differs; versions with the same metadata as the hidden one stay hidden.
 */
static void hidden_newer_version_neither_shows_nor_hides(void **state)
{
    struct fixture *f = *state;
    const char *tlp = new_id(f, "indicator");
    const char *rcpt = new_id(f, "indicator");
    const char *scope = new_id(f, "indicator");
    const char *src = new_id(f, "indicator");
    const char *end_ok = new_id(f, "indicator");
    const char *end_red = new_id(f, "indicator");
    const char *rel = new_id(f, "relationship");
    const char *chain = new_id(f, "indicator");
    char joins_ok[2 * (STIX_ID_MAX + 1)], joins_red[2 * (STIX_ID_MAX + 1)];

    /* tlp: GREEN, GREEN (same: skipped), then RED for rail. */
    put_v(f, tlp, 3, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    put_v(f, tlp, 1, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_v(f, tlp, 2, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    assert_true(last_seen(f, &f->w.fin2, tlp) == month(2));
    assert_true(last_seen(f, &f->w.rail, tlp) == month(3));
    assert_true(last_seen(f, &f->w.fin1, tlp) == month(3));
    /* recipients: RED for rail, then RED for fin2 (same tlp and source). */
    put_v(f, rcpt, 2, POLICY_TLP_RED, &f->w.fin1, "", f->w.fin2.org_id, "");
    put_v(f, rcpt, 1, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    assert_true(last_seen(f, &f->w.rail, rcpt) == month(1));
    assert_true(last_seen(f, &f->w.fin2, rcpt) == month(2));
    assert_true(last_seen(f, &f->w.coord, rcpt) == -1);
    /* scope: AMBER for railways, then AMBER for finance. */
    put_v(f, scope, 1, POLICY_TLP_AMBER, &f->w.fin1, "sector:railways", "", "");
    put_v(f, scope, 2, POLICY_TLP_AMBER, &f->w.fin1, "sector:finance", "", "");
    assert_true(last_seen(f, &f->w.rail, scope) == month(1));
    assert_true(last_seen(f, &f->w.fin2, scope) == month(2));
    /* source: AMBER+STRICT from fin1, then from rail. */
    put_v(f, src, 2, POLICY_TLP_AMBER_STRICT, &f->w.rail, "", "", "");
    put_v(f, src, 1, POLICY_TLP_AMBER_STRICT, &f->w.fin1, "", "", "");
    assert_true(last_seen(f, &f->w.fin1, src) == month(1));
    assert_true(last_seen(f, &f->w.rail, src) == month(2));
    assert_true(last_seen(f, &f->w.fin2, src) == -1);
    /* joins: the newer version of a relationship points at an end fin2 cannot see. */
    put_v(f, end_ok, 1, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_v(f, end_red, 1, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    snprintf(joins_ok, sizeof(joins_ok), "%s %s", end_ok, end_ok);
    snprintf(joins_red, sizeof(joins_red), "%s %s", end_ok, end_red);
    put_v(f, rel, 2, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins_red);
    put_v(f, rel, 1, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins_ok);
    put_v(f, rel, 3, POLICY_TLP_GREEN, &f->w.fin1, "", "", joins_red);
    assert_true(last_seen(f, &f->w.fin2, rel) == month(1));
    assert_true(last_seen(f, &f->w.rail, rel) == month(3));
    /* chain: hidden, visible, hidden, visible, hidden; each visible one like its neighbour
     * in the list but not like the hidden ones. */
    put_v(f, chain, 5, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    put_v(f, chain, 4, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_v(f, chain, 3, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    put_v(f, chain, 2, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    put_v(f, chain, 1, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    assert_true(last_seen(f, &f->w.fin2, chain) == month(4));
    assert_true(last_seen(f, &f->w.rail, chain) == month(5));
    assert_true(last_seen(f, &f->w.anon, chain) == -1);
}

/*
 * The green delay makes visibility depend on date_added: of two versions with the same
 * metadata the older one may be old enough and the newer one not. Then the older one is the
 * latest visible version, so it must not be skipped as shadowed.
 */
static void green_delay_keeps_the_older_version(void **state)
{
    struct fixture *f = *state;
    const char *g = new_id(f, "indicator");
    struct seen_list *l = malloc(sizeof(*l));
    struct rk_err err;
    rk_time_us added1 = -1, added2 = -1;
    const rk_time_us hour = (rk_time_us)3600 * 1000000;

    assert_non_null(l);
    put_v(f, g, 1, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    usleep(300000); /* far more than a read takes, so the clock set below stays between */
    put_v(f, g, 2, POLICY_TLP_GREEN, &f->w.fin1, "", "", "");
    read_all(f, &f->w.coord, STORE_VERSION_ALL, g, 10, 0, l);
    assert_int_equal(l->n, 2);
    for (size_t i = 0; i < l->n; i++)
        *(l->rows[i].version == month(1) ? &added1 : &added2) = l->rows[i].date_added;
    assert_true(added1 > 0 && added2 > added1);
    assert_int_equal(
        store_setting_set(f->w.store, POLICY_SETTING_DOC, "{\"green_delay_hours\":2}", &err), 0);
    /* rail never contributed. Its clock set so that version 1 is exactly 2 hours old and
     * version 2 younger: the default read gives version 1, by id and in the list. */
    for (int by_id = 0; by_id <= 1; by_id++) {
        rk_time_us shift = added1 + 2 * hour - rk_time_now();
        read_all(f, &f->w.rail, 0, by_id ? g : NULL, 100, shift, l);
        assert_true(version_of(l, g) == month(1));
        read_all(f, &f->w.rail, STORE_VERSION_LAST, by_id ? g : NULL, 1, shift, l);
        assert_true(version_of(l, g) == month(1));
        /* Later both are old enough: version 2. Before, neither: nothing. */
        read_all(f, &f->w.rail, 0, by_id ? g : NULL, 100, shift + (added2 - added1), l);
        assert_true(version_of(l, g) == month(2));
        read_all(f, &f->w.rail, 0, by_id ? g : NULL, 100, 0, l);
        assert_true(version_of(l, g) == -1);
    }
    /* The source is not delayed: version 2 at once. */
    assert_true(last_seen(f, &f->w.fin1, g) == month(2));
    assert_int_equal(store_setting_set(f->w.store, POLICY_SETTING_DOC, "{}", &err), 0);
    free(l);
}

/* ---- the model ----------------------------------------------------------------------- */

/* What model_row collects: every version of one id in "All" who may see. */
struct model_probe {
    struct fixture *f;
    struct policy_access_ctx *ax;
    rk_time_us best_version; /* newest visible, -1 none */
    rk_time_us best_added;
};

static int model_row(void *ctx, const struct store_row *row)
{
    struct model_probe *mp = ctx;
    if (strcmp(row->collection_id, mp->f->all.id) != 0)
        return 0;
    if (policy_may_read_object(mp->ax, row) && row->version > mp->best_version) {
        mp->best_version = row->version;
        mp->best_added = row->date_added;
    }
    return 0;
}

/* Tiny deterministic generator (xorshift32), so a failure can be replayed. */
static unsigned next_rand(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/*
 * Random histories: ids with one to five versions, each with metadata drawn from a small set
 * (so that neighbours are often, not always, identical), added in random version order. For
 * every requester, the default read (paged by 1, 3 and 100, and by id) returns exactly, in
 * date_added order, the newest version of each id that policy_may_read_object admits among
 * all stored versions (listed by store_find_object, not by the query under test).
 */
static void last_matches_the_model(void **state)
{
    struct fixture *f = *state;
    const struct policy_principal *who[] = {&f->w.anon, &f->w.fin1, &f->w.fin2, &f->w.rail,
                                            &f->w.coord};
    const char *ends[2];
    char joins[3][2 * (STIX_ID_MAX + 1)];
    unsigned seed = 0x2545f491u;
    const char *objs[24];
    size_t n_objs = 0;
    struct seen_list *got = malloc(sizeof(*got));
    struct rk_err err;

    assert_non_null(got);
    ends[0] = new_id(f, "indicator"); /* CLEAR: every member and anyone */
    ends[1] = new_id(f, "indicator"); /* RED for rail */
    put_v(f, ends[0], 1, POLICY_TLP_CLEAR, &f->w.fin1, "", "", "");
    put_v(f, ends[1], 1, POLICY_TLP_RED, &f->w.fin1, "", f->w.rail.org_id, "");
    snprintf(joins[0], sizeof(joins[0]), "%s", "");
    snprintf(joins[1], sizeof(joins[1]), "%s %s", ends[0], ends[0]);
    snprintf(joins[2], sizeof(joins[2]), "%s %s", ends[0], ends[1]);
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
        const char *id = new_id(f, i % 3 == 0 ? "relationship" : "indicator");
        int months[5] = {1, 2, 3, 4, 5};
        int nv = 1 + (int)(next_rand(&seed) % 5);
        objs[n_objs++] = id;
        for (int k = nv - 1; k > 0; k--) { /* shuffle the first nv months */
            int j = (int)(next_rand(&seed) % (unsigned)(k + 1));
            int t = months[k];
            months[k] = months[j];
            months[j] = t;
        }
        /* Each version keeps the metadata of the one added before it half of the time. */
        int tlp = POLICY_TLP_GREEN;
        const struct policy_principal *src = &f->w.fin1;
        const char *scope = "", *rcpt = "", *j = joins[0];
        for (int k = 0; k < nv; k++) {
            static const int tlps[] = {POLICY_TLP_GREEN, POLICY_TLP_GREEN,        POLICY_TLP_CLEAR,
                                       POLICY_TLP_AMBER, POLICY_TLP_AMBER_STRICT, POLICY_TLP_RED};
            unsigned r = next_rand(&seed);
            if (k == 0 || r % 2 == 0) {
                r >>= 1;
                tlp = tlps[r % 6];
                src = (r >> 3) % 3 == 0 ? &f->w.rail : &f->w.fin1;
                scope = (r >> 5) % 3 == 0 ? "sector:finance" : "";
                rcpt = (r >> 7) % 4 == 0 ? f->w.fin2.org_id : "";
                j = i % 3 == 0 ? joins[1 + (r >> 9) % 2] : joins[0];
            }
            put_v(f, id, months[k], tlp, src, scope, rcpt, j);
        }
    }
    for (size_t w = 0; w < sizeof(who) / sizeof(who[0]); w++) {
        /* The model: per id, the newest version who may see, in date_added order. */
        struct seen_list *want = malloc(sizeof(*want));
        assert_non_null(want);
        want->n = 0;
        for (size_t i = 0; i < n_objs; i++) {
            struct policy_access_ctx ax;
            assert_int_equal(policy_access_init(&ax, &f->w.hub, who[w], &f->all, "t", &err), 0);
            struct model_probe mp = {f, &ax, -1, -1};
            assert_int_equal(store_find_object(f->w.store, objs[i], model_row, &mp, &err), 0);
            policy_access_clear(&ax);
            if (mp.best_version < 0)
                continue;
            size_t at = want->n++;
            while (at > 0 && want->rows[at - 1].date_added > mp.best_added) {
                want->rows[at] = want->rows[at - 1];
                at--;
            }
            snprintf(want->rows[at].id, sizeof(want->rows[0].id), "%s", objs[i]);
            want->rows[at].version = mp.best_version;
            want->rows[at].date_added = mp.best_added;
        }
        static const size_t limits[] = {1, 3, 100};
        for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
            size_t limit = limits[li];
            read_all(f, who[w], 0, NULL, limit, 0, got);
            /* ends[] are in the collection too: drop them. */
            size_t k = 0;
            for (size_t i = 0; i < got->n; i++)
                if (strcmp(got->rows[i].id, ends[0]) != 0 && strcmp(got->rows[i].id, ends[1]) != 0)
                    got->rows[k++] = got->rows[i];
            got->n = k;
            if (got->n != want->n)
                fail_msg("requester %zu, limit %zu: %zu rows, the model has %zu", w, limit, got->n,
                         want->n);
            for (size_t i = 0; i < want->n; i++) {
                if (strcmp(got->rows[i].id, want->rows[i].id) != 0 ||
                    got->rows[i].version != want->rows[i].version ||
                    got->rows[i].date_added != want->rows[i].date_added)
                    fail_msg("requester %zu, limit %zu, row %zu: %s v%lld, model %s v%lld", w,
                             limit, i, got->rows[i].id, (long long)got->rows[i].version,
                             want->rows[i].id, (long long)want->rows[i].version);
            }
        }
        for (size_t i = 0; i < n_objs; i++) {
            read_all(f, who[w], STORE_VERSION_LAST, objs[i], 1, 0, got);
            assert_true(version_of(got, objs[i]) == version_of(want, objs[i]));
        }
        free(want);
    }
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(identical_versions_give_the_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(hidden_newer_version_neither_shows_nor_hides, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(green_delay_keeps_the_older_version, setup, teardown),
        cmocka_unit_test_setup_teardown(last_matches_the_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
