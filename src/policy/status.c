/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.c: who may read the status resource of a POST. Its poster may; the coordinator may
 * read any, and such a read of another organisation's status is a provenance read (it shows
 * which objects that organisation sent together, however anonymously), audited before the
 * status is handed out. Anyone else is told there is no such status, as for an id that does
 * not exist, so that a status id cannot be probed.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <string.h>

int policy_status_read(struct store *s, const struct policy_principal *who, const char *route,
                       const char *status_id, struct store_status *out, struct rk_err *err)
{
    struct rk_err e2;
    char detail[96];
    int rc;

    memset(out, 0, sizeof(*out));
    if (status_id == NULL || !rk_uuid_valid(status_id) || !policy_is_member(who))
        return rk_err_set(err, RK_E_NOTFOUND, "no status '%.64s'", status_id ? status_id : "");
    rk_err_clear(&e2);
    rc = store_status_get(s, status_id, out, &e2);
    if (rc == 0 && strcmp(out->org_id, who->org_id) == 0)
        return 0;
    if (rc == RK_E_NOTFOUND || (rc == 0 && !policy_is_coordinator(who))) {
        store_status_clear(out);
        return rk_err_set(err, RK_E_NOTFOUND, "no status '%s'", status_id);
    }
    if (rc < 0) {
        store_status_clear(out);
        return rk_err_set(err, rc, "%s", e2.msg);
    }
    snprintf(detail, sizeof(detail), "{\"status\":\"%s\"}", out->id);
    rc = policy_audit_append(s, who, POLICY_AUDIT_PROVENANCE_READ, route, NULL, detail, err);
    if (rc < 0)
        store_status_clear(out);
    return rc;
}
