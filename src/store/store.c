/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: backend-independent parts of the store: closing and freeing returned entities. */
#include "store.h"

#include <stdlib.h>

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
