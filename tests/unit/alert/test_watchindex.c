/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_watchindex.c: watchlist entries (src/alert/watchindex.c): their parsing and keys, and
 * the index: domains by suffix (example.jp hits a.b.example.jp, never badexample.jp; URL hosts
 * and e-mail domains too), "@domain" entries for e-mail addresses only, addresses and CIDRs by
 * overlap both ways (IPv4 and IPv6), AS numbers, hashes, products by name and CPE, several
 * organisations on one key, and objects embedded in observed-data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/match_int.h"

static void parses(const char *entry, const char *type, const char *key)
{
    struct alert_watch w;
    struct rk_err err = {0};

    if (alert_watch_parse(entry, &w, &err) != 0)
        fail_msg("entry \"%s\": %s", entry, err.msg);
    assert_string_equal(w.type, type);
    assert_string_equal(w.key, key);
}

static void test_parse(void **state)
{
    struct alert_watch w;
    struct rk_err err = {0};
    (void)state;

    parses("Example.JP", "domain", "domain:example.jp");
    parses(" example[.]jp ", "domain", "domain:example.jp");
    parses("192.0.2.0/24", "cidr4", "cidr4:192.0.2.0/24");
    parses("192.0.2.7", "ipv4", "ipv4:192.0.2.7");
    parses("2001:DB8::/32", "cidr6", "cidr6:2001:db8::/32");
    parses("AS64500", "asn", "asn:AS64500");
    parses("@Mail.Example.JP", "email-domain", "email-domain:mail.example.jp");
    parses("product:ExampleSCADA", "product", "product:examplescada");
    parses("cpe:2.3:a:Vendor:Product:1.0:*:*:*:*:*:*:*", "product",
           "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*");
    assert_int_not_equal(alert_watch_parse("", &w, &err), 0);
    assert_int_not_equal(alert_watch_parse("not a thing", &w, &err), 0);
    assert_int_not_equal(alert_watch_parse("@", &w, &err), 0);
    assert_int_not_equal(alert_watch_parse("product:", &w, &err), 0);
    assert_int_not_equal(alert_watch_parse("cpe:junk", &w, &err), 0);
    assert_int_not_equal(alert_watch_parse("192.0.2.1/33", &w, &err), 0);
    /* Longer than a key holds: refused, never truncated. */
    char long_entry[3100];
    memcpy(long_entry, "product:", 8);
    memset(long_entry + 8, 'x', 3000);
    long_entry[3008] = '\0';
    assert_int_equal(alert_watch_parse(long_entry, &w, &err), RK_E_TOOBIG);
    memcpy(long_entry, "cpe:2.3:", 8);
    assert_int_equal(alert_watch_parse(long_entry, &w, &err), RK_E_TOOBIG);
    memset(long_entry, 'a', 5000 > sizeof long_entry ? sizeof long_entry - 1 : 5000);
    long_entry[sizeof long_entry - 1] = '\0';
    assert_int_not_equal(alert_watch_parse(long_entry, &w, &err), 0);
}

/* Hits collected as "org:entry" lines, sorted. */
struct got {
    char text[4096];
};

static void on_hit(void *ctx, size_t org, const char *entry)
{
    struct got *g = ctx;
    char line[300];
    snprintf(line, sizeof line, "%zu:%s;", org, entry);
    if (strstr(g->text, line) == NULL)
        strncat(g->text, line, sizeof(g->text) - strlen(g->text) - 1);
}

static struct alert_watch_index *ix;

static void add(size_t org, const char *entry)
{
    struct alert_watch w;
    assert_int_equal(alert_watch_parse(entry, &w, NULL), 0);
    alert_watch_index_add(ix, org, entry, &w);
}

/* The hits of an object (JSON text). */
static const char *hits(const char *json, struct got *g)
{
    json_t *obj = json_loads(json, 0, NULL);
    struct alert_obs_set obs = {0};

    assert_non_null(obj);
    g->text[0] = '\0';
    alert_obs_collect(json_string_value(json_object_get(obj, "type")), obj, &obs);
    alert_watch_index_match(ix, &obs, on_hit, g);
    alert_obs_clear(&obs);
    json_decref(obj);
    return g->text;
}

static const char *sco(const char *type, const char *value, struct got *g)
{
    char json[512];
    snprintf(json, sizeof json, "{\"type\": \"%s\", \"value\": \"%s\"}", type, value);
    return hits(json, g);
}

