/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c: the tamper-evident audit log. Each entry carries the hash of the previous one,
 * so changing, inserting or removing an entry in the middle breaks the chain at that entry;
 * policy_audit_verify recomputes the chain and names the first entry that does not match.
 * The store appends under its writer lock and calls policy_audit_hash, so the chain never
 * forks even with concurrent writers.
 */
#include "policy/policy_int.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Audit list pages: default and hard cap of entries per call. */
#define AUDIT_LIST_DEFAULT 1000
#define AUDIT_LIST_MAX     10000
/* Detail documents larger than this are refused: the log is for facts, not payloads. */
#define AUDIT_DETAIL_MAX (4 * 1024 * 1024)

static void hash_part(crypto_generichash_state *st, const char *s, bool last)
{
    if (s != NULL)
        crypto_generichash_update(st, (const unsigned char *)s, strlen(s));
    if (!last)
        crypto_generichash_update(st, (const unsigned char *)"\n", 1);
}

void policy_audit_hash(const struct store_audit *e, char out[65])
{
    crypto_generichash_state st;
    unsigned char h[32];
    char num[32];

    (void)policy_sodium_ready(NULL);
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    hash_part(&st, e->prev_hash, false);
    snprintf(num, sizeof(num), "%" PRId64, e->seq);
    hash_part(&st, num, false);
    snprintf(num, sizeof(num), "%" PRId64, (int64_t)e->time);
    hash_part(&st, num, false);
    hash_part(&st, e->org_id, false);
    hash_part(&st, e->action, false);
    hash_part(&st, e->route, false);
    hash_part(&st, e->collection, false);
    hash_part(&st, e->detail, true);
    crypto_generichash_final(&st, h, sizeof(h));
    rk_hex(h, sizeof(h), out);
}

/*
 * Says in detail (a JSON object) that who's token was minted by a coordinator for who's
 * organisation: whatever the entry records, the coordinator may have done it. Any value the
 * caller gave under the same key is replaced, so a detail cannot hide the mark.
 */
static void mark_minted(json_t *detail, const struct policy_principal *who)
{
    char id[POLICY_TOKEN_ID_LEN + 1];

    policy_copy_str(id, sizeof(id), who->token_hash);
    json_object_set_new(detail, POLICY_AUDIT_MINTED,
                        json_pack("{s:s, s:s}", "token", id, "org_id", who->minted_by));
}

int policy_audit_append(struct store *s, const struct policy_principal *who, const char *action,
                        const char *route, const char *collection_id, const char *detail_json,
                        struct rk_err *err)
{
    struct store_audit e = {0};
    char org[RK_UUID_LEN] = "";
    char *detail = NULL;
    json_error_t jerr;
    json_t *v;
    int rc;

