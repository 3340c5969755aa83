/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.c: the list of modules serve runs. Collects their routes into the one table the HTTP
 * server routes with, each behind the gate that keeps metrics tokens to the routes of modules
 * that admit them; starts the modules in order and stops them in reverse; fans the server's
 * completion hook and SIGHUP out to them.
 */
#include "module/module.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* What the gate in front of one route needs: the handler it stands for. */
struct module_gate {
    http_handler_fn fn;         /* the module's handler */
    void *ctx;                  /* and its context */
    const struct module *owner; /* the module whose route it is */
};

struct module_set {
    const struct module *const *list; /* the modules, borrowed */
    size_t n;                         /* entries of list */
    struct module_ctx ctx;            /* what each module is given; routes point at ours */
    struct http_route *routes;        /* every route, gated */
    size_t n_routes;
    struct module_gate *gates;               /* one per route, routes[i].ctx == &gates[i] */
    size_t started;                          /* list[0..started) were started and not stopped */
    bool start_called;                       /* module_set_start ran (once) */
    void (**done)(const struct http_done *); /* request_done hooks of the started modules; set
                                                before the server starts, read-only while it
                                                runs, so the hook takes no lock */
    size_t n_done;
};

/*
 * The gate in front of every route: a metrics token reaches only the routes of modules that
 * admit it, so a route added later cannot serve it by mistake; everything else goes through
 * untouched.
 */
static int gate(void *ctx, struct http_request *req, struct http_response *resp, struct rk_err *err)
{
    const struct module_gate *g = ctx;
    if (!g->owner->metrics_role && policy_is_metrics_only(req->principal))
        return rk_err_set(err, RK_E_FORBIDDEN,
                          "a metrics token may read /metrics and nothing else");
    return g->fn(g->ctx, req, resp, err);
}

struct module_set *module_set_new(const struct module *const *list, size_t n,
                                  const struct module_ctx *base)
{
    struct module_set *set = rk_calloc(1, sizeof(*set));
    size_t total = 0;

    set->list = list;
    set->n = n;
    set->ctx = *base;
    for (size_t i = 0; i < n; i++) {
        assert(list[i]->name != NULL && list[i]->name[0] != '\0');
        for (size_t j = 0; j < i; j++)
            assert(strcmp(list[i]->name, list[j]->name) != 0);
        if (list[i]->routes != NULL)
            total += list[i]->routes(base->hub, NULL, 0);
    }
    set->routes = rk_calloc(total + 1, sizeof(*set->routes));
    set->gates = rk_calloc(total + 1, sizeof(*set->gates));
    for (size_t i = 0; i < n; i++) {
        if (list[i]->routes == NULL)
            continue;
        size_t k = list[i]->routes(base->hub, set->routes + set->n_routes, total - set->n_routes);
        assert(set->n_routes + k <= total);
        for (size_t r = set->n_routes; r < set->n_routes + k; r++) {
            set->gates[r] = (struct module_gate){set->routes[r].fn, set->routes[r].ctx, list[i]};
            set->routes[r].fn = gate;
            set->routes[r].ctx = &set->gates[r];
        }
        set->n_routes += k;
    }
    set->ctx.routes = set->routes;
    set->ctx.n_routes = set->n_routes;
    set->done = rk_calloc(n + 1, sizeof(*set->done));
    return set;
}

const struct http_route *module_set_routes(const struct module_set *set, size_t *n)
{
    *n = set->n_routes;
    return set->routes;
}

int module_set_start(struct module_set *set, struct rk_err *err)
{
    assert(!set->start_called);
    set->start_called = true;
    for (size_t i = 0; i < set->n; i++) {
        const struct module *m = set->list[i];
        if (m->start != NULL) {
            struct rk_err e2;
            rk_err_clear(&e2);
            int rc = m->start(&set->ctx, &e2);
            if (rc != 0) {
                module_set_stop(set);
                return rk_err_set(err, rc < 0 ? rc : RK_E_INTERNAL, "%s: %s", m->name,
                                  e2.msg[0] ? e2.msg : rk_code_name(rc));
            }
        }
        set->started = i + 1;
        if (m->request_done != NULL)
            set->done[set->n_done++] = m->request_done;
    }
    return 0;
}

void module_set_stop(struct module_set *set)
{
    /* No completion hook runs after this: the server has stopped before. */
    set->n_done = 0;
    while (set->started > 0) {
        const struct module *m = set->list[--set->started];
        if (m->stop != NULL)
            m->stop(&set->ctx);
    }
}

void module_set_reopen(struct module_set *set)
{
    for (size_t i = 0; i < set->started; i++)
        if (set->list[i]->reopen != NULL)
            set->list[i]->reopen(&set->ctx);
}

void module_set_request_done(void *ctx, const struct http_done *done)
{
    const struct module_set *set = ctx;
    for (size_t i = 0; i < set->n_done; i++)
        set->done[i](done);
}

void module_set_free(struct module_set *set)
{
    if (set == NULL)
        return;
    module_set_stop(set);
    free(set->done);
    free(set->gates);
    free(set->routes);
    free(set);
}