static void test_index(void **state)
{
    struct got g;
    (void)state;

    ix = alert_watch_index_new();
    add(0, "example.jp");
    add(1, "example.jp");
    add(1, "@corp.example.com");
    add(2, "192.0.2.0/24");
    add(2, "2001:db8:1::/48");
    add(3, "198.51.100.7");
    add(3, "AS64500");
    add(4, "product:ExampleSCADA");
    add(4, "cpe:2.3:a:vendor:hmi:2.0:*:*:*:*:*:*:*");
    add(5, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f");
    assert_int_equal(alert_watch_index_count(ix), 10);

    /* Domains by suffix, at label boundaries only. */
    assert_string_equal(sco("domain-name", "a.b.Example.jp", &g), "1:example.jp;0:example.jp;");
    assert_string_equal(sco("domain-name", "example.jp", &g), "1:example.jp;0:example.jp;");
    assert_string_equal(sco("domain-name", "badexample.jp", &g), "");
    assert_string_equal(sco("domain-name", "example.jp.evil.org", &g), "");
    assert_string_equal(sco("url", "https://login.example.jp/x?y=1", &g),
                        "1:example.jp;0:example.jp;");
    assert_string_equal(sco("url", "https://example.org/example.jp", &g), "");
    /* E-mail: a domain entry and an @ entry; an @ entry never hits a domain-name. */
    assert_string_equal(sco("email-addr", "ceo@mail.example.jp", &g), "1:example.jp;0:example.jp;");
    assert_string_equal(sco("email-addr", "ceo@hq.corp.example.com", &g), "1:@corp.example.com;");
    assert_string_equal(sco("domain-name", "corp.example.com", &g), "");
    /* Ranges overlap both ways. */
    assert_string_equal(sco("ipv4-addr", "192.0.2.200", &g), "2:192.0.2.0/24;");
    assert_string_equal(sco("ipv4-addr", "192.0.0.0/16", &g), "2:192.0.2.0/24;");
    assert_string_equal(sco("ipv4-addr", "192.0.2.128/25", &g), "2:192.0.2.0/24;");
    assert_string_equal(sco("ipv4-addr", "192.0.3.1", &g), "");
    assert_string_equal(sco("ipv4-addr", "198.51.100.0/24", &g), "3:198.51.100.7;");
    assert_string_equal(sco("ipv4-addr", "198.51.100.8", &g), "");
    assert_string_equal(sco("ipv6-addr", "2001:DB8:1:0::9", &g), "2:2001:db8:1::/48;");
    assert_string_equal(sco("ipv6-addr", "2001:db8::/32", &g), "2:2001:db8:1::/48;");
    assert_string_equal(sco("ipv6-addr", "2001:db8:2::1", &g), "");
    /* AS numbers, hashes. */
    assert_string_equal(hits("{\"type\": \"autonomous-system\", \"number\": 64500}", &g),
                        "3:AS64500;");
    assert_string_equal(hits("{\"type\": \"autonomous-system\", \"number\": 64501}", &g), "");
    assert_string_equal(hits("{\"type\": \"indicator\", \"pattern_type\": \"stix\", \"pattern\": "
                             "\"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] OR "
                             "[file:hashes.'SHA-256' = "
                             "'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']"
                             "\"}",
                             &g),
                        "5:aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f;");
    /* Software by name (any case) and CPE. */
    assert_string_equal(hits("{\"type\": \"software\", \"name\": \"EXAMPLEscada\"}", &g),
                        "4:product:ExampleSCADA;");
    assert_string_equal(hits("{\"type\": \"software\", \"name\": \"HMI\", \"cpe\": "
                             "\"cpe:2.3:a:Vendor:HMI:2.0:*:*:*:*:*:*:*\"}",
                             &g),
                        "4:cpe:2.3:a:vendor:hmi:2.0:*:*:*:*:*:*:*;");
    /* Indicators and observed-data. */
    assert_string_equal(hits("{\"type\": \"indicator\", \"pattern_type\": \"stix\", \"pattern\": "
                             "\"[domain-name:value = 'c2.example.jp'] AND [ipv4-addr:value = "
                             "'192.0.2.9']\"}",
                             &g),
                        "1:example.jp;0:example.jp;2:192.0.2.0/24;");
    assert_string_equal(hits("{\"type\": \"observed-data\", \"objects\": {\"0\": {\"type\": "
                             "\"ipv4-addr\", \"value\": \"198.51.100.7\"}, \"1\": {\"type\": "
                             "\"software\", \"name\": \"examplescada\"}}}",
                             &g),
                        "3:198.51.100.7;4:product:ExampleSCADA;");
    assert_string_equal(hits("{\"type\": \"report\", \"name\": \"example.jp\"}", &g), "");
    alert_watch_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
