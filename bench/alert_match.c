/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/alert_match.c: the alert matcher's in-memory work per stored version, at the issue's
 * scale: 1,000 subscriptions and 10,000 watchlist entries across 100 organisations, over the
 * real indicators and SCOs of the abuse.ch feeds in ../shared/data/feeds2stix (IPv4 C&C
 * servers and SHA-1 hashes of malware, ~23,000 objects). Per version it does what match.c
 * does before the access check: parse the stored JSON, collect what it mentions, probe the
 * watchlist index, evaluate every active organisation's filters and build each concerned
 * organisation's event JSON. Prints the configuration's build time and memory (resident set
 * before and after), then versions matched per second and events per version. Not measured
 * here: policy_version_readers (one access check per concerned organisation) and the commit,
 * which bench/alert_latency.py measures end to end through the server.
 *
 * The configuration: 100 organisations in 10 sectors, each with 100 watchlist entries (30 of
 * the feed's addresses, 10 /24 ranges around feed addresses, 10 of its SHA-1 hashes, 30
 * domains, 10 AS numbers, 10 products; so a few per cent of the versions hit a watchlist) and
 * 10 subscriptions (watchlist only; indicators at GREEN or AMBER; a label; ATT&CK techniques;
 * incidents of a sector at severity 3 or more; a pattern ISSUBSET a /16; a pattern on a
 * SHA-1; a collection; correlations; and, for one organisation in ten, everything).
 *
 * Built with the unit tests: build/tests/unit/alert/bench_alert_match [PASSES] (default 3).
 * Run from the repository root (the data path is relative to it).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/match_config.h"
#include "alert/match_int.h"

#define FEEDS                                                                                      \
    "../shared/data/feeds2stix/at-df8998db9cdacf813a5334fbbcf5818d084508a3/bundles/abuse_ch"
#define N_ORGS        100
#define WATCH_PER_ORG 100
#define SUBS_PER_ORG  10
#define COLL          "2a7d1d8e-4a8f-4d5e-9b35-0f6a9e0b7c11"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Resident set size in KiB (from /proc/self/statm), 0 if unknown. */
static long rss_kib(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = 0;
    fclose(f);
    return res * 4;
}

/* The versions: the stored JSON text of each object, as the scan would pass it. */
struct corpus {
    char **json;
    char **type;
    size_t n, cap;
    char **ips, **hashes; /* values seen, to draw watchlist entries from */
    size_t n_ips, n_hashes;
};

static void corpus_add(struct corpus *c, json_t *o)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    if (type == NULL || (strcmp(type, "indicator") != 0 && strcmp(type, "ipv4-addr") != 0 &&
                         strcmp(type, "file") != 0))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->json = realloc(c->json, c->cap * sizeof(char *));
        c->type = realloc(c->type, c->cap * sizeof(char *));
        c->ips = realloc(c->ips, c->cap * sizeof(char *));
        c->hashes = realloc(c->hashes, c->cap * sizeof(char *));
    }
    c->json[c->n] = json_dumps(o, JSON_COMPACT);
    c->type[c->n] = strdup(type);
    c->n++;
    if (strcmp(type, "ipv4-addr") == 0)
        c->ips[c->n_ips++] = strdup(json_string_value(json_object_get(o, "value")));
    const char *sha1 = json_string_value(json_object_get(json_object_get(o, "hashes"), "SHA-1"));
    if (strcmp(type, "file") == 0 && sha1 != NULL)
        c->hashes[c->n_hashes++] = strdup(sha1);
}

static void load_dir(struct corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];

    if (d == NULL) {
        fprintf(stderr, "bench_alert_match: cannot open %s (run from the repository root)\n", dir);
        exit(1);
    }
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".json") == NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        json_t *b = json_load_file(path, 0, NULL);
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(b, "objects"), i, o) corpus_add(c, o);
        json_decref(b);
    }
    closedir(d);
}

