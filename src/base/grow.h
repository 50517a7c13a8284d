/* Growing heap arrays: the library's one helper for "make this buffer hold n more", so every
 * caller has the same overflow check, the same amortised doubling and the same failure contract
 * (NULL, the old buffer and capacity untouched, still owned by the caller). */
#ifndef EP_BASE_GROW_H
#define EP_BASE_GROW_H

#include <stdint.h>
#include <stdlib.h>

/** realloc of n elements of elem bytes; NULL (p untouched) on failure or when n * elem overflows. */
static inline void *ep_realloc_array(void *p, size_t n, size_t elem)
{
    if (elem && n > SIZE_MAX / elem) return NULL;
    size_t bytes = n * elem;
    return realloc(p, bytes ? bytes : 1);
}

/** Makes the array p of *cap elements (elem bytes each) hold at least need elements: the capacity
 *  doubles from max(*cap, first) until it does. Returns the array (p itself when it already fits)
 *  and updates *cap, or NULL with p and *cap untouched. */
static inline void *ep_grow_array(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap && p) return p;
    size_t n = *cap > first ? *cap : (first ? first : 1);
    while (n < need) n = n > SIZE_MAX / 2 ? need : 2 * n;
    void *q = ep_realloc_array(p, n, elem);
    if (q) *cap = n;
    return q;
}

#endif
