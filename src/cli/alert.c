/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.c: `renkei alert`, a client of a hub's alert API (docs/alerts.md): its usage, the
 * table of its subcommands (add a line to extend it), and what they share: parsing the options
 * every one takes and calling one route with the answer's errors reported as the other client
 * commands report them.
 */
#include "cli/alert.h"
#include "cli.h"
#include "cli/args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char alert_cli_usage[] =
    "Usage: renkei alert subscribe HUB_URL [--webhook URL --secret S] [--email ADDR]...\n"
    "                              [--filter JSON] [--label L] [OPTIONS]\n"
    "       renkei alert subscriptions HUB_URL [OPTIONS]\n"
    "       renkei alert unsubscribe HUB_URL ID [OPTIONS]\n"
    "       renkei alert watch HUB_URL ENTRY... [OPTIONS]\n"
    "       renkei alert watchlist HUB_URL [OPTIONS]\n"
    "       renkei alert unwatch HUB_URL ID [OPTIONS]\n"
    "       renkei alert stream HUB_URL [--last-event-id N] [--count N] [OPTIONS]\n"
    "       renkei alert raise HUB_URL --template T --summary S [--incident ID] [--sector S]\n"
    "       renkei alert ack HUB_URL ALERT_ID\n"
    "       renkei alert alerts HUB_URL [ALERT_ID]\n"
    "\n"
    "Sets up and follows the alerts of your organisation on the hub at HUB_URL (e.g.\n"
    "https://hub.example:8443), with a member's token (docs/alerts.md):\n"
    "  subscribe      adds a subscription: a filter (JSON, default {}: everything you may\n"
    "                 read) and its channels: a webhook signed with --secret (https://, or\n"
    "                 http:// to this machine), e-mail to each --email, or neither (the\n"
    "                 stream only); prints its id\n"
    "  subscriptions  lists them, with each one's delivery state (the secret is never shown)\n"
    "  unsubscribe    removes subscription ID\n"
    "  watch          adds each ENTRY to the watchlist: a domain (and its subdomains), an\n"
    "                 IP address or CIDR range, AS64500, @example.jp (e-mail domain),\n"
    "                 cpe:2.3:... or product:NAME; all or nothing; prints each one's id\n"
    "  watchlist      lists the watchlist and your organisation's own identifiers\n"
    "  unwatch        removes watchlist entry ID\n"
    "  stream         prints your organisation's events as they come (server-sent events),\n"
    "                 one line each (with --json the delivered body as one JSON line); it\n"
    "                 reconnects after a lost connection, resuming after the last event\n"
    "  raise          (coordinator) raises a hotline alert from a template of the policy\n"
    "  ack            acknowledges hotline alert ALERT_ID for your organisation\n"
    "  alerts         lists hotline alerts addressed to you (the coordinator: all), or one\n"
    "                 with who has acknowledged it (raise, ack and alerts take --help)\n"
    "\n"
    "Options:\n"
    "  --webhook URL        the webhook the hub POSTs each event to (subscribe)\n"
    "  --secret S           its secret, 16 characters or more: X-Renkei-Signature is the\n"
    "                       HMAC-SHA256 of the body with it (subscribe, with --webhook)\n"
    "  --email ADDR         send each event to ADDR by e-mail; repeat for more (subscribe)\n"
    "  --filter JSON        the subscription's filter, e.g. '{\"types\": [\"indicator\"]}'\n"
    "  --label L            a label of your choice for the subscription\n"
    "  --last-event-id N    stream the events after N (0: every event); default: only new ones\n"
    "  --count N            stop after N events (stream)\n"
    "  --org ORG            the coordinator acts on organisation ORG's alerts (not its stream)\n"
    "  --token T            Bearer token of a member (default $RENKEI_TOKEN)\n"
    "  --user U             HTTP Basic user name (with --password)\n"
    "  --password P         HTTP Basic password (the token)\n"
    "  --cacert FILE        trust the CA certificates in FILE\n"
    "  --insecure           do not verify the server's TLS certificate\n"
    "  --timeout SECONDS    limit on each request (default 60; stream: on connecting)\n"
    "  --json               print the hub's answer as one line of JSON\n"
    "\n"
    "Exit status: 0 done, 1 transport, HTTP or something the hub refused (the message says\n"
    "what), 2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  renkei alert watch https://hub.example:8443 example.jp 192.0.2.0/24 AS64500\n"
    "  renkei alert subscribe https://hub.example:8443 --filter '{\"watchlist\": true}' \\\n"
    "      --webhook https://soc.example.jp/renkei --secret \"$HOOK_SECRET\"\n"
    "  renkei alert stream --json https://hub.example:8443\n";

