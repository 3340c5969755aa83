/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stix_valid.c: a valid object of every STIX 2.1 type passes stix_validate, and so do
 * the real data sets in ../shared/data (ATT&CK for ICS, the OASIS SCO examples) except the
 * few objects that genuinely break the specification, whose exact reason is asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stix_test_util.h"

static const char *const valid[] = {
    "{" SDO("attack-pattern") ",'name':'Spearphishing','kill_chain_phases':[{'kill_chain_name':"
                              "'mitre-attack','phase_name':'initial-access'}]}",
    "{" SDO("campaign") ",'name':'Op X','first_seen':'2024-01-01T00:00:00Z',"
                        "'last_seen':'2024-01-01T00:00:00Z'}",
    "{" SDO("course-of-action") ",'name':'Patch'}",
    "{" SDO("grouping") ",'context':'suspicious-activity','object_refs':['malware" U "']}",
    "{" SDO("identity") ",'name':'ACME','identity_class':'organization','sectors':['energy']}",
    "{" SDO("incident") ",'name':'Outage'}",
    "{" SDO(
        "indicator") ",'pattern':'alert tcp any any','pattern_type':'snort',"
                     "'valid_from':'2024-01-01T00:00:00Z','valid_until':'2024-02-01T00:00:00Z'}",
    "{" SDO("infrastructure") ",'name':'C2 net'}",
    "{" SDO("intrusion-set") ",'name':'APT0','aliases':['Zero']}",
    "{" SDO("location") ",'region':'eastern-asia'}",
    "{" SDO("location") ",'latitude':35.68,'longitude':139.69,'precision':1000.0}",
    "{" SDO("location") ",'country':'JP'}",
    "{" SDO("malware") ",'name':'Emotet','is_family':true,'sample_refs':['file" U "']}",
    "{" SDO("malware") ",'is_family':false}",
    "{" SDO("malware-analysis") ",'product':'sandbox','result':'malicious'}",
    "{" SDO("malware-analysis") ",'product':'sandbox','analysis_sco_refs':['file" U "']}",
    "{" SDO("note") ",'content':'seen twice','object_refs':['incident" U "']}",
    "{" SDO(
        "observed-data") ",'first_observed':'2024-01-01T00:00:00Z','last_observed':"
                         "'2024-01-01T00:00:00Z','number_observed':1,'object_refs':['ipv4-addr" U
                         "']}",
    /* the deprecated objects dictionary: embedded SCOs refer to each other by key */
    "{" SDO(
        "observed-data") ",'first_observed':'2024-01-01T00:00:00Z','last_observed':"
                         "'2024-01-01T00:00:00Z','number_observed':1,'objects':{'0':{'type':"
                         "'ipv4-addr','value':'198.51.100.3/32'},'1':{'type':'network-traffic',"
                         "'src_ref':'0','dst_port':443,'protocols':['tcp']},'2':{'type':'x-acme',"
                         "'anything':1}}}",
    "{" SDO("opinion") ",'opinion':'strongly-agree','object_refs':['report" U "']}",
    "{" SDO("report") ",'name':'Weekly','published':'2024-01-05T00:00:00Z','object_refs':"
                      "['indicator" U "']}",
    "{" SDO("threat-actor") ",'name':'Crew','threat_actor_types':['crime-syndicate']}",
    "{" SDO("tool") ",'name':'nmap'}",
    "{" SDO("vulnerability") ",'name':'CVE-2024-0001','external_references':[{'source_name':"
                             "'cve','external_id':'CVE-2024-0001'}]}",
    "{" SDO("relationship") ",'relationship_type':'uses','source_ref':'malware" U "',"
                            "'target_ref':'attack-pattern" U2 "'}",
    "{" SDO("relationship") ",'relationship_type':'resolves-to','source_ref':'domain-name" U "',"
                            "'target_ref':'ipv4-addr" U2 "'}",
    "{" SDO("sighting") ",'sighting_of_ref':'indicator" U "','count':0,'where_sighted_refs':"
                        "['identity" U "','location" U2 "'],'observed_data_refs':['observed-data" U
                        "']}",
    "{'type':'artifact','id':'artifact" U "','payload_bin':'aGVsbG8=','mime_type':'text/plain'}",
    "{'type':'artifact','id':'artifact" U "','url':'https://x.example/a','hashes':{'SHA-256':"
    "'effb46bba03f6c8aea5c653f9cf984f170dcdd3bbbe2ff6843c3e5da0e698766'}}",
    "{'type':'autonomous-system','spec_version':'2.1','id':'autonomous-system" U "','number':"
    "15139}",
    "{'type':'directory','id':'directory" U "','path':'C:\\\\Windows'}",
    "{'type':'domain-name','id':'domain-name" U "','value':'example.com','resolves_to_refs':"
    "['ipv4-addr" U "']}",
    "{'type':'email-addr','id':'email-addr" U "','value':'a@example.com'}",
    "{'type':'email-message','id':'email-message" U "','is_multipart':false,'body':'hi'}",
    "{'type':'email-message','id':'email-message" U "','is_multipart':true,'body_multipart':"
    "[{'body':'x'}]}",
    "{'type':'file','id':'file" U "','name':'a.exe'}",
    "{'type':'file','id':'file" U "','hashes':{'MD5':'a92e5b2bae0b4b3a3d81c85610b95cd4'},"
    "'magic_number_hex':'FFD8'}",
    "{'type':'ipv4-addr','id':'ipv4-addr" U "','value':'198.51.100.0/24'}",
    "{'type':'ipv6-addr','id':'ipv6-addr" U "','value':'2001:db8::1'}",
    "{'type':'mac-addr','id':'mac-addr" U "','value':'00:0a:95:9d:68:16'}",
    "{'type':'mutex','id':'mutex" U "','name':'__CLEANSWEEP__'}",
    "{'type':'network-traffic','id':'network-traffic" U "','dst_ref':'ipv4-addr" U "',"
    "'dst_port':443,'protocols':['tcp']}",
    "{'type':'process','id':'process" U "','pid':1}",
    "{'type':'software','id':'software" U "','name':'Word'}",
    "{'type':'url','id':'url" U "','value':'https://example.com/'}",
    "{'type':'user-account','id':'user-account" U "','account_login':'jdoe'}",
    "{'type':'windows-registry-key','id':'windows-registry-key" U "','key':'HKEY_LOCAL_MACHINE'}",
    "{'type':'x509-certificate','id':'x509-certificate" U "','serial_number':'01'}",
    "{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--"
    "34098fce-860f-48ae-8e50-ebd3cc5e41da','created':'2017-01-20T00:00:00.000Z',"
    "'definition_type':'tlp','definition':{'tlp':'green'}}",
    "{'type':'marking-definition','spec_version':'2.1','id':'marking-definition" U "',"
    "'created':'2017-01-20T00:00:00.000Z','definition_type':'statement','definition':"
    "{'statement':'Copyright ACME'}}",
    "{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--"
    "bab4a63c-aed9-4cf5-a766-dfca5abac2bb','created':'2022-10-01T00:00:00.000Z','name':"
    "'TLP:GREEN','extensions':{'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d':"
    "{'extension_type':'property-extension','tlp_2_0':'green'}}}",
    "{" SDO("language-content") ",'object_ref':'campaign" U "','object_modified':"
                                "'2024-01-02T03:04:05.000Z','contents':{'de':{'name':'Kampagne'}}}",
    "{" SDO(
        "extension-definition") ",'created_by_ref':'identity" U "','name':'ext','schema':"
                                "'https://x.example/s.json','version':'1.0.0','extension_types':"
                                "['toplevel-property-extension'],'extension_properties':['x_score']"
                                "}",
    /* Custom objects: SDO-like with created, SCO-like without. */
    "{" SDO("x-acme-widget") ",'widget_size':3}",
    "{'type':'x-acme-sensor','id':'x-acme-sensor" U "','reading':7}",
    /* Custom properties, extensions, markings and common properties together. */
    "{" SDO("tool") ",'name':'t','x_acme_score':5,'custom_name':'ok','confidence':100,"
                    "'labels':['a'],'lang':'en','revoked':false,'created_by_ref':'identity" U "',"
                    "'object_marking_refs':['marking-definition" U
                    "'],'granular_markings':[{'selectors':"
                    "['name'],'marking_ref':'marking-definition" U
                    "'},{'selectors':['name'],'lang':'ja'}],"
                    "'extensions':{'extension-definition" U
                    "':{'extension_type':'property-extension',"
                    "'rank':1}}}",
    "{'type':'file','id':'file" U "','name':'x','extensions':{'x-acme-ext':{'foo_val':1},"
    "'ntfs-ext':{'sid':'1'}}}",
    /* Timestamps with more than millisecond precision are fine. */
    "{'type':'tool','spec_version':'2.1','id':'tool" U "','created':'2024-01-02T03:04:05.123456Z',"
    "'modified':'2024-01-02T03:04:05.123457Z','name':'t'}",
};

