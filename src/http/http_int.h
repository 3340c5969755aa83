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
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

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
 * The route whose pattern starts with the most literal path segments that path also starts
 * with (at least one; the first such route on a tie), or -1. For the shape of a 404 or 405:
 * "/api/v1/nothing" is answered in the family of the /api/v1 routes.
 */
int http_route_nearest(const struct http_route *routes, size_t n, const char *path);

/*
 * True if an Accept header value (NULL when absent) admits the TAXII media type:
 * application/taxii+json with version 2.1 or no version, application/<any> or <any>/<any>, with q >
 * 0.
 */
bool http_accept_taxii(const char *accept);

/* True if a Content-Type value is the TAXII media type (version 2.1 or none). */
bool http_content_type_taxii(const char *content_type);

/* The content type static.c gives a file name by its extension (application/octet-stream for
 * an unknown one); static. */
const char *http_static_media(const char *name);

/* ---- the request head (head.c) ---------------------------------------------------------- */

#define HTTP_HEAD_MORE 0 /* http_head_parse: no complete head yet, and within the limit */
#define HTTP_HEAD_DONE 1 /* a head was parsed (status 0) or refused (status set) */

struct http_field {
    const char *name;  /* as sent, NUL-terminated in the connection's buffer */
    const char *value; /* without surrounding whitespace */
};

/* A request head cut in place in the bytes the client sent. */
struct http_head {
    const char *method;                        /* "GET"... */
    char *path;                                /* percent-decoded path, NUL-terminated */
    size_t path_len;                           /* bytes of path, a decoded NUL included */
    struct http_param params[HTTP_MAX_PARAMS]; /* decoded query parameters, in order */
    size_t n_params;
    struct http_field fields[HTTP_MAX_HEADERS];
    size_t n_fields;
    int minor;               /* HTTP/1.minor */
    size_t len;              /* bytes of the head, empty lines before it included */
    uint64_t content_length; /* with has_length; UINT64_MAX for any larger number */
    bool has_length;         /* a Content-Length was sent */
    bool chunked;            /* Transfer-Encoding: chunked */
    bool expect_continue;    /* Expect: 100-continue */
    bool has_host;           /* a Host header was sent */
    bool conn_close;         /* Connection: close */
    bool conn_keep_alive;    /* Connection: keep-alive */
    bool keep_alive;         /* the connection may serve another request after this one */
    int status;              /* with HTTP_HEAD_DONE: 0, or the status of the refusal */
    char error[96];          /* the refusal's description */
};

/*
 * Looks for a complete request head in buf[0..len) (the bytes a client sent on a connection,
 * from the start of a request; buf is written only once the head is complete). *scanned is
 * where the search resumes: 0 for a new request, then kept between calls. Returns
 * HTTP_HEAD_MORE while no head is complete and len <= max. Else returns HTTP_HEAD_DONE and
 * fills h: status 0 and the head cut in place in buf (pointers into buf), or the status of a
 * refusal (414 request line over max bytes, 400 malformed or a NUL or control byte in the
 * target, 400 more than HTTP_MAX_PARAMS query parameters, 431 head over max bytes or more than
 * HTTP_MAX_HEADERS fields, 505 not HTTP/1.x, 501/417 unsupported Transfer-Encoding/Expect,
 * 400 HTTP/1.1 without Host) with a description in h->error. Reads nothing beyond buf[len).
 */
int http_head_parse(char *buf, size_t len, size_t max, size_t *scanned, struct http_head *h);

/* The value of the first header field called name (case-insensitive), or NULL. */
const char *http_head_field(const struct http_head *h, const char *name);

/* ---- chunked bodies (chunked.c) --------------------------------------------------------- */

#define HTTP_CHUNKED_MORE 0 /* http_chunked_feed: all input used, the body goes on */
#define HTTP_CHUNKED_DONE 1 /* the last chunk and the trailers are in */

/* The decoder's state; zero it for a new body. */
struct http_chunked {
    int state;      /* where in the chunked syntax the next byte falls */
    uint64_t left;  /* the current chunk's size, then the data bytes still to come */
    size_t line;    /* bytes of the current size or trailer line */
    size_t trailer; /* bytes of all the trailers */
    bool digits;    /* the size line has a digit */
};

