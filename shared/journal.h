/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/journal.h — the change journal (undo log) of pgs-qemu-hook.
 *
 * Every change is written here before it is made, so release — or `pgs
 * restore` after a crash — puts back the value that was there, not a default.
 *
 *   run/pgs/<uuid>          one domain's journal, appended line by line:
 *     # pgs-hook 1
 *     name NAME             (escaped: no spaces, newlines or slashes)
 *     hold PATH             the domain holds PATH's value (see below)
 *     drop PATH             a hold taken back at once (the write was refused)
 *     WORD ARGS             a kind the program registered (struct journal_kind):
 *                           the hook's are in qemu-hook/ (pages, mdev, handover)
 *   run/pgs/shared/<key>    one per changed file, shared by the domains that
 *                           need it changed:  orig VALUE / path PATH / holder UUID…
 * Two VMs that both want a CPU's governor at `performance` hold it together;
 * the original comes back when the last one releases it.
 * The caller holds run/pgs/lock (journal_lock) around every use. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/cpulist.h"
#include "shared/root.h"

/* a journal larger than this is refused whole (-EFBIG), never read in part */
#define JOURNAL_MAX (64u << 20)

typedef void (*journal_report_fn)(void *ud, const char *msg);

/* One line being undone, for a kind's undo function. */
struct journal_step {
        const struct pgs_root *root;
        const char *uuid;
        char **lines;           /* the whole journal, oldest first: a kind may look ahead */
        size_t n, i;            /* how many lines; this line's index */
        journal_report_fn report;
        void *ud;
};

/* A kind of journal line other than hold/drop, registered by the program that
 * writes it (the hook's features: pages, mdev, handover). Its lines read
 * "WORD ARGS"; undo gets ARGS and returns 0 or -errno. path_arg: the first
 * argument is a path, replayed only when journal_path_ok() accepts it. */
struct journal_kind {
        const char *word;
        bool path_arg;
        int (*undo)(const struct journal_step *s, const char *args);
};

/* A value that is not a file under the root: keys starting with prefix
 * ("systemd:UNIT:PROPERTY") are read and written through these. */
struct journal_store {
        const char *prefix;
        int (*read)(const struct pgs_root *r, const char *key, char *buf, size_t size);
        int (*write)(const struct pgs_root *r, const char *key, const char *value);
};

struct journal_ops {
        const struct journal_kind *kinds;
        size_t n_kinds;
        const struct journal_store *stores;
        size_t n_stores;
};

struct journal {
        const struct pgs_root *root;
        const struct journal_ops *ops;
        char uuid[37];
        char path[64];          /* run/pgs/<uuid> */
};

/* A UUID as libvirt writes it: 8-4-4-4-12 hex digits. */
bool uuid_valid(const char *s);

/* returns an fd; -EPERM when run/pgs or run/pgs/shared is not a directory
 * of ours that nobody else can write (a link, another owner, mode g+w/o+w) */
int journal_lock(const struct pgs_root *r, unsigned timeout_ms);
void journal_unlock(int fd);

int journal_open(struct journal *j, const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, const char *name);

/* Append one line ("WORD ARGS\n", a registered kind) and fsync it: written
 * ahead of the change it describes. */
int journal_append(struct journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tell the undo's caller about a step (for a kind's undo function). */
void journal_say(const struct journal_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool journal_exists(const struct pgs_root *r, const char *uuid);

/* Set a file (a sysfs/procfs attribute) to value for this domain. The first
 * holder records the original; later holders only join. Written ahead, then
 * written, then read back. -errno on failure (journaled, so undo is exact). */
int journal_hold_set(struct journal *j, const char *path, const char *value);

/* A CPU set file shared by domains that each keep their CPUs out of it (IRQ
 * affinity, cgroup cpusets, the workqueue cpumask): its value is the original
 * minus every holder's CPUs, so a second VM narrows it further and the first
 * one's release widens it only by its own CPUs. mask: hex cpumask format
 * (ncpus wide), else a CPU list. -ENOSPC when nothing would be left. */
int journal_hold_exclude(struct journal *j, const char *path, const struct cpuset *cpus, const struct cpuset *base, bool mask,
                         unsigned ncpus);
/* The value of an exclusion record (run/pgs/shared/<key>: orig, format,
 * base, holder UUID excl=LIST lines): orig minus every holder's CPUs but
 * skip_uuid's. *ret_any: some holder is left. -ENOSPC when nothing is left. */
int journal_excl_value(const char *rec, const char *skip_uuid, char *buf, size_t size, bool *ret_any);
/* base: the CPUs an empty original means (cgroup cpuset.cpus "" = all). On a
 * failed write the record is taken back and a `drop PATH` line journaled, so
 * the caller may skip that file (a managed IRQ answers EIO). */

/* A path a journal may name: under sys/ or proc/, or a registered store's key. */
bool journal_path_ok(const struct journal_ops *ops, const char *path);

/* Undo everything the domain's journal lists, newest first, and remove it.
 * Returns 0, or -errno of the first step that failed (the rest is still
 * tried); report(msg) is told about each step. Idempotent: no journal, no-op. */
int journal_undo(const struct pgs_root *r, const struct journal_ops *ops, const char *uuid, journal_report_fn report, void *ud);

/* The name recorded in a journal (for messages and `pgs restore NAME`). */
int journal_name(const struct pgs_root *r, const char *uuid, char *buf, size_t size);
