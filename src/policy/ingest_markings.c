/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest_markings.c: the marking definitions an object refers to that its envelope does not
 * carry. A feed posts its definitions once and refers to them for months; the hub reads
 * them from the collection the post goes to, as far as the poster may see them there
 * (through the one access check, like any read), so that they count as readable in later
 * envelopes too.
 */
#include "policy/policy_int.h"

#include <string.h>

struct found {
    struct policy_marks *marks;
    bool any;
};

static int add_row(void *ctx, const struct store_row *row)
{
    struct found *f = ctx;
    json_t *o = row->json != NULL ? json_loadb(row->json, row->json_len, 0, NULL) : NULL;
    if (o != NULL) {
        policy_marks_add(f->marks, o);
        f->any = true;
    }
    json_decref(o);
    return 0;
}

/* Looks one id up in c (the latest version who may see) and adds what it finds to marks;
 * an id found nowhere is remembered as unreadable, so that it is looked up once. */
static int lookup(struct rk_hub *hub, const struct policy_principal *who,
                  const struct store_collection *c, struct policy_marks *marks, const char *id,
                  struct rk_err *err)
{
    struct policy_access_ctx ax;
    struct store_query q;
    struct store_page page;
    struct found f = {marks, false};
    const char *ids[1] = {id};
    int rc = policy_access_init(&ax, hub, who, c, "ingest-markings", err);

    if (rc == 0) {
        memset(&q, 0, sizeof(q));
        q.collection_id = c->id;
        q.added_after = -1;
        q.limit = 1;
        q.ids = ids;
        q.n_ids = 1;
        q.with_json = true;
        rc = policy_query(&ax, &q, add_row, &f, &page, err);
    }
    policy_access_clear(&ax);
    if (rc == 0 && !f.any)
        policy_marks_add_reading(marks, id, POLICY_MARK_UNREADABLE);
    return rc;
}

static int resolve_ref(struct rk_hub *hub, const struct policy_principal *who,
                       const struct store_collection *c, struct policy_marks *marks,
                       const json_t *ref, struct rk_err *err)
{
    const char *id = json_string_value(ref);
    bool standard;

    if (id == NULL || strlen(id) > STIX_ID_MAX || !rk_starts_with(id, "marking-definition--"))
        return 0;
    if (policy_marking_read(marks, id, &standard) != POLICY_MARK_UNREADABLE ||
        policy_marks_has(marks, id))
        return 0;
    return lookup(hub, who, c, marks, id, err);
}

int policy_marks_resolve(struct rk_hub *hub, const struct policy_principal *who,
                         const struct store_collection *c, struct policy_marks *marks,
                         const json_t *obj, struct rk_err *err)
{
    const json_t *refs = json_object_get(obj, "object_marking_refs");
    const json_t *granular = json_object_get(obj, "granular_markings");
    const json_t *v;
    size_t i;
    int rc = 0;

    json_array_foreach(refs, i, v)
    {
        rc = resolve_ref(hub, who, c, marks, v, err);
        if (rc != 0)
            return rc;
    }
    json_array_foreach(granular, i, v)
    {
        rc = resolve_ref(hub, who, c, marks, json_object_get(v, "marking_ref"), err);
        if (rc != 0)
            return rc;
    }
    return 0;
}
