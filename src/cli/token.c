/* SPDX-License-Identifier: Apache-2.0 */
/* token.c: `renkei token create|list|revoke`: API tokens, each shown once when created. */
#include "api/api.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/auth.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei token create --org ORG --role ROLE [--label TEXT] [--anonymity MODE]\n"
    "                           [--data DIR] [--json]\n"
    "       renkei token list [--org ORG] [--data DIR] [--json]\n"
    "       renkei token revoke TOKEN-OR-ID [--data DIR] [--json]\n"
    "       renkei token revoke --org ORG --all [--data DIR] [--json]\n"
    "\n"
    "create makes an API token for organisation ORG (name or id). ROLE is reader,\n"
    "contributor, analyst, coordinator or metrics (reads /metrics and nothing else,\n"
    "for a monitoring system). Only a hash is stored: the token is shown\n"
    "once. TAXII clients send it as \"Authorization: Bearer TOKEN\" or as the password of\n"
    "HTTP Basic authentication. This command acts as the coordinator: a token it makes\n"
    "for another organisation shows as created by the coordinator in that organisation's\n"
    "own token list and in every audit entry made with it (members create their own\n"
    "through the admin API).\n"
    "list shows every token (or ORG's) by its ID, the start of its hash, never the token,\n"
    "and who created it (self or coordinator).\n"
    "revoke deletes a token, given as the token itself or its ID from list (at least 12\n"
    "characters); a running server refuses it within a second. The hub's last\n"
    "coordinator token cannot be revoked. Creations and revocations are in the audit log.\n"
    "With --org ORG --all, every token of ORG is revoked (for an organisation that\n"
    "leaves, renkei org disable does that and more: see renkei org --help).\n"
    "\n"
    "Options:\n"
    "  --label TEXT   a note to recognise the token by (e.g. the client's host)\n"
    "  --anonymity MODE  named, sector or anonymous: what the token posts with when\n"
    "                 stricter than the organisation's mode (default: the org's mode)\n"
    "  --data DIR     data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json         print {\"token\": ..., \"org\": ..., \"role\": ...} (create),\n"
    "                 {\"tokens\": [{\"id\", \"org_id\", \"org\", \"role\", \"created_by\",\n"
    "                 ...}]} (list) or\n"
    "                 {\"revoked\": {...}} (revoke), {\"revoked\": [...], \"refused\":\n"
    "                 [{\"id\", \"error\"}]} (revoke --all)\n"
    "\n"
    "Examples:\n"
    "  renkei token create --org tepco --role contributor --label soc-feed\n"
    "  renkei token list --org tepco\n"
    "  renkei token revoke 3f9a0c1d2e4b5a69\n";

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
    struct store_token made = {0};
    struct policy_principal who;
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
        return cli_usage_error("token create", json,
                               "--role must be reader, contributor, analyst, coordinator or "
                               "metrics");
    }
    anon = cli_opt_value(opts, n_opts, "anonymity");
    if (anon != NULL) {
        mode = policy_anonymity_parse(anon);
        if (mode < 0) {
            return cli_usage_error("token create", json,
                                   "--anonymity must be named, sector or anonymous");
        }
    }
    label = cli_opt_value(opts, n_opts, "label");
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    /* The command line acts as the coordinator: the audit log says so. */
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0)
        rc = policy_token_create(s, &who, "cli:token create", cli_opt_value(opts, n_opts, "org"),
                                 role, label, mode, token, &made, &err);
    if (rc == 0)
        rc = store_org_get(s, made.org_id, &org, &err);
    if (rc != 0) {
        rc =
            cli_fail(json, 1, "%s%s", err.msg, rc == RK_E_NOTFOUND ? " (see renkei org list)" : "");
        goto out;
    }
    if (json) {
        json_t *view = api_token_json(&made, org.name);
        json_object_set_new(view, "token", json_string(token));
        cli_json_print(view);
    } else {
        printf("Token for \"%s\" (role %s), shown ONCE; it cannot be recovered:\n\n    %s\n",
               org.name, policy_role_name(role), token);
    }
out:
    memset(token, 0, sizeof(token));
    store_token_clear(&made);
    store_org_clear(&org);
    store_close(s);
    return rc;
}

