/* SPDX-License-Identifier: Apache-2.0 */
/* test_backoff.c: exponential backoff with full jitter; the environment's settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "alert/deliver_int.h"

#define BASE 1000000LL
#define CAP  ALERT_RETRY_CAP_US

/* The ceiling doubles per attempt from base; the largest draw reaches it exactly. */
static void ceiling_doubles(void **state)
{
    (void)state;
    for (int a = 1; a <= 9; a++) {
        int64_t ceiling = BASE << (a - 1);
        assert_int_equal(alert_backoff_us(a, BASE, CAP, (uint64_t)ceiling), ceiling);
        assert_int_equal(alert_backoff_us(a, BASE, CAP, (uint64_t)ceiling + 1), 0);
        assert_int_equal(alert_backoff_us(a, BASE, CAP, 0), 0);
    }
}

/* Never above the cap (10 minutes), even after very many attempts; no overflow. */
static void capped(void **state)
{
    (void)state;
    int64_t most = 0;
    for (int a = 10; a < 5000; a += 7)
        for (uint64_t r = UINT64_MAX - 50; r != 0; r++) {
            int64_t w = alert_backoff_us(a, BASE, CAP, r);
            assert_true(w >= 0 && w <= CAP);
            if (w > most)
                most = w;
        }
    assert_true(most > CAP / 2);
    assert_int_equal(alert_backoff_us(1000000, BASE, CAP, (uint64_t)CAP), CAP);
}

/* Full jitter: draws spread over [0, ceiling], not bunched at its top. */
static void full_jitter(void **state)
{
    (void)state;
    int low = 0, high = 0;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        int64_t w = alert_backoff_us(4, BASE, CAP, x);
        assert_true(w >= 0 && w <= 8 * BASE);
        if (w < 2 * BASE)
            low++;
        if (w > 6 * BASE)
            high++;
    }
    assert_true(low > 2000 && low < 3000);
    assert_true(high > 2000 && high < 3000);
}

/* Attempt 0 or less counts as the first; no base means no wait. */
static void edges(void **state)
{
    (void)state;
    assert_int_equal(alert_backoff_us(0, BASE, CAP, (uint64_t)BASE), BASE);
    assert_int_equal(alert_backoff_us(-3, BASE, CAP, (uint64_t)BASE), BASE);
    assert_int_equal(alert_backoff_us(5, 0, CAP, 12345), 0);
}

static void environment(void **state)
{
    (void)state;
    unsetenv("RENKEI_ALERT_RETRY_BASE_MS");
    unsetenv("RENKEI_ALERT_DEAD_AFTER_S");
    assert_int_equal(alert_retry_base_us(), 1000000);
    assert_int_equal(alert_dead_after_us(), 259200LL * 1000000);
    setenv("RENKEI_ALERT_RETRY_BASE_MS", "100", 1);
    setenv("RENKEI_ALERT_DEAD_AFTER_S", "2", 1);
    assert_int_equal(alert_retry_base_us(), 100000);
    assert_int_equal(alert_dead_after_us(), 2000000);
    setenv("RENKEI_ALERT_RETRY_BASE_MS", "soon", 1);
    setenv("RENKEI_ALERT_DEAD_AFTER_S", "-1", 1);
    assert_int_equal(alert_retry_base_us(), 1000000);
    assert_int_equal(alert_dead_after_us(), 259200LL * 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ceiling_doubles), cmocka_unit_test(capped),
        cmocka_unit_test(full_jitter),     cmocka_unit_test(edges),
        cmocka_unit_test(environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
