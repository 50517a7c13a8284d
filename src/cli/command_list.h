/* X-macro list of subcommands: EP_CMD(name, function, one-line summary). Keep one per line. */
EP_CMD("scan", cmd_scan, "profile shards: entropy estimates, compression, duplicates -> profile JSON")
EP_CMD("tokenize", cmd_tokenize, "print the token ids of documents (BPE, byte, char, word)")
EP_CMD("dedup", cmd_dedup, "exact and near duplicate documents, one JSON line each")
