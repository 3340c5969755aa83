/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.c: the ingest pipeline behind TAXII POST (moved out of taxii.c so every way in
 * shares it): validate, decide TLP and scope, anonymise, mark, validate again, store with
 * access metadata and provenance in one transaction, then credit and audit. Anonymity is
 * applied here, once, so that what is stored for sharing never names a hidden source.
 */
#include "policy/policy_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROUTE_NAME "taxii-add-objects"

/* Serialises the lazy creation of hub and sector identity objects within the process. */
static pthread_mutex_t identity_lock = PTHREAD_MUTEX_INITIALIZER;

/* One object on its way to the store. */
struct pending {
    size_t item; /* index into items */
    struct stix_meta meta;
    char *json; /* canonical anonymised object */
    size_t len;
    char *original; /* canonical object as posted */
    size_t original_len;
    char *actions;    /* JSON array text */
    char *recipients; /* comma-separated org ids */
    char *joins;      /* space-separated ids */
    struct policy_scope_decision dec;
    int mode;          /* effective anonymity */
    char message[512]; /* success message for a NEW row */
};

/* A hub or sector identity object to store next to the objects that reference it. */
struct identity {
    char id[STIX_ID_MAX + 1];
    char *json; /* canonical */
    bool needed;
};

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

/* The display name of a sector key, from the sector table ("" if unknown). */
static void sector_display(struct store *s, const char *key, char *out, size_t cap)
{
    char *v = NULL;
    json_t *arr = NULL;
    size_t i;
    json_t *e;

    copy_str(out, cap, key);
    if (store_setting_get(s, "sectors", &v, NULL) != 0)
        return;
    arr = json_loads(v, 0, NULL);
    json_array_foreach(arr, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "key"));
        if (k != NULL && strcmp(k, key) == 0) {
            copy_str(out, cap, json_string_value(json_object_get(e, "name")));
            break;
        }
    }
    json_decref(arr);
    free(v);
}

/*
 * The identity object stored under settings key, created once (under identity_lock) with
 * the given id (NULL: a new random one), name and class. out->json is canonical.
 */
static int identity_get(struct store *s, const char *key, const char *id, const char *name,
                        const char *cls, struct identity *out, struct rk_err *err)
{
    char *v = NULL;
    json_t *obj = NULL;
    int rc;

    pthread_mutex_lock(&identity_lock);
    rc = store_setting_get(s, key, &v, err);
    if (rc == 0) {
        obj = json_loads(v, 0, NULL);
        if (obj == NULL) {
            rc = rk_err_set(err, RK_E_INTERNAL, "setting %s is not JSON", key);
            goto out;
        }
    } else if (rc == RK_E_NOTFOUND) {
        char uuid[RK_UUID_LEN], now[RK_TIME_LEN], nid[64];
        rk_time_us t = rk_time_now();
        t -= t % 1000; /* millisecond precision, as STIX writers usually give */
        rk_time_format(t, now);
        if (id == NULL) {
            rk_uuid_v4(uuid);
            snprintf(nid, sizeof(nid), "identity--%s", uuid);
            id = nid;
        }
        obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity", "spec_version",
                        "2.1", "id", id, "created", now, "modified", now, "name", name,
                        "identity_class", cls);
        char *text = stix_canonical(obj, NULL);
        rc = store_setting_set(s, key, text, err);
        free(text);
        if (rc != 0)
            goto out;
    } else {
        goto out;
    }
    copy_str(out->id, sizeof(out->id), json_string_value(json_object_get(obj, "id")));
    out->json = stix_canonical(obj, NULL);
out:
    pthread_mutex_unlock(&identity_lock);
    json_decref(obj);
    free(v);
    return rc;
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
        if (strstr(out->data != NULL ? out->data : "", o.id) == NULL) {
            if (out->len > 0)
                rk_buf_putc(out, ',');
            rk_buf_puts(out, o.id);
        }
        store_org_clear(&o);
    }
    return 0;
}

static void joins_add(struct rk_buf *b, const json_t *v)
{
    size_t i;
    json_t *e;
    if (json_is_string(v)) {
        if (b->len > 0)
            rk_buf_putc(b, ' ');
        rk_buf_puts(b, json_string_value(v));
        return;
    }
    json_array_foreach(v, i, e) joins_add(b, e);
}

