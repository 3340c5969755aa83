/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_severity.c: the hub's severity of incidents: the worked examples of
 * docs/internals/analyze.md ("Severity") for each level and viewpoint against the default
 * table, overall = the highest, the explanation text, table validation errors naming the rule,
 * a coordinator's own table, and facts read from a STIX incident (the reporter's severity
 * ignored).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"

static struct analyze_sev_table *default_table(void)
{
    struct analyze_sev_table *t = NULL;
    struct rk_err err = {0};
    const char *text = analyze_severity_default_table();
    if (analyze_severity_table_parse(text, strlen(text), &t, &err) != 0)
        fail_msg("default table refused: %s", err.msg);
    return t;
}

/* Facts from pairs (fact, value) ended by -1. */
static struct analyze_sev_facts facts(int first, ...)
{
    struct analyze_sev_facts f;
    memset(&f, 0, sizeof f);
    va_list ap;
    va_start(ap, first);
    for (int k = first; k >= 0; k = va_arg(ap, int))
        f.v[k] = va_arg(ap, double);
    va_end(ap);
    return f;
}

static struct analyze_severity score(const struct analyze_sev_facts *f)
{
    struct analyze_sev_table *t = default_table();
    struct analyze_severity s;
    analyze_severity_compute(t, f, &s);
    analyze_severity_table_free(t);
    return s;
}

static void test_no_impact_is_level_0(void **state)
{
    (void)state;
    struct analyze_sev_facts f = facts(-1);
    struct analyze_severity s = score(&f);
    assert_int_equal(s.overall, 0);
    for (int v = 0; v < ANALYZE_SEV_VIEWPOINTS; v++) {
        assert_int_equal(s.level[v], 0);
        assert_string_equal(s.why[v], "");
    }
    assert_string_equal(s.overall_why, "level 0: no criteria rule fired");
}

static void test_continuity_levels(void **state)
{
    (void)state;
    struct analyze_sev_facts f = facts(ANALYZE_FACT_SERVICE, 1.0, -1);
    struct analyze_severity s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 1);
    assert_string_equal(
        s.why[ANALYZE_SEV_CONTINUITY],
        "level 1 (continuity): service degraded [continuity rule 10: service >= 1]");

    f = facts(ANALYZE_FACT_SERVICE, 2.0, ANALYZE_FACT_DURATION, 8.0, -1);
    s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 2);
    /* Stopped for 5 h only: the 6 h rule does not fire, degraded-or-worse does. */
    f = facts(ANALYZE_FACT_SERVICE, 2.0, ANALYZE_FACT_DURATION, 5.0, -1);
    s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 1);

    f = facts(ANALYZE_FACT_DURATION, 30.0, ANALYZE_FACT_REGIONS, 2.0, ANALYZE_FACT_SERVICE, 2.0,
              -1);
    s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 3);
    assert_string_equal(s.why[ANALYZE_SEV_CONTINUITY],
                        "level 3 (continuity): outage of 30 h, 2 prefectures/regions affected "
                        "[continuity rule 4: duration_hours >= 24 and regions >= 2]");
    /* 30 h in one prefecture is not level 3: every condition of a rule must hold. */
    f = facts(ANALYZE_FACT_DURATION, 30.0, ANALYZE_FACT_REGIONS, 1.0, ANALYZE_FACT_SERVICE, 2.0,
              -1);
    s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 2);

    f = facts(ANALYZE_FACT_PEOPLE, 1500000.0, -1);
    s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 4);
    assert_string_equal(s.why[ANALYZE_SEV_CONTINUITY],
                        "level 4 (continuity): 1500000 people affected [continuity rule 2: "
                        "people_affected >= 1000000]");
    f = facts(ANALYZE_FACT_SECTORS, 2.0, -1);
    s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 3);
    /* Thresholds are inclusive: exactly 10000 people is level 2, 9999 is level 1. */
    f = facts(ANALYZE_FACT_PEOPLE, 10000.0, -1);
    assert_int_equal(score(&f).level[ANALYZE_SEV_CONTINUITY], 2);
    f = facts(ANALYZE_FACT_PEOPLE, 9999.0, -1);
    assert_int_equal(score(&f).level[ANALYZE_SEV_CONTINUITY], 1);
}

