/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c: the HTTP side of the TAXII client. One curl easy handle per client, reused so
 * that consecutive requests share a kept-alive connection; TAXII error objects are turned
 * into sentences a user can act on.
 */
#include "sync.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct sync_client {
    CURL *curl;                      /* the reused easy handle */
    struct curl_slist *get_headers;  /* Accept (and Authorization) for GET */
    struct curl_slist *post_headers; /* Accept, Content-Type (and Authorization) for POST */
    struct curl_slist *api_headers;  /* Accept: application/json (and Authorization) for GET
                                        of renkei's own JSON API */
    struct curl_slist *api_send;     /* the same and Content-Type: application/json, for its
                                        POST, PUT, PATCH and DELETE */
    struct rk_buf body;              /* the body of the response being received */
    bool body_too_big;               /* the response passed SYNC_MAX_RESPONSE */
    struct sync_response *resp;      /* where header values of the current response go */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static struct curl_slist *add_header(struct curl_slist *list, const char *h)
{
    struct curl_slist *n = curl_slist_append(list, h);
    if (n == NULL) {
        rk_log(RK_LOG_ERROR, "out of memory in curl_slist_append");
        abort();
    }
    return n;
}

struct sync_client *sync_client_new(const struct sync_opts *opts, struct rk_err *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        rk_err_set(err, RK_E_INTERNAL, "libcurl cannot be initialised: %s",
                   curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    struct sync_client *c = rk_calloc(1, sizeof(*c));
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        free(c);
        rk_err_set(err, RK_E_INTERNAL, "libcurl cannot create a handle");
        return NULL;
    }
    c->get_headers = add_header(NULL, "Accept: " SYNC_MEDIA_TYPE);
    c->api_headers = add_header(NULL, "Accept: application/json");
    c->post_headers = add_header(NULL, "Accept: " SYNC_MEDIA_TYPE);
    c->post_headers = add_header(c->post_headers, "Content-Type: " SYNC_MEDIA_TYPE);
    /* A large POST must not wait for a 100-continue round trip. */
    c->post_headers = add_header(c->post_headers, "Expect:");
    c->api_send = add_header(NULL, "Accept: application/json");
    c->api_send = add_header(c->api_send, "Content-Type: application/json");
    c->api_send = add_header(c->api_send, "Expect:");
    if (opts->token != NULL) {
        struct rk_buf h = RK_BUF_INIT;
        rk_buf_printf(&h, "Authorization: Bearer %s", opts->token);
        c->get_headers = add_header(c->get_headers, h.data);
        c->post_headers = add_header(c->post_headers, h.data);
        c->api_headers = add_header(c->api_headers, h.data);
        c->api_send = add_header(c->api_send, h.data);
        rk_buf_free(&h);
    } else if (opts->user != NULL || opts->password != NULL) {
        curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c->curl, CURLOPT_USERNAME, opts->user ? opts->user : "");
        curl_easy_setopt(c->curl, CURLOPT_PASSWORD, opts->password ? opts->password : "");
    }
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT,
                     opts->connect_timeout_s > 0 ? opts->connect_timeout_s : 10L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, opts->timeout_s > 0 ? opts->timeout_s : 300L);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "renkei/" RENKEI_VERSION);
    curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (opts->cacert != NULL)
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, opts->cacert);
    if (opts->insecure) {
        curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return c;
}

void sync_client_free(struct sync_client *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->get_headers);
    curl_slist_free_all(c->post_headers);
    curl_slist_free_all(c->api_headers);
    curl_slist_free_all(c->api_send);
    rk_buf_free(&c->body);
    free(c);
}

