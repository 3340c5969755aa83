/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_report.c: incident reports and the severity hook. The report's validation (each bad
 * member named), the stamp (a member's hub_severity removed and replaced, the reporter's kept,
 * an incident without the extension untouched), the extension-definition object (valid
 * STIX); then over a real (temporary) store with analyze attached to the hub: the hook writes
 * hub_severity and notes it in provenance, refuses a bad report through the per-object
 * failure path, leaves relay collections alone, follows the criteria table of the policy
 * (validated with the rule named), and stays consistent while the table is swapped under
 * concurrent posts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/test_store_helpers.h"
#include "analyze/analyze.h"
#include "policy/policy_int.h"

#define EXT ANALYZE_SEV_EXTENSION

/* An incident with the renkei extension holding the members of the JSON text ext_members. */
static json_t *report(const char *id, const char *modified, const char *ext_members)
{
    json_t *ext = json_loads(ext_members, 0, NULL);
    if (ext == NULL)
        fail_msg("bad test JSON: %s", ext_members);
    json_object_set_new(ext, "extension_type", json_string("property-extension"));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:o}}", "type", "incident", "spec_version",
                     "2.1", "id", id, "created", "2026-01-01T00:00:00.000Z", "modified", modified,
                     "name", "test", "extensions", EXT, ext);
}

static struct analyze_sev_table *default_table(void)
{
    struct analyze_sev_table *t = NULL;
    struct rk_err err = {0};
    const char *text = analyze_severity_default_table();
    assert_int_equal(analyze_severity_table_parse(text, strlen(text), &t, &err), 0);
    return t;
}

static json_t *hub_severity(json_t *incident)
{
    return json_object_get(json_object_get(json_object_get(incident, "extensions"), EXT),
                           ANALYZE_SEV_HUB_MEMBER);
}

/* ---- the pure parts --------------------------------------------------------------------- */

static void check_names_the_member(void **state)
{
    (void)state;
    static const struct {
        const char *ext;
        const char *want;
    } cases[] = {
        {"{\"status\": \"ongoing\"}", "event_type: required, one of confidentiality-loss"},
        {"{\"event_type\": \"leak\", \"status\": \"ongoing\"}", "event_type: must be one of"},
        {"{\"event_type\": \"other\"}", "status: required, one of detected, ongoing, recovered"},
        {"{\"event_type\": \"other\", \"status\": 3}", "status: must be one of"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"cause\": \"ddos\"}",
         "cause: needs cause_type"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"cause_type\": \"environmental\","
         " \"cause\": \"ddos\"}",
         "cause: must be one of disaster, illness"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"cause_type\": \"natural\"}",
         "cause_type: must be one of intentional"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"sector\": \"\"}",
         "sector: must be a string of 1 to 256 bytes"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"sectors_hit\": [\"gas\", 3]}",
         "sectors_hit[1]: must be a sector name"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"reporter_severity\": -1}",
         "reporter_severity: the reporter's own level must be an integer 0-4"},
        {"{\"event_type\": \"other\", \"status\": \"detected\", \"severity\": 2}",
         "unknown member \"severity\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *ext = json_loads(cases[i].ext, 0, NULL);
        json_object_set_new(ext, "extension_type", json_string("property-extension"));
        struct rk_err err = {0};
        assert_int_equal(analyze_report_check(ext, &err), RK_E_INVALID);
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.msg, cases[i].want);
        json_decref(ext);
    }
    json_t *ext = json_pack("{s:s, s:s}", "event_type", "other", "status", "detected");
    struct rk_err err = {0};
    assert_int_equal(analyze_report_check(ext, &err), RK_E_INVALID); /* no extension_type */
    assert_non_null(strstr(err.msg, "extension_type"));
    json_decref(ext);
}