static const char *const sectors[] = {"electric-power", "gas",      "railways", "finance",
                                      "telecom",        "aviation", "water",    "medical",
                                      "logistics",      "chemical"};

static void build(struct alert_match_config *cfg, const struct corpus *c)
{
    struct store_org *orgs = calloc(N_ORGS, sizeof(*orgs));
    char buf[512];
    size_t ip = 0, hash = 0;

    for (size_t i = 0; i < N_ORGS; i++) {
        snprintf(orgs[i].id, sizeof orgs[i].id, "00000000-0000-4000-8000-%012zu", i);
        snprintf(buf, sizeof buf, "org-%zu", i);
        orgs[i].name = strdup(buf);
        orgs[i].sector = strdup(sectors[i % 10]);
        snprintf(buf, sizeof buf, "identity--00000000-0000-4000-8000-%012zu", i);
        orgs[i].identity_id = strdup(buf);
        orgs[i].own_identifiers = strdup("");
    }
    alert_match_config_init(cfg);
    alert_match_config_set_orgs(cfg, orgs, N_ORGS);
    for (size_t o = 0; o < N_ORGS; o++) {
        for (size_t k = 0; k < WATCH_PER_ORG; k++) {
            struct rk_err err = {0};
            if (k < 30 && c->n_ips > 0)
                snprintf(buf, sizeof buf, "%s", c->ips[(ip++ * 7919) % c->n_ips]);
            else if (k < 40 && c->n_ips > 0) {
                unsigned a, b2, c2, d;
                if (sscanf(c->ips[(ip++ * 104729) % c->n_ips], "%u.%u.%u.%u", &a, &b2, &c2, &d) !=
                    4)
                    a = b2 = c2 = 10;
                snprintf(buf, sizeof buf, "%u.%u.%u.0/24", a, b2, c2);
            } else if (k < 50 && c->n_hashes > 0)
                snprintf(buf, sizeof buf, "%s", c->hashes[(hash++ * 31) % c->n_hashes]);
            else if (k < 80)
                snprintf(buf, sizeof buf, "site%zu.org%zu.example.jp", k, o);
            else if (k < 90)
                snprintf(buf, sizeof buf, "AS%zu", 64500 + o * 10 + k);
            else
                snprintf(buf, sizeof buf, "product:Product %zu-%zu", o, k);
            if (alert_match_config_add_watch(cfg, o, buf, &err) != 0) {
                fprintf(stderr, "entry %s: %s\n", buf, err.msg);
                exit(1);
            }
        }
        for (size_t k = 0; k < SUBS_PER_ORG; k++) {
            char f[512];
            switch (k) {
            case 0:
                snprintf(f, sizeof f, "{\"watchlist\": true}");
                break;
            case 1:
                snprintf(f, sizeof f,
                         "{\"types\": [\"indicator\"], \"tlp\": [\"green\", \"amber\"], "
                         "\"watchlist\": true}");
                break;
            case 2:
                snprintf(f, sizeof f, "{\"labels\": [\"scada\"]}");
                break;
            case 3:
                snprintf(f, sizeof f, "{\"techniques\": [\"T1566\", \"T0817\"]}");
                break;
            case 4:
                snprintf(f, sizeof f,
                         "{\"types\": [\"incident\"], \"sectors\": [\"%s\"], "
                         "\"severity_min\": 3}",
                         sectors[o % 10]);
                break;
            case 5:
                snprintf(f, sizeof f,
                         "{\"pattern\": \"[ipv4-addr:value ISSUBSET '%zu.%zu.0.0/16']\"}", 10 + o,
                         o);
                break;
            case 6:
                snprintf(f, sizeof f, "{\"pattern\": \"[file:hashes.'SHA-1' = '%s']\"}",
                         c->n_hashes ? c->hashes[(o * 13) % c->n_hashes] : "0");
                break;
            case 7:
                snprintf(f, sizeof f, "{\"collections\": [\"isac-%zu\"]}", o);
                break;
            case 8:
                snprintf(f, sizeof f, "{\"correlations\": true}");
                break;
            default: /* one organisation in ten: everything */
                snprintf(f, sizeof f, "%s", o % 10 == 0 ? "{}" : "{\"labels\": [\"x-none\"]}");
                break;
            }
            char doc[600];
            snprintf(doc, sizeof doc, "{\"filter\": %s}", f);
            json_t *sub = json_loads(doc, 0, NULL);
            struct rk_err err = {0};
            char id[64];
            snprintf(id, sizeof id, "sub-%zu-%zu", o, k);
            if (sub == NULL || alert_match_config_add_sub(cfg, o, id, sub, &err) != 0) {
                fprintf(stderr, "filter %s: %s\n", doc, err.msg);
                exit(1);
            }
            json_decref(sub);
        }
    }
    alert_match_config_done(cfg);
}

