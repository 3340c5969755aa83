/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver.c: the delivery worker. One thread drives every channel (the webhook and the e-mail
 * of each subscription that has them) through one libcurl multi handle, so that a slow or dead
 * receiver delays only its own channel. Each channel delivers its organisation's events that
 * name its subscription (alert_event_for), strictly in event order: the head event is tried
 * until a 2xx (or an SMTP server's acceptance), then its seq is stored as the channel's cursor
 * in the alert-channel record before the next goes (at-least-once); a failing head is retried
 * with exponential backoff and full jitter (backoff.c) until the dead-letter time since its
 * first failure, then becomes a dead letter (dead.c) and the next goes. Every body is
 * alert_payload at the moment of the attempt: the access check at delivery time; a withheld
 * event is skipped. E-mail goes through the same multi handle (libcurl's SMTP is non-blocking
 * too), so no other thread is needed.
 */
#include "alert/deliver_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IN_FLIGHT   64   /* transfers at once, all channels together */
#define SCAN_BATCH      64   /* events read at once when looking for a channel's next one */
#define SCAN_MAX        4096 /* events one channel examines per round (fairness) */
#define RELOAD_EVERY_US 200000

enum medium { MEDIUM_WEBHOOK, MEDIUM_EMAIL };

/* An event copied out of the store. */
struct held_event {
    int64_t seq;
    rk_time_us time;
    char *org_id, *kind, *json;
};

/* One channel of a subscription and its delivery state (the alert-channel record). */
struct channel {
    enum medium medium;
    bool present;
    /* state */
    int64_t cursor, delivered, dead;
    int attempts;
    rk_time_us next_at, failing_since;
    long last_status;
    char last_error[256];
    /* dead letters asked to be retried (POST .../retry): tried once each, ahead of the head */
    int64_t *redo;
    size_t n_redo;
    bool redoing; /* the transfer in flight is redo_ev */
    struct held_event redo_ev;
    /* work */
    bool has_head;
    struct held_event head;
    uint64_t looked_gen; /* wake generation at its last look for a head; 0: look now */
    bool in_flight;
    CURL *easy;
    char *body;
    struct curl_slist *headers;
    struct alert_mail mail;
    char curl_err[CURL_ERROR_SIZE];
    struct sub *sub;
};

/* One subscription with a webhook or an e-mail. */
struct sub {
    char *id, *org_id;
    rk_time_us updated; /* of its record: reparsed when it changes */
    char *url, *secret;
    char **to;
    size_t n_to;
    int64_t dead_after_us;
    struct channel web, mail;
    bool seen; /* during a reload */
};

static struct {
    struct rk_hub *hub;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock; /* guards multi against wake after stop */
    CURLM *multi;
    atomic_bool stopping;
    atomic_uint_fast64_t wake_gen;
    atomic_uint_fast64_t retry_gen; /* bumped when a dead letter is marked for a retry */
    struct sub **subs;
    size_t n_subs, cap_subs;
    size_t in_flight;
    size_t rotate; /* where the next pass starts */
    int64_t base_us, default_dead_us, interval_us;
    rk_time_us reloaded_at, ticked_at;
    uint64_t reload_gen;
} W = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- events ------------------------------------------------------------------------------ */

static void held_clear(struct held_event *e)
{
    free(e->org_id);
    free(e->kind);
    free(e->json);
    memset(e, 0, sizeof(*e));
}

struct batch {
    struct held_event ev[SCAN_BATCH];
    size_t n;
};

static int batch_add(void *ctx, const struct store_event *e)
{
    struct batch *b = ctx;
    struct held_event *h = &b->ev[b->n++];

    h->seq = e->seq;
    h->time = e->time;
    h->org_id = rk_strdup(e->org_id);
    h->kind = rk_strdup(e->kind);
    h->json = rk_strdup(e->json);
    return b->n < SCAN_BATCH ? 0 : 1;
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
static int save(const struct sub *s, const struct channel *dead_of)
{
    struct rk_err err = {0};
    char *json = channel_record_json(s);
    struct save sv = {.sub = s, .json = json, .dead_of = dead_of};
    int rc = store_write_tx(W.hub->store, save_tx, &sv, &err);

    if (rc != 0)
        rk_log(RK_LOG_ERROR, "alert delivery: storing the state of subscription %s: %s", s->id,
               err.msg);
    free(json);
    return rc;
}

/* ---- subscriptions ----------------------------------------------------------------------- */

static void channel_stop(struct channel *c)
{
    if (c->in_flight) {
        curl_multi_remove_handle(W.multi, c->easy);
        W.in_flight--;
        c->in_flight = false;
    }
    c->redoing = false; /* a retry cut short stays marked: tried again at the next start */
    free(c->body);
    c->body = NULL;
    curl_slist_free_all(c->headers);
    c->headers = NULL;
    alert_mail_clear(&c->mail);
}

static void sub_free(struct sub *s)
{
    struct channel *chans[] = {&s->web, &s->mail};
    for (size_t i = 0; i < 2; i++) {
        channel_stop(chans[i]);
        if (chans[i]->easy != NULL)
            curl_easy_cleanup(chans[i]->easy);
        held_clear(&chans[i]->head);
        held_clear(&chans[i]->redo_ev);
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
    if (url != NULL && secret != NULL) {
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
                           : W.default_dead_us;
    s->web.present = s->url != NULL;
    s->mail.present = s->n_to > 0;
    return s->web.present || s->mail.present;
}

static struct sub *sub_find(const char *id)
{
    for (size_t i = 0; i < W.n_subs; i++)
        if (strcmp(W.subs[i]->id, id) == 0)
            return W.subs[i];
    return NULL;
}

/* The stored state of a new subscription's channels, if any. */
static void sub_load_state(struct sub *s)
{
    char *text = NULL;

    if (store_record_get(W.hub->store, ALERT_REC_CHANNEL, s->id, record_found, &text, NULL) != 0)
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
    struct sub *s = sub_find(r->id);

    if (s != NULL && s->updated == r->updated) {
        s->seen = true;
        return 0;
    }
    json_t *j = json_loads(r->json, 0, NULL);
    if (s == NULL) {
        s = rk_calloc(1, sizeof(*s));
        s->id = rk_strdup(r->id);
        s->org_id = rk_strdup(r->org_id != NULL ? r->org_id : "");
        s->web.medium = MEDIUM_WEBHOOK;
        s->mail.medium = MEDIUM_EMAIL;
        s->web.sub = s->mail.sub = s;
        if (!sub_parse(s, j)) { /* stream-only: nothing to deliver here */
            json_decref(j);
            sub_free(s);
            return 0;
        }
        sub_load_state(s);
        if (W.n_subs == W.cap_subs) {
            W.cap_subs = W.cap_subs ? W.cap_subs * 2 : 16;
            W.subs = rk_realloc(W.subs, W.cap_subs * sizeof(*W.subs));
        }
        W.subs[W.n_subs++] = s;
    } else {
        bool had_web = s->web.present, had_mail = s->mail.present;
        sub_parse(s, j); /* changed: new settings; a removed channel stops */
        if (had_web && !s->web.present)
            channel_stop(&s->web);
        if (had_mail && !s->mail.present)
            channel_stop(&s->mail);
    }
    s->updated = r->updated;
    s->seen = true;
    json_decref(j);
    return 0;
}

/* Follows the subscription records: new ones start, changed ones are reparsed, removed ones
 * (and stream-only ones) stop. */
static void reload(void)
{
    struct rk_err err = {0};

    for (size_t i = 0; i < W.n_subs; i++)
        W.subs[i]->seen = false;
    int rc = store_record_list(W.hub->store, ALERT_REC_SUBSCRIPTION, NULL, sub_seen, NULL, &err);
    if (rc != 0) {
        rk_log(RK_LOG_ERROR, "alert delivery: reading the subscriptions: %s", err.msg);
        return; /* keep what we have */
    }
    size_t kept = 0;
    for (size_t i = 0; i < W.n_subs; i++) {
        struct sub *s = W.subs[i];
        if (s->seen && (s->web.present || s->mail.present))
            W.subs[kept++] = s;
        else
            sub_free(s);
    }
    W.n_subs = kept;
}

/* ---- one channel ------------------------------------------------------------------------- */

/*
 * Finds the channel's next event (the first after its cursor for its subscription), moving the
 * cursor over the others. The moved cursor is stored when nothing is left to deliver.
 */
static void look_for_head(struct channel *c, uint64_t gen)
{
    struct sub *s = c->sub;
    int64_t start = c->cursor;
    size_t examined = 0;
    struct rk_err err = {0};

    c->looked_gen = gen;
    while (!c->has_head && examined < SCAN_MAX) {
        struct batch b;
        b.n = 0;
        int rc =
            store_event_since(W.hub->store, s->org_id, c->cursor, SCAN_BATCH, batch_add, &b, &err);
        if (rc != 0) {
            rk_log(RK_LOG_ERROR, "alert delivery: reading the events of %s: %s", s->org_id,
                   err.msg);
            for (size_t i = 0; i < b.n; i++)
                held_clear(&b.ev[i]);
            c->looked_gen = 0;
            return;
        }
        size_t i = 0;
        for (; i < b.n && !c->has_head; i++) {
            json_t *ev = json_loads(b.ev[i].json, 0, NULL);
            bool mine = alert_event_for(ev, s->id);
            json_decref(ev);
            if (mine) {
                c->head = b.ev[i];
                memset(&b.ev[i], 0, sizeof(b.ev[i]));
                c->has_head = true;
            } else {
                c->cursor = b.ev[i].seq;
            }
        }
        for (size_t k = 0; k < b.n; k++)
            held_clear(&b.ev[k]);
        examined += b.n;
        if (b.n < SCAN_BATCH)
            break;
    }
    if (examined >= SCAN_MAX && !c->has_head)
        c->looked_gen = 0; /* more to examine: next round */
    if (!c->has_head && c->cursor != start)
        save(s, NULL);
}

/* Records a failed attempt at the head: retry later, or give it up as a dead letter. */
static void failed(struct channel *c, long status, const char *why)
{
    rk_time_us now = rk_time_now();
    struct sub *s = c->sub;
    uint64_t rnd;

    c->attempts++;
    c->last_status = status;
    snprintf(c->last_error, sizeof(c->last_error), "%s", why);
    if (c->failing_since == 0)
        c->failing_since = now;
    if (now - c->failing_since >= s->dead_after_us) {
        c->dead++;
        int64_t old_cursor = c->cursor;
        c->cursor = c->head.seq;
        struct channel copy = *c; /* the dead letter names the head and its failure */
        copy.cursor = old_cursor;
        int attempts = c->attempts;
        rk_time_us since = c->failing_since;
        c->attempts = 0;
        c->failing_since = 0;
        c->next_at = 0;
        copy.attempts = attempts;
        copy.failing_since = since;
        if (save(s, &copy) != 0) { /* not stored: try again later */
            c->dead--;
            c->cursor = old_cursor;
            c->attempts = attempts;
            c->failing_since = since;
            rk_random_bytes(&rnd, sizeof(rnd));
            c->next_at = now + alert_backoff_us(attempts, W.base_us, ALERT_RETRY_CAP_US, rnd);
            return;
        }
        rk_log(RK_LOG_WARN,
               "alert delivery: event %lld of subscription %s is a dead letter "
               "after %d attempts: %s",
               (long long)copy.head.seq, s->id, attempts, why);
        held_clear(&c->head);
        c->has_head = false;
        c->looked_gen = 0;
        return;
    }
    rk_random_bytes(&rnd, sizeof(rnd));
    c->next_at = now + alert_backoff_us(c->attempts, W.base_us, ALERT_RETRY_CAP_US, rnd);
    save(s, NULL);
}

static void delivered(struct channel *c, long status)
{
    int64_t old = c->cursor;

    c->cursor = c->head.seq;
    c->delivered++;
    c->attempts = 0;
    c->failing_since = 0;
    c->next_at = 0;
    c->last_status = status;
    c->last_error[0] = '\0';
    if (save(c->sub, NULL) != 0) { /* delivered again later: at-least-once */
        c->cursor = old;
        c->delivered--;
        return;
    }
    held_clear(&c->head);
    c->has_head = false;
    c->looked_gen = 0;
}

/* Sets up and adds the transfer of ev with body (as of now) to c's webhook or e-mail; false
 * with why when it cannot start. */
static bool transfer(struct channel *c, const struct held_event *ev, const json_t *body, char *why,
                     size_t why_len)
{
    struct sub *s = c->sub;

    if (c->easy == NULL)
        c->easy = curl_easy_init();
    else
        curl_easy_reset(c->easy);
    if (c->medium == MEDIUM_WEBHOOK) {
        c->body = json_dumps(body, JSON_COMPACT);
        alert_webhook_setup(c->easy, s->url, s->secret, s->id, ev->seq, c->body, strlen(c->body),
                            &c->headers);
    } else {
        char *url = alert_smtp_url();
        if (url == NULL) {
            snprintf(why, why_len,
                     "no SMTP server: set RENKEI_SMTP_URL or the setting alert.smtp_url");
            return false;
        }
        char *from = alert_smtp_from();
        char *subject = alert_mail_subject(body);
        char *text = alert_mail_text(body);
        bool usable =
            alert_mail_prepare(&c->mail, from, (const char *const *)s->to, s->n_to, subject, text);
        if (usable)
            alert_mail_setup(c->easy, url, from, &c->mail);
        free(subject);
        free(text);
        free(url);
        free(from);
        if (!usable) {
            snprintf(why, why_len, "no usable recipient address in email.to");
            return false;
        }
    }
    c->curl_err[0] = '\0';
    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->curl_err);
    curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
    curl_multi_add_handle(W.multi, c->easy);
    c->in_flight = true;
    W.in_flight++;
    return true;
}

/* The body of ev for c's subscription as of now: 0 and *body (NULL when withheld), or an
 * error. */
static int body_of(struct channel *c, const struct held_event *ev, json_t **body,
                   struct rk_err *err)
{
    struct store_event e = {
        .seq = ev->seq, .time = ev->time, .org_id = ev->org_id, .kind = ev->kind, .json = ev->json};
    bool withheld = false;

    int rc = alert_payload(W.hub, &e, c->sub->id, body, &withheld, err);
    if (rc == 0 && withheld)
        *body = NULL;
    return rc;
}

/* Starts the transfer of the head (its body as of now), or skips it if withheld. */
static void start(struct channel *c)
{
    struct rk_err err = {0};
    json_t *body = NULL;
    char why[256];

    int rc = body_of(c, &c->head, &body, &err);
    if (rc != 0) {
        failed(c, 0, err.msg);
        return;
    }
    if (body == NULL) { /* nothing of it may be read now: never delivered */
        c->cursor = c->head.seq;
        held_clear(&c->head);
        c->has_head = false;
        c->looked_gen = 0;
        save(c->sub, NULL);
        return;
    }
    bool started = transfer(c, &c->head, body, why, sizeof(why));
    json_decref(body);
    if (!started)
        failed(c, 0, why);
}

static const char *medium_name(const struct channel *c)
{
    return c->medium == MEDIUM_WEBHOOK ? "webhook" : "email";
}

struct resolve {
    const struct channel *c;
    int64_t seq;
    bool delivered;
    const char *why;
};

static int resolve_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct resolve *r = ctx;
    return alert_dead_resolve(s, r->c->sub->id, medium_name(r->c), r->seq, r->delivered, r->why,
                              err);
}

/* The retry of a dead letter ended (delivered or not); its record says so. */
static void redo_done(struct channel *c, int64_t seq, bool ok, const char *why)
{
    struct resolve r = {.c = c, .seq = seq, .delivered = ok, .why = why};
    struct rk_err err = {0};

    if (store_write_tx(W.hub->store, resolve_tx, &r, &err) != 0)
        rk_log(RK_LOG_ERROR, "alert delivery: the retry of dead letter %s/%lld: %s", c->sub->id,
               (long long)seq, err.msg);
    else if (ok && c->dead > 0) {
        c->dead--;
        save(c->sub, NULL);
    }
}

static int one_event(void *ctx, const struct store_event *e)
{
    struct held_event *h = ctx;
    h->seq = e->seq;
    h->time = e->time;
    h->org_id = rk_strdup(e->org_id);
    h->kind = rk_strdup(e->kind);
    h->json = rk_strdup(e->json);
    return 1;
}

/* Starts the retry of the first dead letter asked for. */
static void start_redo(struct channel *c)
{
    int64_t seq = c->redo[0];
    struct rk_err err = {0};
    json_t *body = NULL;
    char why[sizeof(err.msg) + 8] = "";

    memmove(c->redo, c->redo + 1, (c->n_redo - 1) * sizeof(*c->redo));
    c->n_redo--;
    held_clear(&c->redo_ev);
    int rc =
        store_event_since(W.hub->store, c->sub->org_id, seq - 1, 1, one_event, &c->redo_ev, &err);
    if (rc == 0 && c->redo_ev.seq != seq)
        snprintf(why, sizeof(why), "event %lld is gone", (long long)seq);
    else if (rc == 0)
        rc = body_of(c, &c->redo_ev, &body, &err);
    if (rc != 0)
        snprintf(why, sizeof(why), "%s", err.msg);
    else if (why[0] == '\0' && body == NULL)
        snprintf(why, sizeof(why), "withheld: nothing of it may be read now");
    if (why[0] == '\0' && transfer(c, &c->redo_ev, body, why, sizeof(why))) {
        c->redoing = true;
        json_decref(body);
        return;
    }
    json_decref(body);
    redo_done(c, seq, false, why);
    held_clear(&c->redo_ev);
}

/* Queues the dead letters marked for a retry on their channels. */
static int retry_seen(void *ctx, const struct store_record *r)
{
    (void)ctx;
    json_t *j = json_loads(r->json, 0, NULL);
    const char *sid = json_string_value(json_object_get(j, "subscription"));
    const char *medium = json_string_value(json_object_get(j, "channel"));
    const char *event_id = json_string_value(json_object_get(j, "event_id"));
    struct sub *s = sid != NULL ? sub_find(sid) : NULL;
    int64_t seq;

    if (s != NULL && json_is_true(json_object_get(j, "retry")) && event_id != NULL &&
        rk_parse_int64(event_id, 1, INT64_MAX, &seq) == 0) {
        struct channel *c = medium != NULL && strcmp(medium, "email") == 0 ? &s->mail : &s->web;
        bool queued = c->redoing && c->redo_ev.seq == seq;
        for (size_t i = 0; i < c->n_redo && !queued; i++)
            queued = c->redo[i] == seq;
        if (c->present && !queued) {
            c->redo = rk_realloc(c->redo, (c->n_redo + 1) * sizeof(*c->redo));
            c->redo[c->n_redo++] = seq;
        }
    }
    json_decref(j);
    return 0;
}

/* A transfer ended. */
static void finished(CURL *easy, CURLcode cc)
{
    struct channel *c = NULL;
    long status = 0;
    char why[300];

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&c);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(W.multi, easy);
    c->in_flight = false;
    W.in_flight--;
    free(c->body);
    c->body = NULL;
    curl_slist_free_all(c->headers);
    c->headers = NULL;
    alert_mail_clear(&c->mail);
    bool ok = cc == CURLE_OK && (c->medium == MEDIUM_EMAIL || (status >= 200 && status < 300));
    if (cc != CURLE_OK)
        snprintf(why, sizeof(why), "%s",
                 c->curl_err[0] != '\0' ? c->curl_err : curl_easy_strerror(cc));
    else
        snprintf(why, sizeof(why), "the receiver answered HTTP %ld", status);
    if (c->redoing) {
        c->redoing = false;
        redo_done(c, c->redo_ev.seq, ok, ok ? "" : why);
        held_clear(&c->redo_ev);
        return;
    }
    if (ok) {
        delivered(c, status);
        return;
    }
    if (cc != CURLE_OK)
        snprintf(why, sizeof(why), "%s",
                 c->curl_err[0] != '\0' ? c->curl_err : curl_easy_strerror(cc));
    else
        snprintf(why, sizeof(why), "the receiver answered HTTP %ld", status);
    failed(c, status, why);
}

/* ---- the loop ---------------------------------------------------------------------------- */

/* One pass over the channels: look for heads, start what is due. Returns the time until the
 * earliest retry that is not due yet (or the interval). */
static int64_t pass(uint64_t gen)
{
    rk_time_us now = rk_time_now();
    int64_t wait = W.interval_us;

    /* each pass starts one subscription further, so that when the transfers in flight are at
     * their limit no subscription always comes last */
    size_t first = W.n_subs > 0 ? W.rotate++ % W.n_subs : 0;
    for (size_t n = 0; n < W.n_subs && !atomic_load(&W.stopping); n++) {
        size_t i = (first + n) % W.n_subs;
        struct channel *chans[] = {&W.subs[i]->web, &W.subs[i]->mail};
        for (size_t k = 0; k < 2; k++) {
            struct channel *c = chans[k];
            if (!c->present || c->in_flight)
                continue;
            if (c->n_redo > 0 && W.in_flight < MAX_IN_FLIGHT) {
                start_redo(c);
                if (c->in_flight)
                    continue;
            }
            if (!c->has_head && c->looked_gen != gen)
                look_for_head(c, gen);
            while (c->has_head && !c->in_flight && W.in_flight < MAX_IN_FLIGHT) {
                now = rk_time_now();
                if (c->next_at > now) {
                    if (c->next_at - now < wait)
                        wait = c->next_at - now;
                    break;
                }
                start(c);
                if (!c->has_head && c->looked_gen != gen)
                    look_for_head(c, gen); /* withheld or dead: the next one */
            }
        }
    }
    return wait;
}

/* Handles every transfer that ended; returns how many. */
static size_t drain(void)
{
    CURLMsg *m;
    int left;
    size_t n = 0;

    while ((m = curl_multi_info_read(W.multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE) {
            finished(m->easy_handle, m->data.result);
            n++;
        }
    return n;
}

static void *worker(void *arg)
{
    (void)arg;
    uint64_t seen_gen = UINT64_MAX, seen_retry = UINT64_MAX; /* at start: look */

    while (!atomic_load(&W.stopping)) {
        rk_time_us now = rk_time_now();
        uint64_t gen = atomic_load(&W.wake_gen);
        if (now - W.ticked_at >= W.interval_us) { /* events of other processes */
            W.ticked_at = now;
            gen = atomic_fetch_add(&W.wake_gen, 1) + 1;
        }
        if (gen != seen_gen || now - W.reloaded_at >= RELOAD_EVERY_US) {
            reload();
            W.reloaded_at = now;
            seen_gen = gen;
        }
        uint64_t retry = atomic_load(&W.retry_gen);
        if (retry != seen_retry) {
            seen_retry = retry;
            store_record_list(W.hub->store, ALERT_REC_DEAD, NULL, retry_seen, NULL, NULL);
        }
        int64_t wait = pass(gen);
        int running = 0;
        curl_multi_perform(W.multi, &running);
        if (drain() > 0 || atomic_load(&W.wake_gen) != gen)
            continue; /* a channel is free again, or new events: another pass at once */
        int64_t until_tick = W.interval_us - (rk_time_now() - W.ticked_at);
        if (until_tick < wait)
            wait = until_tick;
        if (wait < 0)
            wait = 0;
        int ms = (int)((wait + 999) / 1000);
        if (ms > 0)
            curl_multi_poll(W.multi, NULL, 0, ms, NULL);
        curl_multi_perform(W.multi, &running);
        drain();
    }
    for (size_t i = 0; i < W.n_subs; i++)
        sub_free(W.subs[i]); /* transfers in flight are redone at the next start */
    free(W.subs);
    W.subs = NULL;
    W.n_subs = W.cap_subs = 0;
    return NULL;
}

/* ---- start, stop, wake, routes ----------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int alert_deliver_start(struct rk_hub *hub, struct rk_err *err)
{
    const char *iv = getenv("RENKEI_ALERT_INTERVAL_MS");
    int64_t ms = 1000;

    if (iv != NULL && rk_parse_int64(iv, 1, 3600000, &ms) != 0)
        ms = 1000;
    pthread_once(&curl_once, curl_setup);
    alert_smtp_attach(hub);
    W.hub = hub;
    W.base_us = alert_retry_base_us();
    W.default_dead_us = alert_dead_after_us();
    W.interval_us = ms * 1000;
    W.ticked_at = W.reloaded_at = 0;
    W.in_flight = 0;
    atomic_store(&W.stopping, false);
    CURLM *multi = curl_multi_init();
    if (multi == NULL)
        return rk_err_set(err, RK_E_NOMEM, "alert delivery: libcurl gave no multi handle");
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
    pthread_mutex_lock(&W.lock);
    W.multi = multi;
    pthread_mutex_unlock(&W.lock);
    int rc = pthread_create(&W.thread, NULL, worker, NULL);
    if (rc != 0) {
        pthread_mutex_lock(&W.lock);
        W.multi = NULL;
        pthread_mutex_unlock(&W.lock);
        curl_multi_cleanup(multi);
        return rk_err_set(err, RK_E_IO, "alert delivery: cannot start its thread (error %d)", rc);
    }
    W.running = true;
    return 0;
}

void alert_deliver_stop(void)
{
    if (!W.running)
        return;
    atomic_store(&W.stopping, true);
    alert_deliver_wake();
    pthread_join(W.thread, NULL);
    W.running = false;
    pthread_mutex_lock(&W.lock);
    CURLM *multi = W.multi;
    W.multi = NULL;
    pthread_mutex_unlock(&W.lock);
    curl_multi_cleanup(multi);
    alert_smtp_attach(NULL);
}

void alert_deliver_wake(void)
{
    atomic_fetch_add(&W.wake_gen, 1);
    pthread_mutex_lock(&W.lock);
    if (W.multi != NULL)
        curl_multi_wakeup(W.multi);
    pthread_mutex_unlock(&W.lock);
}

void alert_deliver_retry_requested(void)
{
    atomic_fetch_add(&W.retry_gen, 1);
    alert_deliver_wake();
}

size_t alert_deliver_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route table[] = {
        {"GET", "/api/v1/dead-letters", alert_dead_letters_get, hub, HTTP_ROUTE_JSON,
         "alert-dead-letters"},
        {"POST", "/api/v1/dead-letters/{sub}/{seq}/retry", alert_dead_letter_retry, hub,
         HTTP_ROUTE_JSON, "alert-dead-letter-retry"},
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (n < max)
            out[n] = table[i];
        n++;
    }
    return n;
}
