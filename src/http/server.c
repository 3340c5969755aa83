/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c: what the HTTP server does with a request once loop.c has its head: it enforces the
 * size limits, routes, authenticates, negotiates TAXII media types and turns every failure into
 * a TAXII error object, so that handlers only see sane requests. Also starts and stops the
 * server (listening socket, TLS credentials, connection limits, the event loop).
 */
#include "http/http_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY        ((size_t)100 * 1024 * 1024)
#define DEFAULT_MAX_HEADER      ((size_t)16 * 1024)
#define DEFAULT_TIMEOUT_S       30u
#define DEFAULT_MAX_CONNECTIONS 4096u
#define MAX_CONNECTIONS         (1u << 20)
#define MAX_THREADS             4096u
#define HEAD_TIMEOUT_S          5u /* idle timeout until a request on the connection authenticated */
#define TLS_PRIORITIES          "SECURE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define WWW_AUTHENTICATE        "Bearer realm=\"renkei\", Basic realm=\"renkei\""
#define TLS_FILE_MAX            ((size_t)1024 * 1024) /* a certificate chain or key file */
#define LISTEN_BACKLOG          1024
#define FD_SPARE                64u /* descriptors that are not connections: listen socket, stdio */
#define FD_PER_THREAD           6u /* a worker's epoll and wake-up descriptors, its database reader */

struct http_server {
    struct http_config cfg;    /* copy; string fields point at the copies below */
    char *listen;              /* copy of cfg.listen */
    struct http_route *routes; /* copy of the route table */
    size_t n_routes;
    int listen_fd;            /* the listening socket, or -1 */
    unsigned port;            /* port actually bound */
    unsigned head_timeout;    /* seconds: idle timeout until a request authenticated */
    struct http_tls *tls;     /* TLS credentials, or NULL for plain HTTP */
    struct http_conns *conns; /* open connections, for shedding those without credentials */
    struct http_peers *peers; /* open connections per client address */
    struct http_loop *loop;   /* the worker threads */
};

/* Bytes of a request body reserved before any arrives (Content-Length may promise more). */
#define BODY_RESERVE_MAX (1024 * 1024)

/* ---- responses ------------------------------------------------------------------------ */

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Entity";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return status >= 500 ? "Internal Server Error" : status >= 400 ? "Error" : "OK";
    }
}

void http_error(struct http_response *resp, int status, const char *title, const char *description)
{
    rk_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = HTTP_TAXII_MEDIA;
    rk_buf_puts(&resp->body, "{\"title\":");
    rk_buf_json_string(&resp->body, title != NULL ? title : http_reason(status));
    if (description != NULL && description[0] != '\0') {
        rk_buf_puts(&resp->body, ",\"description\":");
        rk_buf_json_string(&resp->body, description);
    }
    rk_buf_printf(&resp->body, ",\"http_status\":\"%d\"}", status);
}

void http_set_header(struct http_response *resp, const char *name, const char *value)
{
    /* Replace an earlier value of the same header rather than sending it twice. */
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (strcasecmp(resp->hdr_name[i], name) == 0) {
            free(resp->hdr_value[i]);
            resp->hdr_value[i] = rk_strdup(value);
            return;
        }
    }
    if (resp->n_headers == HTTP_MAX_RESP_HEADERS) {
        rk_log(RK_LOG_WARN, "http: response header %s dropped (too many headers)", name);
        return;
    }
    resp->hdr_name[resp->n_headers] = name;
    resp->hdr_value[resp->n_headers] = rk_strdup(value);
    resp->n_headers++;
}

void http_response_stream(struct http_response *resp, const struct http_producer *p)
{
    assert(p != NULL && p->produce != NULL);
    assert(!resp->streamed);
    rk_buf_free(&resp->body);
    resp->producer = *p;
    resp->streamed = true;
    resp->stream_complete = false;
}

