/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.c: option parsing for the renkei subcommands. Options are long only ("--opt value"
 * or "--opt=value"); every subcommand describes its options in a table, so that unknown
 * and missing options are reported the same way everywhere.
 */
#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cli_opt *find(struct cli_opt *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

/* Reports a usage problem (msg names what is wrong) and the usage, on stderr. */
static int usage_error(const char *usage, const char *cmd, const char *msg)
{
    fprintf(stderr, "renkei %s: %s\n\n%s", cmd, msg, usage);
    return CLI_USAGE;
}

/* usage_error() with the message pre + what + post. */
static int usage_problem(const char *usage, const char *cmd, const char *pre, const char *what,
                         const char *post)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "%s%s%s%s", pre,
             pre[strlen(pre) - 1] == ' ' || pre[strlen(pre) - 1] == '-' ? "" : " ", what, post);
    return usage_error(usage, cmd, msg);
}

int cli_parse(const char *usage, int argc, char **argv, struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos)
{
    const char *cmd = argc > 0 ? argv[0] : "renkei";
    bool only_pos = false;

    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(usage, stdout);
            return CLI_HELP;
        }
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            const char *name = a + (a[1] == '-' ? 2 : 1);
            const char *eq = strchr(name, '=');
            size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
            struct cli_opt *o = a[1] == '-' ? find(opts, n_opts, name, len) : NULL;
            if (o == NULL)
                return usage_problem(usage, cmd, "unknown option", a, "");
            if (o->arg == NULL) {
                if (eq != NULL)
                    return usage_problem(usage, cmd, "option --", o->name, " takes no value");
                o->set = true;
                continue;
            }
            if (eq != NULL) {
                o->value = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_problem(usage, cmd, "option --", o->name, " needs a value");
                o->value = argv[++i];
            }
            o->set = true;
            continue;
        }
        if (*n_pos >= max_pos)
            return usage_problem(usage, cmd, "unexpected argument ", a, "");
        pos[(*n_pos)++] = a;
    }
    for (size_t i = 0; i < n_opts; i++)
        if (opts[i].required && !opts[i].set)
            return usage_problem(usage, cmd, "missing required option --", opts[i].name, "");
    return 0;
}

int cli_start(const char *usage, int argc, char **argv, struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos, bool *json)
{
    int rc = cli_parse(usage, argc, argv, opts, n_opts, pos, max_pos, n_pos);

    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    *json = cli_opt_set(opts, n_opts, "json");
    return CLI_CONTINUE;
}

const char *cli_opt_value(const struct cli_opt *opts, size_t n_opts, const char *name)
{
    for (size_t i = 0; i < n_opts; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].value;
    return NULL;
}

bool cli_opt_set(const struct cli_opt *opts, size_t n_opts, const char *name)
{
    for (size_t i = 0; i < n_opts; i++)
        if (strcmp(opts[i].name, name) == 0)
            return opts[i].set;
    return false;
}

const char *cli_data_dir(const char *opt)
{
    const char *env;

    if (opt != NULL && opt[0] != '\0')
        return opt;
    env = getenv("RENKEI_DATA");
    if (env != NULL && env[0] != '\0')
        return env;
    return "./renkei-data";
}

int cli_dispatch(const char *command, const char *usage, const struct cli_subcommand *subs,
                 size_t n, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            argv[1] = (char *)subs[i].label;
            return subs[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "renkei %s: unknown subcommand '%s'\n\n%s", command, argv[1], usage);
    return CLI_USAGE;
}
