/* X-macro list of subcommands: EP_CMD(name, function, one-line summary). Keep one per line. */
EP_CMD("dedup", cmd_dedup, "exact and near duplicate documents, one JSON line each")