/* Ends resp's stream, if it has one: its producer's end callback runs, once. */
static void stream_release(struct http_response *resp)
{
    if (!resp->streamed)
        return;
    resp->streamed = false;
    if (resp->producer.end != NULL)
        resp->producer.end(resp->producer.state, resp->stream_complete);
    resp->producer = (struct http_producer){0};
}

static void response_clear(struct http_response *resp)
{
    stream_release(resp);
    rk_buf_free(&resp->body);
    for (size_t i = 0; i < resp->n_headers; i++)
        free(resp->hdr_value[i]);
    resp->n_headers = 0;
}

void http_json_error(struct http_response *resp, int status, const char *message)
{
    const char *m = message != NULL && message[0] != '\0' ? message : http_reason(status);
    rk_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = HTTP_JSON_MEDIA;
    rk_buf_puts(&resp->body, "{\"error\":");
    rk_buf_json_string(&resp->body, m);
    rk_buf_puts(&resp->body, ",\"title\":");
    rk_buf_json_string(&resp->body, http_reason(status));
    rk_buf_puts(&resp->body, ",\"description\":");
    rk_buf_json_string(&resp->body, m);
    rk_buf_printf(&resp->body, ",\"http_status\":\"%d\"}", status);
}

void http_reply_json(struct http_response *resp, int status, json_t *v)
{
    /* 15 significant digits: a number written with at most 15 (a score rounded to 4
     * decimals, 0.5725) comes out as written, not as its nearest double's 17 digits. */
    char *s =
        v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) : NULL;

    resp->status = status;
    resp->content_type = HTTP_JSON_MEDIA;
    rk_buf_reset(&resp->body);
    rk_buf_puts(&resp->body, s != NULL ? s : "null");
    free(s);
    json_decref(v);
}

void http_error_shaped(struct http_response *resp, int status, const char *description,
                       bool json_route)
{
    if (json_route)
        http_json_error(resp, status, description);
    else
        http_error(resp, status, NULL, description);
    if (status == 401)
        http_set_header(resp, "WWW-Authenticate", WWW_AUTHENTICATE);
}

/* Fills x->resp with an error in the shape of the request's route; allow may be NULL. */
static void fail(struct http_exchange *x, int status, const char *description, const char *allow)
{
    response_clear(&x->resp);
    http_error_shaped(&x->resp, status, description, x->json_route);
    if (allow != NULL)
        http_set_header(&x->resp, "Allow", allow);
}

/* ---- requests ------------------------------------------------------------------------- */

const char *http_header(const struct http_request *req, const char *name)
{
    if (req == NULL || req->head == NULL)
        return NULL;
    return http_head_field(req->head, name);
}

/* Whether a route's errors are JSON error objects: JSON routes, and routes of another media
 * than TAXII's. */
static bool http_route_json_errors(unsigned flags)
{
    if (flags & HTTP_ROUTE_TAXII)
        return false;
    return (flags & HTTP_ROUTE_JSON) != 0 || HTTP_ROUTE_MEDIA(flags) != HTTP_MEDIA_DEFAULT;
}

/*
 * Finds the route for the request once (when the head is in if a body is announced, else at
 * dispatch): sets x->route, x->json_route and the captures (into x->scratch). A path holding a
 * decoded NUL byte matches no route.
 */
static int resolve_route(struct http_server *srv, struct http_exchange *x)
{
    if (!x->routed) {
        const struct http_head *h = &x->head;
        size_t need = h->path_len + 1;
        x->scratch = need <= sizeof(x->inline_path) ? x->inline_path : rk_malloc(need);
        if (strlen(h->path) != h->path_len)
            x->route = HTTP_ROUTE_NONE;
        else
            x->route = http_route_find(srv->routes, srv->n_routes, h->method, h->path, x->scratch,
                                       need, x->req.captures, x->allow, sizeof(x->allow));
        /* No route of this method: the error takes the shape of the nearest route's family. */
        int shape = x->route >= 0 ? x->route
                                  : http_route_nearest(srv->routes, srv->n_routes,
                                                       x->scratch != NULL ? h->path : "");
        x->json_route = shape >= 0 && http_route_json_errors(srv->routes[shape].flags);
        x->routed = true;
    }
    return x->route;
}

