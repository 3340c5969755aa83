/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver_int.h: what the files of the delivery part of src/alert share (deliver.c, the
 * worker; webhook.c, the signed POST; smtp.c, e-mail; backoff.c, when to retry; dead.c, dead
 * letters and their route). The rest of src/alert sees only alert_int.h.
 */
#ifndef RK_ALERT_DELIVER_INT_H
#define RK_ALERT_DELIVER_INT_H

#include <curl/curl.h>

#include "alert/alert_int.h"

/* ---- backoff.c --------------------------------------------------------------------------- */

/* Defaults: the first retry within base, doubling per attempt, never more than the cap; a
 * failing head event becomes a dead letter after dead_after (docs/alerts.md). */
#define ALERT_RETRY_BASE_US_DEFAULT 1000000LL      /* RENKEI_ALERT_RETRY_BASE_MS */
#define ALERT_RETRY_CAP_US          600000000LL    /* 10 minutes */
#define ALERT_DEAD_AFTER_US_DEFAULT 259200000000LL /* 3 days: RENKEI_ALERT_DEAD_AFTER_S */

/*
 * The wait before retry number attempt (1 for the first retry) with exponential backoff and
 * full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], drawn from rnd (any 64 random
 * bits). base <= 0 gives 0.
 */
int64_t alert_backoff_us(int attempt, int64_t base_us, int64_t cap_us, uint64_t rnd);

/* RENKEI_ALERT_RETRY_BASE_MS and RENKEI_ALERT_DEAD_AFTER_S (microseconds), else defaults. */
int64_t alert_retry_base_us(void);
int64_t alert_dead_after_us(void);

/* ---- webhook.c --------------------------------------------------------------------------- */

#define ALERT_SIGNATURE_LEN (7 + 64 + 1) /* "sha256=" + hex + NUL */

/* out = "sha256=" + hex HMAC-SHA256(secret, body): the X-Renkei-Signature header's value. */
void alert_webhook_signature(const char *secret, const void *body, size_t len,
                             char out[ALERT_SIGNATURE_LEN]);

/*
 * Sets up easy (fresh or reset) to POST body (borrowed: must live until the transfer ends) to
 * url, signed with secret, with the headers of docs/alerts.md; *headers receives the list to
 * free with curl_slist_free_all after the transfer. http/https only, no redirects, 10 s.
 */
void alert_webhook_setup(CURL *easy, const char *url, const char *secret, const char *sub_id,
                         int64_t seq, const char *body, size_t len, struct curl_slist **headers);

/* Timeouts of every delivery (connect and the whole transfer), milliseconds. */
#define ALERT_DELIVERY_TIMEOUT_MS 10000L

/* ---- smtp.c ------------------------------------------------------------------------------ */

/* Remembers the hub whose settings (alert.smtp_url, alert.smtp_from) e-mail reads. */
void alert_smtp_attach(struct rk_hub *hub);

/* The SMTP server's URL and the sender (malloc'd): RENKEI_SMTP_URL / setting alert.smtp_url
 * (NULL when neither), RENKEI_SMTP_FROM / setting alert.smtp_from / renkei@localhost. */
char *alert_smtp_url(void);
char *alert_smtp_from(void);

/*
 * The RFC 5322 message (CRLF lines): Date, From, To, Subject (RFC 2047 when not ASCII, CR
 * and LF dropped), Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8, then
 * body. malloc'd.
 */
char *alert_mail_message(const char *from, const char *const *to, size_t n, const char *subject,
                         const char *body, rk_time_us now);

/* A message being sent: what its transfer reads from and the recipients list. */
struct alert_mail {
    char *text;
    size_t len, off;
    struct curl_slist *rcpt;
};

/* Fills mail (message and recipients) for one e-mail; false when no recipient address is
 * usable (mail is then empty). */
bool alert_mail_prepare(struct alert_mail *mail, const char *from, const char *const *to, size_t n,
                        const char *subject, const char *body);

/* Sets up easy to send mail (whose members must live until the transfer ends) to url from
 * from; 10 s timeouts. */
void alert_mail_setup(CURL *easy, const char *url, const char *from, struct alert_mail *mail);
void alert_mail_clear(struct alert_mail *mail);

/* Subject and text of the e-mail for delivered body (alert_payload): "[renkei] KIND: name or
 * id of the first object" and a readable text with the JSON. malloc'd. */
char *alert_mail_subject(const json_t *body);
char *alert_mail_text(const json_t *body);

/* ---- dead.c ------------------------------------------------------------------------------ */

/* The dead letter of event seq for channel ("webhook" or "email") of subscription sub_id of
 * org: its record (kind ALERT_REC_DEAD), put through s (inside the caller's write_tx). */
int alert_dead_put(struct store *s, const char *org_id, const char *sub_id, const char *channel,
                   int64_t seq, rk_time_us first_failure, int attempts, const char *last_error,
                   struct rk_err *err);

/*
 * The end of a retry of a dead letter (POST .../retry): delivered, its record goes; else it
 * stays, one attempt more, last_error said, no longer asked for.
 */
int alert_dead_resolve(struct store *s, const char *sub_id, const char *channel, int64_t seq,
                       bool delivered, const char *last_error, struct rk_err *err);

/* GET /api/v1/dead-letters and POST /api/v1/dead-letters/{sub}/{seq}/retry (dead.c). */
int alert_dead_letters_get(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err);
int alert_dead_letter_retry(void *ctx, struct http_request *req, struct http_response *resp,
                            struct rk_err *err);

/* A dead letter was marked for a retry: the worker looks for such marks (deliver.c). */
void alert_deliver_retry_requested(void);

#endif /* RK_ALERT_DELIVER_INT_H */
