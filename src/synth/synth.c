/* Markov sources with an exactly known entropy rate (include/entroprof/synth.h).
 *
 * Layout: every state has `row` outgoing slots; slot j of state s has probability
 * cum[s][j] - cum[s][j-1] and emits a symbol and a next state given by transition(). Slots of a
 * state emit distinct symbols, so the entropy of a row over slots is the entropy over symbols.
 * Rate: h = sum_s pi(s) H(row s) bits (Cover & Thomas 2006, thm 4.2.4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entroprof/synth.h"
#include "base/rng.h"

#define EP_SYNTH_MAX_ENTRIES (1ull << 25)

struct ep_synth_s {
    ep_synth_config cfg;
    uint32_t nsym;     /* A (bytes) or V (words) */
    uint32_t row;      /* slots per state: A (bytes) or support (words) */
    uint64_t nstates;  /* A^k (bytes), V (words order 1), V*support (words order 2) */
    double *cum;       /* (nstates, row) cumulative slot probabilities; the last is 1 */
    uint32_t *succ;    /* words: (V, support) successor words S(b); NULL for bytes */
    double *pi;        /* (nstates) stationary distribution */
    double rate_bits;  /* bits per symbol */
    double bytes_per_symbol;
};

void ep_synth_config_default(ep_synth_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = EP_SYNTH_BYTES;
    cfg->order = 1;
    cfg->alphabet = 64;
    cfg->vocab = 1000;
    cfg->support = 32;
    cfg->alpha = 0.5;
    cfg->seed = 1;
}

/* Symbol and next state of slot j of state s. */
static inline uint32_t transition(const ep_synth *s, uint64_t state, uint32_t j, uint64_t *next)
{
    if (!s->succ) { /* bytes: state = last k symbols in base A, oldest most significant */
        *next = s->nstates == 1 ? 0 : (state * s->nsym + j) % s->nstates;
        return j;
    }
    if (s->cfg.order == 1) {
        uint32_t w = s->succ[state * s->row + j];
        *next = w;
        return w;
    }
    uint32_t b = s->succ[state]; /* state = a * support + i, b = S(a)[i] */
    uint32_t w = s->succ[(uint64_t)b * s->row + j];
    *next = (uint64_t)b * s->row + j;
    return w;
}

static inline double slot_p(const ep_synth *s, uint64_t state, uint32_t j)
{
    const double *c = s->cum + state * s->row;
    return j ? c[j] - c[j - 1] : c[0];
}

