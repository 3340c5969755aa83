/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credit.c: the credit ledger. Ingest records one event per envelope for its accepted
 * contributions (points = how many) and one per later correlation or sighting of one of them
 * by another organisation. A member sees its own standing counting only what it may see
 * through the access check, and each count about others only when it cannot single out an
 * organisation (k or more of them behind it); the coordinator sees every figure exactly.
 * Who used the data is never shown.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The events of one kind by other organisations that a view counts. */
struct tally {
    int64_t n;           /* events */
    int64_t points;      /* their points */
    struct rk_strset by; /* distinct organisations behind them */
};

/* Running totals of one organisation's ledger, as one view counts them. */
struct summary {
    const char *org_id;
    struct policy_access_ctx *ax; /* member view: what the member may see; NULL: all */
    int64_t points;               /* every event (the coordinator's view) */
    int64_t contribution_points;
    int64_t contributions;
    struct tally sightings;
    struct tally correlations;
    struct rk_strset orgs;    /* distinct by_org of the events counted */
    struct rk_strset sectors; /* distinct by_sector of those */
};

static void set_add(struct rk_strset *set, const char *s)
{
    if (s != NULL && s[0] != '\0')
        rk_strset_add(set, s, strlen(s));
}

/*
 * Whether the member view may count event c by another organisation: the member must be
 * able to see, through the access check, the sighting c names or that organisation's
 * version of the object it repeated. A sighting event that names the sighted object
 * instead (the ledger's form before it named the sighting) cannot be checked: not counted.
 */
static bool event_visible(struct policy_access_ctx *ax, const struct store_credit *c, bool sighting)
{
    if (c->object_id == NULL)
        return false;
    if (sighting && !rk_starts_with(c->object_id, "sighting--"))
        return false;
    return policy_may_read_id(ax, c->object_id, c->by_org);
}

static int sum_one(void *ctx, const struct store_credit *c)
{
    struct summary *sm = ctx;
    struct tally *t;
    bool by_other, sighting, correlation, hub_correlation;

    if (c->org_id == NULL || strcmp(c->org_id, sm->org_id) != 0)
        return 0; /* the store filters already; never count someone else's credit */
    sm->points += c->points;
    by_other = c->by_org != NULL && c->by_org[0] != '\0' && strcmp(c->by_org, sm->org_id) != 0;
    if (c->kind != NULL && strcmp(c->kind, "contribution") == 0) {
        /* One event per envelope: its points are its objects (older ledgers: one each). */
        sm->contributions += c->points / POLICY_CREDIT_CONTRIBUTION;
        sm->contribution_points += c->points;
        return 0;
    }
    sighting = c->kind != NULL && strcmp(c->kind, "sighting") == 0;
    correlation = c->kind != NULL && strcmp(c->kind, "correlation") == 0;
    /* A correlation without by_org is the hub's cross-sector one (analyze): counted when
     * the organisation may see the grouping it names; it adds no organisation behind it. */
    hub_correlation = correlation && (c->by_org == NULL || c->by_org[0] == '\0');
    if (!(by_other || hub_correlation) || !(sighting || correlation))
        return 0;
    if (sm->ax != NULL && !event_visible(sm->ax, c, sighting))
        return sm->ax->store_rc; /* a store failure stops the walk (negative) */
    t = sighting ? &sm->sightings : &sm->correlations;
    t->n++;
    t->points += c->points;
    set_add(&t->by, c->by_org);
    set_add(&sm->orgs, c->by_org);
    set_add(&sm->sectors, c->by_sector);
    return 0;
}

static void summary_clear(struct summary *sm)
{
    rk_strset_free(&sm->sightings.by);
    rk_strset_free(&sm->correlations.by);
    rk_strset_free(&sm->orgs);
    rk_strset_free(&sm->sectors);
}

