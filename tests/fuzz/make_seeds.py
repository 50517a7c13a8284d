#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/<harness>/) from excerpts of
corpora/ and data/vocab/. Deterministic: run it again and the files are the same.
usage: python3 tests/fuzz/make_seeds.py [SOURCE_DIR]  (default: the repository holding this file)

Seeds stay small (a few KiB each): libFuzzer mutates faster on short inputs, and its -max_len
defaults to the largest seed."""
import base64
import gzip
import json
import os
import subprocess
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(SRC, "tests", "fuzz", "corpus")


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def zstd_bytes(data):
    return subprocess.run(["zstd", "-q", "-1", "-c", "--no-check"], input=data, stdout=subprocess.PIPE, check=True).stdout


def reader_seeds():
    # byte 0 (fuzz_reader.c): bits 0-1 name (0 sniff, 1 .txt, 2 .jsonl, 3 .md), bits 2-3 split,
    # bits 4-5 wrapping (0 raw, 1 zstd, 2 gzip), bits 6-7 max_doc_bytes = 1 KiB << bits
    alice = open(os.path.join(SRC, "corpora", "books", "alice29.txt"), "rb").read()
    para = alice[3000:4500]
    jsonl_all = subprocess.run(["zstd", "-dc", os.path.join(SRC, "corpora", "web", "c4-sample.jsonl.zst")],
                               stdout=subprocess.PIPE, check=True).stdout
    lines = []
    for ln in jsonl_all.split(b"\n")[:3]:
        rec = json.loads(ln)
        rec["text"] = rec["text"][:300]
        lines.append(json.dumps(rec, ensure_ascii=False).encode())
    jsonl = b"\n".join(lines) + b"\n"
    put("fuzz_reader", "text_paragraph", bytes([0x01]) + para)
    put("fuzz_reader", "text_line_crlf", bytes([0x05]) + para[:600].replace(b"\n", b"\r\n"))
    put("fuzz_reader", "text_file_2k", bytes([0x49]) + para)
    put("fuzz_reader", "jsonl", bytes([0x02]) + jsonl)
    put("fuzz_reader", "jsonl_sniffed_zstd", bytes([0x10]) + jsonl)
    put("fuzz_reader", "text_gzip", bytes([0x21]) + para[:800])
    # the stream bytes themselves, for the decoders to meet mutated frames and members
    put("fuzz_reader", "raw_zstd", bytes([0x01]) + zstd_bytes(para[:700]))
    put("fuzz_reader", "raw_gzip", bytes([0x02]) + gzip.compress(jsonl[:500], 1, mtime=0))
    bad = (b'{"text": "nul \\u0000 and \\ud800 lone surrogate", "id": 7}\n{"text": 5}\n{"nope": "x"}\n'
           b'not json\n\n{"text": "caf\xc3\xa9 \xff\xfe bad bytes\\r\\n"}\n')
    put("fuzz_reader", "jsonl_bad_records", bytes([0x02]) + bad)
    put("fuzz_reader", "text_bad_bytes", bytes([0x01]) + b"a\x00b\r\r\nc\xed\xa0\x80d\xf0\x9f\x99\n\n\xc3\n")


def tiktoken_lines(name, n):
    with open(os.path.join(SRC, "data", "vocab", name + ".tiktoken"), "rb") as f:
        return [f.readline() for _ in range(n)]


def tiktoken_seeds():
    r50 = tiktoken_lines("r50k_base", 300)
    put("fuzz_tiktoken", "r50k_300", b"".join(r50))
    put("fuzz_tiktoken", "cl100k_280", b"".join(tiktoken_lines("cl100k_base", 280)))
    put("fuzz_tiktoken", "o200k_270", b"".join(tiktoken_lines("o200k_base", 270)))
    # errors: a bad base64 token, a duplicate rank, a missing byte
    put("fuzz_tiktoken", "bad_base64", b"".join(r50[:256]) + b"!!== 256\n")
    put("fuzz_tiktoken", "dup_rank", b"".join(r50[:257]) + r50[256].split(b" ")[0] + b" 12\n")
    # issue 12 item 6: a 16-byte file whose rank once sized a 3 GB allocation
    put("fuzz_tiktoken", "huge_rank", b"Bg==b 400000000\n")
    put("fuzz_tiktoken", "missing_byte", b"".join(r50[1:270]))


def gpt2_alphabet():
    """GPT-2 bytes_to_unicode: byte -> character."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = {}, 0
    for b in range(256):
        if b in keep:
            cs[b] = chr(b)
        else:
            cs[b] = chr(256 + n)
            n += 1
    return cs


