/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub_write.c: objects the hub authors itself (the groupings of cross-sector correlation),
 * written through the policy layer like any post: validated, marked with their TLP, stored
 * with access metadata and provenance (source: the hub, no token, action "hub-authored"),
 * audited, and any credit they earn members recorded, all in one durable transaction. No
 * anonymiser runs: the hub names nobody but itself. A new version of an id the collection
 * holds keeps the first version's created; a version equal to the latest but for modified
 * is not written again.
 */
#include "policy/policy_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "hub-authored " and 32 hex digits, and its NUL. */
#define POLICY_HUB_RULE_LEN 48

/* The versions of one id in one collection that find_object met (no bodies: access
 * metadata only). */
struct held {
    const char *collection_id;
    rk_time_us first_version, last_version; /* -1: none held */
    char last_rule[POLICY_HUB_RULE_LEN];    /* the latest version's access.rule */
    const char *want_rule;                  /* the rule of the version to write */
    bool any_same;                          /* some version has want_rule */
};

static int held_row(void *ctx, const struct store_row *row)
{
    struct held *h = ctx;

    if (row->collection_id == NULL || strcmp(row->collection_id, h->collection_id) != 0)
        return 0;
    if (row->access.rule != NULL && strcmp(row->access.rule, h->want_rule) == 0)
        h->any_same = true;
    if (h->first_version < 0 || row->version < h->first_version)
        h->first_version = row->version;
    if (h->last_version < 0 || row->version >= h->last_version) {
        h->last_version = row->version;
        policy_copy_str(h->last_rule, sizeof(h->last_rule),
                        row->access.rule != NULL ? row->access.rule : "");
    }
    return 0;
}

/*
 * The access rule a hub-authored version is stored with: "hub-authored " and a digest
 * (BLAKE2b-128, hex) of the object without created and modified, and of its recipients, so
 * that the next write can tell from the access metadata alone (find_object has no bodies)
 * whether anything changed.
 */
static void content_rule(const json_t *obj, const char *recipients, char out[POLICY_HUB_RULE_LEN])
{
    crypto_generichash_state st;
    json_t *x = json_deep_copy(obj);
    unsigned char digest[16];
    size_t len, n;
    char *text;

    json_object_del(x, "created");
    json_object_del(x, "modified");
    text = stix_canonical(x, &len);
    crypto_generichash_init(&st, NULL, 0, sizeof(digest));
    crypto_generichash_update(&st, (const unsigned char *)text, len);
    crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    if (recipients != NULL)
        crypto_generichash_update(&st, (const unsigned char *)recipients, strlen(recipients));
    crypto_generichash_final(&st, digest, sizeof(digest));
    n = (size_t)snprintf(out, POLICY_HUB_RULE_LEN, "hub-authored ");
    for (size_t i = 0; i < sizeof(digest); i++)
        n += (size_t)snprintf(out + n, POLICY_HUB_RULE_LEN - n, "%02x", digest[i]);
    free(text);
    json_decref(x);
}

/* One object made ready to store. */
struct hub_obj {
    struct stix_meta meta;
    char *json; /* canonical */
    size_t len;
    char rule[POLICY_HUB_RULE_LEN];
};

/* What the transaction writes beside the objects. */
struct hub_tx {
    const struct store_collection *c;
    const char *route;
    int tlp;
    const struct store_credit *credit;
    size_t n_credit;
    size_t n_written; /* NEW versions */
};

/* The events the ledger already has, as "org\nkind\nobject_id" (credit_key). */
struct credit_held {
    struct rk_strset keys;
    struct rk_buf b;
};

static void credit_key(struct rk_buf *b, const char *org, const char *kind, const char *object)
{
    rk_buf_reset(b);
    rk_buf_printf(b, "%s\n%s\n%s", org != NULL ? org : "", kind != NULL ? kind : "",
                  object != NULL ? object : "");
}

static int credit_held_row(void *ctx, const struct store_credit *c)
{
    struct credit_held *h = ctx;

    credit_key(&h->b, c->org_id, c->kind, c->object_id);
    rk_strset_add(&h->keys, h->b.data, h->b.len);
    return 0;
}

/* Records the events of credit that the ledger does not have yet (same organisation, kind
 * and object): each organisation's ledger is read once. */
static int credit_once(struct store *s, const struct store_credit *credit, size_t n,
                       struct rk_err *err)
{
    struct credit_held h = {.keys = RK_STRSET_INIT, .b = RK_BUF_INIT};
    struct rk_strset orgs = RK_STRSET_INIT;
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *org = credit[i].org_id != NULL ? credit[i].org_id : "";
        if (rk_strset_add(&orgs, org, strlen(org)))
            rc = store_credit_list(s, org, credit_held_row, &h, err);
        if (rc != 0)
            break;
        credit_key(&h.b, org, credit[i].kind, credit[i].object_id);
        if (rk_strset_add(&h.keys, h.b.data, h.b.len))
            rc = policy_credit_record(s, &credit[i], 1, err);
    }
    rk_strset_free(&h.keys);
    rk_strset_free(&orgs);
    rk_buf_free(&h.b);
    return rc;
}

