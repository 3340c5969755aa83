/* SPDX-License-Identifier: Apache-2.0 */
/*
 * similar.c: the similar-incidents index. Incidents are sets of interned feature keys;
 * similarity is weighted Jaccard with smoothed IDF weights; candidates come from MinHash
 * signatures banded for LSH, then are scored exactly. Keys come from what members post, so
 * every table hashes them with the keyed hash of rk_strset (random key per process): no
 * poster can prepare keys that pile up in one probe sequence or one LSH bucket. Removing an
 * incident leaves a tombstone; the index compacts itself once tombstones outnumber the
 * live incidents. docs/internals/analyze.md, "Similarity".
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

#define SIG_HASHES 128 /* MinHash values per incident */
#define LSH_BANDS  64  /* bands of the signature ... */
#define LSH_ROWS   2   /* ... of this many values each: SIG_HASHES == LSH_BANDS * LSH_ROWS */
#define NONE       UINT32_MAX

_Static_assert(SIG_HASHES == LSH_BANDS * LSH_ROWS, "signature must split into whole bands");

/* An interning table: distinct strings, each with a dense index in order of first add. */
struct intern {
    uint32_t *slots;  /* cap slots holding index + 1, or 0 when empty */
    size_t cap;       /* a power of two, at least twice n, or 0 */
    size_t n;         /* strings held */
    char **strs;      /* n strings, each its own allocation (so pointers to them stay put) */
    uint64_t *hashes; /* n 64-bit hashes of the strings */
    size_t strs_cap;  /* allocated entries of strs and hashes */
};

/* One LSH band: bucket key -> first incident of the bucket (the rest chained through next). */
struct band_slot {
    uint64_t key;  /* the hash of the band's LSH_ROWS signature values */
    uint32_t head; /* first incident + 1; 0 marks an empty slot */
};
struct band {
    struct band_slot *slots; /* cap slots */
    size_t cap;              /* a power of two, at least twice n, or 0 */
    size_t n;                /* buckets used */
};

struct analyze_similar {
    struct intern features; /* every feature key seen */
    uint32_t *df;           /* features.n counts: incidents holding each feature */
    double *weight;         /* features.n weights, valid while weight_n == n_inc */
    size_t weight_cap;      /* allocated entries of df and weight */
    size_t weight_n;        /* n_inc when weight was computed; SIZE_MAX when stale */
    struct intern ids;      /* incident ids: index i is incident i */
    uint32_t *feat_off;     /* n_inc + 1 offsets into feat_pool */
    uint32_t *feat_pool;    /* each incident's feature indices, sorted ascending */
    size_t pool_len;        /* used entries of feat_pool */
    size_t pool_cap;        /* allocated entries of feat_pool */
    uint32_t *next;         /* n_inc * LSH_BANDS: next incident + 1 in the same bucket, or 0 */
    uint32_t *mark;         /* n_inc query stamps, to visit each candidate once */
    uint8_t *dead;          /* n_inc flags: removed (a tombstone, never a candidate) */
    size_t inc_cap;         /* allocated incidents of feat_off, next, mark, dead */
    size_t n_live;          /* incidents not removed: N of the weights */
    uint32_t stamp;         /* the current query's stamp */
    struct band bands[LSH_BANDS];
    uint64_t seeds[SIG_HASHES]; /* one seed per MinHash function, fixed: signatures are stable */
};

/* ---- hashing ------------------------------------------------------------------------- */

/* The splitmix64 finaliser: a bijection that mixes every input bit into every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* The keyed hash of a key (SipHash-2-4, rk_strset_hash): the tables' hash and the 64-bit
 * value every MinHash function starts from. */
static uint64_t key_hash(const char *s, size_t len)
{
    return rk_strset_hash(s, len);
}

/* ln(x) for x >= 1 without libm: x = m * 2^e with m in [0.7, 1.42), then ln m = 2 atanh(s),
 * s = (m - 1) / (m + 1), |s| < 0.18, whose series is exact to double precision in 20 terms. */
static double ln_ge1(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m /= 2;
        e++;
    }
    double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
    for (int i = 1; i < 40; i += 2) {
        sum += term / i;
        term *= s2;
    }
    return 2 * sum + e * 0.6931471805599453;
}

