/* SPDX-License-Identifier: Apache-2.0 */
/*
 * features.c: what describes an incident or a report for "similar past incidents": the
 * feature keys of STIX objects ("ttp:T0801", "malware:industroyer", "obs:domain:example.jp",
 * "cve:CVE-2015-5374", "sector:energy", "tool:psexec", "software:cpe:2.3:...") and the graph
 * that gathers, for each incident or report, the keys of the objects it references: its
 * object_refs, the other end of the relationships that touch it, and what an observed-data
 * or grouping among those references in turn. Pure: JSON in, keys out; no store.
 * docs/analysis.md, "Similar past incidents", says which objects give which keys.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/analyze.h"
#include "stix/stix.h"

/* Longest value kept in a key; longer names are not what a person shares with another. */
#define VALUE_MAX 256

/* ---- direct features of one object ------------------------------------------------------ */

/* Appends "<kind>:<value>" to out, value lower-cased when lower; values that are empty, too
 * long or hold a control character are left out. */
static void put_key(json_t *out, const char *kind, const char *value, bool lower)
{
    size_t n = value != NULL ? strlen(value) : 0;
    char key[32 + VALUE_MAX + 2];

    if (n == 0 || n > VALUE_MAX)
        return;
    size_t k = (size_t)snprintf(key, sizeof key, "%s:", kind);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c == 0x7f)
            return;
        key[k++] = lower && c < 0x80 ? (char)tolower(c) : (char)c;
    }
    key[k] = '\0';
    json_array_append_new(out, json_string(key));
}

