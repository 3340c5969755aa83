/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stix_canonical.c: stix_canonical writes exactly the bytes of
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY), the
 * form stored bodies were written in and are compared against for duplicates and
 * conflicts: on hand-made edge cases (escapes, NUL, UTF-8, integers, reals, key order, deep
 * nesting, wide objects) and on every JSON file of the shared data (run from the repository
 * root, as tests/run.py does). Also stix_json_parse, the fast path for json_loadb: the
 * same trees on all of that data, and the same verdict on malformed and unusual input.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stix/stix_int.h"
#include "stix_test_util.h"

#define SHARED_DATA "../shared/data"

static size_t compared;

/* Compares the writer with jansson on v. */
static void same_as_jansson(const json_t *v)
{
    size_t len = 0;
    char *want =
        json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
    char *got = stix_canonical(v, &len);

    assert_non_null(want);
    assert_non_null(got);
    if (strlen(want) != len || memcmp(want, got, len) != 0)
        fail_msg("canonical differs:\n want %.300s\n  got %.300s", want, got);
    compared++;
    free(want);
    free(got);
}

static size_t spliced;

/* stix_canonical_add_marking on v's canonical text gives the canonical text of v with the
 * marking appended to object_marking_refs, as policy_tlp_mark appends it (NULL allowed
 * only for what it documents). */
static void splice_same(const json_t *v)
{
    size_t len = 0, glen = 0, wlen = 0;
    json_t *refs, *x;
    size_t i;

    if (!json_is_object(v))
        return;
    refs = json_object_get(v, "object_marking_refs");
    if (refs != NULL && !json_is_array(refs))
        return;
    json_array_foreach(refs, i, x) if (json_is_string(x) &&
                                       strcmp(json_string_value(x), TEST_MARKING) == 0) return;
    char *canon = stix_canonical(v, &len);
    char *want = marked_by_tree(v, &wlen);
    char *got = stix_canonical_add_marking(canon, len, TEST_MARKING, &glen);
    if (got != NULL) {
        if (glen != wlen || memcmp(want, got, wlen) != 0)
            fail_msg("spliced marking differs:\n want %.300s\n  got %.300s", want, got);
        spliced++;
    } else if (strchr(canon, '\\') == NULL) {
        fail_msg("no splice for %.300s", canon);
    }
    free(got);
    free(want);
    free(canon);
}

static void splice_cases(void **state)
{
    static const char *const docs[] = {
        "{}",
        "{\"a\":1}",
        "{\"z\":[1,{\"y\":\"}]\"}]}",
        "{\"object_marking_refs\":[]}",
        "{\"object_marking_refs\":[\"x\"],\"p\":{\"q\":\"],\\\"}\"}}",
        "{\"a\":\"\\\"\",\"object_marking\":null,\"object_marking_refsz\":true}",
        "{\"id\":\"x\",\"objects\":[[]],\"type\":\"indicator\"}",
        "{\"a\":1.5,\"b\":{\"object_marking_refs\":[]}}",
    };
    (void)state;
    spliced = 0;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_error_t je;
        json_t *v = json_loads(docs[i], 0, &je);
        assert_non_null(v);
        splice_same(v);
        json_decref(v);
    }
    assert_int_equal(spliced, sizeof(docs) / sizeof(docs[0]));
    /* Escaped keys and markings that need escaping are left to stix_canonical. */
    assert_null(stix_canonical_add_marking("{\"a\\\"b\":1}", 10, TEST_MARKING, NULL));
    assert_null(stix_canonical_add_marking("{}", 2, "a\"b", NULL));
    assert_null(stix_canonical_add_marking("{\"object_marking_refs\":1}", 25, TEST_MARKING, NULL));
    assert_null(stix_canonical_add_marking("[]", 2, TEST_MARKING, NULL));
}

/* The root, every element of every array and every value of every object down to depth 3
 * (deeper values are covered by their parents' bytes). */
static void walk(const json_t *v, int depth)
{
    const char *key;
    json_t *x;
    size_t i;

    same_as_jansson(v);
    splice_same(v);
    if (depth >= 3)
        return;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x) walk(x, depth + 1);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) walk(x, depth + 1);
    }
}

