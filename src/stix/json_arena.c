/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_arena.c: a bump allocator for the json_t tree that TAXII POST parses from an envelope
 * (tens of thousands of small values per request). Here an allocation is a pointer bump and a
 * free is a table lookup instead of a trip through malloc: callgrind, real data, 130,048 ->
 * 115,588 instructions per ingested object (bench/README.md).
 *
 * An arena is an object owned by whoever parses into it (a request, a job), not by a thread:
 * stix_json_arena_new() hands its owner one reference, stix_json_parse_capped_in() parses into
 * it, stix_json_arena_release() gives the owner's reference back. Its memory goes back when
 * the owner has released it AND every block it handed out has been freed, on whatever thread
 * frees the last one: a subtree a worker keeps (json_incref) after the request ended stays
 * valid, and a block freed on any thread is freed correctly.
 *
 * How a free finds its arena: arena memory comes in chunks of ARENA_CHUNK bytes aligned on
 * ARENA_CHUNK, and a two-level table indexed by address / ARENA_CHUNK names the arena that
 * holds each chunk (NULL everywhere else: a malloc block). A free is two loads and a shift;
 * a block itself carries no header, so that a malloc block jansson handed out (json_dumps'
 * text, freed with free() by its callers) is a plain malloc block.
 *
 * Counting: refs = blocks live + 1 while the owner holds the arena, atomic, so that frees on
 * several threads count right. The parse running now counts its blocks in a plain field
 * (pending) and adds them to refs once at its end: an allocation stays a pointer bump. A
 * free on the parsing thread of a block of the arena it is parsing into takes from pending,
 * so that refs never reaches 0 while a parse runs (the owner's reference is held throughout).
 *
 * stix_json_arena_drop() frees a whole envelope by forgetting its blocks at once instead of
 * walking its tens of thousands of nodes (json_delete, 2 % of ingest's instructions), when
 * the tree is its arena's latest parse, started with nothing else live in the arena, took
 * nothing from malloc (a block over a quarter of a chunk: a long string, the table of a long
 * array), and is singly referenced; the caller promises that no other reference into the
 * tree exists (on any thread).
 *
 * Free chunks wait in a small cache shared by every arena (a mutex, taken once per chunk,
 * not per block), so that a request's arena starts in memory the previous one already
 * touched.
 *
 * Installed as jansson's allocator (json_set_alloc_funcs) by stix_json_arena_install(), once,
 * before any thread starts. Only what a parse into an arena allocates on its thread comes
 * from the arena; every other jansson allocation is plain malloc.
 *
 * Rules left to callers: parses into one arena do not run at the same time (one parse at a
 * time, by a holder of the owner's reference); blocks may be freed anywhere, anytime.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
/* Forgotten arena memory is poisoned: a reference kept past a reuse or a drop is reported. */
#define ARENA_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
/* stix_json_arena_drop checks that the tree holds nothing from outside the arena. */
#define ARENA_CHECK_DROP 1
#else
#define ARENA_POISON(p, n)   ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#define ARENA_CHECK_DROP     0
#endif

#include "stix/stix_int.h"

/* Every chunk: its size and its alignment (a block's chunk is its address rounded down). */
#define ARENA_CHUNK_SHIFT 18
#define ARENA_CHUNK       ((size_t)1 << ARENA_CHUNK_SHIFT) /* 256 KiB */
/* Larger blocks come from malloc (a string over 64 KiB, a table of 8,000 members). */
#define ARENA_BIG   (ARENA_CHUNK / 4)
#define ARENA_ALIGN 16
/* Free chunks kept for the next arenas (16 MiB); more go back to malloc. */
#define ARENA_CACHE_MAX 64

/* The chunk table: address >> ARENA_CHUNK_SHIFT, split into a top index and a leaf index,
 * over 47 bits of address (user space on x86-64 and AArch64 with 4-level tables). */
#define MAP_LEAF_BITS 14
#define MAP_TOP_BITS  (47 - ARENA_CHUNK_SHIFT - MAP_LEAF_BITS)
#define MAP_LEAF_SIZE ((size_t)1 << MAP_LEAF_BITS)
#define MAP_TOP_SIZE  ((size_t)1 << MAP_TOP_BITS)

struct arena_chunk {
    struct arena_chunk *next; /* older chunk of the arena, or next chunk of the cache */
};

struct stix_json_arena {
    /* Blocks live, plus 1 while the owner holds the arena; its memory goes at 0. */
    _Atomic size_t refs;
    /* What only the thread parsing into the arena (or its owner between parses) touches. */
    struct arena_chunk *chunks; /* newest first */
    char *cur;                  /* next free byte of chunks */
    char *end;                  /* end of chunks */
    size_t pending;             /* blocks of the parse running now, not in refs yet */
    /* The latest parse's tree, and whether nothing else was live when it started: what
     * stix_json_arena_drop may forget wholesale. */
    const json_t *last_root;
    bool last_clean;
    size_t outside; /* blocks the latest parse took from malloc (too large for the arena) */
    size_t drops;   /* trees stix_json_arena_drop forgot wholesale */
};

typedef _Atomic(struct stix_json_arena *) arena_slot;

static bool installed;
/* The arena the calling thread is parsing into, NULL outside parses. */
static _Thread_local struct stix_json_arena *tl_parsing;
/* Chunk -> arena; leaves are created on first use and never freed. */
static _Atomic(arena_slot *) chunk_map[MAP_TOP_SIZE];
/* Free chunks (not in chunk_map). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct arena_chunk *cache_head;
static size_t cache_count;

static size_t chunk_header(void)
{
    return (sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

/* The slot of the chunk holding p, or NULL when p is out of the table's range or its leaf
 * was never created (then p is no arena's). create: make the leaf if missing. */
static arena_slot *map_slot(const void *p, bool create)
{
    uintptr_t k = (uintptr_t)p >> ARENA_CHUNK_SHIFT;
    uintptr_t top = k >> MAP_LEAF_BITS;
    if (top >= MAP_TOP_SIZE)
        return NULL;
    arena_slot *leaf = atomic_load_explicit(&chunk_map[top], memory_order_acquire);
    if (leaf == NULL && create) {
        arena_slot *fresh = calloc(MAP_LEAF_SIZE, sizeof(*fresh));
        if (fresh == NULL)
            return NULL;
        if (atomic_compare_exchange_strong_explicit(&chunk_map[top], &leaf, fresh,
                                                    memory_order_acq_rel, memory_order_acquire))
            leaf = fresh;
        else
            free(fresh); /* another thread made it first: leaf is theirs */
    }
    return leaf != NULL ? &leaf[k & (MAP_LEAF_SIZE - 1)] : NULL;
}

/* The arena holding p, or NULL for a block of malloc. */
static struct stix_json_arena *arena_of(const void *p)
{
    arena_slot *slot = map_slot(p, false);
    return slot != NULL ? atomic_load_explicit(slot, memory_order_relaxed) : NULL;
}

/* A free chunk for arena a (from the cache, else from malloc), noted in the table; NULL when
 * memory or the table's range runs out (the caller then uses malloc). */
static struct arena_chunk *chunk_take(struct stix_json_arena *a)
{
    struct arena_chunk *c;

    pthread_mutex_lock(&cache_lock);
    c = cache_head;
    if (c != NULL) {
        cache_head = c->next;
        cache_count--;
    }
    pthread_mutex_unlock(&cache_lock);
    if (c == NULL) {
        void *mem = NULL;
        if (posix_memalign(&mem, ARENA_CHUNK, ARENA_CHUNK) != 0)
            return NULL;
        c = mem;
        ARENA_POISON((char *)c + chunk_header(), ARENA_CHUNK - chunk_header());
    }
    arena_slot *slot = map_slot(c, true);
    if (slot == NULL) {
        free(c);
        return NULL;
    }
    atomic_store_explicit(slot, a, memory_order_relaxed);
    return c;
}

/* Gives chunk c back: to the cache, or to malloc when the cache is full. Its memory is
 * poisoned (ASan): nothing may touch it until an arena hands it out again. */
static void chunk_give(struct arena_chunk *c)
{
    atomic_store_explicit(map_slot(c, false), NULL, memory_order_relaxed);
    ARENA_POISON((char *)c + chunk_header(), ARENA_CHUNK - chunk_header());
    pthread_mutex_lock(&cache_lock);
    if (cache_count < ARENA_CACHE_MAX) {
        c->next = cache_head;
        cache_head = c;
        cache_count++;
        c = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    if (c != NULL) {
        ARENA_UNPOISON(c, ARENA_CHUNK);
        free(c);
    }
}

/* Nothing live: start again in the newest chunk, giving every other one back. */
static void arena_reset(struct stix_json_arena *a)
{
    struct arena_chunk *keep = a->chunks;
    if (keep == NULL)
        return;
    struct arena_chunk *c = keep->next;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        chunk_give(c);
        c = next;
    }
    keep->next = NULL;
    a->cur = (char *)keep + chunk_header();
    a->end = (char *)keep + ARENA_CHUNK;
    ARENA_POISON(a->cur, (size_t)(a->end - a->cur));
}

/* refs reached 0: the owner is done and no block is live. */
static void arena_destroy(struct stix_json_arena *a)
{
    struct arena_chunk *c = a->chunks;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        chunk_give(c);
        c = next;
    }
    free(a);
}

/* One reference less (a block freed, or the owner done); the last one frees the arena.
 * acq_rel: every use of the arena's memory, on any thread, happens before its reuse. */
static void arena_unref(struct stix_json_arena *a)
{
    if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
        arena_destroy(a);
}

static void *arena_malloc(size_t n)
{
    struct stix_json_arena *a = tl_parsing;
    if (a == NULL)
        return malloc(n);
    /* Checked before rounding up, so that a size near SIZE_MAX cannot wrap to a small block
     * (n - 1 wraps for 0, which goes to malloc too). */
    if (n - 1 >= ARENA_BIG) {
        a->outside++; /* a large string, or the table of a large array or object */
        return malloc(n);
    }
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if ((size_t)(a->end - a->cur) < n) {
        struct arena_chunk *c = chunk_take(a);
        if (c == NULL) {
            a->outside++;
            return malloc(n);
        }
        c->next = a->chunks;
        a->chunks = c;
        a->cur = (char *)c + chunk_header();
        a->end = (char *)c + ARENA_CHUNK;
    }
    void *p = a->cur;
    a->cur += n;
    a->pending++;
    ARENA_UNPOISON(p, n);
    return p;
}

static void arena_free(void *p)
{
    if (p == NULL)
        return;
    struct stix_json_arena *a = arena_of(p);
    if (a == NULL)
        free(p);
    else if (a == tl_parsing)
        a->pending--; /* counted at the end of the parse running on this thread */
    else
        arena_unref(a);
}

void stix_json_arena_install(void)
{
    if (installed)
        return;
    json_set_alloc_funcs(arena_malloc, arena_free);
    installed = true;
}

struct stix_json_arena *stix_json_arena_new(void)
{
    struct stix_json_arena *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL; /* parses then use malloc */
    atomic_init(&a->refs, 1);
    return a;
}

void stix_json_arena_release(struct stix_json_arena *a)
{
    if (a != NULL)
        arena_unref(a);
}

bool stix_json_arena_begin(struct stix_json_arena *a)
{
    if (a == NULL || !installed || tl_parsing != NULL)
        return false;
    /* Only the owner's reference: nothing live, start again in the newest chunk (acquire:
     * the threads that freed the blocks are done with their memory). */
    bool clean = atomic_load_explicit(&a->refs, memory_order_acquire) == 1;
    if (clean)
        arena_reset(a);
    a->pending = 0;
    a->last_root = NULL;
    a->last_clean = clean;
    a->outside = 0;
    tl_parsing = a;
    return true;
}

void stix_json_arena_end(struct stix_json_arena *a, const json_t *root)
{
    tl_parsing = NULL;
    /* Relaxed: the tree reaches other threads only through their own synchronisation. */
    atomic_fetch_add_explicit(&a->refs, a->pending, memory_order_relaxed);
    a->pending = 0;
    a->last_root = root;
}

size_t stix_json_arena_live(const struct stix_json_arena *a)
{
    if (a == NULL)
        return 0;
    return atomic_load_explicit(&((struct stix_json_arena *)a)->refs, memory_order_acquire) - 1;
}

#if ARENA_CHECK_DROP
/* True if every value, key and string of v is in arena a (jansson's singletons aside). */
static bool tree_in_arena(const struct stix_json_arena *a, const json_t *v)
{
    const char *key;
    const json_t *child;
    size_t i;

    if (json_is_null(v) || json_is_boolean(v))
        return true; /* jansson's static singletons (ingest's json_null stand-ins too) */
    if (arena_of(v) != a)
        return false;
    if (json_is_string(v))
        return arena_of(json_string_value(v)) == a;
    if (json_is_array(v)) {
        json_array_foreach(v, i, child) if (!tree_in_arena(a, child)) return false;
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, child)
        {
            if (arena_of(key) != a || !tree_in_arena(a, child))
                return false;
        }
    }
    return true;
}
#endif

void stix_json_arena_drop(struct stix_json_arena *a, json_t *root)
{
    if (root == NULL)
        return;
    if (a == NULL || !installed || tl_parsing == a || root != a->last_root || !a->last_clean ||
        a->outside != 0 || root->refcount != 1 || arena_of(root) != a) {
        json_decref(root);
        return;
    }
#if ARENA_CHECK_DROP
    if (!tree_in_arena(a, root))
        abort(); /* a value added after the parse would leak: the caller broke its promise */
#endif
    /* Every live block is root's: the parse started with none, and nothing was parsed into
     * the arena since; only the owner's reference is left. */
    a->last_root = NULL;
    atomic_store_explicit(&a->refs, 1, memory_order_release);
    a->drops++;
    arena_reset(a);
}

size_t stix_json_arena_cached_chunks(void)
{
    pthread_mutex_lock(&cache_lock);
    size_t n = cache_count;
    pthread_mutex_unlock(&cache_lock);
    return n;
}

size_t stix_json_arena_drops(const struct stix_json_arena *a)
{
    return a != NULL ? a->drops : 0;
}
