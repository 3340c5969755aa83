/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report_hub.c: what the hub does with incident reports: the criteria table as a section of
 * the policy document, the ingest hook that writes the hub's severity into every version of
 * a report posted, and the route that serves the renkei extension-definition object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "analyze/analyze_int.h"
#include "http/http.h"
#include "module/module.h"
#include "policy/admin.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "policy/scope.h"

/* "sha256:" and the first 16 hex digits of the digest. */
#define CRITERIA_ID_MAX 32

/* The policy section's check: a valid criteria table. */
static int criteria_check(const json_t *value, struct rk_err *err)
{
    struct analyze_sev_table *t = NULL;
    int rc = analyze_severity_table_new((json_t *)value, &t, err);
    analyze_severity_table_free(t);
    return rc;
}

int analyze_policy_sections_add(struct rk_err *err)
{
    static const struct policy_doc_section criteria = {
        .key = ANALYZE_SEV_POLICY_KEY,
        .check = criteria_check,
        .default_json = NULL, /* set below: the library's text */
    };
    struct policy_doc_section s = criteria;
    if (sodium_init() < 0)
        return rk_err_set(err, RK_E_INTERNAL, "libsodium cannot be initialised");
    s.default_json = analyze_severity_default_table();
    return policy_doc_add_section(&s, err);
}

/* The id of a criteria table: the table's compact, key-sorted JSON, hashed. Two tables with
 * the same rules have the same id whatever their layout. */
static void criteria_id(const json_t *table, char out[CRITERIA_ID_MAX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    char *text = json_dumps(table, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        abort(); /* jansson fails only when out of memory; the house rule is to abort */
    crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
    free(text);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(out, CRITERIA_ID_MAX, "sha256:%.16s", hex);
}

/* A sector name of the report that the hub's table does not know: RK_E_INVALID naming it. */
static int sectors_check(struct store *s, json_t *ext, struct rk_err *err)
{
    struct rk_err sub = {0};
    json_t *sector = json_object_get(ext, "sector");
    if (sector != NULL && policy_sector_check(s, json_string_value(sector), &sub) != 0)
        return rk_err_set(err, RK_E_INVALID, "sector: %s", sub.msg);
    json_t *hit = json_object_get(ext, "sectors_hit");
    size_t i;
    json_t *v;
    json_array_foreach(hit, i, v)
    {
        if (policy_sector_check(s, json_string_value(v), &sub) != 0)
            return rk_err_set(err, RK_E_INVALID, "sectors_hit[%zu]: %s", i, sub.msg);
    }
    return 0;
}

/*
 * The rewrite hook: the hub's severity of a renkei incident report, computed against the
 * criteria table of doc, the policy document the pipeline read for the envelope (a parse of
 * a few kilobytes, for incident reports only). Nothing is shared between the request threads,
 * and a table the coordinator swaps applies from the next envelope on.
 */
static int severity_rewrite(void *ctx, const struct policy_doc *doc, const char *type, json_t *obj,
                            char *msg, size_t cap)
{
    struct rk_hub *hub = ctx;
    struct rk_err err = {0};
    struct analyze_sev_table *table = NULL;
    char id[CRITERIA_ID_MAX];
    json_t *ext;
    int rc;

    if (strcmp(type, "incident") != 0)
        return 0;
    ext = json_object_get(json_object_get(obj, "extensions"), ANALYZE_SEV_EXTENSION);
    if (ext == NULL)
        return 0;
    rc = json_is_object(ext) ? sectors_check(hub->store, ext, &err) : 0;
    if (rc == 0) {
        const json_t *t = policy_doc_section(doc, ANALYZE_SEV_POLICY_KEY);
        if (t == NULL) /* not registered: analyze_attach registers it before this hook */
            rc = rk_err_set(&err, RK_E_INTERNAL, "no severity criteria section in the policy");
        else
            rc = analyze_severity_table_new((json_t *)t, &table, &err);
        if (rc == 0)
            criteria_id(t, id);
    }
    if (rc == 0)
        rc = analyze_severity_stamp(obj, table, id, &err);
    analyze_severity_table_free(table);
    if (rc < 0) {
        snprintf(msg, cap, "incident report (renkei extension %s): %s", ANALYZE_SEV_EXTENSION,
                 err.msg);
        return -1;
    }
    if (rc == 1)
        snprintf(msg, cap, "severity %lld computed by the hub (criteria %s)",
                 (long long)json_integer_value(
                     json_object_get(json_object_get(ext, ANALYZE_SEV_HUB_MEMBER), "level")),
                 id);
    return rc;
}

int analyze_report_attach(struct rk_hub *hub, struct rk_err *err)
{
    const struct rk_ingest_hook hook = {
        .name = "analyze",
        .ctx = hub,
        .rewrite = severity_rewrite,
    };
    int rc = analyze_policy_sections_add(err);
    if (rc != 0)
        return rc;
    return policy_hub_add_hook(hub, &hook, err);
}

int analyze_extension_get(void *ctx, struct http_request *req, struct http_response *resp,
                          struct rk_err *err)
{
    (void)ctx, (void)err;
    if (module_need_member(req, resp))
        return 0;
    if (strcmp(req->captures[0], ANALYZE_SEV_EXTENSION) != 0) {
        http_json_error(resp, 404, "no such extension definition");
        return 0;
    }
    http_reply_json(resp, 200, analyze_report_extension_definition());
    return 0;
}
