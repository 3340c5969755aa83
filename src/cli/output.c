/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.c: how subcommands talk back: one JSON object on stdout with --json (errors too,
 * as {"error": "..."}), otherwise prose for humans, errors on stderr. Also opening the
 * store of an existing data folder, which every command but init and serve does alike.
 */
#include "cli/args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int cli_fail(bool json, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (json) {
        cli_json_print(json_pack("{s:s}", "error", msg));
    } else {
        fprintf(stderr, "renkei: %s\n", msg);
    }
    return status;
}

void cli_fail_named(const char *command, bool json, const char *msg)
{
    if (json)
        cli_json_print(json_pack("{s:s}", "error", msg));
    else
        fprintf(stderr, "renkei %s: %s\n", command, msg);
}

void cli_json_print(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT);

    if (s != NULL) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    fflush(stdout);
    json_decref(v);
}

/* Opens DIR/renkei.db of an initialised hub; reports a missing one as not initialised. */
static int open_data_store(const char *dir, bool json, struct store **out)
{
    char path[4096], location[4200];
    struct stat st;
    struct rk_err err;

    rk_err_clear(&err);
    *out = NULL;
    snprintf(path, sizeof(path), "%s/renkei.db", dir);
    if (stat(path, &st) != 0)
        return cli_fail(json, 1, "%s is not an initialised hub (run: renkei init --data %s)", dir,
                        dir);
    snprintf(location, sizeof(location), "sqlite:%s", path); /* whatever DIR looks like */
    if (store_open(location, out, &err) != 0)
        return cli_fail(json, 1, "cannot open %s: %s", path, err.msg);
    return 0;
}

int cli_open_data_store(const struct cli_opt *opts, size_t n_opts, bool json, struct store **out,
                        struct rk_err *err)
{
    if (open_data_store(cli_data_dir(cli_opt_value(opts, n_opts, "data")), json, out) != 0)
        return 1;
    if (err != NULL)
        rk_err_clear(err);
    return 0;
}

int cli_start_with_store(const char *usage, int argc, char **argv, bool *json, struct store **out,
                         struct rk_err *err)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    int rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, json);

    *out = NULL;
    if (rc != CLI_CONTINUE)
        return rc;
    if (cli_open_data_store(opts, n_opts, *json, out, err) != 0)
        return 1;
    return CLI_CONTINUE;
}

json_t *cli_result_doc(int rc, const struct rk_buf *text)
{
    if (rc != 0)
        return NULL;
    return json_loads(text->data != NULL ? text->data : "", 0, NULL);
}

void cli_print_result(bool json, json_t *doc, void (*print_human)(const json_t *doc))
{
    if (json) {
        cli_json_print(doc);
        return;
    }
    print_human(doc);
    json_decref(doc);
}
