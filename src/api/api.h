/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h: renkei's own JSON API at /api/v1/ for the coordinator (organisations, tokens,
 * collections), and /healthz. The operations are the same policy_* functions the command
 * line calls, so both fronts obey the same rules.
 */
#ifndef RK_API_H
#define RK_API_H

#include <stddef.h>

#include "http/http.h"
#include "policy/policy.h"

/* As taxii_routes(): writes up to max routes into out, returns how many there are. */
size_t api_routes(struct rk_hub *hub, struct http_route *out, size_t max);

#endif /* RK_API_H */
