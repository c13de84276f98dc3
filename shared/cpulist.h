/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/cpulist.h — CPU lists as the kernel and libvirt write them
 * ("0-3,8,10-11", libvirt's cpuset also "^2" to exclude). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPU_MAX 1024

struct cpuset {
        uint64_t bits[CPU_MAX / 64];
};

/* Add a list to *set (exclusions remove). -EINVAL on anything malformed. */
int cpulist_parse(const char *s, struct cpuset *set);
bool cpuset_has(const struct cpuset *s, unsigned cpu);
bool cpuset_empty(const struct cpuset *s);
bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b);

/* "0-3,8" (the kernel's canonical form); "" for an empty set */
void cpulist_format(const struct cpuset *s, char *buf, size_t size);
/* a hex cpumask ("ff", "00000000,000000ff" with commas every 32 bits) */
int cpumask_parse(const char *s, struct cpuset *set);
void cpumask_format(const struct cpuset *s, unsigned ncpus, char *buf, size_t size);
void cpuset_andnot(struct cpuset *a, const struct cpuset *b);