enum {
    OPT_WEBHOOK = CLI_OPT_CLIENT_END,
    OPT_SECRET,
    OPT_EMAIL,
    OPT_FILTER,
    OPT_LABEL,
    OPT_LAST_EVENT_ID,
    OPT_COUNT,
    OPT_TEMPLATE,
    OPT_SUMMARY,
    OPT_INCIDENT,
    OPT_SECTOR,
    OPT_ACK_SECONDS,
    OPT_ORG,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_HELP,
};

static const struct option alert_options[] = {
    {"token", required_argument, NULL, CLI_OPT_TOKEN},
    {"user", required_argument, NULL, CLI_OPT_USER},
    {"password", required_argument, NULL, CLI_OPT_PASSWORD},
    {"cacert", required_argument, NULL, CLI_OPT_CACERT},
    {"insecure", no_argument, NULL, CLI_OPT_INSECURE},
    {"webhook", required_argument, NULL, OPT_WEBHOOK},
    {"secret", required_argument, NULL, OPT_SECRET},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"label", required_argument, NULL, OPT_LABEL},
    {"last-event-id", required_argument, NULL, OPT_LAST_EVENT_ID},
    {"count", required_argument, NULL, OPT_COUNT},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"summary", required_argument, NULL, OPT_SUMMARY},
    {"incident", required_argument, NULL, OPT_INCIDENT},
    {"sector", required_argument, NULL, OPT_SECTOR},
    {"ack-seconds", required_argument, NULL, OPT_ACK_SECONDS},
    {"org", required_argument, NULL, OPT_ORG},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* The long name of option opt ("webhook"), for messages. */