/*
 * Runs the configured authenticator on the request's head, once. A request
 * that authenticates makes its connection a member's: never shed, and idle for up to the
 * configured timeout rather than the short one every connection starts with.
 */
static int authenticate(struct http_server *srv, struct http_exchange *x, struct rk_err *err)
{
    x->authed = true;
    int rc = srv->cfg.authenticate(srv->cfg.auth_ctx, &x->req, &x->req.principal, err);
    if (rc == 0 && x->req.principal != NULL && http_conns_promote(srv->conns, x->acct))
        x->promoted = true;
    return rc;
}

enum http_next http_server_on_head(struct http_server *srv, struct http_exchange *x)
{
    const struct http_head *h = &x->head;
    x->req.method = h->method;
    x->req.path = h->path;
    x->req.head = h;
    x->req.peer = (const struct sockaddr *)x->peer;
    if (h->status == 0) { /* the authenticator may run before the body is read */
        assert(h->n_params <= HTTP_MAX_PARAMS); /* the parser refuses more */
        x->req.n_params = h->n_params;
        memcpy(x->req.params, h->params, h->n_params * sizeof(h->params[0]));
    }
    if (h->status != 0) {
        if (h->path != NULL)
            (void)resolve_route(srv, x); /* only to pick the shape of the error */
        fail(x, h->status, h->error, NULL);
        return HTTP_NEXT_ANSWER;
    }
    if (h->has_length && h->content_length > (uint64_t)srv->cfg.max_body) {
        /* Refused before a byte of the body is read: the client learns at once. */
        fail(x, 413, "request body exceeds the size limit", NULL);
        return HTTP_NEXT_ANSWER;
    }
    if (!(h->has_length && h->content_length > 0) && !h->chunked)
        return HTTP_NEXT_DISPATCH;
    /*
     * Every route that takes a body needs credentials, so a body from a client that has none
     * (or bad ones) is refused before it is read: nobody can make the server buffer bodies
     * without a valid token.
     */
    int idx = resolve_route(srv, x);
    if (idx == HTTP_ROUTE_METHOD) {
        fail(x, 405, "method not allowed on this resource", x->allow);
        return HTTP_NEXT_ANSWER;
    }
    if (idx < 0) {
        fail(x, 404, "no such resource", NULL);
        return HTTP_NEXT_ANSWER;
    }
    if (srv->cfg.authenticate != NULL) {
        struct rk_err err;
        rk_err_clear(&err);
        int rc = authenticate(srv, x, &err);
        if (rc < 0 || x->req.principal == NULL) {
            fail(x, 401, rc < 0 && err.msg[0] ? err.msg : "credentials required", NULL);
            return HTTP_NEXT_ANSWER;
        }
    }
    /* Reserve at most BODY_RESERVE_MAX up front; the rest grows as data arrives, so a promise
     * of a large body costs nothing until the bytes are really sent. */
    if (h->has_length)
        rk_buf_reserve(&x->body, (size_t)(h->content_length < BODY_RESERVE_MAX ? h->content_length
                                                                               : BODY_RESERVE_MAX));
    return HTTP_NEXT_BODY;
}

void http_server_refuse_body(struct http_server *srv, struct http_exchange *x, int status)
{
    (void)srv;
    rk_buf_free(&x->body);
    fail(x, status,
         status == 413 ? "request body exceeds the size limit" : "malformed chunked body", NULL);
}

