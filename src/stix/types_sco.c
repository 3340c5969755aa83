/* SPDX-License-Identifier: Apache-2.0 */
/*
 * types_sco.c: the STIX Cyber-observable Objects (section 6): one property table per type
 * (whose rows name the value formats values.c checks: MAC-48, CIDR addresses), the nested
 * types of email-message, windows-registry-key and x509-certificate, the either-or rules
 * (artifact payload or url, file hashes or name, network-traffic endpoints), and the SCOs
 * embedded in observed-data. The predefined extensions are in types_sco_ext.c.
 */
#include <stdio.h>
#include <string.h>

#include "stix/stix_int.h"

#define SCO_ANY (STIX_T_SCO | STIX_T_CUSTOM)

static const char *const to_dir[] = {"directory", NULL};
static const char *const to_file_dir[] = {"file", "directory", NULL};
static const char *const to_resolved[] = {"ipv4-addr", "ipv6-addr", "domain-name", NULL};
static const char *const to_account[] = {"user-account", NULL};
static const char *const to_email[] = {"email-addr", NULL};
static const char *const to_artifact[] = {"artifact", NULL};
static const char *const to_mac[] = {"mac-addr", NULL};
static const char *const to_as[] = {"autonomous-system", NULL};
static const char *const to_endpoint[] = {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name",
                                          NULL};
static const char *const to_traffic[] = {"network-traffic", NULL};
static const char *const to_file[] = {"file", NULL};
static const char *const to_process[] = {"process", NULL};
static const char *const encryption_enum[] = {"AES-256-GCM", "ChaCha20-Poly1305",
                                              "mime-type-indicated", NULL};

