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
        cmocka_unit_test(steal_empty_gives_empty_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
