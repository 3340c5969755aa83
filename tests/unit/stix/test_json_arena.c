/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_json_arena.c: the per-thread arena behind stix_json_parse_depth (json_arena.c). A
 * parsed tree lives in the arena and gives every block back when freed; what is changed or
 * added to it afterwards works as with malloc; a value still referenced after its tree is
 * freed is never overwritten by the next parse; other jansson allocations stay on the heap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "stix/stix.h"

#define ENVELOPE_PATH "../shared/data/attack-ics/ics-attack-18.1.json"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static json_t *parse(const char *text, size_t len)
{
    bool deep = false;
    json_error_t je;
    json_t *root = stix_json_parse_depth(text, len, 64, &deep, &je);
    assert_non_null(root);
    assert_false(deep);
    return root;
}

static int setup(void **state)
{
    (void)state;
    stix_json_arena_install();
    return 0;
}

/* A real bundle: parsed into the arena, changed like ingest changes it, freed to nothing. */
static void real_tree_freed_to_nothing(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = read_all(ENVELOPE_PATH, &len);
    assert_non_null(text);
    assert_int_equal(stix_json_arena_live(), 0);
    json_t *root = parse(text, len);
    size_t live = stix_json_arena_live();
    assert_true(live > 10000); /* thousands of objects, each many values */
    json_t *objects = json_object_get(root, "objects");
    assert_true(json_array_size(objects) > 1000);
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        /* What the anonymiser and the TLP marking do: delete, replace, add. */
        json_object_del(o, "created_by_ref");
        json_object_set_new(o, "x_test", json_string("added after the parse"));
        json_object_set_new(o, "name", json_string("replaced"));
    }
    /* Values added after the parse are heap blocks, not arena ones. */
    assert_true(stix_json_arena_live() <= live);
    json_t *first = json_array_get(objects, 0);
    assert_string_equal(json_string_value(json_object_get(first, "x_test")),
                        "added after the parse");
    json_decref(root);
    assert_int_equal(stix_json_arena_live(), 0);
    free(text);
}

/* A value kept past its tree is never reused by the next parse. */
static void kept_value_survives_next_parse(void **state)
{
    (void)state;
    const char a[] = "{\"objects\":[{\"id\":\"indicator--a\",\"name\":\"keep me intact\"}]}";
    const char b[] = "{\"objects\":[{\"id\":\"indicator--b\",\"name\":\"XXXXXXXXXXXXXXXXXXXX\"},"
                     "{\"id\":\"indicator--c\",\"name\":\"YYYYYYYYYYYYYYYYYYYYYYYYYYYYYY\"}]}";
    json_t *ra = parse(a, sizeof(a) - 1);
    json_t *kept = json_incref(json_array_get(json_object_get(ra, "objects"), 0));
    json_decref(ra);
    assert_true(stix_json_arena_live() > 0); /* kept still holds arena blocks */
    for (int round = 0; round < 50; round++) {
        json_t *rb = parse(b, sizeof(b) - 1);
        json_decref(rb);
    }
    assert_string_equal(json_string_value(json_object_get(kept, "name")), "keep me intact");
    assert_string_equal(json_string_value(json_object_get(kept, "id")), "indicator--a");
    json_decref(kept);
    assert_int_equal(stix_json_arena_live(), 0);
}

/* A tree as parsed is forgotten at once, and the next parse reuses its memory. */
static void drop_forgets_the_latest_tree(void **state)
{
    size_t len = 0;
    char *text = read_all(ENVELOPE_PATH, &len);
    (void)state;
    if (text == NULL)
        skip();
    size_t drops = stix_json_arena_drops();
    json_t *r = parse(text, len);
    size_t n = json_array_size(json_object_get(r, "objects"));
    assert_true(n > 100);
    assert_true(stix_json_arena_live() > n);
    stix_json_arena_drop(r);
    assert_int_equal(stix_json_arena_drops(), drops + 1);
    assert_int_equal(stix_json_arena_live(), 0);
    /* Parsed again into the arena's memory, and whole. */
    json_t *again = parse(text, len);
    assert_int_equal(json_array_size(json_object_get(again, "objects")), n);
    stix_json_arena_drop(again);
    assert_int_equal(stix_json_arena_drops(), drops + 2);
    stix_json_arena_drop(NULL);
    free(text);
}

