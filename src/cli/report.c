/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c: `renkei report`, which builds an incident report (a STIX incident with the renkei
 * extension) from options or a small JSON file, posts it to a collection of a hub through
 * TAXII, reads the stored version back and prints the severity the hub computed. Updating a
 * report (--id) posts a new version of it. The transport is src/sync's, as for push.
 */
#include "analyze/analyze.h"
#include "cli.h"
#include "cli/args.h"
#include "sync/sync.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit status when the hub refused the report (as push's for refused objects). */
#define REPORT_EXIT_REFUSED 4
/* A report file larger than this is refused before it is parsed. */
#define REPORT_FILE_MAX (64 * 1024)

static const char report_usage[] =
    "Usage: renkei report [--token T | --user U --password P] [--cacert FILE] [--insecure]\n"
    "                     [--file FILE] [--id ID] [--name TEXT] [--description TEXT]\n"
    "                     [--event-type TYPE] [--cause-type TYPE] [--cause CAUSE]\n"
    "                     [--sector SECTOR] [--affected-service TEXT] [--status STATUS]\n"
    "                     [--people-affected N] [--regions N] [--duration-hours H]\n"
    "                     [--safety LEVEL] [--service STATE] [--sectors-hit S,...]\n"
    "                     [--records-leaked N] [--reporter-severity N]\n"
    "                     [--wait SECONDS] [--timeout SECONDS] [--json] URL\n"
    "\n"
    "Builds an incident report (a STIX incident with the renkei extension), posts it to the\n"
    "hub collection URL (.../collections/<id>/) through TAXII, reads the stored version back\n"
    "and prints the severity the hub computed (0-4) with its explanation. The report's\n"
    "members come from --file (a JSON object of the same names, with underscores: name,\n"
    "description, id, event_type, ...), then from the options, which win. With --id (or\n"
    "\"id\" in the file) the report is a new version of that incident: what it said before\n"
    "is kept unless given again. report is a client: it takes no --data.\n"
    "\n"
    "Options:\n"
    "  --token T                Bearer token (default $RENKEI_TOKEN)\n"
    "  --user U                 HTTP Basic user name (with --password)\n"
    "  --password P             HTTP Basic password\n"
    "  --cacert FILE            trust the CA certificates in FILE\n"
    "  --insecure               do not verify the server's TLS certificate\n"
    "  --file FILE              read the report's members from a JSON object ('-': stdin)\n"
    "  --id ID                  update the incident ID (a new version of it)\n"
    "  --name TEXT              the incident's name (default \"incident report\")\n"
    "  --description TEXT       what happened, in words\n"
    "  --event-type TYPE        confidentiality-loss, integrity-loss, availability-loss,\n"
    "                           precursor, near-miss or other (required)\n"
    "  --cause-type TYPE        intentional, accidental, environmental or other\n"
    "  --cause CAUSE            the cause within its type (docs/analysis.md)\n"
    "  --sector SECTOR          the sector of the affected service (the hub's sector key)\n"
    "  --affected-service TEXT  the service affected\n"
    "  --status STATUS          detected, ongoing or recovered (required)\n"
    "  --people-affected N      people whose service was affected\n"
    "  --regions N              prefectures (or regions) affected\n"
    "  --duration-hours H       hours until restoration (so far, if ongoing)\n"
    "  --safety LEVEL           none, property, injury or death\n"
    "  --service STATE          normal, degraded or stopped\n"
    "  --sectors-hit S,...      other sectors hit (the hub's sector keys, comma-separated)\n"
    "  --records-leaked N       data records leaked\n"
    "  --reporter-severity N    your own assessment 0-4 (kept beside the hub's)\n"
    "  --wait SECONDS           how long to follow a pending status (default 60)\n"
    "  --timeout SECONDS        limit on each HTTP request (default 300)\n"
    "  --json                   print the result as one JSON object on stdout\n"
    "\n"
    "Exit status: 0 stored (severity printed), 4 the hub refused the report (its message is\n"
    "printed), 1 transport, HTTP or protocol error, or unreadable input, 2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  renkei report --token rk_... --event-type availability-loss --status ongoing \\\n"
    "      --service stopped --duration-hours 30 --regions 2 "
    "https://hub.example/hub/collections/<id>/\n"
    "  renkei report --file outage.json --json URL\n"
    "  renkei report --id incident--... --status recovered --duration-hours 31 URL\n";

enum {
    OPT_FILE = CLI_OPT_CLIENT_END,
    OPT_ID,
    OPT_WAIT,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_HELP,
    OPT_MEMBER, /* every option from here on sets a member (members[opt - OPT_MEMBER]) */
};

