/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_test_util.h: helpers shared by the STIX unit tests: JSON written with single quotes
 * (so that test objects stay readable in C strings) and a few identifiers.
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

#endif /* RK_STIX_TEST_UTIL_H */
