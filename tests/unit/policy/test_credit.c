/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_credit.c: the credit ledger over a real (temporary) SQLite store: points and counts
 * per kind, an organisation sees only its own credit, who used a contribution never
 * appears in the summary. The member view counts only the sightings and correlations the
 * member may see through the access check (a RED sighting, a copy in a collection it cannot
 * read, an event naming no sighting are left out, points included), and shows a count about
 * others only when k or more organisations are behind it ("fewer than k" below, k from the
 * argument or the policy document); the coordinator's view counts every event exactly.
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

#include "../store/test_store_helpers.h"
#include "policy/policy.h"

#define N_USERS 4

/* Objects of the scenario (record_usage). */
#define IND1  "indicator--00000001-3333-4333-8333-333333333333"
#define IND2  "indicator--00000002-3333-4333-8333-333333333333"
#define INC3  "incident--00000003-3333-4333-8333-333333333333"
#define SIGHT "sighting--0000000%d-3333-4333-8333-333333333333"

struct fixture {
    struct tstore t;                 /* temporary directory and store (test_store_helpers.h) */
    struct rk_hub hub;               /* over t.s */
    struct store_org source;         /* earns credit */
    struct store_org users[N_USERS]; /* use its contributions */
    struct store_collection all;     /* read by every member */
    struct store_collection own3;    /* read by user 3 only */
};

