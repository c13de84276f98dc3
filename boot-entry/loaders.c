/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/loaders.c — NixOS (printed, never edited) and the table of back ends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-entry/boot.h"

/* ---- NixOS: print, never edit ------------------------------------------ */

bool nixos_detect(struct boot *b)
{
        return fs_exists(&b->root, "etc/NIXOS");
}

int nixos_read(struct boot *b)
{
        char t[4096];
        if (fs_read_str(&b->root, "proc/cmdline", t, sizeof(t)) >= 0)
                words_split(t, strlen(t), &b->present);
        snprintf(b->where, sizeof(b->where), "proc/cmdline");
        return 0;
}

const struct backend boot_backends[] = {
        /* detection order, documented in docs/pgs-boot.md */
        { "nixos", "NixOS (prints configuration.nix lines; edits nothing)", nixos_detect, nixos_read, NULL },
        { "kernelstub", "kernelstub (Pop!_OS)", kernelstub_detect, kernelstub_read, kernelstub_plan },
        { "bls", "BLS entries with grubby (Fedora, Nobara)", bls_detect, bls_read, bls_plan },
        { "uki", "unified kernel images (/etc/cmdline.d, mkinitcpio -P)", uki_detect, uki_read, uki_plan },
        { "systemd-boot", "systemd-boot (/etc/kernel/cmdline + kernel-install, or loader entries)", sdboot_detect, sdboot_read, sdboot_plan },
        { "grub", "GRUB (/etc/default/grub)", grub_detect, grub_read, grub_plan },
};
const size_t boot_n_backends = sizeof(boot_backends) / sizeof(boot_backends[0]);