static void test_safety_levels(void **state)
{
    (void)state;
    const char *expect[] = {
        "",
        "",
        "level 2 (safety): evacuation or property damage [safety rule 3: safety >= 1]",
        "level 3 (safety): injury [safety rule 2: safety >= 2]",
        "level 4 (safety): death [safety rule 1: safety >= 3]",
    };
    for (int harm = 0; harm <= 3; harm++) {
        struct analyze_sev_facts f = facts(ANALYZE_FACT_SAFETY, (double)harm, -1);
        struct analyze_severity s = score(&f);
        int level = harm == 0 ? 0 : harm + 1;
        assert_int_equal(s.level[ANALYZE_SEV_SAFETY], level);
        assert_int_equal(s.overall, level);
        assert_string_equal(s.why[ANALYZE_SEV_SAFETY], expect[level]);
    }
}

static void test_trust_levels(void **state)
{
    (void)state;
    double records[] = {0, 1, 1000, 100000, 1000000};
    for (int level = 0; level <= 4; level++) {
        struct analyze_sev_facts f = facts(ANALYZE_FACT_RECORDS, records[level], -1);
        assert_int_equal(score(&f).level[ANALYZE_SEV_TRUST], level);
        f.v[ANALYZE_FACT_RECORDS] -= 1;
        if (level > 0)
            assert_int_equal(score(&f).level[ANALYZE_SEV_TRUST], level - 1);
    }
    struct analyze_sev_facts f = facts(ANALYZE_FACT_RECORDS, 120000.0, -1);
    assert_string_equal(score(&f).why[ANALYZE_SEV_TRUST],
                        "level 3 (trust): 120000 records leaked [trust rule 2: records_leaked >= "
                        "100000]");
}

static void test_overall_is_the_highest(void **state)
{
    (void)state;
    /* Degraded service (continuity 1), an injury (safety 3), 5000 records (trust 2). */
    struct analyze_sev_facts f = facts(ANALYZE_FACT_SERVICE, 1.0, ANALYZE_FACT_SAFETY, 2.0,
                                       ANALYZE_FACT_RECORDS, 5000.0, -1);
    struct analyze_severity s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 1);
    assert_int_equal(s.level[ANALYZE_SEV_SAFETY], 3);
    assert_int_equal(s.level[ANALYZE_SEV_TRUST], 2);
    assert_int_equal(s.overall, 3);
    assert_int_equal(s.overall_viewpoint, ANALYZE_SEV_SAFETY);
    assert_string_equal(s.overall_why, s.why[ANALYZE_SEV_SAFETY]);
    /* On a tie the first viewpoint in order (continuity, safety, trust) explains. */
    f = facts(ANALYZE_FACT_SECTORS, 2.0, ANALYZE_FACT_RECORDS, 200000.0, -1);
    s = score(&f);
    assert_int_equal(s.overall, 3);
    assert_int_equal(s.overall_viewpoint, ANALYZE_SEV_CONTINUITY);
}

static void expect_refused(const char *text, const char *msg)
{
    struct analyze_sev_table *t = (struct analyze_sev_table *)&t;
    struct rk_err err = {0};
    int rc = analyze_severity_table_parse(text, strlen(text), &t, &err);
    if (rc != RK_E_INVALID)
        fail_msg("accepted or wrong code %d: %s", rc, text);
    assert_null(t);
    assert_string_equal(err.msg, msg);
}

