/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tally.c: adds up the TAXII status resources of a push, keeping the details of every
 * refused object so that the user learns what failed, where and why, and of every object
 * the hub changed or dropped on the way (anonymised, a TLP assigned, an identity dropped).
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

/* Appends the id, version and message of status detail d to l. */
static void details_add(struct sync_details *l, const json_t *d, const char *file)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = rk_realloc(l->v, l->cap * sizeof(*l->v));
    }
    struct sync_detail *f = &l->v[l->n++];
    f->id = rk_strdup(str_or_empty(d, "id"));
    f->version = rk_strdup(str_or_empty(d, "version"));
    f->message = rk_strdup(str_or_empty(d, "message"));
    f->file = file;
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
    const json_t *ok = json_object_get(status, "successes");
    if ((list != NULL && !json_is_array(list)) || (ok != NULL && !json_is_array(ok)))
        return rk_err_set(err, RK_E_INVALID,
                          "the server's status resource has a \"failures\" or \"successes\" "
                          "that is not a list");

    t->total += total;
    t->success += success;
    t->failure += failure;
    t->pending += pending;
    size_t i;
    const json_t *d;
    json_array_foreach(list, i, d) details_add(&t->refused, d, file);
    json_array_foreach(ok, i, d) if (str_or_empty(d, "message")[0] != '\0')
        details_add(&t->changed, d, file);
    return 0;
}

static void details_free(struct sync_details *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].version);
        free(l->v[i].message);
    }
    free(l->v);
}

void sync_tally_free(struct sync_tally *t)
{
    if (t == NULL)
        return;
    details_free(&t->refused);
    details_free(&t->changed);
    memset(t, 0, sizeof(*t));
}
