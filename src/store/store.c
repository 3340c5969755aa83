/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c: backend-independent parts of the store: opening a store by its location,
 * closing it, and freeing returned entities.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backends.h"

/* Schemes of backends renkei may have but this build does not, and their names. */
static const struct {
    const char *scheme;
    const char *name;
} not_built[] = {{"postgresql", "PostgreSQL"}, {"postgres", "PostgreSQL"}};

int store_open(const char *location, struct store **out, struct rk_err *err)
{
    static const char sqlite_prefix[] = "sqlite:";
    const char *sep;

    if (out != NULL)
        *out = NULL;
    if (location == NULL || location[0] == '\0' || out == NULL)
        return rk_err_set(err, RK_E_INVALID, "cannot open store: no location");
    if (strncmp(location, sqlite_prefix, sizeof(sqlite_prefix) - 1) == 0)
        return store_sqlite_open(location + sizeof(sqlite_prefix) - 1, out, err);
    /* A scheme is letters, digits, '+', '-' or '.' before "://"; anything else is a path
     * (a file may well be called "a:b"). */
    sep = strstr(location, "://");
    if (sep != NULL && sep > location &&
        strspn(location, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") ==
            (size_t)(sep - location)) {
        size_t n = (size_t)(sep - location);
        for (size_t i = 0; i < sizeof(not_built) / sizeof(not_built[0]); i++)
            if (strlen(not_built[i].scheme) == n &&
                strncasecmp(location, not_built[i].scheme, n) == 0)
                return rk_err_set(err, RK_E_UNSUPPORTED,
                                  "cannot open store: the %s backend is not built into this "
                                  "renkei (built in: sqlite)",
                                  not_built[i].name);
        return rk_err_set(err, RK_E_INVALID,
                          "cannot open store: unknown kind of location '%.*s://' (use "
                          "sqlite:PATH or a path)",
                          (int)(n < 32 ? n : 32), location);
    }
    return store_sqlite_open(location, out, err);
}

void store_close(struct store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

void store_org_clear(struct store_org *o)
{
    if (o == NULL)
        return;
    free(o->name);
    free(o->sector);
    free(o->identity_id);
    free(o->own_identifiers);
    o->name = o->sector = o->identity_id = o->own_identifiers = NULL;
}

void store_token_clear(struct store_token *t)
{
    if (t == NULL)
        return;
    free(t->label);
    t->label = NULL;
}

void store_collection_clear(struct store_collection *c)
{
    if (c == NULL)
        return;
    free(c->title);
    free(c->description);
    free(c->alias);
    free(c->read_spec);
    free(c->write_spec);
    c->title = c->description = c->alias = c->read_spec = c->write_spec = NULL;
}

void store_status_clear(struct store_status *st)
{
    if (st == NULL)
        return;
    free(st->json);
    st->json = NULL;
}

void store_tokens_free(struct store_token *tokens, size_t n)
{
    if (tokens == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        store_token_clear(&tokens[i]);
    free(tokens);
}

void store_orgs_free(struct store_org *orgs, size_t n)
{
    if (orgs == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        store_org_clear(&orgs[i]);
    free(orgs);
}

void store_collections_free(struct store_collection *cs, size_t n)
{
    if (cs == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        store_collection_clear(&cs[i]);
    free(cs);
}

struct store_observable *store_observables_pack(const struct store_observable *rows, size_t n)
{
    size_t keys = 0;
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        keys += strlen(rows[i].key) + 1;
    struct store_observable *out = rk_malloc(n * sizeof(*out) + keys);
    char *at = (char *)(out + n);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(rows[i].key);
        out[i] = rows[i];
        memcpy(at, rows[i].key, len + 1);
        out[i].key = at;
        at += len + 1;
    }
    return out;
}
