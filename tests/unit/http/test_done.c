/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_done.c: the server's completion hook (http_config.on_done) on a real server: called
 * once per request, answered or not, with the route's index, the status sent, the body bytes,
 * the principal (still alive), the client's address and the duration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "loopback.h"

/* ---- what the hook saw -------------------------------------------------------------------- */

struct seen {
    int route;
    int status;
    size_t bytes;
    char method[16];
    char path[64];
    char principal[16];
    char client[64];
    int64_t duration_us;
    rk_time_us started;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct seen seen[16];
static int n_seen;

static void on_done(void *ctx, const struct http_done *d)
{
    if (ctx != &n_seen)
        abort(); /* the hook's context is the one configured (no cmocka assert off its thread) */
    pthread_mutex_lock(&mu);
    if (n_seen < 16) {
        struct seen *s = &seen[n_seen++];
        memset(s, 0, sizeof(*s));
        s->route = d->route;
        s->status = d->status;
        s->bytes = d->bytes;
        s->duration_us = d->duration_us;
        s->started = d->started;
        snprintf(s->method, sizeof(s->method), "%s", d->req->method ? d->req->method : "-");
        snprintf(s->path, sizeof(s->path), "%s", d->req->path ? d->req->path : "-");
        snprintf(s->principal, sizeof(s->principal), "%s",
                 d->req->principal ? (const char *)d->req->principal : "-");
        if (d->peer != NULL && d->peer->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)d->peer)->sin_addr,
                      s->client, sizeof(s->client));
    }
    pthread_mutex_unlock(&mu);
}

/* Waits until the hook ran n times in all; returns how many it did. */
static int wait_seen(int n)
{
    for (int i = 0; i < 400; i++) {
        pthread_mutex_lock(&mu);
        int k = n_seen;
        pthread_mutex_unlock(&mu);
        if (k >= n)
            return k;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return n_seen;
}

/* ---- the server ----------------------------------------------------------------------------- */

static int h_hello(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    (void)ctx, (void)req, (void)err;
    rk_buf_puts(&resp->body, "{\"hello\":1}");
    return 0;
}

static int h_missing(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    (void)ctx, (void)req, (void)resp;
    return rk_err_set(err, RK_E_NOTFOUND, "nothing here");
}

static int auth(void *ctx, const struct http_request *req, void **principal, struct rk_err *err)
{
    (void)ctx;
    const char *authorization = http_header(req, "Authorization");
    if (authorization == NULL)
        return 0;
    if (strcmp(authorization, "Bearer good") == 0) {
        *principal = rk_strdup("good");
        return 0;
    }
    return rk_err_set(err, RK_E_UNAUTH, "unknown token");
}

static const struct http_route live[] = {
    {"GET", "/hello/", h_hello, NULL, HTTP_ROUTE_PUBLIC, "hello"},
    {"GET", "/missing/", h_missing, NULL, HTTP_ROUTE_PUBLIC, "missing"},
    {"POST", "/upload/", h_hello, NULL, 0, "upload"},
};

static struct http_server *srv;

static int server_up(void **state)
{
    (void)state;
    struct http_config cfg = {
        .listen = "127.0.0.1:0",
        .max_body = 4096,
        .threads = 2,
        .timeout_s = 5,
        .authenticate = auth,
        .free_principal = free,
        .on_done = on_done,
        .done_ctx = &n_seen,
    };
    struct rk_err err;
    n_seen = 0;
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

/* Sends raw on a new connection and keeps it open until the hook ran total times in all
 * (it runs once an answer is sent, so closing earlier could abort the request). */
static int exchange(const char *raw, int total)
{
    int fd = connect_srv();
    assert_int_equal(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
    int k = wait_seen(total);
    close(fd);
    return k;
}

static void answered_requests(void **state)
{
    (void)state;
    rk_time_us t0 = rk_time_now();
    /* Two requests on one connection: one call each, in order. */
    assert_int_equal(exchange("GET /hello/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                              "\r\nGET /missing/ HTTP/1.1\r\nHost: x\r\n\r\n",
                              2),
                     2);
    assert_int_equal(seen[0].route, 0);
    assert_int_equal(seen[0].status, 200);
    assert_int_equal(seen[0].bytes, strlen("{\"hello\":1}"));
    assert_string_equal(seen[0].method, "GET");
    assert_string_equal(seen[0].path, "/hello/");
    assert_string_equal(seen[0].principal, "good"); /* not yet freed */
    assert_string_equal(seen[0].client, "127.0.0.1");
    assert_true(seen[0].duration_us >= 0 && seen[0].duration_us < 5000000);
    assert_true(seen[0].started >= t0);
    /* A handler's error: its route, the error's status, the error body's bytes. */
    assert_int_equal(seen[1].route, 1);
    assert_int_equal(seen[1].status, 404);
    assert_true(seen[1].bytes > 0);
    assert_string_equal(seen[1].principal, "-");
}

static void refused_requests(void **state)
{
    (void)state;
    assert_int_equal(exchange("GET /nowhere/ HTTP/1.1\r\nHost: x\r\n\r\n", 1), 1);
    assert_int_equal(seen[0].route, -1); /* no route */
    assert_int_equal(seen[0].status, 404);
    assert_string_equal(seen[0].path, "/nowhere/");

    assert_int_equal(
        exchange("GET /hello/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\n\r\n", 2), 2);
    assert_int_equal(seen[1].route, 0);
    assert_int_equal(seen[1].status, 401);
    assert_string_equal(seen[1].principal, "-");

    /* The head itself is refused. */
    assert_int_equal(exchange("\x01\x02 garbage\r\n\r\n", 3), 3);
    assert_int_equal(seen[2].route, -1);
    assert_int_equal(seen[2].status, 400);
}

static void aborted_request(void **state)
{
    (void)state;
    /* A body announced and never sent in full: the connection ends before the answer. */
    int fd = connect_srv();
    const char *raw = "POST /upload/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                      "Content-Length: 100\r\n\r\n0123456789";
    assert_int_equal(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    close(fd);
    assert_int_equal(wait_seen(1), 1);
    assert_int_equal(seen[0].status, 0);
    assert_int_equal(seen[0].route, 2); /* routed before the body was read */
    assert_int_equal(seen[0].bytes, 0);
    assert_string_equal(seen[0].principal, "good");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(answered_requests, server_up, server_down),
        cmocka_unit_test_setup_teardown(refused_requests, server_up, server_down),
        cmocka_unit_test_setup_teardown(aborted_request, server_up, server_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
