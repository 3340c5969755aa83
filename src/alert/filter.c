/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filter.c: subscription filters (docs/alerts.md, "Filters"): checked when a subscription is
 * made (alert_filter_check, errors naming the member), compiled once when the matcher loads
 * the subscriptions, and evaluated against each stored version. Members are ANDed, values
 * inside a list ORed. The "pattern" member is a STIX pattern evaluated over what the object
 * mentions (struct alert_obs_set); filter_pattern.c holds that part.
 */
#include "alert/alert_int.h"
#include "alert/match_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/analyze.h"
#include "policy/scope.h"

/* Most values in one list member. */
#define FILTER_LIST_MAX 256

struct alert_filter {
    json_t *types, *collections, *labels, *techniques, *sectors; /* NULL: no constraint */
    unsigned tlp_mask;                                           /* 0: no constraint */
    int severity_min;                                            /* -1: none */
    bool correlations, watchlist;
    struct alert_pattern *pattern; /* NULL: none */
};

static const char *const members[] = {
    "types",        "collections",  "tlp",       "labels",  "techniques", "sectors",
    "severity_min", "correlations", "watchlist", "pattern", "hotline",    NULL,
};

/* Whether s is an ATT&CK technique id: T and 4 digits, optionally . and 3 digits. */
static bool is_technique(const char *s)
{
    size_t n = strlen(s);

    if ((n != 5 && n != 9) || (s[0] != 'T' && s[0] != 't'))
        return false;
    for (size_t i = 1; i < 5; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    if (n == 5)
        return true;
    if (s[5] != '.')
        return false;
    for (size_t i = 6; i < 9; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* A non-empty list of non-empty strings; a copy into *out. */
static int check_list(const json_t *filter, const char *name, json_t **out, struct rk_err *err)
{
    const json_t *v = json_object_get(filter, name), *e;
    size_t i;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > FILTER_LIST_MAX)
        return rk_err_set(err, RK_E_INVALID,
                          "filter.%s: must be a non-empty array of at most %d strings", name,
                          FILTER_LIST_MAX);
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > 256)
            return rk_err_set(err, RK_E_INVALID,
                              "filter.%s[%zu]: must be a string of 1 to 256 bytes", name, i);
        if (strcmp(name, "techniques") == 0 && !is_technique(json_string_value(e)))
            return rk_err_set(err, RK_E_INVALID,
                              "filter.techniques[%zu]: \"%s\" is not an ATT&CK technique id "
                              "(T1566 or T1566.001)",
                              i, json_string_value(e));
    }
    *out = json_deep_copy(v);
    return 0;
}

static int check_bool(const json_t *filter, const char *name, bool dflt, bool *out,
                      struct rk_err *err)
{
    const json_t *v = json_object_get(filter, name);

    *out = dflt;
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v))
        return rk_err_set(err, RK_E_INVALID, "filter.%s: must be true or false", name);
    *out = json_is_true(v);
    return 0;
}

static int check_tlp(const json_t *filter, unsigned *mask, struct rk_err *err)
{
    const json_t *v = json_object_get(filter, "tlp"), *e;
    size_t i;

    *mask = 0;
    if (v == NULL)
        return 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return rk_err_set(err, RK_E_INVALID,
                          "filter.tlp: must be a non-empty array of TLP levels (clear, green, "
                          "amber, amber+strict, red)");
    json_array_foreach(v, i, e)
    {
        const char *name = json_string_value(e);
        int t = name != NULL ? policy_tlp_parse(name) : -1;
        if (t < POLICY_TLP_CLEAR || t > POLICY_TLP_RED)
            return rk_err_set(err, RK_E_INVALID,
                              "filter.tlp[%zu]: must be one of clear, green, amber, "
                              "amber+strict, red",
                              i);
        *mask |= 1u << t;
    }
    return 0;
}

void alert_filter_free(struct alert_filter *f)
{
    if (f == NULL)
        return;
    json_decref(f->types);
    json_decref(f->collections);
    json_decref(f->labels);
    json_decref(f->techniques);
    json_decref(f->sectors);
    alert_pattern_free(f->pattern);
    free(f);
}

