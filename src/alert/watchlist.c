/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watchlist.c: POST, GET and DELETE /api/v1/watchlist[/{id}]: the assets an organisation
 * watches (its domains with their subdomains, address ranges, AS numbers, e-mail domains,
 * products), one ALERT_REC_WATCH record per entry. Each entry is normalised as the observable
 * index normalises values (analyze_observable_parse, analyze_observable_key), so that the
 * matcher compares keys; a POST is all or nothing and names the first bad entry.
 */
#include "alert/config.h"
#include "module/module.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert/match_int.h"
#include "analyze/analyze.h"

#define PRODUCT_MAX 256
#define CPE_MAX     512

/* ---- normalising one entry -------------------------------------------------------------- */

/* A CPE 2.3 formatted string (cpe:2.3:part:vendor:product[:version...], at most 13
 * components, ':' escaped as "\:"): 0, or RK_E_INVALID. */
static int cpe_check(const char *s, struct rk_err *err)
{
    size_t len = strlen(s), fields = 1, start = 0;
    char part = 0;

    if (len > CPE_MAX)
        return rk_err_set(err, RK_E_INVALID, "cpe: longer than %d characters", CPE_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f)
            return rk_err_set(err, RK_E_INVALID,
                              "cpe: spaces and non-ASCII characters must be escaped");
        if (c == '\\') {
            i++;
            continue;
        }
        if (c != ':')
            continue;
        if (fields == 4 || fields == 5) { /* the vendor and product just ended */
            if (i == start)
                return rk_err_set(err, RK_E_INVALID, "cpe: the %s is empty",
                                  fields == 4 ? "vendor" : "product");
        }
        if (fields == 2)
            part = s[i + 1];
        fields++;
        start = i + 1;
    }
    if (fields < 5 || (fields == 5 && start == len))
        return rk_err_set(err, RK_E_INVALID,
                          "cpe: needs at least cpe:2.3:PART:VENDOR:PRODUCT (e.g. "
                          "cpe:2.3:a:fortinet:fortios)");
    if (fields > 13)
        return rk_err_set(err, RK_E_INVALID, "cpe: more than the 13 components of CPE 2.3");
    if (part != 'a' && part != 'o' && part != 'h' && part != '*')
        return rk_err_set(err, RK_E_INVALID, "cpe: the part must be a, o, h or *");
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

/* The GET answer's type name of w: static. */
static const char *watch_type(const struct alert_watch *w)
{
    switch (w->kind) {
    case ALERT_WATCH_EMAIL_DOMAIN:
        return "email-domain";
    case ALERT_WATCH_PRODUCT:
        return "product";
    default:
        return analyze_obs_type_name(w->obs.type);
    }
}

/*
 * The entry parsed by the matcher's own parser (alert_watch_parse: one normalisation for what
 * is stored and what is matched), and what a POST takes of it besides: CPE 2.3 names that are
 * well formed, product names that are short and printable, and no observable a watchlist
 * does not hold (URLs, e-mail addresses, hashes: those are search's, not assets).
 */
int alert_watch_normalise(const char *entry, const char **type, struct rk_buf *key,
                          struct rk_err *err)
{
    struct alert_watch *w = rk_malloc(sizeof(*w));
    int rc = alert_watch_parse(entry, w, err);

    if (rc == RK_E_TOOBIG)
        rc = RK_E_INVALID;
    if (rc == 0 && w->kind == ALERT_WATCH_PRODUCT && strncmp(w->key, "cpe:", 4) == 0) {
        if (strncmp(w->key, "cpe:2.3:", 8) != 0)
            rc = rk_err_set(err, RK_E_INVALID, "cpe: only CPE 2.3 names (cpe:2.3:...)");
        else
            rc = cpe_check(w->key, err);
    } else if (rc == 0 && w->kind == ALERT_WATCH_PRODUCT) {
        const char *name = w->key + strlen("product:");
        if (strlen(name) > PRODUCT_MAX || has_control(name))
            rc = rk_err_set(err, RK_E_INVALID, "product: a name of 1 to %d printable characters",
                            PRODUCT_MAX);
    } else if (rc == 0 && w->kind == ALERT_WATCH_EXACT && w->obs.type != ANALYZE_OBS_ASN) {
        rc = rk_err_set(err, RK_E_INVALID,
                        "%s: not something a watchlist holds (a domain, an IP address or CIDR "
                        "range, an AS number, @domain for e-mail, cpe:2.3:... or product:Name)",
                        analyze_obs_type_name(w->obs.type));
    }
    if (rc == 0) {
        *type = watch_type(w);
        rk_buf_puts(key, w->key);
    }
    free(w);
    return rc;
}

