/* A shard's (or the corpus's) reader counters and flags in the profile (docs/profile-schema.md). */
#include "scan/scan_internal.h"

void ep_scan_counters_json(ep_jv *o, const ep_reader_counters *rc, int with_lines)
{
    ep_jv *c = ep_jv_child(o, "counters");
#define C(name) ep_jv_set(c, #name, ep_jv_int((int64_t)rc->name))
    C(input_bytes); C(decoded_bytes); C(lines); C(docs); C(doc_bytes); C(empty_docs); C(invalid_utf8);
    C(crlf); C(nul_bytes); C(truncated_docs); C(truncated_bytes); C(json_malformed); C(json_missing_field);
    C(json_nonstring_field); C(blank_lines_jsonl); C(jsonl_overlong); C(zero_padding_bytes); C(error_dropped_bytes);
#undef C
    if (with_lines) {
        ep_jv *a = ep_jv_set(c, "first_skipped_lines", ep_jv_arr());
        for (uint32_t i = 0; i < rc->n_first_bad_lines; i++) ep_jv_push(a, ep_jv_int((int64_t)rc->first_bad_lines[i]));
    }
}

void ep_scan_flags_json(ep_jv *o, const ep_reader_counters *rc, int failed)
{
    ep_jv *f = ep_jv_set(o, "flags", ep_jv_arr());
    if (failed) ep_jv_push(f, ep_jv_str("read_error"));
    if (rc->docs == 0) ep_jv_push(f, ep_jv_str("empty"));
    if (rc->invalid_utf8) ep_jv_push(f, ep_jv_str("invalid_utf8_repaired"));
    if (rc->nul_bytes) ep_jv_push(f, ep_jv_str("nul_bytes_removed"));
    if (rc->truncated_docs) ep_jv_push(f, ep_jv_str("docs_truncated"));
    if (rc->json_malformed + rc->json_missing_field + rc->json_nonstring_field + rc->jsonl_overlong)
        ep_jv_push(f, ep_jv_str("records_skipped"));
}
