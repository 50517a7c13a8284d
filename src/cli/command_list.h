/* X-macro list of subcommands: EP_CMD(name, function, one-line summary). Keep one per line. */