static int hub_write_tx(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                        struct rk_err *err)
{
    struct hub_tx *tx = ctx;
    json_t *arr = json_array();
    char *text;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char v[RK_TIME_LEN];
        if (puts[i].result == STORE_PUT_NEW)
            tx->n_written++;
        rk_time_format(puts[i].version_out, v);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", puts[i].id, "version", v,
                                             "tlp", policy_tlp_name(tx->tlp), "result",
                                             puts[i].result == STORE_PUT_NEW   ? "new"
                                             : puts[i].result == STORE_PUT_DUP ? "dup"
                                                                               : "conflict"));
    }
    /* Credit once per (organisation, kind, object): a later version earns nothing again. */
    rc = credit_once(s, tx->credit, tx->n_credit, err);
    if (rc == 0) {
        json_t *detail = json_pack("{s:o, s:b}", "objects", arr, "hub_authored", 1);
        text = json_dumps(detail, JSON_COMPACT);
        rc = policy_audit_append(s, NULL, POLICY_AUDIT_WRITE, tx->route, tx->c->id, text, err);
        free(text);
        json_decref(detail);
    } else {
        json_decref(arr);
    }
    return rc;
}

int policy_hub_write(struct rk_hub *hub, const struct store_collection *c, json_t *objs, int tlp,
                     const char *recipients, const char *route, const struct store_credit *credit,
                     size_t n_credit, size_t *written, struct rk_err *err)
{
    size_t total = json_array_size(objs), n = 0;
    struct hub_obj *o = rk_calloc(total + 1, sizeof(*o));
    struct store_put *puts = rk_calloc(total + 1, sizeof(*puts));
    const char *marking = policy_tlp_marking_id(tlp);
    char now_text[RK_TIME_LEN];
    rk_time_us now = rk_time_now();
    int rc = 0;

    *written = 0;
    if (c == NULL || !json_is_array(objs) || marking == NULL || hub->identity_id[0] == '\0') {
        rc = rk_err_set(err, RK_E_INVALID,
                        "hub write: a collection, objects, a TLP and the hub "
                        "identity are needed");
        goto out;
    }
    rk_time_format(now, now_text);
    for (size_t i = 0; i < total; i++) {
        json_t *obj = json_array_get(objs, i);
        const char *by = json_string_value(json_object_get(obj, "created_by_ref"));
        const char *id = json_string_value(json_object_get(obj, "id"));
        /* An SDO or SRO names its author; an SCO has none (and no created or modified). */
        bool sdo = by != NULL;
        struct held h = {c->id, -1, -1, "", o[n].rule, false};

        if (id == NULL || (sdo && strcmp(by, hub->identity_id) != 0)) {
            rc = rk_err_set(err, RK_E_INVALID, "hub write: object %zu is not the hub's own", i);
            goto out;
        }
        rc = policy_tlp_mark(obj, tlp, err);
        if (rc != 0)
            goto out;
        content_rule(obj, recipients, o[n].rule);
        rc = store_find_object(hub->store, id, held_row, &h, err);
        if (rc != 0)
            goto out;
        /* Nothing to write when the latest version says the same, and for an SCO when any
         * version does (the same value may be held at several TLPs, one version each). */
        if ((h.last_version >= 0 && strcmp(h.last_rule, o[n].rule) == 0) || (!sdo && h.any_same))
            continue;
        if (h.last_version >= 0 && sdo) {
            /* A new version: the first one's created (a first version has created =
             * modified, its version), modified strictly later than the latest. */
            char t[RK_TIME_LEN];
            rk_time_format(h.first_version, t);
            json_object_set_new(obj, "created", json_string(t));
            if (now <= h.last_version) {
                rk_time_format(h.last_version + 1, t);
                json_object_set_new(obj, "modified", json_string(t));
            } else {
                json_object_set_new(obj, "modified", json_string(now_text));
            }
        } else if (sdo) {
            json_object_set_new(obj, "created", json_string(now_text));
            json_object_set_new(obj, "modified", json_string(now_text));
        }
        rc = stix_validate_meta(obj, &o[n].meta, err);
        if (rc != 0)
            goto out;
        o[n].json = stix_canonical(obj, &o[n].len);
        struct store_put *put = &puts[n];
        put->id = o[n].meta.id;
        put->type = o[n].meta.type;
        put->spec_version = o[n].meta.spec_version;
        put->version = o[n].meta.version;
        put->version_text = o[n].meta.version_text;
        put->json = o[n].json;
        put->json_len = o[n].len;
        put->access.tlp = tlp;
        put->access.source_org = "";
        put->access.source_sector = "";
        put->access.scope = "";
        put->access.recipients = recipients != NULL ? recipients : "";
        put->access.joins = "";
        put->access.rule = o[n].rule;
        put->original = o[n].json;
        put->original_len = o[n].len;
        put->token_hash = "";
        put->anonymity = STORE_ANON_NAMED;
        put->actions = "[\"hub-authored\"]";
        n++;
    }
    if (n > 0) {
        struct hub_tx tx = {c, route != NULL ? route : "hub", tlp, credit, n_credit, 0};
        struct rk_err e2;
        rk_err_clear(&e2);
        rc = store_put_objects_then(hub->store, c->id, puts, n, hub_write_tx, &tx, &e2);
        if (rc < 0) {
            rk_err_set(err, rc, "hub write: %s", e2.msg);
            goto out;
        }
        *written = tx.n_written;
    }
    rc = 0;
out:
    for (size_t i = 0; i <= total; i++)
        free(o[i].json);
    free(o);
    free(puts);
    return rc;
}
