/* Wrong way: a probe includes the report writers' private header (must not compile). */
#include "report/report_internal.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
