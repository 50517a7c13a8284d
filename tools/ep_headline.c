/* ep_headline: re-applies the headline rule (ep_profile_choose_headline) to every shard and the
 * corpus of a saved profile, so that a rule change can be evaluated on profiles already made
 * (bench/regime_grid.py --rehead). Estimates are left as they are.
 *
 * ep_headline IN.json OUT.json      Exit: 0 ok, 1 failure, 2 bad usage. */
#include <stdio.h>

#include "entroprof/json.h"
#include "entroprof/probe.h"
#include "entroprof/scan.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ep_headline IN.json OUT.json\n");
        return 2;
    }
    ep_error err = {0};
    ep_jv *p = ep_jv_load_file(argv[1], &err);
    if (!p) {
        fprintf(stderr, "ep_headline: %s\n", err.msg);
        return 1;
    }
    ep_jv *shards = (ep_jv *)ep_jv_get(p, "shards"); /* the profile is ours to change */
    for (size_t i = 0; shards && i < ep_jv_len(shards); i++) {
        ep_jv *sh = (ep_jv *)ep_jv_at(shards, i);
        ep_jv_del(sh, "entropy");
        ep_estimates_clamp(sh); /* as the scan does; a no-op on profiles it wrote */
        ep_profile_choose_headline(sh);
    }
    ep_jv *corpus = (ep_jv *)ep_jv_get(p, "corpus");
    if (corpus) {
        ep_jv_del(corpus, "entropy");
        ep_estimates_clamp(corpus);
        ep_profile_choose_headline(corpus);
    }
    int rc = ep_jv_save_file(p, argv[2], 1, &err) == EP_OK ? 0 : 1;
    if (rc) fprintf(stderr, "ep_headline: %s\n", err.msg);
    ep_jv_free(p);
    return rc;
}
