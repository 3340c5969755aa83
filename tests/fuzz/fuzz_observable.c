/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_observable.c: libFuzzer driver for analyze_observable_parse and analyze_query_parse.
 * The first byte picks the type hint, the rest is the value. Besides crashes and sanitizer
 * reports it checks the parser's promises: a failure is RK_E_INVALID or RK_E_TOOBIG with one
 * line of printable ASCII; a success has a real type and a value of its stated length within
 * the cap; normalising a normalised value changes nothing (a key is stable); an address or
 * range contains itself and is its own covering range; the answer is deterministic; a query's
 * items are each such values, at most ANALYZE_QUERY_MAX of them and with distinct keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct rk_err *err, int rc)
{
    if (rc != RK_E_INVALID && rc != RK_E_TOOBIG)
        abort();
    if (err->code != rc || err->msg[0] == '\0')
        abort();
    for (const char *c = err->msg; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            abort();
}

/* Aborts unless o is a well-formed result that normalises to itself. */
static void check_observable(const struct analyze_observable *o)
{
    if (o->type == ANALYZE_OBS_ANY || o->type == ANALYZE_OBS_HASH || o->type > ANALYZE_OBS_HASH)
        abort();
    if (o->len != strlen(o->value) || o->len > ANALYZE_VALUE_MAX || o->len == 0)
        abort();
    struct analyze_observable *again = malloc(sizeof *again);
    struct rk_err err = {0};
    if (again == NULL)
        return;
    if (analyze_observable_parse(o->value, o->len, o->type, again, &err) != 0 ||
        again->type != o->type || strcmp(again->value, o->value) != 0)
        abort();
    if (o->type == ANALYZE_OBS_IPV4 || o->type == ANALYZE_OBS_IPV6 ||
        o->type == ANALYZE_OBS_CIDR4 || o->type == ANALYZE_OBS_CIDR6) {
        if (!analyze_cidr_contains(o, o))
            abort();
        if (analyze_covering_cidr(o, o->prefix, again) != 0 || strcmp(again->value, o->value) != 0)
            abort();
        if (analyze_covering_cidr(o, 0, again) != 0 || !analyze_cidr_contains(again, o))
            abort();
    }
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum analyze_obs_type hint = (enum analyze_obs_type)(data[0] % (ANALYZE_OBS_HASH + 1));
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    struct analyze_observable *o = malloc(2 * sizeof *o);
    if (o == NULL)
        return 0;
    struct rk_err err = {0}, err2 = {0};
    int rc = analyze_observable_parse(text, len, hint, &o[0], &err);
    int rc2 = analyze_observable_parse(text, len, hint, &o[1], &err2);
    if (rc != rc2)
        abort();
    if (rc == 0) {
        check_observable(&o[0]);
        if (o[0].type != o[1].type || strcmp(o[0].value, o[1].value) != 0)
            abort();
    } else {
        check_message(&err, rc);
        if (strcmp(err.msg, err2.msg) != 0)
            abort();
    }
    free(o);

    struct analyze_query q;
    struct rk_err qerr = {0};
    rc = analyze_query_parse(text, len, &q, &qerr);
    if (rc == 0) {
        if (q.n == 0 || q.n > ANALYZE_QUERY_MAX)
            abort();
        for (size_t i = 0; i < q.n; i++)
            check_observable(&q.items[i]);
    } else {
        check_message(&qerr, rc);
        if (q.items != NULL || q.n != 0)
            abort();
    }
    analyze_query_free(&q);
    return 0;
}
