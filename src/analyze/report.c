/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c: the renkei incident report, a STIX incident whose renkei extension says what
 * happened (event and cause type, sector, service, status) and its impact: the vocabulary
 * and its validation, the hub's severity written into it, and the extension-definition
 * object that documents the extension. Pure: no store, no HTTP (docs/analysis.md,
 * "Incident reports and severity").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

/* Caps on what a member writes: text members and the list of other sectors hit. */
#define REPORT_TEXT_MAX    256
#define REPORT_SECTORS_MAX 64

static const char *const event_types[] = {
    "confidentiality-loss",
    "integrity-loss",
    "availability-loss",
    "precursor",
    "near-miss",
    "other",
    NULL,
};

static const char *const statuses[] = {"detected", "ongoing", "recovered", NULL};

/* The cause types of DOMAIN.md, each with the causes that belong to it. */
struct cause_family {
    const char *type;
    const char *const causes[8];
};

static const struct cause_family cause_families[] = {
    {"intentional", {"suspicious-mail", "spoofing", "ddos", "information-theft", "insider", NULL}},
    {"accidental",
     {"operator-error", "management-error", "malicious-file-opened", "contractor-error",
      "equipment-failure", "vulnerability", "knock-on", NULL}},
    {"environmental", {"disaster", "illness", NULL}},
    {"other", {"unknown", "other", NULL}},
};

#define N_FAMILIES (sizeof(cause_families) / sizeof(cause_families[0]))

/* Every member a report may carry; anything else is refused so that a typo is seen. */
static const char *const known_members[] = {
    "extension_type",
    "event_type",
    "cause_type",
    "cause",
    "sector",
    "affected_service",
    "status",
    "people_affected",
    "regions",
    "duration_hours",
    "safety",
    "service",
    "sectors_hit",
    "records_leaked",
    "reporter_severity",
    ANALYZE_SEV_HUB_MEMBER,
    NULL,
};

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* "a, b, c" of list into out. */
static void join(const char *const *list, struct rk_buf *out)
{
    for (size_t i = 0; list[i] != NULL; i++)
        rk_buf_printf(out, "%s%s", i > 0 ? ", " : "", list[i]);
}

/* A member that must be one of list (required or not): 0 or RK_E_INVALID naming it. */
static int check_word(json_t *ext, const char *name, const char *const *list, bool required,
                      struct rk_err *err)
{
    json_t *v = json_object_get(ext, name);
    if (v == NULL && !required)
        return 0;
    if (json_is_string(v) && in_list(json_string_value(v), list))
        return 0;
    struct rk_buf b = RK_BUF_INIT;
    join(list, &b);
    int rc = rk_err_set(err, RK_E_INVALID, "%s: %s one of %s", name,
                        v == NULL ? "required," : "must be", b.data);
    rk_buf_free(&b);
    return rc;
}

/* A text member of 1-REPORT_TEXT_MAX bytes, if present. */
static int check_text(json_t *ext, const char *name, struct rk_err *err)
{
    json_t *v = json_object_get(ext, name);
    if (v == NULL)
        return 0;
    size_t n = json_string_length(v);
    if (!json_is_string(v) || n == 0 || n > REPORT_TEXT_MAX)
        return rk_err_set(err, RK_E_INVALID, "%s: must be a string of 1 to %d bytes", name,
                          REPORT_TEXT_MAX);
    return 0;
}

static int check_cause(json_t *ext, struct rk_err *err)
{
    const char *families[N_FAMILIES + 1];
    for (size_t i = 0; i < N_FAMILIES; i++)
        families[i] = cause_families[i].type;
    families[N_FAMILIES] = NULL;
    int rc = check_word(ext, "cause_type", families, false, err);
    if (rc != 0)
        return rc;
    json_t *cause = json_object_get(ext, "cause");
    if (cause == NULL)
        return 0;
    const char *type = json_string_value(json_object_get(ext, "cause_type"));
    if (type == NULL)
        return rk_err_set(err, RK_E_INVALID, "cause: needs cause_type");
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (strcmp(type, cause_families[i].type) == 0)
            return check_word(ext, "cause", cause_families[i].causes, false, err);
    return 0; /* not reached: cause_type was checked above */
}

