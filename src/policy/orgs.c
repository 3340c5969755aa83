/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orgs.c: changing an organisation, and disabling one that leaves the hub (or enabling it
 * again). Each is one store transaction with its audit entry; a rename carries the new name
 * into every audience that named the old one, so that no "org:" audience comes to point at
 * nothing, or at whoever registers the old name next.
 */
#include "policy/policy_int.h"

#include <stdlib.h>
#include <string.h>

/* What the transaction of one change reads, decides and reports (everything borrowed but
 * what it owns as said). */
struct org_tx {
    const struct policy_principal *who;
    const char *route;
    const char *ref;                     /* the organisation, as the caller named it */
    const struct policy_org_change *chg; /* policy_org_set: what to change */
    const char *own_ids;                 /* chg->own_identifiers normalised (owned by caller) */
    int action;                          /* 0 set, 1 disable, 2 enable */
    char id[RK_UUID_LEN];                /* out: the organisation's id */
    bool unchanged;                      /* out: set changed nothing, nothing written */
    struct store_token *revoked;         /* out (disable): the tokens revoked, owned */
    size_t n_revoked;
};

enum { ORG_SET, ORG_DISABLE, ORG_ENABLE };

/* The fields of o that a change may touch, as the audit entry shows them. */
static json_t *org_fields(const struct store_org *o)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", o->name, "sector", o->sector, "anonymity",
                     policy_anonymity_name(o->anonymity), "own_identifiers",
                     o->own_identifiers != NULL ? o->own_identifiers : "", "disabled", o->disabled);
}

/* Appends action's entry with detail (consumed): the organisation's id and name first. */
static int org_audit(struct store *s, const struct org_tx *t, const char *action,
                     const struct store_org *o, json_t *detail, struct rk_err *err)
{
    json_object_set_new(detail, "org_id", json_string(o->id));
    json_object_set_new(detail, "org", json_string(o->name));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (text == NULL)
        return rk_err_set(err, RK_E_NOMEM, "cannot describe the change");
    int rc = policy_audit_append(s, t->who, action, t->route, NULL, text, err);
    free(text);
    return rc;
}

/* Reads the organisation t->ref names into o, and whether it is the coordinator's. */
static int org_read(struct store *s, const struct org_tx *t, struct store_org *o, bool *is_coord,
                    struct rk_err *err)
{
    char *coord = NULL;
    int rc = store_org_get(s, t->ref, o, err);
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_NOTFOUND, "unknown organisation '%s' (see renkei org list)",
                          t->ref);
    if (rc != 0)
        return rc;
    rc = store_setting_get(s, "coordinator_org", &coord, err);
    if (rc == RK_E_NOTFOUND)
        rc = rk_err_set(err, RK_E_INTERNAL, "hub has no coordinator");
    *is_coord = rc == 0 && strcmp(coord, o->id) == 0;
    free(coord);
    return rc;
}

/* ---- a rename: every "org:" audience that named the old name ------------------------- */

struct rename {
    const char *old;      /* the name before */
    const char *new_name; /* the name after */
};

static bool scope_renamed(void *ctx, const char *scope, struct rk_buf *out)
{
    const struct rename *r = ctx;
    return policy_spec_rename_org(scope, r->old, r->new_name, out);
}

/*
 * Collections' read and write specs, the scope rules' audiences and the stored versions'
 * scopes that name r->old name r->new_name instead; what changed goes into rewritten.
 * Reads first (collections, the policy document), then writes.
 */
static int rename_audiences(struct store *s, const struct org_tx *t, const struct rename *r,
                            json_t *rewritten, struct rk_err *err)
{
    struct store_collection *cs = NULL;
    size_t n = 0;
    json_t *doc = NULL, *colls = json_array(), *rules = json_array();
    struct rk_buf b = RK_BUF_INIT;
    char *text = NULL;
    int64_t scopes = 0;
    int rc = store_collection_list(s, &cs, &n, err);
    if (rc == 0) {
        doc = policy_doc_current(s, err);
        if (doc == NULL)
            rc = err->code != 0 ? err->code : RK_E_INTERNAL;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct rk_buf rd = RK_BUF_INIT, wr = RK_BUF_INIT;
        bool r1 = policy_spec_rename_org(cs[i].read_spec, r->old, r->new_name, &rd);
        bool r2 = policy_spec_rename_org(cs[i].write_spec, r->old, r->new_name, &wr);
        if (r1 || r2) {
            struct store_collection c = cs[i];
            c.read_spec = r1 ? rd.data : cs[i].read_spec;
            c.write_spec = r2 ? wr.data : cs[i].write_spec;
            rc = store_collection_update(s, &c, err);
            json_array_append_new(colls, json_string(cs[i].id));
        }
        rk_buf_free(&rd);
        rk_buf_free(&wr);
    }
    size_t i;
    json_t *rule;
    json_t *doc_new = doc != NULL ? json_deep_copy(doc) : NULL;
    json_array_foreach(json_object_get(doc_new, "scope_rules"), i, rule)
    {
        rk_buf_reset(&b);
        const char *aud = json_string_value(json_object_get(rule, "audience"));
        if (aud == NULL || !policy_spec_rename_org(aud, r->old, r->new_name, &b))
            continue;
        json_object_set_new(rule, "audience", json_string(b.data));
        json_array_append(rules, json_object_get(rule, "name"));
    }
    if (rc == 0 && json_array_size(rules) > 0) {
        text = json_dumps(doc_new, JSON_COMPACT);
        rc = text != NULL
                 ? policy_doc_write(s, t->who, t->route, "org-rename", doc, text, false, err)
                 : rk_err_set(err, RK_E_NOMEM, "cannot write the policy document");
    }
    if (rc == 0)
        rc = store_scope_rewrite(s, scope_renamed, (void *)r, &scopes, err);
    if (rc == 0) {
        json_object_set(rewritten, "collections", colls);
        json_object_set(rewritten, "scope_rules", rules);
        json_object_set_new(rewritten, "object_scopes", json_integer((json_int_t)scopes));
    }
    free(text);
    rk_buf_free(&b);
    json_decref(doc);
    json_decref(doc_new);
    json_decref(colls);
    json_decref(rules);
    store_collections_free(cs, n);
    return rc;
}

