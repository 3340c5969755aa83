/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pattern.c: the STIX pattern validator against every example of section 9 of the
 * specification, hand-made corner cases of the grammar, the values that comparisons of
 * standard SCO properties may and may not hold, the warnings about property names the
 * specification does not define, the patterns of real feeds in ../shared/data, and a table
 * of invalid patterns whose message and offset are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stix/stix.h"

static const char *const valid[] = {
    /* section 9.1 definitions */
    "[file:size = 25536]",
    "[user-account:value = 'Peter']",
    "[ipv4-addr:value = '203.0.113.1' OR ipv4-addr:value = '203.0.113.2']",
    "([ipv4-addr:value = '198.51.100.5'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.10'])",
    "([ipv4-addr:value = '198.51.100.5' ] AND [ipv4-addr:value = '198.51.100.10']) WITHIN 300 "
    "SECONDS",
    "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[ipv4-addr:value = '198.51.100.5'] AND [ ipv4-addr:value = '198.51.100.10']",
    /* section 9.3 */
    "[ipv4-addr:value = '198.51.100.1/32']",
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] REPEATS 5 TIMES",
    "([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY "
    "[domain-name:value = 'example.com']) WITHIN 600 SECONDS",
    /* section 9.5 and 9.5.1 */
    "[ network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = "
    "'198.51.100.58' ]",
    "([file:hashes.'SHA-256' = "
    "'13987239847aec070645fe53ee3b3763059376134f058cc337247c978add178b'] AND "
    "[windows-registry-key:key = 'hkey']) WITHIN 120 SECONDS",
    "[file:name = 'b'] FOLLOWEDBY [file:name = 'c'] REPEATS 5 TIMES",
    "([file:name = 'b'] FOLLOWEDBY [file:name = 'c']) REPEATS 5 TIMES",
    /* section 9.6.1 operator examples */
    "[file:name = 'foo.dll']",
    "[file:size != 4112]",
    "[file:size > 256]",
    "[file:size < 1024]",
    "[file:size <= 25165824]",
    "[file:size >= 33312]",
    "[process:name IN ('proccy', 'proximus', 'badproc')]",
    "[directory:path LIKE 'C:\\\\Windows\\\\%\\\\foo']",
    "[directory:path MATCHES '^C:\\\\\\\\Windows\\\\w+$']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
    "[EXISTS windows-registry-key:values]",
    /* section 9.6.4 */
    "[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']",
    "[artifact:payload_bin = 'this is a test']",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    "[artifact:payload_bin = h'7468697320697320612074657374']",
    /* section 9.7 paths */
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[network-traffic:protocols[0] = 'tcp']",
    "[file:hashes.ssdeep = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']",
    "[file:extensions.'raster-image-ext'.image_height > 100]",
    "[email-message:from_ref.value = 'a@example.com']",
    "[directory:contains_refs[*].name = 'x']",
    /* section 9.8 examples */
    "[file:hashes.'SHA-256' = "
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
    "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[file:hashes.'SHA-256' = "
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = "
    "'application/x-pdf']",
    "[file:hashes.'SHA-256' = "
    "'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = "
    "'cead3f77f6cda6ec00f57d76c9a6879f']\nAND [file:hashes.'SHA-256' = "
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
    "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND "
    "user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND "
    "[user-account:account_type = 'unix' AND user-account:user_id = '1009' AND "
    "user-account:account_login = 'Mary']",
    "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
    "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
    "[file:name = 'foo.dll' AND file:parent_directory_ref.path = "
    "'C:\\\\Windows\\\\System32']",
    "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
    "'203.0.113.33/32']",
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
    "'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = "
    "'198.51.100.1/32']",
    "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
    "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR "
    "windows-registry-key:key = "
    "'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
    "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = "
    "t'2014-01-13T07:03:17Z']",
    "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = "
    "'Conference Info']",
    "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] "
    "FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r "
    "localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    "([file:name = 'foo.dll'] AND [windows-registry-key:key = "
    "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:image_ref.name = 'fooproc' OR "
    "process:image_ref.name = 'procfoo']",
    /* NOT, alternative operator spellings, sets */
    "[file:name NOT = 'x']",
    "[file:name NOT IN ('a', 'b')]",
    "[file:name NOT LIKE 'a%']",
    "[file:name NOT MATCHES '^a']",
    "[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']",
    "[ipv4-addr:value NOT ISSUPERSET '10.0.0.1']",
    "[NOT EXISTS file:hashes.MD5]",
    "[file:name == 'x']",
    "[file:name <> 'x']",
    "[file:size IN ()]",
    "[file:x_size IN (1, 2.5, -3, -.5, +4)]",
    "[file:created IN (t'2016-01-01T00:00:00Z', t'2017-01-01T00:00:00Z')]",
    /* constants of every kind */
    "[file:x_flag = true AND file:y_flag != false]",
    "[file:size > -1 AND file:size < +10 AND file:ratio >= .5 AND file:ratio <= -0.25]",
    "[file:name = 'it\\'s' AND file:name != 'back\\\\slash' AND file:name = '']",
    "[file:name = '\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.exe']",
    "[file:x_bin = b'TWFu' OR file:x_bin = b'TWE=' OR file:x_bin = b'TQ==' OR "
    "file:x_bin = b'TWFu\nTWFu']",
    "[file:magic_number_hex = h'' OR file:magic_number_hex = h'FFd8']",
    "[file:created > t'2016-01-01T00:00:00.123456789Z' AND file:created < "
    "t'2016-12-31T23:59:60Z']",
    "[file:x_size = 9007199254740991 OR file:x_size = -9007199254740991 OR file:size = 0]",
    /* paths: quoted first component, negative and star indexes */
    "[x-custom:'quoted first'.'and-next'[0][-1][*].tail = 1]",
    "[file:hashes.'SHA-256' LIKE 'x%' AND file:hashes.SSDEEP = 'y' AND file:hashes.md5 = 'z']",
    /* qualifiers: several kinds on one expression, nested qualified groups */
    "[file:name = 'x'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.001Z' "
    "WITHIN 1.5 SECONDS REPEATS 2 TIMES",
    "(([file:name = 'x'] WITHIN 5 SECONDS) WITHIN 10 SECONDS)",
    "[file:name = 'x'] WITHIN 5SECONDS",
    /* precedence: AND, OR and FOLLOWEDBY mixed without parentheses */
    "[a-b:c = 1] AND [abc:d = 2] OR [abc:e = 3] FOLLOWEDBY [abc:f = 4] AND ([abc:g = 5] OR "
    "[abc:h = 6])",
    "[file:a = 1 AND file:b = 2 OR file:c = 3 AND (file:d = 4 OR file:e = 5)]",
    /* whitespace (including Unicode spaces) and comments */
    "  [file:name='x']\tAND\r\n[file:name='y']  ",
    "[file:name = 'x'] /* comment */ AND // line comment\n[file:size = 1]",
    "\xc2\xa0[file:name\xe3\x80\x80=\xe2\x80\x83'x']\xe2\x80\xa8",
    "[((((file:name = 'x'))))]",
    /* the data feeds' shapes */
    "[ipv4-addr:value = '193.124.117.229' AND network-traffic:dst_port = '447']",
    "([ file:hashes.'SHA-1' = '059e0e19e367bd566724ae496dfa7347846bb8e6' ])",
    "[ x509-certificate:hashes.'SHA-1' = '5336e04495132330a766b2332013eff8bd9481e6' ]",
    "[url:value='https://cloudaxis.cc/gsmft/yueu/fkvqld/tvqqwh/ushu/22.exe']",
    /* values of standard properties that can be right */
    "[ipv4-addr:value = '0.0.0.0/0' OR ipv4-addr:value = '255.255.255.255/32' OR "
    "ipv4-addr:value = '198.51.100.7']",
    "[ipv6-addr:value = '::' OR ipv6-addr:value = '2001:DB8::1/128' OR "
    "ipv6-addr:value = '::ffff:198.51.100.1' OR ipv6-addr:value ISSUBSET '2001:db8::/32']",
    "[ipv4-addr:value ISSUPERSET '198.51.100.0/24' AND ipv4-addr:value NOT = '10.0.0.1']",
    "[ipv4-addr:value LIKE '198.51.100.%' OR ipv4-addr:value MATCHES '^10\\\\.']",
    "[ipv4-addr:value = h'c6336401' OR ipv4-addr:value = b'xjNkAQ==']",
    "[mac-addr:value = '00:1a:2b:3c:4d:5e' OR mac-addr:value IN ('ff:ff:ff:ff:ff:ff')]",
    "[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F' OR file:hashes.SSDEEP = '3:a:b' OR "
    "file:hashes.TLSH = 'T1x' OR file:hashes.'SHA3-512' LIKE 'ab%']",
    "[network-traffic:dst_port = 65535 OR network-traffic:src_port IN (0, 80, 443) OR "
    "network-traffic:dst_port = '447' OR network-traffic:dst_port > 70000]",
    "[autonomous-system:number = 4294967295 AND file:size >= 0 AND file:size = 1.5]",
    "[file:mtime = t'2020-01-01T00:00:00Z' OR file:mtime > '2020-01-01T00:00:00.5Z']",
    "[process:is_hidden = true OR process:is_hidden = 'false']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7 OR "
    "file:extensions.'windows-pebinary-ext'.optional_header.size_of_code = 512]",
    "[file:extensions.'ntfs-ext'.alternate_data_streams[0].hashes.MD5 = "
    "'cead3f77f6cda6ec00f57d76c9a6879f']",
    "[network-traffic:extensions.'socket-ext'.address_family = 'AF_INET' AND "
    "network-traffic:extensions.'tcp-ext'.src_flags_hex = h'02']",
    "[windows-registry-key:values[*].data_type = 'REG_SZ' AND "
    "x509-certificate:x509_v3_extensions.private_key_usage_period_not_before = "
    "t'2016-03-12T12:00:00Z']",
    "[ipv4-addr:resolves_to_refs[*].value = '00:11:22:33:44:55' AND "
    "ipv4-addr:belongs_to_refs[0].number = 15139]",
    "[email-message:from_ref.value = 'a@example.com' AND email-message:date = "
    "t'2016-06-19T14:20:40Z' AND email-message:body_multipart[*].content_type = 'text/plain']",
    /* what is not followed is not checked: custom properties and types, references that
     * may lead to several types, dictionaries, SDO types */
    "[file:x_size = t'2020-01-01T00:00:00Z' AND x-acme:value = 5]",
    "[network-traffic:dst_ref.value = 'example.com' AND network-traffic:dst_ref.value ISSUBSET "
    "'10.0.0.0/8']",
    "[network-traffic:ipfix.minimumIpTotalLength = 32 AND process:environment_variables.PATH = 1]",
    "[vulnerability:name = 5]",
};

struct bad {
    const char *pattern; /* input */
    const char *msg;     /* substring the message must contain */
    size_t offset;       /* offset the message must end with */
};

static const struct bad invalid[] = {
    /* section 9.5's example abbreviates the hash: a SHA-256 has 64 hexadecimal digits */
    {"([file:hashes.'SHA-256' = '13987239847...'] AND [windows-registry-key:key = 'hkey']) "
     "WITHIN 120 SECONDS",
     "file:hashes.'SHA-256' = '13987239847...': hash 'SHA-256' must be 64 hexadecimal digits", 26},
    /* values of standard properties that cannot be right */
    {"[ipv4-addr:value = '198.51.100.300']",
     "pattern: ipv4-addr:value = '198.51.100.300': value must be an IPv4 address or CIDR block",
     19},
    {"[ipv4-addr:value = '198.51.100.0/33']", "value has a CIDR prefix outside 0-32", 19},
    {"[ipv4-addr:value = '198.51.100.0/']", "value has a CIDR prefix outside 0-32", 19},
    {"[ipv4-addr:value = '198.51.100.0/-0']", "value has a CIDR prefix outside 0-32", 19},
    {"[ipv4-addr:value = '010.1.1.1']", "must be an IPv4 address or CIDR block", 19},
    {"[ipv4-addr:value = '2001:db8::1']", "must be an IPv4 address or CIDR block", 19},
    {"[ipv4-addr:value != '1.2.3.300']", "ipv4-addr:value != '1.2.3.300': value must be", 20},
    {"[ipv4-addr:value NOT = '1.2.3.300']", "ipv4-addr:value NOT = '1.2.3.300': value", 23},
    {"[ipv4-addr:value IN ('1.2.3.4', '1.2.3.300')]",
     "ipv4-addr:value IN (... '1.2.3.300' ...): value must be an IPv4", 32},
    {"[ipv4-addr:value ISSUBSET '198.51.100.0/33']", "value has a CIDR prefix outside 0-32", 26},
    {"[ipv6-addr:value = '2001:db8::/129']", "value has a CIDR prefix outside 0-128", 19},
    {"[ipv6-addr:value = '2001:db8:::1']", "value must be an IPv6 address or CIDR block", 19},
    {"[ipv4-addr:value = 1]", "the property is a string, not an integer", 19},
    {"[file:name ISSUBSET '10.0.0.0/8']",
     "file:name ISSUBSET '10.0.0.0/8': ISSUBSET and ISSUPERSET compare the value of an "
     "ipv4-addr or an ipv6-addr",
     20},
    {"[mac-addr:value = '00:1A:2b:3c:4d:5e']",
     "value must be a colon-delimited lower-case MAC-48 address", 18},
    {"[mac-addr:value = '0:1a:2b:3c:4d:5e']", "lower-case MAC-48 address", 18},
    {"[ipv4-addr:resolves_to_refs[*].value = 'zz']",
     "ipv4-addr:resolves_to_refs[*].value = 'zz': value must be a colon-delimited", 39},
    {"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879']",
     "file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879': hash 'MD5' must be 32 hexadecimal "
     "digits",
     19},
    {"[file:hashes.'SHA-1' = 'zz5e0e19e367bd566724ae496dfa7347846bb8e6']",
     "hash 'SHA-1' must be 40 hexadecimal digits", 23},
    {"[artifact:hashes.'SHA-512' = 'ab']", "hash 'SHA-512' must be 128 hexadecimal digits", 29},
    {"[file:hashes.'SHA3-256' IN ('ab')]", "hash 'SHA3-256' must be 64 hexadecimal digits", 28},
    {"[file:extensions.'ntfs-ext'.alternate_data_streams[0].hashes.'SHA-1' = 'abc']",
     "hash 'SHA-1' must be 40", 71},
    {"[file:hashes.MD5 = 5]", "the property is a string, not an integer", 19},
    {"[network-traffic:dst_port = 70000]",
     "network-traffic:dst_port = 70000: value must be between 0 and 65535", 28},
    {"[network-traffic:dst_port = '70000']", "value must be between 0 and 65535", 28},
    {"[network-traffic:dst_port = -1]", "value must be between 0 and 65535", 28},
    {"[network-traffic:src_port IN (80, 443, 70000)]",
     "network-traffic:src_port IN (... 70000 ...): value must be between 0 and 65535", 39},
    {"[network-traffic:dst_port = 'http']", "the property is an integer and the string is not one",
     28},
    {"[network-traffic:dst_port = t'2020-01-01T00:00:00Z']",
     "the property is an integer, not a timestamp", 28},
    {"[autonomous-system:number = 4294967296]", "value must be between 0 and 4294967295", 28},
    {"[file:size = t'2020-01-01T00:00:00Z']",
     "file:size = t'2020-01-01T00:00:00Z': the property is an integer, not a timestamp", 13},
    {"[file:size < b'AAAA']", "the property is an integer, not binary (b'')", 13},
    {"[file:name = t'2020-01-01T00:00:00Z']", "the property is a string, not a timestamp", 13},
    {"[file:name = true]", "the property is a string, not a boolean", 13},
    {"[file:mtime = 5]", "the property is a timestamp, not an integer", 14},
    {"[file:mtime > 'yesterday']", "the property is a timestamp and the string is not one", 14},
    {"[process:is_hidden = 1]", "the property is a boolean, not an integer", 21},
    {"[process:is_hidden = 'yes']", "the property is a boolean and the string is not one", 21},
    {"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 'high']",
     "the property is a number and the string is not one", 62},
    {"[network-traffic:extensions.'socket-ext'.address_family = 'AF_FOO']",
     "value must be one of AF_UNSPEC, AF_INET, AF_IPX", 58},
    {"[windows-registry-key:values[*].data_type = 'REG_FOO']", "value must be one of REG_NONE", 44},
    {"[artifact:encryption_algorithm IN ('AES-256-GCM', 'rot13')]",
     "value must be one of AES-256-GCM, ChaCha20-Poly1305, mime-type-indicated", 50},
    {"[x509-certificate:x509_v3_extensions.private_key_usage_period_not_after = 'soon']",
     "the property is a timestamp and the string is not one", 74},
    {"[email-message:from_ref.value = 1]", "the property is a string, not an integer", 32},
    {"", "empty pattern", 0},
    {"   ", "empty pattern", 3},
    {"// just a comment", "empty pattern", 17},
    {"[file:name = 'x'", "expected ']'", 16},
    {"file:name = 'x'", "expected '[' or '('", 0},
    {"[file:name = 'x']]", "unbalanced ']'", 17},
    {"([file:name = 'x']", "expected ')'", 18},
    {"[file:name = 'x'])", "unbalanced ')'", 17},
    {"[file:name = 'x", "unterminated string", 13},
    {"[file:name = 'a\\n']", "invalid escape '\\n'", 15},
    {"[file:name = 'a\\", "unterminated string", 13},
    {"['foo' = 'bar']", "expected object path", 1},
    {"[]", "expected object path", 1},
    {"[= 'x']", "expected object path", 1},
    {"[file:name EQUALS 'x']", "unknown operator 'EQUALS'", 11},
    {"[file:name and file:size = 1]", "keywords are upper case", 11},
    {"[file:name = 'x' and file:size = 1]", "expected ']', found 'and'", 17},
    {"[file:name = 'x'] REPEATS 0 TIMES", "REPEATS needs a positive integer", 26},
    {"[file:name = 'x'] REPEATS -1 TIMES", "REPEATS needs a positive integer", 26},
    {"[file:name = 'x'] REPEATS 1.5 TIMES", "REPEATS needs a positive integer", 26},
    {"[file:name = 'x'] WITHIN 0 SECONDS", "WITHIN needs a positive number", 25},
    {"[file:name = 'x'] WITHIN 0.0 SECONDS", "WITHIN needs a positive number", 25},
    {"[file:name = 'x'] WITHIN -5 SECONDS", "WITHIN needs a positive number", 25},
    {"[file:name = 'x'] WITHIN 5", "expected SECONDS", 26},
    {"[file:name = 'x'] WITHIN 5 MINUTES", "expected SECONDS", 27},
    {"[file:name = 'x'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
     "START must be earlier than STOP", 24},
    {"[file:name = 'x'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
     "START must be earlier than STOP", 24},
    {"[file:name = 'x'] START 5 STOP t'2016-06-01T00:00:00Z'", "expected timestamp", 24},
    {"[file:name = 'x'] START t'2016-06-01T00:00:00Z'", "expected STOP", 47},
    {"[file:name = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS", "duplicate WITHIN", 35},
    {"[file:name = 'x'] REPEATS 2 TIMES REPEATS 3 TIMES", "duplicate REPEATS", 34},
    {"[file:payload_bin = b'AB=']", "invalid base64 length", 20},
    {"[file:payload_bin = b'A===']", "invalid base64 length", 20},
    {"[file:payload_bin = b'AB=C']", "invalid base64 in binary", 25},
    {"[file:payload_bin = b'']", "invalid base64 length", 20},
    {"[file:payload_bin = b'AB*D']", "invalid base64 in binary", 24},
    {"[file:payload_bin = b'ABCD", "unterminated binary", 20},
    {"[file:magic_number_hex = h'ffd']", "odd number of digits", 25},
    {"[file:magic_number_hex = h'zz']", "invalid hex digit", 27},
    {"[file:created = t'2016-13-01T00:00:00Z']", "invalid timestamp", 16},
    {"[file:created = t'2016-02-30T00:00:00Z']", "invalid timestamp", 16},
    {"[file:created = t'2016-02-01 00:00:00Z']", "invalid timestamp", 16},
    {"[file:created = t'2016-02-01T00:00:00']", "invalid timestamp", 16},
    {"[file:created = t'2016-02-01T00:00:00.1234567890Z']", "invalid timestamp", 16},
    {"[File:name = 'x']", "invalid object type 'File'", 1},
    {"[fi:name = 'x']", "invalid object type 'fi'", 1},
    {"[file--x:name = 'x']", "invalid object type", 1},
    {"[file_x:name = 'x']", "invalid object type", 1},
    {"[x-acme-:name = 'x']", "invalid object type 'x-acme-'", 1},
    {"[file:first-name = 'x']", "must be quoted", 6},
    {"[file:a.b-c = 'x']", "must be quoted", 8},
    {"[file:name > true]", "cannot compare a boolean", 13},
    {"[file:name MATCHES 5]", "'MATCHES' needs a string", 19},
    {"[file:name LIKE h'00']", "'LIKE' needs a string", 16},
    {"[ipv4-addr:value ISSUBSET b'AAAA']", "'ISSUBSET' needs a string", 26},
    {"[process:name IN 'a']", "expected '(' after IN", 17},
    {"[process:name IN ('a', 5)]", "set mixes constants", 23},
    {"[process:name IN ('a' 'b')]", "expected ',' or ')'", 22},
    {"[process:name IN ('a',)]", "expected constant in set", 22},
    {"[file:size = 007]", "leading zero", 13},
    {"[file:size = 9007199254740992]", "integer out of range", 13},
    {"[file:name = 'x'] [file:name = 'y']", "expected AND, OR, FOLLOWEDBY", 18},
    {"[file:name = 'x'] AND", "expected '[' or '('", 21},
    {"[file:name = 'x'] FOLLOWEDBY", "expected '[' or '('", 28},
    {"[file:name = 'x' AND]", "expected object path", 20},
    {"[file:name NOT EXISTS]", "EXISTS goes before the object path", 15},
    {"[NOT file:name = 'x']", "expected EXISTS after NOT", 5},
    {"[file:name = 'x'] /* comment", "unterminated comment", 18},
    {"[file:sections[x] = 1]", "expected list index", 15},
    {"[file:sections[1.5] = 1]", "expected list index", 15},
    {"[file:sections[0 = 1]", "expected ']' after list index", 17},
    {"[file:name ^ 'x']", "unknown operator '^'", 11},
    {"[file:name ! 'x']", "unexpected character '!'", 11},
    {"[file:name = 'x'] LAST 5 SECONDS", "found 'LAST'", 18},
    {"[file:name = 'x'] within 5 SECONDS", "keywords are upper case", 18},
    {"[file:name = @]", "unexpected character '@'", 13},
    {"[file:name = 'x'] AND file:size = 1", "expected '[' or '('", 22},
    {"[file:name = 'x' OR (file:size = 1]", "expected ')', found ']'", 34},
    {"[file:name = 'x' OR file:size = 1)]", "expected ']', found ')'", 33},
    {"[file:name. = 'x']", "expected property name", 12},
    {"[file: = 'x']", "expected property name", 7},
    {"[file name = 'x']", "expected ':' after object type", 6},
    {"[file:name]", "expected comparison operator, found ']'", 10},
    {"[file:name = ]", "expected constant", 13},
    {"[file:name = 'caf\xc3']", "invalid UTF-8 in string", 17},
    {"[file:name = 'x']\xc3\xa9", "unexpected character", 17},
    {"[type-a:property-j = 'W']", "must be quoted", 8},
};

static void valid_patterns(void **state)
{
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        struct rk_err err = {0};
        int rc = stix_pattern_validate(valid[i], &err, NULL);
        if (rc != 0)
            fail_msg("valid pattern %zu refused: %s\n  %s", i, err.msg, valid[i]);
    }
}

