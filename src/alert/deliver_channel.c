/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver_channel.c: one channel of the delivery worker: finding its next event, the transfer
 * of its body as of now (webhook or e-mail), and what an attempt's end means: the cursor moves
 * (stored before the next: at-least-once), or a retry after a backoff with full jitter, or a
 * dead letter once the dead-letter time since the first failure has passed; and the retries
 * of dead letters that their owner asked for.
 */
#include "alert/deliver_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- events ------------------------------------------------------------------------------ */

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

/* ---- one channel ------------------------------------------------------------------------- */

/*
 * Finds the channel's next event (the first after its cursor for its subscription), moving the
 * cursor over the others. The moved cursor is stored when nothing is left to deliver.
 */
void deliver_look_for_head(struct channel *c, uint64_t gen)
{
    struct sub *s = c->sub;
    int64_t start_cursor = c->cursor;
    size_t examined = 0;
    struct rk_err err = {0};
    struct deliver_org *org = &deliver_w.orgs[s->org_idx];

    c->looked_gen = gen;
    if (org->empty_gen == gen && org->empty_after == c->cursor)
        return; /* another channel of the organisation just found nothing after this seq */
    bool at_end = false;
    while (!c->has_head && examined < SCAN_MAX) {
        struct batch b;
        b.n = 0;
        int rc = store_event_since(deliver_w.hub->store, s->org_id, c->cursor, SCAN_BATCH,
                                   batch_add, &b, &err);
        if (rc != 0) {
            rk_log(RK_LOG_ERROR, "alert delivery: reading the events of %s: %s", s->org_id,
                   err.msg);
            for (size_t i = 0; i < b.n; i++)
                deliver_held_clear(&b.ev[i]);
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
            deliver_held_clear(&b.ev[k]);
        examined += b.n;
        if (b.n < SCAN_BATCH) {
            at_end = !c->has_head;
            break;
        }
    }
    if (at_end) { /* nothing after the cursor in this wake generation */
        org->empty_gen = gen;
        org->empty_after = c->cursor;
    } else if (!c->has_head) {
        c->looked_gen = 0; /* more to examine: the next pass, at once */
        deliver_w.more_to_scan = true;
    }
    if (c->cursor != start_cursor)
        c->dirty = true; /* stored with the others at the next tick: skipping needs no commit */
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
        if (deliver_save(s, &copy) != 0) { /* not stored: try again later */
            c->dead--;
            c->cursor = old_cursor;
            c->attempts = attempts;
            c->failing_since = since;
            rk_random_bytes(&rnd, sizeof(rnd));
            c->next_at =
                now + alert_backoff_us(attempts, deliver_w.base_us, ALERT_RETRY_CAP_US, rnd);
            return;
        }
        rk_log(RK_LOG_WARN,
               "alert delivery: event %lld of subscription %s is a dead letter "
               "after %d attempts: %s",
               (long long)copy.head.seq, s->id, attempts, why);
        deliver_held_clear(&c->head);
        c->has_head = false;
        c->looked_gen = 0;
        return;
    }
    rk_random_bytes(&rnd, sizeof(rnd));
    c->next_at = now + alert_backoff_us(c->attempts, deliver_w.base_us, ALERT_RETRY_CAP_US, rnd);
    deliver_save(s, NULL);
}

static void delivered(struct channel *c, long status)
{
    c->done_from = c->cursor;
    c->cursor = c->head.seq;
    c->delivered++;
    c->attempts = 0;
    c->failing_since = 0;
    c->next_at = 0;
    c->last_status = status;
    c->last_error[0] = '\0';
    c->done = true;
    if (deliver_w.n_done == deliver_w.cap_done) {
        deliver_w.cap_done = deliver_w.cap_done ? deliver_w.cap_done * 2 : 16;
        deliver_w.done = rk_realloc(deliver_w.done, deliver_w.cap_done * sizeof(*deliver_w.done));
    }
    deliver_w.done[deliver_w.n_done++] = c;
}

void deliver_flush_delivered(void)
{
    bool stored = deliver_save_many(deliver_w.done, deliver_w.n_done) == 0;

    for (size_t i = 0; i < deliver_w.n_done; i++) {
        struct channel *c = deliver_w.done[i];
        c->done = false;
        if (!stored) { /* delivered again later: at-least-once */
            c->cursor = c->done_from;
            c->delivered--;
            continue;
        }
        deliver_held_clear(&c->head);
        c->has_head = false;
        c->looked_gen = 0;
    }
    deliver_w.n_done = 0;
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
    curl_multi_add_handle(deliver_w.multi, c->easy);
    c->in_flight = true;
    deliver_w.in_flight++;
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

    int rc = alert_payload(deliver_w.hub, &e, c->sub->id, body, &withheld, err);
    if (rc == 0 && withheld)
        *body = NULL;
    return rc;
}

/* Starts the transfer of the head (its body as of now), or skips it if withheld. */
void deliver_start_head(struct channel *c)
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
        deliver_held_clear(&c->head);
        c->has_head = false;
        c->looked_gen = 0;
        c->dirty = true;
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

    if (store_write_tx(deliver_w.hub->store, resolve_tx, &r, &err) != 0)
        rk_log(RK_LOG_ERROR, "alert delivery: the retry of dead letter %s/%lld: %s", c->sub->id,
               (long long)seq, err.msg);
    else if (ok && c->dead > 0) {
        c->dead--;
        deliver_save(c->sub, NULL);
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
void deliver_start_redo(struct channel *c)
{
    int64_t seq = c->redo[0];
    struct rk_err err = {0};
    json_t *body = NULL;
    char why[sizeof(err.msg) + 8] = "";

    memmove(c->redo, c->redo + 1, (c->n_redo - 1) * sizeof(*c->redo));
    c->n_redo--;
    deliver_held_clear(&c->redo_ev);
    int rc = store_event_since(deliver_w.hub->store, c->sub->org_id, seq - 1, 1, one_event,
                               &c->redo_ev, &err);
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
    deliver_held_clear(&c->redo_ev);
}

/* Queues the dead letters marked for a retry on their channels. */
int deliver_retry_seen(void *ctx, const struct store_record *r)
{
    (void)ctx;
    json_t *j = json_loads(r->json, 0, NULL);
    const char *sid = json_string_value(json_object_get(j, "subscription"));
    const char *medium = json_string_value(json_object_get(j, "channel"));
    const char *event_id = json_string_value(json_object_get(j, "event_id"));
    struct sub *s = sid != NULL ? deliver_sub_find(sid) : NULL;
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
void deliver_finished(CURL *easy, CURLcode cc)
{
    struct channel *c = NULL;
    long status = 0;
    char why[300];

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&c);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(deliver_w.multi, easy);
    c->in_flight = false;
    deliver_w.in_flight--;
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
        deliver_held_clear(&c->redo_ev);
        return;
    }
    if (ok) {
        delivered(c, status);
        return;
    }
    failed(c, status, why);
}
