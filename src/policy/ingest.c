/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.c: the ingest pipeline behind TAXII POST (in the policy layer so every way in
 * shares it): validate, decide TLP and scope, anonymise, mark, validate again, store with
 * access metadata, provenance, credit and the audit entry (ingest_record.c) in one
 * transaction: one commit, synced before the POST is answered.
 * Anonymity is applied here, once, so that what is stored for sharing never names a hidden
 * source; the identities that stand for it come from ingest_identity.c.
 */
#include "policy/policy_int.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* Resolves x_renkei_recipients (org names or ids) to comma-separated org ids. */
static int recipients_resolve(struct store *s, const json_t *list, struct rk_buf *out, char *msg,
                              size_t cap)
{
    size_t i;
    json_t *v;

    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > POLICY_RECIPIENTS_MAX) {
        snprintf(msg, cap, "%s must be a list of 1 to %d organisation names",
                 POLICY_PROP_RECIPIENTS, POLICY_RECIPIENTS_MAX);
        return RK_E_INVALID;
    }
    json_array_foreach(list, i, v)
    {
        struct store_org o = {0};
        const char *name = json_string_value(v);
        if (name == NULL || name[0] == '\0' || strlen(name) > 127) {
            snprintf(msg, cap, "%s[%zu] must be an organisation name", POLICY_PROP_RECIPIENTS, i);
            return RK_E_INVALID;
        }
        int rc = store_org_get(s, name, &o, NULL);
        if (rc == RK_E_NOTFOUND) {
            snprintf(msg, cap, "unknown recipient '%s'", name);
            return RK_E_INVALID;
        }
        if (rc != 0) {
            snprintf(msg, cap, "cannot resolve recipient '%s'", name);
            return rc;
        }
        if (o.disabled) { /* it left the hub: nothing may be addressed to it any more */
            snprintf(msg, cap, "recipient '%s' is disabled (no longer a member of the hub)", name);
            store_org_clear(&o);
            return RK_E_INVALID;
        }
        if (strstr(out->data != NULL ? out->data : "", o.id) == NULL) {
            if (out->len > 0)
                rk_buf_putc(out, ',');
            rk_buf_puts(out, o.id);
        }
        store_org_clear(&o);
    }
    return 0;
}

/* Ids a join set compares one by one before it switches to a hash set: two for every
 * relationship, a few for most sightings, without an allocation. */
#define JOINS_FEW 8

/* The distinct ids one object joins, in the order met, space-separated in b. */
struct join_ids {
    const json_t *few[JOINS_FEW]; /* the first ids met (until set takes over) */
    size_t n_few;
    struct rk_strset set; /* every id met, once more than JOINS_FEW are */
    size_t n;             /* distinct ids in b */
    struct rk_buf b;
};

/* Whether the JSON string s is not among the ids met yet (and now is). */
static bool join_ids_new(struct join_ids *j, const json_t *s)
{
    const char *id = json_string_value(s);
    size_t len = json_string_length(s);

    if (rk_strset_count(&j->set) > 0) /* past the few */
        return rk_strset_add(&j->set, id, len);
    for (size_t i = 0; i < j->n_few; i++)
        if (json_string_length(j->few[i]) == len &&
            memcmp(json_string_value(j->few[i]), id, len) == 0)
            return false;
    if (j->n_few < JOINS_FEW) {
        j->few[j->n_few++] = s;
        return true;
    }
    for (size_t i = 0; i < j->n_few; i++) /* one more than the few: the set takes over */
        rk_strset_add(&j->set, json_string_value(j->few[i]), json_string_length(j->few[i]));
    return rk_strset_add(&j->set, id, len);
}

/* Adds v, an id or a list of ids, to j, each id once. */
static void joins_add(struct join_ids *j, const json_t *v)
{
    size_t i;
    json_t *e;
    if (json_is_string(v)) {
        if (!join_ids_new(j, v))
            return;
        if (j->b.len > 0)
            rk_buf_putc(&j->b, ' ');
        rk_buf_append(&j->b, json_string_value(v), json_string_length(v));
        j->n++;
        return;
    }
    json_array_foreach(v, i, e) joins_add(j, e);
}

/*
 * The ids an SRO of type (its stix_meta type) joins, after anonymisation, each once: it is
 * visible only if they all are. *out is NULL (stored as "", like every empty access
 * column) when it joins none: most objects, spared a malloc and a free each. Returns 0, or
 * RK_E_INVALID with msg (cap bytes) naming the property at which the object joins more
 * than POLICY_JOINS_MAX distinct ids, and the cap.
 */
