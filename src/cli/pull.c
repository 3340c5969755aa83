/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pull.c: `renkei pull`, which pages through a collection of any TAXII 2.1 server and
 * writes what it gets as one STIX 2.1 bundle (or a TAXII envelope). The work is done by
 * src/sync; objects are streamed to the output page by page, never held all at once.
 */
#include "cli.h"
#include "cli/args.h"
#include "sync/sync.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit status when the server said there was more but the walk had to stop. */
#define PULL_EXIT_INCOMPLETE 3

static const char pull_usage[] =
    "Usage: renkei pull [--token T | --user U --password P] [--cacert FILE] [--insecure]\n"
    "                   [--added-after TS] [--type T,...] [--id ID,...] [--version V]\n"
    "                   [--limit N] [--envelope] [--out FILE [--json]] [--timeout SECONDS]\n"
    "                   URL\n"
    "\n"
    "Fetches the objects of a collection of any TAXII 2.1 server, following every page,\n"
    "and writes them as one STIX 2.1 bundle. URL is the collection's URL\n"
    "(.../collections/<id>/) or its objects URL. pull is a client: it talks to the\n"
    "server over HTTP and takes no --data.\n"
    "\n"
    "Options:\n"
    "  --token T           Bearer token (default $RENKEI_TOKEN)\n"
    "  --user U            HTTP Basic user name (with --password)\n"
    "  --password P        HTTP Basic password\n"
    "  --cacert FILE       trust the CA certificates in FILE\n"
    "  --insecure          do not verify the server's TLS certificate\n"
    "  --added-after TS    only objects added after TS (RFC 3339, e.g. 2024-01-31T00:00:00Z)\n"
    "  --type T,...        only these object types (match[type])\n"
    "  --id ID,...         only these object ids (match[id])\n"
    "  --version V         versions to fetch: last (server default), first, all or a timestamp\n"
    "  --limit N           objects per page to ask for (default 1000; the server may send\n"
    "                      fewer)\n"
    "  --envelope          write a TAXII envelope {\"objects\":[...]} instead of a bundle\n"
    "  --out FILE          write to FILE (atomically) instead of standard output\n"
    "  --timeout SECONDS   limit on each HTTP request (default 300)\n"
    "  --json              with --out: print {\"objects\":N,\"pages\":N,\"last_added\":...,\n"
    "                      \"complete\":true}\n"
    "\n"
    "The last line on stderr says how many objects were read and whether that is everything\n"
    "the server offered.\n"
    "\n"
    "Exit status: 0 everything the server offered was read and written, 1 transport, HTTP,\n"
    "protocol or output error, 2 bad usage, 3 the server said more objects were available\n"
    "but did not deliver them (it repeated itself, sent none, or gave no way to ask).\n"
    "\n"
    "Examples:\n"
    "  renkei pull --token rk_... https://hub.example/hub/collections/<id>/ > all.json\n"
    "  renkei pull --type indicator --added-after 2024-05-01T00:00:00Z --out new.json --json URL\n";

enum {
    OPT_ADDED_AFTER = CLI_OPT_CLIENT_END,
    OPT_TYPE,
    OPT_ID,
    OPT_VERSION,
    OPT_LIMIT,
    OPT_ENVELOPE,
    OPT_OUT,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_HELP,
};

static const struct option pull_options[] = {
    {"token", required_argument, NULL, CLI_OPT_TOKEN},
    {"user", required_argument, NULL, CLI_OPT_USER},
    {"password", required_argument, NULL, CLI_OPT_PASSWORD},
    {"cacert", required_argument, NULL, CLI_OPT_CACERT},
    {"insecure", no_argument, NULL, CLI_OPT_INSECURE},
    {"added-after", required_argument, NULL, OPT_ADDED_AFTER},
    {"type", required_argument, NULL, OPT_TYPE},
    {"id", required_argument, NULL, OPT_ID},
    {"version", required_argument, NULL, OPT_VERSION},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"envelope", no_argument, NULL, OPT_ENVELOPE},
    {"out", required_argument, NULL, OPT_OUT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *msg)
{
    return cli_usage_error("pull", false, "%s", msg);
}

/* Streams one page's objects into f, comma-separated after the first *count objects. */
static int write_objects(FILE *f, json_t *objects, size_t *count)
{
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        if (fputs(*count > 0 ? ",\n" : "\n", f) == EOF)
            return RK_E_IO;
        if (json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
            return RK_E_IO;
        (*count)++;
    }
    return 0;
}

/* Opens the bundle, or the envelope with --envelope, up to the objects list. */
static void write_head(FILE *f, bool envelope)
{
    if (envelope) {
        fputs("{\"objects\":[", f);
    } else {
        char uuid[RK_UUID_LEN];
        rk_uuid_v4(uuid);
        fprintf(f, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uuid);
    }
}

/*
 * Reports the end of a walk: with error (a request, the server or the output failed) its
 * message first, then a last line that says how many objects were read and whether that is
 * everything the server offered. Before any page was read an error is reported alone.
 */
static void report_end(bool json, const struct sync_pager *pg, size_t count, const char *out_path,
                       const char *error)
{
    size_t pages = pg ? sync_pager_pages(pg) : 0;
    if (error != NULL && pages == 0) {
        cli_fail_named("pull", json, error);
        return;
    }
    bool complete = sync_pager_state(pg) == SYNC_PAGER_COMPLETE;
    const char *last = sync_pager_last_added(pg);
    if (json) {
        /* s? packs a NULL last_added as JSON null. */
        json_t *o = json_pack("{s:I,s:I,s:s?,s:b}", "objects", (json_int_t)count, "pages",
                              (json_int_t)pages, "last_added", last, "complete", complete);
        if (error != NULL)
            json_object_set_new(o, "error", json_string(error));
        cli_json_print(o);
        return;
    }
    if (error != NULL)
        fprintf(stderr, "renkei pull: %s\n", error);
    fprintf(stderr, "renkei pull: %zu object%s read in %zu page%s: %s", count,
            count == 1 ? "" : "s", pages, pages == 1 ? "" : "s",
            complete ? "everything the server offered" : "NOT everything the server offered");
    if (error != NULL)
        fprintf(stderr, "; %s%s\n", out_path ? "nothing written to " : "",
                out_path ? out_path : "the output on standard output is cut short");
    else
        fprintf(stderr, "%s%s%s%s\n", out_path ? ", written to " : "", out_path ? out_path : "",
                last ? "; last added " : "", last ? last : "");
}