static void invalid_patterns(void **state)
{
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        struct rk_err err = {0};
        char tail[64];
        int rc = stix_pattern_validate(invalid[i].pattern, &err, NULL);
        if (rc != RK_E_INVALID || err.code != RK_E_INVALID)
            fail_msg("invalid pattern %zu accepted (rc %d): %s", i, rc, invalid[i].pattern);
        snprintf(tail, sizeof(tail), " at offset %zu", invalid[i].offset);
        size_t ml = strlen(err.msg), tl = strlen(tail);
        if (strncmp(err.msg, "pattern: ", 9) != 0 || strstr(err.msg, invalid[i].msg) == NULL ||
            ml < tl || strcmp(err.msg + ml - tl, tail) != 0)
            fail_msg("pattern %zu: got \"%s\", want \"%s\" ...%s\n  %s", i, err.msg, invalid[i].msg,
                     tail, invalid[i].pattern);
    }
}

static void null_and_no_err(void **state)
{
    struct rk_err err = {0};
    assert_int_equal(stix_pattern_validate(NULL, &err, NULL), RK_E_INVALID);
    /* err is optional */
    assert_int_equal(stix_pattern_validate("[", NULL, NULL), RK_E_INVALID);
    assert_int_equal(stix_pattern_validate("[file:size = 1]", NULL, NULL), 0);
}