/* ---- set ----------------------------------------------------------------------------- */

/* Puts key's values before and after into the detail when they differ. */
static void note(json_t *changed, json_t *before, json_t *after, const char *key, const json_t *was,
                 const json_t *now)
{
    if (json_equal(was, now))
        return;
    json_array_append_new(changed, json_string(key));
    json_object_set(before, key, (json_t *)was);
    json_object_set(after, key, (json_t *)now);
}

static int set_body(void *ctx, struct store *s, struct rk_err *err)
{
    struct org_tx *t = ctx;
    const struct policy_org_change *chg = t->chg;
    struct store_org o = {0}, now;
    bool is_coord = false;
    json_t *was = NULL, *is = NULL, *detail = NULL;
    json_t *changed = json_array(), *before = json_object(), *after = json_object();
    const char *key;
    json_t *v;
    int rc = org_read(s, t, &o, &is_coord, err);
    if (rc != 0)
        goto out;
    memcpy(t->id, o.id, sizeof(t->id));
    /* The coordinator's organisation stays where init put it; a member goes to a member's
     * sector (the sector table is read here, before anything is written). */
    if (chg->sector != NULL && is_coord && strcmp(chg->sector, o.sector) != 0)
        rc =
            rk_err_set(err, RK_E_INVALID, "the coordinator's organisation stays in the '%s' sector",
                       POLICY_COORDINATION_SECTOR);
    else if (chg->sector != NULL && !is_coord &&
             strcmp(chg->sector, POLICY_COORDINATION_SECTOR) == 0)
        rc = rk_err_set(err, RK_E_INVALID,
                        "the sector '%s' is the coordinator's own: a member belongs to another",
                        POLICY_COORDINATION_SECTOR);
    else if (chg->sector != NULL && !is_coord && strcmp(chg->sector, o.sector) != 0)
        rc = policy_sector_check(s, chg->sector, err);
    if (rc != 0)
        goto out;
    now = o;
    if (chg->name != NULL)
        now.name = (char *)chg->name;
    if (chg->sector != NULL)
        now.sector = (char *)chg->sector;
    if (chg->anonymity >= 0)
        now.anonymity = chg->anonymity;
    if (t->own_ids != NULL)
        now.own_identifiers = (char *)t->own_ids;
    was = org_fields(&o);
    is = org_fields(&now);
    json_object_foreach(is, key, v) note(changed, before, after, key, json_object_get(was, key), v);
    if (json_array_size(changed) == 0) {
        t->unchanged = true;
        goto out;
    }
    detail = json_pack("{s:O, s:O, s:O}", "changed", changed, "before", before, "after", after);
    /* The row first: a taken name fails before anything else is rewritten. */
    rc = store_org_update(s, &now, err);
    if (rc == RK_E_EXISTS)
        rc = rk_err_set(err, RK_E_EXISTS, "an organisation named '%s' already exists", now.name);
    if (rc == 0 && strcmp(now.name, o.name) != 0) {
        struct rename r = {o.name, now.name};
        json_t *rewritten = json_object();
        rc = rename_audiences(s, t, &r, rewritten, err);
        json_object_set_new(detail, "rewritten", rewritten);
    }
    if (rc == 0) {
        rc = org_audit(s, t, POLICY_AUDIT_ORG_CHANGE, &now, detail, err);
        detail = NULL;
    }
out:
    json_decref(detail);
    json_decref(was);
    json_decref(is);
    json_decref(changed);
    json_decref(before);
    json_decref(after);
    store_org_clear(&o);
    return rc;
}

int policy_need_coordinator(const struct policy_principal *who, const char *what,
                            struct rk_err *err)
{
    if (who == NULL || !who->authenticated)
        return rk_err_set(err, RK_E_UNAUTH, "authentication required to %s", what);
    if (!policy_is_coordinator(who))
        return rk_err_set(err, RK_E_FORBIDDEN, "only the coordinator may %s", what);
    return 0;
}

