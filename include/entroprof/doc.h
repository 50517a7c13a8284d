/* entroprof: a document as the probes see it. */
#ifndef ENTROPROF_DOC_H
#define ENTROPROF_DOC_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One document after reading and repair. Memory is owned by whoever produced it
 *  (reader or scan batch) and stays valid only during the call that receives it. */
typedef struct {
    const char *text;   /**< valid UTF-8 (repaired), CRLF normalized to LF, no NUL bytes */
    size_t len;         /**< bytes of text */
    uint64_t index;     /**< 0-based position of the document in its shard (canonical order) */
    uint64_t line;      /**< 1-based line of the decoded input where the document starts */
    uint64_t offset;    /**< byte offset in the decoded input where the record starts */
    uint64_t hash_lo;   /**< XXH3-128 (seed 0) of text: low 64 bits. Every sampling decision */
    uint64_t hash_hi;   /**< (held-out split, LM sample) is a function of this hash. */
    const char *id;     /**< value of the id field for JSONL (may be NULL); not NUL-terminated */
    size_t id_len;
    unsigned flags;     /**< EP_DOC_* bits, set by the scan */
} ep_doc;

/** The document's bytes equal an earlier document's in canonical order (set by the scan when
 *  --dedup-estimators is on). */
#define EP_DOC_EXACT_DUP 1u

#ifdef __cplusplus
}
#endif
#endif
