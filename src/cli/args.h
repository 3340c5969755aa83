/* SPDX-License-Identifier: Apache-2.0 */
/*
 * args.h: the small helpers every renkei subcommand shares: option parsing ("--opt value"
 * and "--opt=value", required options reported by name), the data folder, opening the
 * store, and printing results and errors either for humans or as one JSON object (--json).
 */
#ifndef RK_CLI_ARGS_H
#define RK_CLI_ARGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* One option of a subcommand; value and set are filled by cli_parse(). */
struct cli_opt {
    const char *name;  /* long name without the dashes, e.g. "data" */
    const char *arg;   /* metavariable for an option that takes a value; NULL for a flag */
    bool required;     /* cli_parse() fails naming it when absent */
    const char *value; /* the value given (borrowed from argv), NULL if none */
    bool set;          /* the option appeared */
};

enum { CLI_HELP = -1, CLI_USAGE = 2 };

/*
 * Parses argv[1..argc) against opts. --help/-h prints usage on stdout and returns CLI_HELP
 * (exit 0). An unknown option, a missing value, a missing required option or a positional
 * argument beyond max_pos is reported on stderr as cli_usage_error() does (the problem in
 * one line and where the help is, never the whole usage) and returns CLI_USAGE. Positional
 * arguments (borrowed) go to pos[0..*n_pos). 0 on success.
 */
int cli_parse(const char *usage, int argc, char **argv, struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos);

/* cli_start() returns this when the command goes on; any other value is its exit status. */
enum { CLI_CONTINUE = -2 };

/*
 * The start of every subcommand: cli_parse(), then *json says whether --json was given.
 * Returns CLI_CONTINUE to go on; otherwise the exit status to return at once: 0 after
 * --help (usage printed), CLI_USAGE after a usage problem (reported on stderr).
 */
int cli_start(const char *usage, int argc, char **argv, struct cli_opt *opts, size_t n_opts,
              const char **pos, size_t max_pos, size_t *n_pos, bool *json);

/* One subcommand of a command with subcommands ("org add", "org list"). */
struct cli_subcommand {
    const char *name;                  /* as typed after the command, e.g. "add" */
    const char *label;                 /* names it in usage errors, e.g. "org add" */
    int (*run)(int argc, char **argv); /* argv[0] is label; returns the exit status */
};

/*
 * Runs the subcommand of command (e.g. "org") that argv[1] names among subs[0..n), with
 * argv shifted by one. --help/-h prints usage on stdout and returns 0; no argument or an
 * unknown name is reported with the subcommands' names by cli_usage_error() and returns
 * CLI_USAGE. Otherwise returns what the subcommand returns.
 */
int cli_dispatch(const char *command, const char *usage, const struct cli_subcommand *subs,
                 size_t n, int argc, char **argv);

/*
 * Reports a usage problem of cmd (e.g. "org add"): with json, {"error": message} on stdout;
 * otherwise "renkei CMD: message" and "Try 'renkei CMD --help'." on stderr, never the whole
 * usage, which would scroll the problem away. Returns CLI_USAGE (exit status 2).
 */
int cli_usage_error(const char *cmd, bool json, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value of option name in opts, or NULL. */
const char *cli_opt_value(const struct cli_opt *opts, size_t n_opts, const char *name);
bool cli_opt_set(const struct cli_opt *opts, size_t n_opts, const char *name);

/* The data folder: the --data value, else $RENKEI_DATA, else "./renkei-data". */
const char *cli_data_dir(const char *opt);

/*
 * Opens renkei.db in the data folder the options name (cli_data_dir() of --data), then
 * clears err (if not NULL) for the calls the command makes next. 0 and *out on success;
 * when the folder is not an initialised hub or the store cannot be opened, 1 after
 * reporting it (respecting json).
 */
int cli_open_data_store(const struct cli_opt *opts, size_t n_opts, bool json, struct store **out,
                        struct rk_err *err);

/*
 * The start of a subcommand whose only options are --data and --json and that takes no
 * argument: cli_start(), then cli_open_data_store(). Returns CLI_CONTINUE with *json set
 * and *out open (the caller closes it); otherwise the exit status to return at once: 0
 * after --help, CLI_USAGE after a usage problem, 1 when the store cannot be opened (all
 * reported).
 */
int cli_start_with_store(const char *usage, int argc, char **argv, bool *json, struct store **out,
                         struct rk_err *err);

/*
 * The document a policy_* call wrote as JSON text into text, parsed (a new reference), when
 * rc is 0. NULL when rc is not 0 or the text is not JSON.
 */
json_t *cli_result_doc(int rc, const struct rk_buf *text);

/*
 * Prints a command's result document: with json as one line (cli_json_print), otherwise
 * through print_human. Consumes doc.
 */
void cli_print_result(bool json, json_t *doc, void (*print_human)(const json_t *doc));

/*
 * Reports a failure: with json, {"error": message} on stdout; otherwise "renkei: message"
 * on stderr. Returns status so callers can `return cli_fail(json, 1, ...)`.
 */
int cli_fail(bool json, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Reports a failure of command (e.g. "push") like cli_fail, but names it on stderr:
 * "renkei push: message"; with json, {"error": message} on stdout.
 */
void cli_fail_named(const char *command, bool json, const char *msg);

/* Prints v as one line of JSON on stdout and flushes; consumes the reference. */
void cli_json_print(json_t *v);

/* ---- the options of the TAXII client commands, push and pull (client.c) ---------------- */

struct sync_opts;

/*
 * getopt_long values of the connection options every client command takes (--token,
 * --user, --password, --cacert, --insecure); a command numbers its own from
 * CLI_OPT_CLIENT_END.
 */
enum {
    CLI_OPT_TOKEN = 256,
    CLI_OPT_USER,
    CLI_OPT_PASSWORD,
    CLI_OPT_CACERT,
    CLI_OPT_INSECURE,
    CLI_OPT_CLIENT_END,
};

/*
 * The usage error of a client command (cmd: "push", "pull") for getopt_long's ':' (an option
 * without its value) or '?' (an unknown option) result, as cli_usage_error reports it.
 * Returns CLI_USAGE.
 */
int cli_client_option_error(const char *cmd, int opt, char **argv);

/*
 * If opt is one of the connection options, stores arg (borrowed) in so and returns true;
 * otherwise returns false and leaves so alone.
 */
bool cli_client_option(int opt, const char *arg, struct sync_opts *so);

/*
 * Completes so once the options are parsed: with none of --token, --user and --password the
 * token comes from $RENKEI_TOKEN; an empty token means none; the request timeout is set.
 */
void cli_client_finish(struct sync_opts *so, long timeout_s);

#endif /* RK_CLI_ARGS_H */
