/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_map.c: which STIX Cyber-observable properties hold an observable we index, and as
 * which type: the object type and property path of a pattern comparison or an SCO property;
 * and the walk over the observables an indicator or an SCO holds (analyze_observables_of).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyze/analyze_int.h"
#include "stix/stix.h"

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

/* ---- the observables an object holds ----------------------------------------------------- */

struct walk {
    analyze_obs_fn fn;
    void *ctx;
    struct analyze_observable obs; /* the current one (large: kept off each frame) */
    int stop;
};

/* Passes the observable of object_type:path = text, when it is one and valid. */
static int walk_value(struct walk *w, const char *object_type, const char *path, const char *text)
{
    if (w->stop == 0 && analyze_observable_from_stix(object_type, path, text, &w->obs, NULL) == 0)
        w->stop = w->fn(w->ctx, &w->obs);
    return w->stop;
}

/* A pattern comparison's value (stix_pattern_observables). */
static int walk_pattern_value(void *ctx, const char *type, const char *path,
                              const struct stix_pat_value *v)
{
    /* Strings, and integers for autonomous-system:number; NUL bytes never make a value. */
    if ((v->kind == STIX_PV_STRING || v->kind == STIX_PV_INT) && strlen(v->text) == v->len)
        return walk_value(ctx, type, path, v->text);
    return 0;
}

static void walk_pattern(struct walk *w, const json_t *indicator)
{
    const char *kind = json_string_value(json_object_get(indicator, "pattern_type"));
    const char *text = json_string_value(json_object_get(indicator, "pattern"));
    struct stix_pattern *tree = NULL;
    if (text == NULL || kind == NULL || strcmp(kind, "stix") != 0)
        return;
    if (stix_pattern_parse(text, &tree, NULL) != 0)
        return; /* an unreadable pattern holds nothing we can match */
    stix_pattern_observables(tree, walk_pattern_value, w);
    stix_pattern_free(tree);
}

static void walk_sco(struct walk *w, const char *type, const json_t *sco)
{
    static const char *const props[] = {"value", "number"};
    const json_t *hashes = json_object_get(sco, "hashes"), *h;
    const char *name;
    char path[96], num[32];

    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        const json_t *v = json_object_get(sco, props[i]);
        if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            walk_value(w, type, props[i], num);
        } else if (json_is_string(v)) {
            walk_value(w, type, props[i], json_string_value(v));
        }
    }
    json_object_foreach((json_t *)hashes, name, h)
    {
        if (!json_is_string(h) || strlen(name) > sizeof path - 8)
            continue;
        snprintf(path, sizeof path, "hashes.%s", name);
        if (walk_value(w, type, path, json_string_value(h)) != 0)
            return;
    }
}

bool analyze_sco_indexed(const char *type)
{
    static const char *const types[] = {"ipv4-addr", "ipv6-addr",  "domain-name",
                                        "url",       "email-addr", "autonomous-system",
                                        "file",      "artifact",   "x509-certificate"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            return true;
    return false;
}

void analyze_observables_of(const char *type, const json_t *obj, analyze_obs_fn fn, void *ctx)
{
    struct walk *w;

    if (type == NULL || (strcmp(type, "indicator") != 0 && !analyze_sco_indexed(type)))
        return;
    w = rk_malloc(sizeof(*w));
    w->fn = fn;
    w->ctx = ctx;
    w->stop = 0;
    if (strcmp(type, "indicator") == 0)
        walk_pattern(w, obj);
    else
        walk_sco(w, type, obj);
    free(w);
}
