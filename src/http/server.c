/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c: the HTTP server over libmicrohttpd. It enforces size, time and connection limits,
 * reads bodies into a capped buffer, routes, authenticates, negotiates TAXII media types and
 * turns every failure into a TAXII error object, so that handlers only see sane requests.
 */
#include "http/http_int.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <assert.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define PATH_INLINE             256
#define TLS_FILE_MAX            ((size_t)1024 * 1024) /* a certificate chain or key file */
/* libmicrohttpd 0.9.75 keeps every header field and query parameter of a request as a record in
 * the connection's pool: a 56-byte struct MHD_HTTP_Header rounded up to 16-byte alignment. */
#define MHD_RECORD_BYTES 64u
#define REPLY_HEAD_BYTES 2048u /* the largest response head this server sends, with room */
#define FD_SPARE         64u   /* descriptors that are not connections: listen socket, stdio... */
#define FD_PER_THREAD    6u    /* a worker's epoll and wake-up descriptors, its database reader */

struct http_server {
    struct MHD_Daemon *daemon; /* the libmicrohttpd daemon */
    struct http_config cfg;    /* copy; string fields point at the copies below */
    char *listen;              /* copy of cfg.listen */
    char *cert_pem;            /* TLS certificate, PEM text, or NULL */
    char *key_pem;             /* TLS key, PEM text, or NULL */
    struct http_route *routes; /* copy of the route table */
    size_t n_routes;
    unsigned port;            /* port actually bound */
    unsigned head_timeout;    /* seconds: libmicrohttpd's default timeout, see authenticate */
    struct http_conns *conns; /* open connections, for shedding those without credentials */
};

/* Bytes of a request body reserved before any arrives (Content-Length may promise more). */
#define BODY_RESERVE_MAX (1024 * 1024)

/* State of one request, from its headers to the end of its response. */
struct conn_req {
    struct http_server *srv;
    struct http_request req;
    struct rk_buf body; /* request body as it arrives */
    bool too_big;       /* body exceeded max_body: answer 413 */
    bool answered;      /* a response has been queued */
    bool json_route;    /* route is HTTP_ROUTE_JSON: errors in the admin API shape */
    bool authed;        /* authenticate already ran (before reading a body) */
    bool head_seen;     /* on_request has been called: the headers are in */
    int refused;        /* status for a request over the limits (414, 400, 431), or 0 */
    char refusal[80];   /* description of that refusal */
    int route;          /* index of the matched route, or HTTP_ROUTE_NONE / _METHOD */
    bool routed;        /* route is set */
    char allow[64];     /* with HTTP_ROUTE_METHOD: the methods that would match */
    int status;         /* status sent, for the log line */
    size_t n_args;      /* query arguments seen (may exceed HTTP_MAX_PARAMS) */
    char *scratch;      /* path copy the captures point into */
    char inline_path[PATH_INLINE];
    rk_time_us started;
};

/* ---- responses ------------------------------------------------------------------------ */