static void edge_cases(void **state)
{
    const char *docs[] = {
        "{}",
        "[]",
        "{'a':[],'b':{},'c':[{}],'d':null,'e':true,'f':false}",
        "{'b':1,'a':2,'ab':3,'aa':4,'':5,'B':6,'_':7,'~':8}",
        "{'n':[0,-1,1,9223372036854775807,-9223372036854775808,1000000,-42]}",
        "{'r':[0.5,1.0,-0.0,1e300,1.5e-300,3.141592653589793,100.0,1e20,12345678901234567890.0]}",
        "{'s':'quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f'}",
        "{'c':'\\u0001\\u001f\\u0010 \\u007f \\u0080 caf\\u00e9 \\u4e2d \\ud83d\\ude00'}",
        "{'u':'déjà vu – ‘quotes’ 😀','k\\u00e9y':'v','\\u0001':'control key','a\\u0001':1,'a':2}",
        "'just a string'",
        "12",
        "null",
    };
    json_error_t je;

    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        char *copy = strdup(docs[i]);
        json_t *j;
        for (char *p = copy; *p != '\0'; p++)
            if (*p == '\'')
                *p = '"';
        j = json_loads(copy, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (j == NULL)
            fail_msg("bad test JSON %zu: %s", i, je.text);
        same_as_jansson(j);
        json_decref(j);
        free(copy);
    }

    /* A string with a NUL inside, and a wide object (the heap and qsort paths). */
    json_t *o = json_object();
    json_object_set_new(o, "nul", json_stringn("a\0b", 3));
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", (i * 7919) % 1000);
        json_object_set_new(o, k, json_integer(i));
    }
    same_as_jansson(o);
    json_t *mid = json_object();
    for (int i = 40; i > 0; i--) {
        char k[16];
        snprintf(k, sizeof(k), "x_%02d", i);
        json_object_set_new(mid, k, json_string(k));
    }
    same_as_jansson(mid);
    json_decref(mid);
    /* Deeper than the writer's own bound: jansson's bytes all the same. */
    json_t *deep = json_integer(1);
    for (int i = 0; i < 100; i++) {
        json_t *a = json_array();
        json_array_append_new(a, deep);
        deep = a;
    }
    same_as_jansson(deep);
    json_decref(deep);
    json_decref(o);

    size_t len = 1;
    assert_null(stix_canonical(NULL, &len));
    assert_int_equal(len, 0);
}

/* stix_json_parse and json_loadb agree on text: both fail, or both give equal trees whose
 * canonical forms (which keep key order out) and key orders are the same. */
