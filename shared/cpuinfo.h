/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/cpuinfo.h — the first CPU of /proc/cpuinfo (under the root): its
 * vendor and flags, the one reading of that file for pgs-early's IOMMU hint,
 * pgs boot's intel_iommu=on and pgs check. */
#pragma once
#include <stdbool.h>

#include "shared/root.h"

struct cpuinfo {
        char vendor[32];        /* vendor_id: "GenuineIntel", "AuthenticAMD"; "" when absent */
        char flags[4096];       /* the flags line, "" when absent */
};

/* Read the first CPU's block (the head of the file holds it). 0, or -errno
 * when the file cannot be read; ret is written only on success. */
int cpuinfo_read(const struct pgs_root *r, struct cpuinfo *ret);

static inline bool cpuinfo_is_intel(const struct cpuinfo *ci) { return __builtin_strcmp(ci->vendor, "GenuineIntel") == 0; }
static inline bool cpuinfo_is_amd(const struct cpuinfo *ci) { return __builtin_strcmp(ci->vendor, "AuthenticAMD") == 0; }
