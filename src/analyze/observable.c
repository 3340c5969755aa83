/* SPDX-License-Identifier: Apache-2.0 */
/*
 * observable.c: the entry points of the analyze module: one value parsed with a type or with
 * the type detected, defanged forms undone first, the index key, and comma-separated queries.
 * Hashes and AS numbers, too small for a file of their own, are parsed here.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"

static const char *const type_names[] = {
    [ANALYZE_OBS_ANY] = "any",     [ANALYZE_OBS_IPV4] = "ipv4",     [ANALYZE_OBS_IPV6] = "ipv6",
    [ANALYZE_OBS_CIDR4] = "cidr4", [ANALYZE_OBS_CIDR6] = "cidr6",   [ANALYZE_OBS_DOMAIN] = "domain",
    [ANALYZE_OBS_URL] = "url",     [ANALYZE_OBS_EMAIL] = "email",   [ANALYZE_OBS_MD5] = "md5",
    [ANALYZE_OBS_SHA1] = "sha1",   [ANALYZE_OBS_SHA256] = "sha256", [ANALYZE_OBS_SHA512] = "sha512",
    [ANALYZE_OBS_ASN] = "asn",     [ANALYZE_OBS_HASH] = "hash",
};

const char *analyze_obs_type_name(enum analyze_obs_type type)
{
    if ((unsigned)type >= sizeof type_names / sizeof type_names[0])
        return "unknown";
    return type_names[type];
}

void analyze_quote(const char *s, size_t len, char *out)
{
    size_t n = len > 40 ? 40 : len;
    for (size_t i = 0; i < n; i++)
        out[i] =
            (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
    if (len > n) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* The defanged spellings and what they stand for; matched without regard to case. */
static const struct {
    const char *from;
    const char *to;
} defangs[] = {
    {"hxxps://", "https://"}, {"hxxp://", "http://"}, {"[:]//", "://"}, {"[.]", "."}, {"(.)", "."},
    {"[dot]", "."},           {"[@]", "@"},
};

size_t analyze_undefang(const char *s, size_t len, char *out)
{
    char *tmp = rk_malloc(len + 1);
    const char *in = s;
    size_t n = len;
    /* Each pass that changes anything shortens the text, so this ends; passes repeat because
     * undoing "[[.]]" leaves "[.]", and a normalised value must be a fixed point. */
    for (;;) {
        size_t o = 0;
        bool changed = false;
        for (size_t i = 0; i < n;) {
            size_t k;
            /* Every defanged spelling starts with '[', '(' or 'h': the other bytes are
             * copied without trying them (most values have no defang at all; trying each
             * spelling at every byte cost 12,000 instructions per value, callgrind). */
            char c = in[i];
            if (c != '[' && c != '(' && c != 'h' && c != 'H') {
                tmp[o++] = in[i++];
                continue;
            }
            for (k = 0; k < sizeof defangs / sizeof defangs[0]; k++) {
                size_t fl = strlen(defangs[k].from);
                if (n - i >= fl && strncasecmp(in + i, defangs[k].from, fl) == 0)
                    break;
            }
            if (k == sizeof defangs / sizeof defangs[0]) {
                tmp[o++] = in[i++];
                continue;
            }
            size_t tl = strlen(defangs[k].to);
            memcpy(tmp + o, defangs[k].to, tl);
            o += tl;
            i += strlen(defangs[k].from);
            changed = true;
        }
        memcpy(out, tmp, o);
        out[o] = '\0';
        n = o;
        in = out;
        if (!changed)
            break;
    }
    free(tmp);
    return n;
}

static bool is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

