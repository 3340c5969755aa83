/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.c: GET /api/v1/stream, the organisation's events as server-sent events
 * (text/event-stream), one `id: SEQ / event: KIND / data: BODY` block per event, BODY the
 * event as alert_payload shows it to the organisation now (withheld events are skipped). It
 * resumes after Last-Event-ID (or ?last_event_id=N; ?from=0 for the whole log); without
 * either it starts after the last event already logged. Each open stream is registered so that
 * alert_stream_wake_all (called when events were committed) makes it look at once; it also
 * looks every poll interval (events appended by another process) and sends a keep-alive
 * comment when it has been quiet for 15 s (and ends if its organisation is no longer a member).
 * A few events per call of the producer bound the memory a stream holds, whatever the reader's
 * speed.
 */
#include "alert/config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/module.h"

#define BATCH          8  /* events read per look */
#define LOOKS_PER_CALL 16 /* looks of one producer call when every event is withheld */
#define KEEPALIVE_MS   15000
#define KEEPALIVE_ENV  "RENKEI_STREAM_KEEPALIVE_MS" /* tests: a shorter keep-alive */

/* One open stream. */
struct sse {
    struct rk_hub *hub;
    char org_id[RK_UUID_LEN];
    int64_t after;              /* the last seq sent or skipped */
    rk_time_us last_write;      /* when bytes were last produced */
    int64_t keepalive_us;       /* quiet time before a keep-alive comment */
    bool started;               /* the first bytes (a comment) went out */
    struct http_stream *stream; /* set at the first produce: registered from then on */
    struct sse *next;           /* in the registry */
};

/* Every registered stream, for alert_stream_wake_all. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sse *registry;

void alert_stream_wake_all(void)
{
    pthread_mutex_lock(&registry_lock);
    for (struct sse *s = registry; s != NULL; s = s->next)
        http_stream_wake(s->stream);
    pthread_mutex_unlock(&registry_lock);
}

static void registry_add(struct sse *s, struct http_stream *stream)
{
    pthread_mutex_lock(&registry_lock);
    s->stream = stream;
    s->next = registry;
    registry = s;
    pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(struct sse *s)
{
    pthread_mutex_lock(&registry_lock);
    for (struct sse **p = &registry; *p != NULL; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    s->stream = NULL;
    pthread_mutex_unlock(&registry_lock);
}

/* ---- reading events --------------------------------------------------------------------- */

/* Events copied out of the store's callback (its strings live only during it). */
struct batch {
    size_t n;
    struct {
        int64_t seq;
        rk_time_us time;
        char *kind;
        char *json;
    } ev[BATCH];
};

static int batch_add(void *ctx, const struct store_event *e)
{
    struct batch *b = ctx;

    if (b->n == BATCH)
        return 1;
    b->ev[b->n].seq = e->seq;
    b->ev[b->n].time = e->time;
    b->ev[b->n].kind = rk_strndup(e->kind, strlen(e->kind));
    b->ev[b->n].json = rk_strndup(e->json, strlen(e->json));
    b->n++;
    return 0;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->ev[i].kind);
        free(b->ev[i].json);
    }
    b->n = 0;
}

/* Appends the SSE block of one event (unless withheld) to out. */
static int write_event(struct sse *s, const struct store_event *e, struct rk_buf *out,
                       struct rk_err *err)
{
    json_t *body = NULL;
    bool withheld = false;

    int rc = alert_payload(s->hub, e, NULL, &body, &withheld, err);
    if (rc != 0 || withheld)
        return rc;
    char *data = json_dumps(body, JSON_COMPACT); /* one line: JSON strings escape newlines */
    json_decref(body);
    if (data == NULL)
        return rk_err_set(err, RK_E_NOMEM, "cannot write event %lld", (long long)e->seq);
    rk_buf_printf(out, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)e->seq, e->kind, data);
    free(data);
    return 0;
}

/* One look: the next events after s->after into out, up to a chunk. *more: a full batch was
 * read (there may be more). */
static int look(struct sse *s, struct rk_buf *out, bool *more, struct rk_err *err)
{
    struct batch b = {0};

    int rc = store_event_since(s->hub->store, s->org_id, s->after, BATCH, batch_add, &b, err);
    *more = rc == 0 && b.n == BATCH;
    for (size_t i = 0; rc == 0 && i < b.n; i++) {
        if (out->len >= HTTP_STREAM_CHUNK) {
            *more = true; /* the rest next call */
            break;
        }
        struct store_event e = {.seq = b.ev[i].seq,
                                .time = b.ev[i].time,
                                .org_id = s->org_id,
                                .kind = b.ev[i].kind,
                                .json = b.ev[i].json};
        rc = write_event(s, &e, out, err);
        if (rc == 0)
            s->after = e.seq;
    }
    batch_clear(&b);
    return rc;
}

/* Whether the stream's organisation is still a member (not disabled, not removed); looked at
 * with every keep-alive, so that a former member's open stream ends. A store failure counts
 * as yes: the next look tells. */
static bool still_member(struct sse *s)
{
    struct policy_principal who;
    struct rk_err err;

    rk_err_clear(&err);
    int rc = alert_org_principal(s->hub, s->org_id, &who, &err);
    return rc != RK_E_NOTFOUND && rc != RK_E_FORBIDDEN;
}

