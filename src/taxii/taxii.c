/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taxii.c: the TAXII 2.1 resources of the hub. Reads go through policy_query, the access
 * check of the policy layer (never store_query directly), and envelopes are assembled from
 * the stored canonical JSON without parsing it again. Writes check the envelope and hand the
 * objects to policy_ingest (validation, scope, anonymity, one durable transaction), then
 * answer with a complete status resource.
 */
#include "taxii/taxii.h"
#include "taxii/taxii_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STIX_MEDIA "application/stix+json;version=2.1"
#define MAX_DEPTH  64

static const struct policy_principal anonymous = {.authenticated = false,
                                                  .role = STORE_ROLE_READER};

static const struct policy_principal *who_of(const struct http_request *req)
{
    return req->principal != NULL ? req->principal : &anonymous;
}

static bool is_coordinator(const struct policy_principal *who)
{
    return who->authenticated && who->role == STORE_ROLE_COORDINATOR;
}

static int check_root(const struct rk_hub *hub, const struct http_request *req, struct rk_err *err)
{
    if (strcmp(req->captures[0], hub->api_root) != 0)
        return rk_err_set(err, RK_E_NOTFOUND, "no API root '%.64s'", req->captures[0]);
    return 0;
}

/*
 * Loads collection id for who. RK_E_NOTFOUND if it does not exist or who may neither read
 * nor write it (its existence is not revealed). On success the caller clears *c.
 */
static int load_collection(const struct rk_hub *hub, const struct policy_principal *who,
                           const char *id, struct store_collection *c, bool *can_read,
                           bool *can_write, struct rk_err *err)
{
    memset(c, 0, sizeof(*c));
    if (!rk_uuid_valid(id))
        return rk_err_set(err, RK_E_NOTFOUND, "no collection '%.64s'", id);
    struct rk_err e2;
    int rc = policy_collection_get(hub->store, id, c, &e2); /* cached in the server */
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_NOTFOUND, "no collection '%s'", id);
    if (rc < 0)
        return rk_err_set(err, rc, "%s", e2.msg);
    *can_read = policy_may_read_collection(who, c);
    *can_write = policy_may_write_collection(who, c);
    if (!*can_read && !*can_write) {
        store_collection_clear(c);
        return rk_err_set(err, RK_E_NOTFOUND, "no collection '%s'", id);
    }
    return 0;
}

static void put_time_header(struct http_response *resp, const char *name, rk_time_us t)
{
    char ts[RK_TIME_LEN];
    rk_time_format(t, ts);
    http_set_header(resp, name, ts);
}

/* Adds the X-TAXII-Date-Added-* headers; omitted for an empty result (see taxii.md). */
static void date_headers(struct http_response *resp, const struct store_page *page)
{
    if (page->count == 0)
        return;
    put_time_header(resp, "X-TAXII-Date-Added-First", page->first_added);
    put_time_header(resp, "X-TAXII-Date-Added-Last", page->last_added);
}

/* Closes an envelope-style list: `],"more":..,"next":..}`, or `{}` when nothing came. */
static void close_list(struct rk_buf *b, const struct store_page *page)
{
    if (page->count == 0) {
        rk_buf_reset(b);
        rk_buf_puts(b, "{}");
        return;
    }
    rk_buf_puts(b, "],\"more\":");
    if (page->more)
        rk_buf_printf(b, "true,\"next\":\"%lld\"}", (long long)page->last_added);
    else
        rk_buf_puts(b, "false}");
}

/* ---- server information ------------------------------------------------------------ */

static int h_discovery(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    (void)req, (void)err;
    struct rk_buf *b = &resp->body;
    rk_buf_puts(b, "{\"title\":");
    rk_buf_json_string(b, hub->title[0] ? hub->title : "renkei");
    rk_buf_puts(b, ",\"description\":\"renkei threat-information sharing hub\",\"default\":");
    rk_buf_printf(b, "\"/%s/\",\"api_roots\":[\"/%s/\"]}", hub->api_root, hub->api_root);
    return 0;
}

