/* Wrong way: the CLI includes library internals (it may use the public headers only; must not
 * compile). */
#include "probe/probes_internal.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
