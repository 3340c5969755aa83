/* SPDX-License-Identifier: Apache-2.0 */
/*
 * add.c: TAXII POST objects. The envelope checks stay here (they are TAXII's: size, depth,
 * an envelope rather than a bundle, the anonymity header); everything per object is the
 * policy layer's ingest pipeline, whose outcome becomes a complete status resource.
 */
#include "taxii/taxii_int.h"
#include "policy/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
/*
 * What one POST may hold, whatever its size in bytes. A body far below max_content_length
 * of empty objects ({},{},...) took 1.4 KB of memory per 3 bytes through parse and ingest
 * (VmHWM 280 MB for 600 KB), so at that rate tens of MB would take gigabytes and then an
 * abort; the parsed tree alone is some 200 bytes a value (a 1 GB peak for 5,000,000). The
 * shared data's objects have 13 values on average, 41 at the 99th percentile: 2,000,000
 * values are some 150,000 objects, and refusing 3,000,000 peaked at 450 MB.
 */
#define MAX_OBJECTS 100000
#define MAX_VALUES  2000000

/* The parts of one entry of the status lists: {"id":... and the rest ...}. */
static void entry_id(struct rk_buf *b, const struct policy_ingest_item *it)
{
    rk_buf_puts(b, "{\"id\":");
    rk_buf_json_string(b, it->id);
}

/*
 * Every entry has a version (status-details requires one): the object's modified, else its
 * created, else the version the store assigned, as the item holds it; for an object that has
 * none of these and was not stored (it failed), the time of the POST, the status's
 * request_timestamp, which is the value TAXII 2.1 asks to be "consistent to the server".
 */
static void entry_version(struct rk_buf *b, const struct policy_ingest_item *it,
                          const char *requested)
{
    rk_buf_puts(b, ",\"version\":");
    rk_buf_json_string(b, it->version[0] ? it->version : requested);
}

static void entry_rest(struct rk_buf *b, const struct policy_ingest_item *it)
{
    if (it->message[0]) {
        rk_buf_puts(b, ",\"message\":");
        rk_buf_json_string(b, it->message);
    }
    rk_buf_putc(b, '}');
}

/* The status resource of one POST, written with its objects (policy_items_fn). */
struct status_job {
    struct rk_buf *body;         /* the response body: the status resource */
    char id[RK_UUID_LEN];        /* its id */
    char requested[RK_TIME_LEN]; /* request_timestamp */
    const char *org_id;          /* the poster's organisation */
    /* Every item's entry as status_ready saw it, valid unless the item changed since: entry
     * i is frags.data[frag[i].start, frag[i].end), its version member is [frag[i].ver,
     * frag[i].rest). NULL before status_ready. */
    struct rk_buf frags;
    struct status_frag {
        size_t start, ver, rest, end;
    } * frag;
};

/*
 * Renders every item's entry before the store's write lock (policy_ready_fn): under it,
 * status_write then copies the entries of the items the store did not change (most), and
 * of those it only gave a version, instead of escaping their id and message again.
 */
static void status_ready(void *ctx, const struct policy_ingest_item *items, size_t n)
{
    struct status_job *j = ctx;
    free(j->frag);
    j->frag = rk_malloc((n ? n : 1) * sizeof(*j->frag));
    rk_buf_reset(&j->frags);
    for (size_t i = 0; i < n; i++) {
        j->frag[i].start = j->frags.len;
        entry_id(&j->frags, &items[i]);
        j->frag[i].ver = j->frags.len;
        entry_version(&j->frags, &items[i], j->requested);
        j->frag[i].rest = j->frags.len;
        entry_rest(&j->frags, &items[i]);
        j->frag[i].end = j->frags.len;
    }
}

/* Appends item i's entry to list b (its n-th): as status_ready rendered it, with the
 * version the store assigned, or anew. */
