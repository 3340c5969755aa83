/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_policy.c: the "hotline" section of the policy document: the templates agreed in
 * advance (which fields go to which audience, how long recipients have to acknowledge) and
 * the rules that raise an alert by themselves (an incident of a severity in a sector). Its
 * default, its validation, and reading it back from the stored document.
 */
#include "alert/alert.h"
#include "alert/hotline.h"

#include <string.h>

#include "policy/scope.h"

/* The templates every hub starts with; no rule (the coordinator decides which incidents raise
 * an alert by themselves). */
static const char default_section[] =
    "{\"templates\": ["
    "{\"name\": \"ransomware\", \"incident_types\": [\"ransomware\", \"malware\"],"
    " \"ack_seconds\": 1800, \"audiences\": ["
    "  {\"to\": \"affected-sectors\", \"fields\": [\"summary\", \"severity\", \"sectors\","
    "   \"incident\", \"indicators\", \"mitigations\"]},"
    "  {\"to\": \"everyone\", \"fields\": [\"summary\"]},"
    "  {\"to\": \"coordinator\", \"fields\": [\"summary\", \"severity\", \"sectors\","
    "   \"incident\", \"indicators\", \"mitigations\"]}]},"
    "{\"name\": \"ics-intrusion\", \"incident_types\": [\"ics-intrusion\", \"intrusion\"],"
    " \"ack_seconds\": 900, \"audiences\": ["
    "  {\"to\": \"affected-sectors\", \"fields\": [\"summary\", \"severity\", \"sectors\","
    "   \"incident\", \"indicators\", \"mitigations\"]},"
    "  {\"to\": \"everyone\", \"fields\": [\"summary\", \"indicators\"]},"
    "  {\"to\": \"coordinator\", \"fields\": [\"summary\", \"severity\", \"sectors\","
    "   \"incident\", \"indicators\", \"mitigations\"]}]},"
    "{\"name\": \"data-breach\", \"incident_types\": [\"data-breach\", \"information-theft\"],"
    " \"ack_seconds\": 3600, \"audiences\": ["
    "  {\"to\": \"affected-sectors\", \"fields\": [\"summary\", \"severity\", \"incident\","
    "   \"indicators\", \"mitigations\"]},"
    "  {\"to\": \"everyone\", \"fields\": [\"summary\"]}]},"
    "{\"name\": \"ddos\", \"incident_types\": [\"ddos\"],"
    " \"ack_seconds\": 900, \"audiences\": ["
    "  {\"to\": \"affected-sectors\", \"fields\": [\"summary\", \"severity\", \"sectors\","
    "   \"indicators\", \"mitigations\"]},"
    "  {\"to\": \"everyone\", \"fields\": [\"summary\", \"indicators\"]}]},"
    "{\"name\": \"generic\", \"incident_types\": [],"
    " \"ack_seconds\": 3600, \"audiences\": ["
    "  {\"to\": \"affected-sectors\", \"fields\": [\"summary\", \"severity\", \"sectors\","
    "   \"incident\", \"indicators\", \"mitigations\"]},"
    "  {\"to\": \"everyone\", \"fields\": [\"summary\"]}]}"
    "], \"rules\": []}";

static const char *const audiences[] = {HOTLINE_TO_AFFECTED, HOTLINE_TO_EVERYONE,
                                        HOTLINE_TO_COORDINATOR};
static const char *const fields[] = {"summary",    "severity",    "sectors", "incident",
                                     "indicators", "mitigations", "related"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* A template or sector name: 1-64 of [a-z0-9-]. */
static bool name_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

static int strings_check(const json_t *v, const char *what, size_t i, const char *name,
                         const char *member, struct rk_err *err)
{
    size_t j;
    const json_t *x;
    if (!json_is_array(v))
        return rk_err_set(err, RK_E_INVALID, "%s[%zu] (%s): %s: must be an array of strings", what,
                          i, name, member);
    json_array_foreach(v, j, x)
    {
        if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 64)
            return rk_err_set(err, RK_E_INVALID,
                              "%s[%zu] (%s): %s[%zu]: must be a string of 1 to 64 bytes", what, i,
                              name, member, j);
    }
    return 0;
}