static int h_api_root(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    int rc = check_root(hub, req, err);
    if (rc < 0)
        return rc;
    struct rk_buf *b = &resp->body;
    rk_buf_puts(b, "{\"title\":");
    rk_buf_json_string(b, hub->title[0] ? hub->title : "renkei");
    rk_buf_printf(b, ",\"versions\":[\"" HTTP_TAXII_MEDIA "\"],\"max_content_length\":%zu}",
                  hub->max_content_length);
    return 0;
}

static int h_status(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = who_of(req);
    struct store_status st;
    struct rk_err e2;
    int rc = check_root(hub, req, err);
    if (rc < 0)
        return rc;
    memset(&st, 0, sizeof(st));
    if (!rk_uuid_valid(req->captures[1]) || !who->authenticated)
        return rk_err_set(err, RK_E_NOTFOUND, "no status '%.64s'", req->captures[1]);
    rc = store_status_get(hub->store, req->captures[1], &st, &e2);
    if (rc == RK_E_NOTFOUND ||
        (rc == 0 && !is_coordinator(who) && strcmp(st.org_id, who->org_id) != 0)) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no status '%s'", req->captures[1]);
        goto out;
    }
    if (rc < 0) {
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    rk_buf_puts(&resp->body, st.json);
out:
    store_status_clear(&st);
    return rc;
}

/* ---- collections ------------------------------------------------------------------- */

static void collection_json(struct rk_buf *b, const struct store_collection *c, bool can_read,
                            bool can_write)
{
    rk_buf_puts(b, "{\"id\":");
    rk_buf_json_string(b, c->id);
    rk_buf_puts(b, ",\"title\":");
    rk_buf_json_string(b, c->title ? c->title : "");
    if (c->description && c->description[0]) {
        rk_buf_puts(b, ",\"description\":");
        rk_buf_json_string(b, c->description);
    }
    if (c->alias && c->alias[0]) {
        rk_buf_puts(b, ",\"alias\":");
        rk_buf_json_string(b, c->alias);
    }
    rk_buf_printf(b, ",\"can_read\":%s,\"can_write\":%s,\"media_types\":[\"" STIX_MEDIA "\"]}",
                  can_read ? "true" : "false", can_write ? "true" : "false");
}

static int h_collections(void *ctx, struct http_request *req, struct http_response *resp,
                         struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = who_of(req);
    struct store_collection *cs = NULL;
    size_t n = 0, shown = 0;
    struct rk_err e2;
    int rc = check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = store_collection_list(hub->store, &cs, &n, &e2);
    if (rc < 0)
        return rk_err_set(err, rc, "%s", e2.msg);
    for (size_t i = 0; i < n; i++) {
        bool r = policy_may_read_collection(who, &cs[i]);
        bool w = policy_may_write_collection(who, &cs[i]);
        if (!r && !w)
            continue;
        rk_buf_puts(&resp->body, shown++ ? "," : "{\"collections\":[");
        collection_json(&resp->body, &cs[i], r, w);
    }
    rk_buf_puts(&resp->body, shown ? "]}" : "{}");
    store_collections_free(cs, n);
    return 0;
}

static int h_collection(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_collection c;
    bool r, w;
    int rc = check_root(hub, req, err);
    if (rc == 0)
        rc = load_collection(hub, who_of(req), req->captures[1], &c, &r, &w, err);
    if (rc < 0)
        return rc;
    collection_json(&resp->body, &c, r, w);
    store_collection_clear(&c);
    return 0;
}

/* ---- reading objects ---------------------------------------------------------------- */

/* Common start of every read: root, collection, can_read, query parameters. */
struct read_ctx {
    struct store_collection c;
    struct taxii_query q;
    struct store_query sq;
    struct store_page page;
    struct policy_access_ctx ax; /* who reads c, for policy_query; cleared by read_end */
    struct rk_buf *out;
};