int analyze_parse_hash(const char *s, size_t len, enum analyze_obs_type hint,
                       struct analyze_observable *out, struct rk_err *err)
{
    static const struct {
        enum analyze_obs_type type;
        size_t digits;
        const char *name;
    } algs[] = {{ANALYZE_OBS_MD5, 32, "MD5"},
                {ANALYZE_OBS_SHA1, 40, "SHA-1"},
                {ANALYZE_OBS_SHA256, 64, "SHA-256"},
                {ANALYZE_OBS_SHA512, 128, "SHA-512"}};
    char q[48];
    analyze_quote(s, len, q);
    if (!is_hex(s, len))
        return rk_err_set(err, RK_E_INVALID, "%s: not hexadecimal: \"%s\"",
                          analyze_obs_type_name(hint), q);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        if (hint == ANALYZE_OBS_HASH ? len != algs[i].digits : hint != algs[i].type)
            continue;
        if (len != algs[i].digits)
            return rk_err_set(err, RK_E_INVALID,
                              "%s: a %s hash has %zu hex digits, not %zu: \"%s\"",
                              analyze_obs_type_name(hint), algs[i].name, algs[i].digits, len, q);
        for (size_t j = 0; j < len; j++)
            out->value[j] = s[j] >= 'A' && s[j] <= 'F' ? (char)(s[j] - 'A' + 'a') : s[j];
        out->value[len] = '\0';
        out->len = len;
        out->type = algs[i].type;
        return 0;
    }
    return rk_err_set(err, RK_E_INVALID,
                      "hash: %zu hex digits is no MD5 (32), SHA-1 (40), SHA-256 (64) or SHA-512 "
                      "(128) hash: \"%s\"",
                      len, q);
}

