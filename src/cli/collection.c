/* SPDX-License-Identifier: Apache-2.0 */
/* collection.c: `renkei collection add|list`: the hub's TAXII collections. */
#include "api/api.h"
#include "cli/args.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei collection add --title TITLE --read AUDIENCE --write AUDIENCE\n"
    "                             [--description TEXT] [--alias ALIAS] [--default-tlp TLP]\n"
    "                             [--data DIR] [--json]\n"
    "       renkei collection list [--data DIR] [--json]\n"
    "\n"
    "Adds or lists collections (distribution channels). AUDIENCE is one of:\n"
    "  all              every authenticated member\n"
    "  public           everyone, including unauthenticated readers (read only)\n"
    "  sector:a,b       members of the listed sectors\n"
    "  org:n,m          the listed organisations (by name)\n"
    "The coordinator is in every audience. Writers also need the contributor or\n"
    "analyst role.\n"
    "\n"
    "Options:\n"
    "  --alias ALIAS    a name for the collection in TAXII URLs, used as its id is\n"
    "                   (/hub/collections/ALIAS/objects/): letters, digits and - _ . ~,\n"
    "                   not a UUID, not another collection's alias\n"
    "  --default-tlp TLP  clear, green (default), amber, amber+strict or red: the TLP\n"
    "                   of objects without one that the scope rule \"collection\" decides\n"
    "  --data DIR       data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json           print JSON ({\"id\", ...} or {\"collections\": [...]})\n"
    "\n"
    "Examples:\n"
    "  renkei collection add --title \"Indicator feeds\" --alias feeds --read all --write all\n"
    "  renkei collection add --title \"Power grid\" --read sector:electric-power,gas \\\n"
    "      --write org:coordinator\n"
    "  renkei collection list\n";

static int collection_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},      {"json", NULL, false, NULL, false},
        {"title", "TITLE", true, NULL, false},    {"description", "TEXT", false, NULL, false},
        {"alias", "ALIAS", false, NULL, false},   {"read", "AUDIENCE", true, NULL, false},
        {"write", "AUDIENCE", true, NULL, false}, {"default-tlp", "TLP", false, NULL, false},
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
        cli_opt_value(opts, n_opts, "write"), tlp, &c, &err);
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

int cmd_collection(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", "collection add", collection_add},
        {"list", "collection list", collection_list},
    };
    return cli_dispatch("collection", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
