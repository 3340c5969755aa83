/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subscriptions.c: POST, GET and DELETE /api/v1/subscriptions[/{id}]: an organisation's
 * subscriptions (a filter and its channels: a signed webhook, e-mail, or only the stream),
 * kept as ALERT_REC_SUBSCRIPTION records. What is accepted is checked here (the webhook's URL
 * and secret, the addresses, the label; the filter by alert_filter_check); the secret is kept
 * to sign with and never shown again. The list shows each one's delivery state.
 */
#include "alert/config.h"
#include "module/module.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/analyze.h"

#define URL_MAX      2048
#define SECRET_MIN   16
#define SECRET_MAX   1024
#define LABEL_MAX    200
#define EMAIL_TO_MAX 20
#define REFUSAL_MAX  600

/* ---- checking what is posted ------------------------------------------------------------ */

/* Whether host (without brackets; ipv6 true when it was bracketed) is a loopback host. */
static bool loopback_host(const char *host, bool ipv6)
{
    unsigned char a[16];

    if (ipv6)
        return inet_pton(AF_INET6, host, a) == 1 && memcmp(a, in6addr_loopback.s6_addr, 16) == 0;
    if (strcasecmp(host, "localhost") == 0)
        return true;
    return inet_pton(AF_INET, host, a) == 1 && a[0] == 127;
}

int alert_webhook_url_check(const char *url, char *why, size_t n)
{
    size_t len = strlen(url), skip;
    bool https = strncasecmp(url, "https://", 8) == 0;
    char host[256];

    if (len == 0 || len > URL_MAX) {
        snprintf(why, n, "webhook.url: must be 1 to %d characters", URL_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) {
            snprintf(why, n, "webhook.url: spaces and control characters are not allowed");
            return -1;
        }
    if (!https && strncasecmp(url, "http://", 7) != 0) {
        snprintf(why, n, "webhook.url: must start with https:// (or http:// to a loopback host)");
        return -1;
    }
    skip = https ? 8 : 7;
    const char *auth = url + skip;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen) != NULL) {
        snprintf(why, n,
                 "webhook.url: credentials in the URL are not allowed (the secret "
                 "signs every delivery)");
        return -1;
    }
    const char *port = NULL;
    size_t hlen;
    bool ipv6 = auth[0] == '[';
    if (ipv6) {
        const char *close = memchr(auth, ']', alen);
        if (close == NULL) {
            snprintf(why, n, "webhook.url: an IPv6 address needs its closing ]");
            return -1;
        }
        hlen = (size_t)(close - auth - 1);
        auth++;
        if (close + 1 < url + skip + alen) {
            if (close[1] != ':') {
                snprintf(why, n, "webhook.url: bad host");
                return -1;
            }
            port = close + 2;
        }
    } else {
        const char *colon = memchr(auth, ':', alen);
        hlen = colon != NULL ? (size_t)(colon - auth) : alen;
        if (colon != NULL)
            port = colon + 1;
    }
    if (hlen == 0 || hlen >= sizeof(host)) {
        snprintf(why, n, "webhook.url: no host");
        return -1;
    }
    memcpy(host, auth, hlen);
    host[hlen] = '\0';
    if (port != NULL) {
        size_t plen = (size_t)(url + skip + alen - port);
        unsigned long p = 0;
        for (size_t i = 0; i < plen; i++) {
            if (port[i] < '0' || port[i] > '9' || plen > 5) {
                p = 0;
                break;
            }
            p = p * 10 + (unsigned long)(port[i] - '0');
        }
        if (p == 0 || p > 65535) {
            snprintf(why, n, "webhook.url: the port must be a number from 1 to 65535");
            return -1;
        }
    }
    if (!https && !loopback_host(host, ipv6)) {
        snprintf(why, n,
                 "webhook.url: http:// is allowed only to a loopback host (127.0.0.0/8, "
                 "[::1], localhost); use https://");
        return -1;
    }
    return 0;
}

/* Whether s holds a control character. */
static bool has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Checks body member webhook and writes the stored form ({"url", "secret"}) to *out. */
static int check_webhook(const json_t *w, json_t **out, char *why, size_t n)
{
    const char *key;
    const json_t *v;

    if (!json_is_object(w)) {
        snprintf(why, n, "webhook: must be an object {\"url\": ..., \"secret\": ...}");
        return -1;
    }
    json_object_foreach((json_t *)w, key, v)
    {
        if (strcmp(key, "url") != 0 && strcmp(key, "secret") != 0) {
            snprintf(why, n, "webhook.%.64s: unknown member (expected url and secret)", key);
            return -1;
        }
    }
    const char *url = json_string_value(json_object_get(w, "url"));
    const char *secret = json_string_value(json_object_get(w, "secret"));
    if (url == NULL) {
        snprintf(why, n, "webhook.url: required, a string");
        return -1;
    }
    if (alert_webhook_url_check(url, why, n) != 0)
        return -1;
    if (secret == NULL) {
        snprintf(why, n,
                 "webhook.secret: required with a webhook (it signs every delivery: "
                 "X-Renkei-Signature)");
        return -1;
    }
    size_t slen = strlen(secret);
    if (slen < SECRET_MIN || slen > SECRET_MAX || has_control(secret)) {
        snprintf(why, n, "webhook.secret: must be %d to %d printable characters", SECRET_MIN,
                 SECRET_MAX);
        return -1;
    }
    *out = json_pack("{s:s, s:s}", "url", url, "secret", secret);
    return 0;
}

