/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_stix.c: libFuzzer driver for one STIX object: stix_validate, and for valid objects
 * stix_meta_get and a canonical round trip that must give the same bytes twice.
 * stix_validate_meta (what ingest calls) must say exactly what the two separate calls say,
 * besides its warnings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"
#include "../unit/stix/stix_test_util.h"

/* The marking spliced at the writer's slot is the object marked in its tree and written
 * again, and the same as what reading the text for the place gives, when that splices. */
static void marking_check(const json_t *obj, const char *canon, size_t len,
                          const struct stix_marking_slot *slot)
{
    size_t sl = 0, so = 0, si = 0, rl = 0, ro = 0, ri = 0, wl = 0;
    char *by_slot = stix_canonical_add_marking_slot(canon, len, slot, TEST_MARKING, &sl, &so, &si);
    char *by_read = stix_canonical_add_marking_at(canon, len, TEST_MARKING, &rl, &ro, &ri);
    if (by_slot != NULL) {
        char *want = marked_by_tree(obj, &wl);
        if (want == NULL || wl != sl || memcmp(want, by_slot, sl) != 0)
            abort();
        if (sl - si != len || memcmp(by_slot, canon, so) != 0 ||
            memcmp(by_slot + so + si, canon + so, len - so) != 0)
            abort();
        if (by_read != NULL && (rl != sl || ro != so || ri != si || memcmp(by_read, by_slot, sl)))
            abort();
        free(want);
    } else if (slot->ok) {
        abort(); /* a slot always splices a plain marking id */
    }
    free(by_slot);
    free(by_read);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *obj, *back;
    struct rk_err err;
    struct stix_meta meta;
    size_t l1, l2;
    char *c1, *c2;
    struct stix_marking_slot slot;

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
    if (rc2 != 0)
        abort();
    /* Validation's warnings (an indicator's pattern) are its own; the rest is meta's. */
    if (meta2.warning.count > 0 &&
        (strncmp(meta2.warning.msg, "pattern: ", 9) != 0 || meta.warning.count != 0))
        abort();
    memset(&meta2.warning, 0, sizeof(meta2.warning));
    if (memcmp(&meta, &meta2, sizeof(meta)) != 0)
        abort();
    c1 = stix_canonical_slot(obj, &l1, &slot);
    if (c1 != NULL)
        marking_check(obj, c1, l1, &slot);
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
