/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dead.c: dead letters, the events a channel gave up on after its dead-letter time: their
 * records (alert-dead, id "<subscription>/<seq>", "/email" appended for the e-mail channel)
 * and GET /api/v1/dead-letters, which shows the owner each one with the event's body as the
 * organisation may see it now (through the access check; a withheld one without objects).
 */
#include "alert/deliver_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/module.h"
#include "policy/auth.h"

#define DEAD_LIST_MAX 1000 /* the newest ones shown at most; "more" says there are others */

/* The record id of the dead letter of event seq of channel of sub_id. */
static void dead_id(char *out, size_t n, const char *sub_id, const char *channel, int64_t seq)
{
    snprintf(out, n, "%s/%lld%s", sub_id, (long long)seq,
             strcmp(channel, "email") == 0 ? "/email" : "");
}

int alert_dead_put(struct store *s, const char *org_id, const char *sub_id, const char *channel,
                   int64_t seq, rk_time_us first_failure, int attempts, const char *last_error,
                   struct rk_err *err)
{
    char id[160], when[RK_TIME_LEN], since[RK_TIME_LEN], event_id[24];
    dead_id(id, sizeof(id), sub_id, channel, seq);
    snprintf(event_id, sizeof(event_id), "%lld", (long long)seq);
    rk_time_format(rk_time_now(), when);
    rk_time_format(first_failure, since);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "subscription", sub_id, "channel",
                          channel, "event_id", event_id, "time", when, "failing_since", since,
                          "attempts", attempts, "last_error", last_error != NULL ? last_error : "");
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    struct store_record r = {.kind = ALERT_REC_DEAD, .id = id, .org_id = org_id, .json = text};
    int rc = store_record_put(s, &r, err);
    free(text);
    return rc;
}

struct listing {
    const char *subscription; /* filter, or NULL */
    json_t *items;
};

static int dead_row(void *ctx, const struct store_record *r)
{
    struct listing *l = ctx;
    json_t *j = json_loads(r->json, 0, NULL);
    const char *sub = json_string_value(json_object_get(j, "subscription"));

    if (json_is_object(j) && sub != NULL &&
        (l->subscription == NULL || strcmp(l->subscription, sub) == 0))
        json_array_append(l->items, j);
    json_decref(j);
    return 0;
}

struct one_event {
    struct store_event e;
    bool found;
};

static int event_found(void *ctx, const struct store_event *e)
{
    struct one_event *o = ctx;

    o->e.seq = e->seq;
    o->e.time = e->time;
    o->e.org_id = rk_strdup(e->org_id);
    o->e.kind = rk_strdup(e->kind);
    o->e.json = rk_strdup(e->json);
    o->found = true;
    return 1;
}

/* The "event" member of a dead letter: the body as org may see it now, or without objects. */
static int dead_event(struct rk_hub *hub, const char *org_id, const json_t *dead, json_t **out,
                      struct rk_err *err)
{
    const char *sub = json_string_value(json_object_get(dead, "subscription"));
    const char *event_id = json_string_value(json_object_get(dead, "event_id"));
    int64_t seq;
    struct one_event o = {0};
    bool withheld = false;

    *out = json_null();
    if (event_id == NULL || rk_parse_int64(event_id, 1, INT64_MAX, &seq) != 0)
        return 0;
    int rc = store_event_since(hub->store, org_id, seq - 1, 1, event_found, &o, err);
    if (rc != 0 || !o.found || o.e.seq != seq)
        goto done;
    json_t *body = NULL;
    rc = alert_payload(hub, &o.e, sub, &body, &withheld, err);
    if (rc == 0 && withheld) {
        char when[RK_TIME_LEN];
        rk_time_format(o.e.time, when);
        body = json_pack("{s:s, s:s, s:s, s:s?, s:[], s:b}", "event_id", event_id, "kind", o.e.kind,
                         "time", when, "subscription", sub, "objects", "withheld", 1);
    }
    if (rc == 0) {
        json_decref(*out);
        *out = body;
    }
done:
    free((char *)o.e.org_id);
    free((char *)o.e.kind);
    free((char *)o.e.json);
    return rc;
}

