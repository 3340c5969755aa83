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

/* One observable (analyze_observables_of) as the key "obs:<analyze key>". */
static int put_observable(void *ctx, const struct analyze_observable *obs)
{
    struct rk_buf key = RK_BUF_INIT;

    rk_buf_puts(&key, "obs:");
    analyze_observable_key(obs, &key);
    if (key.len <= ANALYZE_SIMILAR_KEY_MAX)
        json_array_append_new(ctx, json_string(key.data));
    rk_buf_free(&key);
    return 0;
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
    } else if (strcmp(type, "incident") == 0) {
        ext = json_object_get(json_object_get(obj, "extensions"), ANALYZE_SEV_EXTENSION);
        put_key(out, "sector", str_member(ext, "sector"), true);
    } else {
        analyze_observables_of(type, obj, put_observable, out); /* indicators, SCOs */
    }
}

/* ---- the graph ---------------------------------------------------------------------------- */

/*
 * Packed, because a hub holds it for every incident: every string (ids, groups, types, access
 * texts, keys) is interned once as a dense index (keyed hash: posters cannot make ids
 * collide); a slot is one (group, id), holding the object put there (or none yet: a slot may
 * exist only because something links to it) with its keys and links as ranges of index
 * pools, and the list of the slots that link to it. Links are singly linked edge lists in one
 * pool. A slot put again appends new ranges (the old ones stay, unused) and may leave
 * repeated back edges: harmless (a root is marked dirty once), and versions are rare.
 */
#define NONE UINT32_MAX

struct names {
    uint32_t *slots;    /* cap entries: index + 1, 0 empty */
    size_t cap;         /* a power of two, at least twice n, or 0 */
    size_t n;           /* strings held */
    uint64_t *hash;     /* n hashes */
    size_t *off;        /* n offsets into pool */
    size_t idx_cap;     /* allocated entries of hash and off */
    struct rk_buf pool; /* the strings, NUL-terminated, back to back */
};

struct slot {
    uint32_t group, id;        /* name indices */
    uint32_t type;             /* name index, NONE: nothing put here yet */
    uint32_t access;           /* name index */
    uint32_t key_off, key_n;   /* the object's keys in g->keys */
    uint32_t link_off, link_n; /* the ids it links to in g->links */
    uint32_t back;             /* first edge (index + 1) of the slots that link here, 0 none */
    uint8_t dirty;             /* in g->dirty */
};

struct edge {
    uint32_t from; /* a slot (back edges) or a group name (linkers) */
    uint32_t next; /* the next edge + 1, 0 at the end */
};

struct analyze_fgraph {
    struct names names;
    struct slot *slots;
    size_t n_slots, slots_cap, n_objects;
    uint32_t *map; /* slot index + 1 by (group, id), open addressing; 0 empty */
    size_t map_cap;
    uint32_t *keys, *links; /* pools of name indices */
    size_t n_keys, keys_cap, n_links, links_cap;
    struct edge *edges;
    size_t n_edges, edges_cap;
    uint32_t *linkers; /* per name index: first edge + 1 of the groups linking to that id */
    size_t linkers_cap, linkers_len;
    uint32_t *dirty; /* slots marked dirty, in order */
    size_t n_dirty, dirty_cap;
    uint32_t common; /* the common group's name, or NONE */
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    p = rk_realloc(p, c * size);
    *cap = c;
    return p;
}

static const char *name_of(const struct names *t, uint32_t i)
{
    return t->pool.data + t->off[i];
}

/* The index of s, added when add (else NONE if absent). */
static uint32_t name_index(struct names *t, const char *s, bool add)
{
    size_t len = strlen(s);
    uint64_t h = rk_strset_hash(s, len);
    if (t->cap > 0)
        for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
            uint32_t v = t->slots[i];
            if (v == 0)
                break;
            if (t->hash[v - 1] == h && strcmp(name_of(t, v - 1), s) == 0)
                return v - 1;
        }
    if (!add)
        return NONE;
    if ((t->n + 1) * 2 > t->cap) {
        free(t->slots);
        t->cap = t->cap ? t->cap * 2 : 256;
        t->slots = rk_calloc(t->cap, sizeof *t->slots);
        for (size_t k = 0; k < t->n; k++) {
            size_t i = t->hash[k] & (t->cap - 1);
            while (t->slots[i] != 0)
                i = (i + 1) & (t->cap - 1);
            t->slots[i] = (uint32_t)k + 1;
        }
    }
    size_t cap = t->idx_cap;
    t->hash = grow(t->hash, &cap, t->n + 1, sizeof *t->hash);
    t->off = grow(t->off, &t->idx_cap, t->n + 1, sizeof *t->off);
    uint32_t idx = (uint32_t)t->n++;
    t->hash[idx] = h;
    t->off[idx] = t->pool.len;
    rk_buf_append(&t->pool, s, len + 1); /* with its NUL */
    size_t i = h & (t->cap - 1);
    while (t->slots[i] != 0)
        i = (i + 1) & (t->cap - 1);
    t->slots[i] = idx + 1;
    return idx;
}

