/* SPDX-License-Identifier: Apache-2.0 */
/* test_misc.c: UUIDs, integer parsing and the error-code table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/core.h"

static void uuids(void **state)
{
    char a[RK_UUID_LEN], b[RK_UUID_LEN];
    rk_uuid_v4(a);
    rk_uuid_v4(b);
    assert_true(rk_uuid_valid(a));
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_true(rk_uuid_valid("6B616FC1-1505-48E3-8B2C-0D19337BFF38"));
    assert_false(rk_uuid_valid("6b616fc1-1505-48e3-8b2c-0d19337bff3"));
    assert_false(rk_uuid_valid("6b616fc1-1505-48e3-8b2c-0d19337bff388"));
    assert_false(rk_uuid_valid("6b616fc1x1505-48e3-8b2c-0d19337bff38"));
    assert_false(rk_uuid_valid(NULL));
}

static void ints(void **state)
{
    int64_t v;
    assert_int_equal(rk_parse_int64("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(rk_parse_int64("0", 1, 100, &v), RK_E_INVALID);
    assert_int_equal(rk_parse_int64("101", 1, 100, &v), RK_E_INVALID);
    assert_int_equal(rk_parse_int64("4x", 1, 100, &v), RK_E_INVALID);
    assert_int_equal(rk_parse_int64(" 4", 1, 100, &v), RK_E_INVALID);
    assert_int_equal(rk_parse_int64("", 1, 100, &v), RK_E_INVALID);
    assert_int_equal(rk_parse_int64("-", -5, 100, &v), RK_E_INVALID);
    assert_int_equal(rk_parse_int64("99999999999999999999", 0, INT64_MAX, &v), RK_E_INVALID);
}

static void codes(void **state)
{
    struct rk_err e;
    assert_int_equal(rk_err_set(&e, RK_E_INVALID, "bad %s", "thing"), RK_E_INVALID);
    assert_string_equal(e.msg, "bad thing");
    assert_int_equal(rk_http_status(RK_E_INVALID), 400);
    assert_int_equal(rk_http_status(RK_E_UNAUTH), 401);
    assert_int_equal(rk_http_status(RK_E_FORBIDDEN), 403);
    assert_int_equal(rk_http_status(RK_E_NOTFOUND), 404);
    assert_int_equal(rk_http_status(RK_E_NOTACCEPT), 406);
    assert_int_equal(rk_http_status(RK_E_TOOBIG), 413);
    assert_int_equal(rk_http_status(RK_E_UNSUPPORTED), 415);
    assert_int_equal(rk_http_status(RK_E_UNPROCESSABLE), 422);
    assert_int_equal(rk_http_status(-999), 500);
    rk_err_clear(&e);
    assert_int_equal(e.code, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuids),
        cmocka_unit_test(ints),
        cmocka_unit_test(codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
