/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h: the subcommands of the renkei command, one file each. Each takes the arguments
 * after its name (argv[0] is the subcommand name) and returns the process exit status:
 * 0 success, 1 failure of the operation, 2 bad usage. With --json a command prints one JSON
 * object on stdout (errors as {"error": "..."} on stdout too, with a non-zero status).
 */
#ifndef RK_CLI_H
#define RK_CLI_H

int cmd_init(int argc, char **argv);       /* renkei init --data DIR [--name N] [--json] */
int cmd_serve(int argc, char **argv);      /* renkei serve --data DIR --listen ADDR:PORT ... */
int cmd_org(int argc, char **argv);        /* renkei org add|list ... */
int cmd_token(int argc, char **argv);      /* renkei token create ... */
int cmd_collection(int argc, char **argv); /* renkei collection add|list ... */
int cmd_push(int argc, char **argv);       /* renkei push URL FILE... */
int cmd_pull(int argc, char **argv);       /* renkei pull URL */
int cmd_report(int argc, char **argv);     /* renkei report [options] URL */
int cmd_search(int argc, char **argv);     /* renkei search HUB_URL VALUE... */
int cmd_alert(int argc, char **argv);      /* renkei alert subscribe|watch|stream... */
/* The sharing policy: */
int cmd_policy(int argc, char **argv);     /* renkei policy show|set|load ... */
int cmd_audit(int argc, char **argv);      /* renkei audit verify|list ... */
int cmd_credit(int argc, char **argv);     /* renkei credit show --org N */
int cmd_provenance(int argc, char **argv); /* renkei provenance show ID */

#endif /* RK_CLI_H */
