/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tally.c: adds up the TAXII status resources of a push, keeping the details of every
 * refused object so that the user learns what failed, where and why.
 */
#include "sync.h"

#include <stdlib.h>
#include <string.h>

/* A count property of a status resource: a non-negative integer. */
static int get_count(const json_t *status, const char *key, size_t *out)
{
    const json_t *v = json_object_get(status, key);
    if (v == NULL) {
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return RK_E_INVALID;
    *out = (size_t)json_integer_value(v);
    return 0;
}

static const char *str_or_empty(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int sync_tally_add(struct sync_tally *t, const json_t *status, const char *file, struct rk_err *err)
{
    size_t total, success, failure, pending;
    if (!json_is_object(status) || !json_is_string(json_object_get(status, "status")))
        return rk_err_set(err, RK_E_INVALID, "the server's answer is not a TAXII status resource");
    if (get_count(status, "total_count", &total) != 0 ||
        get_count(status, "success_count", &success) != 0 ||
        get_count(status, "failure_count", &failure) != 0 ||
        get_count(status, "pending_count", &pending) != 0)
        return rk_err_set(err, RK_E_INVALID,
                          "the server's status resource has a count that is not a "
                          "non-negative integer");
    const json_t *list = json_object_get(status, "failures");
    if (list != NULL && !json_is_array(list))
        return rk_err_set(err, RK_E_INVALID,
                          "the server's status resource has a \"failures\" that is not a list");

    t->total += total;
    t->success += success;
    t->failure += failure;
    t->pending += pending;
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d)
    {
        if (t->nfailures == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 16;
            t->failures = rk_realloc(t->failures, t->cap * sizeof(*t->failures));
        }
        struct sync_failure *f = &t->failures[t->nfailures++];
        f->id = rk_strdup(str_or_empty(d, "id"));
        f->version = rk_strdup(str_or_empty(d, "version"));
        f->message = rk_strdup(str_or_empty(d, "message"));
        f->file = file;
    }
    return 0;
}

void sync_tally_free(struct sync_tally *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nfailures; i++) {
        free(t->failures[i].id);
        free(t->failures[i].version);
        free(t->failures[i].message);
    }
    free(t->failures);
    memset(t, 0, sizeof(*t));
}
