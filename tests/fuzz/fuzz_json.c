/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_json.c: libFuzzer driver for what a TAXII POST body goes through: bytes to JSON
 * with a size and depth cap, the envelope shape check, stix_validate and stix_meta_get on
 * every object, and the canonical form of each valid one (which must parse back).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *root, *objs, *o;
    size_t i;

    if (size > FUZZ_MAX_BYTES)
        return 0;
    root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return 0;
    if (too_deep(root, FUZZ_MAX_DEPTH) || !json_is_object(root)) {
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
