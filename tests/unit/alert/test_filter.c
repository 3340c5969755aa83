/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_filter.c: subscription filters (src/alert/filter.c, filter_pattern.c): the check's
 * messages naming the member, and each member evaluated against hand-made versions (type,
 * collection by id or alias, TLP, labels, ATT&CK techniques and sub-techniques, incident
 * sectors and severity, correlations, watchlist), the STIX pattern subset (=, !=, IN, LIKE,
 * MATCHES, ISSUBSET, ISSUPERSET, NOT, AND/OR) over what an object mentions, observed-data's
 * embedded objects included, and what is refused (FOLLOWEDBY, qualifiers, <, other
 * properties).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert_int.h"
#include "alert/match_int.h"
#include "analyze/analyze.h"
#include "policy/scope.h"

#define EXT ANALYZE_SEV_EXTENSION

/* The check of filter (JSON text): 0, or the error's message in msg. */
static int check(const char *text, char *msg, size_t size)
{
    json_error_t je;
    json_t *f = json_loads(text, 0, &je);
    struct rk_err err = {0};
    int rc;

    assert_non_null(f);
    rc = alert_filter_check(f, &err);
    snprintf(msg, size, "%s", rc != 0 ? err.msg : "");
    json_decref(f);
    return rc;
}

static void refused(const char *filter, const char *needle)
{
    char msg[512];
    assert_int_equal(check(filter, msg, sizeof msg), RK_E_INVALID);
    if (strstr(msg, needle) == NULL)
        fail_msg("filter %s: message \"%s\" lacks \"%s\"", filter, msg, needle);
}

static void test_check(void **state)
{
    char msg[512];
    (void)state;

    assert_int_equal(check("{}", msg, sizeof msg), 0);
    assert_int_equal(alert_filter_check(NULL, NULL), 0);
    assert_int_equal(check("{\"types\": [\"indicator\"], \"tlp\": [\"amber+strict\", \"RED\"], "
                           "\"techniques\": [\"T1566\", \"T0817.001\"], \"severity_min\": 3, "
                           "\"watchlist\": true, \"correlations\": false, \"hotline\": false, "
                           "\"pattern\": \"[domain-name:value = 'example.jp']\"}",
                           msg, sizeof msg),
                     0);
    refused("[]", "filter: must be a JSON object");
    refused("{\"typos\": [\"x\"]}", "filter.typos: unknown member");
    refused("{\"types\": []}", "filter.types: must be a non-empty array");
    refused("{\"types\": \"indicator\"}", "filter.types: must be a non-empty array");
    refused("{\"labels\": [\"a\", 3]}", "filter.labels[1]: must be a string");
    refused("{\"tlp\": [\"white\"]}", "filter.tlp[0]: must be one of clear");
    refused("{\"tlp\": [\"none\"]}", "filter.tlp[0]");
    refused("{\"techniques\": [\"T15\"]}", "filter.techniques[0]: \"T15\" is not an ATT&CK");
    refused("{\"severity_min\": 5}", "filter.severity_min: must be an integer from 0 to 4");
    refused("{\"severity_min\": \"3\"}", "filter.severity_min");
    refused("{\"watchlist\": 1}", "filter.watchlist: must be true or false");
    refused("{\"pattern\": 3}", "filter.pattern: must be a STIX pattern");
    refused("{\"pattern\": \"[domain-name:value = \"}", "filter.pattern: ");
    refused("{\"pattern\": \"[domain-name:value = 'a.jp'] FOLLOWEDBY [domain-name:value = "
            "'b.jp']\"}",
            "FOLLOWEDBY is not supported");
    refused("{\"pattern\": \"[domain-name:value = 'a.jp'] WITHIN 5 SECONDS\"}", "qualifiers");
    refused("{\"pattern\": \"[file:size > 5]\"}", "file:size is not a property");
    refused("{\"pattern\": \"[autonomous-system:number > 5]\"}", "operator > is not supported");
    refused("{\"pattern\": \"[domain-name:value ISSUBSET 'example.jp']\"}",
            "filter.pattern: domain-name:value ISSUBSET");
    refused("{\"pattern\": \"[ipv4-addr:value = 'not-an-address']\"}", "filter.pattern: ");
    refused("{\"pattern\": \"[domain-name:value MATCHES '(']\"}", "not a POSIX extended");
}