/*
 * Decodes in[0..len), the next bytes of a chunked body, appending chunk data to out and keeping
 * out->len <= max. *used gets the bytes of in consumed. Returns HTTP_CHUNKED_MORE (all of in
 * used), HTTP_CHUNKED_DONE (the body ended at in + *used; the rest is the next request), 400
 * (malformed: a bad size line, a missing CRLF after data, a line or the trailers too long) or
 * 413 (a chunk would take out past max). After an error the decoder must not be fed again.
 */
int http_chunked_feed(struct http_chunked *c, const char *in, size_t len, size_t *used,
                      struct rk_buf *out, size_t max);

/* ---- TLS (tls.c) ------------------------------------------------------------------------ */

#define HTTP_IO_AGAIN (-2) /* the operation would block: wait for the socket */
#define HTTP_IO_ERROR (-1) /* the connection failed */

struct http_tls;

/*
 * Credentials for TLS from PEM text (certificate chain, key) and a GnuTLS priority string.
 * Returns 0 and *out (freed with http_tls_free), or an error with err set.
 */
int http_tls_new(const char *cert_pem, const char *key_pem, const char *priorities,
                 struct http_tls **out, struct rk_err *err);
void http_tls_free(struct http_tls *t); /* NULL is a no-op; after every session is freed */

/* A server session on the non-blocking socket fd, or NULL; free it with http_tls_session_free. */
void *http_tls_session_new(struct http_tls *t, int fd);

/* Runs the handshake on: 0 once done, HTTP_IO_AGAIN to be called again when the socket is
 * ready, HTTP_IO_ERROR when it failed. */
int http_tls_handshake(void *session);

/* Reads or writes up to n bytes of plaintext: the count (0 on recv: end of stream),
 * HTTP_IO_AGAIN or HTTP_IO_ERROR. After HTTP_IO_AGAIN, send must be called again with the same
 * bytes. */
ssize_t http_tls_recv(void *session, void *buf, size_t n);
ssize_t http_tls_send(void *session, const void *buf, size_t n);

/* Frees a session (NULL is a no-op), first sending the closing alert if graceful. */
void http_tls_session_free(void *session, bool graceful);

/* ---- connections per client address (peers.c) ------------------------------------------ */

struct http_peers;

/* A table that admits at most max_per_addr connections per address (0: any number). */
struct http_peers *http_peers_new(unsigned max_per_addr);
void http_peers_free(struct http_peers *p); /* NULL is a no-op */

/* Counts one more connection from sa; false (nothing counted) if sa is at the limit. Any
 * thread. */
bool http_peers_take(struct http_peers *p, const struct sockaddr *sa);

/* Counts one connection from sa less (one that http_peers_take admitted). Any thread. */
void http_peers_give(struct http_peers *p, const struct sockaddr *sa);

/* ---- one request (server.c) on a connection of the event loop (loop.c) ------------------ */

#define HTTP_PATH_INLINE 256 /* a path up to this long is routed without an allocation */

/* One request and its response, from the head to the last byte sent. The loop owns it; the
 * server fills it. */
struct http_exchange {
    struct http_head head;     /* the request head, cut in place in the connection's buffer */
    struct http_request req;   /* what the handler sees */
    struct http_response resp; /* the answer */
    struct rk_buf body;        /* the request body as it arrives */
    struct http_conn *acct;    /* the connection's entry in the server's table */
    bool promoted;             /* this request made the connection a member's (long timeout) */
    bool json_route;           /* route is HTTP_ROUTE_JSON: errors in the admin API shape */
    bool authed;               /* authenticate already ran (before reading a body) */
    bool routed;               /* route is set */
    int route;                 /* index of the matched route, or HTTP_ROUTE_NONE / _METHOD */
    char allow[64];            /* with HTTP_ROUTE_METHOD: the methods that would match */
    char *scratch;             /* path copy the captures point into */
    char inline_path[HTTP_PATH_INLINE];
    rk_time_us started;                  /* when the head was complete, for the log line */
    const struct sockaddr_storage *peer; /* the client's address (the connection's) */
    size_t bytes_sent;                   /* bytes of the response body sent */
};

/* What the loop does next with a request whose head is in (http_server_on_head). */
enum http_next {
    HTTP_NEXT_BODY,     /* read the body (x->head says how), then http_server_on_request */
    HTTP_NEXT_DISPATCH, /* no body: http_server_on_request now */
    HTTP_NEXT_ANSWER,   /* x->resp holds a refusal: send it and close the connection */
};