static void every_type_valid(void **state)
{
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        json_t *j = tj(valid[i]);
        struct rk_err err;
        int rc;
        assert_non_null(j);
        rk_err_clear(&err);
        rc = stix_validate(j, &err);
        if (rc != 0)
            fail_msg("case %zu rejected: %s", i, err.msg);
        assert_string_equal(err.msg, "");
        json_decref(j);
    }
}

/* Pattern-dependent: needs the pattern grammar of pattern.c to accept a simple pattern. */
static void indicator_stix_pattern(void **state)
{
    json_t *j = tj("{" SDO("indicator") ",'pattern':'','pattern_type':'stix',"
                                        "'valid_from':'2024-01-01T00:00:00Z'}");
    json_t *bad = tj("{" SDO("indicator") ",'pattern':'[ipv4-addr:value = ','pattern_type':"
                                          "'stix','valid_from':'2024-01-01T00:00:00Z'}");
    struct rk_err err;

    assert_non_null(j);
    assert_non_null(bad);
    json_object_set_new(j, "pattern", json_string("[ipv4-addr:value = '198.51.100.1']"));
    if (stix_validate(j, &err) != 0)
        fail_msg("rejected: %s", err.msg);
    assert_int_equal(stix_validate(bad, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "indicator" U ": property 'pattern': "));
    json_decref(j);
    json_decref(bad);
}

