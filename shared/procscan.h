/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/procscan.h — the one walk over /proc (under the root): every
 * process, and every file a process has open. Used to find who holds a GPU
 * or a VFIO group open, whether a daemon runs, and a domain's QEMU. */
#pragma once
#include "shared/root.h"

/* fn(pid, ud) for each process (the numeric entries of /proc) until it
 * returns non-zero; that value is returned, else 0. */
int proc_each(const struct pgs_root *r, int (*fn)(const char *pid, void *ud), void *ud);

/* fn(pid, target, ud) for each of the process's open files (the targets of
 * /proc/PID/fd/N) until it returns non-zero; that value, else 0. */
int proc_each_fd(const struct pgs_root *r, const char *pid, int (*fn)(const char *pid, const char *target, void *ud), void *ud);
