/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c: the connection options that the TAXII client commands (push, pull) share, their
 * usage errors, and where their token comes from when none is given.
 */
#include "cli/args.h"
#include "sync/sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

bool cli_client_option(int opt, const char *arg, struct sync_opts *so)
{
    switch (opt) {
    case CLI_OPT_TOKEN:
        so->token = arg;
        return true;
    case CLI_OPT_USER:
        so->user = arg;
        return true;
    case CLI_OPT_PASSWORD:
        so->password = arg;
        return true;
    case CLI_OPT_CACERT:
        so->cacert = arg;
        return true;
    case CLI_OPT_INSECURE:
        so->insecure = true;
        return true;
    default:
        return false;
    }
}

int cli_client_option_error(const char *cmd, int opt, char **argv)
{
    const char *what = opt == ':' ? "needs a value" : "is unknown";

    if (optopt != 0 && optopt < CLI_OPT_TOKEN)
        return cli_usage_error(cmd, false, "option -%c %s", optopt, what);
    return cli_usage_error(cmd, false, "option %s %s", argv[optind - 1], what);
}

void cli_client_finish(struct sync_opts *so, long timeout_s)
{
    if (so->token == NULL && so->user == NULL && so->password == NULL)
        so->token = getenv("RENKEI_TOKEN");
    if (so->token != NULL && *so->token == '\0')
        so->token = NULL;
    so->timeout_s = timeout_s;
}