static void test_table_validation(void **state)
{
    (void)state;
    expect_refused("[]", "severity table: not a JSON object");
    expect_refused("{\"continuity\": [], \"safety\": []}",
                   "severity table: trust must be an array of rules");
    expect_refused("{\"continuity\": [], \"safety\": [], \"trust\": [], \"speed\": []}",
                   "severity table: unknown member \"speed\" (continuity, safety, trust, "
                   "comment)");
    expect_refused("{\"continuity\": [{\"level\": 3, \"when\": {\"duration_hours\": 24}},"
                   " {\"level\": 2, \"when\": {\"region\": 2}}], \"safety\": [], \"trust\": []}",
                   "continuity rule 2: unknown fact \"region\"");
    expect_refused("{\"continuity\": [], \"safety\": [{\"level\": 5, \"when\": {\"safety\": 3}}],"
                   " \"trust\": []}",
                   "safety rule 1: level must be an integer 1-4");
    expect_refused("{\"continuity\": [], \"safety\": [], \"trust\": [{\"level\": 2, \"when\": "
                   "{\"records_leaked\": 10}}, {\"level\": 3, \"when\": {\"records_leaked\": "
                   "1000}}]}",
                   "trust rule 2: level 3 after level 2 (rules go from the highest level down)");
    expect_refused("{\"continuity\": [{\"level\": 1, \"when\": {\"people_affected\": -1}}], "
                   "\"safety\": [], \"trust\": []}",
                   "continuity rule 1: threshold of people_affected must be a number 0-1e12");
    expect_refused("{\"continuity\": [{\"level\": 1, \"when\": {}}], \"safety\": [], "
                   "\"trust\": []}",
                   "continuity rule 1: when must be a non-empty object of fact: threshold");
    expect_refused("{\"continuity\": [{\"level\": 1, \"if\": {\"service\": 1}}], \"safety\": [], "
                   "\"trust\": []}",
                   "continuity rule 1: unknown member \"if\" (level, when, comment)");
    /* Duplicate keys would silently drop a rule's condition: refused by the parser. */
    struct analyze_sev_table *t = NULL;
    struct rk_err err = {0};
    const char *dup = "{\"continuity\": [], \"safety\": [], \"trust\": [], \"trust\": []}";
    assert_int_equal(analyze_severity_table_parse(dup, strlen(dup), &t, &err), RK_E_INVALID);
    assert_null(t);
    assert_non_null(strstr(err.msg, "severity table: line 1:"));
}

static void test_coordinator_table(void **state)
{
    (void)state;
    const char *text = "{\"comment\": \"stricter trust\", \"continuity\": [], \"safety\": [],"
                       " \"trust\": [{\"level\": 4, \"when\": {\"records_leaked\": 10},"
                       " \"comment\": \"any leak is a crisis\"}]}";
    struct analyze_sev_table *t = NULL;
    struct rk_err err = {0};
    assert_int_equal(analyze_severity_table_parse(text, strlen(text), &t, &err), 0);
    struct analyze_sev_facts f = facts(ANALYZE_FACT_RECORDS, 10.0, ANALYZE_FACT_SAFETY, 3.0, -1);
    struct analyze_severity s;
    analyze_severity_compute(t, &f, &s);
    assert_int_equal(s.level[ANALYZE_SEV_SAFETY], 0); /* no safety rules in this table */
    assert_int_equal(s.overall, 4);
    assert_string_equal(s.overall_why,
                        "level 4 (trust): 10 records leaked [trust rule 1: records_leaked >= 10]");
    analyze_severity_table_free(t);
    analyze_severity_table_free(NULL);
}

static json_t *incident(const char *ext_members)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"type\": \"incident\", \"spec_version\": \"2.1\", \"id\": "
             "\"incident--8b2c6f0e-2d1a-4c3b-9a8e-0f1e2d3c4b5a\", \"name\": \"outage\", "
             "\"severity\": 4, \"extensions\": {\"%s\": {%s}}}",
             ANALYZE_SEV_EXTENSION, ext_members);
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("bad test JSON: %s", jerr.text);
    return j;
}

