/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_stream.c: `renkei alert stream`: follows GET /api/v1/stream (server-sent events) and
 * prints each event as it comes: one line for people, or with --json the delivered body as
 * one JSON line. A lost connection is reopened after a pause with Last-Event-ID, so that
 * nothing is missed or repeated; --count N stops after N events.
 */
#include "cli/alert.h"
#include "cli/args.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECONNECT_S    3
#define LINE_MAX_SSE   ((size_t)16 * 1024 * 1024) /* one event's data line, at most */
#define ERROR_BODY_MAX 4096

/* The state of one followed stream, across reconnections. */
struct follow {
    const struct alert_cli_args *a;
    CURL *curl;
    struct rk_buf line;  /* the line being received */
    struct rk_buf data;  /* the data of the event being received */
    char kind[64];       /* its event field */
    int64_t id;          /* its id field, -1 if none */
    int64_t last_id;     /* the last event printed (-1: none yet) */
    int64_t printed;     /* events printed */
    bool done;           /* --count reached */
    bool too_long;       /* a line passed LINE_MAX_SSE */
    long status;         /* HTTP status of the current connection, 0 before it is known */
    struct rk_buf error; /* the body of a non-200 answer */
};

static void print_event(struct follow *f)
{
    json_t *body = json_loadb(f->data.data, f->data.len, 0, NULL);

    if (f->a->json) {
        cli_json_print(body != NULL
                           ? body
                           : json_pack("{s:I, s:s, s:s#}", "id", (json_int_t)f->id, "event",
                                       f->kind, "data", f->data.data, (int)f->data.len));
    } else {
        const json_t *objs = json_object_get(body, "objects");
        size_t i;
        const json_t *o, *w;
        const char *when = json_string_value(json_object_get(body, "time"));
        printf("%lld %s %s", (long long)f->id, f->kind, when != NULL ? when : "");
        json_array_foreach(json_object_get(body, "watchlist"), i, w)
            printf("%s%s", i == 0 ? " watchlist " : ",", json_string_value(w));
        json_array_foreach(objs, i, o) printf(" %s", json_string_value(json_object_get(o, "id")));
        fputs("\n", stdout);
        fflush(stdout);
        json_decref(body);
    }
    f->last_id = f->id;
    f->printed++;
    if (f->a->count > 0 && f->printed >= f->a->count)
        f->done = true;
}

/* One line of the stream (without its end of line): SSE fields; an empty line ends an event. */
static void on_line(struct follow *f, const char *s, size_t n)
{
    if (n == 0) {
        if (f->data.len > 0 && f->id >= 0)
            print_event(f);
        rk_buf_reset(&f->data);
        f->kind[0] = '\0';
        f->id = -1;
        return;
    }
    if (s[0] == ':')
        return; /* a comment: the keep-alive */
    const char *colon = memchr(s, ':', n);
    size_t klen = colon != NULL ? (size_t)(colon - s) : n;
    const char *v = colon != NULL ? colon + 1 : s + n;
    if (v < s + n && *v == ' ')
        v++;
    size_t vlen = (size_t)(s + n - v);
    if (klen == 4 && memcmp(s, "data", 4) == 0) {
        if (f->data.len > 0)
            rk_buf_putc(&f->data, '\n');
        rk_buf_append(&f->data, v, vlen);
    } else if (klen == 5 && memcmp(s, "event", 5) == 0) {
        snprintf(f->kind, sizeof(f->kind), "%.*s", (int)vlen, v);
    } else if (klen == 2 && memcmp(s, "id", 2) == 0) {
        char num[32];
        snprintf(num, sizeof(num), "%.*s", (int)(vlen < 31 ? vlen : 31), v);
        if (rk_parse_int64(num, 0, INT64_MAX, &f->id) != 0)
            f->id = -1;
    }
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct follow *f = userdata;
    size_t n = size * nmemb;

    if (f->status == 0)
        curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
    if (f->status != 200) {
        if (f->error.len < ERROR_BODY_MAX)
            rk_buf_append(&f->error, ptr, n);
        return n;
    }
    for (size_t i = 0; i < n && !f->done; i++) {
        if (ptr[i] == '\n') {
            size_t len = f->line.len;
            if (len > 0 && f->line.data[len - 1] == '\r')
                len--;
            on_line(f, f->line.data != NULL ? f->line.data : "", len);
            rk_buf_reset(&f->line);
        } else if (f->line.len < LINE_MAX_SSE) {
            rk_buf_putc(&f->line, ptr[i]);
        } else {
            f->too_long = true;
            return 0;
        }
    }
    return f->done ? 0 : n; /* 0 ends the transfer once --count is reached */
}

/* Follows the stream over one connection. 0 when the connection ended (or --count was
 * reached), 1 for an answer that is not the stream (reported: no point reconnecting). */
