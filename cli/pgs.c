/* cli/pgs.c — `pgs`, the command a person types: a thin dispatcher over the
 * command table (like kmod's tools/kmod.c). */
#include <stdio.h>
#include <string.h>

#include "cli/pgs.h"

static const struct pgs_command commands[] = {
        { "boot", "kernel parameters for a mode, on this system's bootloader (show, apply, revert)", cmd_boot },
        { "initramfs", "pgs-early in this system's initramfs (status, enable, disable)", cmd_initramfs },
        { "restore", "undo what the libvirt hook left behind for a domain that was never released", cmd_restore },
        { "setup", "install the libvirt hook (/etc/libvirt/hooks/qemu or qemu.d/pgs)", cmd_setup },
        { "status", "what pgs did at boot (/run/pgs/early) and what the devices are on now", cmd_status },
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
        fputs("\n'pgs COMMAND --help' tells more. Options every command takes:\n"
              "  --sysroot DIR   read and write every system path under DIR\n", f);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return PGS_EXIT_USAGE;
        }
        const char *cmd = argv[1];
        if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
                usage(stdout);
                return PGS_EXIT_OK;
        }
        if (!strcmp(cmd, "--version")) {
                puts("pgs " PGS_VERSION);
                return PGS_EXIT_OK;
        }
        for (size_t i = 0; i < N_COMMANDS; i++)
                if (!strcmp(cmd, commands[i].name))
                        return commands[i].run(argc - 1, argv + 1);
        fprintf(stderr, "pgs: unknown command '%.64s'\n\n", cmd);
        usage(stderr);
        return PGS_EXIT_USAGE;
}
