/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve.c: `renkei serve` runs the hub: it opens the store, loads the hub settings, starts
 * the modules of the list (cli/modules.c), hands their routes to the HTTP server with an
 * authenticator over the policy layer, prints one ready line, and waits for SIGINT or SIGTERM
 * to stop cleanly: the server first, then the modules in reverse order, then the store.
 * SIGHUP makes the modules reopen their files (the access log).
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/modules.h"
#include "http/http.h"
#include "module/module.h"
#include "policy/auth.h"
#include "policy/cache.h"
#include "policy/hub.h"
#include "stix/stix.h"

#include <pthread.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LISTEN      "127.0.0.1:8470"
#define DEFAULT_MAX_CONTENT (100u * 1024u * 1024u)
#define DEFAULT_MAX_CONNS   4096
/* One address may hold this many connections: enough for a benchmark's 64 or a member's
 * pollers behind one NAT address, a small share of the 4096 slots for an attacker's address. */
#define DEFAULT_MAX_PER_IP 128

static const char usage[] =
    "Usage: renkei serve [--data DIR] [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "                    [--max-content-length BYTES] [--threads N] [--max-connections N]\n"
    "                    [--max-connections-per-ip N] [--allow-plain-http]\n"
    "                    [--access-log FILE|off] [--json]\n"
    "\n"
    "Serves the hub: TAXII 2.1 (discovery at /taxii2/, API root /hub/), the admin API at\n"
    "/api/v1/, /healthz and /metrics. When ready it prints one line,\n"
    "  renkei: listening on http://127.0.0.1:PORT/\n"
    "(or {\"listen\": ..., \"port\": ...} with --json). SIGINT or SIGTERM stops it;\n"
    "SIGHUP reopens the access log file (after logrotate moved it).\n"
    "\n"
    "Options:\n"
    "  --data DIR                 data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --listen ADDR:PORT         address to listen on (default " DEFAULT_LISTEN "; port 0 picks\n"
    "                             a free port; IPv6 as [::1]:8470)\n"
    "  --tls-cert FILE            PEM certificate: serve HTTPS (TLS 1.2 or later)\n"
    "  --tls-key FILE             PEM private key for --tls-cert\n"
    "  --max-content-length N     largest request body in bytes (default 104857600)\n"
    "  --threads N                worker threads (default: chosen by the server)\n"
    "  --max-connections N        open connections (default 4096); connections on which no\n"
    "                             request authenticated may hold three quarters of them\n"
    "  --max-connections-per-ip N open connections from one client address (default 128;\n"
    "                             0: no limit, e.g. behind a proxy that connects for everyone)\n"
    "  --allow-plain-http         allow plain HTTP on a non-loopback address\n"
    "  --access-log FILE|off      one JSON line per request, appended to FILE (default: to\n"
    "                             stderr; - for stderr; off for none)\n"
    "  --json                     print the ready line as JSON\n"
    "\n"
    "Examples:\n"
    "  renkei serve --data /var/lib/renkei\n"
    "  renkei serve --listen 0.0.0.0:8443 --tls-cert hub.pem --tls-key hub.key\n";

/* True if the host part of ADDR:PORT is a loopback address. */
static bool listen_is_loopback(const char *listen)
{
    const char *colon = strrchr(listen, ':');
    size_t n = colon != NULL ? (size_t)(colon - listen) : strlen(listen);

    if (n == 9 && strncmp(listen, "localhost", 9) == 0)
        return true;
    if (n == 5 && strncmp(listen, "[::1]", 5) == 0)
        return true;
    return n >= 4 && strncmp(listen, "127.", 4) == 0;
}

/* The server's authenticator: the policy layer's, on the request's Authorization header. */
static int authenticate(void *ctx, const struct http_request *req, void **principal,
                        struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct policy_principal p;
    int rc;

    *principal = NULL;
    rc = policy_authenticate(hub->store, http_header(req, "Authorization"), &p, err);
    if (rc != 0)
        return rc;
    /* An anonymous request keeps a NULL principal: the server then admits it only to
     * routes marked HTTP_ROUTE_PUBLIC, and handlers treat NULL as anonymous. */
    if (p.authenticated) {
        struct policy_principal *copy = rk_malloc(sizeof(*copy));
        *copy = p;
        *principal = copy;
    }
    return 0;
}

static void free_principal(void *principal)
{
    free(principal);
}