static int joins_of(const json_t *obj, const char *type, char **out, char *msg, size_t cap)
{
    static const char *const rel[] = {"source_ref", "target_ref", NULL};
    static const char *const sig[] = {"sighting_of_ref", "observed_data_refs", "where_sighted_refs",
                                      NULL};
    const char *const *props = strcmp(type, "relationship") == 0 ? rel
                               : strcmp(type, "sighting") == 0   ? sig
                                                                 : NULL;
    struct join_ids j = {.set = RK_STRSET_INIT, .b = RK_BUF_INIT};
    int rc = 0;

    *out = NULL;
    for (size_t i = 0; props != NULL && props[i] != NULL; i++) {
        joins_add(&j, json_object_get(obj, props[i]));
        if (j.n > POLICY_JOINS_MAX) {
            snprintf(msg, cap,
                     "refused: property '%s': with it the %s joins %zu distinct ids; the hub "
                     "accepts at most %d per object (%s together)",
                     props[i], type, j.n, POLICY_JOINS_MAX,
                     props == sig ? "sighting_of_ref, observed_data_refs and where_sighted_refs"
                                  : "source_ref and target_ref");
            rc = RK_E_INVALID;
            break;
        }
    }
    rk_strset_free(&j.set);
    if (rc == 0 && j.b.len > 0)
        *out = rk_buf_steal(&j.b);
    rk_buf_free(&j.b);
    return rc;
}

static void fail(struct policy_ingest_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(struct policy_ingest_item *it, const char *fmt, ...)
{
    va_list ap;
    it->ok = false;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof(it->message), fmt, ap);
    va_end(ap);
}

/* ---- the pipeline ------------------------------------------------------------------------ */

/* Everything one envelope needs to know about its contributor. */
struct source {
    const struct policy_principal *who; /* the poster (borrowed) */
    struct store_org org;
    struct policy_doc doc;
    struct policy_ownids *ownids;
    json_t *self_ids;
    struct policy_marks marks;         /* the envelope's marking definitions, the aliases */
    bool writers_known;                /* writers and sector_writers are loaded */
    int64_t writers;                   /* member organisations that may write here */
    int64_t sector_writers;            /* those of them in the contributor's sector */
    struct policy_stand_ins stand_ins; /* who stands for the contributor when hidden */
    struct policy_reserved reserved;   /* identity ids no post may write */
};

static void source_clear(struct source *src)
{
    store_org_clear(&src->org);
    policy_doc_clear(&src->doc);
    policy_ownids_free(src->ownids);
    json_decref(src->self_ids);
    policy_marks_clear(&src->marks);
    policy_stand_ins_clear(&src->stand_ins);
    policy_reserved_clear(&src->reserved);
}

/* The marking definitions of the envelope that pass validation: the hub reads only those. */
static void marks_scan(const json_t *objects, struct policy_marks *marks)
{
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        /* Most objects are not marking definitions: only their type is looked up. */
        const char *type = json_string_value(json_object_get(o, "type"));
        struct stix_meta meta;
        if (type == NULL || strcmp(type, "marking-definition") != 0)
            continue;
        if (stix_validate_meta(o, &meta, NULL) >= 0)
            policy_marks_add(marks, o);
    }
}

static int source_load(struct rk_hub *hub, const struct policy_principal *who,
                       const json_t *objects, struct source *src, struct rk_err *err)
{
    int rc = store_org_get(hub->store, who->org_id, &src->org, err);
    src->who = who;
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_FORBIDDEN, "the posting organisation no longer exists");
    if (rc != 0)
        return rc;
    if (src->org.disabled) /* a principal authenticated before it was disabled */
        return rk_err_set(err, RK_E_UNAUTH, "the posting organisation is disabled");
    rc = policy_doc_load(hub->store, &src->doc, err);
    if (rc != 0)
        return rc;
    /* Fail closed: a registered list that no longer parses must not let values through. */
    rc = policy_ownids_parse(src->org.own_identifiers, &src->ownids, err);
    if (rc != 0)
        return rk_err_set(err, RK_E_INTERNAL, "organisation '%s': %s", src->org.name, err->msg);
    src->self_ids = policy_anon_self_ids(objects, src->org.identity_id, src->org.name, src->ownids);
    policy_marks_init(&src->marks, &src->doc);
    marks_scan(objects, &src->marks);
    return 0;
}

/*
 * The mode a hidden post can have in collection c: its anonymity set is the organisations
 * that could have written it there, not the whole sector or hub. SECTOR stays SECTOR while
 * at least k of the sector's members may write to c, else falls back to ANONYMOUS, which
 * needs k writers in all. Returns the mode, or -1 when even the hub identity would point at
 * the poster (fewer than k writers); *rc gets a store error.
 */