static int audience_check(const json_t *a, size_t i, const char *name, size_t k, struct rk_err *err)
{
    const char *to = json_string_value(json_object_get(a, "to"));
    const json_t *fl = json_object_get(a, "fields");
    size_t j;
    const json_t *f;

    if (!json_is_object(a))
        return rk_err_set(err, RK_E_INVALID,
                          "templates[%zu] (%s): audiences[%zu]: must be an "
                          "object {\"to\", \"fields\"}",
                          i, name, k);
    if (!one_of(to, audiences, COUNT(audiences)))
        return rk_err_set(err, RK_E_INVALID,
                          "templates[%zu] (%s): audiences[%zu].to: must be one of "
                          "affected-sectors, everyone, coordinator",
                          i, name, k);
    if (!json_is_array(fl))
        return rk_err_set(err, RK_E_INVALID,
                          "templates[%zu] (%s): audiences[%zu].fields: must be an array", i, name,
                          k);
    json_array_foreach(fl, j, f)
    {
        if (!one_of(json_string_value(f), fields, COUNT(fields)))
            return rk_err_set(err, RK_E_INVALID,
                              "templates[%zu] (%s): audiences[%zu].fields[%zu]: unknown field "
                              "(the fields are: summary, severity, sectors, incident, "
                              "indicators, mitigations, related)",
                              i, name, k, j);
    }
    return 0;
}

static int template_check(const json_t *t, size_t i, struct rk_err *err)
{
    const char *name = json_string_value(json_object_get(t, "name"));
    const json_t *ack = json_object_get(t, "ack_seconds");
    const json_t *aud = json_object_get(t, "audiences");
    const char *key;
    const json_t *v;
    size_t k;

    if (!json_is_object(t))
        return rk_err_set(err, RK_E_INVALID, "templates[%zu]: must be an object", i);
    if (!name_ok(name))
        return rk_err_set(err, RK_E_INVALID,
                          "templates[%zu]: name: must be 1 to 64 of a-z, 0-9 and -", i);
    json_object_foreach((json_t *)t, key, v)
    {
        if (strcmp(key, "name") != 0 && strcmp(key, "incident_types") != 0 &&
            strcmp(key, "ack_seconds") != 0 && strcmp(key, "audiences") != 0 &&
            strcmp(key, "description") != 0)
            return rk_err_set(err, RK_E_INVALID,
                              "templates[%zu] (%s): %s: unknown member (the members are: "
                              "name, description, incident_types, ack_seconds, audiences)",
                              i, name, key);
    }
    v = json_object_get(t, "incident_types");
    if (v != NULL && strings_check(v, "templates", i, name, "incident_types", err) != 0)
        return RK_E_INVALID;
    if (!json_is_integer(ack) || json_integer_value(ack) < 1 ||
        json_integer_value(ack) > HOTLINE_ACK_SECONDS_MAX)
        return rk_err_set(err, RK_E_INVALID,
                          "templates[%zu] (%s): ack_seconds: must be an integer from 1 to %d", i,
                          name, HOTLINE_ACK_SECONDS_MAX);
    if (!json_is_array(aud) || json_array_size(aud) == 0)
        return rk_err_set(err, RK_E_INVALID,
                          "templates[%zu] (%s): audiences: must be a non-empty array", i, name);
    json_array_foreach(aud, k, v)
    {
        int rc = audience_check(v, i, name, k, err);
        if (rc != 0)
            return rc;
        for (size_t m = 0; m < k; m++)
            if (json_equal(json_object_get(json_array_get(aud, m), "to"), json_object_get(v, "to")))
                return rk_err_set(err, RK_E_INVALID,
                                  "templates[%zu] (%s): audiences[%zu].to: %s appears twice", i,
                                  name, k, json_string_value(json_object_get(v, "to")));
    }
    return 0;
}

