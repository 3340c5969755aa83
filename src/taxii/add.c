/* SPDX-License-Identifier: Apache-2.0 */
/*
 * add.c: TAXII POST objects. The envelope checks stay here (they are TAXII's: size, depth,
 * an envelope rather than a bundle, the anonymity header); everything per object is the
 * policy layer's ingest pipeline, whose outcome becomes a complete status resource.
 */
#include "taxii/taxii_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

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

/* The status resource of one POST, written with its objects (policy_items_fn). */
struct status_job {
    struct rk_buf *body;         /* the response body: the status resource */
    char id[RK_UUID_LEN];        /* its id */
    char requested[RK_TIME_LEN]; /* request_timestamp */
    const char *org_id;          /* the poster's organisation */
};

/*
 * Builds the complete status resource of items into the response body and stores it. Runs
 * inside the transaction that stores the objects (under the write lock, maybe on another
 * request's thread), so the status is on disk exactly when the objects are, with no write
 * transaction of its own.
 */
static int status_write(void *ctx, struct store *s, const struct policy_ingest_item *items,
                        size_t n, struct rk_err *err)
{
    struct status_job *j = ctx;
    struct rk_buf ok = RK_BUF_INIT, bad = RK_BUF_INIT;
    size_t n_ok = 0, n_bad = 0;
    struct rk_buf *b = j->body;

    for (size_t i = 0; i < n; i++) {
        if (items[i].ok)
            status_entry(&ok, &n_ok, items[i].id, items[i].version, items[i].message);
        else
            status_entry(&bad, &n_bad, items[i].id, items[i].version, items[i].message);
    }
    rk_buf_reset(b);
    rk_buf_printf(b,
                  "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                  "\"total_count\":%zu,\"success_count\":%zu,\"successes\":[",
                  j->id, j->requested, n_ok + n_bad, n_ok);
    rk_buf_append(b, ok.data ? ok.data : "", ok.len);
    rk_buf_printf(b, "],\"failure_count\":%zu,\"failures\":[", n_bad);
    rk_buf_append(b, bad.data ? bad.data : "", bad.len);
    rk_buf_puts(b, "],\"pending_count\":0,\"pendings\":[]}");
    rk_buf_free(&ok);
    rk_buf_free(&bad);

    struct store_status st;
    memset(&st, 0, sizeof(st));
    memcpy(st.id, j->id, sizeof(st.id));
    snprintf(st.org_id, sizeof(st.org_id), "%s", j->org_id);
    st.json = b->data;
    struct rk_err e2;
    rk_err_clear(&e2);
    int rc = store_status_put(s, &st, &e2);
    if (rc < 0)
        return rk_err_set(err, rc, "status: %s", e2.msg);
    return 0;
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
int taxii_add_objects(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = taxii_requester(req);
    struct store_collection c;
    bool r, w;
    json_t *root = NULL;
    struct policy_ingest_item *items = NULL;
    struct status_job sj;
    rk_time_us requested = rk_time_now();
    int mode = -1;
    struct rk_err e2;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = taxii_check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = taxii_load_collection(hub, who, req->captures[1], &c, &r, &w, err);
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
    /* Nesting past MAX_DEPTH is refused before jansson sees it (its recursion is bounded
     * only by the stack); checked while parsing rather than by a pass of its own. */
    json_error_t jerr;
    bool too_deep = false;
    root = stix_json_parse_depth(req->body, req->body_len, MAX_DEPTH, &too_deep, &jerr);
    if (too_deep) {
        rc = rk_err_set(err, RK_E_INVALID, "JSON nested deeper than %d levels", MAX_DEPTH);
        goto out;
    }
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
    memset(&sj, 0, sizeof(sj));
    sj.body = &resp->body;
    rk_uuid_v4(sj.id);
    rk_time_format(requested, sj.requested);
    sj.org_id = who->org_id;
    rk_err_clear(&e2);
    /* The status resource is written in the objects' own transaction (status_write). */
    rc = policy_ingest_then(hub, who, &c, mode, objects, items, status_write, &sj, &e2);
    if (rc < 0) {
        rk_buf_reset(&resp->body); /* a status built for a transaction that failed */
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    resp->status = 202;
out:
    free(items);
    json_decref(root);
    store_collection_clear(&c);
    return rc;
}
