/* Right way (the control): the CLI includes every public header through entroprof.h and its own
 * folder. */
#include "cli/commands.h"
#include "entroprof/entroprof.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