/* Builds "[a:b = 1] AND ..." nested depth times inside parentheses. */
static void nest(char *out, size_t cap, int parens)
{
    size_t o = 0;
    for (int i = 0; i < parens; i++)
        out[o++] = '(';
    const char *mid = "[abc:d = 1]";
    memcpy(out + o, mid, strlen(mid));
    o += strlen(mid);
    for (int i = 0; i < parens; i++)
        out[o++] = ')';
    assert_true(o < cap);
    out[o] = '\0';
}

#define CAP (1024 * 1024)

static void limits(void **state)
{
    struct rk_err err = {0};
    char buf[256];
    /* 63 parentheses + 1 bracket = 64 levels: the limit itself is allowed. */
    nest(buf, sizeof(buf), 63);
    assert_int_equal(stix_pattern_validate(buf, &err, NULL), 0);
    nest(buf, sizeof(buf), 64);
    assert_int_equal(stix_pattern_validate(buf, &err, NULL), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "nesting deeper than 64 at offset 64"));

    /* Inside brackets too, and a flood of '(' fails fast at the limit, not at the end. */
    char *deep = malloc(60001);
    assert_non_null(deep);
    deep[0] = '[';
    memset(deep + 1, '(', 59999);
    deep[60000] = '\0';
    assert_int_equal(stix_pattern_validate(deep, &err, NULL), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "nesting deeper than 64 at offset 64"));
    free(deep);

    /* A long, flat pattern of exactly 1 MiB is fine; one byte more is not. */
    const char *term = "[ipv4-addr:value = '198.51.100.1'] OR ";
    size_t tl = strlen(term);
    char *big = malloc(CAP + 2);
    assert_non_null(big);
    size_t o = 0;
    while (o + tl + 40 < CAP) {
        memcpy(big + o, term, tl);
        o += tl;
    }
    memcpy(big + o, "[ipv4-addr:value = '198.51.100.2']", 34);
    o += 34;
    memset(big + o, ' ', CAP - o); /* exactly 1 MiB, trailing whitespace */
    big[CAP] = '\0';
    assert_int_equal(stix_pattern_validate(big, &err, NULL), 0);
    big[CAP] = ' ';
    big[CAP + 1] = '\0';
    assert_int_equal(stix_pattern_validate(big, &err, NULL), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "longer than 1048576 bytes"));
    free(big);
}

