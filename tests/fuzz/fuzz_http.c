/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_http.c: libFuzzer driver for what a client controls in an HTTP request besides the
 * body and the query: the path (routed against the server's real TAXII and admin tables),
 * the Accept and Content-Type headers, and the Authorization header (Bearer and Basic,
 * checked against a real store created once in a temporary folder).
 * Input: four fields separated by '\n': method, path, Accept/Content-Type, Authorization.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "http/http_int.h"
#include "policy/policy.h"
#include "taxii/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROUTES 64

static struct http_route routes[MAX_ROUTES];
static size_t n_routes;
static struct store *store;
static struct rk_hub hub;

static char dir[] = "/tmp/rk-fuzz-http-XXXXXX";

/* At exit: the temporary store goes (each fuzzing run left one behind). */
static void cleanup(void)
{
    char path[sizeof(dir) + 16];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    store_close(store);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/renkei.db%s", dir, suffix[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void setup(void)
{
    char path[sizeof(dir) + 16];
    char token[POLICY_TOKEN_LEN + 1];
    struct rk_err err;

    n_routes = taxii_routes(&hub, routes, MAX_ROUTES);
    n_routes += api_routes(&hub, routes + n_routes, MAX_ROUTES - n_routes);
    if (n_routes < MAX_ROUTES) /* a pattern that takes the rest of the path, as static files */
        routes[n_routes++] = (struct http_route){.method = "GET", .pattern = "/ui/{path...}"};
    if (mkdtemp(dir) == NULL)
        abort();
    atexit(cleanup);
    snprintf(path, sizeof(path), "%s/renkei.db", dir);
    if (store_open(path, &store, &err) != 0 ||
        policy_hub_init(store, "coordinator", token, &err) != 0)
        abort();
}

/* Next '\n'-separated field of [*p, end) as a NUL-terminated copy in out. */
static void field(const char **p, const char *end, char *out, size_t cap)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl != NULL ? nl : end) - *p);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p = nl != NULL ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char method[64], path[4096], media[4096], auth[4096], scratch[4096], allow[128];
    const char *captures[HTTP_MAX_CAPTURES];
    const char *p = (const char *)data, *end = p + size;
    struct policy_principal who;
    struct rk_err err;

    if (store == NULL)
        setup();
    field(&p, end, method, sizeof(method));
    field(&p, end, path, sizeof(path));
    field(&p, end, media, sizeof(media));
    field(&p, end, auth, sizeof(auth));

    int r = http_route_find(routes, n_routes, method, path, scratch, sizeof(scratch), captures,
                            allow, sizeof(allow));
    if (r >= 0 && (size_t)r >= n_routes)
        abort();
    int near = http_route_nearest(routes, n_routes, path);
    if (near >= 0 && (size_t)near >= n_routes)
        abort();
    (void)http_accepts(media, "text/csv; charset=utf-8");
    (void)http_accept_taxii(media);
    (void)http_content_type_taxii(media);
    rk_err_clear(&err);
    int rc = policy_authenticate(store, auth[0] ? auth : NULL, &who, &err);
    /* Guessing a token is not a thing a fuzzer should manage: anything but "anonymous" or
     * "refused" means the parser accepted garbage. */
    if (rc == 0 && auth[0] != '\0')
        abort();
    if (rc != 0 && rc != RK_E_UNAUTH)
        abort();
    return 0;
}
