/* SPDX-License-Identifier: Apache-2.0 */
/*
 * anonymise.c: the anonymiser that runs on every object at ingest, before anything is
 * stored. What the hub stores for sharing is already anonymised, so no read path can leak
 * a contributor's identity later. A hidden (sector or anonymous) contributor's references to
 * any identity but the public ones become the sector or hub identity and its identity
 * objects are dropped, since the hub cannot tell which of them is the contributor under
 * another name; a named contributor may not write in another's name (created_by_ref);
 * policy-listed properties are removed at every depth, and values matching the contributor's
 * registered own identifiers are refused or redacted.
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
            (name != NULL && ((org_name != NULL && policy_names_equal(name, org_name)) ||
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
    bool hide;               /* a hidden contributor: identities become the stand-in */
    bool remove;             /* listed properties are removed */
    unsigned char first[32]; /* bit set of the listed names' first bytes */
    json_t *removed_paths;   /* selector paths of removed properties (granular markings) */
};

static bool self_ref(const struct walk *w, const char *id)
{
    return is_self(w->a->self_ids, id) || policy_ownids_has_identity(w->a->ownids, id);
}

/* Whether action is already among the actions noted. */
static bool noted(const struct walk *w, const char *action)
{
    size_t i;
    json_t *v;
    json_array_foreach(w->actions, i, v) if (strcmp(json_string_value(v), action) == 0) return true;
    return false;
}

static void note(struct walk *w, const char *action)
{
    json_array_append_new(w->actions, json_string(action));
    summary_add(w->anon, sizeof(w->anon), action);
}

/*
 * One step of the way from the object's top to a value: a key, or an index when key is NULL.
 * Walks chain them on the stack and format a path only when they note something, so that
 * an object they leave alone costs no string formatting.
 */
struct path {
    const struct path *up; /* NULL at the object's top-level properties */
    const char *key;
    size_t index;
};

#define PATH_DEPTH_MAX 64 /* steps formatted; a deeper path is cut at its top */

/* Writes p into out: "a.b[0].c", or with selector "a.b.[0].c" as granular markings' selectors
 * write it. p NULL gives "". */
static void path_format(const struct path *p, bool selector, char *out, size_t cap)
{
    const struct path *steps[PATH_DEPTH_MAX];
    size_t n = 0, len = 0;

    for (; p != NULL && n < PATH_DEPTH_MAX; p = p->up)
        steps[n++] = p;
    out[0] = '\0';
    while (n-- > 0 && len + 1 < cap) {
        const struct path *st = steps[n];
        const char *dot = len == 0 || (st->key == NULL && !selector) ? "" : ".";
        int w = st->key != NULL ? snprintf(out + len, cap - len, "%s%s", dot, st->key)
                                : snprintf(out + len, cap - len, "%s[%zu]", dot, st->index);
        if (w < 0)
            break;
        len += (size_t)w < cap - len ? (size_t)w : cap - len - 1;
    }
}

/* Whether s is an identity id ("identity--" and a UUID; the prefix in any case). */
static bool is_identity_id(const char *s)
{
    return s != NULL && strncasecmp(s, "identity--", 10) == 0 && rk_uuid_valid(s + 10);
}

static bool is_public(const struct walk *w, const char *id)
{
    const struct policy_strings *l = w->a->public_ids;
    for (size_t i = 0; l != NULL && i < l->n; i++)
        if (strcasecmp(l->v[i], id) == 0)
            return true;
    return false;
}

/* Whether the identity id may stay in a hidden contributor's object: the stand-in itself or
 * a public identity. Everything else might be the contributor under another name. */
static bool may_stay_hidden(const struct walk *w, const char *id)
{
    return strcasecmp(id, w->a->replacement_id) == 0 || is_public(w, id);
}

/* The common properties that identify an object version: never removed, never matched. */
static bool core_key(const char *key)
{
    return strcmp(key, "id") == 0 || strcmp(key, "type") == 0 || strcmp(key, "spec_version") == 0 ||
           strcmp(key, "created") == 0 || strcmp(key, "modified") == 0;
}

