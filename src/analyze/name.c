/* SPDX-License-Identifier: Apache-2.0 */
/*
 * name.c: the observables built on host names: domain names (lower case, no trailing dot,
 * Unicode labels turned into A-labels by libidn2 with the UTS 46 mapping), e-mail addresses
 * (domain part as a domain, local part kept) and URLs (scheme and host in lower case, default
 * port dropped, empty path as "/").
 */
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

/* RFC 1035 2.3.4: 255 octets on the wire are 253 characters of text without the final dot. */
#define DOMAIN_MAX 253
#define LABEL_MAX  63

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Checks the labels of an ASCII lower-case name: 1-63 letters, digits, '-' or '_' each (the
 * underscore occurs in service names such as _dmarc), no '-' at either end. */
static int check_labels(const char *name, size_t len, bool need_dot, const char *orig,
                        size_t orig_len, struct rk_err *err)
{
    char q[48];
    analyze_quote(orig, orig_len, q);
    if (len > DOMAIN_MAX)
        return rk_err_set(err, RK_E_INVALID, "domain: longer than %d characters: \"%s\"",
                          DOMAIN_MAX, q);
    size_t start = 0;
    int labels = 0;
    bool all_digits = true;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && name[i] != '.') {
            char c = name[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return rk_err_set(err, RK_E_INVALID,
                                  "domain: character %zu is not allowed in a host name: \"%s\"",
                                  i + 1, q);
            continue;
        }
        size_t n = i - start;
        labels++;
        if (n == 0)
            return rk_err_set(err, RK_E_INVALID, "domain: empty label in \"%s\"", q);
        if (n > LABEL_MAX)
            return rk_err_set(err, RK_E_INVALID, "domain: label %d is longer than %d: \"%s\"",
                              labels, LABEL_MAX, q);
        if (name[start] == '-' || name[i - 1] == '-')
            return rk_err_set(err, RK_E_INVALID, "domain: label %d starts or ends with '-': \"%s\"",
                              labels, q);
        all_digits = strspn(name + start, "0123456789") >= n;
        start = i + 1;
    }
    if (need_dot && labels < 2)
        return rk_err_set(err, RK_E_INVALID, "domain: a single label, not a domain name: \"%s\"",
                          q);
    if (all_digits)
        return rk_err_set(err, RK_E_INVALID,
                          "domain: the last label is all digits (an IP address?): \"%s\"", q);
    return 0;
}

int analyze_parse_domain(const char *s, size_t len, bool need_dot, struct analyze_observable *out,
                         struct rk_err *err)
{
    char q[48];
    const char *orig = s;
    size_t orig_len = len;
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0)
        return rk_err_set(err, RK_E_INVALID, "domain: empty name");
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        ascii = ascii && (unsigned char)s[i] < 0x80;
    if (len > ANALYZE_VALUE_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "domain: longer than %d characters", DOMAIN_MAX);
    if (ascii) {
        for (size_t i = 0; i < len; i++)
            out->value[i] = lower(s[i]);
        out->len = len;
    } else {
        /* UTS 46 non-transitional processing: case folding, NFC, full-width dots, then
         * Punycode (RFC 3492) with the "xn--" prefix for every label that needs it. */
        char *in = rk_strndup(s, len);
        char *ace = NULL;
        int rc = idn2_to_ascii_8z(in, &ace, IDN2_NONTRANSITIONAL);
        free(in);
        if (rc != IDN2_OK) {
            analyze_quote(orig, orig_len, q);
            return rk_err_set(err, RK_E_INVALID,
                              "domain: not a valid internationalised name (%s): \"%s\"",
                              idn2_strerror(rc), q);
        }
        size_t n = strlen(ace);
        if (n > 0 && ace[n - 1] == '.')
            n--;
        if (n > DOMAIN_MAX) {
            idn2_free(ace);
            analyze_quote(orig, orig_len, q);
            return rk_err_set(err, RK_E_INVALID, "domain: longer than %d characters: \"%s\"",
                              DOMAIN_MAX, q);
        }
        for (size_t i = 0; i < n; i++)
            out->value[i] = lower(ace[i]);
        out->len = n;
        idn2_free(ace);
    }
    out->value[out->len] = '\0';
    int rc = check_labels(out->value, out->len, need_dot, orig, orig_len, err);
    if (rc != 0)
        return rc;
    out->type = ANALYZE_OBS_DOMAIN;
    return 0;
}

int analyze_parse_email(const char *s, size_t len, struct analyze_observable *out,
                        struct rk_err *err)
{
    char q[48];
    analyze_quote(s, len, q);
    const char *at = memchr(s, '@', len);
    if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL)
        return rk_err_set(err, RK_E_INVALID, "email: needs exactly one '@': \"%s\"", q);
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64)
        return rk_err_set(err, RK_E_INVALID, "email: the local part must be 1 to 64 bytes: \"%s\"",
                          q);
    for (size_t i = 0; i < local; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return rk_err_set(err, RK_E_INVALID,
                              "email: space or control character in the local part: \"%s\"", q);
    struct analyze_observable dom;
    struct rk_err derr = {0};
    if (analyze_parse_domain(at + 1, len - local - 1, false, &dom, &derr) != 0)
        return rk_err_set(err, RK_E_INVALID, "email: bad domain part: %s", derr.msg);
    /* The local part is kept as written: RFC 5321 2.4 lets a server tell its case apart. */
    out->len = (size_t)snprintf(out->value, sizeof out->value, "%.*s@%s", (int)local, s, dom.value);
    out->type = ANALYZE_OBS_EMAIL;
    return 0;
}

