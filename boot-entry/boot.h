/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-entry/boot.h — what the parts of `pgs boot` share: the plan of file
 * edits and commands (shared/edit.h; plan.c the helpers beside it), the record of what pgs owns (state.c), the
 * bootloader back ends (grub.c, sdboot.c, bls.c, kernelstub.c, uki.c,
 * loaders.c), what a mode needs (mode.c) and the command (boot.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "boot-entry/kparams.h"
#include "shared/command.h"
#include "shared/config.h"
#include "shared/cpulist.h"
#include "shared/diff.h"
#include "shared/edit.h"
#include "shared/proc.h"
#include "shared/root.h"
#include "shared/sysroot.h"

#define STATE_PATH "var/lib/pgs/boot"
#define MODLOAD_PATH "etc/modules-load.d/pgs.conf"
#define CMD_TIMEOUT_MS (10 * 60 * 1000)

struct state {
        char loader[32], mode[32];
        char hugepages[32], isolate[256];       /* "" when not asked for */
        struct words params;    /* owned parameters */
        struct words flags;     /* "KIND PATH" */
};

struct boot {
        struct pgs_root root;
        const char *sysroot;    /* NULL: / */
        const struct backend *be;
        struct state st;
        bool have_state;
        bool pending;           /* the record says the last run did not finish */
        struct edit_plan plan;  /* the files and commands (shared/edit.h) */
        struct words present;   /* parameters on the command line source now */
        char where[512];        /* which file(s) they were read from */
};

struct backend {
        const char *name, *what;
        bool (*detect)(struct boot *b);
        int (*read)(struct boot *b);                            /* fill b->present */
        int (*plan)(struct boot *b, const struct words *add, const struct words *rm);
};


struct want {
        const char *mode;
        const char *hugepages;  /* "1G:N" / "2M:N" */
        const char *isolate;    /* cpulist */
        int vfs;                /* -1: from /etc/pgs.conf */
        const char *driver;     /* i915 | xe */
};

/* plan.c: messages, programs, host paths, parameter lists */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool find_prog(struct boot *b, const char *name, char *buf, size_t size);
char *join_alloc(const struct words *w, const char *tail, size_t *ret_len);
char *join_arg(const char *prefix, const struct words *w);

/* state.c: /var/lib/pgs/boot */
void state_load(struct boot *b);
bool flag_has(struct boot *b, const char *kind, const char *path);
void flag_set(struct boot *b, const char *kind, const char *path);
void flag_clear(struct boot *b, const char *kind, const char *path);
int state_plan(struct boot *b, bool remove);

/* sdboot.c: loader entries, shared with bls.c */
int for_each_entry(struct boot *b, int (*fn)(struct boot *, const char *path, void *), void *ud);
int entry_read_one(struct boot *b, const char *path, void *ud);

/* the back ends, in detection order (loaders.c) */
extern const struct backend boot_backends[];
extern const size_t boot_n_backends;
bool grub_detect(struct boot *b);
int grub_read(struct boot *b);
int grub_plan(struct boot *b, const struct words *add, const struct words *rm);
bool sdboot_detect(struct boot *b);
int sdboot_read(struct boot *b);
int sdboot_plan(struct boot *b, const struct words *add, const struct words *rm);
bool bls_detect(struct boot *b);
int bls_read(struct boot *b);
int bls_plan(struct boot *b, const struct words *add, const struct words *rm);
bool kernelstub_detect(struct boot *b);
int kernelstub_read(struct boot *b);
int kernelstub_plan(struct boot *b, const struct words *add, const struct words *rm);
bool uki_detect(struct boot *b);
int uki_read(struct boot *b);
int uki_plan(struct boot *b, const struct words *add, const struct words *rm);
bool nixos_detect(struct boot *b);
int nixos_read(struct boot *b);

/* `pgs boot`, for pgs setup: argv as cmd_boot's; rep (may be NULL) gets what
 * its plan changed */
int boot_command(int argc, char **argv, struct edit_report *rep);
/* boot.c, for pgs setup: whether /var/lib/pgs/boot exists, and the mode and
 * hugepages ("" when none) its last apply asked for */
bool boot_recorded(const struct pgs_root *r, char *mode, size_t msize, char *hp, size_t hsize);

/* mode.c: the parameters a request needs, checked against this host */
int desired_params(struct boot *b, const struct want *w, struct words *ret, bool *ret_kvmgt);