/* ---- the walk: listed properties removed, identities hidden or authors checked ------------ */

/* Whether key is a listed property: its first byte filters almost every key out at once. */
static bool listed(const struct walk *w, const char *key)
{
    const struct policy_strings *l = w->a->remove_properties;
    unsigned char c = (unsigned char)key[0];
    if (!(w->first[c / 8] & (1u << (c % 8))))
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], key) == 0)
            return true;
    return false;
}

static void removed(struct walk *w, const char *key, const struct path *at)
{
    char action[160], sel[512];
    snprintf(action, sizeof(action), "removed %.120s", key);
    if (!noted(w, action))
        note(w, action);
    path_format(at, true, sel, sizeof(sel));
    if (w->removed_paths == NULL) /* made on the first removal: most objects have none */
        w->removed_paths = json_array();
    json_array_append_new(w->removed_paths, json_string(sel));
}

/* Whether a granular marking selector points into a removed property (both written in
 * selector syntax, "a.[0].b"). */
static bool selects_removed(const struct walk *w, const char *sel)
{
    size_t i;
    json_t *p;
    if (sel == NULL)
        return false;
    json_array_foreach(w->removed_paths, i, p)
    {
        const char *rp = json_string_value(p);
        size_t n = strlen(rp);
        if (strncmp(sel, rp, n) == 0 && (sel[n] == '\0' || sel[n] == '.'))
            return true;
    }
    return false;
}

/* Drops the selectors of removed properties, and granular markings left without any. */
static void prune_selectors(struct walk *w, json_t *obj)
{
    json_t *gm = json_object_get(obj, "granular_markings");
    size_t i;
    json_t *m;

    if (json_array_size(w->removed_paths) == 0 || !json_is_array(gm))
        return;
    for (i = json_array_size(gm); i-- > 0;) {
        m = json_array_get(gm, i);
        json_t *sels = json_object_get(m, "selectors");
        for (size_t k = json_array_size(sels); k-- > 0;)
            if (selects_removed(w, json_string_value(json_array_get(sels, k)))) {
                json_array_remove(sels, k);
                w->r->markings_changed = true;
            }
        if (json_is_array(sels) && json_array_size(sels) == 0)
            json_array_remove(gm, i);
    }
    if (json_array_size(gm) == 0)
        json_object_del(obj, "granular_markings");
}

static void rewritten(struct walk *w, const struct path *at)
{
    char action[320], where[256];
    path_format(at, false, where, sizeof(where));
    snprintf(action, sizeof(action), "%s -> %s", where, w->a->replacement_what);
    note(w, action);
    w->r->uses_replacement = true;
}

/* Refuses the object for a foreign created_by_ref at at (policy foreign_authors: refuse). */
static void refuse_author(struct walk *w, const struct path *at)
{
    char where[256];
    path_format(at, false, where, sizeof(where));
    snprintf(w->r->message, sizeof(w->r->message),
             "refused: %s names an identity that is not the poster's own%s or a public identity "
             "(policy foreign_authors: refuse)",
             where, w->hide ? ", its stand-in" : "");
    w->refused = true;
}

/*
 * Hidden contributor, a list: every identity id in it that is not the stand-in or public
 * becomes the stand-in, which the list then holds once. Returns true if the list changed.
 */
static bool hide_in_list(struct walk *w, json_t *v)
{
    bool changed = false, have = false;
    json_t *out = NULL; /* made on the first identity: most lists hold none */
    json_t *child;
    size_t i;

    json_array_foreach(v, i, child)
    {
        const char *id = json_string_value(child);
        if (id != NULL && is_identity_id(id)) {
            if (!may_stay_hidden(w, id)) {
                id = w->a->replacement_id;
                changed = true;
            }
            if (strcmp(id, w->a->replacement_id) == 0) {
                if (out == NULL) {
                    out = json_array();
                    for (size_t k = 0; k < i; k++)
                        json_array_append(out, json_array_get(v, k));
                }
                if (have)
                    changed = true; /* one reference to the stand-in is enough */
                else
                    json_array_append_new(out, json_string(id));
                have = true;
                continue;
            }
        }
        if (out != NULL)
            json_array_append(out, child);
    }
    if (changed) {
        json_array_clear(v);
        json_array_extend(v, out);
    }
    json_decref(out);
    return changed;
}

