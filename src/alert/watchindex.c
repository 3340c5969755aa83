/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watchindex.c: watchlist entries (their parsing, with the observable index's normalisation)
 * and the matcher's in-memory index of every organisation's entries. Lookups per value an
 * object mentions: a keyed hash for exact keys; domains by walking the value's suffixes at
 * label boundaries (example.jp hits a.b.example.jp, never badexample.jp), the hosts of URLs
 * and the domains of e-mail addresses included; addresses and CIDRs by range overlap (ranges
 * of the entries that hold the value, probed per prefix length present; entries inside a
 * value's range, by a binary search of the sorted ranges); AS numbers, URLs, e-mail
 * addresses and hashes by key; software by lower-cased name or CPE.
 */
#include "alert/match_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- parsing -------------------------------------------------------------------------- */

static void lower_into(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[n] = '\0';
}

int alert_watch_parse(const char *entry, struct alert_watch *out, struct rk_err *err)
{
    size_t n = entry != NULL ? strlen(entry) : 0;
    struct rk_buf key = RK_BUF_INIT;
    int rc;

    memset(out, 0, sizeof(*out));
    while (n > 0 && isspace((unsigned char)*entry))
        entry++, n--;
    while (n > 0 && isspace((unsigned char)entry[n - 1]))
        n--;
    if (n == 0)
        return rk_err_set(err, RK_E_INVALID, "empty entry");
    if (n > ANALYZE_INPUT_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "entry longer than %d bytes", ANALYZE_INPUT_MAX);
    if (entry[0] == '@') {
        rc = analyze_observable_parse(entry + 1, n - 1, ANALYZE_OBS_DOMAIN, &out->obs, err);
        if (rc != 0)
            return rc;
        out->kind = ALERT_WATCH_EMAIL_DOMAIN;
        strcpy(out->type, "email-domain");
        snprintf(out->key, sizeof(out->key), "email-domain:%s", out->obs.value);
        return 0;
    }
    if (n > 8 && strncasecmp(entry, "product:", 8) == 0) {
        const char *name = entry + 8;
        size_t len = n - 8;
        while (len > 0 && isspace((unsigned char)*name))
            name++, len--;
        if (len == 0)
            return rk_err_set(err, RK_E_INVALID, "product: empty name");
        if (len > ANALYZE_VALUE_MAX)
            return rk_err_set(err, RK_E_TOOBIG, "product: name longer than %d bytes",
                              ANALYZE_VALUE_MAX);
        out->kind = ALERT_WATCH_PRODUCT;
        strcpy(out->type, "product");
        memcpy(out->key, "product:", 8);
        lower_into(out->key + 8, name, len);
        return 0;
    }
    if (n >= 4 && strncasecmp(entry, "cpe:", 4) == 0) {
        if (n < 9 ||
            (strncasecmp(entry, "cpe:2.3:", 8) != 0 && strncasecmp(entry, "cpe:/", 5) != 0))
            return rk_err_set(err, RK_E_INVALID,
                              "cpe: must be a CPE 2.3 name (cpe:2.3:part:vendor:product:...)");
        if (n > ANALYZE_VALUE_MAX)
            return rk_err_set(err, RK_E_TOOBIG, "cpe: longer than %d bytes", ANALYZE_VALUE_MAX);
        out->kind = ALERT_WATCH_PRODUCT;
        strcpy(out->type, "product");
        lower_into(out->key, entry, n);
        return 0;
    }
    rc = analyze_observable_parse(entry, n, ANALYZE_OBS_ANY, &out->obs, err);
    if (rc != 0)
        return rc;
    switch (out->obs.type) {
    case ANALYZE_OBS_DOMAIN:
        out->kind = ALERT_WATCH_DOMAIN;
        break;
    case ANALYZE_OBS_IPV4:
    case ANALYZE_OBS_IPV6:
    case ANALYZE_OBS_CIDR4:
    case ANALYZE_OBS_CIDR6:
        out->kind = ALERT_WATCH_RANGE;
        break;
    default:
        out->kind = ALERT_WATCH_EXACT;
        break;
    }
    snprintf(out->type, sizeof(out->type), "%s", analyze_obs_type_name(out->obs.type));
    analyze_observable_key(&out->obs, &key);
    snprintf(out->key, sizeof(out->key), "%s", key.data != NULL ? key.data : "");
    rk_buf_free(&key);
    return 0;
}

/* ---- the index ------------------------------------------------------------------------ */

struct posting {
    uint32_t org;
    uint32_t entry; /* index into entries */
    int32_t next;   /* next posting of the same key, -1 */
};

struct slot {
    char *key; /* NULL: empty */
    uint64_t hash;
    int32_t head;
};

struct range {
    uint8_t addr[16]; /* in the 128-bit space of analyze_observable_range */
    unsigned prefix;
    uint32_t org, entry;
};

struct alert_watch_index {
    struct slot *slots;
    size_t cap, n_keys;
    struct posting *postings;
    size_t n_postings, cap_postings;
    char **entries;
    size_t n_entries, cap_entries;
    struct range *ranges;
    size_t n_ranges, cap_ranges;
    bool sorted;
    bool prefix_present[129];
};

struct alert_watch_index *alert_watch_index_new(void)
{
    return rk_calloc(1, sizeof(struct alert_watch_index));
}

void alert_watch_index_free(struct alert_watch_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->cap; i++)
        free(ix->slots[i].key);
    for (size_t i = 0; i < ix->n_entries; i++)
        free(ix->entries[i]);
    free(ix->slots);
    free(ix->postings);
    free(ix->entries);
    free(ix->ranges);
    free(ix);
}

size_t alert_watch_index_count(const struct alert_watch_index *ix)
{
    return ix->n_entries;
}

static struct slot *find_slot(const struct alert_watch_index *ix, const char *key, size_t len,
                              uint64_t h)
{
    size_t mask = ix->cap - 1;

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct slot *s = &ix->slots[i];
        if (s->key == NULL || (s->hash == h && strncmp(s->key, key, len) == 0 && s->key[len] == 0))
            return s;
    }
}

