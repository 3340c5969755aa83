/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audience.c: collection audiences ("all", "public", "sector:a,b", "org:n,m"). Matching is
 * pure and allocation-free so that the access check (access.c) can run it on every row a
 * query returns.
 */
#include "policy/policy_int.h"

#include <string.h>

/* Largest audience spec we accept, so that every input has a cap. */
#define SPEC_MAX 4096

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Walks the comma-separated list p, trimming blanks around each item, and calls fn on each.
 * Stops and returns fn's non-zero result, or returns 0 after the last item.
 */
static int each_item(const char *p, policy_item_fn fn, void *ctx)
{
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma != NULL ? comma : p + strlen(p);
        const char *a = p;
        const char *b = end;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        int rc = fn(ctx, a, (size_t)(b - a));
        if (rc != 0)
            return rc;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

int policy_list_each(const char *list, policy_item_fn fn, void *ctx)
{
    return list != NULL ? each_item(list, fn, ctx) : 0;
}

struct match_ctx {
    const char *want; /* the item looked for */
    size_t len;       /* its length */
};

static int match_item(void *ctx, const char *item, size_t len)
{
    const struct match_ctx *m = ctx;
    return m->len == len && memcmp(m->want, item, len) == 0 ? 1 : 0;
}

bool policy_list_has(const char *list, const char *item)
{
    struct match_ctx m = {item, item != NULL ? strlen(item) : 0};

    return list != NULL && m.len > 0 && each_item(list, match_item, &m) == 1;
}

bool policy_in_audience(const struct policy_principal *who, const char *spec)
{
    if (spec == NULL)
        return false;
    if (policy_is_metrics_only(who))
        return false; /* not even public: a metrics token reads metrics only */
    if (strcmp(spec, "public") == 0)
        return true;
    if (!policy_is_member(who))
        return false;
    if (policy_is_coordinator(who))
        return true;
    if (strcmp(spec, "all") == 0)
        return true;
    if (rk_starts_with(spec, "sector:"))
        return policy_list_has(spec + 7, who->sector);
    if (rk_starts_with(spec, "org:"))
        return policy_list_has(spec + 4, who->org_name);
    return false;
}

bool policy_readable_by_every_member(const struct store_collection *c, int tlp)
{
    if (c == NULL || c->read_spec == NULL || (tlp != POLICY_TLP_CLEAR && tlp != POLICY_TLP_GREEN))
        return false;
    return strcmp(c->read_spec, "all") == 0 || strcmp(c->read_spec, "public") == 0;
}

bool policy_may_read_collection(const struct policy_principal *who,
                                const struct store_collection *c)
{
    return c != NULL && policy_in_audience(who, c->read_spec);
}

bool policy_may_write_collection(const struct policy_principal *who,
                                 const struct store_collection *c)
{
    if (c == NULL || !policy_is_member(who))
        return false;
    if (policy_is_coordinator(who))
        return true;
    if (who->role != STORE_ROLE_CONTRIBUTOR && who->role != STORE_ROLE_ANALYST)
        return false;
    return policy_in_audience(who, c->write_spec);
}

int policy_writers_count(struct store *s, const struct store_collection *c, const char *sector,
                         int64_t *all, int64_t *in_sector, struct rk_err *err)
{
    struct store_org *orgs = NULL;
    size_t n = 0;
    int rc;

    *all = *in_sector = 0;
    if (c == NULL)
        return 0;
    rc = store_org_list(s, &orgs, &n, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct policy_principal p;
        if (strcmp(orgs[i].sector, POLICY_COORDINATION_SECTOR) == 0)
            continue; /* the coordinator is not a member: it hides no one */
        if (orgs[i].disabled)
            continue; /* it left: a post cannot have come from it */
        memset(&p, 0, sizeof(p));
        p.authenticated = true;
        p.role = STORE_ROLE_CONTRIBUTOR;
        policy_copy_str(p.org_id, sizeof(p.org_id), orgs[i].id);
        policy_copy_str(p.org_name, sizeof(p.org_name), orgs[i].name);
        policy_copy_str(p.sector, sizeof(p.sector), orgs[i].sector);
        if (!policy_may_write_collection(&p, c))
            continue;
        (*all)++;
        if (sector != NULL && strcmp(orgs[i].sector, sector) == 0)
            (*in_sector)++;
    }
    store_orgs_free(orgs, n);
    return 0;
}

struct rename_ctx {
    const char *old;      /* the name replaced */
    const char *new_name; /* its replacement */
    struct rk_buf *out;   /* the list being written */
    bool found;           /* old was an item */
};

static int rename_item(void *ctx, const char *item, size_t len)
{
    struct rename_ctx *r = ctx;
    bool hit = strlen(r->old) == len && memcmp(r->old, item, len) == 0;

    if (r->out->len > 4)
        rk_buf_putc(r->out, ',');
    if (hit)
        rk_buf_puts(r->out, r->new_name);
    else
        rk_buf_append(r->out, item, len);
    r->found |= hit;
    return 0;
}

bool policy_spec_rename_org(const char *spec, const char *old, const char *new_name,
                            struct rk_buf *out)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rename_ctx r = {old, new_name, &b, false};

    if (spec == NULL || !rk_starts_with(spec, "org:") || !policy_list_has(spec + 4, old))
        return false;
    rk_buf_puts(&b, "org:");
    (void)each_item(spec + 4, rename_item, &r);
    rk_buf_append(out, b.data, b.len);
    rk_buf_free(&b);
    return r.found;
}

struct check_ctx {
    struct store *store;
    struct rk_err *err;
    bool sectors; /* true: items are sector keys; false: organisation names */
};

static int check_item(void *ctx, const char *item, size_t len)
{
    struct check_ctx *c = ctx;
    char name[256];
    struct store_org org = {0};
    int rc;

    if (len == 0)
        return rk_err_set(c->err, RK_E_INVALID, "empty %s in the list",
                          c->sectors ? "sector" : "organisation");
    if (len >= sizeof(name))
        return rk_err_set(c->err, RK_E_INVALID, "%s name too long",
                          c->sectors ? "sector" : "organisation");
    memcpy(name, item, len);
    name[len] = '\0';
    if (c->sectors) {
        return policy_sector_check(c->store, name, c->err);
    }
    rc = store_org_get(c->store, name, &org, c->err);
    store_org_clear(&org);
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(c->err, RK_E_INVALID, "unknown organisation '%s'", name);
    return rc;
}

int policy_spec_check(struct store *s, const char *spec, struct rk_err *err)
{
    struct check_ctx c = {s, err, true};
    int rc;

    if (spec == NULL || spec[0] == '\0')
        return rk_err_set(err, RK_E_INVALID,
                          "empty audience (use all, public, sector:a,b or org:n,m)");
    if (strlen(spec) > SPEC_MAX)
        return rk_err_set(err, RK_E_INVALID, "audience longer than %d bytes", SPEC_MAX);
    if (strcmp(spec, "all") == 0 || strcmp(spec, "public") == 0)
        return 0;
    if (rk_starts_with(spec, "sector:")) {
        rc = each_item(spec + 7, check_item, &c);
    } else if (rk_starts_with(spec, "org:")) {
        c.sectors = false;
        rc = each_item(spec + 4, check_item, &c);
    } else {
        return rk_err_set(err, RK_E_INVALID,
                          "bad audience '%s' (use all, public, sector:a,b or org:n,m)", spec);
    }
    return rc;
}