static const char *status_title(int status)
{
    switch (status) {
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
    case 422:
        return "Unprocessable Entity";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

void http_error(struct http_response *resp, int status, const char *title, const char *description)
{
    rk_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = HTTP_TAXII_MEDIA;
    rk_buf_puts(&resp->body, "{\"title\":");
    rk_buf_json_string(&resp->body, title != NULL ? title : status_title(status));
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

static void response_clear(struct http_response *resp)
{
    rk_buf_free(&resp->body);
    for (size_t i = 0; i < resp->n_headers; i++)
        free(resp->hdr_value[i]);
    resp->n_headers = 0;
}

/* Hands resp to MHD (the body buffer is stolen, not copied) and clears resp. */
static enum MHD_Result send_response(struct conn_req *cr, struct MHD_Connection *conn,
                                     struct http_response *resp)
{
    size_t len = resp->body.len;
    char *data = rk_buf_steal(&resp->body);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret = MHD_NO;
    if (r == NULL) {
        free(data);
        goto out;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type != NULL ? resp->content_type : HTTP_TAXII_MEDIA);
    for (size_t i = 0; i < resp->n_headers; i++)
        MHD_add_response_header(r, resp->hdr_name[i], resp->hdr_value[i]);
    if (resp->status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, WWW_AUTHENTICATE);
    cr->status = resp->status;
    cr->answered = true;
    ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
out:
    response_clear(resp);
    return ret;
}

/*
 * The admin API's clients read {"error": "..."} with application/json; the TAXII members
 * are kept beside it so that one error shape serves both kinds of client.
 */
static void json_api_error(struct http_response *resp)
{
    if (resp->body.len > 1 && resp->body.data[0] == '{') {
        struct rk_buf b = RK_BUF_INIT;
        const char *d = strstr(resp->body.data, "\"description\":");
        rk_buf_puts(&b, "{\"error\":");
        if (d != NULL) {
            /* The description is a JSON string literal up to the next ",\"http_status\"". */
            const char *v = d + strlen("\"description\":");
            const char *end = strstr(v, ",\"http_status\":");
            rk_buf_append(&b, v, end != NULL ? (size_t)(end - v) : 2);
        } else {
            rk_buf_json_string(&b, status_title(resp->status));
        }
        rk_buf_putc(&b, ',');
        rk_buf_append(&b, resp->body.data + 1, resp->body.len - 1);
        rk_buf_free(&resp->body);
        resp->body = b;
    }
    resp->content_type = HTTP_JSON_MEDIA;
}

static enum MHD_Result send_error(struct conn_req *cr, struct MHD_Connection *conn, int status,
                                  const char *description, const char *allow)
{
    struct http_response resp = {.status = status};
    http_error(&resp, status, NULL, description);
    if (cr->json_route)
        json_api_error(&resp);
    if (allow != NULL)
        http_set_header(&resp, MHD_HTTP_HEADER_ALLOW, allow);
    return send_response(cr, conn, &resp);
}

/* ---- requests ------------------------------------------------------------------------- */

const char *http_header(const struct http_request *req, const char *name)
{
    if (req == NULL || req->conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct conn_req *cr = cls;
    (void)kind;
    if (cr->req.n_params < HTTP_MAX_PARAMS) {
        struct http_param *p = &cr->req.params[cr->req.n_params++];
        /* MHD keeps these strings for the life of the request; they are never written. */
        p->key = (char *)(key != NULL ? key : "");
        p->value = (char *)(value != NULL ? value : "");
    }
    cr->n_args++;
    return MHD_YES;
}

/*
 * Finds the route for the request once (on the first call when a body is announced, else at
 * dispatch): sets cr->route, cr->json_route and the captures (into cr->scratch).
 */
static int resolve_route(struct conn_req *cr, const char *url, const char *method)
{
    if (!cr->routed) {
        size_t need = strlen(url) + 1;
        cr->scratch = need <= sizeof(cr->inline_path) ? cr->inline_path : rk_malloc(need);
        cr->route = http_route_find(cr->srv->routes, cr->srv->n_routes, method, url, cr->scratch,
                                    need, cr->req.captures, cr->allow, sizeof(cr->allow));
        cr->json_route =
            cr->route >= 0 && (cr->srv->routes[cr->route].flags & HTTP_ROUTE_JSON) != 0;
        cr->routed = true;
    }
    return cr->route;
}

/*
 * Runs the configured authenticator on the request's Authorization header, once. A request
 * that authenticates makes its connection a member's: never shed, and idle for up to the
 * configured timeout rather than the short one every connection starts with.
 */
static int authenticate(struct conn_req *cr, struct MHD_Connection *conn, struct rk_err *err)
{
    struct http_server *srv = cr->srv;
    const char *authz =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    cr->authed = true;
    int rc = srv->cfg.authenticate(srv->cfg.auth_ctx, authz, &cr->req.principal, err);
    if (rc == 0 && cr->req.principal != NULL) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (ci != NULL && http_conns_promote(srv->conns, ci->socket_context) &&
            srv->cfg.timeout_s != srv->head_timeout)
            MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, srv->cfg.timeout_s);
    }
    return rc;
}

/* Marks the request to be refused with status and a description, once its headers are in. */
__attribute__((format(printf, 3, 4))) static void refuse(struct conn_req *cr, int status,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cr->refusal, sizeof(cr->refusal), fmt, ap);
    va_end(ap);
    cr->refused = status;
}

static struct conn_req *req_new(struct http_server *srv)
{
    struct conn_req *cr = rk_calloc(1, sizeof(*cr));
    cr->srv = srv;
    cr->started = rk_time_now();
    return cr;
}

/*
 * libmicrohttpd calls this with the raw request target when the request line is in, before it
 * parses the query; its return value becomes the request's state (*con_cls). A target over the
 * limits is marked for refusal here. libmicrohttpd 0.9.75 keeps a record per query parameter
 * in the connection's fixed pool, and when a long query exhausts the pool it never answers; so
 * the query of a refused target is cut (a NUL after its '?') and libmicrohttpd parses none of
 * it. The target lies in libmicrohttpd's own buffer, which it cuts and decodes in place itself
 * right after this call.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *srv = cls;
    struct conn_req *cr = req_new(srv);
    struct http_target t;
    (void)conn;
    assert(uri != NULL);
    http_target_scan((char *)(uintptr_t)uri, &t);
    if (t.len > srv->cfg.max_header)
        refuse(cr, 414, "request target longer than %zu bytes", srv->cfg.max_header);
    else if (t.nul) /* libmicrohttpd would route the path up to the NUL only */
        refuse(cr, 400, "NUL byte in the request target");
    else if (t.n_params > HTTP_MAX_PARAMS)
        refuse(cr, 400, "too many query parameters (more than %d)", HTTP_MAX_PARAMS);
    if (cr->refused != 0 && t.qmark != NULL)
        t.qmark[1] = '\0';
    return cr;
}

