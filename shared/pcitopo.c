/* SPDX-License-Identifier: GPL-2.0-or-later */
/* shared/pcitopo.c — where a PCI device sits: the bridge above it, and
 * whether a GPU is part of the CPU package (see pci.h). */
#include <errno.h>
#include <string.h>

#include "shared/pci.h"
#include "shared/root.h"

int pci_dev_upstream(const struct pgs_root *r, const char *name, char buf[PCI_ADDR_STR])
{
        char p[256], t[4096];
        buf[0] = '\0';
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
        up = up ? up + 1 : t;
        struct pci_addr a;
        if (pci_addr_parse(up, &a) == 0)
                pci_addr_fmt(&a, buf);
        return 0;
}

bool pci_dev_integrated(const struct pgs_root *r, const struct pci_dev *d)
{
        if (d->addr.bus == 0)
                return true;
        char up[PCI_ADDR_STR];
        struct pci_addr ua;
        struct pci_dev ud = { 0 };
        if (d->vendor != 0x1002 || pci_dev_upstream(r, d->name, up) < 0 || !up[0] || pci_addr_parse(up, &ua) < 0)
                return false;
        return ua.bus == 0 && ua.slot == 0x08 && pci_dev_read_ids(r, up, &ud) == 0 && ud.vendor == 0x1022;
}
