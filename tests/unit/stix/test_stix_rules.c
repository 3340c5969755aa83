/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stix_rules.c: every validation rule has an object that breaks it, and the message
 * stix_validate gives must name the object, the property and the rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stix/stix_int.h"
#include "stix_test_util.h"

#define SCO(type) "'type':'" type "','id':'" type U "'"
#define IND       "'pattern':'x','pattern_type':'snort','valid_from':'2024-01-01T00:00:00Z'"
#define OBS       "'first_observed':'2024-01-01T00:00:00Z','last_observed':'2024-01-01T00:00:00Z'"
/* The type, spec_version and id of a tool, without created and modified. */
#define TOOL_ID "'type':'tool','spec_version':'2.1','id':'tool" U "'"
/* A marking definition's head, without and with created. */
#define MD_ID "'type':'marking-definition','spec_version':'2.1','id':'marking-definition" U "'"
#define MD    MD_ID ",'created':'2017-01-20T00:00:00.000Z'"

struct rule_case {
    const char *json; /* the object, single-quoted */
    const char *msg;  /* a substring the message must contain */
};

static const struct rule_case cases[] = {
    /* Object shape and type names. */
    {"[1]", "object ?: must be a JSON object"},
    {"{'id':'tool" U "'}", "object ?: property 'type': is required"},
    {"{'type':7}", "object ?: property 'type': must be a string"},
    {"{'type':'To-ol','id':'tool" U "'}", "object To-ol: property 'type': must be 3-250"},
    {"{'type':'x--y','id':'x--y" U "'}", "property 'type': must be 3-250"},
    {"{'type':'-xy','id':'x" U "'}", "property 'type': must be 3-250"},
    {"{'type':'ab','id':'ab" U "'}", "object ab: property 'type': must be 3-250"},
    {"{'type':'bundle','id':'bundle" U "','objects':[]}", "a bundle is not a STIX object"},
    /* Identifiers. */
    {"{'type':'tool','spec_version':'2.1','name':'t'}", "object tool: property 'id': is required"},
    {"{'type':'tool','id':'tool--123','name':'t'}",
     "object tool: property 'id': must be <type>--<UUID>"},
    {"{" SDO("tool") ",'id':'malware" U "','name':'t'}",
     "property 'id': must start with the object's type 'tool--'"},
    /* spec_version. */
    {"{'type':'tool','id':'tool" U "'," TS ",'name':'t'}",
     "tool" U ": property 'spec_version': is required"},
    {"{" SDO("tool") ",'spec_version':'2.0','name':'t'}",
     "property 'spec_version': must be \"2.1\""},
    {"{" SCO("url") ",'spec_version':'2.2','value':'x'}", "url" U ": property 'spec_version'"},
    /* created / modified. */
    {"{" TOOL_ID ",'name':'t'}", "tool" U ": property 'created': is required"},
    {"{" TOOL_ID ",'created':'2024-01-02T03:04:05.000Z','name':'t'}",
     "property 'modified': is required"},
    {"{" TOOL_ID
     ",'created':'2024-01-02T03:04:05Z','modified':'2024-01-02T03:04:05.000Z','name':'t'}",
     "property 'created': must be precise to at least the millisecond"},
    {"{" TOOL_ID
     ",'created':'2024-01-02 03:04:05.000Z','modified':'2024-01-02T03:04:05.000Z','name':'t'}",
     "property 'created': must be an RFC 3339 UTC timestamp"},
    {"{" TOOL_ID
     ",'created':'2024-01-02T03:04:05.000Z','modified':'2024-01-01T03:04:05.000Z','name':'t'}",
     "property 'modified': must not be earlier than created"},
    {"{" TOOL_ID
     ",'created':'2024-01-02T03:04:05.000+09:00','modified':'2024-01-02T03:04:05.000Z','name':'t'"
     "}",
     "property 'created': must be an RFC 3339 UTC timestamp"},
    /* Common properties. */
    {"{" SDO("tool") ",'name':'t','created_by_ref':'organization" U "'}",
     "property 'created_by_ref': must refer to identity, not organization"},
    {"{" SDO("tool") ",'name':'t','created_by_ref':'identity--xyz'}",
     "property 'created_by_ref': must be an identifier"},
    {"{" SDO("tool") ",'name':'t','object_marking_refs':['identity" U "']}",
     "property 'object_marking_refs': must refer to marking-definition"},
    {"{" SDO("tool") ",'name':'t','object_marking_refs':[]}",
     "property 'object_marking_refs': must be a non-empty list"},
    {"{" SDO("tool") ",'name':'t','confidence':101}",
     "property 'confidence': must be between 0 and 100"},
    {"{" SDO("tool") ",'name':'t','confidence':'high'}",
     "property 'confidence': must be an integer"},
    {"{" SDO("tool") ",'name':'t','revoked':'no'}", "property 'revoked': must be a boolean"},
    {"{" SDO("tool") ",'name':'t','labels':['a',1]}", "property 'labels': item 1 must be a string"},
    {"{" SDO("tool") ",'name':'t','lang':5}", "property 'lang': must be a string"},
    {"{" SDO("tool") ",'name':'t','external_references':[{'url':'https://x'}]}",
     "property 'external_references': item 0 needs a string source_name"},
    {"{" SDO("tool") ",'name':'t','external_references':[{'source_name':'x'}]}",
     "item 0 needs description, url or external_id"},
    {"{" SDO("tool") ",'name':'t','external_references':[{'source_name':'x','url':'u','hashes':{'"
                     "MD5':'abc'}}]}",
     "property 'external_references': hash 'MD5' must be 32 hexadecimal digits"},
    {"{" SDO("tool") ",'name':'t','granular_markings':[{'selectors':[],'lang':'en'}]}",
     "property 'granular_markings': item 0 needs non-empty selectors"},
    {"{" SDO("tool") ",'name':'t','granular_markings':[{'selectors':['name']}]}",
     "item 0 needs exactly one of marking_ref and lang"},
    {"{" SDO("tool") ",'name':'t','granular_markings':[{'selectors':['name'],'lang':'en','marking_"
                     "ref':'marking-definition" U "'}]}",
     "item 0 needs exactly one of marking_ref and lang"},
    {"{" SDO("tool") ",'name':'t','granular_markings':[{'selectors':['name'],'marking_ref':'tool" U
                     "'}]}",
     "property 'granular_markings': must refer to marking-definition"},
    /* Extensions. */
    {"{" SDO("tool") ",'name':'t','extensions':{'acme-ext':{'a_b':1}}}",
     "key 'acme-ext' must be extension-definition--<UUID> (named extensions are for SCOs only)"},
    {"{" SCO("file") ",'name':'t','extensions':{'my-extension':{'a_b':1}}}",
     "property 'extensions': key 'my-extension' must be extension-definition--<UUID> or a name "
     "ending in -ext"},
    {"{" SDO("tool") ",'name':'t','extensions':{'extension-definition" U "':{'rank':1}}}",
     "needs extension_type"},
    {"{" SDO("tool") ",'name':'t','extensions':{'extension-definition" U
                     "':{'extension_type':'new-thing'}}}",
     "extension_type must be one of extension-type-enum"},
    {"{" SDO("tool") ",'name':'t','extensions':{'extension-definition--123':{'extension_type':'new-"
                     "sdo'}}}",
     "is not a valid identifier"},
    {"{" SCO("file") ",'name':'x','extensions':{'x-acme-ext':{}}}",
     "'x-acme-ext' must be a non-empty object"},
    {"{" SCO("file") ",'name':'x','extensions':{'x-acme-ext':{'Bad':1}}}",
     "property 'extensions.x-acme-ext.Bad': name must be 3-250"},
    {"{" SCO("network-traffic") ",'dst_ref':'ipv4-addr" U "','protocols':['icmp'],'extensions':{'"
                                "icmp-ext':{'icmp_type_hex':'8','icmp_code_hex':'00'}}}",
     "property 'extensions.icmp-ext.icmp_type_hex': must be an even number of hexadecimal digits"},
    /* Property names, reserved names, suffixes, empty lists. */
    {"{" SDO("tool") ",'name':'t','X_Score':1}",
     "property 'X_Score': name must be 3-250 characters"},
    {"{" SDO("tool") ",'name':'t','xy':1}", "property 'xy': name must be 3-250 characters"},
    {"{" SDO("tool") ",'name':'t','x-score':1}", "property 'x-score': name must be"},
    {"{" SDO("tool") ",'name':'t','_score':1}", "property '_score': name must be"},
    {"{" SDO("course-of-action") ",'name':'t','action':'block'}",
     "property 'action': is a reserved name"},
    {"{" SDO("tool") ",'name':'t','severity':3}", "property 'severity': is a reserved name"},
    {"{" SDO("tool") ",'name':'t','phone_number':'1'}",
     "property 'phone_number': is a reserved name"},
    {"{" SDO("tool") ",'name':'t','username':'u'}", "property 'username': is a reserved name"},
    {"{" SDO("tool") ",'name':'t','x_acme_target_ref':'nothing'}",
     "property 'x_acme_target_ref': must be an identifier"},
    {"{" SDO("tool") ",'name':'t','x_acme_target_refs':'tool" U "'}",
     "property 'x_acme_target_refs': must be a non-empty list of identifiers"},
    {"{" SDO("tool") ",'name':'t','x_acme_target_refs':[]}",
     "property 'x_acme_target_refs': must not be an empty list"},
    {"{" SDO("tool") ",'name':'t','x_acme_blob_bin':'a=b='}",
     "property 'x_acme_blob_bin': must be base64"},
    {"{" SDO("tool") ",'name':'t','x_acme_tags':[]}",
     "property 'x_acme_tags': must not be an empty list"},
    /* Custom objects. */
    {"{" SDO("x-acme-widget") "}",
     "x-acme-widget" U ": property 'type': a custom object needs at least one property of its own"},
    {"{'type':'x-acme-widget','id':'x-acme-widget" U
     "','created':'2024-01-02T03:04:05.000Z','size':1}",
     "property 'spec_version': is required"},
    {"{'type':'x-acme-widget','spec_version':'2.1','id':'x-acme-widget" U
     "','created':'2024-01-02T03:04:05.000Z','size':1}",
     "property 'modified': is required"},
    /* SDOs. */
    {"{" SDO("attack-pattern") "}", "attack-pattern" U ": property 'name': is required"},
    {"{" SDO("attack-pattern") ",'name':'x','kill_chain_phases':[{'phase_name':'a'}]}",
     "property 'kill_chain_phases': kill-chain phase 0 needs string kill_chain_name and "
     "phase_name"},
    {"{" SDO("campaign") ",'name':'c','first_seen':'2024-02-01T00:00:00Z','last_seen':'2024-01-"
                         "01T00:00:00Z'}",
     "property 'last_seen': must not be earlier than first_seen"},
    {"{" SDO("course-of-action") "}", "property 'name': is required"},
    {"{" SDO("grouping") ",'object_refs':['tool" U "']}",
     "grouping" U ": property 'context': is required"},
    {"{" SDO("grouping") ",'context':'x'}", "property 'object_refs': is required"},
    {"{" SDO("grouping") ",'context':'x','object_refs':['tool']}",
     "property 'object_refs': must be an identifier"},
    {"{" SDO("identity") ",'identity_class':'individual'}",
     "identity" U ": property 'name': is required"},
    {"{" SDO("identity") ",'name':'x','sectors':'energy'}",
     "property 'sectors': must be a non-empty list of strings"},
    {"{" SDO("incident") "}", "incident" U ": property 'name': is required"},
    {"{" SDO("indicator") ",'pattern_type':'snort','valid_from':'2024-01-01T00:00:00Z'}",
     "property 'pattern': is required"},
    {"{" SDO("indicator") ",'pattern':'x','valid_from':'2024-01-01T00:00:00Z'}",
     "property 'pattern_type': is required"},
    {"{" SDO("indicator") ",'pattern':'x','pattern_type':'snort'}",
     "property 'valid_from': is required"},
    {"{" SDO("indicator") "," IND ",'valid_until':'2024-01-01T00:00:00Z'}",
     "indicator" U ": property 'valid_until': must be later than valid_from"},
    {"{" SDO("indicator") "," IND ",'valid_until':'yesterday'}",
     "property 'valid_until': must be an RFC 3339 UTC timestamp"},
    {"{" SDO("infrastructure") "}", "infrastructure" U ": property 'name': is required"},
    {"{" SDO("intrusion-set") "}", "intrusion-set" U ": property 'name': is required"},
    {"{" SDO("location") ",'name':'somewhere'}",
     "location" U ": property 'region': one of region, country or latitude+longitude is required"},
    {"{" SDO("location") ",'latitude':10.0}",
     "property 'longitude': is required when latitude is present"},
    {"{" SDO("location") ",'latitude':91.0,'longitude':0}",
     "property 'latitude': must be between -90 and 90"},
    {"{" SDO("location") ",'latitude':1,'longitude':-181}",
     "property 'longitude': must be between -180 and 180"},
    {"{" SDO("location") ",'country':'JP','precision':10.0}",
     "property 'precision': requires latitude and longitude"},
    {"{" SDO("malware") ",'name':'m'}", "malware" U ": property 'is_family': is required"},
    {"{" SDO("malware") ",'is_family':true}",
     "property 'name': is required when is_family is true"},
    {"{" SDO("malware") ",'is_family':'yes','name':'m'}",
     "property 'is_family': must be a boolean"},
    {"{" SDO("malware") ",'is_family':false,'sample_refs':['url" U "']}",
     "property 'sample_refs': must refer to file or artifact, not url"},
    {"{" SDO("malware") ",'is_family':false,'operating_system_refs':['tool" U "']}",
     "property 'operating_system_refs': must refer to software"},
    {"{" SDO("malware-analysis") ",'result':'malicious'}", "property 'product': is required"},
    {"{" SDO("malware-analysis") ",'product':'p'}",
     "malware-analysis" U ": property 'result': result or analysis_sco_refs is required"},
    {"{" SDO("malware-analysis") ",'product':'p','analysis_sco_refs':['malware" U "']}",
     "property 'analysis_sco_refs': must refer to an SCO"},
    {"{" SDO("note") ",'object_refs':['tool" U "']}", "note" U ": property 'content': is required"},
    {"{" SDO("note") ",'content':'c'}", "property 'object_refs': is required"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1}",
     "observed-data" U
     ": property 'object_refs': exactly one of objects and object_refs is required"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'object_refs':['url" U
                              "'],'objects':{'0':{'type':'url','value':'x'}}}",
     "exactly one of objects and object_refs"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':0,'object_refs':['url" U "']}",
     "property 'number_observed': must be between 1 and 999999999"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1000000000,'object_refs':['url" U "']}",
     "must be between 1 and 999999999"},
    {"{" SDO("observed-data") ",'first_observed':'2024-02-01T00:00:00Z','last_observed':'2024-01-"
                              "01T00:00:00Z','number_observed':1,'object_refs':['url" U "']}",
     "property 'last_observed': must not be earlier than first_observed"},
    /* The deprecated objects dictionary: SCOs that refer to each other by key. */
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':{'type':'ipv4-addr',"
                              "'value':'198.51.100.300'}}}",
     "property 'objects.0.value': must be an IPv4 address or CIDR block"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':{'type':'ipv4-addr',"
                              "'value':'198.51.100.3'},'1':{'type':'network-traffic',"
                              "'src_ref':'0','dst_port':70000,'protocols':['tcp']}}}",
     "property 'objects.1.dst_port': must be between 0 and 65535"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':{'type':'file',"
                              "'hashes':{'SHA-1':'ab'}}}}",
     "property 'objects.0.hashes': hash 'SHA-1' must be 40"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':{'type':'file','name':"
                              "'a','extensions':{'ntfs-ext':{'alternate_data_streams':[{}]}}}}}",
     "property 'objects.0.extensions.ntfs-ext.alternate_data_streams[0].name': is required"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':{'type':'mac-addr'}}}",
     "property 'objects.0.value': is required"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':{'value':'x'}}}",
     "property 'objects.0': needs a type"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'objects':{'0':'ipv4-addr'}}",
     "property 'objects': '0' must be an object"},
    {"{" SDO("observed-data") "," OBS ",'number_observed':1,'object_refs':['malware" U "']}",
     "property 'object_refs': must refer to an SCO or an SRO, not malware"},
    {"{" SDO("opinion") ",'opinion':'maybe','object_refs':['report" U "']}",
     "opinion" U ": property 'opinion': must be one of the values of its enumeration"},
    {"{" SDO("opinion") ",'object_refs':['report" U "']}", "property 'opinion': is required"},
    {"{" SDO("report") ",'name':'r','object_refs':['tool" U "']}",
     "report" U ": property 'published': is required"},
    {"{" SDO("report") ",'published':'2024-01-01T00:00:00Z','object_refs':['tool" U "']}",
     "property 'name': is required"},
    {"{" SDO("threat-actor") "}", "threat-actor" U ": property 'name': is required"},
    {"{" SDO("tool") "}", "tool" U ": property 'name': is required"},
    {"{" SDO("vulnerability") "}", "vulnerability" U ": property 'name': is required"},
    /* SROs. */
    {"{" SDO("relationship") ",'source_ref':'tool" U "','target_ref':'malware" U "'}",
     "relationship" U ": property 'relationship_type': is required"},
    {"{" SDO("relationship") ",'relationship_type':'Uses','source_ref':'tool" U
                             "','target_ref':'malware" U "'}",
     "property 'relationship_type': must be 3-250 characters of a-z, 0-9 and -"},
    {"{" SDO("relationship") ",'relationship_type':'uses','target_ref':'malware" U "'}",
     "property 'source_ref': is required"},
    {"{" SDO("relationship") ",'relationship_type':'uses','source_ref':'tool" U
                             "','target_ref':'relationship" U "'}",
     "property 'target_ref': must refer to an SDO or an SCO, not relationship"},
    {"{" SDO("relationship") ",'relationship_type':'uses','source_ref':'marking-definition" U
                             "','target_ref':'tool" U "'}",
     "property 'source_ref': must refer to an SDO or an SCO, not marking-definition"},
    {"{" SDO("relationship") ",'relationship_type':'uses','source_ref':'tool" U
                             "','target_ref':'malware" U "','start_time':'2024-01-01T00:00:00Z','"
                             "stop_time':'2024-01-01T00:00:00Z'}",
     "property 'stop_time': must be later than start_time"},
    {"{" SDO("sighting") "}", "sighting" U ": property 'sighting_of_ref': is required"},
    {"{" SDO("sighting") ",'sighting_of_ref':'ipv4-addr" U "'}",
     "property 'sighting_of_ref': must refer to an SDO, not ipv4-addr"},
    {"{" SDO("sighting") ",'sighting_of_ref':'indicator" U "','count':1000000000}",
     "property 'count': must be between 0 and 999999999"},
    {"{" SDO("sighting") ",'sighting_of_ref':'indicator" U "','count':-1}",
     "property 'count': must be between 0 and 999999999"},
    {"{" SDO("sighting") ",'sighting_of_ref':'indicator" U "','observed_data_refs':['indicator" U
                         "']}",
     "property 'observed_data_refs': must refer to observed-data"},
    {"{" SDO("sighting") ",'sighting_of_ref':'indicator" U "','where_sighted_refs':['tool" U "']}",
     "property 'where_sighted_refs': must refer to identity or location, not tool"},
    {"{" SDO(
         "sighting") ",'sighting_of_ref':'indicator" U
                     "','first_seen':'2024-02-01T00:00:00Z','last_seen':'2024-01-01T00:00:00Z'}",
     "property 'last_seen': must not be earlier than first_seen"},
    /* SCOs. */
    {"{'type':'url','value':'x'}", "object url: property 'id': is required"},
    {"{" SCO("artifact") ",'payload_bin':'aGk=','url':'https://"
                         "x','hashes':{'MD5':'a92e5b2bae0b4b3a3d81c85610b95cd4'}}",
     "artifact" U ": property 'url': must not be present together with payload_bin"},
    {"{" SCO("artifact") ",'url':'https://x'}",
     "property 'hashes': is required when url is present"},
    {"{" SCO("artifact") ",'payload_bin':'aGk=','encryption_algorithm':'rot13'}",
     "property 'encryption_algorithm': must be one of the values"},
    {"{" SCO("artifact") ",'payload_bin':'aGk=','decryption_key':'k'}",
     "property 'decryption_key': must not be present without encryption_algorithm"},
    {"{" SCO("artifact") ",'payload_bin':'a b'}", "property 'payload_bin': must be base64"},
    {"{" SCO("autonomous-system") "}", "autonomous-system" U ": property 'number': is required"},
    {"{" SCO("autonomous-system") ",'number':-1}",
     "property 'number': must be between 0 and 4294967295"},
    {"{" SCO("directory") "}", "directory" U ": property 'path': is required"},
    {"{" SCO("directory") ",'path':'/','contains_refs':['url" U "']}",
     "property 'contains_refs': must refer to file or directory"},
    {"{" SCO("domain-name") "}", "domain-name" U ": property 'value': is required"},
    {"{" SCO("domain-name") ",'value':'x.example','resolves_to_refs':['url" U "']}",
     "property 'resolves_to_refs': must refer to ipv4-addr or ipv6-addr or domain-name"},
    {"{" SCO("email-addr") "}", "email-addr" U ": property 'value': is required"},
    {"{" SCO("email-addr") ",'value':'a@b','belongs_to_ref':'identity" U "'}",
     "property 'belongs_to_ref': must refer to user-account"},
    {"{" SCO("email-message") "}", "email-message" U ": property 'is_multipart': is required"},
    {"{" SCO("email-message") ",'is_multipart':true,'body':'b'}",
     "property 'body': must not be present when is_multipart is true"},
    {"{" SCO("email-message") ",'is_multipart':false,'body_multipart':[{'body':'b'}]}",
     "property 'body_multipart': must not be present when is_multipart is false"},
    {"{" SCO("email-message") ",'is_multipart':false,'to_refs':['email-addr" U "','url" U "']}",
     "property 'to_refs': must refer to email-addr, not url"},
    {"{" SCO("file") ",'size':10}", "file" U ": property 'name': hashes or name is required"},
    {"{" SCO("file") ",'name':'a','size':-1}", "property 'size': must be between"},
    {"{" SCO("file") ",'hashes':{'SHA-256':'abc'}}",
     "property 'hashes': hash 'SHA-256' must be 64 hexadecimal digits"},
    {"{" SCO("file") ",'hashes':{}}",
     "property 'hashes': must be a non-empty dictionary of hashes"},
    {"{" SCO("file") ",'hashes':{'M5':'abc'}}", "hash name 'M5' must be 3-250"},
    {"{" SCO("file") ",'name':'a','magic_number_hex':'xyz'}",
     "property 'magic_number_hex': must be an even number of hexadecimal digits"},
    {"{" SCO("file") ",'name':'a','parent_directory_ref':'file" U "'}",
     "property 'parent_directory_ref': must refer to directory"},
    {"{" SCO("ipv4-addr") "}", "ipv4-addr" U ": property 'value': is required"},
    {"{" SCO("ipv4-addr") ",'value':'dst_ip'}",
     "property 'value': must be an IPv4 address or CIDR block"},
    {"{" SCO("ipv4-addr") ",'value':'10.0.0.0/33'}",
     "property 'value': has a CIDR prefix outside 0-32"},
    {"{" SCO("ipv6-addr") ",'value':'10.0.0.1'}", "property 'value': must be an IPv6 address"},
    {"{" SCO("ipv4-addr") ",'value':'10.0.0.1','belongs_to_refs':['ipv4-addr" U "']}",
     "property 'belongs_to_refs': must refer to autonomous-system"},
    {"{" SCO("mac-addr") ",'value':'00:0A:95:9d:68:16'}",
     "mac-addr" U ": property 'value': must be a colon-delimited lower-case MAC-48 address"},
    {"{" SCO("mac-addr") ",'value':'0:a:95:9d:68:16'}",
     "must be a colon-delimited lower-case MAC-48"},
    {"{" SCO("ipv4-addr") ",'value':'10.0.0.0/-0'}",
     "property 'value': has a CIDR prefix outside 0-32"},
    {"{" SCO("ipv6-addr") ",'value':'2001:db8::/+64'}",
     "property 'value': has a CIDR prefix outside 0-128"},
    /* The predefined extensions of section 6 and the types nested in SCOs have their tables. */
    {"{" SCO("file") ",'name':'a','extensions':{'ntfs-ext':{'alternate_data_streams':[{'name':"
                     "'s','hashes':{'MD5':'abc'}}]}}}",
     "property 'extensions.ntfs-ext.alternate_data_streams[0].hashes': hash 'MD5' must be 32 "
     "hexadecimal digits"},
    {"{" SCO("file") ",'name':'a','extensions':{'windows-pebinary-ext':{'pe_type':'exe',"
                     "'sections':[{'size':1}]}}}",
     "property 'extensions.windows-pebinary-ext.sections[0].name': is required"},
    {"{" SCO("file") ",'name':'a','extensions':{'windows-pebinary-ext':{'pe_type':'exe',"
                     "'optional_header':{'size_of_code':-1}}}}",
     "property 'extensions.windows-pebinary-ext.optional_header.size_of_code': must be between"},
    {"{" SCO("file") ",'name':'a','extensions':{'windows-pebinary-ext':{'pe_type':'exe',"
                     "'time_date_stamp':'yesterday'}}}",
     "property 'extensions.windows-pebinary-ext.time_date_stamp': must be an RFC 3339"},
    {"{" SCO("file") ",'name':'a','extensions':{'archive-ext':{'comment':'c'}}}",
     "property 'extensions.archive-ext.contains_refs': is required"},
    {"{" SCO("network-traffic") ",'dst_ref':'ipv4-addr" U "','protocols':['tcp'],'extensions':{"
                                "'socket-ext':{'address_family':'AF_FOO'}}}",
     "property 'extensions.socket-ext.address_family': must be one of the values"},
    {"{" SCO("network-traffic") ",'dst_ref':'ipv4-addr" U "','protocols':['http'],'extensions':{"
                                "'http-request-ext':{'request_method':'get','request_value':'/',"
                                "'message_body_data_ref':'file" U "'}}}",
     "property 'extensions.http-request-ext.message_body_data_ref': must refer to artifact"},
    {"{" SCO("process") ",'extensions':{'windows-process-ext':{'integrity_level':'root'}}}",
     "property 'extensions.windows-process-ext.integrity_level': must be one of"},
    {"{" SCO("user-account") ",'extensions':{'unix-account-ext':{'gid':'wheel'}}}",
     "property 'extensions.unix-account-ext.gid': must be an integer"},
    {"{" SCO("windows-registry-key") ",'values':[{'name':'a','data_type':'REG_SZ'},{'data_type':"
                                     "'REG_FOO'}]}",
     "property 'values[1].data_type': must be one of the values of its enumeration"},
    {"{" SCO("x509-certificate") ",'x509_v3_extensions':{'private_key_usage_period_not_before':"
                                 "'2016'}}",
     "property 'x509_v3_extensions.private_key_usage_period_not_before': must be an RFC 3339"},
    {"{" SCO("email-message") ",'is_multipart':true,'body_multipart':[{'body_raw_ref':'url" U
                              "'}]}",
     "property 'body_multipart[0].body_raw_ref': must refer to artifact or file"},
    {"{" SCO("mutex") "}", "mutex" U ": property 'name': is required"},
    {"{" SCO("network-traffic") ",'dst_ref':'ipv4-addr" U "'}",
     "network-traffic" U ": property 'protocols': is required"},
    {"{" SCO("network-traffic") ",'protocols':['tcp']}",
     "property 'src_ref': src_ref or dst_ref is required"},
    {"{" SCO("network-traffic") ",'dst_ref':'url" U "','protocols':['tcp']}",
     "property 'dst_ref': must refer to ipv4-addr or ipv6-addr or mac-addr or domain-name"},
    {"{" SCO("network-traffic") ",'dst_ref':'ipv4-addr" U "','protocols':['tcp'],'dst_port':65536}",
     "property 'dst_port': must be between 0 and 65535"},
    {"{" SCO(
         "network-traffic") ",'dst_ref':'ipv4-addr" U
                            "','protocols':['tcp'],'is_active':true,'end':'2024-01-01T00:00:00Z'}",
     "property 'end': must not be present when is_active is true"},
    {"{" SCO("network-traffic") ",'dst_ref':'ipv4-addr" U
                                "','protocols':['tcp'],'start':'2024-01-02T00:00:00Z','end':'2024-"
                                "01-01T00:00:00Z'}",
     "property 'end': must not be earlier than start"},
    {"{" SCO("process") "}",
     "process" U ": property 'is_hidden': at least one property of the object is required"},
    {"{" SCO("process") ",'parent_ref':'file" U "'}",
     "property 'parent_ref': must refer to process"},
    {"{" SCO("software") "}", "software" U ": property 'name': is required"},
    {"{" SCO("url") "}", "url" U ": property 'value': is required"},
    {"{" SCO("user-account") ",'is_privileged':'yes'}",
     "user-account" U ": property 'is_privileged': must be a boolean"},
    {"{" SCO("windows-registry-key") ",'key':'k','values':[]}",
     "windows-registry-key" U ": property 'values': must be a non-empty list of objects"},
    {"{" SCO("x509-certificate") "}",
     "x509-certificate" U
     ": property 'is_self_signed': at least one property of the object is required"},
    {"{" SCO("x509-certificate") ",'validity_not_before':'soon'}",
     "property 'validity_not_before': must be an RFC 3339 UTC timestamp"},
    /* Meta objects. */
    {"{" MD_ID ",'definition_type':'statement','definition':{'statement':'x'}}",
     "marking-definition" U ": property 'created': is required"},
    {"{" MD ",'definition_type':'statement'}",
     "property 'definition': is required when definition_type is present"},
    {"{" MD ",'definition_type':'statement','definition':{'text':'x'"
     "}}",
     "a statement definition needs a string statement"},
    {"{" MD ",'definition_type':'tlp','definition':{'tlp':'green'}}",
     "property 'id': TLP green must be the standard marking "
     "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"},
    {"{" MD ",'definition_type':'tlp','definition':{'tlp':'purple'}"
     "}",
     "tlp must be white, green, amber or red"},
    {"{" MD ",'name':'x'}", "definition_type and definition, or extensions, are required"},
    {"{" SDO("language-content") ",'contents':{'de':{'name':'x'}}}",
     "language-content" U ": property 'object_ref': is required"},
    {"{" SDO("language-content") ",'object_ref':'tool" U "'}", "property 'contents': is required"},
    {"{" SDO("language-content") ",'object_ref':'tool" U "','contents':{'de':'x'}}",
     "property 'contents': 'de' must be a non-empty dictionary"},
    {"{" SDO("extension-definition") ",'name':'e','schema':'s','version':'1','extension_types':['"
                                     "new-sdo']}",
     "extension-definition" U ": property 'created_by_ref': is required"},
    {"{" SDO("extension-definition") ",'created_by_ref':'identity" U
                                     "','name':'e','schema':'s','version':'1','extension_types':['"
                                     "new-thing']}",
     "property 'extension_types': item 0 must be one of the values"},
    {"{" SDO("extension-definition") ",'created_by_ref':'identity" U
                                     "','name':'e','schema':'s','version':'1','extension_types':['"
                                     "new-sdo'],'extension_properties':['x_a']}",
     "property 'extension_properties': is only allowed with extension type "
     "toplevel-property-extension"},
    {"{" SDO("extension-definition") ",'created_by_ref':'identity" U
                                     "','name':'e','version':'1','extension_types':['new-sdo']}",
     "property 'schema': is required"},
};

