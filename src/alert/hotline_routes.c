/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_routes.c: the hotline's HTTP routes: raising an alert (coordinator), listing and
 * reading alerts (the coordinator sees every recipient's acknowledgement and escalation, a
 * member its own view), acknowledging through the API or the signed link of the e-mail, and
 * an organisation's contacts. docs/api.md, "Hotline".
 */
#include "alert/config.h"
#include "alert/hotline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/module.h"
#include "policy/access.h"
#include "policy/admin.h"
#include "analyze/analyze.h"

#define SUMMARY_MAX 2000

/* ---- POST /api/v1/alerts ------------------------------------------------------------------ */

static int incident_row(void *ctx, const struct store_row *row)
{
    json_t **out = ctx;
    if (row->json != NULL) {
        json_decref(*out);
        *out = json_loadb(row->json, row->json_len, 0, NULL);
    }
    return 0;
}

/* The incident id names, as the coordinator reads it (a new reference), or NULL. */
static json_t *read_incident(struct rk_hub *hub, const struct policy_principal *who, const char *id,
                             struct rk_err *err)
{
    const char *types[] = {"incident"};
    struct policy_hub_query q;
    struct policy_hub_page page;
    json_t *obj = NULL;
    memset(&q, 0, sizeof q);
    q.added_after = -1;
    q.after = -1;
    q.limit = POLICY_HUB_QUERY_MAX;
    q.ids = &id;
    q.n_ids = 1;
    q.types = types;
    q.n_types = 1;
    q.version_sel = STORE_VERSION_LAST;
    q.with_json = true;
    if (policy_hub_query(hub, who, HOTLINE_ROUTE, &q, incident_row, &obj, &page, err) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static int raise_check(struct rk_hub *hub, const json_t *b, struct rk_err *err)
{
    static const char *const members[] = {"template", "summary",     "incident",
                                          "sectors",  "ack_seconds", "severity"};
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)b, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
            ok = ok || strcmp(key, members[i]) == 0;
        if (!ok)
            return rk_err_set(err, RK_E_INVALID,
                              "%s: unknown member (the members are: template, summary, "
                              "incident, sectors, ack_seconds, severity)",
                              key);
    }
    const char *summary = json_string_value(json_object_get(b, "summary"));
    if (summary == NULL || summary[0] == '\0' || strlen(summary) > SUMMARY_MAX)
        return rk_err_set(err, RK_E_INVALID, "summary: required, a string of 1 to %d bytes",
                          SUMMARY_MAX);
    if (!json_is_string(json_object_get(b, "template")))
        return rk_err_set(err, RK_E_INVALID, "template: required, a template name");
    v = json_object_get(b, "incident");
    if (v != NULL && !json_is_null(v) &&
        (!json_is_string(v) || strncmp(json_string_value(v), "incident--", 10) != 0))
        return rk_err_set(err, RK_E_INVALID, "incident: must be the STIX id of an incident");
    v = json_object_get(b, "ack_seconds");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
                      json_integer_value(v) > HOTLINE_ACK_SECONDS_MAX))
        return rk_err_set(err, RK_E_INVALID, "ack_seconds: must be an integer from 1 to %d",
                          HOTLINE_ACK_SECONDS_MAX);
    v = json_object_get(b, "severity");
    if (v != NULL &&
        (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4))
        return rk_err_set(err, RK_E_INVALID, "severity: must be an integer from 0 to 4");
    v = json_object_get(b, "sectors");
    if (v != NULL && !json_is_array(v))
        return rk_err_set(err, RK_E_INVALID, "sectors: must be an array of sector keys");
    size_t i;
    const json_t *x;
    json_array_foreach(v, i, x)
    {
        struct rk_err sub = {0};
        if (!json_is_string(x) || policy_sector_check(hub->store, json_string_value(x), &sub) != 0)
            return rk_err_set(err, RK_E_INVALID, "sectors[%zu]: %s", i,
                              json_is_string(x) ? sub.msg : "must be a sector key");
    }
    return 0;
}

static json_t *template_names(const json_t *section)
{
    struct rk_buf b = RK_BUF_INIT;
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(section, "templates"), i, t)
    {
        rk_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(json_object_get(t, "name")));
    }
    json_t *s = json_string(b.data != NULL ? b.data : "");
    rk_buf_free(&b);
    return s;
}

