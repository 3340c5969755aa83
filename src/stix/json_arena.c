/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_arena.c: a per-thread bump allocator for the json_t tree that TAXII POST parses from
 * an envelope (tens of thousands of small values per request). Here an allocation is a
 * pointer bump and a free is a range check instead of a trip through malloc: callgrind, real
 * data, 130,048 -> 115,588 instructions per ingested object (bench/README.md).
 *
 * stix_json_arena_drop() frees a whole envelope by forgetting its blocks at once instead of
 * walking its tens of thousands of nodes (json_delete, 2 % of ingest's instructions), when
 * the tree is the thread's latest parse, started alone in the arena, took nothing from malloc
 * (a block over a quarter of a chunk: a long string, the table of a long array), and is
 * singly referenced.
 *
 * Installed as jansson's allocator (json_set_alloc_funcs) by stix_json_arena_install(),
 * once, before any thread starts. Only what stix_json_parse_depth() allocates while the
 * calling thread's arena is on comes from the arena; every other jansson allocation (and any
 * block over a quarter of the first chunk) is plain malloc, and the free function hands
 * whatever is not in the calling thread's arena to free().
 *
 * Safety rests on two rules:
 * - arena memory is reused only when every block handed out since the last reuse has been
 *   freed (live == 0): a value still referenced somewhere can never be overwritten, at worst
 *   the arena keeps growing like a leak would;
 * - a tree parsed by a thread is freed by the same thread (TAXII requests are handled on one
 *   thread from start to end); a block freed by another thread would reach free(), which is
 *   undefined behaviour on memory malloc did not hand out (heap corruption or an abort).
 */
#include <pthread.h>
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

/* The first chunk; each further one doubles, so a 100 MB body needs a handful of chunks. */
#define ARENA_CHUNK_MIN ((size_t)256 * 1024)
/* Memory kept for the thread's next request once its tree is freed. */
#define ARENA_KEEP  ((size_t)4 * 1024 * 1024)
#define ARENA_ALIGN 16

struct arena_chunk {
    struct arena_chunk *next; /* older chunk */
    size_t size;              /* bytes of the chunk, this header included */
};

struct arena {
    struct arena_chunk *chunks; /* newest first */
    char *cur;                  /* next free byte of chunks */
    char *end;                  /* end of chunks */
    size_t live;                /* blocks handed out and not freed yet */
    bool on;                    /* allocations come from here */
    /* The latest parse's tree, and whether nothing else was live when it started: what
     * stix_json_arena_drop may forget wholesale. */
    const json_t *last_root;
    bool last_clean;
    size_t outside; /* blocks the latest parse took from malloc (too large for the arena) */
    size_t drops;   /* trees stix_json_arena_drop forgot wholesale */
};

static _Thread_local struct arena tl_arena;
static bool installed;
/* Frees a thread's chunks when the thread ends (set once the thread has a chunk). */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

