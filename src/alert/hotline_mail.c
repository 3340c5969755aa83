/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_mail.c: the e-mails of the hotline: to an organisation's primary contacts when an
 * alert is raised, to its backup contacts at the first escalation, to the coordinator's
 * contacts at the second. Each says what the recipient's audience may be told (the summary
 * when its template gives it), the deadline and the signed acknowledgement link; never an
 * object. Sent through alert_mail_send, outside any transaction; what was sent is then
 * removed from the alert's "mail" list (at-least-once: a crash in between sends it again).
 */
#include "alert/hotline.h"

#include <stdlib.h>
#include <string.h>

static bool field(const json_t *rec, const char *audience, const char *f)
{
    size_t i;
    const json_t *v;
    json_array_foreach(hotline_audience_fields(rec, audience), i, v)
    {
        if (json_string_value(v) != NULL && strcmp(json_string_value(v), f) == 0)
            return true;
    }
    return false;
}

/* The addresses of one pending e-mail, as a new array. */
static json_t *addresses(struct store *s, const json_t *rec, const char *org, int stage)
{
    json_t *to = json_array();
    if (stage < 2) {
        json_t *c = hotline_contacts_get(s, org);
        json_array_extend(to, json_object_get(c, stage == 0 ? "primary" : "backup"));
        json_decref(c);
    } else {
        const char *coord = json_string_value(json_object_get(rec, "coordinator_org"));
        if (coord != NULL && coord[0] != '\0') {
            json_t *c = hotline_contacts_get(s, coord);
            json_array_extend(to, json_object_get(c, "primary"));
            json_array_extend(to, json_object_get(c, "backup"));
            json_decref(c);
        }
    }
    return to;
}

/* Sends the e-mail of (org, stage); 0 when sent or when there is nobody to send it to. */
static int send_one(struct rk_hub *hub, const json_t *rec, const json_t *r, int stage,
                    struct rk_err *err)
{
    const char *org = json_string_value(json_object_get(r, "org"));
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *audience = json_string_value(json_object_get(r, "audience"));
    const char *summary = json_string_value(json_object_get(rec, "summary"));
    json_t *to = addresses(hub->store, rec, org, stage);
    size_t n = json_array_size(to);
    if (n == 0) {
        json_decref(to);
        return 0;
    }
    const char **addrs = rk_calloc(n, sizeof(*addrs));
    for (size_t i = 0; i < n; i++)
        addrs[i] = json_string_value(json_array_get(to, i));
    bool say = stage == 2 || field(rec, audience, "summary");
    struct rk_buf subject = RK_BUF_INIT, body = RK_BUF_INIT;
    char when[RK_TIME_LEN];
    rk_time_format(hotline_deadline(rec, 0), when);
    if (stage == 0)
        rk_buf_printf(&subject, "[renkei] hotline: %s", say ? summary : "urgent alert");
    else if (stage == 1)
        rk_buf_printf(&subject, "[renkei] escalation: %s (not acknowledged)",
                      say ? summary : "urgent alert");
    else
        rk_buf_printf(&subject, "[renkei] escalation: %s has not acknowledged: %s", name, summary);
    rk_buf_printf(&body, "Urgent alert %s (template %s) for %s.\n\n",
                  json_string_value(json_object_get(rec, "id")),
                  json_string_value(json_object_get(rec, "template")), name);
    if (say)
        rk_buf_printf(&body, "%s\n\n", summary);
    if (stage < 2) {
        char *url = hotline_ack_url(hub->store, rec, org, err);
        if (url == NULL) {
            free(addrs);
            json_decref(to);
            rk_buf_free(&subject);
            rk_buf_free(&body);
            return RK_E_INTERNAL;
        }
        rk_buf_printf(&body,
                      "Please acknowledge by %s%s:\n%s\n\nThe details your organisation may "
                      "read are on the hub (GET /api/v1/alerts/%s).\n",
                      when, stage == 1 ? " (it is overdue)" : "", url,
                      json_string_value(json_object_get(rec, "id")));
        free(url);
    } else {
        rk_buf_printf(&body,
                      "%s was asked to acknowledge by %s and has not. Its state: GET "
                      "/api/v1/alerts/%s\n",
                      name, when, json_string_value(json_object_get(rec, "id")));
    }
    int rc = alert_mail_send(addrs, n, subject.data, body.data, err);
    free(addrs);
    json_decref(to);
    rk_buf_free(&subject);
    rk_buf_free(&body);
    return rc;
}

struct mail_done {
    const char *id;
    json_t *sent;   /* [{"org", "stage"}] sent or abandoned */
    json_t *failed; /* [{"org", "stage"}] to try again */
};

static bool same(const json_t *a, const json_t *b)
{
    return json_equal(json_object_get(a, "org"), json_object_get(b, "org")) &&
           json_equal(json_object_get(a, "stage"), json_object_get(b, "stage"));
}

static bool listed(const json_t *list, const json_t *m)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        if (same(v, m))
            return true;
    }
    return false;
}

static int done_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct mail_done *d = ctx;
    json_t *rec = NULL;
    int rc = hotline_alert_get(s, d->id, &rec, err);
    if (rc != 0)
        return rc;
    json_t *left = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(rec, "mail"), i, m)
    {
        if (listed(d->sent, m))
            continue;
        if (listed(d->failed, m)) {
            int64_t tries = json_integer_value(json_object_get(m, "tries")) + 1;
            if (tries >= HOTLINE_MAIL_TRIES)
                continue;
            json_object_set_new(m, "tries", json_integer(tries));
        }
        json_array_append(left, m);
    }
    json_object_set_new(rec, "mail", left);
    rc = hotline_alert_put(s, rec, err);
    json_decref(rec);
    return rc;
}

int hotline_mail_round(struct rk_hub *hub, const char *alert_id, struct rk_err *err)
{
    json_t *rec = NULL;
    int rc = hotline_alert_get(hub->store, alert_id, &rec, err);
    if (rc != 0)
        return rc;
    struct mail_done d = {alert_id, json_array(), json_array()};
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(rec, "mail"), i, m)
    {
        const json_t *r = hotline_recipient(rec, json_string_value(json_object_get(m, "org")));
        int stage = (int)json_integer_value(json_object_get(m, "stage"));
        struct rk_err e = {0};
        /* An escalation e-mail is moot once the organisation acknowledged. */
        int src = r == NULL || (stage > 0 && json_is_integer(json_object_get(r, "acknowledged_at")))
                      ? 0
                      : send_one(hub, rec, r, stage, &e);
        if (src == 0 || src == RK_E_UNSUPPORTED) {
            if (src == RK_E_UNSUPPORTED)
                rk_log(RK_LOG_WARN, "hotline: alert %s: no e-mail sent to %s: %s", alert_id,
                       json_string_value(json_object_get(m, "org")), e.msg);
            json_array_append(d.sent, m);
        } else {
            rk_log(RK_LOG_WARN, "hotline: alert %s: e-mail to %s (stage %d) failed: %s", alert_id,
                   json_string_value(json_object_get(m, "org")), stage, e.msg);
            json_array_append(d.failed, m);
        }
    }
    if (json_array_size(d.sent) + json_array_size(d.failed) > 0)
        rc = store_write_tx(hub->store, done_tx, &d, err);
    json_decref(d.sent);
    json_decref(d.failed);
    json_decref(rec);
    return rc;
}
