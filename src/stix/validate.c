/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c: stix_validate, the entry point of STIX validation. It finds the type's table
 * by binary search, then applies the common rules, the type's table and cross-property
 * rules, and finally the rules on every property name. The first failure wins.
 */
#include <string.h>

#include "stix/stix_int.h"

/* Compares a (name, length) key with a table row for bsearch. */
struct type_key {
    const char *name;
    size_t n;
};

static int type_cmp(const void *key, const void *elem)
{
    const struct type_key *k = key;
    const char *name = ((const struct stix_type *)elem)->name;
    int c = strncmp(k->name, name, k->n);

    if (c != 0)
        return c;
    return name[k->n] == '\0' ? 0 : -1;
}

const struct stix_type *stix_type_find(const char *name, size_t n)
{
    static const struct {
        const struct stix_type *table;
        const size_t *count;
    } tables[] = {{stix_sdo_types, &stix_sdo_ntypes},
                  {stix_sco_types, &stix_sco_ntypes},
                  {stix_meta_types, &stix_meta_ntypes}};
    struct type_key k = {name, n};

    for (size_t i = 0; i < STIX_NELEM(tables); i++) {
        const struct stix_type *t =
            bsearch(&k, tables[i].table, *tables[i].count, sizeof(struct stix_type), type_cmp);
        if (t != NULL)
            return t;
    }
    return NULL;
}

void stix_vctx_index(struct stix_vctx *v)
{
    const char *key;
    size_t key_len;
    json_t *value;

    v->indexed = false;
    v->nmembers = 0;
    v->ref_ok = v->refs_ok = 0;
    if (json_object_size(v->obj) > STIX_MEMBERS_MAX)
        return;
    memset(v->slots, 0, sizeof(v->slots));
    /* The macro's iterator is not const-correct; the object is only read. */
    json_object_keylen_foreach((json_t *)v->obj, key, key_len, value)
    {
        if (v->nmembers == STIX_MEMBERS_MAX)
            return; /* cannot happen (the size was checked), but stay in bounds */
        unsigned h = stix_member_hash(key, key_len);
        while (v->slots[h] != 0)
            h = (h + 1) & (STIX_MEMBER_SLOTS - 1);
        v->members[v->nmembers] = (struct stix_member){key, key_len, value};
        v->slots[h] = (uint8_t)++v->nmembers;
    }
    v->indexed = v->nmembers == json_object_size(v->obj);
}

/* stix_validate with v as its state, whose index of obj stays usable afterwards. */
static int validate_in(struct stix_vctx *v, const json_t *obj, struct stix_warning *warn,
                       struct rk_err *err)
{
    const json_t *type;
    const struct stix_type *t;
    enum stix_kind kind;
    size_t n;
    int rc;

    /* Field by field: the index is large and needs no zeroing. */
    v->obj = obj;
    v->id = NULL;
    v->type = NULL;
    v->kind = STIX_SDO;
    v->err = err;
    v->warn = warn;
    v->keyrefs = false;
    v->indexed = false;
    v->nmembers = 0;
    v->ref_ok = v->refs_ok = 0;
    if (!json_is_object(obj))
        return rk_err_set(err, RK_E_INVALID, "object ?: must be a JSON object");
    stix_vctx_index(v);
    type = stix_get(v, "type");
    if (type == NULL)
        return stix_fail(v, "type", "is required");
    if (!json_is_string(type))
        return stix_fail(v, "type", "must be a string");
    v->type = json_string_value(type);
    n = json_string_length(type);
    if (!stix_type_name_ok(v->type, n) || strlen(v->type) != n)
        return stix_fail(v, "type",
                         "must be 3-250 characters of a-z, 0-9 and single hyphens inside, "
                         "starting with a letter");
    if (strcmp(v->type, "bundle") == 0)
        return stix_fail(v, "type", "a bundle is not a STIX object; send the objects it contains");
    t = stix_type_find(v->type, n);
    /* A custom type with created is an SDO-like object; without, it is SCO-like (2.1). */
    if (t != NULL)
        kind = t->kind;
    else
        kind = stix_get(v, "created") != NULL ? STIX_SDO : STIX_SCO;
    v->kind = kind;
    rc = stix_check_common(v, kind, t == NULL);
    if (rc == 0 && t != NULL)
        rc = stix_check_props(v, obj, t->props, t->nprops);
    if (rc == 0 && t != NULL && t->check != NULL)
        rc = t->check(v);
    if (rc == 0)
        rc = stix_check_names(v);
    if (rc == 0)
        rk_err_clear(err);
    return rc;
}

int stix_validate(const json_t *obj, struct rk_err *err)
{
    struct stix_vctx v;
    return validate_in(&v, obj, NULL, err);
}

int stix_validate_meta(const json_t *obj, struct stix_meta *meta, struct rk_err *err)
{
    struct stix_vctx v;
    struct stix_warning warn;
    int rc;

    warn.msg[0] = '\0';
    warn.count = 0;
    rc = validate_in(&v, obj, &warn, err);
    if (rc != 0)
        return rc;
    /* The members through the validation's index rather than four jansson lookups. */
    rc = stix_meta_from(stix_get(&v, "id"), stix_get(&v, "spec_version"), stix_get(&v, "modified"),
                        stix_get(&v, "created"), meta, err);
    if (rc == 0 && warn.count > 0)
        meta->warning = warn;
    return rc;
}
