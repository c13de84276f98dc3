/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/setup.h — `pgs setup`: the host set up for a mode in one step, and
 * taken back.
 *
 *   setup.c      options, the output (text, JSON), NixOS, the command
 *   setupsteps.c the steps (files, config, initramfs, boot, hook): each
 *                shown by its own dry run first, then carried out; a step
 *                that fails undoes the ones before it
 *   setupundo.c  /var/lib/pgs/setup, the record of what setup changed, and
 *                the undo that both --undo and a failed run use
 *
 * The steps are pgs's own commands (pgs initramfs enable, pgs boot apply,
 * pgs setup hook) run in this process with an edit_report, so setup knows
 * whether each changed anything; the JSON is a contract (docs/cli.md). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/config.h"
#include "shared/root.h"

#define SETUP_RECORD "var/lib/pgs/setup"
#define SETUP_SAVED  "var/lib/pgs/setup.pgs.conf"      /* /etc/pgs.conf as it was */
#define SETUP_CONF   "etc/pgs.conf"
#define SETUP_IGPU   "0000:00:02.0"    /* sriov's PF when --gpu does not say */

enum step_id { S_FILES, S_CONFIG, S_INITRAMFS, S_BOOT, S_HOOK, S_N };

struct step {
        const char *id;
        const char *status;     /* unchanged, changed, skipped, warn, failed, undone */
        bool changed;           /* in a dry run: would change */
        char what[600];
};

/* What undoing takes back, as the record keeps it: per step, what was
 * there before setup first changed it. */
struct undo {
        enum { U_NONE, U_CREATED, U_REPLACED } config;
        char *conf;             /* U_REPLACED: the bytes before */
        size_t conf_len;
        int conf_mode;
        enum { UI_NONE, UI_DISABLE, UI_REBUILD } initramfs;
        enum { UB_NONE, UB_REVERT, UB_REAPPLY } boot;
        char boot_mode[32], boot_hp[32];        /* UB_REAPPLY: the apply before ("" hugepages: none) */
        bool hook;
};

struct setup {
        struct pgs_root root;
        const char *sysroot;    /* NULL: / */
        const char *mode, *gpu, *hugepages;
        int vfs;                /* -1: not given */
        bool dry, json, undo;
        bool nixos;             /* /etc/NIXOS: printed, changed nothing */
        struct step steps[12];
        unsigned n_steps;
};

/* What this run wants and the state it starts from (setupsteps.c) */
struct plan {
        const struct gen *gen;
        int init_on;                    /* pgs enabled in the generator's configuration */
        char *conf_old;                 /* /etc/pgs.conf now, NULL: none */
        size_t conf_old_len;
        int conf_mode;
        char *conf_new;                 /* NULL: the mode writes none (gvtg) */
        struct bind_list bind;
        bool conf_same;                 /* it says that already */
        bool boot_had;                  /* /var/lib/pgs/boot before this run */
        char boot_mode[32], boot_hp[32];
};

/* setupsteps.c: the plan (-1: said why); each step's preview, in order
 * (-1: it cannot be done, nothing changed); then each step that would change
 * something, carried out (a failure takes back what this run did) */
int plan_load(struct setup *s, struct plan *p);
int step_files(struct setup *s, const struct plan *p);
int preview_config(struct setup *s, const struct plan *p);
int preview_initramfs(struct setup *s, const struct plan *p);
int preview_boot(struct setup *s);
int preview_hook(struct setup *s);
int carry_out(struct setup *s, const struct plan *p);

/* setupundo.c */
void undo_free(struct undo *u);
/* the record into u; 1 read, 0 none, -1 unreadable or not pgs's (said why) */
int undo_load(const struct setup *s, struct undo *u);
/* the record: what it held, with what this run changed where it held
 * nothing (the state before the first setup is what --undo returns to) */
int undo_save(const struct setup *s, const struct undo *now);
/* take back what u says, hook first and the images last (they carry the
 * restored config); each a step of s when as_steps (--undo), else only
 * printed (a failed run's rollback). PGS_EXIT_OK, or FAILED when some part
 * could not be taken back (u keeps only those parts). */
int undo_run(struct setup *s, struct undo *u, bool as_steps);
/* `pgs setup --undo` */
int setup_undo(struct setup *s);

/* setup.c: a step's line (also its JSON entry) */
struct step *step_add(struct setup *s, const char *id);
void step_set(struct step *st, const char *status, bool changed, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* pgs initramfs / pgs boot / pgs setup hook as a step: the words after the
 * command, NULL-terminated; --dry-run and --sysroot are added. *changed
 * (may be NULL) says whether it changed (would change) anything. */
int setup_sub(const struct setup *s, bool dry, bool diffs_shown, bool *changed, const char *cmd, ...) __attribute__((sentinel));
