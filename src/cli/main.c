/* entroprof CLI: one table of subcommands, each `int cmd_X(int argc, char **argv)`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/commands.h"
#include "entroprof/common.h"

static const ep_command commands[] = {
#define EP_CMD(name, fn, summary) {name, fn, summary},
#include "cli/command_list.h"
#undef EP_CMD
};

static void print_usage(FILE *f)
{
    fprintf(f, "entroprof %s: dataset entropy and quality profiler\n\n"
               "usage: entroprof COMMAND [OPTIONS] ...\n\ncommands:\n", EP_VERSION_STRING);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-10s %s\n", "version", "print the version");
    fprintf(f, "\n'entroprof COMMAND --help' describes a command.\n"
               "Exit status: 0 success, 1 some input failed (profile still written),\n"
               "2 bad usage, 3 fatal error.\n");
}

static int run(int argc, char **argv)
{
    if (argc < 2) { print_usage(stderr); return 2; }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (!strcmp(commands[i].name, argv[2])) {
                    char *hargv[] = {argv[2], "--help", NULL};
                    return commands[i].fn(2, hargv);
                }
        }
        print_usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) { printf("entroprof %s\n", EP_VERSION_STRING); return 0; }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "entroprof: unknown command '%s'\n", name);
    print_usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    ep_cli_install_signal_cleanup();
    return ep_cli_close_stdout(run(argc, argv));
}
