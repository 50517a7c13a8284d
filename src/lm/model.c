/* The tiny transformer: parameters, activations, forward, backward, AdamW (docs/lm.md).
 * Layout after llm.c: every tensor is carved from one allocation; shapes in the comments
 * (L layers, C width, T context, B batch, V classes, N = B*T rows). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "entroprof/lm.h"
#include "lm/lm_internal.h"

void ep_lm_config_default(ep_lm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->n_layer = 2;
    cfg->n_embd = 64;
    cfg->n_head = 4;
    cfg->seq_len = 64;
    cfg->batch = 8;
    cfg->max_classes = 2048;
    cfg->lr = 2e-3f;
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.99f;
    cfg->adam_eps = 1e-8f;
    cfg->weight_decay = 0.0f;
    cfg->init_std = 0.02f;
    cfg->seed = 0;
    cfg->curve_points = 32;
    cfg->bootstrap = 100;
    cfg->step0_batches = 16;
}

enum { NP = 18 };
typedef struct {
    float *wte;      /* (V, C) class embeddings */
    float *wpe;      /* (T, C) */
    float *ln1w;     /* (L, C) */
    float *ln1b;     /* (L, C) */
    float *qkvw;     /* (L, 3C, C) */
    float *qkvb;     /* (L, 3C) */
    float *attprojw; /* (L, C, C) */
    float *attprojb; /* (L, C) */
    float *ln2w;     /* (L, C) */
    float *ln2b;     /* (L, C) */
    float *fcw;      /* (L, 4C, C) */
    float *fcb;      /* (L, 4C) */
    float *fcprojw;  /* (L, C, 4C) */
    float *fcprojb;  /* (L, C) */
    float *lnfw;     /* (C) */
    float *lnfb;     /* (C) */
    float *headw;    /* (V, C) untied output head */
    float *headb;    /* (V) output bias */
} lm_params;

enum { NA = 23 };
typedef struct {
    float *encoded;   /* (N, C) */
    float *ln1;       /* (L, N, C) */
    float *ln1_mean;  /* (L, N) */
    float *ln1_rstd;  /* (L, N) */
    float *qkv;       /* (L, N, 3C) */
    float *atty;      /* (L, N, C) */
    float *preatt;    /* (L, B, NH, T, T) */
    float *att;       /* (L, B, NH, T, T) */
    float *attproj;   /* (L, N, C) */
    float *residual2; /* (L, N, C) */
    float *ln2;       /* (L, N, C) */
    float *ln2_mean;  /* (L, N) */
    float *ln2_rstd;  /* (L, N) */
    float *fch;       /* (L, N, 4C) */
    float *fch_gelu;  /* (L, N, 4C) */
    float *fcproj;    /* (L, N, C) */
    float *residual3; /* (L, N, C) */
    float *lnf;       /* (N, C) */
    float *lnf_mean;  /* (N) */
    float *lnf_rstd;  /* (N) */
    float *logits;    /* (N, V) */
    float *probs;     /* (N, V) */
    float *losses;    /* (N) */
} lm_acts;

struct ep_lm_s {
    ep_lm_config cfg;
    int L, C, NH, T, B, V;
    size_t psize[NP], asize[NA], n_params, n_acts;
    lm_params p, g;     /* parameters and their gradients */
    float *mem_p, *mem_g, *mem_m, *mem_v;
    lm_acts a, da;      /* activations and their gradients (same layout) */
    float *mem_a, *mem_da;
    float *wt;          /* scratch for ep_lm_matmul_forward: max(I * O) */
    int32_t *inputs, *targets; /* (B, T) of the last forward */
    int Bcur, n_valid;
    int step;
};

static void param_sizes(size_t *s, size_t V, size_t C, size_t L, size_t T)
{
    size_t v[NP] = {V * C, T * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C,
                    L * C, L * C, L * 4 * C * C, L * 4 * C, L * 4 * C * C, L * C, C, C, V * C, V};
    memcpy(s, v, sizeof v);
}