def tokenizer_json_seeds():
    alpha = gpt2_alphabet()
    enc = lambda bs: "".join(alpha[b] for b in bs)
    toks = [base64.b64decode(ln.split(b" ")[0]) for ln in tiktoken_lines("r50k_base", 330)]
    vocab = {enc(t): i for i, t in enumerate(toks)}
    merges = []
    for t in toks[256:]:  # the split whose two halves came first, as a trained merge list has it
        best = None
        for k in range(1, len(t)):
            a, b = enc(t[:k]), enc(t[k:])
            if a in vocab and b in vocab:
                score = max(vocab[a], vocab[b])
                if best is None or score < best[0]:
                    best = (score, a, b)
        if best:
            merges.append(best[1] + " " + best[2])
    base = {"version": "1.0", "added_tokens": [{"id": len(toks), "content": "<|endoftext|>", "special": True}],
            "normalizer": None, "model": {"type": "BPE", "vocab": vocab, "merges": merges}}
    bl = dict(base, pre_tokenizer={"type": "ByteLevel", "add_prefix_space": False, "use_regex": True})
    put("fuzz_tokenizer_json", "bytelevel", json.dumps(bl, ensure_ascii=False).encode())
    seq = dict(base, pre_tokenizer={"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+"},
         "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]})
    put("fuzz_tokenizer_json", "split_regex", json.dumps(seq, ensure_ascii=False).encode())
    pairs = dict(bl)
    pairs["model"] = dict(bl["model"], merges=[m.split(" ") for m in merges])
    put("fuzz_tokenizer_json", "merges_as_pairs", json.dumps(pairs, ensure_ascii=False).encode())
    put("fuzz_tokenizer_json", "huge_id", b'{"model": {"type": "BPE", "vocab": {"zz": 400000000}, "merges": []}}')
    put("fuzz_tokenizer_json", "unsupported", b'{"model": {"type": "WordPiece", "vocab": {}, "merges": []}}')


def profile_seeds():
    fx = os.path.join(SRC, "tests", "fixtures", "profiles")
    for name in ("minimal.json", "mix_web.json"):
        put("fuzz_profile", name, open(os.path.join(fx, name), "rb").read())
    # one shard of planted.json, with its corpus object: every estimator kind in a few KiB
    planted = json.load(open(os.path.join(fx, "planted.json")))
    planted["shards"] = planted["shards"][:2]
    put("fuzz_profile", "planted_2_shards.json", json.dumps(planted, separators=(",", ":")).encode())
    put("fuzz_profile", "errors.json", json.dumps({
        "schema": "entroprof.profile/1", "tokenizer": "byte",
        "shards": [{"path": "x.zst", "status": "error", "error": "truncated", "docs": 0},
                   {"path": "y", "status": "partial", "entropy": {"bits_per_byte": 1e308, "bits_per_token": -1}},
                   {"path": 5, "status": None, "estimates": {"zstd_3": {"value": "nan"}}}],
        "corpus": {"docs": -3, "tokens": 1e300, "dedup": {"D_eff": 0}}}).encode())


if __name__ == "__main__":
    reader_seeds()
    tiktoken_seeds()
    tokenizer_json_seeds()
    profile_seeds()
