/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_head.c: the request head parser on heads given whole and byte by byte: the end of the
 * head, the limits (414, 431, 400 for parameters), malformed lines, NUL bytes anywhere,
 * decoding of the path and the query, framing headers and keep-alive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

#define MAX 1024

static struct http_head head;
static char buf[8 * MAX];

/* Parses data (len bytes, NULs allowed) given whole; returns what http_head_parse returned. */
static int parse_n(const char *data, size_t len)
{
    size_t scanned = 0;
    assert_true(len <= sizeof(buf));
    memcpy(buf, data, len);
    return http_head_parse(buf, len, MAX, &scanned, &head);
}

static int parse(const char *data)
{
    return parse_n(data, strlen(data));
}

/* The status of the head, or -1 when it is not complete. */
static int status_of(const char *data, size_t len)
{
    return parse_n(data, len) == HTTP_HEAD_DONE ? head.status : -1;
}

static int status_of_str(const char *s)
{
    return status_of(s, strlen(s));
}

static void test_simple(void **state)
{
    (void)state;
    const char *req = "GET /a/b%20c/?x=1&y=a+b%2B&z&&w= HTTP/1.1\r\nHost: h\r\n"
                      "Accept:  text/plain \r\nX-Empty:\r\n\r\nnext";
    assert_int_equal(parse(req), HTTP_HEAD_DONE);
    assert_int_equal(head.status, 0);
    assert_string_equal(head.method, "GET");
    assert_string_equal(head.path, "/a/b c/");
    assert_int_equal(head.path_len, 7);
    assert_int_equal(head.n_params, 5);
    assert_string_equal(head.params[0].key, "x");
    assert_string_equal(head.params[0].value, "1");
    assert_string_equal(head.params[1].value, "a b+");
    assert_string_equal(head.params[2].key, "z");
    assert_string_equal(head.params[2].value, "");
    assert_string_equal(head.params[3].key, "");
    assert_string_equal(head.params[4].key, "w");
    assert_string_equal(http_head_field(&head, "accept"), "text/plain");
    assert_string_equal(http_head_field(&head, "X-Empty"), "");
    assert_null(http_head_field(&head, "Cookie"));
    assert_true(head.keep_alive);
    assert_int_equal(head.len, strlen(req) - 4); /* "next" is the next request */
}

static void test_incremental(void **state)
{
    (void)state;
    const char *req = "\r\nPOST /p HTTP/1.1\nHost: h\nContent-Length: 12\n\n";
    size_t len = strlen(req), scanned = 0;
    for (size_t i = 1; i < len; i++) {
        memcpy(buf, req, i);
        assert_int_equal(http_head_parse(buf, i, MAX, &scanned, &head), HTTP_HEAD_MORE);
    }
    memcpy(buf, req, len);
    assert_int_equal(http_head_parse(buf, len, MAX, &scanned, &head), HTTP_HEAD_DONE);
    assert_int_equal(head.status, 0);
    assert_true(head.has_length);
    assert_int_equal(head.content_length, 12);
    assert_int_equal(head.len, len);
}

