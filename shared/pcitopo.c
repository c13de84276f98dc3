/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/pcitopo.c — where a PCI device sits: the bridge above it, and
 * whether a GPU is part of the CPU package (see pci.h). */
#include <errno.h>
#include <string.h>

#include "shared/pci.h"
#include "shared/root.h"

int pci_dev_upstream(const struct pgs_root *r, const char *name, struct pci_addr *ret)
{
        char p[256], t[4096];
        if (!path_fmt(p, sizeof(p), "sys/bus/pci/devices/%s", name))
                return -ENAMETOOLONG;
        int n = fs_readlink(r, p, t, sizeof(t));
        if (n < 0)
                return n;
        char *last = strrchr(t, '/');
        if (!last)
                return 0;
        *last = '\0';
        const char *up = strrchr(t, '/');
        return pci_addr_parse(up ? up + 1 : t, ret) == 0;
}

bool pci_dev_integrated(const struct pgs_root *r, const struct pci_dev *d)
{
        if (d->addr.bus == 0)
                return true;
        struct pci_addr ua;
        struct pci_dev ud = { 0 };
        char up[PCI_ADDR_STR];
        if (d->vendor != 0x1002 || pci_dev_upstream(r, d->name, &ua) != 1 || ua.bus != 0 || ua.slot != 0x08)
                return false;
        return pci_dev_read_ids(r, pci_addr_fmt(&ua, up), &ud) == 0 && ud.vendor == 0x1022;
}
