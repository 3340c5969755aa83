/* SPDX-License-Identifier: Apache-2.0 */
/* test_webhook.c: the X-Renkei-Signature value (HMAC-SHA256 of the body, hex, "sha256="). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "alert/deliver_int.h"

/* RFC 4231 test case 2 and the well-known "quick brown fox" vector. */
static void known_vectors(void **state)
{
    (void)state;
    char sig[ALERT_SIGNATURE_LEN];
    const char *msg = "what do ya want for nothing?";

    alert_webhook_signature("Jefe", msg, strlen(msg), sig);
    assert_string_equal(sig,
                        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    msg = "The quick brown fox jumps over the lazy dog";
    alert_webhook_signature("key", msg, strlen(msg), sig);
    assert_string_equal(sig,
                        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

/* The body is signed as bytes: a NUL inside counts, the length decides. */
static void body_is_bytes(void **state)
{
    (void)state;
    char a[ALERT_SIGNATURE_LEN], b[ALERT_SIGNATURE_LEN], c[ALERT_SIGNATURE_LEN];

    alert_webhook_signature("secret", "ab\0cd", 5, a);
    alert_webhook_signature("secret", "ab", 2, b);
    alert_webhook_signature("secret2", "ab", 2, c);
    assert_string_not_equal(a, b);
    assert_string_not_equal(b, c);
    assert_int_equal(strlen(a), ALERT_SIGNATURE_LEN - 1);
    assert_memory_equal(a, "sha256=", 7);
    for (size_t i = 7; i < strlen(a); i++)
        assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
}

/* An empty body and a long secret (longer than the HMAC block) are signed too. */
static void empty_body_long_secret(void **state)
{
    (void)state;
    char sig[ALERT_SIGNATURE_LEN];
    char key[132];

    memset(key, 0xaa, 131);
    key[131] = '\0';
    /* RFC 4231 test case 6 */
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    alert_webhook_signature(key, msg, strlen(msg), sig);
    assert_string_equal(sig,
                        "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    alert_webhook_signature("k", "", 0, sig);
    assert_int_equal(strlen(sig), ALERT_SIGNATURE_LEN - 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors),
        cmocka_unit_test(body_is_bytes),
        cmocka_unit_test(empty_body_long_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
