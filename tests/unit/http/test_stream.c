/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stream.c: streamed responses on a real server driven by a raw socket client: chunked
 * framing (HTTP/1.1) and bodies that end with the connection (HTTP/1.0), keep-alive after a
 * stream, backpressure from a client that does not read, a client that goes away (the producer
 * is stopped and its end callback runs), a failing producer, HEAD, and server-sent events: a
 * producer that waits for events published from another thread and sends keep-alive comments.
 * The routes here are test-only; no public route table has them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "http/http.h"
#include "loopback.h"

/* ---- what the producers report ----------------------------------------------------------- */

static atomic_int ends_complete;   /* end callbacks with complete true */
static atomic_int ends_incomplete; /* end callbacks with complete false */
static atomic_llong produced;      /* bytes produced by the counting producers, all together */
static atomic_int produce_calls;

static void reset_counts(void)
{
    atomic_store(&ends_complete, 0);
    atomic_store(&ends_incomplete, 0);
    atomic_store(&produced, 0);
    atomic_store(&produce_calls, 0);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Waits up to 3 s for *counter to reach n; returns its value. */
static int wait_count(atomic_int *counter, int n)
{
    for (int i = 0; i < 300 && atomic_load(counter) < n; i++)
        sleep_ms(10);
    return atomic_load(counter);
}

/* ---- a counting producer: "line 0\n", "line 1\n"... up to a total or a failure ---------- */

struct counter {
    long long total;   /* bytes to produce */
    long long done;    /* produced so far */
    long long fail_at; /* return an error once this many are produced (-1: never) */
    long line;
};

static int count_produce(void *state, struct http_stream *stream, struct rk_buf *out)
{
    struct counter *c = state;
    (void)stream;
    atomic_fetch_add(&produce_calls, 1);
    if (c->fail_at >= 0 && c->done >= c->fail_at)
        return RK_E_IO;
    while (c->done < c->total && out->len < HTTP_STREAM_CHUNK) {
        char line[32];
        int n = snprintf(line, sizeof(line), "line %ld\n", c->line++);
        size_t take = (size_t)n;
        if ((long long)take > c->total - c->done)
            take = (size_t)(c->total - c->done);
        rk_buf_append(out, line, take);
        c->done += (long long)take;
    }
    atomic_fetch_add(&produced, (long long)out->len);
    return c->done < c->total ? HTTP_PRODUCE_MORE : HTTP_PRODUCE_END;
}

static void count_end(void *state, bool complete)
{
    atomic_fetch_add(complete ? &ends_complete : &ends_incomplete, 1);
    free(state);
}

static long long param_ll(const struct http_request *req, const char *key, long long dflt)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].key, key) == 0)
            return strtoll(req->params[i].value, NULL, 10);
    return dflt;
}

/* GET /count/?n=BYTES[&fail=AT][&error=1] */
static int h_count(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    (void)ctx;
    struct counter *c = rk_calloc(1, sizeof(*c));
    c->total = param_ll(req, "n", 100);
    c->fail_at = param_ll(req, "fail", -1);
    resp->content_type = "text/plain; charset=utf-8";
    struct http_producer p = {.produce = count_produce, .end = count_end, .state = c};
    http_response_stream(resp, &p);
    if (param_ll(req, "error", 0))
        return rk_err_set(err, RK_E_NOTFOUND, "changed its mind");
    return 0;
}

/* ---- server-sent events: a hub of subscribers woken by publish() ---------------------------- */

struct subscriber {
    struct subscriber *next;
    struct http_stream *stream; /* set on the first call of the producer */
    char event[128];            /* the last event published, not yet sent */
    bool hello;                 /* the opening comment was sent */
};

static pthread_mutex_t hub_mu = PTHREAD_MUTEX_INITIALIZER;
static struct subscriber *subscribers;
static atomic_int n_subscribers;

static void publish(const char *event)
{
    pthread_mutex_lock(&hub_mu);
    for (struct subscriber *s = subscribers; s != NULL; s = s->next) {
        snprintf(s->event, sizeof(s->event), "%s", event);
        if (s->stream != NULL)
            http_stream_wake(s->stream);
    }
    pthread_mutex_unlock(&hub_mu);
}