static int h_raise(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    json_t *section = NULL, *incident = NULL, *sectors = NULL;
    char id[RK_UUID_LEN];

    if (module_need_coordinator(req, resp, "only the coordinator raises hotline alerts"))
        return 0;
    json_t *b = alert_config_body(req, resp);
    if (b == NULL)
        return 0;
    int rc = raise_check(hub, b, err);
    if (rc == 0)
        rc = hotline_section_load(hub->store, &section, err);
    const char *name = json_string_value(json_object_get(b, "template"));
    const json_t *tpl = rc == 0 ? hotline_template(section, name) : NULL;
    if (rc == 0 && tpl == NULL) {
        json_t *names = template_names(section);
        rc = rk_err_set(err, RK_E_INVALID,
                        "template: no template named '%s' (the templates "
                        "are: %s)",
                        name, json_string_value(names));
        json_decref(names);
    }
    const char *inc = json_string_value(json_object_get(b, "incident"));
    int severity = json_is_integer(json_object_get(b, "severity"))
                       ? (int)json_integer_value(json_object_get(b, "severity"))
                       : -1;
    sectors = json_incref(json_object_get(b, "sectors"));
    if (rc == 0 && inc != NULL) {
        incident = read_incident(hub, req->principal, inc, err);
        if (incident == NULL)
            rc = rk_err_set(err, RK_E_INVALID, "incident: no incident %s is stored", inc);
    }
    if (rc == 0 && incident != NULL) {
        const json_t *ext =
            json_object_get(json_object_get(incident, "extensions"), ANALYZE_SEV_EXTENSION);
        const json_t *lv = json_object_get(json_object_get(ext, ANALYZE_SEV_HUB_MEMBER), "level");
        if (severity < 0 && json_is_integer(lv))
            severity = (int)json_integer_value(lv);
        if (sectors == NULL && json_is_string(json_object_get(ext, "sector"))) {
            sectors = json_array();
            json_array_append(sectors, json_object_get(ext, "sector"));
        }
    }
    if (rc == 0) {
        struct hotline_spec spec = {
            .template = tpl,
            .summary = json_string_value(json_object_get(b, "summary")),
            .incident = inc,
            .severity = severity,
            .sectors = sectors,
            .ack_seconds = json_integer_value(json_object_get(b, "ack_seconds")),
            .raised_by = "coordinator",
        };
        rc = hotline_raise(hub, &spec, id, err);
    }
    if (rc == 0)
        http_reply_json(resp, 201, json_pack("{s:s}", "id", id));
    else
        alert_config_fail(resp, rc, err);
    json_decref(sectors);
    json_decref(incident);
    json_decref(section);
    json_decref(b);
    return 0;
}

/* ---- GET /api/v1/alerts, GET /api/v1/alerts/{id} ------------------------------------------- */

/* The coordinator's view of an alert: everything, every recipient's state. */
static json_t *status_view(const json_t *rec, bool recipients)
{
    json_t *v = json_object();
    const char *copy[] = {"id",       "template", "summary",     "incident",
                          "severity", "sectors",  "ack_seconds", "raised_by"};
    char when[RK_TIME_LEN];
    size_t acked = 0, i;
    const json_t *r;
    for (size_t k = 0; k < sizeof copy / sizeof copy[0]; k++)
        json_object_set(v, copy[k], json_object_get(rec, copy[k]));
    json_object_set_new(v, "created", hotline_time_json(json_object_get(rec, "created")));
    rk_time_format(hotline_deadline(rec, 0), when);
    json_object_set_new(v, "ack_by", json_string(when));
    json_t *list = json_array();
    json_array_foreach(json_object_get(rec, "recipients"), i, r)
    {
        json_t *e = json_object();
        json_t *times = json_array();
        size_t j;
        const json_t *t;
        acked += json_is_integer(json_object_get(r, "acknowledged_at"));
        json_object_set(e, "org", json_object_get(r, "org"));
        json_object_set(e, "name", json_object_get(r, "name"));
        json_object_set(e, "sector", json_object_get(r, "sector"));
        json_object_set(e, "audience", json_object_get(r, "audience"));
        json_object_set_new(e, "acknowledged_at",
                            hotline_time_json(json_object_get(r, "acknowledged_at")));
        json_object_set(e, "acknowledged_by", json_object_get(r, "acknowledged_by"));
        json_object_set(e, "escalation", json_object_get(r, "escalation"));
        json_array_foreach(json_object_get(r, "escalated_at"), j, t)
            json_array_append_new(times, hotline_time_json(t));
        json_object_set_new(e, "escalated_at", times);
        json_array_append_new(list, e);
    }
    json_object_set_new(v, "acknowledged", json_integer((json_int_t)acked));
    json_object_set_new(v, "not_acknowledged",
                        json_integer((json_int_t)(json_array_size(list) - acked)));
    if (recipients)
        json_object_set_new(v, "recipients", list);
    else
        json_decref(list);
    return v;
}

static int all_records(void *ctx, const struct store_record *r)
{
    json_t *list = ctx;
    json_t *rec = json_loads(r->json, 0, NULL);
    if (rec != NULL)
        json_array_append_new(list, rec);
    return 0;
}

