/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/pgs.h — the pgs front end's command table. Each component adds its
 * command here with the function that runs it (argv[0] is the command name). */
#pragma once

struct pgs_command {
        const char *name;
        const char *summary;
        int (*run)(int argc, char **argv);
};

int cmd_status(int argc, char **argv);
int cmd_boot(int argc, char **argv);      /* boot-entry/boot.c */
int cmd_initramfs(int argc, char **argv); /* installers/initramfs.c */
int cmd_restore(int argc, char **argv);   /* qemu-hook/restore.c */
int cmd_setup(int argc, char **argv);     /* qemu-hook/setup.c */

/* exit codes shared by every command */
#define PGS_EXIT_OK      0
#define PGS_EXIT_FAILED  1
#define PGS_EXIT_PARTIAL 2
#define PGS_EXIT_USAGE   64
