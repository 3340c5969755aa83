/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h: the HTTP/1.1 server: listening (plain or TLS 1.2+ through GnuTLS), size and time
 * limits, request bodies, routing by method and path pattern, content negotiation (TAXII,
 * JSON, or the media a route declares), responses in one buffer or streamed by a producer,
 * static files from a folder, and the error bodies of the two families. It knows nothing of
 * STIX, the store or policy: capabilities hand it route tables, and the authenticator is a
 * callback that sees the request's head.
 *
 * Every error response this module produces itself (404 no route, 405, 413, 400 bad
 * request line, 414 and 431 over the limits...) is a JSON error object of the route's family
 * (TAXII's, or the one of JSON routes), never HTML: the module parses every byte a client
 * sends itself.
 */
#ifndef RK_HTTP_H
#define RK_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "core/core.h"

#define HTTP_MAX_PARAMS       64  /* query parameters kept per request; more is a 400 */
#define HTTP_MAX_HEADERS      100 /* request header fields; more is a 431 */
#define HTTP_MAX_CAPTURES     4   /* {captures} in one route pattern */
#define HTTP_MAX_RESP_HEADERS 8   /* extra response headers */

struct http_head;

struct http_param {
    char *key;   /* decoded query key, e.g. "match[type]" */
    char *value; /* decoded value */
};

struct http_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* decoded path without the query string */
    struct http_param params[HTTP_MAX_PARAMS];
    size_t n_params;  /* in the order the client sent them; duplicates kept */
    const char *body; /* request body (NUL-terminated), NULL when empty */
    size_t body_len;
    const char *captures[HTTP_MAX_CAPTURES]; /* values of {name} segments of the route */
    void *principal;              /* set by the authenticator; freed by its free callback */
    const struct http_head *head; /* the parsed request head, for http_header() */
    const struct sockaddr *peer;  /* the client's address (the connection's) */
};

struct http_stream; /* the server's side of one streamed response body */

/* What a producer of a streamed body returns (or a negative RK_E code: it failed). */
enum http_produce {
    HTTP_PRODUCE_MORE = 0, /* bytes appended: call again once they are sent */
    HTTP_PRODUCE_WAIT = 1, /* nothing more now: call again after http_stream_wake() or wait_ms */
    HTTP_PRODUCE_END = 2,  /* the body is complete; the bytes appended by this call are its last */
};

/* Bytes a producer should append per call, at most: what it appends is sent before it is
 * called again, so this bounds the memory of a streamed response whatever its length. */
#define HTTP_STREAM_CHUNK ((size_t)64 * 1024)

/*
 * A producer appends the next bytes of the body to out (empty on every call), on the worker
 * thread that serves the connection, only once everything it produced before has been
 * handed to the socket (backpressure: a slow reader slows the producer down). It must not
 * block: with nothing to send yet it returns HTTP_PRODUCE_WAIT. MORE with nothing appended
 * counts as WAIT. stream identifies the response for http_stream_wake().
 */
typedef int (*http_produce_fn)(void *state, struct http_stream *stream, struct rk_buf *out);

/*
 * Called exactly once per streamed response, on the worker thread, when it is over:
 * complete is true when the last byte was handed to the socket, false when the client went
 * away (end of stream, reset, timeout), the producer failed, or the server stopped. It frees
 * state, and unregisters the stream from whatever calls http_stream_wake(): once it returns,
 * the stream no longer exists.
 */
typedef void (*http_stream_end_fn)(void *state, bool complete);

struct http_producer {
    http_produce_fn produce; /* required */
    http_stream_end_fn end;  /* may be NULL */
    void *state;             /* passed to both */
    unsigned wait_ms;        /* after HTTP_PRODUCE_WAIT, call produce again after this long
                                without a wake-up (an SSE keep-alive); 0: only when woken */
    bool sized;              /* the body's length is known: sent as Content-Length, without
                                chunks; producing more or fewer bytes is a failure */
    uint64_t length;         /* with sized: the body's bytes */
};

