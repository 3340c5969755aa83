/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_int.h: what the files of src/alert share, by part:
 * - records and events: the kinds of record the alert capability keeps and the shape of an
 *   event in the per-organisation log (events.c);
 * - the delivered body of one event as one organisation may see it now (payload.c);
 * - subscriptions and watchlists: their routes and their parsed, in-memory form (config.c,
 *   watchlist.c, subscriptions.c);
 * - the matcher: the worker that follows stored versions and appends events (match*.c);
 * - delivery: webhooks, e-mail and the worker that drives them (deliver*.c, webhook.c,
 *   smtp.c), and the event stream (stream.c);
 * - the hotline (hotline*.c).
 * docs/internals/alert.md states the design these follow.
 */
#ifndef RK_ALERT_INT_H
#define RK_ALERT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/core.h"
#include "http/http.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "store/store.h"

/* ---- records and events (events.c) ------------------------------------------------------- */

/* Record kinds (store_record.kind) the alert capability keeps. */
#define ALERT_REC_SUBSCRIPTION "alert-subscription" /* id: uuid; org: owner */
#define ALERT_REC_WATCH        "alert-watch"        /* one watchlist entry; id: uuid */
#define ALERT_REC_CHANNEL      "alert-channel"      /* delivery state; id: subscription id */
#define ALERT_REC_DEAD         "alert-dead"         /* a dead letter; id: "<sub id>/<seq>" */

/* Event kinds (store_event.kind and the "kind" member of the event JSON). */
#define ALERT_EV_OBJECT      "object"      /* an object matched a subscription */
#define ALERT_EV_WATCHLIST   "watchlist"   /* an object mentions a watchlist entry */
#define ALERT_EV_CORRELATION "correlation" /* a new version of a cross-sector grouping */
#define ALERT_EV_HOTLINE     "hotline"     /* an urgent alert from the hotline */
#define ALERT_EV_ESCALATION  "escalation"  /* an unacknowledged alert escalated */

/*
 * The stored event (store_event.json), as the matcher and the hotline append it:
 *   {"kind": K,
 *    "subscriptions": [sub ids of the organisation this event goes to (webhook, e-mail)],
 *    "watchlist": [the organisation's watchlist entries the objects mention, as registered],
 *    "objects": [{"id": STIX id, "collection": uuid, "date_added": microseconds}, ...],
 *    "alert": hotline alert id (hotline and escalation only)}
 * It names object versions, never their content: what is delivered is read at delivery time
 * through the access check (payload.c). A subscription's channels deliver exactly the events
 * whose "subscriptions" holds its id; the stream delivers every event of the organisation.
 */

/* Tells delivery and the open streams that events were appended: call it after the
 * transaction that appended them committed. Any thread. */
void alert_wake(void);

/* Whether the stored event JSON ev is for subscription sub_id ("subscriptions" holds it). */
bool alert_event_for(const json_t *ev, const char *sub_id);

/* ---- subscription filters (filter.c) ----------------------------------------------------- */

/*
 * Checks a subscription's "filter" member (docs/alerts.md, "Filters") as POST
 * /api/v1/subscriptions receives it: 0, or RK_E_INVALID with err naming the member and what
 * is wrong with it ("filter.severity_min: must be an integer from 0 to 4"). NULL or {} is
 * valid (every object the organisation may read).
 */
int alert_filter_check(const json_t *filter, struct rk_err *err);

/* 0 if url may receive webhooks (docs/alerts.md): https://, or http:// to a loopback host
 * (127.0.0.0/8, [::1], localhost), no credentials, a valid port; else -1 with why (n bytes)
 * saying what is wrong. The subscription routes check with it, and delivery again before
 * using a stored record (subscriptions.c). */
int alert_webhook_url_check(const char *url, char *why, size_t n);

/* ---- settings from the environment (backoff.c) ------------------------------------------ */

/* The value of environment variable name in [min, max], else (unset or bad) dflt. */
int64_t alert_env_int(const char *name, int64_t min, int64_t max, int64_t dflt);

/* RENKEI_ALERT_INTERVAL_MS (10 to 3,600,000, default 1000): how often the matcher, delivery
 * and the open streams look for what other processes wrote. One reading for all three. */
int64_t alert_interval_ms(void);

/* ---- the delivered body (payload.c) ------------------------------------------------------ */

/* A principal for organisation org_id as any of its tokens would read (reader role):
 * RK_E_NOTFOUND when the organisation is gone, RK_E_FORBIDDEN when it is disabled (a former
 * member gets nothing). */
