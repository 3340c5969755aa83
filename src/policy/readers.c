/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readers.c: which member organisations may read one stored object version, each asked
 * through THE access check (policy_may_read_object) as any of its tokens would ask. For the
 * hub's aggregates that go to named recipients only (the AMBER tier of cross-sector
 * correlation): their recipients are the organisations that could read every input.
 */
#include "policy/policy_int.h"

#include <string.h>

/* What find_object's rows are checked against. */
struct readers_run {
    struct rk_hub *hub;
    const char *collection_id;
    rk_time_us date_added;
    const struct store_org *orgs;
    size_t n_orgs;
    bool *may; /* n_orgs flags, cleared for who may not read */
    bool found;
    int rc;
    struct rk_err *err;
};

static int readers_row(void *ctx, const struct store_row *row)
{
    struct readers_run *r = ctx;

    if (row->collection_id == NULL || strcmp(row->collection_id, r->collection_id) != 0 ||
        row->date_added != r->date_added)
        return 0;
    r->found = true;
    for (size_t i = 0; i < r->n_orgs; i++) {
        struct policy_principal who;
        struct policy_access_ctx ax;
        if (!r->may[i])
            continue;
        policy_org_principal(&r->orgs[i], STORE_ROLE_READER, &who);
        r->rc = policy_access_init(&ax, r->hub, &who, NULL, "correlate", r->err);
        if (r->rc == 0) {
            r->may[i] = policy_may_read_object(&ax, row);
            if (ax.store_rc < 0)
                r->rc = rk_err_set(r->err, ax.store_rc, "the store failed during an access check");
        }
        policy_access_clear(&ax);
        if (r->rc != 0)
            return r->rc;
    }
    return 1; /* one version has that date_added */
}

int policy_version_readers(struct rk_hub *hub, const char *id, const char *collection_id,
                           rk_time_us date_added, const struct store_org *orgs, size_t n_orgs,
                           bool *may, struct rk_err *err)
{
    struct readers_run r = {hub, collection_id, date_added, orgs, n_orgs, may, false, 0, err};
    int rc;

    for (size_t i = 0; i < n_orgs; i++)
        if (orgs[i].disabled || strcmp(orgs[i].sector, POLICY_COORDINATION_SECTOR) == 0)
            may[i] = false; /* a disabled organisation reads nothing; the coordinator is no
                               member reader */
    if (id == NULL || collection_id == NULL)
        goto none;
    rc = store_find_object(hub->store, id, readers_row, &r, err);
    if (rc < 0)
        return rc;
    if (r.rc != 0)
        return r.rc;
    if (r.found)
        return 0;
none:
    /* The version is gone (deleted): nobody reads it. */
    for (size_t i = 0; i < n_orgs; i++)
        may[i] = false;
    return 0;
}
