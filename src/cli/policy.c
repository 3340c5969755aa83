/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c: `renkei policy show|set|load`: the sharing policy document (re-identification
 * threshold k, green delay, own-identifier handling, removed properties, public identities,
 * marking aliases, unreadable markings, foreign authors, automatic scope rules, the severity
 * criteria of incident reports). Changes go through the same validation and audit as
 * PUT /api/v1/policy.
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/admin.h"
#include "policy/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A policy file larger than this is refused before it is parsed. */
#define POLICY_FILE_MAX (1024 * 1024)

static const char usage[] =
    "Usage: renkei policy show [--data DIR] [--json]\n"
    "       renkei policy set [--sector-k N] [--green-delay-hours H]\n"
    "                         [--correlation-min-organisations N] [--correlation-min-sectors N]\n"
    "                         [--correlation-window-days D]\n"
    "                         [--own-identifiers refuse|redact] [--unknown-markings amber|refuse]\n"
    "                         [--foreign-authors rewrite|refuse] [--public-identities ID,...]\n"
    "                         [--data DIR] [--json]\n"
    "       renkei policy load FILE [--data DIR] [--json]\n"
    "\n"
    "Shows or changes the sharing policy. set changes single settings; load replaces the\n"
    "whole document with a JSON file (keys left out take their defaults). Every change\n"
    "is validated first (nothing is stored if any part is wrong) and recorded in the\n"
    "audit log as \"policy-change\".\n"
    "\n"
    "Options:\n"
    "  --sector-k N              re-identification threshold: a sector identity or a\n"
    "                            count about a sector is shown only from N members (>= 1)\n"
    "  --green-delay-hours H     delay GREEN data for organisations that never\n"
    "                            contributed (0 = off)\n"
    "  --correlation-min-organisations N, --correlation-min-sectors N,\n"
    "  --correlation-window-days D\n"
    "                            an observable correlates across sectors when at least N\n"
    "                            organisations in at least N sectors reported it within D\n"
    "                            days (defaults 2, 2, 30; docs/analysis.md)\n"
    "  --own-identifiers MODE    what to do with values matching a contributor's own\n"
    "                            identifiers: refuse the object, or redact the values\n"
    "  --unknown-markings MODE   an object with a marking the hub cannot read: amber (at\n"
    "                            least AMBER to the collection's audience) or refuse it\n"
    "  --foreign-authors MODE    a created_by_ref that is not the poster's own identity or a\n"
    "                            public one: rewrite it to the poster (or its stand-in), or\n"
    "                            refuse the object\n"
    "  --public-identities IDS   identity ids (comma-separated, replacing the list) that\n"
    "                            stay named even in sector and anonymous posts, e.g. the\n"
    "                            authors of third-party feeds members relay\n"
    "  --data DIR                data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json                    print the resulting policy document as JSON\n"
    "\n"
    "Examples:\n"
    "  renkei policy set --sector-k 3\n"
    "  renkei policy set --unknown-markings refuse --foreign-authors refuse\n"
    "  renkei policy load policy.json\n"
    "  renkei policy show --json\n";

/* Prints a JSON array of strings as "a, b, c" ("-" when empty). */
static void print_list(const json_t *arr)
{
    size_t i;
    json_t *v;

    if (json_array_size(arr) == 0) {
        fputs("-", stdout);
        return;
    }
    json_array_foreach(arr, i, v) printf("%s%s", i > 0 ? ", " : "", json_string_value(v));
}

