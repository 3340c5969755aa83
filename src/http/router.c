/* SPDX-License-Identifier: Apache-2.0 */
/*
 * router.c: matches a request method and path against route patterns with {name}
 * segments (and a {name...} that takes the rest of the path), so that each capability hands over a
 * plain table and never parses paths.
 */
#include "http/http_int.h"

#include <string.h>

struct span {
    size_t off; /* offset of a captured segment in the path */
    size_t len; /* its length, > 0 */
};

/* A capture that ends a pattern and takes the rest of the path: "{name...}". */
static bool is_tail_capture(const char *open, const char *close)
{
    return close - open >= 4 && memcmp(close - 3, "...", 3) == 0 && close[1] == '\0';
}

/*
 * Matches path against pattern. On success returns true and fills caps (offsets into
 * path) and *ncaps, and *tail when the last capture took the rest of the path. A trailing
 * slash in the pattern is optional in the path.
 */
static bool pattern_match(const char *pat, const char *path, struct span *caps, size_t *ncaps,
                          bool *tail)
{
    const char *p = pat;
    const char *s = path;
    size_t n = 0;
    *tail = false;
    for (;;) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (close == NULL || n == HTTP_MAX_CAPTURES)
                return false;
            bool rest = is_tail_capture(p, close);
            size_t len = rest ? strlen(s) : strcspn(s, "/");
            *tail = *tail || rest;
            if (len == 0)
                return false;
            caps[n].off = (size_t)(s - path);
            caps[n].len = len;
            n++;
            s += len;
            p = close + 1;
        } else if (*p == '\0') {
            if (*s != '\0')
                return false;
            break;
        } else if (*p == *s) {
            p++;
            s++;
        } else if (*s == '\0' && p[0] == '/' && p[1] == '\0') {
            break;
        } else {
            return false;
        }
    }
    *ncaps = n;
    return true;
}

static void allow_add(char *allow, size_t allow_len, const char *method)
{
    size_t used = strlen(allow);
    size_t mlen = strlen(method);
    /* Skip methods already listed (several routes may share a method and path). */
    for (const char *a = allow; *a;) {
        size_t l = strcspn(a, ",");
        const char *tok = a;
        while (*tok == ' ')
            tok++;
        if ((size_t)(a + l - tok) == mlen && memcmp(tok, method, mlen) == 0)
            return;
        a += l;
        if (*a == ',')
            a++;
    }
    size_t need = used + (used ? 2 : 0) + mlen + 1;
    if (need > allow_len)
        return;
    if (used) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, method, mlen + 1);
}

int http_route_find(const struct http_route *routes, size_t n, const char *method, const char *path,
                    char *scratch, size_t scratch_len, const char *captures[HTTP_MAX_CAPTURES],
                    char *allow, size_t allow_len)
{
    struct span caps[HTTP_MAX_CAPTURES];
    size_t ncaps = 0;
    size_t plen = strlen(path);
    bool other_method = false;

    if (allow != NULL && allow_len > 0)
        allow[0] = '\0';
    for (size_t i = 0; i < HTTP_MAX_CAPTURES; i++)
        captures[i] = NULL;
    if (plen + 1 > scratch_len)
        return HTTP_ROUTE_NONE;
    memcpy(scratch, path, plen + 1);

    /*
     * Among routes that match, the one with the fewest captures wins, so that a literal
     * path of one module ("/healthz") beats a pattern of another ("/{root}/"); a pattern
     * ending in a capture of the rest ("/ui/{path...}") loses to every other.
     */
    struct span best_caps[HTTP_MAX_CAPTURES];
    size_t best_n = 0, best_rank = 0;
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        bool tail;
        if (!pattern_match(routes[i].pattern, path, caps, &ncaps, &tail))
            continue;
        size_t rank = ncaps + (tail ? HTTP_MAX_CAPTURES + 1 : 0);
        if (strcmp(routes[i].method, method) != 0) {
            other_method = true;
            if (allow != NULL && allow_len > 0)
                allow_add(allow, allow_len, routes[i].method);
            continue;
        }
        if (best < 0 || rank < best_rank) {
            best = (int)i;
            best_n = ncaps;
            best_rank = rank;
            memcpy(best_caps, caps, sizeof(caps));
        }
    }
    if (best >= 0) {
        for (size_t c = 0; c < best_n; c++) {
            scratch[best_caps[c].off + best_caps[c].len] = '\0';
            captures[c] = scratch + best_caps[c].off;
        }
        return best;
    }
    return other_method ? HTTP_ROUTE_METHOD : HTTP_ROUTE_NONE;
}

/* Leading path segments that path shares with the literal start of pattern (up to its first
 * capture). */
static size_t literal_segments(const char *pattern, const char *path)
{
    size_t n = 0;
    const char *p = pattern, *s = path;
    while (*p == '/' && *s == '/') {
        p++;
        s++;
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (pl == 0 || pl != sl || memchr(p, '{', pl) != NULL || memcmp(p, s, pl) != 0)
            break;
        n++;
        p += pl;
        s += sl;
    }
    return n;
}

int http_route_nearest(const struct http_route *routes, size_t n, const char *path)
{
    int best = -1;
    size_t best_n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = literal_segments(routes[i].pattern, path);
        if (k > best_n) {
            best = (int)i;
            best_n = k;
        }
    }
    return best;
}
