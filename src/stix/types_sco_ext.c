/* SPDX-License-Identifier: Apache-2.0 */
/*
 * types_sco_ext.c: the predefined extensions of the SCOs (sections 6.7.2-6.7.6, 6.12.2-6.12.5,
 * 6.13.2-6.13.3 and 6.16.2) and the types nested in them (NTFS alternate data streams, the PE
 * optional header and sections): one property table each, which object validation applies
 * to an object's extensions and the pattern checker follows in object paths.
 */
#include <string.h>

#include "stix/stix_int.h"

/* Counts, sizes and offsets the specification says "MUST NOT be negative". */
#define NONNEG(n) STIX_INT(n, false, 0, 9.2e18)
/* Integers without a range in the specification. */
#define ANYINT(n) STIX_INT(n, false, 0, -1)

static const char *const to_file[] = {"file", NULL};
static const char *const to_file_dir[] = {"file", "directory", NULL};
static const char *const to_artifact[] = {"artifact", NULL};

static const struct stix_prop archive[] = {STIX_REFS("contains_refs", true, 0, to_file_dir),
                                           STIX_STR("comment", false)};

static const struct stix_prop ads[] = {STIX_STR("name", true), STIX_HASHES("hashes", false),
                                       NONNEG("size")};
static const struct stix_sub ads_type = {"alternate-data-stream-type", ads, STIX_NELEM(ads)};

static const struct stix_prop ntfs[] = {STIX_STR("sid", false),
                                        STIX_OBJS_OF("alternate_data_streams", false, &ads_type)};

static const struct stix_prop pdf[] = {STIX_STR("version", false), STIX_BOOL("is_optimized", false),
                                       STIX_DICT("document_info_dict", false),
                                       STIX_STR("pdfid0", false), STIX_STR("pdfid1", false)};

static const struct stix_prop raster[] = {ANYINT("image_height"), ANYINT("image_width"),
                                          ANYINT("bits_per_pixel"), STIX_DICT("exif_tags", false)};

static const struct stix_prop pe_optional_header[] = {STIX_STR("magic_hex", false),
                                                      ANYINT("major_linker_version"),
                                                      ANYINT("minor_linker_version"),
                                                      NONNEG("size_of_code"),
                                                      NONNEG("size_of_initialized_data"),
                                                      NONNEG("size_of_uninitialized_data"),
                                                      ANYINT("address_of_entry_point"),
                                                      ANYINT("base_of_code"),
                                                      ANYINT("base_of_data"),
                                                      ANYINT("image_base"),
                                                      ANYINT("section_alignment"),
                                                      ANYINT("file_alignment"),
                                                      ANYINT("major_os_version"),
                                                      ANYINT("minor_os_version"),
                                                      ANYINT("major_image_version"),
                                                      ANYINT("minor_image_version"),
                                                      ANYINT("major_subsystem_version"),
                                                      ANYINT("minor_subsystem_version"),
                                                      STIX_STR("win32_version_value_hex", false),
                                                      NONNEG("size_of_image"),
                                                      NONNEG("size_of_headers"),
                                                      STIX_STR("checksum_hex", false),
                                                      STIX_STR("subsystem_hex", false),
                                                      STIX_STR("dll_characteristics_hex", false),
                                                      NONNEG("size_of_stack_reserve"),
                                                      NONNEG("size_of_stack_commit"),
                                                      NONNEG("size_of_heap_reserve"),
                                                      NONNEG("size_of_heap_commit"),
                                                      STIX_STR("loader_flags_hex", false),
                                                      ANYINT("number_of_rva_and_sizes"),
                                                      STIX_HASHES("hashes", false)};
static const struct stix_sub pe_optional_header_type = {
    "windows-pe-optional-header-type", pe_optional_header, STIX_NELEM(pe_optional_header)};

static const struct stix_prop pe_section[] = {STIX_STR("name", true), NONNEG("size"),
                                              STIX_NUM("entropy", false, 0, -1),
                                              STIX_HASHES("hashes", false)};
static const struct stix_sub pe_section_type = {"windows-pe-section-type", pe_section,
                                                STIX_NELEM(pe_section)};

static const struct stix_prop pebinary[] = {
    STIX_STR("pe_type", true),
    STIX_STR("imphash", false),
    STIX_STR("machine_hex", false),
    NONNEG("number_of_sections"),
    STIX_TS("time_date_stamp", false),
    STIX_STR("pointer_to_symbol_table_hex", false),
    NONNEG("number_of_symbols"),
    NONNEG("size_of_optional_header"),
    STIX_STR("characteristics_hex", false),
    STIX_HASHES("file_header_hashes", false),
    STIX_OBJ_OF("optional_header", false, &pe_optional_header_type),
    STIX_OBJS_OF("sections", false, &pe_section_type)};

