/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest_record.c: what the ingest pipeline checks and records about an envelope, in the
 * transaction that stores it (store_put_objects_then): that the organisations its scopes
 * name still have those names, credit for the contributor (and for the members whose
 * objects it correlates with or sights), and one audit entry for the objects stored at
 * AMBER and above.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTE_NAME "taxii-add-objects"

/* The store's own failures: the enclosing transaction is lost, the envelope must fail. */
static bool store_failed(int rc)
{
    return rc == RK_E_DB || rc == RK_E_IO;
}

/* For each item of an org: list: stops with RK_E_CONFLICT at a name no organisation has. */
struct names_ctx {
    struct store *s;
    struct rk_err *err;
};

static int name_current(void *ctx, const char *item, size_t len)
{
    struct names_ctx *nc = ctx;
    struct store_org o = {0};
    char name[256];

    if (len == 0 || len >= sizeof(name))
        return 0; /* never stored: the scope was checked when the rule was */
    memcpy(name, item, len);
    name[len] = '\0';
    int rc = store_org_get(nc->s, name, &o, NULL);
    store_org_clear(&o);
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(nc->err, RK_E_CONFLICT,
                          "the organisation '%s' of a scope rule was renamed while the envelope "
                          "was stored: post it again",
                          name);
    return rc != 0 ? rk_err_set(nc->err, rc, "checking the scope's organisations") : 0;
}

int policy_ingest_still_current(struct store *s, const struct store_put *puts, size_t n,
                                struct rk_err *err)
{
    struct names_ctx nc = {s, err};
    const char *checked = NULL; /* the scope checked last: rows of one rule repeat it */
    int rc = 0;

    /* Reads see the last commit, and no other write commits inside this transaction. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *scope = puts[i].access.scope;
        if (puts[i].result != STORE_PUT_NEW || scope == NULL || !rk_starts_with(scope, "org:") ||
            (checked != NULL && strcmp(checked, scope) == 0))
            continue;
        rc = policy_list_each(scope + 4, name_current, &nc);
        checked = scope;
    }
    return rc;
}

int policy_ingest_credit(struct store *s, const struct store_org *org,
                         const struct policy_pending *p, const struct store_put *puts, size_t n,
                         struct rk_err *err)
{
    /* One contribution event, then a correlation and a sighting per object at most. */
    struct store_credit *ev = rk_calloc(n * 2 + 1, sizeof(*ev));
    /* Two lookups per NEW row at most: the object itself, and what a sighting sights. */
    const char **ids = rk_calloc(n * 2 + 1, sizeof(*ids));
    char(*who)[RK_UUID_LEN] = rk_calloc(n * 2 + 1, sizeof(*who));
    size_t k = 0, m = 0;
    struct rk_err e;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        if (puts[i].result != STORE_PUT_NEW)
            continue;
        /* An id no collection held before this put has no other source: no lookup. */
        ids[m++] = puts[i].id_unseen ? NULL : p[i].meta.id;
        if (strcmp(p[i].meta.type, "sighting") == 0)
            ids[m++] = p[i].sighting_of;
    }
    /* Whom each id correlates with: one snapshot for the envelope. On failure nobody (the
     * contributions are still credited, as a failed lookup did before). */
    rk_err_clear(&e);
    if (m > 0 && store_first_other_sources(s, org->id, ids, m, who, &e) != 0) {
        rk_log(RK_LOG_ERROR, "ingest: correlation lookup failed: %s", e.msg);
        memset(who, 0, (n * 2 + 1) * sizeof(*who));
    }
    /* The contributions of the envelope: one event whose points are the NEW rows (so the
     * ledger counts them: contributions = points / POLICY_CREDIT_CONTRIBUTION), named by
     * the first of them; provenance keeps each object and its source. One ledger row per
     * envelope instead of one per object (the row was 12 k instructions of ~180 k). */
    size_t n_new = 0;
    for (size_t i = 0; i < n; i++) {
        if (puts[i].result != STORE_PUT_NEW)
            continue;
        if (n_new++ == 0)
            ev[k++] = (struct store_credit){.org_id = (char *)org->id,
                                            .kind = "contribution",
                                            .object_id = (char *)p[i].meta.id,
                                            .by_org = (char *)org->id,
                                            .by_sector = org->sector};
    }
    if (n_new > 0)
        ev[0].points = (int)n_new * POLICY_CREDIT_CONTRIBUTION;
    m = 0;
    for (size_t i = 0; i < n; i++) {
        if (puts[i].result != STORE_PUT_NEW)
            continue;
        if (who[m][0] != '\0') {
            ev[k++] = (struct store_credit){.org_id = who[m],
                                            .kind = "correlation",
                                            .object_id = (char *)p[i].meta.id,
                                            .points = POLICY_CREDIT_CORRELATION,
                                            .by_org = (char *)org->id,
                                            .by_sector = org->sector};
        }
        m++;
        if (strcmp(p[i].meta.type, "sighting") == 0) {
            const char *of = ids[m];
            /* Named by the sighting itself, so that the credit view can ask whether the
             * earner may see it (the sighted object is the earner's own). */
            if (of != NULL && who[m][0] != '\0') {
                ev[k++] = (struct store_credit){.org_id = who[m],
                                                .kind = "sighting",
                                                .object_id = (char *)p[i].meta.id,
                                                .points = POLICY_CREDIT_SIGHTING,
                                                .by_org = (char *)org->id,
                                                .by_sector = org->sector};
            }
            m++;
        }
    }
    rk_err_clear(&e);
    if (k > 0 && policy_credit_record(s, ev, k, &e) != 0) {
        if (store_failed(e.code))
            rc = rk_err_set(err, e.code, "credit: %s", e.msg);
        else
            rk_log(RK_LOG_ERROR, "ingest: credit events not recorded: %s", e.msg);
    }
    free(who);
    free(ids);
    free(ev);
    return rc;
}

int policy_ingest_audit(struct store *s, const struct policy_principal *who,
                        const struct store_collection *c, const struct policy_pending *p,
                        const struct store_put *puts, size_t n, struct rk_err *err)
{
    json_t *arr = json_array();
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char v[RK_TIME_LEN];
        if (p[i].dec.tlp < POLICY_TLP_AMBER || puts[i].result == STORE_PUT_CONFLICT)
            continue;
        rk_time_format(puts[i].version_out, v);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", p[i].meta.id, "version",
                                             v, "tlp", policy_tlp_name(p[i].dec.tlp), "result",
                                             puts[i].result == STORE_PUT_NEW ? "new" : "dup"));
    }
    if (json_array_size(arr) > 0) {
        json_t *detail = json_pack("{s:o}", "objects", arr);
        char *text = json_dumps(detail, JSON_COMPACT);
        rc = policy_audit_append(s, who, POLICY_AUDIT_WRITE, ROUTE_NAME, c->id, text, err);
        free(text);
        json_decref(detail);
    } else {
        json_decref(arr);
    }
    return rc;
}