/* The member view of sm: see policy_credit_summary. */
static json_t *member_view(const struct store_org *org, const struct summary *sm, int k)
{
    size_t n_s = rk_strset_count(&sm->sightings.by), n_c = rk_strset_count(&sm->correlations.by);
    size_t n_o = rk_strset_count(&sm->orgs), n_sec = rk_strset_count(&sm->sectors);
    /* A count is shown when the organisations behind it are none or at least k. */
    bool show_s = n_s == 0 || n_s >= (size_t)k, show_c = n_c == 0 || n_c >= (size_t)k;
    bool show_o = n_o == 0 || n_o >= (size_t)k;
    /* The hub's correlations (no organisation behind them) leave n_c as it was: when it is 0
     * the count is theirs alone and shown; from k on every event has one of k organisations
     * behind it (so n >= k, as policy_tally_count asks of the others). */
    json_t *correlations =
        show_c ? json_integer((json_int_t)sm->correlations.n) : json_string("fewer than k");
    /* Points only of what is shown: +5 or +2 would tell a count that is not. */
    int64_t points = sm->contribution_points + (show_s ? sm->sightings.points : 0) +
                     (show_c ? sm->correlations.points : 0);

    return json_pack(
        "{s:s, s:s, s:I, s:I, s:o, s:o, s:{s:o, s:o}}", "org", org->name, "view", "member",
        "points", (json_int_t)points, "contributions", (json_int_t)sm->contributions,
        "sightings_by_others", policy_tally_count((size_t)sm->sightings.n, k, show_s),
        "correlations_by_others", correlations, "used_by", "organisations",
        policy_tally_count(n_o, k, true), "sectors", policy_tally_count(n_sec, k, show_o));
}

/* The coordinator's view of sm: every event, exact. */
static json_t *coordinator_view(const struct store_org *org, const struct summary *sm)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:{s:I, s:I}}", "org", org->name, "view",
                     "coordinator", "points", (json_int_t)sm->points, "contributions",
                     (json_int_t)sm->contributions, "sightings_by_others",
                     (json_int_t)sm->sightings.n, "correlations_by_others",
                     (json_int_t)sm->correlations.n, "used_by", "organisations",
                     (json_int_t)rk_strset_count(&sm->orgs), "sectors",
                     (json_int_t)rk_strset_count(&sm->sectors));
}

int policy_credit_summary(struct rk_hub *hub, const char *org_id, int view, int sector_k,
                          struct rk_buf *json_out, struct rk_err *err)
{
    struct store_org org = {0};
    struct summary sm;
    struct policy_doc doc = {0};
    struct policy_principal member;
    struct policy_access_ctx *ax = NULL;
    json_t *v;
    char *text;
    int rc;

    memset(&sm, 0, sizeof(sm));
    if (org_id == NULL || org_id[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "credit summary needs an organisation");
    if (view != POLICY_CREDIT_MEMBER && view != POLICY_CREDIT_COORDINATOR)
        return rk_err_set(err, RK_E_INVALID, "unknown credit view %d", view);
    rc = store_org_get(hub->store, org_id, &org, err);
    if (rc != 0)
        goto out;
    if (sector_k <= 0) {
        rc = policy_doc_load(hub->store, &doc, err);
        if (rc != 0)
            goto out;
        sector_k = doc.sector_k > 0 ? doc.sector_k : 5;
    }
    sm.org_id = org.id;
    if (view == POLICY_CREDIT_MEMBER) {
        /* The organisation as any of its members' tokens would authenticate it. */
        policy_org_principal(&org, STORE_ROLE_READER, &member);
        ax = rk_malloc(sizeof(*ax));
        rc = policy_access_init(ax, hub, &member, NULL, "credit", err);
        if (rc != 0)
            goto out;
        sm.ax = ax;
    }
    rc = store_credit_list(hub->store, org.id, sum_one, &sm, err);
    if (ax != NULL && ax->store_rc < 0)
        rc = rk_err_set(err, ax->store_rc, "credit: the store failed during an access check");
    if (rc > 0)
        rc = 0;
    if (rc != 0)
        goto out;
    v = view == POLICY_CREDIT_MEMBER ? member_view(&org, &sm, sector_k)
                                     : coordinator_view(&org, &sm);
    text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (text == NULL) {
        rc = rk_err_set(err, RK_E_INTERNAL, "cannot serialise the credit summary");
        goto out;
    }
    rk_buf_puts(json_out, text);
    free(text);
out:
    if (ax != NULL) {
        policy_access_clear(ax);
        free(ax);
    }
    policy_doc_clear(&doc);
    summary_clear(&sm);
    store_org_clear(&org);
    return rc;
}