int analyze_parse_asn(const char *s, size_t len, struct analyze_observable *out, struct rk_err *err)
{
    char q[48];
    analyze_quote(s, len, q);
    size_t i = len >= 2 && strncasecmp(s, "AS", 2) == 0 ? 2 : 0;
    uint64_t v = 0;
    bool ok = i < len && len - i <= 10 && !(len - i > 1 && s[i] == '0');
    for (; ok && i < len; i++) {
        ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    /* RFC 6793: AS numbers are 32 bits. */
    if (!ok || v > UINT32_MAX)
        return rk_err_set(err, RK_E_INVALID, "asn: not an AS number 0-4294967295: \"%s\"", q);
    out->len = (size_t)snprintf(out->value, sizeof out->value, "AS%llu", (unsigned long long)v);
    out->type = ANALYZE_OBS_ASN;
    return 0;
}

/* Whether s is "AS" followed by a digit, any case. */
static bool looks_like_asn(const char *s, size_t len)
{
    return len > 2 && strncasecmp(s, "AS", 2) == 0 && strspn(s + 2, "0123456789") == len - 2;
}

/* Detects the type of a trimmed, undefanged value and parses it as that type. */
static int parse_any(const char *s, size_t len, struct analyze_observable *out, struct rk_err *err)
{
    if (strstr(s, "://") != NULL)
        return analyze_parse_url(s, len, out, err);
    if (memchr(s, '@', len) != NULL)
        return analyze_parse_email(s, len, out, err);
    if (looks_like_asn(s, len))
        return analyze_parse_asn(s, len, out, err);
    bool v6 = memchr(s, ':', len) != NULL;
    if (memchr(s, '/', len) != NULL)
        return analyze_parse_ip(s, len, v6 ? ANALYZE_OBS_CIDR6 : ANALYZE_OBS_CIDR4, out, err);
    if (v6)
        return analyze_parse_ip(s, len, ANALYZE_OBS_IPV6, out, err);
    if (is_hex(s, len) && (len == 32 || len == 40 || len == 64 || len == 128))
        return analyze_parse_hash(s, len, ANALYZE_OBS_HASH, out, err);
    if (strspn(s, "0123456789.") == len)
        return analyze_parse_ip(s, len, ANALYZE_OBS_IPV4, out, err);
    return analyze_parse_domain(s, len, true, out, err);
}

int analyze_observable_parse(const char *text, size_t len, enum analyze_obs_type hint,
                             struct analyze_observable *out, struct rk_err *err)
{
    const char *name = analyze_obs_type_name(hint);
    if (len > ANALYZE_INPUT_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "%s: longer than %d bytes", name, ANALYZE_INPUT_MAX);
    if (memchr(text, '\0', len) != NULL)
        return rk_err_set(err, RK_E_INVALID, "%s: NUL byte in the value", name);
    while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
        len--;
    while (len > 0 && strchr(" \t\r\n", text[0]) != NULL) {
        text++;
        len--;
    }
    if (len == 0)
        return rk_err_set(err, RK_E_INVALID, "%s: empty value", name);

    char *s = rk_malloc(len + 1);
    len = analyze_undefang(text, len, s);
    out->type = ANALYZE_OBS_ANY;
    out->len = 0;
    out->value[0] = '\0';
    memset(out->addr, 0, sizeof out->addr);
    out->prefix = 0;
    int rc;
    switch (hint) {
    case ANALYZE_OBS_ANY:
        rc = parse_any(s, len, out, err);
        break;
    case ANALYZE_OBS_IPV4:
    case ANALYZE_OBS_IPV6:
    case ANALYZE_OBS_CIDR4:
    case ANALYZE_OBS_CIDR6:
        rc = analyze_parse_ip(s, len, hint, out, err);
        break;
    case ANALYZE_OBS_DOMAIN:
        rc = analyze_parse_domain(s, len, false, out, err);
        break;
    case ANALYZE_OBS_URL:
        rc = analyze_parse_url(s, len, out, err);
        break;
    case ANALYZE_OBS_EMAIL:
        rc = analyze_parse_email(s, len, out, err);
        break;
    case ANALYZE_OBS_MD5:
    case ANALYZE_OBS_SHA1:
    case ANALYZE_OBS_SHA256:
    case ANALYZE_OBS_SHA512:
    case ANALYZE_OBS_HASH:
        rc = analyze_parse_hash(s, len, hint, out, err);
        break;
    case ANALYZE_OBS_ASN:
        rc = analyze_parse_asn(s, len, out, err);
        break;
    default:
        rc = rk_err_set(err, RK_E_INVALID, "unknown observable type %d", (int)hint);
        break;
    }
    free(s);
    assert(rc != 0 || (out->type != ANALYZE_OBS_ANY && out->type != ANALYZE_OBS_HASH &&
                       out->len == strlen(out->value) && out->len <= ANALYZE_VALUE_MAX));
    return rc;
}

void analyze_observable_key(const struct analyze_observable *obs, struct rk_buf *out)
{
    rk_buf_puts(out, analyze_obs_type_name(obs->type));
    rk_buf_putc(out, ':');
    rk_buf_append(out, obs->value, obs->len);
}

int analyze_query_parse(const char *text, size_t len, struct analyze_query *out, struct rk_err *err)
{
    out->items = NULL;
    out->n = 0;
    if (len > (size_t)ANALYZE_QUERY_MAX * ANALYZE_INPUT_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "query: longer than %d bytes",
                          ANALYZE_QUERY_MAX * ANALYZE_INPUT_MAX);
    struct rk_strset seen = RK_STRSET_INIT;
    struct rk_buf key = RK_BUF_INIT;
    int rc = 0;
    for (size_t start = 0, item = 1; start <= len; item++) {
        const char *comma = memchr(text + start, ',', len - start);
        size_t end = comma != NULL ? (size_t)(comma - text) : len;
        if (item > ANALYZE_QUERY_MAX) {
            rc = rk_err_set(err, RK_E_TOOBIG, "query: more than %d items", ANALYZE_QUERY_MAX);
            goto out;
        }
        if (out->items == NULL)
            out->items = rk_malloc(sizeof *out->items);
        else
            out->items = rk_realloc(out->items, (out->n + 1) * sizeof *out->items);
        struct rk_err ierr = {0};
        rc = analyze_observable_parse(text + start, end - start, ANALYZE_OBS_ANY,
                                      &out->items[out->n], &ierr);
        if (rc != 0) {
            char q[48];
            analyze_quote(text + start, end - start, q);
            rk_err_set(err, rc, "item %zu (\"%s\"): %s", item, q, ierr.msg);
            goto out;
        }
        rk_buf_reset(&key);
        analyze_observable_key(&out->items[out->n], &key);
        if (rk_strset_add(&seen, key.data, key.len))
            out->n++;
        start = end + 1;
    }
out:
    rk_strset_free(&seen);
    rk_buf_free(&key);
    if (rc != 0)
        analyze_query_free(out);
    return rc;
}

void analyze_query_free(struct analyze_query *q)
{
    if (q == NULL)
        return;
    free(q->items);
    q->items = NULL;
    q->n = 0;
}