/*
 * Hidden contributor, one string property: an identity id that is not the stand-in or public
 * becomes the stand-in, since the hub cannot tell which identity is the contributor under
 * another name. A foreign created_by_ref (not the contributor's own as far as the hub can
 * tell) is refused instead when the policy says so.
 */
static void hide_in_string(struct walk *w, const char *key, json_t *child, const struct path *at)
{
    const char *id = json_string_value(child);
    if (!is_identity_id(id) || may_stay_hidden(w, id))
        return;
    if (strcmp(key, "created_by_ref") == 0 && w->a->foreign_refuse && !self_ref(w, id)) {
        refuse_author(w, at);
        return;
    }
    json_string_set(child, w->a->replacement_id);
    rewritten(w, at);
}

/*
 * Named contributor, a created_by_ref: its own identity (registered, or recognised as its
 * own), a public identity, or absent. Anything else would let it write in another member's
 * name: rewritten to its registered identity, or refused, as policy says.
 */
static void check_author(struct walk *w, json_t *child, const struct path *at)
{
    const char *id = json_string_value(child);
    char action[320], where[256];

    if (self_ref(w, id) || (is_identity_id(id) && is_public(w, id)))
        return;
    if (w->a->foreign_refuse || w->a->own_identity == NULL) {
        refuse_author(w, at);
        return;
    }
    json_string_set(child, w->a->own_identity);
    path_format(at, false, where, sizeof(where));
    snprintf(action, sizeof(action), "%s -> the poster's identity", where);
    note(w, action);
}

/*
 * One walk over v (at: its place; NULL at the object's top): listed properties are removed at
 * every depth (never what identifies the version at the top); then, for a hidden
 * contributor, every identity id anywhere becomes the stand-in (hide_in_*), and for a named
 * one every created_by_ref is checked (check_author). Strings are looked at only for those
 * jobs, so an object costs one pass over its keys.
 */
static void walk_tree(struct walk *w, json_t *v, const struct path *at)
{
    const char *key;
    json_t *child;
    void *tmp;
    size_t i;

    if (w->refused)
        return;
    if (json_is_array(v)) {
        if (w->hide && hide_in_list(w, v))
            rewritten(w, at);
        json_array_foreach(v, i, child) if (json_is_object(child) || json_is_array(child))
        {
            struct path sub = {at, NULL, i};
            walk_tree(w, child, &sub);
        }
        return;
    }
    json_object_foreach_safe(v, tmp, key, child)
    {
        struct path sub = {at, key, 0};
        if (w->refused)
            return;
        if (w->remove && listed(w, key) && !(at == NULL && core_key(key))) {
            removed(w, key, &sub);
            json_object_del(v, key);
            continue;
        }
        if (json_is_string(child)) {
            /* What identifies the version at the top is not a reference. */
            if (w->hide && !(at == NULL && core_key(key)))
                hide_in_string(w, key, child, &sub);
            else if (!w->hide && !w->a->keep_authors && key[0] == 'c' &&
                     strcmp(key, "created_by_ref") == 0)
                check_author(w, child, &sub);
        } else if (json_is_object(child) || json_is_array(child)) {
            walk_tree(w, child, &sub);
        }
    }
}

/* Properties whose values are identifiers or timestamps, never free text: not matched. */
static bool skip_key(const char *key, bool top)
{
    if (ends_with(key, "_ref") || ends_with(key, "_refs"))
        return true;
    return top && core_key(key);
}

/* Where "[redacted]" would make the object invalid or meaningless: refuse instead. */
static bool unredactable(const struct path *at)
{
    return at != NULL && at->up == NULL && at->key != NULL &&
           (strcmp(at->key, "pattern") == 0 || strcmp(at->key, "value") == 0);
}