static void each_rule_fails(void **state)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = tj(cases[i].json);
        struct rk_err err;
        int rc;

        if (j == NULL)
            fail_msg("case %zu: bad JSON", i);
        rk_err_clear(&err);
        rc = stix_validate(j, &err);
        if (rc != RK_E_INVALID)
            fail_msg("case %zu accepted (rc %d): %s", i, rc, cases[i].json);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, cases[i].msg);
        assert_int_equal(err.code, RK_E_INVALID);
        assert_true(strlen(err.msg) < 400);
        json_decref(j);
    }
}

/* The message names the object by id once it has a usable one. */
static void message_format(void **state)
{
    json_t *j = tj("{" SDO("indicator") "," IND ",'valid_until':'2023-01-01T00:00:00Z'}");
    struct rk_err err;

    assert_int_equal(stix_validate(j, &err), RK_E_INVALID);
    assert_string_equal(err.msg,
                        "indicator" U ": property 'valid_until': must be later than valid_from");
    json_decref(j);
    /* stix_validate tolerates a NULL error context. */
    j = tj("{'type':'tool'}");
    assert_int_equal(stix_validate(j, NULL), RK_E_INVALID);
    json_decref(j);
}

/* A very long id or property name is cut so that the message stays under 400 bytes. */
static void long_message_capped(void **state)
{
    char name[260];
    json_t *j = tj("{" SDO("tool") ",'name':'t'}");
    struct rk_err err;

    memset(name, 'a', 255);
    name[255] = '\0';
    json_object_set_new(j, name, json_integer(1));
    assert_int_equal(stix_validate(j, &err), RK_E_INVALID);
    assert_true(strlen(err.msg) < 400);
    assert_non_null(strstr(err.msg, "name must be 3-250"));
    json_decref(j);
}

