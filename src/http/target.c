/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.c: measures a request target before libmicrohttpd parses its query, so that the
 * server can refuse a target that is too long or has too many parameters while libmicrohttpd
 * still has the memory to send the answer (docs/internals/http.md, "Limits"), and decodes
 * its path and query so that no percent-escape can cut them short.
 */
#include "http/http_int.h"

#include <assert.h>
#include <string.h>

/*
 * True if p starts the cut between target and version, "\0HTTP/d.d\0". The caller has seen
 * p[0] == '\0' inside the request line; the line then holds at least nine more bytes (the
 * version and its terminator come last), so every byte read here belongs to the line.
 */
static bool at_version(const char *p)
{
    assert(p[0] == '\0');
    return p[1] == 'H' && p[2] == 'T' && p[3] == 'T' && p[4] == 'P' && p[5] == '/' && p[6] >= '0' &&
           p[6] <= '9' && p[7] == '.' && p[8] >= '0' && p[8] <= '9' && p[9] == '\0';
}

void http_target_scan(char *target, struct http_target *t)
{
    char *p = target;

    memset(t, 0, sizeof(*t));
    for (;; p++) {
        if (*p == '\0') {
            if (at_version(p))
                break;
            t->nul = true;
        } else if (*p == '?' && t->qmark == NULL) {
            t->qmark = p;
        }
    }
    t->len = (size_t)(p - target);
    if (t->qmark != NULL && t->qmark[1] != '\0') {
        /* libmicrohttpd reads the query up to the first NUL: one record per '&', and one for
         * the piece after the last '&' unless it is empty. */
        const char *q = t->qmark + 1;
        size_t n = 0;
        for (; *q != '\0'; q++)
            n += *q == '&';
        t->n_params = n + (q[-1] != '&');
    }
}

/* The value of the hex digit c, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t http_target_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r != '\0';) {
        int hi = r[0] == '%' ? hex_value(r[1]) : -1;
        int lo = hi >= 0 ? hex_value(r[2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0)) {
            *w++ = *r++;
            continue;
        }
        *w++ = (char)(hi << 4 | lo);
        r += 3;
    }
    *w = '\0';
    return (size_t)(w - s);
}
