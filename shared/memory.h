/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/memory.h — the host's memory as /proc tells it: one field of
 * /proc/meminfo, and whether a hugetlbfs is mounted for a page size
 * (libvirt backs a domain's memory only from a mounted one). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "shared/root.h"

/* "MemTotal", "Hugepagesize", …: the value in kB, 0 when absent or unreadable */
uint64_t meminfo_kib(const struct pgs_root *r, const char *key);
/* Is a hugetlbfs mounted (/proc/mounts) whose pages are kib large? A mount
 * without pagesize= has the kernel's default size (Hugepagesize). */
bool hugetlbfs_mounted(const struct pgs_root *r, unsigned long kib);
