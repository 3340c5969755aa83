/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meta.c: stix_meta_get, what the store indexes about an object version: its id and type,
 * its spec_version and its TAXII version (modified, else created).
 */
#include <string.h>

#include "stix/stix_int.h"

/* stix_meta_get from the members it reads (each NULL when absent). */
int stix_meta_from(const json_t *id, const json_t *sv, const json_t *modified,
                   const json_t *created, struct stix_meta *meta, struct rk_err *err)
{
    const json_t *ver = modified;
    const char *name = "modified";
    size_t tl, n;

    memset(meta, 0, sizeof *meta);
    meta->version = -1;
    if (!json_is_string(id) || json_string_length(id) > STIX_ID_MAX ||
        !stix_id_okn(json_string_value(id), json_string_length(id), &tl))
        return rk_err_set(err, RK_E_INVALID, "object ?: property 'id': must be <type>--<UUID>");
    n = json_string_length(id);
    memcpy(meta->id, json_string_value(id), n);
    memcpy(meta->type, meta->id, tl);
    if (sv == NULL) {
        memcpy(meta->spec_version, "2.1", 4);
    } else if (!json_is_string(sv) || json_string_length(sv) >= sizeof meta->spec_version) {
        return rk_err_set(err, RK_E_INVALID, "%s: property 'spec_version': must be \"2.1\"",
                          meta->id);
    } else {
        memcpy(meta->spec_version, json_string_value(sv), json_string_length(sv) + 1);
    }
    if (ver == NULL) {
        ver = created;
        name = "created";
    }
    if (ver == NULL)
        return 0;
    if (!json_is_string(ver) || json_string_length(ver) >= sizeof meta->version_text ||
        rk_time_parse(json_string_value(ver), &meta->version) != 0) {
        meta->version = -1;
        return rk_err_set(err, RK_E_INVALID, "%s: property '%s': must be an RFC 3339 UTC timestamp",
                          meta->id, name);
    }
    memcpy(meta->version_text, json_string_value(ver), json_string_length(ver) + 1);
    return 0;
}

int stix_meta_get(const json_t *obj, struct stix_meta *meta, struct rk_err *err)
{
    return stix_meta_from(json_object_get(obj, "id"), json_object_get(obj, "spec_version"),
                          json_object_get(obj, "modified"), json_object_get(obj, "created"), meta,
                          err);
}