static size_t chunk_header(void)
{
    return (sizeof(struct arena_chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static bool arena_owns(const struct arena *a, const void *p)
{
    for (const struct arena_chunk *c = a->chunks; c != NULL; c = c->next) {
        const char *base = (const char *)c;
        if ((const char *)p >= base && (const char *)p < base + c->size)
            return true;
    }
    return false;
}

/* Gives chunk c back to malloc. */
static void chunk_free(struct arena_chunk *c)
{
    ARENA_UNPOISON(c, c->size);
    free(c);
}

/* Everything freed: start again in the newest (largest) chunk if it is at most ARENA_KEEP,
 * dropping every other chunk. */
static void arena_reuse(struct arena *a)
{
    struct arena_chunk *keep = a->chunks;
    if (keep == NULL)
        return;
    struct arena_chunk *c = keep->next;
    while (c != NULL) {
        struct arena_chunk *next = c->next;
        chunk_free(c);
        c = next;
    }
    keep->next = NULL;
    if (keep->size > ARENA_KEEP) {
        chunk_free(keep);
        a->chunks = NULL;
        a->cur = a->end = NULL;
        return;
    }
    a->chunks = keep;
    a->cur = (char *)keep + chunk_header();
    a->end = (char *)keep + keep->size;
    ARENA_POISON(a->cur, (size_t)(a->end - a->cur));
}

/* Thread exit: its chunks go back to malloc, unless a block is still live (a tree kept past
 * its thread, which must not happen: its memory is then left alone, like a leak). */
static void arena_thread_exit(void *p)
{
    struct arena *a = p;
    if (a->live != 0)
        return;
    for (struct arena_chunk *c = a->chunks; c != NULL;) {
        struct arena_chunk *next = c->next;
        chunk_free(c);
        c = next;
    }
    a->chunks = NULL;
    a->cur = a->end = NULL;
}

static void exit_key_create(void)
{
    (void)pthread_key_create(&exit_key, arena_thread_exit);
}

static void *arena_malloc(size_t n)
{
    struct arena *a = &tl_arena;
    /* Checked before rounding up, so that a size near SIZE_MAX cannot wrap to a small block. */
    if (!a->on || n == 0 || n > ARENA_CHUNK_MIN / 4) {
        a->outside += a->on; /* a large string, or the table of a large array or object */
        return malloc(n);
    }
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if ((size_t)(a->end - a->cur) < n) {
        size_t size = a->chunks != NULL ? a->chunks->size * 2 : ARENA_CHUNK_MIN;
        struct arena_chunk *c = malloc(size);
        if (c == NULL) {
            a->outside++;
            return malloc(n);
        }
        if (a->chunks == NULL) {
            pthread_once(&exit_key_once, exit_key_create);
            (void)pthread_setspecific(exit_key, a);
        }
        c->next = a->chunks;
        c->size = size;
        a->chunks = c;
        a->cur = (char *)c + chunk_header();
        a->end = (char *)c + size;
    }
    void *p = a->cur;
    a->cur += n;
    a->live++;
    ARENA_UNPOISON(p, n);
    return p;
}

static void arena_free(void *p)
{
    struct arena *a = &tl_arena;
    if (p == NULL)
        return;
    if (a->chunks != NULL && arena_owns(a, p)) {
        if (--a->live == 0 && !a->on)
            arena_reuse(a);
        return;
    }
    free(p);
}

void stix_json_arena_install(void)
{
    if (installed)
        return;
    json_set_alloc_funcs(arena_malloc, arena_free);
    installed = true;
}

bool stix_json_arena_begin(void)
{
    struct arena *a = &tl_arena;
    if (!installed || a->on)
        return false;
    if (a->live == 0)
        arena_reuse(a);
    a->on = true;
    a->last_root = NULL;
    a->last_clean = a->live == 0;
    a->outside = 0;
    return true;
}

void stix_json_arena_parsed(const json_t *root)
{
    tl_arena.last_root = root;
}

void stix_json_arena_end(void)
{
    struct arena *a = &tl_arena;
    a->on = false;
    if (a->live == 0)
        arena_reuse(a);
}

size_t stix_json_arena_live(void)
{
    return tl_arena.live;
}

#if ARENA_CHECK_DROP
/* True if every value, key and string of v is in the arena (jansson's singletons aside). */
static bool tree_in_arena(const struct arena *a, const json_t *v)
{
    const char *key;
    const json_t *child;
    size_t i;

    if (json_is_null(v) || json_is_boolean(v))
        return true; /* jansson's static singletons (ingest's json_null stand-ins too) */
    if (!arena_owns(a, v))
        return false;
    if (json_is_string(v))
        return arena_owns(a, json_string_value(v));
    if (json_is_array(v)) {
        json_array_foreach(v, i, child) if (!tree_in_arena(a, child)) return false;
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, child)
        {
            if (!arena_owns(a, key) || !tree_in_arena(a, child))
                return false;
        }
    }
    return true;
}
#endif

void stix_json_arena_drop(json_t *root)
{
    struct arena *a = &tl_arena;

    if (root == NULL)
        return;
    if (!installed || a->on || root != a->last_root || !a->last_clean || a->outside != 0 ||
        root->refcount != 1 || a->chunks == NULL || !arena_owns(a, root)) {
        json_decref(root);
        return;
    }
#if ARENA_CHECK_DROP
    if (!tree_in_arena(a, root))
        abort(); /* a value added after the parse would leak: the caller broke its promise */
#endif
    /* Every live block is root's: the parse started with none, and the arena is off
     * outside parses. */
    a->last_root = NULL;
    a->live = 0;
    a->drops++;
    arena_reuse(a);
}

size_t stix_json_arena_drops(void)
{
    return tl_arena.drops;
}
