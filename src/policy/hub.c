/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub.c: creating and loading the hub, and adding organisations and collections (changing
 * and retiring them is orgs.c's and collections.c's, tokens are tokens.c's). The command
 * line and the admin API both call these, so the rules (which sectors exist, which names
 * are allowed, which audiences are valid) are enforced in one place.
 */
#include "policy/policy_config.h"
#include "policy/policy_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RENKEI_SOURCE_DATADIR
#define RENKEI_SOURCE_DATADIR "data"
#endif

#define SECTORS_FILE_MAX (1024 * 1024) /* the sector table is small; cap what we read */
#define NAME_MAX_LEN     127           /* fits struct policy_principal.org_name */

/* ---- the sector table ------------------------------------------------------------------ */

/* Trims blanks and a trailing CR in place; returns the start. */
static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

static bool sector_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n >= 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/*
 * Reads a sector file into a JSON array of {key, name}. Makes sure "coordination" is
 * there, since the coordinator organisation lives in it. *out is a new reference.
 */
static int sectors_read(const char *path, json_t **out, struct rk_err *err)
{
    FILE *f = NULL;
    char line[1024];
    json_t *arr = json_array();
    unsigned lineno = 0;
    bool has_coord = false;
    long total = 0;
    int rc = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        rc = rk_err_set(err, RK_E_IO, "cannot read the sector table %s: %s", path, strerror(errno));
        goto out;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *tab;
        char *key;
        char *name;
        lineno++;
        total += (long)strlen(line);
        if (total > SECTORS_FILE_MAX) {
            rc = rk_err_set(err, RK_E_TOOBIG, "%s: larger than %d bytes", path, SECTORS_FILE_MAX);
            goto out;
        }
        key = trim(line);
        if (key[0] == '\0' || key[0] == '#')
            continue;
        tab = strchr(key, '\t');
        if (tab == NULL) {
            rc = rk_err_set(err, RK_E_INVALID, "%s:%u: expected key<TAB>name", path, lineno);
            goto out;
        }
        *tab = '\0';
        name = trim(tab + 1);
        key = trim(key);
        if (!sector_key_ok(key) || name[0] == '\0') {
            rc = rk_err_set(err, RK_E_INVALID,
                            "%s:%u: sector key must be lower-case letters, digits, '-' or '_' "
                            "and the name non-empty",
                            path, lineno);
            goto out;
        }
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const char *k = json_string_value(json_object_get(json_array_get(arr, i), "key"));
            if (strcmp(k, key) == 0) {
                rc = rk_err_set(err, RK_E_INVALID, "%s:%u: sector '%s' listed twice", path, lineno,
                                key);
                goto out;
            }
        }
        if (strcmp(key, POLICY_COORDINATION_SECTOR) == 0)
            has_coord = true;
        json_array_append_new(arr, json_pack("{s:s, s:s}", "key", key, "name", name));
    }
    if (ferror(f)) {
        rc = rk_err_set(err, RK_E_IO, "error reading %s", path);
        goto out;
    }
    if (!has_coord)
        json_array_append_new(arr, json_pack("{s:s, s:s}", "key", POLICY_COORDINATION_SECTOR,
                                             "name", "Coordination"));
out:
    if (f != NULL)
        fclose(f);
    if (rc != 0) {
        json_decref(arr);
        arr = NULL;
    }
    *out = arr;
    return rc;
}

bool policy_sector_known(struct store *s, const char *sector)
{
    char *v = NULL;
    json_t *arr = NULL;
    bool found = false;

    if (sector == NULL || store_setting_get(s, "sectors", &v, NULL) != 0)
        return false;
    arr = json_loads(v, 0, NULL);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *k = json_string_value(json_object_get(json_array_get(arr, i), "key"));
        if (k != NULL && strcmp(k, sector) == 0) {
            found = true;
            break;
        }
    }
    json_decref(arr);
    free(v);
    return found;
}

int policy_sector_check(struct store *s, const char *sector, struct rk_err *err)
{
    struct rk_buf keys = RK_BUF_INIT;
    char *v = NULL;
    json_t *arr;
    int rc;

    if (sector != NULL && policy_sector_known(s, sector))
        return 0;
    if (store_setting_get(s, "sectors", &v, NULL) == 0) {
        arr = json_loads(v, 0, NULL);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const char *k = json_string_value(json_object_get(json_array_get(arr, i), "key"));
            /* The coordinator's own sector is no member's to choose: not offered. */
            if (k != NULL && strcmp(k, POLICY_COORDINATION_SECTOR) != 0)
                rk_buf_printf(&keys, "%s%s", keys.len > 0 ? ", " : "", k);
        }
        json_decref(arr);
        free(v);
    }
    rc = rk_err_set(err, RK_E_INVALID, "unknown sector '%s' (the sectors are: %s)",
                    sector != NULL ? sector : "", keys.len > 0 ? keys.data : "none");
    rk_buf_free(&keys);
    return rc;
}

