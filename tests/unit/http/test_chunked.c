/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_chunked.c: the chunked body decoder, fed whole and byte by byte: data, extensions,
 * trailers, bare LF, the end of the body before the next request, malformed sizes and lines,
 * and the size limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/http_int.h"

/* Feeds in whole, or one byte at a time when bytewise; returns the last result and sets *used
 * to the bytes consumed in all. */
static int feed(const char *in, size_t len, bool bytewise, size_t max, struct rk_buf *out,
                size_t *used)
{
    struct http_chunked c = {0};
    int rc = HTTP_CHUNKED_MORE;
    *used = 0;
    rk_buf_reset(out);
    if (!bytewise) {
        return http_chunked_feed(&c, in, len, used, out, max);
    }
    for (size_t i = 0; i < len && rc == HTTP_CHUNKED_MORE; i++) {
        size_t u = 0;
        rc = http_chunked_feed(&c, in + i, 1, &u, out, max);
        *used += u;
    }
    return rc;
}

static void test_good(void **state)
{
    (void)state;
    static const char body[] =
        "5\r\nhello\r\n1;ext=1\r\n \r\nA\nabcdefghij\n0\r\nX-T: 1\r\n\r\nGET";
    struct rk_buf out = RK_BUF_INIT;
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        size_t used;
        assert_int_equal(feed(body, sizeof(body) - 1, bytewise, 100, &out, &used),
                         HTTP_CHUNKED_DONE);
        assert_int_equal(out.len, 16);
        assert_memory_equal(out.data, "hello abcdefghij", 16);
        assert_int_equal(used, sizeof(body) - 1 - 3); /* "GET" is the next request */
    }
    size_t used;
    assert_int_equal(feed("5\r\nhel", 7, false, 100, &out, &used), HTTP_CHUNKED_MORE);
    assert_int_equal(used, 7);
    rk_buf_free(&out);
}

static void test_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "x\r\n",
        "\r\n",
        "5\r\nhelloX",
        "5\r\nhello\rX",
        "5\rX",
        "-1\r\n",
        "0x5\r\n",
        "5 junk\r\nhello\r\n0\r\n\r\n" /* extensions are ignored, so this one is fine */,
    };
    struct rk_buf out = RK_BUF_INIT;
    for (size_t i = 0; i < 7; i++) {
        size_t used;
        int rc = feed(bad[i], strlen(bad[i]), false, 100, &out, &used);
        if (rc != 400)
            fail_msg("case %zu: %d", i, rc);
    }
    size_t used;
    assert_int_equal(feed(bad[7], strlen(bad[7]), false, 100, &out, &used), HTTP_CHUNKED_DONE);
    /* A size line or trailers without end. */
    char big[10000];
    memset(big, '0', sizeof(big));
    assert_int_equal(feed(big, sizeof(big), false, 100, &out, &used), 400);
    memcpy(big, "0\r\n", 3);
    memset(big + 3, 'a', sizeof(big) - 3);
    assert_int_equal(feed(big, sizeof(big), false, 100, &out, &used), 400);
    rk_buf_free(&out);
}

static void test_limit(void **state)
{
    (void)state;
    struct rk_buf out = RK_BUF_INIT;
    size_t used;
    /* Refused as soon as a size says the body will not fit, before its data comes. */
    assert_int_equal(feed("65\r\n", 4, false, 100, &out, &used), 413);
    assert_int_equal(feed("64\r\n", 4, false, 100, &out, &used), HTTP_CHUNKED_MORE);
    assert_int_equal(feed("32\r\n", 4, true, 100, &out, &used), HTTP_CHUNKED_MORE);
    /* The limit counts every chunk: 50 bytes, then a size of 51. */
    const char *two = "32\r\n01234567890123456789012345678901234567890123456789\r\n"
                      "33\r\n";
    assert_int_equal(feed(two, strlen(two), false, 100, &out, &used), 413);
    assert_int_equal(out.len, 50);
    assert_int_equal(feed("ffffffffffffffffff\r\n", 20, false, 100, &out, &used), 413);
    rk_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
