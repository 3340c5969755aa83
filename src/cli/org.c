/* SPDX-License-Identifier: Apache-2.0 */
/* org.c: `renkei org add|list|set|disable|enable`: the member organisations of the hub. */
#include "api/api.h"
#include "policy/admin.h"
#include "policy/auth.h"
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
    "       renkei org set ORG [--name NAME] [--sector SECTOR] [--anonymity MODE]\n"
    "                      [--own-identifiers FILE] [--data DIR] [--json]\n"
    "       renkei org disable ORG [--data DIR] [--json]\n"
    "       renkei org enable ORG [--data DIR] [--json]\n"
    "\n"
    "Adds, lists, changes, disables or enables member organisations. SECTOR is a key of\n"
    "the sector table (data/sectors.tsv, e.g. finance, electric-power,\n"
    "information-communication). MODE says how the organisation appears to others:\n"
    "named (default), sector (\"an organisation in sector X\") or anonymous (as the hub).\n"
    "FILE lists the organisation's own identifiers, one per line: a domain (also\n"
    "matches its subdomains), an IPv4/IPv6 address or CIDR range, a name, or another\n"
    "of its STIX identity ids (identity--...); '#' starts a comment. Posted values\n"
    "containing one are refused or redacted (policy own_identifiers).\n"
    "\n"
    "set changes what it is given of ORG (a name or id); the rest stays. A new name is\n"
    "carried into every audience that named the old one (org:NAME in collections, scope\n"
    "rules and stored objects). A new sector, mode or FILE (which replaces the list)\n"
    "applies from then on: stored objects keep their stand-in identities and scopes.\n"
    "disable is for an organisation that leaves: every token of it is revoked and none\n"
    "works again; it is left out of anonymity sets and cannot be named a recipient; what\n"
    "it posted stays, under its stand-in or name as stored. enable lets it back in,\n"
    "without its old tokens. Every change is in the audit log.\n"
    "\n"
    "Options:\n"
    "  --name NAME         the organisation's name (unique; appears in org:NAME audiences)\n"
    "  --sector SECTOR     its sector\n"
    "  --anonymity MODE    named, sector or anonymous\n"
    "  --own-identifiers FILE  its own identifiers (set: the whole new list; an empty\n"
    "                      file clears it)\n"
    "  --data DIR          data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json              print JSON ({\"id\", \"name\", ...}, {\"orgs\": [...]}, or for\n"
    "                      disable {\"org\": {...}, \"revoked\": [...]})\n"
    "\n"
    "Examples:\n"
    "  renkei org add --name tepco --sector electric-power --anonymity sector\n"
    "      --own-identifiers tepco-ids.txt\n"
    "  renkei org list --json\n"
    "  renkei org set tepco --name tepco-holdings --anonymity anonymous\n"
    "  renkei org disable tepco-holdings\n";

/* Reads and checks an own-identifiers file into *text (caller frees): 0, or 1 after
 * reporting the problem (which file, which line). */
static int own_ids_read(const char *file, bool json, char **text)
{
    struct rk_err err;

    *text = NULL;
    if (rk_read_file(file, OWN_IDS_FILE_MAX, true, text, NULL, &err) != 0)
        return cli_fail(json, 1, "%s", err.msg);
    if (policy_ownids_check(*text, &err) != 0) {
        free(*text);
        *text = NULL;
        return cli_fail(json, 1, "%s: %s", file, err.msg);
    }
    return 0;
}

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
    if (ids_file != NULL && own_ids_read(ids_file, json, &ids) != 0)
        return 1;
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
        printf("%-36s  %-24s  %-26s  %-9s  %s\n", "ID", "NAME", "SECTOR", "ANONYMITY", "STATUS");
        for (size_t i = 0; i < n; i++)
            printf("%-36s  %-24s  %-26s  %-9s  %s\n", orgs[i].id, orgs[i].name, orgs[i].sector,
                   policy_anonymity_name(orgs[i].anonymity),
                   orgs[i].disabled ? "disabled" : "active");
    }
out:
    store_orgs_free(orgs, n);
    store_close(s);
    return rc;
}