/* How an option's value becomes a member of the report. */
enum member_kind { MEMBER_TEXT, MEMBER_COUNT, MEMBER_HOURS, MEMBER_LIST };

struct member_option {
    const char *option;    /* long option name */
    const char *member;    /* report member: "name", "description" or one of the extension */
    enum member_kind kind; /* how its value is read */
};

static const struct member_option members[] = {
    {"name", "name", MEMBER_TEXT},
    {"description", "description", MEMBER_TEXT},
    {"event-type", "event_type", MEMBER_TEXT},
    {"cause-type", "cause_type", MEMBER_TEXT},
    {"cause", "cause", MEMBER_TEXT},
    {"sector", "sector", MEMBER_TEXT},
    {"affected-service", "affected_service", MEMBER_TEXT},
    {"status", "status", MEMBER_TEXT},
    {"people-affected", "people_affected", MEMBER_COUNT},
    {"regions", "regions", MEMBER_COUNT},
    {"duration-hours", "duration_hours", MEMBER_HOURS},
    {"safety", "safety", MEMBER_TEXT},
    {"service", "service", MEMBER_TEXT},
    {"sectors-hit", "sectors_hit", MEMBER_LIST},
    {"records-leaked", "records_leaked", MEMBER_COUNT},
    {"reporter-severity", "reporter_severity", MEMBER_COUNT},
};

#define N_MEMBERS (sizeof(members) / sizeof(members[0]))

static const struct option fixed_options[] = {
    {"token", required_argument, NULL, CLI_OPT_TOKEN},
    {"user", required_argument, NULL, CLI_OPT_USER},
    {"password", required_argument, NULL, CLI_OPT_PASSWORD},
    {"cacert", required_argument, NULL, CLI_OPT_CACERT},
    {"insecure", no_argument, NULL, CLI_OPT_INSECURE},
    {"file", required_argument, NULL, OPT_FILE},
    {"id", required_argument, NULL, OPT_ID},
    {"wait", required_argument, NULL, OPT_WAIT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
};

#define N_FIXED (sizeof(fixed_options) / sizeof(fixed_options[0]))

static int usage_error(const char *msg)
{
    return cli_usage_error("report", false, "%s", msg);
}

/* The value of a member option as JSON (a new reference), or NULL if it does not parse. */
static json_t *member_value(const struct member_option *m, const char *arg)
{
    switch (m->kind) {
    case MEMBER_COUNT: {
        int64_t n;
        return rk_parse_int64(arg, 0, 1000000000000LL, &n) == 0 ? json_integer(n) : NULL;
    }
    case MEMBER_HOURS: {
        char *end = NULL;
        double h = strtod(arg, &end);
        return end != arg && *end == '\0' && isfinite(h) && h >= 0 ? json_real(h) : NULL;
    }
    case MEMBER_LIST: {
        json_t *a = json_array();
        const char *p = arg;
        while (*p != '\0') {
            const char *comma = strchr(p, ',');
            size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
            if (n > 0)
                json_array_append_new(a, json_stringn(p, n));
            p += n + (comma != NULL ? 1 : 0);
        }
        return a;
    }
    default:
        return json_string(arg);
    }
}

/* Reads the report file: a JSON object. */
static int load_report_file(const char *path, json_t **out, struct rk_err *err)
{
    json_error_t jerr;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return rk_err_set(err, RK_E_IO, "%s: cannot open", path);
    struct rk_buf b = RK_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= REPORT_FILE_MAX)
        rk_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    int rc = 0;
    if (b.len > REPORT_FILE_MAX)
        rc = rk_err_set(err, RK_E_TOOBIG, "%s: larger than %d bytes", path, REPORT_FILE_MAX);
    else if ((*out = json_loadb(b.len > 0 ? b.data : "", b.len, JSON_REJECT_DUPLICATES, &jerr)) ==
             NULL)
        rc = rk_err_set(err, RK_E_INVALID, "%s: line %d: %s", path, jerr.line, jerr.text);
    else if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = rk_err_set(err, RK_E_INVALID, "%s: not a JSON object", path);
    }
    rk_buf_free(&b);
    return rc;
}

/* Sets member name of the report: the incident's own name and description, or the
 * extension's (consumes v). */
static void set_member(json_t *incident, json_t *ext, const char *name, json_t *v)
{
    if (strcmp(name, "name") == 0 || strcmp(name, "description") == 0)
        json_object_set_new(incident, name, v);
    else
        json_object_set_new(ext, name, v);
}

