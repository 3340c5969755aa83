/* SPDX-License-Identifier: Apache-2.0 */
/*
 * values.c: the value formats section 6 fixes for SCO properties (IPv4 and IPv6 addresses
 * and CIDR blocks, MAC-48 addresses, hashes by algorithm). Object validation and the pattern
 * checker both call these, so that an object and a pattern about the same property accept
 * the same values. Nothing here allocates; strings are taken with their length, so a NUL
 * inside one is an error rather than its end.
 */
#include <arpa/inet.h>
#include <string.h>

#include "stix/stix_int.h"

const char *stix_addr_why(int family, const char *s, size_t n)
{
    const bool v4 = family == AF_INET;
    const char *bad =
        v4 ? "must be an IPv4 address or CIDR block" : "must be an IPv6 address or CIDR block";
    const char *slash = memchr(s, '/', n);
    size_t an = slash != NULL ? (size_t)(slash - s) : n;
    char addr[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];

    if (an == 0 || an >= sizeof addr || memchr(s, '\0', an) != NULL)
        return bad;
    memcpy(addr, s, an);
    addr[an] = '\0';
    if (inet_pton(family, addr, bin) != 1)
        return bad;
    if (slash != NULL) {
        /* One to three digits, nothing else: no sign, no space, no NUL. */
        size_t pn = n - an - 1;
        unsigned prefix = 0;
        if (pn == 0 || pn > 3)
            return v4 ? "has a CIDR prefix outside 0-32" : "has a CIDR prefix outside 0-128";
        for (size_t i = 0; i < pn; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9')
                return v4 ? "has a CIDR prefix outside 0-32" : "has a CIDR prefix outside 0-128";
            prefix = prefix * 10 + (unsigned)(c - '0');
        }
        if (prefix > (v4 ? 32u : 128u))
            return v4 ? "has a CIDR prefix outside 0-32" : "has a CIDR prefix outside 0-128";
    }
    return NULL;
}

const char *stix_mac_why(const char *s, size_t n)
{
    if (n != 17)
        return "must be a colon-delimited lower-case MAC-48 address";
    for (size_t i = 0; i < 17; i++) {
        char c = s[i];
        bool ok = (i % 3 == 2) ? c == ':' : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (!ok)
            return "must be a colon-delimited lower-case MAC-48 address";
    }
    return NULL;
}

/* hash-algorithm-ov (section 10.7), with the length of the fixed-size ones in hex digits. */
static const struct {
    const char *name;
    size_t len;
    size_t hexlen;
} hash_algs[] = {
    {"MD5", 3, 32},      {"SHA-1", 5, 40},     {"SHA-256", 7, 64}, {"SHA-512", 7, 128},
    {"SHA3-256", 8, 64}, {"SHA3-512", 8, 128}, {"SSDEEP", 6, 0},   {"TLSH", 4, 0},
};

const char *stix_hash_known(const char *name, size_t n, size_t *hexlen)
{
    *hexlen = 0;
    for (size_t i = 0; i < STIX_NELEM(hash_algs); i++) {
        if (hash_algs[i].len == n && memcmp(hash_algs[i].name, name, n) == 0) {
            *hexlen = hash_algs[i].hexlen;
            return hash_algs[i].name;
        }
    }
    return NULL;
}

/* name folded to upper case without hyphens into out (cap bytes); false if it does not fit. */
static bool fold(const char *name, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '-' || c == '_')
            continue;
        if (o + 1 >= cap)
            return false;
        out[o++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[o] = '\0';
    return true;
}

const char *stix_hash_suggest(const char *name, size_t n)
{
    char a[16], b[16];
    if (!fold(name, n, a, sizeof a))
        return NULL;
    for (size_t i = 0; i < STIX_NELEM(hash_algs); i++)
        if (fold(hash_algs[i].name, hash_algs[i].len, b, sizeof b) && strcmp(a, b) == 0)
            return hash_algs[i].name;
    return NULL;
}

/* 1 for the bytes that are hexadecimal digits. */
static const unsigned char hex_digit[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

bool stix_hex_len_ok(const char *s, size_t n, size_t hexlen)
{
    unsigned ok = 1;
    if (n != hexlen)
        return false;
    for (size_t i = 0; i < n; i++)
        ok &= hex_digit[(unsigned char)s[i]];
    return ok != 0;
}
