/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.c: what every TAXII handler checks first: that the path names this hub's API root,
 * who is asking, and whether the collection exists for them (without revealing one they may
 * neither read nor write).
 */
#include "taxii/taxii_int.h"
#include "policy/access.h"
#include "policy/admin.h"
#include "policy/cache.h"

#include <string.h>

static const struct policy_principal anonymous = {.authenticated = false,
                                                  .role = STORE_ROLE_READER};

const struct policy_principal *taxii_requester(const struct http_request *req)
{
    return req->principal != NULL ? req->principal : &anonymous;
}

int taxii_check_root(const struct rk_hub *hub, const struct http_request *req, struct rk_err *err)
{
    if (strcmp(req->captures[0], hub->api_root) != 0)
        return rk_err_set(err, RK_E_NOTFOUND, "no API root '%.64s'", req->captures[0]);
    return 0;
}

int taxii_load_collection(const struct rk_hub *hub, const struct policy_principal *who,
                          const char *id, struct store_collection *c, bool *can_read,
                          bool *can_write, struct rk_err *err)
{
    memset(c, 0, sizeof(*c));
    if (strlen(id) > POLICY_ALIAS_MAX) /* longer than any id or alias */
        return rk_err_set(err, RK_E_NOTFOUND, "no collection '%.64s...'", id);
    struct rk_err e2;
    /* Its id, else its alias (cached in the server); what is answered names its id. */
    int rc = policy_collection_get(hub->store, id, c, &e2);
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_NOTFOUND, "no collection '%s'", id);
    if (rc < 0)
        return rk_err_set(err, rc, "%s", e2.msg);
    *can_read = policy_may_read_collection(who, c);
    *can_write = policy_may_write_collection(who, c);
    if (!*can_read && !*can_write) {
        store_collection_clear(c);
        return rk_err_set(err, RK_E_NOTFOUND, "no collection '%s'", id);
    }
    return 0;
}