static int produce(void *state, struct http_stream *stream, struct rk_buf *out)
{
    struct sse *s = state;
    struct rk_err err;
    bool more = false;

    rk_err_clear(&err);
    if (s->stream == NULL)
        registry_add(s, stream);
    if (!s->started) { /* the head goes out at once; clients see the stream is open */
        s->started = true;
        rk_buf_puts(out, ": renkei event stream\nretry: 3000\n\n");
    }
    for (int i = 0; i < LOOKS_PER_CALL && out->len < HTTP_STREAM_CHUNK; i++) {
        int rc = look(s, out, &more, &err);
        if (rc != 0) {
            rk_log(RK_LOG_ERROR, "event stream of %s: %s", s->org_id, err.msg);
            return rc;
        }
        if (!more || out->len > 0)
            break;
    }
    rk_time_us now = rk_time_now();
    if (out->len == 0 && more)
        http_stream_wake(stream); /* only withheld events so far: go on soon */
    else if (out->len == 0 && now - s->last_write >= s->keepalive_us - s->keepalive_us / 20) {
        if (!still_member(s))
            return HTTP_PRODUCE_END; /* a former member's stream closes */
        rk_buf_puts(out, ": keep-alive\n\n");
    }
    if (out->len == 0)
        return HTTP_PRODUCE_WAIT;
    s->last_write = now;
    return HTTP_PRODUCE_MORE;
}

static void end(void *state, bool complete)
{
    struct sse *s = state;

    (void)complete;
    registry_remove(s);
    free(s);
}

/* ---- where a stream starts -------------------------------------------------------------- */

static int count_one(void *ctx, const struct store_event *e)
{
    (void)e;
    *(bool *)ctx = true;
    return 1;
}

/* Whether the organisation has an event with seq > after. */
static int has_after(struct store *st, const char *org_id, int64_t after, bool *yes,
                     struct rk_err *err)
{
    *yes = false;
    return store_event_since(st, org_id, after, 1, count_one, yes, err);
}

/* The organisation's last seq (0 for none): seqs run 1, 2, 3... without gaps, so a doubling
 * probe then a bisection finds it in O(log n) reads. */
static int last_seq(struct store *st, const char *org_id, int64_t *out, struct rk_err *err)
{
    int64_t lo = 0, hi = 1;
    bool yes = false;
    int rc;

    for (;;) { /* find hi with no event >= hi */
        rc = has_after(st, org_id, hi - 1, &yes, err);
        if (rc != 0)
            return rc;
        if (!yes)
            break;
        lo = hi;
        hi *= 2;
    }
    while (hi - lo > 1) { /* seq lo exists (or lo = 0), seq hi does not */
        int64_t mid = lo + (hi - lo) / 2;
        rc = has_after(st, org_id, mid - 1, &yes, err);
        if (rc != 0)
            return rc;
        if (yes)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

/* Where the stream starts: 0 and *after, or answers 400 and returns 1. */
static int start_after(struct rk_hub *hub, const struct http_request *req,
                       struct http_response *resp, const char *org_id, int64_t *after)
{
    const char *from_header = http_header(req, "Last-Event-ID");
    const char *from_param = module_param(req, "last_event_id");
    const char *from_all = module_param(req, "from");
    const char *what = "Last-Event-ID";
    const char *v = from_header;
    struct rk_err err;

    if (v == NULL || v[0] == '\0') {
        v = from_param, what = "last_event_id";
        if (v == NULL)
            v = from_all, what = "from";
    }
    if (v != NULL && rk_parse_int64(v, 0, INT64_MAX, after) != 0) {
        alert_config_refuse(resp, 400, "%s: must be an event id (a number, 0 or more)", what);
        return 1;
    }
    if (v != NULL)
        return 0;
    rk_err_clear(&err);
    int rc = last_seq(hub->store, org_id, after, &err);
    if (rc != 0) {
        alert_config_fail(resp, rc, &err);
        return 1;
    }
    return 0;
}

static int stream_open(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org_id[RK_UUID_LEN];
    int64_t after = 0;

    (void)err;
    if (module_need_member(req, resp))
        return 0;
    /* One's own events only, the coordinator too: what a stream shows is read as its
     * organisation, and another's view may hold what the coordinator may not read itself. */
    const struct policy_principal *who = req->principal;
    const char *org = module_param(req, "org");
    if (org != NULL && org[0] != '\0' && strcmp(org, who->org_id) != 0 &&
        strcmp(org, who->org_name) != 0)
        return alert_config_refuse(resp, 403,
                                   "the stream shows your own organisation's events only");
    snprintf(org_id, sizeof(org_id), "%s", who->org_id);
    if (start_after(hub, req, resp, org_id, &after))
        return 0;
    struct sse *s = rk_calloc(1, sizeof(*s));
    s->hub = hub;
    snprintf(s->org_id, sizeof(s->org_id), "%s", org_id);
    s->after = after;
    s->keepalive_us = alert_env_int(KEEPALIVE_ENV, 100, 3600 * 1000, KEEPALIVE_MS) * 1000;
    int64_t poll_ms = alert_interval_ms();
    s->last_write = rk_time_now();
    struct http_producer p = {
        .produce = produce,
        .end = end,
        .state = s,
        .wait_ms = (unsigned)(s->keepalive_us / 1000 < poll_ms ? s->keepalive_us / 1000 : poll_ms),
    };
    resp->status = 200;
    resp->content_type = "text/event-stream";
    http_set_header(resp, "Cache-Control", "no-cache");
    http_set_header(resp, "X-Accel-Buffering", "no");
    http_response_stream(resp, &p);
    return 0;
}

size_t alert_stream_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route routes[] = {
        {"GET", "/api/v1/stream", stream_open, hub, HTTP_ROUTE_PRODUCES(HTTP_MEDIA_EVENTS),
         "alert-stream"},
    };
    size_t n = sizeof(routes) / sizeof(routes[0]);

    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}
