/* SPDX-License-Identifier: Apache-2.0 */
/*
 * peers.c: open connections counted per client address (IPv4 or IPv6, exact), so that one
 * address cannot take more than its share of the server's connections.
 */
#include "http/http_int.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PEER_BUCKETS 1024u /* a power of two */

struct peer {
    struct peer *next;      /* next in the bucket */
    unsigned char addr[16]; /* IPv4 addresses as IPv4-mapped IPv6 */
    unsigned n;             /* open connections from addr */
};

struct http_peers {
    pthread_mutex_t lock;               /* guards the buckets */
    unsigned max;                       /* per address; 0: no limit, nothing counted */
    struct peer *buckets[PEER_BUCKETS]; /* chains of addresses with connections open */
};

struct http_peers *http_peers_new(unsigned max_per_addr)
{
    struct http_peers *p = rk_calloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    p->max = max_per_addr;
    return p;
}

void http_peers_free(struct http_peers *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < PEER_BUCKETS; i++) {
        while (p->buckets[i] != NULL) {
            struct peer *e = p->buckets[i];
            p->buckets[i] = e->next;
            free(e);
        }
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* The 16-byte key of an address; false for families that are not counted. */
static bool addr_key(const struct sockaddr *sa, unsigned char key[16])
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memset(key, 0, 10);
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(key, &in6->sin6_addr, 16);
        return true;
    }
    return false;
}

static unsigned bucket_of(const unsigned char key[16])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h & (PEER_BUCKETS - 1);
}

bool http_peers_take(struct http_peers *p, const struct sockaddr *sa)
{
    unsigned char key[16];
    bool ok = true;
    if (p->max == 0 || !addr_key(sa, key))
        return true;
    unsigned b = bucket_of(key);
    pthread_mutex_lock(&p->lock);
    struct peer *e = p->buckets[b];
    while (e != NULL && memcmp(e->addr, key, 16) != 0)
        e = e->next;
    if (e == NULL) {
        e = rk_calloc(1, sizeof(*e));
        memcpy(e->addr, key, 16);
        e->next = p->buckets[b];
        p->buckets[b] = e;
    }
    if (e->n >= p->max)
        ok = false;
    else
        e->n++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void http_peers_give(struct http_peers *p, const struct sockaddr *sa)
{
    unsigned char key[16];
    if (p->max == 0 || !addr_key(sa, key))
        return;
    unsigned b = bucket_of(key);
    pthread_mutex_lock(&p->lock);
    struct peer **pp = &p->buckets[b];
    while (*pp != NULL && memcmp((*pp)->addr, key, 16) != 0)
        pp = &(*pp)->next;
    struct peer *e = *pp;
    if (e != NULL && e->n > 0 && --e->n == 0) {
        *pp = e->next;
        free(e);
    }
    pthread_mutex_unlock(&p->lock);
}