/* Validates every object of a file; returns how many failed and checks each message. */
static size_t validate_file(const char *path, const char *const *expected, size_t nexpected)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    json_t *objs, *o;
    size_t i, bad = 0;

    if (root == NULL)
        fail_msg("%s: %s", path, je.text);
    objs = json_is_array(root) ? root : json_object_get(root, "objects");
    assert_true(json_array_size(objs) > 0);
    json_array_foreach(objs, i, o)
    {
        struct rk_err err;
        bool known = false;
        if (stix_validate(o, &err) == 0)
            continue;
        bad++;
        for (size_t k = 0; k < nexpected; k++)
            if (strstr(err.msg, expected[k]) != NULL)
                known = true;
        if (!known)
            fail_msg("%s: object %zu: %s", path, i, err.msg);
    }
    json_decref(root);
    return bad;
}

static void attack_ics(void **state)
{
    /* ATT&CK writes an empty string where an identifier belongs (5 data components). */
    static const char *const reasons[] = {
        ": property 'x_mitre_data_source_ref': must be an identifier (<type>--<UUID>)"};
    assert_int_equal(validate_file("../shared/data/attack-ics/ics-attack-18.1.json", reasons, 1),
                     5);
}

static void sco_examples(void **state)
{
    /* The examples abbreviate artifact payloads as "VBORw0...== ...", which is not base64. */
    static const char *const reasons[] = {": property 'payload_bin': must be base64 (RFC 4648)"};
    assert_int_equal(
        validate_file("../shared/data/oasis-python-stix2/sco-examples-bundle.json", reasons, 1), 3);
}

static void swiftioc_rejected(void **state)
{
    /* Its ids are 32 hex digits instead of UUIDs, so every indicator must be refused. */
    static const char *const reasons[] = {
        "object indicator: property 'id': must be <type>--<UUID>, not 'indicator--"};
    json_error_t je;
    json_t *root =
        json_load_file("../shared/data/nonconformant-swiftioc/stix2-1268bde.json", 0, &je);
    size_t n = json_array_size(json_object_get(root, "objects"));

    assert_true(n > 1000);
    assert_int_equal(
        validate_file("../shared/data/nonconformant-swiftioc/stix2-1268bde.json", reasons, 1), n);
    json_decref(root);
    root = json_load_file("../shared/data/nonconformant-swiftioc/stix2-9aefae5.json", 0, &je);
    n = json_array_size(json_object_get(root, "objects"));
    assert_int_equal(
        validate_file("../shared/data/nonconformant-swiftioc/stix2-9aefae5.json", reasons, 1), n);
    json_decref(root);
}

/* With its ids repaired, a swiftioc indicator still breaks the millisecond rule. */
static void swiftioc_second_fault(void **state)
{
    json_error_t je;
    json_t *root =
        json_load_file("../shared/data/nonconformant-swiftioc/stix2-1268bde.json", 0, &je);
    json_t *o = json_array_get(json_object_get(root, "objects"), 0);
    struct rk_err err;

    assert_non_null(o);
    json_object_set_new(o, "id", json_string("indicator" U));
    assert_int_equal(stix_validate(o, &err), RK_E_INVALID);
    assert_string_equal(
        err.msg, "indicator" U ": property 'created': must be precise to at least the millisecond");
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_valid),  cmocka_unit_test(indicator_stix_pattern),
        cmocka_unit_test(attack_ics),        cmocka_unit_test(sco_examples),
        cmocka_unit_test(swiftioc_rejected), cmocka_unit_test(swiftioc_second_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
