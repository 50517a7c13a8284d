/* libFuzzer harness: the Hugging Face tokenizer.json loader (src/tok/bpe_hf.c through the public
 * ep_tokenizer_open), with the checks of fuzz_bpe.h on every file that loads. The input is the
 * whole file; the seeds (tests/fuzz/corpus/fuzz_tokenizer_json/) are small byte-level BPE files with
 * both accepted pre-tokenizer forms. */
#include <stdint.h>

#include "fuzz_bpe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_bpe_run(data, size, "tokenizer.json");
    return 0;
}
