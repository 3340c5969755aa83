/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taxii.h: the TAXII 2.1 interface of the hub: discovery, API root, status, collections,
 * collection, objects (GET, POST), object (GET, DELETE), versions and manifest, with every
 * filter of the specification. Handlers parse and check requests, hand posted envelopes to
 * policy_ingest, and read only through policy_query, the access check.
 */
#ifndef RK_TAXII_H
#define RK_TAXII_H

#include <stddef.h>

#include "http/http.h"
#include "module/module.h"
#include "policy/hub.h"

/* The TAXII capability as serve runs it: its routes, nothing in the background. */
extern const struct module taxii_module;

/*
 * Writes the TAXII routes for hub into out (at most max) and returns how many there are
 * (which may exceed max: call again with a larger array). hub must outlive the server.
 */
size_t taxii_routes(struct rk_hub *hub, struct http_route *out, size_t max);

#endif /* RK_TAXII_H */