static void act_sizes(size_t *s, size_t V, size_t C, size_t L, size_t T, size_t B, size_t NH)
{
    size_t N = B * T;
    size_t v[NA] = {N * C, L * N * C, L * N, L * N, L * N * 3 * C, L * N * C, L * B * NH * T * T,
                    L * B * NH * T * T, L * N * C, L * N * C, L * N * C, L * N, L * N,
                    L * N * 4 * C, L * N * 4 * C, L * N * C, L * N * C, N * C, N, N, N * V, N * V, N};
    memcpy(s, v, sizeof v);
}

static void carve(float **ptrs, float *mem, const size_t *sizes, int n)
{
    for (int i = 0; i < n; i++) { ptrs[i] = mem; mem += sizes[i]; }
}

/* Fills x with N(0, std^2) by Box-Muller from one sequential SplitMix64 stream (base/rng.h). */
static void fill_normal(float *x, size_t n, float std, uint64_t *rng)
{
    for (size_t i = 0; i < n; i += 2) {
        double u1 = ((double)(ep_rng_u64(rng) >> 11) + 0.5) / 9007199254740992.0;
        double u2 = (double)(ep_rng_u64(rng) >> 11) / 9007199254740992.0;
        double r = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
        x[i] = (float)(std * r * cos(th));
        if (i + 1 < n) x[i + 1] = (float)(std * r * sin(th));
    }
}

static void fill_const(float *x, size_t n, float v)
{
    for (size_t i = 0; i < n; i++) x[i] = v;
}

ep_status ep_lm_create(ep_lm **out, const ep_lm_config *cfg, uint32_t n_classes, ep_error *err)
{
    *out = NULL;
    if (cfg->n_layer < 1 || cfg->n_layer > 64 || cfg->n_embd < 1 || cfg->n_head < 1 ||
        cfg->n_embd % cfg->n_head || cfg->seq_len < 1 || cfg->batch < 1 || n_classes < 2 ||
        n_classes > (1u << 30))
        return ep_error_set(err, EP_ERR_ARG,
                            "lm: bad model shape (layers %d, width %d, heads %d, T %d, B %d, classes %u)",
                            cfg->n_layer, cfg->n_embd, cfg->n_head, cfg->seq_len, cfg->batch, n_classes);
    ep_lm *m = calloc(1, sizeof *m);
    if (!m) return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory");
    m->cfg = *cfg;
    m->L = cfg->n_layer; m->C = cfg->n_embd; m->NH = cfg->n_head; m->T = cfg->seq_len;
    m->B = cfg->batch; m->V = (int)n_classes;
    size_t V = n_classes, C = (size_t)m->C, L = (size_t)m->L, T = (size_t)m->T, B = (size_t)m->B;
    param_sizes(m->psize, V, C, L, T);
    act_sizes(m->asize, V, C, L, T, B, (size_t)m->NH);
    for (int i = 0; i < NP; i++) m->n_params += m->psize[i];
    for (int i = 0; i < NA; i++) m->n_acts += m->asize[i];
    size_t wt = V * C > 4 * C * C ? V * C : 4 * C * C;
    m->mem_p = malloc(m->n_params * sizeof(float));
    m->mem_g = calloc(m->n_params, sizeof(float));
    m->mem_m = calloc(m->n_params, sizeof(float));
    m->mem_v = calloc(m->n_params, sizeof(float));
    m->mem_a = calloc(m->n_acts, sizeof(float));
    m->mem_da = calloc(m->n_acts, sizeof(float));
    m->wt = malloc(wt * sizeof(float));
    m->inputs = malloc(B * T * sizeof(int32_t));
    m->targets = malloc(B * T * sizeof(int32_t));
    if (!m->mem_p || !m->mem_g || !m->mem_m || !m->mem_v || !m->mem_a || !m->mem_da || !m->wt ||
        !m->inputs || !m->targets) {
        ep_lm_free(m);
        return ep_error_set(err, EP_ERR_NOMEM, "lm: out of memory (%zu parameters)", (size_t)0);
    }
    carve((float **)&m->p, m->mem_p, m->psize, NP);
    carve((float **)&m->g, m->mem_g, m->psize, NP);
    carve((float **)&m->a, m->mem_a, m->asize, NA);
    carve((float **)&m->da, m->mem_da, m->asize, NA);

    /* GPT-2 initialization: N(0, 0.02^2), residual projections scaled by 1/sqrt(2L) (two residual
     * additions per block), LayerNorm weight 1 and all biases 0. One stream, tensor order. */
    uint64_t rng = cfg->seed ^ 0x6c6d2d696e6974ull; /* "lm-init" */
    float s = cfg->init_std, sr = cfg->init_std / sqrtf(2.0f * (float)L);
    lm_params *p = &m->p;
    fill_normal(p->wte, m->psize[0], s, &rng);
    fill_normal(p->wpe, m->psize[1], s, &rng);
    fill_const(p->ln1w, m->psize[2], 1.0f);
    fill_const(p->ln1b, m->psize[3], 0.0f);
    fill_normal(p->qkvw, m->psize[4], s, &rng);
    fill_const(p->qkvb, m->psize[5], 0.0f);
    fill_normal(p->attprojw, m->psize[6], sr, &rng);
    fill_const(p->attprojb, m->psize[7], 0.0f);
    fill_const(p->ln2w, m->psize[8], 1.0f);
    fill_const(p->ln2b, m->psize[9], 0.0f);
    fill_normal(p->fcw, m->psize[10], s, &rng);
    fill_const(p->fcb, m->psize[11], 0.0f);
    fill_normal(p->fcprojw, m->psize[12], sr, &rng);
    fill_const(p->fcprojb, m->psize[13], 0.0f);
    fill_const(p->lnfw, m->psize[14], 1.0f);
    fill_const(p->lnfb, m->psize[15], 0.0f);
    fill_normal(p->headw, m->psize[16], s, &rng);
    fill_const(p->headb, m->psize[17], 0.0f);
    *out = m;
    return EP_OK;
}

