/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline.h: what the files of the hotline (hotline_*.c) share: the policy section of
 * templates and rules, the stored alert record and its recipients, raising an alert inside a
 * write transaction, acknowledgement and its signed link, contacts, and the escalation
 * worker's wake-up. Nothing outside src/alert/hotline_*.c includes it (alert_int.h is the
 * interface to the other parts).
 *
 * The alert record (kind HOTLINE_REC_ALERT, id: uuid, owner "" = the hub's):
 *   {"id", "template", "audiences": [the template's, copied when raised], "summary",
 *    "incident": STIX id or null, "severity": 0-4 or null, "sectors": [affected],
 *    "ack_seconds": N, "created": us, "raised_by": "coordinator"|"rule",
 *    "coordinator_org": id, "link_base": URL prefix of ack links ("" relative),
 *    "recipients": [{"org", "name", "sector", "audience": "affected-sectors"|"everyone",
 *                    "acknowledged_at": us|null, "acknowledged_by": text|null,
 *                    "escalation": 0|1|2, "escalated_at": [us...]}],
 *    "mail": [{"org", "stage"}: e-mails still to send (stage 0 primary, 1 backup,
 *             2 the coordinator's contacts)],
 *    "open": false once nothing is left to escalate or mail}
 */
#ifndef RK_ALERT_HOTLINE_H
#define RK_ALERT_HOTLINE_H

#include "alert/alert_int.h"

#define HOTLINE_POLICY_KEY      "hotline"
#define HOTLINE_REC_ALERT       "alert-hotline"
#define HOTLINE_REC_CONTACTS    "alert-contacts"         /* id: the organisation's id */
#define HOTLINE_REC_BY_INCIDENT "alert-hotline-incident" /* id: incident id; {"alert": id} */
#define HOTLINE_ROUTE           "alert-hotline"          /* audit route of its reads */

#define HOTLINE_TO_AFFECTED    "affected-sectors"
#define HOTLINE_TO_EVERYONE    "everyone"
#define HOTLINE_TO_COORDINATOR "coordinator"

#define HOTLINE_ACK_SECONDS_MAX 604800 /* one week */

/* ---- the policy section (hotline_policy.c) ----------------------------------------------- */

/* The check of the section's value: 0, or RK_E_INVALID naming the template or rule and the
 * member ("templates[1] (ransomware): ack_seconds: ..."). */
int hotline_section_check(const json_t *value, struct rk_err *err);

/* The hotline section of the stored policy document (a new reference). */
int hotline_section_load(struct store *s, json_t **out, struct rk_err *err);

/* The template named name in section (borrowed), or NULL. */
const json_t *hotline_template(const json_t *section, const char *name);

/* ---- raising (hotline_raise.c) ----------------------------------------------------------- */

struct hotline_spec {
    const json_t *template; /* from the policy section */
    const char *summary;
    const char *incident;  /* STIX id or NULL */
    int severity;          /* 0-4, or -1 */
    const json_t *sectors; /* array of sector keys (affected); NULL: none */
    int64_t ack_seconds;   /* > 0, or 0 for the template's */
    const char *raised_by; /* "coordinator" or "rule" */
};

/* Writes the alert record and one hotline event per recipient organisation through s, in the
 * caller's write transaction; the new id in id_out. Call alert_wake and hotline_wake after
 * the commit. */
int hotline_raise_in_tx(struct store *s, const struct hotline_spec *spec, char id_out[RK_UUID_LEN],
                        struct rk_err *err);

/* Raises an alert in its own write transaction, then wakes delivery and the worker. */
int hotline_raise(struct rk_hub *hub, const struct hotline_spec *spec, char id_out[RK_UUID_LEN],
                  struct rk_err *err);

/* The ids of org_id's subscriptions that take hotline alerts (filter.hotline not false), as a
 * new JSON array, read through s. */
int hotline_subscriptions(struct store *s, const char *org_id, json_t **out, struct rk_err *err);

/* The stored event JSON (malloc'd text) of a hotline or escalation event (kind) of alert_id
 * for org_id: extra's members (consumed; NULL for none) and "kind", "subscriptions" (the
 * organisation's subscriptions that take hotline alerts), "objects": [], "alert". NULL with
 * err set when the subscriptions cannot be read. */
char *hotline_event_text(struct store *s, const char *kind, const char *alert_id,
                         const char *org_id, json_t *extra, struct rk_err *err);

/* The organisation id of the hub's coordinator (setting "coordinator_org"). */
int hotline_coordinator_org(struct store *s, char out[RK_UUID_LEN], struct rk_err *err);

/* ---- the record (hotline_record.c) ------------------------------------------------------- */

/* Reads the alert record id (a new reference): RK_E_NOTFOUND when there is none. */
int hotline_alert_get(struct store *s, const char *id, json_t **out, struct rk_err *err);

/* Stores rec (its "id") as an alert record through s. */
int hotline_alert_put(struct store *s, const json_t *rec, struct rk_err *err);

/* The recipient entry of org_id in rec (borrowed), or NULL. */
json_t *hotline_recipient(const json_t *rec, const char *org_id);

/* The fields of audience `to` in rec's audiences (borrowed), or NULL when it has none. */
const json_t *hotline_audience_fields(const json_t *rec, const char *to);

/* The deadline of a recipient at stage (0: acknowledgement, 1: before the coordinator). */
rk_time_us hotline_deadline(const json_t *rec, int stage);

/* A timestamp member as RFC 3339, or null when v is not an integer (a new reference). */
json_t *hotline_time_json(const json_t *v);

/* ---- acknowledgement and its signed link (hotline_ack.c) --------------------------------- */

/* The hex signature of "<alert id>/<org id>" with the hub's link key (created at first use,
 * setting "alert.link_key"); out holds 65 bytes. */
int hotline_link_sig(struct store *s, const char *alert_id, const char *org_id, char out[65],
                     struct rk_err *err);

/* Whether sig is the link signature of (alert_id, org_id). */
bool hotline_link_ok(struct store *s, const char *alert_id, const char *org_id, const char *sig);

/* The acknowledgement link of org_id for alert rec (malloc'd). */
char *hotline_ack_url(struct store *s, const json_t *rec, const char *org_id, struct rk_err *err);

/* Records org_id's acknowledgement of alert id (idempotent: the first one is kept), by
 * `by` ("token <id>", "link"); *at gets when it was acknowledged. RK_E_NOTFOUND when there is
 * no such alert or org_id is not a recipient. */
int hotline_ack(struct store *s, const char *id, const char *org_id, const char *by, rk_time_us *at,
                struct rk_err *err);

/* ---- the body (hotline_body.c) ----------------------------------------------------------- */

/* The alert as organisation who sees it (its audience's fields, its own acknowledgement
 * state), with objects (incident, indicators, mitigations) read through the access check as
 * who; NULL when who is no recipient (nor the coordinator) or its audience gets nothing. */
json_t *hotline_view(struct rk_hub *hub, const struct policy_principal *who, const json_t *rec,
                     bool objects, struct rk_err *err);

/* ---- contacts (hotline_contacts.c) ------------------------------------------------------- */

/* The contacts of org_id ({"primary": [...], "backup": [...]}, empty lists when none). */
json_t *hotline_contacts_get(struct store *s, const char *org_id);

/* Checks a contacts body: 0, or RK_E_INVALID naming the member and index. */
int hotline_contacts_check(const json_t *body, struct rk_err *err);

/* ---- the escalation and e-mail worker (hotline_escalate.c) ------------------------------- */

/* Asks the worker for a round now (new alert: its e-mails). No-op when it is not running. */
void hotline_wake(void);

/* ---- e-mail (hotline_mail.c) ------------------------------------------------------------- */

/* Sends the pending e-mails of alert_id (its "mail" list) and removes the ones sent (or that
 * failed HOTLINE_MAIL_TRIES times) from the record. */
#define HOTLINE_MAIL_TRIES 5
int hotline_mail_round(struct rk_hub *hub, const char *alert_id, struct rk_err *err);

#endif /* RK_ALERT_HOTLINE_H */
