/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ownid.c: own identifiers: parsing (kinds, comments, prefixes, bad lines named by
 * number) and matching (domains on label boundaries, IPv4/IPv6 in CIDR ranges, names
 * ignoring case), including the lookalikes that must not match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

static struct policy_ownids *parse_ok(const char *text)
{
    struct policy_ownids *ids = NULL;
    struct rk_err err;
    rk_err_clear(&err);
    int rc = policy_ownids_parse(text, &ids, &err);
    if (rc != 0)
        fail_msg("parse failed: %s", err.msg);
    return ids;
}

static void parse_kinds_and_comments(void **state)
{
    (void)state;
    struct policy_ownids *ids = parse_ok("# our identifiers\n"
                                         "\n"
                                         "Example.COM\n"
                                         "  192.0.2.0/24  \r\n"
                                         "2001:db8:42::/48\n"
                                         "Acme Power Inc.\n"
                                         "identity--6ba7b810-9dad-41d1-80b4-00c04fd430c8\n"
                                         "name:acme.local\n"
                                         "198.51.100.7\n");
    assert_int_equal(policy_ownids_count(ids), 7);
    assert_string_equal(policy_ownids_text(ids),
                        "example.com\n192.0.2.0/24\n2001:db8:42::/48\nAcme Power Inc.\n"
                        "identity--6ba7b810-9dad-41d1-80b4-00c04fd430c8\nname:acme.local\n"
                        "198.51.100.7");
    assert_true(policy_ownids_has_identity(ids, "identity--6ba7b810-9dad-41d1-80b4-00c04fd430c8"));
    assert_false(policy_ownids_has_identity(ids, "identity--00000000-9dad-41d1-80b4-00c04fd430c8"));
    assert_true(policy_ownids_is_name(ids, "ACME POWER INC."));
    assert_false(policy_ownids_is_name(ids, "Acme"));
    /* The normalised text parses back to the same set. */
    struct policy_ownids *again = parse_ok(policy_ownids_text(ids));
    assert_string_equal(policy_ownids_text(again), policy_ownids_text(ids));
    assert_int_equal(policy_ownids_match(again, "ACME.LOCAL"), POLICY_OWNKIND_NAME);
    policy_ownids_free(again);
    policy_ownids_free(ids);
    /* A forced name that starts with '#' must not read back as a comment. */
    ids = parse_ok("name:#ops-team\n");
    assert_string_equal(policy_ownids_text(ids), "name:#ops-team");
    again = parse_ok(policy_ownids_text(ids));
    assert_int_equal(policy_ownids_count(again), 1);
    policy_ownids_free(again);
    policy_ownids_free(ids);
    /* Empty and NULL are the empty set. */
    ids = parse_ok(NULL);
    assert_int_equal(policy_ownids_count(ids), 0);
    assert_int_equal(policy_ownids_match(ids, "anything"), 0);
    policy_ownids_free(ids);
    policy_ownids_free(NULL);
}

static void parse_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"example.com\n10.0.0.0/33\n", "line 2"},
        {"# c\nexample..com\n", "line 2"},
        {"ok.example\n\n\n2001:zz::/32\n", "line 4"},
        {"identity--not-a-uuid\n", "line 1"},
        {"ab\n", "shorter"},
        {"bad\x01name\n", "control"},
        {"domain:under_score.example\n", "not a domain"},
        {"300.1.2.3\n", "line 1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct policy_ownids *ids = (struct policy_ownids *)1;
        struct rk_err err;
        rk_err_clear(&err);
        assert_int_equal(policy_ownids_parse(cases[i].text, &ids, &err), RK_E_INVALID);
        assert_null(ids);
        if (strstr(err.msg, cases[i].expect) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].expect);
    }
}