/* Checks body member email ({"to": [addresses]}) and writes the stored form, each address
 * normalised, to *out. */
static int check_email(const json_t *e, json_t **out, char *why, size_t n)
{
    const json_t *to = json_object_get(e, "to");
    const json_t *v;
    const char *key;
    size_t i;

    if (!json_is_object(e) || !json_is_array(to)) {
        snprintf(why, n, "email: must be an object {\"to\": [addresses]}");
        return -1;
    }
    json_object_foreach((json_t *)e, key, v)
    {
        if (strcmp(key, "to") != 0) {
            snprintf(why, n, "email.%.64s: unknown member (expected to)", key);
            return -1;
        }
    }
    if (json_array_size(to) == 0 || json_array_size(to) > EMAIL_TO_MAX) {
        snprintf(why, n, "email.to: must list 1 to %d addresses", EMAIL_TO_MAX);
        return -1;
    }
    json_t *list = json_array();
    json_array_foreach(to, i, v)
    {
        char addr[ANALYZE_VALUE_MAX + 1];
        if (!alert_email_address(json_string_value(v), addr, sizeof(addr))) {
            snprintf(why, n, "email.to[%zu]: not an e-mail address (name@domain)", i);
            json_decref(list);
            return -1;
        }
        json_array_append_new(list, json_string(addr));
    }
    *out = json_pack("{s:o}", "to", list);
    return 0;
}

/* Checks a POSTed subscription and builds the stored document (without its id) in *out. */
static int check_subscription(const json_t *body, json_t **out, char *why, size_t n)
{
    static const char *const members[] = {"filter", "webhook", "email", "label"};
    const char *key;
    const json_t *v;
    struct rk_err err;

    json_object_foreach((json_t *)body, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
            known = known || strcmp(key, members[i]) == 0;
        if (!known) {
            snprintf(why, n, "%.64s: unknown member (expected filter, webhook, email, label)", key);
            return -1;
        }
    }
    const json_t *filter = json_object_get(body, "filter");
    rk_err_clear(&err);
    if (alert_filter_check(filter, &err) != 0) {
        snprintf(why, n, "%s", err.msg[0] ? err.msg : "filter: not a valid filter");
        return -1;
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "filter", filter != NULL ? json_deep_copy(filter) : json_object());
    const json_t *w = json_object_get(body, "webhook");
    if (w != NULL && !json_is_null(w)) {
        json_t *stored = NULL;
        if (check_webhook(w, &stored, why, n) != 0) {
            json_decref(doc);
            return -1;
        }
        json_object_set_new(doc, "webhook", stored);
    }
    const json_t *e = json_object_get(body, "email");
    if (e != NULL && !json_is_null(e)) {
        json_t *stored = NULL;
        if (check_email(e, &stored, why, n) != 0) {
            json_decref(doc);
            return -1;
        }
        json_object_set_new(doc, "email", stored);
    }
    const json_t *label = json_object_get(body, "label");
    if (label != NULL && !json_is_null(label)) {
        const char *s = json_string_value(label);
        if (s == NULL || strlen(s) > LABEL_MAX || has_control(s)) {
            snprintf(why, n, "label: must be a string of at most %d printable characters",
                     LABEL_MAX);
            json_decref(doc);
            return -1;
        }
        json_object_set_new(doc, "label", json_string(s));
    }
    *out = doc;
    return 0;
}

/* ---- POST ------------------------------------------------------------------------------- */

static int count_record(void *ctx, const struct store_record *r)
{
    (void)r;
    (*(size_t *)ctx)++;
    return 0;
}

struct create_tx {
    const struct http_request *req;
    const char *org_id;
    const char *id;
    const char *json;
};

static int create_in_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct create_tx *t = ctx;
    size_t n = 0;

    int rc = store_record_list(s, ALERT_REC_SUBSCRIPTION, t->org_id, count_record, &n, err);
    if (rc != 0)
        return rc;
    if (n >= ALERT_MAX_SUBSCRIPTIONS)
        return rk_err_set(err, RK_E_CONFLICT,
                          "the organisation has %zu subscriptions already: the limit is %d "
                          "(delete one first)",
                          n, ALERT_MAX_SUBSCRIPTIONS);
    struct store_record r = {
        .kind = ALERT_REC_SUBSCRIPTION, .id = t->id, .org_id = t->org_id, .json = t->json};
    rc = store_record_put(s, &r, err);
    if (rc == 0)
        rc = alert_config_audit(s, t->req, "alert-subscription-create",
                                json_pack("{s:s, s:s, s:s, s:[s]}", "org_id", t->org_id, "change",
                                          "create", "kind", "subscription", "ids", t->id),
                                err);
    return rc;
}