int alert_org_principal(struct rk_hub *hub, const char *org_id, struct policy_principal *out,
                        struct rk_err *err);

/*
 * The body delivered for event e (of organisation e->org_id) to one of its channels, as that
 * organisation may see it at this moment:
 *   {"event_id": "<seq>", "kind": K, "time": RFC 3339, "subscription": sub_id or null,
 *    "watchlist": [...] (watchlist events), "objects": [STIX objects it may read now],
 *    "alert": {...} (hotline and escalation: alert_hotline_body)}
 * Each object version is read through policy_hub_query as the organisation (route
 * "alert-delivery", audited like a TAXII read). *withheld is set, and *out NULL, when nothing
 * may be delivered: an object event none of whose versions it may read any longer, or an
 * organisation that is gone or disabled. sub_id NULL: for the stream. 0 or an error.
 */
int alert_payload(struct rk_hub *hub, const struct store_event *e, const char *sub_id, json_t **out,
                  bool *withheld, struct rk_err *err);

/* ---- e-mail (H3: smtp.c) ----------------------------------------------------------------- */

/*
 * Sends one text e-mail to the n addresses of to through the SMTP server the hub is configured
 * with (RENKEI_SMTP_URL, setting "alert.smtp_url"; docs/alerts.md), from RENKEI_SMTP_FROM.
 * Blocks until the server accepted or refused it (bounded by a timeout). 0, RK_E_UNSUPPORTED
 * when no server is configured, or RK_E_IO with err saying what the server answered.
 */
int alert_mail_send(const char *const *to, size_t n, const char *subject, const char *body,
                    struct rk_err *err);

/* Whether addr is one e-mail address as the observable index reads them (no defanged form):
 * what subscriptions and contacts accept. Its normalised form goes to norm (cap bytes) when
 * norm is not NULL. */
bool alert_email_address(const char *addr, char *norm, size_t cap);

/* ---- the hotline (hotline*.c) ------------------------------------------------------------ */

/*
 * The "alert" member of the body of hotline or escalation event ev for organisation who: the
 * alert's fields for the audience who belongs to (its template decides), read through the
 * access check where they are objects; NULL when who may see nothing of it.
 */
json_t *alert_hotline_body(struct rk_hub *hub, const struct policy_principal *who, const json_t *ev,
                           struct rk_err *err);

/*
 * Called by the matcher for every new incident version it reads (hub-internal, with its
 * stored JSON): raises a hotline alert when a rule of the policy's hotline section says so
 * (e.g. severity 3 or more in a sector). Appends its events in the matcher's transaction
 * through s. 0 or an error.
 */
int alert_hotline_on_incident(struct rk_hub *hub, struct store *s, const struct store_row *row,
                              const json_t *obj, struct rk_err *err);

/* ---- module parts: routes, start and stop of each part ----------------------------------- */

/* Each part's routes (ctx: the hub), written into out (at most max); returns how many it has,
 * which may exceed max (module.c calls again with room). */
typedef size_t (*alert_routes_fn)(struct rk_hub *hub, struct http_route *out, size_t max);
size_t alert_config_routes(struct rk_hub *hub, struct http_route *out, size_t max);  /* config.c */
size_t alert_stream_routes(struct rk_hub *hub, struct http_route *out, size_t max);  /* stream.c */
size_t alert_deliver_routes(struct rk_hub *hub, struct http_route *out, size_t max); /* deliver.c */
size_t alert_hotline_routes(struct rk_hub *hub, struct http_route *out, size_t max); /* hotline.c */

/* Workers: start once (0 or an error), stop once (waits; what is left stays in the store). */
int alert_match_start(struct rk_hub *hub, struct rk_err *err); /* match.c */
void alert_match_stop(void);
void alert_match_wake(void);     /* new data may be stored */
void alert_config_changed(void); /* a subscription or watchlist entry was added or removed:
                                    the matcher reloads them (config.c calls it) */
int alert_deliver_start(struct rk_hub *hub, struct rk_err *err); /* deliver.c */
void alert_deliver_stop(void);
void alert_deliver_wake(void);    /* new events */
void alert_stream_wake_all(void); /* new events: every open stream looks (stream.c) */
int alert_hotline_start(struct rk_hub *hub, struct rk_err *err); /* hotline.c: escalation */
void alert_hotline_stop(void);

#endif /* RK_ALERT_INT_H */