/* ---- POST ------------------------------------------------------------------------------- */

/* One entry of a POST: as given, normalised, and the id it gets (a new one, or the id of the
 * entry with the same key the organisation has already). */
struct new_entry {
    const char *entry;
    const char *type;
    char *key;
    char id[RK_UUID_LEN];
    bool existing; /* the organisation watches this key already, or an earlier entry of the
                      same POST has it */
};

struct create_tx {
    const struct http_request *req;
    const char *org_id;
    struct new_entry *items;
    size_t n;
    size_t have; /* entries the organisation has */
    size_t added;
};

/* Marks the items whose key the existing record r has. */
static int mark_existing(void *ctx, const struct store_record *r)
{
    struct create_tx *t = ctx;
    json_t *doc = json_loads(r->json, 0, NULL);
    const char *key = json_string_value(json_object_get(doc, "key"));

    t->have++;
    for (size_t i = 0; key != NULL && i < t->n; i++)
        if (!t->items[i].existing && strcmp(t->items[i].key, key) == 0) {
            snprintf(t->items[i].id, RK_UUID_LEN, "%s", r->id);
            t->items[i].existing = true;
        }
    json_decref(doc);
    return 0;
}

static int create_in_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct create_tx *t = ctx;

    t->have = 0;
    t->added = 0;
    for (size_t i = 0; i < t->n; i++) {
        t->items[i].existing = false;
        rk_uuid_v4(t->items[i].id);
    }
    int rc = store_record_list(s, ALERT_REC_WATCH, t->org_id, mark_existing, t, err);
    if (rc != 0)
        return rc;
    /* repeated keys within the POST: one entry */
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < i && !t->items[i].existing; j++)
            if (strcmp(t->items[i].key, t->items[j].key) == 0) {
                memcpy(t->items[i].id, t->items[j].id, RK_UUID_LEN);
                t->items[i].existing = true;
            }
    for (size_t i = 0; i < t->n; i++)
        t->added += !t->items[i].existing;
    if (t->have + t->added > ALERT_MAX_WATCH)
        return rk_err_set(err, RK_E_CONFLICT,
                          "the watchlist would hold %zu entries: the limit is %d per "
                          "organisation (it holds %zu)",
                          t->have + t->added, ALERT_MAX_WATCH, t->have);
    json_t *ids = json_array();
    for (size_t i = 0; i < t->n && rc == 0; i++) {
        struct new_entry *e = &t->items[i];
        if (e->existing)
            continue;
        json_t *doc = json_pack("{s:s, s:s, s:s, s:s}", "id", e->id, "entry", e->entry, "type",
                                e->type, "key", e->key);
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        struct store_record r = {
            .kind = ALERT_REC_WATCH, .id = e->id, .org_id = t->org_id, .json = text};
        rc = store_record_put(s, &r, err);
        free(text);
        json_array_append_new(ids, json_string(e->id));
    }
    if (rc == 0 && t->added > 0)
        return alert_config_audit(s, t->req, "alert-watch-create",
                                  json_pack("{s:s, s:s, s:s, s:o}", "org_id", t->org_id, "change",
                                            "create", "kind", "watch", "ids", ids),
                                  err);
    json_decref(ids);
    return rc;
}

static void free_items(struct new_entry *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i].key);
    free(items);
}

/* Parses body {"entries": [...]} into items; answers 400 naming the bad entry and returns
 * NULL. */
static struct new_entry *parse_entries(const json_t *body, size_t *n, struct http_response *resp)
{
    const json_t *entries = json_object_get(body, "entries");
    const json_t *v;
    size_t i;

