/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.c: the entity cache of a long-running process. Authenticating a request and loading
 * its collection cost three indexed SQLite lookups (token, organisation, collection) before
 * the query even starts; this keeps token hash -> principal and collection id or alias ->
 * collection in memory, with invalidation that works across processes (see policy.h, "entity
 * cache").
 */
#include "policy/policy_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS    1024u             /* per table; a power of two */
#define CACHE_MAX_USED (CACHE_SLOTS / 2) /* past this a table is emptied: bounded memory */
#define GEN_KEY        "entities_gen"    /* the settings row every entity write bumps */

/*
 * coll_copy deep-copies exactly the five strings of struct store_collection. If the store
 * grows a pointer member, this assertion fails so that coll_copy and coll_free learn it
 * too (a shallow copy would be freed twice).
 */
_Static_assert(sizeof(struct store_collection) <
                   offsetof(struct store_collection, default_tlp) + sizeof(int) + sizeof(void *),
               "struct store_collection changed: update coll_copy/coll_free in cache.c");

struct tok_slot {
    bool used;                   /* slot holds an entry */
    char key[65];                /* hex BLAKE2b-256 of the token (never the secret) */
    struct policy_principal who; /* the principal policy_authenticate built */
    rk_time_us loaded;           /* when it was read from the store */
};

struct coll_slot {
    bool used;                      /* slot holds an entry */
    char key[POLICY_ALIAS_MAX + 1]; /* what it was looked up by: its id or its alias */
    struct store_collection c;      /* owned deep copy */
    rk_time_us loaded;              /* when it was read from the store */
};

static struct {
    pthread_mutex_t mu;      /* guards everything below */
    struct store *store;     /* the store cached; NULL while disabled */
    uint64_t epoch;          /* incremented by every flush; stale loads are not inserted */
    char gen[64];            /* last value of the GEN_KEY setting seen ("" if absent) */
    rk_time_us gen_checked;  /* when GEN_KEY was last read (or a read was started) */
    struct tok_slot *toks;   /* CACHE_SLOTS slots, open addressing, linear probing */
    size_t n_toks;           /* used slots in toks */
    struct coll_slot *colls; /* CACHE_SLOTS slots, same scheme */
    size_t n_colls;          /* used slots in colls */
    int green_delay;         /* policy document's green_delay_hours, while doc_loaded */
    bool doc_loaded;         /* green_delay holds a value read at doc_time */
    rk_time_us doc_time;     /* when it was read from the store */
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* FNV-1a of a NUL-terminated key. */
static size_t key_hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k != '\0'; k++) {
        h ^= (unsigned char)*k;
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

static void coll_free(struct store_collection *c)
{
    store_collection_clear(c);
}

static void coll_copy(struct store_collection *dst, const struct store_collection *src)
{
    *dst = *src;
    dst->title = rk_strdup(src->title != NULL ? src->title : "");
    dst->description = rk_strdup(src->description != NULL ? src->description : "");
    dst->alias = rk_strdup(src->alias != NULL ? src->alias : "");
    dst->read_spec = rk_strdup(src->read_spec != NULL ? src->read_spec : "");
    dst->write_spec = rk_strdup(src->write_spec != NULL ? src->write_spec : "");
}

/* Empties both tables and starts a new epoch. Caller holds mu. */
static void flush_locked(void)
{
    cache.doc_loaded = false;
    if (cache.toks != NULL)
        memset(cache.toks, 0, CACHE_SLOTS * sizeof(*cache.toks));
    if (cache.colls != NULL) {
        for (size_t i = 0; i < CACHE_SLOTS; i++)
            if (cache.colls[i].used)
                coll_free(&cache.colls[i].c);
        memset(cache.colls, 0, CACHE_SLOTS * sizeof(*cache.colls));
    }
    cache.n_toks = 0;
    cache.n_colls = 0;
    cache.epoch++;
}

static bool expired(rk_time_us loaded, rk_time_us now)
{
    return now - loaded >= (rk_time_us)POLICY_CACHE_TTL_MS * 1000 || now < loaded;
}

/*
 * Reads the GEN_KEY setting when the last read is older than POLICY_CACHE_RECHECK_MS and
 * flushes if another process changed it. The read runs outside the lock; only one thread
 * starts it per interval. Caller holds mu on entry and on return.
 */
static void gen_check_locked(struct store *s, rk_time_us now)
{
    char *v = NULL;

    if (now - cache.gen_checked < (rk_time_us)POLICY_CACHE_RECHECK_MS * 1000 &&
        now >= cache.gen_checked)
        return;
    cache.gen_checked = now;
    pthread_mutex_unlock(&cache.mu);
    int rc = store_setting_get(s, GEN_KEY, &v, NULL);
    pthread_mutex_lock(&cache.mu);
    if (cache.store != s) {
        free(v);
        return;
    }
    const char *now_gen = rc == 0 && v != NULL ? v : "";
    if (rc != 0 && rc != RK_E_NOTFOUND) {
        flush_locked(); /* cannot tell: assume it changed */
        cache.gen_checked = 0;
    } else if (strcmp(now_gen, cache.gen) != 0) {
        flush_locked();
        snprintf(cache.gen, sizeof(cache.gen), "%s", now_gen);
    }
    free(v);
}

/* ---- the face -------------------------------------------------------------------------- */

void policy_cache_enable(struct store *s)
{
    pthread_mutex_lock(&cache.mu);
    if (cache.toks == NULL)
        cache.toks = rk_calloc(CACHE_SLOTS, sizeof(*cache.toks));
    if (cache.colls == NULL)
        cache.colls = rk_calloc(CACHE_SLOTS, sizeof(*cache.colls));
    flush_locked();
    cache.store = s;
    cache.gen[0] = '\0';
    cache.gen_checked = INT64_MIN / 2; /* first use reads the setting */
    pthread_mutex_unlock(&cache.mu);
}

void policy_cache_disable(void)
{
    pthread_mutex_lock(&cache.mu);
    flush_locked();
    free(cache.toks);
    free(cache.colls);
    cache.toks = NULL;
    cache.colls = NULL;
    cache.store = NULL;
    pthread_mutex_unlock(&cache.mu);
}

int policy_cache_bump(struct store *s, struct rk_err *err)
{
    unsigned char raw[16];
    char gen[33];

    rk_random_bytes(raw, sizeof(raw));
    rk_hex(raw, sizeof(raw), gen);
    int rc = store_setting_set(s, GEN_KEY, gen, err);
    pthread_mutex_lock(&cache.mu);
    if (cache.store == s) {
        flush_locked();
        if (rc == 0)
            snprintf(cache.gen, sizeof(cache.gen), "%s", gen);
        else
            cache.gen_checked = INT64_MIN / 2;
    }
    pthread_mutex_unlock(&cache.mu);
    return rc;
}

bool policy_cache_principal_get(struct store *s, const char *hash, struct policy_principal *out,
                                uint64_t *epoch)
{
    bool hit = false;
    rk_time_us now = rk_time_now();

    pthread_mutex_lock(&cache.mu);
    *epoch = cache.epoch;
    if (cache.store == NULL || cache.store != s)
        goto out;
    gen_check_locked(s, now);
    *epoch = cache.epoch;
    for (size_t i = key_hash(hash) & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        struct tok_slot *t = &cache.toks[i];
        if (!t->used)
            break;
        if (strcmp(t->key, hash) == 0) {
            if (!expired(t->loaded, now)) {
                *out = t->who;
                hit = true;
            }
            break;
        }
    }
out:
    pthread_mutex_unlock(&cache.mu);
    return hit;
}

void policy_cache_principal_put(struct store *s, const char *hash,
                                const struct policy_principal *who, uint64_t epoch,
                                rk_time_us loaded)
{
    pthread_mutex_lock(&cache.mu);
    if (cache.store == NULL || cache.store != s || cache.epoch != epoch || strlen(hash) >= 65)
        goto out;
    if (cache.n_toks >= CACHE_MAX_USED)
        flush_locked();
    for (size_t i = key_hash(hash) & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        struct tok_slot *t = &cache.toks[i];
        if (!t->used || strcmp(t->key, hash) == 0) {
            if (!t->used)
                cache.n_toks++;
            t->used = true;
            snprintf(t->key, sizeof(t->key), "%s", hash);
            t->who = *who;
            t->loaded = loaded;
            break;
        }
    }
out:
    pthread_mutex_unlock(&cache.mu);
}

int policy_collection_get(struct store *s, const char *key, struct store_collection *out,
                          struct rk_err *err)
{
    rk_time_us now = rk_time_now();
    uint64_t epoch;
    bool enabled;
    int rc;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&cache.mu);
    /* A key longer than any id or alias names nothing cached: the store answers. */
    enabled =
        cache.store != NULL && cache.store == s && key != NULL && strlen(key) <= POLICY_ALIAS_MAX;
    if (enabled) {
        gen_check_locked(s, now);
        for (size_t i = key_hash(key) & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
            struct coll_slot *c = &cache.colls[i];
            if (!c->used)
                break;
            if (strcmp(c->key, key) == 0) {
                if (!expired(c->loaded, now)) {
                    coll_copy(out, &c->c);
                    pthread_mutex_unlock(&cache.mu);
                    return 0;
                }
                break;
            }
        }
    }
    epoch = cache.epoch;
    pthread_mutex_unlock(&cache.mu);

    rc = store_collection_get(s, key, out, err);
    if (rc != 0 || !enabled)
        return rc;

    pthread_mutex_lock(&cache.mu);
    if (cache.store != s || cache.epoch != epoch)
        goto out;
    if (cache.n_colls >= CACHE_MAX_USED)
        flush_locked();
    for (size_t i = key_hash(key) & (CACHE_SLOTS - 1);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        struct coll_slot *c = &cache.colls[i];
        if (!c->used) {
            cache.n_colls++;
            c->used = true;
            memcpy(c->key, key, strlen(key) + 1);
            coll_copy(&c->c, out);
            c->loaded = now;
            break;
        }
        if (strcmp(c->key, key) == 0) {
            coll_free(&c->c);
            coll_copy(&c->c, out);
            c->loaded = now;
            break;
        }
    }
out:
    pthread_mutex_unlock(&cache.mu);
    return 0;
}

int policy_cache_green_delay(struct store *s, int *hours, struct rk_err *err)
{
    rk_time_us now = rk_time_now();
    struct policy_doc doc;
    uint64_t epoch;
    bool enabled;
    int rc;

    pthread_mutex_lock(&cache.mu);
    enabled = cache.store != NULL && cache.store == s;
    if (enabled) {
        gen_check_locked(s, now);
        if (cache.doc_loaded && !expired(cache.doc_time, now)) {
            *hours = cache.green_delay;
            pthread_mutex_unlock(&cache.mu);
            return 0;
        }
    }
    epoch = cache.epoch;
    pthread_mutex_unlock(&cache.mu);

    rc = policy_doc_load(s, &doc, err);
    if (rc != 0)
        return rc;
    *hours = doc.green_delay_hours;
    policy_doc_clear(&doc);
    if (!enabled)
        return 0;
    pthread_mutex_lock(&cache.mu);
    if (cache.store == s && cache.epoch == epoch) {
        cache.green_delay = *hours;
        cache.doc_loaded = true;
        cache.doc_time = now;
    }
    pthread_mutex_unlock(&cache.mu);
    return 0;
}
