/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.c: option parsing for the renkei subcommands. Options are long only ("--opt value"
 * or "--opt=value"); every subcommand describes its options in a table, so that unknown
 * and missing options are reported the same way everywhere.
 */
#include "cli/args.h"

#include <stdarg.h>
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

/* Reports the usage problem pre + what + post of cmd on stderr, as cli_usage_error(). */
static int usage_problem(const char *cmd, const char *pre, const char *what, const char *post)
{
    return cli_usage_error(cmd, false, "%s%s%s%s", pre,
                           pre[strlen(pre) - 1] == ' ' || pre[strlen(pre) - 1] == '-' ? "" : " ",
                           what, post);
}

int cli_usage_error(const char *cmd, bool json, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (json) {
        cli_json_print(json_pack("{s:s}", "error", msg));
    } else {
        fprintf(stderr, "renkei %s: %s\nTry 'renkei %s --help'.\n", cmd, msg, cmd);
    }
    return CLI_USAGE;
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
                return usage_problem(cmd, "unknown option", a, "");
            if (o->arg == NULL) {
                if (eq != NULL)
                    return usage_problem(cmd, "option --", o->name, " takes no value");
                o->set = true;
                continue;
            }
            if (eq != NULL) {
                o->value = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return usage_problem(cmd, "option --", o->name, " needs a value");
                o->value = argv[++i];
            }
            o->set = true;
            continue;
        }
        if (*n_pos >= max_pos)
            return usage_problem(cmd, "unexpected argument ", a, "");
        pos[(*n_pos)++] = a;
    }
    for (size_t i = 0; i < n_opts; i++)
        if (opts[i].required && !opts[i].set)
            return usage_problem(cmd, "missing required option --", opts[i].name, "");
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
    char names[256] = "";
    size_t len = 0;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    for (size_t i = 0; argc >= 2 && i < n; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            argv[1] = (char *)subs[i].label;
            return subs[i].run(argc - 1, argv + 1);
        }
    }
    for (size_t i = 0; i < n && len < sizeof(names); i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", sep, subs[i].name);
    }
    if (argc < 2)
        return cli_usage_error(command, false, "which subcommand? %s", names);
    return cli_usage_error(command, false, "unknown subcommand '%s' (%s)", argv[1], names);
}
