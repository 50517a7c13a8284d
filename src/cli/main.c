/* entroprof CLI: one table of subcommands, each `int cmd_X(int argc, char **argv)`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_output.h"
#include "cli/cli_util.h"
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
               "2 bad usage, 3 fatal error.\n"
               "Options are the same in every command: --opt VALUE or --opt=VALUE (or an unambiguous\n"
               "prefix of --opt), anywhere among the operands; '--' ends the options.\n");
}

static const ep_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

static int run(int argc, char **argv)
{
    enum { O_VERSION = EP_CLI_O_COMMAND };
    static const struct option opts[] = {EP_CLI_HELP_OPTION, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0}};
    ep_cli_args a;
    /* '+': stop at the command name; what follows it is the command's to parse */
    ep_cli_args_begin(&a, "", "entroprof COMMAND [OPTIONS] ...", "+h", opts);
    int c;
    while ((c = ep_cli_args_next(&a, argc, argv)) != -1) {
        switch (c) {
        case 'h': print_usage(stdout); return EP_EXIT_OK;
        case O_VERSION: printf("entroprof %s\n", EP_VERSION_STRING); return EP_EXIT_OK;
        default: return EP_EXIT_USAGE;
        }
    }
    if (a.first_operand >= argc) { print_usage(stderr); return EP_EXIT_USAGE; }
    const char *name = argv[a.first_operand];
    if (!strcmp(name, "help")) {
        const ep_command *cmd = a.first_operand + 1 < argc ? find_command(argv[a.first_operand + 1]) : NULL;
        if (cmd) {
            char *hargv[] = {(char *)cmd->name, "--help", NULL};
            return cmd->fn(2, hargv);
        }
        print_usage(stdout);
        return EP_EXIT_OK;
    }
    if (!strcmp(name, "version")) { printf("entroprof %s\n", EP_VERSION_STRING); return EP_EXIT_OK; }
    const ep_command *cmd = find_command(name);
    if (cmd) return cmd->fn(argc - a.first_operand, argv + a.first_operand);
    fprintf(stderr, "entroprof: unknown command '%s'\n", name);
    print_usage(stderr);
    return EP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    ep_cli_install_signal_cleanup();
    return ep_cli_close_stdout(run(argc, argv));
}