static int hidden_mode(struct rk_hub *hub, struct source *src, const struct store_collection *c,
                       int mode, int *rc, struct rk_err *err)
{
    *rc = 0;
    if (mode == STORE_ANON_NAMED)
        return mode;
    if (!src->writers_known) {
        *rc = policy_writers_count(hub->store, c, src->org.sector, &src->writers,
                                   &src->sector_writers, err);
        if (*rc != 0)
            return -1;
        src->writers_known = true;
    }
    if (mode == STORE_ANON_SECTOR && src->sector_writers < src->doc.sector_k)
        mode = STORE_ANON_ANONYMOUS;
    if (src->writers < src->doc.sector_k)
        return -1;
    return mode;
}

/*
 * For an object the hub may not change (a marking definition, an object of a relay
 * collection) posted named: every
 * created_by_ref in it (any depth) must not be another member's identity or the hub's,
 * since it cannot be rewritten to the poster. Writes the refusal into msg ("" when there is
 * none); 0 or the store's error.
 */
static int member_author(struct rk_hub *hub, struct source *src, const json_t *v, char *msg,
                         size_t cap, struct rk_err *err)
{
    const char *key;
    json_t *child;
    size_t i;
    int rc = 0;

    msg[0] = '\0';
    if (json_is_array(v)) {
        json_array_foreach(v, i, child)
        {
            rc = member_author(hub, src, child, msg, cap, err);
            if (rc != 0 || msg[0] != '\0')
                return rc;
        }
        return 0;
    }
    json_object_foreach((json_t *)v, key, child)
    {
        const char *id = json_string_value(child);
        if (strcmp(key, "created_by_ref") == 0 && id != NULL) {
            if (src->org.identity_id != NULL && strcasecmp(id, src->org.identity_id) == 0)
                continue;
            rc = policy_reserved_check(hub, &src->reserved, src->org.id, id, msg, cap, err);
            if (rc == 0 && msg[0] != '\0')
                snprintf(msg, cap,
                         "refused: created_by_ref names %s, the identity of the hub or of another "
                         "member, and an object stored as posted cannot be rewritten to its poster",
                         id);
        } else if (json_is_object(child) || json_is_array(child)) {
            rc = member_author(hub, src, child, msg, cap, err);
        }
        if (rc != 0 || msg[0] != '\0')
            return rc;
    }
    return 0;
}

/* The id and version an item reports when its object failed before its metadata was read:
 * the object's id, or objects[i] when it has none that fits; its modified, else its created,
 * when that is an RFC 3339 timestamp, else "" (the caller's to fill). */
static void item_id(struct policy_ingest_item *it, size_t i, const json_t *o)
{
    static const char *const versions[] = {"modified", "created"};
    const char *oid = json_is_object(o) ? json_string_value(json_object_get(o, "id")) : NULL;
    if (oid == NULL || strlen(oid) > STIX_ID_MAX)
        snprintf(it->id, sizeof(it->id), "objects[%zu]", i);
    else
        policy_copy_str(it->id, sizeof(it->id), oid);
    for (size_t k = 0; k < 2 && json_is_object(o) && it->version[0] == '\0'; k++) {
        const char *v = json_string_value(json_object_get(o, versions[k]));
        rk_time_us t;
        if (v != NULL && strlen(v) < sizeof(it->version) && rk_time_parse(v, &t) == 0)
            policy_copy_str(it->version, sizeof(it->version), v);
    }
}

/* Runs the hooks' rewrite on work (of STIX type type): each change is noted in actions (the
 * hook's words, else "changed by <hook>"), so that the object is validated and serialised
 * again. False when a hook refused the object (it then fails with the hook's message). */
static bool rewrite_hooks(struct rk_hub *hub, const struct policy_doc *doc, const char *type,
                          json_t *work, json_t *actions, struct policy_ingest_item *it,
                          bool *touched)
{
    for (size_t i = 0; i < hub->n_hooks; i++) {
        const struct rk_ingest_hook *h = &hub->hooks[i];
        char msg[sizeof(it->message)] = "";
        if (h->rewrite == NULL)
            continue;
        int r = h->rewrite(h->ctx, doc, type, work, msg, sizeof(msg));
        if (r < 0) {
            fail(it, "%s", msg[0] != '\0' ? msg : "refused");
            return false;
        }
        if (r > 0) {
            *touched = true;
            if (msg[0] != '\0')
                json_array_append_new(actions, json_string(msg));
            else
                json_array_append_new(actions, json_pack("s+", "changed by ", h->name));
        }
    }
    return true;
}

/* Runs one object through the pipeline up to (not including) the store. Returns 0 with
 * *keep telling whether p is to be stored; negative only for store errors. actions: an
 * array the envelope's objects share (emptied here), where the anonymiser notes what it
 * did. */
static int prepare(struct rk_hub *hub, struct source *src, int base_mode,
                   const struct store_collection *c, json_t *o, struct policy_ingest_item *it,
                   struct policy_pending *p, json_t *actions, bool *keep, bool *touched,
                   struct rk_err *err)
{
    struct rk_err e2;
    json_t *work = NULL;
    struct rk_buf recips = RK_BUF_INIT;
    struct policy_anon anon;
    struct policy_anon_result res;
    struct policy_tlp_reading reading;
    struct policy_stand_in *rep = NULL;
    const char *rep_what = NULL;
    char smsg[256];
    int mode = base_mode;
    int rc = 0;

