/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_int.h: internals of the http module that its unit tests reach directly: the
 * router, media type negotiation, the request target scan and the connection accounting.
 * Not for other modules.
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

/* What http_target_scan found in a request target. */
struct http_target {
    char *qmark;     /* the first '?', or NULL */
    size_t len;      /* bytes of the target */
    size_t n_params; /* query parameters libmicrohttpd will record */
    bool nul;        /* the target holds a NUL byte */
};

/*
 * Measures a request target as libmicrohttpd 0.9.75 hands it to the URI log callback: the
 * target in place in the request line, followed by "\0HTTP/d.d\0" (libmicrohttpd has cut the
 * version off there and checked it). The target may itself hold NUL bytes, which libmicrohttpd
 * accepts. Fills t: the length of the target up to the first "\0HTTP/d.d\0", whether a NUL
 * comes before it, the first '?', and the number of query parameters libmicrohttpd will record
 * (one per '&'-separated piece from that '?' to the next NUL, a last empty piece excepted).
 * Reads nothing beyond the request line's terminator.
 */
void http_target_scan(char *target, struct http_target *t);

/*
 * Decodes the percent-escapes ("%HH", two hex digits of either case) of the NUL-terminated
 * path or query piece s in place, as libmicrohttpd's own decoder would, except "%00": it stays
 * the three characters it is. A decoded NUL would end the string there, and the router, the
 * handlers and the query parser would all see less than the client sent
 * ("/hub/collections/%00x/objects/" read as "/hub/collections/"). A '%' without two hex
 * digits after it stays as it is. Returns the length of the result.
 */
size_t http_target_unescape(char *s);

/*
 * The connections of one server (conns.c). Each open connection has an entry; those on which
 * no request has authenticated are listed oldest first, and opening one more than max_unauth
 * of them shuts the oldest down (shutdown(2) on its socket: its own worker then sees the end of
 * the stream and closes it). Every function may be called from any thread.
 */
struct http_conns;
struct http_conn;

/* A new table that sheds beyond max_unauth (> 0) unauthenticated connections; never NULL. */
struct http_conns *http_conns_new(unsigned max_unauth);

/* Frees c, whose entries must all be closed. NULL is a no-op. */
void http_conns_free(struct http_conns *c);

/*
 * Adds the connection whose socket is fd, as unauthenticated, and sheds the oldest ones beyond
 * the limit. Returns its entry, which http_conns_close frees. Call it when libmicrohttpd reports
 * the connection started; fd must stay open until http_conns_close returns.
 */
struct http_conn *http_conns_open(struct http_conns *c, int fd);

/*
 * Marks e's connection as authenticated: it is never shed. Returns true the first time (the
 * caller then gives it the members' idle timeout), false after or for a NULL e. Call it only
 * from the connection's own thread.
 */
bool http_conns_promote(struct http_conns *c, struct http_conn *e);

/* Forgets and frees e (NULL is a no-op). Call it before the connection's socket is closed. */
void http_conns_close(struct http_conns *c, struct http_conn *e);

/* The number of unauthenticated connections listed now. */
unsigned http_conns_count_unauth(struct http_conns *c);

/*
 * Raises the soft limit on open files (RLIMIT_NOFILE) to want if the hard limit allows, and
 * returns how many of want the soft limit now covers (want itself when it covers them all).
 */
unsigned http_fd_limit_raise(unsigned want);

#endif /* RK_HTTP_INT_H */