/* A version of obj (JSON text) with what it mentions. */
struct fixture {
    json_t *obj;
    struct alert_obs_set obs;
    struct alert_version v;
};

static void make(struct fixture *fx, const char *json, const char *collection, const char *alias,
                 int tlp)
{
    memset(fx, 0, sizeof(*fx));
    fx->obj = json_loads(json, 0, NULL);
    assert_non_null(fx->obj);
    const char *type = json_string_value(json_object_get(fx->obj, "type"));
    alert_obs_collect(type, fx->obj, &fx->obs);
    fx->v = (struct alert_version){.type = type,
                                   .collection_id = collection,
                                   .collection_alias = alias,
                                   .tlp = tlp,
                                   .obj = fx->obj,
                                   .obs = &fx->obs,
                                   .named_sector = ""};
}

static void unmake(struct fixture *fx)
{
    alert_obs_clear(&fx->obs);
    json_decref(fx->obj);
}

static bool matches(const char *filter, const struct fixture *fx, bool watch_hit)
{
    json_t *f = json_loads(filter, 0, NULL);
    struct alert_filter *cf;
    struct rk_err err = {0};

    assert_non_null(f);
    if (alert_filter_compile(f, &cf, &err) != 0)
        fail_msg("filter %s: %s", filter, err.msg);
    bool m = alert_filter_match(cf, &fx->v, watch_hit);
    alert_filter_free(cf);
    json_decref(f);
    return m;
}

#define COLL "5b1f0e8e-2c1f-4e07-9d0a-2f1c7b6f0a11"

static const char *indicator =
    "{\"type\": \"indicator\", \"id\": \"indicator--1\", \"labels\": [\"phishing\", \"c2\"], "
    "\"pattern_type\": \"stix\", \"pattern\": \"[domain-name:value = 'C2.Example.JP'] OR "
    "[ipv4-addr:value = '198.51.100.7'] OR [url:value = 'http://evil.example.org/x'] OR "
    "[file:hashes.'SHA-256' = "
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']\", "
    "\"external_references\": [{\"source_name\": \"mitre-attack\", \"external_id\": "
    "\"T1566.001\"}, {\"source_name\": \"mitre-ics-attack\", \"external_id\": \"T0817\"}]}";

static void test_members(void **state)
{
    struct fixture fx;
    (void)state;

    make(&fx, indicator, COLL, "isac-power", POLICY_TLP_AMBER);
    assert_true(matches("{}", &fx, false));
    assert_true(matches("{\"types\": [\"report\", \"indicator\"]}", &fx, false));
    assert_false(matches("{\"types\": [\"report\"]}", &fx, false));
    assert_true(matches("{\"collections\": [\"" COLL "\"]}", &fx, false));
    assert_true(matches("{\"collections\": [\"isac-power\"]}", &fx, false));
    assert_false(matches("{\"collections\": [\"isac-rail\"]}", &fx, false));
    assert_true(matches("{\"tlp\": [\"amber\", \"red\"]}", &fx, false));
    assert_false(matches("{\"tlp\": [\"green\", \"amber+strict\"]}", &fx, false));
    assert_true(matches("{\"labels\": [\"c2\"]}", &fx, false));
    assert_false(matches("{\"labels\": [\"C2\"]}", &fx, false));
    /* A technique matches its sub-techniques, not the other way round. */
    assert_true(matches("{\"techniques\": [\"T1566\"]}", &fx, false));
    assert_true(matches("{\"techniques\": [\"t1566.001\"]}", &fx, false));
    assert_false(matches("{\"techniques\": [\"T1566.002\"]}", &fx, false));
    assert_true(matches("{\"techniques\": [\"T0817\"]}", &fx, false));
    assert_false(matches("{\"techniques\": [\"T1059\"]}", &fx, false));
    /* watchlist and correlations need the version to be one. */
    assert_false(matches("{\"watchlist\": true}", &fx, false));
    assert_true(matches("{\"watchlist\": true}", &fx, true));
    assert_false(matches("{\"correlations\": true}", &fx, false));
    fx.v.correlation = true;
    assert_true(matches("{\"correlations\": true}", &fx, false));
    /* Not an incident: no sector, no severity. */
    assert_false(matches("{\"sectors\": [\"electric-power\"]}", &fx, false));
    assert_false(matches("{\"severity_min\": 0}", &fx, false));
    /* ANDed members. */
    assert_true(matches("{\"types\": [\"indicator\"], \"tlp\": [\"amber\"], \"labels\": "
                        "[\"phishing\"]}",
                        &fx, false));
    assert_false(matches("{\"types\": [\"indicator\"], \"tlp\": [\"red\"]}", &fx, false));
    unmake(&fx);
}

