/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c: the rules every STIX object shares: identifier, spec_version, created and
 * modified, the optional common properties (markings, external references, labels,
 * confidence...), property names and reserved names, the _ref/_refs/_bin/_hex suffix rules
 * and the extensions dictionary.
 */
#include <stdio.h>
#include <string.h>

#include "stix/stix_int.h"

static const char *const to_identity[] = {"identity", NULL};
static const char *const to_marking[] = {"marking-definition", NULL};
const char *const stix_extension_types[] = {
    "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension", NULL};

/* The optional common properties, checked on every object that carries them. */
static const struct stix_prop common_props[] = {
    {"created_by_ref", STIX_PK_REF, false, 0, to_identity, 0, -1, NULL},
    {"revoked", STIX_PK_BOOL, false, 0, NULL, 0, -1, NULL},
    {"labels", STIX_PK_STRLIST, false, 0, NULL, 0, -1, NULL},
    {"confidence", STIX_PK_INT, false, 0, NULL, 0, 100, NULL},
    {"lang", STIX_PK_STR, false, 0, NULL, 0, -1, NULL},
    {"external_references", STIX_PK_OBJLIST, false, 0, NULL, 0, -1, NULL},
    {"object_marking_refs", STIX_PK_REFS, false, 0, to_marking, 0, -1, NULL},
    {"granular_markings", STIX_PK_OBJLIST, false, 0, NULL, 0, -1, NULL},
    {"defanged", STIX_PK_BOOL, false, 0, NULL, 0, -1, NULL},
    {"extensions", STIX_PK_DICT, false, 0, NULL, 0, -1, NULL},
};

/* Room for a member's name in messages ("extensions.<ext>.<member>", each part cut). */
#define MEMBER_NAME_MAX 320

/* Names that section 3.8 reserves: no object may carry them. */
static const char *const reserved_names[] = {"action", "phone_number", "severity", "username"};

/* True if name, of n bytes before its NUL, is reserved (compared only at equal length). */
static bool is_reserved(const char *name, size_t n)
{
    static const size_t lens[] = {6, 12, 8, 8};
    _Static_assert(STIX_NELEM(lens) == STIX_NELEM(reserved_names), "a length per name");

    for (size_t i = 0; i < STIX_NELEM(reserved_names); i++)
        if (lens[i] == n && memcmp(name, reserved_names[i], n) == 0)
            return true;
    return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t sn)
{
    return n >= sn && memcmp(s + n - sn, suffix, sn) == 0;
}

static int check_id(struct stix_vctx *v)
{
    const json_t *id = stix_get(v, "id");
    size_t tl;

    if (id == NULL)
        return stix_fail(v, "id", "is required");
    if (!json_is_string(id) || json_string_length(id) > STIX_ID_MAX ||
        !stix_id_okn(json_string_value(id), json_string_length(id), &tl))
        return stix_fail(v, "id", "must be <type>--<UUID>, not '%.80s'",
                         json_is_string(id) ? json_string_value(id) : "(not a string)");
    if (tl != strlen(v->type) || memcmp(json_string_value(id), v->type, tl) != 0)
        return stix_fail(v, "id", "must start with the object's type '%.64s--'", v->type);
    v->id = json_string_value(id);
    return 0;
}

/* created / modified: present when required, millisecond precision, modified >= created. */
static int check_versions(struct stix_vctx *v, bool need_created, bool need_modified)
{
    static const char *const names[2] = {"created", "modified"};
    const bool need[2] = {need_created, need_modified};
    rk_time_us t[2] = {0, 0};
    bool have[2];

    for (int i = 0; i < 2; i++) {
        const json_t *val = stix_get(v, names[i]);
        have[i] = val != NULL;
        if (val == NULL) {
            if (need[i])
                return stix_fail(v, names[i], "is required");
            continue;
        }
        if (!json_is_string(val) || rk_time_parse(json_string_value(val), &t[i]) != 0)
            return stix_fail(v, names[i], "must be an RFC 3339 UTC timestamp");
        if (rk_time_precision(json_string_value(val)) < 3)
            return stix_fail(v, names[i], "must be precise to at least the millisecond");
    }
    if (have[0] && have[1] && t[1] < t[0])
        return stix_fail(v, "modified", "must not be earlier than created");
    return 0;
}