void http_server_on_request(struct http_server *srv, struct http_exchange *x)
{
    const struct http_head *h = &x->head;
    struct http_response *resp = &x->resp;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    resp->status = 200;
    resp->content_type = HTTP_TAXII_MEDIA;
    x->req.body = x->body.len > 0 ? x->body.data : NULL;
    x->req.body_len = x->body.len;

    int idx = resolve_route(srv, x);
    if (idx == HTTP_ROUTE_METHOD) {
        fail(x, 405, "method not allowed on this resource", x->allow);
        return;
    }
    if (idx < 0) {
        fail(x, 404, "no such resource", NULL);
        return;
    }
    const struct http_route *route = &srv->routes[idx];

    if (srv->cfg.authenticate != NULL && !x->authed) {
        rc = authenticate(srv, x, &err);
        if (rc < 0) {
            fail(x, rc == RK_E_UNAUTH ? 401 : rk_http_status(rc),
                 err.msg[0] ? err.msg : "authentication failed", NULL);
            return;
        }
    }
    if (x->req.principal == NULL && !(route->flags & HTTP_ROUTE_PUBLIC)) {
        fail(x, 401, "credentials required", NULL);
        return;
    }

    if (route->flags & HTTP_ROUTE_TAXII) {
        if (!http_accept_taxii(http_head_field(h, "Accept"))) {
            fail(x, 406, "this resource is only served as " HTTP_TAXII_MEDIA, NULL);
            return;
        }
        if (strcmp(h->method, "POST") == 0 &&
            !http_content_type_taxii(http_head_field(h, "Content-Type"))) {
            fail(x, 415, "send the body as " HTTP_TAXII_MEDIA, NULL);
            return;
        }
    } else if (HTTP_ROUTE_MEDIA(route->flags) == HTTP_MEDIA_ANY) {
        resp->content_type = "application/octet-stream";
    } else if (HTTP_ROUTE_MEDIA(route->flags) != HTTP_MEDIA_DEFAULT) {
        const char *media = http_media_type(HTTP_ROUTE_MEDIA(route->flags));
        assert(media != NULL); /* a value of enum http_media */
        if (!http_accepts(http_head_field(h, "Accept"), media)) {
            char why[128];
            snprintf(why, sizeof(why), "this resource is only served as %.*s",
                     (int)strcspn(media, ";"), media);
            fail(x, 406, why, NULL);
            return;
        }
        resp->content_type = media;
    } else if (route->flags & HTTP_ROUTE_JSON) {
        resp->content_type = HTTP_JSON_MEDIA;
    }

    rc = route->fn(route->ctx, &x->req, resp, &err);
    if (rc < 0) {
        int status = rk_http_status(rc);
        const char *msg = err.msg[0] ? err.msg : rk_code_name(rc);
        if (status >= 500) {
            /* The detail (a store's own words among them) is for the operator only. */
            rk_log(RK_LOG_ERROR, "http: %s %s: %s", h->method, h->path, msg);
            msg = HTTP_INTERNAL_MESSAGE;
        }
        /* Keep headers the handler set (Allow, Location...), replace the body. */
        stream_release(resp);
        http_error_shaped(resp, status, msg, x->json_route);
    }
    if (resp->status < 100 || resp->status > 599)
        resp->status = 500;
    if (resp->status == 401)
        http_set_header(resp, "WWW-Authenticate", WWW_AUTHENTICATE);
}

void http_server_end(struct http_server *srv, struct http_exchange *x, int status)
{
    struct http_conn *acct = x->acct;
    const struct sockaddr_storage *peer = x->peer;
    int64_t took = rk_time_now() - x->started;
    rk_log(RK_LOG_DEBUG, "http: %s %s %d %lldus%s", x->req.method ? x->req.method : "-",
           x->req.path ? x->req.path : "-", status, (long long)took,
           status != 0 ? "" : " (aborted)");
    if (srv->cfg.on_done != NULL) {
        struct http_done d = {.req = &x->req,
                              .route = x->routed && x->route >= 0 ? x->route : -1,
                              .peer = (const struct sockaddr *)peer,
                              .status = status,
                              .bytes = x->bytes_sent,
                              .started = x->started,
                              .duration_us = took > 0 ? took : 0};
        srv->cfg.on_done(srv->cfg.done_ctx, &d);
    }
    if (x->req.principal != NULL && srv->cfg.free_principal != NULL)
        srv->cfg.free_principal(x->req.principal);
    rk_buf_free(&x->body);
    response_clear(&x->resp);
    if (x->scratch != x->inline_path)
        free(x->scratch);
    /* Only what the next request reads before writing is cleared: the head is rewritten by
     * the parser, and the request's parameters and captures with it. */
    x->req = (struct http_request){0};
    x->resp = (struct http_response){0};
    x->promoted = x->json_route = x->authed = x->routed = false;
    x->route = HTTP_ROUTE_NONE;
    x->scratch = NULL;
    x->bytes_sent = 0;
    x->acct = acct;
    x->peer = peer;
}

