/* SPDX-License-Identifier: Apache-2.0 */
/* token.c: `renkei token create`: a new API token for an organisation, shown once. */
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/policy.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei token create --org ORG --role ROLE [--label TEXT] [--anonymity MODE]\n"
    "                           [--data DIR] [--json]\n"
    "\n"
    "Creates an API token for organisation ORG (name or id). ROLE is reader,\n"
    "contributor, analyst or coordinator. Only a hash is stored: the token is shown\n"
    "once. TAXII clients send it as \"Authorization: Bearer TOKEN\" or as the password of\n"
    "HTTP Basic authentication.\n"
    "\n"
    "Options:\n"
    "  --label TEXT   a note to recognise the token by (e.g. the client's host)\n"
    "  --anonymity MODE  named, sector or anonymous: what the token posts with when\n"
    "                 stricter than the organisation's mode (default: the org's mode)\n"
    "  --data DIR     data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json         print {\"token\": ..., \"org\": ..., \"role\": ...}\n"
    "\n"
    "Example:\n"
    "  renkei token create --org tepco --role contributor --label soc-feed\n";

static int token_create(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},   {"json", NULL, false, NULL, false},
        {"org", "ORG", true, NULL, false},     {"role", "ROLE", true, NULL, false},
        {"label", "TEXT", false, NULL, false}, {"anonymity", "MODE", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    char token[POLICY_TOKEN_LEN + 1];
    struct store *s = NULL;
    struct store_org org = {0};
    struct rk_err err;
    const char *label;
    const char *anon;
    bool json;
    int mode = -1;
    int role;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    role = policy_role_parse(cli_opt_value(opts, n_opts, "role"));
    if (role < 0) {
        fprintf(stderr, "renkei token create: --role must be reader, contributor, analyst or "
                        "coordinator\n");
        return CLI_USAGE;
    }
    anon = cli_opt_value(opts, n_opts, "anonymity");
    if (anon != NULL) {
        mode = policy_anonymity_parse(anon);
        if (mode < 0) {
            fprintf(stderr,
                    "renkei token create: --anonymity must be named, sector or anonymous\n");
            return CLI_USAGE;
        }
    }
    label = cli_opt_value(opts, n_opts, "label");
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = store_org_get(s, cli_opt_value(opts, n_opts, "org"), &org, &err);
    if (rc == RK_E_NOTFOUND) {
        rc = cli_fail(json, 1, "unknown organisation '%s' (see renkei org list)",
                      cli_opt_value(opts, n_opts, "org"));
        goto out;
    }
    if (rc == 0)
        rc = policy_token_create_ex(s, org.id, role, label, mode, token, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    if (json) {
        cli_json_print(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "token", token, "org", org.name,
                                 "org_id", org.id, "role", policy_role_name(role), "label",
                                 label != NULL ? label : "", "anonymity",
                                 mode < 0 ? "org" : policy_anonymity_name(mode)));
    } else {
        printf("Token for \"%s\" (role %s), shown ONCE; it cannot be recovered:\n\n    %s\n",
               org.name, policy_role_name(role), token);
    }
    memset(token, 0, sizeof(token));
out:
    store_org_clear(&org);
    store_close(s);
    return rc;
}

int cmd_token(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", "token create", token_create},
    };
    return cli_dispatch("token", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
