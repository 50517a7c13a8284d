/* The CLI's subcommands. Each lives in src/cli/cmd_<name>.c and is listed in command_list.h. */
#ifndef EP_CLI_COMMANDS_H
#define EP_CLI_COMMANDS_H

#include <stdio.h>

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;
} ep_command;

/* Exit codes (documented in --help and README). */
enum { EP_EXIT_OK = 0, EP_EXIT_SHARD_FAILED = 1, EP_EXIT_USAGE = 2, EP_EXIT_FATAL = 3 };

#define EP_CMD(name, fn, summary) int fn(int argc, char **argv);
#include "cli/command_list.h"
#undef EP_CMD

#endif