/* Prints the document for humans. */
static void print_doc(const json_t *d)
{
    static const char *const keys[] = {"types", "sectors", "collections", "labels"};
    const json_t *rules = json_object_get(d, "scope_rules");
    size_t i;
    json_t *r;

    printf("sector_k:           %lld\n",
           (long long)json_integer_value(json_object_get(d, "sector_k")));
    printf("green_delay_hours:  %lld\n",
           (long long)json_integer_value(json_object_get(d, "green_delay_hours")));
    printf("correlation:        %lld organisations, %lld sectors, %lld days\n",
           (long long)json_integer_value(json_object_get(d, "correlation_min_organisations")),
           (long long)json_integer_value(json_object_get(d, "correlation_min_sectors")),
           (long long)json_integer_value(json_object_get(d, "correlation_window_days")));
    printf("own_identifiers:    %s\n", json_string_value(json_object_get(d, "own_identifiers")));
    printf("remove_properties:  ");
    print_list(json_object_get(d, "remove_properties"));
    printf("\npublic_identities:  ");
    print_list(json_object_get(d, "public_identities"));
    printf("\nunknown_markings:   %s\n", json_string_value(json_object_get(d, "unknown_markings")));
    printf("foreign_authors:    %s\n", json_string_value(json_object_get(d, "foreign_authors")));
    printf("marking_aliases:    ");
    const char *mk;
    json_t *mv;
    bool first = true;
    json_object_foreach((json_t *)json_object_get(d, "marking_aliases"), mk, mv)
    {
        printf("%s%s = %s", first ? "" : ", ", mk, json_string_value(mv));
        first = false;
    }
    if (first)
        fputs("-", stdout);
    printf("\nscope rules (first match wins):\n");
    json_array_foreach(rules, i, r)
    {
        const json_t *match = json_object_get(r, "match");
        const char *aud = json_string_value(json_object_get(r, "audience"));
        bool any = false;

        printf("  %zu. %s: ", i + 1, json_string_value(json_object_get(r, "name")));
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            const json_t *l = json_object_get(match, keys[k]);
            if (json_array_size(l) == 0)
                continue;
            printf("%s%s ", any ? "and " : "", keys[k]);
            print_list(l);
            putchar(' ');
            any = true;
        }
        printf("%s-> %s", any ? "" : "anything ", json_string_value(json_object_get(r, "tlp")));
        if (aud != NULL && aud[0] != '\0')
            printf(" (audience %s)", aud);
        putchar('\n');
    }
    const json_t *sev = json_object_get(d, "severity_criteria");
    if (sev != NULL) /* its rules in full: renkei policy show --json */
        printf("severity_criteria:  %zu continuity, %zu safety, %zu trust rules\n",
               json_array_size(json_object_get(sev, "continuity")),
               json_array_size(json_object_get(sev, "safety")),
               json_array_size(json_object_get(sev, "trust")));
}

/* Shows the current document, as JSON or for humans. 0 or 1. */
static int show(struct store *s, bool json)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    json_t *d;
    int rc;

    rk_err_clear(&err);
    rc = policy_doc_show(s, &b, &err);
    d = cli_result_doc(rc, &b);
    rk_buf_free(&b);
    if (d == NULL)
        return cli_fail(json, 1, "cannot read the policy: %s",
                        err.msg[0] != '\0' ? err.msg : "not JSON");
    cli_print_result(json, d, print_doc);
    return 0;
}

/* Opens the store and fills the coordinator principal. 0 or 1 (reported). */
static int open_as_coordinator(struct cli_opt *opts, size_t n_opts, bool json, struct store **s,
                               struct policy_principal *who)
{
    struct rk_err err;

    if (cli_open_data_store(opts, n_opts, json, s, &err) != 0)
        return 1;
    if (policy_coordinator_principal(*s, who, &err) != 0) {
        store_close(*s);
        *s = NULL;
        return cli_fail(json, 1, "%s", err.msg);
    }
    return 0;
}

static int policy_show(int argc, char **argv)
{
    struct store *s;
    bool json;
    int rc;

    rc = cli_start_with_store(usage, argc, argv, &json, &s, NULL);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = show(s, json);
    store_close(s);
    return rc;
}

/* Adds integer option name as key to patch. 0, or CLI_USAGE after saying why. */
static int patch_int(json_t *patch, const struct cli_opt *opts, size_t n_opts, const char *name,
                     const char *key, bool json)
{
    const char *v = cli_opt_value(opts, n_opts, name);
    int64_t n;

    if (v == NULL)
        return 0;
    if (rk_parse_int64(v, INT32_MIN, INT32_MAX, &n) != 0)
        return cli_usage_error("policy set", json, "--%s must be a whole number, not '%s'", name,
                               v);
    json_object_set_new(patch, key, json_integer((json_int_t)n));
    return 0;
}

