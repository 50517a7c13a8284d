/* The probes of a scan and the lifecycle calls on one shard's states, in the order of
 * include/entroprof/probe.h: create -> (pipeline: observe) -> merge -> finish -> fold -> free. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan/scan_internal.h"

static int probe_selected(const ep_scan_config *cfg, const char *name)
{
    if (!cfg->probes || !*cfg->probes) return 1;
    size_t n = strlen(name);
    const char *p = cfg->probes;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return !strcmp(name, "counts"); /* counts always runs: every profile has its sizes */
}

/* Default budget: a quarter of physical RAM, at most 2 GiB. Past that, exact n-gram tables cost more
 * time in cache misses than they buy in precision: tables switch to consistent key sampling and
 * report p and a standard error. --mem raises it. */
static uint64_t default_mem(void)
{
    const uint64_t cap = (uint64_t)2 << 30;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || size <= 0) return (uint64_t)1 << 30;
    uint64_t quarter = (uint64_t)pages * (uint64_t)size / 4;
    return quarter < cap ? quarter : cap;
}

uint64_t ep_scan_mem_budget(const ep_scan_config *cfg)
{
    return cfg->mem_bytes ? cfg->mem_bytes : default_mem();
}

ep_status ep_scan_probes_create(scan_ctx *c, ep_error *err)
{
    const ep_scan_config *cfg = c->cfg;
    size_t nreg = 0;
    const ep_probe_vtable *const *reg = ep_probe_registry(&nreg);
    c->n_probes = 0;
    c->probes = calloc(nreg ? nreg : 1, sizeof *c->probes);
    if (!c->probes) return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    /* The memory budget is split over probes by weight; each probe's share is split between its
     * shard state and its corpus state. It must not depend on the thread count, or a probe that
     * samples under its budget would give different numbers for different --threads: probes that
     * sample are ORDERED (one shard state), and unordered per-thread states keep exact state. */
    uint64_t mem = ep_scan_mem_budget(cfg);
    double wsum = 0;
    for (size_t i = 0; i < nreg; i++)
        if (reg[i]->enabled(cfg) && probe_selected(cfg, reg[i]->name)) wsum += reg[i]->mem_weight;
    for (size_t i = 0; i < nreg; i++) {
        if (!reg[i]->enabled(cfg) || !probe_selected(cfg, reg[i]->name)) continue;
        scan_probe *u = &c->probes[c->n_probes++];
        u->vt = reg[i];
        uint64_t share = wsum > 0 ? (uint64_t)((double)mem * reg[i]->mem_weight / wsum) : 0;
        u->env_shard.cfg = u->env_corpus.cfg = cfg;
        u->env_shard.tok = u->env_corpus.tok = c->tok;
        u->env_shard.mem_bytes = u->env_corpus.mem_bytes = share / 2;
        u->env_corpus.is_corpus = 1;
        u->env_shard.nthreads = u->env_corpus.nthreads = c->nthreads;
        if (reg[i]->flags & EP_PROBE_NEEDS_TOKENS) c->need_tokens = 1;
        if ((reg[i]->flags & EP_PROBE_NEEDS_TOKENS) && (reg[i]->flags & EP_PROBE_ORDERED)) c->ordered_need_tokens = 1;
        if (!reg[i]->fold) continue; /* no corpus-level state */
        ep_status st = reg[i]->create(&u->corpus, &u->env_corpus, err);
        if (st != EP_OK) return st;
    }
    return EP_OK;
}

void ep_scan_probes_free(scan_ctx *c)
{
    for (size_t p = 0; c->probes && p < c->n_probes; p++)
        if (c->probes[p].corpus) c->probes[p].vt->free(c->probes[p].corpus);
    free(c->probes);
    c->probes = NULL;
    c->n_probes = 0;
}

static int is_ordered(const scan_probe *u) { return (u->vt->flags & EP_PROBE_ORDERED) != 0; }

ep_status ep_scan_states_create(const scan_ctx *c, scan_states *s, ep_error *err)
{
    size_t P = c->n_probes, T = (size_t)c->nthreads;
    memset(s, 0, sizeof *s);
    s->n_probes = P;
    s->nthreads = c->nthreads;
    s->worker = calloc(T * P + 1, sizeof *s->worker);
    s->worker_err = calloc(T * P + 1, sizeof *s->worker_err);
    s->shard = calloc(P + 1, sizeof *s->shard);
    s->probe_err = calloc(P + 1, sizeof *s->probe_err);
    if (!s->worker || !s->worker_err || !s->shard || !s->probe_err)
        return ep_error_set(err, EP_ERR_NOMEM, "out of memory");
    for (size_t p = 0; p < P; p++) {
        const scan_probe *u = &c->probes[p];
        ep_status st = EP_OK;
        if (is_ordered(u)) st = u->vt->create(&s->shard[p], &u->env_shard, err);
        for (size_t t = 0; !is_ordered(u) && st == EP_OK && t < T; t++)
            st = u->vt->create(&s->worker[t * P + p], &u->env_shard, err);
        if (st != EP_OK) return st;
    }
    return EP_OK;
}

void ep_scan_states_merge(const scan_ctx *c, scan_states *s)
{
    size_t P = s->n_probes, T = (size_t)s->nthreads;
    for (size_t p = 0; p < P; p++) {
        const scan_probe *u = &c->probes[p];
        /* The first failure of observe in thread order stands for the probe. */
        for (size_t t = 0; !is_ordered(u) && t < T && s->probe_err[p].status == EP_OK; t++)
            if (s->worker_err[t * P + p].status != EP_OK) s->probe_err[p] = s->worker_err[t * P + p];
        if (!is_ordered(u) && s->probe_err[p].status == EP_OK) {
            /* Into thread 0's state, in thread order (merges are exact: any order gives the same). */
            s->shard[p] = s->worker[p];
            s->worker[p] = NULL;
            for (size_t t = 1; t < T && s->probe_err[p].status == EP_OK; t++)
                ep_scan_outcome(&s->probe_err[p], u->vt->merge(s->shard[p], s->worker[t * P + p], &s->probe_err[p]),
                                u->vt->name);
        }
        if (s->probe_err[p].status != EP_OK && s->shard[p]) { /* a failed state is only freed */
            u->vt->free(s->shard[p]);
            s->shard[p] = NULL;
        }
    }
}

void ep_scan_states_free(const scan_ctx *c, scan_states *s)
{
    size_t P = s->n_probes, T = (size_t)s->nthreads;
    for (size_t t = 0; s->worker && t < T; t++)
        for (size_t p = 0; p < P; p++)
            if (s->worker[t * P + p]) c->probes[p].vt->free(s->worker[t * P + p]);
    for (size_t p = 0; s->shard && p < P; p++)
        if (s->shard[p]) c->probes[p].vt->free(s->shard[p]);
    free(s->worker);
    free(s->worker_err);
    free(s->shard);
    free(s->probe_err);
    memset(s, 0, sizeof *s);
}

void ep_scan_corpus_finish(const scan_ctx *c, ep_jv *out)
{
    for (size_t p = 0; p < c->n_probes; p++) {
        const scan_probe *u = &c->probes[p];
        if (!u->vt->fold) continue; /* no corpus state */
        ep_error e = u->broken;
        if (e.status == EP_OK)
            ep_scan_outcome(&e, u->vt->finish(u->corpus, NULL, out, &u->env_corpus, &e), u->vt->name);
        if (e.status != EP_OK) ep_probe_gave_up(out, u->vt->name, e.msg);
    }
}