/* route is the route name the audit log records for reads of AMBER data and above. */
static int read_begin(struct rk_hub *hub, struct http_request *req, unsigned fields,
                      const char *route, struct read_ctx *rx, struct rk_err *err)
{
    const struct policy_principal *who = who_of(req);
    bool r, w;
    memset(rx, 0, sizeof(*rx));
    int rc = check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = load_collection(hub, who, req->captures[1], &rx->c, &r, &w, err);
    if (rc < 0)
        return rc;
    if (!r)
        return rk_err_set(err, RK_E_FORBIDDEN, "no read access to collection %s", rx->c.id);
    rc = taxii_query_parse(req->params, req->n_params, fields, &rx->q, err);
    if (rc < 0)
        return rc;
    taxii_query_to_store(&rx->q, rx->c.id, &rx->sq);
    return policy_access_init(&rx->ax, hub, who, &rx->c, route, err);
}

static void read_end(struct read_ctx *rx)
{
    policy_access_clear(&rx->ax);
    taxii_query_free(&rx->q);
    store_collection_clear(&rx->c);
}

/* Runs rx->sq through the access check; fn NULL counts visible rows without returning any. */
static int run_query(struct read_ctx *rx, store_row_fn fn, struct rk_err *err)
{
    struct rk_err e2;
    rk_err_clear(&e2);
    int rc = policy_query(&rx->ax, &rx->sq, fn, rx, &rx->page, &e2);
    if (rc < 0)
        return rk_err_set(err, rc, "%s", e2.msg);
    return 0;
}

static int row_object(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    rk_buf_puts(rx->out, rx->out->len ? "," : "{\"objects\":[");
    rk_buf_append(rx->out, row->json, row->json_len);
    return 0;
}

static int row_manifest(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    char added[RK_TIME_LEN], version[RK_TIME_LEN];
    rk_time_format(row->date_added, added);
    rk_time_format(row->version, version);
    rk_buf_puts(rx->out, rx->out->len ? "," : "{\"objects\":[");
    rk_buf_puts(rx->out, "{\"id\":");
    rk_buf_json_string(rx->out, row->id);
    rk_buf_printf(rx->out,
                  ",\"date_added\":\"%s\",\"version\":\"%s\",\"media_type\":\"" STIX_MEDIA "\"}",
                  added, version);
    return 0;
}

static int row_version(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    char version[RK_TIME_LEN];
    rk_time_format(row->version, version);
    rk_buf_puts(rx->out, rx->out->len ? ",\"" : "{\"versions\":[\"");
    rk_buf_puts(rx->out, version);
    rk_buf_putc(rx->out, '"');
    return 0;
}

static int h_objects(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct read_ctx rx;
    int rc = read_begin(hub, req,
                        TAXII_Q_PAGING | TAXII_Q_ID | TAXII_Q_TYPE | TAXII_Q_VERSION |
                            TAXII_Q_SPEC_VERSION,
                        "taxii-objects", &rx, err);
    if (rc == 0) {
        rx.out = &resp->body;
        rc = run_query(&rx, row_object, err);
    }
    if (rc == 0) {
        close_list(&resp->body, &rx.page);
        date_headers(resp, &rx.page);
    }
    read_end(&rx);
    return rc;
}

static int h_manifest(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct read_ctx rx;
    int rc = read_begin(hub, req,
                        TAXII_Q_PAGING | TAXII_Q_ID | TAXII_Q_TYPE | TAXII_Q_VERSION |
                            TAXII_Q_SPEC_VERSION,
                        "taxii-manifest", &rx, err);
    if (rc == 0) {
        rx.out = &resp->body;
        rx.sq.with_json = false;
        rc = run_query(&rx, row_manifest, err);
    }
    if (rc == 0) {
        close_list(&resp->body, &rx.page);
        date_headers(resp, &rx.page);
    }
    read_end(&rx);
    return rc;
}

/*
 * True if object oid has any version in the collection that the requester may see; used to
 * tell "unknown or invisible" (404) from "filtered to nothing" (empty 200).
 */