static void test_facts_from_stix(void **state)
{
    (void)state;
    json_t *j = incident("\"extension_type\": \"property-extension\", \"people_affected\": 20000,"
                         " \"regions\": 2, \"duration_hours\": 30.5, \"safety\": \"injury\","
                         " \"sectors_hit\": [\"finance\", \"logistics\"], \"records_leaked\": 0,"
                         " \"service\": \"stopped\", \"status\": \"ongoing\", \"event_type\":"
                         " \"availability\", \"cause_type\": \"ddos\", \"severity\": 0");
    struct analyze_sev_facts f;
    struct rk_err err = {0};
    assert_int_equal(analyze_severity_facts_from_stix(j, &f, &err), 0);
    assert_true(f.v[ANALYZE_FACT_PEOPLE] == 20000);
    assert_true(f.v[ANALYZE_FACT_REGIONS] == 2);
    assert_true(f.v[ANALYZE_FACT_DURATION] == 30.5);
    assert_true(f.v[ANALYZE_FACT_SAFETY] == 2);
    assert_true(f.v[ANALYZE_FACT_SECTORS] == 2);
    assert_true(f.v[ANALYZE_FACT_RECORDS] == 0);
    assert_true(f.v[ANALYZE_FACT_SERVICE] == 2);
    /* The reporter wrote severity 0 (extension) and 4 (top level); the hub computes its own. */
    struct analyze_severity s = score(&f);
    assert_int_equal(s.level[ANALYZE_SEV_CONTINUITY], 3);
    assert_int_equal(s.level[ANALYZE_SEV_SAFETY], 3);
    assert_int_equal(s.overall, 3);
    json_decref(j);

    j = incident("\"sectors_hit\": 1");
    assert_int_equal(analyze_severity_facts_from_stix(j, &f, &err), 0);
    assert_true(f.v[ANALYZE_FACT_SECTORS] == 1);
    json_decref(j);
}

static void expect_stix_refused(const char *members, const char *msg)
{
    json_t *j = incident(members);
    struct analyze_sev_facts f;
    struct rk_err err = {0};
    assert_int_equal(analyze_severity_facts_from_stix(j, &f, &err), RK_E_INVALID);
    assert_string_equal(err.msg, msg);
    for (int k = 0; k < ANALYZE_SEV_FACTS; k++)
        assert_true(f.v[k] == 0);
    json_decref(j);
}

static void test_facts_from_stix_refused(void **state)
{
    (void)state;
    expect_stix_refused("\"regions\": 2, \"people_affected\": -5",
                        "people_affected: not a non-negative integer (at most 1e12)");
    expect_stix_refused("\"regions\": \"two\"", "regions: not a non-negative integer (at most "
                                                "1e12)");
    expect_stix_refused("\"duration_hours\": \"1 day\"", "duration_hours: not a non-negative "
                                                         "number");
    expect_stix_refused("\"safety\": \"hurt\"", "safety: must be one of none, property, injury, "
                                                "death");
    expect_stix_refused("\"service\": \"down\"", "service: must be one of normal, degraded, "
                                                 "stopped");

    struct analyze_sev_facts f;
    struct rk_err err = {0};
    json_t *j = json_pack("{s:s, s:s}", "type", "incident", "name", "no extension");
    assert_int_equal(analyze_severity_facts_from_stix(j, &f, &err), RK_E_NOTFOUND);
    json_decref(j);
    j = json_pack("{s:s}", "type", "report");
    assert_int_equal(analyze_severity_facts_from_stix(j, &f, &err), RK_E_INVALID);
    assert_string_equal(err.msg, "incident: type is not \"incident\"");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_impact_is_level_0),    cmocka_unit_test(test_continuity_levels),
        cmocka_unit_test(test_safety_levels),           cmocka_unit_test(test_trust_levels),
        cmocka_unit_test(test_overall_is_the_highest),  cmocka_unit_test(test_table_validation),
        cmocka_unit_test(test_coordinator_table),       cmocka_unit_test(test_facts_from_stix),
        cmocka_unit_test(test_facts_from_stix_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
