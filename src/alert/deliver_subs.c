/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver_subs.c: the delivery worker's subscriptions: which ones have a webhook or an e-mail
 * (the alert-subscription records, followed as they are added, changed and removed) and each
 * one's delivery state, kept in its alert-channel record: the webhook's state at the top (the
 * e-mail's for an e-mail-only subscription), the e-mail's under "email" when it has both:
 * {"channel", "cursor", "attempts", "next_at", "failing_since", "last_error", "last_status",
 *  "delivered", "dead"}.
 */
#include "alert/deliver_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- events ------------------------------------------------------------------------------ */

void deliver_held_clear(struct held_event *e)
{
    free(e->org_id);
    free(e->kind);
    free(e->json);
    memset(e, 0, sizeof(*e));
}

/* ---- the channel record ------------------------------------------------------------------ */

static json_t *channel_state_json(const struct channel *c)
{
    return json_pack("{s:s, s:I, s:i, s:I, s:I, s:s, s:i, s:I, s:I}", "channel",
                     c->medium == MEDIUM_WEBHOOK ? "webhook" : "email", "cursor",
                     (json_int_t)c->cursor, "attempts", c->attempts, "next_at",
                     (json_int_t)c->next_at, "failing_since", (json_int_t)c->failing_since,
                     "last_error", c->last_error, "last_status", (int)c->last_status, "delivered",
                     (json_int_t)c->delivered, "dead", (json_int_t)c->dead);
}

static void channel_state_load(struct channel *c, const json_t *j)
{
    const char *e = json_string_value(json_object_get(j, "last_error"));

    c->cursor = json_integer_value(json_object_get(j, "cursor"));
    c->attempts = (int)json_integer_value(json_object_get(j, "attempts"));
    c->failing_since = json_integer_value(json_object_get(j, "failing_since"));
    c->last_status = (long)json_integer_value(json_object_get(j, "last_status"));
    c->delivered = json_integer_value(json_object_get(j, "delivered"));
    c->dead = json_integer_value(json_object_get(j, "dead"));
    snprintf(c->last_error, sizeof(c->last_error), "%s", e != NULL ? e : "");
    c->next_at = 0; /* after a restart: try at once */
}

/*
 * The record's document: the webhook's state at the top (the e-mail's for an e-mail-only
 * subscription) and, when the subscription has both, the e-mail's under "email".
 */
static char *channel_record_json(const struct sub *s)
{
    json_t *top = channel_state_json(s->web.present ? &s->web : &s->mail);

    if (s->web.present && s->mail.present)
        json_object_set_new(top, "email", channel_state_json(&s->mail));
    char *text = json_dumps(top, JSON_COMPACT);
    json_decref(top);
    return text;
}

static int record_found(void *ctx, const struct store_record *r)
{
    *(char **)ctx = rk_strdup(r->json);
    return 1;
}

struct save {
    const struct sub *sub;
    const char *json;
    const struct channel *dead_of; /* also a dead letter of this channel's head */
};

static int save_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct save *sv = ctx;
    char *existing = NULL;

    /* a subscription deleted meanwhile keeps no state (its deletion removed the record) */
    int rc = store_record_get(s, ALERT_REC_SUBSCRIPTION, sv->sub->id, record_found, &existing, err);
    free(existing);
    if (rc == RK_E_NOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    if (sv->dead_of != NULL) {
        const struct channel *c = sv->dead_of;
        rc = alert_dead_put(s, sv->sub->org_id, sv->sub->id,
                            c->medium == MEDIUM_WEBHOOK ? "webhook" : "email", c->head.seq,
                            c->failing_since, c->attempts, c->last_error, err);
        if (rc != 0)
            return rc;
    }
    struct store_record r = {
        .kind = ALERT_REC_CHANNEL, .id = sv->sub->id, .org_id = sv->sub->org_id, .json = sv->json};
    return store_record_put(s, &r, err);
}

/* Stores the subscription's delivery state (and a dead letter): 0 or an error (logged). */
struct save_many {
    struct channel *const *cs;
    size_t n;
};

static int save_many_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct save_many *m = ctx;

    for (size_t i = 0; i < m->n; i++) {
        char *json = channel_record_json(m->cs[i]->sub);
        struct save sv = {.sub = m->cs[i]->sub, .json = json};
        int rc = save_tx(&sv, s, err);
        free(json);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int deliver_save_many(struct channel *const *cs, size_t n)
{
    struct rk_err err = {0};
    struct save_many m = {.cs = cs, .n = n};

    if (n == 0)
        return 0;
    int rc = store_write_tx(deliver_w.hub->store, save_many_tx, &m, &err);
    if (rc != 0)
        rk_log(RK_LOG_ERROR, "alert delivery: storing the state of %zu channels: %s", n, err.msg);
    return rc;
}

void deliver_flush_dirty(void)
{
    struct channel **cs = NULL;
    size_t n = 0;

    for (size_t i = 0; i < deliver_w.n_subs; i++) {
        struct channel *both[] = {&deliver_w.subs[i]->web, &deliver_w.subs[i]->mail};
        for (size_t k = 0; k < 2; k++)
            if (both[k]->present && both[k]->dirty && !both[k]->done) {
                cs = rk_realloc(cs, (n + 1) * sizeof(*cs));
                cs[n++] = both[k];
            }
    }
    if (n > 0 && deliver_save_many(cs, n) == 0)
        for (size_t i = 0; i < n; i++)
            cs[i]->dirty = false;
    free(cs);
}

int deliver_save(const struct sub *s, const struct channel *dead_of)
{
    struct rk_err err = {0};
    char *json = channel_record_json(s);
    struct save sv = {.sub = s, .json = json, .dead_of = dead_of};
    int rc = store_write_tx(deliver_w.hub->store, save_tx, &sv, &err);

    if (rc != 0)
        rk_log(RK_LOG_ERROR, "alert delivery: storing the state of subscription %s: %s", s->id,
               err.msg);
    free(json);
    return rc;
}

/* ---- subscriptions ----------------------------------------------------------------------- */

void deliver_channel_stop(struct channel *c)
{
    if (c->in_flight) {
        curl_multi_remove_handle(deliver_w.multi, c->easy);
        deliver_w.in_flight--;
        c->in_flight = false;
    }
    c->redoing = false; /* a retry cut short stays marked: tried again at the next start */
    free(c->body);
    c->body = NULL;
    curl_slist_free_all(c->headers);
    c->headers = NULL;
    alert_mail_clear(&c->mail);
}

void deliver_sub_free(struct sub *s)
{
    struct channel *chans[] = {&s->web, &s->mail};
    for (size_t i = 0; i < 2; i++) {
        deliver_channel_stop(chans[i]);
        if (chans[i]->easy != NULL)
            curl_easy_cleanup(chans[i]->easy);
        deliver_held_clear(&chans[i]->head);
        deliver_held_clear(&chans[i]->redo_ev);
        free(chans[i]->redo);
    }
    for (size_t i = 0; i < s->n_to; i++)
        free(s->to[i]);
    free(s->to);
    free(s->id);
    free(s->org_id);
    free(s->url);
    free(s->secret);
    free(s);
}

/* Parses a subscription record into s's settings; false when it has no channel to drive. */
static bool sub_parse(struct sub *s, const json_t *j)
{
    const json_t *wh = json_object_get(j, "webhook");
    const json_t *em = json_object_get(j, "email");
    const char *url = json_string_value(json_object_get(wh, "url"));
    const char *secret = json_string_value(json_object_get(wh, "secret"));
    const json_t *after = json_object_get(j, "dead_letter_after");
    size_t i;
    const json_t *v;

    free(s->url);
    free(s->secret);
    s->url = s->secret = NULL;
    for (i = 0; i < s->n_to; i++)
        free(s->to[i]);
    free(s->to);
    s->to = NULL;
    s->n_to = 0;
    char why[256];
    /* the routes' own check: it also guards records written any other way */
    if (url != NULL && alert_webhook_url_check(url, why, sizeof(why)) != 0)
        rk_log(RK_LOG_WARN, "alert delivery: subscription %s: not delivered: %s", s->id, why);
    else if (url != NULL && secret != NULL) {
        s->url = rk_strdup(url);
        s->secret = rk_strdup(secret);
    }
    const json_t *to = json_object_get(em, "to");
    if (json_array_size(to) > 0) {
        s->to = rk_calloc(json_array_size(to), sizeof(char *));
        json_array_foreach(to, i, v)
        {
            if (json_is_string(v))
                s->to[s->n_to++] = rk_strdup(json_string_value(v));
        }
    }
    s->dead_after_us = json_is_integer(after) && json_integer_value(after) > 0
                           ? (int64_t)json_integer_value(after) * 1000000
                           : deliver_w.default_dead_us;
    s->web.present = s->url != NULL;
    s->mail.present = s->n_to > 0;
    return s->web.present || s->mail.present;
}

struct sub *deliver_sub_find(const char *id)
{
    for (size_t i = 0; i < deliver_w.n_subs; i++)
        if (strcmp(deliver_w.subs[i]->id, id) == 0)
            return deliver_w.subs[i];
    return NULL;
}

size_t deliver_org_index(const char *org_id)
{
    for (size_t i = 0; i < deliver_w.n_orgs; i++)
        if (strcmp(deliver_w.orgs[i].id, org_id) == 0)
            return i;
    deliver_w.orgs = rk_realloc(deliver_w.orgs, (deliver_w.n_orgs + 1) * sizeof(*deliver_w.orgs));
    deliver_w.orgs[deliver_w.n_orgs] = (struct deliver_org){.id = rk_strdup(org_id)};
    return deliver_w.n_orgs++;
}

/* The stored state of a new subscription's channels, if any. */
static void sub_load_state(struct sub *s)
{
    char *text = NULL;

    if (store_record_get(deliver_w.hub->store, ALERT_REC_CHANNEL, s->id, record_found, &text,
                         NULL) != 0)
        return;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    if (!json_is_object(j)) {
        json_decref(j);
        return;
    }
    const char *first = json_string_value(json_object_get(j, "channel"));
    bool top_is_mail = first != NULL && strcmp(first, "email") == 0;
    if (!top_is_mail)
        channel_state_load(&s->web, j);
    if (top_is_mail)
        channel_state_load(&s->mail, j);
    else if (json_is_object(json_object_get(j, "email")))
        channel_state_load(&s->mail, json_object_get(j, "email"));
    json_decref(j);
}

static int sub_seen(void *ctx, const struct store_record *r)
{
    (void)ctx;
    struct sub *s = deliver_sub_find(r->id);

    if (s != NULL && s->updated == r->updated) {
        s->seen = true;
        return 0;
    }
    json_t *j = json_loads(r->json, 0, NULL);
    if (s == NULL) {
        s = rk_calloc(1, sizeof(*s));
        s->id = rk_strdup(r->id);
        s->org_id = rk_strdup(r->org_id != NULL ? r->org_id : "");
        s->org_idx = deliver_org_index(s->org_id);
        s->web.medium = MEDIUM_WEBHOOK;
        s->mail.medium = MEDIUM_EMAIL;
        s->web.sub = s->mail.sub = s;
        /* a stream-only one (or one whose webhook is refused) is kept without channels, so
         * that it is parsed (and logged) once, not at every reload */
        if (sub_parse(s, j))
            sub_load_state(s);
        if (deliver_w.n_subs == deliver_w.cap_subs) {
            deliver_w.cap_subs = deliver_w.cap_subs ? deliver_w.cap_subs * 2 : 16;
            deliver_w.subs =
                rk_realloc(deliver_w.subs, deliver_w.cap_subs * sizeof(*deliver_w.subs));
        }
        deliver_w.subs[deliver_w.n_subs++] = s;
    } else {
        bool had_web = s->web.present, had_mail = s->mail.present;
        sub_parse(s, j); /* changed: new settings; a removed channel stops */
        if (had_web && !s->web.present)
            deliver_channel_stop(&s->web);
        if (had_mail && !s->mail.present)
            deliver_channel_stop(&s->mail);
    }
    s->updated = r->updated;
    s->seen = true;
    json_decref(j);
    return 0;
}

/* Follows the subscription records: new ones start, changed ones are reparsed, removed
 * ones (and stream-only ones) stop. */
void deliver_reload(void)
{
    struct rk_err err = {0};

    for (size_t i = 0; i < deliver_w.n_subs; i++)
        deliver_w.subs[i]->seen = false;
    int rc =
        store_record_list(deliver_w.hub->store, ALERT_REC_SUBSCRIPTION, NULL, sub_seen, NULL, &err);
    if (rc != 0) {
        rk_log(RK_LOG_ERROR, "alert delivery: reading the subscriptions: %s", err.msg);
        return; /* keep what we have */
    }
    size_t kept = 0;
    for (size_t i = 0; i < deliver_w.n_subs; i++) {
        struct sub *s = deliver_w.subs[i];
        if (s->seen)
            deliver_w.subs[kept++] = s;
        else
            deliver_sub_free(s);
    }
    deliver_w.n_subs = kept;
}
