/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search.c: `renkei search`, "has anyone else seen this?" from the command line: asks a hub's
 * GET /api/v1/search with a member's token and prints, for each value, how many
 * organisations and sectors reported it (under the k rule), when, and the objects the token
 * may see that mention it. A client: it talks to the hub over HTTP and takes no --data.
 */
#include "cli.h"
#include "cli/args.h"
#include "sync/sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char search_usage[] =
    "Usage: renkei search [--token T | --user U --password P] [--cacert FILE] [--insecure]\n"
    "                     [--limit N] [--before TS] [--json] [--timeout SECONDS]\n"
    "                     HUB_URL VALUE...\n"
    "\n"
    "Asks the hub at HUB_URL (e.g. https://hub.example:8443) whether anyone has reported\n"
    "each VALUE: an IPv4 or IPv6 address, a CIDR range, a domain name, a URL, an e-mail\n"
    "address, an MD5/SHA-1/SHA-256/SHA-512 hash or an AS number (AS64500), written any\n"
    "way (defanged forms such as example[.]jp and hxxp:// are understood; a comma-separated\n"
    "VALUE is several values). For each: its normalised form, how many organisations and\n"
    "sectors reported it (\"fewer than k\" when a count could single one out), when the hub\n"
    "first and last received a mention, and the objects your token may see that mention it,\n"
    "most recent first. An address also finds the ranges that contain it, and a range the\n"
    "addresses and ranges inside it. Reporters are never named.\n"
    "\n"
    "Options:\n"
    "  --token T           Bearer token of a member (default $RENKEI_TOKEN)\n"
    "  --user U            HTTP Basic user name (with --password)\n"
    "  --password P        HTTP Basic password (the token)\n"
    "  --cacert FILE       trust the CA certificates in FILE\n"
    "  --insecure          do not verify the server's TLS certificate\n"
    "  --limit N           objects listed per value (1-1000, default 50)\n"
    "  --before TS         list only objects added before TS (the \"next\" of a previous answer)\n"
    "  --timeout SECONDS   limit on the request (default 60)\n"
    "  --json              print the hub's answer as one line of JSON ({\"results\": [...]})\n"
    "\n"
    "Exit status: 0 the hub answered (whether or not anything was found), 1 transport, HTTP\n"
    "or a value the hub refused (the message names it), 2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  renkei search --token rk_... https://hub.example:8443 'c2.example[.]jp' 198.51.100.7\n"
    "  renkei search --json https://hub.example:8443 44d88612fea8a8f36de82e1278abb02f\n";

enum {
    OPT_LIMIT = CLI_OPT_CLIENT_END,
    OPT_BEFORE,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_HELP,
};

static const struct option search_options[] = {
    {"token", required_argument, NULL, CLI_OPT_TOKEN},
    {"user", required_argument, NULL, CLI_OPT_USER},
    {"password", required_argument, NULL, CLI_OPT_PASSWORD},
    {"cacert", required_argument, NULL, CLI_OPT_CACERT},
    {"insecure", no_argument, NULL, CLI_OPT_INSECURE},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"before", required_argument, NULL, OPT_BEFORE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* A count as the hub shows it: a number, or the "fewer than k" text. */
static void print_count(FILE *f, const json_t *v)
{
    if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else
        fputs(json_string_value(v) != NULL ? json_string_value(v) : "?", f);
}

static void print_result(const json_t *r)
{
    const json_t *objects = json_object_get(r, "objects");
    const json_t *names = json_object_get(r, "sector_names");
    const char *first = json_string_value(json_object_get(r, "first_seen"));
    const char *last = json_string_value(json_object_get(r, "last_seen"));
    size_t i;
    json_t *o;

    printf("%s %s\n", json_string_value(json_object_get(r, "type")),
           json_string_value(json_object_get(r, "value")));
    fputs("  reported by ", stdout);
    print_count(stdout, json_object_get(r, "organisations"));
    fputs(" organisation(s) in ", stdout);
    print_count(stdout, json_object_get(r, "sectors"));
    fputs(" sector(s)", stdout);
    if (json_array_size(names) > 0) {
        fputs(" including ", stdout);
        json_array_foreach(names, i, o) printf("%s%s", i ? ", " : "", json_string_value(o));
    }
    fputs("\n", stdout);
    if (first == NULL) {
        fputs("  no object you may see mentions it\n", stdout);
        return;
    }
    printf("  first seen %s, last seen %s\n", first, last);
    json_array_foreach(objects, i, o)
    {
        printf("  %s  %s  collection %s\n", json_string_value(json_object_get(o, "date_added")),
               json_string_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "collection")));
    }
    if (json_is_true(json_object_get(r, "more")))
        printf("  more: --before %s\n", json_string_value(json_object_get(r, "next")));
    if (json_is_true(json_object_get(r, "truncated")))
        fputs("  (counts over the oldest mentions only: the hub read as many as it reads)\n",
              stdout);
}

int cmd_search(int argc, char **argv)
{
    struct sync_opts so;
    struct sync_client *client = NULL;
    struct sync_response resp;
    struct rk_buf q = RK_BUF_INIT;
    struct rk_err err;
    const char *limit = NULL, *before = NULL;
    int64_t timeout_s = 60, n;
    char *url = NULL;
    bool json = false;
    int rc = 1, opt;

    memset(&so, 0, sizeof(so));
    memset(&resp, 0, sizeof(resp));
    rk_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", search_options, NULL)) != -1) {
        if (cli_client_option(opt, optarg, &so))
            continue;
        switch (opt) {
        case OPT_LIMIT:
            if (rk_parse_int64(optarg, 1, 1000, &n) != 0)
                return cli_usage_error("search", json, "--limit wants a number from 1 to 1000");
            limit = optarg;
            break;
        case OPT_BEFORE:
            before = optarg;
            break;
        case OPT_TIMEOUT:
            if (rk_parse_int64(optarg, 1, 86400, &timeout_s) != 0)
                return cli_usage_error("search", json,
                                       "--timeout wants a positive number of seconds");
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
        case OPT_HELP:
            fputs(search_usage, stdout);
            return 0;
        default:
            return cli_client_option_error("search", opt, argv);
        }
    }
    if (argc - optind < 2)
        return cli_usage_error("search", json, "a hub URL and at least one value are needed");
    for (int i = optind + 1; i < argc; i++)
        rk_buf_printf(&q, "%s%s", i > optind + 1 ? "," : "", argv[i]);
    cli_client_finish(&so, (long)timeout_s);
    const char *params[] = {"q", q.data, "limit", limit, "before", before};
    url = sync_api_url(argv[optind], "/api/v1/search", params, 3);
    client = sync_client_new(&so, &err);
    if (client == NULL || sync_get_api_json(client, url, &resp, &err) != 0) {
        cli_fail_named("search", json, err.msg);
        goto out;
    }
    if (!json_is_array(json_object_get(resp.body, "results"))) {
        cli_fail_named("search", json, "the hub's answer has no results list");
        goto out;
    }
    if (json) {
        cli_json_print(json_incref(resp.body));
    } else {
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(resp.body, "results"), i, r) print_result(r);
    }
    rc = 0;
out:
    sync_response_free(&resp);
    sync_client_free(client);
    free(url);
    rk_buf_free(&q);
    return rc;
}