static int filter_compile(const json_t *filter, struct alert_filter **out, struct rk_err *err)
{
    struct alert_filter *f = rk_calloc(1, sizeof(*f));
    const char *k;
    const json_t *v;
    bool hotline; /* checked here, read by the hotline (alert_filter_hotline) */
    int rc;

    *out = NULL;
    f->severity_min = -1;
    if (filter == NULL || json_is_null(filter)) {
        *out = f;
        return 0;
    }
    if (!json_is_object(filter)) {
        free(f);
        return rk_err_set(err, RK_E_INVALID, "filter: must be a JSON object");
    }
    json_object_foreach((json_t *)filter, k, v)
    {
        bool known = false;
        for (size_t i = 0; members[i] != NULL && !known; i++)
            known = strcmp(k, members[i]) == 0;
        if (!known) {
            alert_filter_free(f);
            return rk_err_set(err, RK_E_INVALID,
                              "filter.%s: unknown member (the members are types, collections, "
                              "tlp, labels, techniques, sectors, severity_min, correlations, "
                              "watchlist, pattern, hotline)",
                              k);
        }
    }
    if ((rc = check_list(filter, "types", &f->types, err)) != 0 ||
        (rc = check_list(filter, "collections", &f->collections, err)) != 0 ||
        (rc = check_list(filter, "labels", &f->labels, err)) != 0 ||
        (rc = check_list(filter, "techniques", &f->techniques, err)) != 0 ||
        (rc = check_list(filter, "sectors", &f->sectors, err)) != 0 ||
        (rc = check_tlp(filter, &f->tlp_mask, err)) != 0 ||
        (rc = check_bool(filter, "correlations", false, &f->correlations, err)) != 0 ||
        (rc = check_bool(filter, "watchlist", false, &f->watchlist, err)) != 0 ||
        (rc = check_bool(filter, "hotline", true, &hotline, err)) != 0) {
        alert_filter_free(f);
        return rc;
    }
    v = json_object_get(filter, "severity_min");
    if (v != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4) {
            alert_filter_free(f);
            return rk_err_set(err, RK_E_INVALID,
                              "filter.severity_min: must be an integer from 0 to 4");
        }
        f->severity_min = (int)json_integer_value(v);
    }
    v = json_object_get(filter, "pattern");
    if (v != NULL) {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 8192) {
            alert_filter_free(f);
            return rk_err_set(err, RK_E_INVALID,
                              "filter.pattern: must be a STIX pattern (a string of 1 to 8192 "
                              "bytes)");
        }
        rc = alert_pattern_compile(json_string_value(v), &f->pattern, err);
        if (rc != 0) {
            alert_filter_free(f);
            return rc;
        }
    }
    *out = f;
    return 0;
}

/* A refusal names what the member sent (an unknown member, a bad value): its control
 * characters are shown as '?', so that the message stays one printable line wherever it goes
 * (a log line, a terminal). */
