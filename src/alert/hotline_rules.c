/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_rules.c: alerts the hub raises by itself. The matcher calls
 * alert_hotline_on_incident for every incident version it reads, inside its transaction; a
 * rule of the policy's hotline section that the incident meets (the hub's severity at or
 * above min_severity, one of its sectors among the rule's) raises an alert from the rule's
 * template, once per incident id. The summary says only the severity and sectors (what the
 * rule matched), never the report's text, since the "everyone" audience gets it.
 */
#include "alert/hotline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

static int found(void *ctx, const struct store_record *r)
{
    (void)r;
    *(bool *)ctx = true;
    return 1;
}

/* The affected sectors of an incident: its extension's "sector" and "sectors_hit" (a new
 * array), nothing else. Never the reporting sector as stored: for an anonymised report that
 * is the hidden sector of its source, which the alert's summary and audiences would tell
 * everyone. */
static json_t *incident_sectors(const json_t *ext)
{
    json_t *out = json_array();
    const json_t *sec = json_object_get(ext, "sector");
    size_t i;
    const json_t *v;
    if (json_is_string(sec))
        json_array_append(out, (json_t *)sec);
    json_array_foreach(json_object_get(ext, "sectors_hit"), i, v)
    {
        if (json_is_string(v))
            json_array_append(out, (json_t *)v);
    }
    return out;
}

static bool rule_matches(const json_t *rule, int level, const json_t *sectors)
{
    const json_t *want = json_object_get(rule, "sectors");
    size_t i, j;
    const json_t *a, *b;
    if (level < json_integer_value(json_object_get(rule, "min_severity")))
        return false;
    if (json_array_size(want) == 0)
        return true;
    json_array_foreach(want, i, a)
    {
        json_array_foreach(sectors, j, b)
        {
            if (json_equal(a, b))
                return true;
        }
    }
    return false;
}

int alert_hotline_on_incident(struct rk_hub *hub, struct store *s, const struct store_row *row,
                              const json_t *obj, struct rk_err *err)
{
    (void)hub;
    const json_t *ext = json_object_get(json_object_get(obj, "extensions"), ANALYZE_SEV_EXTENSION);
    const json_t *level = json_object_get(json_object_get(ext, ANALYZE_SEV_HUB_MEMBER), "level");
    const char *id = json_string_value(json_object_get(obj, "id"));
    json_t *section = NULL;
    bool seen = false;
    char alert_id[RK_UUID_LEN];

    if (id == NULL || !json_is_integer(level))
        return 0; /* no severity the hub computed: no rule applies */
    int rc = store_record_get(s, HOTLINE_REC_BY_INCIDENT, id, found, &seen, err);
    if (rc < 0 && rc != RK_E_NOTFOUND)
        return rc;
    if (seen)
        return 0; /* once per incident */
    rc = hotline_section_load(s, &section, err);
    if (rc != 0)
        return rc;
    json_t *sectors = incident_sectors(ext);
    size_t i;
    const json_t *rule;
    json_array_foreach(json_object_get(section, "rules"), i, rule)
    {
        if (!rule_matches(rule, (int)json_integer_value(level), sectors))
            continue;
        const json_t *tpl =
            hotline_template(section, json_string_value(json_object_get(rule, "template")));
        if (tpl == NULL)
            continue; /* the section's check makes this impossible */
        struct rk_buf summary = RK_BUF_INIT;
        size_t j;
        const json_t *v;
        rk_buf_printf(&summary, "A severity-%lld incident was reported",
                      (long long)json_integer_value(level));
        json_array_foreach(sectors, j, v)
        {
            rk_buf_printf(&summary, "%s%s", j == 0 ? " in " : ", ", json_string_value(v));
        }
        struct hotline_spec spec = {
            .template = tpl,
            .summary = summary.data,
            .incident = id,
            .severity = (int)json_integer_value(level),
            .sectors = sectors,
            .raised_by = "rule",
        };
        rc = hotline_raise_in_tx(s, &spec, alert_id, err);
        rk_buf_free(&summary);
        if (rc == 0) {
            json_t *idx = json_pack("{s:s}", "alert", alert_id);
            char *text = json_dumps(idx, JSON_COMPACT);
            struct store_record r = {
                .kind = HOTLINE_REC_BY_INCIDENT, .id = id, .org_id = "", .json = text};
            rc = store_record_put(s, &r, err);
            free(text);
            json_decref(idx);
        }
        if (rc == 0) {
            rk_log(RK_LOG_INFO, "hotline: alert %s raised by rule %zu for %s", alert_id, i, id);
            hotline_wake(); /* its e-mails once the matcher's transaction committed */
        }
        break; /* one alert per incident: the first rule that matches */
    }
    json_decref(sectors);
    json_decref(section);
    return rc;
}
