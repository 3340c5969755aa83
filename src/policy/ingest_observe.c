/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest_observe.c: the observable index rows of what an envelope stores. The hook that
 * observes (analyze's) reads each object as it will be stored; then an object that refers to
 * another one the same envelope stores (a sighting to the indicator it sighted) is indexed
 * under that one's rows too (struct rk_ingest_hook, observe).
 */
#include "policy/policy_int.h"

#include <stdlib.h>
#include <string.h>

void policy_ingest_observe(struct rk_hub *hub, const json_t *obj, struct policy_pending *p)
{
    for (size_t i = 0; i < hub->n_hooks; i++) {
        const struct rk_ingest_hook *h = &hub->hooks[i];
        if (h->observe == NULL)
            continue;
        struct store_observable *rows = NULL;
        size_t n = h->observe(h->ctx, p->meta.type, obj, &rows);
        if (n > RK_OBSERVE_ROWS_MAX) /* the hook's contract; kept here whatever it did */
            n = RK_OBSERVE_ROWS_MAX;
        p->obs = rows;
        p->n_obs = rows != NULL ? n : 0;
        return; /* at most one hook observes (policy_hub_add_hook) */
    }
}

/* Whether row names a referenced object; *id gets its id. */
static bool ref_row(const struct store_observable *row, const char **id)
{
    static const size_t n = sizeof(RK_OBSERVE_REF) - 1;
    if (strncmp(row->key, RK_OBSERVE_REF, n) != 0)
        return false;
    *id = row->key + n;
    return true;
}

/* One stored object of the envelope, by id, for the lookups of references. */
struct by_id {
    const char *id;
    size_t i; /* index in the pending array */
};

static int by_id_cmp(const void *a, const void *b)
{
    return strcmp(((const struct by_id *)a)->id, ((const struct by_id *)b)->id);
}

/* Adds row to the list rows (n of cap RK_OBSERVE_ROWS_MAX) unless its key is there. */
static void list_add(struct store_observable *rows, size_t *n, struct rk_strset *keys,
                     const struct store_observable *row)
{
    if (*n >= RK_OBSERVE_ROWS_MAX || !rk_strset_add(keys, row->key, strlen(row->key)))
        return;
    rows[(*n)++] = *row;
}

/*
 * p's rows with those of the objects it refers to that ids (n_ids, sorted) finds among the
 * envelope's pending objects pend: a new block in place of p's, or p's as it was.
 */
static void merge_refs(struct policy_pending *pend, size_t k, const struct by_id *ids, size_t n_ids,
                       struct store_observable *scratch)
{
    struct policy_pending *p = &pend[k];
    struct rk_strset keys = RK_STRSET_INIT;
    size_t n = 0;
    bool added = false;

    for (size_t r = 0; r < p->n_obs; r++)
        list_add(scratch, &n, &keys, &p->obs[r]);
    for (size_t r = 0; r < p->n_obs; r++) {
        const char *id;
        if (!ref_row(&p->obs[r], &id))
            continue;
        struct by_id probe = {id, 0};
        const struct by_id *hit = bsearch(&probe, ids, n_ids, sizeof(*ids), by_id_cmp);
        if (hit == NULL || hit->i == k)
            continue;
        const struct policy_pending *q = &pend[hit->i];
        for (size_t j = 0; j < q->n_obs; j++) {
            const char *other;
            if (ref_row(&q->obs[j], &other))
                continue;
            size_t before = n;
            list_add(scratch, &n, &keys, &q->obs[j]);
            added = added || n > before;
        }
    }
    if (added) {
        struct store_observable *block = store_observables_pack(scratch, n);
        free(p->obs);
        p->obs = block;
        p->n_obs = n;
    }
    rk_strset_free(&keys);
}

void policy_ingest_observe_refs(struct policy_pending *p, size_t n)
{
    struct by_id *ids = NULL;
    struct store_observable *scratch = NULL;
    size_t n_ids = 0;
    bool any = false;

    for (size_t i = 0; i < n && !any; i++)
        for (size_t r = 0; r < p[i].n_obs && !any; r++) {
            const char *id;
            any = ref_row(&p[i].obs[r], &id);
        }
    if (!any)
        return; /* most envelopes: nothing refers to anything */
    ids = rk_malloc(n * sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        if (p[i].n_obs > 0)
            ids[n_ids++] = (struct by_id){p[i].meta.id, i};
    qsort(ids, n_ids, sizeof(*ids), by_id_cmp);
    scratch = rk_malloc(RK_OBSERVE_ROWS_MAX * sizeof(*scratch));
    /* Two rounds, so that a sighting of observed data gets what the observed data refers
     * to in the envelope as well. */
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < n; i++)
            if (p[i].n_obs > 0)
                merge_refs(p, i, ids, n_ids, scratch);
    free(scratch);
    free(ids);
}
