/* SPDX-License-Identifier: Apache-2.0 */
/*
 * similar_reason.c: one line a person understands about the features two incidents share
 * ("shares 2 domains and T1566.001, same malware family Emotet").
 */
#include <string.h>

#include "analyze/analyze.h"

#define NAMED_MAX 3 /* techniques and CVEs named before "N more" */

/* How an observable type reads in a count: singular and plural. */
static const struct {
    const char *type, *one, *many;
} obs_names[] = {
    {"ipv4", "IPv4 address", "IPv4 addresses"},
    {"ipv6", "IPv6 address", "IPv6 addresses"},
    {"cidr4", "IPv4 range", "IPv4 ranges"},
    {"cidr6", "IPv6 range", "IPv6 ranges"},
    {"domain", "domain", "domains"},
    {"url", "URL", "URLs"},
    {"email", "e-mail address", "e-mail addresses"},
    {"md5", "MD5 hash", "MD5 hashes"},
    {"sha1", "SHA-1 hash", "SHA-1 hashes"},
    {"sha256", "SHA-256 hash", "SHA-256 hashes"},
    {"sha512", "SHA-512 hash", "SHA-512 hashes"},
    {"asn", "AS number", "AS numbers"},
};
#define N_OBS (sizeof obs_names / sizeof obs_names[0])

/* The kinds named after "same": the phrase for one and for several. */
static const struct {
    const char *kind, *one, *many;
} same_names[] = {
    {"malware", "malware family", "malware families"},
    {"tool", "tool", "tools"},
    {"software", "software", "software"},
    {"sector", "sector", "sectors"},
};
#define N_SAME (sizeof same_names / sizeof same_names[0])

/* Whether key is "<kind>:..."; then *value points after the colon. */
static bool has_kind(const char *key, const char *kind, const char **value)
{
    size_t n = strlen(kind);
    if (strncmp(key, kind, n) != 0 || key[n] != ':')
        return false;
    *value = key + n + 1;
    return true;
}

/* Appends item to a list being written: ", " between items; the caller adds " and " at the
 * end by passing last. */
static void list_item(struct rk_buf *out, size_t *count, bool last)
{
    if (*count > 0)
        rk_buf_puts(out, last ? " and " : ", ");
    (*count)++;
}

/* The values of every key of the given kind, named (up to NAMED_MAX) into parts. */
static void name_values(const char *const *shared, size_t n, const char *kind, const char *more,
                        struct rk_buf *parts, size_t *nparts)
{
    size_t total = 0, named = 0;
    const char *v;
    for (size_t i = 0; i < n; i++)
        if (has_kind(shared[i], kind, &v))
            total++;
    for (size_t i = 0; i < n && named < NAMED_MAX; i++)
        if (has_kind(shared[i], kind, &v)) {
            rk_buf_putc(parts, '\n');
            rk_buf_puts(parts, v);
            named++;
            (*nparts)++;
        }
    if (total > named) {
        rk_buf_printf(parts, "\n%zu more %s", total - named, more);
        (*nparts)++;
    }
}

void analyze_similar_reason(const char *const *shared, size_t n, struct rk_buf *out)
{
    if (n == 0) {
        rk_buf_puts(out, "no shared features");
        return;
    }
    /* the "shares ..." list, one part per line in parts, then joined */
    struct rk_buf parts = RK_BUF_INIT;
    size_t nparts = 0, known = 0;
    const char *v;
    for (size_t t = 0; t < N_OBS; t++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            if (has_kind(shared[i], "obs", &v) &&
                strncmp(v, obs_names[t].type, strlen(obs_names[t].type)) == 0 &&
                v[strlen(obs_names[t].type)] == ':')
                c++;
        if (c > 0) {
            rk_buf_printf(&parts, "\n%zu %s", c, c == 1 ? obs_names[t].one : obs_names[t].many);
            nparts++;
            known += c;
        }
    }
    name_values(shared, n, "ttp", "techniques", &parts, &nparts);
    name_values(shared, n, "cve", "CVEs", &parts, &nparts);
    for (size_t i = 0; i < n; i++)
        if (has_kind(shared[i], "ttp", &v) || has_kind(shared[i], "cve", &v))
            known++;

    size_t clauses = 0;
    if (nparts > 0) {
        rk_buf_puts(out, "shares ");
        size_t count = 0;
        const char *p = parts.data + 1; /* skip the first '\n' */
        for (size_t k = 0; k < nparts; k++) {
            const char *end = strchr(p, '\n');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            list_item(out, &count, k + 1 == nparts);
            rk_buf_append(out, p, len);
            p += len + (end ? 1 : 0);
        }
        clauses++;
    }
    rk_buf_free(&parts);

    /* "same <kind> X" clauses */
    for (size_t t = 0; t < N_SAME; t++) {
        size_t c = 0, count = 0;
        for (size_t i = 0; i < n; i++)
            if (has_kind(shared[i], same_names[t].kind, &v))
                c++;
        if (c == 0)
            continue;
        rk_buf_puts(out, clauses++ ? ", same " : "same ");
        rk_buf_puts(out, c == 1 ? same_names[t].one : same_names[t].many);
        rk_buf_putc(out, ' ');
        for (size_t i = 0; i < n; i++)
            if (has_kind(shared[i], same_names[t].kind, &v)) {
                list_item(out, &count, count + 1 == c);
                rk_buf_puts(out, v);
            }
        known += c;
    }
    /* anything else: observables of other types and unknown kinds, counted */
    if (known < n)
        rk_buf_printf(out, "%s%zu other shared feature%s", clauses ? ", " : "", n - known,
                      n - known == 1 ? "" : "s");
}
