/* SPDX-License-Identifier: Apache-2.0 */
/*
 * anonymise.c: the anonymiser that runs on every object at ingest, before anything is
 * stored. What the hub stores for sharing is already anonymised, so no read path can leak
 * a contributor's identity later: references to the contributor become the sector or hub
 * identity, its own identity objects are dropped, policy-listed properties are removed and
 * values matching its registered own identifiers are refused or redacted.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REDACTED "[redacted]"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_self(const json_t *self_ids, const char *id)
{
    size_t i;
    json_t *v;
    if (id == NULL)
        return false;
    json_array_foreach(self_ids, i, v)
    {
        const char *s = json_string_value(v);
        if (s != NULL && strcasecmp(s, id) == 0)
            return true;
    }
    return false;
}

static void add_self(json_t *arr, const char *id)
{
    if (id != NULL && id[0] != '\0' && !is_self(arr, id))
        json_array_append_new(arr, json_string(id));
}

json_t *policy_anon_self_ids(const json_t *objects, const char *org_identity, const char *org_name,
                             const struct policy_ownids *ownids)
{
    json_t *arr = json_array();
    size_t i;
    json_t *o;

    add_self(arr, org_identity);
    /* The registered identity ids are not enumerable through the matcher; objects of the
     * envelope that carry one are found below, and references are checked per value. */
    json_array_foreach(objects, i, o)
    {
        /* Most objects are not identities: their id and name are not looked up. */
        const char *type = json_string_value(json_object_get(o, "type"));
        if (type == NULL || strcmp(type, "identity") != 0)
            continue;
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *name = json_string_value(json_object_get(o, "name"));
        if (id == NULL)
            continue;
        if (policy_ownids_has_identity(ownids, id) ||
            (name != NULL && ((org_name != NULL && strcasecmp(name, org_name) == 0) ||
                              policy_ownids_is_name(ownids, name))))
            add_self(arr, id);
    }
    return arr;
}

/* Appends "s" to the running summary, "; "-separated, truncating at the buffer's end. */
static void summary_add(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 >= cap)
        return;
    snprintf(buf + n, cap - n, "%s%s", n > 0 ? "; " : "", s);
}

struct walk {
    const struct policy_anon *a;
    json_t *actions;
    struct policy_anon_result *r;
    char anon[400]; /* "created_by_ref -> sector identity; removed x_reporter" */
    bool refused;
};

static bool self_ref(const struct walk *w, const char *id)
{
    return is_self(w->a->self_ids, id) || policy_ownids_has_identity(w->a->ownids, id);
}

static void note(struct walk *w, const char *action)
{
    json_array_append_new(w->actions, json_string(action));
    summary_add(w->anon, sizeof(w->anon), action);
}

/* Rewrites references to the contributor below v; path is v's property path. */
static void rewrite_refs(struct walk *w, json_t *v, const char *path)
{
    const char *key;
    json_t *child;
    size_t i;
    char sub[256];

    if (json_is_array(v)) {
        json_array_foreach(v, i, child)
        {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            rewrite_refs(w, child, sub);
        }
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, key, child)
    {
        char action[320];
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
        if (ends_with(key, "_ref") && json_is_string(child)) {
            if (self_ref(w, json_string_value(child))) {
                json_string_set(child, w->a->replacement_id);
                snprintf(action, sizeof(action), "%s -> %s", sub, w->a->replacement_what);
                note(w, action);
                w->r->uses_replacement = true;
            }
        } else if (ends_with(key, "_refs") && json_is_array(child)) {
            bool changed = false, have = false;
            json_t *out = json_array();
            json_t *ref;
            json_array_foreach(child, i, ref)
            {
                const char *id = json_string_value(ref);
                if (id != NULL && self_ref(w, id)) {
                    changed = true;
                    id = w->a->replacement_id;
                }
                if (id != NULL && strcmp(id, w->a->replacement_id) == 0) {
                    if (have)
                        continue; /* one reference to the replacement is enough */
                    have = true;
                    json_array_append_new(out, json_string(id));
                } else {
                    json_array_append(out, ref);
                }
            }
            if (changed) {
                json_array_clear(child);
                json_array_extend(child, out);
                snprintf(action, sizeof(action), "%s -> %s", sub, w->a->replacement_what);
                note(w, action);
                w->r->uses_replacement = true;
            }
            json_decref(out);
        } else {
            rewrite_refs(w, child, sub);
        }
    }
}

/* The common properties that identify an object version: never removed, never matched. */
static bool core_key(const char *key)
{
    return strcmp(key, "id") == 0 || strcmp(key, "type") == 0 || strcmp(key, "spec_version") == 0 ||
           strcmp(key, "created") == 0 || strcmp(key, "modified") == 0;
}