static void status_add(const struct status_job *j, struct rk_buf *b, size_t *n,
                       const struct policy_ingest_item *items, size_t i)
{
    const struct policy_ingest_item *it = &items[i];
    if ((*n)++)
        rk_buf_putc(b, ',');
    if (j->frag == NULL || (it->changed & ~POLICY_ITEM_VERSION) != 0) {
        entry_id(b, it);
        entry_version(b, it, j->requested);
        entry_rest(b, it);
        return;
    }
    const struct status_frag *f = &j->frag[i];
    if (it->changed == 0) {
        rk_buf_append(b, j->frags.data + f->start, f->end - f->start);
        return;
    }
    /* Only the version is new: the pieces around it stay. */
    rk_buf_append(b, j->frags.data + f->start, f->ver - f->start);
    entry_version(b, it, j->requested);
    rk_buf_append(b, j->frags.data + f->rest, f->end - f->rest);
}

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
    size_t n_ok = 0, n_bad = 0, k = 0;
    struct rk_buf *b = j->body;

    for (size_t i = 0; i < n; i++)
        n_ok += items[i].ok;
    n_bad = n - n_ok;
    /* Successes, then failures, each list in envelope order, straight into the body. A list
     * with nothing in it is left out: TAXII prohibits empty lists (section 2.1), and the
     * counts say there are none. Nothing is ever pending: the status is complete. */
    rk_buf_reset(b);
    rk_buf_reserve(b, j->frags.len + 256); /* + assigned versions, rarely more */
    rk_buf_printf(b,
                  "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                  "\"total_count\":%zu,\"success_count\":%zu",
                  j->id, j->requested, n, n_ok);
    if (n_ok > 0) {
        rk_buf_puts(b, ",\"successes\":[");
        for (size_t i = 0; i < n; i++)
            if (items[i].ok)
                status_add(j, b, &k, items, i);
        rk_buf_putc(b, ']');
    }
    rk_buf_printf(b, ",\"failure_count\":%zu", n_bad);
    if (n_bad > 0) {
        rk_buf_puts(b, ",\"failures\":[");
        k = 0;
        for (size_t i = 0; i < n; i++)
            if (!items[i].ok)
                status_add(j, b, &k, items, i);
        rk_buf_putc(b, ']');
    }
    rk_buf_puts(b, ",\"pending_count\":0}");

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
    struct stix_json_arena *arena = NULL;
    struct policy_ingest_item *items = NULL;
    struct status_job sj = {.frag = NULL};
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
    if (!w || !policy_is_member(who)) {
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
     * only by the stack), and more than MAX_VALUES values before their tree is built;
     * checked while parsing rather than by a pass of its own. */
    json_error_t jerr;
    bool too_deep = false, too_many = false;
    /* The envelope's tree is this request's: its own arena, given back below. */
    arena = stix_json_arena_new();
    root = stix_json_parse_capped_in(arena, req->body, req->body_len, MAX_DEPTH, MAX_VALUES,
                                     &too_deep, &too_many, &jerr);
    if (too_deep) {
        rc = rk_err_set(err, RK_E_INVALID, "JSON nested deeper than %d levels", MAX_DEPTH);
        goto out;
    }
    if (too_many) {
        rc = rk_err_set(err, RK_E_TOOBIG,
                        "more than %d JSON values in one POST: split the objects into several "
                        "envelopes",
                        MAX_VALUES);
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
    if (total > MAX_OBJECTS) {
        rc = rk_err_set(err, RK_E_TOOBIG,
                        "%zu objects in one envelope; at most %d: split them into several POSTs",
                        total, MAX_OBJECTS);
        goto out;
    }
    items = rk_malloc((total ? total : 1) * sizeof(*items)); /* policy_ingest_then zeroes them */
    sj.body = &resp->body;
    rk_uuid_v4(sj.id);
    rk_time_format(requested, sj.requested);
    sj.org_id = who->org_id;
    rk_err_clear(&e2);
    /* The status resource is written in the objects' own transaction (status_write). */
    rc = policy_ingest_then(hub, who, &c, mode, objects, items, status_ready, status_write, &sj,
                            &e2);
    if (rc < 0) {
        rk_buf_reset(&resp->body); /* a status built for a transaction that failed */
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    resp->status = 202;
out:
    free(items);
    free(sj.frag);
    rk_buf_free(&sj.frags);
    /* The envelope as parsed, minus what ingest changed (taken out): forgotten at once. */
    stix_json_arena_drop(arena, root);
    stix_json_arena_release(arena);
    store_collection_clear(&c);
    return rc;
}
