/* SPDX-License-Identifier: Apache-2.0 */
/*
 * types_meta.c: the STIX Meta Objects (section 7): marking-definition (statement and TLP
 * 1.0 definitions, or extension-based markings such as TLP 2.0), language-content and
 * extension-definition.
 */
#include <string.h>

#include "stix/stix_int.h"

static const char *const to_identity[] = {"identity", NULL};

static const struct stix_prop marking_definition[] = {
    STIX_STR("name", false), STIX_STR("definition_type", false), STIX_DICT("definition", false)};

/* The four TLP 1.0 marking definitions of section 7.2.1.4; no other may be created. */
static const struct {
    const char *level;
    const char *id;
} tlp1[] = {
    {"white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
    {"green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {"amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
    {"red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"},
};

static int tlp1_check(struct stix_vctx *v, const json_t *def)
{
    const char *level = json_string_value(json_object_get(def, "tlp"));

    if (level == NULL)
        return stix_fail(v, "definition", "a tlp definition needs a string tlp");
    for (size_t i = 0; i < STIX_NELEM(tlp1); i++) {
        if (strcmp(level, tlp1[i].level) != 0)
            continue;
        if (strcmp(v->id, tlp1[i].id) != 0)
            return stix_fail(v, "id", "TLP %s must be the standard marking %s", level, tlp1[i].id);
        return 0;
    }
    return stix_fail(v, "definition", "tlp must be white, green, amber or red");
}

static int marking_check(struct stix_vctx *v)
{
    const json_t *dt = stix_get(v, "definition_type");
    const json_t *def = stix_get(v, "definition");
    const char *type;

    if (dt == NULL) {
        if (def != NULL)
            return stix_fail(v, "definition_type", "is required when definition is present");
        if (stix_get(v, "extensions") == NULL)
            return stix_fail(v, "definition_type",
                             "definition_type and definition, or extensions, are required");
        return 0;
    }
    if (def == NULL)
        return stix_fail(v, "definition", "is required when definition_type is present");
    type = json_string_value(dt);
    if (strcmp(type, "tlp") == 0)
        return tlp1_check(v, def);
    if (strcmp(type, "statement") == 0 && !json_is_string(json_object_get(def, "statement")))
        return stix_fail(v, "definition", "a statement definition needs a string statement");
    return 0;
}

static const struct stix_prop language_content[] = {STIX_REF("object_ref", true, STIX_T_ANY, NULL),
                                                    STIX_TS("object_modified", false),
                                                    STIX_DICT("contents", true)};

static int language_content_check(struct stix_vctx *v)
{
    const json_t *contents = stix_get(v, "contents");
    const char *lang;
    const json_t *tr;

    /* contents maps language codes to dictionaries of translated properties. */
    json_object_foreach((json_t *)contents, lang, tr)
    {
        if (!json_is_object(tr) || json_object_size(tr) == 0)
            return stix_fail(v, "contents", "'%.40s' must be a non-empty dictionary", lang);
    }
    return 0;
}

static const struct stix_prop extension_definition[] = {
    STIX_REF("created_by_ref", true, 0, to_identity),
    STIX_STR("name", true),
    STIX_STR("description", false),
    STIX_STR("schema", true),
    STIX_STR("version", true),
    STIX_ENUMS("extension_types", true, stix_extension_types),
    STIX_LIST("extension_properties", false)};

static int extension_definition_check(struct stix_vctx *v)
{
    const json_t *types = stix_get(v, "extension_types");
    size_t i;
    const json_t *t;

    if (stix_get(v, "extension_properties") == NULL)
        return 0;
    json_array_foreach(types, i, t)
    {
        if (strcmp(json_string_value(t), "toplevel-property-extension") == 0)
            return 0;
    }
    return stix_fail(v, "extension_properties",
                     "is only allowed with extension type toplevel-property-extension");
}

/* Sorted by name for bsearch (a unit test checks the order). */
const struct stix_type stix_meta_types[] = {
    {"extension-definition", STIX_EXTDEF, extension_definition, STIX_NELEM(extension_definition),
     extension_definition_check},
    {"language-content", STIX_LANG, language_content, STIX_NELEM(language_content),
     language_content_check},
    {"marking-definition", STIX_MARKING, marking_definition, STIX_NELEM(marking_definition),
     marking_check},
};
const size_t stix_meta_ntypes = STIX_NELEM(stix_meta_types);