static void test_limits(void **state)
{
    (void)state;
    char *big = malloc(4 * MAX);
    /* A request line that never ends within the limit: 414, whatever follows. */
    memset(big, 'a', 4 * MAX);
    memcpy(big, "GET /", 5);
    assert_int_equal(status_of(big, MAX + 1), 414);
    assert_int_equal(status_of(big, MAX), -1);
    /* A head over the limit: 431, complete or not. */
    size_t n = (size_t)snprintf(big, 4 * MAX, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
    memset(big + n, 'b', 4 * MAX - n);
    assert_int_equal(status_of(big, MAX + 1), 431);
    assert_non_null(strstr(head.error, "1024"));
    assert_string_equal(head.path, "/"); /* the route is known, for the shape of the error */
    memcpy(big + 2 * MAX, "\r\n\r\n", 4);
    assert_int_equal(status_of(big, 2 * MAX + 4), 431);
    /* A complete request line over the limit is 414, even in a head over the limit. */
    n = (size_t)snprintf(big, 4 * MAX, "GET /");
    memset(big + n, 'c', 2 * MAX);
    memcpy(big + 2 * MAX, " HTTP/1.1\r\nHost: h\r\n\r\n", 23);
    assert_int_equal(status_of(big, 2 * MAX + 23), 414);
    /* The path of a refused target still says which route (and shape of error) was meant. */
    memcpy(big, "GET /api?q=", 11);
    assert_int_equal(status_of(big, 2 * MAX + 23), 414);
    assert_string_equal(head.method, "GET");
    assert_string_equal(head.path, "/api");
    assert_int_equal(status_of(big, MAX + 1), 414); /* the line not complete yet */
    assert_string_equal(head.path, "/api");
    /* Too many fields, however short. */
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS; i++)
        rk_buf_puts(&b, "X:\r\n");
    rk_buf_puts(&b, "\r\n");
    assert_int_equal(status_of(b.data, b.len), 431);
    assert_non_null(strstr(head.error, "100"));
    /* Parameters: 64 are fine, 65 are not, however they are counted. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /?");
    for (int i = 0; i < HTTP_MAX_PARAMS; i++)
        rk_buf_puts(&b, "k=v&");
    rk_buf_puts(&b, " HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(status_of(b.data, b.len), 0);
    assert_int_equal(head.n_params, HTTP_MAX_PARAMS);
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /?");
    for (int i = 0; i <= HTTP_MAX_PARAMS; i++)
        rk_buf_puts(&b, "&");
    rk_buf_puts(&b, " HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(status_of(b.data, b.len), 400);
    /* Cookies are a field like any other: hundreds of them cost one field. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1");
    for (int i = 0; i < 300; i++)
        rk_buf_puts(&b, ";c");
    rk_buf_puts(&b, "\r\n\r\n");
    assert_int_equal(status_of(b.data, b.len), 0);
    rk_buf_free(&b);
    free(big);
}

static void test_nul_and_controls(void **state)
{
    (void)state;
    static const char nul_target[] = "GET /a\0/b HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_int_equal(status_of(nul_target, sizeof(nul_target) - 1), 400);
    assert_non_null(strstr(head.error, "NUL"));
    /* A fake end of the request line inside the target changes nothing. */
    static const char fake[] = "GET /x\0HTTP/1.1\0?&&&&&&&&&&&&&&&&& HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_int_equal(status_of(fake, sizeof(fake) - 1), 400);
    static const char nul_field[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
    assert_int_equal(status_of(nul_field, sizeof(nul_field) - 1), 400);
    static const char nul_method[] = "G\0T / HTTP/1.1\r\nHost: h\r\n\r\n";
    assert_int_equal(status_of(nul_method, sizeof(nul_method) - 1), 400);
    assert_int_equal(status_of_str("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
    assert_int_equal(status_of_str("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"), 400);
    /* %00 is not decoded: the path names something that does not exist, never a prefix. */
    assert_int_equal(parse("GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_HEAD_DONE);
    assert_int_equal(head.status, 0);
    assert_int_equal(head.path_len, 6);
    assert_string_equal(head.path, "/a%00b");
    /* The other escapes are. */
    assert_int_equal(parse("GET /a%41%2fb HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_HEAD_DONE);
    assert_string_equal(head.path, "/aA/b");
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        int status;
    } cases[] = {
        {"GARBAGE\r\n\r\n", 400},
        {"GET\r\n\r\n", 400},
        {"GET /\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        {"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400},
        {"GET / HTTP/9.9\r\nHost: h\r\n\r\n", 505},
        {"GET / HTTP/0.9\r\n\r\n", 505},
        {"GET / HTTP/1.x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400}, /* no Host */
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nX : v\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 12abc\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
         400},
        {"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int st = status_of(cases[i].head, strlen(cases[i].head));
        if (st != cases[i].status)
            fail_msg("case %zu: %d, not %d (%s)", i, st, cases[i].status, head.error);
        assert_true(head.error[0] != '\0');
    }
}

static void test_framing(void **state)
{
    (void)state;
    assert_int_equal(status_of_str("GET / HTTP/1.0\r\n\r\n"), 0);
    assert_false(head.keep_alive);
    assert_int_equal(head.minor, 0);
    assert_int_equal(status_of_str("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
    assert_true(head.keep_alive);
    assert_int_equal(status_of_str("GET / HTTP/1.1\r\nHost: h\r\nConnection: te, close\r\n\r\n"),
                     0);
    assert_false(head.keep_alive);
    const char *huge =
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 184467440737095516160\r\n\r\n";
    assert_int_equal(status_of(huge, strlen(huge)), 0);
    assert_int_equal(head.content_length, UINT64_MAX);
    const char *ch = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n"
                     "Expect: 100-continue\r\n\r\n";
    assert_int_equal(status_of(ch, strlen(ch)), 0);
    assert_true(head.chunked);
    assert_true(head.expect_continue);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),    cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_limits),    cmocka_unit_test(test_nul_and_controls),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
