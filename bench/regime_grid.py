#!/usr/bin/env python3
"""Headline entropy across sampling regimes, on Markov sources of exactly known rate.

usage: bench/regime_grid.py [--build build] [--work DIR] [--sizes 1e5,1e6,1e7] [--quick]
                            [--threads 2] [--out grid.jsonl] [--rescan] [--rehead]

For every source of the grid (tools/ep_synth: bytes A = 16..200 of orders 0..4, words V = 1k..100k
of orders 1..2 with sparse and dense successor sets) and every size, it runs `entroprof scan`
(default probes), then prints one row per run and a summary by rho, where

    rho = sampled symbols / (contexts x next-symbol support)

(contexts = A^k for bytes, V or V*S for words; support = A or S; sampled symbols = the ladder's
unigram sample, at most --ngram-sample-tokens). Targets (docs/estimators.md, section 5):
rho >= 10: headline within 3% of the rate; 1 <= rho < 10: within 5%; rho < 1: within 10%, or
`entropy.undersampled` with a bracket [lower, upper] that contains the rate.
Profiles are cached in the work directory (--rescan to redo them); sources are reused.
"""
import argparse, json, math, os, subprocess, sys

BYTES = [(16, 0), (16, 1), (16, 2), (16, 3), (16, 4), (32, 4), (64, 0), (64, 1), (64, 2), (64, 3),
         (200, 0), (200, 1), (200, 2)]
WORDS = [(1000, 1, 4), (1000, 1, 32), (1000, 1, 200), (5000, 1, 32), (20000, 1, 4), (20000, 1, 200),
         (100000, 1, 4), (100000, 1, 32), (100000, 1, 200),
         (1000, 2, 4), (1000, 2, 32), (5000, 2, 8), (20000, 2, 4), (100000, 2, 4)]
QUICK_BYTES = [(16, 2), (64, 1), (200, 1), (16, 4)]
QUICK_WORDS = [(1000, 1, 32), (20000, 1, 200), (1000, 2, 4)]


def sources(quick):
    for a, k in (QUICK_BYTES if quick else BYTES):
        tok = "char" if a > 94 else "byte"
        yield ("bytes-o%d-A%d" % (k, a), tok, ["--kind", "bytes", "--order", str(k), "--alphabet", str(a)],
               a ** k, a)
    for v, k, s in (QUICK_WORDS if quick else WORDS):
        yield ("words-o%d-V%d-S%d" % (k, v, s), "word",
               ["--kind", "words", "--order", str(k), "--vocab", str(v), "--support", str(s)],
               v if k == 1 else v * s, s)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--work", default="/tmp/ep_regime_grid")
    ap.add_argument("--sizes", default="1e5,1e6,1e7")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rescan", action="store_true")
    ap.add_argument("--rehead", action="store_true",
                    help="re-apply the current headline rule (build/ep_headline) to cached profiles")
    ap.add_argument("--out", default=None)
    ap.add_argument("--scan-args", default="", help="extra arguments for entroprof scan")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    synth, ep = os.path.join(a.build, "ep_synth"), os.path.join(a.build, "entroprof")
    rows = []
    for name, tok, args, contexts, support in sources(a.quick):
        for size in a.sizes.split(","):
            n = int(float(size))
            base = os.path.join(a.work, "%s-n%d" % (name, n))
            if not os.path.exists(base + ".truth.json"):
                try:
                    with open(base + ".truth.json.tmp", "w") as f:
                        run([synth] + args + ["--symbols", str(n), "--seed", "1", "--out", base + ".txt"], stdout=f)
                except subprocess.CalledProcessError:
                    print("skip %s (ep_synth refused)" % name, file=sys.stderr)
                    break
                os.rename(base + ".truth.json.tmp", base + ".truth.json")
            truth = json.load(open(base + ".truth.json"))
            prof = base + ".profile.json"
            if a.rescan or not os.path.exists(prof):
                subprocess.run([ep, "scan", "--tokenizer", tok, "--threads", a.threads, "-q", "--compact",
                                base + ".txt", "-o", prof] + a.scan_args.split())
            if a.rehead:
                run([os.path.join(a.build, "ep_headline"), prof, base + ".rehead.json"])
                prof = base + ".rehead.json"
            p = json.load(open(prof))
            sh = p["shards"][0]
            est = sh["estimates"]
            sampled = est.get("ngram_grassberger_h0", {}).get("sample_tokens", sh["tokens"])
            rho = sampled / float(contexts * support)
            h = truth["rate_bits_per_symbol"]
            e = sh.get("entropy", {})
            row = dict(source=name, symbols=n, rho=rho, rate=h, rate_bpb=truth["rate_bits_per_byte"],
                       headline=e.get("bits_per_token"), method=e.get("method"),
                       lower=e.get("lower_bits_per_token"), upper=e.get("upper_bits_per_token"),
                       undersampled=bool(e.get("undersampled", False)), profile=prof)
            rows.append(row)
    if a.out:
        with open(a.out, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    report(rows)


def ok(r):
    """Whether a run meets the target of its regime; returns (relative error, verdict)."""
    h, x = r["rate"], r["headline"]
    if x is None:
        return None, "no headline"
    err = (x - h) / h if h > 0 else float("inf")
    tol = 0.03 if r["rho"] >= 10 else 0.05 if r["rho"] >= 1 else 0.10
    if abs(err) <= tol:
        return err, "ok"
    lo = r["lower"] if r["lower"] is not None else -math.inf
    hi = r["upper"] if r["upper"] is not None else math.inf
    if r["rho"] < 1 and r["undersampled"] and lo <= h <= hi:
        return err, "ok (undersampled, bracket holds)"
    return err, "MISS"


def report(rows):
    print("%-22s %9s %9s %8s %8s %8s %8s %8s  %-22s %s" % ("source", "symbols", "rho", "rate", "headline",
          "err%", "lower", "upper", "method", "verdict"))
    for r in rows:
        err, v = ok(r)
        f = lambda x: "%8s" % "-" if x is None else "%8.4f" % x
        print("%-22s %9d %9.3g %8.4f %s %8s %s %s  %-22s %s%s" % (r["source"], r["symbols"], r["rho"], r["rate"],
              f(r["headline"]), "-" if err is None else "%+.1f" % (100 * err), f(r["lower"]), f(r["upper"]),
              r["method"], v, " U" if r["undersampled"] else ""))
    print()
    print("%-14s %5s %8s %8s %12s" % ("regime", "runs", "met", "within", "median err%"))
    for name, lo, hi, tol in (("rho >= 10", 10, math.inf, 3), ("1 <= rho < 10", 1, 10, 5), ("rho < 1", 0, 1, 10)):
        sel = [r for r in rows if lo <= r["rho"] < hi]
        if not sel:
            continue
        errs = sorted(abs(ok(r)[0]) for r in sel if ok(r)[0] is not None)
        met = sum(1 for r in sel if ok(r)[1].startswith("ok"))
        within = sum(1 for e in errs if e <= tol / 100)
        print("%-14s %5d %8d %8d %12.1f" % (name, len(sel), met, within, 100 * errs[len(errs) // 2] if errs else float("nan")))


if __name__ == "__main__":
    main()