static void own_identifiers(struct walk *w, json_t *v, const struct path *at)
{
    const char *key;
    json_t *child;
    size_t i;

    if (w->refused)
        return;
    if (json_is_string(v)) {
        int kind = policy_ownids_match(w->a->ownids, json_string_value(v));
        char action[320], where[256];
        if (kind == 0)
            return;
        path_format(at, false, where, sizeof(where));
        if (!w->a->redact || unredactable(at)) {
            snprintf(w->r->message, sizeof(w->r->message),
                     "refused: contains the contributor's own identifier (%s) in property '%s'",
                     policy_ownid_kind_name(kind), where);
            w->refused = true;
            return;
        }
        json_string_set(v, REDACTED);
        w->r->n_redacted++;
        snprintf(action, sizeof(action), "redacted %s (%s)", where, policy_ownid_kind_name(kind));
        json_array_append_new(w->actions, json_string(action));
        return;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, child)
        {
            struct path sub = {at, NULL, i};
            own_identifiers(w, child, &sub);
        }
        return;
    }
    json_object_foreach(v, key, child)
    {
        struct path sub = {at, key, 0};
        if (skip_key(key, at == NULL))
            continue;
        own_identifiers(w, child, &sub);
    }
}

void policy_anonymise(json_t *obj, const struct policy_anon *a, json_t *actions,
                      struct policy_anon_result *r)
{
    struct walk w;
    /* Copies: the walks below may rewrite the strings of the object. */
    char type[STIX_TYPE_MAX + 1], idbuf[STIX_ID_MAX + 1];
    const char *id = a->id != NULL ? a->id : json_string_value(json_object_get(obj, "id"));
    const bool hide = a->mode >= STORE_ANON_SECTOR && a->replacement_id != NULL;

    policy_copy_str(type, sizeof(type),
                    a->type != NULL ? a->type : json_string_value(json_object_get(obj, "type")));
    if (id != NULL) {
        policy_copy_str(idbuf, sizeof(idbuf), id);
        id = idbuf;
    }

    memset(r, 0, sizeof(*r));
    memset(&w, 0, sizeof(w));
    w.a = a;
    w.actions = actions;
    w.r = r;

    /* A hidden contributor's identity objects cannot be told from its own (a platform exports
     * its owner under the real company name): none is shared but the public ones. */
    if (hide && strcmp(type, "identity") == 0 && !(id != NULL && is_public(&w, id))) {
        r->outcome = POLICY_ANON_DROP;
        if (self_ref(&w, id)) {
            json_array_append_new(actions, json_string("dropped the contributor's own identity"));
            snprintf(r->message, sizeof(r->message), "dropped: the contributor's own identity");
        } else {
            json_array_append_new(actions, json_string("dropped an identity"));
            snprintf(r->message, sizeof(r->message),
                     "dropped: identities are not shared from sector or anonymous posts (only "
                     "the hub's stand-ins and public identities)");
        }
        return;
    }

    w.hide = hide;
    w.remove = a->remove_properties != NULL && a->remove_properties->n > 0;
    for (size_t i = 0; w.remove && i < a->remove_properties->n; i++) {
        unsigned char c = (unsigned char)a->remove_properties->v[i][0];
        w.first[c / 8] |= (unsigned char)(1u << (c % 8));
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
    }
    walk_tree(&w, obj, NULL);
    if (!w.refused)
        prune_selectors(&w, obj);
    json_decref(w.removed_paths);
    /* An SDO/SRO without a creator is attributed to the replacement, so that readers see "an
     * organisation in sector X" (or the hub) rather than nothing; SCOs and marking
     * definitions carry no created_by_ref. */
    if (hide && !a->no_attribution && !w.refused && json_object_get(obj, "created") != NULL &&
        json_object_get(obj, "created_by_ref") == NULL && strcmp(type, "marking-definition") != 0) {
        char action[160];
        json_object_set_new(obj, "created_by_ref", json_string(a->replacement_id));
        snprintf(action, sizeof(action), "created_by_ref -> %s", a->replacement_what);
        note(&w, action);
        r->uses_replacement = true;
    }

    if (!w.refused && policy_ownids_count(a->ownids) > 0)
        own_identifiers(&w, obj, NULL);
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
