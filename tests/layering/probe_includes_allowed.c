/* Right way (the control): a probe includes what its row allows: the public headers of the
 * modules below it and the dedup index the dedup module shares. Must compile with the same flags
 * as the wrong-way samples, so that their failure is the rule and not the set-up. */
#include "base/xxh.h"
#include "dedup/dedup_index.h"
#include "entroprof/probe.h"
#include "entroprof/tokenizer.h"
#include "text/utf8.h"
int ep_layering_sample(void);
int ep_layering_sample(void) { return 0; }