/* Parses "host:port" or "[v6]:port" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
                        struct rk_err *err)
{
    char host[256];
    const char *port;
    size_t hlen;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':')
            return rk_err_set(err, RK_E_INVALID, "listen address '%s': expected [v6]:port", listen);
        hlen = (size_t)(close - listen - 1);
        if (hlen >= sizeof(host))
            return rk_err_set(err, RK_E_INVALID, "listen address '%s' too long", listen);
        memcpy(host, listen + 1, hlen);
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (colon == NULL)
            return rk_err_set(err, RK_E_INVALID, "listen address '%s': expected host:port", listen);
        hlen = (size_t)(colon - listen);
        if (hlen >= sizeof(host))
            return rk_err_set(err, RK_E_INVALID, "listen address '%s' too long", listen);
        memcpy(host, listen, hlen);
        port = colon + 1;
    }
    host[hlen] = '\0';
    int64_t pn;
    if (rk_parse_int64(port, 0, 65535, &pn) != 0)
        return rk_err_set(err, RK_E_INVALID, "listen address '%s': bad port", listen);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(hlen > 0 ? host : NULL, port, &hints, &ai);
    if (gai != 0 || ai == NULL)
        return rk_err_set(err, RK_E_INVALID, "listen address '%s': %s", listen, gai_strerror(gai));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sslen = ai->ai_addrlen;
    *v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    return 0;
}

/*
 * Settles the connection limit (the default, at least one per worker, at most MAX_CONNECTIONS, and
 * within the open-file limit, raised if it can be) and makes the table that sheds connections
 * without credentials beyond three quarters of it: the last quarter is kept for connections on
 * which a request authenticated.
 */
static void connections_setup(struct http_server *srv)
{
    unsigned max = srv->cfg.max_connections;
    if (max == 0)
        max = DEFAULT_MAX_CONNECTIONS;
    if (max > MAX_CONNECTIONS)
        max = MAX_CONNECTIONS;
    if (max < srv->cfg.threads)
        max = srv->cfg.threads;
    /* Beyond the open-file limit accept() would fail before anything could be shed. */
    unsigned spare = FD_SPARE + FD_PER_THREAD * srv->cfg.threads;
    unsigned fds = http_fd_limit_raise(max + spare);
    if (fds < max + spare) {
        unsigned fit = fds > spare + srv->cfg.threads ? fds - spare : srv->cfg.threads;
        rk_log(RK_LOG_WARN, "http: the open-file limit (%u) allows %u connections, not %u", fds,
               fit, max);
        max = fit;
    }
    srv->cfg.max_connections = max;
    srv->conns = http_conns_new(max, max - max / 4);
}

/* Reads the PEM files and makes the TLS credentials. */
static int tls_setup(struct http_server *srv, const struct http_config *cfg, struct rk_err *err)
{
    char *cert = NULL, *key = NULL;
    int rc;
    if (cfg->tls_cert == NULL || cfg->tls_key == NULL)
        return rk_err_set(err, RK_E_INVALID, "TLS needs both a certificate and a key");
    rc = rk_read_file(cfg->tls_cert, TLS_FILE_MAX, true, &cert, NULL, err);
    if (rc == 0)
        rc = rk_read_file(cfg->tls_key, TLS_FILE_MAX, true, &key, NULL, err);
    if (rc == 0) /* names the file at fault, where GnuTLS's own error would not */
        rc = http_tls_check(cfg->tls_cert, cert, cfg->tls_key, key, err);
    if (rc == 0)
        rc = http_tls_new(cert, key, TLS_PRIORITIES, &srv->tls, err);
    if (key != NULL) {
        memset(key, 0, strlen(key)); /* the key stays only in GnuTLS's credentials */
        free(key);
    }
    free(cert);
    return rc;
}

