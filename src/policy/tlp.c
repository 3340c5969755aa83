/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlp.c: the Traffic Light Protocol levels: the fixed ids of the TLP 1.0 and TLP 2.0 marking
 * definitions, level names, and labelling an object with the hub's TLP 2.0 marking. What an
 * object's markings add up to, aliases included, is markings.c's job.
 */
#include "policy/policy_int.h"

#include <ctype.h>
#include <strings.h>
#include <string.h>

struct tlp_id {
    const char *id;
    int tlp;
};

/* The fixed marking-definition ids of DOMAIN.md. */
static const struct tlp_id tlp_ids[] = {
    /* TLP 2.0 */
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", POLICY_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", POLICY_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", POLICY_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", POLICY_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", POLICY_TLP_RED},
    /* TLP 1.0 (WHITE is CLEAR) */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", POLICY_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", POLICY_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", POLICY_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", POLICY_TLP_RED},
};

/* Indexed by enum policy_tlp. */
static const char *const tlp_names[] = {"none", "clear", "green", "amber", "amber+strict", "red"};

int policy_tlp_of_marking(const char *marking_id)
{
    if (marking_id == NULL)
        return POLICY_TLP_NONE;
    /* Case-insensitive: a UUID's hex digits may be written in either case (RFC 4122, and
     * the validator accepts both), and a RED marking in upper case must not read as none. */
    /* The UUIDs' first digits differ enough to skip most comparisons (objects that carry a
     * marking mostly carry one that is not TLP, such as ATT&CK's copyright statement). */
    size_t at = sizeof("marking-definition--") - 1;
    if (strlen(marking_id) <= at)
        return POLICY_TLP_NONE;
    int first = tolower((unsigned char)marking_id[at]);
    for (size_t i = 0; i < sizeof(tlp_ids) / sizeof(tlp_ids[0]); i++)
        if (first == tlp_ids[i].id[at] && strcasecmp(marking_id, tlp_ids[i].id) == 0)
            return tlp_ids[i].tlp;
    return POLICY_TLP_NONE;
}

int policy_tlp_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int t = POLICY_TLP_CLEAR; t <= POLICY_TLP_RED; t++)
        if (strcasecmp(name, tlp_names[t]) == 0)
            return t;
    return -1;
}

const char *policy_tlp_name(int tlp)
{
    if (tlp < POLICY_TLP_NONE || tlp > POLICY_TLP_RED)
        return "?";
    return tlp_names[tlp];
}

const char *policy_tlp_marking_id(int tlp)
{
    /* The first five entries of tlp_ids are TLP 2.0, in level order. */
    if (tlp < POLICY_TLP_CLEAR || tlp > POLICY_TLP_RED)
        return NULL;
    return tlp_ids[tlp - POLICY_TLP_CLEAR].id;
}

int policy_tlp_marked(const json_t *obj, int tlp, bool *marked, struct rk_err *err)
{
    const char *id = policy_tlp_marking_id(tlp);
    const json_t *refs;

    *marked = false;
    if (id == NULL)
        return rk_err_set(err, RK_E_INVALID, "no TLP marking for level %d", tlp);
    if (!json_is_object(obj))
        return rk_err_set(err, RK_E_INVALID, "not a JSON object");
    refs = json_object_get(obj, "object_marking_refs");
    if (refs == NULL)
        return 0;
    if (!json_is_array(refs))
        return rk_err_set(err, RK_E_INVALID, "object_marking_refs is not an array");
    for (size_t i = 0; i < json_array_size(refs) && !*marked; i++) {
        const json_t *v = json_array_get(refs, i);
        *marked = json_is_string(v) && strcasecmp(json_string_value(v), id) == 0;
    }
    return 0;
}

int policy_tlp_mark(json_t *obj, int tlp, struct rk_err *err)
{
    bool marked;
    int rc = policy_tlp_marked(obj, tlp, &marked, err);
    if (rc != 0 || marked)
        return rc;
    json_t *refs = json_object_get(obj, "object_marking_refs");
    /* The key and the marking ids are ASCII constants: jansson need not check their UTF-8
     * (its check was half of this function's cost, once per stored object). */
    if (refs == NULL) {
        refs = json_array();
        if (json_object_set_new_nocheck(obj, "object_marking_refs", refs) != 0)
            return rk_err_set(err, RK_E_NOMEM, "cannot add object_marking_refs");
    }
    if (json_array_append_new(refs, json_string_nocheck(policy_tlp_marking_id(tlp))) != 0)
        return rk_err_set(err, RK_E_NOMEM, "cannot extend object_marking_refs");
    return 0;
}
