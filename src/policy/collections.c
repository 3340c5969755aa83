/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collections.c: finding a collection by id or alias, changing one, and removing one (with
 * its objects only when asked to purge them, their originals kept in the provenance vault).
 * Each change is one store transaction with its audit entry. Who reads a collection's
 * objects is decided when they are read, so a new audience applies to everything stored.
 */
#include "policy/policy_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int policy_collection_find(struct store *s, const char *ref, struct store_collection *out,
                           struct rk_err *err)
{
    struct store_collection *cs = NULL;
    size_t n = 0, hits = 0, at = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (ref == NULL || ref[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "which collection? give its id or alias");
    rc = store_collection_get(s, ref, out, err);
    if (rc != RK_E_NOTFOUND)
        return rc;
    rc = store_collection_list(s, &cs, &n, err);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (cs[i].alias != NULL && strcmp(cs[i].alias, ref) == 0)
            at = i, hits++;
    if (rc == 0 && hits == 0)
        rc = rk_err_set(err, RK_E_NOTFOUND,
                        "unknown collection '%s' (give its id or alias: renkei collection list)",
                        ref);
    else if (rc == 0 && hits > 1)
        rc = rk_err_set(err, RK_E_CONFLICT, "%zu collections have the alias '%s': give the id",
                        hits, ref);
    if (rc == 0) {
        *out = cs[at];
        memset(&cs[at], 0, sizeof(cs[at])); /* moved to *out */
    }
    store_collections_free(cs, n);
    return rc;
}

/* What the transaction of one change reads, decides and reports. */
struct coll_tx {
    const struct policy_principal *who;
    const char *route;
    const char *ref;                            /* the collection as the caller named it */
    const struct policy_collection_change *chg; /* set: what to change */
    bool purge;                                 /* remove: with its objects */
    struct store_collection was;                /* out: the collection before (owned) */
    int64_t removed;                            /* out (remove): versions it held */
    bool unchanged;                             /* out (set): nothing to write */
};

/* The fields of c as the audit entries show them. */
static json_t *coll_fields(const struct store_collection *c)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "title", c->title, "description",
                     c->description != NULL ? c->description : "", "alias",
                     c->alias != NULL ? c->alias : "", "read", c->read_spec, "write", c->write_spec,
                     "default_tlp", policy_tlp_name(c->default_tlp), "relay", c->relay);
}

static int coll_audit(struct store *s, const struct coll_tx *t, const char *action,
                      const char *coll_id, json_t *detail, struct rk_err *err)
{
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (text == NULL)
        return rk_err_set(err, RK_E_NOMEM, "cannot describe the change");
    int rc = policy_audit_append(s, t->who, action, t->route, coll_id, text, err);
    free(text);
    return rc;
}

/* 0, or RK_E_CONFLICT when alias is another collection's alias or id. */
static int alias_free(struct store *s, const char *id, const char *alias, struct rk_err *err)
{
    struct store_collection *cs = NULL;
    size_t n = 0;
    int rc = store_collection_list(s, &cs, &n, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (strcmp(cs[i].id, id) == 0)
            continue;
        if (strcmp(cs[i].alias, alias) == 0 || strcasecmp(cs[i].id, alias) == 0)
            rc = rk_err_set(err, RK_E_CONFLICT, "the alias '%s' names collection %s already", alias,
                            cs[i].id);
    }
    store_collections_free(cs, n);
    return rc;
}

/* True if a rule's collections list l names c (as scope.c matches: id ignoring case, alias
 * and title exactly). */
static bool list_names(const json_t *l, const struct store_collection *c)
{
    size_t i;
    json_t *v;
    json_array_foreach(l, i, v)
    {
        const char *x = json_string_value(v);
        if (x == NULL)
            continue;
        if (strcasecmp(x, c->id) == 0 || strcmp(x, c->title) == 0 ||
            (c->alias[0] != '\0' && strcmp(x, c->alias) == 0))
            return true;
    }
    return false;
}

/*
 * The scope rules that matched collection was by its title or alias and would not match it
 * as now get its id in their collections list: a rule that applied to the collection keeps
 * applying. Their names go into rules; the document is written (a "policy-change" entry)
 * when there are some. Reads the document first.
 */
static int rules_follow(struct store *s, const struct coll_tx *t,
                        const struct store_collection *now, json_t *rules, struct rk_err *err)
{
    json_t *doc = policy_doc_current(s, err);
    json_t *doc_new = NULL;
    json_t *rule;
    char *text = NULL;
    size_t i;
    int rc = 0;

    if (doc == NULL)
        return err->code != 0 ? err->code : RK_E_INTERNAL;
    doc_new = json_deep_copy(doc);
    json_array_foreach(json_object_get(doc_new, "scope_rules"), i, rule)
    {
        json_t *l = json_object_get(json_object_get(rule, "match"), "collections");
        if (!json_is_array(l) || !list_names(l, &t->was) || list_names(l, now))
            continue;
        json_array_append_new(l, json_string(now->id));
        json_array_append(rules, json_object_get(rule, "name"));
    }
    if (json_array_size(rules) > 0) {
        text = json_dumps(doc_new, JSON_COMPACT);
        rc = text != NULL
                 ? policy_doc_write(s, t->who, t->route, "collection-change", doc, text, false, err)
                 : rk_err_set(err, RK_E_NOMEM, "cannot write the policy document");
    }
    free(text);
    json_decref(doc);
    json_decref(doc_new);
    return rc;
}

