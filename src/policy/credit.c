/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credit.c: the credit ledger. Ingest records one event per envelope for its accepted
 * contributions (points = how many) and one per later correlation or sighting of one of them
 * by another organisation; a member sees its own
 * standing and, only in aggregate and only above the re-identification threshold k, how
 * many organisations and sectors used its data. Who used it is never shown.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Distinct users counted per summary; past this the count is reported as the cap, which is
 * far above any k and so reveals nothing. */
#define CREDIT_DISTINCT_MAX 4096

int policy_credit_record(struct store *s, const struct store_credit *events, size_t n,
                         struct rk_err *err)
{
    if (n == 0)
        return 0;
    if (events == NULL)
        return rk_err_set(err, RK_E_INVALID, "credit events missing");
    for (size_t i = 0; i < n; i++) {
        const struct store_credit *c = &events[i];

        if (c->org_id == NULL || c->org_id[0] == '\0' || c->kind == NULL)
            return rk_err_set(err, RK_E_INVALID, "credit event %zu without an organisation or kind",
                              i);
        if (strcmp(c->kind, "contribution") != 0 && strcmp(c->kind, "sighting") != 0 &&
            strcmp(c->kind, "correlation") != 0)
            return rk_err_set(err, RK_E_INVALID, "credit event %zu: unknown kind '%s'", i, c->kind);
    }
    return store_credit_add(s, events, n, err);
}

/* A small set of distinct strings (who used the contributions). */
struct strset {
    char **v;
    size_t n;
    size_t cap;
    bool full; /* CREDIT_DISTINCT_MAX reached */
};

static void strset_add(struct strset *set, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i], s) == 0)
            return;
    if (set->n >= CREDIT_DISTINCT_MAX) {
        set->full = true;
        return;
    }
    if (set->n == set->cap) {
        set->cap = set->cap != 0 ? set->cap * 2 : 16;
        set->v = rk_realloc(set->v, set->cap * sizeof(*set->v));
    }
    set->v[set->n++] = rk_strdup(s);
}

static void strset_free(struct strset *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i]);
    free(set->v);
}

/* Running totals of one organisation's ledger. */
struct summary {
    const char *org_id;
    int64_t points;
    int64_t contributions;
    int64_t sightings;
    int64_t correlations;
    struct strset orgs;    /* distinct by_org of sightings and correlations */
    struct strset sectors; /* distinct by_sector of those */
};

static int sum_one(void *ctx, const struct store_credit *c)
{
    struct summary *sm = ctx;
    bool by_other;

    if (c->org_id == NULL || strcmp(c->org_id, sm->org_id) != 0)
        return 0; /* the store filters already; never count someone else's credit */
    sm->points += c->points;
    by_other = c->by_org != NULL && c->by_org[0] != '\0' && strcmp(c->by_org, sm->org_id) != 0;
    if (c->kind != NULL && strcmp(c->kind, "contribution") == 0) {
        /* One event per envelope: its points are its objects (older ledgers: one each). */
        sm->contributions += c->points / POLICY_CREDIT_CONTRIBUTION;
    } else if (c->kind != NULL && strcmp(c->kind, "sighting") == 0 && by_other) {
        sm->sightings++;
    } else if (c->kind != NULL && strcmp(c->kind, "correlation") == 0 && by_other) {
        sm->correlations++;
    } else {
        return 0;
    }
    if (by_other) {
        strset_add(&sm->orgs, c->by_org);
        strset_add(&sm->sectors, c->by_sector);
    }
    return 0;
}

/*
 * A count about users as members may see it: the number when show, otherwise the literal
 * "fewer than k" (the contract's wording; the value of k is in the policy). A count is shown
 * when it is 0 or at least k, so that a small set of users cannot be singled out; the
 * sector count also only when the organisation count is: "5 sectors" beside "fewer than k"
 * organisations would still narrow them down.
 */
static json_t *thresholded(size_t n, int k, bool show)
{
    if (show && (n == 0 || n >= (size_t)k))
        return json_integer((json_int_t)n);
    return json_string("fewer than k");
}

int policy_credit_summary(struct store *s, const char *org_id, int sector_k,
                          struct rk_buf *json_out, struct rk_err *err)
{
    struct store_org org = {0};
    struct summary sm = {0};
    struct policy_doc doc = {0};
    bool show_orgs;
    json_t *v;
    char *text;
    int rc;

    if (org_id == NULL || org_id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "credit summary needs an organisation");
    rc = store_org_get(s, org_id, &org, err);
    if (rc != 0)
        goto out;
    if (sector_k <= 0) {
        rc = policy_doc_load(s, &doc, err);
        if (rc != 0)
            goto out;
        sector_k = doc.sector_k > 0 ? doc.sector_k : 5;
    }
    sm.org_id = org.id;
    rc = store_credit_list(s, org.id, sum_one, &sm, err);
    if (rc > 0)
        rc = 0;
    if (rc != 0)
        goto out;
    show_orgs = sm.orgs.n == 0 || sm.orgs.n >= (size_t)sector_k;
    v = json_pack("{s:s, s:I, s:I, s:I, s:I, s:{s:o, s:o}}", "org", org.name, "points",
                  (json_int_t)sm.points, "contributions", (json_int_t)sm.contributions,
                  "sightings_by_others", (json_int_t)sm.sightings, "correlations_by_others",
                  (json_int_t)sm.correlations, "used_by", "organisations",
                  thresholded(sm.orgs.n, sector_k, true), "sectors",
                  thresholded(sm.sectors.n, sector_k, show_orgs));
    text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (text == NULL) {
        rc = rk_err_set(err, RK_E_INTERNAL, "cannot serialise the credit summary");
        goto out;
    }
    rk_buf_puts(json_out, text);
    free(text);
out:
    policy_doc_clear(&doc);
    strset_free(&sm.orgs);
    strset_free(&sm.sectors);
    store_org_clear(&org);
    return rc;
}