static void grow(struct alert_watch_index *ix)
{
    struct slot *old = ix->slots;
    size_t old_cap = ix->cap;

    ix->cap = ix->cap ? ix->cap * 2 : 64;
    ix->slots = rk_calloc(ix->cap, sizeof(*ix->slots));
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key != NULL)
            *find_slot(ix, old[i].key, strlen(old[i].key), old[i].hash) = old[i];
    free(old);
}

static void put(struct alert_watch_index *ix, const char *key, uint32_t org, uint32_t entry)
{
    size_t len = strlen(key);
    uint64_t h = rk_strset_hash(key, len);
    struct slot *s;

    if ((ix->n_keys + 1) * 2 > ix->cap)
        grow(ix);
    s = find_slot(ix, key, len, h);
    if (s->key == NULL) {
        s->key = rk_strdup(key);
        s->hash = h;
        s->head = -1;
        ix->n_keys++;
    }
    if (ix->n_postings == ix->cap_postings) {
        ix->cap_postings = ix->cap_postings ? ix->cap_postings * 2 : 64;
        ix->postings = rk_realloc(ix->postings, ix->cap_postings * sizeof(*ix->postings));
    }
    ix->postings[ix->n_postings] = (struct posting){org, entry, s->head};
    s->head = (int32_t)ix->n_postings++;
}

/* The range key: "r:" and the 16 bytes in hex, "/", the prefix. */
static void range_key(const uint8_t addr[16], unsigned prefix, char out[48])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = 'r', out[1] = ':';
    for (int i = 0; i < 16; i++) {
        out[2 + 2 * i] = hex[addr[i] >> 4];
        out[3 + 2 * i] = hex[addr[i] & 15];
    }
    snprintf(out + 34, 14, "/%u", prefix);
}

