/* SPDX-License-Identifier: Apache-2.0 */
/*
 * types_sdo.c: the STIX Domain Objects (section 4) and Relationship Objects (section 5):
 * one property table per type and the rules that tie several properties together
 * (time ordering, either-or requirements, closed enumerations).
 */
#include <string.h>

#include "stix/stix_int.h"

#define SDO_ONLY (STIX_T_SDO | STIX_T_CUSTOM)
#define ANY      STIX_T_ANY

static const char *const to_software[] = {"software", NULL};
static const char *const to_sample[] = {"file", "artifact", NULL};
static const char *const to_ma_sample[] = {"file", "artifact", "network-traffic", NULL};
static const char *const to_observed[] = {"observed-data", NULL};
static const char *const to_where[] = {"identity", "location", NULL};
static const char *const opinion_enum[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                           "strongly-agree",    NULL};

/* Fails unless the later timestamp is after (strict) or not before the earlier one. */
static int ts_order(struct stix_vctx *v, const char *first, const char *later, bool strict)
{
    rk_time_us a, b;
    bool ha, hb;
    int rc = stix_get_ts(v, first, &a, &ha);

    if (rc == 0)
        rc = stix_get_ts(v, later, &b, &hb);
    if (rc != 0 || !ha || !hb)
        return rc;
    if (strict && b <= a)
        return stix_fail(v, later, "must be later than %s", first);
    if (!strict && b < a)
        return stix_fail(v, later, "must not be earlier than %s", first);
    return 0;
}

static int seen_order(struct stix_vctx *v)
{
    return ts_order(v, "first_seen", "last_seen", false);
}

static const struct stix_prop attack_pattern[] = {
    STIX_STR("name", true), STIX_STR("description", false), STIX_LIST("aliases", false),
    STIX_KCP("kill_chain_phases")};

static const struct stix_prop campaign[] = {
    STIX_STR("name", true),       STIX_STR("description", false), STIX_LIST("aliases", false),
    STIX_TS("first_seen", false), STIX_TS("last_seen", false),    STIX_STR("objective", false)};

static const struct stix_prop course_of_action[] = {STIX_STR("name", true),
                                                    STIX_STR("description", false)};

static const struct stix_prop grouping[] = {STIX_STR("name", false), STIX_STR("description", false),
                                            STIX_STR("context", true),
                                            STIX_REFS("object_refs", true, ANY, NULL)};

static const struct stix_prop identity[] = {
    STIX_STR("name", true),      STIX_STR("description", false),
    STIX_LIST("roles", false),   STIX_STR("identity_class", false),
    STIX_LIST("sectors", false), STIX_STR("contact_information", false)};

static const struct stix_prop incident[] = {STIX_STR("name", true), STIX_STR("description", false),
                                            STIX_KCP("kill_chain_phases")};

static const struct stix_prop indicator[] = {STIX_STR("name", false),
                                             STIX_STR("description", false),
                                             STIX_LIST("indicator_types", false),
                                             STIX_STR("pattern", true),
                                             STIX_STR("pattern_type", true),
                                             STIX_STR("pattern_version", false),
                                             STIX_TS("valid_from", true),
                                             STIX_TS("valid_until", false),
                                             STIX_KCP("kill_chain_phases")};

static int indicator_check(struct stix_vctx *v)
{
    const char *type = json_string_value(stix_get(v, "pattern_type"));
    int rc = ts_order(v, "valid_from", "valid_until", true);

    if (rc != 0)
        return rc;
    if (strcmp(type, "stix") == 0) {
        struct rk_err perr;
        rk_err_clear(&perr);
        if (stix_pattern_validate(json_string_value(stix_get(v, "pattern")), &perr, v->warn) != 0)
            return stix_fail(v, "pattern", "%.200s", perr.msg);
    }
    return 0;
}

static const struct stix_prop infrastructure[] = {STIX_STR("name", true),
                                                  STIX_STR("description", false),
                                                  STIX_LIST("infrastructure_types", false),
                                                  STIX_LIST("aliases", false),
                                                  STIX_KCP("kill_chain_phases"),
                                                  STIX_TS("first_seen", false),
                                                  STIX_TS("last_seen", false)};

static const struct stix_prop intrusion_set[] = {STIX_STR("name", true),
                                                 STIX_STR("description", false),
                                                 STIX_LIST("aliases", false),
                                                 STIX_TS("first_seen", false),
                                                 STIX_TS("last_seen", false),
                                                 STIX_LIST("goals", false),
                                                 STIX_STR("resource_level", false),
                                                 STIX_STR("primary_motivation", false),
                                                 STIX_LIST("secondary_motivations", false)};