    if (!json_is_array(entries) || json_array_size(entries) == 0) {
        alert_config_refuse(resp, 400,
                            "entries: required, a list of 1 to %d strings (e.g. "
                            "[\"example.jp\", \"192.0.2.0/24\", \"AS64500\"])",
                            ALERT_MAX_WATCH_POST);
        return NULL;
    }
    if (json_array_size(entries) > ALERT_MAX_WATCH_POST) {
        alert_config_refuse(resp, 400, "entries: at most %d per request (got %zu)",
                            ALERT_MAX_WATCH_POST, json_array_size(entries));
        return NULL;
    }
    *n = json_array_size(entries);
    struct new_entry *items = rk_calloc(*n, sizeof(*items));
    json_array_foreach(entries, i, v)
    {
        const char *s = json_string_value(v);
        struct rk_buf key = RK_BUF_INIT;
        struct rk_err err;
        rk_err_clear(&err);
        if (s == NULL) {
            free_items(items, i);
            alert_config_refuse(resp, 400, "entries[%zu]: must be a string", i);
            return NULL;
        }
        if (alert_watch_normalise(s, &items[i].type, &key, &err) != 0) {
            rk_buf_free(&key);
            free_items(items, i);
            alert_config_refuse(resp, 400, "entries[%zu] (\"%.100s\"): %s", i, s, err.msg);
            return NULL;
        }
        items[i].entry = s;
        items[i].key = rk_buf_steal(&key);
    }
    return items;
}

int alert_watch_create(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org_id[RK_UUID_LEN];
    size_t n = 0;
    const char *key;
    const json_t *v;

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    json_t *body = alert_config_body(req, resp);
    if (body == NULL)
        return 0;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "entries") != 0) {
            alert_config_refuse(resp, 400, "%.64s: unknown member (expected entries)", key);
            json_decref(body); /* after: key is the body's */
            return 0;
        }
    }
    struct new_entry *items = parse_entries(body, &n, resp);
    if (items == NULL) {
        json_decref(body);
        return 0;
    }
    struct create_tx t = {.req = req, .org_id = org_id, .items = items, .n = n};
    int rc = store_write_tx(hub->store, create_in_tx, &t, err);
    if (rc == 0) {
        json_t *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "id", items[i].id, "entry",
                                                 items[i].entry, "type", items[i].type, "key",
                                                 items[i].key));
        http_reply_json(resp, 201,
                        json_pack("{s:o, s:I}", "entries", out, "added", (json_int_t)t.added));
    }
    free_items(items, n);
    json_decref(body);
    if (rc != 0)
        return alert_config_fail(resp, rc, err);
    if (t.added > 0)
        alert_config_changed();
    return 0;
}

/* ---- GET -------------------------------------------------------------------------------- */

static int list_one(void *ctx, const struct store_record *r)
{
    char when[RK_TIME_LEN];
    json_t *doc = json_loads(r->json, 0, NULL);

    if (!json_is_object(doc)) {
        json_decref(doc);
        return 0;
    }
    rk_time_format(r->created, when);
    json_object_set_new(doc, "created", json_string(when));
    json_array_append_new(ctx, doc);
    return 0;
}

static void own_listed(void *ctx, const char *entry)
{
    json_array_append_new(ctx, json_string(entry));
}

/* The organisation's own identifiers that are matched (alert_own_identifiers_each: the
 * matcher's own reading), as GET lists them. */
static int own_identifiers(struct store *s, const char *org_id, json_t **out, struct rk_err *err)
{
    struct store_org o;

    memset(&o, 0, sizeof(o));
    int rc = store_org_get(s, org_id, &o, err);
    if (rc != 0)
        return rc;
    json_t *list = json_array();
    alert_own_identifiers_each(o.own_identifiers, own_listed, list);
    store_org_clear(&o);
    *out = list;
    return 0;
}

int alert_watch_list(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char org_id[RK_UUID_LEN];
    json_t *own = NULL;

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    json_t *list = json_array();
    int rc = store_record_list(hub->store, ALERT_REC_WATCH, org_id, list_one, list, err);
    if (rc == 0)
        rc = own_identifiers(hub->store, org_id, &own, err);
    if (rc != 0) {
        json_decref(list);
        return alert_config_fail(resp, rc, err);
    }
    http_reply_json(resp, 200, json_pack("{s:o, s:o}", "entries", list, "own_identifiers", own));
    return 0;
}

/* ---- DELETE ----------------------------------------------------------------------------- */

static int delete_in_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct alert_config_delete *t = ctx;
    int rc = alert_config_owned(s, t, ALERT_REC_WATCH, "watchlist entry", err);
    if (rc == 0)
        rc = store_record_delete(s, ALERT_REC_WATCH, t->id, err);
    if (rc == 0)
        rc = alert_config_audit_delete(s, t, "alert-watch-delete", "watch", err);
    return rc;
}

int alert_watch_delete(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    return alert_config_delete_run(ctx, req, resp, delete_in_tx, err);
}
