/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stix_marking_cut.c: stix_canonical_add_marking_at reports the run it inserted, so
 * that the posted canonical text is exactly the marked text with that run cut out (the
 * provenance vault stores only the cut for such objects). Checked on hand-made objects and
 * on every top-level object of ../shared/data/attack-ics and ../shared/data/feeds2stix (run
 * from the repository root, as tests/run.py does), in both shapes: a marking appended to an
 * existing object_marking_refs list, and the whole property inserted.
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

static size_t with_list, without_list;

/*
 * Splices TEST_MARKING into canon[0..len) and checks the reported run: inside the result,
 * the result minus the run is canon, the run is what the shape says, and the result is what
 * stix_canonical_add_marking returns. Returns false when the splice declined (NULL).
 */
static bool cut_same(const char *canon, size_t len, const char *what)
{
    size_t glen = 0, off = (size_t)-1, ins = (size_t)-1, plen = 0;
    char *got = stix_canonical_add_marking_at(canon, len, TEST_MARKING, &glen, &off, &ins);
    char *plain = stix_canonical_add_marking(canon, len, TEST_MARKING, &plen);

    if (got == NULL) {
        assert_null(plain);
        return false;
    }
    assert_non_null(plain);
    if (plen != glen || memcmp(plain, got, glen) != 0)
        fail_msg("%s: add_marking_at and add_marking differ", what);
    if (ins == 0 || off > glen || ins > glen - off || glen - ins != len)
        fail_msg("%s: run [%zu, +%zu) does not fit %zu bytes spliced from %zu", what, off, ins,
                 glen, len);
    if (memcmp(got, canon, off) != 0 || memcmp(got + off + ins, canon + off, len - off) != 0)
        fail_msg("%s: the text minus the run [%zu, +%zu) is not the original:\n %.300s", what, off,
                 ins, got);
    /* The run holds the marking id once, quoted; the property name only when it was new. */
    char *run = strndup(got + off, ins);
    char *m = strstr(run, "\"" TEST_MARKING "\"");
    if (m == NULL)
        fail_msg("%s: run '%s' does not hold the quoted marking id", what, run);
    bool had_list = strstr(canon, "\"object_marking_refs\":[") != NULL;
    bool has_key = strstr(run, "\"object_marking_refs\":[\"" TEST_MARKING "\"]") != NULL;
    if (had_list == has_key)
        fail_msg("%s: run '%s' %s the property although the list %s", what, run,
                 has_key ? "holds" : "lacks", had_list ? "existed" : "did not exist");
    if (had_list)
        with_list++;
    else
        without_list++;
    free(run);
    free(plain);
    free(got);
    return true;
}

static size_t slot_spliced, slot_only;

/*
 * stix_canonical_slot writes the same text as stix_canonical, and splicing at its slot gives
 * what reading the text for the place gives (bytes and run); where reading declines (an
 * escaped key) but the writer found a slot, the result is the object marked in its tree and
 * serialised again, and the run is exactly what was added.
 */
static void slot_same(const json_t *o, const char *what)
{
    struct stix_marking_slot slot;
    size_t len = 0, plen = 0, slen = 0, rlen = 0, soff = 0, sins = 0, roff = 0, rins = 0;
    char *canon = stix_canonical_slot(o, &len, &slot);
    char *plain = stix_canonical(o, &plen);
    assert_non_null(canon);
    if (plen != len || memcmp(plain, canon, len) != 0)
        fail_msg("%s: stix_canonical_slot and stix_canonical differ", what);
    char *by_slot =
        stix_canonical_add_marking_slot(canon, len, &slot, TEST_MARKING, &slen, &soff, &sins);
    char *by_read = stix_canonical_add_marking_at(canon, len, TEST_MARKING, &rlen, &roff, &rins);
    const json_t *refs = json_object_get(o, "object_marking_refs");
    if (by_slot == NULL && refs != NULL && !json_is_array(refs)) {
        assert_false(slot.ok); /* nowhere to append */
    } else if (by_read != NULL && by_slot != NULL) {
        if (slen != rlen || soff != roff || sins != rins || memcmp(by_slot, by_read, slen) != 0)
            fail_msg("%s: slot splice [%zu,+%zu) and read splice [%zu,+%zu) differ:\n %.300s\n "
                     "%.300s",
                     what, soff, sins, roff, rins, by_slot, by_read);
        slot_spliced++;
    } else if (by_slot != NULL) {
        size_t wlen = 0;
        char *want = marked_by_tree(o, &wlen);
        if (slen != wlen || memcmp(by_slot, want, wlen) != 0)
            fail_msg("%s: slot splice is not the marked tree:\n want %.300s\n  got %.300s", what,
                     want, by_slot);
        if (slen - sins != len || memcmp(by_slot, canon, soff) != 0 ||
            memcmp(by_slot + soff + sins, canon + soff, len - soff) != 0)
            fail_msg("%s: slot run [%zu,+%zu) is not what was added", what, soff, sins);
        free(want);
        slot_only++;
    } else {
        /* No slot: only jansson's writer (a real) or a list-less value may decline it. */
        assert_false(slot.ok);
        if (by_read == NULL && (refs == NULL || json_is_array(refs)))
            fail_msg("%s: neither splice for %.300s", what, canon);
    }
    free(by_slot);
    free(by_read);
    free(plain);
    free(canon);
}