/* The ids an SRO joins (after anonymisation): visible only if they all are. */
static char *joins_of(const json_t *obj)
{
    struct rk_buf b = RK_BUF_INIT;
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (type != NULL && strcmp(type, "relationship") == 0) {
        joins_add(&b, json_object_get(obj, "source_ref"));
        joins_add(&b, json_object_get(obj, "target_ref"));
    } else if (type != NULL && strcmp(type, "sighting") == 0) {
        joins_add(&b, json_object_get(obj, "sighting_of_ref"));
        joins_add(&b, json_object_get(obj, "observed_data_refs"));
        joins_add(&b, json_object_get(obj, "where_sighted_refs"));
    }
    return rk_buf_steal(&b);
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

/* ---- credit ------------------------------------------------------------------------------ */

struct first_other {
    const char *org_id; /* the poster */
    char found[RK_UUID_LEN];
};

/* Finds the earliest stored version whose source is another member organisation. */
static int first_other_row(void *ctx, const struct store_row *row)
{
    struct first_other *f = ctx;
    const char *src = row->access.source_org;
    if (src == NULL || src[0] == '\0' || strcmp(src, f->org_id) == 0)
        return 0;
    copy_str(f->found, sizeof(f->found), src);
    return 1;
}

static int other_source(struct store *s, const char *id, const char *org_id, char *out,
                        struct rk_err *err)
{
    struct first_other f = {org_id, ""};
    int rc = store_find_object(s, id, first_other_row, &f, err);
    if (rc < 0)
        return rc;
    copy_str(out, RK_UUID_LEN, f.found);
    return 0;
}

/* Credit for the NEW rows of one envelope; failures are logged, never fatal: the objects
 * are durable already and the poster must get its status. */
static void credit_events(struct store *s, const struct store_org *org, struct pending *p,
                          struct store_put *puts, size_t n, json_t *objects)
{
    struct store_credit *ev = rk_calloc(n * 3 + 1, sizeof(*ev));
    char(*who)[RK_UUID_LEN] = rk_calloc(n * 2 + 1, sizeof(*who));
    size_t k = 0, w = 0;
    struct rk_err e;

    for (size_t i = 0; i < n; i++) {
        if (puts[i].result != STORE_PUT_NEW)
            continue;
        ev[k++] = (struct store_credit){.org_id = (char *)org->id,
                                        .kind = "contribution",
                                        .object_id = (char *)p[i].meta.id,
                                        .points = POLICY_CREDIT_CONTRIBUTION,
                                        .by_org = (char *)org->id,
                                        .by_sector = org->sector};
        rk_err_clear(&e);
        if (other_source(s, p[i].meta.id, org->id, who[w], &e) == 0 && who[w][0] != '\0') {
            ev[k++] = (struct store_credit){.org_id = who[w++],
                                            .kind = "correlation",
                                            .object_id = (char *)p[i].meta.id,
                                            .points = POLICY_CREDIT_CORRELATION,
                                            .by_org = (char *)org->id,
                                            .by_sector = org->sector};
        }
        if (strcmp(p[i].meta.type, "sighting") == 0) {
            json_t *o = json_array_get(objects, p[i].item);
            const char *of = json_string_value(json_object_get(o, "sighting_of_ref"));
            rk_err_clear(&e);
            if (of != NULL && other_source(s, of, org->id, who[w], &e) == 0 && who[w][0] != '\0') {
                ev[k++] = (struct store_credit){.org_id = who[w++],
                                                .kind = "sighting",
                                                .object_id = (char *)of,
                                                .points = POLICY_CREDIT_SIGHTING,
                                                .by_org = (char *)org->id,
                                                .by_sector = org->sector};
            }
        }
    }
    rk_err_clear(&e);
    if (k > 0 && policy_credit_record(s, ev, k, &e) != 0)
        rk_log(RK_LOG_ERROR, "ingest: credit events not recorded: %s", e.msg);
    free(who);
    free(ev);
}

/* One "write" audit entry for the objects at AMBER and above that were stored. */
static int audit_writes(struct store *s, const struct policy_principal *who,
                        const struct store_collection *c, struct pending *p, struct store_put *puts,
                        size_t n, struct rk_err *err)
{
    json_t *arr = json_array();
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char v[RK_TIME_LEN];
        if (p[i].dec.tlp < POLICY_TLP_AMBER || puts[i].result == STORE_PUT_CONFLICT)
            continue;
        rk_time_format(puts[i].version_out, v);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", p[i].meta.id, "version",
                                             v, "tlp", policy_tlp_name(p[i].dec.tlp), "result",
                                             puts[i].result == STORE_PUT_NEW ? "new" : "dup"));
    }
    if (json_array_size(arr) > 0) {
        json_t *detail = json_pack("{s:o}", "objects", arr);
        char *text = json_dumps(detail, JSON_COMPACT);
        rc = policy_audit_append(s, who, POLICY_AUDIT_WRITE, ROUTE_NAME, c->id, text, err);
        free(text);
        json_decref(detail);
    } else {
        json_decref(arr);
    }
    return rc;
}

