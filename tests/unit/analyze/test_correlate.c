/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_correlate.c: the rule of cross-sector correlation (N organisations in M sectors within
 * T days, the latest window, reports the access rule keeps out not counted), UUIDv5 against
 * known vectors, SCO ids as STIX 2.1 computes them, grouping ids stable per key and tier, and
 * the grouping naming no reporter with its organisation count under the k rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "stix/stix.h"

#define DAY ((rk_time_us)86400 * 1000000)
#define T0  ((rk_time_us)1780000000 * 1000000)

static const struct analyze_corr_params defaults = {2, 2, 30};

static struct analyze_corr_result run(const struct analyze_corr_params *p,
                                      const struct analyze_corr_report *r, size_t n)
{
    struct analyze_corr_result out;
    struct rk_err err = {0};
    assert_int_equal(analyze_correlate(p, r, n, &out, &err), 0);
    return out;
}

static void test_two_orgs_two_sectors(void **state)
{
    (void)state;
    const struct analyze_corr_report r[] = {
        {"org-b", "finance", T0 + 3 * DAY, true},
        {"org-a", "energy", T0, true},
    };
    struct analyze_corr_result out = run(&defaults, r, 2);
    assert_true(out.correlates);
    assert_int_equal(out.n_orgs, 2);
    assert_int_equal(out.n_sectors, 2);
    assert_true(out.first_seen == T0 && out.last_seen == T0 + 3 * DAY);
    assert_string_equal(out.sectors[0], "energy");
    assert_string_equal(out.sectors[1], "finance");
    analyze_corr_result_free(&out);
}

static void test_not_enough(void **state)
{
    (void)state;
    /* Two organisations of one sector; one organisation reporting from two "sectors" is
     * still one organisation (counted once). */
    const struct analyze_corr_report same_sector[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "energy", T0 + DAY, true},
    };
    const struct analyze_corr_report one_org[] = {
        {"org-a", "energy", T0, true},
        {"org-a", "energy", T0 + DAY, true},
    };
    struct analyze_corr_result out = run(&defaults, same_sector, 2);
    assert_false(out.correlates);
    analyze_corr_result_free(&out);
    out = run(&defaults, one_org, 2);
    assert_false(out.correlates);
    analyze_corr_result_free(&out);
    out = run(&defaults, NULL, 0);
    assert_false(out.correlates);
    analyze_corr_result_free(&out);
}

static void test_window(void **state)
{
    (void)state;
    const struct analyze_corr_report apart[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "finance", T0 + 31 * DAY, true},
    };
    struct analyze_corr_result out = run(&defaults, apart, 2);
    assert_false(out.correlates);
    analyze_corr_result_free(&out);
    /* Exactly T apart still counts. */
    const struct analyze_corr_report edge[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "finance", T0 + 30 * DAY, true},
    };
    out = run(&defaults, edge, 2);
    assert_true(out.correlates);
    analyze_corr_result_free(&out);
    /* The latest window that qualifies: a, b early, then c and d much later. */
    const struct analyze_corr_report later[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "finance", T0 + DAY, true},
        {"org-c", "telecom", T0 + 100 * DAY, true},
        {"org-d", "finance", T0 + 101 * DAY, true},
        {"org-e", "energy", T0 + 102 * DAY, true},
    };
    out = run(&defaults, later, 5);
    assert_true(out.correlates);
    assert_int_equal(out.n_orgs, 3);
    assert_int_equal(out.n_sectors, 3);
    assert_true(out.first_seen == T0 + 100 * DAY && out.last_seen == T0 + 102 * DAY);
    analyze_corr_result_free(&out);
    /* A later lone report outside the window keeps the earlier window. */
    const struct analyze_corr_report lone[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "finance", T0 + DAY, true},
        {"org-c", "telecom", T0 + 100 * DAY, true},
    };
    out = run(&defaults, lone, 3);
    assert_true(out.correlates);
    assert_true(out.last_seen == T0 + DAY);
    analyze_corr_result_free(&out);
}

static void test_uncounted_reports_do_not_count(void **state)
{
    (void)state;
    /* A GREEN report and a RED one (kept out by the caller's access rule): no correlation
     * that could reveal the RED one. */
    const struct analyze_corr_report r[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "finance", T0 + DAY, false},
        {"org-c", "", T0 + DAY, true},     /* no sector: not counted */
        {NULL, "telecom", T0 + DAY, true}, /* no organisation: not counted */
    };
    struct analyze_corr_result out = run(&defaults, r, 4);
    assert_false(out.correlates);
    analyze_corr_result_free(&out);
}