static int object_visible(struct read_ctx *rx, const char *oid, bool *visible, struct rk_err *err)
{
    const char *ids[1] = {oid};
    struct store_query saved = rx->sq;
    struct store_page page = rx->page;
    memset(&rx->sq, 0, sizeof(rx->sq));
    rx->sq.collection_id = rx->c.id;
    rx->sq.added_after = -1;
    rx->sq.limit = 1;
    rx->sq.ids = ids;
    rx->sq.n_ids = 1;
    rx->sq.version_sel = STORE_VERSION_ALL;
    int rc = run_query(rx, NULL, err);
    *visible = rc == 0 && rx->page.count > 0;
    rx->sq = saved;
    rx->page = page;
    return rc;
}

static int h_object(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct read_ctx rx;
    const char *oid = req->captures[2];
    int rc = read_begin(hub, req, TAXII_Q_PAGING | TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION,
                        "taxii-object", &rx, err);
    if (rc < 0)
        goto out;
    rx.out = &resp->body;
    rx.q.ids[0] = oid;
    rx.sq.ids = rx.q.ids;
    rx.sq.n_ids = 1;
    rc = run_query(&rx, row_object, err);
    if (rc < 0)
        goto out;
    if (rx.page.count == 0) {
        bool visible = false;
        rc = object_visible(&rx, oid, &visible, err);
        if (rc == 0 && !visible)
            rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        if (rc < 0)
            goto out;
    }
    close_list(&resp->body, &rx.page);
    date_headers(resp, &rx.page);
out:
    read_end(&rx);
    return rc;
}

static int h_versions(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct read_ctx rx;
    const char *oid = req->captures[2];
    int rc =
        read_begin(hub, req, TAXII_Q_PAGING | TAXII_Q_SPEC_VERSION, "taxii-versions", &rx, err);
    if (rc < 0)
        goto out;
    rx.out = &resp->body;
    rx.q.ids[0] = oid;
    rx.sq.ids = rx.q.ids;
    rx.sq.n_ids = 1;
    rx.sq.version_sel = STORE_VERSION_ALL;
    rx.sq.with_json = false;
    rc = run_query(&rx, row_version, err);
    if (rc < 0)
        goto out;
    if (rx.page.count == 0) {
        bool visible = false;
        rc = object_visible(&rx, oid, &visible, err);
        if (rc == 0 && !visible)
            rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        if (rc < 0)
            goto out;
    }
    close_list(&resp->body, &rx.page);
    date_headers(resp, &rx.page);
out:
    read_end(&rx);
    return rc;
}

static int h_delete(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = who_of(req);
    struct read_ctx rx;
    struct store_collection *c = &rx.c;
    const char *oid = req->captures[2];
    bool r, w;
    size_t deleted = 0;
    struct rk_err e2;
    int rc;

    memset(&rx, 0, sizeof(rx));
    rc = check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = load_collection(hub, who, req->captures[1], c, &r, &w, err);
    if (rc < 0)
        return rc;
    if (!w && !is_coordinator(who)) {
        rc = rk_err_set(err, RK_E_FORBIDDEN, "no write access to collection %s", c->id);
        goto out;
    }
    rc = taxii_query_parse(req->params, req->n_params, TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION,
                           &rx.q, err);
    if (rc < 0)
        goto out;
    taxii_query_to_store(&rx.q, c->id, &rx.sq);
    rx.q.ids[0] = oid;
    rx.sq.ids = rx.q.ids;
    rx.sq.n_ids = 1;
    rx.sq.limit = 1;
    rx.sq.with_json = false;
    rc = policy_access_init(&rx.ax, hub, who, c, "taxii-delete-object", err);
    if (rc < 0)
        goto out;
    /* Only what the requester can see may be deleted. */
    rc = run_query(&rx, NULL, err);
    if (rc < 0)
        goto out;
    if (rx.page.count == 0) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        goto out;
    }
    rx.sq.limit = TAXII_PAGE_MAX;
    rc = store_delete_object(hub->store, &rx.sq, &deleted, &e2);
    if (rc < 0) {
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    if (deleted == 0) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        goto out;
    }
    resp->status = 200;
    rk_buf_puts(&resp->body, "{}");
