/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tally.c: the k rule of the sharing model for aggregates members are shown ("reported by 3
 * organisations in 2 sectors"): who reported something is counted here and shown only as the
 * rule allows (a count that could single out an organisation reads "fewer than k", a sector
 * with fewer than k members is never named). Search and correlation both show their counts
 * through it, so that the rule is written once.
 */
#include "policy/ledger.h"

#include <string.h>

#include "policy/policy_int.h"

void policy_tally_add(struct policy_tally *t, const char *org_id, const char *sector)
{
    if (org_id != NULL && org_id[0] != '\0')
        rk_strset_add(&t->orgs, org_id, strlen(org_id));
    if (sector != NULL && sector[0] != '\0' && rk_strset_add(&t->sectors, sector, strlen(sector))) {
        if (t->n_names == t->cap_names) {
            t->cap_names = t->cap_names ? 2 * t->cap_names : 8;
            t->names = rk_realloc(t->names, t->cap_names * sizeof(*t->names));
        }
        t->names[t->n_names++] = rk_strdup(sector);
    }
}

size_t policy_tally_orgs(const struct policy_tally *t)
{
    return rk_strset_count(&t->orgs);
}

void policy_tally_clear(struct policy_tally *t)
{
    rk_strset_free(&t->orgs);
    rk_strset_free(&t->sectors);
    for (size_t i = 0; i < t->n_names; i++)
        free(t->names[i]);
    free(t->names);
    memset(t, 0, sizeof(*t));
}

json_t *policy_tally_count(size_t n, int k, bool show)
{
    if (show && (n == 0 || n >= (size_t)k))
        return json_integer((json_int_t)n);
    return json_string("fewer than k");
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int policy_tally_json(struct rk_hub *hub, const struct policy_tally *t, int sector_k, json_t **out,
                      struct rk_err *err)
{
    size_t n_o = rk_strset_count(&t->orgs), n_s = rk_strset_count(&t->sectors);
    bool show = n_o == 0 || n_o >= (size_t)(sector_k > 0 ? sector_k : 1);
    json_t *names = json_array();
    char **sorted = NULL;
    int rc = 0;

    *out = NULL;
    if (sector_k <= 0) {
        struct policy_doc doc;
        rc = policy_doc_load(hub->store, &doc, err);
        if (rc != 0) {
            json_decref(names);
            return rc;
        }
        sector_k = doc.sector_k > 0 ? doc.sector_k : 5;
        policy_doc_clear(&doc);
        show = n_o == 0 || n_o >= (size_t)sector_k;
    }
    if (show && t->n_names > 0) {
        sorted = rk_malloc(t->n_names * sizeof(*sorted));
        memcpy(sorted, t->names, t->n_names * sizeof(*sorted));
        qsort(sorted, t->n_names, sizeof(*sorted), name_cmp);
        for (size_t i = 0; i < t->n_names; i++) {
            int64_t members = 0;
            rc = store_org_count_sector(hub->store, sorted[i], &members, err);
            if (rc != 0)
                break;
            if (members >= sector_k) /* a smaller sector is never named */
                json_array_append_new(names, json_string(sorted[i]));
        }
        free(sorted);
    }
    if (rc != 0) {
        json_decref(names);
        return rc;
    }
    *out = json_pack("{s:o, s:o, s:o}", "organisations", policy_tally_count(n_o, sector_k, true),
                     "sectors", show ? json_integer((json_int_t)n_s) : json_string("fewer than k"),
                     "sector_names", names);
    return 0;
}
