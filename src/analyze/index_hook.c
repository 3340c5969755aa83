/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_hook.c: the observable index's share of ingest (struct rk_ingest_hook, observe): the
 * observables an object states, normalised into index rows. Indicators (stix patterns: the
 * values of = and IN comparisons that are not negated), SCOs, the SCOs embedded in
 * observed-data, and references (observed-data object_refs, a sighting's sighting_of_ref and
 * observed_data_refs) as RK_OBSERVE_REF rows, which the pipeline resolves within the
 * envelope. docs/internals/analyze.md, "The observable index".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze_int.h"
#include "policy/hub.h"

/* The rows of one object being collected: keys back to back in one buffer (offsets, since
 * the buffer moves as it grows), each key once. */
struct collect {
    struct store_observable rows[RK_OBSERVE_ROWS_MAX]; /* key unset until packed */
    size_t key_at[RK_OBSERVE_ROWS_MAX];                /* offset of each key in keys */
    size_t n;
    struct rk_buf keys;
    struct rk_strset seen; /* the keys, once there are more than a few */
};

/* Keys compared one by one before the set takes over. */
#define FEW_KEYS 8

/* Whether the key of len bytes at k is new to c (and now is not). */
static bool key_new(struct collect *c, const char *k, size_t len)
{
    if (c->n > FEW_KEYS) {
        if (rk_strset_count(&c->seen) == 0)
            for (size_t i = 0; i < c->n; i++)
                rk_strset_add(&c->seen, c->keys.data + c->key_at[i],
                              strlen(c->keys.data + c->key_at[i]));
        return rk_strset_add(&c->seen, k, len);
    }
    for (size_t i = 0; i < c->n; i++) {
        const char *o = c->keys.data + c->key_at[i];
        if (strlen(o) == len && memcmp(o, k, len) == 0)
            return false;
    }
    return true;
}

/* Adds the row keyed by the len bytes at k (ranged with addr, prefix when ranged). */
static void add_key(struct collect *c, const char *k, size_t len, bool ranged,
                    const uint8_t addr[16], unsigned prefix)
{
    if (c->n >= RK_OBSERVE_ROWS_MAX || !key_new(c, k, len))
        return;
    struct store_observable *r = &c->rows[c->n];
    memset(r, 0, sizeof(*r));
    r->ranged = ranged;
    if (ranged) {
        memcpy(r->addr, addr, 16);
        r->prefix = (uint8_t)prefix;
    }
    c->key_at[c->n++] = c->keys.len;
    rk_buf_append(&c->keys, k, len);
    rk_buf_putc(&c->keys, '\0');
}

void analyze_observable_range(const struct analyze_observable *obs, uint8_t addr[16],
                              unsigned *prefix, bool *ranged)
{
    memset(addr, 0, 16);
    *prefix = 0;
    *ranged = true;
    switch (obs->type) {
    case ANALYZE_OBS_IPV4:
    case ANALYZE_OBS_CIDR4:
        addr[10] = addr[11] = 0xff; /* ::ffff:a.b.c.d */
        memcpy(addr + 12, obs->addr, 4);
        *prefix = 96 + obs->prefix;
        return;
    case ANALYZE_OBS_IPV6:
    case ANALYZE_OBS_CIDR6:
        memcpy(addr, obs->addr, 16);
        *prefix = obs->prefix;
        return;
    default:
        *ranged = false;
        return;
    }
}

/* Adds the row of obs. */
static void add_obs(struct collect *c, const struct analyze_observable *obs)
{
    struct rk_buf key = RK_BUF_INIT;
    uint8_t addr[16];
    unsigned prefix;
    bool ranged;
    analyze_observable_key(obs, &key);
    analyze_observable_range(obs, addr, &prefix, &ranged);
    add_key(c, key.data, key.len, ranged, addr, prefix);
    rk_buf_free(&key);
}

/* One observable of the object (analyze_observables_of): its row; stops once full. */
static int obs_row(void *ctx, const struct analyze_observable *obs)
{
    struct collect *c = ctx;
    add_obs(c, obs);
    return c->n >= RK_OBSERVE_ROWS_MAX;
}

/* Adds an RK_OBSERVE_REF row for each STIX id in v (an id or a list of them). */
static void add_refs(struct collect *c, const json_t *v)
{
    char key[STIX_ID_MAX + sizeof(RK_OBSERVE_REF) + 1];
    size_t i;
    const json_t *e;
    if (json_is_string(v)) {
        if (json_string_length(v) <= STIX_ID_MAX) {
            int n = snprintf(key, sizeof key, RK_OBSERVE_REF "%s", json_string_value(v));
            add_key(c, key, (size_t)n, false, NULL, 0);
        }
        return;
    }
    json_array_foreach(v, i, e) add_refs(c, e);
}

/* Fills c from obj, an object of type. */
static void collect_object(struct collect *c, const char *type, const json_t *obj)
{
    if (strcmp(type, "observed-data") == 0) {
        /* STIX 2.0-style embedded objects ("0": {...}), then references to SCOs. */
        const char *k;
        const json_t *sco;
        json_object_foreach((json_t *)json_object_get(obj, "objects"), k, sco)
        {
            const char *t = json_string_value(json_object_get(sco, "type"));
            analyze_observables_of(t, sco, obs_row, c);
        }
        add_refs(c, json_object_get(obj, "object_refs"));
    } else if (strcmp(type, "sighting") == 0) {
        add_refs(c, json_object_get(obj, "sighting_of_ref"));
        add_refs(c, json_object_get(obj, "observed_data_refs"));
    } else {
        analyze_observables_of(type, obj, obs_row, c); /* an indicator's pattern, an SCO */
    }
}

size_t analyze_index_observe(void *ctx, const char *type, const json_t *obj,
                             struct store_observable **rows)
{
    (void)ctx;
    *rows = NULL;
    /* Most objects state no observable: no allocation for them. */
    if (strcmp(type, "indicator") != 0 && strcmp(type, "observed-data") != 0 &&
        strcmp(type, "sighting") != 0 && !analyze_sco_indexed(type))
        return 0;
    struct collect *c = rk_malloc(sizeof(*c));
    c->n = 0;
    c->keys = (struct rk_buf)RK_BUF_INIT;
    c->seen = (struct rk_strset)RK_STRSET_INIT;
    collect_object(c, type, obj);
    size_t n = c->n;
    for (size_t i = 0; i < n; i++)
        c->rows[i].key = c->keys.data + c->key_at[i];
    *rows = store_observables_pack(c->rows, n);
    rk_buf_free(&c->keys);
    rk_strset_free(&c->seen);
    free(c);
    return n;
}

int analyze_index_attach(struct rk_hub *hub, struct rk_err *err)
{
    const struct rk_ingest_hook hook = {.name = "analyze", .observe = analyze_index_observe};
    const char *off = getenv("RENKEI_NO_OBSERVABLE_INDEX");
    if (off != NULL && off[0] != '\0') {
        rk_log(RK_LOG_WARN, "analyze: RENKEI_NO_OBSERVABLE_INDEX is set: what is stored now is "
                            "never indexed (for benchmarks only)");
        return 0;
    }
    return policy_hub_add_hook(hub, &hook, err);
}