size_t ep_synth_spell(const ep_synth *s, uint32_t sym, char *buf)
{
    if (!s->succ) {
        if (s->nsym <= 94) {
            buf[0] = (char)('!' + sym);
            return 1;
        }
        /* Alphabets over 94: code point U+0100 + sym (Latin Extended-A/B letters), two UTF-8 bytes;
         * one symbol = one token of the `char` tokenizer. */
        uint32_t cp = 0x100 + sym;
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    /* bijective base 26 of sym + 1: a..z, aa..zz, ... */
    char tmp[8];
    size_t n = 0;
    uint64_t v = (uint64_t)sym + 1;
    while (v > 0) {
        v--;
        tmp[n++] = (char)('a' + v % 26);
        v /= 26;
    }
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

/* Dirichlet(alpha) draw into p[0..n) (normalized gamma variates). */
static void dirichlet(double *p, uint32_t n, double alpha, uint64_t *rng)
{
    double z = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = ep_rng_gamma(alpha, rng);
        if (p[i] < 1e-300) p[i] = 1e-300; /* keep every slot reachable */
        z += p[i];
    }
    for (uint32_t i = 0; i < n; i++) p[i] /= z;
}

static void fill_row(ep_synth *s, uint64_t state, uint64_t *rng, double *tmp)
{
    dirichlet(tmp, s->row, s->cfg.alpha, rng);
    double *c = s->cum + state * s->row, acc = 0;
    for (uint32_t j = 0; j < s->row; j++) {
        acc += tmp[j];
        c[j] = acc;
    }
    c[s->row - 1] = 1.0;
}

/* Successor sets S(b) = {b+1, b+2} + Zipf(1) draws, all distinct. */
static ep_status build_successors(ep_synth *s, uint64_t *rng)
{
    uint32_t V = s->nsym, R = s->row;
    double *zc = malloc((size_t)V * sizeof *zc);
    if (!zc) return EP_ERR_NOMEM;
    double acc = 0;
    for (uint32_t i = 0; i < V; i++) {
        acc += 1.0 / (i + 1.0);
        zc[i] = acc;
    }
    for (uint32_t b = 0; b < V; b++) {
        uint32_t *S = s->succ + (uint64_t)b * R;
        S[0] = (b + 1) % V;
        S[1] = (b + 2) % V;
        for (uint32_t j = 2; j < R; j++) {
            uint32_t w = 0;
            for (int tries = 0;; tries++) {
                if (tries < 64) {
                    double u = ep_rng_uniform(rng) * acc;
                    size_t lo = 0, hi = V - 1;
                    while (lo < hi) {
                        size_t mid = (lo + hi) / 2;
                        if (zc[mid] < u) lo = mid + 1; else hi = mid;
                    }
                    w = (uint32_t)lo;
                } else {
                    w = (uint32_t)((w + 1) % V); /* dense fallback: next unused word */
                }
                int dup = 0;
                for (uint32_t q = 0; q < j; q++) dup |= S[q] == w;
                if (!dup) break;
            }
            S[j] = w;
        }
    }
    free(zc);
    return EP_OK;
}

static ep_status stationary(ep_synth *s)
{
    uint64_t n = s->nstates;
    /* n >= 1: ep_synth_create makes alphabet^order, vocab or vocab*support states */
    // NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI)
    double *next = malloc(n * sizeof *next);
    if (!next) return EP_ERR_NOMEM;
    for (uint64_t i = 0; i < n; i++) s->pi[i] = 1.0 / (double)n;
    for (int it = 0; it < 100000; it++) {
        memset(next, 0, n * sizeof *next);
        for (uint64_t st = 0; st < n; st++) {
            double m = s->pi[st];
            for (uint32_t j = 0; j < s->row; j++) {
                uint64_t to;
                transition(s, st, j, &to);
                next[to] += m * slot_p(s, st, j);
            }
        }
        double z = 0, diff = 0;
        for (uint64_t i = 0; i < n; i++) z += next[i];
        for (uint64_t i = 0; i < n; i++) {
            next[i] /= z;
            diff += fabs(next[i] - s->pi[i]);
        }
        memcpy(s->pi, next, n * sizeof *next);
        if (diff < 1e-13) break;
    }
    free(next);
    double h = 0, len = 0;
    char buf[8];
    for (uint64_t st = 0; st < n; st++) {
        double hr = 0, lr = 0;
        for (uint32_t j = 0; j < s->row; j++) {
            double p = slot_p(s, st, j);
            uint64_t to;
            uint32_t sym = transition(s, st, j, &to);
            if (p > 0) hr -= p * log2(p);
            lr += p * (double)(ep_synth_spell(s, sym, buf) + (s->succ ? 1 : 0));
        }
        h += s->pi[st] * hr;
        len += s->pi[st] * lr;
    }
    s->rate_bits = h;
    s->bytes_per_symbol = len;
    return EP_OK;
}

ep_status ep_synth_create(ep_synth **out, const ep_synth_config *cfg, ep_error *err)
{
    *out = NULL;
    if (cfg->alpha <= 0) return ep_error_set(err, EP_ERR_ARG, "synth: alpha must be > 0");
    ep_synth *s = calloc(1, sizeof *s);
    if (!s) return ep_error_set(err, EP_ERR_NOMEM, "synth: out of memory");
    s->cfg = *cfg;
    ep_status st = EP_OK;
    if (cfg->kind == EP_SYNTH_BYTES) {
        if (cfg->order < 0 || cfg->order > 4 || cfg->alphabet < 2 || cfg->alphabet > 256) {
            free(s);
            return ep_error_set(err, EP_ERR_ARG, "synth: bytes need order 0..4 and alphabet 2..256");
        }
        s->nsym = s->row = cfg->alphabet;
        s->nstates = 1;
        for (int k = 0; k < cfg->order; k++) s->nstates *= cfg->alphabet;
    } else if (cfg->kind == EP_SYNTH_WORDS) {
        if (cfg->order < 1 || cfg->order > 2 || cfg->vocab < 4 || cfg->vocab > (1u << 22) ||
            cfg->support < 3 || cfg->support > cfg->vocab / 2) {
            free(s);
            return ep_error_set(err, EP_ERR_ARG,
                                "synth: words need order 1..2, vocab 4..2^22, support 3..vocab/2");
        }
        s->nsym = cfg->vocab;
        s->row = cfg->support;
        s->nstates = cfg->order == 1 ? cfg->vocab : (uint64_t)cfg->vocab * cfg->support;
    } else {
        free(s);
        return ep_error_set(err, EP_ERR_ARG, "synth: unknown kind");
    }
    if (s->nstates * s->row > EP_SYNTH_MAX_ENTRIES) {
        unsigned long long entries = (unsigned long long)s->nstates * s->row;
        free(s);
        return ep_error_set(err, EP_ERR_ARG, "synth: %llu transition entries exceed the limit 2^25",
                            entries);
    }
    s->cum = malloc(s->nstates * s->row * sizeof *s->cum);
    s->pi = malloc(s->nstates * sizeof *s->pi);
    double *tmp = malloc(s->row * sizeof *tmp);
    if (cfg->kind == EP_SYNTH_WORDS) s->succ = malloc((size_t)s->nsym * s->row * sizeof *s->succ);
    if (!s->cum || !s->pi || !tmp || (cfg->kind == EP_SYNTH_WORDS && !s->succ)) st = EP_ERR_NOMEM;
    uint64_t rng = cfg->seed ^ 0x5851F42D4C957F2Dull;
    if (st == EP_OK && s->succ) st = build_successors(s, &rng);
    if (st == EP_OK) {
        for (uint64_t i = 0; i < s->nstates; i++) fill_row(s, i, &rng, tmp);
        st = stationary(s);
    }
    free(tmp);
    if (st != EP_OK) {
        ep_synth_free(s);
        return ep_error_set(err, st, "synth: out of memory");
    }
    *out = s;
    return EP_OK;
}

void ep_synth_free(ep_synth *s)
{
    if (!s) return;
    free(s->cum);
    free(s->succ);
    free(s->pi);
    free(s);
}

double ep_synth_rate_bits_per_symbol(const ep_synth *s) { return s->rate_bits; }
double ep_synth_bytes_per_symbol(const ep_synth *s) { return s->bytes_per_symbol; }
uint32_t ep_synth_symbols(const ep_synth *s) { return s->nsym; }
uint64_t ep_synth_states(const ep_synth *s) { return s->nstates; }

double ep_synth_prob(const ep_synth *s, const uint32_t *ctx, uint32_t sym)
{
    uint64_t state = 0;
    if (!s->succ) {
        for (int k = 0; k < s->cfg.order; k++) state = state * s->nsym + ctx[k];
        return sym < s->nsym ? slot_p(s, state, sym) : 0.0;
    }
    uint32_t b = ctx[s->cfg.order - 1];
    if (s->cfg.order == 1) {
        state = b;
    } else {
        const uint32_t *S = s->succ + (uint64_t)ctx[0] * s->row;
        uint32_t i = 0;
        while (i < s->row && S[i] != b) i++;
        if (i == s->row) return 0.0;
        state = (uint64_t)ctx[0] * s->row + i;
    }
    const uint32_t *S = s->succ + (uint64_t)b * s->row;
    for (uint32_t j = 0; j < s->row; j++)
        if (S[j] == sym) return slot_p(s, state, j);
    return 0.0;
}

void ep_synth_stream_init(const ep_synth *s, ep_synth_stream *st, uint64_t seed)
{
    st->rng = seed ^ 0xD1B54A32D192ED03ull;
    double u = ep_rng_uniform(&st->rng), acc = 0;
    st->state = s->nstates - 1;
    for (uint64_t i = 0; i < s->nstates; i++) {
        acc += s->pi[i];
        if (u < acc) {
            st->state = i;
            break;
        }
    }
}

uint32_t ep_synth_next(const ep_synth *s, ep_synth_stream *st)
{
    double u = ep_rng_uniform(&st->rng);
    const double *c = s->cum + st->state * s->row;
    uint32_t lo = 0, hi = s->row - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (c[mid] <= u) lo = mid + 1; else hi = mid;
    }
    uint64_t next;
    uint32_t sym = transition(s, st->state, lo, &next);
    st->state = next;
    return sym;
}

