/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/pgs.c — `pgs`, the command a person types: a thin dispatcher over the
 * command table (like kmod's tools/kmod.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/command.h"
#include "shared/log.h"

static const struct pgs_command commands[] = {
        { "check", "can this machine host the VM, and which way (passthrough, gvtg, sriov)", cmd_check },
        { "boot", "kernel parameters for a mode, on this system's bootloader (show, apply, revert)", cmd_boot },
        { "initramfs", "pgs-early in this system's initramfs (status, enable, disable)", cmd_initramfs },
        { "restore", "undo what the libvirt hook left behind for a domain that was never released", cmd_restore },
        { "setup", "set this host up for a mode in one step (--undo takes it back; hook: the libvirt hook only)", cmd_setup },
        { "status", "what pgs did at boot (/run/pgs/early) and what the devices are on now", cmd_status },
        { "vm", "the Windows VM from this host's topology, defined in libvirt (create, show, remove)", cmd_vm },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
        fputs("Usage: pgs COMMAND [OPTIONS]\n"
              "\n"
              "Turn a two-GPU Linux desktop into a host for a Windows gaming VM.\n"
              "\n"
              "Commands:\n", f);
        for (size_t i = 0; i < N_COMMANDS; i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
        fputs("\n'pgs COMMAND --help' tells more. Options every command takes, before or\n"
              "after its name:\n"
              "  --sysroot DIR   read and write every system path under DIR\n"
              "\n"
              "Exit status: 0 done, 1 failed, 2 partly done (or, for status, something was\n"
              "refused at boot), 64 usage error. docs/cli.md lists them per command.\n", f);
}

/* edit distance, for "did you mean" (command names are short) */
static unsigned distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        if (la > 32 || lb > 32)
                return 99;
        unsigned d[33][33];
        for (size_t i = 0; i <= la; i++)
                d[i][0] = (unsigned)i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = (unsigned)j;
        for (size_t i = 1; i <= la; i++)
                for (size_t j = 1; j <= lb; j++) {
                        unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
                        unsigned x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
                        d[i][j] = c < x ? (c < y ? c : y) : (x < y ? x : y);
                }
        return d[la][lb];
}

int main(int argc, char **argv)
{
        /* options every command takes may stand before the command too:
         * `pgs --sysroot DIR status` is `pgs status --sysroot DIR` */
        const char *sysroot = NULL;
        int i = 1;
        while (i < argc && !strncmp(argv[i], "--sysroot", 9)) {
                if (argv[i][9] == '=') {
                        sysroot = argv[i] + 10;
                        i++;
                } else if (!argv[i][9] && i + 1 < argc) {
                        sysroot = argv[i + 1];
                        i += 2;
                } else {
                        log_stderr("pgs", "%s needs a directory", argv[i]);
                        return PGS_EXIT_USAGE;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return PGS_EXIT_USAGE;
        }
        const char *cmd = argv[i];
        if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
                usage(stdout);
                return PGS_EXIT_OK;
        }
        if (!strcmp(cmd, "--version")) {
                puts("pgs " PGS_VERSION);
                return PGS_EXIT_OK;
        }
        for (size_t k = 0; k < N_COMMANDS; k++) {
                if (strcmp(cmd, commands[k].name))
                        continue;
                int n = argc - i;
                char **av = malloc(((size_t)n + 3) * sizeof(*av));
                if (!av)
                        return PGS_EXIT_FAILED;
                memcpy(av, argv + i, (size_t)n * sizeof(*av));
                if (sysroot) {
                        av[n++] = "--sysroot";
                        av[n++] = (char *)sysroot;
                }
                av[n] = NULL;
                return commands[k].run(n, av);
        }
        const char *near = NULL;
        for (size_t k = 0; k < N_COMMANDS && !near; k++)
                if (distance(cmd, commands[k].name) <= 2 || (strlen(cmd) >= 3 && !strncmp(cmd, commands[k].name, strlen(cmd))))
                        near = commands[k].name;
        if (near)
                log_stderr("pgs", "unknown command '%.64s'; did you mean '%s'?", cmd, near);
        else
                log_stderr("pgs", "unknown command '%.64s'", cmd);
        fputc('\n', stderr);
        usage(stderr);
        return PGS_EXIT_USAGE;
}
