/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provenance.c: `renkei provenance show ID`: the coordinator's view into the provenance
 * vault (each object version as it was posted, its real source and what the anonymiser
 * did). Every call is recorded in the audit log, as through the admin API.
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/auth.h"
#include "policy/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei provenance show ID [--data DIR] [--json]\n"
    "\n"
    "Shows every stored version of the STIX object ID as it was posted, with the\n"
    "organisation that posted it, the anonymity applied and what the anonymiser changed.\n"
    "Each call is recorded in the audit log (\"provenance-read\", by the coordinator),\n"
    "also when nothing is found.\n"
    "\n"
    "Options:\n"
    "  --data DIR       data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json           print JSON ({\"id\", \"versions\": [...]})\n"
    "\n"
    "Example:\n"
    "  renkei provenance show indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\n";

/* Prints one provenance version for humans. */
static void print_version(const json_t *v)
{
    char *original = json_dumps(json_object_get(v, "original"), JSON_INDENT(2) | JSON_ENCODE_ANY);
    char *actions = json_dumps(json_object_get(v, "actions"), JSON_COMPACT | JSON_ENCODE_ANY);

    printf("version %s in collection %s\n", json_string_value(json_object_get(v, "version")),
           json_string_value(json_object_get(v, "collection")));
    printf("  posted by:  %s (%s), sector %s\n", json_string_value(json_object_get(v, "org")),
           json_string_value(json_object_get(v, "org_id")),
           json_string_value(json_object_get(v, "sector")));
    printf("  anonymity:  %s\n", json_string_value(json_object_get(v, "anonymity")));
    printf("  received:   %s\n", json_string_value(json_object_get(v, "received")));
    printf("  actions:    %s\n", actions != NULL ? actions : "[]");
    printf("  original:\n%s\n", original != NULL ? original : "null");
    free(original);
    free(actions);
}

/* Prints every version of the provenance document for humans. */
static void print_provenance(const json_t *doc)
{
    const json_t *versions = json_object_get(doc, "versions");
    size_t i;
    json_t *v;

    printf("Provenance of %s (this read is recorded in the audit log)\n",
           json_string_value(json_object_get(doc, "id")));
    json_array_foreach(versions, i, v) print_version(v);
}

static int provenance_show(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct policy_principal who;
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *doc;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (n_pos != 1)
        return cli_usage_error("provenance show", json, "give the STIX id of the object");
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_coordinator_principal(s, &who, &err);
    if (rc == 0)
        rc = policy_provenance_read(s, &who, "cli:provenance show", pos[0], &b, &err);
    doc = cli_result_doc(rc, &b);
    if (doc == NULL) {
        rc = cli_fail(json, 1, "%s", err.msg[0] != '\0' ? err.msg : "cannot read the provenance");
        goto out;
    }
    cli_print_result(json, doc, print_provenance);
    rc = 0;
out:
    rk_buf_free(&b);
    store_close(s);
    return rc;
}

int cmd_provenance(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"show", "provenance show", provenance_show},
    };
    return cli_dispatch("provenance", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