/* Messages quote at most a bounded, printable excerpt of the input. */
static void message_is_printable(void **state)
{
    struct rk_err err = {0};
    const char *p = "[file:name = 'x'] \x01";
    assert_int_equal(stix_pattern_validate(p, &err, NULL), RK_E_INVALID);
    assert_string_equal(err.msg, "pattern: unexpected character at offset 18");
    p = "[file:name = 'x'] ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ";
    assert_int_equal(stix_pattern_validate(p, &err, NULL), RK_E_INVALID);
    assert_string_equal(err.msg,
                        "pattern: expected AND, OR, FOLLOWEDBY or end of pattern, "
                        "found 'ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN...' at offset 18");
}

/* The string member key of o, or "" when it is missing or not a string. */
static const char *str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL ? v : "";
}

/*
 * Validates every indicator pattern of pattern_type "stix" in a STIX bundle file and returns
 * how many there were.
 */
static size_t check_file(const char *path)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        fail_msg("cannot load %s: %s", path, jerr.text);
    json_t *objects = json_is_array(root) ? root : json_object_get(root, "objects");
    assert_true(json_is_array(objects));
    size_t n = 0, i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        if (strcmp(str(o, "type"), "indicator") != 0)
            continue;
        const char *pt = json_string_value(json_object_get(o, "pattern_type"));
        const char *pat = json_string_value(json_object_get(o, "pattern"));
        if (pt == NULL || strcmp(pt, "stix") != 0 || pat == NULL)
            continue;
        struct rk_err err = {0};
        if (stix_pattern_validate(pat, &err, NULL) != 0)
            fail_msg("%s: %s: %s\n  %s", path, str(o, "id"), err.msg, pat);
        n++;
    }
    json_decref(root);
    return n;
}

