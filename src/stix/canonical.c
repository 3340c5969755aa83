/* SPDX-License-Identifier: Apache-2.0 */
/*
 * canonical.c: stix_canonical, the one serialisation renkei stores and compares: compact,
 * keys sorted, UTF-8 left unescaped, reals with 17 significant digits so that they
 * round-trip. Two bodies that parse to the same JSON give the same bytes.
 */
#include <string.h>

#include "stix/stix_int.h"

char *stix_canonical(const json_t *obj, size_t *len)
{
    char *s =
        json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);

    /* jansson only fails on allocation or invalid UTF-8 it was built from; treat as OOM-like. */
    if (len != NULL)
        *len = s != NULL ? strlen(s) : 0;
    return s;
}