void sync_response_free(struct sync_response *r)
{
    if (r == NULL)
        return;
    json_decref(r->body);
    free(r->date_added_first);
    free(r->date_added_last);
    memset(r, 0, sizeof(*r));
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sync_client *c = userdata;
    size_t n = size * nmemb;
    if (c->body.len + n > SYNC_MAX_RESPONSE) {
        c->body_too_big = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    rk_buf_append(&c->body, ptr, n);
    return n;
}

/* Stores the value of header line h (of length n) if its name is name. */
static void grab_header(const char *h, size_t n, const char *name, char **out)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(h, name, nl) != 0 || h[nl] != ':')
        return;
    const char *v = h + nl + 1;
    const char *end = h + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    free(*out);
    *out = rk_strndup(v, (size_t)(end - v));
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct sync_client *c = userdata;
    size_t n = size * nitems;
    grab_header(buf, n, "X-TAXII-Date-Added-First", &c->resp->date_added_first);
    grab_header(buf, n, "X-TAXII-Date-Added-Last", &c->resp->date_added_last);
    return n;
}

static int code_for_status(long status)
{
    switch (status) {
    case 400:
        return RK_E_INVALID;
    case 401:
        return RK_E_UNAUTH;
    case 403:
        return RK_E_FORBIDDEN;
    case 404:
        return RK_E_NOTFOUND;
    case 406:
        return RK_E_NOTACCEPT;
    case 413:
        return RK_E_TOOBIG;
    case 415:
        return RK_E_UNSUPPORTED;
    case 422:
        return RK_E_UNPROCESSABLE;
    default:
        /* RK_E_IO stays reserved for transport failures, so callers can tell them apart. */
        return status >= 500 ? RK_E_INTERNAL : RK_E_INVALID;
    }
}

static const char *hint_for_status(long status)
{
    switch (status) {
    case 401:
        return " (hint: the server wants credentials: pass --token or set RENKEI_TOKEN, or "
               "--user/--password; check that the token is complete and not revoked)";
    case 403:
        return " (hint: your token is valid but its organisation or role may not do this on "
               "this collection; ask the hub's coordinator for access)";
    case 404:
        return " (hint: check the URL: the collection id and API root must exist and be "
               "visible to you; a collection you may not see is reported as not found)";
    case 406:
    case 415:
        return " (hint: the server does not speak TAXII 2.1 at this URL)";
    case 413:
        return " (hint: lower --batch)";
    default:
        return "";
    }
}

/* Writes the sentence for a non-2xx answer: TAXII error title and description if any. */
static int http_error(const char *method, const char *url, long status, const json_t *body,
                      struct rk_err *err)
{
    const char *title = json_string_value(json_object_get(body, "title"));
    const char *desc = json_string_value(json_object_get(body, "description"));
    const char *plain = json_string_value(json_object_get(body, "error"));
    return rk_err_set(err, code_for_status(status), "%s %s: HTTP %ld%s%s%s%s%s", method, url,
                      status, title ? ": " : "", title ? title : "",
                      desc ? ": " : (plain ? ": " : ""), desc ? desc : (plain ? plain : ""),
                      hint_for_status(status));
}

static int perform(struct sync_client *c, const char *method, const char *url, const char *body,
                   size_t len, struct curl_slist *headers, struct sync_response *resp,
                   struct rk_err *err)
{
    memset(resp, 0, sizeof(*resp));
    rk_buf_reset(&c->body);
    c->body_too_big = false;
    c->resp = resp;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
    if (body != NULL) {
        curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers != NULL ? headers : c->post_headers);
    } else {
        curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers != NULL ? headers : c->get_headers);
    }
    CURLcode cc = curl_easy_perform(c->curl);
    c->resp = NULL;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (cc != CURLE_OK) {
        if (c->body_too_big)
            return rk_err_set(err, RK_E_TOOBIG, "%s %s: response larger than %u bytes", method, url,
                              SYNC_MAX_RESPONSE);
        bool tls = cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                   cc == CURLE_SSL_CONNECT_ERROR;
        return rk_err_set(err, RK_E_IO, "%s %s: %s%s", method, url, curl_easy_strerror(cc),
                          tls ? " (hint: the server's TLS certificate was not trusted; pass "
                                "--cacert FILE with its CA, or --insecure for tests only)"
                              : "");
    }
    if (c->body.len > 0)
        resp->body = json_loadb(c->body.data, c->body.len, 0, NULL);
    if (resp->status < 200 || resp->status > 299)
        return http_error(method, url, resp->status, resp->body, err);
    if (resp->body == NULL)
        return rk_err_set(err, RK_E_INVALID, "%s %s: HTTP %ld but the body is not JSON", method,
                          url, resp->status);
    return 0;
}

