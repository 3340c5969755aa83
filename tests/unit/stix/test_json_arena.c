/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_json_arena.c: the arenas behind stix_json_parse_capped_in (json_arena.c). A parsed
 * tree lives in its arena and gives every block back when freed; what is changed or added to
 * it afterwards works as with malloc; a value still referenced after its tree is freed is
 * never overwritten by the next parse; other jansson allocations stay on the heap. A tree
 * parsed on one thread is freed right on another, and a value kept past its arena's owner
 * stays valid (ASan and TSan builds check the memory and the counting).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stix/stix.h"
#include "stix/stix_int.h"

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

/* The arena of the test running now (a request's, in the server). */
static struct stix_json_arena *arena;

static json_t *parse_in(struct stix_json_arena *a, const char *text, size_t len)
{
    bool deep = false, many = false;
    json_error_t je;
    json_t *root = stix_json_parse_capped_in(a, text, len, 64, SIZE_MAX, &deep, &many, &je);
    assert_non_null(root);
    assert_false(deep);
    return root;
}

static json_t *parse(const char *text, size_t len)
{
    return parse_in(arena, text, len);
}

static int setup(void **state)
{
    (void)state;
    stix_json_arena_install();
    return 0;
}

static int arena_new(void **state)
{
    (void)state;
    arena = stix_json_arena_new();
    return arena != NULL ? 0 : -1;
}

/* Every test ends with nothing live: then the release gives the arena's memory back. */
static int arena_release(void **state)
{
    (void)state;
    size_t live = stix_json_arena_live(arena);
    stix_json_arena_release(arena);
    arena = NULL;
    return live == 0 ? 0 : -1;
}

/* A real bundle: parsed into the arena, changed like ingest changes it, freed to nothing. */
static void real_tree_freed_to_nothing(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = read_all(ENVELOPE_PATH, &len);
    assert_non_null(text);
    assert_int_equal(stix_json_arena_live(arena), 0);
    json_t *root = parse(text, len);
    size_t live = stix_json_arena_live(arena);
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
    assert_true(stix_json_arena_live(arena) <= live);
    json_t *first = json_array_get(objects, 0);
    assert_string_equal(json_string_value(json_object_get(first, "x_test")),
                        "added after the parse");
    json_decref(root);
    assert_int_equal(stix_json_arena_live(arena), 0);
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
    assert_true(stix_json_arena_live(arena) > 0); /* kept still holds arena blocks */
    for (int round = 0; round < 50; round++) {
        json_t *rb = parse(b, sizeof(b) - 1);
        json_decref(rb);
    }
    assert_string_equal(json_string_value(json_object_get(kept, "name")), "keep me intact");
    assert_string_equal(json_string_value(json_object_get(kept, "id")), "indicator--a");
    json_decref(kept);
    assert_int_equal(stix_json_arena_live(arena), 0);
}

/* A tree as parsed is forgotten at once, and the next parse reuses its memory. */
static void drop_forgets_the_latest_tree(void **state)
{
    size_t len = 0;
    char *text = read_all(ENVELOPE_PATH, &len);
    (void)state;
    if (text == NULL)
        skip();
    size_t drops = stix_json_arena_drops(arena);
    json_t *r = parse(text, len);
    size_t n = json_array_size(json_object_get(r, "objects"));
    assert_true(n > 100);
    assert_true(stix_json_arena_live(arena) > n);
    stix_json_arena_drop(arena, r);
    assert_int_equal(stix_json_arena_drops(arena), drops + 1);
    assert_int_equal(stix_json_arena_live(arena), 0);
    /* Parsed again into the arena's memory, and whole. */
    json_t *again = parse(text, len);
    assert_int_equal(json_array_size(json_object_get(again, "objects")), n);
    stix_json_arena_drop(arena, again);
    assert_int_equal(stix_json_arena_drops(arena), drops + 2);
    stix_json_arena_drop(arena, NULL);
    stix_json_arena_drop(NULL, NULL);
    assert_int_equal(stix_json_arena_live(NULL), 0);
    assert_int_equal(stix_json_arena_drops(NULL), 0);
    free(text);
}