/* Properties whose values are identifiers or timestamps, never free text: not matched. */
static bool skip_key(const char *key, bool top)
{
    if (ends_with(key, "_ref") || ends_with(key, "_refs"))
        return true;
    return top && core_key(key);
}

/* Where "[redacted]" would make the object invalid or meaningless: refuse instead. */
static bool unredactable(const char *path)
{
    return strcmp(path, "pattern") == 0 || strcmp(path, "value") == 0;
}

static void own_identifiers(struct walk *w, json_t *v, const char *path, bool top)
{
    const char *key;
    json_t *child;
    size_t i;
    char sub[256];

    if (w->refused)
        return;
    if (json_is_string(v)) {
        int kind = policy_ownids_match(w->a->ownids, json_string_value(v));
        char action[320];
        if (kind == 0)
            return;
        if (!w->a->redact || unredactable(path)) {
            snprintf(w->r->message, sizeof(w->r->message),
                     "refused: contains the contributor's own identifier (%s) in property '%s'",
                     policy_ownid_kind_name(kind), path);
            w->refused = true;
            return;
        }
        json_string_set(v, REDACTED);
        w->r->n_redacted++;
        snprintf(action, sizeof(action), "redacted %s (%s)", path, policy_ownid_kind_name(kind));
        json_array_append_new(w->actions, json_string(action));
        return;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, child)
        {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            own_identifiers(w, child, sub, false);
        }
        return;
    }
    json_object_foreach(v, key, child)
    {
        if (skip_key(key, top))
            continue;
        snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
        own_identifiers(w, child, sub, false);
    }
}

void policy_anonymise(json_t *obj, const struct policy_anon *a, json_t *actions,
                      struct policy_anon_result *r)
{
    struct walk w;
    const char *type = a->type != NULL ? a->type : json_string_value(json_object_get(obj, "type"));
    const char *id = a->id != NULL ? a->id : json_string_value(json_object_get(obj, "id"));
    const bool hide = a->mode >= STORE_ANON_SECTOR && a->replacement_id != NULL;

    memset(r, 0, sizeof(*r));
    memset(&w, 0, sizeof(w));
    w.a = a;
    w.actions = actions;
    w.r = r;
    if (type == NULL)
        type = "";

    if (hide && strcmp(type, "identity") == 0 && self_ref(&w, id)) {
        r->outcome = POLICY_ANON_DROP;
        json_array_append_new(actions, json_string("dropped the contributor's own identity"));
        snprintf(r->message, sizeof(r->message), "dropped: the contributor's own identity");
        return;
    }

    for (size_t i = 0; a->remove_properties != NULL && i < a->remove_properties->n; i++) {
        const char *p = a->remove_properties->v[i];
        char action[160];
        if (json_object_get(obj, p) == NULL || core_key(p)) /* most objects lack them */
            continue;
        json_object_del(obj, p);
        snprintf(action, sizeof(action), "removed %.120s", p);
        note(&w, action);
    }

    if (hide) {
        json_t *where = json_object_get(obj, "where_sighted_refs");
        if (strcmp(type, "sighting") == 0 && json_is_array(where)) {
            /* Where it was seen reveals the victim: always the replacement, whoever it is. */
            json_t *only = json_pack("[s]", a->replacement_id);
            if (!json_equal(where, only)) {
                char action[160];
                snprintf(action, sizeof(action), "where_sighted_refs -> %s", a->replacement_what);
                note(&w, action);
            }
            json_object_set_new(obj, "where_sighted_refs", only);
            r->uses_replacement = true;
        }
        rewrite_refs(&w, obj, "");
        /* An SDO/SRO without a creator is attributed to the replacement, so that readers see
         * "an organisation in sector X" (or the hub) rather than nothing; SCOs and marking
         * definitions carry no created_by_ref. */
        if (json_object_get(obj, "created") != NULL &&
            json_object_get(obj, "created_by_ref") == NULL &&
            strcmp(type, "marking-definition") != 0) {
            char action[160];
            json_object_set_new(obj, "created_by_ref", json_string(a->replacement_id));
            snprintf(action, sizeof(action), "created_by_ref -> %s", a->replacement_what);
            note(&w, action);
            r->uses_replacement = true;
        }
    }

    if (policy_ownids_count(a->ownids) > 0)
        own_identifiers(&w, obj, "", true);
    if (w.refused) {
        r->outcome = POLICY_ANON_REFUSE;
        return;
    }

    r->outcome = POLICY_ANON_KEEP;
    if (w.anon[0] != '\0')
        snprintf(r->message, sizeof(r->message), "anonymised: %s", w.anon);
    if (r->n_redacted > 0) {
        char red[96];
        snprintf(red, sizeof(red), "redacted: %zu value(s) matching own identifiers",
                 r->n_redacted);
        summary_add(r->message, sizeof(r->message), red);
    }
}