static uint64_t slot_hash(uint32_t group, uint32_t id)
{
    uint64_t x = ((uint64_t)group << 32 | id) * 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 29);
}

/* The slot of (group, id), created (empty) when add, else NONE if absent. */
static uint32_t slot_index(struct analyze_fgraph *g, uint32_t group, uint32_t id, bool add)
{
    if (group == NONE || id == NONE)
        return NONE;
    if (g->map_cap > 0)
        for (size_t i = slot_hash(group, id) & (g->map_cap - 1);; i = (i + 1) & (g->map_cap - 1)) {
            uint32_t v = g->map[i];
            if (v == 0)
                break;
            if (g->slots[v - 1].group == group && g->slots[v - 1].id == id)
                return v - 1;
        }
    if (!add)
        return NONE;
    if ((g->n_slots + 1) * 2 > g->map_cap) {
        free(g->map);
        g->map_cap = g->map_cap ? g->map_cap * 2 : 256;
        g->map = rk_calloc(g->map_cap, sizeof *g->map);
        for (size_t k = 0; k < g->n_slots; k++) {
            size_t i = slot_hash(g->slots[k].group, g->slots[k].id) & (g->map_cap - 1);
            while (g->map[i] != 0)
                i = (i + 1) & (g->map_cap - 1);
            g->map[i] = (uint32_t)k + 1;
        }
    }
    g->slots = grow(g->slots, &g->slots_cap, g->n_slots + 1, sizeof *g->slots);
    uint32_t s = (uint32_t)g->n_slots++;
    g->slots[s] = (struct slot){group, id, NONE, NONE, 0, 0, 0, 0, 0, 0};
    size_t i = slot_hash(group, id) & (g->map_cap - 1);
    while (g->map[i] != 0)
        i = (i + 1) & (g->map_cap - 1);
    g->map[i] = s + 1;
    return s;
}

/* Makes g->linkers cover every name (new ones with no linker). */
static void linkers_fit(struct analyze_fgraph *g)
{
    if (g->linkers_len >= g->names.n)
        return;
    g->linkers = grow(g->linkers, &g->linkers_cap, g->names.n, sizeof *g->linkers);
    memset(g->linkers + g->linkers_len, 0, (g->names.n - g->linkers_len) * sizeof *g->linkers);
    g->linkers_len = g->names.n;
}

/* Pushes an edge from `from` onto the list whose head is *head. */
static void push_edge(struct analyze_fgraph *g, uint32_t *head, uint32_t from)
{
    g->edges = grow(g->edges, &g->edges_cap, g->n_edges + 1, sizeof *g->edges);
    g->edges[g->n_edges] = (struct edge){from, *head};
    *head = (uint32_t)++g->n_edges;
}

struct analyze_fgraph *analyze_fgraph_new(void)
{
    struct analyze_fgraph *g = rk_calloc(1, sizeof *g);
    g->common = NONE;
    return g;
}

void analyze_fgraph_free(struct analyze_fgraph *g)
{
    if (g == NULL)
        return;
    free(g->names.slots);
    free(g->names.hash);
    free(g->names.off);
    rk_buf_free(&g->names.pool);
    free(g->slots);
    free(g->map);
    free(g->keys);
    free(g->links);
    free(g->edges);
    free(g->linkers);
    free(g->dirty);
    free(g);
}

void analyze_fgraph_set_common(struct analyze_fgraph *g, const char *group)
{
    g->common = group != NULL ? name_index(&g->names, group, true) : NONE;
}

