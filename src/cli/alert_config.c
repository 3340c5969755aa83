/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_config.c: `renkei alert subscribe|subscriptions|unsubscribe|watch|watchlist|unwatch`:
 * an organisation's subscriptions and watchlist on a hub, through POST, GET and DELETE of
 * /api/v1/subscriptions and /api/v1/watchlist (docs/alerts.md). Each prints what the hub
 * answered: for people, one line per record; with --json, the answer as one JSON line.
 */
#include "cli/alert.h"
#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints doc for --json (consumed), else through human (doc then released). */
static int print_answer(const struct alert_cli_args *a, json_t *doc, void (*human)(const json_t *))
{
    cli_print_result(a->json, doc != NULL ? doc : json_object(), human);
    return 0;
}

/* ---- subscriptions ---------------------------------------------------------------------- */

static void print_created(const json_t *doc)
{
    printf("subscription %s\n", json_string_value(json_object_get(doc, "id")));
}

int alert_cmd_subscribe(int argc, char **argv)
{
    struct alert_cli_args a;
    json_error_t jerr;
    json_t *out = NULL;

    int rc = alert_cli_parse(&a, NULL,
                             ALERT_OPT_WEBHOOK | ALERT_OPT_SECRET | ALERT_OPT_EMAIL |
                                 ALERT_OPT_FILTER | ALERT_OPT_LABEL,
                             0, 0, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    if ((a.webhook == NULL) != (a.secret == NULL))
        return cli_usage_error(a.label, a.json, "--webhook and --secret go together");
    json_t *body = json_object();
    if (a.filter != NULL) {
        json_t *f = json_loads(a.filter, 0, &jerr);
        if (f == NULL) {
            json_decref(body);
            return cli_usage_error(a.label, a.json, "--filter is not JSON: %s", jerr.text);
        }
        json_object_set_new(body, "filter", f);
    }
    if (a.webhook != NULL)
        json_object_set_new(body, "webhook",
                            json_pack("{s:s, s:s}", "url", a.webhook, "secret", a.secret));
    if (a.n_email > 0) {
        json_t *to = json_array();
        for (size_t i = 0; i < a.n_email; i++)
            json_array_append_new(to, json_string(a.email[i]));
        json_object_set_new(body, "email", json_pack("{s:o}", "to", to));
    }
    if (a.label_text != NULL)
        json_object_set_new(body, "label", json_string(a.label_text));
    rc = alert_cli_call(&a, "POST", "/api/v1/subscriptions", body, &out);
    json_decref(body);
    return rc != 0 ? rc : print_answer(&a, out, print_created);
}

static void print_subscriptions(const json_t *doc)
{
    const json_t *subs = json_object_get(doc, "subscriptions");
    size_t i, j;
    const json_t *s, *v;

    if (json_array_size(subs) == 0)
        fputs("no subscriptions\n", stdout);
    json_array_foreach(subs, i, s)
    {
        const json_t *d = json_object_get(s, "delivery");
        const char *label = json_string_value(json_object_get(s, "label"));
        char *filter = json_dumps(json_object_get(s, "filter"), JSON_COMPACT);
        printf("%s%s%s%s\n", json_string_value(json_object_get(s, "id")), label ? "  \"" : "",
               label ? label : "", label ? "\"" : "");
        printf("  filter %s\n", filter != NULL ? filter : "{}");
        free(filter);
        const char *url = json_string_value(json_object_get(json_object_get(s, "webhook"), "url"));
        if (url != NULL)
            printf("  webhook %s\n", url);
        json_array_foreach(json_object_get(json_object_get(s, "email"), "to"), j, v)
            printf("  e-mail %s\n", json_string_value(v));
        if (url == NULL && json_object_get(s, "email") == NULL)
            fputs("  stream only\n", stdout);
        printf("  delivered %lld, dead letters %lld",
               (long long)json_integer_value(json_object_get(d, "delivered")),
               (long long)json_integer_value(json_object_get(d, "dead")));
        const char *last = json_string_value(json_object_get(d, "last_error"));
        if (last != NULL && last[0] != '\0')
            printf(", failing: %s", last);
        fputs("\n", stdout);
    }
}

int alert_cmd_subscriptions(int argc, char **argv)
{
    struct alert_cli_args a;
    json_t *out = NULL;

    int rc = alert_cli_parse(&a, NULL, 0, 0, 0, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = alert_cli_call(&a, "GET", "/api/v1/subscriptions", NULL, &out);
    return rc != 0 ? rc : print_answer(&a, out, print_subscriptions);
}

/* DELETE base/ID for `unsubscribe` and `unwatch`. */
static int delete_one(int argc, char **argv, const char *base, const char *what)
{
    struct alert_cli_args a;
    json_t *out = NULL;
    char path[512];

    int rc = alert_cli_parse(&a, NULL, 0, 1, 1, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    if (a.pos[0][0] == '\0' || strchr(a.pos[0], '/') != NULL || strchr(a.pos[0], '?') != NULL ||
        strlen(a.pos[0]) > 64)
        return cli_usage_error(a.label, a.json, "'%s' is not an id", a.pos[0]);
    snprintf(path, sizeof(path), "%s/%s", base, a.pos[0]);
    rc = alert_cli_call(&a, "DELETE", path, NULL, &out);
    json_decref(out);
    if (rc != 0)
        return rc;
    if (a.json)
        cli_json_print(json_pack("{s:s, s:b}", "id", a.pos[0], "deleted", 1));
    else
        printf("%s %s deleted\n", what, a.pos[0]);
    return 0;
}

int alert_cmd_unsubscribe(int argc, char **argv)
{
    return delete_one(argc, argv, "/api/v1/subscriptions", "subscription");
}

/* ---- the watchlist ---------------------------------------------------------------------- */

static void print_entries(const json_t *entries)
{
    size_t i;
    const json_t *e;

    json_array_foreach(entries, i, e)
    {
        printf("%s  %-12s %s", json_string_value(json_object_get(e, "id")),
               json_string_value(json_object_get(e, "type")),
               json_string_value(json_object_get(e, "key")));
        const char *entry = json_string_value(json_object_get(e, "entry"));
        if (entry != NULL)
            printf("  (%s)", entry);
        fputs("\n", stdout);
    }
}

static void print_watched(const json_t *doc)
{
    print_entries(json_object_get(doc, "entries"));
}

int alert_cmd_watch(int argc, char **argv)
{
    struct alert_cli_args a;
    json_t *out = NULL;

    int rc = alert_cli_parse(&a, NULL, 0, 1, -1, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    json_t *entries = json_array();
    for (int i = 0; i < a.n_pos; i++)
        json_array_append_new(entries, json_string(a.pos[i]));
    json_t *body = json_pack("{s:o}", "entries", entries);
    rc = alert_cli_call(&a, "POST", "/api/v1/watchlist", body, &out);
    json_decref(body);
    return rc != 0 ? rc : print_answer(&a, out, print_watched);
}

static void print_watchlist(const json_t *doc)
{
    const json_t *entries = json_object_get(doc, "entries");
    const json_t *own = json_object_get(doc, "own_identifiers");
    size_t i;
    const json_t *v;

    if (json_array_size(entries) == 0)
        fputs("the watchlist is empty\n", stdout);
    print_entries(entries);
    if (json_array_size(own) > 0) {
        fputs("own identifiers (matched too):\n", stdout);
        json_array_foreach(own, i, v) printf("  %s\n", json_string_value(v));
    }
}

int alert_cmd_watchlist(int argc, char **argv)
{
    struct alert_cli_args a;
    json_t *out = NULL;

    int rc = alert_cli_parse(&a, NULL, 0, 0, 0, argc, argv);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = alert_cli_call(&a, "GET", "/api/v1/watchlist", NULL, &out);
    return rc != 0 ? rc : print_answer(&a, out, print_watchlist);
}

int alert_cmd_unwatch(int argc, char **argv)
{
    return delete_one(argc, argv, "/api/v1/watchlist", "watchlist entry");
}
