/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: the renkei command. It only dispatches `renkei <command>` to the subcommand's
 * file; every subcommand parses its own options and calls the library.
 */
#include "cli/cli.h"
#include "cli/modules.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    bool hub; /* works on a hub's data folder: takes --data DIR */
    const char *summary;
};

static const struct command commands[] = {
    {"init", cmd_init, true, "create a new hub in a data folder"},
    {"serve", cmd_serve, true, "run the hub (TAXII 2.1 and the admin API)"},
    {"org", cmd_org, true, "add or list member organisations"},
    {"token", cmd_token, true, "create, list and revoke API tokens"},
    {"collection", cmd_collection, true, "add or list collections"},
    {"push", cmd_push, false, "send STIX files to a TAXII 2.1 collection"},
    {"pull", cmd_pull, false, "fetch objects from a TAXII 2.1 collection"},
    {"report", cmd_report, false, "post an incident report and print the hub's severity"},
    {"search", cmd_search, false, "ask a hub who else reported a value (IP, domain, hash...)"},
    {"alert", cmd_alert, false,
     "subscriptions, watchlist, the event stream and the hotline on a hub"},
    {"policy", cmd_policy, true, "show or change the sharing policy"},
    {"audit", cmd_audit, true, "verify or list the audit log"},
    {"credit", cmd_credit, true, "show an organisation's contribution credit"},
    {"provenance", cmd_provenance, true, "show the originals and real source of an object"},
};
static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

/* Prints the names of the commands whose hub field is hub, as "a, b and c". */
static void print_names(FILE *f, bool hub)
{
    size_t n = 0, k = 0;

    for (size_t i = 0; i < n_commands; i++)
        n += commands[i].hub == hub;
    for (size_t i = 0; i < n_commands; i++) {
        if (commands[i].hub != hub)
            continue;
        k++;
        fprintf(f, "%s%s", k == 1 ? "" : k == n ? " and " : ", ", commands[i].name);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: renkei <command> [options]\n"
               "       renkei help <command>   (or renkei <command> --help)\n"
               "       renkei --version\n\n"
               "renkei is a STIX 2.1 / TAXII 2.1 threat-sharing hub.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --help, and --json for machine-readable output.\n"
               "The commands that work on a hub's data folder take --data DIR (default\n"
               "$RENKEI_DATA, else ./renkei-data): all but ");
    print_names(f, false);
    fprintf(f, ", which\nare clients of a running hub and take its URL instead (a collection's "
               "URL, or\nfor search and alert the hub's).\n"
               "Exit status: 0 ok, 1 failed, 2 bad usage (push and report also 4: refused).\n\n"
               "Example, a hub in five commands:\n"
               "  renkei init --data hub\n"
               "  renkei org add --data hub --name acme-power --sector electric-power\n"
               "  renkei token create --data hub --org acme-power --role contributor\n"
               "  renkei collection add --data hub --title \"Indicator feeds\" --read all "
               "--write all\n"
               "  renkei serve --data hub\n");
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct command *c;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("renkei %s\n", RENKEI_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        c = find(argv[2]);
        if (c == NULL) {
            fprintf(stderr, "renkei: unknown command '%s'\nTry 'renkei --help'.\n", argv[2]);
            return 2;
        }
        char *help_argv[] = {argv[2], (char *)"--help", NULL};
        return c->fn(2, help_argv);
    }
    c = find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "renkei: unknown command '%s'\nTry 'renkei --help'.\n", argv[1]);
        return 2;
    }
    struct rk_err err = {0};
    if (cli_policy_sections_add(&err) != 0) {
        fprintf(stderr, "renkei: %s\n", err.msg);
        return 1;
    }
    return c->fn(argc - 1, argv + 1);
}
