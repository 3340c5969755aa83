/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doc.c: the policy document (sector k, green delay, own-identifier handling, removed
 * properties, public identities, marking aliases, what to do with unreadable markings and
 * foreign authors, automatic scope rules): defaults, parsing with validation, serialising.
 */
#include "policy/policy_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DOC_MAX       (1024 * 1024) /* bytes of a policy document */
#define LIST_MAX      1024          /* entries in one string list */
#define LIST_ITEM_MAX 256           /* bytes of one list entry */

/* The STIX 2.1 cyber-observable types: the default rule shares them GREEN with indicators. */
static const char *const default_green_types[] = {
    "indicator",
    "observed-data",
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
};

static const char *const default_removed[] = {"x_reporter", "x_reporter_email", "x_source_ip",
                                              "x_opencti_created_by_ref"};

/* Identities every member may see named even in sector and anonymous posts: MITRE (ATT&CK)
 * and OASIS (the common objects, the TLP 2.0 marking definitions). */
static const char *const default_public_identities[] = {
    "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5", /* The MITRE Corporation */
    "identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a", /* OASIS */
};

/* Markings that restrict nothing: MITRE's copyright statement on every ATT&CK object. */
static const char *const default_none_markings[] = {
    "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The capabilities' sections, registered before the first document is parsed and read-only
 * afterwards, so that request threads read them without a lock. */
static struct policy_doc_section sections[POLICY_DOC_SECTIONS_MAX];
static size_t n_sections;

static const struct policy_doc_section *section_find(const char *key)
{
    for (size_t i = 0; i < n_sections; i++)
        if (strcmp(sections[i].key, key) == 0)
            return &sections[i];
    return NULL;
}

/* The value of a registered section's default (a new reference). */
static json_t *section_default(const struct policy_doc_section *sec)
{
    json_t *v = json_loads(sec->default_json, JSON_DECODE_ANY, NULL);
    assert(v != NULL); /* checked when it was registered */
    return v;
}

int policy_doc_add_section(const struct policy_doc_section *section, struct rk_err *err)
{
    if (section_find(section->key) != NULL)
        return 0;
    if (n_sections >= POLICY_DOC_SECTIONS_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "more than %d policy sections",
                          POLICY_DOC_SECTIONS_MAX);
    json_t *v = json_loads(section->default_json, JSON_DECODE_ANY, NULL);
    int rc = v == NULL ? rk_err_set(err, RK_E_INVALID, "%s: the default is not JSON", section->key)
                       : section->check(v, err);
    json_decref(v);
    if (rc != 0)
        return rc;
    sections[n_sections++] = *section;
    return 0;
}

const json_t *policy_doc_section(const struct policy_doc *d, const char *key)
{
    return section_find(key) != NULL ? json_object_get(d->sections, key) : NULL;
}

static void strings_set(struct policy_strings *l, const char *const *v, size_t n)
{
    l->v = n > 0 ? rk_calloc(n, sizeof(char *)) : NULL;
    l->n = n;
    for (size_t i = 0; i < n; i++)
        l->v[i] = rk_strdup(v[i]);
}

static void strings_clear(struct policy_strings *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void rule_set(struct policy_scope_rule *r, const char *name, int tlp, const char *audience)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->tlp = tlp;
    snprintf(r->audience, sizeof(r->audience), "%s", audience);
}

static void default_rules(struct policy_doc *d)
{
    static const char *const incident[] = {"incident"};

    d->n_rules = 3;
    d->rules = rk_calloc(d->n_rules, sizeof(*d->rules));
    rule_set(&d->rules[0], "incidents-amber-sector", POLICY_TLP_AMBER, "contributor-sector");
    strings_set(&d->rules[0].types, incident, 1);
    rule_set(&d->rules[1], "indicators-green", POLICY_TLP_GREEN, "");
    strings_set(&d->rules[1].types, default_green_types, COUNT(default_green_types));
    rule_set(&d->rules[2], "collection-default", POLICY_TLP_COLLECTION, "");
}

void policy_doc_default(struct policy_doc *d)
{
    memset(d, 0, sizeof(*d));
    d->sector_k = 5;
    d->green_delay_hours = 0;
    d->corr_min_orgs = 2;
    d->corr_min_sectors = 2;
    d->corr_window_days = 30;
    d->own_identifiers = POLICY_OWNID_REFUSE;
    strings_set(&d->remove_properties, default_removed, COUNT(default_removed));
    strings_set(&d->public_identities, default_public_identities, COUNT(default_public_identities));
    d->n_marking_aliases = COUNT(default_none_markings);
    d->marking_aliases = rk_calloc(d->n_marking_aliases, sizeof(*d->marking_aliases));
    for (size_t i = 0; i < d->n_marking_aliases; i++) {
        d->marking_aliases[i].id = rk_strdup(default_none_markings[i]);
        d->marking_aliases[i].tlp = POLICY_MARKING_NONE;
    }
    d->unknown_markings = POLICY_UNREADABLE_AMBER;
    d->foreign_authors = POLICY_FOREIGN_REWRITE;
    default_rules(d);
    d->sections = json_object();
    for (size_t i = 0; i < n_sections; i++)
        json_object_set_new(d->sections, sections[i].key, section_default(&sections[i]));
}

static void aliases_clear(struct policy_doc *d)
{
    for (size_t i = 0; i < d->n_marking_aliases; i++)
        free(d->marking_aliases[i].id);
    free(d->marking_aliases);
    d->marking_aliases = NULL;
    d->n_marking_aliases = 0;
}

void policy_doc_clear(struct policy_doc *d)
{
    if (d == NULL)
        return;
    strings_clear(&d->remove_properties);
    strings_clear(&d->public_identities);
    aliases_clear(d);
    for (size_t i = 0; i < d->n_rules; i++) {
        strings_clear(&d->rules[i].types);
        strings_clear(&d->rules[i].sectors);
        strings_clear(&d->rules[i].collections);
        strings_clear(&d->rules[i].labels);
    }
    free(d->rules);
    d->rules = NULL;
    d->n_rules = 0;
    json_decref(d->sections);
    d->sections = NULL;
}

int policy_doc_marking_alias(const struct policy_doc *d, const char *marking_id)
{
    for (size_t i = 0; d != NULL && marking_id != NULL && i < d->n_marking_aliases; i++)
        if (strcasecmp(d->marking_aliases[i].id, marking_id) == 0)
            return d->marking_aliases[i].tlp;
    return -1;
}

bool policy_doc_public_identity(const struct policy_doc *d, const char *id)
{
    for (size_t i = 0; d != NULL && id != NULL && i < d->public_identities.n; i++)
        if (strcasecmp(d->public_identities.v[i], id) == 0)
            return true;
    return false;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* Reads a JSON array of non-empty strings into l (what names the place for messages). */
static int parse_strings(const json_t *v, const char *what, struct policy_strings *l,
                         struct rk_err *err)
{
    const json_t *item;
    size_t i;

    if (!json_is_array(v))
        return rk_err_set(err, RK_E_INVALID, "%s: expected an array of strings", what);
    if (json_array_size(v) > LIST_MAX)
        return rk_err_set(err, RK_E_INVALID, "%s: more than %d entries", what, LIST_MAX);
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (s == NULL || s[0] == '\0')
            return rk_err_set(err, RK_E_INVALID, "%s[%zu]: expected a non-empty string", what, i);
        if (strlen(s) >= LIST_ITEM_MAX)
            return rk_err_set(err, RK_E_INVALID, "%s[%zu]: longer than %d bytes", what, i,
                              LIST_ITEM_MAX - 1);
    }
    l->n = json_array_size(v);
    l->v = l->n > 0 ? rk_calloc(l->n, sizeof(char *)) : NULL;
    json_array_foreach(v, i, item) l->v[i] = rk_strdup(json_string_value(item));
    return 0;
}

static int parse_int(const json_t *v, const char *what, int min, int max, int *out,
                     struct rk_err *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return rk_err_set(err, RK_E_INVALID, "%s: expected an integer from %d to %d", what, min,
                          max);
    *out = (int)json_integer_value(v);
    return 0;
}

/* Checks an audience value of a rule: the two keywords or an audience spec. */
static int check_audience(struct store *s, const char *what, const char *aud, struct rk_err *err)
{
    struct rk_err e2 = {0};

    if (strlen(aud) >= POLICY_SCOPE_MAX)
        return rk_err_set(err, RK_E_INVALID, "%s: longer than %d bytes", what,
                          POLICY_SCOPE_MAX - 1);
    if (strcmp(aud, "contributor-sector") == 0 || strcmp(aud, "collection") == 0)
        return 0;
    if (s != NULL) {
        int rc = policy_spec_check(s, aud, &e2);
        /* A store that failed is no fault of the document: its code (a 5xx) is kept. */
        if (rc == RK_E_DB || rc == RK_E_IO)
            return rk_err_set(err, rc, "%s: %s", what, e2.msg);
        if (rc != 0)
            return rk_err_set(err, RK_E_INVALID, "%s: %s", what, e2.msg);
        return 0;
    }
    if (strcmp(aud, "all") == 0 || strcmp(aud, "public") == 0 ||
        (rk_starts_with(aud, "sector:") && aud[7] != '\0') ||
        (rk_starts_with(aud, "org:") && aud[4] != '\0'))
        return 0;
    return rk_err_set(err, RK_E_INVALID,
                      "%s: '%s' is not contributor-sector, collection or an audience (all, "
                      "public, sector:a,b, org:n,m)",
                      what, aud);
}

static int parse_match(const json_t *m, const char *where, struct policy_scope_rule *r,
                       struct rk_err *err)
{
    const char *key;
    const json_t *v;
    char what[POLICY_NAME_MAX + 64];
    int rc = 0;

    if (!json_is_object(m))
        return rk_err_set(err, RK_E_INVALID, "%s.match: expected an object", where);
    json_object_foreach((json_t *)m, key, v)
    {
        struct policy_strings *l = NULL;
        if (strcmp(key, "types") == 0)
            l = &r->types;
        else if (strcmp(key, "sectors") == 0)
            l = &r->sectors;
        else if (strcmp(key, "collections") == 0)
            l = &r->collections;
        else if (strcmp(key, "labels") == 0)
            l = &r->labels;
        else
            return rk_err_set(err, RK_E_INVALID,
                              "%s.match: unknown key '%s' (types, sectors, collections, labels)",
                              where, key);
        snprintf(what, sizeof(what), "%s.match.%s", where, key);
        rc = parse_strings(v, what, l, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int parse_rule(struct store *s, const json_t *j, size_t idx, struct policy_scope_rule *r,
                      struct rk_err *err)
{
    char where[POLICY_NAME_MAX + 32];
    const char *key;
    const json_t *v;
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *tlp = json_string_value(json_object_get(j, "tlp"));
    const json_t *aud = json_object_get(j, "audience");
    const json_t *match = json_object_get(j, "match");
    int rc;

    if (!json_is_object(j))
        return rk_err_set(err, RK_E_INVALID, "scope_rules[%zu]: expected an object", idx);
    if (name == NULL || name[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "scope_rules[%zu]: missing or empty name", idx);
    if (strlen(name) >= POLICY_NAME_MAX)
        return rk_err_set(err, RK_E_INVALID, "scope_rules[%zu]: name longer than %d bytes", idx,
                          POLICY_NAME_MAX - 1);
    if (strcmp(name, "marking") == 0 || strcmp(name, "default") == 0 ||
        strcmp(name, POLICY_RULE_ALIAS) == 0 || strcmp(name, POLICY_RULE_UNREADABLE) == 0)
        return rk_err_set(err, RK_E_INVALID, "scope_rules[%zu]: the name '%s' is reserved", idx,
                          name);
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(where, sizeof(where), "scope rule '%s'", name);
    json_object_foreach((json_t *)j, key, v)
    {
        if (strcmp(key, "name") != 0 && strcmp(key, "match") != 0 && strcmp(key, "tlp") != 0 &&
            strcmp(key, "audience") != 0)
            return rk_err_set(err, RK_E_INVALID,
                              "%s: unknown key '%s' (name, match, tlp, audience)", where, key);
    }
    if (tlp == NULL)
        return rk_err_set(err, RK_E_INVALID, "%s: missing tlp", where);
    if (strcmp(tlp, "collection") == 0)
        r->tlp = POLICY_TLP_COLLECTION;
    else if ((r->tlp = policy_tlp_parse(tlp)) < 0)
        return rk_err_set(err, RK_E_INVALID,
                          "%s: bad tlp '%s' (clear, green, amber, amber+strict, red, collection)",
                          where, tlp);
    if (aud != NULL) {
        char what[POLICY_NAME_MAX + 48];
        snprintf(what, sizeof(what), "%s.audience", where);
        if (!json_is_string(aud))
            return rk_err_set(err, RK_E_INVALID, "%s: expected a string", what);
        rc = check_audience(s, what, json_string_value(aud), err);
        if (rc != 0)
            return rc;
        snprintf(r->audience, sizeof(r->audience), "%s", json_string_value(aud));
    }
    if (match != NULL)
        return parse_match(match, where, r, err);
    return 0;
}

/* One of two words (first: 0, second: 1) into *out. */
static int parse_choice(const json_t *v, const char *what, const char *first, const char *second,
                        int *out, struct rk_err *err)
{
    const char *m = json_string_value(v);
    if (m != NULL && strcmp(m, first) == 0)
        *out = 0;
    else if (m != NULL && strcmp(m, second) == 0)
        *out = 1;
    else
        return rk_err_set(err, RK_E_INVALID, "%s: expected %s or %s", what, first, second);
    return 0;
}

/* Whether s is "<prefix><uuid>" (prefix "identity--" or "marking-definition--"). */
static bool typed_id(const char *s, const char *prefix)
{
    return s != NULL && rk_starts_with(s, prefix) && rk_uuid_valid(s + strlen(prefix));
}

/*
 * public_identities: identity ids. With a store, the identity of a registered organisation
 * is refused: a member's sector and anonymous posts would then keep naming it.
 */
static int parse_public_identities(struct store *s, const json_t *v, struct policy_doc *d,
                                   struct rk_err *err)
{
    struct store_org *orgs = NULL;
    size_t n_orgs = 0;
    int rc;

    strings_clear(&d->public_identities);
    rc = parse_strings(v, "public_identities", &d->public_identities, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < d->public_identities.n; i++)
        if (!typed_id(d->public_identities.v[i], "identity--"))
            return rk_err_set(err, RK_E_INVALID, "public_identities[%zu]: not an identity id", i);
    if (s == NULL)
        return 0;
    rc = store_org_list(s, &orgs, &n_orgs, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < d->public_identities.n && rc == 0; i++)
        for (size_t k = 0; k < n_orgs && rc == 0; k++)
            if (orgs[k].identity_id != NULL &&
                strcasecmp(orgs[k].identity_id, d->public_identities.v[i]) == 0)
                rc = rk_err_set(err, RK_E_INVALID,
                                "public_identities[%zu]: the identity of the organisation '%s' "
                                "cannot be public (its hidden posts would name it)",
                                i, orgs[k].name);
    store_orgs_free(orgs, n_orgs);
    return rc;
}

/* marking_aliases: {"marking-definition--<uuid>": "none" or a TLP name, ...}. The standard
 * TLP 1.0 and 2.0 ids keep their meaning and cannot be aliased. */
static int parse_marking_aliases(const json_t *v, struct policy_doc *d, struct rk_err *err)
{
    const char *key;
    const json_t *val;
    size_t i = 0;

    if (!json_is_object(v))
        return rk_err_set(err, RK_E_INVALID,
                          "marking_aliases: expected an object of marking id: TLP name or none");
    if (json_object_size(v) > LIST_MAX)
        return rk_err_set(err, RK_E_INVALID, "marking_aliases: more than %d entries", LIST_MAX);
    aliases_clear(d);
    d->marking_aliases = rk_calloc(json_object_size(v) + 1, sizeof(*d->marking_aliases));
    json_object_foreach((json_t *)v, key, val)
    {
        const char *name = json_string_value(val);
        int tlp;
        if (!typed_id(key, "marking-definition--"))
            return rk_err_set(err, RK_E_INVALID, "marking_aliases: '%.80s' is not a marking id",
                              key);
        if (policy_tlp_of_marking(key) != POLICY_TLP_NONE)
            return rk_err_set(err, RK_E_INVALID,
                              "marking_aliases: %s is a standard TLP marking and keeps its meaning",
                              key);
        if (name != NULL && strcmp(name, "none") == 0)
            tlp = POLICY_MARKING_NONE;
        else if (name == NULL || (tlp = policy_tlp_parse(name)) < 0)
            return rk_err_set(err, RK_E_INVALID,
                              "marking_aliases: %s: expected none, clear, green, amber, "
                              "amber+strict or red",
                              key);
        d->marking_aliases[i].id = rk_strdup(key);
        for (char *c = d->marking_aliases[i].id; *c != '\0'; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        d->marking_aliases[i].tlp = tlp;
        d->n_marking_aliases = ++i;
    }
    return 0;
}

static int parse_doc(struct store *s, const json_t *root, struct policy_doc *d, struct rk_err *err)
{
    const char *key;
    const json_t *v;
    int rc = 0;

    if (!json_is_object(root))
        return rk_err_set(err, RK_E_INVALID, "the policy document must be a JSON object");
    json_object_foreach((json_t *)root, key, v)
    {
        if (strcmp(key, "sector_k") == 0) {
            rc = parse_int(v, "sector_k", 1, 1000000, &d->sector_k, err);
        } else if (strcmp(key, "green_delay_hours") == 0) {
            rc = parse_int(v, "green_delay_hours", 0, 24 * 365 * 10, &d->green_delay_hours, err);
        } else if (strcmp(key, "correlation_min_organisations") == 0) {
            rc = parse_int(v, key, 1, 1000000, &d->corr_min_orgs, err);
        } else if (strcmp(key, "correlation_min_sectors") == 0) {
            rc = parse_int(v, key, 1, 1000, &d->corr_min_sectors, err);
        } else if (strcmp(key, "correlation_window_days") == 0) {
            rc = parse_int(v, key, 1, 3650, &d->corr_window_days, err);
        } else if (strcmp(key, "own_identifiers") == 0) {
            rc = parse_choice(v, key, "refuse", "redact", &d->own_identifiers, err);
        } else if (strcmp(key, "unknown_markings") == 0) {
            rc = parse_choice(v, key, "amber", "refuse", &d->unknown_markings, err);
        } else if (strcmp(key, "foreign_authors") == 0) {
            rc = parse_choice(v, key, "rewrite", "refuse", &d->foreign_authors, err);
        } else if (strcmp(key, "remove_properties") == 0) {
            strings_clear(&d->remove_properties);
            rc = parse_strings(v, "remove_properties", &d->remove_properties, err);
        } else if (strcmp(key, "public_identities") == 0) {
            rc = parse_public_identities(s, v, d, err);
        } else if (strcmp(key, "marking_aliases") == 0) {
            rc = parse_marking_aliases(v, d, err);
        } else if (strcmp(key, "scope_rules") == 0) {
            size_t i;
            const json_t *r;
            if (!json_is_array(v))
                return rk_err_set(err, RK_E_INVALID, "scope_rules: expected an array");
            if (json_array_size(v) > POLICY_RULES_MAX)
                return rk_err_set(err, RK_E_INVALID, "scope_rules: more than %d rules",
                                  POLICY_RULES_MAX);
            for (i = 0; i < d->n_rules; i++) {
                strings_clear(&d->rules[i].types);
                strings_clear(&d->rules[i].sectors);
                strings_clear(&d->rules[i].collections);
                strings_clear(&d->rules[i].labels);
            }
            free(d->rules);
            d->n_rules = json_array_size(v);
            d->rules = d->n_rules > 0 ? rk_calloc(d->n_rules, sizeof(*d->rules)) : NULL;
            json_array_foreach(v, i, r)
            {
                rc = parse_rule(s, r, i, &d->rules[i], err);
                if (rc != 0)
                    return rc;
                for (size_t k = 0; k < i; k++)
                    if (strcmp(d->rules[k].name, d->rules[i].name) == 0)
                        return rk_err_set(err, RK_E_INVALID, "scope rule name '%s' used twice",
                                          d->rules[i].name);
            }
        } else if (section_find(key) != NULL) {
            struct rk_err sub = {0};
            rc = section_find(key)->check(v, &sub);
            if (rc != 0)
                return rk_err_set(err, rc, "%s: %s", key, sub.msg);
            json_object_set_new(d->sections, key, json_deep_copy(v));
        } else {
            struct rk_buf known = RK_BUF_INIT;
            for (size_t i = 0; i < n_sections; i++)
                rk_buf_printf(&known, ", %s", sections[i].key);
            rc = rk_err_set(
                err, RK_E_INVALID,
                "unknown key '%s' (sector_k, green_delay_hours, correlation_min_organisations, "
                "correlation_min_sectors, correlation_window_days, own_identifiers, "
                "remove_properties, public_identities, marking_aliases, "
                "unknown_markings, foreign_authors, scope_rules%s)",
                key, known.len > 0 ? known.data : "");
            rk_buf_free(&known);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int policy_doc_parse(struct store *s, const char *json, size_t len, struct policy_doc *out,
                     struct rk_err *err)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(out, 0, sizeof(*out));
    if (json == NULL)
        return rk_err_set(err, RK_E_INVALID, "no policy document");
    if (len > DOC_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "policy document larger than %d bytes", DOC_MAX);
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return rk_err_set(err, RK_E_INVALID, "policy document is not JSON: %s (line %d)", jerr.text,
                          jerr.line);
    policy_doc_default(out);
    rc = parse_doc(s, root, out, err);
    json_decref(root);
    if (rc != 0)
        policy_doc_clear(out);
    return rc;
}

int policy_doc_load(struct store *s, struct policy_doc *out, struct rk_err *err)
{
    char *v = NULL;
    int rc = store_setting_get(s, POLICY_SETTING_DOC, &v, err);

    if (rc == RK_E_NOTFOUND) {
        rk_err_clear(err);
        policy_doc_default(out);
        return 0;
    }
    memset(out, 0, sizeof(*out));
    if (rc != 0)
        return rc;
    rc = policy_doc_parse(NULL, v, strlen(v), out, err);
    free(v);
    return rc;
}

/* ---- serialising -------------------------------------------------------------------------- */

static json_t *strings_json(const struct policy_strings *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

char *policy_doc_to_json(const struct policy_doc *d)
{
    json_t *root = json_object();
    json_t *rules = json_array();
    char *out;

    json_object_set_new(root, "sector_k", json_integer(d->sector_k));
    json_object_set_new(root, "green_delay_hours", json_integer(d->green_delay_hours));
    json_object_set_new(root, "correlation_min_organisations", json_integer(d->corr_min_orgs));
    json_object_set_new(root, "correlation_min_sectors", json_integer(d->corr_min_sectors));
    json_object_set_new(root, "correlation_window_days", json_integer(d->corr_window_days));
    json_object_set_new(
        root, "own_identifiers",
        json_string(d->own_identifiers == POLICY_OWNID_REDACT ? "redact" : "refuse"));
    json_object_set_new(root, "remove_properties", strings_json(&d->remove_properties));
    json_object_set_new(root, "public_identities", strings_json(&d->public_identities));
    json_t *aliases = json_object();
    for (size_t i = 0; i < d->n_marking_aliases; i++)
        json_object_set_new(aliases, d->marking_aliases[i].id,
                            json_string(d->marking_aliases[i].tlp == POLICY_MARKING_NONE
                                            ? "none"
                                            : policy_tlp_name(d->marking_aliases[i].tlp)));
    json_object_set_new(root, "marking_aliases", aliases);
    json_object_set_new(
        root, "unknown_markings",
        json_string(d->unknown_markings == POLICY_UNREADABLE_REFUSE ? "refuse" : "amber"));
    json_object_set_new(
        root, "foreign_authors",
        json_string(d->foreign_authors == POLICY_FOREIGN_REFUSE ? "refuse" : "rewrite"));
    for (size_t i = 0; i < d->n_rules; i++) {
        const struct policy_scope_rule *r = &d->rules[i];
        json_t *j = json_object();
        json_t *m = json_object();
        json_object_set_new(j, "name", json_string(r->name));
        if (r->types.n > 0)
            json_object_set_new(m, "types", strings_json(&r->types));
        if (r->sectors.n > 0)
            json_object_set_new(m, "sectors", strings_json(&r->sectors));
        if (r->collections.n > 0)
            json_object_set_new(m, "collections", strings_json(&r->collections));
        if (r->labels.n > 0)
            json_object_set_new(m, "labels", strings_json(&r->labels));
        json_object_set_new(j, "match", m);
        json_object_set_new(
            j, "tlp",
            json_string(r->tlp == POLICY_TLP_COLLECTION ? "collection" : policy_tlp_name(r->tlp)));
        if (r->audience[0] != '\0')
            json_object_set_new(j, "audience", json_string(r->audience));
        json_array_append_new(rules, j);
    }
    json_object_set_new(root, "scope_rules", rules);
    for (size_t i = 0; i < n_sections; i++) {
        const json_t *v = json_object_get(d->sections, sections[i].key);
        json_object_set_new(root, sections[i].key,
                            v != NULL ? json_deep_copy(v) : section_default(&sections[i]));
    }
    out = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    json_decref(root);
    if (out == NULL)
        abort(); /* jansson fails only when out of memory; the house rule is to abort */
    return out;
}
