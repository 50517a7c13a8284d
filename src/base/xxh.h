/* The one place that includes xxHash: inlined (XXH_INLINE_ALL) so hashing inlines in hot loops. */
#ifndef EP_CORE_XXH_H
#define EP_CORE_XXH_H
#define XXH_INLINE_ALL
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#endif
