/* SPDX-License-Identifier: Apache-2.0 */
/*
 * severity.c: the hub's severity of an incident, 0-4 from the three NISC viewpoints
 * (continuity, safety, trust), overall the highest, scored against a criteria table that is
 * data (JSON, validated on load, with documented defaults), and the impact facts read from a
 * STIX incident's renkei extension. Pure: no store, no HTTP.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

/* Caps: rules per viewpoint, table text, and a fact value (beyond it doubles lose integers). */
#define SEV_RULES_MAX      64
#define SEV_TABLE_TEXT_MAX 65536
#define SEV_FACT_MAX       1e12

/* The defaults, documented in docs/internals/analyze.md ("Severity"): keep the two in step. */
static const char default_table[] =
    "{\n"
    "  \"continuity\": [\n"
    "    {\"level\": 4, \"when\": {\"duration_hours\": 72, \"regions\": 10}},\n"
    "    {\"level\": 4, \"when\": {\"people_affected\": 1000000}},\n"
    "    {\"level\": 4, \"when\": {\"sectors_hit\": 3}},\n"
    "    {\"level\": 3, \"when\": {\"duration_hours\": 24, \"regions\": 2}},\n"
    "    {\"level\": 3, \"when\": {\"people_affected\": 100000}},\n"
    "    {\"level\": 3, \"when\": {\"sectors_hit\": 2}},\n"
    "    {\"level\": 2, \"when\": {\"duration_hours\": 6, \"service\": 2}},\n"
    "    {\"level\": 2, \"when\": {\"people_affected\": 10000}},\n"
    "    {\"level\": 2, \"when\": {\"sectors_hit\": 1}},\n"
    "    {\"level\": 1, \"when\": {\"service\": 1}},\n"
    "    {\"level\": 1, \"when\": {\"people_affected\": 1}}\n"
    "  ],\n"
    "  \"safety\": [\n"
    "    {\"level\": 4, \"when\": {\"safety\": 3}},\n"
    "    {\"level\": 3, \"when\": {\"safety\": 2}},\n"
    "    {\"level\": 2, \"when\": {\"safety\": 1}}\n"
    "  ],\n"
    "  \"trust\": [\n"
    "    {\"level\": 4, \"when\": {\"records_leaked\": 1000000}},\n"
    "    {\"level\": 3, \"when\": {\"records_leaked\": 100000}},\n"
    "    {\"level\": 2, \"when\": {\"records_leaked\": 1000}},\n"
    "    {\"level\": 1, \"when\": {\"records_leaked\": 1}}\n"
    "  ]\n"
    "}\n";

static const char *const viewpoint_names[ANALYZE_SEV_VIEWPOINTS] = {
    [ANALYZE_SEV_CONTINUITY] = "continuity",
    [ANALYZE_SEV_SAFETY] = "safety",
    [ANALYZE_SEV_TRUST] = "trust",
};

static const char *const fact_names[ANALYZE_SEV_FACTS] = {
    [ANALYZE_FACT_PEOPLE] = "people_affected",  [ANALYZE_FACT_REGIONS] = "regions",
    [ANALYZE_FACT_DURATION] = "duration_hours", [ANALYZE_FACT_SAFETY] = "safety",
    [ANALYZE_FACT_SECTORS] = "sectors_hit",     [ANALYZE_FACT_RECORDS] = "records_leaked",
    [ANALYZE_FACT_SERVICE] = "service",
};

/* One rule: level if every fact with has[f] is >= threshold[f]. */
struct sev_rule {
    int level;                                      /* 1-4 */
    bool has[ANALYZE_SEV_FACTS];                    /* which facts the rule tests */
    double threshold[ANALYZE_SEV_FACTS];            /* the least value that satisfies it */
    enum analyze_sev_fact order[ANALYZE_SEV_FACTS]; /* tested facts in table order */
    size_t n;                                       /* number of tested facts */
};

struct analyze_sev_table {
    struct sev_rule rules[ANALYZE_SEV_VIEWPOINTS][SEV_RULES_MAX]; /* highest level first */
    size_t n[ANALYZE_SEV_VIEWPOINTS];                             /* rules per viewpoint */
};

const char *analyze_severity_default_table(void)
{
    return default_table;
}