static const char *const user_sectors[N_USERS] = {"electric-power", "electric-power", "gas",
                                                  "medical"};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char token[POLICY_TOKEN_LEN + 1];
    char name[32];
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", token, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0)
        return -1;
    if (policy_org_add(f->t.s, "source-bank", "finance", STORE_ANON_NAMED, &f->source, &err) != 0)
        return -1;
    for (int i = 0; i < N_USERS; i++) {
        snprintf(name, sizeof(name), "user-%d", i);
        if (policy_org_add(f->t.s, name, user_sectors[i], STORE_ANON_NAMED, &f->users[i], &err) !=
            0)
            return -1;
    }
    if (policy_collection_add(f->t.s, "All", "", "all", "all", "all", &f->all, &err) != 0 ||
        policy_collection_add(f->t.s, "Own", "", "own3", "org:user-3", "org:user-3", &f->own3,
                              &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_org_clear(&f->source);
    for (int i = 0; i < N_USERS; i++)
        store_org_clear(&f->users[i]);
    store_collection_clear(&f->all);
    store_collection_clear(&f->own3);
    tstore_remove(&f->t);
    free(f);
    return 0;
}

static struct store_credit event(const struct store_org *earner, const char *kind,
                                 const char *object_id, int points, const struct store_org *by)
{
    struct store_credit c = {0};

    c.org_id = (char *)earner->id;
    c.kind = (char *)kind;
    c.object_id = (char *)object_id;
    c.points = points;
    c.by_org = by != NULL ? (char *)by->id : (char *)"";
    c.by_sector = by != NULL ? by->sector : (char *)"";
    return c;
}

/* Stores a new version of id in c posted by by, with tlp and joins, as ingest would. */
static void put(struct fixture *f, const struct store_collection *c, const char *id, int tlp,
                const struct store_org *by, const char *joins)
{
    char json[256], type[64];
    struct store_put p;
    struct rk_err err;
    static rk_time_us version = 1000;

    snprintf(type, sizeof(type), "%.*s", (int)(strstr(id, "--") - id), id);
    snprintf(json, sizeof(json), "{\"id\":\"%s\",\"type\":\"%s\",\"by\":\"%s\"}", id, type, by->id);
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = type;
    p.spec_version = "2.1";
    p.version = ++version;
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = tlp;
    p.access.source_org = by->id;
    p.access.source_sector = by->sector;
    p.access.joins = joins;
    p.access.rule = "test";
    assert_int_equal(store_put_objects(f->t.s, c->id, &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
}

static const char *sight_id(char out[80], int n)
{
    snprintf(out, 80, SIGHT, n);
    return out;
}

/*
 * The source contributes 3 objects (GREEN, readable by all); users 0, 1 and 3 sight them
 * (four GREEN sightings the source may see) and user 2 posts its own copy of indicator 2 (a
 * correlation the source may see). 4 organisations in 3 sectors.
 */
static void record_usage(struct fixture *f)
{
    char s[4][80];
    const struct store_org *by[4] = {&f->users[0], &f->users[1], &f->users[3], &f->users[3]};
    const char *of[4] = {IND1, IND1, IND2, IND2};

    put(f, &f->all, IND1, POLICY_TLP_GREEN, &f->source, "");
    put(f, &f->all, IND2, POLICY_TLP_GREEN, &f->source, "");
    put(f, &f->all, INC3, POLICY_TLP_GREEN, &f->source, "");
    for (int i = 0; i < 4; i++)
        put(f, &f->all, sight_id(s[i], i + 1), POLICY_TLP_GREEN, by[i], of[i]);
    put(f, &f->all, IND2, POLICY_TLP_GREEN, &f->users[2], "");
    struct store_credit ev[] = {
        event(&f->source, "contribution", IND1, 3 * POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "sighting", s[0], POLICY_CREDIT_SIGHTING, by[0]),
        event(&f->source, "sighting", s[1], POLICY_CREDIT_SIGHTING, by[1]),
        event(&f->source, "correlation", IND2, POLICY_CREDIT_CORRELATION, &f->users[2]),
        event(&f->source, "sighting", s[2], POLICY_CREDIT_SIGHTING, by[2]),
        event(&f->source, "sighting", s[3], POLICY_CREDIT_SIGHTING, by[3]),
        /* user 0's own contribution: not the source's credit */
        event(&f->users[0], "contribution", "indicator--9", POLICY_CREDIT_CONTRIBUTION,
              &f->users[0]),
    };
    struct rk_err err;

    assert_int_equal(policy_credit_record(f->t.s, ev, sizeof(ev) / sizeof(ev[0]), &err), 0);
}

/* The summary of org in view with k, as parsed JSON (the raw text goes to *raw if not
 * NULL). */
static json_t *summary(struct fixture *f, const char *org, int view, int k, char **raw)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *v;

    rk_err_clear(&err);
    if (policy_credit_summary(&f->hub, org, view, k, &b, &err) != 0)
        fail_msg("policy_credit_summary: %s", err.msg);
    v = json_loads(b.data, 0, NULL);
    assert_non_null(v);
    if (raw != NULL)
        *raw = rk_buf_steal(&b);
    rk_buf_free(&b);
    return v;
}

static json_int_t num(const json_t *v, const char *key)
{
    const json_t *n = json_object_get(v, key);

    if (!json_is_integer(n))
        fail_msg("%s is not a number", key);
    return json_integer_value(n);
}

static bool hidden(const json_t *v, const char *key)
{
    return json_is_string(json_object_get(v, key)) &&
           strcmp(json_string_value(json_object_get(v, key)), "fewer than k") == 0;
}

static const json_t *used(const json_t *v)
{
    return json_object_get(v, "used_by");
}

static void counts_and_points(void **state)
{
    struct fixture *f = *state;
    json_t *v;

    record_usage(f);
    /* k = 1: everything the source may see is shown, and it may see everything. */
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 1, NULL);
    assert_string_equal(json_string_value(json_object_get(v, "org")), "source-bank");
    assert_string_equal(json_string_value(json_object_get(v, "view")), "member");
    assert_int_equal(num(v, "contributions"), 3);
    assert_int_equal(num(v, "sightings_by_others"), 4);
    assert_int_equal(num(v, "correlations_by_others"), 1);
    assert_int_equal(num(v, "points"), 3 * 1 + 4 * 5 + 1 * 2);
    assert_int_equal(num(used(v), "organisations"), 4);
    assert_int_equal(num(used(v), "sectors"), 3);
    json_decref(v);

    /* The coordinator's view is the same here, exact whatever k. */
    v = summary(f, "source-bank", POLICY_CREDIT_COORDINATOR, 5, NULL);
    assert_string_equal(json_string_value(json_object_get(v, "view")), "coordinator");
    assert_int_equal(num(v, "sightings_by_others"), 4);
    assert_int_equal(num(v, "correlations_by_others"), 1);
    assert_int_equal(num(v, "points"), 25);
    assert_int_equal(num(used(v), "organisations"), 4);
    json_decref(v);

    /* user 0 sees only its own contribution. */
    v = summary(f, "user-0", POLICY_CREDIT_MEMBER, 2, NULL);
    assert_int_equal(num(v, "points"), 1);
    assert_int_equal(num(v, "contributions"), 1);
    assert_int_equal(num(v, "sightings_by_others"), 0);
    assert_int_equal(num(used(v), "organisations"), 0);
    json_decref(v);
}

/* Ingest writes one contribution event per envelope worth its objects; older ledgers have
 * one per object. Both count as objects, in the summary and in credit_sum. */
static void envelope_events_count_their_objects(void **state)
{
    struct fixture *f = *state;
    struct store_credit ev[] = {
        event(&f->source, "contribution", IND1, POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "contribution", IND2, 3 * POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "correlation", IND2, POLICY_CREDIT_CORRELATION, &f->users[0]),
    };
    struct rk_err err;
    int64_t n = 0;
    json_t *v;

    assert_int_equal(policy_credit_record(f->t.s, ev, 3, &err), 0);
    v = summary(f, f->source.id, POLICY_CREDIT_COORDINATOR, 2, NULL);
    assert_int_equal(num(v, "contributions"), 4);
    assert_int_equal(num(v, "correlations_by_others"), 1);
    assert_int_equal(num(v, "points"), 4 * POLICY_CREDIT_CONTRIBUTION + POLICY_CREDIT_CORRELATION);
    json_decref(v);
    assert_int_equal(store_credit_sum(f->t.s, f->source.id, "contribution", &n, &err), 0);
    assert_int_equal(n, 4);
}

static void summary_hides_who_and_applies_k(void **state)
{
    struct fixture *f = *state;
    char *raw = NULL;
    json_t *v;

    record_usage(f);
    /* k = 5 > 4 users: no count about others is shown, nor the points they earned. */
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 5, &raw);
    assert_true(hidden(used(v), "organisations"));
    assert_true(hidden(used(v), "sectors"));
    assert_true(hidden(v, "sightings_by_others"));
    assert_true(hidden(v, "correlations_by_others"));
    assert_int_equal(num(v, "points"), 3);
    assert_int_equal(num(v, "contributions"), 3);
    /* Never who: no id, name or sector of a user anywhere in the text. */
    for (int i = 0; i < N_USERS; i++) {
        assert_null(strstr(raw, f->users[i].id));
        assert_null(strstr(raw, f->users[i].name));
        assert_null(strstr(raw, f->users[i].sector));
    }
    free(raw);
    json_decref(v);

    /* k = 3: the sightings come from 3 organisations (shown), the correlation from one (not:
     * it would name the one that copied); 4 organisations shown, their 3 sectors too. */
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 3, NULL);
    assert_int_equal(num(v, "sightings_by_others"), 4);
    assert_true(hidden(v, "correlations_by_others"));
    assert_int_equal(num(v, "points"), 3 + 4 * POLICY_CREDIT_SIGHTING);
    assert_int_equal(num(used(v), "organisations"), 4);
    assert_int_equal(num(used(v), "sectors"), 3);
    json_decref(v);

    /* k = 4: exactly k organisations are shown, but their 3 sectors are fewer than k. */
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 4, NULL);
    assert_int_equal(num(used(v), "organisations"), 4);
    assert_true(hidden(used(v), "sectors"));
    json_decref(v);
}