static const struct stix_prop location[] = {STIX_STR("name", false),
                                            STIX_STR("description", false),
                                            STIX_NUM("latitude", false, -90.0, 90.0),
                                            STIX_NUM("longitude", false, -180.0, 180.0),
                                            STIX_NUM("precision", false, 0.0, 1e300),
                                            STIX_STR("region", false),
                                            STIX_STR("country", false),
                                            STIX_STR("administrative_area", false),
                                            STIX_STR("city", false),
                                            STIX_STR("street_address", false),
                                            STIX_STR("postal_code", false)};

static int location_check(struct stix_vctx *v)
{
    bool lat = stix_get(v, "latitude") != NULL;
    bool lon = stix_get(v, "longitude") != NULL;

    if (lat != lon)
        return stix_fail(v, lat ? "longitude" : "latitude", "is required when %s is present",
                         lat ? "latitude" : "longitude");
    if (stix_get(v, "precision") != NULL && !lat)
        return stix_fail(v, "precision", "requires latitude and longitude");
    if (!lat && stix_get(v, "region") == NULL && stix_get(v, "country") == NULL)
        return stix_fail(v, "region", "one of region, country or latitude+longitude is required");
    return 0;
}

static const struct stix_prop malware[] = {
    STIX_STR("name", false),
    STIX_STR("description", false),
    STIX_LIST("malware_types", false),
    STIX_BOOL("is_family", true),
    STIX_LIST("aliases", false),
    STIX_KCP("kill_chain_phases"),
    STIX_TS("first_seen", false),
    STIX_TS("last_seen", false),
    STIX_REFS("operating_system_refs", false, 0, to_software),
    STIX_LIST("architecture_execution_envs", false),
    STIX_LIST("implementation_languages", false),
    STIX_LIST("capabilities", false),
    STIX_REFS("sample_refs", false, 0, to_sample)};

static int malware_check(struct stix_vctx *v)
{
    if (json_is_true(stix_get(v, "is_family")) && stix_get(v, "name") == NULL)
        return stix_fail(v, "name", "is required when is_family is true");
    return seen_order(v);
}

static const struct stix_prop malware_analysis[] = {
    STIX_STR("product", true),
    STIX_STR("version", false),
    STIX_REF("host_vm_ref", false, 0, to_software),
    STIX_REF("operating_system_ref", false, 0, to_software),
    STIX_REFS("installed_software_refs", false, 0, to_software),
    STIX_STR("configuration_version", false),
    STIX_LIST("modules", false),
    STIX_STR("analysis_engine_version", false),
    STIX_STR("analysis_definition_version", false),
    STIX_TS("submitted", false),
    STIX_TS("analysis_started", false),
    STIX_TS("analysis_ended", false),
    STIX_STR("result_name", false),
    STIX_STR("result", false),
    STIX_REFS("analysis_sco_refs", false, STIX_T_SCO | STIX_T_CUSTOM, NULL),
    STIX_REF("sample_ref", false, 0, to_ma_sample)};

static int malware_analysis_check(struct stix_vctx *v)
{
    if (stix_get(v, "result") == NULL && stix_get(v, "analysis_sco_refs") == NULL)
        return stix_fail(v, "result", "result or analysis_sco_refs is required");
    return ts_order(v, "analysis_started", "analysis_ended", false);
}

static const struct stix_prop note[] = {STIX_STR("abstract", false), STIX_STR("content", true),
                                        STIX_LIST("authors", false),
                                        STIX_REFS("object_refs", true, ANY, NULL)};

static const struct stix_prop observed_data[] = {
    STIX_TS("first_observed", true), STIX_TS("last_observed", true),
    STIX_INT("number_observed", true, 1, 999999999), STIX_DICT("objects", false),
    STIX_REFS("object_refs", false, STIX_T_SCO | STIX_T_SRO | STIX_T_CUSTOM, NULL)};

static int observed_data_check(struct stix_vctx *v)
{
    bool objs = stix_get(v, "objects") != NULL;
    bool refs = stix_get(v, "object_refs") != NULL;

    int rc;

    if (objs == refs)
        return stix_fail(v, "object_refs", "exactly one of objects and object_refs is required");
    rc = ts_order(v, "first_observed", "last_observed", false);
    if (rc == 0 && objs)
        rc = stix_check_embedded(v, stix_get(v, "objects"));
    return rc;
}

