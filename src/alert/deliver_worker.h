/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver_worker.h: what the files of the delivery worker share: its subscriptions and
 * channels in memory and its one state (deliver.c: the loop; deliver_subs.c: the
 * subscriptions and the channel records; deliver_channel.c: one channel's head, transfers,
 * retries and dead letters). Only the worker's thread touches them, but for wake_gen,
 * retry_gen, stopping and multi (under lock).
 */
#ifndef RK_ALERT_DELIVER_WORKER_H
#define RK_ALERT_DELIVER_WORKER_H

#include <pthread.h>
#include <stdatomic.h>

#include "alert/deliver_int.h"

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
    bool dirty; /* its cursor moved over events not for it (or withheld): store it lazily */
    bool done;  /* its head was delivered: waits in deliver_w.done for its cursor to be stored */
    int64_t done_from; /* the cursor before */
    CURL *easy;
    char *body;
    struct curl_slist *headers;
    struct alert_mail mail;
    char curl_err[CURL_ERROR_SIZE];
    struct sub *sub;
};

/* An organisation with subscriptions: what one wake generation learnt of its event log. */
struct deliver_org {
    char *id;
    uint64_t empty_gen; /* in this generation, no event came after empty_after */
    int64_t empty_after;
};

/* One subscription with a webhook or an e-mail. */
struct sub {
    char *id, *org_id;
    size_t org_idx;     /* in deliver_w.orgs */
    rk_time_us updated; /* of its record: reparsed when it changes */
    char *url, *secret;
    char **to;
    size_t n_to;
    int64_t dead_after_us;
    struct channel web, mail;
    bool seen; /* during a reload */
};

/* The worker's state (deliver.c). */
struct deliver_worker {
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
    struct channel **done; /* heads delivered, cursors not stored yet (one transaction) */
    size_t n_done, cap_done;
    struct deliver_org *orgs; /* every organisation seen with a subscription (never shrinks) */
    size_t n_orgs;
    bool more_to_scan; /* a channel stopped scanning at SCAN_MAX: pass again at once */
};
extern struct deliver_worker deliver_w;

/* deliver_subs.c */
void deliver_held_clear(struct held_event *e);
/* Stores the subscription's delivery state (and, if dead_of, a dead letter of that channel's
 * head) in one transaction: 0 or an error (logged). */
int deliver_save(const struct sub *s, const struct channel *dead_of);
/* Stores the state of the n channels' subscriptions in one transaction: 0 or an error
 * (logged). */
int deliver_save_many(struct channel *const *cs, size_t n);
/* Stores, in one transaction, the state of every channel whose cursor moved without a
 * delivery (deliver_worker: at each tick and at the end). */
void deliver_flush_dirty(void);
void deliver_channel_stop(struct channel *c); /* drops its transfer in flight */
void deliver_sub_free(struct sub *s);
struct sub *deliver_sub_find(const char *id);
/* The index of organisation org_id in deliver_w.orgs (added if new). */
size_t deliver_org_index(const char *org_id);
/* Follows the subscription records: new ones start, changed ones are reparsed, removed ones
 * (and stream-only ones) stop. */
void deliver_reload(void);

/* deliver_channel.c */
/* Finds the channel's next event for its subscription, moving the cursor over the others. */
void deliver_look_for_head(struct channel *c, uint64_t gen);
/* Starts the transfer of the head (its body as of now), or skips it if withheld. */
void deliver_start_head(struct channel *c);
/* Starts the retry of the first dead letter asked for. */
void deliver_start_redo(struct channel *c);
/* store_record_fn over dead letters: queues those marked for a retry on their channels. */
int deliver_retry_seen(void *ctx, const struct store_record *r);
/* A transfer ended with cc. A delivered head waits in deliver_w.done for
 * deliver_flush_delivered. */
void deliver_finished(CURL *easy, CURLcode cc);
/* Stores the cursors of the heads delivered since the last call in one transaction, then
 * those channels go on to their next event (or, if that failed, deliver the head again). */
void deliver_flush_delivered(void);

#endif /* RK_ALERT_DELIVER_WORKER_H */
