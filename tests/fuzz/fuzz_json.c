/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json.c: libFuzzer driver for what a TAXII POST body goes through: bytes to JSON
 * through stix_json_parse (the in-place envelope parser), which must agree with json_loadb
 * (same acceptance, same error, the same tree with the same key order), then a size and
 * depth cap, the envelope shape check, stix_validate and stix_meta_get on every object, and
 * the canonical form of each valid one (which must parse back).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "../unit/stix/stix_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Envelopes larger than this are refused before parsing, as the HTTP layer does. */
#define FUZZ_MAX_BYTES (1u << 20)
#define FUZZ_MAX_DEPTH 64

/* True if j nests deeper than max. */
static int too_deep(const json_t *j, int max)
{
    const char *key;
    json_t *v;
    size_t i;

    if (max < 0)
        return 1;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, key, v) if (too_deep(v, max - 1)) return 1;
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) if (too_deep(v, max - 1)) return 1;
    }
    return 0;
}

/* True if a and b are the same tree: types, values (strings byte for byte, reals exactly)
 * and the order of object keys, which json_equal does not compare. */
static int same_tree(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b))
        return 0;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        if (json_object_size(a) != json_object_size(b))
            return 0;
        for (; ia != NULL && ib != NULL; ia = json_object_iter_next((json_t *)a, ia),
                                         ib = json_object_iter_next((json_t *)b, ib)) {
            size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
            if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) != 0 ||
                !same_tree(json_object_iter_value(ia), json_object_iter_value(ib)))
                return 0;
        }
        return ia == NULL && ib == NULL;
    }
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same_tree(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        double x = json_real_value(a), y = json_real_value(b);
        return memcmp(&x, &y, sizeof(x)) == 0;
    }
    default:
        return 1; /* true, false, null */
    }
}

/* stix_json_parse and json_loadb(flags 0) must accept the same inputs, build the same tree
 * and, on refusal, report the same error. Returns stix_json_parse's tree. */
static json_t *parse_both(const uint8_t *data, size_t size)
{
    json_error_t e1, e2;
    /* A copy of exactly size bytes, so ASan sees any read past the end of the body. */
    char *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    memset(&e1, 0, sizeof(e1));
    memset(&e2, 0, sizeof(e2));
    json_t *fast = stix_json_parse(buf, size, &e1);
    json_t *ref = json_loadb(buf, size, 0, &e2);
    if ((fast == NULL) != (ref == NULL))
        abort(); /* different acceptance */
    if (fast == NULL) {
        if (e1.line != e2.line || e1.column != e2.column || e1.position != e2.position ||
            strcmp(e1.text, e2.text) != 0)
            abort(); /* a different error */
    } else if (!same_tree(fast, ref) || !json_equal(fast, ref)) {
        abort(); /* a different tree */
    }
    json_decref(ref);
    free(buf);
    return fast;
}

/* The value cap refuses one value fewer than a document has, through either path, and the
 * fast path takes exactly as many (a document jansson reads is bounded from above). */
static void value_cap(const uint8_t *data, size_t size, const json_t *root)
{
    json_error_t je;
    bool deep, many;
    size_t n = count_values(root);
    json_t *got =
        stix_json_parse_capped((const char *)data, size, FUZZ_MAX_DEPTH, n - 1, &deep, &many, &je);
    if (got != NULL || (!many && !deep))
        abort();
    got = stix_json_parse_capped((const char *)data, size, FUZZ_MAX_DEPTH, n, &deep, &many, &je);
    if (got == NULL && !many && !deep)
        abort(); /* refused for something else than the limits: the parse itself differs */
    if (got != NULL && !json_equal(got, root))
        abort();
    json_decref(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *root, *objs, *o;
    size_t i;

    if (size > FUZZ_MAX_BYTES)
        return 0;
    root = parse_both(data, size);
    if (root == NULL)
        return 0;
    if (too_deep(root, FUZZ_MAX_DEPTH)) {
        json_decref(root);
        return 0;
    }
    value_cap(data, size, root);
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    objs = json_object_get(root, "objects");
    json_array_foreach(objs, i, o)
    {
        struct rk_err err;
        struct stix_meta meta;
        size_t len;
        char *canon;
        json_t *back;

        if (stix_validate(o, &err) != 0) {
            if (err.msg[0] == '\0' || strlen(err.msg) >= 400)
                abort();
            continue;
        }
        if (stix_meta_get(o, &meta, &err) != 0)
            abort(); /* a valid object always has what the store needs */
        canon = stix_canonical(o, &len);
        if (canon == NULL)
            abort();
        back = json_loadb(canon, len, 0, &je);
        if (back == NULL || stix_validate(back, &err) != 0)
            abort(); /* the canonical form is the same object */
        json_decref(back);
        free(canon);
    }
    json_decref(root);
    return 0;
}
