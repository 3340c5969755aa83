/* SPDX-License-Identifier: Apache-2.0 */
/*
 * correlate.c: the rule of cross-sector correlation (pure): given the reports of one
 * observable, whether at least N organisations in at least M sectors reported it within T
 * days, and the window that shows it; the deterministic ids of what the hub writes about it
 * (UUIDv5: the STIX 2.1 id of the observable's SCO, and the grouping's id per key and tier);
 * and the grouping itself, naming no reporter, its counts under the k rule.
 * docs/analysis.md, "Cross-sector correlation"; docs/internals/analyze.md says how the worker
 * feeds it.
 */
#include "analyze/analyze.h"
#include "policy/ledger.h"

#include "stix/stix.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_DAY ((rk_time_us)86400 * 1000000)

/* ---- the rule ---------------------------------------------------------------------------- */

/* A report's place in date order. */
struct dated {
    rk_time_us date_added;
    size_t index; /* into the reports */
};

static int by_date(const void *a, const void *b)
{
    const struct dated *x = a, *y = b;

    if (x->date_added != y->date_added)
        return x->date_added < y->date_added ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct strings of v (n of them, sorted in place), their count returned. */
static size_t uniq(const char **v, size_t n)
{
    size_t m = 0;

    qsort(v, n, sizeof(*v), by_str);
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(v[m - 1], v[i]) != 0)
            v[m++] = v[i];
    return m;
}

/* The index of s among the n sorted distinct strings of v. */
static size_t rank_of(const char *const *v, size_t n, const char *s)
{
    const char *const *hit = bsearch(&s, v, n, sizeof(*v), by_str);
    return hit != NULL ? (size_t)(hit - v) : 0;
}

int analyze_correlate(const struct analyze_corr_params *params,
                      const struct analyze_corr_report *reports, size_t n,
                      struct analyze_corr_result *out, struct rk_err *err)
{
    size_t *order = NULL, *org_rank = NULL, *sec_rank = NULL, *org_n = NULL, *sec_n = NULL;
    const char **orgs = NULL, **secs = NULL;
    size_t m = 0, n_orgs, n_secs, d_orgs = 0, d_secs = 0, lo = 0;
    rk_time_us window;
    bool found = false;
    size_t best_lo = 0, best_hi = 0;

    memset(out, 0, sizeof(*out));
    if (params == NULL || params->min_orgs < 1 || params->min_sectors < 1 ||
        params->window_days < 1)
        return rk_err_set(err, RK_E_INVALID, "correlation: thresholds must be at least 1");
    window = (rk_time_us)params->window_days * US_PER_DAY;
    /* Only the counted reports, by date. */
    struct dated *dated = rk_calloc(n + 1, sizeof(*dated));
    for (size_t i = 0; i < n; i++)
        if (reports[i].counted && reports[i].org_id != NULL && reports[i].org_id[0] != '\0' &&
            reports[i].sector != NULL && reports[i].sector[0] != '\0')
            dated[m++] = (struct dated){reports[i].date_added, i};
    qsort(dated, m, sizeof(*dated), by_date);
    order = rk_calloc(m + 1, sizeof(*order));
    for (size_t i = 0; i < m; i++)
        order[i] = dated[i].index;
    free(dated);
    /* Organisations and sectors as small integers, for counts in the sliding window. */
    orgs = rk_calloc(m + 1, sizeof(*orgs));
    secs = rk_calloc(m + 1, sizeof(*secs));
    for (size_t i = 0; i < m; i++) {
        orgs[i] = reports[order[i]].org_id;
        secs[i] = reports[order[i]].sector;
    }
    n_orgs = uniq(orgs, m);
    n_secs = uniq(secs, m);
    org_rank = rk_calloc(m + 1, sizeof(*org_rank));
    sec_rank = rk_calloc(m + 1, sizeof(*sec_rank));
    org_n = rk_calloc(n_orgs + 1, sizeof(*org_n));
    sec_n = rk_calloc(n_secs + 1, sizeof(*sec_n));
    for (size_t i = 0; i < m; i++) {
        org_rank[i] = rank_of(orgs, n_orgs, reports[order[i]].org_id);
        sec_rank[i] = rank_of(secs, n_secs, reports[order[i]].sector);
    }
    /* Every window [date of lo, date of hi] no longer than T; the latest that qualifies. */
    for (size_t hi = 0; hi < m; hi++) {
        if (org_n[org_rank[hi]]++ == 0)
            d_orgs++;
        if (sec_n[sec_rank[hi]]++ == 0)
            d_secs++;
        while (reports[order[hi]].date_added - reports[order[lo]].date_added > window) {
            if (--org_n[org_rank[lo]] == 0)
                d_orgs--;
            if (--sec_n[sec_rank[lo]] == 0)
                d_secs--;
            lo++;
        }
        if (d_orgs >= (size_t)params->min_orgs && d_secs >= (size_t)params->min_sectors) {
            found = true;
            best_lo = lo;
            best_hi = hi;
        }
    }
    if (found) {
        const char **w_orgs = rk_calloc(best_hi - best_lo + 2, sizeof(*w_orgs));
        const char **w_secs = rk_calloc(best_hi - best_lo + 2, sizeof(*w_secs));
        size_t k = 0;
        for (size_t i = best_lo; i <= best_hi; i++, k++) {
            w_orgs[k] = reports[order[i]].org_id;
            w_secs[k] = reports[order[i]].sector;
        }
        out->correlates = true;
        out->n_orgs = uniq(w_orgs, k);
        out->n_sectors = uniq(w_secs, k);
        out->orgs = w_orgs;
        out->sectors = w_secs;
        out->first_seen = reports[order[best_lo]].date_added;
        out->last_seen = reports[order[best_hi]].date_added;
    }
    free(order);
    free(orgs);
    free(secs);
    free(org_rank);
    free(sec_rank);
    free(org_n);
    free(sec_n);
    return 0;
}

