/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_module.c: the list of modules serve walks (src/module/module.c) with fake modules over
 * a real store: routes tabled in list order behind the metrics-role gate, start in order
 * with the store open, stop in reverse before it closes, a failing start that stops the ones
 * started before it and names itself, SIGHUP and the completion hook only for started
 * modules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "module/module.h"
#include "policy/policy.h"

/* ---- what the fake modules did, in order ----------------------------------------------- */

static char events[1024];      /* "start:a stop:a ..." */
static int fail_start;         /* index of the module whose start fails, -1 none */
static int dones[3];           /* request_done calls per module */
static struct module_ctx seen; /* what the last start was given */

static void note(const char *what, const char *name)
{
    size_t len = strlen(events);
    snprintf(events + len, sizeof(events) - len, "%s%s:%s", len ? " " : "", what, name);
}

/*
 * Each fake module reads and writes the store in start and stop, as a worker leaving work for
 * the next start would: it fails if the store is not open (the test would crash or the write
 * would be missing afterwards).
 */
static int store_touch(const struct module_ctx *ctx, const char *key)
{
    struct rk_err err;
    char *v = NULL;
    int rc = store_setting_set(ctx->hub->store, key, "1", &err);
    if (rc == 0)
        rc = store_setting_get(ctx->hub->store, key, &v, &err);
    free(v);
    return rc;
}

