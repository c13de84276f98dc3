/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/host/kmod.h — the host tier's module questions, answered by libkmod
 * over the root: modules of a kernel under ROOT/lib/modules/KVER, modprobe.d
 * from every directory kmod reads (etc, run, usr/local/lib, usr/lib, lib),
 * with kmod's own rules (a file name in /etc hides the same name further
 * down; tabs; options, install, softdep lines).
 *
 * Host tier: linked into the dynamic programs only (pgs, pgs-qemu-hook-xml),
 * never into pgs-early, which loads vfio-pci with the initramfs's modprobe. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/root.h"

struct kmod_ctx;

struct hkmod {
        struct kmod_ctx *ctx;
        const struct pgs_root *root;
        char kver[128];
        bool have_tree;         /* ROOT/lib/modules/KVER has a depmod index */
};

/* The kernel the running system booted (proc/sys/kernel/osrelease under the
 * root), and the newest one installed under lib/modules (the one the next
 * boot starts: what pgs boot configures). -ENOENT when there is none. */
int hkmod_running_kernel(const struct pgs_root *r, char *buf, size_t size);
int hkmod_newest_kernel(const struct pgs_root *r, char *buf, size_t size);

/* libkmod on kernel kver's modules and the root's modprobe.d. */
int hkmod_open(struct hkmod *k, const struct pgs_root *r, const char *kver);
void hkmod_close(struct hkmod *k);

/* 0 no such module, 1 a module file, 2 built into the kernel */
int hkmod_module(struct hkmod *k, const char *name);
/* 1 when the module (file or built in) declares parameter param, else 0 */
int hkmod_has_param(struct hkmod *k, const char *name, const char *param);
/* What modprobe.d says for a module, merged as modprobe merges it: its
 * options (""), its install command ("" when none). */
int hkmod_options(struct hkmod *k, const char *name, char *buf, size_t size);
int hkmod_install(struct hkmod *k, const char *name, char *buf, size_t size);

/* Where modprobe.d says it: the first file (in kmod's order) with a line
 * "KIND MODULE …TEXT…" (- and _ alike in MODULE); "/etc/modprobe.d/x.conf".
 * -ENOENT when none. libkmod decides what applies; this only names a file. */
int hkmod_config_where(struct hkmod *k, const char *kind, const char *name, const char *text, char *buf, size_t size);

/* Load a module as modprobe would (dependencies, softdeps, install lines).
 * On failure *why says the reason in words ("" on success) (an install line, signing,
 * lockdown, a missing file). Under a sysroot nothing is inserted into the
 * running kernel unless a test's fake kernel takes the call (-EPERM). */
int hkmod_load(struct hkmod *k, const char *name, char *why, size_t size);