/* The server's decision on a request head (refused or not, see x->head.status). */
enum http_next http_server_on_head(struct http_server *srv, struct http_exchange *x);

/* Fills x->resp for a request whose body (if any) is in x->body. */
void http_server_on_request(struct http_server *srv, struct http_exchange *x);

/* Fills x->resp with a refusal of the request's body (413 over the limit, 400 malformed). */
void http_server_refuse_body(struct http_server *srv, struct http_exchange *x, int status);

/* Fills resp with a TAXII error object; in the admin API's shape when json_route. */
void http_error_shaped(struct http_response *resp, int status, const char *description,
                       bool json_route);

/* Ends x (logs it, calls the completion hook, frees the principal, the body and the response)
 * and zeroes it for the next request. status is what was sent (0: nothing), x->bytes_sent the
 * bytes of the body sent. */
void http_server_end(struct http_server *srv, struct http_exchange *x, int status);

/* The reason phrase of a status ("Not Found"), also the title of its error objects. */
const char *http_reason(int status);

/* What the event loop needs to know. */
struct http_loop_config {
    int listen_fd;            /* bound and listening, non-blocking; the loop does not close it */
    unsigned threads;         /* worker threads */
    unsigned head_timeout_s;  /* idle timeout of connections no request authenticated on */
    unsigned timeout_s;       /* idle timeout of members' connections */
    size_t max_header;        /* bytes of a request head */
    size_t max_body;          /* bytes of a request body */
    struct http_tls *tls;     /* NULL: plain HTTP */
    struct http_conns *conns; /* the open connections: their limits and shedding */
    struct http_peers *peers; /* connections per client address */
    struct http_server *srv;  /* passed to the http_server_* calls */
};

struct http_loop;

/*
 * Starts cfg->threads workers that accept connections on cfg->listen_fd and serve them (cfg is
 * copied). Returns 0 and *out, or an error with err set.
 */
int http_loop_start(const struct http_loop_config *cfg, struct http_loop **out, struct rk_err *err);

/* Stops the workers, closes every connection (requests being handled finish first) and frees
 * l. NULL is a no-op. */
void http_loop_stop(struct http_loop *l);

/*
 * The connections of one server (conns.c). Each open connection has an entry; those on which
 * no request has authenticated are listed oldest first. Opening one more than max_unauth of
 * them, or one more than max_live connections in all, shuts the oldest of them down
 * (shutdown(2) on its socket: its own worker then sees the end of the stream and closes it);
 * a connection shut down so no longer counts as live. Every function may be called from any
 * thread.
 */
struct http_conns;
struct http_conn;

/* A new table for at most max_live connections, of which at most max_unauth (0 < max_unauth
 * <= max_live) without credentials; never NULL. */
struct http_conns *http_conns_new(unsigned max_live, unsigned max_unauth);

/* Frees c, whose entries must all be closed. NULL is a no-op. */
void http_conns_free(struct http_conns *c);

/*
 * Adds the connection whose socket is fd, as unauthenticated, and sheds the oldest ones beyond
 * the limits. Returns its entry, which http_conns_close frees, or NULL when members hold every
 * slot (the caller then closes fd). Call it when the connection is accepted; fd must stay open
 * until http_conns_close returns.
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

/* ---- starting: the listening socket (listen.c) and the TLS files (tls_files.c) ---------- */

/*
 * Opens a non-blocking TCP socket bound to addr (addrlen bytes) and listening with backlog;
 * IPv6 addresses are IPv6 only. 0 and *fd_out on success (the caller closes it). Otherwise
 * *fd_out is -1, nothing is left open and RK_E_IO with err "cannot listen on NAME: CALL:
 * REASON", REASON from http_listen_reason().
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
 * certificate's, the way the server's credentials (http_tls_new) will load them. 0 when they
 * will load; otherwise RK_E_INVALID with err naming the file at fault and the problem (a key
 * where the certificate should be, a certificate without its key...).
 */
int http_tls_check(const char *cert_path, const char *cert_pem, const char *key_path,
                   const char *key_pem, struct rk_err *err);

#endif /* RK_HTTP_INT_H */
