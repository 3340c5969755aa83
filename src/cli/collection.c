/* SPDX-License-Identifier: Apache-2.0 */
/* collection.c: `renkei collection add|list|set|remove`: the hub's TAXII collections. */
#include "api/api.h"
#include "policy/admin.h"
#include "policy/auth.h"
#include "policy/scope.h"
#include "cli/args.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei collection add --title TITLE --read AUDIENCE --write AUDIENCE\n"
    "                             [--description TEXT] [--alias ALIAS] [--default-tlp TLP]\n"
    "                             [--relay] [--data DIR] [--json]\n"
    "       renkei collection list [--data DIR] [--json]\n"
    "       renkei collection set ID|ALIAS [--title TITLE] [--description TEXT]\n"
    "                             [--alias ALIAS] [--read AUDIENCE] [--write AUDIENCE]\n"
    "                             [--default-tlp TLP] [--relay on|off] [--data DIR] [--json]\n"
    "       renkei collection remove ID|ALIAS [--purge] [--data DIR] [--json]\n"
    "\n"
    "Adds, lists, changes or removes collections (distribution channels). AUDIENCE is\n"
    "one of:\n"
    "  all              every authenticated member\n"
    "  public           everyone, including unauthenticated readers (read only)\n"
    "  sector:a,b       members of the listed sectors\n"
    "  org:n,m          the listed organisations (by name)\n"
    "The coordinator is in every audience. Writers also need the contributor or\n"
    "analyst role.\n"
    "\n"
    "set changes what it is given and keeps the rest. Readers are decided when they\n"
    "read: a narrower --read hides the objects already stored from those left out at\n"
    "once. remove refuses a collection that holds objects unless --purge, which deletes\n"
    "them with it (their originals and real sources stay in the provenance vault).\n"
    "Changes and removals are in the audit log.\n"
    "\n"
    "Options:\n"
    "  --title TITLE    the collection's title\n"
    "  --description TEXT  what it is for (set: \"\" clears it)\n"
    "  --alias ALIAS    a name for the collection in TAXII URLs, used as its id is\n"
    "                   (/hub/collections/ALIAS/objects/): letters, digits and - _ . ~,\n"
    "                   not a UUID, not another collection's alias (set: \"\" clears it)\n"
    "  --read AUDIENCE  who may read it\n"
    "  --write AUDIENCE who may write to it\n"
    "  --default-tlp TLP  clear, green (default), amber, amber+strict or red: the TLP\n"
    "                   of objects without one that the scope rule \"collection\" decides\n"
    "  --relay          add: a relay collection, whose objects the hub stores exactly as\n"
    "                   posted (third-party content: no marking written in, no author\n"
    "                   rewritten), or refuses; set: --relay on|off\n"
    "  --purge          remove: delete the objects it holds with it\n"
    "  --data DIR       data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json           print JSON ({\"id\", ...}, {\"collections\": [...]}, or for remove\n"
    "                   {\"removed\": {...}, \"purged\": N})\n"
    "\n"
    "Examples:\n"
    "  renkei collection add --title \"Indicator feeds\" --alias feeds --read all --write all\n"
    "  renkei collection add --title \"Power grid\" --read sector:electric-power,gas \\\n"
    "      --write org:coordinator\n"
    "  renkei collection list\n"
    "  renkei collection set power-grid --read sector:electric-power\n"
    "  renkei collection remove power-grid --purge\n";

static int collection_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},      {"json", NULL, false, NULL, false},
        {"title", "TITLE", true, NULL, false},    {"description", "TEXT", false, NULL, false},
        {"alias", "ALIAS", false, NULL, false},   {"read", "AUDIENCE", true, NULL, false},
        {"write", "AUDIENCE", true, NULL, false}, {"default-tlp", "TLP", false, NULL, false},
        {"relay", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_collection c = {0};
    struct rk_err err;
    const char *tlp_name;
    int tlp = POLICY_TLP_GREEN;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    tlp_name = cli_opt_value(opts, n_opts, "default-tlp");
    if (tlp_name != NULL) {
        tlp = policy_tlp_parse(tlp_name);
        if (tlp < POLICY_TLP_CLEAR) {
            return cli_usage_error("collection add", json,
                                   "--default-tlp must be clear, green, amber, amber+strict or "
                                   "red");
        }
    }
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_collection_add_ex(
        s, cli_opt_value(opts, n_opts, "title"), cli_opt_value(opts, n_opts, "description"),
        cli_opt_value(opts, n_opts, "alias"), cli_opt_value(opts, n_opts, "read"),
        cli_opt_value(opts, n_opts, "write"), tlp, cli_opt_set(opts, n_opts, "relay"), &c, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    if (json) {
        cli_json_print(api_collection_json(&c));
    } else {
        printf("Added collection \"%s\" (read %s, write %s, default TLP %s): id %s\n"
               "TAXII URL: /hub/collections/%s/\n",
               c.title, c.read_spec, c.write_spec, policy_tlp_name(c.default_tlp), c.id, c.id);
    }
out:
    store_collection_clear(&c);
    store_close(s);
    return rc;
}

static int collection_list(int argc, char **argv)
{
    struct store *s;
    struct store_collection *cs = NULL;
    size_t n = 0;
    struct rk_err err;
    bool json;
    int rc;

    rc = cli_start_with_store(usage, argc, argv, &json, &s, &err);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = store_collection_list(s, &cs, &n, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s", err.msg);
        goto out;
    }
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, api_collection_json(&cs[i]));
        cli_json_print(json_pack("{s:o}", "collections", arr));
    } else {
        printf("%-36s  %-28s  %-20s  %s\n", "ID", "TITLE", "READ", "WRITE");
        for (size_t i = 0; i < n; i++)
            printf("%-36s  %-28s  %-20s  %s\n", cs[i].id, cs[i].title, cs[i].read_spec,
                   cs[i].write_spec);
    }
