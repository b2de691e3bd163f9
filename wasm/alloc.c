/*
 * malloc, calloc, realloc and free for the WebAssembly module only (linked
 * with -sMALLOC=none): emmalloc is ~2 KB of code for a program that holds
 * five blocks per instance (binding.c's batch and its four buffers, which
 * only ever grow). Natively, and in the wasm unit tests, libc's allocator
 * serves binding.c instead.
 *
 * Blocks are carved from the top of the heap (from __heap_base, the end of
 * the data and the stack, upwards; memory.grow when it runs out) behind a
 * 16-octet header holding their capacity. free() keeps a block on a first-fit list
 * for reuse; realloc() grows the block at the top of the heap in place and
 * moves any other (the binding doubles its buffers, so what a move leaves
 * behind is at most the size of the buffer itself). No coalescing: nothing
 * here frees and reallocates in patterns that would need it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { HEADER = 16, ALIGN = 16, PAGE = 65536 }; /* max_align_t is 16 on wasm32 */

extern unsigned char __heap_base; /* set by the linker */
static uintptr_t heap_top;        /* first octet not handed out yet */

/* Takes n more octets (a multiple of ALIGN) at the top of the heap, growing
 * the memory by whole pages when needed. NULL when the memory cannot grow. */
static void *take(size_t n)
{
    if (!heap_top)
        heap_top = ((uintptr_t)&__heap_base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    size_t have = __builtin_wasm_memory_size(0) * PAGE;
    if (n > SIZE_MAX - heap_top)
        return NULL;
    if (heap_top + n > have) {
        size_t pages = (heap_top + n - have + PAGE - 1) / PAGE;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            return NULL;
    }
    void *p = (void *)heap_top;
    heap_top += n;
    return p;
}

typedef struct free_block {
    struct free_block *next;
} free_block;

static free_block *free_list;

static size_t *header_of(void *p) { return (size_t *)((char *)p - HEADER); }

void *malloc(size_t n)
{
    if (n > SIZE_MAX / 2)
        goto out_of_memory;
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    for (free_block **at = &free_list; *at; at = &(*at)->next) {
        if (*header_of(*at) >= n) {
            free_block *b = *at;
            *at = b->next;
            return b;
        }
    }
    char *p = take(n + HEADER);
    if (!p)
        goto out_of_memory;
    *(size_t *)p = n;
    return p + HEADER;

out_of_memory:
    errno = ENOMEM;
    return NULL;
}

void free(void *p)
{
    if (!p)
        return;
    free_block *b = p;
    b->next = free_list;
    free_list = b;
}

void *calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = malloc(count * size);
    if (p)
        memset(p, 0, count * size); /* a reused block holds old data */
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    size_t cap = *header_of(p);
    if (n <= cap)
        return p;
    if ((uintptr_t)p + cap == heap_top && n <= SIZE_MAX / 2) { /* the top block: grow in place */
        size_t more = ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1)) - cap;
        if (!take(more))
            return NULL;
        *header_of(p) = cap + more;
        return p;
    }
    void *q = malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, cap);
    free(p);
    return q;
}
