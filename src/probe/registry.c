/* The built-in probes, in the fixed order in which they write into the profile. */
#include "probe/probes_internal.h"

static const ep_probe_vtable *const registry[] = {
    &ep_probe_counts,
    &ep_probe_unigram,
    &ep_probe_compress,
    &ep_probe_compress_strong,
    &ep_probe_exact_dedup,
    &ep_probe_near_dedup,
    &ep_probe_repetition,
    &ep_probe_ngram,
    &ep_probe_heldout_mkn,
    &ep_probe_lm,
};

const ep_probe_vtable *const *ep_probe_registry(size_t *n)
{
    *n = sizeof registry / sizeof registry[0];
    return registry;
}
