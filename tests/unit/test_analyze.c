/* analyze: predict (IC-1, IC-2, scaling laws) on hand-computed examples, refusals, mix optimality
 * against brute force, rank flags on the planted-junk fixture, and the report files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ep_test.h"
#include "entroprof/analyze.h"
#include "entroprof/report.h"

#define FIXTURE(name) EP_TEST_SOURCE_DIR "/tests/fixtures/profiles/" name

static double num(const ep_jv *o, const char *path)
{
    const ep_jv *v = ep_jv_path(o, path);
    if (!v) fail_msg("missing key %s", path);
    return ep_jv_as_num(v, NAN);
}

/* Paper sec. 5.1: (5.4e13/D) = (8.8e13/(N/16)) gives N = 16 * 8.8/5.4 D = 26.07 D (the paper prints
 * 26.08); eta = (H - L)/k in [ (10-7)/26.08, (10-3)/26.08 ] = [0.115, 0.268] with losses in nats. */
static void ic1_reproduces_paper_26_08_derivation(void **state)
{
    (void)state;
    double k = 16.0 * 8.8e13 / 5.4e13;
    assert_near(k, 26.074, 1e-3);
    assert_near((10.0 - 7.0) / 26.08, 0.115, 5e-4);
    assert_near((10.0 - 3.0) / 26.08, 0.268, 5e-4);
    /* IC-1 read backwards: with eta = 0.268, H = 10, L = 3, N/D = (H - L)/eta = 26.1 bits per token. */
    assert_near(ep_ic1_bits(0.268, 1.0, 10.0, 3.0), 26.08, 0.05);
    assert_near(ep_ic1_tokens(0.268, 26.08, 10.0, 3.0), 1.0, 2e-3);
    /* Unit correction: the same eta in consistent bits is divided by ln 2. */
    assert_near(EP_ETA_BITS_LO, 0.16591, 1e-5);
    assert_near(EP_ETA_BITS_HI, 0.38664, 1e-5);
}

/* REFERENCES.md trap 1: ln 50257 = 10.82 nats = 15.62 bits; with s = 1 logits 11.3249 nats. */
static void step0_loss_of_gpt2_vocabulary(void **state)
{
    (void)state;
    assert_near(ep_step0_loss_nats(50257, 0.0), 10.8249, 1e-4);
    assert_near(ep_step0_loss_nats(50257, 0.0) / EP_LN2, 15.6170, 1e-4);
    assert_near(ep_step0_loss_nats(50257, 1.0), 11.3249, 1e-4);
}

static void predict_params_from_tokens_hand_computed(void **state)
{
    (void)state;
    ep_predict_config c;
    ep_predict_config_default(&c);
    c.h_bits_per_token = 10;
    c.loss_bits_per_token = 3;
    c.tokens = 1e12;
    c.eta_lo = c.eta_hi = 0.25;
    c.bits_per_param = ep_precision_bits("bf16");
    c.j_per_flop = 1e-12;
    ep_jv *p = NULL;
    ep_error err;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_OK);
    assert_near(num(p, "ic1.bits"), 2.8e13, 1e3);           /* 1e12 * 7 / 0.25 */
    assert_near(num(p, "ic1.params"), 1.75e12, 1e2);        /* / 16 bits */
    assert_near(num(p, "ic1.info_bits"), 7e12, 1);
    assert_near(num(p, "compute.flops") / 1.05e25, 1.0, 1e-12); /* 6 * 1.75e12 * 1e12 */
    assert_near(num(p, "energy.estimated_joules") / 1.05e13, 1.0, 1e-12);
    /* IC-2: 7e12 bits * kB * 300 K * ln 2 */
    assert_near(num(p, "energy.landauer_floor_joules") / 2.009685219555107e-08, 1.0, 1e-9);
    /* Chinchilla: L = 3 bits = 2.0794 nats at D = 1e12: N = (A / (L - E - B/D^beta))^(1/alpha). */
    assert_near(num(p, "laws.chinchilla.params") / 4633037031.84072, 1.0, 1e-9);
    assert_near(num(p, "laws.kaplan.params") / 5947401373.932622, 1.0, 1e-9);
    assert_true(ep_jv_as_bool(ep_jv_path(p, "laws.epoch_refit.reachable"), 0));
    /* unique tokens unknown: data-constrained equals Chinchilla (no repetition). */
    assert_near(num(p, "laws.data_constrained.params"), num(p, "laws.chinchilla.params"), 1e-3);
    assert_near(num(p, "laws.knowledge_capacity.params"), 3.5e12, 1);
    ep_jv_free(p);

    /* Eta range: N over [lo, hi] brackets the midpoint answer. */
    c.eta_lo = EP_ETA_BITS_LO;
    c.eta_hi = EP_ETA_BITS_HI;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_OK);
    assert_near(ep_jv_as_num(ep_jv_at(ep_jv_path(p, "ic1.bits_range"), 0), 0), 7e12 / EP_ETA_BITS_HI, 1e3);
    assert_near(ep_jv_as_num(ep_jv_at(ep_jv_path(p, "ic1.bits_range"), 1), 0), 7e12 / EP_ETA_BITS_LO, 1e3);
    ep_jv_free(p);
}

