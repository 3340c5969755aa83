/* SPDX-License-Identifier: Apache-2.0 */
/* test_strset.c: the string set: distinct adds, lookups, growth, clear, empty strings and
 * strings that differ only past a shared prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

static void adds_once(void **state)
{
    struct rk_strset set = RK_STRSET_INIT;

    assert_false(rk_strset_has(&set, "a", 1));
    assert_true(rk_strset_add(&set, "identity--1", 11));
    assert_false(rk_strset_add(&set, "identity--1", 11));
    assert_true(rk_strset_add(&set, "identity--12", 12));
    assert_true(rk_strset_add(&set, "identity--1", 10)); /* "identity--" */
    assert_true(rk_strset_add(&set, "", 0));
    assert_false(rk_strset_add(&set, "x", 0));
    assert_int_equal(rk_strset_count(&set), 4);
    assert_true(rk_strset_has(&set, "identity--12", 12));
    assert_true(rk_strset_has(&set, "", 0));
    assert_false(rk_strset_has(&set, "identity--2", 11));
    rk_strset_free(&set);
    rk_strset_free(NULL);
}

static void grows_and_clears(void **state)
{
    struct rk_strset set = RK_STRSET_INIT;
    char id[64];

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 20000; i++) {
            int n = snprintf(id, sizeof(id), "indicator--%08d", i % 5000);
            assert_int_equal(rk_strset_add(&set, id, (size_t)n), i < 5000);
        }
        assert_int_equal(rk_strset_count(&set), 5000);
        assert_true(set.cap >= 2 * set.n);
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(id, sizeof(id), "indicator--%08d", i);
            assert_true(rk_strset_has(&set, id, (size_t)n));
        }
        assert_false(rk_strset_has(&set, "indicator--00005000", 19));
        rk_strset_clear(&set);
        assert_int_equal(rk_strset_count(&set), 0);
        assert_false(rk_strset_has(&set, "indicator--00000001", 19));
    }
    rk_strset_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adds_once),
        cmocka_unit_test(grows_and_clears),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