static int rule_check(const json_t *r, size_t i, const json_t *section, struct rk_err *err)
{
    const json_t *min = json_object_get(r, "min_severity");
    const char *tpl = json_string_value(json_object_get(r, "template"));
    const json_t *sectors = json_object_get(r, "sectors");
    const char *key;
    const json_t *v;

    if (!json_is_object(r))
        return rk_err_set(err, RK_E_INVALID, "rules[%zu]: must be an object", i);
    json_object_foreach((json_t *)r, key, v)
    {
        if (strcmp(key, "min_severity") != 0 && strcmp(key, "sectors") != 0 &&
            strcmp(key, "template") != 0)
            return rk_err_set(err, RK_E_INVALID,
                              "rules[%zu]: %s: unknown member (the members are: min_severity, "
                              "sectors, template)",
                              i, key);
    }
    if (!json_is_integer(min) || json_integer_value(min) < 0 || json_integer_value(min) > 4)
        return rk_err_set(err, RK_E_INVALID, "rules[%zu]: min_severity: must be 0 to 4", i);
    if (tpl == NULL || hotline_template(section, tpl) == NULL)
        return rk_err_set(err, RK_E_INVALID,
                          "rules[%zu]: template: '%s' is not one of the section's templates", i,
                          tpl != NULL ? tpl : "");
    if (sectors != NULL && strings_check(sectors, "rules", i, tpl, "sectors", err) != 0)
        return RK_E_INVALID;
    return 0;
}

int hotline_section_check(const json_t *value, struct rk_err *err)
{
    const json_t *templates = json_object_get(value, "templates");
    const json_t *rules = json_object_get(value, "rules");
    const char *key;
    const json_t *v;
    size_t i;

    if (!json_is_object(value))
        return rk_err_set(err, RK_E_INVALID, "must be an object {\"templates\", \"rules\"}");
    json_object_foreach((json_t *)value, key, v)
    {
        if (strcmp(key, "templates") != 0 && strcmp(key, "rules") != 0)
            return rk_err_set(err, RK_E_INVALID,
                              "%s: unknown member (the members are: templates, rules)", key);
    }
    if (!json_is_array(templates) || json_array_size(templates) == 0)
        return rk_err_set(err, RK_E_INVALID, "templates: must be a non-empty array");
    json_array_foreach(templates, i, v)
    {
        int rc = template_check(v, i, err);
        if (rc != 0)
            return rc;
        for (size_t m = 0; m < i; m++)
            if (json_equal(json_object_get(json_array_get(templates, m), "name"),
                           json_object_get(v, "name")))
                return rk_err_set(err, RK_E_INVALID, "templates[%zu]: name: %s appears twice", i,
                                  json_string_value(json_object_get(v, "name")));
    }
    if (rules != NULL && !json_is_array(rules))
        return rk_err_set(err, RK_E_INVALID, "rules: must be an array");
    json_array_foreach(rules, i, v)
    {
        int rc = rule_check(v, i, value, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

const json_t *hotline_template(const json_t *section, const char *name)
{
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(section, "templates"), i, t)
    {
        const char *n = json_string_value(json_object_get(t, "name"));
        if (n != NULL && name != NULL && strcmp(n, name) == 0)
            return t;
    }
    return NULL;
}

int hotline_section_load(struct store *s, json_t **out, struct rk_err *err)
{
    struct policy_doc doc;
    *out = NULL;
    int rc = policy_doc_load(s, &doc, err);
    if (rc != 0)
        return rc;
    const json_t *sec = policy_doc_section(&doc, HOTLINE_POLICY_KEY);
    if (sec != NULL)
        *out = json_deep_copy(sec);
    policy_doc_clear(&doc);
    if (*out == NULL)
        return rk_err_set(err, RK_E_INTERNAL, "no hotline section in the policy");
    return 0;
}

int alert_policy_sections_add(struct rk_err *err)
{
    static const struct policy_doc_section section = {
        .key = HOTLINE_POLICY_KEY,
        .check = hotline_section_check,
        .default_json = default_section,
    };
    return policy_doc_add_section(&section, err);
}