static void predict_tokens_from_params_and_data_constrained(void **state)
{
    (void)state;
    ep_predict_config c;
    ep_predict_config_default(&c);
    c.h_bits_per_token = 10;
    c.loss_bits_per_token = 2.9; /* 2.01 nats, above Chinchilla's floor 1.87 nats at N = 7e9 */
    c.params = 7e9;
    c.eta_lo = c.eta_hi = 0.2;
    c.bits_per_param = 8;
    c.unique_tokens = 1e12;
    ep_jv *p = NULL;
    ep_error err;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_OK);
    assert_near(num(p, "ic1.tokens"), 0.2 * 7e9 * 8 / 7.1, 1e-3); /* eta N_bits / (H - L) */
    /* Chinchilla's D for this N, fed back, gives the target loss. */
    double d = num(p, "laws.chinchilla.tokens"), lt = 2.9 * EP_LN2;
    assert_near(1.69 + 406.4 / pow(7e9, 0.34) + 410.7 / pow(d, 0.28), lt, 1e-9);
    /* Data-constrained: more tokens than Chinchilla, because repeats are discounted. */
    double dc = num(p, "laws.data_constrained.tokens");
    assert_true(dc > d);
    assert_near(ep_muennighoff_effective(dc, 1e12, EP_MUENNIGHOFF_RD_STAR), d, d * 1e-9);
    ep_jv_free(p);
    /* With 1e11 unique tokens, D' saturates at U (1 + R*) = 1.64e12 < the 2.6e12 needed. */
    c.unique_tokens = 1e11;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_OK);
    assert_false(ep_jv_as_bool(ep_jv_path(p, "laws.data_constrained.reachable"), 1));
    ep_jv_free(p);
}

static void muennighoff_effective_tokens(void **state)
{
    (void)state;
    double r = EP_MUENNIGHOFF_RD_STAR;
    assert_near(ep_muennighoff_effective(5e9, 1e10, r), 5e9, 0);     /* no repetition */
    assert_near(ep_muennighoff_effective(2e10, 1e10, r), 1e10 * 1.9681992237887165, 1e-3); /* 2 epochs */
    assert_near(ep_muennighoff_tokens_for(1.9681992237887165e10, 1e10, r), 2e10, 1e-2);
    assert_true(ep_muennighoff_tokens_for(1e10 * (1 + r) * 1.001, 1e10, r) < 0); /* saturated */
    assert_true(ep_muennighoff_effective(1e15, 1e10, r) <= 1e10 * (1 + r));
}

static void predict_refuses_impossible_requests(void **state)
{
    (void)state;
    ep_predict_config base, c;
    ep_predict_config_default(&base);
    base.h_bits_per_token = 4;
    base.loss_bits_per_token = 2;
    base.tokens = 1e9;
    ep_jv *p = NULL;
    ep_error err;
    c = base; c.loss_bits_per_token = 4;   /* L >= H */
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    assert_non_null(strstr(err.msg, ">="));
    c = base; c.loss_bits_per_token = -1;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    c = base; c.h_bits_per_token = -3;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    c = base; c.params = 1e9;               /* both */
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    c = base; c.tokens = 0;                 /* neither */
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    c = base; c.eta_lo = 0;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    c = base; c.eta_hi = 1.5;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_ERR_ARG);
    assert_null(p);
    /* A target below a law's floor is answered as unreachable, not refused. */
    c = base; c.h_bits_per_token = 10; c.loss_bits_per_token = 0.5;
    assert_int_equal(ep_predict_run(&c, &p, &err), EP_OK);
    assert_false(ep_jv_as_bool(ep_jv_path(p, "laws.chinchilla.reachable"), 1));
    assert_int_equal(ep_jv_typeof(ep_jv_path(p, "laws.chinchilla.params")), EP_JV_NULL);
    ep_jv_free(p);
}

