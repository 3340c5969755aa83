/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_scope.c: the policy document (defaults, parsing with validation, serialising and
 * reading back, loading from the store) and automatic scope decisions: match by type,
 * contributor sector, collection and labels; first match wins; "collection" and the
 * fallback use the collection's default TLP; an object's own marking always wins.
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

static json_t *obj(const char *text)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    assert_non_null(o);
    return o;
}

static struct store_collection coll(int default_tlp)
{
    struct store_collection c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "0b9a6c3e-3b7e-4d1e-9f3a-1c2d3e4f5a6b");
    c.title = (char *)"Shared feed";
    c.alias = (char *)"feed";
    c.read_spec = (char *)"all";
    c.default_tlp = default_tlp;
    return c;
}

/* Decides for the object text and checks tlp, rule and scope. */
static void decide(const struct policy_doc *d, const char *text, const char *sector,
                   const struct store_collection *c, int tlp, const char *rule, const char *scope)
{
    struct policy_scope_decision dec;
    struct rk_err err;
    json_t *o = obj(text);

    assert_int_equal(policy_scope_decide(d, NULL, o, sector, c, &dec, &err), 0);
    json_decref(o);
    assert_int_equal(dec.tlp, tlp);
    assert_string_equal(dec.rule, rule);
    assert_string_equal(dec.scope, scope);
}

static void defaults(void **state)
{
    struct policy_doc d;
    struct store_collection c = coll(POLICY_TLP_AMBER);
    struct policy_scope_decision dec;
    struct rk_err err;
    char msg[128];
    json_t *o;

    (void)state;
    policy_doc_default(&d);
    assert_int_equal(d.sector_k, 5);
    assert_int_equal(d.green_delay_hours, 0);
    assert_int_equal(d.own_identifiers, POLICY_OWNID_REFUSE);
    assert_int_equal(d.remove_properties.n, 4);
    assert_int_equal(d.n_rules, 3);
    /* Incidents: AMBER to the contributor's sector. */
    decide(&d, "{\"type\":\"incident\"}", "finance", &c, POLICY_TLP_AMBER, "incidents-amber-sector",
           "sector:finance");
    /* Indicators, observed-data and SCOs: GREEN. */
    decide(&d, "{\"type\":\"indicator\"}", "finance", &c, POLICY_TLP_GREEN, "indicators-green", "");
    decide(&d, "{\"type\":\"ipv4-addr\"}", "finance", &c, POLICY_TLP_GREEN, "indicators-green", "");
    decide(&d, "{\"type\":\"observed-data\"}", "finance", &c, POLICY_TLP_GREEN, "indicators-green",
           "");
    /* Everything else: the collection's default (here AMBER, collection audience). */
    decide(&d, "{\"type\":\"malware\"}", "finance", &c, POLICY_TLP_AMBER, "collection-default", "");
    c.default_tlp = POLICY_TLP_CLEAR;
    decide(&d, "{\"type\":\"malware\"}", "finance", &c, POLICY_TLP_CLEAR, "collection-default", "");
    /* An object with its own marking keeps it, whatever the rules say. */
    decide(&d,
           "{\"type\":\"incident\",\"object_marking_refs\":[\"marking-definition--"
           "94868c89-83c2-464b-929b-a1a8aa3c8487\"]}",
           "finance", &c, POLICY_TLP_CLEAR, "marking", "");
    /* Status messages. */
    o = obj("{\"type\":\"incident\"}");
    assert_int_equal(policy_scope_decide(&d, NULL, o, "finance", &c, &dec, &err), 0);
    assert_true(dec.assigned);
    policy_scope_message(&dec, msg, sizeof(msg));
    assert_string_equal(msg, "tlp amber by rule 'incidents-amber-sector'");
    char small[12]; /* a short buffer truncates, terminated */
    policy_scope_message(&dec, small, sizeof(small));
    assert_string_equal(small, "tlp amber b");
    json_object_set_new(o, "object_marking_refs",
                        json_pack("[s]", policy_tlp_marking_id(POLICY_TLP_RED)));
    assert_int_equal(policy_scope_decide(&d, NULL, o, "finance", &c, &dec, &err), 0);
    assert_false(dec.assigned);
    policy_scope_message(&dec, msg, sizeof(msg));
    assert_string_equal(msg, "");
    json_decref(o);
    policy_doc_clear(&d);
    policy_doc_clear(&d); /* clearing twice is harmless */
    policy_doc_clear(NULL);
}