out:
    read_end(&rx);
    return rc;
}

/* ---- adding objects ------------------------------------------------------------------ */

/*
 * Rejects documents nested deeper than MAX_DEPTH before jansson sees them (its recursion
 * is bounded only by the stack). Strings are skipped so brackets inside them do not count.
 */
static bool depth_ok(const char *s, size_t len)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > MAX_DEPTH)
                return false;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

/* One entry of the status lists. */
static void status_entry(struct rk_buf *b, size_t *n, const char *id, const char *version,
                         const char *message)
{
    rk_buf_puts(b, (*n)++ ? "," : "");
    rk_buf_puts(b, "{\"id\":");
    rk_buf_json_string(b, id);
    if (version != NULL && version[0]) {
        rk_buf_puts(b, ",\"version\":");
        rk_buf_json_string(b, version);
    }
    if (message != NULL && message[0]) {
        rk_buf_puts(b, ",\"message\":");
        rk_buf_json_string(b, message);
    }
    rk_buf_putc(b, '}');
}

/*
 * The X-Renkei-Anonymity header: -1 when absent, else the mode asked for; RK_E_INVALID for a
 * value that is not named, sector or anonymous (blanks around it and case are ignored).
 */
static int requested_anonymity(const struct http_request *req, int *mode, struct rk_err *err)
{
    const char *h = http_header(req, POLICY_ANONYMITY_HEADER);
    char v[16];
    size_t n;

    *mode = -1;
    if (h == NULL)
        return 0;
    while (*h == ' ' || *h == '\t')
        h++;
    n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    if (n < sizeof(v)) {
        for (size_t i = 0; i < n; i++)
            v[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] - 'A' + 'a' : h[i]);
        v[n] = '\0';
        *mode = policy_anonymity_parse(v);
    }
    if (*mode < 0)
        return rk_err_set(err, RK_E_INVALID, "%s must be named, sector or anonymous",
                          POLICY_ANONYMITY_HEADER);
    return 0;
}

/*
 * POST objects: the envelope checks stay here (they are TAXII's); everything per object is
 * the policy layer's ingest pipeline, whose outcome becomes the status resource.
 */
