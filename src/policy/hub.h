/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub.h: the hub context, struct rk_hub, which every capability receives: the store and the
 * settings of the hub (API root, title, identity). policy_hub_load fills it from the store;
 * a capability that needs nothing else of the policy layer includes only this header.
 */
#ifndef RK_POLICY_HUB_H
#define RK_POLICY_HUB_H

#include <stddef.h>

#include "stix/stix.h"
#include "store/store.h"

/* The hub: the store and the settings every capability needs. */
struct rk_hub {
    struct store *store;
    char api_root[64];                 /* path segment of the single API root, e.g. "hub" */
    char title[128];                   /* API root and discovery title */
    size_t max_content_length;         /* bytes; advertised in the API root resource */
    char identity_id[STIX_ID_MAX + 1]; /* the hub's own STIX identity id */
};

/* Loads hub settings into hub (store must be initialised). */
int policy_hub_load(struct store *s, struct rk_hub *hub, struct rk_err *err);

#endif /* RK_POLICY_HUB_H */