static void real_feeds(void **state)
{
    static const char *const feeds[] = {
        "../shared/data/feeds2stix/at-df8998db9cdacf813a5334fbbcf5818d084508a3/bundles/"
        "abuse_ch/sslipblacklist_aggressive/2017.json",
        "../shared/data/feeds2stix/at-df8998db9cdacf813a5334fbbcf5818d084508a3/bundles/"
        "abuse_ch/sslipblacklist_aggressive/2020.json",
        "../shared/data/feeds2stix/at-df8998db9cdacf813a5334fbbcf5818d084508a3/bundles/"
        "abuse_ch/sslblacklist/trickbot.json",
        /* holds a 53 KB pattern of 737 observation expressions joined by OR */
        "../shared/data/feeds2stix/at-df8998db9cdacf813a5334fbbcf5818d084508a3/bundles/"
        "abuse_ch/sslblacklist/dridex.json",
        "../shared/data/feeds2stix/at-HEAD/processors/vxvault/examples/vxvault_bundle.json",
        "../shared/data/feeds2stix/at-HEAD/processors/ipsum/examples/ipsum_level_8.json",
        "../shared/data/feeds2stix/at-HEAD/processors/abuse_ch_sslblacklist/examples/"
        "sslblacklist_BRAT.json",
    };
    for (size_t i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++)
        if (check_file(feeds[i]) == 0)
            fail_msg("%s: no STIX indicator found", feeds[i]);
    /* ATT&CK for ICS 18.1 carries no indicators today; any it gains must validate. */
    check_file("../shared/data/attack-ics/ics-attack-18.1.json");
}