static void stamp_replaces_what_a_member_wrote(void **state)
{
    (void)state;
    struct analyze_sev_table *t = default_table();
    struct rk_err err = {0};
    json_t *o = report("incident--11111111-1111-4111-8111-111111111111", "2026-01-01T00:00:00.000Z",
                       "{\"event_type\": \"availability-loss\", \"status\": \"ongoing\","
                       " \"service\": \"stopped\", \"duration_hours\": 30, \"regions\": 2,"
                       " \"reporter_severity\": 1,"
                       " \"hub_severity\": {\"level\": 0, \"x_forged\": true}}");
    assert_int_equal(analyze_severity_stamp(o, t, "sha256:test", &err), 1);
    json_t *hs = hub_severity(o);
    assert_int_equal(json_integer_value(json_object_get(hs, "level")), 3);
    assert_int_equal(json_integer_value(json_object_get(hs, "continuity")), 3);
    assert_int_equal(json_integer_value(json_object_get(hs, "safety")), 0);
    assert_int_equal(json_integer_value(json_object_get(hs, "trust")), 0);
    assert_string_equal(json_string_value(json_object_get(hs, "viewpoint")), "continuity");
    assert_string_equal(json_string_value(json_object_get(hs, "criteria")), "sha256:test");
    assert_string_equal(json_string_value(json_object_get(hs, "explanation")),
                        "level 3 (continuity): outage of 30 h, 2 prefectures/regions affected "
                        "[continuity rule 4: duration_hours >= 24 and regions >= 2]");
    assert_null(json_object_get(hs, "x_forged"));
    assert_int_equal(json_object_size(hs), 7);
    json_t *ext = json_object_get(json_object_get(o, "extensions"), EXT);
    assert_int_equal(json_integer_value(json_object_get(ext, "reporter_severity")), 1);
    /* Stamped twice (a second hook, a replay): the same result, not a nested one. */
    assert_int_equal(analyze_severity_stamp(o, t, "sha256:test", &err), 1);
    assert_int_equal(json_integer_value(json_object_get(hub_severity(o), "level")), 3);
    json_decref(o);

    /* A bad fact: refused, naming it; the forged value gone all the same. */
    o = report("incident--11111111-1111-4111-8111-111111111112", "2026-01-01T00:00:00.000Z",
               "{\"event_type\": \"other\", \"status\": \"ongoing\", \"safety\": \"bad\","
               " \"hub_severity\": {\"level\": 4}}");
    assert_int_equal(analyze_severity_stamp(o, t, "x", &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "safety: must be one of none, property, injury, death"));
    assert_null(hub_severity(o));
    json_decref(o);

    /* Without the extension: untouched. */
    o = json_pack("{s:s, s:s}", "type", "incident", "name", "plain");
    json_t *copy = json_deep_copy(o);
    assert_int_equal(analyze_severity_stamp(o, t, "x", &err), 0);
    assert_true(json_equal(o, copy));
    json_decref(o);
    json_decref(copy);
    analyze_severity_table_free(t);
}

static void extension_definition_is_valid_stix(void **state)
{
    (void)state;
    json_t *d = analyze_report_extension_definition();
    struct rk_err err = {0};
    if (stix_validate(d, &err) < 0)
        fail_msg("extension definition invalid: %s", err.msg);
    assert_string_equal(json_string_value(json_object_get(d, "id")), EXT);
    json_decref(d);
    /* And a stamped report is valid STIX too (the stored object is validated again). */
    struct analyze_sev_table *t = default_table();
    json_t *o = report("incident--11111111-1111-4111-8111-111111111113", "2026-01-01T00:00:00.000Z",
                       "{\"event_type\": \"other\", \"status\": \"recovered\"}");
    assert_int_equal(analyze_severity_stamp(o, t, "x", &err), 1);
    if (stix_validate(o, &err) < 0)
        fail_msg("stamped report invalid: %s", err.msg);
    json_decref(o);
    analyze_severity_table_free(t);
}

/* ---- through the ingest pipeline --------------------------------------------------------- */