static int token_list(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
        {"org", "ORG", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos, n = 0, n_orgs = 0;
    struct store *s = NULL;
    struct store_token *list = NULL;
    struct store_org *orgs = NULL;
    struct policy_principal who;
    struct rk_err err;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0)
        rc = policy_token_list(s, &who, cli_opt_value(opts, n_opts, "org"), &list, &n, &err);
    if (rc == 0)
        rc = store_org_list(s, &orgs, &n_orgs, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    /* The table shows what --json prints (the API's view), to the second. */
    json_t *doc = api_tokens_json(list, n, orgs, n_orgs);
    if (json) {
        cli_json_print(doc);
    } else {
        size_t i;
        json_t *t;
        printf("%-16s  %-24s  %-11s  %-20s  %-11s  %s\n", "ID", "ORG", "ROLE", "CREATED",
               "CREATED BY", "LABEL");
        json_array_foreach(json_object_get(doc, "tokens"), i, t)
        {
            printf("%-16s  %-24s  %-11s  %-20.19s  %-11s  %s\n",
                   json_string_value(json_object_get(t, "id")),
                   json_string_value(json_object_get(t, "org")),
                   json_string_value(json_object_get(t, "role")),
                   json_string_value(json_object_get(t, "created")),
                   json_string_value(json_object_get(t, "created_by")),
                   json_string_value(json_object_get(t, "label")));
        }
        json_decref(doc);
    }
out:
    store_tokens_free(list, n);
    store_orgs_free(orgs, n_orgs);
    store_close(s);
    return rc;
}

/*
 * `token revoke --org ORG --all`: each token of ORG through policy_token_revoke (each
 * audited). A token it refuses (the hub's last coordinator token) is reported and kept;
 * exit 1 then, after the others are revoked.
 */
static int revoke_all(struct store *s, const struct policy_principal *who, const char *org,
                      bool json)
{
    struct store_token *list = NULL;
    size_t n = 0, refused = 0;
    struct rk_err err;
    json_t *done = json_array(), *kept = json_array();
    int rc = policy_token_list(s, who, org, &list, &n, &err);

    if (rc != 0) {
        json_decref(done);
        json_decref(kept);
        return cli_fail(json, 1, "tokens not revoked: %s", err.msg);
    }
    for (size_t i = 0; i < n; i++) {
        struct store_token gone = {0};
        char id[POLICY_TOKEN_ID_LEN + 1];
        snprintf(id, sizeof(id), "%.*s", POLICY_TOKEN_ID_LEN, list[i].hash);
        rk_err_clear(&err);
        /* By the whole hash: an id prefix could match another organisation's token. */
        if (policy_token_revoke(s, who, "cli:token revoke", list[i].hash, &gone, &err) == 0) {
            json_array_append_new(done, api_token_json(&gone, NULL));
            if (!json)
                printf("Revoked token %s (role %s).\n", id, policy_role_name(gone.role));
        } else {
            refused++;
            json_array_append_new(kept, json_pack("{s:s, s:s}", "id", id, "error", err.msg));
            fprintf(stderr, "renkei: token %s not revoked: %s\n", id, err.msg);
        }
        store_token_clear(&gone);
    }
    if (json)
        cli_json_print(json_pack("{s:o, s:o}", "revoked", done, "refused", kept));
    else {
        if (n == 0)
            printf("No tokens to revoke.\n");
        json_decref(done);
        json_decref(kept);
    }
    store_tokens_free(list, n);
    return refused > 0 ? 1 : 0;
}

static int token_revoke(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
        {"org", "ORG", false, NULL, false},
        {"all", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_token gone = {0};
    struct policy_principal who;
    struct rk_err err;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    const char *org = cli_opt_value(opts, n_opts, "org");
    bool all = cli_opt_set(opts, n_opts, "all");
    if (all != (org != NULL) || (all && n_pos != 0))
        return cli_usage_error("token revoke", json,
                               "--org ORG and --all go together, without a token");
    if (!all && n_pos != 1)
        return cli_usage_error("token revoke", json,
                               "give the token or its id (renkei token list)");
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0 && all) {
        rc = revoke_all(s, &who, org, json);
        goto out;
    }
    if (rc == 0)
        rc = policy_token_revoke(s, &who, "cli:token revoke", pos[0], &gone, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "token not revoked: %s", err.msg);
        goto out;
    }
    if (json)
        cli_json_print(json_pack("{s:o}", "revoked", api_token_json(&gone, NULL)));
    else
        printf("Revoked token %.16s (role %s%s%s).\n", gone.hash, policy_role_name(gone.role),
               gone.label != NULL && gone.label[0] ? ", " : "",
               gone.label != NULL ? gone.label : "");
out:
    store_token_clear(&gone);
    store_close(s);
    return rc;
}

int cmd_token(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", "token create", token_create},
        {"list", "token list", token_list},
        {"revoke", "token revoke", token_revoke},
    };
    return cli_dispatch("token", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