struct http_response {
    int status;               /* HTTP status, default 200 */
    const char *content_type; /* static string; default application/taxii+json;version=2.1 */
    struct rk_buf body;       /* response body */
    const char *hdr_name[HTTP_MAX_RESP_HEADERS];
    char *hdr_value[HTTP_MAX_RESP_HEADERS]; /* malloc'd, freed by the server */
    size_t n_headers;
    struct http_producer producer; /* with streamed: produces the body (http_response_stream) */
    bool streamed;                 /* the body is produced in pieces, body is unused */
    bool stream_complete;          /* set by the server: the last byte was sent */
};

/*
 * A handler fills resp. It returns 0 normally; a negative RK_E code makes the server send
 * http_error() with that code's status and err's message instead of resp.
 */
typedef int (*http_handler_fn)(void *ctx, struct http_request *req, struct http_response *resp,
                               struct rk_err *err);

enum http_route_flags {
    HTTP_ROUTE_TAXII = 1 << 0,  /* TAXII media types: Accept checked (406), and for POST
                                   the Content-Type (415) */
    HTTP_ROUTE_JSON = 1 << 1,   /* plain application/json API (admin API) */
    HTTP_ROUTE_PUBLIC = 1 << 2, /* reachable without credentials (healthz, discovery) */
};

/*
 * What a route produces when it is neither TAXII nor JSON, declared in its flags with
 * HTTP_ROUTE_PRODUCES(m). The server then answers 406 to a request whose Accept admits no
 * such type (http_accepts), gives the response that content type unless the handler sets
 * another, and writes the route's errors as JSON error objects (http_json_error).
 */
enum http_media {
    HTTP_MEDIA_DEFAULT = 0, /* by the other flags: the TAXII type, or application/json */
    HTTP_MEDIA_TEXT,        /* text/plain; charset=utf-8 */
    HTTP_MEDIA_CSV,         /* text/csv; charset=utf-8 (RFC 4180) */
    HTTP_MEDIA_ZONE,        /* text/dns: DNS zone file text (RFC 4027) */
    HTTP_MEDIA_HTML,        /* text/html; charset=utf-8 */
    HTTP_MEDIA_CSS,         /* text/css; charset=utf-8 */
    HTTP_MEDIA_JS,          /* text/javascript; charset=utf-8 */
    HTTP_MEDIA_EVENTS,      /* text/event-stream (server-sent events) */
    HTTP_MEDIA_ANY,         /* the handler's choice per response (static files): Accept not
                               checked, application/octet-stream unless set */
    HTTP_MEDIA_COUNT
};

#define HTTP_ROUTE_PRODUCES(m)  ((unsigned)(m) << 8)
#define HTTP_ROUTE_MEDIA(flags) ((enum http_media)(((flags) >> 8) & 0xffu))

/* The content type of m ("text/csv; charset=utf-8"), static; NULL for DEFAULT and ANY. */
const char *http_media_type(enum http_media m);

/*
 * True if an Accept header value (NULL when absent) admits media ("type/subtype", parameters
 * ignored): an absent or empty Accept, or a range with q > 0 that is <any>/<any>,
 * type/<any> or type/subtype (case-insensitive). Handlers that can answer in several types
 * use it to pick one.
 */
bool http_accepts(const char *accept, const char *media);

/*
 * One route. pattern is a path with {name} segments that capture one path segment each,
 * e.g. "/{root}/collections/{id}/objects/{oid}/". A pattern may end in {name...}, which
 * captures the rest of the path, slashes included (not empty), e.g. "/ui/{path...}"; such a
 * route loses to any other that matches. A trailing slash in the pattern also matches a
 * request without it.
 */
struct http_route {
    const char *method; /* "GET", "POST", "DELETE" */
    const char *pattern;
    http_handler_fn fn;
    void *ctx;        /* passed to fn */
    unsigned flags;   /* enum http_route_flags */
    const char *name; /* short name for logs and the route-enumeration test */
};