static int h_list(void *ctx, struct http_request *req, struct http_response *resp,
                  struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = req->principal;
    if (module_need_member(req, resp))
        return 0;
    json_t *recs = json_array(), *out = json_array();
    int rc = store_record_list(hub->store, HOTLINE_REC_ALERT, NULL, all_records, recs, err);
    size_t i;
    const json_t *rec;
    json_array_foreach(recs, i, rec)
    {
        if (rc != 0)
            break;
        if (policy_is_coordinator(who)) {
            json_array_append_new(out, status_view(rec, false));
            continue;
        }
        if (hotline_recipient(rec, who->org_id) == NULL)
            continue;
        json_t *v = hotline_view(hub, who, rec, false, err);
        if (v != NULL)
            json_array_append_new(out, v);
    }
    json_decref(recs);
    if (rc < 0) {
        json_decref(out);
        alert_config_fail(resp, rc, err);
        return 0;
    }
    http_reply_json(resp, 200, json_pack("{s:o}", "alerts", out));
    return 0;
}

static int h_get(void *ctx, struct http_request *req, struct http_response *resp,
                 struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = req->principal;
    json_t *rec = NULL;
    if (module_need_member(req, resp))
        return 0;
    int rc = hotline_alert_get(hub->store, req->captures[0], &rec, err);
    if (rc == RK_E_NOTFOUND ||
        (rc == 0 && !policy_is_coordinator(who) && hotline_recipient(rec, who->org_id) == NULL)) {
        json_decref(rec);
        http_json_error(resp, 404, "no such alert");
        return 0;
    }
    if (rc != 0) {
        alert_config_fail(resp, rc, err);
        return 0;
    }
    json_t *v = policy_is_coordinator(who) ? status_view(rec, true)
                                           : hotline_view(hub, who, rec, true, err);
    json_decref(rec);
    if (v == NULL)
        http_json_error(resp, 404, "no such alert");
    else
        http_reply_json(resp, 200, v);
    return 0;
}

/* ---- acknowledgement ------------------------------------------------------------------------ */

static int h_ack(void *ctx, struct http_request *req, struct http_response *resp,
                 struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = req->principal;
    char org[RK_UUID_LEN], by[64], when[RK_TIME_LEN];
    rk_time_us at = 0;
    if (module_target_org(hub->store, req, resp, org))
        return 0;
    snprintf(by, sizeof by, "%s token %.16s",
             strcmp(org, who->org_id) == 0 ? "member" : "coordinator", who->token_hash);
    int rc = hotline_ack(hub->store, req->captures[0], org, by, &at, err);
    if (rc == RK_E_NOTFOUND) {
        http_json_error(resp, 404, "no such alert");
        return 0;
    }
    if (rc != 0) {
        alert_config_fail(resp, rc, err);
        return 0;
    }
    rk_time_format(at, when);
    http_reply_json(
        resp, 200,
        json_pack("{s:s, s:s, s:s}", "id", req->captures[0], "org", org, "acknowledged_at", when));
    return 0;
}

static void page_reply(struct http_response *resp, int status, const char *title,
                       const char *body_html)
{
    resp->status = status;
    resp->content_type = http_media_type(HTTP_MEDIA_HTML);
    rk_buf_reset(&resp->body);
    rk_buf_printf(&resp->body,
                  "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<title>%s</title></head>\n<body>\n<h1>%s</h1>\n%s</body></html>\n",
                  title, title, body_html);
}

/* The signed link's check, for both of its steps: 0 when org and sig are the link's own
 * (then org and sig are a UUID and 64 hex digits: safe to write into a page); otherwise
 * answers 403 and returns 1. */
static int link_check(struct rk_hub *hub, struct http_request *req, struct http_response *resp,
                      const char **org, const char **sig)
{
    *org = module_param(req, "org");
    *sig = module_param(req, "sig");
    if (hotline_link_ok(hub->store, req->captures[0], *org, *sig))
        return 0;
    page_reply(resp, 403, "Not a valid link",
               "<p>This acknowledgement link is not valid (it was changed or cut short). "
               "Acknowledge on the hub instead.</p>\n");
    return 1;
}

/*
 * GET of the e-mail's link: a page with one button that POSTs the acknowledgement. A GET
 * never acknowledges: mail scanners and link previews fetch links in e-mails, and an alert
 * they "acknowledged" would never escalate.
 */
