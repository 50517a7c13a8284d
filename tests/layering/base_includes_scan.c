/* Wrong way: the base layer includes the scan driver's header (must not compile). */
#include "entroprof/scan.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