static void test_thresholds(void **state)
{
    (void)state;
    const struct analyze_corr_params three = {3, 2, 7};
    const struct analyze_corr_report r[] = {
        {"org-a", "energy", T0, true},
        {"org-b", "finance", T0 + DAY, true},
        {"org-c", "finance", T0 + 2 * DAY, true},
    };
    struct analyze_corr_result out = run(&three, r, 3);
    assert_true(out.correlates);
    assert_int_equal(out.n_orgs, 3);
    assert_int_equal(out.n_sectors, 2);
    analyze_corr_result_free(&out);
    out = run(&three, r, 2);
    assert_false(out.correlates);
    analyze_corr_result_free(&out);
    const struct analyze_corr_params bad = {0, 2, 30};
    struct rk_err err = {0};
    assert_int_equal(analyze_correlate(&bad, r, 3, &out, &err), RK_E_INVALID);
}

static void test_uuid_v5(void **state)
{
    (void)state;
    char out[RK_UUID_LEN];
    /* Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"). */
    assert_int_equal(analyze_uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", 10, out),
                     0);
    assert_string_equal(out, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    assert_int_equal(analyze_uuid_v5("not-a-uuid", "x", 1, out), RK_E_INVALID);
}

static struct analyze_observable parse(const char *text)
{
    struct analyze_observable o;
    struct rk_err err = {0};
    if (analyze_observable_parse(text, strlen(text), ANALYZE_OBS_ANY, &o, &err) != 0)
        fail_msg("%s: %s", text, err.msg);
    return o;
}

static void test_sco_ids(void **state)
{
    (void)state;
    /* uuid5(00abedb4-..., '{"value":"example.jp"}'): STIX 2.1 section 2.9. Defanged and
     * upper-case input names the same SCO. */
    struct analyze_observable d = parse("EXAMPLE[.]jp.");
    json_t *sco = analyze_observable_sco(&d);
    assert_non_null(sco);
    assert_string_equal(json_string_value(json_object_get(sco, "id")),
                        "domain-name--94c38a36-015a-5516-a17a-cea295301c55");
    assert_string_equal(json_string_value(json_object_get(sco, "value")), "example.jp");
    json_decref(sco);
    char hash[65];
    memset(hash, 0, sizeof(hash));
    for (int i = 0; i < 32; i++)
        memcpy(hash + 2 * i, "AB", 2);
    struct analyze_observable h = parse(hash);
    sco = analyze_observable_sco(&h);
    assert_string_equal(json_string_value(json_object_get(sco, "id")),
                        "file--20432b06-75d2-54b6-80ef-6d923b5d925d");
    json_decref(sco);
}

static void test_grouping(void **state)
{
    (void)state;
    const char *hub = "identity--5d2b3c36-9d5b-4f43-8a3b-0f3a5b7a1e01";
    const struct analyze_corr_report r[] = {
        {"org-aaaa", "energy", T0, true},
        {"org-bbbb", "finance", T0 + DAY, true},
        {"org-cccc", "telecom", T0 + 2 * DAY, true},
    };
    struct analyze_corr_result out = run(&defaults, r, 3);
    struct analyze_observable d = parse("example.jp");
    json_t *g = analyze_corr_grouping(hub, &d, "green", &out, 5);
    char id2[STIX_ID_MAX + 1], id3[STIX_ID_MAX + 1];

    assert_non_null(g);
    char *text = json_dumps(g, JSON_COMPACT);
    assert_null(strstr(text, "org-"));   /* no reporter */
    assert_null(strstr(text, "energy")); /* no sector named */
    assert_non_null(strstr(text, "\"organisations\":\"fewer than k\""));
    assert_non_null(strstr(text, "\"sectors\":3"));
    assert_string_equal(json_string_value(json_object_get(g, "description")),
                        "reported by fewer than k organisations in 3 sectors between "
                        "2026-05-28 and 2026-05-30");
    assert_string_equal(json_string_value(json_object_get(g, "context")), "suspicious-activity");
    assert_string_equal(json_string_value(json_object_get(g, "created_by_ref")), hub);
    assert_string_equal(json_string_value(json_array_get(json_object_get(g, "object_refs"), 0)),
                        "domain-name--94c38a36-015a-5516-a17a-cea295301c55");
    free(text);
    /* The same key and tier: the same id; another tier or key: another. */
    assert_int_equal(analyze_corr_grouping_id(hub, "domain:example.jp", "green", id2), 0);
    assert_string_equal(json_string_value(json_object_get(g, "id")), id2);
    assert_int_equal(analyze_corr_grouping_id(hub, "domain:example.jp", "amber", id3), 0);
    assert_string_not_equal(id2, id3);
    assert_int_equal(analyze_corr_grouping_id(hub, "domain:example.com", "green", id3), 0);
    assert_string_not_equal(id2, id3);
    json_decref(g);
    /* From k on the count is a number. */
    g = analyze_corr_grouping(hub, &d, "green", &out, 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(g, "x_renkei_correlation"),
                                                        "organisations")),
                     3);
    assert_non_null(strstr(json_string_value(json_object_get(g, "description")),
                           "reported by 3 organisations in 3 sectors"));
    json_decref(g);
    analyze_corr_result_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_orgs_two_sectors),
        cmocka_unit_test(test_not_enough),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_uncounted_reports_do_not_count),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_uuid_v5),
        cmocka_unit_test(test_sco_ids),
        cmocka_unit_test(test_grouping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