/* ---- the pipeline ------------------------------------------------------------------------ */

/* Everything one envelope needs to know about its contributor. */
struct source {
    struct store_org org;
    struct policy_doc doc;
    struct policy_ownids *ownids;
    json_t *self_ids;
    bool sector_ok; /* the sector has at least k member organisations */
    struct identity hub_id, sector_id;
    bool have_hub, have_sector;
};

static void source_clear(struct source *src)
{
    store_org_clear(&src->org);
    policy_doc_clear(&src->doc);
    policy_ownids_free(src->ownids);
    json_decref(src->self_ids);
    free(src->hub_id.json);
    free(src->sector_id.json);
}

/* The identity that stands for the contributor in mode (SECTOR or ANONYMOUS). */
static int replacement(struct rk_hub *hub, struct source *src, int mode, struct identity **out,
                       const char **what, struct rk_err *err)
{
    int rc = 0;
    if (mode == STORE_ANON_SECTOR && src->sector_ok) {
        if (!src->have_sector) {
            char key[128], disp[160], name[256];
            snprintf(key, sizeof(key), "sector_identity:%s", src->org.sector);
            sector_display(hub->store, src->org.sector, disp, sizeof(disp));
            snprintf(name, sizeof(name), "An organisation in the %s sector", disp);
            rc = identity_get(hub->store, key, NULL, name, "class", &src->sector_id, err);
            if (rc != 0)
                return rc;
            src->have_sector = true;
        }
        *out = &src->sector_id;
        *what = "sector identity";
        return 0;
    }
    if (!src->have_hub) {
        char key[STIX_ID_MAX + 32];
        const char *title = hub->title[0] != '\0' ? hub->title : "renkei hub";
        if (hub->identity_id[0] == '\0')
            return rk_err_set(err, RK_E_INTERNAL,
                              "the hub has no identity (settings hub_identity)");
        snprintf(key, sizeof(key), "identity_object:%s", hub->identity_id);
        rc = identity_get(hub->store, key, hub->identity_id, title, "organization", &src->hub_id,
                          err);
        if (rc != 0)
            return rc;
        src->have_hub = true;
    }
    *out = &src->hub_id;
    *what = "hub identity";
    return 0;
}

static int source_load(struct rk_hub *hub, const struct policy_principal *who,
                       const json_t *objects, struct source *src, struct rk_err *err)
{
    int64_t members = 0;
    int rc = store_org_get(hub->store, who->org_id, &src->org, err);
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_FORBIDDEN, "the posting organisation no longer exists");
    if (rc != 0)
        return rc;
    rc = policy_doc_load(hub->store, &src->doc, err);
    if (rc != 0)
        return rc;
    /* Fail closed: a registered list that no longer parses must not let values through. */
    rc = policy_ownids_parse(src->org.own_identifiers, &src->ownids, err);
    if (rc != 0)
        return rk_err_set(err, RK_E_INTERNAL, "organisation '%s': %s", src->org.name, err->msg);
    src->self_ids = policy_anon_self_ids(objects, src->org.identity_id, src->org.name, src->ownids);
    rc = store_org_count_sector(hub->store, src->org.sector, &members, err);
    if (rc != 0)
        return rc;
    src->sector_ok = members >= src->doc.sector_k;
    return 0;
}

/* Runs one object through the pipeline up to (not including) the store. Returns 0 with
 * *keep telling whether p is to be stored; negative only for store errors. */
