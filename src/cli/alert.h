/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.h: what the files of `renkei alert` share: its usage text, the options every
 * subcommand takes (a hub URL, the connection, --org, --json) and the call of one route of
 * the hub's alert API with the answer's errors reported. alert.c holds the table of
 * subcommands; each file adds its own (alert_config.c, alert_stream.c, alert_hotline.c).
 */
#ifndef RK_CLI_ALERT_H
#define RK_CLI_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sync/sync.h"

#define ALERT_CLI_MAX_EMAIL   20
#define ALERT_CLI_MAX_SECTORS 32

/* The options a subcommand may take beyond the ones every one takes (connection, --org,
 * --timeout, --json, --help): a bit each. */
enum alert_cli_opt {
    ALERT_OPT_WEBHOOK = 1 << 0,
    ALERT_OPT_SECRET = 1 << 1,
    ALERT_OPT_EMAIL = 1 << 2,
    ALERT_OPT_FILTER = 1 << 3,
    ALERT_OPT_LABEL = 1 << 4,
    ALERT_OPT_LAST_EVENT_ID = 1 << 5,
    ALERT_OPT_COUNT = 1 << 6,
    ALERT_OPT_TEMPLATE = 1 << 7, /* the hotline's raise: --template, --summary, --incident, */
    ALERT_OPT_SUMMARY = 1 << 8,  /* --sector (repeatable) and --ack-seconds */
    ALERT_OPT_INCIDENT = 1 << 9,
    ALERT_OPT_SECTOR = 1 << 10,
    ALERT_OPT_ACK_SECONDS = 1 << 11,
};

/* A subcommand's parsed command line. Strings are borrowed from argv. */
struct alert_cli_args {
    const char *label; /* "alert subscribe": names it in messages */
    struct sync_opts so;
    const char *hub; /* the first positional argument */
    const char *org; /* --org, or NULL */
    bool json;
    int64_t timeout_s;
    const char *webhook, *secret, *filter, *label_text;
    const char *email[ALERT_CLI_MAX_EMAIL];
    size_t n_email;
    int64_t last_event_id; /* -1: not given */
    int64_t count;         /* 0: not given */
    const char *template, *summary, *incident;
    const char *sectors[ALERT_CLI_MAX_SECTORS];
    size_t n_sectors;
    int64_t ack_seconds; /* 0: not given */
    const char *usage;   /* what --help prints; NULL: alert_cli_usage */
    char **pos;          /* the positional arguments after the hub URL */
    int n_pos;
};

/* The usage of `renkei alert` (every subcommand's --help prints it). */
extern const char alert_cli_usage[];

/*
 * Parses the command line of subcommand a->label (argv[0] is it): the options every
 * subcommand takes, those of allowed (enum alert_cli_opt bits), a hub URL and from min_pos to
 * max_pos positional arguments after it (max_pos < 0: any number). Returns CLI_CONTINUE with
 * *a filled, 0 after --help (usage printed: usage, or alert_cli_usage when NULL), or
 * CLI_USAGE after a usage problem (reported).
 */
int alert_cli_parse(struct alert_cli_args *a, const char *usage, unsigned allowed, int min_pos,
                    int max_pos, int argc, char **argv);

/*
 * Sends method to path (e.g. "/api/v1/subscriptions") of the hub, with ?org= when --org was
 * given and body (JSON, NULL for none; not consumed). 0 and *out (the answer, NULL for 204; the
 * caller decrefs), or 1 after reporting the failure (respecting --json).
 */
int alert_cli_call(const struct alert_cli_args *a, const char *method, const char *path,
                   const json_t *body, json_t **out);

/* The subcommands (alert_config.c, alert_stream.c, alert_hotline.c): argv[0] is the label. */
int alert_cmd_subscribe(int argc, char **argv);
int alert_cmd_subscriptions(int argc, char **argv);
int alert_cmd_unsubscribe(int argc, char **argv);
int alert_cmd_watch(int argc, char **argv);
int alert_cmd_watchlist(int argc, char **argv);
int alert_cmd_unwatch(int argc, char **argv);
int alert_cmd_stream(int argc, char **argv);
int alert_cmd_raise(int argc, char **argv);
int alert_cmd_ack(int argc, char **argv);
int alert_cmd_alerts(int argc, char **argv);

#endif /* RK_CLI_ALERT_H */
