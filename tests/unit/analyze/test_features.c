/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_features.c: the feature keys of STIX objects and the graph that gathers them for
 * incidents and reports: each kind of object on hand-made examples, the roots marked dirty
 * whatever order the objects come in, groups kept apart, objects the caller's access test
 * refuses left out, and over MITRE ATT&CK for ICS
 * (../shared/data/attack-ics): every intrusion set and campaign turned into an incident that
 * "uses" its techniques and software gets exactly those keys, and a perturbed copy of each
 * finds its original first among them all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/analyze.h"

#define ICS "../shared/data/attack-ics/ics-attack-18.1.json"

/* Whether the JSON array of strings a holds s. */
static bool has(const json_t *a, const char *s)
{
    const json_t *v;
    size_t i;
    json_array_foreach(a, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (v == NULL)
        fail_msg("bad test JSON: %s", je.text);
    return v;
}

static json_t *direct(const char *text)
{
    json_t *obj = parse(text), *out = json_array();
    analyze_object_features(obj, out);
    json_decref(obj);
    return out;
}

static void test_object_features(void **state)
{
    (void)state;
    json_t *f = direct("{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern_type\":\"stix\","
                       "\"pattern\":\"[domain-name:value = 'EVIL[.]Example.JP'] OR "
                       "[ipv4-addr:value IN ('198.51.100.1', '10.0.0.0/8')] AND "
                       "[file:hashes.'SHA-256' = "
                       "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']\"}");
    assert_true(has(f, "obs:domain:evil.example.jp"));
    assert_true(has(f, "obs:ipv4:198.51.100.1"));
    assert_true(has(f, "obs:cidr4:10.0.0.0/8"));
    assert_true(
        has(f, "obs:sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_int_equal(json_array_size(f), 4);
    json_decref(f);

    f = direct("{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern_type\":\"stix\","
               "\"pattern\":\"[domain-name:value != 'not.example']\"}");
    assert_int_equal(json_array_size(f), 0); /* only what a pattern states positively */
    json_decref(f);

    f = direct("{\"type\":\"malware\",\"name\":\"Industroyer\",\"aliases\":[\"CrashOverride\"],"
               "\"external_references\":[{\"source_name\":\"mitre-ics-attack\","
               "\"external_id\":\"S0604\"},{\"source_name\":\"cve\",\"external_id\":"
               "\"cve-2015-5374\"}]}");
    assert_true(has(f, "malware:industroyer"));
    assert_true(has(f, "malware:crashoverride"));
    assert_true(has(f, "cve:CVE-2015-5374"));
    assert_int_equal(json_array_size(f), 3); /* S0604 is no technique */
    json_decref(f);

    f = direct("{\"type\":\"attack-pattern\",\"name\":\"x\",\"external_references\":["
               "{\"source_name\":\"mitre-attack\",\"external_id\":\"T1566.001\"},"
               "{\"source_name\":\"mitre-ics-attack\",\"external_id\":\"T0801\"},"
               "{\"source_name\":\"mitre-attack\",\"external_id\":\"T15\"},"
               "{\"source_name\":\"capec\",\"external_id\":\"T1000\"}]}");
    assert_true(has(f, "ttp:T1566.001"));
    assert_true(has(f, "ttp:T0801"));
    assert_int_equal(json_array_size(f), 2);
    json_decref(f);

    f = direct("{\"type\":\"vulnerability\",\"name\":\"CVE-2024-12345\"}");
    assert_true(has(f, "cve:CVE-2024-12345"));
    json_decref(f);
    f = direct("{\"type\":\"vulnerability\",\"name\":\"not a cve\"}");
    assert_int_equal(json_array_size(f), 0);
    json_decref(f);
    f = direct("{\"type\":\"identity\",\"name\":\"Grid\",\"sectors\":[\"Energy\",\"utilities\"]}");
    assert_true(has(f, "sector:energy"));
    assert_true(has(f, "sector:utilities"));
    json_decref(f);
    f = direct("{\"type\":\"software\",\"name\":\"SIMATIC S7\",\"vendor\":\"Siemens\"}");
    assert_true(has(f, "software:simatic s7"));
    json_decref(f);
    f = direct("{\"type\":\"tool\",\"name\":\"PsExec\"}");
    assert_true(has(f, "tool:psexec"));
    json_decref(f);
    f = direct("{\"type\":\"file\",\"hashes\":{\"MD5\":\"D41D8CD98F00B204E9800998ECF8427E\"}}");
    assert_true(has(f, "obs:md5:d41d8cd98f00b204e9800998ecf8427e"));
    json_decref(f);
    f = direct("{\"type\":\"autonomous-system\",\"number\":64500}");
    assert_true(has(f, "obs:asn:AS64500"));
    json_decref(f);
    f = direct("{\"type\":\"incident\",\"name\":\"i\",\"extensions\":{\"" ANALYZE_SEV_EXTENSION
               "\":{\"sector\":\"Electric-Power\"}}}");
    assert_true(has(f, "sector:electric-power"));
    json_decref(f);
}

struct seen {
    char ids[8][64];
    size_t n;
};

static void note(void *ctx, const char *group, const char *id)
{
    struct seen *s = ctx;
    (void)group;
    if (s->n < 8)
        snprintf(s->ids[s->n++], 64, "%s", id);
}

static void put(struct analyze_fgraph *g, const char *text, const char *group)
{
    json_t *o = parse(text);
    struct rk_err err = {0};
    assert_int_equal(analyze_fgraph_put(g, o, group, NULL, &err), 0);
    json_decref(o);
}

static json_t *features_of(struct analyze_fgraph *g, const char *group, const char *id)
{
    json_t *out = json_array();
    int n = analyze_fgraph_features(g, group, id, NULL, NULL, out);
    assert_true(n >= 0);
    assert_int_equal((size_t)n, json_array_size(out));
    return out;
}

/* Objects arrive in any order (the relationship before what it joins, the SCO after the
 * observed-data): each arrival marks the incident dirty and its features grow. */
static void test_graph_order_and_dirty(void **state)
{
    (void)state;
    struct analyze_fgraph *g = analyze_fgraph_new();
    struct seen s = {0};
    put(g,
        "{\"type\":\"relationship\",\"id\":\"relationship--1\",\"relationship_type\":\"uses\","
        "\"source_ref\":\"incident--1\",\"target_ref\":\"attack-pattern--1\"}",
        "a");
    put(g, "{\"type\":\"incident\",\"id\":\"incident--1\",\"name\":\"i\"}", "a");
    analyze_fgraph_take_dirty(g, note, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "incident--1");
    json_t *f = features_of(g, "a", "incident--1");
    assert_int_equal(json_array_size(f), 0);
    json_decref(f);

    s.n = 0;
    put(g,
        "{\"type\":\"attack-pattern\",\"id\":\"attack-pattern--1\",\"name\":\"p\","
        "\"external_references\":[{\"source_name\":\"mitre-ics-attack\","
        "\"external_id\":\"T0817\"}]}",
        "a");
    put(g,
        "{\"type\":\"relationship\",\"id\":\"relationship--2\",\"relationship_type\":"
        "\"related-to\",\"source_ref\":\"observed-data--1\",\"target_ref\":\"incident--1\"}",
        "a");
    put(g,
        "{\"type\":\"observed-data\",\"id\":\"observed-data--1\",\"object_refs\":"
        "[\"domain-name--1\"]}",
        "a");
    analyze_fgraph_take_dirty(g, note, &s);
    assert_int_equal(s.n, 1); /* once, however many changes */
    s.n = 0;
    put(g, "{\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"c2.example\"}", "a");
    analyze_fgraph_take_dirty(g, note, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "incident--1");
    f = features_of(g, "a", "incident--1");
    assert_int_equal(json_array_size(f), 2);
    assert_string_equal(json_string_value(json_array_get(f, 0)), "obs:domain:c2.example");
    assert_string_equal(json_string_value(json_array_get(f, 1)), "ttp:T0817");
    json_decref(f);

    /* another group's attack-pattern and report see none of this */
    put(g,
        "{\"type\":\"report\",\"id\":\"report--1\",\"name\":\"r\",\"published\":"
        "\"2024-01-01T00:00:00Z\",\"object_refs\":[\"attack-pattern--1\",\"relationship--9\"]}",
        "b");
    put(g,
        "{\"type\":\"relationship\",\"id\":\"relationship--9\",\"relationship_type\":"
        "\"targets\",\"source_ref\":\"intrusion-set--1\",\"target_ref\":\"identity--1\"}",
        "b");
    put(g,
        "{\"type\":\"identity\",\"id\":\"identity--1\",\"name\":\"x\",\"sectors\":"
        "[\"water\"]}",
        "b");
    f = features_of(g, "b", "report--1");
    assert_int_equal(json_array_size(f), 1); /* the identity through the relationship */
    assert_string_equal(json_string_value(json_array_get(f, 0)), "sector:water");
    json_decref(f);
    json_t *none = json_array();
    assert_int_equal(analyze_fgraph_features(g, "b", "incident--1", NULL, NULL, none),
                     RK_E_NOTFOUND);
    assert_int_equal(analyze_fgraph_features(g, "a", "attack-pattern--1", NULL, NULL, none),
                     RK_E_NOTFOUND);
    json_decref(none);
    analyze_fgraph_free(g);
}

/* The access test: a node counts only if its access text is not above the root's. */
static bool not_stricter(void *ctx, const char *root_access, const char *node_access)
{
    (void)ctx;
    return strcmp(node_access, root_access) <= 0;
}

/* An object the access test refuses gives the root nothing, directly or through a
 * relationship, and a refused relationship hides what it joins. */
static void test_graph_access(void **state)
{
    (void)state;
    struct analyze_fgraph *g = analyze_fgraph_new();
    struct rk_err err = {0};
    const char *objs[][2] = {
        {"{\"type\":\"incident\",\"id\":\"incident--1\",\"name\":\"i\",\"object_refs\":"
         "[\"malware--1\",\"malware--2\"]}",
         "3"},
        {"{\"type\":\"malware\",\"id\":\"malware--1\",\"name\":\"Open\"}", "2"},
        {"{\"type\":\"malware\",\"id\":\"malware--2\",\"name\":\"Secret\"}", "5"},
        {"{\"type\":\"relationship\",\"id\":\"relationship--1\",\"source_ref\":"
         "\"incident--1\",\"target_ref\":\"tool--1\"}",
         "5"},
        {"{\"type\":\"tool\",\"id\":\"tool--1\",\"name\":\"hidden-by-join\"}", "1"},
        {"{\"type\":\"relationship\",\"id\":\"relationship--2\",\"source_ref\":"
         "\"incident--1\",\"target_ref\":\"tool--2\"}",
         "3"},
        {"{\"type\":\"tool\",\"id\":\"tool--2\",\"name\":\"shown\"}", "1"},
    };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        json_t *o = parse(objs[i][0]);
        assert_int_equal(analyze_fgraph_put(g, o, "a", objs[i][1], &err), 0);
        json_decref(o);
    }
    json_t *f = json_array();
    assert_int_equal(analyze_fgraph_features(g, "a", "incident--1", not_stricter, NULL, f), 2);
    assert_string_equal(json_string_value(json_array_get(f, 0)), "malware:open");
    assert_string_equal(json_string_value(json_array_get(f, 1)), "tool:shown");
    json_decref(f);

    /* the common group: what the own group lacks or refuses is looked up there; an object
     * arriving there later marks the roots of other groups that reference it */
    analyze_fgraph_set_common(g, "*");
    struct seen s = {0};
    analyze_fgraph_take_dirty(g, note, &s);
    s.n = 0;
    json_t *o = parse("{\"type\":\"malware\",\"id\":\"malware--2\",\"name\":\"Public\"}");
    assert_int_equal(analyze_fgraph_put(g, o, "*", "1", &err), 0);
    json_decref(o);
    o = parse("{\"type\":\"attack-pattern\",\"id\":\"attack-pattern--7\",\"name\":\"p\","
              "\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":"
              "\"T1486\"}]}");
    assert_int_equal(analyze_fgraph_put(g, o, "*", "9", &err), 0);
    json_decref(o);
    analyze_fgraph_take_dirty(g, note, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], "incident--1");
    f = json_array();
    assert_int_equal(analyze_fgraph_features(g, "a", "incident--1", not_stricter, NULL, f), 3);
    assert_string_equal(json_string_value(json_array_get(f, 1)), "malware:public");
    json_decref(f);
    analyze_fgraph_free(g);
}

/* ---- ATT&CK for ICS ---- */

/* One incident made from an intrusion set or campaign: its id and the objects it uses. */
struct actor {
    const char *id;   /* the intrusion set's or campaign's id */
    const char *name; /* its name */
    json_t *used;     /* ids of what it uses (attack-patterns, malware) */
};

static const json_t *by_id(const json_t *index, const char *id)
{
    return json_object_get(index, id);
}

static void test_attack_ics(void **state)
{
    (void)state;
    struct stat st;
    if (stat(ICS, &st) != 0) {
        print_message("# %s missing: skipped\n", ICS);
        skip();
    }
    json_error_t je;
    json_t *bundle = json_load_file(ICS, 0, &je), *objs = json_object_get(bundle, "objects"), *o;
    assert_non_null(objs);
    json_t *index = json_object();
    size_t i;
    json_array_foreach(objs, i, o)
        json_object_set(index, json_string_value(json_object_get(o, "id")), o);

    /* the actors and what they use, straight from the relationships */
    struct actor actors[64];
    size_t na = 0;
    json_array_foreach(objs, i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        if ((strcmp(t, "intrusion-set") == 0 || strcmp(t, "campaign") == 0) && na < 64 &&
            !json_is_true(json_object_get(o, "revoked")))
            actors[na++] =
                (struct actor){json_string_value(json_object_get(o, "id")),
                               json_string_value(json_object_get(o, "name")), json_array()};
    }
    assert_true(na >= 20);
    json_array_foreach(objs, i, o)
    {
        const char *t = json_string_value(json_object_get(o, "type"));
        const char *rt = json_string_value(json_object_get(o, "relationship_type"));
        if (strcmp(t, "relationship") != 0 || strcmp(rt, "uses") != 0)
            continue;
        const char *src = json_string_value(json_object_get(o, "source_ref"));
        const char *dst = json_string_value(json_object_get(o, "target_ref"));
        for (size_t a = 0; a < na; a++)
            if (strcmp(actors[a].id, src) == 0)
                json_array_append_new(actors[a].used, json_string(dst));
    }

    /* every ATT&CK object in group "g", then one incident per actor that uses what it uses */
    struct analyze_fgraph *g = analyze_fgraph_new();
    struct rk_err err = {0};
    json_array_foreach(objs, i, o) assert_int_equal(analyze_fgraph_put(g, o, "g", NULL, &err), 0);
    char inc_ids[64][80];
    for (size_t a = 0; a < na; a++) {
        snprintf(inc_ids[a], 80, "incident--%08zx-0000-4000-8000-000000000000", a);
        json_t *inc = json_pack("{s:s,s:s,s:s}", "type", "incident", "id", inc_ids[a], "name",
                                actors[a].name);
        assert_int_equal(analyze_fgraph_put(g, inc, "g", NULL, &err), 0);
        json_decref(inc);
        const json_t *u;
        size_t j;
        json_array_foreach(actors[a].used, j, u)
        {
            char rid[80];
            snprintf(rid, sizeof rid, "relationship--%08zx-%04zx-4000-8000-000000000000", a, j);
            json_t *rel = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "relationship", "id", rid,
                                    "relationship_type", "uses", "source_ref", inc_ids[a],
                                    "target_ref", json_string_value(u));
            assert_int_equal(analyze_fgraph_put(g, rel, "g", NULL, &err), 0);
            json_decref(rel);
        }
    }

    /* each incident's keys are exactly the techniques and malware names it uses */
    struct analyze_similar *s = analyze_similar_new();
    json_t *feats[64];
    size_t with_ttp = 0;
    for (size_t a = 0; a < na; a++) {
        feats[a] = features_of(g, "g", inc_ids[a]);
        json_t *want = json_array();
        const json_t *u;
        size_t j;
        json_array_foreach(actors[a].used, j, u)
            analyze_object_features(by_id(index, json_string_value(u)), want);
        json_array_foreach(want, j, u) assert_true(has(feats[a], json_string_value(u)));
        json_array_foreach(feats[a], j, u)
        {
            assert_true(has(want, json_string_value(u)));
            if (strncmp(json_string_value(u), "ttp:T0", 6) == 0)
                with_ttp++;
        }
        json_decref(want);
        size_t n = json_array_size(feats[a]);
        const char **keys = malloc((n ? n : 1) * sizeof *keys);
        for (j = 0; j < n; j++)
            keys[j] = json_string_value(json_array_get(feats[a], j));
        assert_int_equal(analyze_similar_add(s, inc_ids[a], keys, n, &err), 0);
        free(keys);
    }
    assert_true(with_ttp >= 80); /* 83 actor-technique "uses" in 18.1: the ICS techniques came
                                    through the relationships */

    /* a perturbed copy (every fourth key dropped, two unrelated ones added) finds its original
     * first, for every actor with at least 4 keys */
    size_t tried = 0, first = 0;
    for (size_t a = 0; a < na; a++) {
        size_t n = json_array_size(feats[a]), m = 0;
        if (n < 4)
            continue;
        const char **keys = malloc((n + 2) * sizeof *keys);
        for (size_t j = 0; j < n; j++)
            if (j % 4 != 1)
                keys[m++] = json_string_value(json_array_get(feats[a], j));
        keys[m++] = "obs:domain:unrelated.example";
        keys[m++] = "ttp:T1566.001";
        struct analyze_similar_result r;
        assert_int_equal(analyze_similar_query(s, keys, m, 5, &r, &err), 0);
        tried++;
        if (r.n > 0 && strcmp(r.items[0].id, inc_ids[a]) == 0) {
            first++;
            struct rk_buf why = RK_BUF_INIT;
            analyze_similar_reason(r.items[0].shared, r.items[0].n_shared, &why);
            assert_non_null(strstr(why.data, "T0"));
            rk_buf_free(&why);
        } else {
            print_message("# %s: not first\n", actors[a].name);
        }
        analyze_similar_result_free(&r);
        free(keys);
    }
    print_message("# ATT&CK ICS: %zu actors, %zu perturbed copies, %zu found their original "
                  "first\n",
                  na, tried, first);
    assert_true(tried >= 8);
    assert_int_equal(first, tried);

    for (size_t a = 0; a < na; a++) {
        json_decref(actors[a].used);
        json_decref(feats[a]);
    }
    analyze_similar_free(s);
    analyze_fgraph_free(g);
    json_decref(index);
    json_decref(bundle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_features),
        cmocka_unit_test(test_graph_order_and_dirty),
        cmocka_unit_test(test_graph_access),
        cmocka_unit_test(test_attack_ics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