/* Waits for SIGINT or SIGTERM (returned), passing every SIGHUP on to the modules. */
static int wait_for_stop(const sigset_t *signals, struct module_set *modules)
{
    int sig = 0;
    for (;;) {
        if (sigwait(signals, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            return sig;
        rk_log(RK_LOG_INFO, "serve: SIGHUP received, reopening log files");
        module_set_reopen(modules);
    }
}

/*
 * glibc's malloc for a server that parses envelopes of up to megabytes per request: with its
 * defaults every request body and JSON tree above the (moving) mmap threshold was mapped and
 * unmapped, and each large free trimmed the heap and consolidated the fast bins again; on the
 * real-data ingest that was about 15 % of the server's CPU (bench/README.md). Blocks up to
 * 8 MiB come from the heap, and up to 64 MiB of free heap is kept for the next request.
 */
static void tune_malloc(void)
{
    (void)mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
    (void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

int cmd_serve(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
        {"listen", "ADDR:PORT", false, NULL, false},
        {"tls-cert", "FILE", false, NULL, false},
        {"tls-key", "FILE", false, NULL, false},
        {"max-content-length", "BYTES", false, NULL, false},
        {"threads", "N", false, NULL, false},
        {"max-connections", "N", false, NULL, false},
        {"max-connections-per-ip", "N", false, NULL, false},
        {"allow-plain-http", NULL, false, NULL, false},
        {"access-log", "FILE", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct rk_hub hub;
    struct rk_err err;
    struct http_config cfg;
    struct http_server *srv = NULL;
    struct module_set *modules = NULL;
    struct module_ctx mctx;
    const struct http_route *routes;
    size_t n_routes = 0;
    const char *listen;
    const char *access_log = "-";
    const char *v;
    const char *tls_cert;
    const char *tls_key;
    int64_t max_content = DEFAULT_MAX_CONTENT;
    int64_t threads = 0;
    int64_t max_conns = DEFAULT_MAX_CONNS;
    int64_t max_per_ip = DEFAULT_MAX_PER_IP;
    sigset_t stop_signals;
    bool json;
    int sig;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    listen = cli_opt_value(opts, n_opts, "listen");
    if (listen == NULL)
        listen = DEFAULT_LISTEN;
    tls_cert = cli_opt_value(opts, n_opts, "tls-cert");
    tls_key = cli_opt_value(opts, n_opts, "tls-key");
    if ((tls_cert == NULL) != (tls_key == NULL)) {
        return cli_usage_error("serve", json, "--tls-cert and --tls-key go together");
    }
    v = cli_opt_value(opts, n_opts, "max-content-length");
    if (v != NULL && rk_parse_int64(v, 1024, INT64_C(1) << 40, &max_content) != 0) {
        return cli_usage_error("serve", json,
                               "--max-content-length must be a number of bytes between 1024 "
                               "and 2^40");
    }
    v = cli_opt_value(opts, n_opts, "threads");
    if (v != NULL && rk_parse_int64(v, 1, 1024, &threads) != 0) {
        return cli_usage_error("serve", json, "--threads must be a number from 1 to 1024");
    }
    v = cli_opt_value(opts, n_opts, "max-connections");
    if (v != NULL && rk_parse_int64(v, 16, 1 << 20, &max_conns) != 0) {
        return cli_usage_error("serve", json,
                               "--max-connections must be a number from 16 to 1048576");
    }
    v = cli_opt_value(opts, n_opts, "max-connections-per-ip");
    if (v != NULL && rk_parse_int64(v, 0, 1 << 20, &max_per_ip) != 0) {
        return cli_usage_error("serve", json,
                               "--max-connections-per-ip must be a number from 0 to 1048576");
    }
    v = cli_opt_value(opts, n_opts, "access-log");
    if (v != NULL && v[0] == '\0')
        return cli_usage_error("serve", json, "--access-log needs a file, - or off");
    if (v != NULL)
        access_log = strcmp(v, "off") == 0 ? NULL : v;
    if (tls_cert == NULL && !listen_is_loopback(listen) &&
        !cli_opt_set(opts, n_opts, "allow-plain-http"))
        return cli_fail(json, 1,
                        "refusing plain HTTP on non-loopback address %s: give --tls-cert and "
                        "--tls-key, or --allow-plain-http behind a TLS-terminating proxy",
                        listen);

    /* Block the stop signals (and SIGHUP) before any thread starts, so that every server and
     * module thread inherits the mask and sigwait() below is the only place they are
     * received. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    tune_malloc();
    /* Envelope trees in arenas their requests own (stix/json_arena.c): before any thread. */
    stix_json_arena_install();
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    if (policy_hub_load(s, &hub, &err) != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    hub.max_content_length = (size_t)max_content;
    /* Tokens and collections from memory; the CLI's changes reach it (policy.h, cache). */
    policy_cache_enable(s);
    memset(&mctx, 0, sizeof(mctx));
    mctx.hub = &hub;
    mctx.access_log = access_log;
    modules = module_set_new(cli_modules, cli_n_modules, &mctx);
    routes = module_set_routes(modules, &n_routes);
    /* After the store opened and the hub loaded, before the server admits a request. */
    if (module_set_start(modules, &err) != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }

    memset(&cfg, 0, sizeof(cfg));
    cfg.listen = listen;
    cfg.tls_cert = tls_cert;
    cfg.tls_key = tls_key;
    cfg.max_body = (size_t)max_content;
    /* 8 KiB of request line and headers, as nginx and Apache allow. */
    cfg.max_header = 8 * 1024;
    cfg.threads = (unsigned)threads;
    cfg.timeout_s = 60;
    cfg.max_connections = (unsigned)max_conns;
    cfg.max_per_ip = (unsigned)max_per_ip;
    cfg.authenticate = authenticate;
    cfg.free_principal = free_principal;
    cfg.auth_ctx = &hub;
    cfg.on_done = module_set_request_done;
    cfg.done_ctx = modules;
    if (http_server_start(&cfg, routes, n_routes, &srv, &err) != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    {
        unsigned port = http_server_port(srv);
        const char *scheme = tls_cert != NULL ? "https" : "http";
        char url[300];
        const char *colon = strrchr(listen, ':');
        int host_len = colon != NULL ? (int)(colon - listen) : (int)strlen(listen);
        snprintf(url, sizeof(url), "%s://%.*s:%u/", scheme, host_len, listen, port);
        if (json)
            cli_json_print(json_pack("{s:s, s:i}", "listen", url, "port", (int)port));
        else {
            printf("renkei: listening on %s\n", url);
            fflush(stdout);
        }
    }
    sig = wait_for_stop(&stop_signals, modules);
    rk_log(RK_LOG_INFO, "serve: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = 0;
out:
    /* The server first (requests in flight finish), then the modules in reverse order, while
     * the store is still open, then the store. */
    http_server_stop(srv);
    module_set_free(modules);
    policy_cache_disable();
    store_close(s);
    return rc;
}
