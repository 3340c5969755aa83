/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_target.c: http_target_scan on request lines laid out as libmicrohttpd 0.9.75 hands
 * them to the URI log callback ("<target>\0HTTP/1.1\0" and whatever follows): length, NUL
 * bytes, the '?', and the parameter count libmicrohttpd itself would reach; and
 * http_target_unescape, which decodes every percent-escape but %00.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http_int.h"

static char line[256];

/* Lays the target (tlen bytes, NULs allowed) out as libmicrohttpd does and scans it. */
static void scan_n(const char *target, size_t tlen, struct http_target *t)
{
    static const char rest[] = "\0HTTP/1.1\0\0Host: x\r\n";
    assert_true(tlen + sizeof(rest) <= sizeof(line));
    memset(line, 'Z', sizeof(line));
    memcpy(line, target, tlen);
    memcpy(line + tlen, rest, sizeof(rest));
    http_target_scan(line, t);
}

static void scan(const char *target, struct http_target *t)
{
    scan_n(target, strlen(target), t);
}

static void test_plain(void **state)
{
    struct http_target t;
    (void)state;
    scan("/taxii2/", &t);
    assert_int_equal(t.len, 8);
    assert_null(t.qmark);
    assert_int_equal(t.n_params, 0);
    assert_false(t.nul);
    scan("/x?", &t);
    assert_ptr_equal(t.qmark, line + 2);
    assert_int_equal(t.n_params, 0);
}

/* The count libmicrohttpd's own parser reaches: a record per '&', and one for a last
 * non-empty piece. */
static void test_counts(void **state)
{
    static const struct {
        const char *target;
        size_t n;
    } cases[] = {
        {"/x?a=1", 1}, {"/x?a=1&b", 2}, {"/x?a&", 1},    {"/x?&&", 2},
        {"/x?&", 1},   {"/x?=&", 1},    {"/x?a?b&c", 2}, {"/x?a=1&b=2&c=3", 3},
    };
    struct http_target t;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scan(cases[i].target, &t);
        assert_ptr_equal(t.qmark, line + 2);
        assert_int_equal(t.n_params, cases[i].n);
        assert_int_equal(t.len, strlen(cases[i].target));
    }
}

/* NUL bytes in the target are reported, and do not hide a '?' or the real length. */
static void test_nul(void **state)
{
    struct http_target t;
    (void)state;
    scan_n("/x\0?a&b&c", 9, &t);
    assert_true(t.nul);
    assert_int_equal(t.len, 9);
    assert_ptr_equal(t.qmark, line + 3);
    assert_int_equal(t.n_params, 3);
    /* libmicrohttpd stops reading the query at a NUL; so does the count. */
    scan_n("/x?a&b\0c&d&e", 12, &t);
    assert_true(t.nul);
    assert_int_equal(t.len, 12);
    assert_int_equal(t.n_params, 2);
    /* Something that looks like the version but is not followed by the terminator. */
    scan_n("/x\0HTTP/1.1?a&b", 15, &t);
    assert_true(t.nul);
    assert_int_equal(t.len, 15);
    assert_int_equal(t.n_params, 2);
    /* A target that holds a whole "\0HTTP/d.d\0" is measured up to it: the scan cannot tell it
     * from the real end without reading past the line (see docs/internals/http.md). */
    scan_n("/x\0HTTP/1.0\0?a", 14, &t);
    assert_int_equal(t.len, 2);
    assert_false(t.nul);
    assert_null(t.qmark);
}

static void test_long(void **state)
{
    char target[200];
    struct http_target t;
    (void)state;
    target[0] = '/';
    target[1] = '?';
    for (size_t i = 2; i < sizeof(target) - 1; i++)
        target[i] = i % 2 ? '&' : 'k';
    target[sizeof(target) - 1] = '\0';
    scan(target, &t);
    assert_int_equal(t.len, sizeof(target) - 1);
    assert_int_equal(t.n_params, (sizeof(target) - 2) / 2);
}

/* Every escape is decoded (hex of either case, any byte but NUL); "%00" and a '%' without two
 * hex digits after it stay as they are; the length returned is the result's. */
static void test_unescape(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/hub/collections/%00%ff/objects/", "/hub/collections/%00\xff/objects/"},
        {"%00", "%00"},
        {"a%2fb%2Fc", "a/b/c"},
        {"%41%62%7e", "Ab~"},
        {"%2500", "%00"},
        {"%", "%"},
        {"%4", "%4"},
        {"%4g%zz", "%4g%zz"},
        {"x%01y", "x\x01y"},
        {"100%", "100%"},
        {"", ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", cases[i].in);
        size_t n = http_target_unescape(buf);
        assert_string_equal(buf, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