void ep_lm_free(ep_lm *m)
{
    if (!m) return;
    free(m->mem_p); free(m->mem_g); free(m->mem_m); free(m->mem_v);
    free(m->mem_a); free(m->mem_da); free(m->wt); free(m->inputs); free(m->targets);
    free(m);
}

uint64_t ep_lm_num_params(const ep_lm *m) { return m->n_params; }
const float *ep_lm_losses(const ep_lm *m) { return m->a.losses; }

double ep_lm_forward(ep_lm *m, const int32_t *inputs, const int32_t *targets, int B)
{
    const int L = m->L, C = m->C, NH = m->NH, T = m->T, V = m->V, N = B * T;
    const lm_params *p = &m->p;
    lm_acts *a = &m->a;
    m->Bcur = B;
    memcpy(m->inputs, inputs, (size_t)N * sizeof(int32_t));
    memcpy(m->targets, targets, (size_t)N * sizeof(int32_t));
    m->n_valid = 0;
    for (int i = 0; i < N; i++) m->n_valid += targets[i] >= 0;

    ep_lm_encoder_forward(a->encoded, inputs, p->wte, p->wpe, B, T, C);
    for (int l = 0; l < L; l++) {
        const float *res = l == 0 ? a->encoded : a->residual3 + (size_t)(l - 1) * N * C;
        size_t nc = (size_t)l * N * C, n1 = (size_t)l * N, att = (size_t)l * B * NH * T * T;
        size_t lc = (size_t)l * C; /* layer l of an (L, C) tensor */
        float *ln1 = a->ln1 + nc, *qkv = a->qkv + 3 * nc, *atty = a->atty + nc;
        float *ln2 = a->ln2 + nc, *fch = a->fch + 4 * nc, *fchg = a->fch_gelu + 4 * nc;
        ep_lm_layernorm_forward(ln1, a->ln1_mean + n1, a->ln1_rstd + n1, res, p->ln1w + lc, p->ln1b + lc,
                                N, C);
        ep_lm_matmul_forward(qkv, ln1, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + 3 * lc, m->wt, N, C, 3 * C);
        ep_lm_attention_forward(atty, a->preatt + att, a->att + att, qkv, B, T, C, NH);
        ep_lm_matmul_forward(a->attproj + nc, atty, p->attprojw + (size_t)l * C * C, p->attprojb + lc, m->wt,
                             N, C, C);
        ep_lm_residual_forward(a->residual2 + nc, res, a->attproj + nc, N * C);
        ep_lm_layernorm_forward(ln2, a->ln2_mean + n1, a->ln2_rstd + n1, a->residual2 + nc, p->ln2w + lc,
                                p->ln2b + lc, N, C);
        ep_lm_matmul_forward(fch, ln2, p->fcw + (size_t)l * 4 * C * C, p->fcb + 4 * lc, m->wt, N, C, 4 * C);
        ep_lm_gelu_forward(fchg, fch, N * 4 * C);
        ep_lm_matmul_forward(a->fcproj + nc, fchg, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + lc, m->wt,
                             N, 4 * C, C);
        ep_lm_residual_forward(a->residual3 + nc, a->residual2 + nc, a->fcproj + nc, N * C);
    }
    ep_lm_layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, a->residual3 + (size_t)(L - 1) * N * C, p->lnfw,
                            p->lnfb, N, C);
    ep_lm_matmul_forward(a->logits, a->lnf, p->headw, p->headb, m->wt, N, C, V);
    return ep_lm_softmax_crossentropy_forward(a->probs, a->losses, a->logits, targets, N, V);
}

