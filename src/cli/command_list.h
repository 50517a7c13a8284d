/* X-macro list of subcommands: EP_CMD(name, function, one-line summary). Keep one per line. */
EP_CMD("scan", cmd_scan, "profile shards: entropy estimates, compression, duplicates -> profile JSON")
EP_CMD("tokenize", cmd_tokenize, "print the token ids of documents (BPE, byte, char, word)")
EP_CMD("dedup", cmd_dedup, "exact and near duplicate documents, one JSON line each")
EP_CMD("rank", cmd_rank, "rank shards of a profile by entropy, with junk guardrails")
EP_CMD("predict", cmd_predict, "model size from data (IC-1) beside published scaling laws")
EP_CMD("mix", cmd_mix, "token budget per source maximising information")
EP_CMD("report", cmd_report, "write report.md and a self-contained report.html")
EP_CMD("check", cmd_check, "check the invariants of profiles (headline within its bounds, ...)")