static int prepare(struct rk_hub *hub, struct source *src, int base_mode,
                   const struct store_collection *c, const json_t *o, struct policy_ingest_item *it,
                   struct pending *p, bool *keep, struct rk_err *err)
{
    struct rk_err e2;
    json_t *work = NULL, *actions = json_array();
    struct rk_buf recips = RK_BUF_INIT;
    struct policy_anon anon;
    struct policy_anon_result res;
    struct identity *rep = NULL;
    const char *rep_what = NULL;
    char smsg[256];
    int mode = base_mode;
    int rc = 0;

    *keep = false;
    rk_err_clear(&e2);
    if (stix_validate(o, &e2) < 0 || stix_meta_get(o, &p->meta, &e2) < 0) {
        fail(it, "%s", e2.msg[0] ? e2.msg : "invalid STIX object");
        goto out;
    }
    copy_str(it->version, sizeof(it->version), p->meta.version_text);
    p->original = stix_canonical(o, &p->original_len);
    work = json_deep_copy(o);

    const json_t *am = json_object_get(work, POLICY_PROP_ANONYMITY);
    if (am != NULL) {
        int m = policy_anonymity_parse(json_string_value(am));
        if (m < 0) {
            fail(it, "%s must be named, sector or anonymous", POLICY_PROP_ANONYMITY);
            goto out;
        }
        mode = max_int(mode, m);
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
        json_object_del(work, POLICY_PROP_RECIPIENTS);
        json_array_append_new(actions, json_string("removed " POLICY_PROP_RECIPIENTS));
    }
    /* A sector below k would re-identify its members: treated (and recorded) as anonymous. */
    if (mode == STORE_ANON_SECTOR && !src->sector_ok)
        mode = STORE_ANON_ANONYMOUS;
    p->mode = mode;

    policy_scope_decide(&src->doc, work, src->org.sector, c, &p->dec, &e2);

    if (mode >= STORE_ANON_SECTOR) {
        rc = replacement(hub, src, mode, &rep, &rep_what, err);
        if (rc != 0)
            goto out;
    }
    memset(&anon, 0, sizeof(anon));
    anon.mode = mode;
    anon.replacement_id = rep != NULL ? rep->id : NULL;
    anon.replacement_what = rep_what;
    anon.self_ids = src->self_ids;
    anon.ownids = src->ownids;
    anon.remove_properties = &src->doc.remove_properties;
    anon.redact = src->doc.own_identifiers == POLICY_OWNID_REDACT;
    policy_anonymise(work, &anon, actions, &res);
    if (res.outcome == POLICY_ANON_REFUSE) {
        fail(it, "%s", res.message);
        goto out;
    }
    if (res.outcome == POLICY_ANON_DROP) {
        it->ok = true;
        copy_str(it->message, sizeof(it->message), res.message);
        goto out;
    }
    if (res.uses_replacement && rep != NULL)
        rep->needed = true;

    if (p->dec.assigned && policy_tlp_mark(work, p->dec.tlp, &e2) != 0) {
        fail(it, "%s", e2.msg);
        goto out;
    }
    rk_err_clear(&e2);
    if (stix_validate(work, &e2) < 0 || stix_meta_get(work, &p->meta, &e2) < 0) {
        fail(it, "refused: invalid after anonymisation: %.400s", e2.msg);
        goto out;
    }
    p->json = stix_canonical(work, &p->len);
    p->actions = json_dumps(actions, JSON_COMPACT);
    p->recipients = rk_buf_steal(&recips);
    p->joins = joins_of(work);
    policy_scope_message(&p->dec, smsg, sizeof(smsg));
    p->message[0] = '\0';
    if (smsg[0] != '\0')
        copy_str(p->message, sizeof(p->message), smsg);
    if (res.message[0] != '\0') {
        size_t n = strlen(p->message);
        snprintf(p->message + n, sizeof(p->message) - n, "%s%s", n > 0 ? "; " : "", res.message);
    }
    *keep = true;
out:
    rk_buf_free(&recips);
    json_decref(actions);
    json_decref(work);
    return rc;
}

static void pending_free(struct pending *p)
{
    free(p->json);
    free(p->original);
    free(p->actions);
    free(p->recipients);
    free(p->joins);
}

static void identity_put(struct store_put *put, struct identity *id)
{
    memset(put, 0, sizeof(*put));
    put->id = id->id;
    put->type = "identity";
    put->spec_version = "2.1";
    put->version = -1;
    put->json = id->json;
    put->json_len = strlen(id->json);
    put->access.tlp = POLICY_TLP_CLEAR;
    put->access.rule = "hub-identity";
    put->anonymity = STORE_ANON_NAMED;
}

