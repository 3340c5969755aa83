/* SPDX-License-Identifier: Apache-2.0 */
/*
 * push.c: `renkei push`, which sends STIX files to a collection of any TAXII 2.1 server in
 * envelopes that fit the server's limits, follows the status resources and reports which
 * objects were refused. The work is done by src/sync.
 */
#include "cli.h"
#include "cli/args.h"
#include "cli/push_report.h"
#include "sync/sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit status when the server refused some objects (or left them pending). */
#define PUSH_EXIT_REFUSED 4

static const char push_usage[] =
    "Usage: renkei push [--token T | --user U --password P] [--cacert FILE] [--insecure]\n"
    "                   [--batch N] [--wait SECONDS] [--timeout SECONDS] [--json]\n"
    "                   URL FILE...\n"
    "\n"
    "Sends the STIX objects of each FILE to a collection of any TAXII 2.1 server, in\n"
    "envelopes that fit the server's limits, follows the status resources and reports\n"
    "which objects were refused. URL is the collection's URL (.../collections/<id>/) or\n"
    "its objects URL. FILE is a STIX bundle, a TAXII envelope, a JSON array of STIX\n"
    "objects or a single object; '-' reads standard input. push is a client: it talks\n"
    "to the server over HTTP and takes no --data.\n"
    "\n"
    "Options:\n"
    "  --token T          Bearer token (default $RENKEI_TOKEN)\n"
    "  --user U           HTTP Basic user name (with --password)\n"
    "  --password P       HTTP Basic password\n"
    "  --cacert FILE      trust the CA certificates in FILE\n"
    "  --insecure         do not verify the server's TLS certificate\n"
    "  --batch N          at most N objects per request (default 1000)\n"
    "  --wait SECONDS     how long to follow pending status resources (default 300)\n"
    "  --timeout SECONDS  limit on each HTTP request (default 300)\n"
    "  --verbose          list every refused or changed object on its own line\n"
    "  --json             print the summary as one JSON object on stdout\n"
    "\n"
    "At the end push prints the refused objects and those the hub changed, grouped by reason\n"
    "with a count and the first ids of each, then the totals.\n"
    "\n"
    "Exit status: 0 every object accepted, 4 some objects refused or still pending,\n"
    "1 transport, HTTP or protocol error, or unreadable input, 2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  renkei push --token rk_... https://hub.example/hub/collections/<id>/ bundle.json\n"
    "  cat iocs.json | RENKEI_TOKEN=rk_... renkei push --json URL -\n";

enum {
    OPT_BATCH = CLI_OPT_CLIENT_END,
    OPT_WAIT,
    OPT_TIMEOUT,
    OPT_VERBOSE,
    OPT_JSON,
    OPT_HELP,
};