static void test_incident(void **state)
{
    struct fixture fx;
    (void)state;

    make(&fx,
         "{\"type\": \"incident\", \"id\": \"incident--1\", \"name\": \"outage\", "
         "\"extensions\": {\"" EXT "\": {\"extension_type\": \"property-extension\", "
         "\"event_type\": \"availability-loss\", \"status\": \"ongoing\", \"sector\": "
         "\"electric-power\", \"sectors_hit\": [\"railways\"], \"hub_severity\": {\"level\": "
         "3}}}}",
         COLL, "", POLICY_TLP_GREEN);
    assert_true(matches("{\"sectors\": [\"electric-power\"]}", &fx, false));
    assert_true(matches("{\"sectors\": [\"finance\", \"railways\"]}", &fx, false));
    assert_false(matches("{\"sectors\": [\"finance\"]}", &fx, false));
    assert_true(matches("{\"severity_min\": 3}", &fx, false));
    assert_true(matches("{\"severity_min\": 0}", &fx, false));
    assert_false(matches("{\"severity_min\": 4}", &fx, false));
    unmake(&fx);

    /* No sector in the report: the poster's, when named. */
    make(&fx, "{\"type\": \"incident\", \"id\": \"incident--2\", \"name\": \"x\"}", COLL, "",
         POLICY_TLP_GREEN);
    assert_false(matches("{\"sectors\": [\"finance\"]}", &fx, false));
    fx.v.named_sector = "finance";
    assert_true(matches("{\"sectors\": [\"finance\"]}", &fx, false));
    assert_false(matches("{\"severity_min\": 0}", &fx, false));
    unmake(&fx);
}