void analyze_corr_result_free(struct analyze_corr_result *r)
{
    if (r == NULL)
        return;
    free(r->orgs);
    free(r->sectors);
    memset(r, 0, sizeof(*r));
}

/* ---- keys ------------------------------------------------------------------------------- */

int analyze_observable_from_key(const char *key, struct analyze_observable *out, struct rk_err *err)
{
    const char *colon = key != NULL ? strchr(key, ':') : NULL;

    if (colon == NULL)
        return rk_err_set(err, RK_E_INVALID, "not an observable key");
    for (int t = ANALYZE_OBS_IPV4; t <= ANALYZE_OBS_ASN; t++) {
        const char *name = analyze_obs_type_name((enum analyze_obs_type)t);
        if (strlen(name) == (size_t)(colon - key) && memcmp(name, key, strlen(name)) == 0)
            return analyze_observable_parse(colon + 1, strlen(colon + 1), (enum analyze_obs_type)t,
                                            out, err);
    }
    return rk_err_set(err, RK_E_INVALID, "unknown observable type in key '%.40s'", key);
}

/* ---- ids --------------------------------------------------------------------------------- */

/* The 16 bytes of a UUID's text (36 characters); false if it is not one. */
static bool uuid_bytes(const char *text, uint8_t out[16])
{
    size_t k = 0;

    for (size_t i = 0; text[i] != '\0' && k < 32; i++) {
        char c = text[i];
        int v;
        if (c == '-')
            continue;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            return false;
        if (k % 2 == 0)
            out[k / 2] = (uint8_t)(v << 4);
        else
            out[k / 2] |= (uint8_t)v;
        k++;
    }
    return k == 32;
}