/* ---- interning ----------------------------------------------------------------------- */

/* The index of s in t, or NONE. */
static uint32_t intern_find(const struct intern *t, const char *s, uint64_t h)
{
    if (t->cap == 0)
        return NONE;
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        uint32_t v = t->slots[i];
        if (v == 0)
            return NONE;
        if (t->hashes[v - 1] == h && strcmp(t->strs[v - 1], s) == 0)
            return v - 1;
    }
}

static void intern_place(struct intern *t, uint32_t idx)
{
    size_t i = t->hashes[idx] & (t->cap - 1);
    while (t->slots[i] != 0)
        i = (i + 1) & (t->cap - 1);
    t->slots[i] = idx + 1;
}

/* Stores s as a new index without placing it in the slots; returns the index. */
static uint32_t intern_append(struct intern *t, const char *s, uint64_t h)
{
    if (t->n == t->strs_cap) {
        t->strs_cap = t->strs_cap ? t->strs_cap * 2 : 64;
        t->strs = rk_realloc(t->strs, t->strs_cap * sizeof *t->strs);
        t->hashes = rk_realloc(t->hashes, t->strs_cap * sizeof *t->hashes);
    }
    if ((t->n + 1) * 2 > t->cap) {
        free(t->slots);
        t->cap = t->cap ? t->cap * 2 : 128;
        t->slots = rk_calloc(t->cap, sizeof *t->slots);
        for (size_t i = 0; i < t->n; i++)
            if (t->strs[i] != NULL) /* NULL: superseded by intern_readd */
                intern_place(t, (uint32_t)i);
    }
    uint32_t idx = (uint32_t)t->n++;
    t->strs[idx] = rk_strdup(s);
    t->hashes[idx] = h;
    return idx;
}

/* Adds s (not in t) and returns its index. */
static uint32_t intern_add(struct intern *t, const char *s, uint64_t h)
{
    uint32_t idx = intern_append(t, s, h);
    intern_place(t, idx);
    return idx;
}

/* Stores s (in t at index old) again as a new index, which its slot then names; the string
 * of old is freed (NULL: that index is never looked up again). */
static uint32_t intern_readd(struct intern *t, const char *s, uint64_t h, uint32_t old)
{
    uint32_t idx = intern_append(t, s, h); /* may rebuild the slots: old is still placed */
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
        if (t->slots[i] == old + 1) {
            t->slots[i] = idx + 1;
            break;
        }
    free(t->strs[old]);
    t->strs[old] = NULL;
    return idx;
}

static void intern_free(struct intern *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->hashes);
    free(t->slots);
}

/* ---- LSH bands ----------------------------------------------------------------------- */

/* The slot of key in b: the one holding it, or the empty one where it belongs. */
static struct band_slot *band_slot(const struct band *b, uint64_t key)
{
    size_t i = key & (b->cap - 1);
    while (b->slots[i].head != 0 && b->slots[i].key != key)
        i = (i + 1) & (b->cap - 1);
    return &b->slots[i];
}

static void band_grow(struct band *b)
{
    struct band_slot *old = b->slots;
    size_t old_cap = b->cap;
    b->cap = b->cap ? b->cap * 2 : 256;
    b->slots = rk_calloc(b->cap, sizeof *b->slots);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].head != 0)
            *band_slot(b, old[i].key) = old[i];
    free(old);
}

/* The bucket key of each band of a signature. */
static void band_keys(const uint64_t sig[SIG_HASHES], uint64_t keys[LSH_BANDS])
{
    for (size_t b = 0; b < LSH_BANDS; b++) {
        uint64_t k = mix64(b + 1);
        for (size_t r = 0; r < LSH_ROWS; r++)
            k = mix64(k ^ sig[b * LSH_ROWS + r]);
        keys[b] = k;
    }
}

/* The MinHash signature of n key hashes: per function, the least mixed hash. */
static void signature(const struct analyze_similar *s, const uint64_t *h, size_t n,
                      uint64_t sig[SIG_HASHES])
{
    for (size_t i = 0; i < SIG_HASHES; i++)
        sig[i] = UINT64_MAX;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < SIG_HASHES; i++) {
            uint64_t v = mix64(h[j] ^ s->seeds[i]);
            if (v < sig[i])
                sig[i] = v;
        }
}

