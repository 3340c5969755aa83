/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_http.c: the HTTP layer on its own: router, media type negotiation, error bodies, and
 * a real server on an ephemeral port driven by a raw socket client (limits, auth, slow
 * clients, keep-alive).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"
#include "http/http_int.h"
#include "loopback.h"

/* ---- router ------------------------------------------------------------------------------ */

static int h_dummy(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    (void)ctx, (void)req, (void)resp, (void)err;
    return 0;
}

static const struct http_route table[] = {
    {"GET", "/taxii2/", h_dummy, NULL, 0, "discovery"},
    {"GET", "/{root}/collections/{id}/objects/", h_dummy, NULL, 0, "objects"},
    {"POST", "/{root}/collections/{id}/objects/", h_dummy, NULL, 0, "add"},
    {"GET", "/{root}/collections/{id}/objects/{oid}/", h_dummy, NULL, 0, "object"},
    {"DELETE", "/{root}/collections/{id}/objects/{oid}/", h_dummy, NULL, 0, "delete"},
    {"GET", "/{root}/", h_dummy, NULL, 0, "root"},
    {"GET", "/healthz", h_dummy, NULL, 0, "health"},
};
#define NT (sizeof(table) / sizeof(table[0]))

static void test_router_match(void **state)
{
    (void)state;
    char scratch[256], allow[64];
    const char *caps[HTTP_MAX_CAPTURES];
    assert_int_equal(http_route_find(table, NT, "GET", "/taxii2/", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     0);
    /* The trailing slash of a pattern is optional in the request. */
    assert_int_equal(http_route_find(table, NT, "GET", "/taxii2", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     0);
    int i = http_route_find(table, NT, "GET", "/hub/collections/abc/objects/ind--1/", scratch,
                            sizeof(scratch), caps, allow, sizeof(allow));
    assert_int_equal(i, 3);
    assert_string_equal(caps[0], "hub");
    assert_string_equal(caps[1], "abc");
    assert_string_equal(caps[2], "ind--1");
    assert_null(caps[3]);
    i = http_route_find(table, NT, "POST", "/hub/collections/c1/objects", scratch, sizeof(scratch),
                        caps, allow, sizeof(allow));
    assert_int_equal(i, 2);
    assert_string_equal(caps[1], "c1");
    assert_int_equal(http_route_find(table, NT, "GET", "/healthz", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     6);
    /* The literal route wins over the earlier pattern; the pattern still serves others. */
    assert_int_equal(http_route_find(table, NT, "GET", "/hub/", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     5);
    assert_string_equal(caps[0], "hub");
}

static void test_router_404_405(void **state)
{
    (void)state;
    char scratch[256], allow[64];
    const char *caps[HTTP_MAX_CAPTURES];
    assert_int_equal(http_route_find(table, NT, "GET", "/nothing/else/", scratch, sizeof(scratch),
                                     caps, allow, sizeof(allow)),
                     HTTP_ROUTE_NONE);
    /* Empty captures and extra segments do not match. */
    assert_int_equal(http_route_find(table, NT, "GET", "/hub/collections//objects/", scratch,
                                     sizeof(scratch), caps, allow, sizeof(allow)),
                     HTTP_ROUTE_NONE);
    assert_int_equal(http_route_find(table, NT, "GET", "/hub/collections/a/objects/b/c/", scratch,
                                     sizeof(scratch), caps, allow, sizeof(allow)),
                     HTTP_ROUTE_NONE);
    assert_int_equal(http_route_find(table, NT, "GET", "/taxii2//", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     HTTP_ROUTE_NONE);
    assert_int_equal(http_route_find(table, NT, "PUT", "/hub/collections/a/objects/b/", scratch,
                                     sizeof(scratch), caps, allow, sizeof(allow)),
                     HTTP_ROUTE_METHOD);
    assert_string_equal(allow, "GET, DELETE");
    assert_int_equal(http_route_find(table, NT, "DELETE", "/taxii2/", scratch, sizeof(scratch),
                                     caps, allow, sizeof(allow)),
                     HTTP_ROUTE_METHOD);
    assert_string_equal(allow, "GET");
    assert_int_equal(http_route_find(table, NT, "PATCH", "/healthz", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     HTTP_ROUTE_METHOD);
    assert_string_equal(allow, "GET");
    /* A scratch buffer too small for the path never overflows. */
    assert_int_equal(
        http_route_find(table, NT, "GET", "/taxii2/", scratch, 4, caps, allow, sizeof(allow)),
        HTTP_ROUTE_NONE);
}

/* ---- negotiation --------------------------------------------------------------------------- */

static void test_accept(void **state)
{
    (void)state;
    assert_true(http_accept_taxii(NULL));
    assert_true(http_accept_taxii(""));
    assert_true(http_accept_taxii("application/taxii+json;version=2.1"));
    assert_true(http_accept_taxii("application/taxii+json"));
    assert_true(http_accept_taxii("Application/TAXII+JSON ; Version=\"2.1\""));
    assert_true(http_accept_taxii("*/*"));
    assert_true(http_accept_taxii("application/*"));
    assert_true(http_accept_taxii("text/html, application/taxii+json;version=2.1;q=0.5"));
    assert_true(http_accept_taxii("text/html,*/*;q=0.1"));
    assert_false(http_accept_taxii("text/html"));
    assert_false(http_accept_taxii("application/json"));
    assert_false(http_accept_taxii("application/taxii+json;version=2.0"));
    assert_false(http_accept_taxii("application/taxii+json;version=2.1;q=0"));
    assert_false(http_accept_taxii("application/taxii+json;q=0.000, text/plain"));
    assert_false(http_accept_taxii("application/stix+json;version=2.1"));
}

static void test_accepts(void **state)
{
    (void)state;
    const char *csv = "text/csv; charset=utf-8";
    assert_true(http_accepts(NULL, csv));
    assert_true(http_accepts("", csv));
    assert_true(http_accepts("text/csv", csv));
    assert_true(http_accepts("TEXT/CSV;q=0.5", csv));
    assert_true(http_accepts("text/*", csv));
    assert_true(http_accepts("application/json, */*;q=0.1", csv));
    assert_true(http_accepts("text/html , text/csv ; header=present", csv));
    assert_false(http_accepts("text/html", csv));
    assert_false(http_accepts("text/csv;q=0", csv));
    assert_false(http_accepts("text/csvx", csv));
    assert_false(http_accepts("text/cs", csv));
    assert_false(http_accepts("application/*", csv));
    assert_false(http_accepts("texts/*", csv));
    assert_true(http_accepts("text/event-stream", http_media_type(HTTP_MEDIA_EVENTS)));
    assert_string_equal(http_media_type(HTTP_MEDIA_ZONE), "text/dns");
    assert_null(http_media_type(HTTP_MEDIA_DEFAULT));
    assert_null(http_media_type(HTTP_MEDIA_ANY));
}

static void test_content_type(void **state)
{
    (void)state;
    assert_true(http_content_type_taxii("application/taxii+json;version=2.1"));
    assert_true(http_content_type_taxii("application/taxii+json"));
    assert_true(http_content_type_taxii("application/taxii+json; charset=utf-8; version=2.1"));
    assert_true(http_content_type_taxii("APPLICATION/taxii+json ;version=\"2.1\""));
    assert_false(http_content_type_taxii(NULL));
    assert_false(http_content_type_taxii("application/json"));
    assert_false(http_content_type_taxii("application/taxii+json;version=2.0"));
    assert_false(http_content_type_taxii("application/taxii+jsonx"));
    assert_false(http_content_type_taxii("*/*"));
}

static void test_error_shape(void **state)
{
    (void)state;
    struct http_response resp = {0};
    http_error(&resp, 404, "Not Found", "no \"such\" thing");
    assert_int_equal(resp.status, 404);
    assert_string_equal(resp.content_type, HTTP_TAXII_MEDIA);
    assert_string_equal(resp.body.data, "{\"title\":\"Not Found\",\"description\":\"no "
                                        "\\\"such\\\" thing\",\"http_status\":\"404\"}");
    http_error(&resp, 400, "Bad", NULL);
    assert_string_equal(resp.body.data, "{\"title\":\"Bad\",\"http_status\":\"400\"}");
    http_json_error(&resp, 409, "exists \"x\"");
    assert_int_equal(resp.status, 409);
    assert_string_equal(resp.content_type, HTTP_JSON_MEDIA);
    assert_string_equal(resp.body.data,
                        "{\"error\":\"exists \\\"x\\\"\",\"title\":\"Conflict\","
                        "\"description\":\"exists \\\"x\\\"\",\"http_status\":\"409\"}");
    http_json_error(&resp, 404, NULL);
    assert_string_equal(resp.body.data, "{\"error\":\"Not Found\",\"title\":\"Not Found\","
                                        "\"description\":\"Not Found\",\"http_status\":\"404\"}");
    rk_buf_free(&resp.body);
}

/* ---- a real server ------------------------------------------------------------------------ */

static int h_hello(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    (void)ctx, (void)err;
    rk_buf_puts(&resp->body, "{\"hello\":");
    rk_buf_json_string(&resp->body, req->principal ? (const char *)req->principal : "anon");
    for (size_t i = 0; i < req->n_params; i++) {
        rk_buf_printf(&resp->body, ",\"p%zu\":", i);
        rk_buf_json_string(&resp->body, req->params[i].key);
        rk_buf_putc(&resp->body, ',');
        rk_buf_json_string(&resp->body, req->params[i].value);
    }
    rk_buf_putc(&resp->body, '}');
    http_set_header(resp, "X-Test", "yes");
    return 0;
}

static int h_item(void *ctx, struct http_request *req, struct http_response *resp,
                  struct rk_err *err)
{
    (void)ctx;
    if (strcmp(req->captures[0], "missing") == 0)
        return rk_err_set(err, RK_E_NOTFOUND, "no item %s", req->captures[0]);
    rk_buf_puts(&resp->body, "{\"item\":");
    rk_buf_json_string(&resp->body, req->captures[0]);
    rk_buf_putc(&resp->body, '}');
    return 0;
}

static int h_post(void *ctx, struct http_request *req, struct http_response *resp,
                  struct rk_err *err)
{
    (void)ctx, (void)err;
    resp->status = 202;
    rk_buf_printf(&resp->body, "{\"len\":%zu}", req->body_len);
    return 0;
}

static int auth(void *ctx, const struct http_request *req, void **principal, struct rk_err *err)
{
    (void)ctx;
    const char *authorization = http_header(req, "Authorization");
    const char *cookie = http_header(req, "Cookie");
    /* A session cookie, admitted only from the loopback address: the authenticator sees the
     * whole request, not only its Authorization header. */
    if (cookie != NULL && strcmp(cookie, "session=good") == 0) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)req->peer;
        if (req->peer == NULL || req->peer->sa_family != AF_INET ||
            ntohl(in->sin_addr.s_addr) != INADDR_LOOPBACK || strcmp(req->method, "GET") != 0)
            return rk_err_set(err, RK_E_UNAUTH, "cookie refused");
        *principal = rk_strdup("cookie");
        return 0;
    }
    if (authorization == NULL)
        return 0;
    if (strcmp(authorization, "Bearer good") == 0) {
        *principal = rk_strdup("good");
        return 0;
    }
    return rk_err_set(err, RK_E_UNAUTH, "unknown token");
}

static int h_broken(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    (void)ctx, (void)req, (void)resp;
    return rk_err_set(err, RK_E_DB, "objects: database is locked (SQLITE_BUSY) in /srv/renkei.db");
}

static int h_csv(void *ctx, struct http_request *req, struct http_response *resp,
                 struct rk_err *err)
{
    (void)ctx;
    if (req->n_params > 0)
        return rk_err_set(err, RK_E_NOTFOUND, "no such report");
    rk_buf_puts(&resp->body, "a,b\r\n1,2\r\n");
    return 0;
}

static const struct http_route live[] = {
    {"GET", "/report.csv", h_csv, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PRODUCES(HTTP_MEDIA_CSV),
     "csv"},
    {"GET", "/broken/", h_broken, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_TAXII, "broken"},
    {"GET", "/broken-json/", h_broken, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_JSON, "broken-json"},
    {"GET", "/hello/", h_hello, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_TAXII, "hello"},
    {"GET", "/items/{id}/", h_item, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_TAXII, "item"},
    {"POST", "/items/", h_post, NULL, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_TAXII, "post"},
    {"GET", "/private/", h_hello, NULL, HTTP_ROUTE_JSON, "private"},
};

static struct http_server *srv;

static int server_up(void **state)
{
    (void)state;
    struct http_config cfg = {
        .listen = "127.0.0.1:0",
        .max_body = 1024,
        .max_header = 4096,
        .threads = 2,
        .timeout_s = 5,
        .authenticate = auth,
        .free_principal = free,
    };
    struct rk_err err;
    int rc = http_server_start(&cfg, live, sizeof(live) / sizeof(live[0]), &srv, &err);
    if (rc != 0)
        fprintf(stderr, "server: %s\n", err.msg);
    return rc;
}

static int server_down(void **state)
{
    (void)state;
    http_server_stop(srv);
    srv = NULL;
    return 0;
}

static int connect_srv(void)
{
    return loopback_connect(http_server_port(srv), 0);
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return; /* the server may close early (413); what it sent is still readable */
        data += n;
        len -= (size_t)n;
    }
}

/* Reads one response (headers, then Content-Length bytes) into out; returns the status. */
static int read_response(int fd, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (;;) {
        char *eoh = strstr(out, "\r\n\r\n");
        if (eoh != NULL) {
            const char *cl = strcasestr(out, "\r\nContent-Length:");
            size_t want = cl != NULL && cl < eoh ? strtoul(cl + 17, NULL, 10) : 0;
            if (len >= (size_t)(eoh + 4 - out) + want)
                break;
        }
        if (len + 1 >= cap)
            break;
        ssize_t n = recv(fd, out + len, cap - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        out[len] = '\0';
    }
    int status = 0;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    return status;
}

static int request(const char *raw, char *out, size_t cap)
{
    int fd = connect_srv();
    send_all(fd, raw, strlen(raw));
    int status = read_response(fd, out, cap);
    close(fd);
    return status;
}

static void test_server_basics(void **state)
{
    (void)state;
    char out[8192];
    assert_true(http_server_port(srv) > 0);
    assert_int_equal(request("GET /hello/?a=1&match%5Btype%5D=x,y&a=2 HTTP/1.1\r\nHost: x\r\n"
                             "Connection: close\r\n\r\n",
                             out, sizeof(out)),
                     200);
    assert_non_null(strstr(out, "Content-Type: application/taxii+json;version=2.1"));
    assert_non_null(strstr(out, "X-Test: yes"));
    assert_non_null(strstr(out, "{\"hello\":\"anon\",\"p0\":\"a\",\"1\",\"p1\":\"match[type]\","
                                "\"x,y\",\"p2\":\"a\",\"2\"}"));

    assert_int_equal(request("GET /items/abc/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 200);
    assert_non_null(strstr(out, "{\"item\":\"abc\"}"));
    /* A handler's error code becomes a TAXII error with its status. */
    assert_int_equal(request("GET /items/missing/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)),
                     404);
    assert_non_null(strstr(out, "\"description\":\"no item missing\",\"http_status\":\"404\""));
    assert_int_equal(request("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 404);
    assert_non_null(strstr(out, "\"http_status\":\"404\""));
    assert_null(strstr(out, "<html"));
    assert_int_equal(request("DELETE /hello/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 405);
    assert_non_null(strstr(out, "Allow: GET"));
}

static void test_server_auth(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(request("GET /hello/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\n\r\n",
                             out, sizeof(out)),
                     401);
    assert_non_null(
        strstr(out, "WWW-Authenticate: Bearer realm=\"renkei\", Basic realm=\"renkei\""));
    assert_non_null(strstr(out, "unknown token"));
    assert_int_equal(request("GET /private/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 401);
    /* Errors of JSON (admin API) routes carry "error" and application/json. */
    assert_non_null(strstr(out, "Content-Type: application/json"));
    assert_non_null(strstr(out, "{\"error\":\"credentials required\",\"title\":\"Unauthorized\""));
    assert_int_equal(request("GET /private/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                             "Accept: text/html\r\n\r\n",
                             out, sizeof(out)),
                     200);
    /* JSON routes answer application/json and skip TAXII negotiation. */
    assert_non_null(strstr(out, "Content-Type: application/json"));
    assert_non_null(strstr(out, "{\"hello\":\"good\"}"));
}

/* The authenticator sees headers other than Authorization, the method and the client. */
static void test_server_auth_whole_request(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(request("GET /private/ HTTP/1.1\r\nHost: x\r\nCookie: session=good\r\n\r\n",
                             out, sizeof(out)),
                     200);
    assert_non_null(strstr(out, "{\"hello\":\"cookie\"}"));
    assert_int_equal(request("GET /private/ HTTP/1.1\r\nHost: x\r\nCookie: session=bad\r\n\r\n",
                             out, sizeof(out)),
                     401);
    /* A body announced: the authenticator runs before it is read, and sees the method. */
    assert_int_equal(request("POST /items/ HTTP/1.1\r\nHost: x\r\nCookie: session=good\r\n"
                             "Content-Type: application/taxii+json;version=2.1\r\n"
                             "Content-Length: 2\r\n\r\n{}",
                             out, sizeof(out)),
                     401);
    assert_non_null(strstr(out, "cookie refused"));
}

/* A 5xx from a handler never shows its detail (a store's words) to the client, in either
 * family's shape; 401s carry one shape each. */
static void test_server_error_families(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(request("GET /broken/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 500);
    assert_non_null(strstr(out, "Content-Type: " HTTP_TAXII_MEDIA));
    assert_non_null(
        strstr(out, "{\"title\":\"Internal Server Error\",\"description\":\"" HTTP_INTERNAL_MESSAGE
                    "\",\"http_status\":\"500\"}"));
    assert_null(strcasestr(out, "sqlite"));
    assert_null(strstr(out, "locked"));
    assert_null(strstr(out, "renkei.db"));
    assert_int_equal(request("GET /broken-json/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)),
                     500);
    assert_non_null(strstr(out, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(out, "{\"error\":\"" HTTP_INTERNAL_MESSAGE "\",\"title\":"));
    assert_null(strcasestr(out, "sqlite"));
    /* 401 on a JSON route: the JSON error object only, once. */
    assert_int_equal(request("GET /private/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 401);
    const char *body = strstr(out, "\r\n\r\n");
    assert_non_null(body);
    assert_string_equal(body + 4,
                        "{\"error\":\"credentials required\",\"title\":\"Unauthorized\","
                        "\"description\":\"credentials required\",\"http_status\":\"401\"}");
    assert_non_null(strstr(out, "WWW-Authenticate: "));
    /* No route of that method or path: the shape of the nearest route's family. */
    assert_int_equal(request("PUT /private/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 405);
    assert_non_null(strstr(out, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(out, "{\"error\":"));
    assert_int_equal(
        request("GET /private/nothing/here HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 404);
    assert_non_null(strstr(out, "Content-Type: application/json\r\n"));
    assert_int_equal(request("GET /items/a/b/c HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)),
                     404);
    assert_non_null(strstr(out, "Content-Type: " HTTP_TAXII_MEDIA));
    assert_int_equal(request("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 404);
    assert_non_null(strstr(out, "Content-Type: " HTTP_TAXII_MEDIA));
    assert_null(strstr(out, "\"error\""));
}

/* A route that declares its media: Accept honoured (406), its type by default, JSON errors. */
static void test_server_media_route(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(request("GET /report.csv HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 200);
    assert_non_null(strstr(out, "Content-Type: text/csv; charset=utf-8\r\n"));
    assert_non_null(strstr(out, "\r\n\r\na,b\r\n1,2\r\n"));
    assert_int_equal(
        request("GET /report.csv HTTP/1.1\r\nHost: x\r\nAccept: text/*\r\n\r\n", out, sizeof(out)),
        200);
    assert_int_equal(request("GET /report.csv HTTP/1.1\r\nHost: x\r\n"
                             "Accept: application/taxii+json;version=2.1\r\n\r\n",
                             out, sizeof(out)),
                     406);
    assert_non_null(strstr(out, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(out, "{\"error\":\"this resource is only served as text/csv\","));
    assert_int_equal(request("GET /report.csv?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)),
                     404);
    assert_non_null(strstr(out, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(out, "{\"error\":\"no such report\",\"title\":\"Not Found\""));
}

static void test_server_negotiation(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(
        request("GET /hello/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n", out, sizeof(out)),
        406);
    assert_non_null(strstr(out, "\"http_status\":\"406\""));
    assert_int_equal(request("GET /hello/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json; "
                             "version=2.1\r\n\r\n",
                             out, sizeof(out)),
                     200);
    assert_int_equal(request("POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                             "good\r\nContent-Type: application/json"
                             "\r\nContent-Length: 2\r\n\r\n{}",
                             out, sizeof(out)),
                     415);
    assert_int_equal(request("POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                             "good\r\nContent-Type: application/"
                             "taxii+json;version=2.1\r\nContent-Length: 2\r\n\r\n{}",
                             out, sizeof(out)),
                     202);
    assert_non_null(strstr(out, "{\"len\":2}"));
}

static void test_server_body_limit(void **state)
{
    (void)state;
    char out[8192];
    /* Declared too large: refused at once, without the server waiting for the body. */
    assert_int_equal(request("POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                             "good\r\nContent-Type: application/"
                             "taxii+json\r\nContent-Length: 5000\r\n\r\n",
                             out, sizeof(out)),
                     413);
    assert_non_null(strstr(out, "\"http_status\":\"413\""));
    /* Chunked: counted as it arrives. */
    static char big[4096];
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, "POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    "good\r\nContent-Type: application/taxii+json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
    memset(big, 'a', 600);
    big[600] = '\0';
    for (int i = 0; i < 3; i++)
        rk_buf_printf(&b, "258\r\n%s\r\n", big);
    rk_buf_puts(&b, "0\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 413);
    rk_buf_reset(&b);
    /* Chunked under the limit is read whole. */
    rk_buf_puts(&b, "POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    "good\r\nContent-Type: application/taxii+json\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
    rk_buf_printf(&b, "258\r\n%s\r\n0\r\n\r\n", big);
    assert_int_equal(request(b.data, out, sizeof(out)), 202);
    assert_non_null(strstr(out, "{\"len\":600}"));
    rk_buf_free(&b);
}

/* A body from a client without valid credentials is refused before it is read: the
 * request promises 4000 bytes and sends none, yet the answer comes at once. */
static void test_server_body_needs_credentials(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(request("POST /items/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                             "taxii+json\r\nContent-Length: 900\r\n\r\n",
                             out, sizeof(out)),
                     401);
    assert_non_null(strstr(out, "\"http_status\":\"401\""));
    assert_int_equal(request("POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\n"
                             "Content-Type: application/taxii+json\r\nContent-Length: 900\r\n\r\n",
                             out, sizeof(out)),
                     401);
    /* The route is still found first: 404 for an unknown path, whoever asks. */
    assert_int_equal(request("POST /nowhere/ HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n",
                             out, sizeof(out)),
                     404);
}

static void test_server_header_limit(void **state)
{
    (void)state;
    char out[8192];
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, "GET /hello/ HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (int i = 0; i < 20000; i++)
        rk_buf_putc(&b, 'h');
    rk_buf_puts(&b, "\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 431);
    assert_non_null(strstr(out, "\"http_status\":\"431\""));
    /* Just over the cap: the same. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /hello/ HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (int i = 0; i < 5000; i++)
        rk_buf_putc(&b, 'h');
    rk_buf_puts(&b, "\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 431);
    assert_non_null(strstr(out, "\"http_status\":\"431\""));
    /* Too many fields, however short. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /hello/ HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS; i++)
        rk_buf_printf(&b, "X-%d: v\r\n", i);
    rk_buf_puts(&b, "\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 431);
    assert_non_null(strstr(out, "more than 100 header fields"));
    /* Headers within the cap are fine. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /hello/ HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (int i = 0; i < 2000; i++)
        rk_buf_putc(&b, 'h');
    rk_buf_puts(&b, "\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 200);
    rk_buf_free(&b);
}

static void test_server_params_limit(void **state)
{
    (void)state;
    char out[8192];
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, "GET /hello/?");
    for (int i = 0; i <= HTTP_MAX_PARAMS; i++)
        rk_buf_printf(&b, "k%d=v&", i);
    rk_buf_puts(&b, " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 400);
    assert_non_null(strstr(out, "too many query parameters"));
    /* Hundreds of parameters, however short, are refused before any is decoded. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /hello/?");
    for (int i = 0; i < 600; i++)
        rk_buf_puts(&b, "k&");
    rk_buf_puts(&b, " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 400);
    assert_non_null(strstr(out, "\"http_status\":\"400\""));
    /* A target longer than the head limit is 414. */
    rk_buf_reset(&b);
    rk_buf_puts(&b, "GET /hello/?k=");
    for (int i = 0; i < 5000; i++)
        rk_buf_putc(&b, 'v');
    rk_buf_puts(&b, " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 414);
    assert_non_null(strstr(out, "\"http_status\":\"414\""));
    rk_buf_free(&b);
    /* A NUL byte in the target is refused, not routed up to the NUL. */
    static const char nul[] = "GET /hello/\0/x?a=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    int fd = connect_srv();
    send_all(fd, nul, sizeof(nul) - 1);
    assert_int_equal(read_response(fd, out, sizeof(out)), 400);
    assert_non_null(strstr(out, "NUL byte"));
    close(fd);
}

static void test_server_slow_client_keepalive(void **state)
{
    (void)state;
    char out[8192];
    /* A client that sends half a request line and stalls... */
    int slow = connect_srv();
    send_all(slow, "GET /hel", 8);
    /* ...does not hold up others, and a keep-alive connection serves two requests. */
    int fd = connect_srv();
    const char *r1 = "GET /items/one/ HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, r1, strlen(r1));
    assert_int_equal(read_response(fd, out, sizeof(out)), 200);
    assert_non_null(strstr(out, "\"one\""));
    const char *r2 = "GET /items/two/ HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, r2, strlen(r2));
    int st2 = read_response(fd, out, sizeof(out));
    if (st2 != 200)
        fprintf(stderr, "second: [%s]\n", out);
    assert_int_equal(st2, 200);
    assert_non_null(strstr(out, "\"two\""));
    close(fd);
    /* The slow client can still finish its request. */
    send_all(slow, "lo/ HTTP/1.1\r\nHost: x\r\n\r\n", 26);
    assert_int_equal(read_response(slow, out, sizeof(out)), 200);
    close(slow);
}

/* Two requests sent in one go are answered in order on the connection; a body announced with
 * Expect: 100-continue is invited first; an HTTP/1.0 client is kept alive only on request. */
static void test_server_pipelining_and_continue(void **state)
{
    (void)state;
    char out[8192];
    int fd = connect_srv();
    const char *two = "GET /items/one/ HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /items/two/ HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, two, strlen(two));
    size_t len = 0;
    out[0] = '\0';
    while (strstr(out, "\"two\"") == NULL && len + 1 < sizeof(out)) {
        ssize_t got = recv(fd, out + len, sizeof(out) - 1 - len, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
        out[len] = '\0';
    }
    const char *first = strstr(out, "HTTP/1.1 200 OK\r\n");
    assert_non_null(first);
    const char *second = strstr(first + 1, "HTTP/1.1 200 OK\r\n");
    assert_non_null(second);
    assert_true(strstr(out, "\"one\"") < second && strstr(second, "\"two\"") != NULL);
    close(fd);

    fd = connect_srv();
    const char *head = "POST /items/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                       "Content-Type: application/taxii+json\r\nContent-Length: 2\r\n"
                       "Expect: 100-continue\r\n\r\n";
    send_all(fd, head, strlen(head));
    ssize_t n = recv(fd, out, sizeof(out) - 1, 0);
    assert_true(n > 0);
    out[n] = '\0';
    assert_string_equal(out, "HTTP/1.1 100 Continue\r\n\r\n");
    send_all(fd, "{}", 2);
    assert_int_equal(read_response(fd, out, sizeof(out)), 202);
    assert_non_null(strstr(out, "{\"len\":2}"));
    close(fd);

    assert_int_equal(request("GET /items/a/ HTTP/1.0\r\n\r\n", out, sizeof(out)), 200);
    assert_non_null(strstr(out, "Connection: close"));
    fd = connect_srv();
    const char *ka = "GET /items/a/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    for (int i = 0; i < 2; i++) {
        send_all(fd, ka, strlen(ka));
        assert_int_equal(read_response(fd, out, sizeof(out)), 200);
        assert_non_null(strstr(out, "Connection: keep-alive"));
    }
    close(fd);
}

/* A head of a mebibyte is refused with JSON while the client is still sending it, and the
 * answer arrives whole (the server reads the rest before closing, so no reset destroys it). */
static void test_server_huge_head(void **state)
{
    (void)state;
    char out[8192];
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, "GET /hello/ HTTP/1.1\r\nHost: x\r\nX-Big: ");
    for (int i = 0; i < 1024 * 1024; i++)
        rk_buf_putc(&b, 'h');
    rk_buf_puts(&b, "\r\n\r\n");
    assert_int_equal(request(b.data, out, sizeof(out)), 431);
    assert_non_null(strstr(out, "Content-Type: application/taxii+json;version=2.1"));
    assert_non_null(strstr(out, "\"http_status\":\"431\""));
    rk_buf_free(&b);
}

static void test_server_garbage(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(request("\x01\x02garbage\r\n\r\n", out, sizeof(out)), 400);
    assert_non_null(strstr(out, "\"http_status\":\"400\""));
    /* The server survives and still answers. */
    assert_int_equal(request("GET /hello/ HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)), 200);
}

static void test_bad_listen(void **state)
{
    (void)state;
    struct http_config cfg = {.listen = "nonsense"};
    struct http_server *s = NULL;
    struct rk_err err;
    assert_int_equal(http_server_start(&cfg, live, 1, &s, &err), RK_E_INVALID);
    assert_null(s);
    cfg.listen = "127.0.0.1:99999";
    assert_int_equal(http_server_start(&cfg, live, 1, &s, &err), RK_E_INVALID);
    cfg.listen = "[::1]:0";
    if (http_server_start(&cfg, live, 1, &s, &err) == 0) {
        assert_true(http_server_port(s) > 0);
        http_server_stop(s);
    }
    http_server_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_match),
        cmocka_unit_test(test_router_404_405),
        cmocka_unit_test(test_accept),
        cmocka_unit_test(test_content_type),
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_error_shape),
        cmocka_unit_test(test_bad_listen),
        cmocka_unit_test_setup_teardown(test_server_basics, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_auth, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_auth_whole_request, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_error_families, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_negotiation, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_media_route, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_body_limit, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_body_needs_credentials, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_header_limit, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_params_limit, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_slow_client_keepalive, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_pipelining_and_continue, server_up,
                                        server_down),
        cmocka_unit_test_setup_teardown(test_server_huge_head, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_garbage, server_up, server_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