static const char *option_name(int opt)
{
    for (const struct option *o = alert_options; o->name != NULL; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

/* The bit of enum alert_cli_opt an option needs, or 0 if every subcommand takes it. */
static unsigned option_bit(int opt)
{
    switch (opt) {
    case OPT_WEBHOOK:
        return ALERT_OPT_WEBHOOK;
    case OPT_SECRET:
        return ALERT_OPT_SECRET;
    case OPT_EMAIL:
        return ALERT_OPT_EMAIL;
    case OPT_FILTER:
        return ALERT_OPT_FILTER;
    case OPT_LABEL:
        return ALERT_OPT_LABEL;
    case OPT_LAST_EVENT_ID:
        return ALERT_OPT_LAST_EVENT_ID;
    case OPT_COUNT:
        return ALERT_OPT_COUNT;
    case OPT_TEMPLATE:
        return ALERT_OPT_TEMPLATE;
    case OPT_SUMMARY:
        return ALERT_OPT_SUMMARY;
    case OPT_INCIDENT:
        return ALERT_OPT_INCIDENT;
    case OPT_SECTOR:
        return ALERT_OPT_SECTOR;
    case OPT_ACK_SECONDS:
        return ALERT_OPT_ACK_SECONDS;
    default:
        return 0;
    }
}

int alert_cli_parse(struct alert_cli_args *a, const char *usage, unsigned allowed, int min_pos,
                    int max_pos, int argc, char **argv)
{
    const char *label = argv[0];
    int opt;

    memset(a, 0, sizeof(*a));
    a->label = label;
    a->timeout_s = 60;
    a->last_event_id = -1;
    a->usage = usage;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", alert_options, NULL)) != -1) {
        unsigned bit = option_bit(opt);
        if (bit != 0 && (allowed & bit) == 0)
            return cli_usage_error(label, a->json, "option --%s is not one of %s's",
                                   option_name(opt), label);
        if (cli_client_option(opt, optarg, &a->so))
            continue;
        switch (opt) {
        case OPT_WEBHOOK:
            a->webhook = optarg;
            break;
        case OPT_SECRET:
            a->secret = optarg;
            break;
        case OPT_EMAIL:
            if (a->n_email == ALERT_CLI_MAX_EMAIL)
                return cli_usage_error(label, a->json, "at most %d --email", ALERT_CLI_MAX_EMAIL);
            a->email[a->n_email++] = optarg;
            break;
        case OPT_FILTER:
            a->filter = optarg;
            break;
        case OPT_LABEL:
            a->label_text = optarg;
            break;
        case OPT_LAST_EVENT_ID:
            if (rk_parse_int64(optarg, 0, INT64_MAX, &a->last_event_id) != 0)
                return cli_usage_error(label, a->json,
                                       "--last-event-id wants an event id (0 or "
                                       "more)");
            break;
        case OPT_COUNT:
            if (rk_parse_int64(optarg, 1, INT64_MAX, &a->count) != 0)
                return cli_usage_error(label, a->json, "--count wants a positive number");
            break;
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
            if (a->n_sectors == ALERT_CLI_MAX_SECTORS)
                return cli_usage_error(label, a->json, "at most %d --sector",
                                       ALERT_CLI_MAX_SECTORS);
            a->sectors[a->n_sectors++] = optarg;
            break;
        case OPT_ACK_SECONDS:
            if (rk_parse_int64(optarg, 1, 604800, &a->ack_seconds) != 0)
                return cli_usage_error(label, a->json,
                                       "--ack-seconds wants a number from 1 to 604800");
            break;
        case OPT_ORG:
            a->org = optarg;
            break;
        case OPT_TIMEOUT:
            if (rk_parse_int64(optarg, 1, 86400, &a->timeout_s) != 0)
                return cli_usage_error(label, a->json,
                                       "--timeout wants a positive number of seconds");
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case 'h':
        case OPT_HELP:
            fputs(a->usage != NULL ? a->usage : alert_cli_usage, stdout);
            return 0;
        default:
            return cli_client_option_error(label, opt, argv);
        }
    }
    int n = argc - optind;
    if (n < 1)
        return cli_usage_error(label, a->json, "the hub's URL is needed");
    if (n - 1 < min_pos || (max_pos >= 0 && n - 1 > max_pos))
        return cli_usage_error(label, a->json, "%s (see the usage)",
                               n - 1 < min_pos ? "too few arguments" : "too many arguments");
    a->hub = argv[optind];
    a->pos = argv + optind + 1;
    a->n_pos = n - 1;
    cli_client_finish(&a->so, (long)a->timeout_s);
    return CLI_CONTINUE;
}

int alert_cli_call(const struct alert_cli_args *a, const char *method, const char *path,
                   const json_t *body, json_t **out)
{
    struct sync_response resp;
    struct rk_err err;
    char *text = NULL;
    int rc;

    *out = NULL;
    memset(&resp, 0, sizeof(resp));
    rk_err_clear(&err);
    const char *params[] = {"org", a->org};
    char *url = sync_api_url(a->hub, path, params, 1);
    struct sync_client *client = sync_client_new(&a->so, &err);
    if (client == NULL) {
        rc = -1;
    } else if (strcmp(method, "GET") == 0) {
        rc = sync_get_api_json(client, url, &resp, &err);
    } else {
        text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
        rc = sync_api_send(client, method, url, text, text != NULL ? strlen(text) : 0, &resp, &err);
    }
    if (rc == 0)
        *out = json_incref(resp.body);
    else
        cli_fail_named(a->label, a->json, err.msg);
    sync_response_free(&resp);
    sync_client_free(client);
    free(text);
    free(url);
    return rc == 0 ? 0 : 1;
}

int cmd_alert(int argc, char **argv)
{
    /* One line per subcommand: extend `renkei alert` here (and in alert_cli_usage). */
    static const struct cli_subcommand subs[] = {
        {"subscribe", "alert subscribe", alert_cmd_subscribe},
        {"subscriptions", "alert subscriptions", alert_cmd_subscriptions},
        {"unsubscribe", "alert unsubscribe", alert_cmd_unsubscribe},
        {"watch", "alert watch", alert_cmd_watch},
        {"watchlist", "alert watchlist", alert_cmd_watchlist},
        {"unwatch", "alert unwatch", alert_cmd_unwatch},
        {"stream", "alert stream", alert_cmd_stream},
        {"raise", "alert raise", alert_cmd_raise}, /* the hotline: alert_hotline.c */
        {"ack", "alert ack", alert_cmd_ack},
        {"alerts", "alert alerts", alert_cmd_alerts},
    };
    return cli_dispatch("alert", alert_cli_usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
