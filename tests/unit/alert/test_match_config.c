/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_match_config.c: the matcher's in-memory configuration (src/alert/match_config.c) and
 * its per-version step: which organisations a version concerns before the access check. A
 * disabled organisation and the coordination sector's are never concerned, whatever they
 * configured; own identifiers are matched (domains, CIDRs, with or without their prefix;
 * names and comments not); one organisation's watchlist and subscriptions are reported
 * together; the poster's sector shows only when the object names the poster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/match_config.h"
#include "policy/admin.h"

enum { A, B, C, D, E, F, N };

static void org(struct store_org *o, int i, const char *sector, bool disabled, const char *own)
{
    snprintf(o->id, sizeof o->id, "00000000-0000-4000-8000-00000000000%d", i);
    char buf[128];
    snprintf(buf, sizeof buf, "org-%d", i);
    o->name = rk_strdup(buf);
    o->sector = rk_strdup(sector);
    snprintf(buf, sizeof buf, "identity--00000000-0000-4000-8000-00000000000%d", i);
    o->identity_id = rk_strdup(buf);
    o->own_identifiers = rk_strdup(own);
    o->disabled = disabled;
}

static void sub(struct alert_match_config *cfg, size_t o, const char *id, const char *filter)
{
    json_t *doc = json_pack("{s:s, s:o}", "id", id, "filter", json_loads(filter, 0, NULL));
    assert_int_equal(alert_match_config_add_sub(cfg, o, id, doc, NULL), 0);
    json_decref(doc);
}

static void test_orgs(void **state)
{
    struct alert_match_config cfg;
    struct store_org *orgs = rk_calloc(N, sizeof(*orgs));
    (void)state;

    org(&orgs[A], A, "electric-power", false, "");
    org(&orgs[B], B, "gas", true, "");
    org(&orgs[C], C, POLICY_COORDINATION_SECTOR, false, "");
    org(&orgs[D], D, "finance", false,
        "# ours\ndomain:own.example.jp\nname:Example Bank\n  203.0.113.0/24  \nExample Bank\n"
        "identity--00000000-0000-4000-8000-000000000099\n");
    org(&orgs[E], E, "railways", false, "");
    org(&orgs[F], F, "water", false, "");
    alert_match_config_init(&cfg);
    alert_match_config_set_orgs(&cfg, orgs, N);
    assert_int_equal(alert_match_config_add_watch(&cfg, A, "example.jp", NULL), 0);
    assert_int_equal(alert_match_config_add_watch(&cfg, B, "example.jp", NULL), 0);
    assert_int_equal(alert_match_config_add_watch(&cfg, C, "example.jp", NULL), 0);
    assert_int_not_equal(alert_match_config_add_watch(&cfg, A, "not an entry", NULL), 0);
    sub(&cfg, A, "sub-a", "{\"types\": [\"report\"]}");
    sub(&cfg, A, "sub-a2", "{\"watchlist\": true}");
    sub(&cfg, B, "sub-b", "{}");
    sub(&cfg, C, "sub-c", "{}");
    sub(&cfg, E, "sub-e", "{}");
    sub(&cfg, E, "sub-e2", "{\"tlp\": [\"red\"]}");
    json_t *bad = json_loads("{\"filter\": {\"tlp\": [\"white\"]}}", 0, NULL);
    assert_int_equal(alert_match_config_add_sub(&cfg, F, "sub-f", bad, NULL), RK_E_INVALID);
    json_decref(bad);
    alert_match_config_done(&cfg);
    assert_int_equal(cfg.n_active, 3); /* A, D, E */
    assert_int_equal(cfg.per[D].n_watch, 2);

    json_t *obj = json_loads("{\"type\": \"indicator\", \"created_by_ref\": "
                             "\"identity--00000000-0000-4000-8000-000000000000\", "
                             "\"pattern_type\": \"stix\", \"pattern\": \"[domain-name:value = "
                             "'c2.own.example.jp'] OR [ipv4-addr:value = '203.0.113.5']\"}",
                             0, NULL);
    struct alert_obs_set obs = {0};
    alert_obs_collect("indicator", obj, &obs);
    struct store_row row = {.id = "indicator--1", .type = "indicator", .collection_id = "c"};
    row.access.source_org = orgs[A].id;
    row.access.source_sector = "electric-power";
    assert_string_equal(alert_match_named_sector(&cfg, &row, obj), "electric-power");
    row.access.source_org = orgs[E].id;
    assert_string_equal(alert_match_named_sector(&cfg, &row, obj), "");

    struct alert_version v = {.type = "indicator",
                              .collection_id = "c",
                              .collection_alias = "",
                              .tlp = 2,
                              .obj = obj,
                              .obs = &obs,
                              .named_sector = ""};
    struct alert_match_orgs mo;
    alert_match_orgs_eval(&cfg, &v, &mo);
    assert_int_equal(mo.n, 3);
    char *s;
    assert_string_equal(mo.orgs[0].id, orgs[A].id);
    s = json_dumps(mo.subs[0], JSON_COMPACT);
    assert_string_equal(s, "[\"sub-a2\"]");
    free(s);
    s = json_dumps(mo.watch[0], JSON_COMPACT);
    assert_string_equal(s, "[\"example.jp\"]");
    free(s);
    assert_string_equal(mo.orgs[1].id, orgs[D].id);
    s = json_dumps(mo.subs[1], JSON_COMPACT);
    assert_string_equal(s, "[]");
    free(s);
    s = json_dumps(mo.watch[1], JSON_COMPACT);
    assert_string_equal(s, "[\"own.example.jp\",\"203.0.113.0/24\"]");
    free(s);
    assert_string_equal(mo.orgs[2].id, orgs[E].id);
    s = json_dumps(mo.subs[2], JSON_COMPACT);
    assert_string_equal(s, "[\"sub-e\"]");
    free(s);
    assert_null(mo.watch[2]);
    for (size_t i = 0; i < mo.n; i++)
        assert_true(mo.may[i]);
    alert_match_orgs_clear(&mo);
    alert_obs_clear(&obs);
    json_decref(obj);

    /* Nothing mentioned, a type only E takes: E alone. */
    obj = json_loads("{\"type\": \"note\"}", 0, NULL);
    v = (struct alert_version){.type = "note",
                               .collection_id = "c",
                               .collection_alias = "",
                               .tlp = 5,
                               .obj = obj,
                               .obs = &obs,
                               .named_sector = ""};
    alert_match_orgs_eval(&cfg, &v, &mo);
    assert_int_equal(mo.n, 1);
    assert_string_equal(mo.orgs[0].id, orgs[E].id);
    s = json_dumps(mo.subs[0], JSON_COMPACT);
    assert_string_equal(s, "[\"sub-e\",\"sub-e2\"]");
    free(s);
    alert_match_orgs_clear(&mo);
    json_decref(obj);
    alert_match_config_clear(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orgs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