    *keep = false;
    *touched = false;
    json_array_clear(actions);
    rk_err_clear(&e2);
    if (stix_validate_meta(o, &p->meta, &e2) < 0) {
        item_id(it, p->item, o);
        fail(it, "%s", e2.msg[0] ? e2.msg : "invalid STIX object");
        goto out;
    }
    /* A marking definition cannot be versioned (STIX 2.1 section 7.2.1), and a relay
     * collection relays third-party content as published: either is stored exactly as
     * posted, or refused; its TLP is the hub's metadata, not written into it. */
    const bool definition = strcmp(p->meta.type, "marking-definition") == 0;
    const bool immutable = definition || c->relay;
    policy_copy_str(it->id, sizeof(it->id), p->meta.id); /* the id as validated */
    policy_copy_str(it->version, sizeof(it->version), p->meta.version_text);
    if (strcmp(p->meta.type, "sighting") == 0) {
        const char *of = json_string_value(json_object_get(o, "sighting_of_ref"));
        p->sighting_of = of != NULL ? rk_strdup(of) : NULL;
    }
    p->original = stix_canonical_slot(o, &p->original_len, &p->slot);
    /* Anonymised and marked in place (the envelope is the caller's working copy): what
     * credit needs of the object as posted was kept above. */
    work = json_incref(o);

    const json_t *am = json_object_get(work, POLICY_PROP_ANONYMITY);
    if (am != NULL) {
        int m = policy_anonymity_parse(json_string_value(am));
        if (m < 0) {
            fail(it, "%s must be named, sector or anonymous", POLICY_PROP_ANONYMITY);
            goto out;
        }
        mode = max_int(mode, m);
        *touched = true;
        json_object_del(work, POLICY_PROP_ANONYMITY);
        json_array_append_new(actions, json_string("removed " POLICY_PROP_ANONYMITY));
    }
    const json_t *rl = json_object_get(work, POLICY_PROP_RECIPIENTS);
    if (rl != NULL) {
        rc = recipients_resolve(hub->store, rl, &recips, it->message, sizeof(it->message));
        if (rc == RK_E_INVALID) {
            rc = 0;
            goto out;
        }
        if (rc != 0) {
            rk_err_set(err, rc, "%s", it->message);
            goto out;
        }
        *touched = true;
        json_object_del(work, POLICY_PROP_RECIPIENTS);
        json_array_append_new(actions, json_string("removed " POLICY_PROP_RECIPIENTS));
    }
    /* A sector with fewer than k writers here would re-identify its members: treated (and
     * recorded) as anonymous; fewer than k writers at all, and the post itself names them. */
    mode = hidden_mode(hub, src, c, mode, &rc, err);
    if (rc != 0)
        goto out;
    if (mode < 0) {
        fail(it,
             "refused: fewer than %d organisations may write to this collection, so even the hub "
             "identity would point at the poster; post it named, or into a collection with more "
             "writers",
             src->doc.sector_k);
        goto out;
    }
    p->mode = mode;

    /* Marking definitions the envelope lacks are read from the collection first. */
    policy_tlp_read(work, &src->marks, &reading);
    if (reading.unreadable[0] != '\0') {
        rc = policy_marks_resolve(hub, src->who, c, &src->marks, work, err);
        if (rc != 0)
            goto out;
        policy_tlp_read(work, &src->marks, &reading);
    }
    /*
     * An anonymous contribution must not be scoped by its sector either: "AMBER to the
     * contributor's sector", or any rule matching on the sector, would tell the readers which
     * sector posted it (and below k, nearly who). The rules then see no sector, so
     * contributor-sector falls back to the collection's audience. In sector mode the sector
     * is shown anyway.
     */
    policy_scope_decide(&src->doc, &reading, work,
                        mode == STORE_ANON_ANONYMOUS ? NULL : src->org.sector, c, &p->dec, &e2);
    if (p->dec.refuse) {
        fail(it,
             "refused: the hub cannot read the marking %s and the policy refuses what it cannot "
             "read (unknown_markings: refuse)",
             p->dec.marking);
        goto out;
    }
    /* Named recipients widen nothing below AMBER: they would be ignored without a word. */
    if (recips.len > 0 && p->dec.tlp < POLICY_TLP_AMBER) {
        fail(it,
             "%s names recipients, but the object is TLP:%s, which every member may read: mark "
             "it AMBER, AMBER+STRICT or RED",
             POLICY_PROP_RECIPIENTS, p->dec.tlp == POLICY_TLP_CLEAR ? "CLEAR" : "GREEN");
        goto out;
    }

