/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pattern.c: libFuzzer driver for stix_pattern_validate. Besides crashes and sanitizer
 * reports it checks the validator's own promises: a failure is RK_E_INVALID with a message
 * "pattern: ... at offset N" where N lies within the input; warnings (a property the
 * specification does not define, a hash name outside hash-algorithm-ov) come only with
 * success and have the same form; every message is one line of printable ASCII; and the
 * answer, warnings included, is deterministic. stix_pattern_parse must give the same verdict
 * and message; its tree must keep the promises of stix.h (counts that match the lists, one kid
 * under an observation, one value per comparison but IN's and none for EXISTS, a path of
 * the steps), and stix_pattern_observables must list exactly the values of the comparisons
 * with = and IN that are not negated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless msg is "pattern: ... at offset N", N <= len, in printable ASCII. */
static void check_message(const char *msg, size_t len)
{
    if (strncmp(msg, "pattern: ", 9) != 0)
        abort();
    for (const char *c = msg; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            abort();
    /* The message may quote input, so the offset is the last " at offset ". */
    const char *at = NULL;
    for (const char *q = strstr(msg, " at offset "); q != NULL; q = strstr(q + 1, " at offset "))
        at = q;
    if (at == NULL)
        abort();
    char *end;
    size_t off = strtoul(at + 11, &end, 10);
    /* The offset ends the message (a warning may add how many there were in all) and is
     * never past the end of the input. */
    if ((*end != '\0' && strncmp(end, " (", 2) != 0) || off > len)
        abort();
}

/* Checks the tree under n; returns the number of values the observables walk must list. */
static size_t check_tree(const struct stix_pat_node *n, int depth)
{
    size_t kids = 0, want = 0;
    if (depth > 1000)
        abort();
    if (n->kind == STIX_PAT_COMPARISON) {
        const struct stix_pat_comparison *c = &n->cmp;
        size_t values = 0;
        if (c->type == NULL || c->path == NULL || c->steps == NULL || n->kids != NULL)
            abort();
        for (const struct stix_pat_value *v = c->values; v != NULL; v = v->next) {
            if (v->text == NULL || v->text[v->len] != '\0')
                abort();
            values++;
        }
        if (values != c->nvalues || (c->op == STIX_OP_EXISTS && values != 0) ||
            (c->op != STIX_OP_EXISTS && c->op != STIX_OP_IN && values != 1))
            abort();
        return !c->negated && (c->op == STIX_OP_EQ || c->op == STIX_OP_IN) ? values : 0;
    }
    for (const struct stix_pat_node *k = n->kids; k != NULL; k = k->next) {
        want += check_tree(k, depth + 1);
        kids++;
    }
    if (kids != n->nkids)
        abort();
    if ((n->kind == STIX_PAT_OBSERVATION || n->kind == STIX_PAT_GROUP) ? kids != 1 : kids < 2)
        abort();
    return want;
}

static int count_observable(void *ctx, const char *type, const char *path,
                            const struct stix_pat_value *v)
{
    if (type == NULL || path == NULL || v == NULL)
        abort();
    (*(size_t *)ctx)++;
    return 0;
}

/* stix_pattern_parse agrees with the validator's verdict rc and message msg. */
static void check_parse(const char *s, int rc, const char *msg)
{
    struct rk_err err = {0};
    struct stix_pattern *p = NULL;
    if (stix_pattern_parse(s, &p, &err) != rc || strcmp(err.msg, msg) != 0)
        abort();
    if (rc != 0) {
        if (p != NULL)
            abort();
        return;
    }
    size_t want = check_tree(p->root, 0), got = 0;
    if (stix_pattern_observables(p, count_observable, &got) != 0 || got != want)
        abort();
    stix_pattern_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct rk_err err = {0};
    struct stix_warning warn;
    int rc = stix_pattern_validate(s, &err, &warn);
    if (rc != 0) {
        if (rc != RK_E_INVALID || err.code != RK_E_INVALID)
            abort();
        check_message(err.msg, strlen(s));
        if (warn.count != 0 || warn.msg[0] != '\0')
            abort();
    } else if (warn.count > 0) {
        check_message(warn.msg, strlen(s));
    } else if (warn.msg[0] != '\0') {
        abort();
    }
    struct rk_err again = {0};
    struct stix_warning warn2;
    if (stix_pattern_validate(s, &again, &warn2) != rc || strcmp(err.msg, again.msg) != 0 ||
        warn2.count != warn.count || strcmp(warn.msg, warn2.msg) != 0)
        abort();
    /* Without a warning buffer the verdict is the same. */
    if (stix_pattern_validate(s, NULL, NULL) != rc)
        abort();
    check_parse(s, rc, err.msg);
    free(s);
    return 0;
}
