/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/edit.h — the one edit engine of the commands that change a system's
 * configuration (`pgs boot`, `pgs initramfs`): every file read once and
 * changed in memory, the commands that regenerate what follows from them,
 * then — unless it is a dry run — all of it carried out:
 *
 *   1. a write-ahead record, when the plan has one, marked "pending
 *      regeneration" (killed anywhere after this, the next run sees the mark);
 *   2. every changed file written atomically, a FILE.pgs-bak beside each one
 *      pgs edits but does not own;
 *   3. each command, under a deadline, then the plan's verify step;
 *   4. the record without its mark.
 *
 * The rollback rule, the same for every caller: a write that fails puts back
 * the files written before it; a command or the verify step that fails puts
 * back every file and the record, then runs again the commands that had
 * succeeded, so that what they generated follows the restored files. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/root.h"

#define EDIT_MAX_FILES 64
#define EDIT_MAX_CMDS 64
#define EDIT_MAX_ARGS 16

struct edit_file {
        char path[512];         /* relative to the root */
        char *old, *new;        /* old NULL: did not exist; new NULL: delete */
        size_t old_len, new_len;
        int mode;
        bool owned;             /* pgs owns it whole: no .pgs-bak */
};

struct edit_cmd {
        char *argv[EDIT_MAX_ARGS];
        char *env[8];
        char text[600];         /* argv as one line, for messages */
};

/* A caller that runs several commands as the steps of one (pgs setup) hands
 * each command one of these, which its plan fills in. */
struct edit_report {
        unsigned changes;       /* files changed and commands run (in a dry run: that would be) */
        bool diffs_shown;       /* the caller showed them (the command's dry run): print only the commands */
};

struct edit_plan {
        const struct pgs_root *root;
        struct edit_report *report;     /* NULL, or the caller's (edit_report above) */
        const char *sysroot;    /* sysroot_of(root): NULL for / */
        const char *who;        /* "pgs boot": the prefix of its messages */
        bool dry_run;
        bool short_names;       /* the dry run names a program by its base name */
        unsigned timeout_ms;    /* each command's deadline */
        const char *record;     /* the write-ahead record among the files, or NULL */
        int (*verify)(void *ud);        /* after the commands; < 0 rolls back (it says why) */
        void *verify_ud;
        struct edit_file files[EDIT_MAX_FILES];
        size_t n_files;
        struct edit_cmd cmds[EDIT_MAX_CMDS];
        size_t n_cmds;
};

/* the commands run with PGS_SYSROOT set to the root r was opened on (sysroot_of) */
void edit_init(struct edit_plan *p, const struct pgs_root *root, const char *who);
void edit_free(struct edit_plan *p);

/* the plan's copy of a file, or NULL */
struct edit_file *edit_find(struct edit_plan *p, const char *path);
/* A text file into the plan (once; later calls return the same copy). ENOENT
 * is fine when may_miss (old stays NULL). A file over 1 MiB, unreadable or
 * holding a NUL byte is refused with a message naming it: returns -1. */
int edit_load(struct edit_plan *p, const char *path, bool may_miss, struct edit_file **ret);
/* the new text (taken over; NULL deletes the file) */
void edit_set(struct edit_file *e, char *text, size_t len);
bool edit_changes(const struct edit_file *e);
/* does the plan change any file but the record? */
bool edit_any(const struct edit_plan *p);

/* a command: argv (NULL-terminated), copied; NULL when the plan is full */
struct edit_cmd *edit_cmd_add(struct edit_plan *p, const char *const argv[]);
/* prog, then the words, NULL-terminated */
struct edit_cmd *edit_cmd_addl(struct edit_plan *p, const char *prog, ...) __attribute__((sentinel));
void edit_cmd_env(struct edit_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* the diff of every changed file (the record too); in a dry run, the
 * commands as "would run: …" */
void edit_print(const struct edit_plan *p);

/* edit_print, then (not in a dry run) carry the plan out. Returns
 * PGS_EXIT_OK or PGS_EXIT_FAILED (every file put back, said why). */
int edit_execute(struct edit_plan *p);