/* The latest version of incident id in the collection (a new reference), or NULL with err. */
static json_t *fetch_version(struct sync_client *client, const struct sync_urls *urls,
                             const char *id, const char *version, struct rk_err *err)
{
    struct rk_buf url = RK_BUF_INIT;
    struct sync_response resp;
    json_t *found = NULL;
    rk_buf_printf(&url, "%s%s/", urls->objects, id);
    if (version != NULL)
        rk_buf_printf(&url, "?match%%5Bversion%%5D=%s", version);
    if (sync_get_json(client, url.data, &resp, err) == 0) {
        json_t *objs = json_object_get(resp.body, "objects");
        size_t i;
        json_t *o;
        json_array_foreach(objs, i, o)
        {
            const char *m = json_string_value(json_object_get(o, "modified"));
            const char *best = json_string_value(json_object_get(found, "modified"));
            if (found == NULL || (m != NULL && best != NULL && strcmp(m, best) > 0))
                found = o;
        }
        if (found == NULL)
            rk_err_set(err, RK_E_NOTFOUND, "%s: not in the collection (or not visible to you)", id);
        json_incref(found);
    }
    sync_response_free(&resp);
    rk_buf_free(&url);
    return found;
}

/* The entry of id in a status resource: 1 success, 0 failure (message in *msg), -1 absent. */
static int status_of(const json_t *status, const char *id, const char **msg)
{
    static const char *const lists[] = {"successes", "failures"};
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(status, lists[k]), i, d)
        {
            const char *did = json_string_value(json_object_get(d, "id"));
            if (did != NULL && strcmp(did, id) == 0) {
                *msg = json_string_value(json_object_get(d, "message"));
                return k == 0 ? 1 : 0;
            }
        }
    }
    return -1;
}

static void print_human(const char *id, const char *version, const json_t *sev)
{
    printf("%s: stored (version %s)\n", id, version);
    if (sev == NULL) {
        printf("severity: not computed (the report has no renkei extension)\n");
        return;
    }
    printf("severity: %lld (continuity %lld, safety %lld, trust %lld)\n",
           (long long)json_integer_value(json_object_get(sev, "level")),
           (long long)json_integer_value(json_object_get(sev, "continuity")),
           (long long)json_integer_value(json_object_get(sev, "safety")),
           (long long)json_integer_value(json_object_get(sev, "trust")));
    const char *why = json_string_value(json_object_get(sev, "explanation"));
    const char *criteria = json_string_value(json_object_get(sev, "criteria"));
    printf("%s\n", why != NULL ? why : "");
    printf("criteria: %s\n", criteria != NULL ? criteria : "");
}