static const char custom[] =
    "{\"sector_k\":3,\"green_delay_hours\":24,\"own_identifiers\":\"redact\","
    "\"remove_properties\":[\"x_secret\"],\"scope_rules\":["
    "{\"name\":\"finance-reports\",\"match\":{\"types\":[\"report\"],\"sectors\":[\"finance\"]},"
    "\"tlp\":\"amber+strict\"},"
    "{\"name\":\"labelled\",\"match\":{\"labels\":[\"ransomware\",\"apt\"]},\"tlp\":\"amber\","
    "\"audience\":\"sector:finance,energy\"},"
    "{\"name\":\"feed-clear\",\"match\":{\"collections\":[\"feed\"]},\"tlp\":\"clear\"},"
    "{\"name\":\"reports\",\"match\":{\"types\":[\"report\"]},\"tlp\":\"red\"}]}";

static void custom_rules(void **state)
{
    struct policy_doc d;
    struct store_collection c = coll(POLICY_TLP_GREEN);
    struct store_collection other = coll(POLICY_TLP_GREEN);
    struct rk_err err;

    (void)state;
    snprintf(other.id, sizeof(other.id), "1b9a6c3e-3b7e-4d1e-9f3a-1c2d3e4f5a6b");
    other.alias = (char *)"";
    other.title = (char *)"Other";
    assert_int_equal(policy_doc_parse(NULL, custom, strlen(custom), &d, &err), 0);
    assert_int_equal(d.sector_k, 3);
    assert_int_equal(d.green_delay_hours, 24);
    assert_int_equal(d.own_identifiers, POLICY_OWNID_REDACT);
    assert_int_equal(d.remove_properties.n, 1);
    assert_int_equal(d.n_rules, 4);
    /* types AND sectors. */
    decide(&d, "{\"type\":\"report\"}", "finance", &c, POLICY_TLP_AMBER_STRICT, "finance-reports",
           "");
    /* Sector does not match: a later rule (first match wins: collection before type). */
    decide(&d, "{\"type\":\"report\"}", "railways", &c, POLICY_TLP_CLEAR, "feed-clear", "");
    decide(&d, "{\"type\":\"report\"}", "railways", &other, POLICY_TLP_RED, "reports", "");
    /* Labels: any label matches (case-insensitively); the audience spec becomes the scope. */
    decide(&d, "{\"type\":\"malware\",\"labels\":[\"x\",\"APT\"]}", "railways", &other,
           POLICY_TLP_AMBER, "labelled", "sector:finance,energy");
    /* Collections by alias, title or id. */
    decide(&d, "{\"type\":\"malware\"}", "railways", &c, POLICY_TLP_CLEAR, "feed-clear", "");
    c.alias = (char *)"";
    decide(&d, "{\"type\":\"malware\"}", "railways", &c, POLICY_TLP_GREEN, "default", "");
    c.title = (char *)"feed";
    decide(&d, "{\"type\":\"malware\"}", "railways", &c, POLICY_TLP_CLEAR, "feed-clear", "");
    /* No rule matches: the collection's default, rule "default". */
    decide(&d, "{\"type\":\"malware\"}", "railways", &other, POLICY_TLP_GREEN, "default", "");
    other.default_tlp = 0; /* not a level: GREEN */
    decide(&d, "{\"type\":\"tool\"}", "railways", &other, POLICY_TLP_GREEN, "default", "");
    policy_doc_clear(&d);
}

static void round_trip(void **state)
{
    struct policy_doc d, back;
    struct rk_err err;
    char *a, *b;

    (void)state;
    assert_int_equal(policy_doc_parse(NULL, custom, strlen(custom), &d, &err), 0);
    a = policy_doc_to_json(&d);
    assert_int_equal(policy_doc_parse(NULL, a, strlen(a), &back, &err), 0);
    b = policy_doc_to_json(&back);
    assert_string_equal(a, b);
    free(a);
    free(b);
    policy_doc_clear(&d);
    policy_doc_clear(&back);
    /* Defaults round-trip too, and missing keys take their defaults. */
    policy_doc_default(&d);
    a = policy_doc_to_json(&d);
    assert_int_equal(policy_doc_parse(NULL, "{}", 2, &back, &err), 0);
    b = policy_doc_to_json(&back);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"tlp\": \"collection\""));
    /* Cross-sector correlation: 2 organisations in 2 sectors within 30 days by default. */
    assert_int_equal(back.corr_min_orgs, 2);
    assert_int_equal(back.corr_min_sectors, 2);
    assert_int_equal(back.corr_window_days, 30);
    free(a);
    free(b);
    policy_doc_clear(&d);
    policy_doc_clear(&back);
    const char *corr = "{\"correlation_min_organisations\":3,\"correlation_min_sectors\":1,"
                       "\"correlation_window_days\":7}";
    assert_int_equal(policy_doc_parse(NULL, corr, strlen(corr), &d, &err), 0);
    a = policy_doc_to_json(&d);
    assert_non_null(strstr(a, "\"correlation_min_organisations\": 3"));
    assert_non_null(strstr(a, "\"correlation_window_days\": 7"));
    assert_int_equal(d.corr_min_sectors, 1);
    free(a);
    policy_doc_clear(&d);
}