/* ---- the hub ---------------------------------------------------------------------------- */

static bool initialised(struct store *s)
{
    char *v = NULL;
    int rc = store_setting_get(s, "api_root", &v, NULL);
    free(v);
    return rc == 0;
}

int policy_hub_init(struct store *s, const char *coordinator_name,
                    char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err)
{
    return policy_hub_init_sectors(s, coordinator_name, NULL, token_out, err);
}

int policy_hub_init_sectors(struct store *s, const char *coordinator_name, const char *sectors_file,
                            char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err)
{
    char path[4096];
    char uuid[RK_UUID_LEN];
    char identity[64];
    json_t *sectors = NULL;
    char *sectors_json = NULL;
    struct store_org org = {0};
    struct policy_principal who;
    int rc;

    token_out[0] = '\0';
    rc = policy_sodium_ready(err);
    if (rc != 0)
        return rc;
    if (initialised(s))
        return rk_err_set(err, RK_E_EXISTS, "the hub is already initialised");
    if (coordinator_name == NULL || coordinator_name[0] == '\0')
        coordinator_name = "coordinator";
    if (sectors_file == NULL) {
        const char *dir = getenv("RENKEI_DATADIR");
        if (dir == NULL || dir[0] == '\0')
            dir = RENKEI_SOURCE_DATADIR;
        snprintf(path, sizeof(path), "%s/sectors.tsv", dir);
        sectors_file = path;
    }
    /* Read everything that can fail on input before writing anything. */
    rc = sectors_read(sectors_file, &sectors, err);
    if (rc != 0)
        goto out;
    sectors_json = json_dumps(sectors, JSON_COMPACT);
    rc = store_setting_set(s, "sectors", sectors_json, err);
    if (rc != 0)
        goto out;
    rk_uuid_v4(uuid);
    snprintf(identity, sizeof(identity), "identity--%s", uuid);
    rc = store_setting_set(s, "hub_identity", identity, err);
    if (rc != 0)
        goto out;
    rc = store_setting_set(s, "title", "renkei hub", err);
    if (rc != 0)
        goto out;
    rc = policy_org_add(s, coordinator_name, POLICY_COORDINATION_SECTOR, STORE_ANON_NAMED, &org,
                        err);
    if (rc != 0)
        goto out;
    rc = store_setting_set(s, "coordinator_org", org.id, err);
    if (rc != 0)
        goto out;
    rc = policy_coordinator_principal(s, &who, err);
    if (rc != 0)
        goto out;
    rc = policy_token_create(s, &who, "init", org.id, STORE_ROLE_COORDINATOR, "created by init", -1,
                             token_out, NULL, err);
    if (rc != 0)
        goto out;
    /* Written last: its presence marks a complete initialisation. */
    rc = store_setting_set(s, "api_root", "hub", err);
out:
    if (rc != 0)
        token_out[0] = '\0';
    store_org_clear(&org);
    free(sectors_json);
    json_decref(sectors);
    return rc;
}

static void copy_setting(struct store *s, const char *key, char *dst, size_t cap,
                         const char *fallback)
{
    char *v = NULL;
    const char *src = fallback;
    if (store_setting_get(s, key, &v, NULL) == 0 && v != NULL)
        src = v;
    snprintf(dst, cap, "%s", src);
    free(v);
}

int policy_hub_load(struct store *s, struct rk_hub *hub, struct rk_err *err)
{
    memset(hub, 0, sizeof(*hub));
    if (!initialised(s))
        return rk_err_set(err, RK_E_NOTFOUND, "the hub is not initialised (run renkei init)");
    hub->store = s;
    copy_setting(s, "api_root", hub->api_root, sizeof(hub->api_root), "hub");
    copy_setting(s, "title", hub->title, sizeof(hub->title), "renkei hub");
    copy_setting(s, "hub_identity", hub->identity_id, sizeof(hub->identity_id), "");
    hub->max_content_length = 100u * 1024u * 1024u;
    return 0;
}

