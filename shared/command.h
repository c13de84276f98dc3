/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/command.h — what every pgs program and command shares: the exit
 * codes (docs/cli.md) and the shape of a `pgs` command. Each component
 * defines its command beside its code (`pgs boot` in boot-entry/, `pgs
 * restore` in qemu-hook/, …) and includes only this header; cli/pgs.c lists
 * them in its table. */
#pragma once

#define PGS_EXIT_OK      0      /* done, or nothing to do */
#define PGS_EXIT_FAILED  1      /* nothing of what was asked was done */
#define PGS_EXIT_PARTIAL 2      /* partly done */
#define PGS_EXIT_USAGE   64     /* bad option, word or value */

struct pgs_command {
        const char *name;
        const char *summary;
        int (*run)(int argc, char **argv);      /* argv[0] is the command's name */
};

int cmd_check(int argc, char **argv);      /* cli/check.c */
int cmd_status(int argc, char **argv);     /* cli/status.c */
int cmd_boot(int argc, char **argv);       /* boot-entry/boot.c */
int cmd_initramfs(int argc, char **argv);  /* installers/initramfs.c */
int cmd_restore(int argc, char **argv);    /* qemu-hook/restore.c */
int cmd_setup(int argc, char **argv);
int cmd_vm(int argc, char **argv);         /* vm/front.c: runs pgs-vm (vm/vm.c) */      /* cli/setup.c (its hook step: qemu-hook/setup.c) */