static int h_add(void *ctx, struct http_request *req, struct http_response *resp,
                 struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = who_of(req);
    struct store_collection c;
    bool r, w;
    json_t *root = NULL;
    struct policy_ingest_item *items = NULL;
    struct rk_buf ok = RK_BUF_INIT, bad = RK_BUF_INIT;
    size_t n_ok = 0, n_bad = 0;
    rk_time_us requested = rk_time_now();
    int mode = -1;
    struct rk_err e2;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = load_collection(hub, who, req->captures[1], &c, &r, &w, err);
    if (rc < 0)
        return rc;
    if (!w || !who->authenticated) {
        rc = rk_err_set(err, RK_E_FORBIDDEN, "no write access to collection %s", c.id);
        goto out;
    }
    rc = requested_anonymity(req, &mode, err);
    if (rc < 0)
        goto out;
    if (req->body == NULL || req->body_len == 0) {
        rc = rk_err_set(err, RK_E_INVALID, "empty body: send {\"objects\":[...]}");
        goto out;
    }
    if (!depth_ok(req->body, req->body_len)) {
        rc = rk_err_set(err, RK_E_INVALID, "JSON nested deeper than %d levels", MAX_DEPTH);
        goto out;
    }
    json_error_t jerr;
    root = json_loadb(req->body, req->body_len, 0, &jerr);
    if (root == NULL) {
        rc = rk_err_set(err, RK_E_INVALID, "invalid JSON at line %d, column %d: %s", jerr.line,
                        jerr.column, jerr.text);
        goto out;
    }
    json_t *objects = json_is_object(root) ? json_object_get(root, "objects") : NULL;
    const char *type =
        json_is_object(root) ? json_string_value(json_object_get(root, "type")) : NULL;
    if (type != NULL && strcmp(type, "bundle") == 0) {
        rc = rk_err_set(err, RK_E_UNPROCESSABLE,
                        "a STIX bundle is not a TAXII envelope: send {\"objects\":[...]}");
        goto out;
    }
    if (!json_is_array(objects)) {
        rc = rk_err_set(err, RK_E_UNPROCESSABLE,
                        "the body must be a TAXII envelope: send {\"objects\":[...]}");
        goto out;
    }

    size_t total = json_array_size(objects);
    items = rk_calloc(total ? total : 1, sizeof(*items));
    rk_err_clear(&e2);
    rc = policy_ingest(hub, who, &c, mode, objects, items, &e2);
    if (rc < 0) {
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    for (size_t i = 0; i < total; i++) {
        if (items[i].ok)
            status_entry(&ok, &n_ok, items[i].id, items[i].version, items[i].message);
        else
            status_entry(&bad, &n_bad, items[i].id, items[i].version, items[i].message);
    }

    char sid[RK_UUID_LEN], ts[RK_TIME_LEN];
    rk_uuid_v4(sid);
    rk_time_format(requested, ts);
    struct rk_buf *b = &resp->body;
    rk_buf_printf(b,
                  "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                  "\"total_count\":%zu,\"success_count\":%zu,\"successes\":[",
                  sid, ts, n_ok + n_bad, n_ok);
    rk_buf_append(b, ok.data ? ok.data : "", ok.len);
    rk_buf_printf(b, "],\"failure_count\":%zu,\"failures\":[", n_bad);
    rk_buf_append(b, bad.data ? bad.data : "", bad.len);
    rk_buf_puts(b, "],\"pending_count\":0,\"pendings\":[]}");

    struct store_status st;
    memset(&st, 0, sizeof(st));
    memcpy(st.id, sid, sizeof(sid));
    snprintf(st.org_id, sizeof(st.org_id), "%s", who->org_id);
    st.json = b->data;
    rk_err_clear(&e2);
    rc = store_status_put(hub->store, &st, &e2);
    if (rc < 0) {
        rk_err_set(err, rc, "store: %s", e2.msg);
        goto out;
    }
    resp->status = 202;
out:
    free(items);
    rk_buf_free(&ok);
    rk_buf_free(&bad);
    json_decref(root);
    store_collection_clear(&c);
    return rc;
}

/* ---- the route table ----------------------------------------------------------------- */

#define TX (HTTP_ROUTE_TAXII | HTTP_ROUTE_PUBLIC)

size_t taxii_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route routes[] = {
        {"GET", "/taxii2/", h_discovery, hub, TX, "taxii-discovery"},
        {"GET", "/{root}/", h_api_root, hub, TX, "taxii-api-root"},
        {"GET", "/{root}/status/{id}/", h_status, hub, TX, "taxii-status"},
        {"GET", "/{root}/collections/", h_collections, hub, TX, "taxii-collections"},
        {"GET", "/{root}/collections/{id}/", h_collection, hub, TX, "taxii-collection"},
        {"GET", "/{root}/collections/{id}/manifest/", h_manifest, hub, TX, "taxii-manifest"},
        {"GET", "/{root}/collections/{id}/objects/", h_objects, hub, TX, "taxii-objects"},
        {"POST", "/{root}/collections/{id}/objects/", h_add, hub, TX, "taxii-add-objects"},
        {"GET", "/{root}/collections/{id}/objects/{oid}/", h_object, hub, TX, "taxii-object"},
        {"DELETE", "/{root}/collections/{id}/objects/{oid}/", h_delete, hub, TX,
         "taxii-delete-object"},
        {"GET", "/{root}/collections/{id}/objects/{oid}/versions/", h_versions, hub, TX,
         "taxii-versions"},
    };
    size_t n = sizeof(routes) / sizeof(routes[0]);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}