int policy_hub_add_hook(struct rk_hub *hub, const struct rk_ingest_hook *hook, struct rk_err *err)
{
    if (hub->n_hooks >= RK_HUB_HOOKS_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "more than %d ingest hooks", RK_HUB_HOOKS_MAX);
    for (size_t i = 0; hook->observe != NULL && i < hub->n_hooks; i++)
        if (hub->hooks[i].observe != NULL)
            return rk_err_set(err, RK_E_EXISTS, "ingest hook %s observes already",
                              hub->hooks[i].name);
    hub->hooks[hub->n_hooks++] = *hook;
    return 0;
}

/* ---- organisations, tokens, collections ----------------------------------------------- */

/* Organisation names appear in audience lists ("org:a,b"), so commas are not allowed. */
static int name_check(const char *what, const char *name, size_t max, struct rk_err *err)
{
    size_t n;
    if (name == NULL || name[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "%s must not be empty", what);
    n = strlen(name);
    if (n > max)
        return rk_err_set(err, RK_E_INVALID, "%s longer than %zu bytes", what, max);
    if (name[0] == ' ' || name[n - 1] == ' ')
        return rk_err_set(err, RK_E_INVALID, "%s must not start or end with a space", what);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return rk_err_set(err, RK_E_INVALID, "%s contains a control character", what);
    }
    return 0;
}

/* Whether init has registered the coordinator's organisation already. */
static bool is_initialised_with_coordinator(struct store *s)
{
    char *v = NULL;
    int rc = store_setting_get(s, "coordinator_org", &v, NULL);
    free(v);
    return rc == 0;
}

int policy_org_add(struct store *s, const char *name, const char *sector, int anonymity,
                   struct store_org *out, struct rk_err *err)
{
    return policy_org_add_ex(s, name, sector, anonymity, NULL, out, err);
}

int policy_org_name_check(const char *name, struct rk_err *err)
{
    int rc = name_check("organisation name", name, NAME_MAX_LEN, err);
    if (rc != 0)
        return rc;
    if (strchr(name, ',') != NULL)
        return rk_err_set(err, RK_E_INVALID, "organisation name must not contain ','");
    if (rk_uuid_valid(name))
        return rk_err_set(err, RK_E_INVALID, "organisation name must not be a UUID");
    return 0;
}

int policy_org_add_ex(struct store *s, const char *name, const char *sector, int anonymity,
                      const char *own_identifiers, struct store_org *out, struct rk_err *err)
{
    struct store_org org = {0};
    struct policy_ownids *ids = NULL;
    char uuid[RK_UUID_LEN];
    char identity[64];
    int rc;

    memset(out, 0, sizeof(*out));
    rc = policy_org_name_check(name, err);
    if (rc != 0)
        return rc;
    rc = policy_sector_check(s, sector, err);
    if (rc != 0)
        return rc;
    /* The coordination sector is the coordinator's own, which init adds before any member. */
    if (strcmp(sector, POLICY_COORDINATION_SECTOR) == 0 && is_initialised_with_coordinator(s))
        return rk_err_set(err, RK_E_INVALID,
                          "the sector '%s' is the coordinator's own: a member belongs to another",
                          POLICY_COORDINATION_SECTOR);
    if (anonymity < STORE_ANON_NAMED || anonymity > STORE_ANON_ANONYMOUS)
        return rk_err_set(err, RK_E_INVALID, "unknown anonymity mode %d", anonymity);
    /* Checked before anything is written; the normalised list is what gets stored. */
    rc = policy_ownids_parse(own_identifiers, &ids, err);
    if (rc != 0)
        return rc;
    rk_uuid_v4(org.id);
    rk_uuid_v4(uuid);
    snprintf(identity, sizeof(identity), "identity--%s", uuid);
    org.name = (char *)name;
    org.sector = (char *)sector;
    org.identity_id = identity;
    org.anonymity = anonymity;
    org.created = rk_time_now();
    org.own_identifiers = (char *)policy_ownids_text(ids);
    rc = store_org_add(s, &org, err);
    if (rc == RK_E_EXISTS)
        rc = rk_err_set(err, RK_E_EXISTS, "organisation '%s' already exists", name);
    if (rc != 0) {
        policy_ownids_free(ids);
        return rc;
    }
    (void)policy_cache_bump(s, NULL); /* running servers drop cached entities (cache.c) */
    out->own_identifiers = rk_strdup(policy_ownids_text(ids));
    policy_ownids_free(ids);
    memcpy(out->id, org.id, sizeof(out->id));
    out->name = rk_strdup(name);
    out->sector = rk_strdup(sector);
    out->identity_id = rk_strdup(identity);
    out->anonymity = anonymity;
    out->created = org.created;
    return 0;
}