/*
 * The longest real pattern in the data (77,440 bytes, 1075 observation expressions joined by
 * OR, from abuse.ch): real feeds send patterns this long, so the cap is 1 MiB, not 64 KiB.
 */
static void real_feed_long_pattern(void **state)
{
    const char *path = "../shared/data/feeds2stix/at-df8998db9cdacf813a5334fbbcf5818d084508a3/"
                       "bundles/abuse_ch/sslblacklist/asyncrat.json";
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        fail_msg("cannot load %s: %s", path, jerr.text);
    json_t *objects = json_object_get(root, "objects");
    size_t i, found = 0;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        if (strcmp(str(o, "id"), "indicator--89990b24-dba7-584a-843a-b4615abb9b6e") != 0)
            continue;
        struct rk_err err = {0};
        assert_true(strlen(str(o, "pattern")) > 65536);
        if (stix_pattern_validate(str(o, "pattern"), &err, NULL) != 0)
            fail_msg("%s", err.msg);
        found++;
    }
    assert_int_equal(found, 1);
    json_decref(root);
}

/* A pattern and what it must warn about. */
struct warned {
    const char *pattern; /* input (valid) */
    const char *msg;     /* substring the warning must contain; NULL: no warning */
    size_t offset;       /* offset the first warning must name */
    unsigned count;      /* warnings in all */
};