static double mix_objective(const ep_mix_source *s, size_t n, const double *t)
{
    double v = 0;
    for (size_t i = 0; i < n; i++) v += ep_mix_info_bits(&s[i], t[i], EP_MUENNIGHOFF_RD_STAR);
    return v;
}

/* Brute force over a grid of allocations (t1, t2, t3 = B - t1 - t2) under the same limits. */
static double brute(const ep_mix_source *s, const ep_mix_config *c, double step)
{
    double best = -1, b = c->budget_tokens;
    for (double t1 = 0; t1 <= b + 1e-9; t1 += step)
        for (double t2 = 0; t1 + t2 <= b + 1e-9; t2 += step) {
            double t[3] = {t1, t2, b - t1 - t2};
            if (t[2] < 0) t[2] = 0;
            int ok = 1;
            for (int i = 0; i < 3; i++) {
                if (t[i] < s[i].min_share * b - 1e-6 || t[i] > s[i].max_share * b + 1e-6) ok = 0;
                if (c->max_epochs > 0 && t[i] > c->max_epochs * s[i].unique_tokens + 1e-6) ok = 0;
            }
            if (ok) {
                double v = mix_objective(s, 3, t);
                if (v > best) best = v;
            }
        }
    return best;
}

static void mix_matches_brute_force(void **state)
{
    (void)state;
    ep_mix_source s[3] = {{"web", 2.2, 3e6, 0, 1}, {"books", 1.9, 1.5e6, 0, 1}, {"code", 1.6, 1e6, 0, 1}};
    ep_mix_config c;
    ep_mix_config_default(&c);
    double t[3];
    ep_error err;
    for (int scenario = 0; scenario < 4; scenario++) {
        c.budget_tokens = scenario == 0 ? 4e6 : 2e7;
        c.max_epochs = scenario == 2 ? 4 : 0;
        s[2].min_share = scenario == 3 ? 0.2 : 0;
        s[0].max_share = scenario == 3 ? 0.5 : 1;
        assert_int_equal(ep_mix_solve(s, 3, &c, t, &err), EP_OK);
        double sum = t[0] + t[1] + t[2];
        assert_true(sum <= c.budget_tokens * (1 + 1e-9));
        for (int i = 0; i < 3; i++) {
            assert_true(t[i] >= s[i].min_share * c.budget_tokens * (1 - 1e-9));
            assert_true(t[i] <= s[i].max_share * c.budget_tokens * (1 + 1e-9));
            if (c.max_epochs > 0) assert_true(t[i] <= c.max_epochs * s[i].unique_tokens * (1 + 1e-9));
        }
        double got = mix_objective(s, 3, t), best = brute(s, &c, c.budget_tokens / 400);
        /* optimum >= every grid point, and within the grid's resolution of the best one */
        assert_true(got >= best * (1 - 1e-9));
        assert_true(got <= best * (1 + 2e-3));
    }
    /* Small budget: all of it goes to the highest-entropy source (flat marginal below one epoch). */
    s[2].min_share = 0; s[0].max_share = 1;
    c.budget_tokens = 1e6; c.max_epochs = 0;
    assert_int_equal(ep_mix_solve(s, 3, &c, t, &err), EP_OK);
    assert_near(t[0], 1e6, 1e-3);
    /* Infeasible limits are refused. */
    s[1].min_share = 0.7; s[2].min_share = 0.5;
    assert_int_equal(ep_mix_solve(s, 3, &c, t, &err), EP_ERR_ARG);
}

static int has_flag(const ep_jv *row, const char *flag)
{
    const ep_jv *fl = ep_jv_get(row, "flags");
    for (size_t i = 0; i < ep_jv_len(fl); i++)
        if (!strcmp(ep_jv_as_str(ep_jv_get(ep_jv_at(fl, i), "flag")), flag)) return 1;
    return 0;
}

static const ep_jv *find_row(const ep_jv *arr, const char *path)
{
    for (size_t i = 0; i < ep_jv_len(arr); i++)
        if (!strcmp(ep_jv_as_str(ep_jv_get(ep_jv_at(arr, i), "path")), path)) return ep_jv_at(arr, i);
    return NULL;
}

