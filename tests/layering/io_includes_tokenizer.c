/* Wrong way: the reader includes a module it may not use (tok is not below io; must not compile). */
#include "entroprof/tokenizer.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
