/* SPDX-License-Identifier: GPL-2.0-or-later */
/* installers/initramfs.h — what the parts of `pgs initramfs` share: the
 * generators (initramfs.c), the images (images.c), the warnings of status
 * (underminers.c). */
#pragma once
#include <stdbool.h>

#include "shared/edit.h"
#include "shared/root.h"

#define GEN_TIMEOUT_MS (10 * 60 * 1000)

/* Each rebuild command is one NULL-terminated argv, used as it is for the run
 * and for the --dry-run line (tests/bats/installers.bats asserts it exactly). */
#define ARGV_MAX 6
struct gen {
        const char *name;
        bool ki;                        /* may sit behind kernel-install */
        const char *conf;               /* the file pgs edits or owns */
        const char *regen[ARGV_MAX];    /* the distribution's rebuild command, NULL-terminated */
        const char *lister;             /* lists an image's files */
        const char *images[3];          /* image name prefixes in /boot, NULL-terminated */
        const char *hook;               /* pgs's own hook for it, as make install or a package puts it */
};

struct ctx {
        struct pgs_root root;
        const char *sysroot;
        const struct gen *g;
        bool want;              /* enable: the images must carry pgs-early */
        int warnings;
        struct edit_plan plan;  /* the file and the rebuild (shared/edit.h) */
};

int inst_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the generator this root uses (initramfs.c), NULL when none is found */
const struct gen *gen_detect(struct ctx *c);

/* `pgs initramfs`, for pgs setup: argv as cmd_initramfs's; rep (may be NULL)
 * gets what its plan changed */
int initramfs_command(int argc, char **argv, struct edit_report *rep);
/* pgs setup: this root's generator (NULL: none found, why says so) and
 * whether pgs is enabled in its configuration (*ret_on 1, 0; -1 when the
 * file cannot be read, why says so) */
const struct gen *initramfs_state(const struct pgs_root *r, int *ret_on, char *why, size_t size);

/* images.c */
int ki_images(struct ctx *c, char names[][256], int k, int max);
int list_images(struct ctx *c, char names[][256], int max);
int image_check(struct ctx *c, const char *img, bool *has_early, bool *has_conf);
void report_images(struct ctx *c, bool want);
/* pgs check --deep: every image listed with the generator's own lister.
 * 1 each carries pgs-early, 0 one does not (why names it), -ENOENT when it
 * cannot tell (no generator, no image, no lister; why says which). */
int images_carry_early(const struct pgs_root *r, char *why, size_t size);
int verify_images(void *ud);

/* underminers.c */
void report_underminers(struct ctx *c);
