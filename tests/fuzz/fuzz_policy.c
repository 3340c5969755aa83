/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_policy.c: libFuzzer driver for the policy inputs: the policy document (admin API and
 * `renkei policy load`), own-identifier files (`renkei org add --own-identifiers`) and the
 * matcher that scans every posted string against them. The first byte picks the parser; for
 * the matcher the rest is "identifiers\0value".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_err err;
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    switch (data[0] % 3) {
    case 0: {
        struct policy_doc doc;
        if (policy_doc_parse(NULL, text, size - 1, &doc, &err) == 0) {
            /* What serialises must parse back. */
            char *again = policy_doc_to_json(&doc);
            struct policy_doc back;
            if (policy_doc_parse(NULL, again, strlen(again), &back, &err) != 0)
                abort();
            policy_doc_clear(&back);
            free(again);
            policy_doc_clear(&doc);
        }
        break;
    }
    case 1: {
        struct policy_ownids *ids = NULL;
        if (policy_ownids_parse(text, &ids, &err) == 0) {
            struct policy_ownids *back = NULL;
            if (policy_ownids_parse(policy_ownids_text(ids), &back, &err) != 0 ||
                policy_ownids_count(back) != policy_ownids_count(ids))
                abort();
            policy_ownids_free(back);
        }
        policy_ownids_free(ids);
        break;
    }
    default: {
        struct policy_ownids *ids = NULL;
        const char *value = text + strlen(text);
        value = value < text + size - 1 ? value + 1 : value;
        if (policy_ownids_parse(text, &ids, &err) == 0)
            (void)policy_ownids_match(ids, value);
        policy_ownids_free(ids);
    }
    }
    free(text);
    return 0;
}
