/* SPDX-License-Identifier: Apache-2.0 */
/* test_buf.c: growable buffers and JSON string escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static void appends_and_grows(void **state)
{
    struct rk_buf b = RK_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        rk_buf_printf(&b, "%d,", i);
    assert_true(b.len > 3000);
    assert_true(rk_starts_with(b.data, "0,1,2,3,"));
    assert_int_equal(b.data[b.len], '\0');
    rk_buf_reset(&b);
    assert_int_equal(b.len, 0);
    rk_buf_puts(&b, "x");
    assert_string_equal(b.data, "x");
    rk_buf_free(&b);
    assert_null(b.data);
}

static void escapes_json(void **state)
{
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_json_string(&b, "a\"b\\c\n\x01é");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001é\"");
    char *s = rk_buf_steal(&b);
    assert_null(b.data);
    free(s);
}

/* Whatever bytes it is given, the literal is UTF-8: well-formed characters of every length
 * are kept, and every byte that is not part of one becomes U+FFFD (a stray continuation
 * byte, a truncated sequence, an overlong form, a surrogate, past U+10FFFF, 0xFF). */
static void json_strings_are_utf8(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"\xc3\xa9\xe9\x80\xa3\xf0\x9f\x94\x92", "\"\xc3\xa9\xe9\x80\xa3\xf0\x9f\x94\x92\""},
        {"\xff", "\"\\ufffd\""},
        {"a\x80"
         "b",
         "\"a\\ufffdb\""},
        {"\xe9\x80", "\"\\ufffd\\ufffd\""},
        {"\xc0\xaf", "\"\\ufffd\\ufffd\""},
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},
        {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        {"\xf0\x9f\x94", "\"\\ufffd\\ufffd\\ufffd\""},
        {"no collection '\xff\"'", "\"no collection '\\ufffd\\\"'\""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rk_buf b = RK_BUF_INIT;
        rk_buf_puts(&b, "x");
        rk_buf_json_string(&b, cases[i].in);
        assert_string_equal(b.data + 1, cases[i].out);
        rk_buf_free(&b);
    }
}

static void steal_empty_gives_empty_string(void **state)
{
    struct rk_buf b = RK_BUF_INIT;
    char *s = rk_buf_steal(&b);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_and_grows),
        cmocka_unit_test(escapes_json),
        cmocka_unit_test(json_strings_are_utf8),
        cmocka_unit_test(steal_empty_gives_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