int analyze_report_check(json_t *ext, struct rk_err *err)
{
    static const char *const property_ext[] = {"property-extension", NULL};
    if (!json_is_object(ext))
        return rk_err_set(err, RK_E_INVALID, "the renkei extension is not an object");
    const char *key;
    json_t *val;
    json_object_foreach(ext, key, val)
    {
        if (!in_list(key, known_members)) {
            struct rk_buf b = RK_BUF_INIT;
            join(known_members, &b);
            int rc = rk_err_set(err, RK_E_INVALID, "unknown member \"%.40s\" (%s)", key, b.data);
            rk_buf_free(&b);
            return rc;
        }
    }
    int rc = check_word(ext, "extension_type", property_ext, true, err);
    if (rc == 0)
        rc = check_word(ext, "event_type", event_types, true, err);
    if (rc == 0)
        rc = check_cause(ext, err);
    if (rc == 0)
        rc = check_word(ext, "status", statuses, true, err);
    if (rc == 0)
        rc = check_text(ext, "sector", err);
    if (rc == 0)
        rc = check_text(ext, "affected_service", err);
    if (rc != 0)
        return rc;
    json_t *hit = json_object_get(ext, "sectors_hit");
    if (json_is_array(hit)) {
        size_t i;
        json_t *s;
        if (json_array_size(hit) > REPORT_SECTORS_MAX)
            return rk_err_set(err, RK_E_INVALID, "sectors_hit: more than %d sectors",
                              REPORT_SECTORS_MAX);
        json_array_foreach(hit, i, s)
        {
            if (!json_is_string(s) || json_string_length(s) == 0 ||
                json_string_length(s) > REPORT_TEXT_MAX)
                return rk_err_set(err, RK_E_INVALID, "sectors_hit[%zu]: must be a sector name", i);
        }
    }
    json_t *own = json_object_get(ext, "reporter_severity");
    if (own != NULL &&
        (!json_is_integer(own) || json_integer_value(own) < 0 || json_integer_value(own) > 4))
        return rk_err_set(err, RK_E_INVALID,
                          "reporter_severity: the reporter's own level must be an integer 0-4");
    return 0;
}

int analyze_severity_stamp(json_t *incident, const struct analyze_sev_table *table,
                           const char *criteria, struct rk_err *err)
{
    json_t *ext = json_object_get(json_object_get(incident, "extensions"), ANALYZE_SEV_EXTENSION);
    if (ext == NULL)
        return 0;
    if (!json_is_object(ext))
        return rk_err_set(err, RK_E_INVALID, "the renkei extension is not an object");
    /* Whatever a member wrote where the hub writes is never read, never kept. */
    json_object_del(ext, ANALYZE_SEV_HUB_MEMBER);
    int rc = analyze_report_check(ext, err);
    if (rc != 0)
        return rc;
    struct analyze_sev_facts facts;
    rc = analyze_severity_facts_from_stix(incident, &facts, err);
    if (rc != 0)
        return rc;
    struct analyze_severity sev;
    analyze_severity_compute(table, &facts, &sev);
    json_t *hub =
        json_pack("{s:i, s:i, s:i, s:i, s:s, s:s, s:s}", "level", sev.overall, "continuity",
                  sev.level[ANALYZE_SEV_CONTINUITY], "safety", sev.level[ANALYZE_SEV_SAFETY],
                  "trust", sev.level[ANALYZE_SEV_TRUST], "viewpoint",
                  sev.overall > 0 ? analyze_sev_viewpoint_name(sev.overall_viewpoint) : "none",
                  "explanation", sev.overall_why, "criteria", criteria);
    if (hub == NULL)
        return rk_err_set(err, RK_E_INTERNAL, "cannot build hub_severity");
    json_object_set_new(ext, ANALYZE_SEV_HUB_MEMBER, hub);
    return 1;
}

json_t *analyze_report_extension_definition(void)
{
    json_t *d = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "type", "extension-definition",
        "spec_version", "2.1", "id", ANALYZE_SEV_EXTENSION, "created_by_ref", ANALYZE_REPORT_AUTHOR,
        "created", "2026-01-01T00:00:00.000Z", "modified", "2026-01-01T00:00:00.000Z", "name",
        "renkei incident report", "description",
        "What happened in an incident and its impact, as a member reports it to a renkei hub "
        "(event_type, cause_type, cause, sector, affected_service, status, people_affected, "
        "regions, duration_hours, safety, service, sectors_hit, records_leaked, reporter_severity: "
        "the "
        "reporter's own 0-4), and the hub's computed severity (hub_severity: level, "
        "continuity, safety, trust, viewpoint, explanation, criteria), which only the hub "
        "writes.",
        "schema", "renkei docs/analysis.md, section \"Incident reports and severity\"", "version",
        "1.0.0", "extension_types", "property-extension");
    if (d == NULL)
        abort(); /* jansson fails only when out of memory; the house rule is to abort */
    return d;
}
