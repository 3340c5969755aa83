/* SPDX-License-Identifier: Apache-2.0 */
/* test_time.c: RFC 3339 parsing and formatting as STIX and TAXII use them, and text forms: a
 * timestamp written back from its instant and form is the text it was read from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/core.h"

static void parses_epoch_and_fraction(void **state)
{
    rk_time_us t;
    assert_int_equal(rk_time_parse("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(rk_time_parse("1970-01-01T00:00:01.5Z", &t), 0);
    assert_int_equal(t, 1500000);
    assert_int_equal(rk_time_parse("2016-05-12T08:17:27.000Z", &t), 0);
    assert_int_equal(t, 1463041047000000LL);
    /* Nanoseconds are accepted and truncated to microseconds. */
    assert_int_equal(rk_time_parse("2016-05-12T08:17:27.123456789Z", &t), 0);
    assert_int_equal(t, 1463041047123456LL);
}

static void rejects_malformed(void **state)
{
    rk_time_us t;
    const char *bad[] = {"",
                         "2016-05-12",
                         "2016-05-12T08:17:27",
                         "2016-05-12t08:17:27Z",
                         "2016-05-12T08:17:27+00:00",
                         "2016-13-12T08:17:27Z",
                         "2016-02-30T08:17:27Z",
                         "2015-02-29T00:00:00Z",
                         "2016-05-12T24:00:00Z",
                         "2016-05-12T08:17:27.Z",
                         "2016-05-12T08:17:27.1234567890Z",
                         "2016-05-12T08:17:27ZZ",
                         "2016-05-12 08:17:27Z",
                         "20160512T081727Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rk_time_parse(bad[i], &t), RK_E_INVALID);
    assert_int_equal(rk_time_parse("2016-02-29T00:00:00Z", &t), 0);
}

static void formats_with_microseconds(void **state)
{
    char out[RK_TIME_LEN];
    rk_time_format(1463041047123456LL, out);
    assert_string_equal(out, "2016-05-12T08:17:27.123456Z");
    rk_time_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
    rk_time_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
}

static void round_trips(void **state)
{
    char out[RK_TIME_LEN];
    for (rk_time_us t = -86400000000LL * 800; t < 86400000000LL * 40000;
         t += 86400000000LL * 13 + 7777777) {
        rk_time_us back;
        rk_time_format(t, out);
        assert_int_equal(rk_time_parse(out, &back), 0);
        assert_int_equal(back, t);
    }
}

static void precision(void **state)
{
    assert_int_equal(rk_time_precision("2016-05-12T08:17:27Z"), 0);
    assert_int_equal(rk_time_precision("2016-05-12T08:17:27.12Z"), 2);
    assert_int_equal(rk_time_precision("2016-05-12T08:17:27.123Z"), 3);
    assert_int_equal(rk_time_precision("nope"), -1);
}

/* Every text rk_time_parse accepts is written back byte for byte from its instant and form:
 * 0 to 9 fraction digits (trailing zeros and the digits past the sixth included), a leap
 * second, the ends of the year range. */
static void forms_write_the_text_back(void **state)
{
    const char *texts[] = {"2024-01-01T00:00:00Z",           "2024-01-01T00:00:00.1Z",
                           "2024-01-01T00:00:00.10Z",        "2024-01-01T00:00:00.000Z",
                           "2024-01-01T00:00:00.1230Z",      "2024-01-01T00:00:00.01234Z",
                           "2024-01-01T00:00:00.123456Z",    "2024-01-01T00:00:00.1234567Z",
                           "2024-01-01T00:00:00.12345608Z",  "2024-01-01T00:00:00.000000001Z",
                           "2024-01-01T00:00:00.999999999Z", "2016-12-31T23:59:60Z",
                           "2016-12-31T23:59:60.250Z",       "0000-01-01T00:00:00Z",
                           "9999-12-31T23:59:59.999Z"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        rk_time_us t;
        char out[RK_TIME_LEN];
        int form = rk_time_form(texts[i]);
        assert_true(form >= 0);
        assert_int_equal(rk_time_parse(texts[i], &t), 0);
        size_t n = rk_time_format_as(t, form, out);
        assert_string_equal(out, texts[i]);
        assert_int_equal(n, strlen(texts[i]));
        assert_int_equal(form & RK_TIME_FORM_DIGITS, rk_time_precision(texts[i]));
    }
    assert_int_equal(rk_time_form("2024-01-01T00:00:00.Z"), -1);
    assert_int_equal(rk_time_form(NULL), -1);
    assert_int_equal(rk_time_form("2024-01-01T00:00:00.123456Z"), RK_TIME_FORM_US);

    /* RK_TIME_FORM_US is rk_time_format's; fewer digits cut the instant's fraction. */
    for (rk_time_us t = -86400000000LL * 800; t < 86400000000LL * 40000;
         t += 86400000000LL * 13 + 7777777) {
        char a[RK_TIME_LEN], b[RK_TIME_LEN];
        rk_time_format(t, a);
        assert_int_equal(rk_time_format_as(t, RK_TIME_FORM_US, b), strlen(a));
        assert_string_equal(a, b);
        for (int digits = 0; digits <= 9; digits++) {
            rk_time_us back;
            rk_time_format_as(t, digits, b);
            assert_int_equal(rk_time_form(b), digits);
            assert_int_equal(rk_time_parse(b, &back), 0);
            assert_true(back <= t && t - back < 1000000);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_epoch_and_fraction),
        cmocka_unit_test(rejects_malformed),
        cmocka_unit_test(formats_with_microseconds),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(precision),
        cmocka_unit_test(forms_write_the_text_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