static void test_pattern(void **state)
{
    struct fixture fx;
    (void)state;

    make(&fx, indicator, COLL, "", POLICY_TLP_GREEN);
    /* = with the observable index's normalisation (case, defanged). */
    assert_true(matches("{\"pattern\": \"[domain-name:value = 'c2.example.jp']\"}", &fx, false));
    assert_true(matches("{\"pattern\": \"[domain-name:value = 'C2.EXAMPLE[.]JP']\"}", &fx, false));
    assert_false(matches("{\"pattern\": \"[domain-name:value = 'example.jp']\"}", &fx, false));
    assert_true(
        matches("{\"pattern\": \"[domain-name:value IN ('a.jp', 'c2.example.jp')]\"}", &fx, false));
    assert_false(matches("{\"pattern\": \"[domain-name:value IN ('a.jp', 'b.jp')]\"}", &fx, false));
    assert_true(matches("{\"pattern\": \"[domain-name:value LIKE '%.example.jp']\"}", &fx, false));
    assert_false(
        matches("{\"pattern\": \"[domain-name:value LIKE '%.example.org']\"}", &fx, false));
    assert_true(
        matches("{\"pattern\": \"[url:value LIKE 'http://evil._xample.org/%']\"}", &fx, false));
    assert_true(
        matches("{\"pattern\": \"[domain-name:value MATCHES '^c[0-9]\\\\\\\\.']\"}", &fx, false));
    assert_false(matches("{\"pattern\": \"[domain-name:value MATCHES '^x']\"}", &fx, false));
    assert_true(matches("{\"pattern\": \"[domain-name:value != 'a.jp']\"}", &fx, false));
    assert_false(matches("{\"pattern\": \"[domain-name:value != 'c2.example.jp']\"}", &fx, false));
    assert_true(matches("{\"pattern\": \"[domain-name:value NOT = 'a.jp']\"}", &fx, false));
    /* Addresses: subsets and supersets. */
    assert_true(
        matches("{\"pattern\": \"[ipv4-addr:value ISSUBSET '198.51.100.0/24']\"}", &fx, false));
    assert_false(
        matches("{\"pattern\": \"[ipv4-addr:value ISSUBSET '203.0.113.0/24']\"}", &fx, false));
    assert_true(
        matches("{\"pattern\": \"[ipv4-addr:value ISSUPERSET '198.51.100.7']\"}", &fx, false));
    assert_true(matches("{\"pattern\": \"[ipv4-addr:value = '198.51.100.7']\"}", &fx, false));
    /* Hashes, any spelling of the algorithm. */
    assert_true(matches("{\"pattern\": \"[file:hashes.'SHA-256' = "
                        "'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']\"}",
                        &fx, false));
    /* AND / OR inside one observation and between observations. */
    assert_true(matches("{\"pattern\": \"[domain-name:value = 'c2.example.jp' AND "
                        "ipv4-addr:value = '198.51.100.7']\"}",
                        &fx, false));
    assert_false(matches("{\"pattern\": \"[domain-name:value = 'c2.example.jp' AND "
                         "ipv4-addr:value = '198.51.100.8']\"}",
                         &fx, false));
    assert_true(matches("{\"pattern\": \"[domain-name:value = 'x.jp'] OR [ipv4-addr:value = "
                        "'198.51.100.7']\"}",
                        &fx, false));
    assert_false(matches("{\"pattern\": \"[domain-name:value = 'x.jp'] OR [ipv4-addr:value = "
                         "'198.51.100.8']\"}",
                         &fx, false));
    assert_true(matches("{\"pattern\": \"[domain-name:value = 'c2.example.jp'] AND "
                        "[ipv4-addr:value = '198.51.100.7']\"}",
                        &fx, false));
    unmake(&fx);

    /* observed-data: its embedded objects are what it mentions. */
    make(&fx,
         "{\"type\": \"observed-data\", \"id\": \"observed-data--1\", \"objects\": {\"0\": "
         "{\"type\": \"ipv6-addr\", \"value\": \"2001:DB8:0:0::1\"}, \"1\": {\"type\": "
         "\"email-addr\", \"value\": \"ceo@mail.example.jp\"}}}",
         COLL, "", POLICY_TLP_GREEN);
    assert_true(
        matches("{\"pattern\": \"[ipv6-addr:value ISSUBSET '2001:db8::/32']\"}", &fx, false));
    assert_true(
        matches("{\"pattern\": \"[email-addr:value LIKE '%@mail.example.jp']\"}", &fx, false));
    unmake(&fx);

    /* An object mentioning nothing matches no pattern. */
    make(&fx, "{\"type\": \"report\", \"id\": \"report--1\"}", COLL, "", POLICY_TLP_GREEN);
    assert_false(matches("{\"pattern\": \"[domain-name:value != 'x.jp']\"}", &fx, false));
    assert_true(matches("{}", &fx, false));
    unmake(&fx);
}

static void test_hotline(void **state)
{
    json_t *f = json_loads("{\"hotline\": false}", 0, NULL);
    struct alert_filter *cf;
    (void)state;

    assert_int_equal(alert_filter_compile(f, &cf, NULL), 0); /* a valid member */
    alert_filter_free(cf);
    assert_false(alert_filter_hotline(f));
    json_decref(f);
    assert_true(alert_filter_hotline(NULL));
    f = json_loads("{\"hotline\": true, \"types\": [\"incident\"]}", 0, NULL);
    assert_true(alert_filter_hotline(f));
    json_decref(f);
    f = json_loads("{\"hotline\": \"no\"}", 0, NULL);
    assert_int_equal(alert_filter_compile(f, &cf, NULL), RK_E_INVALID);
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),    cmocka_unit_test(test_members),
        cmocka_unit_test(test_incident), cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_hotline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
