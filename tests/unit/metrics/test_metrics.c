/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_metrics.c: the metrics module's parts on their own: request counters and their
 * histogram (exact under concurrent threads), the exposition text, the access log's lines
 * (fields, never a token, any path still one line of JSON) and its file, reopened for
 * rotation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/metrics_int.h"
#include "policy/policy.h"

static const struct http_route routes[] = {
    {"GET", "/a", NULL, NULL, 0, "route-a"},
    {"POST", "/b", NULL, NULL, 0, "route-b"},
};

/* Whether text holds line as a whole line. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = strstr(text, line); p != NULL; p = strstr(p + 1, line))
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

static void counters_and_histogram(void **state)
{
    (void)state;
    struct metrics_counters *c = metrics_counters_new(routes, 2);
    struct rk_buf out = RK_BUF_INIT;

    metrics_counters_add(c, 0, 200, 700);      /* 0.7 ms: the 0.001 bucket */
    metrics_counters_add(c, 0, 200, 1000);     /* exactly 1 ms: still "le 0.001" */
    metrics_counters_add(c, 0, 404, 3000000);  /* 3 s */
    metrics_counters_add(c, 0, 200, 60000000); /* a minute: only +Inf */
    metrics_counters_add(c, -1, 404, 10);      /* no route */
    metrics_counters_add(c, 7, 700, -5);       /* out of range: none, status 0, 0 us */
    metrics_counters_render(c, &out);

    assert_true(has_line(out.data, "renkei_http_requests_total{route=\"route-a\",code=\"200\"} 3"));
    assert_true(has_line(out.data, "renkei_http_requests_total{route=\"route-a\",code=\"404\"} 1"));
    assert_true(has_line(out.data, "renkei_http_requests_total{route=\"none\",code=\"404\"} 1"));
    assert_true(has_line(out.data, "renkei_http_requests_total{route=\"none\",code=\"0\"} 1"));
    assert_null(strstr(out.data, "route=\"route-b\"")); /* nothing counted, nothing shown */
    const char *a = "renkei_http_request_duration_seconds_bucket{route=\"route-a\",le=";
    char line[256];
    const struct {
        const char *le;
        int n;
    } want[] = {{"0.0005", 0}, {"0.001", 2}, {"0.0025", 2}, {"2.5", 2},
                {"5", 3},      {"10", 3},    {"+Inf", 4}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        snprintf(line, sizeof(line), "%s\"%s\"} %d", a, want[i].le, want[i].n);
        assert_true(has_line(out.data, line));
    }
    assert_true(
        has_line(out.data, "renkei_http_request_duration_seconds_count{route=\"route-a\"} 4"));
    assert_true(has_line(out.data,
                         "renkei_http_request_duration_seconds_sum{route=\"route-a\"} 63.001700"));
    assert_true(has_line(out.data, "renkei_http_request_duration_seconds_count{route=\"none\"} 2"));
    assert_true(has_line(out.data, "# TYPE renkei_http_requests_total counter"));
    assert_true(has_line(out.data, "# TYPE renkei_http_request_duration_seconds histogram"));
    rk_buf_free(&out);
    metrics_counters_free(c);
    metrics_counters_free(NULL);
}

struct adder {
    struct metrics_counters *c;
    int route;
};

static void *add_many(void *arg)
{
    struct adder *a = arg;
    for (int i = 0; i < 100000; i++)
        metrics_counters_add(a->c, a->route, 200 + i % 2, i % 3000);
    return NULL;
}

