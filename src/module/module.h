/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.h: what a capability hands to `renkei serve`, and what serve does with the list of
 * them. A capability (taxii, api, metrics; later analyze, alert, export, notify) describes
 * itself with one struct module: its name, its HTTP routes, what to start once the hub is
 * loaded and stop before the store closes, and optional hooks on every finished request and
 * on SIGHUP. serve walks one list of descriptors (src/cli/modules.c) through a module_set;
 * no capability names another. Also the worker threads and periodic jobs that capabilities
 * run in the background (worker.c). docs/internals/modules.md says how to add one.
 */
#ifndef RK_MODULE_H
#define RK_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "http/http.h"

struct rk_hub;
struct store;

/*
 * What every module is given when it starts and stops: the running hub and what serve knows.
 * Valid from start to stop.
 */
struct module_ctx {
    struct rk_hub *hub;              /* the store is open and the hub's settings loaded */
    const struct http_route *routes; /* every module's routes, in the order the server has
                                        them (the index of struct http_done.route) */
    size_t n_routes;
    const char *access_log; /* serve --access-log: a file to append to, "-" for stderr, NULL:
                               no access log */
};

/*
 * One capability. Every member but name may be NULL (a module without routes, without
 * background work...). A module keeps its running state in its own file-static variables:
 * one process serves one hub.
 */
struct module {
    const char *name; /* short and unique ("taxii", "metrics"): names its errors and threads */
    /* Writes its routes for hub into out (at most max) and returns how many it has, which
     * may exceed max (called again with room). Route names are unique across modules. */
    size_t (*routes)(struct rk_hub *hub, struct http_route *out, size_t max);
    /* Called once, in list order, before the server accepts a connection: may start worker
     * threads (module_worker_start). 0, or an error with err saying what failed (serve then
     * stops the modules started before it and exits with this message). */
    int (*start)(const struct module_ctx *ctx, struct rk_err *err);
    /* Called once, in reverse list order, after the server stopped (no request is in flight
     * and none comes) and before the store closes, if start succeeded: stops the workers;
     * work in progress finishes or stays in the store for the next start, never lost. */
    void (*stop)(const struct module_ctx *ctx);
    /* SIGHUP: reopens the files the module writes (log rotation). */
    void (*reopen)(const struct module_ctx *ctx);
    /* Called for every finished request (http_done_fn rules: any worker thread, at once,
     * short, never blocking), between start and stop. */
    void (*request_done)(const struct http_done *done);
    /* Its routes also serve tokens of the metrics role. Every other module's routes answer
     * such a token 403 before their handler runs. */
    bool metrics_role;
};

/* ---- the list serve walks (module.c) ----------------------------------------------------- */

struct module_set;

/*
 * A set of the n modules of list (borrowed, must outlive the set) for the hub and the settings
 * of base (hub, access_log; copied). Collects every module's routes into one table, in list
 * order, each behind the metrics-role gate. Nothing is started. Never NULL; free with
 * module_set_free.
 */
struct module_set *module_set_new(const struct module *const *list, size_t n,
                                  const struct module_ctx *base);

/* The route table to hand to http_server_start (owned by the set) and its length. */
const struct http_route *module_set_routes(const struct module_set *set, size_t *n);

/*
 * Starts every module in list order. If one fails, the ones started before it are stopped
 * in reverse order and its error is returned with err "NAME: its message". 0 when all
 * started. Call once.
 */
int module_set_start(struct module_set *set, struct rk_err *err);

/* Stops the started modules in reverse order (each once). Safe to call when none started. */
void module_set_stop(struct module_set *set);

/* Calls every started module's reopen, in list order (on SIGHUP). */
void module_set_reopen(struct module_set *set);

/*
 * The completion hook (http_done_fn) to give the HTTP server with the set as ctx: passes
 * done to every module's request_done, in list order.
 */
void module_set_request_done(void *set, const struct http_done *done);

/* Stops what is still started and frees the set; NULL is a no-op. */
void module_set_free(struct module_set *set);

/* ---- background work (worker.c) ---------------------------------------------------------- */

struct module_worker;

/*
 * One round of a worker's job. It runs on the worker's own thread and may take as long as it
 * needs; a long round checks module_worker_stopping() between items and leaves the rest
 * (safely in the store) for the next start.
 */
typedef void (*module_job_fn)(void *arg, struct module_worker *w);

/*
 * Starts a thread called name (at most 15 bytes are kept) that runs job(arg, w) once at once
 * (work left by the previous run), then again whenever module_worker_wake is called and, if
 * interval_us > 0, every interval_us microseconds (a periodic job: the rounds start at a
 * fixed rate; one that overran starts the next at once, missed ones are not repeated).
 * Rounds never overlap. Returns 0 and *out, or RK_E_IO with err when the thread cannot be
 * created.
 */
int module_worker_start(const char *name, module_job_fn job, void *arg, int64_t interval_us,
                        struct module_worker **out, struct rk_err *err);

/* Asks for one more round as soon as the current one (if any) ends. Any thread. */
void module_worker_wake(struct module_worker *w);

/* True once module_worker_stop was called: the round in progress should end soon. */
bool module_worker_stopping(struct module_worker *w);

/*
 * Asks the worker to stop, waits for the round in progress to end, joins the thread and frees
 * w. No round starts after it returns. NULL is a no-op. Not from the worker's own thread.
 */
void module_worker_stop(struct module_worker *w);

/* Rounds run so far (for tests and logs). Any thread. */
uint64_t module_worker_rounds(struct module_worker *w);

/* ---- what JSON routes of capabilities start with (route.c) -------------------------------- */

/* 0 if the requester is an authenticated member (policy_is_member); otherwise answers 401 (not
 * authenticated) or 403 (a metrics token) as a JSON error and returns 1. */
int module_need_member(const struct http_request *req, struct http_response *resp);

/* 0 if the requester is an authenticated coordinator; otherwise answers 401 (not
 * authenticated) or 403 with refusal (borrowed) and returns 1. */
int module_need_coordinator(const struct http_request *req, struct http_response *resp,
                            const char *refusal);

/* The value of query parameter key (the last one if repeated), or NULL. */
const char *module_param(const struct http_request *req, const char *key);

/*
 * The organisation a member's route acts on: the requester's own, or with ?org=NAME_OR_ID
 * another one for the coordinator. Writes its id to org_id and returns 0. Otherwise answers
 * (401/403 for a requester who is no member; 403 for a member naming another organisation,
 * the same whether or not it exists; 404 for the coordinator naming an unknown one; 500 if the
 * store fails) and returns 1.
 */
int module_target_org(struct store *s, const struct http_request *req, struct http_response *resp,
                      char org_id[RK_UUID_LEN]);

#endif /* RK_MODULE_H */