static int sse_produce(void *state, struct http_stream *stream, struct rk_buf *out)
{
    struct subscriber *s = state;
    atomic_fetch_add(&produce_calls, 1);
    pthread_mutex_lock(&hub_mu);
    s->stream = stream;
    if (!s->hello) {
        rk_buf_puts(out, ": hello\n\n");
        s->hello = true;
    } else if (s->event[0] != '\0') {
        rk_buf_printf(out, "event: note\ndata: %s\n\n", s->event);
        s->event[0] = '\0';
    }
    pthread_mutex_unlock(&hub_mu);
    return out->len > 0 ? HTTP_PRODUCE_MORE : HTTP_PRODUCE_WAIT;
}

static void sse_end(void *state, bool complete)
{
    struct subscriber *s = state;
    pthread_mutex_lock(&hub_mu);
    for (struct subscriber **p = &subscribers; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&hub_mu);
    atomic_fetch_sub(&n_subscribers, 1);
    atomic_fetch_add(complete ? &ends_complete : &ends_incomplete, 1);
    free(s);
}

/* The keep-alive: called after wait_ms with no event, the producer sends a comment, which
 * keeps proxies from closing a quiet stream. */
static int sse_keepalive_produce(void *state, struct http_stream *stream, struct rk_buf *out)
{
    struct subscriber *s = state;
    int rc = sse_produce(state, stream, out);
    if (rc == HTTP_PRODUCE_WAIT && s->hello) {
        rk_buf_puts(out, ": keep-alive\n\n");
        return HTTP_PRODUCE_WAIT; /* sent, then wait again */
    }
    return rc;
}

/* GET /events/[?keepalive=MS] */
static int h_events(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    (void)ctx, (void)err;
    struct subscriber *s = rk_calloc(1, sizeof(*s));
    long long ka = param_ll(req, "keepalive", 0);
    pthread_mutex_lock(&hub_mu);
    s->next = subscribers;
    subscribers = s;
    pthread_mutex_unlock(&hub_mu);
    atomic_fetch_add(&n_subscribers, 1);
    resp->content_type = "text/event-stream";
    http_set_header(resp, "Cache-Control", "no-cache");
    struct http_producer p = {.produce = ka > 0 ? sse_keepalive_produce : sse_produce,
                              .end = sse_end,
                              .state = s,
                              .wait_ms = (unsigned)ka};
    http_response_stream(resp, &p);
    return 0;
}

static const struct http_route routes[] = {
    {"GET", "/count/", h_count, NULL, HTTP_ROUTE_PUBLIC, "count"},
    {"HEAD", "/count/", h_count, NULL, HTTP_ROUTE_PUBLIC, "count-head"},
    {"GET", "/events/", h_events, NULL, HTTP_ROUTE_PUBLIC, "events"},
};

static struct http_server *srv;

