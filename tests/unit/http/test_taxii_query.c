/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_taxii_query.c: TAXII query parameter parsing (src/taxii/query.c): every filter, the
 * paging rules, and every kind of malformed input that must become a 400.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "taxii/taxii_int.h"

#define ALL_FIELDS                                                                                 \
    (TAXII_Q_PAGING | TAXII_Q_ID | TAXII_Q_TYPE | TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION)

/* Parses key/value pairs (NULL-terminated list) with the given fields. */
static int parse(struct taxii_query *q, unsigned fields, const char *const *kv)
{
    struct http_param params[HTTP_MAX_PARAMS];
    size_t n = 0;
    struct rk_err err;
    for (; kv[0] != NULL; kv += 2, n++) {
        params[n].key = (char *)kv[0];
        params[n].value = (char *)kv[1];
    }
    rk_err_clear(&err);
    int rc = taxii_query_parse(params, n, fields, q, &err);
    if (rc != 0)
        assert_true(err.msg[0] != '\0'); /* every rejection says why */
    return rc;
}

static void test_defaults(void **state)
{
    (void)state;
    struct taxii_query q;
    const char *kv[] = {"unknown", "x", "match[color]", "red", NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, kv), 0);
    assert_int_equal(q.limit, TAXII_PAGE_MAX);
    assert_true(q.added_after == -1);
    assert_false(q.has_added_after);
    assert_int_equal(q.n_ids + q.n_types + q.n_spec_versions + q.n_versions, 0);
    assert_int_equal(q.version_sel, 0);
    taxii_query_free(&q);
}

static void test_filters(void **state)
{
    (void)state;
    struct taxii_query q;
    struct store_query sq;
    const char *kv[] = {"match[type]",
                        "indicator,malware",
                        "match[id]",
                        "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb",
                        "match[spec_version]",
                        "2.0,2.1",
                        "match[version]",
                        "first,2018-03-02T01:01:01.123Z,last",
                        "limit",
                        "10",
                        "added_after",
                        "2020-01-01T00:00:00Z",
                        NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, kv), 0);
    assert_int_equal(q.n_types, 2);
    assert_string_equal(q.types[1], "malware");
    assert_int_equal(q.n_ids, 1);
    assert_int_equal(q.n_spec_versions, 2);
    assert_int_equal(q.version_sel,
                     STORE_VERSION_FIRST | STORE_VERSION_LAST | STORE_VERSION_SPECIFIC);
    assert_int_equal(q.n_versions, 1);
    rk_time_us t;
    assert_int_equal(rk_time_parse("2018-03-02T01:01:01.123Z", &t), 0);
    assert_true(q.versions[0] == t);
    assert_int_equal(q.limit, 10);
    assert_int_equal(rk_time_parse("2020-01-01T00:00:00Z", &t), 0);
    assert_true(q.added_after == t);
    taxii_query_to_store(&q, "c1", &sq);
    assert_string_equal(sq.collection_id, "c1");
    assert_int_equal(sq.n_types, 2);
    assert_int_equal(sq.limit, 10);
    assert_true(sq.added_after == t);
    assert_true(sq.with_json);
    taxii_query_free(&q);
}

static void test_limit_and_next(void **state)
{
    (void)state;
    struct taxii_query q;
    const char *big[] = {"limit", "5000", NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, big), 0);
    assert_int_equal(q.limit, TAXII_PAGE_MAX);
    taxii_query_free(&q);
    const char *huge[] = {"limit", "123456789012345678901234567890", NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, huge), 0);
    assert_int_equal(q.limit, TAXII_PAGE_MAX);
    taxii_query_free(&q);
    /* next and added_after together: the later one wins. */
    const char *both[] = {"added_after", "1970-01-01T00:00:01Z", "next", "5000000", NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, both), 0);
    assert_true(q.added_after == 5000000);
    assert_true(q.has_added_after);
    taxii_query_free(&q);
    const char *both2[] = {"next", "5", "added_after", "1970-01-01T00:00:01Z", NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, both2), 0);
    assert_true(q.added_after == 1000000);
    taxii_query_free(&q);
    /* version=all alone is fine. */
    const char *all[] = {"match[version]", "all", NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, all), 0);
    assert_int_equal(q.version_sel, STORE_VERSION_ALL);
    taxii_query_free(&q);
}

static void test_ignored_fields(void **state)
{
    (void)state;
    struct taxii_query q;
    /* An endpoint that does not honour match[type] ignores it, even when malformed. */
    const char *kv[] = {"match[type]", "", "match[type]", ",", "limit", "3", NULL};
    assert_int_equal(parse(&q, TAXII_Q_PAGING | TAXII_Q_SPEC_VERSION, kv), 0);
    assert_int_equal(q.n_types, 0);
    assert_int_equal(q.limit, 3);
    taxii_query_free(&q);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[][5] = {
        {"limit", "0", NULL},
        {"limit", "-1", NULL},
        {"limit", "abc", NULL},
        {"limit", "", NULL},
        {"limit", "10x", NULL},
        {"limit", "1", "limit", "2", NULL},
        {"added_after", "yesterday", NULL},
        {"added_after", "2020-01-01", NULL},
        {"added_after", "2020-01-01T00:00:00+09:00", NULL},
        {"added_after", "2020-01-01T00:00:00Z", "added_after", "2020-01-01T00:00:00Z", NULL},
        {"next", "abc", NULL},
        {"next", "-5", NULL},
        {"next", "", NULL},
        {"next", "1", "next", "2", NULL},
        {"match[version]", "all,last", NULL},
        {"match[version]", "first,first", NULL},
        {"match[version]", "2020-01-01T00:00:00Z,2020-01-01T00:00:00.000Z", NULL},
        {"match[version]", "newest", NULL},
        {"match[version]", "", NULL},
        {"match[version]", "last", "match[version]", "first", NULL},
        {"match[type]", "indicator", "match[type]", "malware", NULL},
        {"match[type]", "indicator,,malware", NULL},
        {"match[type]", "", NULL},
        {"match[id]", "a,", NULL},
        {"match[id]", "a", "match[id]", "b", NULL},
        {"match[spec_version]", "latest", NULL},
        {"match[spec_version]", "2.1.0", NULL},
        {"match[spec_version]", "2.1", "match[spec_version]", "2.0", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct taxii_query q;
        int rc = parse(&q, ALL_FIELDS, bad[i]);
        taxii_query_free(&q);
        if (rc != RK_E_INVALID)
            fail_msg("case %zu (%s=%s) was accepted", i, bad[i][0], bad[i][1]);
    }
}

static void test_too_many_values(void **state)
{
    (void)state;
    struct rk_buf b = RK_BUF_INIT;
    for (int i = 0; i <= TAXII_MATCH_MAX; i++)
        rk_buf_printf(&b, "%st%d", i ? "," : "", i);
    struct taxii_query q;
    const char *kv[] = {"match[type]", b.data, NULL};
    assert_int_equal(parse(&q, ALL_FIELDS, kv), RK_E_INVALID);
    taxii_query_free(&q);
    rk_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_filters),
        cmocka_unit_test(test_limit_and_next), cmocka_unit_test(test_ignored_fields),
        cmocka_unit_test(test_malformed),      cmocka_unit_test(test_too_many_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