int cmd_report(int argc, char **argv)
{
    struct option options[N_FIXED + N_MEMBERS + 1];
    struct sync_opts so = {0};
    struct sync_urls urls = {0};
    struct sync_client *client = NULL;
    struct rk_err err = {0};
    json_t *given = json_object(); /* member -> value from the options */
    json_t *file = NULL, *incident = NULL, *stored = NULL, *status = NULL;
    const char *file_path = NULL, *id_opt = NULL;
    bool json = false;
    int64_t wait_s = 60, timeout_s = 300;
    int rc = 1, opt;

    memcpy(options, fixed_options, sizeof fixed_options);
    for (size_t i = 0; i < N_MEMBERS; i++)
        options[N_FIXED + i] =
            (struct option){members[i].option, required_argument, NULL, OPT_MEMBER + (int)i};
    options[N_FIXED + N_MEMBERS] = (struct option){NULL, 0, NULL, 0};
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (cli_client_option(opt, optarg, &so))
            continue;
        if (opt >= OPT_MEMBER && opt < OPT_MEMBER + (int)N_MEMBERS) {
            const struct member_option *m = &members[opt - OPT_MEMBER];
            json_t *v = member_value(m, optarg);
            if (v == NULL) {
                json_decref(given);
                return cli_usage_error("report", false, "--%s wants %s", m->option,
                                       m->kind == MEMBER_HOURS ? "a number of hours (0 or more)"
                                                               : "a whole number (0 or more)");
            }
            json_object_set_new(given, m->member, v);
            continue;
        }
        switch (opt) {
        case OPT_FILE:
            file_path = optarg;
            break;
        case OPT_ID:
            id_opt = optarg;
            break;
        case OPT_WAIT:
            if (rk_parse_int64(optarg, 0, 86400, &wait_s) != 0) {
                json_decref(given);
                return usage_error("--wait wants a number of seconds");
            }
            break;
        case OPT_TIMEOUT:
            if (rk_parse_int64(optarg, 1, 86400, &timeout_s) != 0) {
                json_decref(given);
                return usage_error("--timeout wants a positive number of seconds");
            }
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
        case OPT_HELP:
            json_decref(given);
            fputs(report_usage, stdout);
            return 0;
        default:
            json_decref(given);
            return cli_client_option_error("report", opt, argv);
        }
    }
    if (argc - optind != 1) {
        json_decref(given);
        return usage_error("one collection URL is needed");
    }
    cli_client_finish(&so, (long)timeout_s);
    if (sync_urls_parse(argv[optind], &urls, &err) != 0) {
        json_decref(given);
        return usage_error(err.msg);
    }
    if (file_path != NULL && load_report_file(file_path, &file, &err) != 0) {
        cli_fail_named("report", json, err.msg);
        goto out;
    }
    const char *id = id_opt != NULL ? id_opt : json_string_value(json_object_get(file, "id"));
    client = sync_client_new(&so, &err);
    if (client == NULL) {
        cli_fail_named("report", json, err.msg);
        goto out;
    }

    /* The report: the previous version's (for an update), then the file, then the options. */
    char now[RK_TIME_LEN];
    rk_time_format(rk_time_now(), now);
    json_t *ext;
    if (id != NULL) {
        incident = fetch_version(client, &urls, id, NULL, &err);
        if (incident == NULL) {
            cli_fail_named("report", json, err.msg);
            goto out;
        }
        ext = json_object_get(json_object_get(incident, "extensions"), ANALYZE_SEV_EXTENSION);
        if (!json_is_object(ext)) {
            cli_fail_named("report", json, "that incident is not a renkei incident report");
            goto out;
        }
        json_object_del(ext, ANALYZE_SEV_HUB_MEMBER); /* the hub's, recomputed */
    } else {
        char uuid[RK_UUID_LEN];
        rk_uuid_v4(uuid);
        incident =
            json_pack("{s:s, s:s, s:s+, s:s, s:s, s:{s:{s:s}}}", "type", "incident", "spec_version",
                      "2.1", "id", "incident--", uuid, "created", now, "name", "incident report",
                      "extensions", ANALYZE_SEV_EXTENSION, "extension_type", "property-extension");
        ext = json_object_get(json_object_get(incident, "extensions"), ANALYZE_SEV_EXTENSION);
    }
    json_object_set_new(incident, "modified", json_string(now));
    const char *key;
    json_t *val;
    json_object_foreach(file, key, val)
    {
        if (strcmp(key, "id") != 0)
            set_member(incident, ext, key, json_incref(val));
    }
    json_object_foreach(given, key, val) set_member(incident, ext, key, json_incref(val));
    json_t *envelope = json_pack("{s:[O]}", "objects", incident);
    char *env = json_dumps(envelope, JSON_COMPACT);
    json_decref(envelope);
    const char *oid = json_string_value(json_object_get(incident, "id"));

    struct sync_response resp;
    rc = sync_post_envelope(client, urls.objects, env, strlen(env), &resp, &err);
    free(env);
    if (rc == 0) {
        status = json_incref(resp.body);
        if (sync_status_pending(status))
            rc = sync_wait_statuses(client, urls.api_root, &status, 1, (double)wait_s, &err);
    }
    sync_response_free(&resp);
    if (rc != 0) {
        rc = 1;
        cli_fail_named("report", json, err.msg);
        goto out;
    }
    const char *msg = NULL;
    int ok = status_of(status, oid, &msg);
    if (ok <= 0) {
        char text[1024];
        snprintf(text, sizeof text, "%s: %s", oid,
                 ok < 0 ? "still pending, or not in the status resource"
                        : (msg != NULL ? msg : "refused"));
        if (json)
            cli_json_print(json_pack("{s:s, s:s}", "id", oid, "error", text));
        else
            fprintf(stderr, "renkei report: refused: %s\n", text);
        rc = REPORT_EXIT_REFUSED;
        goto out;
    }
    stored = fetch_version(client, &urls, oid, now, &err);
    if (stored == NULL) {
        rc = 1;
        cli_fail_named("report", json, err.msg);
        goto out;
    }
    const json_t *sev = json_object_get(
        json_object_get(json_object_get(stored, "extensions"), ANALYZE_SEV_EXTENSION),
        ANALYZE_SEV_HUB_MEMBER);
    if (json)
        cli_json_print(json_pack("{s:s, s:s, s:s, s:s?, s:O?}", "id", oid, "version", now,
                                 "collection", urls.collection_id, "message", msg,
                                 ANALYZE_SEV_HUB_MEMBER, sev));
    else
        print_human(oid, now, sev);
    rc = 0;
out:
    json_decref(given);
    json_decref(file);
    json_decref(incident);
    json_decref(stored);
    json_decref(status);
    sync_client_free(client);
    sync_urls_free(&urls);
    return rc;
}