static int server_up(void **state)
{
    (void)state;
    reset_counts();
    struct http_config cfg = {
        .listen = "127.0.0.1:0", .max_body = 1024, .threads = 2, .timeout_s = 2};
    struct rk_err err;
    int rc = http_server_start(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &srv, &err);
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

/* ---- the client ------------------------------------------------------------------------- */

static int connect_srv(int rcvbuf)
{
    return loopback_connect(http_server_port(srv), rcvbuf);
}

static void send_str(int fd, const char *s)
{
    assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Reads until buf holds needle (or the stream ends, or 5 s pass); returns a pointer past it. */
static char *read_until(int fd, struct rk_buf *buf, const char *needle)
{
    for (;;) {
        char *at = buf->data != NULL ? strstr(buf->data, needle) : NULL;
        if (at != NULL)
            return at + strlen(needle);
        char tmp[65536];
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0)
            return NULL;
        rk_buf_append(buf, tmp, (size_t)n);
    }
}

/* Decodes the chunked body that starts at p (in buf, read from fd as needed) into body;
 * returns the offset in buf just past the body. */
static size_t read_chunked(int fd, struct rk_buf *buf, size_t off, struct rk_buf *body)
{
    for (;;) {
        while (buf->len < off + 3 || memmem(buf->data + off, buf->len - off, "\r\n", 2) == NULL) {
            char tmp[65536];
            ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
            assert_true(n > 0);
            rk_buf_append(buf, tmp, (size_t)n);
        }
        char *end = NULL;
        unsigned long size = strtoul(buf->data + off, &end, 16);
        assert_true(end != buf->data + off);
        assert_memory_equal(end, "\r\n", 2);
        size_t data = (size_t)(end + 2 - buf->data);
        while (buf->len < data + size + 2) {
            char tmp[65536];
            ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
            assert_true(n > 0);
            rk_buf_append(buf, tmp, (size_t)n);
        }
        rk_buf_append(body, buf->data + data, size);
        assert_memory_equal(buf->data + data + size, "\r\n", 2);
        off = data + size + 2;
        if (size == 0)
            return off;
    }
}

/* The body "line 0\nline 1\n..." cut at n bytes. */
static void expected_lines(struct rk_buf *want, long long n)
{
    for (long i = 0; (long long)want->len < n; i++)
        rk_buf_printf(want, "line %ld\n", i);
    want->len = (size_t)n;
    want->data[n] = '\0';
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_chunked_and_keepalive(void **state)
{
    (void)state;
    int fd = connect_srv(0);
    for (int round = 0; round < 2; round++) {
        long long n = round == 0 ? 300000 : 5;
        char req[128];
        snprintf(req, sizeof(req), "GET /count/?n=%lld HTTP/1.1\r\nHost: x\r\n\r\n", n);
        send_str(fd, req);
        struct rk_buf buf = RK_BUF_INIT, body = RK_BUF_INIT, want = RK_BUF_INIT;
        char *eoh = read_until(fd, &buf, "\r\n\r\n");
        assert_non_null(eoh);
        assert_non_null(strstr(buf.data, "HTTP/1.1 200 OK\r\n"));
        assert_non_null(strstr(buf.data, "Transfer-Encoding: chunked\r\n"));
        assert_non_null(strstr(buf.data, "Content-Type: text/plain; charset=utf-8\r\n"));
        assert_null(strstr(buf.data, "Content-Length"));
        assert_null(strstr(buf.data, "Connection: close"));
        size_t end = read_chunked(fd, &buf, (size_t)(eoh - buf.data), &body);
        assert_int_equal(end, buf.len); /* nothing after the last chunk */
        expected_lines(&want, n);
        assert_int_equal(body.len, want.len);
        assert_memory_equal(body.data, want.data, want.len);
        rk_buf_free(&buf);
        rk_buf_free(&body);
        rk_buf_free(&want);
        assert_int_equal(wait_count(&ends_complete, round + 1), round + 1);
    }
    close(fd);
    assert_int_equal(atomic_load(&ends_incomplete), 0);
}

static void test_http10_until_close(void **state)
{
    (void)state;
    int fd = connect_srv(0);
    send_str(fd, "GET /count/?n=70000 HTTP/1.0\r\n\r\n");
    struct rk_buf buf = RK_BUF_INIT, want = RK_BUF_INIT;
    char tmp[65536];
    ssize_t n;
    while ((n = recv(fd, tmp, sizeof(tmp), 0)) > 0)
        rk_buf_append(&buf, tmp, (size_t)n);
    assert_int_equal(n, 0); /* the server closed: that is where the body ends */
    char *eoh = strstr(buf.data, "\r\n\r\n");
    assert_non_null(eoh);
    *eoh = '\0';
    assert_null(strstr(buf.data, "Transfer-Encoding"));
    assert_null(strstr(buf.data, "Content-Length"));
    assert_non_null(strstr(buf.data, "Connection: close"));
    expected_lines(&want, 70000);
    assert_int_equal(buf.len - (size_t)(eoh + 4 - buf.data), want.len);
    assert_memory_equal(eoh + 4, want.data, want.len);
    rk_buf_free(&buf);
    rk_buf_free(&want);
    close(fd);
    assert_int_equal(wait_count(&ends_complete, 1), 1);
}

/* A client that does not read holds the producer back; when it goes away the producer stops
 * and its end callback runs with complete false. */
static void test_backpressure_and_client_gone(void **state)
{
    (void)state;
    const long long total = 1LL << 30; /* 1 GiB: never produced in full */
    int fd = connect_srv(4096);
    char req[128];
    snprintf(req, sizeof(req), "GET /count/?n=%lld HTTP/1.1\r\nHost: x\r\n\r\n", total);
    send_str(fd, req);
    sleep_ms(400);
    long long first = atomic_load(&produced);
    sleep_ms(400);
    long long second = atomic_load(&produced);
    /* Bounded by the socket buffers, not by the body. */
    assert_true(first > 0);
    assert_true(second < 64LL * 1024 * 1024);
    assert_true(second - first < (long long)(4 * HTTP_STREAM_CHUNK));
    int calls = atomic_load(&produce_calls);
    close(fd);
    assert_int_equal(wait_count(&ends_incomplete, 1), 1);
    assert_int_equal(atomic_load(&ends_complete), 0);
    /* Stopped: no more calls once it ended. */
    int after = atomic_load(&produce_calls);
    sleep_ms(200);
    assert_int_equal(atomic_load(&produce_calls), after);
    assert_true(after - calls < 64);
}

static void test_producer_fails_and_handler_error(void **state)
{
    (void)state;
    int fd = connect_srv(0);
    send_str(fd, "GET /count/?n=500000&fail=100000 HTTP/1.1\r\nHost: x\r\n\r\n");
    struct rk_buf buf = RK_BUF_INIT;
    char tmp[65536];
    ssize_t n;
    while ((n = recv(fd, tmp, sizeof(tmp), 0)) > 0)
        rk_buf_append(&buf, tmp, (size_t)n);
    assert_true(n <= 0); /* closed without the last chunk: the client sees a cut body */
    assert_non_null(strstr(buf.data, "Transfer-Encoding: chunked"));
    assert_null(strstr(buf.data, "\r\n0\r\n\r\n"));
    assert_true(buf.len < 200000);
    rk_buf_free(&buf);
    close(fd);
    assert_int_equal(wait_count(&ends_incomplete, 1), 1);

    /* A handler that sets up a stream and then fails: its error is sent, the stream ends. */
    fd = connect_srv(0);
    send_str(fd, "GET /count/?n=10&error=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_non_null(read_until(fd, &buf, "\"http_status\":\"404\"}"));
    assert_non_null(strstr(buf.data, "Content-Length: "));
    assert_non_null(strstr(buf.data, "changed its mind"));
    rk_buf_free(&buf);
    close(fd);
    assert_int_equal(wait_count(&ends_incomplete, 2), 2);
    assert_int_equal(atomic_load(&ends_complete), 0);
}

static void test_head_of_stream(void **state)
{
    (void)state;
    int fd = connect_srv(0);
    send_str(fd, "HEAD /count/?n=1000 HTTP/1.1\r\nHost: x\r\n\r\n"
                 "GET /count/?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    struct rk_buf buf = RK_BUF_INIT;
    char tmp[4096];
    ssize_t n;
    while ((n = recv(fd, tmp, sizeof(tmp), 0)) > 0)
        rk_buf_append(&buf, tmp, (size_t)n);
    /* The HEAD answer has no body at all: the next bytes are the GET's status line. */
    char *second = strstr(buf.data, "\r\n\r\nHTTP/1.1 200 OK\r\n");
    assert_non_null(second);
    assert_non_null(strstr(second, "\r\n\r\n3\r\nlin\r\n0\r\n\r\n"));
    rk_buf_free(&buf);
    close(fd);
    assert_int_equal(wait_count(&ends_complete, 2), 2);
    assert_int_equal(atomic_load(&produce_calls), 1); /* not for the HEAD */
}

/* Reads SSE text from the chunked body until it holds needle. */
static bool sse_read_until(int fd, struct rk_buf *raw, const char *needle)
{
    return read_until(fd, raw, needle) != NULL;
}

static void test_server_sent_events(void **state)
{
    (void)state;
    int fd = connect_srv(0);
    send_str(fd, "GET /events/ HTTP/1.1\r\nHost: x\r\n\r\n");
    struct rk_buf raw = RK_BUF_INIT;
    assert_true(sse_read_until(fd, &raw, ": hello\n\n"));
    assert_non_null(strstr(raw.data, "Content-Type: text/event-stream\r\n"));
    assert_non_null(strstr(raw.data, "Cache-Control: no-cache\r\n"));
    assert_non_null(strstr(raw.data, "Transfer-Encoding: chunked\r\n"));
    assert_int_equal(atomic_load(&n_subscribers), 1);
    /* Waiting costs nothing: no calls while there is nothing to send; and waiting is not
     * idling: the stream outlives the idle timeout (2 s here). */
    sleep_ms(300);
    int calls = atomic_load(&produce_calls);
    sleep_ms(2500);
    assert_int_equal(atomic_load(&produce_calls), calls);
    for (int i = 0; i < 3; i++) {
        char ev[64], want[96];
        snprintf(ev, sizeof(ev), "indicator %d", i);
        snprintf(want, sizeof(want), "event: note\ndata: %s\n\n", ev);
        publish(ev);
        assert_true(sse_read_until(fd, &raw, want));
    }
    close(fd);
    assert_int_equal(wait_count(&ends_incomplete, 1), 1);
    assert_int_equal(atomic_load(&n_subscribers), 0);
    publish("nobody listens"); /* the subscriber is gone: nothing to wake */
    rk_buf_free(&raw);
}

static void test_sse_keepalive(void **state)
{
    (void)state;
    int fd = connect_srv(0);
    send_str(fd, "GET /events/?keepalive=100 HTTP/1.1\r\nHost: x\r\n\r\n");
    struct rk_buf raw = RK_BUF_INIT;
    assert_true(sse_read_until(fd, &raw, ": hello\n\n"));
    /* Keep-alive comments every 100 ms with no event, and events still get through. */
    int seen = 0;
    for (int i = 0; i < 100 && seen < 3; i++) {
        char tmp[512];
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        assert_true(n > 0);
        rk_buf_append(&raw, tmp, (size_t)n);
        seen = 0;
        for (const char *p = raw.data; (p = strstr(p, ": keep-alive\n\n")) != NULL; p++)
            seen++;
    }
    assert_true(seen >= 3);
    publish("late");
    assert_true(sse_read_until(fd, &raw, "data: late\n\n"));
    close(fd);
    assert_int_equal(wait_count(&ends_incomplete, 1), 1);
    rk_buf_free(&raw);
}

/* Streams still open when the server stops are ended (complete false), none leaks. */
static void test_stop_ends_streams(void **state)
{
    (void)state;
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = connect_srv(0);
        send_str(fds[i], "GET /events/ HTTP/1.1\r\nHost: x\r\n\r\n");
        struct rk_buf raw = RK_BUF_INIT;
        assert_true(sse_read_until(fds[i], &raw, ": hello\n\n"));
        rk_buf_free(&raw);
    }
    assert_int_equal(atomic_load(&n_subscribers), 4);
    http_server_stop(srv);
    srv = NULL;
    assert_int_equal(atomic_load(&ends_incomplete), 4);
    assert_int_equal(atomic_load(&n_subscribers), 0);
    for (int i = 0; i < 4; i++)
        close(fds[i]);
}

/* ---- the same over TLS ------------------------------------------------------------------- */

static char tls_dir[64];

/* A server with a self-signed certificate made by openssl; skips when there is no openssl. */
static int tls_server_up(void **state)
{
    (void)state;
    reset_counts();
    char cmd[512], cert[128], key[128];
    snprintf(tls_dir, sizeof(tls_dir), "/tmp/rk-stream-tls-XXXXXX");
    if (mkdtemp(tls_dir) == NULL)
        return -1;
    snprintf(cert, sizeof(cert), "%s/cert.pem", tls_dir);
    snprintf(key, sizeof(key), "%s/key.pem", tls_dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
             "-keyout %s -out %s >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0)
        return 0; /* srv stays NULL: the test skips */
    struct http_config cfg = {
        .listen = "127.0.0.1:0", .tls_cert = cert, .tls_key = key, .threads = 2, .timeout_s = 2};
    struct rk_err err;
    int rc = http_server_start(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &srv, &err);
    if (rc != 0)
        fprintf(stderr, "server: %s\n", err.msg);
    return rc;
}

static int tls_server_down(void **state)
{
    char cmd[128];
    server_down(state);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tls_dir);
    return system(cmd) == 0 ? 0 : -1;
}

struct tls_client {
    int fd;
    gnutls_session_t s;
    gnutls_certificate_credentials_t cred;
};

static void tls_connect(struct tls_client *t)
{
    t->fd = connect_srv(0);
    assert_int_equal(gnutls_certificate_allocate_credentials(&t->cred), 0);
    assert_int_equal(gnutls_init(&t->s, GNUTLS_CLIENT), 0);
    assert_int_equal(gnutls_set_default_priority(t->s), 0);
    assert_int_equal(gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred), 0);
    gnutls_transport_set_int(t->s, t->fd);
    int rc;
    do
        rc = gnutls_handshake(t->s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    assert_int_equal(rc, 0);
}

static void tls_close(struct tls_client *t)
{
    close(t->fd); /* no closing alert: the client just goes away */
    gnutls_deinit(t->s);
    gnutls_certificate_free_credentials(t->cred);
}

/* Reads plaintext until buf holds needle; false at the end of the stream or an error. */
static bool tls_read_until(struct tls_client *t, struct rk_buf *buf, const char *needle)
{
    for (;;) {
        if (buf->data != NULL && strstr(buf->data, needle) != NULL)
            return true;
        char tmp[16384];
        ssize_t n = gnutls_record_recv(t->s, tmp, sizeof(tmp));
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            continue;
        if (n <= 0)
            return false;
        rk_buf_append(buf, tmp, (size_t)n);
    }
}

/* A chunked body of 300 kB and an SSE stream, inside TLS; the client then goes away. */
static void test_tls_streams(void **state)
{
    (void)state;
    if (srv == NULL)
        skip();
    struct tls_client t;
    tls_connect(&t);
    const char *req = "GET /count/?n=300000 HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /events/ HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(gnutls_record_send(t.s, req, strlen(req)), (ssize_t)strlen(req));
    struct rk_buf buf = RK_BUF_INIT, want = RK_BUF_INIT;
    assert_true(tls_read_until(&t, &buf, ": hello\n\n"));
    /* The first answer's body, decoded from what came before the second answer. */
    char *second = strstr(buf.data, "HTTP/1.1 200 OK\r\nDate");
    assert_non_null(second);
    second = strstr(second + 1, "HTTP/1.1 200 OK\r\n");
    assert_non_null(second);
    struct rk_buf body = RK_BUF_INIT;
    const char *p = strstr(buf.data, "\r\n\r\n") + 4;
    while (p < second) {
        char *end;
        unsigned long size = strtoul(p, &end, 16);
        if (size == 0)
            break;
        rk_buf_append(&body, end + 2, size);
        p = end + 2 + size + 2;
    }
    expected_lines(&want, 300000);
    assert_int_equal(body.len, want.len);
    assert_memory_equal(body.data, want.data, want.len);
    publish("over tls");
    assert_true(tls_read_until(&t, &buf, "data: over tls\n\n"));
    tls_close(&t);
    assert_int_equal(wait_count(&ends_incomplete, 1), 1);
    assert_int_equal(atomic_load(&ends_complete), 1);
    rk_buf_free(&buf);
    rk_buf_free(&body);
    rk_buf_free(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chunked_and_keepalive, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_http10_until_close, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_backpressure_and_client_gone, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_producer_fails_and_handler_error, server_up,
                                        server_down),
        cmocka_unit_test_setup_teardown(test_head_of_stream, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_server_sent_events, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_sse_keepalive, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_stop_ends_streams, server_up, server_down),
        cmocka_unit_test_setup_teardown(test_tls_streams, tls_server_up, tls_server_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
