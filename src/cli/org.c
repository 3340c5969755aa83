/* SPDX-License-Identifier: Apache-2.0 */
/* org.c: `renkei org add|list`: the member organisations of the hub. */
#include "api/api.h"
#include "cli/args.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei org add --name NAME --sector SECTOR [--anonymity MODE] [--data DIR] [--json]\n"
    "       renkei org list [--data DIR] [--json]\n"
    "\n"
    "Adds or lists member organisations. SECTOR is a key of the sector table\n"
    "(data/sectors.tsv, e.g. finance, electric-power, information-communication).\n"
    "MODE says how the organisation appears to others: named (default), sector\n"
    "(\"an organisation in sector X\") or anonymous (as the hub).\n"
    "\n"
    "Options:\n"
    "  --data DIR          data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json              print JSON ({\"id\", \"name\", ...} or {\"orgs\": [...]})\n"
    "\n"
    "Examples:\n"
    "  renkei org add --name tepco --sector electric-power --anonymity sector\n"
    "  renkei org list --json\n";

static int org_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},       {"json", NULL, false, NULL, false},
        {"name", "NAME", true, NULL, false},       {"sector", "SECTOR", true, NULL, false},
        {"anonymity", "MODE", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_org org = {0};
    struct rk_err err;
    const char *anon;
    int mode = STORE_ANON_NAMED;
    bool json;
    int rc;

    rc = cli_parse(usage, argc, argv, opts, n_opts, pos, 0, &n_pos);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    json = cli_opt_set(opts, n_opts, "json");
    anon = cli_opt_value(opts, n_opts, "anonymity");
    if (anon != NULL) {
        mode = policy_anonymity_parse(anon);
        if (mode < 0) {
            fprintf(stderr, "renkei org add: --anonymity must be named, sector or anonymous\n");
            return CLI_USAGE;
        }
    }
    if (cli_store_open(cli_data_dir(cli_opt_value(opts, n_opts, "data")), json, &s) != 0)
        return 1;
    rk_err_clear(&err);
    rc = policy_org_add(s, cli_opt_value(opts, n_opts, "name"),
                        cli_opt_value(opts, n_opts, "sector"), mode, &org, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    if (json) {
        cli_json_print(api_org_json(&org));
    } else {
        printf("Added organisation \"%s\" (sector %s, %s): id %s, identity %s\n", org.name,
               org.sector, policy_anonymity_name(org.anonymity), org.id, org.identity_id);
    }
out:
    store_org_clear(&org);
    store_close(s);
    return rc;
}

static int org_list(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_org *orgs = NULL;
    size_t n = 0;
    struct rk_err err;
    bool json;
    int rc;

    rc = cli_parse(usage, argc, argv, opts, n_opts, pos, 0, &n_pos);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    json = cli_opt_set(opts, n_opts, "json");
    if (cli_store_open(cli_data_dir(cli_opt_value(opts, n_opts, "data")), json, &s) != 0)
        return 1;
    rk_err_clear(&err);
    rc = store_org_list(s, &orgs, &n, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, api_org_json(&orgs[i]));
        cli_json_print(json_pack("{s:o}", "orgs", arr));
    } else {
        printf("%-36s  %-24s  %-26s  %s\n", "ID", "NAME", "SECTOR", "ANONYMITY");
        for (size_t i = 0; i < n; i++)
            printf("%-36s  %-24s  %-26s  %s\n", orgs[i].id, orgs[i].name, orgs[i].sector,
                   policy_anonymity_name(orgs[i].anonymity));
    }
out:
    store_orgs_free(orgs, n);
    store_close(s);
    return rc;
}

int cmd_org(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    if (strcmp(argv[1], "add") == 0) {
        argv[1] = (char *)"org add"; /* names the command in usage errors */
        return org_add(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "list") == 0) {
        argv[1] = (char *)"org list"; /* names the command in usage errors */
        return org_list(argc - 1, argv + 1);
    }
    fprintf(stderr, "renkei org: unknown subcommand '%s'\n\n%s", argv[1], usage);
    return CLI_USAGE;
}