static void rejects(const char *text, const char *needle)
{
    struct policy_doc d;
    struct rk_err err;

    memset(&err, 0, sizeof(err));
    assert_int_equal(policy_doc_parse(NULL, text, strlen(text), &d, &err), RK_E_INVALID);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, needle);
    assert_int_equal(d.n_rules, 0);
}

static void invalid(void **state)
{
    (void)state;
    rejects("not json", "not JSON");
    rejects("[]", "JSON object");
    rejects("{\"sector_k\":0}", "sector_k");
    rejects("{\"sector_k\":\"5\"}", "sector_k");
    rejects("{\"green_delay_hours\":-1}", "green_delay_hours");
    rejects("{\"correlation_min_organisations\":0}", "correlation_min_organisations");
    rejects("{\"correlation_min_sectors\":1001}", "correlation_min_sectors");
    rejects("{\"correlation_window_days\":\"30\"}", "correlation_window_days");
    rejects("{\"own_identifiers\":\"ignore\"}", "own_identifiers");
    rejects("{\"remove_properties\":[\"\"]}", "remove_properties[0]");
    rejects("{\"surprise\":1}", "unknown key 'surprise'");
    rejects("{\"scope_rules\":{}}", "scope_rules");
    rejects("{\"scope_rules\":[{\"match\":{},\"tlp\":\"red\"}]}", "name");
    rejects("{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"purple\"}]}", "bad tlp 'purple'");
    rejects("{\"scope_rules\":[{\"name\":\"a\"}]}", "missing tlp");
    rejects("{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"red\",\"match\":{\"kinds\":[\"x\"]}}]}",
            "unknown key 'kinds'");
    rejects("{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"red\",\"match\":{\"types\":\"x\"}}]}",
            "match.types");
    rejects("{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"red\"},{\"name\":\"a\",\"tlp\":\"red\"}]}",
            "used twice");
    rejects("{\"scope_rules\":[{\"name\":\"marking\",\"tlp\":\"red\"}]}", "reserved");
    rejects("{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"amber\",\"audience\":\"friends\"}]}",
            "audience");
    rejects("{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"red\",\"extra\":1}]}",
            "unknown key 'extra'");
    rejects("{\"sector_k\":1,\"sector_k\":2}", "not JSON"); /* duplicate keys */
}

/* With a store: audience specs are checked against the hub, and the document loads from the
 * settings (defaults when none is stored). */
static void with_store(void **state)
{
    char dir[64], db[128], p[160];
    char token[POLICY_TOKEN_LEN + 1];
    struct store *s;
    struct policy_doc d;
    struct rk_err err;
    const char *bad = "{\"scope_rules\":[{\"name\":\"a\",\"tlp\":\"amber\",\"audience\":"
                      "\"sector:no-such-sector\"}]}";
    const char *good = "{\"green_delay_hours\":2,\"scope_rules\":[{\"name\":\"a\",\"tlp\":"
                       "\"amber\",\"audience\":\"sector:finance\"}]}";

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/rk-scope-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/renkei.db", dir);
    assert_int_equal(store_open(db, &s, &err), 0);
    assert_int_equal(policy_hub_init(s, "coord", token, &err), 0);

    assert_int_equal(policy_doc_parse(s, bad, strlen(bad), &d, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "unknown sector 'no-such-sector'"));
    assert_int_equal(policy_doc_parse(s, good, strlen(good), &d, &err), 0);
    policy_doc_clear(&d);

    assert_int_equal(policy_doc_load(s, &d, &err), 0);
    assert_int_equal(d.n_rules, 3);
    policy_doc_clear(&d);
    assert_int_equal(store_setting_set(s, POLICY_SETTING_DOC, good, &err), 0);
    assert_int_equal(policy_doc_load(s, &d, &err), 0);
    assert_int_equal(d.green_delay_hours, 2);
    assert_int_equal(d.n_rules, 1);
    policy_doc_clear(&d);
    assert_int_equal(store_setting_set(s, POLICY_SETTING_DOC, "{\"sector_k\":-3}", &err), 0);
    assert_int_equal(policy_doc_load(s, &d, &err), RK_E_INVALID);

    store_close(s);
    unlink(db);
    snprintf(p, sizeof(p), "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db);
    unlink(p);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults), cmocka_unit_test(custom_rules), cmocka_unit_test(round_trip),
        cmocka_unit_test(invalid),  cmocka_unit_test(with_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
