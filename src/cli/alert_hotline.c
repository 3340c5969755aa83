/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_hotline.c: the hotline from the command line, as a client of a running hub:
 * `renkei alert raise` (the coordinator raises an urgent alert from a template), `renkei
 * alert ack` (a member acknowledges one) and `renkei alert alerts` (the alerts the token may
 * see; with an id, one alert: every recipient's state for the coordinator). Each is a
 * subcommand of the `renkei alert` dispatcher (alert.c), parsed and called through its
 * shared parser and client call (alert.h).
 */
#include "cli.h"
#include "cli/alert.h"
#include "cli/args.h"
#include "sync/sync.h"

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
    "  --json              print the hub's answer as one line of JSON\n"                           \
    "  --org ORG           the coordinator acts for organisation ORG (ack: acknowledges\n"         \
    "                      for it, e.g. after a call on the phone)\n"

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

/* Calls method on path of the hub (the `renkei alert` client call) and prints the answer as
 * JSON or with print. */
static int call(const struct alert_cli_args *a, const char *method, const char *path,
                const json_t *body, void (*print)(const json_t *answer))
{
    json_t *out = NULL;
    int rc = alert_cli_call(a, method, path, body, &out);
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

int alert_cmd_raise(int argc, char **argv)
{
    struct alert_cli_args a;
    int rc = alert_cli_parse(&a, raise_usage,
                             ALERT_OPT_TEMPLATE | ALERT_OPT_SUMMARY | ALERT_OPT_INCIDENT |
                                 ALERT_OPT_SECTOR | ALERT_OPT_ACK_SECONDS,
                             0, 0, argc, argv);
    if (rc == CLI_CONTINUE && (a.template == NULL || a.summary == NULL))
        rc = cli_usage_error(a.label, a.json, "--template and --summary are needed");
    if (rc != CLI_CONTINUE)
        return rc;
    json_t *body = json_pack("{s:s, s:s}", "template", a.template, "summary", a.summary);
    if (a.incident != NULL)
        json_object_set_new(body, "incident", json_string(a.incident));
    if (a.n_sectors > 0) {
        json_t *sectors = json_array();
        for (size_t i = 0; i < a.n_sectors; i++)
            json_array_append_new(sectors, json_string(a.sectors[i]));
        json_object_set_new(body, "sectors", sectors);
    }
    if (a.ack_seconds > 0)
        json_object_set_new(body, "ack_seconds", json_integer(a.ack_seconds));
    rc = call(&a, "POST", "/api/v1/alerts", body, print_raised);
    json_decref(body);
    return rc;
}

int alert_cmd_ack(int argc, char **argv)
{
    struct alert_cli_args a;
    int rc = alert_cli_parse(&a, ack_usage, 0, 1, 1, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    struct rk_buf path = RK_BUF_INIT;
    json_t *body = json_object();
    rk_buf_printf(&path, "/api/v1/alerts/%s/ack", a.pos[0]);
    rc = call(&a, "POST", path.data, body, print_acked);
    json_decref(body);
    rk_buf_free(&path);
    return rc;
}

int alert_cmd_alerts(int argc, char **argv)
{
    struct alert_cli_args a;
    int rc = alert_cli_parse(&a, alerts_usage, 0, 0, 1, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    struct rk_buf path = RK_BUF_INIT;
    rk_buf_printf(&path, "/api/v1/alerts%s%s", a.n_pos == 1 ? "/" : "",
                  a.n_pos == 1 ? a.pos[0] : "");
    rc = call(&a, "GET", path.data, NULL, a.n_pos == 1 ? print_alert : print_alerts);
    rk_buf_free(&path);
    return rc;
}
