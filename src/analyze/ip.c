/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ip.c: IPv4 and IPv6 addresses and CIDR ranges: strict parsing (dotted decimal without
 * leading zeros; IPv6 as inet_pton reads it, no zone), the RFC 5952 text form of IPv6, host
 * bits cleared in ranges, a range of one address taken as that address, and containment.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "analyze/analyze_int.h"

/* Parses dotted decimal: four decimal numbers 0-255 without leading zeros (which some
 * readers take for octal, so their meaning is ambiguous). */
static int parse_ipv4(const char *s, size_t len, uint8_t a[4], struct rk_err *err)
{
    char q[48];
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.')
                goto bad;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 4) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        if (i == start)
            goto bad;
        if (v > 255) {
            analyze_quote(s, len, q);
            return rk_err_set(err, RK_E_INVALID, "ipv4: part %d is above 255 in \"%s\"", part + 1,
                              q);
        }
        if (i - start > 1 && s[start] == '0') {
            analyze_quote(s, len, q);
            return rk_err_set(err, RK_E_INVALID,
                              "ipv4: part %d has a leading zero (ambiguous: octal?) in \"%s\"",
                              part + 1, q);
        }
        a[part] = (uint8_t)v;
    }
    if (i == len)
        return 0;
bad:
    analyze_quote(s, len, q);
    return rk_err_set(err, RK_E_INVALID, "ipv4: not a dotted-decimal IPv4 address: \"%s\"", q);
}

static int parse_ipv6(const char *s, size_t len, uint8_t a[16], struct rk_err *err)
{
    char buf[64];
    char q[48];
    if (len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (memchr(buf, '%', len) == NULL && inet_pton(AF_INET6, buf, a) == 1)
            return 0;
    }
    analyze_quote(s, len, q);
    return rk_err_set(err, RK_E_INVALID, "ipv6: not a valid IPv6 address: \"%s\"", q);
}

void analyze_format_ipv4(const uint8_t a[4], char *out)
{
    snprintf(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

void analyze_format_ipv6(const uint8_t a[16], char *out)
{
    unsigned w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    /* RFC 5952 5: an IPv4-mapped address keeps its IPv4 part in dotted decimal. */
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) {
        char v4[16];
        analyze_format_ipv4(a + 12, v4);
        snprintf(out, 46, "::ffff:%s", v4);
        return;
    }
    /* RFC 5952 4.2: the longest run of two or more zero words becomes "::", the first one
     * when two runs are as long. */
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2)
        best = -1;
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, 46 - n, "::");
            i += best_len - 1;
            continue;
        }
        /* RFC 5952 4.1, 4.3: no leading zeros, lower case. */
        n += (size_t)snprintf(out + n, 46 - n, "%s%x", n > 0 && out[n - 1] != ':' ? ":" : "", w[i]);
    }
    assert(n < 46);
}

/* Clears the bits of a (nbytes long) past prefix. */
static void clear_host_bits(uint8_t *a, size_t nbytes, unsigned prefix)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned first = (unsigned)i * 8;
        if (first >= prefix)
            a[i] = 0;
        else if (prefix - first < 8)
            a[i] &= (uint8_t)(0xff << (8 - (prefix - first)));
    }
}

/* Writes type, value and len from addr and prefix. */
static void set_ip(struct analyze_observable *out, bool v6)
{
    char text[64];
    unsigned full = v6 ? 128 : 32;
    if (v6)
        analyze_format_ipv6(out->addr, text);
    else
        analyze_format_ipv4(out->addr, text);
    if (out->prefix == full) {
        out->type = v6 ? ANALYZE_OBS_IPV6 : ANALYZE_OBS_IPV4;
        out->len = (size_t)snprintf(out->value, sizeof out->value, "%s", text);
    } else {
        out->type = v6 ? ANALYZE_OBS_CIDR6 : ANALYZE_OBS_CIDR4;
        out->len = (size_t)snprintf(out->value, sizeof out->value, "%s/%u", text, out->prefix);
    }
}

int analyze_parse_ip(const char *s, size_t len, enum analyze_obs_type hint,
                     struct analyze_observable *out, struct rk_err *err)
{
    bool v6 = hint == ANALYZE_OBS_IPV6 || hint == ANALYZE_OBS_CIDR6;
    bool range_ok = hint == ANALYZE_OBS_CIDR4 || hint == ANALYZE_OBS_CIDR6;
    const char *name = analyze_obs_type_name(hint);
    unsigned full = v6 ? 128 : 32;
    char q[48];
    assert(hint == ANALYZE_OBS_IPV4 || hint == ANALYZE_OBS_IPV6 || range_ok);

    memset(out->addr, 0, sizeof out->addr);
    const char *slash = memchr(s, '/', len);
    size_t alen = slash != NULL ? (size_t)(slash - s) : len;
    int rc = v6 ? parse_ipv6(s, alen, out->addr, err) : parse_ipv4(s, alen, out->addr, err);
    if (rc != 0)
        return rc;
    out->prefix = full;
    if (slash != NULL) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        unsigned v = 0;
        bool ok = plen > 0 && plen <= 3 && !(plen > 1 && p[0] == '0');
        for (size_t i = 0; ok && i < plen; i++) {
            ok = p[i] >= '0' && p[i] <= '9';
            v = v * 10 + (unsigned)(p[i] - '0');
        }
        if (!ok || v > full) {
            analyze_quote(s, len, q);
            return rk_err_set(err, RK_E_INVALID, "%s: the prefix length must be 0 to %u: \"%s\"",
                              name, full, q);
        }
        if (v < full && !range_ok) {
            analyze_quote(s, len, q);
            return rk_err_set(err, RK_E_INVALID, "%s: a range, not one address: \"%s\"", name, q);
        }
        out->prefix = v;
        clear_host_bits(out->addr, v6 ? 16 : 4, v);
    }
    set_ip(out, v6);
    return 0;
}

/* The family of an address or range: 4, 6 or 0 for other types. */
static int family(const struct analyze_observable *o)
{
    if (o->type == ANALYZE_OBS_IPV4 || o->type == ANALYZE_OBS_CIDR4)
        return 4;
    if (o->type == ANALYZE_OBS_IPV6 || o->type == ANALYZE_OBS_CIDR6)
        return 6;
    return 0;
}

bool analyze_cidr_contains(const struct analyze_observable *cidr,
                           const struct analyze_observable *inner)
{
    int f = family(cidr);
    if (f == 0 || f != family(inner) || inner->prefix < cidr->prefix)
        return false;
    uint8_t masked[16];
    memcpy(masked, inner->addr, sizeof masked);
    clear_host_bits(masked, f == 6 ? 16 : 4, cidr->prefix);
    return memcmp(masked, cidr->addr, f == 6 ? 16 : 4) == 0;
}

int analyze_covering_cidr(const struct analyze_observable *addr, unsigned prefix,
                          struct analyze_observable *out)
{
    int f = family(addr);
    if (f == 0 || prefix > addr->prefix)
        return RK_E_INVALID;
    memset(out, 0, sizeof *out);
    memcpy(out->addr, addr->addr, sizeof out->addr);
    out->prefix = prefix;
    clear_host_bits(out->addr, f == 6 ? 16 : 4, prefix);
    set_ip(out, f == 6);
    return 0;
}