static void match_domains(void **state)
{
    (void)state;
    struct policy_ownids *ids = parse_ok("example.com\n");
    assert_int_equal(policy_ownids_match(ids, "example.com"), POLICY_OWNKIND_DOMAIN);
    assert_int_equal(policy_ownids_match(ids, "https://mail.Example.COM/login"),
                     POLICY_OWNKIND_DOMAIN);
    assert_int_equal(policy_ownids_match(ids, "[domain-name:value = 'vpn.example.com']"),
                     POLICY_OWNKIND_DOMAIN);
    assert_int_equal(policy_ownids_match(ids, "ceo@example.com"), POLICY_OWNKIND_DOMAIN);
    assert_int_equal(policy_ownids_match(ids, "ends with example.com."), POLICY_OWNKIND_DOMAIN);
    /* Lookalikes are not ours. */
    assert_int_equal(policy_ownids_match(ids, "notexample.com"), 0);
    assert_int_equal(policy_ownids_match(ids, "my-example.com"), 0);
    assert_int_equal(policy_ownids_match(ids, "example.community"), 0);
    assert_int_equal(policy_ownids_match(ids, "example.com.evil.net"), 0);
    assert_int_equal(policy_ownids_match(ids, "example.co"), 0);
    /* A lookalike first, then the real one. */
    assert_int_equal(policy_ownids_match(ids, "notexample.com and www.example.com"),
                     POLICY_OWNKIND_DOMAIN);
    policy_ownids_free(ids);
}

static void match_addresses(void **state)
{
    (void)state;
    struct policy_ownids *ids = parse_ok("192.0.2.0/24\n203.0.113.9\n2001:db8:42::/48\n");
    assert_int_equal(policy_ownids_match(ids, "192.0.2.77"), POLICY_OWNKIND_CIDR);
    assert_int_equal(policy_ownids_match(ids, "[ipv4-addr:value = '192.0.2.1/32']"),
                     POLICY_OWNKIND_CIDR);
    assert_int_equal(policy_ownids_match(ids, "seen from 203.0.113.9:443."), POLICY_OWNKIND_CIDR);
    assert_int_equal(policy_ownids_match(ids, "2001:DB8:42:7::1"), POLICY_OWNKIND_CIDR);
    assert_int_equal(policy_ownids_match(ids, "http://[2001:db8:42::5]:8080/"),
                     POLICY_OWNKIND_CIDR);
    assert_int_equal(policy_ownids_match(ids, "192.0.3.1"), 0);
    assert_int_equal(policy_ownids_match(ids, "203.0.113.90"), 0);
    assert_int_equal(policy_ownids_match(ids, "1192.0.2.5"), 0);
    assert_int_equal(policy_ownids_match(ids, "2001:db8:43::1"), 0);
    assert_int_equal(policy_ownids_match(ids, "version 1.2.3"), 0);
    assert_int_equal(policy_ownids_match(ids, "at 12:30:45"), 0);
    policy_ownids_free(ids);
    /* Odd prefixes. */
    ids = parse_ok("10.128.0.0/9\n::/0\n");
    assert_int_equal(policy_ownids_match(ids, "10.200.1.1"), POLICY_OWNKIND_CIDR);
    assert_int_equal(policy_ownids_match(ids, "10.127.255.255"), 0);
    assert_int_equal(policy_ownids_match(ids, "fe80::1"), POLICY_OWNKIND_CIDR);
    policy_ownids_free(ids);
}

static void match_names(void **state)
{
    (void)state;
    struct policy_ownids *ids = parse_ok("Acme Power\n");
    assert_int_equal(policy_ownids_match(ids, "phishing aimed at ACME POWER staff"),
                     POLICY_OWNKIND_NAME);
    assert_int_equal(policy_ownids_match(ids, "acme power"), POLICY_OWNKIND_NAME);
    assert_int_equal(policy_ownids_match(ids, "Acme Powder"), 0);
    assert_string_equal(policy_ownid_kind_name(POLICY_OWNKIND_NAME), "name");
    assert_string_equal(policy_ownid_kind_name(POLICY_OWNKIND_CIDR), "address range");
    policy_ownids_free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_kinds_and_comments),
        cmocka_unit_test(parse_errors_name_the_line),
        cmocka_unit_test(match_domains),
        cmocka_unit_test(match_addresses),
        cmocka_unit_test(match_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
