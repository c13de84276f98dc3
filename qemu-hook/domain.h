/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemu-hook/domain.h — what pgs reads from a domain's live XML. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "shared/cpulist.h"

/* more hostdevs than a machine has slots for is refused, never cut short */
#define DOMAIN_MAX_HOSTDEVS 64

struct domain {
        char name[256];
        char uuid[37];
        unsigned long long mem_kib;     /* <memory> */
        bool hugepages;                 /* <memoryBacking><hugepages> */
        unsigned long page_kib;         /* its <page size>; 0: the default size */
        struct cpuset vcpus;            /* union of <cputune><vcpupin cpuset> */
        struct cpuset numa_nodes;       /* <numatune><memory nodeset>: hugepages per node */
        bool managed;                   /* <metadata><pgs:vm xmlns:pgs="urn:pgs:domain:1"> */
        bool want_hugepages, want_governor, want_isolate;
        bool want_handover;             /* <pgs:handover/>: move managed='no' GPUs */
        char handover_allow[512];       /* <pgs:handover allow='ADDR@VID:DID …'/>: other classes */
        size_t n_pci;
        struct { char addr[16]; bool managed; } pci[DOMAIN_MAX_HOSTDEVS];   /* <hostdev type='pci'> */
        char mdev_type[64];             /* <pgs:mdev type='…'/>: "" picks the largest offered */
        size_t n_mdevs;
        char mdevs[DOMAIN_MAX_HOSTDEVS][37];              /* <hostdev type='mdev'> UUIDs */
};

/* Parse XML (no network, no entity expansion, no DTD; a DOCTYPE is refused).
 * On error, msg says why. */
int domain_parse(const char *xml, size_t len, struct domain *ret, char *msg, size_t msgsize);

/* The one way pgs reads XML from outside (a domain, libvirt's capabilities):
 * no network, no entity substitution, no DTD, UTF-8 or ASCII only; a DOCTYPE
 * or ENTITY declaration is refused. what names the document in msg. Returns
 * an xmlDoc (free with xmlFreeDoc) or NULL. */
struct _xmlDoc;
struct _xmlDoc *xml_read_safe(const char *xml, size_t len, const char *what, char *msg, size_t msgsize);