/* The hub's cross-sector correlations (events without by_org, naming the hub's grouping):
 * counted for the member when it may read the grouping, shown as a number whatever k (no
 * organisation stands behind them), adding no organisation or sector to used_by. */
static void hub_correlations_count_when_the_grouping_is_visible(void **state)
{
    struct fixture *f = *state;
    const char *seen = "grouping--00000001-4444-4444-8444-444444444444";
    const char *unseen = "grouping--00000002-4444-4444-8444-444444444444";
    json_t *v;

    put(f, &f->all, seen, POLICY_TLP_GREEN, &f->users[0], "");
    put(f, &f->own3, unseen, POLICY_TLP_GREEN, &f->users[3], "");
    struct store_credit ev[] = {
        event(&f->source, "correlation", seen, POLICY_CREDIT_CORRELATION, NULL),
        event(&f->source, "correlation", unseen, POLICY_CREDIT_CORRELATION, NULL),
    };
    struct rk_err err;
    assert_int_equal(policy_credit_record(f->t.s, ev, 2, &err), 0);

    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 5, NULL);
    assert_int_equal(num(v, "correlations_by_others"), 1);
    assert_int_equal(num(v, "points"), POLICY_CREDIT_CORRELATION);
    assert_int_equal(num(used(v), "organisations"), 0);
    json_decref(v);
    v = summary(f, f->source.id, POLICY_CREDIT_COORDINATOR, 5, NULL);
    assert_int_equal(num(v, "correlations_by_others"), 2);
    json_decref(v);
}

/* What the source may not see is not counted for it: a RED sighting, a correlation whose
 * copy sits in a collection it cannot read, a sighting event that names no sighting (the
 * ledger's older form), an event whose organisation has no such version. The coordinator's
 * view counts them all. */