static const struct stix_prop http_request[] = {
    STIX_STR("request_method", true),   STIX_STR("request_value", true),
    STIX_STR("request_version", false), STIX_DICT("request_header", false),
    ANYINT("message_body_length"),      STIX_REF("message_body_data_ref", false, 0, to_artifact)};

static const struct stix_prop icmp[] = {STIX_STR("icmp_type_hex", true),
                                        STIX_STR("icmp_code_hex", true)};

static const char *const address_family_enum[] = {"AF_UNSPEC",    "AF_INET",    "AF_IPX",
                                                  "AF_APPLETALK", "AF_NETBIOS", "AF_INET6",
                                                  "AF_IRDA",      "AF_BTH",     NULL};
static const char *const socket_type_enum[] = {"SOCK_STREAM", "SOCK_DGRAM",     "SOCK_RAW",
                                               "SOCK_RDM",    "SOCK_SEQPACKET", NULL};

static const struct stix_prop socket_ext[] = {
    STIX_ENUM("address_family", true, address_family_enum),
    STIX_BOOL("is_blocking", false),
    STIX_BOOL("is_listening", false),
    STIX_DICT("options", false),
    STIX_ENUM("socket_type", false, socket_type_enum),
    NONNEG("socket_descriptor"),
    ANYINT("socket_handle")};

static const struct stix_prop tcp[] = {STIX_STR("src_flags_hex", false),
                                       STIX_STR("dst_flags_hex", false)};

static const char *const integrity_enum[] = {"low", "medium", "high", "system", NULL};

static const struct stix_prop windows_process[] = {
    STIX_BOOL("aslr_enabled", false), STIX_BOOL("dep_enabled", false), STIX_STR("priority", false),
    STIX_STR("owner_sid", false),
    /* The specification's table says windows_title; the OASIS JSON schemas and python-stix2
     * say window_title. Both are taken as defined. */
    STIX_STR("window_title", false), STIX_STR("windows_title", false),
    STIX_DICT("startup_info", false), STIX_ENUM("integrity_level", false, integrity_enum)};

static const char *const start_type_enum[] = {"SERVICE_AUTO_START",   "SERVICE_BOOT_START",
                                              "SERVICE_DEMAND_START", "SERVICE_DISABLED",
                                              "SERVICE_SYSTEM_ALERT", NULL};
static const char *const service_type_enum[] = {
    "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS", NULL};
static const char *const service_status_enum[] = {
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED",  "SERVICE_RUNNING",
    "SERVICE_START_PENDING",    "SERVICE_STOP_PENDING",  "SERVICE_STOPPED", NULL};

static const struct stix_prop windows_service[] = {
    STIX_STR("service_name", false),
    STIX_LIST("descriptions", false),
    STIX_STR("display_name", false),
    STIX_STR("group_name", false),
    STIX_ENUM("start_type", false, start_type_enum),
    STIX_REFS("service_dll_refs", false, 0, to_file),
    STIX_ENUM("service_type", false, service_type_enum),
    STIX_ENUM("service_status", false, service_status_enum)};

static const struct stix_prop unix_account[] = {ANYINT("gid"), STIX_LIST("groups", false),
                                                STIX_STR("home_dir", false),
                                                STIX_STR("shell", false)};

#define E(type, name, props)                                                                       \
    {                                                                                              \
        type,                                                                                      \
        {                                                                                          \
            name, props, STIX_NELEM(props)                                                         \
        }                                                                                          \
    }

static const struct {
    const char *type;    /* the SCO type that defines it */
    struct stix_sub ext; /* its name and properties */
} extensions[] = {
    E("file", "archive-ext", archive),
    E("file", "ntfs-ext", ntfs),
    E("file", "pdf-ext", pdf),
    E("file", "raster-image-ext", raster),
    E("file", "windows-pebinary-ext", pebinary),
    E("network-traffic", "http-request-ext", http_request),
    E("network-traffic", "icmp-ext", icmp),
    E("network-traffic", "socket-ext", socket_ext),
    E("network-traffic", "tcp-ext", tcp),
    E("process", "windows-process-ext", windows_process),
    E("process", "windows-service-ext", windows_service),
    E("user-account", "unix-account-ext", unix_account),
};

const struct stix_sub *stix_sco_extension(const char *type, size_t type_len, const char *name,
                                          size_t n)
{
    for (size_t i = 0; i < STIX_NELEM(extensions); i++) {
        const struct stix_sub *e = &extensions[i].ext;
        if (strlen(e->name) == n && memcmp(e->name, name, n) == 0 &&
            strlen(extensions[i].type) == type_len &&
            memcmp(extensions[i].type, type, type_len) == 0)
            return e;
    }
    return NULL;
}