/* ---- the index ----------------------------------------------------------------------- */

struct analyze_similar *analyze_similar_new(void)
{
    struct analyze_similar *s = rk_calloc(1, sizeof *s);
    uint64_t x = 0x72656e6b6569ULL; /* "renkei": fixed, so signatures never change */
    for (size_t i = 0; i < SIG_HASHES; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        s->seeds[i] = mix64(x);
    }
    s->weight_n = SIZE_MAX;
    s->feat_off = rk_calloc(1, sizeof *s->feat_off);
    return s;
}

void analyze_similar_free(struct analyze_similar *s)
{
    if (s == NULL)
        return;
    intern_free(&s->features);
    intern_free(&s->ids);
    for (size_t b = 0; b < LSH_BANDS; b++)
        free(s->bands[b].slots);
    free(s->df);
    free(s->weight);
    free(s->feat_off);
    free(s->feat_pool);
    free(s->next);
    free(s->mark);
    free(s->dead);
    free(s);
}

size_t analyze_similar_count(const struct analyze_similar *s)
{
    return s->n_live;
}

/* Checks n keys against the caps and the "<kind>:<value>" shape. 0 or an error in err. */
static int check_keys(const char *const *features, size_t n, struct rk_err *err)
{
    if (n > ANALYZE_SIMILAR_FEATURES_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "similar: %zu features, at most %d", n,
                          ANALYZE_SIMILAR_FEATURES_MAX);
    for (size_t i = 0; i < n; i++) {
        const char *k = features[i];
        size_t len = k ? strlen(k) : 0;
        if (len > ANALYZE_SIMILAR_KEY_MAX)
            return rk_err_set(err, RK_E_TOOBIG, "similar: feature %zu is over %d bytes", i + 1,
                              ANALYZE_SIMILAR_KEY_MAX);
        const char *colon = len ? strchr(k, ':') : NULL;
        if (colon == NULL || colon == k)
            return rk_err_set(err, RK_E_INVALID, "similar: feature %zu is not \"<kind>:<value>\"",
                              i + 1);
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts n indices and drops repeats; returns the new count. */
static size_t sort_unique(uint32_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_u32);
    size_t m = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[m - 1])
            v[m++] = v[i];
    return m;
}

int analyze_similar_add(struct analyze_similar *s, const char *id, const char *const *features,
                        size_t n, struct rk_err *err)
{
    size_t idlen = id ? strlen(id) : 0;
    if (idlen == 0)
        return rk_err_set(err, RK_E_INVALID, "similar: empty incident id");
    if (idlen > ANALYZE_SIMILAR_ID_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "similar: incident id over %d bytes",
                          ANALYZE_SIMILAR_ID_MAX);
    int rc = check_keys(features, n, err);
    if (rc != 0)
        return rc;
    uint64_t idh = key_hash(id, idlen);
    uint32_t old = intern_find(&s->ids, id, idh);
    if (old != NONE && !s->dead[old])
        return rk_err_set(err, RK_E_EXISTS, "similar: incident already in the index");
    if (s->ids.n >= UINT32_MAX - 1 || s->pool_len + n >= UINT32_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "similar: index full");

    /* intern the features, sorted and unique, into the pool */
    if (s->pool_len + n > s->pool_cap) {
        s->pool_cap = (s->pool_len + n) * 2;
        s->feat_pool = rk_realloc(s->feat_pool, s->pool_cap * sizeof *s->feat_pool);
    }
    uint32_t *mine = s->feat_pool + s->pool_len;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = key_hash(features[i], strlen(features[i]));
        uint32_t f = intern_find(&s->features, features[i], h);
        if (f == NONE) {
            f = intern_add(&s->features, features[i], h);
            if (s->features.n > s->weight_cap) {
                s->weight_cap = s->features.strs_cap;
                s->df = rk_realloc(s->df, s->weight_cap * sizeof *s->df);
                s->weight = rk_realloc(s->weight, s->weight_cap * sizeof *s->weight);
            }
            s->df[f] = 0;
        }
        mine[i] = f;
    }
    size_t m = sort_unique(mine, n);
    for (size_t i = 0; i < m; i++)
        s->df[mine[i]]++;

    /* the incident's records */
    uint32_t inc = old == NONE ? intern_add(&s->ids, id, idh) : intern_readd(&s->ids, id, idh, old);
    if (inc + 1 >= s->inc_cap) {
        s->inc_cap = s->inc_cap ? s->inc_cap * 2 : 256;
        s->feat_off = rk_realloc(s->feat_off, (s->inc_cap + 1) * sizeof *s->feat_off);
        s->next = rk_realloc(s->next, s->inc_cap * LSH_BANDS * sizeof *s->next);
        s->mark = rk_realloc(s->mark, s->inc_cap * sizeof *s->mark);
        s->dead = rk_realloc(s->dead, s->inc_cap * sizeof *s->dead);
    }
    s->pool_len += m;
    s->feat_off[inc + 1] = (uint32_t)s->pool_len;
    s->mark[inc] = 0;
    s->dead[inc] = 0;
    s->n_live++;
    s->weight_n = SIZE_MAX;

    /* its LSH buckets (none for an empty set: it can never be a candidate) */
    uint32_t *nx = s->next + (size_t)inc * LSH_BANDS;
    memset(nx, 0, LSH_BANDS * sizeof *nx);
    if (m == 0)
        return 0;
    uint64_t *h = rk_malloc(m * sizeof *h);
    for (size_t i = 0; i < m; i++)
        h[i] = s->features.hashes[mine[i]];
    uint64_t sig[SIG_HASHES], keys[LSH_BANDS];
    signature(s, h, m, sig);
    free(h);
    band_keys(sig, keys);
    for (size_t b = 0; b < LSH_BANDS; b++) {
        struct band *bd = &s->bands[b];
        if ((bd->n + 1) * 2 > bd->cap)
            band_grow(bd);
        struct band_slot *slot = band_slot(bd, keys[b]);
        if (slot->head == 0) {
            slot->key = keys[b];
            bd->n++;
        }
        nx[b] = slot->head;
        slot->head = inc + 1;
    }
    return 0;
}

