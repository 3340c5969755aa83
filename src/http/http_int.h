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
#include <sys/socket.h>

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

/* ---- starting: the listening socket (listen.c) and the TLS files (tls.c) ---------------- */

/*
 * Opens a TCP socket bound to addr (addrlen bytes) and listening with backlog; IPv6
 * addresses are IPv6 only. 0 and *fd_out on success (the caller closes it, or hands it to
 * libmicrohttpd, which then does). Otherwise *fd_out is -1, nothing is left open and
 * RK_E_IO with err "cannot listen on NAME: CALL: REASON", REASON from http_listen_reason().
 */
int http_listen_open(const struct sockaddr *addr, socklen_t addrlen, const char *name, int backlog,
                     int *fd_out, struct rk_err *err);

/*
 * What errnum from socket(), bind() or listen() means for whoever starts the server, e.g.
 * "address already in use (another process listens on that port)"; strerror() for the
 * errors without advice. The text is static.
 */
const char *http_listen_reason(int errnum);

/*
 * Checks that cert_pem (read from cert_path) holds a PEM certificate chain, that key_pem
 * (from key_path) holds an unencrypted PEM private key, and that the key is the
 * certificate's, the way libmicrohttpd will load them. 0 when they will load; otherwise
 * RK_E_INVALID with err naming the file at fault and the problem (a key where the
 * certificate belongs, no readable PEM, a key of another certificate).
 */
int http_tls_check(const char *cert_path, const char *cert_pem, const char *key_path,
                   const char *key_pem, struct rk_err *err);

#endif /* RK_HTTP_INT_H */