struct fixture {
    struct tstore t;
    struct rk_hub hub;
    struct store_collection coll, relay;
    struct store_org acme;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char tok[POLICY_TOKEN_LEN + 1];
    struct rk_err err = {0};

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", tok, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0 || analyze_attach(&f->hub, &err) != 0 ||
        policy_org_add(f->t.s, "acme", "electric-power", STORE_ANON_NAMED, &f->acme, &err) != 0 ||
        policy_collection_add(f->t.s, "Reports", NULL, NULL, "all", "all", &f->coll, &err) != 0 ||
        policy_collection_add_ex(f->t.s, "Relay", NULL, NULL, "all", "all", POLICY_TLP_AMBER, true,
                                 &f->relay, &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tstore_remove(&f->t);
    store_org_clear(&f->acme);
    store_collection_clear(&f->coll);
    store_collection_clear(&f->relay);
    free(f);
    return 0;
}

static struct policy_ingest_item post_to(struct fixture *f, const struct store_collection *c,
                                         json_t *obj)
{
    struct policy_principal who;
    memset(&who, 0, sizeof(who));
    who.authenticated = true;
    snprintf(who.org_id, sizeof(who.org_id), "%s", f->acme.id);
    snprintf(who.org_name, sizeof(who.org_name), "%s", f->acme.name);
    snprintf(who.sector, sizeof(who.sector), "%s", f->acme.sector);
    who.role = STORE_ROLE_CONTRIBUTOR;
    who.token_anonymity = -1;
    json_t *env = json_pack("[o]", obj);
    struct policy_ingest_item it;
    struct rk_err err = {0};
    if (policy_ingest(&f->hub, &who, c, -1, env, &it, &err) != 0)
        fail_msg("ingest: %s", err.msg);
    json_decref(env);
    return it;
}

static int got_row(void *ctx, const struct store_row *row)
{
    json_t **out = ctx;
    json_decref(*out);
    *out = json_loadb(row->json, row->json_len, 0, NULL);
    return 0;
}

/* The stored latest version of id in c (read from the store: the test checks what ingest
 * wrote, not what a reader may see). */
static json_t *stored(struct fixture *f, const struct store_collection *c, const char *id)
{
    const char *ids[1] = {id};
    struct store_query q = {.collection_id = c->id,
                            .added_after = -1,
                            .limit = 10,
                            .ids = ids,
                            .n_ids = 1,
                            .with_json = true};
    struct store_page page;
    struct rk_err err = {0};
    json_t *o = NULL;
    assert_int_equal(f->t.s->ops->query(f->t.s, &q, NULL, NULL, got_row, &o, &page, &err), 0);
    return o;
}

static int actions_row(void *ctx, const struct store_provenance *p)
{
    snprintf(ctx, 512, "%s", p->actions);
    return 0;
}

static void hook_scores_reports_at_ingest(void **state)
{
    struct fixture *f = *state;
    const char *id = "incident--22222222-2222-4222-8222-222222222221";
    size_t hooks = f->hub.n_hooks;
    struct rk_err aerr = {0};
    assert_int_equal(analyze_attach(&f->hub, &aerr), 0); /* twice: still one hook */
    assert_int_equal(f->hub.n_hooks, hooks);
    struct policy_ingest_item it =
        post_to(f, &f->coll,
                report(id, "2026-01-01T00:00:00.000Z",
                       "{\"event_type\": \"integrity-loss\", \"status\": \"ongoing\","
                       " \"safety\": \"injury\", \"sector\": \"electric-power\","
                       " \"sectors_hit\": [\"gas\"], \"hub_severity\": {\"level\": 0}}"));
    assert_true(it.ok);
    json_t *o = stored(f, &f->coll, id);
    assert_non_null(o);
    json_t *hs = hub_severity(o);
    assert_int_equal(json_integer_value(json_object_get(hs, "level")), 3);
    assert_int_equal(json_integer_value(json_object_get(hs, "continuity")), 2); /* 1 sector */
    assert_string_equal(json_string_value(json_object_get(hs, "viewpoint")), "safety");
    assert_string_equal(json_string_value(json_object_get(hs, "criteria")),
                        "sha256:91bedafdf8475bb6");
    json_decref(o);
    char actions[512] = "";
    struct rk_err err = {0};
    assert_int_equal(store_provenance_list(f->t.s, id, actions_row, actions, &err), 0);
    assert_non_null(strstr(actions, "severity 3 computed by the hub (criteria sha256:"));

    /* A bad report: refused through the per-object failure path, nothing stored. */
    const char *bad = "incident--22222222-2222-4222-8222-222222222222";
    it = post_to(f, &f->coll,
                 report(bad, "2026-01-01T00:00:00.000Z",
                        "{\"event_type\": \"other\", \"status\": \"ongoing\","
                        " \"sector\": \"atlantis\"}"));
    assert_false(it.ok);
    assert_non_null(strstr(it.message, "sector: unknown sector 'atlantis'"));
    assert_null(stored(f, &f->coll, bad));

    /* A relay collection stores what it relays exactly as posted: not scored. */
    const char *relayed = "incident--22222222-2222-4222-8222-222222222223";
    it = post_to(f, &f->relay,
                 report(relayed, "2026-01-01T00:00:00.000Z",
                        "{\"event_type\": \"other\", \"status\": \"ongoing\"}"));
    assert_true(it.ok);
    o = stored(f, &f->relay, relayed);
    assert_non_null(o);
    assert_null(hub_severity(o));
    json_decref(o);
}

static void policy_section_holds_the_table(void **state)
{
    struct fixture *f = *state;
    struct rk_err err = {0};
    struct rk_buf b = RK_BUF_INIT;
    /* Shown with its default. */
    assert_int_equal(policy_doc_show(f->t.s, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"severity_criteria\""));
    rk_buf_free(&b);
    /* A bad table is refused naming the viewpoint and the rule; nothing changes. */
    int rc = policy_doc_update(f->t.s, NULL, "test",
                               "{\"severity_criteria\": {\"continuity\": [], \"safety\": [],"
                               " \"trust\": [{\"level\": 2, \"when\": {\"records\": 1}}]}}",
                               &err);
    assert_int_equal(rc, RK_E_INVALID);
    assert_string_equal(err.msg, "severity_criteria: trust rule 1: unknown fact \"records\"");
    /* A new table: later reports follow it. */
    assert_int_equal(policy_doc_update(f->t.s, NULL, "test",
                                       "{\"severity_criteria\": {\"continuity\": [], \"safety\":"
                                       " [], \"trust\": [{\"level\": 4, \"when\":"
                                       " {\"records_leaked\": 1}}]}}",
                                       &err),
                     0);
    const char *id = "incident--33333333-3333-4333-8333-333333333331";
    struct policy_ingest_item it =
        post_to(f, &f->coll,
                report(id, "2026-01-01T00:00:00.000Z",
                       "{\"event_type\": \"confidentiality-loss\", \"status\": \"ongoing\","
                       " \"records_leaked\": 1, \"service\": \"stopped\", \"duration_hours\": 99,"
                       " \"regions\": 40}"));
    assert_true(it.ok);
    json_t *o = stored(f, &f->coll, id);
    json_t *hs = hub_severity(o);
    assert_int_equal(json_integer_value(json_object_get(hs, "level")), 4);
    assert_int_equal(json_integer_value(json_object_get(hs, "continuity")), 0);
    assert_string_not_equal(json_string_value(json_object_get(hs, "criteria")),
                            "sha256:91bedafdf8475bb6");
    json_decref(o);
}

/* Concurrent posts while the coordinator swaps between two tables: every stored report was
 * scored by one table or the other, whole (its level matches its criteria id). */
struct poster {
    struct fixture *f;
    int n;         /* thread number */
    int failed;    /* posts that were refused */
    int *finished; /* posters done, shared */
};

#define POSTS_PER_THREAD 40
#define POSTERS          3

static void *poster_run(void *arg)
{
    struct poster *p = arg;
    for (int i = 0; i < POSTS_PER_THREAD; i++) {
        char id[80];
        snprintf(id, sizeof(id), "incident--44444444-4444-4444-8444-%04d%08d", p->n, i);
        struct policy_ingest_item it =
            post_to(p->f, &p->f->coll,
                    report(id, "2026-01-01T00:00:00.000Z",
                           "{\"event_type\": \"confidentiality-loss\", \"status\": \"ongoing\","
                           " \"records_leaked\": 5000}"));
        p->failed += !it.ok;
    }
    __atomic_add_fetch(p->finished, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void table_swap_under_concurrent_posts(void **state)
{
    struct fixture *f = *state;
    static const char *const tables[2] = {
        "{\"severity_criteria\": {\"continuity\": [], \"safety\": [], \"trust\":"
        " [{\"level\": 1, \"when\": {\"records_leaked\": 1}}]}}",
        "{\"severity_criteria\": {\"continuity\": [], \"safety\": [], \"trust\":"
        " [{\"level\": 4, \"when\": {\"records_leaked\": 1}}]}}",
    };
    pthread_t th[POSTERS];
    struct poster ps[POSTERS];
    struct rk_err err = {0};
    int finished = 0;
    for (int i = 0; i < POSTERS; i++) {
        ps[i] = (struct poster){f, i, 0, &finished};
        assert_int_equal(pthread_create(&th[i], NULL, poster_run, &ps[i]), 0);
    }
    for (int k = 0; k < 2 || __atomic_load_n(&finished, __ATOMIC_SEQ_CST) < POSTERS; k++)
        assert_int_equal(policy_doc_update(f->t.s, NULL, "test", tables[k % 2], &err), 0);
    for (int i = 0; i < POSTERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(ps[i].failed, 0);
    }
    /* Each criteria id seen goes with one level only: the default table's (2), the first
     * swapped-in table's (1) or the second's (4); never a mix. */
    char crit[3][64];
    long level_of[3];
    int n_crit = 0;
    for (int t = 0; t < POSTERS; t++) {
        for (int i = 0; i < POSTS_PER_THREAD; i++) {
            char id[80];
            snprintf(id, sizeof(id), "incident--44444444-4444-4444-8444-%04d%08d", t, i);
            json_t *o = stored(f, &f->coll, id);
            json_t *hs = hub_severity(o);
            const char *c = json_string_value(json_object_get(hs, "criteria"));
            long level = (long)json_integer_value(json_object_get(hs, "level"));
            assert_non_null(c);
            assert_true(level == 1 || level == 2 || level == 4);
            int slot = 0;
            while (slot < n_crit && strcmp(crit[slot], c) != 0)
                slot++;
            if (slot == n_crit) {
                assert_true(n_crit < 3);
                snprintf(crit[n_crit], sizeof(crit[n_crit]), "%s", c);
                level_of[n_crit++] = level;
            }
            assert_int_equal(level, level_of[slot]);
            json_decref(o);
        }
    }
    assert_true(n_crit >= 2); /* the swaps did happen while the posts ran */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_names_the_member),
        cmocka_unit_test(stamp_replaces_what_a_member_wrote),
        cmocka_unit_test(extension_definition_is_valid_stix),
        cmocka_unit_test_setup_teardown(hook_scores_reports_at_ingest, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_section_holds_the_table, setup, teardown),
        cmocka_unit_test_setup_teardown(table_swap_under_concurrent_posts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
