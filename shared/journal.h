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
 *     pages-begin PATH PREV about to grow the pool at PATH from PREV
 *     pages PATH DELTA      the domain added DELTA pages to PATH
 *   run/pgs/shared/<key>    one per changed file, shared by the domains that
 *                           need it changed:  orig VALUE / path PATH / holder UUID…
 * Two VMs that both want a CPU's governor at `performance` hold it together;
 * the original comes back when the last one releases it. Hugepage pools are
 * counted, not restored: each domain gives back only the pages it added.
 * The caller holds run/pgs/lock (journal_lock) around every use. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/cpulist.h"
#include "shared/root.h"

/* a journal larger than this is refused whole (-EFBIG), never read in part */
#define JOURNAL_MAX (64u << 20)

struct journal {
        const struct pgs_root *root;
        char uuid[37];
        char path[64];          /* run/pgs/<uuid> */
};

/* A UUID as libvirt writes it: 8-4-4-4-12 hex digits. */
bool uuid_valid(const char *s);

/* returns an fd; -EPERM when run/pgs or run/pgs/shared is not a directory
 * of ours that nobody else can write (a link, another owner, mode g+w/o+w) */
int journal_lock(const struct pgs_root *r, unsigned timeout_ms);
void journal_unlock(int fd);

int journal_open(struct journal *j, const struct pgs_root *r, const char *uuid, const char *name);
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
/* base: the CPUs an empty original means (cgroup cpuset.cpus "" = all). On a
 * failed write the record is taken back and a `drop PATH` line journaled, so
 * the caller may skip that file (a managed IRQ answers EIO). */

/* Hugepage pool growth: call begin before writing nr_hugepages, end after
 * reading back what was obtained. */
int journal_pages_begin(struct journal *j, const char *path, unsigned long prev);
int journal_pages_end(struct journal *j, const char *path, unsigned long delta);

/* A mediated device this domain creates: begin before writing `create`,
 * undo removes it (sys/bus/mdev/devices/UUID/remove) if it exists. */
int journal_mdev(struct journal *j, const char *uuid);

/* A PCI device this domain moved from its host driver to vfio-pci: undo
 * unbinds it from vfio-pci, puts back driver_override ("" when none) and binds
 * it to driver again. */
int journal_handover(struct journal *j, const char *addr, const char *driver, const char *override);

/* A path a journal may name: under sys/ or proc/, or a systemd property. */
bool journal_path_ok(const char *path);

/* Undo everything the domain's journal lists, newest first, and remove it.
 * Returns 0, or -errno of the first step that failed (the rest is still
 * tried); report(msg) is told about each step. Idempotent: no journal, no-op. */
int journal_undo(const struct pgs_root *r, const char *uuid, void (*report)(void *ud, const char *msg), void *ud);

/* The name recorded in a journal (for messages and `pgs restore NAME`). */
int journal_name(const struct pgs_root *r, const char *uuid, char *buf, size_t size);
