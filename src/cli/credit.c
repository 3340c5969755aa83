/* SPDX-License-Identifier: Apache-2.0 */
/*
 * credit.c: `renkei credit show`: an organisation's standing in the credit ledger, exact as
 * the coordinator sees it, or with --member-view as the member itself sees it through GET
 * /api/v1/credit: points, contributions, and how others used them, in aggregate and never
 * by name.
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/hub.h"
#include "policy/ledger.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei credit show --org ORG [--member-view] [--data DIR] [--json]\n"
    "\n"
    "Shows the credit an organisation earned: +1 per accepted contribution, +2 when\n"
    "another organisation posts an object it contributed (correlation), +5 when another\n"
    "organisation sights it. This is the coordinator's view: every event, exact figures\n"
    "(the command reads the hub's data folder, which holds them all). Never who.\n"
    "\n"
    "With --member-view it shows what the organisation itself gets from GET\n"
    "/api/v1/credit: only the sightings and correlations it may see, each count about\n"
    "others as a number only when k or more organisations are behind it (\"fewer than\n"
    "k\" below; k is the policy's sector_k), and the points of what is shown.\n"
    "\n"
    "Options:\n"
    "  --org ORG        the organisation (name or id)\n"
    "  --member-view    what the organisation itself is shown\n"
    "  --data DIR       data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json           print JSON ({\"org\", \"view\", \"points\", \"contributions\", ...})\n"
    "\n"
    "Example:\n"
    "  renkei credit show --org acme-power --member-view\n";

/* Prints a count that may be a number or the "fewer than k" text. */
static void print_count(const char *label, const json_t *v)
{
    if (json_is_integer(v))
        printf("%s%lld\n", label, (long long)json_integer_value(v));
    else
        printf("%s%s\n", label, json_string_value(v) != NULL ? json_string_value(v) : "?");
}

/* Prints the credit summary for humans. */
static void print_credit(const json_t *doc)
{
    const json_t *used = json_object_get(doc, "used_by");

    printf("Credit of %s (%s view)\n", json_string_value(json_object_get(doc, "org")),
           json_string_value(json_object_get(doc, "view")));
    print_count("  points:                   ", json_object_get(doc, "points"));
    print_count("  contributions:            ", json_object_get(doc, "contributions"));
    print_count("  sightings by others:      ", json_object_get(doc, "sightings_by_others"));
    print_count("  correlations by others:   ", json_object_get(doc, "correlations_by_others"));
    print_count("  used by organisations:    ", json_object_get(used, "organisations"));
    print_count("  used in sectors:          ", json_object_get(used, "sectors"));
}

static int credit_show(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
        {"member-view", NULL, false, NULL, false},
        {"org", "ORG", true, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct rk_hub hub;
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *doc;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    rc = policy_hub_load(s, &hub, &err);
    if (rc == 0)
        rc = policy_credit_summary(&hub, cli_opt_value(opts, n_opts, "org"),
                                   cli_opt_set(opts, n_opts, "member-view")
                                       ? POLICY_CREDIT_MEMBER
                                       : POLICY_CREDIT_COORDINATOR,
                                   0, &b, &err);
    doc = cli_result_doc(rc, &b);
    if (doc == NULL) {
        rc = cli_fail(json, 1, "%s", rc == RK_E_NOTFOUND ? "unknown organisation" : err.msg);
        goto out;
    }
    cli_print_result(json, doc, print_credit);
    rc = 0;
out:
    rk_buf_free(&b);
    store_close(s);
    return rc;
}

int cmd_credit(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"show", "credit show", credit_show},
    };
    return cli_dispatch("credit", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