static const struct option push_options[] = {
    {"token", required_argument, NULL, CLI_OPT_TOKEN},
    {"user", required_argument, NULL, CLI_OPT_USER},
    {"password", required_argument, NULL, CLI_OPT_PASSWORD},
    {"cacert", required_argument, NULL, CLI_OPT_CACERT},
    {"insecure", no_argument, NULL, CLI_OPT_INSECURE},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* A status resource that was still pending when its envelope was answered. */
struct pending_status {
    json_t *status;   /* the status resource as last seen, owned */
    const char *file; /* the input file of its objects, borrowed from argv */
};

static int usage_error(const char *msg)
{
    return cli_usage_error("push", false, "%s", msg);
}

int cmd_push(int argc, char **argv)
{
    struct sync_opts so = {0};
    bool json = false, verbose = false;
    int64_t batch = 1000, wait_s = 300, timeout_s = 300;
    int rc = 1, opt;
    struct rk_err err = {0};
    struct sync_urls urls = {0};
    struct sync_tally tally = SYNC_TALLY_INIT;
    struct sync_client *client = NULL;
    struct rk_buf env = RK_BUF_INIT;
    json_t **files = NULL;
    struct pending_status *pending = NULL;
    size_t npending = 0, cpending = 0;
    size_t nfiles = 0, total = 0, sent = 0;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", push_options, NULL)) != -1) {
        if (cli_client_option(opt, optarg, &so))
            continue;
        switch (opt) {
        case OPT_BATCH:
            if (rk_parse_int64(optarg, 1, 1000000, &batch) != 0)
                return usage_error("--batch wants a positive number of objects");
            break;
        case OPT_WAIT:
            if (rk_parse_int64(optarg, 0, 86400 * 7, &wait_s) != 0)
                return usage_error("--wait wants a number of seconds");
            break;
        case OPT_TIMEOUT:
            if (rk_parse_int64(optarg, 1, 86400, &timeout_s) != 0)
                return usage_error("--timeout wants a positive number of seconds");
            break;
        case OPT_VERBOSE:
            verbose = true;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
        case OPT_HELP:
            fputs(push_usage, stdout);
            return 0;
        default:
            return cli_client_option_error("push", opt, argv);
        }
    }
    if (argc - optind < 2)
        return usage_error("a collection URL and at least one FILE are needed");
    cli_client_finish(&so, (long)timeout_s);
    const char *url = argv[optind];
    if (sync_urls_parse(url, &urls, &err) != 0)
        return usage_error(err.msg);

    /* Read every file first, so that a typo in the last one sends nothing. */
    nfiles = (size_t)(argc - optind - 1);
    files = rk_calloc(nfiles, sizeof(*files));
    for (size_t i = 0; i < nfiles; i++) {
        if (sync_load_file(argv[optind + 1 + (int)i], &files[i], &err) != 0) {
            cli_fail_named("push", json, err.msg);
            goto out;
        }
        total += json_array_size(files[i]);
    }

    client = sync_client_new(&so, &err);
    if (client == NULL) {
        cli_fail_named("push", json, err.msg);
        goto out;
    }
    size_t max_bytes = SYNC_DEFAULT_MAX_CONTENT;
    if (sync_max_content_length(client, urls.api_root, &max_bytes, &err) != 0) {
        if (err.code == RK_E_UNAUTH || err.code == RK_E_IO) {
            /* No server or bad credentials: posting would fail the same way. */
            cli_fail_named("push", json, err.msg);
            goto out;
        }
        fprintf(stderr,
                "renkei push: warning: cannot read max_content_length (%s); assuming %u bytes\n",
                err.msg, SYNC_DEFAULT_MAX_CONTENT);
    }

    struct sync_progress prog;
    sync_progress_start(&prog, "objects", true);
    for (size_t i = 0; i < nfiles; i++) {
        const char *fname = argv[optind + 1 + (int)i];
        size_t pos = 0, taken = 0;
        for (;;) {
            if (sync_batch_next(files[i], &pos, (size_t)batch, max_bytes, &env, &taken, &err) !=
                0) {
                sync_progress_end(&prog);
                cli_fail_named("push", json, err.msg);
                goto out;
            }
            if (taken == 0)
                break;
            struct sync_response resp;
            if (sync_post_envelope(client, urls.objects, env.data, env.len, &resp, &err) != 0) {
                sync_response_free(&resp);
                sync_progress_end(&prog);
                cli_fail_named("push", json, err.msg);
                if (!json && sent > 0)
                    fprintf(stderr, "renkei push: %zu object%s had been sent before this error\n",
                            sent, sent == 1 ? "" : "s");
                goto out;
            }
            json_t *status = json_incref(resp.body);
            sync_response_free(&resp);
            const char *label = strcmp(fname, "-") == 0 ? "(stdin)" : fname;
            if (sync_status_pending(status)) {
                /* Follow pending statuses after everything is sent, not between envelopes. */
                if (npending == cpending) {
                    cpending = cpending ? 2 * cpending : 16;
                    pending = rk_realloc(pending, cpending * sizeof(*pending));
                }
                pending[npending].status = status;
                pending[npending].file = label;
                npending++;
            } else {
                int trc = sync_tally_add(&tally, status, label, &err);
                json_decref(status);
                if (trc != 0) {
                    sync_progress_end(&prog);
                    cli_fail_named("push", json, err.msg);
                    goto out;
                }
            }
            sent += taken;
            sync_progress_update(&prog, sent, total, false);
        }
    }
    sync_progress_update(&prog, sent, total, true);
    sync_progress_end(&prog);
    if (npending > 0) {
        json_t **st = rk_calloc(npending, sizeof(*st));
        for (size_t i = 0; i < npending; i++)
            st[i] = pending[i].status;
        int wrc = sync_wait_statuses(client, urls.api_root, st, npending, (double)wait_s, &err);
        for (size_t i = 0; i < npending; i++)
            pending[i].status = st[i]; /* the latest version; still owned by pending[] */
        free(st);
        if (wrc != 0) {
            cli_fail_named("push", json, err.msg);
            goto out;
        }
        for (size_t i = 0; i < npending; i++) {
            if (sync_tally_add(&tally, pending[i].status, pending[i].file, &err) != 0) {
                cli_fail_named("push", json, err.msg);
                goto out;
            }
        }
    }
    struct push_sent what = {sent, nfiles, urls.collection};
    if (json)
        push_report_json(&tally, &what);
    else
        push_report_text(&tally, &what, verbose);
    rc = (tally.failure > 0 || tally.pending > 0) ? PUSH_EXIT_REFUSED : 0;
out:
    for (size_t i = 0; files != NULL && i < nfiles; i++)
        json_decref(files[i]);
    free(files);
    for (size_t i = 0; i < npending; i++)
        json_decref(pending[i].status);
    free(pending);
    rk_buf_free(&env);
    sync_client_free(client);
    sync_tally_free(&tally);
    sync_urls_free(&urls);
    return rc;
}