/* Whatever else may still be in use, the drop is a json_decref: nothing is forgotten. */
static void drop_falls_back_when_unsafe(void **state)
{
    (void)state;
    const char a[] = "{\"objects\":[{\"id\":\"indicator--a\",\"name\":\"first tree\"}]}";
    const char b[] = "{\"objects\":[{\"id\":\"indicator--b\",\"name\":\"second tree\"}]}";
    size_t drops = stix_json_arena_drops(arena);

    /* Another reference to the root. */
    json_t *ra = parse(a, sizeof(a) - 1);
    json_t *held = json_incref(ra);
    stix_json_arena_drop(arena, ra);
    assert_true(stix_json_arena_live(arena) > 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(held, "objects"), 0), "name")),
                        "first tree");
    json_decref(held);
    assert_int_equal(stix_json_arena_live(arena), 0);

    /* A tree with a block from malloc (an array of 10,000 members has a table of 80 KB,
     * too large for the arena): forgetting the arena would leak it, so it is walked. */
    size_t n = 0;
    char *big = malloc(3 * 10000 + 16);
    big[n++] = '[';
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(big + n, 8, i ? ",1" : "1");
    big[n++] = ']';
    json_t *rbig = parse(big, n);
    stix_json_arena_drop(arena, rbig);
    assert_int_equal(stix_json_arena_live(arena), 0);
    free(big);

    /* A tree that is not the latest parse: the latest stays whole. */
    ra = parse(a, sizeof(a) - 1);
    json_t *rb = parse(b, sizeof(b) - 1);
    stix_json_arena_drop(arena, ra);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(rb, "objects"), 0), "name")),
                        "second tree");
    /* The latest, but its parse started with the other tree live: the other stays whole. */
    ra = parse(a, sizeof(a) - 1);
    json_decref(rb);
    rb = parse(b, sizeof(b) - 1);
    stix_json_arena_drop(arena, rb);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(ra, "objects"), 0), "name")),
                        "first tree");
    json_decref(ra);
    assert_int_equal(stix_json_arena_live(arena), 0);
    assert_int_equal(stix_json_arena_drops(arena), drops);
}

/* Outside a parse, jansson allocates from the heap as before. */
static void other_allocations_on_heap(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s, s:[i,i]}", "a", "b", "c", 1, 2);
    assert_non_null(v);
    assert_int_equal(stix_json_arena_live(arena), 0);
    char *text = json_dumps(v, JSON_COMPACT);
    assert_non_null(text);
    free(text); /* json_dumps' text is freed with free(), as callers do */
    json_decref(v);
    assert_int_equal(stix_json_arena_live(arena), 0);
}

/* A body jansson has to read (a real number) goes through the same arena and still frees. */
static void jansson_fallback_in_arena(void **state)
{
    (void)state;
    const char t[] = "{\"objects\":[{\"id\":\"x--1\",\"confidence\":1.5,\"n\":\"\\u00e9\"}]}";
    json_t *r = parse(t, sizeof(t) - 1);
    assert_true(stix_json_arena_live(arena) > 0);
    assert_true(json_real_value(json_object_get(json_array_get(json_object_get(r, "objects"), 0),
                                                "confidence")) == 1.5);
    json_decref(r);
    assert_int_equal(stix_json_arena_live(arena), 0);
}

/* ---- ownership across threads ---- */

#define SMALL_ENVELOPE                                                                             \
    "{\"objects\":[{\"id\":\"indicator--a\",\"name\":\"alpha\",\"labels\":[\"x\",\"y\"]},"         \
    "{\"id\":\"indicator--b\",\"name\":\"beta\",\"labels\":[\"z\"]},"                              \
    "{\"id\":\"indicator--c\",\"name\":\"gamma\"},{\"id\":\"indicator--d\",\"name\":\"delta\"}]}"

struct free_job {
    json_t **values;
    size_t n;
};

/* A worker: frees every value it was handed, then says it is done. */
static void *free_all(void *p)
{
    struct free_job *job = p;
    for (size_t i = 0; i < job->n; i++)
        json_decref(job->values[i]);
    return NULL;
}

/* Objects of one tree freed by two threads at once, while their owner waits: each block
 * freed on another thread is counted in its arena, and the arena comes back to nothing. */
static void parsed_here_freed_on_two_threads(void **state)
{
    size_t len = 0;
    char *text = read_all(ENVELOPE_PATH, &len);
    (void)state;
    if (text == NULL)
        skip();
    json_t *root = parse(text, len);
    json_t *objects = json_object_get(root, "objects");
    size_t n = json_array_size(objects);
    assert_true(n > 1000);
    json_t **even = malloc(n * sizeof(*even)), **odd = malloc(n * sizeof(*odd));
    struct free_job a = {even, 0}, b = {odd, 0};
    for (size_t i = 0; i < n; i++) {
        if (i % 2 == 0)
            even[a.n++] = json_incref(json_array_get(objects, i));
        else
            odd[b.n++] = json_incref(json_array_get(objects, i));
    }
    json_decref(root); /* the envelope goes; its objects stay, held by the workers' lists */
    assert_true(stix_json_arena_live(arena) > n);
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, free_all, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, free_all, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(stix_json_arena_live(arena), 0);
    /* The owner parses again into the same memory. */
    json_t *again = parse(text, len);
    assert_int_equal(json_array_size(json_object_get(again, "objects")), n);
    json_decref(again);
    free(even);
    free(odd);
    free(text);
}

struct keeper {
    json_t *kept;
    bool intact;
};

/* A worker that outlives the request: other requests parse into arenas of their own, which
 * would reuse the first arena's memory had it been given back too early; then the kept
 * value is freed here, the arena's last block: its memory goes back on this thread. */