/* stix_id_ok's own UUID check agrees with rk_uuid_valid on every one-byte change of an id,
 * and on every truncation. */
static void id_uuid_like_core(void **state)
{
    const char *good = "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
    const char subst[] = {'-', 'g', 'G', '0', '9', 'a', 'f', 'A', 'F', 'z', ' ', '\x80', '\0'};
    const size_t off = strlen("indicator--");
    char id[64];
    size_t tl = 0;

    (void)state;
    assert_true(stix_id_ok(good, &tl));
    assert_int_equal(tl, off - 2);
    for (size_t i = off; i <= strlen(good); i++) {
        for (size_t k = 0; k < sizeof(subst); k++) {
            memset(id, 0, sizeof(id));
            memcpy(id, good, strlen(good));
            id[i] = subst[k];
            if (i == strlen(good) && subst[k] != '\0')
                id[i + 1] = '\0';
            assert_int_equal(stix_id_ok(id, NULL), rk_uuid_valid(id + off));
        }
    }
}

/* stix_id_okn agrees with stix_id_ok (verdict and type length) on every one-byte change of
 * ids of several type lengths, given the length jansson would store (a NUL inside
 * included) or the C string's. */
static void id_okn_like_id_ok(void **state)
{
    const char subst[] = {'-', 'g', 'G', '0', '9', 'a', 'f', 'A', 'F', 'z', ' ', '_', '\x80', '\0'};
    char t250[251], t251[252], good[320], id[320];
    const char *types[] = {"ab", "abc", "x-y", "indicator", "marking-definition", t250, t251};

    (void)state;
    memset(t250, 'q', 250);
    t250[250] = '\0';
    memset(t251, 'q', 251);
    t251[251] = '\0';
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        snprintf(good, sizeof good, "%s--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", types[t]);
        size_t n = strlen(good);
        for (size_t i = 0; i <= n; i++) {
            for (size_t k = 0; k < sizeof(subst); k++) {
                size_t tl1 = 0, tl2 = 0;
                memset(id, 0, sizeof(id));
                memcpy(id, good, n);
                id[i] = subst[k];
                size_t len = i == n && subst[k] != '\0' ? n + 1 : n;
                bool want = stix_id_ok(id, &tl1);
                for (int c = 0; c < 2; c++) {
                    size_t l = c == 0 ? len : strlen(id);
                    bool got = stix_id_okn(id, l, &tl2);
                    if (got != want || (want && tl1 != tl2))
                        fail_msg("id %s (byte %zu = %02x, length %zu): %d, want %d", id, i,
                                 (unsigned char)subst[k], l, got, want);
                }
            }
        }
    }
}

