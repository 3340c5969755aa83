/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time.c: RFC 3339 timestamps as STIX 2.1 and TAXII 2.1 use them (UTC, "Z", optional
 * fraction), held as microseconds since the epoch. Civil-date arithmetic is done by hand
 * (Howard Hinnant's days_from_civil) so that no locale or TZ variable can change a result.
 */
#include "core.h"

#include <stdio.h>
#include <time.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

rk_time_us rk_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (rk_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int time_parse(const char *s, rk_time_us *out, int *form);

int rk_time_precision(const char *s)
{
    int form = rk_time_form(s);
    return form < 0 ? -1 : form & RK_TIME_FORM_DIGITS;
}

int rk_time_form(const char *s)
{
    rk_time_us t;
    int form;
    return time_parse(s, &t, &form) == 0 ? form : -1;
}

int rk_time_parse(const char *s, rk_time_us *out)
{
    return time_parse(s, out, NULL);
}

/* rk_time_parse, and the text's form into *form when form is not NULL (one pass: the store
 * takes the form of every version it keeps). */
static int time_parse(const char *s, rk_time_us *out, int *form)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se;
    if (s == NULL)
        return RK_E_INVALID;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
        digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return RK_E_INVALID;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 60)
        return RK_E_INVALID;
    unsigned dim = mdays[mo - 1] + (mo == 2 && is_leap(y) ? 1 : 0);
    if ((unsigned)d > dim)
        return RK_E_INVALID;
    int leap = se == 60 ? RK_TIME_FORM_LEAP : 0;
    if (se == 60)
        se = 59; /* a leap second sorts as the last microsecond-free second of its minute */
    const char *p = s + 19;
    int64_t frac = 0;
    int n = 0, extra = 0;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (n < 6)
                frac = frac * 10 + (*p - '0');
            else if (n < 9) /* more is refused below */
                extra = extra * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0 || n > 9)
            return RK_E_INVALID;
        for (int k = n; k < 6; k++)
            frac *= 10;
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return RK_E_INVALID;
    if (form != NULL)
        *form = leap | extra << 4 | n;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = ((days * 86400) + h * 3600 + mi * 60 + se) * 1000000 + frac;
    return 0;
}

/* Writes v as exactly n decimal digits (zero-padded, v < 10^n); returns the end. */
static char *put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10u);
        v /= 10u;
    }
    return p + n;
}

void rk_time_format(rk_time_us t, char out[RK_TIME_LEN])
{
    (void)rk_time_format_as(t, RK_TIME_FORM_US, out);
}

size_t rk_time_format_as(rk_time_us t, int form, char out[RK_TIME_LEN])
{
    static const unsigned pow10[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
    int64_t secs = t / 1000000;
    int64_t us = t % 1000000;
    if (us < 0) {
        us += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    /* Years outside 0..9999 cannot be written in RFC 3339; clamp so output stays bounded. */
    unsigned yy = y < 0 ? 0 : y > 9999 ? 9999 : (unsigned)y;
    /* Written digit by digit: manifests format two timestamps per row, and snprintf was
     * most of their cost. In RK_TIME_FORM_US, the same output as
     * "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ". */
    char *p = out;
    p = put_digits(p, yy, 4);
    *p++ = '-';
    p = put_digits(p, m % 100u, 2);
    *p++ = '-';
    p = put_digits(p, d % 100u, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(rem / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(rem / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (form & RK_TIME_FORM_LEAP) ? 60u : (unsigned)(rem % 60), 2);
    int n = form & RK_TIME_FORM_DIGITS;
    if (n > 9)
        n = 9;
    if (n > 0) {
        *p++ = '.';
        int k = n < 6 ? n : 6;
        p = put_digits(p, (unsigned)us / pow10[k], k);
        if (n > 6)
            p = put_digits(p, (unsigned)(form >> 4 & 0x3ff) % pow10[12 - n], n - 6);
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - out);
}