/*
 * Authenticates a request from what its head says: method, path, query parameters, any
 * header (Authorization, Cookie... through http_header()) and the client's address
 * (req->peer). The body is not there (req->body is NULL): a request that announces one is
 * authenticated before a byte of it is read. Returns 0 and sets *principal (may stay NULL
 * for an anonymous request), or RK_E_UNAUTH. The server rejects a request with RK_E_UNAUTH
 * as 401 before any handler runs, and frees the principal with free_principal when the
 * request ends.
 */
typedef int (*http_auth_fn)(void *ctx, const struct http_request *req, void **principal,
                            struct rk_err *err);

/*
 * What the server knows of a request once it is over, for the completion hook. Every
 * pointer is valid only during the hook's call.
 */
struct http_done {
    const struct http_request *req; /* method and path (NULL when the head was unreadable),
                                       principal, headers through http_header() */
    int route;                      /* index in the table http_server_start was given, or
                                       -1: no route matched, or the head was refused first */
    const struct sockaddr *peer;    /* the client's address */
    int status;                     /* status sent; 0 when the connection ended first */
    size_t bytes;                   /* bytes of the response body sent */
    rk_time_us started;             /* when the request head was complete (rk_time_now) */
    int64_t duration_us;            /* from then to the last byte sent */
};

/*
 * The completion hook: called once per request whose head was read, after its answer was
 * sent (or the connection ended), on the worker thread that served it, before the next
 * request of the connection is read. Called concurrently from every worker: it must be
 * thread-safe, short and must not block.
 */
typedef void (*http_done_fn)(void *ctx, const struct http_done *done);

struct http_config {
    const char *listen;        /* "127.0.0.1:8443", "[::1]:0", port 0 picks a free one */
    const char *tls_cert;      /* PEM file; NULL for plain HTTP */
    const char *tls_key;       /* PEM file; NULL for plain HTTP */
    size_t max_body;           /* bytes; a larger body is answered 413 without reading it */
    size_t max_header;         /* bytes of request line plus headers: a longer target is 414,
                                  a longer head 431; 0 picks 16 KiB */
    unsigned threads;          /* worker threads; 0 picks a default */
    unsigned timeout_s;        /* idle timeout, seconds, of connections on which a request
                                  authenticated; the others get at most 5 s */
    unsigned max_connections;  /* open connections; 0 picks 4096. Without credentials a
                                  connection may hold only three quarters of them: beyond,
                                  the oldest such connection is shut down */
    unsigned max_per_ip;       /* open connections from one client address; 0: no limit */
    http_auth_fn authenticate; /* may be NULL: everything anonymous */
    void (*free_principal)(void *principal);
    void *auth_ctx;
    http_done_fn on_done; /* may be NULL */
    void *done_ctx;       /* passed to on_done */
};

struct http_server;

/*
 * Starts serving routes (copied) with cfg (copied). Returns 0 and *out, or an error with err
 * saying what is wrong: a bad listen address; a TLS file that cannot be read, or holds no
 * usable certificate or key, or a key of another certificate (the file named; RK_E_INVALID
 * once read); RK_E_IO when the address cannot be bound or listened on (the cause in words,
 * e.g. "address already in use") or the server cannot start. Requests are handled on
 * internal threads.
 */
int http_server_start(const struct http_config *cfg, const struct http_route *routes,
                      size_t n_routes, struct http_server **out, struct rk_err *err);

/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *srv);

/* Stops accepting, finishes requests in flight, frees srv. NULL is a no-op. */
void http_server_stop(struct http_server *srv);

/* Value of request header name (case-insensitive), or NULL. */
const char *http_header(const struct http_request *req, const char *name);

/* Adds a response header; value is copied. */
void http_set_header(struct http_response *resp, const char *name, const char *value);

/*
 * The two error families. Each family's error bodies are written by one function, the one
 * below, whoever answers (the server itself or a handler):
 *
 * http_error: a TAXII error object {"title":..., "description":..., "http_status":"..."} into
 * resp with the given status and the TAXII media type (title NULL: the status's reason
 * phrase; description NULL or empty: left out). Used on TAXII routes and on any route
 * that is not HTTP_ROUTE_JSON.
 */