ep_status ep_synth_write_text(const ep_synth *s, FILE *f, uint64_t n_symbols, uint64_t doc_symbols,
                              int jsonl, uint64_t stream_seed, ep_error *err)
{
    if (doc_symbols == 0) return ep_error_set(err, EP_ERR_ARG, "synth: doc_symbols must be > 0");
    ep_synth_stream st;
    ep_synth_stream_init(s, &st, stream_seed);
    char buf[16];
    for (uint64_t done = 0; done < n_symbols;) {
        uint64_t n = n_symbols - done < doc_symbols ? n_symbols - done : doc_symbols;
        if (done) fputs(jsonl ? "" : "\n", f);
        if (jsonl) fputs("{\"text\":\"", f);
        for (uint64_t i = 0; i < n; i++) {
            uint32_t sym = ep_synth_next(s, &st);
            size_t len = ep_synth_spell(s, sym, buf);
            if (jsonl && len == 1 && (buf[0] == '"' || buf[0] == '\\')) fputc('\\', f);
            fwrite(buf, 1, len, f);
            if (s->succ && i + 1 < n) fputc(' ', f);
        }
        fputs(jsonl ? "\"}\n" : "\n", f);
        done += n;
    }
    if (ferror(f)) return ep_error_set(err, EP_ERR_IO, "synth: write error");
    return EP_OK;
}