int http_server_start(const struct http_config *cfg, const struct http_route *routes,
                      size_t n_routes, struct http_server **out, struct rk_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    bool v6 = false;
    int rc;
    struct http_server *srv = rk_calloc(1, sizeof(*srv));

    *out = NULL;
    srv->listen_fd = -1;
    srv->cfg = *cfg;
    if (srv->cfg.max_body == 0)
        srv->cfg.max_body = DEFAULT_MAX_BODY;
    if (srv->cfg.max_header == 0)
        srv->cfg.max_header = DEFAULT_MAX_HEADER;
    if (srv->cfg.timeout_s == 0)
        srv->cfg.timeout_s = DEFAULT_TIMEOUT_S;
    if (srv->cfg.threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        srv->cfg.threads = cpus > 0 ? (unsigned)cpus * 2 : 2;
    }
    if (srv->cfg.threads < 2)
        srv->cfg.threads = 2;
    if (srv->cfg.threads > MAX_THREADS)
        srv->cfg.threads = MAX_THREADS;
    connections_setup(srv);
    srv->peers = http_peers_new(srv->cfg.max_per_ip);
    srv->head_timeout = srv->cfg.timeout_s < HEAD_TIMEOUT_S ? srv->cfg.timeout_s : HEAD_TIMEOUT_S;
    srv->listen = rk_strdup(cfg->listen != NULL ? cfg->listen : "127.0.0.1:8470");
    srv->cfg.listen = srv->listen;
    srv->cfg.tls_cert = NULL;
    srv->cfg.tls_key = NULL;
    srv->routes = rk_calloc(n_routes ? n_routes : 1, sizeof(*routes));
    if (n_routes > 0)
        memcpy(srv->routes, routes, n_routes * sizeof(*routes));
    srv->n_routes = n_routes;

    rc = parse_listen(srv->listen, &ss, &sslen, &v6, err);
    if (rc < 0)
        goto out;
    if (cfg->tls_cert != NULL || cfg->tls_key != NULL) {
        rc = tls_setup(srv, cfg, err);
        if (rc < 0)
            goto out;
    }
    (void)v6; /* the family is in ss */
    rc = http_listen_open((const struct sockaddr *)&ss, sslen, srv->listen, LISTEN_BACKLOG,
                          &srv->listen_fd, err);
    if (rc < 0)
        goto out;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);
    if (getsockname(srv->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
        srv->port = ntohs(v6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                             : ((struct sockaddr_in *)&bound)->sin_port);

    struct http_loop_config lc = {
        .listen_fd = srv->listen_fd,
        .threads = srv->cfg.threads,
        .head_timeout_s = srv->head_timeout,
        .timeout_s = srv->cfg.timeout_s,
        .max_header = srv->cfg.max_header,
        .max_body = srv->cfg.max_body,
        .tls = srv->tls,
        .conns = srv->conns,
        .peers = srv->peers,
        .srv = srv,
    };
    rc = http_loop_start(&lc, &srv->loop, err);
    if (rc < 0)
        goto out;
    rk_log(RK_LOG_DEBUG, "http: listening on %s port %u with %u threads, %u connections",
           srv->listen, srv->port, srv->cfg.threads, srv->cfg.max_connections);
    *out = srv;
    return 0;
out:
    http_server_stop(srv);
    return rc;
}

unsigned http_server_port(const struct http_server *srv)
{
    return srv != NULL ? srv->port : 0;
}

void http_server_stop(struct http_server *srv)
{
    if (srv == NULL)
        return;
    http_loop_stop(srv->loop); /* closes every connection: their entries go */
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    http_conns_free(srv->conns);
    http_peers_free(srv->peers);
    http_tls_free(srv->tls);
    free(srv->listen);
    free(srv->routes);
    free(srv);
}