static const struct warned warned[] = {
    {"[ipv4-addr:valeu = '1.2.3.4']",
     "pattern: property 'valeu' is not defined for ipv4-addr at offset 11", 11, 1},
    {"[EXISTS ipv4-addr:valeu]", "property 'valeu' is not defined for ipv4-addr", 18, 1},
    /* section 9.1's definitions give this example; user-account has no value */
    {"[user-account:value = 'Peter']", "property 'value' is not defined for user-account", 14, 1},
    /* section 9.8's example uses STIX 2.0's file:created (ctime in 2.1) */
    {"[file:created = t'2014-01-13T07:03:17Z']", "property 'created' is not defined for file", 6,
     1},
    {"[file:hashes.'SHA256' = 'x']",
     "hash name 'SHA256' is not in hash-algorithm-ov (did you mean 'SHA-256'?)", 13, 1},
    {"[file:hashes.sha1 = 'x']", "(did you mean 'SHA-1'?)", 13, 1},
    {"[file:hashes.whirlpool = 'x']", "hash name 'whirlpool' is not in hash-algorithm-ov at", 13,
     1},
    {"[file:extensions.'foo-ext'.bar = 1]", "'foo-ext' is not a predefined extension of file", 17,
     1},
    {"[file:extensions.'windows-pebinary-ext'.sections[*].entropyy > 7.0]",
     "property 'entropyy' is not defined for windows-pe-section-type", 52, 1},
    {"[email-message:from_ref.valeu = 'x']", "property 'valeu' is not defined for email-addr", 24,
     1},
    {"[file:parent_directory_ref.name = 'x']", "property 'name' is not defined for directory", 27,
     1},
    {"[ipv4-addr:valeu = '1' OR ipv6-addr:vlaue = '2' AND ipv4-addr:value = '1.2.3.4']",
     "property 'valeu' is not defined for ipv4-addr at offset 11 (2 warnings in all)", 11, 2},
    /* property names with characters a message must not carry are quoted as printable ASCII */
    {"[ipv4-addr:'caf\xc3\xa9' = 'x']",
     "property 'caf?"
     "?' is not defined",
     11, 1},
    /* nothing to say */
    {"[ipv4-addr:value = '1.2.3.4']", NULL, 0, 0},
    {"[ipv4-addr:x_score = 1 AND ipv4-addr:id = 'x' AND ipv4-addr:spec_version = '2.1' AND "
     "ipv4-addr:defanged = true AND ipv4-addr:object_marking_refs[0] = 'x']",
     NULL, 0, 0},
    {"[x-usb-device:usbdrive.serial_number = 'x']", NULL, 0, 0},
    {"[file:extensions.'x-acme-ext'.foo = 1 AND file:extensions."
     "'extension-definition--6ba7b810-9dad-41d1-80b4-00c04fd430c8'.bar = 2]",
     NULL, 0, 0},
    {"[file:hashes.x_acme = 'a' AND file:hashes.'SHA-256' LIKE 'a%']", NULL, 0, 0},
    {"[network-traffic:src_ref.anything = 'x' AND malware:anything = 'x']", NULL, 0, 0},
    {"[process:environment_variables.ANYTHING = 'x' AND file:name.anything = 'x']", NULL, 0, 0},
    {"[file:extensions.'raster-image-ext'.exif_tags.Make = 'Nikon']", NULL, 0, 0},
};