size_t analyze_fgraph_size(const struct analyze_fgraph *g)
{
    return g->n_objects;
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

static const char *slot_type(const struct analyze_fgraph *g, uint32_t s)
{
    return g->slots[s].type == NONE ? NULL : name_of(&g->names, g->slots[s].type);
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

/* Marks dirty every root that reaches slot s backwards within depth steps (s itself when it
 * is a root; the roots at the ends of a relationship on the way). */
static void mark_dirty(struct analyze_fgraph *g, uint32_t s, int depth)
{
    const char *type = slot_type(g, s);

    if (analyze_fgraph_is_root_type(type) && !g->slots[s].dirty) {
        g->slots[s].dirty = 1;
        g->dirty = grow(g->dirty, &g->dirty_cap, g->n_dirty + 1, sizeof *g->dirty);
        g->dirty[g->n_dirty++] = s;
    }
    if (depth == 0)
        return;
    if (type != NULL && is_join(type))
        for (uint32_t k = 0; k < g->slots[s].link_n; k++) {
            uint32_t end =
                slot_index(g, g->slots[s].group, g->links[g->slots[s].link_off + k], false);
            if (end != NONE)
                mark_dirty(g, end, 0);
        }
    for (uint32_t e = g->slots[s].back; e != 0; e = g->edges[e - 1].next)
        mark_dirty(g, g->edges[e - 1].from, depth - 1);
}

int analyze_fgraph_put(struct analyze_fgraph *g, const json_t *obj, const char *group,
                       const char *access, struct rk_err *err)
{
    const char *id = str_member(obj, "id"), *type = str_member(obj, "type");
    json_t *feats, *links, *v;
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
    uint32_t gi = name_index(&g->names, group, true), ii = name_index(&g->names, id, true);
    uint32_t s = slot_index(g, gi, ii, false);
    if (json_array_size(feats) == 0 && json_array_size(links) == 0 &&
        !analyze_fgraph_is_root_type(type) && (s == NONE || g->slots[s].type == NONE)) {
        json_decref(feats);
        json_decref(links);
        return 0; /* says nothing about any incident */
    }
    if (s == NONE)
        s = slot_index(g, gi, ii, true);
    if (g->slots[s].type == NONE)
        g->n_objects++;
    g->slots[s].type = name_index(&g->names, type, true);
    g->slots[s].access = name_index(&g->names, access != NULL ? access : "", true);
    g->keys = grow(g->keys, &g->keys_cap, g->n_keys + json_array_size(feats), sizeof *g->keys);
    g->slots[s].key_off = (uint32_t)g->n_keys;
    g->slots[s].key_n = (uint32_t)json_array_size(feats);
    json_array_foreach(feats, i, v) g->keys[g->n_keys++] =
        name_index(&g->names, json_string_value(v), true);
    g->links = grow(g->links, &g->links_cap, g->n_links + json_array_size(links), sizeof *g->links);
    g->slots[s].link_off = (uint32_t)g->n_links;
    g->slots[s].link_n = (uint32_t)json_array_size(links);
    json_array_foreach(links, i, v)
    {
        uint32_t li = name_index(&g->names, json_string_value(v), true);
        g->links[g->n_links++] = li;
        uint32_t t = slot_index(g, gi, li, true); /* may move g->slots */
        push_edge(g, &g->slots[t].back, s);
        if (is_join(type))
            mark_dirty(g, t, 0); /* a root at either end of a relationship */
        linkers_fit(g);
        bool known = false;
        for (uint32_t e = g->linkers[li]; e != 0 && !known; e = g->edges[e - 1].next)
            known = g->edges[e - 1].from == gi;
        if (!known)
            push_edge(g, &g->linkers[li], gi);
    }
    json_decref(feats);
    json_decref(links);
    /* what reaches it: root <- relationship <- observed-data <- SCO is three steps */
    mark_dirty(g, s, 3);
    if (g->common != NONE && gi == g->common && ii < g->linkers_len) /* it describes others' */
        for (uint32_t e = g->linkers[ii]; e != 0; e = g->edges[e - 1].next) {
            uint32_t other = slot_index(g, g->edges[e - 1].from, ii, false);
            if (other != NONE)
                mark_dirty(g, other, 3);
        }
    return 0;
}

void analyze_fgraph_take_dirty(struct analyze_fgraph *g, analyze_fgraph_root_fn fn, void *ctx)
{
    uint32_t *dirty = g->dirty;
    size_t n = g->n_dirty;

    g->dirty = NULL;
    g->n_dirty = g->dirty_cap = 0;
    for (size_t k = 0; k < n; k++)
        g->slots[dirty[k]].dirty = 0;
    for (size_t k = 0; k < n; k++) {
        struct slot sl = g->slots[dirty[k]];
        char *grp = rk_strdup(name_of(&g->names, sl.group)),
             *id = rk_strdup(name_of(&g->names, sl.id));
        fn(ctx, grp, id);
        free(grp);
        free(id);
    }
    free(dirty);
}

/* What gathering the keys of one root needs. */
struct gathering {
    struct analyze_fgraph *g;
    uint32_t group;
    const char *root_access;      /* the root's access text */
    analyze_fgraph_access_fn may; /* NULL: every object counts */
    void *may_ctx;
    uint32_t *out; /* name indices of the keys gathered */
    size_t n_out, out_cap;
};

static bool admitted(struct gathering *ga, uint32_t s)
{
    const struct slot *sl = &ga->g->slots[s];
    return sl->type != NONE && (ga->may == NULL || ga->may(ga->may_ctx, ga->root_access,
                                                           name_of(&ga->g->names, sl->access)));
}

/* The slot of id in the root's group if it may describe the root, else that of the common
 * group, else NONE. */
static uint32_t allowed_slot(struct gathering *ga, uint32_t id)
{
    struct analyze_fgraph *g = ga->g;
    uint32_t s = slot_index(g, ga->group, id, false);

    if (s != NONE && admitted(ga, s))
        return s;
    if (g->common == NONE || g->common == ga->group)
        return NONE;
    s = slot_index(g, g->common, id, false);
    return s != NONE && g->slots[s].type != NONE ? s : NONE;
}

/* Appends the keys of slot s; with expand, those of what an observed-data or grouping
 * references too. */
static void gather(struct gathering *ga, uint32_t s, bool expand)
{
    struct analyze_fgraph *g = ga->g;
    const struct slot sl = g->slots[s];

    ga->out = grow(ga->out, &ga->out_cap, ga->n_out + sl.key_n, sizeof *ga->out);
    for (uint32_t k = 0; k < sl.key_n; k++)
        ga->out[ga->n_out++] = g->keys[sl.key_off + k];
    const char *type = name_of(&g->names, sl.type);
    if (expand && (strcmp(type, "observed-data") == 0 || strcmp(type, "grouping") == 0))
        for (uint32_t k = 0; k < sl.link_n; k++) {
            uint32_t t = allowed_slot(ga, g->links[sl.link_off + k]);
            if (t != NONE)
                gather(ga, t, false);
        }
}

/* The ends of join slot j other than the root, gathered. */
static void join_ends(struct gathering *ga, uint32_t j, uint32_t root_id)
{
    struct analyze_fgraph *g = ga->g;
    const struct slot sl = g->slots[j];

    for (uint32_t k = 0; k < sl.link_n; k++) {
        uint32_t end = g->links[sl.link_off + k];
        if (end == root_id)
            continue;
        uint32_t t = allowed_slot(ga, end);
        if (t != NONE)
            gather(ga, t, true);
    }
}

static int cmp_names(const void *a, const void *b, void *names)
{
    return strcmp(name_of(names, *(const uint32_t *)a), name_of(names, *(const uint32_t *)b));
}

int analyze_fgraph_features(const struct analyze_fgraph *cg, const char *group, const char *id,
                            analyze_fgraph_access_fn may, void *may_ctx, json_t *out)
{
    /* lookups only: name_index and slot_index add nothing when asked not to */
    struct analyze_fgraph *g = (struct analyze_fgraph *)cg;
    uint32_t gi = name_index(&g->names, group != NULL ? group : "", false);
    uint32_t ii = name_index(&g->names, id, false);
    uint32_t r = slot_index(g, gi, ii, false);

    if (r == NONE || !analyze_fgraph_is_root_type(slot_type(g, r)))
        return RK_E_NOTFOUND;
    const struct slot root = g->slots[r];
    struct gathering ga = {g, gi, name_of(&g->names, root.access), may, may_ctx, NULL, 0, 0};
    gather(&ga, r, false); /* its own keys */
    /* what it references: objects, or relationships whose ends describe it */
    for (uint32_t k = 0; k < root.link_n; k++) {
        uint32_t t = allowed_slot(&ga, g->links[root.link_off + k]);
        if (t == NONE)
            continue;
        if (is_join(slot_type(g, t)))
            join_ends(&ga, t, ii);
        else
            gather(&ga, t, true);
    }
    /* the relationships and sightings of its group that name it */
    for (uint32_t e = root.back; e != 0; e = g->edges[e - 1].next) {
        uint32_t j = g->edges[e - 1].from;
        if (slot_type(g, j) != NULL && is_join(slot_type(g, j)) && admitted(&ga, j))
            join_ends(&ga, j, ii);
    }

    /* sorted, each once, at most ANALYZE_SIMILAR_FEATURES_MAX */
    if (ga.n_out > 1)
        qsort_r(ga.out, ga.n_out, sizeof *ga.out, cmp_names, &g->names);
    size_t m = 0;
    for (size_t k = 0; k < ga.n_out && m < ANALYZE_SIMILAR_FEATURES_MAX; k++)
        if (k == 0 || ga.out[k] != ga.out[k - 1]) {
            json_array_append_new(out, json_string(name_of(&g->names, ga.out[k])));
            m++;
        }
    free(ga.out);
    return (int)m;
}