/* Rebuilds s from its live incidents only: the tombstones, their features and the keys no
 * live incident holds any more are dropped. */
static void compact(struct analyze_similar *s)
{
    struct analyze_similar *fresh = analyze_similar_new();
    const char **keys = NULL;
    size_t keys_cap = 0;
    for (uint32_t inc = 0; inc < s->ids.n; inc++) {
        if (s->dead[inc])
            continue;
        size_t n = s->feat_off[inc + 1] - s->feat_off[inc];
        if (n > keys_cap) {
            keys_cap = n;
            keys = rk_realloc(keys, keys_cap * sizeof *keys);
        }
        for (size_t i = 0; i < n; i++)
            keys[i] = s->features.strs[s->feat_pool[s->feat_off[inc] + i]];
        struct rk_err err = {0};
        int rc = analyze_similar_add(fresh, s->ids.strs[inc], keys, n, &err);
        (void)rc; /* the same incident was accepted before: it is accepted again */
    }
    free(keys);
    struct analyze_similar old = *s;
    *s = *fresh;
    *fresh = old;
    analyze_similar_free(fresh);
}

int analyze_similar_remove(struct analyze_similar *s, const char *id, struct rk_err *err)
{
    size_t idlen = id ? strlen(id) : 0;
    uint32_t inc = idlen ? intern_find(&s->ids, id, key_hash(id, idlen)) : NONE;
    if (inc == NONE || s->dead[inc])
        return rk_err_set(err, RK_E_NOTFOUND, "similar: no such incident in the index");
    for (uint32_t i = s->feat_off[inc]; i < s->feat_off[inc + 1]; i++)
        s->df[s->feat_pool[i]]--;
    s->dead[inc] = 1;
    s->n_live--;
    s->weight_n = SIZE_MAX;
    size_t dead = s->ids.n - s->n_live;
    if (dead > 1024 && dead > s->n_live)
        compact(s);
    return 0;
}

int analyze_similar_features(const struct analyze_similar *s, const char *id, const char ***keys,
                             size_t *n)
{
    size_t idlen = id ? strlen(id) : 0;
    uint32_t inc = idlen ? intern_find(&s->ids, id, key_hash(id, idlen)) : NONE;
    *keys = NULL;
    *n = 0;
    if (inc == NONE || s->dead[inc])
        return RK_E_NOTFOUND;
    *n = s->feat_off[inc + 1] - s->feat_off[inc];
    *keys = rk_malloc((*n ? *n : 1) * sizeof **keys);
    for (size_t i = 0; i < *n; i++)
        (*keys)[i] = s->features.strs[s->feat_pool[s->feat_off[inc] + i]];
    return 0;
}