int alert_subscription_create(void *ctx, struct http_request *req, struct http_response *resp,
                              struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org_id[RK_UUID_LEN], id[RK_UUID_LEN], why[REFUSAL_MAX];
    json_t *doc = NULL;

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    json_t *body = alert_config_body(req, resp);
    if (body == NULL)
        return 0;
    int bad = check_subscription(body, &doc, why, sizeof(why));
    json_decref(body);
    if (bad)
        return alert_config_refuse(resp, 400, "%s", why);
    rk_uuid_v4(id);
    json_object_set_new(doc, "id", json_string(id));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    struct create_tx t = {.req = req, .org_id = org_id, .id = id, .json = text};
    int rc = store_write_tx(hub->store, create_in_tx, &t, err);
    free(text);
    if (rc != 0)
        return alert_config_fail(resp, rc, err);
    alert_config_changed();
    http_reply_json(resp, 201, json_pack("{s:s}", "id", id));
    return 0;
}

/* ---- GET -------------------------------------------------------------------------------- */

/* Copies the JSON of the one record record_get finds. */
static int grab_record(void *ctx, const struct store_record *r)
{
    json_t **out = ctx;
    *out = json_loads(r->json, 0, NULL);
    return 0;
}

/* The delivery state of subscription id, as its channel record holds it (H3's), or the state
 * of one that has delivered nothing yet. */
static int delivery_state(struct store *s, const char *id, json_t **out, struct rk_err *err)
{
    json_t *ch = NULL;
    int rc = store_record_get(s, ALERT_REC_CHANNEL, id, grab_record, &ch, err);
    if (rc == RK_E_NOTFOUND) {
        rc = 0;
        rk_err_clear(err);
    }
    if (rc != 0)
        return rc;
    if (!json_is_object(ch)) {
        json_decref(ch);
        ch = json_object();
    }
    json_object_del(ch, "secret");
    static const char *const counts[] = {"cursor", "attempts", "delivered", "dead"};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (json_object_get(ch, counts[i]) == NULL)
            json_object_set_new(ch, counts[i], json_integer(0));
    *out = ch;
    return 0;
}

/* One subscription as GET shows it: the secret left out. */
static int list_one(void *ctx, const struct store_record *r)
{
    json_t *list = ctx;
    char when[RK_TIME_LEN];
    json_t *doc = json_loads(r->json, 0, NULL);

    if (!json_is_object(doc)) {
        json_decref(doc);
        return 0;
    }
    json_t *w = json_object_get(doc, "webhook");
    if (json_is_object(w))
        json_object_del(w, "secret");
    rk_time_format(r->created, when);
    json_object_set_new(doc, "created", json_string(when));
    json_array_append_new(list, doc);
    return 0;
}

int alert_subscription_list(void *ctx, struct http_request *req, struct http_response *resp,
                            struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org_id[RK_UUID_LEN];
    size_t i;
    json_t *sub;

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    json_t *list = json_array();
    int rc = store_record_list(hub->store, ALERT_REC_SUBSCRIPTION, org_id, list_one, list, err);
    json_array_foreach(list, i, sub)
    {
        json_t *state = NULL;
        if (rc == 0)
            rc = delivery_state(hub->store, json_string_value(json_object_get(sub, "id")), &state,
                                err);
        if (rc == 0)
            json_object_set_new(sub, "delivery", state);
    }
    if (rc != 0) {
        json_decref(list);
        return alert_config_fail(resp, rc, err);
    }
    http_reply_json(resp, 200, json_pack("{s:o}", "subscriptions", list));
    return 0;
}

/* ---- DELETE ----------------------------------------------------------------------------- */

/* The owner of the record record_get finds. */
static int delete_in_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct alert_config_delete *t = ctx;
    char channel_owner[RK_UUID_LEN];

    /* read first, then write (store_write_tx), and never let an op fail inside it: a failed
     * op undoes the whole transaction */
    int rc = alert_config_owned(s, t, ALERT_REC_SUBSCRIPTION, "subscription", err);
    if (rc != 0)
        return rc;
    int has_channel =
        store_record_get(s, ALERT_REC_CHANNEL, t->id, alert_config_grab_owner, channel_owner, err);
    if (has_channel != 0 && has_channel != RK_E_NOTFOUND)
        return has_channel;
    rk_err_clear(err);
    rc = store_record_delete(s, ALERT_REC_SUBSCRIPTION, t->id, err);
    if (rc == 0 && has_channel == 0) /* its delivery state, if it ever delivered */
        rc = store_record_delete(s, ALERT_REC_CHANNEL, t->id, err);
    if (rc == 0)
        rc = alert_config_audit_delete(s, t, "alert-subscription-delete", "subscription", err);
    return rc;
}

int alert_subscription_delete(void *ctx, struct http_request *req, struct http_response *resp,
                              struct rk_err *err)
{
    return alert_config_delete_run(ctx, req, resp, delete_in_tx, err);
}
