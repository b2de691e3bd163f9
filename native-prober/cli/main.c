/* mailprobe: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "mailprobe/core.h"
#include "serve.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"check", mp_cmd_check, "local checks only: syntax, disposable, role, free, typos"},
    {"verify", mp_cmd_verify, "full verification: DNS and an SMTP handshake per address"},
    {"serve", mp_cmd_serve, "serve the JSON API and the web page"},
    {"mx", mp_cmd_mx, "show a domain's mail hosts and addresses as the prober resolves them"},
    {"doctor", mp_cmd_doctor, "diagnose this host's ability to verify (port 25, rDNS, blocklists)"},
    {"update-lists", mp_cmd_update_lists, "download a newer disposable-domain list"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: mailprobe COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\n'mailprobe COMMAND --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("mailprobe %s\n", MP_CORE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mailprobe: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
