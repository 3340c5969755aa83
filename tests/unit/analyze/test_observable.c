/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_observable.c: every normalisation rule of analyze_observable_parse (IPv4, RFC 5952
 * IPv6, CIDR host bits, domain case, trailing dot and IDNA, URL scheme, host, port and path,
 * e-mail, hashes, AS numbers, defanged forms), type detection, refusals with their messages,
 * and the STIX property mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"

/* Parses in with hint and asserts the result's type and value, and that parsing the value
 * again with its own type is a fixed point. */
static void expect(const char *in, enum analyze_obs_type hint, enum analyze_obs_type type,
                   const char *value)
{
    struct analyze_observable o;
    struct rk_err err = {0};
    int rc = analyze_observable_parse(in, strlen(in), hint, &o, &err);
    if (rc != 0)
        fail_msg("\"%s\" as %s refused: %s", in, analyze_obs_type_name(hint), err.msg);
    if (o.type != type || strcmp(o.value, value) != 0)
        fail_msg("\"%s\" as %s: got %s \"%s\", want %s \"%s\"", in, analyze_obs_type_name(hint),
                 analyze_obs_type_name(o.type), o.value, analyze_obs_type_name(type), value);
    assert_int_equal(o.len, strlen(value));
    struct analyze_observable again;
    assert_int_equal(analyze_observable_parse(o.value, o.len, o.type, &again, &err), 0);
    assert_string_equal(again.value, o.value);
    assert_int_equal(again.type, o.type);
}

/* Asserts that in is refused as hint with code and a message containing what. */
static void refuse(const char *in, enum analyze_obs_type hint, int code, const char *what)
{
    struct analyze_observable o;
    struct rk_err err = {0};
    int rc = analyze_observable_parse(in, strlen(in), hint, &o, &err);
    if (rc == 0)
        fail_msg("\"%s\" as %s accepted as %s \"%s\"", in, analyze_obs_type_name(hint),
                 analyze_obs_type_name(o.type), o.value);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    if (strstr(err.msg, what) == NULL)
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", in, err.msg, what);
}