static void parse_same(const char *text, size_t len)
{
    json_error_t e1, e2;
    json_t *want = json_loadb(text, len, 0, &e1);
    json_t *got = stix_json_parse(text, len, &e2);

    if (want == NULL) {
        assert_null(got);
        assert_string_equal(e1.text, e2.text);
        return;
    }
    assert_non_null(got);
    assert_true(json_equal(want, got));
    /* Insertion order too (it decides the order of equal-id objects nowhere, but keep it). */
    char *a = json_dumps(want, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(want);
    json_decref(got);
}

static void parser_cases(void **state)
{
    const char *docs[] = {
        "{}",
        "[]",
        " { } ",
        "{\"a\":1,\"a\":2,\"b\":[true,false,null]}",
        "{\"s\":\"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\\u4E2D\\ud83d\\ude00\"}",
        "{\"k\\u00e9\":\"v\",\"k\\n\":[\"\\u0001\"]}",
        "[0,-0,1,-1,9223372036854775807,-9223372036854775808]",
        "[9223372036854775808]",
        "[-9223372036854775809]",
        "[01]",
        "[1.5]",
        "[1e5]",
        "[-]",
        "[1,]",
        "{\"a\":}",
        "{\"a\" 1}",
        "{,}",
        "[tru]",
        "[truex]",
        "[nul]",
        "\"str\"",
        "12",
        "{} x",
        "{}}",
        "[\"\\u0000\"]",
        "[\"\\ud800\"]",
        "[\"\\udc00\"]",
        "[\"\\ud800\\u0041\"]",
        "[\"\\x\"]",
        "[\"\\u12\"]",
        "[\"unterminated]",
        "[\"tab\there\"]",
        "{\"\\u0000\":1}",
        "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]",
        "[\"\xc0\x80\"]",
        "[\"\xed\xa0\x80\"]",
        "[\"\xf4\x90\x80\x80\"]",
        "[\"\xe2\x82\"]",
        "[\"\xff\"]",
        "",
        " ",
        "[",
        "{\"a\":[1,2",
        "[[[[[[[[[[]]]]]]]]]]",
        "[\r\n\t 1 \r\n]",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        parse_same(docs[i], strlen(docs[i]));
    /* A NUL byte inside the text. */
    parse_same("[\"a\0b\"]", 6);
}

/* The check TAXII POST made before stix_json_parse_depth: brackets outside strings. A copy
 * of the depth half of json.c's limits_scan on purpose: it is the reference the fast path's own
 * depth check is held to, so a change to the library's scan must not move it too. */
static bool ref_too_deep(const char *s, size_t len, int max)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return true;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return false;
}

/* stix_json_parse_depth refuses exactly what ref_too_deep refuses, and is otherwise
 * json_loadb (tree and error). */
static void depth_same(const char *text, size_t len, int max)
{
    json_error_t e1, e2;
    bool deep = true;
    json_t *got = stix_json_parse_depth(text, len, max, &deep, &e2);

    assert_int_equal(deep, ref_too_deep(text, len, max));
    if (deep) {
        assert_null(got);
        return;
    }
    json_t *want = json_loadb(text, len, 0, &e1);
    if (want == NULL) {
        assert_null(got);
        assert_string_equal(e1.text, e2.text);
        return;
    }
    assert_non_null(got);
    assert_true(json_equal(want, got));
    json_decref(want);
    json_decref(got);
}

static void depth_cases(void **state)
{
    const char *docs[] = {
        "{}",
        "[[]]",
        "[[[]]]",
        "[[[1]]]",
        "[{\"a\":[{}]}]",
        "[[[1.5]]]",         /* a real: jansson parses it */
        "[[[\"\\u0000\"]]]", /* jansson's too */
        "[[[",               /* not JSON, too deep all the same */
        "[[x[[",             /* the fast path gives up before the depth */
        "[\"[[[[\"]",        /* brackets in a string do not count */
        "[\"\\\"[[[[\"]",    /* nor after an escaped quote */
        "[\"\\\\\",[[[]]]]", /* an escaped backslash ends nothing */
        "{\"a\":{\"b\":{\"c\":{}}}}",
        "]]]][[[",
        "",
    };
    (void)state;
    for (int max = 1; max <= 4; max++)
        for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
            depth_same(docs[i], strlen(docs[i]), max);
    /* Around TAXII's limit of 64, through the fast path and through jansson. */
    for (int n = 62; n <= 66; n++) {
        char text[256];
        for (int k = 0; k < 2; k++) {
            size_t len = 0;
            for (int i = 0; i < n; i++)
                text[len++] = '[';
            text[len++] = k == 0 ? '1' : '2';
            if (k == 1)
                text[len++] = '.', text[len++] = '5';
            for (int i = 0; i < n; i++)
                text[len++] = ']';
            depth_same(text, len, 64);
        }
    }
}

/* stix_json_parse_capped: a document of exactly max values is read, one more is refused
 * before its tree exists, through the fast path (counted exactly) and through jansson
 * (bounded by '[', '{' and ',' plus one), and the depth is still checked first. */
static void value_cap_cases(void **state)
{
    static const char *const docs[] = {
        "{}",
        "[1,2,3]",
        "{\"a\":[true,false,null],\"b\":{\"c\":\"d\"}}",
        "[[],[],{}]",
        "{\"objects\":[{},{},{}]}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_error_t je;
        json_t *ref = json_loads(docs[i], 0, &je);
        assert_non_null(ref);
        size_t n = count_values(ref), len = strlen(docs[i]);
        bool deep, many;
        json_t *got = stix_json_parse_capped(docs[i], len, 64, n, &deep, &many, &je);
        assert_non_null(got);
        assert_false(deep || many);
        assert_true(json_equal(got, ref));
        json_decref(got);
        got = stix_json_parse_capped(docs[i], len, 64, n - 1, &deep, &many, &je);
        if (got != NULL || !many || deep)
            fail_msg("%s: %zu values read with a cap of %zu", docs[i], n, n - 1);
        json_decref(ref);
    }
    /* A real sends the body to jansson: the scan's bound (1 + 4 brackets and commas) decides. */
    const char real[] = "[1.5,[2],{\"a\":3}]"; /* 5 values, bound 1 + '[' '[' '{' + 2 ',' = 6 */
    bool deep, many;
    json_error_t je;
    json_t *got = stix_json_parse_capped(real, sizeof(real) - 1, 64, 6, &deep, &many, &je);
    assert_non_null(got);
    json_decref(got);
    assert_null(stix_json_parse_capped(real, sizeof(real) - 1, 64, 5, &deep, &many, &je));
    assert_true(many);
    /* Commas and brackets inside strings are not counted. */
    const char str[] = "[\"a,b,[c\",2.5]";
    got = stix_json_parse_capped(str, sizeof(str) - 1, 64, 4, &deep, &many, &je);
    assert_non_null(got);
    json_decref(got);
    /* Too deep is told as too deep, even with too many values. */
    assert_null(stix_json_parse_capped("[[[1,2,3]]]", 11, 2, 2, &deep, &many, &je));
    assert_true(deep);
    assert_false(many);
}

/* Every *.json below dir (recursively) that jansson parses. */
static void walk_dir(const char *dir, size_t *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            json_error_t je;
            json_t *root = json_load_file(path, JSON_DECODE_ANY, &je);
            FILE *f = fopen(path, "rb");
            if (f != NULL) {
                static char text[64 << 20];
                size_t len = fread(text, 1, sizeof(text), f);
                fclose(f);
                parse_same(text, len);
                depth_same(text, len, 64);
            }
            if (root != NULL) {
                walk(root, 0);
                (*files)++;
                json_decref(root);
            }
        } else {
            walk_dir(path, files); /* fails quietly on plain files */
        }
    }
    closedir(d);
}

static void shared_data(void **state)
{
    size_t files = 0;
    DIR *d = opendir(SHARED_DATA);

    if (d == NULL)
        skip();
    closedir(d);
    compared = 0;
    spliced = 0;
    walk_dir(SHARED_DATA, &files);
    printf("# canonical form equal to jansson's on %zu values of %zu files\n", compared, files);
    printf("# marking spliced as serialised on %zu objects\n", spliced);
    assert_true(files > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edge_cases),   cmocka_unit_test(parser_cases),
        cmocka_unit_test(depth_cases),  cmocka_unit_test(value_cap_cases),
        cmocka_unit_test(splice_cases), cmocka_unit_test(shared_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
