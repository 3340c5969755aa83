/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c: the TAXII module's descriptor and the route table it hands to the HTTP router: one
 * line per endpoint of the specification, with the route name the audit log and
 * /api/v1/routes use.
 */
#include "taxii/taxii.h"
#include "taxii/taxii_int.h"

#define TX (HTTP_ROUTE_TAXII | HTTP_ROUTE_PUBLIC)

size_t taxii_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route routes[] = {
        {"GET", "/taxii2/", taxii_get_discovery, hub, TX, "taxii-discovery"},
        {"GET", "/{root}/", taxii_get_api_root, hub, TX, "taxii-api-root"},
        {"GET", "/{root}/status/{id}/", taxii_get_status, hub, TX, "taxii-status"},
        {"GET", "/{root}/collections/", taxii_get_collections, hub, TX, "taxii-collections"},
        {"GET", "/{root}/collections/{id}/", taxii_get_collection, hub, TX, "taxii-collection"},
        {"GET", "/{root}/collections/{id}/manifest/", taxii_get_manifest, hub, TX,
         "taxii-manifest"},
        {"GET", "/{root}/collections/{id}/objects/", taxii_get_objects, hub, TX, "taxii-objects"},
        {"POST", "/{root}/collections/{id}/objects/", taxii_add_objects, hub, TX,
         "taxii-add-objects"},
        {"GET", "/{root}/collections/{id}/objects/{oid}/", taxii_get_object, hub, TX,
         "taxii-object"},
        {"DELETE", "/{root}/collections/{id}/objects/{oid}/", taxii_delete_object, hub, TX,
         "taxii-delete-object"},
        {"GET", "/{root}/collections/{id}/objects/{oid}/versions/", taxii_get_versions, hub, TX,
         "taxii-versions"},
    };
    size_t n = sizeof(routes) / sizeof(routes[0]);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}

const struct module taxii_module = {
    .name = "taxii",
    .routes = taxii_routes,
};