int main(int argc, char **argv)
{
    struct corpus c = {0};
    struct alert_match_config cfg;
    int passes = argc > 1 ? atoi(argv[1]) : 3;
    size_t events = 0, hits = 0, bytes = 0;

    load_dir(&c, FEEDS "/sslblacklist");
    load_dir(&c, FEEDS "/sslipblacklist_aggressive");
    printf("corpus: %zu versions (indicators, ipv4-addr and file SCOs of the abuse.ch feeds)\n",
           c.n);

    long rss0 = rss_kib();
    double t0 = now_s();
    build(&cfg, &c);
    double t1 = now_s();
    long rss1 = rss_kib();
    printf("configuration: %d organisations, %d subscriptions, %zu watchlist entries: built in "
           "%.1f ms, resident set +%ld KiB\n",
           N_ORGS, N_ORGS * SUBS_PER_ORG, alert_watch_index_count(cfg.ix), (t1 - t0) * 1e3,
           rss1 - rss0);

    double start = now_s();
    for (int p = 0; p < passes; p++) {
        for (size_t i = 0; i < c.n; i++) {
            json_t *obj = json_loads(c.json[i], 0, NULL);
            struct alert_obs_set obs = {0};
            struct alert_match_orgs mo;
            struct store_row row = {.id = "x", .type = c.type[i], .collection_id = COLL};
            alert_obs_collect(c.type[i], obj, &obs);
            struct alert_version v = {.type = c.type[i],
                                      .collection_id = COLL,
                                      .collection_alias = "isac-3",
                                      .tlp = 2 + (int)(i % 2),
                                      .obj = obj,
                                      .obs = &obs,
                                      .named_sector = alert_match_named_sector(&cfg, &row, obj)};
            alert_match_orgs_eval(&cfg, &v, &mo);
            for (size_t k = 0; k < mo.n; k++) {
                json_t *body = json_pack("{s:s, s:O, s:[{s:s, s:s, s:I}]}", "kind", "object",
                                         "subscriptions", mo.subs[k], "objects", "id", "x",
                                         "collection", COLL, "date_added", (json_int_t)i);
                if (json_array_size(mo.watch[k]) > 0) {
                    json_object_set(body, "watchlist", mo.watch[k]);
                    hits++;
                }
                char *text = json_dumps(body, JSON_COMPACT);
                bytes += strlen(text);
                free(text);
                json_decref(body);
            }
            events += mo.n;
            alert_match_orgs_clear(&mo);
            alert_obs_clear(&obs);
            json_decref(obj);
        }
    }
    double secs = now_s() - start;
    size_t versions = c.n * (size_t)passes;
    printf("matched %zu versions in %.2f s: %.0f versions/s (%.1f us each); %.2f events per "
           "version (%.3f watchlist events), %.0f bytes per event; resident set now %ld KiB\n",
           versions, secs, (double)versions / secs, secs * 1e6 / (double)versions,
           (double)events / (double)versions, (double)hits / (double)versions,
           events ? (double)bytes / (double)events : 0.0, rss_kib());
    alert_match_config_clear(&cfg);
    return 0;
}