/* Fails unless at least one row of props (or extensions) is present. */
static int need_one(struct stix_vctx *v, const struct stix_prop *props, size_t n)
{
    if (stix_get(v, "extensions") != NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (stix_get(v, props[i].name) != NULL)
            return 0;
    return stix_fail(v, props[0].name, "at least one property of the object is required");
}

static const struct stix_prop artifact[] = {
    STIX_STR("mime_type", false),
    STIX_STR("payload_bin", false),
    STIX_STR("url", false),
    STIX_HASHES("hashes", false),
    STIX_ENUM("encryption_algorithm", false, encryption_enum),
    STIX_STR("decryption_key", false)};

static int artifact_check(struct stix_vctx *v)
{
    bool bin = stix_get(v, "payload_bin") != NULL;
    bool url = stix_get(v, "url") != NULL;

    if (bin && url)
        return stix_fail(v, "url", "must not be present together with payload_bin");
    if (url && stix_get(v, "hashes") == NULL)
        return stix_fail(v, "hashes", "is required when url is present");
    if (stix_get(v, "decryption_key") != NULL && stix_get(v, "encryption_algorithm") == NULL)
        return stix_fail(v, "decryption_key", "must not be present without encryption_algorithm");
    return 0;
}

static const struct stix_prop autonomous_system[] = {
    STIX_INT("number", true, 0, 4294967295.0), STIX_STR("name", false), STIX_STR("rir", false)};

static const struct stix_prop directory[] = {
    STIX_STR("path", true),  STIX_STR("path_enc", false),
    STIX_TS("ctime", false), STIX_TS("mtime", false),
    STIX_TS("atime", false), STIX_REFS("contains_refs", false, 0, to_file_dir)};

static const struct stix_prop domain_name[] = {
    STIX_STR("value", true), STIX_REFS("resolves_to_refs", false, 0, to_resolved)};

static const struct stix_prop email_addr[] = {STIX_STR("value", true),
                                              STIX_STR("display_name", false),
                                              STIX_REF("belongs_to_ref", false, 0, to_account)};

static const char *const to_mime_raw[] = {"artifact", "file", NULL};

static const struct stix_prop email_mime_part[] = {
    STIX_STR("body", false), STIX_REF("body_raw_ref", false, 0, to_mime_raw),
    STIX_STR("content_type", false), STIX_STR("content_disposition", false)};
static const struct stix_sub email_mime_part_type = {"email-mime-part-type", email_mime_part,
                                                     STIX_NELEM(email_mime_part)};

static const struct stix_prop email_message[] = {
    STIX_BOOL("is_multipart", true),
    STIX_TS("date", false),
    STIX_STR("content_type", false),
    STIX_REF("from_ref", false, 0, to_email),
    STIX_REF("sender_ref", false, 0, to_email),
    STIX_REFS("to_refs", false, 0, to_email),
    STIX_REFS("cc_refs", false, 0, to_email),
    STIX_REFS("bcc_refs", false, 0, to_email),
    STIX_STR("message_id", false),
    STIX_STR("subject", false),
    STIX_LIST("received_lines", false),
    STIX_DICT("additional_header_fields", false),
    STIX_STR("body", false),
    STIX_OBJS_OF("body_multipart", false, &email_mime_part_type),
    STIX_REF("raw_email_ref", false, 0, to_artifact)};

static int email_message_check(struct stix_vctx *v)
{
    bool multi = json_is_true(stix_get(v, "is_multipart"));

    if (multi && stix_get(v, "body") != NULL)
        return stix_fail(v, "body", "must not be present when is_multipart is true");
    if (!multi && stix_get(v, "body_multipart") != NULL)
        return stix_fail(v, "body_multipart", "must not be present when is_multipart is false");
    return 0;
}

static const struct stix_prop file[] = {STIX_HASHES("hashes", false),
                                        STIX_INT("size", false, 0, 9.2e18),
                                        STIX_STR("name", false),
                                        STIX_STR("name_enc", false),
                                        STIX_STR("magic_number_hex", false),
                                        STIX_STR("mime_type", false),
                                        STIX_TS("ctime", false),
                                        STIX_TS("mtime", false),
                                        STIX_TS("atime", false),
                                        STIX_REF("parent_directory_ref", false, 0, to_dir),
                                        STIX_REFS("contains_refs", false, SCO_ANY, NULL),
                                        STIX_REF("content_ref", false, 0, to_artifact)};

static int file_check(struct stix_vctx *v)
{
    if (stix_get(v, "hashes") == NULL && stix_get(v, "name") == NULL)
        return stix_fail(v, "name", "hashes or name is required");
    return 0;
}

static const struct stix_prop ipv4_addr[] = {STIX_IPV4("value", true),
                                             STIX_REFS("resolves_to_refs", false, 0, to_mac),
                                             STIX_REFS("belongs_to_refs", false, 0, to_as)};

static const struct stix_prop ipv6_addr[] = {STIX_IPV6("value", true),
                                             STIX_REFS("resolves_to_refs", false, 0, to_mac),
                                             STIX_REFS("belongs_to_refs", false, 0, to_as)};

static const struct stix_prop mac_addr[] = {STIX_MAC("value", true)};

static const struct stix_prop mutex[] = {STIX_STR("name", true)};

static const struct stix_prop network_traffic[] = {
    STIX_TS("start", false),
    STIX_TS("end", false),
    STIX_BOOL("is_active", false),
    STIX_REF("src_ref", false, 0, to_endpoint),
    STIX_REF("dst_ref", false, 0, to_endpoint),
    STIX_INT("src_port", false, 0, 65535),
    STIX_INT("dst_port", false, 0, 65535),
    STIX_LIST("protocols", true),
    STIX_INT("src_byte_count", false, 0, 9.2e18),
    STIX_INT("dst_byte_count", false, 0, 9.2e18),
    STIX_INT("src_packets", false, 0, 9.2e18),
    STIX_INT("dst_packets", false, 0, 9.2e18),
    STIX_DICT("ipfix", false),
    STIX_REF("src_payload_ref", false, 0, to_artifact),
    STIX_REF("dst_payload_ref", false, 0, to_artifact),
    STIX_REFS("encapsulates_refs", false, 0, to_traffic),
    STIX_REF("encapsulated_by_ref", false, 0, to_traffic)};

static int network_traffic_check(struct stix_vctx *v)
{
    rk_time_us start, end;
    bool hs, he;
    int rc;

    if (stix_get(v, "src_ref") == NULL && stix_get(v, "dst_ref") == NULL)
        return stix_fail(v, "src_ref", "src_ref or dst_ref is required");
    if (json_is_true(stix_get(v, "is_active")) && stix_get(v, "end") != NULL)
        return stix_fail(v, "end", "must not be present when is_active is true");
    rc = stix_get_ts(v, "start", &start, &hs);
    if (rc == 0)
        rc = stix_get_ts(v, "end", &end, &he);
    if (rc == 0 && hs && he && end < start)
        rc = stix_fail(v, "end", "must not be earlier than start");
    return rc;
}

static const struct stix_prop process[] = {
    STIX_BOOL("is_hidden", false),
    STIX_INT("pid", false, 0, 9.2e18),
    STIX_TS("created_time", false),
    STIX_STR("cwd", false),
    STIX_STR("command_line", false),
    STIX_DICT("environment_variables", false),
    STIX_REFS("opened_connection_refs", false, 0, to_traffic),
    STIX_REF("creator_user_ref", false, 0, to_account),
    STIX_REF("image_ref", false, 0, to_file),
    STIX_REF("parent_ref", false, 0, to_process),
    STIX_REFS("child_refs", false, 0, to_process)};

static int process_check(struct stix_vctx *v)
{
    return need_one(v, process, STIX_NELEM(process));
}

static const struct stix_prop software[] = {
    STIX_STR("name", true),        STIX_STR("cpe", false),    STIX_STR("swid", false),
    STIX_LIST("languages", false), STIX_STR("vendor", false), STIX_STR("version", false)};

static const struct stix_prop url[] = {STIX_STR("value", true)};

static const struct stix_prop user_account[] = {STIX_STR("user_id", false),
                                                STIX_STR("credential", false),
                                                STIX_STR("account_login", false),
                                                STIX_STR("account_type", false),
                                                STIX_STR("display_name", false),
                                                STIX_BOOL("is_service_account", false),
                                                STIX_BOOL("is_privileged", false),
                                                STIX_BOOL("can_escalate_privs", false),
                                                STIX_BOOL("is_disabled", false),
                                                STIX_TS("account_created", false),
                                                STIX_TS("account_expires", false),
                                                STIX_TS("credential_last_changed", false),
                                                STIX_TS("account_first_login", false),
                                                STIX_TS("account_last_login", false)};

static const char *const registry_datatype_enum[] = {"REG_NONE",
                                                     "REG_SZ",
                                                     "REG_EXPAND_SZ",
                                                     "REG_BINARY",
                                                     "REG_DWORD",
                                                     "REG_DWORD_BIG_ENDIAN",
                                                     "REG_DWORD_LITTLE_ENDIAN",
                                                     "REG_LINK",
                                                     "REG_MULTI_SZ",
                                                     "REG_RESOURCE_LIST",
                                                     "REG_FULL_RESOURCE_DESCRIPTION",
                                                     "REG_RESOURCE_REQUIREMENTS_LIST",
                                                     "REG_QWORD",
                                                     "REG_INVALID_TYPE",
                                                     NULL};

static const struct stix_prop registry_value[] = {
    STIX_STR("name", false), STIX_STR("data", false),
    STIX_ENUM("data_type", false, registry_datatype_enum)};
static const struct stix_sub registry_value_type = {"windows-registry-value-type", registry_value,
                                                    STIX_NELEM(registry_value)};

static const struct stix_prop windows_registry_key[] = {
    STIX_STR("key", false), STIX_OBJS_OF("values", false, &registry_value_type),
    STIX_TS("modified_time", false), STIX_REF("creator_user_ref", false, 0, to_account),
    STIX_INT("number_of_subkeys", false, 0, 9.2e18)};

static const struct stix_prop x509_v3[] = {STIX_STR("basic_constraints", false),
                                           STIX_STR("name_constraints", false),
                                           STIX_STR("policy_constraints", false),
                                           STIX_STR("key_usage", false),
                                           STIX_STR("extended_key_usage", false),
                                           STIX_STR("subject_key_identifier", false),
                                           STIX_STR("authority_key_identifier", false),
                                           STIX_STR("subject_alternative_name", false),
                                           STIX_STR("issuer_alternative_name", false),
                                           STIX_STR("subject_directory_attributes", false),
                                           STIX_STR("crl_distribution_points", false),
                                           STIX_STR("inhibit_any_policy", false),
                                           STIX_TS("private_key_usage_period_not_before", false),
                                           STIX_TS("private_key_usage_period_not_after", false),
                                           STIX_STR("certificate_policies", false),
                                           STIX_STR("policy_mappings", false)};
static const struct stix_sub x509_v3_type = {"x509-v3-extensions-type", x509_v3,
                                             STIX_NELEM(x509_v3)};

static const struct stix_prop x509_certificate[] = {
    STIX_BOOL("is_self_signed", false),
    STIX_HASHES("hashes", false),
    STIX_STR("version", false),
    STIX_STR("serial_number", false),
    STIX_STR("signature_algorithm", false),
    STIX_STR("issuer", false),
    STIX_TS("validity_not_before", false),
    STIX_TS("validity_not_after", false),
    STIX_STR("subject", false),
    STIX_STR("subject_public_key_algorithm", false),
    STIX_STR("subject_public_key_modulus", false),
    STIX_INT("subject_public_key_exponent", false, 0, 9.2e18),
    STIX_OBJ_OF("x509_v3_extensions", false, &x509_v3_type)};

static int x509_check(struct stix_vctx *v)
{
    return need_one(v, x509_certificate, STIX_NELEM(x509_certificate));
}

#define T(name, props, check)                                                                      \
    {                                                                                              \
        name, STIX_SCO, props, STIX_NELEM(props), check                                            \
    }

/* Sorted by name for bsearch (a unit test checks the order). */
const struct stix_type stix_sco_types[] = {
    T("artifact", artifact, artifact_check),
    T("autonomous-system", autonomous_system, NULL),
    T("directory", directory, NULL),
    T("domain-name", domain_name, NULL),
    T("email-addr", email_addr, NULL),
    T("email-message", email_message, email_message_check),
    T("file", file, file_check),
    T("ipv4-addr", ipv4_addr, NULL),
    T("ipv6-addr", ipv6_addr, NULL),
    T("mac-addr", mac_addr, NULL),
    T("mutex", mutex, NULL),
    T("network-traffic", network_traffic, network_traffic_check),
    T("process", process, process_check),
    T("software", software, NULL),
    T("url", url, NULL),
    T("user-account", user_account, NULL),
    T("windows-registry-key", windows_registry_key, NULL),
    T("x509-certificate", x509_certificate, x509_check),
};
const size_t stix_sco_ntypes = STIX_NELEM(stix_sco_types);

int stix_check_embedded(struct stix_vctx *v, const json_t *objects)
{
    const char *key;
    const json_t *o;
    char where[STIX_WHERE_MAX];
    int rc = 0;

    v->keyrefs = true;
    json_object_foreach((json_t *)objects, key, o)
    {
        const json_t *type = json_object_get(o, "type");
        const json_t *ext;
        const struct stix_type *t;
        snprintf(where, sizeof where, "objects.%.80s", key);
        if (!json_is_object(o)) {
            rc = stix_fail(v, "objects", "'%.80s' must be an object (an SCO)", key);
            break;
        }
        if (!json_is_string(type) ||
            !stix_type_name_ok(json_string_value(type), json_string_length(type))) {
            rc = stix_fail(v, where, "needs a type (an SCO type name)");
            break;
        }
        t = stix_type_find(json_string_value(type), json_string_length(type));
        if (t == NULL || t->kind != STIX_SCO)
            continue; /* a custom observable: nothing more is known of it */
        const struct stix_sub body = {t->name, t->props, t->nprops};
        rc = stix_check_sub(v, where, o, &body);
        if (rc != 0)
            break;
        ext = json_object_get(o, "extensions");
        if (json_is_object(ext)) {
            const char *name;
            const json_t *e;
            json_object_foreach((json_t *)ext, name, e)
            {
                const struct stix_sub *sub =
                    stix_sco_extension(t->name, strlen(t->name), name, strlen(name));
                char ewhere[STIX_WHERE_MAX];
                if (sub == NULL || !json_is_object(e))
                    continue;
                snprintf(ewhere, sizeof ewhere, "objects.%.80s.extensions.%.80s", key, name);
                rc = stix_check_sub(v, ewhere, e, sub);
                if (rc != 0)
                    break;
            }
            if (rc != 0)
                break;
        }
    }
    v->keyrefs = false;
    return rc;
}