const char *analyze_sev_viewpoint_name(enum analyze_sev_viewpoint vp)
{
    return (unsigned)vp < ANALYZE_SEV_VIEWPOINTS ? viewpoint_names[vp] : "unknown";
}

const char *analyze_sev_fact_name(enum analyze_sev_fact fact)
{
    return (unsigned)fact < ANALYZE_SEV_FACTS ? fact_names[fact] : "unknown";
}

static int fact_by_name(const char *name)
{
    for (int f = 0; f < ANALYZE_SEV_FACTS; f++)
        if (strcmp(name, fact_names[f]) == 0)
            return f;
    return -1;
}

/* Reads one rule of viewpoint vp (1-based index i) into r; prev is the previous rule's level. */
static int load_rule(json_t *jr, const char *vp, size_t i, int prev, struct sev_rule *r,
                     struct rk_err *err)
{
    if (!json_is_object(jr))
        return rk_err_set(err, RK_E_INVALID, "%s rule %zu: not an object", vp, i);
    const char *key;
    json_t *val;
    json_object_foreach(jr, key, val)
    {
        if (strcmp(key, "level") != 0 && strcmp(key, "when") != 0 && strcmp(key, "comment") != 0)
            return rk_err_set(err, RK_E_INVALID,
                              "%s rule %zu: unknown member \"%.40s\" (level, when, comment)", vp, i,
                              key);
    }
    json_t *jl = json_object_get(jr, "level");
    if (!json_is_integer(jl) || json_integer_value(jl) < 1 || json_integer_value(jl) > 4)
        return rk_err_set(err, RK_E_INVALID, "%s rule %zu: level must be an integer 1-4", vp, i);
    r->level = (int)json_integer_value(jl);
    if (r->level > prev)
        return rk_err_set(err, RK_E_INVALID,
                          "%s rule %zu: level %d after level %d (rules go from the highest "
                          "level down)",
                          vp, i, r->level, prev);
    json_t *c = json_object_get(jr, "comment");
    if (c && !json_is_string(c))
        return rk_err_set(err, RK_E_INVALID, "%s rule %zu: comment must be a string", vp, i);
    json_t *when = json_object_get(jr, "when");
    if (!json_is_object(when) || json_object_size(when) == 0)
        return rk_err_set(err, RK_E_INVALID,
                          "%s rule %zu: when must be a non-empty object of fact: threshold", vp, i);
    json_object_foreach(when, key, val)
    {
        int f = fact_by_name(key);
        if (f < 0)
            return rk_err_set(err, RK_E_INVALID, "%s rule %zu: unknown fact \"%.40s\"", vp, i, key);
        double t = json_number_value(val);
        if (!json_is_number(val) || !isfinite(t) || t < 0 || t > SEV_FACT_MAX)
            return rk_err_set(err, RK_E_INVALID,
                              "%s rule %zu: threshold of %s must be a number 0-1e12", vp, i, key);
        r->has[f] = true;
        r->threshold[f] = t;
        r->order[r->n++] = (enum analyze_sev_fact)f;
    }
    return 0;
}

