/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admin.c: the coordinator's side of the sharing policy: reading the provenance vault
 * (originals and real sources, each read audited) and changing the policy document (every
 * change validated by scope.c's parser and audited as "policy-change"). The admin API and
 * the command line both come through here, so neither can skip the audit.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest policy document accepted, in bytes (the rules are data, not a database). */
#define POLICY_DOC_MAX (1024 * 1024)

int policy_coordinator_principal(struct store *s, struct policy_principal *out, struct rk_err *err)
{
    struct store_org org = {0};
    char *id = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = store_setting_get(s, "coordinator_org", &id, err);
    if (rc != 0)
        return rc == RK_E_NOTFOUND ? rk_err_set(err, RK_E_INTERNAL, "hub has no coordinator") : rc;
    rc = store_org_get(s, id, &org, err);
    free(id);
    if (rc != 0)
        return rc;
    policy_org_principal(&org, STORE_ROLE_COORDINATOR, out);
    store_org_clear(&org);
    return 0;
}

/* ---- provenance vault ------------------------------------------------------------------ */

struct prov_ctx {
    struct store *s;
    json_t *versions;
};

static int prov_one(void *ctx, const struct store_provenance *p)
{
    struct prov_ctx *pc = ctx;
    struct store_org org = {0};
    char version[RK_TIME_LEN];
    char received[RK_TIME_LEN];
    json_t *original;
    json_t *actions;
    const char *anon = policy_anonymity_name(p->anonymity);

    /* The vault keeps org ids; names and sectors are looked up now (an organisation that
     * was removed since is reported by id only). */
    if (store_org_get(pc->s, p->org_id != NULL ? p->org_id : "", &org, NULL) != 0)
        memset(&org, 0, sizeof(org));
    rk_time_format(p->version, version);
    rk_time_format(p->received, received);
    original = json_loads(p->original != NULL ? p->original : "null", JSON_DECODE_ANY, NULL);
    if (original == NULL)
        original = json_string(p->original);
    actions = json_loads(p->actions != NULL ? p->actions : "[]", JSON_DECODE_ANY, NULL);
    if (actions == NULL)
        actions = json_string(p->actions);
    json_array_append_new(
        pc->versions,
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:o}", "collection",
                  p->collection_id != NULL ? p->collection_id : "", "version", version, "org",
                  org.name != NULL ? org.name : "", "org_id", p->org_id != NULL ? p->org_id : "",
                  "sector", org.sector != NULL ? org.sector : "", "token_hash",
                  p->token_hash != NULL ? p->token_hash : "", "anonymity", anon, "received",
                  received, "original", original, "actions", actions));
    store_org_clear(&org);
    return 0;
}

int policy_provenance_read(struct store *s, const struct policy_principal *who, const char *route,
                           const char *id, struct rk_buf *json_out, struct rk_err *err)
{
    struct prov_ctx pc = {s, NULL};
    json_t *detail = NULL;
    char *detail_text = NULL;
    char *text = NULL;
    json_t *v;
    int rc;

    if (!policy_is_coordinator(who))
        return rk_err_set(err, RK_E_FORBIDDEN, "the provenance vault is for the coordinator only");
    if (id == NULL || id[0] == '\0' || strlen(id) > STIX_ID_MAX)
        return rk_err_set(err, RK_E_INVALID, "a STIX id is required");
    pc.versions = json_array();
    rc = store_provenance_list(s, id, prov_one, &pc, err);
    if (rc > 0)
        rc = 0;
    if (rc != 0)
        goto out;
    /* Audited before anything is handed out, found or not: an attempt to read is a fact the
     * log must show, and a failing audit must not leave an unaudited read behind. */
    detail =
        json_pack("{s:s, s:I}", "id", id, "versions", (json_int_t)json_array_size(pc.versions));
    detail_text = json_dumps(detail, JSON_COMPACT);
    rc = policy_audit_append(s, who, POLICY_AUDIT_PROVENANCE_READ, route, NULL, detail_text, err);
    if (rc != 0)
        goto out;
    if (json_array_size(pc.versions) == 0) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no provenance for %s", id);
        goto out;
    }
    v = json_pack("{s:s, s:O}", "id", id, "versions", pc.versions);
    text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (text == NULL) {
        rc = rk_err_set(err, RK_E_INTERNAL, "cannot serialise the provenance");
        goto out;
    }
    rk_buf_puts(json_out, text);
out:
    free(text);
    free(detail_text);
    json_decref(detail);
    json_decref(pc.versions);
    return rc;
}

/* ---- policy document ------------------------------------------------------------------- */

json_t *policy_doc_current(struct store *s, struct rk_err *err)
{
    struct policy_doc d = {0};
    json_t *v = NULL;
    char *text;

    if (policy_doc_load(s, &d, err) != 0)
        return NULL;
    text = policy_doc_to_json(&d);
    policy_doc_clear(&d);
    if (text != NULL)
        v = json_loads(text, 0, NULL);
    free(text);
    if (v == NULL)
        rk_err_set(err, RK_E_INTERNAL, "cannot serialise the policy document");
    return v;
}