static void counters_are_exact_under_threads(void **state)
{
    (void)state;
    struct metrics_counters *c = metrics_counters_new(routes, 2);
    pthread_t t[4];
    struct adder a[4];
    struct rk_buf out = RK_BUF_INIT;

    for (int i = 0; i < 4; i++) {
        a[i] = (struct adder){c, i % 2};
        assert_int_equal(pthread_create(&t[i], NULL, add_many, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    metrics_counters_render(c, &out);
    assert_true(has_line(out.data, "renkei_http_requests_total{route=\"route-a\",code=\"200\"} "
                                   "100000"));
    assert_true(has_line(out.data, "renkei_http_requests_total{route=\"route-b\",code=\"201\"} "
                                   "100000"));
    assert_true(
        has_line(out.data, "renkei_http_request_duration_seconds_count{route=\"route-b\"} 200000"));
    rk_buf_free(&out);
    metrics_counters_free(c);
}

static void exposition_has_every_family(void **state)
{
    (void)state;
    struct metrics_gauges g = {.version = "9.8.7",
                               .ingested = 12,
                               .refused = 3,
                               .have_store = true,
                               .store_bytes = 4096,
                               .store_wal_bytes = 0,
                               .audit_entries = 5};
    struct rk_buf out = RK_BUF_INIT;

    metrics_render(NULL, &g, &out);
    assert_true(has_line(out.data, "renkei_build_info{version=\"9.8.7\"} 1"));
    assert_true(has_line(out.data, "# TYPE renkei_build_info gauge"));
    assert_true(has_line(out.data, "renkei_objects_ingested_total 12"));
    assert_true(has_line(out.data, "# TYPE renkei_objects_ingested_total counter"));
    assert_true(has_line(out.data, "renkei_objects_refused_total 3"));
    assert_true(has_line(out.data, "renkei_store_size_bytes 4096"));
    assert_true(has_line(out.data, "# TYPE renkei_store_size_bytes gauge"));
    assert_true(has_line(out.data, "renkei_store_wal_size_bytes 0"));
    assert_true(has_line(out.data, "renkei_audit_entries 5"));
    /* The request families are there even before any request. */
    assert_true(has_line(out.data, "# TYPE renkei_http_requests_total counter"));
    assert_int_equal(out.data[out.len - 1], '\n');

    rk_buf_reset(&out);
    g.have_store = false; /* the store could not be read: its families are left out */
    metrics_render(NULL, &g, &out);
    assert_null(strstr(out.data, "renkei_store_size_bytes"));
    assert_null(strstr(out.data, "renkei_audit_entries"));
    assert_true(has_line(out.data, "renkei_objects_refused_total 3"));
    rk_buf_free(&out);
}

/* ---- the access log ---------------------------------------------------------------------- */

#define TOKEN_HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_t *line_json(const struct http_done *d)
{
    struct rk_buf line = RK_BUF_INIT;
    json_error_t jerr;
    metrics_access_log_line(d, "00c0ffee00000001", &line);
    /* One line: the only newline ends it. */
    assert_true(line.len > 0);
    assert_int_equal(line.data[line.len - 1], '\n');
    assert_ptr_equal(strchr(line.data, '\n'), line.data + line.len - 1);
    assert_true(line.len < 4096);
    assert_null(strstr(line.data, TOKEN_HASH)); /* nor the hash, only its public id */
    json_t *v = json_loadb(line.data, line.len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        fail_msg("not JSON (%s): %s", jerr.text, line.data);
    rk_buf_free(&line);
    return v;
}

static void access_log_line_fields(void **state)
{
    (void)state;
    struct policy_principal who = {.authenticated = true, .role = STORE_ROLE_READER};
    struct http_request req = {.method = "GET", .path = "/hub/collections/x/objects/"};
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct http_done d = {.req = &req,
                          .route = 3,
                          .peer = (struct sockaddr *)&sin,
                          .status = 200,
                          .bytes = 1234,
                          .started = 1700000000123456,
                          .duration_us = 4567};

    snprintf(who.org_id, sizeof(who.org_id), "%s", "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    snprintf(who.token_hash, sizeof(who.token_hash), "%s", TOKEN_HASH);
    req.principal = &who;
    inet_pton(AF_INET, "192.0.20.7", &sin.sin_addr);
    json_t *v = line_json(&d);
    assert_string_equal(json_string_value(json_object_get(v, "time")),
                        "2023-11-14T22:13:20.123456Z");
    assert_string_equal(json_string_value(json_object_get(v, "client")), "192.0.20.7");
    assert_string_equal(json_string_value(json_object_get(v, "request_id")), "00c0ffee00000001");
    assert_string_equal(json_string_value(json_object_get(v, "org_id")),
                        "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    assert_string_equal(json_string_value(json_object_get(v, "token_id")), "0123456789abcdef");
    assert_string_equal(json_string_value(json_object_get(v, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(v, "path")),
                        "/hub/collections/x/objects/");
    assert_int_equal(json_integer_value(json_object_get(v, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(v, "bytes")), 1234);
    assert_true(json_real_value(json_object_get(v, "duration_ms")) == 4.567);
    assert_int_equal(json_object_size(v), 10);
    json_decref(v);

    /* Anonymous, over IPv6, aborted before an answer. */
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
    req.principal = NULL;
    d.peer = (struct sockaddr *)&sin6;
    d.status = 0;
    d.bytes = 0;
    d.duration_us = 5;
    v = line_json(&d);
    assert_string_equal(json_string_value(json_object_get(v, "client")), "2001:db8::1");
    assert_true(json_is_null(json_object_get(v, "org_id")));
    assert_true(json_is_null(json_object_get(v, "token_id")));
    assert_int_equal(json_integer_value(json_object_get(v, "status")), 0);
    assert_true(json_real_value(json_object_get(v, "duration_ms")) == 0.005);
    json_decref(v);

    /* A head so bad that neither method nor path was read. */
    d.req = NULL;
    d.peer = NULL;
    v = line_json(&d);
    assert_true(json_is_null(json_object_get(v, "method")));
    assert_true(json_is_null(json_object_get(v, "path")));
    assert_string_equal(json_string_value(json_object_get(v, "client")), "");
    json_decref(v);
}

static void access_log_line_survives_any_path(void **state)
{
    (void)state;
    char path[3000];
    struct http_request req = {.method = "GET", .path = path};
    struct http_done d = {.req = &req, .status = 400};

    /* Control bytes, quotes, backslashes, invalid UTF-8, newlines: as long as it may be. */
    for (size_t i = 0; i < sizeof(path) - 1; i++)
        path[i] = (char)(1 + i % 255);
    path[sizeof(path) - 1] = '\0';
    json_t *v = line_json(&d);
    const char *logged = json_string_value(json_object_get(v, "path"));
    assert_non_null(logged);
    assert_true(strlen(logged) > 100);
    json_decref(v);

    /* Only the first 512 bytes of a long path. */
    memset(path, 'a', sizeof(path) - 1);
    v = line_json(&d);
    assert_int_equal(strlen(json_string_value(json_object_get(v, "path"))), 512);
    json_decref(v);
}

static void access_log_file_and_rotation(void **state)
{
    (void)state;
    char dir[] = "/tmp/rk-access-XXXXXX";
    char file[128], moved[128];
    struct http_request req = {.method = "GET", .path = "/healthz"};
    struct http_done d = {.req = &req, .status = 200};
    struct rk_err err;
    char *text = NULL;
    size_t len = 0;

    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/access.log", dir);
    snprintf(moved, sizeof(moved), "%s/access.log.1", dir);

    /* No access log: nothing written anywhere. */
    assert_int_equal(metrics_access_log_open(NULL, &err), 0);
    metrics_access_log_write(&d);
    metrics_access_log_close();

    assert_int_equal(metrics_access_log_open(file, &err), 0);
    metrics_access_log_write(&d);
    metrics_access_log_write(&d);
    assert_int_equal(rename(file, moved), 0); /* logrotate moves it... */
    metrics_access_log_write(&d);             /* (still the old file until told) */
    metrics_access_log_reopen();              /* ...and sends SIGHUP */
    metrics_access_log_write(&d);
    metrics_access_log_close();

    assert_int_equal(rk_read_file(moved, 1 << 20, true, &text, &len, &err), 0);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 3);
    free(text);
    assert_int_equal(rk_read_file(file, 1 << 20, true, &text, &len, &err), 0);
    lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 1);
    assert_non_null(strstr(text, "\"path\":\"/healthz\""));
    free(text);

    /* A file that cannot be opened is an error naming it. */
    snprintf(file, sizeof(file), "%s/no/such/dir/access.log", dir);
    assert_int_equal(metrics_access_log_open(file, &err), RK_E_IO);
    assert_non_null(strstr(err.msg, file));
    metrics_access_log_close();

    unlink(moved);
    snprintf(file, sizeof(file), "%s/access.log", dir);
    unlink(file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counters_and_histogram),
        cmocka_unit_test(counters_are_exact_under_threads),
        cmocka_unit_test(exposition_has_every_family),
        cmocka_unit_test(access_log_line_fields),
        cmocka_unit_test(access_log_line_survives_any_path),
        cmocka_unit_test(access_log_file_and_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