void ep_lm_logit_moments(const ep_lm *m, double *mean, double *std)
{
    const int N = m->Bcur * m->T, V = m->V;
    double s = 0.0, ss = 0.0, cnt = 0.0;
    for (int n = 0; n < N; n++) {
        if (m->targets[n] < 0) continue;
        const float *x = m->a.logits + (size_t)n * V;
        for (int v = 0; v < V; v++) { s += x[v]; ss += (double)x[v] * x[v]; }
        cnt += V;
    }
    double mu = cnt > 0 ? s / cnt : 0.0, var = cnt > 0 ? ss / cnt - mu * mu : 0.0;
    *mean = mu;
    *std = sqrt(var > 0 ? var : 0.0);
}

void ep_lm_backward(ep_lm *m)
{
    const int L = m->L, C = m->C, NH = m->NH, T = m->T, V = m->V, B = m->Bcur, N = B * T;
    const lm_params *p = &m->p;
    lm_params *g = &m->g;
    const lm_acts *a = &m->a;
    lm_acts *d = &m->da;
    memset(m->mem_g, 0, m->n_params * sizeof(float));
    memset(m->mem_da, 0, m->n_acts * sizeof(float));
    if (m->n_valid == 0) return;

    ep_lm_softmax_crossentropy_backward(d->logits, a->probs, m->targets, 1.0f / (float)m->n_valid, N, V);
    ep_lm_matmul_backward(d->lnf, g->headw, g->headb, d->logits, a->lnf, p->headw, N, C, V);
    float *dres = d->residual3 + (size_t)(L - 1) * N * C;
    ep_lm_layernorm_backward(dres, g->lnfw, g->lnfb, d->lnf, a->residual3 + (size_t)(L - 1) * N * C, p->lnfw,
                             a->lnf_mean, a->lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        const float *res = l == 0 ? a->encoded : a->residual3 + (size_t)(l - 1) * N * C;
        float *dresin = l == 0 ? d->encoded : d->residual3 + (size_t)(l - 1) * N * C;
        size_t nc = (size_t)l * N * C, n1 = (size_t)l * N, att = (size_t)l * B * NH * T * T;
        size_t lc = (size_t)l * C; /* layer l of an (L, C) tensor */
        /* residual3 = residual2 + fcproj */
        ep_lm_residual_backward(d->residual2 + nc, d->fcproj + nc, d->residual3 + nc, N * C);
        ep_lm_matmul_backward(d->fch_gelu + 4 * nc, g->fcprojw + (size_t)l * 4 * C * C, g->fcprojb + lc,
                              d->fcproj + nc, a->fch_gelu + 4 * nc, p->fcprojw + (size_t)l * 4 * C * C, N,
                              4 * C, C);
        ep_lm_gelu_backward(d->fch + 4 * nc, a->fch + 4 * nc, d->fch_gelu + 4 * nc, N * 4 * C);
        ep_lm_matmul_backward(d->ln2 + nc, g->fcw + (size_t)l * 4 * C * C, g->fcb + 4 * lc, d->fch + 4 * nc,
                              a->ln2 + nc, p->fcw + (size_t)l * 4 * C * C, N, C, 4 * C);
        ep_lm_layernorm_backward(d->residual2 + nc, g->ln2w + lc, g->ln2b + lc, d->ln2 + nc,
                                 a->residual2 + nc, p->ln2w + lc, a->ln2_mean + n1, a->ln2_rstd + n1, N, C);
        /* residual2 = res + attproj */
        ep_lm_residual_backward(dresin, d->attproj + nc, d->residual2 + nc, N * C);
        ep_lm_matmul_backward(d->atty + nc, g->attprojw + (size_t)l * C * C, g->attprojb + lc,
                              d->attproj + nc, a->atty + nc, p->attprojw + (size_t)l * C * C, N, C, C);
        ep_lm_attention_backward(d->qkv + 3 * nc, d->preatt + att, d->att + att, d->atty + nc,
                                 a->qkv + 3 * nc, a->att + att, B, T, C, NH);
        ep_lm_matmul_backward(d->ln1 + nc, g->qkvw + (size_t)l * 3 * C * C, g->qkvb + 3 * lc, d->qkv + 3 * nc,
                              a->ln1 + nc, p->qkvw + (size_t)l * 3 * C * C, N, C, 3 * C);
        ep_lm_layernorm_backward(dresin, g->ln1w + lc, g->ln1b + lc, d->ln1 + nc, res, p->ln1w + lc,
                                 a->ln1_mean + n1, a->ln1_rstd + n1, N, C);
    }
    ep_lm_encoder_backward(g->wte, g->wpe, d->encoded, m->inputs, B, T, C);
}

/* AdamW (Loshchilov & Hutter 2019, Algorithm 2) with bias correction. */
void ep_lm_update(ep_lm *m)
{
    const ep_lm_config *c = &m->cfg;
    m->step++;
    const float b1c = 1.0f - powf(c->beta1, (float)m->step), b2c = 1.0f - powf(c->beta2, (float)m->step);
    const size_t n = m->n_params;
#pragma omp parallel for schedule(static) if (n >= (1u << 17))
    for (size_t i = 0; i < n; i++) {
        float gr = m->mem_g[i];
        float mm = c->beta1 * m->mem_m[i] + (1.0f - c->beta1) * gr;
        float vv = c->beta2 * m->mem_v[i] + (1.0f - c->beta2) * gr * gr;
        m->mem_m[i] = mm;
        m->mem_v[i] = vv;
        m->mem_p[i] -= c->lr * ((mm / b1c) / (sqrtf(vv / b2c) + c->adam_eps) + c->weight_decay * m->mem_p[i]);
    }
}

float *ep_lm_params_raw(ep_lm *m, size_t *n) { *n = m->n_params; return m->mem_p; }
float *ep_lm_grads_raw(ep_lm *m, size_t *n) { *n = m->n_params; return m->mem_g; }