int sync_get_json(struct sync_client *c, const char *url, struct sync_response *resp,
                  struct rk_err *err)
{
    return perform(c, "GET", url, NULL, 0, NULL, resp, err);
}

int sync_get_api_json(struct sync_client *c, const char *url, struct sync_response *resp,
                      struct rk_err *err)
{
    return perform(c, "GET", url, NULL, 0, c->api_headers, resp, err);
}

int sync_api_send(struct sync_client *c, const char *method, const char *url, const char *body,
                  size_t len, struct sync_response *resp, struct rk_err *err)
{
    if (strcmp(method, "POST") != 0)
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    int rc = perform(c, method, url, body, len, c->api_send, resp, err);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, NULL);
    if (rc == RK_E_INVALID && resp->status == 204 && resp->body == NULL) {
        rk_err_clear(err); /* No Content: nothing to parse */
        rc = 0;
    }
    return rc;
}

int sync_post_envelope(struct sync_client *c, const char *objects_url, const char *body, size_t len,
                       struct sync_response *resp, struct rk_err *err)
{
    return perform(c, "POST", objects_url, body, len, NULL, resp, err);
}

int sync_max_content_length(struct sync_client *c, const char *api_root, size_t *out,
                            struct rk_err *err)
{
    struct sync_response r;
    int rc = sync_get_json(c, api_root, &r, err);
    if (rc == 0) {
        const json_t *v = json_object_get(r.body, "max_content_length");
        if (json_is_integer(v) && json_integer_value(v) > 0)
            *out = (size_t)json_integer_value(v);
        else
            rc = rk_err_set(err, RK_E_INVALID, "the API root %s has no positive max_content_length",
                            api_root);
    }
    sync_response_free(&r);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0)
        ;
}

bool sync_status_pending(const json_t *status)
{
    const char *s = json_string_value(json_object_get(status, "status"));
    return s != NULL && strcmp(s, "pending") == 0;
}

int sync_wait_statuses(struct sync_client *c, const char *api_root, json_t **statuses, size_t n,
                       double wait_s, struct rk_err *err)
{
    int rc = 0;
    double delay = 0.2;
    double deadline = now_s() + wait_s;

    for (;;) {
        size_t left_pending = 0;
        for (size_t i = 0; i < n; i++)
            if (sync_status_pending(statuses[i]) &&
                json_is_string(json_object_get(statuses[i], "id")))
                left_pending++;
        double left = deadline - now_s();
        if (left_pending == 0 || left <= 0)
            break;
        sleep_s(delay < left ? delay : left);
        delay = delay * 2 < 5.0 ? delay * 2 : 5.0;
        /* One round: every status still pending is asked once per sleep. */
        for (size_t i = 0; i < n; i++) {
            const char *id = json_string_value(json_object_get(statuses[i], "id"));
            if (!sync_status_pending(statuses[i]) || id == NULL)
                continue;
            char *url = sync_status_url(api_root, id);
            struct sync_response r;
            rc = sync_get_json(c, url, &r, err);
            free(url);
            if (rc == 0 && json_is_object(r.body)) {
                json_decref(statuses[i]);
                statuses[i] = json_incref(r.body);
            }
            sync_response_free(&r);
            if (rc != 0)
                return rc;
        }
    }
    return rc;
}
