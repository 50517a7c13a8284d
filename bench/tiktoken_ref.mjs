// npm tiktoken reference for bench_bpe.sh and verify_bpe.sh.
//   node bench/tiktoken_ref.mjs NODE_MODULES speed ENCODING FILE   -> MB/s of encode_ordinary(whole file)
//   node bench/tiktoken_ref.mjs NODE_MODULES lines ENCODING FILE   -> ids per line ('\n' included), then whole file
import { createRequire } from "node:module";
import { readFileSync, writeSync } from "node:fs";
import path from "node:path";

const [nm, mode, name, file] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(nm), "x.js"));
const { get_encoding } = require("tiktoken");
const bytes = readFileSync(file);
const text = bytes.toString("utf8");
let t0 = process.hrtime.bigint();
const enc = get_encoding(name);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
if (mode === "speed") {
  let best = Infinity, n = 0;
  for (let r = 0; r < 2; r++) {
    t0 = process.hrtime.bigint();
    n = enc.encode_ordinary(text).length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`npm tiktoken ${name}: load ${loadMs.toFixed(1)} ms, ${(bytes.length / best / 1e6).toFixed(2)} MB/s (${n} tokens, best of 2: ${best.toFixed(3)} s)`);
} else {
  const out = [];
  const parts = text.split(/(?<=\n)/);
  for (const line of parts) out.push(Array.from(enc.encode_ordinary(line)).join(" "));
  out.push(Array.from(enc.encode_ordinary(text)).join(" "));
  const s = out.join("\n") + "\n";
  writeSync(1, s);
}
enc.free();
