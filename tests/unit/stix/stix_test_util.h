/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_test_util.h: helpers shared by the STIX unit tests and the fuzz drivers (which include
 * it as "../unit/stix/stix_test_util.h"): JSON written with single quotes (so that test
 * objects stay readable in C strings), a few identifiers, and the references that splices
 * and the value cap are held to.
 */
#ifndef RK_STIX_TEST_UTIL_H
#define RK_STIX_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

#define U         "--6ba7b810-9dad-41d1-80b4-00c04fd430c8"
#define U2        "--9d1b1a2e-52c4-4e5b-8a1e-0a6c1b1e2f30"
#define TS        "'created':'2024-01-02T03:04:05.000Z','modified':'2024-01-02T03:04:05.000Z'"
#define SDO(type) "'type':'" type "','spec_version':'2.1','id':'" type U "'," TS

/* Parses s after turning every ' into ", failing the test if it is not JSON. */
static inline json_t *tj(const char *s)
{
    char *copy = strdup(s);
    json_error_t je;
    json_t *j;

    for (char *p = copy; *p != '\0'; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(copy, 0, &je);
    if (j == NULL)
        fprintf(stderr, "bad test JSON: %s: %s\n", je.text, copy);
    free(copy);
    return j;
}

/* A TLP 2.0 marking-definition id, for the tests of splicing a marking into text. */
#define TEST_MARKING "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

/* The canonical text of o with TEST_MARKING appended to its object_marking_refs (created if
 * absent), as policy_tlp_mark marks a tree, serialised again: what any splice must give. */
static inline char *marked_by_tree(const json_t *o, size_t *len)
{
    json_t *copy = json_deep_copy(o);
    json_t *refs = json_object_get(copy, "object_marking_refs");
    if (refs == NULL)
        json_object_set_new(copy, "object_marking_refs", refs = json_array());
    json_array_append_new(refs, json_string(TEST_MARKING));
    char *text = stix_canonical(copy, len);
    json_decref(copy);
    return text;
}

/* The number of values of v (containers, strings, numbers, literals), as
 * stix_json_parse_capped counts them. */
static inline size_t count_values(const json_t *v)
{
    size_t n = 1, i;
    const char *k;
    json_t *c;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, k, c) n += count_values(c);
    else if (json_is_array(v))
        json_array_foreach(v, i, c) n += count_values(c);
    return n;
}

#endif /* RK_STIX_TEST_UTIL_H */