static const struct stix_prop opinion[] = {
    STIX_STR("explanation", false), STIX_LIST("authors", false),
    STIX_ENUM("opinion", true, opinion_enum), STIX_REFS("object_refs", true, ANY, NULL)};

static const struct stix_prop report[] = {
    STIX_STR("name", true), STIX_STR("description", false), STIX_LIST("report_types", false),
    STIX_TS("published", true), STIX_REFS("object_refs", true, ANY, NULL)};

static const struct stix_prop threat_actor[] = {STIX_STR("name", true),
                                                STIX_STR("description", false),
                                                STIX_LIST("threat_actor_types", false),
                                                STIX_LIST("aliases", false),
                                                STIX_TS("first_seen", false),
                                                STIX_TS("last_seen", false),
                                                STIX_LIST("roles", false),
                                                STIX_LIST("goals", false),
                                                STIX_STR("sophistication", false),
                                                STIX_STR("resource_level", false),
                                                STIX_STR("primary_motivation", false),
                                                STIX_LIST("secondary_motivations", false),
                                                STIX_LIST("personal_motivations", false)};

static const struct stix_prop tool[] = {
    STIX_STR("name", true),      STIX_STR("description", false), STIX_LIST("tool_types", false),
    STIX_LIST("aliases", false), STIX_KCP("kill_chain_phases"),  STIX_STR("tool_version", false)};

static const struct stix_prop vulnerability[] = {STIX_STR("name", true),
                                                 STIX_STR("description", false)};

/* SROs: what a relationship may join is any SDO or SCO, custom ones included. */
static const struct stix_prop relationship[] = {
    STIX_STR("relationship_type", true),
    STIX_STR("description", false),
    STIX_REF("source_ref", true, STIX_T_SDO | STIX_T_SCO | STIX_T_CUSTOM, NULL),
    STIX_REF("target_ref", true, STIX_T_SDO | STIX_T_SCO | STIX_T_CUSTOM, NULL),
    STIX_TS("start_time", false),
    STIX_TS("stop_time", false)};

static int relationship_check(struct stix_vctx *v)
{
    const json_t *rt = stix_get(v, "relationship_type");
    size_t n = json_string_length(rt);
    const char *s = json_string_value(rt);

    if (n < 3 || n > 250 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
        return stix_fail(v, "relationship_type", "must be 3-250 characters of a-z, 0-9 and -");
    return ts_order(v, "start_time", "stop_time", true);
}

static const struct stix_prop sighting[] = {STIX_STR("description", false),
                                            STIX_TS("first_seen", false),
                                            STIX_TS("last_seen", false),
                                            STIX_INT("count", false, 0, 999999999),
                                            STIX_REF("sighting_of_ref", true, SDO_ONLY, NULL),
                                            STIX_REFS("observed_data_refs", false, 0, to_observed),
                                            STIX_REFS("where_sighted_refs", false, 0, to_where),
                                            STIX_BOOL("summary", false)};

#define T(name, kind, props, check)                                                                \
    {                                                                                              \
        name, kind, props, STIX_NELEM(props), check                                                \
    }

/* Sorted by name for bsearch (a unit test checks the order). */
const struct stix_type stix_sdo_types[] = {
    T("attack-pattern", STIX_SDO, attack_pattern, NULL),
    T("campaign", STIX_SDO, campaign, seen_order),
    T("course-of-action", STIX_SDO, course_of_action, NULL),
    T("grouping", STIX_SDO, grouping, NULL),
    T("identity", STIX_SDO, identity, NULL),
    T("incident", STIX_SDO, incident, NULL),
    T("indicator", STIX_SDO, indicator, indicator_check),
    T("infrastructure", STIX_SDO, infrastructure, seen_order),
    T("intrusion-set", STIX_SDO, intrusion_set, seen_order),
    T("location", STIX_SDO, location, location_check),
    T("malware", STIX_SDO, malware, malware_check),
    T("malware-analysis", STIX_SDO, malware_analysis, malware_analysis_check),
    T("note", STIX_SDO, note, NULL),
    T("observed-data", STIX_SDO, observed_data, observed_data_check),
    T("opinion", STIX_SDO, opinion, NULL),
    T("relationship", STIX_SRO, relationship, relationship_check),
    T("report", STIX_SDO, report, NULL),
    T("sighting", STIX_SRO, sighting, seen_order),
    T("threat-actor", STIX_SDO, threat_actor, seen_order),
    T("tool", STIX_SDO, tool, NULL),
    T("vulnerability", STIX_SDO, vulnerability, NULL),
};
const size_t stix_sdo_ntypes = STIX_NELEM(stix_sdo_types);