static void slot_cases(void **state)
{
    static const char *const docs[] = {
        "{}",
        "{\"a\":1}",
        "{\"z\":1}",
        "{\"object_marking_refs\":[]}",
        "{\"object_marking_refs\":[\"x\"],\"z\":2}",
        "{\"z\":[1,{\"y\":\"}]\"}],\"a\":{\"object_marking_refs\":[]}}",
        "{\"a\":\"\\\"\",\"object_marking\":null,\"object_marking_refsz\":true}",
        "{\"a\\\"b\":1}",
        "{\"a\\\\\":{},\"object_marking_refs\":[\"x\"]}",
        "{\"b\\u0001\":1,\"zz\":[]}",
        "{\"object_marking_refs\":1}",
        "{\"object_marking_refs\":{}}",
        "{\"a\":1.5}",
        "{\"a\":1.5,\"object_marking_refs\":[\"y\"]}",
    };
    (void)state;
    slot_spliced = slot_only = 0;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_error_t je;
        json_t *v = json_loads(docs[i], 0, &je);
        if (v == NULL)
            fail_msg("%s: %s", docs[i], je.text);
        slot_same(v, docs[i]);
        json_decref(v);
    }
    /* Reals are written by jansson: no slot, and the text read for the place instead. */
    assert_int_equal(slot_spliced, 7);
    assert_int_equal(slot_only, 3);
    /* The writer's slot for a text it did not write is refused (at past its end). */
    struct stix_marking_slot far = {10, true, true, false, false};
    assert_null(stix_canonical_add_marking_slot("{}", 2, &far, TEST_MARKING, NULL, NULL, NULL));
    struct stix_marking_slot ok = {1, true, true, false, false};
    assert_null(stix_canonical_add_marking_slot("{}", 2, &ok, "a\"b", NULL, NULL, NULL));
    char *two = stix_canonical_add_marking_slot("{}", 2, &ok, TEST_MARKING, NULL, NULL, NULL);
    assert_string_equal(two, "{\"object_marking_refs\":[\"" TEST_MARKING "\"]}");
    free(two);
}

static void hand_cases(void **state)
{
    static const struct {
        const char *doc;
        size_t off;      /* expected start of the run */
        const char *run; /* expected run */
    } cases[] = {
        {"{}", 1, "\"object_marking_refs\":[\"" TEST_MARKING "\"]"},
        {"{\"a\":1}", 6, ",\"object_marking_refs\":[\"" TEST_MARKING "\"]"},
        {"{\"z\":1}", 1, "\"object_marking_refs\":[\"" TEST_MARKING "\"],"},
        {"{\"object_marking_refs\":[]}", 24, "\"" TEST_MARKING "\""},
        {"{\"object_marking_refs\":[\"x\"],\"z\":2}", 27, ",\"" TEST_MARKING "\""},
    };
    (void)state;
    with_list = without_list = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].doc), glen = 0, off = 0, ins = 0;
        assert_true(cut_same(cases[i].doc, len, cases[i].doc));
        char *got =
            stix_canonical_add_marking_at(cases[i].doc, len, TEST_MARKING, &glen, &off, &ins);
        assert_non_null(got);
        if (off != cases[i].off || ins != strlen(cases[i].run) ||
            memcmp(got + off, cases[i].run, ins) != 0)
            fail_msg("%s: run at %zu '%.*s', want at %zu '%s'", cases[i].doc, off, (int)ins,
                     got + off, cases[i].off, cases[i].run);
        free(got);
    }
    assert_int_equal(with_list, 2);
    assert_int_equal(without_list, 3);
    /* Declined splices leave the offsets alone and say NULL like add_marking. */
    size_t off = 7, ins = 9;
    assert_null(
        stix_canonical_add_marking_at("{\"a\\\"b\":1}", 10, TEST_MARKING, NULL, &off, &ins));
    assert_int_equal(off, 7);
    assert_int_equal(ins, 9);
}

/* Every top-level object of one file (a bundle's objects, a list, or one object). */
static void file_objects(const char *path, size_t *objects)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *list, *o;
    size_t i;

    if (root == NULL)
        return;
    list = json_is_array(root) ? root : json_object_get(root, "objects");
    if (!json_is_array(list)) {
        list = json_array();
        json_array_append(list, root);
    } else {
        json_incref(list);
    }
    json_array_foreach(list, i, o)
    {
        size_t len = 0;
        if (!json_is_object(o))
            continue;
        char *canon = stix_canonical(o, &len);
        json_t *refs = json_object_get(o, "object_marking_refs");
        slot_same(o, path);
        if (cut_same(canon, len, path))
            (*objects)++;
        else if (strchr(canon, '\\') == NULL && (refs == NULL || json_is_array(refs)))
            fail_msg("%s: no splice for %.300s", path, canon);
        free(canon);
    }
    json_decref(list);
    json_decref(root);
}

static void walk_dir(const char *dir, size_t *objects)
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
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
            file_objects(path, objects);
        else
            walk_dir(path, objects); /* fails quietly on plain files */
    }
    closedir(d);
}

static void shared_data(void **state)
{
    size_t objects = 0;
    DIR *d = opendir(SHARED_DATA "/attack-ics");

    if (d == NULL)
        skip();
    closedir(d);
    (void)state;
    with_list = without_list = 0;
    slot_spliced = slot_only = 0;
    walk_dir(SHARED_DATA "/attack-ics", &objects);
    walk_dir(SHARED_DATA "/feeds2stix", &objects);
    printf("# cut checked on %zu objects: %zu with a marking list, %zu without; the writer's "
           "slot gave the same splice for %zu, and the only one for %zu\n",
           objects, with_list, without_list, slot_spliced, slot_only);
    assert_true(slot_spliced >= objects);
    /* ATT&CK objects carry object_marking_refs, feeds2stix indicators mostly do not. */
    assert_true(with_list > 1000);
    assert_true(without_list > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_cases),
        cmocka_unit_test(slot_cases),
        cmocka_unit_test(shared_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