/* ---- queries ------------------------------------------------------------------------- */

/* Brings the weights up to date with the current N: w(f) = 1 + ln((1 + N) / (1 + df(f))). */
static void refresh_weights(struct analyze_similar *s)
{
    if (s->weight_n == s->n_live)
        return;
    for (size_t f = 0; f < s->features.n; f++)
        s->weight[f] = 1 + ln_ge1((1.0 + (double)s->n_live) / (1.0 + s->df[f]));
    s->weight_n = s->n_live;
}

/* A query, resolved against the index. */
struct probe {
    uint32_t *known; /* m indexed features, sorted and unique */
    size_t m;        /* number of known features */
    uint64_t *hash;  /* the key hashes of every distinct query feature */
    size_t nh;       /* number of distinct query features */
    double total;    /* the query's weight: known ones plus unknown ones at df = 0 */
};

/* One scored incident. */
struct scored {
    uint32_t inc;   /* incident index */
    double score;   /* weighted Jaccard with the query */
    const char *id; /* the incident's id, for ties */
};

/* One shared feature, for sorting. */
struct weighed {
    double weight;   /* its weight */
    const char *key; /* its key, owned by the index */
};

static void probe_free(struct probe *p)
{
    free(p->known);
    free(p->hash);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int probe_make(struct analyze_similar *s, const char *const *features, size_t n,
                      struct probe *p, struct rk_err *err)
{
    memset(p, 0, sizeof *p);
    int rc = check_keys(features, n, err);
    if (rc != 0)
        return rc;
    refresh_weights(s);
    p->known = rk_malloc((n ? n : 1) * sizeof *p->known);
    p->hash = rk_malloc((n ? n : 1) * sizeof *p->hash);
    double unknown_w = 1 + ln_ge1(1.0 + (double)s->n_live);
    const char **unknown = rk_malloc((n ? n : 1) * sizeof *unknown);
    size_t nu = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = key_hash(features[i], strlen(features[i]));
        uint32_t f = intern_find(&s->features, features[i], h);
        if (f != NONE)
            p->known[p->m++] = f;
        else
            unknown[nu++] = features[i];
    }
    qsort(unknown, nu, sizeof *unknown, cmp_str); /* an unknown key given twice counts once */
    for (size_t i = 0; i < nu; i++)
        if (i == 0 || strcmp(unknown[i], unknown[i - 1]) != 0) {
            p->hash[p->nh++] = key_hash(unknown[i], strlen(unknown[i]));
            p->total += unknown_w;
        }
    free(unknown);
    p->m = sort_unique(p->known, p->m);
    for (size_t i = 0; i < p->m; i++) {
        p->hash[p->nh++] = s->features.hashes[p->known[i]];
        p->total += s->weight[p->known[i]];
    }
    return 0;
}

/* The weighted Jaccard of the probe and incident inc (merge of two sorted lists). */
static double score_of(const struct analyze_similar *s, const struct probe *p, uint32_t inc)
{
    const uint32_t *b = s->feat_pool + s->feat_off[inc];
    size_t nb = s->feat_off[inc + 1] - s->feat_off[inc], i = 0, j = 0;
    double inter = 0, wb = 0;
    for (size_t t = 0; t < nb; t++)
        wb += s->weight[b[t]];
    while (i < p->m && j < nb) {
        if (p->known[i] < b[j]) {
            i++;
        } else if (p->known[i] > b[j]) {
            j++;
        } else {
            inter += s->weight[b[j]];
            i++;
            j++;
        }
    }
    double uni = p->total + wb - inter;
    return uni > 0 ? inter / uni : 0;
}