    if (mode >= STORE_ANON_SECTOR) {
        rc = policy_stand_in_get(hub, &src->stand_ins, src->org.sector, mode == STORE_ANON_SECTOR,
                                 mode, &rep, &rep_what, err);
        if (rc != 0)
            goto out;
    }
    memset(&anon, 0, sizeof(anon));
    anon.mode = mode;
    anon.replacement_id = rep != NULL ? rep->id : NULL;
    anon.replacement_what = rep_what;
    anon.own_identity = src->org.identity_id;
    anon.self_ids = src->self_ids;
    anon.ownids = src->ownids;
    anon.remove_properties = &src->doc.remove_properties;
    anon.public_ids = &src->doc.public_identities;
    anon.redact = src->doc.own_identifiers == POLICY_OWNID_REDACT;
    anon.foreign_refuse = src->doc.foreign_authors == POLICY_FOREIGN_REFUSE;
    anon.keep_authors = immutable && mode == STORE_ANON_NAMED;
    anon.no_attribution = immutable;
    anon.type = p->meta.type;
    anon.id = p->meta.id;
    size_t n_asked = json_array_size(actions); /* the x_renkei_* properties removed above */
    policy_anonymise(work, &anon, actions, &res);
    /* The anonymiser notes in actions (or flags in res) whatever it changed; an object it
     * refused or dropped may have been changed on the way. */
    if (res.outcome != POLICY_ANON_KEEP || json_array_size(actions) > 0 || res.uses_replacement ||
        res.n_redacted > 0)
        *touched = true;
    if (res.outcome == POLICY_ANON_REFUSE) {
        fail(it, "%s", res.message);
        goto out;
    }
    if (res.outcome == POLICY_ANON_DROP) {
        it->ok = true;
        policy_copy_str(it->message, sizeof(it->message), res.message);
        goto out;
    }
    if (immutable) {
        if (json_array_size(actions) > n_asked || res.uses_replacement || res.n_redacted > 0 ||
            res.markings_changed) {
            fail(it, "refused: %s, and sharing it would change it (%.300s)",
                 definition ? "a marking definition cannot be changed (STIX 2.1 section 7.2.1)"
                            : "a relay collection stores objects exactly as posted",
                 res.message[0] != '\0' ? res.message : "anonymised");
            goto out;
        }
        if (mode == STORE_ANON_NAMED) {
            rc = member_author(hub, src, work, it->message, sizeof(it->message), err);
            if (rc != 0 || it->message[0] != '\0') {
                it->ok = false;
                goto out;
            }
        }
    }
    /* An identity that survived anonymisation: not one only the hub, or another member,
     * may write. */
    if (strcmp(p->meta.type, "identity") == 0) {
        rc = policy_reserved_check(hub, &src->reserved, src->org.id, p->meta.id, it->message,
                                   sizeof(it->message), err);
        if (rc != 0)
            goto out;
        if (it->message[0] != '\0') {
            it->ok = false;
            goto out;
        }
    }
    if (res.uses_replacement && rep != NULL)
        rep->needed = true;
    /* The capabilities' rewrites see the object as it will be shared; what is stored
     * exactly as posted is not theirs to change. */
    const size_t n_before_hooks = json_array_size(actions);
    if (!immutable && !rewrite_hooks(hub, &src->doc, p->meta.type, work, actions, it, touched))
        goto out;