int cmd_pull(int argc, char **argv)
{
    struct sync_opts so = {0};
    struct sync_query q = {0};
    bool json = false, envelope = false;
    const char *out_path = NULL;
    int64_t limit = 0, timeout_s = 300;
    int rc = 1, opt;
    struct rk_err err = {0};
    struct sync_urls urls = {0};
    struct sync_client *client = NULL;
    struct sync_pager *pager = NULL;
    struct rk_buf tmp_path = RK_BUF_INIT;
    FILE *f = NULL;
    size_t count = 0;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", pull_options, NULL)) != -1) {
        if (cli_client_option(opt, optarg, &so))
            continue;
        switch (opt) {
        case OPT_ADDED_AFTER: {
            rk_time_us t;
            if (rk_time_parse(optarg, &t) != 0)
                return usage_error("--added-after wants an RFC 3339 UTC timestamp such as "
                                   "2024-01-31T00:00:00Z");
            q.added_after = optarg;
            break;
        }
        case OPT_TYPE:
            q.types = optarg;
            break;
        case OPT_ID:
            q.ids = optarg;
            break;
        case OPT_VERSION:
            q.versions = optarg;
            break;
        case OPT_LIMIT:
            if (rk_parse_int64(optarg, 1, 1000000, &limit) != 0)
                return usage_error("--limit wants a positive number of objects");
            q.limit = (long)limit;
            break;
        case OPT_ENVELOPE:
            envelope = true;
            break;
        case OPT_OUT:
            out_path = optarg;
            break;
        case OPT_TIMEOUT:
            if (rk_parse_int64(optarg, 1, 86400, &timeout_s) != 0)
                return usage_error("--timeout wants a positive number of seconds");
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
        case OPT_HELP:
            fputs(pull_usage, stdout);
            return 0;
        default:
            return cli_client_option_error("pull", opt, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("exactly one collection URL is needed");
    if (json && out_path == NULL)
        return usage_error("--json needs --out FILE: without it the bundle and the JSON "
                           "summary would both go to standard output");
    cli_client_finish(&so, (long)timeout_s);
    if (sync_urls_parse(argv[optind], &urls, &err) != 0)
        return usage_error(err.msg);

    client = sync_client_new(&so, &err);
    if (client == NULL) {
        cli_fail_named("pull", json, err.msg);
        goto out;
    }
    if (out_path != NULL) {
        /* Write beside the target and rename at the end: a failed pull leaves no half file. */
        rk_buf_printf(&tmp_path, "%s.partXXXXXX", out_path);
        int fd = mkstemp(tmp_path.data);
        if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
            rk_err_set(&err, RK_E_IO, "%s: cannot create: %s", tmp_path.data, strerror(errno));
            if (fd >= 0)
                close(fd);
            rk_buf_reset(&tmp_path);
            cli_fail_named("pull", json, err.msg);
            goto out;
        }
    } else {
        f = stdout;
    }

    struct sync_progress prog;
    sync_progress_start(&prog, "objects", true);
    pager = sync_pager_new(client, urls.objects, &q);
    for (;;) {
        json_t *objects = NULL;
        int prc = sync_pager_next(pager, &objects, &err);
        if (prc < 0) {
            sync_progress_end(&prog);
            report_end(json, pager, count, out_path, err.msg);
            if (sync_pager_state(pager) == SYNC_PAGER_STALLED)
                rc = PULL_EXIT_INCOMPLETE;
            goto out;
        }
        if (prc == 0)
            break;
        if (sync_pager_pages(pager) == 1)
            write_head(f, envelope); /* only now: an early error leaves stdout empty */
        if (write_objects(f, objects, &count) != 0) {
            sync_progress_end(&prog);
            rk_err_set(&err, RK_E_IO, "%s: write failed: %s", out_path ? out_path : "stdout",
                       strerror(errno));
            report_end(json, pager, count, out_path, err.msg);
            goto out;
        }
        sync_progress_update(&prog, count, 0, false);
    }
    if (sync_pager_pages(pager) == 0)
        write_head(f, envelope);
    sync_progress_update(&prog, count, 0, true);
    sync_progress_end(&prog);
    fputs(count > 0 ? "\n]}\n" : "]}\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        report_end(json, pager, count, out_path, "writing the output failed");
        goto out;
    }
    if (out_path != NULL) {
        FILE *done = f;
        f = NULL;
        if (fclose(done) != 0 || rename(tmp_path.data, out_path) != 0) {
            rk_err_set(&err, RK_E_IO, "%s: cannot write: %s", out_path, strerror(errno));
            report_end(json, pager, count, out_path, err.msg);
            goto out;
        }
        rk_buf_reset(&tmp_path);
    }
    report_end(json, pager, count, out_path, NULL);
    rc = 0;
out:
    if (f != NULL && f != stdout)
        fclose(f);
    if (tmp_path.len > 0)
        unlink(tmp_path.data);
    rk_buf_free(&tmp_path);
    sync_pager_free(pager);
    sync_client_free(client);
    sync_urls_free(&urls);
    return rc;
}
