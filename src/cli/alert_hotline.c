/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_hotline.c: the hotline from the command line, as a client of a running hub:
 * `renkei alert raise` (the coordinator raises an urgent alert from a template), `renkei
 * alert ack` (a member acknowledges one) and `renkei alert alerts` (the alerts the token may
 * see; with an id, one alert: every recipient's state for the coordinator). Each is a
 * subcommand function of the `renkei alert` dispatcher (cli_alert_raise, cli_alert_ack,
 * cli_alert_alerts), listed in its table (alert.c).
 */
#include "cli.h"
#include "cli/alert.h"
#include "cli/args.h"
#include "sync/sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_USAGE                                                                                 \
    "  --token T           Bearer token (default $RENKEI_TOKEN)\n"                                 \
    "  --user U            HTTP Basic user name (with --password)\n"                               \
    "  --password P        HTTP Basic password (the token)\n"                                      \
    "  --cacert FILE       trust the CA certificates in FILE\n"                                    \
    "  --insecure          do not verify the server's TLS certificate\n"                           \
    "  --timeout SECONDS   limit on the request (default 60)\n"                                    \
    "  --json              print the hub's answer as one line of JSON\n"

static const char raise_usage[] =
    "Usage: renkei alert raise [--token T | --user U --password P] [--cacert FILE] [--insecure]\n"
    "                          [--incident ID] [--sector S]... [--ack-seconds N]\n"
    "                          [--json] [--timeout SECONDS]\n"
    "                          HUB_URL --template T --summary S\n"
    "\n"
    "Raises an urgent hotline alert on the hub at HUB_URL (coordinator token): every member\n"
    "organisation gets it, the affected sectors (--sector) with the fields the template\n"
    "gives them (indicators, mitigations, the incident as each may read them), the others\n"
    "theirs (a summary). Each must acknowledge within the template's time (or\n"
    "--ack-seconds), else it escalates to its backup contacts, then to the coordinator.\n"
    "\n"
    "Options:\n"
    "  --template T        a template of the policy's hotline section (e.g. ransomware,\n"
    "                      ics-intrusion, data-breach, ddos, generic)\n"
    "  --summary S         one line every recipient whose template allows it reads\n"
    "  --incident ID       the incident (incident--...) the alert is about\n"
    "  --sector S          an affected sector (repeat for several)\n"
    "  --ack-seconds N     time to acknowledge, instead of the template's\n" CONN_USAGE "\n"
    "Example:\n"
    "  renkei alert raise https://hub.example:8443 --template ransomware \\\n"
    "      --summary 'Ransomware at a power company' --sector electric-power\n";

static const char ack_usage[] =
    "Usage: renkei alert ack [--token T | --user U --password P] [--cacert FILE] [--insecure]\n"
    "                        [--json] [--timeout SECONDS] HUB_URL ALERT_ID\n"
    "\n"
    "Acknowledges hotline alert ALERT_ID for the token's organisation (acknowledging again\n"
    "changes nothing).\n"
    "\n"
    "Options:\n" CONN_USAGE "\n"
    "Example:\n"
    "  renkei alert ack https://hub.example:8443 0b3c...\n";

static const char alerts_usage[] =
    "Usage: renkei alert alerts [--token T | --user U --password P] [--cacert FILE]\n"
    "                           [--insecure] [--json] [--timeout SECONDS]\n"
    "                           HUB_URL [ALERT_ID]\n"
    "\n"
    "Lists the hotline alerts the token may see (a member: those addressed to its\n"
    "organisation; the coordinator: all, with how many acknowledged). With ALERT_ID, that\n"
    "alert: the member's own view, or for the coordinator every recipient's\n"
    "acknowledgement and escalation stage.\n"
    "\n"
    "Options:\n" CONN_USAGE "\n"
    "Example:\n"
    "  renkei alert alerts https://hub.example:8443\n";

enum {
    OPT_TEMPLATE = CLI_OPT_CLIENT_END,
    OPT_SUMMARY,
    OPT_INCIDENT,
    OPT_SECTOR,
    OPT_ACK_SECONDS,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_HELP,
};

static const struct option options[] = {
    {"token", required_argument, NULL, CLI_OPT_TOKEN},
    {"user", required_argument, NULL, CLI_OPT_USER},
    {"password", required_argument, NULL, CLI_OPT_PASSWORD},
    {"cacert", required_argument, NULL, CLI_OPT_CACERT},
    {"insecure", no_argument, NULL, CLI_OPT_INSECURE},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"incident", required_argument, NULL, OPT_INCIDENT},
    {"sector", required_argument, NULL, OPT_SECTOR},
    {"ack-seconds", required_argument, NULL, OPT_ACK_SECONDS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* What one invocation was given. */
struct alert_args {
    struct sync_opts so;
    const char *template, *summary, *incident;
    json_t *sectors;
    int64_t ack_seconds, timeout_s;
    bool json;
    char **pos;
    int n_pos;
};

/* Parses argv for cmd; the options it does not take (raise's) are refused. Returns
 * CLI_CONTINUE, or the exit status. */
static int parse(const char *cmd, const char *usage, bool raise, int argc, char **argv,
                 struct alert_args *a)
{
    int opt;
    memset(a, 0, sizeof *a);
    a->timeout_s = 60;
    a->sectors = json_array();
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (cli_client_option(opt, optarg, &a->so))
            continue;
        if (!raise && opt >= OPT_TEMPLATE && opt <= OPT_ACK_SECONDS)
            return cli_usage_error(cmd, a->json, "%s takes no %s", cmd, argv[optind - 1]);
        switch (opt) {
        case OPT_TEMPLATE:
            a->template = optarg;
            break;
        case OPT_SUMMARY:
            a->summary = optarg;
            break;
        case OPT_INCIDENT:
            a->incident = optarg;
            break;
        case OPT_SECTOR:
            json_array_append_new(a->sectors, json_string(optarg));
            break;
        case OPT_ACK_SECONDS:
            if (rk_parse_int64(optarg, 1, 604800, &a->ack_seconds) != 0)
                return cli_usage_error(cmd, a->json,
                                       "--ack-seconds wants a number from 1 to 604800");
            break;
        case OPT_TIMEOUT:
            if (rk_parse_int64(optarg, 1, 86400, &a->timeout_s) != 0)
                return cli_usage_error(cmd, a->json,
                                       "--timeout wants a positive number of seconds");
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case 'h':
        case OPT_HELP:
            fputs(usage, stdout);
            return 0;
        default:
            return cli_client_option_error(cmd, opt, argv);
        }
    }
    a->pos = argv + optind;
    a->n_pos = argc - optind;
    cli_client_finish(&a->so, (long)a->timeout_s);
    return CLI_CONTINUE;
}

/* GETs or POSTs (body not NULL) path on the hub through the `renkei alert` client call;
 * prints the answer as JSON or with print. */
static int call(const char *cmd, struct alert_args *a, const char *path, const json_t *body,
                void (*print)(const json_t *answer))
{
    struct alert_cli_args c;
    json_t *out = NULL;

    memset(&c, 0, sizeof c);
    c.label = cmd;
    c.so = a->so;
    c.hub = a->pos[0];
    c.json = a->json;
    int rc = alert_cli_call(&c, body != NULL ? "POST" : "GET", path, body, &out);
    if (rc == 0) {
        if (a->json)
            cli_json_print(json_incref(out));
        else
            print(out);
    }
    json_decref(out);
    return rc;
}

static void print_raised(const json_t *v)
{
    printf("alert %s raised\n", json_string_value(json_object_get(v, "id")));
}

static void print_acked(const json_t *v)
{
    printf("alert %s acknowledged at %s\n", json_string_value(json_object_get(v, "id")),
           json_string_value(json_object_get(v, "acknowledged_at")));
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "-";
}

static void print_alert(const json_t *v)
{
    size_t i;
    const json_t *r;
    printf("%s  %s  created %s  acknowledge by %s\n", str(v, "id"), str(v, "template"),
           str(v, "created"), str(v, "ack_by"));
    if (json_object_get(v, "summary") != NULL)
        printf("  %s\n", str(v, "summary"));
    if (json_is_integer(json_object_get(v, "acknowledged")))
        printf("  acknowledged by %lld, not by %lld\n",
               (long long)json_integer_value(json_object_get(v, "acknowledged")),
               (long long)json_integer_value(json_object_get(v, "not_acknowledged")));
    if (json_object_get(v, "audience") != NULL)
        printf("  you: %s; acknowledged %s\n", str(v, "audience"), str(v, "acknowledged_at"));
    json_array_foreach(json_object_get(v, "recipients"), i, r)
    {
        printf("  %-24s %-16s acknowledged %s  escalation %lld\n", str(r, "name"), str(r, "sector"),
               str(r, "acknowledged_at"),
               (long long)json_integer_value(json_object_get(r, "escalation")));
    }
}

static void print_alerts(const json_t *v)
{
    size_t i;
    const json_t *a;
    if (json_array_size(json_object_get(v, "alerts")) == 0)
        puts("no alerts");
    json_array_foreach(json_object_get(v, "alerts"), i, a) print_alert(a);
}

int cli_alert_raise(int argc, char **argv)
{
    struct alert_args a;
    int rc = parse("alert raise", raise_usage, true, argc, argv, &a);
    if (rc == CLI_CONTINUE && (a.n_pos != 1 || a.template == NULL || a.summary == NULL))
        rc = cli_usage_error("alert raise", a.json,
                             "a hub URL, --template and --summary are needed");
    if (rc == CLI_CONTINUE) {
        json_t *body = json_pack("{s:s, s:s}", "template", a.template, "summary", a.summary);
        if (a.incident != NULL)
            json_object_set_new(body, "incident", json_string(a.incident));
        if (json_array_size(a.sectors) > 0)
            json_object_set(body, "sectors", a.sectors);
        if (a.ack_seconds > 0)
            json_object_set_new(body, "ack_seconds", json_integer(a.ack_seconds));
        rc = call("alert raise", &a, "/api/v1/alerts", body, print_raised);
        json_decref(body);
    }
    json_decref(a.sectors);
    return rc;
}

int cli_alert_ack(int argc, char **argv)
{
    struct alert_args a;
    int rc = parse("alert ack", ack_usage, false, argc, argv, &a);
    if (rc == CLI_CONTINUE && a.n_pos != 2)
        rc = cli_usage_error("alert ack", a.json, "a hub URL and an alert id are needed");
    if (rc == CLI_CONTINUE) {
        struct rk_buf path = RK_BUF_INIT;
        json_t *body = json_object();
        rk_buf_printf(&path, "/api/v1/alerts/%s/ack", a.pos[1]);
        rc = call("alert ack", &a, path.data, body, print_acked);
        json_decref(body);
        rk_buf_free(&path);
    }
    json_decref(a.sectors);
    return rc;
}

int cli_alert_alerts(int argc, char **argv)
{
    struct alert_args a;
    int rc = parse("alert alerts", alerts_usage, false, argc, argv, &a);
    if (rc == CLI_CONTINUE && (a.n_pos < 1 || a.n_pos > 2))
        rc = cli_usage_error("alert alerts", a.json, "a hub URL and at most one alert id");
    if (rc == CLI_CONTINUE) {
        struct rk_buf path = RK_BUF_INIT;
        rk_buf_printf(&path, "/api/v1/alerts%s%s", a.n_pos == 2 ? "/" : "",
                      a.n_pos == 2 ? a.pos[1] : "");
        rc = call("alert alerts", &a, path.data, NULL, a.n_pos == 2 ? print_alert : print_alerts);
        rk_buf_free(&path);
    }
    json_decref(a.sectors);
    return rc;
}