static void rank_flags_planted_junk(void **state)
{
    (void)state;
    ep_error err;
    ep_jv *prof = ep_jv_load_file(FIXTURE("planted.json"), &err);
    assert_non_null(prof);
    ep_rank_config c;
    ep_rank_config_default(&c);
    ep_jv *r = NULL;
    assert_int_equal(ep_rank_run(prof, &c, &r, &err), EP_OK);
    const ep_jv *ranked = ep_jv_get(r, "ranked"), *fl = ep_jv_get(r, "flagged");
    assert_int_equal(ep_jv_len(ranked), 2);
    assert_string_equal(ep_jv_as_str(ep_jv_get(ep_jv_at(ranked, 0), "path")), "web/en-000.txt");
    assert_string_equal(ep_jv_as_str(ep_jv_get(ep_jv_at(ranked, 1), "path")), "code/py-000.txt");
    assert_true(has_flag(find_row(fl, "junk/base64-blobs.txt"), "near_max_entropy"));
    assert_true(has_flag(find_row(fl, "junk/binary.bin"), "near_max_entropy"));
    assert_true(has_flag(find_row(fl, "junk/binary.bin"), "not_text"));
    assert_true(has_flag(find_row(fl, "web/latin1-legacy.txt"), "not_text"));
    assert_true(has_flag(find_row(fl, "web/boilerplate-footer.txt"), "low_entropy"));
    assert_true(has_flag(find_row(fl, "web/mirrors.txt"), "high_duplicates"));
    assert_true(has_flag(find_row(fl, "web/disagree.txt"), "estimates_disagree"));
    assert_int_equal(ep_jv_len(fl), 6);
    assert_int_equal(ep_jv_len(ep_jv_get(r, "errors")), 1);
    assert_int_equal(ep_jv_len(ep_jv_get(r, "missing")), 1);
    ep_jv_free(r);

    /* Thresholds are configurable: tolerate duplicates and mirrors is ranked (2.3 bpb, first). */
    c.max_dup_fraction = 0.7;
    assert_int_equal(ep_rank_run(prof, &c, &r, &err), EP_OK);
    ranked = ep_jv_get(r, "ranked");
    assert_int_equal(ep_jv_len(ranked), 3);
    assert_string_equal(ep_jv_as_str(ep_jv_get(ep_jv_at(ranked, 0), "path")), "web/mirrors.txt");
    ep_jv_free(r);

    /* Incompressibility threshold: at 2.0 bits/byte even en-000's best bound (2.21) trips it. */
    ep_rank_config_default(&c);
    c.max_upper_bpb = 2.0;
    assert_int_equal(ep_rank_run(prof, &c, &r, &err), EP_OK);
    assert_true(has_flag(find_row(ep_jv_get(r, "flagged"), "web/en-000.txt"), "near_max_entropy"));
    ep_jv_free(r);

    /* --by an estimator in bits/byte (zstd) converts nothing and ranks what has it. */
    ep_rank_config_default(&c);
    c.by = "zstd_19";
    assert_int_equal(ep_rank_run(prof, &c, &r, &err), EP_OK);
    assert_near(num(ep_jv_at(ep_jv_get(r, "ranked"), 0), "value"), 2.71, 1e-12);
    ep_jv_free(r);
    ep_jv_free(prof);
}

static void shard_entropy_converts_units_and_never_invents(void **state)
{
    (void)state;
    ep_error err;
    const char *txt = "{\"tokens\":500,\"bytes\":1000,\"estimates\":{\"a\":{\"value\":4.0,\"unit\":\"bits_per_token\","
                      "\"kind\":\"point\"},\"b\":{\"value\":1.0,\"unit\":\"bits_per_char\",\"kind\":\"point\"}}}";
    ep_jv *s = ep_jv_parse(txt, strlen(txt), &err);
    assert_non_null(s);
    double v;
    assert_true(ep_analyze_shard_entropy(s, "a", 1, &v));
    assert_near(v, 2.0, 1e-12); /* 4 bits/token * 500 tokens / 1000 bytes */
    assert_false(ep_analyze_shard_entropy(s, "b", 1, &v)); /* unknown unit: absent */
    assert_false(ep_analyze_shard_entropy(s, "zz", 0, &v));
    assert_false(ep_analyze_shard_entropy(s, NULL, 0, &v)); /* no headline */
    const char *src;
    assert_true(ep_analyze_unique_tokens(s, &v, &src));
    assert_string_equal(src, "tokens");
    ep_jv_free(s);
    const char *txt2 = "{\"tokens\":500,\"bytes\":1000,\"dedup\":{\"exact_dup_bytes\":250}}";
    s = ep_jv_parse(txt2, strlen(txt2), &err);
    assert_true(ep_analyze_unique_tokens(s, &v, &src));
    assert_near(v, 375.0, 1e-12); /* 500 x (1 - 250/1000) */
    ep_jv_free(s);
}