/* Best first: score descending, then id ascending. */
static int cmp_scored(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Heaviest first, then by key. */
static int cmp_feature(const void *a, const void *b)
{
    const struct weighed *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Sorts the c scored incidents, keeps the best k as out, with their shared features. */
static void finish(const struct analyze_similar *s, const struct probe *p, struct scored *c,
                   size_t nc, size_t k, struct analyze_similar_result *out)
{
    for (size_t i = 0; i < nc; i++)
        c[i].id = s->ids.strs[c[i].inc];
    qsort(c, nc, sizeof *c, cmp_scored);
    out->n = nc < k ? nc : k;
    out->items = rk_calloc(out->n ? out->n : 1, sizeof *out->items);
    struct weighed *shared = rk_malloc((p->m ? p->m : 1) * sizeof *shared);
    for (size_t r = 0; r < out->n; r++) {
        uint32_t inc = c[r].inc;
        const uint32_t *b = s->feat_pool + s->feat_off[inc];
        size_t nb = s->feat_off[inc + 1] - s->feat_off[inc], i = 0, j = 0, ns = 0;
        while (i < p->m && j < nb) {
            if (p->known[i] < b[j]) {
                i++;
            } else if (p->known[i] > b[j]) {
                j++;
            } else {
                shared[ns++] = (struct weighed){s->weight[b[j]], s->features.strs[b[j]]};
                i++;
                j++;
            }
        }
        qsort(shared, ns, sizeof *shared, cmp_feature);
        struct analyze_similar_match *mt = &out->items[r];
        mt->id = s->ids.strs[inc];
        mt->score = c[r].score;
        mt->n_shared = ns;
        mt->shared = rk_malloc((ns ? ns : 1) * sizeof *mt->shared);
        for (size_t t = 0; t < ns; t++)
            mt->shared[t] = shared[t].key;
    }
    free(shared);
}

int analyze_similar_query(struct analyze_similar *s, const char *const *features, size_t n,
                          size_t k, struct analyze_similar_result *out, struct rk_err *err)
{
    memset(out, 0, sizeof *out);
    struct probe p;
    int rc = probe_make(s, features, n, &p, err);
    if (rc != 0)
        return rc;
    size_t nc = 0, cap = 64;
    struct scored *c = rk_malloc(cap * sizeof *c);
    if (p.nh > 0 && p.m > 0 && s->ids.n > 0) {
        uint64_t sig[SIG_HASHES], keys[LSH_BANDS];
        signature(s, p.hash, p.nh, sig);
        band_keys(sig, keys);
        if (++s->stamp == 0) { /* wrapped: forget every old stamp */
            memset(s->mark, 0, s->ids.n * sizeof *s->mark);
            s->stamp = 1;
        }
        for (size_t b = 0; b < LSH_BANDS; b++) {
            if (s->bands[b].cap == 0)
                continue;
            const struct band_slot *slot = band_slot(&s->bands[b], keys[b]);
            for (uint32_t v = slot->head; v != 0; v = s->next[(size_t)(v - 1) * LSH_BANDS + b]) {
                uint32_t inc = v - 1;
                if (s->mark[inc] == s->stamp || s->dead[inc])
                    continue;
                s->mark[inc] = s->stamp;
                double sc = score_of(s, &p, inc);
                if (sc <= 0)
                    continue;
                if (nc == cap) {
                    cap *= 2;
                    c = rk_realloc(c, cap * sizeof *c);
                }
                c[nc++] = (struct scored){inc, sc, NULL};
            }
        }
    }
    finish(s, &p, c, nc, k, out);
    free(c);
    probe_free(&p);
    return 0;
}

int analyze_similar_query_exact(struct analyze_similar *s, const char *const *features, size_t n,
                                size_t k, struct analyze_similar_result *out, struct rk_err *err)
{
    memset(out, 0, sizeof *out);
    struct probe p;
    int rc = probe_make(s, features, n, &p, err);
    if (rc != 0)
        return rc;
    struct scored *c = rk_malloc((s->ids.n ? s->ids.n : 1) * sizeof *c);
    size_t nc = 0;
    for (uint32_t inc = 0; p.m > 0 && inc < s->ids.n; inc++) {
        if (s->dead[inc])
            continue;
        double sc = score_of(s, &p, inc);
        if (sc > 0)
            c[nc++] = (struct scored){inc, sc, NULL};
    }
    finish(s, &p, c, nc, k, out);
    free(c);
    probe_free(&p);
    return 0;
}

void analyze_similar_result_free(struct analyze_similar_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].shared);
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