int analyze_uuid_v5(const char *ns, const char *name, size_t len, char out[RK_UUID_LEN])
{
    uint8_t ns_bytes[16], digest[20];
    gnutls_hash_hd_t h;

    if (ns == NULL || !uuid_bytes(ns, ns_bytes))
        return RK_E_INVALID;
    if (gnutls_hash_init(&h, GNUTLS_DIG_SHA1) < 0)
        return RK_E_INTERNAL;
    gnutls_hash(h, ns_bytes, sizeof(ns_bytes));
    gnutls_hash(h, name, len);
    gnutls_hash_deinit(h, digest);
    digest[6] = (uint8_t)((digest[6] & 0x0f) | 0x50); /* version 5 */
    digest[8] = (uint8_t)((digest[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, RK_UUID_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", digest[0],
             digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7], digest[8],
             digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
    return 0;
}

/* The STIX 2.1 namespace of SCO ids (section 2.9). */
#define STIX_SCO_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"

json_t *analyze_observable_sco(const struct analyze_observable *obs)
{
    const char *type = NULL, *hash = NULL;
    json_t *contrib, *sco;
    char uuid[RK_UUID_LEN], id[STIX_ID_MAX + 1];

    switch (obs->type) {
    case ANALYZE_OBS_IPV4:
    case ANALYZE_OBS_CIDR4:
        type = "ipv4-addr";
        break;
    case ANALYZE_OBS_IPV6:
    case ANALYZE_OBS_CIDR6:
        type = "ipv6-addr";
        break;
    case ANALYZE_OBS_DOMAIN:
        type = "domain-name";
        break;
    case ANALYZE_OBS_URL:
        type = "url";
        break;
    case ANALYZE_OBS_EMAIL:
        type = "email-addr";
        break;
    case ANALYZE_OBS_MD5:
        type = "file", hash = "MD5";
        break;
    case ANALYZE_OBS_SHA1:
        type = "file", hash = "SHA-1";
        break;
    case ANALYZE_OBS_SHA256:
        type = "file", hash = "SHA-256";
        break;
    case ANALYZE_OBS_SHA512:
        type = "file", hash = "SHA-512";
        break;
    case ANALYZE_OBS_ASN:
        type = "autonomous-system";
        break;
    default:
        return NULL;
    }
    /* The id-contributing properties (STIX 2.1, 6.x): value; hashes; number. */
    if (hash != NULL)
        contrib = json_pack("{s:{s:s}}", "hashes", hash, obs->value);
    else if (obs->type == ANALYZE_OBS_ASN)
        contrib = json_pack("{s:I}", "number", (json_int_t)strtoll(obs->value + 2, NULL, 10));
    else
        contrib = json_pack("{s:s}", "value", obs->value);
    char *text = json_dumps(contrib, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = analyze_uuid_v5(STIX_SCO_NAMESPACE, text, strlen(text), uuid);
    free(text);
    if (rc != 0) {
        json_decref(contrib);
        return NULL;
    }
    snprintf(id, sizeof(id), "%s--%s", type, uuid);
    sco = json_pack("{s:s, s:s, s:s}", "type", type, "spec_version", "2.1", "id", id);
    json_object_update(sco, contrib);
    json_decref(contrib);
    return sco;
}

int analyze_corr_grouping_id(const char *hub_identity, const char *key, const char *tier,
                             char out[])
{
    const char *ns = hub_identity != NULL ? strstr(hub_identity, "--") : NULL;
    struct rk_buf name = RK_BUF_INIT;
    char uuid[RK_UUID_LEN];
    int rc;

    if (ns == NULL || key == NULL || tier == NULL)
        return RK_E_INVALID;
    rk_buf_printf(&name, "renkei-correlation\n%s\n%s", tier, key);
    rc = analyze_uuid_v5(ns + 2, name.data, name.len, uuid);
    rk_buf_free(&name);
    if (rc != 0)
        return rc;
    snprintf(out, STIX_ID_MAX + 1, "grouping--%s", uuid);
    return 0;
}

/* ---- the grouping ------------------------------------------------------------------------ */

json_t *analyze_corr_grouping(const char *hub_identity, const struct analyze_observable *obs,
                              const char *tier, const struct analyze_corr_result *r, int k)
{
    struct rk_buf key = RK_BUF_INIT, text = RK_BUF_INIT;
    char id[STIX_ID_MAX + 1], first[RK_TIME_LEN], last[RK_TIME_LEN];
    json_t *sco = analyze_observable_sco(obs), *g = NULL;
    const char *value;

    if (sco == NULL || !r->correlates)
        goto out;
    analyze_observable_key(obs, &key);
    if (analyze_corr_grouping_id(hub_identity, key.data, tier, id) != 0)
        goto out;
    rk_time_format(r->first_seen, first);
    rk_time_format(r->last_seen, last);
    value = obs->value;
    /* Counts only: a sector is never named (the hub cannot tell from the index whether a
     * reporter posted anonymously, which hides its sector too), and the organisations
     * behind it are a number only from k on. */
    if (r->n_orgs >= (size_t)k)
        rk_buf_printf(&text, "reported by %zu organisations", r->n_orgs);
    else
        rk_buf_puts(&text, "reported by fewer than k organisations");
    rk_buf_printf(&text, " in %zu sectors between %.10s and %.10s", r->n_sectors, first, last);
    g = json_pack("{s:s, s:s, s:s, s:s, s:s+, s:s, s:s, s:[s], s:{s:{s:O, s:s}, s:s, s:o, s:I, "
                  "s:s, s:s, s:s}}",
                  "type", "grouping", "spec_version", "2.1", "id", id, "created_by_ref",
                  hub_identity, "name", "Cross-sector correlation: ", value, "description",
                  text.data, "context", "suspicious-activity", "object_refs",
                  json_string_value(json_object_get(sco, "id")), "x_renkei_correlation",
                  "observable", "type", json_object_get(sco, "type"), "value", value, "key",
                  key.data, "organisations", policy_tally_count(r->n_orgs, k, true), "sectors",
                  (json_int_t)r->n_sectors, "first_seen", first, "last_seen", last, "tier", tier);
out:
    json_decref(sco);
    rk_buf_free(&key);
    rk_buf_free(&text);
    return g;
}
