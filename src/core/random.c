/* SPDX-License-Identifier: Apache-2.0 */
/* random.c: UUIDs, secure random bytes and hex encoding. */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

void rk_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "renkei: getrandom failed\n");
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

void rk_hex(const void *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *b = bytes;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

bool rk_uuid_valid(const char *s)
{
    /* By table and segment (STIX ids are checked several times per object). Stops at the
     * first byte that does not fit, so it never reads past the terminating NUL. */
    static const bool hex[256] = {
        ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
        ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
        ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    };
    static const int seg[5] = {8, 4, 4, 4, 12};
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL)
        return false;
    for (int i = 0; i < 5; i++) {
        for (int k = 0; k < seg[i]; k++)
            if (!hex[*p++])
                return false;
        if (i < 4 && *p++ != '-')
            return false;
    }
    return *p == '\0';
}

void rk_uuid_v4(char out[RK_UUID_LEN])
{
    unsigned char b[16];
    char h[33];
    rk_random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    rk_hex(b, sizeof(b), h);
    snprintf(out, RK_UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}