int alert_dead_letters_get(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org_id[RK_UUID_LEN];
    struct listing l = {.subscription = module_param(req, "subscription")};
    int rc;

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    l.items = json_array();
    rc = store_record_list(hub->store, ALERT_REC_DEAD, org_id, dead_row, &l, err);
    if (rc != 0) {
        json_decref(l.items);
        return rc;
    }
    size_t n = json_array_size(l.items);
    bool more = n > DEAD_LIST_MAX;
    while (json_array_size(l.items) > DEAD_LIST_MAX)
        json_array_remove(l.items, 0); /* oldest first: keep the newest */
    size_t i;
    json_t *d;
    json_array_foreach(l.items, i, d)
    {
        json_t *ev = NULL;
        rc = dead_event(hub, org_id, d, &ev, err);
        if (rc != 0) {
            json_decref(ev);
            json_decref(l.items);
            return rc;
        }
        json_object_set_new(d, "event", ev);
    }
    http_reply_json(resp, 200, json_pack("{s:o, s:b}", "dead_letters", l.items, "more", more));
    return 0;
}

struct found {
    char *json, *org_id;
};

static int dead_found(void *ctx, const struct store_record *r)
{
    struct found *f = ctx;
    f->json = rk_strdup(r->json);
    f->org_id = rk_strdup(r->org_id != NULL ? r->org_id : "");
    return 1;
}

/* Rewrites the dead letter id (found as f) with j. */
static int dead_rewrite(struct store *s, const char *id, const struct found *f, json_t *j,
                        struct rk_err *err)
{
    char *text = json_dumps(j, JSON_COMPACT);
    struct store_record r = {.kind = ALERT_REC_DEAD, .id = id, .org_id = f->org_id, .json = text};
    int rc = store_record_put(s, &r, err);
    free(text);
    return rc;
}

int alert_dead_resolve(struct store *s, const char *sub_id, const char *channel, int64_t seq,
                       bool delivered, const char *last_error, struct rk_err *err)
{
    char id[160];
    struct found f = {0};

    dead_id(id, sizeof(id), sub_id, channel, seq);
    if (delivered)
        return store_record_delete(s, ALERT_REC_DEAD, id, err);
    int rc = store_record_get(s, ALERT_REC_DEAD, id, dead_found, &f, err);
    if (rc == 0) {
        json_t *j = json_loads(f.json, 0, NULL);
        if (json_is_object(j)) {
            json_object_set_new(j, "retry", json_false());
            json_object_set_new(
                j, "attempts",
                json_integer(json_integer_value(json_object_get(j, "attempts")) + 1));
            json_object_set_new(j, "last_error", json_string(last_error ? last_error : ""));
            rc = dead_rewrite(s, id, &f, j, err);
        }
        json_decref(j);
    }
    free(f.json);
    free(f.org_id);
    return rc;
}

int alert_dead_letter_retry(void *ctx, struct http_request *req, struct http_response *resp,
                            struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const char *sub = req->captures[0];
    const char *channel = module_param(req, "channel");
    char org_id[RK_UUID_LEN], id[160];
    int64_t seq;
    struct found f = {0};
    int rc;

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    if (channel != NULL && strcmp(channel, "webhook") != 0 && strcmp(channel, "email") != 0) {
        http_json_error(resp, 400, "channel: expected webhook or email");
        return 0;
    }
    if (rk_parse_int64(req->captures[1], 1, INT64_MAX, &seq) != 0 || strlen(sub) > 64) {
        http_json_error(resp, 404, "no such dead letter");
        return 0;
    }
    /* the webhook's unless ?channel=email, or the e-mail's if the webhook has none */
    dead_id(id, sizeof(id), sub, channel != NULL ? channel : "webhook", seq);
    rc = store_record_get(hub->store, ALERT_REC_DEAD, id, dead_found, &f, err);
    if (rc == RK_E_NOTFOUND && channel == NULL) {
        dead_id(id, sizeof(id), sub, "email", seq);
        rc = store_record_get(hub->store, ALERT_REC_DEAD, id, dead_found, &f, err);
    }
    if (rc == 0 && strcmp(f.org_id, org_id) != 0)
        rc = RK_E_NOTFOUND; /* another organisation's: as if it did not exist */
    json_t *j = rc == 0 ? json_loads(f.json, 0, NULL) : NULL;
    if (rc == 0 && json_is_object(j)) {
        json_object_set_new(j, "retry", json_true());
        rc = dead_rewrite(hub->store, id, &f, j, err);
    }
    free(f.json);
    free(f.org_id);
    if (rc == RK_E_NOTFOUND) {
        json_decref(j);
        http_json_error(resp, 404, "no such dead letter");
        return 0;
    }
    if (rc != 0) {
        json_decref(j);
        return rc;
    }
    alert_deliver_retry_requested();
    http_reply_json(resp, 202,
                    json_pack("{s:O, s:O, s:O, s:b}", "subscription",
                              json_object_get(j, "subscription"), "channel",
                              json_object_get(j, "channel"), "event_id",
                              json_object_get(j, "event_id"), "retry", 1));
    json_decref(j);
    return 0;
}