/* stix_prop_name_okn agrees with stix_prop_name_ok on names of every length from 0 to 260
 * with every byte of a set at every position. */
static void prop_name_okn_like_ok(void **state)
{
    const char subst[] = {'a', 'z', '0', '9', '_', 'A',    'Z',    '-',    '`',
                          '{', '/', ':', '^', ' ', '\x7f', '\x80', '\xe0', '\xff'};
    char s[264];

    (void)state;
    for (size_t n = 0; n <= 260; n++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < sizeof(subst); k++) {
                memset(s, 'q', n);
                s[n] = '\0';
                s[i] = subst[k];
                if (stix_prop_name_okn(s, n) != stix_prop_name_ok(s))
                    fail_msg("name of %zu bytes, %02x at %zu: %d", n, (unsigned char)subst[k], i,
                             stix_prop_name_ok(s));
            }
        }
    }
    assert_true(stix_prop_name_okn("id", 2));
    assert_false(stix_prop_name_okn("ie", 2));
    assert_false(stix_prop_name_okn("", 0));
}

/* A tool with `extra` custom members x_pNN (integers) after its own; bad_at, when below
 * extra, makes that member a _ref that is not an identifier. Without name when noname. */
static json_t *wide_tool(size_t extra, size_t bad_at, bool noname)
{
    json_t *j = tj(noname ? "{" SDO("tool") "}" : "{" SDO("tool") ",'name':'t'}");
    char key[32];

    for (size_t i = 0; i < extra; i++) {
        if (i == bad_at || i == bad_at + 1) {
            snprintf(key, sizeof key, "x_p%02zu_ref", i);
            json_object_set_new(j, key, json_string("nope"));
        } else {
            snprintf(key, sizeof key, "x_p%02zu", i);
            json_object_set_new(j, key, json_integer((json_int_t)i));
        }
    }
    return j;
}