/* libmicrohttpd's decoder of the path and of each query key and value: http_target_unescape,
 * which keeps a percent-encoded NUL from cutting them short. */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return http_target_unescape(s);
}

/* Refuses a request head over the limits: more than max_header bytes or HTTP_MAX_HEADERS fields. */
static void check_head(struct conn_req *cr, struct MHD_Connection *conn)
{
    size_t max = cr->srv->cfg.max_header;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (ci != NULL && ci->header_size > max)
        refuse(cr, 431, "request line and headers longer than %zu bytes", max);
    else if (MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL) > HTTP_MAX_HEADERS)
        refuse(cr, 431, "more than %d header fields", HTTP_MAX_HEADERS);
}

static enum MHD_Result dispatch(struct conn_req *cr, struct MHD_Connection *conn, const char *url,
                                const char *method)
{
    struct http_server *srv = cr->srv;
    struct http_response resp = {.status = 200, .content_type = HTTP_TAXII_MEDIA};
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    cr->req.method = method;
    cr->req.path = url;
    cr->req.conn = conn;
    cr->req.body = cr->body.len > 0 ? cr->body.data : NULL;
    cr->req.body_len = cr->body.len;

    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, cr);
    if (cr->n_args > HTTP_MAX_PARAMS)
        return send_error(cr, conn, 400, "too many query parameters", NULL);

    int idx = resolve_route(cr, url, method);
    if (idx == HTTP_ROUTE_METHOD)
        return send_error(cr, conn, 405, "method not allowed on this resource", cr->allow);
    if (idx < 0)
        return send_error(cr, conn, 404, "no such resource", NULL);
    const struct http_route *route = &srv->routes[idx];

    if (srv->cfg.authenticate != NULL && !cr->authed) {
        rc = authenticate(cr, conn, &err);
        if (rc < 0)
            return send_error(cr, conn, rc == RK_E_UNAUTH ? 401 : rk_http_status(rc),
                              err.msg[0] ? err.msg : "authentication failed", NULL);
    }
    if (cr->req.principal == NULL && !(route->flags & HTTP_ROUTE_PUBLIC))
        return send_error(cr, conn, 401, "credentials required", NULL);

    if (route->flags & HTTP_ROUTE_TAXII) {
        const char *accept =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
        if (!http_accept_taxii(accept))
            return send_error(cr, conn, 406, "this resource is only served as " HTTP_TAXII_MEDIA,
                              NULL);
        if (strcmp(method, "POST") == 0) {
            const char *ct =
                MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
            if (!http_content_type_taxii(ct))
                return send_error(cr, conn, 415, "send the body as " HTTP_TAXII_MEDIA, NULL);
        }
    } else if (route->flags & HTTP_ROUTE_JSON) {
        resp.content_type = HTTP_JSON_MEDIA;
    }

    rc = route->fn(route->ctx, &cr->req, &resp, &err);
    if (rc < 0) {
        int status = rk_http_status(rc);
        /* Keep headers the handler set (Allow, Location...), replace the body. */
        http_error(&resp, status, NULL, err.msg[0] ? err.msg : rk_code_name(rc));
        if (cr->json_route)
            json_api_error(&resp);
    }
    if (resp.status < 100 || resp.status > 599)
        resp.status = 500;
    return send_response(cr, conn, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct conn_req *cr = *con_cls;
    (void)version;

    if (cr == NULL) { /* on_uri makes it; this is a safety net */
        cr = req_new(srv);
        *con_cls = cr;
    }
    if (!cr->head_seen) {
        cr->head_seen = true;
        if (cr->refused == 0)
            check_head(cr, conn);
        if (cr->refused != 0) {
            (void)resolve_route(cr, url, method); /* only to pick the shape of the error */
            return send_error(cr, conn, cr->refused, cr->refusal, NULL);
        }
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            int64_t n;
            if (rk_parse_int64(cl, 0, INT64_MAX, &n) != 0)
                return send_error(cr, conn, 400, "malformed Content-Length", NULL);
            /* Refuse before reading a byte of the body: the client learns at once. */
            if ((uint64_t)n > (uint64_t)srv->cfg.max_body)
                return send_error(cr, conn, 413, "request body exceeds the size limit", NULL);
            /* Reserve at most BODY_RESERVE_MAX up front; the rest grows as data arrives, so
             * a promise of a large body costs nothing until the bytes are really sent. */
            if (n > 0)
                rk_buf_reserve(&cr->body, (size_t)(n < BODY_RESERVE_MAX ? n : BODY_RESERVE_MAX));
        }
        /*
         * Every route that takes a body needs credentials, so a body from a client that has
         * none (or bad ones) is refused before it is read: nobody can make the server buffer
         * bodies without a valid token.
         */
        bool has_body = (cl != NULL && strcmp(cl, "0") != 0) ||
                        MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
        if (has_body) {
            int idx = resolve_route(cr, url, method);
            if (idx == HTTP_ROUTE_METHOD)
                return send_error(cr, conn, 405, "method not allowed on this resource", cr->allow);
            if (idx < 0)
                return send_error(cr, conn, 404, "no such resource", NULL);
            if (srv->cfg.authenticate != NULL) {
                struct rk_err err;
                rk_err_clear(&err);
                int rc = authenticate(cr, conn, &err);
                if (rc < 0 || cr->req.principal == NULL)
                    return send_error(cr, conn, 401,
                                      rc < 0 && err.msg[0] ? err.msg : "credentials required",
                                      NULL);
            }
        }
        /*
         * Answering on this first call would make MHD close a keep-alive connection, so
         * even bodiless requests are dispatched on the next call.
         */
        return MHD_YES;
    }
    if (cr->answered)
        return MHD_YES;
    if (*upload_data_size > 0) {
        if (!cr->too_big) {
            if (*upload_data_size > srv->cfg.max_body - cr->body.len) {
                cr->too_big = true;
                rk_buf_free(&cr->body);
                /* Answer while the body still streams; MHD closes the connection after. */
                if (send_error(cr, conn, 413, "request body exceeds the size limit", NULL) ==
                    MHD_YES) {
                    *upload_data_size = 0;
                    return MHD_YES;
                }
                cr->answered = false;
            } else {
                rk_buf_append(&cr->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (cr->too_big)
        return send_error(cr, conn, 413, "request body exceeds the size limit", NULL);
    return dispatch(cr, conn, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct conn_req *cr = *con_cls;
    (void)conn;
    if (cr == NULL)
        return;
    rk_log(RK_LOG_DEBUG, "http: %s %s %d %lldus%s", cr->req.method ? cr->req.method : "-",
           cr->req.path ? cr->req.path : "-", cr->status, (long long)(rk_time_now() - cr->started),
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    if (cr->req.principal != NULL && srv->cfg.free_principal != NULL)
        srv->cfg.free_principal(cr->req.principal);
    rk_buf_free(&cr->body);
    if (cr->scratch != cr->inline_path)
        free(cr->scratch);
    free(cr);
    *con_cls = NULL;
}

/*
 * Every connection has an entry in srv->conns from its start to its close (its socket context),
 * so that a flood of connections without credentials sheds the oldest of them instead of
 * taking the slots members need. libmicrohttpd reports the close before it closes the socket.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci != NULL ? http_conns_open(srv->conns, ci->connect_fd) : NULL;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_conns_close(srv->conns, *socket_context);
        *socket_context = NULL;
    }
}

/* libmicrohttpd hands us its own printf-style format; the attribute tells the compiler so. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    rk_log(RK_LOG_DEBUG, "http: libmicrohttpd: %s", line);
}

/* ---- starting and stopping ------------------------------------------------------------- */

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
 * Settles the connection limit (the default, at least one per worker since libmicrohttpd splits
 * the limit among them, at most MAX_CONNECTIONS, and within the open-file limit, raised if it
 * can be) and makes the table that sheds connections without credentials beyond three
 * quarters of it: the last quarter is kept for connections on which a request authenticated.
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
    srv->conns = http_conns_new(max - max / 4);
}

int http_server_start(const struct http_config *cfg, const struct http_route *routes,
                      size_t n_routes, struct http_server **out, struct rk_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    bool v6 = false;
    int rc;
    struct http_server *srv = rk_calloc(1, sizeof(*srv));

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
    srv->head_timeout = srv->cfg.timeout_s < HEAD_TIMEOUT_S ? srv->cfg.timeout_s : HEAD_TIMEOUT_S;
    srv->listen = rk_strdup(cfg->listen != NULL ? cfg->listen : "127.0.0.1:8470");
    srv->cfg.listen = srv->listen;
    srv->routes = rk_calloc(n_routes ? n_routes : 1, sizeof(*routes));
    if (n_routes > 0)
        memcpy(srv->routes, routes, n_routes * sizeof(*routes));
    srv->n_routes = n_routes;

    rc = parse_listen(srv->listen, &ss, &sslen, &v6, err);
    if (rc < 0)
        goto out;

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    bool tls = cfg->tls_cert != NULL || cfg->tls_key != NULL;
    if (tls) {
        if (cfg->tls_cert == NULL || cfg->tls_key == NULL) {
            rc = rk_err_set(err, RK_E_INVALID, "TLS needs both a certificate and a key");
            goto out;
        }
        rc = rk_read_file(cfg->tls_cert, TLS_FILE_MAX, true, &srv->cert_pem, NULL, err);
        if (rc < 0)
            goto out;
        rc = rk_read_file(cfg->tls_key, TLS_FILE_MAX, true, &srv->key_pem, NULL, err);
        if (rc < 0)
            goto out;
        flags |= MHD_USE_TLS;
    }
    srv->cfg.tls_cert = NULL;
    srv->cfg.tls_key = NULL;

    /*
     * libmicrohttpd keeps the request head, a record per header field and query parameter, and
     * then the response head in one fixed pool per connection. The pool holds the largest head
     * within the limits (max_header bytes, HTTP_MAX_HEADERS fields, HTTP_MAX_PARAMS parameters)
     * and the response head, so every such request is answered; a head over the limits that
     * still fits is refused by on_request with a JSON error. Longer heads exhaust the pool and
     * libmicrohttpd answers 414 or 431 itself (docs/internals/http.md).
     */
    size_t mem_limit = srv->cfg.max_header +
                       (size_t)(HTTP_MAX_HEADERS + HTTP_MAX_PARAMS) * MHD_RECORD_BYTES +
                       REPLY_HEAD_BYTES;

    struct MHD_OptionItem opts[16];
    size_t no = 0;
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads, NULL};
    /* Connections start with the short timeout, which keeps a flood of them on libmicrohttpd's
     * sorted timeout list; it checks every connection with a timeout of its own on each turn
     * of its event loop, so only members' connections get one (authenticate). */
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, srv->head_timeout, NULL};
    opts[no++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)mem_limit, NULL};
    opts[no++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_connections, NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    if (srv->cfg.max_per_ip > 0)
        opts[no++] =
            (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.max_per_ip, NULL};
    if (tls) {
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert_pem};
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key_pem};
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                             (void *)(uintptr_t)TLS_PRIORITIES};
    }
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_UNESCAPE_CALLBACK, on_unescape,
        NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        rc = rk_err_set(err, RK_E_IO,
                        "cannot listen on %s (address in use, not permitted, or bad TLS files)",
                        srv->listen);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? info->port : 0;
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
    if (srv->daemon != NULL)
        MHD_stop_daemon(srv->daemon); /* closes every connection: their entries go */
    http_conns_free(srv->conns);
    free(srv->listen);
    free(srv->cert_pem);
    free(srv->key_pem);
    free(srv->routes);
    free(srv);
}
