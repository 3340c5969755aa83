/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_world.h: the small hub the access tests read through: a temporary store with the
 * coordinator "coord", two finance members (fin1 contributor, fin2 reader) and a railways
 * reader (rail), plus an anonymous requester. Collections are each test's own.
 */
#ifndef RK_TEST_POLICY_WORLD_H
#define RK_TEST_POLICY_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/test_store_helpers.h"
#include "policy/policy.h"

struct policy_world {
    char dir[64];
    char db[128];
    struct store *store;
    struct rk_hub hub;
    struct policy_principal anon, fin1, fin2, rail, coord;
};

/* The principal of organisation name with role, as authentication would give it. */
static inline struct policy_principal world_principal(struct store *s, const char *name, int role)
{
    struct policy_principal p;
    struct store_org o = {0};
    struct rk_err err;

    memset(&p, 0, sizeof(p));
    if (store_org_get(s, name, &o, &err) != 0) {
        fprintf(stderr, "world: no organisation %s: %s\n", name, err.msg);
        abort();
    }
    p.authenticated = true;
    snprintf(p.org_id, sizeof(p.org_id), "%s", o.id);
    snprintf(p.org_name, sizeof(p.org_name), "%s", o.name);
    snprintf(p.sector, sizeof(p.sector), "%s", o.sector);
    p.role = role;
    store_org_clear(&o);
    return p;
}

/* Creates the world in a fresh directory named after tag; 0, or -1 with a message. */
static inline int world_open(struct policy_world *w, const char *tag)
{
    char token[POLICY_TOKEN_LEN + 1];
    struct store_org o = {0};
    struct rk_err err;

    snprintf(w->dir, sizeof(w->dir), "/tmp/rk-%s-XXXXXX", tag);
    if (mkdtemp(w->dir) == NULL)
        return -1;
    snprintf(w->db, sizeof(w->db), "%s/renkei.db", w->dir);
    if (tstore_open_at(w->db, &w->store, &err) != 0 ||
        policy_hub_init(w->store, "coord", token, &err) != 0 ||
        policy_hub_load(w->store, &w->hub, &err) != 0) {
        fprintf(stderr, "world: %s\n", err.msg);
        return -1;
    }
    w->hub.store = w->store;
    const char *orgs[][2] = {{"fin1", "finance"}, {"fin2", "finance"}, {"rail", "railways"}};
    for (size_t i = 0; i < 3; i++) {
        if (policy_org_add(w->store, orgs[i][0], orgs[i][1], STORE_ANON_NAMED, &o, &err) != 0) {
            fprintf(stderr, "world: %s\n", err.msg);
            return -1;
        }
        store_org_clear(&o);
    }
    w->anon.role = STORE_ROLE_READER;
    w->fin1 = world_principal(w->store, "fin1", STORE_ROLE_CONTRIBUTOR);
    w->fin2 = world_principal(w->store, "fin2", STORE_ROLE_READER);
    w->rail = world_principal(w->store, "rail", STORE_ROLE_READER);
    w->coord = world_principal(w->store, "coord", STORE_ROLE_COORDINATOR);
    return 0;
}

/* Closes the store and removes its files and directory. */
static inline void world_close(struct policy_world *w)
{
    char p[160];
    store_close(w->store);
    unlink(w->db);
    snprintf(p, sizeof(p), "%s-wal", w->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", w->db);
    unlink(p);
    rmdir(w->dir);
}

#endif /* RK_TEST_POLICY_WORLD_H */
