#!/usr/bin/env python3
"""Prints the regression rows (shard,key,value,tolerance) of an entroprof profile as CSV.

Tolerances (absolute, in the key's unit), why they are what they are:
- counts (docs, bytes, tokens, duplicate counts): 0, they are exact;
- entropies from count statistics (unigram, n-gram ladder, held-out MKN, headline): 1e-6 bits,
  room for libm differences only, since the computation is deterministic;
- zstd bits per byte: 0.02, because another libzstd release may choose other matches (and the
  headline when it is clamped to a zstd bound; per token x bytes per token).
"""
import json, sys

TOL_EXACT, TOL_ENTROPY, TOL_ZSTD = 0, 1e-6, 0.02

def rows(p):
    for s in p['shards'] + [dict(p['corpus'], path='<corpus>')]:
        name = s['path'].split('corpora/')[-1]
        for k in ('docs', 'bytes', 'tokens'):
            yield name, k, s.get(k), TOL_EXACT
        d = s.get('dedup', {})
        for k in ('exact_dup_docs', 'near_dup_docs', 'unique_tokens'):
            if k in d:
                yield name, 'dedup.' + k, d[k], TOL_EXACT
        for key, e in sorted(s.get('estimates', {}).items()):
            if key.startswith('lm_'):
                continue
            tol = TOL_ZSTD if key.startswith('zstd_') else TOL_ENTROPY
            yield name, key, e['value'], tol
        h = s.get('entropy', {})
        htol = TOL_ZSTD if h.get('method', '').startswith('zstd_') else TOL_ENTROPY
        for k in ('bits_per_token', 'bits_per_byte'):
            if k in h:
                yield name, 'entropy.' + k, h[k], htol * (s.get('bytes_per_token', 1) if k == 'bits_per_token' and htol == TOL_ZSTD else 1)
        if 'undersampled' in h:
            yield name, 'entropy.undersampled', int(h['undersampled']), TOL_EXACT
        if 'method' in h:
            yield name, 'entropy.method=' + h['method'], 1, TOL_EXACT

print('shard,key,value,tolerance')
for r in rows(json.load(open(sys.argv[1]))):
    print('%s,%s,%r,%r' % r)