static int check_external_references(struct stix_vctx *v, const json_t *list)
{
    size_t i;
    const json_t *er;

    json_array_foreach(list, i, er)
    {
        const json_t *h = json_object_get(er, "hashes");
        if (!json_is_string(json_object_get(er, "source_name")))
            return stix_fail(v, "external_references", "item %zu needs a string source_name", i);
        if (json_object_get(er, "description") == NULL && json_object_get(er, "url") == NULL &&
            json_object_get(er, "external_id") == NULL)
            return stix_fail(v, "external_references",
                             "item %zu needs description, url or external_id", i);
        if (h != NULL) {
            int rc = stix_check_hashes(v, "external_references", h);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int check_granular_markings(struct stix_vctx *v, const json_t *list)
{
    static const struct stix_prop mref = {"granular_markings", STIX_PK_REF, false, 0,
                                          to_marking,          0,           -1,    NULL};
    size_t i, j;
    const json_t *gm, *sel;

    json_array_foreach(list, i, gm)
    {
        const json_t *sels = json_object_get(gm, "selectors");
        const json_t *ref = json_object_get(gm, "marking_ref");
        const json_t *lang = json_object_get(gm, "lang");
        if (!json_is_array(sels) || json_array_size(sels) == 0)
            return stix_fail(v, "granular_markings", "item %zu needs non-empty selectors", i);
        json_array_foreach(sels, j, sel)
        {
            if (!json_is_string(sel) || json_string_length(sel) == 0)
                return stix_fail(v, "granular_markings", "item %zu: selectors must be strings", i);
        }
        if ((ref == NULL) == (lang == NULL))
            return stix_fail(v, "granular_markings",
                             "item %zu needs exactly one of marking_ref and lang", i);
        if (ref != NULL) {
            int rc = stix_check_value(v, &mref, ref);
            if (rc != 0)
                return rc;
        } else if (!json_is_string(lang)) {
            return stix_fail(v, "granular_markings", "item %zu: lang must be a string", i);
        }
    }
    return 0;
}

/* True if name is one of the common properties of section 3.2. */
static bool is_common(const char *name)
{
    static const char *const base[] = {"type", "id", "spec_version", "created", "modified"};

    for (size_t i = 0; i < STIX_NELEM(base); i++)
        if (strcmp(name, base[i]) == 0)
            return true;
    for (size_t i = 0; i < STIX_NELEM(common_props); i++)
        if (strcmp(name, common_props[i].name) == 0)
            return true;
    return false;
}

/* Section 11.2: a custom object must have one or more properties of its own. */
static int check_custom_has_own(struct stix_vctx *v)
{
    const char *key;
    const json_t *val;

    if (v->indexed) {
        for (size_t i = 0; i < v->nmembers; i++)
            if (!is_common(v->members[i].key))
                return 0;
    } else {
        json_object_foreach((json_t *)v->obj, key, val)
        {
            if (!is_common(key))
                return 0;
        }
    }
    return stix_fail(v, "type", "a custom object needs at least one property of its own");
}

int stix_check_common(struct stix_vctx *v, enum stix_kind kind, bool custom)
{
    const json_t *sv = stix_get(v, "spec_version");
    const json_t *val;
    int rc;

    rc = check_id(v);
    if (rc != 0)
        return rc;
    if (sv == NULL && kind != STIX_SCO)
        return stix_fail(v, "spec_version", "is required");
    if (sv != NULL && (!json_is_string(sv) || strcmp(json_string_value(sv), "2.1") != 0))
        return stix_fail(v, "spec_version", "must be \"2.1\"");
    rc = check_versions(v, kind != STIX_SCO,
                        kind == STIX_SDO || kind == STIX_SRO || kind == STIX_LANG ||
                            kind == STIX_EXTDEF);
    if (rc != 0)
        return rc;
    rc = stix_check_props(v, v->obj, common_props, sizeof common_props / sizeof common_props[0]);
    if (rc != 0)
        return rc;
    val = stix_get(v, "external_references");
    if (val != NULL && (rc = check_external_references(v, val)) != 0)
        return rc;
    val = stix_get(v, "granular_markings");
    if (val != NULL && (rc = check_granular_markings(v, val)) != 0)
        return rc;
    val = stix_get(v, "extensions");
    if (val != NULL && (rc = stix_check_extensions(v, val)) != 0)
        return rc;
    return custom ? check_custom_has_own(v) : 0;
}

/*
 * Applies the rules on names and suffixes to one member, key and val, of the object itself
 * (where NULL) or of the extension called where; buf is the caller's room for the name in
 * messages. ref_ok (refs_ok) says val passed a table row of kind STIX_PK_REF (REFS): the
 * row's check includes the suffix rule's (an identifier, or a non-empty list of them, of
 * any target), which is then skipped.
 */
static int check_member(struct stix_vctx *v, const char *key, const json_t *val, const char *where,
                        char buf[MEMBER_NAME_MAX], bool ref_ok, bool refs_ok)
{
    static const struct stix_prop any_ref = {"", STIX_PK_REF, false, STIX_T_ANY, NULL, 0, -1, NULL};
    size_t n = strlen(key);
    struct stix_prop p = any_ref;
    const char *name = key;
    int rc = 0;

    /* The name in messages: the key itself unless it is an extension's member or too
     * long (no snprintf per member: it was a third of this function's cost). */
    if (where != NULL)
        snprintf(buf, MEMBER_NAME_MAX, "extensions.%.120s.%.120s", where, key);
    else if (n > 250)
        snprintf(buf, MEMBER_NAME_MAX, "%.250s", key);
    if (where != NULL || n > 250)
        name = buf;
    p.name = name;
    if (!stix_prop_name_okn(key, n))
        return stix_fail(v, name,
                         "name must be 3-250 characters of a-z, 0-9 and _, starting with a "
                         "letter");
    if (is_reserved(key, n))
        return stix_fail(v, name, "is a reserved name (section 3.8)");
    if (json_is_array(val) && json_array_size(val) == 0)
        return stix_fail(v, name, "must not be an empty list");
    if (ends_with(key, n, "_ref", 4)) {
        if (!ref_ok)
            rc = stix_check_value(v, &p, val);
    } else if (ends_with(key, n, "_refs", 5)) {
        p.kind = STIX_PK_REFS;
        if (!refs_ok)
            rc = stix_check_value(v, &p, val);
    } else if (ends_with(key, n, "_bin", 4)) {
        if (!json_is_string(val) || !stix_base64_ok(json_string_value(val)))
            rc = stix_fail(v, name, "must be base64 (RFC 4648)");
    } else if (ends_with(key, n, "_hex", 4)) {
        if (!json_is_string(val) || !stix_hex_ok(json_string_value(val)))
            rc = stix_fail(v, name, "must be an even number of hexadecimal digits");
    }
    return rc;
}

/*
 * Applies check_member to the members of o in jansson's order (by the index when o is the
 * object itself). where is NULL for the object itself, or the extension name for the
 * members of an extension.
 */
static int check_members(struct stix_vctx *v, const json_t *o, const char *where)
{
    const char *key;
    const json_t *val;
    char buf[MEMBER_NAME_MAX];
    int rc;

    if (o == v->obj && v->indexed) {
        for (size_t i = 0; i < v->nmembers; i++) {
            rc = check_member(v, v->members[i].key, v->members[i].value, where, buf,
                              (v->ref_ok >> i) & 1, (v->refs_ok >> i) & 1);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    json_object_foreach((json_t *)o, key, val)
    {
        rc = check_member(v, key, val, where, buf, false, false);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int stix_check_names(struct stix_vctx *v)
{
    return check_members(v, v->obj, NULL);
}

int stix_check_extensions(struct stix_vctx *v, const json_t *ext)
{
    const char *key;
    const json_t *val;

    json_object_foreach((json_t *)ext, key, val)
    {
        size_t n = strlen(key);
        bool defined = rk_starts_with(key, "extension-definition--");
        int rc;

        if (defined) {
            size_t tl;
            const json_t *et = json_object_get(val, "extension_type");
            if (!stix_id_ok(key, &tl))
                return stix_fail(v, "extensions", "key '%.80s' is not a valid identifier", key);
            if (!json_is_object(val))
                return stix_fail(v, "extensions", "'%.80s' must be an object", key);
            if (et == NULL)
                return stix_fail(v, "extensions", "'%.80s' needs extension_type", key);
            if (!json_is_string(et))
                return stix_fail(v, "extensions", "'%.80s': extension_type must be a string", key);
            for (size_t i = 0;; i++) {
                if (stix_extension_types[i] == NULL)
                    return stix_fail(v, "extensions",
                                     "'%.80s': extension_type must be one of extension-type-enum",
                                     key);
                if (strcmp(stix_extension_types[i], json_string_value(et)) == 0)
                    break;
            }
        } else {
            /* Section 11.3: named (non-definition) extensions exist only on SCOs. */
            if (v->kind != STIX_SCO)
                return stix_fail(v, "extensions",
                                 "key '%.80s' must be extension-definition--<UUID> (named "
                                 "extensions are for SCOs only)",
                                 key);
            if (!stix_type_name_ok(key, n) || !ends_with(key, n, "-ext", 4))
                return stix_fail(v, "extensions",
                                 "key '%.80s' must be extension-definition--<UUID> or a name "
                                 "ending in -ext",
                                 key);
            if (!json_is_object(val) || json_object_size(val) == 0)
                return stix_fail(v, "extensions", "'%.80s' must be a non-empty object", key);
            /* A predefined extension of the object's type (section 6) has its table. */
            const struct stix_sub *sub = stix_sco_extension(v->type, strlen(v->type), key, n);
            if (sub != NULL) {
                char where[STIX_WHERE_MAX];
                snprintf(where, sizeof where, "extensions.%s", key);
                rc = stix_check_sub(v, where, val, sub);
                if (rc != 0)
                    return rc;
            }
        }
        rc = check_members(v, val, key);
        if (rc != 0)
            return rc;
    }
    return 0;
}
