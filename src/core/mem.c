/* SPDX-License-Identifier: Apache-2.0 */
/* mem.c: allocation wrappers. Running out of memory is not a recoverable state for a server
 * that must not half-write; we log and abort in one place. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "renkei: out of memory allocating %zu bytes\n", n);
    abort();
}

void *rk_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *rk_calloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (p == NULL)
        oom(count * n);
    return p;
}

void *rk_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *rk_strdup(const char *s)
{
    return rk_strndup(s, strlen(s));
}

char *rk_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = rk_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