#define FAKE(IDX, NAME)                                                                            \
    static int start_##NAME(const struct module_ctx *ctx, struct rk_err *err)                      \
    {                                                                                              \
        note("start", #NAME);                                                                      \
        seen = *ctx;                                                                               \
        if (store_touch(ctx, "test-start-" #NAME) != 0)                                            \
            return rk_err_set(err, RK_E_IO, "store not usable in start");                          \
        if (fail_start == IDX)                                                                     \
            return rk_err_set(err, RK_E_IO, "cannot open the " #NAME " outbox");                   \
        return 0;                                                                                  \
    }                                                                                              \
    static void stop_##NAME(const struct module_ctx *ctx)                                          \
    {                                                                                              \
        note("stop", #NAME);                                                                       \
        assert_int_equal(store_touch(ctx, "test-stop-" #NAME), 0);                                 \
    }                                                                                              \
    static void reopen_##NAME(const struct module_ctx *ctx)                                        \
    {                                                                                              \
        (void)ctx;                                                                                 \
        note("reopen", #NAME);                                                                     \
    }                                                                                              \
    static void done_##NAME(const struct http_done *d)                                             \
    {                                                                                              \
        (void)d;                                                                                   \
        dones[IDX]++;                                                                              \
    }

FAKE(0, alpha)
FAKE(1, beta)
FAKE(2, gamma)

/* ---- routes ---------------------------------------------------------------------------- */

static int calls; /* handler calls */

static int h_ok(void *ctx, struct http_request *req, struct http_response *resp, struct rk_err *err)
{
    (void)req, (void)err;
    calls++;
    resp->status = 200;
    rk_buf_puts(&resp->body, (const char *)ctx);
    return 0;
}

static size_t routes_alpha(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route r[] = {
        {"GET", "/alpha/one", h_ok, "alpha-one", 0, "alpha-one"},
        {"GET", "/alpha/two", h_ok, "alpha-two", 0, "alpha-two"},
    };
    (void)hub;
    for (size_t i = 0; i < 2 && i < max; i++)
        out[i] = r[i];
    return 2;
}

static size_t routes_gamma(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route r[] = {{"GET", "/gamma", h_ok, "gamma", 0, "gamma"}};
    (void)hub;
    if (max > 0)
        out[0] = r[0];
    return 1;
}

static const struct module m_alpha = {"alpha",      routes_alpha, start_alpha, stop_alpha,
                                      reopen_alpha, done_alpha,   false};
static const struct module m_beta = {"beta",      NULL,      start_beta, stop_beta,
                                     reopen_beta, done_beta, false};
static const struct module m_gamma = {"gamma",      routes_gamma, start_gamma, stop_gamma,
                                      reopen_gamma, done_gamma,   true};
static const struct module *const list[] = {&m_alpha, &m_beta, &m_gamma};

/* ---- fixture: a hub over a temporary store ---------------------------------------------- */

struct world {
    char dir[64];
    char db[128];
    struct store *store;
    struct rk_hub hub;
    struct module_ctx base;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    char token[POLICY_TOKEN_LEN + 1];
    struct rk_err err;
    snprintf(w->dir, sizeof(w->dir), "/tmp/rk-module-XXXXXX");
    if (mkdtemp(w->dir) == NULL)
        return -1;
    snprintf(w->db, sizeof(w->db), "%s/renkei.db", w->dir);
    if (store_open(w->db, &w->store, &err) != 0 ||
        policy_hub_init(w->store, "coord", token, &err) != 0 ||
        policy_hub_load(w->store, &w->hub, &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    w->base.hub = &w->hub;
    w->base.access_log = "-";
    events[0] = '\0';
    fail_start = -1;
    memset(dones, 0, sizeof(dones));
    calls = 0;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    char cmd[128];
    store_close(w->store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "teardown: cannot remove %s\n", w->dir);
    free(w);
    return 0;
}

/* Whether setting key was written (by a fake module's start or stop). */
static bool written(struct world *w, const char *key)
{
    struct rk_err err;
    char *v = NULL;
    bool yes = store_setting_get(w->store, key, &v, &err) == 0;
    free(v);
    return yes;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void routes_in_list_order_with_context(void **state)
{
    struct world *w = *state;
    struct module_set *set = module_set_new(list, 3, &w->base);
    size_t n = 0;
    const struct http_route *r = module_set_routes(set, &n);

    assert_int_equal(n, 3);
    assert_string_equal(r[0].name, "alpha-one");
    assert_string_equal(r[1].name, "alpha-two");
    assert_string_equal(r[2].name, "gamma");
    assert_string_equal(r[2].pattern, "/gamma");
    assert_string_equal(r[0].method, "GET");
    /* Nothing starts before module_set_start. */
    assert_string_equal(events, "");
    module_set_free(set);
    assert_string_equal(events, "");
}

/* Calls route i of set as principal who; returns the handler's result. */
static int call(const struct http_route *r, struct policy_principal *who, struct rk_buf *body,
                struct rk_err *err)
{
    struct http_request req;
    struct http_response resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    req.method = r->method;
    req.path = r->pattern;
    req.principal = who;
    rk_err_clear(err);
    int rc = r->fn(r->ctx, &req, &resp, err);
    rk_buf_reset(body);
    if (resp.body.len > 0)
        rk_buf_append(body, resp.body.data, resp.body.len);
    rk_buf_free(&resp.body);
    return rc;
}

static void gate_keeps_metrics_tokens_to_their_routes(void **state)
{
    struct world *w = *state;
    struct module_set *set = module_set_new(list, 3, &w->base);
    struct policy_principal member = {.authenticated = true, .role = STORE_ROLE_READER};
    struct policy_principal coord = {.authenticated = true, .role = STORE_ROLE_COORDINATOR};
    struct policy_principal metrics = {.authenticated = true, .role = STORE_ROLE_METRICS};
    struct rk_buf body = RK_BUF_INIT;
    struct rk_err err;
    size_t n = 0;
    const struct http_route *r = module_set_routes(set, &n);

    /* Anyone else reaches the module's own handler with its own context. */
    assert_int_equal(call(&r[0], NULL, &body, &err), 0);
    assert_string_equal(body.data, "alpha-one");
    assert_int_equal(call(&r[1], &member, &body, &err), 0);
    assert_string_equal(body.data, "alpha-two");
    assert_int_equal(call(&r[0], &coord, &body, &err), 0);
    assert_int_equal(calls, 3);
    /* A metrics token: refused before the handler of a module that does not admit it... */
    assert_int_equal(call(&r[0], &metrics, &body, &err), RK_E_FORBIDDEN);
    assert_non_null(strstr(err.msg, "metrics"));
    assert_int_equal(call(&r[1], &metrics, &body, &err), RK_E_FORBIDDEN);
    assert_int_equal(calls, 3);
    /* ...and let through to the one that does. */
    assert_int_equal(call(&r[2], &metrics, &body, &err), 0);
    assert_string_equal(body.data, "gamma");
    assert_int_equal(calls, 4);
    rk_buf_free(&body);
    module_set_free(set);
}

static void start_in_order_stop_in_reverse(void **state)
{
    struct world *w = *state;
    struct module_set *set = module_set_new(list, 3, &w->base);
    struct rk_err err;

    assert_int_equal(module_set_start(set, &err), 0);
    assert_string_equal(events, "start:alpha start:beta start:gamma");
    module_set_stop(set);
    assert_string_equal(events,
                        "start:alpha start:beta start:gamma stop:gamma stop:beta stop:alpha");
    /* Each module stops once: stopping again, or freeing, stops nothing more. */
    module_set_stop(set);
    module_set_free(set);
    assert_string_equal(events,
                        "start:alpha start:beta start:gamma stop:gamma stop:beta stop:alpha");
    /* Every start and stop used the store while it was open. */
    assert_true(written(w, "test-start-alpha"));
    assert_true(written(w, "test-stop-alpha"));
    assert_true(written(w, "test-stop-gamma"));
}

static void failing_start_stops_the_started_and_names_itself(void **state)
{
    struct world *w = *state;
    struct module_set *set = module_set_new(list, 3, &w->base);
    struct rk_err err;

    fail_start = 2;
    rk_err_clear(&err);
    assert_int_equal(module_set_start(set, &err), RK_E_IO);
    assert_string_equal(err.msg, "gamma: cannot open the gamma outbox");
    /* gamma's stop is not called (it did not start); the others stop in reverse. */
    assert_string_equal(events, "start:alpha start:beta start:gamma stop:beta stop:alpha");
    module_set_free(set);
    assert_string_equal(events, "start:alpha start:beta start:gamma stop:beta stop:alpha");
    assert_false(written(w, "test-stop-gamma"));

    /* The first module failing: nothing to stop, nothing after it starts. */
    events[0] = '\0';
    fail_start = 0;
    set = module_set_new(list, 3, &w->base);
    assert_int_equal(module_set_start(set, &err), RK_E_IO);
    assert_string_equal(err.msg, "alpha: cannot open the alpha outbox");
    assert_string_equal(events, "start:alpha");
    module_set_free(set);
    assert_string_equal(events, "start:alpha");
}

static void hooks_only_between_start_and_stop(void **state)
{
    struct world *w = *state;
    struct module_set *set = module_set_new(list, 3, &w->base);
    struct http_done d;
    struct rk_err err;

    memset(&d, 0, sizeof(d));
    module_set_request_done(set, &d); /* before start: nobody hears it */
    module_set_reopen(set);
    assert_int_equal(dones[0] + dones[1] + dones[2], 0);
    assert_string_equal(events, "");

    assert_int_equal(module_set_start(set, &err), 0);
    events[0] = '\0';
    module_set_request_done(set, &d);
    module_set_request_done(set, &d);
    assert_int_equal(dones[0], 2);
    assert_int_equal(dones[1], 2);
    assert_int_equal(dones[2], 2);
    module_set_reopen(set);
    assert_string_equal(events, "reopen:alpha reopen:beta reopen:gamma");

    module_set_stop(set);
    module_set_request_done(set, &d);
    assert_int_equal(dones[0], 2);
    events[0] = '\0';
    module_set_reopen(set);
    assert_string_equal(events, "");
    module_set_free(set);
}

static void modules_get_the_hub_and_the_whole_table(void **state)
{
    struct world *w = *state;
    struct module_set *set = module_set_new(list, 3, &w->base);
    struct rk_err err;
    size_t n = 0;
    const struct http_route *r = module_set_routes(set, &n);

    assert_int_equal(module_set_start(set, &err), 0);
    assert_ptr_equal(seen.hub, &w->hub);
    assert_ptr_equal(seen.routes, r); /* the table the server routes with: done->route indexes it */
    assert_int_equal(seen.n_routes, 3);
    assert_string_equal(seen.access_log, "-");
    module_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(routes_in_list_order_with_context, setup, teardown),
        cmocka_unit_test_setup_teardown(gate_keeps_metrics_tokens_to_their_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(start_in_order_stop_in_reverse, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_start_stops_the_started_and_names_itself, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hooks_only_between_start_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(modules_get_the_hub_and_the_whole_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
