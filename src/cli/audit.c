/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c: `renkei audit verify|list`: the tamper-evident audit log of reads and writes at
 * AMBER and above, provenance reads and policy changes. verify recomputes the hash chain
 * and exits 1 naming the first entry that does not match.
 */
#include "cli/args.h"
#include "cli/cli.h"
#include "policy/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: renkei audit verify [--data DIR] [--json]\n"
    "       renkei audit list [--org ORG] [--after SEQ] [--limit N] [--data DIR] [--json]\n"
    "\n"
    "The audit log records who read or wrote what at TLP AMBER and above, every read\n"
    "of the provenance vault and every policy change. Each entry carries the hash of\n"
    "the one before, so a changed or removed entry breaks the chain.\n"
    "\n"
    "verify recomputes the chain: exit status 0 when intact, 1 when broken (the first\n"
    "entry that does not match is named). list prints entries in order.\n"
    "\n"
    "Options:\n"
    "  --org ORG        only entries of this organisation (name or id)\n"
    "  --after SEQ      only entries after this sequence number\n"
    "  --limit N        at most N entries (default 1000; more than 10000 is capped)\n"
    "  --data DIR       data folder (default $RENKEI_DATA, else ./renkei-data)\n"
    "  --json           print JSON ({\"intact\", \"checked\", \"first_bad_seq\"} or\n"
    "                   {\"entries\": [...], \"more\": bool})\n"
    "\n"
    "Examples:\n"
    "  renkei audit verify\n"
    "  renkei audit list --org acme-power --after 120 --limit 50\n";

static int audit_verify(int argc, char **argv)
{
    struct store *s;
    struct rk_err err;
    int64_t checked = 0;
    int64_t bad = 0;
    bool json;
    int rc;

    rc = cli_start_with_store(usage, argc, argv, &json, &s, &err);
    if (rc != CLI_CONTINUE)
        return rc;
    rc = policy_audit_verify(s, &checked, &bad, &err);
    store_close(s);
    if (rc != 0)
        return cli_fail(json, 1, "cannot verify the audit log: %s", err.msg);
    if (json) {
        cli_json_print(json_pack("{s:b, s:I, s:o}", "intact", bad == 0, "checked",
                                 (json_int_t)checked, "first_bad_seq",
                                 bad == 0 ? json_null() : json_integer(bad)));
    } else if (bad == 0) {
        printf("audit log intact: %" PRId64 " entries checked\n", checked);
    } else {
        printf("audit log BROKEN at seq %" PRId64
               ": the entry was changed, or one before it was changed or removed "
               "(%" PRId64 " entries read)\n",
               bad, checked);
    }
    return bad == 0 ? 0 : 1;
}

/* Prints one listed entry for humans: seq, time, org, action, route, collection, detail. */
static void print_entry(const json_t *e)
{
    char *detail = json_dumps(json_object_get(e, "detail"), JSON_COMPACT | JSON_ENCODE_ANY);
    const char *org = json_string_value(json_object_get(e, "org"));
    const char *coll = json_string_value(json_object_get(e, "collection"));

    printf("%-6lld %-27s %-20s %-16s %-22s %-36s %s\n",
           (long long)json_integer_value(json_object_get(e, "seq")),
           json_string_value(json_object_get(e, "time")),
           org != NULL && org[0] != '\0' ? org : "(anonymous)",
           json_string_value(json_object_get(e, "action")),
           json_string_value(json_object_get(e, "route")),
           coll != NULL && coll[0] != '\0' ? coll : "-", detail != NULL ? detail : "");
    free(detail);
}

/* Prints a listing for humans: a header, the entries, and how to go on if there are more. */
static void print_entries(const json_t *doc)
{
    const json_t *entries = json_object_get(doc, "entries");
    size_t i;
    json_t *e;

    printf("%-6s %-27s %-20s %-16s %-22s %-36s %s\n", "SEQ", "TIME", "ORG", "ACTION", "ROUTE",
           "COLLECTION", "DETAIL");
    json_array_foreach(entries, i, e) print_entry(e);
    if (json_is_true(json_object_get(doc, "more")))
        printf("(more entries: use --after %lld)\n", (long long)json_integer_value(json_object_get(
                                                         json_array_get(entries, i - 1), "seq")));
}

static int audit_list(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"data", "DIR", false, NULL, false}, {"json", NULL, false, NULL, false},
        {"org", "ORG", false, NULL, false},  {"after", "SEQ", false, NULL, false},
        {"limit", "N", false, NULL, false},
    };
    const size_t n_opts = sizeof(opts) / sizeof(opts[0]);
    const char *pos[1];
    size_t n_pos;
    struct store *s = NULL;
    struct store_org org = {0};
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    const char *org_ref;
    const char *v;
    int64_t after = 0;
    int64_t limit = 0;
    json_t *doc;
    bool json;
    int rc;

    rc = cli_start(usage, argc, argv, opts, n_opts, pos, 0, &n_pos, &json);
    if (rc != CLI_CONTINUE)
        return rc;
    v = cli_opt_value(opts, n_opts, "after");
    if (v != NULL && rk_parse_int64(v, 0, INT64_MAX, &after) != 0)
        return cli_usage_error("audit list", json, "--after must be a sequence number");
    v = cli_opt_value(opts, n_opts, "limit");
    if (v != NULL && rk_parse_int64(v, 1, INT64_MAX, &limit) != 0)
        return cli_usage_error("audit list", json, "--limit must be a positive number");
    if (limit > 10000)
        limit = 10000; /* the cap of one listing; "more" says when to go on with --after */
    if (cli_open_data_store(opts, n_opts, json, &s, &err) != 0)
        return 1;
    org_ref = cli_opt_value(opts, n_opts, "org");
    if (org_ref != NULL) {
        rc = store_org_get(s, org_ref, &org, &err);
        if (rc != 0) {
            rc = cli_fail(json, 1, "%s", rc == RK_E_NOTFOUND ? "unknown organisation" : err.msg);
            goto out;
        }
    }
    rc = policy_audit_list_json(s, after, (size_t)limit, org_ref != NULL ? org.id : NULL, &b, &err);
    doc = cli_result_doc(rc, &b);
    if (doc == NULL) {
        rc = cli_fail(json, 1, "cannot list the audit log: %s", err.msg);
        goto out;
    }
    cli_print_result(json, doc, print_entries);
    rc = 0;
out:
    rk_buf_free(&b);
    store_org_clear(&org);
    store_close(s);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"verify", "audit verify", audit_verify},
        {"list", "audit list", audit_list},
    };
    return cli_dispatch("audit", usage, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