int analyze_severity_table_new(json_t *doc, struct analyze_sev_table **out, struct rk_err *err)
{
    *out = NULL;
    if (!json_is_object(doc))
        return rk_err_set(err, RK_E_INVALID, "severity table: not a JSON object");
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val)
    {
        bool known = strcmp(key, "comment") == 0;
        for (int v = 0; v < ANALYZE_SEV_VIEWPOINTS; v++)
            known = known || strcmp(key, viewpoint_names[v]) == 0;
        if (!known)
            return rk_err_set(err, RK_E_INVALID,
                              "severity table: unknown member \"%.40s\" (continuity, safety, "
                              "trust, comment)",
                              key);
    }
    struct analyze_sev_table *t = rk_calloc(1, sizeof *t);
    int rc = 0;
    for (int v = 0; v < ANALYZE_SEV_VIEWPOINTS && rc == 0; v++) {
        json_t *arr = json_object_get(doc, viewpoint_names[v]);
        if (!json_is_array(arr)) {
            rc = rk_err_set(err, RK_E_INVALID, "severity table: %s must be an array of rules",
                            viewpoint_names[v]);
            break;
        }
        if (json_array_size(arr) > SEV_RULES_MAX) {
            rc = rk_err_set(err, RK_E_INVALID, "severity table: %s has more than %d rules",
                            viewpoint_names[v], SEV_RULES_MAX);
            break;
        }
        int prev = 4;
        for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
            rc = load_rule(json_array_get(arr, i), viewpoint_names[v], i + 1, prev, &t->rules[v][i],
                           err);
            prev = t->rules[v][i].level;
        }
        t->n[v] = json_array_size(arr);
    }
    if (rc != 0) {
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int analyze_severity_table_parse(const char *text, size_t len, struct analyze_sev_table **out,
                                 struct rk_err *err)
{
    *out = NULL;
    if (len > SEV_TABLE_TEXT_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "severity table: over %d bytes", SEV_TABLE_TEXT_MAX);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return rk_err_set(err, RK_E_INVALID, "severity table: line %d: %.200s", jerr.line,
                          jerr.text);
    int rc = analyze_severity_table_new(doc, out, err);
    json_decref(doc);
    return rc;
}

void analyze_severity_table_free(struct analyze_sev_table *table)
{
    free(table);
}

/* A fact as a person reads it: "30 h outage", "injury". */
static void describe_fact(enum analyze_sev_fact f, double v, struct rk_buf *b)
{
    switch (f) {
    case ANALYZE_FACT_PEOPLE:
        rk_buf_printf(b, "%.15g people affected", v);
        break;
    case ANALYZE_FACT_REGIONS:
        rk_buf_printf(b, "%.15g prefectures/regions affected", v);
        break;
    case ANALYZE_FACT_DURATION:
        rk_buf_printf(b, "outage of %.15g h", v);
        break;
    case ANALYZE_FACT_SAFETY:
        rk_buf_puts(b, v >= 3   ? "death"
                       : v >= 2 ? "injury"
                       : v >= 1 ? "evacuation or property damage"
                                : "no harm to people");
        break;
    case ANALYZE_FACT_SECTORS:
        rk_buf_printf(b, "%.15g other sectors hit", v);
        break;
    case ANALYZE_FACT_RECORDS:
        rk_buf_printf(b, "%.15g records leaked", v);
        break;
    case ANALYZE_FACT_SERVICE:
        rk_buf_puts(b, v >= 2 ? "service stopped" : v >= 1 ? "service degraded" : "service normal");
        break;
    default:
        rk_buf_puts(b, "?");
    }
}

static bool rule_fires(const struct sev_rule *r, const struct analyze_sev_facts *facts)
{
    for (size_t k = 0; k < r->n; k++)
        if (!(facts->v[r->order[k]] >= r->threshold[r->order[k]]))
            return false;
    return true;
}

/* "level 3 (continuity): outage of 30 h, 2 prefectures/regions affected [continuity rule 4:
 * duration_hours >= 24 and regions >= 2]" into out. */
static void explain(enum analyze_sev_viewpoint vp, size_t index, const struct sev_rule *r,
                    const struct analyze_sev_facts *facts, char *out)
{
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_printf(&b, "level %d (%s): ", r->level, viewpoint_names[vp]);
    for (size_t k = 0; k < r->n; k++) {
        if (k > 0)
            rk_buf_puts(&b, ", ");
        describe_fact(r->order[k], facts->v[r->order[k]], &b);
    }
    rk_buf_printf(&b, " [%s rule %zu: ", viewpoint_names[vp], index);
    for (size_t k = 0; k < r->n; k++)
        rk_buf_printf(&b, "%s%s >= %.15g", k > 0 ? " and " : "", fact_names[r->order[k]],
                      r->threshold[r->order[k]]);
    rk_buf_putc(&b, ']');
    snprintf(out, ANALYZE_SEV_WHY_MAX, "%s", b.len > 0 ? b.data : "");
    rk_buf_free(&b);
}

void analyze_severity_compute(const struct analyze_sev_table *table,
                              const struct analyze_sev_facts *facts, struct analyze_severity *out)
{
    memset(out, 0, sizeof *out);
    out->overall_viewpoint = ANALYZE_SEV_CONTINUITY;
    for (int v = 0; v < ANALYZE_SEV_VIEWPOINTS; v++) {
        for (size_t i = 0; i < table->n[v]; i++) {
            const struct sev_rule *r = &table->rules[v][i];
            if (!rule_fires(r, facts))
                continue;
            out->level[v] = r->level;
            explain((enum analyze_sev_viewpoint)v, i + 1, r, facts, out->why[v]);
            break;
        }
        if (out->level[v] > out->overall) {
            out->overall = out->level[v];
            out->overall_viewpoint = (enum analyze_sev_viewpoint)v;
        }
    }
    if (out->overall > 0)
        memcpy(out->overall_why, out->why[out->overall_viewpoint], ANALYZE_SEV_WHY_MAX);
    else
        snprintf(out->overall_why, sizeof out->overall_why, "level 0: no criteria rule fired");
}

/* A non-negative integer member (or, for sectors_hit, an array of sector names: its size). */
static int stix_count(json_t *val, const char *name, bool array_ok, double *out, struct rk_err *err)
{
    if (array_ok && json_is_array(val)) {
        *out = (double)json_array_size(val);
        return 0;
    }
    if (!json_is_integer(val) || json_integer_value(val) < 0 ||
        (double)json_integer_value(val) > SEV_FACT_MAX)
        return rk_err_set(err, RK_E_INVALID, "%s: not a non-negative integer (at most 1e12)%s",
                          name, array_ok ? " or an array of sectors" : "");
    *out = (double)json_integer_value(val);
    return 0;
}

/* A member that is one of a vocabulary, scored by its position. */
static int stix_word(json_t *val, const char *name, const char *const *words, size_t n, double *out,
                     struct rk_err *err)
{
    const char *s = json_string_value(val);
    for (size_t i = 0; s && i < n; i++) {
        if (strcmp(s, words[i]) == 0) {
            *out = (double)i;
            return 0;
        }
    }
    if (n == 3)
        return rk_err_set(err, RK_E_INVALID, "%s: must be one of %s, %s, %s", name, words[0],
                          words[1], words[2]);
    return rk_err_set(err, RK_E_INVALID, "%s: must be one of %s, %s, %s, %s", name, words[0],
                      words[1], words[2], words[3]);
}

int analyze_severity_facts_from_stix(json_t *incident, struct analyze_sev_facts *out,
                                     struct rk_err *err)
{
    static const char *const safety_words[] = {"none", "property", "injury", "death"};
    static const char *const service_words[] = {"normal", "degraded", "stopped"};
    memset(out, 0, sizeof *out);
    if (!json_is_object(incident))
        return rk_err_set(err, RK_E_INVALID, "incident: not a JSON object");
    const char *type = json_string_value(json_object_get(incident, "type"));
    if (!type || strcmp(type, "incident") != 0)
        return rk_err_set(err, RK_E_INVALID, "incident: type is not \"incident\"");
    json_t *ext = json_object_get(json_object_get(incident, "extensions"), ANALYZE_SEV_EXTENSION);
    if (!ext)
        return rk_err_set(err, RK_E_NOTFOUND, "incident: no renkei impact extension (%s)",
                          ANALYZE_SEV_EXTENSION);
    if (!json_is_object(ext))
        return rk_err_set(err, RK_E_INVALID,
                          "incident: the renkei impact extension is not an "
                          "object");
    const char *key;
    json_t *val;
    int rc = 0;
    json_object_foreach(ext, key, val)
    {
        int f = fact_by_name(key);
        if (f == ANALYZE_FACT_SAFETY)
            rc = stix_word(val, key, safety_words, 4, &out->v[f], err);
        else if (f == ANALYZE_FACT_SERVICE)
            rc = stix_word(val, key, service_words, 3, &out->v[f], err);
        else if (f == ANALYZE_FACT_DURATION) {
            double d = json_number_value(val);
            if (!json_is_number(val) || !isfinite(d) || d < 0 || d > SEV_FACT_MAX)
                rc = rk_err_set(err, RK_E_INVALID, "%s: not a non-negative number", key);
            else
                out->v[f] = d;
        } else if (f >= 0)
            rc = stix_count(val, key, f == ANALYZE_FACT_SECTORS, &out->v[f], err);
        /* Everything else (severity, status, event_type, cause_type...) is the
         * report's, not the score's: a reporter's own severity is never trusted. */
        if (rc != 0) {
            memset(out, 0, sizeof *out);
            return rc;
        }
    }
    return 0;
}