/* Objects of every width get the same verdicts and the same first failure, whether
 * validation reads them through its member index (at most STIX_MEMBERS_MAX members) or
 * through jansson (more). */
static void wide_objects_same_rules(void **state)
{
    const size_t widths[] = {
        0,  1, STIX_MEMBERS_MAX - 7, STIX_MEMBERS_MAX - 6, STIX_MEMBERS_MAX, STIX_MEMBERS_MAX + 1,
        200};
    char want[128];

    (void)state;
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t extra = widths[w];
        struct rk_err err;
        json_t *j = wide_tool(extra, SIZE_MAX - 1, false);
        rk_err_clear(&err);
        if (stix_validate(j, &err) != 0)
            fail_msg("width %zu: refused: %s", extra, err.msg);
        json_decref(j);
        j = wide_tool(extra, SIZE_MAX - 1, true);
        assert_int_equal(stix_validate(j, &err), RK_E_INVALID);
        assert_string_equal(err.msg, "tool" U ": property 'name': is required");
        json_decref(j);
        if (extra < 2)
            continue;
        /* Two bad members: the first in the object's order is named. */
        j = wide_tool(extra, extra - 2, false);
        assert_int_equal(stix_validate(j, &err), RK_E_INVALID);
        snprintf(want, sizeof want,
                 "tool" U ": property 'x_p%02zu_ref': must be an identifier (<type>--<UUID>)",
                 extra - 2);
        assert_string_equal(err.msg, want);
        json_decref(j);
    }
}

