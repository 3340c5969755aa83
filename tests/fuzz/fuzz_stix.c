/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_stix.c: libFuzzer driver for one STIX object: stix_validate, and for valid objects
 * stix_meta_get and a canonical round trip that must give the same bytes twice.
 * stix_validate_meta (what ingest calls) must say exactly what the two separate calls say.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *obj, *back;
    struct rk_err err;
    struct stix_meta meta;
    size_t l1, l2;
    char *c1, *c2;

    if (size > 65536)
        return 0;
    obj = json_loadb((const char *)data, size, 0, &je);
    if (obj == NULL)
        return 0;
    struct rk_err err2;
    struct stix_meta meta2;
    rk_err_clear(&err2);
    int rc2 = stix_validate_meta(obj, &meta2, &err2);
    int rc1 = stix_validate(obj, &err);
    if (rc1 != 0) {
        if (err.code != RK_E_INVALID || err.msg[0] == '\0' || strlen(err.msg) >= 400)
            abort();
        if (rc2 != rc1 || strcmp(err.msg, err2.msg) != 0)
            abort();
        json_decref(obj);
        return 0;
    }
    if (stix_meta_get(obj, &meta, &err) != 0 || strncmp(meta.id, meta.type, strlen(meta.type)))
        abort();
    if (rc2 != 0 || memcmp(&meta, &meta2, sizeof(meta)) != 0)
        abort();
    c1 = stix_canonical(obj, &l1);
    back = c1 != NULL ? json_loadb(c1, l1, 0, &je) : NULL;
    c2 = back != NULL ? stix_canonical(back, &l2) : NULL;
    if (c2 == NULL || l1 != l2 || memcmp(c1, c2, l1) != 0)
        abort();
    free(c1);
    free(c2);
    json_decref(back);
    json_decref(obj);
    return 0;
}