static void printable_message(struct rk_err *err)
{
    if (err == NULL) /* a caller that wants no message */
        return;
    for (char *c = err->msg; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
}

int alert_filter_compile(const json_t *filter, struct alert_filter **out, struct rk_err *err)
{
    int rc = filter_compile(filter, out, err);
    if (rc != 0)
        printable_message(err);
    return rc;
}

int alert_filter_check(const json_t *filter, struct rk_err *err)
{
    struct alert_filter *f;
    int rc = alert_filter_compile(filter, &f, err);

    alert_filter_free(f);
    return rc;
}

bool alert_filter_hotline(const json_t *filter)
{
    return !json_is_false(json_object_get(filter, "hotline"));
}

/* ---- evaluation ----------------------------------------------------------------------- */

static bool list_has(const json_t *list, const char *s, bool nocase)
{
    size_t i;
    const json_t *e;

    if (s == NULL)
        return false;
    json_array_foreach(list, i, e)
    {
        const char *v = json_string_value(e);
        if (nocase ? strcasecmp(v, s) == 0 : strcmp(v, s) == 0)
            return true;
    }
    return false;
}

/* Whether any label of obj is in the list. */
static bool labels_match(const json_t *list, const json_t *obj)
{
    size_t i;
    const json_t *l;

    json_array_foreach(json_object_get(obj, "labels"), i,
                       l) if (list_has(list, json_string_value(l), false)) return true;
    return false;
}

/* Whether technique t (of the object) is named by the list: equal, or a sub-technique of one
 * of its techniques ("T1566" names "T1566.001"). */
static bool technique_named(const json_t *list, const char *t)
{
    size_t i;
    const json_t *e;

    json_array_foreach(list, i, e)
    {
        const char *f = json_string_value(e);
        size_t n = strlen(f);
        if (strncasecmp(f, t, n) == 0 && (t[n] == '\0' || (n == 5 && t[n] == '.')))
            return true;
    }
    return false;
}

static bool techniques_match(const json_t *list, const json_t *obj)
{
    size_t i;
    const json_t *r;

    json_array_foreach(json_object_get(obj, "external_references"), i, r)
    {
        const char *src = json_string_value(json_object_get(r, "source_name"));
        const char *ext = json_string_value(json_object_get(r, "external_id"));
        if (src == NULL || ext == NULL || !is_technique(ext))
            continue;
        if ((strcmp(src, "mitre-attack") == 0 || strcmp(src, "mitre-ics-attack") == 0 ||
             strcmp(src, "mitre-mobile-attack") == 0) &&
            technique_named(list, ext))
            return true;
    }
    return false;
}

static const json_t *report_ext(const struct alert_version *v)
{
    if (v->type == NULL || strcmp(v->type, "incident") != 0)
        return NULL;
    return json_object_get(json_object_get(v->obj, "extensions"), ANALYZE_SEV_EXTENSION);
}

/* The incident's affected sector(s) per its report, else its poster's sector when named. */
static bool sectors_match(const json_t *list, const struct alert_version *v)
{
    const json_t *ext = report_ext(v), *s;
    size_t i;
    bool stated = false;

    if (v->type == NULL || strcmp(v->type, "incident") != 0)
        return false;
    s = json_object_get(ext, "sector");
    if (json_is_string(s)) {
        stated = true;
        if (list_has(list, json_string_value(s), true))
            return true;
    }
    json_array_foreach(json_object_get(ext, "sectors_hit"), i, s)
    {
        stated = true;
        if (list_has(list, json_string_value(s), true))
            return true;
    }
    return !stated && v->named_sector != NULL && v->named_sector[0] != '\0' &&
           list_has(list, v->named_sector, true);
}

static bool severity_match(int min, const struct alert_version *v)
{
    const json_t *level =
        json_object_get(json_object_get(report_ext(v), ANALYZE_SEV_HUB_MEMBER), "level");
    return json_is_integer(level) && json_integer_value(level) >= min;
}

bool alert_filter_match(const struct alert_filter *f, const struct alert_version *v, bool watch_hit)
{
    if (f == NULL)
        return true;
    if (f->watchlist && !watch_hit)
        return false;
    if (f->correlations && !v->correlation)
        return false;
    if (f->types != NULL && !list_has(f->types, v->type, false))
        return false;
    if (f->collections != NULL && !list_has(f->collections, v->collection_id, true) &&
        (v->collection_alias == NULL || v->collection_alias[0] == '\0' ||
         !list_has(f->collections, v->collection_alias, false)))
        return false;
    if (f->tlp_mask != 0 && (v->tlp < 0 || v->tlp > 31 || !(f->tlp_mask & (1u << v->tlp))))
        return false;
    if (f->labels != NULL && !labels_match(f->labels, v->obj))
        return false;
    if (f->techniques != NULL && !techniques_match(f->techniques, v->obj))
        return false;
    if (f->sectors != NULL && !sectors_match(f->sectors, v))
        return false;
    if (f->severity_min >= 0 && !severity_match(f->severity_min, v))
        return false;
    if (f->pattern != NULL && !alert_pattern_match(f->pattern, v->obs))
        return false;
    return true;
}