/* A list of n copies of id under key prop of a sighting (prop is where_sighted_refs, a
 * custom x_..._refs, or ext for a member of an extension-definition extension). */
static json_t *sighting_with_refs(const char *prop, size_t n, const char *id)
{
    json_t *j = tj("{" SDO("sighting") ",'sighting_of_ref':'indicator" U "'}");
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(id));
    if (strcmp(prop, "ext") == 0) {
        json_t *ext = json_pack("{s:s}", "extension_type", "property-extension");
        json_object_set_new(ext, "x_seen_refs", list);
        json_object_set_new(j, "extensions", json_pack("{s:o}", "extension-definition" U, ext));
    } else {
        json_object_set_new(j, prop, list);
    }
    return j;
}

/* Lists of identifiers are capped at STIX_REFS_MAX entries, whatever property holds them;
 * the message names the property (cut at 160 bytes, as every message), the count and the
 * cap. */
static void refs_lists_capped(void **state)
{
    const char *props[] = {"where_sighted_refs", "x_seen_refs", "ext"};
    const char *names[] = {"where_sighted_refs", "x_seen_refs",
                           "extensions.extension-definition" U ".x_seen_refs"};
    char want[512];

    (void)state;
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        struct rk_err err;
        json_t *j = sighting_with_refs(props[i], STIX_REFS_MAX, "identity" U2);
        rk_err_clear(&err);
        if (stix_validate(j, &err) != 0)
            fail_msg("%s at the cap: refused: %s", props[i], err.msg);
        json_decref(j);
        j = sighting_with_refs(props[i], STIX_REFS_MAX + 1, "identity" U2);
        assert_int_equal(stix_validate(j, &err), RK_E_INVALID);
        snprintf(want, sizeof want,
                 "sighting" U ": property '%.160s': has %d entries; the hub accepts at most %d in "
                 "a list",
                 names[i], STIX_REFS_MAX + 1, STIX_REFS_MAX);
        assert_string_equal(err.msg, want);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_rule_fails),       cmocka_unit_test(message_format),
        cmocka_unit_test(long_message_capped),   cmocka_unit_test(id_uuid_like_core),
        cmocka_unit_test(id_okn_like_id_ok),     cmocka_unit_test(wide_objects_same_rules),
        cmocka_unit_test(prop_name_okn_like_ok), cmocka_unit_test(refs_lists_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
