/* Wrong way: a probe includes the dedup module's private header instead of the index it shares
 * (must not compile). */
#include "dedup/dedup_internal.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