    /* Anything the anonymiser or a hook did is noted in actions (or flagged in res); the
     * recipients and anonymity properties removed above are noted there too. */
    bool rewritten = json_array_size(actions) > 0 || res.uses_replacement || res.n_redacted > 0;
    /* The object needs the hub's TLP marking (marked): a rewritten object gets it in its
     * tree, which is serialised again; any other only in its text (below). */
    bool marked = false;
    /* Dropped granular markings may have carried the level: the object then carries it. A
     * marking definition keeps its TLP as the hub's metadata only. */
    if (!immutable && (p->dec.assigned || res.markings_changed)) {
        bool has = false;
        rc = rewritten ? policy_tlp_mark(work, p->dec.tlp, &e2)
                       : policy_tlp_marked(work, p->dec.tlp, &has, &e2);
        if (rc != 0) {
            rc = 0;
            fail(it, "%s", e2.msg);
            goto out;
        }
        marked = !has;
    }
    /* A rewritten object is validated again. The TLP marking alone cannot make a valid
     * object invalid (it appends a TLP 2.0 marking-definition id to object_marking_refs,
     * a common property of every type), and meta depends on neither. */
    if (rewritten) {
        rk_err_clear(&e2);
        if (stix_validate_meta(work, &p->meta, &e2) < 0) {
            fail(it, "refused: invalid after the hub's changes (anonymisation, hooks): %.400s",
                 e2.msg);
            goto out;
        }
        p->json = stix_canonical(work, &p->len);
    } else if (marked) {
        /* Only the marking changed: spliced into the posted canonical text, which is then
         * the stored text minus the splice (provenance keeps only the cut). */
        const char *mid = policy_tlp_marking_id(p->dec.tlp);
        p->json = stix_canonical_add_marking_slot(p->original, p->original_len, &p->slot, mid,
                                                  &p->len, &p->cut_off, &p->cut_len);
        if (p->json == NULL) /* text from jansson's writer: find the place by reading it */
            p->json = stix_canonical_add_marking_at(p->original, p->original_len, mid, &p->len,
                                                    &p->cut_off, &p->cut_len);
        if (p->json != NULL) {
            p->derived = true;
        } else {
            /* No place for the splice: marked in the tree, which is serialised again. */
            *touched = true;
            if (policy_tlp_mark(work, p->dec.tlp, &e2) != 0) {
                fail(it, "%s", e2.msg);
                goto out;
            }
            p->json = stix_canonical(work, &p->len);
        }
    } else {
        p->json = p->original; /* unchanged: the same bytes (pending_free frees once) */
        p->len = p->original_len;
        p->derived = true; /* an empty cut */
    }
    /* NULL is stored as "[]": most objects are not rewritten, and json_dumps of an empty
     * array cost 2,700 instructions per object. */
    p->actions = json_array_size(actions) > 0 ? json_dumps(actions, JSON_COMPACT) : NULL;
    p->recipients = recips.len > 0 ? rk_buf_steal(&recips) : NULL; /* NULL: stored as "" */
    if (joins_of(work, p->meta.type, &p->joins, it->message, sizeof(it->message)) != 0) {
        it->ok = false;
        goto out;
    }
    /* The item as it will read if the store takes the object as new (items_finish changes
     * it otherwise), so that a policy_ready_fn can render it before the write lock. */
    policy_scope_message(&p->dec, smsg, sizeof(smsg));
    it->ok = true;
    it->message[0] = '\0';
    if (smsg[0] != '\0')
        policy_copy_str(it->message, sizeof(it->message), smsg);
    if (res.message[0] != '\0') {
        size_t n = strlen(it->message);
        snprintf(it->message + n, sizeof(it->message) - n, "%s%s", n > 0 ? "; " : "", res.message);
    }
    for (size_t i = n_before_hooks; i < json_array_size(actions); i++) { /* the hooks' words */
        size_t n = strlen(it->message);
        snprintf(it->message + n, sizeof(it->message) - n, "%s%s", n > 0 ? "; " : "",
                 json_string_value(json_array_get(actions, i)));
    }
    if (p->meta.warning.count > 0) { /* stored, with what validation had to say about it */
        size_t n = strlen(it->message);
        snprintf(it->message + n, sizeof(it->message) - n, "%swarning: %s", n > 0 ? "; " : "",
                 p->meta.warning.msg);
    }
    policy_ingest_observe(hub, work, p);
    *keep = true;
out:
    rk_buf_free(&recips);
    json_decref(work);
    return rc;
}

static void pending_free(struct policy_pending *p)
{
    if (p->json != p->original)
        free(p->json);
    free(p->original);
    free(p->actions);
    free(p->recipients);
    free(p->joins);
    free(p->sighting_of);
    free(p->obs);
}

struct collision_probe {
    struct policy_access_ctx *ax;
    const struct store_put *put;
    const char *collection_id;
    bool visible;
};

static int collision_row(void *ctx, const struct store_row *row)
{
    struct collision_probe *cp = ctx;
    if (row->collection_id == NULL || strcmp(row->collection_id, cp->collection_id) != 0 ||
        row->version != cp->put->version_out)
        return 0;
    cp->visible = policy_may_read_object(cp->ax, row);
    return 1;
}

/*
 * Whether the poster may read the version its put collided with. Its own versions (this
 * envelope's too) it may; another organisation's is looked up and checked like any read. A
 * version the lookup cannot find (another envelope of the same commit) or a failed lookup
 * counts as invisible: the answer is then the one that says nothing.
 */
static bool collision_visible(struct rk_hub *hub, const struct policy_principal *who,
                              const struct store_collection *c, const struct store_put *put)
{
    struct policy_access_ctx ax;
    struct rk_err e2;
    struct collision_probe cp = {&ax, put, c->id, false};

    if (strcmp(put->first_source, who->org_id) == 0)
        return true;
    rk_err_clear(&e2);
    if (policy_access_init(&ax, hub, who, c, "taxii-add-objects", &e2) == 0 &&
        store_find_object(hub->store, put->id, collision_row, &cp, &e2) < 0)
        cp.visible = false;
    policy_access_clear(&ax);
    return cp.visible;
}

#define CONFLICT_MESSAGE                                                                           \
    "conflict: a different object with this id and version is already stored; the first was "      \
    "kept"

