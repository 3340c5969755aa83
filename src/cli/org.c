/* SPDX-License-Identifier: Apache-2.0 */
/* org.c: `renkei org add|list`: the member organisations of the hub. */
#include "api/api.h"
#include "cli/args.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An own-identifiers file: a list of names, domains and addresses. */
#define OWN_IDS_FILE_MAX (64 * 1024)

static const char usage[] =
    "Usage: renkei org add --name NAME --sector SECTOR [--anonymity MODE]\n"
    "                      [--own-identifiers FILE] [--data DIR] [--json]\n"
    "       renkei org list [--data DIR] [--json]\n"
    "\n"
    "Adds or lists member organisations. SECTOR is a key of the sector table\n"
    "(data/sectors.tsv, e.g. finance, electric-power, information-communication).\n"
    "MODE says how the organisation appears to others: named (default), sector\n"
    "(\"an organisation in sector X\") or anonymous (as the hub).\n"
    "FILE lists the organisation's own identifiers, one per line: a domain (also\n"
    "matches its subdomains), an IPv4/IPv6 address or CIDR range, a name, or another\n"
    "of its STIX identity ids (identity--...); '#' starts a comment. Posted values\n"
    "containing one are refused or redacted (policy own_identifiers).\n"
    "\n"
    "Options:\n"
    "  --data DIR          data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json              print JSON ({\"id\", \"name\", ...} or {\"orgs\": [...]})\n"
    "\n"
    "Examples:\n"
    "  renkei org add --name tepco --sector electric-power --anonymity sector\n"
    "      --own-identifiers tepco-ids.txt\n"
    "  renkei org list --json\n";

static int org_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},       {"json", NULL, false, NULL, false},
        {"name", "NAME", true, NULL, false},       {"sector", "SECTOR", true, NULL, false},
        {"anonymity", "MODE", false, NULL, false}, {"own-identifiers", "FILE", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_org org = {0};
    struct rk_err err;
    const char *anon;
    const char *ids_file;
    char *ids = NULL;
    int mode = STORE_ANON_NAMED;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    anon = cli_opt_value(opts, n_opts, "anonymity");
    if (anon != NULL) {
        mode = policy_anonymity_parse(anon);
        if (mode < 0) {
            return cli_usage_error("org add", json,
                                   "--anonymity must be named, sector or anonymous");
        }
    }
    ids_file = cli_opt_value(opts, n_opts, "own-identifiers");
    if (ids_file != NULL) {
        if (rk_read_file(ids_file, OWN_IDS_FILE_MAX, true, &ids, NULL, &err) != 0)
            return cli_fail(json, 1, "%s", err.msg);
        if (policy_ownids_check(ids, &err) != 0) {
            free(ids);
            return cli_fail(json, 1, "%s: %s", ids_file, err.msg);
        }
    }
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0) {
        free(ids);
        return 1;
    }
    rc = policy_org_add_ex(s, cli_opt_value(opts, n_opts, "name"),
                           cli_opt_value(opts, n_opts, "sector"), mode, ids, &org, &err);
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
    free(ids);
    store_org_clear(&org);
    store_close(s);
    return rc;
}

static int org_list(int argc, char **argv)
{
    struct store *s;
    struct store_org *orgs = NULL;
    size_t n = 0;
    struct rk_err err;
    bool json;
    int rc;

    rc = cli_start_with_store(usage, argc, argv, &json, &s, &err);
    if (rc != CLI_CONTINUE)
        return rc;
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
    static const struct cli_subcommand subs[] = {
        {"add", "org add", org_add},
        {"list", "org list", org_list},
    };
    return cli_dispatch("org", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