static const char *str_member(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* Whether s is an ATT&CK technique id: T and 4 digits, optionally . and 3 digits. */
static bool is_technique(const char *s)
{
    if (s == NULL || s[0] != 'T')
        return false;
    for (int i = 1; i <= 4; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    if (s[5] == '\0')
        return true;
    return s[5] == '.' && isdigit((unsigned char)s[6]) && isdigit((unsigned char)s[7]) &&
           isdigit((unsigned char)s[8]) && s[9] == '\0';
}

/* Whether s is a CVE id (any case): CVE-YYYY-NNNN with 4 or more digits at the end. */
static bool is_cve(const char *s)
{
    if (s == NULL || strncasecmp(s, "CVE-", 4) != 0)
        return false;
    size_t i = 4, d = 0;
    for (; isdigit((unsigned char)s[i]); i++)
        d++;
    if (d != 4 || s[i] != '-')
        return false;
    for (d = 0, i++; isdigit((unsigned char)s[i]); i++)
        d++;
    return d >= 4 && s[i] == '\0';
}

static void put_cve(json_t *out, const char *s)
{
    char up[64];
    size_t n = strlen(s);

    if (n >= sizeof up)
        return;
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    put_key(out, "cve", up, false);
}

/* ATT&CK techniques and CVEs named by external references. */
static void external_refs(const json_t *obj, json_t *out)
{
    const json_t *refs = json_object_get(obj, "external_references"), *r;
    size_t i;

    json_array_foreach(refs, i, r)
    {
        const char *src = str_member(r, "source_name"), *ext = str_member(r, "external_id");
        if (src == NULL || ext == NULL)
            continue;
        if ((strcmp(src, "mitre-attack") == 0 || strcmp(src, "mitre-ics-attack") == 0 ||
             strcmp(src, "mitre-mobile-attack") == 0) &&
            is_technique(ext))
            put_key(out, "ttp", ext, false);
        else if (strcasecmp(src, "cve") == 0 && is_cve(ext))
            put_cve(out, ext);
    }
}

/* The name and the aliases of a malware or tool, lower-cased, under kind. */
static void names(const json_t *obj, const char *kind, json_t *out)
{
    const json_t *aliases = json_object_get(obj, "aliases"), *a;
    size_t i;

    put_key(out, kind, str_member(obj, "name"), true);
    json_array_foreach(aliases, i, a) put_key(out, kind, json_string_value(a), true);
}

/* The key of one observable property (SCO or pattern) as "obs:<analyze key>", if indexed. */
static void put_observable(json_t *out, const char *type, const char *path, const char *value)
{
    struct analyze_observable *obs = rk_malloc(sizeof *obs);
    struct rk_err err = {0};
    struct rk_buf key = RK_BUF_INIT;

    if (value != NULL && analyze_observable_from_stix(type, path, value, obs, &err) == 0) {
        rk_buf_puts(&key, "obs:");
        analyze_observable_key(obs, &key);
        if (key.len <= ANALYZE_SIMILAR_KEY_MAX)
            json_array_append_new(out, json_string(key.data));
    }
    rk_buf_free(&key);
    free(obs);
}

static int pattern_value(void *ctx, const char *type, const char *path,
                         const struct stix_pat_value *value)
{
    if (value->kind == STIX_PV_STRING || value->kind == STIX_PV_INT)
        put_observable(ctx, type, path, value->text);
    return 0;
}

/* The observables an SCO holds: its value (number), or its hashes. */
static void sco_observables(const json_t *obj, const char *type, json_t *out)
{
    const json_t *hashes = json_object_get(obj, "hashes"), *number, *h;
    const char *name;
    char path[160], num[32];

    put_observable(out, type, "value", str_member(obj, "value"));
    number = json_object_get(obj, "number");
    if (json_is_integer(number)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(number));
        put_observable(out, type, "number", num);
    }
    json_object_foreach((json_t *)hashes, name, h)
    {
        if (strlen(name) > 100 || !json_is_string(h))
            continue;
        snprintf(path, sizeof path, "hashes.%s", name);
        put_observable(out, type, path, json_string_value(h));
    }
}

void analyze_object_features(const json_t *obj, json_t *out)
{
    const char *type = str_member(obj, "type");
    const json_t *sectors, *s, *ext;
    size_t i;

    if (type == NULL)
        return;
    external_refs(obj, out);
    if (strcmp(type, "malware") == 0) {
        names(obj, "malware", out);
    } else if (strcmp(type, "tool") == 0) {
        names(obj, "tool", out);
    } else if (strcmp(type, "vulnerability") == 0) {
        const char *name = str_member(obj, "name");
        if (is_cve(name))
            put_cve(out, name);
    } else if (strcmp(type, "identity") == 0) {
        sectors = json_object_get(obj, "sectors");
        json_array_foreach(sectors, i, s) put_key(out, "sector", json_string_value(s), true);
    } else if (strcmp(type, "software") == 0) {
        const char *cpe = str_member(obj, "cpe");
        put_key(out, "software", cpe != NULL ? cpe : str_member(obj, "name"), true);
    } else if (strcmp(type, "indicator") == 0) {
        const char *pattern = str_member(obj, "pattern"), *ptype = str_member(obj, "pattern_type");
        struct stix_pattern *p = NULL;
        if (pattern != NULL && (ptype == NULL || strcmp(ptype, "stix") == 0) &&
            stix_pattern_parse(pattern, &p, NULL) == 0) {
            stix_pattern_observables(p, pattern_value, out);
            stix_pattern_free(p);
        }
    } else if (strcmp(type, "incident") == 0) {
        ext = json_object_get(json_object_get(obj, "extensions"), ANALYZE_SEV_EXTENSION);
        put_key(out, "sector", str_member(ext, "sector"), true);
    } else {
        sco_observables(obj, type, out);
    }
}

/* ---- the graph ---------------------------------------------------------------------------- */

/*
 * Nodes are keyed "<group>\x1f<id>": objects of different groups never meet. A node is the
 * JSON array [type, [direct keys], [linked ids], access]. back maps a node key to the set (object)
 * of the node keys that link to it; dirty is the set of root keys whose features may have changed.
 * jansson's objects are hash tables with a random seed: ids chosen by posters do not collide
 * on purpose.
 */
struct analyze_fgraph {
    json_t *nodes;
    json_t *back;
    json_t *dirty;
    char *common;    /* the group whose objects may describe a root of any group, or NULL */
    json_t *linkers; /* id -> set of the groups holding a node that links to it */
    json_t *strings; /* the type and access texts of the nodes, each held once (memory) */
    json_t *empty;   /* the one empty array every node without keys or links shares */
};

/* The one JSON string of text the graph holds (a new reference). */
static json_t *shared_string(struct analyze_fgraph *g, const char *text)
{
    json_t *v = json_object_get(g->strings, text);
    if (v == NULL) {
        v = json_string(text);
        json_object_set_new(g->strings, text, v);
    }
    return json_incref(v);
}

/* arr, or the shared empty array in its place when it is empty (consumes arr). */
static json_t *shared_if_empty(struct analyze_fgraph *g, json_t *arr)
{
    if (json_array_size(arr) > 0)
        return arr;
    json_decref(arr);
    return json_incref(g->empty);
}

void analyze_fgraph_set_common(struct analyze_fgraph *g, const char *group)
{
    free(g->common);
    g->common = group != NULL ? rk_strdup(group) : NULL;
}

struct analyze_fgraph *analyze_fgraph_new(void)
{
    struct analyze_fgraph *g = rk_calloc(1, sizeof *g);
    g->nodes = json_object();
    g->back = json_object();
    g->dirty = json_object();
    g->linkers = json_object();
    g->strings = json_object();
    g->empty = json_array();
    return g;
}

void analyze_fgraph_free(struct analyze_fgraph *g)
{
    if (g == NULL)
        return;
    json_decref(g->nodes);
    json_decref(g->back);
    json_decref(g->dirty);
    json_decref(g->linkers);
    json_decref(g->strings);
    json_decref(g->empty);
    free(g->common);
    free(g);
}

size_t analyze_fgraph_size(const struct analyze_fgraph *g)
{
    return json_object_size(g->nodes);
}

bool analyze_fgraph_is_root_type(const char *type)
{
    return type != NULL && (strcmp(type, "incident") == 0 || strcmp(type, "report") == 0);
}

/* Types whose links lead to the objects that describe what links to them. */
static bool is_join(const char *type)
{
    return strcmp(type, "relationship") == 0 || strcmp(type, "sighting") == 0;
}

static void node_key(struct rk_buf *b, const char *group, const char *id)
{
    rk_buf_reset(b);
    rk_buf_puts(b, group);
    rk_buf_putc(b, '\x1f');
    rk_buf_puts(b, id);
}

/* Appends every string id of the member name (a string or an array of them) to links. */
static void add_links(const json_t *obj, const char *name, json_t *links)
{
    const json_t *v = json_object_get(obj, name), *e;
    size_t i;

    if (json_is_string(v))
        json_array_append(links, (json_t *)v);
    json_array_foreach(v, i, e) if (json_is_string(e)) json_array_append(links, (json_t *)e);
}

/* Marks dirty every root that reaches key backwards within depth steps (key's own node
 * included when it is a root). */
static void mark_dirty(struct analyze_fgraph *g, const char *key, int depth)
{
    const json_t *node = json_object_get(g->nodes, key), *refs;
    const char *k;
    json_t *v;

    const char *type = node != NULL ? json_string_value(json_array_get(node, 0)) : NULL;
    if (analyze_fgraph_is_root_type(type))
        json_object_set_new(g->dirty, key, json_true());
    if (depth == 0)
        return;
    if (type != NULL && is_join(type)) { /* a relationship describes the roots at its ends */
        struct rk_buf end = RK_BUF_INIT;
        const char *sep = strchr(key, '\x1f');
        const json_t *e;
        size_t i;
        json_array_foreach(json_array_get(node, 2), i, e)
        {
            rk_buf_reset(&end);
            rk_buf_append(&end, key, (size_t)(sep - key) + 1);
            rk_buf_puts(&end, json_string_value(e));
            mark_dirty(g, end.data, 0);
        }
        rk_buf_free(&end);
    }
    refs = json_object_get(g->back, key);
    json_object_foreach((json_t *)refs, k, v) mark_dirty(g, k, depth - 1);
}

int analyze_fgraph_put(struct analyze_fgraph *g, const json_t *obj, const char *group,
                       const char *access, struct rk_err *err)
{
    const char *id = str_member(obj, "id"), *type = str_member(obj, "type");
    struct rk_buf key = RK_BUF_INIT, other = RK_BUF_INIT;
    json_t *feats, *links, *node, *set, *l;
    size_t i;

    if (id == NULL || type == NULL)
        return rk_err_set(err, RK_E_INVALID, "similar: an object without id or type");
    if (group == NULL)
        group = "";
    feats = json_array();
    links = json_array();
    analyze_object_features(obj, feats);
    if (is_join(type)) {
        add_links(obj, "source_ref", links);
        add_links(obj, "target_ref", links);
        add_links(obj, "sighting_of_ref", links);
        add_links(obj, "observed_data_refs", links);
        add_links(obj, "where_sighted_refs", links);
    } else {
        add_links(obj, "object_refs", links);
    }
    node_key(&key, group, id);
    if (json_array_size(feats) == 0 && json_array_size(links) == 0 &&
        !analyze_fgraph_is_root_type(type) && json_object_get(g->nodes, key.data) == NULL) {
        json_decref(feats);
        json_decref(links);
        rk_buf_free(&key);
        return 0; /* says nothing about any incident */
    }
    node = json_pack("[o,o,o,o]", shared_string(g, type), shared_if_empty(g, feats),
                     shared_if_empty(g, links), shared_string(g, access != NULL ? access : ""));
    json_object_set_new(g->nodes, key.data, node);
    links = json_array_get(node, 2); /* borrowed: the node holds it (or the shared empty one) */
    json_array_foreach(links, i, l)
    {
        node_key(&other, group, json_string_value(l));
        set = json_object_get(g->back, other.data);
        if (set == NULL) {
            set = json_object();
            json_object_set_new(g->back, other.data, set);
        }
        json_object_set_new(set, key.data, json_true());
        if (is_join(type))
            mark_dirty(g, other.data, 0); /* a root at either end of a relationship */
        set = json_object_get(g->linkers, json_string_value(l));
        if (set == NULL) {
            set = json_object();
            json_object_set_new(g->linkers, json_string_value(l), set);
        }
        json_object_set_new(set, group, json_true());
    }
    /* what reaches it: root <- relationship <- observed-data <- SCO is three steps */
    mark_dirty(g, key.data, 3);
    if (g->common != NULL && strcmp(group, g->common) == 0) { /* it describes other groups' */
        const char *lg;
        json_t *v;
        json_object_foreach(json_object_get(g->linkers, id), lg, v)
        {
            node_key(&other, lg, id);
            mark_dirty(g, other.data, 3);
        }
    }
    rk_buf_free(&key);
    rk_buf_free(&other);
    return 0;
}

void analyze_fgraph_take_dirty(struct analyze_fgraph *g, analyze_fgraph_root_fn fn, void *ctx)
{
    json_t *dirty = g->dirty, *v;
    const char *k;

    g->dirty = json_object();
    json_object_foreach(dirty, k, v)
    {
        const char *sep = strchr(k, '\x1f');
        char group[512];
        size_t n = (size_t)(sep - k);
        if (sep == NULL || n >= sizeof group)
            continue;
        memcpy(group, k, n);
        group[n] = '\0';
        fn(ctx, group, sep + 1);
    }
    json_decref(dirty);
}

/* What gathering the keys of one root needs. */
struct gathering {
    const struct analyze_fgraph *g;
    const char *group;
    const char *root_access;      /* the root's access text */
    analyze_fgraph_access_fn may; /* NULL: every node counts */
    void *may_ctx;
    struct rk_buf kb; /* scratch for node keys */
    json_t *out;      /* the keys gathered */
};

/* The node of id in the group if it may describe the root, else that of the common group,
 * else NULL. */
static const json_t *allowed_node(struct gathering *ga, const char *id)
{
    const json_t *node;

    node_key(&ga->kb, ga->group, id);
    node = json_object_get(ga->g->nodes, ga->kb.data);
    if (node != NULL && (ga->may == NULL || ga->may(ga->may_ctx, ga->root_access,
                                                    json_string_value(json_array_get(node, 3)))))
        return node;
    if (ga->g->common == NULL || strcmp(ga->g->common, ga->group) == 0)
        return NULL;
    node_key(&ga->kb, ga->g->common, id);
    return json_object_get(ga->g->nodes, ga->kb.data);
}

/* Appends the direct keys of node id to the gathering; with expand, those of what an
 * observed-data or grouping node references too. */
static void gather(struct gathering *ga, const char *id, bool expand)
{
    const json_t *node = allowed_node(ga, id), *f;
    size_t i;

    if (node == NULL)
        return;
    json_array_foreach(json_array_get(node, 1), i, f) json_array_append(ga->out, (json_t *)f);
    const char *type = json_string_value(json_array_get(node, 0));
    if (expand && (strcmp(type, "observed-data") == 0 || strcmp(type, "grouping") == 0))
        json_array_foreach(json_array_get(node, 2), i, f) gather(ga, json_string_value(f), false);
}

/* The ends of join node other than self, gathered. */
static void join_ends(struct gathering *ga, const json_t *join, const char *self)
{
    const json_t *e;
    size_t i;

    json_array_foreach(json_array_get(join, 2), i, e)
    {
        const char *end = json_string_value(e);
        if (strcmp(end, self) != 0)
            gather(ga, end, true);
    }
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int analyze_fgraph_features(const struct analyze_fgraph *g, const char *group, const char *id,
                            analyze_fgraph_access_fn may, void *may_ctx, json_t *out)
{
    struct gathering ga = {g, group != NULL ? group : "", "", may, may_ctx, RK_BUF_INIT, NULL};
    const json_t *root, *e, *refs;
    json_t *all = json_array(), *v;
    const char *k;
    size_t i;

    node_key(&ga.kb, ga.group, id);
    root = json_object_get(g->nodes, ga.kb.data);
    if (root == NULL || !analyze_fgraph_is_root_type(json_string_value(json_array_get(root, 0)))) {
        rk_buf_free(&ga.kb);
        json_decref(all);
        return RK_E_NOTFOUND;
    }
    refs = json_object_get(g->back, ga.kb.data);
    ga.root_access = json_string_value(json_array_get(root, 3));
    ga.out = all;
    json_array_foreach(json_array_get(root, 1), i, e) json_array_append(all, (json_t *)e);
    /* what it references: objects, or relationships whose ends describe it */
    json_array_foreach(json_array_get(root, 2), i, e)
    {
        const char *ref = json_string_value(e);
        const json_t *node = allowed_node(&ga, ref);
        if (node != NULL && is_join(json_string_value(json_array_get(node, 0))))
            join_ends(&ga, node, id);
        else if (node != NULL)
            gather(&ga, ref, true);
    }
    /* the relationships and sightings of its group that name it */
    json_object_foreach((json_t *)refs, k, v)
    {
        const json_t *node = json_object_get(g->nodes, k);
        if (node != NULL && is_join(json_string_value(json_array_get(node, 0))) &&
            (may == NULL ||
             may(may_ctx, ga.root_access, json_string_value(json_array_get(node, 3)))))
            join_ends(&ga, node, id);
    }
    rk_buf_free(&ga.kb);

    /* sorted, each once, at most ANALYZE_SIMILAR_FEATURES_MAX */
    size_t n = json_array_size(all), m = 0;
    const char **keys = rk_malloc((n ? n : 1) * sizeof *keys);
    json_array_foreach(all, i, e) keys[i] = json_string_value(e);
    qsort(keys, n, sizeof *keys, cmp_keys);
    for (i = 0; i < n && m < ANALYZE_SIMILAR_FEATURES_MAX; i++)
        if (i == 0 || strcmp(keys[i], keys[i - 1]) != 0) {
            json_array_append_new(out, json_string(keys[i]));
            m++;
        }
    free(keys);
    json_decref(all);
    return (int)m;
}