/* Fills the items of the n stored objects p from their puts' outcomes: prepare left each
 * as a NEW row reads; any other outcome, or a version only the store knew, changes it. A
 * put that collided with a version the poster may not read gets the same answer whatever
 * that version holds (its body, TLP, author or date): a conflict, with the version the post
 * itself gave, else the time of the post. */
static void items_finish(struct rk_hub *hub, const struct policy_principal *who,
                         const struct store_collection *c, const struct policy_pending *p, size_t n,
                         const struct store_put *puts, struct policy_ingest_item *items)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_put *put = &puts[i];
        struct policy_ingest_item *it = &items[p[i].item];
        bool assigned = it->version[0] == '\0';
        if (put->result != STORE_PUT_NEW && !collision_visible(hub, who, c, put)) {
            if (assigned) {
                rk_time_format(rk_time_now(), it->version);
                it->changed |= POLICY_ITEM_VERSION;
            }
            fail(it, "%s", CONFLICT_MESSAGE);
            it->changed |= POLICY_ITEM_OUTCOME;
            continue;
        }
        if (assigned) {
            rk_time_format(put->version_out, it->version);
            it->changed |= POLICY_ITEM_VERSION;
        }
        if (put->result == STORE_PUT_CONFLICT) {
            fail(it, "%s", CONFLICT_MESSAGE);
            it->changed |= POLICY_ITEM_OUTCOME;
        } else if (put->result == STORE_PUT_DUP) {
            policy_copy_str(it->message, sizeof(it->message), "already stored");
            it->changed |= POLICY_ITEM_OUTCOME;
        }
    }
}

/* What the transaction of an envelope records besides the objects (store_then_fn). */
struct record_ctx {
    struct rk_hub *hub;
    const struct policy_principal *who;
    const struct store_collection *c;
    const struct store_org *org;
    const struct policy_pending *p;
    size_t first; /* puts before this are stand-in identities */
    struct policy_ingest_item *items;
    size_t total;         /* items */
    policy_items_fn done; /* the caller's, or NULL */
    void *done_ctx;
};

static int record_in_tx(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                        struct rk_err *err)
{
    struct record_ctx *r = ctx;
    struct rk_err e2;
    size_t k = n - r->first;
    int rc = policy_ingest_still_current(s, puts + r->first, k, err);
    if (rc != 0)
        return rc;
    rc = policy_ingest_credit(s, r->org, r->p, puts + r->first, k, err);
    if (rc != 0)
        return rc;
    rk_err_clear(&e2);
    rc = policy_ingest_audit(s, r->who, r->c, r->p, puts + r->first, k, &e2);
    if (rc == RK_E_DB || rc == RK_E_IO) /* the transaction is lost: the envelope fails */
        return rk_err_set(err, rc, "audit: %s", e2.msg);
    if (rc != 0)
        rk_log(RK_LOG_ERROR, "ingest: write audit entry failed: %s", e2.msg);
    items_finish(r->hub, r->who, r->c, r->p, k, puts + r->first, r->items);
    if (r->done != NULL)
        return r->done(r->done_ctx, s, r->items, r->total, err);
    return 0;
}

int policy_ingest(struct rk_hub *hub, const struct policy_principal *who,
                  const struct store_collection *c, int requested_anonymity, json_t *objects,
                  struct policy_ingest_item *items, struct rk_err *err)
{
    return policy_ingest_then(hub, who, c, requested_anonymity, objects, items, NULL, NULL, NULL,
                              err);
}

/* Objects through policy_ingest_then since the process started (policy_ingest_totals). */
static _Atomic uint64_t total_accepted, total_refused;

void policy_ingest_totals(uint64_t *accepted, uint64_t *refused)
{
    *accepted = atomic_load_explicit(&total_accepted, memory_order_relaxed);
    *refused = atomic_load_explicit(&total_refused, memory_order_relaxed);
}

/* Counts an envelope's outcome: two relaxed atomic adds, whatever the number of objects. */
static void totals_add(const struct policy_ingest_item *items, size_t n)
{
    uint64_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += items[i].ok;
    atomic_fetch_add_explicit(&total_accepted, ok, memory_order_relaxed);
    atomic_fetch_add_explicit(&total_refused, n - ok, memory_order_relaxed);
}