int policy_ingest(struct rk_hub *hub, const struct policy_principal *who,
                  const struct store_collection *c, int requested_anonymity, json_t *objects,
                  struct policy_ingest_item *items, struct rk_err *err)
{
    struct source src;
    size_t total = json_array_size(objects);
    struct pending *p = rk_calloc(total + 1, sizeof(*p));
    struct store_put *puts = rk_calloc(total + 2, sizeof(*puts));
    size_t n = 0, n_puts = 0;
    int base_mode;
    int rc;

    memset(&src, 0, sizeof(src));
    for (size_t i = 0; i < total; i++) {
        const json_t *o = json_array_get(objects, i);
        const char *oid = json_is_object(o) ? json_string_value(json_object_get(o, "id")) : NULL;
        memset(&items[i], 0, sizeof(items[i]));
        if (oid == NULL || strlen(oid) > STIX_ID_MAX)
            snprintf(items[i].id, sizeof(items[i].id), "objects[%zu]", i);
        else
            copy_str(items[i].id, sizeof(items[i].id), oid);
    }
    if (who == NULL || !who->authenticated) {
        rc = rk_err_set(err, RK_E_FORBIDDEN, "only member organisations may post");
        goto out;
    }
    rc = source_load(hub, who, objects, &src, err);
    if (rc != 0)
        goto out;
    base_mode = max_int(src.org.anonymity, max_int(who->token_anonymity, requested_anonymity));
    if (base_mode > STORE_ANON_ANONYMOUS)
        base_mode = STORE_ANON_ANONYMOUS;

    for (size_t i = 0; i < total; i++) {
        const json_t *o = json_array_get(objects, i);
        bool keep = false;
        if (!json_is_object(o)) {
            fail(&items[i], "%s", "not a JSON object");
            continue;
        }
        p[n].item = i;
        rc = prepare(hub, &src, base_mode, c, o, &items[i], &p[n], &keep, err);
        if (rc != 0)
            goto out;
        if (keep)
            n++;
        else
            pending_free(&p[n]), memset(&p[n], 0, sizeof(p[n]));
    }

    /* The identities that rewritten objects point to go first, so a reader paging by
     * date_added meets them before the objects that reference them. */
    if (src.have_hub && src.hub_id.needed)
        identity_put(&puts[n_puts++], &src.hub_id);
    if (src.have_sector && src.sector_id.needed)
        identity_put(&puts[n_puts++], &src.sector_id);
    size_t first = n_puts;
    for (size_t i = 0; i < n; i++) {
        struct store_put *put = &puts[n_puts++];
        put->id = p[i].meta.id;
        put->type = p[i].meta.type;
        put->spec_version = p[i].meta.spec_version;
        put->version = p[i].meta.version;
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
        put->token_hash = who->token_hash;
        put->anonymity = p[i].mode;
        put->actions = p[i].actions;
    }
    if (n_puts > 0) {
        struct rk_err e2;
        rk_err_clear(&e2);
        rc = store_put_objects(hub->store, c->id, puts, n_puts, &e2);
        if (rc < 0) {
            rk_err_set(err, rc, "store: %s", e2.msg);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct store_put *put = &puts[first + i];
        struct policy_ingest_item *it = &items[p[i].item];
        if (it->version[0] == '\0')
            rk_time_format(put->version_out, it->version);
        if (put->result == STORE_PUT_CONFLICT) {
            fail(it, "%s",
                 "conflict: a different object with this id and version is already stored; "
                 "the first was kept");
        } else {
            it->ok = true;
            copy_str(it->message, sizeof(it->message),
                     put->result == STORE_PUT_DUP ? "already stored" : p[i].message);
        }
    }
    credit_events(hub->store, &src.org, p, puts + first, n, objects);
    {
        struct rk_err e2;
        rk_err_clear(&e2);
        if (audit_writes(hub->store, who, c, p, puts + first, n, &e2) != 0)
            rk_log(RK_LOG_ERROR, "ingest: write audit entry failed: %s", e2.msg);
    }
    rc = 0;
out:
    for (size_t i = 0; i <= total; i++)
        pending_free(&p[i]);
    free(p);
    free(puts);
    source_clear(&src);
    return rc;
}