static int policy_set(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
        {"sector-k", "N", false, NULL, false},
        {"green-delay-hours", "H", false, NULL, false},
        {"correlation-min-organisations", "N", false, NULL, false},
        {"correlation-min-sectors", "N", false, NULL, false},
        {"correlation-window-days", "D", false, NULL, false},
        {"own-identifiers", "MODE", false, NULL, false},
        {"unknown-markings", "MODE", false, NULL, false},
        {"foreign-authors", "MODE", false, NULL, false},
        {"public-identities", "IDS", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct policy_principal who;
    struct rk_err err;
    json_t *patch = NULL;
    char *text = NULL;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    patch = json_object();
    rc = patch_int(patch, opts, n_opts, "sector-k", "sector_k", json);
    if (rc == 0)
        rc = patch_int(patch, opts, n_opts, "green-delay-hours", "green_delay_hours", json);
    if (rc == 0)
        rc = patch_int(patch, opts, n_opts, "correlation-min-organisations",
                       "correlation_min_organisations", json);
    if (rc == 0)
        rc = patch_int(patch, opts, n_opts, "correlation-min-sectors", "correlation_min_sectors",
                       json);
    if (rc == 0)
        rc = patch_int(patch, opts, n_opts, "correlation-window-days", "correlation_window_days",
                       json);
    if (rc != 0)
        goto out;
    static const char *const words[][2] = {{"own-identifiers", "own_identifiers"},
                                           {"unknown-markings", "unknown_markings"},
                                           {"foreign-authors", "foreign_authors"}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        const char *v = cli_opt_value(opts, n_opts, words[i][0]);
        if (v != NULL)
            json_object_set_new(patch, words[i][1], json_string(v));
    }
    const char *ids = cli_opt_value(opts, n_opts, "public-identities");
    if (ids != NULL) {
        json_t *list = json_array();
        const char *p = ids;
        while (*p != '\0') {
            size_t len = strcspn(p, ",");
            if (len > 0)
                json_array_append_new(list, json_stringn(p, len));
            p += len;
            if (*p == ',')
                p++;
        }
        json_object_set_new(patch, "public_identities", list);
    }
    if (json_object_size(patch) == 0) {
        rc = cli_usage_error("policy set", json,
                             "give at least one of --sector-k, --green-delay-hours, "
                             "--correlation-min-organisations, --correlation-min-sectors, "
                             "--correlation-window-days, "
                             "--own-identifiers, --unknown-markings, --foreign-authors, "
                             "--public-identities");
        goto out;
    }
    rc = open_as_coordinator(opts, n_opts, json, &s, &who);
    if (rc != 0)
        goto out;
    text = json_dumps(patch, JSON_COMPACT);
    rk_err_clear(&err);
    rc = policy_doc_update(s, &who, "cli:policy set", text, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "policy not changed: %s", err.msg);
        goto out;
    }
    if (json)
        rc = show(s, true);
    else
        printf("Policy updated (recorded in the audit log).\n");
out:
    free(text);
    json_decref(patch);
    store_close(s);
    return rc;
}

static int policy_load(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false},
        {"json", NULL, false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct policy_principal who;
    struct rk_err err;
    char *text = NULL;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 1, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    if (n_pos != 1)
        return cli_usage_error("policy load", json, "give the policy FILE (JSON)");
    if (rk_read_file(pos[0], POLICY_FILE_MAX, true, &text, NULL, &err) != 0)
        return cli_fail(json, 1, "%s", err.msg);
    rc = open_as_coordinator(opts, n_opts, json, &s, &who);
    if (rc != 0)
        goto out;
    rk_err_clear(&err);
    rc = policy_doc_replace(s, &who, "cli:policy load", text, &err);
    if (rc != 0) {
        rc = cli_fail(json, 1, "%s: policy not loaded: %s", pos[0], err.msg);
        goto out;
    }
    if (json)
        rc = show(s, true);
    else
        printf("Policy loaded from %s (recorded in the audit log).\n", pos[0]);
out:
    free(text);
    store_close(s);
    return rc;
}

int cmd_policy(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"show", "policy show", policy_show},
        {"set", "policy set", policy_set},
        {"load", "policy load", policy_load},
    };
    return cli_dispatch("policy", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