int policy_ingest_then(struct rk_hub *hub, const struct policy_principal *who,
                       const struct store_collection *c, int requested_anonymity, json_t *objects,
                       struct policy_ingest_item *items, policy_ready_fn ready,
                       policy_items_fn done, void *done_ctx, struct rk_err *err)
{
    struct source src;
    size_t total = json_array_size(objects);
    struct policy_pending *p = rk_calloc(total + 1, sizeof(*p));
    struct store_put *puts = rk_calloc(total + 2, sizeof(*puts));
    json_t *actions = json_array(); /* prepare's, one for the envelope */
    size_t n = 0, n_puts = 0;
    int base_mode;
    int rc;

    memset(&src, 0, sizeof(src));
    /* Each item's id is filled by prepare (from the validation's copy), or here for every
     * item when the envelope fails before. */
    memset(items, 0, total * sizeof(*items));
    if (!policy_is_member(who)) {
        rc = rk_err_set(err, RK_E_FORBIDDEN, "only member organisations may post");
        goto ids;
    }
    rc = source_load(hub, who, objects, &src, err);
    if (rc != 0)
        goto ids;
    base_mode = max_int(src.org.anonymity, max_int(who->token_anonymity, requested_anonymity));
    if (base_mode > STORE_ANON_ANONYMOUS)
        base_mode = STORE_ANON_ANONYMOUS;

    for (size_t i = 0; i < total; i++) {
        json_t *o = json_array_get(objects, i);
        bool keep = false, touched = false;
        if (!json_is_object(o)) {
            item_id(&items[i], i, o);
            fail(&items[i], "%s", "not a JSON object");
            continue;
        }
        p[n].item = i;
        rc = prepare(hub, &src, base_mode, c, o, &items[i], &p[n], actions, &keep, &touched, err);
        /* What prepare changed leaves the envelope now (p holds what it needs of it), so
         * that the rest is as parsed: the caller may then drop the whole tree at once. */
        if (touched)
            json_array_set_new(objects, i, json_null());
        if (rc != 0)
            goto ids;
        if (keep)
            n++;
        else
            pending_free(&p[n]), memset(&p[n], 0, sizeof(p[n]));
    }

    policy_ingest_observe_refs(p, n);
    if (ready != NULL)
        ready(done_ctx, items, total);

    /* The identities that rewritten objects point to go first, so a reader paging by
     * date_added meets them before the objects that reference them. */
    if (src.stand_ins.have_hub && src.stand_ins.hub.needed)
        policy_stand_in_put(&puts[n_puts++], &src.stand_ins.hub);
    if (src.stand_ins.have_sector && src.stand_ins.sector.needed)
        policy_stand_in_put(&puts[n_puts++], &src.stand_ins.sector);
    size_t first = n_puts;
    for (size_t i = 0; i < n; i++) {
        struct store_put *put = &puts[n_puts++];
        put->id = p[i].meta.id;
        put->type = p[i].meta.type;
        put->spec_version = p[i].meta.spec_version;
        put->version = p[i].meta.version;
        put->version_text = p[i].meta.version_text;
        put->json = p[i].json;
        put->json_len = p[i].len;
        put->access.tlp = p[i].dec.tlp;
        put->access.source_org = src.org.id;
        put->access.source_sector = src.org.sector;
        put->access.scope = p[i].dec.scope;
        put->access.recipients = p[i].recipients;
        put->access.joins = p[i].joins;
        put->access.rule = p[i].dec.rule;
        put->original = p[i].original;
        put->original_len = p[i].original_len;
        put->original_from_json = p[i].derived;
        put->json_extra_off = p[i].cut_off;
        put->json_extra_len = p[i].cut_len;
        put->token_hash = who->token_hash;
        put->anonymity = p[i].mode;
        put->actions = p[i].actions;
        put->observables = p[i].obs;
        put->n_observables = p[i].n_obs;
    }
    if (n_puts > 0) {
        /* Objects, provenance, credit, audit entry and whatever done writes: one commit,
         * one fsync. */
        struct record_ctx rec = {.hub = hub,
                                 .who = who,
                                 .c = c,
                                 .org = &src.org,
                                 .p = p,
                                 .first = first,
                                 .items = items,
                                 .total = total,
                                 .done = done,
                                 .done_ctx = done_ctx};
        struct rk_err e2;
        rk_err_clear(&e2);
        rc = store_put_objects_then(hub->store, c->id, puts, n_puts, record_in_tx, &rec, &e2);
        if (rc < 0) {
            rk_err_set(err, rc, "store: %s", e2.msg);
            goto out;
        }
    } else if (done != NULL) {
        /* Nothing to store (every object failed): done runs in a transaction of its own. */
        struct rk_err e2;
        rk_err_clear(&e2);
        rc = done(done_ctx, hub->store, items, total, &e2);
        if (rc < 0) {
            rk_err_set(err, rc, "%s", e2.msg);
            goto out;
        }
    }
    totals_add(items, total);
    rc = 0;
    goto out;
ids:
    for (size_t i = 0; i < total; i++)
        if (items[i].id[0] == '\0')
            item_id(&items[i], i, json_array_get(objects, i));
out:
    for (size_t i = 0; i <= total; i++)
        pending_free(&p[i]);
    free(p);
    free(puts);
    source_clear(&src);
    json_decref(actions);
    return rc;
}
