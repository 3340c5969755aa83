/* SPDX-License-Identifier: Apache-2.0 */
/*
 * init.c: `renkei init` creates a data folder and a new hub in it: the store, the sector
 * table, the coordinator organisation and its first token, shown once.
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/admin.h"
#include "policy/auth.h"
#include "policy/hub.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
    "Usage: renkei init [--data DIR] [--name NAME] [--sectors FILE] [--json]\n"
    "\n"
    "Creates a new hub in DIR (created if needed): the store DIR/renkei.db, the sector\n"
    "table, the coordinator organisation and one coordinator token. The token is shown\n"
    "once; keep it safe. An already initialised DIR is refused.\n"
    "\n"
    "Options:\n"
    "  --data DIR       data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --name NAME      name of the coordinator organisation (default \"coordinator\")\n"
    "  --sectors FILE   sector table, key<TAB>name lines (default data/sectors.tsv)\n"
    "  --json           print {\"token\": ..., ...} instead of prose\n"
    "\n"
    "Example:\n"
    "  renkei init --data /var/lib/renkei --name jpcert\n";

/* Creates dir and its missing parents with mode 0700. */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(path))
        return -1;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char c = path[i];
            path[i] = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST)
                return -1;
            path[i] = c;
        }
    }
    return 0;
}

int cmd_init(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"name", "NAME", false, NULL, false},
        {"sectors", "FILE", false, NULL, false},
        {"json", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    char path[4096], location[4200];
    char token[POLICY_TOKEN_LEN + 1];
    struct store *s = NULL;
    struct rk_hub hub;
    struct rk_err err;
    struct stat st;
    const char *dir;
    const char *name;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    dir = cli_data_dir(cli_opt_value(opts, n_opts, "data"));
    name = cli_opt_value(opts, n_opts, "name");
    if (name == NULL)
        name = "coordinator";
    rk_err_clear(&err);

    if (make_dirs(dir) != 0)
        return cli_fail(json, 1, "cannot create %s: %s", dir, strerror(errno));
    snprintf(path, sizeof(path), "%s/renkei.db", dir);
    if (stat(path, &st) == 0)
        return cli_fail(json, 1, "%s already holds a hub (%s); refusing to initialise it again",
                        dir, path);
    snprintf(location, sizeof(location), "sqlite:%s", path); /* whatever DIR looks like */
    if (store_open(location, &s, &err) != 0)
        return cli_fail(json, 1, "cannot create %s: %s", path, err.msg);
    rc = policy_hub_init_sectors(s, name, cli_opt_value(opts, n_opts, "sectors"), token, &err);
    if (rc == 0)
        rc = policy_hub_load(s, &hub, &err);
    if (rc != 0) {
        store_close(s);
        /* A half-made store would make the next init refuse; remove what we created. */
        if (rc != RK_E_EXISTS) {
            char side[4200];
            remove(path);
            snprintf(side, sizeof(side), "%s-wal", path);
            remove(side);
            snprintf(side, sizeof(side), "%s-shm", path);
            remove(side);
        }
        return cli_fail(json, 1, "init failed: %s", err.msg);
    }
    if (json) {
        cli_json_print(json_pack("{s:s, s:s, s:s, s:s, s:s}", "token", token, "data", dir, "org",
                                 name, "api_root", hub.api_root, "identity_id", hub.identity_id));
    } else {
        printf("Initialised a renkei hub in %s (coordinator organisation \"%s\").\n\n", dir, name);
        printf("Coordinator token (shown ONCE; store it safely, it cannot be recovered):\n\n"
               "    %s\n\n",
               token);
        printf("Next steps:\n"
               "  renkei org add --data %s --name ORG --sector finance\n"
               "  renkei token create --data %s --org ORG --role contributor\n"
               "  renkei collection add --data %s --title \"Indicator feeds\" --read all "
               "--write all\n"
               "  renkei serve --data %s --listen 127.0.0.1:8470\n",
               dir, dir, dir, dir);
    }
    memset(token, 0, sizeof(token));
    store_close(s);
    return 0;
}
