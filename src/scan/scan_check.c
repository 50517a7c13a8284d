/* ep_scan_config_default: the defaults. ep_scan_config_check: refuses a configuration that would
 * otherwise be read silently in a different way (an unknown probe name that would run nothing, a
 * level outside zstd's range). */
#include <string.h>

#include "entroprof/probe.h"
#include "entroprof/scan.h"

/* Appends the registry's probe names, comma separated, to msg (of size cap). */
static void list_probes(char *msg, size_t cap)
{
    size_t n = 0, o = strlen(msg);
    const ep_probe_vtable *const *reg = ep_probe_registry(&n);
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        size_t len = strlen(reg[i]->name);
        if (o + len + 3 >= cap) break;
        if (i) { msg[o++] = ','; msg[o++] = ' '; }
        memcpy(msg + o, reg[i]->name, len);
        o += len;
        msg[o] = '\0';
    }
}

static int known_probe(const char *name, size_t len)
{
    size_t n = 0;
    const ep_probe_vtable *const *reg = ep_probe_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (strlen(reg[i]->name) == len && strncmp(reg[i]->name, name, len) == 0) return 1;
    return 0;
}

ep_status ep_scan_config_check(const ep_scan_config *cfg, ep_error *err)
{
    if (cfg->zstd_level < 1 || cfg->zstd_level > 22)
        return ep_error_set(err, EP_ERR_ARG, "zstd level %d is outside 1..22", cfg->zstd_level);
    if (cfg->zstd_strong_level < 0 || cfg->zstd_strong_level > 22)
        return ep_error_set(err, EP_ERR_ARG, "zstd strong level %d is outside 0..22 (0 = off)", cfg->zstd_strong_level);
    if (!(cfg->zstd_strong_fraction > 0 && cfg->zstd_strong_fraction <= 1))
        return ep_error_set(err, EP_ERR_ARG, "zstd strong fraction must be in (0, 1]");
    if (!(cfg->heldout_fraction > 0 && cfg->heldout_fraction < 1))
        return ep_error_set(err, EP_ERR_ARG, "held-out fraction must be in (0, 1)");
    for (const char *p = cfg->probes; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!known_probe(p, len)) {
            char known[256] = "";
            list_probes(known, sizeof known);
            return ep_error_set(err, EP_ERR_NOTFOUND, "unknown probe '%.*s' (known probes: %s)", (int)(len > 64 ? 64 : len),
                                p, known);
        }
        if (!e) break;
        p = e + 1;
    }
    return EP_OK;
}

void ep_scan_config_default(ep_scan_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    ep_reader_config_default(&cfg->reader);
    cfg->tokenizer = "cl100k_base";
    cfg->batch_bytes = (size_t)4 << 20;
    cfg->zstd_level = 3;
    cfg->zstd_strong_level = 19;
    cfg->zstd_strong_fraction = 1.0 / 32;
    cfg->heldout_fraction = 0.1;
    cfg->lm_tokens = 1u << 16;
    cfg->ngram_sample_tokens = (uint64_t)4 << 20;
    cfg->verbose = 1;
}
