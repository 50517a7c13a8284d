/* libFuzzer harness: the tiktoken vocabulary loader (src/tok/bpe_vocab.c through the public
 * ep_tokenizer_open), with the checks of fuzz_bpe.h on every file that loads.
 *
 * The input is the whole file. Its name follows a hash of the content, so that one input always
 * takes the same path: "vocab.tiktoken" (cl100k's pattern, no special tokens) or a built-in's name
 * ("r50k_base.tiktoken", ...), which adds that encoding's pattern and special tokens. */
#include <stdint.h>

#include <xxhash.h>

#include "fuzz_bpe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[4] = {"vocab.tiktoken", "r50k_base.tiktoken", "cl100k_base.tiktoken",
                                         "o200k_base.tiktoken"};
    fz_bpe_run(data, size, names[XXH64(data, size, 0) & 3]);
    return 0;
}