static int org_set(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},       {"json", NULL, false, NULL, false},
        {"name", "NAME", false, NULL, false},      {"sector", "SECTOR", false, NULL, false},
        {"anonymity", "MODE", false, NULL, false}, {"own-identifiers", "FILE", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_org org = {0};
    struct policy_org_change chg = {.anonymity = -1};
    struct policy_principal who;
    struct rk_err err;
    const char *anon, *ids_file;
    char *ids = NULL;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (n_pos != 1)
        return cli_fail(json, CLI_USAGE, "org set: which organisation? give its name or id");
    chg.name = cli_opt_value(opts, n_opts, "name");
    chg.sector = cli_opt_value(opts, n_opts, "sector");
    anon = cli_opt_value(opts, n_opts, "anonymity");
    ids_file = cli_opt_value(opts, n_opts, "own-identifiers");
    if (chg.name == NULL && chg.sector == NULL && anon == NULL && ids_file == NULL)
        return cli_fail(json, CLI_USAGE,
                        "org set: nothing to change: give --name, --sector, --anonymity or "
                        "--own-identifiers");
    if (anon != NULL && (chg.anonymity = policy_anonymity_parse(anon)) < 0)
        return cli_fail(json, CLI_USAGE, "org set: --anonymity must be named, sector or anonymous");
    if (ids_file != NULL) {
        if (own_ids_read(ids_file, json, &ids) != 0)
            return 1;
        chg.own_identifiers = ids;
    }
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0) {
        free(ids);
        return 1;
    }
    /* The command line acts as the coordinator: the audit log says so. */
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0)
        rc = policy_org_set(s, &who, "cli:org set", pos[0], &chg, &org, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "organisation not changed: %s", err.msg);
        goto out;
    }
    if (json)
        cli_json_print(api_org_json(&org));
    else
        printf("Organisation \"%s\" (id %s) is now: sector %s, anonymity %s%s.\n", org.name, org.id,
               org.sector, policy_anonymity_name(org.anonymity), org.disabled ? ", disabled" : "");
out:
    free(ids);
    store_org_clear(&org);
    store_close(s);
    return rc;
}

/* `org disable` and `org enable`: one argument, the organisation. */
static int org_able(int argc, char **argv, bool disable)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos, n = 0;
    struct store *s = NULL;
    struct store_org org = {0};
    struct store_token *revoked = NULL;
    struct policy_principal who;
    struct rk_err err;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (n_pos != 1)
        return cli_fail(json, CLI_USAGE, "%s: which organisation? give its name or id", argv[0]);
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0 && disable)
        rc = policy_org_disable(s, &who, "cli:org disable", pos[0], &org, &revoked, &n, &err);
    else if (rc == 0)
        rc = policy_org_enable(s, &who, "cli:org enable", pos[0], &org, &err);
    if (rc != 0) {
        rc =
            cli_fail(json, 1, "organisation not %s: %s", disable ? "disabled" : "enabled", err.msg);
        goto out;
    }
    if (json && disable) {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(list, api_token_json(&revoked[i], NULL));
        cli_json_print(json_pack("{s:o, s:o}", "org", api_org_json(&org), "revoked", list));
    } else if (json) {
        cli_json_print(api_org_json(&org));
    } else if (disable) {
        for (size_t i = 0; i < n; i++)
            printf("Revoked token %.16s (role %s).\n", revoked[i].hash,
                   policy_role_name(revoked[i].role));
        printf("Disabled organisation \"%s\": %zu token(s) revoked; what it posted stays as "
               "stored.\n",
               org.name, n);
    } else {
        printf("Enabled organisation \"%s\". It has no token: create one with\n"
               "    renkei token create --org '%s' --role contributor\n",
               org.name, org.name);
    }
out:
    store_tokens_free(revoked, n);
    store_org_clear(&org);
    store_close(s);
    return rc;
}

static int org_disable(int argc, char **argv)
{
    return org_able(argc, argv, true);
}

static int org_enable(int argc, char **argv)
{
    return org_able(argc, argv, false);
}

int cmd_org(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", "org add", org_add},          {"list", "org list", org_list},
        {"set", "org set", org_set},          {"disable", "org disable", org_disable},
        {"enable", "org enable", org_enable},
    };
    return cli_dispatch("org", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