void http_error(struct http_response *resp, int status, const char *title, const char *description);

/*
 * http_json_error: the JSON error object of HTTP_ROUTE_JSON routes (the /api/v1 admin API,
 * /healthz, /metrics) into resp, as application/json:
 *   {"error": message, "title": reason phrase, "description": message, "http_status": "NNN"}
 * "error" is what API clients read; the other members are the TAXII error object's, so a
 * client of either family finds what it expects. message NULL or empty: the reason phrase.
 */
void http_json_error(struct http_response *resp, int status, const char *message);

/* Answers v (consumed; NULL answers "null") with status as application/json, replacing
 * whatever body resp held. Every JSON route's success answer. */
void http_reply_json(struct http_response *resp, int status, json_t *v);

/*
 * What a client reads instead of the detail of a 5xx error (a store's own message, a path
 * on disk): the detail goes to the server log. Handlers that write their own errors say the
 * same.
 */
#define HTTP_INTERNAL_MESSAGE "internal error; see the server log"

/*
 * Makes resp a streamed response: its body is produced piece by piece by p (copied) after
 * the handler returns, sent with Content-Length when p->sized, else with
 * Transfer-Encoding: chunked to HTTP/1.1 clients and until the connection closes to
 * HTTP/1.0 clients. Whatever resp's
 * body held is dropped. Status, content type and headers are the handler's as usual. From
 * this call on, p->end is called exactly once, whatever happens (a handler that then fails
 * gets it called with complete false, and its error is sent instead). To a HEAD request the
 * head is sent and p->produce never called. The connection stays with the stream while it
 * lasts: while the producer waits it is not subject to the idle timeout (a client that goes
 * away is noticed by the end of its stream); while the client does not read, it is.
 */
void http_response_stream(struct http_response *resp, const struct http_producer *p);

/*
 * Makes the server call the producer of stream again soon (it returned HTTP_PRODUCE_WAIT, or
 * will). Callable from any thread, as often as wanted, until the producer's end callback
 * returns: whatever holds stream must drop it inside that callback, under the lock it
 * calls this under.
 */
void http_stream_wake(struct http_stream *stream);

/*
 * Static files. http_static_new opens the folder root once (RK_E_IO with err naming it when it
 * cannot). http_static_serve is a route handler whose ctx is the struct http_static: mount it
 * for GET and HEAD on a pattern ending in {path...} (and on the bare prefix for the index),
 * with HTTP_ROUTE_PRODUCES(HTTP_MEDIA_ANY), e.g.
 *   {"GET", "/ui/{path...}", http_static_serve, st, HTTP_ROUTE_PUBLIC |
 *    HTTP_ROUTE_PRODUCES(HTTP_MEDIA_ANY), "ui"}
 * It answers the file named by the route's first capture (index.html without one, and for a
 * name that is a folder or ends in '/'), with its type by extension, ETag, Last-Modified,
 * Cache-Control: no-cache and nosniff; 304 to a matching If-None-Match (else
 * If-Modified-Since); files above HTTP_STREAM_CHUNK are streamed from disk. Anything else is
 * RK_E_NOTFOUND (a JSON 404 on such a route): names with an empty, "." or ".." component
 * (sent encoded too: the path is decoded before routing), hidden names (".git"), "%00",
 * control bytes, backslashes, symbolic links (not followed, even inside the folder), and
 * whatever is not a regular file. http_static_free(NULL) is a no-op; free it after the
 * server stopped.
 */
struct http_static;
int http_static_new(const char *root, struct http_static **out, struct rk_err *err);
void http_static_free(struct http_static *st);
int http_static_serve(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err);

/* Media types. */
#define HTTP_TAXII_MEDIA "application/taxii+json;version=2.1"
#define HTTP_JSON_MEDIA  "application/json"

#endif /* RK_HTTP_H */