static void warnings(void **state)
{
    for (size_t i = 0; i < sizeof(warned) / sizeof(warned[0]); i++) {
        struct rk_err err = {0};
        struct stix_warning w;
        char tail[64];
        memset(&w, 'x', sizeof w); /* the validator clears it */
        if (stix_pattern_validate(warned[i].pattern, &err, &w) != 0)
            fail_msg("pattern %zu refused: %s\n  %s", i, err.msg, warned[i].pattern);
        if (w.count != warned[i].count)
            fail_msg("pattern %zu: %u warnings, want %u: \"%s\"\n  %s", i, w.count, warned[i].count,
                     w.msg, warned[i].pattern);
        if (warned[i].msg == NULL) {
            assert_string_equal(w.msg, "");
            continue;
        }
        snprintf(tail, sizeof(tail), " at offset %zu", warned[i].offset);
        if (strncmp(w.msg, "pattern: ", 9) != 0 || strstr(w.msg, warned[i].msg) == NULL ||
            strstr(w.msg, tail) == NULL)
            fail_msg("pattern %zu: warning \"%s\", want \"%s\" ...%s\n  %s", i, w.msg,
                     warned[i].msg, tail, warned[i].pattern);
    }
    /* A refused pattern leaves no warning behind; warnings are optional. */
    struct rk_err err = {0};
    struct stix_warning w;
    assert_int_equal(stix_pattern_validate("[ipv4-addr:valeu = '1' AND file:size = t'2020-01-01T"
                                           "00:00:00Z']",
                                           &err, &w),
                     RK_E_INVALID);
    assert_int_equal(w.count, 0);
    assert_string_equal(w.msg, "");
    assert_int_equal(stix_pattern_validate("[ipv4-addr:valeu = '1']", &err, NULL), 0);
}

/* Calls fn on every regular file under dir whose name ends in .json. */
static void each_json(const char *dir, void (*fn)(const char *path, void *ctx), void *ctx)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        fail_msg("cannot open %s", dir);
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            each_json(path, fn, ctx);
        else if (strlen(e->d_name) > 5 && strcmp(e->d_name + strlen(e->d_name) - 5, ".json") == 0)
            fn(path, ctx);
    }
    closedir(d);
}

/* What the patterns of a set of files came to. */
struct tally {
    size_t patterns, refused, warned;
    char first_refused[600]; /* the first refusal, for the failure message */
    char first_warned[600];  /* the first warning */
};

static void tally_file(const char *path, void *ctx)
{
    struct tally *t = ctx;
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr), *objects, *o;
    size_t i;
    if (root == NULL)
        return; /* not every .json of the feeds is a bundle */
    objects = json_is_array(root) ? root : json_object_get(root, "objects");
    json_array_foreach(objects, i, o)
    {
        const char *pt = json_string_value(json_object_get(o, "pattern_type"));
        const char *pat = json_string_value(json_object_get(o, "pattern"));
        struct rk_err err = {0};
        struct stix_warning w;
        if (strcmp(str(o, "type"), "indicator") != 0 || pt == NULL || strcmp(pt, "stix") != 0 ||
            pat == NULL)
            continue;
        t->patterns++;
        if (stix_pattern_validate(pat, &err, &w) != 0) {
            if (t->refused++ == 0)
                snprintf(t->first_refused, sizeof t->first_refused, "%s: %s: %s", path,
                         str(o, "id"), err.msg);
        } else if (w.count > 0 && t->warned++ == 0) {
            snprintf(t->first_warned, sizeof t->first_warned, "%s: %s: %s", path, str(o, "id"),
                     w.msg);
        }
    }
    json_decref(root);
}

/*
 * Every STIX pattern of the shared real data: the 8,994 of feeds2stix are all accepted without
 * a warning; the deliberately broken swiftioc export has two indicators made of a CSV header
 * ('dst_ip' as an IPv4 address), refused, and 1,305 hashes named 'sha256' (holding SHA-1s),
 * warned about.
 */
static void all_real_patterns(void **state)
{
    struct tally feeds = {0}, swift = {0};
    const char *dir = "../shared/data/feeds2stix";
    struct stat st;
    if (stat(dir, &st) != 0) {
        skip();
        return;
    }
    each_json(dir, tally_file, &feeds);
    if (feeds.refused > 0 || feeds.warned > 0)
        fail_msg("feeds2stix: %zu of %zu refused, %zu warned\n  %s\n  %s", feeds.refused,
                 feeds.patterns, feeds.warned, feeds.first_refused, feeds.first_warned);
    assert_true(feeds.patterns > 8000);
    each_json("../shared/data/nonconformant-swiftioc", tally_file, &swift);
    assert_int_equal(swift.refused, 2);
    assert_non_null(strstr(swift.first_refused, "ipv4-addr:value = 'dst_ip': value must be"));
    assert_int_equal(swift.warned, 1305);
    assert_non_null(strstr(swift.first_warned, "hash name 'sha256' is not in hash-algorithm-ov"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_patterns),         cmocka_unit_test(invalid_patterns),
        cmocka_unit_test(null_and_no_err),        cmocka_unit_test(limits),
        cmocka_unit_test(message_is_printable),   cmocka_unit_test(real_feeds),
        cmocka_unit_test(real_feed_long_pattern), cmocka_unit_test(warnings),
        cmocka_unit_test(all_real_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