static void report_writes_self_contained_html(void **state)
{
    (void)state;
    ep_error err;
    ep_jv *prof = ep_jv_load_file(FIXTURE("planted.json"), &err);
    assert_non_null(prof);
    char dir[] = "/tmp/ep_report_XXXXXX";
    assert_non_null(mkdtemp(dir));
    ep_report_config c;
    ep_report_config_default(&c);
    assert_int_equal(ep_report_write(prof, &c, dir, &err), EP_OK);
    char path[64];
    snprintf(path, sizeof path, "%s/report.html", dir);
    char *html = ep_test_slurp(path, NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "<svg"));
    assert_non_null(strstr(html, "<rect"));
    assert_non_null(strstr(html, "<path"));
    assert_non_null(strstr(html, "Entropy ladder"));
    assert_non_null(strstr(html, "Prequential"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "http://e")); /* no external assets (only the SVG namespace) */
    assert_null(strstr(html, "src="));
    remove(path);
    free(html);
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = ep_test_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "estimates_disagree"));
    assert_non_null(strstr(md, "0.166"));
    remove(path);
    free(md);
    rmdir(dir);
    ep_jv_free(prof);
}

/* Corollary 4.1 in the report: the step-0 loss and log2 V beside the prequential curve. */
static void report_shows_step0_loss_beside_the_curve(void **state)
{
    (void)state;
    static const char *prof_text =
        "{\"schema\":\"entroprof.profile/1\",\"shards\":[{\"path\":\"a.txt\",\"status\":\"ok\",\"tokens\":4000,"
        "\"bytes\":16000,\"estimates\":{"
        "\"lm_step0\":{\"value\":11.8647,\"unit\":\"bits_per_token\",\"kind\":\"point\",\"log2_vocab\":16.6136,"
        "\"formula_bits_per_token\":11.8585},"
        "\"lm_prequential\":{\"value\":9.4463,\"unit\":\"bits_per_token\",\"kind\":\"upper_bound\","
        "\"curve\":[{\"tokens\":1024,\"bits_per_token\":11.8},{\"tokens\":2048,\"bits_per_token\":8.2}]}}}]}";
    ep_error err;
    ep_jv *prof = ep_jv_parse(prof_text, strlen(prof_text), &err);
    assert_non_null(prof);
    char dir[] = "/tmp/ep_report_XXXXXX";
    assert_non_null(mkdtemp(dir));
    ep_report_config c;
    ep_report_config_default(&c);
    assert_int_equal(ep_report_write(prof, &c, dir, &err), EP_OK);
    static const char *const files[] = {"report.md", "report.html"};
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        char *doc = ep_test_slurp(path, NULL);
        assert_non_null(doc);
        assert_non_null(strstr(doc, "Corollary 4.1"));
        assert_non_null(strstr(doc, "11.8647")); /* step-0 loss */
        assert_non_null(strstr(doc, "16.6136")); /* log2 V */
        assert_non_null(strstr(doc, "9.4463"));  /* prequential */
        remove(path);
        free(doc);
    }
    rmdir(dir);
    ep_jv_free(prof);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ic1_reproduces_paper_26_08_derivation),
        cmocka_unit_test(step0_loss_of_gpt2_vocabulary),
        cmocka_unit_test(predict_params_from_tokens_hand_computed),
        cmocka_unit_test(predict_tokens_from_params_and_data_constrained),
        cmocka_unit_test(muennighoff_effective_tokens),
        cmocka_unit_test(predict_refuses_impossible_requests),
        cmocka_unit_test(mix_matches_brute_force),
        cmocka_unit_test(rank_flags_planted_junk),
        cmocka_unit_test(shard_entropy_converts_units_and_never_invents),
        cmocka_unit_test(report_writes_self_contained_html),
        cmocka_unit_test(report_shows_step0_loss_beside_the_curve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