static void member_counts_only_what_it_may_see(void **state)
{
    struct fixture *f = *state;
    char s[2][80];
    json_t *v;

    put(f, &f->all, IND1, POLICY_TLP_GREEN, &f->source, "");
    put(f, &f->all, sight_id(s[0], 1), POLICY_TLP_GREEN, &f->users[0], IND1);
    put(f, &f->all, sight_id(s[1], 2), POLICY_TLP_RED, &f->users[1], IND1);
    put(f, &f->own3, IND1, POLICY_TLP_GREEN, &f->users[3], "");
    struct store_credit ev[] = {
        event(&f->source, "contribution", IND1, POLICY_CREDIT_CONTRIBUTION, &f->source),
        event(&f->source, "sighting", s[0], POLICY_CREDIT_SIGHTING, &f->users[0]), /* seen */
        event(&f->source, "sighting", s[1], POLICY_CREDIT_SIGHTING, &f->users[1]), /* RED */
        event(&f->source, "correlation", IND1, POLICY_CREDIT_CORRELATION, &f->users[3]),
        event(&f->source, "sighting", IND1, POLICY_CREDIT_SIGHTING, &f->users[2]), /* old form */
        event(&f->source, "sighting", s[0], POLICY_CREDIT_SIGHTING, &f->users[2]), /* not its */
        event(&f->source, "correlation", IND1, POLICY_CREDIT_CORRELATION, &f->users[2]),
    };
    struct rk_err err;

    assert_int_equal(policy_credit_record(f->t.s, ev, sizeof(ev) / sizeof(ev[0]), &err), 0);
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 1, NULL);
    assert_int_equal(num(v, "sightings_by_others"), 1);
    assert_int_equal(num(v, "correlations_by_others"), 0);
    assert_int_equal(num(v, "points"), 1 + 5);
    assert_int_equal(num(used(v), "organisations"), 1);
    json_decref(v);
    /* With the default k one visible sighting is "fewer than k", and earns no points. */
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 0, NULL);
    assert_true(hidden(v, "sightings_by_others"));
    assert_int_equal(num(v, "correlations_by_others"), 0);
    assert_int_equal(num(v, "points"), 1);
    json_decref(v);
    v = summary(f, f->source.id, POLICY_CREDIT_COORDINATOR, 0, NULL);
    assert_int_equal(num(v, "sightings_by_others"), 4);
    assert_int_equal(num(v, "correlations_by_others"), 2);
    assert_int_equal(num(v, "points"), 1 + 4 * 5 + 2 * 2);
    assert_int_equal(num(used(v), "organisations"), 4);
    json_decref(v);
}

static void k_comes_from_the_policy(void **state)
{
    struct fixture *f = *state;
    struct policy_principal coord;
    struct rk_err err;
    json_t *v;

    record_usage(f);
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 0, NULL); /* default k = 5 */
    assert_true(hidden(used(v), "organisations"));
    assert_true(hidden(v, "sightings_by_others"));
    json_decref(v);
    assert_int_equal(policy_coordinator_principal(f->t.s, &coord, &err), 0);
    assert_int_equal(policy_doc_update(f->t.s, &coord, "t", "{\"sector_k\": 3}", &err), 0);
    v = summary(f, f->source.id, POLICY_CREDIT_MEMBER, 0, NULL);
    assert_int_equal(num(used(v), "organisations"), 4);
    assert_int_equal(num(v, "sightings_by_others"), 4);
    json_decref(v);
}

static void bad_events_and_orgs(void **state)
{
    struct fixture *f = *state;
    struct store_credit bad = event(&f->source, "gift", IND1, 100, NULL);
    struct store_credit none = event(&f->source, "sighting", IND1, 5, NULL);
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *v;

    assert_int_equal(policy_credit_record(f->t.s, &bad, 1, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "gift"));
    none.org_id = (char *)"";
    assert_int_equal(policy_credit_record(f->t.s, &none, 1, &err), RK_E_INVALID);
    assert_int_equal(policy_credit_record(f->t.s, NULL, 0, &err), 0);
    assert_int_equal(policy_credit_summary(&f->hub, "nobody", POLICY_CREDIT_MEMBER, 5, &b, &err),
                     RK_E_NOTFOUND);
    assert_int_equal(b.len, 0);
    assert_int_equal(policy_credit_summary(&f->hub, f->source.id, 0, 5, &b, &err), RK_E_INVALID);
    assert_int_equal(b.len, 0);
    /* Nothing was recorded by the refused calls. */
    v = summary(f, f->source.id, POLICY_CREDIT_COORDINATOR, 5, NULL);
    assert_int_equal(num(v, "points"), 0);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_and_points, setup, teardown),
        cmocka_unit_test_setup_teardown(envelope_events_count_their_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(summary_hides_who_and_applies_k, setup, teardown),
        cmocka_unit_test_setup_teardown(member_counts_only_what_it_may_see, setup, teardown),
        cmocka_unit_test_setup_teardown(hub_correlations_count_when_the_grouping_is_visible, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(k_comes_from_the_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_events_and_orgs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
