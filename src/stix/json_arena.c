/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_arena.c: a per-thread bump allocator for the json_t tree that TAXII POST parses from
 * an envelope (tens of thousands of small values per request). Here an allocation is a
 * pointer bump and a free is a range check instead of a trip through malloc: callgrind, real
 * data, 130,048 -> 115,588 instructions per ingested object (bench/README.md).
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
        free(c);
        c = next;
    }
    keep->next = NULL;
    if (keep->size > ARENA_KEEP) {
        free(keep);
        a->chunks = NULL;
        a->cur = a->end = NULL;
        return;
    }
    a->chunks = keep;
    a->cur = (char *)keep + chunk_header();
    a->end = (char *)keep + keep->size;
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
        free(c);
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
    if (!a->on || n == 0 || n > ARENA_CHUNK_MIN / 4)
        return malloc(n);
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if ((size_t)(a->end - a->cur) < n) {
        size_t size = a->chunks != NULL ? a->chunks->size * 2 : ARENA_CHUNK_MIN;
        struct arena_chunk *c = malloc(size);
        if (c == NULL)
            return malloc(n);
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
    return true;
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