    if (action == NULL || action[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "audit entry without an action");
    if (detail_json == NULL)
        detail_json = "{}";
    if (strlen(detail_json) > AUDIT_DETAIL_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "audit detail above %d bytes", AUDIT_DETAIL_MAX);
    /* Normalised (compact, sorted keys) so that the hashed text does not depend on how the
     * caller happened to format it. */
    v = json_loads(detail_json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return rk_err_set(err, RK_E_INVALID, "audit detail is not JSON: %s", jerr.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return rk_err_set(err, RK_E_INVALID, "audit detail is not a JSON object");
    }
    if (who != NULL && who->authenticated && who->minted_by[0] != '\0')
        mark_minted(v, who);
    detail = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(v);
    if (detail == NULL)
        return rk_err_set(err, RK_E_INTERNAL, "cannot serialise the audit detail");
    rc = policy_sodium_ready(err);
    if (rc != 0)
        goto out;
    if (who != NULL && who->authenticated)
        snprintf(org, sizeof(org), "%s", who->org_id);
    e.time = rk_time_now();
    e.org_id = org;
    e.action = (char *)action;
    e.route = (char *)(route != NULL ? route : "");
    e.collection = (char *)(collection_id != NULL ? collection_id : "");
    e.detail = detail;
    rc = store_audit_append(s, &e, policy_audit_hash, err);
out:
    free(detail);
    return rc;
}

/* State of one verification pass. */
struct verify_ctx {
    char prev[65];     /* hash of the last entry checked, "" before the first */
    int64_t last_seq;  /* seq of the last entry checked, 0 before the first */
    int64_t checked;   /* entries read */
    int64_t first_bad; /* seq of the first entry that breaks the chain, 0 if none */
};

static int verify_one(void *ctx, const struct store_audit *e)
{
    struct verify_ctx *v = ctx;
    char h[65];

    v->checked++;
    /* A gap in seq means an entry was removed; a wrong prev_hash means one before this was
     * changed or removed; a wrong hash means this one was changed. */
    if (e->seq != v->last_seq + 1 || strcmp(e->prev_hash != NULL ? e->prev_hash : "", v->prev) != 0)
        goto bad;
    policy_audit_hash(e, h);
    if (e->hash == NULL || strcmp(h, e->hash) != 0)
        goto bad;
    memcpy(v->prev, h, sizeof(v->prev));
    v->last_seq = e->seq;
    return 0;
bad:
    v->first_bad = e->seq;
    return 1; /* stop */
}

int policy_audit_verify(struct store *s, int64_t *checked, int64_t *first_bad, struct rk_err *err)
{
    struct verify_ctx v = {"", 0, 0, 0};
    int rc;

    rc = policy_sodium_ready(err);
    if (rc == 0)
        rc = store_audit_list(s, 0, 0, NULL, verify_one, &v, err);
    if (rc > 0)
        rc = 0; /* the callback stopped at the first bad entry */
    if (checked != NULL)
        *checked = v.checked;
    if (first_bad != NULL)
        *first_bad = v.first_bad;
    return rc;
}

/* State of one listing: the entries so far and an org id -> name map. */
struct list_ctx {
    json_t *entries;
    size_t limit; /* entries wanted; one more is read to tell whether there are more */
    bool more;
    struct store_org *orgs;
    size_t n_orgs;
};

static const char *org_name(const struct list_ctx *l, const char *id)
{
    if (id == NULL || id[0] == '\0')
        return "";
    for (size_t i = 0; i < l->n_orgs; i++)
        if (strcmp(l->orgs[i].id, id) == 0)
            return l->orgs[i].name;
    return "(deleted organisation)";
}

static int list_one(void *ctx, const struct store_audit *e)
{
    struct list_ctx *l = ctx;
    char t[RK_TIME_LEN];
    json_t *detail;

    if (json_array_size(l->entries) >= l->limit) {
        l->more = true;
        return 1;
    }
    rk_time_format(e->time, t);
    detail = json_loads(e->detail != NULL ? e->detail : "{}", JSON_DECODE_ANY, NULL);
    if (detail == NULL)
        detail = json_string(e->detail); /* shown as stored, so tampering stays visible */
    json_array_append_new(
        l->entries,
        json_pack(
            "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "seq", (json_int_t)e->seq, "time",
            t, "org", org_name(l, e->org_id), "org_id", e->org_id != NULL ? e->org_id : "",
            "action", e->action != NULL ? e->action : "", "route", e->route != NULL ? e->route : "",
            "collection", e->collection != NULL ? e->collection : "", "detail", detail, "prev_hash",
            e->prev_hash != NULL ? e->prev_hash : "", "hash", e->hash != NULL ? e->hash : ""));
    return 0;
}

int policy_audit_list_json(struct store *s, int64_t after_seq, size_t limit, const char *org_id,
                           struct rk_buf *json_out, struct rk_err *err)
{
    struct list_ctx l = {0};
    char *text;
    int rc;

    if (limit == 0)
        limit = AUDIT_LIST_DEFAULT;
    if (limit > AUDIT_LIST_MAX)
        limit = AUDIT_LIST_MAX;
    if (after_seq < 0)
        after_seq = 0;
    l.limit = limit;
    rc = store_org_list(s, &l.orgs, &l.n_orgs, err);
    if (rc != 0)
        return rc;
    l.entries = json_array();
    rc = store_audit_list(s, after_seq, limit + 1,
                          org_id != NULL && org_id[0] != '\0' ? org_id : NULL, list_one, &l, err);
    if (rc > 0)
        rc = 0;
    if (rc == 0) {
        json_t *v = json_pack("{s:o, s:b}", "entries", l.entries, "more", l.more);
        l.entries = NULL;
        text = json_dumps(v, JSON_COMPACT);
        json_decref(v);
        if (text == NULL) {
            rc = rk_err_set(err, RK_E_INTERNAL, "cannot serialise the audit list");
        } else {
            rk_buf_puts(json_out, text);
            free(text);
        }
    }
    json_decref(l.entries);
    store_orgs_free(l.orgs, l.n_orgs);
    return rc;
}