static int follow_once(struct follow *f, const char *url, struct curl_slist *base,
                       struct rk_err *err)
{
    struct curl_slist *headers = NULL;
    char h[64];

    for (struct curl_slist *p = base; p != NULL; p = p->next)
        headers = curl_slist_append(headers, p->data);
    if (f->last_id >= 0) {
        snprintf(h, sizeof(h), "Last-Event-ID: %lld", (long long)f->last_id);
        headers = curl_slist_append(headers, h);
    }
    f->status = 0;
    rk_buf_reset(&f->line);
    rk_buf_reset(&f->data);
    rk_buf_reset(&f->error);
    f->id = -1;
    curl_easy_setopt(f->curl, CURLOPT_URL, url);
    curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
    CURLcode cc = curl_easy_perform(f->curl);
    curl_slist_free_all(headers);
    if (f->status == 0)
        curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
    if (f->done)
        return 0;
    if (f->status != 0 && f->status != 200) {
        json_t *e = json_loadb(f->error.data != NULL ? f->error.data : "", f->error.len, 0, NULL);
        const char *msg = json_string_value(json_object_get(e, "error"));
        rk_err_set(err, RK_E_INVALID, "GET %s: HTTP %ld%s%s", url, f->status, msg ? ": " : "",
                   msg ? msg : "");
        json_decref(e);
        return 1;
    }
    if (f->too_long) {
        rk_err_set(err, RK_E_TOOBIG, "GET %s: a line longer than %zu bytes", url, LINE_MAX_SSE);
        return 1;
    }
    rk_err_set(err, RK_E_IO, "GET %s: %s", url,
               cc == CURLE_OK ? "the hub closed the stream" : curl_easy_strerror(cc));
    return 0;
}

static struct curl_slist *base_headers(const struct sync_opts *so)
{
    struct curl_slist *h = curl_slist_append(NULL, "Accept: text/event-stream");
    if (so->token != NULL) {
        struct rk_buf b = RK_BUF_INIT;
        rk_buf_printf(&b, "Authorization: Bearer %s", so->token);
        h = curl_slist_append(h, b.data);
        rk_buf_free(&b);
    }
    return h;
}

int alert_cmd_stream(int argc, char **argv)
{
    struct alert_cli_args a;
    struct follow f;
    struct rk_err err;

    int rc = alert_cli_parse(&a, NULL, ALERT_OPT_LAST_EVENT_ID | ALERT_OPT_COUNT, 0, 0, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return cli_fail(a.json, 1, "libcurl cannot be initialised");
    memset(&f, 0, sizeof(f));
    f.a = &a;
    f.last_id = a.last_event_id;
    f.curl = curl_easy_init();
    const char *params[] = {"org", a.org};
    char *url = sync_api_url(a.hub, "/api/v1/stream", params, 1);
    struct curl_slist *headers = base_headers(&a.so);
    curl_easy_setopt(f.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f.curl, CURLOPT_CONNECTTIMEOUT, (long)a.timeout_s);
    curl_easy_setopt(f.curl, CURLOPT_LOW_SPEED_LIMIT, 1L); /* the hub's keep-alive: 15 s */
    curl_easy_setopt(f.curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(f.curl, CURLOPT_USERAGENT, "renkei/" RENKEI_VERSION);
    curl_easy_setopt(f.curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(f.curl, CURLOPT_WRITEDATA, &f);
    if (a.so.token == NULL && (a.so.user != NULL || a.so.password != NULL)) {
        curl_easy_setopt(f.curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(f.curl, CURLOPT_USERNAME, a.so.user ? a.so.user : "");
        curl_easy_setopt(f.curl, CURLOPT_PASSWORD, a.so.password ? a.so.password : "");
    }
    if (a.so.cacert != NULL)
        curl_easy_setopt(f.curl, CURLOPT_CAINFO, a.so.cacert);
    if (a.so.insecure) {
        curl_easy_setopt(f.curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(f.curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    rc = 0;
    for (bool first = true; !f.done; first = false) {
        rk_err_clear(&err);
        int64_t before = f.printed;
        rc = follow_once(&f, url, headers, &err);
        if (rc != 0 || f.done)
            break;
        if (first && f.status == 0) { /* never connected: the URL or the hub is wrong */
            rc = 1;
            break;
        }
        fprintf(stderr, "renkei %s: %s; reconnecting in %d s%s\n", a.label, err.msg, RECONNECT_S,
                f.printed > before || f.last_id >= 0 ? " after the last event" : "");
        struct timespec pause = {RECONNECT_S, 0};
        nanosleep(&pause, NULL);
    }
    if (rc != 0)
        cli_fail_named(a.label, a.json, err.msg);
    curl_slist_free_all(headers);
    curl_easy_cleanup(f.curl);
    rk_buf_free(&f.line);
    rk_buf_free(&f.data);
    rk_buf_free(&f.error);
    free(url);
    return rc != 0 ? 1 : 0;
}
