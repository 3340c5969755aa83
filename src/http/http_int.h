/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_int.h: internals of the http module that its unit tests reach directly: the
 * router, media type negotiation and the nesting pre-scan. Not for other modules.
 */
#ifndef RK_HTTP_INT_H
#define RK_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

/* Result of http_route_find when no route matched. */
#define HTTP_ROUTE_NONE   (-1) /* no pattern matches the path: 404 */
#define HTTP_ROUTE_METHOD (-2) /* the path matches under other methods only: 405 */

/*
 * Finds the route for method and path among routes. path is copied into scratch (which
 * must hold strlen(path) + 1 bytes, else HTTP_ROUTE_NONE) and cut into segments;
 * captures[] then point into scratch. Returns the route index, HTTP_ROUTE_NONE or
 * HTTP_ROUTE_METHOD; in the last case allow gets the comma-separated methods that would
 * match (truncated to allow_len).
 */
int http_route_find(const struct http_route *routes, size_t n, const char *method, const char *path,
                    char *scratch, size_t scratch_len, const char *captures[HTTP_MAX_CAPTURES],
                    char *allow, size_t allow_len);

/*
 * True if an Accept header value (NULL when absent) admits the TAXII media type:
 * application/taxii+json with version 2.1 or no version, application/<any> or <any>/<any>, with q >
 * 0.
 */
bool http_accept_taxii(const char *accept);

/* True if a Content-Type value is the TAXII media type (version 2.1 or none). */
bool http_content_type_taxii(const char *content_type);

#endif /* RK_HTTP_INT_H */