/* Runs body for t, then tells running servers and reads the organisation as it is now. */
static int org_run(struct store *s, struct org_tx *t, store_tx_fn body, struct store_org *out,
                   struct rk_err *err)
{
    int rc = store_write_tx(s, body, t, err);
    if (rc != 0)
        return rc;
    if (!t->unchanged)
        (void)policy_cache_bump(s, NULL); /* running servers drop cached entities (cache.c) */
    return store_org_get(s, t->id, out, err);
}

int policy_org_set(struct store *s, const struct policy_principal *who, const char *route,
                   const char *org, const struct policy_org_change *chg, struct store_org *out,
                   struct rk_err *err)
{
    struct org_tx t = {.who = who, .route = route, .ref = org, .chg = chg, .action = ORG_SET};
    struct policy_ownids *ids = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = policy_need_coordinator(who, "change organisations", err);
    if (rc != 0)
        return rc;
    if (org == NULL || org[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "which organisation? give its name or id");
    /* Every value is checked before the transaction starts. */
    if (chg->name != NULL && (rc = policy_org_name_check(chg->name, err)) != 0)
        return rc;
    if (chg->anonymity < -1 || chg->anonymity > STORE_ANON_ANONYMOUS)
        return rk_err_set(err, RK_E_INVALID, "unknown anonymity mode %d", chg->anonymity);
    if (chg->own_identifiers != NULL) {
        rc = policy_ownids_parse(chg->own_identifiers, &ids, err);
        if (rc != 0)
            return rc;
        t.own_ids = policy_ownids_text(ids);
    }
    rc = org_run(s, &t, set_body, out, err);
    policy_ownids_free(ids);
    return rc;
}

/* ---- disable and enable ---------------------------------------------------------------- */

static int able_body(void *ctx, struct store *s, struct rk_err *err)
{
    struct org_tx *t = ctx;
    struct store_org o = {0};
    bool is_coord = false;
    bool disable = t->action == ORG_DISABLE;
    json_t *ids = json_array();
    int rc = org_read(s, t, &o, &is_coord, err);
    if (rc != 0)
        goto out;
    memcpy(t->id, o.id, sizeof(t->id));
    if (disable && is_coord) {
        rc =
            rk_err_set(err, RK_E_CONFLICT, "the coordinator's own organisation cannot be disabled");
        goto out;
    }
    if (o.disabled == disable) {
        rc = rk_err_set(err, RK_E_CONFLICT, "organisation '%s' is already %s", o.name,
                        disable ? "disabled" : "enabled");
        goto out;
    }
    if (disable) {
        rc = policy_tokens_revoke_org(s, t->who, t->route, o.id, &t->revoked, &t->n_revoked, err);
        for (size_t i = 0; i < t->n_revoked; i++)
            json_array_append_new(ids, json_stringn(t->revoked[i].hash, POLICY_TOKEN_ID_LEN));
    }
    o.disabled = disable;
    if (rc == 0)
        rc = store_org_update(s, &o, err);
    if (rc == 0)
        rc = org_audit(s, t, disable ? POLICY_AUDIT_ORG_DISABLE : POLICY_AUDIT_ORG_ENABLE, &o,
                       disable ? json_pack("{s:s, s:O}", "sector", o.sector, "tokens_revoked", ids)
                               : json_pack("{s:s}", "sector", o.sector),
                       err);
out:
    json_decref(ids);
    store_org_clear(&o);
    return rc;
}

int policy_org_disable(struct store *s, const struct policy_principal *who, const char *route,
                       const char *org, struct store_org *out, struct store_token **revoked,
                       size_t *n_revoked, struct rk_err *err)
{
    struct org_tx t = {.who = who, .route = route, .ref = org, .action = ORG_DISABLE};
    int rc;

    memset(out, 0, sizeof(*out));
    if (revoked != NULL) {
        *revoked = NULL;
        *n_revoked = 0;
    }
    rc = policy_need_coordinator(who, "disable organisations", err);
    if (rc == 0 && (org == NULL || org[0] == '\0'))
        rc = rk_err_set(err, RK_E_INVALID, "which organisation? give its name or id");
    if (rc == 0)
        rc = org_run(s, &t, able_body, out, err);
    if (rc == 0 && revoked != NULL) {
        *revoked = t.revoked;
        *n_revoked = t.n_revoked;
    } else {
        store_tokens_free(t.revoked, t.n_revoked);
    }
    return rc;
}

int policy_org_enable(struct store *s, const struct policy_principal *who, const char *route,
                      const char *org, struct store_org *out, struct rk_err *err)
{
    struct org_tx t = {.who = who, .route = route, .ref = org, .action = ORG_ENABLE};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = policy_need_coordinator(who, "enable organisations", err);
    if (rc == 0 && (org == NULL || org[0] == '\0'))
        rc = rk_err_set(err, RK_E_INVALID, "which organisation? give its name or id");
    if (rc == 0)
        rc = org_run(s, &t, able_body, out, err);
    return rc;
}