int policy_doc_show(struct store *s, struct rk_buf *json_out, struct rk_err *err)
{
    json_t *v = policy_doc_current(s, err);
    char *text;

    if (v == NULL)
        return err != NULL && err->code != 0 ? err->code : RK_E_INTERNAL;
    text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (text == NULL)
        return rk_err_set(err, RK_E_INTERNAL, "cannot serialise the policy document");
    rk_buf_puts(json_out, text);
    free(text);
    return 0;
}

/* The audit entry names the keys whose values changed, with their values before and
 * after. */
int policy_doc_write(struct store *s, const struct policy_principal *who, const char *route,
                     const char *how, json_t *old, const char *text, bool check_entities,
                     struct rk_err *err)
{
    struct policy_doc d = {0};
    json_t *now = NULL;
    json_t *changed = json_array();
    json_t *before = json_object();
    json_t *after = json_object();
    json_t *detail = NULL;
    char *normal = NULL;
    char *detail_text = NULL;
    const char *key;
    json_t *val;
    int rc;

    if (strlen(text) > POLICY_DOC_MAX) {
        rc = rk_err_set(err, RK_E_TOOBIG, "policy document above %d bytes", POLICY_DOC_MAX);
        goto out;
    }
    rc = policy_doc_parse(check_entities ? s : NULL, text, strlen(text), &d, err);
    if (rc != 0)
        goto out;
    normal = policy_doc_to_json(&d);
    now = normal != NULL ? json_loads(normal, 0, NULL) : NULL;
    if (now == NULL) {
        rc = rk_err_set(err, RK_E_INTERNAL, "cannot serialise the policy document");
        goto out;
    }
    json_object_foreach(now, key, val)
    {
        json_t *was = old != NULL ? json_object_get(old, key) : NULL;

        if (was != NULL && json_equal(was, val))
            continue;
        json_array_append_new(changed, json_string(key));
        json_object_set(before, key, was != NULL ? was : json_null());
        json_object_set(after, key, val);
    }
    /* Audited first: a change that the log cannot record is not made. */
    detail = json_pack("{s:s, s:O, s:O, s:O}", "how", how, "changed", changed, "before", before,
                       "after", after);
    detail_text = json_dumps(detail, JSON_COMPACT);
    rc = policy_audit_append(s, who, POLICY_AUDIT_POLICY_CHANGE, route, NULL, detail_text, err);
    if (rc != 0)
        goto out;
    rc = store_setting_set(s, POLICY_SETTING_DOC, normal, err);
out:
    free(detail_text);
    json_decref(detail);
    json_decref(changed);
    json_decref(before);
    json_decref(after);
    json_decref(now);
    free(normal);
    policy_doc_clear(&d);
    return rc;
}

/* Validates text as a whole document and stores its normal form (policy_doc_write), then
 * tells running servers. */
static int doc_store(struct store *s, const struct policy_principal *who, const char *route,
                     const char *how, json_t *old, const char *text, struct rk_err *err)
{
    int rc = policy_doc_write(s, who, route, how, old, text, true, err);
    if (rc == 0)
        (void)policy_cache_bump(s, NULL); /* running servers drop their cached policy */
    return rc;
}

int policy_doc_replace(struct store *s, const struct policy_principal *who, const char *route,
                       const char *json, struct rk_err *err)
{
    json_t *old;
    int rc;

    if (json == NULL)
        return rk_err_set(err, RK_E_INVALID, "policy document missing");
    old = policy_doc_current(s, err);
    if (old == NULL)
        return err != NULL && err->code != 0 ? err->code : RK_E_INTERNAL;
    rc = doc_store(s, who, route, "replace", old, json, err);
    json_decref(old);
    return rc;
}

int policy_doc_update(struct store *s, const struct policy_principal *who, const char *route,
                      const char *patch_json, struct rk_err *err)
{
    json_t *patch = NULL;
    json_t *old = NULL;
    json_t *merged = NULL;
    char *text = NULL;
    json_error_t jerr;
    int rc;

    if (patch_json == NULL || strlen(patch_json) > POLICY_DOC_MAX)
        return rk_err_set(err, RK_E_INVALID, "policy change missing or too large");
    patch = json_loads(patch_json, JSON_REJECT_DUPLICATES, &jerr);
    if (patch == NULL || !json_is_object(patch)) {
        rc = rk_err_set(err, RK_E_INVALID, "policy change must be a JSON object%s%s",
                        patch == NULL ? ": " : "", patch == NULL ? jerr.text : "");
        goto out;
    }
    old = policy_doc_current(s, err);
    if (old == NULL) {
        rc = err != NULL && err->code != 0 ? err->code : RK_E_INTERNAL;
        goto out;
    }
    merged = json_deep_copy(old);
    json_object_update(merged, patch);
    text = json_dumps(merged, JSON_COMPACT);
    if (text == NULL) {
        rc = rk_err_set(err, RK_E_INTERNAL, "cannot serialise the policy document");
        goto out;
    }
    rc = doc_store(s, who, route, "update", old, text, err);
out:
    free(text);
    json_decref(merged);
    json_decref(old);
    json_decref(patch);
    return rc;
}