static void mask_to(const uint8_t in[16], unsigned prefix, uint8_t out[16])
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
        out[i] = bits >= 8 ? in[i] : (uint8_t)(in[i] & (0xff00 >> bits));
    }
}

void alert_watch_index_add(struct alert_watch_index *ix, size_t org, const char *entry,
                           const struct alert_watch *w)
{
    struct rk_buf key = RK_BUF_INIT;
    uint32_t e = (uint32_t)ix->n_entries;

    if (ix->n_entries == ix->cap_entries) {
        ix->cap_entries = ix->cap_entries ? ix->cap_entries * 2 : 64;
        ix->entries = rk_realloc(ix->entries, ix->cap_entries * sizeof(*ix->entries));
    }
    ix->entries[ix->n_entries++] = rk_strdup(entry);
    switch (w->kind) {
    case ALERT_WATCH_DOMAIN:
        rk_buf_printf(&key, "d:%s", w->obs.value);
        break;
    case ALERT_WATCH_EMAIL_DOMAIN:
        rk_buf_printf(&key, "e:%s", w->obs.value);
        break;
    case ALERT_WATCH_PRODUCT:
        rk_buf_printf(&key, "p:%s", strncmp(w->key, "product:", 8) == 0 ? w->key + 8 : w->key);
        break;
    case ALERT_WATCH_EXACT:
        rk_buf_puts(&key, "x:");
        analyze_observable_key(&w->obs, &key);
        break;
    case ALERT_WATCH_RANGE: {
        struct range r;
        bool ranged;
        char rk[48];
        analyze_observable_range(&w->obs, r.addr, &r.prefix, &ranged);
        r.org = (uint32_t)org;
        r.entry = e;
        if (ix->n_ranges == ix->cap_ranges) {
            ix->cap_ranges = ix->cap_ranges ? ix->cap_ranges * 2 : 64;
            ix->ranges = rk_realloc(ix->ranges, ix->cap_ranges * sizeof(*ix->ranges));
        }
        ix->ranges[ix->n_ranges++] = r;
        ix->sorted = false;
        ix->prefix_present[r.prefix] = true;
        range_key(r.addr, r.prefix, rk);
        rk_buf_puts(&key, rk);
        break;
    }
    }
    put(ix, key.data, (uint32_t)org, e);
    rk_buf_free(&key);
}

static void hits_of(const struct alert_watch_index *ix, const char *key, size_t len,
                    alert_watch_hit_fn fn, void *ctx)
{
    if (ix->cap == 0)
        return;
    const struct slot *s = find_slot(ix, key, len, rk_strset_hash(key, len));
    for (int32_t p = s->key != NULL ? s->head : -1; p >= 0; p = ix->postings[p].next)
        fn(ctx, ix->postings[p].org, ix->entries[ix->postings[p].entry]);
}

/* Probes prefix p ("d:" or "e:") with dom and each of its parent domains. */
static void suffix_walk(const struct alert_watch_index *ix, const char *p, const char *dom,
                        size_t len, alert_watch_hit_fn fn, void *ctx)
{
    char buf[ANALYZE_VALUE_MAX + 4];

    if (len + 3 > sizeof(buf))
        return;
    for (size_t i = 0; i < len;) {
        buf[0] = p[0], buf[1] = p[1];
        memcpy(buf + 2, dom + i, len - i);
        buf[2 + len - i] = '\0';
        hits_of(ix, buf, 2 + len - i, fn, ctx);
        const char *dot = memchr(dom + i, '.', len - i);
        if (dot == NULL)
            break;
        i = (size_t)(dot - dom) + 1;
    }
}

static int cmp_range(const void *a, const void *b)
{
    return memcmp(((const struct range *)a)->addr, ((const struct range *)b)->addr, 16);
}