static void test_ipv4(void **state)
{
    expect("198.51.100.1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV4, "198.51.100.1");
    expect(" 198.51.100.1\t", ANALYZE_OBS_IPV4, ANALYZE_OBS_IPV4, "198.51.100.1");
    expect("0.0.0.0", ANALYZE_OBS_IPV4, ANALYZE_OBS_IPV4, "0.0.0.0");
    expect("255.255.255.255", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV4, "255.255.255.255");
    expect("198[.]51[.]100[.]1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV4, "198.51.100.1");
    expect("198.51.100.1/32", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV4, "198.51.100.1");
    expect("198.51.100.1/32", ANALYZE_OBS_IPV4, ANALYZE_OBS_IPV4, "198.51.100.1");
    refuse("198.51.100.256", ANALYZE_OBS_ANY, RK_E_INVALID, "ipv4: part 4 is above 255");
    refuse("010.1.1.1", ANALYZE_OBS_ANY, RK_E_INVALID, "part 1 has a leading zero");
    refuse("1.2.3", ANALYZE_OBS_ANY, RK_E_INVALID, "ipv4: not a dotted-decimal IPv4 address");
    refuse("1.2.3.4.5", ANALYZE_OBS_IPV4, RK_E_INVALID, "not a dotted-decimal");
    refuse("example.jp", ANALYZE_OBS_IPV4, RK_E_INVALID, "ipv4:");
    refuse("10.0.0.0/8", ANALYZE_OBS_IPV4, RK_E_INVALID, "ipv4: a range, not one address");
}

static void test_ipv6_rfc5952(void **state)
{
    /* RFC 5952 section 4 and its examples. */
    expect("2001:db8:0:0:1:0:0:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "2001:db8::1:0:0:1");
    expect("2001:0db8:0:0:1:0:0:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "2001:db8::1:0:0:1");
    expect("2001:db8::0:1:0:0:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "2001:db8::1:0:0:1");
    expect("2001:DB8::1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "2001:db8::1");            /* 4.3 */
    expect("2001:db8:0:0:0:0:2:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "2001:db8::2:1"); /* 4.2.1 */
    expect("2001:db8:0:1:1:1:1:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6,
           "2001:db8:0:1:1:1:1:1"); /* 4.2.2: one zero word is not "::" */
    expect("2001:0:0:1:0:0:0:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "2001:0:0:1::1"); /* 4.2.3 */
    expect("2001:db8:0:0:1:0:0:1", ANALYZE_OBS_IPV6, ANALYZE_OBS_IPV6,
           "2001:db8::1:0:0:1"); /* 4.2.3: the first of two equal runs */
    expect("0:0:0:0:0:0:0:0", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "::");
    expect("0:0:0:0:0:0:0:1", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "::1");
    expect("fe80:0:0:0:0:0:0:0", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "fe80::");
    expect("::ffff:c000:0280", ANALYZE_OBS_ANY, ANALYZE_OBS_IPV6, "::ffff:192.0.2.128"); /* 5 */
    expect("2001:db8::1/128", ANALYZE_OBS_CIDR6, ANALYZE_OBS_IPV6, "2001:db8::1");
    refuse("2001:db8::1::2", ANALYZE_OBS_ANY, RK_E_INVALID, "ipv6: not a valid IPv6 address");
    refuse("fe80::1%eth0", ANALYZE_OBS_ANY, RK_E_INVALID, "ipv6: not a valid IPv6 address");
    refuse("12345::", ANALYZE_OBS_IPV6, RK_E_INVALID, "ipv6:");
}

static void test_cidr(void **state)
{
    expect("10.1.2.3/8", ANALYZE_OBS_ANY, ANALYZE_OBS_CIDR4, "10.0.0.0/8");
    expect("198.51.100.77/24", ANALYZE_OBS_CIDR4, ANALYZE_OBS_CIDR4, "198.51.100.0/24");
    expect("198.51.100.77/25", ANALYZE_OBS_CIDR4, ANALYZE_OBS_CIDR4, "198.51.100.0/25");
    expect("198.51.100.200/25", ANALYZE_OBS_CIDR4, ANALYZE_OBS_CIDR4, "198.51.100.128/25");
    expect("1.2.3.4/0", ANALYZE_OBS_ANY, ANALYZE_OBS_CIDR4, "0.0.0.0/0");
    expect("198.51.100.1", ANALYZE_OBS_CIDR4, ANALYZE_OBS_IPV4, "198.51.100.1");
    expect("2001:DB8:1:2::5/32", ANALYZE_OBS_ANY, ANALYZE_OBS_CIDR6, "2001:db8::/32");
    expect("2001:db8:abcd:12ff::/52", ANALYZE_OBS_CIDR6, ANALYZE_OBS_CIDR6,
           "2001:db8:abcd:1000::/52");
    refuse("10.0.0.0/33", ANALYZE_OBS_ANY, RK_E_INVALID,
           "cidr4: the prefix length must be 0 to 32");
    refuse("10.0.0.0/08", ANALYZE_OBS_ANY, RK_E_INVALID, "prefix length");
    refuse("10.0.0.0/", ANALYZE_OBS_ANY, RK_E_INVALID, "prefix length");
    refuse("2001:db8::/129", ANALYZE_OBS_ANY, RK_E_INVALID,
           "cidr6: the prefix length must be 0 to 128");
    refuse("10.0.0.0/8", ANALYZE_OBS_CIDR6, RK_E_INVALID, "ipv6:");
}

static void test_domain(void **state)
{
    expect("Example.JP", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "example.jp");
    expect("example.jp.", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "example.jp");
    expect("WWW.Example.JP.", ANALYZE_OBS_DOMAIN, ANALYZE_OBS_DOMAIN, "www.example.jp");
    expect("_dmarc.example.jp", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "_dmarc.example.jp");
    expect("localhost", ANALYZE_OBS_DOMAIN, ANALYZE_OBS_DOMAIN, "localhost");
    /* IDNA: RFC 3492 and UTS 46 vectors. */
    expect("bücher.example", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "xn--bcher-kva.example");
    expect("BÜCHER.example", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "xn--bcher-kva.example");
    expect("例え.テスト", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "xn--r8jz45g.xn--zckzah");
    expect("例え。テスト", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "xn--r8jz45g.xn--zckzah");
    expect("München.de.", ANALYZE_OBS_DOMAIN, ANALYZE_OBS_DOMAIN, "xn--mnchen-3ya.de");
    expect("XN--BCHER-KVA.example", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "xn--bcher-kva.example");
    /* Defanged forms. */
    expect("example[.]jp", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "example.jp");
    expect("example(.)jp", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "example.jp");
    expect("www[dot]example[DOT]jp", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "www.example.jp");
    expect("example[[.]]jp", ANALYZE_OBS_ANY, ANALYZE_OBS_DOMAIN, "example.jp");
    refuse("hello", ANALYZE_OBS_ANY, RK_E_INVALID, "domain: a single label, not a domain name");
    refuse("exa mple.jp", ANALYZE_OBS_ANY, RK_E_INVALID,
           "domain: character 4 is not allowed in a host name");
    refuse("example..jp", ANALYZE_OBS_ANY, RK_E_INVALID, "domain: empty label");
    refuse("-example.jp", ANALYZE_OBS_ANY, RK_E_INVALID, "label 1 starts or ends with '-'");
    refuse("example.123", ANALYZE_OBS_DOMAIN, RK_E_INVALID, "the last label is all digits");
    refuse(".", ANALYZE_OBS_DOMAIN, RK_E_INVALID, "domain: empty name");
    char label[80];
    memset(label, 'a', 64);
    snprintf(label + 64, sizeof label - 64, ".jp");
    refuse(label, ANALYZE_OBS_ANY, RK_E_INVALID, "label 1 is longer than 63");
    char longname[300];
    for (int i = 0; i < 64; i++)
        memcpy(longname + 4 * i, "abc.", 4);
    snprintf(longname + 256, sizeof longname - 256, "jp");
    refuse(longname, ANALYZE_OBS_ANY, RK_E_INVALID, "domain: longer than 253 characters");
    refuse("xn--a.\xff\xfe", ANALYZE_OBS_ANY, RK_E_INVALID,
           "domain: not a valid internationalised name");
}

static void test_url(void **state)
{
    expect("HTTP://Example.JP/Path?Q=A#F", ANALYZE_OBS_ANY, ANALYZE_OBS_URL,
           "http://example.jp/Path?Q=A#F");
    expect("http://example.jp", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "http://example.jp/");
    expect("http://example.jp?x=1", ANALYZE_OBS_URL, ANALYZE_OBS_URL, "http://example.jp/?x=1");
    expect("http://example.jp:80/a", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "http://example.jp/a");
    expect("https://example.jp:443", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "https://example.jp/");
    expect("https://example.jp:80/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "https://example.jp:80/");
    expect("http://example.jp:8080/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "http://example.jp:8080/");
    expect("http://example.jp:/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "http://example.jp/");
    expect("http://example.jp.:0080/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "http://example.jp/");
    expect("hxxp://example[.]jp/mal.exe", ANALYZE_OBS_ANY, ANALYZE_OBS_URL,
           "http://example.jp/mal.exe");
    expect("hXXps[:]//example[.]jp/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "https://example.jp/");
    expect("hxxps://bücher.example/x", ANALYZE_OBS_ANY, ANALYZE_OBS_URL,
           "https://xn--bcher-kva.example/x");
    expect("http://User:Pw@Example.jp/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL,
           "http://User:Pw@example.jp/");
    expect("http://198.51.100.1:80", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "http://198.51.100.1/");
    expect("http://[2001:DB8:0:0::1]:443/", ANALYZE_OBS_ANY, ANALYZE_OBS_URL,
           "http://[2001:db8::1]:443/");
    expect("FTP://Example.jp/f", ANALYZE_OBS_ANY, ANALYZE_OBS_URL, "ftp://example.jp/f");
    refuse("http:///path", ANALYZE_OBS_ANY, RK_E_INVALID, "url: no host");
    refuse("http://example.jp:99999/", ANALYZE_OBS_ANY, RK_E_INVALID,
           "url: the port is not a number 0-65535");
    refuse("http://example.jp:8o/", ANALYZE_OBS_ANY, RK_E_INVALID, "the port is not a number");
    refuse("http://exa mple.jp/", ANALYZE_OBS_ANY, RK_E_INVALID,
           "url: space or control character at 11");
    refuse("http://[2001:db8::1/", ANALYZE_OBS_ANY, RK_E_INVALID, "url: unclosed '['");
    refuse("http://300.1.1.1/", ANALYZE_OBS_ANY, RK_E_INVALID, "url: bad host: ipv4: part 1");
    refuse("example.jp/path", ANALYZE_OBS_URL, RK_E_INVALID, "url: needs a scheme and \"://\"");
    refuse("://example.jp/", ANALYZE_OBS_URL, RK_E_INVALID, "url: needs a scheme");
    static char big[ANALYZE_INPUT_MAX];
    memcpy(big, "http://example.jp/", 18);
    memset(big + 18, 'a', sizeof big - 19);
    big[sizeof big - 1] = '\0';
    refuse(big, ANALYZE_OBS_ANY, RK_E_TOOBIG, "url: longer than 2048 characters");
}

static void test_email(void **state)
{
    expect("Alice.Smith@Example.JP", ANALYZE_OBS_ANY, ANALYZE_OBS_EMAIL, "Alice.Smith@example.jp");
    expect("alice[@]example[.]jp", ANALYZE_OBS_ANY, ANALYZE_OBS_EMAIL, "alice@example.jp");
    expect("user@bücher.example.", ANALYZE_OBS_EMAIL, ANALYZE_OBS_EMAIL,
           "user@xn--bcher-kva.example");
    refuse("a@b@example.jp", ANALYZE_OBS_ANY, RK_E_INVALID, "email: needs exactly one '@'");
    refuse("@example.jp", ANALYZE_OBS_ANY, RK_E_INVALID, "email: the local part must be 1 to 64");
    refuse("a b@example.jp", ANALYZE_OBS_ANY, RK_E_INVALID, "email: space or control character");
    refuse("alice@", ANALYZE_OBS_ANY, RK_E_INVALID, "email: bad domain part: domain: empty name");
    refuse("example.jp", ANALYZE_OBS_EMAIL, RK_E_INVALID, "email: needs exactly one '@'");
}

static void test_hashes(void **state)
{
    const char *md5 = "D41D8CD98F00B204E9800998ECF8427E";
    const char *sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    const char *sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    char sha512[129];
    memset(sha512, 'C', 128);
    sha512[128] = '\0';
    char sha512_lower[129];
    memset(sha512_lower, 'c', 128);
    sha512_lower[128] = '\0';
    expect(md5, ANALYZE_OBS_ANY, ANALYZE_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    expect(md5, ANALYZE_OBS_HASH, ANALYZE_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    expect(md5, ANALYZE_OBS_MD5, ANALYZE_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    expect(sha1, ANALYZE_OBS_ANY, ANALYZE_OBS_SHA1, sha1);
    expect(sha256, ANALYZE_OBS_SHA256, ANALYZE_OBS_SHA256,
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha512, ANALYZE_OBS_ANY, ANALYZE_OBS_SHA512, sha512_lower);
    refuse(md5, ANALYZE_OBS_SHA1, RK_E_INVALID, "sha1: a SHA-1 hash has 40 hex digits, not 32");
    refuse("d41d8cd98f00b204e9800998ecf8427g", ANALYZE_OBS_MD5, RK_E_INVALID,
           "md5: not hexadecimal");
    refuse("abcdef", ANALYZE_OBS_HASH, RK_E_INVALID,
           "hash: 6 hex digits is no MD5 (32), SHA-1 (40), SHA-256 (64) or SHA-512 (128) hash");
}

static void test_asn(void **state)
{
    expect("AS64500", ANALYZE_OBS_ANY, ANALYZE_OBS_ASN, "AS64500");
    expect("as64500", ANALYZE_OBS_ANY, ANALYZE_OBS_ASN, "AS64500");
    expect("64500", ANALYZE_OBS_ASN, ANALYZE_OBS_ASN, "AS64500");
    expect("AS4294967295", ANALYZE_OBS_ASN, ANALYZE_OBS_ASN, "AS4294967295");
    refuse("AS4294967296", ANALYZE_OBS_ANY, RK_E_INVALID, "asn: not an AS number 0-4294967295");
    refuse("AS0645", ANALYZE_OBS_ASN, RK_E_INVALID, "asn: not an AS number");
    refuse("ASx", ANALYZE_OBS_ASN, RK_E_INVALID, "asn: not an AS number");
}

static void test_general_refusals(void **state)
{
    refuse("", ANALYZE_OBS_ANY, RK_E_INVALID, "any: empty value");
    refuse("  \t", ANALYZE_OBS_DOMAIN, RK_E_INVALID, "domain: empty value");
    struct analyze_observable o;
    struct rk_err err = {0};
    assert_int_equal(analyze_observable_parse("a\0b.jp", 6, ANALYZE_OBS_ANY, &o, &err),
                     RK_E_INVALID);
    assert_string_equal(err.msg, "any: NUL byte in the value");
    static char big[ANALYZE_INPUT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    assert_int_equal(analyze_observable_parse(big, sizeof big - 1, ANALYZE_OBS_ANY, &o, &err),
                     RK_E_TOOBIG);
    assert_string_equal(err.msg, "any: longer than 4096 bytes");
    /* Quoted input in a message is printable ASCII and cut at 40 bytes. */
    refuse("1.2.3.\x01\"", ANALYZE_OBS_IPV4, RK_E_INVALID, "\"1.2.3.??\"");
    refuse("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", ANALYZE_OBS_IPV4, RK_E_INVALID,
           "\"1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1....\"");
}

static void test_keys(void **state)
{
    static const struct {
        const char *in;
        const char *key;
    } cases[] = {
        {"example[.]JP.", "domain:example.jp"},
        {"198.51.100.1", "ipv4:198.51.100.1"},
        {"198.51.100.9/24", "cidr4:198.51.100.0/24"},
        {"2001:db8::1", "ipv6:2001:db8::1"},
        {"2001:db8::/32", "cidr6:2001:db8::/32"},
        {"hxxp://Example.jp:80", "url:http://example.jp/"},
        {"A@Example.jp", "email:A@example.jp"},
        {"AS64500", "asn:AS64500"},
        {"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
         "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct analyze_observable o;
        struct rk_err err = {0};
        assert_int_equal(
            analyze_observable_parse(cases[i].in, strlen(cases[i].in), ANALYZE_OBS_ANY, &o, &err),
            0);
        struct rk_buf b = RK_BUF_INIT;
        analyze_observable_key(&o, &b);
        assert_string_equal(b.data, cases[i].key);
        rk_buf_free(&b);
    }
}

static void test_from_stix(void **state)
{
    struct analyze_observable o;
    struct rk_err err = {0};
    assert_int_equal(analyze_observable_from_stix("ipv4-addr", "value", "10.1.2.3/8", &o, &err), 0);
    assert_int_equal(o.type, ANALYZE_OBS_CIDR4);
    assert_string_equal(o.value, "10.0.0.0/8");
    assert_int_equal(analyze_observable_from_stix("ipv4-addr", "value", "10.1.2.3", &o, &err), 0);
    assert_int_equal(o.type, ANALYZE_OBS_IPV4);
    assert_int_equal(analyze_observable_from_stix("ipv6-addr", "value", "2001:DB8::/32", &o, &err),
                     0);
    assert_string_equal(o.value, "2001:db8::/32");
    assert_int_equal(analyze_observable_from_stix("domain-name", "value", "Example.JP.", &o, &err),
                     0);
    assert_string_equal(o.value, "example.jp");
    assert_int_equal(analyze_observable_from_stix("url", "value", "HTTP://a.example", &o, &err), 0);
    assert_string_equal(o.value, "http://a.example/");
    assert_int_equal(analyze_observable_from_stix("email-addr", "value", "x@A.example", &o, &err),
                     0);
    assert_string_equal(o.value, "x@a.example");
    assert_int_equal(analyze_observable_from_stix("autonomous-system", "number", "64500", &o, &err),
                     0);
    assert_string_equal(o.value, "AS64500");
    const char *md5 = "D41D8CD98F00B204E9800998ECF8427E";
    const char *sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    const char *sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_int_equal(analyze_observable_from_stix("file", "hashes.MD5", md5, &o, &err), 0);
    assert_int_equal(o.type, ANALYZE_OBS_MD5);
    assert_string_equal(o.value, "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(analyze_observable_from_stix("file", "hashes.'SHA-1'", sha1, &o, &err), 0);
    assert_int_equal(o.type, ANALYZE_OBS_SHA1);
    assert_int_equal(analyze_observable_from_stix("artifact", "hashes.'SHA-256'", sha256, &o, &err),
                     0);
    assert_int_equal(o.type, ANALYZE_OBS_SHA256);
    assert_int_equal(
        analyze_observable_from_stix("x509-certificate", "hashes.sha-256", sha256, &o, &err), 0);
    assert_int_equal(o.type, ANALYZE_OBS_SHA256);
    /* A hash of the wrong length for its name, and a bad address, are errors. */
    assert_int_equal(analyze_observable_from_stix("file", "hashes.'SHA-256'", md5, &o, &err),
                     RK_E_INVALID);
    assert_non_null(strstr(err.msg, "sha256: a SHA-256 hash has 64 hex digits, not 32"));
    assert_int_equal(analyze_observable_from_stix("ipv4-addr", "value", "2001:db8::1", &o, &err),
                     RK_E_INVALID);
    assert_non_null(strstr(err.msg, "ipv4:"));
    /* Other properties are not indexed, and err is left alone. */
    rk_err_clear(&err);
    assert_int_equal(analyze_observable_from_stix("file", "name", "a.exe", &o, &err),
                     ANALYZE_NOT_INDEXED);
    assert_int_equal(analyze_observable_from_stix("file", "hashes.'SSDEEP'", "3:a:b", &o, &err),
                     ANALYZE_NOT_INDEXED);
    assert_int_equal(analyze_observable_from_stix("process", "hashes.MD5", md5, &o, &err),
                     ANALYZE_NOT_INDEXED);
    assert_int_equal(analyze_observable_from_stix("ipv4-addr", "resolves_to_refs", "x", &o, &err),
                     ANALYZE_NOT_INDEXED);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.msg, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6_rfc5952),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_domain),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_asn),
        cmocka_unit_test(test_general_refusals),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_from_stix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
