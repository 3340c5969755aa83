/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pattern.c: libFuzzer driver for stix_pattern_validate. Besides crashes and sanitizer
 * reports it checks the validator's own promises: a failure is RK_E_INVALID with a message
 * "pattern: ... at offset N" where N lies within the input, and the answer is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct rk_err err = {0};
    int rc = stix_pattern_validate(s, &err);
    if (rc != 0) {
        if (rc != RK_E_INVALID || err.code != RK_E_INVALID)
            abort();
        if (strncmp(err.msg, "pattern: ", 9) != 0)
            abort();
        /* The message may quote input, so the offset is the last " at offset ". */
        const char *at = NULL;
        for (const char *q = strstr(err.msg, " at offset "); q != NULL;
             q = strstr(q + 1, " at offset "))
            at = q;
        if (at == NULL)
            abort();
        /* The offset ends the message and is never past the end of the input. */
        char *end;
        size_t off = strtoul(at + 11, &end, 10);
        if (*end != '\0' || off > strlen(s))
            abort();
    }
    struct rk_err again = {0};
    if (stix_pattern_validate(s, &again) != rc || strcmp(err.msg, again.msg) != 0)
        abort();
    free(s);
    return 0;
}