static int h_ack_link(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const char *org, *sig;
    struct rk_buf form = RK_BUF_INIT;
    (void)err;
    if (link_check(hub, req, resp, &org, &sig))
        return 0;
    rk_buf_printf(&form,
                  "<p>Hotline alert %s is waiting for your organisation's acknowledgement.</p>\n"
                  "<form method=\"post\" action=\"/api/v1/alerts/%s/ack-link?org=%s&amp;sig=%s\">"
                  "<button type=\"submit\">Acknowledge</button></form>\n",
                  req->captures[0], req->captures[0], org, sig);
    page_reply(resp, 200, "Acknowledge a hotline alert", form.data);
    rk_buf_free(&form);
    return 0;
}

/* POST of the link's page: the acknowledgement itself. */
static int h_ack_link_post(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const char *org, *sig;
    char when[RK_TIME_LEN], msg[200];
    rk_time_us at = 0;
    if (link_check(hub, req, resp, &org, &sig))
        return 0;
    int rc = hotline_ack(hub->store, req->captures[0], org, "link", &at, err);
    if (rc == RK_E_NOTFOUND) {
        page_reply(resp, 404, "Not found", "<p>This alert no longer exists.</p>\n");
        return 0;
    }
    if (rc != 0) {
        rk_log(RK_LOG_ERROR, "hotline: acknowledgement link: %s", err->msg);
        page_reply(resp, 500, "Not recorded",
                   "<p>The acknowledgement could not be recorded; try again.</p>\n");
        return 0;
    }
    rk_time_format(at, when);
    snprintf(msg, sizeof msg, "<p>Alert %s, acknowledged at %s. Thank you.</p>\n", req->captures[0],
             when);
    page_reply(resp, 200, "Acknowledged", msg);
    return 0;
}

/* ---- contacts ------------------------------------------------------------------------------ */

static int h_contacts_get(void *ctx, struct http_request *req, struct http_response *resp,
                          struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org[RK_UUID_LEN];
    (void)err;
    if (module_target_org(hub->store, req, resp, org))
        return 0;
    json_t *c = hotline_contacts_get(hub->store, org);
    json_object_set_new(c, "org", json_string(org));
    http_reply_json(resp, 200, c);
    return 0;
}

static int h_contacts_put(void *ctx, struct http_request *req, struct http_response *resp,
                          struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org[RK_UUID_LEN];
    if (module_target_org(hub->store, req, resp, org))
        return 0;
    json_t *b = alert_config_body(req, resp);
    if (b == NULL)
        return 0;
    int rc = hotline_contacts_check(b, err);
    json_t *doc = json_object();
    json_object_set_new(doc, "primary", json_deep_copy(json_object_get(b, "primary")));
    json_object_set_new(doc, "backup", json_deep_copy(json_object_get(b, "backup")));
    if (!json_is_array(json_object_get(doc, "primary")))
        json_object_set_new(doc, "primary", json_array());
    if (!json_is_array(json_object_get(doc, "backup")))
        json_object_set_new(doc, "backup", json_array());
    if (rc == 0) {
        char *text = json_dumps(doc, JSON_COMPACT);
        struct store_record r = {
            .kind = HOTLINE_REC_CONTACTS, .id = org, .org_id = org, .json = text};
        rc = store_record_put(hub->store, &r, err);
        free(text);
    }
    if (rc == 0) {
        json_object_set_new(doc, "org", json_string(org));
        http_reply_json(resp, 200, json_incref(doc));
    } else {
        alert_config_fail(resp, rc, err);
    }
    json_decref(doc);
    json_decref(b);
    return 0;
}

size_t alert_hotline_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route routes[] = {
        {"POST", "/api/v1/alerts", h_raise, hub, HTTP_ROUTE_JSON, "alert-hotline-raise"},
        {"GET", "/api/v1/alerts", h_list, hub, HTTP_ROUTE_JSON, "alert-hotline-list"},
        {"GET", "/api/v1/alerts/{id}", h_get, hub, HTTP_ROUTE_JSON, "alert-hotline-get"},
        {"POST", "/api/v1/alerts/{id}/ack", h_ack, hub, HTTP_ROUTE_JSON, "alert-hotline-ack"},
        {"GET", "/api/v1/alerts/{id}/ack", h_ack_link, hub,
         HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PRODUCES(HTTP_MEDIA_HTML), "alert-hotline-ack-link"},
        {"POST", "/api/v1/alerts/{id}/ack-link", h_ack_link_post, hub,
         HTTP_ROUTE_PUBLIC | HTTP_ROUTE_PRODUCES(HTTP_MEDIA_HTML), "alert-hotline-ack-link-post"},
        {"GET", "/api/v1/contacts", h_contacts_get, hub, HTTP_ROUTE_JSON, "alert-contacts-get"},
        {"PUT", "/api/v1/contacts", h_contacts_put, hub, HTTP_ROUTE_JSON, "alert-contacts-put"},
    };
    size_t n = sizeof routes / sizeof routes[0];
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}
