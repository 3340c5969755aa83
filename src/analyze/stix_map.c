/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_map.c: which STIX Cyber-observable properties hold an observable we index, and as
 * which type: the object type and property path of a pattern comparison or an SCO property.
 */
#include <string.h>
#include <strings.h>

#include "analyze/analyze_int.h"

/* Properties whose value is one observable. */
static const struct {
    const char *object_type;
    const char *property;
    enum analyze_obs_type hint;
} value_props[] = {
    /* STIX 2.1 6.4.1: an ipv4-addr or ipv6-addr value may be a CIDR block. */
    {"ipv4-addr", "value", ANALYZE_OBS_CIDR4},    {"ipv6-addr", "value", ANALYZE_OBS_CIDR6},
    {"domain-name", "value", ANALYZE_OBS_DOMAIN}, {"url", "value", ANALYZE_OBS_URL},
    {"email-addr", "value", ANALYZE_OBS_EMAIL},   {"autonomous-system", "number", ANALYZE_OBS_ASN},
};

/* Objects whose hashes dictionary we index (hashes-type, STIX 2.1 2.7). */
static const char *const hashed_objects[] = {"file", "artifact", "x509-certificate"};

static const struct {
    const char *name;
    enum analyze_obs_type type;
} hash_names[] = {
    {"MD5", ANALYZE_OBS_MD5},
    {"SHA-1", ANALYZE_OBS_SHA1},
    {"SHA-256", ANALYZE_OBS_SHA256},
    {"SHA-512", ANALYZE_OBS_SHA512},
};

/* The hash type named by the path "hashes.NAME" or "hashes.'NAME'", or ANALYZE_OBS_ANY. */
static enum analyze_obs_type hash_path(const char *path)
{
    if (strncmp(path, "hashes.", 7) != 0)
        return ANALYZE_OBS_ANY;
    const char *name = path + 7;
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '\'' && name[n - 1] == '\'') {
        name++;
        n -= 2;
    }
    for (size_t i = 0; i < sizeof hash_names / sizeof hash_names[0]; i++)
        if (strlen(hash_names[i].name) == n && strncasecmp(hash_names[i].name, name, n) == 0)
            return hash_names[i].type;
    return ANALYZE_OBS_ANY;
}

int analyze_observable_from_stix(const char *object_type, const char *property_path,
                                 const char *value, struct analyze_observable *out,
                                 struct rk_err *err)
{
    enum analyze_obs_type hint = ANALYZE_OBS_ANY;
    for (size_t i = 0; i < sizeof value_props / sizeof value_props[0]; i++)
        if (strcmp(object_type, value_props[i].object_type) == 0 &&
            strcmp(property_path, value_props[i].property) == 0)
            hint = value_props[i].hint;
    for (size_t i = 0; i < sizeof hashed_objects / sizeof hashed_objects[0]; i++)
        if (strcmp(object_type, hashed_objects[i]) == 0)
            hint = hash_path(property_path);
    if (hint == ANALYZE_OBS_ANY)
        return ANALYZE_NOT_INDEXED;
    return analyze_observable_parse(value, strlen(value), hint, out, err);
}