static void range_hits(struct alert_watch_index *ix, const struct analyze_observable *o,
                       alert_watch_hit_fn fn, void *ctx)
{
    uint8_t addr[16], net[16], last[16];
    unsigned prefix;
    bool ranged;
    char rk[48];

    analyze_observable_range(o, addr, &prefix, &ranged);
    if (!ranged || ix->n_ranges == 0)
        return;
    /* Entries that hold the value: one probe per prefix length present, up to its own. */
    for (unsigned p = 0; p <= prefix; p++) {
        if (!ix->prefix_present[p])
            continue;
        mask_to(addr, p, net);
        range_key(net, p, rk);
        hits_of(ix, rk, strlen(rk), fn, ctx);
    }
    if (prefix >= 128)
        return;
    /* Entries inside the value's range (longer prefixes). */
    if (!ix->sorted) {
        qsort(ix->ranges, ix->n_ranges, sizeof(*ix->ranges), cmp_range);
        ix->sorted = true;
    }
    mask_to(addr, prefix, net);
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
        last[i] = bits >= 8 ? net[i] : (uint8_t)(net[i] | (0xff >> bits));
    }
    size_t lo = 0, hi = ix->n_ranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(ix->ranges[mid].addr, net, 16) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ix->n_ranges && memcmp(ix->ranges[i].addr, last, 16) <= 0; i++)
        if (ix->ranges[i].prefix > prefix)
            fn(ctx, ix->ranges[i].org, ix->entries[ix->ranges[i].entry]);
}

/* The host of a normalised URL ("http://user@host:port/path"), or NULL. */
static const char *url_host(const char *url, size_t *len)
{
    const char *h = strstr(url, "://"), *at;
    size_t auth;

    *len = 0;
    if (h == NULL)
        return NULL;
    h += 3;
    auth = strcspn(h, "/?#");
    at = memchr(h, '@', auth);
    if (at != NULL) {
        auth -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    *len = strcspn(h, "/:?#[");
    if (*len > auth)
        *len = auth;
    return h;
}

void alert_watch_index_match(struct alert_watch_index *ix, const struct alert_obs_set *obs,
                             alert_watch_hit_fn fn, void *ctx)
{
    struct rk_buf key = RK_BUF_INIT;

    for (size_t i = 0; i < obs->n; i++) {
        const struct analyze_observable *o = &obs->items[i];
        switch (o->type) {
        case ANALYZE_OBS_DOMAIN:
            suffix_walk(ix, "d:", o->value, o->len, fn, ctx);
            continue;
        case ANALYZE_OBS_IPV4:
        case ANALYZE_OBS_IPV6:
        case ANALYZE_OBS_CIDR4:
        case ANALYZE_OBS_CIDR6:
            range_hits(ix, o, fn, ctx);
            continue;
        case ANALYZE_OBS_URL: {
            size_t len;
            const char *host = url_host(o->value, &len);
            if (host != NULL && len > 0)
                suffix_walk(ix, "d:", host, len, fn, ctx);
            break;
        }
        case ANALYZE_OBS_EMAIL: {
            const char *at = strrchr(o->value, '@');
            if (at != NULL && at[1] != '\0') {
                suffix_walk(ix, "d:", at + 1, strlen(at + 1), fn, ctx);
                suffix_walk(ix, "e:", at + 1, strlen(at + 1), fn, ctx);
            }
            break;
        }
        default:
            break;
        }
        rk_buf_reset(&key);
        rk_buf_puts(&key, "x:");
        analyze_observable_key(o, &key);
        hits_of(ix, key.data, key.len, fn, ctx);
    }
    for (size_t i = 0; i < obs->n_products; i++) {
        rk_buf_reset(&key);
        rk_buf_printf(&key, "p:%s", obs->products[i]);
        hits_of(ix, key.data, key.len, fn, ctx);
    }
    rk_buf_free(&key);
}