/* Default port of a scheme, 0 if none is removed. */
static unsigned default_port(const char *scheme)
{
    if (strcmp(scheme, "http") == 0)
        return 80;
    if (strcmp(scheme, "https") == 0)
        return 443;
    return 0;
}

/* Appends the normalised host of a URL to b: an IP literal in brackets, a dotted-decimal
 * IPv4 address or a domain name. */
static int url_host(const char *s, size_t len, struct rk_buf *b, const char *url, size_t url_len,
                    struct rk_err *err)
{
    char q[48];
    struct analyze_observable o;
    struct rk_err herr = {0};
    int rc;
    analyze_quote(url, url_len, q);
    if (len == 0)
        return rk_err_set(err, RK_E_INVALID, "url: no host: \"%s\"", q);
    if (s[0] == '[') {
        if (len < 2 || s[len - 1] != ']')
            return rk_err_set(err, RK_E_INVALID, "url: unclosed '[' in the host: \"%s\"", q);
        rc = analyze_parse_ip(s + 1, len - 2, ANALYZE_OBS_IPV6, &o, &herr);
        if (rc == 0)
            rk_buf_printf(b, "[%s]", o.value);
    } else if (strspn(s, "0123456789.") >= len) {
        rc = analyze_parse_ip(s, len, ANALYZE_OBS_IPV4, &o, &herr);
        if (rc == 0)
            rk_buf_puts(b, o.value);
    } else {
        rc = analyze_parse_domain(s, len, false, &o, &herr);
        if (rc == 0)
            rk_buf_puts(b, o.value);
    }
    if (rc != 0)
        return rk_err_set(err, rc, "url: bad host: %s", herr.msg);
    return 0;
}

int analyze_parse_url(const char *s, size_t len, struct analyze_observable *out, struct rk_err *err)
{
    char q[48];
    analyze_quote(s, len, q);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return rk_err_set(err, RK_E_INVALID, "url: space or control character at %zu: \"%s\"",
                              i + 1, q);
    /* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://". */
    char scheme[32];
    size_t n = 0;
    while (
        n < len && n < sizeof scheme - 1 &&
        ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
         (n > 0 && ((s[n] >= '0' && s[n] <= '9') || s[n] == '+' || s[n] == '-' || s[n] == '.')))) {
        scheme[n] = lower(s[n]);
        n++;
    }
    scheme[n] = '\0';
    if (n == 0 || len - n < 3 || memcmp(s + n, "://", 3) != 0)
        return rk_err_set(err, RK_E_INVALID, "url: needs a scheme and \"://\": \"%s\"", q);
    size_t a = n + 3;
    size_t e = a + strcspn(s + a, "/?#");
    if (e > len)
        e = len;
    /* userinfo@host:port; the userinfo is kept as written. */
    const char *auth = s + a;
    size_t alen = e - a;
    size_t hstart = 0;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            hstart = i + 1;
    const char *h = auth + hstart;
    size_t hlen = alen - hstart;
    const char *colon = NULL;
    const char *bracket = memchr(h, ']', hlen);
    for (size_t i = bracket != NULL ? (size_t)(bracket - h) : 0; i < hlen; i++)
        if (h[i] == ':')
            colon = h + i;
    unsigned port = 0;
    bool has_port = false;
    if (colon != NULL) {
        size_t plen = hlen - (size_t)(colon - h) - 1;
        if (plen > 5)
            return rk_err_set(err, RK_E_INVALID, "url: the port is not a number 0-65535: \"%s\"",
                              q);
        for (size_t i = 0; i < plen; i++) {
            char c = colon[1 + i];
            if (c < '0' || c > '9')
                return rk_err_set(err, RK_E_INVALID,
                                  "url: the port is not a number 0-65535: \"%s\"", q);
            port = port * 10 + (unsigned)(c - '0');
        }
        if (port > 65535)
            return rk_err_set(err, RK_E_INVALID, "url: the port is not a number 0-65535: \"%s\"",
                              q);
        /* RFC 3986 6.2.3: an empty port is the default port. */
        has_port = plen > 0 && port != default_port(scheme);
        hlen = (size_t)(colon - h);
    }
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_printf(&b, "%s://%.*s", scheme, (int)hstart, auth);
    int rc = url_host(h, hlen, &b, s, len, err);
    if (rc != 0) {
        rk_buf_free(&b);
        return rc;
    }
    if (has_port)
        rk_buf_printf(&b, ":%u", port);
    if (e == len || s[e] != '/')
        rk_buf_putc(&b, '/');
    rk_buf_append(&b, s + e, len - e);
    if (b.len > ANALYZE_VALUE_MAX) {
        rk_buf_free(&b);
        return rk_err_set(err, RK_E_TOOBIG, "url: longer than %d characters", ANALYZE_VALUE_MAX);
    }
    memcpy(out->value, b.data, b.len + 1);
    out->len = b.len;
    rk_buf_free(&b);
    out->type = ANALYZE_OBS_URL;
    return 0;
}
