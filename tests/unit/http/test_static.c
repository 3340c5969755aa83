/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_static.c: static files from a folder through a test-only route on a real server: types
 * by extension, folder indexes, ETag / Last-Modified and 304, HEAD, a large file streamed with
 * its length, and every way out of the folder refused with a JSON 404 (.., encoded %2e%2e,
 * %00, hidden names, symbolic links out and in, a FIFO, empty components).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"
#include "http/http_int.h"
#include "loopback.h"

#define BIG_SIZE ((size_t)1024 * 1024 + 123)

static char tmp[64];
static char www[128];
static struct http_static *st;
static struct http_server *srv;
static char *big; /* the content of big.bin */

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void put(const char *name, const char *text)
{
    write_file(www, name, text, strlen(text));
}

static int setup(void **state)
{
    (void)state;
    char path[512], target[512];
    snprintf(tmp, sizeof(tmp), "/tmp/rk-static-XXXXXX");
    if (mkdtemp(tmp) == NULL)
        return -1;
    snprintf(www, sizeof(www), "%s/www", tmp);
    mkdir(www, 0700);
    snprintf(path, sizeof(path), "%s/outside", tmp);
    mkdir(path, 0700);
    write_file(path, "secret.txt", "TOPSECRET", 9);
    snprintf(path, sizeof(path), "%s/sub", www);
    mkdir(path, 0700);
    put("index.html", "<h1>hi</h1>");
    put("app.js", "console.log(1);");
    put("style.css", "h1{}");
    put("data.bin", "\x01\x02");
    put("sub/index.html", "sub index");
    put("sub/page.html", "sub page");
    put(".secret", "HIDDEN");
    big = malloc(BIG_SIZE);
    for (size_t i = 0; i < BIG_SIZE; i++)
        big[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    write_file(www, "big.bin", big, BIG_SIZE);
    snprintf(path, sizeof(path), "%s/link-out", www);
    snprintf(target, sizeof(target), "%s/outside/secret.txt", tmp);
    assert_int_equal(symlink(target, path), 0);
    snprintf(path, sizeof(path), "%s/link-in", www);
    assert_int_equal(symlink("index.html", path), 0);
    snprintf(path, sizeof(path), "%s/dir-out", www);
    assert_int_equal(symlink("../outside", path), 0);
    snprintf(path, sizeof(path), "%s/pipe", www);
    assert_int_equal(mkfifo(path, 0600), 0);

    struct rk_err err;
    if (http_static_new(www, &st, &err) != 0)
        return -1;
    const unsigned f = HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PRODUCES(HTTP_MEDIA_ANY);
    const struct http_route routes[] = {
        {"GET", "/ui/{path...}", http_static_serve, st, f, "ui"},
        {"HEAD", "/ui/{path...}", http_static_serve, st, f, "ui-head"},
        {"GET", "/ui/", http_static_serve, st, f, "ui-index"},
    };
    struct http_config cfg = {.listen = "127.0.0.1:0", .threads = 2, .timeout_s = 5};
    return http_server_start(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &srv, &err);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[160];
    http_server_stop(srv);
    http_static_free(st);
    free(big);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static int connect_srv(void)
{
    return loopback_connect(http_server_port(srv), 0);
}

/* Sends raw, reads until the server closes (every request here ends with Connection: close)
 * into out; returns the status of the first response. */
static int exchange(const char *raw, struct rk_buf *out)
{
    int fd = connect_srv();
    assert_int_equal(send(fd, raw, strlen(raw), MSG_NOSIGNAL), (ssize_t)strlen(raw));
    rk_buf_reset(out);
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
        rk_buf_append(out, buf, (size_t)n);
    close(fd);
    int status = 0;
    if (out->len == 0 || sscanf(out->data, "HTTP/1.1 %d", &status) != 1)
        return -1;
    return status;
}

static int get(const char *target, const char *headers, struct rk_buf *out)
{
    char raw[2048];
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n", target,
             headers);
    return exchange(raw, out);
}

static const char *body_of(const struct rk_buf *out)
{
    const char *b = strstr(out->data, "\r\n\r\n");
    assert_non_null(b);
    return b + 4;
}

/* The value of header name in the response in out, copied into v. */
static void header_of(const struct rk_buf *out, const char *name, char *v, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\r\n%s: ", name);
    const char *p = strstr(out->data, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t len = strcspn(p, "\r");
    assert_true(len < cap);
    memcpy(v, p, len);
    v[len] = '\0';
}

static void test_files_and_types(void **state)
{
    (void)state;
    struct rk_buf out = RK_BUF_INIT;
    static const struct {
        const char *target, *type, *body;
    } cases[] = {
        {"/ui/", "text/html; charset=utf-8", "<h1>hi</h1>"},
        {"/ui/index.html", "text/html; charset=utf-8", "<h1>hi</h1>"},
        {"/ui/app.js", "text/javascript; charset=utf-8", "console.log(1);"},
        {"/ui/style.css", "text/css; charset=utf-8", "h1{}"},
        {"/ui/data.bin", "application/octet-stream", "\x01\x02"},
        {"/ui/sub/", "text/html; charset=utf-8", "sub index"},
        {"/ui/sub", "text/html; charset=utf-8", "sub index"},
        {"/ui/sub/page.html", "text/html; charset=utf-8", "sub page"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(get(cases[i].target, "", &out), 200);
        char v[128];
        header_of(&out, "Content-Type", v, sizeof(v));
        assert_string_equal(v, cases[i].type);
        header_of(&out, "Content-Length", v, sizeof(v));
        assert_int_equal(strtoul(v, NULL, 10), strlen(cases[i].body));
        assert_string_equal(body_of(&out), cases[i].body);
        header_of(&out, "X-Content-Type-Options", v, sizeof(v));
        assert_string_equal(v, "nosniff");
    }
    assert_string_equal(http_static_media("a/b.WOFF2"), "font/woff2");
    assert_string_equal(http_static_media("noext"), "application/octet-stream");
    assert_string_equal(http_static_media("dir.js/file"), "application/octet-stream");
    rk_buf_free(&out);
}

static void test_no_way_out(void **state)
{
    (void)state;
    struct rk_buf out = RK_BUF_INIT;
    static const char *const targets[] = {
        "/ui/../outside/secret.txt",
        "/ui/%2e%2e/outside/secret.txt",
        "/ui/%2E%2E/%2e%2e/outside/secret.txt",
        "/ui/sub/%2e%2e/%2e%2e/outside/secret.txt",
        "/ui/sub/..%2f..%2foutside/secret.txt",
        "/ui/./index.html",
        "/ui/index.html%00.js",
        "/ui/%00",
        "/ui/.secret",
        "/ui/%2esecret",
        "/ui/link-out",
        "/ui/link-in",
        "/ui/dir-out/secret.txt",
        "/ui/pipe",
        "/ui/sub//page.html",
        "/ui//index.html",
        "/ui/sub\\page.html",
        "/ui/missing.html",
        "/ui/sub/missing/",
    };
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        int status = get(targets[i], "", &out);
        if (status != 404)
            fail_msg("%s: %d\n%s", targets[i], status, out.data);
        assert_non_null(strstr(out.data, "Content-Type: application/json\r\n"));
        assert_non_null(strstr(out.data, "\"http_status\":\"404\""));
        assert_null(strstr(out.data, "TOPSECRET"));
        assert_null(strstr(out.data, "HIDDEN"));
        assert_null(strstr(out.data, "<h1>"));
    }
    /* Other methods are not served. */
    assert_int_equal(
        exchange("DELETE /ui/index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &out),
        405);
    rk_buf_free(&out);
}

static void test_validators(void **state)
{
    (void)state;
    struct rk_buf out = RK_BUF_INIT;
    char etag[64], modified[64], hdr[256];
    assert_int_equal(get("/ui/app.js", "", &out), 200);
    header_of(&out, "ETag", etag, sizeof(etag));
    header_of(&out, "Last-Modified", modified, sizeof(modified));
    assert_int_equal(etag[0], '"');
    assert_non_null(strstr(modified, " GMT"));

    snprintf(hdr, sizeof(hdr), "If-None-Match: %s\r\n", etag);
    assert_int_equal(get("/ui/app.js", hdr, &out), 304);
    assert_string_equal(body_of(&out), "");
    assert_null(strstr(out.data, "Content-Length"));
    char again[64];
    header_of(&out, "ETag", again, sizeof(again));
    assert_string_equal(again, etag);
    snprintf(hdr, sizeof(hdr), "If-None-Match: \"zzz\", W/%s\r\n", etag);
    assert_int_equal(get("/ui/app.js", hdr, &out), 304);
    assert_int_equal(get("/ui/app.js", "If-None-Match: *\r\n", &out), 304);
    assert_int_equal(get("/ui/app.js", "If-None-Match: \"other\"\r\n", &out), 200);
    assert_string_equal(body_of(&out), "console.log(1);");
    /* Another file has another tag. */
    snprintf(hdr, sizeof(hdr), "If-None-Match: %s\r\n", etag);
    assert_int_equal(get("/ui/style.css", hdr, &out), 200);

    snprintf(hdr, sizeof(hdr), "If-Modified-Since: %s\r\n", modified);
    assert_int_equal(get("/ui/app.js", hdr, &out), 304);
    assert_int_equal(
        get("/ui/app.js", "If-Modified-Since: Mon, 01 Jan 1990 00:00:00 GMT\r\n", &out), 200);
    assert_int_equal(get("/ui/app.js", "If-Modified-Since: yesterday\r\n", &out), 200);
    /* If-None-Match wins over If-Modified-Since. */
    snprintf(hdr, sizeof(hdr), "If-None-Match: \"other\"\r\nIf-Modified-Since: %s\r\n", modified);
    assert_int_equal(get("/ui/app.js", hdr, &out), 200);
    rk_buf_free(&out);
}

static void test_head_and_big_file(void **state)
{
    (void)state;
    struct rk_buf out = RK_BUF_INIT;
    char v[64];
    /* HEAD, then a GET on the same connection: the HEAD answer has no body. */
    assert_int_equal(exchange("HEAD /ui/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                              "HEAD /ui/app.js HTTP/1.1\r\nHost: x\r\n\r\n"
                              "GET /ui/style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                              &out),
                     200);
    header_of(&out, "Content-Length", v, sizeof(v));
    assert_int_equal(strtoull(v, NULL, 10), BIG_SIZE);
    assert_null(strstr(out.data, "Transfer-Encoding"));
    const char *second = strstr(out.data, "\r\n\r\nHTTP/1.1 200 OK\r\n");
    assert_non_null(second);
    assert_non_null(strstr(second, "Content-Length: 15\r\n"));
    const char *third = strstr(second + 4, "\r\n\r\nHTTP/1.1 200 OK\r\n");
    assert_non_null(third);
    assert_string_equal(body_of(&(struct rk_buf){.data = (char *)third + 4}), "h1{}");

    /* The large file: streamed with its length, not chunked, byte for byte. */
    assert_int_equal(get("/ui/big.bin", "", &out), 200);
    header_of(&out, "Content-Length", v, sizeof(v));
    assert_int_equal(strtoull(v, NULL, 10), BIG_SIZE);
    assert_null(strstr(out.data, "Transfer-Encoding"));
    const char *b = strstr(out.data, "\r\n\r\n") + 4;
    assert_int_equal(out.len - (size_t)(b - out.data), BIG_SIZE);
    assert_memory_equal(b, big, BIG_SIZE);
    rk_buf_free(&out);
}

static void test_router_tail_capture(void **state)
{
    (void)state;
    static const struct http_route table[] = {
        {"GET", "/ui/{path...}", NULL, NULL, 0, "tail"},
        {"GET", "/ui/{page}", NULL, NULL, 0, "one"},
        {"GET", "/ui/about", NULL, NULL, 0, "literal"},
    };
    char scratch[256], allow[64];
    const char *caps[HTTP_MAX_CAPTURES];
    assert_int_equal(http_route_find(table, 3, "GET", "/ui/a/b/c.js", scratch, sizeof(scratch),
                                     caps, allow, sizeof(allow)),
                     0);
    assert_string_equal(caps[0], "a/b/c.js");
    assert_int_equal(http_route_find(table, 3, "GET", "/ui/x.js", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     1);
    assert_int_equal(http_route_find(table, 3, "GET", "/ui/about", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     2);
    assert_int_equal(http_route_find(table, 3, "GET", "/ui/", scratch, sizeof(scratch), caps, allow,
                                     sizeof(allow)),
                     HTTP_ROUTE_NONE);
    assert_int_equal(http_route_find(table, 3, "POST", "/ui/a/b", scratch, sizeof(scratch), caps,
                                     allow, sizeof(allow)),
                     HTTP_ROUTE_METHOD);
}

static void test_bad_root(void **state)
{
    (void)state;
    struct http_static *s = NULL;
    struct rk_err err;
    assert_int_equal(http_static_new("/nonexistent/rk-static", &s, &err), RK_E_IO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "/nonexistent/rk-static"));
    http_static_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_and_types),     cmocka_unit_test(test_no_way_out),
        cmocka_unit_test(test_validators),          cmocka_unit_test(test_head_and_big_file),
        cmocka_unit_test(test_router_tail_capture), cmocka_unit_test(test_bad_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
