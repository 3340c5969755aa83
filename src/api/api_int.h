/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_int.h: what the files of src/api share and nothing outside needs: the route tables of
 * the admin API's parts, which api_routes() concatenates.
 */
#ifndef RK_API_INT_H
#define RK_API_INT_H

#include "api/api.h"

/* The sharing-policy routes (policy document, audit log, provenance vault, credit), as
 * api_routes(): writes up to max routes into out, returns how many there are. */
size_t api_sharing_routes(struct rk_hub *hub, struct http_route *out, size_t max);

/* GET /api/v1/routes (routes.c), as api_routes(). */
size_t api_route_list_routes(struct rk_hub *hub, struct http_route *out, size_t max);

#endif /* RK_API_INT_H */