static void *keep_then_free(void *p)
{
    struct keeper *k = p;
    const char other[] =
        "{\"objects\":[{\"id\":\"indicator--z\",\"name\":\"ZZZZZZZZZZZZZZZZZZZZ\"}]}";
    for (int round = 0; round < 20; round++) {
        struct stix_json_arena *mine = stix_json_arena_new();
        json_t *r = parse_in(mine, other, sizeof(other) - 1);
        stix_json_arena_drop(mine, r);
        stix_json_arena_release(mine);
    }
    k->intact = strcmp(json_string_value(json_object_get(k->kept, "name")), "beta") == 0 &&
                json_array_size(json_object_get(k->kept, "labels")) == 1;
    json_decref(k->kept);
    return NULL;
}

/* A value kept by a worker stays valid after its arena's owner is done with the arena, and
 * the arena's memory goes back when the worker frees it, not before. */
static void kept_past_its_owner(void **state)
{
    (void)state;
    struct stix_json_arena *req = stix_json_arena_new();
    const char env[] = SMALL_ENVELOPE;
    json_t *root = parse_in(req, env, sizeof(env) - 1);
    size_t cached = stix_json_arena_cached_chunks(); /* req holds one chunk */
    assert_true(cached < 63); /* room in the cache (64 chunks) for req's to come back */
    struct keeper k = {json_incref(json_array_get(json_object_get(root, "objects"), 1)), false};
    json_decref(root);
    size_t live = stix_json_arena_live(req);
    assert_true(live > 5 && live < 40); /* the kept object, its keys, strings and list */
    stix_json_arena_release(req);       /* the request ends; req must not be used from here on */
    assert_int_equal(stix_json_arena_cached_chunks(), cached); /* still the kept value's */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, keep_then_free, &k), 0);
    pthread_join(t, NULL);
    assert_true(k.intact);
    /* The other arenas gave back what they took; the kept value's free gave back req's. */
    assert_int_equal(stix_json_arena_cached_chunks(), cached + 1);
}

struct handover {
    struct stix_json_arena *arena;
    json_t *root;
    size_t drops;
    size_t live;
};

/* A job's worker: drops the tree it was handed and ends the arena's use, as its owner. */
static void *drop_as_owner(void *p)
{
    struct handover *h = p;
    stix_json_arena_drop(h->arena, h->root);
    h->drops = stix_json_arena_drops(h->arena);
    h->live = stix_json_arena_live(h->arena);
    stix_json_arena_release(h->arena);
    return NULL;
}

/* The arena is the owner's, whatever thread the owner runs on: a tree parsed on one thread
 * is forgotten at once on another. */
static void dropped_on_another_thread(void **state)
{
    (void)state;
    const char env[] = SMALL_ENVELOPE;
    struct handover h = {stix_json_arena_new(), NULL, 0, 1};
    h.root = parse_in(h.arena, env, sizeof(env) - 1);
    assert_true(stix_json_arena_live(h.arena) > 10);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drop_as_owner, &h), 0);
    pthread_join(t, NULL);
    assert_int_equal(h.drops, 1);
    assert_int_equal(h.live, 0);
}

struct swap_side {
    pthread_barrier_t *barrier;
    json_t **trees; /* trees[side]: what this side parsed this round */
    int side;
    size_t live_at_end;
};

/* One of two requests running at once, each in an arena of its own: each round it parses,
 * then frees the tree the other side parsed. */
static void *parse_and_swap(void *p)
{
    struct swap_side *s = p;
    const char env[] = SMALL_ENVELOPE;
    struct stix_json_arena *mine = stix_json_arena_new();
    for (int round = 0; round < 200; round++) {
        s->trees[s->side] = parse_in(mine, env, sizeof(env) - 1);
        pthread_barrier_wait(s->barrier);
        json_decref(s->trees[1 - s->side]);
        pthread_barrier_wait(s->barrier);
    }
    s->live_at_end = stix_json_arena_live(mine);
    stix_json_arena_release(mine);
    return NULL;
}

static void two_threads_free_each_others_trees(void **state)
{
    (void)state;
    pthread_barrier_t barrier;
    json_t *trees[2] = {NULL, NULL};
    struct swap_side a = {&barrier, trees, 0, 1}, b = {&barrier, trees, 1, 1};
    pthread_t ta, tb;
    pthread_barrier_init(&barrier, NULL, 2);
    assert_int_equal(pthread_create(&ta, NULL, parse_and_swap, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, parse_and_swap, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&barrier);
    assert_int_equal(a.live_at_end, 0);
    assert_int_equal(b.live_at_end, 0);
}

/* A test in an arena of its own, which must end with nothing live. */
#define ARENA_TEST(f) cmocka_unit_test_setup_teardown(f, arena_new, arena_release)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ARENA_TEST(real_tree_freed_to_nothing),
        ARENA_TEST(kept_value_survives_next_parse),
        ARENA_TEST(drop_forgets_the_latest_tree),
        ARENA_TEST(drop_falls_back_when_unsafe),
        ARENA_TEST(other_allocations_on_heap),
        ARENA_TEST(jansson_fallback_in_arena),
        ARENA_TEST(parsed_here_freed_on_two_threads),
        cmocka_unit_test(kept_past_its_owner),
        cmocka_unit_test(dropped_on_another_thread),
        cmocka_unit_test(two_threads_free_each_others_trees),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