static int set_body(void *ctx, struct store *s, struct rk_err *err)
{
    struct coll_tx *t = ctx;
    const struct policy_collection_change *chg = t->chg;
    struct store_collection now;
    json_t *was = NULL, *is = NULL, *detail = NULL, *rules = json_array();
    json_t *changed = json_array(), *before = json_object(), *after = json_object();
    const char *key;
    json_t *v;
    int rc = policy_collection_find(s, t->ref, &t->was, err);
    if (rc != 0)
        goto out;
    now = t->was;
    if (chg->title != NULL)
        now.title = (char *)chg->title;
    if (chg->description != NULL)
        now.description = (char *)chg->description;
    if (chg->alias != NULL)
        now.alias = (char *)chg->alias;
    if (chg->read_spec != NULL)
        now.read_spec = (char *)chg->read_spec;
    if (chg->write_spec != NULL)
        now.write_spec = (char *)chg->write_spec;
    if (chg->default_tlp != 0)
        now.default_tlp = chg->default_tlp;
    if (chg->relay_set)
        now.relay = chg->relay;
    rc = policy_collection_check(s, &now, err);
    if (rc == 0 && now.alias[0] != '\0' && strcmp(now.alias, t->was.alias) != 0)
        rc = policy_collection_alias_check(now.alias, err); /* as at add: a URL segment */
    if (rc == 0 && now.alias[0] != '\0' && strcmp(now.alias, t->was.alias) != 0)
        rc = alias_free(s, now.id, now.alias, err);
    if (rc != 0)
        goto out;
    was = coll_fields(&t->was);
    is = coll_fields(&now);
    json_object_foreach(is, key, v)
    {
        const json_t *w = json_object_get(was, key);
        if (json_equal(w, v))
            continue;
        json_array_append_new(changed, json_string(key));
        json_object_set(before, key, (json_t *)w);
        json_object_set(after, key, v);
    }
    if (json_array_size(changed) == 0) {
        t->unchanged = true;
        goto out;
    }
    if (strcmp(now.title, t->was.title) != 0 || strcmp(now.alias, t->was.alias) != 0)
        rc = rules_follow(s, t, &now, rules, err);
    if (rc == 0)
        rc = store_collection_update(s, &now, err);
    if (rc == 0) {
        detail = json_pack("{s:O, s:O, s:O, s:O}", "changed", changed, "before", before, "after",
                           after, "scope_rules", rules);
        rc = coll_audit(s, t, POLICY_AUDIT_COLLECTION_CHANGE, now.id, detail, err);
    }
out:
    json_decref(was);
    json_decref(is);
    json_decref(changed);
    json_decref(before);
    json_decref(after);
    json_decref(rules);
    return rc;
}

static int remove_body(void *ctx, struct store *s, struct rk_err *err)
{
    struct coll_tx *t = ctx;
    int rc = policy_collection_find(s, t->ref, &t->was, err);
    if (rc != 0)
        return rc;
    rc = store_collection_remove(s, t->was.id, t->purge, &t->removed, err);
    if (rc == RK_E_CONFLICT)
        return rk_err_set(err, RK_E_CONFLICT,
                          "collection '%s' (%s) holds %lld object version(s): nothing was "
                          "removed. To delete them with it, remove it with purge (their "
                          "originals and sources stay in the provenance vault)",
                          t->was.title, t->was.id, (long long)t->removed);
    if (rc != 0)
        return rc;
    json_t *c = coll_fields(&t->was);
    json_object_set_new(c, "id", json_string(t->was.id));
    return coll_audit(s, t, POLICY_AUDIT_COLLECTION_REMOVE, t->was.id,
                      json_pack("{s:o, s:I, s:b}", "collection", c, "purged",
                                (json_int_t)t->removed, "purge", t->purge),
                      err);
}

int policy_collection_set(struct store *s, const struct policy_principal *who, const char *route,
                          const char *ref, const struct policy_collection_change *chg,
                          struct store_collection *out, struct rk_err *err)
{
    struct coll_tx t = {.who = who, .route = route, .ref = ref, .chg = chg};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = policy_need_coordinator(who, "change collections", err);
    if (rc == 0)
        rc = store_write_tx(s, set_body, &t, err);
    if (rc == 0 && !t.unchanged)
        (void)policy_cache_bump(s, NULL); /* running servers drop cached entities (cache.c) */
    if (rc == 0)
        rc = store_collection_get(s, t.was.id, out, err);
    store_collection_clear(&t.was);
    return rc;
}

int policy_collection_remove(struct store *s, const struct policy_principal *who, const char *route,
                             const char *ref, bool purge, struct store_collection *out,
                             int64_t *removed, struct rk_err *err)
{
    struct coll_tx t = {.who = who, .route = route, .ref = ref, .purge = purge};
    int rc;

    memset(out, 0, sizeof(*out));
    *removed = 0;
    rc = policy_need_coordinator(who, "remove collections", err);
    if (rc == 0)
        rc = store_write_tx(s, remove_body, &t, err);
    if (rc == 0)
        (void)policy_cache_bump(s, NULL); /* running servers forget it (cache.c) */
    *removed = t.removed;
    if (rc == 0) {
        *out = t.was;
        memset(&t.was, 0, sizeof(t.was)); /* moved to *out */
    }
    store_collection_clear(&t.was);
    return rc;
}