out:
    store_collections_free(cs, n);
    store_close(s);
    return rc;
}

static int collection_set(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},       {"json", NULL, false, NULL, false},
        {"title", "TITLE", false, NULL, false},    {"description", "TEXT", false, NULL, false},
        {"alias", "ALIAS", false, NULL, false},    {"read", "AUDIENCE", false, NULL, false},
        {"write", "AUDIENCE", false, NULL, false}, {"default-tlp", "TLP", false, NULL, false},
        {"relay", "on|off", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_collection c = {0};
    struct policy_collection_change chg = {0};
    struct policy_principal who;
    struct rk_err err;
    const char *tlp_name;
    bool json, any = false;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (n_pos != 1)
        return cli_fail(json, CLI_USAGE, "collection set: which collection? give its id or alias");
    for (size_t i = 2; i < n_opts; i++)
        any |= opts[i].set;
    if (!any)
        return cli_fail(json, CLI_USAGE,
                        "collection set: nothing to change: give --title, --description, "
                        "--alias, --read, --write, --default-tlp or --relay");
    chg.title = cli_opt_value(opts, n_opts, "title");
    chg.description = cli_opt_value(opts, n_opts, "description");
    chg.alias = cli_opt_value(opts, n_opts, "alias");
    chg.read_spec = cli_opt_value(opts, n_opts, "read");
    chg.write_spec = cli_opt_value(opts, n_opts, "write");
    const char *relay = cli_opt_value(opts, n_opts, "relay");
    if (relay != NULL) {
        chg.relay_set = true;
        chg.relay = strcmp(relay, "on") == 0;
        if (!chg.relay && strcmp(relay, "off") != 0)
            return cli_fail(json, CLI_USAGE, "collection set: --relay must be on or off");
    }
    tlp_name = cli_opt_value(opts, n_opts, "default-tlp");
    if (tlp_name != NULL && (chg.default_tlp = policy_tlp_parse(tlp_name)) < POLICY_TLP_CLEAR)
        return cli_fail(json, CLI_USAGE,
                        "collection set: --default-tlp must be clear, green, amber, amber+strict "
                        "or red");
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    /* The command line acts as the coordinator: the audit log says so. */
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0)
        rc = policy_collection_set(s, &who, "cli:collection set", pos[0], &chg, &c, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "collection not changed: %s", err.msg);
        goto out;
    }
    if (json)
        cli_json_print(api_collection_json(&c));
    else
        printf("Collection \"%s\" (id %s%s%s) is now: read %s, write %s, default TLP %s.\n",
               c.title, c.id, c.alias[0] != '\0' ? ", alias " : "", c.alias, c.read_spec,
               c.write_spec, policy_tlp_name(c.default_tlp));
out:
    store_collection_clear(&c);
    store_close(s);
    return rc;
}

static int collection_remove(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
        {"purge", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_collection c = {0};
    struct policy_principal who;
    struct rk_err err;
    int64_t removed = 0;
    bool json, purge;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (n_pos != 1)
        return cli_fail(json, CLI_USAGE,
                        "collection remove: which collection? give its id or alias");
    purge = cli_opt_set(opts, n_opts, "purge");
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0)
        rc = policy_collection_remove(s, &who, "cli:collection remove", pos[0], purge, &c, &removed,
                                      &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s%s", err.msg,
                      rc == RK_E_CONFLICT && removed > 0 ? " (renkei collection remove --purge)"
                                                         : "");
        goto out;
    }
    if (json)
        cli_json_print(json_pack("{s:o, s:I}", "removed", api_collection_json(&c), "purged",
                                 (json_int_t)removed));
    else
        printf("Removed collection \"%s\" (id %s)%s%lld object version(s) %s.\n", c.title, c.id,
               removed > 0 ? " with its " : ": ", (long long)removed,
               removed > 0 ? "(their originals stay in the provenance vault)" : "held");
out:
    store_collection_clear(&c);
    store_close(s);
    return rc;
}

int cmd_collection(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", "collection add", collection_add},
        {"list", "collection list", collection_list},
        {"set", "collection set", collection_set},
        {"remove", "collection remove", collection_remove},
    };
    return cli_dispatch("collection", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
