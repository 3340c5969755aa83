/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub_observables.c: the observable filter of the hub-wide read (policy_hub_query): index
 * keys as analyze writes them ("domain:example.jp", "ipv4:192.0.2.1", "cidr6:2001:db8::/32")
 * turned into what the store matches, an address or CIDR key with its range in the 128-bit
 * space of the index (struct store_observable), so that an address finds the CIDRs holding it
 * and a CIDR the addresses and CIDRs inside it.
 */
#include "policy/policy_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The prefix of the key types that are addresses and ranges, and their family. */
static const struct {
    const char *prefix;
    bool v6;
    bool range;
} ranged_keys[] = {
    {"ipv4:", false, false},
    {"ipv6:", true, false},
    {"cidr4:", false, true},
    {"cidr6:", true, true},
};

/* Reads the address (and "/prefix" when range) of text into out; false if it is not one. */
static bool parse_range(const char *text, bool v6, bool range, struct store_observable *out)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
    unsigned full = v6 ? 128 : 32, prefix = full;

    if ((slash != NULL) != range || alen == 0 || alen >= sizeof(addr))
        return false;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (range) {
        char *end = NULL;
        unsigned long p = strtoul(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || p > full)
            return false;
        prefix = (unsigned)p;
    }
    memset(out->addr, 0, sizeof(out->addr));
    if (v6) {
        if (inet_pton(AF_INET6, addr, out->addr) != 1)
            return false;
    } else {
        out->addr[10] = out->addr[11] = 0xff; /* ::ffff:a.b.c.d, as the index keeps IPv4 */
        if (inet_pton(AF_INET, addr, out->addr + 12) != 1)
            return false;
        prefix += 96;
    }
    out->ranged = true;
    out->prefix = (uint8_t)prefix;
    return true;
}

int policy_hub_observables(const char *const *keys, size_t n, struct store_observable *out,
                           struct rk_err *err)
{
    if (n > POLICY_HUB_OBSERVABLES_MAX)
        return rk_err_set(err, RK_E_TOOBIG, "more than %d observables in one read",
                          POLICY_HUB_OBSERVABLES_MAX);
    if (n > 0 && keys == NULL)
        return rk_err_set(err, RK_E_INVALID, "a filter list is missing");
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i];
        const char *colon = k != NULL ? strchr(k, ':') : NULL;
        memset(&out[i], 0, sizeof(out[i]));
        if (colon == NULL || colon == k || colon[1] == '\0' || strlen(k) > POLICY_HUB_KEY_MAX)
            return rk_err_set(err, RK_E_INVALID,
                              "observable %zu is not an index key (\"type:value\", at most %d "
                              "bytes)",
                              i + 1, POLICY_HUB_KEY_MAX);
        out[i].key = k;
        for (size_t t = 0; t < sizeof(ranged_keys) / sizeof(ranged_keys[0]); t++) {
            size_t pl = strlen(ranged_keys[t].prefix);
            if (strncmp(k, ranged_keys[t].prefix, pl) != 0)
                continue;
            if (!parse_range(k + pl, ranged_keys[t].v6, ranged_keys[t].range, &out[i]))
                return rk_err_set(err, RK_E_INVALID, "observable %zu: \"%.60s\" is not an %s key",
                                  i + 1, k, ranged_keys[t].range ? "address range" : "address");
        }
    }
    return 0;
}
