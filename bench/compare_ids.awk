# Compares two files of token ids, one output line per input line (the reference first, then ours):
# prints the first 3 mismatching lines to stderr and a summary line, exits 1 on any difference.
# usage: awk -v e=NAME -f bench/compare_ids.awk REF OURS   (verify_bpe.sh, verify_hf.sh)
NR == FNR { ref[FNR] = $0; nref = FNR; next }
{ if ($0 != ref[FNR]) { bad++; if (bad <= 3) printf "%s: mismatch at output line %d\n", e, FNR > "/dev/stderr" }
  ids += NF; n = FNR }
END { if (n != nref) { bad++; printf "%s: %d lines vs %d\n", e, n, nref > "/dev/stderr" }
      printf "%s: %d lines (last = whole file) compared, %d ids, %d mismatching lines\n", e, n, ids, bad + 0
      exit bad > 0 }
