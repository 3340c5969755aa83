/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver.c: the delivery worker's loop, start and stop. One thread drives every channel (the
 * webhook and the e-mail of each subscription that has them) through one libcurl multi handle, so
 * that a slow or dead receiver delays only its own channel. Each channel delivers its
 * organisation's events that name its subscription (alert_event_for), strictly in event order: the
 * head event is tried until a 2xx (or an SMTP server's acceptance), then its seq is stored as the
 * channel's cursor in the alert-channel record before the next goes (at-least-once); a failing head
 * is retried with exponential backoff and full jitter (backoff.c) until the dead-letter time since
 * its first failure, then becomes a dead letter (dead.c) and the next goes. Every body is
 * alert_payload at the moment of the attempt: the access check at delivery time; a withheld
 * event is skipped. E-mail goes through the same multi handle (libcurl's SMTP is non-blocking
 * too), so no other thread is needed.
 */
#include "alert/deliver_worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct deliver_worker deliver_w = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- the loop ---------------------------------------------------------------------------- */

/* One pass over the channels: look for heads, start what is due. Returns the time until the
 * earliest retry that is not due yet (or the interval). */
static int64_t pass(uint64_t gen)
{
    rk_time_us now = rk_time_now();
    int64_t wait = deliver_w.interval_us;

    deliver_w.more_to_scan = false;

    /* each pass starts one subscription further, so that when the transfers in flight are at
     * their limit no subscription always comes last */
    size_t first = deliver_w.n_subs > 0 ? deliver_w.rotate++ % deliver_w.n_subs : 0;
    for (size_t n = 0; n < deliver_w.n_subs && !atomic_load(&deliver_w.stopping); n++) {
        size_t i = (first + n) % deliver_w.n_subs;
        struct channel *chans[] = {&deliver_w.subs[i]->web, &deliver_w.subs[i]->mail};
        for (size_t k = 0; k < 2; k++) {
            struct channel *c = chans[k];
            if (!c->present || c->in_flight || c->done)
                continue;
            if (c->n_redo > 0 && deliver_w.in_flight < MAX_IN_FLIGHT) {
                deliver_start_redo(c);
                if (c->in_flight)
                    continue;
            }
            if (!c->has_head && c->looked_gen != gen)
                deliver_look_for_head(c, gen);
            while (c->has_head && !c->in_flight && deliver_w.in_flight < MAX_IN_FLIGHT) {
                now = rk_time_now();
                if (c->next_at > now) {
                    if (c->next_at - now < wait)
                        wait = c->next_at - now;
                    break;
                }
                deliver_start_head(c);
                if (!c->has_head && c->looked_gen != gen)
                    deliver_look_for_head(c, gen); /* withheld or dead: the next one */
            }
        }
    }
    return deliver_w.more_to_scan ? 0 : wait;
}

/* Handles every transfer that ended; returns how many. */
static size_t drain(void)
{
    CURLMsg *m;
    int left;
    size_t n = 0;

    while ((m = curl_multi_info_read(deliver_w.multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE) {
            deliver_finished(m->easy_handle, m->data.result);
            n++;
        }
    deliver_flush_delivered(); /* the cursors of every head delivered, in one transaction */
    return n;
}

static void *worker(void *arg)
{
    (void)arg;
    uint64_t seen_gen = UINT64_MAX, seen_retry = UINT64_MAX; /* at start: look */

    while (!atomic_load(&deliver_w.stopping)) {
        rk_time_us now = rk_time_now();
        uint64_t gen = atomic_load(&deliver_w.wake_gen);
        if (now - deliver_w.ticked_at >= deliver_w.interval_us) { /* events of other processes */
            deliver_w.ticked_at = now;
            deliver_flush_dirty();
            gen = atomic_fetch_add(&deliver_w.wake_gen, 1) + 1;
        }
        if (gen != seen_gen || now - deliver_w.reloaded_at >= RELOAD_EVERY_US) {
            deliver_reload();
            deliver_w.reloaded_at = now;
            seen_gen = gen;
        }
        uint64_t retry = atomic_load(&deliver_w.retry_gen);
        if (retry != seen_retry) {
            seen_retry = retry;
            store_record_list(deliver_w.hub->store, ALERT_REC_DEAD, NULL, deliver_retry_seen, NULL,
                              NULL);
        }
        int64_t wait = pass(gen);
        int running = 0;
        curl_multi_perform(deliver_w.multi, &running);
        if (drain() > 0 || atomic_load(&deliver_w.wake_gen) != gen)
            continue; /* a channel is free again, or new events: another pass at once */
        int64_t until_tick = deliver_w.interval_us - (rk_time_now() - deliver_w.ticked_at);
        if (until_tick < wait)
            wait = until_tick;
        if (wait < 0)
            wait = 0;
        int ms = (int)((wait + 999) / 1000);
        if (ms > 0)
            curl_multi_poll(deliver_w.multi, NULL, 0, ms, NULL);
        curl_multi_perform(deliver_w.multi, &running);
        drain();
    }
    deliver_flush_dirty();
    for (size_t i = 0; i < deliver_w.n_subs; i++)
        deliver_sub_free(deliver_w.subs[i]); /* transfers in flight are redone at the next start */
    free(deliver_w.subs);
    for (size_t i = 0; i < deliver_w.n_orgs; i++)
        free(deliver_w.orgs[i].id);
    free(deliver_w.orgs);
    deliver_w.orgs = NULL;
    deliver_w.n_orgs = 0;
    free(deliver_w.done);
    deliver_w.done = NULL;
    deliver_w.n_done = deliver_w.cap_done = 0;
    deliver_w.subs = NULL;
    deliver_w.n_subs = deliver_w.cap_subs = 0;
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
    int64_t ms = alert_interval_ms();

    pthread_once(&curl_once, curl_setup);
    alert_smtp_attach(hub);
    deliver_w.hub = hub;
    deliver_w.base_us = alert_retry_base_us();
    deliver_w.default_dead_us = alert_dead_after_us();
    deliver_w.interval_us = ms * 1000;
    deliver_w.ticked_at = deliver_w.reloaded_at = 0;
    deliver_w.in_flight = 0;
    atomic_store(&deliver_w.stopping, false);
    CURLM *multi = curl_multi_init();
    if (multi == NULL)
        return rk_err_set(err, RK_E_NOMEM, "alert delivery: libcurl gave no multi handle");
    /* keep a connection to every receiver of a busy hub open between deliveries */
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 4L * MAX_IN_FLIGHT);
    pthread_mutex_lock(&deliver_w.lock);
    deliver_w.multi = multi;
    pthread_mutex_unlock(&deliver_w.lock);
    int rc = pthread_create(&deliver_w.thread, NULL, worker, NULL);
    if (rc != 0) {
        pthread_mutex_lock(&deliver_w.lock);
        deliver_w.multi = NULL;
        pthread_mutex_unlock(&deliver_w.lock);
        curl_multi_cleanup(multi);
        return rk_err_set(err, RK_E_IO, "alert delivery: cannot start its thread (error %d)", rc);
    }
    deliver_w.running = true;
    return 0;
}

void alert_deliver_stop(void)
{
    if (!deliver_w.running)
        return;
    atomic_store(&deliver_w.stopping, true);
    alert_deliver_wake();
    pthread_join(deliver_w.thread, NULL);
    deliver_w.running = false;
    pthread_mutex_lock(&deliver_w.lock);
    CURLM *multi = deliver_w.multi;
    deliver_w.multi = NULL;
    pthread_mutex_unlock(&deliver_w.lock);
    curl_multi_cleanup(multi);
    alert_smtp_attach(NULL);
}

void alert_deliver_wake(void)
{
    atomic_fetch_add(&deliver_w.wake_gen, 1);
    pthread_mutex_lock(&deliver_w.lock);
    if (deliver_w.multi != NULL)
        curl_multi_wakeup(deliver_w.multi);
    pthread_mutex_unlock(&deliver_w.lock);
}

void alert_deliver_retry_requested(void)
{
    atomic_fetch_add(&deliver_w.retry_gen, 1);
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