/* Whatever else may still be in use, the drop is a json_decref: nothing is forgotten. */
static void drop_falls_back_when_unsafe(void **state)
{
    (void)state;
    const char a[] = "{\"objects\":[{\"id\":\"indicator--a\",\"name\":\"first tree\"}]}";
    const char b[] = "{\"objects\":[{\"id\":\"indicator--b\",\"name\":\"second tree\"}]}";
    size_t drops = stix_json_arena_drops();

    /* Another reference to the root. */
    json_t *ra = parse(a, sizeof(a) - 1);
    json_t *held = json_incref(ra);
    stix_json_arena_drop(ra);
    assert_true(stix_json_arena_live() > 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(held, "objects"), 0), "name")),
                        "first tree");
    json_decref(held);
    assert_int_equal(stix_json_arena_live(), 0);

    /* A tree with a block from malloc (an array of 10,000 members has a table of 80 KB,
     * too large for the arena): forgetting the arena would leak it, so it is walked. */
    size_t n = 0;
    char *big = malloc(3 * 10000 + 16);
    big[n++] = '[';
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(big + n, 8, i ? ",1" : "1");
    big[n++] = ']';
    json_t *rbig = parse(big, n);
    stix_json_arena_drop(rbig);
    assert_int_equal(stix_json_arena_live(), 0);
    free(big);

    /* A tree that is not the latest parse: the latest stays whole. */
    ra = parse(a, sizeof(a) - 1);
    json_t *rb = parse(b, sizeof(b) - 1);
    stix_json_arena_drop(ra);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(rb, "objects"), 0), "name")),
                        "second tree");
    /* The latest, but its parse started with the other tree live: the other stays whole. */
    ra = parse(a, sizeof(a) - 1);
    json_decref(rb);
    rb = parse(b, sizeof(b) - 1);
    stix_json_arena_drop(rb);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ra, "objects"), 0), "name")),
                        "first tree");
    json_decref(ra);
    assert_int_equal(stix_json_arena_live(), 0);
    assert_int_equal(stix_json_arena_drops(), drops);
}

/* Outside a parse, jansson allocates from the heap as before. */
static void other_allocations_on_heap(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s, s:[i,i]}", "a", "b", "c", 1, 2);
    assert_non_null(v);
    assert_int_equal(stix_json_arena_live(), 0);
    char *text = json_dumps(v, JSON_COMPACT);
    assert_non_null(text);
    free(text); /* json_dumps' text is freed with free(), as callers do */
    json_decref(v);
    assert_int_equal(stix_json_arena_live(), 0);
}

/* A body jansson has to read (a real number) goes through the same arena and still frees. */
static void jansson_fallback_in_arena(void **state)
{
    (void)state;
    const char t[] = "{\"objects\":[{\"id\":\"x--1\",\"confidence\":1.5,\"n\":\"\\u00e9\"}]}";
    json_t *r = parse(t, sizeof(t) - 1);
    assert_true(stix_json_arena_live() > 0);
    assert_true(json_real_value(json_object_get(json_array_get(json_object_get(r, "objects"), 0),
                                                "confidence")) == 1.5);
    json_decref(r);
    assert_int_equal(stix_json_arena_live(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_tree_freed_to_nothing),
        cmocka_unit_test(kept_value_survives_next_parse),
        cmocka_unit_test(drop_forgets_the_latest_tree),
        cmocka_unit_test(drop_falls_back_when_unsafe),
        cmocka_unit_test(other_allocations_on_heap),
        cmocka_unit_test(jansson_fallback_in_arena),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
