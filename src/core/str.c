/* SPDX-License-Identifier: Apache-2.0 */
/* str.c: small string helpers that replace atoi and friends with checked parsing. */
#include "core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rk_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (s == NULL || *s == '\0')
        return RK_E_INVALID;
    for (const char *p = (*s == '-') ? s + 1 : s; *p; p++)
        if (*p < '0' || *p > '9')
            return RK_E_INVALID;
    if (*s == '-' && s[1] == '\0')
        return RK_E_INVALID;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == NULL || *end != '\0' || v < min || v > max)
        return RK_E_INVALID;
    *out = (int64_t)v;
    return 0;
}

bool rk_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}