int policy_collection_check(struct store *s, const struct store_collection *c, struct rk_err *err)
{
    struct rk_err sub;
    int rc;

    if (c->default_tlp < POLICY_TLP_CLEAR || c->default_tlp > POLICY_TLP_RED)
        return rk_err_set(err, RK_E_INVALID,
                          "default TLP must be clear, green, amber, amber+strict or red");
    rc = name_check("title", c->title, 256, err);
    if (rc != 0)
        return rc;
    if (c->description != NULL && strlen(c->description) > 4096)
        return rk_err_set(err, RK_E_INVALID, "description longer than 4096 bytes");
    if (c->alias != NULL && strlen(c->alias) > 128)
        return rk_err_set(err, RK_E_INVALID, "alias longer than 128 bytes");
    rk_err_clear(&sub);
    rc = policy_spec_check(s, c->read_spec, &sub);
    if (rc != 0)
        return rk_err_set(err, rc, "read audience: %s", sub.msg);
    rc = policy_spec_check(s, c->write_spec, &sub);
    if (rc != 0)
        return rk_err_set(err, rc, "write audience: %s", sub.msg);
    return 0;
}

int policy_collection_add(struct store *s, const char *title, const char *description,
                          const char *alias, const char *read_spec, const char *write_spec,
                          struct store_collection *out, struct rk_err *err)
{
    return policy_collection_add_ex(s, title, description, alias, read_spec, write_spec,
                                    POLICY_TLP_GREEN, false, out, err);
}

int policy_collection_alias_check(const char *alias, struct rk_err *err)
{
    size_t n = alias != NULL ? strlen(alias) : 0;
    if (n == 0)
        return 0;
    if (n > POLICY_ALIAS_MAX)
        return rk_err_set(err, RK_E_INVALID, "alias longer than %d bytes", POLICY_ALIAS_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = alias[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.' && c != '~')))
            return rk_err_set(err, RK_E_INVALID,
                              "alias '%.128s': use letters, digits and - _ . ~ (a URL path "
                              "segment as it is), starting with a letter or digit",
                              alias);
    }
    if (rk_uuid_valid(alias))
        return rk_err_set(err, RK_E_INVALID,
                          "alias '%s' looks like a collection id (a UUID): choose a name", alias);
    return 0;
}

int policy_collection_add_ex(struct store *s, const char *title, const char *description,
                             const char *alias, const char *read_spec, const char *write_spec,
                             int default_tlp, bool relay, struct store_collection *out,
                             struct rk_err *err)
{
    struct store_collection c = {0};
    int rc;

    memset(out, 0, sizeof(*out));
    c.title = (char *)title;
    c.description = (char *)description;
    c.alias = (char *)alias;
    c.read_spec = (char *)read_spec;
    c.write_spec = (char *)write_spec;
    c.default_tlp = default_tlp;
    rc = policy_collection_check(s, &c, err);
    if (rc != 0)
        return rc;
    rc = policy_collection_alias_check(alias, err);
    if (rc != 0)
        return rc;
    if (alias != NULL && alias[0] != '\0') {
        /* An alias names one collection in URLs: it must be free (the store refuses a
         * taken one too, which covers a concurrent add; this says which collection has it). */
        struct store_collection other;
        struct rk_err sub;
        rk_err_clear(&sub);
        rc = store_collection_get(s, alias, &other, &sub);
        if (rc == 0) {
            rk_err_set(err, RK_E_EXISTS, "alias '%s' is taken by collection %s (%.200s)", alias,
                       other.id, other.title);
            store_collection_clear(&other);
            return RK_E_EXISTS;
        }
        if (rc != RK_E_NOTFOUND)
            return rk_err_set(err, rc, "%s", sub.msg);
    }
    rk_uuid_v4(c.id);
    c.title = (char *)title;
    c.description = (char *)(description != NULL ? description : "");
    c.alias = (char *)(alias != NULL ? alias : "");
    c.read_spec = (char *)read_spec;
    c.write_spec = (char *)write_spec;
    c.created = rk_time_now();
    c.default_tlp = default_tlp;
    c.relay = relay;
    rc = store_collection_add(s, &c, err);
    if (rc != 0)
        return rc;
    (void)policy_cache_bump(s, NULL); /* running servers drop cached entities (cache.c) */
    memcpy(out->id, c.id, sizeof(out->id));
    out->title = rk_strdup(c.title);
    out->description = rk_strdup(c.description);
    out->alias = rk_strdup(c.alias);
    out->read_spec = rk_strdup(c.read_spec);
    out->write_spec = rk_strdup(c.write_spec);
    out->created = c.created;
    out->default_tlp = c.default_tlp;
    out->relay = c.relay;
    return 0;
}
