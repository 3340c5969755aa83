/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_analyze_query.c: CIDR containment and covering ranges (the index's way to find the
 * ranges holding an address), and comma-separated queries: order, duplicates, the item an
 * error names, caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"

static struct analyze_observable parse(const char *s)
{
    struct analyze_observable o;
    struct rk_err err = {0};
    if (analyze_observable_parse(s, strlen(s), ANALYZE_OBS_ANY, &o, &err) != 0)
        fail_msg("\"%s\": %s", s, err.msg);
    return o;
}

static bool contains(const char *cidr, const char *inner)
{
    struct analyze_observable c = parse(cidr);
    struct analyze_observable i = parse(inner);
    return analyze_cidr_contains(&c, &i);
}

static void test_contains(void **state)
{
    assert_true(contains("198.51.100.0/24", "198.51.100.1"));
    assert_true(contains("198.51.100.0/24", "198.51.100.255"));
    assert_false(contains("198.51.100.0/24", "198.51.101.0"));
    assert_true(contains("10.9.9.9/8", "10.255.0.1"));
    assert_true(contains("0.0.0.0/0", "203.0.113.5"));
    assert_true(contains("198.51.100.0/24", "198.51.100.128/25"));
    assert_false(contains("198.51.100.128/25", "198.51.100.0/24"));
    assert_true(contains("198.51.100.7", "198.51.100.7"));
    assert_false(contains("198.51.100.7", "198.51.100.8"));
    assert_true(contains("198.51.100.0/23", "198.51.101.9"));
    assert_false(contains("198.51.100.0/23", "198.51.102.0"));
    assert_true(contains("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(contains("2001:db8::/32", "2001:db9::1"));
    assert_true(contains("2001:db8:abcd:1000::/52", "2001:db8:abcd:1fff::1"));
    assert_false(contains("2001:db8:abcd:1000::/52", "2001:db8:abcd:2000::1"));
    /* Families and types do not mix. */
    assert_false(contains("::/0", "198.51.100.1"));
    assert_false(contains("0.0.0.0/0", "::1"));
    assert_false(contains("0.0.0.0/0", "example.jp"));
    assert_false(contains("example.jp", "198.51.100.1"));
}

static void test_covering(void **state)
{
    struct analyze_observable a = parse("198.51.100.77");
    struct analyze_observable c;
    assert_int_equal(analyze_covering_cidr(&a, 24, &c), 0);
    assert_int_equal(c.type, ANALYZE_OBS_CIDR4);
    assert_string_equal(c.value, "198.51.100.0/24");
    assert_int_equal(analyze_covering_cidr(&a, 0, &c), 0);
    assert_string_equal(c.value, "0.0.0.0/0");
    assert_int_equal(analyze_covering_cidr(&a, 32, &c), 0);
    assert_int_equal(c.type, ANALYZE_OBS_IPV4);
    assert_string_equal(c.value, "198.51.100.77");
    assert_int_equal(analyze_covering_cidr(&a, 33, &c), RK_E_INVALID);
    /* Every covering range is the key a stored range of that length has: the index finds
     * "198.51.100.9/24" as stored by probing the /24 key of the address. */
    struct analyze_observable stored = parse("198.51.100.9/24");
    assert_int_equal(analyze_covering_cidr(&a, stored.prefix, &c), 0);
    assert_string_equal(c.value, stored.value);
    for (unsigned p = 0; p <= 32; p++) {
        assert_int_equal(analyze_covering_cidr(&a, p, &c), 0);
        assert_true(analyze_cidr_contains(&c, &a));
    }
    struct analyze_observable r = parse("198.51.100.0/24");
    assert_int_equal(analyze_covering_cidr(&r, 25, &c), RK_E_INVALID);
    assert_int_equal(analyze_covering_cidr(&r, 16, &c), 0);
    assert_string_equal(c.value, "198.51.0.0/16");
    struct analyze_observable v6 = parse("2001:db8:abcd:12ff::1");
    assert_int_equal(analyze_covering_cidr(&v6, 48, &c), 0);
    assert_string_equal(c.value, "2001:db8:abcd::/48");
    assert_int_equal(analyze_covering_cidr(&v6, 128, &c), 0);
    assert_string_equal(c.value, "2001:db8:abcd:12ff::1");
    struct analyze_observable d = parse("example.jp");
    assert_int_equal(analyze_covering_cidr(&d, 0, &c), RK_E_INVALID);
}

static void test_query(void **state)
{
    const char *q = "198.51.100.1, example[.]jp ,hxxp://Example.jp:80,198.51.100.1, EXAMPLE.jp.,"
                    "10.1.2.3/8,AS64500";
    struct analyze_query out;
    struct rk_err err = {0};
    assert_int_equal(analyze_query_parse(q, strlen(q), &out, &err), 0);
    assert_int_equal(out.n, 5);
    static const char *const want[] = {"ipv4:198.51.100.1", "domain:example.jp",
                                       "url:http://example.jp/", "cidr4:10.0.0.0/8", "asn:AS64500"};
    for (size_t i = 0; i < out.n; i++) {
        struct rk_buf b = RK_BUF_INIT;
        analyze_observable_key(&out.items[i], &b);
        assert_string_equal(b.data, want[i]);
        rk_buf_free(&b);
    }
    analyze_query_free(&out);
    assert_null(out.items);
    assert_int_equal(out.n, 0);
    analyze_query_free(&out);
    analyze_query_free(NULL);

    assert_int_equal(analyze_query_parse("example.jp", 10, &out, &err), 0);
    assert_int_equal(out.n, 1);
    analyze_query_free(&out);
}

static void test_query_errors(void **state)
{
    struct analyze_query out;
    struct rk_err err = {0};
    const char *q = "198.51.100.1, exa mple.jp, 10.0.0.1";
    assert_int_equal(analyze_query_parse(q, strlen(q), &out, &err), RK_E_INVALID);
    assert_string_equal(err.msg, "item 2 (\" exa mple.jp\"): domain: character 4 is not allowed "
                                 "in a host name: \"exa mple.jp\"");
    assert_null(out.items);
    assert_int_equal(out.n, 0);

    q = "198.51.100.1,,example.jp";
    assert_int_equal(analyze_query_parse(q, strlen(q), &out, &err), RK_E_INVALID);
    assert_string_equal(err.msg, "item 2 (\"\"): any: empty value");
    q = "example.jp,";
    assert_int_equal(analyze_query_parse(q, strlen(q), &out, &err), RK_E_INVALID);
    assert_string_equal(err.msg, "item 2 (\"\"): any: empty value");
    assert_int_equal(analyze_query_parse("", 0, &out, &err), RK_E_INVALID);
    assert_string_equal(err.msg, "item 1 (\"\"): any: empty value");
    q = "1.2.3.4, 5.6.7.999";
    assert_int_equal(analyze_query_parse(q, strlen(q), &out, &err), RK_E_INVALID);
    assert_string_equal(err.msg,
                        "item 2 (\" 5.6.7.999\"): ipv4: part 4 is above 255 in \"5.6.7.999\"");

    /* ANALYZE_QUERY_MAX items pass, one more is refused. */
    struct rk_buf b = RK_BUF_INIT;
    for (int i = 0; i < ANALYZE_QUERY_MAX; i++)
        rk_buf_printf(&b, "%s10.0.%d.%d", i > 0 ? "," : "", i / 256, i % 256);
    assert_int_equal(analyze_query_parse(b.data, b.len, &out, &err), 0);
    assert_int_equal(out.n, ANALYZE_QUERY_MAX);
    analyze_query_free(&out);
    rk_buf_puts(&b, ",10.1.0.0");
    assert_int_equal(analyze_query_parse(b.data, b.len, &out, &err), RK_E_TOOBIG);
    assert_string_equal(err.msg, "query: more than 100 items");
    assert_null(out.items);
    rk_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_covering),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_query_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
